import { once } from "node:events";
import type { Writable } from "node:stream";

/**
 * Newline-delimited output to the client, batched and backpressure-aware.
 *
 * Every message queued in the same tick is joined and handed to the stream in
 * one write, because one syscall per tiny JSON line is what makes naive ACP
 * agents slow. Producers that can outrun the reader (/stream, /burst) use
 * `writeBatch`, which waits for 'drain' so memory stays bounded no matter how
 * many chunks they emit.
 */
export class OutputChannel {
  private queue: string[] = [];
  private flushQueued = false;

  constructor(private readonly stream: Writable) {}

  /** Queue one serialised line (must already end with "\n"). */
  writeLine(line: string): void {
    this.queue.push(line);
    if (!this.flushQueued) {
      this.flushQueued = true;
      // A microtask keeps latency at zero while still coalescing everything
      // produced synchronously in the current tick.
      queueMicrotask(() => this.flush());
    }
  }

  /** Write many pre-serialised lines at once, resolving when the stream can take more. */
  async writeBatch(text: string): Promise<void> {
    // Flush first so batched chunks never overtake earlier queued messages.
    this.flush();
    if (!this.stream.write(text)) {
      await this.drained();
    }
  }

  /** Resolve once the stream has no backlog above its high-water mark. */
  async drained(): Promise<void> {
    this.flush();
    if (this.stream.writableNeedDrain) {
      await once(this.stream, "drain");
    }
  }

  flush(): void {
    this.flushQueued = false;
    if (this.queue.length === 0) {
      return;
    }
    const text = this.queue.length === 1 ? (this.queue[0] as string) : this.queue.join("");
    this.queue = [];
    this.stream.write(text);
  }
}
