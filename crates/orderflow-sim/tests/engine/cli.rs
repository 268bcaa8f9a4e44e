//! The command-line tool: good input works, bad input gives a message and a
//! non-zero exit, never a panic.

use std::process::Command;

fn orderflow(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_orderflow"))
        .args(args)
        .output()
        .expect("runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn run_prints_metrics_as_json() {
    let (code, out, err) = orderflow(&["run", "sync-chain", "--seed", "3", "--orders", "20"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    assert_eq!(v["orders"]["created"], 20);
    assert_eq!(v["seed"], 3);
    assert_eq!(v["finished"], true);
    assert!(v["latency_ms"]["response"]["p99_ms"].as_f64().unwrap() > 0.0);
}

#[test]
fn run_writes_the_trace_as_json_lines() {
    let path = std::env::temp_dir().join(format!("orderflow-trace-{}.jsonl", std::process::id()));
    let p = path.to_str().unwrap();
    let (code, _, err) = orderflow(&[
        "run",
        "hybrid",
        "--orders",
        "2",
        "--completion",
        "callback",
        "--trace",
        p,
    ]);
    assert_eq!(code, 0, "{err}");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::remove_file(&path).ok();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(lines.len() > 20);
    assert!(
        lines
            .iter()
            .any(|l| l["type"] == "send" && l["kind"] == "callback")
    );
    assert!(
        lines
            .iter()
            .all(|l| l["text"].is_string() && l["t"].is_u64())
    );
}

#[test]
fn mermaid_prints_a_sequence_diagram() {
    let (code, out, err) = orderflow(&["mermaid", "hybrid-queue", "--order", "2", "--orders", "3"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("sequenceDiagram\n"), "{out}");
    assert!(out.contains("participant client as Client"));
    assert!(out.contains("client->>order: place"));
    assert!(out.contains("order-)broker: publish OrderConfirmed"));
    assert!(out.contains("settled completed"));
}

#[test]
fn list_names_every_preset() {
    let (code, out, _) = orderflow(&["list"]);
    assert_eq!(code, 0);
    for name in orderflow_sim::presets::names() {
        assert!(out.contains(name), "{name} missing");
    }
}

#[test]
fn bad_input_is_a_message_and_exit_2() {
    let bad_file = std::env::temp_dir().join(format!("orderflow-bad-{}.json", std::process::id()));
    std::fs::write(&bad_file, r#"{"name": "x", "title": "x", "services": [], "handlers": [], "client": {"entry": "a.b"}, "workload": {"arrival": {"kind": "single"}, "orders": 1}}"#).unwrap();
    let bad = bad_file.to_str().unwrap();
    for (args, expected) in [
        (vec![], "no command"),
        (vec!["fly"], "unknown command"),
        (vec!["run"], "needs a scenario"),
        (vec!["run", "no-such-preset"], "not a preset either"),
        (vec!["run", "mmc", "--seed"], "--seed needs a value"),
        (vec!["run", "mmc", "--seed", "x"], "not a whole number"),
        (
            vec!["run", "mmc", "--completion", "carrier-pigeon"],
            "unknown mode",
        ),
        (vec!["run", "mmc", "--completion", "polling"], "not allowed"),
        (vec!["run", "mmc", "--frobnicate"], "unknown argument"),
        (vec!["mermaid", "mmc"], "needs --order"),
        (vec!["mermaid", "sync-chain", "--order", "99999"], "--order"),
        (vec!["check", bad], "services: needs at least one service"),
    ] {
        let (code, _, err) = orderflow(&args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(
            err.contains(expected),
            "{args:?}: expected {expected:?} in {err}"
        );
        assert!(!err.contains("panicked"), "{args:?} panicked: {err}");
    }
    std::fs::remove_file(&bad_file).ok();
}
