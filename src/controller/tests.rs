use super::*;
use orderflow_sim::model::bounds;
use orderflow_sim::trace::TraceHasher;

fn ctrl(query: &str) -> Controller {
    let (url, notices) = UrlState::parse(query);
    Controller::from_url(&url, notices)
}

/// Drives frames of 16 ms from `from_ms` until `to_ms`.
fn play_until(c: &mut Controller, from_ms: f64, to_ms: f64) {
    let mut w = from_ms;
    while w <= to_ms {
        c.tick(w, u64::MAX);
        w += 16.0;
    }
}

/// Ticks until a pending seek or fast-forward is done.
fn settle(c: &mut Controller, budget: u64) {
    for i in 0..10_000 {
        if !c.seeking() && !c.fast_forwarding() {
            return;
        }
        c.tick(f64::from(i) * 16.0, budget);
    }
    panic!("never settled");
}

fn trace_hash(r: &Run) -> u64 {
    let mut h = TraceHasher::default();
    for e in r.session().store().events() {
        h.event(e);
    }
    h.finish()
}

#[test]
fn plays_at_speed_and_draws_tokens() {
    let mut c = ctrl("?preset=sync-chain&speed=2");
    c.toggle();
    play_until(&mut c, 0.0, 1_000.0);
    let t = c.now();
    assert!(
        t > SimTime::from_millis(1_900) && t <= SimTime::from_millis(2_000),
        "{t}"
    );
    let f = c.frame();
    assert!(!f.tokens.is_empty());
    assert!(f.counters.created >= 4);
}

#[test]
fn a_shared_url_reproduces_the_run() {
    let mut a = ctrl("?preset=hybrid-queue&seed=9");
    a.toggle();
    play_until(&mut a, 0.0, 500.0);
    a.set_speed(20.0);
    let warehouse = a.run().model().service_index("warehouse").unwrap();
    a.inject(&FaultPreset {
        label: "Warehouse down for 5 s".into(),
        on: Command::SetUp {
            service: "warehouse".into(),
            up: false,
        },
        off: Command::SetUp {
            service: "warehouse".into(),
            up: true,
        },
        duration: SimTime::from_secs(5),
    });
    assert!(!a.run().session().sim().service(warehouse).up);
    play_until(&mut a, 516.0, 1_500.0);
    a.toggle();
    let q = a.url_state().to_query();
    let counters = a.frame().counters;

    let mut b = ctrl(&q);
    assert!(b.notices().is_empty(), "{:?}", b.notices());
    // The seek to the shared time happens over frames.
    assert!(b.seeking());
    settle(&mut b, 2_000);
    assert_eq!(b.now(), a.now());
    assert_eq!(b.frame().counters, counters);
    assert_eq!(b.run().session().history(), a.run().session().history());
    // The share link leaves embed mode and autoplay out.
    let e = ctrl(&format!("{q}&embed=1&autoplay=1"));
    assert!(e.url_state().to_query().contains("embed=1"));
    assert_eq!(e.share_query(), ctrl(&q).share_query());
}

#[test]
fn a_malformed_url_falls_back_with_notices() {
    let c = ctrl("?preset=nonsense&mode=fax&speed=-3&cmds=garbage");
    assert_eq!(c.run().preset(), crate::url_state::DEFAULT_PRESET);
    assert!(c.notices().len() >= 3, "{:?}", c.notices());
    let c = ctrl("?preset=sync-chain&mode=polling");
    assert_eq!(c.run().session().mode(), Completion::Sync);
    assert!(c.notices()[0].starts_with("mode:"), "{:?}", c.notices());
    // A command for a service this preset does not have reads well but
    // the pattern cannot take it: it is named and left out, the rest of
    // the link's commands apply.
    let mut c = ctrl("?preset=mmc&cmds=0:0:down:warehouse~0:0:lat:server:2");
    assert_eq!(
        c.notices(),
        ["cmds[0] (0:0:down:warehouse): service: no service \"warehouse\"; ignored"]
    );
    assert_eq!(c.run().session().history().len(), 1);
    c.tick(0.0, u64::MAX);
    c.step();
    assert_eq!(
        c.run().session().history().len(),
        1,
        "the other one applied"
    );
    assert!(c.run().session().sim().events_processed() > 0);
    // A position the run passes at a later time than recorded cannot be
    // replayed: named once the replay gets there.
    let mut c = ctrl("?preset=mmc&orders=3&cmds=4:0:lat:server:2");
    assert!(c.notices().is_empty());
    for _ in 0..6 {
        c.step();
    }
    assert!(c.run().session().history().is_empty());
    assert_eq!(c.notices().len(), 1, "{:?}", c.notices());
    assert!(
        c.notices()[0].starts_with("cmds: \"server latency ×2\" recorded after 4 events"),
        "{:?}",
        c.notices()
    );
}

