//! Owns the controller's comparison actions: the designs a link names
//! (`vs=`, `cmp=`), "Compare with…" (a copy or a preset), taking a design
//! off, the built-in comparisons, "Run N seeds" and what the delta table
//! and the overlaid charts read. A child module of the controller, as
//! `design_actions.rs` is, so it keeps to the controller's private state.

use super::*;

impl Controller {
    /// The other designs a URL names (`vs=`) with their commands
    /// (`cmds2=`…) and edits (`d2=`…), and the built-in comparison `b`
    /// (`cmp=`, completed by [`link_designs`]).
    pub(super) fn with_url_designs(
        mut self,
        url: &UrlState,
        b: Option<&'static BuiltIn>,
    ) -> Controller {
        if let Some(b) = b
            && url.others.is_empty()
        {
            // `cmp=` alone: the built-in comparison as one click opens
            // it, at the link's seed and time.
            let (notices, seek) = (std::mem::take(&mut self.notices), self.pending_seek);
            self.open_built_in(b.id);
            self.message = None;
            self.notices = notices;
            self.pending_seek = seek;
            return self;
        }
        for (k, other) in url.others.iter().enumerate() {
            let u = UrlState {
                preset: other.preset.clone(),
                mode: other.mode,
                seed: url.seed,
                orders: other.orders,
                commands: other.commands.clone(),
                design: other.design.clone(),
                ..UrlState::default()
            };
            if let Err(e) = self.add_run(&u, no_faults(b, k + 1)) {
                self.notices.push(format!("vs[{k}]: {e}"));
            }
        }
        self.built_in = b.map(|b| b.id);
        self.relabel();
        self
    }

    /// Names the runs: after the built-in comparison's designs while it
    /// is on screen, otherwise each after its preset (and mode), a design
    /// of the same as an earlier one being its copy ("sync-chain (copy)",
    /// "sync-chain (copy 2)"). A function of what the link holds, so a
    /// shared link shows the same names.
    pub(super) fn relabel(&mut self) {
        if let Some(b) = self.built_in() {
            for (run, d) in self.runs.iter_mut().zip(b.designs) {
                run.set_label(d.label);
            }
            return;
        }
        let mut seen: Vec<String> = Vec::new();
        for run in &mut self.runs {
            let own = run.spec().label();
            let label = match seen.iter().filter(|s| **s == own).count() {
                0 => own.clone(),
                1 => format!("{own} (copy)"),
                n => format!("{own} (copy {n})"),
            };
            run.set_label(label);
            seen.push(own);
        }
    }

    /// Adds another design's run beside the others, described like a URL
    /// (preset, mode, seed, orders, commands); it catches up with the
    /// others' time. A problem with it keeps the runs as they are and is
    /// returned in words.
    pub fn add_run(&mut self, url: &UrlState, no_faults: bool) -> Result<(), String> {
        let mut notices = Vec::new();
        let run = Run::from_url_edited(url, no_faults, &mut notices);
        if !notices.is_empty() {
            return Err(notices.join("; "));
        }
        if self.runs.len() >= MAX_DESIGNS {
            return Err(format!("at most {MAX_DESIGNS} designs side by side"));
        }
        self.push_run(run);
        Ok(())
    }

    /// Adds `run` beside the others; it catches up with their time.
    fn push_run(&mut self, run: Run) {
        let now = self.now();
        self.runs.push(run);
        self.generation += 1;
        self.built_in = None;
        self.relabel();
        if now > SimTime::ZERO {
            self.pending_seek = Some(self.pending_seek.map_or(now, |t| t.max(now)));
        }
    }

    // ---- Compare ----

    /// "Compare with…": `choice` is [`COPY`] (a copy of the first design,
    /// to edit) or a preset's name. The new design runs with the first's
    /// seed and every command the first received, at the same times (those
    /// naming a service it lacks are left out, and the message says so).
    pub fn compare_with(&mut self, choice: &str) {
        if self.runs.len() >= MAX_DESIGNS {
            self.message = Some(format!("at most {MAX_DESIGNS} designs side by side"));
            return;
        }
        let first = self.run().spec();
        let spec = if choice == COPY {
            first.clone()
        } else if orderflow_sim::presets::NAMES.contains(&choice) {
            DesignSpec {
                commands: first.commands.clone(),
                ..DesignSpec::preset(choice)
            }
        } else {
            self.message = Some(format!("compare: unknown preset {choice:?}"));
            return;
        };
        let mut skipped = Vec::new();
        match Run::from_spec(&spec, self.run().session().seed(), &mut skipped) {
            Ok(run) => {
                self.push_run(run);
                let k = self.runs.len() - 1;
                let label = self.runs[k].label().to_owned();
                let said = if choice == COPY {
                    // A copy is there to be changed: the design panel
                    // opens on it.
                    self.open_design(k);
                    format!("comparing with {label}: the design panel edits it")
                } else {
                    format!("comparing with {label}")
                };
                self.message = Some(with_skipped(said, &skipped));
            }
            Err(e) => self.message = Some(e),
        }
    }

    /// Takes design `k` (not the first) off the page.
    pub fn remove_design(&mut self, k: usize) {
        if k == 0 || k >= self.runs.len() {
            return;
        }
        self.runs.remove(k);
        self.generation += 1;
        self.built_in = None;
        self.relabel();
        // The panel stays on the design it edits (the first if it was
        // this one).
        self.design_run = match self.design_run {
            i if i == k => 0,
            i if i > k => i - 1,
            i => i,
        };
    }

