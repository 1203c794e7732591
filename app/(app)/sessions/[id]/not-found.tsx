import { StatusPage } from "@/components/ui/status-page";

export default function SessionNotFound() {
  return (
    <StatusPage code={404} title="Session not found" text="It does not exist, or it belongs to a team you are not a member of." testId="session-not-found" />
  );
}
