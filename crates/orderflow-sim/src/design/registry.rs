//! The setting registry: every setting of a scenario, generated from the
//! scenario itself (one entry per service, per step of the flow, per queue,
//! per breaker…), each with a stable path, a label, a unit, its range or
//! choices and its current value, plus [`set`] to change one by path.
//!
//! Paths name things by id, never by position in a list, except a step,
//! which is its handler's `service.op` and its index:
//! `services.payment.replicas`, `flow.order.place.1.mode`,
//! `broker.queues.warehouse_q.ttl_ms`, `workload.rate_per_s`.
//!
//! Adding a setting for a new scenario field is one [`Setting`] in the
//! section that enumerates its entity and one arm in the matching writer
//! (`write_*`); `every_scenario_field_has_a_setting` (tests) fails until both
//! exist, or until the field is listed as not a setting, with the reason.

use std::fmt;

use crate::model::ScenarioError;
use crate::scenario::*;

use super::fields::{
    self, BACKOFF, BREAKER, CALLBACK, CLIENT, CONSUMER, POLLING, QUEUE, SERVICE, STREAM, Word,
    float, int, opt,
};
use super::list::settings;
use super::wait;

/// How a person thinks of the settings: the panel's sections.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Group {
    /// Each step of each handler: wait or don't wait, timeouts, retries…
    Flow,
    /// Replicas, workers, latency, error rate of each service.
    Services,
    /// Circuit breakers.
    Breakers,
    /// The broker's queues and consumers.
    Broker,
    /// How the client learns the outcome.
    Client,
    /// Orders: how many, how fast, what shape.
    Workload,
    /// Units in stock per SKU.
    Stock,
    /// The network between services.
    Network,
}

impl Group {
    /// Every group, in the panel's order.
    pub const ALL: [Group; 8] = [
        Group::Flow,
        Group::Services,
        Group::Breakers,
        Group::Broker,
        Group::Client,
        Group::Workload,
        Group::Stock,
        Group::Network,
    ];

    /// The group's heading.
    pub fn title(self) -> &'static str {
        match self {
            Group::Flow => "Flow",
            Group::Services => "Services",
            Group::Breakers => "Circuit breakers",
            Group::Broker => "Broker",
            Group::Client => "Client",
            Group::Workload => "Workload",
            Group::Stock => "Stock",
            Group::Network => "Network",
        }
    }
}

/// What values a setting takes.
#[derive(Clone, Debug, PartialEq)]
pub enum Kind {
    /// A whole number in `min..=max`.
    Int { min: u64, max: u64 },
    /// A whole number in `min..=max`, or `none` (the field is absent).
    OptInt { min: u64, max: u64 },
    /// A number in `min..=max`.
    Float { min: f64, max: f64 },
    /// `1` or `0`.
    Bool,
    /// One of these words.
    Choice(Vec<String>),
}

/// The value written for "absent" in an [`Kind::OptInt`] or a choice.
pub const NONE: &str = "none";

/// One setting of a scenario.
#[derive(Clone, Debug, PartialEq)]
pub struct Setting {
    /// Stable address (`services.payment.replicas`).
    pub path: String,
    pub group: Group,
    /// What it belongs to within the group ("Payment", "order.place step 2").
    pub section: String,
    /// The control's label.
    pub label: &'static str,
    /// Unit of the value (`ms`, `per s`), empty when it has none.
    pub unit: &'static str,
    pub kind: Kind,
    /// The current value, as written in a design (`4`, `0.25`, `publish`).
    pub value: String,
}

impl fmt::Display for Setting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}={}", self.path, self.value)
    }
}

/// A number as a design writes it: the shortest text that reads back as
/// the same `f64` (`4`, `0.25`).
pub fn fmt_num(v: f64) -> String {
    let s = format!("{v}");
    s.strip_suffix(".0").map(str::to_owned).unwrap_or(s)
}

pub(super) fn fmt_bool(b: bool) -> String {
    if b { "1" } else { "0" }.to_owned()
}

pub(super) fn fmt_opt(v: Option<&str>) -> String {
    v.unwrap_or(NONE).to_owned()
}

