//! The world: every piece of state that changes during a run, who owns
//! which part, and the one loop step that pops an event and hands it to the
//! part it concerns.
//!
//! The behaviour of each part lives beside its data, in the files of this
//! folder (`client.rs`, `network.rs`, `services.rs`, `handlers.rs`,
//! `calls.rs`, `effects.rs`, `broker/`, `breakers.rs`, `commands.rs`,
//! `sampling.rs`, `invariants.rs`); each adds an `impl World` block for the
//! flows that cross parts, and keeps its own sub-machine (the schedule, the
//! stock, a service's workers, a queue's storage, a breaker) self-contained
//! with its own tests.

use slotmap::SlotMap;

use super::broker::Broker;
use super::client::Client;
use super::commands::TimedCommands;
use super::handlers::{Activation, Phase};
use super::invariants::Audit;
use super::network::Message;
use super::notify::Job;
use super::schedule::{Event, Schedule, Scheduled};
use super::services::Services;
use super::stock::Stock;
use super::trace_buffer::TraceBuffer;
use crate::breaker::Breaker;
use crate::command::AppliedCommand;
use crate::ids::*;
use crate::metrics::{Metrics, Shape};
use crate::model::Model;
use crate::order::OrderState;
use crate::retry::TokenBucket;
use crate::rng::SimRng;
use crate::scenario::{Completion, IdSource};
use crate::time::SimTime;
use crate::trace::TraceKind;

/// Everything that changes during a run (kept apart from the immutable model
/// so methods can borrow both).
#[derive(Clone, Debug)]
pub(super) struct World {
    pub seed: u64,
    /// The one random generator: every draw of the run comes from it.
    pub rng: SimRng,
    pub now: SimTime,
    pub events_processed: u64,
    /// The event queue and timeout lanes.
    pub timers: Schedule,
    /// Commands waiting for their time (see `commands.rs`).
    pub timed: TimedCommands,
    /// The client: arrivals and the completion mode.
    pub client: Client,
    pub orders: SlotMap<OrderKey, OrderState>,
    pub acts: SlotMap<ActKey, Activation>,
    pub msgs: SlotMap<MsgKey, Message>,
    pub next_msg_id: u64,
    pub jobs: SlotMap<JobKey, Job>,
    pub services: Services,
    pub broker: Broker,
    pub breakers: IdVec<BreakerId, Breaker>,
    /// Retry budgets' token buckets (see `retries.rs`).
    pub budgets: IdVec<BudgetId, TokenBucket>,
    pub stock: Stock,
    pub trace_buf: TraceBuffer,
    pub metrics: Metrics,
    pub next_sample: SimTime,
    /// Commands applied so far, with their positions.
    pub commands: Vec<AppliedCommand>,
    /// What settled orders leave behind for the invariant checks.
    pub audit: Audit,
}

impl World {
    pub fn new(m: &Model, seed: u64, completion: Completion, id_source: IdSource) -> World {
        let mut w = World {
            seed,
            rng: SimRng::new(seed),
            now: SimTime::ZERO,
            events_processed: 0,
            timers: Schedule::default(),
            timed: TimedCommands::default(),
            client: Client::new(completion, id_source),
            orders: SlotMap::with_key(),
            acts: SlotMap::with_key(),
            msgs: SlotMap::with_key(),
            next_msg_id: 1,
            jobs: SlotMap::with_key(),
            services: Services::new(&m.services),
            broker: Broker::new(m.queues.len(), &m.consumers, |s| m.services[s].replicas),
            breakers: m.breakers.iter().map(Breaker::new).collect(),
            budgets: super::retries::budgets(m),
            stock: Stock::new(m.skus.iter().map(|(_, n)| u64::from(*n)), m.restock.len()),
            trace_buf: TraceBuffer::default(),
            metrics: Metrics::new(Shape {
                services: m.services.len(),
                queues: m.queues.len(),
                breakers: m.breakers.len(),
            }),
            next_sample: SimTime::ZERO,
            commands: Vec::new(),
            audit: Audit::default(),
        };
        for (sm, s) in w.metrics.services.iter_mut().zip(&m.services) {
            sm.replica_started = vec![0; s.replicas as usize].into();
        }
        for (i, (t, _)) in m.faults.iter_enumerated() {
            w.timers.at(*t, Event::Fault(i));
        }
        for (i, r) in (0u32..).zip(&m.restock) {
            w.timers
                .at(SimTime::ZERO.plus_micros(r.every_us), Event::Restock(i));
        }
        w.timers.at(SimTime::ZERO, Event::Arrival);
        w.settle();
        w
    }

    // ----- the loop -----

    /// Processes the next event, or fires a timed command due before it.
    /// Returns false if there was neither.
    pub fn step(&mut self, m: &Model) -> bool {
        if self.timed_command_due() {
            self.fire_timed_command(m);
            return true;
        }
        let (acts, orders, jobs, broker) = (&self.acts, &self.orders, &self.jobs, &self.broker);
        let Some(s) = self.timers.pop(|e| is_stale(e, acts, orders, jobs, broker)) else {
            return false;
        };
        self.handle(m, s);
        self.settle();
        true
    }

    /// Time of whatever comes next: an event, or a timed command.
    pub fn next_time(&self) -> Option<SimTime> {
        let event = self.timers.next_time();
        match (event, self.timed.next_due()) {
            (Some(e), Some(c)) => Some(e.min(c)),
            (e, c) => e.or(c),
        }
    }

