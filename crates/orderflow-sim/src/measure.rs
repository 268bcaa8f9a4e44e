//! The metric registry: every figure a run is compared by, under a stable
//! name, with a label, a unit and which direction is better. The claims,
//! `orderflow compare` and the app's tables all read figures through here,
//! so a figure means the same everywhere.
//!
//! Names are dotted paths, units last (`latency.response.p95_ms`,
//! `queue.warehouse_q.peak_depth`, `service.payment.utilisation`). The
//! per-service, per-queue and per-breaker figures are named after the
//! model's ids, so [`catalogue`] depends on the model; [`measure`] gives the
//! values of a run in the same order.
//!
//! | group | figures |
//! |---|---|
//! | `orders.` | created, settled, shed |
//! | `outcome.` | completed, failed, compensated, inconsistent, lost; each also as `_share` of the settled orders |
//! | `latency.<which>.` | `count`, `mean_ms`, `p50_ms`, `p95_ms`, `p99_ms`, `max_ms` of `response` (first answer), `completion` (the client learns the outcome), `done` (last work), `consistency_window`, `detection_lag` |
//! | `client.` | polls, wasted polls, gave up, timeouts, callbacks (webhooks) sent / failed / abandoned, pushes sent / lost |
//! | `steps.` | retries, fallbacks, compensations (and their failures), best-effort failures, late responses, status-write failures, messages sent / dropped |
//! | `payments.` | success, failed, queued for retry, recovered, refunded, captured, duplicates |
//! | `service.<id>.` | utilisation, received, succeeded, failed, refused (down), rejected (queue full), queue peak, mean queue wait, rerouted and lost at a scale-in, replica-seconds, worker-busy-seconds, requests started per replica (least and most used) |
//! | `queue.<id>.` | published, delivered, acked, redelivered, visibility extended, dead-lettered, expired, lost, refused, peak depth |
//! | `breaker.<id>.` | opens, closes, half-opens, time open, short-circuited calls, calls, failures, alerts |
//! | `stock.<sku>.` (lower case) | units available, reserved, shipped, reservations refused (out of stock), units added (restocks, `set_stock`), units removed |
//! | `run.` | simulated duration, throughput |
//! | `reference.` | figures of the model rather than the run: the mean time of the synchronous path |

use std::fmt;

use serde::Serialize;

use crate::breaker::{BreakerCounters, BreakerState};
use crate::ids::{BreakerId, HandlerId, QueueId, ServiceId, SkuId};
use crate::metrics::{
    ClientCounters, Histo, Metrics, PaymentCounters, ServiceMetrics, StepCounters,
};
use crate::model::{Model, StepModel};
use crate::order::Outcome;
use crate::sim::{QueueCounters, Sim, StockLevel};
use crate::time::SimTime;

/// What a figure counts or measures.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// A number of things (orders, messages, calls).
    Count,
    /// A share between 0 and 1.
    Share,
    /// Milliseconds of simulated time.
    Ms,
    /// Per simulated second.
    PerSecond,
    /// Seconds of simulated time summed over things (replica-seconds,
    /// worker-busy-seconds).
    Seconds,
}

impl Unit {
    /// A short symbol for tables (`""`, `"share"`, `"ms"`, `"/s"`).
    pub fn symbol(self) -> &'static str {
        match self {
            Unit::Count => "",
            Unit::Share => "share",
            Unit::Ms => "ms",
            Unit::PerSecond => "/s",
            Unit::Seconds => "s",
        }
    }
}

/// Which way a figure is better.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    LowerIsBetter,
    HigherIsBetter,
    /// Neither: a description of the run (orders created, utilisation).
    Neutral,
}

impl Direction {
    /// In words, for tables.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::LowerIsBetter => "lower is better",
            Direction::HigherIsBetter => "higher is better",
            Direction::Neutral => "neutral",
        }
    }

    /// True if `candidate` is better than `base` in this direction (never
    /// for a neutral figure or equal values).
    pub fn is_better(self, candidate: f64, base: f64) -> bool {
        match self {
            Direction::LowerIsBetter => candidate < base,
            Direction::HigherIsBetter => candidate > base,
            Direction::Neutral => false,
        }
    }
}

/// One figure of the registry.
#[derive(Clone, Debug, Serialize)]
pub struct MetricDef {
    /// The stable name (`latency.response.p95_ms`).
    pub name: String,
    /// A label for people (`Response time, 95th percentile`).
    pub label: String,
    pub unit: Unit,
    pub direction: Direction,
    #[serde(skip)]
    key: Key,
}

