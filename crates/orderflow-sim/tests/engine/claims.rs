//! Claims: every preset's claims hold; a claim that is false fails with
//! its figures; a claims section with a mistake is refused with the path of
//! the field.

use orderflow_sim::claims::{self, Claim, Document};
use orderflow_sim::model::Model;
use orderflow_sim::presets;
use serde_json::{Value, json};

#[test]
fn every_preset_demonstrates_its_claims() {
    let mut failures = Vec::new();
    for name in presets::names() {
        let (model, claims) = presets::model_and_claims(name).unwrap().unwrap();
        for claim in &claims {
            let report = claims::check(&model, claim);
            if !report.passed {
                failures.push(format!(
                    "{name} {}: {:?} {:?} ({})",
                    claim.id,
                    report.failed,
                    report.error,
                    report.figures_text()
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "claims that fail:\n{}",
        failures.join("\n")
    );
}

/// Every preset shows claims; one built from a document shows at least
/// three of its claims. Only the queueing-theory check is beyond them.
#[test]
fn every_document_preset_has_at_least_three_claims() {
    let mut beyond_only = Vec::new();
    for name in presets::names() {
        let (_, claims) = presets::model_and_claims(name).unwrap().unwrap();
        assert!(!claims.is_empty(), "{name} has no claim");
        let sourced = claims
            .iter()
            .filter(|c| matches!(c.document, Document::Source(_)))
            .count();
        if sourced == 0 {
            beyond_only.push(name);
        } else {
            assert!(
                sourced >= 3,
                "{name} shows {sourced} claims of its document"
            );
        }
    }
    assert_eq!(beyond_only, ["mmc", "retry-storm", "retry-storm-backoff"]);
}

/// The hybrid-queue preset with `claims` replaced, compiled with its claims.
fn with_claims(claims: Value) -> Result<(Model, Vec<Claim>), String> {
    let mut v: Value = serde_json::from_str(presets::json("hybrid-queue").unwrap()).unwrap();
    v["claims"] = claims;
    let model = Model::from_json(&v.to_string()).map_err(|e| e.to_string())?;
    let claims = model.claims().map_err(|e| e.to_string())?;
    Ok((model, claims))
}

#[test]
fn a_false_claim_fails_with_its_figures() {
    let model = with_claims(json!([{
        "id": "wrong",
        "text": "The warehouse outage loses orders",
        "document": "000",
        "seed": 1,
        "orders": 40,
        "expect": ["a.outcome.lost > 0", "a.orders.created == 40"]
    }]))
    .unwrap();
    let (model, list) = model;
    let report = claims::check(&model, &list[0]);
    assert!(!report.passed);
    assert_eq!(report.failed, ["a.outcome.lost > 0 (0 vs 0)"]);
    assert_eq!(
        report.figures_text(),
        "a.outcome.lost = 0, a.orders.created = 40"
    );
    // Without `show`, the page opens the first figure's run at its end.
    let show = &list[0].show;
    assert_eq!(
        (show.run, show.at, show.metric.as_str()),
        (0, None, "outcome.lost")
    );
}

/// A variant is what it says: the run without faults has no outage, the
/// one with a command has the command's.
#[test]
fn runs_apply_their_changes() {
    let model = with_claims(json!([{
        "id": "variants",
        "text": "Variants",
        "document": "beyond the documents",
        "seed": 3,
        "orders": 60,
        "runs": {
            "plain": {"faults": false},
            "down": {"faults": false, "completion": "callback", "commands": [
                {"at_ms": 2000, "command": {"kind": "set_up", "service": "warehouse", "up": false}}]},
            "other": {"preset": "sync-chain", "orders": 10}
        },
        "expect": [
            "plain.queue.warehouse_q.peak_depth < 10",
            "down.queue.warehouse_q.acked < down.queue.warehouse_q.published",
            "down.client.callbacks_sent > 0",
            "other.orders.created == 10"
        ]
    }]))
    .unwrap();
    let (model, list) = model;
    let claim = &list[0];
    // Runs are listed by name.
    let names: Vec<&str> = claim.runs.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["down", "other", "plain"]);
    let report = claims::check(&model, claim);
    assert!(report.passed, "{report:?}");
}

fn error(claims: Value) -> String {
    match with_claims(claims) {
        Ok(_) => String::new(),
        Err(e) => e,
    }
}

/// A claim with `patch` merged into a valid one.
fn claim(patch: Value) -> Value {
    let mut c = json!({
        "id": "c",
        "text": "A claim",
        "document": "000",
        "seed": 1,
        "runs": {"a": {}, "b": {"completion": "polling"}},
        "expect": ["a.outcome.lost == 0"]
    });
    for (k, v) in patch.as_object().unwrap() {
        c[k] = v.clone();
    }
    json!([c])
}

#[test]
fn mistakes_name_their_field() {
    assert_eq!(error(claim(json!({}))), "");
    for (patch, expected) in [
        (
            json!({"expect": ["a.client.wasted_poll > 0"]}),
            "claims[0].expect[0]: \"a.client.wasted_poll\": unknown metric \"client.wasted_poll\" (did you mean \"client.wasted_polls\"?)",
        ),
        (
            json!({"expect": ["a.outcome.lost == 0", "c.outcome.lost == 0"]}),
            "claims[0].expect[1]: \"c.outcome.lost\": no run \"c\" (runs: a, b)",
        ),
        (
            json!({"expect": ["a.queue.nope.acked == 0"]}),
            "claims[0].expect[0]: \"a.queue.nope.acked\": unknown metric \"queue.nope.acked\"",
        ),
        (
            json!({"expect": []}),
            "claims[0].expect: needs 1 to 16 expectations",
        ),
        (
            json!({"document": "005"}),
            "claims[0].document: must be \"000\" to \"004\" or \"beyond the documents\"",
        ),
        (
            json!({"text": " "}),
            "claims[0].text: must be 1 to 240 characters",
        ),
        (
            json!({"id": "Bad Id"}),
            "claims[0].id: \"Bad Id\" is not a valid id",
        ),
        (
            json!({"orders": 0}),
            "claims[0].orders: must be between 1 and 50000",
        ),
        (
            json!({"runs": {"a": {"preset": "nope"}}}),
            "claims[0].runs.a.preset: no preset \"nope\"",
        ),
        (
            json!({"runs": {"a": {"preset": "sync-chain", "completion": "polling"}}}),
            "claims[0].runs.a.completion: \"polling\" is not one of the scenario's modes",
        ),
        (
            json!({"runs": {"a": {"preset": "fire-and-forget", "id_source": "id_service"}}}),
            "claims[0].runs.a.id_source: the scenario has no client.id_service",
        ),
        (
            json!({"runs": {"a": {"id_source": "id_service"}}}),
            "claims[0].runs.a.id_source: the scenario has no client.id_service",
        ),
        (
            json!({"runs": {"a": {"durable": {"nope_q": false}}}}),
            "claims[0].runs.a.durable.nope_q: no queue \"nope_q\"",
        ),
        (
            json!({"runs": {"a": {"commands": [
                {"at_ms": 1000, "command": {"kind": "set_up", "service": "nope", "up": false}}]}}}),
            "claims[0].runs.a.commands[0].command.service: no service \"nope\"",
        ),
        (
            json!({"runs": {"A-run": {}}}),
            "claims[0].runs.A-run: a run's name is one word",
        ),
        (
            json!({"runs": {"a": {}, "b": {}, "c": {}, "d": {}, "e": {}}}),
            "claims[0].runs: at most 4 runs",
        ),
        (
            json!({"show": {"run": "z", "metric": "outcome.lost"}}),
            "claims[0].show.run: no run \"z\" (runs: a, b)",
        ),
        (
            json!({"show": {"run": "a", "metric": "outcome.lots"}}),
            "claims[0].show.metric: unknown metric \"outcome.lots\"",
        ),
        (
            json!({"runs": {"a": {"faults": "no"}}}),
            "claims[0].runs.a.faults: invalid type",
        ),
    ] {
        let got = error(claim(patch.clone()));
        assert!(
            got.contains(expected),
            "{patch}: expected {expected:?}, got:\n{got}"
        );
    }
    let two = json!([claim(json!({}))[0], claim(json!({}))[0]]);
    assert!(error(two).contains("claims[1].id: \"c\" is used twice"));
}
