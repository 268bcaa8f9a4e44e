//! Scenario files: raw bytes (random, or a preset's text edited byte by
//! byte), structure-aware mutations of every preset's JSON tree (a field
//! deleted, a value of the wrong type, a huge, negative or empty value, an
//! unknown field, a dangling or duplicated name), and typed mutations that
//! JSON cannot carry (NaN, infinities). Each input is parsed, compiled and,
//! if the engine takes it, run for a bounded number of events with its
//! invariants checked.

use std::sync::{Arc, OnceLock};

use orderflow_sim::command::Command;
use orderflow_sim::scenario::{Arrival, Backoff, FaultSpec, Latency, Scenario, Step};
use orderflow_sim::{Model, Sim, presets};
use serde_json::Value;

use crate::driver::{Outcome, Rng};
use crate::shape;

/// Events a compiled input runs for.
pub const RUN_EVENTS: u64 = 1_000;

/// Every preset: name, JSON text, JSON tree and typed scenario.
pub struct Preset {
    pub name: &'static str,
    pub text: &'static str,
    pub tree: Value,
    pub scenario: Scenario,
}

/// The presets, parsed once.
pub fn presets() -> &'static [Preset] {
    static P: OnceLock<Vec<Preset>> = OnceLock::new();
    P.get_or_init(|| {
        presets::PRESETS
            .iter()
            .map(|(name, text)| Preset {
                name,
                text,
                tree: serde_json::from_str(text).expect("preset is JSON"),
                scenario: presets::scenario(name).expect("preset"),
            })
            .collect()
    })
}

// ----- checks -----

/// Parses, compiles and runs scenario text; every refusal must name its field.
pub fn check_text(bytes: &[u8]) -> Outcome {
    let variant = bytes.len();
    let text = String::from_utf8_lossy(bytes);
    match Scenario::from_json(&text) {
        Err(e) => Outcome::Rejected(shape::parse_error(&e)),
        Ok(s) => {
            // What parses prints and parses back to itself.
            let again = Scenario::from_json(&s.to_json()).expect("a parsed scenario re-parses");
            assert_eq!(again, s, "a scenario changes through its JSON");
            check_scenario_in(s, variant)
        }
    }
}

/// Compiles and runs a scenario.
pub fn check_scenario(s: Scenario) -> Outcome {
    let variant = s.title.len() + s.services.len();
    check_scenario_in(s, variant)
}

/// Compiles a scenario and runs it in the completion mode `variant` picks.
fn check_scenario_in(s: Scenario, variant: usize) -> Outcome {
    match Model::compile(s) {
        Err(errors) => {
            assert!(!errors.0.is_empty(), "a refusal with no reason");
            let mut label = String::new();
            for e in &errors.0 {
                label = shape::compile_error(e);
            }
            Outcome::Rejected(label)
        }
        Ok(model) => {
            let modes = &model.client.allowed;
            let mode = modes[variant % modes.len()];
            run_bounded(Arc::new(model), mode);
            Outcome::Accepted
        }
    }
}

/// Runs a compiled scenario for at most [`RUN_EVENTS`] events in `mode`,
/// checking the invariants along the way and producing every output the
/// tools produce.
pub fn run_bounded(model: Arc<Model>, mode: orderflow_sim::Completion) {
    {
        let mut sim = Sim::with_completion(model.clone(), 1, mode).expect("an allowed mode");
        let mut trace = Vec::new();
        let mut last = sim.now();
        for i in 0..RUN_EVENTS {
            if !sim.step() {
                break;
            }
            assert!(sim.now() >= last, "the clock went back");
            last = sim.now();
            if i % 200 == 0 {
                sim.check_invariants()
                    .unwrap_or_else(|e| panic!("invariant: {e}"));
                trace.extend(sim.drain_trace());
            }
        }
        sim.check_invariants()
            .unwrap_or_else(|e| panic!("invariant: {e}"));
        trace.extend(sim.drain_trace());
        for e in trace.iter().step_by(20) {
            let _ = e.text(&model);
            let _ = e.to_json(&model);
        }
        if let Some(order) = trace.iter().find_map(|e| e.order()) {
            let _ = orderflow_sim::mermaid::sequence_diagram(&model, &trace, order);
        }
        let _ = orderflow_sim::report::metrics_json(&sim);
        let _ = sim.metrics_now();
    }
}

// ----- raw bytes -----

/// JSON pieces the byte mutations splice in.
const TOKENS: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    ",",
    ":",
    "\"",
    "null",
    "true",
    "false",
    "-",
    "0",
    "-1",
    "1e999",
    "18446744073709551616",
    "1.5",
    "\"\"",
    "\\u0000",
    "\\",
    "NaN",
    "{}",
    "[]",
    " ",
];

