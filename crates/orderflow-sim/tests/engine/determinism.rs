//! Same scenario and seed, same run: twice in a row, and on every platform
//! (the browser test compares the same committed fingerprints).

use expect_test::expect_file;
use orderflow_sim::presets;
use orderflow_sim::trace::TraceHasher;

use crate::support::*;

fn hash(name: &str, seed: u64) -> u64 {
    let model = model_with(name, |s| s.workload.orders = 40);
    let mut sim = sim(&model, seed, model.client.completion);
    let mut h = TraceHasher::default();
    for e in run(&mut sim) {
        h.event(&e);
    }
    h.finish()
}

#[test]
fn a_seed_reproduces_its_run_and_another_seed_does_not() {
    for name in presets::names() {
        let a = hash(name, 42);
        let b = hash(name, 42);
        assert_eq!(
            a, b,
            "{name}: seed 42 gave two different runs; reproduce with `orderflow run {name} --seed 42`"
        );
        assert_ne!(
            a,
            hash(name, 43),
            "{name}: seeds 42 and 43 gave the same run"
        );
    }
}

#[test]
fn fingerprints_match_the_committed_file() {
    // Also checked inside wasm by the app's browser tests (tests/web.rs).
    expect_file!["snapshots/fingerprints.txt"].assert_eq(&presets::fingerprints_text());
}
