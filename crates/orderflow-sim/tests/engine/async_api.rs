//! The asynchronous API of document 003: completion channels that drop
//! (SSE resumes, a WebSocket misses), the id strategies as run options, a
//! redelivery that retries a refunded payment, and an accepted order whose
//! message is dead-lettered being rolled back and told FAILED.

use orderflow_sim::ids::OrderId;
use orderflow_sim::order::{Outcome, PaymentState};
use orderflow_sim::scenario::{FaultSpec, IdSource, Scenario};
use orderflow_sim::trace::{Label, Reason, TraceKind};
use orderflow_sim::{Completion, RunOptions, Sim};

use crate::support::*;

/// async-write without its warehouse fault, `orders` orders, pushes that
/// find the connection dropped at `drop_rate`.
fn streams(s: &mut Scenario, orders: u64, drop_rate: f64, resync: bool) {
    s.faults.clear();
    s.workload.orders = orders;
    s.client.stream.drop_rate = drop_rate;
    s.client.stream.resync_on_reconnect = resync;
}

#[test]
fn sse_resumes_after_drops_and_a_websocket_misses_what_was_sent_meanwhile() {
    let model = model_with("async-write", |s| streams(s, 60, 0.25, false));
    let mut sse = sim(&model, 5, Completion::Sse);
    run_checked(&mut sse);
    let mut ws = sim(&model, 5, Completion::Websocket);
    run_checked(&mut ws);
    let (a, b) = (sse.metrics(), ws.metrics());
    // The same drop rate hits both.
    assert!(a.client.stream_drops >= 5, "{:?}", a.client);
    assert!(b.client.stream_drops >= 5, "{:?}", b.client);
    // SSE: every missed event is replayed after the resume; every client
    // learns its outcome.
    assert!(a.client.stream_replays >= a.client.stream_drops);
    assert_eq!(a.completion.count(), 60, "{:?}", a.client);
    assert_eq!(a.outcomes.completed, 60);
    // WebSocket: what was sent during the reconnect is gone.
    assert_eq!(b.client.stream_replays, 0);
    let missed = 60 - b.completion.count();
    assert!(missed >= 5, "missed {missed}: {:?}", b.client);
    // The records are complete either way: only the client's view differs.
    // A client left believing "accepted" about a finished order is judged
    // inconsistent.
    assert_eq!(b.outcomes.completed + b.outcomes.inconsistent, 60);
    assert_eq!(b.outcomes.inconsistent, missed, "{:?}", b.outcomes);
}

#[test]
fn a_websocket_client_that_reads_the_status_after_reconnecting_misses_nothing() {
    let model = model_with("async-write", |s| streams(s, 60, 0.25, true));
    let mut ws = sim(&model, 5, Completion::Websocket);
    run_checked(&mut ws);
    let mx = ws.metrics();
    assert!(mx.client.stream_drops >= 5, "{:?}", mx.client);
    assert_eq!(mx.client.resyncs, mx.client.stream_drops, "{:?}", mx.client);
    assert_eq!(mx.completion.count(), 60, "{:?}", mx.client);
    assert_eq!(mx.outcomes.completed, 60);
}

#[test]
fn every_id_source_runs_in_every_202_mode() {
    let model = model_with("async-write", |s| streams(s, 20, 0.0, false));
    let ids = model.service_index("ids").unwrap();
    for completion in [
        Completion::Polling,
        Completion::Callback,
        Completion::Sse,
        Completion::Websocket,
    ] {
        for id_source in IdSource::ALL {
            let opts = RunOptions {
                completion,
                id_source,
            };
            let mut sim = Sim::with_options(model.clone(), 3, opts).unwrap();
            let trace = run_checked(&mut sim);
            assert_eq!(sim.options(), opts);
            assert_eq!(sim.metrics().outcomes.completed, 20, "{opts:?}");
            let id_requests = count(
                &trace,
                |k| matches!(k, TraceKind::Send { to, label: Label::Op(_), .. } if *to == ids),
            );
            let fetches = if id_source == IdSource::IdService {
                20
            } else {
                0
            };
            assert_eq!(id_requests, fetches, "{opts:?}");
            // The id service is drawn only when it is used.
            assert_eq!(
                model.uses_service(ids, id_source),
                id_source == IdSource::IdService
            );
        }
    }
    // Every other service is always drawn.
    let order = model.service_index("order").unwrap();
    assert!(model.uses_service(order, IdSource::Server));
}

#[test]
fn an_id_service_run_needs_an_id_service() {
    let model = model_with("sync-chain", |_| {});
    let opts = RunOptions {
        completion: Completion::Sync,
        id_source: IdSource::IdService,
    };
    let err = Sim::with_options(model, 1, opts).unwrap_err();
    assert!(err.0.contains("id service"), "{err}");
}

