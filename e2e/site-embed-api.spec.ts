// The embed API from host pages, against the built site (target/site/): the
// guide's example host page (docs/src/embed-example.html) loads a preset,
// seeks, selects, plays and pauses the embedded playground and reads its state
// events; malformed and unknown messages change nothing; the `origin=`
// parameter shuts out other pages; and a page that already runs the
// iframe-resizer parent script (v4, from npm) sizes the playground with
// nothing new.
//
// Figures are reached by seeking and compared with the full playground opened
// on the same link: nothing here races the wall clock.
import { test, expect, type Page } from "@playwright/test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { count, trackConsoleErrors } from "./support";

interface Counters {
  completed: number;
  failed: number;
  compensated: number;
  inconsistent: number;
  lost: number;
  in_flight: number;
}

interface State {
  type: "orderflow:state";
  preset: string;
  design: string;
  mode: string;
  seed: number;
  t_ms: number;
  playing: boolean;
  seeking: boolean;
  finished: boolean;
  speed: number;
  orders: number;
  orders_started: number;
  counters: Counters;
  selected_order: number | null;
}

/** Records, on the host page, every message from a frame and when it came. */
async function recordMessages(page: Page) {
  await page.addInitScript(() => {
    const w = window as unknown as { received: { data: unknown; at: number; frame: string }[] };
    w.received = [];
    addEventListener("message", (e) => {
      const frames = Array.from(document.querySelectorAll("iframe"));
      const frame = frames.find((f) => f.contentWindow === e.source);
      w.received.push({ data: e.data, at: performance.now(), frame: frame?.id ?? "" });
    });
  });
}

async function received(page: Page, frame = "playground") {
  return page.evaluate(
    (id) =>
      (window as unknown as { received: { data: unknown; at: number; frame: string }[] }).received.filter(
        (r) => r.frame === id,
      ),
    frame,
  );
}

/** The state events a frame posted so far, oldest first. */
async function states(page: Page, frame = "playground"): Promise<State[]> {
  return (await received(page, frame))
    .map((r) => r.data as State)
    .filter((d) => d && typeof d === "object" && d.type === "orderflow:state");
}

/** Waits for a state event that satisfies `ok` and returns the latest such. */
async function stateWhere(page: Page, what: string, ok: (s: State) => boolean, frame = "playground") {
  await expect.poll(async () => (await states(page, frame)).some(ok), { message: what, timeout: 20_000 }).toBe(true);
  return (await states(page, frame)).filter(ok).at(-1)!;
}

/** Console warnings of the embed API (the playground logs them in its frame). */
function trackApiWarnings(page: Page): string[] {
  const warnings: string[] = [];
  page.on("console", (msg) => {
    if (msg.type() === "warning" && msg.text().startsWith("Orderflow embed API:")) warnings.push(msg.text());
  });
  return warnings;
}

/** Sends `message` to the example page's playground, as the host page. */
async function send(page: Page, message: unknown, frame = "playground") {
  await page.evaluate(
    ([m, id]) => {
      const f = document.getElementById(id as string) as HTMLIFrameElement;
      f.contentWindow!.postMessage(m, "*");
    },
    [message, frame],
  );
}

/** The headline counters of the full playground opened on `query`. */
async function fullPageCounters(page: Page, query: string): Promise<Counters> {
  const other = await page.context().newPage();
  const errors = trackConsoleErrors(other);
  await other.goto(`playground/?${query}`);
  const t = Number(new URLSearchParams(query).get("t")) / 1000;
  await expect(other.getByTestId("time").first()).toHaveText(new RegExp(`t = ${t.toFixed(3)}s`), { timeout: 20_000 });
  const out = {
    completed: await count(other, "completed"),
    failed: await count(other, "failed"),
    compensated: await count(other, "compensated"),
    inconsistent: await count(other, "inconsistent"),
    lost: await count(other, "lost"),
    in_flight: await count(other, "in-flight"),
  };
  expect(errors).toEqual([]);
  await other.close();
  return out;
}

