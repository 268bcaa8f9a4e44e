//! Owns the embed API's protocol, in plain Rust: what a host page may ask of
//! an embedded playground through `postMessage` (checked field by field:
//! [`parse`]), what that does to the page ([`apply`]), what the playground
//! tells the host (its height, as its own message and in the iframe-resizer
//! format, and state events at most four times a second: [`StateFeed`]),
//! and whom it listens and posts to (the `origin=` link parameter:
//! [`OriginRule`]).
//!
//! The browser side (`embed_bridge.rs`) only converts: a `MessageEvent`'s
//! data into [`Data`], and [`Data`] or text back into a posted message. A
//! message that does not parse changes nothing; the bridge logs the reason
//! this module gives, which names the message and the field.
//!
//! Host → playground, objects with a `type`:
//! `orderflow:load` (`preset`, optional `design`, `mode`, `id`, `seed`,
//! `orders`), `orderflow:play`, `orderflow:pause`,
//! `orderflow:seek` (`t_ms`), `orderflow:speed` (`speed`),
//! `orderflow:select` (`order`), `orderflow:get-state`; plus the
//! iframe-resizer parent script's text messages (`[iFrameSizer]…`).
//! Playground → host: `orderflow:height`, `orderflow:state`, and
//! `[iFrameSizer]<id>:<height>:<width>:<event>` once a resizer introduced
//! itself. README has the table.

use orderflow_sim::design::{self, Edit};
use orderflow_sim::ids::OrderId;
use orderflow_sim::{Completion, IdSource, SimTime, presets};

use crate::controller::Controller;
use crate::run::load_design;
use crate::url_state::{MAX_ORDERS, MAX_SPEED, MIN_SPEED, UrlState};

/// What every message type of the API starts with.
pub const TYPE_PREFIX: &str = "orderflow:";
/// Nesting a message may have (an object in an object …).
pub const MAX_DEPTH: usize = 4;
/// Fields of an object, or items of a list, a message may have.
pub const MAX_FIELDS: usize = 16;
/// Characters of a text value (an iframe-resizer message is ~100; a
/// design in `d=` form is ~30 a setting, and a design has at most
/// `orderflow_sim::design::MAX_EDITS` = 500 of them).
pub const MAX_TEXT_CHARS: usize = 20_000;
/// The furthest a seek may go: a week of simulated time, as in a link.
pub const MAX_SEEK_MS: f64 = 604_800_000.0;
/// Whole numbers a JavaScript number holds exactly (`Number.MAX_SAFE_INTEGER`).
pub const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;
/// Least wall time between two state events: at most four a second.
pub const STATE_EVERY_MS: f64 = 250.0;
/// What iframe-resizer's messages start with, both ways.
pub const RESIZER_PREFIX: &str = "[iFrameSizer]";
/// What an iframe-resizer child posts when it starts late, so the parent
/// script sends its `init` again.
pub const RESIZER_READY: &str = "[iFrameResizerChild]Ready";

/// A message's data as plain values: what a structured clone of a
/// JavaScript value can hold, as far as the API cares. Object fields keep
/// their order.
#[derive(Clone, Debug, PartialEq)]
pub enum Data {
    Null,
    Bool(bool),
    Num(f64),
    Text(String),
    List(Vec<Data>),
    Object(Vec<(String, Data)>),
}

