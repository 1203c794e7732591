import type { Page } from "@playwright/test";

/** With SCREENS_DIR set, the page as it is now, in light and in dark (then back to light). */
export async function shootLightAndDark(page: Page, name: string) {
  if (!process.env.SCREENS_DIR) return;
  for (const scheme of ["light", "dark"] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    // Colours change with a short CSS transition: without this a shot can catch them half-way.
    await page.screenshot({ path: `${process.env.SCREENS_DIR}/${name}-${scheme}.png`, fullPage: false, animations: "disabled" });
  }
  await page.emulateMedia({ colorScheme: "light" });
}

/**
 * With SCREENS_DIR set, the page as it is now, for a person to look at. Nothing reads these shots, and
 * a full-page one costs Chromium a whole-page paint: a test run without SCREENS_DIR takes none.
 */
export async function keepShot(page: Page, name: string, { fullPage = false } = {}) {
  if (!process.env.SCREENS_DIR) return;
  await page.screenshot({ path: `${process.env.SCREENS_DIR}/${name.replace(/[^\w.-]+/g, "-")}.png`, fullPage });
}
