"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { apiFetch } from "@/components/api-client";
import { POLICY_ACTIONS, TOOL_KINDS, type PolicyRule } from "@/lib/contract/policies";

// The team's approval policy as an ordered list of rules; the first rule that matches a permission
// request answers it (allow, deny) or leaves it to a person (ask). Saved whole.

type Draft = { key: number; id?: string; kind: string; pattern: string; action: string };

const ACTION_LABEL: Record<string, string> = { allow: "Allow at once", ask: "Ask a person", deny: "Deny at once" };

export function PolicyEditor({ teamId, rules }: { teamId: string; rules: PolicyRule[] }) {
  const router = useRouter();
  const [drafts, setDrafts] = useState<Draft[]>(() =>
    rules.map((rule, key) => ({ key, id: rule.id, kind: rule.kind ?? "", pattern: rule.pattern ?? "", action: rule.action })),
  );
  const [nextKey, setNextKey] = useState(rules.length);
  const [state, setState] = useState<{ pending: boolean; error: string | null; saved: boolean }>({ pending: false, error: null, saved: false });

  const change = (key: number, patch: Partial<Draft>) => setDrafts((all) => all.map((draft) => (draft.key === key ? { ...draft, ...patch } : draft)));
  const move = (index: number, by: number) =>
    setDrafts((all) => {
      const next = [...all];
      const [item] = next.splice(index, 1);
      next.splice(index + by, 0, item!);
      return next;
    });

  async function save() {
    setState({ pending: true, error: null, saved: false });
    const body = {
      rules: drafts.map((draft) => ({
        ...(draft.id ? { id: draft.id } : {}),
        ...(draft.kind ? { kind: draft.kind } : {}),
        ...(draft.pattern.trim() ? { pattern: draft.pattern.trim() } : {}),
        action: draft.action,
      })),
    };
    const result = await apiFetch<{ rules: PolicyRule[] }>(`/api/teams/${teamId}/policy`, { method: "PUT", body });
    if (!result.ok) return setState({ pending: false, error: result.error, saved: false });
    setDrafts(result.data.rules.map((rule, key) => ({ key, id: rule.id, kind: rule.kind ?? "", pattern: rule.pattern ?? "", action: rule.action })));
    setNextKey(result.data.rules.length);
    setState({ pending: false, error: null, saved: true });
    router.refresh();
  }

  return (
    <div className="stack policy-editor" data-testid="policy-editor">
      {drafts.length === 0 ? (
        <p className="muted small" data-testid="policy-empty">
          No rules: every permission request waits for a person.
        </p>
      ) : (
        <ol className="policy-rules">
          {drafts.map((draft, index) => (
            <li key={draft.key} className="policy-rule" data-testid="policy-rule">
              <label className="field">
                <span>Tool kind</span>
                <select value={draft.kind} onChange={(event) => change(draft.key, { kind: event.target.value })} data-testid="policy-kind">
                  <option value="">any kind (pattern only)</option>
                  {TOOL_KINDS.map((kind) => (
                    <option key={kind} value={kind}>
                      {kind}
                    </option>
                  ))}
                </select>
              </label>
              <label className="field">
                <span>Title or path pattern</span>
                <input
                  value={draft.pattern}
                  maxLength={200}
                  placeholder={draft.kind ? "optional, e.g. src/**" : "e.g. **/.env"}
                  onChange={(event) => change(draft.key, { pattern: event.target.value })}
                  data-testid="policy-pattern"
                />
              </label>
              <label className="field">
                <span>Answer</span>
                <select value={draft.action} onChange={(event) => change(draft.key, { action: event.target.value })} data-testid="policy-action">
                  {POLICY_ACTIONS.map((action) => (
                    <option key={action} value={action}>
                      {ACTION_LABEL[action]}
                    </option>
                  ))}
                </select>
              </label>
              <div className="policy-rule-actions">
                <button
                  type="button"
                  className="button ghost small"
                  disabled={index === 0}
                  onClick={() => move(index, -1)}
                  aria-label={`Move rule ${index + 1} up`}
                >
                  ↑
                </button>
                <button
                  type="button"
                  className="button ghost small"
                  disabled={index === drafts.length - 1}
                  onClick={() => move(index, 1)}
                  aria-label={`Move rule ${index + 1} down`}
                >
                  ↓
                </button>
                <button
                  type="button"
                  className="button ghost small"
                  onClick={() => setDrafts((all) => all.filter((item) => item.key !== draft.key))}
                  aria-label={`Remove rule ${index + 1}`}
                >
                  Remove
                </button>
              </div>
              {draft.id && <span className="muted small policy-rule-id">rule {draft.id}</span>}
            </li>
          ))}
        </ol>
      )}
      <div className="manage-form-actions">
        <button
          type="button"
          className="button small"
          onClick={() => {
            setDrafts((all) => [...all, { key: nextKey, kind: "read", pattern: "", action: "allow" }]);
            setNextKey(nextKey + 1);
          }}
          data-testid="policy-add"
        >
          Add rule
        </button>
        <button type="button" className="button primary small" onClick={save} disabled={state.pending} data-testid="policy-save">
          {state.pending ? "Saving…" : "Save policy"}
        </button>
        {state.saved && (
          <span className="muted small" role="status">
            Saved.
          </span>
        )}
      </div>
      {state.error && (
        <p className="banner inline error" role="alert">
          {state.error}
        </p>
      )}
    </div>
  );
}
