import type { Page } from "@playwright/test";
import { expect, test } from "./support/fixtures";
import { makeRepository, startGitServer, type GitServer } from "../fixtures/git-server";
import { SessionPage } from "./pages/session-page";
import { axeBuilder } from "./support/axe";
import { shootLightAndDark } from "./support/screens";
import { ownTeam, prompt, waitForStatus } from "./support/api";

// Working in and out of a sandbox from the browser: a session started from a repository (served
// by a real smart-HTTP git server that wants a token), its Changes with diffs, a push, and a shell
// in the Terminal — on a phone and on a wide screen.

const TOKEN = "e2e-repository-token";
let server: GitServer;
let repositoryId: string;

test.beforeAll(async ({ request }) => {
  server = await startGitServer(TOKEN);
  makeRepository(server.root, "app.git", { "README.md": "# App\n", "src/main.txt": "alpha\nbeta\n" });
  const teamId = await ownTeam(request);
  const added = await request.post(`/api/teams/${teamId}/repositories`, {
    data: { name: `app-${Date.now()}`, url: `${server.url}/app.git`, defaultBranch: "main", token: TOKEN },
  });
  expect(added.status()).toBe(201);
  repositoryId = (await added.json()).id;
});

test.afterAll(async () => {
  await server?.close();
});

async function sessionFromRepository(page: Page, title: string) {
  const response = await page.request.post("/api/sessions", { data: { teamId: await ownTeam(page.request), agent: "demo", title, repositoryId } });
  expect(response.status()).toBe(201);
  return (await response.json()).id as string;
}

for (const [label, viewport] of [
  ["phone", { width: 390, height: 844 }],
  ["wide", { width: 1440, height: 900 }],
] as const) {
  test.describe(`on a ${label} (${viewport.width} px)`, () => {
    test.use({ viewport });

    test("Changes shows the agent's edits as diffs, and a push lands on the server as me", async ({ page }) => {
      const sessionId = await sessionFromRepository(page, `Tidy main ${label}`);
      await prompt(page.request, sessionId, "/write src/main.txt alpha gamma");
      await waitForStatus(page.request, sessionId, "idle");
      await prompt(page.request, sessionId, "/write NOTES.md from the agent");
      await waitForStatus(page.request, sessionId, "idle");

      const session = new SessionPage(page);
      await session.goto(sessionId);
      await session.openDetails();
      const changes = page.getByTestId("changes-panel");
      await expect(changes.getByTestId("change-entry")).toHaveCount(2);
      await expect(changes.getByTestId("change-entry").first()).toContainText("NOTES.md");
      await changes.getByTestId("change-entry").filter({ hasText: "src/main.txt" }).click();
      const diff = changes.getByTestId("diff-view");
      await expect(diff).toContainText("+alpha gamma");
      await expect(diff.locator(".diff-del")).toHaveText(["-alpha", "-beta"]);
      await changes.getByTestId("change-entry").filter({ hasText: "src/main.txt" }).scrollIntoViewIfNeeded();
      await shootLightAndDark(page, `changes-${viewport.width}`);

      const results = await axeBuilder(page).include('[data-testid="changes-panel"]').analyze();
      expect(results.violations).toEqual([]);

      await expect(changes.getByTestId("push-branch")).toHaveValue(`agent/tidy-main-${label}`);
      await expect(changes.getByTestId("push-message")).toHaveValue(`Tidy main ${label}`);
      await changes.getByTestId("push-submit").click();
      await expect(changes.getByTestId("push-result")).toContainText(`agent/tidy-main-${label}`);
      const me = await (await page.request.get("/api/me")).json();
      expect(server.git("app.git", "log", "-1", "--format=%ae %s", `agent/tidy-main-${label}`).trim()).toBe(`${me.user.email} Tidy main ${label}`);
      // The push is in the session's history too.
      await expect(session.transcript()).toContainText(`to branch agent/tidy-main-${label}`);

      // A push the remote refuses says why.
      await changes.getByTestId("push-branch").fill("protected/release");
      await changes.getByTestId("push-submit").click();
      await expect(changes.getByTestId("push-error")).toContainText("protected by policy");
      await changes.getByTestId("push-branch").scrollIntoViewIfNeeded();
      await shootLightAndDark(page, `push-${viewport.width}`);
    });

    test("the Terminal runs a shell in the sandbox and comes back after a reload", async ({ page }) => {
      const sessionId = await sessionFromRepository(page, `Terminal ${label}`);
      const session = new SessionPage(page);
      await session.goto(sessionId);
      await session.openDetails();
      const panel = page.getByTestId("terminal-panel");
      // Keystrokes travel on the terminal's WebSocket, not as input requests.
      const socket = page.waitForEvent("websocket", (ws) => /\/terminals\/[^/]+\/socket\?/.test(ws.url()));
      const inputRequests: string[] = [];
      page.on("request", (request) => void (/\/terminals\/[^/]+\/input$/.test(request.url()) && inputRequests.push(request.url())));
      await panel.getByTestId("terminal-open").click();
      const sent: string[] = [];
      (await socket).on("framesent", (frame) => void sent.push(String(frame.payload)));
      const terminal = panel.getByTestId("terminal");
      await expect(terminal.locator(".xterm-rows")).toContainText("$", { timeout: 15_000 });
      await terminal.click();
      await page.keyboard.type("echo hello-$((6*7)) && ls\n");
      await expect(terminal.locator(".xterm-rows")).toContainText("hello-42");
      await expect(terminal.locator(".xterm-rows")).toContainText("README.md");
      expect(sent.some((frame) => frame.includes('"type":"input"'))).toBe(true);
      expect(inputRequests).toEqual([]);
      await terminal.scrollIntoViewIfNeeded();
      await shootLightAndDark(page, `terminal-${viewport.width}`);

      await page.reload();
      await session.openDetails();
      // xterm.js paints only while its terminal is in view (an IntersectionObserver pauses it), and
      // after a reload the panel sits below the fold: scroll to it as a person would.
      const reattached = page.getByTestId("terminal-panel").getByTestId("terminal");
      await reattached.scrollIntoViewIfNeeded();
      await expect(reattached.locator(".xterm-rows")).toContainText("hello-42");
      await reattached.click();
      await page.keyboard.type("echo again\n");
      await expect(reattached.locator(".xterm-rows")).toContainText(/again[\s\S]*again/);
      await page.getByTestId("terminal-close").click();
      await expect(page.getByTestId("terminal-ended")).toBeVisible();
    });
  });
}
