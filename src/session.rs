//! One run as the page sees it: the engine, the trace so far, checkpoints for
//! seeking, and the history of commands.
//!
//! The page keeps the engine exactly at the display time: every frame it
//! asks [`Session::advance_to`] for the new time. Seeking backwards restores
//! the nearest earlier checkpoint (a clone of the engine) and replays to the
//! target, re-applying recorded commands at their exact positions, so the
//! state shown after a seek is the true state at that time.
//!
//! Timed commands ("up again in 10 s") live in the engine
//! ([`Sim::schedule`]), which fires them after every event up to their time
//! and records them like commands applied then. The session remembers where
//! each was scheduled (its [`Position`]), also after it fired: a change made
//! after a rewind discards the old timeline's future, but a timed command
//! scheduled before the new change is part of the past that stays, so it
//! is scheduled again (the "back up" half of "Payment down for 10 s"
//! survives another change made during the outage). While recorded history
//! is being re-applied after a rewind, the timed commands still waiting are
//! held here and handed back to the engine once the history is through, so
//! they fire after it, as they always have.
//!
//! A recorded command that cannot be re-applied where it was recorded (a
//! hand-edited link: a position the run never reaches, a time the clock has
//! already passed) is dropped and named in [`Session::take_problems`].
//!
//! Plain Rust with no web dependency: tested natively.

use std::collections::VecDeque;
use std::sync::Arc;

use orderflow_sim::command::CommandError;
use orderflow_sim::model::Model;
use orderflow_sim::trace::TraceEvent;
use orderflow_sim::{AppliedCommand, Command, Completion, RunOptions, Sim, SimTime};

/// Trace events kept in memory; the oldest quarter is dropped beyond this.
pub const MAX_STORE: usize = 400_000;
/// Checkpoints kept; beyond this every other one is dropped and the
/// interval doubles, so memory stays bounded on any run length.
pub const MAX_CHECKPOINTS: usize = 48;
/// First interval between checkpoints, simulated.
pub const CHECKPOINT_EVERY: SimTime = SimTime::from_millis(2_000);
/// Scheduled (timed) commands pending at once: the engine's bound.
pub const MAX_SCHEDULED: usize = orderflow_sim::sim::MAX_TIMED_COMMANDS;
/// Problems kept for [`Session::take_problems`]; more are counted in the last one.
const MAX_PROBLEMS: usize = 20;

/// `s`, cut after `max` characters (a link's names can be any length).
pub(crate) fn cut(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_owned(),
    }
}

/// A place in a run's event stream: after `after_events` events, with the
/// clock at `at`. Positions of one run compare in stream order (events
/// first: the clock never goes back).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Position {
    pub after_events: u64,
    pub at: SimTime,
}

impl Position {
    /// The start of a run.
    pub const START: Position = Position {
        after_events: 0,
        at: SimTime::ZERO,
    };
}

/// A timed command: `command` fires at `at`; it was scheduled at `from`.
#[derive(Clone, Debug, PartialEq)]
pub struct Timed {
    pub at: SimTime,
    pub command: Command,
    pub from: Position,
}

/// The trace so far, bounded: `events[i]` has absolute index `offset + i`.
#[derive(Clone, Debug, Default)]
pub struct TraceStore {
    events: Vec<TraceEvent>,
    offset: usize,
}

impl TraceStore {
    /// Absolute index one past the last event.
    pub fn end(&self) -> usize {
        self.offset + self.events.len()
    }

    /// Absolute index of the oldest event kept.
    pub fn start(&self) -> usize {
        self.offset
    }

    /// The events kept, oldest first.
    pub fn events(&self) -> &[TraceEvent] {
        &self.events
    }

    /// The event with absolute index `i`, if kept.
    pub fn get(&self, i: usize) -> Option<&TraceEvent> {
        i.checked_sub(self.offset).and_then(|k| self.events.get(k))
    }

