import { expect, type Page } from "@playwright/test";

export class InboxPage {
  constructor(readonly page: Page) {}

  readonly items = () => this.page.getByTestId("inbox-item");
  readonly itemFor = (sessionId: string) => this.page.locator(`[data-testid="inbox-item"][data-session-id="${sessionId}"]`);
  readonly empty = () => this.page.getByTestId("inbox-empty");

  async goto() {
    await this.page.goto("/inbox");
    await expect(this.page.getByRole("heading", { name: "Inbox" })).toBeVisible();
  }
}
