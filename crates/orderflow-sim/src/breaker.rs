//! The circuit breaker: closed → open → half-open → closed, as opossum (the
//! library document 004 configures) runs it, plus the document's own
//! `failureThreshold`.
//!
//! A pure state machine driven by the simulation: it is asked before each
//! call ([`Breaker::admit`]), told each result ([`Breaker::record`]) and woken
//! when its reset timeout ends ([`Breaker::reset_due`]). It returns the
//! transitions it makes so the caller can trace them and react (alert
//! operations, resume paused consumers).
//!
//! - **The rolling window** (opossum's `rollingCountTimeout` split into
//!   `rollingCountBuckets` buckets): every call asked for counts as a *fire*
//!   when it is asked for (refused ones too), every failed result as a
//!   *failure* when it comes back. The buckets turn on a fixed clock from
//!   time zero (opossum's `setInterval` from the breaker's creation), so the
//!   window holds the current bucket and the `buckets - 1` before it.
//! - **Closed**: calls pass. A failure opens it when the window holds at
//!   least `volumeThreshold` fires and `failures / fires` is *above*
//!   `errorThresholdPercentage` (opossum's test), or when it is the
//!   `failureThreshold`-th failure in a row (the document's option; opossum
//!   has none). Results that come back while open are counted in the window
//!   and change nothing else.
//! - **Open**: calls are refused at once ("short-circuited") so callers take
//!   their fallback instead of waiting on a dead dependency.
//! - **Half-open** (after `resetTimeout`): opossum lets one trial call
//!   through (`halfOpenTrialCalls`, default 1) and refuses the rest. Any
//!   failure while half-open re-opens it; successes close it once as many
//!   came back as trial calls were allowed (a late success of a call started
//!   before it opened counts, as in opossum). Closing keeps the window.

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};

use crate::model::BreakerModel;
use crate::time::SimTime;

/// Most buckets a rolling window may have.
pub const MAX_BUCKETS: u32 = 1_000;
/// State changes remembered (for the state strip), newest kept.
pub const HISTORY: usize = 512;

/// The three states.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BreakerState {
    #[default]
    Closed,
    Open,
    HalfOpen,
}

impl BreakerState {
    /// The legal transitions: closed → open → half-open → closed or open.
    pub fn may_become(self, next: BreakerState) -> bool {
        matches!(
            (self, next),
            (BreakerState::Closed, BreakerState::Open)
                | (BreakerState::Open, BreakerState::HalfOpen)
                | (
                    BreakerState::HalfOpen,
                    BreakerState::Closed | BreakerState::Open
                )
        )
    }

    /// A number for compact storage; [`BreakerState::from_code`] reverses it.
    pub fn code(self) -> u32 {
        self as u32
    }

    /// The state of a [`BreakerState::code`] (closed for anything else).
    pub fn from_code(code: u32) -> BreakerState {
        match code {
            1 => BreakerState::Open,
            2 => BreakerState::HalfOpen,
            _ => BreakerState::Closed,
        }
    }

    /// Lower-case name (`"half_open"`).
    pub fn as_str(self) -> &'static str {
        match self {
            BreakerState::Closed => "closed",
            BreakerState::Open => "open",
            BreakerState::HalfOpen => "half_open",
        }
    }
}

/// What the breaker says to a call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Admission {
    /// Go ahead; `probe` marks a half-open trial call.
    Allowed { probe: bool },
    /// Refused: the breaker is open (or its probes are all out).
    Rejected,
}

/// Counters kept by a breaker.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BreakerCounters {
    pub opened: u64,
    pub half_opened: u64,
    pub closed: u64,
    pub short_circuited: u64,
    pub calls: u64,
    pub failures: u64,
    /// Times operations were alerted (each opening: the document's "alert
    /// operations team" in its `open` listener).
    #[serde(default)]
    pub alerts: u64,
}

#[derive(Clone, Copy, Debug, Default)]
struct Bucket {
    /// Which bucket period (`time / bucket length`) it holds.
    epoch: u64,
    fires: u32,
    failures: u32,
}

