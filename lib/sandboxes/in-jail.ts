import "server-only";
import type { ProcessRunRequest, ProcessRunResponse } from "sandbox-agent";
import { ApiError } from "@/lib/errors";
import { runtimeOfSandbox, type SandboxRow } from "@/lib/sandboxes/sandboxes";

// Running a program inside a sandbox, as its own user, through its runtime's process API, and
// reading a file it wrote: the portal's way to work on what the agent wrote without trusting it.
// Only on the sandbox's owner instance (lib/cluster/commands.ts routes there).

export async function runInSandbox(sandbox: SandboxRow, request: ProcessRunRequest): Promise<ProcessRunResponse> {
  const { sdk } = await (await runtimeOfSandbox(sandbox)).sdk();
  return sdk.runProcess({ cwd: sandbox.workspace, ...request });
}

export async function readSandboxFile(sandbox: SandboxRow, file: string, maxBytes: number): Promise<Uint8Array> {
  const { sdk } = await (await runtimeOfSandbox(sandbox)).sdk();
  const stat = await sdk.statFs({ path: file });
  if ((stat.size ?? 0) > maxBytes)
    throw new ApiError("workspace_too_large", `The result is over the ${Math.round(maxBytes / 1024 / 1024)} MiB download limit.`);
  return sdk.readFsFile({ path: file });
}

export async function writeSandboxFile(sandbox: SandboxRow, file: string, bytes: Uint8Array) {
  const { sdk } = await (await runtimeOfSandbox(sandbox)).sdk();
  await sdk.writeFsFile({ path: file }, Buffer.from(bytes));
}
