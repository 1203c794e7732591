"use client";

import { SharePanel } from "@/components/share/share-panel";
import { formatUsd } from "@/lib/contract/usage";
import { memo, useEffect, useRef, useState } from "react";
import { ChangesPanel } from "@/components/session/changes-panel";
import { FilesPanel } from "@/components/session/files-panel";
import { TerminalPanel } from "@/components/session/terminal-panel";
import { stopReasonShort } from "@/components/session/stop-reason";
import { configValues, type ConfigOptionJson, type SessionDetailJson, type UsageJson } from "@/lib/contract/sessions";

const BOOLEAN_VALUES = [
  { value: "true", name: "On" },
  { value: "false", name: "Off" },
];

/** A config option's values for a select: its own (groups flattened), or on/off for a boolean option. */
function selectValues(option: ConfigOptionJson) {
  return option.type === "boolean" ? BOOLEAN_VALUES : configValues(option);
}

type Act = (url: string, method: string, body?: unknown) => Promise<boolean>;

interface SessionControlsProps {
  session: SessionDetailJson;
  /** The live status (the stream is fresher than `session`). */
  status: string;
  usage: UsageJson | null;
  agentName: string;
  canWrite: boolean;
  /** Destroying needs more than writing for someone else's session (lib/contract/roles.ts). */
  canDestroy: boolean;
  act: Act;
  /** On a phone the panel is a sheet, open on request. */
  open: boolean;
  onClose: () => void;
}

