import { expect, test } from "@playwright/test";
import { expectNoScriptRan, MembersPage, refuseAlerts, signedInContext, TokensPage, XSS } from "./pages/manage-pages";

// A team runs itself from the portal, through the pages: invitations accepted in another browser,
// tokens shown once and revoked, a password change that signs the other browser out, names that
// are attacker-chosen text, and a sign-out that stays on this portal's own port.

const PASSWORD = "a-long-enough-password";
const unique = (name: string) => `${name}-${Date.now()}-${Math.random().toString(36).slice(2, 6)}@example.test`;

async function defaultTeam(page: import("@playwright/test").Page) {
  const me = await (await page.request.get("/api/me")).json();
  return me.teams[0] as { id: string; name: string };
}

test("invite → accept in a second browser → the new member sees the team's sessions; names render as text", async ({ page, browser }) => {
  refuseAlerts(page);
  const team = await defaultTeam(page);
  const title = `Team work ${Date.now()} ${XSS}`;
  expect((await page.request.post("/api/sessions", { data: { teamId: team.id, agent: "demo", title } })).status()).toBe(201);

  const members = new MembersPage(page);
  await members.goto(team.id);
  const email = unique("invitee");
  const link = await members.invite(email, "member");
  await expect(page.getByTestId("invitation-email").filter({ hasText: email })).toBeVisible();

  const other = await browser.newContext({ storageState: { cookies: [], origins: [] } });
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
  const team = await defaultTeam(page);
  const email = unique("changer");
  expect((await page.request.post(`/api/teams/${team.id}/members`, { data: { email, role: "member", name: "Changer", password: PASSWORD } })).status()).toBe(201);
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
