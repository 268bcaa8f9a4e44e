// The page loads, draws the diagram, and reports failures visibly.
// Runs at the site root and under /playground/ (static hosting on a sub-path).
import { test, expect } from "@playwright/test";
import { trackConsoleErrors } from "./support";

const NODES = [
  "Client",
  "Order Service",
  "Inventory",
  "Payment",
  "Payment Provider",
  "Message Broker",
  "Warehouse",
  "Notification",
  "Status Store",
];

test("draws the service diagram with no console error", async ({ page }, testInfo) => {
  const errors = trackConsoleErrors(page);
  await page.goto("./");
  await expect(page).toHaveTitle(/Orderflow Playground/);
  const diagram = page.getByRole("group", { name: /service diagram/i });
  await expect(diagram).toBeVisible();
  for (const label of NODES) {
    await expect(diagram.getByRole("img", { name: new RegExp(`^${label}, (up|down)`) })).toBeVisible();
  }
  await expect(page.locator("#boot")).toHaveCount(0);
  await expect(page.getByRole("alert")).toBeHidden();
  await page.screenshot({ path: testInfo.outputPath("diagram.png"), fullPage: true });
  expect(errors).toEqual([]);
});

test("a failed WebAssembly load shows a message instead of a blank page", async ({ page }) => {
  await page.route(/\.wasm$/, (route) => route.abort());
  await page.goto("./");
  await expect(page.getByRole("alert")).toContainText("could not start");
  await expect(page.getByRole("group", { name: /service diagram/i })).toHaveCount(0);
});

test("a panic is shown in the page", async ({ page }) => {
  await page.goto("./?debug=panic");
  await expect(page.getByRole("alert")).toContainText("internal error");
  await expect(page.getByRole("alert")).toContainText("debug panic requested");
});
