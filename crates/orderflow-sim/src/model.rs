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

pub use crate::ids::{BreakerId, EventId, HandlerId, QueueId, ServiceId, StatusId};

/// Status every order has before anything is written.
pub const STATUS_PENDING: StatusId = 0;
/// Terminal status: the order went through.
pub const STATUS_COMPLETED: StatusId = 1;
/// Terminal status: the order failed.
pub const STATUS_FAILED: StatusId = 2;

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
    pub const SERIES_POINTS: u32 = 1_000_000;
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
    Mark(u8),
}

/// A compiled call policy (for `call` steps, compensations and fallbacks).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CallPolicy {
    pub target: HandlerId,
    pub timeout_us: u64,
    pub retries: u32,
    pub backoff: BackoffModel,
    pub breaker: Option<BreakerId>,
}

/// Compiled backoff, microseconds.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BackoffModel {
    pub base_us: u64,
    pub max_us: u64,
    pub jitter: f64,
}

impl BackoffModel {
    /// The delay before retry number `attempt` (0 = first retry):
    /// `min(max, base × 2^attempt)`, less a random share `jitter` of it.
    pub fn delay_us(&self, attempt: u32, rng: &mut SimRng) -> u64 {
        let exp = self.base_us.saturating_mul(1u64 << attempt.min(40));
        let capped = exp.min(self.max_us).max(1);
        if self.jitter <= 0.0 {
            return capped;
        }
        let cut = libm::floor(capped as f64 * self.jitter * rng.unit()) as u64;
        (capped - cut).max(1)
    }
}

/// A compiled fallback.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum FallbackModel {
    Backup(CallPolicy),
    /// Destination and message name.
    QueueForRetry(Destination, u16),
}

/// Where a publish goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Destination {
    Queue(QueueId),
    Exchange(u16),
}

/// A compiled step.
#[derive(Clone, Debug, PartialEq)]
pub enum StepModel {
    Call {
        policy: CallPolicy,
        fallback: Option<FallbackModel>,
        mandatory: bool,
        compensate: Option<CallPolicy>,
    },
    Send {
        target: HandlerId,
        compensate: Option<CallPolicy>,
    },
    Publish {
        to: Destination,
        /// Index into [`Model::messages`].
        message: u16,
        mandatory: bool,
    },
    Accept,
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
        match self {
            StepModel::Call { compensate, .. } | StepModel::Send { compensate, .. } => *compensate,
            _ => None,
        }
    }
}

/// A compiled handler.
#[derive(Clone, Debug)]
pub struct HandlerModel {
    pub service: ServiceId,
    /// `"service.op"`.
    pub name: String,
    pub op: String,
    pub effect: EffectModel,
    pub steps: Vec<StepModel>,
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
    /// True if another queue names this one as its dead-letter queue.
    pub is_dead_letter_queue: bool,
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
    Flag(u8),
}

/// A compiled scenario, ready to run.
#[derive(Clone, Debug)]
pub struct Model {
    /// The source, kept for names, display and export.
    pub scenario: Scenario,
    pub network: Dist,
    pub services: Vec<ServiceModel>,
    pub handlers: Vec<HandlerModel>,
    pub broker_service: Option<ServiceId>,
    pub queues: Vec<QueueModel>,
    pub exchanges: Vec<ExchangeModel>,
    pub consumers: Vec<ConsumerModel>,
    pub breakers: Vec<BreakerSpec>,
    pub client: ClientModel,
    /// The inventory service, if any, and its SKUs with initial stock.
    pub inventory: Option<ServiceId>,
    pub skus: Vec<(String, u32)>,
    /// Order mix: `(sku index, weight, qty)`.
    pub mix: Vec<(u16, u32, u32)>,
    pub mix_weights: Vec<u32>,
    pub arrival: ArrivalModel,
    pub orders: u64,
    /// Scheduled commands from `services[].down` and `faults`, in that
    /// declaration order (the event queue sorts them by time).
    pub faults: Vec<(SimTime, Command)>,
    pub requires: Vec<RequirementModel>,
    pub events: Vec<String>,
    pub statuses: Vec<String>,
    /// `terminal[status]`: the status ends an order (success or failure).
    pub terminal: Vec<bool>,
    pub flags: Vec<String>,
    /// Names of published messages.
    pub messages: Vec<String>,
    pub limits: Limits,
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

    /// Index of the service with this id.
    pub fn service_index(&self, id: &str) -> Option<ServiceId> {
        index_of(self.services.iter().map(|s| s.id.as_str()), id)
    }

    /// Index of the handler `"service.op"`.
    pub fn handler_index(&self, name: &str) -> Option<HandlerId> {
        index_of(self.handlers.iter().map(|h| h.name.as_str()), name)
    }

    /// Index of the broker queue with this id.
    pub fn queue_index(&self, id: &str) -> Option<QueueId> {
        index_of(self.queues.iter().map(|q| q.id.as_str()), id)
    }

    /// Index of the circuit breaker with this id.
    pub fn breaker_index(&self, id: &str) -> Option<BreakerId> {
        index_of(self.breakers.iter().map(|b| b.id.as_str()), id)
    }

    /// Index of the status value with this name (`"SUCCESS"`).
    pub fn status_index(&self, name: &str) -> Option<StatusId> {
        index_of(self.statuses.iter().map(String::as_str), name)
    }

    /// Index of the order event with this name (`"OrderPlaced"`).
    pub fn event_index(&self, name: &str) -> Option<EventId> {
        index_of(self.events.iter().map(String::as_str), name)
    }

    /// Index of the SKU with this name in [`Model::skus`].
    pub fn sku_index(&self, name: &str) -> Option<u16> {
        index_of(self.skus.iter().map(|(k, _)| k.as_str()), name)
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
                    m.services[i as usize].kind,
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
                    return Err(CommandError("the scenario has no broker".into()));
                }
                if *downtime_ms > bounds::DURATION_MS {
                    return Err(CommandError("downtime_ms: too long".into()));
                }
                ResolvedCommand::RestartBroker {
                    downtime_us: downtime_ms * 1_000,
                }
            }
        })
    }

    /// True if a status value ends an order.
    pub fn is_terminal_status(&self, status: StatusId) -> bool {
        self.terminal.get(status as usize).copied().unwrap_or(false)
    }
}

