//! Owns the metrics panel's view model: latency percentiles, client-side
//! costs, per-service load, small charts (queue depth, throughput, orders in
//! flight, breaker states over time) as SVG path data, and how durations read
//! ([`fmt_ms`]).

use orderflow_sim::breaker::BreakerState;
use orderflow_sim::metrics::{ClientCounters, Cost, PaymentCounters, StepCounters, Summary};
use orderflow_sim::model::Model;
use orderflow_sim::{Completion, Sim};

/// Width and height of every chart's `viewBox`.
pub const CHART_W: f64 = 300.0;
pub const CHART_H: f64 = 70.0;
/// A chart's `viewBox` attribute.
pub const CHART_VIEW_BOX: &str = "0 0 300 70";
/// Height of a breaker's state strip, and its `viewBox` attribute.
pub const STRIP_H: f64 = 12.0;
pub const STRIP_VIEW_BOX: &str = "0 0 300 12";
/// Colours a chart's lines cycle through (`chart__line--0` …).
const LINE_COLOURS: usize = 6;

/// A duration in milliseconds as it reads in the panels: one decimal below
/// 100 ms, whole milliseconds below 10 s, then seconds.
pub fn fmt_ms(v: f64) -> String {
    if v >= 10_000.0 {
        format!("{:.1} s", v / 1_000.0)
    } else if v >= 100.0 {
        format!("{v:.0} ms")
    } else {
        format!("{v:.1} ms")
    }
}

/// A duration in microseconds, as [`fmt_ms`] writes it.
pub fn fmt_us(us: u64) -> String {
    fmt_ms(us as f64 / 1e3)
}

/// One line of a chart.
#[derive(Clone, Debug, PartialEq)]
pub struct Line {
    pub label: String,
    /// SVG path data in the chart's `viewBox`.
    pub d: String,
    /// The last value, for the legend.
    pub last: f64,
}

/// A chart: lines sharing axes.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Chart {
    pub title: String,
    pub lines: Vec<Line>,
    /// Top of the y axis.
    pub y_max: f64,
    /// Unit of the values ("" for counts, " ms" for latencies).
    pub unit: &'static str,
    /// Time range shown, seconds.
    pub t0: f64,
    pub t1: f64,
}

impl Chart {
    /// Each line's classes and path data, in drawing order.
    pub fn paths(&self) -> Vec<(String, String)> {
        self.lines
            .iter()
            .enumerate()
            .map(|(i, l)| {
                (
                    format!("chart__line chart__line--{}", i % LINE_COLOURS),
                    l.d.clone(),
                )
            })
            .collect()
    }

    /// The legend: each line's key classes and text (label and last value).
    pub fn keys(&self) -> Vec<(String, String)> {
        self.lines
            .iter()
            .enumerate()
            .map(|(i, l)| {
                (
                    format!("chart__key chart__key--{}", i % LINE_COLOURS),
                    format!("{} {:.0}{}", l.label, l.last, self.unit),
                )
            })
            .collect()
    }

    /// The caption's note on the y axis: `" (max 20 ms)"`.
    pub fn max_label(&self) -> String {
        format!(" (max {}{})", self.y_max, self.unit)
    }

    /// The time axis: `"3 s … 41 s"`.
    pub fn axis_label(&self) -> String {
        format!("{:.0} s … {:.0} s", self.t0, self.t1)
    }
}

/// One stretch of a breaker's state strip.
#[derive(Clone, Debug, PartialEq)]
pub struct Segment {
    pub x: f64,
    pub w: f64,
    pub state: BreakerState,
}

impl Segment {
    /// The stretch's classes: its state picks the colour.
    pub fn class(&self) -> String {
        format!("strip__seg strip__seg--{}", self.state.as_str())
    }
}

/// A breaker's states over time.
#[derive(Clone, Debug, PartialEq)]
pub struct Strip {
    pub label: String,
    pub segments: Vec<Segment>,
}

impl Strip {
    /// The caption: `"breaker payment"`.
    pub fn caption(&self) -> String {
        format!("breaker {}", self.label)
    }

    /// The strip's accessible name.
    pub fn aria_label(&self) -> String {
        format!("breaker {} state over time", self.label)
    }
}