test("the example host page loads a preset, seeks, selects, plays and reads state events", async ({ page }) => {
  const errors = trackConsoleErrors(page);
  const warnings = trackApiWarnings(page);
  await recordMessages(page);
  await page.goto("embed-example.html");
  const frame = page.frameLocator("#playground");
  await expect(frame.getByRole("group", { name: /service diagram/i })).toBeVisible();

  // The page opened on hybrid-queue, seed 1, at time zero, and said so.
  const first = await stateWhere(page, "a first state event", (s) => s.preset === "hybrid-queue");
  expect(first).toMatchObject({ seed: 1, t_ms: 0, playing: false, mode: "sync", orders: 300 });

  // Load async-write in SSE mode, seed 3, 40 orders.
  await page.getByLabel("Preset", { exact: true }).selectOption("async-write");
  await page.getByLabel("Mode", { exact: true }).selectOption("sse");
  await page.getByLabel("Seed", { exact: true }).fill("3");
  await page.getByLabel("Orders", { exact: true }).fill("40");
  await page.getByRole("button", { name: "Load" }).click();
  const loaded = await stateWhere(page, "the loaded preset", (s) => s.preset === "async-write");
  expect(loaded).toMatchObject({ mode: "sse", seed: 3, orders: 40, t_ms: 0, orders_started: 0 });
  await expect(frame.getByTestId("time")).toHaveText(/t = 0\.000s/);

  // Seek to 7.5 s: the exact figures of the full playground on the same link.
  await page.getByLabel("Time (ms)").fill("7500");
  await page.getByRole("button", { name: "Seek" }).click();
  const at = await stateWhere(page, "the state at 7.5 s", (s) => s.t_ms === 7500 && !s.seeking);
  const expected = await fullPageCounters(page, "preset=async-write&mode=sse&seed=3&orders=40&t=7500");
  expect(at.counters).toEqual(expected);
  expect(at.counters.completed + at.counters.in_flight).toBeGreaterThan(0);
  expect(at.playing).toBe(false);
  // The example page shows the same event.
  await expect(page.locator("#state-t")).toHaveText("7500.000 ms");
  const c = at.counters;
  await expect(page.locator("#state-counters")).toHaveText(
    [c.completed, c.failed, c.compensated, c.inconsistent, c.lost, c.in_flight].join(" · "),
  );
  await expect(frame.getByTestId("time")).toHaveText(/t = 7\.500s/);

  // Select an order, set the speed.
  await page.getByLabel("Order", { exact: true }).fill("2");
  await page.getByRole("button", { name: "Select order" }).click();
  await stateWhere(page, "order 2 selected", (s) => s.selected_order === 2);
  await page.getByLabel("Speed", { exact: true }).fill("2.5");
  await page.getByRole("button", { name: "Set speed" }).click();
  await stateWhere(page, "speed 2.5", (s) => s.speed === 2.5);

  // Play, then pause: it moved on from 7.5 s.
  await page.getByRole("button", { name: "Play", exact: true }).click();
  await stateWhere(page, "playing", (s) => s.playing);
  await page.getByRole("button", { name: "Pause", exact: true }).click();
  const paused = await stateWhere(page, "paused again", (s) => !s.playing && s.t_ms > 7500);
  expect(paused.selected_order).toBe(2);
  await expect(page.locator("#state-playing")).toHaveText("no");

  // At most four state events a second: the playground posts them at least
  // 250 ms apart by its frames' clock. The host sees them when its (shared,
  // busy) event loop gets to them, so a delivery can be late by tens of
  // milliseconds: no two may arrive as close as a few frames (what a missing
  // limit gives), and any five span a second, less that lateness at each end.
  const times = (await received(page))
    .filter((r) => (r.data as State)?.type === "orderflow:state")
    .map((r) => r.at);
  expect(times.length).toBeGreaterThanOrEqual(5);
  const gaps = times.slice(1).map((t, i) => t - times[i]);
  expect(Math.min(...gaps)).toBeGreaterThan(100);
  const spans = times.slice(4).map((t, i) => t - times[i]);
  expect(Math.min(...spans)).toBeGreaterThan(1000 - 100);

  // The example page sized the iframe from the height message: no scroll bar.
  const fit = await page.locator("#playground").evaluate((el: HTMLIFrameElement) => ({
    height: el.clientHeight,
    content: el.contentDocument!.documentElement.scrollHeight,
  }));
  expect(fit.height).toBeGreaterThanOrEqual(fit.content);

  expect(warnings).toEqual([]);
  expect(errors).toEqual([]);
});

