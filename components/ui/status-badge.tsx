const LABELS: Record<string, string> = {
  idle: "Idle",
  running: "Running",
  restorable: "Restorable",
  offline: "Offline",
  destroyed: "Destroyed",
};

export function StatusBadge({ status }: { status: string }) {
  return (
    <span className={`badge badge-${status}`} data-testid="status-badge" data-status={status}>
      {status === "running" && <span className="pulse" aria-hidden />}
      {LABELS[status] ?? status}
    </span>
  );
}
