//! Integration tests of the engine, one binary (see ARCHITECTURE.md):
//! scenario validation, behaviours of each pattern, trace snapshots,
//! determinism, invariants over seed sweeps, queueing theory, the CLI.

mod async_api;
mod balancers;
mod behaviours;
mod breakers;
mod builtins;
mod claims;
mod cli;
mod commands;
mod determinism;
mod equivalence;
mod invariants;
mod retries;
mod scenario_errors;
mod snapshots;
mod stock_and_compensation;
mod support;
mod theory;
