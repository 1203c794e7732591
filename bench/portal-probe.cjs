// Bench-only instrumentation, preloaded into the portal process by bench/live.ts
// (NODE_OPTIONS="--require bench/portal-probe.cjs --expose-gc", BENCH_PROBE_PORT=<port>); the portal's
// own code is unchanged. GET http://127.0.0.1:<port>/ collects garbage and answers the heap in use, the
// active handles by type (sockets, timers, ...) and the live hub's subscriber count.
const http = require("node:http");

const port = Number(process.env.BENCH_PROBE_PORT);
if (port) {
  const server = http.createServer((request, response) => {
    for (let i = 0; i < 3; i += 1) globalThis.gc?.();
    const handles = {};
    for (const type of process.getActiveResourcesInfo()) handles[type] = (handles[type] ?? 0) + 1;
    const memory = process.memoryUsage();
    response.setHeader("content-type", "application/json");
    response.end(JSON.stringify({ heapUsed: memory.heapUsed, rss: memory.rss, handles, viewers: globalThis.portalLiveHub?.subscriberCount() ?? null }));
  });
  server.on("error", () => undefined); // a child process that inherited the variable: stay quiet
  server.listen(port, "127.0.0.1");
  server.unref();
}
