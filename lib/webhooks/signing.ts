import "server-only";
import { createHmac } from "node:crypto";
import { authSecret } from "@/lib/auth/secret";

// A webhook's signing secret is derived from the portal's own secret and the webhook's salt, so
// the database holds nothing a reader could sign with. Rotating NEXTAUTH_SECRET changes every
// webhook's secret (recreate the webhooks then).

export function webhookSecret(webhook: { id: string; secretSalt: string }) {
  return `whsec_${createHmac("sha256", authSecret()).update(`webhook:${webhook.id}:${webhook.secretSalt}`).digest("base64url")}`;
}

/** `X-Portal-Signature`: `sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">`, as Stripe and GitHub sign. */
export function signatureHeader(secret: string, timestamp: number, body: string) {
  return `sha256=${createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex")}`;
}
