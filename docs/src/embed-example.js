// The example host page of the Orderflow Playground's embed API: it embeds
// the playground, sends it requests with postMessage, and shows the state
// events it posts back. See the README's "Embed API" section for every
// message, its fields and their limits.
(function () {
  "use strict";

  var frame = document.getElementById("playground");
  // The playground lives in playground/ beside this page. `origin=` names
  // this page, so the playground listens to it alone and posts to it alone.
  var src = new URL("playground/", document.baseURI);
  src.search = "?preset=hybrid-queue&seed=1&embed=1&origin=" + encodeURIComponent(location.origin);
  var playgroundOrigin = src.origin;
  frame.src = src.href;

  /** Sends one request to the playground. */
  function send(message) {
    frame.contentWindow.postMessage(message, playgroundOrigin);
  }

  function number(id) {
    return Number(document.getElementById(id).value);
  }

  function show(id, text) {
    document.getElementById(id).textContent = text;
  }

  var received = 0;

  /** Shows a state event. */
  function showState(s) {
    received += 1;
    var c = s.counters;
    show("state-count", String(received));
    show("state-run", s.preset + " · " + s.mode + " · seed " + s.seed);
    show("state-t", s.t_ms.toFixed(3) + " ms" + (s.seeking ? " (seeking)" : "") + (s.finished ? " (run over)" : ""));
    show("state-playing", s.playing ? "yes, at " + s.speed + "×" : "no");
    show("state-orders", s.orders_started + " of " + s.orders);
    show("state-counters", [c.completed, c.failed, c.compensated, c.inconsistent, c.lost, c.in_flight].join(" · "));
    show("state-selected", s.selected_order === null ? "none" : String(s.selected_order));
  }

  window.addEventListener("message", function (event) {
    // Only the playground's own messages, from its origin.
    if (event.source !== frame.contentWindow || event.origin !== playgroundOrigin) return;
    var data = event.data;
    if (!data || typeof data !== "object") return;
    if (data.type === "orderflow:height") {
      frame.style.height = Math.ceil(data.height) + "px";
      show("height", String(data.height));
    } else if (data.type === "orderflow:state") {
      showState(data);
    }
  });

  document.getElementById("load").addEventListener("submit", function (event) {
    event.preventDefault();
    var form = event.target;
    var message = { type: "orderflow:load", preset: form.preset.value, seed: Number(form.seed.value) };
    if (form.mode.value) message.mode = form.mode.value;
    if (form.orders.value) message.orders = Number(form.orders.value);
    send(message);
  });
  document.getElementById("play").addEventListener("click", function () {
    send({ type: "orderflow:play" });
  });
  document.getElementById("pause").addEventListener("click", function () {
    send({ type: "orderflow:pause" });
  });
  document.getElementById("seek").addEventListener("click", function () {
    send({ type: "orderflow:seek", t_ms: number("seek-ms") });
  });
  document.getElementById("set-speed").addEventListener("click", function () {
    send({ type: "orderflow:speed", speed: number("speed") });
  });
  document.getElementById("select").addEventListener("click", function () {
    send({ type: "orderflow:select", order: number("order") });
  });
  document.getElementById("get-state").addEventListener("click", function () {
    send({ type: "orderflow:get-state" });
  });
})();
