//! The simulation: one world, one event queue, one random generator.
//!
//! [`Sim`] is a sans-IO state machine in the manner of `quinn-proto`'s
//! `Connection`: it never reads a clock or does I/O. The caller drives it and
//! reads it; its methods fall into four groups.
//!
//! - **Getters** (`&self`): [`Sim::now`], [`Sim::next_event_time`],
//!   [`Sim::is_finished`], [`Sim::metrics`], [`Sim::service`],
//!   [`Sim::queue`], [`Sim::breaker`], [`Sim::stock`], … — the state between
//!   two events. They never change anything.
//! - **Drivers**: [`Sim::step`] processes exactly one event (or fires one
//!   timed command due before it); [`Sim::run_until`] processes everything
//!   up to a time and moves the clock there; [`Sim::run_to_end`] runs until
//!   nothing is left (or a bound is hit); [`Sim::run_to_event`] returns to an
//!   exact position of the event stream.
//! - **Mutators**: [`Sim::validate`] says whether a command applies (and why
//!   not) without changing anything; [`Sim::apply`] changes the running
//!   system now (a service down, latency raised, replicas changed, broker
//!   restarted); [`Sim::schedule`] holds a command until its time ("up again
//!   in 10 s"). Every command that takes effect is recorded with its exact
//!   position in the event stream ([`Sim::applied_commands`]), so
//!   [`Sim::replay`] of scenario, seed and record reproduces the run.
//! - **Pollers**: [`Sim::drain_trace`] hands out the trace events produced
//!   since the last call.
//!
//! Call order: build, then any mix of drivers, mutators and getters; drain
//! the trace often enough that it stays under `limits.trace_buffer`. Time
//! only moves forward: a driver never moves the clock back, and a command
//! applies at the current time. Events are ordered by `(time, seq)`: events
//! scheduled for the same microsecond run in the order they were scheduled,
//! so simultaneous events are FIFO and a run is a pure function of scenario,
//! seed and commands. A `Sim` is `Clone`: a clone is a checkpoint.
//!
//! ## Inside
//!
//! `World` (`world.rs`) holds the state; each part of the flow keeps its
//! data and behaviour in a file of its own:
//!
//! | file | owns |
//! |---|---|
//! | `schedule.rs` | the event queue and timeout lanes |
//! | `client.rs` | arrivals, the order request, polling, settling an order |
//! | `notify.rs` | push, webhooks and final-status writes |
//! | `network.rs` | messages on the wire and routing them on delivery |
//! | `services.rs` | replicas, admission, workers, utilisation, up/down/scale |
//! | `handlers.rs` | activations and the step program |
//! | `calls.rs` | calls, retries, fallbacks, compensation, a handler's end |
//! | `effects.rs`, `stock.rs` | what handlers do to the records; stock counters |
//! | `broker/` | publish, dispatch, acks, redelivery, dead letters, restarts |
//! | `breakers.rs` | reactions to breaker transitions |
//! | `commands.rs` | command validation, execution, timed commands |
//! | `sampling.rs`, `trace_buffer.rs`, `invariants.rs` | what a run shows |

mod breakers;
mod broker;
mod calls;
mod client;
mod commands;
mod effects;
mod handlers;
mod invariants;
mod network;
mod notify;
mod retries;
mod sampling;
mod schedule;
mod services;
mod stock;
mod stream;
mod trace_buffer;
mod world;

use std::sync::Arc;

use crate::breaker::Breaker;
use crate::command::{AppliedCommand, Command, CommandError};
use crate::ids::*;
use crate::metrics::Metrics;
use crate::model::Model;
use crate::scenario::{Completion, IdSource};
use crate::time::SimTime;
use crate::trace::TraceEvent;
use world::World;

pub use crate::command::ResolvedCommand;
pub use broker::QueueView;
pub use broker::queue::QueueCounters;
pub use commands::MAX_TIMED_COMMANDS;
/// The engine's own retry limits of final-status writes (for bounds in tests).
pub use notify::{FINAL_STATUS_ATTEMPTS, FINAL_STATUS_BACKOFF, STATUS_WRITE_TIMEOUT_US};
pub use services::ServiceView;
pub use stock::StockLevel;
pub use stream::StreamConn;

