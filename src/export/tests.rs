use super::*;
use crate::url_state::UrlState;
use orderflow_sim::{Completion, Scenario};

fn ctrl(query: &str) -> Controller {
    let (url, notices) = UrlState::parse(query);
    assert!(notices.is_empty(), "{notices:?}");
    Controller::from_url(&url, notices)
}

/// A page opened on `query`, once its time cursor is reached.
fn page_at(query: &str) -> Controller {
    let mut c = ctrl(query);
    let mut wall = 0.0;
    while c.seeking() {
        c.tick(wall, 1_000_000);
        wall += 16.0;
    }
    c
}

fn export_of(c: &mut Controller, kind: ExportKind) -> ExportFile {
    export(c, kind, &Palette::default()).unwrap_or_else(|e| panic!("{kind:?}: {e}"))
}

#[test]
fn file_names_carry_preset_seed_and_time() {
    assert_eq!(
        file_name("hybrid-queue", 1, SimTime(12_500_000), "metrics.csv"),
        "hybrid-queue_seed1_t12.500s_metrics.csv"
    );
    assert_eq!(
        file_name("mmc", 42, SimTime(3_007_999), "trace.jsonl"),
        "mmc_seed42_t3.007s_trace.jsonl"
    );
    let mut c = page_at("?preset=pizza&seed=7&t=2500");
    c.select_order(OrderId(3));
    let names: Vec<String> = ExportKind::ALL
        .iter()
        .filter(|k| **k != ExportKind::Png)
        .map(|k| export_of(&mut c, *k).name)
        .collect();
    assert_eq!(
        names,
        [
            "pizza_seed7_t2.500s_order3.mmd",
            "pizza_seed7_t2.500s_trace.jsonl",
            "pizza_seed7_t2.500s_metrics.csv",
            "pizza_seed7_t2.500s_series.csv",
            "pizza_seed7_t2.500s_diagram.svg",
            "pizza_seed7_t2.500s_design.json",
        ]
    );
}

/// `orderflow mermaid` for the same run, computed as the tool does.
fn cli_story(preset: &str, seed: u64, mode: Option<Completion>, order: u64) -> String {
    let model = orderflow_sim::presets::model(preset).unwrap().unwrap();
    let mode = mode.unwrap_or(model.client.completion);
    let mut sim = Sim::with_completion(model.clone(), seed, mode).unwrap();
    let mut story = StoryEvents::new(OrderId(order));
    while !story.settled() && !sim.run_to_end(50_000) {
        story.add(&sim.drain_trace());
    }
    story.add(&sim.drain_trace());
    sequence_diagram(&model, story.events(), OrderId(order))
}

#[test]
fn the_mermaid_story_is_the_command_lines_wherever_the_page_is() {
    // At time zero, in the middle of the run, and after the order ended.
    for t in [0, 4_000, 60_000] {
        let mut c = page_at(&format!("?preset=hybrid-queue&mode=polling&seed=3&t={t}"));
        c.select_order(OrderId(6));
        let f = export_of(&mut c, ExportKind::Mermaid);
        assert_eq!(
            f.text,
            cli_story("hybrid-queue", 3, Some(Completion::Polling), 6),
            "t={t}"
        );
        assert!(f.text.contains("settled"), "{}", f.text);
        assert_eq!(
            f.note,
            "the same text as `orderflow mermaid hybrid-queue --order 6 --seed 3 --completion polling`"
        );
    }
}

#[test]
fn a_mermaid_story_needs_an_order_of_the_run() {
    let mut c = page_at("?preset=sync-chain&orders=20");
    let why = export(&mut c, ExportKind::Mermaid, &Palette::default()).unwrap_err();
    assert!(why.starts_with("select an order first"), "{why}");
    c.select_order(OrderId(21));
    let why = export(&mut c, ExportKind::Mermaid, &Palette::default()).unwrap_err();
    assert_eq!(why, "order: this run has orders 1 to 20, got 21");
}

