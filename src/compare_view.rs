//! Owns the comparison's view models: the delta table (each figure per
//! design, its difference and ratio to the first, the better one marked,
//! and after "Run N seeds" the mean ± 95 % interval and whether a
//! difference is significant), and the collection of the worker's results
//! seed by seed ([`SeedsRun`]). The figures and the statistics are the
//! engine's ([`orderflow_sim::measure`], [`orderflow_sim::compare`]); this
//! only lays them out. Plain Rust, tested natively.

use orderflow_sim::compare::{self, Cell, Comparison, Design, Figures, Row};
use orderflow_sim::comparisons::SeedsJob;
use orderflow_sim::measure::{self, Unit};

use crate::stats::fmt_ms;

/// Seeds "Run N seeds" runs unless told otherwise.
pub const DEFAULT_SEEDS: u64 = 20;

/// The figures the table shows first, in this order, after those a
/// built-in comparison names (the others sit in a collapsed "every figure"
/// part).
pub const HEADLINE: &[&str] = &[
    "latency.response.mean_ms",
    "latency.response.p95_ms",
    "latency.completion.mean_ms",
    "latency.completion.p95_ms",
    "outcome.completed_share",
    "outcome.inconsistent",
    "outcome.lost",
    "outcome.failed",
    "outcome.compensated",
    "orders.settled",
    "run.throughput_per_s",
];

/// How a design's value compares with the first's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mark {
    /// The first design itself, or nothing to say.
    None,
    Better,
    Worse,
    Same,
}

impl Mark {
    pub fn class(self) -> &'static str {
        match self {
            Mark::None => "delta__cell",
            Mark::Better => "delta__cell delta__cell--better",
            Mark::Worse => "delta__cell delta__cell--worse",
            Mark::Same => "delta__cell delta__cell--same",
        }
    }
}

/// One design's cell of a row.
#[derive(Clone, Debug, PartialEq)]
pub struct DeltaCell {
    /// `412 ms` or, over seeds, `412 ms ± 9.1 ms`; `—` when the design has
    /// no such figure.
    pub value: String,
    /// Against the first: `+120 ms · ×1.41`, with `(significant)` or `(not
    /// significant)` over seeds; empty for the first.
    pub versus: String,
    pub mark: Mark,
}

/// One figure across the designs.
#[derive(Clone, Debug, PartialEq)]
pub struct DeltaRow {
    pub name: String,
    pub label: String,
    pub cells: Vec<DeltaCell>,
}

/// The whole table.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct DeltaTable {
    pub designs: Vec<String>,
    /// Seeds behind the figures (1: the runs on screen, at their time).
    pub seeds: usize,
    pub headline: Vec<DeltaRow>,
    /// Every other figure that is not zero everywhere.
    pub others: Vec<DeltaRow>,
}

/// A value in its unit.
pub fn fmt_value(v: f64, unit: Unit) -> String {
    if v.is_nan() {
        return "—".into();
    }
    match unit {
        Unit::Ms => fmt_ms(v),
        Unit::Seconds => format!("{} s", crate::stats::fmt_seconds(v)),
        Unit::Share => format!("{:.1} %", v * 100.0),
        Unit::PerSecond => format!("{v:.2}/s"),
        Unit::Count => {
            if v.fract() == 0.0 {
                format!("{v:.0}")
            } else {
                format!("{v:.1}")
            }
        }
    }
}

/// A difference in its unit, with its sign.
fn fmt_difference(v: f64, unit: Unit) -> String {
    let sign = if v > 0.0 {
        "+"
    } else if v < 0.0 {
        "−"
    } else {
        "±"
    };
    format!("{sign}{}", fmt_value(v.abs(), unit))
}

