//! # orderflow-sim — the engine of the Orderflow Playground
//!
//! A deterministic, discrete-event simulation of an e-commerce order flowing
//! through services. The playground runs it in the browser (WebAssembly);
//! tests and the `orderflow` command-line tool run it natively, and both
//! produce bit-identical traces for the same scenario, seed and commands.
//!
//! ## The model
//!
//! ```text
//!                      ┌──────────── sync call (timeout, retries, breaker) ─────────────┐
//!  ┌────────┐ request ┌┴────────┐  call  ┌───────────┐        ┌─────────┐  call  ┌──────────┐
//!  │ Client ├────────►│  Order  ├───────►│ Inventory │        │ Payment ├───────►│ Provider │
//!  └──▲──▲──┘◄────────┤ Service ├───────────────────────────►│         │◄───────┤(external)│
//!     │  │  response  └──┬───┬──┘                            └────▲────┘        └──────────┘
//!     │  │   or 202      │   │ publish                            │ retry queue (breaker open)
//!     │  │               │ ┌─▼──────────────────────────────┐     │
//!     │  │ poll          │ │ Message Broker                 ├─────┘
//!     │  │               │ │  fanout ─► warehouse_q ───────────► Warehouse
//!     │  │ ┌───────────┐ │ │          notification_q ────────► Notification
//!     │  └─┤  Status   │◄┘ │  ack · visibility timeout · redelivery · dead letters
//!     │    │  Store    │   └────────────────────────────────┘
//!     │    └───────────┘
//!     └────── callback (webhook) or push (server-sent events)
//! ```
//!
//! A **scenario** ([`scenario`], JSON in `scenarios/`) names the services,
//! what each does when asked (its *handlers*: an effect on its data followed
//! by *steps*), the broker's queues, exchanges and consumers, circuit
//! breakers, how the client learns outcomes, the workload and scheduled
//! faults. [`model::Model::compile`] validates it (every error names the
//! field) and resolves names to indices.
//!
//! - **Services** have replicas × concurrency workers and a bounded request
//!   queue (full: 503). Handling takes a latency draw, may fail at the error
//!   rate, and applies an effect: reserve or release stock, write the payment
//!   record (PENDING → SUCCESS / FAILED / QUEUED_FOR_RETRY), capture money at
//!   the provider (at most once per order: the order id is the idempotency
//!   key), ship, notify, write a status…
//! - **Steps**: a synchronous `call` holds the worker until the answer or the
//!   timeout, retries with exponential backoff and jitter, may go through a
//!   circuit breaker and fall back to a backup or a retry queue; `send` is
//!   fire-and-forget; `publish` waits for the broker's confirm; `wait` parks
//!   (no worker held) until an order event. A failed mandatory step undoes
//!   the earlier steps (compensation, latest first); a best-effort one is
//!   skipped.
//! - **The broker** keeps queues (durable or transient, bounded), routes
//!   through direct and fanout exchanges, delivers to competing consumer
//!   replicas (round-robin or least-busy, within prefetch), redelivers
//!   rejected or timed-out messages with backoff, and dead-letters after the
//!   maximum number of deliveries or the TTL.
//! - **The client** either waits for the response, or takes 202 Accepted and
//!   learns the outcome by polling a status endpoint, by a webhook (retried),
//!   or by push.
//! - **Orders** are judged when nothing is left in flight for them, by
//!   comparing what the client was told with the records: completed, failed,
//!   compensated, *inconsistent* or *lost* ([`order`]).
//!
//! ## Rules the engine keeps
//! - **No I/O, no clock, no entropy.** Time is [`SimTime`], integer
//!   microseconds that move only when the caller steps the simulation. One
//!   seeded generator ([`rng::SimRng`]) makes every random choice, and
//!   transcendental math goes through `libm`, so native and wasm runs match
//!   to the bit. Nothing here depends on anything web.
//! - **Events are ordered by `(time, seq)`**: simultaneous events run in the
//!   order they were scheduled.
//! - **Everything is bounded**: queues, retries, live orders, the trace
//!   buffer, time series, commands (see [`scenario::Limits`] and
//!   [`model::bounds`]).
//!
//! ## Layout
//! - [`scenario`]: the scenario file format (serde JSON).
//! - [`model`]: validation and compilation of a scenario into index tables.
//! - [`ids`]: every id: model table indices and keys of live things.
//! - [`sim`]: [`Sim`], the public sans-IO API; inside, one file per part of
//!   the flow (schedule, client, network, services, handlers, calls,
//!   effects and stock, broker, breakers, commands).
//! - [`breaker`], [`order`]: the breaker state machine and one order's state.
//! - [`trace`], [`metrics`]: what a run produces.
//! - [`command`]: live changes, checked against the model, recorded for replay.
//! - [`rng`], [`time`]: the one random generator, and integer time.
//! - [`presets`]: the scenarios of `scenarios/`, compiled in.
//! - [`report`], [`mermaid`]: metrics as JSON, one order as a sequence diagram.
//! - [`link`]: the playground link of a scenario that is a preset with options.
//! - [`measure`]: the metric registry: every figure a run is compared by,
//!   named, with its unit and better direction.
//! - [`claims`]: what a scenario demonstrates, checked by running it;
//!   [`compare`]: designs over many seeds; [`stats`]: the statistics both use;
//!   [`comparisons`]: designs as one line of text (for links and the browser's
//!   worker) and the built-in comparisons.
//!
//! ## Example
//! ```
//! use orderflow_sim::{Sim, presets};
//!
//! let model = presets::model("hybrid-queue").unwrap().unwrap();
//! let mut sim = Sim::new(model, 42);
//! sim.set_trace(false);
//! assert!(sim.run_to_end(10_000_000));
//! let outcomes = sim.metrics().outcomes;
//! assert_eq!(outcomes.lost, 0); // the warehouse outage loses nothing
//! ```
pub mod breaker;
pub mod claims;
pub mod command;
pub mod compare;
pub mod comparisons;
pub mod design;
pub mod ids;
pub mod link;
pub mod measure;
pub mod mermaid;
pub mod metrics;
pub mod model;
pub mod order;
pub mod presets;
pub mod report;
pub mod retry;
pub mod rng;
pub mod scenario;
pub mod sim;
pub mod stats;
pub mod time;
pub mod trace;

pub use command::{AppliedCommand, Command, ResolvedCommand};
pub use model::{Model, ScenarioError, ScenarioErrors};
pub use scenario::{Completion, IdSource, Scenario};
pub use sim::{RunOptions, Sim};
pub use time::SimTime;
