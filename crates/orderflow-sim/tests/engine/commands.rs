//! Commands through the engine's API: validation without side effects,
//! timed commands that fire at their time and replay exactly, limits.

use orderflow_sim::trace::TraceHasher;
use orderflow_sim::{Command, Sim, SimTime};

use crate::support::*;

fn down(service: &str, up: bool) -> Command {
    Command::SetUp {
        service: service.into(),
        up,
    }
}

fn hash_to_end(sim: &mut Sim) -> u64 {
    let mut h = TraceHasher::default();
    for e in run(sim) {
        h.event(&e);
    }
    h.finish()
}

#[test]
fn validate_names_the_problem_and_changes_nothing() {
    let model = model_with("payment-breaker", |s| s.workload.orders = 50);
    let mut sim = sim(&model, 3, model.client.completion);
    sim.run_until(SimTime::from_secs(2));
    let events = sim.events_processed();
    let err = sim.validate(&down("ghost", false)).unwrap_err();
    assert_eq!(err.0, "service: no service \"ghost\"");
    let err = sim
        .validate(&Command::SetErrorRate {
            service: "payment".into(),
            rate: 2.0,
        })
        .unwrap_err();
    assert_eq!(err.0, "rate: must be between 0 and 1");
    assert!(sim.validate(&down("payment", false)).is_ok());
    assert_eq!(sim.events_processed(), events);
    assert!(sim.applied_commands().is_empty());
    assert!(sim.service(model.service_index("payment").unwrap()).up);
}

#[test]
fn a_broker_downtime_passes_the_one_millisecond_conversion() {
    let model = model_with("hybrid-queue", |s| s.workload.orders = 5);
    let sim = sim(&model, 1, model.client.completion);
    let week = orderflow_sim::model::bounds::DURATION_MS;
    let restart = |downtime_ms| Command::RestartBroker { downtime_ms };
    assert!(sim.validate(&restart(week)).is_ok());
    let err = sim.validate(&restart(week + 1)).unwrap_err();
    assert_eq!(err.0, "downtime_ms: must be at most 604800000 (7 days)");
}

#[test]
fn a_timed_command_fires_at_its_time_as_if_applied_by_hand_then() {
    let model = model_with("payment-breaker", |s| s.workload.orders = 120);
    let at = SimTime::from_millis(12_345);

    let mut timed = sim(&model, 9, model.client.completion);
    timed.run_until(SimTime::from_secs(2));
    timed.apply(down("provider", false)).unwrap();
    timed.schedule(at, down("provider", true)).unwrap();
    assert_eq!(timed.scheduled().len(), 1);
    assert!(timed.next_event_time().is_some_and(|t| t <= at));
    let timed_hash = hash_to_end(&mut timed);
    assert!(timed.scheduled().is_empty());

    let mut by_hand = sim(&model, 9, model.client.completion);
    by_hand.run_until(SimTime::from_secs(2));
    by_hand.apply(down("provider", false)).unwrap();
    by_hand.run_until(at);
    by_hand.apply(down("provider", true)).unwrap();
    assert_eq!(hash_to_end(&mut by_hand), timed_hash);
    assert_eq!(timed.applied_commands(), by_hand.applied_commands());
    assert_eq!(timed.applied_commands()[1].at, at);

    // The record replays the run, timed command included.
    let mut replayed = Sim::replay(
        model.clone(),
        9,
        model.client.completion,
        timed.applied_commands(),
    )
    .unwrap();
    run(&mut replayed);
    assert_eq!(
        replayed.metrics_now().outcomes,
        timed.metrics_now().outcomes
    );
    assert_eq!(replayed.events_processed(), timed.events_processed());
}

#[test]
fn a_timed_command_keeps_a_finished_run_open_until_it_fires() {
    let model = model_with("sync-chain", |s| s.workload.orders = 2);
    let mut sim = sim(&model, 1, model.client.completion);
    let late = SimTime::from_secs(3_600);
    sim.schedule(late, down("payment", false)).unwrap();
    run(&mut sim);
    assert!(sim.is_finished());
    assert_eq!(sim.now(), late, "the clock went to the command");
    assert_eq!(sim.applied_commands().len(), 1);
    assert!(!sim.service(model.service_index("payment").unwrap()).up);
}

#[test]
fn timed_commands_are_bounded_and_not_in_the_past() {
    let model = model_with("sync-chain", |s| s.workload.orders = 5);
    let mut sim = sim(&model, 1, model.client.completion);
    sim.run_until(SimTime::from_secs(1));
    let err = sim
        .schedule(SimTime::from_millis(500), down("payment", true))
        .unwrap_err();
    assert!(err.0.contains("in the past"), "{err}");
    for i in 0..orderflow_sim::sim::MAX_TIMED_COMMANDS {
        sim.schedule(SimTime::from_secs(2 + i as u64), down("payment", true))
            .unwrap();
    }
    let err = sim
        .schedule(SimTime::from_secs(500), down("payment", true))
        .unwrap_err();
    assert_eq!(
        err.0,
        format!(
            "at: at most {} scheduled commands",
            orderflow_sim::sim::MAX_TIMED_COMMANDS
        )
    );
    assert!(
        sim.schedule(SimTime::from_secs(9), down("ghost", true))
            .is_err()
    );
}

/// Found by fuzzing (`fuzz_commands`): moving the clock ten years ahead
/// took a sample every 500 ms of those years, billions of them, and never
/// returned. The series keeps only its newest samples, so only those are
/// taken now; it is the series the long way would give.
#[test]
fn a_clock_moved_years_ahead_samples_only_what_the_series_keeps() {
    let model = model_with("sync-chain", |s| {
        s.workload.orders = 3;
        s.limits.series_points = 50;
    });
    let mut far = sim(&model, 1, model.client.completion);
    let mut near = sim(&model, 1, model.client.completion);
    let ten_years = SimTime::from_secs(10 * 365 * 24 * 3_600);
    far.run_until(ten_years);
    assert_eq!(far.now(), ten_years);
    // The same series, taken sample by sample up to a time 60 samples past
    // the end of the run (more than the series keeps).
    run(&mut near);
    let end = near.now().plus_micros(60 * 500_000);
    near.run_until(end);
    let times = |s: &Sim| s.metrics().series.iter().map(|x| x.t).collect::<Vec<_>>();
    assert_eq!(far.metrics().series.len(), 50);
    let last = *times(&far).last().unwrap();
    assert!(
        last <= ten_years && ten_years.since(last) < 500_000,
        "{last}"
    );
    assert_eq!(near.metrics().series.len(), 50);
    let rows = |s: &Sim| {
        s.metrics()
            .series
            .iter()
            .map(|x| (x.settled, x.in_flight_orders, x.latency))
            .collect::<Vec<_>>()
    };
    assert_eq!(rows(&far), rows(&near), "the same samples, later");
}
