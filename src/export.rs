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

mod svg;
pub use svg::*;

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
mod tests;
