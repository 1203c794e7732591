import "server-only";
import { db } from "@/lib/db/client";
import { maybeSandboxRuntimes } from "@/lib/sandboxes/runtimes";

// What /api/health and the UI's banner say about the database and the runtime.

export async function healthReport() {
  let database: "ok" | "down" = "ok";
  try {
    await db().$queryRawUnsafe("SELECT 1");
  } catch {
    database = "down";
  }
  const runtimeStatus = maybeSandboxRuntimes()?.primaryInfo()?.status ?? "starting";
  const runtime = runtimeStatus === "ok" ? "ok" : runtimeStatus === "down" ? "down" : "starting";
  return { status: database === "ok" && runtime === "ok" ? "ok" : "degraded", db: database, runtime } as const;
}