/// Inventory's stock of one SKU: where every unit is right now. The sum
/// of the three always equals `initial + added - removed` (the engine
/// checks it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StockRow {
    pub sku: String,
    pub initial: u64,
    pub available: u64,
    pub reserved: u64,
    pub shipped: u64,
    /// Units restocked or counted in since the start.
    pub added: u64,
    /// Units written off by a stock count.
    pub removed: u64,
    /// Reservations refused for lack of units.
    pub out_of_stock: u64,
}

/// A row of the services table.
#[derive(Clone, Debug, PartialEq)]
pub struct ServiceRow {
    pub label: String,
    /// Requests it received so far (calls, deliveries, polls).
    pub received: u64,
    pub utilisation: f64,
    pub mean_wait_ms: f64,
    pub p95_wait_ms: f64,
    pub rejected: u64,
    pub refused: u64,
    /// Replica-seconds and worker-busy-seconds so far.
    pub cost: Cost,
}

impl ServiceRow {
    /// Share of the workers busy: `"42%"`.
    pub fn busy_text(&self) -> String {
        format!("{:.0}%", self.utilisation * 100.0)
    }

    /// The 95th percentile of the wait for a worker.
    pub fn wait_text(&self) -> String {
        fmt_ms(self.p95_wait_ms)
    }

    /// What the service has cost so far: `"62.1"` replica-seconds.
    pub fn cost_text(&self) -> String {
        fmt_seconds(self.cost.replica_seconds)
    }
}

/// Seconds of a cost figure, one decimal (`"123.8"`); whole thousands
/// get a thin grouping (`"12 345.6"`) so long runs stay readable.
pub fn fmt_seconds(s: f64) -> String {
    if !s.is_finite() || s < 0.0 {
        return "–".into();
    }
    let text = format!("{s:.1}");
    let (whole, frac) = text.split_once('.').unwrap_or((&text, "0"));
    let mut grouped = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push('\u{2009}');
        }
        grouped.push(c);
    }
    format!("{grouped}.{frac}")
}

/// A row of the latency table: what is measured, how many, percentiles.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LatencyRow {
    pub name: &'static str,
    pub count: u64,
    pub p50: String,
    pub p95: String,
    pub p99: String,
    pub max: String,
}

impl LatencyRow {
    fn of(name: &'static str, s: &Summary) -> LatencyRow {
        LatencyRow {
            name,
            count: s.count,
            p50: fmt_ms(s.p50_ms),
            p95: fmt_ms(s.p95_ms),
            p99: fmt_ms(s.p99_ms),
            max: fmt_ms(s.max_ms),
        }
    }
}

/// Everything the metrics panel shows.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Stats {
    pub mode: Option<Completion>,
    pub response: Summary,
    pub completion: Summary,
    pub done: Summary,
    pub window: Summary,
    pub lag: Summary,
    pub client: ClientCounters,
    pub payments: PaymentCounters,
    pub steps: StepCounters,
    pub services: Vec<ServiceRow>,
    pub latency_chart: Chart,
    pub queue_chart: Chart,
    pub throughput_chart: Chart,
    pub in_flight_chart: Chart,
    pub strips: Vec<Strip>,
    pub has_payments: bool,
    pub stock: Vec<StockRow>,
    /// What our services cost so far (not the client, not third parties):
    /// the figure to show beside latency.
    pub cost: Cost,
}

/// SVG path through `points` (x in seconds, y in value units) scaled to
/// the chart's box: `x0..x1` across, `0..y_max` up. A NaN `y` is a gap (no
/// value there): the line stops and starts again at the next point. A point
/// alone between gaps becomes a short dash, so it still shows.
pub fn line_path(points: &[(f64, f64)], x0: f64, x1: f64, y_max: f64) -> String {
    let sx = CHART_W / (x1 - x0).max(1e-9);
    let sy = CHART_H / y_max.max(1e-9);
    let mut d = String::with_capacity(points.len() * 12);
    // Points drawn since the pen last came down.
    let mut run = 0;
    for (x, y) in points {
        if y.is_nan() {
            if run == 1 {
                d.push_str("h2");
            }
            run = 0;
            continue;
        }
        let px = ((x - x0) * sx).clamp(0.0, CHART_W);
        let py = (CHART_H - y * sy).clamp(0.0, CHART_H);
        d.push_str(if run == 0 { "M" } else { "L" });
        d.push_str(&format!("{px:.1} {py:.1}"));
        run += 1;
    }
    if run == 1 {
        d.push_str("h2");
    }
    d
}

