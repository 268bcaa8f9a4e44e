//! The engine's fuzz targets: the inputs that once failed (the corpus),
//! then a seeded run of new ones — a few seconds each under `cargo test`,
//! a million each under `scripts/dev.sh fuzz` (see the crate's docs).
#![cfg(not(target_arch = "wasm32"))]

use orderflow_fuzz::{Config, commands, design, run, run_corpus, scenario};

/// Seconds per target under plain `cargo test`.
const SHORT_SECONDS: f64 = 3.0;

#[test]
fn fuzz_scenario_bytes() {
    run_corpus("scenario_bytes", <[u8]>::to_vec, |b| {
        scenario::check_text(b)
    });
    let config = Config::from_env(SHORT_SECONDS);
    run(
        "fuzz_scenario_bytes",
        &config,
        scenario::bytes_input,
        |b| scenario::check_text(b),
        Vec::clone,
    )
    .assert_clean();
}

#[test]
fn fuzz_scenario_tree() {
    run_corpus("scenario_tree", <[u8]>::to_vec, |b| scenario::check_text(b));
    let config = Config::from_env(SHORT_SECONDS);
    run(
        "fuzz_scenario_tree",
        &config,
        scenario::tree_input,
        |b| scenario::check_text(b),
        Vec::clone,
    )
    .assert_clean();
}

#[test]
fn fuzz_scenario_typed() {
    let config = Config::from_env(SHORT_SECONDS);
    run(
        "fuzz_scenario_typed",
        &config,
        scenario::typed_input,
        |s| scenario::check_scenario(s.clone()),
        scenario::typed_text,
    )
    .assert_clean();
}

#[test]
fn fuzz_commands() {
    let config = Config::from_env(SHORT_SECONDS);
    run(
        "fuzz_commands",
        &config,
        commands::input,
        commands::check,
        commands::text,
    )
    .assert_clean();
}

#[test]
fn fuzz_design() {
    let config = Config::from_env(SHORT_SECONDS);
    run(
        "fuzz_design",
        &config,
        design::input,
        design::check,
        design::text_of,
    )
    .assert_clean();
}
