//! Owns the page's exports, in plain Rust: each file's name and text. The
//! selected order's story as Mermaid (the same text as `orderflow mermaid`),
//! the trace as JSON Lines, the metrics and the time series as CSV, the
//! diagram at the current instant as a standalone SVG (the PNG is that SVG
//! rasterised by the browser), and the design as a scenario JSON file.
//!
//! File names carry the preset, the seed and the simulated time
//! (`hybrid-queue_seed1_t12.500s_metrics.csv`). The browser side
//! (`export_download.rs`) only reads the theme's colours, rasterises the
//! PNG and hands the text to a download.

use std::fmt::Write as _;

use orderflow_sim::ids::OrderId;
use orderflow_sim::mermaid::{StoryEvents, sequence_diagram};
use orderflow_sim::model::Model;
use orderflow_sim::trace::TraceEvent;
use orderflow_sim::{Sim, SimTime};

use crate::controller::Controller;
use crate::diagram_view::DiagramView;
use crate::run::{Run, link_commands};
use crate::scene::Frame;
use crate::session::Session;
use crate::token_layer::TOKEN_R;

/// Events a Mermaid export may replay to reach its order's end: the page
/// draws it at once, so a story that ends further into a long run is left to
/// the command line.
pub const MERMAID_MAX_EVENTS: u64 = 3_000_000;
/// Events replayed per slice (as `orderflow mermaid` reads them; the story
/// does not depend on it).
const REPLAY_SLICE: u64 = 50_000;

/// What the page can export.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportKind {
    Mermaid,
    Trace,
    Metrics,
    Series,
    Svg,
    Png,
    Design,
}

impl ExportKind {
    /// Every kind, in menu order.
    pub const ALL: [ExportKind; 7] = [
        ExportKind::Mermaid,
        ExportKind::Trace,
        ExportKind::Metrics,
        ExportKind::Series,
        ExportKind::Svg,
        ExportKind::Png,
        ExportKind::Design,
    ];

    /// The button's text.
    pub fn label(self) -> &'static str {
        match self {
            ExportKind::Mermaid => "Order story (Mermaid)",
            ExportKind::Trace => "Trace (JSON Lines)",
            ExportKind::Metrics => "Metrics (CSV)",
            ExportKind::Series => "Time series (CSV)",
            ExportKind::Svg => "Diagram (SVG)",
            ExportKind::Png => "Diagram (PNG)",
            ExportKind::Design => "Design (JSON)",
        }
    }

    /// The end of the file name: what it holds and its extension.
    fn suffix(self, order: Option<OrderId>) -> String {
        match self {
            ExportKind::Mermaid => format!("order{}.mmd", order.unwrap_or_default()),
            ExportKind::Trace => "trace.jsonl".into(),
            ExportKind::Metrics => "metrics.csv".into(),
            ExportKind::Series => "series.csv".into(),
            ExportKind::Svg => "diagram.svg".into(),
            ExportKind::Png => "diagram.png".into(),
            ExportKind::Design => "design.json".into(),
        }
    }

    /// The file's media type.
    pub fn mime(self) -> &'static str {
        match self {
            ExportKind::Mermaid => "text/plain",
            ExportKind::Trace => "application/jsonl",
            ExportKind::Metrics | ExportKind::Series => "text/csv",
            ExportKind::Svg => "image/svg+xml",
            ExportKind::Png => "image/png",
            ExportKind::Design => "application/json",
        }
    }
}

/// An exported file: its name, media type and text (for the PNG: the SVG
/// to rasterise at `png_size`).
#[derive(Clone, Debug, PartialEq)]
pub struct ExportFile {
    pub name: String,
    pub mime: &'static str,
    pub text: String,
    /// For the PNG: its size in pixels.
    pub png_size: Option<(u32, u32)>,
    /// What to tell the reader once it is saved.
    pub note: String,
}

/// `hybrid-queue_seed1_t12.500s_metrics.csv`: preset, seed, simulated time
/// (milliseconds as decimals), what the file holds.
pub fn file_name(preset: &str, seed: u64, t: SimTime, suffix: &str) -> String {
    let ms = t.as_micros() / 1_000;
    format!(
        "{preset}_seed{seed}_t{}.{:03}s_{suffix}",
        ms / 1_000,
        ms % 1_000
    )
}

/// The file of `kind` for the page's first run at its current time.
/// `palette` gives the diagram's colours (the page's theme).
pub fn export(
    c: &mut Controller,
    kind: ExportKind,
    palette: &Palette,
) -> Result<ExportFile, String> {
    let order = c.selected_order();
    let frame = c.frame();
    let run = c.run();
    let session = run.session();
    let name = file_name(run.preset(), session.seed(), run.now(), &kind.suffix(order));
    let mut png_size = None;
    let (text, note) = match kind {
        ExportKind::Mermaid => {
            let order = order
                .ok_or("select an order first: click a dot, or type its number in the inspector")?;
            let text = mermaid(run, order)?;
            (text, mermaid_note(run, order))
        }
        ExportKind::Trace => {
            let events = session.store().events();
            let note = format!(
                "{} events{}",
                events.len(),
                if session.store().start() > 0 {
                    " (the newest the page keeps)"
                } else {
                    ""
                }
            );
            (trace_jsonl(run.model(), events), note)
        }
        ExportKind::Metrics => (metrics_csv(session.sim()), String::new()),
        ExportKind::Series => {
            let text = series_csv(run.model(), session.sim());
            let rows = text.lines().count().saturating_sub(1);
            (text, format!("{rows} samples"))
        }
        ExportKind::Svg => (svg(&run.scene().view, &frame, palette, None), String::new()),
        ExportKind::Png => {
            let size = png_pixels(&run.scene().view);
            png_size = Some(size);
            let picture = svg(&run.scene().view, &frame, palette, Some(size));
            (inline_styles(&picture, palette), String::new())
        }
        ExportKind::Design => (design_json(run)?, design_note(run)),
    };
    Ok(ExportFile {
        name,
        mime: kind.mime(),
        text,
        png_size,
        note,
    })
}

/// What the page says once `file` is saved: its name, and what to know
/// about it.
pub fn saved_message(file: &ExportFile) -> String {
    if file.note.is_empty() {
        format!("saved {}", file.name)
    } else {
        format!("saved {}: {}", file.name, file.note)
    }
}