    fn push_all(&mut self, new: Vec<TraceEvent>) {
        self.events.extend(new);
        if self.events.len() > MAX_STORE {
            let drop = self.events.len() - MAX_STORE * 3 / 4;
            self.events.drain(..drop);
            self.offset += drop;
        }
    }

    /// Forgets every event from absolute index `end` on.
    fn truncate(&mut self, end: usize) {
        if end <= self.offset {
            self.events.clear();
            self.offset = end;
        } else {
            self.events.truncate(end - self.offset);
        }
    }
}

#[derive(Clone, Debug)]
struct Checkpoint {
    sim: Sim,
    trace_end: usize,
}

/// Result of an [`Session::advance_to`] slice.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Advance {
    /// The target time was reached.
    Reached,
    /// The event budget ran out first; call again.
    Budget,
}

/// A run.
#[derive(Clone, Debug)]
pub struct Session {
    model: Arc<Model>,
    mode: Completion,
    seed: u64,
    sim: Sim,
    store: TraceStore,
    checkpoints: Vec<Checkpoint>,
    checkpoint_every: SimTime,
    /// Every command applied, in stream order (the run's history).
    history: Vec<AppliedCommand>,
    /// Beside each entry of `history`: where it was scheduled, if it was a
    /// timed command that fired.
    timed_from: Vec<Option<Position>>,
    /// Index in `history` of the next command to re-apply after a seek back
    /// (equal to the engine's count of applied commands).
    replayed: usize,
    /// Timed commands held back while history is re-applied, in firing order.
    parked: Vec<Timed>,
    /// The engine's waiting timed commands with their origins, in the
    /// engine's firing order (empty while `parked` holds them).
    waiting: Vec<Timed>,
    /// Recorded commands dropped because they could not be re-applied.
    problems: Vec<String>,
    problems_dropped: usize,
    furthest: SimTime,
    /// Bumped whenever the trace is rewound (observers must rescan).
    rewinds: u64,
}

impl Session {
    /// A fresh run at time zero.
    pub fn new(model: Arc<Model>, mode: Completion, seed: u64) -> Result<Session, CommandError> {
        let opts = RunOptions {
            completion: mode,
            ..RunOptions::defaults(&model)
        };
        Session::with_options(model, opts, seed)
    }

    /// A fresh run with chosen options (completion mode and id source).
    pub fn with_options(
        model: Arc<Model>,
        opts: RunOptions,
        seed: u64,
    ) -> Result<Session, CommandError> {
        let mode = opts.completion;
        let sim = Sim::with_options(model.clone(), seed, opts)?;
        let mut s = Session {
            model,
            mode,
            seed,
            sim,
            store: TraceStore::default(),
            checkpoints: Vec::new(),
            checkpoint_every: CHECKPOINT_EVERY,
            history: Vec::new(),
            timed_from: Vec::new(),
            replayed: 0,
            parked: Vec::new(),
            waiting: Vec::new(),
            problems: Vec::new(),
            problems_dropped: 0,
            furthest: SimTime::ZERO,
            rewinds: 0,
        };
        s.checkpoint();
        Ok(s)
    }

    /// A run with recorded commands (from a shared link: each with where it
    /// was scheduled if it was a timed command that fired) and timed
    /// commands still waiting.
    pub fn with_history(
        model: Arc<Model>,
        mode: Completion,
        seed: u64,
        history: Vec<(AppliedCommand, Option<Position>)>,
        waiting: Vec<Timed>,
    ) -> Result<Session, CommandError> {
        let opts = RunOptions {
            completion: mode,
            ..RunOptions::defaults(&model)
        };
        Session::with_options_and_history(model, opts, seed, history, waiting)
    }

