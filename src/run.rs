//! Owns one run of one design: its compiled model, its session (engine,
//! trace, checkpoints, commands), the scene it is drawn with, the messages on
//! screen and the event log; and [`DesignView`], the parts of the page that
//! stay fixed until the model is rebuilt. The controller drives a list of
//! runs under one playback. Plain Rust, tested natively.

use std::ops::Range;
use std::sync::Arc;

use orderflow_sim::comparisons::DesignSpec;
use orderflow_sim::design::{self, Edit};
use orderflow_sim::ids::{IdVec, OrderId, ServiceId};
use orderflow_sim::model::Model;
use orderflow_sim::sim::MAX_TIMED_COMMANDS;
use orderflow_sim::{AppliedCommand, Command, Completion, IdSource, RunOptions, SimTime, presets};

use crate::diagram_view::DiagramView;
use crate::event_log::{LogFilter, LogIndex, LogRow};
use crate::faults::{FaultPreset, NodeControls, scenario_faults};
use crate::inspector::Inspection;
use crate::scene::{Frame, MAX_TOKENS, Scene};
use crate::session::{Flights, Position, Session, Timed, cut};
use crate::stats::Stats;
use crate::url_state::{DEFAULT_PRESET, UrlCommand, UrlState};

/// The preset `name` with an optional order count, compiled.
pub fn load_model(name: &str, orders: Option<u64>) -> Result<Arc<Model>, String> {
    let mut s =
        presets::scenario(name).ok_or_else(|| format!("preset: unknown preset {name:?}"))?;
    if let Some(n) = orders {
        s.workload.orders = n;
    }
    Model::compile(s)
        .map(Arc::new)
        .map_err(|e| format!("preset {name}: {e}"))
}

/// The preset `name` with a design's `edits` and an optional order count,
/// compiled. The error names the edit's path (or the field's, if the
/// result does not compile).
pub fn load_design(name: &str, edits: &[Edit], orders: Option<u64>) -> Result<Arc<Model>, String> {
    if edits.is_empty() {
        return load_model(name, orders);
    }
    let base = presets::scenario(name).ok_or_else(|| format!("preset: unknown preset {name:?}"))?;
    let mut s = design::apply(&base, edits).map_err(|e| format!("d: {e}"))?;
    if let Some(n) = orders {
        s.workload.orders = n;
    }
    Model::compile(s)
        .map(Arc::new)
        .map_err(|e| format!("d: the design does not compile: {e}"))
}

/// The model a link's run runs: its preset with the design's `edits` and
/// the link's order count, and without the scheduled faults (and services'
/// down windows) when the link says `faults=off`, as a claim's run without
/// faults has it.
fn link_model(url: &UrlState, edits: &[Edit]) -> Result<Arc<Model>, String> {
    if url.faults {
        return load_design(&url.preset, edits, url.orders);
    }
    let name = &url.preset;
    let base = presets::scenario(name).ok_or_else(|| format!("preset: unknown preset {name:?}"))?;
    let mut s = if edits.is_empty() {
        base
    } else {
        design::apply(&base, edits).map_err(|e| format!("d: {e}"))?
    };
    if let Some(n) = url.orders {
        s.workload.orders = n;
    }
    s.faults.clear();
    for service in &mut s.services {
        service.down.clear();
    }
    Model::compile(s)
        .map(Arc::new)
        .map_err(|e| format!("preset {name}: {e}"))
}

/// A link's commands checked against `model`: those the run can take,
/// as history and waiting timed commands. Each one it cannot take (a service
/// the pattern does not have, a value out of range, more than the run's
/// limits) is left out and named in `notices` by its index, text and field;
/// the others are kept.
pub fn link_commands(
    model: &Model,
    commands: &[UrlCommand],
    notices: &mut Vec<String>,
) -> (Vec<(AppliedCommand, Option<Position>)>, Vec<Timed>) {
    let mut history = Vec::new();
    let mut waiting = Vec::new();
    // Every command of the link is recorded once applied or fired.
    let max_recorded = model.limits.max_commands as usize;
    for (i, c) in commands.iter().enumerate() {
        let problem = if let Err(e) = model.resolve_command(c.command()) {
            Some(e.0)
        } else if history.len() + waiting.len() >= max_recorded {
            Some(format!("commands: at most {max_recorded} per run"))
        } else if matches!(c, UrlCommand::Scheduled { .. }) && waiting.len() >= MAX_TIMED_COMMANDS {
            Some(format!(
                "at: at most {MAX_TIMED_COMMANDS} scheduled commands"
            ))
        } else {
            None
        };
        if let Some(problem) = problem {
            notices.push(format!(
                "cmds[{i}] ({}): {}; ignored",
                cut(&c.text(), 60),
                cut(&problem, 160)
            ));
            continue;
        }
        match c {
            UrlCommand::Applied(a) => history.push((a.clone(), None)),
            UrlCommand::Fired { applied, from } => history.push((applied.clone(), Some(*from))),
            UrlCommand::Scheduled { at, command, from } => waiting.push(Timed {
                at: *at,
                command: command.clone(),
                from: *from,
            }),
        }
    }
    (history, waiting)
}

