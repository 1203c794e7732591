import type { Page } from "@playwright/test";
import { expect, test } from "./support/fixtures";
import { InboxPage } from "./pages/inbox-page";
import { SessionPage } from "./pages/session-page";
import { Shell } from "./pages/shell";
import { createSession, ownTeam, prompt, waitForStatus } from "./support/api";
import { expectAccessible } from "./support/axe";
import { adminContext, signedOutContext } from "./support/contexts";
import { atEachLook, inEachScheme } from "./support/looks";
import { keepShot } from "./support/screens";

// Every page at a small phone's, a phone's and a desktop's size, light and dark: nothing wider than
// the window, the composer and Send/Stop in view, settings reachable, and axe (at the sizes whose
// layouts differ) finds nothing serious or critical.

// axe runs at the small phone's size and the desktop's: the phone's is the same layout (no breakpoint
// of the portal's CSS lies between 360 and 390 px, the narrowest is 520), so axe there found what it
// found at 360 px, at a third of the file's time; its fit is still checked.
const VIEWPORTS = [
  { name: "small phone", width: 360, height: 740, axe: true },
  { name: "phone", width: 390, height: 844, axe: false },
  { name: "desktop", width: 1440, height: 900, axe: true },
] as const;

let sessionId: string;
let waitingId: string;
let invitationUrl: string;

test.beforeAll(async ({ browser }) => {
  const context = await adminContext(browser);
  const request = context.request;
  sessionId = await createSession(request, "Fix the login bug in the billing page with a rather long title");
  await prompt(request, sessionId, "/markdown");
  await waitForStatus(request, sessionId, "idle");
  await prompt(request, sessionId, "/tool");
  await waitForStatus(request, sessionId, "awaiting_input");
  // Left waiting: the inbox and badges have something to show.
  waitingId = sessionId;
  const invitation = await request.post(`/api/teams/${await ownTeam(request)}/invitations`, {
    data: { email: `layout-${Date.now()}@example.test`, role: "member" },
  });
  expect(invitation.status()).toBe(201);
  invitationUrl = (await invitation.json()).url as string;
  await context.close();
});

// Each page is loaded once and looked at in every size and scheme (support/looks.ts): the same checks,
// without a server render and a hydration per look.
test.describe("every page at every size, light and dark", () => {
  // Six looks of a page, each measured and run through axe: more than the default minute on a 2-core machine.
  test.beforeEach(() => test.slow());

  for (const path of ["/sessions", "/sessions/new", "/inbox", "/sessions?archived=only", "/teams", "/account", "/settings/tokens", "/admin"]) {
    test(`${path} fits the window and passes axe`, async ({ page }) => {
      await expectPageFits(page, path);
    });
  }

  for (const section of ["members", "audit", "sandboxes"]) {
    test(`the team's ${section} fit the window and pass axe`, async ({ page }) => {
      await expectPageFits(page, `/teams/${await ownTeam(page.request)}/${section}`);
    });
  }

  test("the account menu keeps every section one tap away", async ({ page }) => {
    const shell = new Shell(page);
    for (const viewport of VIEWPORTS) {
      await page.setViewportSize({ width: viewport.width, height: viewport.height });
      await page.goto("/admin");
      await shell.openAccount();
      await inEachScheme(page, async (scheme) => {
        await expect(page.getByTestId("sign-out")).toBeVisible();
        if (viewport.axe) await expectAccessible(page);
        await keepShot(page, `layout-${viewport.name}-${scheme}-account-menu`);
        // Every section stays one tap away: in the bar, or in the account menu where the bar is narrow.
        for (const name of ["Sessions", "Inbox", "Teams", "Admin"]) {
          await expect(page.getByRole("link", { name, exact: false }).filter({ visible: true }).first()).toBeInViewport();
        }
        await shell.expectNoHorizontalOverflow();
      });
    }
  });

  test("the signed-out pages fit the window and pass axe", async ({ browser }) => {
    const context = await signedOutContext(browser);
    const page = await context.newPage();
    const shell = new Shell(page);
    for (const url of ["/login", new URL(invitationUrl).pathname]) {
      await page.goto(url);
      await expect(page.locator("h1").first()).toBeVisible();
      await atEachLook(page, VIEWPORTS, async (viewport) => {
        await expect(page.locator("h1").first()).toBeVisible();
        await shell.expectNoHorizontalOverflow();
        if (viewport.axe) await expectAccessible(page);
      });
    }
    await context.close();
  });
});

