import type { Page } from "@playwright/test";
import { expect, test } from "./support/fixtures";
import { TAIL_EVENTS } from "@/components/session/use-session-stream";
import { fillToolHistory, TOOL_TURN_EVENTS } from "../fixtures/synthetic-history";
import { InboxPage } from "./pages/inbox-page";
import { NewSessionPage } from "./pages/new-session-page";
import { SessionPage } from "./pages/session-page";
import { SessionsPage } from "./pages/sessions-page";
import { Shell } from "./pages/shell";
import { clearPendingPermissions, createSession, prompt, waitForStatus } from "./support/api";
import { withPortalDatabase } from "./support/database";

// The transcript reads like the work, "needs you" reaches every corner, and history opens at rest.

test.use({ viewport: { width: 1440, height: 900 } });

/** Records every moment the page shows a running state, from its first frame. */
async function recordRunningStates(page: Page) {
  await page.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { runningSeen: string[] }).runningSeen = seen;
    new MutationObserver(() => {
      if (document.querySelector('[data-testid="status-badge"][data-status="running"]')) seen.push("status");
      if (document.querySelector('[data-testid="stop-turn"]')) seen.push("stop");
      if (document.querySelector('[data-testid="agent-working"], [data-streaming="true"]')) seen.push("typing");
    }).observe(document, { subtree: true, childList: true, attributes: true });
  });
}

const runningStatesSeen = (page: Page) => page.evaluate(() => (window as unknown as { runningSeen: string[] }).runningSeen);

test("/tool is one card whose status changes in place, with the permission and its answer inside", async ({ page }) => {
  const session = await new NewSessionPage(page).start({ title: "One card per tool call" });
  await session.prompt("/tool");
  const card = session.toolCalls();
  await expect(card).toHaveCount(1);
  await expect(card).toHaveAttribute("data-status", "pending");
  await expect(card.getByTestId("permission-card")).toHaveAttribute("data-state", "pending");
  await expect(session.status()).toHaveAttribute("data-status", "awaiting_input");
  const id = await card.getAttribute("data-tool-call-id");

  await card.getByTestId("permission-once").click();
  await expect(card).toHaveAttribute("data-status", "completed");
  await session.waitForTurnEnd(1);
  // The same card, still one, still one plan; the answer and who gave it are inside.
  await expect(session.toolCalls()).toHaveCount(1);
  await expect(session.toolCalls()).toHaveAttribute("data-tool-call-id", id!);
  await expect(card.getByTestId("permission-answer")).toHaveText(/Allowed once by you/);
  await expect(session.transcript().getByTestId("plan")).toHaveCount(1);
  const plan = session.transcript().getByTestId("plan");
  await expect(plan.locator("li").first()).toBeVisible();
  await expect(plan.locator('li:not([data-status="completed"])')).toHaveCount(0);
  await expect(session.permissionCards()).toHaveCount(1);
});

test("a permission waiting in another session shows in the sidebar, the badge, the tab title and the inbox", async ({ page }) => {
  const shell = new Shell(page);
  const viewing = await createSession(page.request, "Watching this one");
  const other = await createSession(page.request, "Blocked elsewhere");
  const session = new SessionPage(page);
  await session.goto(viewing);
  await expect(session.sidebarEntry(other)).toHaveAttribute("data-status", "idle");
  await expect(page).toHaveTitle(/Watching this one · Agent Portal$/);

  // Nothing else waits, so the one permission below is the whole count.
  await clearPendingPermissions(page.request);
  await prompt(page.request, other, "/tool");
  await expect(session.sidebarEntry(other)).toHaveAttribute("data-status", "awaiting_input");
  // Needs you first: above the session being watched.
  await expect(page.getByTestId("sidebar-session").first()).toHaveAttribute("data-session-id", other);
  await expect(shell.needsYouCount()).toHaveText("1");
  await expect(page).toHaveTitle("(1) Watching this one · Agent Portal");

  await page.getByRole("link", { name: /Inbox/ }).click();
  const inbox = new InboxPage(page);
  await expect(inbox.itemFor(other)).toContainText("Blocked elsewhere");
  await expect(page).toHaveTitle("(1) Inbox · Agent Portal");
  await inbox.itemFor(other).getByTestId("inbox-once").click();
  await expect(inbox.itemFor(other)).toHaveCount(0);
  await expect(inbox.empty()).toBeVisible();
  await expect(shell.needsYouCount()).toHaveCount(0);
  await expect(page).toHaveTitle("Inbox · Agent Portal");
  await waitForStatus(page.request, other, "idle");
});

