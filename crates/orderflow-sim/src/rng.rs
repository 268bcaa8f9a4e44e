//! The one random number generator of a run, and the draws the engine needs.
//!
//! Every random choice of a simulation (latencies, errors, jitter, arrivals)
//! comes from one [`SimRng`] seeded from the run's seed, in event order. Same
//! scenario, seed and commands: same draws, same run — on every platform.
//!
//! Continuous draws go through the `libm` crate rather than `f64::ln`/`exp`:
//! `std`'s transcendental functions call the platform's C library natively
//! (glibc) but a port of musl's on `wasm32`, and the two may differ in the last
//! bit. For the same reason the engine does not use `rand_distr`'s samplers:
//! they call `f64::exp`/`ln` via `num-traits`, which switches to the platform
//! functions as soon as any crate in the build enables `num-traits/std`
//! (hdrhistogram does). Inverse-CDF sampling with `libm` is exact and just as
//! fast for our four distributions.

use rand::{Rng, SeedableRng};
use rand_pcg::Pcg64Mcg;

/// The run's random number generator (PCG-64 MCG: small state, fast, and its
/// output is specified, so it is identical everywhere).
#[derive(Clone, Debug)]
pub struct SimRng(Pcg64Mcg);

impl SimRng {
    /// A generator for `seed`.
    pub fn new(seed: u64) -> SimRng {
        SimRng(Pcg64Mcg::seed_from_u64(seed))
    }

    /// Uniform in `[0, 1)`, with 53 random bits.
    pub fn unit(&mut self) -> f64 {
        self.0.random::<f64>()
    }

    /// Uniform in `(0, 1]`: safe to take the logarithm of.
    pub fn unit_open_closed(&mut self) -> f64 {
        1.0 - self.unit()
    }

    /// True with probability `p` (clamped to `[0, 1]`). Draws nothing when
    /// `p` is 0 or 1, so adding a zero error rate leaves a run unchanged.
    pub fn chance(&mut self, p: f64) -> bool {
        if p <= 0.0 {
            false
        } else if p >= 1.0 {
            true
        } else {
            self.unit() < p
        }
    }

    /// Uniform integer in `[lo, hi]` (inclusive). `lo > hi` returns `lo`.
    pub fn range_inclusive(&mut self, lo: u64, hi: u64) -> u64 {
        if lo >= hi {
            lo
        } else {
            self.0.random_range(lo..=hi)
        }
    }

    /// Exponentially distributed with the given mean (inverse CDF).
    pub fn exponential(&mut self, mean: f64) -> f64 {
        -mean * libm::log(self.unit_open_closed())
    }

    /// Standard normal (Box–Muller, one of the pair; the other is discarded so
    /// the generator carries no hidden state between draws).
    pub fn standard_normal(&mut self) -> f64 {
        let u1 = self.unit_open_closed();
        let u2 = self.unit();
        libm::sqrt(-2.0 * libm::log(u1)) * libm::cos(core::f64::consts::TAU * u2)
    }

    /// Picks an index with probability proportional to `weights[i]`.
    /// Returns 0 for an empty or all-zero slice.
    pub fn weighted_index(&mut self, weights: &[u32]) -> usize {
        let total: u64 = weights.iter().map(|&w| u64::from(w)).sum();
        if total == 0 {
            return 0;
        }
        let mut pick = self.range_inclusive(0, total - 1);
        for (i, &w) in weights.iter().enumerate() {
            let w = u64::from(w);
            if pick < w {
                return i;
            }
            pick -= w;
        }
        weights.len() - 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_draws() {
        let mut a = SimRng::new(7);
        let mut b = SimRng::new(7);
        for _ in 0..1000 {
            assert_eq!(a.unit().to_bits(), b.unit().to_bits());
        }
        assert_ne!(SimRng::new(7).unit(), SimRng::new(8).unit());
    }

    #[test]
    fn exponential_mean_is_close() {
        let mut r = SimRng::new(1);
        let n = 200_000;
        let mean = (0..n).map(|_| r.exponential(2.0)).sum::<f64>() / n as f64;
        assert!((mean - 2.0).abs() < 0.02, "mean {mean}");
    }

    #[test]
    fn normal_has_unit_variance() {
        let mut r = SimRng::new(2);
        let n = 200_000;
        let xs: Vec<f64> = (0..n).map(|_| r.standard_normal()).collect();
        let mean = xs.iter().sum::<f64>() / n as f64;
        let var = xs.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / n as f64;
        assert!(
            mean.abs() < 0.01 && (var - 1.0).abs() < 0.02,
            "mean {mean} var {var}"
        );
    }

    #[test]
    fn chance_edges_draw_nothing() {
        let mut a = SimRng::new(3);
        let mut b = SimRng::new(3);
        assert!(!a.chance(0.0));
        assert!(a.chance(1.0));
        assert_eq!(a.unit().to_bits(), b.unit().to_bits());
    }

    #[test]
    fn weighted_index_follows_weights() {
        let mut r = SimRng::new(4);
        let mut counts = [0u32; 3];
        for _ in 0..30_000 {
            counts[r.weighted_index(&[1, 0, 2])] += 1;
        }
        assert_eq!(counts[1], 0);
        assert!(
            (counts[2] as f64 / counts[0] as f64 - 2.0).abs() < 0.1,
            "{counts:?}"
        );
        assert_eq!(r.weighted_index(&[]), 0);
    }
}
