// Retry storm: a 2 s stall of a busy API (at 10 s) with clients that retry
// at once turns into a collapse that outlasts it; with jittered backoff and
// a retry budget (retry-storm-backoff) the API recovers. Figures by link at
// exact times, seed 1.
import { test, expect, type Page } from "@playwright/test";
import { count, metric, openAt } from "./support";

async function figures(page: Page) {
  return {
    timeouts: await metric(page, "client-timeouts"),
    retries: await metric(page, "client-retries"),
    completed: await count(page, "completed"),
    failed: await count(page, "failed"),
  };
}

test("without backoff the stall becomes a collapse", async ({ page }) => {
  const errors = await openAt(page, "preset=retry-storm&seed=1", 20_000);
  expect(await figures(page)).toEqual({ timeouts: 803, retries: 3247, completed: 1405, failed: 155 });
  // Ten seconds later nothing has completed since: every request the API
  // takes belongs to a client that already left.
  await openAt(page, "preset=retry-storm&seed=1", 30_000);
  expect(await figures(page)).toEqual({ timeouts: 2195, retries: 7437, completed: 1405, failed: 653 });
  expect(errors).toEqual([]);
});

test("with jittered backoff and a budget it recovers", async ({ page }) => {
  const errors = await openAt(page, "preset=retry-storm-backoff&seed=1", 20_000);
  expect(await figures(page)).toEqual({ timeouts: 1041, retries: 26, completed: 1685, failed: 1041 });
  // The budget ran dry: no more timeouts or retries, orders complete again.
  await openAt(page, "preset=retry-storm-backoff&seed=1", 30_000);
  expect(await figures(page)).toEqual({ timeouts: 1041, retries: 26, completed: 3088, failed: 1041 });
  expect(errors).toEqual([]);
});
