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

  /** The page is no wider than the window, and no part of the top bar hides sideways. */
  async expectNoHorizontalOverflow() {
    const { scrollWidth, innerWidth, nav } = await this.page.evaluate(() => {
      const bar = document.querySelector(".topnav");
      return {
        scrollWidth: document.scrollingElement!.scrollWidth,
        innerWidth: window.innerWidth,
        nav: bar ? { scrollWidth: bar.scrollWidth, clientWidth: bar.clientWidth } : null,
      };
    });
    expect(scrollWidth, `page is ${scrollWidth}px wide in a ${innerWidth}px window`).toBeLessThanOrEqual(innerWidth);
    if (nav) expect(nav.scrollWidth, `the top navigation needs ${nav.scrollWidth}px and has ${nav.clientWidth}px`).toBeLessThanOrEqual(nav.clientWidth);
  }
}
