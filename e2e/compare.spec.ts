// Comparing designs: the built-in comparisons, the delta table, its share
// link, "Run 20 seeds" in the worker, and every width without horizontal
// overflow. Figures are exact: reached through the link's time cursor.
import { test, expect, type Page } from "@playwright/test";
import { diagram, open, seekTo, shot, timeText } from "./support";

/** The delta table's cells of one figure, per design (value lines only). */
async function row(page: Page, metric: string): Promise<string[]> {
  const cells = page.getByTestId("delta-table").locator(`tr[data-metric="${metric}"] .delta__value`);
  return cells.allTextContents();
}

/** A value cell's number (`"1.2 s"` → 1200, `"412 ms"` → 412). */
function ms(text: string): number {
  const m = text.match(/^([\d.]+) (ms|s)/);
  if (!m) throw new Error(`no duration in ${JSON.stringify(text)}`);
  return Number(m[1]) * (m[2] === "s" ? 1000 : 1);
}

async function openBuiltIn(page: Page, title: RegExp) {
  await page.getByText("Built-in comparisons").click();
  await page.getByRole("button", { name: title }).click();
  await expect(page.getByTestId("look-at")).toBeVisible();
}

test("the first built-in comparison: the chain answers later than the hybrid", async ({ page }, testInfo) => {
  const errors = await open(page, "preset=sync-chain&seed=1");
  await openBuiltIn(page, /Sync chain vs fire-and-forget vs hybrid/);
  await expect(page.getByTestId("design-name")).toHaveText(["Synchronous chain", "Fire-and-forget", "Hybrid"]);
  await seekTo(page, 90_000);
  const response = await row(page, "latency.response.mean_ms");
  expect(ms(response[0])).toBeGreaterThan(ms(response[2]));
  // Exact figures per design: e2e/compare-builtins.spec.ts.
  await expect(
    page.getByTestId("delta-table").locator('tr[data-metric="latency.response.mean_ms"] td').nth(2),
  ).toHaveClass(/delta__cell--better/);
  await shot(page, testInfo, "compare-payment-outage");

  // The share link gives identical figures.
  const table = await page.getByTestId("delta-table").textContent();
  await page.getByRole("button", { name: "Share" }).click();
  const link = await page.getByLabel("Share link").inputValue();
  const other = await page.context().newPage();
  await other.goto(link);
  await expect(other.getByTestId("time")).toHaveText(timeText(90_000), { timeout: 30_000 });
  await expect(other.getByTestId("delta-table")).toHaveText(table ?? "");
  expect(errors).toEqual([]);
});

test("run 20 seeds: the table shows intervals and says what is significant", async ({ page }) => {
  const errors = await open(page, "preset=sync-chain&seed=1");
  await openBuiltIn(page, /Sync chain vs fire-and-forget vs hybrid/);
  await page.getByTestId("run-seeds").click();
  await expect(page.getByTestId("delta-table")).toHaveAttribute("data-seeds", "20", { timeout: 30_000 });
  await expect(page.getByTestId("seeds-progress")).toHaveCount(0);
  const response = await row(page, "latency.response.mean_ms");
  for (const cell of response) expect(cell).toMatch(/ ± /);
  await expect(page.getByTestId("delta-table").locator("caption")).toContainText("over 20 seeds");
  await expect(
    page.getByTestId("delta-table").locator('tr[data-metric="latency.response.mean_ms"] .delta__versus').last(),
  ).toContainText("(significant)");
  expect(errors).toEqual([]);
});

const WIDTHS = [1440, 700, 390];
const BUILT_IN = [
  ["payment-outage", /Sync chain vs fire-and-forget vs hybrid/],
  ["completion-channels", /Polling vs callback vs server-sent events/],
  ["breaker-hanging-provider", /No breaker vs breaker vs breaker \+ backup/],
  ["competing-workers", /One worker vs competing workers/],
  ["retry-storm", /Retries without backoff/],
  ["surge-cost", /synchronous payment vs payment behind a queue/],
] as const;

for (const scheme of ["light", "dark"] as const) {
  for (const width of WIDTHS) {
    test(`built-in comparisons at ${width} px, ${scheme}: nothing overflows horizontally`, async ({ page }, testInfo) => {
      await page.emulateMedia({ colorScheme: scheme });
      await page.setViewportSize({ width, height: 900 });
      await open(page, "preset=sync-chain&seed=1");
      for (const [id, title] of BUILT_IN) {
        await openBuiltIn(page, title);
        await seekTo(page, 20_000);
        await expect(page.getByTestId("delta-table")).toBeVisible();
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
        expect(overflow, `${id} at ${width} px`).toBeLessThanOrEqual(0);
        await shot(page, testInfo, `compare-${id}-${width}-${scheme}`);
      }
    });
  }
}
