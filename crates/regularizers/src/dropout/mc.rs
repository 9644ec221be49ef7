//! Monte Carlo dropout (Gal & Ghahramani 2016): keep dropout *on* at inference, run `T` stochastic
//! forward passes and use their mean as the prediction and their spread as an uncertainty estimate.
//! Only dropout is switched to training mode: BatchNorm stays in eval mode (running statistics), or
//! the "uncertainty" would mostly measure the composition of the test batch.

use crate::error::{Error, Result};
use crate::float::Float;
use crate::rng::Rng;
use crate::weight_decay::{cast, tof};
use ndarray::{Array, Dimension, Zip};

/// The result of [`mc_dropout`]: per-element mean and variance of the `T` passes.
#[derive(Debug, Clone, PartialEq)]
pub struct McEstimate<T: Float, D: Dimension> {
    /// `μ = (1/T) Σ_t y_t` (elementwise, the predictive mean).
    pub mean: Array<T, D>,
    /// The **biased** (population) variance `(1/T) Σ_t (y_t − μ)²`, the spread of the `T` samples
    /// themselves (Gal's predictive variance without the `τ⁻¹` model-precision term).
    pub variance: Array<T, D>,
    /// `T`, the number of passes.
    pub passes: usize,
}

impl<T: Float, D: Dimension> McEstimate<T, D> {
    /// The unbiased sample variance `(1/(T − 1)) Σ_t (y_t − μ)² = variance · T/(T − 1)`. Errors if `T < 2`.
    ///
    /// ```
    /// use ndarray::array;
    /// use regularizers::{Rng, dropout::mc_dropout};
    /// let mut k = 0.0;
    /// let est = mc_dropout(2, &mut Rng::seed_from_u64(0), |_| { k += 1.0; Ok(array![k]) }).unwrap();
    /// assert_eq!((est.variance[0], est.unbiased_variance().unwrap()[0]), (0.25, 0.5));
    /// ```
    pub fn unbiased_variance(&self) -> Result<Array<T, D>> {
        if self.passes < 2 {
            return Err(Error::Invalid(format!("the unbiased variance needs at least 2 passes, got {}", self.passes)));
        }
        let f = cast::<T>(self.passes as f64 / (self.passes - 1) as f64);
        Ok(self.variance.mapv(|v| v * f))
    }
}

/// Runs `forward` `passes` times (each call gets the shared `rng`, so it can sample fresh dropout masks)
/// and returns the elementwise mean and biased variance, accumulated in `f64` with Welford's update
/// (no `E[y²] − E[y]²` cancellation).
///
/// Errors: `passes == 0`; a pass whose shape differs from the first; a non-finite output; any error
/// returned by `forward` (passed through).
///
/// ```
/// use ndarray::Array1;
/// use regularizers::{Rng, dropout::{mc_dropout, dropout_train}};
/// let x = Array1::<f64>::ones(4);
/// let est = mc_dropout(2000, &mut Rng::seed_from_u64(1), |rng| dropout_train(&x, 0.5, rng)).unwrap();
/// // Each element is 0 or 2 with probability 1/2: mean ≈ 1, variance ≈ 1.
/// assert!(est.mean.iter().all(|&m| (m - 1.0).abs() < 0.15));
/// assert!(est.variance.iter().all(|&v| (v - 1.0).abs() < 0.15));
/// ```
pub fn mc_dropout<T, D, F>(passes: usize, rng: &mut Rng, mut forward: F) -> Result<McEstimate<T, D>>
where
    T: Float,
    D: Dimension,
    F: FnMut(&mut Rng) -> Result<Array<T, D>>,
{
    if passes == 0 {
        return Err(Error::Invalid("mc_dropout needs at least 1 pass, got 0".into()));
    }
    // ANCHOR: mc_dropout
    let first = forward(rng)?;
    let mut mean = first.mapv(tof);
    let mut m2 = Array::<f64, D>::zeros(first.raw_dim());
    for t in 2..=passes {
        let y = forward(rng)?; // a fresh dropout mask on every pass
        if y.shape() != mean.shape() {
            return Err(Error::ShapeMismatch {
                what: "mc_dropout pass output vs first pass".into(),
                expected: mean.shape().to_vec(),
                got: y.shape().to_vec(),
            });
        }
        // Welford: stable running mean and sum of squared deviations.
        Zip::from(&mut mean).and(&mut m2).and(&y).for_each(|mu, m2, &y| {
            let y = tof(y);
            let d = y - *mu;
            *mu += d / t as f64;
            *m2 += d * (y - *mu);
        });
    }
    let variance = m2.mapv(|s| cast::<T>(s / passes as f64));
    // ANCHOR_END: mc_dropout
    if !mean.iter().all(|v| v.is_finite()) || !variance.iter().all(|v| v.is_finite()) {
        return Err(Error::NonFinite { what: "mc_dropout pass output" });
    }
    Ok(McEstimate { mean: mean.mapv(cast::<T>), variance, passes })
}
