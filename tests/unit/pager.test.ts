import { describe, expect, it } from "vitest";
import { pageLinks } from "@/components/ui/pager";

// The addresses of a Pager: one list moves, the others on its page keep their place; the way back
// to the first page only from a later page the list itself gave out.

const later = { nextCursor: null, fromStart: false };

describe("pageLinks", () => {
  const cursors = { members: "m2", invitations: "i3" };

  it("moves one list to its next page and keeps the others' cursors", () => {
    expect(pageLinks({ path: "/teams/t/members", cursors, list: "members", page: { nextCursor: "m3", fromStart: false } }).href).toBe(
      "/teams/t/members?invitations=i3&members=m3",
    );
    expect(pageLinks({ path: "/teams/t/settings", cursors: {}, list: "shares", page: { nextCursor: "s2", fromStart: true }, hash: "#shares" }).href).toBe(
      "/teams/t/settings?shares=s2#shares",
    );
    expect(pageLinks({ path: "/teams/t/members", cursors, list: "members", page: later }).href).toBeNull();
  });

  it("takes one list back to its first page, the others staying, and offers none on a first page", () => {
    expect(pageLinks({ path: "/teams/t/members", cursors, list: "members", page: later }).firstHref).toBe("/teams/t/members?invitations=i3");
    expect(pageLinks({ path: "/teams/t/members", cursors: { members: "m2" }, list: "members", page: later }).firstHref).toBe("/teams/t/members");
    expect(pageLinks({ path: "/teams/t/settings", cursors: { repositories: "r2" }, list: "repositories", page: later, hash: "#repositories" }).firstHref).toBe(
      "/teams/t/settings#repositories",
    );
    expect(
      pageLinks({ path: "/teams/t/members", cursors: { invitations: "i3" }, list: "members", page: { nextCursor: "m2", fromStart: true } }).firstHref,
    ).toBeNull();
  });

  it("offers no way back from a page shown from the start because its cursor was forged", () => {
    const forged = { nextCursor: "m2", fromStart: true };
    expect(pageLinks({ path: "/teams/t/members", cursors: { members: "forged" }, list: "members", page: forged })).toEqual({
      href: "/teams/t/members?members=m2",
      firstHref: null,
    });
  });

  it("gives a page's only list the addresses it had by hand: its parameter alone, the cursor as given", () => {
    const cursor = "WyIyMDI2LTAxLTAxVDAwOjAwOjAwLjAwMFoiLCJhYmMiXQ";
    expect(pageLinks({ path: "/account", cursors: { signIns: cursor }, list: "signIns", page: { nextCursor: "next-_1", fromStart: false } })).toEqual({
      href: "/account?signIns=next-_1",
      firstHref: "/account",
    });
    expect(pageLinks({ path: "/settings/tokens", cursors: { cursor: undefined }, list: "cursor", page: { nextCursor: cursor, fromStart: true } })).toEqual({
      href: `/settings/tokens?cursor=${cursor}`,
      firstHref: null,
    });
    expect(pageLinks({ path: "/teams", cursors: { invitations: undefined }, list: "invitations", page: { nextCursor: null, fromStart: true } })).toEqual({
      href: null,
      firstHref: null,
    });
  });
});
