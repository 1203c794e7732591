import { expect, type Page } from "@playwright/test";

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
  async setRole(email: string, role: string) {
    await this.row(email).getByTestId("member-role").selectOption(role);
    // The page refreshes from the server once the change is stored.
    await expect(this.row(email).getByTestId("member-role")).toHaveValue(role);
    await expect(this.row(email).getByTestId("member-role")).toBeEnabled();
  }
  /** Removes the member (the page's confirm is accepted by refuseAlerts). */
  async remove(email: string) {
    await this.row(email).getByTestId("member-remove").click();
    await expect(this.row(email)).toHaveCount(0);
  }
}

export class AuditPage {
  constructor(private readonly page: Page) {}
  async goto(teamId: string, filters: Record<string, string> = {}) {
    await this.page.goto(`/teams/${teamId}/audit?${new URLSearchParams(filters)}`);
  }
  rows() {
    return this.page.getByTestId("audit-row");
  }
  async entryIds() {
    return this.rows().evaluateAll((rows) => rows.map((row) => row.getAttribute("data-entry-id")!));
  }
  async filter({ actor, action, from, to }: { actor?: string; action?: string; from?: string; to?: string }) {
    if (actor !== undefined) await this.page.getByTestId("audit-actor").selectOption(actor);
    if (action !== undefined) await this.page.getByTestId("audit-action").selectOption(action);
    if (from !== undefined) await this.page.getByTestId("audit-from").fill(from);
    if (to !== undefined) await this.page.getByTestId("audit-to").fill(to);
    await this.page.getByTestId("audit-apply").click();
    await this.page.waitForURL(/\/audit\?/);
  }
  older() {
    return this.page.getByTestId("audit-older");
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