/// Two definitions are equal when they say the same (the name decides how
/// the value is computed).
impl PartialEq for MetricDef {
    fn eq(&self, other: &Self) -> bool {
        (&self.name, &self.label, self.unit, self.direction)
            == (&other.name, &other.label, other.unit, other.direction)
    }
}

/// Names asked for that the registry does not have.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownMetrics(pub Vec<String>);

impl fmt::Display for UnknownMetrics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = if self.0.len() == 1 { "" } else { "s" };
        write!(f, "unknown metric{s}: {}", self.0.join(", "))
    }
}

impl std::error::Error for UnknownMetrics {}

/// The histograms of [`Metrics`] a `latency.` figure reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Lat {
    Response,
    Completion,
    Done,
    ConsistencyWindow,
    DetectionLag,
}

/// A statistic of a histogram.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stat {
    Count,
    Mean,
    P50,
    P95,
    P99,
    Max,
}

/// How to compute a figure. Counters are read through plain functions so a
/// new counter is one line in a table ([`COUNTERS`], [`SERVICE`], [`QUEUE`]…).
#[derive(Clone, Copy, Debug)]
enum Key {
    Counter(fn(&Metrics) -> u64),
    OrdersSettled,
    Outcome(Outcome),
    OutcomeShare(Outcome),
    Latency(Lat, Stat),
    /// A service, by its position in [`Model::services`].
    Service(usize, fn(&ServiceMetrics) -> f64),
    Utilisation(usize),
    /// A service's cost, by its position; `None` sums every service.
    ReplicaSeconds(Option<usize>),
    WorkerBusySeconds(Option<usize>),
    /// A queue, by its position in [`Model::queues`].
    Queue(usize, fn(&QueueCounters) -> u64),
    /// A SKU's stock, by its position in [`Model::skus`].
    Stock(usize, fn(&StockLevel) -> u64),
    /// A breaker, by its position in [`Model::breakers`].
    Breaker(usize, fn(&BreakerCounters) -> u64),
    BreakerTimeOpen(usize),
    Duration,
    Throughput,
    SyncPathMean,
}

/// A registry being listed.
struct List(Vec<MetricDef>);

impl List {
    fn add(
        &mut self,
        name: impl Into<String>,
        label: impl Into<String>,
        unit: Unit,
        dir: Direction,
        key: Key,
    ) {
        self.0.push(MetricDef {
            name: name.into(),
            label: label.into(),
            unit,
            direction: dir,
            key,
        });
    }
}

use Direction::{HigherIsBetter as Higher, LowerIsBetter as Lower, Neutral};

/// Every figure of a run of `model`, in a fixed order: the shared figures
/// first, then per service, queue and breaker in the model's order.
pub fn catalogue(model: &Model) -> Vec<MetricDef> {
    let mut l = List(Vec::new());
    orders_and_outcomes(&mut l);
    latencies(&mut l);
    counters(&mut l);
    for (i, s) in model.services.iter().enumerate() {
        part(&mut l, SERVICE, "service", i, &s.id, &s.id);
    }
    for (i, q) in model.queues.iter().enumerate() {
        part(&mut l, QUEUE, "queue", i, &q.id, &q.id);
    }
    for (i, b) in model.breakers.iter().enumerate() {
        part(&mut l, BREAKER, "breaker", i, &b.id, &b.id);
    }
    if model.inventory.is_some() {
        for (i, (sku, _)) in model.skus.iter().enumerate() {
            part(&mut l, STOCK, "stock", i, &sku_key(sku), sku);
        }
    }
    for &(name, label, unit, dir, key) in RUN {
        l.add(name, label, unit, dir, key);
    }
    l.0
}

/// A figure of a table: name, label, unit, direction, how to compute it.
type Row = (&'static str, &'static str, Unit, Direction, Key);

#[rustfmt::skip]
const ORDERS: &[Row] = &[
    ("orders.created", "Orders placed", Unit::Count, Neutral, Key::Counter(|m| m.orders_created)),
    ("orders.settled", "Orders settled", Unit::Count, Neutral, Key::OrdersSettled),
    ("orders.shed", "Orders turned away (too many in flight)", Unit::Count, Lower, Key::Counter(|m| m.orders_shed)),
];

