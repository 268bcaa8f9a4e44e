//! Owns the URL: the page's whole state in it, so a shared link reproduces
//! a run.
//!
//! `?preset=hybrid-queue&mode=polling&seed=42&orders=300&speed=10&t=12500&cmds=…`
//! (and `id=` for the id source, `faults=off` for the scenario without its
//! scheduled faults) plus `embed=1` (diagram and minimal transport only) and `autoplay=1`.
//!
//! `d=` holds the design as edits of its preset, in the engine's compact
//! link form (`d=f.order.place.1.mode:publish~s.payment.replicas:4`, see
//! `orderflow_sim::design::text`); a link without it is the preset as is.
//!
//! Commands are written compactly, separated by `~`, each
//! `<after_events>:<at_us>:<op>:<args…>` — the exact position in the event
//! stream where it was applied, so replay is exact. A command scheduled for
//! later (a timed fault not yet reached) is written with `-` for
//! `after_events`. A timed command (waiting or fired) also says where it was
//! scheduled: `_<events>_<at_us>` after its first field
//! (`-_812_2000000:12000000:up:payment`), so a change made after a rewind
//! keeps the timed commands scheduled before it; `-` alone (older links)
//! means scheduled at the start. Ops: `down:svc`, `up:svc`,
//! `lat:svc:factor`, `err:svc:rate`, `drop:svc:rate`, `rep:svc:n`,
//! `restart:downtime_ms`, `stock:sku:units` (links written before it
//! existed hold none of it and load as before).
//!
//! `vs=` puts designs beside the first (`cmds2=`, `d2=`… their commands and
//! edits) and `cmp=` names the built-in comparison they are; with both,
//! what the link leaves out of the designs comes from the comparison's
//! definition (`built_in.rs`).
//!
//! Parsing never fails: each bad field is reported in words and replaced by
//! its default, and the page shows the notices.

use orderflow_sim::command::shown;
use orderflow_sim::design::{self, Edit};
use orderflow_sim::model::bounds;
use orderflow_sim::{AppliedCommand, Command, Completion, IdSource, SimTime};

use crate::session::Position;

/// The default preset.
pub const DEFAULT_PRESET: &str = "hybrid-queue";
/// Speed bounds.
pub const MIN_SPEED: f64 = 0.1;
pub const MAX_SPEED: f64 = 1000.0;
/// Orders bounds for the `orders` override.
pub const MAX_ORDERS: u64 = 1_000_000;
/// Commands kept in a URL: as many as a run may have waiting at once (the
/// engine's bound), so every timed command of a link fits.
pub const MAX_URL_COMMANDS: usize = bounds::TIMED_COMMANDS;

/// A command in the URL: applied at a known position, or scheduled.
#[derive(Clone, Debug, PartialEq)]
pub enum UrlCommand {
    /// Applied by hand at its position.
    Applied(AppliedCommand),
    /// A timed command that fired at its position; scheduled at `from`.
    Fired {
        applied: AppliedCommand,
        from: Position,
    },
    /// A timed command still waiting for `at`; scheduled at `from`.
    Scheduled {
        at: SimTime,
        command: Command,
        from: Position,
    },
}

impl UrlCommand {
    /// The command itself.
    pub fn command(&self) -> &Command {
        match self {
            UrlCommand::Applied(a) | UrlCommand::Fired { applied: a, .. } => &a.command,
            UrlCommand::Scheduled { command, .. } => command,
        }
    }

    /// The command as the link writes it (`812:2000000:down:payment`).
    pub fn text(&self) -> String {
        let origin = |from: &Position| {
            if *from == Position::START {
                String::new()
            } else {
                format!("_{}_{}", from.after_events, from.at.as_micros())
            }
        };
        match self {
            UrlCommand::Applied(a) => format!(
                "{}:{}:{}",
                a.after_events,
                a.at.as_micros(),
                Command::to_text(&a.command)
            ),
            UrlCommand::Fired { applied: a, from } => format!(
                "{}_{}_{}:{}:{}",
                a.after_events,
                from.after_events,
                from.at.as_micros(),
                a.at.as_micros(),
                Command::to_text(&a.command)
            ),
            UrlCommand::Scheduled { at, command, from } => {
                format!("-{}:{}:{}", origin(from), at.as_micros(), command.to_text())
            }
        }
    }
}

