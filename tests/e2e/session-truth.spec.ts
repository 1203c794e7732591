import type { Browser, Page } from "@playwright/test";
import { expect, test } from "./support/fixtures";
import { createTestDatabase, removeDir, signIn, startPortal, type Portal } from "../integration/harness";
import { InboxPage } from "./pages/inbox-page";
import { SessionPage } from "./pages/session-page";
import { Shell } from "./pages/shell";
import { createSession, ownTeam, prompt, waitForStatus } from "./support/api";
import { expectAccessible } from "./support/axe";
import { adminContext, contextOnPortal, signedInContext, signedOutContext } from "./support/contexts";
import { atEachLook } from "./support/looks";
import { keepShot } from "./support/screens";

// The session UI tells the truth in every state (issue 22): a card stays as it was after a portal
// restart, the team in view is always in the top bar, "Needs you" is only what the viewer can answer,
// lists stay live, phone cards keep their labels, and a permission shows what it allows.

const PASSWORD = "a-long-enough-password";
const VIEWPORTS = [
  { width: 390, height: 844 },
  { width: 1440, height: 900 },
] as const;

/** Every viewport and scheme the issue names, each page checked for width and axe. */
async function acrossViewports(page: Page, check: (label: string) => Promise<void>) {
  await atEachLook(page, VIEWPORTS, async (viewport, scheme) => {
    await check(`${viewport.width}-${scheme}`);
    await new Shell(page).expectNoHorizontalOverflow();
    await expectAccessible(page);
  });
}

test.describe("a portal restart between two turns", () => {
  test.setTimeout(300_000);

  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let portal: Portal;

  test.beforeAll(async () => {
    test.setTimeout(180_000);
    database = await createTestDatabase("portal_e2e_restart");
    portal = await startPortal({ databaseUrl: database.url });
  });

  test.afterAll(async () => {
    await portal?.stop();
    removeDir(portal?.dataDir ?? "");
    await database?.drop();
  });

  /** A portal just started warms up on its first pages: its first stream may take longer than usual to open. */
  async function openOnFreshPortal(session: SessionPage, sessionId: string) {
    await session.page.goto(`/sessions/${sessionId}`);
    await expect(session.connection()).toHaveAttribute("data-state", "live", { timeout: 90_000 });
  }

  async function browserOn(browser: Browser, baseUrl: string) {
    return contextOnPortal(browser, baseUrl, await signIn(baseUrl), { viewport: { width: 1440, height: 900 } });
  }

  test("the first turn's card still says Allowed once after a restart and a rejected second /tool", async ({ browser }) => {
    let context = await browserOn(browser, portal.baseUrl);
    let page = await context.newPage();
    const me = await (await page.request.get("/api/me")).json();
    const created = await page.request.post("/api/sessions", { data: { teamId: me.teams[0].id, agent: "demo", title: "Survives a restart" } });
    expect(created.status()).toBe(201);
    const sessionId = (await created.json()).id as string;

    let session = new SessionPage(page);
    await openOnFreshPortal(session, sessionId);
    await session.prompt("/tool");
    const first = session.toolCalls().first();
    // What the permission allows is shown before it is answered, and the footer says who is waited for.
    await expect(first.getByTestId("tool-input")).toContainText("demo.txt");
    await expect(page.getByTestId("agent-waiting")).toHaveAttribute("data-waiting-on", "you");
    await expect(page.getByTestId("agent-working")).toHaveCount(0);
    await expect(first.getByTestId("tool-status")).toHaveText("Waiting for you");
    await first.getByTestId("permission-once").click();
    await session.waitForTurnEnd(1);
    await expect(first.getByTestId("permission-answer")).toContainText("Allowed once");
    // The demo's write is simulated: nothing is on disk, so nothing is marked changed; the file is listed as not there.
    await expect(page.getByTestId("files-panel").getByTestId("file-gone")).toContainText("demo.txt");
    await expect(page.getByTestId("files-changed-count")).toHaveCount(0);
    await context.close();

    // A clean restart of the portal (same data dir and database).
    const dataDir = portal.dataDir;
    await portal.stop();
    portal = await startPortal({ databaseUrl: database.url, dataDir });

    context = await browserOn(browser, portal.baseUrl);
    page = await context.newPage();
    session = new SessionPage(page);
    await openOnFreshPortal(session, sessionId);
    // An idle session stays idle-looking: nothing was cut off.
    await expect(session.status()).toHaveAttribute("data-status", "idle");
    await expect(page.getByTestId("restorable-banner")).toHaveCount(0);
    await expect(page.getByTestId("notice")).toHaveCount(0);
    await expect(session.send()).toHaveText("Send");

    await session.prompt("/tool");
    await expect(session.toolCalls()).toHaveCount(2);
    const second = session.toolCalls().nth(1);
    await second.getByTestId("permission-reject").click();
    await session.waitForTurnEnd(2);
    const check = async () => {
      await expect(session.toolCalls()).toHaveCount(2);
      await expect(session.toolCalls().first().getByTestId("permission-answer")).toContainText("Allowed once");
      await expect(session.toolCalls().first().getByTestId("tool-status")).toHaveText("Completed");
      await expect(session.toolCalls().nth(1).getByTestId("permission-answer")).toContainText("Rejected");
      await expect(session.toolCalls().nth(1).getByTestId("tool-status")).toHaveText("Rejected");
      await expect(session.transcript().getByTestId("plan").first().getByTestId("plan-progress")).toContainText(/(\d+) of \1 done/);
    };
    await check();
    await page.reload();
    await expect(session.connection()).toHaveAttribute("data-state", "live", { timeout: 60_000 });
    await acrossViewports(page, async (label) => {
      await check();
      await keepShot(page, `restart-cards-${label}`);
    });
    await context.close();
  });
});

