//! The listing half of the registry: every setting of a scenario, with
//! its label, unit, range and current value, one function per group.

use super::fields::{
    BACKOFF, BREAKER, CALLBACK, CLIENT, CONSUMER, Field, MS, POLLING, QUEUE, SEGMENT, SERVICE, SKU,
    STREAM, Slot, Spec, Word,
};
use super::registry::{Group, Kind, NONE, Setting, fmt_bool, fmt_num, fmt_opt};
use crate::model::bounds;
use crate::scenario::*;

use super::wait;

// ---------------------------------------------------------------- ranges

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

    /// The settings of `table` on `x`, their names under `sub` (none if
    /// empty). Reads a copy of `x`, as a slot borrows its entity mutably.
    fn fields<T: Clone>(&mut self, sub: &str, table: &[Field<T>], x: &T) {
        let mut x = x.clone();
        for f in table {
            self.slot(sub, &f.spec, (f.at)(&mut x));
        }
    }

    /// The setting `spec` (or settings, for a backoff or a distribution)
    /// whose value is in `slot`.
    fn slot(&mut self, sub: &str, spec: &Spec, slot: Slot) {
        let name = if sub.is_empty() {
            spec.name.to_owned()
        } else {
            format!("{sub}.{}", spec.name)
        };
        let (kind, value) = match slot {
            Slot::U32(v) => (spec.kind.clone(), v.to_string()),
            Slot::U64(v) => (spec.kind.clone(), v.to_string()),
            Slot::OptU32(v) => (spec.kind.clone(), v.map_or(NONE.into(), |v| v.to_string())),
            Slot::OptU64(v) => (spec.kind.clone(), v.map_or(NONE.into(), |v| v.to_string())),
            Slot::F64(v) => (spec.kind.clone(), fmt_num(*v)),
            Slot::Bool(v) => (spec.kind.clone(), fmt_bool(*v)),
            Slot::Word(w) => (w.choices(), w.word().to_owned()),
            Slot::Backoff(b) => return self.fields(&name, BACKOFF, b),
            Slot::Latency(l) => return self.latency(&name, spec.label, Some(l), false),
        };
        self.push(&name, spec.label, spec.unit, kind, value);
    }

    /// A retry budget (a token bucket): `none` is no budget.
    fn budget(&mut self, field: &str, b: Option<&RetryBudget>) {
        self.push(
            &format!("{field}.max_tokens"),
            "Retry budget (tokens)",
            "tokens",
            Kind::OptInt {
                min: 1,
                max: bounds::BUDGET_TOKENS as u64,
            },
            b.map_or(NONE.into(), |b| b.max_tokens.to_string()),
        );
        if let Some(b) = b {
            self.push(
                &format!("{field}.refill_per_success"),
                "Tokens back per success",
                "tokens",
                Kind::Float {
                    min: 0.0,
                    max: 1_000.0,
                },
                fmt_num(b.refill_per_success),
            );
        }
    }

    /// A compensation: its handler and how it is reached.
    fn compensate(&mut self, c: Option<&Compensate>, names: &Names) {
        self.push(
            "compensate",
            "Undo with",
            "",
            with_none(names.handlers.iter().cloned()),
            fmt_opt(c.map(Compensate::target)),
        );
        if let Some(c) = c {
            self.push(
                "compensate.mode",
                "Undo by",
                "",
                choice(COMPENSATE_MODES),
                compensate_mode_name(c.mode()).to_owned(),
            );
        }
    }
}

/// The jitter kind of a backoff: `share` is the legacy `jitter` share (no
/// `kind`), the others the AWS Architecture Blog's schemes.
pub(super) fn jitter_kind_name(k: Option<JitterKind>) -> &'static str {
    match k {
        None => "share",
        Some(JitterKind::Exponential) => "none",
        Some(JitterKind::Full) => "full",
        Some(JitterKind::Equal) => "equal",
        Some(JitterKind::Decorrelated) => "decorrelated",
    }
}