/// One design, run.
pub struct Run {
    preset: String,
    model: Arc<Model>,
    scene: Scene,
    session: Session,
    flights: Flights,
    log: LogIndex,
    /// The order count asked for, if not the preset's own.
    orders_override: Option<u64>,
    /// The scenario's scheduled faults are kept (`faults=off` drops them).
    faults: bool,
    /// The design's edits of its preset.
    edits: Vec<Edit>,
    /// What the page calls this design (beside its diagram, in the delta
    /// table).
    label: String,
}

/// What stays fixed for a design until its model is rebuilt: the diagram,
/// the node panels, the one-click faults, the services of the log's
/// filter. `generation` says which model it belongs to.
#[derive(Clone, Debug, PartialEq)]
pub struct DesignView {
    pub generation: u64,
    pub diagram: DiagramView,
    /// One per node.
    pub nodes: IdVec<ServiceId, NodeControls>,
    pub faults: Vec<FaultPreset>,
    /// Service labels.
    pub services: IdVec<ServiceId, String>,
}

impl Run {
    /// As [`Run::from_url`], also without the preset's own scheduled faults
    /// when `no_faults` (a built-in comparison's design; `faults=off`).
    pub fn from_url_edited(url: &UrlState, no_faults: bool, notices: &mut Vec<String>) -> Run {
        if no_faults && url.faults {
            let url = UrlState {
                faults: false,
                ..url.clone()
            };
            return Run::from_url(&url, notices);
        }
        Run::from_url(url, notices)
    }

    /// The run a URL describes: its preset, mode, seed, order count and
    /// commands. Never fails: each problem is added to `notices` (naming the
    /// field) and the run falls back to a default (the default preset, the
    /// preset's own mode, no commands).
    pub fn from_url(url: &UrlState, notices: &mut Vec<String>) -> Run {
        let mut edits = url.design.clone();
        let fallback = |e: String, notices: &mut Vec<String>| {
            notices.push(e);
            load_model(DEFAULT_PRESET, None).expect("the default preset compiles")
        };
        let model = match link_model(url, &edits) {
            Ok(m) => m,
            Err(e) if edits.is_empty() => fallback(e, notices),
            Err(e) => {
                notices.push(format!("{e}; showing the preset as it is"));
                edits.clear();
                link_model(url, &[]).unwrap_or_else(|e| fallback(e, notices))
            }
        };
        if model.scenario.name != url.preset {
            edits.clear();
        }
        let preset = model.scenario.name.clone();
        let mut mode = model.client.completion;
        if let Some(m) = url.mode {
            if model.client.allowed.contains(&m) {
                mode = m;
            } else {
                notices.push(format!(
                    "mode: {preset} does not support {:?}; using {:?}",
                    m.as_str(),
                    mode.as_str()
                ));
            }
        }
        let mut opts = RunOptions {
            completion: mode,
            ..RunOptions::defaults(&model)
        };
        if let Some(id) = url.id {
            let wanted = RunOptions {
                id_source: id,
                ..opts
            };
            match wanted.check(&model) {
                Ok(()) => opts = wanted,
                Err(_) => notices.push(format!(
                    "id: {preset} has no id service; using {:?}",
                    opts.id_source.as_str()
                )),
            }
        }
        let (history, waiting) = link_commands(&model, &url.commands, notices);
        let session = match Session::with_options_and_history(
            model.clone(),
            opts,
            url.seed,
            history,
            waiting,
        ) {
            Ok(s) => s,
            Err(e) => {
                notices.push(format!("cmds: {e}; starting without them"));
                Session::with_options(model.clone(), opts, url.seed)
                    .expect("the options were checked")
            }
        };
        Run {
            preset,
            scene: Scene::new(&model, session.options().id_source),
            model,
            session,
            flights: Flights::default(),
            log: LogIndex::default(),
            orders_override: url.orders,
            faults: url.faults,
            edits,
            label: String::new(),
        }
        .labelled_by_default()
    }