    /// [`Session::with_history`] with chosen options (the id source too).
    pub fn with_options_and_history(
        model: Arc<Model>,
        opts: RunOptions,
        seed: u64,
        history: Vec<(AppliedCommand, Option<Position>)>,
        waiting: Vec<Timed>,
    ) -> Result<Session, CommandError> {
        let mut s = Session::with_options(model, opts, seed)?;
        let mut last = Position::START;
        for (c, _) in &history {
            let here = Position {
                after_events: c.after_events,
                at: c.at,
            };
            if here < last {
                return Err(CommandError("commands are not in stream order".into()));
            }
            last = here;
        }
        (s.history, s.timed_from) = history.into_iter().unzip();
        for t in waiting {
            s.schedule_from(t)?;
        }
        Ok(s)
    }

    /// A run with recorded commands and scheduled ones (scheduled at the
    /// start).
    pub fn with_commands(
        model: Arc<Model>,
        mode: Completion,
        seed: u64,
        applied: Vec<AppliedCommand>,
        scheduled: Vec<(SimTime, Command)>,
    ) -> Result<Session, CommandError> {
        let history = applied.into_iter().map(|c| (c, None)).collect();
        let waiting = scheduled
            .into_iter()
            .map(|(at, command)| Timed {
                at,
                command,
                from: Position::START,
            })
            .collect();
        Session::with_history(model, mode, seed, history, waiting)
    }

    pub fn model(&self) -> &Arc<Model> {
        &self.model
    }

    pub fn mode(&self) -> Completion {
        self.mode
    }

    /// The run's options (completion mode and id source).
    pub fn options(&self) -> RunOptions {
        self.sim.options()
    }

    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The engine, at the current time.
    pub fn sim(&self) -> &Sim {
        &self.sim
    }

    /// The current time (equal to the display time after `advance_to`).
    pub fn now(&self) -> SimTime {
        self.sim.now()
    }

    /// The current place in the event stream.
    pub fn position(&self) -> Position {
        Position {
            after_events: self.sim.events_processed(),
            at: self.sim.now(),
        }
    }

    /// The latest time this run has reached.
    pub fn furthest(&self) -> SimTime {
        self.furthest
    }

    pub fn store(&self) -> &TraceStore {
        &self.store
    }

    /// Changes whenever the trace was rewound by a seek.
    pub fn rewinds(&self) -> u64 {
        self.rewinds
    }

    /// Applied commands (the whole history, including ones after the
    /// current time that will be re-applied when playing forward).
    pub fn history(&self) -> &[AppliedCommand] {
        &self.history
    }

    /// Beside each entry of [`Session::history`]: where it was scheduled,
    /// if it was a timed command that fired.
    pub fn timed_origins(&self) -> &[Option<Position>] {
        &self.timed_from
    }

    /// Commands waiting for their time, in firing order.
    pub fn scheduled(&self) -> &[Timed] {
        if self.replay_done() {
            &self.waiting
        } else {
            &self.parked
        }
    }

    /// Recorded commands dropped since the last call because they could not
    /// be re-applied where they were recorded (only a hand-made link has
    /// such commands), in words naming each; the list empties.
    pub fn take_problems(&mut self) -> Vec<String> {
        if self.problems_dropped > 0 {
            self.problems.push(format!(
                "cmds: {} more commands could not be replayed and were ignored",
                self.problems_dropped
            ));
            self.problems_dropped = 0;
        }
        std::mem::take(&mut self.problems)
    }

    /// True when the run is over: nothing left to simulate.
    pub fn is_finished(&self) -> bool {
        self.sim.is_finished() && self.replay_done() && self.parked.is_empty()
    }

