// The Export menu of the full page: every file downloads (Playwright's
// download API), carries the preset, seed and time in its name, and parses:
// JSON Lines line by line, CSV columns and rows, the SVG as well-formed XML
// with every node, the PNG as an image; the design is a scenario file the
// command line accepts and links back; the Mermaid story is the command
// line's own text for the same order. Every run is reached through a link's
// time cursor, so the figures are exact.
import { test, expect, type Page } from "@playwright/test";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { open } from "./support";

const ROOT = join(__dirname, "..");

/** Runs the engine's command-line tool (built by cargo if it must be). */
function orderflow(...args: string[]): string {
  return execFileSync("cargo", ["run", "-q", "-p", "orderflow-sim", "--bin", "orderflow", "--", ...args], {
    cwd: ROOT,
    encoding: "utf8",
  });
}

/** Clicks an export button and returns the downloaded file. */
async function save(page: Page, button: string | RegExp) {
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("group", { name: "Export" }).getByRole("button", { name: button }).click(),
  ]);
  const path = await download.path();
  return { name: download.suggestedFilename(), text: readFileSync(path!, "utf8"), bytes: readFileSync(path!) };
}

function csv(text: string): string[][] {
  // The exporters quote only fields with commas or quotes; none here do.
  return text.trimEnd().split("\n").map((line) => line.split(","));
}

const HYBRID_QUEUE = JSON.parse(readFileSync(join(ROOT, "scenarios", "hybrid-queue.json"), "utf8"));
const PREFIX = "hybrid-queue_seed1_t12.500s_";

