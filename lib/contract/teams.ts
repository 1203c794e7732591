// Team roles, weakest first (the API contract's "Teams and roles").

export const ROLES = ["viewer", "member", "admin", "owner"] as const;
export type Role = (typeof ROLES)[number];

export function roleAtLeast(role: Role, needed: Role) {
  return ROLES.indexOf(role) >= ROLES.indexOf(needed);
}
