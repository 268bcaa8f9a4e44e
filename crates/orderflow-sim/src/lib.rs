//! # orderflow-sim — the engine of the Orderflow Playground
//!
//! A deterministic, discrete-event simulation of an e-commerce order flowing
//! through services (client, order, inventory, payment, warehouse,
//! notification, a message broker, a status store). The playground runs it in
//! the browser (WebAssembly); tests and the `orderflow` command-line tool run
//! it natively, and both produce bit-identical results for the same scenario
//! and seed.
//!
//! ## Rules the engine keeps
//! - **No I/O, no clock, no entropy.** Time is [`SimTime`], an integer count of
//!   simulated microseconds that only moves forward when the caller steps the
//!   simulation. Nothing here depends on anything web.
//! - **Integer time, explicit units.** Every duration carries its unit in its
//!   name or type (`timeout_ms`, [`SimTime::from_millis`]).
//!
//! ## Layout
//! - [`scenario`]: the scenario file format (serde JSON).
//! - [`model`]: validation and compilation of a scenario into index tables.
//! - [`sim`]: [`Sim`], the event loop and every behaviour of the flow.
//! - [`broker`], [`breaker`], [`order`]: the pieces `sim` is made of.
//! - [`trace`], [`metrics`]: what a run produces.
//! - [`command`]: live changes, recorded for replay.
//! - [`rng`], [`time`]: the one random generator, and integer time.
//! - [`presets`]: the scenarios of `scenarios/`, compiled in.
//! - [`report`], [`mermaid`]: metrics as JSON, one order as a sequence diagram.
pub mod breaker;
pub mod broker;
pub mod command;
pub mod mermaid;
pub mod metrics;
pub mod model;
pub mod order;
pub mod presets;
pub mod report;
pub mod rng;
pub mod scenario;
pub mod sim;
pub mod time;
pub mod trace;

pub use command::{AppliedCommand, Command};
pub use model::{Model, ScenarioError, ScenarioErrors};
pub use scenario::{Completion, Scenario};
pub use sim::Sim;
pub use time::SimTime;
