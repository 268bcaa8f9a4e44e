//! Simulated time: an integer count of microseconds since the start of a run.
//!
//! Integer time keeps event ordering exact and identical on every platform;
//! floating-point time would drift differently under different summation
//! orders.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A point in simulated time, in microseconds since the run started.
/// Serialises as the bare integer.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct SimTime(pub u64);

impl SimTime {
    /// The start of every run.
    pub const ZERO: SimTime = SimTime(0);
    /// The largest representable time; used as "never".
    pub const MAX: SimTime = SimTime(u64::MAX);

    /// A time `ms` milliseconds after the start.
    pub const fn from_millis(ms: u64) -> SimTime {
        SimTime(ms.saturating_mul(1_000))
    }

    /// A time `s` seconds after the start.
    pub const fn from_secs(s: u64) -> SimTime {
        SimTime(s.saturating_mul(1_000_000))
    }

    /// Microseconds since the start.
    pub const fn as_micros(self) -> u64 {
        self.0
    }

    /// Whole milliseconds since the start (rounded down).
    pub const fn as_millis(self) -> u64 {
        self.0 / 1_000
    }

    /// Seconds since the start, as a float, for display and statistics only.
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / 1e6
    }

    /// `self + us`, saturating at [`SimTime::MAX`] instead of wrapping.
    pub const fn plus_micros(self, us: u64) -> SimTime {
        SimTime(self.0.saturating_add(us))
    }

    /// The time elapsed since `earlier`, or zero if `earlier` is later.
    pub const fn since(self, earlier: SimTime) -> u64 {
        self.0.saturating_sub(earlier.0)
    }
}

impl fmt::Display for SimTime {
    /// Formats as seconds with millisecond precision: `12.345s`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = self.0 / 1_000;
        write!(f, "{}.{:03}s", ms / 1_000, ms % 1_000)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversions_round_trip_and_saturate() {
        assert_eq!(SimTime::from_millis(1_500).as_micros(), 1_500_000);
        assert_eq!(SimTime::from_secs(2).as_millis(), 2_000);
        assert_eq!(SimTime::from_millis(u64::MAX), SimTime::MAX);
        assert_eq!(SimTime::MAX.plus_micros(1), SimTime::MAX);
        assert_eq!(SimTime(5).since(SimTime(9)), 0);
        assert_eq!(SimTime(9).since(SimTime(5)), 4);
    }

    #[test]
    fn displays_seconds_with_millis() {
        assert_eq!(SimTime::from_millis(12_345).to_string(), "12.345s");
        assert_eq!(SimTime(999).to_string(), "0.000s");
        assert_eq!(SimTime::from_secs(3).to_string(), "3.000s");
    }
}
