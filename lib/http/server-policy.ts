import "server-only";
import { randomUUID } from "node:crypto";
import http from "node:http";
import type { Socket } from "node:net";
import type { TLSSocket } from "node:tls";
import { problemBody } from "@/lib/contract/problems";
import { staticSecurityHeaders } from "@/lib/http/security-headers";

// What must happen to a request before Next.js sees it, so it is done where Node hands the request
// over (Next's own server is created before instrumentation runs; the prototype reaches it):
// - Next keeps any X-Forwarded-* a client sends (it only fills in missing ones), and next-auth, the
//   Origin check and the sign-in throttle read them: unless PORTAL_TRUST_PROXY=1 says a proxy in
//   front sets them, they are replaced by what this server itself saw.
// - A WebSocket upgrade gets the same view of X-Forwarded-* (its Origin check reads them).
// - Every answer gets an X-Request-Id, also those Next gives before proxy.ts runs.
// - Methods Next cannot route (TRACE, PROPFIND, …) make it answer a bare 500: 405 here. And a
//   route file that lacks a method gets Next's 405 with an empty body: under /api/ it becomes problem+json.

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
      alwaysRequestId(args[1] as http.ServerResponse);
      if (request.url?.startsWith("/api/")) explainBare405(args[1] as http.ServerResponse);
    }
    // A WebSocket upgrade (the terminal's) reads the same headers for its Origin check.
    if (event === "upgrade" && !trustProxy) useOwnView(args[0] as http.IncomingMessage);
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

/**
 * Every answer carries X-Request-Id (the contract). proxy.ts gives each request its id, but Next
 * answers a few before proxy.ts runs (a path with "//" is redirected by Next's router itself): those
 * get one here. Node writes every head through writeHead, and a header set before it wins.
 */
function alwaysRequestId(response: http.ServerResponse) {
  const writeHead = response.writeHead as (this: http.ServerResponse, ...args: unknown[]) => http.ServerResponse;
  response.writeHead = function (this: http.ServerResponse, ...args: unknown[]) {
    if (!this.hasHeader("x-request-id")) this.setHeader("x-request-id", randomUUID());
    return writeHead.apply(this, args);
  };
}

function explainBare405(response: http.ServerResponse) {
  const writeHead = response.writeHead as (this: http.ServerResponse, ...args: unknown[]) => http.ServerResponse;
  const write = response.write as (this: http.ServerResponse, ...args: unknown[]) => boolean;
  const end = response.end as (this: http.ServerResponse, ...args: unknown[]) => http.ServerResponse;
  let body: string | null = null;
  response.writeHead = function (this: http.ServerResponse, ...args: unknown[]) {
    const status = typeof args[0] === "number" ? args[0] : this.statusCode;
    if (status === 405 && !this.getHeader("content-type")) {
      const requestId = String(this.getHeader("x-request-id") ?? randomUUID());
      body = methodNotAllowed("This endpoint does not take that method.", requestId);
      this.setHeader("content-type", "application/problem+json");
      this.setHeader("x-request-id", requestId);
    }
    return writeHead.apply(this, args);
  };
  response.write = function (this: http.ServerResponse, ...args: unknown[]) {
    // Next's 405 has an empty body; the problem text replaces it.
    if (body !== null) return true;
    return write.apply(this, args);
  } as typeof response.write;
  response.end = function (this: http.ServerResponse, ...args: unknown[]) {
    if (!this.headersSent && this.statusCode === 405 && !this.getHeader("content-type")) this.writeHead(405);
    if (body === null) return end.apply(this, args);
    const text = body;
    body = null;
    return end.call(this, text);
  } as typeof response.end;
}

function methodNotAllowed(detail: string, requestId: string) {
  return JSON.stringify(problemBody("method_not_allowed", detail, requestId));
}

function refuseMethod(request: http.IncomingMessage, response: http.ServerResponse) {
  const requestId = randomUUID();
  const method = String(request.method).slice(0, 20);
  const body = methodNotAllowed(`The method ${method} is not allowed.`, requestId);
  response.writeHead(405, {
    ...staticSecurityHeaders({ https: false }),
    "content-type": "application/problem+json",
    "x-request-id": requestId,
    allow: ROUTABLE_METHODS.join(", "),
    "content-length": Buffer.byteLength(body),
  });
  response.end(body);
  request.resume();
}
