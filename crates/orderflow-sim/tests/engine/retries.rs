//! Retries done well and badly: a call site's retry budget and jitter kind
//! as the trace shows them, and the retry storm over 20 seeds (retries
//! without backoff turn a 2 s stall into a collapse that lasts; jittered
//! backoff with a budget recovers).

use orderflow_sim::order::{Answer, PaymentState};
use orderflow_sim::scenario::{Backoff, JitterKind, RetryBudget, Step};
use orderflow_sim::trace::{TraceEvent, TraceKind};
use orderflow_sim::{Completion, SimTime};

use crate::support::{model_with, run, sim};

/// The stall: 10 s to 12 s.
const STALL_END_S: f64 = 12.0;

/// Successful answers in `[from_s, to_s)` over orders placed in it (the
/// goodput as a share of the offered load).
fn goodput(trace: &[TraceEvent], from_s: f64, to_s: f64) -> f64 {
    let (from, to) = (SimTime((from_s * 1e6) as u64), SimTime((to_s * 1e6) as u64));
    let within = || trace.iter().filter(|e| e.t >= from && e.t < to);
    let ok = within()
        .filter(|e| {
            matches!(
                e.kind,
                TraceKind::ClientAnswer {
                    answer: Answer::Success,
                    ..
                }
            )
        })
        .count();
    let placed = within()
        .filter(|e| matches!(e.kind, TraceKind::OrderCreated { .. }))
        .count();
    ok as f64 / placed.max(1) as f64
}

fn storm_trace(preset: &str, seed: u64) -> Vec<TraceEvent> {
    let model = model_with(preset, |_| {});
    run(&mut sim(&model, seed, Completion::Sync))
}

#[test]
fn retries_without_backoff_collapse_for_good_over_20_seeds() {
    for seed in 0..20 {
        let t = storm_trace("retry-storm", seed);
        let before = goodput(&t, 2.0, 10.0);
        let long_after = goodput(&t, 30.0, 60.0);
        assert!(
            before >= 0.95,
            "seed {seed}: unhealthy before the stall ({before:.3})"
        );
        assert!(
            long_after <= 0.1,
            "seed {seed}: recovered without backoff ({long_after:.3} from 30 s)"
        );
    }
}

#[test]
fn jittered_backoff_with_a_budget_recovers_within_10_s_over_20_seeds() {
    for seed in 0..20 {
        let t = storm_trace("retry-storm-backoff", seed);
        let before = goodput(&t, 2.0, 10.0);
        let after = goodput(&t, STALL_END_S + 10.0, 60.0);
        assert!(
            before >= 0.95,
            "seed {seed}: unhealthy before the stall ({before:.3})"
        );
        assert!(
            after >= 0.95,
            "seed {seed}: not recovered 10 s after the stall ({after:.3})"
        );
    }
}

/// sync-chain with payment always failing, its charge call retried up to
/// 5 times with a fixed 50 ms backoff through a budget of `tokens` that
/// never refills.
fn failing_payment_with_budget(tokens: Option<u32>) -> Vec<TraceEvent> {
    let model = model_with("sync-chain", |s| {
        s.workload.orders = 20;
        s.faults.clear();
        for svc in &mut s.services {
            if svc.id == "payment" {
                svc.error_rate = 1.0;
            }
        }
        for h in &mut s.handlers {
            for step in &mut h.steps {
                if let Step::Call {
                    target,
                    retries,
                    backoff,
                    retry_budget,
                    ..
                } = step
                    && target == "payment.charge"
                {
                    *retries = 5;
                    *backoff = Backoff {
                        base_ms: 50,
                        max_ms: 50,
                        jitter: 0.5,
                        kind: Some(JitterKind::Exponential),
                    };
                    *retry_budget = tokens.map(|max_tokens| RetryBudget {
                        max_tokens,
                        refill_per_success: 0.0,
                    });
                }
            }
        }
    });
    run(&mut sim(&model, 3, Completion::Sync))
}

fn charge_retries(trace: &[TraceEvent]) -> Vec<u64> {
    trace
        .iter()
        .filter_map(|e| match e.kind {
            TraceKind::Retry { delay_us, .. } => Some(delay_us),
            _ => None,
        })
        .collect()
}

#[test]
fn a_call_budget_refuses_retries_once_empty() {
    let unlimited = charge_retries(&failing_payment_with_budget(None));
    let budgeted = charge_retries(&failing_payment_with_budget(Some(7)));
    // 20 orders × 5 retries without a budget; 7 in all with one.
    assert_eq!(unlimited.len(), 100);
    assert_eq!(budgeted.len(), 7);
    // Kind "none": the delay is the capped exponential exactly, the
    // `jitter` share notwithstanding.
    assert!(budgeted.iter().all(|&d| d == 50_000), "{budgeted:?}");
}

#[test]
fn a_call_budget_refills_on_successes() {
    // Payment fails half the time: successes refill the bucket, so more
    // retries get through than its 2 tokens.
    let model = model_with("sync-chain", |s| {
        s.workload.orders = 200;
        s.faults.clear();
        for svc in &mut s.services {
            if svc.id == "payment" {
                svc.error_rate = 0.5;
            }
        }
        for h in &mut s.handlers {
            for step in &mut h.steps {
                if let Step::Call {
                    target,
                    retries,
                    retry_budget,
                    ..
                } = step
                    && target == "payment.charge"
                {
                    *retries = 3;
                    *retry_budget = Some(RetryBudget {
                        max_tokens: 2,
                        refill_per_success: 0.2,
                    });
                }
            }
        }
    });
    let t = run(&mut sim(&model, 5, Completion::Sync));
    let retries = charge_retries(&t).len();
    let successes = crate::support::count(&t, |k| {
        matches!(
            k,
            TraceKind::Payment {
                state: PaymentState::Success,
                ..
            }
        )
    });
    // At most the starting tokens plus a fifth of a token per success.
    assert!(retries > 2, "no refill: {retries} retries");
    assert!(
        retries as f64 <= 2.0 + 0.2 * successes as f64 + 1e-9,
        "{retries} retries for {successes} successes"
    );
}