    /// Advances to `t`, processing at most `budget` events. Records
    /// checkpoints and re-applies recorded commands at their positions; the
    /// engine fires timed commands on the way.
    pub fn advance_to(&mut self, t: SimTime, budget: u64) -> Advance {
        let mut left = budget;
        let result = loop {
            // A recorded command due at exactly this position.
            if let Some(c) = self.history.get(self.replayed) {
                let events = self.sim.events_processed();
                if c.after_events < events {
                    self.drop_recorded("the run went past its position");
                    continue;
                }
                if c.after_events == events {
                    if c.at > t {
                        // Recorded after an event and before the next one,
                        // so never later than the next one.
                        if self.sim.next_event_time().is_some_and(|n| c.at > n) {
                            self.drop_recorded("at: later than the next event after its position");
                            continue;
                        }
                        break self.finish_at(t);
                    }
                    let c = c.clone();
                    match self.sim.apply_recorded(&c) {
                        Ok(()) => self.replayed += 1,
                        Err(e) => self.drop_recorded(&e.0),
                    }
                    if self.replay_done() {
                        self.unpark();
                    }
                    continue;
                }
            }
            if self.sim.now() >= self.next_checkpoint_at() {
                self.checkpoint();
            }
            match self.sim.next_event_time() {
                Some(n) if n <= t => {
                    if left == 0 {
                        break Advance::Budget;
                    }
                    // Fires a timed command due first, or processes the event.
                    let before = self.sim.events_processed();
                    self.sim.step();
                    self.record_fired();
                    if self.sim.events_processed() > before {
                        left -= 1;
                    }
                }
                // No event left while recorded commands wait for later
                // positions (timed commands are parked during a replay):
                // the run never gets there.
                None if !self.replay_done() => {
                    self.drop_recorded("after_events: the run ends before it");
                }
                _ => break self.finish_at(t),
            }
        };
        let new = self.sim.drain_trace();
        self.store.push_all(new);
        self.furthest = self.furthest.max(self.sim.now());
        result
    }

    fn replay_done(&self) -> bool {
        self.replayed >= self.history.len()
    }

    /// Drops the next recorded command, which cannot be re-applied, saying why.
    fn drop_recorded(&mut self, why: &str) {
        let c = self.history.remove(self.replayed);
        self.timed_from.remove(self.replayed);
        if self.problems.len() < MAX_PROBLEMS {
            self.problems.push(format!(
                "cmds: \"{}\" recorded after {} events at {} cannot be replayed ({}; the run is at {} after {} events there); ignored",
                cut(&c.command.describe(), 60),
                c.after_events,
                c.at,
                cut(why, 120),
                self.sim.now(),
                self.sim.events_processed(),
            ));
        } else {
            self.problems_dropped += 1;
        }
        if self.replay_done() {
            self.unpark();
        }
    }

    fn finish_at(&mut self, t: SimTime) -> Advance {
        // Do not move the clock past a recorded command still to come.
        let limit = self.history.get(self.replayed).map_or(t, |c| c.at.min(t));
        self.sim.run_until(limit.max(self.sim.now()));
        self.record_fired();
        Advance::Reached
    }

    /// Hands `t` to the engine, keeping its origin beside it.
    fn schedule_in_engine(&mut self, t: Timed) -> Result<(), CommandError> {
        // The engine's order: by time, then in the order scheduled.
        let i = self.waiting.partition_point(|w| w.at <= t.at);
        self.sim.schedule(t.at, t.command.clone())?;
        self.waiting.insert(i, t);
        Ok(())
    }

    /// Hands the timed commands held during a replay back to the engine.
    fn unpark(&mut self) {
        for mut t in std::mem::take(&mut self.parked) {
            // Due before now only if the history ran past them; they fire
            // at once then, as they did when the session fired them itself.
            t.at = t.at.max(self.sim.now());
            // Validated when scheduled; a refusal now changes nothing.
            let _ = self.schedule_in_engine(t);
        }
    }

    fn next_checkpoint_at(&self) -> SimTime {
        let last = self
            .checkpoints
            .last()
            .map_or(SimTime::ZERO, |c| c.sim.now());
        last.plus_micros(self.checkpoint_every.as_micros())
    }

    fn checkpoint(&mut self) {
        if self.checkpoints.len() >= MAX_CHECKPOINTS {
            // Keep the first and every other one after it; space them wider.
            let kept: Vec<Checkpoint> = self.checkpoints.drain(..).step_by(2).collect();
            self.checkpoints = kept;
            self.checkpoint_every = SimTime(self.checkpoint_every.as_micros() * 2);
        }
        // The store must hold every event up to this instant.
        let new = self.sim.drain_trace();
        self.store.push_all(new);
        let sim = self.sim.clone();
        self.checkpoints.push(Checkpoint {
            sim,
            trace_end: self.store.end(),
        });
    }

