import type { Page } from "@playwright/test";
import { expect, test } from "./support/fixtures";
import { SessionPage } from "./pages/session-page";
import { Shell } from "./pages/shell";
import { clearPendingPermissions, createSession, prompt, waitForStatus } from "./support/api";

// The opt-in browser notification: once the person turns it on, a permission that starts waiting or
// a turn of the watched session that ends while the tab is hidden raises one; a visible tab does not.

test.use({ viewport: { width: 1440, height: 900 } });

interface Shown {
  title: string;
  body: string;
}

/**
 * Every Notification the page creates is recorded (and still created), as the granted permission
 * says it may be. The tab's visibility is switched from the test: headless Chromium reports every
 * page as visible, whether another page is brought to the front or the window is minimised, so
 * there is no real way to hide a tab here.
 */
async function observeNotifications(page: Page) {
  await page.addInitScript(() => {
    const shown: Array<{ title: string; body: string }> = [];
    const state = { hidden: false };
    Object.assign(window, { notificationsShown: shown, tabState: state });
    Object.defineProperty(document, "visibilityState", { configurable: true, get: () => (state.hidden ? "hidden" : "visible") });
    Object.defineProperty(document, "hidden", { configurable: true, get: () => state.hidden });
    const Real = window.Notification;
    class Recorded extends Real {
      // Chromium's headless shell answers "denied" here whatever the context granted (its
      // navigator.permissions says "granted"); the full browser answers "granted".
      static override get permission(): NotificationPermission {
        return "granted";
      }
      constructor(title: string, options?: NotificationOptions) {
        super(title, options);
        shown.push({ title, body: options?.body ?? "" });
      }
    }
    window.Notification = Recorded;
  });
}

const shown = (page: Page) => page.evaluate(() => (window as unknown as { notificationsShown: Shown[] }).notificationsShown);

async function setTabHidden(page: Page, hidden: boolean) {
  await page.evaluate((value) => {
    (window as unknown as { tabState: { hidden: boolean } }).tabState.hidden = value;
    document.dispatchEvent(new Event("visibilitychange"));
  }, hidden);
}

/**
 * The top bar's needs-you count (absent when nothing waits), read in one look: counting the badge and
 * then reading its text could find it gone in between, and the text read would wait for it.
 */
async function waiting(shell: Shell) {
  const [text] = await shell.needsYouCount().allTextContents();
  return text === undefined ? 0 : Number(text);
}

async function pendingIn(page: Page, sessionId: string) {
  return ((await (await page.request.get(`/api/sessions/${sessionId}/permissions`)).json()).items as unknown[]).length;
}

async function pendingEverywhere(page: Page) {
  return ((await (await page.request.get("/api/permissions?limit=500")).json()).items as unknown[]).length;
}

async function answerAll(page: Page, sessionId: string) {
  const { items } = (await (await page.request.get(`/api/sessions/${sessionId}/permissions`)).json()) as { items: Array<{ id: string }> };
  for (const item of items)
    expect((await page.request.post(`/api/sessions/${sessionId}/permissions/${item.id}`, { data: { reply: "reject" } })).status()).toBe(200);
}

test("a hidden tab is notified when a permission waits and when the watched turn ends; a visible one is not", async ({ page, baseURL }) => {
  await page.context().grantPermissions(["notifications"], { origin: baseURL });
  await observeNotifications(page);
  const shell = new Shell(page);
  const watched = await createSession(page.request, "Watched for notifications");
  const elsewhere = await createSession(page.request, "Waits while you look away");
  const session = new SessionPage(page);
  await session.goto(watched);
  await shell.openAccount();
  const toggle = page.getByTestId("notify-toggle");
  await expect(toggle).not.toBeChecked();
  await toggle.check();
  await expect(toggle).toBeChecked();

  // Visible: the count goes up, nothing pops up.
  // Nothing else waits, so the count is exactly this one permission.
  await clearPendingPermissions(page.request);
  await prompt(page.request, elsewhere, "/tool");
  await expect.poll(() => waiting(shell)).toBe(1);
  expect(await shown(page)).toEqual([]);
  await answerAll(page, elsewhere);
  await waitForStatus(page.request, elsewhere, "idle");
  await expect.poll(() => waiting(shell)).toBe(0);

  // Hidden: a new permission, and the end of the watched session's turn.
  await setTabHidden(page, true);
  await prompt(page.request, elsewhere, "/tool");
  await expect.poll(() => shown(page)).toEqual([{ title: "Needs you: Edit demo.txt", body: "Waits while you look away is waiting for a permission." }]);
  await prompt(page.request, watched, "/stream 40 40");
  await expect
    .poll(() => shown(page), { timeout: 30_000 })
    .toContainEqual({ title: "Turn ended: Watched for notifications", body: "The agent finished and is ready for the next prompt." });
  // The other session's turn ending is not announced: only the one being watched.
  await answerAll(page, elsewhere);
  await waitForStatus(page.request, elsewhere, "idle");
  await expect.poll(() => waiting(shell)).toBe(0);
  expect((await shown(page)).map((notification) => notification.title)).toEqual(["Needs you: Edit demo.txt", "Turn ended: Watched for notifications"]);
});

test("turned off, a hidden tab raises no notification", async ({ page, baseURL }) => {
  await page.context().grantPermissions(["notifications"], { origin: baseURL });
  await observeNotifications(page);
  const shell = new Shell(page);
  const watched = await createSession(page.request, "Not notified");
  const session = new SessionPage(page);
  await session.goto(watched);
  await shell.openAccount();
  await expect(page.getByTestId("notify-toggle")).not.toBeChecked();
  await setTabHidden(page, true);
  await prompt(page.request, watched, "/tool");
  await expect.poll(() => pendingIn(page, watched)).toBe(1);
  // Sessions of earlier tests may still ask or answer meanwhile: the badge is held to what the API
  // says at the same moment, not to a count taken before.
  await expect.poll(async () => (await waiting(shell)) === (await pendingEverywhere(page))).toBe(true);
  await answerAll(page, watched);
  await waitForStatus(page.request, watched, "idle");
  await expect.poll(async () => (await waiting(shell)) === (await pendingEverywhere(page))).toBe(true);
  expect(await shown(page)).toEqual([]);
});
