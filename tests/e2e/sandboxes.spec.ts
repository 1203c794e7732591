import { expect, test } from "./support/fixtures";
import { SessionPage } from "./pages/session-page";
import { createSession, ownTeam, prompt, waitForStatus } from "./support/api";

// A session's sandbox from the browser: its workspace in the Files panel, a follow-up session in the
// same sandbox that sees the same files, and the team's Sandboxes page.

test.use({ viewport: { width: 1440, height: 900 } });

test("the Files panel shows what the agent wrote, and a new session in the same sandbox sees it", async ({ page }) => {
  const first = await createSession(page.request, "Writes a file");
  await prompt(page.request, first, "/write notes/plan.md ship the sandbox");
  await waitForStatus(page.request, first, "idle");

  const session = new SessionPage(page);
  await session.goto(first);
  await session.openDetails();
  const files = page.getByTestId("files-panel");
  await expect(files.getByTestId("file-entry")).toHaveText(["notes/"]);
  // The file this session's /write changed is marked, and so is the folder holding it.
  await expect(files.getByTestId("files-changed-count")).toContainText("1 file changed by this session");
  await expect(files.locator("li[data-changed]").getByTestId("file-entry")).toHaveText(["notes/"]);
  await files.getByTestId("file-entry").click();
  await expect(files.locator("li[data-changed]").getByTestId("file-entry")).toHaveText(["plan.md"]);
  await expect(files.locator("li[data-changed]").getByTestId("file-changed")).toHaveAttribute("title", "Changed by this session");
  await files.getByTestId("file-entry").filter({ hasText: "plan.md" }).click();
  await expect(files.getByTestId("file-content")).toHaveText("ship the sandbox");

  await files.getByTestId("new-session-in-sandbox").click();
  await expect(page.getByTestId("new-session-sandbox")).toBeVisible();
  await page.getByTestId("create-session").click();
  await expect(page).toHaveURL(/\/sessions\/(?!new)[^/]+$/);
  const second = page.url().split("/").pop()!;
  expect(second).not.toBe(first);
  const [a, b] = await Promise.all([first, second].map(async (id) => (await (await page.request.get(`/api/sessions/${id}`)).json()).sandboxId));
  expect(b).toBe(a);
  await session.prompt("/cat notes/plan.md");
  await session.waitForTurnEnd(1);
  await expect(session.lastAgentMessage()).toContainText("ship the sandbox");
  // This session only read it: nothing is marked here; its own /write then is, once its turn ends.
  await session.openDetails();
  await expect(files.getByTestId("file-entry")).toHaveText(["notes/"]);
  await expect(files.getByTestId("file-changed")).toHaveCount(0);
  await session.prompt("/write todo.txt follow up");
  await session.waitForTurnEnd(2);
  await expect(files.locator("li[data-changed]").getByTestId("file-entry")).toHaveText(["todo.txt"]);

  // The team's Sandboxes page lists it with both sessions.
  const teamId = await ownTeam(page.request);
  await page.goto(`/teams/${teamId}/sandboxes`);
  await expect(page).toHaveTitle(/^Sandboxes · /);
  const row = page.getByTestId("sandbox-row").filter({ hasText: a.slice(0, 8) });
  await expect(row).toHaveCount(1);
  await expect(row.getByRole("link")).toHaveCount(2);
  await expect(row.getByRole("link").first()).toHaveText("Writes a file");
  await expect(row.getByTestId("sandbox-stop")).toBeVisible();
});
