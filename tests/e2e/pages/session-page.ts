import { expect, type Locator, type Page } from "@playwright/test";

export class SessionPage {
  constructor(readonly page: Page) {}

  readonly transcript = () => this.page.getByTestId("transcript");
  readonly connection = () => this.page.getByTestId("connection-state");
  readonly status = () => this.page.getByTestId("session-status").getByTestId("status-badge");
  readonly input = () => this.page.getByTestId("composer-input");
  readonly send = () => this.page.getByTestId("composer-send");
  readonly stop = () => this.page.getByTestId("stop-turn");
  readonly agentMessages = () => this.transcript().getByTestId("message-agent");
  readonly userMessages = () => this.transcript().getByTestId("message-user");
  readonly turnEnds = () => this.transcript().getByTestId("turn-end");
  readonly permissionCards = () => this.transcript().getByTestId("permission-card");
  readonly toolCalls = () => this.transcript().getByTestId("tool-call");
  readonly modeSelect = () => this.page.getByTestId("select-mode");
  readonly destroyButton = () => this.page.getByTestId("destroy-session");
  readonly confirmDestroy = () => this.page.getByTestId("confirm-destroy");
  readonly error = () => this.page.getByTestId("session-error");

  get id() {
    const match = /\/sessions\/([^/?#]+)/.exec(this.page.url());
    if (!match?.[1]) throw new Error(`not on a session page: ${this.page.url()}`);
    return match[1];
  }

  async goto(id: string) {
    await this.page.goto(`/sessions/${id}`);
    await this.waitUntilLive();
  }

  async waitUntilLive() {
    await expect(this.connection()).toHaveAttribute("data-state", /live|restorable/);
  }

  /** Sends a prompt and waits for it to show up in the transcript. */
  async prompt(text: string) {
    const before = await this.userMessages().count();
    await this.input().fill(text);
    await this.send().click();
    await expect(this.userMessages()).toHaveCount(before + 1);
  }

  async waitForTurnEnd(count: number, stopReason = "end_turn") {
    await expect(this.turnEnds()).toHaveCount(count, { timeout: 30_000 });
    await expect(this.turnEnds().nth(count - 1)).toHaveAttribute("data-stop-reason", stopReason);
  }

  lastAgentMessage(): Locator {
    return this.agentMessages().last().getByTestId("message-body");
  }
}
