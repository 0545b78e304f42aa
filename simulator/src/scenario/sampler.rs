//! The offset sampler: a normal distribution (`rand_distr`), truncated to
//! `[min, max]` by redrawing, rounded to whole nanoseconds.

use rand::rngs::StdRng;
use rand_distr::{Distribution, Normal};
use serde::Deserialize;

/// A clipped normal distribution of offsets (ns).
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dist {
    #[serde(default)]
    pub mean: f64,
    #[serde(default = "default_sd")]
    pub sd: f64,
    /// Lowest value produced.
    #[serde(default = "default_lo")]
    pub min: i64,
    /// Highest value produced.
    #[serde(default = "default_hi")]
    pub max: i64,
}

fn default_sd() -> f64 {
    8.0
}
fn default_lo() -> i64 {
    -40
}
fn default_hi() -> i64 {
    40
}

impl Default for Dist {
    fn default() -> Self {
        Dist {
            mean: 0.0,
            sd: default_sd(),
            min: default_lo(),
            max: default_hi(),
        }
    }
}

/// Redraws before giving up and clamping.
const TRIES: usize = 32;

impl Dist {
    /// One sample: normal(mean, sd), redrawn when outside `[min, max]`
    /// (a truncated normal), clamped after `TRIES` misses. A non-positive
    /// or non-finite `sd` gives the mean.
    pub fn sample(&self, rng: &mut StdRng) -> i64 {
        let (lo, hi) = (self.min, self.max.max(self.min));
        let Ok(normal) = Normal::new(self.mean, self.sd) else {
            return (self.mean.round() as i64).clamp(lo, hi);
        };
        let mut v = self.mean;
        for _ in 0..TRIES {
            v = normal.sample(rng).round();
            if v >= lo as f64 && v <= hi as f64 {
                return v as i64;
            }
        }
        (v as i64).clamp(lo, hi)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn a_degenerate_distribution_gives_the_clamped_mean() {
        let mut rng = StdRng::seed_from_u64(1);
        let d = Dist {
            mean: 7.4,
            sd: -1.0,
            min: 0,
            max: 5,
        };
        assert_eq!(d.sample(&mut rng), 5);
    }

    #[test]
    fn samples_stay_in_their_bounds() {
        let mut rng = StdRng::seed_from_u64(2);
        let d = Dist {
            mean: 0.0,
            sd: 50.0,
            min: -3,
            max: 4,
        };
        assert!((0..1000)
            .map(|_| d.sample(&mut rng))
            .all(|v| (-3..=4).contains(&v)));
    }
}
