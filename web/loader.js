// Starts the app, and if loading or starting fails says so on the page
// instead of leaving it blank. A Rust panic fills the banner first
// (src/fatal.rs); later errors then leave its message in place.
//
// A file, not inline: the release build's content security policy allows
// scripts from the site only (scripts/csp.mjs). Trunk's own loader is an
// inline <script type="module">, so Trunk.toml's `pattern_script` writes the
// two generated file names (public URL and hashes applied) into <meta> tags
// instead, and this file, which Trunk copies and hashes, reads them. One file
// for both jobs keeps the bundle small.
let started = false;
const show = (detail) => {
  const banner = document.getElementById("fatal");
  if (!banner || !banner.hidden) return;
  banner.textContent = started
    ? `The playground stopped after an error: ${detail}. Reload the page to start again.`
    : `The playground could not start: ${detail}. Check your connection and reload; if it persists, your browser may not support WebAssembly.`;
  banner.hidden = false;
  document.getElementById("boot")?.remove();
};
const describe = (reason) => String(reason?.message ?? reason ?? "unknown error");
addEventListener("unhandledrejection", (e) => show(describe(e.reason)));
addEventListener(
  "error",
  (e) => {
    const t = e.target;
    show(t && t !== window && (t.src || t.href) ? `failed to load ${t.src || t.href}` : describe(e.error ?? e.message));
  },
  true,
);

const file = (name) => document.querySelector(`meta[name="orderflow:${name}"]`)?.content;
try {
  // A failed preload of either file shows up here too, as a failed import or fetch.
  const glue = await import(file("js"));
  const wasm = await glue.default({ module_or_path: file("wasm") });
  started = true;
  // The event Trunk's own loader fires (scripts/soak.mjs reads the memory from it).
  dispatchEvent(new CustomEvent("TrunkApplicationStarted", { detail: { wasm } }));
} catch (e) {
  show(describe(e));
}