/// Position of `name` among `names`, as the index type of its table (the
/// tables are bounded well below the index types' ranges, see [`bounds`]).
fn index_of<'a, I: TryFrom<usize>>(
    mut names: impl Iterator<Item = &'a str>,
    name: &str,
) -> Option<I> {
    names
        .position(|n| n == name)
        .and_then(|i| I::try_from(i).ok())
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

/// What the services section yields.
struct ServiceParts {
    services: Vec<ServiceModel>,
    inventory: Option<ServiceId>,
    skus: Vec<(String, u32)>,
    faults: Vec<(SimTime, Command)>,
}

/// What the broker section yields.
struct BrokerParts {
    service: Option<ServiceId>,
    queues: Vec<QueueModel>,
    exchanges: Vec<ExchangeModel>,
    consumers: Vec<ConsumerModel>,
}

/// Collects errors while compiling.
struct Compiler<'a> {
    s: &'a Scenario,
    errors: Vec<ScenarioError>,
    events: Vec<String>,
    statuses: Vec<String>,
    flags: Vec<String>,
    messages: Vec<String>,
    terminal_success: Vec<StatusId>,
}

fn intern(table: &mut Vec<String>, name: &str) -> usize {
    match table.iter().position(|n| n == name) {
        Some(i) => i,
        None => {
            table.push(name.to_owned());
            table.len() - 1
        }
    }
}

impl<'a> Compiler<'a> {
    fn new(s: &'a Scenario) -> Self {
        Compiler {
            s,
            errors: Vec::new(),
            events: Vec::new(),
            statuses: vec!["PENDING".into(), "COMPLETED".into(), "FAILED".into()],
            flags: Vec::new(),
            messages: Vec::new(),
            terminal_success: vec![STATUS_COMPLETED],
        }
    }

    fn err(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.errors.push(ScenarioError {
            path: path.into(),
            message: message.into(),
        });
    }

    fn check_id(&mut self, path: String, id: &str) {
        let ok = !id.is_empty()
            && id.len() <= 40
            && id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-');
        if !ok {
            self.err(
                path,
                format!("{id:?} is not a valid id (1-40 of a-z, 0-9, _ and -)"),
            );
        }
    }

    fn check_rate(&mut self, path: String, rate: f64) {
        if !(0.0..=1.0).contains(&rate) {
            self.err(path, format!("must be between 0 and 1, got {rate}"));
        }
    }

    /// A duration field (`timeout_ms`…): more than zero, at most
    /// [`bounds::DURATION_MS`]; in microseconds (0 after an error).
    fn duration_us(&mut self, path: String, ms: u64) -> u64 {
        self.ms_to_us(path, ms, 1..=bounds::DURATION_MS)
    }

    /// A duration that may be zero (a lag, a downtime, a backoff cap).
    fn span_us(&mut self, path: String, ms: u64) -> u64 {
        self.ms_to_us(path, ms, 0..=bounds::DURATION_MS)
    }

    /// A moment of the run (`at_ms`, `until_ms`), from its start.
    fn instant(&mut self, path: String, ms: u64) -> SimTime {
        SimTime(self.ms_to_us(path, ms, 0..=bounds::INSTANT_MS))
    }

    /// Converts a field through [`ms_to_us`], recording its error.
    fn ms_to_us(&mut self, path: String, ms: u64, range: RangeInclusive<u64>) -> u64 {
        ms_to_us(ms, range).unwrap_or_else(|message| {
            self.err(path, message);
            0
        })
    }

    fn latency(&mut self, path: String, l: &Latency) -> Dist {
        let finite_in_range = |v: f64| v.is_finite() && (0.0..=bounds::LATENCY_MS).contains(&v);
        match *l {
            Latency::Constant(v) | Latency::Exponential(v) if !finite_in_range(v) => {
                self.err(
                    path,
                    format!("must be between 0 and {} ms, got {v}", bounds::LATENCY_MS),
                );
            }
            Latency::Uniform([lo, hi])
                if !(finite_in_range(lo) && finite_in_range(hi) && lo <= hi) =>
            {
                self.err(
                    path,
                    format!(
                        "needs 0 <= low <= high <= {} ms, got [{lo}, {hi}]",
                        bounds::LATENCY_MS
                    ),
                );
            }
            Latency::LogNormal { median_ms, sigma } => {
                if !(finite_in_range(median_ms) && median_ms > 0.0) {
                    self.err(
                        format!("{path}.median_ms"),
                        format!("must be > 0 and <= {} ms", bounds::LATENCY_MS),
                    );
                }
                if !(sigma.is_finite() && (0.0..=3.0).contains(&sigma)) {
                    self.err(
                        format!("{path}.sigma"),
                        format!("must be between 0 and 3, got {sigma}"),
                    );
                }
            }
            _ => {}
        }
        Dist::from_latency(l)
    }

    fn backoff(&mut self, path: String, b: &Backoff) -> BackoffModel {
        let base_us = self.duration_us(format!("{path}.base_ms"), b.base_ms);
        if b.max_ms < b.base_ms {
            self.err(format!("{path}.max_ms"), "must be >= base_ms");
        }
        let max_us = self.span_us(format!("{path}.max_ms"), b.max_ms);
        self.check_rate(format!("{path}.jitter"), b.jitter);
        BackoffModel {
            base_us,
            max_us,
            jitter: b.jitter,
        }
    }

    fn service(&mut self, path: String, id: &str) -> ServiceId {
        match self.s.services.iter().position(|s| s.id == id) {
            Some(i) => i as ServiceId,
            None => {
                self.err(path, format!("no service {id:?}"));
                0
            }
        }
    }

    fn handler(&mut self, path: String, name: &str) -> HandlerId {
        match self
            .s
            .handlers
            .iter()
            .position(|h| format!("{}.{}", h.service, h.op) == name)
        {
            Some(i) => i as HandlerId,
            None => {
                let hint = if name.contains('.') {
                    ""
                } else {
                    " (write it as \"service.op\")"
                };
                self.err(path, format!("no handler {name:?}{hint}"));
                0
            }
        }
    }

