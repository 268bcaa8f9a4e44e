// Embeds the playground in the guide's chapters.
//
// A chapter marks the spot with a placeholder (no inline script: the site
// runs under a content security policy with script-src 'self'):
//
//   <div class="orderflow-embed" data-preset="sync-chain"
//        data-title="a synchronous chain" data-query="t=16000"></div>
//
// and this script, which the book loads on every page (book.toml
// additional-js), replaces it with an iframe of the playground in embed mode
// plus a link that opens the same run in the full playground, then sizes each
// iframe to its content from the height message the embedded page posts:
// { type: "orderflow:height", height }.
(function () {
  "use strict";

  // The playground lives in playground/ beside the book's root, which is where
  // this script is; resolving against the script's own address works at any
  // depth and under any sub-path the site is published at.
  var script = document.currentScript;
  var playground = new URL("playground/", script ? script.src : document.baseURI);

  // Heights outside this range are not a layout we asked for: ignore them.
  var MIN_HEIGHT_PX = 100;
  var MAX_HEIGHT_PX = 4000;

  /** The playground's address for a preset, with extra query parameters. */
  function playgroundUrl(preset, extra, embed) {
    var query = "preset=" + encodeURIComponent(preset);
    if (extra) query += "&" + extra;
    if (embed) query += "&embed=1";
    return new URL("?" + query, playground).href;
  }

  /** Replaces one placeholder with the iframe and its link. */
  function embed(spot) {
    var preset = spot.getAttribute("data-preset");
    if (!preset) return;
    var title = spot.getAttribute("data-title") || preset;
    var extra = spot.getAttribute("data-query") || "";

    var frame = document.createElement("iframe");
    frame.className = "orderflow-embed__frame";
    frame.title = "Orderflow Playground: " + title;
    frame.src = playgroundUrl(preset, extra, true);
    frame.loading = "lazy";

    var open = document.createElement("a");
    open.className = "orderflow-embed__open";
    open.href = playgroundUrl(preset, extra, false);
    open.textContent = "Open this run in the full playground (metrics, Break things, order inspector) ↗";

    spot.textContent = "";
    spot.appendChild(frame);
    spot.appendChild(open);
  }

  /** Sizes the iframe that sent a height message. */
  function onMessage(event) {
    var data = event.data;
    if (!data || data.type !== "orderflow:height") return;
    var posted = Number(data.height);
    if (!isFinite(posted) || posted < MIN_HEIGHT_PX || posted > MAX_HEIGHT_PX) return;
    var frames = document.querySelectorAll("iframe.orderflow-embed__frame");
    for (var i = 0; i < frames.length; i++) {
      if (frames[i].contentWindow === event.source) {
        // The posted height is the embedded page's whole document.
        frames[i].style.height = Math.ceil(posted) + "px";
        frames[i].classList.add("orderflow-embed__frame--sized");
        return;
      }
    }
  }

  function start() {
    window.addEventListener("message", onMessage);
    var spots = document.querySelectorAll("div.orderflow-embed[data-preset]");
    for (var i = 0; i < spots.length; i++) embed(spots[i]);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
