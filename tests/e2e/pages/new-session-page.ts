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

  /** Starts a session with the given agent and waits for its live view. */
  async start({ agent = "demo", title }: { agent?: string; title?: string } = {}) {
    if (!/\/sessions\/new$/.test(this.page.url())) await this.goto();
    await this.agent(agent).check({ force: true });
    if (title) await this.title().fill(title);
    await this.create().click();
    await this.page.waitForURL(/\/sessions\/(?!new)[^/]+$/);
    const session = new SessionPage(this.page);
    await session.waitUntilLive();
    return session;
  }
}
