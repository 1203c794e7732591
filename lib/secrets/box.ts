import "server-only";
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { env } from "@/lib/env";

// Secrets at rest (a repository's token, an MCP server's header values): AES-256-GCM with a random
// 96-bit nonce per value, stored as "v1.<nonce>.<tag>.<ciphertext>" in base64url. The key is
// PORTAL_SECRETS_KEY, or one generated on first start into the data dir (mode 600). Meant to be
// merged with lib/gateway/credentials.ts into one module: same algorithm, same key source.

const VERSION = "v1";
const cache = globalThis as unknown as { portalSecretsKey?: Buffer };

export function secretsKey(): Buffer {
  if (cache.portalSecretsKey) return cache.portalSecretsKey;
  const configured = env().PORTAL_SECRETS_KEY;
  if (configured) return (cache.portalSecretsKey = decodeKey(configured));
  const dataDir = path.resolve(env().PORTAL_DATA_DIR);
  const file = path.join(dataDir, "secrets-key");
  if (!existsSync(file)) {
    mkdirSync(dataDir, { recursive: true });
    // wx: two instances sharing a data dir must not each write a different key.
    try {
      writeFileSync(file, randomBytes(32).toString("base64url"), { mode: 0o600, flag: "wx" });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
  }
  return (cache.portalSecretsKey = decodeKey(readFileSync(file, "utf8").trim()));
}

export function decodeKey(text: string): Buffer {
  const key = /^[0-9a-fA-F]{64}$/.test(text) ? Buffer.from(text, "hex") : Buffer.from(text, "base64url");
  if (key.length !== 32) throw new Error("the secrets key must be 32 bytes");
  return key;
}

export function sealSecret(plain: string, key = secretsKey()): string {
  const nonce = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key, nonce);
  const sealed = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
  return [VERSION, nonce.toString("base64url"), cipher.getAuthTag().toString("base64url"), sealed.toString("base64url")].join(".");
}

/** The plain text, or an Error when the value was not sealed with this key (or was altered). */
export function openSecret(sealed: string, key = secretsKey()): string {
  const [version, nonce, tag, body] = sealed.split(".");
  if (version !== VERSION || !nonce || !tag || body === undefined) throw new Error("not a sealed secret");
  const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(nonce, "base64url"));
  decipher.setAuthTag(Buffer.from(tag, "base64url"));
  return Buffer.concat([decipher.update(Buffer.from(body, "base64url")), decipher.final()]).toString("utf8");
}