/// The last value of a line that is not a gap (0 if there is none).
fn last_value(points: &[(f64, f64)]) -> f64 {
    points
        .iter()
        .rev()
        .find(|p| !p.1.is_nan())
        .map_or(0.0, |p| p.1)
}

/// A chart of `lines` (label, points) over `t0..t1`, the y axis rounded up
/// from the largest value (at least `y_floor`).
fn chart(
    title: &str,
    unit: &'static str,
    lines: Vec<(String, Vec<(f64, f64)>)>,
    y_floor: f64,
    (t0, t1): (f64, f64),
) -> Chart {
    let top = lines
        .iter()
        .flat_map(|(_, pts)| pts.iter().map(|p| p.1))
        .filter(|y| !y.is_nan())
        .fold(y_floor, f64::max);
    let y_max = nice_max(top);
    Chart {
        title: title.to_owned(),
        lines: lines
            .into_iter()
            .map(|(label, pts)| Line {
                label,
                last: last_value(&pts),
                d: line_path(&pts, t0, t1, y_max),
            })
            .collect(),
        y_max,
        unit,
        t0,
        t1,
    }
}

/// The comparison's charts: one line per design on shared axes, latency
/// (p50 and p95 of when the client knows the outcome), orders in flight,
/// and messages or requests waiting (every queue of a design added up).
/// `designs` are `(label, run)`, the first first.
pub fn overlaid(designs: &[(&str, &Sim)]) -> Vec<Chart> {
    let mut span = (f64::INFINITY, f64::NEG_INFINITY);
    let mut latency_p50 = Vec::new();
    let mut latency_p95 = Vec::new();
    let mut in_flight = Vec::new();
    let mut waiting = Vec::new();
    for (label, sim) in designs {
        let mx = sim.metrics();
        let model = sim.model();
        let series: Vec<_> = mx
            .series
            .iter()
            .skip(mx.series.len().saturating_sub(MAX_POINTS))
            .collect();
        if let (Some(a), Some(b)) = (series.first(), series.last()) {
            span.0 = span.0.min(a.t.as_secs_f64());
            span.1 = span.1.max(b.t.as_secs_f64());
        }
        let latency = |get: fn(&orderflow_sim::metrics::WindowLatency) -> u64| -> Vec<(f64, f64)> {
            series
                .iter()
                .map(|s| {
                    let y = if s.latency.count == 0 {
                        f64::NAN
                    } else {
                        get(&s.latency) as f64 / 1e3
                    };
                    (s.t.as_secs_f64(), y)
                })
                .collect()
        };
        latency_p50.push(((*label).to_owned(), latency(|w| w.known_p50_us)));
        latency_p95.push(((*label).to_owned(), latency(|w| w.known_p95_us)));
        in_flight.push((
            (*label).to_owned(),
            series
                .iter()
                .map(|s| (s.t.as_secs_f64(), f64::from(s.in_flight_orders)))
                .collect(),
        ));
        waiting.push((
            (*label).to_owned(),
            series
                .iter()
                .map(|s| {
                    let queues: u32 = model.queues.ids().map(|q| s.queue_depth(q)).sum();
                    let services: u32 = model.services.ids().map(|i| s.queued(i)).sum();
                    (s.t.as_secs_f64(), f64::from(queues + services))
                })
                .collect(),
        ));
    }
    if !span.0.is_finite() {
        span = (0.0, 1.0);
    }
    span.1 = span.1.max(span.0 + 1.0);
    vec![
        chart(
            "latency p50: client knows the outcome",
            " ms",
            latency_p50,
            1.0,
            span,
        ),
        chart(
            "latency p95: client knows the outcome",
            " ms",
            latency_p95,
            1.0,
            span,
        ),
        chart("orders in flight", "", in_flight, 1.0, span),
        chart("messages and requests waiting", "", waiting, 1.0, span),
    ]
}

