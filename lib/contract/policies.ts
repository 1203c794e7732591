// Approval policies (GET|PUT /api/teams/:teamId/policy): a team's ordered rules, each naming a tool
// kind and/or a glob on the tool's title or path, and what the portal answers for a matching
// permission request. The matcher is lib/policies/match.ts.

export const TOOL_KINDS = ["read", "search", "edit", "delete", "move", "execute", "fetch", "think", "other"] as const;
export type ToolKind = (typeof TOOL_KINDS)[number];

export const POLICY_ACTIONS = ["allow", "ask", "deny"] as const;
export type PolicyAction = (typeof POLICY_ACTIONS)[number];

export interface PolicyRule {
  id: string;
  kind?: ToolKind;
  pattern?: string;
  action: PolicyAction;
}

export interface PolicyJson {
  rules: PolicyRule[];
  updatedAt: string | null;
  updatedBy: string | null;
}
