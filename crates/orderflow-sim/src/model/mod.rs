//! A validated, compiled scenario: names resolved to indices, durations in
//! microseconds, every number checked against its range.
//!
//! [`Model::compile`] is the one place scenario meaning is checked. Every
//! problem is reported with the path of the field that causes it
//! (`handlers[2].steps[1].timeout_ms: must be > 0`), all of them at once, so
//! an author fixes a file in one pass.

use std::fmt;
use std::ops::RangeInclusive;

use crate::command::{Command, CommandError, ResolvedCommand};
use crate::rng::SimRng;
use crate::scenario::*;
use crate::time::SimTime;

mod claims;
mod compile;
mod flow;
mod topology;
mod workload;

use compile::Compiler;

pub use crate::ids::{
    BreakerId, BudgetId, ConsumerId, EventId, ExchangeId, FaultId, FlagId, HandlerId, IdVec,
    MessageNameId, QueueId, ServiceId, SkuId, StatusId, StepId,
};

/// Status every order has before anything is written.
pub const STATUS_PENDING: StatusId = StatusId::new(0);
/// Terminal status: the order went through.
pub const STATUS_COMPLETED: StatusId = StatusId::new(1);
/// Terminal status: the order failed.
pub const STATUS_FAILED: StatusId = StatusId::new(2);

/// Upper bounds checked on every scenario (a limit on everything).
pub mod bounds {
    pub const SERVICES: usize = 64;
    pub const HANDLERS: usize = 256;
    pub const STEPS: usize = 32;
    pub const QUEUES: usize = 64;
    pub const REPLICAS: u32 = 256;
    pub const CONCURRENCY: u32 = 4_096;
    pub const SERVICE_QUEUE: u32 = 1_000_000;
    pub const BROKER_QUEUE: u32 = 10_000_000;
    pub const RETRIES: u32 = 20;
    /// Retry budgets in a scenario, and tokens in one.
    pub const BUDGETS: usize = 256;
    pub const BUDGET_TOKENS: u32 = 100_000;
    pub const DELIVERIES: u32 = 100;
    pub const PREFETCH: u32 = 10_000;
    pub const EVENTS: usize = 32;
    pub const STATUSES: usize = 64;
    pub const FLAGS: usize = 16;
    pub const ORDERS: u64 = 100_000_000;
    pub const DURATION_MS: u64 = 7 * 24 * 3_600_000;
    /// One-click faults per scenario.
    pub const ONE_CLICK_FAULTS: usize = 16;
    /// Latest moment a scenario names (a fault's `at_ms`): ten years.
    pub const INSTANT_MS: u64 = 10 * 365 * 24 * 3_600_000;
    pub const LATENCY_MS: f64 = 3_600_000.0;
    pub const LIVE_ORDERS: u32 = 10_000_000;
    pub const TRACE_BUFFER: u32 = 50_000_000;
    pub const COMMANDS: u32 = 1_000_000;
    /// Timed commands waiting at once in one run. The playground's share
    /// links carry at most this many commands, so a link's waiting ones
    /// always fit.
    pub const TIMED_COMMANDS: usize = 500;
    pub const SERIES_POINTS: u32 = 1_000_000;
    /// Units of one SKU a `set_stock` command may set.
    pub const STOCK_UNITS: u32 = 100_000_000;
}

/// A problem with a scenario: where, and what.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScenarioError {
    /// JSON path of the offending field (`handlers[2].steps[1].timeout_ms`).
    pub path: String,
    /// What is wrong with it.
    pub message: String,
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

impl std::error::Error for ScenarioError {}

/// All the problems of a scenario.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScenarioErrors(pub Vec<ScenarioError>);

impl fmt::Display for ScenarioErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ScenarioErrors {}

impl From<ScenarioError> for ScenarioErrors {
    fn from(e: ScenarioError) -> Self {
        ScenarioErrors(vec![e])
    }
}

