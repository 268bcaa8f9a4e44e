//! The command-line tool: good input works, bad input gives a message and a
//! non-zero exit, never a panic; help and completions come from the same
//! definition; a closed output pipe ends it quietly.

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
fn link_prints_the_playground_link_of_a_preset_with_options() {
    let dir = std::env::temp_dir();
    let path = dir.join(format!("orderflow-link-{}.json", std::process::id()));
    // async-write in callback mode with 40 orders: a preset with options.
    let mut s: serde_json::Value =
        serde_json::from_str(orderflow_sim::presets::json("async-write").unwrap()).unwrap();
    s["client"]["completion"] = "callback".into();
    s["workload"]["orders"] = 40.into();
    std::fs::write(&path, s.to_string()).unwrap();
    let file = path.to_str().unwrap();
    let (code, out, err) = orderflow(&[
        "link",
        file,
        "--seed",
        "5",
        "--base",
        "https://example.org/p/",
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        "https://example.org/p/?preset=async-write&mode=callback&seed=5&orders=40\n"
    );
    // The default base is the local development server, the default seed 0
    // (as for `run` and `mermaid`).
    let (code, out, _) = orderflow(&["link", "pizza"]);
    assert_eq!(
        (code, out.as_str()),
        (0, "http://127.0.0.1:8080/?preset=pizza&seed=0\n")
    );

    // Anything else: no link, and the message says where it differs.
    s["services"][1]["replicas"] = 7.into();
    std::fs::write(&path, s.to_string()).unwrap();
    let (code, out, err) = orderflow(&["link", file]);
    assert_eq!(code, 2);
    assert!(out.is_empty(), "{out}");
    assert!(
        err.contains("is not a preset with options")
            && err.contains("the closest preset, async-write, in services."),
        "{err}"
    );
    std::fs::remove_file(&path).ok();
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
        (vec![], "Usage: orderflow <COMMAND>"),
        (vec!["fly"], "unrecognized subcommand 'fly'"),
        (vec!["run"], "required arguments were not provided"),
        (vec!["run", "no-such-preset"], "not a preset either"),
        (
            vec!["run", "mmc", "--seed"],
            "a value is required for '--seed <N>'",
        ),
        (
            vec!["run", "mmc", "--seed", "x"],
            "invalid value 'x' for '--seed <N>'",
        ),
        (
            vec!["run", "mmc", "--completion", "carrier-pigeon"],
            "[possible values: sync, polling, callback, sse, websocket]",
        ),
        (vec!["run", "mmc", "--completion", "polling"], "not allowed"),
        (
            vec!["run", "mmc", "--frobnicate"],
            "unexpected argument '--frobnicate'",
        ),
        (vec!["mermaid", "mmc"], "--order <ID>"),
        (vec!["mermaid", "sync-chain", "--order", "99999"], "--order"),
        (vec!["check", bad], "services: needs at least one service"),
        (vec!["completions", "tcsh"], "invalid value 'tcsh'"),
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

#[test]
fn every_command_has_its_own_help() {
    for (command, mentions) in [
        ("list", "List the preset scenarios"),
        ("run", "--max-events <N>"),
        ("mermaid", "--order <ID>"),
        ("check", "<FILE>"),
        ("link", "--base <URL>"),
        ("bench", "--customers <N>"),
        ("claims", "--claim <ID>"),
        ("compare", "--seed-start <N>"),
        (
            "completions",
            "[possible values: bash, elvish, fish, powershell, zsh]",
        ),
    ] {
        let (code, out, err) = orderflow(&[command, "--help"]);
        assert_eq!(code, 0, "{command} --help: {err}");
        assert!(
            out.contains(&format!("Usage: orderflow {command}")),
            "{command} --help: {out}"
        );
        assert!(
            out.contains(mentions),
            "{command} --help lacks {mentions:?}: {out}"
        );
        // `help <command>` is the same page.
        let (code, same, _) = orderflow(&["help", command]);
        assert_eq!((code, same), (0, out), "help {command}");
    }
    // The top-level help names every command.
    let (code, out, _) = orderflow(&["--help"]);
    assert_eq!(code, 0);
    for command in [
        "list",
        "run",
        "mermaid",
        "link",
        "check",
        "claims",
        "compare",
        "bench",
        "completions",
    ] {
        assert!(
            out.contains(&format!("\n  {command} ")),
            "{command} missing: {out}"
        );
    }
}

#[test]
fn misspellings_get_a_suggestion_and_the_usage_exit_code() {
    for (args, suggestion) in [
        (
            vec!["run", "mmc", "--seeds", "3"],
            "a similar argument exists: '--seed'",
        ),
        (
            vec!["mermaid", "hybrid", "--ordr", "2"],
            "a similar argument exists: '--order'",
        ),
        (
            vec!["mermad", "mmc"],
            "a similar subcommand exists: 'mermaid'",
        ),
        (vec!["run", "hybrid-queu"], "did you mean `hybrid-queue`?"),
    ] {
        let (code, out, err) = orderflow(&args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(out.is_empty(), "{args:?} printed {out}");
        assert!(
            err.contains(suggestion),
            "{args:?}: expected {suggestion:?} in {err}"
        );
    }
}

#[test]
fn claims_prints_one_line_per_claim() {
    let (code, out, err) = orderflow(&["claims", "hybrid-queue"]);
    assert_eq!(code, 0, "{err}");
    let (_, claims) = orderflow_sim::presets::model_and_claims("hybrid-queue")
        .unwrap()
        .unwrap();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), claims.len(), "{out}");
    for (line, claim) in lines.iter().zip(&claims) {
        assert!(line.starts_with("hybrid-queue     PASS  [000] "), "{line}");
        assert!(line.contains(&claim.text), "{line}");
    }
    // The figures measured, by run and name.
    assert!(out.contains("a.queue.warehouse_q.peak_depth = "), "{out}");
    // One claim by its id.
    let (code, out, _) = orderflow(&["claims", "pizza", "--claim", "accepted-at-once"]);
    assert_eq!((code, out.lines().count()), (0, 1), "{out}");
    let (code, _, err) = orderflow(&["claims", "pizza", "--claim", "nope"]);
    assert_eq!(code, 2);
    assert!(err.contains("--claim: no claim \"nope\""), "{err}");
}

#[test]
fn a_failing_claim_is_reported_and_exits_1() {
    let mut v: serde_json::Value =
        serde_json::from_str(orderflow_sim::presets::json("hybrid").unwrap()).unwrap();
    v["claims"] = serde_json::json!([{
        "id": "wrong",
        "text": "The hybrid loses orders",
        "document": "000",
        "seed": 1,
        "orders": 30,
        "expect": ["a.outcome.lost > 0"]
    }]);
    let path = std::env::temp_dir().join(format!("orderflow-claim-{}.json", std::process::id()));
    std::fs::write(&path, v.to_string()).unwrap();
    let p = path.to_str().unwrap();
    let (code, out, err) = orderflow(&["claims", p]);
    std::fs::remove_file(&path).ok();
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        out.contains("FAIL  [000] wrong: The hybrid loses orders  (a.outcome.lost = 0)"),
        "{out}"
    );
    assert!(out.contains("not so: a.outcome.lost > 0 (0 vs 0)"), "{out}");
    assert!(err.contains("1 of 1 claims failed"), "{err}");
}