fn cell(c: Option<&Cell>, unit: Unit, seeds: usize) -> DeltaCell {
    let Some(c) = c else {
        return DeltaCell {
            value: "—".into(),
            versus: String::new(),
            mark: Mark::None,
        };
    };
    let i = &c.interval;
    let value = if seeds > 1 && !i.half_width.is_nan() {
        format!(
            "{} ± {}",
            fmt_value(i.mean, unit),
            fmt_value(i.half_width, unit)
        )
    } else {
        fmt_value(i.mean, unit)
    };
    let Some(v) = &c.versus_first else {
        return DeltaCell {
            value,
            versus: String::new(),
            mark: Mark::None,
        };
    };
    let mut versus = fmt_difference(v.difference, unit);
    if let Some(r) = v.ratio {
        versus.push_str(&format!(" · ×{r:.2}"));
    }
    if seeds > 1 {
        versus.push_str(if v.significant {
            " (significant)"
        } else {
            " (not significant)"
        });
    }
    // Over seeds, only a significant difference earns a mark.
    let mark = match v.better {
        _ if seeds > 1 && !v.significant => Mark::Same,
        Some(true) => Mark::Better,
        Some(false) => Mark::Worse,
        None if v.difference == 0.0 => Mark::Same,
        None => Mark::None,
    };
    DeltaCell {
        value,
        versus,
        mark,
    }
}

fn row(r: &Row, seeds: usize) -> DeltaRow {
    let unit = r.unit;
    DeltaRow {
        name: r.name.clone(),
        label: format!(
            "{}{}",
            r.label,
            match unit.symbol() {
                "" | "share" => String::new(),
                s => format!(" ({s})"),
            }
        ),
        cells: r
            .cells
            .iter()
            .map(|c| cell(c.as_ref(), unit, seeds))
            .collect(),
    }
}

/// The table of a comparison (one seed: the runs on screen; many: the
/// worker's).
pub fn table(c: &Comparison, first: &[&str]) -> DeltaTable {
    let seeds = c.seeds.len();
    let mut names: Vec<&str> = first.to_vec();
    names.extend(HEADLINE.iter().filter(|h| !first.contains(h)));
    let headline = names
        .iter()
        .filter_map(|name| c.rows.iter().find(|r| r.name == *name))
        .map(|r| row(r, seeds))
        .collect();
    let others = c
        .rows
        .iter()
        .filter(|r| !names.contains(&r.name.as_str()) && !r.is_all_zero())
        .map(|r| row(r, seeds))
        .collect();
    DeltaTable {
        designs: c.designs.clone(),
        seeds,
        headline,
        others,
    }
}

/// "Run N seeds" under way: what the worker was asked, and its results so
/// far, `runs[design][seed]`.
#[derive(Clone, Debug)]
pub struct SeedsRun {
    /// The job's text, as sent (also says which designs the result is for).
    pub job_text: String,
    seeds: Vec<u64>,
    designs: Vec<Design>,
    runs: Vec<Vec<Option<Figures>>>,
    done: usize,
}

impl SeedsRun {
    /// A run of `job` over `designs` (its designs, compiled, in order).
    pub fn new(job: &SeedsJob, designs: Vec<Design>) -> SeedsRun {
        let seeds = job.seed_list();
        SeedsRun {
            job_text: job.to_text(),
            runs: vec![vec![None; seeds.len()]; designs.len()],
            seeds,
            designs,
            done: 0,
        }
    }

    /// Runs expected in all (designs × seeds).
    pub fn total(&self) -> usize {
        self.designs.len() * self.seeds.len()
    }

    /// Runs received.
    pub fn done(&self) -> usize {
        self.done
    }

    /// Share done, 0..=1.
    pub fn progress(&self) -> f64 {
        self.done as f64 / self.total().max(1) as f64
    }

    /// The worker's figures of design `design` with its `seed_index`-th
    /// seed, in the order of that design's catalogue. A message that does
    /// not fit (an index out of range, a count that does not match) is
    /// refused in words.
    pub fn receive(
        &mut self,
        design: usize,
        seed_index: usize,
        values: &[f64],
    ) -> Result<(), String> {
        let d = self
            .designs
            .get(design)
            .ok_or_else(|| format!("worker: design {design} was not asked for"))?;
        let defs = measure::catalogue(&d.model);
        if defs.len() != values.len() {
            return Err(format!(
                "worker: {} figures for {}, expected {}",
                values.len(),
                d.label,
                defs.len()
            ));
        }
        let slot = self.runs[design]
            .get_mut(seed_index)
            .ok_or_else(|| format!("worker: seed {seed_index} was not asked for"))?;
        if slot.is_none() {
            self.done += 1;
        }
        *slot = Some(
            defs.into_iter()
                .map(|d| d.name)
                .zip(values.iter().copied())
                .collect(),
        );
        Ok(())
    }

