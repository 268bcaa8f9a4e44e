// Surge: a rate spike queues work at the bottleneck. Adding replicas there
// (a recorded command) is what keeps latency down.
import { test, expect } from "@playwright/test";
import { count, node, open, pause, play, runToEnd, shot, untilSim } from "./support";

test("a surge queues work at the bottleneck; more replicas are a recorded command", async ({ page }, testInfo) => {
  const errors = await open(page, "preset=surge&speed=4");
  await play(page);
  // The spike runs from 10 s to 25 s.
  await untilSim(page, 14);
  await pause(page);
  await shot(page, testInfo, "surge-spike");
  const labels = await page.getByRole("img", { name: /queued/ }).all();
  expect(labels.length, "some service has queued requests during the spike").toBeGreaterThan(0);

  await node(page, "Payment").click();
  const controls = page.getByRole("group", { name: "Controls for Payment" });
  await expect(controls).toBeVisible();
  const before = Number(await controls.getByRole("status", { name: "Replicas" }).textContent());
  await controls.getByRole("button", { name: "More replicas" }).click();
  await expect(controls.getByRole("status", { name: "Replicas" })).toHaveText(String(before + 1));
  await expect(page.getByTestId("message")).toContainText("applied:");
  await expect(page).toHaveURL(/cmds=/);
  await runToEnd(page);
  expect(await count(page, "in-flight")).toBe(0);
  expect(await count(page, "completed")).toBeGreaterThan(1000);
  await shot(page, testInfo, "surge-end");
  expect(errors).toEqual([]);
});
