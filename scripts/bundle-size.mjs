// The bundle's files and their raw and brotli sizes: what the size report
// prints (and gates) and the browser benchmark compares with the budget.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { basename, extname, join } from "node:path";
import { brotliCompressSync, constants } from "node:zlib";

/** The budget of issue 10: the wasm, JS and CSS loaded at start, brotli, in bytes. */
export const BUDGET_BROTLI_B = 300_000;
/**
 * A ratchet while the bundle is over that budget (issue 10's design panel,
 * comparison view and claims list took it past 300 KB; moving the exports to
 * an on-demand module is the planned cut): the size report fails above this,
 * so the bundle cannot grow unnoticed. Lower it with every cut, down to the
 * budget. 409,434 B → 375,661 B when the exports and the claims list moved to
 * the on-demand worker; then 380,470 B once the comparison's "copy to edit"
 * (+3.2 KB) and the engine's sweep fixes (voiding, rollback jobs) landed
 * beside them, hence 385,000 B and not 380,000 B.
 */
export const CEILING_BROTLI_B = 385_000;

/** Files loaded only on demand (the on-demand worker, started when the
 *  JSON view or the Export menu first asks; the engine worker of "Run N
 *  seeds"): listed, but not part of the start-up budget. */
export const LAZY = /(^|\/)(on-demand|orderflow-worker)(_bg|_loader)?\.(js|wasm)$/;

const KINDS = { ".wasm": "wasm", ".js": "js", ".css": "css" };

function* files(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* files(path);
    else yield path;
  }
}

/** The file names `index.html` loads at start (links, scripts, the loader's
 * `<meta>` tags); `null` if there is no index.html. A file it does not name
 * (a worker's wasm) is fetched on demand and is not part of the budget. */
function startFiles(dir) {
  const index = join(dir, "index.html");
  if (!existsSync(index)) return null;
  const html = readFileSync(index, "utf8");
  const names = new Set();
  for (const m of html.matchAll(/(?:href|src|content)=["']?([^"' >]+)/g)) names.add(basename(m[1].split(/[?#]/)[0]));
  return names;
}

/** `{ kind, path, raw, brotli, start, lazy }` for every wasm, JS and CSS file
 * under `dir`, sorted; `start` is true for the files loaded at start: named by
 * index.html and not a known on-demand file (`lazy`). */
export function bundleSizes(dir) {
  const start = startFiles(dir);
  const rows = [];
  for (const path of files(dir)) {
    const kind = KINDS[extname(path)];
    if (!kind) continue;
    const data = readFileSync(path);
    const brotli = brotliCompressSync(data, {
      params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: data.length },
    }).length;
    const lazy = LAZY.test(path);
    const named = start === null || start.has(basename(path));
    rows.push({ kind, path, raw: data.length, brotli, lazy, start: named && !lazy });
  }
  return rows.sort((a, b) => a.kind.localeCompare(b.kind) || a.path.localeCompare(b.path));
}

/** Brotli bytes of the files loaded at start. */
export function startBrotli(rows) {
  return rows.filter((r) => r.start).reduce((sum, r) => sum + r.brotli, 0);
}
