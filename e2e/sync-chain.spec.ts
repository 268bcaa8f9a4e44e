// Synchronous chain: with Payment down, the client is told the order failed
// and the stock Inventory reserved for it goes back on the shelf.
import { test, expect } from "@playwright/test";
import { count, node, open, pause, play, runToEnd, shot, simSeconds, stock, untilSim } from "./support";

test("payment down: the client gets a failure and stock is restored", async ({ page }, testInfo) => {
  const errors = await open(page, "preset=sync-chain&speed=4");
  await play(page);
  await untilSim(page, 2);
  await pause(page);
  expect(await count(page, "compensated")).toBe(0);
  await page.getByRole("button", { name: "Payment down for 10 s" }).click();
  await expect(page.getByTestId("message")).toContainText("applied: payment down");
  await expect(node(page, "Payment")).toHaveAttribute("aria-label", /^Payment, down/);
  await play(page);
  // Failures come from our fault, before the preset's own outage at 15 s.
  await expect.poll(() => count(page, "compensated"), { timeout: 20_000 }).toBeGreaterThan(0);
  expect(await simSeconds(page)).toBeLessThan(15);
  await shot(page, testInfo, "sync-chain-payment-down");
  await runToEnd(page);
  expect(await count(page, "in-flight")).toBe(0);
  expect(await count(page, "inconsistent")).toBe(0);
  expect(await count(page, "lost")).toBe(0);
  expect(await count(page, "compensated")).toBeGreaterThan(0);
  // Every reservation was either shipped or released: nothing is left held.
  const levels = await stock(page);
  expect(Object.keys(levels).length).toBeGreaterThan(0);
  for (const [sku, l] of Object.entries(levels)) expect(l.reserved, sku).toBe(0);
  await shot(page, testInfo, "sync-chain-end");
  expect(errors).toEqual([]);
});