/// Parses and range-checks `value` for `kind`.
fn check(kind: &Kind, value: &str) -> Result<String, String> {
    match kind {
        Kind::Int { min, max } => match value.parse::<u64>() {
            Ok(v) if (*min..=*max).contains(&v) => Ok(v.to_string()),
            _ => Err(format!(
                "must be a whole number from {min} to {max}, got {value:?}"
            )),
        },
        Kind::OptInt { min, max } => {
            if value == NONE {
                return Ok(NONE.to_owned());
            }
            match value.parse::<u64>() {
                Ok(v) if (*min..=*max).contains(&v) => Ok(v.to_string()),
                _ => Err(format!(
                    "must be \"{NONE}\" or a whole number from {min} to {max}, got {value:?}"
                )),
            }
        }
        Kind::Float { min, max } => match value.parse::<f64>() {
            Ok(v) if v.is_finite() && (*min..=*max).contains(&v) => Ok(fmt_num(v)),
            _ => Err(format!(
                "must be a number from {} to {}, got {value:?}",
                fmt_num(*min),
                fmt_num(*max)
            )),
        },
        Kind::Bool => match value {
            "1" | "true" | "yes" => Ok("1".into()),
            "0" | "false" | "no" => Ok("0".into()),
            _ => Err(format!("must be 1 or 0, got {value:?}")),
        },
        Kind::Choice(choices) => {
            if choices.iter().any(|c| c == value) {
                Ok(value.to_owned())
            } else {
                Err(format!(
                    "must be one of {}, got {value:?}",
                    choices.join(", ")
                ))
            }
        }
    }
}

/// The current value of the setting at `path`, if `s` has it.
pub fn get(s: &Scenario, path: &str) -> Option<String> {
    settings(s)
        .into_iter()
        .find(|x| x.path == path)
        .map(|x| x.value)
}

// ---------------------------------------------------------------- writing

/// Sets the setting at `path` to `value`. The error names the path: no
/// such setting in this design, or a value outside its range or choices.
/// A value that passes may still make a scenario that
/// [`crate::Model::compile`] refuses (a backoff cap below its base): that
/// check comes after all edits, with the JSON path of the field.
pub fn set(s: &mut Scenario, path: &str, value: &str) -> Result<(), ScenarioError> {
    let err = |message: String| ScenarioError {
        path: path.to_owned(),
        message,
    };
    let setting = settings(s)
        .into_iter()
        .find(|x| x.path == path)
        .ok_or_else(|| err("no such setting in this design".to_owned()))?;
    let v = check(&setting.kind, value).map_err(err)?;
    if v == setting.value {
        return Ok(());
    }
    write(s, path, &v).map_err(err)
}

/// Writes a checked value. `path` exists (it was listed).
fn write(s: &mut Scenario, path: &str, v: &str) -> Result<(), String> {
    let parts: Vec<&str> = path.split('.').collect();
    match parts.as_slice() {
        ["flow", service, op, rest @ ..] => write_flow(s, service, op, rest, v),
        [
            "services",
            id,
            kind @ ("stock" | "restock_every_ms" | "restock_units" | "restock_max_units"),
            ..,
        ] => {
            // The SKU is the rest of the path (it may hold a dot).
            let sku = path.splitn(4, '.').nth(3).unwrap_or_default();
            let sv = s
                .services
                .iter_mut()
                .find(|x| x.id == *id)
                .ok_or("no service")?;
            let spec = sv
                .stock
                .as_mut()
                .and_then(|m| m.get_mut(sku))
                .ok_or("no such SKU")?;
            write_stock(spec, kind, v);
            Ok(())
        }
        ["services", id, field @ ..] => {
            let sv = s
                .services
                .iter_mut()
                .find(|x| x.id == *id)
                .ok_or("no service")?;
            fields::write(SERVICE, sv, field, v)?;
            // Scale-in is a balancer's option: back to the pool, the default
            // again (it is not listed there).
            if field == ["balancer"] && sv.balancer.is_pool() {
                sv.scale_in = ScaleIn::Drain;
            }
            Ok(())
        }
        ["breakers", id, field @ ..] => {
            let b = s
                .breakers
                .iter_mut()
                .find(|x| x.id == *id)
                .ok_or("no breaker")?;
            fields::write(BREAKER, b, field, v)
        }
        ["broker", "queues", id, field @ ..] => {
            let b = s.broker.as_mut().ok_or("no broker")?;
            let q = b
                .queues
                .iter_mut()
                .find(|x| x.id == *id)
                .ok_or("no queue")?;
            match field {
                ["dead_letter"] => q.dead_letter = opt(v),
                ["rollback"] => q.rollback = opt(v),
                _ => fields::write(QUEUE, q, field, v)?,
            }
            Ok(())
        }
        ["broker", "consumers", queue, service, field @ ..] => {
            let b = s.broker.as_mut().ok_or("no broker")?;
            let c = b
                .consumers
                .iter_mut()
                .find(|c| c.queue == *queue && c.handler.split('.').next() == Some(*service))
                .ok_or("no consumer")?;
            match field {
                ["pause_while_open"] => c.pause_while_open = opt(v),
                _ => fields::write(CONSUMER, c, field, v)?,
            }
            Ok(())
        }
        ["client", "completion"] => {
            s.client.completion = Completion::parse(v).ok_or("unknown completion")?;
            Ok(())
        }
        ["client", "id_service"] => {
            s.client.id_service = opt(v);
            Ok(())
        }
        ["client", "retry", "retries"] => {
            match (opt(v), s.client.retry.as_mut()) {
                (None, _) => s.client.retry = None,
                (Some(n), Some(r)) => r.retries = int(&n),
                (Some(n), None) => {
                    s.client.retry = Some(ClientRetry {
                        retries: int(&n),
                        backoff: Backoff::default(),
                        budget: None,
                    })
                }
            }
            Ok(())
        }
        ["client", "retry", "backoff", f @ ..] => {
            let r = s.client.retry.as_mut().ok_or("no client retries")?;
            fields::write(BACKOFF, &mut r.backoff, f, v)
        }
        ["client", "retry", "budget", f] => {
            let r = s.client.retry.as_mut().ok_or("no client retries")?;
            write_budget(&mut r.budget, f, v);
            Ok(())
        }
        ["client", "polling", field @ ..] => {
            let p = s.client.polling.as_mut().ok_or("no polling")?;
            fields::write(POLLING, p, field, v)
        }
        ["client", "stream", field @ ..] => fields::write(STREAM, &mut s.client.stream, field, v),
        ["client", "callback", field @ ..] => {
            fields::write(CALLBACK, &mut s.client.callback, field, v)
        }
        ["client", field @ ..] => fields::write(CLIENT, &mut s.client, field, v),
        ["workload", rest @ ..] => super::workload::write(&mut s.workload, rest, path, v),
        ["network", "latency", rest @ ..] => {
            write_latency(&mut s.network.latency, rest, v);
            Ok(())
        }
        _ => Err("no such field".into()),
    }
}

