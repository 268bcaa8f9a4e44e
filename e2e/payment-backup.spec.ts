// Document 004's two fallbacks while the provider is down (15 s to 35 s):
// payment-backup charges through a backup provider once the breaker is
// open; payment-breaker (fallback_policy queue-when-open) answers
// QUEUED_FOR_RETRY at once and charges later. Exact figures by link, seed 1.
import { test, expect, type Page } from "@playwright/test";
import { count, metric, node, openAt } from "./support";

/** The services table's "calls" figure of service `label`. */
async function calls(page: Page, label: string): Promise<number> {
  const row = page.locator("table.services tbody tr", { has: page.getByRole("rowheader", { name: label, exact: true }) });
  return Number(await row.locator("[data-col=calls]").textContent());
}

test("the backup provider takes the payments while the primary is down", async ({ page }) => {
  const errors = await openAt(page, "preset=payment-backup&seed=1", 14_000);
  await expect(node(page, "Payment Provider")).toHaveAttribute("aria-label", /circuit breaker closed/);
  expect(await calls(page, "Backup Provider")).toBe(0);
  expect(await calls(page, "Payment Provider")).toBe(48);

  await openAt(page, "preset=payment-backup&seed=1", 25_000);
  await expect(node(page, "Payment Provider")).toHaveAttribute("aria-label", /down.*circuit breaker open/);
  // The primary took no call since the breaker opened; the backup took 32.
  expect(await calls(page, "Payment Provider")).toBe(52);
  expect(await calls(page, "Backup Provider")).toBe(32);
  expect(await metric(page, "payments-success")).toBe(80);
  // Nothing is parked for later: the backup answers at once.
  expect(await metric(page, "queued-for-retry")).toBe(0);
  expect(await count(page, "completed")).toBe(79);
  expect(errors).toEqual([]);
});

test("payment-breaker answers QUEUED_FOR_RETRY at once when the breaker is open", async ({ page }) => {
  const errors = await openAt(page, "preset=payment-breaker&mode=sync&seed=1", 25_000);
  await expect(node(page, "Payment Provider")).toHaveAttribute("aria-label", /circuit breaker open/);
  expect(await metric(page, "queued-for-retry")).toBe(35);
  expect(await metric(page, "recovered")).toBe(0);
  // Order 73 arrived with the breaker open: its charge was queued and the
  // (synchronous) client had its answer 11 ms after the stock was reserved,
  // not after a provider timeout.
  await page.getByLabel("Order to inspect").fill("73");
  await page.getByLabel("Order to inspect").press("Enter");
  const inspector = page.getByRole("region", { name: "Order inspector" });
  await expect(inspector).toContainText("19.675s stock SKU-RED Reserved");
  await expect(inspector).toContainText("payment QUEUED_FOR_RETRY");
  await expect(inspector).toContainText("client answered: 19.686s");
  expect(errors).toEqual([]);
});
