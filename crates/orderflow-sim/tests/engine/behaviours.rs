//! Each pattern does what its documents say, observed through metrics and
//! the trace.

use orderflow_sim::order::Outcome;
use orderflow_sim::scenario::{Arrival, FaultSpec, Scenario};
use orderflow_sim::trace::{Reason, TraceKind};
use orderflow_sim::{Command, Completion, SimTime};

use crate::support::*;

fn no_faults(s: &mut Scenario) {
    s.faults.clear();
}

#[test]
fn sync_chain_latency_is_the_sum_of_the_calls() {
    let model = model_with("sync-chain", no_faults);
    let mut sim = sim(&model, 3, Completion::Sync);
    run_checked(&mut sim);
    let mx = sim.metrics();
    // Every order completes but those of SKU-RED once it ran out.
    let refused: u64 = sim.stock().iter().map(|l| l.out_of_stock).sum();
    assert!(refused > 0);
    assert_eq!(mx.outcomes.completed + refused, 240);
    // Order ~3 ms + inventory ~8 + payment ~5 + provider ~120 + warehouse ~40
    // + notification ~25, plus network hops: the median is well above 150 ms.
    let p50 = mx.response.quantile_ms(0.5);
    assert!(p50 > 150.0 && p50 < 350.0, "sync chain median {p50} ms");
}

#[test]
fn sync_chain_with_payment_down_fails_the_order_and_restores_stock() {
    let model = model_with("sync-chain", |s| {
        s.faults = vec![FaultSpec::Down {
            service: "payment".into(),
            at_ms: 0,
            until_ms: 1_000_000,
        }];
        s.workload.orders = 30;
    });
    let mut sim = sim(&model, 1, Completion::Sync);
    let trace = run_checked(&mut sim);
    let mx = sim.metrics().clone();
    assert_eq!(mx.outcomes.compensated, 30, "{:?}", mx.outcomes);
    assert_eq!(mx.outcomes.inconsistent, 0);
    // Every reservation was released (and a restock came meanwhile).
    for (level, (_, initial)) in sim.stock().iter().zip(&model.skus) {
        assert_eq!(
            level.available,
            u64::from(*initial) + level.added,
            "stock not restored: {level:?}"
        );
    }
    assert!(count(&trace, |k| matches!(k, TraceKind::Compensate { .. })) >= 30);
    assert_eq!(
        count(&trace, |k| matches!(
            k,
            TraceKind::Drop {
                reason: Reason::Unavailable,
                ..
            }
        )),
        30
    );
}

#[test]
fn fire_and_forget_places_orders_that_are_never_paid() {
    let model = model_with("fire-and-forget", |s| {
        s.faults = vec![FaultSpec::Down {
            service: "payment".into(),
            at_ms: 0,
            until_ms: 1_000_000,
        }];
        s.workload.orders = 30;
    });
    let mut sim = sim(&model, 1, Completion::Sync);
    run_checked(&mut sim);
    let mx = sim.metrics();
    // The client heard "placed" for all of them, fast.
    assert!(mx.response.quantile_ms(0.99) < 20.0);
    assert_eq!(mx.outcomes.inconsistent, 30, "{:?}", mx.outcomes);
    assert_eq!(mx.payments.captured, 0);
}

#[test]
fn hybrid_releases_stock_when_payment_fails() {
    let model = model_with("hybrid", |s| {
        s.faults = vec![FaultSpec::ErrorRate {
            service: "payment".into(),
            rate: 1.0,
            at_ms: 0,
            until_ms: 1_000_000,
        }];
        s.workload.orders = 20;
    });
    for mode in [
        Completion::Sync,
        Completion::Polling,
        Completion::Callback,
        Completion::Push,
    ] {
        let mut sim = sim(&model, 2, mode);
        run_checked(&mut sim);
        let mx = sim.metrics();
        assert_eq!(mx.outcomes.compensated, 20, "{mode:?}: {:?}", mx.outcomes);
        assert!(
            sim.stock()
                .iter()
                .all(|l| l.reserved == 0 && l.shipped == 0),
            "{mode:?}"
        );
    }
}

