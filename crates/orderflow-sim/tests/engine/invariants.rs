//! Seed sweeps with random fault schedules, for every preset: the
//! invariants hold after every event, every order settles within a bound
//! after the last fault, and inconsistencies appear only in the patterns
//! that allow them.

use orderflow_sim::model::Model;
use orderflow_sim::order::Outcome;
use orderflow_sim::rng::SimRng;
use orderflow_sim::scenario::{FaultSpec, ServiceKind};
use orderflow_sim::trace::TraceKind;
use orderflow_sim::{Completion, SimTime, presets};

use crate::support::*;

/// Seeds per preset and completion mode.
const SEEDS: u64 = 24;
/// Orders per run (mmc's million is for the theory test).
const ORDERS: u64 = 150;

/// Patterns that may leave orders inconsistent, and why.
fn may_be_inconsistent(name: &str, mode: Completion) -> bool {
    match name {
        // A synchronous client gives up while its payment waits in the retry
        // queue; the order completes later without it knowing.
        "payment-breaker" => mode == Completion::Sync,
        // Nobody checks whether the sent steps worked.
        "fire-and-forget" => true,
        // Shipping and the notification are sent without waiting.
        "hybrid" => true,
        // Overload: clients time out on orders that later complete.
        "surge" => true,
        _ => false,
    }
}

/// A random fault schedule. Services may be slowed or made to fail, but
/// only services other than the client and the one holding the entry handler
/// are taken down or lose messages: an orchestrator without persistence
/// loses its sagas when it dies, in every pattern alike. Returns the faults
/// and the end of the last one.
fn random_faults(model: &Model, rng: &mut SimRng) -> (Vec<FaultSpec>, u64) {
    let entry = model.handlers[model.client.entry].service;
    let pick = |rng: &mut SimRng, spare_entry: bool| -> Option<String> {
        let ids: Vec<&str> = model
            .services
            .iter_enumerated()
            .filter(|(i, s)| {
                let spared = spare_entry && *i == entry;
                !spared && !matches!(s.kind, ServiceKind::Client | ServiceKind::Broker)
            })
            .map(|(_, s)| s.id.as_str())
            .collect();
        (!ids.is_empty())
            .then(|| ids[rng.range_inclusive(0, ids.len() as u64 - 1) as usize].to_owned())
    };
    let mut faults = Vec::new();
    let mut last_end = 0;
    for _ in 0..rng.range_inclusive(1, 4) {
        let at_ms = rng.range_inclusive(0, 30_000);
        let until_ms = at_ms + rng.range_inclusive(1_000, 15_000);
        let kind = rng.range_inclusive(0, 4);
        let fault = match (kind, pick(rng, kind == 0 || kind == 3)) {
            (0, Some(service)) => FaultSpec::Down {
                service,
                at_ms,
                until_ms,
            },
            (3, Some(service)) => FaultSpec::Drop {
                service,
                rate: 0.2 * rng.unit(),
                at_ms,
                until_ms,
            },
            (4, _) if model.broker_service.is_some() => FaultSpec::BrokerRestart {
                at_ms,
                downtime_ms: rng.range_inclusive(100, 3_000),
            },
            (1, _) | (2, _) | (4, _) | (_, None) => {
                let service = pick(rng, false).expect("every scenario has a service");
                if kind == 2 {
                    FaultSpec::ErrorRate {
                        service,
                        rate: 0.5 * rng.unit(),
                        at_ms,
                        until_ms,
                    }
                } else {
                    FaultSpec::Latency {
                        service,
                        factor: 1.0 + 2.0 * rng.unit(),
                        at_ms,
                        until_ms,
                    }
                }
            }
            _ => unreachable!("kinds are 0..=4"),
        };
        last_end = last_end.max(until_ms);
        faults.push(fault);
    }
    (faults, last_end)
}

#[test]
fn invariants_hold_under_random_faults() {
    let mut duplicate_charges_absorbed = 0;
    for name in presets::names() {
        let base = presets::model(name).unwrap().unwrap();
        for mode in base.client.allowed.clone() {
            for seed in 0..SEEDS {
                let mut rng = SimRng::new(seed * 7919 + 1);
                let (faults, last_end_ms) = random_faults(&base, &mut rng);
                let model = model_with(name, |s| {
                    s.workload.orders = ORDERS;
                    s.faults = faults.clone();
                });
                let mut sim = sim(&model, seed, mode);
                sim.set_trace(false);
                run_checked(&mut sim);
                let context = format!("{name}/{} seed {seed} faults {faults:?}", mode.as_str());
                // Every order settled, within a bound after the last fault
                // and the last arrival.
                let mx = sim.metrics().clone();
                assert_eq!(sim.live_orders(), 0, "{context}");
                assert_eq!(mx.outcomes.total() + mx.orders_shed, ORDERS, "{context}");
                let bound =
                    SimTime::from_millis(last_end_ms.max(arrival_end_ms(&model)) + 10 * 60_000);
                assert!(
                    sim.now() <= bound,
                    "{context}: still busy at {} (bound {bound})",
                    sim.now()
                );
                // Every settled order is in exactly one latency window (or
                // the one still open), and each window's percentiles are in
                // order.
                if mx.series.len() < model.limits.series_points as usize {
                    let windowed: u64 = mx.series.iter().map(|s| u64::from(s.latency.count)).sum();
                    assert_eq!(
                        windowed + mx.latency_window.pending(),
                        mx.outcomes.total(),
                        "{context}"
                    );
                }
                for w in mx.series.iter().map(|s| s.latency) {
                    assert!(
                        w.known_p50_us <= w.known_p95_us && w.known_p95_us <= w.known_p99_us,
                        "{context}: {w:?}"
                    );
                }
                // Money is captured at most once per order.
                assert!(mx.payments.captured <= mx.orders_created, "{context}");
                duplicate_charges_absorbed += mx.payments.duplicate_attempts;
                if !may_be_inconsistent(name, mode)
                    && mx.outcomes.inconsistent + mx.outcomes.lost > 0
                {
                    // Re-run with the trace on and show the first bad order's story.
                    let mut again = crate::support::sim(&model, seed, mode);
                    let trace = run(&mut again);
                    let bad = trace.iter().find_map(|e| match e.kind {
                        TraceKind::Settled {
                            order,
                            outcome: Outcome::Inconsistent | Outcome::Lost,
                        } => Some(order),
                        _ => None,
                    });
                    let story: String = trace
                        .iter()
                        .filter(|e| e.order() == bad || matches!(e.kind, TraceKind::Command { .. }))
                        .map(|e| e.text(&model) + "\n")
                        .collect();
                    panic!("{context}: {:?}\n{story}", mx.outcomes);
                }
            }
        }
    }
    // The sweep did exercise idempotency: some charges reached the provider twice.
    assert!(duplicate_charges_absorbed > 0);
}

/// When the last order arrives, roughly (rate-based, generous).
fn arrival_end_ms(model: &Model) -> u64 {
    use orderflow_sim::model::ArrivalModel;
    let gap_us = match &model.arrival {
        ArrivalModel::Single => 0.0,
        ArrivalModel::Constant { interval_us } => *interval_us,
        ArrivalModel::Poisson { mean_gap_us } => *mean_gap_us,
        ArrivalModel::Surge { segments } => {
            1.0 / segments.iter().map(|s| s.1).fold(f64::INFINITY, f64::min)
        }
    };
    (gap_us * model.orders as f64 * 2.0 / 1e3) as u64
}