/// Random bytes, JSON token soup, or (mostly) a preset's text with a few
/// byte-level edits.
pub fn bytes_input(rng: &mut Rng) -> Vec<u8> {
    match rng.below(10) {
        0 => (0..rng.range(0, 64))
            .map(|_| rng.next_u64() as u8)
            .collect(),
        1 => (0..rng.range(1, 40))
            .flat_map(|_| rng.pick(TOKENS).bytes())
            .collect(),
        _ => {
            let mut b = rng.pick(presets()).text.as_bytes().to_vec();
            for _ in 0..rng.range(1, 6) {
                edit_bytes(rng, &mut b);
            }
            b
        }
    }
}

fn edit_bytes(rng: &mut Rng, b: &mut Vec<u8>) {
    if b.is_empty() {
        b.extend_from_slice(rng.pick(TOKENS).as_bytes());
        return;
    }
    let i = rng.below(b.len());
    match rng.below(7) {
        0 => b[i] = rng.next_u64() as u8,
        1 => {
            let t = rng.pick(TOKENS).as_bytes();
            b.splice(i..i, t.iter().copied());
        }
        2 => {
            let n = rng.range(1, 32) as usize;
            b.drain(i..(i + n).min(b.len()));
        }
        3 => {
            let n = rng.range(1, 64) as usize;
            let piece: Vec<u8> = b[i..(i + n).min(b.len())].to_vec();
            let j = rng.below(b.len());
            b.splice(j..j, piece);
        }
        4 => b.truncate(i),
        5 => {
            // A digit becomes a long number.
            if let Some(d) = b[i..].iter().position(u8::is_ascii_digit) {
                let big = rng.pick(&["99999999999999999999", "4294967296", "0", "-5"]);
                b.splice(i + d..i + d + 1, big.bytes());
            }
        }
        _ => {
            // A quote removed or doubled: strings run into their neighbours.
            if let Some(q) = b[i..].iter().position(|&c| c == b'"') {
                if rng.chance(0.5) {
                    b.remove(i + q);
                } else {
                    b.insert(i + q, b'"');
                }
            }
        }
    }
}

// ----- structure-aware: the JSON tree -----

/// Nodes in a JSON tree (itself included).
fn count(v: &Value) -> usize {
    1 + match v {
        Value::Object(m) => m.values().map(count).sum(),
        Value::Array(a) => a.iter().map(count).sum(),
        _ => 0,
    }
}

/// The `k`-th node in pre-order (0 is the tree itself).
fn nth_mut<'a>(v: &'a mut Value, k: &mut usize) -> Option<&'a mut Value> {
    if *k == 0 {
        return Some(v);
    }
    *k -= 1;
    let children: Box<dyn Iterator<Item = &'a mut Value>> = match v {
        Value::Object(m) => Box::new(m.values_mut()),
        Value::Array(a) => Box::new(a.iter_mut()),
        _ => return None,
    };
    for child in children {
        let n = count(child);
        if *k < n {
            return nth_mut(child, k);
        }
        *k -= n;
    }
    None
}

/// Every string value in the tree (names to make references collide or dangle).
fn strings(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(s) => out.push(s.clone()),
        Value::Object(m) => m.values().for_each(|c| strings(c, out)),
        Value::Array(a) => a.iter().for_each(|c| strings(c, out)),
        _ => {}
    }
}

/// Numbers at and past the edges of every integer and float field.
fn bad_number(rng: &mut Rng) -> Value {
    let n: serde_json::Number = match rng.below(16) {
        0 => 0.into(),
        1 => (-1).into(),
        2 => u64::MAX.into(),
        3 => i64::MIN.into(),
        4 => u64::from(u32::MAX).into(),
        5 => (u64::from(u32::MAX) + 1).into(),
        6 => 65_536.into(),
        7 => (1u64 << 53).into(),
        8 => serde_json::Number::from_f64(1e308).expect("finite"),
        9 => serde_json::Number::from_f64(-1e308).expect("finite"),
        10 => serde_json::Number::from_f64(1.8446744073709552e19).expect("finite"),
        11 => serde_json::Number::from_f64(5e-324).expect("finite"),
        12 => serde_json::Number::from_f64(0.5).expect("finite"),
        13 => serde_json::Number::from_f64(-0.25).expect("finite"),
        14 => 604_800_001.into(),
        _ => rng.range(0, 2_000_000).into(),
    };
    Value::Number(n)
}

/// A value of some type, often not the one expected.
fn any_value(rng: &mut Rng) -> Value {
    match rng.below(10) {
        0 => Value::Null,
        1 => Value::Bool(rng.chance(0.5)),
        2 => bad_number(rng),
        3 => Value::String(String::new()),
        4 => Value::String("x".into()),
        5 => Value::Array(vec![]),
        6 => Value::Array(vec![bad_number(rng)]),
        7 => Value::Object(Default::default()),
        8 => serde_json::json!({"kind": "constant_ms", "x": 1}),
        _ => serde_json::json!({"constant_ms": 1}),
    }
}

