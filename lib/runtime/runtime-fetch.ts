import "server-only";
import { Agent, fetch as undiciFetch } from "undici";

// Node's built-in fetch gives up on a response after 300 s (undici's headersTimeout, and bodyTimeout
// between chunks). The SDK POSTs `session/prompt` through fetch and the runtime answers it only when
// the turn ends, so a turn longer than five minutes failed at 300 s and the SDK then closed the ACP
// connection that every session of that agent shares. Turns may run for hours and a permission may
// wait a day: on the runtime path only the runtime's own ACP timeout applies. Health probes and other
// short calls pass their own AbortSignal.

type UndiciInput = Parameters<typeof undiciFetch>[0];
type UndiciInit = NonNullable<Parameters<typeof undiciFetch>[1]>;

/** fetch for every request to a sandbox-agent runtime, over TCP or a sandbox's Unix socket. */
export function createRuntimeFetch(options: { socketPath?: string } = {}): typeof fetch {
  const dispatcher = new Agent({ headersTimeout: 0, bodyTimeout: 0, ...(options.socketPath ? { connect: { socketPath: options.socketPath } } : {}) });
  // undici's own Request/Response types are the same classes Node's fetch uses, typed apart.
  return (input, init) => undiciFetch(input as UndiciInput, { ...(init as UndiciInit), dispatcher }) as unknown as Promise<Response>;
}

export const runtimeFetch = createRuntimeFetch();
