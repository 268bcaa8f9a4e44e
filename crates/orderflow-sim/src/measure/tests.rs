//! Tests of the parent module.

use super::*;
use crate::presets;

#[test]
fn names_are_unique_and_labelled() {
    for name in presets::names() {
        let model = presets::model(name).unwrap().unwrap();
        let defs = catalogue(&model);
        let mut names: Vec<&str> = defs.iter().map(|d| d.name.as_str()).collect();
        names.sort_unstable();
        let before = names.len();
        names.dedup();
        assert_eq!(names.len(), before, "{name}: a name twice");
        for d in &defs {
            assert!(!d.label.is_empty(), "{}", d.name);
            assert!(
                d.name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c)),
                "{}",
                d.name
            );
            // Units last in names.
            let ms = d.name.ends_with("_ms");
            assert_eq!(ms, d.unit == Unit::Ms, "{}", d.name);
        }
    }
}

#[test]
fn select_names_unknown_figures() {
    let model = presets::model("sync-chain").unwrap().unwrap();
    let sim = Sim::new(model, 1);
    let err = select(
        &sim,
        &["orders.created", "client.wasted_poll", "queue.nope.acked"],
    )
    .unwrap_err();
    assert_eq!(err.0, ["client.wasted_poll", "queue.nope.acked"]);
    assert_eq!(
        err.to_string(),
        "unknown metrics: client.wasted_poll, queue.nope.acked"
    );
    let got = select(&sim, &["service.payment.refused", "orders.created"]).unwrap();
    assert_eq!(
        got,
        [
            ("service.payment.refused".to_owned(), 0.0),
            ("orders.created".to_owned(), 0.0)
        ]
    );
}

/// The synchronous chain's reference path, by hand from its JSON:
/// network uniform 0.5–2 ms (mean 1.25), log-normal means
/// `median × e^(σ²/2)`: order 3 (σ 0.3), inventory 8 (0.4), payment 5
/// (0.3), provider 120 (0.5), warehouse 40 (0.4), notification 25 (0.5).
#[test]
fn the_sync_path_is_the_sum_of_the_hops() {
    let ln = |median: f64, sigma: f64| median * (sigma * sigma / 2.0f64).exp();
    let hops = 2.0 * 1.25;
    let want = hops
        + ln(3.0, 0.3)
        + (hops + ln(8.0, 0.4))
        + (hops + ln(5.0, 0.3) + hops + ln(120.0, 0.5))
        + (hops + ln(40.0, 0.4))
        + (hops + ln(25.0, 0.5));
    let model = presets::model("sync-chain").unwrap().unwrap();
    let got = sync_path_mean_us(&model) / 1e3;
    assert!((got - want).abs() < 1e-9, "{got} vs {want}");
    // The hybrid waits for inventory and payment only.
    let hybrid = presets::model("hybrid").unwrap().unwrap();
    let want_hybrid =
        hops + ln(3.0, 0.3) + (hops + ln(8.0, 0.4)) + (hops + ln(5.0, 0.3) + hops + ln(120.0, 0.5));
    assert!((sync_path_mean_us(&hybrid) / 1e3 - want_hybrid).abs() < 1e-9);
}

#[test]
fn a_finished_run_reads_back_its_own_counters() {
    let model = presets::model("hybrid-queue").unwrap().unwrap();
    let mut sim = Sim::new(model.clone(), 3);
    sim.set_trace(false);
    assert!(sim.run_to_end(50_000_000));
    let got = measure(&sim);
    let get = |n: &str| {
        got.iter()
            .find(|(k, _)| k == n)
            .unwrap_or_else(|| panic!("{n}"))
            .1
    };
    let mx = sim.metrics();
    assert_eq!(get("orders.created"), mx.orders_created as f64);
    assert_eq!(get("outcome.completed"), mx.outcomes.completed as f64);
    assert_eq!(
        get("outcome.completed_share"),
        mx.outcomes.completed as f64 / mx.outcomes.total() as f64
    );
    let q = model.queue_index("warehouse_q").unwrap();
    assert_eq!(
        get("queue.warehouse_q.peak_depth"),
        f64::from(sim.queue(q).counters.max_depth)
    );
    assert_eq!(get("latency.response.p95_ms"), mx.response.summary().p95_ms);
    assert_eq!(get("run.duration_ms"), sim.now().as_micros() as f64 / 1e3);
    let u = get("service.warehouse.utilisation");
    assert!(u > 0.0 && u < 1.0, "{u}");
}

/// The fields of a counter struct, by their names in its JSON form.
fn fields<T: Serialize>(v: &T) -> Vec<String> {
    serde_json::to_value(v)
        .unwrap()
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect()
}

