//! Designs: random edits of every preset's settings, as the design panel
//! and `d=` links make them (and as nobody should): real paths with values
//! in range, at their bounds, past them, of the wrong kind, `none`, other
//! settings' choices; paths cut short, unknown ids, upper case; and raw
//! `d=` texts. Nothing may panic; every refusal names the setting's path
//! (an edit's own path, or `d`/`d[i]` for the text itself); the text forms
//! read back as the edits they were written from; a design that applies
//! has a diff from its preset that applies back to the same scenario, and
//! what compiles runs with its invariants intact.

use std::sync::OnceLock;

use orderflow_sim::design::{self, Edit, Kind, NONE, Setting, settings, text};
use orderflow_sim::scenario::Scenario;
use orderflow_sim::{Model, Sim, presets};

use crate::driver::{Outcome, Rng};

/// One input: edits of a preset, or a raw `d=` text.
#[derive(Clone, Debug, PartialEq)]
pub struct Input {
    pub preset: usize,
    pub edits: Vec<Edit>,
    /// A text read with [`text::parse`] instead of `edits`.
    pub raw: Option<String>,
}

/// Every preset's scenario and its settings.
pub fn bases() -> &'static [(Scenario, Vec<Setting>)] {
    static B: OnceLock<Vec<(Scenario, Vec<Setting>)>> = OnceLock::new();
    B.get_or_init(|| {
        presets::names()
            .map(|n| {
                let s = presets::scenario(n).expect("preset");
                let list = settings(&s);
                (s, list)
            })
            .collect()
    })
}

const ODD_VALUES: &[&str] = &[
    "",
    " ",
    "-1",
    "-0",
    "0",
    "1",
    "1.5",
    "1e309",
    "NaN",
    "inf",
    "-inf",
    "0x10",
    " 4",
    "4 ",
    "18446744073709551615",
    "18446744073709551616",
    "99999999999999999999",
    "none",
    "NONE",
    "true",
    "publish",
    "call",
    "send",
    "é",
    "💳",
    "%20",
    "a=b",
    "a:b",
    "1;2",
    "1~2",
];

