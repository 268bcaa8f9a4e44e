//! Tests of the parent module.

use super::*;
use crate::url_state::UrlState;

fn obj(fields: &[(&str, Data)]) -> Data {
    Data::Object(
        fields
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect(),
    )
}

fn text(s: &str) -> Data {
    Data::Text(s.into())
}

fn msg(ty: &str, fields: &[(&str, Data)]) -> Data {
    let mut all = vec![("type", text(ty))];
    all.extend_from_slice(fields);
    obj(&all)
}

/// Parses a host message that must be valid.
fn host(data: Data) -> HostMessage {
    match parse(&data) {
        Ok(Incoming::Host(m)) => m,
        other => panic!("{data:?}: {other:?}"),
    }
}

/// The reason a message is refused.
fn refused(data: Data) -> String {
    parse(&data).expect_err(&format!("{data:?} parsed"))
}

#[test]
fn every_message_kind_parses() {
    assert_eq!(
        host(msg(
            "orderflow:load",
            &[
                ("preset", text("async-write")),
                ("mode", text("push")),
                ("id", text("id-service")),
                ("seed", Data::Num(7.0)),
                ("orders", Data::Num(40.0)),
            ]
        )),
        HostMessage::Load(LoadRequest {
            preset: "async-write".into(),
            design: vec![],
            mode: Some(Completion::Push),
            id: Some(IdSource::IdService),
            seed: 7,
            orders: Some(40),
        })
    );
    // Options left out: the preset's own, seed 1 as in a link.
    assert_eq!(
        host(msg("orderflow:load", &[("preset", text("pizza"))])),
        HostMessage::Load(LoadRequest {
            preset: "pizza".into(),
            design: vec![],
            mode: None,
            id: None,
            seed: 1,
            orders: None,
        })
    );
    assert_eq!(host(msg("orderflow:play", &[])), HostMessage::Play);
    assert_eq!(host(msg("orderflow:pause", &[])), HostMessage::Pause);
    assert_eq!(host(msg("orderflow:get-state", &[])), HostMessage::GetState);
    assert_eq!(
        host(msg("orderflow:seek", &[("t_ms", Data::Num(12_500.25))])),
        HostMessage::Seek(SimTime(12_500_250))
    );
    assert_eq!(
        host(msg("orderflow:speed", &[("speed", Data::Num(10.0))])),
        HostMessage::Speed(10.0)
    );
    assert_eq!(
        host(msg("orderflow:select", &[("order", Data::Num(3.0))])),
        HostMessage::Select(3)
    );
}

#[test]
fn malformed_messages_name_the_message_and_the_field() {
    for (data, expected) in [
        (Data::Num(3.0), "not an Orderflow message: got a number"),
        (obj(&[]), "not an Orderflow message: no type"),
        (
            msg("play", &[]),
            "type \"play\" does not start with \"orderflow:\"",
        ),
        (obj(&[("type", Data::Num(1.0))]), "type is a number"),
        (
            msg("orderflow:fly", &[]),
            "unknown message type \"orderflow:fly\" (known: orderflow:load",
        ),
        (msg("orderflow:state", &[]), "what the playground posts"),
        (
            msg("orderflow:play", &[("now", Data::Bool(true))]),
            "orderflow:play: unknown field \"now\" (this message has no fields)",
        ),
        (msg("orderflow:seek", &[]), "orderflow:seek: t_ms: missing"),
        (
            msg("orderflow:seek", &[("t", Data::Num(5.0))]),
            "orderflow:seek: unknown field \"t\" (known: t_ms)",
        ),
        (
            msg("orderflow:seek", &[("t_ms", text("5000"))]),
            "orderflow:seek: t_ms: expected a number, got text",
        ),
        (
            msg("orderflow:seek", &[("t_ms", Data::Num(-1.0))]),
            "t_ms: must be a number from 0 to 604800000, got -1",
        ),
        (
            msg("orderflow:seek", &[("t_ms", Data::Num(f64::NAN))]),
            "t_ms: must be a number from 0",
        ),
        (
            msg("orderflow:speed", &[("speed", Data::Num(5000.0))]),
            "orderflow:speed: speed: must be a number from 0.1 to 1000",
        ),
        (
            msg("orderflow:select", &[("order", Data::Num(2.5))]),
            "orderflow:select: order: must be a whole number from 1",
        ),
        (
            msg("orderflow:select", &[("order", Data::Num(0.0))]),
            "must be a whole number from 1 to 1000000, got 0",
        ),
        (
            msg("orderflow:select", &[]),
            "orderflow:select: order: missing",
        ),
        (
            msg("orderflow:load", &[]),
            "orderflow:load: preset: missing",
        ),
        (
            msg("orderflow:load", &[("preset", text("nope"))]),
            "orderflow:load: preset: unknown preset \"nope\" (known: sync-chain,",
        ),
        (
            msg(
                "orderflow:load",
                &[("preset", text("pizza")), ("mode", text("pigeon"))],
            ),
            "orderflow:load: mode: unknown completion mode \"pigeon\"",
        ),
        (
            msg(
                "orderflow:load",
                &[("preset", text("pizza")), ("seed", Data::Num(-3.0))],
            ),
            "orderflow:load: seed: must be a whole number from 0",
        ),
        (
            msg(
                "orderflow:load",
                &[("preset", text("pizza")), ("orders", Data::Num(2e6))],
            ),
            "orderflow:load: orders: must be a whole number from 1 to 1000000",
        ),
        (
            msg(
                "orderflow:load",
                &[("preset", text("pizza")), ("design", obj(&[]))],
            ),
            "orderflow:load: design: expected text, got an object",
        ),
        (
            msg(
                "orderflow:load",
                &[
                    ("preset", text("pizza")),
                    ("design", text("s.payment.replicas")),
                ],
            ),
            "orderflow:load: design: d[0]: \"s.payment.replicas\" has no value",
        ),
        (text("hello"), "not an Orderflow message: text \"hello\""),
        (
            text("[iFrameSizer]pageInfo:{}"),
            "iframe-resizer message \"pageInfo\" is not supported",
        ),
    ] {
        let why = refused(data.clone());
        assert!(
            why.contains(expected),
            "{data:?}: {why:?} lacks {expected:?}"
        );
    }
}