/// One structure-aware edit of `tree`; returns what it did (for the saved input).
fn mutate_tree(rng: &mut Rng, tree: &mut Value) -> String {
    // A name from the tree, for references that collide or dangle.
    let name = {
        let mut names = Vec::new();
        strings(tree, &mut names);
        names
            .get(rng.below(names.len().max(1)))
            .cloned()
            .unwrap_or_default()
    };
    let mut k = rng.below(count(tree));
    let Some(node) = nth_mut(tree, &mut k) else {
        return "nothing".into();
    };
    // Mostly an edit that fits the node (so the file still parses and
    // reaches the compiler's checks); one in five a value of any type.
    let fitting = !rng.chance(0.2);
    let what = match (&*node, fitting) {
        (_, false) => 9,
        (Value::Object(_), true) => rng.below(2),
        (Value::Number(_) | Value::String(_), true) => 2,
        (Value::Array(_), true) => 4,
        (Value::Bool(_), true) => 5,
        (Value::Null, true) => 9,
    };
    match (what, &mut *node) {
        (0, Value::Object(m)) if !m.is_empty() => {
            let k = m.keys().nth(rng.below(m.len())).expect("a key").clone();
            m.remove(&k);
            format!("deleted {k}")
        }
        (1, Value::Object(m)) => {
            // An unknown field, or a known one misspelt.
            let k = match m.keys().nth(rng.below(m.len().max(1))) {
                Some(k) if rng.chance(0.5) => format!("{k}s"),
                _ => "zzz_unknown".to_owned(),
            };
            m.insert(k.clone(), any_value(rng));
            format!("added {k}")
        }
        (2, Value::Number(n)) | (3, Value::Number(n)) => {
            // Mostly a number of the same kind, so it parses and reaches
            // the range checks; sometimes any number.
            *node = match (n.is_u64(), rng.chance(0.7)) {
                (true, true) => Value::from(*rng.pick(&[
                    0,
                    1,
                    2,
                    255,
                    256,
                    257,
                    65_536,
                    u64::from(u32::MAX),
                    u64::from(u32::MAX) + 1,
                    604_800_000,
                    604_800_001,
                    1 << 53,
                    u64::MAX / 1_000 + 1,
                    u64::MAX,
                ])),
                (false, true) => Value::from(*rng.pick(&[
                    0.0, -0.0, -1.0, 0.5, 1.0, 1.5, 2.0, 1e-300, 1e308, -1e308, 3.6e6, 3.7e6,
                ])),
                _ => bad_number(rng),
            };
            format!("number {node}")
        }
        (2, Value::String(s)) | (3, Value::String(s)) => {
            *s = match rng.below(7) {
                0 => String::new(),
                1 => "ghost".into(),
                2 => "a".repeat(10_000),
                3 => "Zahlung 💳\u{0}".into(),
                4 => format!("{s}.{s}"),
                _ => name,
            };
            format!("string {:.40}", s)
        }
        (4, Value::Array(a)) if !a.is_empty() => {
            match rng.below(4) {
                0 => a.clear(),
                1 => {
                    a.remove(rng.below(a.len()));
                }
                2 => {
                    // Duplicates: ids twice, or more than the bounds allow.
                    let item = a[rng.below(a.len())].clone();
                    let n = if rng.chance(0.2) { 300 } else { 1 };
                    a.extend(std::iter::repeat_n(item, n));
                }
                _ => {
                    let (i, j) = (rng.below(a.len()), rng.below(a.len()));
                    a.swap(i, j);
                }
            }
            "array edited".into()
        }
        (5, Value::Bool(b)) => {
            *b = !*b;
            "flipped".into()
        }
        _ => {
            // The wrong type (or an odd value of the right one).
            *node = any_value(rng);
            format!("replaced by {node}")
        }
    }
}

/// A preset's JSON tree after one to four structure-aware edits, as text.
pub fn tree_input(rng: &mut Rng) -> Vec<u8> {
    let mut tree = rng.pick(presets()).tree.clone();
    for _ in 0..rng.range(1, 4) {
        mutate_tree(rng, &mut tree);
    }
    serde_json::to_vec(&tree).expect("a tree serializes")
}

// ----- typed: what JSON cannot carry -----

fn latency_floats<'a>(l: &'a mut Latency, out: &mut Vec<&'a mut f64>) {
    match l {
        Latency::Constant(x) | Latency::Exponential(x) => out.push(x),
        Latency::Uniform([a, b]) => {
            out.push(a);
            out.push(b);
        }
        Latency::LogNormal { median_ms, sigma } => {
            out.push(median_ms);
            out.push(sigma);
        }
    }
}

