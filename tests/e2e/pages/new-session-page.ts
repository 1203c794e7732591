import { expect, type Page } from "@playwright/test";
import { SessionPage } from "./session-page";

export class NewSessionPage {
  constructor(private readonly page: Page) {}

  readonly agent = (id: string) => this.page.getByTestId(`agent-${id}`);
  readonly title = () => this.page.getByTestId("session-title");
  readonly create = () => this.page.getByTestId("create-session");

  async goto() {
    await this.page.goto("/sessions/new");
    await expect(this.create()).toBeVisible();
  }

  readonly setting = (name: "model" | "mode" | "thoughtLevel") => this.page.getByTestId(`new-session-${name}`);

  /** Starts a session with the given agent (and settings, when given) and waits for its live view. */
  async start({
    agent = "demo",
    title,
    settings = {},
  }: { agent?: string; title?: string; settings?: { model?: string; mode?: string; thoughtLevel?: string } } = {}) {
    if (!/\/sessions\/new$/.test(this.page.url())) await this.goto();
    await this.agent(agent).check({ force: true });
    if (title) await this.title().fill(title);
    for (const [name, value] of Object.entries(settings)) await this.setting(name as "model" | "mode" | "thoughtLevel").selectOption(value);
    await this.create().click();
    await this.page.waitForURL(/\/sessions\/(?!new)[^/]+$/);
    const session = new SessionPage(this.page);
    await session.waitUntilLive();
    return session;
  }
}
