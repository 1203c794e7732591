import { expect, test } from "./support/fixtures";
import { NewSessionPage } from "./pages/new-session-page";
import type { SessionPage } from "./pages/session-page";

let session: SessionPage;

test.beforeEach(async ({ page }) => {
  const create = new NewSessionPage(page);
  await create.goto();
  session = await create.start({ title: `Controls ${test.info().title}` });
});

test("approving a permission lets the tool call complete", async ({ page }) => {
  await session.prompt("/tool");
  const card = session.permissionCards().last();
  await expect(card).toHaveAttribute("data-state", "pending");
  await expect(session.toolCalls().last()).toContainText("Edit demo.txt");
  await expect(session.toolCalls().last()).toHaveAttribute("data-status", "pending");

  await card.getByTestId("permission-once").click();
  await expect(card).toHaveAttribute("data-state", "Allowed once");
  await expect(card.getByTestId("permission-once")).toHaveCount(0);
  await expect(session.toolCalls().last()).toHaveAttribute("data-status", "completed");
  await expect(session.toolCalls().last()).toContainText("Wrote 26 bytes to demo.txt");
  await session.waitForTurnEnd(1, "end_turn");
  await expect(session.lastAgentMessage()).toContainText("demo.txt was updated");
  await expect(page.getByTestId("session-error")).toHaveCount(0);
});

test("stopping a long turn ends it as cancelled", async () => {
  await session.prompt("/sleep 60000");
  await expect(session.status()).toHaveAttribute("data-status", "running");
  await expect(session.stop()).toBeVisible();
  await session.stop().click();
  await session.waitForTurnEnd(1, "cancelled");
  await expect(session.status()).toHaveAttribute("data-status", "idle");
  await expect(session.send()).toBeVisible();
});

test("switching the mode persists across a reload", async ({ page }) => {
  await expect(session.modeSelect()).toHaveValue("ask");
  const saved = page.waitForResponse((response) => response.url().endsWith(`/api/sessions/${session.id}`) && response.request().method() === "PATCH");
  await session.modeSelect().selectOption("code");
  expect((await saved).status()).toBe(200);
  await expect(session.transcript().getByTestId("setting-change").last()).toHaveText("Mode: Code · you");

  await page.reload();
  await session.waitUntilLive();
  await expect(session.modeSelect()).toHaveValue("code");

  // The agent works in the new mode: its thought says so.
  await session.prompt("which mode");
  await session.waitForTurnEnd(1);
  await expect(session.transcript().getByTestId("thought").last()).toContainText("in code mode");
});

test("destroying asks first, then leaves a readable history without a composer", async ({ page }) => {
  await session.prompt("something to keep");
  await session.waitForTurnEnd(1);

  await session.destroyButton().click();
  await page.getByTestId("cancel-destroy").click();
  await expect(session.input()).toBeVisible();
  await expect(session.status()).toHaveAttribute("data-status", "idle");

  await session.destroyButton().click();
  await session.confirmDestroy().click();
  await expect(session.status()).toHaveAttribute("data-status", "destroyed");
  await expect(session.input()).toHaveCount(0);
  await expect(page.getByTestId("destroyed-note")).toBeVisible();

  await page.reload();
  await expect(session.status()).toHaveAttribute("data-status", "destroyed");
  await expect(session.userMessages().first()).toHaveText("something to keep");
  await expect(session.lastAgentMessage()).toHaveText("something to keep");
  await expect(session.input()).toHaveCount(0);
  await expect(session.modeSelect()).toBeDisabled();
});
