// Payment record and circuit breaker: a provider outage trips the breaker,
// it probes half-open, closes again, and payments queued for retry go
// through.
import { test, expect } from "@playwright/test";
import { metric, node, open, pause, play, runToEnd, shot, untilSim } from "./support";

test("provider outage: breaker opens, probes, closes; queued payments complete", async ({ page }, testInfo) => {
  const errors = await open(page, "preset=payment-breaker&speed=4");
  await play(page);
  await untilSim(page, 2);
  await pause(page);
  await page.getByRole("button", { name: "Payment provider outage for 10 s" }).click();
  await play(page);
  await expect(node(page, "Payment Provider")).toHaveAttribute("aria-label", /circuit breaker open/, {
    timeout: 20_000,
  });
  await shot(page, testInfo, "payment-breaker-open");
  await runToEnd(page);
  await expect(node(page, "Payment Provider")).toHaveAttribute("aria-label", /circuit breaker closed/);
  // The strip of breaker states went through all three.
  const strip = page.getByTestId("breaker-strip").first();
  for (const state of ["closed", "open", "half_open"]) {
    expect(await strip.locator(`.strip__seg--${state}`).count(), state).toBeGreaterThan(0);
  }
  const queued = await metric(page, "queued-for-retry");
  expect(queued).toBeGreaterThan(0);
  expect(await metric(page, "recovered")).toBe(queued);
  await shot(page, testInfo, "payment-breaker-end");
  expect(errors).toEqual([]);
});
