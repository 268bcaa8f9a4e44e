use super::*;
use orderflow_sim::presets;
use orderflow_sim::trace::TraceHasher;

fn session(name: &str) -> Session {
    let model = presets::model(name).unwrap().unwrap();
    let mode = model.client.completion;
    Session::new(model, mode, 5).unwrap()
}

fn hash(store: &TraceStore) -> u64 {
    let mut h = TraceHasher::default();
    for e in store.events() {
        h.event(e);
    }
    h.finish()
}

#[test]
fn advancing_in_frames_equals_one_run() {
    let mut s = session("hybrid-queue");
    let mut t = SimTime::ZERO;
    while t < SimTime::from_secs(20) {
        t = t.plus_micros(16_667 * 7);
        assert_eq!(s.advance_to(t, u64::MAX), Advance::Reached);
        assert_eq!(s.now(), t);
    }
    let mut whole = session("hybrid-queue");
    whole.advance_to(t, u64::MAX);
    assert_eq!(hash(s.store()), hash(whole.store()));
}

#[test]
fn seeking_back_then_forward_gives_the_same_state() {
    let mut s = session("payment-breaker");
    s.advance_to(SimTime::from_secs(20), u64::MAX);
    s.apply(Command::SetReplicas {
        service: "payment".into(),
        replicas: 3,
    })
    .unwrap();
    s.advance_to(SimTime::from_secs(40), u64::MAX);
    let counters = s.sim().metrics_snapshot().outcomes;
    let trace = hash(s.store());
    let events = s.sim().events_processed();

    assert_eq!(s.seek(SimTime::from_secs(7), u64::MAX), Advance::Reached);
    assert_eq!(s.now(), SimTime::from_secs(7));
    assert!(s.sim().metrics_snapshot().outcomes.total() < counters.total());
    assert!(
        s.store()
            .events()
            .iter()
            .all(|e| e.t <= SimTime::from_secs(7))
    );

    s.seek(SimTime::from_secs(40), u64::MAX);
    assert_eq!(s.sim().metrics_snapshot().outcomes, counters);
    assert_eq!(s.sim().events_processed(), events);
    assert_eq!(hash(s.store()), trace);
    assert_eq!(s.history().len(), 1);
}

#[test]
fn a_seek_in_small_budgets_arrives() {
    let mut s = session("sync-chain");
    let mut slices = 0;
    while s.seek(SimTime::from_secs(30), 100) == Advance::Budget {
        slices += 1;
    }
    assert!(
        slices > 10,
        "{} events in {slices} slices",
        s.sim().events_processed()
    );
    assert_eq!(s.now(), SimTime::from_secs(30));
}

#[test]
fn a_command_after_a_seek_back_starts_a_new_history() {
    let mut s = session("sync-chain");
    s.advance_to(SimTime::from_secs(5), u64::MAX);
    s.apply(Command::SetUp {
        service: "inventory".into(),
        up: false,
    })
    .unwrap();
    s.advance_to(SimTime::from_secs(10), u64::MAX);
    s.seek(SimTime::from_secs(2), u64::MAX);
    let discarded = s
        .apply(Command::SetLatencyFactor {
            service: "payment".into(),
            factor: 2.0,
        })
        .unwrap();
    assert_eq!(discarded, 1);
    assert_eq!(s.history().len(), 1);
    assert!(
        s.apply(Command::SetUp {
            service: "ghost".into(),
            up: false
        })
        .is_err()
    );
    assert_eq!(s.history().len(), 1, "a refused command changes nothing");
}

