//! Owns the page's state machine: the runs (one per design; one today) under
//! one playback, and every user action on them. The animation driver calls
//! [`Controller::tick`] once per frame; the page calls the named actions.
//! Plain Rust, tested natively; nothing here touches the browser.
//!
//! The transport moves every run together: play, step to the next event of
//! any run, seek, speed and fast-forward apply to all, so two designs can be
//! compared at the same simulated instant. Commands ("break things"), the
//! selection and the URL belong to the first run, the one the page shows.
//! Every method that rebuilds a model bumps [`Controller::generation`], so
//! the page redraws what stays fixed for a design.

use orderflow_sim::ids::{OrderId, ServiceId};
use orderflow_sim::{Command, Completion, IdSource, SimTime};

use crate::claims_view::{ClaimFigure, ClaimShow, FigureWatch};
use crate::compare_view::{self, DeltaTable, SeedsRun};
use crate::controls_view::{parse_orders, parse_seed};
use crate::event_log::LogFilter;
use crate::faults::{
    BROKER_RESTART_DOWNTIME_MS, FaultPreset, NodeControls, node_faults, replicas_after,
};
use crate::inspector::{Inspection, parse_order};
use crate::playback::Playback;
use crate::run::{DesignView, Run, fault_presets};
use crate::scene::Frame;
use crate::session::Advance;
use crate::stats::Stats;
use crate::url_state::{OtherDesign, UrlState};
use orderflow_sim::compare::{self, Comparison, Design, Figures};
use orderflow_sim::comparisons::{self, BuiltIn, DesignSpec, MAX_DESIGNS, SeedsJob};
use orderflow_sim::measure;

/// The "Compare with…" choice that copies the first design.
pub const COPY: &str = "copy";

/// `said`, then what was not applied where.
fn with_skipped(said: String, skipped: &[String]) -> String {
    if skipped.is_empty() {
        said
    } else {
        format!("{said}; {}", skipped.join("; "))
    }
}

mod design_actions;

/// Wall-clock time a message stays on screen at least, so hops of a
/// millisecond are visible (see [`Controller::min_display`]).
pub const MIN_TOKEN_WALL_MS: f64 = 400.0;

/// Events a claim's run may take to reach its end ("Show me" of a claim
/// about the whole run), as the claims allow a run.
const CLAIM_EVENTS: u64 = orderflow_sim::claims::bounds::EVENTS;

/// What a tick did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tick {
    /// The picture changed: recompute the frame.
    pub redraw: bool,
    /// The event budget ran out (the driver may raise it).
    pub budget_spent: bool,
}

/// A fast-forward in progress: per run, the orders it had started and the
/// count to reach.
#[derive(Clone, Debug, PartialEq, Eq)]
struct FastForward {
    from_orders: Vec<u64>,
    target_orders: Vec<u64>,
}

/// The page's state.
pub struct Controller {
    /// Never empty; the first is the one the page shows and the URL keeps.
    runs: Vec<Run>,
    playback: Playback,
    /// Bumped whenever a run's model is rebuilt.
    generation: u64,
    ff: Option<FastForward>,
    pending_seek: Option<SimTime>,
    /// Problems with the URL, in words.
    notices: Vec<String>,
    /// The last action's result ("payment down", "2 later commands discarded").
    message: Option<String>,
    reduced_motion: bool,
    embed: bool,
    autoplay: bool,
    /// The link's `origin` (embed API), kept in the URL as given.
    origin: Option<String>,
    selected_node: Option<ServiceId>,
    selected_order: Option<OrderId>,
    /// The built-in comparison on screen, while its designs are unchanged.
    built_in: Option<&'static str>,
    /// "Run N seeds" under way.
    seeds_run: Option<SeedsRun>,
    /// The last finished one: the job's text (which designs) and the result.
    seeds_result: Option<(String, Comparison)>,
    /// The figure of the claim last shown ("Show me"), until another run
    /// is loaded.
    watch: Option<FigureWatch>,
}

