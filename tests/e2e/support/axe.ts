import AxeBuilder from "@axe-core/playwright";
import { expect, type Page } from "@playwright/test";

/**
 * axe over the page, with the same rules as AxeBuilder's default run, in the page itself (`axe.run`):
 * its default runs them per frame and then assembles the results in a new blank tab — a tab, an axe
 * injection and the page's every passing node copied through the browser at each check, for frames
 * the portal has none of. Only the violations are read, so only they keep all their nodes.
 */
export function axeBuilder(page: Page) {
  return new AxeBuilder({ page }).setLegacyMode().options({ resultTypes: ["violations"] });
}

/** axe finds nothing serious or critical on the page (each finding named with up to five of its elements). */
export async function expectAccessible(page: Page) {
  const results = await axeBuilder(page).analyze();
  const serious = results.violations.filter((violation) => violation.impact === "serious" || violation.impact === "critical");
  expect(
    serious.map(
      (violation) =>
        `${violation.id}: ${violation.nodes
          .map((node) => node.target.join(" "))
          .slice(0, 5)
          .join(", ")}`,
    ),
  ).toEqual([]);
}
