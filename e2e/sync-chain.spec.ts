// Synchronous chain: with Payment down, the client is told the order failed
// and the stock Inventory reserved for it goes back on the shelf. The 8
// failed orders are SKU-RED orders refused once it ran out (nothing to undo).
import { test, expect } from "@playwright/test";
import { count, counters, node, openAt, runToEnd, seekTo, shot, stock } from "./support";

// Exact figures of this run (seed 1): the engine is deterministic, so they
// are the same on every machine and every try.
const SYNC_AT_11S = { completed: 7, failed: 0, compensated: 29, inconsistent: 0, lost: 0, "in-flight": 0 };
const SYNC_END = { completed: 162, failed: 8, compensated: 70, inconsistent: 0, lost: 0, "in-flight": 0 };

test("payment down: the client gets a failure and stock is restored", async ({ page }, testInfo) => {
  const errors = await openAt(page, "preset=sync-chain", 2000);
  expect(await count(page, "compensated")).toBe(0);
  await page.getByRole("button", { name: "Payment down for 10 s" }).click();
  await expect(page.getByTestId("message")).toContainText("applied: payment down");
  await expect(node(page, "Payment")).toHaveAttribute("aria-label", /^Payment, down/);
  // Failures come from our fault (2 s to 12 s), before the preset's own
  // outage at 15 s.
  await seekTo(page, 11000);
  await expect(node(page, "Payment")).toHaveAttribute("aria-label", /^Payment, down/);
  expect(await counters(page)).toEqual(SYNC_AT_11S);
  await shot(page, testInfo, "sync-chain-payment-down");
  await runToEnd(page);
  expect(await counters(page)).toEqual(SYNC_END);
  // Every reservation was either shipped or released: nothing is left held.
  const levels = await stock(page);
  expect(Object.keys(levels).length).toBeGreaterThan(0);
  for (const [sku, l] of Object.entries(levels)) expect(l.reserved, sku).toBe(0);
  await shot(page, testInfo, "sync-chain-end");
  expect(errors).toEqual([]);
});