    /// The run of `spec` with `seed`: its commands by time (those its model
    /// cannot take are left out and described in `skipped`). The seam where
    /// the design panel's edits come in is [`DesignSpec::model`].
    pub fn from_spec(
        spec: &DesignSpec,
        seed: u64,
        skipped: &mut Vec<String>,
    ) -> Result<Run, String> {
        let model = spec.model()?;
        let mode = spec.mode.unwrap_or(model.client.completion);
        let scheduled = spec.applicable(&model, skipped);
        let session = Session::with_commands(model.clone(), mode, seed, Vec::new(), scheduled)
            .map_err(|e| format!("{}: {e}", spec.label()))?;
        Ok(Run {
            preset: model.scenario.name.clone(),
            scene: Scene::new(&model, session.options().id_source),
            model,
            session,
            flights: Flights::default(),
            log: LogIndex::default(),
            orders_override: spec.orders,
            faults: !spec.no_faults,
            edits: spec.edits.clone(),
            label: String::new(),
        }
        .labelled_by_default())
    }

    fn labelled_by_default(mut self) -> Run {
        self.label = self.spec().label();
        self
    }

    /// What the page calls this design.
    pub fn label(&self) -> &str {
        &self.label
    }

    pub fn set_label(&mut self, label: impl Into<String>) {
        self.label = label.into();
    }

    /// This run as a design to run again (with another seed, in the
    /// worker): its preset, mode, orders and every command by time.
    pub fn spec(&self) -> DesignSpec {
        DesignSpec {
            preset: self.preset.clone(),
            mode: self.mode_override(),
            orders: self.orders_override,
            edits: self.edits.clone(),
            no_faults: !self.faults,
            commands: self.timed_commands(),
        }
    }

    /// Every command of this run by time: those applied, then those
    /// waiting.
    pub fn timed_commands(&self) -> Vec<(SimTime, Command)> {
        let applied = self
            .session
            .history()
            .iter()
            .map(|a| (a.at, a.command.clone()));
        let waiting = self
            .session
            .scheduled()
            .iter()
            .map(|t| (t.at, t.command.clone()));
        applied.chain(waiting).collect()
    }

    /// The preset's own scheduled faults left out ([`Run::from_url_edited`]).
    pub fn no_faults(&self) -> bool {
        !self.faults
    }

    /// The design's edits of its preset (empty: the preset as is).
    pub fn edits(&self) -> &[Edit] {
        &self.edits
    }

    /// Every command of the run, applied or waiting, by simulated time: how
    /// a changed design re-applies them (its event stream differs, so their
    /// positions in it no longer mean anything).
    pub fn commands_by_time(&self) -> Vec<(SimTime, Command)> {
        let mut all: Vec<(SimTime, Command)> = self
            .session
            .history()
            .iter()
            .map(|a| (a.at, a.command.clone()))
            .chain(
                self.session
                    .scheduled()
                    .iter()
                    .map(|t| (t.at, t.command.clone())),
            )
            .collect();
        all.sort_by_key(|(t, _)| *t);
        all
    }

    /// The preset's name.
    pub fn preset(&self) -> &str {
        &self.preset
    }

    pub fn model(&self) -> &Arc<Model> {
        &self.model
    }

    pub fn scene(&self) -> &Scene {
        &self.scene
    }

    pub fn session(&self) -> &Session {
        &self.session
    }

    /// The session, to advance, seek or command it.
    pub fn session_mut(&mut self) -> &mut Session {
        &mut self.session
    }

    /// The order count asked for, if not the preset's own.
    pub fn orders_override(&self) -> Option<u64> {
        self.orders_override
    }

    /// False when the run leaves out the scenario's scheduled faults.
    pub fn faults(&self) -> bool {
        self.faults
    }

    /// The completion mode, when it differs from the preset's default (what
    /// a URL has to say).
    pub fn mode_override(&self) -> Option<Completion> {
        let mode = self.session.mode();
        (mode != self.model.client.completion).then_some(mode)
    }

    /// The id source, when it differs from the preset's default.
    pub fn id_override(&self) -> Option<IdSource> {
        let id = self.session.options().id_source;
        (id != self.model.client.id_source).then_some(id)
    }

    /// The run's time.
    pub fn now(&self) -> SimTime {
        self.session.now()
    }

    /// When the next event happens, if any is left.
    pub fn next_event_time(&self) -> Option<SimTime> {
        self.session.sim().next_event_time()
    }

    /// Catches the messages on screen up with the trace.
    pub fn follow_trace(&mut self) {
        self.flights
            .update(self.session.store(), self.session.rewinds());
    }

