//! The page's state machine: one run (session), its playback, and every
//! user action on it. The animation driver calls [`Controller::tick`] once
//! per frame; components call the action methods. Plain Rust, tested
//! natively; nothing here touches the browser.

use std::sync::Arc;

use orderflow_sim::model::Model;
use orderflow_sim::scenario::ServiceKind;
use orderflow_sim::{Command, Completion, SimTime, presets};

use crate::event_log::{LogFilter, LogIndex};
use crate::playback::Playback;
use crate::scene::{Frame, MAX_TOKENS, Scene};
use crate::session::{Advance, Flights, Session};
use crate::stats::Stats;
use crate::url_state::{UrlCommand, UrlState};

/// Wall-clock time a message stays on screen at least, so hops of a
/// millisecond are visible (see [`Controller::min_display`]).
pub const MIN_TOKEN_WALL_MS: f64 = 400.0;

/// A fast-forward in progress.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FastForward {
    pub from_orders: u64,
    pub target_orders: u64,
}

/// What a tick did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tick {
    /// The picture changed: recompute the frame.
    pub redraw: bool,
    /// The event budget ran out (the driver may raise it).
    pub budget_spent: bool,
}

/// One timed fault a user can inject with one click.
#[derive(Clone, Debug, PartialEq)]
pub struct FaultPreset {
    pub label: String,
    pub on: Command,
    pub off: Command,
    pub duration: SimTime,
}

/// The page's state.
pub struct Controller {
    pub preset: String,
    pub model: Arc<Model>,
    pub scene: Scene,
    pub session: Session,
    pub playback: Playback,
    pub flights: Flights,
    pub log: LogIndex,
    /// Problems with the URL or the last action, in words.
    pub notices: Vec<String>,
    /// The last action's result ("payment down", "2 later commands discarded").
    pub message: Option<String>,
    pub ff: Option<FastForward>,
    pending_seek: Option<SimTime>,
    pub reduced_motion: bool,
    pub embed: bool,
    pub autoplay: bool,
    orders_override: Option<u64>,
    pub selected_node: Option<usize>,
    pub selected_order: Option<u64>,
}

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

impl Controller {
    /// The state a URL describes. Problems become notices; the page always
    /// starts.
    pub fn from_url(url: &UrlState, mut notices: Vec<String>) -> Controller {
        let model = match load_model(&url.preset, url.orders) {
            Ok(m) => m,
            Err(e) => {
                notices.push(e);
                load_model(crate::url_state::DEFAULT_PRESET, None)
                    .expect("the default preset compiles")
            }
        };
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
        let applied: Vec<_> = url
            .commands
            .iter()
            .filter_map(|c| match c {
                UrlCommand::Applied(a) => Some(a.clone()),
                UrlCommand::Scheduled { .. } => None,
            })
            .collect();
        let scheduled: Vec<_> = url
            .commands
            .iter()
            .filter_map(|c| match c {
                UrlCommand::Scheduled { at, command } => Some((*at, command.clone())),
                UrlCommand::Applied(_) => None,
            })
            .collect();
        let session =
            match Session::with_commands(model.clone(), mode, url.seed, applied, scheduled) {
                Ok(s) => s,
                Err(e) => {
                    notices.push(format!("cmds: {e}; starting without them"));
                    Session::new(model.clone(), mode, url.seed).expect("the mode was checked")
                }
            };
        let mut playback = Playback::new(url.speed);
        if url.autoplay {
            playback.play();
        }
        let scene = Scene::new(&model);
        Controller {
            preset,
            model,
            scene,
            session,
            playback,
            flights: Flights::default(),
            log: LogIndex::default(),
            notices,
            message: None,
            ff: None,
            pending_seek: (url.t_us > 0).then_some(SimTime(url.t_us)),
            reduced_motion: false,
            embed: url.embed,
            autoplay: url.autoplay,
            orders_override: url.orders,
            selected_node: None,
            selected_order: None,
        }
    }

    /// The URL describing the current state.
    pub fn url_state(&self) -> UrlState {
        let mut commands: Vec<UrlCommand> = self
            .session
            .history()
            .iter()
            .cloned()
            .map(UrlCommand::Applied)
            .collect();
        commands.extend(
            self.session
                .scheduled()
                .iter()
                .map(|(at, c)| UrlCommand::Scheduled {
                    at: *at,
                    command: c.clone(),
                }),
        );
        UrlState {
            preset: self.preset.clone(),
            mode: (self.session.mode() != self.model.client.completion)
                .then_some(self.session.mode()),
            seed: self.session.seed(),
            orders: self.orders_override,
            speed: self.playback.speed(),
            t_us: self.session.now().as_micros(),
            commands,
            embed: self.embed,
            autoplay: self.autoplay,
        }
    }

