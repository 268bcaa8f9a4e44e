//! Browser tests of the app's components (`wasm-bindgen-test` in headless
//! Chromium). Run with `cargo test --target wasm32-unknown-unknown`.
#![cfg(target_arch = "wasm32")]

use leptos::prelude::*;
use orderflow_playground::app::AppCtx;
use orderflow_playground::components::{LiveDiagram, Transport};
use orderflow_playground::controller::Controller;
use orderflow_playground::url_state::UrlState;
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

/// The controller a page opened with `?{query}` would have.
fn controller(query: &str) -> Controller {
    let (url, notices) = UrlState::parse(query);
    assert!(notices.is_empty(), "{notices:?}");
    Controller::from_url(&url, notices)
}

fn node_labels(parent: &web_sys::HtmlElement) -> Vec<String> {
    let nodes = parent.query_selector_all("[data-node][role=img]").unwrap();
    (0..nodes.length())
        .map(|i| {
            let el: web_sys::Element = nodes.item(i).unwrap().unchecked_into();
            el.get_attribute("aria-label").unwrap()
        })
        .collect()
}

/// Tokens drawn at a position (the idle slots of the pool have none).
fn visible_tokens(parent: &web_sys::HtmlElement) -> u32 {
    parent
        .query_selector_all("circle.token:not(.token--idle)")
        .unwrap()
        .length()
}

#[wasm_bindgen_test]
fn diagram_renders_the_scenario_nodes() {
    let parent = container();
    let handle = leptos::mount::mount_to(parent.clone(), move || {
        provide_context(AppCtx::new(controller("?preset=hybrid-queue")));
        view! { <LiveDiagram /> }
    });

    let labels = node_labels(&parent);
    assert_eq!(labels.len(), 9, "{labels:?}");
    for expected in [
        "Client",
        "Order Service",
        "Inventory",
        "Payment",
        "Payment Provider",
        "Message Broker",
        "Warehouse",
        "Notification",
        "Status Store",
    ] {
        assert!(
            labels
                .iter()
                .any(|l| l.starts_with(&format!("{expected}, up"))),
            "missing node {expected}: {labels:?}"
        );
    }
    for i in 0..9 {
        let el: web_sys::Element = parent
            .query_selector_all("[data-node]")
            .unwrap()
            .item(i)
            .unwrap()
            .unchecked_into();
        assert!(
            el.query_selector("rect").unwrap().is_some(),
            "node {i} has no box"
        );
    }
    assert!(
        parent
            .query_selector_all("path.diagram__edge")
            .unwrap()
            .length()
            >= 8
    );
    assert_eq!(
        visible_tokens(&parent),
        0,
        "nothing is in flight before the first step"
    );
    drop(handle);
    assert_eq!(
        parent.query_selector_all("[data-node]").unwrap().length(),
        0,
        "unmount leaves nodes behind"
    );
}

#[wasm_bindgen_test]
fn a_token_appears_after_a_step() {
    let parent = container();
    let ctx_slot = StoredValue::new_local(None::<AppCtx>);
    let _handle = leptos::mount::mount_to(parent.clone(), move || {
        let ctx = AppCtx::new(controller("?preset=sync-chain"));
        ctx_slot.set_value(Some(ctx));
        provide_context(ctx);
        view! { <LiveDiagram /> }
    });
    let ctx = ctx_slot.get_value().unwrap();
    assert_eq!(visible_tokens(&parent), 0);
    // The first events are the client's order arriving and the first request
    // being sent; a few steps put a message on an edge.
    for _ in 0..4 {
        ctx.act(|c| c.step());
        if visible_tokens(&parent) > 0 {
            break;
        }
    }
    assert!(visible_tokens(&parent) > 0, "no token after stepping");
    let token: web_sys::Element = parent
        .query_selector("circle.token:not(.token--idle)")
        .unwrap()
        .unwrap();
    let transform = token.get_attribute("transform").unwrap();
    assert!(transform.starts_with("translate("), "{transform}");
    assert!(
        token.class_name().contains("token--request"),
        "{}",
        token.class_name()
    );
    let live = parent
        .query_selector("[data-testid=in-flight]")
        .unwrap()
        .unwrap();
    assert!(
        live.text_content().unwrap().starts_with('1'),
        "{:?}",
        live.text_content()
    );
}

#[wasm_bindgen_test]
fn transport_play_button_toggles_playback() {
    let parent = container();
    let ctx_slot = StoredValue::new_local(None::<AppCtx>);
    let _handle = leptos::mount::mount_to(parent.clone(), move || {
        let ctx = AppCtx::new(controller("?preset=hybrid"));
        ctx_slot.set_value(Some(ctx));
        provide_context(ctx);
        view! { <Transport compact=true /> }
    });
    let ctx = ctx_slot.get_value().unwrap();
    let button: web_sys::HtmlElement = parent
        .query_selector("button[aria-label=Play]")
        .unwrap()
        .expect("a Play button")
        .unchecked_into();
    button.click();
    assert!(ctx.ctrl.with_value(|c| c.playback.is_playing()));
    assert!(
        parent
            .query_selector("button[aria-label=Pause]")
            .unwrap()
            .is_some(),
        "the button turns into Pause"
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