#[test]
fn iframe_resizer_messages_and_answers() {
    let init = "[iFrameSizer]guide-frame:8:false:false:32:true:true::documentElementBoundingClientRect:::0:false:child:scroll:true:0:0";
    let m = match parse(&text(init)) {
        Ok(Incoming::Resizer(m)) => m,
        other => panic!("{other:?}"),
    };
    assert_eq!(
        m,
        ResizerMessage::Init {
            id: "guide-frame".into()
        }
    );
    let mut r = Resizer::default();
    // Nothing to answer before the parent named the iframe.
    assert_eq!(r.size_text(500.0, 300.0, "init"), None);
    assert!(
        r.on_message(&ResizerMessage::Resize)
            .unwrap_err()
            .contains("before its init")
    );
    assert_eq!(r.on_message(&m), Ok("init"));
    assert_eq!(
        r.size_text(512.2, 799.5, "init").as_deref(),
        Some("[iFrameSizer]guide-frame:513:800:init")
    );
    let resize = parse(&text("[iFrameSizer]resize")).unwrap();
    assert_eq!(resize, Incoming::Resizer(ResizerMessage::Resize));
    assert_eq!(r.on_message(&ResizerMessage::Resize), Ok("resizeParent"));
    assert_eq!(r.on_message(&ResizerMessage::Reset), Ok("reset"));
    assert!(refused(text("[iFrameSizer]:8:false")).contains("id must be 1 to 128"));
}

#[test]
fn the_origin_rule_filters_both_ways() {
    let any = OriginRule::of_param(None);
    assert!(any.accepts("https://anywhere.example"));
    assert_eq!(any.target(), Some("*"));

    let only = OriginRule::of_param(Some("https://Docs.Example.org/"));
    assert_eq!(only, OriginRule::Only("https://docs.example.org".into()));
    assert!(only.accepts("https://docs.example.org"));
    assert!(!only.accepts("https://docs.example.org.evil.test"));
    assert!(!only.accepts("http://docs.example.org"));
    assert!(!only.accepts("null"));
    assert_eq!(only.target(), Some("https://docs.example.org"));
    assert_eq!(
        OriginRule::of_param(Some("http://127.0.0.1:8943")),
        OriginRule::Only("http://127.0.0.1:8943".into())
    );

    // Not an origin: the API listens to nobody rather than to everyone.
    for bad in [
        "docs.example.org",
        "https://x.org/path",
        "https://x.org:99999",
        "*",
        "",
    ] {
        let rule = OriginRule::of_param(Some(bad));
        assert_eq!(rule, OriginRule::Nobody, "{bad}");
        assert!(!rule.accepts("https://x.org"));
        assert_eq!(rule.target(), None);
        assert!(
            check_origin(bad).unwrap_err().contains("is not an origin"),
            "{bad}"
        );
    }
}

fn ctrl(query: &str) -> Controller {
    let (url, notices) = UrlState::parse(query);
    assert!(notices.is_empty(), "{notices:?}");
    Controller::from_url(&url, notices)
}

