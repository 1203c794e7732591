import type { Page } from "@playwright/test";
import { expect, test } from "./support/fixtures";
import { AuditPage, expectNoScriptRan, MembersPage, refuseAlerts, TokensPage, XSS } from "./pages/manage-pages";
import { signedInContext, signedOutContext } from "./support/contexts";
import { SessionPage } from "./pages/session-page";
import { ownTeam, ownTeamName } from "./support/api";

// A team runs itself from the portal, through the pages: invitations accepted in another browser,
// role changes and removals that reach the member's open page at once, tokens shown once and
// revoked, a password change that signs the other browser out, the audit log's filters and pages,
// names that are attacker-chosen text, and a sign-out that stays on this portal's own port.

const PASSWORD = "a-long-enough-password";
const unique = (name: string) => `${name}-${Date.now()}-${Math.random().toString(36).slice(2, 6)}@example.test`;

/** This spec's own team (support/api.ts), with its name for the titles. */
async function specTeam(page: Page) {
  return { id: await ownTeam(page.request), name: ownTeamName() };
}

test("invite → accept in a second browser → the new member sees the team's sessions; names render as text", async ({ page, browser }) => {
  refuseAlerts(page);
  const team = await specTeam(page);
  const title = `Team work ${Date.now()} ${XSS}`;
  expect((await page.request.post("/api/sessions", { data: { teamId: team.id, agent: "demo", title } })).status()).toBe(201);

  const members = new MembersPage(page);
  await members.goto(team.id);
  const email = unique("invitee");
  const link = await members.invite(email, "member");
  await expect(page.getByTestId("invitation-email").filter({ hasText: email })).toBeVisible();

  const other = await signedOutContext(browser);
  const invitee = await other.newPage();
  refuseAlerts(invitee);
  await invitee.goto(link);
  await expect(invitee).toHaveTitle(`Invitation to ${team.name} · Agent Portal`);
  await invitee.getByTestId("invite-name").fill(`Newbie ${XSS}`);
  await invitee.getByTestId("invite-password").fill(PASSWORD);
  await invitee.getByTestId("invite-accept").click();
  await invitee.waitForURL(/\/sessions$/);
  await expect(invitee.getByTestId("session-link").filter({ hasText: `Team work` }).first()).toHaveText(title);
  await expectNoScriptRan(invitee);

  // The link was single use.
  await invitee.goto(link);
  await expect(invitee.getByTestId("invite-invalid")).toBeVisible();
  await other.close();

  await members.goto(team.id);
  await expect(members.row(email).getByTestId("member-name")).toHaveText(`Newbie ${XSS}`);
  await expect(page).toHaveTitle(`Members · ${team.name} · Agent Portal`);
  await expectNoScriptRan(page);
});

test("an API token is shown once, copied, used and revoked", async ({ page, context }) => {
  refuseAlerts(page);
  await context.grantPermissions(["clipboard-read", "clipboard-write"]);
  const tokens = new TokensPage(page);
  await tokens.goto();
  await expect(page).toHaveTitle("API tokens · Agent Portal");
  const name = `CI ${XSS} ${Date.now()}`;
  const token = await tokens.create(name, "30");
  await page.getByTestId("token-secret-copy").click();
  await expect(page.getByTestId("token-secret-copy")).toHaveText("Copied");
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(token);
  const headers = { authorization: `Bearer ${token}` };
  expect((await page.request.get("/api/me", { headers })).status()).toBe(200);

  const row = tokens.rows().filter({ hasText: String(name.split(" ").at(-1)) });
  await expect(row.getByTestId("token-row-name")).toHaveText(name);
  await expectNoScriptRan(page);
  // Shown once: after a reload the secret is nowhere on the page.
  await page.reload();
  await expect(page.getByTestId("token-secret")).toHaveCount(0);
  expect(await page.content()).not.toContain(token);

  await row.getByTestId("token-revoke").click();
  await expect(row).toHaveCount(0);
  expect((await page.request.get("/api/me", { headers })).status()).toBe(401);
});

