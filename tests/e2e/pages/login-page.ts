import { expect, type Page } from "@playwright/test";

export class LoginPage {
  constructor(private readonly page: Page) {}

  readonly email = () => this.page.getByTestId("login-email");
  readonly password = () => this.page.getByTestId("login-password");
  readonly submit = () => this.page.getByTestId("login-submit");
  readonly error = () => this.page.getByTestId("login-error");
  readonly ssoButton = () => this.page.getByTestId("sso-button");

  async goto() {
    await this.page.goto("/login");
    await expect(this.submit()).toBeEnabled();
  }

  async signIn(email: string, password: string) {
    await this.email().fill(email);
    await this.password().fill(password);
    await this.submit().click();
  }
}
