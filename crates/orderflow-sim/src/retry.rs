//! Retry timing and retry budgets, as pure functions and a small state
//! machine: the backoff formulas (the legacy `jitter` share and the AWS
//! Architecture Blog's named kinds `none` / `full` / `equal` /
//! `decorrelated`), and the token bucket that lets retries through only
//! while successes keep it filled.
//!
//! Where they are used: `sim/calls.rs` (a call's retries), `sim/client.rs`
//! (the client's retries of its order request), `sim/notify.rs` and the
//! broker (redelivery, webhooks; the legacy share only).

use crate::rng::SimRng;
use crate::scenario::JitterKind;

/// Compiled backoff, microseconds.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BackoffModel {
    pub base_us: u64,
    pub max_us: u64,
    /// The share cut at random (used when `kind` is `None`).
    pub jitter: f64,
    pub kind: Option<JitterKind>,
}

impl BackoffModel {
    /// The delay before retry number `attempt` (0 = first retry) for a
    /// caller that keeps no previous delay: the decorrelated kind then
    /// takes `base` as the previous delay.
    pub fn delay_us(&self, attempt: u32, rng: &mut SimRng) -> u64 {
        self.next_delay_us(attempt, 0, rng)
    }

    /// The capped exponential `min(max, base × 2^attempt)`, at least 1 µs.
    pub fn capped_us(&self, attempt: u32) -> u64 {
        let exp = self.base_us.saturating_mul(1u64 << attempt.min(40));
        exp.min(self.max_us).max(1)
    }

    /// The delay before retry number `attempt`, given the previous delay
    /// (`prev_us`, 0 before the first retry; only the decorrelated kind
    /// reads it). Always at least 1 µs and at most `max`.
    pub fn next_delay_us(&self, attempt: u32, prev_us: u64, rng: &mut SimRng) -> u64 {
        let capped = self.capped_us(attempt);
        let delay = match self.kind {
            None => {
                if self.jitter <= 0.0 {
                    return capped;
                }
                let cut = libm::floor(capped as f64 * self.jitter * rng.unit()) as u64;
                capped - cut
            }
            Some(JitterKind::Exponential) => capped,
            Some(JitterKind::Full) => rng.range_inclusive(0, capped),
            Some(JitterKind::Equal) => {
                let half = capped / 2;
                (capped - half) + rng.range_inclusive(0, half)
            }
            Some(JitterKind::Decorrelated) => {
                let base = self.base_us.max(1);
                let prev = prev_us.max(base);
                rng.range_inclusive(base, prev.saturating_mul(3))
                    .min(self.max_us)
            }
        };
        delay.max(1)
    }
}

/// Tokens are counted in thousandths, so a refill of 0.1 per success is
/// exact integer arithmetic (no float drift between native and wasm).
const MILLI: u64 = 1_000;

/// A compiled retry budget.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BudgetModel {
    /// Capacity, in thousandths of a token.
    pub max_milli: u64,
    /// Added per success, in thousandths of a token.
    pub refill_milli: u64,
}

impl BudgetModel {
    /// From the scenario's figures; `refill_per_success` is rounded to a
    /// thousandth of a token.
    pub fn new(max_tokens: u32, refill_per_success: f64) -> BudgetModel {
        BudgetModel {
            max_milli: u64::from(max_tokens) * MILLI,
            refill_milli: libm::round(refill_per_success * MILLI as f64) as u64,
        }
    }
}

/// A retry budget's state: a token bucket that starts full.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TokenBucket {
    milli: u64,
    /// Retries refused because the bucket was empty.
    pub refused: u64,
}

impl TokenBucket {
    pub fn new(b: &BudgetModel) -> TokenBucket {
        TokenBucket {
            milli: b.max_milli,
            refused: 0,
        }
    }

    /// Whole tokens left.
    pub fn tokens(&self) -> u64 {
        self.milli / MILLI
    }

    /// A retry asks for a token: taken if a whole one is left, else the
    /// retry is refused (and counted).
    pub fn try_take(&mut self) -> bool {
        if self.milli >= MILLI {
            self.milli -= MILLI;
            true
        } else {
            self.refused += 1;
            false
        }
    }

