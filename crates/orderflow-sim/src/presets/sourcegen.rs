//! Writes `generated.rs`: every preset of `scenarios/` as Rust code that
//! builds its [`Scenario`], so the browser app needs neither the JSON text
//! nor a JSON parser (serde and serde_json were a sixth of its bundle).
//!
//! The JSON files stay the source of truth. The test below regenerates the
//! file and fails when it differs from the committed copy;
//! `UPDATE_EXPECT=1 cargo test -p orderflow-sim presets` rewrites it.
//! Every emitter destructures its type without `..`, so a field added to a
//! scenario type does not compile here until it is emitted too.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::scenario::*;

/// Rust source text being written, with its indentation.
struct W {
    out: String,
    depth: usize,
}

/// A value that can write itself as a Rust expression of its own type.
trait Lit {
    fn lit(&self, w: &mut W);
}

impl W {
    fn raw(&mut self, s: &str) {
        self.out.push_str(s);
    }

    fn newline(&mut self) {
        self.out.push('\n');
        for _ in 0..self.depth {
            self.out.push_str("    ");
        }
    }

    /// `open` items one per line, each followed by a comma, then `close`.
    fn block<T>(&mut self, open: &str, items: &[T], close: &str, item: impl Fn(&mut W, &T)) {
        self.raw(open);
        self.depth += 1;
        for it in items {
            self.newline();
            item(self, it);
            self.raw(",");
        }
        self.depth -= 1;
        self.newline();
        self.raw(close);
    }

    /// `Path { field: value, … }`.
    fn record(&mut self, path: &str, fields: &[(&str, &dyn Lit)]) {
        self.block(&format!("{path} {{"), fields, "}", |w, (name, value)| {
            w.raw(name);
            w.raw(": ");
            value.lit(w);
        });
    }

    /// `Path(value)`.
    fn tuple(&mut self, path: &str, value: &dyn Lit) {
        self.raw(path);
        self.raw("(");
        value.lit(self);
        self.raw(")");
    }
}

macro_rules! lit_display {
    ($($t:ty),*) => {$(
        impl Lit for $t {
            fn lit(&self, w: &mut W) {
                write!(w.out, "{self}").expect("writing to a String");
            }
        }
    )*};
}
lit_display!(u16, u32, u64, bool);

impl Lit for f64 {
    fn lit(&self, w: &mut W) {
        assert!(self.is_finite(), "scenario numbers are finite");
        // Debug prints the shortest text that reads back as the same f64,
        // always with a `.` or an exponent: a valid float literal.
        write!(w.out, "{self:?}").expect("writing to a String");
    }
}

impl Lit for String {
    fn lit(&self, w: &mut W) {
        // Debug escapes exactly what a Rust string literal needs escaped.
        // One shared non-inlined constructor keeps each string to a call.
        write!(w.out, "s({self:?})").expect("writing to a String");
    }
}

impl<T: Lit> Lit for Option<T> {
    fn lit(&self, w: &mut W) {
        match self {
            None => w.raw("None"),
            Some(v) => w.tuple("Some", v),
        }
    }
}

impl<T: Lit> Lit for Vec<T> {
    fn lit(&self, w: &mut W) {
        if self.is_empty() {
            w.raw("Vec::new()");
        } else {
            w.block("vec![", self, "]", |w, v| v.lit(w));
        }
    }
}

impl Lit for [f64; 2] {
    fn lit(&self, w: &mut W) {
        w.raw("[");
        self[0].lit(w);
        w.raw(", ");
        self[1].lit(w);
        w.raw("]");
    }
}

impl<T: Lit> Lit for BTreeMap<String, T> {
    fn lit(&self, w: &mut W) {
        if self.is_empty() {
            return w.raw("BTreeMap::new()");
        }
        let pairs: Vec<_> = self.iter().collect();
        w.block("BTreeMap::from([", &pairs, "])", |w, (k, v)| {
            w.raw("(");
            k.lit(w);
            w.raw(", ");
            v.lit(w);
            w.raw(")");
        });
    }
}

/// Enums without data: their derived Debug is the variant's name.
macro_rules! lit_unit_enum {
    ($($t:ident),*) => {$(
        impl Lit for $t {
            fn lit(&self, w: &mut W) {
                write!(w.out, "{}::{self:?}", stringify!($t)).expect("writing to a String");
            }
        }
    )*};
}
lit_unit_enum!(
    ServiceKind,
    ExchangeKind,
    Dispatch,
    Completion,
    IdSource,
    CompensateMode,
    JitterKind,
    Balancer,
    ScaleIn,
    FallbackPolicy
);