test("a design loaded by message gives the figures of its link", async ({ page }) => {
  const errors = trackConsoleErrors(page);
  const warnings = trackApiWarnings(page);
  await recordMessages(page);
  await page.goto("embed-example.html");
  await stateWhere(page, "a first state event", (s) => s.preset === "hybrid-queue");
  // The synchronous chain with Payment published to, not called, and
  // flaky: the design in a link's d= form.
  const design = "f.order.place.1.mode:publish~s.payment.error_rate:0.3";
  await send(page, { type: "orderflow:load", preset: "sync-chain", design, seed: 2 });
  const loaded = await stateWhere(page, "the design loaded", (s) => s.preset === "sync-chain");
  expect(loaded).toMatchObject({ design, seed: 2, t_ms: 0 });
  // The publish needs a broker: the new run's diagram has one.
  const frame = page.frameLocator("#playground");
  await expect(frame.getByRole("img", { name: /^Message Broker, (up|down)/ })).toBeVisible();
  await send(page, { type: "orderflow:seek", t_ms: 9000 });
  const at = await stateWhere(page, "the state at 9 s", (s) => s.t_ms === 9000 && !s.seeking);
  const expected = await fullPageCounters(page, `preset=sync-chain&seed=2&d=${design}&t=9000`);
  expect(at.counters).toEqual(expected);
  // The design changed the figures: the preset as it is differs.
  expect(at.counters).not.toEqual(await fullPageCounters(page, "preset=sync-chain&seed=2&t=9000"));
  // A design the preset cannot take is refused by setting; the run stays.
  await send(page, { type: "orderflow:load", preset: "sync-chain", design: "s.payment.replicas:0" });
  await expect
    .poll(() => warnings.some((w) => w.includes("orderflow:load: design: services.payment.replicas: must be a whole number from 1 to 256")))
    .toBe(true);
  await send(page, { type: "orderflow:get-state" });
  await expect.poll(async () => (await states(page)).at(-1)).toEqual(at);
  expect(errors).toEqual([]);
});

test("malformed and unknown messages change nothing, and the console says why", async ({ page }) => {
  const errors = trackConsoleErrors(page);
  const warnings = trackApiWarnings(page);
  await recordMessages(page);
  await page.goto("embed-example.html");
  await stateWhere(page, "a first state event", (s) => s.preset === "hybrid-queue");
  await send(page, { type: "orderflow:seek", t_ms: 5000 });
  await send(page, { type: "orderflow:select", order: 4 });
  const before = await stateWhere(page, "the state at 5 s", (s) => s.t_ms === 5000 && !s.seeking && s.selected_order === 4);

  const bad: [unknown, string][] = [
    [{ type: "orderflow:seek", t_ms: "soon" }, 'orderflow:seek: t_ms: expected a number, got text'],
    [{ type: "orderflow:seek", t_ms: -5 }, "orderflow:seek: t_ms: must be a number from 0 to 604800000, got -5"],
    [{ type: "orderflow:fly" }, 'unknown message type "orderflow:fly"'],
    [{ type: "orderflow:load", preset: "nope" }, 'orderflow:load: preset: unknown preset "nope"'],
    [{ type: "orderflow:load", preset: "sync-chain", mode: "polling" }, 'orderflow:load: mode: sync-chain does not support "polling"'],
    [{ type: "orderflow:select", order: 999 }, "orderflow:select: order: this run has orders 1 to 300, got 999"],
    [{ type: "orderflow:play", now: true }, 'orderflow:play: unknown field "now"'],
    [{ type: "orderflow:speed", speed: 1e9 }, "orderflow:speed: speed: must be a number from 0.1 to 1000"],
    [{ type: "play" }, 'type "play" does not start with "orderflow:"'],
    ["hello", 'not an Orderflow message: text "hello"'],
    [42, "not an Orderflow message: got a number"],
    [{ type: "orderflow:seek", t_ms: 1, deep: { a: { b: { c: { d: 1 } } } } }, "nested deeper than 4 levels"],
  ];
  for (const [message] of bad) await send(page, message);
  await expect.poll(() => warnings.length, { timeout: 10_000 }).toBeGreaterThanOrEqual(bad.length);
  // The answer to get-state: the same state as before, to the last counter.
  const n = (await states(page)).length;
  await send(page, { type: "orderflow:get-state" });
  await expect.poll(async () => (await states(page)).length).toBeGreaterThan(n);
  expect((await states(page)).at(-1)).toEqual(before);
  await expect(page.frameLocator("#playground").getByTestId("time")).toHaveText(/t = 5\.000s/);
  for (const [message, why] of bad) {
    expect(
      warnings.some((w) => w.includes(why) && w.endsWith("; ignored")),
      `${JSON.stringify(message)}: no warning with ${why} in ${warnings.join("\n")}`,
    ).toBe(true);
  }
  expect(errors).toEqual([]);
});

