// PID 1's child inside a bubblewrap sandbox (plain Node, no dependencies): starts the sandbox-agent
// runtime on the jail's own loopback (its network namespace is private, so nothing outside can reach
// that port) and bridges the Unix socket the portal connects to onto it. The socket sits in a
// directory only the sandbox's uid (and root) can enter: that, not a token on the runtime's command
// line (which `ps` would show every local user), is what keeps other users out.
import { spawn } from "node:child_process";
import { rmSync } from "node:fs";
import net from "node:net";

const [runtimeBinary, socketPath, port, gatewaySocket, gatewayPort] = process.argv.slice(2);
const runtime = spawn(runtimeBinary, ["server", "--no-token", "--no-telemetry", "--host", "127.0.0.1", "--port", port], { stdio: ["ignore", "ignore", "inherit"] });
runtime.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
for (const signal of ["SIGTERM", "SIGINT"]) process.on(signal, () => runtime.kill(signal));

/** A server whose every connection is piped to a new connection made by `connect`. */
function bridge(connect) {
  return net.createServer((client) => {
    const upstream = connect();
    client.pipe(upstream).pipe(client);
    const close = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on("error", close);
    upstream.on("error", close);
  });
}

rmSync(socketPath, { force: true });
bridge(() => net.connect(Number(port), "127.0.0.1")).listen(socketPath);
// The model gateway (lib/gateway): agents call http://127.0.0.1:<gatewayPort>, which reaches the
// portal through the socket bound read-only into the jail — the jail's only way out under `models`.
if (gatewaySocket && gatewayPort) bridge(() => net.connect(gatewaySocket)).listen(Number(gatewayPort), "127.0.0.1");