    /// A success puts its share back, up to the capacity.
    pub fn refill(&mut self, b: &BudgetModel) {
        self.milli = (self.milli + b.refill_milli).min(b.max_milli);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: u64 = 100_000;
    const MAX: u64 = 3_000_000;

    fn backoff(kind: Option<JitterKind>) -> BackoffModel {
        BackoffModel {
            base_us: BASE,
            max_us: MAX,
            jitter: 0.5,
            kind,
        }
    }

    /// Draws many delays for each attempt and returns (min, max) seen.
    fn spread(b: BackoffModel, attempt: u32) -> (u64, u64) {
        let mut rng = SimRng::new(7);
        let mut lo = u64::MAX;
        let mut hi = 0;
        for _ in 0..2_000 {
            let d = b.next_delay_us(attempt, 0, &mut rng);
            lo = lo.min(d);
            hi = hi.max(d);
        }
        (lo, hi)
    }

    #[test]
    fn no_jitter_is_the_capped_exponential() {
        let b = backoff(Some(JitterKind::Exponential));
        let mut rng = SimRng::new(1);
        let got: Vec<u64> = (0..7).map(|a| b.next_delay_us(a, 0, &mut rng)).collect();
        assert_eq!(
            got,
            [
                100_000, 200_000, 400_000, 800_000, 1_600_000, 3_000_000, 3_000_000
            ]
        );
    }

    #[test]
    fn full_jitter_spans_zero_to_the_exponential() {
        let (lo, hi) = spread(backoff(Some(JitterKind::Full)), 2);
        // Within [1 µs, 400 ms] and using most of it.
        assert!((1..20_000).contains(&lo), "{lo}");
        assert!(hi <= 400_000 && hi > 380_000, "{hi}");
    }

    #[test]
    fn equal_jitter_keeps_half_and_randomises_half() {
        let (lo, hi) = spread(backoff(Some(JitterKind::Equal)), 3);
        assert!((400_000..420_000).contains(&lo), "{lo}");
        assert!((780_000..=800_000).contains(&hi), "{hi}");
        // Capped: at attempt 10 the exponential is past max.
        let (lo, hi) = spread(backoff(Some(JitterKind::Equal)), 10);
        assert!(lo >= MAX / 2 && hi <= MAX, "{lo}..{hi}");
    }

    #[test]
    fn decorrelated_grows_from_the_previous_delay_and_is_capped() {
        let b = backoff(Some(JitterKind::Decorrelated));
        let mut rng = SimRng::new(3);
        let mut prev = 0;
        let mut seen_growth = false;
        for attempt in 0..200 {
            let d = b.next_delay_us(attempt, prev, &mut rng);
            let upper = (prev.max(BASE) * 3).min(MAX);
            assert!(
                d >= BASE.min(upper) && d <= upper,
                "{d} outside [{BASE}, {upper}]"
            );
            seen_growth |= d > 3 * BASE;
            prev = d;
        }
        assert!(seen_growth, "never grew past 3 × base");
        // The first delay sits in [base, 3 × base].
        let (lo, hi) = spread(b, 0);
        assert!(lo >= BASE && hi <= 3 * BASE && hi > 2 * BASE, "{lo}..{hi}");
    }

    #[test]
    fn legacy_share_is_unchanged_without_a_kind() {
        // jitter 0.5: the delay keeps at least half of the exponential.
        let (lo, hi) = spread(backoff(None), 1);
        assert!((100_000..110_000).contains(&lo), "{lo}");
        assert!(hi <= 200_000 && hi > 190_000, "{hi}");
        let fixed = BackoffModel {
            jitter: 0.0,
            ..backoff(None)
        };
        assert_eq!(spread(fixed, 1), (200_000, 200_000));
    }

    #[test]
    fn budget_refuses_when_empty_and_refills_on_successes() {
        let b = BudgetModel::new(2, 0.5);
        let mut t = TokenBucket::new(&b);
        assert!(t.try_take());
        assert!(t.try_take());
        assert!(!t.try_take(), "empty bucket let a retry through");
        assert_eq!(t.refused, 1);
        t.refill(&b);
        assert!(!t.try_take(), "half a token is not a retry");
        t.refill(&b);
        assert!(t.try_take(), "two successes earned one retry");
        for _ in 0..10 {
            t.refill(&b);
        }
        assert_eq!(t.tokens(), 2, "capped at max_tokens");
    }

    #[test]
    fn budget_refill_rounds_to_thousandths() {
        let b = BudgetModel::new(1, 0.1);
        assert_eq!(b.refill_milli, 100);
        let mut t = TokenBucket::new(&b);
        assert!(t.try_take());
        for _ in 0..9 {
            t.refill(&b);
        }
        assert!(!t.try_take(), "nine tenths is not a token");
        t.refill(&b);
        assert!(t.try_take(), "ten successes at 0.1 give one retry");
    }
}