/// How a compensation reaches its handler: a blocking call that insists,
/// or a fire-and-forget send.
pub const COMPENSATE_MODES: [&str; 2] = ["call", "send"];

fn compensate_mode_name(m: CompensateMode) -> &'static str {
    match m {
        CompensateMode::Call => "call",
        CompensateMode::Send => "send",
    }
}

pub(super) fn fallback_policy_name(p: FallbackPolicy) -> &'static str {
    match p {
        FallbackPolicy::QueueWhenOpen => "queue-when-open",
        FallbackPolicy::QueueAlways => "queue-always",
        FallbackPolicy::BackupProvider => "backup-provider",
        FallbackPolicy::Fail => "fail",
    }
}

/// Every variant of the enums a setting chooses from, in the listed order.
pub(super) const ALL_BALANCERS: [Balancer; 5] = [
    Balancer::Pool,
    Balancer::RoundRobin,
    Balancer::Random,
    Balancer::LeastOutstanding,
    Balancer::PowerOfTwo,
];
pub(super) const ALL_SCALE_INS: [ScaleIn; 3] = [ScaleIn::Drain, ScaleIn::Reroute, ScaleIn::Lose];
pub(super) const ALL_FALLBACK_POLICIES: [FallbackPolicy; 4] = [
    FallbackPolicy::QueueWhenOpen,
    FallbackPolicy::QueueAlways,
    FallbackPolicy::BackupProvider,
    FallbackPolicy::Fail,
];

pub(super) fn balancer_name(b: Balancer) -> &'static str {
    match b {
        Balancer::Pool => "pool",
        Balancer::RoundRobin => "round-robin",
        Balancer::Random => "random",
        Balancer::LeastOutstanding => "least-outstanding",
        Balancer::PowerOfTwo => "power-of-two",
    }
}

pub(super) fn scale_in_name(s: ScaleIn) -> &'static str {
    match s {
        ScaleIn::Drain => "drain",
        ScaleIn::Reroute => "reroute",
        ScaleIn::Lose => "lose",
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
                    retry_budget,
                    breaker,
                    fallback,
                    fallback_policy,
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
                    l.fields("backoff", BACKOFF, backoff);
                    l.budget("retry_budget", retry_budget.as_ref());
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
                        "fallback_policy",
                        "Take the fallback",
                        "",
                        fallback_policy.choices(),
                        fallback_policy.word().to_owned(),
                    );
                    l.push(
                        "mandatory",
                        "Mandatory",
                        "",
                        Kind::Bool,
                        fmt_bool(*mandatory),
                    );
                    l.compensate(compensate.as_ref(), names);
                }
                Step::Send { compensate, .. } => l.compensate(compensate.as_ref(), names),
                Step::Accept { code } => l.push(
                    "code",
                    "Early answer's status",
                    "HTTP",
                    Kind::Int { min: 200, max: 299 },
                    code.to_string(),
                ),
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
                Step::AnswerIfQueued { .. }
                | Step::Notify { .. }
                | Step::Complete { .. }
                | Step::Emit { .. } => {}
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
        let (own, scale_in) = SERVICE.split_at(SERVICE.len() - 1);
        l.fields("", own, sv);
        if !sv.balancer.is_pool() {
            l.fields("", scale_in, sv);
        }
        // The SKU is the last part of these paths (a SKU may hold a dot).
        if let Some(stock) = &sv.stock {
            for (sku, spec) in stock {
                let p = format!("services.{}", sv.id);
                l.at(Group::Stock, format!("{label} · {sku}"), p);
                l.push(
                    &format!("stock.{sku}"),
                    "Units in stock",
                    "units",
                    Kind::Int {
                        min: 0,
                        max: bounds::STOCK_UNITS as u64,
                    },
                    spec.units().to_string(),
                );
                let restock = spec.restock();
                l.push(
                    &format!("restock_every_ms.{sku}"),
                    "Restocked every",
                    "ms",
                    Kind::OptInt {
                        min: 1,
                        max: bounds::DURATION_MS,
                    },
                    restock.map_or(NONE.into(), |r| r.every_ms.to_string()),
                );
                if let Some(r) = restock {
                    l.push(
                        &format!("restock_units.{sku}"),
                        "Units per restock",
                        "units",
                        Kind::Int {
                            min: 1,
                            max: bounds::STOCK_UNITS as u64,
                        },
                        r.units.to_string(),
                    );
                    l.push(
                        &format!("restock_max_units.{sku}"),
                        "Restocked up to",
                        "units",
                        Kind::Int {
                            min: 1,
                            max: bounds::STOCK_UNITS as u64,
                        },
                        spec.restock_max_units().unwrap_or(r.units).to_string(),
                    );
                }
            }
        }
    }
}

