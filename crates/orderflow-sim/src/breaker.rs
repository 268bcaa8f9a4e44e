//! The circuit breaker: closed → open → half-open → closed.
//!
//! A pure state machine driven by the simulation: it is asked before each
//! call ([`Breaker::admit`]), told each result ([`Breaker::record`]) and woken
//! when its reset timeout ends ([`Breaker::reset_due`]). It returns the
//! transitions it makes so the caller can trace them and react (resume paused
//! consumers).
//!
//! - **Closed**: calls pass. It opens after `failure_threshold` consecutive
//!   failures, or when the rolling window (`window_ms`, ten buckets) holds at
//!   least `min_calls` calls of which a share `error_rate_threshold` failed.
//! - **Open**: calls are refused at once ("short-circuited") so callers take
//!   their fallback instead of waiting on a dead dependency.
//! - **Half-open** (after `reset_timeout_ms`): up to `half_open_probes` trial
//!   calls pass; if all succeed it closes, the first failure re-opens it.

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};

use crate::model::BreakerModel;
use crate::time::SimTime;

/// Buckets in the rolling window.
const BUCKETS: usize = 10;
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
}

#[derive(Clone, Copy, Debug, Default)]
struct Bucket {
    epoch: u64,
    calls: u32,
    failures: u32,
}

/// One circuit breaker.
#[derive(Clone, Debug)]
pub struct Breaker {
    failure_threshold: u32,
    error_rate_threshold: f64,
    bucket_us: u64,
    min_calls: u32,
    reset_timeout_us: u64,
    half_open_probes: u32,
    state: BreakerState,
    consecutive_failures: u32,
    buckets: [Bucket; BUCKETS],
    opened_at: SimTime,
    probes_out: u32,
    probes_ok: u32,
    /// Bumped on every opening, so a stale reset timer can be recognised.
    epoch: u32,
    pub counters: BreakerCounters,
    /// The last [`HISTORY`] state changes, oldest first.
    history: VecDeque<(SimTime, BreakerState)>,
}

