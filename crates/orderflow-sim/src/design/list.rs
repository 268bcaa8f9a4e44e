//! The listing half of the registry: every setting of a scenario, with
//! its label, unit, range and current value, one function per group.

use super::registry::{Group, Kind, NONE, Setting, fmt_bool, fmt_num, fmt_opt};
use crate::model::bounds;
use crate::scenario::*;

use super::wait;

// ---------------------------------------------------------------- ranges

const MS: Kind = Kind::Int {
    min: 1,
    max: bounds::DURATION_MS,
};
const MS0: Kind = Kind::Int {
    min: 0,
    max: bounds::DURATION_MS,
};
const SHARE: Kind = Kind::Float { min: 0.0, max: 1.0 };
const LAT_MS: Kind = Kind::Float {
    min: 0.0,
    max: bounds::LATENCY_MS,
};
/// Highest arrival rate the engine accepts.
pub const MAX_RATE_PER_S: f64 = 1e6;
/// Surge segments a design may hold.
pub const MAX_SEGMENTS: u64 = 32;

fn choice<I, S>(items: I) -> Kind
where
    I: IntoIterator<Item = S>,
    S: Into<String>,
{
    Kind::Choice(items.into_iter().map(Into::into).collect())
}

fn with_none<I, S>(items: I) -> Kind
where
    I: IntoIterator<Item = S>,
    S: Into<String>,
{
    let mut v = vec![NONE.to_owned()];
    v.extend(items.into_iter().map(Into::into));
    Kind::Choice(v)
}

// ---------------------------------------------------------------- listing

/// Builds the list; `push` keeps the group and section of the entity being
/// listed so each entry is one line.
struct Lister {
    out: Vec<Setting>,
    group: Group,
    section: String,
    prefix: String,
}

impl Lister {
    fn at(&mut self, group: Group, section: impl Into<String>, prefix: impl Into<String>) {
        self.group = group;
        self.section = section.into();
        self.prefix = prefix.into();
    }

    fn push(
        &mut self,
        field: &str,
        label: &'static str,
        unit: &'static str,
        kind: Kind,
        value: String,
    ) {
        self.out.push(Setting {
            path: format!("{}.{field}", self.prefix),
            group: self.group,
            section: self.section.clone(),
            label,
            unit,
            kind,
            value,
        });
    }

    fn latency(&mut self, field: &str, label: &'static str, l: Option<&Latency>, inherit: bool) {
        let mut kinds: Vec<&str> = Vec::new();
        if inherit {
            kinds.push("service");
        }
        kinds.extend(LATENCY_KINDS);
        let kind = match l {
            None => "service",
            Some(Latency::Constant(_)) => "constant",
            Some(Latency::Uniform(_)) => "uniform",
            Some(Latency::Exponential(_)) => "exponential",
            Some(Latency::LogNormal { .. }) => "lognormal",
        };
        self.push(field, label, "", choice(kinds), kind.to_owned());
        match l {
            None => {}
            Some(Latency::Constant(v)) => self.push(
                &format!("{field}.ms"),
                "Constant",
                "ms",
                LAT_MS,
                fmt_num(*v),
            ),
            Some(Latency::Uniform([lo, hi])) => {
                self.push(
                    &format!("{field}.min_ms"),
                    "Lowest",
                    "ms",
                    LAT_MS,
                    fmt_num(*lo),
                );
                self.push(
                    &format!("{field}.max_ms"),
                    "Highest",
                    "ms",
                    LAT_MS,
                    fmt_num(*hi),
                );
            }
            Some(Latency::Exponential(v)) => self.push(
                &format!("{field}.mean_ms"),
                "Mean",
                "ms",
                LAT_MS,
                fmt_num(*v),
            ),
            Some(Latency::LogNormal { median_ms, sigma }) => {
                self.push(
                    &format!("{field}.median_ms"),
                    "Median",
                    "ms",
                    LAT_MS,
                    fmt_num(*median_ms),
                );
                self.push(
                    &format!("{field}.sigma"),
                    "Spread (sigma)",
                    "",
                    Kind::Float { min: 0.0, max: 3.0 },
                    fmt_num(*sigma),
                );
            }
        }
    }

