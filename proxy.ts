import { NextResponse, type NextRequest } from "next/server";
import { pathProblem, queryProblems } from "@/lib/api/input-rule";
import { problemBody, type FieldError, type ProblemCode } from "@/lib/contract/problems";
import { isHttps } from "@/lib/http/request-origin";
import { contentSecurityPolicy, staticSecurityHeaders } from "@/lib/http/security-headers";

// Runs before every request: a request id (answered in X-Request-Id, also by /api/auth/* and
// unknown paths), the one input rule for paths and queries (bad %-encoding 400, NUL 422), and the
// security headers with a per-request CSP nonce that Next puts on its scripts.
// (Unroutable methods never get here: lib/http/server-policy.ts answers them 405.)

function problem(code: ProblemCode, detail: string, requestId: string, errors?: FieldError[]) {
  const body = problemBody(code, detail, requestId, errors);
  return new NextResponse(JSON.stringify(body), { status: body.status, headers: { "content-type": "application/problem+json", "x-request-id": requestId } });
}

export function proxy(request: NextRequest) {
  const requestId = crypto.randomUUID();
  const https = isHttps(request.headers);
  const security = staticSecurityHeaders({ https });
  const refuse = (response: NextResponse) => {
    for (const [name, value] of Object.entries(security)) response.headers.set(name, value);
    return response;
  };

  // The trailing-slash redirect is ours (next.config.mjs skips Next's), so it carries a request id
  // and the security headers like every other answer. On this host: a path starting "//" keeps one
  // slash (a browser reads "//x" as another host). Next makes the Location relative again.
  // (A plain URL: a clone of nextUrl would put the slash back when Next formats it.)
  const { pathname, search } = request.nextUrl;
  if (pathname.length > 1 && pathname.endsWith("/")) {
    const target = new URL(`/${pathname.replace(/^\/+|\/+$/g, "")}${search}`, request.url);
    return refuse(new NextResponse(null, { status: 308, headers: { location: target.toString(), "x-request-id": requestId } }));
  }

  const path = pathProblem(pathname);
  if (path) {
    return refuse(problem(path.status === 400 ? "malformed_path" : "invalid_text", path.detail, requestId));
  }
  const query = queryProblems(request.nextUrl.searchParams);
  if (query.length > 0) return refuse(problem("invalid_text", "The request is not valid.", requestId, query));

  const nonce = Buffer.from(crypto.randomUUID()).toString("base64");
  const csp = contentSecurityPolicy({ nonce, https, dev: process.env.NODE_ENV === "development" });
  const requestHeaders = new Headers(request.headers);
  requestHeaders.set("x-request-id", requestId);
  requestHeaders.set("x-nonce", nonce);
  requestHeaders.set("content-security-policy", csp);
  const response = NextResponse.next({ request: { headers: requestHeaders } });
  response.headers.set("x-request-id", requestId);
  response.headers.set("content-security-policy", csp);
  return refuse(response);
}
