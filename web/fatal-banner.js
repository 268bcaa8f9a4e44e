// Runs before the WebAssembly loads (a classic script in <head>, so it is in
// place before anything can fail): if loading or starting fails, say so on the
// page instead of leaving it blank. A Rust panic fills the banner first
// (src/fatal.rs); later errors then leave its message in place.
//
// A file rather than an inline <script>: the release build's content security
// policy allows scripts from the site itself only (see scripts/csp.mjs).
(function () {
  "use strict";
  var started = false;
  window.addEventListener("TrunkApplicationStarted", function () {
    started = true;
  });
  function show(detail) {
    var banner = document.getElementById("fatal");
    if (!banner || !banner.hidden) return;
    banner.textContent = started
      ? "The playground stopped after an error: " + detail + ". Reload the page to start again."
      : "The playground could not start: " +
        detail +
        ". Check your connection and reload; if it persists, your browser may not support WebAssembly.";
    banner.hidden = false;
    var boot = document.getElementById("boot");
    if (boot) boot.remove();
  }
  function describe(reason) {
    if (!reason) return "unknown error";
    return String(reason.message || reason);
  }
  window.addEventListener("unhandledrejection", function (event) {
    show(describe(event.reason));
  });
  window.addEventListener(
    "error",
    function (event) {
      var target = event.target;
      if (target && target !== window && (target.src || target.href)) {
        show("failed to load " + (target.src || target.href));
      } else {
        show(describe(event.error || event.message));
      }
    },
    true
  );
})();
