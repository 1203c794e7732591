import { apiFor, defaultTeamId, removeDir, startPortal } from "../../tests/integration/harness";
import { onCleanup, onFailure } from "./cleanup";

// The real portal (`next start` with its embedded runtime and the demo agent) on the bench's
// database, driven through its HTTP API like a script would. Stopped at the end, even on failure.

export async function startBenchPortal(databaseUrl: string, env?: Record<string, string>) {
  // @ts-expect-error plain ESM build script without types
  const { ensureBuilt } = await import("../../scripts/build.mjs");
  await ensureBuilt();
  const portal = await startPortal({ databaseUrl, env });
  onFailure(() => console.error(`\n[portal log, last lines]\n${portal.output().split("\n").slice(-40).join("\n")}`));
  onCleanup(async () => {
    await portal.stop();
    removeDir(portal.dataDir);
  });
  const api = await apiFor(portal.baseUrl);
  const teamId = await defaultTeamId(api);
  return { portal, api, teamId };
}