/// A button's text: the Mermaid one names the order it draws.
pub fn button_label(kind: ExportKind, selected_order: Option<OrderId>) -> String {
    match (kind, selected_order) {
        (ExportKind::Mermaid, Some(o)) => format!("Order {o}'s story (Mermaid)"),
        (ExportKind::Mermaid, None) => "Order story (Mermaid): select an order".to_owned(),
        (k, _) => k.label().to_owned(),
    }
}

// ---- Mermaid ----

/// The sequence diagram of `order` in `run`: the run replayed from its
/// start (with its recorded commands, as its share link replays it) until
/// the order settled, read as `orderflow mermaid` reads it, so the text is
/// the command line's for the same preset, seed, mode and order count.
pub fn mermaid(run: &Run, order: OrderId) -> Result<String, String> {
    let model = run.model();
    if order.0 == 0 || order.0 > model.orders {
        return Err(format!(
            "order: this run has orders 1 to {}, got {order}",
            model.orders
        ));
    }
    let session = run.session();
    // The run's own commands, with where the timed ones were scheduled, as
    // its share link replays them.
    let mut notices = Vec::new();
    let (history, waiting) = link_commands(model, &run.url_commands(), &mut notices);
    let mut replay = Session::with_history(
        model.clone(),
        session.mode(),
        session.seed(),
        history,
        waiting,
    )
    .map_err(|e| format!("the run's commands: {e}"))?;
    let mut story = StoryEvents::new(order);
    let mut read = 0;
    while !story.settled() && !replay.is_finished() {
        let done = replay.sim().events_processed();
        if done >= MERMAID_MAX_EVENTS {
            return Err(format!(
                "order {order} has not settled within the first {MERMAID_MAX_EVENTS} events of \
                 the run, too far to replay in the page: {} prints it",
                cli_mermaid(run, order)
            ));
        }
        let sim = replay.sim();
        let horizon = sim
            .next_event_time()
            .unwrap_or(sim.now())
            .plus_micros(60_000_000);
        replay.advance_to(horizon, REPLAY_SLICE.min(MERMAID_MAX_EVENTS - done));
        let store = replay.store();
        let from = read.max(store.start()) - store.start();
        story.add(&store.events()[from..]);
        read = store.end();
    }
    Ok(sequence_diagram(model, story.events(), order))
}

/// The command line that prints the same story.
pub fn cli_mermaid(run: &Run, order: OrderId) -> String {
    let mut cmd = format!(
        "orderflow mermaid {} --order {order} --seed {}",
        run.preset(),
        run.session().seed()
    );
    if let Some(m) = run.mode_override() {
        let _ = write!(cmd, " --completion {}", m.as_str());
    }
    if let Some(n) = run.orders_override() {
        let _ = write!(cmd, " --orders {n}");
    }
    cmd
}

/// What the reader is told about a Mermaid export: which command prints
/// the same text, or why none does.
fn mermaid_note(run: &Run, order: OrderId) -> String {
    if run.url_commands().is_empty() {
        format!("the same text as `{}`", cli_mermaid(run, order))
    } else {
        "this run has live changes (Break things), which the command line cannot replay: its \
         story differs from `orderflow mermaid`; the share link replays it"
            .to_owned()
    }
}

// ---- Trace ----

/// The trace as JSON Lines: one event per line, with the fields of
/// `orderflow run --trace` (its kind's fields, `t` in microseconds, and
/// `text`, the event in words).
pub fn trace_jsonl(model: &Model, events: &[TraceEvent]) -> String {
    let mut out = String::new();
    for e in events {
        let Ok(json) = serde_json::to_string(e) else {
            continue;
        };
        // `{…}` → `{…,"text":"…"}`.
        out.push_str(&json[..json.len() - 1]);
        out.push_str(",\"text\":");
        out.push_str(&serde_json::to_string(&e.describe(model)).unwrap_or_default());
        out.push_str("}\n");
    }
    out
}

// ---- CSV ----

/// A CSV field: quoted when it holds a comma, a quote or a line break.
pub fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

