// The `slack` body: one line of text, as Slack's (and Mattermost's, Discord's /slack) incoming
// webhooks take it. Pure, so it is unit-tested.

export function slackText(payload: Record<string, unknown>): string {
  const event = String(payload.event ?? "");
  const team = (payload.team as { name?: string } | undefined)?.name ?? "a team";
  const session = (payload.session as { title?: string } | undefined)?.title;
  const data = (payload.data ?? {}) as Record<string, unknown>;
  const where = session ? `“${session}” (${team})` : team;
  switch (event) {
    case "permission.waiting":
      return `Waiting for permission in ${where}: ${String((data.toolCall as { title?: string } | undefined)?.title ?? "a tool call")}`;
    case "turn.ended":
      return `Turn ended in ${where}: ${String(data.stopReason ?? "")}`;
    case "session.failed":
      return `Session failed: ${where} (${String(data.reason ?? "error")})`;
    case "budget.warning":
    case "budget.reached":
      return String(data.message ?? `${event} for ${team}`);
    case "webhook.test":
      return `Test message from Agent Portal for ${team}`;
    default:
      return `${event} in ${where}`;
  }
}