#[test]
fn with_live_changes_the_story_replays_them_and_says_the_cli_cannot() {
    // Payment down from the start: the story shows the refusals.
    let mut c = page_at("?preset=sync-chain&seed=1&cmds=0:0:down:payment&t=3000");
    c.select_order(OrderId(1));
    let f = export_of(&mut c, ExportKind::Mermaid);
    assert_ne!(f.text, cli_story("sync-chain", 1, None, 1));
    assert!(f.note.contains("cannot replay"), "{}", f.note);
}

#[test]
fn the_trace_is_one_json_object_per_event() {
    let mut c = page_at("?preset=hybrid-queue&seed=1&t=5000");
    let events = c.run().session().store().events().len();
    assert!(events > 100);
    let f = export_of(&mut c, ExportKind::Trace);
    let lines: Vec<&str> = f.text.lines().collect();
    assert_eq!(lines.len(), events);
    for (line, e) in lines.iter().zip(c.run().session().store().events()) {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        // The fields of `orderflow run --trace`, in another order.
        assert_eq!(v, e.to_json(c.run().model()), "{line}");
    }
    assert_eq!(f.note, format!("{events} events"));
}

/// Parses CSV as these exporters write it.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    text.lines()
        .map(|l| {
            let mut fields = vec![String::new()];
            let mut quoted = false;
            let mut chars = l.chars().peekable();
            while let Some(ch) = chars.next() {
                match ch {
                    '"' if quoted && chars.peek() == Some(&'"') => {
                        chars.next();
                        fields.last_mut().unwrap().push('"');
                    }
                    '"' => quoted = !quoted,
                    ',' if !quoted => fields.push(String::new()),
                    ch => fields.last_mut().unwrap().push(ch),
                }
            }
            fields
        })
        .collect()
}

/// `orderflow run`'s report, flattened to `path → value`.
fn report_figures(sim: &Sim) -> Vec<(String, serde_json::Value)> {
    fn walk(path: &str, v: &serde_json::Value, out: &mut Vec<(String, serde_json::Value)>) {
        match v {
            serde_json::Value::Object(m) => {
                for (k, v) in m {
                    let p = if path.is_empty() {
                        k.clone()
                    } else {
                        format!("{path}.{k}")
                    };
                    walk(&p, v, out);
                }
            }
            other => out.push((path.to_owned(), other.clone())),
        }
    }
    let mut out = Vec::new();
    walk("", &orderflow_sim::report::metrics_json(sim), &mut out);
    out
}

#[test]
fn metrics_are_the_command_lines_figures_one_per_row() {
    for query in [
        "?preset=payment-breaker&seed=2&t=20000",
        "?preset=hybrid-queue&seed=1&t=15000&cmds=0:0:down:warehouse",
        "?preset=pizza&seed=3&t=9000",
    ] {
        let mut c = page_at(query);
        let f = export_of(&mut c, ExportKind::Metrics);
        let rows = parse_csv(&f.text);
        assert_eq!(rows[0], ["metric", "value"]);
        assert!(rows.iter().all(|r| r.len() == 2), "{rows:?}");
        let report = report_figures(c.run().session().sim());
        // The same figures, by the same names: none missing, none more.
        let mut ours: Vec<&str> = rows[1..].iter().map(|r| r[0].as_str()).collect();
        let mut theirs: Vec<&str> = report.iter().map(|(k, _)| k.as_str()).collect();
        ours.sort_unstable();
        theirs.sort_unstable();
        assert_eq!(ours, theirs, "{query}");
        for (name, value) in &report {
            let ours = &rows.iter().find(|r| &r[0] == name).unwrap()[1];
            match value {
                serde_json::Value::Number(n) => assert_eq!(
                    ours.parse::<f64>().unwrap(),
                    n.as_f64().unwrap(),
                    "{query}: {name}"
                ),
                serde_json::Value::String(s) => assert_eq!(ours, s, "{query}: {name}"),
                other => assert_eq!(ours, &other.to_string(), "{query}: {name}"),
            }
        }
    }
}