/// Ticks frames of 16 ms until nothing is being worked through.
fn settle(c: &mut Controller) {
    let mut wall = 0.0;
    while c.seeking() {
        c.tick(wall, 100_000);
        wall += 16.0;
    }
}

#[test]
fn requests_drive_the_page() {
    let mut c = ctrl("?preset=hybrid-queue&seed=1");
    apply(&HostMessage::Seek(SimTime::from_millis(10_000)), &mut c).unwrap();
    settle(&mut c);
    let at_10s = StateEvent::of(&mut c);
    assert_eq!(at_10s.t, SimTime::from_millis(10_000));
    assert!(!at_10s.playing && !at_10s.seeking);
    // The same figures as a page opened on the link with t=10000.
    let mut linked = ctrl("?preset=hybrid-queue&seed=1&t=10000");
    settle(&mut linked);
    assert_eq!(StateEvent::of(&mut linked), at_10s);
    assert!(at_10s.counters.completed > 0);

    apply(&HostMessage::Play, &mut c).unwrap();
    apply(&HostMessage::Play, &mut c).unwrap();
    assert!(c.playback().is_playing(), "play twice is still playing");
    apply(&HostMessage::Pause, &mut c).unwrap();
    assert!(!c.playback().is_playing());
    apply(&HostMessage::Speed(25.0), &mut c).unwrap();
    assert_eq!(c.playback().speed(), 25.0);
    apply(&HostMessage::Select(3), &mut c).unwrap();
    assert_eq!(StateEvent::of(&mut c).selected_order, Some(3));

    let load = |preset: &str, mode, orders| {
        HostMessage::Load(LoadRequest {
            preset: preset.into(),
            design: vec![],
            mode,
            id: None,
            seed: 4,
            orders,
        })
    };
    apply(
        &load("async-write", Some(Completion::Push), Some(30)),
        &mut c,
    )
    .unwrap();
    let s = StateEvent::of(&mut c);
    assert_eq!(
        (
            s.preset.as_str(),
            s.mode,
            s.seed,
            s.orders,
            s.t,
            s.selected_order
        ),
        ("async-write", Completion::Push, 4, 30, SimTime::ZERO, None)
    );
}

#[test]
fn a_design_loads_as_its_link_would() {
    let d = "s.payment.error_rate:0.3~f.order.place.1.mode:publish";
    let Incoming::Host(load) = parse(&msg(
        "orderflow:load",
        &[("preset", text("sync-chain")), ("design", text(d))],
    ))
    .unwrap() else {
        panic!("not a host message")
    };
    let mut c = ctrl("?preset=hybrid&seed=1");
    apply(&load, &mut c).unwrap();
    apply(&HostMessage::Seek(SimTime::from_millis(15_000)), &mut c).unwrap();
    settle(&mut c);
    let loaded = StateEvent::of(&mut c);
    assert_eq!(loaded.preset, "sync-chain");
    // The state event says which design runs, in the same form.
    assert_eq!(loaded.design, d);
    let mut linked = ctrl(&format!("?preset=sync-chain&seed=1&t=15000&d={d}"));
    settle(&mut linked);
    assert_eq!(StateEvent::of(&mut linked), loaded);
    // And the design made a difference: the preset as it is differs.
    let mut plain = ctrl("?preset=sync-chain&seed=1&t=15000");
    settle(&mut plain);
    assert_ne!(StateEvent::of(&mut plain).counters, loaded.counters);
}

#[test]
fn a_design_the_preset_cannot_take_is_refused_by_setting() {
    let mut c = ctrl("?preset=sync-chain&seed=2&orders=50");
    let before = StateEvent::of(&mut c);
    for (d, expected) in [
        (
            "s.payment.replicas:0",
            "orderflow:load: design: services.payment.replicas: must be a whole number from 1 to 256, got \"0\"",
        ),
        (
            "s.nosuch.replicas:2",
            "orderflow:load: design: services.nosuch",
        ),
    ] {
        let Incoming::Host(load) = parse(&msg(
            "orderflow:load",
            &[("preset", text("sync-chain")), ("design", text(d))],
        ))
        .unwrap() else {
            panic!("not a host message")
        };
        let why = apply(&load, &mut c).unwrap_err();
        assert!(why.starts_with(expected), "{d}: {why:?} lacks {expected:?}");
        assert_eq!(StateEvent::of(&mut c), before, "{d}");
    }
}