/// Every option of each circuit breaker, under opossum's names (the
/// paths too: `breakers.payment_cb.resetTimeout`).
fn list_breakers(l: &mut Lister, s: &Scenario, _names: &Names) {
    for b in &s.breakers {
        l.at(Group::Breakers, b.id.clone(), format!("breakers.{}", b.id));
        l.fields("", BREAKER, b);
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
            l.fields("", QUEUE, q);
            l.push(
                "dead_letter",
                "Dead-letter queue",
                "",
                with_none(others),
                fmt_opt(q.dead_letter.as_deref()),
            );
            l.push(
                "rollback",
                "A dead letter after the 202 is undone by",
                "",
                with_none(names.handlers.iter().cloned()),
                fmt_opt(q.rollback.as_deref()),
            );
        }
        for c in &b.consumers {
            let service = c.handler.split('.').next().unwrap_or("");
            l.at(
                Group::Broker,
                format!("{} → {}", c.queue, c.handler),
                format!("broker.consumers.{}.{service}", c.queue),
            );
            l.fields("", CONSUMER, c);
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

/// The client: completion channel, order ids, its own retries, polling,
/// the stream of the SSE / WebSocket modes, webhooks.
fn list_client(l: &mut Lister, s: &Scenario, names: &Names) {
    let c = &s.client;
    l.at(Group::Client, "Client", "client");
    let allowed: Vec<Completion> = if c.allowed.is_empty() {
        vec![c.completion]
    } else {
        c.allowed.clone()
    };
    l.push(
        "completion",
        "Completion channel",
        "",
        choice(allowed.iter().map(|m| m.as_str())),
        c.completion.as_str().to_owned(),
    );
    l.fields("", CLIENT, c);
    l.push(
        "id_service",
        "Id service",
        "",
        with_none(names.handlers.iter().cloned()),
        fmt_opt(c.id_service.as_deref()),
    );
    l.at(Group::Client, "Client retries", "client.retry");
    l.push(
        "retries",
        "Retries of a timed-out order",
        "",
        Kind::OptInt {
            min: 0,
            max: bounds::RETRIES as u64,
        },
        c.retry.map_or(NONE.into(), |r| r.retries.to_string()),
    );
    if let Some(r) = &c.retry {
        l.fields("backoff", BACKOFF, &r.backoff);
        l.budget("budget", r.budget.as_ref());
    }
    if let Some(p) = &c.polling {
        l.at(Group::Client, "Polling", "client.polling");
        l.fields("", POLLING, p);
    }
    if c.completion.is_stream() || allowed.iter().any(|m| m.is_stream()) {
        l.at(Group::Client, "SSE / WebSocket stream", "client.stream");
        l.fields("", STREAM, &c.stream);
    }
    l.at(Group::Client, "Webhooks", "client.callback");
    l.fields("", CALLBACK, &c.callback);
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
                min: super::workload::MIN_RATE_PER_S,
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
            l.fields("", SEGMENT, seg);
        }
    }
    for m in &w.skus {
        l.at(
            Group::Workload,
            format!("SKU {}", m.sku),
            format!("workload.skus.{}", m.sku),
        );
        l.fields("", SKU, m);
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

pub(super) fn dispatch_name(d: Dispatch) -> &'static str {
    match d {
        Dispatch::RoundRobin => "round_robin",
        Dispatch::LeastBusy => "least_busy",
    }
}
