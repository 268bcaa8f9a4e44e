//! The engine against queueing theory: an M/M/c queue's mean wait (Erlang C)
//! and Little's law.

use orderflow_sim::{Completion, SimTime};

use crate::support::*;

/// Erlang C: mean wait in queue of an M/M/c queue.
fn erlang_c_wait(c: u32, lambda: f64, mu: f64) -> f64 {
    let a = lambda / mu;
    let mut term = 1.0;
    let mut sum = 0.0;
    for k in 0..c {
        if k > 0 {
            term *= a / f64::from(k);
        }
        sum += term;
    }
    let last = term * a / f64::from(c) * (f64::from(c) / (f64::from(c) - a));
    let p_wait = last / (sum + last);
    p_wait / (f64::from(c) * mu - lambda)
}

#[test]
fn erlang_c_reference_value() {
    assert!((erlang_c_wait(4, 3.6, 1.0) - 1.9694).abs() < 5e-5);
}

/// c = 4, rho = 0.9, mu = 1, one million customers, seed 42: the mean wait is
/// within the 95% confidence interval (batch means) of Erlang C, and Little's
/// law holds within 2%.
#[test]
fn mmc_matches_erlang_c_and_littles_law() {
    let model = model_with("mmc", |_| {});
    let mut sim = sim(&model, 42, Completion::Sync);
    sim.set_trace(false);
    let server = model.service_index("server").unwrap();
    // Batch means over equal slices of simulated time, after a warm-up.
    let warmup = SimTime::from_secs(5_000);
    sim.run_until(warmup);
    let (mut sum0, mut n0) = {
        let s = &sim.metrics_snapshot().services[server];
        (s.wait_sum_us, s.wait_count)
    };
    let batches: u32 = 30;
    let horizon_s = 1_000_000.0 / 3.6;
    let slice = ((horizon_s - 5_000.0) / f64::from(batches)) as u64;
    let mut means = Vec::new();
    for b in 1..=batches as u64 {
        sim.run_until(warmup.plus_micros(b * slice * 1_000_000));
        let s = &sim.metrics_snapshot().services[server];
        let (sum, n) = (s.wait_sum_us, s.wait_count);
        means.push((sum - sum0) as f64 / (n - n0) as f64 / 1e6);
        (sum0, n0) = (sum, n);
    }
    assert!(sim.run_to_end(u64::MAX));
    let mean = means.iter().sum::<f64>() / means.len() as f64;
    let var = means.iter().map(|m| (m - mean).powi(2)).sum::<f64>() / (means.len() - 1) as f64;
    let half_width = 2.045 * (var / means.len() as f64).sqrt(); // t(0.975, 29)
    let expected = erlang_c_wait(4, 3.6, 1.0);
    eprintln!("mean wait {mean:.4} ± {half_width:.4} s (Erlang C {expected:.4})");
    assert!(
        (mean - expected).abs() <= half_width,
        "mean wait {mean} ± {half_width}, Erlang C {expected}"
    );
    assert!(
        half_width < 0.1,
        "the interval is too wide to mean anything: {half_width}"
    );

    // Little's law over the whole run: L = lambda * W.
    let secs = sim.now().as_secs_f64();
    let mx = sim.metrics_now();
    let s = &mx.services[server];
    let l = s.system_area as f64 / 1e6 / secs;
    let lambda = s.wait_count as f64 / secs;
    let w = (s.wait_sum_us + s.busy_area) as f64 / 1e6 / s.wait_count as f64;
    assert!(
        ((l - lambda * w) / l).abs() < 0.02,
        "L {l} vs lambda*W {}",
        lambda * w
    );
    // And the utilisation is rho.
    let rho = s.busy_area as f64 / 1e6 / secs / 4.0;
    assert!((rho - 0.9).abs() < 0.01, "utilisation {rho}");
    assert_eq!(mx.outcomes.completed, 1_000_000);
}