    /// The picture at the run's time: tokens stay on screen at least
    /// `min_display` (simulated); `reduced_motion` makes them jump.
    pub fn frame(&mut self, min_display: SimTime, reduced_motion: bool) -> Frame {
        let now = self.session.now();
        let shown = self.flights.visible(now, min_display, MAX_TOKENS);
        let dead_letters = self.flights.dead_lettered_before(now, min_display);
        self.scene.frame(
            &self.model,
            self.session.sim(),
            &shown,
            dead_letters,
            reduced_motion,
        )
    }

    /// The metrics panel's data.
    pub fn stats(&self) -> Stats {
        Stats::compute(&self.model, self.session.sim())
    }

    /// Applies `cmd` now; the result in words.
    pub fn apply(&mut self, cmd: Command) -> String {
        let text = cmd.describe();
        match self.session.apply(cmd) {
            Ok(0) => format!("applied: {text}"),
            Ok(n) => format!("applied: {text}; {n} later command(s) of the old timeline discarded"),
            Err(e) => format!("not applied: {e}"),
        }
    }

    /// Applies a timed fault: `on` now, `off` scheduled after its duration.
    /// The result in words.
    pub fn inject(&mut self, fault: &FaultPreset) -> String {
        let at = self.now().plus_micros(fault.duration.as_micros());
        let said = self.apply(fault.on.clone());
        match self.session.schedule(at, fault.off.clone()) {
            Ok(()) => said,
            Err(e) => format!("not scheduled: {e}"),
        }
    }

    /// The commands a URL records: applied ones with their positions (and
    /// where the timed ones among them were scheduled), then the scheduled
    /// ones.
    pub fn url_commands(&self) -> Vec<UrlCommand> {
        let s = &self.session;
        let applied = s
            .history()
            .iter()
            .zip(s.timed_origins())
            .map(|(a, from)| match from {
                Some(from) => UrlCommand::Fired {
                    applied: a.clone(),
                    from: *from,
                },
                None => UrlCommand::Applied(a.clone()),
            });
        let scheduled = s.scheduled().iter().map(|t| UrlCommand::Scheduled {
            at: t.at,
            command: t.command.clone(),
            from: t.from,
        });
        applied.chain(scheduled).collect()
    }

    /// Recorded commands that could not be replayed since the last call
    /// (a hand-made link), in words.
    pub fn take_problems(&mut self) -> Vec<String> {
        self.session.take_problems()
    }

    /// Catches the event log up; true if its rows changed.
    pub fn update_log(&mut self) -> bool {
        self.log
            .update(self.session.store(), self.session.rewinds())
    }

    pub fn log_filter(&self) -> LogFilter {
        self.log.filter()
    }

    /// Changes the log's filter and catches the log up.
    pub fn set_log_filter(&mut self, filter: LogFilter) {
        self.log.set_filter(filter);
        self.update_log();
    }

    /// Rows in the event log.
    pub fn log_len(&self) -> usize {
        self.log.len()
    }

    /// Rows `range` of the event log.
    pub fn log_rows(&self, range: Range<usize>) -> Vec<LogRow> {
        self.log.view_rows(self.session.store(), &self.model, range)
    }

    /// The inspector's view of `order` at the run's time.
    pub fn inspect(&self, order: Option<OrderId>) -> Inspection {
        Inspection::of(
            &self.model,
            order,
            self.session.store().events(),
            self.session.now(),
        )
    }

    /// The design's fixed parts, for the model of `generation`.
    pub fn design_view(&self, generation: u64) -> DesignView {
        let m = &self.model;
        DesignView {
            generation,
            diagram: self.scene.view.clone(),
            nodes: m
                .services
                .ids()
                .filter_map(|i| NodeControls::of(m, i))
                .collect(),
            faults: fault_presets(m),
            services: m.services.iter().map(|s| s.label.clone()).collect(),
        }
    }
}

