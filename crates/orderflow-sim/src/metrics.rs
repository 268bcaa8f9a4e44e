//! Streaming metrics: counters, latency histograms (`hdrhistogram`) and time
//! series sampled at a fixed interval, all bounded in memory.

use std::collections::VecDeque;

use hdrhistogram::Histogram;
use serde::Serialize;

use crate::breaker::BreakerState;
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

    /// Forgets every value (keeps the allocation).
    pub fn reset(&mut self) {
        self.0.reset();
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
    pub max_queued: u32,
    /// Handlers started per replica (how work spreads over the replicas).
    pub replica_started: Vec<u64>,
}

/// Counters of the client's view.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ClientCounters {
    pub polls: u64,
    /// Polls that found nothing new (the cost of polling).
    pub wasted_polls: u64,
    pub gave_up: u64,
    pub timeouts: u64,
    pub callbacks_sent: u64,
    pub callback_failures: u64,
    pub callbacks_abandoned: u64,
    pub pushes_sent: u64,
    pub pushes_lost: u64,
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
}

/// Latency percentiles of the orders settled between two samples, in
/// microseconds; all zero when none settled (`count == 0`).
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

/// Histograms of the orders settled since the last sample, turned into a
/// [`WindowLatency`] at each sample and then cleared.
#[derive(Clone, Debug, Default)]
pub struct LatencyWindow {
    known: Histo,
    done: Histo,
}

impl LatencyWindow {
    /// Adds one settled order.
    pub fn record(&mut self, known_us: Option<u64>, done_us: u64) {
        if let Some(k) = known_us {
            self.known.record_us(k);
        }
        self.done.record_us(done_us);
    }

    /// Orders recorded since the last sample.
    pub fn pending(&self) -> u64 {
        self.done.count()
    }

    /// The percentiles so far, and a fresh window.
    pub fn take(&mut self) -> WindowLatency {
        let q = |h: &Histo, q: f64| {
            if h.count() == 0 {
                0
            } else {
                h.0.value_at_quantile(q)
            }
        };
        let w = WindowLatency {
            count: u32::try_from(self.done.count()).unwrap_or(u32::MAX),
            known_p50_us: q(&self.known, 0.50),
            known_p95_us: q(&self.known, 0.95),
            known_p99_us: q(&self.known, 0.99),
            done_p95_us: q(&self.done, 0.95),
        };
        self.known.reset();
        self.done.reset();
        w
    }
}

/// One sample of the time series.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Sample {
    pub t: SimTime,
    /// Per service: busy workers and queued requests.
    pub busy: Vec<u32>,
    pub queued: Vec<u32>,
    /// Per broker queue: messages waiting (ready + delayed) and unacknowledged.
    pub queue_depth: Vec<u32>,
    pub queue_inflight: Vec<u32>,
    pub breakers: Vec<BreakerState>,
    pub in_flight_orders: u32,
    pub settled: Outcomes,
    /// Latencies of the orders settled since the previous sample.
    pub latency: WindowLatency,
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
    pub services: Vec<ServiceMetrics>,
    pub series: VecDeque<Sample>,
    /// Settled orders' latencies since the last sample (for `Sample::latency`).
    pub latency_window: LatencyWindow,
}

impl Metrics {
    /// Metrics for a model with `services` services.
    pub fn new(services: usize) -> Metrics {
        Metrics {
            services: vec![ServiceMetrics::default(); services],
            ..Metrics::default()
        }
    }
}
