//! Owns the embed API's browser side: listens to the page that embeds the
//! playground (`message` events from the parent window), turns a message's
//! data into plain [`Data`] for [`crate::embed`] to check, hands what it
//! accepts to the page's actions, and posts what that module builds (the
//! height, iframe-resizer's size messages, state events) to the parent.
//!
//! Everything here is conversion and plumbing; what a message means, when a
//! state event is due and whom to trust are decided in `embed.rs`, natively
//! tested. Nothing runs unless the page is inside a frame. It reads no
//! clock: state events are polled from the animation frame
//! ([`after_frame`], called by the page's driver target with the frame's
//! time).

use std::cell::RefCell;

use js_sys::{Array, Object, Reflect};
use leptos::ev;
use leptos::prelude::*;
use wasm_bindgen::{JsCast, JsValue};

use crate::app::Actions;
use crate::controller::Controller;
use crate::embed::{
    Data, HostMessage, Incoming, MAX_DEPTH, MAX_FIELDS, MAX_TEXT_CHARS, OriginRule, RESIZER_READY,
    Resizer, StateEvent, StateFeed, height_data, parse,
};
use crate::url_state::UrlState;

/// The link to the embedding page, while there is one.
struct Bridge {
    parent: web_sys::Window,
    rule: OriginRule,
    feed: StateFeed,
    resizer: Resizer,
    /// Heights are posted in embed mode only.
    embed: bool,
}

thread_local! {
    // The page is single-threaded; the bridge lives as long as the page.
    static BRIDGE: RefCell<Option<Bridge>> = const { RefCell::new(None) };
}

/// The parent window, if the page runs inside a frame.
fn parent_window() -> Option<web_sys::Window> {
    let w = web_sys::window()?;
    let parent = w.parent().ok().flatten()?;
    (!Object::is(&parent, &w)).then_some(parent)
}

fn warn(problem: &str) {
    web_sys::console::warn_1(&format!("Orderflow embed API: {problem}; ignored").into());
}

/// Starts the embed API if the page is inside a frame: listens to the
/// parent's messages and, in embed mode, asks an iframe-resizer parent
/// script to introduce itself (it may have tried before the app started).
pub fn use_embed_api(actions: Actions, url: &UrlState) {
    let Some(parent) = parent_window() else {
        return;
    };
    let rule = OriginRule::of_param(url.origin.as_deref());
    if rule == OriginRule::Nobody {
        warn("the link's origin is not an origin, so the API takes and posts nothing");
    }
    if url.embed
        && let Some(target) = rule.target()
    {
        let _ = parent.post_message(&RESIZER_READY.into(), target);
    }
    BRIDGE.with(|b| {
        *b.borrow_mut() = Some(Bridge {
            parent,
            rule,
            feed: StateFeed::default(),
            resizer: Resizer::default(),
            embed: url.embed,
        });
    });
    let listener = window_event_listener(ev::message, move |ev| on_message(actions, &ev));
    on_cleanup(move || {
        listener.remove();
        BRIDGE.with(|b| b.borrow_mut().take());
    });
}

/// One message from anywhere: only the parent's, from an accepted origin,
/// that parses, are acted on; the others are logged and change nothing.
fn on_message(actions: Actions, ev: &web_sys::MessageEvent) {
    let from_parent = BRIDGE.with(|b| {
        let b = b.borrow();
        let b = b.as_ref()?;
        let source = ev.source()?;
        Some(Object::is(&source, &b.parent))
    });
    // Messages from other windows (the page itself, an extension, another
    // frame) are not the host's: not ours to answer or to log.
    if from_parent != Some(true) {
        return;
    }
    let origin = ev.origin();
    let accepted = BRIDGE.with(|b| b.borrow().as_ref().is_some_and(|b| b.rule.accepts(&origin)));
    if !accepted {
        warn(&format!(
            "a message from {origin}, which the link's origin parameter does not allow"
        ));
        return;
    }
    let message = to_data(&ev.data(), 0).and_then(|d| parse(&d));
    match message {
        Ok(Incoming::Host(HostMessage::GetState)) => {
            BRIDGE.with(|b| {
                if let Some(b) = b.borrow_mut().as_mut() {
                    b.feed.ask();
                }
            });
        }
        Ok(Incoming::Host(request)) => {
            if let Err(problem) = actions.host_request(&request) {
                warn(&problem);
            }
        }
        Ok(Incoming::Resizer(m)) => {
            let answer = BRIDGE.with(|b| {
                let mut b = b.borrow_mut();
                let b = b.as_mut().ok_or_else(String::new)?;
                if !b.embed {
                    return Err(
                        "iframe-resizer: heights are posted in embed mode only (embed=1)"
                            .to_owned(),
                    );
                }
                b.resizer.on_message(&m)
            });
            match answer {
                Ok(event) => post_size(event),
                Err(problem) => warn(&problem),
            }
        }
        Err(problem) => warn(&problem),
    }
}

