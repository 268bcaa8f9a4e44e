//! A run's metrics as JSON: what `orderflow run` prints.

use serde_json::{Map, Value, json};

use crate::metrics::Cost;
use crate::sim::Sim;

/// Replica-seconds and worker-busy-seconds over our services (not the
/// client, not third parties).
pub fn total_cost(model: &crate::model::Model, mx: &crate::metrics::Metrics) -> Cost {
    model
        .services
        .iter_enumerated()
        .filter(|(_, s)| s.kind.is_ours())
        .map(|(i, _)| {
            let m = &mx.services[i];
            Cost::from_areas(m.replica_area, m.busy_area)
        })
        .fold(Cost::default(), Cost::plus)
}

/// Everything measured so far, names resolved, times in milliseconds.
pub fn metrics_json(sim: &Sim) -> Value {
    let model = sim.model().clone();
    let now = sim.now();
    let secs = now.as_secs_f64().max(1e-9);
    let events = sim.events_processed();
    let live = sim.live_orders();
    let mx = sim.metrics_now();

    let mut services = Map::new();
    for (i, s) in model.services.iter_enumerated() {
        let m = &mx.services[i];
        let v = sim.service(i);
        let workers = f64::from(v.replicas * v.concurrency).max(1.0);
        let mean_wait_ms = if m.wait_count == 0 {
            0.0
        } else {
            m.wait_sum_us as f64 / m.wait_count as f64 / 1e3
        };
        services.insert(
            s.id.clone(),
            json!({
                "received": m.received,
                "succeeded": m.succeeded,
                "failed": m.failed,
                "refused_down": m.refused,
                "rejected_overloaded": m.rejected,
                "utilisation": m.busy_area as f64 / 1e6 / secs / workers,
                "mean_in_system": m.system_area as f64 / 1e6 / secs,
                "mean_queue_wait_ms": mean_wait_ms,
                "queue_wait_ms": m.queue_wait.summary(),
                "max_queued": m.max_queued,
                "up": v.up,
                "replicas": v.replicas,
                "replica_seconds": m.replica_area as f64 / 1e6,
                "worker_busy_seconds": m.busy_area as f64 / 1e6,
            }),
        );
    }
    let mut queues = Map::new();
    for (i, q) in model.queues.iter_enumerated() {
        let v = sim.queue(i);
        queues.insert(
            q.id.clone(),
            json!({
                "durable": q.durable,
                "ready": v.ready,
                "delayed": v.delayed,
                "inflight": v.inflight,
                "counters": v.counters,
            }),
        );
    }
    let mut breakers = Map::new();
    for (i, b) in model.breakers.iter_enumerated() {
        let br = sim.breaker(i);
        breakers.insert(
            b.id.clone(),
            json!({ "state": br.state(), "counters": br.counters }),
        );
    }
    let mut stock = Map::new();
    for (i, (sku, _)) in model.skus.iter_enumerated() {
        stock.insert(sku.clone(), json!(sim.stock()[i]));
    }
    json!({
        "scenario": model.scenario.name,
        "seed": sim.seed(),
        "completion": sim.completion().as_str(),
        "sim_time_s": now.as_secs_f64(),
        "events": events,
        "orders": {
            "created": mx.orders_created,
            "shed": mx.orders_shed,
            "settled": mx.outcomes.total(),
            "in_flight": live,
            "outcomes": mx.outcomes,
        },
        "throughput_per_s": mx.outcomes.total() as f64 / secs,
        "latency_ms": {
            "response": mx.response.summary(),
            "completion": mx.completion.summary(),
            "done": mx.done.summary(),
            "consistency_window": mx.consistency_window.summary(),
            "detection_lag": mx.detection_lag.summary(),
        },
        "client": mx.client,
        "payments": mx.payments,
        "steps": mx.steps,
        "services": services,
        "cost": total_cost(&model, &mx),
        "queues": queues,
        "breakers": breakers,
        "stock": stock,
        "trace_dropped": sim.trace_dropped(),
    })
}
