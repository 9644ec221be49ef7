//! LayerNorm and its family: GroupNorm, InstanceNorm, RMSNorm.
//!
//! All of them normalize each *sample* on its own (unlike BatchNorm, which normalizes each channel
//! across the batch), so they behave identically in training and evaluation and work with a batch
//! of one. They differ only in which values share a mean and variance:
//!
//! | layer | input | one normalization group | affine parameters |
//! |---|---|---|---|
//! | [`LayerNorm`] | `(*, normalized_shape)` | the trailing `normalized_shape` values | per element of `normalized_shape` |
//! | [`GroupNorm`] | `(N, C, *)` | `C/G` channels × spatial of one sample | per channel |
//! | [`InstanceNorm`] | `(N, C, H, W)` or `(C, H, W)` | one channel of one sample | per channel (off by default) |
//! | [`RmsNorm`] | `(*, normalized_shape)` | as LayerNorm, but no mean is subtracted | per element (scale only) |
//!
//! With `μ`, `σ²` the mean and **biased** variance (divide by the group size `D`) of a group:
//!
//! ```text
//! LayerNorm / GroupNorm / InstanceNorm:  y = (x − μ)/√(σ² + ε) · γ + β
//! RMSNorm:                               y = x / √(mean(x²) + ε) · γ
//! ```
//!
//! Statistics are two-pass and accumulated in `f64`, and `x − μ` is formed without cancellation (see
//! the crate's kernels), so `f32` inputs with a large common offset keep their accuracy. Every
//! backward pass uses the closed form `∂L/∂x = rstd·(g − mean(g) − x̂·mean(g·x̂))` with `g = dy·γ`
//! (RMSNorm: without the `mean(g)` term).
//!
//! **NaN and infinity** are not rejected: they propagate, and make the whole normalization group
//! they belong to NaN (a non-finite value poisons the group's mean and variance), as in PyTorch.
//! Finite values whose squares or differences overflow `T` likewise give inf/NaN for their group.

#[allow(clippy::module_inception)]
mod layer_norm;
mod group_norm;
mod instance_norm;
mod rms_norm;

pub use crate::batch_norm::{NormGrads, ParamGrads};
pub use group_norm::{GroupNorm, GroupNormConfig};
pub use instance_norm::{InstanceNorm, InstanceNormConfig};
pub use layer_norm::{LayerNorm, LayerNormConfig};
pub use rms_norm::{RmsNorm, RmsNormConfig};

use crate::{Error, Result};

/// Per-group statistics kept by a forward pass for the matching backward pass.
///
/// `mean` is `μ` per normalization group (all zeros for RMSNorm) and `rstd` is `1/√(σ² + ε)`
/// (RMSNorm: `1/√(mean(x²) + ε)`), both in `f64`, in row-major group order.
///
/// ```
/// use ndarray::{ArrayD, IxDyn};
/// use regularizers::layer_norm::{LayerNorm, LayerNormConfig};
/// let ln = LayerNorm::<f64>::new(LayerNormConfig::new(&[2]))?;
/// let (_, cache) = ln.forward(&ArrayD::from_shape_vec(IxDyn(&[1, 2]), vec![1.0, 3.0]).unwrap())?;
/// assert_eq!(cache.mean(), &[2.0]);
/// assert!((cache.rstd()[0] - 1.0 / (1.0f64 + 1e-5).sqrt()).abs() < 1e-15);
/// # Ok::<(), regularizers::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct NormCache {
    pub(crate) mean: Vec<f64>,
    pub(crate) rstd: Vec<f64>,
    pub(crate) shape: Vec<usize>,
}

