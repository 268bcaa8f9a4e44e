//! Streaming metrics: counters, latency histograms (`hdrhistogram`) and time
//! series sampled at a fixed interval, all bounded in memory.

use std::collections::VecDeque;
use std::sync::Arc;

use hdrhistogram::Histogram;
use serde::Serialize;

use crate::breaker::BreakerState;
use crate::ids::{BreakerId, IdVec, QueueId, ReplicaId, ServiceId};
use crate::order::Outcome;
use crate::time::SimTime;

/// Largest value a histogram tracks: one hour in microseconds; larger values
/// are clamped (and still counted).
const HISTO_MAX_US: u64 = 3_600_000_000;

/// A latency histogram in microseconds, two significant digits (1% error)
/// and 32-bit counts, which keeps it small (about 13 kB) so checkpoints stay
/// cheap to clone.
#[derive(Clone, Debug)]
pub struct Histo(Histogram<u32>);

impl Default for Histo {
    fn default() -> Self {
        Histo(Histogram::new_with_bounds(1, HISTO_MAX_US, 2).expect("valid histogram bounds"))
    }
}

impl Histo {
    /// Records a duration.
    pub fn record_us(&mut self, us: u64) {
        self.0.saturating_record(us.clamp(1, HISTO_MAX_US));
    }

    /// Number of values recorded.
    pub fn count(&self) -> u64 {
        self.0.len()
    }

    /// The value at quantile `q` (0..=1), in milliseconds.
    pub fn quantile_ms(&self, q: f64) -> f64 {
        if self.0.is_empty() {
            0.0
        } else {
            self.0.value_at_quantile(q) as f64 / 1e3
        }
    }

    /// Count, mean and percentiles, in milliseconds.
    pub fn summary(&self) -> Summary {
        if self.0.is_empty() {
            return Summary::default();
        }
        Summary {
            count: self.0.len(),
            mean_ms: self.0.mean() / 1e3,
            p50_ms: self.quantile_ms(0.50),
            p95_ms: self.quantile_ms(0.95),
            p99_ms: self.quantile_ms(0.99),
            max_ms: self.0.max() as f64 / 1e3,
        }
    }
}

/// A histogram's summary.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct Summary {
    pub count: u64,
    pub mean_ms: f64,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
}

/// How orders ended.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Outcomes {
    pub completed: u64,
    pub failed: u64,
    pub compensated: u64,
    pub inconsistent: u64,
    pub lost: u64,
}

impl Outcomes {
    /// Adds one order.
    pub fn add(&mut self, o: Outcome) {
        *self.get_mut(o) += 1;
    }

    /// The counter of one outcome.
    pub fn get(&self, o: Outcome) -> u64 {
        match o {
            Outcome::Completed => self.completed,
            Outcome::Failed => self.failed,
            Outcome::Compensated => self.compensated,
            Outcome::Inconsistent => self.inconsistent,
            Outcome::Lost => self.lost,
        }
    }

    fn get_mut(&mut self, o: Outcome) -> &mut u64 {
        match o {
            Outcome::Completed => &mut self.completed,
            Outcome::Failed => &mut self.failed,
            Outcome::Compensated => &mut self.compensated,
            Outcome::Inconsistent => &mut self.inconsistent,
            Outcome::Lost => &mut self.lost,
        }
    }

    /// All settled orders.
    pub fn total(&self) -> u64 {
        self.completed + self.failed + self.compensated + self.inconsistent + self.lost
    }
}

/// Per-service counters and time integrals.
#[derive(Clone, Debug, Default)]
pub struct ServiceMetrics {
    /// Requests and deliveries taken in.
    pub received: u64,
    /// Handlers that ended well.
    pub succeeded: u64,
    /// Handlers that ended in failure.
    pub failed: u64,
    /// Messages refused because the service was down.
    pub refused: u64,
    /// Requests refused because its queue was full.
    pub rejected: u64,
    /// Time from arrival to a free worker.
    pub queue_wait: Histo,
    /// Exact sum and count of queue waits, for means without histogram error.
    pub wait_sum_us: u128,
    pub wait_count: u64,
    /// ∫ busy workers dt and ∫ requests in the service (queued + in service) dt, µs.
    pub busy_area: u128,
    pub system_area: u128,
    /// ∫ replicas running dt, replica·µs (the cost of the instances: active
    /// replicas, and scaled-in ones until they finish their work).
    pub replica_area: u128,
    /// Requests waiting on a replica when it was scaled in: sent to the
    /// others, or lost (see `scale_in`).
    pub rerouted: u64,
    pub lost_on_scale_in: u64,
    pub max_queued: u32,
    /// Handlers started per replica (how work spreads over the replicas).
    pub replica_started: IdVec<ReplicaId, u64>,
}

