//! The built-in comparisons say what to look at; each test here runs one
//! over 20 seeds and checks that difference, with Welch's test from
//! `stats.rs` calling it significant at the 5 % level.

use orderflow_sim::comparisons::{self, BuiltIn, run_with_commands};
use orderflow_sim::stats;

/// Seeds each comparison runs (the page's "Run N seeds" default).
const SEEDS: u64 = 20;

/// Per design, per seed, every figure of the run.
struct Runs {
    id: &'static str,
    labels: Vec<&'static str>,
    figures: Vec<Vec<Vec<(String, f64)>>>,
}

fn run(id: &str) -> Runs {
    let b: &BuiltIn = comparisons::built_in(id).unwrap();
    let mut labels = Vec::new();
    let mut figures = Vec::new();
    for (label, spec) in b.specs().unwrap() {
        let design = spec.design().unwrap();
        let per_seed = (1..=SEEDS)
            .map(|seed| run_with_commands(&design, &spec.commands, seed).unwrap())
            .collect();
        labels.push(label);
        figures.push(per_seed);
    }
    Runs {
        id: b.id,
        labels,
        figures,
    }
}

impl Runs {
    /// Design `d`'s `figure` over the seeds.
    fn samples(&self, d: usize, figure: &str) -> Vec<f64> {
        self.figures[d]
            .iter()
            .map(|f| {
                f.iter()
                    .find(|(n, _)| n == figure)
                    .unwrap_or_else(|| panic!("{}: no {figure}", self.labels[d]))
                    .1
            })
            .collect()
    }

    /// Design `low`'s mean of `figure` is below design `high`'s, and the
    /// difference is significant.
    fn below(&self, low: usize, high: usize, figure: &str) {
        let (a, b) = (self.samples(low, figure), self.samples(high, figure));
        let w = stats::welch(&a, &b).unwrap();
        let (ma, mb) = (stats::mean(&a), stats::mean(&b));
        assert!(
            ma < mb && w.significant,
            "{}: {figure}: {} {ma} should be significantly below {} {mb} ({w:?})",
            self.id,
            self.labels[low],
            self.labels[high],
        );
    }

    /// `figure` is `expected` in design `d` on every seed.
    fn always(&self, d: usize, figure: &str, expected: f64) {
        let s = self.samples(d, figure);
        assert!(
            s.iter().all(|v| *v == expected),
            "{}: {figure} of {}: {s:?}",
            self.id,
            self.labels[d]
        );
    }
}

#[test]
fn payment_outage_the_chain_waits_fire_and_forget_is_inconsistent_the_hybrid_neither() {
    let r = run("payment-outage");
    let (chain, fire, hybrid) = (0, 1, 2);
    // The chain's customers wait out the outage; the hybrid answers before
    // payment.
    r.below(hybrid, chain, "latency.response.p95_ms");
    r.below(fire, chain, "latency.response.p95_ms");
    // Fire-and-forget ships unpaid orders and undoes nothing; the chain and
    // the hybrid undo the orders they cannot charge and keep their records
    // straight.
    r.below(hybrid, fire, "outcome.inconsistent");
    r.below(fire, chain, "outcome.compensated");
    r.below(fire, hybrid, "outcome.compensated");
    r.always(chain, "outcome.inconsistent", 0.0);
    r.always(hybrid, "outcome.inconsistent", 0.0);
}

#[test]
fn completion_channels_polling_learns_late_and_pays_requests_for_it() {
    let r = run("completion-channels");
    let (polling, callback, sse) = (0, 1, 2);
    r.below(callback, polling, "latency.detection_lag.mean_ms");
    r.below(sse, polling, "latency.detection_lag.mean_ms");
    r.below(callback, polling, "client.polls");
    r.always(callback, "client.polls", 0.0);
    r.always(sse, "client.polls", 0.0);
}

#[test]
fn hanging_provider_the_breaker_fails_fast_and_the_backup_charges_at_once() {
    let r = run("breaker-hanging-provider");
    let (none, breaker, backup) = (0, 1, 2);
    // Without a breaker customers time out waiting on the hanging provider.
    r.below(breaker, none, "client.timeouts");
    r.below(breaker, none, "latency.response.p95_ms");
    // A breaker that fails fast answers everyone and queues the charges for
    // later; the backup provider charges them at once, so their work is
    // done sooner.
    r.always(breaker, "client.timeouts", 0.0);
    r.always(backup, "client.timeouts", 0.0);
    r.below(none, breaker, "outcome.completed");
    r.always(backup, "payments.queued_for_retry", 0.0);
    r.below(backup, breaker, "payments.queued_for_retry");
    r.below(backup, breaker, "latency.done.mean_ms");
}

#[test]
fn competing_workers_share_the_surge_and_keep_the_wait_short() {
    let r = run("competing-workers");
    let (one, three) = (0, 1);
    r.below(three, one, "latency.completion.p95_ms");
    r.below(three, one, "queue.order_q.peak_depth");
    r.always(one, "outcome.completed", 120.0);
    r.always(three, "outcome.completed", 120.0);
}

#[test]
fn retry_storm_backoff_with_a_budget_bounds_the_extra_calls() {
    let r = run("retry-storm");
    let (eager, backoff) = (0, 1);
    r.below(backoff, eager, "client.retries");
    r.below(backoff, eager, "client.timeouts");
    r.below(eager, backoff, "outcome.completed");
}

#[test]
fn surge_cost_the_queue_holds_the_peak_on_half_the_payment_replicas() {
    let r = run("surge-cost");
    let (sync, queued) = (0, 1);
    r.below(queued, sync, "service.payment.replica_seconds");
    r.below(queued, sync, "cost.replica_seconds");
    // Customers are answered before the charge.
    r.below(queued, sync, "latency.response.p95_ms");
    r.always(sync, "outcome.completed", 1700.0);
    r.always(queued, "outcome.completed", 1700.0);
}
