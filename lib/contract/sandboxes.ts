// Sandbox JSON and the workspace's file entries.

export const SANDBOX_STATUSES = ["starting", "running", "stopped", "lost", "destroyed"] as const;
export type SandboxStatus = (typeof SANDBOX_STATUSES)[number];

export interface SandboxJson {
  id: string;
  teamId: string;
  provider: string;
  status: SandboxStatus;
  workspace: string;
  createdAt: string;
  lastActiveAt: string;
  sessionIds: string[];
  /** The repository the workspace started from, its branch and the commit it started at. */
  repository: { id: string; branch: string; baseCommit: string } | null;
  /** The team's MCP servers (names) and skill sources it was given when it was made. */
  config: { mcpServers: string[]; skillSources: string[] };
}

export interface WorkspaceEntryJson {
  name: string;
  path: string;
  type: "file" | "dir";
  size: number;
  modifiedAt: string | null;
}
