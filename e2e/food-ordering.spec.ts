// Food ordering: the Kitchen is fed by a queue, its "meal ready" event makes
// Delivery assign a courier, and the customer hears by push.
import { test, expect } from "@playwright/test";
import { count, metric, node, open, runToEnd, shot } from "./support";

test("kitchen and delivery: every meal is delivered, a slow kitchen shows", async ({ page }, testInfo) => {
  const errors = await open(page, "preset=food-ordering&orders=30&speed=10");
  await expect(page.getByRole("radio", { name: "202 + push" })).toBeChecked();
  await expect(node(page, "Kitchen")).toBeVisible();
  await expect(node(page, "Delivery")).toBeVisible();
  await page.getByRole("button", { name: "Kitchen 3× slower for 30 s" }).click();
  await expect(node(page, "Kitchen")).toHaveAttribute("aria-label", /latency ×3/);
  await shot(page, testInfo, "food-ordering-slow-kitchen");
  await runToEnd(page);
  expect(await count(page, "completed")).toBe(30);
  expect(await count(page, "lost")).toBe(0);
  // Four pushes per order (exact: the engine is deterministic).
  expect(await metric(page, "pushes")).toBe(120);
  expect(errors).toEqual([]);
});