// The side panel: what the session is, then mode, model, thought level and any other config option
// the agent offers, then resume and destroy. Every change goes through the API and comes back on the
// stream; a select shows the chosen value while its request is in flight.
export const SessionControls = memo(function SessionControls({
  session,
  status,
  usage,
  agentName,
  canWrite,
  canDestroy,
  act,
  open,
  onClose,
}: SessionControlsProps) {
  const [confirming, setConfirming] = useState(false);
  const disabled = !canWrite || status === "destroyed";
  const base = `/api/sessions/${session.id}`;
  const modes = session.modes?.availableModes ?? [];
  const byCategory = (category: string) => session.configOptions.find((option) => option.category === category);
  const modelOption = byCategory("model");
  const thoughtOption = byCategory("thought_level");
  const others = session.configOptions.filter((option) => !["mode", "model", "thought_level"].includes(option.category ?? ""));
  // Shown only when the agent reports them: a meter at 0% and a cost of 0.0000 say nothing.
  const contextShare = usage?.used && usage.size ? Math.min(1, usage.used / usage.size) : null;
  const panel = useRef<HTMLElement>(null);

  useEffect(() => {
    if (!open) return;
    panel.current?.focus();
    const onKey = (event: KeyboardEvent) => event.key === "Escape" && onClose();
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, [open, onClose]);

  return (
    <>
      {open && <div className="sheet-backdrop" onClick={onClose} aria-hidden />}
      <aside
        className={`session-side${open ? " open" : ""}`}
        id="session-details"
        data-testid="session-controls"
        ref={panel}
        tabIndex={-1}
        aria-label="Session details and settings"
      >
        <div className="sheet-head">
          <strong>Details</strong>
          <button type="button" className="button small ghost" onClick={onClose} data-testid="close-details">
            Close
          </button>
        </div>
        <section className="side-section">
          <h2>Details</h2>
          <dl className="facts">
            <dt>Agent</dt>
            <dd>{agentName}</dd>
            <dt>Last turn</dt>
            <dd data-testid="last-stop-reason">{session.lastStopReason ? stopReasonShort(session.lastStopReason) : "—"}</dd>
            {status === "restorable" && (
              <>
                <dt>Runtime</dt>
                <dd data-testid="resumes-note">Stopped; the session resumes on your next prompt</dd>
              </>
            )}
            {usage?.cost && usage.cost.amount > 0 && (
              <>
                <dt>Cost</dt>
                <dd className="num">
                  {new Intl.NumberFormat("en", { style: "currency", currency: usage.cost.currency, maximumFractionDigits: 4 }).format(usage.cost.amount)}
                </dd>
              </>
            )}
            {session.usage?.calls ? (
              <>
                <dt>Model calls</dt>
                <dd className="num" data-testid="gateway-usage">
                  {session.usage.calls.toLocaleString("en")} · {(session.usage.inputTokens ?? 0).toLocaleString("en")} in /{" "}
                  {(session.usage.outputTokens ?? 0).toLocaleString("en")} out
                  {session.usage.costUsd != null && ` · ${formatUsd(session.usage.costUsd)}`}
                </dd>
              </>
            ) : null}
          </dl>
          {contextShare !== null && (
            <div className="meter" title={`${usage?.used?.toLocaleString("en")} of ${usage?.size?.toLocaleString("en")} tokens`}>
              <div className="meter-label">
                <span>Context</span>
                <span className="num">{Math.round(contextShare * 100)}%</span>
              </div>
              <div className="meter-track">
                <div className="meter-fill" style={{ width: `${Math.max(2, contextShare * 100)}%` }} />
              </div>
            </div>
          )}
        </section>

        <section className="side-section">
          <h2>Settings</h2>
          {modes.length > 0 && (
            <SettingSelect
              label="Mode"
              value={session.mode ?? session.modes?.currentModeId ?? ""}
              options={modes.map((mode) => ({ value: mode.id, name: mode.name }))}
              disabled={disabled}
              onChange={(value) => act(base, "PATCH", { mode: value })}
              testId="select-mode"
            />
          )}
          {modelOption && (
            <SettingSelect
              label="Model"
              value={session.model ?? String(modelOption.currentValue ?? "")}
              options={selectValues(modelOption)}
              disabled={disabled}
              onChange={(value) => act(base, "PATCH", { model: value })}
              testId="select-model"
            />
          )}
          {thoughtOption && (
            <SettingSelect
              label="Thought level"
              value={session.thoughtLevel ?? String(thoughtOption.currentValue ?? "")}
              options={selectValues(thoughtOption)}
              disabled={disabled}
              onChange={(value) => act(base, "PATCH", { thoughtLevel: value })}
              testId="select-thought-level"
            />
          )}
          {others.map((option) => (
            <SettingSelect
              key={option.id}
              label={option.name}
              value={String(option.currentValue ?? "")}
              options={selectValues(option)}
              disabled={disabled}
              onChange={(value) => act(`${base}/config/${option.id}`, "PUT", { value: option.type === "boolean" ? value === "true" : value })}
              testId={`select-config-${option.id}`}
            />
          ))}
          {modes.length === 0 && !modelOption && !thoughtOption && others.length === 0 && <p className="muted small">This agent offers no settings.</p>}
        </section>

        <SharePanel sessionId={session.id} canWrite={canWrite} />

        {session.sandboxId && <FilesPanel sandboxId={session.sandboxId} sessionId={session.id} status={status} canWrite={canWrite && status !== "destroyed"} />}
        {session.sandboxId && (
          <ChangesPanel
            sandboxId={session.sandboxId}
            sessionId={session.id}
            title={session.title}
            status={status}
            canWrite={canWrite && status !== "destroyed"}
          />
        )}
        {session.sandboxId && status !== "destroyed" && <TerminalPanel sandboxId={session.sandboxId} canWrite={canWrite} />}

        {canWrite && status === "restorable" && (
          <button type="button" className="button" onClick={() => void act(`${base}/resume`, "POST")} data-testid="resume-session">
            Restore now
          </button>
        )}
        {canDestroy && status !== "destroyed" && (
          <div className="danger-zone">
            {confirming ? (
              <div className="confirm" role="alertdialog" aria-label="Destroy this session?">
                <p className="small">
                  <strong>Destroy this session?</strong> The agent stops and the session is closed on the runtime. Its history stays readable.
                </p>
                <div className="row">
                  <button type="button" className="button ghost small" onClick={() => setConfirming(false)} data-testid="cancel-destroy">
                    Keep it
                  </button>
                  <button
                    type="button"
                    className="button danger small"
                    onClick={async () => {
                      setConfirming(false);
                      await act(base, "DELETE");
                    }}
                    data-testid="confirm-destroy"
                  >
                    Destroy
                  </button>
                </div>
              </div>
            ) : (
              <button type="button" className="button ghost danger-text small" onClick={() => setConfirming(true)} data-testid="destroy-session">
                Destroy session…
              </button>
            )}
          </div>
        )}
      </aside>
    </>
  );
});

function SettingSelect({
  label,
  value,
  options,
  disabled,
  onChange,
  testId,
}: {
  label: string;
  value: string;
  options: Array<{ value: string; name: string }>;
  disabled: boolean;
  onChange: (value: string) => Promise<boolean>;
  testId: string;
}) {
  const [pending, setPending] = useState<string | null>(null);
  // Keep showing the chosen value until the session reports it (or the change failed).
  useEffect(() => {
    if (pending !== null && value === pending) setPending(null);
  }, [value, pending]);
  return (
    <label className="field">
      <span>{label}</span>
      <select
        value={pending ?? value}
        disabled={disabled}
        onChange={async (event) => {
          setPending(event.target.value);
          if (!(await onChange(event.target.value))) setPending(null);
        }}
        data-testid={testId}
      >
        {options.map((option) => (
          <option key={option.value} value={option.value}>
            {option.name}
          </option>
        ))}
      </select>
    </label>
  );
}
