//! Commands applied to a running simulation at random moments: good and
//! bad ones (unknown or empty service and SKU names, rates and factors out
//! of range, NaN and infinities, a provider slowed ×1000 (hanging),
//! replicas of 0 or millions and scale-ins, stock counts past their bound,
//! times in the past or at the end of time), of every kind the engine has
//! ([`Command::KINDS`]), through every mutator (`validate`, `apply`,
//! `schedule`, `apply_recorded`), between runs of events. Nothing may
//! panic, every refusal names its field, a refused command changes nothing,
//! `validate` and `apply` agree, the invariants hold after every action,
//! and the record of applied commands replays the run.

use std::sync::{Arc, OnceLock};

use orderflow_sim::command::{AppliedCommand, Command};
use orderflow_sim::{Model, Sim, SimTime, presets};

use crate::driver::{Outcome, Rng};
use crate::shape;

/// Orders per run: small, so runs also reach their end and the moments
/// after it.
pub const ORDERS: u64 = 40;

/// One thing done to the simulation.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// Process this many events (or timed commands).
    Step(u32),
    /// Run until this much later (µs), or to a far time.
    RunFor(u64),
    /// Run until nothing is left (bounded).
    RunToEnd,
    Validate(Command),
    Apply(Command),
    /// Schedule at `now + offset` (negative: in the past; saturating).
    Schedule(i128, Command),
    /// Re-apply as if recorded at `events + event_offset`, `now + offset`.
    ApplyRecorded(i64, i128, Command),
}

/// One input: a preset, a seed, and what happens to its run.
#[derive(Clone, Debug, PartialEq)]
pub struct Input {
    pub preset: usize,
    pub seed: u64,
    pub actions: Vec<Action>,
}

/// Every preset compiled with [`ORDERS`] orders.
pub fn models() -> &'static [Arc<Model>] {
    static M: OnceLock<Vec<Arc<Model>>> = OnceLock::new();
    M.get_or_init(|| {
        presets::names()
            .map(|n| {
                let mut s = presets::scenario(n).expect("preset");
                s.workload.orders = ORDERS;
                Arc::new(Model::compile(s).expect("preset compiles"))
            })
            .collect()
    })
}

const SPECIAL_RATES: &[f64] = &[
    0.0,
    1.0,
    0.5,
    -0.0,
    -1e-9,
    1.000_000_1,
    2.0,
    f64::NAN,
    f64::INFINITY,
    f64::NEG_INFINITY,
    1e308,
    5e-324,
    1000.0,
    1_000.000_1,
];

fn service_name(rng: &mut Rng, model: &Model) -> String {
    match rng.below(10) {
        0 => String::new(),
        1 => "ghost".into(),
        2 => "PAYMENT".into(),
        3 => {
            // A service of another preset.
            let other = &models()[rng.below(models().len())];
            other.services.as_slice()[rng.below(other.services.len())]
                .id
                .clone()
        }
        4 => "payment\u{0}".into(),
        _ => model.services.as_slice()[rng.below(model.services.len())]
            .id
            .clone(),
    }
}

/// A SKU name: the model's own mostly, else one of another preset, an
/// unknown one, or none.
fn sku_name(rng: &mut Rng, model: &Model) -> String {
    let of = |rng: &mut Rng, m: &Model| {
        let skus = m.skus.as_slice();
        (!skus.is_empty()).then(|| skus[rng.below(skus.len())].0.clone())
    };
    match rng.below(8) {
        0 => String::new(),
        1 => "SKU-NOPE".into(),
        2 => {
            let other = &models()[rng.below(models().len())];
            of(rng, other).unwrap_or_default()
        }
        _ => of(rng, model).unwrap_or_else(|| "SKU-RED".into()),
    }
}

/// A command, often a bad one. Every kind of [`Command`] (see
/// [`Command::KINDS`] and the test below).
pub fn command(rng: &mut Rng, model: &Model) -> Command {
    let service = service_name(rng, model);
    let rate = |rng: &mut Rng| {
        if rng.chance(0.5) {
            rng.next_u64() as f64 / u64::MAX as f64
        } else {
            *rng.pick(SPECIAL_RATES)
        }
    };
    match rng.below(7) {
        0 => Command::SetUp {
            service,
            up: rng.chance(0.5),
        },
        1 => Command::SetLatencyFactor {
            service,
            factor: rate(rng) * if rng.chance(0.5) { 10.0 } else { 1.0 },
        },
        2 => Command::SetErrorRate {
            service,
            rate: rate(rng),
        },
        3 => Command::SetDropRate {
            service,
            rate: rate(rng),
        },
        4 => Command::SetReplicas {
            service,
            replicas: *rng.pick(&[0, 1, 2, 3, 255, 256, 257, 1_000_000, u32::MAX]),
        },
        5 => Command::RestartBroker {
            downtime_ms: *rng.pick(&[0, 1, 100, 2_000, 604_800_000, 604_800_001, u64::MAX]),
        },
        _ => Command::SetStock {
            sku: sku_name(rng, model),
            units: *rng.pick(&[0, 1, 2, 7, 40, 1_000_000, 1_000_001, u32::MAX]),
        },
    }
}

