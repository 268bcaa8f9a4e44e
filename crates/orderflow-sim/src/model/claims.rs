//! Compiling the claims section: every claim's runs are checked against the
//! model they run (this scenario's, or the preset a run names), its
//! commands resolved, its expectations parsed with every figure looked up in
//! that model's registry ([`crate::measure::catalogue`]), its "show me"
//! setting checked. Errors name the field (`claims[2].runs.b.completion`,
//! `claims[0].expect[1]`).
//!
//! [`Model::compile`] checks only the claims' numbers (their moments, with
//! every other number of the scenario); the rest needs the compiled model
//! and happens in [`Model::claims`]. That keeps the claims' compiler, the
//! expectation parser and the metric registry out of a program that runs
//! scenarios without checking claims (the browser app: they would cost it
//! about 20 KB of its compressed bundle).

use std::collections::BTreeMap;

use super::compile::Compiler;
use super::*;
use crate::claims::{self, Claim, ClaimRun, Document, Show, expr};
use crate::measure::{self, MetricDef};
use crate::presets;
use crate::scenario::{ClaimRunSpec, ClaimSpec};

/// The run every claim has when it names none: the scenario as it is.
const DEFAULT_RUN: &str = "a";

/// A moment of a claim, already checked by [`Compiler::claim_instants`].
fn instant(ms: u64) -> SimTime {
    SimTime(ms_to_us(ms, 0..=bounds::INSTANT_MS).unwrap_or(0))
}

impl Model {
    /// The scenario's claims, checked against this model: an unknown run,
    /// metric, preset, queue or service, a mode the scenario does not
    /// allow, is an error naming its field. Every problem is reported.
    pub fn claims(&self) -> Result<Vec<Claim>, ScenarioErrors> {
        let mut c = Compiler::new(&self.scenario);
        let claims = c.claims(self);
        if c.errors.is_empty() {
            Ok(claims)
        } else {
            Err(ScenarioErrors(c.errors))
        }
    }
}

