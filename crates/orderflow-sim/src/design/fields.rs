//! The settings that are one field of an entity (a service's replicas, a
//! breaker's `resetTimeout`, a backoff's cap), as tables: per field the last
//! part of its path, its label, unit and range, and a [`Slot`] saying where
//! the value lives. One table serves both halves of the registry: the
//! listing reads each slot (on a copy of the entity, as a slot borrows it
//! mutably), [`write`] writes the one a path names.
//!
//! A setting whose choices depend on the scenario (a handler, a queue), or
//! whose writing changes more than its own field (a step's mode, a retry
//! budget that appears), is listed and written by hand (`list.rs`,
//! `registry.rs`).

use crate::breaker::MAX_BUCKETS;
use crate::model::bounds as b;
use crate::scenario::*;

use super::list::{
    ALL_BALANCERS, ALL_FALLBACK_POLICIES, ALL_SCALE_INS, MAX_RATE_PER_S, balancer_name,
    dispatch_name, fallback_policy_name, jitter_kind_name, scale_in_name,
};
use super::registry::{Kind, NONE};
use super::workload::MIN_RATE_PER_S;

/// Where a setting's value lives in its entity.
pub(super) enum Slot<'a> {
    U32(&'a mut u32),
    U64(&'a mut u64),
    /// A whole number or `none` (the field is absent).
    OptU32(&'a mut Option<u32>),
    OptU64(&'a mut Option<u64>),
    F64(&'a mut f64),
    Bool(&'a mut bool),
    /// An enum, chosen by name among its variants.
    Word(&'a mut dyn Word),
    /// A backoff: the settings of [`BACKOFF`] under this field's name.
    Backoff(&'a mut Backoff),
    /// A distribution: its kind, then the parameters of that kind.
    Latency(&'a mut Latency),
}

/// One setting of an entity of type `T`: what it is, and where.
pub(super) struct Field<T> {
    pub spec: Spec,
    pub at: fn(&mut T) -> Slot<'_>,
}

/// What a setting is, whatever entity it belongs to (the code that reads
/// and writes slots is not generic: one copy, not one per entity type).
pub(super) struct Spec {
    /// The last part of the path (`replicas`).
    pub name: &'static str,
    pub label: &'static str,
    pub unit: &'static str,
    /// The range of a number; [`SLOT`] where the slot brings its own.
    pub kind: Kind,
}

const fn f<T>(
    name: &'static str,
    label: &'static str,
    unit: &'static str,
    kind: Kind,
    at: fn(&mut T) -> Slot<'_>,
) -> Field<T> {
    Field {
        spec: Spec {
            name,
            label,
            unit,
            kind,
        },
        at,
    }
}

const fn ints(min: u64, max: u64) -> Kind {
    Kind::Int { min, max }
}

const fn opt_ints(min: u64, max: u64) -> Kind {
    Kind::OptInt { min, max }
}

const fn floats(min: f64, max: f64) -> Kind {
    Kind::Float { min, max }
}

/// A duration of at least 1 ms.
pub(super) const MS: Kind = ints(1, b::DURATION_MS);
/// A duration that may be 0.
pub(super) const MS0: Kind = ints(0, b::DURATION_MS);
/// A share, 0 to 1.
pub(super) const SHARE: Kind = floats(0.0, 1.0);
/// No range of its own: the slot brings it (a word's variants, a
/// backoff's or a distribution's own settings).
const SLOT: Kind = Kind::Choice(Vec::new());

use Slot as S;

/// A service's own settings; `scale_in`, the last, only when the balancer
/// is not the pool.
#[rustfmt::skip]
pub(super) const SERVICE: &[Field<ServiceSpec>] = &[
    f("replicas", "Replicas", "", ints(1, b::REPLICAS as u64), |x| S::U32(&mut x.replicas)),
    f("concurrency", "Workers per replica", "", ints(1, b::CONCURRENCY as u64), |x| S::U32(&mut x.concurrency)),
    f("queue_capacity", "Waiting requests before 503", "", ints(0, b::SERVICE_QUEUE as u64), |x| S::U32(&mut x.queue_capacity)),
    f("latency", "Latency", "", SLOT, |x| S::Latency(&mut x.latency)),
    f("error_rate", "Error rate", "share", SHARE, |x| S::F64(&mut x.error_rate)),
    f("balancer", "Load balancer", "", SLOT, |x| S::Word(&mut x.balancer)),
    f("scale_in", "A replica taken away", "", SLOT, |x| S::Word(&mut x.scale_in)),
];

/// Every option of a circuit breaker, under opossum's names.
#[rustfmt::skip]
pub(super) const BREAKER: &[Field<BreakerSpec>] = &[
    f("failureThreshold", "Failures in a row to open (failureThreshold)", "", opt_ints(1, 1_000_000), |x| S::OptU32(&mut x.failure_threshold)),
    // The old fraction (`error_rate_threshold`), when given, is the
    // threshold the model reads: shown as a percentage, and replaced by
    // the percentage written.
    f("errorThresholdPercentage", "Failure share to open (errorThresholdPercentage)", "%", floats(0.0, 100.0), |x| {
        if let Some(r) = x.error_rate_threshold.take() {
            x.error_threshold_percentage = r * 100.0;
        }
        S::F64(&mut x.error_threshold_percentage)
    }),
    f("rollingCountTimeout", "Rolling window (rollingCountTimeout)", "ms", MS, |x| S::U64(&mut x.rolling_count_timeout_ms)),
    f("rollingCountBuckets", "Buckets in the window (rollingCountBuckets)", "", ints(1, MAX_BUCKETS as u64), |x| S::U32(&mut x.rolling_count_buckets)),
    f("volumeThreshold", "Calls before the share counts (volumeThreshold)", "calls", ints(0, 1_000_000), |x| S::U32(&mut x.volume_threshold)),
    f("timeout", "Call timeout (timeout)", "ms", MS, |x| S::U64(&mut x.timeout_ms)),
    f("resetTimeout", "Open before a trial call (resetTimeout)", "ms", MS, |x| S::U64(&mut x.reset_timeout_ms)),
    f("halfOpenTrialCalls", "Trial calls when half-open", "calls", ints(1, 100), |x| S::U32(&mut x.half_open_trial_calls)),
];

/// A queue's settings, before its dead-letter queue and rollback.
#[rustfmt::skip]
pub(super) const QUEUE: &[Field<QueueSpec>] = &[
    f("durable", "Durable (survives a restart)", "", Kind::Bool, |x| S::Bool(&mut x.durable)),
    f("capacity", "Capacity", "messages", ints(1, b::BROKER_QUEUE as u64), |x| S::U32(&mut x.capacity)),
    f("visibility_timeout_ms", "Visibility timeout", "ms", MS, |x| S::U64(&mut x.visibility_timeout_ms)),
    f("max_deliveries", "Deliveries before dead-lettering", "", ints(1, b::DELIVERIES as u64), |x| S::U32(&mut x.max_deliveries)),
    f("redelivery_backoff", "", "", SLOT, |x| S::Backoff(&mut x.redelivery_backoff)),
    f("ttl_ms", "Time to live", "ms", opt_ints(1, b::DURATION_MS), |x| S::OptU64(&mut x.ttl_ms)),
];

/// A consumer's settings, before the breaker it pauses for.
#[rustfmt::skip]
pub(super) const CONSUMER: &[Field<ConsumerSpec>] = &[
    f("prefetch", "Prefetch", "messages", ints(1, b::PREFETCH as u64), |x| S::U32(&mut x.prefetch)),
    f("dispatch", "Dispatch", "", SLOT, |x| S::Word(&mut x.dispatch)),
];

/// The client's settings between its completion channel and id service.
#[rustfmt::skip]
pub(super) const CLIENT: &[Field<ClientSpec>] = &[
    f("timeout_ms", "Waits for the response", "ms", MS, |x| S::U64(&mut x.timeout_ms)),
    // `none`: the old place (`client.polling.id_source`), else the server.
    f("id_source", "Order id from", "", SLOT, |x| S::Word(&mut x.id_source)),
];

#[rustfmt::skip]
pub(super) const POLLING: &[Field<PollingSpec>] = &[
    f("interval_ms", "Polling interval", "ms", MS, |x| S::U64(&mut x.interval_ms)),
    f("max_polls", "Polls before giving up", "", ints(1, 100_000), |x| S::U32(&mut x.max_polls)),
    f("timeout_ms", "Poll timeout", "ms", MS, |x| S::U64(&mut x.timeout_ms)),
];

#[rustfmt::skip]
pub(super) const STREAM: &[Field<StreamSpec>] = &[
    f("drop_rate", "Pushes that drop the connection", "share", SHARE, |x| S::F64(&mut x.drop_rate)),
    f("reconnect_ms", "Reconnect after", "ms", MS, |x| S::U64(&mut x.reconnect_ms)),
    f("max_reconnects", "Reconnects per order", "", ints(1, b::RETRIES as u64 + 1), |x| S::U32(&mut x.max_reconnects)),
    f("resync_on_reconnect", "WebSocket: read the status after reconnecting", "", Kind::Bool, |x| S::Bool(&mut x.resync_on_reconnect)),
];

/// Webhooks.
#[rustfmt::skip]
pub(super) const CALLBACK: &[Field<CallbackSpec>] = &[
    f("max_attempts", "Delivery attempts", "", ints(1, b::RETRIES as u64 + 1), |x| S::U32(&mut x.max_attempts)),
    f("timeout_ms", "Delivery timeout", "ms", MS, |x| S::U64(&mut x.timeout_ms)),
    f("backoff", "", "", SLOT, |x| S::Backoff(&mut x.backoff)),
    f("failure_rate", "Endpoint rejects", "share", SHARE, |x| S::F64(&mut x.failure_rate)),
];

#[rustfmt::skip]
pub(super) const BACKOFF: &[Field<Backoff>] = &[
    f("base_ms", "Backoff base", "ms", MS0, |x| S::U64(&mut x.base_ms)),
    f("max_ms", "Backoff cap", "ms", MS0, |x| S::U64(&mut x.max_ms)),
    f("jitter", "Jitter", "share", SHARE, |x| S::F64(&mut x.jitter)),
    f("kind", "Jitter kind", "", SLOT, |x| S::Word(&mut x.kind)),
];

/// One segment of a surge.
#[rustfmt::skip]
pub(super) const SEGMENT: &[Field<SurgeSegment>] = &[
    f("until_ms", "Until", "ms", ints(0, b::INSTANT_MS), |x| S::U64(&mut x.until_ms)),
    f("rate_per_s", "Rate", "per s", floats(MIN_RATE_PER_S, MAX_RATE_PER_S), |x| S::F64(&mut x.rate_per_s)),
];

/// One SKU of the order mix.
#[rustfmt::skip]
pub(super) const SKU: &[Field<SkuMix>] = &[
    f("weight", "Share of orders (weight)", "", ints(0, 1_000_000), |x| S::U32(&mut x.weight)),
    f("qty", "Units per order", "units", ints(1, 1_000_000), |x| S::U32(&mut x.qty)),
];

// ---------------------------------------------------------------- words

/// An enum a setting chooses by name.
pub(super) trait Word {
    /// Every name, in the listed order.
    fn choices(&self) -> Kind;
    /// The current variant's name.
    fn word(&self) -> &'static str;
    /// Takes the variant named `v` (one of the choices).
    fn choose(&mut self, v: &str);
}

/// An enum's variants and their names as the scenario spells them.
pub(super) trait Named: Copy + 'static {
    const ALL: &'static [Self];
    /// The name of no variant, for an `Option` of the enum.
    const ABSENT: &'static str = NONE;
    fn name(self) -> &'static str;
}

impl<T: Named> Word for T {
    fn choices(&self) -> Kind {
        Kind::Choice(T::ALL.iter().map(|x| x.name().to_owned()).collect())
    }
    fn word(&self) -> &'static str {
        self.name()
    }
    fn choose(&mut self, v: &str) {
        if let Some(x) = T::ALL.iter().find(|x| x.name() == v) {
            *self = *x;
        }
    }
}

/// An optional enum: [`Named::ABSENT`] first, then the variants.
impl<T: Named> Word for Option<T> {
    fn choices(&self) -> Kind {
        let names = T::ALL.iter().map(|x| x.name().to_owned());
        Kind::Choice(std::iter::once(T::ABSENT.to_owned()).chain(names).collect())
    }
    fn word(&self) -> &'static str {
        self.map_or(T::ABSENT, T::name)
    }
    fn choose(&mut self, v: &str) {
        *self = T::ALL.iter().copied().find(|x| x.name() == v);
    }
}

impl Named for Balancer {
    const ALL: &'static [Self] = &ALL_BALANCERS;
    fn name(self) -> &'static str {
        balancer_name(self)
    }
}

impl Named for ScaleIn {
    const ALL: &'static [Self] = &ALL_SCALE_INS;
    fn name(self) -> &'static str {
        scale_in_name(self)
    }
}

impl Named for FallbackPolicy {
    const ALL: &'static [Self] = &ALL_FALLBACK_POLICIES;
    fn name(self) -> &'static str {
        fallback_policy_name(self)
    }
}

impl Named for Dispatch {
    const ALL: &'static [Self] = &[Dispatch::RoundRobin, Dispatch::LeastBusy];
    fn name(self) -> &'static str {
        dispatch_name(self)
    }
}

impl Named for IdSource {
    const ALL: &'static [Self] = &IdSource::ALL;
    fn name(self) -> &'static str {
        self.as_str()
    }
}

