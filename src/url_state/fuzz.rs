//! Links a person could paste: raw strings, and mutations of real share
//! links (made by playing random scripts, see `session/fuzz.rs`), including
//! their `cmds=`. Parsing never panics; every notice names its field; what
//! parses writes back to a link that parses to the same state; and the page
//! built from it either carries out each of the link's commands or names
//! it in a notice.

use std::sync::OnceLock;

use super::{UrlState, pairs, shown_name};
use crate::controller::Controller;
use crate::session::fuzz::{play, script, share_link};
use orderflow_fuzz::{Config, Outcome, Rng, run, run_corpus};

/// The link's parameters and the notices' prefixes for them.
const KEYS: &[&str] = &[
    "preset", "mode", "seed", "orders", "speed", "t", "cmds", "embed", "autoplay", "debug",
];

/// Values that are wrong for most parameters, or right for some.
const VALUES: &[&str] = &[
    "",
    "0",
    "1",
    "-1",
    "2",
    "1.5",
    "1e3",
    "NaN",
    "inf",
    "-inf",
    "0x10",
    " 5",
    "18446744073709551615",
    "18446744073709551616",
    "99999999999999999999999",
    "604800000",
    "604800000.001",
    "1000",
    "1000.0001",
    "0.1",
    "0.09999",
    "true",
    "sync",
    "polling",
    "callback",
    "push",
    "hybrid-queue",
    "mmc",
    "HYBRID",
    "%",
    "%2",
    "%zz",
    "%C3%A9",
    "%00",
    "%FF%FE",
    "+",
    "é",
    "💳",
    "a=b",
    "&",
];

/// Pieces of recorded commands.
const CMD_PARTS: &[&str] = &[
    "0",
    "1",
    "-",
    "-_0_0",
    "5_1_0",
    "_",
    "-_",
    "1_2",
    "x",
    "",
    "18446744073709551615",
    "down",
    "up",
    "lat",
    "err",
    "drop",
    "rep",
    "restart",
    "stock",
    "fly",
    "payment",
    "warehouse",
    "kitchen",
    "ghost",
    "server",
    "SKU-RED",
    "RAMEN",
    "sku-red",
    "1000000",
    "1000001",
    "4294967296",
    "1000",
    "0.5",
    "2",
    "NaN",
    "-1",
    "1e309",
    "300",
];

/// A query from parameter-shaped pieces, or from anything at all.
fn raw_input(rng: &mut Rng) -> String {
    match rng.below(6) {
        0 => {
            let bytes: Vec<u8> = (0..rng.range(0, 80))
                .map(|_| rng.next_u64() as u8)
                .collect();
            String::from_utf8_lossy(&bytes).into_owned()
        }
        1 => {
            // Commands only.
            let cmds: Vec<String> = (0..rng.range(1, 6))
                .map(|_| {
                    (0..rng.range(1, 6))
                        .map(|_| *rng.pick(CMD_PARTS))
                        .collect::<Vec<_>>()
                        .join(":")
                })
                .collect();
            format!(
                "?preset={}&cmds={}",
                rng.pick(orderflow_sim::presets::NAMES),
                cmds.join("~")
            )
        }
        _ => {
            let mut q = String::new();
            if rng.chance(0.5) {
                q.push('?');
            }
            for i in 0..rng.range(0, 7) {
                if i > 0 || rng.chance(0.1) {
                    q.push_str(if rng.chance(0.95) { "&" } else { "&&" });
                }
                let key = if rng.chance(0.9) {
                    *rng.pick(KEYS)
                } else {
                    *rng.pick(VALUES)
                };
                q.push_str(key);
                if rng.chance(0.95) {
                    q.push('=');
                    let v: &&str = rng.pick(VALUES);
                    q.push_str(v);
                }
            }
            q
        }
    }
}

/// Real share links: random scripts played on every preset.
fn real_links() -> &'static [String] {
    static L: OnceLock<Vec<String>> = OnceLock::new();
    L.get_or_init(|| {
        let mut rng = Rng::new(0x5EED);
        (0..48)
            .map(|_| {
                let (run, _) = play(&script(&mut rng));
                let mut link = share_link(&run);
                link.speed = *rng.pick(&[1.0, 20.0, 1000.0]);
                link.embed = rng.chance(0.2);
                link.to_query()
            })
            .collect()
    })
}

