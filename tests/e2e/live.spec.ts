import type { Browser } from "@playwright/test";
import { expect, test } from "./support/fixtures";
import { NewSessionPage } from "./pages/new-session-page";
import { SessionPage } from "./pages/session-page";
import { adminContext } from "./support/contexts";

/** What a viewer reads: one line per transcript row. */
async function rows(session: SessionPage) {
  return session
    .transcript()
    .locator(":scope > [data-testid]")
    .evaluateAll((elements) => elements.map((element) => `${element.getAttribute("data-testid")}: ${(element.textContent ?? "").trim()}`));
}

async function openViewer(browser: Browser, sessionId: string) {
  const context = await adminContext(browser);
  const page = await context.newPage();
  const viewer = new SessionPage(page);
  await viewer.goto(sessionId);
  return { context, viewer };
}

test("two viewers see the same transcript, and a viewer that drops off catches up with no gap and no duplicate", async ({ page, browser }) => {
  const author = await new NewSessionPage(page).start({ title: "Live e2e" });
  const { context, viewer } = await openViewer(browser, author.id);
  try {
    await author.prompt("hello from the author");
    await author.waitForTurnEnd(1);
    await viewer.waitForTurnEnd(1);
    await expect(viewer.userMessages().first()).toHaveText("hello from the author");
    expect(await rows(viewer)).toEqual(await rows(author));

    // The viewer goes offline while the author runs a long streamed answer.
    await context.setOffline(true);
    await expect(viewer.connection()).toHaveAttribute("data-state", "offline");
    await author.prompt("/stream 300 600");
    await author.waitForTurnEnd(2);
    await expect(viewer.turnEnds()).toHaveCount(1);

    await context.setOffline(false);
    await viewer.waitForTurnEnd(2);
    await expect(viewer.connection()).toHaveAttribute("data-state", "live");

    const expected = Array.from({ length: 300 }, (_, i) => i + 1).join(" ");
    await expect(viewer.lastAgentMessage()).toHaveText(expected);
    await expect(author.lastAgentMessage()).toHaveText(expected);
    await expect(viewer.userMessages()).toHaveCount(2);
    await expect(viewer.agentMessages()).toHaveCount(2);
    expect(await rows(viewer)).toEqual(await rows(author));
  } finally {
    await context.close();
  }
});
