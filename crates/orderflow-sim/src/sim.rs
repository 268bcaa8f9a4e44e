//! The simulation: one world, one event queue, one random generator.
//!
//! [`Sim`] is a sans-IO state machine in the manner of `quinn-proto`'s
//! `Connection`: it never reads a clock or does I/O. The caller drives it and
//! reads it; its methods fall into four groups.
//!
//! - **Getters** (`&self`): [`Sim::now`], [`Sim::metrics`], [`Sim::service`],
//!   [`Sim::queue`], [`Sim::breaker`], [`Sim::stock`], … — the current state.
//! - **Drivers**: [`Sim::step`] processes exactly one event; [`Sim::run_until`]
//!   processes every event up to a time and moves the clock there;
//!   [`Sim::run_to_end`] runs until nothing is left (or a bound is hit).
//! - **Mutators**: [`Sim::apply`] changes the running system (a service down,
//!   latency raised, replicas changed, broker restarted). Every applied
//!   command is recorded with its exact position in the event stream.
//! - **Pollers**: [`Sim::drain_trace`] hands out the trace events produced
//!   since the last call.
//!
//! Time only moves forward. Events are ordered by `(time, seq)`: events
//! scheduled for the same microsecond run in the order they were scheduled,
//! so simultaneous events are FIFO and a run is a pure function of scenario,
//! seed and commands. A `Sim` is `Clone`: a clone is a checkpoint.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::sync::Arc;

use slotmap::SlotMap;

use crate::breaker::{Admission, Breaker, BreakerState};
use crate::broker::{Inflight, QueueCounters, QueueState, QueuedMsg};
use crate::command::{AppliedCommand, Command, CommandError};
use crate::ids::*;
use crate::metrics::{Metrics, Sample, Shape};
use crate::model::*;
use crate::order::{Answer, OrderState, Outcome, PaymentState, StockState};
use crate::rng::SimRng;
use crate::scenario::{Completion, Dispatch, IdSource, ServiceKind};
use crate::time::SimTime;
use crate::trace::{Label, MsgKind, Reason, TraceEvent, TraceKind};

/// How long a publisher waits for the broker's confirm.
const PUBLISH_TIMEOUT_US: u64 = 5_000_000;
/// Status writes made on the flow's behalf (polling mode).
const STATUS_WRITE_TIMEOUT_US: u64 = 1_000_000;
const STATUS_WRITE_RETRIES: u32 = 2;
/// Entries kept in a notification service's outbox.
const OUTBOX_LEN: usize = 32;

/// Where an answer goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Reply {
    /// Fire-and-forget: nobody.
    None,
    /// The client's order request.
    Client { token: u32 },
    /// A handler waiting in a call.
    Caller { act: ActKey, token: u32 },
    /// A client's status poll.
    Poll { token: u32 },
    /// A client asking the id service.
    IdFetch { token: u32 },
    /// A background job's write.
    Job { job: JobKey, attempt: u32 },
}

/// The result of a call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum CallResult {
    Ok,
    /// Accepted for later processing (queued for retry).
    Deferred,
    Err(Reason),
}

impl CallResult {
    fn is_ok(self) -> bool {
        !matches!(self, CallResult::Err(_))
    }

    fn label(self) -> Label {
        match self {
            CallResult::Ok => Label::Ok,
            CallResult::Deferred => Label::Deferred,
            CallResult::Err(r) => Label::Failed(r),
        }
    }
}

/// What a message carries.
#[derive(Clone, Copy, Debug)]
enum Body {
    Request {
        handler: HandlerId,
        reply: Reply,
        arg: StatusId,
    },
    Response {
        reply: Reply,
        result: CallResult,
        status: StatusId,
        accepted: bool,
    },
    Publish {
        dest: Destination,
        label: u16,
        act: Option<(ActKey, u32)>,
    },
    Confirm {
        act: ActKey,
        token: u32,
        ok: bool,
        reason: Reason,
    },
    Deliver {
        queue: QueueId,
        inflight: InflightKey,
        attempt: u32,
        replica: u16,
        label: u16,
    },
    Ack {
        queue: QueueId,
        inflight: InflightKey,
        ok: bool,
    },
    Callback {
        job: JobKey,
        attempt: u32,
        status: StatusId,
    },
    CallbackAck {
        job: JobKey,
        attempt: u32,
        ok: bool,
    },
    Push {
        status: StatusId,
    },
    Wake {
        act: ActKey,
        token: u32,
        event: EventId,
    },
}

/// A message on the wire.
#[derive(Clone, Copy, Debug)]
struct Message {
    id: u64,
    from: ServiceId,
    to: ServiceId,
    order: OrderKey,
    body: Body,
}

/// What started a handler, and so who hears about its end.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Origin {
    Reply(Reply),
    Delivery {
        queue: QueueId,
        inflight: InflightKey,
        attempt: u32,
    },
}

/// Where a handler is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// Waiting for a worker.
    Queued,
    /// A worker is on it (service time).
    Working,
    /// Waiting for a call's answer or a publish's confirm.
    Awaiting,
    /// Waiting out a retry backoff.
    Backoff,
    /// In a `work` step.
    Timer,
    /// Parked in a `wait` step (no worker held).
    Parked,
}

/// Which call a handler is waiting on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum CallCtx {
    Step,
    Backup,
    Compensation(u8),
    StatusWrite { mandatory: bool },
    Publish,
    FallbackPublish,
}

/// A running handler.
#[derive(Clone, Debug)]
struct Activation {
    handler: HandlerId,
    service: ServiceId,
    replica: u16,
    order: OrderKey,
    origin: Origin,
    /// The service that sent the request (where the answer goes).
    reply_to: ServiceId,
    arrived_at: SimTime,
    phase: Phase,
    pc: u8,
    call: CallCtx,
    token: u32,
    attempt: u32,
    /// The value carried by a status-write request.
    arg: StatusId,
    /// A half-open probe is out through this breaker.
    probe: Option<BreakerId>,
    /// Steps done that have a compensation.
    done_mask: u32,
    failed: bool,
    fail_reason: Reason,
    deferred: bool,
    responded: bool,
    holds_slot: bool,
    /// The effect found the work already done (an idempotent repeat).
    skip_steps: bool,
    /// Set when a parked handler is woken: `Some(true)` event raised,
    /// `Some(false)` timed out.
    wake: Option<bool>,
}

/// What a background job delivers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum JobKind {
    /// A webhook to the client's callback URL.
    Callback,
    /// The final status, written to the status store for a polling client.
    FinalStatus,
}

/// A delivery that insists: it is retried with backoff until acknowledged
/// or out of attempts, without holding up the handler that started it.
#[derive(Clone, Copy, Debug)]
struct Job {
    kind: JobKind,
    order: OrderKey,
    from: ServiceId,
    status: StatusId,
    attempt: u32,
    awaiting: bool,
}

/// Attempts of a final-status write (about two minutes with backoff).
const FINAL_STATUS_ATTEMPTS: u32 = 16;
const FINAL_STATUS_BACKOFF: BackoffModel = BackoffModel {
    base_us: 200_000,
    max_us: 10_000_000,
    jitter: 0.5,
};

/// Events of the queue.
#[derive(Clone, Copy, Debug)]
enum Event {
    Arrival,
    Deliver(MsgKey),
    WorkDone(ActKey),
    StepTimer(ActKey, u32),
    CallTimeout(ActKey, u32),
    Retry(ActKey, u32),
    WaitTimeout(ActKey, u32),
    ClientTimeout(OrderKey, u32),
    Poll(OrderKey, u32),
    PollTimeout(OrderKey, u32),
    JobTimeout(JobKey, u32),
    JobRetry(JobKey, u32),
    Visibility(QueueId, InflightKey),
    Redeliver(QueueId),
    BrokerUp,
    BreakerReset(BreakerId, u32),
    Fault(u32),
}

/// An event in the queue, ordered by `(time, seq)`.
#[derive(Clone, Copy, Debug)]
struct Scheduled {
    time: SimTime,
    seq: u64,
    event: Event,
}

impl PartialEq for Scheduled {
    fn eq(&self, other: &Self) -> bool {
        (self.time, self.seq) == (other.time, other.seq)
    }
}
impl Eq for Scheduled {}
impl PartialOrd for Scheduled {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Scheduled {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.time, self.seq).cmp(&(other.time, other.seq))
    }
}

/// Timeouts of one fixed duration, in scheduling order.
///
/// Most timeouts never fire: the answer comes first and the timer goes
/// stale. In one binary heap, millions of stale timers would make every
/// operation slower (an M/M/c client's week-long timeout is one per
/// customer). Timers of equal duration are scheduled in time order, so each
/// duration gets a FIFO "lane"; stale timers at a lane's front are discarded
/// without ever counting as events. The next event is the least `(time,
/// seq)` over the heap and the lane fronts, so the order of events is exactly
/// that of a single queue.
#[derive(Clone, Debug)]
struct Lane {
    duration_us: u64,
    timers: VecDeque<Scheduled>,
}

/// Lanes kept; more distinct timeout durations go to the heap.
const MAX_LANES: usize = 16;

/// A replica of a service.
#[derive(Clone, Debug, Default)]
struct Replica {
    busy: u32,
    /// Deliveries prefetched to this replica, waiting for a worker.
    buffer: VecDeque<ActKey>,
}

/// A service's running state.
#[derive(Clone, Debug)]
struct ServiceState {
    up: bool,
    latency_factor: f64,
    error_rate: f64,
    drop_rate: f64,
    /// Replicas taking new work; those beyond finish what they have.
    active_replicas: u32,
    replicas: Vec<Replica>,
    inbox: VecDeque<ActKey>,
    busy: u32,
    buffered: u32,
    last_change: SimTime,
    outbox: VecDeque<(SimTime, u64)>,
}

/// A consumer's running state.
#[derive(Clone, Debug, Default)]
struct ConsumerState {
    /// Unacknowledged deliveries per replica.
    unacked: Vec<u32>,
    next_replica: usize,
}

/// Stock of one SKU.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct StockLevel {
    pub available: u64,
    pub reserved: u64,
    pub shipped: u64,
}

/// A service as seen from outside.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ServiceView {
    pub up: bool,
    pub replicas: u32,
    pub concurrency: u32,
    pub busy: u32,
    /// Requests waiting for a worker (including prefetched deliveries).
    pub queued: u32,
    pub latency_factor: f64,
    pub error_rate: f64,
    pub drop_rate: f64,
}

/// A queue as seen from outside.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QueueView {
    pub ready: u32,
    pub delayed: u32,
    pub inflight: u32,
    pub counters: QueueCounters,
}

/// The simulation. See the module documentation for how to drive it.
#[derive(Clone, Debug)]
pub struct Sim {
    model: Arc<Model>,
    w: World,
}

/// Everything that changes during a run (kept apart from the immutable model
/// so methods can borrow both).
#[derive(Clone, Debug)]
struct World {
    seed: u64,
    rng: SimRng,
    now: SimTime,
    seq: u64,
    queue: BinaryHeap<Reverse<Scheduled>>,
    lanes: Vec<Lane>,
    events_processed: u64,
    next_msg_id: u64,
    next_queue_seq: u64,
    orders: SlotMap<OrderKey, OrderState>,
    acts: SlotMap<ActKey, Activation>,
    msgs: SlotMap<MsgKey, Message>,
    jobs: SlotMap<JobKey, Job>,
    services: Vec<ServiceState>,
    queues: Vec<QueueState>,
    consumers: Vec<ConsumerState>,
    /// Consumer index per queue.
    consumer_of: Vec<Option<u16>>,
    breakers: Vec<Breaker>,
    broker_up: bool,
    stock: Vec<StockLevel>,
    orders_started: u64,
    /// Next arrival time, in fractional microseconds (no drift).
    next_arrival_us: f64,
    completion: Completion,
    trace_on: bool,
    trace: Vec<TraceEvent>,
    trace_dropped: u64,
    metrics: Metrics,
    next_sample: SimTime,
    commands: Vec<AppliedCommand>,
    /// The next event as last found by `peek_next`, so the `step` that
    /// follows a peek does not search the lanes again. Only ever set between
    /// events: every change to the heap, the lanes or what makes a timer
    /// stale happens inside `step` or `execute`, which clear it.
    peeked: Option<NextEvent>,
}

/// Where the next event is: the front of timeout lane `lane`, or the top of
/// the heap (`lane == None`).
#[derive(Clone, Copy, Debug)]
struct NextEvent {
    lane: Option<usize>,
    time: SimTime,
}

impl Sim {
    /// A run of `model` with `seed`, using the scenario's default completion mode.
    pub fn new(model: Arc<Model>, seed: u64) -> Sim {
        let completion = model.client.completion;
        Sim::with_completion(model, seed, completion)
            .expect("the default completion mode is always allowed")
    }

