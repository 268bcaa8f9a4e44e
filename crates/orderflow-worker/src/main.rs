//! The engine in a Web Worker: "Run N seeds" off the page's thread, so the
//! animation does not stutter while it runs.
//!
//! Protocol: once it listens, the worker posts `"ready"`; the page then
//! posts a job's text ([`SeedsJob`]: `seeds <first> <n>`
//! then one design per line); the worker runs every design with every seed,
//! seed by seed, and posts one `Float64Array` per run, `[design,
//! seed_index, figures…]` (the figures in the order of that design's
//! `measure::catalogue`), so the page can show progress and summarise with
//! the engine's statistics. A problem is posted as a string. A new job
//! replaces a running one only by the page ending this worker and starting
//! another.
//!
//! Built by Trunk as a worker (`data-type="worker"`, a loader shim that
//! `importScripts` the bindings): same-origin files only, so it works under
//! the page's `script-src 'self' 'wasm-unsafe-eval'` and offline.

use orderflow_sim::comparisons::{self, SeedsJob};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

fn main() {
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let reply = scope.clone();
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |ev: MessageEvent| {
        let Some(text) = ev.data().as_string() else {
            post_error(&reply, "job: expected text".into());
            return;
        };
        if let Err(e) = run(&reply, &text) {
            post_error(&reply, e);
        }
    });
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    // The handler lives as long as the worker.
    on_message.forget();
    // A message posted before the wasm was instantiated would find no
    // handler: the page sends the job only after this.
    let _ = scope.post_message(&JsValue::from_str(READY));
}

/// What the worker posts once it listens.
const READY: &str = "ready";

fn post_error(scope: &DedicatedWorkerGlobalScope, e: String) {
    let _ = scope.post_message(&JsValue::from_str(&e));
}

/// Runs the job, posting each run's figures as it finishes.
fn run(scope: &DedicatedWorkerGlobalScope, text: &str) -> Result<(), String> {
    let job = SeedsJob::parse(text)?;
    let mut prepared = Vec::with_capacity(job.designs.len());
    for spec in &job.designs {
        let design = spec.design()?;
        // The page already said which commands a design cannot take.
        let commands = spec.applicable(&design.model, &mut Vec::new());
        prepared.push((design, commands));
    }
    for (k, seed) in job.seed_list().into_iter().enumerate() {
        for (i, (design, commands)) in prepared.iter().enumerate() {
            let figures = comparisons::run_with_commands(design, commands, seed)?;
            let mut out = Vec::with_capacity(figures.len() + 2);
            out.push(i as f64);
            out.push(k as f64);
            out.extend(figures.iter().map(|(_, v)| *v));
            let array = js_sys::Float64Array::from(out.as_slice());
            scope
                .post_message(&array)
                .map_err(|_| "worker: could not post a result".to_owned())?;
        }
    }
    Ok(())
}
