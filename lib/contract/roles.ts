// What each team role allows, in one table (the API contract's "Teams and roles"). The route wrapper
// checks the ability a route declares against it (`withRoute({ session: "work" })`), the domain asks
// it for the rules a route cannot declare (whom a member change may touch), and the pages and
// components ask `may` the same way to show, hide or enable a control. No server-only: both sides read it.

/** Team roles, weakest first; each role may do all that the roles before it may. */
export const ROLES = ["viewer", "member", "admin", "owner"] as const;
export type Role = (typeof ROLES)[number];

/** The least role for each thing a person can do in a team; `own`/`others` where it depends on who created it. */
const LEAST_ROLE = {
  /** Read sessions and their history, watch live, browse a sandbox's files, changes and terminals; see members, usage, shares. */
  read: "viewer",
  /** Create sessions, prompt, cancel, answer permissions, change a session's settings, share it, resume it; use terminals, push. */
  work: "member",
  /** Destroy a session: the one who created it as a member, anyone's as an admin. */
  destroySession: { own: "member", others: "admin" },
  /** Stop or destroy a sandbox (with every session in it). */
  manageSandboxes: "admin",
  /** Invite people, change roles (up to one's own), remove members. */
  manageMembers: "admin",
  /** Change or remove an admin or an owner. */
  manageAdmins: "owner",
  /** Delete the team, with every session, sandbox and setting of it. */
  deleteTeam: "owner",
  /** The team's settings: repositories, MCP servers, skills, model keys, approval policy, webhooks, budget. */
  configureTeam: "admin",
  /** Read the team's audit log. */
  readAudit: "admin",
} as const satisfies Record<string, Role | { own: Role; others: Role }>;

export type Ability = keyof typeof LEAST_ROLE;

function roleAtLeast(role: Role, needed: Role) {
  return ROLES.indexOf(role) >= ROLES.indexOf(needed);
}

/** The least role that may do `ability`; `own`: to something the person created. */
export function leastRoleFor(ability: Ability, { own = false } = {}): Role {
  const least: Role | { own: Role; others: Role } = LEAST_ROLE[ability];
  return typeof least === "string" ? least : own ? least.own : least.others;
}

/** Whether `role` may do `ability` in its team; `own`: to something the person created. */
export function may(role: Role, ability: Ability, { own = false } = {}): boolean {
  return roleAtLeast(role, leastRoleFor(ability, { own }));
}

/** The roles that may do `ability` (for a query that filters memberships by role). */
export function rolesThatMay(ability: Ability): Role[] {
  return ROLES.filter((role) => may(role, ability));
}

/** The roles a person may give others (inviting, changing a role): at most their own. */
export function grantableRoles(actor: Role): Role[] {
  return may(actor, "manageMembers") ? ROLES.filter((role) => roleAtLeast(actor, role)) : [];
}

/** Why `actor` may not change or remove a member whose role is `target`, or null when they may. */
export function whyNotManage(actor: Role, target: Role): string | null {
  if (!may(actor, "manageMembers")) return "Only admins and owners manage members.";
  if (roleAtLeast(target, "admin") && !may(actor, "manageAdmins")) return `Only an owner can change or remove an ${target}.`;
  return null;
}
