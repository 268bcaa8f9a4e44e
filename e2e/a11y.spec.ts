// Accessibility: axe-core finds no serious or critical violation on any
// preset, in embed mode, in the dark theme or with reduced motion; every
// control is reached by Tab, has a name, shows its focus and works from the
// keyboard; the diagram's state is announced politely and not every frame.
import { test, expect, type Page } from "@playwright/test";
import { axeFindings, diagram, node, open, openAt, PRESETS, timeText } from "./support";

/** A moment with messages in flight and a node's panel open, to check more than the empty page. */
async function busyPage(page: Page, preset: string) {
  await openAt(page, `preset=${preset}`, 3000);
  await diagram(page).getByRole("img").first().click();
}

for (const scheme of ["light", "dark"] as const) {
  for (const preset of PRESETS) {
    test(`axe: ${preset}, ${scheme} theme${scheme === "dark" ? ", reduced motion" : ""}`, async ({ page }) => {
      await page.emulateMedia({ colorScheme: scheme, reducedMotion: scheme === "dark" ? "reduce" : "no-preference" });
      await busyPage(page, preset);
      expect(await axeFindings(page)).toEqual([]);
    });
  }
}

test("axe: embed mode, both themes", async ({ page }) => {
  for (const scheme of ["light", "dark"] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await open(page, "preset=hybrid&embed=1&t=3000");
    await expect(page.getByTestId("time")).toHaveText(timeText(3000));
    expect(await axeFindings(page), scheme).toEqual([]);
  }
});

test("axe: a malformed link's notice and the share box", async ({ page }) => {
  await page.goto("./?preset=nope&seed=abc");
  await expect(page.getByRole("status").filter({ hasText: "not understood" })).toBeVisible();
  await page.getByRole("button", { name: "Share" }).click();
  await expect(page.getByLabel("Share link")).toBeVisible();
  expect(await axeFindings(page)).toEqual([]);
});

/** What has focus now: its role-ish tag, accessible name and whether focus shows. */
async function focused(page: Page) {
  return page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    if (!el || el === document.body) return null;
    // The focus indicator: an outline on the element, or (diagram nodes) a
    // thicker stroke on the node's box.
    const style = getComputedStyle(el);
    const box = el.querySelector(".diagram__box");
    const shown =
      (style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0) ||
      (box !== null && parseFloat(getComputedStyle(box).strokeWidth) >= 3);
    const id = el.getAttribute("aria-label") ?? el.getAttribute("type") ?? el.textContent?.trim() ?? "";
    return { tag: el.tagName.toLowerCase(), type: el.getAttribute("type"), key: `${el.tagName}:${id}`, shown };
  });
}

test("keyboard: Tab reaches every control, each named, focus visible", async ({ page }) => {
  const errors = await openAt(page, "preset=hybrid-queue", 3000);
  // Every control a mouse user can reach (one stop per radio group).
  const controls = page.locator(
    "button:visible, select:visible, input:visible:not([type=radio]), input[type=radio]:checked, [tabindex='0']:visible",
  );
  const expected = await controls.count();
  expect(expected).toBeGreaterThan(15);
  const seen = new Set<string>();
  await page.keyboard.press("Tab");
  for (let i = 0; i < expected + 5; i++) {
    const f = await focused(page);
    if (!f) break;
    expect(f.shown, `${f.key} shows its focus`).toBe(true);
    await expect(page.locator(":focus"), f.key).toHaveAccessibleName(/\S/);
    seen.add(await page.locator(":focus").evaluate((el) => el.outerHTML.slice(0, 120)));
    await page.keyboard.press("Tab");
  }
  const reachable = new Set(await controls.evaluateAll((els) => els.map((el) => el.outerHTML.slice(0, 120))));
  for (const html of reachable) expect(seen, `Tab reaches ${html}`).toContain(html);
  expect(errors).toEqual([]);
});

test("keyboard: space, enter and arrow keys operate the controls", async ({ page }) => {
  const errors = await openAt(page, "preset=async-write", 2000);
  const focus = async (name: string | RegExp, role: Parameters<Page["getByRole"]>[0]) => {
    const el = page.getByRole(role, { name, exact: typeof name === "string" });
    await el.focus();
    return el;
  };
  // Play / Pause: Enter and space on the button.
  await focus("Play", "button");
  await page.keyboard.press("Enter");
  await expect(page.getByRole("button", { name: "Pause", exact: true })).toBeFocused();
  await page.keyboard.press("Space");
  await expect(page.getByRole("button", { name: "Play", exact: true })).toBeFocused();
  // Step: Enter moves to the next event and stays paused.
  await openAt(page, "preset=async-write", 2000);
  await focus("Step to the next event", "button");
  await page.keyboard.press("Enter");
  await expect(page.getByTestId("time")).not.toHaveText(timeText(2000));
  await expect(page.getByRole("button", { name: "Play", exact: true })).toBeVisible();
  // The speed slider: arrow keys.
  const speed = await focus("Speed", "slider");
  await page.keyboard.press("End");
  await expect(page.getByTestId("speed")).toHaveText("1000×");
  await page.keyboard.press("Home");
  await expect(page.getByTestId("speed")).toHaveText("0.1×");
  await expect(speed).toBeFocused();
  // The completion mode: arrow keys move between the radio buttons.
  await page.getByRole("radio", { name: "202 + polling" }).focus();
  await page.keyboard.press("ArrowDown");
  await expect(page.getByRole("radio", { name: "202 + callback" })).toBeChecked();
  await expect(page).toHaveURL(/mode=callback/);
  // A diagram node: Enter opens its panel.
  await node(page, "Payment").focus();
  await page.keyboard.press("Enter");
  await expect(page.getByRole("group", { name: "Controls for Payment" })).toBeVisible();
  // The pattern picker: arrow keys choose another pattern.
  await page.getByLabel("Pattern").focus();
  const before = await page.getByLabel("Pattern").inputValue();
  await page.keyboard.press("ArrowDown");
  await expect(page.getByLabel("Pattern")).not.toHaveValue(before);
  // Share: Enter shows the link.
  await focus("Share", "button");
  await page.keyboard.press("Enter");
  await expect(page.getByLabel("Share link")).toBeVisible();
  expect(errors).toEqual([]);
});

test("the diagram's state is announced politely, a few times a second at most", async ({ page }) => {
  // The page's clock is Playwright's: each frame below is stepped, not waited for.
  await page.clock.install();
  const errors = await openAt(page, "preset=payment-breaker&speed=20", 1000);
  const polite = page.locator('[aria-live="polite"]');
  await expect(polite).toHaveCount(1);
  await expect(polite).not.toBeEmpty();
  await polite.evaluate((el) => {
    (window as any).__changes = 0;
    new MutationObserver(() => (window as any).__changes++).observe(el, {
      childList: true,
      subtree: true,
      characterData: true,
    });
  });
  await page.getByRole("button", { name: "Payment provider outage for 10 s" }).click();
  await page.getByRole("button", { name: "Play", exact: true }).click();
  // 10 s of page time: 600 frames at 20x, 200 s of simulated time, an outage,
  // the breaker opening, probing and closing again.
  const seconds = 10;
  for (let i = 0; i < seconds * 10; i++) await page.clock.runFor(100);
  const changes = await page.evaluate(() => (window as any).__changes as number);
  expect(changes, "the region said something").toBeGreaterThan(0);
  expect(changes / seconds, "announcements per second").toBeLessThanOrEqual(3);
  // The frequently changing counts are not live regions.
  await expect(page.getByTestId("in-flight")).toHaveAttribute("aria-live", "off");
  expect(errors).toEqual([]);
});
