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
  readonly modelSelect = () => this.page.getByTestId("select-model");
  readonly thoughtLevelSelect = () => this.page.getByTestId("select-thought-level");
  readonly thoughts = () => this.transcript().getByTestId("thought");
  readonly destroyButton = () => this.page.getByTestId("destroy-session");
  readonly confirmDestroy = () => this.page.getByTestId("confirm-destroy");
  readonly error = () => this.page.getByTestId("session-error");
  readonly composer = () => this.page.getByTestId("composer");
  readonly heading = () => this.page.getByTestId("session-title-heading");
  readonly sidebar = () => this.page.getByTestId("session-sidebar");
  readonly sidebarEntry = (sessionId: string) => this.page.locator(`[data-testid="sidebar-session"][data-session-id="${sessionId}"]`);
  readonly controls = () => this.page.getByTestId("session-controls");
  readonly detailsButton = () => this.page.getByTestId("open-details");
  readonly actions = () => this.page.getByTestId("session-actions");
  readonly rawDrawer = () => this.page.getByTestId("raw-events-drawer");
  readonly loading = () => this.page.getByTestId("transcript-loading");

  /** Settings and details: beside the transcript on a wide screen, in a sheet on a phone. */
  async openDetails() {
    if (!(await this.modeSelect().isVisible())) await this.detailsButton().click();
    await expect(this.modeSelect()).toBeVisible();
  }

  async rename(title: string) {
    await this.actions().click();
    await this.page.getByTestId("rename-session").click();
    await this.page.getByTestId("rename-input").fill(title);
    await this.page.getByTestId("rename-save").click();
    await expect(this.heading()).toHaveText(title);
  }

  async toggleArchive() {
    await this.actions().click();
    await this.page.getByTestId("archive-session").click();
  }

  async openRawStream() {
    await this.actions().click();
    await this.page.getByTestId("open-raw-stream").click();
    await expect(this.rawDrawer()).toBeVisible();
  }

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
