import { performance } from "node:perf_hooks";
import type { OutputChannel } from "./output-channel.js";

/** Upper bound on lines joined into one write, so a late schedule cannot build a huge string. */
const MAX_LINES_PER_WRITE = 1024;

/** Wait `ms`, resolving early (not rejecting) when the turn is cancelled. */
export function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve();
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

function nextTick(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export interface NumberedChunksOptions {
  output: OutputChannel;
  /** Serialised line = prefix + chunk text + suffix (see messageChunkLineTemplate). */
  template: { prefix: string; suffix: string };
  count: number;
  /** Chunks per second; undefined means "as fast as the reader allows". */
  ratePerSecond?: number;
  signal: AbortSignal;
}

/**
 * Emit chunks "1 ", "2 ", … "N ".
 *
 * Paced mode follows a fixed schedule (chunk i is due at start + i/rate) and
 * writes every chunk that is due in one batch, so timer jitter or a slow
 * reader delays chunks but never changes the overall rate. Returns how many
 * chunks were written before completion or cancellation.
 */
export async function writeNumberedChunks(options: NumberedChunksOptions): Promise<number> {
  const { output, template, count, ratePerSecond, signal } = options;
  const start = performance.now();
  let written = 0;

  while (written < count && !signal.aborted) {
    const due = ratePerSecond === undefined ? count : Math.min(count, Math.floor(((performance.now() - start) * ratePerSecond) / 1000) + 1);
    const end = Math.min(due, written + MAX_LINES_PER_WRITE);

    if (end > written) {
      let batch = "";
      for (let sequence = written + 1; sequence <= end; sequence += 1) {
        batch += `${template.prefix}${sequence} ${template.suffix}`;
      }
      written = end;
      // Waits for 'drain' when the reader is behind: memory stays bounded.
      await output.writeBatch(batch);
    }

    if (written >= count || signal.aborted) {
      break;
    }
    if (ratePerSecond === undefined) {
      // Let stdin be read between batches so session/cancel is seen promptly.
      await nextTick();
      continue;
    }
    const nextDueAt = start + (written * 1000) / ratePerSecond;
    const wait = nextDueAt - performance.now();
    // Sleep even when the next chunk is under 1 ms away (a timer rounds up to 1 ms): spinning on
    // setImmediate would burn a core at high rates, and the schedule catches up in the next batch.
    if (wait > 0) {
      await delay(wait, signal);
    } else {
      await nextTick();
    }
  }
  return written;
}