/// What a service (or a whole system) costs: instance time and work time.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct Cost {
    /// Replicas running × seconds (what a cloud bill counts).
    pub replica_seconds: f64,
    /// Workers busy × seconds (the work actually done).
    pub worker_busy_seconds: f64,
}

impl Cost {
    /// From the time integrals, in replica·µs and worker·µs.
    pub fn from_areas(replica_us: u128, busy_us: u128) -> Cost {
        Cost {
            replica_seconds: replica_us as f64 / 1e6,
            worker_busy_seconds: busy_us as f64 / 1e6,
        }
    }

    /// The sum of two costs.
    pub fn plus(self, o: Cost) -> Cost {
        Cost {
            replica_seconds: self.replica_seconds + o.replica_seconds,
            worker_busy_seconds: self.worker_busy_seconds + o.worker_busy_seconds,
        }
    }
}

/// Counters of the client's view.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ClientCounters {
    pub polls: u64,
    /// Polls that found nothing new (the cost of polling).
    pub wasted_polls: u64,
    pub gave_up: u64,
    pub timeouts: u64,
    /// Order requests sent again after a response timeout.
    pub retries: u64,
    pub callbacks_sent: u64,
    pub callback_failures: u64,
    pub callbacks_abandoned: u64,
    pub pushes_sent: u64,
    pub pushes_lost: u64,
    /// Stream connections (SSE, WebSocket) that dropped with a push in flight.
    pub stream_drops: u64,
    /// Events an SSE server sent again after a resume (last event id).
    pub stream_replays: u64,
    /// Status reads by WebSocket clients after reconnecting.
    pub resyncs: u64,
}

/// Counters of the payment records.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct PaymentCounters {
    pub success: u64,
    pub failed: u64,
    pub queued_for_retry: u64,
    /// Payments that were queued for retry and later succeeded.
    pub recovered: u64,
    pub refunded: u64,
    /// Money captured at the provider.
    pub captured: u64,
    /// Charges retried as a new payment attempt after a rollback refunded
    /// or cancelled the previous one.
    pub new_attempts: u64,
    /// Charge requests that reached the provider for an already captured
    /// order (redeliveries, retries after a lost answer): absorbed by the
    /// idempotency key.
    pub duplicate_attempts: u64,
}

/// Counters of the steps.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct StepCounters {
    pub retries: u64,
    pub fallbacks: u64,
    pub compensations: u64,
    pub compensation_failures: u64,
    pub best_effort_failures: u64,
    pub late_responses: u64,
    /// Failed attempts to write a final status (retried in the background).
    pub status_write_failures: u64,
    pub messages_sent: u64,
    pub messages_dropped: u64,
    /// Accepted orders whose message was dead-lettered: rolled back and
    /// reported FAILED to the client.
    pub rollbacks: u64,
}

/// Latency percentiles (nearest rank, exact) of the orders settled between
/// two samples, in microseconds; all zero when none settled (`count == 0`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct WindowLatency {
    pub count: u32,
    /// Order placed → the client knows the outcome (its final answer).
    pub known_p50_us: u64,
    pub known_p95_us: u64,
    pub known_p99_us: u64,
    /// Order placed → the last piece of work done for it.
    pub done_p95_us: u64,
}

/// Latencies kept per window at most; orders beyond it still count, but
/// the window's percentiles come from the first ones. At the default sample
/// interval (500 ms) that is 8,000 orders a second, far above any preset.
const WINDOW_VALUES_MAX: usize = 4_096;

/// The latencies of the orders settled since the last sample, turned into a
/// [`WindowLatency`] at each sample and then cleared. Raw values rather than
/// a histogram: a window holds a handful of orders, and clearing and
/// scanning a histogram at every sample cost more than the rest of a run of
/// the M/M/c preset.
#[derive(Clone, Debug, Default)]
pub struct LatencyWindow {
    count: u32,
    known_us: Vec<u64>,
    done_us: Vec<u64>,
}

