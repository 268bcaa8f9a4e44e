//! Owns the page's side of the engine worker (`crates/orderflow-worker`):
//! starts it on demand (its wasm is not loaded at start), posts a job's
//! text once the worker says it is ready, and hands each result to the callbacks. A new job ends the worker
//! running the previous one, so a stale result never arrives. The protocol
//! is described in the worker's crate.

use std::cell::RefCell;

use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{MessageEvent, Worker};

/// The worker's loader, beside the page (Trunk names worker files after
/// the binary, without a hash).
const LOADER: &str = "./orderflow-worker_loader.js";
/// What the worker posts once it listens; the job is sent then.
const READY: &str = "ready";

struct Running {
    worker: Worker,
    // Kept alive as long as the worker.
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_error: Closure<dyn FnMut(web_sys::Event)>,
}

thread_local! {
    static RUNNING: RefCell<Option<Running>> = const { RefCell::new(None) };
}

/// Ends the job under way, if any.
pub fn stop() {
    RUNNING.with(|r| {
        if let Some(old) = r.borrow_mut().take() {
            old.worker.terminate();
        }
    });
}

/// Starts `job` in a fresh worker. `on_result(design, seed_index,
/// figures)` is called for every run, `on_error` with a problem in words.
pub fn start(
    job: &str,
    on_result: impl Fn(usize, usize, Vec<f64>) + 'static,
    on_error: impl Fn(String) + 'static,
) {
    stop();
    let worker = match Worker::new(LOADER) {
        Ok(w) => w,
        Err(e) => {
            on_error(format!("the worker did not start: {e:?}"));
            return;
        }
    };
    let on_error = std::rc::Rc::new(on_error);
    let err = on_error.clone();
    let (sender, job) = (worker.clone(), job.to_owned());
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |ev: MessageEvent| {
        let data = ev.data();
        if let Some(text) = data.as_string() {
            if text == READY {
                if sender.post_message(&JsValue::from_str(&job)).is_err() {
                    err("could not send the job to the worker".into());
                }
            } else {
                err(text);
            }
            return;
        }
        let Ok(array) = data.dyn_into::<js_sys::Float64Array>() else {
            err("the worker sent something unexpected".into());
            return;
        };
        let v = array.to_vec();
        if v.len() < 2 {
            err("the worker sent a short result".into());
            return;
        }
        on_result(v[0] as usize, v[1] as usize, v[2..].to_vec());
    });
    let err = on_error.clone();
    let on_fail = Closure::<dyn FnMut(web_sys::Event)>::new(move |_ev: web_sys::Event| {
        err("the worker failed to load or crashed".into());
    });
    worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    worker.set_onerror(Some(on_fail.as_ref().unchecked_ref()));
    RUNNING.with(|r| {
        *r.borrow_mut() = Some(Running {
            worker,
            _on_message: on_message,
            _on_error: on_fail,
        })
    });
}