/// Structs, named with every field.
macro_rules! lit_struct {
    ($($t:ident { $($f:ident),* $(,)? })*) => {$(
        impl Lit for $t {
            fn lit(&self, w: &mut W) {
                let $t { $($f),* } = self;
                w.record(stringify!($t), &[$((stringify!($f), $f as &dyn Lit)),*]);
            }
        }
    )*};
}
lit_struct! {
    Scenario {
        name, title, description, network, services, handlers, broker, breakers, client,
        workload, faults, outcome, limits, one_click_faults, claims,
    }
    ClaimSpec { id, text, document, seed, orders, runs, expect, show }
    ClaimRunSpec { preset, completion, id_source, orders, faults, durable, commands }
    TimedCommand { at_ms, command }
    ShowSpec { run, at_ms, metric }
    OneClickFault { label, on, off, duration_ms }
    NetworkSpec { latency }
    Window { from_ms, until_ms }
    ServiceSpec {
        id, label, kind, replicas, concurrency, queue_capacity, latency, error_rate, down, stock,
        balancer, scale_in,
    }
    HandlerSpec { service, op, effect, steps, emits, latency, visibility_lag_ms }
    Backoff { base_ms, max_ms, jitter, kind }
    RetryBudget { max_tokens, refill_per_success }
    ClientRetry { retries, backoff, budget }
    BrokerSpec { service, queues, exchanges, consumers }
    QueueSpec {
        id, durable, capacity, visibility_timeout_ms, max_deliveries, redelivery_backoff, ttl_ms,
        dead_letter, rollback,
    }
    ExchangeSpec { id, kind, queues }
    ConsumerSpec { queue, handler, dispatch, prefetch, pause_while_open }
    BreakerSpec {
        id, failure_threshold, error_threshold_percentage, error_rate_threshold,
        rolling_count_timeout_ms, rolling_count_buckets, volume_threshold, timeout_ms,
        reset_timeout_ms, half_open_trial_calls,
    }
    PollingSpec { target, write, interval_ms, max_polls, id_source, id_service, timeout_ms }
    CallbackSpec { max_attempts, timeout_ms, backoff, failure_rate }
    ClientSpec {
        service, entry, completion, allowed, timeout_ms, polling, callback, id_source, id_service,
        stream, retry,
    }
    StreamSpec { drop_rate, reconnect_ms, max_reconnects, resync_on_reconnect }
    SurgeSegment { until_ms, rate_per_s }
    SkuMix { sku, weight, qty }
    StockDetail { units, restock }
    CompensateSpec { target, mode }
    Restock { every_ms, units, max_units }
    WorkloadSpec { arrival, orders, skus }
    OutcomeSpec { requires }
    Limits { trace_buffer, max_live_orders, max_commands, sample_interval_ms, series_points }
}

impl Lit for Latency {
    fn lit(&self, w: &mut W) {
        match self {
            Latency::Constant(ms) => w.tuple("Latency::Constant", ms),
            Latency::Uniform(range) => w.tuple("Latency::Uniform", range),
            Latency::Exponential(mean) => w.tuple("Latency::Exponential", mean),
            Latency::LogNormal { median_ms, sigma } => w.record(
                "Latency::LogNormal",
                &[("median_ms", median_ms), ("sigma", sigma)],
            ),
        }
    }
}

impl Lit for Compensate {
    fn lit(&self, w: &mut W) {
        match self {
            Compensate::Target(t) => w.tuple("Compensate::Target", t),
            Compensate::Detailed(d) => w.tuple("Compensate::Detailed", d),
        }
    }
}

impl Lit for StockSpec {
    fn lit(&self, w: &mut W) {
        match self {
            StockSpec::Units(n) => w.tuple("StockSpec::Units", n),
            StockSpec::Detailed(d) => w.tuple("StockSpec::Detailed", d),
        }
    }
}

impl Lit for Effect {
    fn lit(&self, w: &mut W) {
        match self {
            Effect::Mark(flag) => w.tuple("Effect::Mark", flag),
            Effect::Unmark(flag) => w.tuple("Effect::Unmark", flag),
            unit => write!(w.out, "Effect::{unit:?}").expect("writing to a String"),
        }
    }
}

impl Lit for Requirement {
    fn lit(&self, w: &mut W) {
        match self {
            Requirement::Flag(flag) => w.tuple("Requirement::Flag", flag),
            unit => write!(w.out, "Requirement::{unit:?}").expect("writing to a String"),
        }
    }
}

impl Lit for Fallback {
    fn lit(&self, w: &mut W) {
        match self {
            Fallback::Backup { target, timeout_ms } => w.record(
                "Fallback::Backup",
                &[("target", target), ("timeout_ms", timeout_ms)],
            ),
            Fallback::QueueForRetry(queue) => w.tuple("Fallback::QueueForRetry", queue),
        }
    }
}

