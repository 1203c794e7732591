import { isSessionStatus, STATUS_LABEL } from "@/lib/contract/sessions";

export function StatusBadge({ status }: { status: string }) {
  return (
    <span className={`badge badge-${status}`} data-testid="status-badge" data-status={status}>
      {status === "running" && <span className="pulse" aria-hidden />}
      {status === "awaiting_input" && <span className="attention-dot" aria-hidden />}
      {isSessionStatus(status) ? STATUS_LABEL[status] : status}
    </span>
  );
}
