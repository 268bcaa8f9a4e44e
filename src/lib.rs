//! Owns the browser app's crate root: the module map and [`mount`].
//!
//! # Orderflow Playground — the browser app
//!
//! A Leptos (client-side rendered) page that draws an e-commerce order flow
//! as an animated service diagram; the orchestration itself runs in the page
//! on the deterministic engine of the `orderflow-sim` crate.
//!
//! ## Layout
//! Plain Rust, natively tested:
//! - state: [`url_state`] (the URL), [`controller`] (the runs under one
//!   playback, every action), [`run`] (one design's run), [`session`] (the
//!   engine, trace and checkpoints), [`playback`] (wall time → simulated);
//! - view models: [`scene`] (the diagram and queues at an instant),
//!   [`diagram_view`], [`topology`], [`layout`], [`token_layer`],
//!   [`controls_view`] (scenario bar, transport, keys), [`design_panel`]
//!   (every setting of the design, grouped), [`faults`] (break things),
//!   [`stats`] (metrics), [`claims_view`] (a preset's claims and their
//!   "show me"), [`inspector`], [`event_log`], [`announce`]
//!   (the diagram's state in words for screen readers);
//! - [`compare_view`] (the delta table, results of many seeds);
//! - [`design_json`] (the design's scenario JSON, read and written) and
//!   [`export`] (the Export menu's files): only the on-demand wasm,
//!   `src/bin/on-demand.rs`, calls them; [`on_demand`] is the page's side of
//!   that worker;
//! - [`fatal`] (the error banner).
//!
//! Browser-facing: [`app`] (the page and its two handles, [`app::Live`] and
//! [`app::Actions`]), [`driver`] (the one module that touches the animation
//! clock), [`seeds_worker`] (the engine worker for "Run N seeds") and
//! [`components`] (markup).
//!
//! Logic lives in the plain modules and is tested natively with `cargo test`;
//! the components are tested in a browser with `wasm-bindgen-test`.

pub mod announce;
pub mod app;
pub mod claims_view;
pub mod compare_view;
pub mod components;
pub mod controller;
pub mod controls_view;
pub mod design_json;
pub mod design_panel;
pub mod diagram_view;
pub mod driver;
pub mod embed;
pub mod embed_bridge;
pub mod event_log;
pub mod export;
pub mod export_download;
pub mod fatal;
pub mod faults;
pub mod inspector;
pub mod layout;
pub mod on_demand;
pub mod playback;
pub mod run;
pub mod scene;
pub mod seeds_worker;
pub mod session;
pub mod stats;
pub mod tabs;
pub mod token_layer;
pub mod topology;
pub mod url_state;

pub use app::App;

/// Mounts the app on `<body>` and removes the loading placeholder.
pub fn mount() {
    fatal::remove_boot_placeholder();
    leptos::mount::mount_to_body(App);
}
