// Payment record and circuit breaker: a provider outage trips the breaker
// (three failures in a row), it tries one call half-open after 30 s, closes
// again, and payments queued for retry go through.
import { test, expect } from "@playwright/test";
import { metric, node, openAt, runToEnd, seekTo, shot } from "./support";

// Exact figures of this run (seed 1): the engine is deterministic, so they
// are the same on every machine and every try.
const PB_OPEN_MS = 6000;
const PB_QUEUED = 174;

test("provider outage: breaker opens, probes, closes; queued payments complete", async ({ page }, testInfo) => {
  const errors = await openAt(page, "preset=payment-breaker", 2000);
  await expect(node(page, "Payment Provider")).toHaveAttribute("aria-label", /circuit breaker closed/);
  await page.getByRole("button", { name: "Payment provider outage for 10 s" }).click();
  await expect(page.getByTestId("message")).toContainText("applied: provider down");
  await seekTo(page, PB_OPEN_MS);
  await expect(node(page, "Payment Provider")).toHaveAttribute("aria-label", /circuit breaker open/);
  await shot(page, testInfo, "payment-breaker-open");
  await runToEnd(page);
  await expect(node(page, "Payment Provider")).toHaveAttribute("aria-label", /circuit breaker closed/);
  // The strip of breaker states went through all three.
  const strip = page.getByTestId("breaker-strip").first();
  for (const state of ["closed", "open", "half_open"]) {
    expect(await strip.locator(`.strip__seg--${state}`).count(), state).toBeGreaterThan(0);
  }
  expect(await metric(page, "queued-for-retry")).toBe(PB_QUEUED);
  expect(await metric(page, "recovered")).toBe(PB_QUEUED);
  await shot(page, testInfo, "payment-breaker-end");
  expect(errors).toEqual([]);
});