/// The figures after the per-part ones: the cost of the run and the run.
#[rustfmt::skip]
const RUN: &[Row] = &[
    ("cost.replica_seconds", "Replicas running × seconds, our services", Unit::Seconds, Lower, Key::ReplicaSeconds(None)),
    ("cost.worker_busy_seconds", "Workers busy × seconds, our services", Unit::Seconds, Lower, Key::WorkerBusySeconds(None)),
    ("run.duration_ms", "Simulated time until the last event", Unit::Ms, Neutral, Key::Duration),
    ("run.throughput_per_s", "Orders settled per second", Unit::PerSecond, Higher, Key::Throughput),
    ("reference.sync_path_mean_ms", "Mean time of the synchronous path when nothing queues, fails or retries (from the model)", Unit::Ms, Neutral, Key::SyncPathMean),
];

fn orders_and_outcomes(l: &mut List) {
    for &(name, label, unit, dir, key) in ORDERS {
        l.add(name, label, unit, dir, key);
    }
    for o in Outcome::ALL {
        let (label, dir) = match o {
            Outcome::Completed => ("Completed orders", Higher),
            Outcome::Failed => ("Orders failed cleanly", Lower),
            Outcome::Compensated => ("Orders failed after undoing earlier steps", Lower),
            Outcome::Inconsistent => ("Inconsistent orders (client and records disagree)", Lower),
            Outcome::Lost => ("Lost orders", Lower),
        };
        l.add(
            format!("outcome.{}", o.as_str()),
            label,
            Unit::Count,
            dir,
            Key::Outcome(o),
        );
        l.add(
            format!("outcome.{}_share", o.as_str()),
            format!("{label}, share of settled orders"),
            Unit::Share,
            dir,
            Key::OutcomeShare(o),
        );
    }
}

/// The histograms a `latency.` figure reads, under their names.
#[rustfmt::skip]
const LATENCIES: [(Lat, &str, &str); 5] = [
    (Lat::Response, "response", "Response time (order placed → first answer)"),
    (Lat::Completion, "completion", "Completion time (order placed → the client learns the outcome)"),
    (Lat::Done, "done", "Time until the last work for an order is done"),
    (Lat::ConsistencyWindow, "consistency_window", "Consistency window (first answer → last work)"),
    (Lat::DetectionLag, "detection_lag", "Detection lag (outcome known → the client learns it)"),
];

/// The statistics of each histogram.
#[rustfmt::skip]
const STATS: [(Stat, &str, &str, Unit); 6] = [
    (Stat::Count, "count", "orders measured", Unit::Count),
    (Stat::Mean, "mean_ms", "mean", Unit::Ms),
    (Stat::P50, "p50_ms", "median", Unit::Ms),
    (Stat::P95, "p95_ms", "95th percentile", Unit::Ms),
    (Stat::P99, "p99_ms", "99th percentile", Unit::Ms),
    (Stat::Max, "max_ms", "maximum", Unit::Ms),
];

fn latencies(l: &mut List) {
    for (lat, name, label) in LATENCIES {
        for (stat, sname, slabel, unit) in STATS {
            let dir = if stat == Stat::Count { Neutral } else { Lower };
            l.add(
                format!("latency.{name}.{sname}"),
                format!("{label}, {slabel}"),
                unit,
                dir,
                Key::Latency(lat, stat),
            );
        }
    }
}

/// A counter of the run: name, label, direction, where it is.
type CounterRow = (&'static str, &'static str, Direction, fn(&Metrics) -> u64);

