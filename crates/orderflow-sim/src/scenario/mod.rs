//! The scenario: everything a run needs besides its seed, as serde JSON.
//!
//! These types mirror the files in `scenarios/` one to one; unknown fields are
//! rejected so a typo never silently falls back to a default. Parsing gives
//! structural errors with the JSON path of the culprit; [`crate::model`]
//! then checks meaning (names resolve, numbers in range) and compiles the
//! scenario into the index-based tables the engine runs on.
//!
//! Units are in field names: `_ms` is milliseconds of simulated time,
//! `_per_s` a rate per simulated second.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::command::Command;

mod broker;
mod claims;
mod client;
mod workload;

pub use broker::*;
pub use claims::*;
pub use client::*;
pub use workload::*;

/// A whole scenario. See `scenarios/*.json` for complete examples.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Short identifier, also the preset's file name (`"hybrid-queue"`).
    pub name: String,
    /// One-line human title.
    pub title: String,
    /// What the scenario shows and what to try.
    #[serde(default)]
    pub description: String,
    /// Delay of every hop between two services.
    #[serde(default)]
    pub network: NetworkSpec,
    /// The parties: client, services, external providers, broker, stores.
    pub services: Vec<ServiceSpec>,
    /// What each service does when asked: `(service, op)` → steps.
    pub handlers: Vec<HandlerSpec>,
    /// Queues, exchanges and their consumers, if the scenario has a broker.
    #[serde(default)]
    pub broker: Option<BrokerSpec>,
    /// Circuit breakers that `call` steps can go through.
    #[serde(default)]
    pub breakers: Vec<BreakerSpec>,
    /// How the client places orders and learns how they ended.
    pub client: ClientSpec,
    /// How many orders arrive, and when.
    pub workload: WorkloadSpec,
    /// Scheduled faults: services down, slow, failing; broker restarts.
    #[serde(default)]
    pub faults: Vec<FaultSpec>,
    /// What must be true of an order for it to count as done.
    #[serde(default)]
    pub outcome: OutcomeSpec,
    /// Bounds on everything the engine keeps in memory.
    #[serde(default)]
    pub limits: Limits,
    /// Faults the playground offers as one button each: a command now and
    /// its opposite `duration_ms` later ("Payment down for 10 s").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub one_click_faults: Vec<OneClickFault>,
    /// What this scenario demonstrates, as claims checked by running it
    /// (`orderflow claims`): see [`ClaimSpec`].
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub claims: Vec<ClaimSpec>,
}

/// A fault offered as one button: `on` now, `off` after `duration_ms`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OneClickFault {
    /// The button's text.
    pub label: String,
    pub on: Command,
    pub off: Command,
    pub duration_ms: u64,
}

impl Scenario {
    /// Parses a scenario from JSON. Errors name the JSON path, for example
    /// `handlers[2].steps[1]: unknown field "timeot_ms" …`. The result still
    /// has to pass [`crate::model::Model::compile`].
    pub fn from_json(text: &str) -> Result<Scenario, crate::model::ScenarioError> {
        // serde would also take a JSON array as a scenario (its fields by
        // position), and then name them `[0]`, `[1]`…: refuse it up front.
        let body = text.trim_start();
        if !body.is_empty() && !body.starts_with('{') {
            let before = &text[..text.len() - body.len()];
            let line = before.matches('\n').count() + 1;
            let column = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
            return Err(crate::model::ScenarioError {
                path: String::new(),
                message: format!(
                    "expected a JSON object (`{{\"name\": …}}`) at line {line} column {column}"
                ),
            });
        }
        let de = &mut serde_json::Deserializer::from_str(text);
        serde_path_to_error::deserialize(de).map_err(|e| {
            // A syntax error inside a key ends the path with unknown
            // segments (written `?`, segments serde never learned): name the
            // field around it instead. Only those: a key may end with a
            // `?` of its own.
            let unknown = e
                .path()
                .iter()
                .rev()
                .take_while(|s| matches!(s, serde_path_to_error::Segment::Unknown))
                .count();
            let mut path = e.path().to_string();
            for _ in 0..unknown {
                let p = path.strip_suffix('?').unwrap_or(&path);
                path = p.strip_suffix('.').unwrap_or(p).to_owned();
            }
            crate::model::ScenarioError {
                path: if path == "." { String::new() } else { path },
                message: e.into_inner().to_string(),
            }
        })
    }

