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
for (const r of rows) console.log(`${r.kind.padEnd(5)} ${fmt(r.raw)} ${fmt(r.brotli)}  ${r.path}`);
const total = rows.reduce((a, r) => ({ raw: a.raw + r.raw, brotli: a.brotli + r.brotli }), { raw: 0, brotli: 0 });
console.log(`${"total".padEnd(5)} ${fmt(total.raw)} ${fmt(total.brotli)}`);
// A figure, not a gate: the line says how much of the budget is used.
const used = total.brotli / BUDGET_BROTLI_B;
console.log(
  `brotli total is ${used.toFixed(3)} of the ${BUDGET_BROTLI_B.toLocaleString("en-US")} B budget` +
    (used > 1 ? " (OVER BUDGET)" : ` (${(BUDGET_BROTLI_B - total.brotli).toLocaleString("en-US")} B left)`),
);

// Loaded on demand, outside the budget: the engine worker of "Run N seeds".
const later = bundleSizes(dir, true);
for (const r of later) console.log(`${r.kind.padEnd(5)} ${fmt(r.raw)} ${fmt(r.brotli)}  ${r.path} (on demand)`);

// The app builds its presets from generated Rust code (crates/orderflow-sim/
// src/presets.rs) so that no JSON parser ships: serde_json alone was ~15 KB
// of the brotli budget. Its error messages in the wasm mean it crept back.
const marker = "EOF while parsing";
for (const r of [...rows, ...later].filter((r) => r.kind === "wasm")) {
  if (readFileSync(r.path).includes(marker)) {
    console.error(`${r.path} contains serde_json's parser ("${marker}"): something in the app parses JSON again`);
    process.exit(1);
  }
}
