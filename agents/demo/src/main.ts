import { createInterface } from "node:readline";
import { DemoAgent, log } from "./agent.js";
import { OutputChannel } from "./output-channel.js";
import { JsonRpcPeer, parseMessage } from "./protocol.js";

// Entry point: ACP over stdio, one JSON-RPC message per line.

const output = new OutputChannel(process.stdout);
const agent = new DemoAgent(new JsonRpcPeer(output));

// EPIPE and friends mean the client went away; nothing left to talk to.
process.stdout.on("error", () => process.exit(0));

const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });

lines.on("line", (line) => {
  if (line.trim().length === 0) {
    return;
  }
  const message = parseMessage(line);
  if (!message) {
    log(`ignoring malformed line: ${line.slice(0, 200)}`);
    return;
  }
  agent.handle(message);
});

lines.on("close", () => {
  // Stop running turns and let pending output flush; exit naturally, with a
  // fallback in case something still holds the event loop open.
  agent.shutdown();
  output.flush();
  setTimeout(() => process.exit(0), 2000).unref();
});