test("origin= restricts whom the playground listens and posts to", async ({ page, baseURL }) => {
  const errors = trackConsoleErrors(page);
  const warnings = trackApiWarnings(page);
  await recordMessages(page);
  await page.goto("embed-example.html");
  await stateWhere(page, "the example's own playground speaks", () => true);
  const host = new URL(baseURL!).origin;
  // Two more playgrounds: one that trusts this page, one that trusts another.
  await page.evaluate((origin) => {
    for (const [id, allowed] of [
      ["trusting", origin],
      ["other", "https://docs.example.org"],
    ]) {
      const f = document.createElement("iframe");
      f.id = id;
      f.src = `playground/?preset=sync-chain&seed=2&embed=1&origin=${encodeURIComponent(allowed)}`;
      f.style.width = "800px";
      f.style.height = "500px";
      document.body.appendChild(f);
    }
  }, host);
  for (const id of ["trusting", "other"]) {
    await expect(page.frameLocator(`#${id}`).getByRole("group", { name: /service diagram/i })).toBeVisible();
  }
  await stateWhere(page, "the trusting frame's first state", (s) => s.preset === "sync-chain", "trusting");
  for (const id of ["trusting", "other"]) await send(page, { type: "orderflow:seek", t_ms: 4000 }, id);

  await stateWhere(page, "the trusting frame seeks", (s) => s.t_ms === 4000 && !s.seeking, "trusting");
  await expect(page.frameLocator("#trusting").getByTestId("time")).toHaveText(/t = 4\.000s/);
  // The other one ignores this page and says so; it posts nothing to it.
  await expect
    .poll(() => warnings.some((w) => w.includes(`a message from ${host}, which the link's origin parameter does not allow`)))
    .toBe(true);
  await expect(page.frameLocator("#other").getByTestId("time")).toHaveText(/t = 0\.000s/);
  expect(await received(page, "other")).toEqual([]);
  expect(errors).toEqual([]);
});

test("a page running iframe-resizer's parent script sizes the playground with nothing new", async ({ page, baseURL }) => {
  const errors = trackConsoleErrors(page);
  // A host page of the site's origin with no policy of its own, loading the
  // resizer's parent script (iframe-resizer 4.4.5 from npm) from its origin.
  const resizer = readFileSync(join(__dirname, "..", "node_modules", "iframe-resizer", "js", "iframeResizer.js"), "utf8");
  await page.route(new URL("resizer-host.html", baseURL).href, (route) =>
    route.fulfill({
      contentType: "text/html",
      body: `<!DOCTYPE html><meta charset="utf-8"><title>resizer host</title>
        <iframe id="resized" title="Orderflow" src="playground/?preset=hybrid-queue&embed=1"
                style="width: 900px; border: 1px solid #999"></iframe>
        <script src="vendor/iframeResizer.js"></script>
        <script src="vendor/start.js"></script>`,
    }),
  );
  await page.route(new URL("vendor/iframeResizer.js", baseURL).href, (route) =>
    route.fulfill({ contentType: "text/javascript", body: resizer }),
  );
  await page.route(new URL("vendor/start.js", baseURL).href, (route) =>
    route.fulfill({
      contentType: "text/javascript",
      body: `window.sized = []; iFrameResize({ onResized: (d) => window.sized.push(d), warningTimeout: 0 }, "#resized");`,
    }),
  );
  await page.goto("resizer-host.html");
  const frame = page.locator("#resized");
  await expect(page.frameLocator("#resized").getByRole("group", { name: /service diagram/i })).toBeVisible();
  // The resizer set the height it was told: the playground's whole document.
  await expect.poll(() => frame.evaluate((el: HTMLIFrameElement) => el.style.height)).toMatch(/^\d+px$/);
  const fit = await frame.evaluate((el: HTMLIFrameElement) => ({
    style: parseInt(el.style.height, 10),
    inner: el.clientHeight,
    content: el.contentDocument!.documentElement.scrollHeight,
    bounding: Math.ceil(el.contentDocument!.documentElement.getBoundingClientRect().height),
  }));
  expect(fit.style).toBeGreaterThan(200);
  expect(fit.style).toBe(fit.bounding);
  expect(fit.inner).toBeGreaterThanOrEqual(fit.content);
  expect(errors).toEqual([]);
});
