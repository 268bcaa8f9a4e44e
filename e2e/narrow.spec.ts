// Readable at every width: a wide desktop, a documentation column and a
// phone. Nothing widens the page; below a column's width the panels under
// the diagram show one at a time behind a tab bar (mouse and keyboard), the
// diagram keeps legible labels and scrolls sideways inside its own panel,
// and a pick in the diagram opens the panel about it.
import { test, expect, type Page } from "@playwright/test";
import { axeFindings, node, openAt, shot, timeText } from "./support";

const WIDTHS = [1440, 700, 390] as const;

async function pageOverflow(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
}

function panel(page: Page, name: string) {
  return page.getByRole("region", { name });
}

for (const width of WIDTHS) {
  for (const scheme of ["light", "dark"] as const) {
    test(`hybrid at ${width} px, ${scheme} theme: nothing overflows, no serious axe finding`, async ({ page }, testInfo) => {
      await page.setViewportSize({ width, height: 900 });
      await page.emulateMedia({ colorScheme: scheme });
      await openAt(page, "preset=hybrid&seed=1", 5000);
      expect(await pageOverflow(page)).toBeLessThanOrEqual(0);
      // The diagram's labels stay at a legible size: its drawing is never
      // squeezed under 600 px (it scrolls inside its panel instead).
      const drawn = await page.locator(".diagram__stage").boundingBox();
      expect(drawn!.width).toBeGreaterThanOrEqual(600);
      expect(await axeFindings(page)).toEqual([]);
      await shot(page, testInfo, `hybrid-${width}-${scheme}`);
    });
  }
}

test("at 1440 px every panel shows and there is no tab bar", async ({ page }) => {
  await page.setViewportSize({ width: 1440, height: 900 });
  await openAt(page, "preset=hybrid&seed=1", 5000);
  await expect(page.getByRole("tablist", { name: "Panels" })).toBeHidden();
  for (const name of ["Metrics", "Event log", "Order inspector", "Break things"]) {
    await expect(panel(page, name)).toBeVisible();
  }
});

for (const width of [700, 390]) {
  test(`at ${width} px the panels are tabs, by mouse and by keyboard`, async ({ page }) => {
    await page.setViewportSize({ width, height: 900 });
    await openAt(page, "preset=hybrid&seed=1", 5000);
    const tabs = page.getByRole("tablist", { name: "Panels" });
    await expect(tabs).toBeVisible();
    // Metrics first, the others hidden.
    await expect(tabs.getByRole("tab", { name: "Metrics" })).toHaveAttribute("aria-selected", "true");
    await expect(panel(page, "Metrics")).toBeVisible();
    await expect(panel(page, "Event log")).toBeHidden();

    await tabs.getByRole("tab", { name: "Log" }).click();
    await expect(panel(page, "Event log")).toBeVisible();
    await expect(panel(page, "Metrics")).toBeHidden();
    await expect(page.getByTestId("log-count")).toHaveText(/\d+ rows/);

    // Arrow keys move between tabs (wrapping) and do not reach the page's
    // own shortcuts: → is "step" elsewhere, and the time stays put.
    await tabs.getByRole("tab", { name: "Log" }).focus();
    await page.keyboard.press("ArrowRight");
    await expect(tabs.getByRole("tab", { name: "Break things" })).toBeFocused();
    await expect(panel(page, "Break things")).toBeVisible();
    await page.keyboard.press("ArrowRight");
    await expect(tabs.getByRole("tab", { name: "Metrics" })).toBeFocused();
    await page.keyboard.press("End");
    await expect(tabs.getByRole("tab", { name: "Break things" })).toHaveAttribute("aria-selected", "true");
    await expect(page.getByTestId("time")).toHaveText(timeText(5000));

    // An order picked in the log opens the inspector on it; a service
    // picked in the diagram opens its controls.
    await tabs.getByRole("tab", { name: "Log" }).click();
    await panel(page, "Event log").locator(".log__row", { hasText: "o#" }).last().click();
    await expect(tabs.getByRole("tab", { name: "Order" })).toHaveAttribute("aria-selected", "true");
    await expect(panel(page, "Order inspector")).toBeVisible();
    await expect(page.getByLabel("Order to inspect")).toHaveValue(/^\d+$/);
    await tabs.getByRole("tab", { name: "Metrics" }).click();
    await node(page, "Order Service").click();
    await expect(tabs.getByRole("tab", { name: "Break things" })).toHaveAttribute("aria-selected", "true");
    await expect(page.getByRole("group", { name: "Controls for Order Service" })).toBeVisible();
    expect(await pageOverflow(page)).toBeLessThanOrEqual(0);
  });
}