/// A latency distribution compiled to microseconds.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Dist {
    Constant(f64),
    Uniform(f64, f64),
    Exponential(f64),
    /// `exp(mu + sigma * Z)` microseconds.
    LogNormal {
        mu: f64,
        sigma: f64,
    },
}

impl Dist {
    fn from_latency(l: &Latency) -> Dist {
        match *l {
            Latency::Constant(ms) => Dist::Constant(ms * 1e3),
            Latency::Uniform([lo, hi]) => Dist::Uniform(lo * 1e3, hi * 1e3),
            Latency::Exponential(mean) => Dist::Exponential(mean * 1e3),
            Latency::LogNormal { median_ms, sigma } => Dist::LogNormal {
                mu: libm::log(median_ms * 1e3),
                sigma,
            },
        }
    }

    /// A draw in whole microseconds, scaled by `factor`. Constant
    /// distributions draw nothing from the generator.
    pub fn sample_us(&self, rng: &mut SimRng, factor: f64) -> u64 {
        let us = match *self {
            Dist::Constant(c) => c,
            Dist::Uniform(lo, hi) => lo + (hi - lo) * rng.unit(),
            Dist::Exponential(mean) => rng.exponential(mean),
            Dist::LogNormal { mu, sigma } => libm::exp(mu + sigma * rng.standard_normal()),
        };
        // Rounded to the microsecond; `as` saturates, and the bounds checked
        // at compile time keep the product far below u64::MAX.
        libm::round(us * factor) as u64
    }

    /// The mean in microseconds (for display and sanity checks).
    pub fn mean_us(&self) -> f64 {
        match *self {
            Dist::Constant(c) => c,
            Dist::Uniform(lo, hi) => (lo + hi) / 2.0,
            Dist::Exponential(mean) => mean,
            Dist::LogNormal { mu, sigma } => libm::exp(mu + sigma * sigma / 2.0),
        }
    }
}

/// A compiled service.
#[derive(Clone, Debug)]
pub struct ServiceModel {
    pub id: String,
    pub label: String,
    pub kind: ServiceKind,
    pub replicas: u32,
    pub concurrency: u32,
    pub queue_capacity: u32,
    pub latency: Dist,
    pub error_rate: f64,
    pub balancer: Balancer,
    pub scale_in: ScaleIn,
}

/// A compiled effect.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EffectModel {
    None,
    RecordOrder,
    ReserveStock,
    ReleaseStock,
    Charge,
    Refund,
    ProviderCharge,
    Ship,
    CancelShipment,
    Notify,
    WriteStatus,
    ReadStatus,
    IssueId,
    Mark(FlagId),
    Unmark(FlagId),
}

/// A compiled call policy (for `call` steps, compensations and fallbacks).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CallPolicy {
    pub target: HandlerId,
    pub timeout_us: u64,
    pub retries: u32,
    pub backoff: BackoffModel,
    pub breaker: Option<BreakerId>,
    /// The call site's retry budget, if it has one.
    pub budget: Option<BudgetId>,
}

// Backoff and retry budgets live in `retry.rs` (pure, with their own tests).
pub use crate::retry::{BackoffModel, BudgetModel};

/// A compiled fallback.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum FallbackModel {
    Backup(CallPolicy),
    /// Destination and message name.
    QueueForRetry(Destination, MessageNameId),
}

/// Where a publish goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Destination {
    Queue(QueueId),
    Exchange(ExchangeId),
}

/// A compiled step.
#[derive(Clone, Debug, PartialEq)]
pub enum StepModel {
    Call {
        policy: CallPolicy,
        fallback: Option<FallbackModel>,
        /// The fallback is taken only when the call's breaker is open
        /// (`queue-when-open`, `backup-provider`).
        fallback_when_open: bool,
        mandatory: bool,
        compensate: Option<Compensation>,
    },
    Send {
        target: HandlerId,
        compensate: Option<Compensation>,
    },
    Publish {
        to: Destination,
        /// Index into [`Model::messages`].
        message: MessageNameId,
        mandatory: bool,
    },
    /// Answer the client early with this HTTP status (202, or 200).
    Accept {
        code: u16,
    },
    /// Tell the client this status if a call was answered deferred.
    AnswerIfQueued {
        status: StatusId,
    },
    Status {
        value: StatusId,
        mandatory: bool,
    },
    Notify {
        status: StatusId,
    },
    Complete {
        status: StatusId,
    },
    Work {
        latency: Dist,
        label: String,
    },
    Wait {
        event: EventId,
        timeout_us: u64,
    },
    Emit {
        event: EventId,
    },
}

