//! Tests of the parent module.

use orderflow_sim::Completion;
use orderflow_sim::SimTime;
use orderflow_sim::claims::Claim;

use super::*;
use crate::controller::Controller;

/// Claim `id` of `preset`, compiled, with its model.
fn claim(preset: &str, id: &str) -> (std::sync::Arc<Model>, Claim) {
    let (model, claims) = presets::model_and_claims(preset).unwrap().unwrap();
    let c = claims.into_iter().find(|c| c.id == id).unwrap();
    (model, c)
}

/// Shows `show` in a fresh page and works through the seek or
/// fast-forward it starts.
fn shown(show: &ClaimShow) -> Controller {
    let (url, notices) = UrlState::parse("");
    let mut c = Controller::from_url(&url, notices);
    c.show_claim(show);
    for i in 0..100_000 {
        if !c.seeking() && !c.fast_forwarding() {
            return c;
        }
        c.tick(f64::from(i) * 16.0, 50_000);
    }
    panic!("never settled");
}

#[test]
fn a_claim_opens_its_run_as_a_link_states_it() {
    let (model, c) = claim("hybrid-queue", "queue-instead-of-call");
    let show = show_of("hybrid-queue", &model, &c).unwrap();
    assert_eq!(
        show.url.to_query(),
        "?preset=hybrid-queue&seed=1&orders=80&faults=off&t=8000\
         &cmds=-:5000000:down:warehouse~-:10000000:up:warehouse"
    );
    assert!(!show.to_end);
    assert_eq!(show.metric, "queue.warehouse_q.peak_depth");
    // A run of another preset opens that preset in its own mode.
    let (model, c) = claim("retry-storm", "backoff-and-budget-recover");
    let show = show_of("retry-storm", &model, &c).unwrap();
    assert_eq!(show.url.preset, "retry-storm-backoff");
    assert_eq!((show.url.mode, show.to_end), (None, true));
    // Another completion mode is stated, the preset's own is not.
    let (model, c) = claim("payment-breaker", "queued-answered-at-once");
    let show = show_of("payment-breaker", &model, &c).unwrap();
    assert_eq!(show.url.mode, Some(Completion::Sync));
    assert_ne!(model.client.completion, Completion::Sync);
    assert_eq!(show.url.t_us, SimTime::from_secs(25).as_micros());
}

#[test]
fn a_run_a_link_cannot_state_is_refused_by_name() {
    let (model, mut c) = claim("hybrid-queue", "messages-persist");
    // Its run b makes the warehouse queue transient.
    c.show.run = c.runs.iter().position(|r| r.name == "b").unwrap();
    assert_eq!(
        show_of("hybrid-queue", &model, &c),
        Err("claim messages-persist: run b: a link cannot make queues durable or transient".into())
    );
}

/// Every claim of every preset can be opened, and what the page then
/// shows is the figure of the claim's own run at that moment: the engine
/// run the claims module builds, driven to the same time, measures the
/// same value.
#[test]
fn every_claim_opens_on_the_figure_it_is_about() {
    for preset in presets::NAMES {
        let (model, claims) = presets::model_and_claims(preset).unwrap().unwrap();
        let items = claims_of(preset);
        assert_eq!(items.len(), claims.len(), "{preset}");
        assert!(!items.is_empty(), "{preset} has claims");
        for (item, claim) in items.iter().zip(&claims) {
            let show = item
                .show
                .as_ref()
                .unwrap_or_else(|e| panic!("{preset}: {e}"));
            let c = shown(show);
            assert_eq!(c.message(), None, "{preset} {}", claim.id);
            let run = &claim.runs[claim.show.run];
            let mut sim = run.sim(&model.scenario, claim.seed).unwrap();
            sim.set_trace(false);
            match claim.show.at {
                Some(t) => sim.run_until(t),
                None => assert!(sim.run_to_end(u64::MAX)),
            }
            assert_eq!(c.now(), sim.now(), "{preset} {}", claim.id);
            let expected = measure::select(&sim, &[&claim.show.metric]).unwrap()[0].1;
            let figure = c.claim_figure().unwrap();
            assert_eq!(figure.metric, claim.show.metric);
            assert!(
                figure.value.starts_with(&number(expected)),
                "{preset} {}: page {} vs engine {expected}",
                claim.id,
                figure.value
            );
        }
    }
}

#[test]
fn the_figure_reads_with_its_unit_and_goes_with_the_next_load() {
    let (model, c) = claim("sync-chain", "sum-of-hops");
    let show = show_of("sync-chain", &model, &c).unwrap();
    let mut page = shown(&show);
    let f = page.claim_figure().unwrap();
    assert_eq!(f.metric, "latency.response.p50_ms");
    assert!(f.value.ends_with(" ms"), "{}", f.value);
    assert_eq!(f.claim, c.text);
    assert_eq!(page.url_state().t_us, 5_000_000);
    page.set_seed(2);
    assert_eq!(page.claim_figure(), None);
    // A figure this run does not measure is named, not shown.
    let mut odd = show.clone();
    odd.metric = "queue.nowhere.peak_depth".into();
    let page = shown(&odd);
    assert_eq!(page.claim_figure(), None);
    assert_eq!(
        page.message(),
        Some("claim: the figure \"queue.nowhere.peak_depth\" is not measured in this run")
    );
}

#[test]
fn sources_read_as_documents() {
    assert_eq!(source_label(Document::Source(3)), "document 003");
    assert_eq!(source_label(Document::Beyond), "beyond the documents");
}
