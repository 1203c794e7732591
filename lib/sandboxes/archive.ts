import "server-only";
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { ApiError, unprocessable } from "@/lib/errors";
import { sandboxPool } from "@/lib/sandboxes/pool";
import type { SandboxRow } from "@/lib/sandboxes/sandboxes";

// The whole workspace as a tar.gz, streamed. tar runs as the sandbox's own uid (what it reads is
// what the sandbox could read; a planted symlink is archived as a link, never followed) with an
// empty environment, on the host directory of the workspace: it works with the sandbox stopped.

export const MAX_ARCHIVE_BYTES = 1024 * 1024 * 1024;

export function workspaceArchive(sandbox: SandboxRow): ReadableStream<Uint8Array> {
  const { provider } = sandboxPool();
  const dirs = provider.hostDirs(sandbox);
  if (!dirs) throw unprocessable(`Workspace archives need the bwrap or local sandbox provider; this portal uses ${provider.name}.`);
  const { workspace } = dirs;
  if (!existsSync(workspace))
    throw new ApiError("instance_unavailable", "This sandbox's workspace is not on this portal instance's host.", { retryAfterSeconds: 2 });
  const uid = provider.uidOf(sandbox);
  const asSandbox = (command: string[]) =>
    uid === null ? command : ["setpriv", `--reuid=${uid}`, `--regid=${uid}`, "--clear-groups", "--inh-caps=-all", "--", ...command];
  const env = { PATH: "/usr/bin:/bin", LC_ALL: "C" } as unknown as NodeJS.ProcessEnv;
  const [duCommand, ...duArgs] = asSandbox(["du", "-sb", "--", "."]);
  const du = spawnSync(duCommand!, duArgs, { cwd: workspace, env, encoding: "utf8", timeout: 30_000 });
  const bytes = Number(du.stdout?.split("\t")[0]);
  if (Number.isFinite(bytes) && bytes > MAX_ARCHIVE_BYTES)
    throw new ApiError(
      "workspace_too_large",
      `The workspace is ${Math.round(bytes / 1024 / 1024)} MiB, over the ${MAX_ARCHIVE_BYTES / 1024 / 1024} MiB archive limit.`,
    );
  const [command, ...args] = asSandbox(["tar", "--create", "--gzip", "--file=-", "--one-file-system", "--exclude=./.sandbox-agent", "--", "."]);
  const child = spawn(command!, args, { cwd: workspace, env, stdio: ["ignore", "pipe", "ignore"] });
  let sent = 0;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      child.stdout.on("data", (chunk: Buffer) => {
        sent += chunk.length;
        // Grew past the limit while being read: cut off, and the download fails rather than lie.
        if (sent > MAX_ARCHIVE_BYTES) {
          child.kill("SIGKILL");
          controller.error(new Error("archive over the limit"));
          return;
        }
        controller.enqueue(new Uint8Array(chunk));
        if ((controller.desiredSize ?? 1) <= 0) child.stdout.pause();
      });
      child.on("close", (code) => {
        if (sent > MAX_ARCHIVE_BYTES) return;
        // tar exits 1 when a file changed while it was read: the archive is still whole.
        if (code === 0 || code === 1) controller.close();
        else controller.error(new Error(`tar exited with ${code}`));
      });
    },
    pull() {
      child.stdout.resume();
    },
    cancel() {
      child.kill("SIGKILL");
    },
  });
}
