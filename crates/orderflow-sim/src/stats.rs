//! Statistics over runs of several seeds: mean, sample standard deviation,
//! the 95 % confidence interval of a mean (Student's t), and Welch's t-test
//! for the difference of two means. What `orderflow compare` and the
//! claims print comes from here.
//!
//! Pure functions over `f64` slices; the square roots go through `libm` so
//! native and wasm give the same bits, like the rest of the engine.

use serde::Serialize;

/// Student's t quantile at 0.975 (two-sided 95 %) for 1 to 30 degrees of
/// freedom, to seven decimals.
const T975: [f64; 30] = [
    12.706_204_7,
    4.302_652_7,
    3.182_446_3,
    2.776_445_1,
    2.570_581_8,
    2.446_911_9,
    2.364_624_3,
    2.306_004_1,
    2.262_157_2,
    2.228_138_9,
    2.200_985_2,
    2.178_812_8,
    2.160_368_7,
    2.144_786_7,
    2.131_449_5,
    2.119_905_3,
    2.109_815_6,
    2.100_922_0,
    2.093_024_1,
    2.085_963_4,
    2.079_613_8,
    2.073_873_1,
    2.068_657_6,
    2.063_898_6,
    2.059_538_6,
    2.055_529_4,
    2.051_830_5,
    2.048_407_1,
    2.045_229_6,
    2.042_272_5,
];

/// The standard normal quantile at 0.975.
const Z975: f64 = 1.959_963_984_540_054;

/// The arithmetic mean; NaN for no values. Summed as deviations from the
/// first value, which keeps large figures with small differences exact
/// (and a constant sample's mean exactly that constant).
pub fn mean(xs: &[f64]) -> f64 {
    let Some(&first) = xs.first() else {
        return f64::NAN;
    };
    first + xs.iter().map(|x| x - first).sum::<f64>() / xs.len() as f64
}

/// The sample variance (divided by n − 1); NaN for fewer than two values.
pub fn sample_variance(xs: &[f64]) -> f64 {
    if xs.len() < 2 {
        return f64::NAN;
    }
    let m = mean(xs);
    xs.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (xs.len() - 1) as f64
}

/// The sample standard deviation (n − 1); NaN for fewer than two values.
pub fn sample_sd(xs: &[f64]) -> f64 {
    libm::sqrt(sample_variance(xs))
}

/// Student's t quantile at 0.975 for `df` degrees of freedom (at least 1;
/// fractional values, as Welch's test gives, are fine). Up to 30 it comes
/// from the table, interpolated linearly in 1/df between whole degrees
/// (error below 1e-5); beyond, from the Cornish–Fisher expansion around the
/// normal quantile (Abramowitz & Stegun 26.7.5; error below 1e-6 there).
pub fn t_quantile_975(df: f64) -> f64 {
    if df.is_nan() {
        return f64::NAN;
    }
    let df = df.max(1.0);
    if df <= 30.0 {
        let lo = libm::floor(df);
        let at = |d: f64| T975[d as usize - 1];
        if lo == df {
            return at(lo);
        }
        let hi = lo + 1.0;
        let share = (1.0 / lo - 1.0 / df) / (1.0 / lo - 1.0 / hi);
        return at(lo) + (at(hi) - at(lo)) * share;
    }
    let z = Z975;
    let (z2, v) = (z * z, df);
    let z3 = z2 * z;
    let z5 = z3 * z2;
    let z7 = z5 * z2;
    let z9 = z7 * z2;
    z + (z3 + z) / (4.0 * v)
        + (5.0 * z5 + 16.0 * z3 + 3.0 * z) / (96.0 * v * v)
        + (3.0 * z7 + 19.0 * z5 + 17.0 * z3 - 15.0 * z) / (384.0 * v * v * v)
        + (79.0 * z9 + 776.0 * z7 + 1482.0 * z5 - 1920.0 * z3 - 945.0 * z)
            / (92_160.0 * v * v * v * v)
}

/// A mean with its 95 % confidence interval: `mean ± half_width`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Interval {
    pub n: usize,
    pub mean: f64,
    /// Sample standard deviation (NaN for one value).
    pub sd: f64,
    /// Half the interval's width: t(0.975, n − 1) × sd / √n (NaN for one value).
    pub half_width: f64,
}

/// The mean of `xs` and its 95 % confidence interval; `None` for no values.
pub fn interval(xs: &[f64]) -> Option<Interval> {
    if xs.is_empty() {
        return None;
    }
    let n = xs.len();
    let sd = sample_sd(xs);
    let half_width = if n < 2 {
        f64::NAN
    } else {
        t_quantile_975((n - 1) as f64) * sd / libm::sqrt(n as f64)
    };
    Some(Interval {
        n,
        mean: mean(xs),
        sd,
        half_width,
    })
}

/// Welch's t-test of the difference of two means (unequal variances).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Welch {
    /// (mean of b − mean of a) / its standard error.
    pub t: f64,
    /// Welch–Satterthwaite degrees of freedom.
    pub df: f64,
    /// The two-sided 5 % critical value t(0.975, df).
    pub critical: f64,
    /// |t| > critical: the means differ at the 5 % level.
    pub significant: bool,
}

