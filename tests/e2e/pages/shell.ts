import { expect, type Page } from "@playwright/test";

/** What every signed-in page has: the top bar with its needs-you count, the account menu, the theme. */
export class Shell {
  constructor(readonly page: Page) {}

  readonly needsYouCount = () => this.page.getByTestId("needs-you-count");
  readonly userMenu = () => this.page.getByTestId("user-menu");
  readonly themeToggle = () => this.page.getByTestId("theme-toggle");

  /** Opens the account menu when it is a menu (on a phone); on a wide screen it is always shown. */
  async openAccount() {
    if (!(await this.themeToggle().isVisible())) await this.userMenu().click();
    await expect(this.themeToggle()).toBeVisible();
  }

  /** The page is no wider than the window: nothing sticks out sideways. */
  async expectNoHorizontalOverflow() {
    const { scrollWidth, clientWidth } = await this.page.evaluate(() => ({ scrollWidth: document.documentElement.scrollWidth, clientWidth: document.documentElement.clientWidth }));
    expect(scrollWidth, `page is ${scrollWidth}px wide in a ${clientWidth}px window`).toBeLessThanOrEqual(clientWidth);
  }
}