/// The run's counters: the client's, the steps', the payments'.
#[rustfmt::skip]
const COUNTERS: &[CounterRow] = &[
    ("client.polls", "Status polls", Lower, |m| c(m).polls),
    ("client.wasted_polls", "Polls that found nothing new", Lower, |m| c(m).wasted_polls),
    ("client.gave_up", "Clients that stopped polling", Lower, |m| c(m).gave_up),
    ("client.timeouts", "Client requests timed out", Lower, |m| c(m).timeouts),
    ("client.retries", "Order requests sent again after a timeout", Lower, |m| c(m).retries),
    ("client.callbacks_sent", "Webhook deliveries tried", Neutral, |m| c(m).callbacks_sent),
    ("client.callback_failures", "Webhook deliveries that failed", Lower, |m| c(m).callback_failures),
    ("client.callbacks_abandoned", "Webhooks given up", Lower, |m| c(m).callbacks_abandoned),
    ("client.pushes_sent", "Pushes sent", Neutral, |m| c(m).pushes_sent),
    ("client.pushes_lost", "Pushes lost", Lower, |m| c(m).pushes_lost),
    ("client.stream_drops", "Stream drops", Lower, |m| c(m).stream_drops),
    ("client.stream_replays", "Events replayed (SSE)", Neutral, |m| c(m).stream_replays),
    ("client.resyncs", "Status reads after reconnect", Neutral, |m| c(m).resyncs),
    ("steps.retries", "Call retries", Lower, |m| s(m).retries),
    ("steps.fallbacks", "Fallbacks taken", Lower, |m| s(m).fallbacks),
    ("steps.compensations", "Compensations run", Lower, |m| s(m).compensations),
    ("steps.compensation_failures", "Compensations that failed", Lower, |m| s(m).compensation_failures),
    ("steps.best_effort_failures", "Best-effort steps that failed", Lower, |m| s(m).best_effort_failures),
    ("steps.late_responses", "Answers that came after their timeout", Lower, |m| s(m).late_responses),
    ("steps.status_write_failures", "Final-status writes that failed", Lower, |m| s(m).status_write_failures),
    ("steps.messages_sent", "Messages sent", Lower, |m| s(m).messages_sent),
    ("steps.messages_dropped", "Messages lost on the way or refused", Lower, |m| s(m).messages_dropped),
    ("steps.rollbacks", "Accepted orders dead-lettered, rolled back and reported", Lower, |m| s(m).rollbacks),
    ("payments.success", "Payments SUCCESS", Higher, |m| p(m).success),
    ("payments.failed", "Payments FAILED", Lower, |m| p(m).failed),
    ("payments.queued_for_retry", "Payments QUEUED_FOR_RETRY", Lower, |m| p(m).queued_for_retry),
    ("payments.recovered", "Queued payments that later succeeded", Higher, |m| p(m).recovered),
    ("payments.refunded", "Payments refunded", Lower, |m| p(m).refunded),
    ("payments.captured", "Money captured at the provider", Higher, |m| p(m).captured),
    ("payments.duplicates", "Charges absorbed by the idempotency key", Lower, |m| p(m).duplicate_attempts),
    ("payments.new_attempts", "Charges retried as a new attempt after a rollback", Neutral, |m| p(m).new_attempts),
];

fn counters(l: &mut List) {
    for &(name, label, dir, f) in COUNTERS {
        l.add(name, label, Unit::Count, dir, Key::Counter(f));
    }
}

fn c(m: &Metrics) -> &ClientCounters {
    &m.client
}
fn s(m: &Metrics) -> &StepCounters {
    &m.steps
}
fn p(m: &Metrics) -> &PaymentCounters {
    &m.payments
}

/// A figure of each service, queue, breaker or SKU: the last part of its
/// name, its label after the part's id, unit, direction, and its key for
/// the part at position `i`.
type PartRow = (
    &'static str,
    &'static str,
    Unit,
    Direction,
    fn(usize) -> Key,
);

#[rustfmt::skip]
const SERVICE: &[PartRow] = &[
    ("utilisation", "share of workers busy", Unit::Share, Neutral, Key::Utilisation),
    ("replica_seconds", "replicas running × seconds", Unit::Seconds, Lower, |i| Key::ReplicaSeconds(Some(i))),
    ("worker_busy_seconds", "workers busy × seconds", Unit::Seconds, Lower, |i| Key::WorkerBusySeconds(Some(i))),
    ("received", "requests taken in", Unit::Count, Neutral, |i| Key::Service(i, |m| m.received as f64)),
    ("succeeded", "handlers that ended well", Unit::Count, Neutral, |i| Key::Service(i, |m| m.succeeded as f64)),
    ("failed", "handlers that failed", Unit::Count, Lower, |i| Key::Service(i, |m| m.failed as f64)),
    ("refused", "requests refused while down", Unit::Count, Lower, |i| Key::Service(i, |m| m.refused as f64)),
    ("rejected", "requests rejected, queue full (503)", Unit::Count, Lower, |i| Key::Service(i, |m| m.rejected as f64)),
    ("queue_peak", "most requests waiting for a worker", Unit::Count, Lower, |i| Key::Service(i, |m| f64::from(m.max_queued))),
    ("mean_queue_wait_ms", "mean wait for a worker", Unit::Ms, Lower, |i| Key::Service(i, |m| {
        if m.wait_count == 0 { 0.0 } else { m.wait_sum_us as f64 / m.wait_count as f64 / 1e3 }
    })),
    ("rerouted", "requests moved to other replicas at a scale-in", Unit::Count, Neutral, |i| Key::Service(i, |m| m.rerouted as f64)),
    ("lost_on_scale_in", "requests lost with a replica scaled in", Unit::Count, Lower, |i| Key::Service(i, |m| m.lost_on_scale_in as f64)),
    ("replica_started_min", "requests started by its least used replica", Unit::Count, Neutral, |i| Key::Service(i, |m| m.replica_started.iter().copied().min().unwrap_or(0) as f64)),
    ("replica_started_max", "requests started by its most used replica", Unit::Count, Neutral, |i| Key::Service(i, |m| m.replica_started.iter().copied().max().unwrap_or(0) as f64)),
];

