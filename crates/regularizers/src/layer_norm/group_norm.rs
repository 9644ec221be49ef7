//! GroupNorm (Wu & He, 2018), as PyTorch's `nn.GroupNorm`.

use super::NormCache;
use crate::batch_norm::kernels::{simd_dispatch, f64_of, from_f64, grad_sums, input_grad_segment, mean_var, normalize_segment};
use crate::batch_norm::{NormGrads, check_same_shape};
use crate::error::check_eps;
use crate::{Error, Float, Result};
use ndarray::{Array1, ArrayD, IxDyn};

/// Hyper-parameters of a [`GroupNorm`], with PyTorch's defaults (`eps = 1e-5`, `affine = true`).
///
/// ```
/// use regularizers::layer_norm::GroupNormConfig;
/// let c = GroupNormConfig::new(32, 256).with_affine(false);
/// assert_eq!((c.num_groups, c.num_channels, c.eps, c.affine), (32, 256, 1e-5, false));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct GroupNormConfig {
    /// `G`, the number of groups; must divide `num_channels`.
    pub num_groups: usize,
    /// `C`, the number of channels.
    pub num_channels: usize,
    /// `ε` (default `1e-5`), finite and `> 0`.
    pub eps: f64,
    /// Per-channel learnable `γ` (ones) and `β` (zeros) (default `true`).
    pub affine: bool,
}

impl GroupNormConfig {
    /// PyTorch's defaults for `nn.GroupNorm(num_groups, num_channels)`.
    ///
    /// ```
    /// use regularizers::layer_norm::GroupNormConfig;
    /// let c = GroupNormConfig::new(2, 4);
    /// assert_eq!((c.num_groups, c.num_channels, c.affine), (2, 4, true));
    /// ```
    pub fn new(num_groups: usize, num_channels: usize) -> Self {
        GroupNormConfig { num_groups, num_channels, eps: 1e-5, affine: true }
    }
    /// Sets `eps`.
    ///
    /// ```
    /// use regularizers::layer_norm::GroupNormConfig;
    /// assert_eq!(GroupNormConfig::new(2, 4).with_eps(1e-3).eps, 1e-3);
    /// ```
    pub fn with_eps(mut self, eps: f64) -> Self {
        self.eps = eps;
        self
    }
    /// Sets `affine`.
    ///
    /// ```
    /// use regularizers::layer_norm::GroupNormConfig;
    /// assert!(!GroupNormConfig::new(2, 4).with_affine(false).affine);
    /// ```
    pub fn with_affine(mut self, affine: bool) -> Self {
        self.affine = affine;
        self
    }
}

/// Group normalization: the `C` channels of each sample are split into `G` contiguous groups of
/// `C/G` channels, and each group (its `C/G × S` values, `S` = product of spatial sizes) is
/// normalized with its own mean and biased variance; then a per-channel affine map is applied:
///
/// ```text
/// y[n, c, s] = (x[n, c, s] − μ[n, g(c)]) / √(σ²[n, g(c)] + ε) · γ[c] + β[c],   g(c) = c / (C/G)
/// ```
///
/// Input `(N, C, *)` (at least 2 dimensions); `γ`, `β` of shape `(C,)`. `G = 1` is LayerNorm over
/// `(C, *)` with per-channel affine; `G = C` is InstanceNorm.
///
/// ```
/// use ndarray::{ArrayD, IxDyn};
/// use regularizers::layer_norm::{GroupNorm, GroupNormConfig};
/// let gn = GroupNorm::<f64>::new(GroupNormConfig::new(2, 4))?;
/// let x = ArrayD::from_shape_fn(IxDyn(&[1, 4, 3]), |i| (i[1] * 3 + i[2]) as f64);
/// let (y, _) = gn.forward(&x)?;
/// // channels 0,1 form group 0 (values 0..6): the group has mean 0
/// assert!((0..2).flat_map(|c| (0..3).map(move |s| (c, s))).map(|(c, s)| y[[0, c, s]]).sum::<f64>().abs() < 1e-12);
/// assert!(GroupNorm::<f64>::new(GroupNormConfig::new(4, 6)).is_err()); // 6 is not divisible by 4
/// # Ok::<(), regularizers::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct GroupNorm<T> {
    config: GroupNormConfig,
    /// `γ`, shape `(C,)` (`None` without affine).
    pub weight: Option<Array1<T>>,
    /// `β`, shape `(C,)` (`None` without affine).
    pub bias: Option<Array1<T>>,
}

