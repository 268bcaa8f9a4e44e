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
