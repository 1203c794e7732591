import "server-only";
import { Agent, fetch as undiciFetch } from "undici";

// Node's built-in fetch gives up on a response after 300 s (undici's headersTimeout, and bodyTimeout
// between chunks). The SDK POSTs `session/prompt` through fetch and the runtime answers it only when
// the turn ends, so a turn longer than five minutes failed at 300 s and the SDK then closed the ACP
// connection that every session of that agent shares. Turns may run for hours and a permission may
// wait a day: on the runtime path only the runtime's own ACP timeout applies. Health probes and other
// short calls pass their own AbortSignal.
const runtimeDispatcher = new Agent({ headersTimeout: 0, bodyTimeout: 0 });

/** fetch for every request to a sandbox-agent runtime: no client-side response timeout. */
export const runtimeFetch: typeof fetch = (input, init) =>
  undiciFetch(input as Parameters<typeof undiciFetch>[0], { ...(init as Parameters<typeof undiciFetch>[1]), dispatcher: runtimeDispatcher }) as unknown as Promise<Response>;
