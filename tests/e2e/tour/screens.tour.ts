import { mkdirSync } from "node:fs";
import path from "node:path";
import { expect, test } from "../support/fixtures";
import { NewSessionPage } from "../pages/new-session-page";
import { adminContext, signedOutContext } from "../support/contexts";

// Not a test: a walk through the UI that saves screenshots for people to look at.
// Run with SCREENS_DIR=/some/dir node_modules/.bin/playwright test --project screens
const dir = process.env.SCREENS_DIR ?? "screens";
mkdirSync(dir, { recursive: true });
const shot = (name: string) => path.join(dir, `${name}.png`);

test("tour", async ({ page, browser }) => {
  test.setTimeout(180_000);
  const signedOut = await signedOutContext(browser);
  const loginPage = await signedOut.newPage();
  await loginPage.goto("/login");
  await loginPage.getByTestId("login-email").fill("admin@example.test");
  await loginPage.getByTestId("login-password").fill("wrong-password");
  await loginPage.getByTestId("login-submit").click();
  await expect(loginPage.getByTestId("login-error")).toBeVisible();
  await loginPage.screenshot({ path: shot("01-sign-in-error") });
  await signedOut.close();

  await page.goto("/sessions");
  await page.screenshot({ path: shot("02-sessions-empty") });
  // Nothing waits on anyone yet: the inbox's empty state.
  await page.goto("/inbox");
  await expect(page.locator("h1").first()).toBeVisible();
  await page.screenshot({ path: shot("02-inbox-empty") });

  const create = new NewSessionPage(page);
  await create.goto();
  await page.screenshot({ path: shot("03-new-session") });
  const session = await create.start({ title: "Refactor the billing module" });
  await page.screenshot({ path: shot("04-session-empty") });

  await session.prompt("Please summarise what changed in the billing module since last week and list the risky parts.");
  await session.waitForTurnEnd(1);
  await session.prompt("/stream 2500 150");
  await expect(session.lastAgentMessage()).toContainText(" 600 ", { timeout: 30_000 });
  await expect(session.status()).toHaveAttribute("data-status", "running");
  await page.screenshot({ path: shot("05-session-streaming") });
  // The transcript is a virtual list: after 2,500 chunks the earlier turns are out of the page, so
  // the session's status, not a count of turn ends, says when each turn is over.
  const idle = () => expect(session.status()).toHaveAttribute("data-status", "idle", { timeout: 60_000 });
  await idle();
  await page.screenshot({ path: shot("06-session-streamed") });

  await session.input().fill("/tool");
  await session.send().click();
  await expect(session.permissionCards().last()).toHaveAttribute("data-state", "pending");
  await page.screenshot({ path: shot("07-permission") });
  await page.getByTestId("permission-once").click();
  await idle();
  await page.screenshot({ path: shot("08-permission-answered") });

  await session.input().fill("/markdown");
  await session.send().click();
  await expect(session.lastAgentMessage()).toContainText("This must render as text", { timeout: 30_000 });
  await idle();
  await page.screenshot({ path: shot("09-markdown") });

  await page.context().setOffline(true);
  await expect(session.connection()).toHaveAttribute("data-state", "offline");
  await page.screenshot({ path: shot("10-offline") });
  await page.context().setOffline(false);
  await session.waitUntilLive();

  await page.goto("/sessions");
  await page.screenshot({ path: shot("12-sessions") });
});

// Every page at a small phone, a phone and a desktop, light and dark (full-page shots).
const SIZES = [
  { name: "360", width: 360, height: 740 },
  { name: "390", width: 390, height: 844 },
  { name: "1440", width: 1440, height: 900 },
] as const;

