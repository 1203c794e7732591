import "server-only";
import NextAuth from "next-auth";
import { isStorableText } from "@/lib/api/input-rule";
import { errorResponse } from "@/lib/api/with-route";
import { authOptions } from "@/lib/auth/options";
import { ssoConfig } from "@/lib/auth/sso-config";
import { countSignInAttempt, normaliseEmail } from "@/lib/auth/sign-in-throttle";
import { rateLimited, unprocessable } from "@/lib/errors";
import { clientIp, isHttps } from "@/lib/http/request-origin";
import { requestIdOf } from "@/lib/api/request-id";

// next-auth's endpoints behind the door: a credentials sign-in is counted against the account and
// the address first (429 + Retry-After past the limit, before any password is checked), its fields
// follow the one string rule, and failures come back as problem+json with the request id.

type Context = { params: Promise<{ nextauth: string[] }> };

/** next-auth's actions that read the provider list: signing in, the provider's callback, the list itself. */
const PROVIDER_ACTIONS = new Set(["signin", "callback", "providers"]);

export async function authRouteHandler(request: Request, context: Context): Promise<Response> {
  const requestId = requestIdOf(request);
  try {
    const { nextauth } = await context.params;
    if (request.method === "POST" && nextauth[0] === "callback" && nextauth[1] === "credentials") {
      const form = await request
        .clone()
        .formData()
        .catch(() => null);
      const email = normaliseEmail(form?.get("email"));
      const password = form?.get("password");
      if (!isStorableText(email) || (typeof password === "string" && !isStorableText(password))) {
        throw unprocessable(
          "The request is not valid.",
          [{ path: !isStorableText(email) ? "email" : "password", message: "must not contain NUL characters or unpaired surrogates" }],
          "invalid_text",
        );
      }
      const wait = await countSignInAttempt({ email, ip: clientIp(request.headers) });
      if (wait !== null) throw rateLimited(`Too many sign-in attempts. Try again in ${Math.ceil(wait / 60)} minute(s).`, wait);
    }
    // Single sign-on as configured now (read per request: another instance may have changed it), and
    // only where the provider takes part: the frequent session and CSRF reads need no database.
    const sso = PROVIDER_ACTIONS.has(nextauth[0] ?? "") ? await ssoConfig() : null;
    return await NextAuth(authOptions({ secure: isHttps(request.headers), sso }))(request, context);
  } catch (error) {
    return errorResponse(error, requestId, request);
  }
}
