//! The workload's settings: how many orders, their arrival shape (one,
//! steady, Poisson, a surge, a ramp) and rate, the surge's segments, and
//! the SKU mix.

use super::fields::{self, SEGMENT, SKU};
use crate::scenario::{Arrival, SurgeSegment, WorkloadSpec};

/// The arrival shapes, as a choice. `surge` and `ramp` are both a
/// piecewise rate; a ramp is one whose every segment is faster than the
/// one before.
pub const SHAPES: [&str; 5] = ["single", "steady", "poisson", "surge", "ramp"];

/// Lowest arrival rate a setting takes.
pub(super) const MIN_RATE_PER_S: f64 = 0.001;

/// Segments of a ramp made by choosing `ramp`.
const RAMP_STEPS: u64 = 8;
/// Length of each of them.
const RAMP_STEP_MS: u64 = 5_000;

/// The shape of an arrival process.
pub fn shape_of(a: &Arrival) -> &'static str {
    match a {
        Arrival::Single => "single",
        Arrival::Constant { .. } => "steady",
        Arrival::Poisson { .. } => "poisson",
        Arrival::Surge { segments }
            if segments.len() >= 2
                && segments
                    .windows(2)
                    .all(|w| w[1].rate_per_s > w[0].rate_per_s) =>
        {
            "ramp"
        }
        Arrival::Surge { .. } => "surge",
    }
}

/// The rate a person sets: a Poisson rate, or a surge's peak. A steady
/// workload is set by its interval instead (exact both ways).
pub fn rate_of(a: &Arrival) -> Option<f64> {
    match a {
        Arrival::Poisson { rate_per_s } => Some(*rate_per_s),
        Arrival::Surge { segments } => segments.iter().map(|s| s.rate_per_s).reduce(f64::max),
        Arrival::Single | Arrival::Constant { .. } => None,
    }
}

/// A typical rate for a new shape: the current one's, or one order a
/// second.
fn typical_rate(a: &Arrival) -> f64 {
    match a {
        Arrival::Constant { interval_ms } if *interval_ms > 0.0 => 1_000.0 / interval_ms,
        _ => rate_of(a).filter(|r| *r > 0.0).unwrap_or(1.0),
    }
}

/// Writes `workload.<rest>` (checked value `v`).
pub(super) fn write(
    w: &mut WorkloadSpec,
    rest: &[&str],
    path: &str,
    v: &str,
) -> Result<(), String> {
    let num = || v.parse::<f64>().unwrap_or(1.0);
    match rest {
        ["orders"] => w.orders = v.parse().unwrap_or(1),
        ["shape"] => {
            let r = typical_rate(&w.arrival);
            w.arrival = match v {
                "single" => Arrival::Single,
                "steady" => Arrival::Constant {
                    interval_ms: 1_000.0 / r,
                },
                "poisson" => Arrival::Poisson { rate_per_s: r },
                "ramp" => Arrival::Surge {
                    segments: (1..=RAMP_STEPS)
                        .map(|k| SurgeSegment {
                            until_ms: k * RAMP_STEP_MS,
                            rate_per_s: (r * k as f64 / RAMP_STEPS as f64).max(MIN_RATE_PER_S),
                        })
                        .collect(),
                },
                _ => Arrival::Surge {
                    segments: vec![
                        SurgeSegment {
                            until_ms: 10_000,
                            rate_per_s: (r / 5.0).max(MIN_RATE_PER_S),
                        },
                        SurgeSegment {
                            until_ms: 20_000,
                            rate_per_s: r,
                        },
                        SurgeSegment {
                            until_ms: 30_000,
                            rate_per_s: (r / 5.0).max(MIN_RATE_PER_S),
                        },
                    ],
                },
            };
        }
        ["interval_ms"] => {
            if let Arrival::Constant { interval_ms } = &mut w.arrival {
                *interval_ms = num();
            }
        }
        ["rate_per_s"] => match &mut w.arrival {
            Arrival::Poisson { rate_per_s } => *rate_per_s = num(),
            Arrival::Surge { segments } => {
                let peak = segments.iter().map(|s| s.rate_per_s).fold(0.0, f64::max);
                let factor = if peak > 0.0 { num() / peak } else { 1.0 };
                // The peak takes the value as given (it reads back exactly);
                // the others scale with it, kept within a rate's range.
                for s in segments {
                    s.rate_per_s = if s.rate_per_s == peak {
                        num()
                    } else {
                        (s.rate_per_s * factor).clamp(MIN_RATE_PER_S, super::MAX_RATE_PER_S)
                    };
                }
            }
            _ => return Err("this arrival shape has no rate".into()),
        },
        ["segments"] => {
            let Arrival::Surge { segments } = &mut w.arrival else {
                return Err("only a surge or a ramp has segments".into());
            };
            let n: usize = v.parse().unwrap_or(1);
            segments.truncate(n);
            while segments.len() < n {
                let last = segments.last().copied().unwrap_or(SurgeSegment {
                    until_ms: 0,
                    rate_per_s: 1.0,
                });
                segments.push(SurgeSegment {
                    until_ms: last.until_ms.saturating_add(10_000),
                    rate_per_s: last.rate_per_s,
                });
            }
        }
        ["segments", i, field @ ..] => {
            let Arrival::Surge { segments } = &mut w.arrival else {
                return Err("only a surge or a ramp has segments".into());
            };
            let seg = i
                .parse::<usize>()
                .ok()
                .and_then(|i| segments.get_mut(i))
                .ok_or("no such segment")?;
            fields::write(SEGMENT, seg, field, v)?;
        }
        ["skus", ..] => {
            let (sku, field) = path
                .strip_prefix("workload.skus.")
                .and_then(|r| r.rsplit_once('.'))
                .ok_or("no such field")?;
            let m = w
                .skus
                .iter_mut()
                .find(|m| m.sku == sku)
                .ok_or("no such SKU")?;
            fields::write(SKU, m, &[field], v)?;
        }
        _ => return Err("no such field".into()),
    }
    Ok(())
}
