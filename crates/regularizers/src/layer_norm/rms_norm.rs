//! RMSNorm (Zhang & Sennrich, 2019), as PyTorch's `nn.RMSNorm`.

use super::{NormCache, check_normalized_shape, check_param, rows_and_width};
use crate::batch_norm::kernels::{LANES, f64_of, from_f64, lanes, lanes_mut, simd_dispatch, sum_sq};
use crate::batch_norm::{NormGrads, check_same_shape, out_slice};
use crate::error::check_eps;
use crate::{Float, Result};
use ndarray::{ArrayD, IxDyn};

/// Hyper-parameters of an [`RmsNorm`], with PyTorch's defaults.
///
/// `eps = None` means PyTorch's default, the machine epsilon of the element type
/// (`torch.finfo(dtype).eps`: `f32::EPSILON ≈ 1.19e-7`, `f64::EPSILON ≈ 2.22e-16`).
///
/// ```
/// use regularizers::layer_norm::RmsNormConfig;
/// let c = RmsNormConfig::new(&[4096]);
/// assert_eq!((c.eps, c.elementwise_affine), (None, true));
/// assert_eq!(c.effective_eps::<f32>(), f32::EPSILON as f64);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct RmsNormConfig {
    /// The trailing dimensions normalized together.
    pub normalized_shape: Vec<usize>,
    /// `ε`; `None` = machine epsilon of the element type (PyTorch's default).
    pub eps: Option<f64>,
    /// Learnable `γ` of shape `normalized_shape`, initialized to ones (default `true`). No bias.
    pub elementwise_affine: bool,
}

impl RmsNormConfig {
    /// PyTorch's defaults for `nn.RMSNorm(normalized_shape)`.
    ///
    /// ```
    /// use regularizers::layer_norm::RmsNormConfig;
    /// assert_eq!(RmsNormConfig::new(&[8]).eps, None);
    /// ```
    pub fn new(normalized_shape: &[usize]) -> Self {
        RmsNormConfig { normalized_shape: normalized_shape.to_vec(), eps: None, elementwise_affine: true }
    }
    /// Sets `eps` (`None` = machine epsilon of `T`).
    ///
    /// ```
    /// use regularizers::layer_norm::RmsNormConfig;
    /// assert_eq!(RmsNormConfig::new(&[8]).with_eps(Some(1e-6)).effective_eps::<f32>(), 1e-6);
    /// ```
    pub fn with_eps(mut self, eps: Option<f64>) -> Self {
        self.eps = eps;
        self
    }
    /// Sets `elementwise_affine`.
    ///
    /// ```
    /// use regularizers::layer_norm::RmsNormConfig;
    /// assert!(!RmsNormConfig::new(&[8]).with_elementwise_affine(false).elementwise_affine);
    /// ```
    pub fn with_elementwise_affine(mut self, affine: bool) -> Self {
        self.elementwise_affine = affine;
        self
    }
    /// The `ε` actually used for element type `T`.
    ///
    /// ```
    /// use regularizers::layer_norm::RmsNormConfig;
    /// assert_eq!(RmsNormConfig::new(&[8]).effective_eps::<f64>(), f64::EPSILON);
    /// ```
    pub fn effective_eps<T: Float>(&self) -> f64 {
        self.eps.unwrap_or_else(|| f64_of(T::epsilon()))
    }
}

/// Root-mean-square normalization over the trailing `normalized_shape` dimensions: no mean is
/// subtracted and there is no bias, only a rescaling by the RMS of the row:
///
/// ```text
/// y = x / √(mean(x²) + ε) · γ,    mean over the D trailing values
/// ```
///
/// Input `(*, normalized_shape)`; `γ` of shape `normalized_shape`.
///
/// ```
/// use ndarray::{ArrayD, IxDyn};
/// use regularizers::layer_norm::{RmsNorm, RmsNormConfig};
/// let rms = RmsNorm::<f64>::new(RmsNormConfig::new(&[2]).with_eps(Some(1e-6)))?;
/// let (y, _) = rms.forward(&ArrayD::from_shape_vec(IxDyn(&[1, 2]), vec![3.0, 4.0]).unwrap())?;
/// assert!((y[[0, 0]] - 3.0 / (12.5f64 + 1e-6).sqrt()).abs() < 1e-15);
/// # Ok::<(), regularizers::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct RmsNorm<T> {
    config: RmsNormConfig,
    eps: f64,
    /// `γ`, shape `normalized_shape` (`None` without affine).
    pub weight: Option<ArrayD<T>>,
}

impl<T: Float> RmsNorm<T> {
    /// A new layer. Errors: `eps` given but not finite or `≤ 0`; `normalized_shape` empty or with a zero.
    ///
    /// ```
    /// use regularizers::layer_norm::{RmsNorm, RmsNormConfig};
    /// assert!(RmsNorm::<f32>::new(RmsNormConfig::new(&[4]))?.weight.is_some());
    /// assert!(RmsNorm::<f32>::new(RmsNormConfig::new(&[0])).is_err());
    /// # Ok::<(), regularizers::Error>(())
    /// ```
    pub fn new(config: RmsNormConfig) -> Result<Self> {
        let eps = config.effective_eps::<T>();
        check_eps(eps)?;
        check_normalized_shape(&config.normalized_shape)?;
        let weight = config.elementwise_affine.then(|| ArrayD::ones(IxDyn(&config.normalized_shape)));
        Ok(RmsNorm { config, eps, weight })
    }

