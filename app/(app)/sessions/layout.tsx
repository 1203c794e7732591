import { SessionSidebar } from "@/components/shell/session-sidebar";

// The sessions section: on a wide screen, a session page sits beside the team's session list,
// which stays mounted (and live) while moving from one session to another.
export default function SessionsLayout({ children }: { children: React.ReactNode }) {
  return (
    <div className="sessions-shell">
      <SessionSidebar />
      {children}
    </div>
  );
}
