//! InstanceNorm (Ulyanov, Vedaldi & Lempitsky, 2016), as PyTorch's `nn.InstanceNorm2d`.

use super::NormCache;
use super::group_norm::{check_channel_input, group_backward, group_forward};
use crate::batch_norm::{NormGrads, check_same_shape};
use crate::error::check_eps;
use crate::{Error, Float, Result};
use ndarray::{Array1, ArrayD, IxDyn};

/// Hyper-parameters of an [`InstanceNorm`], with PyTorch's defaults (`eps = 1e-5`, `affine = false`).
///
/// Running statistics (`track_running_stats = true` in PyTorch) are not supported: like PyTorch's
/// default, the layer always normalizes with the statistics of the instance itself, in training and
/// in evaluation alike.
///
/// ```
/// use regularizers::layer_norm::InstanceNormConfig;
/// let c = InstanceNormConfig::new(3);
/// assert_eq!((c.num_features, c.eps, c.affine), (3, 1e-5, false));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct InstanceNormConfig {
    /// `C`, the number of channels.
    pub num_features: usize,
    /// `ε` (default `1e-5`), finite and `> 0`.
    pub eps: f64,
    /// Per-channel learnable `γ`, `β` (default `false`, unlike BatchNorm and GroupNorm).
    pub affine: bool,
}

impl InstanceNormConfig {
    /// PyTorch's defaults for `nn.InstanceNorm2d(num_features)`.
    ///
    /// ```
    /// use regularizers::layer_norm::InstanceNormConfig;
    /// assert!(!InstanceNormConfig::new(3).affine);
    /// ```
    pub fn new(num_features: usize) -> Self {
        InstanceNormConfig { num_features, eps: 1e-5, affine: false }
    }
    /// Sets `eps`.
    ///
    /// ```
    /// use regularizers::layer_norm::InstanceNormConfig;
    /// assert_eq!(InstanceNormConfig::new(3).with_eps(1e-3).eps, 1e-3);
    /// ```
    pub fn with_eps(mut self, eps: f64) -> Self {
        self.eps = eps;
        self
    }
    /// Sets `affine`.
    ///
    /// ```
    /// use regularizers::layer_norm::InstanceNormConfig;
    /// assert!(InstanceNormConfig::new(3).with_affine(true).affine);
    /// ```
    pub fn with_affine(mut self, affine: bool) -> Self {
        self.affine = affine;
        self
    }
}

/// Instance normalization of images: every channel of every sample is normalized over its `H × W`
/// values with its own mean and biased variance (GroupNorm with `G = C`):
///
/// ```text
/// y[n, c, h, w] = (x[n, c, h, w] − μ[n, c]) / √(σ²[n, c] + ε) · γ[c] + β[c]
/// ```
///
/// Input `(N, C, H, W)` (batched) or `(C, H, W)` (unbatched, as PyTorch's InstanceNorm2d); `γ`, `β`
/// of shape `(C,)` when `affine`. Unlike PyTorch (which only warns), a channel count different from
/// `num_features` is an error.
///
/// ```
/// use ndarray::{ArrayD, IxDyn};
/// use regularizers::layer_norm::{InstanceNorm, InstanceNormConfig};
/// let inorm = InstanceNorm::<f64>::new(InstanceNormConfig::new(2))?;
/// let x = ArrayD::from_shape_fn(IxDyn(&[2, 3, 3]), |i| (i[0] * 100 + i[1] * 3 + i[2] * i[2]) as f64);
/// let (y, _) = inorm.forward(&x)?; // unbatched (C, H, W)
/// assert!(y.index_axis(ndarray::Axis(0), 1).sum().abs() < 1e-12); // channel 1 has mean 0
/// # Ok::<(), regularizers::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct InstanceNorm<T> {
    config: InstanceNormConfig,
    /// `γ`, shape `(C,)` (`None` unless `affine`).
    pub weight: Option<Array1<T>>,
    /// `β`, shape `(C,)` (`None` unless `affine`).
    pub bias: Option<Array1<T>>,
}

impl<T: Float> InstanceNorm<T> {
    /// A new layer. Errors: `eps` not finite or `≤ 0`, `num_features = 0`.
    ///
    /// ```
    /// use regularizers::layer_norm::{InstanceNorm, InstanceNormConfig};
    /// assert!(InstanceNorm::<f32>::new(InstanceNormConfig::new(3))?.weight.is_none());
    /// assert!(InstanceNorm::<f32>::new(InstanceNormConfig::new(3).with_eps(0.0)).is_err());
    /// # Ok::<(), regularizers::Error>(())
    /// ```
    pub fn new(config: InstanceNormConfig) -> Result<Self> {
        check_eps(config.eps)?;
        if config.num_features == 0 {
            return Err(Error::InvalidParameter { name: "num_features", value: 0.0, allowed: "num_features >= 1" });
        }
        let c = config.num_features;
        let (weight, bias) = if config.affine { (Some(Array1::ones(c)), Some(Array1::zeros(c))) } else { (None, None) };
        Ok(InstanceNorm { config, weight, bias })
    }

