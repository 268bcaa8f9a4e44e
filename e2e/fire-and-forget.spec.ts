// Fire-and-forget: the client hears "placed" at once, even while Payment is
// down, so orders become inconsistent and the counter says how many.
import { test, expect } from "@playwright/test";
import { count, open, pause, play, runToEnd, shot, simSeconds, untilSim } from "./support";

test("payment down: the inconsistent counter rises", async ({ page }, testInfo) => {
  const errors = await open(page, "preset=fire-and-forget&speed=4");
  await play(page);
  await untilSim(page, 2);
  await pause(page);
  expect(await count(page, "inconsistent")).toBe(0);
  await page.getByRole("button", { name: "Payment down for 10 s" }).click();
  await play(page);
  await expect.poll(() => count(page, "inconsistent"), { timeout: 20_000 }).toBeGreaterThan(0);
  expect(await simSeconds(page)).toBeLessThan(15);
  await shot(page, testInfo, "fire-and-forget-inconsistent");
  await runToEnd(page);
  const inconsistent = await count(page, "inconsistent");
  const completed = await count(page, "completed");
  expect(inconsistent).toBeGreaterThan(0);
  expect(completed + inconsistent + (await count(page, "failed"))).toBe(240);
  expect(errors).toEqual([]);
});
