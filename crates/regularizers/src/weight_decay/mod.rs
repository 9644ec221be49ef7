//! L1 / L2 penalties, the L1 proximal step, the max-norm constraint, and the optimizers whose
//! `weight_decay` argument implements them (SGD, Adam with coupled L2, AdamW with decoupled decay).
//!
//! The one fact to remember: PyTorch's `SGD(weight_decay=λ)` adds `λ·w` to the gradient, which is
//! the gradient of **½λΣw²** ([`half_l2_penalty`]), not of λΣw² ([`l2_penalty`], gradient `2λw`).
//! For plain SGD, coupled L2 and decoupled decay coincide after rescaling (`λ' = ηλ`); for Adam they do
//! not, which is why AdamW exists (see [`adam_step`] and [`adamw_step`]).

mod adam;
mod max_norm;
mod penalty;
mod prox;
mod sgd;

pub use adam::{Adam, AdamConfig, AdamState, WeightDecayMode, adam_step, adamw_step};
pub use max_norm::{max_norm_constraint, row_norms};
pub use penalty::{
    elastic_net_grad, elastic_net_penalty, half_l2_grad, half_l2_penalty, l1_grad, l1_penalty, l2_grad, l2_penalty,
};
pub use prox::{l1_prox, soft_threshold};
pub use sgd::{Sgd, SgdConfig, sgd_step};

use crate::error::{Error, Result};
use crate::float::Float;
use ndarray::{ArrayRef, Dimension};

/// `name` must be finite and `>= 0` (penalty strengths, learning rates, weight decay, momentum).
pub(crate) fn check_nonneg(name: &'static str, value: f64, allowed: &'static str) -> Result<()> {
    if value.is_finite() && value >= 0.0 { Ok(()) } else { Err(Error::InvalidParameter { name, value, allowed }) }
}

/// Every element of `a` must be finite.
pub(crate) fn check_finite<T: Float, D: Dimension>(what: &'static str, a: &ArrayRef<T, D>) -> Result<()> {
    if a.iter().all(|v| v.is_finite()) { Ok(()) } else { Err(Error::NonFinite { what }) }
}

/// `got` must have exactly the shape `expected`.
pub(crate) fn check_same_shape(what: &str, expected: &[usize], got: &[usize]) -> Result<()> {
    if expected == got {
        Ok(())
    } else {
        Err(Error::ShapeMismatch { what: what.to_string(), expected: expected.to_vec(), got: got.to_vec() })
    }
}

/// `f64 → T` (rounding to nearest for `f32`); a free function because `T::from_f64` is ambiguous with
/// `num_traits::FromPrimitive::from_f64`.
#[inline(always)]
pub(crate) fn cast<T: Float>(v: f64) -> T {
    <T as Float>::from_f64(v)
}

/// `T → f64` (exact).
#[inline(always)]
pub(crate) fn tof<T: Float>(v: T) -> f64 {
    <T as Float>::to_f64(v)
}

/// An array of this shape can be allocated: the product of the non-zero axis lengths (what ndarray checks)
/// times 8 bytes fits in `isize`. Otherwise a typed error instead of ndarray's panic.
pub(crate) fn check_alloc(what: &str, shape: &[usize]) -> Result<()> {
    let ok = shape
        .iter()
        .filter(|&&d| d != 0)
        .try_fold(1usize, |acc, &d| acc.checked_mul(d))
        .is_some_and(|n| n <= isize::MAX as usize / 8);
    if ok { Ok(()) } else { Err(Error::Invalid(format!("{what} of shape {shape:?} is too large to allocate"))) }
}
