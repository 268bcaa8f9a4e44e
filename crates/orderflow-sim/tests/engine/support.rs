//! Helpers shared by the engine's integration tests.

use std::sync::Arc;

use orderflow_sim::model::Model;
use orderflow_sim::scenario::Scenario;
use orderflow_sim::trace::{TraceEvent, TraceKind};
use orderflow_sim::{Completion, Sim, presets};

/// Preset `name`, edited by `edit` before compiling.
pub fn model_with(name: &str, edit: impl FnOnce(&mut Scenario)) -> Arc<Model> {
    let mut s =
        Scenario::from_json(presets::json(name).expect("known preset")).expect("preset parses");
    edit(&mut s);
    Arc::new(Model::compile(s).unwrap_or_else(|e| panic!("edited {name} does not compile:\n{e}")))
}

/// A run of `model` in `mode`.
pub fn sim(model: &Arc<Model>, seed: u64, mode: Completion) -> Sim {
    Sim::with_completion(model.clone(), seed, mode).expect("mode allowed")
}

/// Runs to the end (bounded), checking the invariants after every event;
/// returns the whole trace.
pub fn run_checked(sim: &mut Sim) -> Vec<TraceEvent> {
    let mut trace = Vec::new();
    for _ in 0..50_000_000u64 {
        if !sim.step() {
            trace.extend(sim.drain_trace());
            return trace;
        }
        if let Err(e) = sim.check_invariants() {
            panic!(
                "invariant broken at {} (seed {}, scenario {}): {e}",
                sim.now(),
                sim.seed(),
                sim.model().scenario.name
            );
        }
        if sim.events_processed().is_multiple_of(10_000) {
            trace.extend(sim.drain_trace());
        }
    }
    panic!("run of {} did not finish", sim.model().scenario.name);
}

/// Runs to the end without per-event checks; returns the trace.
pub fn run(sim: &mut Sim) -> Vec<TraceEvent> {
    let mut trace = Vec::new();
    loop {
        let finished = sim.run_to_end(100_000);
        trace.extend(sim.drain_trace());
        if finished {
            return trace;
        }
    }
}

/// The trace as text, one event per line.
pub fn text(model: &Model, trace: &[TraceEvent]) -> String {
    trace.iter().map(|e| e.text(model) + "\n").collect()
}

/// Trace events of one kind, by a filter.
pub fn count(trace: &[TraceEvent], f: impl Fn(&TraceKind) -> bool) -> usize {
    trace.iter().filter(|e| f(&e.kind)).count()
}
