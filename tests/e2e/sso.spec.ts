import type { Page } from "@playwright/test";
import { expect, test, workerPortal } from "./support/fixtures";
import { startIssuer, TEST_CLIENT, type TestIssuer } from "../fixtures/oidc-issuer";
import { LoginPage } from "./pages/login-page";
import { SessionsPage } from "./pages/sessions-page";
import { ownTeam, ownTeamName } from "./support/api";
import { expectAccessible } from "./support/axe";
import { adminContext } from "./support/contexts";
import { inEachScheme } from "./support/looks";
import { shootLightAndDark } from "./support/screens";

// Single sign-on through the pages (issue 20): an instance admin sets the provider up on /admin (a
// real `oidc-provider` this spec starts on loopback), the sign-in page then offers its button, and
// the code flow through the provider's own login and consent forms lands signed in, with the group
// mapping's team. At a phone's and a desktop's width, light and dark, each portal page fits and
// passes axe. The worker's portal runs later specs too: SSO is turned off again at the end, and the
// member it made leaves the spec's team.

test.describe.configure({ mode: "serial", timeout: 120_000 });

const PERSON = { login: "sso-e2e", email: "sso-e2e@example.test", name: "Sam Single-Sign-On" };
const VIEWPORTS = [
  { width: 390, height: 844 },
  { width: 1440, height: 900 },
] as const;

let issuer: TestIssuer;

test.beforeAll(async () => {
  issuer = await startIssuer({ [PERSON.login]: { email: PERSON.email, name: PERSON.name, groups: ["e2e-engineers"] } });
  issuer.mount([`${workerPortal().baseUrl}/api/auth/callback/oidc`]);
});

test.afterAll(async ({ browser }) => {
  const context = await adminContext(browser);
  expect([204]).toContain((await context.request.delete("/api/admin/sso")).status());
  const teamId = await ownTeam(context.request);
  const { items } = (await (await context.request.get(`/api/teams/${teamId}/members?limit=500`)).json()) as { items: Array<{ userId: string; email: string }> };
  const made = items.find((member) => member.email === PERSON.email);
  if (made) expect((await context.request.delete(`/api/teams/${teamId}/members/${made.userId}`)).status()).toBe(204);
  await context.close();
  await issuer?.close();
});

/** In light and in dark: nothing wider than the window, no serious or critical axe finding. */
async function expectFitsAndAccessible(page: Page) {
  await inEachScheme(page, async () => {
    expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);
    await expectAccessible(page);
  });
  await page.emulateMedia({ colorScheme: "light" });
}

test("an instance admin sets single sign-on up on /admin", async ({ page }) => {
  const teamId = await ownTeam(page.request);
  await page.goto("/admin");
  const section = page.getByTestId("admin-sso");
  await expect(section.getByTestId("sso-settings")).toHaveAttribute("data-source", "none");
  await section.getByTestId("sso-name").fill("Test IdP");
  await section.getByTestId("sso-issuer").fill(issuer.url);
  await section.getByTestId("sso-client-id").fill(TEST_CLIENT.id);
  await section.getByTestId("sso-client-secret").fill(TEST_CLIENT.secret);
  await section.getByTestId("sso-domains").fill("example.test");
  await section.getByTestId("sso-group-role-add").click();
  const line = section.getByTestId("sso-group-role").last();
  await line.getByLabel("Group").fill("e2e-engineers");
  await line.getByLabel("Team").selectOption(teamId);
  await line.getByLabel("Role").selectOption("member");
  await section.getByTestId("sso-save").click();

  await expect(section.getByTestId("sso-settings")).toHaveAttribute("data-source", "admin");
  await expect(section.getByTestId("sso-secret-set")).toHaveText("set");
  // The secret is never shown back, not even in the field.
  await expect(section.getByTestId("sso-client-secret")).toHaveValue("");
  expect(await page.content()).not.toContain(TEST_CLIENT.secret);
  await expect(section.getByTestId("sso-group-role")).toHaveCount(1);

  for (const viewport of VIEWPORTS) {
    await page.setViewportSize(viewport);
    // The section's top just under the sticky header.
    await section.evaluate((element) => window.scrollTo(0, element.getBoundingClientRect().top + window.scrollY - 72));
    await expectFitsAndAccessible(page);
    await shootLightAndDark(page, `sso-admin-${viewport.width}`);
  }
});

for (const viewport of VIEWPORTS) {
  test(`the sign-in page's SSO button signs in through the provider at ${viewport.width} px`, async ({ browser }) => {
    const context = await browser.newContext({ storageState: { cookies: [], origins: [] }, viewport });
    const page = await context.newPage();
    const login = new LoginPage(page);
    await login.goto();
    await expect(login.ssoButton()).toHaveText("Sign in with Test IdP");
    await expectFitsAndAccessible(page);
    await shootLightAndDark(page, `sso-login-${viewport.width}`);

    await login.ssoButton().click();
    // The provider's own pages: its development login form (any password), then consent.
    await page.waitForURL((url) => url.origin === issuer.url);
    await page.locator("input[name=login]").fill(PERSON.login);
    await page.locator("input[name=password]").fill("any password");
    await page.locator("button[type=submit]").click();
    await page.getByRole("button", { name: "Continue" }).click();

    await page.waitForURL(/\/sessions$/);
    const sessions = new SessionsPage(page);
    await expect(sessions.currentUser()).toHaveText(PERSON.email);
    const me = await (await page.request.get("/api/me")).json();
    expect(me.user).toMatchObject({ email: PERSON.email, name: PERSON.name });
    // The admin's mapping made the person a member of the spec's team.
    expect(me.teams).toEqual([expect.objectContaining({ name: ownTeamName(), role: "member" })]);
    await expectFitsAndAccessible(page);
    await context.close();
  });
}