/// The metrics now, one figure per row (`metric,value`): the figures of
/// `orderflow run`'s JSON report, each named by its path there
/// (`services.payment.utilisation`; a test keeps the two equal). Written
/// by hand rather than from the report's JSON value, which would ship a
/// JSON tree and its error texts in the bundle.
pub fn metrics_csv(sim: &Sim) -> String {
    let mut rows = Rows(String::from("metric,value\n"));
    // `fields!(rows, prefix, value, a, b, …)`: a row per field, `prefix.a`.
    macro_rules! fields {
        ($prefix:expr, $v:expr, $($f:ident),+) => {
            $(rows.add($prefix, stringify!($f), &$v.$f);)+
        };
    }
    let model = sim.model().clone();
    let now = sim.now();
    let secs = now.as_secs_f64().max(1e-9);
    let mx = sim.metrics_now();
    rows.add("", "scenario", &csv_field(&model.scenario.name));
    rows.add("", "seed", &sim.seed());
    rows.add("", "completion", &sim.completion().as_str());
    rows.add("", "sim_time_s", &now.as_secs_f64());
    rows.add("", "events", &sim.events_processed());
    rows.add("orders", "created", &mx.orders_created);
    rows.add("orders", "shed", &mx.orders_shed);
    rows.add("orders", "settled", &mx.outcomes.total());
    rows.add("orders", "in_flight", &sim.live_orders());
    fields!(
        "orders.outcomes",
        mx.outcomes,
        completed,
        failed,
        compensated,
        inconsistent,
        lost
    );
    rows.add("", "throughput_per_s", &(mx.outcomes.total() as f64 / secs));
    for (name, h) in [
        ("latency_ms.response", &mx.response),
        ("latency_ms.completion", &mx.completion),
        ("latency_ms.done", &mx.done),
        ("latency_ms.consistency_window", &mx.consistency_window),
        ("latency_ms.detection_lag", &mx.detection_lag),
    ] {
        rows.summary(name, h.summary());
    }
    fields!(
        "client",
        mx.client,
        polls,
        wasted_polls,
        gave_up,
        timeouts,
        retries,
        callbacks_sent,
        callback_failures,
        callbacks_abandoned,
        pushes_sent,
        pushes_lost,
        stream_drops,
        stream_replays,
        resyncs
    );
    fields!(
        "payments",
        mx.payments,
        success,
        failed,
        queued_for_retry,
        recovered,
        refunded,
        captured,
        new_attempts,
        duplicate_attempts
    );
    fields!(
        "steps",
        mx.steps,
        retries,
        fallbacks,
        compensations,
        compensation_failures,
        best_effort_failures,
        late_responses,
        status_write_failures,
        messages_sent,
        messages_dropped,
        rollbacks
    );
    for (i, s) in model.services.iter_enumerated() {
        let m = &mx.services[i];
        let v = sim.service(i);
        let p = &format!("services.{}", s.id);
        let workers = f64::from(v.replicas * v.concurrency).max(1.0);
        let mean_wait_ms = if m.wait_count == 0 {
            0.0
        } else {
            m.wait_sum_us as f64 / m.wait_count as f64 / 1e3
        };
        fields!(p, m, received, succeeded, failed);
        rows.add(p, "refused_down", &m.refused);
        rows.add(p, "rejected_overloaded", &m.rejected);
        rows.add(
            p,
            "utilisation",
            &(m.busy_area as f64 / 1e6 / secs / workers),
        );
        rows.add(p, "mean_in_system", &(m.system_area as f64 / 1e6 / secs));
        rows.add(p, "mean_queue_wait_ms", &mean_wait_ms);
        rows.summary(&format!("{p}.queue_wait_ms"), m.queue_wait.summary());
        fields!(p, m, max_queued);
        fields!(p, v, up, replicas);
        rows.add(p, "replica_seconds", &(m.replica_area as f64 / 1e6));
        rows.add(p, "worker_busy_seconds", &(m.busy_area as f64 / 1e6));
    }
    let cost = orderflow_sim::report::total_cost(&model, &mx);
    fields!("cost", cost, replica_seconds, worker_busy_seconds);
    for (i, q) in model.queues.iter_enumerated() {
        let v = sim.queue(i);
        let p = &format!("queues.{}", q.id);
        fields!(p, q, durable);
        fields!(p, v, ready, delayed, inflight);
        let p = &format!("{p}.counters");
        fields!(
            p,
            v.counters,
            published,
            delivered,
            acked,
            redelivered,
            extended,
            dead_lettered,
            expired,
            lost,
            refused,
            max_depth
        );
    }
    for (i, b) in model.breakers.iter_enumerated() {
        let br = sim.breaker(i);
        let p = &format!("breakers.{}", b.id);
        rows.add(p, "state", &br.state().as_str());
        let p = &format!("{p}.counters");
        fields!(
            p,
            br.counters,
            opened,
            half_opened,
            closed,
            short_circuited,
            calls,
            failures,
            alerts
        );
    }
    for (i, (sku, _)) in model.skus.iter_enumerated() {
        let level = sim.stock()[i];
        fields!(&format!("stock.{sku}"), level, available, reserved, shipped);
    }
    rows.add("", "trace_dropped", &sim.trace_dropped());
    rows.0
}

/// The rows of the metrics CSV.
struct Rows(String);

impl Rows {
    /// The row `prefix.name,value` (`name,value` without a prefix).
    fn add(&mut self, prefix: &str, name: &str, value: &dyn std::fmt::Display) {
        let full = if prefix.is_empty() {
            name.to_owned()
        } else {
            format!("{prefix}.{name}")
        };
        let _ = writeln!(self.0, "{},{value}", csv_field(&full));
    }

    /// The rows of a histogram's summary.
    fn summary(&mut self, prefix: &str, s: orderflow_sim::metrics::Summary) {
        self.add(prefix, "count", &s.count);
        self.add(prefix, "mean_ms", &s.mean_ms);
        self.add(prefix, "p50_ms", &s.p50_ms);
        self.add(prefix, "p95_ms", &s.p95_ms);
        self.add(prefix, "p99_ms", &s.p99_ms);
        self.add(prefix, "max_ms", &s.max_ms);
    }
}

/// The time series, one sample per row: time, orders in flight, settled
/// orders by outcome (so far), latencies of the orders settled since the
/// previous sample, then per service busy workers and queued requests, per
/// broker queue waiting and unacknowledged messages, per breaker its state.
pub fn series_csv(model: &Model, sim: &Sim) -> String {
    let mut out = String::from(
        "t_ms,in_flight_orders,completed,failed,compensated,inconsistent,lost,\
         window_settled,known_p50_ms,known_p95_ms,known_p99_ms,done_p95_ms",
    );
    let mut columns = |prefix: &str, names: &mut dyn Iterator<Item = &str>| {
        for n in names {
            out.push(',');
            out.push_str(&csv_field(&format!("{prefix}.{n}")));
        }
    };
    columns("busy", &mut model.services.iter().map(|s| s.id.as_str()));
    columns("queued", &mut model.services.iter().map(|s| s.id.as_str()));
    columns("waiting", &mut model.queues.iter().map(|q| q.id.as_str()));
    columns("unacked", &mut model.queues.iter().map(|q| q.id.as_str()));
    columns("breaker", &mut model.breakers.iter().map(|b| b.id.as_str()));
    out.push('\n');
    let ms = |us: u64| us as f64 / 1_000.0;
    for s in sim.metrics_snapshot().series.iter() {
        let o = s.settled;
        let l = s.latency;
        let _ = write!(
            out,
            "{},{},{},{},{},{},{},{},{},{},{},{}",
            ms(s.t.as_micros()),
            s.in_flight_orders,
            o.completed,
            o.failed,
            o.compensated,
            o.inconsistent,
            o.lost,
            l.count,
            ms(l.known_p50_us),
            ms(l.known_p95_us),
            ms(l.known_p99_us),
            ms(l.done_p95_us),
        );
        for i in model.services.ids() {
            let _ = write!(out, ",{}", s.busy(i));
        }
        for i in model.services.ids() {
            let _ = write!(out, ",{}", s.queued(i));
        }
        for q in model.queues.ids() {
            let _ = write!(out, ",{}", s.queue_depth(q));
        }
        for q in model.queues.ids() {
            let _ = write!(out, ",{}", s.queue_inflight(q));
        }
        for b in model.breakers.ids() {
            let _ = write!(out, ",{}", s.breaker(b).as_str());
        }
        out.push('\n');
    }
    out
}

// ---- The diagram ----

