import { expect, test } from "./support/fixtures";
import { NewSessionPage } from "./pages/new-session-page";
import { SessionPage } from "./pages/session-page";

// About ninety words: the demo agent echoes one word every 20 ms, so the answer streams for ~2 s.
const PROMPT = Array.from({ length: 9 }, (_, i) => `Sentence ${i + 1} of the answer travels from the agent through the portal to the browser.`).join(" ");

test("a new demo session streams its answer token by token and keeps it after a reload", async ({ page }) => {
  await page.goto("/sessions");
  await page.getByTestId("new-session-link").click();
  const create = new NewSessionPage(page);
  await expect(create.create()).toBeVisible();
  const session = await create.start({ agent: "demo", title: "Foundation e2e" });
  await expect(page.getByTestId("session-title-heading")).toHaveText("Foundation e2e");

  // Record every text the answer shows while it streams.
  await page.evaluate(() => {
    const seen: string[] = [];
    (window as unknown as { seenTexts: string[] }).seenTexts = seen;
    // The whole page: the transcript's list element is created with its first row (a virtual list).
    new MutationObserver(() => {
      const body = document.querySelector('[data-testid="transcript"] [data-testid="message-agent"] [data-testid="message-body"]');
      const text = body?.textContent ?? "";
      if (text && seen.at(-1) !== text) seen.push(text);
    }).observe(document.body, { subtree: true, childList: true, characterData: true });
  });

  await session.prompt(PROMPT);
  await expect(session.lastAgentMessage()).toHaveText(PROMPT);
  await session.waitForTurnEnd(1, "end_turn");

  const seen = await page.evaluate(() => (window as unknown as { seenTexts: string[] }).seenTexts);
  // Token by token: the answer was visible part-written, growing, before it was whole.
  expect(seen.at(-1)).toBe(PROMPT);
  const partial = seen.filter((text) => text.length < PROMPT.length);
  expect(partial.length).toBeGreaterThanOrEqual(2);
  for (const [i, text] of seen.entries()) {
    expect(PROMPT.startsWith(text.trim())).toBe(true);
    if (i > 0) expect(text.length).toBeGreaterThan(seen[i - 1]!.length);
  }

  // The history comes back from the database after a reload.
  await page.reload();
  const reloaded = new SessionPage(page);
  await reloaded.waitUntilLive();
  await expect(reloaded.userMessages()).toHaveCount(1);
  await expect(reloaded.userMessages().first()).toHaveText(PROMPT);
  await expect(reloaded.agentMessages()).toHaveCount(1);
  await expect(reloaded.lastAgentMessage()).toHaveText(PROMPT);
  await expect(reloaded.turnEnds()).toHaveCount(1);
  await expect(reloaded.status()).toHaveAttribute("data-status", "idle");

  // And the session is listed.
  await page.goto("/sessions");
  await expect(page.getByTestId("session-link").filter({ hasText: "Foundation e2e" })).toBeVisible();
});
