//! LayerNorm (Ba, Kiros & Hinton, 2016), as PyTorch's `nn.LayerNorm`.

use super::{NormCache, check_normalized_shape, check_param, rows_and_width};
use crate::batch_norm::kernels::{Center, RowScratch, from_f64, layer_norm_backward_row_sums, mean_var, simd_dispatch};
use crate::batch_norm::{NormGrads, ParamGrads, check_same_shape, out_slice};
use crate::error::check_eps;
use crate::{Error, Float, Result};
use ndarray::{ArrayD, IxDyn};

/// Hyper-parameters of a [`LayerNorm`], with PyTorch's defaults.
///
/// ```
/// use regularizers::layer_norm::LayerNormConfig;
/// let c = LayerNormConfig::new(&[768]).with_bias(false);
/// assert_eq!((c.eps, c.elementwise_affine, c.bias), (1e-5, true, false));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct LayerNormConfig {
    /// The trailing dimensions normalized together, e.g. `[d_model]`.
    pub normalized_shape: Vec<usize>,
    /// `ε` (default `1e-5`), finite and `> 0`.
    pub eps: f64,
    /// Learnable `γ` of shape `normalized_shape` (default `true`).
    pub elementwise_affine: bool,
    /// Learnable `β` as well (default `true`; PyTorch's `bias=False` turns it off). Ignored without affine.
    pub bias: bool,
}

impl LayerNormConfig {
    /// PyTorch's defaults for `nn.LayerNorm(normalized_shape)`.
    ///
    /// ```
    /// use regularizers::layer_norm::LayerNormConfig;
    /// assert_eq!(LayerNormConfig::new(&[2, 3]).normalized_shape, vec![2, 3]);
    /// ```
    pub fn new(normalized_shape: &[usize]) -> Self {
        LayerNormConfig { normalized_shape: normalized_shape.to_vec(), eps: 1e-5, elementwise_affine: true, bias: true }
    }
    /// Sets `eps`.
    ///
    /// ```
    /// use regularizers::layer_norm::LayerNormConfig;
    /// assert_eq!(LayerNormConfig::new(&[2]).with_eps(1e-6).eps, 1e-6);
    /// ```
    pub fn with_eps(mut self, eps: f64) -> Self {
        self.eps = eps;
        self
    }
    /// Sets `elementwise_affine`.
    ///
    /// ```
    /// use regularizers::layer_norm::LayerNormConfig;
    /// assert!(!LayerNormConfig::new(&[2]).with_elementwise_affine(false).elementwise_affine);
    /// ```
    pub fn with_elementwise_affine(mut self, affine: bool) -> Self {
        self.elementwise_affine = affine;
        self
    }
    /// Sets `bias`.
    ///
    /// ```
    /// use regularizers::layer_norm::LayerNormConfig;
    /// assert!(!LayerNormConfig::new(&[2]).with_bias(false).bias);
    /// ```
    pub fn with_bias(mut self, bias: bool) -> Self {
        self.bias = bias;
        self
    }
}

/// Layer normalization over the trailing `normalized_shape` dimensions.
///
/// Input `(*, normalized_shape)`; output the same shape. For every leading index, with `D` the number
/// of normalized values, `μ = (1/D) Σ x`, `σ² = (1/D) Σ (x − μ)²` (biased):
/// `y = (x − μ)/√(σ² + ε) · γ + β`, `γ`, `β` of shape `normalized_shape`.
///
/// ```
/// use ndarray::{ArrayD, IxDyn};
/// use regularizers::layer_norm::{LayerNorm, LayerNormConfig};
/// let ln = LayerNorm::<f32>::new(LayerNormConfig::new(&[4]))?;
/// let x = ArrayD::from_shape_vec(IxDyn(&[1, 4]), vec![1.0f32, 2.0, 3.0, 4.0]).unwrap();
/// let (y, _) = ln.forward(&x)?;
/// assert!((y.sum()).abs() < 1e-6 && (y[[0, 3]] - 1.3416).abs() < 1e-3); // (4 − 2.5)/√1.25
/// # Ok::<(), regularizers::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct LayerNorm<T> {
    config: LayerNormConfig,
    /// `γ`, shape `normalized_shape`, initialized to ones (`None` without affine).
    pub weight: Option<ArrayD<T>>,
    /// `β`, shape `normalized_shape`, initialized to zeros (`None` without affine or with `bias = false`).
    pub bias: Option<ArrayD<T>>,
}