/// Everything the URL says.
#[derive(Clone, Debug, PartialEq)]
pub struct UrlState {
    pub preset: String,
    /// `None`: the scenario's default mode.
    pub mode: Option<Completion>,
    /// `id=server|client|id-service`; `None`: the scenario's own id source.
    pub id: Option<IdSource>,
    pub seed: u64,
    /// `None`: the scenario's own order count.
    pub orders: Option<u64>,
    /// `faults=off`: the scenario's scheduled faults (and services' down
    /// windows) left out, as a claim's run that shows the design without
    /// them. True (the scenario as it is) unless the link says so.
    pub faults: bool,
    pub speed: f64,
    /// Time cursor, µs; written as milliseconds with up to three decimals
    /// (`t=8012` or `t=8012.345`) so a shared link lands on the exact
    /// moment, even one reached by stepping to an event.
    pub t_us: u64,
    pub commands: Vec<UrlCommand>,
    pub embed: bool,
    pub autoplay: bool,
    /// The design's edits of its preset (`d=`); empty: the preset as is.
    pub design: Vec<Edit>,
    /// `origin=`: the one page the embed API listens and posts to (as
    /// given; [`crate::embed::OriginRule`] refuses everyone if it is not an
    /// origin).
    pub origin: Option<String>,
    /// The designs compared with the first (`vs=`), at most two.
    pub others: Vec<OtherDesign>,
    /// The built-in comparison on screen (`cmp=`).
    pub cmp: Option<String>,
}

/// A design beside the first: `vs=preset[.mode][_orders]`, `~` between them,
/// each with its own commands in `cmds2=`, `cmds3=` (the same form as
/// `cmds=`; exact positions in that design's own event stream) and its
/// design edits in `d2=`, `d3=` (the form of `d=`). It runs with the first
/// design's seed.
#[derive(Clone, Debug, PartialEq)]
pub struct OtherDesign {
    pub preset: String,
    pub mode: Option<Completion>,
    pub orders: Option<u64>,
    pub commands: Vec<UrlCommand>,
    /// Its edits of its preset; empty: the preset as is.
    pub design: Vec<Edit>,
}

/// Designs a link may put beside the first.
pub const MAX_OTHERS: usize = 2;

impl OtherDesign {
    fn to_text(&self) -> String {
        let mut s = self.preset.clone();
        if let Some(m) = self.mode {
            s.push('.');
            s.push_str(m.as_str());
        }
        if let Some(n) = self.orders {
            s.push_str(&format!("_{n}"));
        }
        s
    }

    fn parse(text: &str) -> Result<OtherDesign, String> {
        let (rest, orders) = match text.split_once('_') {
            Some((r, n)) => (
                r,
                Some(
                    n.parse::<u64>()
                        .ok()
                        .filter(|n| (1..=MAX_ORDERS).contains(n))
                        .ok_or_else(|| format!("orders {n:?} is not from 1 to {MAX_ORDERS}"))?,
                ),
            ),
            None => (text, None),
        };
        let (preset, mode) = match rest.split_once('.') {
            Some((p, m)) => (
                p,
                Some(Completion::parse(m).ok_or_else(|| format!("unknown completion mode {m:?}"))?),
            ),
            None => (rest, None),
        };
        if !orderflow_sim::presets::NAMES.contains(&preset) {
            return Err(format!("unknown preset {preset:?}"));
        }
        Ok(OtherDesign {
            preset: preset.to_owned(),
            mode,
            orders,
            commands: Vec::new(),
            design: Vec::new(),
        })
    }
}

impl Default for UrlState {
    fn default() -> Self {
        UrlState {
            preset: DEFAULT_PRESET.to_owned(),
            mode: None,
            id: None,
            seed: 1,
            orders: None,
            faults: true,
            speed: 1.0,
            t_us: 0,
            commands: Vec::new(),
            embed: false,
            autoplay: false,
            design: Vec::new(),
            origin: None,
            others: Vec::new(),
            cmp: None,
        }
    }
}

/// Splits `a=b&c=d` (with or without a leading `?`) into decoded pairs.
fn pairs(query: &str) -> impl Iterator<Item = (String, String)> + '_ {
    query
        .trim_start_matches('?')
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(k), decode(v))
        })
}

