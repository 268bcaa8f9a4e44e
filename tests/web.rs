//! Owns the browser tests of the app's components (`wasm-bindgen-test` in
//! headless Chromium). Run with `cargo test --target wasm32-unknown-unknown`.
#![cfg(target_arch = "wasm32")]

use leptos::prelude::*;
use orderflow_playground::app::{Actions, Live, provide_app};
use orderflow_playground::components::{LiveDiagram, Transport};
use orderflow_playground::controller::Controller;
use orderflow_playground::token_layer::Fit;
use orderflow_playground::url_state::UrlState;
use orderflow_sim::trace::MsgKind;
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

/// Waits for the next task: Leptos' effects (the canvas drawing) have run.
async fn next_task() {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window()
            .unwrap()
            .set_timeout_with_callback(&resolve)
            .unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(promise).await.unwrap();
}

fn token_canvas(parent: &web_sys::HtmlElement) -> web_sys::HtmlCanvasElement {
    parent
        .query_selector("canvas.diagram__tokens")
        .unwrap()
        .expect("the token canvas")
        .unchecked_into()
}

/// Alpha of the canvas pixel under diagram point (`x`, `y`).
fn alpha_at(canvas: &web_sys::HtmlCanvasElement, view_box: [f64; 4], x: f64, y: f64) -> u8 {
    let r = canvas.get_bounding_client_rect();
    let fit = Fit::meet(view_box, r.width(), r.height());
    let (px, py) = fit.to_px(x, y);
    let scale = f64::from(canvas.width()) / r.width();
    let cx: web_sys::CanvasRenderingContext2d =
        canvas.get_context("2d").unwrap().unwrap().unchecked_into();
    let data = cx
        .get_image_data((px * scale).floor(), (py * scale).floor(), 1.0, 1.0)
        .unwrap()
        .data();
    data[3]
}

#[wasm_bindgen_test]
fn diagram_renders_the_scenario_nodes() {
    let parent = container();
    let handle = leptos::mount::mount_to(parent.clone(), move || {
        provide_app(controller("?preset=hybrid-queue"));
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
    assert!(
        parent
            .query_selector("canvas.diagram__tokens")
            .unwrap()
            .is_some(),
        "the token layer is there"
    );
    drop(handle);
    assert_eq!(
        parent.query_selector_all("[data-node]").unwrap().length(),
        0,
        "unmount leaves nodes behind"
    );
}

#[wasm_bindgen_test]
async fn a_token_appears_after_a_step() {
    let parent = container();
    let slot = StoredValue::new_local(None::<(Live, Actions)>);
    let _handle = leptos::mount::mount_to(parent.clone(), move || {
        slot.set_value(Some(provide_app(controller("?preset=sync-chain"))));
        view! { <LiveDiagram /> }
    });
    let (live, act) = slot.get_value().unwrap();
    let view_box = live.design.with_untracked(|d| d.diagram.view_box);
    next_task().await;
    let canvas = token_canvas(&parent);
    assert_eq!(canvas.get_attribute("data-tokens").as_deref(), Some("0"));
    // The first events are the order arriving and the first request being
    // sent; a few steps put a message on an edge.
    for _ in 0..6 {
        act.step();
        if live.frame.with_untracked(|f| !f.tokens.is_empty()) {
            break;
        }
    }
    let token = live
        .frame
        .with_untracked(|f| f.tokens.first().copied())
        .expect("a message in flight after stepping");
    assert_eq!(token.kind, MsgKind::Request);
    next_task().await;
    assert_eq!(canvas.get_attribute("data-tokens").as_deref(), Some("1"));
    assert!(
        canvas.width() > 0 && canvas.height() > 0,
        "the canvas is sized"
    );
    assert!(
        alpha_at(&canvas, view_box, token.x, token.y) > 0,
        "the dot is painted where the token is"
    );
    assert_eq!(
        alpha_at(&canvas, view_box, token.x + 40.0, token.y + 40.0),
        0,
        "and nowhere else"
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
async fn transport_play_button_toggles_playback() {
    let parent = container();
    let slot = StoredValue::new_local(None::<Live>);
    let _handle = leptos::mount::mount_to(parent.clone(), move || {
        let (live, _) = provide_app(controller("?preset=hybrid"));
        slot.set_value(Some(live));
        view! { <Transport compact=true /> }
    });
    let live = slot.get_value().unwrap();
    let button: web_sys::HtmlElement = parent
        .query_selector("button[aria-label=Play]")
        .unwrap()
        .expect("a Play button")
        .unchecked_into();
    button.click();
    assert!(live.ui.with_untracked(|u| u.playing));
    next_task().await;
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