impl<T: Float> LayerNorm<T> {
    /// A new layer. Errors: `eps` not finite or `≤ 0`; `normalized_shape` empty or with a zero size.
    ///
    /// ```
    /// use regularizers::layer_norm::{LayerNorm, LayerNormConfig};
    /// assert!(LayerNorm::<f64>::new(LayerNormConfig::new(&[4]).with_eps(-1.0)).is_err());
    /// assert!(LayerNorm::<f64>::new(LayerNormConfig::new(&[4]).with_bias(false))?.bias.is_none());
    /// # Ok::<(), regularizers::Error>(())
    /// ```
    pub fn new(config: LayerNormConfig) -> Result<Self> {
        check_eps(config.eps)?;
        check_normalized_shape(&config.normalized_shape)?;
        let shape = IxDyn(&config.normalized_shape);
        let weight = config.elementwise_affine.then(|| ArrayD::ones(shape.clone()));
        let bias = (config.elementwise_affine && config.bias).then(|| ArrayD::zeros(shape));
        Ok(LayerNorm { config, weight, bias })
    }

    /// The configuration.
    ///
    /// ```
    /// use regularizers::layer_norm::{LayerNorm, LayerNormConfig};
    /// let ln = LayerNorm::<f32>::new(LayerNormConfig::new(&[3]))?;
    /// assert_eq!(ln.config().normalized_shape, vec![3]);
    /// # Ok::<(), regularizers::Error>(())
    /// ```
    pub fn config(&self) -> &LayerNormConfig {
        &self.config
    }

    fn check(&self, shape: &[usize]) -> Result<(usize, usize)> {
        let ns = &self.config.normalized_shape;
        check_param("weight", self.weight.as_ref(), ns)?;
        check_param("bias", self.bias.as_ref(), ns)?;
        if self.bias.is_some() && self.weight.is_none() {
            return Err(Error::Invalid("LayerNorm has a bias but no weight; set both or neither".into()));
        }
        rows_and_width(ns, shape)
    }

    /// `γ` and `β` as slices of length `D` (ones / zeros when absent).
    fn affine(&self, d: usize) -> (Vec<T>, Vec<T>) {
        let gamma = self.weight.as_ref().map_or_else(|| vec![T::one(); d], |w| w.iter().copied().collect());
        let beta = self.bias.as_ref().map_or_else(|| vec![T::zero(); d], |b| b.iter().copied().collect());
        (gamma, beta)
    }

    /// Forward pass: output (input's shape) and the per-row statistics for [`LayerNorm::backward`].
    ///
    /// Errors: trailing dimensions of `x` differ from `normalized_shape`; empty input; parameters of
    /// the wrong shape.
    ///
    /// ```
    /// use ndarray::{ArrayD, IxDyn};
    /// use regularizers::layer_norm::{LayerNorm, LayerNormConfig};
    /// let ln = LayerNorm::<f64>::new(LayerNormConfig::new(&[5]))?;
    /// assert!(ln.forward(&ArrayD::zeros(IxDyn(&[2, 4]))).is_err()); // 4 ≠ 5
    /// # Ok::<(), regularizers::Error>(())
    /// ```
    pub fn forward(&self, x: &ArrayD<T>) -> Result<(ArrayD<T>, NormCache)> {
        self.check(x.shape())?;
        let mut y = ArrayD::zeros(IxDyn(x.shape()));
        let cache = self.forward_into(x, &mut y)?;
        Ok((y, cache))
    }

    /// [`LayerNorm::forward`] writing into a caller-provided `y` of the input's shape (standard
    /// layout), so that a training loop reuses its buffers. Returns the statistics.
    ///
    /// ```
    /// use ndarray::{ArrayD, IxDyn};
    /// use regularizers::layer_norm::{LayerNorm, LayerNormConfig};
    /// let ln = LayerNorm::<f32>::new(LayerNormConfig::new(&[3]))?;
    /// let x = ArrayD::from_shape_vec(IxDyn(&[1, 3]), vec![1.0f32, 2.0, 3.0]).unwrap();
    /// let mut y = ArrayD::zeros(IxDyn(&[1, 3]));
    /// ln.forward_into(&x, &mut y)?;
    /// assert_eq!(y, ln.forward(&x)?.0);
    /// # Ok::<(), regularizers::Error>(())
    /// ```
    pub fn forward_into(&self, x: &ArrayD<T>, y: &mut ArrayD<T>) -> Result<NormCache> {
        let (rows, d) = self.check(x.shape())?;
        let ys = out_slice("LayerNorm output vs input", y, x.shape())?;
        let (gamma, beta) = self.affine(d);
        let x_std = x.as_standard_layout();
        let xs = x_std.as_slice().expect("contiguous");
        let (mut means, mut rstds) = (vec![0.0; rows], vec![0.0; rows]);
        let eps = self.config.eps;
        layer_norm_rows(xs, ys, d, &gamma, &beta, eps, &mut means, &mut rstds);
        Ok(NormCache { mean: means, rstd: rstds, shape: x.shape().to_vec() })
    }