/// Welch's t-test of `b` against `a`; `None` unless both have at least two
/// values. Two samples without spread differ significantly exactly when
/// their means differ.
pub fn welch(a: &[f64], b: &[f64]) -> Option<Welch> {
    if a.len() < 2 || b.len() < 2 {
        return None;
    }
    let (na, nb) = (a.len() as f64, b.len() as f64);
    let (va, vb) = (sample_variance(a) / na, sample_variance(b) / nb);
    let diff = mean(b) - mean(a);
    let se2 = va + vb;
    if se2 == 0.0 {
        let df = na + nb - 2.0;
        let t = if diff == 0.0 {
            0.0
        } else {
            f64::INFINITY.copysign(diff)
        };
        return Some(Welch {
            t,
            df,
            critical: t_quantile_975(df),
            significant: diff != 0.0,
        });
    }
    let t = diff / libm::sqrt(se2);
    let df = se2 * se2 / (va * va / (na - 1.0) + vb * vb / (nb - 1.0));
    let critical = t_quantile_975(df);
    Some(Welch {
        t,
        df,
        critical,
        significant: libm::fabs(t) > critical,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
    }

    #[test]
    fn mean_and_standard_deviation_of_a_textbook_sample() {
        // The classic sample whose population sd is 2: mean 5, sum of
        // squared deviations 32, so the sample sd is √(32 / 7).
        let xs = [2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0];
        assert_eq!(mean(&xs), 5.0);
        assert!(close(sample_sd(&xs), (32.0f64 / 7.0).sqrt(), 1e-12));
        assert!(mean(&[]).is_nan());
        assert!(sample_sd(&[3.0]).is_nan());
    }

    #[test]
    fn t_quantiles_match_the_table_and_the_limit() {
        assert!(close(t_quantile_975(19.0), 2.093, 5e-4));
        assert!(close(t_quantile_975(1.0), 12.706, 5e-4));
        assert!(close(t_quantile_975(10.0), 2.228, 5e-4));
        // Beyond the table: reference values from the t distribution's
        // integral (40: 2.0210754, 60: 2.0002978, 120: 1.9799304).
        assert!(close(t_quantile_975(40.0), 2.021_075_4, 1e-6));
        assert!(close(t_quantile_975(60.0), 2.000_297_8, 1e-6));
        assert!(close(t_quantile_975(120.0), 1.979_930_4, 1e-6));
        // The expansion meets the table at 30, and tends to the normal quantile.
        assert!(close(t_quantile_975(30.000_001), 2.042_272_5, 1e-5));
        assert!(close(t_quantile_975(1e9), 1.959_964, 1e-6));
        // Between whole degrees (Welch's df): 19.5 is 2.0893976.
        assert!(close(t_quantile_975(19.5), 2.089_397_6, 1e-5));
        // Less than one degree is treated as one.
        assert_eq!(t_quantile_975(0.3), t_quantile_975(1.0));
        // Falls as the degrees grow.
        let qs: Vec<f64> = (1..200)
            .map(|d| t_quantile_975(f64::from(d) / 2.0 + 0.5))
            .collect();
        assert!(qs.windows(2).all(|w| w[1] < w[0]));
    }

    #[test]
    fn the_interval_of_a_mean() {
        // n = 20 values 1..=20: mean 10.5, sd √35, half width
        // 2.0930241 × √35 / √20 = 2.7688.
        let xs: Vec<f64> = (1..=20).map(f64::from).collect();
        let i = interval(&xs).unwrap();
        assert_eq!((i.n, i.mean), (20, 10.5));
        assert!(close(i.sd, 35f64.sqrt(), 1e-12));
        assert!(close(
            i.half_width,
            2.093_024_1 * (35.0f64 / 20.0).sqrt(),
            1e-9
        ));
        // A constant sample has a zero interval.
        let c = interval(&[4.2; 12]).unwrap();
        assert_eq!((c.mean, c.sd, c.half_width), (4.2, 0.0, 0.0));
        // One value: a mean, no interval; none: nothing.
        assert!(interval(&[3.0]).unwrap().half_width.is_nan());
        assert_eq!(interval(&[]), None);
    }

    #[test]
    fn welch_test_on_a_textbook_example() {
        // Welch's t-test example with unequal variances (Wikipedia,
        // "Welch's t-test", example 1): t = −2.46 (a against b here, so
        // +2.46), df ≈ 25.0, significant at 5 % (p = 0.021).
        let a = [
            27.5, 21.0, 19.0, 23.6, 17.0, 17.9, 16.9, 20.1, 21.9, 22.6, 23.1, 19.6, 19.0, 21.7,
            21.4,
        ];
        let b = [
            27.1, 22.0, 20.8, 23.4, 23.4, 23.5, 25.8, 22.0, 24.8, 20.2, 21.9, 22.1, 22.9, 20.5,
            24.4,
        ];
        let w = welch(&a, &b).unwrap();
        assert!(close(w.t, 2.46, 5e-3), "{w:?}");
        assert!(close(w.df, 25.0, 0.05), "{w:?}");
        assert!(w.significant);
        // Swapping the samples flips the sign only.
        let s = welch(&b, &a).unwrap();
        assert_eq!((s.t, s.df), (-w.t, w.df));
    }

    #[test]
    fn welch_without_spread_or_difference() {
        let same = [3.0, 4.0, 5.0, 6.0];
        let w = welch(&same, &same).unwrap();
        assert_eq!((w.t, w.significant), (0.0, false));
        let flat = welch(&[2.0; 5], &[2.0; 5]).unwrap();
        assert!(!flat.significant);
        let apart = welch(&[2.0; 5], &[3.0; 5]).unwrap();
        assert!(apart.significant && apart.t == f64::INFINITY);
        // A small difference drowned in noise is not significant.
        let noisy = welch(&[1.0, 9.0, 2.0, 8.0], &[1.5, 9.5, 2.5, 8.5]).unwrap();
        assert!(!noisy.significant);
        assert_eq!(welch(&[1.0], &[2.0, 3.0]), None);
    }
}