test("a password change signs the other browser out; this one stays", async ({ page, browser }) => {
  const team = await specTeam(page);
  const email = unique("changer");
  expect((await page.request.post(`/api/teams/${team.id}/members`, { data: { email, role: "member", name: "Changer", password: PASSWORD } })).status()).toBe(
    201,
  );
  const first = await signedInContext(browser, email, PASSWORD);
  const second = await signedInContext(browser, email, PASSWORD);

  await first.page.goto("/account");
  await expect(first.page).toHaveTitle("Account · Agent Portal");
  await first.page.getByTestId("current-password").fill(PASSWORD);
  await first.page.getByTestId("new-password").fill("another-long-password");
  await first.page.getByTestId("password-form-submit").click();
  await expect(first.page.getByText("Saved.")).toBeVisible();

  await second.page.goto("/sessions");
  await expect(second.page).toHaveURL(/\/login/);
  await first.page.goto("/sessions");
  await expect(first.page.getByTestId("current-user")).toHaveText(email);
  await first.context.close();
  await second.context.close();
});

test("sign-out on this portal's own (non-default) port lands on its own login page", async ({ browser, baseURL }) => {
  expect(new URL(baseURL!).port).not.toBe("3000");
  const { context, page } = await signedInContext(browser, "admin@example.test", "correct-horse-battery");
  await page.getByTestId("sign-out").click();
  await page.waitForURL(/\/login/);
  expect(new URL(page.url()).origin).toBe(new URL(baseURL!).origin);
  expect((await page.request.get("/api/me")).status()).toBe(401);
  await context.close();
});

test("the last owner cannot be demoted or removed, and the control says why", async ({ page }) => {
  const created = await (await page.request.post("/api/teams", { data: { name: `Solo ${XSS}` } })).json();
  const members = new MembersPage(page);
  await members.goto(created.id);
  await expect(page.getByTestId("members-title")).toHaveText(`Members of Solo ${XSS}`);
  const row = page.getByTestId("member-row");
  await expect(row.getByTestId("member-role")).toBeDisabled();
  await expect(row.getByTestId("member-remove")).toBeDisabled();
  await expect(row).toContainText("The last owner cannot be removed or demoted");
});

test("a role change shows on the member's open session page at once; removing them ends its live stream", async ({ page, browser }) => {
  refuseAlerts(page);
  const team = await specTeam(page);
  const email = unique("watcher");
  expect((await page.request.post(`/api/teams/${team.id}/members`, { data: { email, role: "member", name: "Watcher", password: PASSWORD } })).status()).toBe(
    201,
  );
  const created = await page.request.post("/api/sessions", { data: { teamId: team.id, agent: "demo", title: `Watched ${Date.now()}` } });
  expect(created.status()).toBe(201);
  const sessionId = (await created.json()).id as string;

  const watcher = await signedInContext(browser, email, PASSWORD);
  const view = new SessionPage(watcher.page);
  await view.goto(sessionId);
  await expect(view.composer()).toBeVisible();
  // Marks this document: a reload or a navigation would lose it.
  await watcher.page.evaluate(() => ((window as unknown as { sameDocument?: boolean }).sameDocument = true));

  const members = new MembersPage(page);
  await members.goto(team.id);
  await members.setRole(email, "viewer");
  await expect(view.composer()).toHaveCount(0);
  await expect(watcher.page.getByTestId("readonly-note")).toBeVisible();

  await members.setRole(email, "member");
  await expect(view.composer()).toBeVisible();
  await expect(watcher.page.getByTestId("readonly-note")).toHaveCount(0);
  // The next action honours the role given back.
  await view.prompt("Hello again");
  await view.waitForTurnEnd(1);

  await members.remove(email);
  await expect(view.connection()).toHaveAttribute("data-state", "ended");
  await expect(watcher.page.getByTestId("access-ended-banner")).toBeVisible();
  await expect(view.composer()).toHaveCount(0);
  expect(await watcher.page.evaluate(() => (window as unknown as { sameDocument?: boolean }).sameDocument)).toBe(true);
  await watcher.context.close();
});

