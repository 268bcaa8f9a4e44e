//! The payment provider behind a circuit breaker (document 004): when it
//! opens and closes, the fallback policies, QUEUED_FOR_RETRY, the backup
//! provider, and a hanging provider with and without a breaker.

use crate::support::*;
use orderflow_sim::breaker::BreakerState;
use orderflow_sim::order::{Answer, PaymentState};
use orderflow_sim::scenario::{FallbackPolicy, Step};
use orderflow_sim::trace::TraceKind;
use orderflow_sim::{Command, Completion, Sim, SimTime};

/// Times of the breaker's transitions to `to`.
fn breaker_times(trace: &[orderflow_sim::trace::TraceEvent], to: BreakerState) -> Vec<SimTime> {
    trace
        .iter()
        .filter(|e| matches!(e.kind, TraceKind::Breaker { state, .. } if state == to))
        .map(|e| e.t)
        .collect()
}

#[test]
fn the_breaker_opens_after_three_failures_in_a_row_and_a_trial_call_closes_it() {
    // Document 004's settings: failureThreshold 3, resetTimeout 30 s. The
    // provider is down from 15 s to 35 s.
    let model = model_with("payment-breaker", |_| {});
    let mut sim = sim(&model, 1, Completion::Polling);
    let trace = run_checked(&mut sim);
    let states: Vec<BreakerState> = trace
        .iter()
        .filter_map(|e| match e.kind {
            TraceKind::Breaker { state, .. } => Some(state),
            _ => None,
        })
        .collect();
    assert_eq!(
        states,
        [
            BreakerState::Open,
            BreakerState::HalfOpen,
            BreakerState::Closed
        ],
        "one opening; its one trial call, after the outage, closes it"
    );
    let opened = breaker_times(&trace, BreakerState::Open)[0];
    let half = breaker_times(&trace, BreakerState::HalfOpen)[0];
    assert!(
        opened > SimTime::from_secs(15) && opened < SimTime::from_secs(17),
        "opened at {opened}"
    );
    assert_eq!(half, opened.plus_micros(30_000_000), "resetTimeout");
    // Operations were alerted when it opened, and only then.
    let alerts: Vec<SimTime> = trace
        .iter()
        .filter(|e| matches!(e.kind, TraceKind::OperationsAlerted { .. }))
        .map(|e| e.t)
        .collect();
    assert_eq!(alerts, [opened]);
    assert_eq!(
        sim.breaker(model.breaker_index("provider").unwrap())
            .counters
            .alerts,
        1
    );
    let mx = sim.metrics();
    assert!(mx.payments.queued_for_retry > 20, "{:?}", mx.payments);
    // Every payment queued for retry went through once the breaker closed.
    assert_eq!(mx.payments.recovered, mx.payments.queued_for_retry);
    assert_eq!(mx.payments.captured, mx.payments.success);
}

#[test]
fn the_fallback_is_taken_only_when_the_breaker_is_open() {
    // queue-when-open: the two failures before the breaker opens are FAILED
    // (the order is undone); the third opens it and from then on charges
    // are QUEUED_FOR_RETRY.
    let model = model_with("payment-breaker", |_| {});
    let mut sim = sim(&model, 1, Completion::Polling);
    let trace = run_checked(&mut sim);
    let opened = breaker_times(&trace, BreakerState::Open)[0];
    let payments: Vec<(SimTime, PaymentState)> = trace
        .iter()
        .filter_map(|e| match e.kind {
            TraceKind::Payment { state, .. }
                if matches!(state, PaymentState::Failed | PaymentState::QueuedForRetry) =>
            {
                Some((e.t, state))
            }
            _ => None,
        })
        .collect();
    let failed: Vec<SimTime> = payments
        .iter()
        .filter(|p| p.1 == PaymentState::Failed)
        .map(|p| p.0)
        .collect();
    assert_eq!(failed.len(), 2, "{payments:?}");
    assert!(failed.iter().all(|&t| t < opened));
    let first_queued = payments
        .iter()
        .find(|p| p.1 == PaymentState::QueuedForRetry)
        .unwrap()
        .0;
    // The failure that opens it is queued too (after the publish's confirm).
    assert!(
        first_queued.since(opened) < 50_000,
        "queued at {first_queued}"
    );
    let mx = sim.metrics();
    assert_eq!((mx.payments.failed, mx.outcomes.compensated), (2, 2));
    assert_eq!(mx.outcomes.completed, 178, "{:?}", mx.outcomes);

    // queue-always, the old behaviour: every failure queued, none FAILED.
    let always = model_with("payment-breaker", |s| {
        set_fallback_policy(s, FallbackPolicy::QueueAlways)
    });
    let mut sim = self::sim(&always, 1, Completion::Polling);
    run_checked(&mut sim);
    assert_eq!(sim.metrics().payments.failed, 0);
    assert_eq!(sim.metrics().outcomes.completed, 180);

    // fail: no fallback at all; every charge during the outage fails.
    let fail = model_with("payment-breaker", |s| {
        set_fallback_policy(s, FallbackPolicy::Fail)
    });
    let mut sim = self::sim(&fail, 1, Completion::Polling);
    run_checked(&mut sim);
    let mx = sim.metrics();
    assert_eq!(mx.payments.queued_for_retry, 0);
    assert!(mx.payments.failed > 20, "{:?}", mx.payments);
    assert_eq!(mx.payments.failed + mx.payments.success, 180);
}