    fn breaker(&mut self, path: String, id: &str) -> BreakerId {
        match self.s.breakers.iter().position(|b| b.id == id) {
            Some(i) => i as BreakerId,
            None => {
                self.err(path, format!("no breaker {id:?}"));
                0
            }
        }
    }

    fn destination(&mut self, path: String, to: &str) -> Destination {
        let broker = self.s.broker.as_ref();
        if let Some(q) = broker.and_then(|b| b.queues.iter().position(|q| q.id == to)) {
            return Destination::Queue(q as QueueId);
        }
        if let Some(x) = broker.and_then(|b| b.exchanges.iter().position(|x| x.id == to)) {
            return Destination::Exchange(x as u16);
        }
        self.err(path, format!("no queue or exchange {to:?}"));
        Destination::Queue(0)
    }

    fn event(&mut self, path: String, name: &str) -> EventId {
        let i = intern(&mut self.events, name);
        if i >= bounds::EVENTS {
            self.err(
                path,
                format!("more than {} distinct event names", bounds::EVENTS),
            );
        }
        i as EventId
    }

    fn status(&mut self, path: String, name: &str) -> StatusId {
        if name.is_empty() {
            self.err(path.clone(), "must not be empty");
        }
        let i = intern(&mut self.statuses, name);
        if i >= bounds::STATUSES {
            self.err(
                path,
                format!("more than {} distinct status values", bounds::STATUSES),
            );
        }
        i as StatusId
    }

    fn flag(&mut self, path: String, name: &str) -> u8 {
        let i = intern(&mut self.flags, name);
        if i >= bounds::FLAGS {
            self.err(path, format!("more than {} distinct flags", bounds::FLAGS));
        }
        i as u8
    }

    fn call_policy(
        &mut self,
        path: &str,
        target: &str,
        timeout_ms: u64,
        retries: u32,
        backoff: &Backoff,
        breaker: Option<&str>,
    ) -> CallPolicy {
        let target = self.handler(format!("{path}.target"), target);
        let mut timeout_us = self.duration_us(format!("{path}.timeout_ms"), timeout_ms);
        if retries > bounds::RETRIES {
            self.err(
                format!("{path}.retries"),
                format!("must be at most {}", bounds::RETRIES),
            );
        }
        let backoff = self.backoff(format!("{path}.backoff"), backoff);
        let breaker = breaker.map(|b| self.breaker(format!("{path}.breaker"), b));
        if let Some(b) = breaker.and_then(|b| self.s.breakers.get(b as usize)) {
            // Reported by the breakers section if out of range.
            let breaker_us = ms_to_us(b.call_timeout_ms, 1..=bounds::DURATION_MS);
            timeout_us = timeout_us.min(breaker_us.unwrap_or(u64::MAX));
        }
        CallPolicy {
            target,
            timeout_us,
            retries,
            backoff,
            breaker,
        }
    }

    /// Compensations are calls with the step's timeout that insist: an undo
    /// that gives up leaves the order half done, so they retry for about two
    /// minutes (backoff up to 10 s) before counting as failed.
    fn compensation(
        &mut self,
        path: String,
        name: &Option<String>,
        timeout_ms: u64,
    ) -> Option<CallPolicy> {
        name.as_ref().map(|n| CallPolicy {
            target: self.handler(path, n),
            // The step's own timeout, reported by its call policy.
            timeout_us: ms_to_us(timeout_ms.max(1), 1..=bounds::DURATION_MS).unwrap_or(1_000),
            retries: 15,
            backoff: BackoffModel {
                base_us: 200_000,
                max_us: 10_000_000,
                jitter: 0.5,
            },
            breaker: None,
        })
    }

    fn step(&mut self, path: String, step: &Step) -> StepModel {
        match step {
            Step::Call {
                target,
                timeout_ms,
                retries,
                backoff,
                breaker,
                fallback,
                mandatory,
                compensate,
            } => {
                let policy = self.call_policy(
                    &path,
                    target,
                    *timeout_ms,
                    *retries,
                    backoff,
                    breaker.as_deref(),
                );
                let fallback = fallback.as_ref().map(|f| match f {
                    Fallback::Backup { target, timeout_ms } => {
                        FallbackModel::Backup(self.call_policy(
                            &format!("{path}.fallback.backup"),
                            target,
                            *timeout_ms,
                            0,
                            &Backoff::default(),
                            None,
                        ))
                    }
                    Fallback::QueueForRetry(to) => FallbackModel::QueueForRetry(
                        self.destination(format!("{path}.fallback.queue_for_retry"), to),
                        intern(&mut self.messages, &format!("retry {target}")) as u16,
                    ),
                });
                let compensate =
                    self.compensation(format!("{path}.compensate"), compensate, *timeout_ms);
                StepModel::Call {
                    policy,
                    fallback,
                    mandatory: *mandatory,
                    compensate,
                }
            }
            Step::Send { target, compensate } => StepModel::Send {
                target: self.handler(format!("{path}.target"), target),
                compensate: self.compensation(format!("{path}.compensate"), compensate, 5_000),
            },
            Step::Publish {
                to,
                message,
                mandatory,
            } => StepModel::Publish {
                to: self.destination(format!("{path}.to"), to),
                message: intern(&mut self.messages, message.as_deref().unwrap_or(to)) as u16,
                mandatory: *mandatory,
            },
            Step::Accept => StepModel::Accept,
            Step::Status { value, mandatory } => StepModel::Status {
                value: self.status(format!("{path}.value"), value),
                mandatory: *mandatory,
            },
            Step::Notify { status } => StepModel::Notify {
                status: self.status(format!("{path}.status"), status),
            },
            Step::Complete { status } => {
                let status = match status {
                    Some(name) => {
                        let id = self.status(format!("{path}.status"), name);
                        if id == STATUS_PENDING || id == STATUS_FAILED {
                            self.err(format!("{path}.status"), "must name a success status");
                        }
                        self.terminal_success.push(id);
                        id
                    }
                    None => STATUS_COMPLETED,
                };
                StepModel::Complete { status }
            }
            Step::Work { latency, label } => StepModel::Work {
                latency: self.latency(format!("{path}.latency"), latency),
                label: label.clone().unwrap_or_else(|| "work".into()),
            },
            Step::Wait { event, timeout_ms } => {
                let timeout_us = self.duration_us(format!("{path}.timeout_ms"), *timeout_ms);
                StepModel::Wait {
                    event: self.event(format!("{path}.event"), event),
                    timeout_us,
                }
            }
            Step::Emit { event } => StepModel::Emit {
                event: self.event(format!("{path}.event"), event),
            },
        }
    }

