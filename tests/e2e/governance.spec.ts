import { mkdirSync } from "node:fs";
import type { Page } from "@playwright/test";
import { expect, test } from "./support/fixtures";
import { SessionPage } from "./pages/session-page";
import { createSession, ownTeam, prompt, waitForStatus } from "./support/api";
import { expectAccessible } from "./support/axe";
import { adminContext, signedOutContext } from "./support/contexts";
import { withPortalDatabase } from "./support/database";
import { atEachLook } from "./support/looks";

// A team governs its agents, through the pages (issue 20): a policy saved on the team's settings
// answers a /tool on the card by itself; the Usage page shows the gateway's calls as charts and a
// CSV; a share link opens in a fresh browser with no sign-in and follows the session live. Each page
// at a phone's and a desktop's width, light and dark, fits and passes axe.

// One story in order (the share link of the third test is opened by the layout tests), and slow
// machines get time: a failure stops the rest rather than re-running the setup.
test.describe.configure({ mode: "serial", timeout: 180_000 });

const SHOTS = process.env.GOV_SHOTS_DIR;
if (SHOTS) mkdirSync(SHOTS, { recursive: true });

async function expectFits(page: Page) {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);
}

async function shoot(page: Page, name: string) {
  if (SHOTS) await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });
}

let teamId: string;
let sharedSessionId: string;
let shareUrl: string;

test.beforeAll(async ({ browser }) => {
  const context = await adminContext(browser);
  teamId = await ownTeam(context.request);
  // The gateway's records for the Usage page: three members' calls over the last days.
  const me = await (await context.request.get("/api/me")).json();
  sharedSessionId = await createSession(context.request, "Shared with a reviewer");
  await withPortalDatabase(async (pool) => {
    await pool.query(
      `INSERT INTO model_calls (id, team_id, session_id, user_id, provider, model, input_tokens, output_tokens, cache_read_tokens, status, duration_ms, cost_usd, at)
       SELECT 'e2e-call-' || $4 || '-' || g, $1, $2, $3, 'anthropic', (ARRAY['claude-sonnet-4-5', 'claude-haiku-4-5', 'gpt-5'])[1 + g % 3],
              1000 + g * 37, 100 + g * 11, g * 50, 200, 800, round((1000 + g * 37) * 3e-6 + (100 + g * 11) * 15e-6, 6),
              now() - make_interval(days => g % 5)
       FROM generate_series(1, 60) g`,
      [teamId, sharedSessionId, me.user.id, sharedSessionId],
    );
  });
  await context.close();
});

