//! The preset scenarios of `scenarios/`, compiled into the crate so the
//! browser app, the tests and the command-line tool share one copy.
//!
//! Each preset exists twice: its JSON text ([`PRESETS`], [`json`]) for the
//! command-line tool and for export, and Rust code generated from that JSON
//! ([`scenario_with_claims`]) that builds the same [`crate::Scenario`]
//! without parsing. The browser app only uses the second, so neither the
//! text nor serde_json ends up in its bundle; a test keeps the two equal.
//!
//! The generated code builds a preset's claims apart ([`claims`]):
//! [`scenario`] and [`model`], what the app runs, leave them out, so a
//! program that never checks claims does not carry them.

use std::sync::Arc;

use crate::model::{Model, ScenarioErrors};
use crate::scenario::Scenario;

#[rustfmt::skip]
mod generated;
#[cfg(test)]
mod sourcegen;

pub use generated::{NAMES, claims, scenario};

/// `(name, JSON)` of every preset, in the order of [`NAMES`].
pub const PRESETS: &[(&str, &str)] = &[
    (
        "sync-chain",
        include_str!("../../../scenarios/sync-chain.json"),
    ),
    (
        "fire-and-forget",
        include_str!("../../../scenarios/fire-and-forget.json"),
    ),
    ("hybrid", include_str!("../../../scenarios/hybrid.json")),
    (
        "hybrid-queue",
        include_str!("../../../scenarios/hybrid-queue.json"),
    ),
    ("surge", include_str!("../../../scenarios/surge.json")),
    (
        "food-ordering",
        include_str!("../../../scenarios/food-ordering.json"),
    ),
    ("pizza", include_str!("../../../scenarios/pizza.json")),
    (
        "async-write",
        include_str!("../../../scenarios/async-write.json"),
    ),
    (
        "payment-breaker",
        include_str!("../../../scenarios/payment-breaker.json"),
    ),
    (
        "payment-backup",
        include_str!("../../../scenarios/payment-backup.json"),
    ),
    ("mmc", include_str!("../../../scenarios/mmc.json")),
    (
        "retry-storm",
        include_str!("../../../scenarios/retry-storm.json"),
    ),
    (
        "retry-storm-backoff",
        include_str!("../../../scenarios/retry-storm-backoff.json"),
    ),
];

/// The names of every preset.
pub fn names() -> impl Iterator<Item = &'static str> {
    NAMES.iter().copied()
}

/// The JSON of preset `name`.
pub fn json(name: &str) -> Option<&'static str> {
    PRESETS.iter().find(|(n, _)| *n == name).map(|(_, j)| *j)
}

/// Preset `name`, compiled (without its claims). `None` if there is no such
/// preset; an error if its file is broken (a test guards against that).
pub fn model(name: &str) -> Option<Result<Arc<Model>, ScenarioErrors>> {
    scenario(name).map(|s| Model::compile(s).map(Arc::new))
}

/// Preset `name` with its claims section: the scenario of its JSON file.
pub fn scenario_with_claims(name: &str) -> Option<Scenario> {
    let mut s = scenario(name)?;
    s.claims = claims(name)?;
    Some(s)
}

/// A compiled model and its compiled claims.
pub type WithClaims = (Arc<Model>, Vec<crate::claims::Claim>);

/// Preset `name` compiled with its claims section, and its claims compiled
/// ([`Model::claims`]). `None` if there is no such preset.
pub fn model_and_claims(name: &str) -> Option<Result<WithClaims, ScenarioErrors>> {
    let s = scenario_with_claims(name)?;
    Some(Model::compile(s).and_then(|m| {
        let claims = m.claims()?;
        Ok((Arc::new(m), claims))
    }))
}

/// Orders per run in [`fingerprints`].
pub const FINGERPRINT_ORDERS: u64 = 20;
/// Seed of every run in [`fingerprints`].
pub const FINGERPRINT_SEED: u64 = 7;

/// Hashes that pin the engine's behaviour down to the bit: the trace of
/// every preset in every completion mode it allows ([`FINGERPRINT_ORDERS`]
/// orders, seed [`FINGERPRINT_SEED`]), and long runs of each random draw.
/// Native tests and the browser test compare them with the same committed
/// file, so any difference between platforms fails one of them.
pub fn fingerprints() -> Vec<(String, u64)> {
    use crate::model::Dist;
    use crate::rng::SimRng;
    use crate::sim::Sim;
    use crate::trace::TraceHasher;

    let mut out = Vec::new();
    for name in NAMES {
        let mut scenario = scenario(name).expect("listed presets exist");
        scenario.workload.orders = FINGERPRINT_ORDERS;
        let model = Arc::new(Model::compile(scenario).expect("presets compile"));
        for mode in model.client.allowed.clone() {
            let mut sim =
                Sim::with_completion(model.clone(), FINGERPRINT_SEED, mode).expect("allowed mode");
            let mut h = TraceHasher::default();
            loop {
                let finished = sim.run_to_end(10_000);
                for e in sim.drain_trace() {
                    h.event(&e);
                }
                if finished {
                    break;
                }
            }
            out.push((format!("{name}/{}", mode.as_str()), h.finish()));
        }
    }
    let draws: [(&str, Dist); 4] = [
        ("uniform", Dist::Uniform(100.0, 900.0)),
        ("exponential", Dist::Exponential(1_000_000.0)),
        (
            "lognormal",
            Dist::LogNormal {
                mu: libm::log(120_000.0),
                sigma: 0.5,
            },
        ),
        (
            "lognormal-wide",
            Dist::LogNormal {
                mu: libm::log(5_000.0),
                sigma: 2.0,
            },
        ),
    ];
    for (name, dist) in draws {
        let mut rng = SimRng::new(FINGERPRINT_SEED);
        let mut h = TraceHasher::default();
        for _ in 0..100_000 {
            h.write(&dist.sample_us(&mut rng, 1.0).to_le_bytes());
            h.write(&rng.standard_normal().to_bits().to_le_bytes());
        }
        out.push((format!("draws/{name}"), h.finish()));
    }
    out
}

/// [`fingerprints`] as the text of the committed snapshot file.
pub fn fingerprints_text() -> String {
    fingerprints()
        .into_iter()
        .map(|(name, h)| format!("{name} {h:016x}\n"))
        .collect()
}