    fn backoff(&mut self, field: &str, b: &Backoff) {
        self.push(
            &format!("{field}.base_ms"),
            "Backoff base",
            "ms",
            MS0,
            b.base_ms.to_string(),
        );
        self.push(
            &format!("{field}.max_ms"),
            "Backoff cap",
            "ms",
            MS0,
            b.max_ms.to_string(),
        );
        self.push(
            &format!("{field}.jitter"),
            "Jitter",
            "share",
            SHARE,
            fmt_num(b.jitter),
        );
    }
}

/// The latency distributions, as a choice.
pub const LATENCY_KINDS: [&str; 4] = ["constant", "uniform", "exponential", "lognormal"];

/// The ways a step can hand work to another service.
pub const MODES: [&str; 3] = ["call", "publish", "send"];

/// Names a setting can point at: handlers, breakers, broker destinations.
struct Names {
    handlers: Vec<String>,
    breakers: Vec<String>,
    destinations: Vec<String>,
}

/// Every setting of `s`, in the panel's order (grouped, then as the
/// scenario lists its parts).
pub fn settings(s: &Scenario) -> Vec<Setting> {
    let mut l = Lister {
        out: Vec::new(),
        group: Group::Flow,
        section: String::new(),
        prefix: String::new(),
    };
    let names = Names {
        handlers: s
            .handlers
            .iter()
            .map(|h| format!("{}.{}", h.service, h.op))
            .collect(),
        breakers: s.breakers.iter().map(|b| b.id.clone()).collect(),
        destinations: s
            .broker
            .iter()
            .flat_map(|b| {
                b.queues
                    .iter()
                    .map(|q| q.id.clone())
                    .chain(b.exchanges.iter().map(|e| e.id.clone()))
            })
            .collect(),
    };
    list_flow(&mut l, s, &names);
    list_services(&mut l, s, &names);
    list_breakers(&mut l, s, &names);
    list_broker(&mut l, s, &names);
    list_client(&mut l, s, &names);
    list_workload(&mut l, s, &names);
    list_network(&mut l, s, &names);
    let mut out = l.out;
    // Stable by group; within a group, as listed.
    out.sort_by_key(|s| s.group);
    out
}

/// The flow: per handler its latency, per step how it hands work on.
fn list_flow(l: &mut Lister, s: &Scenario, names: &Names) {
    for (h, name) in s.handlers.iter().zip(&names.handlers) {
        let kind = s
            .services
            .iter()
            .find(|sv| sv.id == h.service)
            .map(|sv| sv.kind);
        l.at(Group::Flow, name.clone(), format!("flow.{name}"));
        l.latency(
            "latency",
            "Latency of this handler",
            h.latency.as_ref(),
            true,
        );
        if kind == Some(ServiceKind::Store) {
            l.push(
                "visibility_lag_ms",
                "Visible after",
                "ms",
                Kind::OptInt {
                    min: 0,
                    max: bounds::DURATION_MS,
                },
                h.visibility_lag_ms.map_or(NONE.into(), |v| v.to_string()),
            );
        }
        for (i, step) in h.steps.iter().enumerate() {
            l.at(
                Group::Flow,
                format!("{name} step {}", i + 1),
                format!("flow.{name}.{i}"),
            );
            let modes = wait::modes(s, step);
            if let (Some(mode), false) = (wait::mode_of(step), modes.is_empty()) {
                l.push("mode", "Wait for it?", "", choice(modes), mode.to_owned());
            }
            match step {
                Step::Call {
                    timeout_ms,
                    retries,
                    backoff,
                    breaker,
                    fallback,
                    mandatory,
                    compensate,
                    ..
                } => {
                    l.push("timeout_ms", "Timeout", "ms", MS, timeout_ms.to_string());
                    l.push(
                        "retries",
                        "Retries",
                        "",
                        Kind::Int {
                            min: 0,
                            max: bounds::RETRIES as u64,
                        },
                        retries.to_string(),
                    );
                    l.backoff("backoff", backoff);
                    l.push(
                        "breaker",
                        "Circuit breaker",
                        "",
                        with_none(names.breakers.iter().cloned()),
                        fmt_opt(breaker.as_deref()),
                    );
                    let mut fallbacks: Vec<String> = names
                        .destinations
                        .iter()
                        .map(|d| format!("queue:{d}"))
                        .collect();
                    fallbacks.extend(
                        names
                            .handlers
                            .iter()
                            .filter(|o| *o != name)
                            .map(|o| format!("backup:{o}")),
                    );
                    let current = match fallback {
                        None => NONE.to_owned(),
                        Some(Fallback::QueueForRetry(q)) => format!("queue:{q}"),
                        Some(Fallback::Backup { target, .. }) => format!("backup:{target}"),
                    };
                    l.push("fallback", "Fallback", "", with_none(fallbacks), current);
                    if let Some(Fallback::Backup { timeout_ms, .. }) = fallback {
                        l.push(
                            "fallback.timeout_ms",
                            "Fallback timeout",
                            "ms",
                            MS,
                            timeout_ms.to_string(),
                        );
                    }
                    l.push(
                        "mandatory",
                        "Mandatory",
                        "",
                        Kind::Bool,
                        fmt_bool(*mandatory),
                    );
                    l.push(
                        "compensate",
                        "Undo with",
                        "",
                        with_none(names.handlers.iter().cloned()),
                        fmt_opt(compensate.as_deref()),
                    );
                }
                Step::Send { compensate, .. } => {
                    l.push(
                        "compensate",
                        "Undo with",
                        "",
                        with_none(names.handlers.iter().cloned()),
                        fmt_opt(compensate.as_deref()),
                    );
                }
                Step::Publish { to, mandatory, .. } => {
                    l.push(
                        "to",
                        "Publish to",
                        "",
                        choice(names.destinations.iter().cloned()),
                        to.clone(),
                    );
                    l.push(
                        "mandatory",
                        "Mandatory",
                        "",
                        Kind::Bool,
                        fmt_bool(*mandatory),
                    );
                }
                Step::Status { mandatory, .. } => {
                    l.push(
                        "mandatory",
                        "Mandatory",
                        "",
                        Kind::Bool,
                        fmt_bool(*mandatory),
                    );
                }
                Step::Work { latency, .. } => {
                    l.latency("latency", "Work time", Some(latency), false)
                }
                Step::Wait { timeout_ms, .. } => l.push(
                    "timeout_ms",
                    "Give up after",
                    "ms",
                    MS,
                    timeout_ms.to_string(),
                ),
                Step::Accept | Step::Notify { .. } | Step::Complete { .. } | Step::Emit { .. } => {}
            }
        }
    }
}