/// One edit of a `cmds=` value (decoded): a field of one command, or the
/// list itself.
fn mutate_cmds(rng: &mut Rng, v: &str) -> String {
    let mut cmds: Vec<String> = v.split('~').map(str::to_owned).collect();
    let i = rng.below(cmds.len());
    match rng.below(6) {
        0 => {
            cmds.remove(i);
        }
        1 => {
            let c = cmds[i].clone();
            cmds.insert(rng.below(cmds.len() + 1), c);
        }
        2 => {
            let j = rng.below(cmds.len());
            cmds.swap(i, j);
        }
        3 if rng.chance(0.2) => {
            // More than a link may carry.
            let c = cmds[i].clone();
            cmds.extend(std::iter::repeat_n(c, 520));
        }
        _ => {
            let mut fields: Vec<String> = cmds[i].split(':').map(str::to_owned).collect();
            let f = rng.below(fields.len());
            match rng.below(5) {
                0 => {
                    fields.remove(f);
                }
                1 => fields.insert(f, rng.pick(CMD_PARTS).to_string()),
                2 => {
                    // A number moved by one, or far.
                    if let Ok(n) = fields[f].parse::<u64>() {
                        fields[f] = match rng.below(4) {
                            0 => n.saturating_add(1),
                            1 => n.saturating_sub(1),
                            2 => n.saturating_mul(1_000),
                            _ => 0,
                        }
                        .to_string();
                    }
                }
                _ => fields[f] = rng.pick(CMD_PARTS).to_string(),
            }
            cmds[i] = fields.join(":");
        }
    }
    cmds.join("~")
}

/// A real share link with one to three edits of its parameters or commands.
fn mutated_input(rng: &mut Rng) -> String {
    let link = rng.pick(real_links());
    let mut params: Vec<(String, String)> = pairs(link).collect();
    for _ in 0..rng.range(1, 3) {
        let i = rng.below(params.len());
        match rng.below(10) {
            0 => {
                params.remove(i);
                if params.is_empty() {
                    params.push(("preset".into(), String::new()));
                }
            }
            1 => {
                let p = params[i].clone();
                params.push(p);
            }
            2 => params[i].1 = rng.pick(VALUES).to_string(),
            3 => params[i].0 = params[i].0.to_uppercase(),
            4 => {
                let v: &&str = rng.pick(VALUES);
                params[i].1.push_str(v);
            }
            _ => {
                // The commands, most often: they are the most structured part.
                match params.iter().position(|(k, _)| k == "cmds") {
                    Some(c) => params[c].1 = mutate_cmds(rng, &params[c].1),
                    None => params.push(("cmds".into(), "0:0:down:payment".into())),
                }
            }
        }
    }
    let query: Vec<String> = params
        .iter()
        .map(|(k, v)| format!("{}={}", super::encode(k), super::encode(v)))
        .collect();
    format!("?{}", query.join("&"))
}

/// The field a notice names (`cmds[3] (…): …` → `cmds`).
fn notice_field(n: &str) -> &str {
    let head = n.split_once(": ").map_or(n, |(h, _)| h);
    head.split(['[', ' ']).next().unwrap_or(head)
}

/// Checks the notices of parsing `query`: each starts with a parameter of
/// the query (as notices show names), and none is longer than a screen
/// line or two. Returns the label to count under.
fn check_notices(query: &str, notices: &[String]) -> Option<String> {
    let keys: Vec<String> = pairs(query).map(|(k, _)| shown_name(&k)).collect();
    for n in notices {
        let known = KEYS.contains(&notice_field(n));
        assert!(
            known || keys.iter().any(|k| n.starts_with(&format!("{k}: "))),
            "the notice {n:?} names no field of {query:?}"
        );
        assert!(
            n.chars().count() <= 300,
            "a notice of {} characters",
            n.len()
        );
    }
    notices.first().map(|n| {
        let f = notice_field(n);
        if KEYS.contains(&f) {
            f.to_owned()
        } else {
            "unknown parameter".into()
        }
    })
}

/// Commands a notice drops: `cmds[i] (…)` one, `cmds[i]: …` it and the
/// rest, `cmds: more than …` none of those read.
fn commands_named(notices: &[String]) -> usize {
    notices
        .iter()
        .filter(|n| n.starts_with("cmds[") && n.contains("] ("))
        .count()
}