impl Compiler<'_> {
    /// The claims' moments (`at_ms`), checked with the rest of the scenario's
    /// numbers: the claims themselves need the compiled model, which a
    /// scenario with other errors does not get.
    pub(super) fn claim_instants(&mut self) {
        let s = self.s;
        for (i, spec) in s.claims.iter().enumerate() {
            for (name, run) in &spec.runs {
                for (k, tc) in run.commands.iter().enumerate() {
                    let path = format!("claims[{i}].runs.{name}.commands[{k}]");
                    self.instant(format!("{path}.at_ms"), tc.at_ms);
                    if let Command::RestartBroker { downtime_ms } = tc.command {
                        self.span_us(format!("{path}.command.downtime_ms"), downtime_ms);
                    }
                }
            }
            if let Some(at_ms) = spec.show.as_ref().and_then(|s| s.at_ms) {
                self.instant(format!("claims[{i}].show.at_ms"), at_ms);
            }
        }
    }

    /// The claims, checked against the compiled `model` (whose own claims
    /// are not filled in yet).
    pub(super) fn claims(&mut self, model: &Model) -> Vec<Claim> {
        let list = &self.s.claims;
        if list.len() > claims::bounds::CLAIMS {
            let max = claims::bounds::CLAIMS;
            self.err("claims", format!("at most {max} claims"));
        }
        let mut out: Vec<Claim> = Vec::new();
        for (i, spec) in list.iter().enumerate() {
            let p = format!("claims[{i}]");
            if list[..i].iter().any(|c| c.id == spec.id) {
                self.err(format!("{p}.id"), format!("{:?} is used twice", spec.id));
            }
            if let Some(claim) = self.claim(&p, spec, model) {
                out.push(claim);
            }
        }
        out
    }

    fn claim(&mut self, p: &str, spec: &ClaimSpec, model: &Model) -> Option<Claim> {
        self.check_id(format!("{p}.id"), &spec.id);
        let chars = spec.text.chars().count();
        if spec.text.trim().is_empty() || chars > claims::bounds::TEXT {
            let max = claims::bounds::TEXT;
            self.err(
                format!("{p}.text"),
                format!("must be 1 to {max} characters"),
            );
        }
        let document = Document::parse(&spec.document);
        if document.is_none() {
            self.err(
                format!("{p}.document"),
                "must be \"000\" to \"004\" or \"beyond the documents\"",
            );
        }
        self.claim_orders(format!("{p}.orders"), spec.orders);
        let default_runs = BTreeMap::from([(DEFAULT_RUN.to_owned(), ClaimRunSpec::default())]);
        let specs = if spec.runs.is_empty() {
            &default_runs
        } else {
            &spec.runs
        };
        if specs.len() > claims::bounds::RUNS {
            let max = claims::bounds::RUNS;
            self.err(format!("{p}.runs"), format!("at most {max} runs"));
        }
        // Each run with the registry of the model it runs.
        let mut runs = Vec::new();
        let mut registries: Vec<Vec<MetricDef>> = Vec::new();
        for (name, rs) in specs {
            let rp = format!("{p}.runs.{name}");
            if let Some((run, defs)) = self.claim_run(&rp, name, rs, spec.orders, model) {
                runs.push(run);
                registries.push(defs);
            }
        }
        if runs.len() != specs.len() {
            return None;
        }
        let names: Vec<&str> = runs.iter().map(|r| r.name.as_str()).collect();
        let resolve = |run: usize, metric: &str| known_metric(&registries[run], metric);
        if spec.expect.is_empty() || spec.expect.len() > claims::bounds::EXPECTATIONS {
            let max = claims::bounds::EXPECTATIONS;
            self.err(
                format!("{p}.expect"),
                format!("needs 1 to {max} expectations"),
            );
        }
        let mut expect = Vec::new();
        for (j, src) in spec.expect.iter().enumerate() {
            match expr::parse(src, &names, &resolve) {
                Ok(e) => expect.push(e),
                Err(why) => self.err(format!("{p}.expect[{j}]"), why),
            }
        }
        let show = self.show(p, spec, &names, &registries, &expect);
        Some(Claim {
            id: spec.id.clone(),
            text: spec.text.clone(),
            document: document?,
            seed: spec.seed,
            runs,
            expect,
            show: show?,
        })
    }

    fn claim_orders(&mut self, path: String, orders: Option<u64>) {
        let max = claims::bounds::ORDERS;
        if orders.is_some_and(|n| !(1..=max).contains(&n)) {
            self.err(path, format!("must be between 1 and {max}"));
        }
    }

    /// One run, checked against the model it runs; with that model's registry.
    fn claim_run(
        &mut self,
        rp: &str,
        name: &str,
        rs: &ClaimRunSpec,
        claim_orders: Option<u64>,
        own: &Model,
    ) -> Option<(ClaimRun, Vec<MetricDef>)> {
        let word = name.len() <= 20
            && name.starts_with(|c: char| c.is_ascii_lowercase())
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !word {
            self.err(
                rp,
                "a run's name is one word of a-z, 0-9 and _ (at most 20)",
            );
        }
        self.claim_orders(format!("{rp}.orders"), rs.orders);
        let other;
        let base: &Model = match &rs.preset {
            None => own,
            Some(preset) => match presets::scenario(preset) {
                None => {
                    self.err(format!("{rp}.preset"), format!("no preset {preset:?}"));
                    return None;
                }
                Some(mut s) => {
                    s.claims.clear();
                    match Model::compile(s) {
                        Ok(m) => {
                            other = m;
                            &other
                        }
                        Err(e) => {
                            self.err(
                                format!("{rp}.preset"),
                                format!("{preset:?} does not compile: {e}"),
                            );
                            return None;
                        }
                    }
                }
            },
        };
        let completion = rs.completion.unwrap_or(base.client.completion);
        if !base.client.allowed.contains(&completion) {
            self.err(
                format!("{rp}.completion"),
                format!(
                    "{:?} is not one of the scenario's modes",
                    completion.as_str()
                ),
            );
        }
        // The id source applies in every mode; only an id service must exist.
        if rs.id_source == Some(IdSource::IdService) && base.client.id_service.is_none() {
            self.err(
                format!("{rp}.id_source"),
                "the scenario has no client.id_service",
            );
        }
        for queue in rs.durable.keys() {
            if base.queue_index(queue).is_none() {
                self.err(
                    format!("{rp}.durable.{queue}"),
                    format!("no queue {queue:?}"),
                );
            }
        }
        let commands = self.claim_commands(rp, rs, base);
        let run = ClaimRun {
            name: name.to_owned(),
            preset: rs.preset.clone(),
            completion,
            id_source: rs.id_source,
            orders: rs.orders.or(claim_orders),
            faults: rs.faults,
            durable: rs.durable.iter().map(|(q, d)| (q.clone(), *d)).collect(),
            commands,
        };
        Some((run, measure::catalogue(base)))
    }

    fn claim_commands(
        &mut self,
        rp: &str,
        rs: &ClaimRunSpec,
        base: &Model,
    ) -> Vec<(SimTime, Command)> {
        let max = crate::sim::MAX_TIMED_COMMANDS;
        if rs.commands.len() > max {
            self.err(format!("{rp}.commands"), format!("at most {max} commands"));
        }
        let mut out = Vec::new();
        for (k, tc) in rs.commands.iter().enumerate() {
            let cp = format!("{rp}.commands[{k}]");
            let at = instant(tc.at_ms);
            if let Err(e) = base.resolve_command(&tc.command) {
                // "service: no service …" names a field of the command.
                match e.0.split_once(": ") {
                    Some((field, message)) => self.err(format!("{cp}.command.{field}"), message),
                    None => self.err(format!("{cp}.command"), e.0),
                }
            }
            out.push((at, tc.command.clone()));
        }
        out
    }

    /// The "show me" setting, or its defaults: the first run, its end, the
    /// first figure written.
    fn show(
        &mut self,
        p: &str,
        spec: &ClaimSpec,
        names: &[&str],
        registries: &[Vec<MetricDef>],
        expect: &[expr::Expectation],
    ) -> Option<Show> {
        let Some(show) = &spec.show else {
            let first = expect
                .first()
                .and_then(|e| e.figures().first().map(|f| (*f).clone()));
            return Some(match first {
                Some(f) => Show {
                    run: f.run,
                    at: None,
                    metric: f.metric,
                },
                None => Show {
                    run: 0,
                    at: None,
                    metric: "outcome.completed".to_owned(),
                },
            });
        };
        let Some(run) = names.iter().position(|n| *n == show.run) else {
            self.err(
                format!("{p}.show.run"),
                format!("no run {:?} (runs: {})", show.run, names.join(", ")),
            );
            return None;
        };
        let at = show
            .at_ms
            .map(|ms| self.instant(format!("{p}.show.at_ms"), ms));
        if let Err(why) = known_metric(&registries[run], &show.metric) {
            self.err(format!("{p}.show.metric"), why);
        }
        Some(Show {
            run,
            at,
            metric: show.metric.clone(),
        })
    }
}

/// `Ok` if `metric` is in `defs`; else why not, with the nearest name.
fn known_metric(defs: &[MetricDef], metric: &str) -> Result<(), String> {
    if measure::find(defs, metric).is_some() {
        return Ok(());
    }
    let common = |name: &str| {
        name.bytes()
            .zip(metric.bytes())
            .take_while(|(a, b)| a == b)
            .count()
    };
    let nearest = defs
        .iter()
        .map(|d| (common(&d.name), d.name.as_str()))
        .filter(|(n, _)| *n * 2 >= metric.len())
        .max_by_key(|(n, _)| *n);
    Err(match nearest {
        Some((_, name)) => format!("unknown metric {metric:?} (did you mean {name:?}?)"),
        None => format!("unknown metric {metric:?}"),
    })
}
