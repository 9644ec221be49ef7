//! Penalty values and their (sub)gradients: L1, L2 (two scalings), elastic net.
//!
//! Every function takes the weights `w` of any shape and a strength `λ >= 0` (finite), and rejects
//! non-finite weights with [`Error::NonFinite`](crate::Error::NonFinite). Values are accumulated in
//! `f64` and may overflow to `+inf` only if the true value exceeds the type's range.

use super::{cast, check_finite, check_nonneg, tof};
use crate::error::Result;
use crate::float::Float;
use ndarray::{Array, ArrayRef, Dimension};

const LAMBDA: &str = "a finite lambda >= 0";

fn sum_f64<T: Float, D: Dimension>(w: &ArrayRef<T, D>, f: impl Fn(f64) -> f64) -> f64 {
    w.iter().map(|&v| f(tof(v))).sum()
}

/// `sign(w)` with `sign(±0) = 0`, like `torch.sign` (and autograd's subgradient of `|w|` at 0).
#[inline]
pub(crate) fn sign0<T: Float>(v: T) -> T {
    if v > T::zero() {
        T::one()
    } else if v < T::zero() {
        -T::one()
    } else {
        T::zero()
    }
}

/// L1 penalty `λ·Σ|w|` (any shape; returns a scalar).
///
/// ```
/// use ndarray::array;
/// use regularizers::weight_decay::l1_penalty;
/// assert_eq!(l1_penalty(&array![1.0, -2.0, 0.0], 0.5).unwrap(), 1.5);
/// ```
pub fn l1_penalty<T: Float, D: Dimension>(w: &ArrayRef<T, D>, lambda: f64) -> Result<T> {
    check_nonneg("lambda", lambda, LAMBDA)?;
    check_finite("w", w)?;
    Ok(cast::<T>(lambda * sum_f64(w, f64::abs)))
}

/// Subgradient of the L1 penalty: `λ·sign(w)`, with `0` at `w = 0` (as `torch.sign` and autograd give).
/// Same shape as `w`.
///
/// ```
/// use ndarray::array;
/// use regularizers::weight_decay::l1_grad;
/// assert_eq!(l1_grad(&array![3.0, -2.0, 0.0], 0.1).unwrap(), array![0.1, -0.1, 0.0]);
/// ```
pub fn l1_grad<T: Float, D: Dimension>(w: &ArrayRef<T, D>, lambda: f64) -> Result<Array<T, D>> {
    check_nonneg("lambda", lambda, LAMBDA)?;
    check_finite("w", w)?;
    let l = cast::<T>(lambda);
    Ok(w.mapv(|v| l * sign0(v)))
}

/// L2 penalty **without** the ½: `λ·Σw²` (gradient `2λw`, see [`l2_grad`]).
///
/// PyTorch's `weight_decay=λ` corresponds to [`half_l2_penalty`], not to this.
///
/// ```
/// use ndarray::array;
/// use regularizers::weight_decay::l2_penalty;
/// assert_eq!(l2_penalty(&array![1.0, -2.0], 0.5).unwrap(), 2.5);
/// ```
pub fn l2_penalty<T: Float, D: Dimension>(w: &ArrayRef<T, D>, lambda: f64) -> Result<T> {
    check_nonneg("lambda", lambda, LAMBDA)?;
    check_finite("w", w)?;
    Ok(cast::<T>(lambda * sum_f64(w, |v| v * v)))
}

/// Gradient of [`l2_penalty`]: `2λ·w` (same shape as `w`).
///
/// ```
/// use ndarray::array;
/// use regularizers::weight_decay::l2_grad;
/// assert_eq!(l2_grad(&array![1.0, -2.0], 0.5).unwrap(), array![1.0, -2.0]);
/// ```
pub fn l2_grad<T: Float, D: Dimension>(w: &ArrayRef<T, D>, lambda: f64) -> Result<Array<T, D>> {
    check_nonneg("lambda", lambda, LAMBDA)?;
    check_finite("w", w)?;
    let two_l = cast::<T>(2.0 * lambda);
    Ok(w.mapv(|v| two_l * v))
}

/// L2 penalty **with** the ½: `½·λ·Σw²`, whose gradient is `λ·w` ([`half_l2_grad`]).
///
/// This is the penalty that PyTorch's `torch.optim.SGD(weight_decay=λ)` (and `Adam(weight_decay=λ)`)
/// implements: they add `λ·w` to the gradient.
///
/// ```
/// use ndarray::array;
/// use regularizers::weight_decay::half_l2_penalty;
/// assert_eq!(half_l2_penalty(&array![1.0, -2.0], 0.5).unwrap(), 1.25);
/// ```
pub fn half_l2_penalty<T: Float, D: Dimension>(w: &ArrayRef<T, D>, lambda: f64) -> Result<T> {
    check_nonneg("lambda", lambda, LAMBDA)?;
    check_finite("w", w)?;
    Ok(cast::<T>(0.5 * lambda * sum_f64(w, |v| v * v)))
}

/// Gradient of [`half_l2_penalty`]: `λ·w` — exactly what PyTorch's `weight_decay=λ` adds to `grad`.
///
/// ```
/// use ndarray::array;
/// use regularizers::weight_decay::half_l2_grad;
/// assert_eq!(half_l2_grad(&array![1.0, -2.0], 0.5).unwrap(), array![0.5, -1.0]);
/// ```
pub fn half_l2_grad<T: Float, D: Dimension>(w: &ArrayRef<T, D>, lambda: f64) -> Result<Array<T, D>> {
    check_nonneg("lambda", lambda, LAMBDA)?;
    check_finite("w", w)?;
    let l = cast::<T>(lambda);
    Ok(w.mapv(|v| l * v))
}

/// Elastic net penalty `λ₁·Σ|w| + λ₂·Σw²` (Zou & Hastie's form, no ½ on the L2 part).
///
/// ```
/// use ndarray::array;
/// use regularizers::weight_decay::elastic_net_penalty;
/// // 0.1·(1+2) + 0.5·(1+4)
/// assert!((elastic_net_penalty(&array![1.0_f64, -2.0], 0.1, 0.5).unwrap() - 2.8).abs() < 1e-12);
/// ```
pub fn elastic_net_penalty<T: Float, D: Dimension>(w: &ArrayRef<T, D>, lambda1: f64, lambda2: f64) -> Result<T> {
    check_nonneg("lambda1", lambda1, LAMBDA)?;
    check_nonneg("lambda2", lambda2, LAMBDA)?;
    check_finite("w", w)?;
    Ok(cast::<T>(lambda1 * sum_f64(w, f64::abs) + lambda2 * sum_f64(w, |v| v * v)))
}

/// Subgradient of [`elastic_net_penalty`]: `λ₁·sign(w) + 2λ₂·w`, with `sign(0) = 0` (like `torch.sign`).
///
/// ```
/// use ndarray::array;
/// use regularizers::weight_decay::elastic_net_grad;
/// assert_eq!(elastic_net_grad(&array![1.0, 0.0], 0.1, 0.5).unwrap(), array![1.1, 0.0]);
/// ```
pub fn elastic_net_grad<T: Float, D: Dimension>(w: &ArrayRef<T, D>, lambda1: f64, lambda2: f64) -> Result<Array<T, D>> {
    check_nonneg("lambda1", lambda1, LAMBDA)?;
    check_nonneg("lambda2", lambda2, LAMBDA)?;
    check_finite("w", w)?;
    let (l1, two_l2) = (cast::<T>(lambda1), cast::<T>(2.0 * lambda2));
    Ok(w.mapv(|v| l1 * sign0(v) + two_l2 * v))
}