/// One circuit breaker.
#[derive(Clone, Debug)]
pub struct Breaker {
    failure_threshold: Option<u32>,
    error_threshold_percentage: f64,
    bucket_us: u64,
    volume_threshold: u32,
    reset_timeout_us: u64,
    trial_calls: u32,
    state: BreakerState,
    consecutive_failures: u32,
    /// The rolling window, bucket `epoch % len` at index `epoch % len`.
    buckets: Vec<Bucket>,
    opened_at: SimTime,
    trials_out: u32,
    trials_ok: u32,
    /// Bumped on every opening, so a stale reset timer can be recognised.
    epoch: u32,
    pub counters: BreakerCounters,
    /// The last [`HISTORY`] state changes, oldest first.
    history: VecDeque<(SimTime, BreakerState)>,
}

impl Breaker {
    /// A closed breaker with the compiled settings `spec`.
    pub fn new(spec: &BreakerModel) -> Breaker {
        let buckets = spec.rolling_count_buckets.clamp(1, MAX_BUCKETS);
        Breaker {
            failure_threshold: spec.failure_threshold.map(|t| t.max(1)),
            error_threshold_percentage: spec.error_threshold_percentage,
            bucket_us: (spec.rolling_count_timeout_us / u64::from(buckets)).max(1),
            volume_threshold: spec.volume_threshold,
            reset_timeout_us: spec.reset_timeout_us,
            trial_calls: spec.half_open_trial_calls.max(1),
            state: BreakerState::Closed,
            consecutive_failures: 0,
            buckets: vec![Bucket::default(); buckets as usize],
            opened_at: SimTime::ZERO,
            trials_out: 0,
            trials_ok: 0,
            epoch: 0,
            counters: BreakerCounters::default(),
            history: VecDeque::new(),
        }
    }

    /// The current state.
    pub fn state(&self) -> BreakerState {
        self.state
    }

    /// Recent state changes `(time, new state)`, oldest first.
    pub fn history(&self) -> impl Iterator<Item = &(SimTime, BreakerState)> {
        self.history.iter()
    }

    /// Checks that the remembered changes are legal transitions in time
    /// order, end in the current state, and agree with the counters.
    pub fn check(&self) -> Result<(), String> {
        // While the history is complete, it starts from closed.
        let complete = self.counters.opened + self.counters.half_opened + self.counters.closed
            == self.history.len() as u64;
        let mut prev = complete.then_some((SimTime::ZERO, BreakerState::Closed));
        for &(t, state) in &self.history {
            if let Some((pt, ps)) = prev
                && (t < pt || !ps.may_become(state))
            {
                return Err(format!(
                    "breaker went {} at {pt} to {} at {t}",
                    ps.as_str(),
                    state.as_str()
                ));
            }
            prev = Some((t, state));
        }
        if let Some((_, last)) = prev
            && last != self.state
        {
            return Err(format!(
                "breaker is {} but its last change was to {}",
                self.state.as_str(),
                last.as_str()
            ));
        }
        // Every half-open follows an opening; every closing a half-open.
        let c = &self.counters;
        if c.half_opened > c.opened || c.closed > c.half_opened || c.failures > c.calls {
            return Err(format!("breaker counters disagree: {c:?}"));
        }
        Ok(())
    }

    /// Records a transition to `state` (already the current state).
    fn remember(&mut self, now: SimTime, state: BreakerState) {
        debug_assert_eq!(self.state, state);
        if self.history.len() >= HISTORY {
            self.history.pop_front();
        }
        self.history.push_back((now, state));
    }

    /// Identifies the current opening; a reset timer carries it.
    pub fn epoch(&self) -> u32 {
        self.epoch
    }

    /// When the current opening's reset timeout ends.
    pub fn reset_at(&self) -> SimTime {
        self.opened_at.plus_micros(self.reset_timeout_us)
    }

