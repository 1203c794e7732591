import { STATUS_LABEL, type SessionListStatus } from "@/lib/sessions/status";

export function StatusBadge({ status }: { status: string }) {
  return (
    <span className={`badge badge-${status}`} data-testid="status-badge" data-status={status}>
      {status === "running" && <span className="pulse" aria-hidden />}
      {status === "awaiting_input" && <span className="attention-dot" aria-hidden />}
      {STATUS_LABEL[status as SessionListStatus] ?? status}
    </span>
  );
}