    fn run(&mut self) -> Option<Model> {
        let s = self.s;
        if s.name.is_empty() {
            self.err("name", "must not be empty");
        }
        let network = self.latency("network.latency".into(), &s.network.latency);
        let ServiceParts {
            services,
            inventory,
            mut skus,
            mut faults,
        } = self.services();
        let handlers = self.handlers(inventory);
        let broker = self.broker(&handlers);
        self.breakers();
        let client = self.client(&handlers);
        let (arrival, mix) = self.workload(inventory, &mut skus);
        self.faults(&mut faults);
        let requires = self.requirements(&handlers);
        self.limits();
        let one_click_faults = self.one_click_faults();
        if !self.errors.is_empty() {
            return None;
        }
        let model = Model {
            scenario: s.clone(),
            network,
            services,
            handlers,
            broker_service: broker.service,
            queues: broker.queues,
            exchanges: broker.exchanges,
            consumers: broker.consumers,
            breakers: s.breakers.clone(),
            client,
            inventory,
            skus,
            mix_weights: mix.iter().map(|m| m.1).collect(),
            mix,
            arrival,
            orders: s.workload.orders,
            faults,
            requires,
            events: std::mem::take(&mut self.events),
            terminal: (0..self.statuses.len())
                .map(|i| {
                    i as StatusId == STATUS_FAILED
                        || self.terminal_success.contains(&(i as StatusId))
                })
                .collect(),
            statuses: std::mem::take(&mut self.statuses),
            flags: std::mem::take(&mut self.flags),
            messages: std::mem::take(&mut self.messages),
            limits: s.limits.clone(),
            one_click_faults,
        };
        self.one_click_commands(&model);
        self.errors.is_empty().then_some(model)
    }

    /// The one-click faults: a label and a duration (their commands are
    /// checked once the model is compiled).
    fn one_click_faults(&mut self) -> Vec<OneClickFaultModel> {
        let list = &self.s.one_click_faults;
        if list.len() > bounds::ONE_CLICK_FAULTS {
            let max = bounds::ONE_CLICK_FAULTS;
            self.err("one_click_faults", format!("at most {max} faults"));
        }
        let mut out = Vec::new();
        for (i, f) in list.iter().enumerate() {
            let p = format!("one_click_faults[{i}]");
            if f.label.trim().is_empty() || f.label.chars().count() > 80 {
                self.err(format!("{p}.label"), "must be 1 to 80 characters");
            }
            let duration_us = self.duration_us(format!("{p}.duration_ms"), f.duration_ms);
            out.push(OneClickFaultModel {
                label: f.label.clone(),
                on: f.on.clone(),
                off: f.off.clone(),
                duration: SimTime(duration_us),
            });
        }
        out
    }

    /// The one-click faults' commands, checked against the compiled model
    /// as they will be when the button is pressed.
    fn one_click_commands(&mut self, model: &Model) {
        for (i, f) in model.one_click_faults.iter().enumerate() {
            for (which, cmd) in [("on", &f.on), ("off", &f.off)] {
                if let Err(e) = model.resolve_command(cmd) {
                    let p = format!("one_click_faults[{i}].{which}");
                    // "service: no service …" names a field of the command.
                    match e.0.split_once(": ") {
                        Some((field, message)) => self.err(format!("{p}.{field}"), message),
                        None => self.err(p, e.0),
                    }
                }
            }
        }
    }

    /// Services: ids, sizes, latency, error rate, down windows (as faults),
    /// the one that holds stock; at most one broker.
    fn services(&mut self) -> ServiceParts {
        let s = self.s;
        if s.services.is_empty() {
            self.err("services", "needs at least one service");
        }
        if s.services.len() > bounds::SERVICES {
            self.err("services", format!("at most {} services", bounds::SERVICES));
        }
        let mut services = Vec::new();
        let mut inventory = None;
        let mut skus: Vec<(String, u32)> = Vec::new();
        let mut faults: Vec<(SimTime, Command)> = Vec::new();
        for (i, sv) in s.services.iter().enumerate() {
            let p = format!("services[{i}]");
            self.check_id(format!("{p}.id"), &sv.id);
            if s.services[..i].iter().any(|o| o.id == sv.id) {
                self.err(
                    format!("{p}.id"),
                    format!("duplicate service id {:?}", sv.id),
                );
            }
            if !(1..=bounds::REPLICAS).contains(&sv.replicas) {
                self.err(
                    format!("{p}.replicas"),
                    format!("must be between 1 and {}", bounds::REPLICAS),
                );
            }
            if !(1..=bounds::CONCURRENCY).contains(&sv.concurrency) {
                self.err(
                    format!("{p}.concurrency"),
                    format!("must be between 1 and {}", bounds::CONCURRENCY),
                );
            }
            if sv.queue_capacity > bounds::SERVICE_QUEUE {
                self.err(
                    format!("{p}.queue_capacity"),
                    format!("must be at most {}", bounds::SERVICE_QUEUE),
                );
            }
            let latency = self.latency(format!("{p}.latency"), &sv.latency);
            self.check_rate(format!("{p}.error_rate"), sv.error_rate);
            for (w, win) in sv.down.iter().enumerate() {
                if win.until_ms <= win.from_ms {
                    self.err(format!("{p}.down[{w}].until_ms"), "must be after from_ms");
                }
                let service = sv.id.clone();
                let from = self.instant(format!("{p}.down[{w}].from_ms"), win.from_ms);
                let until = self.instant(format!("{p}.down[{w}].until_ms"), win.until_ms);
                let set = |up| Command::SetUp {
                    service: service.clone(),
                    up,
                };
                faults.push((from, set(false)));
                faults.push((until, set(true)));
            }
            if let Some(stock) = &sv.stock {
                if inventory.is_some() {
                    self.err(format!("{p}.stock"), "only one service may hold stock");
                }
                inventory = Some(i as ServiceId);
                skus = stock.iter().map(|(k, v)| (k.clone(), *v)).collect();
                if skus.is_empty() {
                    self.err(format!("{p}.stock"), "needs at least one SKU");
                }
            }
            services.push(ServiceModel {
                id: sv.id.clone(),
                label: sv.label.clone().unwrap_or_else(|| sv.id.clone()),
                kind: sv.kind,
                replicas: sv.replicas,
                concurrency: sv.concurrency,
                queue_capacity: sv.queue_capacity,
                latency,
                error_rate: sv.error_rate,
            });
        }
        let brokers: Vec<usize> = s
            .services
            .iter()
            .enumerate()
            .filter(|(_, sv)| sv.kind == ServiceKind::Broker)
            .map(|(i, _)| i)
            .collect();
        if brokers.len() > 1 {
            self.err(
                format!("services[{}].kind", brokers[1]),
                "only one broker per scenario",
            );
        }
        ServiceParts {
            services,
            inventory,
            skus,
            faults,
        }
    }