impl Lit for Step {
    fn lit(&self, w: &mut W) {
        match self {
            Step::Call {
                target,
                timeout_ms,
                retries,
                backoff,
                retry_budget,
                breaker,
                fallback,
                fallback_policy,
                mandatory,
                compensate,
            } => w.record(
                "Step::Call",
                &[
                    ("target", target),
                    ("timeout_ms", timeout_ms),
                    ("retries", retries),
                    ("backoff", backoff),
                    ("retry_budget", retry_budget),
                    ("breaker", breaker),
                    ("fallback", fallback),
                    ("fallback_policy", fallback_policy),
                    ("mandatory", mandatory),
                    ("compensate", compensate),
                ],
            ),
            Step::Send { target, compensate } => w.record(
                "Step::Send",
                &[("target", target), ("compensate", compensate)],
            ),
            Step::Publish {
                to,
                message,
                mandatory,
            } => w.record(
                "Step::Publish",
                &[("to", to), ("message", message), ("mandatory", mandatory)],
            ),
            Step::Accept { code } => w.record("Step::Accept", &[("code", code)]),
            Step::Status { value, mandatory } => w.record(
                "Step::Status",
                &[("value", value), ("mandatory", mandatory)],
            ),
            Step::Notify { status } => w.record("Step::Notify", &[("status", status)]),
            Step::AnswerIfQueued { status } => {
                w.record("Step::AnswerIfQueued", &[("status", status)])
            }
            Step::Complete { status } => w.record("Step::Complete", &[("status", status)]),
            Step::Work { latency, label } => {
                w.record("Step::Work", &[("latency", latency), ("label", label)])
            }
            Step::Wait { event, timeout_ms } => w.record(
                "Step::Wait",
                &[("event", event), ("timeout_ms", timeout_ms)],
            ),
            Step::Emit { event } => w.record("Step::Emit", &[("event", event)]),
        }
    }
}

impl Lit for Arrival {
    fn lit(&self, w: &mut W) {
        match self {
            Arrival::Single => w.raw("Arrival::Single"),
            Arrival::Constant { interval_ms } => {
                w.record("Arrival::Constant", &[("interval_ms", interval_ms)])
            }
            Arrival::Poisson { rate_per_s } => {
                w.record("Arrival::Poisson", &[("rate_per_s", rate_per_s)])
            }
            Arrival::Surge { segments } => w.record("Arrival::Surge", &[("segments", segments)]),
        }
    }
}

impl Lit for FaultSpec {
    fn lit(&self, w: &mut W) {
        match self {
            FaultSpec::Down {
                service,
                at_ms,
                until_ms,
            } => w.record(
                "FaultSpec::Down",
                &[
                    ("service", service),
                    ("at_ms", at_ms),
                    ("until_ms", until_ms),
                ],
            ),
            FaultSpec::Latency {
                service,
                factor,
                at_ms,
                until_ms,
            } => w.record(
                "FaultSpec::Latency",
                &[
                    ("service", service),
                    ("factor", factor),
                    ("at_ms", at_ms),
                    ("until_ms", until_ms),
                ],
            ),
            FaultSpec::ErrorRate {
                service,
                rate,
                at_ms,
                until_ms,
            } => w.record(
                "FaultSpec::ErrorRate",
                &[
                    ("service", service),
                    ("rate", rate),
                    ("at_ms", at_ms),
                    ("until_ms", until_ms),
                ],
            ),
            FaultSpec::Drop {
                service,
                rate,
                at_ms,
                until_ms,
            } => w.record(
                "FaultSpec::Drop",
                &[
                    ("service", service),
                    ("rate", rate),
                    ("at_ms", at_ms),
                    ("until_ms", until_ms),
                ],
            ),
            FaultSpec::BrokerRestart { at_ms, downtime_ms } => w.record(
                "FaultSpec::BrokerRestart",
                &[("at_ms", at_ms), ("downtime_ms", downtime_ms)],
            ),
        }
    }
}

/// The function name of preset `name` (`"sync-chain"` → `sync_chain`).
fn fn_name(name: &str) -> String {
    name.replace('-', "_")
}