#[test]
fn scheduled_commands_apply_at_their_time_and_replay() {
    let mut s = session("payment-breaker");
    s.advance_to(SimTime::from_secs(2), u64::MAX);
    s.apply(Command::SetUp {
        service: "provider".into(),
        up: false,
    })
    .unwrap();
    s.schedule(
        SimTime::from_secs(12),
        Command::SetUp {
            service: "provider".into(),
            up: true,
        },
    )
    .unwrap();
    s.advance_to(SimTime::from_secs(30), u64::MAX);
    assert!(s.scheduled().is_empty());
    assert_eq!(s.history().len(), 2);
    assert_eq!(s.history()[1].at, SimTime::from_secs(12));
    let whole = hash(s.store());

    // The same run from the recorded history alone.
    let model = s.model().clone();
    let mut again =
        Session::with_commands(model, s.mode(), 5, s.history().to_vec(), vec![]).unwrap();
    again.advance_to(SimTime::from_secs(30), u64::MAX);
    assert_eq!(hash(again.store()), whole);
}

#[test]
fn a_timed_command_fires_once_when_a_rewind_crosses_it() {
    let mut s = session("payment-breaker");
    s.advance_to(SimTime::from_secs(2), u64::MAX);
    s.apply(Command::SetUp {
        service: "provider".into(),
        up: false,
    })
    .unwrap();
    s.schedule(
        SimTime::from_secs(12),
        Command::SetUp {
            service: "provider".into(),
            up: true,
        },
    )
    .unwrap();
    s.advance_to(SimTime::from_secs(30), u64::MAX);
    let (whole, history) = (hash(s.store()), s.history().to_vec());
    // Back to before it fired (a checkpoint where it was waiting), and on.
    s.seek(SimTime::from_secs(7), u64::MAX);
    assert!(s.scheduled().is_empty(), "it fired in this history");
    s.advance_to(SimTime::from_secs(30), u64::MAX);
    assert_eq!(s.history(), history.as_slice(), "fired once, not twice");
    assert_eq!(hash(s.store()), whole);
}

#[test]
fn a_timed_command_still_waiting_survives_a_rewind() {
    let cmd = Command::SetLatencyFactor {
        service: "payment".into(),
        factor: 4.0,
    };
    let mut straight = session("payment-breaker");
    straight.advance_to(SimTime::from_secs(3), u64::MAX);
    straight
        .schedule(SimTime::from_secs(25), cmd.clone())
        .unwrap();
    straight.advance_to(SimTime::from_secs(40), u64::MAX);

    let mut s = session("payment-breaker");
    s.advance_to(SimTime::from_secs(3), u64::MAX);
    s.schedule(SimTime::from_secs(25), cmd).unwrap();
    s.advance_to(SimTime::from_secs(20), u64::MAX);
    s.seek(SimTime::from_secs(1), u64::MAX);
    assert_eq!(s.scheduled().len(), 1, "still waiting after the rewind");
    s.advance_to(SimTime::from_secs(40), u64::MAX);
    assert_eq!(s.history(), straight.history());
    assert_eq!(s.history()[0].at, SimTime::from_secs(25));
    assert_eq!(hash(s.store()), hash(straight.store()));
}

fn set_up(service: &str, up: bool) -> Command {
    Command::SetUp {
        service: service.into(),
        up,
    }
}

/// "Payment down for 10 s" at 2 s, as the one-click fault applies it.
fn payment_outage_at_2s(s: &mut Session) {
    s.advance_to(SimTime::from_secs(2), u64::MAX);
    s.apply(set_up("payment", false)).unwrap();
    s.schedule(SimTime::from_secs(12), set_up("payment", true))
        .unwrap();
}

fn payment_up(s: &Session) -> bool {
    let id = s.model().service_index("payment").unwrap();
    s.sim().service(id).up
}