/// `values` sorted (in place, keeping the allocation). A window usually
/// holds a handful of values: insertion sort for those; heap sort through
/// `BinaryHeap` beyond, whose code is a fraction of `sort_unstable`'s in the
/// wasm bundle.
fn sort_small(values: &mut Vec<u64>) {
    if values.len() <= 16 {
        for i in 1..values.len() {
            let mut j = i;
            while j > 0 && values[j - 1] > values[j] {
                values.swap(j - 1, j);
                j -= 1;
            }
        }
    } else {
        *values = std::collections::BinaryHeap::from(std::mem::take(values)).into_sorted_vec();
    }
}

/// Nearest-rank quantile `q` of `sorted`; 0 if empty.
fn nearest_rank(sorted: &[u64], q: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = libm::ceil(q * sorted.len() as f64) as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

impl LatencyWindow {
    /// Adds one settled order.
    pub fn record(&mut self, known_us: Option<u64>, done_us: u64) {
        self.count = self.count.saturating_add(1);
        if self.done_us.len() < WINDOW_VALUES_MAX {
            if let Some(k) = known_us {
                self.known_us.push(k);
            }
            self.done_us.push(done_us);
        }
    }

    /// Orders recorded since the last sample.
    pub fn pending(&self) -> u64 {
        u64::from(self.count)
    }

    /// The percentiles so far, and a fresh window.
    pub fn take(&mut self) -> WindowLatency {
        sort_small(&mut self.known_us);
        sort_small(&mut self.done_us);
        let known = &self.known_us;
        let w = WindowLatency {
            count: self.count,
            known_p50_us: nearest_rank(known, 0.50),
            known_p95_us: nearest_rank(known, 0.95),
            known_p99_us: nearest_rank(known, 0.99),
            done_p95_us: nearest_rank(&self.done_us, 0.95),
        };
        self.count = 0;
        self.known_us.clear();
        self.done_us.clear();
        w
    }
}

/// One sample of the time series: what is the same for every model. The
/// per-service, per-queue and per-breaker values are in the sample's row
/// (see [`SampleRef`]).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Sample {
    pub t: SimTime,
    pub in_flight_orders: u32,
    pub settled: Outcomes,
    /// Latencies of the orders settled since the previous sample.
    pub latency: WindowLatency,
}

/// How many services, queues and breakers a sample's row covers. The row
/// holds, in order: busy workers and queued requests per service, messages
/// waiting (ready + delayed) and unacknowledged per queue, and the state of
/// each breaker.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Shape {
    pub services: usize,
    pub queues: usize,
    pub breakers: usize,
}

impl Shape {
    /// Values per row.
    pub fn width(&self) -> usize {
        2 * self.services + 2 * self.queues + self.breakers
    }
}

/// A sample and its row.
#[derive(Clone, Copy, Debug)]
pub struct SampleRef<'a> {
    pub sample: &'a Sample,
    row: &'a [u32],
    shape: Shape,
}

impl std::ops::Deref for SampleRef<'_> {
    type Target = Sample;
    fn deref(&self) -> &Sample {
        self.sample
    }
}

impl SampleRef<'_> {
    fn at(&self, offset: usize, i: usize, len: usize) -> u32 {
        if i < len { self.row[offset + i] } else { 0 }
    }

    /// Busy workers of service `s` (0 if there is no such service).
    pub fn busy(&self, s: ServiceId) -> u32 {
        self.at(0, s.index(), self.shape.services)
    }

    /// Requests queued in service `s`.
    pub fn queued(&self, s: ServiceId) -> u32 {
        self.at(self.shape.services, s.index(), self.shape.services)
    }

    /// Messages waiting in queue `q` (ready and delayed).
    pub fn queue_depth(&self, q: QueueId) -> u32 {
        self.at(2 * self.shape.services, q.index(), self.shape.queues)
    }

    /// Messages of queue `q` delivered but not yet acknowledged.
    pub fn queue_inflight(&self, q: QueueId) -> u32 {
        self.at(
            2 * self.shape.services + self.shape.queues,
            q.index(),
            self.shape.queues,
        )
    }

    /// State of breaker `b`.
    pub fn breaker(&self, b: BreakerId) -> BreakerState {
        let code = self.at(
            2 * (self.shape.services + self.shape.queues),
            b.index(),
            self.shape.breakers,
        );
        BreakerState::from_code(code)
    }
}

/// Samples per shared chunk of a [`Series`].
const CHUNK_SAMPLES: usize = 64;

/// Consecutive samples and their rows, one after another in one vector.
#[derive(Clone, Debug, Default)]
struct Chunk {
    samples: Vec<Sample>,
    rows: Vec<u32>,
}

