// Hybrid with a durable queue: Warehouse down builds a backlog in its queue;
// when it comes back the backlog drains to zero and no order is lost.
import { test, expect } from "@playwright/test";
import { count, node, open, pause, play, queue, runToEnd, shot, untilSim } from "./support";

test("warehouse down: the backlog rises, drains after recovery, nothing lost", async ({ page }, testInfo) => {
  const errors = await open(page, "preset=hybrid-queue&speed=5");
  await play(page);
  await untilSim(page, 2);
  await pause(page);
  await page.getByRole("button", { name: "Warehouse down for 30 s" }).click();
  await expect(node(page, "Warehouse")).toHaveAttribute("aria-label", /^Warehouse, down/);
  await play(page);
  await expect.poll(async () => (await queue(page, "warehouse_q")).waiting, { timeout: 20_000 }).toBeGreaterThan(10);
  await shot(page, testInfo, "hybrid-queue-backlog");
  await runToEnd(page);
  expect((await queue(page, "warehouse_q")).waiting).toBe(0);
  expect((await queue(page, "warehouse_q")).inflight).toBe(0);
  expect(await count(page, "lost")).toBe(0);
  expect(await count(page, "inconsistent")).toBe(0);
  expect(await count(page, "in-flight")).toBe(0);
  await shot(page, testInfo, "hybrid-queue-drained");
  expect(errors).toEqual([]);
});
