//! Documents 000 and 001 on stock, undoing and best-effort steps: an order
//! out of stock is refused and moves nothing, stock changes (restocks,
//! `set_stock`) are accounted for, a compensation can be sent without
//! waiting, a failed notification cancels nothing, expired messages are
//! counted, and a kitchen drops the ticket of an order whose payment failed.

use orderflow_sim::order::{Answer, StockState};
use orderflow_sim::scenario::{
    Compensate, CompensateMode, CompensateSpec, FaultSpec, Restock, Scenario, Step, StockDetail,
    StockSpec,
};
use orderflow_sim::trace::{Reason, TraceKind};
use orderflow_sim::{Command, Completion, SimTime};

use crate::support::*;

/// The inventory's stock of `sku` set to `spec` (sync-chain, hybrid…).
fn set_stock(s: &mut Scenario, sku: &str, spec: StockSpec) {
    let inv = s.services.iter_mut().find(|v| v.id == "inventory").unwrap();
    inv.stock.as_mut().unwrap().insert(sku.into(), spec);
}

#[test]
fn an_order_out_of_stock_is_refused_and_moves_no_counter() {
    let model = model_with("sync-chain", |s| {
        s.faults.clear();
        s.workload.orders = 40;
        set_stock(s, "SKU-RED", StockSpec::Units(4));
    });
    let red = model.sku_index("SKU-RED").unwrap();
    let mut sim = sim(&model, 1, Completion::Sync);
    let mut refusals = 0u64;
    loop {
        let before = sim.stock()[red];
        if !sim.step() {
            break;
        }
        let after = sim.stock()[red];
        if after.out_of_stock != before.out_of_stock {
            refusals += 1;
            assert_eq!(after.out_of_stock, before.out_of_stock + 1);
            // Nothing else moved: the refusal changed no unit.
            let units = |l: orderflow_sim::sim::StockLevel| {
                (l.available, l.reserved, l.shipped, l.added, l.removed)
            };
            assert_eq!(units(after), units(before), "at {}", sim.now());
        }
        sim.check_invariants().unwrap();
    }
    let trace = sim.drain_trace();
    let mx = sim.metrics();
    assert!(refusals >= 3, "only {refusals} refusals");
    // Two units per SKU-RED order: the first two got them.
    assert_eq!(sim.stock()[red].shipped, 4);
    // Each refused order failed cleanly: told so, nothing to undo.
    assert_eq!(mx.outcomes.failed, refusals);
    assert_eq!(mx.outcomes.compensated + mx.outcomes.inconsistent, 0);
    let refused = count(&trace, |k| {
        matches!(
            k,
            TraceKind::StepFailed {
                reason: Reason::OutOfStock,
                ..
            }
        )
    });
    assert_eq!(refused as u64, refusals);
    let told_failed = count(&trace, |k| {
        matches!(
            k,
            TraceKind::ClientAnswer {
                answer: Answer::Failure,
                ..
            }
        )
    });
    assert_eq!(told_failed as u64, refusals);
}

#[test]
fn set_stock_empties_and_refills_a_sku_and_is_accounted_for() {
    let model = model_with("sync-chain", |s| {
        s.faults.clear();
        s.workload.orders = 80;
    });
    let red = model.sku_index("SKU-RED").unwrap();
    let mut sim = sim(&model, 2, Completion::Sync);
    let sold_out = Command::SetStock {
        sku: "SKU-RED".into(),
        units: 0,
    };
    let delivery = Command::SetStock {
        sku: "SKU-RED".into(),
        units: 500,
    };
    sim.schedule(SimTime::from_secs(2), sold_out).unwrap();
    sim.schedule(SimTime::from_secs(12), delivery).unwrap();
    sim.run_until(SimTime::from_secs(11));
    let mid = sim.stock()[red];
    assert_eq!(mid.available, 0, "{mid:?}");
    assert!(
        mid.out_of_stock > 0,
        "orders of SKU-RED were refused: {mid:?}"
    );
    run_checked(&mut sim);
    let end = sim.stock()[red];
    assert_eq!(
        end.out_of_stock, mid.out_of_stock,
        "none refused after the delivery"
    );
    // 50 at the start, restocks of 10 every 20 s, the count to 0 and to 500.
    assert!(end.removed > 0 && end.added >= 500, "{end:?}");
    assert_eq!(end.total(), 50 + end.added - end.removed);
    assert_eq!(sim.applied_commands().len(), 2);
    // Bad commands name their field and change nothing.
    let bad = [
        (
            Command::SetStock {
                sku: "SKU-GREEN".into(),
                units: 1,
            },
            "sku",
        ),
        (
            Command::SetStock {
                sku: "SKU-RED".into(),
                units: u32::MAX,
            },
            "units",
        ),
    ];
    for (cmd, field) in bad {
        let err = sim.validate(&cmd).unwrap_err();
        assert!(err.0.starts_with(field), "{err}");
    }
    let no_inventory = model_with("mmc", |_| {});
    let err = orderflow_sim::Sim::new(no_inventory, 1)
        .validate(&Command::SetStock {
            sku: "SKU-RED".into(),
            units: 1,
        })
        .unwrap_err();
    assert!(err.0.contains("no inventory"), "{err}");
}