#[test]
fn a_durable_queue_builds_a_backlog_that_drains_with_nothing_lost() {
    let model = model_with("hybrid-queue", |s| s.workload.orders = 200);
    let mut sim = sim(&model, 5, Completion::Sync);
    // The preset takes the warehouse down from 15 s to 35 s.
    sim.run_until(SimTime::from_secs(34));
    let q = model.queue_index("warehouse_q").unwrap();
    let backlog = sim.queue(q).ready;
    assert!(
        backlog > 50,
        "backlog while the warehouse is down: {backlog}"
    );
    run_checked(&mut sim);
    let v = sim.queue(q);
    assert_eq!((v.ready, v.inflight), (0, 0));
    assert_eq!(v.counters.acked, 200);
    let mx = sim.metrics();
    assert_eq!(mx.outcomes.completed, 200, "{:?}", mx.outcomes);
    assert_eq!(mx.outcomes.lost + mx.outcomes.inconsistent, 0);
}

#[test]
fn a_transient_queue_loses_messages_on_a_broker_restart_and_a_durable_one_does_not() {
    for durable in [true, false] {
        let model = model_with("hybrid-queue", |s| {
            for q in s.broker.as_mut().unwrap().queues.iter_mut() {
                q.durable = durable;
            }
            s.workload.orders = 100;
            s.faults = vec![
                FaultSpec::Down {
                    service: "warehouse".into(),
                    at_ms: 0,
                    until_ms: 15_000,
                },
                FaultSpec::BrokerRestart {
                    at_ms: 10_000,
                    downtime_ms: 500,
                },
            ];
        });
        let mut sim = sim(&model, 9, Completion::Sync);
        let trace = run_checked(&mut sim);
        let lost = count(&trace, |k| matches!(k, TraceKind::MessageLost { .. }));
        let mx = sim.metrics();
        if durable {
            assert_eq!(lost, 0);
            assert_eq!(
                mx.outcomes.lost + mx.outcomes.inconsistent,
                0,
                "{:?}",
                mx.outcomes
            );
        } else {
            assert!(lost > 20, "transient messages lost: {lost}");
            // Paid, told "completed", never shipped.
            assert!(mx.outcomes.inconsistent > 0, "{:?}", mx.outcomes);
        }
    }
}

#[test]
fn failing_deliveries_are_redelivered_then_dead_lettered() {
    let model = model_with("hybrid-queue", |s| {
        s.workload.orders = 10;
        s.faults.clear();
        s.services
            .iter_mut()
            .find(|v| v.id == "warehouse")
            .unwrap()
            .error_rate = 1.0;
    });
    let mut sim = sim(&model, 4, Completion::Sync);
    let trace = run_checked(&mut sim);
    let wq = model.queue_index("warehouse_q").unwrap();
    let dlq = model.queue_index("dead_letters").unwrap();
    let w = sim.queue(wq).counters;
    assert_eq!(w.delivered, 10 * 5, "five deliveries each");
    assert_eq!(w.redelivered, 10 * 4);
    assert_eq!(w.dead_lettered, 10);
    assert_eq!(sim.queue(dlq).ready, 10, "dead letters wait in their queue");
    assert_eq!(
        count(&trace, |k| matches!(
            k,
            TraceKind::DeadLetter {
                reason: Reason::MaxDeliveries,
                ..
            }
        )),
        10
    );
    assert_eq!(
        sim.metrics().outcomes.inconsistent,
        10,
        "paid but never shipped"
    );
}

#[test]
fn deliveries_held_by_a_consumer_that_dies_come_back_after_the_visibility_timeout() {
    // Slow shipments (20 s each, more than the 10 s visibility timeout) are
    // not redelivered while the warehouse works on them: it extends the
    // timeout. When it dies holding them, they come back.
    let model = model_with("hybrid-queue", |s| {
        s.workload.orders = 3;
        s.workload.arrival = Arrival::Single;
        s.faults = vec![FaultSpec::Down {
            service: "warehouse".into(),
            at_ms: 14_000,
            until_ms: 15_000,
        }];
        s.handlers
            .iter_mut()
            .find(|h| h.service == "warehouse" && h.op == "ship")
            .unwrap()
            .latency = Some(orderflow_sim::scenario::Latency::Constant(20_000.0));
    });
    let mut sim = sim(&model, 4, Completion::Sync);
    let trace = run_checked(&mut sim);
    let wq = model.queue_index("warehouse_q").unwrap();
    let c = sim.queue(wq).counters;
    assert!(c.extended >= 1, "{c:?}");
    assert_eq!(
        count(&trace, |k| matches!(
            k,
            TraceKind::Redelivery {
                reason: Reason::Timeout,
                ..
            }
        )),
        1
    );
    assert_eq!(sim.metrics().outcomes.completed, 1);
}

