//! Bad scenarios are refused with the path of the culprit.

use orderflow_sim::model::Model;
use orderflow_sim::presets;
use serde_json::Value;

/// Edits the sync-chain preset's JSON with `edit`, compiles it, and returns
/// every error as text (empty if it compiles).
fn errors(edit: impl FnOnce(&mut Value)) -> String {
    let mut v: Value = serde_json::from_str(presets::json("sync-chain").unwrap()).unwrap();
    edit(&mut v);
    match Model::from_json(&v.to_string()) {
        Ok(_) => String::new(),
        Err(e) => e.to_string(),
    }
}

fn check(edit: impl FnOnce(&mut Value), expected: &str) {
    let got = errors(edit);
    assert!(
        got.contains(expected),
        "expected an error containing {expected:?}, got:\n{got}"
    );
}

#[test]
fn every_preset_compiles_and_round_trips() {
    for name in presets::names() {
        let model = presets::model(name)
            .unwrap()
            .unwrap_or_else(|e| panic!("{name}:\n{e}"));
        let again = orderflow_sim::Scenario::from_json(&model.scenario.to_json()).unwrap();
        assert_eq!(again, model.scenario, "{name} does not round-trip");
        assert_eq!(model.scenario.name, name);
    }
}

#[test]
fn the_unmodified_preset_has_no_error() {
    assert_eq!(errors(|_| {}), "");
}

#[test]
fn numbers_out_of_range_name_their_field() {
    check(
        |v| v["handlers"][0]["steps"][2]["timeout_ms"] = 0.into(),
        "handlers[0].steps[2].timeout_ms: must be > 0",
    );
    check(
        |v| v["services"][1]["replicas"] = 0.into(),
        "services[1].replicas: must be between 1 and",
    );
    fn restock(v: &mut Value) -> &mut Value {
        &mut v["services"][2]["stock"]["SKU-RED"]["restock"]
    }
    check(
        |v| restock(v)["max_units"] = 0.into(),
        "services[2].stock.SKU-RED.restock.max_units: must be between 1 and",
    );
    check(
        |v| restock(v)["units"] = 0.into(),
        "services[2].stock.SKU-RED.restock.units: must be between 1 and",
    );
    check(
        |v| v["services"][1]["error_rate"] = 1.5.into(),
        "services[1].error_rate: must be between 0 and 1",
    );
    check(
        |v| v["services"][1]["latency"] = serde_json::json!({"uniform_ms": [5, 2]}),
        "services[1].latency: needs 0 <= low <= high",
    );
    check(
        |v| v["workload"]["orders"] = 0.into(),
        "workload.orders: must be between 1 and",
    );
    check(
        |v| v["workload"]["arrival"]["rate_per_s"] = (-1.0).into(),
        "workload.arrival.rate_per_s",
    );
}

#[test]
fn names_must_resolve() {
    check(
        |v| v["handlers"][0]["steps"][0]["target"] = "inventory.reserv".into(),
        "handlers[0].steps[0].target: no handler \"inventory.reserv\"",
    );
    check(
        |v| v["handlers"][0]["steps"][0]["target"] = "inventory".into(),
        "write it as \"service.op\"",
    );
    check(
        |v| v["client"]["entry"] = "nope.place".into(),
        "client.entry: no handler",
    );
    check(
        |v| v["handlers"][1]["service"] = "nobody".into(),
        "handlers[1].service: no service \"nobody\"",
    );
    check(
        |v| v["faults"][0]["service"] = "ghost".into(),
        "faults[0].service: no service \"ghost\"",
    );
}

#[test]
fn unknown_fields_and_bad_types_are_refused() {
    check(
        |v| v["services"][1]["replica"] = 2.into(),
        "services[1].replica: unknown field `replica`",
    );
    check(
        |v| v["handlers"][0]["steps"][0]["timeot_ms"] = 2.into(),
        "handlers[0].steps[0]: unknown field `timeot_ms`",
    );
    check(
        |v| v["client"]["timeout_ms"] = "soon".into(),
        "client.timeout_ms: invalid type",
    );
    check(
        |v| v["handlers"][0]["steps"][0]["kind"] = "cal".into(),
        "unknown variant `cal`",
    );
}