    /// The configuration.
    ///
    /// ```
    /// use regularizers::layer_norm::{RmsNorm, RmsNormConfig};
    /// let rms = RmsNorm::<f64>::new(RmsNormConfig::new(&[4]))?;
    /// assert_eq!(rms.config().normalized_shape, vec![4]);
    /// # Ok::<(), regularizers::Error>(())
    /// ```
    pub fn config(&self) -> &RmsNormConfig {
        &self.config
    }

    fn check(&self, shape: &[usize]) -> Result<(usize, usize)> {
        check_param("weight", self.weight.as_ref(), &self.config.normalized_shape)?;
        rows_and_width(&self.config.normalized_shape, shape)
    }

    fn gamma(&self, d: usize) -> Vec<T> {
        self.weight.as_ref().map_or_else(|| vec![T::one(); d], |w| w.iter().copied().collect())
    }

    /// Forward pass: output (input's shape) and per-row `1/RMS` (cache `mean` is zero).
    ///
    /// Errors: trailing dimensions differ from `normalized_shape`, empty input, weight of the wrong shape.
    ///
    /// ```
    /// use ndarray::{ArrayD, IxDyn};
    /// use regularizers::layer_norm::{RmsNorm, RmsNormConfig};
    /// let rms = RmsNorm::<f32>::new(RmsNormConfig::new(&[5]))?;
    /// assert!(rms.forward(&ArrayD::zeros(IxDyn(&[2, 4]))).is_err());
    /// # Ok::<(), regularizers::Error>(())
    /// ```
    pub fn forward(&self, x: &ArrayD<T>) -> Result<(ArrayD<T>, NormCache)> {
        self.check(x.shape())?;
        let mut y = ArrayD::zeros(IxDyn(x.shape()));
        let cache = self.forward_into(x, &mut y)?;
        Ok((y, cache))
    }

    /// [`RmsNorm::forward`] writing into a caller-provided `y` of the input's shape (standard layout).
    ///
    /// ```
    /// use ndarray::{ArrayD, IxDyn};
    /// use regularizers::layer_norm::{RmsNorm, RmsNormConfig};
    /// let rms = RmsNorm::<f32>::new(RmsNormConfig::new(&[2]))?;
    /// let x = ArrayD::from_shape_vec(IxDyn(&[1, 2]), vec![3.0f32, 4.0]).unwrap();
    /// let mut y = ArrayD::zeros(IxDyn(&[1, 2]));
    /// rms.forward_into(&x, &mut y)?;
    /// assert_eq!(y, rms.forward(&x)?.0);
    /// # Ok::<(), regularizers::Error>(())
    /// ```
    pub fn forward_into(&self, x: &ArrayD<T>, y: &mut ArrayD<T>) -> Result<NormCache> {
        let (rows, d) = self.check(x.shape())?;
        let ys = out_slice("RMSNorm output vs input", y, x.shape())?;
        let gamma = self.gamma(d);
        let x_std = x.as_standard_layout();
        let xs = x_std.as_slice().expect("contiguous");
        let mut rstds = vec![0.0; rows];
        let eps = self.eps;
        rms_norm_rows(xs, ys, d, &gamma, eps, &mut rstds);
        Ok(NormCache { mean: vec![0.0; rows], rstd: rstds, shape: x.shape().to_vec() })
    }

    /// Backward pass. With `r = 1/√(mean(x²) + ε)`, `x̂ = x·r` and `g = dy·γ`, per row:
    ///
    /// ```text
    /// ∂L/∂x = r·(g − x̂·mean(g·x̂)),   ∂L/∂γ = Σ_rows dy·x̂
    /// ```
    ///
    /// ```
    /// use ndarray::{ArrayD, IxDyn};
    /// use regularizers::layer_norm::{RmsNorm, RmsNormConfig};
    /// let rms = RmsNorm::<f64>::new(RmsNormConfig::new(&[2]))?;
    /// let x = ArrayD::from_shape_vec(IxDyn(&[1, 2]), vec![3.0, 4.0]).unwrap();
    /// let (y, cache) = rms.forward(&x)?;
    /// // L = Σ y·x̂: the gradient along x itself vanishes (RMSNorm is scale invariant)
    /// let g = rms.backward(&x, &y, &cache)?;
    /// assert!((g.grad_input[[0, 0]] * 3.0 + g.grad_input[[0, 1]] * 4.0).abs() < 1e-12);
    /// # Ok::<(), regularizers::Error>(())
    /// ```
    pub fn backward(&self, x: &ArrayD<T>, grad_output: &ArrayD<T>, cache: &NormCache) -> Result<NormGrads<T>> {
        let (_, d) = self.check(x.shape())?;
        check_same_shape("grad_output vs input", x.shape(), grad_output.shape())?;
        check_same_shape("input vs forward cache", &cache.shape, x.shape())?;
        let gamma = self.gamma(d);
        let x_std = x.as_standard_layout();
        let xs = x_std.as_slice().expect("contiguous");
        let dy_std = grad_output.as_standard_layout();
        let dys = dy_std.as_slice().expect("contiguous");
        let mut dx = vec![T::zero(); xs.len()];
        let mut dgamma = vec![0.0f64; d];
        rms_norm_backward_rows(xs, dys, &mut dx, d, &gamma, &cache.rstd, &mut dgamma);
        let ns = IxDyn(&self.config.normalized_shape);
        Ok(NormGrads {
            grad_input: ArrayD::from_shape_vec(IxDyn(x.shape()), dx).expect("same length"),
            grad_weight: self.weight.is_some().then(|| {
                ArrayD::from_shape_vec(ns, dgamma.into_iter().map(from_f64).collect()).expect("len d")
            }),
            grad_bias: None,
        })
    }
}

