// "Compare with… a copy of this design", as a person does it: the copy
// opens in the design panel, its payment turned from a call into a publish
// ("don't wait"), payment broken in both, and the delta table shows the
// copy shipping unpaid orders while the original ships none. Figures are
// exact: the copy is made at 2 s (the link's time cursor) and read at 11 s
// through the page's own share link. Then the comparison's link, opened in
// a fresh page, gives the same table.
import { test, expect, type Page } from "@playwright/test";
import { axeFindings, diagram, openAt, seekTo, shot, timeText } from "./support";

/** The delta table's value cells of one figure, per design. */
async function row(page: Page, metric: string): Promise<string[]> {
  return page.getByTestId("delta-table").locator(`tr[data-metric="${metric}"] .delta__value`).allTextContents();
}

/** The compared design's diagram (the second and third designs). */
function other(page: Page) {
  return page.getByRole("group", { name: "Services of a compared design" });
}

const broker = { name: /^Message Broker, (up|down)/ };

// Seed 1, sync-chain, copy made and changed at 2 s, the payment
// provider's 10 s outage clicked at 2 s, read at 11 s. The copy's figures
// are the design's alone (e2e/design.spec.ts: 6 inconsistent at 11 s);
// the original undoes the orders it cannot charge (compensated) instead.
// Computed natively by the same steps in src/controller/tests.rs
// (a_copy_to_edit_opens_the_panel_and_its_change_shows_in_the_table).
const AT_11S = {
  "outcome.inconsistent": ["0", "6"],
  "outcome.compensated": ["29", "0"],
};

for (const width of [1440, 390]) {
  test(`a copy to edit at ${width} px: published payment ships unpaid orders in the copy only, and the link keeps it`, async ({
    page,
    context,
  }, testInfo) => {
    await page.setViewportSize({ width, height: 900 });
    const errors = await openAt(page, "preset=sync-chain", 2000);
    await page.getByTestId("compare-with").selectOption("copy");

    // The design panel opens on the copy and says so.
    const drawer = page.getByRole("complementary", { name: "Design" });
    await expect(drawer).toBeVisible();
    // The focus goes with it: a keyboard user is in the drawer, not left
    // on the menu.
    await expect(drawer.getByRole("heading", { name: "Design", level: 2 })).toBeFocused();
    await expect(page.getByTestId("design-of")).toHaveText("Design 2: sync-chain (copy)");
    await expect(page.getByTestId("design-name")).toHaveText(["sync-chain", "sync-chain (copy)"]);
    await expect(page.getByRole("button", { name: "Edit sync-chain (copy)" })).toHaveAttribute("aria-pressed", "true");
    const wait = drawer.getByRole("group", { name: "order.place step 2", exact: true }).getByLabel("Wait for it?");
    await expect(wait).toHaveValue("call");
    await wait.selectOption("publish");
    await expect(page.getByTestId("design-edits")).toHaveText("flow.order.place.1.mode=publish");
    await expect(page.getByTestId("time")).toHaveText(timeText(2000));
    // The copy got the broker its publish needs; the original did not change.
    await expect(other(page).getByRole("img", broker)).toBeVisible();
    await expect(diagram(page).getByRole("img", broker)).toHaveCount(0);
    await shot(page, testInfo, `compare-copy-drawer-${width}`);
    expect(await axeFindings(page), "drawer open on the copy").toEqual([]);
    await drawer.getByRole("button", { name: "Close" }).click();
    await expect(drawer).toBeHidden();

    // Break payment: one click hits both designs at the same moment.
    const tabs = page.getByRole("tablist", { name: "Panels" });
    if (await tabs.isVisible()) await tabs.getByRole("tab", { name: "Break things" }).click();
    await page.getByRole("button", { name: "Payment provider outage for 10 s" }).click();
    await expect(page.getByTestId("message")).toContainText("applied: ");

    await seekTo(page, 11_000);
    await expect(page.getByTestId("design-name")).toHaveText(["sync-chain", "sync-chain (copy)"]);
    for (const [metric, values] of Object.entries(AT_11S)) expect(await row(page, metric), metric).toEqual(values);
    // The copy's column is marked worse on inconsistent orders.
    await expect(
      page.getByTestId("delta-table").locator('tr[data-metric="outcome.inconsistent"] td').nth(1),
    ).toHaveClass(/delta__cell--worse/);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await shot(page, testInfo, `compare-copy-${width}`);
    expect(await axeFindings(page), "two designs at 11 s").toEqual([]);

    // The comparison's link in a fresh page: the same designs, the same table.
    const table = await page.getByTestId("delta-table").textContent();
    await page.getByRole("button", { name: "Share" }).click();
    const link = new URL(await page.getByLabel("Share link").inputValue());
    expect(link.searchParams.get("vs")).toBe("sync-chain");
    expect(link.searchParams.get("d2")).toBe("f.order.place.1.mode:publish");
    expect(link.searchParams.get("d")).toBeNull();
    const fresh = await context.newPage();
    await fresh.setViewportSize({ width, height: 900 });
    await fresh.goto(link.toString());
    await expect(fresh.getByTestId("time")).toHaveText(timeText(11_000), { timeout: 30_000 });
    await expect(fresh.getByTestId("delta-table")).toHaveText(table ?? "");
    expect(errors).toEqual([]);
  });
}
