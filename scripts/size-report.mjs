// Prints the raw and brotli-compressed size of the bundle's wasm, JS and CSS,
// and how much of the budget they use.
// Usage: node scripts/size-report.mjs [dist-dir]
import { readFileSync } from "node:fs";
import { BUDGET_BROTLI_B, bundleSizes } from "./bundle-size.mjs";

const dir = process.argv[2] ?? "dist";
const rows = bundleSizes(dir);
if (rows.length === 0) {
  console.error(`no wasm, js or css files under ${dir}: build first`);
  process.exit(1);
}
const fmt = (n) => n.toLocaleString("en-US").padStart(10);
console.log(`${"kind".padEnd(5)} ${"raw B".padStart(10)} ${"brotli B".padStart(10)}  file`);
for (const r of rows) console.log(`${r.kind.padEnd(5)} ${fmt(r.raw)} ${fmt(r.brotli)}  ${r.path}${r.lazy ? "  (on demand)" : ""}`);
const total = rows.filter((r) => !r.lazy).reduce((a, r) => ({ raw: a.raw + r.raw, brotli: a.brotli + r.brotli }), { raw: 0, brotli: 0 });
console.log(`${"total".padEnd(5)} ${fmt(total.raw)} ${fmt(total.brotli)}  (loaded at start)`);
// A figure, not a gate: the line says how much of the budget is used.
const used = total.brotli / BUDGET_BROTLI_B;
console.log(
  `brotli total is ${used.toFixed(3)} of the ${BUDGET_BROTLI_B.toLocaleString("en-US")} B budget` +
    (used > 1 ? " (OVER BUDGET)" : ` (${(BUDGET_BROTLI_B - total.brotli).toLocaleString("en-US")} B left)`),
);

// The app builds its presets from generated Rust code (crates/orderflow-sim/
// src/presets.rs) so that no JSON parser ships: serde_json alone was ~15 KB
// of the brotli budget. Its error messages in the wasm loaded at start mean
// it crept back (the design's JSON worker, loaded on demand, has it).
const marker = "EOF while parsing";
for (const r of rows.filter((r) => r.kind === "wasm" && !r.lazy)) {
  if (readFileSync(r.path).includes(marker)) {
    console.error(`${r.path} contains serde_json's parser ("${marker}"): something in the app parses JSON again`);
    process.exit(1);
  }
}