// The soak test's bug: seeking back into a timed fault and applying
// another change threw the fault's recorded "back up" half away with
// the rest of the old future, and the service stayed down for good.
#[test]
fn a_timed_command_scheduled_before_a_rewind_survives_a_new_change() {
    // Both ways the "up" can be in the history when the rewind comes:
    // fired (played past 12 s) or still waiting (rewound from 8 s).
    for furthest in [14, 8] {
        let mut s = session("hybrid-queue");
        payment_outage_at_2s(&mut s);
        s.advance_to(SimTime::from_secs(furthest), u64::MAX);
        s.seek(SimTime::from_secs(5), u64::MAX);
        assert!(!payment_up(&s), "inside the outage");
        let discarded = s.apply(set_up("status", false)).unwrap();
        assert_eq!(
            discarded, 0,
            "from {furthest} s: nothing of the past is lost"
        );
        assert_eq!(s.scheduled().len(), 1, "the up waits again");
        s.advance_to(SimTime::from_secs(14), u64::MAX);
        assert!(
            payment_up(&s),
            "from {furthest} s: payment is back up at 12 s"
        );
        let ups: Vec<SimTime> = s
            .history()
            .iter()
            .filter(|c| c.command == set_up("payment", true))
            .map(|c| c.at)
            .collect();
        assert_eq!(ups, [SimTime::from_secs(12)], "fired once, on time");
        assert_eq!(
            s.timed_origins().last().copied().flatten(),
            Some(Position {
                after_events: s.history()[0].after_events,
                at: SimTime::from_secs(2)
            }),
            "it remembers where it was scheduled"
        );
    }
}

#[test]
fn a_timed_command_scheduled_after_the_rewind_point_goes_with_the_old_future() {
    for furthest in [20, 15] {
        let mut s = session("hybrid-queue");
        s.advance_to(SimTime::from_secs(8), u64::MAX);
        s.apply(set_up("payment", false)).unwrap();
        s.schedule(SimTime::from_secs(18), set_up("payment", true))
            .unwrap();
        s.advance_to(SimTime::from_secs(furthest), u64::MAX);
        s.seek(SimTime::from_secs(5), u64::MAX);
        // The fault and its end were both made after 5 s.
        let discarded = s.apply(set_up("status", false)).unwrap();
        assert_eq!(discarded, 2, "from {furthest} s");
        assert!(s.scheduled().is_empty());
        s.advance_to(SimTime::from_secs(25), u64::MAX);
        assert_eq!(s.history().len(), 1);
        assert!(payment_up(&s));
    }
}

#[test]
fn a_new_timeline_equals_a_fresh_run_with_its_history() {
    let mut s = session("hybrid-queue");
    payment_outage_at_2s(&mut s);
    s.advance_to(SimTime::from_secs(14), u64::MAX);
    s.seek(SimTime::from_secs(5), u64::MAX);
    s.apply(set_up("status", false)).unwrap();
    s.schedule(SimTime::from_secs(9), set_up("status", true))
        .unwrap();
    s.advance_to(SimTime::from_secs(20), u64::MAX);
    let history: Vec<(AppliedCommand, Option<Position>)> = s
        .history()
        .iter()
        .cloned()
        .zip(s.timed_origins().iter().copied())
        .collect();
    let mut fresh = Session::with_history(s.model().clone(), s.mode(), 5, history, vec![]).unwrap();
    fresh.advance_to(SimTime::from_secs(20), u64::MAX);
    assert_eq!(fresh.history(), s.history());
    assert_eq!(fresh.timed_origins(), s.timed_origins());
    assert_eq!(fresh.sim().events_processed(), s.sim().events_processed());
    assert_eq!(
        fresh.sim().metrics_now().outcomes,
        s.sim().metrics_now().outcomes
    );
    // The fresh run's trace from 5 s on equals the rewound run's.
    let tail = |x: &Session| {
        let mut h = TraceHasher::default();
        for e in x
            .store()
            .events()
            .iter()
            .filter(|e| e.t > SimTime::from_secs(5))
        {
            h.event(e);
        }
        h.finish()
    };
    assert_eq!(tail(&fresh), tail(&s));
}