/** The page, loaded once, at each size and in each scheme: nothing wider than the window, and axe finds nothing serious. */
async function expectPageFits(page: Page, path: string) {
  const shell = new Shell(page);
  await page.goto(path);
  await expect(page.locator("h1").first()).toBeVisible();
  await atEachLook(page, VIEWPORTS, async (viewport, scheme) => {
    // At every size: a media query must not hide the page's heading.
    await expect(page.locator("h1").first()).toBeVisible();
    await shell.expectNoHorizontalOverflow();
    if (viewport.axe) await expectAccessible(page);
    await keepShot(page, `layout-${viewport.name}-${scheme}${path}`, { fullPage: true });
  });
}

// The session page opens its menus and sheets differently by size (a sheet on a phone, beside the
// transcript on a desktop), so each size has its own walk through them; each state is checked in
// both schemes.
for (const viewport of VIEWPORTS) {
  test.describe(viewport.name, () => {
    test.use({ viewport: { width: viewport.width, height: viewport.height } });

    test("a session page keeps the composer and the permission in view and its settings reachable", async ({ page }) => {
      const shell = new Shell(page);
      const session = new SessionPage(page);
      await session.goto(waitingId);
      await expect(session.status()).toHaveAttribute("data-status", "awaiting_input");
      await inEachScheme(page, async (scheme) => {
        await expect(session.permissionCards().last().getByTestId("permission-once")).toBeInViewport();
        await expect(session.input()).toBeInViewport();
        // The turn waits on the permission, so Stop stands where Send will be.
        await expect(session.stop()).toBeInViewport();
        await shell.expectNoHorizontalOverflow();
        if (viewport.axe) await expectAccessible(page);
        await keepShot(page, `layout-${viewport.name}-${scheme}-session`);
        if (viewport.name === "desktop") await expect(session.sidebar()).toBeVisible();
        else await expect(session.sidebar()).toBeHidden();
      });

      // The More menu and the raw event drawer, open.
      await session.actions().click();
      await inEachScheme(page, async () => {
        await expect(page.getByTestId("copy-link")).toBeInViewport();
        await shell.expectNoHorizontalOverflow();
        if (viewport.axe) await expectAccessible(page);
      });
      await page.keyboard.press("Escape");
      await session.openRawStream();
      await inEachScheme(page, async () => {
        await expect(session.rawDrawer().getByTestId("raw-json")).toBeVisible();
        await shell.expectNoHorizontalOverflow();
        if (viewport.axe) await expectAccessible(page);
      });
      await page.keyboard.press("Escape");
      await expect(session.rawDrawer()).toHaveCount(0);

      await session.openDetails();
      await inEachScheme(page, async (scheme) => {
        await expect(session.modeSelect()).toBeInViewport();
        await expect(session.destroyButton()).toBeVisible();
        await shell.expectNoHorizontalOverflow();
        if (viewport.axe) await expectAccessible(page);
        await keepShot(page, `layout-${viewport.name}-${scheme}-session-details`);
      });
    });
  });
}

test.describe("theme", () => {
  test.use({ colorScheme: "dark" });

  test("follows the system and remembers a choice across pages", async ({ page }) => {
    const shell = new Shell(page);
    await page.goto("/sessions");
    const background = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    const dark = await background();
    await shell.openAccount();
    await shell.themeToggle().click(); // system → light
    await expect(shell.themeToggle()).toHaveAttribute("data-theme-choice", "light");
    const light = await background();
    expect(light).not.toBe(dark);
    await page.goto("/inbox");
    // Painted by the server from the cookie: light from the first frame, no script involved.
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe("light");
    expect(await background()).toBe(light);
    await shell.openAccount();
    await shell.themeToggle().click(); // light → dark
    await shell.themeToggle().click(); // dark → system
    await expect(shell.themeToggle()).toHaveAttribute("data-theme-choice", "system");
    expect(await background()).toBe(dark);
  });
});

test("the inbox answers the waiting permission left by the layout checks", async ({ page }) => {
  const inbox = new InboxPage(page);
  await inbox.goto();
  const item = inbox.itemFor(waitingId);
  await item.getByTestId("inbox-reject").click();
  await expect(item).toHaveCount(0);
});
