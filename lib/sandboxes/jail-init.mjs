// PID 1's child inside a bubblewrap sandbox (plain Node, no dependencies): starts the sandbox-agent
// runtime on the jail's own loopback (its network namespace is private, so nothing outside can reach
// that port) and bridges the Unix socket the portal connects to onto it. The socket sits in a
// directory only the sandbox's uid (and root) can enter: that, not a token on the runtime's command
// line (which `ps` would show every local user), is what keeps other users out.
import { spawn } from "node:child_process";
import { rmSync } from "node:fs";
import net from "node:net";

const [runtimeBinary, socketPath, port, relaySocket, gatewaySocket, gatewayPort] = process.argv.slice(2);
const runtime = spawn(runtimeBinary, ["server", "--no-token", "--no-telemetry", "--host", "127.0.0.1", "--port", port], {
  stdio: ["ignore", "ignore", "inherit"],
});
runtime.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
for (const signal of ["SIGTERM", "SIGINT"]) process.on(signal, () => runtime.kill(signal));

// The runtime gives each reader of an ACP event stream a 512-message channel and drops what overflows
// it while its socket will not take more. A plain pipe pauses the runtime's socket whenever the
// portal's end is not drained at once, and a Unix socket holds ~200 KB, so a burst overflowed the
// channel (/burst 25000 kept ~85%). So the runtime → portal direction is read as fast as it comes and
// held here, in the sandbox's own memory, up to MAX_HELD bytes per connection; only past that does the
// runtime wait. The portal → runtime direction (small requests) keeps ordinary backpressure.
const MAX_HELD = 256 * 1024 * 1024;

/**
 * A server whose every connection is piped to a new connection made by `connect`; with `readAhead`,
 * what comes back from upstream is read at once and held (up to MAX_HELD) instead of pausing it, and
 * `watch` sees every chunk of both directions.
 */
function bridge(connect, { readAhead = false, watch = null } = {}) {
  return net.createServer((client) => {
    const upstream = connect();
    const watcher = watch?.();
    const close = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on("error", close);
    upstream.on("error", close);
    if (!readAhead) {
      client.pipe(upstream).pipe(client);
      return;
    }
    client.setNoDelay?.(true);
    client.pipe(upstream);
    if (watcher) client.on("data", watcher.request);
    upstream.on("data", (chunk) => {
      watcher?.response(chunk);
      if (!client.write(chunk) && client.writableLength > MAX_HELD) {
        upstream.pause();
        client.once("drain", () => upstream.resume());
      }
    });
    upstream.on("end", () => client.end());
    client.on("close", () => {
      upstream.destroy();
      watcher?.closed();
    });
  });
}

// Flow control for the agents' relays (agent-relay.mjs). Each relay says which agent it runs; the
// runtime starts an agent process when the first POST to /v1/acp/<server>?agent=<id> comes, so the
// relay belongs to the latest such server for its agent. The ids of that server's event stream, as
// they pass here, say how far the runtime's stream writers have got; each relay is told the lowest
// of them (or "free" while no stream of its server is open, when the runtime drops nothing). Every
// stream is read here as fast as it comes (see MAX_HELD), so a portal that reads slowly holds no
// agent back; only the runtime's own writers do.
const ACP_REQUEST = /^(GET|POST) \/v1\/acp\/([^\s?/]+)(\?\S*)? HTTP\/1\.[01]\r\n/;
const EVENT_STREAM_HEAD = /^HTTP\/1\.[01] 200 [^]*?\r\ncontent-type: text\/event-stream/i;
const ID_LINE = Buffer.from("\nid: ");
const latestServer = new Map(); // agent id → server id
const streams = new Map(); // server id → Set of { lastId }
const relays = new Map(); // server id → Set of relay sockets