fn backoff_floats<'a>(b: &'a mut Backoff, out: &mut Vec<&'a mut f64>) {
    out.push(&mut b.jitter);
}

fn command_floats<'a>(c: &'a mut Command, out: &mut Vec<&'a mut f64>) {
    match c {
        Command::SetLatencyFactor { factor, .. } => out.push(factor),
        Command::SetErrorRate { rate, .. } | Command::SetDropRate { rate, .. } => out.push(rate),
        _ => {}
    }
}

/// Every floating-point field of a scenario.
pub fn floats(s: &mut Scenario) -> Vec<&mut f64> {
    let mut out = Vec::new();
    latency_floats(&mut s.network.latency, &mut out);
    for sv in &mut s.services {
        latency_floats(&mut sv.latency, &mut out);
        out.push(&mut sv.error_rate);
    }
    for h in &mut s.handlers {
        if let Some(l) = &mut h.latency {
            latency_floats(l, &mut out);
        }
        for step in &mut h.steps {
            match step {
                Step::Call { backoff, .. } => backoff_floats(backoff, &mut out),
                Step::Work { latency, .. } => latency_floats(latency, &mut out),
                _ => {}
            }
        }
    }
    if let Some(b) = &mut s.broker {
        for q in &mut b.queues {
            backoff_floats(&mut q.redelivery_backoff, &mut out);
        }
    }
    for b in &mut s.breakers {
        out.push(&mut b.error_threshold_percentage);
        if let Some(r) = &mut b.error_rate_threshold {
            out.push(r);
        }
    }
    backoff_floats(&mut s.client.callback.backoff, &mut out);
    out.push(&mut s.client.callback.failure_rate);
    match &mut s.workload.arrival {
        Arrival::Single => {}
        Arrival::Constant { interval_ms } => out.push(interval_ms),
        Arrival::Poisson { rate_per_s } => out.push(rate_per_s),
        Arrival::Surge { segments } => {
            for seg in segments {
                out.push(&mut seg.rate_per_s);
            }
        }
    }
    for f in &mut s.faults {
        match f {
            FaultSpec::Latency { factor, .. } => out.push(factor),
            FaultSpec::ErrorRate { rate, .. } | FaultSpec::Drop { rate, .. } => out.push(rate),
            _ => {}
        }
    }
    for f in &mut s.one_click_faults {
        command_floats(&mut f.on, &mut out);
        command_floats(&mut f.off, &mut out);
    }
    out
}

/// Floats JSON has no text for, and edges it has.
const SPECIAL_FLOATS: &[f64] = &[
    f64::NAN,
    f64::INFINITY,
    f64::NEG_INFINITY,
    -0.0,
    -1.0,
    0.0,
    5e-324,
    1e308,
    f64::MAX,
    f64::MIN_POSITIVE,
    1.000_000_000_1,
];

/// A preset with one to three floating-point fields set to a special value.
pub fn typed_input(rng: &mut Rng) -> Scenario {
    let mut s = rng.pick(presets()).scenario.clone();
    for _ in 0..rng.range(1, 3) {
        let mut slots = floats(&mut s);
        if slots.is_empty() {
            break;
        }
        let i = rng.below(slots.len());
        *slots[i] = *rng.pick(SPECIAL_FLOATS);
    }
    if rng.chance(0.1) {
        s.workload.orders = *rng.pick(&[0, u64::MAX, 1 << 40]);
    }
    s
}

/// What a typed input looks like when saved (NaN prints as `NaN`).
pub fn typed_text(s: &Scenario) -> Vec<u8> {
    format!("{s:#?}").into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_preset_is_accepted_and_runs() {
        for p in presets() {
            assert_eq!(
                check_text(p.text.as_bytes()),
                Outcome::Accepted,
                "{}",
                p.name
            );
        }
    }

    #[test]
    fn the_mutations_reach_every_kind_of_field() {
        let mut s = presets()
            .iter()
            .find(|p| p.name == "payment-breaker")
            .unwrap()
            .scenario
            .clone();
        assert!(floats(&mut s).len() > 10);
        let mut rng = Rng::new(3);
        let kinds: std::collections::BTreeSet<String> = (0..400)
            .map(|_| {
                let mut t = presets()[0].tree.clone();
                let what = mutate_tree(&mut rng, &mut t);
                what.split(' ').next().unwrap_or_default().to_owned()
            })
            .collect();
        for k in ["deleted", "added", "number", "string", "array", "replaced"] {
            assert!(kinds.contains(k), "{k} never happens: {kinds:?}");
        }
    }
}