#[test]
fn restocks_arrive_on_schedule_and_stop_when_the_orders_do() {
    let model = model_with("sync-chain", |s| {
        s.faults.clear();
        s.workload.orders = 100; // about 25 s at 4 orders/s
        set_stock(
            s,
            "SKU-RED",
            StockSpec::Detailed(StockDetail {
                units: 0,
                restock: Some(Restock {
                    every_ms: 5_000,
                    units: 3,
                    // A shelf this run never fills: a delivery every 5 s.
                    max_units: Some(1_000),
                }),
            }),
        );
    });
    let red = model.sku_index("SKU-RED").unwrap();
    let mut sim = sim(&model, 4, Completion::Sync);
    let trace = run_checked(&mut sim);
    let restocks: Vec<SimTime> = trace
        .iter()
        .filter(|e| matches!(e.kind, TraceKind::Restock { sku, units: 3, .. } if sku == red))
        .map(|e| e.t)
        .collect();
    assert!(restocks.len() >= 5, "{restocks:?}");
    for (i, t) in restocks.iter().enumerate() {
        assert_eq!(*t, SimTime::from_secs(5 * (i as u64 + 1)));
    }
    // The last one came while orders were still open, and the run ended.
    assert!(sim.is_finished());
    let last_settled = trace
        .iter()
        .filter(|e| matches!(e.kind, TraceKind::Settled { .. }))
        .map(|e| e.t)
        .max()
        .unwrap();
    assert!(*restocks.last().unwrap() <= last_settled.plus_micros(5_000_000));
    let l = sim.stock()[red];
    assert_eq!(l.added, 3 * restocks.len() as u64);
    assert!(l.out_of_stock > 0, "{l:?}");
}

/// The shelf is filled up to its level and never above; while it is full
/// no delivery is booked, and one is booked again `every_ms` after a
/// reservation takes it below its level.
#[test]
fn a_restock_fills_the_shelf_up_to_its_level_and_sleeps_while_it_is_full() {
    let model = model_with("sync-chain", |s| {
        s.faults.clear();
        s.workload.orders = 200;
        set_stock(
            s,
            "SKU-RED",
            StockSpec::Detailed(StockDetail {
                units: 6,
                restock: Some(Restock {
                    every_ms: 500,
                    units: 4,
                    max_units: Some(8),
                }),
            }),
        );
    });
    let red = model.sku_index("SKU-RED").unwrap();
    let mut sim = sim(&model, 9, Completion::Sync);
    let mut max_available = 0;
    let mut trace = Vec::new();
    while sim.step() {
        max_available = max_available.max(sim.stock()[red].available);
        trace.extend(sim.drain_trace());
    }
    trace.extend(sim.drain_trace());
    assert!(
        max_available <= 8,
        "the shelf went above its level: {max_available}"
    );
    let restocks: Vec<(SimTime, u32, u64)> = trace
        .iter()
        .filter_map(|e| match e.kind {
            TraceKind::Restock {
                sku,
                units,
                available,
            } if sku == red => Some((e.t, units, available)),
            _ => None,
        })
        .collect();
    assert!(restocks.len() >= 3, "{restocks:?}");
    for (_, units, available) in &restocks {
        assert!((1..=4).contains(units) && *available <= 8, "{restocks:?}");
    }
    // A delivery that found the shelf full booked no next one: the next
    // came `every_ms` after the reservation that emptied a slot.
    let reservations: Vec<SimTime> = trace
        .iter()
        .filter(|e| {
            matches!(e.kind, TraceKind::Stock { sku, state: StockState::Reserved, .. } if sku == red)
        })
        .map(|e| e.t)
        .collect();
    let slept = restocks.iter().filter(|r| r.2 == 8).count();
    assert!(slept >= 1, "the shelf was never full: {restocks:?}");
    for pair in restocks.windows(2) {
        let ((t0, _, full), (t1, _, _)) = (pair[0], pair[1]);
        if full == 8 {
            let woke = reservations
                .iter()
                .find(|&&r| r >= t0)
                .expect("a reservation woke it");
            assert_eq!(t1, woke.plus_micros(500_000), "{restocks:?}");
        } else {
            assert_eq!(t1, t0.plus_micros(500_000), "{restocks:?}");
        }
    }
    let l = sim.stock()[red];
    let added: u64 = restocks.iter().map(|r| u64::from(r.1)).sum();
    assert_eq!(l.added, added);
}

