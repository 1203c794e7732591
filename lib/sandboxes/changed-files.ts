import "server-only";
import path from "node:path";
import { db } from "@/lib/db/client";
import { insideWorkspace } from "@/lib/sandboxes/sandboxes";

// Which workspace files a session's tool calls changed, read from its stored tool-call events (the
// agent's own account, so it holds for a stopped sandbox too): a completed tool call of an editing
// kind, or one that carries a diff, names its files in `locations`, in its diffs' `path`, or in its
// input's path field. Failed, rejected and unfinished calls changed nothing as far as we know.

export interface ToolCallUpdate {
  sessionUpdate: "tool_call" | "tool_call_update";
  toolCallId: string;
  kind?: string | null;
  status?: string | null;
  locations?: Array<{ path?: unknown }> | null;
  content?: Array<{ type?: unknown; path?: unknown }> | null;
  rawInput?: unknown;
}

const EDITING_KINDS = new Set(["edit", "delete", "move"]);
const INPUT_PATH_FIELDS = ["path", "file_path", "filePath", "notebook_path"];

/** Paths relative to the workspace, sorted, that completed editing tool calls named. */
export function changedPaths(updates: ToolCallUpdate[], { workspace, cwd }: { workspace: string; cwd: string }): string[] {
  const calls = new Map<string, { kind?: string; status?: string; paths: Set<string>; diff: boolean }>();
  for (const update of updates) {
    const call = calls.get(update.toolCallId) ?? { paths: new Set<string>(), diff: false };
    calls.set(update.toolCallId, call);
    if (update.kind) call.kind = update.kind;
    if (update.status) call.status = update.status;
    for (const location of update.locations ?? []) if (typeof location.path === "string") call.paths.add(location.path);
    for (const item of update.content ?? []) {
      if (item.type !== "diff") continue;
      call.diff = true;
      if (typeof item.path === "string") call.paths.add(item.path);
    }
    const input = update.rawInput && typeof update.rawInput === "object" ? (update.rawInput as Record<string, unknown>) : {};
    for (const field of INPUT_PATH_FIELDS) if (typeof input[field] === "string") call.paths.add(input[field]);
  }
  const changed = new Set<string>();
  for (const call of calls.values()) {
    if (call.status !== "completed" || !(call.diff || EDITING_KINDS.has(call.kind ?? ""))) continue;
    for (const named of call.paths) {
      // Paths outside the workspace are not the Files panel's to show.
      const resolved = insideWorkspace(workspace, path.posix.resolve(cwd, named));
      if (resolved && resolved !== workspace) changed.add(path.posix.relative(workspace, resolved));
    }
  }
  return [...changed].sort();
}

export async function changedFilesOfSession({ id: sessionId, sandboxId, cwd }: { id: string; sandboxId: string | null; cwd: string | null }) {
  const sandbox = sandboxId ? await db().sandbox.findUnique({ where: { id: sandboxId }, select: { workspace: true } }) : null;
  if (!sandbox) return { items: [] };
  const { workspace } = sandbox;
  const rows = await db().$queryRaw<Array<{ update: ToolCallUpdate }>>`
    SELECT payload->'params'->'update' AS update FROM events
    WHERE session_id = ${sessionId} AND sender = 'agent' AND payload->>'method' = 'session/update'
      AND payload->'params'->'update'->>'sessionUpdate' IN ('tool_call', 'tool_call_update')
      AND payload->'params'->'update'->>'toolCallId' IS NOT NULL
    ORDER BY index`;
  return {
    items: changedPaths(
      rows.map((row) => row.update),
      { workspace, cwd: cwd ?? workspace },
    ).map((file) => ({ path: file })),
  };
}
