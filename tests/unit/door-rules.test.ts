import { describe, expect, it } from "vitest";
import { isStorableText, pathProblem, queryProblems, unstorableStrings } from "@/lib/api/input-rule";
import { safeCallbackPath, sameOriginRedirect } from "@/lib/auth/callback-url";
import { passwordFitsRule } from "@/lib/auth/password-rule";
import { clientIp, requestOrigin } from "@/lib/http/request-origin";
import { contentSecurityPolicy, staticSecurityHeaders } from "@/lib/http/security-headers";

// The door's pure rules: one string rule, same-origin redirects, one password rule, the headers.

describe("the string rule", () => {
  it("refuses NUL and unpaired surrogates, keeps paired ones", () => {
    expect(isStorableText("plain 😀 text")).toBe(true);
    for (const bad of ["a\u0000b", "\ud800", "x\udfff", "\udfff\ud800", "😀".slice(0, 1)]) expect(isStorableText(bad)).toBe(false);
  });

  it("finds every bad string in a body by path, keys included", () => {
    expect(unstorableStrings({ name: "ok", nested: [{ title: "a\u0000" }], ["k\ud800"]: 1 })).toEqual([
      { path: "nested.0.title", message: expect.any(String) },
      { path: "(key)", message: expect.any(String) },
    ]);
    expect(unstorableStrings("fine")).toEqual([]);
  });

  it("tells a malformed path (400) from a path with NUL (422)", () => {
    expect(pathProblem("/api/sessions/abc")).toBeNull();
    expect(pathProblem("/api/sessions/%E0%A4%A")?.status).toBe(400);
    expect(pathProblem("/api/sessions/%ED%A0%80")?.status).toBe(400);
    expect(pathProblem("/api/sessions/a%00b")?.status).toBe(422);
  });

  it("checks query names and values", () => {
    expect(queryProblems(new URLSearchParams("cursor=%00"))).toEqual([{ path: "cursor", message: expect.any(String) }]);
    expect(queryProblems(new URLSearchParams("q=hello"))).toEqual([]);
  });
});

describe("callbackUrl", () => {
  it("keeps same-origin paths and refuses everything that leaves the origin", () => {
    expect(safeCallbackPath("/sessions/abc?x=1#top")).toBe("/sessions/abc?x=1#top");
    for (const evil of ["/\\evil.example/x", "/\t/evil.example", "//evil.example", "https://evil.example", "javascript:alert(1)", "", undefined, 42]) {
      expect(safeCallbackPath(evil)).toBe("/sessions");
    }
    // Encoded, the backslash is only a path character on our own origin.
    expect(safeCallbackPath("/%5Cevil.example/x")).toBe("/%5Cevil.example/x");
  });

  it("lets next-auth redirect only to its own origin", () => {
    const base = "http://localhost:4123";
    expect(sameOriginRedirect("/login", base)).toBe(`${base}/login`);
    expect(sameOriginRedirect(`${base}/sessions`, base)).toBe(`${base}/sessions`);
    expect(sameOriginRedirect("https://evil.example/", base)).toBe(base);
    expect(sameOriginRedirect("/\\evil.example", base)).toBe(`${base}/`);
    expect(sameOriginRedirect("http://localhost:3000/login", base)).toBe(base);
  });
});

describe("passwords", () => {
  it("are 12–1,024 characters and not only whitespace", () => {
    expect(passwordFitsRule("a".repeat(12))).toBe(true);
    expect(passwordFitsRule("a".repeat(1024))).toBe(true);
    expect(passwordFitsRule("a".repeat(11))).toBe(false);
    expect(passwordFitsRule("a".repeat(1025))).toBe(false);
    expect(passwordFitsRule(" ".repeat(12))).toBe(false);
    expect(passwordFitsRule("\t\n".repeat(8))).toBe(false);
  });
});

describe("headers", () => {
  it("puts the nonce in a CSP without unsafe-eval in production, and forbids framing", () => {
    const csp = contentSecurityPolicy({ nonce: "abc", https: false, dev: false });
    expect(csp).toContain("script-src 'self' 'nonce-abc' 'strict-dynamic'");
    expect(csp).not.toContain("unsafe-eval");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(contentSecurityPolicy({ nonce: "abc", https: true, dev: false })).toContain("upgrade-insecure-requests");
  });

  it("sends HSTS only over https", () => {
    expect(staticSecurityHeaders({ https: false })["strict-transport-security"]).toBeUndefined();
    expect(staticSecurityHeaders({ https: true })["strict-transport-security"]).toMatch(/max-age=\d+/);
    expect(staticSecurityHeaders({ https: false })).toMatchObject({
      "x-content-type-options": "nosniff",
      "referrer-policy": "strict-origin-when-cross-origin",
      "x-frame-options": "DENY",
    });
  });

  it("reads the client address from the nearest hop and the origin from the forwarded host", () => {
    const headers = (values: Record<string, string>) => new Headers(values);
    expect(clientIp(headers({ "x-forwarded-for": "203.0.113.1, 10.0.0.2" }))).toBe("10.0.0.2");
    expect(clientIp(headers({}))).toBeNull();
    expect(requestOrigin(headers({ "x-forwarded-host": "portal.example:8443", "x-forwarded-proto": "https" }))).toBe("https://portal.example:8443");
  });
});