/// Found by `fuzz_commands` (seed 20261202, input 11,456): food-ordering
/// with Delivery down for good, asked to run to the end of time. Its
/// orders never settle, so the shop stays open; RAMEN's restock used to
/// add 4 units every 40 s for ever (12 million units after 3 million
/// events) and the run never ended. Now the shelf fills up to its level
/// and then books nothing: the run runs out of events.
#[test]
fn a_run_waiting_for_ever_on_a_consumer_that_is_down_still_ends() {
    let model = model_with("food-ordering", |s| s.faults.clear());
    let ramen = model.sku_index("RAMEN").unwrap();
    let mut sim = orderflow_sim::Sim::new(model.clone(), 16);
    sim.run_until(SimTime::from_secs(52));
    sim.apply(Command::SetUp {
        service: "delivery".into(),
        up: false,
    })
    .unwrap();
    let before = sim.events_processed();
    let finished = sim.run_to_end(2_000_000);
    assert!(finished, "still running after 2,000,000 events");
    assert!(sim.events_processed() - before < 1_000_000);
    // The preset's shelf holds 24.
    assert!(
        sim.stock()[ramen].available <= 24,
        "{:?}",
        sim.stock()[ramen]
    );
    sim.check_invariants().unwrap();
}

/// Hybrid with every payment failing; the reservation undone by `mode`.
fn hybrid_failing_payments(mode: CompensateMode) -> std::sync::Arc<orderflow_sim::Model> {
    model_with("hybrid", |s| {
        s.faults = vec![FaultSpec::ErrorRate {
            service: "payment".into(),
            rate: 1.0,
            at_ms: 0,
            until_ms: 1_000_000,
        }];
        s.workload.orders = 12;
        let place = s.handlers.iter_mut().find(|h| h.op == "place").unwrap();
        for step in &mut place.steps {
            if let Step::Call {
                target, compensate, ..
            } = step
                && target == "inventory.reserve"
            {
                *compensate = Some(Compensate::Detailed(CompensateSpec {
                    target: "inventory.release".into(),
                    mode,
                }));
            }
        }
    })
}

#[test]
fn a_sent_compensation_answers_the_client_before_the_stock_is_released() {
    for (mode, release_first) in [(CompensateMode::Send, false), (CompensateMode::Call, true)] {
        let model = hybrid_failing_payments(mode);
        let mut sim = sim(&model, 3, Completion::Sync);
        let trace = run_checked(&mut sim);
        let mx = sim.metrics();
        assert_eq!(mx.outcomes.compensated, 12, "{mode:?}: {:?}", mx.outcomes);
        // Every unit came back in the end.
        assert!(sim.stock().iter().all(|l| l.reserved == 0), "{mode:?}");
        for o in 1..=12 {
            let o = orderflow_sim::ids::OrderId(o);
            let at = |f: &dyn Fn(&TraceKind) -> bool| {
                trace
                    .iter()
                    .position(|e| e.order() == Some(o) && f(&e.kind))
                    .unwrap_or_else(|| panic!("{mode:?} o#{o}"))
            };
            let answered = at(&|k| {
                matches!(
                    k,
                    TraceKind::ClientAnswer {
                        answer: Answer::Failure,
                        ..
                    }
                )
            });
            let released = at(&|k| {
                matches!(
                    k,
                    TraceKind::Stock {
                        state: StockState::Released,
                        ..
                    }
                )
            });
            assert_eq!(released < answered, release_first, "{mode:?} o#{o}");
        }
    }
}