    /// The configuration.
    ///
    /// ```
    /// use regularizers::layer_norm::{InstanceNorm, InstanceNormConfig};
    /// let inorm = InstanceNorm::<f64>::new(InstanceNormConfig::new(3))?;
    /// assert_eq!(inorm.config().num_features, 3);
    /// # Ok::<(), regularizers::Error>(())
    /// ```
    pub fn config(&self) -> &InstanceNormConfig {
        &self.config
    }

    /// `(N, C, S)` of a 4-D or (unbatched) 3-D input.
    fn check(&self, shape: &[usize]) -> Result<(usize, usize, usize)> {
        let batched: Vec<usize> = match shape.len() {
            4 => shape.to_vec(),
            3 => [&[1], shape].concat(),
            _ => {
                return Err(Error::InvalidShape {
                    what: "InstanceNorm input".into(),
                    got: shape.to_vec(),
                    allowed: "expected 3D (unbatched C, H, W) or 4D (N, C, H, W) input".into(),
                });
            }
        };
        let c = self.config.num_features;
        check_channel_input("InstanceNorm input", &batched, c, self.weight.as_ref(), self.bias.as_ref())
    }

    /// Forward pass: output (input's shape) and per-`(n, c)` statistics.
    ///
    /// Errors: input not 3-D or 4-D, wrong channel count, empty input, parameters of the wrong shape.
    ///
    /// ```
    /// use ndarray::{ArrayD, IxDyn};
    /// use regularizers::layer_norm::{InstanceNorm, InstanceNormConfig};
    /// let inorm = InstanceNorm::<f32>::new(InstanceNormConfig::new(3))?;
    /// assert!(inorm.forward(&ArrayD::zeros(IxDyn(&[2, 3]))).is_err()); // no spatial dims
    /// # Ok::<(), regularizers::Error>(())
    /// ```
    pub fn forward(&self, x: &ArrayD<T>) -> Result<(ArrayD<T>, NormCache)> {
        let (n, c, s) = self.check(x.shape())?;
        let x_std = x.as_standard_layout();
        let mut ys = vec![T::zero(); x.len()];
        let (mean, rstd) = group_forward(
            x_std.as_slice().expect("contiguous"),
            &mut ys,
            [n, c, s, c],
            self.weight.as_ref(),
            self.bias.as_ref(),
            self.config.eps,
        );
        let y = ArrayD::from_shape_vec(IxDyn(x.shape()), ys).expect("same length");
        Ok((y, NormCache { mean, rstd, shape: x.shape().to_vec() }))
    }

    /// Backward pass, per `(n, c)` with `x̂ = (x − μ)·rstd` and means over `H × W`:
    /// `∂L/∂x = rstd·γ·(dy − mean(dy) − x̂·mean(dy·x̂))`, `∂L/∂γ = Σ dy·x̂`, `∂L/∂β = Σ dy`
    /// (parameter gradients only with `affine`).
    ///
    /// ```
    /// use ndarray::{ArrayD, IxDyn};
    /// use regularizers::layer_norm::{InstanceNorm, InstanceNormConfig};
    /// let inorm = InstanceNorm::<f64>::new(InstanceNormConfig::new(1))?;
    /// let x = ArrayD::from_shape_vec(IxDyn(&[1, 2, 2]), vec![1.0, 2.0, 4.0, 7.0]).unwrap();
    /// let (_, cache) = inorm.forward(&x)?;
    /// let g = inorm.backward(&x, &ArrayD::ones(IxDyn(&[1, 2, 2])), &cache)?;
    /// assert!(g.grad_input.iter().all(|v| v.abs() < 1e-12) && g.grad_weight.is_none());
    /// # Ok::<(), regularizers::Error>(())
    /// ```
    pub fn backward(&self, x: &ArrayD<T>, grad_output: &ArrayD<T>, cache: &NormCache) -> Result<NormGrads<T>> {
        let (n, c, s) = self.check(x.shape())?;
        check_same_shape("grad_output vs input", x.shape(), grad_output.shape())?;
        check_same_shape("input vs forward cache", &cache.shape, x.shape())?;
        let x_std = x.as_standard_layout();
        let dy_std = grad_output.as_standard_layout();
        let (dx, dgamma, dbeta) = group_backward(
            x_std.as_slice().expect("contiguous"),
            dy_std.as_slice().expect("contiguous"),
            [n, c, s, c],
            self.weight.as_ref(),
            cache,
        );
        let affine = self.config.affine;
        Ok(NormGrads {
            grad_input: ArrayD::from_shape_vec(IxDyn(x.shape()), dx).expect("same length"),
            grad_weight: affine.then(|| Array1::from(dgamma).into_dyn()),
            grad_bias: affine.then(|| Array1::from(dbeta).into_dyn()),
        })
    }
}
