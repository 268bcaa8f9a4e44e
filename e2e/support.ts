// Helpers shared by the end-to-end specs: they read the page the way a person
// does (roles, accessible names, visible numbers) and never reach into the app.
import { expect, type Page, type TestInfo } from "@playwright/test";
import AxeBuilder from "@axe-core/playwright";

/** Every preset, as the `preset=` link parameter names them. */
export const PRESETS = [
  "sync-chain",
  "fire-and-forget",
  "hybrid",
  "hybrid-queue",
  "surge",
  "food-ordering",
  "pizza",
  "async-write",
  "payment-breaker",
  "mmc",
];

/** Collects console errors and uncaught page errors; check it is empty at the end. */
export function trackConsoleErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("console", (msg) => {
    if (msg.type() === "error") errors.push(msg.text());
  });
  page.on("pageerror", (err) => errors.push(String(err)));
  return errors;
}

/** Opens the playground with a query string and waits for the diagram. */
export async function open(page: Page, query: string): Promise<string[]> {
  const errors = trackConsoleErrors(page);
  await page.goto(`./?${query}`);
  await expect(diagram(page)).toBeVisible();
  return errors;
}

export function diagram(page: Page) {
  return page.getByRole("group", { name: /service diagram/i });
}

/** The diagram node whose accessible name starts with `label`. */
export function node(page: Page, label: string) {
  return diagram(page).getByRole("img", { name: new RegExp(`^${label}, (up|down)`) });
}

/** A headline counter ("completed", "failed", "compensated", "inconsistent", "lost", "in-flight"). */
export async function count(page: Page, key: string): Promise<number> {
  const text = await page.getByTestId(`count-${key}`).locator(".counter__value").textContent();
  return Number(text);
}

/** A number shown in the metrics panel under `testId`. */
export async function metric(page: Page, testId: string): Promise<number> {
  return Number(await page.getByTestId(testId).first().textContent());
}

/** Simulated time shown by the transport, in seconds. */
export async function simSeconds(page: Page): Promise<number> {
  const text = (await page.getByTestId("time").first().textContent()) ?? "";
  const m = text.match(/([\d.]+)s/);
  if (!m) throw new Error(`no time in ${JSON.stringify(text)}`);
  return Number(m[1]);
}

/** The transport's time text for `ms` milliseconds: `t = 2.000s`. */
export function timeText(ms: number): string {
  const whole = Math.floor(ms);
  return `t = ${Math.floor(whole / 1000)}.${String(whole % 1000).padStart(3, "0")}s`;
}

/**
 * Opens the playground paused at exactly `ms` of simulated time (the link's
 * `t=` cursor) and waits until the page shows that moment. Whatever is done
 * next (a fault clicked, a setting changed) happens at that exact position
 * in the event stream, so every later figure is the same on every run.
 */
export async function openAt(page: Page, query: string, ms: number): Promise<string[]> {
  const errors = await open(page, `${query}&t=${ms}`);
  await expect(page.getByTestId("time")).toHaveText(timeText(ms), { timeout: 30_000 });
  await expect(page.getByRole("button", { name: "Play", exact: true })).toBeVisible();
  return errors;
}

/**
 * Moves the run to exactly `ms`, with every change made so far: takes the
 * page's own share link, sets its time cursor and opens it. (The timeline
 * slider only reaches times already played.) Listeners on `page` stay.
 */
export async function seekTo(page: Page, ms: number) {
  await page.getByRole("button", { name: "Share" }).click();
  const link = new URL(await page.getByLabel("Share link").inputValue());
  link.searchParams.set("t", String(ms));
  await page.goto(link.toString());
  await expect(diagram(page)).toBeVisible();
  await expect(page.getByTestId("time")).toHaveText(timeText(ms), { timeout: 30_000 });
}

export async function play(page: Page) {
  await page.getByRole("button", { name: "Play", exact: true }).click();
  await expect(page.getByRole("button", { name: "Pause", exact: true })).toBeVisible();
}

export async function pause(page: Page) {
  await page.getByRole("button", { name: "Pause", exact: true }).click();
  await expect(page.getByRole("button", { name: "Play", exact: true })).toBeVisible();
}

/** Moves the speed slider to its end (1000×). */
export async function fullSpeed(page: Page) {
  await page.getByLabel("Speed").fill("1000");
  await expect(page.getByTestId("speed")).toHaveText("1000×");
}

/**
 * From a paused page, plays at full speed until every order has settled.
 * The events processed do not depend on frame timing, so the final figures
 * are exact; the timeout only bounds how long a slow machine may take.
 */
export async function runToEnd(page: Page, timeout = 60_000) {
  await fullSpeed(page);
  await page.getByRole("button", { name: "Play", exact: true }).click();
  await expect(page.getByTestId("message")).toContainText("the run is over", { timeout });
  await expect(page.getByRole("button", { name: "Play", exact: true })).toBeVisible();
}

/** The six headline counters at once. */
export async function counters(page: Page) {
  const out: Record<string, number> = {};
  for (const k of ["completed", "failed", "compensated", "inconsistent", "lost", "in-flight"]) out[k] = await count(page, k);
  return out;
}

/** The numbers of a broker queue's row: waiting, in flight, dead-lettered. */
export async function queue(page: Page, id: string) {
  const text = (await page.getByTestId(`queue-${id}`).textContent()) ?? "";
  const n = (re: RegExp) => Number(text.match(re)?.[1] ?? 0);
  return { waiting: n(/(\d+) waiting/), inflight: n(/(\d+) in flight/), dlq: n(/(\d+) DLQ/) };
}

/** Inventory's stock table, per SKU. */
export async function stock(page: Page) {
  const rows = page.getByTestId("stock").locator("tbody tr");
  const out: Record<string, { available: number; reserved: number; shipped: number }> = {};
  for (const row of await rows.all()) {
    const cell = async (c: string) => Number(await row.locator(`[data-col=${c}]`).textContent());
    out[(await row.getAttribute("data-sku")) ?? "?"] = {
      available: await cell("available"),
      reserved: await cell("reserved"),
      shipped: await cell("shipped"),
    };
  }
  return out;
}

/** A full-page screenshot under test-results/ (look at them). */
export async function shot(page: Page, testInfo: TestInfo, name: string) {
  await page.screenshot({ path: testInfo.outputPath(`${name}.png`), fullPage: true });
}

/** Serious and critical axe findings, one line each (WCAG 2.1 A and AA rules). */
export async function axeFindings(page: Page): Promise<string[]> {
  const { violations } = await new AxeBuilder({ page })
    .withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"])
    .analyze();
  return violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.impact} ${v.id}: ${v.help} — ${v.nodes.map((n) => n.target.join(" ")).slice(0, 3).join(", ")}`);
}