#[test]
fn a_redelivery_after_a_refund_charges_a_new_attempt_and_completes() {
    // The warehouse fails 60 % of shipments from 15 s to 35 s: a worker
    // that charged and then failed to ship refunds and releases; the
    // command comes again, and this time the refunded payment is charged
    // anew instead of being refused as cancelled.
    let model = model_with("async-write", |_| {});
    let mut sim = sim(&model, 1, Completion::Callback);
    let trace = run_checked(&mut sim);
    let mx = sim.metrics();
    assert!(mx.payments.new_attempts >= 3, "{:?}", mx.payments);
    assert!(mx.payments.refunded >= mx.payments.new_attempts);
    // An order refunded and then paid again on a new attempt, completed.
    let retried: Vec<OrderId> = trace
        .iter()
        .filter_map(|e| match e.kind {
            TraceKind::Payment {
                order,
                state: PaymentState::Refunded,
            } => Some(order),
            _ => None,
        })
        .filter(|o| {
            let after_refund = trace
                .iter()
                .skip_while(|e| !matches!(e.kind, TraceKind::Payment { order, state: PaymentState::Refunded } if order == *o))
                .any(|e| matches!(e.kind, TraceKind::Payment { order, state: PaymentState::Success } if order == *o));
            let completed = trace.iter().any(|e| {
                matches!(e.kind, TraceKind::Settled { order, outcome: Outcome::Completed } if order == *o)
            });
            after_refund && completed
        })
        .collect();
    assert!(retried.len() >= 3, "{retried:?}");
    // No redelivery gave up on a refunded payment as a business error.
    assert_eq!(
        count(&trace, |k| matches!(
            k,
            TraceKind::StepFailed {
                reason: Reason::Cancelled,
                ..
            }
        )),
        0
    );
    // Nothing paid twice or paid for nothing.
    assert_eq!(mx.outcomes.inconsistent, 0, "{:?}", mx.outcomes);
    assert_eq!(mx.payments.duplicate_attempts, 0);
}

#[test]
fn a_late_dead_letter_is_rolled_back_and_reported_failed() {
    // Commands wait at most 3 s; the worker is down from 5 s to 20 s. The
    // orders accepted meanwhile expire in the queue after their 202: each
    // is rolled back and its client told FAILED by webhook.
    let model = model_with("async-write", |s| {
        s.faults = vec![FaultSpec::Down {
            service: "order_worker".into(),
            at_ms: 5_000,
            until_ms: 20_000,
        }];
        s.workload.orders = 60;
        let q = &mut s.broker.as_mut().unwrap().queues[0];
        q.ttl_ms = Some(3_000);
    });
    let q = model.queue_index("order_commands").unwrap();
    let mut sim = sim(&model, 2, Completion::Callback);
    let trace = run_checked(&mut sim);
    let mx = sim.metrics().clone();
    let expired = sim.queue(q).counters.expired;
    assert!(expired >= 10, "{:?}", sim.queue(q).counters);
    assert_eq!(mx.steps.rollbacks, expired);
    let failed = model.statuses.iter().position(|s| s == "FAILED").unwrap();
    let told_failed = count(
        &trace,
        |k| matches!(k, TraceKind::ClientLearned { status, last: true, .. } if status.index() == failed),
    );
    assert_eq!(told_failed as u64, expired);
    // Nothing is left half done or untold.
    assert_eq!(mx.outcomes.lost, 0, "{:?}", mx.outcomes);
    assert_eq!(mx.outcomes.inconsistent, 0, "{:?}", mx.outcomes);
    assert_eq!(
        mx.outcomes.completed + mx.outcomes.failed + mx.outcomes.compensated,
        60
    );
}

/// Which queues lead to the client's outcome: a dead letter there fails
/// the order (and rolls it back); one on a side reader's queue does not.
#[test]
fn queues_that_lead_to_the_outcome() {
    let leads = |name: &str| -> Vec<(String, bool)> {
        let m = orderflow_sim::presets::model(name).unwrap().unwrap();
        m.queues
            .iter()
            .filter(|q| !q.is_dead_letter_queue)
            .map(|q| (q.id.clone(), q.leads_to_outcome))
            .collect()
    };
    let v = |xs: &[(&str, bool)]| -> Vec<(String, bool)> {
        xs.iter().map(|(q, b)| (q.to_string(), *b)).collect()
    };
    // OrderHistory reads OrderPlaced and the OrderStatus events; the
    // executor tells the client READY.
    assert_eq!(
        leads("pizza"),
        v(&[
            ("order_q", true),
            ("history_q", false),
            ("executor_q", true),
            ("status_q", false)
        ])
    );
    // The kitchen publishes MealReady to delivery, which completes.
    assert_eq!(
        leads("food-ordering"),
        v(&[("kitchen_q", true), ("delivery_q", true)])
    );
    assert_eq!(leads("async-write"), v(&[("order_commands", true)]));
    // Shipping and the notification come after the answer.
    assert_eq!(
        leads("hybrid-queue"),
        v(&[("warehouse_q", false), ("notification_q", false)])
    );
}

