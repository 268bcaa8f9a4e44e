//! Fuzzing on stable Rust: a seeded driver loop ([`driver`]), checks on the
//! shape of error messages ([`shape`]), and the engine's targets: scenario
//! files as raw bytes and as structure-aware mutations of every preset
//! ([`scenario`]), commands applied to a running simulation at random
//! moments ([`commands`]), and designs: random edits of every preset's
//! settings and raw `d=` texts ([`design`]). The app's targets (share links, the session)
//! live beside the code they test and use the same driver.
//!
//! There is no fuzzing engine: cargo-fuzz needs a nightly toolchain. Each
//! input is generated from `(seed, index)` alone, so any input is
//! reproduced by its seed and index (`FUZZ_SEED=… FUZZ_ONLY=…`), and a
//! target is one function pair: a generator and a check. Every panic is a
//! failure, and so is a rejection whose message does not name the field.
//!
//! How much to run comes from the environment (see [`driver::Config`]):
//! `cargo test` runs a few seconds per target; `scripts/dev.sh fuzz` sets
//! `FUZZ_INPUTS=1000000` and a seed. Inputs that ever failed are kept in
//! `corpus/<target>/` and run first, every time.
//!
//! Native only: on wasm32 the crate is empty.
#![cfg(not(target_arch = "wasm32"))]

pub mod commands;
pub mod design;
pub mod driver;
pub mod scenario;
pub mod shape;

pub use driver::{Config, Outcome, Report, Rng, corpus, run, run_corpus};
