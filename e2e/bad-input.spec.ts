// Links a person could paste that the page cannot follow: values too large,
// too many commands, a command for a service the pattern lacks. Each is named
// in a notice and the page goes on with what it understood.
import { test, expect, type Page } from "@playwright/test";
import { diagram, trackConsoleErrors } from "./support";

async function notice(page: Page, query: string) {
  const errors = trackConsoleErrors(page);
  await page.goto(`./?${query}`);
  await expect(diagram(page)).toBeVisible();
  const box = page.getByRole("status").filter({ hasText: "not understood" });
  await expect(box).toBeVisible();
  return { box, errors };
}

test("too-large values are refused by name, the rest of the link still applies", async ({ page }) => {
  // 2,000,000 orders (the limit is 1,000,000) and a time cursor past a week.
  const { box, errors } = await notice(page, "preset=sync-chain&orders=2000000&t=700000000&seed=5");
  await expect(box).toContainText('orders: must be a whole number from 1 to 1000000, got "2000000"');
  await expect(box).toContainText("t: must be a time in milliseconds (up to a week");
  await expect(page.getByLabel("Pattern")).toHaveValue("sync-chain");
  await expect(page.getByLabel("Seed")).toHaveValue("5");
  await expect(page.getByTestId("time")).toHaveText("t = 0.000s");
  expect(errors).toEqual([]);
});

test("more than 500 commands: the first 500 are kept, the rest named and dropped", async ({ page }) => {
  // Recorded changes, all at the start: Payment down, up, down, … (501 of them).
  const cmds = Array.from({ length: 501 }, (_, i) => `0:0:${i % 2 ? "up" : "down"}:payment`).join("~");
  const { box, errors } = await notice(page, `preset=sync-chain&cmds=${encodeURIComponent(cmds)}`);
  await expect(box).toContainText("cmds: more than 500 commands, the rest are ignored");
  await page.getByRole("button", { name: "Share" }).click();
  const kept = new URL(await page.getByLabel("Share link").inputValue()).searchParams.get("cmds") ?? "";
  expect(kept.split("~")).toHaveLength(500);
  // The 500th, kept, brought Payment back up; the 501st, dropped, would have taken it down.
  await expect(page.getByRole("img", { name: /^Payment, up/ })).toBeVisible();
  expect(errors).toEqual([]);
});

test("a command for a service the pattern does not have is named and dropped, the others apply", async ({ page }) => {
  // At 500 ms, so the run has re-applied the commands at its start.
  const { box, errors } = await notice(page, "preset=sync-chain&t=500&cmds=0:0:down:kitchen~0:0:down:payment~-:1000000:up:kitchen");
  await expect(box).toContainText('cmds[0] (0:0:down:kitchen): service: no service "kitchen"; ignored');
  await expect(box).toContainText('cmds[2] (-:1000000:up:kitchen): service: no service "kitchen"; ignored');
  await expect(page.getByRole("img", { name: /^Payment, down/ })).toBeVisible();
  await page.getByRole("button", { name: "Share" }).click();
  const cmds = new URL(await page.getByLabel("Share link").inputValue()).searchParams.get("cmds");
  expect(cmds).toBe("0:0:down:payment");
  expect(errors).toEqual([]);
});

test("a bad value typed into a field is named and the run is kept", async ({ page }) => {
  const errors = trackConsoleErrors(page);
  await page.goto("./?preset=sync-chain&orders=40");
  await expect(diagram(page)).toBeVisible();
  const orders = page.getByLabel("Orders in the run");
  await orders.fill("0");
  await orders.press("Tab");
  await expect(page.getByTestId("message")).toHaveText("orders: must be a whole number from 1 to 1000000");
  await expect(page.getByLabel("Pattern")).toHaveValue("sync-chain");
  await page.getByRole("button", { name: "Share" }).click();
  await expect(page.getByLabel("Share link")).toHaveValue(/orders=40/);
  expect(errors).toEqual([]);
});