    /// The scenario as pretty JSON (round-trips through [`Scenario::from_json`]).
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a scenario always serializes")
    }
}

/// A latency distribution, in milliseconds. Written as one of
/// `{"constant_ms": 5}`, `{"uniform_ms": [2, 8]}`,
/// `{"exponential_mean_ms": 5}`, `{"lognormal": {"median_ms": 5, "sigma": 0.5}}`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum Latency {
    /// Always the same.
    #[serde(rename = "constant_ms")]
    Constant(f64),
    /// Uniform between the two bounds.
    #[serde(rename = "uniform_ms")]
    Uniform([f64; 2]),
    /// Exponential with this mean (memoryless service: M/M/c queues).
    #[serde(rename = "exponential_mean_ms")]
    Exponential(f64),
    /// Log-normal: the usual shape of real service latency, with a long tail.
    #[serde(rename = "lognormal")]
    LogNormal {
        /// The median (50th percentile).
        median_ms: f64,
        /// Spread of the underlying normal; 0.5 gives p99 ≈ 3.2 × median.
        sigma: f64,
    },
}

impl Default for Latency {
    fn default() -> Self {
        Latency::Constant(1.0)
    }
}

/// The network between services.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkSpec {
    /// Delay of one hop (one message from one service to another).
    #[serde(default)]
    pub latency: Latency,
}

/// What a node is; decides how it behaves and how it is drawn.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ServiceKind {
    /// The customer: places orders, receives responses, callbacks, pushes.
    Client,
    /// One of our services.
    #[default]
    Service,
    /// A third party (payment provider).
    External,
    /// The message broker (exactly one if the scenario has a `broker` section).
    Broker,
    /// A data store (the order-status store).
    Store,
}

/// How a service's replicas get their requests.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Balancer {
    /// Every replica takes work from one shared queue (an ideal pool).
    #[default]
    Pool,
    /// Each replica has its own queue; requests go to them in turn.
    RoundRobin,
    /// Each replica has its own queue; a request goes to one at random.
    Random,
    /// Each replica has its own queue; a request goes to the one with the
    /// fewest requests in service or waiting (lowest index on a tie).
    LeastOutstanding,
    /// Each replica has its own queue; two are picked at random and the
    /// request goes to the one with fewer outstanding.
    PowerOfTwo,
}

/// What a replica taken away does with the requests waiting on it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ScaleIn {
    /// It finishes them before it goes.
    #[default]
    Drain,
    /// The balancer sends them to the replicas that stay.
    Reroute,
    /// They are gone; their callers wait until they time out.
    Lose,
}

impl ScaleIn {
    pub fn is_drain(&self) -> bool {
        *self == ScaleIn::Drain
    }
}

impl Balancer {
    pub fn is_pool(&self) -> bool {
        *self == Balancer::Pool
    }
}

impl ServiceKind {
    /// Whether its instances are ours to pay for (not the customer's, not
    /// a third party's): what the cost figures add up.
    pub fn is_ours(self) -> bool {
        !matches!(self, ServiceKind::Client | ServiceKind::External)
    }
}

/// A window of time, `[from_ms, until_ms)`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Window {
    pub from_ms: u64,
    pub until_ms: u64,
}

/// One party of the flow.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceSpec {
    /// Identifier used by handlers and steps (`"payment"`).
    pub id: String,
    /// Name shown on the diagram; defaults to the id.
    #[serde(default)]
    pub label: Option<String>,
    #[serde(default)]
    pub kind: ServiceKind,
    /// Instances behind the service's load balancer.
    #[serde(default = "one")]
    pub replicas: u32,
    /// Requests one replica works on at once (its worker threads).
    #[serde(default = "one")]
    pub concurrency: u32,
    /// Requests waiting for a free worker before new ones are refused (503).
    #[serde(default = "default_queue_capacity")]
    pub queue_capacity: u32,
    /// Time to handle one request (overridden per handler).
    #[serde(default)]
    pub latency: Latency,
    /// Probability that handling a request fails with a technical error.
    #[serde(default)]
    pub error_rate: f64,
    /// Windows when the service is down (refuses every request).
    #[serde(default)]
    pub down: Vec<Window>,
    /// Inventory data: units in stock per SKU (a number, or units with a
    /// restock schedule).
    #[serde(default)]
    pub stock: Option<BTreeMap<String, StockSpec>>,
    /// How requests reach the replicas: one shared queue (`pool`, an ideal
    /// M/M/c), or a queue per replica behind a load balancer.
    #[serde(default, skip_serializing_if = "Balancer::is_pool")]
    pub balancer: Balancer,
    /// Behind a balancer, what happens to the requests waiting on a replica
    /// that is scaled in: it finishes them (`drain`), they go to the other
    /// replicas (`reroute`), or they are lost (`lose`: callers time out).
    #[serde(default, skip_serializing_if = "ScaleIn::is_drain")]
    pub scale_in: ScaleIn,
}