    /// Adds the commands the engine applied beyond the history (a command
    /// just applied, or timed ones that fired) to the history, each timed
    /// one with its origin.
    fn record_fired(&mut self) {
        // Called after every event: nothing to do unless a timed command is
        // waiting or the engine applied one beyond the history (the common
        // case, and 3 % of a fast-forward before this check).
        if self.waiting.is_empty() && self.sim.applied_commands().len() <= self.replayed {
            return;
        }
        // The engine takes fired timed commands from the front of its list
        // (also one it could not record any more: the run's command limit).
        debug_assert!(self.waiting.len() >= self.sim.scheduled().len());
        let popped = self
            .waiting
            .len()
            .saturating_sub(self.sim.scheduled().len());
        let fired: Vec<Timed> = self.waiting.drain(..popped).collect();
        let mut fired = fired.into_iter();
        let done = self.replay_done();
        let applied = self.sim.applied_commands();
        if applied.len() > self.replayed && done {
            for c in &applied[self.replayed..] {
                let from = fired.next().map(|t| {
                    debug_assert_eq!((t.at, &t.command), (c.at, &c.command));
                    t.from
                });
                self.history.push(c.clone());
                self.timed_from.push(from);
            }
            self.replayed = self.history.len();
        }
    }

    /// Moves to time `t`, backwards through a checkpoint if needed, then
    /// forward. `budget` bounds the events of this call; on `Budget`, call
    /// [`Session::advance_to`] again with the same target.
    pub fn seek(&mut self, t: SimTime, budget: u64) -> Advance {
        if t < self.sim.now() {
            let i = self
                .checkpoints
                .iter()
                .rposition(|c| c.sim.now() <= t)
                .unwrap_or(0);
            self.checkpoints.truncate(i + 1);
            // Timed commands still waiting at the furthest point wait on;
            // the checkpoint's own waiting list is older (those that fired
            // since are in the history).
            if self.replay_done() {
                self.parked = std::mem::take(&mut self.waiting);
            }
            let cp = &self.checkpoints[i];
            self.sim = cp.sim.clone();
            self.sim.take_scheduled();
            self.waiting.clear();
            self.sim.set_trace(true);
            self.store.truncate(cp.trace_end);
            self.replayed = self.sim.applied_commands().len().min(self.history.len());
            if self.replay_done() {
                self.unpark();
            }
            self.rewinds += 1;
        }
        self.advance_to(t, budget)
    }

    /// Applies `cmd` now. If the run had been rewound, the old timeline's
    /// commands after now are discarded first (a new history starts here),
    /// except timed commands scheduled before now, which wait for their
    /// time again; returns how many were discarded.
    pub fn apply(&mut self, cmd: Command) -> Result<usize, CommandError> {
        // Validate before discarding anything.
        self.sim.validate(&cmd)?;
        let discarded = self.cut_future();
        self.sim.apply(cmd)?;
        self.record_fired();
        let new = self.sim.drain_trace();
        self.store.push_all(new);
        Ok(discarded)
    }

    /// Starts a new timeline at the current position: the old one's
    /// commands after it are dropped, but a timed command scheduled at or
    /// before it (fired later in the old timeline, or still waiting) is
    /// scheduled again. Returns how many commands were dropped.
    fn cut_future(&mut self) -> usize {
        let here = self.position();
        if self.replay_done() && self.waiting.iter().all(|w| w.from <= here) {
            return 0;
        }
        let mut keep = std::mem::take(&mut self.parked);
        keep.append(&mut self.waiting);
        self.sim.take_scheduled();
        let future = self.history.split_off(self.replayed);
        let future_from = self.timed_from.split_off(self.replayed);
        let mut discarded = 0;
        for (c, from) in future.into_iter().zip(future_from) {
            match from {
                Some(from) => keep.push(Timed {
                    at: c.at,
                    command: c.command,
                    from,
                }),
                None => discarded += 1,
            }
        }
        let before = keep.len();
        keep.retain(|t| t.from <= here);
        discarded += before - keep.len();
        // Firing order as when they were first scheduled: by time, then
        // in scheduling order (a stable sort keeps ties as they were).
        keep.sort_by_key(|t| (t.at, t.from));
        for mut t in keep {
            t.at = t.at.max(here.at);
            // Each was accepted once, and fewer wait now than then.
            let _ = self.schedule_in_engine(t);
        }
        discarded
    }

