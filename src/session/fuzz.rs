//! Random command sequences on a run, as a person makes them with the
//! page's controls (play, step, faults, settings, seeks back and forth,
//! fast-forward), and the property the whole design rests on: seeking to
//! any time gives exactly the state a fresh run of the share link reaches
//! at that time (events processed, metrics, trace).
//!
//! [`script`] and [`play`] also build the real share links the link
//! targets mutate (`url_state/fuzz.rs`).

use std::sync::Arc;

use orderflow_fuzz::{Config, Outcome, Rng, run};
use orderflow_sim::model::{Model, bounds};
use orderflow_sim::scenario::ServiceKind;
use orderflow_sim::trace::TraceHasher;
use orderflow_sim::{Command, SimTime, presets};

use crate::faults::{FaultPreset, node_faults, scenario_faults};
use crate::run::{Run, load_model};
use crate::url_state::UrlState;

/// Orders per run: runs stay short, and some end inside a script.
pub const ORDERS: u64 = 40;

/// One thing a person does.
#[derive(Clone, Debug, PartialEq)]
pub enum Act {
    /// Play on for this many milliseconds.
    Play(u64),
    /// Step this many events.
    Step(u32),
    /// A change now (some are refused).
    Apply(Command),
    /// A one-click fault (`index` into the run's faults), for `ms`.
    Inject(usize, u64),
    /// A command `ms` from now.
    Schedule(u64, Command),
    /// Seek to this share (‰) of the furthest time reached.
    Seek(u64),
    /// Fast-forward this many orders.
    FastForward(u64),
}

/// A preset, a seed and what is done to its run.
#[derive(Clone, Debug, PartialEq)]
pub struct Script {
    pub preset: &'static str,
    pub seed: u64,
    pub acts: Vec<Act>,
    /// Where the final seek goes (‰ of the furthest time).
    pub seek_to: u64,
}