    /// Fires and failures in the rolling window at `now`.
    pub fn window(&self, now: SimTime) -> (u32, u32) {
        let current = now.as_micros() / self.bucket_us;
        let len = self.buckets.len() as u64;
        self.buckets
            .iter()
            .filter(|b| b.epoch + len > current && b.epoch <= current)
            .fold((0, 0), |(c, f), b| (c + b.fires, f + b.failures))
    }

    /// Asks to make a call at `now` (a *fire*, counted in the window).
    pub fn admit(&mut self, now: SimTime) -> (Admission, Option<BreakerState>) {
        let mut transition = None;
        if self.state == BreakerState::Open && now >= self.reset_at() {
            transition = self.half_open(now);
        }
        self.bucket(now).fires += 1;
        let admission = match self.state {
            BreakerState::Closed => Admission::Allowed { probe: false },
            BreakerState::HalfOpen if self.trials_out + self.trials_ok < self.trial_calls => {
                self.trials_out += 1;
                Admission::Allowed { probe: true }
            }
            _ => {
                self.counters.short_circuited += 1;
                Admission::Rejected
            }
        };
        (admission, transition)
    }

    /// The reset timer of opening `epoch` fired at `now`.
    pub fn reset_due(&mut self, now: SimTime, epoch: u32) -> Option<BreakerState> {
        if self.state == BreakerState::Open && epoch == self.epoch && now >= self.reset_at() {
            self.half_open(now)
        } else {
            None
        }
    }

    /// Records the result of a call admitted at some earlier time (`probe`:
    /// it was a half-open trial call).
    pub fn record(&mut self, now: SimTime, ok: bool, probe: bool) -> Option<BreakerState> {
        self.counters.calls += 1;
        if probe {
            self.trials_out = self.trials_out.saturating_sub(1);
        }
        if !ok {
            self.counters.failures += 1;
            self.bucket(now).failures += 1;
        }
        match self.state {
            BreakerState::Closed if ok => {
                self.consecutive_failures = 0;
                None
            }
            BreakerState::Closed => {
                self.consecutive_failures += 1;
                let in_a_row = self
                    .failure_threshold
                    .is_some_and(|t| self.consecutive_failures >= t);
                (in_a_row || self.rate_tripped(now)).then(|| self.open(now))
            }
            BreakerState::HalfOpen if !ok => Some(self.open(now)),
            BreakerState::HalfOpen => {
                self.trials_ok += 1;
                (self.trials_ok >= self.trial_calls).then(|| self.close(now))
            }
            BreakerState::Open => None,
        }
    }

    /// opossum's test: enough volume, and the failure rate above the threshold.
    fn rate_tripped(&self, now: SimTime) -> bool {
        let (fires, failures) = self.window(now);
        fires >= self.volume_threshold
            && f64::from(failures) * 100.0 > self.error_threshold_percentage * f64::from(fires)
    }

    /// The bucket for `now`, emptied first if it held an older period.
    fn bucket(&mut self, now: SimTime) -> &mut Bucket {
        let current = now.as_micros() / self.bucket_us;
        let len = self.buckets.len() as u64;
        let b = &mut self.buckets[(current % len) as usize];
        if b.epoch != current {
            *b = Bucket {
                epoch: current,
                ..Bucket::default()
            };
        }
        b
    }

    fn open(&mut self, now: SimTime) -> BreakerState {
        debug_assert!(self.state.may_become(BreakerState::Open));
        self.state = BreakerState::Open;
        self.opened_at = now;
        self.consecutive_failures = 0;
        self.trials_ok = 0;
        self.epoch = self.epoch.wrapping_add(1);
        self.counters.opened += 1;
        self.counters.alerts += 1;
        self.remember(now, BreakerState::Open);
        BreakerState::Open
    }

    fn half_open(&mut self, now: SimTime) -> Option<BreakerState> {
        debug_assert!(self.state.may_become(BreakerState::HalfOpen));
        self.state = BreakerState::HalfOpen;
        self.trials_out = 0;
        self.trials_ok = 0;
        self.counters.half_opened += 1;
        self.remember(now, BreakerState::HalfOpen);
        Some(BreakerState::HalfOpen)
    }

