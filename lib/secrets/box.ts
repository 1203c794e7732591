import "server-only";
import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { env } from "@/lib/env";

// Secrets the portal keeps for teams (model keys, repository credentials) are stored sealed with
// AES-256-GCM: `v1.<iv>.<tag>.<ciphertext>`, base64url. The key is PORTAL_SECRETS_KEY (any string,
// hashed to 32 bytes), or one generated on first use into the data dir (mode 600). Several instances
// on one database must share PORTAL_SECRETS_KEY.

const cache = globalThis as unknown as { portalSecretsKey?: Buffer };

function secretsKey(): Buffer {
  if (cache.portalSecretsKey) return cache.portalSecretsKey;
  const configured = env().PORTAL_SECRETS_KEY;
  let material = configured;
  if (!material) {
    const dataDir = path.resolve(env().PORTAL_DATA_DIR);
    const file = path.join(dataDir, "secrets-key");
    if (!existsSync(file)) {
      mkdirSync(dataDir, { recursive: true });
      writeFileSync(file, randomBytes(32).toString("base64url"), { mode: 0o600, flag: "wx" });
    }
    material = readFileSync(file, "utf8").trim();
  }
  return (cache.portalSecretsKey = createHash("sha256").update(material).digest());
}

export function seal(plaintext: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", secretsKey(), iv);
  const ciphertext = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return ["v1", iv.toString("base64url"), cipher.getAuthTag().toString("base64url"), ciphertext.toString("base64url")].join(".");
}

/** The sealed text, or null when it does not open with this key (tampered, or sealed with another key). */
export function open(sealed: string): string | null {
  const [version, iv, tag, ciphertext] = sealed.split(".");
  if (version !== "v1" || !iv || !tag || ciphertext === undefined) return null;
  try {
    const decipher = createDecipheriv("aes-256-gcm", secretsKey(), Buffer.from(iv, "base64url"));
    decipher.setAuthTag(Buffer.from(tag, "base64url"));
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, "base64url")), decipher.final()]).toString("utf8");
  } catch {
    return null;
  }
}
