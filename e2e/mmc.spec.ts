// M/M/c: the theory check, fast-forwarded in slices with a progress bar
// while the page stays responsive.
import { test, expect } from "@playwright/test";
import { count, open, shot } from "./support";

test("fast-forward 20,000 customers with the page responsive", async ({ page }, testInfo) => {
  const errors = await open(page, "preset=mmc");
  await page.getByLabel("Orders to fast-forward").fill("20000");
  await page.getByRole("button", { name: "Fast-forward", exact: false }).click();
  await expect(page.getByTestId("message")).toContainText("fast-forwarded to order 20000", { timeout: 30_000 });
  // Exact (seed 1; the engine is deterministic): the 20,000th customer
  // arrived at 5,543.734 s, when 21 were still being served or waiting.
  await expect(page.getByTestId("message")).toContainText("at 5543.734s");
  expect(await count(page, "completed")).toBe(19_979);
  expect(await count(page, "in-flight")).toBe(21);
  // The page answers input right away.
  await page.keyboard.press("+");
  await expect(page.getByTestId("speed")).not.toHaveText("1×");
  await shot(page, testInfo, "mmc-fast-forwarded");
  expect(errors).toEqual([]);
});