    /// The comparison, once every run is in.
    pub fn result(&self) -> Option<Comparison> {
        let runs: Option<Vec<Vec<Figures>>> = self
            .runs
            .iter()
            .map(|per_seed| per_seed.iter().cloned().collect())
            .collect();
        Some(compare::summarise(&self.designs, &self.seeds, &runs?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use orderflow_sim::compare::Versus;
    use orderflow_sim::comparisons::DesignSpec;
    use orderflow_sim::measure::Direction;
    use orderflow_sim::stats::Interval;

    fn versus(difference: f64, better: Option<bool>, significant: bool) -> Versus {
        Versus {
            difference,
            ratio: Some(1.5),
            better,
            test: None,
            significant,
        }
    }

    fn one(mean: f64, half_width: f64, v: Option<Versus>) -> Option<Cell> {
        Some(Cell {
            interval: Interval {
                n: 20,
                mean,
                sd: 1.0,
                half_width,
            },
            versus_first: v,
        })
    }

    #[test]
    fn cells_read_as_values_differences_and_marks() {
        let r = Row {
            name: "latency.response.mean_ms".into(),
            label: "Response time, mean".into(),
            unit: Unit::Ms,
            direction: Direction::LowerIsBetter,
            cells: vec![
                one(400.0, 9.0, None),
                one(600.0, 12.0, Some(versus(200.0, Some(false), true))),
                one(405.0, 9.5, Some(versus(5.0, Some(false), false))),
                None,
            ],
        };
        let over_seeds = row(&r, 20);
        assert_eq!(over_seeds.label, "Response time, mean (ms)");
        let c = &over_seeds.cells;
        assert_eq!(
            (c[0].value.as_str(), c[0].mark),
            ("400 ms ± 9.0 ms", Mark::None)
        );
        assert_eq!(c[1].versus, "+200 ms · ×1.50 (significant)");
        assert_eq!(c[1].mark, Mark::Worse);
        assert_eq!(c[2].mark, Mark::Same, "not significant: no winner");
        assert_eq!(c[3].value, "—");
        let live = row(&r, 1);
        assert_eq!(live.cells[0].value, "400 ms");
        assert_eq!(
            live.cells[2].mark,
            Mark::Worse,
            "one seed: the sign decides"
        );
        assert_eq!(live.cells[2].versus, "+5.0 ms · ×1.50");
    }

    #[test]
    fn values_read_in_their_units() {
        assert_eq!(fmt_value(0.975, Unit::Share), "97.5 %");
        assert_eq!(fmt_value(12.0, Unit::Count), "12");
        assert_eq!(fmt_value(3.456, Unit::PerSecond), "3.46/s");
        assert_eq!(fmt_difference(-20.0, Unit::Count), "−20");
    }

    #[test]
    fn a_seeds_run_fills_in_and_summarises() {
        let specs = [
            DesignSpec {
                orders: Some(20),
                ..DesignSpec::preset("sync-chain")
            },
            DesignSpec {
                orders: Some(20),
                ..DesignSpec::preset("hybrid")
            },
        ];
        let job = SeedsJob {
            first_seed: 1,
            seeds: 3,
            designs: specs.to_vec(),
        };
        let designs: Vec<Design> = specs.iter().map(|s| s.design().unwrap()).collect();
        let mut run = SeedsRun::new(&job, designs.clone());
        assert_eq!(run.total(), 6);
        assert!(run.result().is_none());
        assert!(run.receive(2, 0, &[]).is_err());
        assert!(run.receive(0, 0, &[1.0]).unwrap_err().contains("figures"));
        for (i, d) in designs.iter().enumerate() {
            for (k, seed) in job.seed_list().into_iter().enumerate() {
                let figs = compare::run_design(d, seed).unwrap();
                let values: Vec<f64> = figs.iter().map(|(_, v)| *v).collect();
                run.receive(i, k, &values).unwrap();
            }
        }
        assert_eq!(run.progress(), 1.0);
        let from_worker = run.result().unwrap();
        let direct = compare::compare(&designs, &job.seed_list()).unwrap();
        assert_eq!(
            from_worker, direct,
            "the same figures as the engine's own compare"
        );
        let t = table(&from_worker, &[]);
        assert_eq!(t.seeds, 3);
        assert_eq!(t.headline[0].name, "latency.response.mean_ms");
        assert!(
            t.headline[0].cells[1].value.contains(" ± "),
            "{:?}",
            t.headline[0]
        );
    }
}