test("the team switcher shows the current team; lists, sidebar and inbox follow it; a new team is switched to", async ({ page }) => {
  const shell = new Shell(page);
  const teamId = await ownTeam(page.request);
  const ownSession = await createSession(page.request, `Default team work ${Date.now()}`);
  const teamName = `Switcher ${Date.now()}`;
  try {
    await page.setViewportSize({ width: 1440, height: 900 });
    await page.goto("/teams");
    await expect(page.getByTestId("current-team")).toHaveText("All teams");
    await page.getByTestId("create-team-name").fill(teamName);
    await page.getByTestId("create-team-submit").click();
    // Creating a team switches to it: the top bar says so.
    await expect(page.getByTestId("current-team")).toHaveText(teamName);

    await page.goto("/sessions");
    await expect(page.getByTestId("current-team")).toHaveText(teamName);
    await expect(page.getByText(`The agent sessions of ${teamName}, newest first.`)).toBeVisible();
    await expect(page.getByTestId("sessions-empty")).toBeVisible();
    // The sidebar follows the same team.
    const session = new SessionPage(page);
    await page.goto(`/sessions/${ownSession}`);
    await expect(session.sidebar()).toContainText("No sessions yet.", { timeout: 60_000 });
    await expect(session.sidebarEntry(ownSession)).toHaveCount(0);

    // Back to the default team, through the switcher.
    await page.goto("/sessions");
    await acrossViewports(page, async (label) => {
      if (!(await page.getByTestId("team-switcher-menu").isVisible())) await page.getByTestId("team-switcher").click();
      await expect(page.getByTestId("team-switcher-menu")).toBeVisible();
      await expect(page.getByTestId("team-switcher-menu")).toBeInViewport();
      await keepShot(page, `team-switcher-${label}`);
    });
    await page.keyboard.press("Escape");
    await page.setViewportSize({ width: 1440, height: 900 });
    await page.getByTestId("team-switcher").click();
    await page.locator(`[data-testid=team-option][data-team-id="${teamId}"]`).click();
    await expect(page.getByTestId("team-switcher")).toHaveAttribute("data-team-id", teamId);
    await expect(page.locator(`[data-testid=session-row][data-session-id="${ownSession}"]`)).toHaveCount(1);
    await page.goto(`/sessions/${ownSession}`);
    await expect(session.sidebarEntry(ownSession)).toBeVisible({ timeout: 60_000 });
    await new InboxPage(page).goto();
    await expect(page.getByTestId("current-team")).not.toHaveText("All teams");
  } finally {
    // Other tests read "my sessions" across all teams: leave the admin where they expect it.
    await page.request.patch("/api/me", { data: { activeTeamId: null } });
  }
  await page.goto("/sessions");
  await expect(page.getByTestId("current-team")).toHaveText("All teams");
  await expect(shell.needsYouCount().or(page.getByTestId("current-team"))).toBeVisible();
});

