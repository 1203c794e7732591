import "server-only";
import type { Session } from "@/generated/prisma/client";
import type { SessionDetailJson } from "@/lib/contract/sessions";
import { pendingPermissions } from "@/lib/sessions/queries";
import { sessionDetailJson } from "@/lib/sessions/serialize";
import { sessionUsage } from "@/lib/usage/usage";

/** A session as every endpoint and page that shows one answers it: its pending permissions and what the model gateway metered for it. */
export async function readSessionDetail(session: Session): Promise<SessionDetailJson> {
  const [pending, gateway] = await Promise.all([pendingPermissions(session.id), sessionUsage(session.id)]);
  return sessionDetailJson(session, pending, gateway);
}