impl Chunk {
    /// Its samples from the `skip`th on, with their rows.
    fn refs(&self, skip: usize, shape: Shape) -> impl Iterator<Item = SampleRef<'_>> + Clone {
        let width = shape.width();
        self.samples
            .iter()
            .enumerate()
            .skip(skip)
            .map(move |(i, sample)| SampleRef {
                sample,
                row: &self.rows[i * width..(i + 1) * width],
                shape,
            })
    }
}

/// The time series: the newest samples, at most a given number. Samples
/// and their rows live in chunks: taking a sample allocates nothing, and full
/// chunks are immutable and shared, so cloning a run (a checkpoint, of which
/// the app keeps dozens) copies a few pointers and at most one chunk.
#[derive(Clone, Debug, Default)]
pub struct Series {
    shape: Shape,
    full: VecDeque<Arc<Chunk>>,
    tail: Chunk,
    /// Samples of the first full chunk already dropped (the oldest).
    skip: usize,
    len: usize,
}

impl Series {
    /// An empty series of rows of `shape`.
    pub fn new(shape: Shape) -> Series {
        Series {
            shape,
            ..Series::default()
        }
    }

    /// Appends a sample and its row (whose values beyond the shape's width
    /// are ignored, missing ones are 0), dropping the oldest sample beyond
    /// `max_len` (at least 1).
    pub fn push(&mut self, sample: Sample, row: impl IntoIterator<Item = u32>, max_len: usize) {
        let width = self.shape.width();
        if self.tail.samples.is_empty() {
            self.tail.samples.reserve_exact(CHUNK_SAMPLES);
            self.tail.rows.reserve_exact(CHUNK_SAMPLES * width);
        }
        self.tail.samples.push(sample);
        let start = self.tail.rows.len();
        self.tail.rows.extend(row.into_iter().take(width));
        self.tail.rows.resize(start + width, 0);
        self.len += 1;
        if self.tail.samples.len() == CHUNK_SAMPLES {
            self.full
                .push_back(Arc::new(std::mem::take(&mut self.tail)));
        }
        while self.len > max_len.max(1) {
            self.len -= 1;
            if self.full.is_empty() {
                self.tail.samples.remove(0);
                self.tail.rows.drain(..width);
                continue;
            }
            self.skip += 1;
            if self.skip == CHUNK_SAMPLES {
                self.full.pop_front();
                self.skip = 0;
            }
        }
    }

    /// Samples kept.
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The samples, oldest first.
    pub fn iter(&self) -> impl Iterator<Item = SampleRef<'_>> + Clone {
        let shape = self.shape;
        self.full
            .iter()
            .enumerate()
            .flat_map(move |(i, c)| c.refs(if i == 0 { self.skip } else { 0 }, shape))
            .chain(self.tail.refs(0, shape))
    }

    /// The newest sample.
    pub fn last(&self) -> Option<SampleRef<'_>> {
        let chunk = if self.tail.samples.is_empty() {
            self.full.back()?
        } else {
            &self.tail
        };
        chunk.refs(chunk.samples.len() - 1, self.shape).next()
    }
}

/// Everything measured during a run.
#[derive(Clone, Debug, Default)]
pub struct Metrics {
    pub orders_created: u64,
    pub orders_shed: u64,
    pub outcomes: Outcomes,
    /// Order placed → first answer (the response, or the 202).
    pub response: Histo,
    /// Order placed → the client learns the outcome.
    pub completion: Histo,
    /// Order placed → the last piece of work done for it.
    pub done: Histo,
    /// First answer → last piece of work (how long the client's view lags).
    pub consistency_window: Histo,
    /// Outcome known (final status written or sent) → client learns it.
    pub detection_lag: Histo,
    pub client: ClientCounters,
    pub payments: PaymentCounters,
    pub steps: StepCounters,
    pub services: IdVec<ServiceId, ServiceMetrics>,
    pub series: Series,
    /// Settled orders' latencies since the last sample (for `Sample::latency`).
    pub latency_window: LatencyWindow,
}