impl NormCache {
    /// `μ` per group.
    ///
    /// ```
    /// use ndarray::{ArrayD, IxDyn};
    /// use regularizers::layer_norm::{RmsNorm, RmsNormConfig};
    /// let rms = RmsNorm::<f64>::new(RmsNormConfig::new(&[2]))?;
    /// let (_, cache) = rms.forward(&ArrayD::from_shape_vec(IxDyn(&[1, 2]), vec![3.0, 4.0]).unwrap())?;
    /// assert_eq!((cache.mean(), cache.input_shape()), (&[0.0][..], &[1, 2][..]));
    /// assert!((cache.rstd()[0] - 1.0 / 12.5f64.sqrt()).abs() < 1e-12);
    /// # Ok::<(), regularizers::Error>(())
    /// ```
    pub fn mean(&self) -> &[f64] {
        &self.mean
    }
    /// `1/√(σ² + ε)` per group.
    ///
    /// ```
    /// use ndarray::{ArrayD, IxDyn};
    /// use regularizers::layer_norm::{RmsNorm, RmsNormConfig};
    /// let rms = RmsNorm::<f64>::new(RmsNormConfig::new(&[2]))?;
    /// let (_, cache) = rms.forward(&ArrayD::from_shape_vec(IxDyn(&[1, 2]), vec![3.0, 4.0]).unwrap())?;
    /// assert_eq!((cache.mean(), cache.input_shape()), (&[0.0][..], &[1, 2][..]));
    /// assert!((cache.rstd()[0] - 1.0 / 12.5f64.sqrt()).abs() < 1e-12);
    /// # Ok::<(), regularizers::Error>(())
    /// ```
    pub fn rstd(&self) -> &[f64] {
        &self.rstd
    }
    /// The shape of the forward input.
    ///
    /// ```
    /// use ndarray::{ArrayD, IxDyn};
    /// use regularizers::layer_norm::{RmsNorm, RmsNormConfig};
    /// let rms = RmsNorm::<f64>::new(RmsNormConfig::new(&[2]))?;
    /// let (_, cache) = rms.forward(&ArrayD::from_shape_vec(IxDyn(&[1, 2]), vec![3.0, 4.0]).unwrap())?;
    /// assert_eq!((cache.mean(), cache.input_shape()), (&[0.0][..], &[1, 2][..]));
    /// assert!((cache.rstd()[0] - 1.0 / 12.5f64.sqrt()).abs() < 1e-12);
    /// # Ok::<(), regularizers::Error>(())
    /// ```
    pub fn input_shape(&self) -> &[usize] {
        &self.shape
    }
}

/// Checks a `normalized_shape` (non-empty, no zero size).
pub(crate) fn check_normalized_shape(shape: &[usize]) -> Result<()> {
    if shape.is_empty() || shape.contains(&0) {
        return Err(Error::InvalidShape {
            what: "normalized_shape".into(),
            got: shape.to_vec(),
            allowed: "at least one dimension, all sizes >= 1".into(),
        });
    }
    Ok(())
}

/// Splits an input `(*, normalized_shape)` into `rows × d`; checks the trailing dimensions.
pub(crate) fn rows_and_width(normalized_shape: &[usize], input: &[usize]) -> Result<(usize, usize)> {
    let k = normalized_shape.len();
    if input.len() < k || &input[input.len() - k..] != normalized_shape {
        let got = if input.len() >= k { input[input.len() - k..].to_vec() } else { input.to_vec() };
        return Err(Error::ShapeMismatch {
            what: format!("trailing dims of input of size {input:?} vs normalized_shape (expected input with shape [*, {normalized_shape:?}])"),
            expected: normalized_shape.to_vec(),
            got,
        });
    }
    if input.contains(&0) {
        return Err(Error::EmptyInput { what: "normalization input" });
    }
    let d: usize = normalized_shape.iter().product();
    Ok((input.iter().product::<usize>() / d, d))
}

/// Checks that an optional parameter has the expected shape.
pub(crate) fn check_param<T>(name: &str, p: Option<&ndarray::ArrayD<T>>, expected: &[usize]) -> Result<()> {
    match p {
        Some(a) if a.shape() != expected => Err(Error::ShapeMismatch {
            what: format!("{name} vs its expected shape"),
            expected: expected.to_vec(),
            got: a.shape().to_vec(),
        }),
        _ => Ok(()),
    }
}