#[test]
fn step_processes_one_event_and_pauses() {
    let mut c = ctrl("?preset=sync-chain");
    c.step();
    assert_eq!(c.run().session().sim().events_processed(), 1);
    assert!(!c.playback().is_playing());
    c.tick(0.0, u64::MAX);
    c.step();
    c.step();
    assert_eq!(c.run().session().sim().events_processed(), 3);
    assert!(
        !c.frame().tokens.is_empty(),
        "the order request is on its way"
    );
}

#[test]
fn seek_back_then_forward_gives_the_same_counters() {
    let mut c = ctrl("?preset=fire-and-forget&speed=50");
    c.toggle();
    play_until(&mut c, 0.0, 800.0);
    c.toggle();
    let at = c.now();
    let counters = c.frame().counters;
    c.seek(SimTime::from_secs(3));
    c.tick(900.0, u64::MAX);
    assert_eq!(c.now(), SimTime::from_secs(3));
    assert_ne!(c.frame().counters, counters);
    c.seek(at);
    c.tick(1_000.0, u64::MAX);
    assert_eq!(c.frame().counters, counters);
}

#[test]
fn fast_forward_reports_progress_and_finishes() {
    let mut c = ctrl("?preset=hybrid-queue&orders=3000");
    c.fast_forward(2_000);
    assert_eq!(c.ff_progress(), Some(0.0));
    let mut frames = 0;
    while c.fast_forwarding() {
        c.tick(f64::from(frames) * 16.0, 20_000);
        frames += 1;
        assert!(frames < 1_000);
    }
    assert!(frames > 1, "in slices");
    assert!(c.run().session().sim().orders_started() >= 2_000);
    assert!(c.message().unwrap().starts_with("fast-forwarded"));
    assert!(!c.seeking(), "one run has nothing to catch up");
}

#[test]
fn a_refused_command_says_why() {
    let mut c = ctrl("?preset=sync-chain");
    c.apply(Command::SetReplicas {
        service: "payment".into(),
        replicas: 0,
    });
    assert!(c.message().unwrap().starts_with("not applied: replicas"));
    assert!(c.run().session().history().is_empty());
}

#[test]
fn fault_presets_fit_the_scenario() {
    let c = ctrl("?preset=payment-breaker");
    let labels: Vec<String> = c.fault_presets().into_iter().map(|p| p.label).collect();
    assert!(
        labels
            .iter()
            .any(|l| l.starts_with("Payment provider outage"))
    );
    let c = ctrl("?preset=mmc");
    assert!(c.fault_presets().is_empty());
    let node = |id: &str| c.run().model().service_index(id).unwrap();
    assert_eq!(c.node_fault_presets(node("server")).len(), 3);
    assert!(
        c.node_fault_presets(node("client")).is_empty(),
        "not for the client"
    );
    assert_eq!(c.design_view().faults, c.fault_presets());
}

#[test]
fn loading_another_preset_resets_and_bad_choices_keep_the_run() {
    let mut c = ctrl("?preset=sync-chain&autoplay=1");
    c.toggle_node(c.run().model().service_index("payment").unwrap());
    assert!(c.selected_node().is_some());
    c.load(&UrlState {
        preset: "pizza".into(),
        mode: Some(Completion::Push),
        seed: 3,
        ..UrlState::default()
    });
    assert_eq!(
        (c.run().preset(), c.run().session().mode()),
        ("pizza", Completion::Push)
    );
    assert!(!c.playback().is_playing() && c.selected_node().is_none());
    assert!(!c.url_state().autoplay);
    c.load(&UrlState {
        preset: "pizza".into(),
        mode: Some(Completion::Sync),
        seed: 3,
        ..UrlState::default()
    });
    assert_eq!(
        c.run().session().mode(),
        Completion::Push,
        "pizza has no sync mode"
    );
    assert!(c.message().unwrap().contains("does not support"));
}

