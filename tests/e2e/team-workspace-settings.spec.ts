import { createHash } from "node:crypto";
import { mkdirSync } from "node:fs";
import type { Page } from "@playwright/test";
import { expect, test } from "./support/fixtures";
import { makeRepository, startGitServer, type GitServer } from "../fixtures/git-server";
import { sshKeyPair, startSshGitServer, type SshGitServer } from "../fixtures/ssh-git-server";
import { refuseAlerts } from "./pages/manage-pages";
import { ownTeam } from "./support/api";
import { expectAccessible } from "./support/axe";

// An admin gives the team a repository, an MCP server (stdio and HTTP) and skills on its Settings
// page, sees them listed (the token and the header value never shown back), finds the repository
// in New session, and removes them again; an SSH repository gets a deploy key (generated: its public
// half shown to copy, with the pinned host key; or pasted: never shown back) — at a phone's and a
// desktop's width, light and dark, with the page fitting the window and passing axe.

test.describe.configure({ mode: "serial", timeout: 120_000 });

const SHOTS = process.env.SCREENS_DIR;
if (SHOTS) mkdirSync(SHOTS, { recursive: true });

async function expectFits(page: Page) {
  expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);
}

/** The sections (all three unless named), light then dark, when SCREENS_DIR is set. */
async function shoot(page: Page, name: string, sections = ["repositories", "mcp", "skills"]) {
  if (!SHOTS) return;
  for (const scheme of ["light", "dark"] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    for (const section of sections) await page.getByTestId(`${section}-section`).screenshot({ path: `${SHOTS}/${name}-${section}-${scheme}.png` });
  }
  await page.emulateMedia({ colorScheme: "light" });
}

// The repository is real (a smart-HTTP server on loopback that wants the token), so New session can
// start a sandbox as its clone.
const TOKEN = `ghp_e2e${Math.random().toString(36).slice(2)}`;
let server: GitServer;
let sshServer: SshGitServer;
test.beforeAll(async () => {
  server = await startGitServer(TOKEN);
  sshServer = await startSshGitServer({ root: server.root });
});
test.afterAll(async () => {
  await sshServer?.close();
  await server?.close();
});

const VIEWPORTS = [
  { name: "phone", width: 390, height: 844 },
  { name: "desktop", width: 1440, height: 900 },
] as const;

