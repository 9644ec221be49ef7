//! The proximal step of the L1 penalty (soft-thresholding), which — unlike a subgradient step —
//! produces exact zeros: this is *why* L1 gives sparse weights in proximal / ISTA training.

use super::{cast, check_finite, check_nonneg};
use crate::error::Result;
use crate::float::Float;
use ndarray::{Array, ArrayRef, Dimension};

/// Soft-thresholding `S_t(w) = sign(w)·max(|w| − t, 0)`, elementwise, same shape as `w`.
///
/// Every `|w| <= t` becomes an exact `+0.0`. `t` must be finite and `>= 0`; `w` must be finite.
///
/// ```
/// use ndarray::array;
/// use regularizers::weight_decay::soft_threshold;
/// let w = array![0.5, -0.05, 0.1, -2.0];
/// assert_eq!(soft_threshold(&w, 0.1).unwrap(), array![0.4, 0.0, 0.0, -1.9]);
/// ```
pub fn soft_threshold<T: Float, D: Dimension>(w: &ArrayRef<T, D>, t: f64) -> Result<Array<T, D>> {
    check_nonneg("threshold", t, "a finite threshold >= 0")?;
    check_finite("w", w)?;
    let t = cast::<T>(t);
    Ok(w.mapv(|v| shrink(v, t)))
}

#[inline]
fn shrink<T: Float>(v: T, t: T) -> T {
    // ANCHOR: soft_threshold
    // Inside the dead zone the answer is exactly 0, not a tiny residue: that is the sparsity.
    if v.abs() <= t {
        T::zero()
    } else if v > T::zero() {
        v - t
    } else {
        v + t
    }
    // ANCHOR_END: soft_threshold
}

/// Proximal operator of `η·λ·Σ|w|`: `prox(w) = argmin_u ½‖u − w‖² + ηλ‖u‖₁ = S_{ηλ}(w)`.
///
/// One ISTA / proximal-gradient step on `loss + λΣ|w|` is `l1_prox(&(w - η·∇loss), η, λ)`.
/// Entries with `|w| <= ηλ` become exact zeros. `lr` (η) and `lambda` (λ) must be finite and `>= 0`.
///
/// ```
/// use ndarray::array;
/// use regularizers::weight_decay::l1_prox;
/// let w = array![0.5, -0.1, 0.125];
/// // ηλ = 0.25 · 0.5 = 0.125: the two small weights become exactly 0.
/// assert_eq!(l1_prox(&w, 0.25, 0.5).unwrap(), array![0.375, 0.0, 0.0]);
/// ```
// ANCHOR: l1_prox
pub fn l1_prox<T: Float, D: Dimension>(w: &ArrayRef<T, D>, lr: f64, lambda: f64) -> Result<Array<T, D>> {
    check_nonneg("lr", lr, "a finite lr >= 0")?;
    check_nonneg("lambda", lambda, "a finite lambda >= 0")?;
    // The threshold is the step size times the penalty strength: a bigger step shrinks more.
    soft_threshold(w, lr * lambda)
}
// ANCHOR_END: l1_prox