/// Each service but the client: capacity, latency, errors; stock.
fn list_services(l: &mut Lister, s: &Scenario, _names: &Names) {
    for sv in s
        .services
        .iter()
        .filter(|sv| sv.kind != ServiceKind::Client)
    {
        let label = sv.label.clone().unwrap_or_else(|| sv.id.clone());
        l.at(
            Group::Services,
            label.clone(),
            format!("services.{}", sv.id),
        );
        l.push(
            "replicas",
            "Replicas",
            "",
            Kind::Int {
                min: 1,
                max: bounds::REPLICAS as u64,
            },
            sv.replicas.to_string(),
        );
        l.push(
            "concurrency",
            "Workers per replica",
            "",
            Kind::Int {
                min: 1,
                max: bounds::CONCURRENCY as u64,
            },
            sv.concurrency.to_string(),
        );
        l.push(
            "queue_capacity",
            "Waiting requests before 503",
            "",
            Kind::Int {
                min: 0,
                max: bounds::SERVICE_QUEUE as u64,
            },
            sv.queue_capacity.to_string(),
        );
        l.latency("latency", "Latency", Some(&sv.latency), false);
        l.push(
            "error_rate",
            "Error rate",
            "share",
            SHARE,
            fmt_num(sv.error_rate),
        );
        if let Some(stock) = &sv.stock {
            for (sku, units) in stock {
                l.at(
                    Group::Stock,
                    format!("{label} · {sku}"),
                    format!("services.{}.stock", sv.id),
                );
                l.push(
                    sku,
                    "Units in stock",
                    "units",
                    Kind::Int {
                        min: 0,
                        max: u32::MAX as u64,
                    },
                    units.to_string(),
                );
            }
        }
    }
}