/// A retry budget's field; `max_tokens` of `none` removes the budget, a
/// number where there was none adds one (a token back per ten successes).
fn write_budget(b: &mut Option<RetryBudget>, field: &str, v: &str) {
    match (field, opt(v), b.as_mut()) {
        ("max_tokens", None, _) => *b = None,
        ("max_tokens", Some(n), Some(x)) => x.max_tokens = int(&n),
        ("max_tokens", Some(n), None) => {
            *b = Some(RetryBudget {
                max_tokens: int(&n),
                refill_per_success: 0.1,
            })
        }
        ("refill_per_success", _, Some(x)) => x.refill_per_success = float(v),
        _ => {}
    }
}

/// A stock's units, restock interval (`none`: never restocked), restock
/// size or the level a restock fills up to. A SKU without a restock is written as a plain number again.
fn write_stock(spec: &mut StockSpec, kind: &str, v: &str) {
    let units = spec.units();
    let restock = spec.restock();
    let (units, restock) = match (kind, restock) {
        ("stock", r) => (int(v), r),
        ("restock_every_ms", r) => match (opt(v), r) {
            (None, _) => (units, None),
            (Some(n), Some(r)) => (
                units,
                Some(Restock {
                    every_ms: int(&n),
                    ..r
                }),
            ),
            (Some(n), None) => (
                units,
                Some(Restock {
                    every_ms: int(&n),
                    units: 10,
                    max_units: None,
                }),
            ),
        },
        ("restock_max_units", Some(r)) => (
            units,
            Some(Restock {
                max_units: Some(int(v)),
                ..r
            }),
        ),
        (_, Some(r)) => (units, Some(Restock { units: int(v), ..r })),
        (_, None) => (units, None),
    };
    *spec = match restock {
        None => StockSpec::Units(units),
        Some(r) => StockSpec::Detailed(StockDetail {
            units,
            restock: Some(r),
        }),
    };
}

/// The central value of a distribution: what a change of kind keeps.
fn centre(l: &Latency) -> f64 {
    match *l {
        Latency::Constant(v) | Latency::Exponential(v) => v,
        Latency::Uniform([lo, hi]) => (lo + hi) / 2.0,
        Latency::LogNormal { median_ms, .. } => median_ms,
    }
}

/// Changes a distribution's kind (keeping its centre) or one parameter.
pub(super) fn write_latency(l: &mut Latency, rest: &[&str], v: &str) {
    match (rest, &mut *l) {
        ([], _) => {
            let c = centre(l);
            *l = match v {
                "constant" => Latency::Constant(c),
                "uniform" => {
                    Latency::Uniform([c / 2.0, (c * 1.5).min(crate::model::bounds::LATENCY_MS)])
                }
                "exponential" => Latency::Exponential(c),
                _ => Latency::LogNormal {
                    median_ms: if c > 0.0 { c } else { 1.0 },
                    sigma: 0.5,
                },
            };
        }
        (["ms"], Latency::Constant(x)) | (["mean_ms"], Latency::Exponential(x)) => *x = float(v),
        (["min_ms"], Latency::Uniform([lo, _])) => *lo = float(v),
        (["max_ms"], Latency::Uniform([_, hi])) => *hi = float(v),
        (["median_ms"], Latency::LogNormal { median_ms, .. }) => *median_ms = float(v),
        (["sigma"], Latency::LogNormal { sigma, .. }) => *sigma = float(v),
        _ => {}
    }
}

