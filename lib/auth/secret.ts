import "server-only";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { env } from "@/lib/env";

// NEXTAUTH_SECRET, or one generated on first start and kept in the data dir so sessions survive restarts.

const cache = globalThis as unknown as { portalAuthSecret?: string };

export function authSecret(): string {
  if (cache.portalAuthSecret) return cache.portalAuthSecret;
  const configured = env().NEXTAUTH_SECRET;
  if (configured) return (cache.portalAuthSecret = configured);
  const dataDir = path.resolve(env().PORTAL_DATA_DIR);
  const file = path.join(dataDir, "nextauth-secret");
  if (!existsSync(file)) {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(file, randomBytes(32).toString("base64url"), { mode: 0o600 });
  }
  return (cache.portalAuthSecret = readFileSync(file, "utf8").trim());
}