    /// Handlers: their service, effect, steps and emitted event.
    fn handlers(&mut self, inventory: Option<ServiceId>) -> Vec<HandlerModel> {
        let s = self.s;
        if s.handlers.len() > bounds::HANDLERS {
            self.err("handlers", format!("at most {} handlers", bounds::HANDLERS));
        }
        let mut handlers = Vec::new();
        for (i, h) in s.handlers.iter().enumerate() {
            let p = format!("handlers[{i}]");
            let service = self.service(format!("{p}.service"), &h.service);
            let kind = s.services.get(service as usize).map(|sv| sv.kind);
            if matches!(kind, Some(ServiceKind::Client | ServiceKind::Broker)) {
                self.err(
                    format!("{p}.service"),
                    "clients and brokers have no handlers",
                );
            }
            self.check_id(format!("{p}.op"), &h.op);
            let name = format!("{}.{}", h.service, h.op);
            if s.handlers[..i]
                .iter()
                .any(|o| o.service == h.service && o.op == h.op)
            {
                self.err(format!("{p}.op"), format!("duplicate handler {name:?}"));
            }
            if h.steps.len() > bounds::STEPS {
                self.err(
                    format!("{p}.steps"),
                    format!("at most {} steps", bounds::STEPS),
                );
            }
            let effect = match &h.effect {
                Effect::None => EffectModel::None,
                Effect::RecordOrder => EffectModel::RecordOrder,
                Effect::ReserveStock | Effect::ReleaseStock => {
                    if inventory != Some(service) {
                        self.err(
                            format!("{p}.effect"),
                            "stock effects need a service with `stock`",
                        );
                    }
                    if h.effect == Effect::ReserveStock {
                        EffectModel::ReserveStock
                    } else {
                        EffectModel::ReleaseStock
                    }
                }
                Effect::Charge => EffectModel::Charge,
                Effect::Refund => EffectModel::Refund,
                Effect::ProviderCharge => EffectModel::ProviderCharge,
                Effect::Ship => EffectModel::Ship,
                Effect::CancelShipment => EffectModel::CancelShipment,
                Effect::Notify => EffectModel::Notify,
                Effect::WriteStatus => EffectModel::WriteStatus,
                Effect::ReadStatus => EffectModel::ReadStatus,
                Effect::IssueId => EffectModel::IssueId,
                Effect::Mark(flag) => {
                    EffectModel::Mark(self.flag(format!("{p}.effect.mark"), flag))
                }
            };
            let steps: Vec<StepModel> = h
                .steps
                .iter()
                .enumerate()
                .map(|(k, st)| self.step(format!("{p}.steps[{k}]"), st))
                .collect();
            let emits = h
                .emits
                .as_ref()
                .map(|e| self.event(format!("{p}.emits"), e));
            let latency = h
                .latency
                .as_ref()
                .map(|l| self.latency(format!("{p}.latency"), l));
            let lag_ms = h.visibility_lag_ms.unwrap_or(0);
            let visibility_lag_us = self.span_us(format!("{p}.visibility_lag_ms"), lag_ms);
            if h.visibility_lag_ms.is_some() {
                if h.effect != Effect::WriteStatus {
                    self.err(
                        format!("{p}.visibility_lag_ms"),
                        "only for handlers with effect write_status",
                    );
                }
            }
            let completes = steps
                .iter()
                .any(|st| matches!(st, StepModel::Complete { .. }));
            handlers.push(HandlerModel {
                service,
                name,
                op: h.op.clone(),
                effect,
                steps,
                emits,
                latency,
                visibility_lag_us,
                completes,
            });
        }
        handlers
    }

    /// The broker: queues, exchanges and consumers.
    fn broker(&mut self, handlers: &[HandlerModel]) -> BrokerParts {
        let s = self.s;
        let mut queues = Vec::new();
        let mut exchanges = Vec::new();
        let mut consumers = Vec::new();
        let mut broker_service = None;
        if let Some(b) = &s.broker {
            let svc = self.service("broker.service".into(), &b.service);
            if s.services
                .get(svc as usize)
                .is_some_and(|sv| sv.kind != ServiceKind::Broker)
            {
                self.err(
                    "broker.service",
                    format!("{:?} must have kind \"broker\"", b.service),
                );
            }
            broker_service = Some(svc);
            if b.queues.len() > bounds::QUEUES {
                self.err(
                    "broker.queues",
                    format!("at most {} queues", bounds::QUEUES),
                );
            }
            for (i, q) in b.queues.iter().enumerate() {
                let queue = self.queue(b, i, q);
                queues.push(queue);
            }
            for i in 0..queues.len() {
                if let Some(d) = queues[i].dead_letter {
                    queues[d as usize].is_dead_letter_queue = true;
                }
            }
            for (i, x) in b.exchanges.iter().enumerate() {
                let exchange = self.exchange(b, i, x);
                exchanges.push(exchange);
            }
            for (i, c) in b.consumers.iter().enumerate() {
                let consumer = self.consumer(b, i, c, handlers, &queues);
                consumers.push(consumer);
            }
        } else if let Some(i) = s
            .services
            .iter()
            .position(|sv| sv.kind == ServiceKind::Broker)
        {
            self.err(
                format!("services[{i}].kind"),
                "a broker service needs a `broker` section",
            );
        }
        BrokerParts {
            service: broker_service,
            queues,
            exchanges,
            consumers,
        }
    }