#[test]
fn the_series_has_a_column_per_figure_and_a_row_per_sample() {
    let mut c = page_at("?preset=hybrid-queue&seed=1&t=12500");
    let f = export_of(&mut c, ExportKind::Series);
    let rows = parse_csv(&f.text);
    let m = c.run().model().clone();
    let width = 12 + 2 * m.services.len() + 2 * m.queues.len() + m.breakers.len();
    assert_eq!(rows[0].len(), width);
    assert_eq!(rows[0][0], "t_ms");
    assert!(
        rows[0].contains(&"busy.payment".to_owned()),
        "{:?}",
        rows[0]
    );
    assert!(
        rows[0].contains(&"waiting.warehouse_q".to_owned()),
        "{:?}",
        rows[0]
    );
    assert!(rows.iter().all(|r| r.len() == width));
    // A sample every 500 ms from 0 to 12.5 s.
    let samples = c.run().session().sim().metrics().series.len();
    assert_eq!(samples, 26);
    assert_eq!(rows.len(), 1 + samples);
    assert_eq!(rows[1][0], "0");
    assert_eq!(rows[samples][0], "12500");
    assert_eq!(f.note, "26 samples");
    // Settled orders only grow.
    let completed: Vec<u64> = rows[1..].iter().map(|r| r[2].parse().unwrap()).collect();
    assert!(completed.windows(2).all(|w| w[0] <= w[1]));
    assert_eq!(
        *completed.last().unwrap(),
        c.run().session().sim().metrics().outcomes.completed
    );
}

#[test]
fn the_svg_has_every_node_edge_and_dot_in_flight() {
    let mut c = page_at("?preset=hybrid-queue&seed=1&t=3000&cmds=0:0:down:warehouse");
    let frame = c.frame();
    assert!(!frame.tokens.is_empty());
    let f = export_of(&mut c, ExportKind::Svg);
    let s = &f.text;
    assert!(
        s.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""),
        "{s}"
    );
    assert_eq!(s.matches("<g class=\"diagram__node ").count(), 9);
    let view = &c.run().scene().view;
    for n in &view.nodes {
        assert!(s.contains(&format!("data-node=\"{}\"", n.id)), "{}", n.id);
        assert!(s.contains(&format!(">{}</text>", n.label)), "{}", n.label);
    }
    assert_eq!(
        s.matches("<path class=\"diagram__edge\"").count(),
        view.edges.len()
    );
    assert_eq!(
        s.matches("<circle class=\"token ").count(),
        frame.tokens.len()
    );
    // The warehouse is down, and the picture says so.
    let warehouse = s
        .lines()
        .find(|l| l.contains("data-node=\"warehouse\""))
        .unwrap();
    assert!(warehouse.contains("diagram__node--down"), "{warehouse}");
    assert!(s.contains(">DOWN</text>"));
    // Balanced: every element opened is closed.
    assert_eq!(s.matches("<g").count(), s.matches("</g>").count());
    // The palette comes in as custom properties; nothing else can.
    let dark = Palette::read(|k| (k == "--color-surface").then(|| " #1a2029 ".to_owned()));
    assert!(svg(view, &frame, &dark, None).contains("--color-surface:#1a2029;"));
    let hostile = Palette::read(|_| Some("red}</style><script>".to_owned()));
    assert_eq!(hostile, Palette::default());
}

