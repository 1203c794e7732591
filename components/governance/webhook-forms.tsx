"use client";

import { useState } from "react";
import { apiFetch } from "@/components/api-client";
import { ApiForm } from "@/components/manage/api-form";
import { CopySecret } from "@/components/manage/copy-secret";
import { WEBHOOK_EVENTS, type WebhookDeliveryJson } from "@/lib/contract/webhooks";
import { useRouter } from "next/navigation";

/** A new webhook: URL, events, body format; its signing secret is shown once. */
export function WebhookForm({ teamId }: { teamId: string }) {
  const [secret, setSecret] = useState<string | null>(null);
  // A card like the page's other "add" forms (repositories, MCP servers, skills), not fields loose on the page.
  return (
    <div className="card">
      <h3 className="manage-card-title">Add a webhook</h3>
      <div className="stack">
        <ApiForm<{ secret: string }>
          method="POST"
          url={`/api/teams/${teamId}/webhooks`}
          toBody={(form) => ({ url: form.get("url"), events: form.getAll("events"), format: form.get("format") })}
          submitLabel="Add webhook"
          onDone={(data) => setSecret(data.secret)}
          testId="webhook-form"
        >
          <label className="field">
            <span>URL</span>
            <input name="url" type="url" required maxLength={2000} placeholder="https://example.com/hooks/agent-portal" data-testid="webhook-url" />
          </label>
          <fieldset className="field webhook-events">
            <legend>Events</legend>
            {WEBHOOK_EVENTS.map((event) => (
              <label key={event} className="checkbox">
                <input type="checkbox" name="events" value={event} defaultChecked={event === "permission.waiting" || event === "turn.ended"} />{" "}
                <code>{event}</code>
              </label>
            ))}
          </fieldset>
          <label className="field">
            <span>Body</span>
            <select name="format" defaultValue="json" data-testid="webhook-format">
              <option value="json">JSON (signed)</option>
              <option value="slack">Slack-compatible text</option>
            </select>
          </label>
        </ApiForm>
        {secret && (
          <CopySecret
            value={secret}
            note="The signing secret, shown once: check X-Portal-Signature with it (HMAC-SHA256 of timestamp.body)."
            testId="webhook-secret"
          />
        )}
      </div>
    </div>
  );
}

/** "Send test": one delivery now; the answer is shown beside the button. */
export function WebhookTestButton({ teamId, webhookId }: { teamId: string; webhookId: string }) {
  const router = useRouter();
  const [result, setResult] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  async function send() {
    setPending(true);
    const answer = await apiFetch<WebhookDeliveryJson>(`/api/teams/${teamId}/webhooks/${webhookId}/test`, { method: "POST" });
    setPending(false);
    setResult(
      answer.ok
        ? answer.data.status === "delivered"
          ? `Delivered (HTTP ${answer.data.lastStatus})`
          : `Not delivered: ${answer.data.lastError ?? `HTTP ${answer.data.lastStatus}`}; retrying`
        : answer.error,
    );
    router.refresh();
  }
  return (
    <span className="manage-action">
      <button type="button" className="button small" onClick={send} disabled={pending} data-testid="webhook-test">
        {pending ? "Sending…" : "Send test"}
      </button>
      {result && (
        <span className="small muted" role="status" data-testid="webhook-test-result">
          {result}
        </span>
      )}
    </span>
  );
}