/// The theme's colours and font, by CSS custom property, as the page has
/// them (the browser reads them; [`Palette::default`] is the light theme).
#[derive(Clone, Debug, PartialEq)]
pub struct Palette(pub Vec<(&'static str, String)>);

/// The custom properties the exported diagram uses, with their light-theme
/// values (style/diagram.css, style/base.css).
pub const PALETTE_DEFAULTS: [(&str, &str); 24] = [
    ("--diagram-edge", "#9aa5b5"),
    ("--diagram-client", "#e8f0ff"),
    ("--diagram-service", "#eef7ee"),
    ("--diagram-external", "#fff4e0"),
    ("--diagram-broker", "#f3ecff"),
    ("--diagram-store", "#e9f6f8"),
    ("--diagram-stroke", "#5f6c80"),
    ("--diagram-label", "#1d2430"),
    ("--diagram-down", "#d6d9de"),
    ("--token-request", "#2f6fde"),
    ("--token-response", "#2f8f4e"),
    ("--token-event", "#8a4fd8"),
    ("--token-callback", "#d9480f"),
    ("--token-poll", "#0b8ea5"),
    ("--token-push", "#c2255c"),
    ("--token-error", "#d62828"),
    ("--breaker-half-open", "#e0a100"),
    ("--breaker-open", "#d62828"),
    ("--color-accent", "#2f6fde"),
    ("--color-danger", "#c62f2f"),
    ("--color-warning", "#b7791f"),
    ("--color-muted", "#5a6578"),
    ("--color-surface", "#ffffff"),
    ("--font-body", "system-ui, sans-serif"),
];

impl Default for Palette {
    fn default() -> Palette {
        Palette(
            PALETTE_DEFAULTS
                .iter()
                .map(|(k, v)| (*k, (*v).to_owned()))
                .collect(),
        )
    }
}

impl Palette {
    /// The light theme with `read` values where it has one that is safe to
    /// put in a stylesheet.
    pub fn read(read: impl Fn(&str) -> Option<String>) -> Palette {
        Palette(
            PALETTE_DEFAULTS
                .iter()
                .map(|(k, default)| {
                    let v = read(k)
                        .map(|v| v.trim().to_owned())
                        .filter(|v| !v.is_empty() && !v.contains(['<', '>', '{', '}', ';', '&']));
                    (*k, v.unwrap_or_else(|| (*default).to_owned()))
                })
                .collect(),
        )
    }
}

/// The drawing rules: the diagram's stylesheet (style/diagram.css) for a
/// still picture, colours through the palette's custom properties.
const SVG_RULES: &str = "\
text{font-family:var(--font-body)}\
.diagram__edge{fill:none;stroke:var(--diagram-edge);stroke-width:1.6}\
.diagram__arrowhead{fill:var(--diagram-edge)}\
.diagram__box{stroke:var(--diagram-stroke);stroke-width:1.2}\
.diagram__node--client .diagram__box{fill:var(--diagram-client)}\
.diagram__node--service .diagram__box{fill:var(--diagram-service)}\
.diagram__node--external .diagram__box{fill:var(--diagram-external);stroke-dasharray:5 3}\
.diagram__node--broker .diagram__box{fill:var(--diagram-broker)}\
.diagram__node--store .diagram__box{fill:var(--diagram-store)}\
.diagram__node--down .diagram__box{fill:var(--diagram-down);stroke:var(--color-danger);stroke-dasharray:4 3}\
.diagram__node--slow .diagram__box{stroke:var(--color-warning);stroke-width:2.5}\
.diagram__node--failing .diagram__box{stroke:var(--color-danger);stroke-width:2.5}\
.diagram__node--saturated .diagram__box{stroke:var(--color-danger);stroke-width:2}\
.diagram__node--breaker-open .diagram__box{stroke:var(--breaker-open);stroke-width:3}\
.diagram__node--breaker-half_open .diagram__box{stroke:var(--breaker-half-open);stroke-width:3}\
.diagram__label{fill:var(--diagram-label);font-size:14px;font-weight:600}\
.diagram__status{fill:var(--color-muted);font-size:11.5px}\
.diagram__badge{fill:var(--color-danger);font-size:11px;font-weight:700}\
.diagram__badge--quiet{fill:var(--color-muted);font-weight:400}\
.diagram__replica{fill:none;stroke:var(--diagram-stroke);stroke-width:.6}\
.diagram__replica-load{fill:var(--color-accent)}\
.token{stroke:var(--color-surface);stroke-width:1.2}\
.token--request{fill:var(--token-request)}\
.token--response{fill:var(--token-response)}\
.token--event{fill:var(--token-event)}\
.token--callback{fill:var(--token-callback)}\
.token--poll{fill:var(--token-poll)}\
.token--push{fill:var(--token-push)}\
.token--error{fill:var(--token-error);stroke:var(--token-error);stroke-width:2.5}\
.token--dropped{fill:none;stroke:var(--token-error);stroke-width:2;stroke-dasharray:2 2}";

/// Text for SVG content and attributes.
fn xml(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A coordinate, to a hundredth.
fn num(v: f64) -> String {
    let s = format!("{:.2}", v);
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".to_owned()
    } else {
        s.to_owned()
    }
}

/// A PNG's size: the diagram's view box at twice its units, so it stays
/// sharp on a high-density screen.
pub fn png_pixels(view: &DiagramView) -> (u32, u32) {
    let [_, _, w, h] = view.view_box;
    ((w * 2.0).max(1.0) as u32, (h * 2.0).max(1.0) as u32)
}

/// The diagram at the frame's instant as a standalone SVG document: the
/// boxes with their state (classes, status, badge, replica bars), the
/// edges, and the messages in flight as dots, drawn with `palette` on the
/// surface colour. `size` sets its width and height in pixels (for the
/// PNG); without it, the view box's units.
pub fn svg(
    view: &DiagramView,
    frame: &Frame,
    palette: &Palette,
    size: Option<(u32, u32)>,
) -> String {
    let [x, y, w, h] = view.view_box;
    let (pw, ph) = size.map_or((w, h), |(a, b)| (f64::from(a), f64::from(b)));
    let mut out = String::new();
    let _ = write!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"{} {} {} {}\" width=\"{}\" height=\"{}\" \
         preserveAspectRatio=\"xMidYMid meet\">\n<title>Orderflow Playground: service diagram at {}</title>\n<style>svg{{",
        num(x),
        num(y),
        num(w),
        num(h),
        num(pw),
        num(ph),
        frame.t
    );
    for (k, v) in &palette.0 {
        let _ = write!(out, "{k}:{v};");
    }
    out.push('}');
    out.push_str(SVG_RULES);
    out.push_str("</style>\n<defs><marker id=\"diagram-arrow\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path class=\"diagram__arrowhead\" d=\"M0 0 L10 5 L0 10 z\"/></marker></defs>\n");
    let _ = writeln!(
        out,
        "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"var(--color-surface)\"/>",
        num(x),
        num(y),
        num(w),
        num(h)
    );
    out.push_str("<g class=\"diagram__edges\">\n");
    for e in &view.edges {
        let _ = writeln!(
            out,
            "<path class=\"diagram__edge\" data-edge=\"{}\" d=\"{}\" marker-end=\"url(#diagram-arrow)\"/>",
            xml(&e.key),
            xml(&e.d)
        );
    }
    out.push_str("</g>\n<g class=\"diagram__nodes\">\n");
    for (i, n) in view.nodes.iter_enumerated() {
        let state = frame.nodes.get(i).cloned().unwrap_or_default();
        let class = if state.class.is_empty() {
            n.class.clone()
        } else {
            state.class.clone()
        };
        let _ = writeln!(
            out,
            "<g class=\"{}\" data-node=\"{}\"><rect class=\"diagram__box\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"10\"/>",
            xml(&class),
            xml(&n.id),
            num(n.x),
            num(n.y),
            num(n.w),
            num(n.h)
        );
        let _ = writeln!(
            out,
            "<text class=\"diagram__label\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
            num(n.cx),
            num(n.label_y),
            xml(&n.label)
        );
        let _ = writeln!(
            out,
            "<text class=\"diagram__status\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
            num(n.cx),
            num(n.status_y),
            xml(&state.status)
        );
        let badge = state.badge();
        if !badge.is_empty() {
            let quiet = if state.badge_is_alarming() {
                ""
            } else {
                " diagram__badge--quiet"
            };
            let _ = writeln!(
                out,
                "<text class=\"diagram__badge{quiet}\" x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>",
                num(n.badge_x),
                num(n.badge_y),
                xml(&badge)
            );
        }
        for b in n.replica_bars(&state.replica_load) {
            let _ = writeln!(
                out,
                "<rect class=\"diagram__replica\" x=\"{x}\" y=\"{y}\" width=\"{}\" height=\"{h}\" rx=\"1\"/>\
                 <rect class=\"diagram__replica-load\" x=\"{x}\" y=\"{y}\" width=\"{}\" height=\"{h}\" rx=\"1\"/>",
                num(b.w),
                num(b.fill_w),
                x = num(b.x),
                y = num(b.y),
                h = num(b.h)
            );
        }
        out.push_str("</g>\n");
    }
    out.push_str("</g>\n<g class=\"diagram__tokens\">\n");
    for t in &frame.tokens {
        let mut class = format!("token token--{}", t.kind.as_str());
        if t.error {
            class.push_str(" token--error");
        }
        if t.dropped {
            class.push_str(" token--dropped");
        }
        let _ = writeln!(
            out,
            "<circle class=\"{class}\" data-order=\"{}\" cx=\"{}\" cy=\"{}\" r=\"{}\"/>",
            t.order,
            num(t.x),
            num(t.y),
            num(TOKEN_R)
        );
    }
    out.push_str("</g>\n</svg>\n");
    out
}

/// The SVG with its stylesheet written into each element as presentation
/// attributes (`fill="#eef7ee"`), the custom properties resolved through
/// `palette`, and no `<style>` left: the PNG is drawn by loading the SVG as
/// an image, which takes the page's content security policy, and the
/// release build's `style-src 'self'` blocks a `<style>` element there.
/// Reads the SVG as [`svg`] writes it: one tag per `<…>`, classes in a
/// `class` attribute, the rules of [`SVG_RULES`] applied in order (none of
/// them is outweighed by an earlier, more specific one).
pub fn inline_styles(svg_text: &str, palette: &Palette) -> String {
    let rules = parse_rules(SVG_RULES);
    let resolve = |v: &str| -> String {
        let mut v = v.to_owned();
        for (k, value) in &palette.0 {
            v = v.replace(&format!("var({k})"), value);
        }
        v
    };
    let mut out = String::with_capacity(svg_text.len() * 2);
    // The classes of the open `<g>` elements, outermost first.
    let mut open: Vec<Vec<&str>> = Vec::new();
    let mut rest = svg_text;
    while let Some(lt) = rest.find('<') {
        out.push_str(&rest[..lt]);
        rest = &rest[lt..];
        if rest.starts_with("<style") {
            let end = rest
                .find("</style>")
                .map_or(rest.len(), |e| e + "</style>".len());
            rest = &rest[end..];
            continue;
        }
        let Some(gt) = rest.find('>') else {
            out.push_str(rest);
            rest = "";
            break;
        };
        let tag = &rest[..=gt];
        rest = &rest[gt + 1..];
        if tag.starts_with("</") {
            if tag == "</g>" {
                open.pop();
            }
            out.push_str(tag);
            continue;
        }
        let name_end = tag[1..]
            .find([' ', '>', '/', '\n'])
            .map_or(tag.len(), |i| i + 1);
        let name = &tag[1..name_end];
        let classes: Vec<&str> = attr(tag, "class")
            .map(|c| c.split_whitespace().collect())
            .unwrap_or_default();
        let mut decls: Vec<(&str, &str)> = Vec::new();
        for (selector, body) in &rules {
            if rule_matches(selector, name, &classes, &open) {
                for &(prop, value) in body {
                    match decls.iter_mut().find(|(p, _)| *p == prop) {
                        Some(d) => d.1 = value,
                        None => decls.push((prop, value)),
                    }
                }
            }
        }
        let closing = if tag.ends_with("/>") { "/>" } else { ">" };
        out.push_str(&resolve(&tag[..tag.len() - closing.len()]));
        for (prop, value) in decls {
            if attr(tag, prop).is_none() {
                let _ = write!(out, " {prop}=\"{}\"", resolve(value).replace('"', "&quot;"));
            }
        }
        out.push_str(closing);
        if name == "g" && closing == ">" {
            open.push(classes);
        }
    }
    out.push_str(rest);
    out
}

/// A rule's selector (its compound parts, outermost first: `.a .b` is
/// `[".a", ".b"]`) and its declarations.
type Rule<'a> = (Vec<&'a str>, Vec<(&'a str, &'a str)>);