simd_dispatch! {
    /// RMSNorm forward over `rows × d` contiguous values; stores each row's `1/RMS`.
    fn rms_norm_rows<T: Float>(xs: &[T], ys: &mut [T], d: usize, gamma: &[T], eps: f64, rstds: &mut [f64]) => rms_norm_rows_kernel
}

#[inline(always)]
fn rms_norm_rows_kernel<T: Float>(xs: &[T], ys: &mut [T], d: usize, gamma: &[T], eps: f64, rstds: &mut [f64]) {
    // ANCHOR: rms_norm_forward
    for (r, (x, y)) in xs.chunks_exact(d).zip(ys.chunks_exact_mut(d)).enumerate() {
        // One pass for mean(x²) (in f64; no mean is subtracted, so there is no cancellation).
        let rstd = 1.0 / (sum_sq(x) / d as f64 + eps).sqrt();
        let rstd_t: T = from_f64(rstd);
        for ((yj, &xj), &g) in y.iter_mut().zip(x).zip(gamma) {
            *yj = xj * rstd_t * g;
        }
        rstds[r] = rstd;
    }
    // ANCHOR_END: rms_norm_forward
}

simd_dispatch! {
    /// RMSNorm backward over `rows × d`; accumulates the column sums for `∂L/∂γ`.
    fn rms_norm_backward_rows<T: Float>(
        xs: &[T], dys: &[T], dx: &mut [T], d: usize, gamma: &[T], rstds: &[f64], dgamma: &mut [f64],
    ) => rms_norm_backward_rows_kernel
}

#[inline(always)]
fn rms_norm_backward_rows_kernel<T: Float>(xs: &[T], dys: &[T], dx: &mut [T], d: usize, gamma: &[T], rstds: &[f64], dgamma: &mut [f64]) {
    // ANCHOR: rms_norm_backward
    let rows = xs.chunks_exact(d).zip(dys.chunks_exact(d)).zip(dx.chunks_exact_mut(d));
    for (r, ((x, dy), dx)) in rows.enumerate() {
        let rstd: T = from_f64(rstds[r]);
        // Pass 1: Σ g·x̂ over the row (g = dy·γ) and the column sums ∂L/∂γ += dy·x̂.
        let sum_g_xhat = rms_row_grad_sums(x, dy, gamma, rstd, dgamma);
        let b: T = from_f64(sum_g_xhat / d as f64);
        // Pass 2: ∂L/∂x = r·(g − x̂·mean(g·x̂)).
        for (((o, &xj), &dyj), &gj) in dx.iter_mut().zip(x).zip(dy).zip(gamma) {
            *o = rstd * (dyj * gj - xj * rstd * b);
        }
    }
    // ANCHOR_END: rms_norm_backward
}

/// Pass 1 of the RMSNorm backward over one row: returns `Σ g·x̂` (`g = dy·γ`, `x̂ = x·r`) and adds
/// `dy·x̂` to the per-column accumulators, in `f64` with [`LANES`] lanes.
#[inline(always)]
fn rms_row_grad_sums<T: Float>(x: &[T], dy: &[T], gamma: &[T], rstd: T, dgamma: &mut [f64]) -> f64 {
    let mut acc = [0.0f64; LANES];
    let chunks = x.chunks_exact(LANES).zip(dy.chunks_exact(LANES)).zip(gamma.chunks_exact(LANES)).zip(dgamma.chunks_exact_mut(LANES));
    for (((xc, dc), gc), dgc) in chunks {
        let (xc, dc, gc, dgc) = (lanes(xc), lanes(dc), lanes(gc), lanes_mut(dgc));
        for i in 0..LANES {
            let xhat = f64_of(xc[i] * rstd);
            let dy = f64_of(dc[i]);
            acc[i] += dy * f64_of(gc[i]) * xhat;
            dgc[i] += dy * xhat;
        }
    }
    let mut tail = 0.0;
    for j in x.len() - x.len() % LANES..x.len() {
        let xhat = f64_of(x[j] * rstd);
        tail += f64_of(dy[j]) * f64_of(gamma[j]) * xhat;
        dgamma[j] += f64_of(dy[j]) * xhat;
    }
    acc.iter().sum::<f64>() + tail
}