#[test]
fn the_pngs_svg_carries_its_styles_in_attributes() {
    let mut c = page_at("?preset=hybrid-queue&seed=1&t=3000&cmds=0:0:down:warehouse");
    let f = export_of(&mut c, ExportKind::Png);
    let s = &f.text;
    // No stylesheet and no custom property left for the image to need.
    assert!(!s.contains("<style"), "{s}");
    assert!(!s.contains("var(--"), "{s}");
    let line = |node: &str| {
        s.lines()
            .find(|l| l.contains(&format!("data-node=\"{node}\"")))
            .unwrap()
            .to_owned()
    };
    // A service's box takes its kind's colour; the down warehouse the
    // danger stroke, dashed (the later, more specific rule).
    assert!(
        line("payment").contains("class=\"diagram__box\" x=")
            && line("payment").contains("fill=\"#eef7ee\""),
        "{}",
        line("payment")
    );
    let warehouse = line("warehouse");
    assert!(
        warehouse.contains("stroke-dasharray=\"4 3\""),
        "{warehouse}"
    );
    assert!(!warehouse.contains("fill=\"#eef7ee\""), "{warehouse}");
    // Every dot has a fill; labels a font.
    let dots = s
        .lines()
        .filter(|l| l.starts_with("<circle class=\"token "))
        .count();
    assert!(dots > 0);
    assert_eq!(
        s.lines()
            .filter(|l| l.starts_with("<circle class=\"token ") && l.contains(" fill=\""))
            .count(),
        dots
    );
    assert!(s.contains("<text class=\"diagram__label\""));
    assert!(
        !s.lines()
            .any(|l| l.contains("<text class=\"diagram__label\"")
                && !l.contains("font-size=\"14px\""))
    );
    // The background's colour resolved too, and no tag says a thing twice.
    assert!(s.contains("fill=\"#ffffff\""), "{s}");
    for tag in s.split('<') {
        for a in [
            " fill=\"",
            " stroke=\"",
            " stroke-width=\"",
            " font-size=\"",
        ] {
            assert!(tag.matches(a).count() <= 1, "{tag}");
        }
    }
}

#[test]
fn the_png_is_the_svg_at_twice_its_units() {
    let mut c = page_at("?preset=sync-chain&t=1000");
    let f = export_of(&mut c, ExportKind::Png);
    let [_, _, w, h] = c.run().scene().view.view_box;
    assert_eq!(f.png_size, Some(((w * 2.0) as u32, (h * 2.0) as u32)));
    assert!(
        f.text.contains(&format!("width=\"{}\"", w * 2.0)),
        "{}",
        &f.text[..300]
    );
    assert_eq!(f.mime, "image/png");
}

#[test]
fn the_design_is_the_scenario_with_the_runs_options_and_links_back() {
    let mut c = page_at("?preset=async-write&mode=push&seed=9&orders=33");
    let f = export_of(&mut c, ExportKind::Design);
    let back = Scenario::from_json(&f.text).expect("a valid scenario file");
    let mut expected = orderflow_sim::presets::scenario("async-write").unwrap();
    expected.client.completion = Completion::Push;
    expected.workload.orders = 33;
    assert_eq!(back, expected);
    let link = orderflow_sim::link::preset_link(&back).unwrap();
    // The engine's link opens this very run in the page.
    let (url, notices) = UrlState::parse(&link.query(9));
    assert!(notices.is_empty(), "{notices:?}");
    assert_eq!(
        (url.preset.as_str(), url.mode, url.seed, url.orders),
        ("async-write", Some(Completion::Push), 9, Some(33))
    );
    assert_eq!(
        f.note,
        "`orderflow link <file> --seed 9` prints this run's link"
    );
}

#[test]
fn buttons_and_messages() {
    assert_eq!(
        button_label(ExportKind::Mermaid, Some(OrderId(12))),
        "Order 12's story (Mermaid)"
    );
    assert_eq!(
        button_label(ExportKind::Mermaid, None),
        "Order story (Mermaid): select an order"
    );
    assert_eq!(
        button_label(ExportKind::Series, Some(OrderId(12))),
        "Time series (CSV)"
    );
    let mut c = page_at("?preset=sync-chain&t=1000");
    let f = export_of(&mut c, ExportKind::Svg);
    assert_eq!(
        saved_message(&f),
        "saved sync-chain_seed1_t1.000s_diagram.svg"
    );
    let f = export_of(&mut c, ExportKind::Series);
    assert_eq!(
        saved_message(&f),
        "saved sync-chain_seed1_t1.000s_series.csv: 3 samples"
    );
}

#[test]
fn csv_fields_are_quoted_when_they_must_be() {
    assert_eq!(csv_field("plain"), "plain");
    assert_eq!(csv_field("a,b"), "\"a,b\"");
    assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
    assert_eq!(parse_csv("x,\"a,b\",\"q\"\"\""), [["x", "a,b", "q\""]]);
}