test("every page at every size", async ({ browser, page: first }) => {
  test.setTimeout(300_000);
  const me = await (await first.request.get("/api/me")).json();
  const teamId = me.teams[0].id as string;
  const created = await first.request.post("/api/sessions", {
    data: { teamId, agent: "demo", title: "Fix the login bug in the billing page with a rather long title" },
  });
  const sessionId = (await created.json()).id as string;
  await first.request.post(`/api/sessions/${sessionId}/prompt`, { data: { text: "/markdown" } });
  await expect.poll(async () => (await (await first.request.get(`/api/sessions/${sessionId}`)).json()).status).toBe("idle");
  await first.request.post(`/api/sessions/${sessionId}/prompt`, { data: { text: "/tool" } });
  await expect.poll(async () => (await (await first.request.get(`/api/sessions/${sessionId}`)).json()).status).toBe("awaiting_input");
  // A team with nothing in it yet, for the empty states of its pages.
  const emptyTeamId = (await (await first.request.post("/api/teams", { data: { name: "Empty team" } })).json()).id as string;
  const invitationUrl = (
    await (await first.request.post(`/api/teams/${teamId}/invitations`, { data: { email: `tour-${Date.now()}@example.test`, role: "member" } })).json()
  ).url as string;
  const shareUrl = (await (await first.request.post(`/api/sessions/${sessionId}/shares`, { data: {} })).json()).url as string;
  const paths = [
    "/sessions",
    "/sessions?archived=only",
    "/sessions/new",
    `/sessions/${sessionId}`,
    "/inbox",
    "/teams",
    `/teams/${teamId}/members`,
    `/teams/${teamId}/audit`,
    `/teams/${teamId}/sandboxes`,
    `/teams/${teamId}/usage`,
    `/teams/${teamId}/settings`,
    `/sessions?teamId=${emptyTeamId}`,
    `/teams/${emptyTeamId}/sandboxes`,
    `/teams/${emptyTeamId}/usage`,
    "/account",
    "/settings/tokens",
    "/admin",
    "/sessions/00000000-0000-4000-8000-000000000000",
    "/no-such-page",
  ];
  const signedOutPaths = ["/login", new URL(invitationUrl).pathname, "/invite/no-such-invitation", new URL(shareUrl).pathname];
  const shotName = (url: string) =>
    url === `/sessions/${sessionId}`
      ? "session"
      : url
          .replace(emptyTeamId, "empty-team")
          .replace(teamId, "team")
          .replace(/\/(invite|share)\/[\w-]{20,}/, "/$1")
          .replace(/\W+/g, "-")
          .replace(/^-|-$/g, "");
  for (const size of SIZES) {
    for (const scheme of ["light", "dark"] as const) {
      const context = await adminContext(browser, { viewport: { width: size.width, height: size.height }, colorScheme: scheme });
      const page = await context.newPage();
      for (const url of paths) {
        await page.goto(url);
        await expect(page.locator("h1").first()).toBeVisible();
        if (url === `/sessions/${sessionId}`) await expect(page.getByTestId("permission-card").last()).toBeVisible();
        await page.screenshot({ path: shot(`pages/${size.name}-${scheme}-${shotName(url)}`), fullPage: true });
      }
      if (size.width < 860) {
        // The last paths are not-found pages, and the one outside the app has no account menu.
        await page.goto("/sessions");
        await page.getByTestId("user-menu").click();
        await page.screenshot({ path: shot(`pages/${size.name}-${scheme}-account-menu`) });
      }
      await context.close();
      const stranger = await signedOutContext(browser, { viewport: { width: size.width, height: size.height }, colorScheme: scheme });
      const outside = await stranger.newPage();
      for (const url of signedOutPaths) {
        await outside.goto(url);
        await expect(outside.locator("h1").first()).toBeVisible();
        // A shared transcript loads after the page: shoot it with its messages, not an empty box.
        if (url.startsWith("/share/")) await expect(outside.getByTestId("message-agent").first()).toBeVisible();
        await outside.screenshot({ path: shot(`pages/${size.name}-${scheme}-signed-out-${shotName(url)}`), fullPage: true });
      }
      await stranger.close();
    }
  }
});
