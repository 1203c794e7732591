import { describe, expect, it } from "vitest";
import { firstPageHref, nextPageHref } from "@/components/ui/pager";

// The addresses of a page with several paged lists: one list moves, the others keep their place.

describe("page addresses", () => {
  const cursors = { members: "m2", invitations: "i3" };

  it("moves one list to its next page and keeps the others' cursors", () => {
    expect(nextPageHref("/teams/t/members", cursors, "members", "m3")).toBe("/teams/t/members?invitations=i3&members=m3");
    expect(nextPageHref("/teams/t/settings", {}, "shares", "s2", "#shares")).toBe("/teams/t/settings?shares=s2#shares");
    expect(nextPageHref("/teams/t/members", cursors, "members", null)).toBeNull();
  });

  it("takes one list back to its first page, the others staying, and offers none on a first page", () => {
    expect(firstPageHref("/teams/t/members", cursors, "members")).toBe("/teams/t/members?invitations=i3");
    expect(firstPageHref("/teams/t/members", { members: "m2" }, "members")).toBe("/teams/t/members");
    expect(firstPageHref("/teams/t/settings", { repositories: "r2" }, "repositories", "#repositories")).toBe("/teams/t/settings#repositories");
    expect(firstPageHref("/teams/t/members", { invitations: "i3" }, "members")).toBeNull();
  });
});
