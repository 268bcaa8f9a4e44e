//! Replicas behind a load balancer against queueing theory: the mmc preset
//! (4 replicas × 1 worker, utilisation 0.9) with each `balancer`. A pool is
//! one M/M/4 queue (Erlang C: 1.97 s); a random balancer makes four M/M/1
//! queues at 0.9 each (0.9 / (1 − 0.9) = 9 s); the others sit between.

use orderflow_sim::scenario::{Balancer, ScaleIn};
use orderflow_sim::{Command, Completion, SimTime};

use crate::support::*;

/// Mean wait for a worker (s) of the mmc server over `orders` customers
/// after a warm-up of 2,000 s, seed 11.
fn mean_wait_s(balancer: Balancer, orders: u64) -> f64 {
    let model = model_with("mmc", |s| {
        s.workload.orders = orders;
        for sv in &mut s.services {
            if sv.id == "server" {
                sv.balancer = balancer;
            }
        }
    });
    let server = model.service_index("server").unwrap();
    let mut sim = sim(&model, 11, Completion::Sync);
    sim.set_trace(false);
    sim.run_until(SimTime::from_secs(2_000));
    let (sum0, n0) = {
        let s = &sim.metrics_snapshot().services[server];
        (s.wait_sum_us, s.wait_count)
    };
    assert!(sim.run_to_end(u64::MAX));
    let s = &sim.metrics().services[server];
    (s.wait_sum_us - sum0) as f64 / (s.wait_count - n0) as f64 / 1e6
}

#[test]
fn separate_queues_wait_longer_than_a_pool_and_smarter_balancers_help() {
    let n = 60_000;
    let pool = mean_wait_s(Balancer::Pool, n);
    let random = mean_wait_s(Balancer::Random, n);
    let two = mean_wait_s(Balancer::PowerOfTwo, n);
    let least = mean_wait_s(Balancer::LeastOutstanding, n);
    let turn = mean_wait_s(Balancer::RoundRobin, n);
    eprintln!(
        "pool {pool:.2} s, random {random:.2} s, power-of-two {two:.2} s, \
         least-outstanding {least:.2} s, round-robin {turn:.2} s"
    );
    // Theory: Erlang C 1.97 s; four M/M/1 at 0.9: 9 s.
    assert!((pool - 1.97).abs() < 0.35, "pool {pool}");
    assert!((random - 9.0).abs() < 2.5, "random {random}");
    assert!(random > 3.0 * pool, "random {random} vs pool {pool}");
    assert!(pool < two && two < random, "power-of-two {two}");
    // Joining the shortest queue is close to the pool and beats two choices;
    // taking turns smooths arrivals, so it beats random.
    assert!(pool <= least && least < two, "least-outstanding {least}");
    assert!(turn < random, "round-robin {turn}");
}

#[test]
fn a_balancer_keeps_each_replicas_work_on_that_replica() {
    // Round-robin over 4 replicas: every replica starts the same number of
    // requests (±1), whatever their luck with service times.
    let model = model_with("mmc", |s| {
        s.workload.orders = 4_001;
        for sv in &mut s.services {
            if sv.id == "server" {
                sv.balancer = Balancer::RoundRobin;
            }
        }
    });
    let server = model.service_index("server").unwrap();
    let mut sim = sim(&model, 2, Completion::Sync);
    run_checked(&mut sim);
    let started: Vec<u64> = sim.metrics().services[server]
        .replica_started
        .iter()
        .copied()
        .collect();
    assert_eq!(started, [1001, 1000, 1000, 1000]);
}

/// mmc behind a round-robin balancer at utilisation 0.9, scaled from 4
/// replicas to 2 at 500 s, with `scale_in`; returns (rerouted, lost,
/// client timeouts, requests the server finished).
fn scale_in_run(scale_in: ScaleIn) -> (u64, u64, u64, u64) {
    let model = model_with("mmc", |s| {
        s.workload.orders = 2_000;
        s.client.timeout_ms = 60_000;
        for sv in &mut s.services {
            if sv.id == "server" {
                sv.balancer = Balancer::RoundRobin;
                sv.scale_in = scale_in;
            }
        }
    });
    let server = model.service_index("server").unwrap();
    let mut sim = sim(&model, 4, Completion::Sync);
    sim.schedule(
        SimTime::from_secs(500),
        Command::SetReplicas {
            service: "server".into(),
            replicas: 2,
        },
    )
    .unwrap();
    run_checked(&mut sim);
    let mx = sim.metrics();
    let sm = &mx.services[server];
    (
        sm.rerouted,
        sm.lost_on_scale_in,
        mx.client.timeouts,
        sm.succeeded,
    )
}

#[test]
fn scaling_in_behind_a_balancer_drains_reroutes_or_loses_as_set() {
    let (rerouted, lost, _, done) = scale_in_run(ScaleIn::Drain);
    assert_eq!((rerouted, lost, done), (0, 0, 2_000));
    let (rerouted, lost, _, done) = scale_in_run(ScaleIn::Reroute);
    assert!(rerouted > 0, "nothing was waiting on the removed replicas");
    assert_eq!((lost, done), (0, 2_000));
    let (rerouted, lost, timeouts, done) = scale_in_run(ScaleIn::Lose);
    assert_eq!(rerouted, 0);
    assert!(lost > 0, "nothing was waiting on the removed replicas");
    // Every lost request is an order whose client times out, never served.
    assert!(timeouts >= lost, "{timeouts} timeouts for {lost} lost");
    assert_eq!(done, 2_000 - lost);
}
