import "server-only";
import { ownerOf } from "@/lib/cluster/takeover";
import { readTerminal } from "@/lib/cluster/commands";
import type { SandboxRow } from "@/lib/sandboxes/sandboxes";
import { followTerminalOnOwner, type TerminalFollow, type TerminalOutput } from "@/lib/sandboxes/terminal";
import { errorField, logger } from "@/lib/log";

const log = logger("terminal");
const encoder = new TextEncoder();
const PING_MS = 15_000;
const LONG_POLL_MS = 10_000;

/**
 * Hands the terminal's output after `since` to `onOutput`, once each chunk and in order, until it
 * ends (true) or `signal` aborts (false). The owner of the sandbox follows the runtime's pty log
 * directly; any other instance long-polls the owner through the command queue.
 */
export async function followTerminal({ sandbox, terminalId, since, onOutput, signal }: TerminalFollow): Promise<boolean> {
  let last = since;
  const output = (chunk: TerminalOutput) => {
    if (chunk.seq <= last) return;
    last = chunk.seq;
    onOutput(chunk);
  };
  while (!signal.aborted) {
    if ((await ownerOf(sandbox.id)).mine) {
      if (await followTerminalOnOwner({ sandbox, terminalId, since: last, onOutput: output, signal })) return true;
    } else {
      const read = await readTerminal({ sandbox, terminalId, since: last, waitMs: LONG_POLL_MS });
      read.output.forEach(output);
      if (read.ended) return true;
    }
  }
  return false;
}

// A terminal's output as Server-Sent Events: `id: <seq>` per pty chunk (base64), so an EventSource
// that reconnects resumes after the last chunk it has (Last-Event-ID), and `event: end` once the
// terminal has ended.

export function terminalStream({
  sandbox,
  terminalId,
  after,
  signal,
}: {
  sandbox: SandboxRow;
  terminalId: string;
  after: number;
  signal: AbortSignal;
}): ReadableStream<Uint8Array> {
  const stop = new AbortController();
  signal.addEventListener("abort", () => stop.abort(), { once: true });
  return new ReadableStream<Uint8Array>({
    async start(controller) {
      const send = (text: string) => {
        if (!stop.signal.aborted) controller.enqueue(encoder.encode(text));
      };
      const output = ({ seq, data }: TerminalOutput) => send(`id: ${seq}\nevent: output\ndata: ${data}\n\n`);
      send("retry: 1000\n\n");
      const ping = setInterval(() => send(": ping\n\n"), PING_MS);
      try {
        if (await followTerminal({ sandbox, terminalId, since: after, onOutput: output, signal: stop.signal })) send("event: end\ndata: {}\n\n");
      } catch (error) {
        log.error({ terminalId, err: errorField(error) }, "a terminal stream failed");
      } finally {
        clearInterval(ping);
        if (!stop.signal.aborted) controller.close();
      }
    },
    cancel() {
      stop.abort();
    },
  });
}
