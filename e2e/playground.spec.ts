// What every pattern shares: share links, seeking, the keyboard, embedding,
// and bad links.
import { test, expect, type Page } from "@playwright/test";
import { count, node, open, openAt, queue, shot, timeText, trackConsoleErrors } from "./support";

const KEYS = ["completed", "failed", "compensated", "inconsistent", "lost", "in-flight"];

async function snapshot(page: Page) {
  const out: Record<string, unknown> = { time: await page.getByTestId("time").textContent() };
  for (const k of KEYS) out[k] = await count(page, k);
  out.warehouse_q = await queue(page, "warehouse_q");
  out.warehouse = await node(page, "Warehouse").getAttribute("aria-label");
  return out;
}

test("a share link reproduces the run exactly, applied faults included", async ({ page, context }, testInfo) => {
  const errors = await openAt(page, "preset=hybrid-queue&speed=5&seed=7", 2000);
  await page.getByRole("button", { name: "Warehouse down for 30 s" }).click();
  // Forty events further on: a moment between whole milliseconds, which the
  // link must still hit exactly.
  for (let i = 0; i < 40; i++) await page.keyboard.press("ArrowRight");
  await expect(page.getByTestId("time")).not.toHaveText(timeText(2000));
  const before = await snapshot(page);
  expect(before.warehouse).toMatch(/^Warehouse, down/);
  await page.getByRole("button", { name: "Share" }).click();
  const link = await page.getByLabel("Share link").inputValue();
  expect(link).toContain("cmds=");
  expect(link).toContain("seed=7");
  const other = await context.newPage();
  const otherErrors = trackConsoleErrors(other);
  await other.goto(link);
  await expect(other.getByTestId("time")).toHaveText(String(before.time), { timeout: 20_000 });
  expect(await snapshot(other)).toEqual(before);
  await shot(other, testInfo, "share-reopened");
  expect(errors).toEqual([]);
  expect(otherErrors).toEqual([]);
});

test("seeking back then forward gives the same counters", async ({ page }) => {
  const errors = await openAt(page, "preset=hybrid-queue&speed=10", 20000);
  const at = await snapshot(page);
  const timeline = page.getByLabel("Timeline");
  await timeline.fill("5000");
  await expect(page.getByTestId("time")).toHaveText(timeText(5000));
  expect(await count(page, "completed")).toBeLessThan(Number(at.completed));
  await timeline.fill("20000");
  await expect(page.getByTestId("time")).toHaveText(timeText(20000));
  expect(await snapshot(page)).toEqual(at);
  expect(errors).toEqual([]);
});

test("keyboard: space plays and pauses, arrow steps, + and - change speed", async ({ page }) => {
  const errors = await open(page, "preset=sync-chain");
  await page.getByRole("heading", { name: "Orderflow Playground" }).click();
  await page.keyboard.press(" ");
  await expect(page.getByRole("button", { name: "Pause", exact: true })).toBeVisible();
  await page.keyboard.press(" ");
  await expect(page.getByRole("button", { name: "Play", exact: true })).toBeVisible();

  const rows = async () => Number(((await page.getByTestId("log-count").textContent()) ?? "").match(/\d+/)?.[0]);
  const t0 = await page.getByTestId("time").textContent();
  const r0 = await rows();
  for (let i = 0; i < 5; i++) await page.keyboard.press("ArrowRight");
  await expect.poll(rows).toBeGreaterThan(r0);
  await expect(page.getByTestId("time")).not.toHaveText(String(t0));
  await expect(page.getByRole("button", { name: "Play", exact: true })).toBeVisible();

  await expect(page.getByTestId("speed")).toHaveText("1×");
  await page.keyboard.press("+");
  await expect(page.getByTestId("speed")).not.toHaveText("1×");
  await page.keyboard.press("-");
  await page.keyboard.press("-");
  const slower = Number(((await page.getByTestId("speed").textContent()) ?? "").replace("×", ""));
  expect(slower).toBeLessThan(1);
  // Typing in a field does not drive the transport.
  await page.getByLabel("Seed").focus();
  await page.keyboard.press(" ");
  await expect(page.getByRole("button", { name: "Play", exact: true })).toBeVisible();
  expect(errors).toEqual([]);
});

test("embed mode: diagram and a minimal transport, height posted to the host", async ({ page, baseURL }, testInfo) => {
  const errors = trackConsoleErrors(page);
  const src = new URL("./?preset=hybrid&embed=1&autoplay=1", baseURL).toString();
  await page.setContent(`
    <script>
      window.heights = [];
      addEventListener("message", (e) => {
        if (e.data && e.data.type === "orderflow:height") window.heights.push(e.data.height);
      });
    </script>
    <iframe title="Orderflow" src="${src}" style="width: 720px; height: 520px; border: 0"></iframe>`);
  const frame = page.frameLocator("iframe");
  await expect(frame.getByRole("group", { name: /service diagram/i })).toBeVisible();
  await expect(frame.getByRole("button", { name: "Pause", exact: true })).toBeVisible();
  await expect(frame.getByRole("heading", { name: "Orderflow Playground" })).toHaveCount(0);
  await expect(frame.getByRole("button", { name: "Step to the next event" })).toHaveCount(0);
  await expect(frame.getByRole("region", { name: "Metrics" })).toHaveCount(0);
  await expect.poll(() => page.evaluate(() => (window as any).heights.length)).toBeGreaterThan(0);
  const h = await page.evaluate(() => Math.max(...(window as any).heights));
  expect(h).toBeGreaterThan(200);
  expect(h).toBeLessThan(1000);
  await shot(page, testInfo, "embed");
  expect(errors).toEqual([]);
});

test("a malformed link shows a notice naming the field and falls back", async ({ page }) => {
  const errors = trackConsoleErrors(page);
  await page.goto("./?preset=nope&seed=abc&speed=9000&cmds=zz");
  const notice = page.getByRole("status").filter({ hasText: "not understood" });
  await expect(notice).toBeVisible();
  for (const field of ["preset", "seed", "speed", "cmds"]) {
    await expect(notice).toContainText(new RegExp(`${field}(\\[\\d+\\])?:`));
  }
  await expect(page.getByRole("group", { name: /service diagram/i })).toBeVisible();
  await expect(page.getByLabel("Pattern")).toHaveValue("hybrid-queue");
  expect(errors).toEqual([]);
});
