import "server-only";
import { randomUUID } from "node:crypto";
import http from "node:http";
import type { Socket } from "node:net";
import type { TLSSocket } from "node:tls";
import { staticSecurityHeaders } from "@/lib/http/security-headers";

// What must happen to a request before Next.js sees it, so it is done where Node hands the request
// over (Next's own server is created before instrumentation runs; the prototype reaches it):
// - Next keeps any X-Forwarded-* a client sends (it only fills in missing ones), and next-auth, the
//   Origin check and the sign-in throttle read them: unless PORTAL_TRUST_PROXY=1 says a proxy in
//   front sets them, they are replaced by what this server itself saw.
// - Methods Next cannot route (TRACE, CONNECT, made-up ones) make it answer a bare 500: 405 here.

const FORWARDED = ["x-forwarded-for", "x-forwarded-host", "x-forwarded-proto", "x-forwarded-port"];
export const ROUTABLE_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];
const installed = globalThis as unknown as { portalServerPolicy?: boolean };

type Emit = (this: http.Server, event: string | symbol, ...args: unknown[]) => boolean;

export function installServerPolicy({ trustProxy }: { trustProxy: boolean }) {
  if (installed.portalServerPolicy) return;
  installed.portalServerPolicy = true;
  const emit = http.Server.prototype.emit as Emit;
  http.Server.prototype.emit = function (this: http.Server, event: string | symbol, ...args: unknown[]) {
    if (event === "request") {
      const request = args[0] as http.IncomingMessage;
      if (!ROUTABLE_METHODS.includes(request.method ?? "")) {
        refuseMethod(request, args[1] as http.ServerResponse);
        return true;
      }
      if (!trustProxy) useOwnView(request);
    }
    return emit.call(this, event, ...args);
  } as typeof http.Server.prototype.emit;
}

function useOwnView(request: http.IncomingMessage) {
  const socket = request.socket as Socket & Partial<TLSSocket>;
  for (const name of FORWARDED) delete request.headers[name];
  if (socket.remoteAddress) request.headers["x-forwarded-for"] = socket.remoteAddress.replace(/^::ffff:(?=\d+\.)/, "");
  if (request.headers.host) request.headers["x-forwarded-host"] = request.headers.host;
  request.headers["x-forwarded-proto"] = socket.encrypted ? "https" : "http";
}

function refuseMethod(request: http.IncomingMessage, response: http.ServerResponse) {
  const requestId = randomUUID();
  const method = String(request.method).slice(0, 20);
  const body = JSON.stringify({ type: "https://agent-portal.dev/problems/405", title: "Method Not Allowed", status: 405, code: "method_not_allowed", detail: `The method ${method} is not allowed.`, requestId });
  response.writeHead(405, { ...staticSecurityHeaders({ https: false }), "content-type": "application/problem+json", "x-request-id": requestId, allow: ROUTABLE_METHODS.join(", "), "content-length": Buffer.byteLength(body) });
  response.end(body);
  request.resume();
}