fn set_fallback_policy(s: &mut orderflow_sim::scenario::Scenario, policy: FallbackPolicy) {
    let charge = s
        .handlers
        .iter_mut()
        .find(|h| h.service == "payment" && h.op == "charge")
        .unwrap();
    if let Step::Call {
        fallback_policy, ..
    } = &mut charge.steps[0]
    {
        *fallback_policy = Some(policy);
    }
}

#[test]
fn queued_for_retry_is_answered_at_once_and_the_payment_completes_later() {
    for mode in [
        Completion::Sync,
        Completion::Polling,
        Completion::Callback,
        Completion::Push,
    ] {
        let model = model_with("payment-breaker", |_| {});
        let mut sim = sim(&model, 1, mode);
        let trace = run_checked(&mut sim);
        let queued = model.status_index("QUEUED_FOR_RETRY").unwrap();
        // The first order whose charge was queued.
        let (t_queued, order) = trace
            .iter()
            .find_map(|e| match e.kind {
                TraceKind::Payment {
                    order,
                    state: PaymentState::QueuedForRetry,
                } => Some((e.t, order)),
                _ => None,
            })
            .expect("a charge was queued");
        let of_order = |e: &&orderflow_sim::trace::TraceEvent| e.order() == Some(order);
        let heard = trace
            .iter()
            .filter(of_order)
            .find(|e| {
                matches!(e.kind, TraceKind::ClientLearned { status, last: false, .. } if status == queued)
            })
            .unwrap_or_else(|| panic!("{mode:?}: o#{order} never heard QUEUED_FOR_RETRY"));
        // Within a second of the charge being queued (a poll or a message).
        assert!(
            heard.t.since(t_queued) < 1_000_000,
            "{mode:?}: heard after {} µs",
            heard.t.since(t_queued)
        );
        let paid = trace
            .iter()
            .filter(of_order)
            .find(|e| {
                matches!(
                    e.kind,
                    TraceKind::Payment {
                        state: PaymentState::Success,
                        ..
                    }
                )
            })
            .expect("charged later by the retry queue's consumer")
            .t;
        assert!(
            paid > heard.t.plus_micros(5_000_000),
            "{mode:?}: paid at {paid}"
        );
        let mx = sim.metrics();
        assert_eq!(mx.client.timeouts, 0, "{mode:?}: nobody times out");
        if mode == Completion::Sync {
            // Its answer was QUEUED_FOR_RETRY; nothing more reaches it.
            assert!(trace.iter().filter(of_order).any(|e| matches!(
                e.kind,
                TraceKind::ClientAnswer {
                    answer: Answer::Accepted,
                    ..
                }
            )));
        } else {
            // The final outcome comes later over the channel.
            assert!(
                trace
                    .iter()
                    .filter(of_order)
                    .any(|e| matches!(e.kind, TraceKind::ClientLearned { last: true, .. }))
            );
        }
        assert_eq!(mx.outcomes.completed, 178, "{mode:?}: {:?}", mx.outcomes);
    }
}

