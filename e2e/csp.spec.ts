// The release build runs under a strict content security policy (no inline
// script or style, scripts from the site only; see scripts/csp.mjs): every
// preset, embed mode and the /playground/ sub-path load and play without a
// single violation.
import { test, expect, type Page } from "@playwright/test";
import { diagram, PRESETS, trackConsoleErrors } from "./support";


/** Records every CSP violation the page reports, from its first byte on. */
async function recordViolations(page: Page) {
  await page.addInitScript(() => {
    (window as any).__csp = [];
    document.addEventListener("securitypolicyviolation", (e) => {
      (window as any).__csp.push(`${e.violatedDirective} blocked ${e.blockedURI || "inline"} (${e.sourceFile}:${e.lineNumber})`);
    });
  });
}

const violations = (page: Page) => page.evaluate(() => (window as any).__csp as string[]);

/** Plays a little of everything the page draws: steps, a node's panel, the share box. */
async function exercise(page: Page, embed: boolean) {
  for (let i = 0; i < 40; i++) await page.keyboard.press("ArrowRight");
  if (!embed) {
    await diagram(page).getByRole("img").first().click();
    await page.getByRole("button", { name: "Share" }).click();
    await expect(page.getByLabel("Share link")).toBeVisible();
  }
}

async function check(page: Page, query: string, embed = false) {
  const errors = trackConsoleErrors(page);
  await recordViolations(page);
  await page.goto(`./?${query}`);
  await expect(diagram(page)).toBeVisible();
  const policy = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute("content");
  expect(policy).toContain("script-src 'self' 'wasm-unsafe-eval'");
  expect(policy).toContain("style-src 'self'");
  expect(policy).not.toContain("unsafe-inline");
  // No script in the page itself: each one is a file.
  expect(await page.locator("script:not([src])").count()).toBe(0);
  await exercise(page, embed);
  expect(await violations(page)).toEqual([]);
  expect(errors.filter((e) => /Content Security Policy/i.test(e))).toEqual([]);
  expect(errors).toEqual([]);
}

for (const preset of PRESETS) {
  test(`no CSP violation: ${preset}`, async ({ page }) => {
    await check(page, `preset=${preset}`);
  });
}

test("no CSP violation: embed mode, playing", async ({ page }) => {
  await check(page, "preset=hybrid&embed=1&autoplay=1&speed=20", true);
});

test("no CSP violation: the design drawer open, a setting changed, the JSON worker used", async ({ page }) => {
  const errors = trackConsoleErrors(page);
  await recordViolations(page);
  await page.goto("./?preset=sync-chain");
  await expect(diagram(page)).toBeVisible();
  await page.getByRole("button", { name: "Design…" }).click();
  const drawer = page.getByRole("complementary", { name: "Design" });
  await expect(drawer).toBeVisible();
  for (const s of await drawer.locator("details").all()) {
    if (!(await s.getAttribute("open"))) await s.locator("summary").click();
  }
  const replicas = drawer.getByRole("group", { name: "Payment", exact: true }).getByLabel("Replicas");
  await replicas.fill("3");
  await replicas.press("Enter");
  await expect(page.getByTestId("design-edits")).toHaveText("services.payment.replicas=3");
  // The JSON view starts the worker (a second wasm): viewed, then pasted back.
  // (It shows the design as it was when opened, and the current one when
  // asked: a text being edited is never overwritten.)
  const box = page.getByLabel("Scenario JSON");
  await expect(box).toHaveValue(/"replicas": 2/);
  await page.getByRole("button", { name: "Show the current design" }).click();
  await expect(box).toHaveValue(/"replicas": 3/);
  await box.fill((await box.inputValue()).replace('"replicas": 2', '"replicas": 5'));
  await page.getByRole("button", { name: "Apply JSON" }).click();
  await expect(page.getByTestId("design-edits")).toHaveText("services.order.replicas=5; services.payment.replicas=3");
  expect(await violations(page)).toEqual([]);
  expect(errors).toEqual([]);
});