/// After every animation frame (`wall_ms` is its time): posts a state event
/// if one is due.
pub fn after_frame(c: &mut Controller, wall_ms: f64) {
    BRIDGE.with(|b| {
        let mut b = b.borrow_mut();
        let Some(b) = b.as_mut() else { return };
        let Some(target) = b.rule.target() else {
            return;
        };
        if let Some(state) = b.feed.poll(wall_ms, StateEvent::of(c)) {
            let _ = b.parent.post_message(&to_js(&state.to_data()), target);
        }
    });
}

/// The page's full size in CSS pixels: its document, padding included.
fn document_size() -> Option<(f64, f64)> {
    let el = web_sys::window()?.document()?.document_element()?;
    let r = el.get_bounding_client_rect();
    Some((r.height(), r.width()))
}

/// Tells the embedding page how tall the page is: `orderflow:height`, and
/// iframe-resizer's size message once its parent script introduced itself.
/// Call when the embed page's size changes.
pub fn post_height() {
    post_size("resizeObserver");
}

fn post_size(resizer_event: &str) {
    let Some((height, width)) = document_size() else {
        return;
    };
    BRIDGE.with(|b| {
        let b = b.borrow();
        let Some(b) = b.as_ref().filter(|b| b.embed) else {
            return;
        };
        let Some(target) = b.rule.target() else {
            return;
        };
        let _ = b.parent.post_message(&to_js(&height_data(height)), target);
        if let Some(text) = b.resizer.size_text(height, width, resizer_event) {
            let _ = b.parent.post_message(&text.into(), target);
        }
    });
}

/// A message's data as plain values, within the API's limits.
fn to_data(v: &JsValue, depth: usize) -> Result<Data, String> {
    if v.is_null() || v.is_undefined() {
        return Ok(Data::Null);
    }
    if let Some(b) = v.as_bool() {
        return Ok(Data::Bool(b));
    }
    if let Some(n) = v.as_f64() {
        return Ok(Data::Num(n));
    }
    if let Some(s) = v.as_string() {
        if s.chars().count() > MAX_TEXT_CHARS {
            return Err(format!(
                "a text value longer than {MAX_TEXT_CHARS} characters"
            ));
        }
        return Ok(Data::Text(s));
    }
    if depth >= MAX_DEPTH {
        return Err(format!("a message nested deeper than {MAX_DEPTH} levels"));
    }
    if Array::is_array(v) {
        let a: &Array = v.unchecked_ref();
        if a.length() as usize > MAX_FIELDS {
            return Err(format!("a list of more than {MAX_FIELDS} items"));
        }
        return a
            .iter()
            .map(|x| to_data(&x, depth + 1))
            .collect::<Result<_, _>>()
            .map(Data::List);
    }
    if let Some(o) = v.dyn_ref::<Object>() {
        let keys = Object::keys(o);
        if keys.length() as usize > MAX_FIELDS {
            return Err(format!("an object of more than {MAX_FIELDS} fields"));
        }
        let mut fields = Vec::new();
        for k in keys.iter() {
            let name = k.as_string().unwrap_or_default();
            let value = Reflect::get(o, &k).unwrap_or(JsValue::UNDEFINED);
            fields.push((name, to_data(&value, depth + 1)?));
        }
        return Ok(Data::Object(fields));
    }
    Err("a value that is not data (a function or a symbol)".to_owned())
}

/// Plain values as a JavaScript value to post.
fn to_js(d: &Data) -> JsValue {
    match d {
        Data::Null => JsValue::NULL,
        Data::Bool(b) => JsValue::from_bool(*b),
        Data::Num(n) => JsValue::from_f64(*n),
        Data::Text(s) => JsValue::from_str(s),
        Data::List(items) => items.iter().map(to_js).collect::<Array>().into(),
        Data::Object(fields) => {
            let o = Object::new();
            for (k, v) in fields {
                let _ = Reflect::set(&o, &JsValue::from_str(k), &to_js(v));
            }
            o.into()
        }
    }
}