#[test]
fn changing_mode_or_seed_keeps_the_other_choices() {
    let mut c = ctrl("?preset=async-write&orders=60&seed=3");
    c.set_mode(Completion::Callback);
    assert_eq!(c.run().model().orders, 60);
    assert_eq!(c.run().session().mode(), Completion::Callback);
    c.set_seed(9);
    assert_eq!((c.run().model().orders, c.run().session().seed()), (60, 9));
    assert_eq!(c.run().session().mode(), Completion::Callback);
    c.set_orders(20);
    assert_eq!(c.run().model().orders, 20);
    assert_eq!(c.run().session().mode(), Completion::Callback);
    c.set_preset("hybrid");
    assert_eq!(c.run().preset(), "hybrid");
    assert_eq!(c.run().session().seed(), 9);
    assert_ne!(
        c.run().model().orders,
        20,
        "a new pattern starts from its own defaults"
    );
    // An impossible choice keeps the run and says why.
    c.set_mode(Completion::Sync);
    c.set_preset("no-such-preset");
    assert_eq!(c.run().preset(), "hybrid");
    assert!(c.message().unwrap_or("").contains("no-such-preset"));
}

#[test]
fn every_change_of_choice_keeps_the_links_id_source() {
    let mut c = ctrl("?preset=async-write&id=id-service&seed=3");
    let id = |c: &Controller| c.run().session().options().id_source;
    assert_eq!(id(&c), IdSource::IdService);
    c.set_mode(Completion::Callback);
    assert_eq!(id(&c), IdSource::IdService, "mode");
    c.set_seed(9);
    assert_eq!(id(&c), IdSource::IdService, "seed");
    c.set_orders(20);
    assert_eq!(id(&c), IdSource::IdService, "orders");
    assert_eq!(
        c.url_state().to_query(),
        "?preset=async-write&mode=callback&id=id-service&seed=9&orders=20"
    );
    c.set_id_source(IdSource::Client);
    assert_eq!(
        (id(&c), c.run().session().mode(), c.run().model().orders),
        (IdSource::Client, Completion::Callback, 20),
        "the other choices stay"
    );
    // A new pattern starts from its own defaults.
    c.set_preset("pizza");
    assert_eq!((id(&c), c.url_state().id), (IdSource::Server, None));
    // An id source the pattern cannot take keeps the run and says why.
    c.set_id_source(IdSource::IdService);
    assert_eq!(id(&c), IdSource::Server);
    assert_eq!(
        c.message(),
        Some("id: pizza has no id service; using \"server\"")
    );
}

#[test]
fn the_id_service_is_drawn_only_when_the_ids_come_from_it() {
    let shown = |c: &Controller| {
        let d = c.design_view();
        let ids = c.run().model().service_index("ids").unwrap();
        d.diagram.nodes[ids].shown
    };
    let mut c = ctrl("?preset=async-write");
    assert!(!shown(&c));
    let g = c.generation();
    c.set_id_source(IdSource::IdService);
    assert!(shown(&c));
    assert!(c.generation() > g, "the diagram is redrawn");
    assert!(
        c.design_view()
            .diagram
            .edges
            .iter()
            .any(|e| e.key == "client->ids")
    );
    c.set_id_source(IdSource::Client);
    assert!(!shown(&c));
    assert!(
        !c.design_view()
            .diagram
            .edges
            .iter()
            .any(|e| e.key.contains("ids"))
    );
}

