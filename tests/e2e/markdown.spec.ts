import { expect, test } from "./support/fixtures";
import { NewSessionPage } from "./pages/new-session-page";
import { keepShot } from "./support/screens";

test("/markdown renders formatting, and raw HTML stays text", async ({ page }) => {
  const dialogs: string[] = [];
  page.on("dialog", (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  const session = await new NewSessionPage(page).start({ title: "Markdown e2e" });
  await session.prompt("/markdown");
  await session.waitForTurnEnd(1);

  const message = session.lastAgentMessage();
  await expect(message.getByRole("heading", { name: "Markdown sampler" })).toBeVisible();
  await expect(message.getByRole("table")).toContainText("asks for permission");
  await expect(message.locator("pre code")).toContainText("export function greet");
  // Highlighted once the highlighter has loaded: coloured tokens, still only text.
  await expect(message.getByTestId("highlighted-code")).toContainText("export function greet");
  expect(await message.getByTestId("highlighted-code").locator("span[style]").count()).toBeGreaterThan(3);
  await keepShot(page, "markdown");
  await expect(message.getByRole("link", { name: "link to the ACP docs" })).toHaveAttribute("rel", /noopener/);
  await expect(message.locator("strong")).toHaveText("bold");

  // The HTML is shown as text, and no element was made from it.
  await expect(message).toContainText("This must render as text, never run: <img src=x onerror=alert(1)>");
  await expect(page.locator("main img")).toHaveCount(0);
  await expect(page.locator("[onerror]")).toHaveCount(0);
  expect(dialogs).toEqual([]);
});