impl Data {
    /// The field `key` of an object.
    pub fn get(&self, key: &str) -> Option<&Data> {
        match self {
            Data::Object(fields) => fields.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// An object of `fields`.
    pub fn object(fields: Vec<(&str, Data)>) -> Data {
        Data::Object(fields.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
    }

    /// What kind of value this is, for messages.
    fn kind(&self) -> &'static str {
        match self {
            Data::Null => "null",
            Data::Bool(_) => "a boolean",
            Data::Num(_) => "a number",
            Data::Text(_) => "text",
            Data::List(_) => "a list",
            Data::Object(_) => "an object",
        }
    }
}

/// A request of the host page.
#[derive(Clone, Debug, PartialEq)]
pub enum HostMessage {
    /// Start over on a preset with options.
    Load(LoadRequest),
    Play,
    Pause,
    /// Move to a simulated time.
    Seek(SimTime),
    /// Playback speed factor.
    Speed(f64),
    /// Open an order in the inspector (and report it in state events).
    Select(u64),
    /// Post a state event even if nothing changed.
    GetState,
}

/// `orderflow:load`: what a link's `preset`, `d`, `mode`, `id`, `seed`
/// and `orders` say.
#[derive(Clone, Debug, PartialEq)]
pub struct LoadRequest {
    pub preset: String,
    /// The design's edits of the preset, given as a link's `d=` text
    /// (`s.payment.replicas:3~f.order.place.1.mode:publish`); empty: the
    /// preset as it is.
    pub design: Vec<Edit>,
    /// `None`: the preset's own completion mode.
    pub mode: Option<Completion>,
    /// `None`: the preset's own id source (`server`, `client`,
    /// `id-service`, as in a link's `id=`).
    pub id: Option<IdSource>,
    /// 1 when not given, as in a link.
    pub seed: u64,
    /// `None`: the preset's own order count.
    pub orders: Option<u64>,
}

/// A message of the iframe-resizer parent script.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ResizerMessage {
    /// The parent names the iframe (`[iFrameSizer]<id>:8:false:…`).
    Init { id: String },
    /// The parent asks for the size again.
    Resize,
    /// The parent asks for the size again after resetting it.
    Reset,
}

/// A message the playground understood.
#[derive(Clone, Debug, PartialEq)]
pub enum Incoming {
    Host(HostMessage),
    Resizer(ResizerMessage),
}

/// Every message type the API takes, for the message about an unknown one.
const KNOWN: &str = "orderflow:load, orderflow:play, orderflow:pause, orderflow:seek, \
                     orderflow:speed, orderflow:select, orderflow:get-state";

/// Reads one message. Anything else is an error naming the message (its
/// type if it has one) and the problem.
pub fn parse(data: &Data) -> Result<Incoming, String> {
    match data {
        Data::Text(text) => parse_resizer(text).map(Incoming::Resizer),
        Data::Object(fields) => parse_object(fields).map(Incoming::Host),
        other => Err(format!(
            "not an Orderflow message: got {}, expected an object with a type \"orderflow:…\"",
            other.kind()
        )),
    }
}

fn parse_object(fields: &[(String, Data)]) -> Result<HostMessage, String> {
    let ty = match fields.iter().find(|(k, _)| k == "type").map(|(_, v)| v) {
        Some(Data::Text(t)) if t.starts_with(TYPE_PREFIX) => t.as_str(),
        Some(Data::Text(t)) => {
            return Err(format!(
                "not an Orderflow message: type {t:?} does not start with \"{TYPE_PREFIX}\""
            ));
        }
        Some(other) => {
            return Err(format!(
                "not an Orderflow message: type is {}, expected text",
                other.kind()
            ));
        }
        None => {
            return Err("not an Orderflow message: no type (expected \"orderflow:…\")".to_owned());
        }
    };
    let m = Fields { ty, fields };
    match &ty[TYPE_PREFIX.len()..] {
        "load" => {
            m.only(&["preset", "design", "mode", "id", "seed", "orders"])?;
            let preset = m
                .text("preset")?
                .ok_or_else(|| m.problem("preset", "missing"))?;
            if !presets::NAMES.contains(&preset) {
                return Err(m.problem(
                    "preset",
                    &format!(
                        "unknown preset {preset:?} (known: {})",
                        presets::NAMES.join(", ")
                    ),
                ));
            }
            // The same reader as a link's `d=`; values are checked against
            // the preset in `apply`, as a link's are when its run is built.
            let design = match m.text("design")? {
                None => Vec::new(),
                Some(text) => {
                    design::text::parse(text).map_err(|e| m.problem("design", &e.to_string()))?
                }
            };
            let mode = match m.text("mode")? {
                None => None,
                Some(name) => Some(Completion::parse(name).ok_or_else(|| {
                    m.problem(
                        "mode",
                        &format!(
                            "unknown completion mode {name:?} (sync, polling, callback, push)"
                        ),
                    )
                })?),
            };
            let id = match m.text("id")? {
                None => None,
                Some(name) => Some(IdSource::parse(name).ok_or_else(|| {
                    m.problem(
                        "id",
                        &format!("unknown id source {name:?} (server, client, id-service)"),
                    )
                })?),
            };
            let seed = m.whole("seed", 0, MAX_SAFE_INTEGER)?.unwrap_or(1);
            let orders = m.whole("orders", 1, MAX_ORDERS as f64)?;
            Ok(HostMessage::Load(LoadRequest {
                preset: preset.to_owned(),
                design,
                mode,
                id,
                seed,
                orders,
            }))
        }
        "play" => m.only(&[]).map(|()| HostMessage::Play),
        "pause" => m.only(&[]).map(|()| HostMessage::Pause),
        "get-state" => m.only(&[]).map(|()| HostMessage::GetState),
        "seek" => {
            m.only(&["t_ms"])?;
            let t_ms = m.number("t_ms", 0.0, MAX_SEEK_MS)?;
            // Whole microseconds, as a link's `t` has at most three decimals.
            Ok(HostMessage::Seek(SimTime((t_ms * 1_000.0).round() as u64)))
        }
        "speed" => {
            m.only(&["speed"])?;
            Ok(HostMessage::Speed(m.number("speed", MIN_SPEED, MAX_SPEED)?))
        }
        "select" => {
            m.only(&["order"])?;
            let order = m.whole("order", 1, MAX_ORDERS as f64)?;
            order
                .map(HostMessage::Select)
                .ok_or_else(|| m.problem("order", "missing"))
        }
        "height" | "state" => Err(format!(
            "{ty} is what the playground posts, not a request it takes"
        )),
        _ => Err(format!("unknown message type {ty:?} (known: {KNOWN})")),
    }
}

/// An object message's fields, read with messages that name its type.
struct Fields<'a> {
    ty: &'a str,
    fields: &'a [(String, Data)],
}

