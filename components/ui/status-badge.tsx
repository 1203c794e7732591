import { isSessionStatus, STATUS_LABEL } from "@/lib/contract/sessions";

/**
 * A session's status in a word. `canAnswer` false: the viewer cannot answer the permission a
 * session waits on, so it reads "Waiting for a member", without the alarm of "Needs you".
 */
export function StatusBadge({ status, canAnswer = true }: { status: string; canAnswer?: boolean }) {
  if (status === "awaiting_input" && !canAnswer) {
    return (
      <span className="badge badge-waiting" data-testid="status-badge" data-status={status} data-waiting-on="member">
        Waiting for a member
      </span>
    );
  }
  return (
    <span className={`badge badge-${status}`} data-testid="status-badge" data-status={status}>
      {status === "running" && <span className="pulse" aria-hidden />}
      {status === "awaiting_input" && <span className="attention-dot" aria-hidden />}
      {isSessionStatus(status) ? STATUS_LABEL[status] : status}
    </span>
  );
}