/// Every option of each circuit breaker.
fn list_breakers(l: &mut Lister, s: &Scenario, _names: &Names) {
    for b in &s.breakers {
        l.at(Group::Breakers, b.id.clone(), format!("breakers.{}", b.id));
        l.push(
            "failure_threshold",
            "Consecutive failures to open",
            "",
            Kind::Int {
                min: 1,
                max: 1_000_000,
            },
            b.failure_threshold.to_string(),
        );
        l.push(
            "error_rate_threshold",
            "Error share to open",
            "share",
            SHARE,
            fmt_num(b.error_rate_threshold),
        );
        l.push(
            "window_ms",
            "Rolling window",
            "ms",
            MS,
            b.window_ms.to_string(),
        );
        l.push(
            "min_calls",
            "Calls before the share counts",
            "",
            Kind::Int {
                min: 1,
                max: 1_000_000,
            },
            b.min_calls.to_string(),
        );
        l.push(
            "call_timeout_ms",
            "Call timeout",
            "ms",
            MS,
            b.call_timeout_ms.to_string(),
        );
        l.push(
            "reset_timeout_ms",
            "Open before half-open",
            "ms",
            MS,
            b.reset_timeout_ms.to_string(),
        );
        l.push(
            "half_open_probes",
            "Trial calls when half-open",
            "",
            Kind::Int { min: 1, max: 1_000 },
            b.half_open_probes.to_string(),
        );
    }
}

/// Queues and consumers.
fn list_broker(l: &mut Lister, s: &Scenario, names: &Names) {
    if let Some(b) = &s.broker {
        for q in &b.queues {
            let others = b
                .queues
                .iter()
                .filter(|o| o.id != q.id)
                .map(|o| o.id.clone());
            l.at(
                Group::Broker,
                q.id.clone(),
                format!("broker.queues.{}", q.id),
            );
            l.push(
                "durable",
                "Durable (survives a restart)",
                "",
                Kind::Bool,
                fmt_bool(q.durable),
            );
            l.push(
                "capacity",
                "Capacity",
                "messages",
                Kind::Int {
                    min: 1,
                    max: bounds::BROKER_QUEUE as u64,
                },
                q.capacity.to_string(),
            );
            l.push(
                "visibility_timeout_ms",
                "Visibility timeout",
                "ms",
                MS,
                q.visibility_timeout_ms.to_string(),
            );
            l.push(
                "max_deliveries",
                "Deliveries before dead-lettering",
                "",
                Kind::Int {
                    min: 1,
                    max: bounds::DELIVERIES as u64,
                },
                q.max_deliveries.to_string(),
            );
            l.backoff("redelivery_backoff", &q.redelivery_backoff);
            l.push(
                "ttl_ms",
                "Time to live",
                "ms",
                Kind::OptInt {
                    min: 1,
                    max: bounds::DURATION_MS,
                },
                q.ttl_ms.map_or(NONE.into(), |v| v.to_string()),
            );
            l.push(
                "dead_letter",
                "Dead-letter queue",
                "",
                with_none(others),
                fmt_opt(q.dead_letter.as_deref()),
            );
        }
        for c in &b.consumers {
            let service = c.handler.split('.').next().unwrap_or("");
            l.at(
                Group::Broker,
                format!("{} → {}", c.queue, c.handler),
                format!("broker.consumers.{}.{service}", c.queue),
            );
            l.push(
                "prefetch",
                "Prefetch",
                "messages",
                Kind::Int {
                    min: 1,
                    max: bounds::PREFETCH as u64,
                },
                c.prefetch.to_string(),
            );
            l.push(
                "dispatch",
                "Dispatch",
                "",
                choice(["round_robin", "least_busy"]),
                dispatch_name(c.dispatch).to_owned(),
            );
            l.push(
                "pause_while_open",
                "Pause while this breaker is open",
                "",
                with_none(names.breakers.iter().cloned()),
                fmt_opt(c.pause_while_open.as_deref()),
            );
        }
    }
}