#[rustfmt::skip]
const QUEUE: &[PartRow] = &[
    ("published", "messages stored", Unit::Count, Neutral, |i| Key::Queue(i, |q| q.published)),
    ("delivered", "deliveries", Unit::Count, Neutral, |i| Key::Queue(i, |q| q.delivered)),
    ("acked", "messages acknowledged", Unit::Count, Neutral, |i| Key::Queue(i, |q| q.acked)),
    ("redelivered", "deliveries tried again", Unit::Count, Lower, |i| Key::Queue(i, |q| q.redelivered)),
    ("extended", "visibility timeouts extended for a busy consumer", Unit::Count, Neutral, |i| Key::Queue(i, |q| q.extended)),
    ("dead_lettered", "messages dead-lettered", Unit::Count, Lower, |i| Key::Queue(i, |q| q.dead_lettered)),
    ("expired", "messages expired (TTL)", Unit::Count, Lower, |i| Key::Queue(i, |q| q.expired)),
    ("lost", "messages lost in a broker restart", Unit::Count, Lower, |i| Key::Queue(i, |q| q.lost)),
    ("refused", "publishes refused, queue full", Unit::Count, Lower, |i| Key::Queue(i, |q| q.refused)),
    ("peak_depth", "most messages waiting", Unit::Count, Lower, |i| Key::Queue(i, |q| u64::from(q.max_depth))),
];

#[rustfmt::skip]
const BREAKER: &[PartRow] = &[
    ("opens", "times the breaker opened", Unit::Count, Neutral, |i| Key::Breaker(i, |c| c.opened)),
    ("closes", "times it closed again", Unit::Count, Neutral, |i| Key::Breaker(i, |c| c.closed)),
    ("half_opens", "times it let a trial call through (half-open)", Unit::Count, Neutral, |i| Key::Breaker(i, |c| c.half_opened)),
    ("time_open_ms", "time spent open", Unit::Ms, Lower, Key::BreakerTimeOpen),
    ("short_circuited", "calls failed fast while open", Unit::Count, Neutral, |i| Key::Breaker(i, |c| c.short_circuited)),
    ("calls", "calls let through", Unit::Count, Neutral, |i| Key::Breaker(i, |c| c.calls)),
    ("failures", "calls that failed", Unit::Count, Lower, |i| Key::Breaker(i, |c| c.failures)),
    ("alerts", "times operations were alerted (on opening)", Unit::Count, Lower, |i| Key::Breaker(i, |c| c.alerts)),
];

#[rustfmt::skip]
const STOCK: &[PartRow] = &[
    ("available", "units available", Unit::Count, Neutral, |i| Key::Stock(i, |s| s.available)),
    ("reserved", "units reserved for orders", Unit::Count, Neutral, |i| Key::Stock(i, |s| s.reserved)),
    ("shipped", "units shipped", Unit::Count, Neutral, |i| Key::Stock(i, |s| s.shipped)),
    ("out_of_stock", "reservations refused, too few units", Unit::Count, Lower, |i| Key::Stock(i, |s| s.out_of_stock)),
    ("added", "units added (restocks, counts)", Unit::Count, Neutral, |i| Key::Stock(i, |s| s.added)),
    ("removed", "units written off", Unit::Count, Neutral, |i| Key::Stock(i, |s| s.removed)),
];

