//! Owns the design's JSON: the scenario as text to view, copy and
//! download, and pasted or uploaded text read back into a design.
//!
//! Only the on-demand wasm (`src/bin/on-demand.rs`, a web worker started the
//! first time the JSON view or the Export menu asks for something) calls [`show`] and [`read`],
//! so serde_json and the scenario's (de)serializers stay out of the bundle
//! loaded at start (README, "Bundle size": +115 KB brotli in the main
//! bundle against 0 this way). The page talks to it in a small text
//! protocol, [`request_show`] / [`request_read`] → [`answer`] →
//! [`parse_reply`], which uses no JSON either.
//!
//! Parsing uses the engine's own reader (serde_json through
//! `serde_path_to_error`, then `Model::compile`), so a bad file gets exactly
//! the message `orderflow check` prints, naming the field's path.

use orderflow_sim::design::{self, Design, Edit, RunOptions};
use orderflow_sim::{Model, Scenario, presets};

/// The largest JSON text read (a preset is about 6 KB).
pub const MAX_JSON_BYTES: usize = 1_000_000;

/// Messages of a bad scenario shown at once.
const MAX_MESSAGES: usize = 3;

/// The scenario of `preset` with `edits` (and an order count) as pretty
/// JSON: what `orderflow check` and `orderflow run` read.
pub fn show(preset: &str, orders: Option<u64>, edits: &[Edit]) -> Result<String, String> {
    let base = presets::scenario(preset).ok_or_else(|| format!("unknown preset {preset:?}"))?;
    let mut s = design::apply(&base, edits).map_err(|e| e.to_string())?;
    if let Some(n) = orders {
        s.workload.orders = n;
    }
    Ok(s.to_json())
}

/// Reads a pasted or uploaded scenario as a design: its preset (the one it
/// names, else `preset`) and its edits of that preset. A syntax error, a
/// field of the wrong type, a scenario that does not compile, or one that
/// differs from its preset in something no setting changes is an error
/// naming the field's path.
pub fn read(preset: &str, text: &str) -> Result<(String, Vec<Edit>), String> {
    if text.len() > MAX_JSON_BYTES {
        return Err(format!(
            "at most {MAX_JSON_BYTES} bytes, got {}",
            text.len()
        ));
    }
    let scenario = Scenario::from_json(text).map_err(|e| e.to_string())?;
    if let Err(e) = Model::compile(scenario.clone()) {
        let first: Vec<String> =
            e.0.iter()
                .take(MAX_MESSAGES)
                .map(ToString::to_string)
                .collect();
        return Err(first.join("; "));
    }
    let d = Design::from_scenario(preset, &scenario, RunOptions::default())
        .map_err(|e| e.to_string())?;
    Ok((d.base, d.edits))
}

/// A request to show `preset` + `edits` as JSON.
pub fn request_show(preset: &str, orders: Option<u64>, edits: &[Edit]) -> String {
    let orders = orders.map(|n| n.to_string()).unwrap_or_default();
    format!("show\n{preset}\n{orders}\n{}", design::text::to_link(edits))
}

/// A request to read `json` as a design of (by default) `preset`.
pub fn request_read(preset: &str, json: &str) -> String {
    format!("read\n{preset}\n{json}")
}

/// The worker's answer to a request: `ok\n…` (the JSON, or the preset and
/// the edits in link form on their own lines) or `err\n<message>`.
pub fn answer(request: &str) -> String {
    let reply = match request.split_once('\n') {
        Some(("show", rest)) => {
            let mut parts = rest.splitn(3, '\n');
            let preset = parts.next().unwrap_or_default();
            let orders = parts.next().unwrap_or_default();
            let edits = parts.next().unwrap_or_default();
            let orders = match orders {
                "" => Ok(None),
                n => n.parse().map(Some).map_err(|_| format!("orders: {n:?}")),
            };
            orders.and_then(|orders| {
                let edits = design::text::parse(edits).map_err(|e| e.to_string())?;
                show(preset, orders, &edits)
            })
        }
        Some(("read", rest)) => {
            let (preset, json) = rest.split_once('\n').unwrap_or((rest, ""));
            read(preset, json)
                .map(|(base, edits)| format!("{base}\n{}", design::text::to_link(&edits)))
        }
        _ => Err("the JSON reader got a request it does not know".to_owned()),
    };
    match reply {
        Ok(body) => format!("ok\n{body}"),
        Err(e) => format!("err\n{e}"),
    }
}

/// The worker's reply to a show request: the JSON, or the message.
pub fn parse_show_reply(reply: &str) -> Result<String, String> {
    match reply.split_once('\n') {
        Some(("ok", json)) => Ok(json.to_owned()),
        Some(("err", e)) => Err(e.to_owned()),
        _ => Err("the JSON reader's reply was not understood".to_owned()),
    }
}

/// The worker's reply to a read request: the preset and its edits, or the
/// message naming the field.
pub fn parse_read_reply(reply: &str) -> Result<(String, Vec<Edit>), String> {
    let body = parse_show_reply(reply)?;
    let (base, edits) = body.split_once('\n').unwrap_or((&body, ""));
    let edits = design::text::parse(edits).map_err(|e| e.to_string())?;
    Ok((base.to_owned(), edits))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round(request: &str) -> String {
        answer(request)
    }

    #[test]
    fn a_design_shown_as_json_reads_back_as_the_same_design() {
        let edits = vec![
            Edit::new("flow.order.place.1.mode", "publish"),
            Edit::new("services.payment.replicas", "4"),
        ];
        let json = parse_show_reply(&round(&request_show("sync-chain", Some(30), &edits))).unwrap();
        assert!(json.contains("\"orders\": 30"), "{json}");
        let (base, back) = parse_read_reply(&round(&request_read("hybrid", &json))).unwrap();
        assert_eq!(base, "sync-chain");
        // The pasted order count is the scenario's own: one more edit.
        assert_eq!(back[..2], edits[..]);
        assert_eq!(back[2], Edit::new("workload.orders", "30"));
    }

    #[test]
    fn a_bad_field_is_named_as_orderflow_check_names_it() {
        let json = show("sync-chain", None, &[]).unwrap();
        let typo = json.replacen("\"timeout_ms\": 1000", "\"timeot_ms\": 1000", 1);
        let e = parse_read_reply(&round(&request_read("sync-chain", &typo))).unwrap_err();
        assert!(
            e.starts_with("handlers[0].steps[0]: unknown field `timeot_ms`"),
            "{e}"
        );
        let zero = json.replacen("\"replicas\": 2", "\"replicas\": 0", 1);
        assert_eq!(
            parse_read_reply(&round(&request_read("sync-chain", &zero))),
            Err("services[1].replicas: must be between 1 and 256".to_owned())
        );
        let e = read("sync-chain", "{").unwrap_err();
        assert!(e.contains("EOF while parsing"), "{e}");
        let e = read(
            "x",
            r#"{"name": "x", "services": [{"id": "a", "replicas": "two"}]}"#,
        )
        .unwrap_err();
        assert!(
            e.starts_with("services[0].replicas: invalid type: string \"two\""),
            "{e}"
        );
    }

    #[test]
    fn nonsense_gets_a_message_not_a_panic() {
        for req in [
            "",
            "show",
            "show\n",
            "show\nnope\n\n",
            "show\nsync-chain\nx\n",
            "read",
            "read\n",
            "zzz\n",
        ] {
            assert!(answer(req).starts_with("err\n"), "{req:?}: {}", answer(req));
        }
        assert!(parse_show_reply("garbage").is_err());
        assert!(parse_read_reply("ok\nsync-chain\nnonsense").is_err());
    }
}
