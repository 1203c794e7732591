import { expect, test } from "./support/fixtures";
import { startScriptedAnthropic } from "../fixtures/scripted-models/anthropic";
import { answer, callTool, type ScriptedServer } from "../fixtures/scripted-models/script";
import { SessionPage } from "./pages/session-page";
import { axeBuilder } from "./support/axe";
import { shootLightAndDark } from "./support/screens";
import { ownTeam, waitForStatus } from "./support/api";

// Claude Code, the real agent from npm, in a bubblewrap sandbox of the team, talking to a scripted
// Anthropic server through the portal's model gateway with the team's own key: a prompt typed in
// the composer, the Write it asks permission for answered on the card, and the card's diff — on a
// phone and on a wide screen.

const TEAM_KEY = "sk-ant-e2e-team-key-0123456789";
let anthropic: ScriptedServer;
let teamId: string;

test.beforeAll(async ({ request }) => {
  test.setTimeout(600_000);
  anthropic = await startScriptedAnthropic("Done.");
  teamId = await ownTeam(request);
  // Installed once per host (CI installs it before the suite); an instance admin's install otherwise.
  const claude = async () =>
    ((await (await request.get("/api/admin/agents")).json()).items as Array<{ id: string; state: string; error?: string }>).find(
      (item) => item.id === "claude",
    )!;
  if ((await claude()).state !== "installed") {
    expect([200, 202]).toContain((await request.post("/api/admin/agents/claude/install")).status());
    await expect.poll(async () => (await claude()).state, { timeout: 540_000, intervals: [2_000] }).toMatch(/installed|failed/);
    expect(await claude()).toMatchObject({ state: "installed" });
  }
  const saved = await request.put(`/api/teams/${teamId}/credentials/anthropic`, { data: { apiKey: TEAM_KEY, baseUrl: `${anthropic.url}/anthropic` } });
  expect(saved.status()).toBe(200);
});

test.afterAll(async ({ request }) => {
  await request.delete(`/api/teams/${teamId}/credentials/anthropic`);
  await anthropic?.close();
});

for (const [label, viewport] of [
  ["phone", { width: 390, height: 844 }],
  ["wide", { width: 1440, height: 900 }],
] as const) {
  test.describe(`on a ${label} (${viewport.width} px)`, () => {
    test.use({ viewport });

    test("Claude Code asks to write a file, a member allows it on the card, and the card shows the diff", async ({ page }) => {
      test.setTimeout(300_000);
      const created = await page.request.post("/api/sessions", { data: { teamId, agent: "claude", title: `Claude ${label}` } });
      expect(created.status()).toBe(201);
      const sessionId = (await created.json()).id as string;
      const file = `notes-${label}.md`;
      anthropic.enqueue(
        callTool("Write", { file_path: `/workspace/${file}`, content: `# Notes\n\nwritten by claude on a ${label}\n` }),
        answer(`I wrote ${file}.`),
      );

      const session = new SessionPage(page);
      await session.goto(sessionId);
      await session.prompt(`Write ${file}`);

      // The agent's Write waits on the card for a member.
      const card = session
        .toolCalls()
        .filter({ has: page.getByTestId("permission-card") })
        .last();
      await expect(card.getByTestId("permission-card")).toHaveAttribute("data-state", "pending", { timeout: 180_000 });
      await card.getByTestId("permission-once").click();
      await expect(card.getByTestId("permission-answer")).toHaveText(/Allowed once by you/);

      await expect(session.lastAgentMessage()).toContainText(`I wrote ${file}.`, { timeout: 120_000 });
      await waitForStatus(page.request, sessionId, "idle", 120_000);
      // One card for the call (Claude sends it twice: empty, then with its diff), with the new lines.
      const diff = session.toolCalls().getByTestId("tool-diff");
      await expect(diff).toHaveCount(1);
      await expect(diff).toContainText(`written by claude on a ${label}`);
      await expect(card.getByTestId("tool-status")).toHaveText(/done|completed/i);

      // Through the gateway with the team's key, and the file is in the sandbox's workspace.
      expect(anthropic.requests.length).toBeGreaterThan(0);
      for (const request of anthropic.requests) expect(request.key).toBe(TEAM_KEY);
      const { sandboxId } = await (await page.request.get(`/api/sessions/${sessionId}`)).json();
      const content = await page.request.get(`/api/sandboxes/${sandboxId}/files/content?path=${file}`);
      expect(content.status()).toBe(200);
      expect(await content.text()).toContain(`written by claude on a ${label}`);

      await diff.scrollIntoViewIfNeeded();
      await shootLightAndDark(page, `claude-permission-diff-${viewport.width}`);
      const axe = await axeBuilder(page).include("[data-testid=transcript]").analyze();
      expect(axe.violations.filter((violation) => violation.impact === "serious" || violation.impact === "critical")).toEqual([]);
    });
  });
}