impl<T: Float> GroupNorm<T> {
    /// A new layer. Errors: `eps` not finite or `≤ 0`, `num_groups = 0`, `num_channels = 0`, or
    /// `num_channels` not divisible by `num_groups`.
    ///
    /// ```
    /// use regularizers::layer_norm::{GroupNorm, GroupNormConfig};
    /// assert!(GroupNorm::<f32>::new(GroupNormConfig::new(3, 6)).is_ok());
    /// assert!(GroupNorm::<f32>::new(GroupNormConfig::new(0, 6)).is_err());
    /// ```
    pub fn new(config: GroupNormConfig) -> Result<Self> {
        check_eps(config.eps)?;
        let (g, c) = (config.num_groups, config.num_channels);
        if g == 0 || c == 0 {
            return Err(Error::Invalid(format!(
                "num_groups ({g}) and num_channels ({c}) must both be at least 1"
            )));
        }
        if c % g != 0 {
            return Err(Error::Invalid(format!("num_channels ({c}) must be divisible by num_groups ({g})")));
        }
        let (weight, bias) = if config.affine { (Some(Array1::ones(c)), Some(Array1::zeros(c))) } else { (None, None) };
        Ok(GroupNorm { config, weight, bias })
    }

    /// The configuration.
    ///
    /// ```
    /// use regularizers::layer_norm::{GroupNorm, GroupNormConfig};
    /// let gn = GroupNorm::<f64>::new(GroupNormConfig::new(2, 4))?;
    /// assert_eq!(gn.config().num_groups, 2);
    /// # Ok::<(), regularizers::Error>(())
    /// ```
    pub fn config(&self) -> &GroupNormConfig {
        &self.config
    }

    fn check(&self, shape: &[usize]) -> Result<(usize, usize, usize)> {
        let c = self.config.num_channels;
        check_channel_input("GroupNorm input", shape, c, self.weight.as_ref(), self.bias.as_ref())
    }

    /// Forward pass: output (input's shape) and per-`(n, g)` statistics for [`GroupNorm::backward`].
    ///
    /// Errors: fewer than 2 dimensions, `x.shape()[1] ≠ C`, empty input, parameters of the wrong shape.
    ///
    /// ```
    /// use ndarray::{ArrayD, IxDyn};
    /// use regularizers::layer_norm::{GroupNorm, GroupNormConfig};
    /// let gn = GroupNorm::<f32>::new(GroupNormConfig::new(2, 6))?;
    /// assert!(gn.forward(&ArrayD::zeros(IxDyn(&[2, 4, 3]))).is_err()); // 4 channels, not 6
    /// # Ok::<(), regularizers::Error>(())
    /// ```
    pub fn forward(&self, x: &ArrayD<T>) -> Result<(ArrayD<T>, NormCache)> {
        let (n, c, s) = self.check(x.shape())?;
        let x_std = x.as_standard_layout();
        let mut ys = vec![T::zero(); x.len()];
        let (mean, rstd) = group_forward(
            x_std.as_slice().expect("contiguous"),
            &mut ys,
            [n, c, s, self.config.num_groups],
            self.weight.as_ref(),
            self.bias.as_ref(),
            self.config.eps,
        );
        let y = ArrayD::from_shape_vec(IxDyn(x.shape()), ys).expect("same length");
        Ok((y, NormCache { mean, rstd, shape: x.shape().to_vec() }))
    }