#[test]
fn recorded_commands_that_cannot_be_replayed_are_named_and_dropped() {
    let model = presets::model("sync-chain").unwrap().unwrap();
    let rec = |after_events, at_ms| AppliedCommand {
        at: SimTime::from_millis(at_ms),
        after_events,
        command: set_up("payment", false),
    };
    // After 5 events the clock is past 0 ms; 10^9 events never happen.
    let mut s = Session::with_commands(
        model,
        Completion::Sync,
        1,
        vec![rec(5, 0), rec(1_000_000_000, 0)],
        vec![],
    )
    .unwrap();
    s.advance_to(SimTime::from_secs(3_600), u64::MAX);
    assert!(s.history().is_empty());
    let problems = s.take_problems();
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(
        problems[0].contains("recorded after 5 events at 0.000s"),
        "{problems:?}"
    );
    assert!(
        problems[1].contains("after_events: the run ends before it"),
        "{problems:?}"
    );
    assert!(s.take_problems().is_empty());
    assert!(s.is_finished());
}

#[test]
fn stepping_one_event_at_a_time_fires_a_timed_command_on_the_way() {
    let mut s = session("sync-chain");
    s.advance_to(SimTime::from_millis(1_000), u64::MAX);
    let at = SimTime::from_millis(1_234);
    let cmd = Command::SetUp {
        service: "payment".into(),
        up: false,
    };
    s.schedule(at, cmd).unwrap();
    // As the page's Step button does: to the next event, one event.
    while s.history().is_empty() {
        let before = s.sim().events_processed();
        let next = s.sim().next_event_time().unwrap();
        s.advance_to(next, 1);
        assert_eq!(s.sim().events_processed(), before + 1, "one event per step");
        assert_eq!(s.now(), next);
    }
    assert_eq!(s.history()[0].at, at);
    assert!(
        s.now() > at,
        "the event after the command ran in the same step"
    );
}

#[test]
fn fast_forward_runs_without_a_trace_and_ends() {
    let model = {
        let mut sc = presets::scenario("hybrid-queue").unwrap();
        sc.workload.orders = 2_000;
        Arc::new(Model::compile(sc).unwrap())
    };
    let mut s = Session::new(model, Completion::Sync, 1).unwrap();
    let mut slices = 0;
    while !s.fast_forward(1_000, 20_000) {
        slices += 1;
    }
    assert!(slices >= 1);
    assert_eq!(
        s.sim().orders_started(),
        1_000,
        "stops at the order asked for"
    );
    assert!(
        s.store().events().len() < 50,
        "no trace while fast-forwarding"
    );
    // Seeking back inside the fast-forwarded span works and shows detail.
    s.seek(SimTime::from_secs(10), u64::MAX);
    assert!(
        s.store()
            .events()
            .iter()
            .any(|e| e.t > SimTime::from_secs(8))
    );
}

#[test]
fn checkpoints_stay_bounded() {
    let model = {
        let mut sc = presets::scenario("mmc").unwrap();
        sc.workload.orders = 3_000;
        Arc::new(Model::compile(sc).unwrap())
    };
    let mut s = Session::new(model, Completion::Sync, 1).unwrap();
    s.sim.set_trace(false);
    s.advance_to(SimTime::from_secs(800), u64::MAX);
    assert!(s.checkpoints.len() <= MAX_CHECKPOINTS);
    assert!(s.checkpoint_every > CHECKPOINT_EVERY);
}

#[test]
fn flights_show_messages_in_the_air_with_a_minimum_duration() {
    let mut s = session("sync-chain");
    s.advance_to(SimTime::from_millis(1_000), u64::MAX);
    let mut f = Flights::default();
    f.update(s.store(), s.rewinds());
    // Hops take ~1 ms; stretched to 300 ms some are visible at any time.
    let t = SimTime::from_millis(900);
    let shown = f.visible(t, SimTime::from_millis(300), 1_000);
    assert!(!shown.is_empty());
    assert!(
        shown
            .iter()
            .all(|(fl, p)| fl.sent <= t && (0.0..1.0).contains(p))
    );
    // Without stretching, almost nothing is in the air.
    let bare = f.visible(t, SimTime::ZERO, 1_000);
    assert!(bare.len() < shown.len());
    assert_eq!(f.visible(t, SimTime::from_millis(300), 2).len(), 2);
}
