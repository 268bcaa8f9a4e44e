// Surge: a rate spike queues work at the bottleneck. Adding replicas there
// (a recorded command) is what keeps latency down.
import { test, expect } from "@playwright/test";
import { counters, node, openAt, runToEnd, shot } from "./support";

// Exact figures of this run (seed 1): the engine is deterministic, so they
// are the same on every machine and every try.
const SURGE_REPLICAS = "1";
const SURGE_END = { completed: 1700, failed: 0, compensated: 0, inconsistent: 0, lost: 0, "in-flight": 0 };

test("a surge queues work at the bottleneck; more replicas are a recorded command", async ({ page }, testInfo) => {
  // The spike runs from 10 s to 25 s.
  const errors = await openAt(page, "preset=surge", 14000);
  await shot(page, testInfo, "surge-spike");
  // The bottleneck: the order service and payment have every worker busy and a queue.
  await expect(node(page, "Order Service")).toHaveAttribute("aria-label", /32 of 32 workers busy, 81 queued/);
  await expect(node(page, "Payment")).toHaveAttribute("aria-label", /8 of 8 workers busy, 22 queued/);
  await expect(node(page, "Inventory")).toHaveAttribute("aria-label", /0 queued/);
  // The cost beside latency: our 8 replicas (not the client, not the
  // provider) for 14 s so far.
  await expect(page.getByTestId("cost").locator('[data-cost="replica-seconds"]')).toHaveText("112.0");

  await node(page, "Payment").click();
  const controls = page.getByRole("group", { name: "Controls for Payment" });
  await expect(controls).toBeVisible();
  await expect(controls.getByRole("status", { name: "Replicas" })).toHaveText(SURGE_REPLICAS);
  await controls.getByRole("button", { name: "More replicas" }).click();
  await expect(controls.getByRole("status", { name: "Replicas" })).toHaveText(String(Number(SURGE_REPLICAS) + 1));
  await expect(page.getByTestId("message")).toContainText("applied:");
  await expect(page).toHaveURL(/cmds=/);
  await runToEnd(page);
  expect(await counters(page)).toEqual(SURGE_END);
  await shot(page, testInfo, "surge-end");
  expect(errors).toEqual([]);
});