test("a policy saved on the team's settings answers a /tool on the card at once", async ({ page }) => {
  await page.goto(`/teams/${teamId}/settings`);
  await expect(page).toHaveTitle(/^Settings · .* · Agent Portal$/);
  await page.getByTestId("policy-add").click();
  const rule = page.getByTestId("policy-rule").last();
  await rule.getByTestId("policy-kind").selectOption("read");
  await rule.getByTestId("policy-action").selectOption("allow");
  await page.getByTestId("policy-save").click();
  await expect(page.getByTestId("policy-rule").last()).toContainText(/rule rule_[0-9a-f]{8}/);

  const sessionId = await createSession(page.request, "Policy on the card");
  const session = new SessionPage(page);
  await page.goto(`/sessions/${sessionId}`);
  await session.prompt("/tool read notes.md");
  const card = session.permissionCards().last();
  await expect(card).toHaveAttribute("data-state", "Allowed once");
  await expect(card.getByTestId("permission-answer")).toContainText(/Allowed once by the team's policy \(rule rule_[0-9a-f]{8}\)/);
  await expect(session.toolCalls().last()).toContainText("Read notes.md");
  await waitForStatus(page.request, sessionId, "idle");
  // Nobody had to answer: the card never offered the buttons.
  await expect(card.getByTestId("permission-once")).toHaveCount(0);
  // The rule stays for the layout tests below: it names only reads.
});

test("the Usage page shows the gateway's calls by day, member, model and session, with a CSV", async ({ page }) => {
  await page.goto(`/teams/${teamId}/usage`);
  await expect(page).toHaveTitle(/^Usage · .* · Agent Portal$/);
  await expect(page.getByTestId("usage-total-calls")).toHaveText("60");
  await expect(page.getByTestId("usage-chart")).toHaveCount(4);
  await expect(page.getByTestId("usage-table-model").getByTestId("usage-row")).toHaveCount(3);
  await expect(page.getByTestId("usage-table-session")).toContainText("Shared with a reviewer");
  const csv = await page.request.get(`/api/teams/${teamId}/usage?groupBy=model&format=csv`);
  expect(csv.headers()["content-type"]).toContain("text/csv");
  expect((await csv.text()).split("\r\n")[0]).toBe("model,label,calls,input_tokens,output_tokens,cache_read_tokens,cache_write_tokens,cost_usd");
});

test("a share link opens in a fresh browser, read-only, and follows the session live", async ({ page, browser }) => {
  const session = new SessionPage(page);
  await page.goto(`/sessions/${sharedSessionId}`);
  await session.prompt("hello reviewer");
  await waitForStatus(page.request, sharedSessionId, "idle");
  await session.openDetails();
  await page.getByTestId("share-create").click();
  shareUrl = (await page.getByTestId("share-link").textContent())!.trim();
  expect(shareUrl).toMatch(/\/share\/shr_/);

  const stranger = await signedOutContext(browser);
  const viewer = await stranger.newPage();
  await viewer.goto(shareUrl);
  await expect(viewer).toHaveTitle("Shared with a reviewer (shared) · Agent Portal");
  await expect(viewer.getByTestId("message-agent").first()).toContainText("hello reviewer");
  await expect(viewer.getByTestId("composer")).toHaveCount(0);
  await expect(viewer.getByTestId("item-raw")).toHaveCount(0);
  await expect(viewer.getByTestId("share-connection")).toHaveAttribute("data-state", "live");
  // Live: a new turn shows up without a reload.
  await prompt(page.request, sharedSessionId, "second turn for the reviewer");
  await expect(viewer.getByTestId("message-agent").last()).toContainText("second turn for the reviewer");
  // The link opens nothing else of the portal.
  await viewer.goto("/sessions");
  await expect(viewer).toHaveURL(/\/login/);
  await stranger.close();

  await page.reload();
  await session.openDetails();
  await expect(page.getByTestId("share-row").first()).toContainText(/Opened 1 time/);
});

const VIEWPORTS = [
  { name: "phone", width: 390, height: 844 },
  { name: "desktop", width: 1440, height: 900 },
] as const;

// Each page loaded once and looked at in every size and scheme (support/looks.ts).
test("settings, usage and a shared session fit the window and pass axe at each size, light and dark", async ({ page, browser }) => {
  await page.goto(`/teams/${teamId}/settings`);
  await atEachLook(page, VIEWPORTS, async (viewport, scheme) => {
    await expect(page.getByTestId("settings-title")).toBeVisible();
    await expectFits(page);
    await expectAccessible(page);
    await shoot(page, `settings-${viewport.width}-${scheme}`);
  });

  await page.goto(`/teams/${teamId}/usage`);
  await atEachLook(page, VIEWPORTS, async (viewport, scheme) => {
    await expect(page.getByTestId("usage-chart").first()).toBeVisible();
    await expectFits(page);
    await expectAccessible(page);
    await shoot(page, `usage-${viewport.width}-${scheme}`);
  });

  expect(shareUrl, "the share test ran first").toBeTruthy();
  const stranger = await signedOutContext(browser);
  const viewer = await stranger.newPage();
  await viewer.goto(shareUrl);
  await atEachLook(viewer, VIEWPORTS, async (viewport, scheme) => {
    await expect(viewer.getByTestId("message-agent").first()).toBeVisible();
    await expectFits(viewer);
    await expectAccessible(viewer);
    await shoot(viewer, `share-${viewport.width}-${scheme}`);
  });
  await stranger.close();
});
