import { expect, test } from "./support/fixtures";
import { LoginPage } from "./pages/login-page";
import { SessionsPage } from "./pages/sessions-page";
import { admin } from "./support/users";

// These start signed out.
test.use({ storageState: { cookies: [], origins: [] } });

test("a wrong password shows one plain sentence and stays on the sign-in page", async ({ page }) => {
  const login = new LoginPage(page);
  await login.goto();
  await login.signIn(admin.email, "not-the-password");
  await expect(login.error()).toHaveText("Wrong email or password.");
  await expect(page).toHaveURL(/\/login/);

  // An unknown email reads exactly the same: the page does not tell which part was wrong.
  await login.signIn("nobody@example.test", "not-the-password");
  await expect(login.error()).toHaveText("Wrong email or password.");
  await expect(page.getByTestId("current-user")).toHaveCount(0);
});

test("the right password lands on /sessions and sign-out ends the session", async ({ page }) => {
  await page.goto("/sessions");
  await expect(page).toHaveURL(/\/login/);

  const login = new LoginPage(page);
  await login.signIn(admin.email, admin.password);
  await page.waitForURL(/\/sessions$/);
  const sessions = new SessionsPage(page);
  await expect(sessions.currentUser()).toHaveText(admin.email);

  await sessions.signOut();
  await page.goto("/sessions");
  await expect(page).toHaveURL(/\/login/);
  const me = await page.request.get("/api/me");
  expect(me.status()).toBe(401);
});
