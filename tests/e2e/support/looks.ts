import type { Page } from "@playwright/test";

// A page checked at several sizes and in both colour schemes without loading it again: the layout is
// CSS alone (media queries, no script reads the window's width, bar the terminal's own fit) and the
// palette is light-dark() following the emulated scheme, so a resize or a scheme switch shows what a
// fresh load at that size and scheme would. Loading each page once per look cost the server a render
// and the browser a hydration each time, for the same page.

export const SCHEMES = ["light", "dark"] as const;
export type Scheme = (typeof SCHEMES)[number];
export interface Viewport {
  width: number;
  height: number;
}

/** The page in each scheme in turn (left in the last one), once its colours have finished changing. */
export async function inEachScheme(page: Page, check: (scheme: Scheme) => Promise<void>) {
  for (const scheme of SCHEMES) {
    await page.emulateMedia({ colorScheme: scheme });
    await colorsSettled(page);
    await check(scheme);
  }
}

/** The page at each size, in each scheme. */
export async function atEachLook<V extends Viewport>(page: Page, viewports: readonly V[], check: (viewport: V, scheme: Scheme) => Promise<void>) {
  for (const viewport of viewports) {
    await page.setViewportSize({ width: viewport.width, height: viewport.height });
    await inEachScheme(page, (scheme) => check(viewport, scheme));
  }
}

/**
 * Buttons and links fade their colours (0.15 s transitions): axe's contrast check must not read a
 * colour half-way. Reading the layout first makes the browser apply the new scheme, which starts them.
 */
async function colorsSettled(page: Page) {
  await page.waitForFunction(() => {
    void document.documentElement.offsetWidth;
    return document.getAnimations().every((animation) => !(animation instanceof CSSTransition) || animation.playState === "finished");
  });
}
