// Claims you can open: each preset lists what it demonstrates; "Show me"
// opens the claim's run (its seed, orders, commands, run options) at its
// moment, with the figure the claim is about highlighted in the metrics.
import { test, expect, type Page } from "@playwright/test";
import { open, shot, timeText } from "./support";

/** Opens the claims list (closed at first: its claims load when it opens). */
async function openClaims(page: Page) {
  const claims = page.getByRole("region", { name: "Claims" });
  await claims.locator("summary").click();
  await expect(claims.locator("[data-claim]").first()).toBeVisible({ timeout: 30_000 });
}

/** Clicks "Show me" on claim `id` and waits for its moment. */
async function showMe(page: Page, id: string, ms: number) {
  const item = page.locator(`[data-claim="${id}"]`);
  await item.getByRole("button", { name: /^Show me/ }).click();
  await expect(page.getByTestId("time")).toHaveText(timeText(ms), { timeout: 30_000 });
}

// Exact figures (the claims' seeds; the engine is deterministic): the
// native test every_claim_opens_on_the_figure_it_is_about checks the same
// values against the engine's own run of each claim.
test("hybrid-queue: a queue instead of a call holds the warehouse's work", async ({ page }, testInfo) => {
  const errors = await open(page, "preset=hybrid-queue");
  await openClaims(page);
  const claims = page.getByRole("region", { name: "Claims" });
  await expect(claims.locator("[data-claim]")).toHaveCount(5);
  await expect(claims.locator('[data-claim="queue-instead-of-call"]')).toContainText("document 000");
  await showMe(page, "queue-instead-of-call", 8_000);
  // The claim's run: 80 orders, no scheduled faults, the warehouse down
  // from 5 s to 10 s.
  await expect(page).toHaveURL(/orders=80/);
  await expect(page).toHaveURL(/faults=off/);
  await expect(page).toHaveURL(/cmds=/);
  const figure = page.getByTestId("claim-figure");
  await expect(figure).toContainText("queue.warehouse_q.peak_depth");
  await expect(page.getByTestId("claim-figure-value")).toHaveText("13");
  await shot(page, testInfo, "claims-hybrid-queue");
  expect(errors).toEqual([]);
});

test("payment-backup: the backup provider charges while the breaker is open", async ({ page }) => {
  const errors = await open(page, "preset=payment-backup");
  await openClaims(page);
  await showMe(page, "backup-charges-while-open", 25_000);
  await expect(page.getByTestId("claim-figure")).toContainText("service.backup.succeeded");
  await expect(page.getByTestId("claim-figure-value")).toHaveText("29");
  // Another claim of the same preset replaces the figure.
  await showMe(page, "backup-only-when-open", 17_000);
  await expect(page.getByTestId("claim-figure")).toContainText("payments.failed");
  await expect(page.getByTestId("claim-figure-value")).toHaveText("2");
  // Any other choice of run drops the highlight.
  await page.getByLabel("Seed").fill("2");
  await page.getByLabel("Seed").press("Enter");
  await expect(page.getByTestId("claim-figure")).toHaveCount(0);
  expect(errors).toEqual([]);
});

test("a claim about the whole run opens at its last event", async ({ page }) => {
  const errors = await open(page, "preset=sync-chain");
  await openClaims(page);
  await showMe(page, "told-last", 80_000);
  await expect(page.getByTestId("claim-figure")).toContainText("latency.response.mean_ms");
  await expect(page.getByTestId("claim-figure-value")).toHaveText("189.085 ms");
  expect(errors).toEqual([]);
});

test.describe("at 390 px", () => {
  test.use({ viewport: { width: 390, height: 844 } });
  test("the claims list fits the screen", async ({ page }, testInfo) => {
    const errors = await open(page, "preset=payment-breaker");
    const claims = page.getByRole("region", { name: "Claims" });
    await claims.scrollIntoViewIfNeeded();
    await openClaims(page);
    const box = await claims.boundingBox();
    expect(box).not.toBeNull();
    expect(box!.x).toBeGreaterThanOrEqual(0);
    expect(box!.x + box!.width).toBeLessThanOrEqual(390);
    for (const button of await claims.getByRole("button", { name: /^Show me/ }).all()) {
      const b = await button.boundingBox();
      expect(b!.x + b!.width).toBeLessThanOrEqual(390);
    }
    await shot(page, testInfo, "claims-390");
    expect(errors).toEqual([]);
  });
});