impl Breaker {
    /// A closed breaker with the compiled settings `spec`.
    pub fn new(spec: &BreakerModel) -> Breaker {
        Breaker {
            failure_threshold: spec.failure_threshold.max(1),
            error_rate_threshold: spec.error_rate_threshold,
            bucket_us: (spec.window_us / BUCKETS as u64).max(1),
            min_calls: spec.min_calls.max(1),
            reset_timeout_us: spec.reset_timeout_us,
            half_open_probes: spec.half_open_probes.max(1),
            state: BreakerState::Closed,
            consecutive_failures: 0,
            buckets: [Bucket::default(); BUCKETS],
            opened_at: SimTime::ZERO,
            probes_out: 0,
            probes_ok: 0,
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

    /// Calls and failures in the rolling window ending at `now`.
    pub fn window(&self, now: SimTime) -> (u32, u32) {
        let current = now.as_micros() / self.bucket_us;
        self.buckets
            .iter()
            .filter(|b| b.epoch + (BUCKETS as u64) > current && b.epoch <= current)
            .fold((0, 0), |(c, f), b| (c + b.calls, f + b.failures))
    }

    /// Asks to make a call at `now`.
    pub fn admit(&mut self, now: SimTime) -> (Admission, Option<BreakerState>) {
        let mut transition = None;
        if self.state == BreakerState::Open && now >= self.reset_at() {
            transition = self.half_open(now);
        }
        let admission = match self.state {
            BreakerState::Closed => Admission::Allowed { probe: false },
            BreakerState::HalfOpen if self.probes_out + self.probes_ok < self.half_open_probes => {
                self.probes_out += 1;
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

    /// Records the result of a call admitted at some earlier time. Results of
    /// non-probe calls that come back while the breaker is not closed are
    /// ignored: they were started under the old state.
    pub fn record(&mut self, now: SimTime, ok: bool, probe: bool) -> Option<BreakerState> {
        self.counters.calls += 1;
        if !ok {
            self.counters.failures += 1;
        }
        match (self.state, probe) {
            (BreakerState::Closed, false) => {
                self.add_to_window(now, ok);
                if ok {
                    self.consecutive_failures = 0;
                    return None;
                }
                self.consecutive_failures += 1;
                let (calls, failures) = self.window(now);
                let rate_tripped = calls >= self.min_calls
                    && f64::from(failures) >= self.error_rate_threshold * f64::from(calls);
                if self.consecutive_failures >= self.failure_threshold || rate_tripped {
                    Some(self.open(now))
                } else {
                    None
                }
            }
            (BreakerState::HalfOpen, true) => {
                self.probes_out = self.probes_out.saturating_sub(1);
                if !ok {
                    return Some(self.open(now));
                }
                self.probes_ok += 1;
                if self.probes_ok >= self.half_open_probes {
                    debug_assert!(self.state.may_become(BreakerState::Closed));
                    self.state = BreakerState::Closed;
                    self.consecutive_failures = 0;
                    self.buckets = [Bucket::default(); BUCKETS];
                    self.counters.closed += 1;
                    self.remember(now, BreakerState::Closed);
                    Some(BreakerState::Closed)
                } else {
                    None
                }
            }
            // A probe whose answer arrives after the breaker moved on (for
            // example re-opened by another probe) frees its place only.
            (_, true) => {
                self.probes_out = self.probes_out.saturating_sub(1);
                None
            }
            _ => None,
        }
    }

    fn add_to_window(&mut self, now: SimTime, ok: bool) {
        let current = now.as_micros() / self.bucket_us;
        let b = &mut self.buckets[(current % BUCKETS as u64) as usize];
        if b.epoch != current {
            *b = Bucket {
                epoch: current,
                calls: 0,
                failures: 0,
            };
        }
        b.calls += 1;
        if !ok {
            b.failures += 1;
        }
    }

    fn open(&mut self, now: SimTime) -> BreakerState {
        debug_assert!(self.state.may_become(BreakerState::Open));
        self.state = BreakerState::Open;
        self.opened_at = now;
        self.probes_out = 0;
        self.probes_ok = 0;
        self.epoch = self.epoch.wrapping_add(1);
        self.counters.opened += 1;
        self.remember(now, BreakerState::Open);
        BreakerState::Open
    }

    fn half_open(&mut self, now: SimTime) -> Option<BreakerState> {
        debug_assert!(self.state.may_become(BreakerState::HalfOpen));
        self.state = BreakerState::HalfOpen;
        self.probes_out = 0;
        self.probes_ok = 0;
        self.counters.half_opened += 1;
        self.remember(now, BreakerState::HalfOpen);
        Some(BreakerState::HalfOpen)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> BreakerModel {
        BreakerModel {
            id: "b".into(),
            failure_threshold: 3,
            error_rate_threshold: 0.5,
            window_us: 10_000_000,
            min_calls: 10,
            reset_timeout_us: 5_000_000,
            half_open_probes: 2,
        }
    }

    fn ms(v: u64) -> SimTime {
        SimTime::from_millis(v)
    }

    #[test]
    fn consecutive_failures_open_then_probes_close() {
        let mut b = Breaker::new(&spec());
        assert_eq!(b.record(ms(1), false, false), None);
        assert_eq!(b.record(ms(2), false, false), None);
        assert_eq!(b.record(ms(3), false, false), Some(BreakerState::Open));
        // Open: refused until the reset timeout.
        assert_eq!(b.admit(ms(4_000)), (Admission::Rejected, None));
        assert_eq!(b.counters.short_circuited, 1);
        // The timer moves it to half-open.
        assert_eq!(
            b.reset_due(ms(5_003), b.epoch()),
            Some(BreakerState::HalfOpen)
        );
        // Two probes allowed, a third refused.
        assert_eq!(b.admit(ms(5_004)).0, Admission::Allowed { probe: true });
        assert_eq!(b.admit(ms(5_005)).0, Admission::Allowed { probe: true });
        assert_eq!(b.admit(ms(5_006)).0, Admission::Rejected);
        assert_eq!(b.record(ms(5_010), true, true), None);
        assert_eq!(b.record(ms(5_011), true, true), Some(BreakerState::Closed));
        assert_eq!(b.admit(ms(5_012)).0, Admission::Allowed { probe: false });
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
    fn a_failed_probe_reopens() {
        let mut b = Breaker::new(&spec());
        for t in 0..3 {
            b.record(ms(t), false, false);
        }
        let (adm, tr) = b.admit(ms(6_000));
        assert_eq!(
            (adm, tr),
            (
                Admission::Allowed { probe: true },
                Some(BreakerState::HalfOpen)
            )
        );
        assert_eq!(b.record(ms(6_100), false, true), Some(BreakerState::Open));
        assert_eq!(b.reset_at(), ms(11_100));
        // The old opening's timer is stale.
        assert_eq!(b.reset_due(ms(11_100), b.epoch() - 1), None);
    }

    #[test]
    fn error_rate_over_the_window_opens() {
        let mut b = Breaker::new(&BreakerModel {
            failure_threshold: 100,
            ..spec()
        });
        // Alternate success and failure: never 3 in a row, but 50% failures.
        let mut opened = None;
        for i in 0..20u64 {
            if let Some(s) = b.record(ms(i * 10), i % 2 == 1, false) {
                opened = Some((i, s));
                break;
            }
        }
        // The rate is checked when a call fails: the 11th call (i = 10) is
        // the first failure once the window holds min_calls, 6 of 11 failed.
        assert_eq!(opened, Some((10, BreakerState::Open)));
    }

    #[test]
    fn old_calls_leave_the_window() {
        let mut b = Breaker::new(&BreakerModel {
            failure_threshold: 100,
            min_calls: 4,
            ..spec()
        });
        for i in 0..3 {
            b.record(ms(i), false, false);
        }
        assert_eq!(b.window(ms(3)), (3, 3));
        // Ten seconds later the window is empty again.
        assert_eq!(b.window(ms(10_500)), (0, 0));
        assert_eq!(b.record(ms(10_500), false, false), None);
    }

    #[test]
    fn late_results_of_normal_calls_do_not_reopen() {
        let mut b = Breaker::new(&spec());
        for t in 0..3 {
            b.record(ms(t), false, false);
        }
        assert_eq!(b.record(ms(10), false, false), None);
        assert_eq!(b.state(), BreakerState::Open);
        assert_eq!(b.counters.opened, 1);
    }
}
