//! The scalar types the crate is generic over: `f32` and `f64`.

use std::fmt::{Debug, Display};
use std::iter::Sum;

/// A floating-point scalar usable by every regularizer in this crate (implemented for `f32` and `f64`).
///
/// Accumulations that must be accurate (means, variances over many elements) are done in `f64`
/// through [`Float::to_f64`] / [`Float::from_f64`] where that matters for stability.
pub trait Float:
    num_traits::Float
    + num_traits::FromPrimitive
    + num_traits::ToPrimitive
    + ndarray::ScalarOperand
    + ndarray::LinalgScalar
    + Debug
    + Display
    + Default
    + Sum
    + Send
    + Sync
    + 'static
{
    /// Converts from `f64` (rounding to nearest for `f32`).
    fn from_f64(v: f64) -> Self;
    /// Converts to `f64` (exact for both types).
    fn to_f64(self) -> f64;
    /// The type's name as PyTorch spells it: `"float32"` or `"float64"`.
    const DTYPE: &'static str;
}

impl Float for f32 {
    #[inline(always)]
    fn from_f64(v: f64) -> Self {
        v as f32
    }
    #[inline(always)]
    fn to_f64(self) -> f64 {
        self as f64
    }
    const DTYPE: &'static str = "float32";
}

impl Float for f64 {
    #[inline(always)]
    fn from_f64(v: f64) -> Self {
        v
    }
    #[inline(always)]
    fn to_f64(self) -> f64 {
        self
    }
    const DTYPE: &'static str = "float64";
}
