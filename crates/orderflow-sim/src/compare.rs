//! Comparing designs over many seeds: each design runs with the same seeds,
//! every figure of the registry ([`crate::measure`]) is summarised as a
//! mean with its 95 % interval, and each design after the first is set
//! against the first: the difference, the ratio, which is better, and
//! whether the difference is significant (Welch's t-test, [`crate::stats`]).
//!
//! The computation is here and prints nothing: `orderflow compare` prints
//! it, and a browser worker can call [`run_design`] seed by seed (to show
//! progress) and [`summarise`] at the end, or [`compare`] at once.

use std::sync::Arc;

use serde::Serialize;

use crate::command::Command;
use crate::measure::{self, Direction, MetricDef, Unit};
use crate::model::Model;
use crate::scenario::Completion;
use crate::sim::Sim;
use crate::stats::{self, Interval, Welch};
use crate::time::SimTime;

/// Events one run may take before the comparison gives up on it.
pub const MAX_EVENTS: u64 = 200_000_000;
/// Seeds per comparison at most.
pub const MAX_SEEDS: u64 = 1_000;

/// One design: a compiled scenario and how its client learns outcomes.
#[derive(Clone, Debug)]
pub struct Design {
    /// What the tables call it (`hybrid`, `hybrid (callback)`).
    pub label: String,
    pub model: Arc<Model>,
    pub completion: Completion,
}

/// The figures of one run of a design: `(name, value)` in registry order.
pub type Figures = Vec<(String, f64)>;

/// Runs `design` with `seed` to its end and measures it.
pub fn run_design(design: &Design, seed: u64) -> Result<Figures, String> {
    run_design_with(design, seed, &[])
}

/// Runs `design` with `seed` to its end, each of `commands` taking effect
/// at its time, and measures it.
pub fn run_design_with(
    design: &Design,
    seed: u64,
    commands: &[(SimTime, Command)],
) -> Result<Figures, String> {
    let mut sim = Sim::with_completion(design.model.clone(), seed, design.completion)
        .map_err(|e| format!("{}: {e}", design.label))?;
    sim.set_trace(false);
    for (at, c) in commands {
        sim.schedule(*at, c.clone())
            .map_err(|e| format!("{}: {}: {e}", design.label, c.describe()))?;
    }
    if !sim.run_to_end(MAX_EVENTS) {
        return Err(format!(
            "{} seed {seed}: did not finish within {MAX_EVENTS} events",
            design.label
        ));
    }
    Ok(measure::measure(&sim))
}

/// A design's view of one figure.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Cell {
    /// The mean over the seeds with its 95 % interval.
    pub interval: Interval,
    /// Against the first design (`None` for the first itself).
    pub versus_first: Option<Versus>,
}

/// One design against the first, on one figure.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Versus {
    /// This design's mean minus the first's.
    pub difference: f64,
    /// This design's mean over the first's (`None` when the first's is 0).
    pub ratio: Option<f64>,
    /// Better than the first in the figure's direction (`None` for a
    /// neutral figure or equal means).
    pub better: Option<bool>,
    /// Welch's test of the difference (`None` with fewer than two seeds).
    pub test: Option<Welch>,
    /// The test says the means differ at the 5 % level.
    pub significant: bool,
}

/// One figure across the designs.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Row {
    pub name: String,
    pub label: String,
    pub unit: Unit,
    pub direction: Direction,
    /// Per design, in order; `None` where the design has no such figure
    /// (a service or queue it does not have).
    pub cells: Vec<Option<Cell>>,
}

/// A whole comparison.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Comparison {
    pub designs: Vec<String>,
    pub seeds: Vec<u64>,
    pub rows: Vec<Row>,
}

impl Row {
    /// True if every design that has the figure measured 0 on every seed.
    pub fn is_all_zero(&self) -> bool {
        self.cells
            .iter()
            .flatten()
            .all(|c| c.interval.mean == 0.0 && (c.interval.sd == 0.0 || c.interval.sd.is_nan()))
    }
}

/// Runs every design with every seed and summarises the figures.
pub fn compare(designs: &[Design], seeds: &[u64]) -> Result<Comparison, String> {
    if designs.is_empty() {
        return Err("no design to compare".into());
    }
    if seeds.is_empty() || seeds.len() as u64 > MAX_SEEDS {
        return Err(format!("needs 1 to {MAX_SEEDS} seeds"));
    }
    let mut runs = Vec::with_capacity(designs.len());
    for d in designs {
        let per_seed = seeds
            .iter()
            .map(|&seed| run_design(d, seed))
            .collect::<Result<Vec<_>, _>>()?;
        runs.push(per_seed);
    }
    Ok(summarise(designs, seeds, &runs))
}