test("a viewer sees no Needs you count for a permission only a member can answer", async ({ page, browser }) => {
  const teamId = await ownTeam(page.request);
  const email = `viewer-${Date.now()}@example.test`;
  const invitation = await page.request.post(`/api/teams/${teamId}/invitations`, { data: { email, role: "viewer" } });
  expect(invitation.status()).toBe(201);
  const token = new URL((await invitation.json()).url as string).pathname.split("/").pop()!;
  const accepted = await signedOutContext(browser);
  expect((await accepted.request.post(`/api/invitations/${token}/accept`, { data: { name: "Viewer Vic", password: PASSWORD } })).status()).toBeLessThan(300);
  await accepted.close();

  const sessionId = await createSession(page.request, `Waits for a member ${Date.now()}`);
  await prompt(page.request, sessionId, "/tool");
  await waitForStatus(page.request, sessionId, "awaiting_input");

  const { context, page: viewer } = await signedInContext(browser, email, PASSWORD);
  try {
    const shell = new Shell(viewer);
    await acrossViewports(viewer, async () => {
      await viewer.goto("/sessions");
      await expect(viewer.locator(`[data-testid=session-row][data-session-id="${sessionId}"]`).getByTestId("status-badge")).toHaveText("Waiting for a member");
      await expect(shell.needsYouCount()).toHaveCount(0);
      expect(await viewer.title()).not.toMatch(/^\(\d+\)/);
    });
    const session = new SessionPage(viewer);
    await viewer.goto(`/sessions/${sessionId}`);
    await expect(session.connection()).toHaveAttribute("data-state", "live", { timeout: 60_000 });
    await expect(session.status()).toHaveText("Waiting for a member");
    await expect(viewer.getByTestId("permission-waiting-member")).toBeVisible();
    await expect(viewer.getByTestId("agent-waiting")).toHaveAttribute("data-waiting-on", "member");
    await expect(session.toolCalls().last().getByTestId("tool-input")).toContainText("demo.txt");
    await expect(shell.needsYouCount()).toHaveCount(0);
    // The member (here the admin) is told.
    await page.goto("/sessions");
    await expect(new Shell(page).needsYouCount()).toBeVisible();
  } finally {
    await context.close();
    await page.request.post(`/api/sessions/${sessionId}/cancel`);
  }
});

test("a session created, then archived, in another context shows in the open list and sidebar within 2 s", async ({ page, browser }) => {
  await page.setViewportSize({ width: 1440, height: 900 });
  const anchor = await createSession(page.request, `Sidebar anchor ${Date.now()}`);
  const other = await adminContext(browser, { viewport: { width: 1440, height: 900 } });
  const sidebarPage = await other.newPage();
  const withSidebar = new SessionPage(sidebarPage);
  try {
    await sidebarPage.goto(`/sessions/${anchor}`);
    await expect(withSidebar.sidebarEntry(anchor)).toBeVisible({ timeout: 60_000 });
    // The list's live feed connects only once the session is made: a page whose feed connected late
    // (a slow load) must not miss what changed between its render and the connection.
    let release = () => {};
    const released = new Promise<void>((resolve) => (release = resolve));
    await page.route("**/api/permissions/stream**", async (route) => {
      await released;
      await route.continue();
    });
    await page.goto("/sessions");
    await expect(page.getByTestId("session-list")).toBeVisible();

    const created = await createSession(page.request, `Made elsewhere ${Date.now()}`);
    release();
    await expect(page.locator(`[data-testid=session-row][data-session-id="${created}"]`)).toHaveCount(1, { timeout: 2_000 });
    await expect(withSidebar.sidebarEntry(created)).toBeVisible({ timeout: 2_000 });

    expect((await page.request.patch(`/api/sessions/${created}`, { data: { archived: true } })).status()).toBe(200);
    await expect(page.locator(`[data-testid=session-row][data-session-id="${created}"]`)).toHaveCount(0, { timeout: 2_000 });
    await expect(withSidebar.sidebarEntry(created)).toHaveCount(0, { timeout: 2_000 });
  } finally {
    await other.close();
  }
});