    /// Backward pass. With `x̂ = (x − μ)·rstd` and `g = dy·γ`, per row:
    ///
    /// ```text
    /// ∂L/∂x = rstd·(g − mean(g) − x̂·mean(g·x̂)),   ∂L/∂γ = Σ_rows dy·x̂,   ∂L/∂β = Σ_rows dy
    /// ```
    ///
    /// Shapes: `x`, `grad_output` as the forward input; `grad_weight` / `grad_bias` of shape
    /// `normalized_shape` (`None` when the layer has no such parameter).
    ///
    /// ```
    /// use ndarray::{ArrayD, IxDyn};
    /// use regularizers::layer_norm::{LayerNorm, LayerNormConfig};
    /// let ln = LayerNorm::<f64>::new(LayerNormConfig::new(&[3]))?;
    /// let x = ArrayD::from_shape_vec(IxDyn(&[2, 3]), vec![1.0, 5.0, 2.0, -1.0, 0.0, 4.0]).unwrap();
    /// let (_, cache) = ln.forward(&x)?;
    /// let g = ln.backward(&x, &ArrayD::ones(IxDyn(&[2, 3])), &cache)?;
    /// assert!(g.grad_input.iter().all(|v| v.abs() < 1e-12)); // shifting all outputs equally: no signal
    /// assert_eq!(g.grad_bias.unwrap().as_slice().unwrap(), &[2.0, 2.0, 2.0]);
    /// # Ok::<(), regularizers::Error>(())
    /// ```
    pub fn backward(&self, x: &ArrayD<T>, grad_output: &ArrayD<T>, cache: &NormCache) -> Result<NormGrads<T>> {
        self.check(x.shape())?;
        let mut grad_input = ArrayD::zeros(IxDyn(x.shape()));
        let (grad_weight, grad_bias) = self.backward_into(x, grad_output, cache, &mut grad_input)?;
        Ok(NormGrads { grad_input, grad_weight, grad_bias })
    }

    /// [`LayerNorm::backward`] writing `∂L/∂x` into a caller-provided array of the input's shape
    /// (standard layout); returns `(∂L/∂γ, ∂L/∂β)`.
    ///
    /// ```
    /// use ndarray::{ArrayD, IxDyn};
    /// use regularizers::layer_norm::{LayerNorm, LayerNormConfig};
    /// let ln = LayerNorm::<f32>::new(LayerNormConfig::new(&[2]))?;
    /// let x = ArrayD::from_shape_vec(IxDyn(&[1, 2]), vec![1.0f32, 3.0]).unwrap();
    /// let (y, cache) = ln.forward(&x)?;
    /// let mut dx = ArrayD::zeros(IxDyn(&[1, 2]));
    /// let (dw, db) = ln.backward_into(&x, &y, &cache, &mut dx)?;
    /// assert!(dw.is_some() && db.is_some());
    /// # Ok::<(), regularizers::Error>(())
    /// ```
    pub fn backward_into(
        &self,
        x: &ArrayD<T>,
        grad_output: &ArrayD<T>,
        cache: &NormCache,
        grad_input: &mut ArrayD<T>,
    ) -> Result<ParamGrads<T>> {
        let (_, d) = self.check(x.shape())?;
        check_same_shape("grad_output vs input", x.shape(), grad_output.shape())?;
        check_same_shape("input vs forward cache", &cache.shape, x.shape())?;
        let dx = out_slice("grad_input vs input", grad_input, x.shape())?;
        let (gamma, _) = self.affine(d);
        let x_std = x.as_standard_layout();
        let xs = x_std.as_slice().expect("contiguous");
        let dy_std = grad_output.as_standard_layout();
        let dys = dy_std.as_slice().expect("contiguous");
        let (dgamma, dbeta) = layer_norm_backward_rows(xs, dys, dx, d, &gamma, cache);
        let ns = IxDyn(&self.config.normalized_shape);
        let to_array = |v: Vec<f64>| ArrayD::from_shape_vec(ns.clone(), v.into_iter().map(from_f64).collect()).expect("len d");
        Ok((self.weight.is_some().then(|| to_array(dgamma)), self.bias.is_some().then(|| to_array(dbeta))))
    }
}

