// The broker restarting under a durable queue, and the page following the
// system's dark theme and reduced-motion preference.
import { test, expect } from "@playwright/test";
import { counters, diagram, node, openAt, queue, runToEnd, seekTo, shot } from "./support";

// Exact figures of this run (seed 1): the engine is deterministic, so they
// are the same on every machine and every try.
const RESTART_END = { completed: 288, failed: 0, compensated: 12, inconsistent: 0, lost: 0, "in-flight": 0 };

test("broker restart: the page shows it, durable messages survive, nothing lost", async ({ page }, testInfo) => {
  const errors = await openAt(page, "preset=hybrid-queue", 3000);
  await node(page, "Message Broker").click();
  const controls = page.getByRole("group", { name: "Controls for Message Broker" });
  await controls.getByRole("button", { name: "Restart the broker (2 s down)" }).click();
  await expect(page.getByTestId("message")).toContainText("applied: broker restart");
  await expect(page.getByRole("group", { name: "Broker queues" })).toContainText("broker restarting");
  await expect(node(page, "Message Broker")).toHaveAttribute("aria-label", /^Message Broker, down/);
  await shot(page, testInfo, "broker-restarting");
  // Down from 3 s to 5 s.
  await seekTo(page, 4900);
  await expect(page.getByRole("group", { name: "Broker queues" })).toContainText("broker restarting");
  await seekTo(page, 5100);
  await expect(page.getByRole("group", { name: "Broker queues" })).not.toContainText("broker restarting");
  await expect(node(page, "Message Broker")).toHaveAttribute("aria-label", /^Message Broker, up/);
  await runToEnd(page);
  expect((await queue(page, "warehouse_q")).waiting).toBe(0);
  expect(await counters(page)).toEqual(RESTART_END);
  expect(errors).toEqual([]);
});

test("dark theme and reduced motion follow the system", async ({ page }, testInfo) => {
  await page.emulateMedia({ colorScheme: "dark", reducedMotion: "reduce" });
  const errors = await openAt(page, "preset=payment-breaker", 30000);
  const luminance = (css: string) => {
    const [r, g, b] = (css.match(/\d+(\.\d+)?/g) ?? ["255", "255", "255"]).map(Number);
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  const fg = await page.evaluate(() => getComputedStyle(document.body).color);
  expect(luminance(bg), `background ${bg}`).toBeLessThan(60);
  expect(luminance(fg), `text ${fg}`).toBeGreaterThan(150);
  // Node boxes are dark too, with light labels.
  const box = diagram(page).locator(".diagram__box").first();
  expect(luminance(await box.evaluate((e) => getComputedStyle(e).fill))).toBeLessThan(80);
  await shot(page, testInfo, "dark-reduced-motion");
  expect(errors).toEqual([]);
});
