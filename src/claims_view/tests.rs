//! Tests of the parent module.

use orderflow_sim::Completion;

use super::*;
use crate::controller::Controller;

/// Claim `id` of `preset`, as written.
fn spec(preset: &str, id: &str) -> ClaimSpec {
    presets::claims(preset)
        .unwrap()
        .into_iter()
        .find(|c| c.id == id)
        .unwrap()
}

/// What "Show me" opens for claim `id` of `preset`.
fn show(preset: &str, id: &str) -> Result<ClaimShow, String> {
    show_of(
        preset,
        &presets::scenario(preset).unwrap(),
        &spec(preset, id),
    )
}

/// Shows `show` in a fresh page and works through the seek it starts.
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
    let s = show("hybrid-queue", "queue-instead-of-call").unwrap();
    assert_eq!(
        s.url.to_query(),
        "?preset=hybrid-queue&seed=1&orders=80&faults=off&t=8000\
         &cmds=-:5000000:down:warehouse~-:10000000:up:warehouse"
    );
    assert!(!s.to_end);
    assert_eq!(s.metric, "queue.warehouse_q.peak_depth");
    // A run of another preset opens that preset in its own mode.
    let s = show("retry-storm", "backoff-and-budget-recover").unwrap();
    assert_eq!(s.url.preset, "retry-storm-backoff");
    assert_eq!((s.url.mode, s.to_end), (None, true));
    // Another completion mode is stated, the preset's own is not.
    let s = show("payment-breaker", "queued-answered-at-once").unwrap();
    assert_eq!(s.url.mode, Some(Completion::Sync));
    let own = presets::scenario("payment-breaker").unwrap();
    assert_ne!(own.client.completion, Completion::Sync);
    assert_eq!(s.url.t_us, SimTime::from_secs(25).as_micros());
}

#[test]
fn a_run_a_link_cannot_state_is_refused_by_name() {
    let mut c = spec("hybrid-queue", "messages-persist");
    let own = presets::scenario("hybrid-queue").unwrap();
    // Its run b makes the warehouse queue transient.
    c.show.as_mut().unwrap().run = "b".into();
    assert_eq!(
        show_of("hybrid-queue", &own, &c),
        Err("claim messages-persist: run b: a link cannot make queues durable or transient".into())
    );
    c.show.as_mut().unwrap().run = "z".into();
    assert_eq!(
        show_of("hybrid-queue", &own, &c),
        Err("claim messages-persist: show.run: no run \"z\"".into())
    );
}

#[test]
fn without_a_show_setting_the_first_figure_of_the_first_expectation_is_shown() {
    let claim = |expect: &str, runs: &[&str]| ClaimSpec {
        id: "x".into(),
        text: "x".into(),
        document: "000".into(),
        seed: 1,
        orders: None,
        runs: runs
            .iter()
            .map(|r| ((*r).to_owned(), ClaimRunSpec::default()))
            .collect(),
        expect: vec![expect.into()],
        show: None,
    };
    let two = claim(
        "2 * b.stock.sku-red.out_of_stock <= a.outcome.failed",
        &["a", "b"],
    );
    assert_eq!(
        default_show(&two, &two.runs),
        ("b".into(), "stock.sku-red.out_of_stock".into())
    );
    let one = BTreeMap::from([("a".to_owned(), ClaimRunSpec::default())]);
    let plain = claim("(a.latency.response.p50_ms) > 0", &[]);
    assert_eq!(
        default_show(&plain, &one),
        ("a".into(), "latency.response.p50_ms".into())
    );
}

/// Every claim of every preset can be opened, on the run, moment and
/// figure the engine's compiled claim names; and what the page then shows
/// is the figure of the claim's own run at that moment: the engine run the
/// claims module builds, driven to the same time, measures the same value.
#[test]
fn every_claim_opens_on_the_figure_it_is_about() {
    for preset in presets::names() {
        let (model, claims) = presets::model_and_claims(preset).unwrap().unwrap();
        let items = claims_of(preset);
        assert_eq!(items.len(), claims.len(), "{preset}");
        assert!(!items.is_empty(), "{preset} has claims");
        for (item, claim) in items.iter().zip(&claims) {
            let show = item
                .show
                .as_ref()
                .unwrap_or_else(|e| panic!("{preset}: {e}"));
            assert_eq!(show.metric, claim.show.metric, "{preset} {}", claim.id);
            assert_eq!(
                show.to_end,
                claim.show.at.is_none(),
                "{preset} {}",
                claim.id
            );
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
    let s = show("sync-chain", "sum-of-hops").unwrap();
    let mut page = shown(&s);
    let f = page.claim_figure().unwrap();
    assert_eq!(f.metric, "latency.response.p50_ms");
    assert!(f.value.ends_with(" ms"), "{}", f.value);
    assert_eq!(f.claim, s.claim);
    assert_eq!(page.url_state().t_us, 5_000_000);
    page.set_seed(2);
    assert_eq!(page.claim_figure(), None);
    // A figure this run does not measure is named, not shown.
    let mut odd = s.clone();
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
    assert_eq!(source_label("003"), "document 003");
    assert_eq!(source_label("beyond the documents"), "beyond the documents");
}

#[test]
fn every_presets_claims_come_back_from_the_worker_as_they_are() {
    let mut claims = 0;
    for preset in presets::names() {
        let direct = claims_of(preset);
        claims += direct.len();
        assert_eq!(
            parse_reply(&answer(&request(preset))),
            Ok(direct),
            "{preset}"
        );
    }
    assert!(claims > 30, "{claims}");
    // "Show me" with commands at their moments and faults left out.
    let items = parse_reply(&answer(&request("hybrid-queue"))).unwrap();
    let url = &items
        .iter()
        .find(|c| c.id == "queue-instead-of-call")
        .unwrap()
        .show
        .as_ref()
        .unwrap()
        .url;
    assert!(!url.faults && !url.commands.is_empty(), "{url:?}");
    assert_eq!(parse_reply(&answer(&request("nope"))), Ok(Vec::new()));
}

#[test]
fn a_bad_claims_reply_is_a_message_not_a_panic() {
    assert!(answer("claims").starts_with("err\n"));
    assert!(answer("export\nsync-chain").starts_with("err\n"));
    for bad in [
        "",
        "garbage",
        "err\nno",
        "ok\nx",
        "ok\nx\u{1f}y\u{1f}z\u{1f}show\u{1f}1",
        "ok\na\u{1f}b\u{1f}c\u{1f}other",
    ] {
        assert!(parse_reply(bad).is_err(), "{bad:?}");
    }
}