/// The one-click faults offered for a design. Every caller goes through
/// here, so their source (today [`scenario_faults`]; later each preset's
/// JSON) changes in one place.
pub fn fault_presets(model: &Model) -> Vec<FaultPreset> {
    scenario_faults(model)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(query: &str) -> (Run, Vec<String>) {
        let (url, mut notices) = UrlState::parse(query);
        let r = Run::from_url(&url, &mut notices);
        (r, notices)
    }

    #[test]
    fn a_url_builds_its_run() {
        let (r, notices) = run("?preset=async-write&mode=callback&seed=3&orders=60");
        assert!(notices.is_empty(), "{notices:?}");
        assert_eq!(r.preset(), "async-write");
        assert_eq!(r.model().orders, 60);
        assert_eq!(r.orders_override(), Some(60));
        assert_eq!(
            (r.session().mode(), r.session().seed()),
            (Completion::Callback, 3)
        );
        assert_eq!(r.mode_override(), Some(Completion::Callback));
        let (d, _) = run("?preset=async-write");
        assert_eq!(d.mode_override(), None, "the preset's own mode");
    }

    #[test]
    fn a_url_chooses_the_id_source_and_an_old_push_link_still_loads() {
        let (r, notices) = run("?preset=async-write&mode=websocket&id=id-service");
        assert!(notices.is_empty(), "{notices:?}");
        assert_eq!(
            r.session().options(),
            RunOptions {
                completion: Completion::Websocket,
                id_source: IdSource::IdService
            }
        );
        assert_eq!(r.id_override(), Some(IdSource::IdService));
        let (r, notices) = run("?preset=async-write&mode=push");
        assert!(notices.is_empty(), "{notices:?}");
        assert_eq!(r.session().mode(), Completion::Sse);
        assert_eq!(r.id_override(), None);
        // A preset without an id service keeps the server's ids and says so.
        let (r, notices) = run("?preset=sync-chain&id=id-service");
        assert_eq!(r.session().options().id_source, IdSource::Server);
        assert_eq!(
            notices,
            ["id: sync-chain has no id service; using \"server\""]
        );
    }

    #[test]
    fn faults_off_runs_the_scenario_without_its_scheduled_faults() {
        let (with, _) = run("?preset=sync-chain");
        let (without, notices) = run("?preset=sync-chain&faults=off");
        assert!(notices.is_empty(), "{notices:?}");
        assert!(
            !with.model().scenario.faults.is_empty(),
            "the preset has faults"
        );
        assert!(without.model().scenario.faults.is_empty());
        assert!(with.faults() && !without.faults());
    }

    #[test]
    fn a_bad_url_falls_back_and_names_each_field() {
        let (r, notices) = run("?preset=nonsense");
        assert_eq!(r.preset(), DEFAULT_PRESET);
        assert_eq!(
            notices,
            ["preset: unknown preset \"nonsense\", showing hybrid-queue"]
        );
        let (r, notices) = run("?preset=sync-chain&mode=polling");
        assert_eq!(r.session().mode(), Completion::Sync);
        assert_eq!(
            notices,
            ["mode: sync-chain does not support \"polling\"; using \"sync\""]
        );
    }

    #[test]
    fn a_link_carries_a_design_and_a_bad_one_falls_back_to_the_preset() {
        let (r, notices) = run("?preset=sync-chain&d=f.order.place.1.mode:publish");
        assert!(notices.is_empty(), "{notices:?}");
        assert_eq!(r.edits().len(), 1);
        assert!(r.model().service_index("broker").is_some());
        let (r, notices) = run("?preset=sync-chain&d=s.payment.replicas:0");
        assert_eq!(r.edits(), []);
        assert_eq!(r.preset(), "sync-chain");
        assert_eq!(
            notices,
            [
                "d: services.payment.replicas: must be a whole number from 1 to 256, got \"0\"; showing the preset as it is"
            ]
        );
    }

    #[test]
    fn faults_are_injected_now_and_undone_later() {
        let (mut r, _) = run("?preset=sync-chain");
        let payment_down = fault_presets(r.model())
            .into_iter()
            .find(|f| f.label == "Payment down for 10 s")
            .unwrap();
        assert_eq!(r.inject(&payment_down), "applied: payment down");
        assert_eq!(r.session().history().len(), 1);
        assert_eq!(
            r.url_commands()[1],
            UrlCommand::Scheduled {
                at: SimTime::from_secs(10),
                command: payment_down.off.clone(),
                from: Position::START,
            }
        );
        let refused = r.apply(Command::SetReplicas {
            service: "payment".into(),
            replicas: 0,
        });
        assert!(refused.starts_with("not applied: replicas"), "{refused}");
        assert_eq!(
            r.session().history().len(),
            1,
            "a refused command is not kept"
        );
    }

    #[test]
    fn the_design_view_covers_every_service() {
        let (r, _) = run("?preset=hybrid-queue");
        let d = r.design_view(7);
        assert_eq!(d.generation, 7);
        let n = r.model().services.len();
        assert_eq!(
            (d.nodes.len(), d.services.len(), d.diagram.nodes.len()),
            (n, n, n)
        );
        let order = r.model().service_index("order").unwrap();
        assert_eq!(d.nodes[order].label, d.services[order]);
        assert_eq!(d.services[order], "Order Service");
        assert_eq!(d.faults, fault_presets(r.model()));
    }
}