#[test]
fn every_rebuild_of_the_model_bumps_the_generation() {
    let mut c = ctrl("?preset=async-write&seed=3");
    let mut last = c.generation();
    let mut bumped = |c: &Controller| {
        let g = c.generation();
        let changed = g != last;
        last = g;
        changed
    };
    // Same preset and seed, only the order count or the mode changes:
    // the model is rebuilt all the same.
    c.set_orders(40);
    assert!(bumped(&c), "orders");
    c.set_mode(Completion::Callback);
    assert!(bumped(&c), "mode");
    c.set_seed(4);
    assert!(bumped(&c), "seed");
    c.set_preset("hybrid");
    assert!(bumped(&c), "preset");
    assert_eq!(c.design_view().generation, c.generation());
    // Nothing rebuilt: no bump.
    c.set_preset("no-such-preset");
    c.enter_seed("x");
    c.toggle();
    c.step();
    c.apply(Command::SetUp {
        service: "payment".into(),
        up: false,
    });
    assert!(!bumped(&c));
}

#[test]
fn typed_values_are_used_or_refused_in_words() {
    let mut c = ctrl("?preset=sync-chain&seed=5");
    c.enter_seed("seven");
    assert_eq!(c.message(), Some("seed: must be a whole number"));
    assert_eq!(c.run().session().seed(), 5);
    c.enter_seed(" 7 ");
    assert_eq!(c.run().session().seed(), 7);
    c.enter_orders("0");
    assert!(c.message().unwrap().starts_with("orders: must be"));
    c.enter_orders("12");
    assert_eq!(c.run().model().orders, 12);
    c.enter_order("o#3");
    assert_eq!(c.selected_order(), Some(OrderId(3)));
    c.enter_order("nobody");
    assert_eq!(c.selected_order(), Some(OrderId(3)));
}

#[test]
fn node_controls_become_commands_within_the_engines_bounds() {
    let mut c = ctrl("?preset=hybrid-queue");
    let id = |c: &Controller, s: &str| c.run().model().service_index(s).unwrap();
    let payment = id(&c, "payment");
    c.toggle_node(payment);
    assert_eq!(c.selected_node(), Some(payment));
    c.toggle_node(payment);
    assert_eq!(c.selected_node(), None);

    c.toggle_service(payment);
    assert_eq!(c.message(), Some("applied: payment down"));
    c.toggle_service(payment);
    assert_eq!(c.message(), Some("applied: payment up"));
    c.set_latency_factor(payment, 5.0);
    c.set_error_rate(payment, 0.35);
    c.set_drop_rate(payment, 0.1);
    let v = c.run().session().sim().service(payment);
    assert_eq!(
        (v.latency_factor, v.error_rate, v.drop_rate),
        (5.0, 0.35, 0.1)
    );

    let replicas = |c: &Controller| c.run().session().sim().service(payment).replicas;
    let before = replicas(&c);
    c.add_replicas(payment, 1);
    assert_eq!(replicas(&c), before + 1);
    c.add_replicas(payment, -100);
    assert_eq!(replicas(&c), 1);
    // Past the old cap of 64, up to the engine's own.
    c.add_replicas(payment, 99);
    assert_eq!(replicas(&c), 100);
    c.add_replicas(payment, 1_000);
    assert_eq!(replicas(&c), bounds::REPLICAS);
    c.add_replicas(payment, 1);
    assert_eq!(replicas(&c), bounds::REPLICAS);

    c.restart_broker();
    assert_eq!(c.message(), Some("applied: broker restart (2000 ms down)"));
    // No such node: nothing happens.
    let commands = c.run().session().history().len();
    c.set_error_rate(ServiceId::from_index(99).unwrap(), 0.5);
    assert_eq!(c.run().session().history().len(), commands);
    assert_eq!(
        c.node_controls(id(&c, "broker")).unwrap().restart_label,
        "Restart the broker (2 s down)"
    );
}