    /// Starts another run: a preset, mode, seed and order count. Invalid
    /// choices keep the current run and say why.
    pub fn load(&mut self, preset: &str, mode: Option<Completion>, seed: u64, orders: Option<u64>) {
        let url = UrlState {
            preset: preset.to_owned(),
            mode,
            seed,
            orders,
            speed: self.playback.speed(),
            embed: self.embed,
            ..UrlState::default()
        };
        let next = Controller::from_url(&url, Vec::new());
        if !next.notices.is_empty() {
            self.message = Some(next.notices.join("; "));
            return;
        }
        let (reduced, embed) = (self.reduced_motion, self.embed);
        *self = next;
        self.reduced_motion = reduced;
        self.embed = embed;
    }

    /// Another pattern, with its own defaults.
    pub fn set_preset(&mut self, preset: &str) {
        self.load(preset, None, self.session.seed(), None);
    }

    /// The same run under another completion mode (order count kept).
    pub fn set_mode(&mut self, mode: Completion) {
        let (preset, seed) = (self.preset.clone(), self.session.seed());
        self.load(&preset, Some(mode), seed, self.orders_override);
    }

    /// The same run with another seed (mode and order count kept).
    pub fn set_seed(&mut self, seed: u64) {
        let preset = self.preset.clone();
        let mode = self.url_state().mode;
        self.load(&preset, mode, seed, self.orders_override);
    }

    /// The same run with another number of orders (mode kept).
    pub fn set_orders(&mut self, orders: u64) {
        let (preset, seed) = (self.preset.clone(), self.session.seed());
        let mode = self.url_state().mode;
        self.load(&preset, mode, seed, Some(orders));
    }

    /// Simulated time a token stays on screen at least: 400 ms of wall time
    /// at the current speed, but never more than the flight cap.
    pub fn min_display(&self) -> SimTime {
        SimTime((MIN_TOKEN_WALL_MS * 1_000.0 * self.playback.speed()) as u64)
    }

    /// One animation frame at wall-clock `wall_ms`, processing at most
    /// `budget` events.
    pub fn tick(&mut self, wall_ms: f64, budget: u64) -> Tick {
        let mut tick = Tick::default();
        if let Some(ff) = self.ff {
            tick.redraw = true;
            if self.session.fast_forward(ff.target_orders, budget) {
                self.ff = None;
                self.message = Some(format!(
                    "fast-forwarded to order {} at {}",
                    self.session.sim().orders_started(),
                    self.session.now()
                ));
            } else {
                tick.budget_spent = true;
            }
            self.playback.seek(self.session.now());
        } else if let Some(t) = self.pending_seek {
            tick.redraw = true;
            match self.session.seek(t, budget) {
                Advance::Reached => {
                    self.pending_seek = None;
                    self.playback.seek(t);
                }
                Advance::Budget => tick.budget_spent = true,
            }
        } else if self.playback.is_playing() {
            let t = self.playback.tick(wall_ms);
            tick.redraw = true;
            if self.session.advance_to(t, budget) == Advance::Budget {
                // Too many events for one frame: show where the run is.
                tick.budget_spent = true;
                self.playback.seek(self.session.now());
            }
            if self.session.is_finished() {
                self.playback.pause();
                self.message = Some(format!(
                    "the run is over at {}: every order settled",
                    self.session.now()
                ));
            }
        }
        self.flights
            .update(self.session.store(), self.session.rewinds());
        tick
    }

    /// The picture at the current time.
    pub fn frame(&mut self) -> Frame {
        let (now, min_display) = (self.session.now(), self.min_display());
        let shown = self.flights.visible(now, min_display, MAX_TOKENS);
        let dead_letters = self.flights.dead_lettered_before(now, min_display);
        self.scene.frame(
            &self.model,
            self.session.sim(),
            &shown,
            dead_letters,
            self.reduced_motion,
        )
    }

    /// The metrics panel's data.
    pub fn stats(&mut self) -> Stats {
        let model = self.model.clone();
        Stats::compute(&model, self.session.sim())
    }

    /// Catches the event log up; true if its rows changed.
    pub fn update_log(&mut self) -> bool {
        self.log
            .update(self.session.store(), self.session.rewinds())
    }

    pub fn set_log_filter(&mut self, filter: LogFilter) {
        self.log.set_filter(filter);
    }

