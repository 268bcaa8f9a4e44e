//! Owns the claims list's view model: the claims a preset demonstrates
//! (each with its text and source document, from the preset's `claims`
//! section) and what "Show me" opens — the claim's run as a link
//! ([`ClaimShow::url`]: preset, completion mode, id source, seed, order
//! count, the scheduled faults kept or left out, the run's commands at
//! their moments, the moment to look at) and the figure the claim is
//! about, which the metrics panel then shows highlighted ([`FigureWatch`]).
//! Plain Rust, tested natively.
//!
//! It reads the claims as written ([`ClaimSpec`]) rather than compiled
//! (`Model::claims`): the page checks no claim, so the expression parser
//! and the claim compiler stay out of the worker's work (4.8 KB brotli).
//! The native tests open every claim and compare with the compiled one.
//!
//! The claims' texts and runs (built by the engine's generated preset
//! code) are not in the bundle loaded at start either: the list asks the
//! on-demand worker (`src/bin/on-demand.rs`) when it is first opened
//! ([`request`] → [`answer`] → [`parse_reply`], plain text), and the worker
//! runs [`claims_of`].

use std::collections::BTreeMap;

use orderflow_sim::claims::expr::number;
use orderflow_sim::measure::{self, MetricDef, Unit};
use orderflow_sim::model::Model;
use orderflow_sim::scenario::{ClaimRunSpec, ClaimSpec, Scenario};
use orderflow_sim::{Sim, SimTime, presets};

use crate::session::Position;
use crate::url_state::{UrlCommand, UrlState};

/// One claim of the list.
#[derive(Clone, Debug, PartialEq)]
pub struct ClaimItem {
    /// Unique within the preset (`"outage-loses-nothing"`).
    pub id: String,
    /// The claim, in its document's terms.
    pub text: String,
    /// Where it comes from: `"document 003"`, or `"beyond the documents"`.
    pub source: String,
    /// What "Show me" opens, or why it cannot be opened (named).
    pub show: Result<ClaimShow, String>,
}

/// What "Show me" opens.
#[derive(Clone, Debug, PartialEq)]
pub struct ClaimShow {
    /// The claim's run as a link; `t_us` is the moment to look at (zero
    /// with [`ClaimShow::to_end`]).
    pub url: UrlState,
    /// The claim looks at the end of the run: run it to its last event.
    pub to_end: bool,
    /// The figure the claim is about (a name of the metric registry).
    pub metric: String,
    /// The claim's text, shown beside the figure.
    pub claim: String,
}

/// How a claim's source reads: `"003"` is `"document 003"`; anything else
/// (`"beyond the documents"`) as written.
pub fn source_label(document: &str) -> String {
    if document.len() == 3 && document.bytes().all(|b| b.is_ascii_digit()) {
        format!("document {document}")
    } else {
        document.to_owned()
    }
}

/// The claims of preset `preset`, in its file's order; none for an
/// unknown preset.
pub fn claims_of(preset: &str) -> Vec<ClaimItem> {
    let (Some(specs), Some(own)) = (presets::claims(preset), presets::scenario(preset)) else {
        return Vec::new();
    };
    specs
        .iter()
        .map(|c| ClaimItem {
            id: c.id.clone(),
            text: c.text.clone(),
            source: source_label(&c.document),
            show: show_of(preset, &own, c),
        })
        .collect()
}

// ---- The on-demand worker ----

/// The first line of a claims request.
pub const REQUEST: &str = "claims";
/// Between claims in a reply (ASCII record separator: no claim's text or
/// link holds it).
const RECORD: char = '\u{1e}';
/// Between a claim's fields (ASCII unit separator).
const FIELD: char = '\u{1f}';

/// The request for the claims of `preset`.
pub fn request(preset: &str) -> String {
    format!("{REQUEST}\n{preset}")
}

/// The worker's answer to a claims [`request`]: `ok\n` and one record per
/// claim (id, text, source, then `show`, to-end `0`/`1`, the figure and the
/// run's link, or `why` and the reason), or `err\n<message>`.
pub fn answer(request: &str) -> String {
    let Some(preset) = request
        .strip_prefix(REQUEST)
        .and_then(|r| r.strip_prefix('\n'))
    else {
        return "err\nnot a claims request".to_owned();
    };
    let clean = |s: &str| s.replace([RECORD, FIELD], " ");
    let records: Vec<String> = claims_of(preset)
        .iter()
        .map(|c| {
            let show = match &c.show {
                Ok(s) => format!(
                    "show{FIELD}{}{FIELD}{}{FIELD}{}",
                    u8::from(s.to_end),
                    clean(&s.metric),
                    s.url.to_query()
                ),
                Err(why) => format!("why{FIELD}{}", clean(why)),
            };
            [clean(&c.id), clean(&c.text), clean(&c.source), show].join(&FIELD.to_string())
        })
        .collect();
    format!("ok\n{}", records.join(&RECORD.to_string()))
}