    /// A run with a chosen completion mode (one of the scenario's `allowed`).
    pub fn with_completion(
        model: Arc<Model>,
        seed: u64,
        completion: Completion,
    ) -> Result<Sim, CommandError> {
        if !model.client.allowed.contains(&completion) {
            return Err(CommandError(format!(
                "completion {:?} is not allowed by scenario {:?} (allowed: {})",
                completion.as_str(),
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
        let w = World::new(&model, seed, completion);
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
        self.w.completion
    }

    /// Current simulated time.
    pub fn now(&self) -> SimTime {
        self.w.now
    }

    /// Events processed so far.
    pub fn events_processed(&self) -> u64 {
        self.w.events_processed
    }

    /// Time of the next event, if any.
    pub fn next_event_time(&mut self) -> Option<SimTime> {
        self.w.peek_time()
    }

    /// True when no event is left: every order settled and nothing scheduled.
    pub fn is_finished(&mut self) -> bool {
        self.w.peek_time().is_none()
    }

    /// Orders created so far (arrivals, including shed ones).
    pub fn orders_started(&self) -> u64 {
        self.w.orders_started
    }

    /// Orders not yet settled.
    pub fn live_orders(&self) -> usize {
        self.w.orders.len()
    }

    /// Metrics so far. Time integrals (utilisation) are brought up to `now`.
    pub fn metrics(&mut self) -> &Metrics {
        for s in 0..self.w.services.len() {
            self.w.integrate(s as ServiceId);
        }
        &self.w.metrics
    }

    /// Metrics without bringing time integrals up to date.
    pub fn metrics_snapshot(&self) -> &Metrics {
        &self.w.metrics
    }

    /// The state of service `id`.
    pub fn service(&self, id: ServiceId) -> ServiceView {
        let s = &self.w.services[id as usize];
        let m = &self.model.services[id as usize];
        ServiceView {
            up: s.up,
            replicas: s.active_replicas,
            concurrency: m.concurrency,
            busy: s.busy,
            queued: s.inbox.len() as u32 + s.buffered,
            latency_factor: s.latency_factor,
            error_rate: s.error_rate,
            drop_rate: s.drop_rate,
        }
    }

    /// The state of broker queue `id`.
    pub fn queue(&self, id: QueueId) -> QueueView {
        let q = &self.w.queues[id as usize];
        QueueView {
            ready: q.ready.len() as u32,
            delayed: (q.waiting() - q.ready.len()) as u32,
            inflight: q.inflight.len() as u32,
            counters: q.counters,
        }
    }

    /// True while the broker is up.
    pub fn broker_up(&self) -> bool {
        self.w.broker_up
    }

    /// The state of breaker `id`.
    pub fn breaker(&self, id: BreakerId) -> &Breaker {
        &self.w.breakers[id as usize]
    }

    /// Stock levels per SKU (in the model's SKU order).
    pub fn stock(&self) -> &[StockLevel] {
        &self.w.stock
    }

    /// The last entries of a notification service's outbox: `(time, order id)`.
    pub fn outbox(&self, id: ServiceId) -> impl Iterator<Item = &(SimTime, u64)> {
        self.w.services[id as usize].outbox.iter()
    }

    /// Commands applied so far, with their positions.
    pub fn applied_commands(&self) -> &[AppliedCommand] {
        &self.w.commands
    }

    /// Trace events dropped because the buffer was not drained in time.
    pub fn trace_dropped(&self) -> u64 {
        self.w.trace_dropped
    }

    /// Checks the invariants that hold at every instant; returns the first
    /// violation. Used by tests after every event of seed sweeps.
    pub fn check_invariants(&self) -> Result<(), String> {
        self.w.check_invariants(&self.model)
    }

    // ----- drivers -----

    /// Processes one event. Returns false if there was none.
    pub fn step(&mut self) -> bool {
        self.w.step(&self.model)
    }

    /// Processes every event scheduled at or before `t`, then moves the clock
    /// to `t` (if it is later).
    pub fn run_until(&mut self, t: SimTime) {
        while self.w.peek_time().is_some_and(|next| next <= t) {
            self.w.step(&self.model);
        }
        if t > self.w.now {
            self.w.sample_until(&self.model, t);
            self.w.now = t;
        }
    }

    /// Processes events until `n` have been processed in all (or none is
    /// left): the way to return to an exact position of the event stream.
    pub fn run_to_event(&mut self, n: u64) {
        while self.w.events_processed < n && self.w.step(&self.model) {}
    }

    /// Per replica of service `id`: busy workers and prefetched deliveries.
    /// Replicas beyond [`ServiceView::replicas`] are draining after a scale-in.
    pub fn replicas(&self, id: ServiceId) -> impl Iterator<Item = (u32, u32)> + '_ {
        self.w.services[id as usize]
            .replicas
            .iter()
            .map(|r| (r.busy, r.buffer.len() as u32))
    }

    /// Runs until no event is left or `max_events` more have been processed.
    /// Returns true if the run finished.
    pub fn run_to_end(&mut self, max_events: u64) -> bool {
        let stop = self.w.events_processed.saturating_add(max_events);
        while self.w.events_processed < stop {
            if !self.w.step(&self.model) {
                return true;
            }
        }
        self.w.peek_time().is_none()
    }

    // ----- mutators -----

    /// Turns the trace on or off (on by default). Off, runs are faster and
    /// the buffer stays empty; nothing else changes.
    pub fn set_trace(&mut self, on: bool) {
        self.w.trace_on = on;
    }

    /// Applies a command now, at the current position of the event stream,
    /// and records it.
    pub fn apply(&mut self, command: Command) -> Result<(), CommandError> {
        let m = self.model.clone();
        if self.w.commands.len() >= m.limits.max_commands as usize {
            return Err(CommandError(format!(
                "at most {} commands per run",
                m.limits.max_commands
            )));
        }
        self.w.validate_command(&m, &command)?;
        self.w.commands.push(AppliedCommand {
            at: self.w.now,
            after_events: self.w.events_processed,
            command: command.clone(),
        });
        self.w.execute(&m, &command, false);
        Ok(())
    }

    /// Re-applies a recorded command at its recorded position. The run must
    /// be exactly there: `after_events` events processed (see
    /// [`Sim::run_to_event`]) and the clock not past `at`.
    pub fn apply_recorded(&mut self, c: &AppliedCommand) -> Result<(), CommandError> {
        if self.w.events_processed != c.after_events || c.at < self.w.now {
            return Err(CommandError(format!(
                "a command recorded after {} events at {} cannot be applied after {} events at {}",
                c.after_events, c.at, self.w.events_processed, self.w.now
            )));
        }
        if c.at > self.w.now {
            self.w.sample_until(&self.model, c.at);
            self.w.now = c.at;
        }
        self.apply(c.command.clone())
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
        std::mem::take(&mut self.w.trace)
    }
}

impl World {
    fn new(m: &Model, seed: u64, completion: Completion) -> World {
        let services = m
            .services
            .iter()
            .map(|s| ServiceState {
                up: true,
                latency_factor: 1.0,
                error_rate: s.error_rate,
                drop_rate: 0.0,
                active_replicas: s.replicas,
                replicas: vec![Replica::default(); s.replicas as usize],
                inbox: VecDeque::new(),
                busy: 0,
                buffered: 0,
                last_change: SimTime::ZERO,
                outbox: VecDeque::new(),
            })
            .collect();
        let mut consumer_of = vec![None; m.queues.len()];
        let consumers = m
            .consumers
            .iter()
            .enumerate()
            .map(|(i, c)| {
                consumer_of[c.queue as usize] = Some(i as u16);
                ConsumerState {
                    unacked: vec![0; m.services[c.service as usize].replicas as usize],
                    next_replica: 0,
                }
            })
            .collect();
        let mut w = World {
            seed,
            rng: SimRng::new(seed),
            now: SimTime::ZERO,
            seq: 0,
            queue: BinaryHeap::new(),
            lanes: Vec::new(),
            peeked: None,
            events_processed: 0,
            next_msg_id: 1,
            next_queue_seq: 0,
            orders: SlotMap::with_key(),
            acts: SlotMap::with_key(),
            msgs: SlotMap::with_key(),
            jobs: SlotMap::with_key(),
            services,
            queues: vec![QueueState::default(); m.queues.len()],
            consumers,
            consumer_of,
            breakers: m.breakers.iter().map(Breaker::new).collect(),
            broker_up: true,
            stock: m
                .skus
                .iter()
                .map(|(_, n)| StockLevel {
                    available: u64::from(*n),
                    ..StockLevel::default()
                })
                .collect(),
            orders_started: 0,
            next_arrival_us: 0.0,
            completion,
            trace_on: true,
            trace: Vec::new(),
            trace_dropped: 0,
            metrics: Metrics::new(Shape {
                services: m.services.len(),
                queues: m.queues.len(),
                breakers: m.breakers.len(),
            }),
            next_sample: SimTime::ZERO,
            commands: Vec::new(),
        };
        for (sm, s) in w.metrics.services.iter_mut().zip(&m.services) {
            sm.replica_started = vec![0; s.replicas as usize];
        }
        for (i, (t, _)) in m.faults.iter().enumerate() {
            w.schedule(*t, Event::Fault(i as u32));
        }
        w.schedule(SimTime::ZERO, Event::Arrival);
        w
    }

    // ----- plumbing -----

    fn schedule(&mut self, time: SimTime, event: Event) {
        self.seq += 1;
        self.queue.push(Reverse(Scheduled {
            time,
            seq: self.seq,
            event,
        }));
    }

    fn after(&mut self, us: u64, event: Event) {
        let t = self.now.plus_micros(us);
        self.schedule(t, event);
    }

    /// Schedules a timeout `us` from now in the lane of that duration.
    fn timeout(&mut self, us: u64, event: Event) {
        let i = match self.lanes.iter().position(|l| l.duration_us == us) {
            Some(i) => i,
            None if self.lanes.len() < MAX_LANES => {
                self.lanes.push(Lane {
                    duration_us: us,
                    timers: VecDeque::new(),
                });
                self.lanes.len() - 1
            }
            None => return self.after(us, event),
        };
        self.seq += 1;
        let s = Scheduled {
            time: self.now.plus_micros(us),
            seq: self.seq,
            event,
        };
        self.lanes[i].timers.push_back(s);
        // Keep the lane short: stale timers at its front can go now.
        self.prune_lane(i);
    }

    /// True if a timeout can no longer do anything (its answer came).
    #[inline]
    fn is_stale(&self, event: &Event) -> bool {
        match *event {
            Event::CallTimeout(a, token) => self.acts.get(a).is_none_or(|x| x.token != token),
            Event::WaitTimeout(a, token) => self.acts.get(a).is_none_or(|x| x.token != token),
            Event::ClientTimeout(o, token) | Event::PollTimeout(o, token) => self
                .orders
                .get(o)
                .is_none_or(|x| !x.client.waiting || x.client.token != token),
            Event::JobTimeout(j, attempt) => self
                .jobs
                .get(j)
                .is_none_or(|x| x.attempt != attempt || !x.awaiting),
            Event::Visibility(q, k) => !self.queues[q as usize].inflight.contains_key(k),
            _ => false,
        }
    }

    fn prune_lane(&mut self, i: usize) {
        while self.lanes[i]
            .timers
            .front()
            .is_some_and(|s| self.is_stale(&s.event))
        {
            self.lanes[i].timers.pop_front();
        }
    }

    /// The next event: least `(time, seq)` of the heap's top and the lanes'
    /// earliest live timer. Every timer of a lane is at or after its front
    /// (one duration per lane), so the earliest front of all is the earliest
    /// timer. Only when it would come before the heap's top does its
    /// staleness matter: a stale one goes and the search repeats. Timers that
    /// went stale wait in their lane until their time (or until `timeout`
    /// prunes the lane); they cost one check each, once.
    fn peek_next(&mut self) -> Option<NextEvent> {
        if self.peeked.is_some() {
            return self.peeked;
        }
        let heap = self.queue.peek().map(|s| (s.0.time, s.0.seq));
        let next = loop {
            let mut best: Option<(usize, SimTime, u64)> = None;
            for (i, lane) in self.lanes.iter().enumerate() {
                if let Some(s) = lane.timers.front()
                    && best.is_none_or(|(_, t, q)| (s.time, s.seq) < (t, q))
                {
                    best = Some((i, s.time, s.seq));
                }
            }
            match best {
                Some((i, t, q)) if heap.is_none_or(|h| (t, q) < h) => {
                    if self.is_stale(&self.lanes[i].timers[0].event) {
                        self.lanes[i].timers.pop_front();
                        continue;
                    }
                    break Some(NextEvent {
                        lane: Some(i),
                        time: t,
                    });
                }
                _ => {
                    break heap.map(|(t, _)| NextEvent {
                        lane: None,
                        time: t,
                    });
                }
            }
        };
        self.peeked = next;
        next
    }

    /// Removes and returns the next event.
    fn pop_next(&mut self) -> Option<Scheduled> {
        let next = self.peek_next()?;
        self.peeked = None;
        match next.lane {
            Some(i) => self.lanes[i].timers.pop_front(),
            None => self.queue.pop().map(|r| r.0),
        }
    }

    /// Time of the next event.
    fn peek_time(&mut self) -> Option<SimTime> {
        self.peek_next().map(|n| n.time)
    }

    fn trace(&mut self, m: &Model, kind: TraceKind) {
        if !self.trace_on {
            return;
        }
        if self.trace.len() >= m.limits.trace_buffer as usize {
            // Keep the newest: drop the oldest half at once so this stays
            // amortised O(1) when nobody drains.
            let half = self.trace.len() / 2;
            self.trace.drain(..half);
            self.trace_dropped += half as u64;
        }
        self.trace.push(TraceEvent { t: self.now, kind });
    }

    fn order_id(&self, o: OrderKey) -> u64 {
        self.orders.get(o).map_or(0, |o| o.id)
    }

    fn hold(&mut self, o: OrderKey) {
        if let Some(order) = self.orders.get_mut(o) {
            order.refs += 1;
        }
    }

    fn release(&mut self, m: &Model, o: OrderKey) {
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
            self.settle(m, o);
        }
    }

    fn step(&mut self, m: &Model) -> bool {
        let Some(s) = self.pop_next() else {
            return false;
        };
        self.handle(m, s);
        // Handling may have made a timer stale without touching its lane.
        self.peeked = None;
        true
    }

    fn handle(&mut self, m: &Model, s: Scheduled) {
        self.sample_until(m, s.time);
        self.now = s.time;
        self.events_processed += 1;
        match s.event {
            Event::Arrival => self.on_arrival(m),
            Event::Deliver(k) => self.on_deliver(m, k),
            Event::WorkDone(a) => self.on_work_done(m, a),
            Event::StepTimer(a, token) => {
                if self
                    .acts
                    .get(a)
                    .is_some_and(|x| x.token == token && x.phase == Phase::Timer)
                {
                    self.acts[a].pc += 1;
                    self.run_steps(m, a);
                }
            }
            Event::CallTimeout(a, token) => {
                if self
                    .acts
                    .get(a)
                    .is_some_and(|x| x.token == token && x.phase == Phase::Awaiting)
                {
                    self.on_call_result(m, a, CallResult::Err(Reason::Timeout));
                }
            }
            Event::Retry(a, token) => {
                if self
                    .acts
                    .get(a)
                    .is_some_and(|x| x.token == token && x.phase == Phase::Backoff)
                {
                    let ctx = self.acts[a].call;
                    self.start_call(m, a, ctx);
                }
            }
            Event::WaitTimeout(a, token) => self.on_wait_timeout(m, a, token),
            Event::ClientTimeout(o, token) => self.on_client_timeout(m, o, token),
            Event::Poll(o, token) => self.on_poll(m, o, token),
            Event::PollTimeout(o, token) => {
                if self
                    .orders
                    .get(o)
                    .is_some_and(|x| x.client.waiting && x.client.token == token)
                {
                    self.metrics.client.wasted_polls += 1;
                    self.orders[o].client.wasted_polls += 1;
                    self.next_poll(m, o);
                }
            }
            Event::JobTimeout(j, attempt) => self.on_job_answer(m, j, attempt, false),
            Event::JobRetry(j, attempt) => {
                if self.jobs.get(j).is_some_and(|x| x.attempt == attempt) {
                    self.send_job(m, j);
                }
            }
            Event::Visibility(q, k) => {
                let working = self.queues[q as usize]
                    .inflight
                    .get(k)
                    .and_then(|f| f.handler)
                    .is_some_and(|a| self.acts.contains_key(a));
                if working {
                    // The consumer is alive and still on it: it extends the timeout.
                    self.queues[q as usize].counters.extended += 1;
                    self.timeout(
                        m.queues[q as usize].visibility_timeout_us,
                        Event::Visibility(q, k),
                    );
                } else if let Some(f) = self.queues[q as usize].inflight.remove(k) {
                    self.unack(q, f.replica);
                    self.failed_delivery(m, q, f.msg, Reason::Timeout);
                    self.dispatch(m, q);
                }
            }
            Event::Redeliver(q) => {
                self.queues[q as usize].release_due(self.now);
                self.dispatch(m, q);
            }
            Event::BrokerUp => {
                self.broker_up = true;
                self.trace(m, TraceKind::BrokerUp);
                for q in 0..self.queues.len() {
                    self.dispatch(m, q as QueueId);
                }
            }
            Event::BreakerReset(b, epoch) => {
                if let Some(state) = self.breakers[b as usize].reset_due(self.now, epoch) {
                    self.breaker_changed(m, b, state);
                }
            }
            Event::Fault(i) => {
                let (_, cmd) = &m.faults[i as usize];
                self.execute(m, cmd, true);
            }
        }
    }

    // ----- sampling -----

    fn sample_until(&mut self, m: &Model, t: SimTime) {
        let interval = m.limits.sample_interval_ms * 1_000;
        while self.next_sample <= t {
            let at = self.next_sample;
            self.take_sample(m, at);
            self.next_sample = at.plus_micros(interval);
        }
    }

    fn take_sample(&mut self, m: &Model, t: SimTime) {
        let sample = Sample {
            t,
            in_flight_orders: self.orders.len() as u32,
            settled: self.metrics.outcomes,
            latency: self.metrics.latency_window.take(),
        };
        // The row, in the order `Shape` documents.
        let row = (self.services.iter().map(|s| s.busy))
            .chain(
                self.services
                    .iter()
                    .map(|s| s.inbox.len() as u32 + s.buffered),
            )
            .chain(self.queues.iter().map(|q| q.waiting() as u32))
            .chain(self.queues.iter().map(|q| q.inflight.len() as u32))
            .chain(self.breakers.iter().map(|b| b.state().code()));
        self.metrics
            .series
            .push(sample, row, m.limits.series_points as usize);
    }

    /// Adds the time since the last change to a service's integrals.
    fn integrate(&mut self, s: ServiceId) {
        let now = self.now;
        let st = &mut self.services[s as usize];
        let dt = u128::from(now.since(st.last_change));
        if dt > 0 {
            let sm = &mut self.metrics.services[s as usize];
            sm.busy_area += u128::from(st.busy) * dt;
            sm.system_area += u128::from(st.busy + st.buffered + st.inbox.len() as u32) * dt;
            st.last_change = now;
        }
    }

    // ----- orders and the client -----

    fn on_arrival(&mut self, m: &Model) {
        if self.orders_started >= m.orders {
            return;
        }
        self.orders_started += 1;
        let id = self.orders_started;
        let mix = m.mix[self.rng.weighted_index(&m.mix_weights)];
        if self.orders.len() >= m.limits.max_live_orders as usize {
            self.metrics.orders_shed += 1;
            self.trace(m, TraceKind::OrderShed { order: id });
        } else {
            self.metrics.orders_created += 1;
            let o = self
                .orders
                .insert(OrderState::new(id, self.now, mix.0, mix.1.max(mix.2)));
            self.orders[o].qty = mix.2;
            self.trace(
                m,
                TraceKind::OrderCreated {
                    order: id,
                    sku: mix.0,
                    qty: mix.2,
                },
            );
            self.client_begin(m, o);
        }
        if self.orders_started < m.orders {
            self.schedule_next_arrival(m);
        }
    }

    fn schedule_next_arrival(&mut self, m: &Model) {
        let gap = match &m.arrival {
            ArrivalModel::Single => return,
            ArrivalModel::Constant { interval_us } => *interval_us,
            ArrivalModel::Poisson { mean_gap_us } => self.rng.exponential(*mean_gap_us),
            ArrivalModel::Surge { segments } => {
                // A Poisson process with piecewise-constant rate: spend one
                // unit-mean exponential draw across the segments.
                let mut need = self.rng.exponential(1.0);
                let mut t = self.next_arrival_us;
                let mut i = segments
                    .iter()
                    .position(|s| (s.0.as_micros() as f64) > t)
                    .unwrap_or(segments.len() - 1);
                loop {
                    let rate = segments[i].1;
                    let end = if i + 1 < segments.len() {
                        segments[i].0.as_micros() as f64
                    } else {
                        f64::INFINITY
                    };
                    let room = (end - t) * rate;
                    if room >= need {
                        t += need / rate;
                        break;
                    }
                    need -= room;
                    t = end;
                    i += 1;
                }
                t - self.next_arrival_us
            }
        };
        self.next_arrival_us += gap;
        let at = SimTime(libm::round(self.next_arrival_us) as u64).max(self.now);
        self.schedule(at, Event::Arrival);
    }

    fn client_hold(&mut self, o: OrderKey) {
        if let Some(order) = self.orders.get_mut(o)
            && !order.client.waiting
        {
            order.client.waiting = true;
            order.refs += 1;
        }
    }

    fn client_release(&mut self, m: &Model, o: OrderKey) {
        if self.orders.get(o).is_some_and(|x| x.client.waiting) {
            self.orders[o].client.waiting = false;
            self.orders[o].client.token += 1;
            self.release(m, o);
        }
    }

    fn client_begin(&mut self, m: &Model, o: OrderKey) {
        self.client_hold(o);
        let polling = m
            .client
            .polling
            .as_ref()
            .filter(|_| self.completion == Completion::Polling);
        match polling.map(|p| (p.id_source, p.id_service)) {
            Some((IdSource::IdService, Some(ids))) => {
                let token = self.orders[o].client.token;
                let to = m.handlers[ids as usize].service;
                self.send(
                    m,
                    m.client.service,
                    to,
                    o,
                    Body::Request {
                        handler: ids,
                        reply: Reply::IdFetch { token },
                        arg: 0,
                    },
                );
                self.timeout(m.client.timeout_us, Event::ClientTimeout(o, token));
            }
            _ => self.send_order(m, o),
        }
    }

    fn send_order(&mut self, m: &Model, o: OrderKey) {
        let token = self.orders[o].client.token;
        let entry = m.client.entry;
        self.send(
            m,
            m.client.service,
            m.handlers[entry as usize].service,
            o,
            Body::Request {
                handler: entry,
                reply: Reply::Client { token },
                arg: 0,
            },
        );
        self.timeout(m.client.timeout_us, Event::ClientTimeout(o, token));
        if let Some(p) = &m.client.polling
            && self.completion == Completion::Polling
            && p.id_source == IdSource::Client
        {
            self.after(p.interval_us, Event::Poll(o, token));
        }
    }

    fn on_client_timeout(&mut self, m: &Model, o: OrderKey, token: u32) {
        let Some(order) = self.orders.get_mut(o) else {
            return;
        };
        if !order.client.waiting
            || order.client.token != token
            || order.client.answer != Answer::None
        {
            return;
        }
        order.client.answer = Answer::TimedOut;
        order.client.final_answer = Answer::TimedOut;
        order.client.answered_at = Some(self.now);
        self.metrics.client.timeouts += 1;
        let id = order.id;
        self.trace(
            m,
            TraceKind::ClientAnswer {
                order: id,
                answer: Answer::TimedOut,
            },
        );
        self.client_release(m, o);
    }

    /// The answer to the client's order request (or its id fetch).
    fn on_client_response(
        &mut self,
        m: &Model,
        o: OrderKey,
        reply: Reply,
        result: CallResult,
        accepted: bool,
    ) {
        let Some(order) = self.orders.get(o) else {
            return;
        };
        match reply {
            Reply::IdFetch { token } => {
                if !order.client.waiting || order.client.token != token {
                    return self.late(m);
                }
                if result.is_ok() {
                    self.orders[o].client.token += 1;
                    self.send_order(m, o);
                } else {
                    self.client_answer(m, o, Answer::Failure, true);
                    self.client_release(m, o);
                }
            }
            Reply::Client { token } => {
                if !order.client.waiting
                    || order.client.token != token
                    || order.client.answer != Answer::None
                {
                    return self.late(m);
                }
                if accepted {
                    self.client_answer(m, o, Answer::Accepted, false);
                    match self.completion {
                        Completion::Polling => {
                            let server_id = m
                                .client
                                .polling
                                .as_ref()
                                .is_some_and(|p| p.id_source != IdSource::Client);
                            // Invalidate the response timeout; polls use the new token.
                            self.orders[o].client.token += 1;
                            if server_id {
                                self.next_poll(m, o);
                            } else {
                                // Client-made id: polls already scheduled with
                                // the old token; start over with the new one.
                                self.next_poll(m, o);
                            }
                        }
                        _ => self.client_release(m, o),
                    }
                } else {
                    let answer = if result.is_ok() {
                        Answer::Success
                    } else {
                        Answer::Failure
                    };
                    self.client_answer(m, o, answer, true);
                    self.client_release(m, o);
                }
            }
            _ => {}
        }
    }

    fn client_answer(&mut self, m: &Model, o: OrderKey, answer: Answer, last: bool) {
        let now = self.now;
        let order = &mut self.orders[o];
        order.client.answer = answer;
        order.client.answered_at = Some(now);
        if last {
            order.client.final_answer = answer;
            order.client.learned_at = Some(now);
        }
        let id = order.id;
        self.trace(m, TraceKind::ClientAnswer { order: id, answer });
    }

    /// The client learns a status (poll answer, webhook, push).
    fn client_learn(&mut self, m: &Model, o: OrderKey, status: StatusId) {
        let now = self.now;
        let Some(order) = self.orders.get_mut(o) else {
            return;
        };
        if order.client.learned_at.is_some() {
            return;
        }
        let last = m.is_terminal_status(status);
        if last {
            order.client.final_answer = if status == STATUS_FAILED {
                Answer::Failure
            } else {
                Answer::Success
            };
            order.client.learned_at = Some(now);
        }
        let id = order.id;
        self.trace(
            m,
            TraceKind::ClientLearned {
                order: id,
                status,
                last,
            },
        );
        if last {
            self.client_release(m, o);
        }
    }

    fn next_poll(&mut self, m: &Model, o: OrderKey) {
        let Some(p) = &m.client.polling else { return };
        let order = &mut self.orders[o];
        order.client.token += 1;
        if order.client.polls >= p.max_polls {
            self.metrics.client.gave_up += 1;
            let id = order.id;
            self.trace(m, TraceKind::ClientGaveUp { order: id });
            self.client_release(m, o);
            return;
        }
        let token = order.client.token;
        self.after(p.interval_us, Event::Poll(o, token));
    }

    fn on_poll(&mut self, m: &Model, o: OrderKey, token: u32) {
        let Some(p) = &m.client.polling else { return };
        let Some(order) = self.orders.get_mut(o) else {
            return;
        };
        if !order.client.waiting || order.client.token != token {
            return;
        }
        order.client.polls += 1;
        order.client.token += 1;
        let token = order.client.token;
        self.metrics.client.polls += 1;
        let to = m.handlers[p.target as usize].service;
        self.send(
            m,
            m.client.service,
            to,
            o,
            Body::Request {
                handler: p.target,
                reply: Reply::Poll { token },
                arg: 0,
            },
        );
        self.timeout(p.timeout_us, Event::PollTimeout(o, token));
    }

    fn on_poll_answer(
        &mut self,
        m: &Model,
        o: OrderKey,
        token: u32,
        result: CallResult,
        status: StatusId,
    ) {
        let Some(order) = self.orders.get(o) else {
            return;
        };
        if !order.client.waiting || order.client.token != token {
            return self.late(m);
        }
        if result.is_ok() && m.is_terminal_status(status) {
            self.client_learn(m, o, status);
            return;
        }
        self.metrics.client.wasted_polls += 1;
        let order = &mut self.orders[o];
        order.client.wasted_polls += 1;
        if result.is_ok() && status != STATUS_PENDING && status != order.client.last_status {
            order.client.last_status = status;
            let id = order.id;
            self.trace(
                m,
                TraceKind::ClientLearned {
                    order: id,
                    status,
                    last: false,
                },
            );
        }
        self.next_poll(m, o);
    }

    /// Judges a settled order and forgets it.
    fn settle(&mut self, m: &Model, o: OrderKey) {
        let Some(order) = self.orders.remove(o) else {
            return;
        };
        let outcome = order.judge(m);
        self.metrics.outcomes.add(outcome);
        let created = order.created_at;
        let mx = &mut self.metrics;
        if let Some(a) = order.client.answered_at {
            mx.response.record_us(a.since(created));
            mx.consistency_window.record_us(order.done_at.since(a));
        }
        if let Some(l) = order.client.learned_at {
            mx.completion.record_us(l.since(created));
            if let Some(c) = order.completed_at
                && self.completion != Completion::Sync
            {
                mx.detection_lag.record_us(l.since(c));
            }
        }
        mx.done.record_us(order.done_at.since(created));
        mx.latency_window.record(
            order.client.learned_at.map(|l| l.since(created)),
            order.done_at.since(created),
        );
        if outcome == Outcome::Lost || outcome == Outcome::Inconsistent {
            debug_assert!(order.parked.is_none());
        }
        self.trace(
            m,
            TraceKind::Settled {
                order: order.id,
                outcome,
            },
        );
    }

    fn late(&mut self, _m: &Model) {
        self.metrics.steps.late_responses += 1;
    }

    // ----- messages -----

    fn send(&mut self, m: &Model, from: ServiceId, to: ServiceId, o: OrderKey, body: Body) {
        let delay = m.network.sample_us(&mut self.rng, 1.0);
        let id = self.next_msg_id;
        self.next_msg_id += 1;
        let k = self.msgs.insert(Message {
            id,
            from,
            to,
            order: o,
            body,
        });
        self.hold(o);
        self.metrics.steps.messages_sent += 1;
        let arrive = self.now.plus_micros(delay);
        self.schedule(arrive, Event::Deliver(k));
        if self.trace_on {
            let (kind, label) = describe_body(&body);
            let order = self.order_id(o);
            self.trace(
                m,
                TraceKind::Send {
                    msg: id,
                    order,
                    from,
                    to,
                    kind,
                    label,
                    arrive,
                },
            );
        }
    }

    fn drop_msg(&mut self, m: &Model, msg: &Message, reason: Reason) {
        self.metrics.steps.messages_dropped += 1;
        if let Some(order) = self.orders.get_mut(msg.order) {
            order.lost_messages += 1;
        }
        self.trace(
            m,
            TraceKind::Drop {
                msg: msg.id,
                reason,
            },
        );
    }

    fn on_deliver(&mut self, m: &Model, k: MsgKey) {
        let Some(msg) = self.msgs.remove(k) else {
            return;
        };
        let to = msg.to as usize;
        let drop_rate = self.services[to].drop_rate;
        if drop_rate > 0.0 && self.rng.chance(drop_rate) {
            self.drop_msg(m, &msg, Reason::Dropped);
        } else {
            self.handle_message(m, &msg);
        }
        self.release(m, msg.order);
    }

    fn handle_message(&mut self, m: &Model, msg: &Message) {
        let up = self.services[msg.to as usize].up;
        let is_client = msg.to == m.client.service;
        match msg.body {
            Body::Request { handler, reply, .. } => {
                if !up {
                    self.metrics.services[msg.to as usize].refused += 1;
                    self.drop_msg(m, msg, Reason::Unavailable);
                    // Connection refused: the caller hears at once.
                    self.reply(
                        m,
                        msg.to,
                        msg.from,
                        msg.order,
                        reply,
                        CallResult::Err(Reason::Unavailable),
                        0,
                        false,
                    );
                    return;
                }
                self.trace(m, TraceKind::Deliver { msg: msg.id });
                self.start_handler(m, handler, msg, Origin::Reply(reply));
            }
            Body::Response {
                reply,
                result,
                status,
                accepted,
            } => {
                if !up && !is_client {
                    return self.drop_msg(m, msg, Reason::Unavailable);
                }
                self.trace(m, TraceKind::Deliver { msg: msg.id });
                match reply {
                    Reply::Caller { act, token } => {
                        if self
                            .acts
                            .get(act)
                            .is_some_and(|a| a.token == token && a.phase == Phase::Awaiting)
                        {
                            self.on_call_result(m, act, result);
                        } else {
                            self.late(m);
                        }
                    }
                    Reply::Poll { token } => {
                        self.on_poll_answer(m, msg.order, token, result, status)
                    }
                    Reply::Job { job, attempt } => {
                        self.on_job_answer(m, job, attempt, result.is_ok())
                    }
                    Reply::Client { .. } | Reply::IdFetch { .. } => {
                        self.on_client_response(m, msg.order, reply, result, accepted)
                    }
                    Reply::None => {}
                }
            }
            Body::Publish { dest, label, act } => {
                if !self.broker_up {
                    self.drop_msg(m, msg, Reason::BrokerDown);
                    if let Some((a, token)) = act {
                        self.confirm(m, msg, a, token, false, Reason::BrokerDown);
                    }
                    return;
                }
                self.trace(m, TraceKind::Deliver { msg: msg.id });
                let ok = self.publish(m, dest, msg.order, label);
                if let Some((a, token)) = act {
                    self.confirm(m, msg, a, token, ok, Reason::QueueFull);
                }
            }
            Body::Confirm {
                act,
                token,
                ok,
                reason,
            } => {
                if !up {
                    return self.drop_msg(m, msg, Reason::Unavailable);
                }
                self.trace(m, TraceKind::Deliver { msg: msg.id });
                if self
                    .acts
                    .get(act)
                    .is_some_and(|a| a.token == token && a.phase == Phase::Awaiting)
                {
                    let result = if ok {
                        CallResult::Ok
                    } else {
                        CallResult::Err(reason)
                    };
                    self.on_call_result(m, act, result);
                } else {
                    self.late(m);
                }
            }
            Body::Deliver {
                queue,
                inflight,
                attempt,
                ..
            } => {
                if !up {
                    // The broker finds out through the visibility timeout.
                    return self.drop_msg(m, msg, Reason::Unavailable);
                }
                self.trace(m, TraceKind::Deliver { msg: msg.id });
                let c =
                    self.consumer_of[queue as usize].expect("deliveries come from consumed queues");
                let handler = m.consumers[c as usize].handler;
                let origin = Origin::Delivery {
                    queue,
                    inflight,
                    attempt,
                };
                let a = self.start_handler(m, handler, msg, origin);
                if let Some(f) = self.queues[queue as usize].inflight.get_mut(inflight) {
                    f.handler = a;
                }
            }
            Body::Ack {
                queue,
                inflight,
                ok,
            } => {
                if !self.broker_up {
                    return self.drop_msg(m, msg, Reason::BrokerDown);
                }
                self.trace(m, TraceKind::Deliver { msg: msg.id });
                self.on_ack(m, queue, inflight, ok);
            }
            Body::Callback {
                job,
                attempt,
                status,
            } => {
                if !up {
                    return self.drop_msg(m, msg, Reason::ClientDown);
                }
                let rate = m.client.callback.failure_rate;
                let ok = !(rate > 0.0 && self.rng.chance(rate));
                self.trace(m, TraceKind::Deliver { msg: msg.id });
                if ok {
                    self.client_learn(m, msg.order, status);
                }
                self.send(
                    m,
                    msg.to,
                    msg.from,
                    msg.order,
                    Body::CallbackAck { job, attempt, ok },
                );
            }
            Body::CallbackAck { job, attempt, ok } => {
                self.trace(m, TraceKind::Deliver { msg: msg.id });
                self.on_job_answer(m, job, attempt, ok);
            }
            Body::Push { status } => {
                if !up {
                    self.metrics.client.pushes_lost += 1;
                    return self.drop_msg(m, msg, Reason::ClientDown);
                }
                self.trace(m, TraceKind::Deliver { msg: msg.id });
                self.client_learn(m, msg.order, status);
            }
            Body::Wake { act, token, .. } => {
                if !up {
                    return self.drop_msg(m, msg, Reason::Unavailable);
                }
                self.trace(m, TraceKind::Deliver { msg: msg.id });
                if self
                    .acts
                    .get(act)
                    .is_some_and(|a| a.token == token && a.phase == Phase::Parked)
                {
                    self.wake(m, act, true);
                }
            }
        }
    }

    /// Sends the answer for `reply` (nothing for fire-and-forget).
    #[allow(clippy::too_many_arguments)]
    fn reply(
        &mut self,
        m: &Model,
        from: ServiceId,
        to: ServiceId,
        o: OrderKey,
        reply: Reply,
        result: CallResult,
        status: StatusId,
        accepted: bool,
    ) {
        if reply != Reply::None {
            self.send(
                m,
                from,
                to,
                o,
                Body::Response {
                    reply,
                    result,
                    status,
                    accepted,
                },
            );
        }
    }

    fn confirm(
        &mut self,
        m: &Model,
        msg: &Message,
        act: ActKey,
        token: u32,
        ok: bool,
        reason: Reason,
    ) {
        self.send(
            m,
            msg.to,
            msg.from,
            msg.order,
            Body::Confirm {
                act,
                token,
                ok,
                reason,
            },
        );
    }

    // ----- handlers (activations) -----

    /// Starts `handler` for the message `msg` that asked for it.
    fn start_handler(
        &mut self,
        m: &Model,
        handler: HandlerId,
        msg: &Message,
        origin: Origin,
    ) -> Option<ActKey> {
        let (o, reply_to) = (msg.order, msg.from);
        let (arg, replica) = match msg.body {
            Body::Request { arg, .. } => (arg, None),
            Body::Deliver { replica, .. } => (0, Some(replica)),
            _ => (0, None),
        };
        let h = &m.handlers[handler as usize];
        let act = Activation {
            handler,
            service: h.service,
            replica: 0,
            order: o,
            origin,
            reply_to,
            arrived_at: self.now,
            phase: Phase::Queued,
            pc: 0,
            call: CallCtx::Step,
            token: 0,
            attempt: 0,
            arg,
            probe: None,
            done_mask: 0,
            failed: false,
            fail_reason: Reason::Error,
            deferred: false,
            responded: false,
            holds_slot: false,
            skip_steps: false,
            wake: None,
        };
        let a = self.acts.insert(act);
        self.hold(o);
        self.metrics.services[h.service as usize].received += 1;
        self.admit(m, a, replica);
        // A refused handler (queue full) is already gone.
        self.acts.contains_key(a).then_some(a)
    }

    /// Gives the handler a worker, or queues it, or refuses it (503).
    fn admit(&mut self, m: &Model, a: ActKey, replica: Option<u16>) {
        let s = self.acts[a].service;
        self.integrate(s);
        let conc = m.services[s as usize].concurrency;
        let st = &mut self.services[s as usize];
        if let Some(r) = replica {
            let r = r as usize;
            if r < st.replicas.len() {
                if st.replicas[r].busy < conc {
                    return self.start_work(m, a, r as u16);
                }
                st.replicas[r].buffer.push_back(a);
                st.buffered += 1;
                self.acts[a].phase = Phase::Queued;
                return;
            }
        }
        let active = st.active_replicas as usize;
        let free = (0..active)
            .filter(|&r| st.replicas[r].busy < conc)
            .min_by_key(|&r| (st.replicas[r].busy, r));
        if let Some(r) = free {
            return self.start_work(m, a, r as u16);
        }
        if st.inbox.len() < m.services[s as usize].queue_capacity as usize {
            st.inbox.push_back(a);
            let queued = st.inbox.len() as u32 + st.buffered;
            let sm = &mut self.metrics.services[s as usize];
            sm.max_queued = sm.max_queued.max(queued);
            self.acts[a].phase = Phase::Queued;
        } else {
            self.metrics.services[s as usize].rejected += 1;
            self.finish(m, a, CallResult::Err(Reason::Overloaded));
        }
    }

    fn start_work(&mut self, m: &Model, a: ActKey, r: u16) {
        let s = self.acts[a].service as usize;
        let st = &mut self.services[s];
        st.replicas[r as usize].busy += 1;
        st.busy += 1;
        let factor = st.latency_factor;
        let act = &mut self.acts[a];
        act.replica = r;
        act.holds_slot = true;
        act.phase = Phase::Working;
        let wait = self.now.since(act.arrived_at);
        let sm = &mut self.metrics.services[s];
        if sm.replica_started.len() <= r as usize {
            sm.replica_started.resize(r as usize + 1, 0);
        }
        sm.replica_started[r as usize] += 1;
        sm.queue_wait.record_us(wait);
        sm.wait_sum_us += u128::from(wait);
        sm.wait_count += 1;
        let (o, handler) = (act.order, act.handler);
        let h = &m.handlers[handler as usize];
        let dist = h.latency.as_ref().unwrap_or(&m.services[s].latency);
        let us = dist.sample_us(&mut self.rng, factor);
        self.after(us, Event::WorkDone(a));
        if self.trace_on {
            let order = self.order_id(o);
            let kind = TraceKind::Started {
                order,
                service: s as ServiceId,
                handler,
                replica: r,
                waited_us: wait,
            };
            self.trace(m, kind);
        }
    }

    /// Frees the handler's worker and gives it to the next in line.
    fn release_slot(&mut self, m: &Model, a: ActKey) {
        let (s, r) = {
            let act = &mut self.acts[a];
            if !act.holds_slot {
                return;
            }
            act.holds_slot = false;
            (act.service, act.replica as usize)
        };
        self.integrate(s);
        let st = &mut self.services[s as usize];
        st.replicas[r].busy -= 1;
        st.busy -= 1;
        let next = if let Some(n) = st.replicas[r].buffer.pop_front() {
            st.buffered -= 1;
            Some(n)
        } else if r < st.active_replicas as usize {
            st.inbox.pop_front()
        } else {
            None
        };
        if let Some(n) = next {
            self.start_work(m, n, r as u16);
        }
    }

    fn on_work_done(&mut self, m: &Model, a: ActKey) {
        let Some(act) = self.acts.get_mut(a) else {
            return;
        };
        if act.phase != Phase::Working {
            return;
        }
        if let Some(ok) = act.wake.take() {
            // A parked handler resumed: continue at its `wait` step.
            if ok {
                act.pc += 1;
                return self.run_steps(m, a);
            }
            return self.step_failed(m, a, Reason::NoEvent);
        }
        let s = act.service as usize;
        let rate = self.services[s].error_rate;
        if rate > 0.0 && self.rng.chance(rate) {
            return self.finish(m, a, CallResult::Err(Reason::Error));
        }
        match self.begin_effect(m, a) {
            Ok(()) => self.run_steps(m, a),
            Err(r) => self.finish(m, a, CallResult::Err(r)),
        }
    }

    fn begin_effect(&mut self, m: &Model, a: ActKey) -> Result<(), Reason> {
        let act = &self.acts[a];
        let (o, s, handler, arg) = (act.order, act.service, act.handler, act.arg);
        let now = self.now;
        let Some(order) = self.orders.get_mut(o) else {
            return Ok(());
        };
        let id = order.id;
        let mut trace = None;
        match m.handlers[handler as usize].effect {
            EffectModel::None | EffectModel::IssueId | EffectModel::ReadStatus => {}
            EffectModel::RecordOrder => order.recorded = true,
            EffectModel::ReserveStock => {
                if order.stock == StockState::None || order.stock == StockState::Released {
                    let level = &mut self.stock[order.sku as usize];
                    let qty = u64::from(order.qty);
                    if level.available < qty {
                        return Err(Reason::OutOfStock);
                    }
                    level.available -= qty;
                    level.reserved += qty;
                    order.stock = StockState::Reserved;
                    trace = Some(TraceKind::Stock {
                        order: id,
                        sku: order.sku,
                        state: StockState::Reserved,
                    });
                }
            }
            EffectModel::ReleaseStock => {
                if order.stock == StockState::Reserved {
                    let level = &mut self.stock[order.sku as usize];
                    let qty = u64::from(order.qty);
                    level.reserved -= qty;
                    level.available += qty;
                    order.stock = StockState::Released;
                    trace = Some(TraceKind::Stock {
                        order: id,
                        sku: order.sku,
                        state: StockState::Released,
                    });
                }
            }
            EffectModel::Ship => match order.stock {
                StockState::Reserved => {
                    let level = &mut self.stock[order.sku as usize];
                    let qty = u64::from(order.qty);
                    level.reserved -= qty;
                    level.shipped += qty;
                    order.stock = StockState::Shipped;
                    trace = Some(TraceKind::Stock {
                        order: id,
                        sku: order.sku,
                        state: StockState::Shipped,
                    });
                }
                StockState::Shipped => {}
                _ => return Err(Reason::NotReserved),
            },
            EffectModel::CancelShipment => {
                if order.stock == StockState::Shipped {
                    let level = &mut self.stock[order.sku as usize];
                    let qty = u64::from(order.qty);
                    level.shipped -= qty;
                    level.reserved += qty;
                    order.stock = StockState::Reserved;
                    trace = Some(TraceKind::Stock {
                        order: id,
                        sku: order.sku,
                        state: StockState::Reserved,
                    });
                }
            }
            EffectModel::Charge => match order.payment {
                PaymentState::Success => self.acts[a].skip_steps = true,
                PaymentState::Refunded | PaymentState::Cancelled => return Err(Reason::Cancelled),
                PaymentState::Pending => {}
                _ => {
                    order.payment = PaymentState::Pending;
                    trace = Some(TraceKind::Payment {
                        order: id,
                        state: PaymentState::Pending,
                    });
                }
            },
            EffectModel::Refund => {
                if order.captured && !order.refunded {
                    order.refunded = true;
                    order.payment = PaymentState::Refunded;
                    self.metrics.payments.refunded += 1;
                    trace = Some(TraceKind::Payment {
                        order: id,
                        state: PaymentState::Refunded,
                    });
                } else if !order.captured && order.payment != PaymentState::Cancelled {
                    // Nothing captured yet: cancel, so a charge still queued
                    // or in flight cannot capture money for a dead order.
                    order.payment = PaymentState::Cancelled;
                    trace = Some(TraceKind::Payment {
                        order: id,
                        state: PaymentState::Cancelled,
                    });
                }
            }
            EffectModel::ProviderCharge => {
                order.provider_attempts += 1;
                if order.captured {
                    self.metrics.payments.duplicate_attempts += 1;
                } else if order.payment == PaymentState::Cancelled || order.refunded {
                    return Err(Reason::Cancelled);
                } else {
                    order.captured = true;
                    self.metrics.payments.captured += 1;
                }
            }
            EffectModel::Notify => {
                order.notified += 1;
                let outbox = &mut self.services[s as usize].outbox;
                if outbox.len() >= OUTBOX_LEN {
                    outbox.pop_front();
                }
                outbox.push_back((now, id));
            }
            EffectModel::WriteStatus => {
                let lag = m.handlers[handler as usize].visibility_lag_us;
                order.status_prev = order.visible_status(now);
                order.status_cur = arg;
                order.status_visible_at = now.plus_micros(lag);
                trace = Some(TraceKind::Status {
                    order: id,
                    status: arg,
                    visible_at: order.status_visible_at,
                });
            }
            EffectModel::Mark(f) => order.flags |= 1 << f,
        }
        if let Some(kind) = trace {
            self.trace(m, kind);
        }
        Ok(())
    }

    /// Runs steps from the handler's program counter until one has to wait.
    fn run_steps(&mut self, m: &Model, a: ActKey) {
        loop {
            let act = &mut self.acts[a];
            act.phase = Phase::Working;
            let h = &m.handlers[act.handler as usize];
            if act.skip_steps {
                return self.finish(m, a, CallResult::Ok);
            }
            let Some(step) = h.steps.get(act.pc as usize) else {
                return self.finish(m, a, CallResult::Ok);
            };
            match step {
                StepModel::Call { .. } => {
                    act.attempt = 0;
                    return self.start_call(m, a, CallCtx::Step);
                }
                StepModel::Send { target, compensate } => {
                    if compensate.is_some() {
                        act.done_mask |= 1 << act.pc;
                    }
                    act.pc += 1;
                    let (s, o) = (act.service, act.order);
                    let to = m.handlers[*target as usize].service;
                    self.send(
                        m,
                        s,
                        to,
                        o,
                        Body::Request {
                            handler: *target,
                            reply: Reply::None,
                            arg: 0,
                        },
                    );
                }
                StepModel::Publish { to, message, .. } => {
                    return self.start_publish(m, a, *to, *message, CallCtx::Publish);
                }
                StepModel::Accept => {
                    act.pc += 1;
                    if self.completion != Completion::Sync
                        && !act.responded
                        && let Origin::Reply(reply @ Reply::Client { .. }) = act.origin
                    {
                        act.responded = true;
                        let (s, o) = (act.service, act.order);
                        let to = act.reply_to;
                        self.reply(m, s, to, o, reply, CallResult::Ok, 0, true);
                    }
                }
                StepModel::Status { value, mandatory } => {
                    if self.completion == Completion::Polling {
                        act.arg = *value;
                        act.attempt = 0;
                        return self.start_call(
                            m,
                            a,
                            CallCtx::StatusWrite {
                                mandatory: *mandatory,
                            },
                        );
                    }
                    act.pc += 1;
                }
                StepModel::Notify { status } | StepModel::Complete { status } => {
                    let status = *status;
                    let last = matches!(step, StepModel::Complete { .. });
                    if last && let Some(order) = self.orders.get_mut(act.order) {
                        order.completed_at.get_or_insert(self.now);
                        order.completed_ok = true;
                    }
                    if self.completion == Completion::Polling && !last {
                        // Progress: a best-effort write the handler waits for.
                        act.arg = status;
                        act.attempt = 0;
                        return self.start_call(m, a, CallCtx::StatusWrite { mandatory: false });
                    }
                    act.pc += 1;
                    let (s, o) = (act.service, act.order);
                    self.notify_client(m, s, o, status, last);
                }
                StepModel::Work { latency, .. } => {
                    act.token += 1;
                    act.phase = Phase::Timer;
                    let token = act.token;
                    let factor = self.services[act.service as usize].latency_factor;
                    let us = latency.sample_us(&mut self.rng, factor);
                    self.after(us, Event::StepTimer(a, token));
                    return;
                }
                StepModel::Wait { event, timeout_us } => {
                    let bit = 1u32 << event;
                    let o = act.order;
                    let (ok, failed) = self.orders.get(o).map_or((false, true), |x| {
                        (x.events_ok & bit != 0, x.events_failed & bit != 0)
                    });
                    if ok {
                        act.pc += 1;
                        continue;
                    }
                    if failed {
                        return self.step_failed(m, a, Reason::NoEvent);
                    }
                    act.token += 1;
                    act.phase = Phase::Parked;
                    let token = act.token;
                    let handler = act.handler;
                    let (event, timeout_us) = (*event, *timeout_us);
                    self.release_slot(m, a);
                    if let Some(order) = self.orders.get_mut(o) {
                        order.parked = Some(a);
                        let id = order.id;
                        self.trace(
                            m,
                            TraceKind::Parked {
                                order: id,
                                handler,
                                event,
                            },
                        );
                    }
                    self.timeout(timeout_us, Event::WaitTimeout(a, token));
                    return;
                }
                StepModel::Emit { event } => {
                    act.pc += 1;
                    let (s, o) = (act.service, act.order);
                    self.raise(m, s, o, *event, true);
                }
            }
        }
    }

    /// Progress or the final status to the client, over the completion
    /// channel: a webhook, a push, or (final status only) a status-store
    /// write for a polling client. Progress writes for polling clients are
    /// calls made by the handler itself.
    fn notify_client(
        &mut self,
        m: &Model,
        from: ServiceId,
        o: OrderKey,
        status: StatusId,
        last: bool,
    ) {
        let kind = match self.completion {
            Completion::Sync => return,
            Completion::Polling if !last => return,
            Completion::Polling => JobKind::FinalStatus,
            Completion::Callback => JobKind::Callback,
            Completion::Push => {
                self.metrics.client.pushes_sent += 1;
                self.send(m, from, m.client.service, o, Body::Push { status });
                return;
            }
        };
        let j = self.jobs.insert(Job {
            kind,
            order: o,
            from,
            status,
            attempt: 0,
            awaiting: false,
        });
        self.hold(o);
        self.send_job(m, j);
    }

    fn send_job(&mut self, m: &Model, j: JobKey) {
        let job = &mut self.jobs[j];
        job.attempt += 1;
        job.awaiting = true;
        let (o, from, attempt, status) = (job.order, job.from, job.attempt, job.status);
        match job.kind {
            JobKind::Callback => {
                self.metrics.client.callbacks_sent += 1;
                self.send(
                    m,
                    from,
                    m.client.service,
                    o,
                    Body::Callback {
                        job: j,
                        attempt,
                        status,
                    },
                );
                self.timeout(m.client.callback.timeout_us, Event::JobTimeout(j, attempt));
            }
            JobKind::FinalStatus => {
                let write = m
                    .client
                    .polling
                    .as_ref()
                    .expect("polling mode has polling settings")
                    .write;
                let to = m.handlers[write as usize].service;
                let reply = Reply::Job { job: j, attempt };
                self.send(
                    m,
                    from,
                    to,
                    o,
                    Body::Request {
                        handler: write,
                        reply,
                        arg: status,
                    },
                );
                self.timeout(STATUS_WRITE_TIMEOUT_US, Event::JobTimeout(j, attempt));
            }
        }
    }

    /// A job's delivery was acknowledged (`ok`), refused or timed out.
    fn on_job_answer(&mut self, m: &Model, j: JobKey, attempt: u32, ok: bool) {
        if !self
            .jobs
            .get(j)
            .is_some_and(|x| x.attempt == attempt && x.awaiting)
        {
            return;
        }
        self.jobs[j].awaiting = false;
        if ok {
            let job = self.jobs.remove(j).expect("checked");
            return self.release(m, job.order);
        }
        let job = self.jobs[j];
        let (max_attempts, backoff) = match job.kind {
            JobKind::Callback => {
                self.metrics.client.callback_failures += 1;
                (m.client.callback.max_attempts, m.client.callback.backoff)
            }
            JobKind::FinalStatus => {
                self.metrics.steps.status_write_failures += 1;
                (FINAL_STATUS_ATTEMPTS, FINAL_STATUS_BACKOFF)
            }
        };
        if job.attempt >= max_attempts {
            if job.kind == JobKind::Callback {
                self.metrics.client.callbacks_abandoned += 1;
            }
            self.jobs.remove(j);
            return self.release(m, job.order);
        }
        let delay = backoff.delay_us(job.attempt - 1, &mut self.rng);
        self.after(delay, Event::JobRetry(j, job.attempt));
    }

    /// Raises an order event and wakes the handler parked on it.
    fn raise(&mut self, m: &Model, from: ServiceId, o: OrderKey, event: EventId, ok: bool) {
        let Some(order) = self.orders.get_mut(o) else {
            return;
        };
        let bit = 1u32 << event;
        if ok {
            order.events_ok |= bit;
        } else {
            order.events_failed |= bit;
        }
        let id = order.id;
        let parked = order.parked;
        self.trace(
            m,
            TraceKind::Raised {
                order: id,
                event,
                ok,
            },
        );
        let Some(p) = parked else { return };
        let Some(act) = self.acts.get(p) else { return };
        let waits_for = match m.handlers[act.handler as usize].steps.get(act.pc as usize) {
            Some(StepModel::Wait { event: e, .. }) => *e == event,
            _ => false,
        };
        if act.phase == Phase::Parked && waits_for {
            self.orders[o].parked = None;
            let (to, token) = (act.service, act.token);
            if ok {
                self.send(
                    m,
                    from,
                    to,
                    o,
                    Body::Wake {
                        act: p,
                        token,
                        event,
                    },
                );
            } else {
                self.wake(m, p, false);
            }
        }
    }

    fn wake(&mut self, m: &Model, a: ActKey, ok: bool) {
        let act = &mut self.acts[a];
        act.token += 1;
        act.wake = Some(ok);
        act.arrived_at = self.now;
        if let Some(order) = self.orders.get_mut(act.order)
            && order.parked == Some(a)
        {
            order.parked = None;
        }
        self.admit(m, a, None);
    }

    fn on_wait_timeout(&mut self, m: &Model, a: ActKey, token: u32) {
        if self
            .acts
            .get(a)
            .is_some_and(|x| x.token == token && x.phase == Phase::Parked)
        {
            self.wake(m, a, false);
        }
    }

    /// The call policy behind a call context.
    fn policy(&self, m: &Model, a: ActKey, ctx: CallCtx) -> CallPolicy {
        let act = &self.acts[a];
        let steps = &m.handlers[act.handler as usize].steps;
        match ctx {
            CallCtx::Step => match &steps[act.pc as usize] {
                StepModel::Call { policy, .. } => *policy,
                other => unreachable!("call context on {other:?}"),
            },
            CallCtx::Backup => match &steps[act.pc as usize] {
                StepModel::Call {
                    fallback: Some(FallbackModel::Backup(p)),
                    ..
                } => *p,
                other => unreachable!("backup context on {other:?}"),
            },
            CallCtx::Compensation(i) => steps[i as usize]
                .compensation()
                .expect("compensation context on a step with one"),
            CallCtx::StatusWrite { .. } => CallPolicy {
                target: m
                    .client
                    .polling
                    .as_ref()
                    .expect("status writes need polling")
                    .write,
                timeout_us: STATUS_WRITE_TIMEOUT_US,
                retries: STATUS_WRITE_RETRIES,
                backoff: BackoffModel {
                    base_us: 100_000,
                    max_us: 1_000_000,
                    jitter: 0.5,
                },
                breaker: None,
            },
            CallCtx::Publish | CallCtx::FallbackPublish => {
                unreachable!("publishes have no call policy")
            }
        }
    }

    fn start_call(&mut self, m: &Model, a: ActKey, ctx: CallCtx) {
        if matches!(ctx, CallCtx::Compensation(_))
            && self
                .orders
                .get(self.acts[a].order)
                .is_some_and(|o| o.completed_ok)
        {
            // Completed by another delivery meanwhile: undo nothing more.
            let act = &mut self.acts[a];
            act.done_mask = 0;
            let reason = act.fail_reason;
            return self.finish(m, a, CallResult::Err(reason));
        }
        let policy = self.policy(m, a, ctx);
        self.acts[a].call = ctx;
        if let Some(b) = policy.breaker {
            let (admission, transition) = self.breakers[b as usize].admit(self.now);
            if let Some(state) = transition {
                self.breaker_changed(m, b, state);
            }
            match admission {
                Admission::Rejected => {
                    self.acts[a].phase = Phase::Working;
                    return self.call_exhausted(m, a, Reason::ShortCircuit);
                }
                Admission::Allowed { probe } => self.acts[a].probe = probe.then_some(b),
            }
        }
        let act = &mut self.acts[a];
        act.token += 1;
        act.phase = Phase::Awaiting;
        let (token, s, o, arg) = (act.token, act.service, act.order, act.arg);
        let to = m.handlers[policy.target as usize].service;
        self.send(
            m,
            s,
            to,
            o,
            Body::Request {
                handler: policy.target,
                reply: Reply::Caller { act: a, token },
                arg,
            },
        );
        self.timeout(policy.timeout_us, Event::CallTimeout(a, token));
    }

    fn start_publish(&mut self, m: &Model, a: ActKey, to: Destination, label: u16, ctx: CallCtx) {
        let Some(broker) = m.broker_service else {
            return self.step_failed(m, a, Reason::BrokerDown);
        };
        let act = &mut self.acts[a];
        act.call = ctx;
        act.token += 1;
        act.phase = Phase::Awaiting;
        let (token, s, o) = (act.token, act.service, act.order);
        self.send(
            m,
            s,
            broker,
            o,
            Body::Publish {
                dest: to,
                label,
                act: Some((a, token)),
            },
        );
        self.timeout(PUBLISH_TIMEOUT_US, Event::CallTimeout(a, token));
    }

    fn on_call_result(&mut self, m: &Model, a: ActKey, result: CallResult) {
        let ctx = self.acts[a].call;
        self.acts[a].phase = Phase::Working;
        let breaker = match ctx {
            CallCtx::Step | CallCtx::Backup => self.policy(m, a, ctx).breaker,
            _ => None,
        };
        if let Some(b) = breaker {
            let probe = self.acts[a].probe.take().is_some();
            // Business answers ("card declined") mean the dependency works.
            let ok = match result {
                CallResult::Err(r) => r.is_business(),
                _ => true,
            };
            if let Some(state) = self.breakers[b as usize].record(self.now, ok, probe) {
                self.breaker_changed(m, b, state);
            }
        }
        match (ctx, result) {
            (CallCtx::Publish, CallResult::Err(r))
            | (CallCtx::FallbackPublish, CallResult::Err(r)) => self.step_failed(m, a, r),
            (CallCtx::FallbackPublish, _) => self.step_ok(m, a, true),
            (_, CallResult::Ok) => self.step_ok(m, a, false),
            (_, CallResult::Deferred) => self.step_ok(m, a, true),
            (_, CallResult::Err(r)) => {
                let policy = self.policy(m, a, ctx);
                let act = &mut self.acts[a];
                if !r.is_business() && act.attempt < policy.retries {
                    let attempt = act.attempt;
                    act.attempt += 1;
                    act.token += 1;
                    act.phase = Phase::Backoff;
                    let token = act.token;
                    let (s, o) = (act.service, act.order);
                    let delay = policy.backoff.delay_us(attempt, &mut self.rng);
                    self.metrics.steps.retries += 1;
                    let order = self.order_id(o);
                    self.trace(
                        m,
                        TraceKind::Retry {
                            order,
                            service: s,
                            target: policy.target,
                            attempt,
                            delay_us: delay,
                            reason: r,
                        },
                    );
                    self.after(delay, Event::Retry(a, token));
                } else {
                    self.call_exhausted(m, a, r);
                }
            }
        }
    }

    /// A call failed for good (retries spent, or short-circuited).
    fn call_exhausted(&mut self, m: &Model, a: ActKey, reason: Reason) {
        let act = &self.acts[a];
        match act.call {
            CallCtx::Compensation(_) => {
                self.metrics.steps.compensation_failures += 1;
                return self.next_compensation(m, a);
            }
            CallCtx::StatusWrite { mandatory, .. } => {
                if mandatory {
                    return self.step_failed(m, a, reason);
                }
                self.acts[a].pc += 1;
                return self.run_steps(m, a);
            }
            CallCtx::Step => {
                let step = &m.handlers[act.handler as usize].steps[act.pc as usize];
                if let StepModel::Call {
                    fallback: Some(fb), ..
                } = step
                {
                    let (o, handler, pc) = (act.order, act.handler, act.pc);
                    let own_queue = match (fb, act.origin) {
                        (
                            FallbackModel::QueueForRetry(Destination::Queue(q), _),
                            Origin::Delivery { queue, .. },
                        ) => *q == queue,
                        (
                            FallbackModel::QueueForRetry(Destination::Exchange(x), _),
                            Origin::Delivery { queue, .. },
                        ) => m.exchanges[*x as usize].queues.contains(&queue),
                        _ => false,
                    };
                    if !own_queue {
                        self.metrics.steps.fallbacks += 1;
                        let order = self.order_id(o);
                        self.trace(
                            m,
                            TraceKind::Fallback {
                                order,
                                handler,
                                step: pc,
                            },
                        );
                        match *fb {
                            FallbackModel::Backup(_) => {
                                self.acts[a].attempt = 0;
                                return self.start_call(m, a, CallCtx::Backup);
                            }
                            FallbackModel::QueueForRetry(dest, label) => {
                                return self.start_publish(
                                    m,
                                    a,
                                    dest,
                                    label,
                                    CallCtx::FallbackPublish,
                                );
                            }
                        }
                    }
                }
            }
            CallCtx::Backup | CallCtx::Publish | CallCtx::FallbackPublish => {}
        }
        self.step_failed(m, a, reason)
    }

    fn step_ok(&mut self, m: &Model, a: ActKey, deferred: bool) {
        let act = &mut self.acts[a];
        match act.call {
            CallCtx::Compensation(_) => {
                return self.next_compensation(m, a);
            }
            _ => {
                let step = &m.handlers[act.handler as usize].steps[act.pc as usize];
                if step.compensation().is_some() {
                    act.done_mask |= 1 << act.pc;
                }
                if deferred {
                    act.deferred = true;
                }
                act.pc += 1;
            }
        }
        self.run_steps(m, a)
    }

    /// A step failed for good: skip it if best-effort, else fail the handler.
    fn step_failed(&mut self, m: &Model, a: ActKey, reason: Reason) {
        let act = &self.acts[a];
        let step = &m.handlers[act.handler as usize].steps[act.pc as usize];
        let mandatory = match step {
            StepModel::Call { mandatory, .. } | StepModel::Publish { mandatory, .. } => *mandatory,
            StepModel::Status { mandatory, .. } => *mandatory,
            _ => true,
        };
        let o = act.order;
        let order = self.order_id(o);
        let (handler, pc) = (act.handler, act.pc);
        self.trace(
            m,
            TraceKind::StepFailed {
                order,
                handler,
                step: pc,
                reason,
                mandatory,
            },
        );
        if mandatory {
            // Another delivery of the same message may have completed the
            // order meanwhile (a redelivery after a broker restart): then
            // the order record says so, and nothing is undone.
            let completed_elsewhere = self.orders.get(o).is_some_and(|o| o.completed_ok);
            let act = &mut self.acts[a];
            act.failed = true;
            act.fail_reason = reason;
            // A call that timed out may still have done its work (only the
            // answer was lost or late): undo it too. Compensations are
            // idempotent, so undoing work that never happened is harmless.
            if reason == Reason::Timeout && step.compensation().is_some() {
                act.done_mask |= 1 << act.pc;
            }
            if completed_elsewhere {
                act.done_mask = 0;
            }
            self.next_compensation(m, a);
        } else {
            self.metrics.steps.best_effort_failures += 1;
            self.acts[a].pc += 1;
            self.run_steps(m, a);
        }
    }

    /// Undoes the next completed step (latest first); finishes when none is left.
    fn next_compensation(&mut self, m: &Model, a: ActKey) {
        let act = &mut self.acts[a];
        act.phase = Phase::Working;
        if act.done_mask == 0 {
            let reason = act.fail_reason;
            return self.finish(m, a, CallResult::Err(reason));
        }
        let i = 31 - act.done_mask.leading_zeros();
        act.done_mask &= !(1 << i);
        act.attempt = 0;
        let (s, o, handler) = (act.service, act.order, act.handler);
        let target = m.handlers[handler as usize].steps[i as usize]
            .compensation()
            .expect("done_mask marks compensable steps")
            .target;
        self.metrics.steps.compensations += 1;
        if let Some(order) = self.orders.get_mut(o) {
            order.compensations += 1;
        }
        let order = self.order_id(o);
        self.trace(
            m,
            TraceKind::Compensate {
                order,
                service: s,
                target,
            },
        );
        self.start_call(m, a, CallCtx::Compensation(i as u8));
    }

    /// Ends a handler: commits its effect, raises its event, frees its
    /// worker, answers whoever started it.
    fn finish(&mut self, m: &Model, a: ActKey, result: CallResult) {
        let act = self.acts[a].clone();
        let h = &m.handlers[act.handler as usize];
        let result = match result {
            CallResult::Ok if act.deferred => CallResult::Deferred,
            r => r,
        };
        // A business failure (out of stock) will not change on redelivery:
        // the message is consumed and the failure is final.
        let business = matches!(result, CallResult::Err(r) if r.is_business());
        let final_failure = match act.origin {
            Origin::Delivery { queue, attempt, .. } => {
                business || attempt >= m.queues[queue as usize].max_deliveries
            }
            Origin::Reply(_) => true,
        };
        let now = self.now;
        // Commit the effect.
        if h.effect == EffectModel::Charge
            && !act.skip_steps
            && let Some(order) = self.orders.get_mut(act.order)
        {
            let id = order.id;
            let state = match result {
                CallResult::Ok => Some(PaymentState::Success),
                CallResult::Deferred => Some(PaymentState::QueuedForRetry),
                // A retry that failed but will be delivered again stays queued.
                CallResult::Err(_) if order.payment == PaymentState::Pending && !final_failure => {
                    Some(PaymentState::QueuedForRetry)
                }
                CallResult::Err(_) if order.payment == PaymentState::Pending => {
                    Some(PaymentState::Failed)
                }
                CallResult::Err(_) => None,
            };
            if let Some(state) = state {
                let was_queued = order.payment_queued;
                order.payment_queued |= state == PaymentState::QueuedForRetry;
                order.payment = state;
                let p = &mut self.metrics.payments;
                match state {
                    PaymentState::Success => {
                        p.success += 1;
                        p.recovered += u64::from(was_queued);
                    }
                    PaymentState::QueuedForRetry
                        if !matches!(act.origin, Origin::Delivery { .. }) =>
                    {
                        p.queued_for_retry += 1
                    }
                    PaymentState::QueuedForRetry => {}
                    _ => p.failed += 1,
                }
                self.trace(m, TraceKind::Payment { order: id, state });
            }
        }
        if let Some(order) = self.orders.get_mut(act.order) {
            order.done_at = now;
        }
        // Raise the handler's event: on success, or on a failure that is final.
        if let Some(e) = h.emits {
            match result {
                CallResult::Ok => self.raise(m, act.service, act.order, e, true),
                CallResult::Err(_) if final_failure => {
                    self.raise(m, act.service, act.order, e, false)
                }
                _ => {}
            }
        }
        // A completing handler that fails for good tells the client.
        if h.completes && !result.is_ok() && final_failure && self.completion != Completion::Sync {
            let first = self.orders.get_mut(act.order).is_some_and(|o| {
                let first = o.completed_at.is_none();
                o.completed_at.get_or_insert(now);
                first
            });
            if first {
                self.notify_client(m, act.service, act.order, STATUS_FAILED, true);
            }
        }
        self.release_slot(m, a);
        if self.trace_on {
            let order = self.order_id(act.order);
            let (service, handler) = (act.service, act.handler);
            self.trace(
                m,
                TraceKind::Finished {
                    order,
                    service,
                    handler,
                    result: result.label(),
                },
            );
        }
        let sm = &mut self.metrics.services[act.service as usize];
        if result.is_ok() {
            sm.succeeded += 1;
        } else {
            sm.failed += 1;
        }
        // Answer.
        match act.origin {
            Origin::Reply(reply) => {
                if !act.responded {
                    let status = match h.effect {
                        EffectModel::ReadStatus => self
                            .orders
                            .get(act.order)
                            .map_or(0, |o| o.visible_status(now)),
                        _ => 0,
                    };
                    self.reply(
                        m,
                        act.service,
                        act.reply_to,
                        act.order,
                        reply,
                        result,
                        status,
                        false,
                    );
                }
            }
            Origin::Delivery {
                queue, inflight, ..
            } => {
                if let Some(broker) = m.broker_service {
                    let ok = result.is_ok() || business;
                    self.send(
                        m,
                        act.service,
                        broker,
                        act.order,
                        Body::Ack {
                            queue,
                            inflight,
                            ok,
                        },
                    );
                }
            }
        }
        self.acts.remove(a);
        self.release(m, act.order);
    }

    // ----- the broker -----

    fn publish(&mut self, m: &Model, dest: Destination, o: OrderKey, label: u16) -> bool {
        let queues: Vec<QueueId> = match dest {
            Destination::Queue(q) => vec![q],
            Destination::Exchange(x) => m.exchanges[x as usize].queues.clone(),
        };
        let mut ok = true;
        let order_id = self.order_id(o);
        for q in queues {
            let qs = &mut self.queues[q as usize];
            if qs.held() >= m.queues[q as usize].capacity as usize {
                qs.counters.refused += 1;
                ok = false;
                continue;
            }
            self.next_queue_seq += 1;
            let msg = QueuedMsg {
                order: o,
                order_id,
                label,
                attempts: 0,
                enqueued_at: self.now,
                seq: self.next_queue_seq,
            };
            qs.counters.published += 1;
            qs.push_ready(msg);
            self.hold(o);
            self.trace(
                m,
                TraceKind::Enqueued {
                    queue: q,
                    order: order_id,
                },
            );
            self.dispatch(m, q);
        }
        ok
    }

    fn unack(&mut self, q: QueueId, replica: u16) {
        if let Some(c) = self.consumer_of[q as usize]
            && let Some(n) = self.consumers[c as usize].unacked.get_mut(replica as usize)
        {
            *n = n.saturating_sub(1);
        }
    }

    fn on_ack(&mut self, m: &Model, q: QueueId, k: InflightKey, ok: bool) {
        let Some(f) = self.queues[q as usize].inflight.remove(k) else {
            // Already redelivered (visibility timeout) or lost in a restart.
            return self.late(m);
        };
        self.unack(q, f.replica);
        if ok {
            self.queues[q as usize].counters.acked += 1;
            self.release(m, f.msg.order);
        } else {
            self.failed_delivery(m, q, f.msg, Reason::Error);
        }
        self.dispatch(m, q);
    }

    /// A delivery was rejected or timed out: schedule another, or dead-letter.
    fn failed_delivery(&mut self, m: &Model, q: QueueId, msg: QueuedMsg, reason: Reason) {
        let qm = &m.queues[q as usize];
        if msg.attempts >= qm.max_deliveries {
            return self.dead_letter(m, q, msg, Reason::MaxDeliveries);
        }
        let delay = qm
            .redelivery_backoff
            .delay_us(msg.attempts.saturating_sub(1), &mut self.rng);
        let due = self.now.plus_micros(delay);
        let qs = &mut self.queues[q as usize];
        qs.counters.redelivered += 1;
        qs.push_delayed(due, msg);
        self.trace(
            m,
            TraceKind::Redelivery {
                queue: q,
                order: msg.order_id,
                attempt: msg.attempts,
                reason,
            },
        );
        self.schedule(due, Event::Redeliver(q));
    }

    fn dead_letter(&mut self, m: &Model, q: QueueId, msg: QueuedMsg, reason: Reason) {
        self.queues[q as usize].counters.dead_lettered += 1;
        if let Some(order) = self.orders.get_mut(msg.order) {
            order.dead_lettered = true;
        }
        self.trace(
            m,
            TraceKind::DeadLetter {
                queue: q,
                order: msg.order_id,
                reason,
            },
        );
        if let Some(d) = m.queues[q as usize].dead_letter {
            let dq = &mut self.queues[d as usize];
            if dq.held() < m.queues[d as usize].capacity as usize {
                dq.counters.published += 1;
                // Parked for inspection: it no longer keeps the order open.
                dq.push_ready(QueuedMsg {
                    order: OrderKey::default(),
                    ..msg
                });
            } else {
                dq.counters.refused += 1;
            }
        }
        self.release(m, msg.order);
    }

    /// Delivers ready messages of `q` to its consumer's replicas, within prefetch.
    fn dispatch(&mut self, m: &Model, q: QueueId) {
        if !self.broker_up {
            return;
        }
        let Some(c) = self.consumer_of[q as usize] else {
            return;
        };
        let cm = &m.consumers[c as usize];
        let svc = cm.service;
        if !self.services[svc as usize].up {
            return;
        }
        if cm
            .pause_while_open
            .is_some_and(|b| self.breakers[b as usize].state() == BreakerState::Open)
        {
            return;
        }
        let ttl = m.queues[q as usize].ttl_us;
        let visibility = m.queues[q as usize].visibility_timeout_us;
        let Some(broker) = m.broker_service else {
            return;
        };
        loop {
            // Expired messages leave from the front (the oldest first).
            if let Some(ttl) = ttl {
                while let Some(front) = self.queues[q as usize].ready.front() {
                    if self.now.since(front.enqueued_at) < ttl {
                        break;
                    }
                    let msg = self.queues[q as usize].ready.pop_front().expect("peeked");
                    self.dead_letter(m, q, msg, Reason::Expired);
                }
            }
            if self.queues[q as usize].ready.is_empty() {
                return;
            }
            let active = self.services[svc as usize].active_replicas as usize;
            let cs = &mut self.consumers[c as usize];
            if cs.unacked.len() < self.services[svc as usize].replicas.len() {
                cs.unacked
                    .resize(self.services[svc as usize].replicas.len(), 0);
            }
            let eligible = |r: usize| cs.unacked[r] < cm.prefetch;
            let pick = match cm.dispatch {
                Dispatch::RoundRobin => (0..active)
                    .map(|i| (cs.next_replica + i) % active)
                    .find(|&r| eligible(r)),
                Dispatch::LeastBusy => (0..active)
                    .filter(|&r| eligible(r))
                    .min_by_key(|&r| (cs.unacked[r], r)),
            };
            let Some(r) = pick else { return };
            cs.next_replica = (r + 1) % active.max(1);
            cs.unacked[r] += 1;
            let qs = &mut self.queues[q as usize];
            let mut msg = qs.ready.pop_front().expect("non-empty");
            msg.attempts += 1;
            qs.counters.delivered += 1;
            let k = qs.inflight.insert(Inflight {
                msg,
                replica: r as u16,
                handler: None,
            });
            let body = Body::Deliver {
                queue: q,
                inflight: k,
                attempt: msg.attempts,
                replica: r as u16,
                label: msg.label,
            };
            self.send(m, broker, svc, msg.order, body);
            self.timeout(visibility, Event::Visibility(q, k));
        }
    }

    fn breaker_changed(&mut self, m: &Model, b: BreakerId, state: BreakerState) {
        self.trace(m, TraceKind::Breaker { breaker: b, state });
        match state {
            BreakerState::Open => {
                let breaker = &self.breakers[b as usize];
                let (at, epoch) = (breaker.reset_at(), breaker.epoch());
                self.schedule(at, Event::BreakerReset(b, epoch));
            }
            BreakerState::HalfOpen | BreakerState::Closed => {
                for (q, c) in self.consumer_of.clone().into_iter().enumerate() {
                    if c.is_some_and(|c| m.consumers[c as usize].pause_while_open == Some(b)) {
                        self.dispatch(m, q as QueueId);
                    }
                }
            }
        }
    }

    // ----- commands -----

    fn validate_command(&self, m: &Model, cmd: &Command) -> Result<(), CommandError> {
        let service = |id: &str| {
            m.service_index(id)
                .ok_or_else(|| CommandError(format!("service: no service {id:?}")))
        };
        let rate = |r: f64, field: &str| {
            if (0.0..=1.0).contains(&r) {
                Ok(())
            } else {
                Err(CommandError(format!("{field}: must be between 0 and 1")))
            }
        };
        match cmd {
            Command::SetUp { service: s, .. } => service(s).map(|_| ()),
            Command::SetLatencyFactor { service: s, factor } => {
                service(s)?;
                if factor.is_finite() && *factor > 0.0 && *factor <= 1_000.0 {
                    Ok(())
                } else {
                    Err(CommandError("factor: must be > 0 and at most 1000".into()))
                }
            }
            Command::SetErrorRate {
                service: s,
                rate: r,
            } => {
                service(s)?;
                rate(*r, "rate")
            }
            Command::SetDropRate {
                service: s,
                rate: r,
            } => {
                service(s)?;
                rate(*r, "rate")
            }
            Command::SetReplicas {
                service: s,
                replicas,
            } => {
                let i = service(s)?;
                if m.services[i as usize].kind == ServiceKind::Client
                    || m.services[i as usize].kind == ServiceKind::Broker
                {
                    return Err(CommandError(
                        "service: clients and brokers have no replicas".into(),
                    ));
                }
                if (1..=bounds::REPLICAS).contains(replicas) {
                    Ok(())
                } else {
                    Err(CommandError(format!(
                        "replicas: must be between 1 and {}",
                        bounds::REPLICAS
                    )))
                }
            }
            Command::RestartBroker { downtime_ms } => {
                if m.broker_service.is_none() {
                    Err(CommandError("the scenario has no broker".into()))
                } else if *downtime_ms > bounds::DURATION_MS {
                    Err(CommandError("downtime_ms: too long".into()))
                } else {
                    Ok(())
                }
            }
        }
    }

    fn execute(&mut self, m: &Model, cmd: &Command, scheduled: bool) {
        self.peeked = None;
        self.trace(
            m,
            TraceKind::Command {
                command: cmd.clone(),
                scheduled,
            },
        );
        let sid = |id: &str| m.service_index(id).expect("commands are validated");
        match cmd {
            Command::SetUp { service, up } => self.set_up(m, sid(service), *up),
            Command::SetLatencyFactor { service, factor } => {
                self.services[sid(service) as usize].latency_factor = *factor
            }
            Command::SetErrorRate { service, rate } => {
                self.services[sid(service) as usize].error_rate = *rate
            }
            Command::SetDropRate { service, rate } => {
                self.services[sid(service) as usize].drop_rate = *rate
            }
            Command::SetReplicas { service, replicas } => {
                self.set_replicas(m, sid(service), *replicas)
            }
            Command::RestartBroker { downtime_ms } => self.restart_broker(m, *downtime_ms),
        }
    }

    fn set_up(&mut self, m: &Model, s: ServiceId, up: bool) {
        if self.services[s as usize].up == up {
            return;
        }
        self.integrate(s);
        self.services[s as usize].up = up;
        self.trace(m, TraceKind::ServiceUp { service: s, up });
        if up {
            for q in 0..self.queues.len() {
                if self.consumer_of[q].is_some_and(|c| m.consumers[c as usize].service == s) {
                    self.dispatch(m, q as QueueId);
                }
            }
            return;
        }
        // Down: everything the service was doing is lost. Parked handlers
        // live in its memory too.
        let victims: Vec<ActKey> = self
            .acts
            .iter()
            .filter(|(_, a)| a.service == s)
            .map(|(k, _)| k)
            .collect();
        let st = &mut self.services[s as usize];
        st.inbox.clear();
        for r in st.replicas.iter_mut() {
            r.buffer.clear();
            r.busy = 0;
        }
        st.busy = 0;
        st.buffered = 0;
        for a in victims {
            let act = self.acts.remove(a).expect("collected above");
            if let Some(b) = act.probe
                && let Some(state) = self.breakers[b as usize].record(self.now, false, true)
            {
                self.breaker_changed(m, b, state);
            }
            if let Some(order) = self.orders.get_mut(act.order)
                && order.parked == Some(a)
            {
                order.parked = None;
            }
            self.release(m, act.order);
        }
    }

    fn set_replicas(&mut self, m: &Model, s: ServiceId, n: u32) {
        self.integrate(s);
        let st = &mut self.services[s as usize];
        st.active_replicas = n;
        if st.replicas.len() < n as usize {
            st.replicas.resize(n as usize, Replica::default());
        }
        // New workers pick up queued requests.
        let conc = m.services[s as usize].concurrency;
        loop {
            let st = &mut self.services[s as usize];
            if st.inbox.is_empty() {
                break;
            }
            let free = (0..n as usize)
                .filter(|&r| st.replicas[r].busy < conc)
                .min_by_key(|&r| (st.replicas[r].busy, r));
            let Some(r) = free else { break };
            let a = st.inbox.pop_front().expect("non-empty");
            self.start_work(m, a, r as u16);
        }
        for q in 0..self.queues.len() {
            if self.consumer_of[q].is_some_and(|c| m.consumers[c as usize].service == s) {
                self.dispatch(m, q as QueueId);
            }
        }
    }

    /// A restart keeps durable messages, including those delivered and not
    /// yet acknowledged: they stay invisible until acknowledged or until
    /// their visibility timeout runs out, so a consumer still working on one
    /// is never joined by a second delivery. Transient queues lose everything.
    fn restart_broker(&mut self, m: &Model, downtime_ms: u64) {
        let mut lost = 0u32;
        for q in 0..self.queues.len() {
            if m.queues[q].durable {
                continue;
            }
            if let Some(c) = self.consumer_of[q] {
                self.consumers[c as usize]
                    .unacked
                    .iter_mut()
                    .for_each(|n| *n = 0);
            }
            for msg in self.queues[q].drain_all() {
                lost += 1;
                self.queues[q].counters.lost += 1;
                if let Some(order) = self.orders.get_mut(msg.order) {
                    order.lost_messages += 1;
                }
                self.trace(
                    m,
                    TraceKind::MessageLost {
                        queue: q as QueueId,
                        order: msg.order_id,
                    },
                );
                // Parked dead letters hold no reference to their order.
                if !m.queues[q].is_dead_letter_queue {
                    self.release(m, msg.order);
                }
            }
        }
        self.trace(m, TraceKind::BrokerRestart { lost });
        self.broker_up = false;
        self.after(downtime_ms * 1_000, Event::BrokerUp);
    }

    // ----- invariants -----

    fn check_invariants(&self, m: &Model) -> Result<(), String> {
        // Stock is conserved per SKU.
        for (i, (name, initial)) in m.skus.iter().enumerate() {
            let l = self.stock[i];
            if l.available + l.reserved + l.shipped != u64::from(*initial) {
                return Err(format!(
                    "stock of {name} not conserved: {l:?}, initial {initial}"
                ));
            }
        }
        // Queue accounting: every stored message is waiting, in flight, acked,
        // dead-lettered or lost.
        for (q, qs) in self.queues.iter().enumerate() {
            let c = qs.counters;
            let accounted = c.acked + c.dead_lettered + c.lost + qs.held() as u64;
            if !m.queues[q].is_dead_letter_queue && c.published != accounted {
                return Err(format!(
                    "queue {} loses messages: published {} != acked {} + dead {} + lost {} + held {}",
                    m.queues[q].id,
                    c.published,
                    c.acked,
                    c.dead_lettered,
                    c.lost,
                    qs.held()
                ));
            }
            if m.queues[q].durable && c.lost > 0 {
                return Err(format!(
                    "durable queue {} lost {} messages",
                    m.queues[q].id, c.lost
                ));
            }
            if qs.held() > m.queues[q].capacity as usize {
                return Err(format!("queue {} over capacity", m.queues[q].id));
            }
        }
        // No order captured twice, and service counters agree with replicas.
        for (s, st) in self.services.iter().enumerate() {
            let busy: u32 = st.replicas.iter().map(|r| r.busy).sum();
            let buffered: u32 = st.replicas.iter().map(|r| r.buffer.len() as u32).sum();
            if busy != st.busy || buffered != st.buffered {
                return Err(format!(
                    "service {} worker counts disagree",
                    m.services[s].id
                ));
            }
            if st.inbox.len() > m.services[s].queue_capacity as usize {
                return Err(format!(
                    "service {} request queue over capacity",
                    m.services[s].id
                ));
            }
        }
        if self.orders.len() > m.limits.max_live_orders as usize {
            return Err("more live orders than limits.max_live_orders".into());
        }
        Ok(())
    }
}

/// The kind and label a message shows on the diagram.
fn describe_body(body: &Body) -> (MsgKind, Label) {
    match *body {
        Body::Request {
            handler,
            reply: Reply::Poll { .. },
            ..
        } => (MsgKind::Poll, Label::Op(handler)),
        Body::Request { handler, .. } => (MsgKind::Request, Label::Op(handler)),
        Body::Response { accepted: true, .. } => (MsgKind::Response, Label::Accepted),
        Body::Response {
            reply: Reply::Poll { .. },
            result: CallResult::Ok,
            status,
            ..
        } => (MsgKind::Response, Label::Status(status)),
        Body::Response { result, .. } => (MsgKind::Response, result.label()),
        Body::Publish { label, .. } => (MsgKind::Event, Label::Publish(label)),
        Body::Confirm { ok, .. } => (MsgKind::Response, Label::Confirm(ok)),
        Body::Deliver { label, .. } => (MsgKind::Event, Label::Deliver(label)),
        Body::Ack { ok: true, .. } => (MsgKind::Response, Label::Ack),
        Body::Ack { ok: false, .. } => (MsgKind::Response, Label::Nack),
        Body::Callback { status, .. } => (MsgKind::Callback, Label::Status(status)),
        Body::CallbackAck { ok: true, .. } => (MsgKind::Response, Label::Ok),
        Body::CallbackAck { ok: false, .. } => (MsgKind::Response, Label::Failed(Reason::Rejected)),
        Body::Push { status } => (MsgKind::Push, Label::Status(status)),
        Body::Wake { event, .. } => (MsgKind::Event, Label::Event(event)),
    }
}