#[test]
fn polling_wastes_polls_and_callbacks_do_not() {
    let model = model_with("async-write", |s| {
        s.workload.orders = 50;
        s.faults.clear();
    });
    let mut polling = sim(&model, 8, Completion::Polling);
    run_checked(&mut polling);
    let mut callback = sim(&model, 8, Completion::Callback);
    run_checked(&mut callback);
    let mut push = sim(&model, 8, Completion::Push);
    run_checked(&mut push);
    let (p, c, u) = (
        polling.metrics().clone(),
        callback.metrics().clone(),
        push.metrics().clone(),
    );
    assert!(
        p.client.polls >= 50 && p.client.wasted_polls > 0,
        "{:?}",
        p.client
    );
    assert_eq!((c.client.polls, c.client.wasted_polls), (0, 0));
    assert_eq!((u.client.polls, u.client.wasted_polls), (0, 0));
    assert_eq!(c.client.callbacks_sent, 50);
    assert_eq!(u.client.pushes_sent, 50);
    for mx in [&p, &c, &u] {
        assert_eq!(mx.outcomes.completed, 50, "{:?}", mx.outcomes);
        // The 202 comes back long before the work is done.
        assert!(mx.response.quantile_ms(0.5) < 30.0);
        assert!(mx.consistency_window.quantile_ms(0.5) > 100.0);
    }
    // Polling finds out later than a callback: up to a poll interval plus
    // the status store's replication lag.
    assert!(p.detection_lag.quantile_ms(0.5) > c.detection_lag.quantile_ms(0.5) + 100.0);
    assert!(
        p.detection_lag.quantile_ms(1.0) <= 500.0 + 300.0 + 50.0,
        "{}",
        p.detection_lag.quantile_ms(1.0)
    );
}

#[test]
fn client_generated_ids_and_an_id_service_both_work() {
    use orderflow_sim::scenario::IdSource;
    let model = model_with("async-write", |s| {
        s.workload.orders = 20;
        s.faults.clear();
    });
    for source in [IdSource::Client, IdSource::IdService] {
        let opts = orderflow_sim::RunOptions {
            completion: Completion::Polling,
            id_source: source,
        };
        let mut sim = orderflow_sim::Sim::with_options(model.clone(), 8, opts).unwrap();
        let trace = run_checked(&mut sim);
        assert_eq!(sim.metrics().outcomes.completed, 20, "{source:?}");
        let id_requests = count(
            &trace,
            |k| matches!(k, TraceKind::Send { label: orderflow_sim::trace::Label::Op(h), .. } if model.handlers[*h].name == "ids.issue"),
        );
        assert_eq!(
            id_requests,
            if source == IdSource::IdService { 20 } else { 0 }
        );
    }
}

#[test]
fn webhook_deliveries_are_retried_and_failures_counted() {
    let model = model_with("async-write", |s| {
        s.faults.clear();
        s.workload.orders = 40;
        s.client.callback.failure_rate = 0.5;
        s.client.callback.max_attempts = 3;
    });
    let mut sim = sim(&model, 11, Completion::Callback);
    run_checked(&mut sim);
    let c = sim.metrics().client;
    assert!(c.callback_failures > 10, "{c:?}");
    // Every failure but the last of an abandoned delivery leads to a retry.
    assert_eq!(
        c.callbacks_sent,
        40 + c.callback_failures - c.callbacks_abandoned,
        "{c:?}"
    );
    // With three attempts at 50%, about one in eight gives up.
    assert!(
        c.callbacks_abandoned > 0 && c.callbacks_abandoned < 15,
        "{c:?}"
    );
    // A client whose webhook never arrived never learned the outcome.
    let o = sim.metrics().outcomes;
    assert_eq!(o.completed + o.inconsistent, 40, "{o:?}");
    assert_eq!(o.inconsistent, c.callbacks_abandoned);
}

