import { expect, test as setup } from "@playwright/test";
import { STORAGE_STATE } from "./support/paths";
import { LoginPage } from "./pages/login-page";
import { admin } from "./support/users";

// Signs in once through the UI; every spec project starts from this saved session.
setup("sign in as the admin", async ({ page }) => {
  const login = new LoginPage(page);
  await login.goto();
  await login.signIn(admin.email, admin.password);
  await page.waitForURL(/\/sessions$/);
  await expect(page.getByTestId("current-user")).toHaveText(admin.email);
  await page.context().storageState({ path: STORAGE_STATE });
});