impl StepModel {
    /// The compensation registered by this step, if any.
    pub fn compensation(&self) -> Option<CallPolicy> {
        self.compensate().map(|c| c.policy)
    }

    /// The compensation with its mode, if any.
    pub fn compensate(&self) -> Option<Compensation> {
        match self {
            StepModel::Call { compensate, .. } | StepModel::Send { compensate, .. } => *compensate,
            _ => None,
        }
    }
}

/// How a step is undone: the call, and whether it is only sent
/// (fire-and-forget) rather than awaited.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Compensation {
    pub policy: CallPolicy,
    pub send: bool,
}

/// A SKU's restock schedule: up to `units` more every `every_us`, never
/// above `max_units` available.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RestockModel {
    pub sku: SkuId,
    pub every_us: u64,
    pub units: u32,
    pub max_units: u32,
}

/// A compiled handler.
#[derive(Clone, Debug)]
pub struct HandlerModel {
    pub service: ServiceId,
    /// `"service.op"`.
    pub name: String,
    pub op: String,
    pub effect: EffectModel,
    pub steps: IdVec<StepId, StepModel>,
    pub emits: Option<EventId>,
    pub latency: Option<Dist>,
    pub visibility_lag_us: u64,
    /// True if one of its steps is `complete`: this handler tells the client
    /// how the order ended, also when it fails for good.
    pub completes: bool,
}

/// A compiled queue.
#[derive(Clone, Debug)]
pub struct QueueModel {
    pub id: String,
    pub durable: bool,
    pub capacity: u32,
    pub visibility_timeout_us: u64,
    pub max_deliveries: u32,
    pub redelivery_backoff: BackoffModel,
    pub ttl_us: Option<u64>,
    pub dead_letter: Option<QueueId>,
    /// Sent the order when a message of an accepted order is dead-lettered.
    pub rollback: Option<HandlerId>,
    /// True if another queue names this one as its dead-letter queue.
    pub is_dead_letter_queue: bool,
    /// Its consumer's work leads (through calls, sends, publishes and
    /// events) to a handler that tells the client how the order ended. A
    /// message dead-lettered from a queue that does not (a side reader,
    /// pizza's OrderHistory) does not fail the order.
    pub leads_to_outcome: bool,
}

/// A compiled exchange.
#[derive(Clone, Debug)]
pub struct ExchangeModel {
    pub id: String,
    pub kind: ExchangeKind,
    pub queues: Vec<QueueId>,
}

/// A compiled consumer.
#[derive(Clone, Debug)]
pub struct ConsumerModel {
    pub queue: QueueId,
    pub handler: HandlerId,
    pub service: ServiceId,
    pub dispatch: Dispatch,
    pub prefetch: u32,
    pub pause_while_open: Option<BreakerId>,
}

/// A compiled circuit breaker: the scenario's settings (opossum's options and
/// the document's `failureThreshold`) with durations in microseconds. (Its
/// `timeout` caps the timeout of every call policy through it, so it lives
/// in those policies too.)
#[derive(Clone, Debug, PartialEq)]
pub struct BreakerModel {
    pub id: String,
    /// Failures in a row that open it (`failureThreshold`), if set.
    pub failure_threshold: Option<u32>,
    /// `errorThresholdPercentage`, 0 to 100.
    pub error_threshold_percentage: f64,
    /// The rolling window (`rollingCountTimeout`).
    pub rolling_count_timeout_us: u64,
    pub rolling_count_buckets: u32,
    pub volume_threshold: u32,
    /// `timeout`: a call through it fails after this.
    pub timeout_us: u64,
    /// How long it stays open before letting a trial call through.
    pub reset_timeout_us: u64,
    pub half_open_trial_calls: u32,
}