/// Percent-decoding (`+` is a space); invalid escapes are kept as text.
fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = bytes
                    .get(i + 1..i + 3)
                    .filter(|h| h.iter().all(u8::is_ascii_hexdigit))
                    .and_then(|h| std::str::from_utf8(h).ok());
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(b) => {
                        out.push(b);
                        i += 3;
                        continue;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Percent-encodes everything outside the unreserved set and `:~.-_`.
fn encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~:".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A number as a link writes it: `2`, not `2.0`.
fn fmt_f64(v: f64) -> String {
    let s = format!("{v}");
    s.strip_suffix(".0").map(str::to_owned).unwrap_or(s)
}

/// A parameter's name as a notice starts with it: as written if it is a
/// plain name, else [`shown`].
fn shown_name(k: &str) -> String {
    let plain = (1..=40).contains(&k.len())
        && k.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if plain { k.to_owned() } else { shown(k) }
}

/// The latest time cursor a link may hold: a week, in µs.
const MAX_T_US: u64 = 7 * 24 * 3_600_000_000;

/// `8012` or `8012.345` (milliseconds) as µs.
fn parse_time_ms(v: &str) -> Option<u64> {
    let (ms, frac) = v.split_once('.').unwrap_or((v, ""));
    if ms.is_empty()
        || frac.len() > 3
        || !ms.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let ms: u64 = ms.parse().ok()?;
    let us: u64 = if frac.is_empty() {
        0
    } else {
        format!("{frac:0<3}").parse().ok()?
    };
    ms.checked_mul(1_000)?.checked_add(us)
}

/// The `t=` parameter for `t_us`, decimals only when needed.
fn format_time_ms(t_us: u64) -> String {
    let (ms, us) = (t_us / 1_000, t_us % 1_000);
    if us == 0 {
        format!("t={ms}")
    } else {
        format!("t={ms}.{us:03}")
    }
}

impl UrlState {
    /// Parses a query string. Never fails: problems come back as notices
    /// naming the field, and the field keeps its default.
    pub fn parse(query: &str) -> (UrlState, Vec<String>) {
        let mut st = UrlState::default();
        let mut notices = Vec::new();
        let mut other_cmds: Vec<(String, String)> = Vec::new();
        for (k, v) in pairs(query) {
            match k.as_str() {
                "preset" => {
                    if orderflow_sim::presets::NAMES.contains(&v.as_str()) {
                        st.preset = v;
                    } else {
                        notices.push(format!(
                            "preset: unknown preset {}, showing {DEFAULT_PRESET}",
                            shown(&v)
                        ));
                    }
                }
                "mode" => match Completion::parse(&v) {
                    Some(c) => st.mode = Some(c),
                    None => notices.push(format!("mode: unknown completion mode {}", shown(&v))),
                },
                "id" => match IdSource::parse(&v) {
                    Some(i) => st.id = Some(i),
                    None => notices.push(format!(
                        "id: unknown id source {} (server, client or id-service)",
                        shown(&v)
                    )),
                },
                "seed" => match v.parse::<u64>() {
                    Ok(s) => st.seed = s,
                    Err(_) => notices.push(format!("seed: {} is not a whole number", shown(&v))),
                },
                "orders" => match v.parse::<u64>() {
                    Ok(n) if (1..=MAX_ORDERS).contains(&n) => st.orders = Some(n),
                    _ => notices.push(format!(
                        "orders: must be a whole number from 1 to {MAX_ORDERS}, got {}",
                        shown(&v)
                    )),
                },
                "faults" => match v.as_str() {
                    "off" | "0" => st.faults = false,
                    "on" | "1" => st.faults = true,
                    _ => notices.push(format!("faults: must be on or off, got {}", shown(&v))),
                },
                "speed" => match v.parse::<f64>() {
                    Ok(s) if (MIN_SPEED..=MAX_SPEED).contains(&s) => st.speed = s,
                    _ => notices.push(format!(
                        "speed: must be between {MIN_SPEED} and {MAX_SPEED}, got {}",
                        shown(&v)
                    )),
                },
                "t" => match parse_time_ms(&v) {
                    Some(t) if t <= MAX_T_US => st.t_us = t,
                    _ => notices.push(format!(
                        "t: must be a time in milliseconds (up to a week, at most 3 decimals), got {}",
                        shown(&v)
                    )),
                },
                "cmds" => st.commands = parse_commands(&v, &mut notices),
                "vs" => {
                    for (i, text) in v.split('~').filter(|t| !t.is_empty()).enumerate() {
                        if i >= MAX_OTHERS {
                            notices.push(format!(
                                "vs: at most {MAX_OTHERS} designs beside the first, the rest are ignored"
                            ));
                            break;
                        }
                        match OtherDesign::parse(text) {
                            Ok(d) => st.others.push(d),
                            Err(e) => notices.push(format!("vs[{i}]: {e}")),
                        }
                    }
                }
                "cmds2" | "cmds3" | "d2" | "d3" => other_cmds.push((k.clone(), v.clone())),
                "cmp" => st.cmp = Some(v),
                "d" => match design::text::parse(&v) {
                    Ok(edits) => st.design = edits,
                    Err(e) => notices.push(format!("d: {e}; showing the preset as it is")),
                },
                "embed" => st.embed = v == "1" || v == "true",
                "autoplay" => st.autoplay = v == "1" || v == "true",
                "origin" => {
                    if let Err(e) = crate::embed::check_origin(&v) {
                        notices.push(format!("origin: {e}; the embed API listens to no one"));
                    }
                    st.origin = Some(v);
                }
                "debug" => {}
                other => notices.push(format!("{}: unknown parameter, ignored", shown_name(other))),
            }
        }
        for (k, v) in other_cmds {
            let i = if k.ends_with('2') { 0 } else { 1 };
            if k.starts_with('d') {
                match (design::text::parse(&v), st.others.get_mut(i)) {
                    (Ok(edits), Some(d)) => d.design = edits,
                    (Err(e), _) => {
                        notices.push(format!("{k}: {e}; design {} as its preset is", i + 2))
                    }
                    (_, None) => notices.push(format!("{k}: no design {} in vs=, ignored", i + 2)),
                }
                continue;
            }
            let mut said = Vec::new();
            let commands = parse_commands(&v, &mut said);
            notices.extend(said.into_iter().map(|n| format!("{k}{}", &n[4..])));
            match st.others.get_mut(i) {
                Some(d) => d.commands = commands,
                None => notices.push(format!("{k}: no design {} in vs=, ignored", i + 2)),
            }
        }
        (st, notices)
    }

    /// The query string (with leading `?`), defaults left out.
    pub fn to_query(&self) -> String {
        let d = UrlState::default();
        let mut parts = vec![format!("preset={}", encode(&self.preset))];
        if let Some(m) = self.mode {
            parts.push(format!("mode={}", m.as_str()));
        }
        if let Some(i) = self.id {
            parts.push(format!("id={}", i.as_str()));
        }
        parts.push(format!("seed={}", self.seed));
        if let Some(n) = self.orders {
            parts.push(format!("orders={n}"));
        }
        if !self.faults {
            parts.push("faults=off".into());
        }
        if self.speed != d.speed {
            parts.push(format!("speed={}", fmt_f64(self.speed)));
        }
        if self.t_us > 0 {
            parts.push(format_time_ms(self.t_us));
        }
        // The design before the commands made on it.
        if !self.design.is_empty() {
            parts.push(format!(
                "d={}",
                encode(&design::text::to_link(&self.design))
            ));
        }
        if !self.commands.is_empty() {
            parts.push(format!("cmds={}", encode(&commands_text(&self.commands))));
        }
        if self.embed {
            parts.push("embed=1".into());
        }
        if self.autoplay {
            parts.push("autoplay=1".into());
        }
        if let Some(o) = &self.origin {
            parts.push(format!("origin={}", encode(o)));
        }
        // The comparison last: a link without one reads as before.
        if !self.others.is_empty() {
            let vs: Vec<String> = self.others.iter().map(OtherDesign::to_text).collect();
            parts.push(format!("vs={}", encode(&vs.join("~"))));
            for (i, d) in self.others.iter().enumerate() {
                if !d.design.is_empty() {
                    parts.push(format!(
                        "d{}={}",
                        i + 2,
                        encode(&design::text::to_link(&d.design))
                    ));
                }
                if !d.commands.is_empty() {
                    parts.push(format!(
                        "cmds{}={}",
                        i + 2,
                        encode(&commands_text(&d.commands))
                    ));
                }
            }
        }
        if let Some(c) = &self.cmp {
            parts.push(format!("cmp={}", encode(c)));
        }
        format!("?{}", parts.join("&"))
    }
}

/// `<n>` or `<n>_<events>_<at_us>`: a whole number, and where a timed
/// command was scheduled if given.
fn parse_first(field: &str) -> Result<(Option<u64>, Option<Position>), String> {
    let mut it = field.split('_');
    let head = it.next().unwrap_or_default();
    let position = if head == "-" {
        None
    } else {
        Some(
            head.parse::<u64>()
                .map_err(|_| format!("position {} is not a whole number", shown(head)))?,
        )
    };
    let from = match (it.next(), it.next(), it.next()) {
        (None, _, _) => None,
        (Some(e), Some(t), None) => Some(Position {
            after_events: e.parse::<u64>().map_err(|_| {
                format!("scheduled at: {} is not a whole number of events", shown(e))
            })?,
            at: SimTime(
                t.parse::<u64>()
                    .map_err(|_| format!("scheduled at: {} is not whole microseconds", shown(t)))?,
            ),
        }),
        _ => {
            return Err(format!(
                "position {}: expected <n> or <n>_<events>_<at_us>",
                shown(field)
            ));
        }
    };
    Ok((position, from))
}

/// Commands in their link form, `~` between them.
fn commands_text(commands: &[UrlCommand]) -> String {
    let cmds: Vec<String> = commands.iter().map(UrlCommand::text).collect();
    cmds.join("~")
}

fn parse_commands(v: &str, notices: &mut Vec<String>) -> Vec<UrlCommand> {
    let mut out = Vec::new();
    let mut last = Position::START;
    for (i, text) in v.split('~').filter(|s| !s.is_empty()).enumerate() {
        if i >= MAX_URL_COMMANDS {
            notices.push(format!(
                "cmds: more than {MAX_URL_COMMANDS} commands, the rest are ignored"
            ));
            break;
        }
        let parts: Vec<&str> = text.split(':').collect();
        let result = (|| -> Result<UrlCommand, String> {
            if parts.len() < 3 {
                return Err("expected <after_events>:<at_us>:<op>…".into());
            }
            let (position, from) = parse_first(parts[0])?;
            let at = SimTime(
                parts[1]
                    .parse::<u64>()
                    .map_err(|_| format!("time {} is not whole microseconds", shown(parts[1])))?,
            );
            let command = Command::from_parts(&parts[2..])?;
            if from.is_some_and(|f| f.at > at) {
                return Err("scheduled at: later than the time it fires".into());
            }
            let Some(after_events) = position else {
                let from = from.unwrap_or(Position::START);
                return Ok(UrlCommand::Scheduled { at, command, from });
            };
            let here = Position { after_events, at };
            if here < last {
                return Err("commands must be in the order they were applied".into());
            }
            if from.is_some_and(|f| f > here) {
                return Err("scheduled at: after the position it fired at".into());
            }
            last = here;
            let applied = AppliedCommand {
                at,
                after_events,
                command,
            };
            Ok(match from {
                Some(from) => UrlCommand::Fired { applied, from },
                None => UrlCommand::Applied(applied),
            })
        })();
        match result {
            Ok(c) => out.push(c),
            Err(e) => {
                notices.push(format!(
                    "cmds[{i}]: {e}; this command and the ones after it are ignored"
                ));
                break;
            }
        }
    }
    out
}

mod built_in;
#[cfg(all(test, not(target_arch = "wasm32")))]
mod fuzz;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_from_an_empty_query() {
        let (st, notices) = UrlState::parse("");
        assert_eq!(st, UrlState::default());
        assert!(notices.is_empty());
    }

    #[test]
    fn round_trips_every_field() {
        let st = UrlState {
            preset: "payment-breaker".into(),
            mode: Some(Completion::Callback),
            id: Some(IdSource::IdService),
            seed: 99,
            orders: Some(5000),
            faults: false,
            speed: 12.5,
            t_us: 12_345_678,
            commands: vec![
                UrlCommand::Applied(AppliedCommand {
                    at: SimTime(3_000_000),
                    after_events: 400,
                    command: Command::SetUp {
                        service: "provider".into(),
                        up: false,
                    },
                }),
                UrlCommand::Applied(AppliedCommand {
                    at: SimTime(3_000_000),
                    after_events: 400,
                    command: Command::SetErrorRate {
                        service: "payment".into(),
                        rate: 0.25,
                    },
                }),
                UrlCommand::Applied(AppliedCommand {
                    at: SimTime(4_100_000),
                    after_events: 950,
                    command: Command::SetLatencyFactor {
                        service: "warehouse".into(),
                        factor: 3.0,
                    },
                }),
                UrlCommand::Applied(AppliedCommand {
                    at: SimTime(5_000_000),
                    after_events: 990,
                    command: Command::SetReplicas {
                        service: "payment".into(),
                        replicas: 4,
                    },
                }),
                UrlCommand::Applied(AppliedCommand {
                    at: SimTime(5_000_000),
                    after_events: 990,
                    command: Command::RestartBroker { downtime_ms: 300 },
                }),
                UrlCommand::Fired {
                    applied: AppliedCommand {
                        at: SimTime(6_000_000),
                        after_events: 1_200,
                        command: Command::SetUp {
                            service: "payment".into(),
                            up: true,
                        },
                    },
                    from: Position {
                        after_events: 990,
                        at: SimTime(5_000_000),
                    },
                },
                UrlCommand::Scheduled {
                    at: SimTime(13_000_000),
                    command: Command::SetUp {
                        service: "provider".into(),
                        up: true,
                    },
                    from: Position {
                        after_events: 400,
                        at: SimTime(3_000_000),
                    },
                },
                UrlCommand::Scheduled {
                    at: SimTime(14_000_000),
                    command: Command::SetUp {
                        service: "warehouse".into(),
                        up: true,
                    },
                    from: Position::START,
                },
            ],
            embed: true,
            autoplay: true,
            design: vec![
                Edit::new("flow.order.place.1.mode", "publish"),
                Edit::new("flow.payment.charge.0.fallback", "backup:provider.charge"),
                Edit::new("services.inventory.stock.SKU-RED", "10"),
            ],
            origin: Some("https://docs.example.org".into()),
            // The comparison's fields: a_comparison_round_trips_….
            others: Vec::new(),
            cmp: None,
        };
        let q = st.to_query();
        let (back, notices) = UrlState::parse(&q);
        assert!(notices.is_empty(), "{notices:?}");
        assert_eq!(back, st, "{q}");
        assert!(q.contains("cmds=400:3000000:down:provider~"), "{q}");
        assert!(q.contains("~1200_990_5000000:6000000:up:payment~"), "{q}");
        assert!(q.contains("~-_400_3000000:13000000:up:provider~"), "{q}");
        assert!(q.ends_with(
            "~-:14000000:up:warehouse&embed=1&autoplay=1&origin=https:%2F%2Fdocs.example.org"
        ),);
        assert!(
            q.contains("&d=f.order.place.1.mode:publish~f.payment.charge.0.fallback:backup:provider.charge~s.inventory.stock.SKU-RED:10&cmds="),
            "{q}"
        );
    }

    #[test]
    fn a_bad_design_in_a_link_is_named_and_dropped() {
        let (st, notices) = UrlState::parse("?preset=sync-chain&d=s.payment.replicas:4~nonsense");
        assert_eq!(st.design, vec![]);
        assert_eq!(
            notices,
            vec![
                "d: d[1]: \"nonsense\" has no value (write path=value); showing the preset as it is"
            ]
        );
    }

    #[test]
    fn an_origin_that_is_none_is_named_and_kept_as_given() {
        let (st, notices) = UrlState::parse("?embed=1&origin=docs.example.org");
        assert_eq!(st.origin.as_deref(), Some("docs.example.org"));
        assert_eq!(notices.len(), 1);
        assert!(
            notices[0].starts_with("origin: \"docs.example.org\" is not an origin")
                && notices[0].ends_with("the embed API listens to no one"),
            "{notices:?}"
        );
    }

    #[test]
    fn a_stock_command_round_trips_and_a_bad_one_names_its_field() {
        let cmds = "1200:6000000:stock:SKU-RED:0";
        let (st, notices) = UrlState::parse(&format!("?preset=sync-chain&cmds={cmds}"));
        assert!(notices.is_empty(), "{notices:?}");
        assert_eq!(
            st.commands,
            [UrlCommand::Applied(AppliedCommand {
                at: SimTime(6_000_000),
                after_events: 1_200,
                command: Command::SetStock {
                    sku: "SKU-RED".into(),
                    units: 0,
                },
            })]
        );
        assert!(st.to_query().contains(&format!("cmds={cmds}")));
        for (cmds, field) in [
            ("1:1000:stock:SKU-RED:lots", "units"),
            ("1:1000:stock::5", "sku"),
            ("1:1000:stock:SKU-RED", "expected 2 fields"),
        ] {
            let (st, notices) = UrlState::parse(&format!("?preset=sync-chain&cmds={cmds}"));
            assert!(st.commands.is_empty(), "{cmds}");
            assert!(notices.join(" ").contains(field), "{cmds}: {notices:?}");
        }
    }

    #[test]
    fn old_push_links_load_as_sse_and_id_sources_parse() {
        let (st, notices) = UrlState::parse("?preset=async-write&mode=push&seed=3");
        assert!(notices.is_empty(), "{notices:?}");
        assert_eq!(st.mode, Some(Completion::Sse));
        // Written back under the new name, which reads the same.
        assert!(st.to_query().contains("mode=sse"), "{}", st.to_query());
        for (v, id) in [
            ("server", IdSource::Server),
            ("client", IdSource::Client),
            ("id-service", IdSource::IdService),
        ] {
            let (st, notices) = UrlState::parse(&format!("?mode=websocket&id={v}"));
            assert!(notices.is_empty(), "{notices:?}");
            assert_eq!((st.mode, st.id), (Some(Completion::Websocket), Some(id)));
        }
        let (st, notices) = UrlState::parse("?id=carrier-pigeon");
        assert_eq!(st.id, None);
        assert!(notices[0].starts_with("id:"), "{notices:?}");
    }

    #[test]
    fn faults_off_parses_and_a_bad_value_is_named() {
        let (st, notices) = UrlState::parse("?preset=sync-chain&faults=off");
        assert!(notices.is_empty(), "{notices:?}");
        assert!(!st.faults);
        assert_eq!(st.to_query(), "?preset=sync-chain&seed=1&faults=off");
        let (st, _) = UrlState::parse("?faults=on");
        assert!(st.faults);
        assert!(
            !st.to_query().contains("faults"),
            "the default is not written"
        );
        let (st, notices) = UrlState::parse("?faults=sometimes");
        assert!(st.faults);
        assert_eq!(notices, ["faults: must be on or off, got \"sometimes\""]);
    }

    #[test]
    fn bad_fields_name_themselves_and_keep_defaults() {
        let (st, notices) = UrlState::parse(
            "?preset=nope&mode=telepathy&seed=-1&speed=5000&orders=0&t=soon&color=red&embed=1",
        );
        assert_eq!(st.preset, DEFAULT_PRESET);
        assert_eq!(
            (st.mode, st.seed, st.speed, st.orders, st.t_us),
            (None, 1, 1.0, None, 0)
        );
        assert!(st.embed);
        let joined = notices.join("\n");
        for field in [
            "preset:", "mode:", "seed:", "speed:", "orders:", "t:", "color:",
        ] {
            assert!(joined.contains(field), "no notice for {field}: {joined}");
        }
    }

    #[test]
    fn a_bad_command_drops_it_and_the_rest_with_a_notice() {
        let (st, notices) =
            UrlState::parse("cmds=10:5:down:payment~11:6:fly:payment~12:7:up:payment");
        assert_eq!(st.commands.len(), 1);
        assert!(
            notices[0].starts_with("cmds[1]: unknown op \"fly\""),
            "{notices:?}"
        );
        let (st, notices) = UrlState::parse("cmds=10:5:lat:payment:fast");
        assert!(st.commands.is_empty());
        assert!(
            notices[0].contains("factor \"fast\" is not a number"),
            "{notices:?}"
        );
        let (_, notices) = UrlState::parse("cmds=10:5:down:a~3:1:up:a");
        assert!(
            notices[0].contains("in the order they were applied"),
            "{notices:?}"
        );
        let (_, notices) = UrlState::parse("cmds=x:5:down:a");
        assert!(notices[0].contains("position \"x\""), "{notices:?}");
        let (_, notices) = UrlState::parse("cmds=1:2:down");
        assert!(notices[0].contains("expected 1 fields"), "{notices:?}");
    }

    #[test]
    fn percent_escapes_decode_and_garbage_survives() {
        assert_eq!(decode("a%3Ab+c"), "a:b c");
        assert_eq!(decode("100%"), "100%");
        assert_eq!(decode("%zz%4"), "%zz%4");
        assert_eq!(decode("%+4"), "% 4");
        let (st, _) = UrlState::parse("preset=sync%2Dchain");
        assert_eq!(st.preset, "sync-chain");
    }

    #[test]
    fn the_time_cursor_keeps_microseconds() {
        for (text, us) in [
            ("8012", 8_012_000),
            ("8012.345", 8_012_345),
            ("0.5", 500),
            ("7.05", 7_050),
        ] {
            assert_eq!(parse_time_ms(text), Some(us), "{text}");
        }
        for bad in [
            "",
            ".5",
            "1.2345",
            "-1",
            "1e3",
            "1.x",
            "99999999999999999999",
        ] {
            assert_eq!(parse_time_ms(bad), None, "{bad}");
        }
        assert_eq!(format_time_ms(8_012_000), "t=8012");
        assert_eq!(format_time_ms(8_012_345), "t=8012.345");
        assert_eq!(format_time_ms(7_050), "t=7.050");
        let (st, n) = UrlState::parse("?t=8012.345");
        assert!(n.is_empty());
        assert_eq!(st.t_us, 8_012_345);
        assert!(st.to_query().contains("t=8012.345"));
    }
    #[test]
    fn a_comparison_round_trips_and_bad_designs_are_named() {
        let q = "?preset=sync-chain&seed=3&vs=fire-and-forget~hybrid.callback_60&cmds2=-:15000000:down:payment&cmp=payment-outage";
        let (st, notices) = UrlState::parse(q);
        assert!(notices.is_empty(), "{notices:?}");
        assert_eq!(st.others.len(), 2);
        assert_eq!(
            (
                st.others[1].preset.as_str(),
                st.others[1].mode,
                st.others[1].orders
            ),
            ("hybrid", Some(Completion::Callback), Some(60))
        );
        assert_eq!(st.others[0].commands.len(), 1);
        assert_eq!(st.cmp.as_deref(), Some("payment-outage"));
        assert_eq!(UrlState::parse(&st.to_query()).0, st);
        let (st, notices) = UrlState::parse("?vs=nonsense~hybrid.fax~mmc~pizza&cmds3=x");
        assert!(st.others.is_empty());
        assert_eq!(
            notices,
            [
                "vs[0]: unknown preset \"nonsense\"",
                "vs[1]: unknown completion mode \"fax\"",
                "vs: at most 2 designs beside the first, the rest are ignored",
                "cmds3[0]: expected <after_events>:<at_us>:<op>…; this command and the ones after it are ignored",
                "cmds3: no design 3 in vs=, ignored",
            ]
        );
    }

    /// Each design beside the first carries its own edits (`d2=`, `d3=`).
    #[test]
    fn the_designs_beside_the_first_carry_their_edits() {
        let q = "?preset=surge&seed=1&d=s.payment.replicas:2&vs=surge~surge&d3=f.order.place.2.mode:publish";
        let (st, notices) = UrlState::parse(q);
        assert!(notices.is_empty(), "{notices:?}");
        assert_eq!(st.design, [Edit::new("services.payment.replicas", "2")]);
        assert!(st.others[0].design.is_empty());
        assert_eq!(
            st.others[1].design,
            [Edit::new("flow.order.place.2.mode", "publish")]
        );
        assert_eq!(UrlState::parse(&st.to_query()).0, st);
        let (st, notices) = UrlState::parse("?vs=surge&d2=s.payment&d3=s.payment.replicas:2");
        assert!(st.others[0].design.is_empty());
        assert_eq!(
            notices,
            [
                "d2: d[0]: \"s.payment\" has no value (write path=value); design 2 as its preset is",
                "d3: no design 3 in vs=, ignored",
            ]
        );
    }
}