/// The stock of one SKU: `60`, or
/// `{"units": 60, "restock": {"every_ms": 20000, "units": 10}}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum StockSpec {
    /// Units available at the start, never restocked.
    Units(u32),
    /// Units available at the start and a restock schedule.
    Detailed(StockDetail),
}

impl StockSpec {
    /// Units available at the start.
    pub fn units(&self) -> u32 {
        match self {
            StockSpec::Units(n) => *n,
            StockSpec::Detailed(d) => d.units,
        }
    }

    /// The restock schedule, if any.
    pub fn restock(&self) -> Option<Restock> {
        match self {
            StockSpec::Units(_) => None,
            StockSpec::Detailed(d) => d.restock,
        }
    }

    /// The level a restock fills the shelf up to, if the SKU is restocked:
    /// its `max_units`, or else the starting units or one delivery's units,
    /// whichever is more.
    pub fn restock_max_units(&self) -> Option<u32> {
        let r = self.restock()?;
        Some(r.max_units.unwrap_or(self.units().max(r.units)))
    }
}

/// Units at the start, and how the SKU is restocked.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StockDetail {
    pub units: u32,
    #[serde(default)]
    pub restock: Option<Restock>,
}

/// A delivery of up to `units` more units every `every_ms` (the first one
/// `every_ms` after the start), for as long as orders keep coming, that
/// fills the shelf up to `max_units` and never above it. While the shelf is
/// full no delivery is booked; the next one is booked `every_ms` after a
/// reservation takes the shelf below `max_units` again.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Restock {
    pub every_ms: u64,
    pub units: u32,
    /// The shelf's level: a delivery tops up to it. Left out: the SKU's
    /// starting units, or one delivery's `units` if that is more.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_units: Option<u32>,
}

fn one() -> u32 {
    1
}
fn default_queue_capacity() -> u32 {
    100
}

/// What a handler does to the data of its service (and the order's record).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Effect {
    /// Nothing beyond taking time.
    #[default]
    None,
    /// Order service: creates the order record.
    RecordOrder,
    /// Inventory: moves the order's units from available to reserved; fails
    /// when there are not enough.
    ReserveStock,
    /// Inventory: gives reserved units back (the compensation of a reservation).
    ReleaseStock,
    /// Payment: writes the payment record PENDING, then SUCCESS, FAILED or
    /// QUEUED_FOR_RETRY depending on how its steps (the provider call) end.
    /// Idempotent: an order already paid is not charged again.
    Charge,
    /// Payment: refunds a captured payment, or cancels a queued one.
    Refund,
    /// Payment provider: captures the money, at most once per order (the
    /// order id is the idempotency key).
    ProviderCharge,
    /// Warehouse: ships the reserved units.
    Ship,
    /// Warehouse: takes a shipment back into reserved stock (the
    /// compensation of `ship`).
    CancelShipment,
    /// Notification: appends a message to the outbox.
    Notify,
    /// Status store: stores the status value carried by the request.
    WriteStatus,
    /// Status store: answers with the order's visible status.
    ReadStatus,
    /// Id service: hands out an order id.
    IssueId,
    /// Sets a named fact about the order (`{"mark": "cooked"}`).
    Mark(String),
    /// Clears one (`{"unmark": "cooked"}`) and keeps it off: the undo of a
    /// `mark`, for a rollback (pizza's OrderHistory recording that a placed
    /// order failed). A `mark` of the fact that arrives after it (a record
    /// overtaken by its cancel) changes nothing.
    Unmark(String),
}

