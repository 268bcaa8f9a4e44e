#!/usr/bin/env node
// Soak test of the release build (not part of CI's pass/fail suite, except the
// 2-minute version that `scripts/dev.sh test` runs).
//
// Plays hybrid-queue at 1000x for a long time while clicking the page's
// one-click faults in turn, starting a new run (the next seed, typed into the
// Seed field) whenever one ends, and prints
// every sample period the JS heap (CDP Runtime.getHeapUsage, after a forced
// garbage collection, so it counts what the page keeps rather than garbage
// not yet collected) and the size of the WebAssembly memory. At the end it
// compares the last sample with the one at the end of the warm-up and exits
// non-zero when either grew by more than the target.
//
// Usage: node scripts/soak.mjs [--minutes 30] [--dist dist]
//   --minutes N   how long to play (default 30)
//   --warmup S    seconds before the baseline sample (default: 300, or 30
//                 when the run is shorter than 10 minutes)
//   --every S     seconds between samples (default: 60, or 15 for short runs)
//   --target P    allowed growth after the warm-up, percent (default 10)
//   --wasm-cap-mb M  short runs only: the WebAssembly memory must stay under
//                 M MB (default 256) instead of within the growth target.
//                 Wasm linear memory never shrinks: it is the high-water mark
//                 of the largest state any run reached, and in two minutes of
//                 wall-clock-paced runs one growth step (88.6 → 124.1 MB was
//                 seen) can land after the warm-up or not. A leak shows in
//                 the 30-minute soak, whose baseline is taken at 5 minutes.
//   --orders N    orders in each run (default 50,000: about 10,000 s of
//                 simulated time, 10 s of wall time at 1000x)
//
// Why runs of 50,000 orders, restarted: within one run the page keeps what
// lets it seek and tell any order's story (the engine's record of every
// order, the time series), so memory grows with the orders played until the
// run ends, by design and bounded by the 1,000,000-order limit. What must
// not grow is what outlives a run or what the caps bound (the trace store,
// checkpoints, the event log, the tokens on screen): many short runs with
// faults, well inside the warm-up each, show that.
//
// Why a new seed rather than the Restart button: Restart rewinds the same
// run and replays its recorded faults, and a fault clicked while a replayed
// timed fault is still on makes that fault permanent (a known bug, pinned by
// e2e/known-bugs.spec.ts); a run with a service down for good holds far more
// in memory and would show as growth here. `--restart` uses the button anyway.
// Serves the dist folder itself on 127.0.0.1 (port SOAK_PORT, else E2E_PORT+2,
// else 8903).
import { chromium } from "@playwright/test";
import { execSync, spawn } from "node:child_process";
import { parseArgs } from "node:util";

const { values: opts } = parseArgs({
  options: {
    minutes: { type: "string", default: "30" },
    warmup: { type: "string" },
    every: { type: "string" },
    target: { type: "string", default: "10" },
    "wasm-cap-mb": { type: "string", default: "256" },
    dist: { type: "string", default: "dist" },
    orders: { type: "string", default: "50000" },
    restart: { type: "boolean", default: false },
  },
});
const minutes = Number(opts.minutes);
const short = minutes < 10;
const warmupS = Number(opts.warmup ?? (short ? 30 : 300));
const everyS = Number(opts.every ?? (short ? 15 : 60));
const targetPct = Number(opts.target);
const wasmCapB = Number(opts["wasm-cap-mb"]) * 1024 * 1024;
if (!(minutes > 0) || !(warmupS >= 0) || !(everyS > 0) || !(wasmCapB > 0) || warmupS >= minutes * 60) {
  console.error("soak: need --minutes > 0 and a warm-up shorter than the run");
  process.exit(2);
}

const PORT = Number(process.env.SOAK_PORT ?? (process.env.E2E_PORT ? Number(process.env.E2E_PORT) + 2 : 8903));
const BASE = `http://127.0.0.1:${PORT}/`;
// Seconds of wall time between two fault clicks.
const FAULT_EVERY_S = 7;

const executablePath =
  process.env.CHROMIUM_PATH ?? execSync("command -v chromium", { shell: "/bin/bash" }).toString().trim();

const server = spawn("python3", ["-m", "http.server", String(PORT), "--bind", "127.0.0.1", "--directory", opts.dist], {
  stdio: "ignore",
});
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitForServer() {
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(BASE)).ok) return;
    } catch {}
    await sleep(100);
  }
  throw new Error(`no server on ${BASE}`);
}

const mb = (b) => (b / 1048576).toFixed(1);
const pct = (a, b) => ((b - a) / a) * 100;