test("management cards keep their labels on a phone", async ({ page }) => {
  expect((await page.request.post("/api/tokens", { data: { name: `Phone label ${Date.now()}` } })).status()).toBe(201);
  const teamId = await ownTeam(page.request);
  await acrossViewports(page, async (label) => {
    await page.goto("/settings/tokens");
    const lastUsed = page.getByTestId("token-list").locator('td[data-label="Last used"]').first();
    await expect(lastUsed).toBeVisible();
    const before = await lastUsed.evaluate((cell) => getComputedStyle(cell, "::before").content);
    if (label.startsWith("390")) expect(before).toBe('"Last used"');
    else expect(before).toBe("none");
    await page.goto(`/teams/${teamId}/members`);
    await expect(page.getByTestId("member-list").locator('td[data-label="Role"]').first()).toBeVisible();
  });
});

test("a styled page answers an address that does not exist and an admin page a non-admin opens", async ({ page, browser }) => {
  await page.goto("/no-such-page");
  await expect(page.getByTestId("not-found")).toBeVisible();
  await expect(page.getByRole("link", { name: "Back to sessions" })).toBeVisible();
  const teamId = await ownTeam(page.request);
  const email = `member-${Date.now()}@example.test`;
  const invitation = await page.request.post(`/api/teams/${teamId}/invitations`, { data: { email, role: "member" } });
  const token = new URL((await invitation.json()).url as string).pathname.split("/").pop()!;
  const fresh = await signedOutContext(browser);
  expect((await fresh.request.post(`/api/invitations/${token}/accept`, { data: { name: "Member Mo", password: PASSWORD } })).status()).toBeLessThan(300);
  await fresh.close();
  const { context, page: member } = await signedInContext(browser, email, PASSWORD);
  try {
    await member.goto("/admin");
    await expect(member.getByTestId("forbidden")).toBeVisible();
    await expectAccessible(member);
  } finally {
    await context.close();
  }
});

test("New session offers the ready agents and folds the others into one line each, Start in view", async ({ page }) => {
  await acrossViewports(page, async (label) => {
    await page.goto("/sessions/new");
    await expect(page.getByTestId("agent-demo")).toBeAttached();
    const notReady = page.getByTestId("agents-not-ready");
    if (await notReady.count()) {
      // Folded: one summary line until opened, then one line per agent with what makes it ready.
      await expect(notReady.locator("li").first()).toBeHidden();
      await notReady.locator("summary").click();
      await expect(notReady.locator("li").first()).toBeVisible();
      await keepShot(page, `new-session-${label}`, { fullPage: true });
      await notReady.locator("summary").click();
    }
    await expect(page.getByTestId("create-session")).toBeInViewport();
  });
});

test("a permission card shows the file write it asks for as its path and its text, not as escaped JSON", async ({ page }) => {
  const sessionId = await createSession(page.request, `Readable permission ${Date.now()}`);
  await prompt(page.request, sessionId, "/tool");
  await waitForStatus(page.request, sessionId, "awaiting_input");
  const session = new SessionPage(page);
  try {
    await page.goto(`/sessions/${sessionId}`);
    await expect(session.connection()).toHaveAttribute("data-state", "live", { timeout: 60_000 });
    const card = session.toolCalls().last();
    await expect(card.getByTestId("permission-card")).toHaveAttribute("data-state", "pending");
    // The demo agent's edit writes { path, content }: the path as the heading, the content as text.
    const input = card.getByTestId("tool-input");
    await expect(input).toHaveAttribute("data-input-kind", "write");
    await expect(input.getByTestId("tool-input-path")).toHaveText("demo.txt");
    await expect(input.getByTestId("tool-input-text")).toHaveText("Hello from the demo agent");
    await expect(input).not.toContainText("\\n");
    await expect(input).not.toContainText("{");
    await acrossViewports(page, async (label) => {
      await card.scrollIntoViewIfNeeded();
      await expect(input).toBeInViewport();
      await keepShot(page, `permission-input-${label}`);
    });
  } finally {
    await page.request.post(`/api/sessions/${sessionId}/cancel`);
  }
});

