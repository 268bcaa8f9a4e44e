//! Owns the claims list's view model: the claims a preset demonstrates
//! (each with its text and source document, from the preset's `claims`
//! section, compiled by the engine) and what "Show me" opens — the claim's
//! run as a link ([`ClaimShow::url`]: preset, completion mode, id source,
//! seed, order count, the scheduled faults kept or left out, the run's
//! commands at their moments, the moment to look at) and the figure the
//! claim is about, which the metrics panel then shows highlighted
//! ([`FigureWatch`]). Plain Rust, tested natively.

use orderflow_sim::claims::expr::number;
use orderflow_sim::claims::{Claim, Document};
use orderflow_sim::measure::{self, MetricDef, Unit};
use orderflow_sim::model::Model;
use orderflow_sim::{Sim, presets};

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

/// How a claim's source reads.
pub fn source_label(d: Document) -> String {
    match d {
        Document::Source(_) => format!("document {}", d.as_str()),
        Document::Beyond => d.as_str().to_owned(),
    }
}

/// The claims of preset `preset`, in its file's order. None for an unknown
/// preset; a preset whose claims do not compile (a broken file, which the
/// engine's tests refuse) shows none either.
pub fn claims_of(preset: &str) -> Vec<ClaimItem> {
    let Some(Ok((model, claims))) = presets::model_and_claims(preset) else {
        return Vec::new();
    };
    claims
        .iter()
        .map(|c| ClaimItem {
            id: c.id.clone(),
            text: c.text.clone(),
            source: source_label(c.document),
            show: show_of(preset, &model, c),
        })
        .collect()
}

/// What "Show me" opens for `claim` of preset `preset` (compiled as
/// `model`): the run the claim names to show, as a link. A run the link
/// cannot state (queues made durable or transient) is refused by name.
pub fn show_of(preset: &str, model: &Model, claim: &Claim) -> Result<ClaimShow, String> {
    let run = claim
        .runs
        .get(claim.show.run)
        .ok_or_else(|| format!("claim {}: show.run: no such run", claim.id))?;
    if !run.durable.is_empty() {
        return Err(format!(
            "claim {}: run {}: a link cannot make queues durable or transient",
            claim.id, run.name
        ));
    }
    let run_preset = run.preset.clone().unwrap_or_else(|| preset.to_owned());
    let own_mode = match &run.preset {
        None => model.client.completion,
        Some(p) => {
            presets::scenario(p)
                .ok_or_else(|| format!("claim {}: run {}: no preset {p:?}", claim.id, run.name))?
                .client
                .completion
        }
    };
    let commands = run
        .commands
        .iter()
        .map(|(at, command)| UrlCommand::Scheduled {
            at: *at,
            command: command.clone(),
            from: Position::START,
        })
        .collect();
    let url = UrlState {
        preset: run_preset,
        mode: (run.completion != own_mode).then_some(run.completion),
        id: run.id_source,
        seed: claim.seed,
        orders: run.orders,
        faults: run.faults,
        t_us: claim.show.at.map_or(0, |t| t.as_micros()),
        commands,
        ..UrlState::default()
    };
    Ok(ClaimShow {
        url,
        to_end: claim.show.at.is_none(),
        metric: claim.show.metric.clone(),
        claim: claim.text.clone(),
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