/// `flow.<service>.<op>.…`: a handler's latency or lag, or one of its steps.
fn write_flow(
    s: &mut Scenario,
    service: &str,
    op: &str,
    rest: &[&str],
    v: &str,
) -> Result<(), String> {
    let hi = s
        .handlers
        .iter()
        .position(|h| h.service == service && h.op == op)
        .ok_or("no handler")?;
    match rest {
        ["latency"] if v == "service" => s.handlers[hi].latency = None,
        ["latency", more @ ..] => {
            let h = &mut s.handlers[hi];
            let l = h.latency.get_or_insert(Latency::Constant(1.0));
            write_latency(l, more, v);
        }
        ["visibility_lag_ms"] => s.handlers[hi].visibility_lag_ms = opt(v).map(|x| int(&x)),
        [index, "mode"] => {
            let i: usize = index.parse().map_err(|_| "no such step")?;
            wait::set_mode(s, hi, i, v)?;
        }
        [index, field @ ..] => {
            let i: usize = index.parse().map_err(|_| "no such step")?;
            let step = s.handlers[hi].steps.get_mut(i).ok_or("no such step")?;
            write_step(step, field, v)?;
        }
        _ => return Err("no such field".into()),
    }
    Ok(())
}

fn write_step(step: &mut Step, field: &[&str], v: &str) -> Result<(), String> {
    match (step, field) {
        (Step::Call { timeout_ms, .. }, ["timeout_ms"])
        | (Step::Wait { timeout_ms, .. }, ["timeout_ms"]) => *timeout_ms = int(v),
        (Step::Call { retries, .. }, ["retries"]) => *retries = int(v),
        (Step::Call { backoff, .. }, ["backoff", f @ ..]) => fields::write(BACKOFF, backoff, f, v)?,
        (Step::Call { retry_budget, .. }, ["retry_budget", f]) => write_budget(retry_budget, f, v),
        (
            Step::Call {
                fallback_policy, ..
            },
            ["fallback_policy"],
        ) => fallback_policy.choose(v),
        (Step::Accept { code }, ["code"]) => *code = int(v),
        (Step::Call { breaker, .. }, ["breaker"]) => *breaker = opt(v),
        (Step::Call { fallback, .. }, ["fallback"]) => {
            *fallback = match v.strip_prefix("queue:") {
                Some(q) => Some(Fallback::QueueForRetry(q.to_owned())),
                None => v.strip_prefix("backup:").map(|t| Fallback::Backup {
                    target: t.to_owned(),
                    timeout_ms: 1_000,
                }),
            }
        }
        (
            Step::Call {
                fallback: Some(Fallback::Backup { timeout_ms, .. }),
                ..
            },
            ["fallback", "timeout_ms"],
        ) => *timeout_ms = int(v),
        (Step::Call { mandatory, .. }, ["mandatory"])
        | (Step::Publish { mandatory, .. }, ["mandatory"])
        | (Step::Status { mandatory, .. }, ["mandatory"]) => *mandatory = v == "1",
        (Step::Call { compensate, .. }, ["compensate"])
        | (Step::Send { compensate, .. }, ["compensate"]) => {
            // A new handler keeps the way the undo is sent.
            *compensate = opt(v).map(|t| match compensate {
                Some(Compensate::Detailed(d)) => Compensate::Detailed(CompensateSpec {
                    target: t,
                    mode: d.mode,
                }),
                _ => Compensate::Target(t),
            })
        }
        (Step::Call { compensate, .. }, ["compensate", "mode"])
        | (Step::Send { compensate, .. }, ["compensate", "mode"]) => {
            let c = compensate.as_ref().ok_or("no compensation")?;
            let target = c.target().to_owned();
            // A blocking call is the plain form (`"inventory.release"`).
            *compensate = Some(if v == "send" {
                Compensate::Detailed(CompensateSpec {
                    target,
                    mode: CompensateMode::Send,
                })
            } else {
                Compensate::Target(target)
            });
        }
        (Step::Publish { to, .. }, ["to"]) => *to = v.to_owned(),
        (Step::Work { latency, .. }, ["latency", more @ ..]) => write_latency(latency, more, v),
        _ => return Err("no such field".into()),
    }
    Ok(())
}