/// Reads rules as [`SVG_RULES`] has them: `selector{prop:value;…}`.
fn parse_rules(css: &str) -> Vec<Rule<'_>> {
    css.split('}')
        .filter_map(|r| {
            let (selector, body) = r.split_once('{')?;
            let decls = body
                .split(';')
                .filter_map(|d| d.split_once(':'))
                .map(|(p, v)| (p.trim(), v.trim()))
                .collect();
            Some((selector.split_whitespace().collect(), decls))
        })
        .collect()
}

/// True if the selector's last part is the element (`text` or `.class`)
/// and its earlier parts are open `<g>` elements around it, in order.
fn rule_matches(selector: &[&str], name: &str, classes: &[&str], open: &[Vec<&str>]) -> bool {
    let is = |part: &str, name: &str, classes: &[&str]| match part.strip_prefix('.') {
        Some(class) => classes.contains(&class),
        None => part == name,
    };
    let Some((last, outer)) = selector.split_last() else {
        return false;
    };
    if !is(last, name, classes) {
        return false;
    }
    let mut level = open.len();
    outer.iter().rev().all(|part| {
        while level > 0 {
            level -= 1;
            if is(part, "g", &open[level]) {
                return true;
            }
        }
        false
    })
}

/// The value of the attribute `name` in a start tag.
fn attr<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let key = format!(" {name}=\"");
    let start = tag.find(&key)? + key.len();
    let len = tag[start..].find('"')?;
    Some(&tag[start..start + len])
}