test("the audit log filters by actor, action and date range, and pages by keyset keeping the filters", async ({ page, browser }) => {
  refuseAlerts(page);
  const team = await (await page.request.post("/api/teams", { data: { name: `Audited ${Date.now()}` } })).json();
  const otherEmail = unique("co-admin");
  const added = await page.request.post(`/api/teams/${team.id}/members`, { data: { email: otherEmail, role: "admin", name: "Co-admin", password: PASSWORD } });
  expect(added.status()).toBe(201);
  const otherId = (await added.json()).userId as string;
  const other = await signedInContext(browser, otherEmail, PASSWORD);
  for (let i = 0; i < 3; i += 1)
    expect((await other.page.request.post(`/api/teams/${team.id}/invitations`, { data: { email: unique(`by-other-${i}`), role: "viewer" } })).status()).toBe(
      201,
    );
  await other.context.close();
  // More than a page (50) of one action by one actor.
  const MINE = 55;
  for (let i = 0; i < MINE; i += 1)
    expect((await page.request.post(`/api/teams/${team.id}/invitations`, { data: { email: unique(`mine-${i}`), role: "member" } })).status()).toBe(201);
  // Adding the co-admin, their sign-in (auth.sign_in, in each of their teams), their invitations, mine.
  const total = 1 + 1 + 3 + MINE;

  const audit = new AuditPage(page);
  await audit.goto(team.id);
  await expect(page).toHaveTitle(`Audit · ${team.name} · Agent Portal`);
  await expect(audit.rows()).toHaveCount(50);
  await expect(audit.rows().first().getByTestId("audit-ip")).toHaveText(/^(127\.0\.0\.1|::1)$/);
  const firstPage = await audit.entryIds();
  await audit.older().click();
  await expect(audit.rows()).toHaveCount(total - 50);
  const secondPage = await audit.entryIds();
  expect(new Set([...firstPage, ...secondPage]).size).toBe(total);
  await expect(audit.older()).toHaveCount(0);

  await audit.goto(team.id);
  await audit.filter({ actor: otherId });
  await expect(audit.rows()).toHaveCount(4);
  for (const row of await audit.rows().all()) await expect(row).toHaveAttribute("data-actor-id", otherId);
  expect(await audit.rows().evaluateAll((rows) => rows.map((row) => row.getAttribute("data-action")))).toEqual([
    "member.invite",
    "member.invite",
    "member.invite",
    "auth.sign_in",
  ]);

  await audit.filter({ actor: "", action: "member.add" });
  await expect(audit.rows()).toHaveCount(1);
  await expect(audit.rows().first()).toContainText("Co-admin");

  await audit.filter({ action: "member.invite" });
  await expect(audit.rows()).toHaveCount(50);
  await audit.older().click();
  await expect(page).toHaveURL(/action=member\.invite/);
  await expect(audit.rows()).toHaveCount(3 + MINE - 50);
  for (const action of await audit.rows().evaluateAll((rows) => rows.map((row) => row.getAttribute("data-action")))) expect(action).toBe("member.invite");

  const day = (offset: number) => new Date(Date.now() + offset * 24 * 3600 * 1000).toISOString().slice(0, 10);
  await audit.goto(team.id);
  await audit.filter({ action: "member.add", from: day(0), to: day(0) });
  await expect(audit.rows()).toHaveCount(1);
  await audit.filter({ from: day(1), to: "" });
  await expect(page.getByTestId("audit-empty")).toBeVisible();
  await audit.filter({ from: "", to: day(-1) });
  await expect(page.getByTestId("audit-empty")).toBeVisible();
});