test("a finished session opens as history: never Running, Stop or typing while it loads", async ({ page }) => {
  const id = await createSession(page.request, "Finished long ago");
  await prompt(page.request, id, "/stream 3000 3000");
  await waitForStatus(page.request, id, "idle");
  await recordRunningStates(page);
  const session = new SessionPage(page);
  await session.goto(id);
  await expect(session.lastAgentMessage()).toContainText("2999");
  await expect(session.lastAgentMessage()).toBeInViewport();
  await expect(session.status()).toHaveAttribute("data-status", "idle");
  expect(await runningStatesSeen(page)).toEqual([]);
});

test("rename, copy link, archive and the raw event stream", async ({ page, baseURL }) => {
  await page.context().grantPermissions(["clipboard-read", "clipboard-write"], { origin: baseURL });
  const id = await createSession(page.request, "Before the rename");
  await prompt(page.request, id, "hello raw");
  await waitForStatus(page.request, id, "idle");
  const session = new SessionPage(page);
  await session.goto(id);
  await session.rename("After the rename");
  await expect(page).toHaveTitle(/After the rename/);

  await session.actions().click();
  await page.getByTestId("copy-link").click();
  await expect(page.getByTestId("copy-link")).toHaveText("Link copied");
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(`${baseURL}/sessions/${id}`);
  await page.keyboard.press("Escape");

  // The raw events of one item, then of the whole session.
  await session.userMessages().last().hover();
  await page.getByTestId("item-raw").first().click();
  await expect(session.rawDrawer().getByTestId("raw-json")).toContainText('"method": "session/prompt"');
  await page.getByTestId("close-raw").click();
  await session.openRawStream();
  const raw = JSON.parse((await session.rawDrawer().getByTestId("raw-json").textContent()) ?? "[]") as Array<{ index: number; payload: { type?: string } }>;
  expect(raw.length).toBeGreaterThan(3);
  expect(raw.some((event) => event.payload.type === "turn_ended")).toBe(true);
  await page.keyboard.press("Escape");
  await expect(session.rawDrawer()).toHaveCount(0);

  await session.toggleArchive();
  await expect(page.getByText("· archived")).toBeVisible();
  const list = new SessionsPage(page);
  await list.goto();
  await expect(page.getByRole("link", { name: "After the rename" })).toHaveCount(0);
  await page.getByTestId("filter-archived").click();
  const row = page.getByTestId("session-row").filter({ hasText: "After the rename" });
  await expect(row).toHaveCount(1);
  // The whole row opens the session, not only its title.
  const box = (await row.boundingBox())!;
  await page.mouse.click(box.x + box.width - 40, box.y + box.height / 2); // the "Updated" cell, far from the title

  await page.waitForURL(`**/sessions/${id}`);
  await session.toggleArchive();
  await expect(page.getByText("· archived")).toHaveCount(0);
});