/// The comparison of figures already measured: `runs[design][seed]`.
pub fn summarise(designs: &[Design], seeds: &[u64], runs: &[Vec<Figures>]) -> Comparison {
    // Every figure any design has, in the first design's order, then the
    // others' own (their services and queues) after them.
    let mut defs: Vec<MetricDef> = Vec::new();
    for d in designs {
        for def in measure::catalogue(&d.model) {
            if measure::find(&defs, &def.name).is_none() {
                defs.push(def);
            }
        }
    }
    let samples = |design: usize, name: &str| -> Option<Vec<f64>> {
        let per_seed = runs.get(design)?;
        per_seed
            .iter()
            .map(|figs| figs.iter().find(|(n, _)| n == name).map(|(_, v)| *v))
            .collect()
    };
    let rows = defs
        .into_iter()
        .map(|def| {
            let first = samples(0, &def.name);
            let cells = (0..designs.len())
                .map(|i| {
                    let xs = samples(i, &def.name)?;
                    let interval = stats::interval(&xs)?;
                    let versus_first = match (&first, i) {
                        (Some(base), i) if i > 0 => Some(versus(base, &xs, def.direction)),
                        _ => None,
                    };
                    Some(Cell {
                        interval,
                        versus_first,
                    })
                })
                .collect();
            Row {
                name: def.name,
                label: def.label,
                unit: def.unit,
                direction: def.direction,
                cells,
            }
        })
        .collect();
    Comparison {
        designs: designs.iter().map(|d| d.label.clone()).collect(),
        seeds: seeds.to_vec(),
        rows,
    }
}

fn versus(base: &[f64], xs: &[f64], direction: Direction) -> Versus {
    let (m0, m1) = (stats::mean(base), stats::mean(xs));
    let test = stats::welch(base, xs);
    let better = match direction {
        Direction::Neutral => None,
        _ if m0 == m1 => None,
        d => Some(d.is_better(m1, m0)),
    };
    Versus {
        difference: m1 - m0,
        ratio: (m0 != 0.0).then(|| m1 / m0),
        better,
        significant: test.is_some_and(|t| t.significant),
        test,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::presets;

    fn design(name: &str, orders: u64) -> Design {
        let mut s = presets::scenario(name).unwrap();
        s.workload.orders = orders;
        let model = Arc::new(Model::compile(s).unwrap());
        Design {
            label: name.to_owned(),
            completion: model.client.completion,
            model,
        }
    }

    fn row<'a>(c: &'a Comparison, name: &str) -> &'a Row {
        c.rows.iter().find(|r| r.name == name).unwrap()
    }

    #[test]
    fn identical_designs_differ_in_nothing() {
        let seeds: Vec<u64> = (1..=5).collect();
        let d = design("hybrid", 40);
        let c = compare(&[d.clone(), d], &seeds).unwrap();
        for r in &c.rows {
            let v = r.cells[1].as_ref().unwrap().versus_first.as_ref().unwrap();
            assert_eq!(v.difference, 0.0, "{}", r.name);
            assert!(!v.significant, "{}", r.name);
            assert_eq!(v.better, None, "{}", r.name);
        }
        assert_eq!(c.seeds, seeds);
    }

    /// The hybrid waits for inventory and payment only; the synchronous
    /// chain for warehouse and notification too.
    #[test]
    fn the_hybrid_answers_significantly_sooner_than_the_sync_chain() {
        let seeds: Vec<u64> = (1..=20).collect();
        let c = compare(&[design("sync-chain", 60), design("hybrid", 60)], &seeds).unwrap();
        assert_eq!(c.designs, ["sync-chain", "hybrid"]);
        let r = row(&c, "latency.response.mean_ms");
        let v = r.cells[1].as_ref().unwrap().versus_first.as_ref().unwrap();
        assert!(v.difference < 0.0, "{v:?}");
        assert_eq!(v.better, Some(true));
        assert!(v.significant, "{v:?}");
        assert!(v.ratio.unwrap() < 0.8, "{v:?}");
        // The hybrid has a status store the chain has not: its row is
        // there, empty for the chain.
        let status = row(&c, "service.status.received");
        assert!(status.cells[0].is_none() && status.cells[1].is_some());
    }

    #[test]
    fn bad_requests_are_refused() {
        assert!(compare(&[], &[1]).is_err());
        assert!(compare(&[design("hybrid", 5)], &[]).is_err());
        let mut d = design("hybrid", 5);
        d.completion = Completion::Polling;
        d.model = presets::model("sync-chain").unwrap().unwrap();
        assert!(compare(&[d], &[1]).unwrap_err().contains("not allowed"));
    }
}
