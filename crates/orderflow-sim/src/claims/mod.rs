//! Claims: what a scenario demonstrates, checked by running it.
//!
//! A scenario's `claims` section ([`crate::scenario::ClaimSpec`]) lists the
//! claims of its source document that it shows, in the document's terms:
//! "with a durable queue a consumer outage loses nothing", "polling wastes
//! requests that a webhook does not". Each names a seed, one or more runs
//! (the scenario as it is, or a variant: another completion mode, another
//! id source, no scheduled faults, queues durable or not, commands at given
//! moments, or another preset to compare with) and expectations over the
//! runs' figures from [`crate::measure`] (the grammar is in [`expr`]).
//!
//! [`crate::model::Model::claims`] compiles them against the compiled
//! scenario, checking every run, command, figure and "show me" setting
//! (errors name the field); [`check`] runs one and says whether it holds,
//! with the figures it measured. `orderflow claims` prints them, a native
//! test runs every preset's. The presets' claims are built apart from the
//! presets ([`crate::presets::claims`]), so the browser app, which runs
//! presets but checks no claim, carries none of this.

pub mod expr;

use std::sync::Arc;

use crate::command::Command;
use crate::measure;
use crate::model::{Model, ScenarioErrors};
use crate::presets;
use crate::scenario::{Completion, IdSource, Scenario};
use crate::sim::Sim;
use crate::time::SimTime;
use expr::{Expectation, Figure, number};

/// Claims per scenario, runs per claim, expectations per claim, orders per
/// run: claims are meant to be cheap to check.
pub mod bounds {
    pub const CLAIMS: usize = 32;
    pub const RUNS: usize = 4;
    pub const EXPECTATIONS: usize = 16;
    pub const ORDERS: u64 = 50_000;
    /// Events one run of a claim may take.
    pub const EVENTS: u64 = 50_000_000;
    /// Characters of a claim's text.
    pub const TEXT: usize = 240;
}

/// Where a claim comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Document {
    /// One of the source documents, `000` to `004`.
    Source(u8),
    /// Not in the documents: something the engine shows besides.
    Beyond,
}

/// The source documents' numbers, as written in a claim.
const DOCUMENTS: [&str; 5] = ["000", "001", "002", "003", "004"];
const BEYOND: &str = "beyond the documents";

impl Document {
    /// Parses `"000"` … `"004"` or `"beyond the documents"`.
    pub fn parse(s: &str) -> Option<Document> {
        if s == BEYOND {
            return Some(Document::Beyond);
        }
        let i = DOCUMENTS.iter().position(|d| *d == s)?;
        u8::try_from(i).ok().map(Document::Source)
    }

    /// As written in a claim.
    pub fn as_str(self) -> &'static str {
        match self {
            Document::Source(i) => DOCUMENTS.get(usize::from(i)).copied().unwrap_or(BEYOND),
            Document::Beyond => BEYOND,
        }
    }
}

/// One run of a claim, checked against the model it runs.
#[derive(Clone, Debug, PartialEq)]
pub struct ClaimRun {
    pub name: String,
    /// Another preset to run instead of the claim's scenario.
    pub preset: Option<String>,
    pub completion: Completion,
    pub id_source: Option<IdSource>,
    /// Orders in the run, if not the scenario's.
    pub orders: Option<u64>,
    /// Keep the scenario's scheduled faults.
    pub faults: bool,
    /// Queues made durable or transient.
    pub durable: Vec<(String, bool)>,
    /// Commands applied at their moments.
    pub commands: Vec<(SimTime, Command)>,
}

/// What the playground shows for a claim.
#[derive(Clone, Debug, PartialEq)]
pub struct Show {
    /// Index into [`Claim::runs`]: the run to open, its commands included.
    pub run: usize,
    /// The moment to seek to (`None`: the end of the run).
    pub at: Option<SimTime>,
    /// The figure to point at (a metric name of [`crate::measure`]).
    pub metric: String,
}

/// A compiled claim.
#[derive(Clone, Debug, PartialEq)]
pub struct Claim {
    pub id: String,
    pub text: String,
    pub document: Document,
    pub seed: u64,
    pub runs: Vec<ClaimRun>,
    pub expect: Vec<Expectation>,
    pub show: Show,
}