simd_dispatch! {
    /// LayerNorm forward over `rows × d` contiguous values; stores each row's mean and rstd.
    #[allow(clippy::too_many_arguments)]
    fn layer_norm_rows<T: Float>(
        xs: &[T], ys: &mut [T], d: usize, gamma: &[T], beta: &[T], eps: f64, means: &mut [f64], rstds: &mut [f64],
    ) => layer_norm_rows_kernel
}

#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn layer_norm_rows_kernel<T: Float>(
    xs: &[T],
    ys: &mut [T],
    d: usize,
    gamma: &[T],
    beta: &[T],
    eps: f64,
    means: &mut [f64],
    rstds: &mut [f64],
) {
    // ANCHOR: layer_norm_forward
    for (r, (x, y)) in xs.chunks_exact(d).zip(ys.chunks_exact_mut(d)).enumerate() {
        // Two passes over the row (it sits in L1 cache): the mean, then the BIASED variance
        // Σ(x − μ)²/D, both accumulated in f64 — never E[x²] − E[x]².
        let (mean, var) = mean_var(x);
        let rstd = 1.0 / (var + eps).sqrt();
        // y = (x − μ)·rstd·γ + β, with x − μ formed exactly even under a large offset.
        let center = Center::<T>::new(mean);
        let rstd_t: T = from_f64(rstd);
        for (((yj, &xj), &g), &b) in y.iter_mut().zip(x).zip(gamma).zip(beta) {
            *yj = center.apply(xj) * rstd_t * g + b;
        }
        means[r] = mean;
        rstds[r] = rstd;
    }
    // ANCHOR_END: layer_norm_forward
}

simd_dispatch! {
    /// LayerNorm backward over `rows × d`; returns the column sums `(∂L/∂γ, ∂L/∂β)`.
    fn layer_norm_backward_rows<T: Float>(
        xs: &[T], dys: &[T], dx: &mut [T], d: usize, gamma: &[T], cache: &NormCache,
    ) -> (Vec<f64>, Vec<f64>) => layer_norm_backward_rows_kernel
}

#[inline(always)]
fn layer_norm_backward_rows_kernel<T: Float>(
    xs: &[T],
    dys: &[T],
    dx: &mut [T],
    d: usize,
    gamma: &[T],
    cache: &NormCache,
) -> (Vec<f64>, Vec<f64>) {
    let inv_d = 1.0 / d as f64;
    // one row of x̂ and the parameter-gradient sums, reused for every row (they stay in L1 cache)
    let mut scratch = RowScratch::new(d, xs);
    // ANCHOR: layer_norm_backward
    let rows = xs.chunks_exact(d).zip(dys.chunks_exact(d)).zip(dx.chunks_exact_mut(d));
    for (r, ((x, dy), dx)) in rows.enumerate() {
        let center = Center::<T>::new(cache.mean[r]);
        let rstd: T = from_f64(cache.rstd[r]);
        let (xhat, dgamma, dbeta) = scratch.rows();
        // Pass 1 (one read of x and dy): x̂ = (x − μ)·rstd, recomputed from the cached statistics;
        // the parameter gradients ∂L/∂γ += dy·x̂, ∂L/∂β += dy (summed over the rows); and the two
        // row sums of the input gradient, Σ g and Σ g·x̂ with g = dy·γ.
        let (sum_g, sum_g_xhat) = layer_norm_backward_row_sums(x, dy, gamma, center, rstd, xhat, dgamma, dbeta);
        // Pass 2: ∂L/∂x = rstd·(g − mean(g) − x̂·mean(g·x̂)).
        let (a, b): (T, T) = (from_f64(sum_g * inv_d), from_f64(sum_g_xhat * inv_d));
        for (((o, &h), &dyj), &w) in dx.iter_mut().zip(&*xhat).zip(dy).zip(gamma) {
            *o = rstd * (dyj * w - a - h * b);
        }
        scratch.end_row();
    }
    // ANCHOR_END: layer_norm_backward
    scratch.finish()
}