/// Two runs of the same design under one playback: whatever the
/// transport does, they process the same events and show the same
/// picture at the same instant.
#[test]
fn two_runs_of_one_preset_stay_in_lock_step() {
    let query = "?preset=hybrid-queue&seed=4&orders=400";
    let mut c = ctrl(query);
    c.add_run(&UrlState::parse(query).0, false).unwrap();
    assert_eq!(c.runs().len(), 2);
    let in_step = |c: &mut Controller, what: &str| {
        let (a, b) = (&c.runs()[0], &c.runs()[1]);
        assert_eq!(a.now(), b.now(), "{what}: time");
        assert_eq!(
            a.session().sim().events_processed(),
            b.session().sim().events_processed(),
            "{what}: events"
        );
        assert_eq!(trace_hash(a), trace_hash(b), "{what}: trace");
        let min_display = c.min_display();
        let frames: Vec<Frame> = c
            .runs
            .iter_mut()
            .map(|r| r.frame(min_display, false))
            .collect();
        assert_eq!(frames[0], frames[1], "{what}: picture");
    };

    c.toggle();
    play_until(&mut c, 0.0, 500.0);
    assert!(c.now() > SimTime::ZERO);
    in_step(&mut c, "play");
    c.set_speed(50.0);
    // A small budget runs out in the middle of frames.
    for i in 0..40 {
        c.tick(516.0 + f64::from(i) * 16.0, 300);
    }
    in_step(&mut c, "play on a budget");
    c.toggle();
    for _ in 0..5 {
        c.step();
    }
    in_step(&mut c, "step");
    let at = c.now();
    c.seek(SimTime::from_secs(2));
    settle(&mut c, 1_000);
    assert_eq!(c.now(), SimTime::from_secs(2));
    in_step(&mut c, "seek back");
    c.seek(at);
    settle(&mut c, 1_000);
    in_step(&mut c, "seek forward");
    c.fast_forward(100);
    settle(&mut c, 5_000);
    in_step(&mut c, "fast-forward");
    c.restart();
    settle(&mut c, 1_000);
    assert_eq!(c.now(), SimTime::ZERO);
    in_step(&mut c, "restart");
}

/// Two different designs share one clock: every transport action leaves
/// both at the same instant.
#[test]
fn two_designs_share_one_clock() {
    let mut c = ctrl("?preset=sync-chain&seed=2");
    c.add_run(&UrlState::parse("?preset=hybrid-queue&seed=2").0, false)
        .unwrap();
    let same_time = |c: &Controller, what: &str| {
        let times: Vec<SimTime> = c.runs().iter().map(Run::now).collect();
        assert_eq!(times[0], times[1], "{what}");
    };
    c.toggle();
    play_until(&mut c, 0.0, 700.0);
    same_time(&c, "play");
    c.toggle();
    // A step processes the earliest event of either run.
    let events = |c: &Controller| -> u64 {
        c.runs()
            .iter()
            .map(|r| r.session().sim().events_processed())
            .sum()
    };
    let before = events(&c);
    c.step();
    assert!(events(&c) > before);
    same_time(&c, "step");
    c.seek(SimTime::from_millis(1_234));
    settle(&mut c, u64::MAX);
    same_time(&c, "seek");
    assert_eq!(c.now(), SimTime::from_millis(1_234));
    // Each runs 50 more orders; they reach them at different times, and
    // the earlier one catches up with the later.
    c.fast_forward(50);
    settle(&mut c, 5_000);
    same_time(&c, "fast-forward");
    assert!(
        c.runs()
            .iter()
            .all(|r| r.session().sim().orders_started() >= 50)
    );
    // A run added later joins at the others' time.
    c.add_run(&UrlState::parse("?preset=mmc").0, false).unwrap();
    settle(&mut c, u64::MAX);
    assert_eq!(c.runs()[2].now(), c.runs()[0].now());
    let unknown = UrlState {
        preset: "nope".into(),
        ..UrlState::default()
    };
    assert_eq!(
        c.add_run(&unknown, false),
        Err("preset: unknown preset \"nope\"".into())
    );
    assert_eq!(c.runs().len(), 3);
}

fn delta_cell(t: &DeltaTable, metric: &str, design: usize) -> crate::compare_view::DeltaCell {
    t.headline
        .iter()
        .find(|r| r.name == metric)
        .unwrap_or_else(|| panic!("no row {metric}"))
        .cells[design]
        .clone()
}

