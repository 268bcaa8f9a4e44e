//! # Orderflow Playground — the browser app
//!
//! A Leptos (client-side rendered) page that draws an e-commerce order flow
//! as an animated service diagram; the orchestration itself runs in the page
//! on the deterministic engine of the `orderflow-sim` crate.
//!
//! ## Layout
//! - [`topology`]: the nodes and edges a diagram shows (plain data).
//! - [`layout`]: pure geometry — node boxes and edge curves from a topology.
//! - [`diagram_view`]: the diagram's view model (what the SVG needs).
//! - [`components`]: Leptos components; they only wire data to markup.
//! - [`fatal`]: the panic hook and the visible "something broke" banner.
//!
//! Logic lives in the plain modules and is tested natively with `cargo test`;
//! the components are tested in a browser with `wasm-bindgen-test`.

pub mod components;
pub mod diagram_view;
pub mod event_log;
pub mod fatal;
pub mod inspector;
pub mod layout;
pub mod playback;
pub mod scene;
pub mod session;
pub mod stats;
pub mod topology;
pub mod url_state;

use leptos::prelude::*;

use crate::components::Diagram;
use crate::diagram_view::DiagramView;
use crate::topology::Topology;

/// The whole page.
#[component]
pub fn App() -> impl IntoView {
    let diagram = DiagramView::new(&Topology::order_flow());
    view! {
        <main class="page">
            <header class="page__header">
                <h1 class="page__title">"Orderflow Playground"</h1>
                <p class="page__intro">
                    "Watch an order travel through its services, then break one and see what each design does about it."
                </p>
            </header>
            <section class="page__diagram" aria-label="Diagram">
                <Diagram view=diagram />
            </section>
        </main>
    }
}

/// Mounts the app on `<body>` and removes the loading placeholder.
pub fn mount() {
    fatal::remove_boot_placeholder();
    leptos::mount::mount_to_body(App);
}