#[test]
fn kitchen_meal_ready_triggers_delivery() {
    let model = model_with("food-ordering", |s| s.workload.orders = 10);
    for mode in [Completion::Push, Completion::Polling, Completion::Callback] {
        let mut sim = sim(&model, 2, mode);
        let trace = run_checked(&mut sim);
        assert_eq!(sim.metrics().outcomes.completed, 10, "{mode:?}");
        // For one order: the kitchen's MealReady publish comes before the delivery starts.
        let o = orderflow_sim::ids::OrderId(3);
        let meal_ready = trace.iter().position(|e| e.order() == Some(o) && matches!(&e.kind, TraceKind::Send { label: orderflow_sim::trace::Label::Publish(k), .. } if model.messages[*k] == "MealReady")).unwrap();
        let delivery = model.service_index("delivery").unwrap();
        let delivered_to_courier = trace
            .iter()
            .position(|e| {
                e.order() == Some(o)
                    && matches!(e.kind, TraceKind::Send { to, .. } if to == delivery)
            })
            .unwrap();
        assert!(meal_ready < delivered_to_courier);
    }
}

#[test]
fn pizza_status_events_reach_the_customer_in_order() {
    let model = model_with("pizza", |s| {
        s.workload.orders = 6;
        s.client.callback.failure_rate = 0.0;
    });
    let mut sim = sim(&model, 2, Completion::Callback);
    let trace = run_checked(&mut sim);
    let statuses: Vec<&str> = trace
        .iter()
        .filter_map(|e| match e.kind {
            TraceKind::ClientLearned {
                order: orderflow_sim::ids::OrderId(1),
                status,
                ..
            } => Some(model.statuses[status].as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(statuses, ["PREP", "BAKE", "OVEN", "READY"]);
    // Three competing workers shared the order queue.
    let worker = model.service_index("order_worker").unwrap();
    assert_eq!(sim.metrics().services[worker].received, 6);
    assert_eq!(sim.metrics().outcomes.completed, 6);
}

#[test]
fn competing_consumers_share_by_round_robin_or_pile_on_the_least_busy() {
    use orderflow_sim::scenario::Dispatch;
    for dispatch in [Dispatch::RoundRobin, Dispatch::LeastBusy] {
        let model = model_with("pizza", |s| {
            s.workload.orders = 30;
            s.broker.as_mut().unwrap().consumers[0].dispatch = dispatch;
        });
        let mut sim = sim(&model, 2, Completion::Callback);
        run_checked(&mut sim);
        let worker = model.service_index("order_worker").unwrap();
        // Orders arrive about a second apart and take a worker about a
        // second: round robin rotates (skipping a busy worker), least-busy
        // takes the first idle one, so the first worker does most.
        let started = sim.metrics().services[worker].replica_started.as_slice();
        match dispatch {
            Dispatch::RoundRobin => {
                let (lo, hi) = (started.iter().min().unwrap(), started.iter().max().unwrap());
                assert!(
                    hi - lo <= 2 && started.iter().sum::<u64>() == 30,
                    "{started:?}"
                );
            }
            Dispatch::LeastBusy => assert!(
                started[0] >= 15 && started.iter().sum::<u64>() == 30,
                "{started:?}"
            ),
        }
    }
}

#[test]
fn surge_saturates_payment_and_more_replicas_fix_it() {
    let base = model_with("surge", |_| {});
    let mut small = sim(&base, 1, Completion::Sync);
    run_checked(&mut small);
    let mut big = sim(&base, 1, Completion::Sync);
    big.apply(Command::SetReplicas {
        service: "payment".into(),
        replicas: 4,
    })
    .unwrap();
    big.apply(Command::SetReplicas {
        service: "order".into(),
        replicas: 4,
    })
    .unwrap();
    run_checked(&mut big);
    let (s, b) = (small.metrics().clone(), big.metrics().clone());
    let pay = base.service_index("payment").unwrap();
    assert!(
        s.services[pay].queue_wait.quantile_ms(0.95) > 100.0,
        "payment saturates"
    );
    assert!(
        s.outcomes.failed > 0,
        "orders refused or timed out in the surge: {:?}",
        s.outcomes
    );
    assert_eq!(b.outcomes.failed, 0, "{:?}", b.outcomes);
    assert!(b.response.quantile_ms(0.95) < s.response.quantile_ms(0.95) / 3.0);
}

#[test]
fn commands_replay_exactly() {
    let model = model_with("hybrid-queue", |s| s.workload.orders = 120);
    let mut a = sim(&model, 21, Completion::Polling);
    a.run_until(SimTime::from_millis(3_217));
    a.apply(Command::SetUp {
        service: "payment".into(),
        up: false,
    })
    .unwrap();
    for _ in 0..57 {
        a.step();
    }
    a.apply(Command::SetLatencyFactor {
        service: "warehouse".into(),
        factor: 4.0,
    })
    .unwrap();
    a.run_until(SimTime::from_millis(9_000));
    a.apply(Command::SetUp {
        service: "payment".into(),
        up: true,
    })
    .unwrap();
    a.apply(Command::RestartBroker { downtime_ms: 300 })
        .unwrap();
    let commands = a.applied_commands().to_vec();
    let mut ta = a.drain_trace();
    ta.extend(run(&mut a));

    let mut b =
        orderflow_sim::Sim::replay(model.clone(), 21, Completion::Polling, &commands).unwrap();
    let mut tb = b.drain_trace();
    tb.extend(run(&mut b));
    assert_eq!(ta, tb);
    assert!(a.metrics().outcomes.compensated > 0, "the outage mattered");
}

#[test]
fn a_clone_is_a_checkpoint() {
    let model = model_with("payment-breaker", |s| s.workload.orders = 60);
    let mut a = sim(&model, 5, Completion::Callback);
    a.run_until(SimTime::from_secs(16));
    let mut b = a.clone();
    let ta = run(&mut a);
    let tb = run(&mut b);
    assert_eq!(ta, tb);
}

#[test]
fn bad_commands_are_refused_and_change_nothing() {
    let model = model_with("sync-chain", |_| {});
    let mut s = sim(&model, 1, Completion::Sync);
    for bad in [
        Command::SetUp {
            service: "nope".into(),
            up: false,
        },
        Command::SetLatencyFactor {
            service: "payment".into(),
            factor: 0.0,
        },
        Command::SetErrorRate {
            service: "payment".into(),
            rate: 2.0,
        },
        Command::SetReplicas {
            service: "payment".into(),
            replicas: 0,
        },
        Command::SetReplicas {
            service: "client".into(),
            replicas: 2,
        },
        Command::RestartBroker { downtime_ms: 10 },
    ] {
        let err = s.apply(bad.clone()).unwrap_err();
        assert!(!err.0.is_empty(), "{bad:?}");
    }
    assert!(s.applied_commands().is_empty());
    assert!(orderflow_sim::Sim::with_completion(model, 1, Completion::Polling).is_err());
}

#[test]
fn scaling_down_lets_busy_replicas_finish() {
    let model = model_with("surge", |s| s.workload.orders = 300);
    let mut sim = sim(&model, 3, Completion::Sync);
    sim.run_until(SimTime::from_secs(12));
    sim.apply(Command::SetReplicas {
        service: "payment".into(),
        replicas: 1,
    })
    .unwrap();
    sim.apply(Command::SetReplicas {
        service: "order".into(),
        replicas: 1,
    })
    .unwrap();
    run_checked(&mut sim);
    assert_eq!(sim.metrics().outcomes.total(), 300);
}

#[test]
fn arrivals_follow_the_surge_profile() {
    let model = model_with("surge", |s| {
        s.workload.arrival = Arrival::Surge {
            segments: vec![
                orderflow_sim::scenario::SurgeSegment {
                    until_ms: 10_000,
                    rate_per_s: 10.0,
                },
                orderflow_sim::scenario::SurgeSegment {
                    until_ms: 20_000,
                    rate_per_s: 100.0,
                },
            ],
        };
        s.workload.orders = 100_000;
    });
    let mut sim = sim(&model, 3, Completion::Sync);
    sim.set_trace(false);
    sim.run_until(SimTime::from_secs(10));
    let first = sim.orders_started();
    sim.run_until(SimTime::from_secs(20));
    let second = sim.orders_started() - first;
    sim.run_until(SimTime::from_secs(30));
    let third = sim.orders_started() - first - second;
    assert!((70..=130).contains(&first), "{first}");
    assert!((900..=1100).contains(&second), "{second}");
    assert!(
        (900..=1100).contains(&third),
        "the last rate holds: {third}"
    );
}

#[test]
fn orders_settle_once_with_every_outcome_counted() {
    let model = model_with("hybrid", |_| {});
    let mut sim = sim(&model, 6, Completion::Callback);
    let trace = run_checked(&mut sim);
    let settled = count(&trace, |k| matches!(k, TraceKind::Settled { .. }));
    assert_eq!(sim.live_orders(), 0);
    let mx = sim.metrics();
    assert_eq!(settled as u64, mx.outcomes.total());
    assert_eq!(mx.outcomes.total(), mx.orders_created);
    let inconsistent = count(&trace, |k| {
        matches!(
            k,
            TraceKind::Settled {
                outcome: Outcome::Inconsistent,
                ..
            }
        )
    });
    assert_eq!(inconsistent as u64, mx.outcomes.inconsistent);
}

#[test]
fn presets_offer_the_playgrounds_one_click_faults_for_the_services_they_have() {
    use orderflow_sim::presets;
    let down = |id: &str| {
        (
            Command::SetUp {
                service: id.into(),
                up: false,
            },
            Command::SetUp {
                service: id.into(),
                up: true,
            },
        )
    };
    // The buttons the playground has offered, by the service they need.
    let known = [
        (
            "provider",
            "Payment provider hangs for 30 s",
            (
                Command::SetLatencyFactor {
                    service: "provider".into(),
                    factor: 1000.0,
                },
                Command::SetLatencyFactor {
                    service: "provider".into(),
                    factor: 1.0,
                },
            ),
            30,
        ),
        (
            "provider",
            "Payment provider outage for 10 s",
            down("provider"),
            10,
        ),
        ("payment", "Payment down for 10 s", down("payment"), 10),
        (
            "warehouse",
            "Warehouse down for 30 s",
            down("warehouse"),
            30,
        ),
        (
            "kitchen",
            "Kitchen 3× slower for 30 s",
            (
                Command::SetLatencyFactor {
                    service: "kitchen".into(),
                    factor: 3.0,
                },
                Command::SetLatencyFactor {
                    service: "kitchen".into(),
                    factor: 1.0,
                },
            ),
            30,
        ),
        ("status", "Status store down for 10 s", down("status"), 10),
        (
            "api",
            "API stalls for 2 s",
            (
                Command::SetLatencyFactor {
                    service: "api".into(),
                    factor: 30.0,
                },
                Command::SetLatencyFactor {
                    service: "api".into(),
                    factor: 1.0,
                },
            ),
            2,
        ),
    ];
    let mut offered = 0;
    for name in presets::names() {
        let model = presets::model(name).unwrap().unwrap();
        let expected: Vec<_> = known
            .iter()
            // A hanging provider is offered where a breaker guards it.
            .filter(|(id, label, ..)| {
                model.service_index(id).is_some()
                    && (!label.contains("hangs") || !model.breakers.is_empty())
            })
            .collect();
        // Every known button is still there (a preset may add its own
        // story's buttons before them), in the same order.
        let mut rest = model.one_click_faults.iter();
        for (_, label, (on, off), secs) in expected {
            let want = (*label, on, off, SimTime::from_secs(*secs));
            assert!(
                rest.any(|f| (f.label.as_str(), &f.on, &f.off, f.duration) == want),
                "{name}: {label:?} missing or out of order"
            );
            offered += 1;
        }
    }
    assert!(offered >= 30, "{offered} buttons in all");
}