// ---- The design ----

/// The design as a scenario file: the preset's scenario with the run's
/// options written in (its completion mode and order count), pretty-printed
/// like `scenarios/*.json`. `orderflow link` turns it back into a link;
/// `orderflow run` runs it. The seed is not part of a scenario (it is in
/// the file name); live changes are not either (the share link has them).
pub fn design_json(run: &Run) -> Result<String, String> {
    let mut scenario = run.model().scenario.clone();
    scenario.client.completion = run.session().mode();
    scenario.workload.orders = run.model().orders;
    serde_json::to_string_pretty(&scenario)
        .map(|mut s| {
            s.push('\n');
            s
        })
        .map_err(|_| "the design could not be written as JSON".to_owned())
}

fn design_note(run: &Run) -> String {
    let mut note = format!(
        "`orderflow link <file> --seed {}` prints this run's link",
        run.session().seed()
    );
    if !run.url_commands().is_empty() {
        note.push_str("; live changes are not part of a design (the share link has them)");
    }
    note
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::url_state::UrlState;
    use orderflow_sim::{Completion, Scenario};

    fn ctrl(query: &str) -> Controller {
        let (url, notices) = UrlState::parse(query);
        assert!(notices.is_empty(), "{notices:?}");
        Controller::from_url(&url, notices)
    }

    /// A page opened on `query`, once its time cursor is reached.
    fn page_at(query: &str) -> Controller {
        let mut c = ctrl(query);
        let mut wall = 0.0;
        while c.seeking() {
            c.tick(wall, 1_000_000);
            wall += 16.0;
        }
        c
    }

    fn export_of(c: &mut Controller, kind: ExportKind) -> ExportFile {
        export(c, kind, &Palette::default()).unwrap_or_else(|e| panic!("{kind:?}: {e}"))
    }

    #[test]
    fn file_names_carry_preset_seed_and_time() {
        assert_eq!(
            file_name("hybrid-queue", 1, SimTime(12_500_000), "metrics.csv"),
            "hybrid-queue_seed1_t12.500s_metrics.csv"
        );
        assert_eq!(
            file_name("mmc", 42, SimTime(3_007_999), "trace.jsonl"),
            "mmc_seed42_t3.007s_trace.jsonl"
        );
        let mut c = page_at("?preset=pizza&seed=7&t=2500");
        c.select_order(OrderId(3));
        let names: Vec<String> = ExportKind::ALL
            .iter()
            .filter(|k| **k != ExportKind::Png)
            .map(|k| export_of(&mut c, *k).name)
            .collect();
        assert_eq!(
            names,
            [
                "pizza_seed7_t2.500s_order3.mmd",
                "pizza_seed7_t2.500s_trace.jsonl",
                "pizza_seed7_t2.500s_metrics.csv",
                "pizza_seed7_t2.500s_series.csv",
                "pizza_seed7_t2.500s_diagram.svg",
                "pizza_seed7_t2.500s_design.json",
            ]
        );
    }

    /// `orderflow mermaid` for the same run, computed as the tool does.
    fn cli_story(preset: &str, seed: u64, mode: Option<Completion>, order: u64) -> String {
        let model = orderflow_sim::presets::model(preset).unwrap().unwrap();
        let mode = mode.unwrap_or(model.client.completion);
        let mut sim = Sim::with_completion(model.clone(), seed, mode).unwrap();
        let mut story = StoryEvents::new(OrderId(order));
        while !story.settled() && !sim.run_to_end(50_000) {
            story.add(&sim.drain_trace());
        }
        story.add(&sim.drain_trace());
        sequence_diagram(&model, story.events(), OrderId(order))
    }

    #[test]
    fn the_mermaid_story_is_the_command_lines_wherever_the_page_is() {
        // At time zero, in the middle of the run, and after the order ended.
        for t in [0, 4_000, 60_000] {
            let mut c = page_at(&format!("?preset=hybrid-queue&mode=polling&seed=3&t={t}"));
            c.select_order(OrderId(6));
            let f = export_of(&mut c, ExportKind::Mermaid);
            assert_eq!(
                f.text,
                cli_story("hybrid-queue", 3, Some(Completion::Polling), 6),
                "t={t}"
            );
            assert!(f.text.contains("settled"), "{}", f.text);
            assert_eq!(
                f.note,
                "the same text as `orderflow mermaid hybrid-queue --order 6 --seed 3 --completion polling`"
            );
        }
    }

    #[test]
    fn a_mermaid_story_needs_an_order_of_the_run() {
        let mut c = page_at("?preset=sync-chain&orders=20");
        let why = export(&mut c, ExportKind::Mermaid, &Palette::default()).unwrap_err();
        assert!(why.starts_with("select an order first"), "{why}");
        c.select_order(OrderId(21));
        let why = export(&mut c, ExportKind::Mermaid, &Palette::default()).unwrap_err();
        assert_eq!(why, "order: this run has orders 1 to 20, got 21");
    }

    #[test]
    fn with_live_changes_the_story_replays_them_and_says_the_cli_cannot() {
        // Payment down from the start: the story shows the refusals.
        let mut c = page_at("?preset=sync-chain&seed=1&cmds=0:0:down:payment&t=3000");
        c.select_order(OrderId(1));
        let f = export_of(&mut c, ExportKind::Mermaid);
        assert_ne!(f.text, cli_story("sync-chain", 1, None, 1));
        assert!(f.note.contains("cannot replay"), "{}", f.note);
    }

    #[test]
    fn the_trace_is_one_json_object_per_event() {
        let mut c = page_at("?preset=hybrid-queue&seed=1&t=5000");
        let events = c.run().session().store().events().len();
        assert!(events > 100);
        let f = export_of(&mut c, ExportKind::Trace);
        let lines: Vec<&str> = f.text.lines().collect();
        assert_eq!(lines.len(), events);
        for (line, e) in lines.iter().zip(c.run().session().store().events()) {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            // The fields of `orderflow run --trace`, in another order.
            assert_eq!(v, e.to_json(c.run().model()), "{line}");
        }
        assert_eq!(f.note, format!("{events} events"));
    }

    /// Parses CSV as these exporters write it.
    fn parse_csv(text: &str) -> Vec<Vec<String>> {
        text.lines()
            .map(|l| {
                let mut fields = vec![String::new()];
                let mut quoted = false;
                let mut chars = l.chars().peekable();
                while let Some(ch) = chars.next() {
                    match ch {
                        '"' if quoted && chars.peek() == Some(&'"') => {
                            chars.next();
                            fields.last_mut().unwrap().push('"');
                        }
                        '"' => quoted = !quoted,
                        ',' if !quoted => fields.push(String::new()),
                        ch => fields.last_mut().unwrap().push(ch),
                    }
                }
                fields
            })
            .collect()
    }

    /// `orderflow run`'s report, flattened to `path → value`.
    fn report_figures(sim: &Sim) -> Vec<(String, serde_json::Value)> {
        fn walk(path: &str, v: &serde_json::Value, out: &mut Vec<(String, serde_json::Value)>) {
            match v {
                serde_json::Value::Object(m) => {
                    for (k, v) in m {
                        let p = if path.is_empty() {
                            k.clone()
                        } else {
                            format!("{path}.{k}")
                        };
                        walk(&p, v, out);
                    }
                }
                other => out.push((path.to_owned(), other.clone())),
            }
        }
        let mut out = Vec::new();
        walk("", &orderflow_sim::report::metrics_json(sim), &mut out);
        out
    }

    #[test]
    fn metrics_are_the_command_lines_figures_one_per_row() {
        for query in [
            "?preset=payment-breaker&seed=2&t=20000",
            "?preset=hybrid-queue&seed=1&t=15000&cmds=0:0:down:warehouse",
            "?preset=pizza&seed=3&t=9000",
        ] {
            let mut c = page_at(query);
            let f = export_of(&mut c, ExportKind::Metrics);
            let rows = parse_csv(&f.text);
            assert_eq!(rows[0], ["metric", "value"]);
            assert!(rows.iter().all(|r| r.len() == 2), "{rows:?}");
            let report = report_figures(c.run().session().sim());
            // The same figures, by the same names: none missing, none more.
            let mut ours: Vec<&str> = rows[1..].iter().map(|r| r[0].as_str()).collect();
            let mut theirs: Vec<&str> = report.iter().map(|(k, _)| k.as_str()).collect();
            ours.sort_unstable();
            theirs.sort_unstable();
            assert_eq!(ours, theirs, "{query}");
            for (name, value) in &report {
                let ours = &rows.iter().find(|r| &r[0] == name).unwrap()[1];
                match value {
                    serde_json::Value::Number(n) => assert_eq!(
                        ours.parse::<f64>().unwrap(),
                        n.as_f64().unwrap(),
                        "{query}: {name}"
                    ),
                    serde_json::Value::String(s) => assert_eq!(ours, s, "{query}: {name}"),
                    other => assert_eq!(ours, &other.to_string(), "{query}: {name}"),
                }
            }
        }
    }

    #[test]
    fn the_series_has_a_column_per_figure_and_a_row_per_sample() {
        let mut c = page_at("?preset=hybrid-queue&seed=1&t=12500");
        let f = export_of(&mut c, ExportKind::Series);
        let rows = parse_csv(&f.text);
        let m = c.run().model().clone();
        let width = 12 + 2 * m.services.len() + 2 * m.queues.len() + m.breakers.len();
        assert_eq!(rows[0].len(), width);
        assert_eq!(rows[0][0], "t_ms");
        assert!(
            rows[0].contains(&"busy.payment".to_owned()),
            "{:?}",
            rows[0]
        );
        assert!(
            rows[0].contains(&"waiting.warehouse_q".to_owned()),
            "{:?}",
            rows[0]
        );
        assert!(rows.iter().all(|r| r.len() == width));
        // A sample every 500 ms from 0 to 12.5 s.
        let samples = c.run().session().sim().metrics().series.len();
        assert_eq!(samples, 26);
        assert_eq!(rows.len(), 1 + samples);
        assert_eq!(rows[1][0], "0");
        assert_eq!(rows[samples][0], "12500");
        assert_eq!(f.note, "26 samples");
        // Settled orders only grow.
        let completed: Vec<u64> = rows[1..].iter().map(|r| r[2].parse().unwrap()).collect();
        assert!(completed.windows(2).all(|w| w[0] <= w[1]));
        assert_eq!(
            *completed.last().unwrap(),
            c.run().session().sim().metrics().outcomes.completed
        );
    }

    #[test]
    fn the_svg_has_every_node_edge_and_dot_in_flight() {
        let mut c = page_at("?preset=hybrid-queue&seed=1&t=3000&cmds=0:0:down:warehouse");
        let frame = c.frame();
        assert!(!frame.tokens.is_empty());
        let f = export_of(&mut c, ExportKind::Svg);
        let s = &f.text;
        assert!(
            s.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""),
            "{s}"
        );
        assert_eq!(s.matches("<g class=\"diagram__node ").count(), 9);
        let view = &c.run().scene().view;
        for n in &view.nodes {
            assert!(s.contains(&format!("data-node=\"{}\"", n.id)), "{}", n.id);
            assert!(s.contains(&format!(">{}</text>", n.label)), "{}", n.label);
        }
        assert_eq!(
            s.matches("<path class=\"diagram__edge\"").count(),
            view.edges.len()
        );
        assert_eq!(
            s.matches("<circle class=\"token ").count(),
            frame.tokens.len()
        );
        // The warehouse is down, and the picture says so.
        let warehouse = s
            .lines()
            .find(|l| l.contains("data-node=\"warehouse\""))
            .unwrap();
        assert!(warehouse.contains("diagram__node--down"), "{warehouse}");
        assert!(s.contains(">DOWN</text>"));
        // Balanced: every element opened is closed.
        assert_eq!(s.matches("<g").count(), s.matches("</g>").count());
        // The palette comes in as custom properties; nothing else can.
        let dark = Palette::read(|k| (k == "--color-surface").then(|| " #1a2029 ".to_owned()));
        assert!(svg(view, &frame, &dark, None).contains("--color-surface:#1a2029;"));
        let hostile = Palette::read(|_| Some("red}</style><script>".to_owned()));
        assert_eq!(hostile, Palette::default());
    }

    #[test]
    fn the_pngs_svg_carries_its_styles_in_attributes() {
        let mut c = page_at("?preset=hybrid-queue&seed=1&t=3000&cmds=0:0:down:warehouse");
        let f = export_of(&mut c, ExportKind::Png);
        let s = &f.text;
        // No stylesheet and no custom property left for the image to need.
        assert!(!s.contains("<style"), "{s}");
        assert!(!s.contains("var(--"), "{s}");
        let line = |node: &str| {
            s.lines()
                .find(|l| l.contains(&format!("data-node=\"{node}\"")))
                .unwrap()
                .to_owned()
        };
        // A service's box takes its kind's colour; the down warehouse the
        // danger stroke, dashed (the later, more specific rule).
        assert!(
            line("payment").contains("class=\"diagram__box\" x=")
                && line("payment").contains("fill=\"#eef7ee\""),
            "{}",
            line("payment")
        );
        let warehouse = line("warehouse");
        assert!(
            warehouse.contains("stroke-dasharray=\"4 3\""),
            "{warehouse}"
        );
        assert!(!warehouse.contains("fill=\"#eef7ee\""), "{warehouse}");
        // Every dot has a fill; labels a font.
        let dots = s
            .lines()
            .filter(|l| l.starts_with("<circle class=\"token "))
            .count();
        assert!(dots > 0);
        assert_eq!(
            s.lines()
                .filter(|l| l.starts_with("<circle class=\"token ") && l.contains(" fill=\""))
                .count(),
            dots
        );
        assert!(s.contains("<text class=\"diagram__label\""));
        assert!(
            !s.lines()
                .any(|l| l.contains("<text class=\"diagram__label\"")
                    && !l.contains("font-size=\"14px\""))
        );
        // The background's colour resolved too, and no tag says a thing twice.
        assert!(s.contains("fill=\"#ffffff\""), "{s}");
        for tag in s.split('<') {
            for a in [
                " fill=\"",
                " stroke=\"",
                " stroke-width=\"",
                " font-size=\"",
            ] {
                assert!(tag.matches(a).count() <= 1, "{tag}");
            }
        }
    }

    #[test]
    fn the_png_is_the_svg_at_twice_its_units() {
        let mut c = page_at("?preset=sync-chain&t=1000");
        let f = export_of(&mut c, ExportKind::Png);
        let [_, _, w, h] = c.run().scene().view.view_box;
        assert_eq!(f.png_size, Some(((w * 2.0) as u32, (h * 2.0) as u32)));
        assert!(
            f.text.contains(&format!("width=\"{}\"", w * 2.0)),
            "{}",
            &f.text[..300]
        );
        assert_eq!(f.mime, "image/png");
    }

    #[test]
    fn the_design_is_the_scenario_with_the_runs_options_and_links_back() {
        let mut c = page_at("?preset=async-write&mode=push&seed=9&orders=33");
        let f = export_of(&mut c, ExportKind::Design);
        let back = Scenario::from_json(&f.text).expect("a valid scenario file");
        let mut expected = orderflow_sim::presets::scenario("async-write").unwrap();
        expected.client.completion = Completion::Push;
        expected.workload.orders = 33;
        assert_eq!(back, expected);
        let link = orderflow_sim::link::preset_link(&back).unwrap();
        // The engine's link opens this very run in the page.
        let (url, notices) = UrlState::parse(&link.query(9));
        assert!(notices.is_empty(), "{notices:?}");
        assert_eq!(
            (url.preset.as_str(), url.mode, url.seed, url.orders),
            ("async-write", Some(Completion::Push), 9, Some(33))
        );
        assert_eq!(
            f.note,
            "`orderflow link <file> --seed 9` prints this run's link"
        );
    }

    #[test]
    fn buttons_and_messages() {
        assert_eq!(
            button_label(ExportKind::Mermaid, Some(OrderId(12))),
            "Order 12's story (Mermaid)"
        );
        assert_eq!(
            button_label(ExportKind::Mermaid, None),
            "Order story (Mermaid): select an order"
        );
        assert_eq!(
            button_label(ExportKind::Series, Some(OrderId(12))),
            "Time series (CSV)"
        );
        let mut c = page_at("?preset=sync-chain&t=1000");
        let f = export_of(&mut c, ExportKind::Svg);
        assert_eq!(
            saved_message(&f),
            "saved sync-chain_seed1_t1.000s_diagram.svg"
        );
        let f = export_of(&mut c, ExportKind::Series);
        assert_eq!(
            saved_message(&f),
            "saved sync-chain_seed1_t1.000s_series.csv: 3 samples"
        );
    }

    #[test]
    fn csv_fields_are_quoted_when_they_must_be() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(parse_csv("x,\"a,b\",\"q\"\"\""), [["x", "a,b", "q\""]]);
    }
}