    /// Broker queue `i`.
    fn queue(&mut self, b: &BrokerSpec, i: usize, q: &QueueSpec) -> QueueModel {
        let p = format!("broker.queues[{i}]");
        self.check_id(format!("{p}.id"), &q.id);
        if b.queues[..i].iter().any(|o| o.id == q.id) {
            self.err(format!("{p}.id"), format!("duplicate queue id {:?}", q.id));
        }
        if !(1..=bounds::BROKER_QUEUE).contains(&q.capacity) {
            self.err(
                format!("{p}.capacity"),
                format!("must be between 1 and {}", bounds::BROKER_QUEUE),
            );
        }
        let visibility_timeout_us = self.duration_us(
            format!("{p}.visibility_timeout_ms"),
            q.visibility_timeout_ms,
        );
        if !(1..=bounds::DELIVERIES).contains(&q.max_deliveries) {
            self.err(
                format!("{p}.max_deliveries"),
                format!("must be between 1 and {}", bounds::DELIVERIES),
            );
        }
        let redelivery_backoff =
            self.backoff(format!("{p}.redelivery_backoff"), &q.redelivery_backoff);
        let ttl_us = q
            .ttl_ms
            .map(|ttl| self.duration_us(format!("{p}.ttl_ms"), ttl));
        let dead_letter = q.dead_letter.as_ref().and_then(|d| {
            if d == &q.id {
                self.err(
                    format!("{p}.dead_letter"),
                    "a queue cannot be its own dead-letter queue",
                );
                return None;
            }
            match b.queues.iter().position(|o| &o.id == d) {
                Some(k) => Some(k as QueueId),
                None => {
                    self.err(format!("{p}.dead_letter"), format!("no queue {d:?}"));
                    None
                }
            }
        });
        QueueModel {
            id: q.id.clone(),
            durable: q.durable,
            capacity: q.capacity,
            visibility_timeout_us,
            max_deliveries: q.max_deliveries,
            redelivery_backoff,
            ttl_us,
            dead_letter,
            is_dead_letter_queue: false,
        }
    }

    /// Exchange `i`: where it routes.
    fn exchange(&mut self, b: &BrokerSpec, i: usize, x: &ExchangeSpec) -> ExchangeModel {
        let p = format!("broker.exchanges[{i}]");
        self.check_id(format!("{p}.id"), &x.id);
        if b.exchanges[..i].iter().any(|o| o.id == x.id) || b.queues.iter().any(|q| q.id == x.id) {
            self.err(
                format!("{p}.id"),
                format!("duplicate id {:?} (queues and exchanges share names)", x.id),
            );
        }
        match x.kind {
            ExchangeKind::Direct if x.queues.len() != 1 => self.err(
                format!("{p}.queues"),
                "a direct exchange routes to exactly one queue",
            ),
            ExchangeKind::Fanout if x.queues.is_empty() => self.err(
                format!("{p}.queues"),
                "a fanout exchange needs at least one queue",
            ),
            _ => {}
        }
        let qs = x
            .queues
            .iter()
            .enumerate()
            .map(|(k, q)| match b.queues.iter().position(|o| &o.id == q) {
                Some(j) => j as QueueId,
                None => {
                    self.err(format!("{p}.queues[{k}]"), format!("no queue {q:?}"));
                    0
                }
            })
            .collect();
        ExchangeModel {
            id: x.id.clone(),
            kind: x.kind,
            queues: qs,
        }
    }

    /// Consumer `i`: which handler takes a queue's messages, how.
    fn consumer(
        &mut self,
        b: &BrokerSpec,
        i: usize,
        c: &ConsumerSpec,
        handlers: &[HandlerModel],
        queues: &[QueueModel],
    ) -> ConsumerModel {
        let p = format!("broker.consumers[{i}]");
        let queue = match b.queues.iter().position(|q| q.id == c.queue) {
            Some(q) => q as QueueId,
            None => {
                self.err(format!("{p}.queue"), format!("no queue {:?}", c.queue));
                0
            }
        };
        if b.consumers[..i].iter().any(|o| o.queue == c.queue) {
            self.err(
                format!("{p}.queue"),
                "one consumer per queue (add replicas to compete)",
            );
        }
        let handler = self.handler(format!("{p}.handler"), &c.handler);
        if !(1..=bounds::PREFETCH).contains(&c.prefetch) {
            self.err(
                format!("{p}.prefetch"),
                format!("must be between 1 and {}", bounds::PREFETCH),
            );
        }
        let pause_while_open = c
            .pause_while_open
            .as_ref()
            .map(|b| self.breaker(format!("{p}.pause_while_open"), b));
        let service = handlers.get(handler as usize).map_or(0, |h| h.service);
        if queues
            .get(queue as usize)
            .is_some_and(|q| q.is_dead_letter_queue)
        {
            self.err(
                format!("{p}.queue"),
                "dead-letter queues are for inspection and have no consumer",
            );
        }
        ConsumerModel {
            queue,
            handler,
            service,
            dispatch: c.dispatch,
            prefetch: c.prefetch,
            pause_while_open,
        }
    }

    /// Circuit breakers' settings.
    fn breakers(&mut self) {
        let s = self.s;
        for (i, b) in s.breakers.iter().enumerate() {
            let p = format!("breakers[{i}]");
            self.check_id(format!("{p}.id"), &b.id);
            if s.breakers[..i].iter().any(|o| o.id == b.id) {
                self.err(
                    format!("{p}.id"),
                    format!("duplicate breaker id {:?}", b.id),
                );
            }
            if b.failure_threshold == 0 {
                self.err(format!("{p}.failure_threshold"), "must be > 0");
            }
            if !(b.error_rate_threshold > 0.0 && b.error_rate_threshold <= 1.0) {
                self.err(format!("{p}.error_rate_threshold"), "must be in (0, 1]");
            }
            self.duration_us(format!("{p}.window_ms"), b.window_ms);
            if b.min_calls == 0 {
                self.err(format!("{p}.min_calls"), "must be > 0");
            }
            self.duration_us(format!("{p}.call_timeout_ms"), b.call_timeout_ms);
            self.duration_us(format!("{p}.reset_timeout_ms"), b.reset_timeout_ms);
            if !(1..=100).contains(&b.half_open_probes) {
                self.err(format!("{p}.half_open_probes"), "must be between 1 and 100");
            }
        }
    }