/// Compiled polling settings.
#[derive(Clone, Debug)]
pub struct PollingModel {
    pub target: HandlerId,
    pub write: HandlerId,
    pub interval_us: u64,
    pub max_polls: u32,
    pub id_source: IdSource,
    pub id_service: Option<HandlerId>,
    pub timeout_us: u64,
}

/// Compiled callback settings.
#[derive(Clone, Debug)]
pub struct CallbackModel {
    pub max_attempts: u32,
    pub timeout_us: u64,
    pub backoff: BackoffModel,
    pub failure_rate: f64,
}

/// Compiled stream settings (SSE, WebSocket).
#[derive(Clone, Debug)]
pub struct StreamModel {
    pub drop_rate: f64,
    pub reconnect_us: u64,
    pub max_reconnects: u32,
    /// WebSocket: read the status after reconnecting (through this handler,
    /// the polling target).
    pub resync: Option<HandlerId>,
}

/// The compiled client.
#[derive(Clone, Debug)]
pub struct ClientModel {
    pub service: ServiceId,
    pub entry: HandlerId,
    pub completion: Completion,
    pub allowed: Vec<Completion>,
    pub timeout_us: u64,
    pub polling: Option<PollingModel>,
    pub callback: CallbackModel,
    /// The id source a run uses unless it chooses another.
    pub id_source: IdSource,
    /// The handler handing out ids (`client.id_service`), if any.
    pub id_service: Option<HandlerId>,
    pub stream: StreamModel,
    /// The HTTP status of the entry handler's early answer (202 by default).
    pub accept_code: u16,
    /// Retries of the order request on a response timeout.
    pub retry: Option<ClientRetryModel>,
}

/// The client's compiled retry policy.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ClientRetryModel {
    pub retries: u32,
    pub backoff: BackoffModel,
    pub budget: Option<BudgetId>,
}

/// Compiled arrivals.
#[derive(Clone, Debug)]
pub enum ArrivalModel {
    Single,
    Constant {
        interval_us: f64,
    },
    Poisson {
        mean_gap_us: f64,
    },
    /// `(until, rate per µs)`; the last rate holds forever.
    Surge {
        segments: Vec<(SimTime, f64)>,
    },
}

/// A compiled requirement.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RequirementModel {
    StockReserved,
    Paid,
    Shipped,
    Flag(FlagId),
}

/// A compiled scenario, ready to run.
#[derive(Clone, Debug)]
pub struct Model {
    /// The source, kept for names, display and export.
    pub scenario: Scenario,
    pub network: Dist,
    pub services: IdVec<ServiceId, ServiceModel>,
    pub handlers: IdVec<HandlerId, HandlerModel>,
    pub broker_service: Option<ServiceId>,
    pub queues: IdVec<QueueId, QueueModel>,
    pub exchanges: IdVec<ExchangeId, ExchangeModel>,
    pub consumers: IdVec<ConsumerId, ConsumerModel>,
    pub breakers: IdVec<BreakerId, BreakerModel>,
    /// Retry budgets: one per call site that declares one, and the client's.
    pub budgets: IdVec<BudgetId, BudgetModel>,
    pub client: ClientModel,
    /// The inventory service, if any, and its SKUs with initial stock.
    pub inventory: Option<ServiceId>,
    pub skus: IdVec<SkuId, (String, u32)>,
    /// The SKUs restocked on a schedule, in SKU order.
    pub restock: Vec<RestockModel>,
    /// Order mix: `(sku, weight, qty)`.
    pub mix: Vec<(SkuId, u32, u32)>,
    pub mix_weights: Vec<u32>,
    pub arrival: ArrivalModel,
    pub orders: u64,
    /// Scheduled commands from `services[].down` and `faults`, in that
    /// declaration order (the event queue sorts them by time).
    pub faults: IdVec<FaultId, (SimTime, Command)>,
    pub requires: Vec<RequirementModel>,
    pub events: IdVec<EventId, String>,
    pub statuses: IdVec<StatusId, String>,
    /// `terminal[status]`: the status ends an order (success or failure).
    pub terminal: IdVec<StatusId, bool>,
    pub flags: IdVec<FlagId, String>,
    /// Names of published messages.
    pub messages: IdVec<MessageNameId, String>,
    pub limits: Limits,
    /// `limits.sample_interval_ms` in microseconds.
    pub sample_interval_us: u64,
    /// Faults offered as one button each, checked against this model.
    pub one_click_faults: Vec<OneClickFaultModel>,
}