    /// Finds the next event again after a change, so getters can read it.
    pub fn settle(&mut self) {
        let (acts, orders, jobs, broker) = (&self.acts, &self.orders, &self.jobs, &self.broker);
        self.timers
            .settle(|e| is_stale(e, acts, orders, jobs, broker));
    }

    fn handle(&mut self, m: &Model, s: Scheduled) {
        self.sample_until(m, s.time);
        self.now = s.time;
        self.events_processed += 1;
        match s.event {
            Event::Arrival => self.on_arrival(m),
            Event::Deliver(k) => self.on_deliver(m, k),
            Event::WorkDone(a) => self.on_work_done(m, a),
            Event::StepTimer(a, token) => self.on_step_timer(m, a, token),
            Event::CallTimeout(a, token) => self.on_call_timeout(m, a, token),
            Event::Retry(a, token) => self.on_retry(m, a, token),
            Event::WaitTimeout(a, token) => self.on_wait_timeout(m, a, token),
            Event::ClientTimeout(o, token) => self.on_client_timeout(m, o, token),
            Event::ClientRetry(o, token) => self.on_client_retry(m, o, token),
            Event::Poll(o, token) => self.on_poll(m, o, token),
            Event::PollTimeout(o, token) => self.on_poll_timeout(m, o, token),
            Event::JobTimeout(j, attempt) => self.on_job_answer(m, j, attempt, false),
            Event::JobRetry(j, attempt) => self.on_job_retry(m, j, attempt),
            Event::Visibility(q, k) => self.on_visibility(m, q, k),
            Event::Redeliver(q) => self.on_redeliver(m, q),
            Event::BrokerUp => self.on_broker_up(m),
            Event::BreakerReset(b, epoch) => self.on_breaker_reset(m, b, epoch),
            Event::Fault(i) => self.on_fault(m, i),
            Event::Restock(i) => self.on_restock(m, i),
            Event::StreamReconnect(o) => self.on_stream_reconnect(m, o),
        }
    }

    // ----- plumbing shared by every part -----

    /// Schedules `event` `us` from now.
    pub fn after(&mut self, us: u64, event: Event) {
        let t = self.now.plus_micros(us);
        self.timers.at(t, event);
    }

    /// Schedules a timeout `us` from now in the lane of that duration.
    pub fn timeout(&mut self, us: u64, event: Event) {
        let (acts, orders, jobs, broker) = (&self.acts, &self.orders, &self.jobs, &self.broker);
        self.timers.timeout(self.now, us, event, |e| {
            is_stale(e, acts, orders, jobs, broker)
        });
    }

    /// Adds a trace event (if the trace is on).
    #[inline]
    pub fn trace(&mut self, m: &Model, kind: TraceKind) {
        self.trace_buf
            .push(self.now, kind, m.limits.trace_buffer as usize);
    }

    /// True if the trace is on (for events that cost something to describe).
    #[inline]
    pub fn tracing(&self) -> bool {
        self.trace_buf.on
    }

    /// The order's display id (0 once it is gone).
    pub fn order_id(&self, o: OrderKey) -> OrderId {
        self.orders.get(o).map_or(OrderId::default(), |o| o.id)
    }

    /// Something (a message, a handler, a job, a queued message) keeps the
    /// order open.
    pub fn hold(&mut self, o: OrderKey) {
        if let Some(order) = self.orders.get_mut(o) {
            order.refs += 1;
        }
    }

    /// Lets go of the order; the last one out settles it.
    pub fn release(&mut self, m: &Model, o: OrderKey) {
        let settle = match self.orders.get_mut(o) {
            Some(order) => {
                debug_assert!(
                    order.refs > 0,
                    "order o#{} released more than held",
                    order.id
                );
                order.refs = order.refs.saturating_sub(1);
                order.refs == 0
            }
            None => false,
        };
        if settle {
            self.settle_order(m, o);
        }
    }

    /// A response, confirm or ack that came after its caller stopped waiting.
    pub fn late(&mut self) {
        self.metrics.steps.late_responses += 1;
    }
}

/// True if a timeout can no longer do anything (its answer came).
#[inline]
fn is_stale(
    event: &Event,
    acts: &SlotMap<ActKey, Activation>,
    orders: &SlotMap<OrderKey, OrderState>,
    jobs: &SlotMap<JobKey, Job>,
    broker: &Broker,
) -> bool {
    match *event {
        Event::CallTimeout(a, token) => acts.get(a).is_none_or(|x| x.token != token),
        Event::WaitTimeout(a, token) => acts.get(a).is_none_or(|x| x.token != token),
        Event::ClientTimeout(o, token)
        | Event::PollTimeout(o, token)
        | Event::ClientRetry(o, token) => {
            orders.get(o).is_none_or(|x| !x.client.waits_under(token))
        }
        Event::JobTimeout(j, attempt) => jobs
            .get(j)
            .is_none_or(|x| x.attempt != attempt || !x.awaiting),
        Event::Visibility(q, k) => !broker.in_flight(q, k),
        _ => false,
    }
}

/// True while a handler waits in `phase` under `token`.
#[inline]
pub(super) fn waiting_in(
    acts: &SlotMap<ActKey, Activation>,
    a: ActKey,
    token: u32,
    phase: Phase,
) -> bool {
    acts.get(a)
        .is_some_and(|x| x.token == token && x.phase == phase)
}