    /// Schedules `cmd` for time `at` (a timed fault: "down for 10 s").
    pub fn schedule(&mut self, at: SimTime, cmd: Command) -> Result<(), CommandError> {
        let from = self.position();
        self.schedule_from(Timed {
            at,
            command: cmd,
            from,
        })
    }

    /// Schedules a timed command with a known origin.
    fn schedule_from(&mut self, t: Timed) -> Result<(), CommandError> {
        if self.replay_done() {
            return self.schedule_in_engine(t);
        }
        if self.parked.len() >= MAX_SCHEDULED {
            return Err(CommandError(format!(
                "at: at most {MAX_SCHEDULED} scheduled commands"
            )));
        }
        if t.at < self.sim.now() {
            return Err(CommandError(format!(
                "at: {} is in the past (now {})",
                t.at,
                self.sim.now()
            )));
        }
        self.sim.validate(&t.command)?;
        let i = self.parked.partition_point(|p| p.at <= t.at);
        self.parked.insert(i, t);
        Ok(())
    }

    /// Runs with the trace off until `orders` orders have arrived in all, or
    /// the run ends, within `budget` events. Returns true when done.
    pub fn fast_forward(&mut self, orders: u64, budget: u64) -> bool {
        self.sim.set_trace(false);
        let mut left = budget;
        let done = loop {
            if self.sim.orders_started() >= orders || self.is_finished() {
                break true;
            }
            if left == 0 {
                break false;
            }
            // Every order starts with an event of its own, so running no
            // more events than orders still to start cannot overshoot.
            let to_start = orders - self.sim.orders_started();
            let chunk = left.min(5_000).min(to_start);
            let horizon = self
                .sim
                .next_event_time()
                .unwrap_or(self.sim.now())
                .plus_micros(60_000_000);
            let before = self.sim.events_processed();
            self.advance_to(horizon, chunk);
            let ran = self.sim.events_processed() - before;
            left = left.saturating_sub(ran.max(1));
        };
        self.sim.set_trace(true);
        self.furthest = self.furthest.max(self.sim.now());
        done
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
pub(crate) mod fuzz;

/// Recent messages for the token layer, derived from the trace.
#[derive(Clone, Debug, Default)]
pub struct Flights {
    /// Send events (as trace indices) that may still be on screen, oldest first.
    recent: VecDeque<Flight>,
    /// When messages were dead-lettered lately, oldest first (the broker
    /// shows it for as long as a token would stay on screen).
    dead_letters: VecDeque<SimTime>,
    /// Absolute index of the next trace event to look at.
    scanned: usize,
    rewinds: u64,
}

/// One message on the wire, as drawn.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Flight {
    pub msg: u64,
    pub order: orderflow_sim::ids::OrderId,
    pub from: orderflow_sim::ids::ServiceId,
    pub to: orderflow_sim::ids::ServiceId,
    pub kind: orderflow_sim::trace::MsgKind,
    pub sent: SimTime,
    pub arrive: SimTime,
    /// Set when the message was dropped at its destination.
    pub dropped: bool,
    /// Set when it was an error answer (failed, timed out, refused…).
    pub error: bool,
}

/// How long a message may stay on screen, simulated: the display stretch
/// never exceeds this.
pub const MAX_FLIGHT_DISPLAY: SimTime = SimTime::from_millis(2_000);

/// How long (simulated) a message stays on screen at least, for a requested
/// `min_display`: never more than [`MAX_FLIGHT_DISPLAY`].
fn display_stretch(min_display: SimTime) -> SimTime {
    min_display.min(MAX_FLIGHT_DISPLAY)
}

impl Flights {
    /// Catches up with the trace store.
    pub fn update(&mut self, store: &TraceStore, rewinds: u64) {
        use orderflow_sim::trace::{Label, TraceKind};
        if rewinds != self.rewinds || self.scanned < store.start() || self.scanned > store.end() {
            // Rewound: rescan the tail of the store.
            self.rewinds = rewinds;
            self.recent.clear();
            self.dead_letters.clear();
            let last_t = store.events().last().map_or(SimTime::ZERO, |e| e.t);
            let horizon = SimTime(
                last_t
                    .as_micros()
                    .saturating_sub(MAX_FLIGHT_DISPLAY.as_micros() * 2),
            );
            let from = store
                .events()
                .iter()
                .rposition(|e| e.t < horizon)
                .map_or(0, |i| i + 1);
            self.scanned = store.start() + from;
        }
        for i in self.scanned..store.end() {
            let Some(e) = store.get(i) else { continue };
            match &e.kind {
                TraceKind::Send {
                    msg,
                    order,
                    from,
                    to,
                    kind,
                    label,
                    arrive,
                } => self.recent.push_back(Flight {
                    msg: *msg,
                    order: *order,
                    from: *from,
                    to: *to,
                    kind: *kind,
                    sent: e.t,
                    arrive: *arrive,
                    dropped: false,
                    error: matches!(
                        label,
                        Label::Failed(_) | Label::Nack | Label::Confirm(false)
                    ),
                }),
                TraceKind::Drop { msg, .. } => {
                    if let Some(f) = self.recent.iter_mut().rev().find(|f| f.msg == *msg) {
                        f.dropped = true;
                    }
                }
                TraceKind::DeadLetter { .. } => self.dead_letters.push_back(e.t),
                _ => {}
            }
        }
        self.scanned = store.end();
    }