impl Fields<'_> {
    fn get(&self, key: &str) -> Option<&Data> {
        self.fields.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    fn problem(&self, field: &str, what: &str) -> String {
        format!("{}: {field}: {what}", self.ty)
    }

    /// Refuses fields other than `type` and `allowed` (a typo is never
    /// quietly ignored).
    fn only(&self, allowed: &[&str]) -> Result<(), String> {
        match self
            .fields
            .iter()
            .find(|(k, _)| k != "type" && !allowed.contains(&k.as_str()))
        {
            Some((k, _)) if allowed.is_empty() => Err(format!(
                "{}: unknown field {k:?} (this message has no fields)",
                self.ty
            )),
            Some((k, _)) => Err(format!(
                "{}: unknown field {k:?} (known: {})",
                self.ty,
                allowed.join(", ")
            )),
            None => Ok(()),
        }
    }

    /// An optional text field.
    fn text(&self, key: &str) -> Result<Option<&str>, String> {
        match self.get(key) {
            None | Some(Data::Null) => Ok(None),
            Some(Data::Text(t)) => Ok(Some(t)),
            Some(other) => Err(self.problem(key, &format!("expected text, got {}", other.kind()))),
        }
    }

    /// A required number within `min..=max`.
    fn number(&self, key: &str, min: f64, max: f64) -> Result<f64, String> {
        match self.get(key) {
            Some(Data::Num(v)) if v.is_finite() && (min..=max).contains(v) => Ok(*v),
            Some(Data::Num(v)) => Err(self.problem(
                key,
                &format!("must be a number from {min} to {max}, got {v}"),
            )),
            None | Some(Data::Null) => Err(self.problem(key, "missing")),
            Some(other) => {
                Err(self.problem(key, &format!("expected a number, got {}", other.kind())))
            }
        }
    }

    /// An optional whole number within `min..=max`.
    fn whole(&self, key: &str, min: u64, max: f64) -> Result<Option<u64>, String> {
        match self.get(key) {
            None | Some(Data::Null) => Ok(None),
            Some(Data::Num(v)) if v.fract() == 0.0 && *v >= min as f64 && *v <= max => {
                Ok(Some(*v as u64))
            }
            Some(Data::Num(v)) => Err(self.problem(
                key,
                &format!("must be a whole number from {min} to {max}, got {v}"),
            )),
            Some(other) => Err(self.problem(
                key,
                &format!("expected a whole number, got {}", other.kind()),
            )),
        }
    }
}