test("New session shows the ready agents and the not-ready lines of the team chosen in its form", async ({ page }) => {
  type Readiness = Array<{ id: string; missing?: string }>;
  const teamA = await ownTeam(page.request);
  const created = await page.request.post("/api/teams", { data: { name: `Keyed team ${Date.now()}` } });
  expect(created.status()).toBe(201);
  const teamB = (await created.json()).id as string;
  // Team B has an Anthropic key of its own: what Claude Code needs differs between the two teams.
  expect((await page.request.put(`/api/teams/${teamB}/credentials/anthropic`, { data: { apiKey: "sk-ant-e2e-not-a-real-key" } })).status()).toBeLessThan(300);
  const readiness = async (teamId: string) => (await (await page.request.get(`/api/agents?teamId=${teamId}`)).json()).items as Readiness;
  /** The form shows exactly what GET /api/agents says for that team. */
  async function expectFormShows(teamId: string, agents: Readiness) {
    await expect(page.getByTestId("agent-choices")).toHaveAttribute("data-team-id", teamId);
    await expect(page.getByTestId("agent-choices")).toHaveAttribute("aria-busy", "false");
    for (const agent of agents) {
      await expect(page.getByTestId(`agent-${agent.id}`)).toHaveCount(agent.missing ? 0 : 1);
      await expect(page.getByTestId(`agent-setup-${agent.id}`)).toHaveCount(agent.missing ? 1 : 0);
    }
  }
  try {
    expect((await page.request.patch("/api/me", { data: { activeTeamId: teamA } })).status()).toBe(200);
    const [inA, inB] = await Promise.all([readiness(teamA), readiness(teamB)]);
    expect(inB.find((agent) => agent.id === "claude")?.missing ?? "").not.toContain("Anthropic key");

    await page.setViewportSize({ width: 1440, height: 900 });
    await page.goto("/sessions/new");
    await expect(page.getByTestId("session-team")).toHaveValue(teamA);
    await expectFormShows(teamA, inA);
    const claudeA = inA.find((agent) => agent.id === "claude");
    if (claudeA?.missing?.includes("Anthropic key")) await expect(page.getByTestId("agent-setup-claude")).toContainText("no Anthropic key");

    await page.getByTestId("session-team").selectOption(teamB);
    await expectFormShows(teamB, inB);
    await expect(page.getByTestId("agent-setup-claude").or(page.getByTestId("agent-claude"))).not.toContainText("Anthropic key");
    // The admin of B adds B's keys: the line links to B's settings.
    const keyLink = page.getByTestId("agents-not-ready").getByRole("link", { name: "Add a key" });
    if (await keyLink.count()) await expect(keyLink.first()).toHaveAttribute("href", `/teams/${teamB}/settings#credentials`);
    await acrossViewports(page, async (label) => {
      const notReady = page.getByTestId("agents-not-ready");
      if ((await notReady.count()) && !(await notReady.evaluate((details) => (details as HTMLDetailsElement).open))) await notReady.locator("summary").click();
      await keepShot(page, `new-session-team-b-${label}`, { fullPage: true });
    });

    // Back to A: its readiness again (known already, no wait).
    await page.getByTestId("session-team").selectOption(teamA);
    await expectFormShows(teamA, inA);
    // And a session started now starts in B with an agent ready there.
    await page.getByTestId("session-team").selectOption(teamB);
    await expectFormShows(teamB, inB);
    await page.getByTestId("create-session").click();
    await page.waitForURL(/\/sessions\/(?!new)[^/]+$/);
    const sessionId = page.url().split("/").pop()!;
    expect((await (await page.request.get(`/api/sessions/${sessionId}`)).json()).teamId).toBe(teamB);
  } finally {
    await page.request.delete(`/api/teams/${teamB}/credentials/anthropic`);
    await page.request.patch("/api/me", { data: { activeTeamId: null } });
  }
});
