// Hybrid: inventory and payment synchronous, the rest asynchronous. A payment
// failure releases the reserved stock (compensation) and nothing is
// inconsistent.
import { test, expect } from "@playwright/test";
import { count, open, pause, play, runToEnd, shot, stock, untilSim } from "./support";

test("payment down: compensation releases stock, no inconsistent order", async ({ page }, testInfo) => {
  const errors = await open(page, "preset=hybrid&speed=4");
  await play(page);
  await untilSim(page, 2);
  await pause(page);
  await page.getByRole("button", { name: "Payment down for 10 s" }).click();
  await play(page);
  await expect.poll(() => count(page, "compensated"), { timeout: 20_000 }).toBeGreaterThan(0);
  await shot(page, testInfo, "hybrid-compensating");
  await runToEnd(page);
  expect(await count(page, "inconsistent")).toBe(0);
  expect(await count(page, "lost")).toBe(0);
  expect((await count(page, "completed")) + (await count(page, "compensated")) + (await count(page, "failed"))).toBe(240);
  for (const [sku, l] of Object.entries(await stock(page))) expect(l.reserved, sku).toBe(0);
  expect(errors).toEqual([]);
});
