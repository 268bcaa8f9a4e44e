//! Owns the page's side of the on-demand worker (`src/bin/on-demand.rs`:
//! the design's JSON and the exports): it is started the first time
//! something is asked, requests wait until it says `ready`, and each reply
//! goes to the callback of the oldest request (the worker answers in
//! order). Browser-facing; the protocols themselves are plain text, built
//! and read by [`crate::design_json`] and [`crate::export`] and tested
//! there.

use std::cell::RefCell;
use std::collections::VecDeque;

use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{MessageEvent, Worker};

/// Requests waiting for a reply at most; older ones are answered with an
/// error when more arrive (a person cannot click faster than that).
const MAX_WAITING: usize = 8;

/// The worker's loader, named by Trunk after the binary (not hashed).
const LOADER: &str = "on-demand_loader.js";

type Reply = Box<dyn FnOnce(String)>;

struct Handle {
    worker: Worker,
    ready: bool,
    /// Requests not yet posted (the worker is still loading).
    unsent: Vec<String>,
    /// Callbacks of posted or unsent requests, oldest first.
    waiting: VecDeque<Reply>,
}

thread_local! {
    static WORKER: RefCell<Option<Handle>> = const { RefCell::new(None) };
}

/// Where the page's own files are: the folder of the wasm's JS glue, which
/// `web/loader.js` reads from the same `<meta>` tag (the site serves the
/// playground under a sub-path).
fn base() -> String {
    web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.query_selector("meta[name='orderflow:js']").ok().flatten())
        .and_then(|m| m.get_attribute("content"))
        .and_then(|js| js.rfind('/').map(|i| js[..=i].to_owned()))
        .unwrap_or_else(|| "./".to_owned())
}

fn fail_all(message: &str) {
    let waiting: Vec<Reply> = WORKER.with(|w| {
        w.borrow_mut()
            .as_mut()
            .map(|h| h.waiting.drain(..).collect())
            .unwrap_or_default()
    });
    for reply in waiting {
        reply(format!("err\n{message}"));
    }
    // Start afresh next time.
    WORKER.with(|w| {
        if let Some(h) = w.borrow_mut().take() {
            h.worker.terminate();
        }
    });
}

fn start() -> Result<Handle, String> {
    let worker = Worker::new(&format!("{}{LOADER}", base()))
        .map_err(|_| "the on-demand worker could not be started".to_owned())?;
    let on_message = Closure::<dyn Fn(MessageEvent)>::new(|ev: MessageEvent| {
        let text = ev.data().as_string().unwrap_or_default();
        if text == "ready" {
            WORKER.with(|w| {
                if let Some(h) = w.borrow_mut().as_mut() {
                    h.ready = true;
                    for req in h.unsent.drain(..) {
                        let _ = h.worker.post_message(&JsValue::from_str(&req));
                    }
                }
            });
            return;
        }
        let reply = WORKER.with(|w| w.borrow_mut().as_mut().and_then(|h| h.waiting.pop_front()));
        if let Some(reply) = reply {
            reply(text);
        }
    });
    let on_error = Closure::<dyn Fn(web_sys::Event)>::new(|_: web_sys::Event| {
        fail_all("the on-demand worker did not load or stopped; try again");
    });
    worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    // Both live as long as the worker, which lives as long as the page.
    on_message.forget();
    on_error.forget();
    Ok(Handle {
        worker,
        ready: false,
        unsent: Vec::new(),
        waiting: VecDeque::new(),
    })
}

/// Sends `request` to the worker (starting it if needed); `reply` gets its
/// answer, or `err\n<why>` if the worker cannot run.
pub fn ask(request: String, reply: impl FnOnce(String) + 'static) {
    let started = WORKER.with(|w| {
        let mut w = w.borrow_mut();
        if w.is_none() {
            *w = Some(start()?);
        }
        Ok::<(), String>(())
    });
    if let Err(e) = started {
        reply(format!("err\n{e}"));
        return;
    }
    let dropped = WORKER.with(|w| {
        let mut w = w.borrow_mut();
        let h = w.as_mut().expect("started above");
        let dropped = (h.waiting.len() >= MAX_WAITING)
            .then(|| h.waiting.pop_front())
            .flatten();
        h.waiting.push_back(Box::new(reply));
        if h.ready {
            let _ = h.worker.post_message(&JsValue::from_str(&request));
        } else {
            h.unsent.push(request);
        }
        dropped
    });
    if let Some(old) = dropped {
        old("err\nreplaced by a newer request".to_owned());
    }
}