impl ClaimRun {
    /// The scenario this run runs: `own` (the claim's) or its preset, with
    /// the run's changes, without claims of its own.
    pub fn scenario(&self, own: &Scenario) -> Result<Scenario, String> {
        let mut s = match &self.preset {
            Some(p) => presets::scenario(p).ok_or_else(|| format!("no preset {p:?}"))?,
            None => own.clone(),
        };
        s.claims.clear();
        if let Some(n) = self.orders {
            s.workload.orders = n;
        }
        if !self.faults {
            s.faults.clear();
            for sv in &mut s.services {
                sv.down.clear();
            }
        }
        if let Some(broker) = s.broker.as_mut() {
            for (queue, durable) in &self.durable {
                for q in broker.queues.iter_mut().filter(|q| &q.id == queue) {
                    q.durable = *durable;
                }
            }
        }
        if let Some(source) = self.id_source {
            s.client.id_source = Some(source);
        }
        Ok(s)
    }

    /// The run's model, compiled.
    pub fn model(&self, own: &Scenario) -> Result<Arc<Model>, String> {
        let s = self.scenario(own)?;
        Model::compile(s)
            .map(Arc::new)
            .map_err(|e: ScenarioErrors| format!("run {}: {e}", self.name))
    }

    /// A simulation of the run, its commands scheduled, not yet started:
    /// what the playground opens for "show me".
    pub fn sim(&self, own: &Scenario, seed: u64) -> Result<Sim, String> {
        let model = self.model(own)?;
        let mut sim = Sim::with_completion(model, seed, self.completion)
            .map_err(|e| format!("run {}: {e}", self.name))?;
        for (at, cmd) in &self.commands {
            sim.schedule(*at, cmd.clone())
                .map_err(|e| format!("run {}: {}: {e}", self.name, cmd.describe()))?;
        }
        Ok(sim)
    }
}

/// What checking a claim found.
#[derive(Clone, Debug, PartialEq)]
pub struct ClaimReport {
    pub passed: bool,
    /// Every figure the expectations read, `run.metric` with its value, in
    /// the order first written.
    pub figures: Vec<(String, f64)>,
    /// The expectations that did not hold, with both sides' values.
    pub failed: Vec<String>,
    /// A run that could not be built or did not finish.
    pub error: Option<String>,
}

impl ClaimReport {
    fn broken(error: String) -> ClaimReport {
        ClaimReport {
            passed: false,
            figures: Vec::new(),
            failed: Vec::new(),
            error: Some(error),
        }
    }

    /// The figures as `a.outcome.lost = 0, b.outcome.lost = 12`.
    pub fn figures_text(&self) -> String {
        self.figures
            .iter()
            .map(|(name, v)| format!("{name} = {}", number(*v)))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Runs `run` of `claim` (of `model`'s scenario) to its end and measures it.
pub fn measure_run(
    model: &Model,
    claim: &Claim,
    run: &ClaimRun,
) -> Result<Vec<(String, f64)>, String> {
    let mut sim = run.sim(&model.scenario, claim.seed)?;
    sim.set_trace(false);
    if !sim.run_to_end(bounds::EVENTS) {
        return Err(format!(
            "run {} did not finish within {} events",
            run.name,
            bounds::EVENTS
        ));
    }
    Ok(measure::measure(&sim))
}

/// Runs every run of `claim` and checks its expectations.
pub fn check(model: &Model, claim: &Claim) -> ClaimReport {
    let mut measured = Vec::with_capacity(claim.runs.len());
    for run in &claim.runs {
        match measure_run(model, claim, run) {
            Ok(values) => measured.push(values),
            Err(e) => return ClaimReport::broken(e),
        }
    }
    let value = |f: &Figure| {
        measured
            .get(f.run)
            .and_then(|vs| vs.iter().find(|(n, _)| *n == f.metric))
            .map_or(f64::NAN, |(_, v)| *v)
    };
    let mut figures: Vec<(String, f64)> = Vec::new();
    let mut failed = Vec::new();
    for e in &claim.expect {
        for f in e.figures() {
            let name = format!("{}.{}", claim.runs[f.run].name, f.metric);
            if !figures.iter().any(|(n, _)| *n == name) {
                figures.push((name, value(f)));
            }
        }
        let v = e.verdict(&value);
        if !v.holds {
            failed.push(format!("{} ({v})", e.source));
        }
    }
    ClaimReport {
        passed: failed.is_empty(),
        figures,
        failed,
        error: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_read_and_print_the_same() {
        for s in ["000", "001", "002", "003", "004", "beyond the documents"] {
            assert_eq!(Document::parse(s).map(Document::as_str), Some(s));
        }
        assert_eq!(Document::parse("005"), None);
        assert_eq!(Document::parse("0"), None);
    }
}