/// A service's counters under their registry names. The destructuring
/// names every field: a field added to [`ServiceMetrics`] does not compile
/// here until it is given a figure (or a reason it has none).
fn service_counters(m: &ServiceMetrics) -> Vec<(&'static str, u64)> {
    let ServiceMetrics {
        received,
        succeeded,
        failed,
        refused,
        rejected,
        // `mean_queue_wait_ms`, with the exact sum and count.
        queue_wait: _,
        wait_sum_us: _,
        wait_count: _,
        // `utilisation`, `worker_busy_seconds`, `replica_seconds`.
        busy_area: _,
        replica_area: _,
        // The mean number in the service: `orderflow run`'s JSON only (a
        // description of the run, not a figure anything is judged by).
        system_area: _,
        rerouted,
        lost_on_scale_in,
        max_queued,
        // `replica_started_min` / `_max`.
        replica_started: _,
    } = m;
    vec![
        ("received", *received),
        ("succeeded", *succeeded),
        ("failed", *failed),
        ("refused", *refused),
        ("rejected", *rejected),
        ("rerouted", *rerouted),
        ("lost_on_scale_in", *lost_on_scale_in),
        ("queue_peak", u64::from(*max_queued)),
    ]
}

/// Every counter a run keeps, as `(registry name, value)`: the client's,
/// steps', payments' and outcomes' counters and each queue's, breaker's and
/// SKU's by their fields (so a new field shows up here by itself), each
/// service's by [`service_counters`]. Registry names that differ from the
/// field are listed.
fn run_counters(sim: &Sim) -> Vec<(String, u64)> {
    fn named<T: Serialize>(prefix: &str, v: &T, out: &mut Vec<(String, u64)>) {
        for (k, v) in serde_json::to_value(v).unwrap().as_object().unwrap() {
            let name = match k.as_str() {
                "duplicate_attempts" => "duplicates",
                "max_depth" => "peak_depth",
                "opened" => "opens",
                "closed" => "closes",
                "half_opened" => "half_opens",
                k => k,
            };
            out.push((format!("{prefix}.{name}"), v.as_u64().unwrap()));
        }
    }
    let model = sim.model();
    let mx = sim.metrics();
    let mut out = Vec::new();
    named("client", &mx.client, &mut out);
    named("steps", &mx.steps, &mut out);
    named("payments", &mx.payments, &mut out);
    named("outcome", &mx.outcomes, &mut out);
    for (i, s) in model.services.iter_enumerated() {
        for (f, v) in service_counters(&mx.services[i]) {
            out.push((format!("service.{}.{f}", s.id), v));
        }
    }
    for (i, q) in model.queues.iter_enumerated() {
        named(&format!("queue.{}", q.id), &sim.queue(i).counters, &mut out);
    }
    for (i, b) in model.breakers.iter_enumerated() {
        named(
            &format!("breaker.{}", b.id),
            &sim.breaker(i).counters,
            &mut out,
        );
    }
    // Stock is counted only where an inventory holds it.
    let stocked = sim
        .stock()
        .iter_enumerated()
        .filter(|_| model.inventory.is_some());
    for (i, level) in stocked {
        let sku = model.skus[i].0.to_ascii_lowercase();
        // Fields left out of the JSON while zero are counters all the same.
        let all = StockLevel {
            available: level.available,
            reserved: level.reserved,
            shipped: level.shipped,
            added: level.added,
            removed: level.removed,
            out_of_stock: level.out_of_stock,
        };
        named(&format!("stock.{sku}"), &all, &mut out);
    }
    out
}

#[test]
fn every_counter_of_a_run_is_a_figure_of_the_registry() {
    // The struct-by-JSON listing does see every field (none skipped).
    assert_eq!(fields(&ClientCounters::default()).len(), 13);
    for name in presets::names() {
        let model = presets::model(name).unwrap().unwrap();
        let mut sim = Sim::new(model.clone(), 1);
        sim.set_trace(false);
        sim.run_until(SimTime::from_secs(60));
        let got = measure(&sim);
        let counters = run_counters(&sim);
        assert!(counters.len() > 40, "{name}: {}", counters.len());
        for (n, v) in counters {
            let figure = got.iter().find(|(k, _)| *k == n);
            assert_eq!(
                figure.map(|(_, f)| *f),
                Some(v as f64),
                "{name}: the counter {n} is not in the registry, or reads differently"
            );
        }
    }
}

#[test]
fn scale_in_counters_read_back() {
    use crate::scenario::{Balancer, ScaleIn};
    for (scale_in, field) in [
        (ScaleIn::Reroute, "rerouted"),
        (ScaleIn::Lose, "lost_on_scale_in"),
    ] {
        let mut s = presets::scenario("mmc").unwrap();
        s.workload.orders = 2_000;
        s.client.timeout_ms = 60_000;
        for sv in &mut s.services {
            if sv.id == "server" {
                sv.balancer = Balancer::RoundRobin;
                sv.scale_in = scale_in;
            }
        }
        let mut sim = Sim::new(std::sync::Arc::new(Model::compile(s).unwrap()), 4);
        sim.set_trace(false);
        sim.schedule(
            SimTime::from_secs(500),
            crate::Command::SetReplicas {
                service: "server".into(),
                replicas: 2,
            },
        )
        .unwrap();
        assert!(sim.run_to_end(50_000_000));
        let got = select(&sim, &[&format!("service.server.{field}")]).unwrap()[0].1;
        assert!(
            got > 0.0,
            "{field}: nothing was waiting on the removed replicas"
        );
        let sm = &sim.metrics().services[sim.model().service_index("server").unwrap()];
        assert_eq!(
            got,
            [sm.rerouted, sm.lost_on_scale_in][usize::from(field != "rerouted")] as f64
        );
    }
}