    /// Messages on screen at `t` with display duration stretched to at
    /// least `min_display` (simulated), newest last, at most `limit`.
    pub fn visible(
        &mut self,
        t: SimTime,
        min_display: SimTime,
        limit: usize,
    ) -> Vec<(Flight, f64)> {
        let stretch = display_stretch(min_display).as_micros();
        let keep_after = t
            .as_micros()
            .saturating_sub(MAX_FLIGHT_DISPLAY.as_micros() * 2);
        while self.recent.front().is_some_and(|f| {
            f.arrive
                .as_micros()
                .max(f.sent.as_micros() + MAX_FLIGHT_DISPLAY.as_micros())
                < keep_after
        }) {
            self.recent.pop_front();
        }
        let mut out: Vec<(Flight, f64)> = self
            .recent
            .iter()
            .filter_map(|f| {
                let start = f.sent.as_micros();
                let real = f.arrive.as_micros().saturating_sub(start);
                let shown = real.max(stretch).max(1);
                let now = t.as_micros();
                (now >= start && now < start + shown)
                    .then(|| (*f, (now - start) as f64 / shown as f64))
            })
            .collect();
        if out.len() > limit {
            out.drain(..out.len() - limit);
        }
        out
    }

    /// Messages dead-lettered in the `min_display` (simulated, at most
    /// [`MAX_FLIGHT_DISPLAY`]) before `t`: as long as a token stays visible.
    /// Call after [`Flights::visible`], which forgets the old ones.
    pub fn dead_lettered_before(&self, t: SimTime, min_display: SimTime) -> u32 {
        let window = display_stretch(min_display).max(SimTime::from_millis(300));
        let from = t.as_micros().saturating_sub(window.as_micros());
        self.dead_letters
            .iter()
            .filter(|d| (from..=t.as_micros()).contains(&d.as_micros()))
            .count() as u32
    }
}

#[cfg(test)]
mod tests;