/// The first built-in comparison: three designs, one outage at the same
/// moment in each, the chain answering later than the hybrid; its share
/// link gives the same figures.
#[test]
fn a_built_in_comparison_runs_and_its_link_reproduces_it() {
    let mut c = ctrl("?preset=mmc&seed=4");
    c.open_built_in("payment-outage");
    let labels: Vec<String> = c.runs().iter().map(|r| r.label().to_owned()).collect();
    assert_eq!(labels, ["Synchronous chain", "Fire-and-forget", "Hybrid"]);
    assert!(c.runs().iter().all(|r| r.session().seed() == 4));
    c.seek(SimTime::from_secs(20));
    settle(&mut c, 50_000);
    let payment_up = |r: &Run| {
        let p = r.model().service_index("payment").unwrap();
        r.session().sim().service(p).up
    };
    assert!(
        c.runs().iter().all(|r| !payment_up(r)),
        "payment down in all three"
    );
    c.seek(SimTime::from_secs(90));
    settle(&mut c, 50_000);
    assert!(c.runs().iter().all(payment_up));
    let t = c.delta_table().unwrap();
    assert_eq!(t.designs, labels);
    assert_eq!(t.seeds, 1);
    let hybrid = delta_cell(&t, "latency.response.mean_ms", 2);
    assert_eq!(hybrid.mark, crate::compare_view::Mark::Better, "{hybrid:?}");
    assert!(hybrid.versus.starts_with('−'), "{hybrid:?}");

    let query = c.share_query();
    assert!(query.contains("cmp=payment-outage"), "{query}");
    assert!(query.contains("vs=fire-and-forget~hybrid"), "{query}");
    let mut d = ctrl(&query);
    assert!(d.notices().is_empty(), "{:?}", d.notices());
    settle(&mut d, 50_000);
    assert_eq!(d.runs().iter().map(Run::label).collect::<Vec<_>>(), labels);
    assert_eq!(
        d.delta_table().unwrap(),
        t,
        "identical figures from the link"
    );
}

#[test]
fn commands_go_to_every_design_that_can_take_them() {
    let mut c = ctrl("?preset=hybrid");
    c.apply(Command::SetUp {
        service: "payment".into(),
        up: false,
    });
    c.compare_with("sync-chain");
    assert_eq!(c.runs().len(), 2);
    assert_eq!(
        c.runs()[1].spec().commands.len(),
        1,
        "the new design gets the first's command at its time"
    );
    c.apply(Command::SetUp {
        service: "status".into(),
        up: false,
    });
    let said = c.message().unwrap();
    assert!(said.starts_with("applied: status down"), "{said}");
    assert!(said.contains("sync-chain: not applied"), "{said}");
    c.compare_with(COPY);
    assert_eq!(c.runs()[2].label(), "hybrid (copy)");
    c.compare_with("mmc");
    assert!(c.message().unwrap().starts_with("at most 3"));
    c.remove_design(1);
    assert_eq!(c.runs().len(), 2);
    assert_eq!(c.runs()[1].label(), "hybrid (copy)");
}

/// Each built-in opened by its short link (`cmp=`, seed, time): the
/// figure its sentence leads with, per design, as the page shows it.
/// e2e/compare-builtins.spec.ts expects the same texts.
#[test]
fn each_built_in_by_its_link_shows_its_first_figure() {
    let cases: [(&str, u64, &[&str]); 6] = [
        ("payment-outage", 60_000, &["377 ms", "7.6 ms", "287 ms"]),
        (
            "completion-channels",
            60_000,
            &["549 ms", "1.3 ms", "45.4 ms"],
        ),
        ("breaker-hanging-provider", 60_000, &["78", "0", "0"]),
        ("competing-workers", 90_000, &["46.7 s", "21.4 s"]),
        ("retry-storm", 30_000, &["7437", "26"]),
        ("surge-cost", 60_000, &["540.0 s", "480.0 s"]),
    ];
    for (id, t_ms, expected) in cases {
        let mut c = ctrl(&format!("?cmp={id}&seed=1&t={t_ms}"));
        assert!(c.notices().is_empty(), "{id}: {:?}", c.notices());
        settle(&mut c, 500_000);
        assert_eq!(c.now(), SimTime::from_millis(t_ms), "{id}");
        let b = comparisons::built_in(id).unwrap();
        let t = c.delta_table().unwrap();
        let labels: Vec<&str> = b.designs.iter().map(|d| d.label).collect();
        assert_eq!(t.designs, labels, "{id}");
        let row = &t.headline[0];
        assert_eq!(row.name, b.figures[0], "{id}");
        let values: Vec<&str> = row.cells.iter().map(|c| c.value.as_str()).collect();
        assert_eq!(values, expected, "{id}");
    }
}

