// PID 1's child inside a bubblewrap sandbox (plain Node, no dependencies): starts the sandbox-agent
// runtime on the jail's own loopback (its network namespace is private, so nothing outside can reach
// that port) and bridges the Unix socket the portal connects to onto it. The socket sits in a
// directory only the sandbox's uid (and root) can enter: that, not a token on the runtime's command
// line (which `ps` would show every local user), is what keeps other users out.
import { spawn } from "node:child_process";
import { rmSync } from "node:fs";
import net from "node:net";

const [runtimeBinary, socketPath, port, gatewaySocket, gatewayPort] = process.argv.slice(2);
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
 * what comes back from upstream is read at once and held (up to MAX_HELD) instead of pausing it.
 */
function bridge(connect, { readAhead = false } = {}) {
  return net.createServer((client) => {
    const upstream = connect();
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
    upstream.on("data", (chunk) => {
      if (!client.write(chunk) && client.writableLength > MAX_HELD) {
        upstream.pause();
        client.once("drain", () => upstream.resume());
      }
    });
    upstream.on("end", () => client.end());
    client.on("close", () => upstream.destroy());
  });
}

rmSync(socketPath, { force: true });
bridge(() => net.connect({ port: Number(port), host: "127.0.0.1", noDelay: true }), { readAhead: true }).listen(socketPath);
// The model gateway (lib/gateway): agents call http://127.0.0.1:<gatewayPort>, which reaches the
// portal through the socket bound read-only into the jail — the jail's only way out under `models`.
if (gatewaySocket && gatewayPort) bridge(() => net.connect(gatewaySocket)).listen(Number(gatewayPort), "127.0.0.1");