impl Controller {
    /// The state a URL describes. Problems become notices; the page always
    /// starts.
    pub fn from_url(url: &UrlState, mut notices: Vec<String>) -> Controller {
        let run = Run::from_url(url, &mut notices);
        let mut playback = Playback::new(url.speed);
        if url.autoplay {
            playback.play();
        }
        Controller {
            runs: vec![run],
            playback,
            generation: 0,
            ff: None,
            pending_seek: (url.t_us > 0).then_some(SimTime(url.t_us)),
            notices,
            message: None,
            reduced_motion: false,
            embed: url.embed,
            autoplay: url.autoplay,
            origin: url.origin.clone(),
            selected_node: None,
            selected_order: None,
            built_in: None,
            seeds_run: None,
            seeds_result: None,
            watch: None,
        }
        .with_url_designs(url)
    }

    /// The other designs a URL names (`vs=`), their commands (`cmds2=`…)
    /// and the built-in comparison (`cmp=`).
    fn with_url_designs(mut self, url: &UrlState) -> Controller {
        // Each design's edits are in the link (`d=`, `d2=`, `d3=`); a
        // built-in comparison's designs may also leave out their presets'
        // own faults, which the link says by naming the comparison.
        let b = url.cmp.as_deref().and_then(comparisons::built_in);
        let no_faults = |k: usize, preset: &str| -> bool {
            b.and_then(|b| b.designs.get(k))
                .filter(|d| d.preset == preset)
                .is_some_and(|d| d.no_faults)
        };
        if no_faults(0, &url.preset) {
            self.runs[0] = Run::from_url_edited(url, true, &mut self.notices);
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
            if let Err(e) = self.add_run(&u, no_faults(k + 1, &other.preset)) {
                self.notices.push(format!("vs[{k}]: {e}"));
            }
        }
        match (b, &url.cmp) {
            // `cmp=` alone: the built-in comparison as one click opens it,
            // at the link's seed and time.
            (Some(b), _) if url.others.is_empty() => {
                let (notices, seek) = (std::mem::take(&mut self.notices), self.pending_seek);
                self.open_built_in(b.id);
                self.message = None;
                self.notices = notices;
                self.pending_seek = seek;
            }
            (Some(b), _) => {
                self.built_in = Some(b.id);
                self.label_built_in();
            }
            (None, Some(id)) => self.notices.push(format!("cmp: unknown comparison {id:?}")),
            (None, None) => {}
        }
        self
    }

