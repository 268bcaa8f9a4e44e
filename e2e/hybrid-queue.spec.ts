// Hybrid with a durable queue: Warehouse down builds a backlog in its queue;
// when it comes back the backlog drains to zero and no order is lost.
import { test, expect } from "@playwright/test";
import { counters, node, openAt, queue, runToEnd, seekTo, shot } from "./support";

// Exact figures of this run (seed 1): the engine is deterministic, so they
// are the same on every machine and every try.
const HQ_QUEUE_AT_30S = { waiting: 134, inflight: 0, dlq: 0 };
const HQ_END = { completed: 300, failed: 0, compensated: 0, inconsistent: 0, lost: 0, "in-flight": 0 };

test("warehouse down: the backlog rises, drains after recovery, nothing lost", async ({ page }, testInfo) => {
  const errors = await openAt(page, "preset=hybrid-queue", 2000);
  await page.getByRole("button", { name: "Warehouse down for 30 s" }).click();
  await expect(node(page, "Warehouse")).toHaveAttribute("aria-label", /^Warehouse, down/);
  // Down from 2 s to 32 s: at 30 s the backlog waits in the durable queue.
  await seekTo(page, 30000);
  await expect(node(page, "Warehouse")).toHaveAttribute("aria-label", /^Warehouse, down/);
  expect(await queue(page, "warehouse_q")).toEqual(HQ_QUEUE_AT_30S);
  await shot(page, testInfo, "hybrid-queue-backlog");
  await runToEnd(page);
  expect(await queue(page, "warehouse_q")).toEqual({ waiting: 0, inflight: 0, dlq: 0 });
  expect(await counters(page)).toEqual(HQ_END);
  await shot(page, testInfo, "hybrid-queue-drained");
  expect(errors).toEqual([]);
});
