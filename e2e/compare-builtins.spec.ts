// Each built-in comparison opened by its short link (cmp=, seed, t=): its
// title and sentence, its designs, and the exact figure its sentence leads
// with per design at that moment. The same texts are checked natively in
// src/controller.rs (each_built_in_by_its_link_shows_its_first_figure).
import { test, expect } from "@playwright/test";
import { open, timeText } from "./support";

const CASES = [
  {
    id: "payment-outage",
    t: 60_000,
    title: "Sync chain vs fire-and-forget vs hybrid, payment down",
    designs: ["Synchronous chain", "Fire-and-forget", "Hybrid"],
    metric: "latency.response.p95_ms",
    values: ["377 ms", "7.6 ms", "287 ms"],
  },
  {
    id: "completion-channels",
    t: 60_000,
    title: "Polling vs callback vs server-sent events on an asynchronous write",
    designs: ["Polling", "Callback", "Server-sent events"],
    metric: "latency.detection_lag.mean_ms",
    values: ["549 ms", "1.3 ms", "45.4 ms"],
  },
  {
    id: "breaker-hanging-provider",
    t: 60_000,
    title: "No breaker vs breaker vs breaker + backup provider, provider hanging",
    designs: ["No breaker", "Breaker", "Breaker + backup provider"],
    metric: "client.timeouts",
    values: ["78", "0", "0"],
  },
  {
    id: "competing-workers",
    t: 90_000,
    title: "One worker vs competing workers, under a surge",
    designs: ["One worker", "Three competing workers"],
    metric: "latency.completion.p95_ms",
    values: ["46.7 s", "21.4 s"],
  },
  {
    id: "retry-storm",
    t: 30_000,
    title: "Retries without backoff vs jittered backoff with a budget",
    designs: ["Immediate retries", "Jittered backoff + budget"],
    metric: "client.retries",
    values: ["7437", "26"],
  },
  {
    id: "surge-cost",
    t: 60_000,
    title: "The surge, synchronous payment vs payment behind a queue, in cost",
    designs: ["Synchronous payment, 2 replicas", "Payment behind a queue, 1 replica"],
    metric: "cost.replica_seconds",
    values: ["540.0 s", "480.0 s"],
  },
];

for (const c of CASES) {
  test(`${c.id} by its link: ${c.metric} per design at ${c.t / 1000} s`, async ({ page }) => {
    const errors = await open(page, `cmp=${c.id}&seed=1&t=${c.t}`);
    await expect(page.getByTestId("time")).toHaveText(timeText(c.t), { timeout: 30_000 });
    await expect(page.getByTestId("look-at")).toContainText(c.title);
    await expect(page.getByTestId("design-name")).toHaveText(c.designs);
    const table = page.getByTestId("delta-table");
    // The figure the sentence leads with is the table's first row.
    await expect(table.locator("tr[data-metric]").first()).toHaveAttribute("data-metric", c.metric);
    await expect(table.locator(`tr[data-metric="${c.metric}"] .delta__value`)).toHaveText(c.values);
    expect(errors).toEqual([]);
  });
}