    /// Names the runs after the built-in comparison's designs.
    fn label_built_in(&mut self) {
        let Some(b) = self.built_in.and_then(comparisons::built_in) else {
            return;
        };
        let labels = b.designs.iter().map(|d| d.label);
        for (run, label) in self.runs.iter_mut().zip(labels) {
            run.set_label(label);
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
            Ok(mut run) => {
                if choice == COPY {
                    run.set_label(format!("{} (copy)", run.label()));
                }
                let label = run.label().to_owned();
                self.push_run(run);
                self.message = Some(with_skipped(format!("comparing with {label}"), &skipped));
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
            .map(|(label, spec)| {
                Run::from_spec(spec, seed, &mut skipped).map(|mut r| {
                    r.set_label(*label);
                    r
                })
            })
            .collect();
        match runs {
            Ok(runs) => {
                self.runs = runs;
                self.reset_view(0);
                self.built_in = Some(b.id);
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

    /// Starts "Run N seeds": returns the job's text for the worker.
    pub fn start_seeds(&mut self, seeds: u64) -> Option<String> {
        let job = self.seeds_job(seeds);
        let designs: Vec<Design> = self
            .runs
            .iter()
            .map(|r| Design {
                label: r.label().to_owned(),
                model: r.model().clone(),
                completion: r.session().mode(),
            })
            .collect();
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
        let designs: Vec<Design> = self
            .runs
            .iter()
            .map(|r| Design {
                label: r.label().to_owned(),
                model: r.model().clone(),
                completion: r.session().mode(),
            })
            .collect();
        let figures: Vec<Vec<Figures>> = self
            .runs
            .iter()
            .map(|r| vec![measure::measure(r.session().sim())])
            .collect();
        let seed = self.run().session().seed();
        Some(compare_view::table(
            &compare::summarise(&designs, &[seed], &figures),
            first,
        ))
    }

    // ---- What the page reads ----

    /// Every run, the first one first.
    pub fn runs(&self) -> &[Run] {
        &self.runs
    }

    /// The run the page shows.
    pub fn run(&self) -> &Run {
        &self.runs[0]
    }

    pub(crate) fn run_mut(&mut self) -> &mut Run {
        &mut self.runs[0]
    }

    pub fn playback(&self) -> &Playback {
        &self.playback
    }

    /// Changes whenever a run's model is rebuilt (another preset, seed,
    /// order count or completion mode, or a run added).
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// Problems with the URL the page was opened with.
    pub fn notices(&self) -> &[String] {
        &self.notices
    }

    /// The last action's result, in words.
    pub fn message(&self) -> Option<&str> {
        self.message.as_deref()
    }

    pub fn embed(&self) -> bool {
        self.embed
    }

    pub fn selected_node(&self) -> Option<ServiceId> {
        self.selected_node
    }

    pub fn selected_order(&self) -> Option<OrderId> {
        self.selected_order
    }

    /// The time every run has reached (the slowest one's).
    pub fn now(&self) -> SimTime {
        self.runs
            .iter()
            .map(Run::now)
            .min()
            .unwrap_or(SimTime::ZERO)
    }

    /// The latest time any run has reached (the timeline's end).
    pub fn furthest(&self) -> SimTime {
        self.runs
            .iter()
            .map(|r| r.session().furthest())
            .max()
            .unwrap_or(SimTime::ZERO)
    }

    /// True while a seek is being worked through.
    pub fn seeking(&self) -> bool {
        self.pending_seek.is_some()
    }

    /// True while a fast-forward is under way.
    pub fn fast_forwarding(&self) -> bool {
        self.ff.is_some()
    }

    /// True while the picture moves: playing, seeking or fast-forwarding.
    pub fn busy(&self) -> bool {
        self.playback.is_playing() || self.seeking() || self.fast_forwarding()
    }

    /// True when every run is over: nothing left to simulate.
    pub fn finished(&mut self) -> bool {
        self.runs.iter_mut().all(|r| r.session_mut().is_finished())
    }

    /// Share done of the fast-forward in progress, 0..=1: the least
    /// advanced run's.
    pub fn ff_progress(&self) -> Option<f64> {
        let ff = self.ff.as_ref()?;
        let shares = self
            .runs
            .iter()
            .zip(ff.from_orders.iter().zip(&ff.target_orders))
            .map(|(r, (&from, &target))| {
                let done = r.session().sim().orders_started().saturating_sub(from) as f64;
                (done / target.saturating_sub(from).max(1) as f64).min(1.0)
            });
        Some(shares.fold(1.0, f64::min))
    }

    /// The URL describing the first run and the playback.
    pub fn url_state(&self) -> UrlState {
        let run = self.run();
        UrlState {
            preset: run.preset().to_owned(),
            mode: run.mode_override(),
            id: run.id_override(),
            seed: run.session().seed(),
            orders: run.orders_override(),
            faults: run.faults(),
            speed: self.playback.speed(),
            t_us: run.now().as_micros(),
            commands: run.url_commands(),
            embed: self.embed,
            autoplay: self.autoplay,
            design: run.edits().to_vec(),
            origin: self.origin.clone(),
            others: self.runs[1..]
                .iter()
                .map(|r| OtherDesign {
                    preset: r.preset().to_owned(),
                    mode: r.mode_override(),
                    orders: r.orders_override(),
                    commands: r.url_commands(),
                    design: r.edits().to_vec(),
                })
                .collect(),
            cmp: self.built_in.map(str::to_owned),
        }
    }

    /// The query of a share link: the URL without embed mode, autoplay or
    /// the embed API's origin.
    pub fn share_query(&self) -> String {
        let mut u = self.url_state();
        u.embed = false;
        u.autoplay = false;
        u.origin = None;
        u.to_query()
    }

    /// Simulated time a token stays on screen at least: 400 ms of wall time
    /// at the current speed (the flights cap it).
    pub fn min_display(&self) -> SimTime {
        SimTime((MIN_TOKEN_WALL_MS * 1_000.0 * self.playback.speed()) as u64)
    }

    /// The picture of the first run at its time.
    pub fn frame(&mut self) -> Frame {
        let (min_display, reduced) = (self.min_display(), self.reduced_motion);
        self.run_mut().frame(min_display, reduced)
    }

    /// The metrics panel's data (first run).
    pub fn stats(&mut self) -> Stats {
        self.run_mut().stats()
    }

    /// What stays fixed for the first run's design.
    pub fn design_view(&self) -> DesignView {
        self.run().design_view(self.generation)
    }

    /// What stays fixed for each of the other designs.
    pub fn other_design_views(&self) -> Vec<DesignView> {
        self.runs[1..]
            .iter()
            .map(|r| r.design_view(self.generation))
            .collect()
    }

    /// The pictures of the other designs at their time.
    pub fn other_frames(&mut self) -> Vec<Frame> {
        let (min_display, reduced) = (self.min_display(), self.reduced_motion);
        self.runs[1..]
            .iter_mut()
            .map(|r| r.frame(min_display, reduced))
            .collect()
    }

    /// The inspector's view of the selected order.
    pub fn inspection(&self) -> Inspection {
        self.run().inspect(self.selected_order)
    }

    /// One-click faults that make sense for the first run's scenario.
    pub fn fault_presets(&self) -> Vec<FaultPreset> {
        fault_presets(self.run().model())
    }

    /// One-click faults for node `i` of the first run.
    pub fn node_fault_presets(&self, i: ServiceId) -> Vec<FaultPreset> {
        node_faults(self.run().model(), i)
    }

    /// The controls of node `i` of the first run.
    pub fn node_controls(&self, i: ServiceId) -> Option<NodeControls> {
        NodeControls::of(self.run().model(), i)
    }

    /// What the controls show.
    pub fn ui_state(&mut self) -> UiState {
        let finished = self.finished();
        let run = &self.runs[0];
        let model = run.model();
        UiState {
            playing: self.playback.is_playing(),
            speed: self.playback.speed(),
            now: run.now(),
            furthest: self.furthest(),
            preset: run.preset().to_owned(),
            title: model.scenario.title.clone(),
            description: model.scenario.description.clone(),
            mode: Some(run.session().mode()),
            allowed: model.client.allowed.clone(),
            id_source: run.session().options().id_source,
            has_id_service: model.client.id_service.is_some(),
            seed: run.session().seed(),
            orders: model.orders,
            orders_started: run.session().sim().orders_started(),
            seeking: self.seeking(),
            ff_progress: self.ff_progress(),
            finished,
            notices: self.notices.clone(),
            message: self.message.clone(),
            selected_node: self.selected_node,
            selected_order: self.selected_order,
            embed: self.embed,
            commands: run.session().history().len(),
            scheduled: run.session().scheduled().len(),
            designs: self.runs.iter().map(|r| r.label().to_owned()).collect(),
            built_in: self.built_in,
            seeds_progress: self.seeds_progress(),
            claim_figure: self.claim_figure(),
        }
    }

    // ---- The animation frame ----

    /// True when tokens jump instead of gliding.
    pub fn reduced_motion(&self) -> bool {
        self.reduced_motion
    }

    /// Follows the reader's reduced-motion preference (tokens jump).
    pub fn set_reduced_motion(&mut self, reduced: bool) {
        self.reduced_motion = reduced;
    }

    /// The budget of one run when `budget` events are shared by all.
    fn share(&self, budget: u64) -> u64 {
        (budget / self.runs.len() as u64).max(1)
    }

    /// One animation frame at wall-clock `wall_ms`, processing at most
    /// `budget` events over all runs.
    pub fn tick(&mut self, wall_ms: f64, budget: u64) -> Tick {
        let mut tick = Tick::default();
        let share = self.share(budget);
        if let Some(ff) = self.ff.take() {
            tick.redraw = true;
            let mut done = true;
            for (run, &target) in self.runs.iter_mut().zip(&ff.target_orders) {
                done &= run.session_mut().fast_forward(target, share);
            }
            if done {
                // Runs of different designs reach their order at different
                // times: the others catch up with the latest.
                let latest = self.runs.iter().map(Run::now).max().unwrap_or_default();
                if self.now() < latest {
                    self.pending_seek = Some(latest);
                }
                let run = self.run();
                self.message = Some(format!(
                    "fast-forwarded to order {} at {}",
                    run.session().sim().orders_started(),
                    run.now()
                ));
            } else {
                self.ff = Some(ff);
                tick.budget_spent = true;
            }
            self.playback.seek(self.now());
        } else if let Some(t) = self.pending_seek {
            tick.redraw = true;
            let mut reached = true;
            for run in &mut self.runs {
                reached &= run.session_mut().seek(t, share) == Advance::Reached;
            }
            if reached {
                self.pending_seek = None;
                self.playback.seek(t);
            } else {
                tick.budget_spent = true;
            }
        } else if self.playback.is_playing() {
            let t = self.playback.tick(wall_ms);
            tick.redraw = true;
            let mut short = false;
            for run in &mut self.runs {
                short |= run.session_mut().advance_to(t, share) == Advance::Budget;
            }
            if short {
                // Too many events for one frame: show where the runs are
                // (the slowest; the others wait for it).
                tick.budget_spent = true;
                self.playback.seek(self.now());
            }
            if self.finished() {
                self.playback.pause();
                self.message = Some(format!(
                    "the run is over at {}: every order settled",
                    self.run().now()
                ));
            }
        }
        self.follow_traces();
        tick
    }

    fn follow_traces(&mut self) {
        for run in &mut self.runs {
            run.follow_trace();
            // A hand-made link's command that could not be replayed.
            self.notices.extend(run.take_problems());
        }
    }

    /// Catches the first run's event log up; true if its rows changed.
    pub fn update_log(&mut self) -> bool {
        self.run_mut().update_log()
    }

    /// Changes the event log's filter.
    pub fn edit_log_filter(&mut self, edit: impl FnOnce(&mut LogFilter)) {
        let run = self.run_mut();
        let mut filter = run.log_filter();
        edit(&mut filter);
        run.set_log_filter(filter);
    }

    // ---- Transport: every run together ----

    pub fn toggle(&mut self) {
        self.playback.toggle();
    }

    pub fn set_speed(&mut self, speed: f64) {
        self.playback.set_speed(speed);
    }

    /// The next speed step up.
    pub fn faster(&mut self) {
        self.playback.faster();
    }

    /// The next speed step down.
    pub fn slower(&mut self) {
        self.playback.slower();
    }

    /// Processes exactly the next event of whichever run has the earliest,
    /// moves the other runs' clocks there, and pauses.
    pub fn step(&mut self) {
        self.playback.pause();
        let next = self.runs.iter().filter_map(Run::next_event_time).min();
        if let Some(next) = next {
            for run in &mut self.runs {
                run.session_mut().advance_to(next, 1);
            }
            self.playback.seek(self.now());
            self.follow_traces();
        }
    }

    /// Back to time zero (commands stay in the history and replay).
    pub fn restart(&mut self) {
        self.ff = None;
        self.seek(SimTime::ZERO);
    }

    /// Moves every run to time `t` (over several frames if it is far).
    pub fn seek(&mut self, t: SimTime) {
        self.pending_seek = Some(t);
    }

    /// Runs `n` more orders in every run with the trace off, in slices per
    /// frame.
    pub fn fast_forward(&mut self, n: u64) {
        let from_orders: Vec<u64> = self
            .runs
            .iter()
            .map(|r| r.session().sim().orders_started())
            .collect();
        let target_orders = from_orders
            .iter()
            .map(|f| f.saturating_add(n.max(1)))
            .collect();
        self.ff = Some(FastForward {
            from_orders,
            target_orders,
        });
    }

    // ---- What runs: the first run's design ----

    /// The first run's choices as a link states them — preset, completion
    /// mode, id source, seed, order count, the design's edits and every
    /// other run option — at
    /// time zero and without commands: what a change of one of them starts
    /// from.
    pub fn run_choice(&self) -> UrlState {
        let u = self.url_state();
        UrlState {
            preset: u.preset,
            mode: u.mode,
            id: u.id,
            seed: u.seed,
            orders: u.orders,
            faults: u.faults,
            design: u.design,
            ..UrlState::default()
        }
    }

    /// Starts the first run again as `url` describes it: its preset and
    /// run options (mode, id source, seed, order count), its commands, and
    /// its time (`t`, reached over frames). The playback speed, embed mode
    /// and origin stay the page's. Invalid choices keep the current run and
    /// say why. The playback starts paused; the other runs go back to zero
    /// too (and then to `t`).
    ///
    /// Every way of choosing what runs (the scenario bar, the embed API,
    /// a claim's "show me") comes through here, so a run option added to
    /// the link is carried by all of them.
    pub fn load(&mut self, url: &UrlState) {
        let mut notices = Vec::new();
        let reseeded = url.seed != self.run().session().seed();
        // A new seed alone keeps the comparison (a built-in's designs
        // included, their presets' faults still left out).
        let was = self.run_choice();
        let same_design = UrlState {
            seed: was.seed,
            t_us: 0,
            commands: Vec::new(),
            ..url.clone()
        } == UrlState {
            speed: url.speed,
            embed: url.embed,
            autoplay: url.autoplay,
            origin: url.origin.clone(),
            ..was
        };
        let no_faults = same_design && self.run().no_faults();
        let run = Run::from_url_edited(url, no_faults, &mut notices);
        if !notices.is_empty() {
            self.message = Some(notices.join("; "));
            return;
        }
        self.runs[0] = run;
        if reseeded && same_design {
            // Every design runs with the same seed.
            let mut skipped = Vec::new();
            for k in 1..self.runs.len() {
                let (spec, label) = (self.runs[k].spec(), self.runs[k].label().to_owned());
                if let Ok(mut r) = Run::from_spec(&spec, url.seed, &mut skipped) {
                    r.set_label(label);
                    self.runs[k] = r;
                }
            }
        } else if !same_design {
            self.built_in = None;
        }
        self.reset_view(url.t_us);
    }

    /// After the runs were replaced: paused at zero (then sought to `t_us`
    /// if not zero), nothing selected.
    fn reset_view(&mut self, t_us: u64) {
        self.generation += 1;
        self.playback = Playback::new(self.playback.speed());
        self.ff = None;
        let rewind = self.runs.iter().any(|r| r.now() > SimTime::ZERO);
        self.pending_seek = if t_us > 0 {
            Some(SimTime(t_us))
        } else {
            rewind.then_some(SimTime::ZERO)
        };
        self.notices.clear();
        self.message = None;
        self.autoplay = false;
        self.selected_node = None;
        self.selected_order = None;
        self.watch = None;
    }

    /// Opens a claim's run at its moment ("Show me"): the run as its link
    /// states it, sought to the claim's time or run to its end, with the
    /// figure the claim is about highlighted until another run is loaded.
    pub fn show_claim(&mut self, show: &ClaimShow) {
        let generation = self.generation;
        self.load(&show.url);
        if self.generation == generation {
            return; // refused; the message says why
        }
        if show.to_end {
            // The run's last event: where a copy of the engine, trace off,
            // stops. (A fast-forward would stop on an order count, and the
            // seek lands on the exact moment the claims measure.)
            let mut sim = self.run().session().sim().clone();
            sim.set_trace(false);
            if !sim.run_to_end(CLAIM_EVENTS) {
                self.message = Some(format!(
                    "claim: the run did not end within {CLAIM_EVENTS} events; showing {}",
                    sim.now()
                ));
            }
            self.seek(sim.now());
        }
        self.watch = FigureWatch::new(self.run().model(), &show.metric, &show.claim);
        if self.watch.is_none() {
            self.message = Some(format!(
                "claim: the figure {:?} is not measured in this run",
                show.metric
            ));
        }
    }

    /// The highlighted figure of the claim shown, now.
    pub fn claim_figure(&self) -> Option<ClaimFigure> {
        let w = self.watch.as_ref()?;
        Some(w.figure(self.run().session().sim()))
    }

    /// Loads the first run's choices changed by `edit`.
    fn reload(&mut self, edit: impl FnOnce(&mut UrlState)) {
        let mut url = self.run_choice();
        edit(&mut url);
        self.load(&url);
    }

    /// Another pattern, with its own defaults (the seed kept).
    pub fn set_preset(&mut self, preset: &str) {
        let url = UrlState {
            preset: preset.to_owned(),
            seed: self.run().session().seed(),
            ..UrlState::default()
        };
        self.load(&url);
    }

    /// The same run under another completion mode (other choices kept).
    pub fn set_mode(&mut self, mode: Completion) {
        self.reload(|u| u.mode = Some(mode));
    }

    /// The same run with its order ids from another source (other choices
    /// kept).
    pub fn set_id_source(&mut self, id: IdSource) {
        self.reload(|u| u.id = Some(id));
    }

    /// The same run with another seed (other choices kept).
    pub fn set_seed(&mut self, seed: u64) {
        self.reload(|u| u.seed = seed);
    }

    /// The same run with another number of orders (other choices kept).
    pub fn set_orders(&mut self, orders: u64) {
        self.reload(|u| u.orders = Some(orders));
    }

    /// A seed typed into its field: used if it is a whole number, otherwise
    /// the run stays and the message says why.
    pub fn enter_seed(&mut self, text: &str) {
        match parse_seed(text) {
            Ok(seed) => self.set_seed(seed),
            Err(e) => self.message = Some(e),
        }
    }

    /// An order count typed into its field (1 to the app's limit).
    pub fn enter_orders(&mut self, text: &str) {
        match parse_orders(text) {
            Ok(n) => self.set_orders(n),
            Err(e) => self.message = Some(e),
        }
    }

    // ---- Selection ----

    /// Opens node `i`'s panel, or closes it if it is open.
    pub fn toggle_node(&mut self, i: ServiceId) {
        self.selected_node = if self.selected_node == Some(i) {
            None
        } else {
            Some(i)
        };
    }

    /// Opens order `order` in the inspector.
    pub fn select_order(&mut self, order: OrderId) {
        self.selected_order = Some(order);
    }

    /// An order number typed into the inspector (ignored unless it is one).
    pub fn enter_order(&mut self, text: &str) {
        if let Some(order) = parse_order(text) {
            self.select_order(order);
        }
    }

    // ---- Break things: commands to the first run ----

    /// Applies a command now, to every design that has its service (the
    /// message names the ones that do not).
    pub fn apply(&mut self, cmd: Command) {
        let said = self.run_mut().apply(cmd.clone());
        let mut skipped = Vec::new();
        for run in &mut self.runs[1..] {
            if run.model().resolve_command(&cmd).is_ok() {
                run.apply(cmd.clone());
            } else {
                skipped.push(format!(
                    "{}: not applied (it has no such service)",
                    run.label()
                ));
            }
        }
        self.message = Some(with_skipped(said, &skipped));
    }

    /// Applies a timed fault now and schedules its end, in every design
    /// that has its service.
    pub fn inject(&mut self, fault: &FaultPreset) {
        let said = self.run_mut().inject(fault);
        let mut skipped = Vec::new();
        for run in &mut self.runs[1..] {
            if run.model().resolve_command(&fault.on).is_ok() {
                run.inject(fault);
            } else {
                skipped.push(format!(
                    "{}: not applied (it has no such service)",
                    run.label()
                ));
            }
        }
        self.message = Some(with_skipped(said, &skipped));
    }

    /// The id of service `node`, if it exists.
    fn service_id(&self, node: ServiceId) -> Option<String> {
        self.run().model().services.get(node).map(|s| s.id.clone())
    }

    /// Applies the command `make` builds for service `node`, if it exists.
    fn command_for(&mut self, node: ServiceId, make: impl FnOnce(String) -> Command) {
        if let Some(id) = self.service_id(node) {
            self.apply(make(id));
        }
    }

    /// Takes service `node` down, or brings it back up.
    pub fn toggle_service(&mut self, node: ServiceId) {
        let Some(service) = self.service_id(node) else {
            return;
        };
        let up = self.run().session().sim().service(node).up;
        self.apply(Command::SetUp { service, up: !up });
    }

    /// Multiplies service `node`'s latency by `factor`.
    pub fn set_latency_factor(&mut self, node: ServiceId, factor: f64) {
        self.command_for(node, |service| Command::SetLatencyFactor {
            service,
            factor,
        });
    }

    /// Makes service `node` fail a share `rate` of its requests.
    pub fn set_error_rate(&mut self, node: ServiceId, rate: f64) {
        self.command_for(node, |service| Command::SetErrorRate { service, rate });
    }

    /// Makes a share `rate` of the messages to service `node` get lost.
    pub fn set_drop_rate(&mut self, node: ServiceId, rate: f64) {
        self.command_for(node, |service| Command::SetDropRate { service, rate });
    }

    /// `delta` more (or fewer) replicas of service `node`, within the
    /// engine's bounds.
    pub fn add_replicas(&mut self, node: ServiceId, delta: i32) {
        let Some(service) = self.service_id(node) else {
            return;
        };
        let now = self.run().session().sim().service(node).replicas;
        self.apply(Command::SetReplicas {
            service,
            replicas: replicas_after(now, delta),
        });
    }

    /// Restarts the broker: transient messages are lost, and it refuses
    /// traffic for [`BROKER_RESTART_DOWNTIME_MS`].
    pub fn restart_broker(&mut self) {
        self.apply(Command::RestartBroker {
            downtime_ms: BROKER_RESTART_DOWNTIME_MS,
        });
    }
}

/// What the controls show, copied out of the controller after every action
/// and a few times a second (cheap to compare, so components re-render only
/// on change).
#[derive(Clone, Debug, PartialEq, Default)]
pub struct UiState {
    pub playing: bool,
    pub speed: f64,
    pub now: SimTime,
    pub furthest: SimTime,
    pub preset: String,
    pub title: String,
    pub description: String,
    pub mode: Option<Completion>,
    pub allowed: Vec<Completion>,
    /// Where the run's order ids come from.
    pub id_source: IdSource,
    /// The preset has an Id Service to get them from.
    pub has_id_service: bool,
    pub seed: u64,
    pub orders: u64,
    pub orders_started: u64,
    pub seeking: bool,
    pub ff_progress: Option<f64>,
    pub finished: bool,
    pub notices: Vec<String>,
    pub message: Option<String>,
    pub selected_node: Option<ServiceId>,
    pub selected_order: Option<OrderId>,
    pub embed: bool,
    pub commands: usize,
    pub scheduled: usize,
    /// Every design's label, the first first.
    pub designs: Vec<String>,
    /// The built-in comparison on screen.
    pub built_in: Option<&'static str>,
    /// Share done of "Run N seeds", while it runs.
    pub seeds_progress: Option<f64>,
    /// The figure of the claim last shown, highlighted in the metrics.
    pub claim_figure: Option<ClaimFigure>,
}

#[cfg(test)]
mod tests;