let browser;
let exitCode = 0;
try {
  await waitForServer();
  browser = await chromium.launch({
    executablePath,
    args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-sync"],
  });
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
  // Keeps the wasm exports the loader announces, to read the memory size.
  await page.addInitScript(() => {
    addEventListener("TrunkApplicationStarted", (e) => {
      window.__soakWasm = e.detail && e.detail.wasm;
    });
  });
  const cdp = await page.context().newCDPSession(page);

  await page.goto(`${BASE}?preset=hybrid-queue&orders=${Number(opts.orders)}&speed=1000`);
  await page.getByRole("group", { name: /service diagram/i }).waitFor();
  const playButton = page.getByRole("button", { name: "Play", exact: true });
  const faults = page.getByRole("region", { name: "Break things" }).locator("button.button--fault");
  const faultLabels = await faults.allTextContents();
  if (faultLabels.length === 0) throw new Error("no one-click fault buttons found");
  console.log(`soak: ${minutes} min of hybrid-queue at 1000x, faults every ${FAULT_EVERY_S} s: ${faultLabels.join(", ")}`);

  async function sample() {
    await cdp.send("HeapProfiler.collectGarbage");
    const heap = await cdp.send("Runtime.getHeapUsage");
    const wasm = await page.evaluate(() => window.__soakWasm?.memory?.buffer?.byteLength ?? 0);
    const simTime = await page.getByTestId("time").first().textContent();
    const completed = await page.getByTestId("count-completed").locator(".counter__value").textContent();
    return { heap: heap.usedSize, wasm, simTime: `${simTime}, ${completed} completed` };
  }

  const t0 = Date.now();
  const elapsedS = () => (Date.now() - t0) / 1000;
  const samples = [];
  let baseline = null;
  let nextSample = 0;
  let nextFault = FAULT_EVERY_S;
  let faultIndex = 0;
  let restarts = 0;
  let clicks = 0;
  let lastFault = "none";
  while (elapsedS() < minutes * 60) {
    // Keep it playing: a run that ended (or never started) starts again.
    if (await playButton.isVisible()) {
      if (await page.getByTestId("message").filter({ hasText: "the run is over" }).count()) {
        if (opts.restart) {
          await page.getByRole("button", { name: "Restart" }).click();
        } else {
          const seed = page.getByLabel("Seed");
          await seed.fill(String(restarts + 2));
          await seed.press("Tab");
          await page.getByTestId("time").filter({ hasText: "t = 0.000s" }).waitFor();
        }
        restarts++;
      }
      await playButton.click();
    }
    if (elapsedS() >= nextFault) {
      lastFault = `${faultLabels[faultIndex % faultLabels.length]} at ${Math.round(elapsedS())} s`;
      await faults.nth(faultIndex % faultLabels.length).click();
      faultIndex++;
      clicks++;
      nextFault += FAULT_EVERY_S;
    }
    if (elapsedS() >= nextSample) {
      const s = await sample();
      const at = Math.round(elapsedS());
      samples.push({ at, ...s });
      if (baseline === null && at >= warmupS) baseline = samples.at(-1);
      console.log(
        `soak: ${String(at).padStart(5)} s  JS heap ${mb(s.heap).padStart(6)} MB  wasm memory ${mb(s.wasm).padStart(6)} MB  ` +
          `run ${restarts + 1}, ${s.simTime}, last fault: ${lastFault}`,
      );
      nextSample += everyS;
    }
    await sleep(250);
  }
  const last = await sample();
  if (baseline === null) baseline = samples.at(-1);
  const heapGrowth = pct(baseline.heap, last.heap);
  const wasmGrowth = pct(baseline.wasm, last.wasm);
  console.log(
    `soak: end ${Math.round(elapsedS())} s  JS heap ${mb(last.heap)} MB  wasm memory ${mb(last.wasm)} MB  ${last.simTime}`,
  );
  console.log(`soak: ${clicks} fault clicks, ${restarts + 1} runs, ${errors.length} page errors`);
  console.log(
    `soak: growth after the first ${warmupS} s (baseline at ${baseline.at} s): JS heap ${heapGrowth.toFixed(1)} %, ` +
      `wasm memory ${wasmGrowth.toFixed(1)} % (target under ${targetPct} %` +
      (short ? `; wasm memory judged by its cap in a short run: under ${mb(wasmCapB)} MB)` : ")"),
  );
  const wasmOver = short ? last.wasm > wasmCapB : wasmGrowth > targetPct;
  if (errors.length) {
    console.error(`soak: page errors:\n  ${errors.slice(0, 10).join("\n  ")}`);
    exitCode = 1;
  }
  if (heapGrowth > targetPct || wasmOver) {
    console.error("soak: FAILED, memory grew more than the target");
    exitCode = 1;
  } else {
    console.log("soak: ok");
  }
} catch (e) {
  console.error(`soak: ${e.stack ?? e}`);
  exitCode = 1;
} finally {
  await browser?.close();
  server.kill();
}
process.exit(exitCode);
