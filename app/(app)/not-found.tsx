import { StatusPage } from "@/components/ui/status-page";

export default function AppNotFound() {
  return <StatusPage code={404} title="Page not found" text="It does not exist, or it belongs to a team you are not a member of." testId="not-found" />;
}
