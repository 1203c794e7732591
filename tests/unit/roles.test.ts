import { describe, expect, it } from "vitest";
import { grantableRoles, leastRoleFor, may, ROLES, rolesThatMay, whyNotManage, type Ability, type Role } from "@/lib/contract/roles";

// The contract's "Teams and roles": viewer reads and watches; member also creates sessions, prompts
// and answers; admin also manages members, destroys any session and reads the audit log; owner also
// changes the roles of admins. Each row below is what one role may do, every ability named.
const ALLOWED: Record<Role, Ability[]> = {
  viewer: ["read"],
  member: ["read", "work"],
  admin: ["read", "work", "destroySession", "manageSandboxes", "manageMembers", "configureTeam", "readAudit"],
  owner: ["read", "work", "destroySession", "manageSandboxes", "manageMembers", "manageAdmins", "configureTeam", "readAudit"],
};
const ABILITIES = ALLOWED.owner;

describe("what each role allows", () => {
  it("holds the contract's table, ability by ability", () => {
    for (const role of ROLES) {
      const allowed = ABILITIES.filter((ability) => may(role, ability));
      expect({ role, allowed }).toEqual({ role, allowed: ALLOWED[role] });
    }
  });

  it("lets a member destroy the sessions they created, and only an admin others'", () => {
    expect(ROLES.filter((role) => may(role, "destroySession", { own: true }))).toEqual(["member", "admin", "owner"]);
    expect(ROLES.filter((role) => may(role, "destroySession"))).toEqual(["admin", "owner"]);
    expect(leastRoleFor("destroySession", { own: true })).toBe("member");
    expect(leastRoleFor("destroySession")).toBe("admin");
  });

  it("names the roles that may answer, for a query over memberships", () => {
    expect(rolesThatMay("work")).toEqual(["member", "admin", "owner"]);
  });

  it("grants at most one's own role, and nothing without managing members", () => {
    expect(grantableRoles("viewer")).toEqual([]);
    expect(grantableRoles("member")).toEqual([]);
    expect(grantableRoles("admin")).toEqual(["viewer", "member", "admin"]);
    expect(grantableRoles("owner")).toEqual(["viewer", "member", "admin", "owner"]);
  });

  it("says why a member change is refused: admins manage viewers and members, owners everyone", () => {
    expect(whyNotManage("member", "viewer")).toBe("Only admins and owners manage members.");
    expect(whyNotManage("admin", "member")).toBeNull();
    expect(whyNotManage("admin", "admin")).toBe("Only an owner can change or remove an admin.");
    expect(whyNotManage("admin", "owner")).toBe("Only an owner can change or remove an owner.");
    expect(whyNotManage("owner", "owner")).toBeNull();
  });
});
