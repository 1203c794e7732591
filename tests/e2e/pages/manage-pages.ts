import { expect, type Browser, type BrowserContext, type Page } from "@playwright/test";
import { LoginPage } from "./login-page";

// Page objects for the pages where a team runs itself, and a second person in their own browser.

export const XSS = `<img src=x onerror="window.__xss=1"><script>window.__xss=1</script>`;

/** Fails the test when any page script runs an alert (an XSS payload would). */
export function refuseAlerts(page: Page) {
  page.on("dialog", async (dialog) => {
    if (dialog.type() === "confirm") return dialog.accept();
    throw new Error(`unexpected ${dialog.type()}: ${dialog.message()}`);
  });
}

export async function expectNoScriptRan(page: Page) {
  expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
}

/** A fresh browser context signed in through the login page. */
export async function signedInContext(browser: Browser, email: string, password: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ storageState: { cookies: [], origins: [] } });
  const page = await context.newPage();
  refuseAlerts(page);
  const login = new LoginPage(page);
  await login.goto();
  await login.signIn(email, password);
  await page.waitForURL(/\/sessions$/);
  return { context, page };
}

export class MembersPage {
  constructor(private readonly page: Page) {}
  async goto(teamId: string) {
    await this.page.goto(`/teams/${teamId}/members`);
    await expect(this.page.getByTestId("members-title")).toBeVisible();
  }
  async invite(email: string, role: string): Promise<string> {
    await this.page.getByTestId("invite-email").fill(email);
    await this.page.getByTestId("invite-role").selectOption(role);
    await this.page.getByTestId("invite-form-submit").click();
    const link = this.page.getByTestId("invite-link");
    await expect(link).toContainText("/invite/");
    return (await link.textContent())!;
  }
  row(email: string) {
    return this.page.locator(`[data-testid=member-row][data-email="${email}"]`);
  }
}

export class TokensPage {
  constructor(private readonly page: Page) {}
  async goto() {
    await this.page.goto("/settings/tokens");
  }
  async create(name: string, expiry: "30" | "90" | "365" | "none") {
    await this.page.getByTestId("token-name").fill(name);
    await this.page.getByTestId("token-expiry").selectOption(expiry);
    await this.page.getByTestId("token-form-submit").click();
    const secret = this.page.getByTestId("token-secret");
    await expect(secret).toContainText("ap_");
    return (await secret.textContent())!;
  }
  rows() {
    return this.page.getByTestId("token-row");
  }
}