/// Every preset compiled with [`ORDERS`] orders.
fn models() -> &'static [(&'static str, Arc<Model>)] {
    static M: std::sync::OnceLock<Vec<(&'static str, Arc<Model>)>> = std::sync::OnceLock::new();
    M.get_or_init(|| {
        presets::NAMES
            .iter()
            .map(|n| (*n, load_model(n, Some(ORDERS)).expect("preset compiles")))
            .collect()
    })
}

/// Every fault the page offers for `model`: its one-click faults and each
/// node's.
fn faults(model: &Model) -> Vec<FaultPreset> {
    let mut all = scenario_faults(model);
    for i in model.services.ids() {
        all.extend(node_faults(model, i));
    }
    all
}

/// A change the node panels could make (and a few they could not).
fn command(rng: &mut Rng, model: &Model) -> Command {
    let s = &model.services.as_slice()[rng.below(model.services.len())];
    let service = s.id.clone();
    match rng.below(6) {
        0 => Command::SetUp {
            service,
            up: rng.chance(0.5),
        },
        1 => Command::SetLatencyFactor {
            service,
            factor: *rng.pick(&crate::faults::LATENCY_FACTORS),
        },
        2 => Command::SetErrorRate {
            service,
            rate: *rng.pick(&[0.0, 0.1, 0.5, 1.0]),
        },
        3 => Command::SetDropRate {
            service,
            rate: *rng.pick(&[0.0, 0.2, 1.0]),
        },
        4 if !matches!(s.kind, ServiceKind::Client | ServiceKind::Broker) => Command::SetReplicas {
            service,
            replicas: rng.range(1, u64::from(bounds::REPLICAS).min(8)) as u32,
        },
        _ => Command::RestartBroker {
            downtime_ms: rng.range(0, 3_000),
        },
    }
}

/// A random script of three to ten acts.
pub fn script(rng: &mut Rng) -> Script {
    let (preset, model) = rng.pick(models());
    let n_faults = faults(model).len().max(1);
    let acts = (0..rng.range(3, 10))
        .map(|_| match rng.below(14) {
            0..=2 => Act::Play(rng.range(0, 6_000)),
            3 => Act::Step(rng.range(1, 40) as u32),
            4..=5 => Act::Apply(command(rng, model)),
            6..=7 => Act::Inject(rng.below(n_faults), rng.range(500, 12_000)),
            8 => Act::Schedule(rng.range(0, 10_000), command(rng, model)),
            9..=12 => Act::Seek(rng.range(0, 1_000)),
            _ => Act::FastForward(rng.range(1, 10)),
        })
        .collect();
    Script {
        preset,
        seed: rng.range(0, 10_000),
        acts,
        seek_to: rng.range(0, 1_000),
    }
}

/// The run a script leaves; `true` if it fast-forwarded (the trace then
/// has a gap).
pub fn play(script: &Script) -> (Run, bool) {
    let url = UrlState {
        preset: script.preset.to_owned(),
        seed: script.seed,
        orders: Some(ORDERS),
        ..UrlState::default()
    };
    let mut notices = Vec::new();
    let mut run = Run::from_url(&url, &mut notices);
    assert!(notices.is_empty(), "{notices:?}");
    let all_faults = faults(run.model());
    let mut gap = false;
    for act in &script.acts {
        let s = run.session_mut();
        match act {
            Act::Play(ms) => {
                let t = s.now().plus_micros(ms * 1_000);
                s.advance_to(t, u64::MAX);
            }
            Act::Step(n) => {
                for _ in 0..*n {
                    if let Some(next) = s.sim().next_event_time() {
                        s.advance_to(next, 1);
                    }
                }
            }
            Act::Apply(c) => {
                let _ = run.apply(c.clone());
            }
            Act::Inject(i, ms) => {
                if let Some(f) = all_faults.get(*i) {
                    let f = FaultPreset {
                        duration: SimTime::from_millis(*ms),
                        ..f.clone()
                    };
                    let _ = run.inject(&f);
                }
            }
            Act::Schedule(ms, c) => {
                let at = s.now().plus_micros(ms * 1_000);
                let _ = s.schedule(at, c.clone());
            }
            Act::Seek(permille) => {
                let t = SimTime(s.furthest().as_micros() / 1_000 * permille);
                s.seek(t, u64::MAX);
            }
            Act::FastForward(n) => {
                let target = s.sim().orders_started() + n;
                while !s.fast_forward(target, 10_000) {}
                gap = true;
            }
        }
        assert!(
            run.session_mut().take_problems().is_empty(),
            "a run's own history replays"
        );
    }
    (run, gap)
}

/// The link the page shares for `run` (time cursor at its time).
pub fn share_link(run: &Run) -> UrlState {
    UrlState {
        preset: run.preset().to_owned(),
        mode: run.mode_override(),
        seed: run.session().seed(),
        orders: run.orders_override(),
        faults: run.faults(),
        t_us: run.now().as_micros(),
        commands: run.url_commands(),
        ..UrlState::default()
    }
}

fn trace_hash(run: &Run) -> u64 {
    let mut h = TraceHasher::default();
    for e in run.session().store().events() {
        h.event(e);
    }
    h.finish()
}

/// Plays the script, then seeks to a time and compares the run there with
/// a fresh run of its share link taken to the same time.
pub fn check(script: &Script) -> Outcome {
    let (mut run, gap) = play(script);
    let had_commands = !run.session().history().is_empty();
    let furthest = run.session().furthest();
    let t = SimTime(furthest.as_micros() / 1_000 * script.seek_to);
    let mut link = share_link(&run);
    link.t_us = 0;
    let query = link.to_query();
    run.session_mut().seek(t, u64::MAX);

    let (parsed, notices) = UrlState::parse(&query);
    assert!(notices.is_empty(), "{notices:?} in {query}");
    assert_eq!(
        parsed.commands, link.commands,
        "the link round-trips: {query}"
    );
    let mut notices = Vec::new();
    let mut fresh = Run::from_url(&parsed, &mut notices);
    assert!(notices.is_empty(), "{notices:?}");
    fresh.session_mut().advance_to(t, u64::MAX);

    let (a, b) = (run.session(), fresh.session());
    let context = format!("at {t} of {furthest}, link {query}");
    assert_eq!(a.now(), b.now(), "{context}");
    assert_eq!(
        a.sim().events_processed(),
        b.sim().events_processed(),
        "{context}"
    );
    assert_eq!(
        orderflow_sim::report::metrics_json(a.sim()),
        orderflow_sim::report::metrics_json(b.sim()),
        "{context}"
    );
    assert_eq!(a.history(), b.history(), "{context}");
    assert_eq!(a.timed_origins(), b.timed_origins(), "{context}");
    assert_eq!(a.scheduled(), b.scheduled(), "{context}");
    if !gap {
        assert_eq!(trace_hash(&run), trace_hash(&fresh), "{context}");
    }
    assert!(fresh.session_mut().take_problems().is_empty(), "{context}");

    // A change made there takes both to the same new timeline: the
    // link's record of where each timed command was scheduled decides
    // which survive, as the run's own memory does.
    let change = Command::SetLatencyFactor {
        service: run.model().services.as_slice()[1].id.clone(),
        factor: 3.0,
    };
    let later = t.plus_micros(10_000_000);
    for r in [&mut run, &mut fresh] {
        r.apply(change.clone());
        r.session_mut().advance_to(later, u64::MAX);
    }
    let (a, b) = (run.session(), fresh.session());
    assert_eq!(a.history(), b.history(), "{context}, after a change");
    assert_eq!(a.scheduled(), b.scheduled(), "{context}, after a change");
    assert_eq!(
        orderflow_sim::report::metrics_json(a.sim()),
        orderflow_sim::report::metrics_json(b.sim()),
        "{context}, after a change"
    );
    if !had_commands {
        Outcome::Rejected("no commands".into())
    } else {
        Outcome::Accepted
    }
}

/// Sequences per million inputs of the long mode: each plays a whole run.
const PER_MILLION: u64 = 10_000;

#[test]
fn fuzz_session_seek() {
    let config = Config::from_env(3.0).scaled(PER_MILLION, 1_000_000);
    run("fuzz_session_seek", &config, script, check, |s| {
        format!("{s:#?}").into_bytes()
    })
    .assert_clean();
}