    /// The client: entry point, completion modes, polling and callbacks.
    fn client(&mut self, handlers: &[HandlerModel]) -> ClientModel {
        let s = self.s;
        let cs = &s.client;
        let client_service = self.service("client.service".into(), &cs.service);
        if s.services
            .get(client_service as usize)
            .is_some_and(|sv| sv.kind != ServiceKind::Client)
        {
            self.err(
                "client.service",
                format!("{:?} must have kind \"client\"", cs.service),
            );
        }
        let entry = self.handler("client.entry".into(), &cs.entry);
        let allowed = if cs.allowed.is_empty() {
            vec![cs.completion]
        } else {
            cs.allowed.clone()
        };
        if !allowed.contains(&cs.completion) {
            self.err("client.completion", "must be one of `allowed`");
        }
        let timeout_us = self.duration_us("client.timeout_ms".into(), cs.timeout_ms);
        let any_complete = handlers.iter().any(|h| h.completes);
        for (i, mode) in allowed.iter().enumerate() {
            if *mode != Completion::Sync && !any_complete {
                self.err(
                    format!("client.allowed[{i}]"),
                    format!(
                        "{:?} needs a `complete` step in some handler",
                        mode.as_str()
                    ),
                );
            }
        }
        let polling = match (&cs.polling, allowed.contains(&Completion::Polling)) {
            (None, true) => {
                self.err("client.polling", "required when polling is allowed");
                None
            }
            (None, false) => None,
            (Some(pl), _) => {
                let target = self.handler("client.polling.target".into(), &pl.target);
                let write = self.handler("client.polling.write".into(), &pl.write);
                let interval_us =
                    self.duration_us("client.polling.interval_ms".into(), pl.interval_ms);
                let timeout_us =
                    self.duration_us("client.polling.timeout_ms".into(), pl.timeout_ms);
                if !(1..=100_000).contains(&pl.max_polls) {
                    self.err("client.polling.max_polls", "must be between 1 and 100000");
                }
                let id_service = match (&pl.id_service, pl.id_source) {
                    (Some(h), _) => Some(self.handler("client.polling.id_service".into(), h)),
                    (None, IdSource::IdService) => {
                        self.err(
                            "client.polling.id_service",
                            "required when id_source is \"id_service\"",
                        );
                        None
                    }
                    (None, _) => None,
                };
                Some(PollingModel {
                    target,
                    write,
                    interval_us,
                    max_polls: pl.max_polls,
                    id_source: pl.id_source,
                    id_service,
                    timeout_us,
                })
            }
        };
        let cb = &cs.callback;
        if !(1..=bounds::RETRIES + 1).contains(&cb.max_attempts) {
            self.err(
                "client.callback.max_attempts",
                format!("must be between 1 and {}", bounds::RETRIES + 1),
            );
        }
        let callback_timeout_us =
            self.duration_us("client.callback.timeout_ms".into(), cb.timeout_ms);
        self.check_rate("client.callback.failure_rate".into(), cb.failure_rate);
        let callback = CallbackModel {
            max_attempts: cb.max_attempts,
            timeout_us: callback_timeout_us,
            backoff: self.backoff("client.callback.backoff".into(), &cb.backoff),
            failure_rate: cb.failure_rate,
        };
        ClientModel {
            service: client_service,
            entry,
            completion: cs.completion,
            allowed,
            timeout_us,
            polling,
            callback,
        }
    }

    /// The workload: arrivals and the order mix (SKUs not held by an
    /// inventory are added to `skus` with no stock).
    fn workload(
        &mut self,
        inventory: Option<ServiceId>,
        skus: &mut Vec<(String, u32)>,
    ) -> (ArrivalModel, Vec<(u16, u32, u32)>) {
        let s = self.s;
        let w = &s.workload;
        if !(1..=bounds::ORDERS).contains(&w.orders) {
            self.err(
                "workload.orders",
                format!("must be between 1 and {}", bounds::ORDERS),
            );
        }
        let positive_rate = |r: f64| r.is_finite() && r > 0.0 && r <= 1e6;
        let arrival = match &w.arrival {
            Arrival::Single => ArrivalModel::Single,
            Arrival::Constant { interval_ms } => {
                if !(interval_ms.is_finite()
                    && *interval_ms > 0.0
                    && *interval_ms <= bounds::LATENCY_MS)
                {
                    self.err(
                        "workload.arrival.interval_ms",
                        "must be > 0 (and at most an hour)",
                    );
                }
                ArrivalModel::Constant {
                    interval_us: interval_ms * 1e3,
                }
            }
            Arrival::Poisson { rate_per_s } => {
                if !positive_rate(*rate_per_s) {
                    self.err(
                        "workload.arrival.rate_per_s",
                        "must be > 0 and at most 1000000",
                    );
                }
                ArrivalModel::Poisson {
                    mean_gap_us: 1e6 / rate_per_s,
                }
            }
            Arrival::Surge { segments } => {
                if segments.is_empty() {
                    self.err("workload.arrival.segments", "needs at least one segment");
                }
                let mut prev = 0;
                for (i, seg) in segments.iter().enumerate() {
                    if !positive_rate(seg.rate_per_s) {
                        self.err(
                            format!("workload.arrival.segments[{i}].rate_per_s"),
                            "must be > 0 and at most 1000000",
                        );
                    }
                    if i > 0 && seg.until_ms <= prev {
                        self.err(
                            format!("workload.arrival.segments[{i}].until_ms"),
                            "must increase",
                        );
                    }
                    prev = seg.until_ms;
                }
                ArrivalModel::Surge {
                    segments: segments
                        .iter()
                        .enumerate()
                        .map(|(i, g)| {
                            let path = format!("workload.arrival.segments[{i}].until_ms");
                            (self.instant(path, g.until_ms), g.rate_per_s / 1e6)
                        })
                        .collect(),
                }
            }
        };
        let mut mix = Vec::new();
        for (i, m) in w.skus.iter().enumerate() {
            let p = format!("workload.skus[{i}]");
            if m.qty == 0 {
                self.err(format!("{p}.qty"), "must be > 0");
            }
            let sku = match skus.iter().position(|(k, _)| k == &m.sku) {
                Some(k) => k as u16,
                None if inventory.is_none() => {
                    skus.push((m.sku.clone(), 0));
                    (skus.len() - 1) as u16
                }
                None => {
                    self.err(
                        format!("{p}.sku"),
                        format!("{:?} is not in the inventory's stock", m.sku),
                    );
                    0
                }
            };
            mix.push((sku, m.weight, m.qty));
        }
        if mix.is_empty() {
            if skus.is_empty() {
                skus.push(("SKU-1".into(), 0));
            }
            mix.push((0, 1, 1));
        }
        if mix.iter().all(|m| m.1 == 0) {
            self.err("workload.skus", "at least one weight must be > 0");
        }
        (arrival, mix)
    }

