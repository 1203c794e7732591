// PID 1's child inside a bubblewrap sandbox (plain Node, no dependencies): starts the sandbox-agent
// runtime on the jail's own loopback (its network namespace is private, so nothing outside can reach
// that port) and bridges the Unix socket the portal connects to onto it. The socket sits in a
// directory only the sandbox's uid (and root) can enter: that, not a token on the runtime's command
// line (which `ps` would show every local user), is what keeps other users out.
import { spawn } from "node:child_process";
import { rmSync } from "node:fs";
import net from "node:net";

const [runtimeBinary, socketPath, port] = process.argv.slice(2);
const runtime = spawn(runtimeBinary, ["server", "--no-token", "--no-telemetry", "--host", "127.0.0.1", "--port", port], { stdio: ["ignore", "ignore", "inherit"] });
runtime.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
for (const signal of ["SIGTERM", "SIGINT"]) process.on(signal, () => runtime.kill(signal));

// The runtime gives each reader of an ACP event stream a 512-message channel and drops what overflows
// it while its socket will not take more. A plain pipe pauses the runtime's socket whenever the
// portal's end is not drained at once, and a Unix socket holds ~200 KB, so a burst overflowed the
// channel (/burst 25000 kept ~85%). So the runtime → portal direction is read as fast as it comes and
// held here, in the sandbox's own memory, up to MAX_HELD bytes per connection; only past that does the
// runtime wait. The portal → runtime direction (small requests) keeps ordinary backpressure.
const MAX_HELD = 256 * 1024 * 1024;

rmSync(socketPath, { force: true });
const bridge = net.createServer((client) => {
  const upstream = net.connect({ port: Number(port), host: "127.0.0.1", noDelay: true });
  client.setNoDelay?.(true);
  client.pipe(upstream);
  upstream.on("data", (chunk) => {
    if (!client.write(chunk) && client.writableLength > MAX_HELD) {
      upstream.pause();
      client.once("drain", () => upstream.resume());
    }
  });
  upstream.on("end", () => client.end());
  const close = () => {
    client.destroy();
    upstream.destroy();
  };
  client.on("error", close);
  upstream.on("error", close);
  client.on("close", () => upstream.destroy());
});
bridge.listen(socketPath);