/// A one-click fault: `on` now, `off` after `duration`.
#[derive(Clone, Debug, PartialEq)]
pub struct OneClickFaultModel {
    pub label: String,
    pub on: Command,
    pub off: Command,
    pub duration: SimTime,
}

impl Model {
    /// Parses and compiles scenario JSON.
    pub fn from_json(text: &str) -> Result<Model, ScenarioErrors> {
        Model::compile(Scenario::from_json(text)?)
    }

    /// Validates `scenario` and compiles it. Every problem found is reported.
    pub fn compile(scenario: Scenario) -> Result<Model, ScenarioErrors> {
        let mut c = Compiler::new(&scenario);
        match c.run() {
            Some(model) if c.errors.is_empty() => Ok(model),
            _ => Err(ScenarioErrors(c.errors)),
        }
    }

    /// True if a run with `id_source` uses service `s`. The id service is
    /// the one service a run option can leave out: a service whose every
    /// handler hands out ids is used only when ids come from it. The app
    /// leaves unused services out of the diagram.
    pub fn uses_service(&self, s: ServiceId, id_source: IdSource) -> bool {
        if id_source == IdSource::IdService {
            return true;
        }
        let mut handlers = self.handlers.iter().filter(|h| h.service == s).peekable();
        let only_ids =
            handlers.peek().is_some() && handlers.all(|h| h.effect == EffectModel::IssueId);
        !only_ids
    }

    /// Index of the service with this id.
    pub fn service_index(&self, id: &str) -> Option<ServiceId> {
        self.services.position(|s| s.id == id)
    }

    /// Index of the handler `"service.op"`.
    pub fn handler_index(&self, name: &str) -> Option<HandlerId> {
        self.handlers.position(|h| h.name == name)
    }

    /// Index of the broker queue with this id.
    pub fn queue_index(&self, id: &str) -> Option<QueueId> {
        self.queues.position(|q| q.id == id)
    }

    /// Index of the circuit breaker with this id.
    pub fn breaker_index(&self, id: &str) -> Option<BreakerId> {
        self.breakers.position(|b| b.id == id)
    }

    /// Index of the status value with this name (`"SUCCESS"`).
    pub fn status_index(&self, name: &str) -> Option<StatusId> {
        self.statuses.position(|s| s == name)
    }

    /// Index of the order event with this name (`"OrderPlaced"`).
    pub fn event_index(&self, name: &str) -> Option<EventId> {
        self.events.position(|e| e == name)
    }

    /// Index of the SKU with this name in [`Model::skus`].
    pub fn sku_index(&self, name: &str) -> Option<SkuId> {
        self.skus.position(|(k, _)| k == name)
    }

