import { mkdirSync } from "node:fs";
import path from "node:path";
import { expect, test } from "../support/fixtures";
import { refuseAlerts } from "../pages/manage-pages";
import { signedInContext } from "../support/contexts";
import { SessionPage } from "../pages/session-page";

// Not a test: the pages of a team that runs itself (audit log with addresses, a session page after a
// role change and after removal), at a phone's and a desktop's size, light and dark, saved for people
// to look at. Run with SCREENS_DIR=/some/dir node_modules/.bin/playwright test --project screens
const dir = process.env.SCREENS_DIR ?? "screens";
mkdirSync(dir, { recursive: true });
const shot = (name: string) => path.join(dir, `${name}.png`);
const PASSWORD = "a-long-enough-password";
const VIEWPORTS = [
  { name: "phone", width: 390, height: 844 },
  { name: "desktop", width: 1440, height: 900 },
] as const;

test("door tour", async ({ page, browser }) => {
  test.setTimeout(180_000);
  refuseAlerts(page);
  const team = await (await page.request.post("/api/teams", { data: { name: "Platform team" } })).json();
  const sessionId = (
    await (await page.request.post("/api/sessions", { data: { teamId: team.id, agent: "demo", title: "Review the billing migration" } })).json()
  ).id as string;
  for (let i = 0; i < 4; i += 1)
    await page.request.post(`/api/teams/${team.id}/invitations`, {
      data: { email: `person-${i}-${Date.now()}@example.test`, role: i % 2 ? "viewer" : "member" },
    });

  for (const viewport of VIEWPORTS) {
    for (const scheme of ["light", "dark"] as const) {
      const name = `${viewport.name}-${scheme}`;
      await page.setViewportSize({ width: viewport.width, height: viewport.height });
      await page.emulateMedia({ colorScheme: scheme });
      await page.goto(`/teams/${team.id}/audit`);
      await expect(page.getByTestId("audit-row").first()).toBeVisible();
      await page.screenshot({ path: shot(`door-audit-${name}`), fullPage: true });

      const email = `watcher-${name}-${Date.now()}@example.test`;
      const added = await page.request.post(`/api/teams/${team.id}/members`, { data: { email, role: "viewer", name: `Watcher ${name}`, password: PASSWORD } });
      const userId = (await added.json()).userId as string;
      const watcher = await signedInContext(browser, email, PASSWORD);
      await watcher.page.setViewportSize({ width: viewport.width, height: viewport.height });
      await watcher.page.emulateMedia({ colorScheme: scheme });
      const view = new SessionPage(watcher.page);
      await view.goto(sessionId);
      await expect(watcher.page.getByTestId("readonly-note")).toBeVisible();
      await watcher.page.screenshot({ path: shot(`door-session-viewer-${name}`) });
      await page.request.patch(`/api/teams/${team.id}/members/${userId}`, { data: { role: "member" } });
      await expect(view.composer()).toBeVisible();
      await watcher.page.screenshot({ path: shot(`door-session-promoted-${name}`) });
      await page.request.delete(`/api/teams/${team.id}/members/${userId}`);
      await expect(watcher.page.getByTestId("access-ended-banner")).toBeVisible();
      await watcher.page.screenshot({ path: shot(`door-session-removed-${name}`) });
      await watcher.context.close();
    }
  }
});
