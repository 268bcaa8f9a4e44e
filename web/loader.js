// Starts the app: imports wasm-bindgen's JS glue and instantiates the wasm.
//
// Trunk would write this as an inline <script type="module"> into index.html,
// which a strict content security policy (script-src 'self') forbids. Instead
// Trunk.toml's `pattern_script` puts the two generated file names into <meta>
// tags, with the public URL (`--public-url`) and file hashes already applied,
// and this file, which Trunk copies and hashes like any asset, reads them.
const bundle = (name) => {
  const meta = document.querySelector(`meta[name="${name}"]`);
  if (!meta) throw new Error(`index.html lacks <meta name="${name}"> (Trunk.toml pattern_script)`);
  return meta.content;
};

const glue = await import(bundle("orderflow:js"));
const wasm = await glue.default({ module_or_path: bundle("orderflow:wasm") });
// The event Trunk's own loader fires; web/fatal-banner.js listens for it.
dispatchEvent(new CustomEvent("TrunkApplicationStarted", { detail: { wasm } }));
