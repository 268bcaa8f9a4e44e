// M/M/c: the theory check, fast-forwarded in slices with a progress bar
// while the page stays responsive.
import { test, expect } from "@playwright/test";
import { count, open, shot } from "./support";

test("fast-forward 20,000 customers with the page responsive", async ({ page }, testInfo) => {
  const errors = await open(page, "preset=mmc");
  await page.getByLabel("Orders to fast-forward").fill("20000");
  await page.getByRole("button", { name: "Fast-forward", exact: false }).click();
  await expect(page.getByTestId("message")).toContainText("fast-forwarded to order 20000", { timeout: 30_000 });
  expect(await count(page, "completed")).toBeGreaterThan(19_000);
  // The page answers input right away.
  await page.keyboard.press("+");
  await expect(page.getByTestId("speed")).not.toHaveText("1×");
  await shot(page, testInfo, "mmc-fast-forwarded");
  expect(errors).toEqual([]);
});