/// Kept from the 10,000-schedule sweep (pizza 3337, 3747, 4161, 5373, 6935,
/// 9816): OrderHistory failing every delivery of an event had the broker
/// roll the order back and tell the client FAILED while the pizza was
/// being made and then delivered (told FAILED, pizza READY). OrderHistory
/// is a side reader the order does not wait for: its dead letters are
/// counted and kept, the order goes on.
#[test]
fn a_dead_letter_of_a_side_reader_does_not_fail_the_order() {
    let model = model_with("pizza", |s| {
        s.faults = vec![FaultSpec::ErrorRate {
            service: "order_history".into(),
            rate: 1.0,
            at_ms: 0,
            until_ms: 30_000,
        }];
        s.workload.orders = 30;
    });
    let mut sim = sim(&model, 1, Completion::Sse);
    let trace = run_checked(&mut sim);
    let mx = sim.metrics().clone();
    let dead = count(&trace, |k| matches!(k, TraceKind::DeadLetter { .. }));
    assert!(dead >= 30, "{dead} dead letters");
    assert_eq!(mx.steps.rollbacks, 0);
    let failed = model.statuses.iter().position(|s| s == "FAILED").unwrap();
    let told_failed = count(
        &trace,
        |k| matches!(k, TraceKind::ClientLearned { status, last: true, .. } if status.index() == failed),
    );
    assert_eq!(told_failed, 0);
    // Every pizza was made and every client told READY; the orders whose
    // history was never recorded are inconsistent, as they are.
    assert_eq!(
        mx.outcomes.failed + mx.outcomes.lost,
        0,
        "{:?}",
        mx.outcomes
    );
    assert!(mx.outcomes.inconsistent > 0, "{:?}", mx.outcomes);
}

/// Kept from the 10,000-schedule sweep (pizza 544, 1547, 8899): the
/// executor failed every delivery of an order's OrderPlaced, the message was
/// dead-lettered and the client told FAILED, but OrderHistory still showed
/// the order as placed (inconsistent). The executor's queue now names a
/// rollback: OrderHistory records that the order failed.
#[test]
fn a_dead_lettered_pizza_is_struck_from_the_history() {
    let model = model_with("pizza", |s| {
        s.faults = vec![FaultSpec::ErrorRate {
            service: "order_executor".into(),
            rate: 1.0,
            at_ms: 0,
            until_ms: 30_000,
        }];
        s.workload.orders = 30;
    });
    let mut sim = sim(&model, 1, Completion::Callback);
    each_dead_letter_failed_and_rolled_back(&mut sim);
}

/// The race the fix above left open: an order's cancel reaches the history
/// before its record does (here the record is read from `history_q` by a
/// reader that is down while the executor dead-letters the order). The
/// cancel strikes the fact off and keeps it off, so the late record does
/// not show a failed order as placed again.
#[test]
fn a_cancel_that_overtakes_its_record_keeps_the_order_struck_off() {
    let model = model_with("pizza", |s| {
        s.faults = vec![
            FaultSpec::ErrorRate {
                service: "order_executor".into(),
                rate: 1.0,
                at_ms: 0,
                until_ms: 30_000,
            },
            FaultSpec::Down {
                service: "history_reader".into(),
                at_ms: 0,
                until_ms: 120_000,
            },
        ];
        s.workload.orders = 30;
        let history = s.services.iter().find(|v| v.id == "order_history");
        let mut reader = history.unwrap().clone();
        reader.id = "history_reader".into();
        reader.label = Some("History reader".into());
        s.services.push(reader);
        let record = s.handlers.iter().find(|h| h.op == "record");
        let mut record = record.unwrap().clone();
        record.service = "history_reader".into();
        s.handlers.push(record);
        let broker = s.broker.as_mut().unwrap();
        let c = broker.consumers.iter_mut().find(|c| c.queue == "history_q");
        c.unwrap().handler = "history_reader.record".into();
    });
    let mut sim = sim(&model, 1, Completion::Callback);
    each_dead_letter_failed_and_rolled_back(&mut sim);
}

/// Runs `sim` to the end: at least ten orders dead-lettered, each rolled
/// back and failed, and none left inconsistent or lost.
fn each_dead_letter_failed_and_rolled_back(sim: &mut Sim) {
    let trace = run_checked(sim);
    let mx = sim.metrics().clone();
    let dead = count(&trace, |k| matches!(k, TraceKind::DeadLetter { .. }));
    assert!(dead >= 10, "{dead} dead letters");
    assert_eq!(mx.steps.rollbacks as usize, dead);
    assert_eq!(mx.outcomes.failed as usize, dead, "{:?}", mx.outcomes);
    assert_eq!(
        (mx.outcomes.inconsistent, mx.outcomes.lost),
        (0, 0),
        "{:?}",
        mx.outcomes
    );
}
