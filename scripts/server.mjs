// The portal's HTTP server: Next.js (the built app, `next({ dev: false })`) behind a plain Node
// server of its own, so that WebSocket upgrades reach the portal. Everything else stays in the app:
// instrumentation.ts boots the portal and puts its upgrade handler on a global slot
// (lib/http/upgrade.ts), which gets every upgrade first; what it does not take goes to Next's.
// Run by `npm start` (scripts/start.mjs), the tests and the benches, with PORT in the environment.
import http from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";

// The name `next start` gave the process: what people (and their `ps | grep`) look for.
process.title = "next-server (agent-portal)";
// Before Next (and React through it) is loaded: they pick their production builds by it.
process.env.NODE_ENV = "production";
const { default: next } = await import("next");
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const port = Number(process.env.PORT || 3000);
const UPGRADE_SLOT = Symbol.for("agent-portal.upgrade");

// Listening on every interface, as `next start` does; `hostname` is only what Next calls itself.
const app = next({ dev: false, dir: root, hostname: "localhost", port });
const server = http.createServer();
try {
  await app.prepare();
} catch (error) {
  console.error("Failed to start server", error);
  process.exit(1);
}
const handleRequest = app.getRequestHandler();
// getRequestHandler() would add Next's own upgrade listener to this server on the first request,
// beside the one below, and Next ends an upgrade whose path matches an app route (the /api
// catch-all matches the terminal socket): this server routes upgrades itself, so Next must not.
app.didWebSocketSetup = true;
const nextUpgrade = app.upgradeHandler;

server.on("request", (request, response) => void handleRequest(request, response));
server.on("upgrade", (request, socket, head) => {
  const portalUpgrade = globalThis[UPGRADE_SLOT];
  if (typeof portalUpgrade === "function" && portalUpgrade(request, socket, head)) return;
  void nextUpgrade(request, socket, head);
});
server.once("error", (error) => {
  console.error("Failed to start server", error);
  process.exit(1);
});
server.listen(port, () => console.log(`[portal] listening on port ${port}`));
