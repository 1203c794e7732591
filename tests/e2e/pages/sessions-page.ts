import { expect, type Page } from "@playwright/test";

export class SessionsPage {
  constructor(private readonly page: Page) {}

  readonly list = () => this.page.getByTestId("session-list");
  readonly currentUser = () => this.page.getByTestId("current-user");
  readonly signOutButton = () => this.page.getByTestId("sign-out");
  readonly newSessionLink = () => this.page.getByTestId("new-session-link");

  async goto() {
    await this.page.goto("/sessions");
    await expect(this.page.getByRole("heading", { name: "Sessions" })).toBeVisible();
  }

  async signOut() {
    await this.signOutButton().click();
    await this.page.waitForURL(/\/login/);
  }
}