#[test]
fn structure_is_checked() {
    check(
        |v| v["services"][2]["id"] = "order".into(),
        "services[2].id: duplicate service id \"order\"",
    );
    check(
        |v| {
            v["client"]["completion"] = "push".into();
            v["client"]["allowed"] = serde_json::json!(["sync"]);
        },
        "client.completion: must be one of `allowed`",
    );
    check(
        |v| v["client"]["allowed"] = serde_json::json!(["sync", "callback"]),
        "client.allowed[1]: \"callback\" needs a `complete` step",
    );
    check(
        |v| v["outcome"]["requires"] = serde_json::json!([{"flag": "baked"}]),
        "outcome.requires[0]: no handler marks \"baked\"",
    );
}

#[test]
fn several_errors_are_reported_at_once() {
    let got = errors(|v| {
        v["services"][1]["replicas"] = 0.into();
        v["workload"]["orders"] = 0.into();
    });
    assert_eq!(got.lines().count(), 2, "{got}");
}

#[test]
fn malformed_json_names_the_position() {
    let e = Model::from_json("{\"name\": \"x\",")
        .unwrap_err()
        .to_string();
    assert!(e.contains("line 1"), "{e}");
}

/// Sets every integer field named `*_ms` to `value`; returns their paths.
fn set_every_ms_field(v: &mut Value, path: &str, value: u64, out: &mut Vec<String>) {
    match v {
        Value::Object(map) => {
            for (k, child) in map.iter_mut() {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                if k.ends_with("_ms") && child.is_u64() {
                    *child = value.into();
                    out.push(p);
                } else {
                    set_every_ms_field(child, &p, value, out);
                }
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter_mut().enumerate() {
                set_every_ms_field(child, &format!("{path}[{i}]"), value, out);
            }
        }
        _ => {}
    }
}

#[test]
fn huge_durations_are_errors_naming_each_field_never_an_overflow() {
    let mut checked = 0;
    for name in presets::names() {
        let mut v: Value = serde_json::from_str(presets::json(name).unwrap()).unwrap();
        let mut fields = Vec::new();
        set_every_ms_field(&mut v, "", u64::MAX, &mut fields);
        // Compiling must not overflow (a panic in debug builds).
        let errors = match Model::from_json(&v.to_string()) {
            Ok(_) => panic!("{name}: u64::MAX milliseconds accepted"),
            Err(e) => e.to_string(),
        };
        for field in &fields {
            // Latencies are fractional milliseconds, checked per latency.
            let named = match field.find(".latency") {
                Some(i) => field[..i + ".latency".len()].to_owned(),
                None => format!("{field}: "),
            };
            assert!(
                errors.contains(&named),
                "{name}: no error names {field}:\n{errors}"
            );
            checked += 1;
        }
    }
    assert!(checked > 50, "only {checked} fields were tried");
}

#[test]
fn the_largest_duration_is_accepted_and_one_more_is_not() {
    let max = orderflow_sim::model::bounds::DURATION_MS;
    assert_eq!(
        errors(|v| v["handlers"][0]["steps"][2]["timeout_ms"] = max.into()),
        ""
    );
    check(
        |v| v["handlers"][0]["steps"][2]["timeout_ms"] = (max + 1).into(),
        "handlers[0].steps[2].timeout_ms: must be at most 604800000 (7 days)",
    );
}

#[test]
fn one_click_faults_name_their_bad_fields() {
    let fault = |on_service: &str, duration_ms: u64, label: &str| {
        serde_json::json!([{
            "label": label,
            "on": {"kind": "set_up", "service": on_service, "up": false},
            "off": {"kind": "set_replicas", "service": "payment", "replicas": 0},
            "duration_ms": duration_ms,
        }])
    };
    let got = errors(|v| v["one_click_faults"] = fault("ghost", 0, " "));
    for expected in [
        "one_click_faults[0].label: must be 1 to 80 characters",
        "one_click_faults[0].duration_ms: must be > 0",
    ] {
        assert!(got.contains(expected), "{expected:?} not in:\n{got}");
    }
    // Commands are checked once the rest compiles.
    let got = errors(|v| v["one_click_faults"] = fault("ghost", 5_000, "Ghost down"));
    for expected in [
        "one_click_faults[0].on.service: no service \"ghost\"",
        "one_click_faults[0].off.replicas: must be between 1 and 256",
    ] {
        assert!(got.contains(expected), "{expected:?} not in:\n{got}");
    }
    check(
        |v| {
            v["one_click_faults"] = serde_json::json!([{
                "label": "Restart",
                "on": {"kind": "restart_broker", "downtime_ms": 100},
                "off": {"kind": "restart_broker", "downtime_ms": 100},
                "duration_ms": 1000,
            }])
        },
        "one_click_faults[0].on.kind: the scenario has no broker",
    );
}

#[test]
fn retry_policies_and_balancers_name_their_field() {
    use serde_json::json;
    check(
        |v| {
            v["handlers"][0]["steps"][2]["retry_budget"] =
                json!({"max_tokens": 0, "refill_per_success": 0.1})
        },
        "handlers[0].steps[2].retry_budget.max_tokens: must be between 1 and",
    );
    check(
        |v| {
            v["handlers"][0]["steps"][2]["retry_budget"] =
                json!({"max_tokens": 5, "refill_per_success": -1.0})
        },
        "handlers[0].steps[2].retry_budget.refill_per_success: must be between 0 and 1000",
    );
    check(
        |v| v["client"]["retry"] = json!({"retries": 99}),
        "client.retry.retries: must be at most 20",
    );
    check(
        |v| v["client"]["retry"] = json!({"retries": 2, "backoff": {"base_ms": 0, "max_ms": 5}}),
        "client.retry.backoff.base_ms: must be > 0",
    );
    check(
        |v| {
            v["handlers"][0]["steps"][2]["backoff"] =
                json!({"base_ms": 10, "max_ms": 100, "kind": "fancy"})
        },
        "unknown variant `fancy`",
    );
    check(
        |v| v["services"][1]["balancer"] = json!("least-busy"),
        "unknown variant `least-busy`",
    );
    // The documented spellings load.
    assert_eq!(
        errors(|v| {
            v["services"][1]["balancer"] = json!("power-of-two");
            v["services"][1]["scale_in"] = json!("reroute");
            v["handlers"][0]["steps"][2]["backoff"] =
                json!({"base_ms": 10, "max_ms": 100, "kind": "decorrelated"});
            v["client"]["retry"] = json!({"retries": 2, "backoff": {"base_ms": 100, "max_ms": 1000, "kind": "equal"},
                "budget": {"max_tokens": 10, "refill_per_success": 0.1}});
        }),
        ""
    );
}

/// Found by fuzzing (`fuzz_scenario_bytes`, `fuzz_scenario_tree`): a
/// syntax error inside a key was reported at the path `?`, and a JSON array
/// was read as a scenario with its fields by position (`[0]: invalid type`).
/// Both now name the place: the field around the error, or the position.
#[test]
fn broken_files_name_the_place_not_a_question_mark() {
    let err = |text: &str| orderflow_sim::Scenario::from_json(text).unwrap_err();
    let e = err("{\"name\": \"x\", 7: 1}");
    assert_eq!(e.path, "");
    assert_eq!(e.message, "key must be a string at line 1 column 15");
    let e = err("{\"services\": [{\"id\": \"a\", 7}]}");
    assert_eq!(e.path, "services[0]");
    assert!(
        e.message.starts_with("key must be a string at line 1"),
        "{e}"
    );
    let e = err("{\"name\": \"x\", \"title");
    assert_eq!(
        e.to_string(),
        "EOF while parsing a string at line 1 column 20"
    );
    let e = err("\n  [\"sync-chain\", \"title\"]");
    assert_eq!(
        e.to_string(),
        "expected a JSON object (`{\"name\": …}`) at line 2 column 3"
    );
    assert!(err("").message.starts_with("EOF while parsing"));
}

/// Found by the long fuzz run (`scripts/dev.sh fuzz`): a key that itself
/// ends with `?` lost it from the path (only the segments serde never
/// learned are `?`), and a scenario written out and read back could come
/// back different in a float's last bit (`1e42` read as
/// `9.999999999999999e41`: serde_json's fast float parser, now
/// `float_roundtrip`).
#[test]
fn a_key_ending_with_a_question_mark_is_named_and_floats_round_trip() {
    let e = orderflow_sim::Scenario::from_json("{\"titl?\": 1}").unwrap_err();
    assert_eq!(e.path, "titl?");
    assert!(e.message.starts_with("unknown field `titl?`"), "{e}");

    let mut v: Value = serde_json::from_str(presets::json("pizza").unwrap()).unwrap();
    v["services"][1]["latency"] =
        serde_json::json!({"lognormal": {"median_ms": 1e42, "sigma": 0.3}});
    let s = orderflow_sim::Scenario::from_json(&v.to_string()).unwrap();
    assert_eq!(
        s.services[1].latency,
        orderflow_sim::scenario::Latency::LogNormal {
            median_ms: 1e42,
            sigma: 0.3
        },
        "read to the last bit"
    );
    let back = orderflow_sim::Scenario::from_json(&s.to_json()).unwrap();
    assert_eq!(back, s);
}
