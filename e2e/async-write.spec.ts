// Async write: 202 + polling wastes polls while the order is pending;
// a callback (webhook) does not poll at all.
import { test, expect } from "@playwright/test";
import { count, metric, open, runToEnd, shot } from "./support";

test("wasted polls are counted under polling only", async ({ page }, testInfo) => {
  const errors = await open(page, "preset=async-write&orders=60");
  await expect(page.getByRole("radio", { name: "202 + polling" })).toBeChecked();
  await runToEnd(page);
  // Exact figures of this run (seed 1; the engine is deterministic).
  expect(await metric(page, "polls")).toBe(107);
  expect(await metric(page, "wasted-polls")).toBe(47);
  expect(await count(page, "completed")).toBe(60);
  await shot(page, testInfo, "async-write-polling");

  await page.getByRole("radio", { name: "202 + callback" }).check();
  await expect(page).toHaveURL(/mode=callback/);
  await runToEnd(page);
  expect(await metric(page, "polls")).toBe(0);
  expect(await metric(page, "wasted-polls")).toBe(0);
  await shot(page, testInfo, "async-write-callback");
  expect(errors).toEqual([]);
});