/// A round upper bound for a y axis: 1, 2, 5 × 10^n at or above `v`.
pub fn nice_max(v: f64) -> f64 {
    if v.is_nan() || v <= 0.0 {
        return 1.0;
    }
    let mag = 10f64.powf(v.log10().floor());
    for m in [1.0, 2.0, 5.0, 10.0] {
        if m * mag >= v {
            return m * mag;
        }
    }
    10.0 * mag
}

/// A breaker's state changes as strip segments over `t0..t1` seconds. Every
/// stretch is at least one unit wide, so a half-open probe of a millisecond
/// still shows.
pub fn strip<'a>(
    history: impl Iterator<Item = &'a (orderflow_sim::SimTime, BreakerState)>,
    t0: f64,
    t1: f64,
) -> Vec<Segment> {
    let sx = CHART_W / (t1 - t0).max(1e-9);
    let push = |segments: &mut Vec<Segment>, state: BreakerState, a: f64, b: f64| {
        if b >= t0 && a < t1 {
            let x = ((a - t0) * sx).clamp(0.0, CHART_W);
            let x_end = ((b - t0) * sx).clamp(0.0, CHART_W);
            segments.push(Segment {
                x,
                w: (x_end - x).max(1.0),
                state,
            });
        }
    };
    let mut state = BreakerState::Closed;
    let mut from = t0;
    let mut segments: Vec<Segment> = Vec::new();
    for (t, s) in history {
        let t = t.as_secs_f64();
        if t > t1 {
            break;
        }
        push(&mut segments, state, from.max(t0), t);
        state = *s;
        from = t;
    }
    push(&mut segments, state, from.max(t0), t1);
    segments
}

