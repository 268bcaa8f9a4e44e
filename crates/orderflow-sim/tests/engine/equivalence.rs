//! Whole runs pinned to a committed file: every preset, in every completion
//! mode it allows, over several seeds, with its scheduled faults and with
//! commands applied mid-run (a service down and up, slowed, scaled, failing,
//! dropping; the broker restarted). Each line holds the events processed, the
//! final time and hashes of the full trace and of the full metrics, so any
//! change of behaviour, however small, changes a line. A refactoring of the
//! engine must leave this file byte-identical; `UPDATE_EXPECT=1` accepts a
//! reviewed change of behaviour.
//!
//! Each run is also replayed from its recorded commands and must match.

use std::fmt::Write;

use expect_test::expect_file;
use orderflow_sim::model::Model;
use orderflow_sim::scenario::ServiceKind;
use orderflow_sim::trace::TraceHasher;
use orderflow_sim::{Command, Completion, Sim, SimTime, presets};

use crate::support::*;

/// Orders per run: enough to reach the presets' faults, few enough to be cheap.
const ORDERS: u64 = 300;
const SEEDS: [u64; 3] = [1, 7, 42];

/// Commands applied at fixed times, chosen from the services the preset has.
fn commands(model: &Model) -> Vec<(SimTime, Command)> {
    let workers: Vec<&str> = model
        .services
        .iter()
        .filter(|s| s.kind != ServiceKind::Client && s.kind != ServiceKind::Broker)
        .map(|s| s.id.as_str())
        .collect();
    let pick = |i: usize| workers[i % workers.len()].to_owned();
    let mut out = vec![
        (
            SimTime::from_millis(2_500),
            Command::SetUp {
                service: pick(1),
                up: false,
            },
        ),
        (
            SimTime::from_millis(3_000),
            Command::SetLatencyFactor {
                service: pick(2),
                factor: 2.5,
            },
        ),
        (
            SimTime::from_millis(4_000),
            Command::SetReplicas {
                service: pick(0),
                replicas: 3,
            },
        ),
        (
            SimTime::from_millis(5_500),
            Command::SetUp {
                service: pick(1),
                up: true,
            },
        ),
        (
            SimTime::from_millis(6_000),
            Command::SetErrorRate {
                service: pick(3),
                rate: 0.2,
            },
        ),
        (
            SimTime::from_millis(7_000),
            Command::SetDropRate {
                service: pick(2),
                rate: 0.05,
            },
        ),
        (
            SimTime::from_millis(9_000),
            Command::SetLatencyFactor {
                service: pick(2),
                factor: 1.0,
            },
        ),
        (
            SimTime::from_millis(10_000),
            Command::SetReplicas {
                service: pick(0),
                replicas: 1,
            },
        ),
        (
            SimTime::from_millis(12_000),
            Command::SetErrorRate {
                service: pick(3),
                rate: 0.0,
            },
        ),
        (
            SimTime::from_millis(12_000),
            Command::SetDropRate {
                service: pick(2),
                rate: 0.0,
            },
        ),
    ];
    if model.broker_service.is_some() {
        out.push((
            SimTime::from_millis(8_000),
            Command::RestartBroker { downtime_ms: 700 },
        ));
        out.sort_by_key(|(t, _)| *t);
    }
    out
}

/// Runs to the end, applying `cmds` at their times; returns the trace hash.
fn run_with(sim: &mut Sim, cmds: &[(SimTime, Command)]) -> u64 {
    let mut h = TraceHasher::default();
    for (t, c) in cmds {
        sim.run_until(*t);
        sim.apply(c.clone()).expect("valid command");
        for e in sim.drain_trace() {
            h.event(&e);
        }
    }
    loop {
        let finished = sim.run_to_end(100_000);
        for e in sim.drain_trace() {
            h.event(&e);
        }
        if finished {
            break;
        }
    }
    h.finish()
}

fn metrics_hash(sim: &mut Sim) -> u64 {
    let mut h = TraceHasher::default();
    h.write(format!("{:?}", sim.metrics_now()).as_bytes());
    h.write(
        orderflow_sim::report::metrics_json(sim)
            .to_string()
            .as_bytes(),
    );
    h.finish()
}

fn line(name: &str, mode: Completion, seed: u64) -> String {
    let model = model_with(name, |s| s.workload.orders = s.workload.orders.min(ORDERS));
    let cmds = commands(&model);
    let mut a = sim(&model, seed, mode);
    let trace = run_with(&mut a, &cmds);
    let metrics = metrics_hash(&mut a);

    let mut b = Sim::replay(model.clone(), seed, mode, a.applied_commands()).expect("replays");
    loop {
        let finished = b.run_to_end(100_000);
        b.drain_trace();
        if finished {
            break;
        }
    }
    assert_eq!(
        (b.events_processed(), b.now(), metrics_hash(&mut b)),
        (a.events_processed(), a.now(), metrics),
        "{name} {} seed {seed}: the replay differs",
        mode.as_str()
    );
    format!(
        "{name} {} seed {seed}: {} events, end {}, trace {trace:016x}, metrics {metrics:016x}\n",
        mode.as_str(),
        a.events_processed(),
        a.now(),
    )
}

#[test]
fn every_preset_mode_and_seed_matches_the_committed_runs() {
    let mut out = String::new();
    for name in presets::names() {
        let model = presets::model(name).unwrap().unwrap();
        for &mode in &model.client.allowed {
            for seed in SEEDS {
                out.push_str(&line(name, mode, seed));
            }
        }
    }
    let _ = writeln!(out, "end");
    expect_file!["snapshots/equivalence.txt"].assert_eq(&out);
}