    pub fn toggle(&mut self) {
        self.playback.toggle();
    }

    /// Processes exactly the next event and pauses there.
    pub fn step(&mut self) {
        self.playback.pause();
        if let Some(next) = self.session.sim().next_event_time() {
            self.session.advance_to(next, 1);
            self.playback.seek(self.session.now());
            self.flights
                .update(self.session.store(), self.session.rewinds());
        }
    }

    /// Back to time zero (commands stay in the history and replay).
    pub fn restart(&mut self) {
        self.ff = None;
        self.seek(SimTime::ZERO);
    }

    /// Moves to time `t` (over several frames if it is far).
    pub fn seek(&mut self, t: SimTime) {
        self.pending_seek = Some(t);
    }

    /// True while a seek is being worked through.
    pub fn seeking(&self) -> bool {
        self.pending_seek.is_some()
    }

    pub fn set_speed(&mut self, speed: f64) {
        self.playback.set_speed(speed);
    }

    /// Runs `n` more orders with the trace off, in slices per frame.
    pub fn fast_forward(&mut self, n: u64) {
        let from = self.session.sim().orders_started();
        self.ff = Some(FastForward {
            from_orders: from,
            target_orders: from.saturating_add(n.max(1)),
        });
    }

    /// Share done of the fast-forward in progress, 0..=1.
    pub fn ff_progress(&self) -> Option<f64> {
        self.ff.map(|ff| {
            let done = self
                .session
                .sim()
                .orders_started()
                .saturating_sub(ff.from_orders) as f64;
            (done / (ff.target_orders - ff.from_orders).max(1) as f64).min(1.0)
        })
    }

    /// Applies a command now.
    pub fn apply(&mut self, cmd: Command) {
        let text = cmd.describe();
        self.message = Some(match self.session.apply(cmd) {
            Ok(0) => format!("applied: {text}"),
            Ok(n) => format!("applied: {text}; {n} later command(s) of the old timeline discarded"),
            Err(e) => format!("not applied: {e}"),
        });
    }

    /// Applies `on` now and schedules `off` after `duration`.
    pub fn apply_for(&mut self, on: Command, off: Command, duration: SimTime) {
        let at = self.session.now().plus_micros(duration.as_micros());
        self.apply(on);
        if let Err(e) = self.session.schedule(at, off) {
            self.message = Some(format!("not scheduled: {e}"));
        }
    }

    /// One-click faults that make sense for this scenario.
    pub fn fault_presets(&self) -> Vec<FaultPreset> {
        let mut out = Vec::new();
        let has = |id: &str| self.model.service_index(id).is_some();
        let down = |id: &str, secs: u64, label: &str| FaultPreset {
            label: label.to_owned(),
            on: Command::SetUp {
                service: id.into(),
                up: false,
            },
            off: Command::SetUp {
                service: id.into(),
                up: true,
            },
            duration: SimTime::from_secs(secs),
        };
        if has("provider") {
            out.push(down("provider", 10, "Payment provider outage for 10 s"));
        }
        if has("payment") {
            out.push(down("payment", 10, "Payment down for 10 s"));
        }
        if has("warehouse") {
            out.push(down("warehouse", 30, "Warehouse down for 30 s"));
        }
        if has("kitchen") {
            out.push(FaultPreset {
                label: "Kitchen 3× slower for 30 s".into(),
                on: Command::SetLatencyFactor {
                    service: "kitchen".into(),
                    factor: 3.0,
                },
                off: Command::SetLatencyFactor {
                    service: "kitchen".into(),
                    factor: 1.0,
                },
                duration: SimTime::from_secs(30),
            });
        }
        if has("status") {
            out.push(down("status", 10, "Status store down for 10 s"));
        }
        out
    }

