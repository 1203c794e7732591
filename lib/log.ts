import "server-only";
import pino, { type Logger } from "pino";
import { currentRequestId } from "@/lib/http/request-context";
import { instanceId } from "@/lib/cluster/identity";

// The portal's one logger: JSON lines on stdout (level, time, msg, the area, this instance, and the
// request being served when there is one), so an operator can ship and query them. Areas take a child
// (`logger("sandbox")`) and pass team/session/sandbox ids as fields. Secrets never go in: callers log
// ids, never bodies or headers, and the paths below are censored in case one slips into an object.
// Writes are synchronous: Next.js exits the process a few ms after a signal, and lines must not be lost.
// The two start-up lines a person reads (the first admin's password, "ready: open …") stay plain text
// on the terminal (lib/boot.ts), outside this logger.

const REDACT = [
  "password",
  "*.password",
  "token",
  "*.token",
  "secret",
  "*.secret",
  "authorization",
  "*.authorization",
  "cookie",
  "*.cookie",
  "headers",
  "*.headers",
  "apiKey",
  "*.apiKey",
];

const holder = globalThis as unknown as { portalLogger?: Logger };

function root(): Logger {
  holder.portalLogger ??= pino(
    {
      level: process.env.PORTAL_LOG_LEVEL ?? "info",
      base: { instance: instanceId() },
      redact: { paths: REDACT, censor: "[redacted]" },
      formatters: { level: (label) => ({ level: label }) },
      timestamp: pino.stdTimeFunctions.isoTime,
      mixin: () => {
        const requestId = currentRequestId();
        return requestId ? { requestId } : {};
      },
    },
    pino.destination({ dest: 1, sync: true }),
  );
  return holder.portalLogger;
}

/** The logger of one area of the portal (api, events, sandbox, runtime, portal, …). */
export function logger(area: string, bindings: Record<string, unknown> = {}): Logger {
  return root().child({ area, ...bindings });
}

/** An error as a log field: its message (and its cause's), never its whole object graph. */
export function errorField(error: unknown): string {
  const cause = error instanceof Error && error.cause instanceof Error ? ` (${error.cause.message})` : "";
  return `${error instanceof Error ? error.message : String(error)}${cause}`;
}