test("the Idle and Restorable filters list what their badges say: a stopped session that resumes on the next prompt is Idle", async ({ page }) => {
  const stopSandboxOf = async (sessionId: string) => {
    const { sandboxId } = await (await page.request.get(`/api/sessions/${sessionId}`)).json();
    expect((await page.request.post(`/api/sandboxes/${sandboxId}/stop`)).status()).toBeLessThan(300);
    await waitForStatus(page.request, sessionId, "restorable");
  };
  const resumes = await createSession(page.request, `Stopped after its turn ${Date.now()}`);
  await prompt(page.request, resumes, "hello");
  await waitForStatus(page.request, resumes, "idle");
  await stopSandboxOf(resumes);
  const cutOff = await createSession(page.request, `Cut off mid-turn ${Date.now()}`);
  await prompt(page.request, cutOff, "/sleep 60000");
  await waitForStatus(page.request, cutOff, "running");
  await stopSandboxOf(cutOff);

  const rowOf = (id: string) => page.locator(`[data-testid="session-row"][data-session-id="${id}"]`);
  await page.goto("/sessions?status=idle");
  await expect(rowOf(resumes).getByText("Idle", { exact: true })).toBeVisible();
  await expect(rowOf(cutOff)).toHaveCount(0);
  await page.goto("/sessions?status=restorable");
  await expect(rowOf(cutOff).getByText("Restorable", { exact: true })).toBeVisible();
  await expect(rowOf(resumes)).toHaveCount(0);
});

test("a 100,000-event session with 2,000 tool calls opens at rest at its newest end and reads older turns on scroll up", async ({ page }) => {
  const id = await createSession(page.request, "A long history");
  // Written straight into the portal's database: 2,000 turns of 50 events (prompt, thoughts, plan,
  // a tool call with its permission and answer, message chunks, usage, turn end).
  const total = await withPortalDatabase((pool) => fillToolHistory(pool, id, 2_000));
  expect(total).toBe(100_000);
  const reads: number[] = [];
  page.on("request", (request) => {
    const after = /\/api\/sessions\/[^/]+\/events\?after=(\d+)/.exec(request.url())?.[1];
    if (after) reads.push(Number(after));
  });
  await recordRunningStates(page);
  const session = new SessionPage(page);
  await session.goto(id);
  await expect(session.lastAgentMessage()).toContainText("end of turn 1999.");
  await expect(session.lastAgentMessage()).toBeInViewport();
  await expect(session.toolCalls().last()).toHaveAttribute("data-status", "completed");
  await expect(session.status()).toHaveAttribute("data-status", "idle");
  expect(await runningStatesSeen(page)).toEqual([]);
  // Only the newest end was read.
  expect(Math.min(...reads)).toBeGreaterThanOrEqual(total - TAIL_EVENTS);
  const firstLoadedTurn = (total - TAIL_EVENTS) / TOOL_TURN_EVENTS;

  // Scrolled to the top by the reader, older turns come in above.
  await page.getByTestId("transcript-scroll").hover();
  await expect(async () => {
    await page.mouse.wheel(0, -1_000_000);
    const turns = (await session.userMessages().allTextContents()).map((text) => Number(/turn (\d+):/.exec(text)?.[1] ?? Infinity));
    expect(Math.min(...turns)).toBeLessThan(firstLoadedTurn);
  }).toPass({ timeout: 30_000 });
  expect(Math.min(...reads)).toBeLessThan(total - TAIL_EVENTS);
});

test("model, mode and thought level chosen in the New session form are what the session starts with", async ({ page }) => {
  const create = new NewSessionPage(page);
  await create.goto();
  // The agent's defaults are demo-small, ask and medium: every choice here differs from them.
  const session = await create.start({ title: "Chosen settings", settings: { model: "demo-large", mode: "code", thoughtLevel: "high" } });
  const json = await (await page.request.get(`/api/sessions/${session.id}`)).json();
  expect({ model: json.model, mode: json.mode, thoughtLevel: json.thoughtLevel }).toEqual({ model: "demo-large", mode: "code", thoughtLevel: "high" });
  await session.openDetails();
  await expect(session.modelSelect()).toHaveValue("demo-large");
  await expect(session.modeSelect()).toHaveValue("code");
  await expect(session.thoughtLevelSelect()).toHaveValue("high");
  // The agent itself works with them: its first thought names the settings it runs under.
  await session.prompt("which settings?");
  await session.waitForTurnEnd(1);
  await expect(session.thoughts().first()).toContainText("Thinking (high) in code mode with demo-large");
});