/// No kind is the legacy `jitter` share.
impl Named for JitterKind {
    const ALL: &'static [Self] = &[
        JitterKind::Exponential,
        JitterKind::Full,
        JitterKind::Equal,
        JitterKind::Decorrelated,
    ];
    const ABSENT: &'static str = "share";
    fn name(self) -> &'static str {
        jitter_kind_name(Some(self))
    }
}

// ---------------------------------------------------------------- writing

/// A value `check` accepted for an Int kind (whose range fits the field's
/// type), as that type.
pub(super) fn int<T: std::str::FromStr + Default>(v: &str) -> T {
    v.parse().unwrap_or_default()
}

pub(super) fn float(v: &str) -> f64 {
    v.parse().unwrap_or(0.0)
}

pub(super) fn opt(v: &str) -> Option<String> {
    (v != NONE).then(|| v.to_owned())
}

/// Writes the checked value `v` into the field of `table` that `rest` (the
/// path after the entity) names.
pub(super) fn write<T>(
    table: &[Field<T>],
    x: &mut T,
    rest: &[&str],
    v: &str,
) -> Result<(), String> {
    let [name, more @ ..] = rest else {
        return Err("no such field".into());
    };
    let field = table
        .iter()
        .find(|f| f.spec.name == *name)
        .ok_or("no such field")?;
    write_slot((field.at)(x), more, v)
}

fn write_slot(slot: Slot, more: &[&str], v: &str) -> Result<(), String> {
    match (slot, more) {
        (S::U32(x), []) => *x = int(v),
        (S::U64(x), []) => *x = int(v),
        (S::OptU32(x), []) => *x = opt(v).map(|n| int(&n)),
        (S::OptU64(x), []) => *x = opt(v).map(|n| int(&n)),
        (S::F64(x), []) => *x = float(v),
        (S::Bool(x), []) => *x = v == "1",
        (S::Word(w), []) => w.choose(v),
        (S::Backoff(b), _) => return write(BACKOFF, b, more, v),
        (S::Latency(l), _) => super::registry::write_latency(l, more, v),
        _ => return Err("no such field".into()),
    }
    Ok(())
}