/// What a run chooses within its scenario: how the client learns the
/// outcome, and where its order ids come from. The scenario gives the
/// defaults ([`RunOptions::defaults`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RunOptions {
    pub completion: Completion,
    pub id_source: IdSource,
}

impl RunOptions {
    /// The scenario's own choices.
    pub fn defaults(model: &Model) -> RunOptions {
        RunOptions {
            completion: model.client.completion,
            id_source: model.client.id_source,
        }
    }

    /// Checks the options against the model: the completion mode must be
    /// one the scenario allows, and an id service must exist to be used.
    pub fn check(&self, model: &Model) -> Result<(), CommandError> {
        if !model.client.allowed.contains(&self.completion) {
            return Err(CommandError(format!(
                "completion {:?} is not allowed by scenario {:?} (allowed: {})",
                self.completion.as_str(),
                model.scenario.name,
                model
                    .client
                    .allowed
                    .iter()
                    .map(|c| c.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
        if self.id_source == IdSource::IdService && model.client.id_service.is_none() {
            return Err(CommandError(format!(
                "id source \"id-service\" needs an id service, and scenario {:?} has none \
                 (client.id_service)",
                model.scenario.name
            )));
        }
        Ok(())
    }
}

/// The simulation. See the module documentation for how to drive it.
#[derive(Clone, Debug)]
pub struct Sim {
    model: Arc<Model>,
    w: World,
}

impl Sim {
    /// A run of `model` with `seed`, using the scenario's default completion mode.
    pub fn new(model: Arc<Model>, seed: u64) -> Sim {
        let completion = model.client.completion;
        Sim::with_completion(model, seed, completion)
            .expect("the default completion mode is always allowed")
    }

    /// A run with a chosen completion mode (one of the scenario's `allowed`)
    /// and the scenario's id source.
    pub fn with_completion(
        model: Arc<Model>,
        seed: u64,
        completion: Completion,
    ) -> Result<Sim, CommandError> {
        let opts = RunOptions {
            completion,
            ..RunOptions::defaults(&model)
        };
        Sim::with_options(model, seed, opts)
    }

    /// A run with chosen options (checked by [`RunOptions::check`]).
    pub fn with_options(
        model: Arc<Model>,
        seed: u64,
        opts: RunOptions,
    ) -> Result<Sim, CommandError> {
        opts.check(&model)?;
        let w = World::new(&model, seed, opts.completion, opts.id_source);
        Ok(Sim { model, w })
    }

    // ----- getters -----

    /// The compiled scenario.
    pub fn model(&self) -> &Arc<Model> {
        &self.model
    }

    /// The seed of this run.
    pub fn seed(&self) -> u64 {
        self.w.seed
    }

    /// The completion mode of this run.
    pub fn completion(&self) -> Completion {
        self.w.client.completion
    }

    /// The options of this run.
    pub fn options(&self) -> RunOptions {
        RunOptions {
            completion: self.w.client.completion,
            id_source: self.w.client.id_source,
        }
    }

    /// Current simulated time.
    pub fn now(&self) -> SimTime {
        self.w.now
    }

    /// Events processed so far.
    pub fn events_processed(&self) -> u64 {
        self.w.events_processed
    }

    /// Time of the next event, if any. Timed commands are not events (they
    /// do not count in [`Sim::events_processed`]): see [`Sim::scheduled`].
    pub fn next_event_time(&self) -> Option<SimTime> {
        self.w.timers.next_time()
    }

    /// True when nothing is left: every order settled, no event scheduled,
    /// no timed command waiting.
    pub fn is_finished(&self) -> bool {
        self.w.next_time().is_none()
    }

    /// Orders created so far (arrivals, including shed ones).
    pub fn orders_started(&self) -> u64 {
        self.w.client.orders_started
    }

    /// Orders not yet settled.
    pub fn live_orders(&self) -> usize {
        self.w.orders.len()
    }

    /// Metrics so far. The time integrals of each service
    /// ([`crate::metrics::ServiceMetrics::busy_area`], `system_area`) run up
    /// to that service's last change; [`Sim::service_areas`] gives them up
    /// to now, and [`Sim::metrics_now`] a copy with every integral up to now.
    pub fn metrics(&self) -> &Metrics {
        &self.w.metrics
    }

    /// The same as [`Sim::metrics`] (kept for callers of the old name).
    pub fn metrics_snapshot(&self) -> &Metrics {
        &self.w.metrics
    }

    /// Service `id`'s busy-worker and in-system time integrals up to now,
    /// in worker·µs and request·µs.
    pub fn service_areas(&self, id: ServiceId) -> (u128, u128) {
        self.w
            .services
            .areas_at(id, self.w.now, &self.w.metrics.services[id])
    }

    /// Service `id`'s cost so far: replica-seconds and worker-busy-seconds.
    pub fn service_cost(&self, id: ServiceId) -> crate::metrics::Cost {
        let sm = &self.w.metrics.services[id];
        let replica_us = self.w.services.replica_area_at(id, self.w.now, sm);
        let (busy_us, _) = self.service_areas(id);
        crate::metrics::Cost::from_areas(replica_us, busy_us)
    }

    /// A copy of the metrics with every time integral brought up to now.
    pub fn metrics_now(&self) -> Metrics {
        let mut mx = self.w.metrics.clone();
        for (i, sm) in mx.services.iter_enumerated_mut() {
            sm.replica_area = self.w.services.replica_area_at(i, self.w.now, sm);
            (sm.busy_area, sm.system_area) = self.service_areas(i);
        }
        mx
    }

    /// The state of service `id`.
    pub fn service(&self, id: ServiceId) -> ServiceView {
        self.w.services.view(id)
    }

    /// Per replica of service `id`: busy workers and prefetched deliveries.
    /// Replicas beyond [`ServiceView::replicas`] are draining after a scale-in.
    pub fn replicas(&self, id: ServiceId) -> impl Iterator<Item = (u32, u32)> + '_ {
        self.w.services.replica_loads(id)
    }

    /// The state of broker queue `id`.
    pub fn queue(&self, id: QueueId) -> QueueView {
        self.w.broker.view(id)
    }

    /// True while the broker is up.
    pub fn broker_up(&self) -> bool {
        self.w.broker.is_up()
    }

    /// The state of breaker `id`.
    pub fn breaker(&self, id: BreakerId) -> &Breaker {
        &self.w.breakers[id]
    }

    /// Stock levels per SKU (in the model's SKU order).
    pub fn stock(&self) -> &IdVec<SkuId, StockLevel> {
        self.w.stock.levels()
    }

    /// The last entries of a notification service's outbox: `(time, order id)`.
    pub fn outbox(&self, id: ServiceId) -> impl Iterator<Item = &(SimTime, OrderId)> {
        self.w.services.outbox(id)
    }

    /// Commands that took effect so far, with their positions (timed
    /// commands appear when they fire).
    pub fn applied_commands(&self) -> &[AppliedCommand] {
        &self.w.commands
    }

    /// Timed commands waiting for their time, in the order they will fire.
    pub fn scheduled(&self) -> &[(SimTime, Command)] {
        self.w.timed.pending()
    }

    /// Trace events dropped because the buffer was not drained in time.
    pub fn trace_dropped(&self) -> u64 {
        self.w.trace_buf.dropped
    }

    /// Checks the invariants that hold at every instant; returns the first
    /// violation. Used by tests after every event of seed sweeps.
    pub fn check_invariants(&self) -> Result<(), String> {
        self.w.check_invariants(&self.model)
    }

    // ----- drivers -----

    /// Processes one event, or fires the timed command due before it (a
    /// step that leaves [`Sim::events_processed`] unchanged). Returns false
    /// if there was neither.
    pub fn step(&mut self) -> bool {
        self.w.step(&self.model)
    }

    /// Processes every event (and timed command) at or before `t`, then
    /// moves the clock to `t` (if it is later).
    pub fn run_until(&mut self, t: SimTime) {
        while self.w.next_time().is_some_and(|next| next <= t) {
            self.w.step(&self.model);
        }
        self.w.advance_clock(&self.model, t);
    }

    /// Processes events until `n` have been processed in all (or none is
    /// left): the way to return to an exact position of the event stream.
    pub fn run_to_event(&mut self, n: u64) {
        while self.w.events_processed < n && self.w.step(&self.model) {}
    }

    /// Runs until nothing is left or `max_events` more have been processed.
    /// Returns true if the run finished.
    pub fn run_to_end(&mut self, max_events: u64) -> bool {
        let stop = self.w.events_processed.saturating_add(max_events);
        while self.w.events_processed < stop {
            if !self.w.step(&self.model) {
                return true;
            }
        }
        self.w.next_time().is_none()
    }

    // ----- mutators -----

    /// Turns the trace on or off (on by default). Off, runs are faster and
    /// the buffer stays empty; nothing else changes.
    pub fn set_trace(&mut self, on: bool) {
        self.w.trace_buf.on = on;
    }

    /// Says whether `command` can be applied to this run, naming the problem
    /// if not (an unknown service, a rate out of range, the command limit
    /// reached…). Changes nothing.
    pub fn validate(&self, command: &Command) -> Result<ResolvedCommand, CommandError> {
        self.w.check_command_room(&self.model, 1)?;
        self.model.resolve_command(command)
    }

    /// Applies a command now, at the current position of the event stream,
    /// and records it.
    pub fn apply(&mut self, command: Command) -> Result<(), CommandError> {
        let resolved = self.validate(&command)?;
        self.w.apply_now(&self.model, command, resolved);
        Ok(())
    }

    /// Holds `command` until time `at` (not before now): it fires once every
    /// event at or before `at` has run, and is then recorded like a command
    /// applied at that moment. At most [`MAX_TIMED_COMMANDS`] wait at once.
    pub fn schedule(&mut self, at: SimTime, command: Command) -> Result<(), CommandError> {
        self.validate(&command)?;
        self.w.schedule_command(at, command)
    }

    /// Drops every timed command still waiting and returns them (a caller
    /// that rewinds to a checkpoint puts back the ones it still wants).
    pub fn take_scheduled(&mut self) -> Vec<(SimTime, Command)> {
        self.w.timed.take()
    }

    /// Re-applies a recorded command at its recorded position. The run must
    /// be exactly there: `after_events` events processed (see
    /// [`Sim::run_to_event`]), the clock not past `at`, and `at` not after
    /// the next event or timed command (it was recorded before them).
    pub fn apply_recorded(&mut self, c: &AppliedCommand) -> Result<(), CommandError> {
        // Recorded between two events: never before the clock, never after
        // what comes next (the clock must not jump over an event).
        let (field, wrong) = if self.w.events_processed != c.after_events {
            ("after_events", true)
        } else {
            let next = self.w.next_time().unwrap_or(SimTime::MAX);
            ("at", c.at < self.w.now || c.at > next)
        };
        if wrong {
            return Err(CommandError(format!(
                "{field}: a command recorded after {} events at {} cannot be applied after {} events at {}",
                c.after_events, c.at, self.w.events_processed, self.w.now
            )));
        }
        let resolved = self.validate(&c.command)?;
        self.w.advance_clock(&self.model, c.at);
        self.w.apply_now(&self.model, c.command.clone(), resolved);
        Ok(())
    }

    /// Replays recorded commands on a fresh run: steps to each command's
    /// position, applies it. The result equals the original run.
    pub fn replay(
        model: Arc<Model>,
        seed: u64,
        completion: Completion,
        commands: &[AppliedCommand],
    ) -> Result<Sim, CommandError> {
        let mut sim = Sim::with_completion(model, seed, completion)?;
        for c in commands {
            sim.run_to_event(c.after_events);
            sim.apply_recorded(c)?;
        }
        Ok(sim)
    }

    // ----- pollers -----

    /// Takes the trace events produced since the last call.
    pub fn drain_trace(&mut self) -> Vec<TraceEvent> {
        self.w.trace_buf.drain()
    }
}