test("every export of hybrid-queue at 12.5 s downloads and parses", async ({ page }) => {
  test.setTimeout(240_000);
  const errors = await open(page, "preset=hybrid-queue&seed=1&t=12500");
  await expect(page.getByTestId("time").first()).toHaveText(/t = 12\.500s/, { timeout: 20_000 });
  await page.locator("summary", { hasText: "Export" }).click();
  const status = page.getByTestId("export-status");

  // Metrics: the figures of `orderflow run`, one per row, by the same names.
  const metrics = await save(page, "Metrics (CSV)");
  expect(metrics.name).toBe(`${PREFIX}metrics.csv`);
  const rows = csv(metrics.text);
  expect(rows[0]).toEqual(["metric", "value"]);
  for (const r of rows) expect(r).toHaveLength(2);
  const report = JSON.parse(orderflow("run", "hybrid-queue", "--seed", "1", "--orders", "5"));
  delete report.finished;
  const names: string[] = [];
  const walk = (prefix: string, v: unknown) => {
    if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) walk(prefix ? `${prefix}.${k}` : k, x);
    else names.push(prefix);
  };
  walk("", report);
  expect(rows.slice(1).map((r) => r[0]).sort()).toEqual(names.sort());
  const get = (name: string) => rows.find((r) => r[0] === name)?.[1];
  expect(get("scenario")).toBe("hybrid-queue");
  expect(get("sim_time_s")).toBe("12.5");
  expect(Number(get("orders.outcomes.completed"))).toBe(
    Number(await page.getByTestId("count-completed").locator(".counter__value").textContent()),
  );
  await expect(status).toHaveText(`saved ${PREFIX}metrics.csv`);

  // The time series: a column per figure, a row per sample (every 500 ms).
  const series = csv((await save(page, "Time series (CSV)")).text);
  const queues = HYBRID_QUEUE.broker.queues.length;
  const breakers = (HYBRID_QUEUE.breakers ?? []).length;
  const width = 12 + 2 * HYBRID_QUEUE.services.length + 2 * queues + breakers;
  expect(series[0]).toHaveLength(width);
  expect(series[0].slice(0, 3)).toEqual(["t_ms", "in_flight_orders", "completed"]);
  expect(series).toHaveLength(1 + 26);
  for (const r of series) expect(r).toHaveLength(width);
  expect(series.slice(1).map((r) => Number(r[0]))).toEqual([...Array(26).keys()].map((i) => i * 500));

  // The trace: one JSON object per line, every event up to now, in order.
  const trace = await save(page, "Trace (JSON Lines)");
  expect(trace.name).toBe(`${PREFIX}trace.jsonl`);
  const lines = trace.text.trimEnd().split("\n");
  const events = lines.map((l) => JSON.parse(l));
  expect(events.length).toBeGreaterThan(1000);
  // Checked in plain code, one expect for all: an expect per line costs a
  // reported step each, minutes for a few thousand lines on a busy machine.
  const bad = events.flatMap((e, i) => {
    const ok =
      typeof e.type === "string" &&
      typeof e.text === "string" &&
      Number.isInteger(e.t) &&
      e.t <= 12_500_000 &&
      (i === 0 || e.t >= events[i - 1].t);
    return ok ? [] : [`line ${i + 1}: ${lines[i]}`];
  });
  expect(bad).toEqual([]);
  await expect(status).toHaveText(`saved ${PREFIX}trace.jsonl: ${lines.length} events`);

  // The diagram as SVG: well-formed XML with the nine nodes and the dots.
  const svg = await save(page, "Diagram (SVG)");
  expect(svg.name).toBe(`${PREFIX}diagram.svg`);
  const dots = Number(await page.locator("canvas.diagram__tokens").getAttribute("data-tokens"));
  // Parsed on a blank page of its own: DOMParser applies the document's
  // content security policy to the SVG's <style>, and the playground's
  // policy would log a refusal that is about the test, not the file.
  const scratch = await page.context().newPage();
  const parsed = await scratch.evaluate((text) => {
    const doc = new DOMParser().parseFromString(text, "image/svg+xml");
    return {
      error: doc.querySelector("parsererror")?.textContent ?? null,
      root: doc.documentElement.nodeName,
      nodes: [...doc.querySelectorAll("g[data-node]")].map((g) => g.getAttribute("data-node")),
      dots: doc.querySelectorAll("circle.token").length,
    };
  }, svg.text);
  expect(parsed.error).toBeNull();
  expect(parsed.root).toBe("svg");
  expect(parsed.nodes.sort()).toEqual(HYBRID_QUEUE.services.map((s: { id: string }) => s.id).sort());
  expect(parsed.nodes).toHaveLength(9);
  expect(parsed.dots).toBe(dots);

  // The PNG decodes, at twice the diagram's units.
  const png = await save(page, "Diagram (PNG)");
  expect(png.name).toBe(`${PREFIX}diagram.png`);
  const viewBox = (await page.locator("svg.diagram").getAttribute("viewBox"))!.split(" ").map(Number);
  const size = await scratch.evaluate(async (b64) => {
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const bitmap = await createImageBitmap(new Blob([bytes], { type: "image/png" }));
    return [bitmap.width, bitmap.height];
  }, png.bytes.toString("base64"));
  expect(size).toEqual([viewBox[2] * 2, viewBox[3] * 2]);

  // The design: a scenario file the command line checks and links back.
  const design = await save(page, "Design (JSON)");
  expect(design.name).toBe(`${PREFIX}design.json`);
  const scenario = JSON.parse(design.text);
  expect(scenario.name).toBe("hybrid-queue");
  expect(scenario.workload.orders).toBe(HYBRID_QUEUE.workload.orders);
  const file = join(mkdtempSync(join(tmpdir(), "orderflow-e2e-")), design.name);
  writeFileSync(file, design.text);
  expect(orderflow("check", file)).toContain(": ok (9 services");
  expect(orderflow("link", file, "--seed", "1", "--base", "http://x/")).toBe("http://x/?preset=hybrid-queue&seed=1\n");

  // The Mermaid story needs an order; then it is the command line's text.
  const mermaidButton = page.getByRole("group", { name: "Export" }).getByRole("button", { name: /Mermaid/ });
  await expect(mermaidButton).toBeDisabled();
  await page.getByLabel("Order to inspect").fill("4");
  await page.getByLabel("Order to inspect").press("Enter");
  await expect(mermaidButton).toHaveText("Order 4's story (Mermaid)");
  const story = await save(page, "Order 4's story (Mermaid)");
  expect(story.name).toBe(`${PREFIX}order4.mmd`);
  expect(story.text.startsWith("sequenceDiagram\n")).toBe(true);
  expect(story.text).toBe(orderflow("mermaid", "hybrid-queue", "--order", "4", "--seed", "1"));
  await expect(status).toContainText("the same text as `orderflow mermaid hybrid-queue --order 4 --seed 1`");

  expect(errors).toEqual([]);
});

test("the Mermaid story matches the command line in another mode, mid-run", async ({ page }) => {
  test.setTimeout(240_000);
  const errors = await open(page, "preset=payment-breaker&mode=callback&seed=5&orders=60&t=7000");
  await expect(page.getByTestId("time").first()).toHaveText(/t = 7\.000s/, { timeout: 20_000 });
  await page.locator("summary", { hasText: "Export" }).click();
  await page.getByLabel("Order to inspect").fill("23");
  await page.getByLabel("Order to inspect").press("Enter");
  const story = await save(page, "Order 23's story (Mermaid)");
  expect(story.name).toBe("payment-breaker_seed5_t7.000s_order23.mmd");
  const cli = orderflow("mermaid", "payment-breaker", "--order", "23", "--seed", "5", "--completion", "callback", "--orders", "60");
  expect(story.text).toBe(cli);
  expect(cli).toContain("settled");
  expect(errors).toEqual([]);
});
