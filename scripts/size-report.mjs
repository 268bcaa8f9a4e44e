// Prints the raw and brotli-compressed size of the bundle's wasm, JS and CSS,
// and how much of the budget the files loaded at start use; fails when they
// exceed the ceiling (the budget once the bundle is back under it: a
// deterministic figure, so `scripts/dev.sh test` gates on it).
// Usage: node scripts/size-report.mjs [dist-dir]
import { readFileSync } from "node:fs";
import { BUDGET_BROTLI_B, CEILING_BROTLI_B, bundleSizes, startBrotli } from "./bundle-size.mjs";

const dir = process.argv[2] ?? "dist";
const rows = bundleSizes(dir);
if (rows.length === 0) {
  console.error(`no wasm, js or css files under ${dir}: build first`);
  process.exit(1);
}
const fmt = (n) => n.toLocaleString("en-US").padStart(10);
console.log(`${"kind".padEnd(5)} ${"raw B".padStart(10)} ${"brotli B".padStart(10)}  file`);
for (const r of rows)
  console.log(`${r.kind.padEnd(5)} ${fmt(r.raw)} ${fmt(r.brotli)}  ${r.path}${r.start ? "" : "  (on demand)"}`);
const atStart = rows.filter((r) => r.start);
const raw = atStart.reduce((a, r) => a + r.raw, 0);
const brotli = startBrotli(rows);
console.log(`${"start".padEnd(5)} ${fmt(raw)} ${fmt(brotli)}  (loaded at start)`);
const used = brotli / BUDGET_BROTLI_B;
console.log(
  `brotli at start is ${used.toFixed(3)} of the ${BUDGET_BROTLI_B.toLocaleString("en-US")} B budget` +
    (used > 1 ? " (OVER BUDGET)" : ` (${(BUDGET_BROTLI_B - brotli).toLocaleString("en-US")} B left)`),
);

// The app builds its presets from generated Rust code (crates/orderflow-sim/
// src/presets.rs) so that no JSON parser ships: serde_json alone was ~15 KB
// of the brotli budget. Its error messages in the wasm loaded at start mean
// it crept back (the design's JSON worker, loaded on demand, has it).
const marker = "EOF while parsing";
for (const r of atStart.filter((r) => r.kind === "wasm")) {
  if (readFileSync(r.path).includes(marker)) {
    console.error(`${r.path} contains serde_json's parser ("${marker}"): something in the app parses JSON again`);
    process.exit(1);
  }
}
if (brotli > CEILING_BROTLI_B) {
  console.error(
    `the files loaded at start are ${brotli - CEILING_BROTLI_B} B over the ${CEILING_BROTLI_B} B ceiling ` +
      `(the budget is ${BUDGET_BROTLI_B} B): something grew the bundle`,
  );
  process.exit(1);
}