/// A value for `kind` (current `value`): in range mostly, else at and
/// past its bounds, of another kind, or odd.
fn value(rng: &mut Rng, kind: &Kind, current: &str) -> String {
    match rng.below(10) {
        0 => current.to_owned(),
        1 => rng.pick(ODD_VALUES).to_string(),
        2 => NONE.to_owned(),
        3 => {
            // Another setting's choice, or a word of this one's in capitals.
            let (_, list) = rng.pick(bases());
            match &rng.pick(list).kind {
                Kind::Choice(c) if !c.is_empty() => rng.pick(c).clone(),
                _ => current.to_uppercase(),
            }
        }
        4 => match *kind {
            Kind::Int { min, max } | Kind::OptInt { min, max } => rng
                .pick(&[min.saturating_sub(1), min, max, max.saturating_add(1)])
                .to_string(),
            Kind::Float { min, max } => design::fmt_num(*rng.pick(&[
                min - 1e-9,
                min,
                max,
                max * (1.0 + 1e-12) + 1e-9,
                -max,
            ])),
            _ => rng.pick(ODD_VALUES).to_string(),
        },
        _ => match kind {
            Kind::Int { min, max } | Kind::OptInt { min, max } => rng
                .range(*min, (*max).min(min.saturating_add(10_000)))
                .to_string(),
            Kind::Float { min, max } => {
                let u = (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
                design::fmt_num(min + (max - min) * u)
            }
            Kind::Bool => rng.pick(&["0", "1"]).to_string(),
            Kind::Choice(c) if !c.is_empty() => rng.pick(c).clone(),
            Kind::Choice(_) => current.to_owned(),
        },
    }
}

/// A path: a real one mostly, else cut, renamed or made up.
fn path(rng: &mut Rng, setting: &Setting) -> String {
    let p = &setting.path;
    match rng.below(12) {
        0 => p
            .rsplit_once('.')
            .map_or(String::new(), |(head, _)| head.to_owned()),
        1 => format!("{p}.x"),
        2 => p.to_uppercase(),
        3 => {
            // Another id in the same place.
            let mut parts: Vec<&str> = p.split('.').collect();
            let i = rng.below(parts.len());
            parts[i] = *rng.pick(&["ghost", "0", "-1", "payment", "order", "99", ""]);
            parts.join(".")
        }
        _ => p.clone(),
    }
}

/// A raw `d=` text from path and value pieces and separators.
fn raw(rng: &mut Rng, list: &[Setting]) -> String {
    let mut t = String::new();
    for _ in 0..rng.range(0, 6) {
        let s = rng.pick(list);
        let p = path(rng, s);
        // The link's short forms now and then.
        let p = match rng.below(4) {
            0 => p
                .replacen("services.", "s.", 1)
                .replacen("flow.", "f.", 1)
                .replacen("broker.queues.", "q.", 1),
            _ => p,
        };
        t.push_str(&p);
        let eq: &&str = rng.pick(&["=", ":", "", "==", " = "]);
        t.push_str(eq);
        t.push_str(&value(rng, &s.kind, &s.value));
        let sep: &&str = rng.pick(&[";", "~", "; ", "", ";;", "~~"]);
        t.push_str(sep);
    }
    if rng.chance(0.05) {
        t = t.repeat(200);
    }
    t
}

/// A preset and one to six edits, or (one in eight) a raw text.
pub fn input(rng: &mut Rng) -> Input {
    let preset = rng.below(bases().len());
    let list = &bases()[preset].1;
    if rng.chance(0.125) {
        return Input {
            preset,
            edits: Vec::new(),
            raw: Some(raw(rng, list)),
        };
    }
    let edits = (0..rng.range(1, 6))
        .map(|_| {
            let s = rng.pick(list);
            Edit::new(path(rng, s), value(rng, &s.kind, &s.value))
        })
        .collect();
    Input {
        preset,
        edits,
        raw: None,
    }
}

/// A path as the text forms write it: segments of `a-z A-Z 0-9 _ -`.
fn plain_path(p: &str) -> bool {
    !p.is_empty()
        && p.len() <= 200
        && p.split('.').all(|s| {
            !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        })
}

/// A value the text forms carry as it is.
fn plain_value(v: &str) -> bool {
    !v.is_empty() && v.len() <= 100 && v.trim() == v && !v.contains([';', '~'])
}

/// Orders of a design run.
const ORDERS: u64 = 20;
/// Events a design run may take.
const RUN_EVENTS: u64 = 200_000;

/// Checks one input; panics on any broken rule.
pub fn check(input: &Input) -> Outcome {
    let (base, list) = &bases()[input.preset];
    let edits = match &input.raw {
        Some(t) => match text::parse(t) {
            Ok(e) => e,
            Err(e) => {
                assert!(
                    e.path == "d" || e.path.starts_with("d[") || plain_path(&e.path),
                    "a text's refusal names no edit: {e:?}"
                );
                assert!(!e.message.is_empty());
                return Outcome::Rejected("text".into());
            }
        },
        None => input.edits.clone(),
    };
    // The text forms read back as the edits, for the paths of the registry.
    let real = |p: &str| list.iter().any(|s| s.path == p);
    if edits
        .iter()
        .all(|e| real(&e.path) && plain_value(&e.value) && !e.value.contains(['=', ':']))
    {
        assert_eq!(text::parse(&text::to_text(&edits)).as_ref(), Ok(&edits));
        assert_eq!(text::parse(&text::to_link(&edits)).as_ref(), Ok(&edits));
    }
    let lenient = design::apply_lenient(base, &edits);
    let designed = match design::apply(base, &edits) {
        Err(e) => {
            assert!(
                edits.iter().any(|ed| ed.path == e.path) || e.path == "d",
                "the refusal {e:?} names none of the edits' paths"
            );
            assert!(!e.message.is_empty());
            // Lenient application refuses that edit too, and keeps the rest.
            assert!(
                !lenient.1.is_empty(),
                "{e:?} refused, yet every edit applies leniently"
            );
            return Outcome::Rejected("apply".into());
        }
        Ok(s) => s,
    };
    assert!(lenient.1.is_empty(), "lenient refused {:?}", lenient.1);
    assert_eq!(lenient.0, designed, "apply and apply_lenient disagree");
    // The panel lists the edited design's settings.
    let _ = settings(&designed);
    // Its diff from the preset writes it again.
    match design::diff(base, &designed) {
        Ok(d) => {
            let again = design::apply(base, &d)
                .unwrap_or_else(|e| panic!("the diff {d:?} does not apply: {e:?}"));
            assert_eq!(again, designed, "the diff {d:?} writes another design");
        }
        Err(e) => {
            assert!(!e.path.is_empty() && !e.message.is_empty(), "{e:?}");
            return Outcome::Rejected("diff".into());
        }
    }
    let mut s = designed;
    s.workload.orders = s.workload.orders.min(ORDERS);
    match Model::compile(s) {
        Err(errors) => {
            for e in &errors.0 {
                assert!(!e.path.is_empty(), "a compile error names no field: {e:?}");
            }
            // The field it names is one of the scenario's.
            Outcome::Rejected(crate::shape::compile_error(&errors.0[0]))
        }
        Ok(model) => {
            let mut sim = Sim::new(std::sync::Arc::new(model), 1);
            sim.set_trace(false);
            sim.run_to_end(RUN_EVENTS);
            sim.check_invariants()
                .unwrap_or_else(|e| panic!("invariant broken in a designed run: {e}"));
            Outcome::Accepted
        }
    }
}

/// An input as text, to keep.
pub fn text_of(input: &Input) -> Vec<u8> {
    format!("{input:#?}").into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The inputs reach every outcome: designs that run, refused texts,
    /// refused edits and designs the compiler refuses.
    #[test]
    fn inputs_reach_every_outcome() {
        let mut seen = std::collections::BTreeSet::new();
        for i in 0..600 {
            let mut rng = crate::driver::input_rng(1, i);
            seen.insert(match check(&input(&mut rng)) {
                Outcome::Accepted => "accepted".to_owned(),
                Outcome::Rejected(l) => l.split(' ').next().unwrap_or("").to_owned(),
            });
        }
        for want in ["accepted", "text", "apply"] {
            assert!(seen.contains(want), "{want} never reached: {seen:?}");
        }
    }
}