/// A handler: what `service` does when it receives `op`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HandlerSpec {
    pub service: String,
    pub op: String,
    #[serde(default)]
    pub effect: Effect,
    /// Work done after the effect, in order, before the handler answers.
    #[serde(default)]
    pub steps: Vec<Step>,
    /// An event raised for the order when the handler ends (success or
    /// failure), for `wait` steps elsewhere.
    #[serde(default)]
    pub emits: Option<String>,
    /// Overrides the service's latency for this handler.
    #[serde(default)]
    pub latency: Option<Latency>,
    /// Overrides the service's status-store visibility lag (status stores only).
    #[serde(default)]
    pub visibility_lag_ms: Option<u64>,
}

/// Exponential backoff between retries: `base_ms × 2^attempt`, capped at
/// `max_ms`, minus a random share `jitter` (0 = none, 1 = "full jitter").
/// A `kind` replaces the `jitter` share with one of the AWS Architecture
/// Blog's named schemes ("Exponential Backoff And Jitter").
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Backoff {
    pub base_ms: u64,
    pub max_ms: u64,
    #[serde(default = "default_jitter")]
    pub jitter: f64,
    /// The jitter scheme; without one, `jitter` is the share cut at random.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<JitterKind>,
}

/// The named jitter schemes, each a formula over the capped exponential
/// `e = min(max, base × 2^attempt)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JitterKind {
    /// Exactly `e`: every client that failed together retries together.
    #[serde(rename = "none")]
    Exponential,
    /// Uniform in `[0, e]`.
    Full,
    /// `e / 2` plus uniform in `[0, e / 2]`.
    Equal,
    /// Uniform in `[base, 3 × previous delay]`, capped at `max`; the first
    /// previous delay is `base`.
    Decorrelated,
}

/// A retry budget: a token bucket per call site. Each retry takes one
/// token and is refused when less than one is left; each success puts
/// `refill_per_success` back (up to `max_tokens`). Starts full.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetryBudget {
    pub max_tokens: u32,
    pub refill_per_success: f64,
}

/// The client's retries of its order request when the response times out
/// (a new request for the same order; the old one may still be worked on).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClientRetry {
    /// Retries after the first request (0 = never retry).
    pub retries: u32,
    #[serde(default)]
    pub backoff: Backoff,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub budget: Option<RetryBudget>,
}

fn default_jitter() -> f64 {
    0.5
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            base_ms: 100,
            max_ms: 5_000,
            jitter: 0.5,
            kind: None,
        }
    }
}

/// What a `call` step does when its target fails or its breaker is open.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Fallback {
    /// Call this other handler instead (a backup provider).
    Backup { target: String, timeout_ms: u64 },
    /// Publish the request to this queue (or exchange) for a later retry; the
    /// step ends *deferred* and the payment record becomes QUEUED_FOR_RETRY.
    QueueForRetry(String),
}

/// When a `call` step takes its fallback (document 004 takes it only when
/// the breaker is open: otherwise it records FAILED and throws).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FallbackPolicy {
    /// The document's: publish to the retry queue (`fallback:
    /// queue_for_retry`) only when the breaker is open after the failure;
    /// the caller hears QUEUED_FOR_RETRY at once.
    QueueWhenOpen,
    /// Publish to the retry queue on any failure.
    QueueAlways,
    /// Call the backup provider (`fallback: backup`) when the breaker is open.
    BackupProvider,
    /// No fallback: the step fails (the payment record says FAILED).
    Fail,
}