/// Reads a text message: iframe-resizer's, or nothing we know.
fn parse_resizer(text: &str) -> Result<ResizerMessage, String> {
    let Some(body) = text.strip_prefix(RESIZER_PREFIX) else {
        return Err(format!(
            "not an Orderflow message: text {:?}, expected an object with a type \"orderflow:…\"",
            shorten(text)
        ));
    };
    let fields: Vec<&str> = body.split(':').collect();
    // The parent's init names the iframe first; its third field (whether
    // to size the width) is `true` or `false`, which is how the resizer's
    // own child script tells an init from other messages.
    if fields.len() >= 3 && matches!(fields[2], "true" | "false") {
        let id = fields[0];
        if id.is_empty() || id.len() > 128 {
            return Err("iframe-resizer init: the iframe id must be 1 to 128 characters".into());
        }
        return Ok(ResizerMessage::Init { id: id.to_owned() });
    }
    match fields[0] {
        "resize" => Ok(ResizerMessage::Resize),
        "reset" => Ok(ResizerMessage::Reset),
        other => Err(format!(
            "iframe-resizer message {:?} is not supported (only init, resize and reset)",
            shorten(other)
        )),
    }
}

/// At most 40 characters of `text`, for a message.
fn shorten(text: &str) -> String {
    match text.char_indices().nth(40) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text.to_owned(),
    }
}

/// Carries out a host's request on the page's controller. A request that
/// does not fit the current run (an order the run does not have, a mode the
/// preset does not allow) changes nothing and says why.
pub fn apply(msg: &HostMessage, c: &mut Controller) -> Result<(), String> {
    match msg {
        HostMessage::Load(r) => {
            // A design that does not fit its preset (a value out of range, a
            // path the preset lacks, a result that does not compile) is
            // refused here, naming the setting, and the run stays.
            let model = match load_design(&r.preset, &r.design, r.orders) {
                Ok(m) => m,
                Err(e) if r.design.is_empty() => return Err(e),
                Err(e) => {
                    let why = e.strip_prefix("d: ").unwrap_or(&e);
                    return Err(format!("orderflow:load: design: {why}"));
                }
            };
            if let Some(m) = r.mode
                && !model.client.allowed.contains(&m)
            {
                return Err(format!(
                    "orderflow:load: mode: {} does not support {:?}",
                    r.preset,
                    m.as_str()
                ));
            }
            c.load(&UrlState {
                preset: r.preset.clone(),
                design: r.design.clone(),
                mode: r.mode,
                id: r.id,
                seed: r.seed,
                orders: r.orders,
                ..UrlState::default()
            });
            match c.message() {
                Some(problem) => Err(format!("orderflow:load: {problem}")),
                None => Ok(()),
            }
        }
        HostMessage::Play => {
            if !c.playback().is_playing() {
                c.toggle();
            }
            Ok(())
        }
        HostMessage::Pause => {
            if c.playback().is_playing() {
                c.toggle();
            }
            Ok(())
        }
        HostMessage::Seek(t) => {
            c.seek(*t);
            Ok(())
        }
        HostMessage::Speed(s) => {
            c.set_speed(*s);
            Ok(())
        }
        HostMessage::Select(order) => {
            let orders = c.run().model().orders;
            if *order > orders {
                return Err(format!(
                    "orderflow:select: order: this run has orders 1 to {orders}, got {order}"
                ));
            }
            c.select_order(OrderId(*order));
            Ok(())
        }
        HostMessage::GetState => Ok(()),
    }
}

