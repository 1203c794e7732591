import "server-only";
import { db } from "@/lib/db/client";
import { LOSS_WINDOW_MS, maybeSandboxPool } from "@/lib/sandboxes/pool";

// What /api/health and the UI's banner say about the database and the runtime.

export async function healthReport() {
  let database: "ok" | "down" = "ok";
  try {
    await db().$queryRawUnsafe("SELECT 1");
  } catch {
    database = "down";
  }
  const runtimes = maybeSandboxPool();
  const runtimeStatus = runtimes?.primaryInfo()?.status ?? "starting";
  const runtime = runtimeStatus === "ok" ? "ok" : runtimeStatus === "down" ? "down" : "starting";
  // A sandbox runtime that died or whose ACP connection closed under a turn: degraded until it
  // answers again, and counted for LOSS_WINDOW_MS. Counts and a time only: nothing about whose.
  const losses = runtimes?.losses() ?? { recovering: 0, recent: 0, lastAt: null };
  const healthy = database === "ok" && runtime === "ok" && losses.recovering === 0;
  return {
    status: healthy ? "ok" : "degraded",
    db: database,
    runtime,
    runtimeLosses: { recovering: losses.recovering, recent: losses.recent, windowMinutes: LOSS_WINDOW_MS / 60_000, lastAt: losses.lastAt },
  } as const;
}
