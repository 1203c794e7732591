import type { Browser, BrowserContext, BrowserContextOptions, Page } from "@playwright/test";
import { LoginPage } from "../pages/login-page";
import { refuseAlerts } from "../pages/manage-pages";
import { workerPortal } from "./fixtures";

// Browser contexts beyond a test's own `page`, made in one place so that each one's base URL and the
// Origin its `context.request` writes send always name the same portal: a cookie write without the
// portal's own Origin is refused (lib/api/with-route.ts), and a context on another portal than the
// worker's (a test that starts its own) would otherwise inherit the worker portal's Origin.

type Look = Pick<BrowserContextOptions, "viewport" | "colorScheme">;

const suiteBaseUrl = () => workerPortal().baseUrl;

function portalContext(browser: Browser, baseUrl: string, options: BrowserContextOptions): Promise<BrowserContext> {
  return browser.newContext({ ...options, baseURL: baseUrl, extraHTTPHeaders: { origin: baseUrl } });
}

/** Signed in as the worker portal's admin (its first sign-in, support/fixtures.ts). */
export function adminContext(browser: Browser, look: Look = {}): Promise<BrowserContext> {
  return portalContext(browser, suiteBaseUrl(), { ...look, storageState: workerPortal().adminState });
}

/** Signed in as nobody: a stranger opening a link, or someone about to sign in. */
export function signedOutContext(browser: Browser, look: Look = {}): Promise<BrowserContext> {
  return portalContext(browser, suiteBaseUrl(), { ...look, storageState: { cookies: [], origins: [] } });
}

/** A fresh context signed in through the login page as this person. */
export async function signedInContext(browser: Browser, email: string, password: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await signedOutContext(browser);
  const page = await context.newPage();
  refuseAlerts(page);
  const login = new LoginPage(page);
  await login.goto();
  await login.signIn(email, password);
  await page.waitForURL(/\/sessions$/);
  return { context, page };
}

/** On a portal a test started itself, with a sign-in cookie of that portal (`name=value; name=value`). */
export async function contextOnPortal(browser: Browser, baseUrl: string, cookie: string, look: Look = {}): Promise<BrowserContext> {
  const context = await portalContext(browser, baseUrl, { ...look, storageState: { cookies: [], origins: [] } });
  const domain = new URL(baseUrl).hostname;
  await context.addCookies(
    cookie.split("; ").map((pair) => ({ name: pair.slice(0, pair.indexOf("=")), value: pair.slice(pair.indexOf("=") + 1), domain, path: "/" })),
  );
  return context;
}