/** How far the slowest open stream of a server has got: each reader has a channel of its own to overflow. */
function streamProgress(serverId) {
  let lowest = Infinity;
  for (const stream of streams.get(serverId) ?? []) lowest = Math.min(lowest, stream.lastId);
  return lowest === Infinity ? "free" : String(lowest);
}

function tellRelays(serverId) {
  const sockets = relays.get(serverId);
  if (!sockets || sockets.size === 0) return;
  const line = `${streamProgress(serverId)}\n`;
  for (const socket of sockets) socket.write(line);
}

/** The last complete `id: N` line of a chunk of an event stream, or null. */
function lastId(chunk) {
  for (let at = chunk.lastIndexOf(ID_LINE); at !== -1; at = at === 0 ? -1 : chunk.lastIndexOf(ID_LINE, at - 1)) {
    const end = chunk.indexOf(0x0a, at + ID_LINE.length);
    if (end === -1) continue;
    const id = Number(chunk.toString("latin1", at + ID_LINE.length, end));
    if (Number.isSafeInteger(id)) return id;
  }
  return null;
}

function acpWatcher() {
  let asked = null;
  let stream = null;
  const leave = () => {
    asked = null;
    if (!stream) return;
    const open = streams.get(stream.serverId);
    open?.delete(stream);
    if (open?.size === 0) streams.delete(stream.serverId);
    tellRelays(stream.serverId);
    stream = null;
  };
  return {
    request(chunk) {
      const match = ACP_REQUEST.exec(chunk.toString("latin1", 0, Math.min(chunk.length, 2048)));
      if (!match) return;
      const [, method, serverId, query = ""] = match;
      const agent = method === "POST" ? new URLSearchParams(query.slice(1)).get("agent") : null;
      if (agent) latestServer.set(agent, serverId);
      // A connection carries one request at a time (undici does not pipeline).
      leave();
      if (method === "GET") asked = serverId;
    },
    response(chunk) {
      if (asked !== null) {
        // A GET answered with an event stream is one from now on (before its server exists it is a 404).
        const serverId = asked;
        asked = null;
        if (!EVENT_STREAM_HEAD.test(chunk.toString("latin1", 0, Math.min(chunk.length, 2048)))) return;
        stream = { serverId, lastId: 0 };
        if (!streams.has(serverId)) streams.set(serverId, new Set());
        streams.get(serverId).add(stream);
      }
      if (!stream) return;
      const id = lastId(chunk);
      if (id === null || id <= stream.lastId) return;
      stream.lastId = id;
      tellRelays(stream.serverId);
    },
    closed: leave,
  };
}

function serveRelays(path) {
  rmSync(path, { force: true });
  net
    .createServer((socket) => {
      socket.setEncoding("utf8");
      let serverId = null;
      socket.on("error", () => socket.destroy());
      socket.once("data", (text) => {
        const agent = /^hello (\S+)\n/.exec(text)?.[1];
        serverId = agent ? (latestServer.get(agent) ?? null) : null;
        if (serverId === null) return void socket.end();
        if (!relays.has(serverId)) relays.set(serverId, new Set());
        relays.get(serverId).add(socket);
        socket.write(`${streamProgress(serverId)}\n`);
      });
      socket.on("close", () => {
        const bound = serverId === null ? undefined : relays.get(serverId);
        bound?.delete(socket);
        if (bound?.size === 0) relays.delete(serverId);
      });
    })
    .listen(path);
}

rmSync(socketPath, { force: true });
const watch = relaySocket ? acpWatcher : null;
if (relaySocket) serveRelays(relaySocket);
bridge(() => net.connect({ port: Number(port), host: "127.0.0.1", noDelay: true }), { readAhead: true, watch }).listen(socketPath);
// The model gateway (lib/gateway): agents call http://127.0.0.1:<gatewayPort>, which reaches the
// portal through the socket bound read-only into the jail — the jail's only way out under `models`.
if (gatewaySocket && gatewayPort) bridge(() => net.connect(gatewaySocket)).listen(Number(gatewayPort), "127.0.0.1");
