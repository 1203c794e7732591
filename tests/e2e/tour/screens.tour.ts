import { mkdirSync } from "node:fs";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { NewSessionPage } from "../pages/new-session-page";
import { SessionPage } from "../pages/session-page";

// Not a test: a walk through the UI that saves screenshots for people to look at.
// Run with SCREENS_DIR=/some/dir node_modules/.bin/playwright test --project screens
const dir = process.env.SCREENS_DIR ?? "screens";
mkdirSync(dir, { recursive: true });
const shot = (name: string) => path.join(dir, `${name}.png`);

test("tour", async ({ page, browser }) => {
  test.setTimeout(180_000);
  const signedOut = await browser.newContext({ storageState: { cookies: [], origins: [] } });
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

  const create = new NewSessionPage(page);
  await create.goto();
  await page.screenshot({ path: shot("03-new-session") });
  const session = await create.start({ title: "Refactor the billing module" });
  await page.screenshot({ path: shot("04-session-empty") });

  await session.prompt("Please summarise what changed in the billing module since last week and list the risky parts.");
  await session.waitForTurnEnd(1);
  await session.prompt("/stream 4000 800");
  await page.waitForTimeout(1500);
  await page.screenshot({ path: shot("05-session-streaming") });
  await session.waitForTurnEnd(2);
  await page.screenshot({ path: shot("06-session-streamed") });

  await session.prompt("/tool");
  await expect(session.permissionCards().last()).toHaveAttribute("data-state", "pending");
  await page.screenshot({ path: shot("07-permission") });
  await page.getByTestId("permission-once").click();
  await session.waitForTurnEnd(3);
  await page.screenshot({ path: shot("08-permission-answered") });

  await session.prompt("/markdown");
  await session.waitForTurnEnd(4);
  await page.screenshot({ path: shot("09-markdown") });

  // A restorable session: the runtime dies under it.
  const runtime = await (await page.request.get("/api/admin/runtime")).json();
  process.kill(runtime.pid, "SIGKILL");
  await expect(session.status()).toHaveAttribute("data-status", "restorable", { timeout: 30_000 });
  await page.screenshot({ path: shot("10-restorable") });

  await page.goto("/sessions");
  await page.screenshot({ path: shot("11-sessions") });
  const sessionView = new SessionPage(page);
  void sessionView;
});