#[test]
fn compare_prints_a_table_and_json() {
    let (code, out, err) = orderflow(&[
        "compare",
        "sync-chain",
        "hybrid",
        "--seeds",
        "5",
        "--orders",
        "40",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.starts_with("2 design(s), seeds 1..=5 (5 each)"),
        "{out}"
    );
    let block = out
        .split("\n\n")
        .find(|b| b.starts_with("latency.response.mean_ms  (ms, lower is better)"))
        .expect("the response row");
    assert!(block.contains("better, significant"), "{block}");
    // Rows that are zero everywhere are left out unless --all.
    assert!(!out.contains("\nclient.pushes_lost"), "{out}");
    let (_, all, _) = orderflow(&[
        "compare",
        "sync-chain",
        "--seeds",
        "1",
        "--orders",
        "5",
        "--all",
    ]);
    assert!(all.contains("\nclient.pushes_lost"), "{all}");

    let (code, out, err) = orderflow(&[
        "compare",
        "async-write",
        "async-write@callback",
        "--seeds",
        "3",
        "--orders",
        "20",
        "--json",
    ]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    assert_eq!(
        v["designs"],
        serde_json::json!(["async-write", "async-write@callback"])
    );
    assert_eq!(v["seeds"], serde_json::json!([1, 2, 3]));
    let polls = v["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "client.polls")
        .unwrap();
    assert!(polls["cells"][0]["interval"]["mean"].as_f64().unwrap() > 0.0);
    assert_eq!(polls["cells"][1]["interval"]["mean"], 0.0);
    assert_eq!(polls["cells"][1]["versus_first"]["better"], true);

    for (args, expected) in [
        (vec!["compare"], "required arguments were not provided"),
        (
            vec!["compare", "a", "b", "c", "d"],
            "unexpected value 'd' for '[DESIGN]...' found; no more were expected",
        ),
        (
            vec!["compare", "sync-chain@polling"],
            "completion \"polling\" is not allowed",
        ),
        (
            vec!["compare", "sync-chain", "--id", "id-service"],
            "client.id_service",
        ),
        (
            vec!["compare", "hybrid", "--seeds", "0"],
            "--seeds: must be between 1 and 1000",
        ),
        (
            vec!["compare", "--builtin", "nope"],
            "--builtin: unknown comparison \"nope\" (known: payment-outage,",
        ),
        (
            vec!["compare", "hybrid", "--builtin", "retry-storm"],
            "cannot be used with",
        ),
    ] {
        let (code, _, err) = orderflow(&args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(
            err.contains(expected),
            "{args:?}: expected {expected:?} in {err}"
        );
    }
}

/// `orderflow compare --builtin`: the title, the sentence, each design's
/// text, then the figures the sentence is about first.
#[test]
fn compare_prints_a_built_in_comparison() {
    let (code, out, err) = orderflow(&["compare", "--builtin", "list"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.lines().count(), 6, "{out}");
    assert!(
        out.starts_with("payment-outage             (000) Sync chain"),
        "{out}"
    );
    let (code, out, err) = orderflow(&["compare", "--builtin", "surge-cost", "--seeds", "3"]);
    assert_eq!(code, 0, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[0],
        "The surge, synchronous payment vs payment behind a queue, in cost (document 000)"
    );
    assert!(lines[1].starts_with("The same surge: "), "{out}");
    assert_eq!(
        lines[2..4],
        [
            "  Synchronous payment, 2 replicas: surge|||||0:rep:payment:2",
            "  Payment behind a queue, 1 replica: surge||||f.order.place.2.mode:publish~k.payment_charge_q.payment.prefetch:8~q.payment_charge_q.visibility_timeout_ms:10000~q.payment_charge_q.dead_letter:dead_letters|",
        ]
    );
    let first_row = lines.iter().find(|l| l.contains("  (")).unwrap();
    assert!(first_row.starts_with("cost.replica_seconds"), "{out}");
}

#[test]
fn completions_are_generated_for_each_shell() {
    for (shell, marks) in [
        ("bash", ["_orderflow()", "complete -F _orderflow"]),
        ("zsh", ["#compdef orderflow", "_orderflow"]),
        ("fish", ["complete -c orderflow", "__fish_orderflow"]),
    ] {
        let (code, out, err) = orderflow(&["completions", shell]);
        assert_eq!(code, 0, "{shell}: {err}");
        for mark in marks {
            assert!(out.contains(mark), "{shell}: {mark:?} missing");
        }
        // It knows the commands and their flags.
        for word in ["mermaid", "max-events", "completion", "callback"] {
            assert!(out.contains(word), "{shell}: {word:?} missing");
        }
    }
}

/// `orderflow ... | head -1`: the reader goes away before (or while) the tool
/// writes. Every write then fails with a broken pipe, which must end the
/// tool quietly, not with a panic and a backtrace. (Unix only: pipes and
/// processes are stubs on wasm32.)
#[cfg(unix)]
#[test]
fn a_closed_output_pipe_ends_quietly() {
    use std::process::Stdio;

    for args in [
        vec!["list"],
        vec!["run", "sync-chain", "--orders", "20"],
        vec!["mermaid", "hybrid-queue", "--order", "2", "--orders", "3"],
        vec!["check", "pizza"],
        vec!["bench", "--customers", "200", "--orders", "50"],
        vec!["completions", "bash"],
        vec!["run", "--help"],
        vec!["claims", "pizza", "--claim", "accepted-at-once"],
        vec!["compare", "hybrid", "--seeds", "2", "--orders", "5"],
    ] {
        // A pipe whose read end is closed before the tool starts: its first
        // write fails, every time (no race with a reader).
        let (reader, writer) = std::io::pipe().expect("pipe");
        drop(reader);
        let out = Command::new(env!("CARGO_BIN_EXE_orderflow"))
            .args(&args)
            .stdout(writer)
            .stderr(Stdio::piped())
            .output()
            .expect("runs");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.is_empty(), "{args:?} wrote to stderr: {err}");
        assert_eq!(out.status.code(), Some(0), "{args:?}");
    }
}

#[test]
fn async_write_runs_with_every_completion_channel_and_id_source() {
    for completion in ["polling", "callback", "sse", "websocket", "push"] {
        for id in ["server", "client", "id-service"] {
            let args = [
                "run",
                "async-write",
                "--completion",
                completion,
                "--id",
                id,
                "--orders",
                "30",
            ];
            let (code, out, err) = orderflow(&args);
            assert_eq!(code, 0, "{args:?}: {err}");
            let v: serde_json::Value = serde_json::from_str(&out).unwrap();
            // `push` is read as `sse`.
            let mode = if completion == "push" {
                "sse"
            } else {
                completion
            };
            assert_eq!(v["completion"], mode, "{args:?}");
            assert_eq!(v["orders"]["settled"], 30, "{args:?}");
            // Only a run that fetches ids sends the id service anything.
            let ids = v["services"]["ids"]["received"].as_u64().unwrap();
            assert_eq!(ids > 0, id == "id-service", "{args:?}: {ids}");
        }
    }
    let (code, _, err) = orderflow(&["run", "async-write", "--id", "uuid"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("[possible values: server, client, id-service]"),
        "{err}"
    );
}