/// One step of a handler.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Step {
    /// Synchronous request/response: wait for the answer (holding a worker).
    Call {
        /// `"service.op"`.
        target: String,
        timeout_ms: u64,
        #[serde(default)]
        retries: u32,
        #[serde(default)]
        backoff: Backoff,
        /// Retries allowed only while this call site's bucket holds a token.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        retry_budget: Option<RetryBudget>,
        /// Go through this circuit breaker.
        #[serde(default)]
        breaker: Option<String>,
        #[serde(default)]
        fallback: Option<Fallback>,
        /// When the fallback is taken; without a policy, on any failure.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        fallback_policy: Option<FallbackPolicy>,
        /// A failed mandatory step fails the handler; a failed best-effort
        /// step is recorded and skipped.
        #[serde(default = "yes")]
        mandatory: bool,
        /// Handler called to undo this step when a later mandatory step fails.
        #[serde(default)]
        compensate: Option<Compensate>,
    },
    /// Fire-and-forget: send and move on; nobody learns whether it worked.
    Send {
        target: String,
        #[serde(default)]
        compensate: Option<Compensate>,
    },
    /// Publish a message to a queue or exchange and wait for the broker's
    /// confirmation (not for the consumer).
    Publish {
        /// Queue or exchange id.
        to: String,
        /// Message name shown on the diagram (`"OrderPlaced"`).
        #[serde(default)]
        message: Option<String>,
        #[serde(default = "yes")]
        mandatory: bool,
    },
    /// In the 202 completion modes, answer the client now ("202 Accepted",
    /// with the order id) and carry on in the background. A no-op when the
    /// client waits synchronously.
    Accept {
        /// The HTTP status of the early answer: 202 Accepted unless the
        /// design says otherwise (the pizza document answers 200 OK).
        #[serde(default = "default_accept_code", skip_serializing_if = "is_202")]
        code: u16,
    },
    /// Write the order's status to the status store.
    Status {
        value: String,
        #[serde(default)]
        mandatory: bool,
    },
    /// Tell the client about progress (`"BAKING"`) over the completion
    /// channel: a status write (polling), a webhook (callback) or a push.
    Notify { status: String },
    /// If a call of this handler was answered QUEUED_FOR_RETRY (its callee
    /// queued the work for a later retry), tell the client `status` now: a
    /// sync client gets it as its response and stops waiting, a client that
    /// took 202 hears it as progress over its channel. Otherwise nothing.
    AnswerIfQueued { status: String },
    /// Tell the client the order is finished (COMPLETED, or FAILED when the
    /// handler fails for good) over the completion channel.
    Complete {
        /// Name of the final success status (defaults to COMPLETED; the pizza
        /// flow says READY).
        #[serde(default)]
        status: Option<String>,
    },
    /// Local work that takes time (a pizza in the oven).
    Work {
        latency: Latency,
        #[serde(default)]
        label: Option<String>,
    },
    /// Park until the order's `event` is raised (or fail after `timeout_ms`).
    /// A parked handler holds no worker.
    Wait { event: String, timeout_ms: u64 },
    /// Raise the order's `event` now.
    Emit { event: String },
}

fn yes() -> bool {
    true
}

/// How a step is undone: `"inventory.release"` (a call that insists until
/// it is answered), or `{"target": "inventory.release", "mode": "send"}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Compensate {
    /// A blocking call to this handler (`"service.op"`).
    Target(String),
    /// A handler and how it is reached.
    Detailed(CompensateSpec),
}

impl Compensate {
    /// The handler that undoes the step.
    pub fn target(&self) -> &str {
        match self {
            Compensate::Target(t) => t,
            Compensate::Detailed(d) => &d.target,
        }
    }

    /// How the undo is sent.
    pub fn mode(&self) -> CompensateMode {
        match self {
            Compensate::Target(_) => CompensateMode::Call,
            Compensate::Detailed(d) => d.mode,
        }
    }
}

/// A compensation's handler and mode.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompensateSpec {
    pub target: String,
    #[serde(default)]
    pub mode: CompensateMode,
}

/// How a compensation reaches its handler.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CompensateMode {
    /// Wait for the answer, retrying for about two minutes: the failure is
    /// reported only once the undo is done (or given up).
    #[default]
    Call,
    /// Fire-and-forget: send the undo and go on, so the failure is
    /// reported at once; nobody learns whether the undo arrived.
    Send,
}

fn default_accept_code() -> u16 {
    202
}

fn is_202(code: &u16) -> bool {
    *code == 202
}