/// Whom the playground listens to and posts to: anyone (`*`) unless the
/// link names one origin (`origin=https://docs.example.org`). An `origin`
/// that is not an origin shuts the API: nothing is taken or posted, rather
/// than falling back to everyone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OriginRule {
    Anyone,
    Only(String),
    Nobody,
}

impl OriginRule {
    /// The rule a link's `origin` parameter sets.
    pub fn of_param(param: Option<&str>) -> OriginRule {
        match param {
            None => OriginRule::Anyone,
            Some(p) => check_origin(p).map_or(OriginRule::Nobody, OriginRule::Only),
        }
    }

    /// True if a message from `origin` may be read.
    pub fn accepts(&self, origin: &str) -> bool {
        match self {
            OriginRule::Anyone => true,
            OriginRule::Only(o) => o == origin,
            OriginRule::Nobody => false,
        }
    }

    /// The target origin to post with; `None`: post nothing.
    pub fn target(&self) -> Option<&str> {
        match self {
            OriginRule::Anyone => Some("*"),
            OriginRule::Only(o) => Some(o),
            OriginRule::Nobody => None,
        }
    }
}

/// `origin` as a browser writes a message's origin (`https://host:port`,
/// scheme and host in lower case, no path), or what is wrong with it.
pub fn check_origin(origin: &str) -> Result<String, String> {
    let bad = || {
        format!(
            "{:?} is not an origin like https://docs.example.org (scheme, host, optional port)",
            shorten(origin)
        )
    };
    let trimmed = origin.strip_suffix('/').unwrap_or(origin);
    let (scheme, rest) = trimmed.split_once("://").ok_or_else(bad)?;
    let scheme_ok = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c));
    let (host, port) = match rest.rsplit_once(':') {
        // An IPv6 host has colons of its own inside brackets.
        Some((h, p)) if !p.contains(']') => (h, Some(p)),
        _ => (rest, None),
    };
    let host_ok = !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-.[]:".contains(c));
    let port_ok = port.is_none_or(|p| !p.is_empty() && p.len() <= 5 && p.parse::<u16>().is_ok());
    if scheme_ok && host_ok && port_ok {
        Ok(trimmed.to_ascii_lowercase())
    } else {
        Err(bad())
    }
}

/// The counters a state event reports: the page's headline counters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StateCounters {
    pub completed: u64,
    pub failed: u64,
    pub compensated: u64,
    pub inconsistent: u64,
    pub lost: u64,
    pub in_flight: u64,
}

/// `orderflow:state`: where the run is.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StateEvent {
    pub preset: String,
    /// The design's edits of the preset in `d=` form; empty: the preset
    /// as it is.
    pub design: String,
    pub mode: Completion,
    pub seed: u64,
    pub t: SimTime,
    pub playing: bool,
    /// A seek is being worked through: `t` is not its target yet.
    pub seeking: bool,
    /// Every order settled: nothing left to simulate.
    pub finished: bool,
    pub speed: f64,
    /// Orders in the run, and how many have arrived so far.
    pub orders: u64,
    pub orders_started: u64,
    pub counters: StateCounters,
    pub selected_order: Option<u64>,
}

impl StateEvent {
    /// The state of the run the page shows.
    pub fn of(c: &mut Controller) -> StateEvent {
        let finished = c.finished();
        let run = c.run();
        let sim = run.session().sim();
        let o = sim.metrics_snapshot().outcomes;
        StateEvent {
            preset: run.preset().to_owned(),
            design: design::text::to_link(run.edits()),
            mode: run.session().mode(),
            seed: run.session().seed(),
            t: run.now(),
            playing: c.playback().is_playing(),
            seeking: c.seeking(),
            finished,
            speed: c.playback().speed(),
            orders: run.model().orders,
            orders_started: sim.orders_started(),
            counters: StateCounters {
                completed: o.completed,
                failed: o.failed,
                compensated: o.compensated,
                inconsistent: o.inconsistent,
                lost: o.lost,
                in_flight: sim.live_orders() as u64,
            },
            selected_order: c.selected_order().map(|o| o.0),
        }
    }