impl Lit for crate::command::Command {
    fn lit(&self, w: &mut W) {
        use crate::command::Command;
        match self {
            Command::SetUp { service, up } => {
                w.record("Command::SetUp", &[("service", service), ("up", up)])
            }
            Command::SetLatencyFactor { service, factor } => w.record(
                "Command::SetLatencyFactor",
                &[("service", service), ("factor", factor)],
            ),
            Command::SetErrorRate { service, rate } => w.record(
                "Command::SetErrorRate",
                &[("service", service), ("rate", rate)],
            ),
            Command::SetDropRate { service, rate } => w.record(
                "Command::SetDropRate",
                &[("service", service), ("rate", rate)],
            ),
            Command::SetReplicas { service, replicas } => w.record(
                "Command::SetReplicas",
                &[("service", service), ("replicas", replicas)],
            ),
            Command::RestartBroker { downtime_ms } => {
                w.record("Command::RestartBroker", &[("downtime_ms", downtime_ms)])
            }
            Command::SetStock { sku, units } => {
                w.record("Command::SetStock", &[("sku", sku), ("units", units)])
            }
        }
    }
}

/// The whole text of `generated.rs`.
pub(super) fn generate() -> String {
    let mut w = W {
        out: String::new(),
        depth: 0,
    };
    w.raw(
        "//! Generated from `scenarios/*.json` by `presets/sourcegen.rs`: do not edit.\n\
         //! `UPDATE_EXPECT=1 cargo test -p orderflow-sim presets` rewrites it.\n\
         \n\
         use std::collections::BTreeMap;\n\
         \n\
         use crate::command::Command;\n\
         use crate::scenario::*;\n\
         \n\
         #[inline(never)]\n\
         fn s(text: &str) -> String {\n    \
             text.to_owned()\n\
         }\n\
         \n\
         /// The names of every preset, in the order the playground lists them.\n\
         pub const NAMES: &[&str] = &[",
    );
    for (name, _) in super::PRESETS {
        write!(w.out, "{name:?}, ").expect("writing to a String");
    }
    w.out.truncate(w.out.len() - 2);
    w.raw(
        "];\n\
         \n\
         /// Preset `name`, built without its claims (see [`claims`]); `None`\n\
         /// if there is no such preset.\n\
         pub fn scenario(name: &str) -> Option<Scenario> {\n    \
             Some(match name {\n",
    );
    for (name, _) in super::PRESETS {
        writeln!(w.out, "        {name:?} => {}(),", fn_name(name)).expect("writing to a String");
    }
    w.raw("        _ => return None,\n    })\n}\n");
    w.raw(
        "\n/// The claims section of preset `name`; `None` if there is no such preset.\n\
         pub fn claims(name: &str) -> Option<Vec<ClaimSpec>> {\n    \
             Some(match name {\n",
    );
    for (name, _) in super::PRESETS {
        writeln!(w.out, "        {name:?} => {}_claims(),", fn_name(name))
            .expect("writing to a String");
    }
    w.raw("        _ => return None,\n    })\n}\n");
    for (name, json) in super::PRESETS {
        let mut scenario = Scenario::from_json(json)
            .unwrap_or_else(|e| panic!("scenarios/{name}.json does not parse: {e}"));
        // Apart, so that a program that never asks for the claims (the
        // browser app) does not carry them.
        let claims = std::mem::take(&mut scenario.claims);
        write!(w.out, "\nfn {}() -> Scenario {{\n    ", fn_name(name))
            .expect("writing to a String");
        w.depth = 1;
        scenario.lit(&mut w);
        w.depth = 0;
        w.raw("\n}\n");
        write!(
            w.out,
            "\nfn {}_claims() -> Vec<ClaimSpec> {{\n    ",
            fn_name(name)
        )
        .expect("writing to a String");
        w.depth = 1;
        claims.lit(&mut w);
        w.depth = 0;
        w.raw("\n}\n");
    }
    w.out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_presets_are_up_to_date() {
        expect_test::expect_file!["generated.rs"].assert_eq(&generate());
    }

    #[test]
    fn generated_presets_equal_their_json() {
        for (name, json) in super::super::PRESETS {
            let parsed = Scenario::from_json(json).unwrap();
            let built = super::super::scenario_with_claims(name).unwrap();
            assert_eq!(built, parsed, "{name}");
        }
        let names: Vec<_> = super::super::PRESETS.iter().map(|(n, _)| *n).collect();
        assert_eq!(super::super::NAMES, names.as_slice());
    }

    #[test]
    fn strings_and_floats_are_written_as_exact_literals() {
        let mut w = W {
            out: String::new(),
            depth: 0,
        };
        "quote \" back\\slash\nline — ×".to_owned().lit(&mut w);
        w.raw(" ");
        [0.1_f64, 1e-7].lit(&mut w);
        w.raw(" ");
        1.0_f64.lit(&mut w);
        assert_eq!(
            w.out,
            r#"s("quote \" back\\slash\nline — ×") [0.1, 1e-7] 1.0"#
        );
    }
}