    /// Checks a command against this model: the service exists and takes
    /// this kind of command, numbers are in range. The error names the field.
    pub fn resolve_command(&self, cmd: &Command) -> Result<ResolvedCommand, CommandError> {
        let m = self;
        let service = |id: &str| {
            m.service_index(id)
                .ok_or_else(|| CommandError(format!("service: no service {id:?}")))
        };
        let rate = |r: f64, field: &str| {
            if (0.0..=1.0).contains(&r) {
                Ok(r)
            } else {
                Err(CommandError(format!("{field}: must be between 0 and 1")))
            }
        };
        Ok(match cmd {
            Command::SetUp { service: s, up } => ResolvedCommand::SetUp {
                service: service(s)?,
                up: *up,
            },
            Command::SetLatencyFactor { service: s, factor } => {
                let service = service(s)?;
                if !(factor.is_finite() && *factor > 0.0 && *factor <= 1_000.0) {
                    return Err(CommandError("factor: must be > 0 and at most 1000".into()));
                }
                ResolvedCommand::SetLatencyFactor {
                    service,
                    factor: *factor,
                }
            }
            Command::SetErrorRate {
                service: s,
                rate: r,
            } => ResolvedCommand::SetErrorRate {
                service: service(s)?,
                rate: rate(*r, "rate")?,
            },
            Command::SetDropRate {
                service: s,
                rate: r,
            } => ResolvedCommand::SetDropRate {
                service: service(s)?,
                rate: rate(*r, "rate")?,
            },
            Command::SetReplicas {
                service: s,
                replicas,
            } => {
                let i = service(s)?;
                if matches!(
                    m.services[i].kind,
                    ServiceKind::Client | ServiceKind::Broker
                ) {
                    return Err(CommandError(
                        "service: clients and brokers have no replicas".into(),
                    ));
                }
                if !(1..=bounds::REPLICAS).contains(replicas) {
                    return Err(CommandError(format!(
                        "replicas: must be between 1 and {}",
                        bounds::REPLICAS
                    )));
                }
                ResolvedCommand::SetReplicas {
                    service: i,
                    replicas: *replicas,
                }
            }
            Command::RestartBroker { downtime_ms } => {
                if m.broker_service.is_none() {
                    return Err(CommandError("kind: the scenario has no broker".into()));
                }
                let downtime_us = ms_to_us(*downtime_ms, 0..=bounds::DURATION_MS)
                    .map_err(|e| CommandError(format!("downtime_ms: {e}")))?;
                ResolvedCommand::RestartBroker { downtime_us }
            }
            Command::SetStock { sku, units } => self.resolve_set_stock(sku, *units)?,
        })
    }

    /// `set_stock`: a SKU the inventory holds, a count within bounds.
    fn resolve_set_stock(&self, sku: &str, units: u32) -> Result<ResolvedCommand, CommandError> {
        if self.inventory.is_none() {
            return Err(CommandError("sku: the scenario has no inventory".into()));
        }
        let held = self.scenario.services.iter().find_map(|s| s.stock.as_ref());
        let sku_id = self
            .sku_index(sku)
            .filter(|_| held.is_some_and(|h| h.contains_key(sku)))
            .ok_or_else(|| CommandError(format!("sku: the inventory holds no {sku:?}")))?;
        if units > bounds::STOCK_UNITS {
            return Err(CommandError(format!(
                "units: must be at most {}",
                bounds::STOCK_UNITS
            )));
        }
        Ok(ResolvedCommand::SetStock { sku: sku_id, units })
    }

    /// True if a status value ends an order.
    pub fn is_terminal_status(&self, status: StatusId) -> bool {
        self.terminal.get(status).copied().unwrap_or(false)
    }
}

/// Milliseconds of a scenario field in microseconds, if `ms` is within
/// `range`: the one place a scenario's millisecond values become engine
/// time, so a value out of range is an error naming its field, never an
/// overflow.
pub fn ms_to_us(ms: u64, range: RangeInclusive<u64>) -> Result<u64, String> {
    if ms < *range.start() {
        return Err(match range.start() {
            1 => "must be > 0".to_owned(),
            min => format!("must be at least {min}"),
        });
    }
    if ms > *range.end() {
        return Err(if *range.end() == bounds::DURATION_MS {
            format!("must be at most {} (7 days)", bounds::DURATION_MS)
        } else {
            format!("must be at most {}", range.end())
        });
    }
    ms.checked_mul(1_000)
        .ok_or_else(|| format!("must be at most {}", u64::MAX / 1_000))
}