/// A circuit breaker, configured with opossum's options (the library document
/// 004 uses) under their own camelCase names, plus the document's
/// `failureThreshold`. Times are in milliseconds, as opossum takes them.
/// The snake_case names of earlier versions are accepted as aliases.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BreakerSpec {
    pub id: String,
    /// The document's `failureThreshold`: this many failures in a row open
    /// the breaker (opossum itself has no such option; none: only the error
    /// rate opens it).
    #[serde(
        rename = "failureThreshold",
        alias = "failure_threshold",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub failure_threshold: Option<u32>,
    /// opossum's `errorThresholdPercentage` (percent, 0 to 100): a failure
    /// opens the breaker when failures are above this share of the calls in
    /// the rolling window.
    #[serde(
        rename = "errorThresholdPercentage",
        default = "default_error_threshold_percentage"
    )]
    pub error_threshold_percentage: f64,
    /// The old form of the threshold, a fraction (`0.5`); replaces
    /// `errorThresholdPercentage` when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_rate_threshold: Option<f64>,
    /// opossum's `rollingCountTimeout` (milliseconds): the rolling window the
    /// calls and failures are counted over.
    #[serde(
        rename = "rollingCountTimeout",
        alias = "window_ms",
        default = "default_rolling_count_timeout_ms"
    )]
    pub rolling_count_timeout_ms: u64,
    /// opossum's `rollingCountBuckets`: the window is this many buckets,
    /// dropped oldest first.
    #[serde(
        rename = "rollingCountBuckets",
        default = "default_rolling_count_buckets"
    )]
    pub rolling_count_buckets: u32,
    /// opossum's `volumeThreshold`: calls the window must hold before the
    /// error rate may open the breaker.
    #[serde(rename = "volumeThreshold", alias = "min_calls", default)]
    pub volume_threshold: u32,
    /// opossum's `timeout` (milliseconds): a call through the breaker fails
    /// after this (a shorter step timeout still applies).
    #[serde(
        rename = "timeout",
        alias = "call_timeout_ms",
        default = "default_breaker_timeout_ms"
    )]
    pub timeout_ms: u64,
    /// opossum's `resetTimeout` (milliseconds): time open before a trial call
    /// is let through (half-open).
    #[serde(
        rename = "resetTimeout",
        alias = "reset_timeout_ms",
        default = "default_reset_timeout_ms"
    )]
    pub reset_timeout_ms: u64,
    /// Trial calls let through while half-open (opossum: one); all must
    /// succeed to close it.
    #[serde(
        rename = "halfOpenTrialCalls",
        alias = "half_open_probes",
        default = "one"
    )]
    pub half_open_trial_calls: u32,
}

/// opossum's defaults.
fn default_error_threshold_percentage() -> f64 {
    50.0
}
fn default_rolling_count_timeout_ms() -> u64 {
    10_000
}
fn default_rolling_count_buckets() -> u32 {
    10
}
fn default_breaker_timeout_ms() -> u64 {
    10_000
}
fn default_reset_timeout_ms() -> u64 {
    30_000
}

/// A fact that must hold for an order to count as done.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Requirement {
    /// Its units are reserved (or shipped).
    StockReserved,
    /// Its money is captured and not refunded.
    Paid,
    /// Its units left the warehouse.
    Shipped,
    /// A named fact set by a `mark` effect.
    Flag(String),
}

/// How orders are judged when they settle.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutcomeSpec {
    /// All must hold for "completed"; none may hold for "failed cleanly".
    #[serde(default)]
    pub requires: Vec<Requirement>,
}

/// Bounds on what the engine keeps in memory.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    /// Trace events buffered between two drains; older ones are dropped (and counted).
    #[serde(default = "default_trace_buffer")]
    pub trace_buffer: u32,
    /// Orders in flight at once; arrivals beyond are turned away (and counted).
    #[serde(default = "default_max_live_orders")]
    pub max_live_orders: u32,
    /// Commands applied in one run.
    #[serde(default = "default_max_commands")]
    pub max_commands: u32,
    /// Time between two samples of the time series.
    #[serde(default = "default_sample_interval_ms")]
    pub sample_interval_ms: u64,
    /// Samples kept per time series (older ones are dropped).
    #[serde(default = "default_series_points")]
    pub series_points: u32,
}

fn default_trace_buffer() -> u32 {
    1_000_000
}
fn default_max_live_orders() -> u32 {
    100_000
}
fn default_max_commands() -> u32 {
    10_000
}
fn default_sample_interval_ms() -> u64 {
    500
}
fn default_series_points() -> u32 {
    4_000
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            trace_buffer: default_trace_buffer(),
            max_live_orders: default_max_live_orders(),
            max_commands: default_max_commands(),
            sample_interval_ms: default_sample_interval_ms(),
            series_points: default_series_points(),
        }
    }
}
