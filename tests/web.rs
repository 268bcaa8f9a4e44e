//! Browser tests of the app's components (`wasm-bindgen-test` in headless
//! Chromium). Run with `cargo test --target wasm32-unknown-unknown`.
#![cfg(target_arch = "wasm32")]

use leptos::prelude::*;
use orderflow_playground::components::Diagram;
use orderflow_playground::diagram_view::DiagramView;
use orderflow_playground::topology::Topology;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// A fresh `<div>` appended to the test page's body.
fn container() -> web_sys::HtmlElement {
    let document = web_sys::window().unwrap().document().unwrap();
    let div = document.create_element("div").unwrap();
    document.body().unwrap().append_child(&div).unwrap();
    div.unchecked_into()
}

#[wasm_bindgen_test]
fn diagram_renders_the_nine_named_nodes() {
    let parent = container();
    let view = DiagramView::new(&Topology::order_flow());
    let handle = leptos::mount::mount_to(
        parent.clone(),
        move || view! { <Diagram view=view.clone() /> },
    );

    let nodes = parent.query_selector_all("[data-node][role=img]").unwrap();
    assert_eq!(nodes.length(), 9);
    let mut labels = Vec::new();
    for i in 0..nodes.length() {
        let el: web_sys::Element = nodes.item(i).unwrap().unchecked_into();
        labels.push(el.get_attribute("aria-label").unwrap());
        assert!(
            el.query_selector("rect").unwrap().is_some(),
            "node {i} has no box"
        );
    }
    for expected in [
        "Client (client)",
        "Order Service (service)",
        "Inventory (service)",
        "Payment (service)",
        "Payment Provider (external service)",
        "Message Broker (message broker)",
        "Warehouse (service)",
        "Notification (service)",
        "Status Store (data store)",
    ] {
        assert!(
            labels.iter().any(|l| l == expected),
            "missing node {expected}: {labels:?}"
        );
    }
    let edges = parent.query_selector_all("path.diagram__edge").unwrap();
    assert_eq!(edges.length(), 9);
    let text = parent.text_content().unwrap();
    assert!(text.contains("Payment Provider"));
    drop(handle);
    assert_eq!(
        parent.query_selector_all("[data-node]").unwrap().length(),
        0,
        "unmount leaves nodes behind"
    );
}

/// The engine inside wasm reproduces the native runs bit for bit: every
/// preset's trace hash and the long runs of random draws equal the file the
/// native tests check (crates/orderflow-sim/tests/engine/snapshots).
#[wasm_bindgen_test]
fn engine_fingerprints_match_native() {
    let expected = include_str!("../crates/orderflow-sim/tests/engine/snapshots/fingerprints.txt");
    let got = orderflow_sim::presets::fingerprints_text();
    for (e, g) in expected.lines().zip(got.lines()) {
        assert_eq!(e, g, "wasm differs from native");
    }
    assert_eq!(expected.lines().count(), got.lines().count());
}