/// The client: completion channel, polling, webhooks.
fn list_client(l: &mut Lister, s: &Scenario, _names: &Names) {
    let c = &s.client;
    l.at(Group::Client, "Client", "client");
    let allowed: Vec<&str> = if c.allowed.is_empty() {
        vec![c.completion.as_str()]
    } else {
        c.allowed.iter().map(|m| m.as_str()).collect()
    };
    l.push(
        "completion",
        "Completion channel",
        "",
        choice(allowed),
        c.completion.as_str().to_owned(),
    );
    l.push(
        "timeout_ms",
        "Waits for the response",
        "ms",
        MS,
        c.timeout_ms.to_string(),
    );
    if let Some(p) = &c.polling {
        l.at(Group::Client, "Polling", "client.polling");
        l.push(
            "interval_ms",
            "Polling interval",
            "ms",
            MS,
            p.interval_ms.to_string(),
        );
        l.push(
            "max_polls",
            "Polls before giving up",
            "",
            Kind::Int {
                min: 1,
                max: 1_000_000,
            },
            p.max_polls.to_string(),
        );
        l.push(
            "timeout_ms",
            "Poll timeout",
            "ms",
            MS,
            p.timeout_ms.to_string(),
        );
        let mut ids = vec!["server", "client"];
        if p.id_service.is_some() {
            ids.push("id_service");
        }
        l.push(
            "id_source",
            "Order id from",
            "",
            choice(ids),
            id_source_name(p.id_source).to_owned(),
        );
    }
    l.at(Group::Client, "Webhooks", "client.callback");
    l.push(
        "max_attempts",
        "Delivery attempts",
        "",
        Kind::Int {
            min: 1,
            max: bounds::RETRIES as u64 + 1,
        },
        c.callback.max_attempts.to_string(),
    );
    l.push(
        "timeout_ms",
        "Delivery timeout",
        "ms",
        MS,
        c.callback.timeout_ms.to_string(),
    );
    l.backoff("backoff", &c.callback.backoff);
    l.push(
        "failure_rate",
        "Endpoint rejects",
        "share",
        SHARE,
        fmt_num(c.callback.failure_rate),
    );
}

/// Orders: count, arrival shape and rate, segments, SKU mix.
fn list_workload(l: &mut Lister, s: &Scenario, _names: &Names) {
    let w = &s.workload;
    l.at(Group::Workload, "Orders", "workload");
    l.push(
        "orders",
        "Orders",
        "orders",
        Kind::Int {
            min: 1,
            max: bounds::ORDERS,
        },
        w.orders.to_string(),
    );
    l.push(
        "shape",
        "Arrivals",
        "",
        choice(super::workload::SHAPES),
        super::workload::shape_of(&w.arrival).to_owned(),
    );
    if let Arrival::Constant { interval_ms } = &w.arrival {
        l.push(
            "interval_ms",
            "One order every",
            "ms",
            Kind::Float {
                min: 0.001,
                max: bounds::LATENCY_MS,
            },
            fmt_num(*interval_ms),
        );
    }
    if let Some(rate) = super::workload::rate_of(&w.arrival) {
        l.push(
            "rate_per_s",
            "Rate (peak)",
            "per s",
            Kind::Float {
                min: 0.001,
                max: MAX_RATE_PER_S,
            },
            fmt_num(rate),
        );
    }
    if let Arrival::Surge { segments } = &w.arrival {
        l.push(
            "segments",
            "Segments",
            "",
            Kind::Int {
                min: 1,
                max: MAX_SEGMENTS,
            },
            segments.len().to_string(),
        );
        for (i, seg) in segments.iter().enumerate() {
            l.at(
                Group::Workload,
                format!("Segment {}", i + 1),
                format!("workload.segments.{i}"),
            );
            l.push(
                "until_ms",
                "Until",
                "ms",
                Kind::Int {
                    min: 0,
                    max: bounds::INSTANT_MS,
                },
                seg.until_ms.to_string(),
            );
            l.push(
                "rate_per_s",
                "Rate",
                "per s",
                Kind::Float {
                    min: 0.001,
                    max: MAX_RATE_PER_S,
                },
                fmt_num(seg.rate_per_s),
            );
        }
    }
    for m in &w.skus {
        l.at(
            Group::Workload,
            format!("SKU {}", m.sku),
            format!("workload.skus.{}", m.sku),
        );
        l.push(
            "weight",
            "Share of orders (weight)",
            "",
            Kind::Int {
                min: 0,
                max: 1_000_000,
            },
            m.weight.to_string(),
        );
        l.push(
            "qty",
            "Units per order",
            "units",
            Kind::Int {
                min: 1,
                max: 1_000_000,
            },
            m.qty.to_string(),
        );
    }
}

/// The network.
fn list_network(l: &mut Lister, s: &Scenario, _names: &Names) {
    l.at(Group::Network, "Every hop", "network");
    l.latency(
        "latency",
        "Delay of one hop",
        Some(&s.network.latency),
        false,
    );
}

fn dispatch_name(d: Dispatch) -> &'static str {
    match d {
        Dispatch::RoundRobin => "round_robin",
        Dispatch::LeastBusy => "least_busy",
    }
}

fn id_source_name(i: IdSource) -> &'static str {
    match i {
        IdSource::Server => "server",
        IdSource::Client => "client",
        IdSource::IdService => "id_service",
    }
}
