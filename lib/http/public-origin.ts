import "server-only";
import { env } from "@/lib/env";
import { type HeaderSource, requestOrigin } from "@/lib/http/request-origin";

/** Where people reach the portal: NEXTAUTH_URL when set, else the request's own origin. */
export function publicOrigin(request: { headers: HeaderSource }): string {
  const configured = env().NEXTAUTH_URL;
  return configured ? new URL(configured).origin : requestOrigin(request.headers);
}
