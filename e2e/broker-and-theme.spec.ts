// The broker restarting under a durable queue, and the page following the
// system's dark theme and reduced-motion preference.
import { test, expect } from "@playwright/test";
import { count, diagram, node, open, pause, play, queue, runToEnd, shot, untilSim } from "./support";

test("broker restart: the page shows it, durable messages survive, nothing lost", async ({ page }, testInfo) => {
  const errors = await open(page, "preset=hybrid-queue&speed=2");
  await play(page);
  await untilSim(page, 3);
  await pause(page);
  await node(page, "Message Broker").click();
  const controls = page.getByRole("group", { name: "Controls for Message Broker" });
  await controls.getByRole("button", { name: "Restart the broker (2 s down)" }).click();
  await expect(page.getByTestId("message")).toContainText("applied: broker restart");
  await expect(page.getByRole("group", { name: "Broker queues" })).toContainText("broker restarting");
  await expect(node(page, "Message Broker")).toHaveAttribute("aria-label", /^Message Broker, down/);
  await shot(page, testInfo, "broker-restarting");
  await play(page);
  await untilSim(page, 6);
  await expect(page.getByRole("group", { name: "Broker queues" })).not.toContainText("broker restarting");
  await expect(node(page, "Message Broker")).toHaveAttribute("aria-label", /^Message Broker, up/);
  await runToEnd(page);
  expect((await queue(page, "warehouse_q")).waiting).toBe(0);
  expect(await count(page, "lost")).toBe(0);
  expect(await count(page, "inconsistent")).toBe(0);
  expect(await count(page, "in-flight")).toBe(0);
  expect(errors).toEqual([]);
});

test("dark theme and reduced motion follow the system", async ({ page }, testInfo) => {
  await page.emulateMedia({ colorScheme: "dark", reducedMotion: "reduce" });
  const errors = await open(page, "preset=payment-breaker&speed=20");
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
  await play(page);
  await untilSim(page, 30);
  await pause(page);
  await shot(page, testInfo, "dark-reduced-motion");
  expect(errors).toEqual([]);
});