    /// The message posted to the host.
    pub fn to_data(&self) -> Data {
        let n = |v: u64| Data::Num(v as f64);
        let k = &self.counters;
        Data::object(vec![
            ("type", Data::Text("orderflow:state".into())),
            ("preset", Data::Text(self.preset.clone())),
            ("design", Data::Text(self.design.clone())),
            ("mode", Data::Text(self.mode.as_str().into())),
            ("seed", n(self.seed)),
            // Milliseconds with the microseconds as decimals (exact up to
            // 285 years of simulated time).
            ("t_ms", Data::Num(self.t.as_micros() as f64 / 1_000.0)),
            ("playing", Data::Bool(self.playing)),
            ("seeking", Data::Bool(self.seeking)),
            ("finished", Data::Bool(self.finished)),
            ("speed", Data::Num(self.speed)),
            ("orders", n(self.orders)),
            ("orders_started", n(self.orders_started)),
            (
                "counters",
                Data::object(vec![
                    ("completed", n(k.completed)),
                    ("failed", n(k.failed)),
                    ("compensated", n(k.compensated)),
                    ("inconsistent", n(k.inconsistent)),
                    ("lost", n(k.lost)),
                    ("in_flight", n(k.in_flight)),
                ]),
            ),
            ("selected_order", self.selected_order.map_or(Data::Null, n)),
        ])
    }
}

/// Decides when to post a state event: when the state changed (or the host
/// asked), and never sooner than [`STATE_EVERY_MS`] after the last one. It
/// is given the animation frame's wall time (it reads no clock itself).
#[derive(Clone, Debug)]
pub struct StateFeed {
    last_ms: f64,
    last: Option<StateEvent>,
    asked: bool,
}

impl Default for StateFeed {
    fn default() -> StateFeed {
        StateFeed {
            last_ms: f64::NEG_INFINITY,
            last: None,
            asked: false,
        }
    }
}

impl StateFeed {
    /// The event to post at `wall_ms`, if one is due.
    pub fn poll(&mut self, wall_ms: f64, now: StateEvent) -> Option<StateEvent> {
        let news = self.asked || self.last.as_ref() != Some(&now);
        if !news || wall_ms - self.last_ms < STATE_EVERY_MS {
            return None;
        }
        self.asked = false;
        self.last_ms = wall_ms;
        self.last = Some(now.clone());
        Some(now)
    }

    /// The host asked for the state: post it at the next chance even if
    /// nothing changed.
    pub fn ask(&mut self) {
        self.asked = true;
    }
}

/// `{ type: "orderflow:height", height }`: the page's full height in CSS
/// pixels (its document, padding included), rounded up.
pub fn height_data(height_px: f64) -> Data {
    Data::object(vec![
        ("type", Data::Text("orderflow:height".into())),
        ("height", Data::Num(height_px.ceil())),
    ])
}

/// The iframe-resizer side of the page: the id the parent script gave the
/// iframe, once it sent its `init`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Resizer {
    id: Option<String>,
}

impl Resizer {
    /// Takes a message of the parent script; returns the event to answer
    /// with a size message (`init`, `resizeParent`, `reset`).
    pub fn on_message(&mut self, m: &ResizerMessage) -> Result<&'static str, String> {
        match m {
            ResizerMessage::Init { id } => {
                self.id = Some(id.clone());
                Ok("init")
            }
            _ if self.id.is_none() => {
                Err("iframe-resizer: a request before its init message; ignored".to_owned())
            }
            ResizerMessage::Resize => Ok("resizeParent"),
            ResizerMessage::Reset => Ok("reset"),
        }
    }

    /// `[iFrameSizer]<id>:<height>:<width>:<event>`, the size message the
    /// resizer's parent script reads, once it introduced itself.
    pub fn size_text(&self, height_px: f64, width_px: f64, event: &str) -> Option<String> {
        let id = self.id.as_ref()?;
        Some(format!(
            "{RESIZER_PREFIX}{id}:{}:{}:{event}",
            height_px.ceil(),
            width_px.ceil()
        ))
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod fuzz;

#[cfg(test)]
mod tests;