impl Stats {
    /// The latency table's rows. Detection lag (how long after the work the
    /// client found out) only exists when the client is not answered
    /// synchronously.
    /// The cost beside latency: our services' replica-seconds (what a
    /// bill counts) and worker-busy-seconds (the work done), so far.
    pub fn cost_rows(&self) -> [(&'static str, String); 2] {
        [
            ("replica-seconds", fmt_seconds(self.cost.replica_seconds)),
            (
                "worker-busy-seconds",
                fmt_seconds(self.cost.worker_busy_seconds),
            ),
        ]
    }

    pub fn latency_rows(&self) -> Vec<LatencyRow> {
        let mut rows = vec![
            LatencyRow::of("client answer", &self.response),
            LatencyRow::of("client knows outcome", &self.completion),
            LatencyRow::of("work really done", &self.done),
            LatencyRow::of("consistency window", &self.window),
        ];
        if self.mode.is_some_and(|m| m != Completion::Sync) {
            rows.push(LatencyRow::of("detection lag", &self.lag));
        }
        rows
    }
}

/// Samples shown at most (the newest), so charts stay cheap to draw.
const MAX_POINTS: usize = 600;

impl Stats {
    /// The panel's data for the run's current state.
    pub fn compute(model: &Model, sim: &Sim) -> Stats {
        let mode = Some(sim.completion());
        let secs = sim.now().as_secs_f64().max(1e-9);
        let mx = sim.metrics();
        let services = model
            .services
            .iter_enumerated()
            .filter(|(_, s)| {
                !matches!(
                    s.kind,
                    orderflow_sim::scenario::ServiceKind::Client
                        | orderflow_sim::scenario::ServiceKind::Broker
                )
            })
            .map(|(i, s)| {
                let m = &mx.services[i];
                let workers = f64::from(s.replicas * s.concurrency).max(1.0);
                // The busy-worker integral up to now.
                let (busy_area, _) = sim.service_areas(i);
                ServiceRow {
                    label: s.label.clone(),
                    received: m.received,
                    utilisation: (busy_area as f64 / 1e6 / secs / workers).min(1.0),
                    mean_wait_ms: if m.wait_count == 0 {
                        0.0
                    } else {
                        m.wait_sum_us as f64 / m.wait_count as f64 / 1e3
                    },
                    p95_wait_ms: m.queue_wait.quantile_ms(0.95),
                    rejected: m.rejected,
                    refused: m.refused,
                    cost: sim.service_cost(i),
                }
            })
            .collect();
        let cost = model
            .services
            .iter_enumerated()
            .filter(|(_, s)| s.kind.is_ours())
            .map(|(i, _)| sim.service_cost(i))
            .fold(Cost::default(), Cost::plus);

        let series: Vec<_> = mx
            .series
            .iter()
            .skip(mx.series.len().saturating_sub(MAX_POINTS))
            .collect();
        let (t0, t1) = match (series.first(), series.last()) {
            (Some(a), Some(b)) => (
                a.t.as_secs_f64(),
                b.t.as_secs_f64().max(a.t.as_secs_f64() + 1.0),
            ),
            _ => (0.0, 1.0),
        };
        // Queue depth: waiting messages per queue (dead-letter queues included).
        let mut queue_lines = Vec::new();
        for (q, qm) in model.queues.iter_enumerated() {
            let pts: Vec<(f64, f64)> = series
                .iter()
                .map(|s| (s.t.as_secs_f64(), f64::from(s.queue_depth(q))))
                .collect();
            queue_lines.push((qm.id.clone(), pts));
        }
        // Requests queued in services, when there is no broker.
        if model.queues.is_empty() {
            for (i, s) in model.services.iter_enumerated() {
                if matches!(s.kind, orderflow_sim::scenario::ServiceKind::Client) {
                    continue;
                }
                let pts: Vec<(f64, f64)> = series
                    .iter()
                    .map(|x| (x.t.as_secs_f64(), f64::from(x.queued(i))))
                    .collect();
                if pts.iter().any(|p| p.1 > 0.0) {
                    queue_lines.push((s.label.clone(), pts));
                }
            }
        }
        let span = (t0, t1);
        let queue_title = if model.queues.is_empty() {
            "requests waiting"
        } else {
            "queue depth"
        };
        let queue_chart = chart(queue_title, "", queue_lines, 5.0, span);
        // Latency of the orders settled in each sample interval: when the
        // client knew the outcome (p50, p95, p99) against when the work was
        // really done (p95). The gap between them is the consistency window.
        let ms = |us: u64| us as f64 / 1e3;
        let latency_line = |label: &str, get: fn(&orderflow_sim::metrics::WindowLatency) -> u64| {
            let pts = series
                .iter()
                .map(|s| {
                    let y = if s.latency.count == 0 {
                        f64::NAN
                    } else {
                        ms(get(&s.latency))
                    };
                    (s.t.as_secs_f64(), y)
                })
                .collect();
            (label.to_owned(), pts)
        };
        let latency_chart = chart(
            "latency: client knows the outcome",
            " ms",
            vec![
                latency_line("p50", |w| w.known_p50_us),
                latency_line("p95", |w| w.known_p95_us),
                latency_line("p99", |w| w.known_p99_us),
                latency_line("work done p95", |w| w.done_p95_us),
            ],
            1.0,
            span,
        );
        // Throughput: orders settled per second between samples.
        let tp: Vec<(f64, f64)> = series
            .windows(2)
            .map(|w| {
                let dt = (w[1].t.as_secs_f64() - w[0].t.as_secs_f64()).max(1e-9);
                (
                    w[1].t.as_secs_f64(),
                    (w[1].settled.total() - w[0].settled.total()) as f64 / dt,
                )
            })
            .collect();
        let throughput_chart = chart(
            "orders settled per second",
            "",
            vec![("settled/s".into(), tp)],
            1.0,
            span,
        );
        let fl: Vec<(f64, f64)> = series
            .iter()
            .map(|s| (s.t.as_secs_f64(), f64::from(s.in_flight_orders)))
            .collect();
        let in_flight_chart = chart(
            "orders in flight",
            "",
            vec![("in flight".into(), fl)],
            1.0,
            span,
        );
        let strips = model
            .breakers
            .iter_enumerated()
            .map(|(b, spec)| Strip {
                label: spec.id.clone(),
                segments: strip(sim.breaker(b).history(), t0, t1),
            })
            .collect();
        Stats {
            mode,
            response: mx.response.summary(),
            completion: mx.completion.summary(),
            done: mx.done.summary(),
            window: mx.consistency_window.summary(),
            lag: mx.detection_lag.summary(),
            client: mx.client,
            payments: mx.payments,
            steps: mx.steps,
            services,
            cost,
            latency_chart,
            queue_chart,
            throughput_chart,
            in_flight_chart,
            strips,
            has_payments: model
                .handlers
                .iter()
                .any(|h| h.effect == orderflow_sim::model::EffectModel::Charge),
            stock: model
                .skus
                .iter()
                .filter(|_| model.inventory.is_some())
                .zip(sim.stock())
                .map(|((sku, initial), l)| StockRow {
                    sku: sku.clone(),
                    initial: u64::from(*initial),
                    available: l.available,
                    reserved: l.reserved,
                    shipped: l.shipped,
                    added: l.added,
                    removed: l.removed,
                    out_of_stock: l.out_of_stock,
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::Session;
    use orderflow_sim::{Command, SimTime, presets};

    #[test]
    fn cost_figures_read_as_seconds_with_one_decimal() {
        assert_eq!(fmt_seconds(0.0), "0.0");
        assert_eq!(fmt_seconds(123.84), "123.8");
        assert_eq!(fmt_seconds(12_345.66), "12\u{2009}345.7");
        assert_eq!(fmt_seconds(1_234_567.0), "1\u{2009}234\u{2009}567.0");
        assert_eq!(fmt_seconds(f64::NAN), "–");
        let stats = Stats {
            cost: Cost {
                replica_seconds: 62.12,
                worker_busy_seconds: 7.0,
            },
            ..Stats::default()
        };
        assert_eq!(
            stats.cost_rows(),
            [
                ("replica-seconds", "62.1".to_owned()),
                ("worker-busy-seconds", "7.0".to_owned())
            ]
        );
    }

    #[test]
    fn cost_counts_our_replicas_over_time_not_the_clients() {
        let model = presets::model("mmc").unwrap().unwrap();
        let mut sim = Sim::new(model.clone(), 1);
        sim.run_until(SimTime::from_secs(100));
        let stats = Stats::compute(&model, &sim);
        // The server's 4 replicas for 100 s; the client's node costs nothing.
        assert!(
            (stats.cost.replica_seconds - 400.0).abs() < 1e-6,
            "{:?}",
            stats.cost
        );
        // Utilisation 0.9 of 4 workers: about 360 worker-seconds.
        let busy = stats.cost.worker_busy_seconds;
        assert!((300.0..420.0).contains(&busy), "{busy}");
        assert_eq!(stats.services[0].cost, stats.cost);
    }

    #[test]
    fn paths_fit_the_box() {
        let d = line_path(&[(0.0, 0.0), (5.0, 10.0), (10.0, 20.0)], 0.0, 10.0, 20.0);
        assert_eq!(d, "M0.0 70.0L150.0 35.0L300.0 0.0");
        assert_eq!(line_path(&[], 0.0, 1.0, 1.0), "");
        // Out-of-range values are clamped to the box.
        assert_eq!(line_path(&[(-1.0, 99.0)], 0.0, 1.0, 1.0), "M0.0 0.0h2");
        // A NaN is a gap: the pen lifts and comes down at the next value; a
        // point alone is a dash.
        let gap = [(0.0, 1.0), (1.0, f64::NAN), (2.0, 1.0), (3.0, 0.0)];
        assert_eq!(
            line_path(&gap, 0.0, 3.0, 1.0),
            "M0.0 0.0h2M200.0 0.0L300.0 70.0"
        );
        assert_eq!(last_value(&gap[..2]), 1.0);
    }

    #[test]
    fn durations_read_in_the_unit_that_fits() {
        assert_eq!(fmt_ms(0.24), "0.2 ms");
        assert_eq!(fmt_ms(99.94), "99.9 ms");
        assert_eq!(fmt_ms(100.0), "100 ms");
        assert_eq!(fmt_ms(9_999.4), "9999 ms");
        assert_eq!(fmt_ms(10_000.0), "10.0 s");
        assert_eq!(fmt_ms(125_300.0), "125.3 s");
        assert_eq!(fmt_us(1_500), "1.5 ms");
    }

    #[test]
    fn chart_text_and_classes() {
        let c = chart(
            "latency",
            " ms",
            (0..7)
                .map(|i| {
                    (
                        format!("l{i}"),
                        vec![(3.0, 1.0), (41.0, f64::from(i) * 3.4)],
                    )
                })
                .collect(),
            1.0,
            (3.0, 41.0),
        );
        assert_eq!(c.max_label(), " (max 50 ms)");
        assert_eq!(c.axis_label(), "3 s … 41 s");
        let keys = c.keys();
        assert_eq!(
            keys[2],
            ("chart__key chart__key--2".into(), "l2 7 ms".into())
        );
        assert_eq!(keys[6].0, "chart__key chart__key--0", "colours cycle");
        let paths = c.paths();
        assert_eq!(paths[1].0, "chart__line chart__line--1");
        assert_eq!(paths[1].1, c.lines[1].d);
        assert_eq!(
            CHART_VIEW_BOX,
            format!("0 0 {CHART_W} {CHART_H}"),
            "the view box matches the geometry"
        );
        assert_eq!(STRIP_VIEW_BOX, format!("0 0 {CHART_W} {STRIP_H}"));
    }

    #[test]
    fn the_latency_table_adds_detection_lag_when_the_client_waits_for_news() {
        let summary = Summary {
            count: 12,
            p50_ms: 40.0,
            p95_ms: 150.0,
            p99_ms: 12_000.0,
            max_ms: 0.5,
            ..Summary::default()
        };
        let sync = Stats {
            mode: Some(Completion::Sync),
            response: summary,
            ..Stats::default()
        };
        let rows = sync.latency_rows();
        assert_eq!(rows.len(), 4);
        assert_eq!(
            rows[0],
            LatencyRow {
                name: "client answer",
                count: 12,
                p50: "40.0 ms".into(),
                p95: "150 ms".into(),
                p99: "12.0 s".into(),
                max: "0.5 ms".into()
            }
        );
        let polling = Stats {
            mode: Some(Completion::Polling),
            ..sync
        };
        let names: Vec<&str> = polling.latency_rows().iter().map(|r| r.name).collect();
        assert_eq!(names.last(), Some(&"detection lag"));
        let row = ServiceRow {
            label: "Payment".into(),
            received: 12,
            utilisation: 0.425,
            mean_wait_ms: 0.0,
            p95_wait_ms: 250.0,
            rejected: 0,
            refused: 0,
            cost: Cost::default(),
        };
        assert_eq!(
            (row.busy_text(), row.wait_text()),
            ("42%".into(), "250 ms".into())
        );
        let strip = Strip {
            label: "payment".into(),
            segments: vec![Segment {
                x: 0.0,
                w: 1.0,
                state: BreakerState::HalfOpen,
            }],
        };
        assert_eq!(strip.caption(), "breaker payment");
        assert_eq!(strip.aria_label(), "breaker payment state over time");
        assert_eq!(
            strip.segments[0].class(),
            "strip__seg strip__seg--half_open"
        );
    }

    #[test]
    fn nice_bounds() {
        assert_eq!(nice_max(0.0), 1.0);
        assert_eq!(nice_max(3.0), 5.0);
        assert_eq!(nice_max(120.0), 200.0);
        assert_eq!(nice_max(1000.0), 1000.0);
        assert_eq!(nice_max(f64::NAN), 1.0);
    }

    #[test]
    fn the_backlog_and_the_breaker_show_in_the_charts() {
        let model = presets::model("payment-breaker").unwrap().unwrap();
        let mut s = Session::new(model.clone(), Completion::Polling, 2).unwrap();
        s.advance_to(SimTime::from_secs(60), u64::MAX);
        let st = Stats::compute(&model, s.sim());
        let q = st
            .queue_chart
            .lines
            .iter()
            .find(|l| l.label == "payment_retry")
            .unwrap();
        assert!(q.d.starts_with('M') && q.d.matches('L').count() > 50);
        let strip = &st.strips[0];
        let states: Vec<BreakerState> = strip.segments.iter().map(|s| s.state).collect();
        assert_eq!(states.first(), Some(&BreakerState::Closed));
        assert!(states.contains(&BreakerState::Open) && states.contains(&BreakerState::HalfOpen));
        let total: f64 = strip.segments.iter().map(|s| s.w).sum();
        assert!(total >= CHART_W - 1.0, "segments cover the strip: {total}");
        assert!(strip.segments.iter().all(|s| s.w >= 1.0));
        assert!(st.client.wasted_polls > 0);
        assert!(st.has_payments);
        assert!(
            st.services
                .iter()
                .any(|r| r.label == "Payment" && r.utilisation > 0.0)
        );
    }

    #[test]
    fn the_latency_chart_shows_a_slow_provider_and_the_work_after_the_answer() {
        // hybrid-queue answers the client once payment is taken and ships
        // through the queue afterwards. From 20 s on the payment provider
        // is ten times slower.
        let model = presets::model("hybrid-queue").unwrap().unwrap();
        let mut s = Session::new(model.clone(), Completion::Sync, 5).unwrap();
        s.advance_to(SimTime::from_secs(20), u64::MAX);
        s.apply(Command::SetLatencyFactor {
            service: "provider".into(),
            factor: 10.0,
        })
        .unwrap();
        s.advance_to(SimTime::from_secs(40), u64::MAX);
        let st = Stats::compute(&model, s.sim());
        let c = &st.latency_chart;
        assert_eq!(c.unit, " ms");
        let labels: Vec<&str> = c.lines.iter().map(|l| l.label.as_str()).collect();
        assert_eq!(labels, ["p50", "p95", "p99", "work done p95"]);
        assert!(c.lines.iter().all(|l| l.d.starts_with('M') && l.last > 0.0));
        let series = &s.sim().metrics_snapshot().series;
        let windows = |a: f64, b: f64| {
            series
                .iter()
                .filter(move |x| x.latency.count > 0 && (a..b).contains(&x.t.as_secs_f64()))
                .map(|x| x.latency)
        };
        let p50 = |a, b| windows(a, b).map(|w| w.known_p50_us).max().unwrap_or(0);
        assert!(
            p50(25.0, 40.0) > 3 * p50(1.0, 19.0),
            "slow {} vs calm {}",
            p50(25.0, 40.0),
            p50(1.0, 19.0)
        );
        // The work goes on after the client has its answer.
        assert!(windows(1.0, 40.0).all(|w| w.done_p95_us >= w.known_p50_us));
        assert!(windows(1.0, 19.0).any(|w| w.done_p95_us > w.known_p95_us));
        // The y axis holds the largest value.
        let top = series.iter().map(|x| x.latency.known_p99_us).max().unwrap() as f64 / 1e3;
        assert!(c.y_max >= top, "{} < {top}", c.y_max);
    }

    #[test]
    fn stock_rows_account_for_every_unit_and_compensation_returns_them() {
        let model = presets::model("sync-chain").unwrap().unwrap();
        let mut s = Session::new(model.clone(), Completion::Sync, 5).unwrap();
        // Payment is down from 15 s to 25 s in this preset: reservations
        // made then are released again.
        s.advance_to(SimTime::from_secs(20), u64::MAX);
        let mid = Stats::compute(&model, s.sim());
        assert!(!mid.stock.is_empty());
        s.advance_to(SimTime::from_secs(600), u64::MAX);
        let end = Stats::compute(&model, s.sim());
        for r in mid.stock.iter().chain(&end.stock) {
            assert_eq!(
                r.available + r.reserved + r.shipped,
                r.initial + r.added - r.removed,
                "{r:?}"
            );
        }
        assert!(end.stock.iter().all(|r| r.reserved == 0), "{:?}", end.stock);
        assert!(end.steps.compensations > 0);
        let shipped: u64 = end.stock.iter().map(|r| r.shipped).sum();
        assert!(shipped > 0);
    }

    #[test]
    fn overlaid_charts_have_one_line_per_design_on_shared_axes() {
        use orderflow_sim::presets;
        let run = |name: &str| {
            let mut sim = Sim::new(presets::model(name).unwrap().unwrap(), 1);
            sim.run_until(orderflow_sim::SimTime::from_secs(30));
            sim
        };
        let (a, b) = (run("sync-chain"), run("hybrid-queue"));
        let charts = overlaid(&[("chain", &a), ("queue", &b)]);
        assert_eq!(charts.len(), 4);
        for c in &charts {
            let labels: Vec<&str> = c.lines.iter().map(|l| l.label.as_str()).collect();
            assert_eq!(labels, ["chain", "queue"], "{}", c.title);
            assert!(c.lines.iter().all(|l| !l.d.is_empty()), "{}", c.title);
        }
        // Both designs are drawn against the larger one's peak.
        let peak = |s: &Sim| {
            s.metrics()
                .series
                .iter()
                .map(|x| x.in_flight_orders)
                .max()
                .unwrap()
        };
        assert_eq!(charts[2].y_max, nice_max(f64::from(peak(&a).max(peak(&b)))));
    }
}