/// A design beside the first, edited by link (`d2=`), runs as the
/// same design does when it is the first (`d=`), and the share link
/// keeps its edits.
#[test]
fn an_edited_design_beside_the_first_runs_as_it_does_alone() {
    let d = "f.order.place.2.mode:publish";
    let mut pair = ctrl(&format!("?preset=surge&seed=4&vs=surge&d2={d}"));
    let mut alone = ctrl(&format!("?preset=surge&seed=4&d={d}"));
    assert!(pair.notices().is_empty(), "{:?}", pair.notices());
    assert!(pair.runs()[0].edits().is_empty());
    assert_eq!(pair.runs()[1].edits(), alone.run().edits());
    for c in [&mut pair, &mut alone] {
        c.seek(SimTime::from_secs(20));
        settle(c, 200_000);
    }
    assert_eq!(pair.runs()[1].stats(), alone.run().stats());
    assert_ne!(pair.runs()[0].stats(), pair.runs()[1].stats());
    assert!(
        pair.share_query().contains(&format!("&d2={d}")),
        "{}",
        pair.share_query()
    );
}

#[test]
fn every_built_in_opens_and_its_link_keeps_the_edits_and_figures() {
    for b in comparisons::BUILT_IN {
        let mut c = ctrl("?preset=sync-chain&seed=7");
        c.open_built_in(b.id);
        assert_eq!(c.runs().len(), b.designs.len(), "{}", b.id);
        for (run, d) in c.runs().iter().zip(b.designs) {
            let edits = orderflow_sim::design::text::parse(d.edits).unwrap();
            assert_eq!(
                (run.label(), run.edits(), run.no_faults()),
                (d.label, &edits[..], d.no_faults),
                "{}",
                b.id
            );
        }
        c.seek(SimTime::from_secs(20));
        settle(&mut c, 200_000);
        let query = c.share_query();
        let mut back = ctrl(&query);
        assert!(back.notices().is_empty(), "{}: {:?}", b.id, back.notices());
        settle(&mut back, 200_000);
        assert_eq!(back.now(), SimTime::from_secs(20), "{}", b.id);
        for (a, z) in c.runs().iter().zip(back.runs()) {
            assert_eq!(
                (a.edits(), a.no_faults()),
                (z.edits(), z.no_faults()),
                "{}",
                b.id
            );
            assert_eq!(a.stats(), z.stats(), "{}: {query}", b.id);
        }
    }
}

/// "Run N seeds": the worker's results, fed in, become intervals; a
/// changed design makes the table fall back to the runs on screen.
#[test]
fn seeds_results_fill_the_table_until_the_designs_change() {
    let mut c = ctrl("?preset=sync-chain&orders=30");
    c.compare_with("hybrid");
    let text = c.start_seeds(3).unwrap();
    assert_eq!(c.seeds_progress(), Some(0.0));
    let job = SeedsJob::parse(&text).unwrap();
    for (k, seed) in job.seed_list().into_iter().enumerate() {
        for (i, spec) in job.designs.iter().enumerate() {
            let design = spec.design().unwrap();
            let figs = compare::run_design_with(&design, seed, &spec.commands).unwrap();
            let values: Vec<f64> = figs.iter().map(|(_, v)| *v).collect();
            c.seeds_received(i, k, &values);
        }
    }
    assert_eq!(c.seeds_progress(), None);
    let t = c.delta_table().unwrap();
    assert_eq!(t.seeds, 3);
    assert!(
        delta_cell(&t, "latency.response.mean_ms", 1)
            .value
            .contains(" ± ")
    );
    c.apply(Command::SetUp {
        service: "payment".into(),
        up: false,
    });
    assert_eq!(c.delta_table().unwrap().seeds, 1);
}
