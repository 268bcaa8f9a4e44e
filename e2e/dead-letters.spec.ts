// Redelivery and dead letters: a consumer that fails every delivery gets
// each message five times, then the broker moves it to the dead-letter queue
// and says so on the diagram. The orders were paid but never shipped.
import { test, expect } from "@playwright/test";
import { count, node, open, pause, play, queue, runToEnd, shot, untilSim } from "./support";

test("a failing consumer: redeliveries, then dead letters, shown on the broker", async ({ page }, testInfo) => {
  const errors = await open(page, "preset=hybrid-queue&speed=4&orders=60");
  await play(page);
  await untilSim(page, 1);
  await pause(page);
  await node(page, "Warehouse").click();
  const controls = page.getByRole("group", { name: "Controls for Warehouse" });
  await controls.getByLabel("Error rate").fill("100");
  await expect(page.getByTestId("message")).toContainText("applied: warehouse error rate 100%");
  await expect(node(page, "Warehouse")).toHaveAttribute("aria-label", /failing 100% of requests/);
  await play(page);
  // The broker announces each message it dead-letters while it happens.
  await expect(node(page, "Message Broker")).toHaveAttribute("aria-label", /dead-lettering messages/, {
    timeout: 20_000,
  });
  await pause(page);
  await shot(page, testInfo, "dead-lettering");
  expect((await queue(page, "warehouse_q")).dlq).toBeGreaterThan(0);
  expect((await queue(page, "dead_letters")).waiting).toBeGreaterThan(0);
  // Back to normal: what was dead-lettered stays there, new orders ship.
  await controls.getByLabel("Error rate").fill("0");
  await runToEnd(page);
  const parked = (await queue(page, "dead_letters")).waiting;
  expect(parked).toBe((await queue(page, "warehouse_q")).dlq + (await queue(page, "notification_q")).dlq);
  expect(await count(page, "inconsistent")).toBeGreaterThan(0);
  expect(await count(page, "completed")).toBeGreaterThan(0);
  expect(await count(page, "lost")).toBe(0);
  expect(await count(page, "in-flight")).toBe(0);
  await expect(node(page, "Message Broker")).not.toHaveAttribute("aria-label", /dead-lettering/);
  expect(errors).toEqual([]);
});
