// A team's MCP servers and skill sources as the API answers them (GET /api/teams/:id/mcp, /skills).

/** An HTTP server's header values are never answered: each is null (kept, not shown). */
export type McpServerJson =
  | { name: string; type: "local"; command: string; args: string[]; env: Record<string, string> }
  | { name: string; type: "remote"; url: string; headers: Record<string, null> };

/** One entry of the runtime's skills config: where skills come from. */
export interface SkillSourceJson {
  type: string;
  source: string;
  ref?: string;
  subpath?: string;
  skills?: string[];
}
