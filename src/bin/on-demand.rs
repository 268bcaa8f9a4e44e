//! Owns the entry point of the on-demand wasm: a web worker for what the
//! page does only after a click, so none of it is part of the bundle loaded
//! at start. It reads and writes the design's scenario JSON
//! ([`orderflow_playground::design_json`]: serde_json and the scenario's
//! (de)serializers) and writes the Export menu's files
//! ([`orderflow_playground::export`]: the run replayed from its link), and
//! lists a preset's claims ([`orderflow_playground::claims_view`]: their
//! texts and runs).
//! The page starts it the first time one of them is asked for.
//!
//! It says `ready` once it listens (messages posted before that would be
//! lost), then answers each request with one reply, in order.

use orderflow_playground::{claims_view, design_json, export};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

fn main() {
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let reply_to = scope.clone();
    let on_message = Closure::<dyn Fn(MessageEvent)>::new(move |ev: MessageEvent| {
        let request = ev.data().as_string().unwrap_or_default();
        let reply = match request.split('\n').next() {
            Some(export::REQUEST) => export::answer(&request),
            Some(claims_view::REQUEST) => claims_view::answer(&request),
            _ => design_json::answer(&request),
        };
        let _ = reply_to.post_message(&JsValue::from_str(&reply));
    });
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    // The worker lives as long as the page: the handler is never dropped.
    on_message.forget();
    let _ = scope.post_message(&JsValue::from_str("ready"));
}
