// The bundle's files and their raw and brotli sizes: what the size report
// prints and the browser benchmark compares with the budget.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { extname, join } from "node:path";
import { brotliCompressSync, constants } from "node:zlib";

/** The budget for what loads at start (issue 10): wasm + JS + CSS, brotli, in bytes. */
export const BUDGET_BROTLI_B = 300_000;

const KINDS = { ".wasm": "wasm", ".js": "js", ".css": "css" };

function* files(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* files(path);
    else yield path;
  }
}

/** The engine worker's files (`orderflow-worker*`): loaded only by "Run N seeds", not at start. */
export const isOnDemand = (path) => /(^|\/)orderflow-worker[^/]*$/.test(path);

/**
 * `{ kind, path, raw, brotli }` for every wasm, JS and CSS file under `dir`
 * loaded at start (or, with `onDemand`, only those loaded later), sorted.
 */
export function bundleSizes(dir, onDemand = false) {
  const rows = [];
  for (const path of files(dir)) {
    const kind = KINDS[extname(path)];
    if (!kind || isOnDemand(path) !== onDemand) continue;
    const data = readFileSync(path);
    const brotli = brotliCompressSync(data, {
      params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: data.length },
    }).length;
    rows.push({ kind, path, raw: data.length, brotli });
  }
  return rows.sort((a, b) => a.kind.localeCompare(b.kind) || a.path.localeCompare(b.path));
}