/// The page's reading of the worker's reply to a claims request.
pub fn parse_reply(reply: &str) -> Result<Vec<ClaimItem>, String> {
    let body = match reply.split_once('\n') {
        Some(("ok", body)) => body,
        Some(("err", e)) => return Err(e.to_owned()),
        _ => return Err("the claims' reply was not understood".to_owned()),
    };
    if body.is_empty() {
        return Ok(Vec::new());
    }
    body.split(RECORD)
        .map(|record| {
            let f: Vec<&str> = record.split(FIELD).collect();
            let show = match f.get(3..) {
                Some(["show", to_end, metric, query]) => {
                    let (url, notices) = UrlState::parse(query);
                    if !notices.is_empty() {
                        return Err(format!("a claim's link: {}", notices.join("; ")));
                    }
                    Ok(ClaimShow {
                        url,
                        to_end: *to_end == "1",
                        metric: (*metric).to_owned(),
                        claim: f[1].to_owned(),
                    })
                }
                Some(["why", why]) => Err((*why).to_owned()),
                _ => return Err("a claim in the reply was cut short".to_owned()),
            };
            Ok(ClaimItem {
                id: f[0].to_owned(),
                text: f[1].to_owned(),
                source: f[2].to_owned(),
                show,
            })
        })
        .collect()
}

/// The run a claim without runs has: the scenario as it is.
const DEFAULT_RUN: &str = "a";

/// The run, moment and figure a claim without a `show` setting shows: the
/// first figure its first expectation reads (`"b.client.polls == 0"`: run
/// `b`, `client.polls`), at the end of that run; as the engine decides.
fn default_show(spec: &ClaimSpec, runs: &BTreeMap<String, ClaimRunSpec>) -> (String, String) {
    let first = spec.expect.first().and_then(|e| {
        e.split(|c: char| c.is_whitespace() || "()*/+<>=!".contains(c))
            .find_map(|token| {
                let (run, metric) = token.split_once('.')?;
                runs.contains_key(run)
                    .then(|| (run.to_owned(), metric.to_owned()))
            })
    });
    first.unwrap_or_else(|| (DEFAULT_RUN.to_owned(), "outcome.completed".to_owned()))
}

/// What "Show me" opens for claim `spec` of preset `preset` (whose
/// scenario is `own`): the run the claim names to show, as a link. A run
/// the link cannot state (queues made durable or transient) is refused by
/// name.
pub fn show_of(preset: &str, own: &Scenario, spec: &ClaimSpec) -> Result<ClaimShow, String> {
    let default_runs = BTreeMap::from([(DEFAULT_RUN.to_owned(), ClaimRunSpec::default())]);
    let runs = if spec.runs.is_empty() {
        &default_runs
    } else {
        &spec.runs
    };
    let (run_name, metric, at_ms) = match &spec.show {
        Some(s) => (s.run.clone(), s.metric.clone(), s.at_ms),
        None => {
            let (run, metric) = default_show(spec, runs);
            (run, metric, None)
        }
    };
    let run = runs
        .get(&run_name)
        .ok_or_else(|| format!("claim {}: show.run: no run {run_name:?}", spec.id))?;
    if !run.durable.is_empty() {
        return Err(format!(
            "claim {}: run {run_name}: a link cannot make queues durable or transient",
            spec.id
        ));
    }
    let own_mode = match &run.preset {
        None => own.client.completion,
        Some(p) => {
            presets::scenario(p)
                .ok_or_else(|| format!("claim {}: run {run_name}: no preset {p:?}", spec.id))?
                .client
                .completion
        }
    };
    let commands = run
        .commands
        .iter()
        .map(|c| UrlCommand::Scheduled {
            at: SimTime::from_millis(c.at_ms),
            command: c.command.clone(),
            from: Position::START,
        })
        .collect();
    let url = UrlState {
        preset: run.preset.clone().unwrap_or_else(|| preset.to_owned()),
        mode: run.completion.filter(|m| *m != own_mode),
        id: run.id_source,
        seed: spec.seed,
        orders: run.orders.or(spec.orders),
        faults: run.faults,
        t_us: at_ms.map_or(0, |ms| SimTime::from_millis(ms).as_micros()),
        commands,
        ..UrlState::default()
    };
    Ok(ClaimShow {
        url,
        to_end: at_ms.is_none(),
        metric,
        claim: spec.text.clone(),
    })
}

/// The figure a shown claim is about, followed in the run the page shows.
#[derive(Clone, Debug, PartialEq)]
pub struct FigureWatch {
    claim: String,
    def: MetricDef,
}

/// The highlighted figure as the metrics panel shows it.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct ClaimFigure {
    /// The claim it belongs to.
    pub claim: String,
    /// The figure's label (`Response time, 95th percentile`).
    pub label: String,
    /// Its registry name (`latency.response.p95_ms`).
    pub metric: String,
    /// The value now, as the claims print it (`1240`, `0.25`), with its
    /// unit (`ms`, `/s`, `s`; nothing for counts).
    pub value: String,
}

impl FigureWatch {
    /// Follows `metric` of a run of `model`; `None` if the registry has no
    /// such figure for it.
    pub fn new(model: &Model, metric: &str, claim: &str) -> Option<FigureWatch> {
        let defs = measure::catalogue(model);
        let def = measure::find(&defs, metric)?.clone();
        Some(FigureWatch {
            claim: claim.to_owned(),
            def,
        })
    }

    /// The figure in `sim` now.
    pub fn figure(&self, sim: &Sim) -> ClaimFigure {
        let v = measure::values(std::slice::from_ref(&self.def), sim)
            .first()
            .copied()
            .unwrap_or(f64::NAN);
        let unit = match self.def.unit {
            Unit::Count | Unit::Share => String::new(),
            u => format!(" {}", u.symbol()),
        };
        ClaimFigure {
            claim: self.claim.clone(),
            label: self.def.label.clone(),
            metric: self.def.name.clone(),
            value: format!("{}{unit}", number(v)),
        }
    }
}

#[cfg(test)]
mod tests;
