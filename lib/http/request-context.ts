import "server-only";
import { AsyncLocalStorage } from "node:async_hooks";
import { requestIdOf } from "@/lib/api/request-id";
import { clientIp } from "@/lib/http/request-origin";

// What lib/ needs to know about the request it works for, without every domain call passing it
// down: the client's address, recorded with each audit entry. The route wrappers (lib/api/with-route.ts)
// run every handler inside it; work outside a request (boot, timers) has none.

interface RequestContext {
  clientIp: string | null;
  /** The X-Request-Id of the request, carried into every log line written while serving it. */
  requestId?: string;
}

// One store for every route bundle of the process.
const holder = globalThis as unknown as { portalRequestContext?: AsyncLocalStorage<RequestContext> };
const storage = () => (holder.portalRequestContext ??= new AsyncLocalStorage<RequestContext>());

export function runInRequestContext<T>(request: Request, run: () => Promise<T>): Promise<T> {
  return storage().run({ clientIp: clientIp(request.headers), requestId: requestIdOf(request) }, run);
}

/** For work a request asked of another instance (lib/cluster/commands.ts): it carries the request's address. */
export function runForClient<T>(clientIp: string | null, run: () => Promise<T>): Promise<T> {
  return storage().run({ clientIp }, run);
}

/** The address of the client whose request is being handled (as lib/http/server-policy.ts let it through). */
export function currentClientIp(): string | null {
  return storage().getStore()?.clientIp ?? null;
}

/** The id of the request being handled, for log lines. */
export function currentRequestId(): string | null {
  return storage().getStore()?.requestId ?? null;
}
