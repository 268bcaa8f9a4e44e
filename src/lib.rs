//! # Orderflow Playground — the browser app
//!
//! A Leptos (client-side rendered) page that draws an e-commerce order flow
//! as an animated service diagram; the orchestration itself runs in the page
//! on the deterministic engine of the `orderflow-sim` crate.
//!
//! ## Layout
//! Plain Rust, natively tested: [`url_state`], [`controller`], [`session`],
//! [`playback`], [`scene`], [`token_layer`], [`stats`], [`inspector`],
//! [`event_log`], [`topology`], [`layout`], [`diagram_view`], [`announce`], [`fatal`].
//! Browser-facing: [`app`] (context, page, embed mode), [`driver`] (the one
//! module that touches the animation clock) and [`components`] (markup).
//!
//! Logic lives in the plain modules and is tested natively with `cargo test`;
//! the components are tested in a browser with `wasm-bindgen-test`.

pub mod announce;
pub mod app;
pub mod components;
pub mod controller;
pub mod diagram_view;
pub mod driver;
pub mod event_log;
pub mod fatal;
pub mod inspector;
pub mod layout;
pub mod playback;
pub mod scene;
pub mod session;
pub mod stats;
pub mod token_layer;
pub mod topology;
pub mod url_state;

pub use app::App;

/// Mounts the app on `<body>` and removes the loading placeholder.
pub fn mount() {
    fatal::remove_boot_placeholder();
    leptos::mount::mount_to_body(App);
}