/// The figures of `rows` for the part at position `i`: named
/// `{group}.{key}.{name}`, labelled `{id}: {label}`.
fn part(l: &mut List, rows: &[PartRow], group: &str, i: usize, key: &str, id: &str) {
    for &(name, label, unit, dir, at) in rows {
        l.add(
            format!("{group}.{key}.{name}"),
            format!("{id}: {label}"),
            unit,
            dir,
            at(i),
        );
    }
}

/// A SKU as a name's part: lower case (`SKU-RED` is
/// `stock.sku-red.available`).
fn sku_key(sku: &str) -> String {
    sku.chars()
        .map(|c| match c.to_ascii_lowercase() {
            c @ ('a'..='z' | '0'..='9' | '-' | '_') => c,
            _ => '_',
        })
        .collect()
}

/// The definition of figure `name` among `defs`.
pub fn find<'a>(defs: &'a [MetricDef], name: &str) -> Option<&'a MetricDef> {
    defs.iter().find(|d| d.name == name)
}

/// Every figure of `sim` (normally a finished run), with its name, in the
/// order of [`catalogue`].
pub fn measure(sim: &Sim) -> Vec<(String, f64)> {
    let defs = catalogue(sim.model());
    let values = values(&defs, sim);
    defs.into_iter().map(|d| d.name).zip(values).collect()
}

/// The figures named in `names`, in that order; an error lists every name
/// the registry does not have.
pub fn select(sim: &Sim, names: &[&str]) -> Result<Vec<(String, f64)>, UnknownMetrics> {
    let defs = catalogue(sim.model());
    let unknown: Vec<String> = names
        .iter()
        .filter(|n| find(&defs, n).is_none())
        .map(|n| (*n).to_owned())
        .collect();
    if !unknown.is_empty() {
        return Err(UnknownMetrics(unknown));
    }
    let picked: Vec<MetricDef> = names
        .iter()
        .filter_map(|n| find(&defs, n).cloned())
        .collect();
    let values = values(&picked, sim);
    Ok(picked.into_iter().map(|d| d.name).zip(values).collect())
}

/// The values of `defs` (from [`catalogue`] of this run's model) for `sim`.
pub fn values(defs: &[MetricDef], sim: &Sim) -> Vec<f64> {
    let mx = sim.metrics_now();
    defs.iter().map(|d| value(d.key, sim, &mx)).collect()
}

/// One service's time integral (or the sum over our services: not the
/// client, not third parties), in seconds.
fn cost(
    model: &Model,
    mx: &Metrics,
    which: Option<usize>,
    area: fn(&ServiceMetrics) -> u128,
) -> f64 {
    let us: u128 = match which {
        Some(i) => ServiceId::from_index(i)
            .and_then(|id| mx.services.get(id))
            .map_or(0, area),
        None => model
            .services
            .iter_enumerated()
            .filter(|(_, s)| s.kind.is_ours())
            .filter_map(|(i, _)| mx.services.get(i))
            .map(area)
            .sum(),
    };
    us as f64 / 1e6
}

fn value(key: Key, sim: &Sim, mx: &Metrics) -> f64 {
    let model = sim.model();
    let secs = sim.now().as_secs_f64();
    match key {
        Key::Counter(f) => f(mx) as f64,
        Key::OrdersSettled => mx.outcomes.total() as f64,
        Key::Outcome(o) => mx.outcomes.get(o) as f64,
        Key::OutcomeShare(o) => share(mx.outcomes.get(o), mx.outcomes.total()),
        Key::Latency(lat, stat) => histo_stat(latency(mx, lat), stat),
        Key::Service(i, f) => ServiceId::from_index(i)
            .and_then(|id| mx.services.get(id))
            .map_or(0.0, f),
        Key::Utilisation(i) => {
            let Some(id) = ServiceId::from_index(i).filter(|&id| model.services.get(id).is_some())
            else {
                return 0.0;
            };
            let v = sim.service(id);
            let workers = f64::from(v.replicas * v.concurrency).max(1.0);
            let busy = mx.services.get(id).map_or(0, |m| m.busy_area);
            if secs <= 0.0 {
                0.0
            } else {
                busy as f64 / 1e6 / secs / workers
            }
        }
        Key::ReplicaSeconds(which) => cost(model, mx, which, |m| m.replica_area),
        Key::WorkerBusySeconds(which) => cost(model, mx, which, |m| m.busy_area),
        Key::Queue(i, f) => QueueId::from_index(i)
            .filter(|&id| model.queues.get(id).is_some())
            .map_or(0.0, |id| f(&sim.queue(id).counters) as f64),
        Key::Stock(i, f) => SkuId::from_index(i)
            .and_then(|id| sim.stock().get(id))
            .map_or(0.0, |l| f(l) as f64),
        Key::Breaker(i, f) => breaker_counter(sim, i, f),
        Key::BreakerTimeOpen(i) => breaker_time_open_ms(sim, i),
        Key::Duration => sim.now().as_micros() as f64 / 1e3,
        Key::Throughput => {
            if secs <= 0.0 {
                0.0
            } else {
                mx.outcomes.total() as f64 / secs
            }
        }
        Key::SyncPathMean => sync_path_mean_us(model) / 1e3,
    }
}

