//! Messages a host page (or any page, when `origin=` is not set) could
//! post: host requests built from the API's own types and field names with
//! wrong, missing, extra and out-of-range values, and iframe-resizer texts,
//! real and mutated. Reading never panics; a refusal names the message's
//! type (or says it is not one of ours) and the field; and a short run of
//! accepted requests applied to a page never panics either.

use super::{Data, Incoming, MAX_FIELDS, RESIZER_PREFIX, RESIZER_READY, apply, parse};
use crate::controller::Controller;
use crate::url_state::UrlState;
use orderflow_fuzz::{Config, Outcome, Rng, run};

const TYPES: &[&str] = &[
    "orderflow:load",
    "orderflow:play",
    "orderflow:pause",
    "orderflow:seek",
    "orderflow:speed",
    "orderflow:select",
    "orderflow:get-state",
    "orderflow:height",
    "orderflow:state",
    "orderflow:",
    "orderflow:LOAD",
    "load",
    "",
];

const FIELDS: &[&str] = &[
    "type", "preset", "design", "mode", "seed", "orders", "t_ms", "speed", "order", "Type", "",
];

const TEXTS: &[&str] = &[
    "hybrid-queue",
    "sync-chain",
    "payment-breaker",
    "mmc",
    "nope",
    "sync",
    "polling",
    "callback",
    "push",
    "telepathy",
    "",
    "é💳",
    "1",
    "%00",
];

const NUMBERS: &[f64] = &[
    0.0,
    1.0,
    -1.0,
    0.5,
    2.0,
    7.0,
    250.0,
    5_000.0,
    604_800_000.0,
    604_800_000.001,
    9_007_199_254_740_991.0,
    9_007_199_254_740_992.0,
    1e300,
    f64::MAX,
    f64::MIN_POSITIVE,
    f64::INFINITY,
    f64::NEG_INFINITY,
    f64::NAN,
    -0.0,
];

fn value(rng: &mut Rng, depth: usize) -> Data {
    match rng.below(if depth > 2 { 4 } else { 6 }) {
        0 => Data::Null,
        1 => Data::Bool(rng.chance(0.5)),
        2 => Data::Num(*rng.pick(NUMBERS)),
        3 => Data::Text(rng.pick(TEXTS).to_string()),
        4 => Data::List((0..rng.below(4)).map(|_| value(rng, depth + 1)).collect()),
        _ => Data::Object(
            (0..rng.below(4))
                .map(|_| (rng.pick(FIELDS).to_string(), value(rng, depth + 1)))
                .collect(),
        ),
    }
}

/// A value that fits `field` more often than not.
fn field_value(rng: &mut Rng, field: &str) -> Data {
    if rng.chance(0.3) {
        return value(rng, 1);
    }
    match field {
        "preset" | "mode" => Data::Text(rng.pick(TEXTS).to_string()),
        "seed" | "orders" | "order" | "t_ms" | "speed" => Data::Num(*rng.pick(NUMBERS)),
        _ => value(rng, 1),
    }
}

/// A host request: a type, mostly known, and fields, mostly its own.
fn host_message(rng: &mut Rng) -> Data {
    let mut fields = Vec::new();
    if rng.chance(0.95) {
        let ty = if rng.chance(0.9) {
            Data::Text(rng.pick(TYPES).to_string())
        } else {
            value(rng, 1)
        };
        fields.push(("type".to_owned(), ty));
    }
    for _ in 0..rng.below(4) {
        let f = rng.pick(FIELDS).to_string();
        let v = field_value(rng, &f);
        fields.push((f, v));
    }
    if rng.chance(0.02) {
        for i in 0..MAX_FIELDS {
            fields.push((format!("extra{i}"), Data::Null));
        }
    }
    Data::Object(fields)
}

/// An iframe-resizer text: real ones, and cut or changed ones.
fn resizer_message(rng: &mut Rng) -> Data {
    let real = [
        format!(
            "{RESIZER_PREFIX}frame1:8:false:true:32:true:true:null:bodyOffset:null:null:0:false:parent:scroll:true"
        ),
        format!("{RESIZER_PREFIX}resize"),
        format!("{RESIZER_PREFIX}reset"),
        RESIZER_READY.to_owned(),
        RESIZER_PREFIX.to_owned(),
    ];
    let mut t = rng.pick(&real).clone();
    match rng.below(4) {
        0 => {}
        1 => {
            let cut = rng.below(t.len() + 1);
            t = t.chars().take(cut).collect();
        }
        2 => {
            let extra: &&str = rng.pick(TEXTS);
            t.push_str(extra);
        }
        _ => {
            let with: &&str = rng.pick(&["", "::", ":é:", ":null:"]);
            t = t.replace(':', with);
        }
    }
    Data::Text(t)
}

/// One to four messages, as a host might post them in a row.
fn messages(rng: &mut Rng) -> Vec<Data> {
    (0..1 + rng.below(4))
        .map(|_| match rng.below(10) {
            0..=6 => host_message(rng),
            7 | 8 => resizer_message(rng),
            _ => value(rng, 0),
        })
        .collect()
}

/// A refusal names the message or says it is not one of ours, and the
/// field when the message is a request with fields.
fn check_refusal(data: &Data, e: &str) -> String {
    assert!(!e.is_empty() && e.chars().count() <= 1_000, "refusal {e:?}");
    if e.starts_with("not an Orderflow message") {
        return "not ours".into();
    }
    let ty = match data.get("type") {
        Some(Data::Text(t)) => t.as_str(),
        _ => "",
    };
    assert!(
        e.starts_with(ty) || e.starts_with("unknown message type") || e.starts_with(RESIZER_PREFIX),
        "the refusal {e:?} names neither the type {ty:?} nor the message"
    );
    let field = e
        .strip_prefix(ty)
        .and_then(|r| r.strip_prefix(": "))
        .and_then(|r| r.split_once(':'))
        .map(|(f, _)| f.to_owned());
    match field {
        Some(f) if FIELDS.contains(&f.as_str()) || f.starts_with("extra") => f,
        _ => "message".into(),
    }
}

fn check(msgs: &Vec<Data>) -> Outcome {
    let mut page: Option<Controller> = None;
    let mut label = None;
    for data in msgs {
        match parse(data) {
            Ok(Incoming::Host(m)) => {
                let c = page.get_or_insert_with(|| {
                    Controller::from_url(
                        &UrlState::parse("?preset=sync-chain&orders=20").0,
                        Vec::new(),
                    )
                });
                if let Err(e) = apply(&m, c) {
                    assert!(e.starts_with("orderflow:"), "apply's refusal {e:?}");
                    label.get_or_insert_with(|| "apply".to_owned());
                }
                c.tick(16.0, 2_000);
                let _ = c.frame();
            }
            Ok(Incoming::Resizer(_)) => {}
            Err(e) => {
                let l = check_refusal(data, &e);
                label.get_or_insert(l);
            }
        }
    }
    match label {
        Some(l) => Outcome::Rejected(l),
        None => Outcome::Accepted,
    }
}

#[test]
fn fuzz_embed_messages() {
    let config = Config::from_env(3.0);
    run("fuzz_embed_messages", &config, messages, check, |m| {
        format!("{m:?}").into_bytes()
    })
    .assert_clean();
}