for (const viewport of VIEWPORTS) {
  test.describe(viewport.name, () => {
    test.use({ viewport: { width: viewport.width, height: viewport.height } });

    test(`repositories, MCP servers and skills are added, listed and removed on Settings (${viewport.width} px)`, async ({ page }) => {
      refuseAlerts(page);
      const teamId = await ownTeam(page.request);
      const headerSecret = `Bearer mcp-${viewport.width}-${Math.random().toString(36).slice(2)}`;
      const repoName = `web-app-${viewport.width}`;
      makeRepository(server.root, `${repoName}.git`, { "README.md": `# ${repoName}\n` });
      server.git(`${repoName}.git`, "branch", "trunk", "main");
      const repoUrl = `${server.url}/${repoName}.git`;
      await page.goto(`/teams/${teamId}/settings`);
      await expect(page.getByTestId("settings-title")).toBeVisible();

      // A repository with a token: listed with its URL and branch, the token only as its kind.
      await page.getByTestId("repository-name").fill(repoName);
      await page.getByTestId("repository-url").fill(repoUrl);
      await page.getByTestId("repository-branch").fill("trunk");
      await page.getByTestId("repository-token").fill(TOKEN);
      await page.getByTestId("repository-form-submit").click();
      const repoRow = page.locator(`[data-testid="repository-row"][data-name="${repoName}"]`);
      await expect(repoRow).toContainText(repoUrl);
      await expect(repoRow).toContainText("trunk");
      await expect(repoRow).toContainText("HTTPS token");
      await expect(page.getByTestId("repository-token")).toHaveValue("");

      // A stdio server and an HTTP one with a secret header.
      await page.getByTestId("mcp-name").fill("files");
      await page.getByTestId("mcp-command").fill("npx");
      await page.getByTestId("mcp-args").fill("-y\n@modelcontextprotocol/server-filesystem\n/workspace");
      await page.getByTestId("mcp-env").fill("LOG_LEVEL=info");
      await page.getByTestId("mcp-form-submit").click();
      const filesRow = page.locator('[data-testid="mcp-row"][data-name="files"]');
      await expect(filesRow).toContainText("npx -y @modelcontextprotocol/server-filesystem /workspace");
      await expect(filesRow).toContainText("LOG_LEVEL");

      await page.getByTestId("mcp-name").fill("tracker");
      await page.getByTestId("mcp-type").selectOption("remote");
      await page.getByTestId("mcp-url").fill("https://mcp.example.test/v1");
      await page.getByTestId("mcp-header-name").first().fill("Authorization");
      await page.getByTestId("mcp-header-value").first().fill(headerSecret);
      await page.getByTestId("mcp-form-submit").click();
      const trackerRow = page.locator('[data-testid="mcp-row"][data-name="tracker"]');
      await expect(trackerRow).toContainText("https://mcp.example.test/v1");
      await expect(trackerRow).toContainText("Authorization");
      await expect(trackerRow).toContainText("values sealed");
      await expect(page.getByTestId("mcp-row")).toHaveCount(2);

      // Another admin adds a server while this page is open: adding one here is refused, says why,
      // and the list shows theirs; what was typed stays, and sent again it joins theirs.
      const read = await page.request.get(`/api/teams/${teamId}/mcp`);
      const elsewhere = { name: "elsewhere", type: "local", command: "true" };
      const written = await page.request.put(`/api/teams/${teamId}/mcp`, {
        data: { servers: [...(await read.json()).servers, elsewhere] },
        headers: { "if-match": read.headers().etag! },
      });
      expect(written.status()).toBe(200);
      await page.getByTestId("mcp-name").fill("late");
      await page.getByTestId("mcp-type").selectOption("local");
      await page.getByTestId("mcp-command").fill("uvx");
      await page.getByTestId("mcp-form-submit").click();
      await expect(page.getByTestId("mcp-form-error")).toContainText("Someone else changed the team's MCP servers");
      const elsewhereRow = page.locator('[data-testid="mcp-row"][data-name="elsewhere"]');
      await expect(elsewhereRow).toBeVisible();
      await expect(page.getByTestId("mcp-name")).toHaveValue("late");
      await shoot(page, `team-workspace-settings-stale-${viewport.width}`, ["mcp"]);
      await page.getByTestId("mcp-form-submit").click();
      const lateRow = page.locator('[data-testid="mcp-row"][data-name="late"]');
      await expect(lateRow).toContainText("uvx");
      await expect(page.getByTestId("mcp-form-error")).toHaveCount(0);
      await expect(page.getByTestId("mcp-row")).toHaveCount(4);
      await lateRow.getByTestId("mcp-remove").click();
      await expect(lateRow).toHaveCount(0);
      await elsewhereRow.getByTestId("mcp-remove").click();
      await expect(elsewhereRow).toHaveCount(0);
      await expect(page.getByTestId("mcp-row")).toHaveCount(2);

      // Skills from a GitHub repository, two of them.
      await page.getByTestId("skill-source").fill("acme/agent-skills");
      await page.getByTestId("skill-names").fill("review, pdf");
      await page.getByTestId("skill-form-submit").click();
      const skillRow = page.locator('[data-testid="skill-row"][data-source="acme/agent-skills"]');
      await expect(skillRow).toContainText("GitHub");
      await expect(skillRow).toContainText("review, pdf");

      // Neither secret is anywhere in the page, nor in what the API answers.
      const html = await page.content();
      expect(html).not.toContain(TOKEN);
      expect(html).not.toContain(headerSecret.slice(7));
      const mcp = await (await page.request.get(`/api/teams/${teamId}/mcp`)).json();
      expect(mcp.servers.find((server: { name: string }) => server.name === "tracker").headers).toEqual({ Authorization: null });

      // Removing the stdio server keeps the HTTP one's sealed header (sent back as null).
      await expectFits(page);
      await expectAccessible(page);
      await shoot(page, `team-workspace-settings-${viewport.width}`);
      await filesRow.getByTestId("mcp-remove").click();
      await expect(filesRow).toHaveCount(0);
      await expect(trackerRow).toContainText("Authorization");

      // New session offers the repository of the team picked in the form, not another team's (the
      // admin is in two at least: the bootstrap team and this spec's), and a session starts from it.
      await page.goto("/sessions/new");
      const teamSelect = page.getByTestId("session-team");
      const repositorySelect = page.getByTestId("session-repository");
      const otherTeam = (await teamSelect.locator(`option:not([value="${teamId}"])`).first().getAttribute("value")) ?? "";
      expect(otherTeam).not.toBe("");
      await teamSelect.selectOption(otherTeam);
      await expect(repositorySelect.locator("option", { hasText: repoName })).toHaveCount(0);
      await teamSelect.selectOption(teamId);
      await repositorySelect.selectOption({ label: repoName });
      await expect(page.getByTestId("session-branch")).toHaveAttribute("placeholder", "trunk");
      await expectFits(page);
      await page.getByTestId("session-title").fill(`From ${repoName}`);
      await page.getByTestId("create-session").click();
      await page.waitForURL(/\/sessions\/(?!new)[^/]+$/);
      const session = await (await page.request.get(`/api/sessions/${page.url().split("/").pop()}`)).json();
      expect(session.teamId).toBe(teamId);
      const sandbox = await (await page.request.get(`/api/sandboxes/${session.sandboxId}`)).json();
      expect(sandbox.repository).toEqual({ id: expect.any(String), branch: "trunk", baseCommit: server.git(`${repoName}.git`, "rev-parse", "trunk").trim() });
      expect((await page.request.delete(`/api/sessions/${session.id}`)).status()).toBe(204);

      // Back on Settings, everything goes.
      await page.goto(`/teams/${teamId}/settings`);
      await trackerRow.getByTestId("mcp-remove").click();
      await expect(page.getByTestId("mcp-empty")).toBeVisible();
      await skillRow.getByTestId("skill-remove").click();
      await expect(page.getByTestId("skill-empty")).toBeVisible();
      await repoRow.getByTestId("repository-remove").click();
      await expect(repoRow).toHaveCount(0);
      await expectFits(page);
      await expectAccessible(page);
    });

    test(`an SSH repository gets a deploy key: a generated one's public key to copy, a pasted one never shown (${viewport.width} px)`, async ({ page }) => {
      refuseAlerts(page);
      await page.context().grantPermissions(["clipboard-read", "clipboard-write"]);
      const teamId = await ownTeam(page.request);
      const repoName = `ssh-app-${viewport.width}`;
      makeRepository(server.root, `${repoName}.git`, { "README.md": `# ${repoName}\n` });
      const repoUrl = `ssh://git@127.0.0.1:${sshServer.port}/${repoName}.git`;
      const hostFingerprint = `SHA256:${createHash("sha256")
        .update(Buffer.from(sshServer.hostPublicKey.split(" ")[1]!, "base64"))
        .digest("base64")
        .replace(/=+$/, "")}`;
      await page.goto(`/teams/${teamId}/settings`);

      await page.getByTestId("repository-name").fill(repoName);
      await page.getByTestId("repository-credential").selectOption("generate");
      await expect(page.getByTestId("repository-token")).toHaveCount(0);
      await expect(page.getByTestId("repository-ssh-note")).toContainText("pinned");
      await page.getByTestId("repository-url").fill(repoUrl);
      await shoot(page, `team-workspace-settings-ssh-form-${viewport.width}`, ["repositories"]);
      await page.getByTestId("repository-form-submit").click();
      const repoRow = page.locator(`[data-testid="repository-row"][data-name="${repoName}"]`);
      await expect(repoRow).toContainText("Deploy key");
      const deployKey = page.locator(`[data-testid="deploy-key"][data-name="${repoName}"]`);
      await expect(deployKey.getByTestId("deploy-key-public")).toHaveText(new RegExp(`^ssh-ed25519 AAAA\\S+ agent-portal:${repoName}$`));
      await expect(deployKey.getByTestId("deploy-key-host")).toContainText(`ssh-ed25519 ${hostFingerprint}`);
      const publicKey = (await deployKey.getByTestId("deploy-key-public").textContent())!;
      await deployKey.getByTestId("deploy-key-public-copy").click();
      await expect(deployKey.getByTestId("deploy-key-public-copy")).toHaveText("Copied");
      expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(publicKey);

      // The admin's own key: listed as a deploy key, its private half nowhere in the page.
      const own = sshKeyPair("own");
      await page.getByTestId("repository-name").fill(`${repoName}-own`);
      await page.getByTestId("repository-credential").selectOption("privateKey");
      await page.getByTestId("repository-url").fill(repoUrl);
      await page.getByTestId("repository-private-key").fill(own.privateKey);
      await page.getByTestId("repository-form-submit").click();
      const ownRow = page.locator(`[data-testid="repository-row"][data-name="${repoName}-own"]`);
      await expect(ownRow).toContainText("Deploy key");
      await expect(page.locator(`[data-testid="deploy-key"][data-name="${repoName}-own"]`).getByTestId("deploy-key-public")).toContainText(
        own.publicKey.split(" ")[1]!,
      );
      expect(await page.content()).not.toContain(own.privateKey.split("\n")[2]!);

      await expectFits(page);
      await expectAccessible(page);
      await shoot(page, `team-workspace-settings-ssh-${viewport.width}`, ["repositories"]);
      await ownRow.getByTestId("repository-remove").click();
      await expect(ownRow).toHaveCount(0);
      await repoRow.getByTestId("repository-remove").click();
      await expect(repoRow).toHaveCount(0);
      await expect(page.getByTestId("deploy-keys")).toHaveCount(0);
    });
  });
}