    /// One-click faults for node `i`.
    pub fn node_fault_presets(&self, i: usize) -> Vec<FaultPreset> {
        let Some(s) = self.model.services.get(i) else {
            return Vec::new();
        };
        if matches!(s.kind, ServiceKind::Client | ServiceKind::Broker) {
            return Vec::new();
        }
        let id = s.id.clone();
        vec![
            FaultPreset {
                label: "Down for 10 s".into(),
                on: Command::SetUp {
                    service: id.clone(),
                    up: false,
                },
                off: Command::SetUp {
                    service: id.clone(),
                    up: true,
                },
                duration: SimTime::from_secs(10),
            },
            FaultPreset {
                label: "5× slower for 10 s".into(),
                on: Command::SetLatencyFactor {
                    service: id.clone(),
                    factor: 5.0,
                },
                off: Command::SetLatencyFactor {
                    service: id.clone(),
                    factor: 1.0,
                },
                duration: SimTime::from_secs(10),
            },
            FaultPreset {
                label: "Half the requests fail for 10 s".into(),
                on: Command::SetErrorRate {
                    service: id.clone(),
                    rate: 0.5,
                },
                off: Command::SetErrorRate {
                    service: id,
                    rate: s.error_rate,
                },
                duration: SimTime::from_secs(10),
            },
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctrl(query: &str) -> Controller {
        let (url, notices) = UrlState::parse(query);
        Controller::from_url(&url, notices)
    }

    /// Drives frames of 16 ms until `wall_ms`.
    fn play_until(c: &mut Controller, from_ms: f64, to_ms: f64) {
        let mut w = from_ms;
        while w <= to_ms {
            c.tick(w, u64::MAX);
            w += 16.0;
        }
    }

    #[test]
    fn plays_at_speed_and_draws_tokens() {
        let mut c = ctrl("?preset=sync-chain&speed=2");
        c.toggle();
        play_until(&mut c, 0.0, 1_000.0);
        let t = c.session.now();
        assert!(
            t > SimTime::from_millis(1_900) && t <= SimTime::from_millis(2_000),
            "{t}"
        );
        let f = c.frame();
        assert!(!f.tokens.is_empty());
        assert!(f.counters.created >= 4);
    }

    #[test]
    fn a_shared_url_reproduces_the_run() {
        let mut a = ctrl("?preset=hybrid-queue&seed=9");
        a.toggle();
        play_until(&mut a, 0.0, 500.0);
        a.set_speed(20.0);
        a.apply_for(
            Command::SetUp {
                service: "warehouse".into(),
                up: false,
            },
            Command::SetUp {
                service: "warehouse".into(),
                up: true,
            },
            SimTime::from_secs(5),
        );
        play_until(&mut a, 516.0, 1_500.0);
        a.toggle();
        let q = a.url_state().to_query();
        let counters = a.frame().counters;

        let mut b = ctrl(&q);
        assert!(b.notices.is_empty(), "{:?}", b.notices);
        // The seek to the shared time happens over frames.
        for i in 0..1_000 {
            b.tick(f64::from(i) * 16.0, 2_000);
            if !b.seeking() {
                break;
            }
        }
        assert_eq!(b.session.now(), a.session.now());
        assert_eq!(b.frame().counters, counters);
        assert_eq!(b.session.history(), a.session.history());
    }

    #[test]
    fn a_malformed_url_falls_back_with_notices() {
        let c = ctrl("?preset=nonsense&mode=fax&speed=-3&cmds=garbage");
        assert_eq!(c.preset, crate::url_state::DEFAULT_PRESET);
        assert!(c.notices.len() >= 3, "{:?}", c.notices);
        let c = ctrl("?preset=sync-chain&mode=polling");
        assert_eq!(c.session.mode(), Completion::Sync);
        assert!(c.notices[0].starts_with("mode:"), "{:?}", c.notices);
        // Commands for services this preset does not have.
        let c = ctrl("?preset=mmc&cmds=0:0:down:warehouse");
        assert!(c.notices.iter().any(|n| n.starts_with("cmds:")) || c.session.history().len() <= 1);
    }

    #[test]
    fn step_processes_one_event_and_pauses() {
        let mut c = ctrl("?preset=sync-chain");
        c.step();
        assert_eq!(c.session.sim().events_processed(), 1);
        assert!(!c.playback.is_playing());
        c.tick(0.0, u64::MAX);
        c.step();
        c.step();
        assert_eq!(c.session.sim().events_processed(), 3);
        assert!(
            !c.frame().tokens.is_empty(),
            "the order request is on its way"
        );
    }

    #[test]
    fn seek_back_then_forward_gives_the_same_counters() {
        let mut c = ctrl("?preset=fire-and-forget&speed=50");
        c.toggle();
        play_until(&mut c, 0.0, 800.0);
        c.toggle();
        let at = c.session.now();
        let counters = c.frame().counters;
        c.seek(SimTime::from_secs(3));
        c.tick(900.0, u64::MAX);
        assert_eq!(c.session.now(), SimTime::from_secs(3));
        assert_ne!(c.frame().counters, counters);
        c.seek(at);
        c.tick(1_000.0, u64::MAX);
        assert_eq!(c.frame().counters, counters);
    }

    #[test]
    fn fast_forward_reports_progress_and_finishes() {
        let mut c = ctrl("?preset=hybrid-queue&orders=3000");
        c.fast_forward(2_000);
        assert_eq!(c.ff_progress(), Some(0.0));
        let mut frames = 0;
        while c.ff.is_some() {
            c.tick(f64::from(frames) * 16.0, 20_000);
            frames += 1;
            assert!(frames < 1_000);
        }
        assert!(frames > 1, "in slices");
        assert!(c.session.sim().orders_started() >= 2_000);
        assert!(c.message.as_ref().unwrap().starts_with("fast-forwarded"));
    }

    #[test]
    fn a_refused_command_says_why() {
        let mut c = ctrl("?preset=sync-chain");
        c.apply(Command::SetReplicas {
            service: "payment".into(),
            replicas: 0,
        });
        assert!(
            c.message
                .as_ref()
                .unwrap()
                .starts_with("not applied: replicas")
        );
        assert!(c.session.history().is_empty());
    }

    #[test]
    fn fault_presets_fit_the_scenario() {
        let c = ctrl("?preset=payment-breaker");
        let labels: Vec<String> = c.fault_presets().into_iter().map(|p| p.label).collect();
        assert!(
            labels
                .iter()
                .any(|l| l.starts_with("Payment provider outage"))
        );
        let c = ctrl("?preset=mmc");
        assert!(c.fault_presets().is_empty());
        assert_eq!(c.node_fault_presets(1).len(), 3);
        assert!(c.node_fault_presets(0).is_empty(), "not for the client");
    }

    #[test]
    fn loading_another_preset_resets_and_bad_choices_keep_the_run() {
        let mut c = ctrl("?preset=sync-chain");
        c.load("pizza", Some(Completion::Push), 3, None);
        assert_eq!(
            (c.preset.as_str(), c.session.mode()),
            ("pizza", Completion::Push)
        );
        c.load("pizza", Some(Completion::Sync), 3, None);
        assert_eq!(c.session.mode(), Completion::Push, "pizza has no sync mode");
        assert!(c.message.as_ref().unwrap().contains("does not support"));
    }

    #[test]
    fn changing_mode_or_seed_keeps_the_other_choices() {
        let mut c = ctrl("?preset=async-write&orders=60&seed=3");
        c.set_mode(Completion::Callback);
        assert_eq!(c.model.orders, 60);
        assert_eq!(c.session.mode(), Completion::Callback);
        c.set_seed(9);
        assert_eq!((c.model.orders, c.session.seed()), (60, 9));
        assert_eq!(c.session.mode(), Completion::Callback);
        c.set_orders(20);
        assert_eq!(c.model.orders, 20);
        assert_eq!(c.session.mode(), Completion::Callback);
        c.set_preset("hybrid");
        assert_eq!(c.preset, "hybrid");
        assert_eq!(c.session.seed(), 9);
        assert_ne!(
            c.model.orders, 20,
            "a new pattern starts from its own defaults"
        );
        // An impossible choice keeps the run and says why.
        c.set_mode(Completion::Sync);
        c.set_preset("no-such-preset");
        assert_eq!(c.preset, "hybrid");
        assert!(
            c.message
                .as_deref()
                .unwrap_or("")
                .contains("no-such-preset")
        );
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
    pub seed: u64,
    pub orders: u64,
    pub orders_started: u64,
    pub seeking: bool,
    pub ff_progress: Option<f64>,
    pub finished: bool,
    pub notices: Vec<String>,
    pub message: Option<String>,
    pub selected_node: Option<usize>,
    pub selected_order: Option<u64>,
    pub embed: bool,
    pub commands: usize,
    pub scheduled: usize,
}

impl UiState {
    /// The controls' view of `c`.
    pub fn of(c: &mut Controller) -> UiState {
        UiState {
            playing: c.playback.is_playing(),
            speed: c.playback.speed(),
            now: c.session.now(),
            furthest: c.session.furthest(),
            preset: c.preset.clone(),
            title: c.model.scenario.title.clone(),
            description: c.model.scenario.description.clone(),
            mode: Some(c.session.mode()),
            allowed: c.model.client.allowed.clone(),
            seed: c.session.seed(),
            orders: c.model.orders,
            orders_started: c.session.sim().orders_started(),
            seeking: c.seeking(),
            ff_progress: c.ff_progress(),
            finished: c.session.is_finished(),
            notices: c.notices.clone(),
            message: c.message.clone(),
            selected_node: c.selected_node,
            selected_order: c.selected_order,
            embed: c.embed,
            commands: c.session.history().len(),
            scheduled: c.session.scheduled().len(),
        }
    }
}