    /// Scheduled faults, each a pair of commands (or one, for a restart).
    fn faults(&mut self, faults: &mut Vec<(SimTime, Command)>) {
        for (i, f) in self.s.faults.iter().enumerate() {
            self.fault(&format!("faults[{i}]"), f, faults);
        }
        // Not sorted: the event queue orders them by time, and simultaneous
        // ones by scheduling order, which is this declaration order.
    }

    /// One scheduled fault: a window (`at_ms` to `until_ms`) with a command
    /// at each end, or a broker restart.
    fn fault(&mut self, p: &str, f: &FaultSpec, faults: &mut Vec<(SimTime, Command)>) {
        let s = self.s;
        let (service, at_ms, until_ms, on, off) = match f {
            FaultSpec::Down {
                service,
                at_ms,
                until_ms,
            } => {
                let set = |up| Command::SetUp {
                    service: service.clone(),
                    up,
                };
                (service, *at_ms, *until_ms, set(false), set(true))
            }
            FaultSpec::Latency {
                service,
                factor,
                at_ms,
                until_ms,
            } => {
                if !(factor.is_finite() && *factor > 0.0 && *factor <= 1_000.0) {
                    self.err(format!("{p}.factor"), "must be > 0 and at most 1000");
                }
                let set = |factor| Command::SetLatencyFactor {
                    service: service.clone(),
                    factor,
                };
                (service, *at_ms, *until_ms, set(*factor), set(1.0))
            }
            FaultSpec::ErrorRate {
                service,
                rate,
                at_ms,
                until_ms,
            } => {
                self.check_rate(format!("{p}.rate"), *rate);
                let base = s
                    .services
                    .iter()
                    .find(|sv| &sv.id == service)
                    .map_or(0.0, |sv| sv.error_rate);
                let set = |rate| Command::SetErrorRate {
                    service: service.clone(),
                    rate,
                };
                (service, *at_ms, *until_ms, set(*rate), set(base))
            }
            FaultSpec::Drop {
                service,
                rate,
                at_ms,
                until_ms,
            } => {
                self.check_rate(format!("{p}.rate"), *rate);
                let set = |rate| Command::SetDropRate {
                    service: service.clone(),
                    rate,
                };
                (service, *at_ms, *until_ms, set(*rate), set(0.0))
            }
            FaultSpec::BrokerRestart { at_ms, downtime_ms } => {
                if s.broker.is_none() {
                    self.err(format!("{p}.kind"), "the scenario has no broker");
                }
                self.span_us(format!("{p}.downtime_ms"), *downtime_ms);
                let at = self.instant(format!("{p}.at_ms"), *at_ms);
                let downtime_ms = *downtime_ms;
                faults.push((at, Command::RestartBroker { downtime_ms }));
                return;
            }
        };
        self.service(format!("{p}.service"), service);
        if until_ms <= at_ms {
            self.err(format!("{p}.until_ms"), "must be after at_ms");
        }
        let at = self.instant(format!("{p}.at_ms"), at_ms);
        let until = self.instant(format!("{p}.until_ms"), until_ms);
        faults.push((at, on));
        faults.push((until, off));
    }

    /// What a completed order requires.
    fn requirements(&mut self, handlers: &[HandlerModel]) -> Vec<RequirementModel> {
        let s = self.s;
        let mut requires = Vec::new();
        for (i, r) in s.outcome.requires.iter().enumerate() {
            let p = format!("outcome.requires[{i}]");
            let has = |e: EffectModel| handlers.iter().any(|h| h.effect == e);
            requires.push(match r {
                Requirement::StockReserved => {
                    if !has(EffectModel::ReserveStock) {
                        self.err(p, "no handler reserves stock");
                    }
                    RequirementModel::StockReserved
                }
                Requirement::Paid => {
                    if !has(EffectModel::ProviderCharge) {
                        self.err(p, "no handler has effect provider_charge");
                    }
                    RequirementModel::Paid
                }
                Requirement::Shipped => {
                    if !has(EffectModel::Ship) {
                        self.err(p, "no handler ships");
                    }
                    RequirementModel::Shipped
                }
                Requirement::Flag(name) => match self.flags.iter().position(|f| f == name) {
                    Some(k) => RequirementModel::Flag(k as u8),
                    None => {
                        self.err(p, format!("no handler marks {name:?}"));
                        RequirementModel::Flag(0)
                    }
                },
            });
        }
        requires
    }

    /// Run limits.
    fn limits(&mut self) {
        let s = self.s;
        let l = &s.limits;
        if !(1..=bounds::TRACE_BUFFER).contains(&l.trace_buffer) {
            self.err(
                "limits.trace_buffer",
                format!("must be between 1 and {}", bounds::TRACE_BUFFER),
            );
        }
        if !(1..=bounds::LIVE_ORDERS).contains(&l.max_live_orders) {
            self.err(
                "limits.max_live_orders",
                format!("must be between 1 and {}", bounds::LIVE_ORDERS),
            );
        }
        if l.max_commands > bounds::COMMANDS {
            self.err(
                "limits.max_commands",
                format!("must be at most {}", bounds::COMMANDS),
            );
        }
        self.duration_us("limits.sample_interval_ms".into(), l.sample_interval_ms);
        if !(2..=bounds::SERIES_POINTS).contains(&l.series_points) {
            self.err(
                "limits.series_points",
                format!("must be between 2 and {}", bounds::SERIES_POINTS),
            );
        }
    }
}