    /// Opens the built-in comparison `id`: its designs, from time zero, with
    /// the shared faults scheduled in each.
    pub fn open_built_in(&mut self, id: &str) {
        let Some(b) = comparisons::built_in(id) else {
            self.message = Some(format!("compare: unknown comparison {id:?}"));
            return;
        };
        let specs = match b.specs() {
            Ok(s) => s,
            Err(e) => {
                self.message = Some(e);
                return;
            }
        };
        let seed = self.run().session().seed();
        let mut skipped = Vec::new();
        let runs: Result<Vec<Run>, String> = specs
            .iter()
            .map(|(_, spec)| Run::from_spec(spec, seed, &mut skipped))
            .collect();
        match runs {
            Ok(runs) => {
                self.runs = runs;
                self.reset_view(0);
                self.design_run = 0;
                self.built_in = Some(b.id);
                self.relabel();
                self.message = Some(with_skipped(b.title.to_owned(), &skipped));
            }
            Err(e) => self.message = Some(e),
        }
    }

    /// The built-in comparison on screen.
    pub fn built_in(&self) -> Option<&'static BuiltIn> {
        self.built_in.and_then(comparisons::built_in)
    }

    /// The designs as the worker takes them: each run's spec, the first's
    /// seed, `seeds` seeds.
    pub fn seeds_job(&self, seeds: u64) -> SeedsJob {
        SeedsJob {
            first_seed: self.run().session().seed(),
            seeds,
            designs: self.runs.iter().map(Run::spec).collect(),
        }
    }

    /// Each design on screen as the comparison's statistics take it.
    fn designs(&self) -> Vec<Design> {
        self.runs
            .iter()
            .map(|r| Design {
                label: r.label().to_owned(),
                model: r.model().clone(),
                completion: r.session().mode(),
            })
            .collect()
    }

    /// Starts "Run N seeds": returns the job's text for the worker.
    pub fn start_seeds(&mut self, seeds: u64) -> Option<String> {
        let job = self.seeds_job(seeds);
        let designs = self.designs();
        let run = SeedsRun::new(&job, designs);
        let text = run.job_text.clone();
        self.seeds_run = Some(run);
        self.message = Some(format!("running {seeds} seeds of each design…"));
        Some(text)
    }

    /// One result from the worker: design `design`, seed number
    /// `seed_index`, its figures.
    pub fn seeds_received(&mut self, design: usize, seed_index: usize, values: &[f64]) {
        let Some(run) = self.seeds_run.as_mut() else {
            return;
        };
        if let Err(e) = run.receive(design, seed_index, values) {
            self.seeds_run = None;
            self.message = Some(e);
            return;
        }
        if let Some(result) = run.result() {
            let seeds = result.seeds.len();
            self.seeds_result = Some((run.job_text.clone(), result));
            self.seeds_run = None;
            self.message = Some(format!("{seeds} seeds of each design done"));
        }
    }

    /// The worker failed: the message, in words.
    pub fn seeds_failed(&mut self, error: String) {
        self.seeds_run = None;
        self.message = Some(format!("running seeds failed: {error}"));
    }

    /// Share done of "Run N seeds", while it runs.
    pub fn seeds_progress(&self) -> Option<f64> {
        self.seeds_run.as_ref().map(SeedsRun::progress)
    }

    /// The comparison's overlaid charts (empty with one design).
    pub fn overlaid_charts(&self) -> Vec<crate::stats::Chart> {
        if self.runs.len() < 2 {
            return Vec::new();
        }
        let designs: Vec<(&str, &orderflow_sim::Sim)> = self
            .runs
            .iter()
            .map(|r| (r.label(), r.session().sim()))
            .collect();
        crate::stats::overlaid(&designs)
    }

    /// The delta table: over seeds when a result for exactly these designs
    /// is in, otherwise the runs on screen at their time. `None` with one
    /// design.
    pub fn delta_table(&self) -> Option<DeltaTable> {
        if self.runs.len() < 2 {
            return None;
        }
        let first = self.built_in().map_or(&[][..], |b| b.figures);
        if let Some((job, result)) = &self.seeds_result {
            let seeds = result.seeds.len() as u64;
            if *job == self.seeds_job(seeds).to_text() {
                return Some(compare_view::table(result, first));
            }
        }
        let designs = self.designs();
        let figures: Vec<Vec<Figures>> = self
            .runs
            .iter()
            .map(|r| vec![measure::measure(r.session().sim())])
            .collect();
        let seed = self.run().session().seed();
        Some(compare_view::table(
            &orderflow_sim::compare::summarise(&designs, &[seed], &figures),
            first,
        ))
    }
}

/// A built-in comparison's design `k` leaves out its preset's own faults.
fn no_faults(b: Option<&BuiltIn>, k: usize) -> bool {
    b.and_then(|b| b.designs.get(k))
        .is_some_and(|d| d.no_faults)
}

/// The designs a link names, completed from the built-in comparison its
/// `cmp=` names ([`UrlState::with_built_in`]), and that comparison. A
/// `cmp=` whose designs the link states otherwise is named in `notices`,
/// and the link's designs run as it states them.
pub(super) fn link_designs(
    url: &UrlState,
    notices: &mut Vec<String>,
) -> (UrlState, Option<&'static BuiltIn>) {
    let Some(id) = url.cmp.as_deref() else {
        return (url.clone(), None);
    };
    let without = || UrlState {
        cmp: None,
        ..url.clone()
    };
    let Some(b) = comparisons::built_in(id) else {
        notices.push(format!("cmp: unknown comparison {id:?}"));
        return (without(), None);
    };
    if url.others.is_empty() {
        // `cmp=` alone opens the comparison.
        return (url.clone(), Some(b));
    }
    match url.with_built_in(b) {
        Ok(full) => (full, Some(b)),
        Err(e) => {
            notices.push(format!(
                "cmp: {e}; the link's designs run as it states them, without the comparison's names"
            ));
            (without(), None)
        }
    }
}