/// Every file as the page gets it from the on-demand worker: the request,
/// the worker's answer (the run replayed from its link) and the reply read.
fn through_worker(c: &Controller, kind: ExportKind, palette: &Palette) -> ExportFile {
    let req = request(c, kind, palette).unwrap_or_else(|e| panic!("{kind:?}: {e}"));
    parse_reply(kind, &answer(&req)).unwrap_or_else(|e| panic!("{kind:?}: {e}"))
}

#[test]
fn the_worker_replays_the_link_to_the_pages_very_state() {
    // A page that got where it is by playing frame by frame at an odd speed,
    // with a fault injected mid-run, a seek back and play again, and a
    // comparison beside it: every file the worker writes from the link is
    // byte for byte the one the live state gives.
    let mut c = page_at("?preset=hybrid-queue&seed=4&speed=0.7");
    c.compare_with("sync-chain");
    let mut wall = 0.0;
    c.toggle();
    while c.run().now() < SimTime::from_millis(1_700) {
        wall += 16.0;
        c.tick(wall, 1_000_000);
    }
    let fault = c.fault_presets()[0].clone();
    c.inject(&fault);
    while c.run().now() < SimTime::from_millis(4_100) {
        wall += 16.0;
        c.tick(wall, 1_000_000);
    }
    c.toggle();
    c.seek(SimTime::from_millis(3_333));
    while c.seeking() {
        wall += 16.0;
        c.tick(wall, 1_000_000);
    }
    c.toggle();
    for _ in 0..7 {
        wall += 16.0;
        c.tick(wall, 1_000_000);
    }
    c.toggle();
    c.select_order(OrderId(5));
    let now = c.run().now();
    assert!(
        now > SimTime::from_millis(3_333) && !now.as_micros().is_multiple_of(1_000),
        "{now}"
    );
    let dark = Palette::read(|k| (k == "--color-surface").then(|| "#1a2029".to_owned()));
    for palette in [Palette::default(), dark] {
        for kind in ExportKind::ALL {
            let live = export(&mut c, kind, &palette).unwrap();
            assert!(!live.text.is_empty(), "{kind:?}");
            assert_eq!(through_worker(&c, kind, &palette), live, "{kind:?}");
        }
    }
    // Tokens mid-flight are part of the picture being compared.
    assert!(!c.frame().tokens.is_empty());
    c.set_reduced_motion(true);
    let live = export(&mut c, ExportKind::Svg, &Palette::default()).unwrap();
    assert_eq!(
        through_worker(&c, ExportKind::Svg, &Palette::default()),
        live
    );
}

#[test]
fn the_worker_replays_a_built_in_comparisons_design_without_its_faults() {
    let mut c = page_at("?cmp=payment-outage&seed=2&t=6000");
    assert!(c.run().no_faults());
    for kind in [ExportKind::Metrics, ExportKind::Design] {
        let live = export(&mut c, kind, &Palette::default()).unwrap();
        assert_eq!(
            through_worker(&c, kind, &Palette::default()),
            live,
            "{kind:?}"
        );
    }
}

#[test]
fn the_worker_says_what_is_wrong_with_a_request() {
    let c = page_at("?preset=sync-chain&orders=20");
    assert_eq!(
        request(&c, ExportKind::Mermaid, &Palette::default()),
        Err(NO_ORDER.to_owned())
    );
    let good = request(&c, ExportKind::Metrics, &Palette::default()).unwrap();
    assert!(parse_reply(ExportKind::Metrics, &answer(&good)).is_ok());
    for bad in [
        "",
        "export",
        "export\n9\n",
        "export\nx\n",
        "export\n2\n\nlate\n",
        "show\nsync-chain\n\n",
    ] {
        let reply = answer(bad);
        assert!(reply.starts_with("err\n"), "{bad:?}: {reply}");
        assert!(parse_reply(ExportKind::Metrics, &reply).is_err());
    }
    // Every line of a good request cut off in turn is refused, not a panic.
    for cut in good.match_indices('\n').map(|(i, _)| i) {
        assert!(answer(&good[..cut]).starts_with("err\n"), "{cut}");
    }
    assert!(parse_reply(ExportKind::Png, "ok\nname").is_err());
    assert!(parse_reply(ExportKind::Png, "garbage").is_err());
}
