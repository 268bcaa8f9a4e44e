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
//! - [`time`]: simulated time and its conversions.
pub mod time;

pub use time::SimTime;