#[test]
fn requests_that_do_not_fit_the_run_change_nothing() {
    let mut c = ctrl("?preset=sync-chain&seed=2&orders=50");
    apply(&HostMessage::Select(5), &mut c).unwrap();
    let before = StateEvent::of(&mut c);
    let why = apply(&HostMessage::Select(51), &mut c).unwrap_err();
    assert_eq!(
        why,
        "orderflow:select: order: this run has orders 1 to 50, got 51"
    );
    let why = apply(
        &HostMessage::Load(LoadRequest {
            preset: "sync-chain".into(),
            design: vec![],
            mode: Some(Completion::Polling),
            id: None,
            seed: 1,
            orders: None,
        }),
        &mut c,
    )
    .unwrap_err();
    assert_eq!(
        why,
        "orderflow:load: mode: sync-chain does not support \"polling\""
    );
    assert_eq!(StateEvent::of(&mut c), before);
    // An id source the preset cannot take is refused the same way.
    let why = apply(
        &HostMessage::Load(LoadRequest {
            preset: "pizza".into(),
            design: vec![],
            mode: None,
            id: Some(IdSource::IdService),
            seed: 1,
            orders: None,
        }),
        &mut c,
    )
    .unwrap_err();
    assert_eq!(
        why,
        "orderflow:load: id: pizza has no id service; using \"server\""
    );
    assert_eq!(StateEvent::of(&mut c), before);
}

#[test]
fn a_load_carries_the_id_source_to_the_run() {
    let mut c = ctrl("?preset=sync-chain");
    apply(
        &HostMessage::Load(LoadRequest {
            preset: "async-write".into(),
            design: vec![],
            mode: Some(Completion::Websocket),
            id: Some(IdSource::IdService),
            seed: 2,
            orders: Some(30),
        }),
        &mut c,
    )
    .unwrap();
    let o = c.run().session().options();
    assert_eq!(
        (o.completion, o.id_source, c.run().model().orders),
        (Completion::Websocket, IdSource::IdService, 30)
    );
    assert!(c.url_state().to_query().contains("id=id-service"));
    // An unknown name is refused by name.
    let why = refused(msg(
        "orderflow:load",
        &[("preset", text("async-write")), ("id", text("uuid"))],
    ));
    assert_eq!(
        why,
        "orderflow:load: id: unknown id source \"uuid\" (server, client, id-service)"
    );
}

#[test]
fn state_events_come_on_change_at_most_four_a_second() {
    let state = |t_ms| StateEvent {
        t: SimTime::from_millis(t_ms),
        ..StateEvent::default()
    };
    let mut feed = StateFeed::default();
    assert_eq!(
        feed.poll(1_000.0, state(0)),
        Some(state(0)),
        "the first at once"
    );
    assert_eq!(feed.poll(1_100.0, state(0)), None, "nothing new");
    assert_eq!(feed.poll(1_100.0, state(5)), None, "too soon");
    assert_eq!(feed.poll(1_249.0, state(6)), None, "still too soon");
    assert_eq!(feed.poll(1_250.0, state(7)), Some(state(7)));
    // Playing: a change every frame, an event every 250 ms.
    let posted = (0u32..120)
        .filter(|i| {
            let wall = 2_000.0 + 16.7 * f64::from(*i);
            feed.poll(wall, state(u64::from(*i) * 10)).is_some()
        })
        .count();
    assert_eq!(posted, 8, "two seconds of frames");
    // Asked for: once, even unchanged.
    feed.ask();
    assert!(feed.poll(10_000.0, state(1_190)).is_some());
    assert!(feed.poll(10_500.0, state(1_190)).is_none());
}

#[test]
fn what_the_playground_posts() {
    assert_eq!(
        height_data(512.3),
        Data::object(vec![
            ("type", text("orderflow:height")),
            ("height", Data::Num(513.0)),
        ])
    );
    let s = StateEvent {
        preset: "pizza".into(),
        t: SimTime(12_500_250),
        selected_order: Some(4),
        counters: StateCounters {
            completed: 9,
            ..StateCounters::default()
        },
        ..StateEvent::default()
    };
    let d = s.to_data();
    assert_eq!(d.get("type"), Some(&text("orderflow:state")));
    assert_eq!(d.get("t_ms"), Some(&Data::Num(12_500.25)));
    assert_eq!(d.get("selected_order"), Some(&Data::Num(4.0)));
    assert_eq!(
        d.get("counters").and_then(|c| c.get("completed")),
        Some(&Data::Num(9.0))
    );
    let Data::Object(fields) = d else { panic!() };
    let keys: Vec<&str> = fields.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        keys,
        [
            "type",
            "preset",
            "design",
            "mode",
            "seed",
            "t_ms",
            "playing",
            "seeking",
            "finished",
            "speed",
            "orders",
            "orders_started",
            "counters",
            "selected_order"
        ]
    );
}
