// Pizza: OrderPlaced goes to competing Order workers and fans out to
// OrderHistory and OrderExecutor; OrderStatus events (Prep, Bake, Oven, Ready)
// reach the customer through the callback URL.
import { test, expect } from "@playwright/test";
import { count, metric, node, open, runToEnd, shot } from "./support";

test("events, competing workers, fanout and status by callback", async ({ page }, testInfo) => {
  const errors = await open(page, "preset=pizza&orders=12&speed=10");
  await expect(page.getByRole("radio", { name: "202 + callback" })).toBeChecked();
  for (const label of ["Order Workers", "Order History", "Order Executor"]) {
    await expect(node(page, label)).toBeVisible();
  }
  await runToEnd(page);
  expect(await count(page, "completed")).toBe(12);
  // Exact (seed 1; the engine is deterministic): more than one per order.
  expect(await metric(page, "webhooks-sent")).toBe(55);
  // The log shows the status events the customer was sent.
  const log = page.getByRole("region", { name: "Event log" });
  await log.getByLabel("Filter by order").fill("3");
  await log.getByLabel("Filter by kind").selectOption("callbacks");
  for (const status of ["PREP", "BAKE", "OVEN", "READY"]) {
    await expect(log.getByText(new RegExp(`\\b${status}\\b`)).first()).toBeVisible();
  }
  await shot(page, testInfo, "pizza-end");
  expect(errors).toEqual([]);
});
