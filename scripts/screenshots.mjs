#!/usr/bin/env node
// The README's pictures: the playground in the light and the dark theme, and a
// chapter of the guide with the playground embedded in it. Not part of the
// tests; run it by hand after `scripts/dev.sh site` when the page's look
// changes, look at every picture, then commit them:
//
//   scripts/dev.sh site && node scripts/screenshots.mjs
//
// It serves target/site/ on 127.0.0.1 (SCREENSHOT_PORT, default 8911), opens
// each page at an exact moment of a run (a link's `t`, so every run of the
// script draws the same dots), and writes docs/images/*.png. When `pngquant`
// is on PATH (Debian: apt-get install pngquant) each picture is reduced to a
// 256-colour palette, which keeps the flat colours of the diagram and makes the
// files several times smaller.
import { chromium } from "@playwright/test";
import { execFileSync, execSync, spawn } from "node:child_process";
import { mkdirSync, statSync } from "node:fs";
import { join } from "node:path";

const ROOT = join(import.meta.dirname, "..");
const SITE = join(ROOT, "target", "site");
const OUT = join(ROOT, "docs", "images");
const PORT = Number(process.env.SCREENSHOT_PORT ?? 8911);
const BASE = `http://127.0.0.1:${PORT}/`;

// The hybrid flow with a durable queue, the warehouse down from the start:
// orders wait in the queue while the rest of the flow goes on.
const PLAYGROUND = "playground/?preset=hybrid-queue&seed=1&t=6000&cmds=0:0:down:warehouse";

const SHOTS = [
  { file: "playground-light.png", path: PLAYGROUND, colorScheme: "light", time: "6.000s" },
  { file: "playground-dark.png", path: PLAYGROUND, colorScheme: "dark", time: "6.000s" },
  // A built-in comparison: the synchronous chain, fire-and-forget and the
  // hybrid under the same payment outage, side by side with the delta table.
  { file: "compare.png", path: "playground/?cmp=payment-outage&seed=1&t=60000", colorScheme: "light", time: "60.000s", tall: true, top: '[data-testid="look-at"]' },
  // The circuit breaker chapter, its embedded playground in view.
  { file: "guide.png", path: "payment-breaker.html", colorScheme: "light", embed: true },
];

function chromiumPath() {
  return process.env.CHROMIUM_PATH ?? execSync("command -v chromium", { shell: "/bin/bash" }).toString().trim();
}

function hasPngquant() {
  try {
    execSync("command -v pngquant", { shell: "/bin/bash", stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

async function waitForServer() {
  for (let i = 0; i < 50; i++) {
    try {
      if ((await fetch(BASE)).ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no server on ${BASE}: is target/site/ built (scripts/dev.sh site)?`);
}

async function shoot(browser, shot) {
  const context = await browser.newContext({
    viewport: { width: 1280, height: shot.tall ? 1100 : 800 },
    colorScheme: shot.colorScheme,
    reducedMotion: "reduce",
  });
  const page = await context.newPage();
  await page.goto(BASE + shot.path);
  if (shot.embed) {
    const frame = page.locator("iframe.orderflow-embed__frame").first();
    await frame.scrollIntoViewIfNeeded();
    await frame.contentFrame().getByRole("group", { name: /service diagram/i }).waitFor();
    // Sized from its height message: the whole embed shows.
    await page.locator("iframe.orderflow-embed__frame--sized").first().waitFor();
    await page.evaluate(() => {
      const el = document.querySelector("iframe.orderflow-embed__frame");
      // The chapter's text just above the embed, the embed below it.
      window.scrollBy(0, el.getBoundingClientRect().top - 140);
    });
  } else {
    await page.getByRole("group", { name: /service diagram/i }).waitFor();
    await page.getByTestId("time").first().filter({ hasText: shot.time }).waitFor();
    if (shot.top) {
      // Start the picture at this element (the comparison's sentence), so the
      // designs and their delta table fill it rather than the scenario bar.
      await page.evaluate((sel) => window.scrollBy(0, document.querySelector(sel).getBoundingClientRect().top - 12), shot.top);
    }
  }
  // Let the last frame and the fonts settle.
  await page.waitForTimeout(500);
  const file = join(OUT, shot.file);
  await page.screenshot({ path: file });
  await context.close();
  return file;
}

mkdirSync(OUT, { recursive: true });
const server = spawn("python3", ["-m", "http.server", String(PORT), "--bind", "127.0.0.1", "--directory", SITE], {
  stdio: "ignore",
});
try {
  await waitForServer();
  const browser = await chromium.launch({
    executablePath: chromiumPath(),
    args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
  });
  const quantise = hasPngquant();
  if (!quantise) console.warn("pngquant is not on PATH: the pictures are written as Chromium saves them");
  for (const shot of SHOTS) {
    const file = await shoot(browser, shot);
    const raw = statSync(file).size;
    if (quantise) execFileSync("pngquant", ["--quality", "70-95", "--strip", "--force", "--output", file, file]);
    console.log(`${shot.file}: ${raw} B${quantise ? ` → ${statSync(file).size} B` : ""}`);
  }
  await browser.close();
} finally {
  server.kill();
}
