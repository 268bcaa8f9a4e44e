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
/// `palette` gives the diagram's colours (the page's theme). The page
/// itself asks the on-demand worker instead ([`request`]), which gets here
/// through [`answer`] on the run replayed from its link.
pub fn export(
    c: &mut Controller,
    kind: ExportKind,
    palette: &Palette,
) -> Result<ExportFile, String> {
    let view = View {
        order: c.selected_order(),
        min_display: c.min_display(),
        reduced_motion: c.reduced_motion(),
    };
    export_run(c.run_mut(), kind, view, palette)
}

/// What of the page's state an export reads besides its run: the selected
/// order and how tokens are drawn.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct View {
    pub order: Option<OrderId>,
    /// Simulated time a token stays on screen at least.
    pub min_display: SimTime,
    pub reduced_motion: bool,
}

/// The file of `kind` for `run` at its current time.
fn export_run(
    run: &mut Run,
    kind: ExportKind,
    view: View,
    palette: &Palette,
) -> Result<ExportFile, String> {
    let order = view.order;
    let frame = run.frame(view.min_display, view.reduced_motion);
    let session = run.session();
    let name = file_name(run.preset(), session.seed(), run.now(), &kind.suffix(order));
    let mut png_size = None;
    let (text, note) = match kind {
        ExportKind::Mermaid => {
            let order = order.ok_or(NO_ORDER)?;
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

/// Why a Mermaid export needs a selected order.
const NO_ORDER: &str = "select an order first: click a dot, or type its number in the inspector";

// ---- The on-demand worker ----
//
// The exports are not in the bundle loaded at start: the page sends the
// on-demand worker (`src/bin/on-demand.rs`) its first run as a share link
// plus what the link does not hold (the exact time, the selected order, how
// tokens are drawn, the theme's colours); the worker replays the link to
// that time (the engine is deterministic, so it reaches the page's state)
// and writes the file. Plain text both ways, no JSON.

/// The first line of an export request.
pub const REQUEST: &str = "export";

/// The request for file `kind` of the page's first run as it is now, or
/// why there is nothing to export.
pub fn request(c: &Controller, kind: ExportKind, palette: &Palette) -> Result<String, String> {
    if kind == ExportKind::Mermaid && c.selected_order().is_none() {
        return Err(NO_ORDER.to_owned());
    }
    let run = c.run();
    let mut url = c.url_state();
    // The first run alone, as its own link would open it.
    url.others.clear();
    url.cmp = None;
    url.embed = false;
    url.autoplay = false;
    url.origin = None;
    let kind_index = ExportKind::ALL.iter().position(|k| *k == kind).unwrap_or(0);
    let mut out = format!(
        "{REQUEST}\n{kind_index}\n{}\n{}\n{}\n{}\n{}\n",
        c.selected_order()
            .map(|o| o.0.to_string())
            .unwrap_or_default(),
        run.now().as_micros(),
        c.min_display().as_micros(),
        u8::from(c.reduced_motion()),
        u8::from(run.no_faults()),
    );
    for (_, v) in &palette.0 {
        out.push_str(&v.replace(['\n', '\r'], " "));
        out.push('\n');
    }
    out.push_str(&url.to_query());
    Ok(out)
}

/// The largest event budget per seek slice while the worker replays a link
/// (the replay is one call; slices only bound each step of the loop).
const REPLAY_BUDGET: u64 = 1_000_000;

/// The worker's answer to an export [`request`]:
/// `ok\n<name>\n<png width>x<png height>\n<note>\n<text>` (the size
/// empty but for the PNG) or `err\n<message>`.
pub fn answer(request: &str) -> String {
    match answer_file(request) {
        Ok(f) => {
            let size = f
                .png_size
                .map(|(w, h)| format!("{w}x{h}"))
                .unwrap_or_default();
            format!("ok\n{}\n{size}\n{}\n{}", f.name, f.note, f.text)
        }
        Err(e) => format!("err\n{e}"),
    }
}

fn answer_file(request: &str) -> Result<ExportFile, String> {
    let mut lines = request.splitn(8 + PALETTE_DEFAULTS.len(), '\n');
    if lines.next() != Some(REQUEST) {
        return Err("not an export request".to_owned());
    }
    let mut next = |what: &str| {
        lines
            .next()
            .ok_or_else(|| format!("export request: no {what}"))
    };
    let number = |what: &str, text: &str| -> Result<u64, String> {
        text.parse()
            .map_err(|_| format!("export request: {what} {text:?}"))
    };
    let kind = number("kind", next("kind")?)?;
    let kind = *ExportKind::ALL
        .get(kind as usize)
        .ok_or_else(|| format!("export request: kind {kind}"))?;
    let order = match next("order")? {
        "" => None,
        o => Some(OrderId(number("order", o)?)),
    };
    let t = SimTime(number("time", next("time")?)?);
    let min_display = SimTime(number("token time", next("token time")?)?);
    let reduced_motion = next("reduced motion")? == "1";
    let no_faults = next("faults")? == "1";
    let mut palette = Vec::with_capacity(PALETTE_DEFAULTS.len());
    for (k, _) in PALETTE_DEFAULTS {
        palette.push((k, next(k)?.to_owned()));
    }
    let query = next("link")?;
    let (url, mut notices) = crate::url_state::UrlState::parse(query);
    let mut run = Run::from_url_edited(&url, no_faults, &mut notices);
    while run.session_mut().seek(t, REPLAY_BUDGET) != crate::session::Advance::Reached {}
    run.follow_trace();
    let view = View {
        order,
        min_display,
        reduced_motion,
    };
    export_run(&mut run, kind, view, &Palette(palette))
}

/// The page's reading of the worker's reply to an export request.
pub fn parse_reply(kind: ExportKind, reply: &str) -> Result<ExportFile, String> {
    let mut parts = reply.splitn(5, '\n');
    match parts.next() {
        Some("ok") => {}
        Some("err") => return Err(reply["err\n".len()..].to_owned()),
        _ => return Err("the export's reply was not understood".to_owned()),
    }
    let (Some(name), Some(size), Some(note), Some(text)) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err("the export's reply was cut short".to_owned());
    };
    let png_size = size
        .split_once('x')
        .and_then(|(w, h)| Some((w.parse().ok()?, h.parse().ok()?)));
    Ok(ExportFile {
        name: name.to_owned(),
        mime: kind.mime(),
        text: text.to_owned(),
        png_size,
        note: note.to_owned(),
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