    fn close(&mut self, now: SimTime) -> BreakerState {
        debug_assert!(self.state.may_become(BreakerState::Closed));
        self.state = BreakerState::Closed;
        self.consecutive_failures = 0;
        self.counters.closed += 1;
        self.remember(now, BreakerState::Closed);
        BreakerState::Closed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The document's settings: `failureThreshold: 3, resetTimeout: 30000,
    /// timeout: 5000, errorThresholdPercentage: 50`, opossum's defaults
    /// otherwise.
    fn spec() -> BreakerModel {
        BreakerModel {
            id: "b".into(),
            failure_threshold: Some(3),
            error_threshold_percentage: 50.0,
            rolling_count_timeout_us: 10_000_000,
            rolling_count_buckets: 10,
            volume_threshold: 0,
            timeout_us: 5_000_000,
            reset_timeout_us: 30_000_000,
            half_open_trial_calls: 1,
        }
    }

    fn ms(v: u64) -> SimTime {
        SimTime::from_millis(v)
    }

    /// Fires `n` calls at `t` and records them ok (or failed).
    fn calls(b: &mut Breaker, t: u64, n: u32, ok: bool) -> Option<BreakerState> {
        let mut last = None;
        for _ in 0..n {
            assert_eq!(b.admit(ms(t)).0, Admission::Allowed { probe: false });
            last = b.record(ms(t), ok, false).or(last);
        }
        last
    }

    #[test]
    fn three_failures_in_a_row_open_then_one_trial_call_closes() {
        let mut b = Breaker::new(&spec());
        // Enough successes first that the error rate stays below 50 %.
        assert_eq!(calls(&mut b, 0, 10, true), None);
        assert_eq!(calls(&mut b, 1, 2, false), None);
        assert_eq!(calls(&mut b, 2, 1, true), None, "a success resets the run");
        assert_eq!(calls(&mut b, 3, 2, false), None);
        assert_eq!(calls(&mut b, 4, 1, false), Some(BreakerState::Open));
        assert_eq!(b.counters.alerts, 1, "operations alerted on opening");
        // Open: refused until the reset timeout.
        assert_eq!(b.admit(ms(29_000)), (Admission::Rejected, None));
        assert_eq!(b.counters.short_circuited, 1);
        assert_eq!(
            b.reset_due(ms(30_004), b.epoch()),
            Some(BreakerState::HalfOpen)
        );
        // One trial call passes; the next is refused while it is out.
        assert_eq!(b.admit(ms(30_005)).0, Admission::Allowed { probe: true });
        assert_eq!(b.admit(ms(30_006)).0, Admission::Rejected);
        assert_eq!(b.record(ms(30_100), true, true), Some(BreakerState::Closed));
        assert_eq!(b.admit(ms(30_101)).0, Admission::Allowed { probe: false });
        assert_eq!(
            (b.counters.opened, b.counters.half_opened, b.counters.closed),
            (1, 1, 1)
        );
        let states: Vec<BreakerState> = b.history().map(|h| h.1).collect();
        assert_eq!(
            states,
            [
                BreakerState::Open,
                BreakerState::HalfOpen,
                BreakerState::Closed
            ]
        );
    }

    #[test]
    fn only_the_cycle_closed_open_half_open_is_legal() {
        use BreakerState::*;
        let legal: Vec<_> = [Closed, Open, HalfOpen]
            .iter()
            .flat_map(|&a| [Closed, Open, HalfOpen].map(move |b| (a, b)))
            .filter(|&(a, b)| a.may_become(b))
            .collect();
        assert_eq!(
            legal,
            [
                (Closed, Open),
                (Open, HalfOpen),
                (HalfOpen, Closed),
                (HalfOpen, Open)
            ]
        );
    }

    #[test]
    fn the_check_follows_the_transitions() {
        let mut b = Breaker::new(&spec());
        assert_eq!(b.check(), Ok(()));
        for i in 0..5 {
            b.record(ms(i), false, false);
        }
        assert_eq!(b.state(), BreakerState::Open);
        assert_eq!(b.check(), Ok(()));
        // A forged change that skips half-open is caught.
        b.state = BreakerState::Closed;
        b.history.push_back((ms(6), BreakerState::Closed));
        assert!(
            b.check().unwrap_err().contains("went open"),
            "{:?}",
            b.check()
        );
    }

    #[test]
    fn a_failed_trial_call_reopens_and_the_old_timer_is_stale() {
        let mut b = Breaker::new(&spec());
        calls(&mut b, 0, 20, true);
        calls(&mut b, 1, 3, false);
        assert_eq!(b.state(), BreakerState::Open);
        let (adm, tr) = b.admit(ms(31_000));
        assert_eq!(
            (adm, tr),
            (
                Admission::Allowed { probe: true },
                Some(BreakerState::HalfOpen)
            )
        );
        assert_eq!(b.record(ms(36_000), false, true), Some(BreakerState::Open));
        assert_eq!(b.reset_at(), ms(66_000));
        assert_eq!(b.reset_due(ms(66_000), b.epoch() - 1), None);
        assert_eq!(b.counters.alerts, 2);
    }

    #[test]
    fn the_error_rate_must_be_above_the_percentage_once_the_volume_is_reached() {
        let mut b = Breaker::new(&BreakerModel {
            failure_threshold: None,
            volume_threshold: 10,
            ..spec()
        });
        // Alternate success and failure: never many in a row, 50 % failures.
        // Below the volume nothing opens; at 50 % exactly neither (opossum
        // opens *above* the percentage).
        for i in 0..20u64 {
            let ok = i % 2 == 0;
            b.admit(ms(i));
            assert_eq!(b.record(ms(i), ok, false), None, "call {i}");
        }
        assert_eq!(b.window(ms(20)), (20, 10));
        // One more failure: 11 of 21 is above 50 %.
        b.admit(ms(21));
        assert_eq!(b.record(ms(21), false, false), Some(BreakerState::Open));
    }

    #[test]
    fn with_opossums_default_volume_a_first_failure_opens() {
        // volumeThreshold 0 (opossum's default) and no failureThreshold: one
        // failure out of one call is 100 %.
        let mut b = Breaker::new(&BreakerModel {
            failure_threshold: None,
            ..spec()
        });
        assert_eq!(calls(&mut b, 0, 1, false), Some(BreakerState::Open));
    }

    #[test]
    fn refused_calls_count_as_fires_and_the_buckets_roll() {
        let mut b = Breaker::new(&BreakerModel {
            failure_threshold: None,
            rolling_count_buckets: 5,
            ..spec()
        });
        calls(&mut b, 0, 3, true);
        // Buckets of 2 s: the calls at 0 ms leave the window at 10 s.
        assert_eq!(b.window(ms(9_999)), (3, 0));
        assert_eq!(b.window(ms(10_000)), (0, 0));
        calls(&mut b, 10_000, 1, false);
        assert_eq!(b.state(), BreakerState::Open);
        assert_eq!(b.admit(ms(10_500)).0, Admission::Rejected);
        assert_eq!(b.window(ms(10_500)), (2, 1), "the refused call is a fire");
    }

    #[test]
    fn late_results_count_in_the_window_only_while_open_and_decide_half_open() {
        let mut b = Breaker::new(&spec());
        calls(&mut b, 0, 10, true);
        calls(&mut b, 1, 3, false);
        assert_eq!(b.state(), BreakerState::Open);
        // A call started before the opening fails late: counted, no change.
        assert_eq!(b.record(ms(10), false, false), None);
        assert_eq!((b.counters.opened, b.window(ms(10))), (1, (13, 4)));
        // Half-open: a late success of an ordinary call closes it (opossum
        // closes on any success while half-open).
        assert_eq!(b.reset_due(ms(30_000), b.epoch()), None, "not yet");
        assert_eq!(
            b.reset_due(ms(30_001), b.epoch()),
            Some(BreakerState::HalfOpen)
        );
        assert_eq!(
            b.record(ms(30_002), true, false),
            Some(BreakerState::Closed)
        );
    }
}