    /// Backward pass. Per group, with `x̂ = (x − μ)·rstd`, `g = dy·γ[c]` and means over the group:
    ///
    /// ```text
    /// ∂L/∂x = rstd·(g − mean(g) − x̂·mean(g·x̂)),   ∂L/∂γ[c] = Σ_{n,s} dy·x̂,   ∂L/∂β[c] = Σ_{n,s} dy
    /// ```
    ///
    /// ```
    /// use ndarray::{ArrayD, IxDyn};
    /// use regularizers::layer_norm::{GroupNorm, GroupNormConfig};
    /// let gn = GroupNorm::<f64>::new(GroupNormConfig::new(1, 2))?;
    /// let x = ArrayD::from_shape_vec(IxDyn(&[1, 2, 2]), vec![1.0, 2.0, 4.0, 7.0]).unwrap();
    /// let (_, cache) = gn.forward(&x)?;
    /// let g = gn.backward(&x, &ArrayD::ones(IxDyn(&[1, 2, 2])), &cache)?;
    /// assert_eq!(g.grad_bias.unwrap().as_slice().unwrap(), &[2.0, 2.0]);
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
            [n, c, s, self.config.num_groups],
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

/// Checks an `(N, C, *)` input and per-channel parameters; returns `(N, C, S)`.
pub(crate) fn check_channel_input<T>(
    what: &str,
    shape: &[usize],
    c: usize,
    weight: Option<&Array1<T>>,
    bias: Option<&Array1<T>>,
) -> Result<(usize, usize, usize)> {
    if shape.len() < 2 {
        return Err(Error::InvalidShape {
            what: what.into(),
            got: shape.to_vec(),
            allowed: "(N, C, *) with at least 2 dimensions".into(),
        });
    }
    if shape[1] != c {
        return Err(Error::ShapeMismatch { what: format!("{what}: input channels (dim 1) vs num_channels"), expected: vec![c], got: vec![shape[1]] });
    }
    for (name, p) in [("weight", weight), ("bias", bias)] {
        if let Some(p) = p {
            if p.len() != c {
                return Err(Error::ShapeMismatch { what: format!("{name} vs number of channels"), expected: vec![c], got: vec![p.len()] });
            }
        }
    }
    if shape.contains(&0) {
        return Err(Error::EmptyInput { what: "normalization input" });
    }
    Ok((shape[0], c, shape[2..].iter().product()))
}

/// Forward kernel shared by GroupNorm and InstanceNorm (`G = C`) on a contiguous `(N, C, S)` buffer.
/// Returns the per-`(n, g)` mean and rstd.
#[inline(always)]
fn group_forward_kernel<T: Float>(
    xs: &[T],
    ys: &mut [T],
    [n, c, s, groups]: [usize; 4],
    weight: Option<&Array1<T>>,
    bias: Option<&Array1<T>>,
    eps: f64,
) -> (Vec<f64>, Vec<f64>) {
    let cpg = c / groups; // channels per group
    let len = cpg * s; // values per group; a group is contiguous in (N, C, S) layout
    let (mut means, mut rstds) = (vec![0.0; n * groups], vec![0.0; n * groups]);
    // ANCHOR: group_norm_forward
    for (r, (x, y)) in xs.chunks_exact(len).zip(ys.chunks_exact_mut(len)).enumerate() {
        // One group of one sample: C/G channels × S values, contiguous. Two-pass biased statistics.
        let (mean, var) = mean_var(x);
        let rstd = 1.0 / (var + eps).sqrt();
        // Per-channel affine: channel k of group g is channel g·C/G + k.
        for k in 0..cpg {
            let ch = (r % groups) * cpg + k;
            let gamma = weight.map_or(1.0, |w| f64_of(w[ch]));
            let beta = bias.map_or(0.0, |b| f64_of(b[ch]));
            let seg = k * s..(k + 1) * s;
            normalize_segment(&x[seg.clone()], &mut y[seg], mean, rstd * gamma, beta);
        }
        means[r] = mean;
        rstds[r] = rstd;
    }
    // ANCHOR_END: group_norm_forward
    (means, rstds)
}

/// Backward kernel shared by GroupNorm and InstanceNorm. Returns `(dx, dγ, dβ)`.
#[allow(clippy::needless_range_loop)] // k indexes the channel segment, its sums and its γ alike
#[inline(always)]
fn group_backward_kernel<T: Float>(
    xs: &[T],
    dys: &[T],
    [_n, c, s, groups]: [usize; 4],
    weight: Option<&Array1<T>>,
    cache: &NormCache,
) -> (Vec<T>, Vec<T>, Vec<T>) {
    let cpg = c / groups;
    let len = cpg * s;
    let mut dx = vec![T::zero(); xs.len()];
    let (mut dgamma, mut dbeta) = (vec![0.0f64; c], vec![0.0f64; c]);
    let mut seg_sums = vec![(0.0, 0.0); cpg];
    // ANCHOR: group_norm_backward
    let groups_iter = xs.chunks_exact(len).zip(dys.chunks_exact(len)).zip(dx.chunks_exact_mut(len));
    for (r, ((x, dy), dx)) in groups_iter.enumerate() {
        let (mean, rstd) = (cache.mean[r], cache.rstd[r]);
        let gamma = |k: usize| weight.map_or(1.0, |w| f64_of(w[(r % groups) * cpg + k]));
        // Pass 1, per channel segment: Σ dy and Σ dy·x̂ (the parameter gradients), which weighted by
        // γ give the group sums Σ g and Σ g·x̂ (g = dy·γ).
        let (mut sum_g, mut sum_g_xhat) = (0.0, 0.0);
        for k in 0..cpg {
            let seg = k * s..(k + 1) * s;
            seg_sums[k] = grad_sums(&x[seg.clone()], &dy[seg], mean, rstd);
            sum_g += gamma(k) * seg_sums[k].0;
            sum_g_xhat += gamma(k) * seg_sums[k].1;
        }
        // Pass 2: ∂L/∂x = rstd·(g − mean(g) − x̂·mean(g·x̂)), one channel segment (one γ) at a time.
        let (a, b) = (sum_g / len as f64, sum_g_xhat / len as f64);
        for k in 0..cpg {
            let seg = k * s..(k + 1) * s;
            input_grad_segment(&x[seg.clone()], &dy[seg.clone()], &mut dx[seg], mean, rstd, [gamma(k), a, b]);
            let ch = (r % groups) * cpg + k;
            dgamma[ch] += seg_sums[k].1;
            dbeta[ch] += seg_sums[k].0;
        }
    }
    // ANCHOR_END: group_norm_backward
    let to_t = |v: Vec<f64>| v.into_iter().map(from_f64).collect();
    (dx, to_t(dgamma), to_t(dbeta))
}

simd_dispatch! {
    /// Forward kernel shared by GroupNorm and InstanceNorm (`G = C`) on a contiguous `(N, C, S)`
    /// buffer; returns the per-`(n, g)` mean and rstd.
    pub(crate) fn group_forward<T: Float>(
        xs: &[T], ys: &mut [T], dims: [usize; 4], weight: Option<&Array1<T>>, bias: Option<&Array1<T>>, eps: f64,
    ) -> (Vec<f64>, Vec<f64>) => group_forward_kernel
}

simd_dispatch! {
    /// Backward kernel shared by GroupNorm and InstanceNorm; returns `(dx, dγ, dβ)`.
    pub(crate) fn group_backward<T: Float>(
        xs: &[T], dys: &[T], dims: [usize; 4], weight: Option<&Array1<T>>, cache: &NormCache,
    ) -> (Vec<T>, Vec<T>, Vec<T>) => group_backward_kernel
}
