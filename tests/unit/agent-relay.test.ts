import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";

// lib/sandboxes/agent-relay.mjs as the runtime runs it: the test reads the relay's stdout as the
// runtime would, and plays jail-init on the control socket, telling it how far the stream has got.

const RELAY = path.resolve(__dirname, "../../lib/sandboxes/agent-relay.mjs");
// An agent that writes N numbered JSON lines (and blank lines between, which the runtime skips) as fast as it can.
const BURSTING_AGENT = `for (let i = 1; i <= Number(process.argv[1]); i++) process.stdout.write('{"n":' + i + '}\\n\\n');`;

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

function startRelay(socketPath: string, lines: number) {
  const relay = spawn(process.execPath, [RELAY, socketPath, "mock", "--", process.execPath, "-e", BURSTING_AGENT, String(lines)], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  cleanups.push(() => relay.kill("SIGKILL"));
  const exited = new Promise<number | null>((resolve) => relay.once("exit", resolve));
  return { relay, exited };
}

/** Numbered messages in what the relay has written so far. */
function counter(stream: NodeJS.ReadableStream) {
  const state = { messages: 0, text: "" };
  stream.setEncoding("utf8");
  stream.on("data", (text: string) => {
    state.text += text;
    const lines = state.text.split("\n");
    state.text = lines.pop() ?? "";
    state.messages += lines.filter((line) => line.trim() !== "").length;
  });
  return state;
}

const waitFor = async (check: () => boolean, ms = 5_000) => {
  for (const deadline = Date.now() + ms; !check();) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
};

describe("agent-relay.mjs", () => {
  it("keeps at most 256 messages beyond what the stream has delivered, and all of them arrive in order", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "relay-test-"));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const socketPath = path.join(dir, "relay.sock");
    let control: net.Socket | null = null;
    const server = net.createServer((socket) => {
      // The relay exits with its agent, its end of the socket unclosed.
      socket.on("error", () => undefined);
      socket.once("data", (hello) => {
        expect(hello.toString()).toBe("hello mock\n");
        control = socket;
        socket.write("0\n");
      });
    });
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
    cleanups.push(() => server.close());

    const { relay, exited } = startRelay(socketPath, 2_000);
    const read = counter(relay.stdout);
    let delivered = 0;
    let mostAhead = 0;
    // The stream delivers 100 messages at a time, a little after the runtime got them.
    while (delivered < 2_000) {
      await waitFor(() => read.messages >= Math.min(2_000, delivered + 100));
      await new Promise((resolve) => setTimeout(resolve, 20));
      mostAhead = Math.max(mostAhead, read.messages - delivered);
      delivered = Math.min(2_000, delivered + 100);
      control!.write(`${delivered}\n`);
    }
    expect(await exited).toBe(0);
    expect(read.messages).toBe(2_000);
    // It was held back (the agent writes 2,000 at once) and never let more than 256 through.
    expect(mostAhead).toBe(256);
  });

  it("copies freely when no stream is open, and when there is nobody to ask", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "relay-test-"));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const socketPath = path.join(dir, "relay.sock");
    const server = net.createServer((socket) => {
      socket.on("error", () => undefined);
      socket.once("data", () => socket.write("free\n"));
    });
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
    cleanups.push(() => server.close());

    for (const control of [socketPath, path.join(dir, "absent.sock")]) {
      const { relay, exited } = startRelay(control, 5_000);
      const read = counter(relay.stdout);
      expect(await exited).toBe(0);
      expect(read.messages).toBe(5_000);
    }
  });

  it("exits as its agent did", async () => {
    const relay = spawn(process.execPath, [RELAY, "/nonexistent.sock", "mock", "--", "sh", "-c", "echo '{}'; exit 3"], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    const exited = new Promise<number | null>((resolve) => relay.once("exit", resolve));
    expect(await exited).toBe(3);
    const killed = spawn(process.execPath, [RELAY, "/nonexistent.sock", "mock", "--", "sh", "-c", "kill -TERM $$"], { stdio: "ignore" });
    expect(await new Promise((resolve) => killed.once("exit", resolve))).toBe(128 + os.constants.signals.SIGTERM);
  });
});