/// Parses a link; checks the notices, the round trip and (`full`) the page
/// built from it: every command of the link is carried out or named.
fn check_link(query: &str, full: bool) -> Outcome {
    let (st, notices) = UrlState::parse(query);
    let label = check_notices(query, &notices);
    let again = st.to_query();
    let (st2, notices2) = UrlState::parse(&again);
    assert!(notices2.is_empty(), "{again} (from {query}): {notices2:?}");
    assert_eq!(st2, st, "{again} (from {query}) reads back differently");
    if full {
        check_page(&st);
    }
    match label {
        Some(l) => Outcome::Rejected(l),
        None => Outcome::Accepted,
    }
}

/// Ticks of one frame's budget a page gets to reach its link's time.
const FRAMES: u32 = 10;
const FRAME_EVENTS: u64 = 2_000;

/// The page a link opens: every notice names its field, and every command
/// of the link is in the run (history or waiting), named in a notice, or
/// still ahead of where the replay got.
fn check_page(st: &UrlState) {
    let mut c = Controller::from_url(st, Vec::new());
    for i in 0..FRAMES {
        if !c.seeking() {
            break;
        }
        c.tick(f64::from(i) * 16.0, FRAME_EVENTS);
    }
    c.step();
    let notices = c.notices().to_vec();
    for n in &notices {
        let field = notice_field(n);
        assert!(
            KEYS.contains(&field) || field == "preset",
            "page notice {n:?} names no field"
        );
        assert!(
            n.chars().count() <= 300,
            "a notice of {} characters",
            n.len()
        );
    }
    let session = c.run().session();
    let kept = session.history().len() + session.scheduled().len();
    let replay_dropped: usize = notices.iter().filter(|n| n.starts_with("cmds: \"")).count()
        + notices
            .iter()
            .filter_map(|n| n.strip_prefix("cmds: "))
            .filter_map(|n| n.split_once(" more commands could not be replayed"))
            .filter_map(|(k, _)| k.parse::<usize>().ok())
            .sum::<usize>();
    let named = commands_named(&notices);
    assert_eq!(
        st.commands.len(),
        kept + named + replay_dropped,
        "a command of the link went missing: {} in the link; {kept} in the run, {named} named, {replay_dropped} dropped in the replay; {notices:?}",
        st.commands.len()
    );
    let _ = c.frame();
    let _ = c.stats();
    let _ = c.share_query();
}

#[test]
fn fuzz_links_raw() {
    run_corpus(
        "links",
        |b| String::from_utf8_lossy(b).into_owned(),
        |q| check_link(q, true),
    );
    let config = Config::from_env(3.0);
    run(
        "fuzz_links_raw",
        &config,
        raw_input,
        // The page for one link in eight (the rest: parsing and its round trip).
        |q| check_link(q, q.len() % 8 == 0),
        |q| q.as_bytes().to_vec(),
    )
    .assert_clean();
}

#[test]
fn fuzz_links_mutated() {
    let config = Config::from_env(3.0);
    run(
        "fuzz_links_mutated",
        &config,
        mutated_input,
        |q| check_link(q, true),
        |q| q.as_bytes().to_vec(),
    )
    .assert_clean();
}

#[test]
fn real_links_open_without_notices() {
    for q in real_links() {
        let (st, notices) = UrlState::parse(q);
        assert!(notices.is_empty(), "{q}: {notices:?}");
        assert_eq!(check_link(q, true), Outcome::Accepted);
        // Each command reads back as itself.
        for c in &st.commands {
            let one = format!("cmds={}", super::encode(&c.text()));
            assert_eq!(&UrlState::parse(&one).0.commands[0], c);
        }
    }
}

/// The links fuzzed carry every kind of command the engine has (most from
/// the real links, which the session's scripts make): a command added to
/// the engine fails this until the scripts or [`CMD_PARTS`] make it.
#[test]
fn fuzzed_links_carry_commands_of_every_kind() {
    use std::collections::BTreeSet;
    let mut rng = Rng::new(1);
    let mut seen = BTreeSet::new();
    for i in 0..4_000 {
        let q = if i % 2 == 0 {
            mutated_input(&mut rng)
        } else {
            raw_input(&mut rng)
        };
        for c in UrlState::parse(&q).0.commands {
            seen.insert(c.command().kind());
        }
    }
    let all: BTreeSet<&str> = orderflow_sim::Command::KINDS.into_iter().collect();
    assert_eq!(seen, all);
}