fn share(part: u64, total: u64) -> f64 {
    if total == 0 {
        0.0
    } else {
        part as f64 / total as f64
    }
}

fn latency(mx: &Metrics, lat: Lat) -> &Histo {
    match lat {
        Lat::Response => &mx.response,
        Lat::Completion => &mx.completion,
        Lat::Done => &mx.done,
        Lat::ConsistencyWindow => &mx.consistency_window,
        Lat::DetectionLag => &mx.detection_lag,
    }
}

fn histo_stat(h: &Histo, stat: Stat) -> f64 {
    let s = h.summary();
    match stat {
        Stat::Count => s.count as f64,
        Stat::Mean => s.mean_ms,
        Stat::P50 => s.p50_ms,
        Stat::P95 => s.p95_ms,
        Stat::P99 => s.p99_ms,
        Stat::Max => s.max_ms,
    }
}

fn breaker_counter(sim: &Sim, i: usize, f: fn(&BreakerCounters) -> u64) -> f64 {
    let model = sim.model();
    BreakerId::from_index(i)
        .filter(|&id| model.breakers.get(id).is_some())
        .map_or(0.0, |id| f(&sim.breaker(id).counters) as f64)
}

/// Time the breaker spent open, from its state history, up to now.
fn breaker_time_open_ms(sim: &Sim, i: usize) -> f64 {
    let model = sim.model();
    let Some(id) = BreakerId::from_index(i).filter(|&id| model.breakers.get(id).is_some()) else {
        return 0.0;
    };
    let mut open_us = 0u64;
    let mut opened: Option<SimTime> = None;
    for &(t, state) in sim.breaker(id).history() {
        if let Some(since) = opened.take() {
            open_us += t.since(since);
        }
        if state == BreakerState::Open {
            opened = Some(t);
        }
    }
    if let Some(since) = opened {
        open_us += sim.now().since(since);
    }
    open_us as f64 / 1e3
}

/// Deepest chain of synchronous calls followed (a scenario may call in a
/// circle; the reference figure stops there).
const PATH_DEPTH: usize = 16;

/// The mean time, in microseconds, of the client's request when nothing
/// queues, fails or retries: the client's two hops, the entry handler's
/// service time, and for every step that waits — a call (two hops and the
/// callee's own path), a publish (two hops to the broker's confirm), local
/// work — its mean time. Steps that do not wait (send, accept, notify,
/// status writes, which only polling waits for) add nothing. "The sum of
/// the hops" of a synchronous chain.
pub fn sync_path_mean_us(model: &Model) -> f64 {
    let hop = model.network.mean_us();
    2.0 * hop + handler_path_us(model, model.client.entry, 0)
}

fn handler_path_us(model: &Model, handler: HandlerId, depth: usize) -> f64 {
    let Some(h) = model.handlers.get(handler) else {
        return 0.0;
    };
    if depth > PATH_DEPTH {
        return 0.0;
    }
    let hop = model.network.mean_us();
    let service = model.services.get(h.service);
    let own = h
        .latency
        .or(service.map(|s| s.latency))
        .map_or(0.0, |d| d.mean_us());
    let steps: f64 = h
        .steps
        .iter()
        .map(|step| match step {
            StepModel::Call { policy, .. } => {
                2.0 * hop + handler_path_us(model, policy.target, depth + 1)
            }
            StepModel::Publish { .. } => 2.0 * hop,
            StepModel::Work { latency, .. } => latency.mean_us(),
            _ => 0.0,
        })
        .sum();
    own + steps
}

#[cfg(test)]
mod tests;