impl Metrics {
    /// Metrics for a model of this shape.
    pub fn new(shape: Shape) -> Metrics {
        Metrics {
            services: vec![ServiceMetrics::default(); shape.services].into(),
            series: Series::new(shape),
            ..Metrics::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_quantiles() {
        for n in [0, 1, 2, 16, 17, 100] {
            let mut v: Vec<u64> = (1..=n).map(|i| (i * 7919) % 101).collect();
            let mut want = v.clone();
            want.sort();
            sort_small(&mut v);
            assert_eq!(v, want, "{n} values");
        }
        let mut v: Vec<u64> = (1..=100).rev().collect();
        sort_small(&mut v);
        assert_eq!(nearest_rank(&v, 0.50), 50);
        assert_eq!(nearest_rank(&v, 0.95), 95);
        assert_eq!(nearest_rank(&v, 0.99), 99);
        assert_eq!(nearest_rank(&v, 1.0), 100);
        assert_eq!(nearest_rank(&[7], 0.5), 7);
        assert_eq!(nearest_rank(&[], 0.5), 0);
    }

    #[test]
    fn a_window_counts_every_order_and_starts_afresh() {
        let mut w = LatencyWindow::default();
        for i in 0..WINDOW_VALUES_MAX as u64 + 10 {
            // Orders whose client never learned the outcome count too.
            w.record((i % 2 == 0).then_some(1_000 + i), 5_000);
        }
        assert_eq!(w.pending(), WINDOW_VALUES_MAX as u64 + 10);
        let taken = w.take();
        assert_eq!(taken.count, WINDOW_VALUES_MAX as u32 + 10);
        assert!(taken.known_p50_us < taken.known_p95_us && taken.known_p95_us < taken.known_p99_us);
        assert_eq!(taken.done_p95_us, 5_000);
        assert_eq!(w.pending(), 0);
        assert_eq!(w.take(), WindowLatency::default());
    }

    fn sample(t_ms: u64) -> Sample {
        Sample {
            t: SimTime::from_millis(t_ms),
            in_flight_orders: t_ms as u32,
            settled: Outcomes::default(),
            latency: WindowLatency::default(),
        }
    }

    const SHAPE: Shape = Shape {
        services: 2,
        queues: 1,
        breakers: 1,
    };

    /// A row that tells its sample apart: every value derived from `t`.
    fn row(t: u64) -> Vec<u32> {
        let t = t as u32;
        vec![t, t + 1, t + 2, t + 3, t + 4, t + 5, t % 3]
    }

    const S0: ServiceId = ServiceId::new(0);
    const S1: ServiceId = ServiceId::new(1);
    const Q0: QueueId = QueueId::new(0);

    fn check_ref(r: SampleRef<'_>) {
        let t = r.in_flight_orders;
        assert_eq!(
            [
                r.busy(S0),
                r.busy(S1),
                r.queued(S0),
                r.queued(S1),
                r.queue_depth(Q0),
                r.queue_inflight(Q0)
            ],
            [t, t + 1, t + 2, t + 3, t + 4, t + 5]
        );
        assert_eq!(r.breaker(BreakerId::new(0)), BreakerState::from_code(t % 3));
        // Out of range: nothing there.
        assert_eq!(
            (r.busy(ServiceId::new(2)), r.queue_depth(QueueId::new(1))),
            (0, 0)
        );
    }

    #[test]
    fn a_series_keeps_the_newest_samples_in_order() {
        let max = 3 * CHUNK_SAMPLES + 5;
        let mut s = Series::new(SHAPE);
        let mut plain: VecDeque<u64> = VecDeque::new();
        let times = |s: &Series| {
            s.iter()
                .map(|x| x.t.as_micros() / 1_000)
                .collect::<Vec<_>>()
        };
        for t in 0..(5 * CHUNK_SAMPLES as u64 + 17) {
            s.push(sample(t), row(t), max);
            plain.push_back(t);
            if plain.len() > max {
                plain.pop_front();
            }
            assert_eq!(s.len(), plain.len());
            assert!(times(&s).iter().eq(plain.iter()), "after {t}");
            s.iter().for_each(check_ref);
            assert_eq!(s.last().map(|x| x.in_flight_orders), Some(t as u32));
            // A clone shares the full chunks and stays as it was.
            let before = s.clone();
            s.push(sample(1_000_000), row(1_000_000), max);
            assert!(times(&before).iter().eq(plain.iter()));
            s = before;
        }
        // A series shorter than a chunk.
        let mut small = Series::new(SHAPE);
        for t in 0..10 {
            small.push(sample(t), row(t), 4);
        }
        assert_eq!(times(&small), [6, 7, 8, 9]);
        small.iter().for_each(check_ref);
        // Rows too short or too long are padded or cut to the shape.
        let mut odd = Series::new(SHAPE);
        odd.push(sample(1), [9], 10);
        odd.push(sample(2), [7; 20], 10);
        let rows: Vec<(u32, u32)> = odd.iter().map(|x| (x.busy(S0), x.queued(S1))).collect();
        assert_eq!(rows, [(9, 0), (7, 7)]);
    }
}
