// Id source (003's three ways to get the order id): chosen in the scenario
// bar or by the link's id=; the Id Service is drawn only when the ids come
// from it, and a change of mode keeps the choice.
import { test, expect } from "@playwright/test";
import { diagram, node, open, openAt, shot } from "./support";

/** The services table's "calls" figure of service `label`. */
async function calls(page: import("@playwright/test").Page, label: string): Promise<number> {
  const row = page.locator("table.services tbody tr", { has: page.getByRole("rowheader", { name: label, exact: true }) });
  return Number(await row.locator("[data-col=calls]").textContent());
}

// Exact figures of async-write, seed 1, ids from the Id Service: by 10 s
// the client has asked it for 32 ids (none when the service makes them).
const IDS_AT_10S = 32;

test("the Id Service appears when chosen, and stays through a change of mode", async ({ page }, testInfo) => {
  const errors = await open(page, "preset=async-write");
  await expect(page.getByRole("radio", { name: "the service makes it" })).toBeChecked();
  await expect(node(page, "Id Service")).toHaveCount(0);
  await expect(diagram(page).locator('[data-edge="client->ids"]')).toHaveCount(0);

  await page.getByRole("radio", { name: "from the Id Service" }).check();
  await expect(page).toHaveURL(/id=id-service/);
  await expect(node(page, "Id Service")).toBeVisible();
  await expect(diagram(page).locator('[data-edge="client->ids"]')).toHaveCount(1);

  // Another completion mode keeps the id source (it used to be dropped).
  await page.getByRole("radio", { name: "202 + callback" }).check();
  await expect(page).toHaveURL(/mode=callback/);
  await expect(page).toHaveURL(/id=id-service/);
  await expect(page.getByRole("radio", { name: "from the Id Service" })).toBeChecked();
  await expect(node(page, "Id Service")).toBeVisible();
  await shot(page, testInfo, "id-source-id-service");

  await page.getByRole("radio", { name: "the client makes it" }).check();
  await expect(page).toHaveURL(/id=client/);
  await expect(node(page, "Id Service")).toHaveCount(0);
  expect(errors).toEqual([]);
});

test("by link: the calls to the Id Service are exact at t = 10 s", async ({ page }) => {
  const errors = await openAt(page, "preset=async-write&id=id-service", 10_000);
  await expect(page.getByRole("radio", { name: "from the Id Service" })).toBeChecked();
  await expect(node(page, "Id Service")).toBeVisible();
  expect(await calls(page, "Id Service")).toBe(IDS_AT_10S);

  await openAt(page, "preset=async-write", 10_000);
  await expect(node(page, "Id Service")).toHaveCount(0);
  expect(await calls(page, "Id Service")).toBe(0);
  expect(errors).toEqual([]);
});

test("a pattern that only answers synchronously offers no id choice", async ({ page }) => {
  const errors = await open(page, "preset=mmc");
  await expect(page.getByRole("group", { name: "Order id" })).toHaveCount(0);
  expect(errors).toEqual([]);
});
