import { describe, expect, it } from "vitest";
import { changedPaths, type ToolCallUpdate } from "@/lib/sandboxes/changed-files";

// Which files a session's tool calls changed, folded from its tool_call / tool_call_update events.

const at = { workspace: "/workspace", cwd: "/workspace/app" };

describe("changedPaths", () => {
  it("takes locations, diff paths and input paths of completed editing calls, relative to the workspace", () => {
    const updates: ToolCallUpdate[] = [
      { sessionUpdate: "tool_call", toolCallId: "1", kind: "edit", status: "in_progress", locations: [{ path: "/workspace/app/a.ts" }] },
      { sessionUpdate: "tool_call_update", toolCallId: "1", status: "completed", content: [{ type: "diff", path: "/workspace/app/a.ts" }] },
      // A diff says a file changed whatever the kind; a relative input path resolves against the cwd.
      { sessionUpdate: "tool_call", toolCallId: "2", kind: "other", status: "pending", rawInput: { file_path: "lib/b.ts" } },
      { sessionUpdate: "tool_call_update", toolCallId: "2", status: "completed", content: [{ type: "diff", path: "/workspace/README.md" }] },
      { sessionUpdate: "tool_call", toolCallId: "3", kind: "delete", status: "completed", rawInput: { path: "../gone.txt" } },
    ];
    expect(changedPaths(updates, at)).toEqual(["README.md", "app/a.ts", "app/lib/b.ts", "gone.txt"]);
  });

  it("leaves out failed, unfinished and reading calls, and paths outside the workspace", () => {
    const updates: ToolCallUpdate[] = [
      { sessionUpdate: "tool_call", toolCallId: "failed", kind: "edit", status: "pending", locations: [{ path: "x.ts" }] },
      { sessionUpdate: "tool_call_update", toolCallId: "failed", status: "failed" },
      { sessionUpdate: "tool_call", toolCallId: "pending", kind: "edit", status: "pending", rawInput: { path: "y.ts" } },
      { sessionUpdate: "tool_call", toolCallId: "read", kind: "read", status: "completed", locations: [{ path: "z.ts" }] },
      {
        sessionUpdate: "tool_call",
        toolCallId: "out",
        kind: "edit",
        status: "completed",
        locations: [{ path: "/etc/passwd" }, { path: "/workspace" }, { path: "../../up" }],
      },
    ];
    expect(changedPaths(updates, at)).toEqual([]);
  });
});