#[test]
fn a_backup_provider_takes_over_when_the_breaker_opens() {
    let model = model_with("payment-breaker", |s| {
        s.services.push(serde_json::from_str(r#"{"id": "backup", "label": "Backup Provider", "kind": "external", "replicas": 2, "concurrency": 16, "latency": {"constant_ms": 200}}"#).unwrap());
        s.handlers.push(
            serde_json::from_str(
                r#"{"service": "backup", "op": "charge", "effect": "provider_charge"}"#,
            )
            .unwrap(),
        );
        let charge = s
            .handlers
            .iter_mut()
            .find(|h| h.service == "payment" && h.op == "charge")
            .unwrap();
        if let orderflow_sim::scenario::Step::Call {
            fallback,
            fallback_policy,
            ..
        } = &mut charge.steps[0]
        {
            *fallback = Some(orderflow_sim::scenario::Fallback::Backup {
                target: "backup.charge".into(),
                timeout_ms: 1000,
            });
            *fallback_policy = Some(FallbackPolicy::BackupProvider);
        }
    });
    let mut sim = sim(&model, 1, Completion::Polling);
    let trace = run_checked(&mut sim);
    let mx = sim.metrics();
    assert_eq!(mx.payments.queued_for_retry, 0);
    assert!(mx.steps.fallbacks > 20);
    // The two failures before the breaker opened are FAILED, as with the
    // queue; every other order went through.
    assert_eq!(mx.outcomes.completed, 178, "{:?}", mx.outcomes);
    assert_eq!(mx.payments.failed, 2);
    // The backup charges while the primary's breaker is open…
    let backup = model.service_index("backup").unwrap();
    assert!(mx.services[backup].succeeded > 20);
    let opened = breaker_times(&trace, BreakerState::Open)[0];
    let closed = breaker_times(&trace, BreakerState::Closed)[0];
    let backup_starts: Vec<SimTime> = trace
        .iter()
        .filter(|e| matches!(e.kind, TraceKind::Started { service, .. } if service == backup))
        .map(|e| e.t)
        .collect();
    assert_eq!(backup_starts.len() as u64, mx.services[backup].succeeded);
    assert!(backup_starts.iter().all(|&t| t >= opened && t <= closed));
    // …and no order is charged twice.
    assert_eq!(mx.payments.duplicate_attempts, 0);
    assert_eq!(mx.payments.captured, mx.payments.success);
    assert_eq!(mx.payments.captured, 178);
}

/// payment-breaker with a sync client, the provider hanging (answers at
/// minutes) from 15 s to 45 s instead of its outage; `breaker`: the charge
/// goes through the breaker (else straight to the provider, no fallback).
fn hanging_provider_run(breaker: bool) -> Sim {
    let model = model_with("payment-breaker", |s| {
        s.faults.clear();
        if !breaker {
            let charge = s
                .handlers
                .iter_mut()
                .find(|h| h.service == "payment" && h.op == "charge")
                .unwrap();
            if let Step::Call {
                breaker,
                fallback,
                fallback_policy,
                ..
            } = &mut charge.steps[0]
            {
                (*breaker, *fallback, *fallback_policy) = (None, None, None);
            }
        }
    });
    let mut sim = sim(&model, 1, Completion::Sync);
    let factor = |factor| Command::SetLatencyFactor {
        service: "provider".into(),
        factor,
    };
    sim.run_until(SimTime::from_secs(15));
    sim.apply(factor(1000.0)).unwrap();
    sim.run_until(SimTime::from_secs(45));
    sim.apply(factor(1.0)).unwrap();
    run_checked(&mut sim);
    sim
}

#[test]
fn a_hanging_provider_exhausts_payments_workers_without_a_breaker_not_with_one() {
    let without = hanging_provider_run(false);
    let with = hanging_provider_run(true);
    let payment = without.model().service_index("payment").unwrap();
    // Without a breaker every charge holds a Payment worker for the whole
    // 30 s step timeout: the workers run out, requests queue (the queue
    // fills and refuses) and sync clients time out.
    let mx = without.metrics();
    let p = &mx.services[payment];
    assert!(p.max_queued >= 100 && p.rejected > 0, "{p:?}");
    assert!(p.queue_wait.quantile_ms(0.99) > 10_000.0);
    assert!(mx.client.timeouts > 50, "{:?}", mx.client);
    // With it, three calls time out after its 5 s `timeout`, it opens, and
    // from then on charges fail fast into the retry queue: no refusals, no
    // client timeouts, every order completed but the two that failed first.
    let mx = with.metrics();
    let p = &mx.services[payment];
    assert_eq!((p.rejected, mx.client.timeouts), (0, 0), "{p:?}");
    assert!(
        p.max_queued < 20 && p.queue_wait.quantile_ms(0.99) < 2_000.0,
        "{p:?}"
    );
    let b = with.breaker(with.model().breaker_index("provider").unwrap());
    assert!(b.counters.short_circuited > 50, "{:?}", b.counters);
    assert_eq!(mx.outcomes.completed, 178, "{:?}", mx.outcomes);
    // Charges that hung and finished late are not captured twice.
    assert_eq!(mx.payments.captured, mx.payments.success);
}