#[test]
fn a_sent_compensation_to_a_service_that_is_down_is_lost() {
    // Nobody waits for the release: with Inventory down when it is sent,
    // the units stay reserved for an order that failed.
    let model = model_with("hybrid", |s| {
        s.faults = vec![
            FaultSpec::ErrorRate {
                service: "payment".into(),
                rate: 1.0,
                at_ms: 0,
                until_ms: 1_000_000,
            },
            FaultSpec::Latency {
                service: "payment".into(),
                factor: 100.0,
                at_ms: 0,
                until_ms: 1_000_000,
            },
        ];
        s.workload.orders = 1;
    });
    let mut sim = sim(&model, 1, Completion::Sync);
    // The reservation is done well before the slowed payment fails.
    sim.run_until(SimTime::from_millis(200));
    sim.apply(Command::SetUp {
        service: "inventory".into(),
        up: false,
    })
    .unwrap();
    run_checked(&mut sim);
    assert_eq!(sim.metrics().outcomes.inconsistent, 1);
    assert_eq!(sim.metrics().steps.compensations, 1);
    assert!(sim.stock().iter().map(|l| l.reserved).sum::<u64>() > 0);
}

#[test]
fn notification_down_cancels_no_order() {
    let model = model_with("sync-chain", |s| {
        s.faults = vec![FaultSpec::Down {
            service: "notification".into(),
            at_ms: 0,
            until_ms: 1_000_000,
        }];
        s.workload.orders = 40;
        set_stock(s, "SKU-RED", StockSpec::Units(500_000));
    });
    let mut sim = sim(&model, 5, Completion::Sync);
    run_checked(&mut sim);
    let mx = sim.metrics();
    assert_eq!(mx.outcomes.completed, 40, "{:?}", mx.outcomes);
    assert_eq!(mx.steps.compensations, 0);
    assert_eq!(mx.steps.best_effort_failures, 40);
    assert_eq!(mx.payments.refunded, 0);
}

#[test]
fn expired_messages_are_counted_and_traced_never_lost_silently() {
    let model = model_with("hybrid-queue", |s| s.workload.orders = 150);
    let q = model.queue_index("notification_q").unwrap();
    let w = model.queue_index("warehouse_q").unwrap();
    let mut sim = sim(&model, 1, Completion::Sync);
    let trace = run_checked(&mut sim);
    let c = sim.queue(q).counters;
    assert!(c.expired >= 10, "{c:?}");
    let traced = count(
        &trace,
        |k| matches!(k, TraceKind::DeadLetter { queue, reason: Reason::Expired, .. } if *queue == q),
    );
    assert_eq!(traced as u64, c.expired);
    // Every message is accounted for: acked, or dead-lettered (expired ones
    // included), none lost, none left.
    assert_eq!(c.published, c.acked + c.dead_lettered + c.lost);
    assert_eq!(c.lost, 0);
    // The warehouse's messages outlive its outage.
    assert_eq!(sim.queue(w).counters.expired, 0);
    assert_eq!(sim.metrics().outcomes.completed, 150);
}

#[test]
fn the_kitchen_drops_the_ticket_of_an_unpaid_order_without_cooking() {
    let model = model_with("food-ordering", |s| {
        s.faults = vec![FaultSpec::Down {
            service: "provider".into(),
            at_ms: 0,
            until_ms: 1_000_000,
        }];
        s.workload.orders = 8;
    });
    let kitchen_q = model.queue_index("kitchen_q").unwrap();
    let delivery_q = model.queue_index("delivery_q").unwrap();
    let mut sim = sim(&model, 1, Completion::Push);
    run_checked(&mut sim);
    let mx = sim.metrics();
    // The kitchen heard of every order, cooked none, and consumed each
    // ticket once (no redelivery, no dead letter).
    let k = sim.queue(kitchen_q).counters;
    assert_eq!(
        (k.published, k.acked, k.redelivered, k.dead_lettered),
        (8, 8, 0, 0)
    );
    assert_eq!(sim.queue(delivery_q).counters.published, 0);
    assert_eq!(mx.outcomes.compensated, 8, "{:?}", mx.outcomes);
    assert!(
        sim.stock()
            .iter()
            .all(|l| l.reserved == 0 && l.shipped == 0)
    );
}

#[test]
fn the_number_form_of_stock_still_loads_beside_the_restock_form() {
    let stock: std::collections::BTreeMap<String, StockSpec> = serde_json::from_str(
        r#"{"A": 7, "B": {"units": 3, "restock": {"every_ms": 100, "units": 2}}}"#,
    )
    .unwrap();
    assert_eq!(stock["A"], StockSpec::Units(7));
    assert_eq!(stock["B"].units(), 3);
    assert_eq!(
        stock["B"].restock(),
        Some(Restock {
            every_ms: 100,
            units: 2,
            max_units: None,
        })
    );
    let typo = serde_json::from_str::<StockSpec>(r#"{"units": 3, "restok": {}}"#);
    assert!(typo.is_err());
}