fn offset_us(rng: &mut Rng) -> i128 {
    match rng.below(8) {
        0 => -(rng.range(1, 10_000_000) as i128),
        1 => 0,
        2 => i128::from(u64::MAX),
        3 => 3_600_000_000 * 24 * 365 * 10,
        _ => rng.range(0, 60_000_000) as i128,
    }
}

/// A run of one preset with one to eight actions.
pub fn input(rng: &mut Rng) -> Input {
    let preset = rng.below(models().len());
    let model = &models()[preset];
    let actions = (0..rng.range(1, 8))
        .map(|_| match rng.below(12) {
            0..=2 => Action::Step(rng.range(0, 400) as u32),
            3 => Action::RunFor(offset_us(rng).max(0) as u64),
            4 => Action::RunToEnd,
            5 => Action::Validate(command(rng, model)),
            6 | 7 => Action::Apply(command(rng, model)),
            8 | 9 => Action::Schedule(offset_us(rng), command(rng, model)),
            _ => Action::ApplyRecorded(
                *rng.pick(&[0, 0, 1, -1, 1_000_000, i64::MIN]),
                offset_us(rng),
                command(rng, model),
            ),
        })
        .collect();
    Input {
        preset,
        seed: rng.range(0, 1_000),
        actions,
    }
}

/// The state a refused command must leave as it was.
fn fingerprint(sim: &Sim) -> (u64, SimTime, usize, usize, u64) {
    (
        sim.events_processed(),
        sim.now(),
        sim.applied_commands().len(),
        sim.scheduled().len(),
        sim.metrics().outcomes.total(),
    )
}

fn shift(t: SimTime, offset: i128) -> SimTime {
    SimTime((i128::from(t.as_micros()) + offset).clamp(0, i128::from(u64::MAX)) as u64)
}

/// Events `run_to_end` may process per call: runs of [`ORDERS`] orders end
/// well within it.
const END_EVENTS: u64 = 200_000;

/// Runs the input's actions; panics on any broken rule.
pub fn check(input: &Input) -> Outcome {
    let model = models()[input.preset].clone();
    let mut sim = Sim::new(model.clone(), input.seed);
    let mut rejected = None;
    for action in &input.actions {
        let before = fingerprint(&sim);
        let refused = match action {
            Action::Step(n) => {
                for _ in 0..*n {
                    if !sim.step() {
                        break;
                    }
                }
                None
            }
            Action::RunFor(us) => {
                sim.run_until(sim.now().plus_micros(*us));
                None
            }
            Action::RunToEnd => {
                sim.run_to_end(END_EVENTS);
                None
            }
            Action::Validate(c) => sim.validate(c).err(),
            Action::Apply(c) => {
                let verdict = sim.validate(c).map(|_| ());
                let result = sim.apply(c.clone());
                assert_eq!(result, verdict, "apply and validate disagree on {c:?}");
                result.err()
            }
            Action::Schedule(offset, c) => sim.schedule(shift(sim.now(), *offset), c.clone()).err(),
            Action::ApplyRecorded(events, offset, c) => {
                let after_events = sim.events_processed().saturating_add_signed(*events);
                let record = AppliedCommand {
                    at: shift(sim.now(), *offset),
                    after_events,
                    command: c.clone(),
                };
                sim.apply_recorded(&record).err()
            }
        };
        if let Some(e) = refused {
            assert_eq!(
                fingerprint(&sim),
                before,
                "a refused command changed the run: {e}"
            );
            rejected = Some(shape::command_error(&e.0));
        }
        assert!(sim.now() >= before.1, "the clock went back");
        assert!(sim.events_processed() >= before.0);
        sim.check_invariants()
            .unwrap_or_else(|e| panic!("invariant after {action:?}: {e}"));
        sim.drain_trace();
    }
    // The record replays the run: same events, same outcomes.
    if input.seed.is_multiple_of(8) {
        let mut again = Sim::replay(
            model.clone(),
            input.seed,
            model.client.completion,
            sim.applied_commands(),
        )
        .expect("a run's own record replays");
        again.run_to_event(sim.events_processed());
        assert_eq!(again.events_processed(), sim.events_processed());
        assert_eq!(again.metrics().outcomes, sim.metrics().outcomes);
        assert_eq!(again.applied_commands(), sim.applied_commands());
    }
    match rejected {
        Some(field) => Outcome::Rejected(field),
        None => Outcome::Accepted,
    }
}

/// An input as text, to keep.
pub fn text(input: &Input) -> Vec<u8> {
    format!("{input:#?}").into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    /// The generator makes every kind of command the engine has, accepted
    /// and refused: a command added to the engine fails this until it has
    /// an arm above.
    #[test]
    fn commands_of_every_kind_are_generated_and_accepted() {
        let mut made = BTreeSet::new();
        let mut accepted = BTreeSet::new();
        let mut rng = Rng::new(1);
        for model in models() {
            let sim = Sim::new(model.clone(), 1);
            for _ in 0..400 {
                let c = command(&mut rng, model);
                made.insert(c.kind());
                if sim.validate(&c).is_ok() {
                    accepted.insert(c.kind());
                }
            }
        }
        let all: BTreeSet<&str> = Command::KINDS.into_iter().collect();
        assert_eq!(made, all);
        assert_eq!(accepted, all);
    }
}
