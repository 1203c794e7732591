import "server-only";
import type { SandboxStatus } from "@/generated/prisma/client";
import { db } from "@/lib/db/client";

// The one writer of a sandbox's status column. A destroyed sandbox stays destroyed; "running" also
// marks it active now.

export async function recordSandboxStatus(sandboxIds: string | string[], status: SandboxStatus, { onlyIf }: { onlyIf?: SandboxStatus[] } = {}) {
  const ids = typeof sandboxIds === "string" ? [sandboxIds] : sandboxIds;
  if (ids.length === 0) return;
  const now = new Date();
  await db().sandbox.updateMany({
    where: { id: { in: ids }, status: onlyIf ? { in: onlyIf } : { not: "destroyed" } },
    data: { status, ...(status === "running" ? { lastActiveAt: now } : {}), ...(status === "destroyed" ? { destroyedAt: now } : {}) },
  });
}
