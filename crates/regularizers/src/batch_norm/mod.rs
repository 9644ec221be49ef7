//! Batch normalization (Ioffe & Szegedy, 2015), as PyTorch's `BatchNorm1d` / `BatchNorm2d`.
//!
//! For an input of shape `(N, C)`, `(N, C, L)` or `(N, C, H, W)` — seen as `N × C × S` with `S` the
//! product of the spatial sizes — each channel `c` is normalized over its `m = N·S` values:
//!
//! ```text
//! training:  μ_c = (1/m) Σ x,   σ²_c = (1/m) Σ (x − μ_c)²        (BIASED variance, divides by m)
//!            y = γ_c · (x − μ_c) / √(σ²_c + ε) + β_c
//!            running_mean ← (1 − f)·running_mean + f·μ_c
//!            running_var  ← (1 − f)·running_var  + f·σ²_c · m/(m − 1)   (UNBIASED variance)
//!            f = momentum, or 1/num_batches_tracked when momentum = None (cumulative average)
//! eval:      y = γ_c · (x − running_mean_c) / √(running_var_c + ε) + β_c   (running stats untouched)
//! ```
//!
//! **Two variances.** The output uses the biased batch variance, the running estimate the unbiased
//! one (`m/(m−1)` times larger). Notes that use one variance for both — as the book's seed note does —
//! are wrong about PyTorch, and the difference is visible for small batches (`m = 2` doubles it).
//!
//! Statistics are computed stably (per-block two-pass moments merged with Chan's formula, accumulated
//! in `f64`), never as `E[x²] − E[x]²`, so an `f32` input with a large common offset (mean 1e4,
//! standard deviation 1e-2) is normalized accurately.
//!
//! **NaN and infinity.** They are not rejected: a NaN or ±inf anywhere in a channel makes that
//! channel's statistics NaN and hence its whole output NaN (in eval mode only the affected
//! elements), as in PyTorch; a NaN in a training batch also propagates into the running statistics.
//!
//! ```
//! use ndarray::{ArrayD, IxDyn};
//! use regularizers::batch_norm::{BatchNorm, BatchNormConfig};
//!
//! let mut bn = BatchNorm::<f64>::new(BatchNormConfig::new(2))?;
//! let x = ArrayD::from_shape_vec(IxDyn(&[3, 2]), vec![1.0, 10.0, 2.0, 20.0, 3.0, 30.0]).unwrap();
//! let (y, cache) = bn.forward(&x)?;
//! assert!((y[[0, 0]] + 1.2247).abs() < 1e-4); // (1 − 2)/√(2/3 + ε)
//! let grads = bn.backward(&x, &ArrayD::ones(IxDyn(&[3, 2])), &cache)?;
//! assert!(grads.grad_input.iter().all(|g| g.abs() < 1e-12)); // a constant upstream gradient cancels
//! assert_eq!(bn.num_batches_tracked, 1);
//! # Ok::<(), regularizers::Error>(())
//! ```

mod fold;
pub(crate) mod kernels;

use crate::error::{check_eps, check_probability};
use crate::{Error, Float, Result};
use kernels::{Moments, f64_of, from_f64, grad_sums, input_grad_segment, normalize_segment, simd_dispatch};
use ndarray::{Array1, ArrayD, IxDyn};

/// Gradients returned by the backward pass of every normalization layer in this crate.
///
/// `grad_input` has the input's shape; `grad_weight` / `grad_bias` have the parameter's shape and are
/// `None` when the layer has no such parameter.
///
/// ```
/// use ndarray::{ArrayD, IxDyn};
/// use regularizers::batch_norm::NormGrads;
/// let g = NormGrads::<f32> { grad_input: ArrayD::zeros(IxDyn(&[2])), grad_weight: None, grad_bias: None };
/// assert_eq!(g.grad_input.len(), 2);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct NormGrads<T> {
    /// `∂L/∂x`, the input's shape.
    pub grad_input: ArrayD<T>,
    /// `∂L/∂γ`, the weight's shape (`None` without a weight).
    pub grad_weight: Option<ArrayD<T>>,
    /// `∂L/∂β`, the bias's shape (`None` without a bias).
    pub grad_bias: Option<ArrayD<T>>,
}

/// The parameter gradients `(∂L/∂γ, ∂L/∂β)` returned by the `backward_into` methods (`None` for a
/// parameter the layer does not have).
///
/// ```
/// use regularizers::batch_norm::ParamGrads;
/// let g: ParamGrads<f32> = (None, None);
/// assert!(g.0.is_none());
/// ```
pub type ParamGrads<T> = (Option<ArrayD<T>>, Option<ArrayD<T>>);

/// Which input ranks a [`BatchNorm`] accepts, mirroring PyTorch's three classes.
///
/// ```
/// use regularizers::batch_norm::BatchNormInput;
/// assert_eq!(BatchNormInput::OneD.allowed_ndim(), &[2, 3]);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BatchNormInput {
    /// `(N, C)`, `(N, C, L)` or `(N, C, H, W)`.
    Any,
    /// `(N, C)` or `(N, C, L)`, like `BatchNorm1d`.
    OneD,
    /// `(N, C, H, W)`, like `BatchNorm2d`.
    TwoD,
}

impl BatchNormInput {
    /// The allowed numbers of dimensions.
    ///
    /// ```
    /// use regularizers::batch_norm::BatchNormInput;
    /// assert_eq!(BatchNormInput::TwoD.allowed_ndim(), &[4]);
    /// ```
    pub fn allowed_ndim(self) -> &'static [usize] {
        match self {
            BatchNormInput::Any => &[2, 3, 4],
            BatchNormInput::OneD => &[2, 3],
            BatchNormInput::TwoD => &[4],
        }
    }
    fn describe(self) -> &'static str {
        match self {
            BatchNormInput::Any => "2D, 3D or 4D input (N, C[, L | H, W])",
            BatchNormInput::OneD => "2D or 3D input (N, C[, L]) as in BatchNorm1d",
            BatchNormInput::TwoD => "4D input (N, C, H, W) as in BatchNorm2d",
        }
    }
}

/// Hyper-parameters of a [`BatchNorm`], with PyTorch's defaults.
///
/// `eps` must be finite and `> 0`; `momentum` must be in `[0, 1]` (`None` = cumulative average,
/// factor `1/num_batches_tracked`).
///
/// ```
/// use regularizers::batch_norm::BatchNormConfig;
/// let c = BatchNormConfig::bn2d(64).with_momentum(None).with_eps(1e-3);
/// assert_eq!((c.num_features, c.eps, c.momentum, c.affine, c.track_running_stats), (64, 1e-3, None, true, true));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct BatchNormConfig {
    /// `C`, the number of channels.
    pub num_features: usize,
    /// `ε` added to the variance (default `1e-5`).
    pub eps: f64,
    /// Weight of the new batch in the running averages (default `Some(0.1)`; `None` = cumulative).
    pub momentum: Option<f64>,
    /// Learnable per-channel `γ` (ones) and `β` (zeros) (default `true`).
    pub affine: bool,
    /// Keep running statistics and use them in eval mode (default `true`).
    pub track_running_stats: bool,
    /// Accepted input ranks (default [`BatchNormInput::Any`]).
    pub input: BatchNormInput,
}

impl BatchNormConfig {
    /// PyTorch's defaults for `num_features` channels, accepting 2D, 3D and 4D input.
    ///
    /// ```
    /// use regularizers::batch_norm::{BatchNormConfig, BatchNormInput};
    /// assert_eq!(BatchNormConfig::new(8).input, BatchNormInput::Any);
    /// ```
    pub fn new(num_features: usize) -> Self {
        BatchNormConfig {
            num_features,
            eps: 1e-5,
            momentum: Some(0.1),
            affine: true,
            track_running_stats: true,
            input: BatchNormInput::Any,
        }
    }
    /// Like `nn.BatchNorm1d(num_features)`: accepts `(N, C)` and `(N, C, L)` only.
    ///
    /// ```
    /// use regularizers::batch_norm::{BatchNormConfig, BatchNormInput};
    /// assert_eq!(BatchNormConfig::bn1d(8).input, BatchNormInput::OneD);
    /// ```
    pub fn bn1d(num_features: usize) -> Self {
        BatchNormConfig { input: BatchNormInput::OneD, ..Self::new(num_features) }
    }
    /// Like `nn.BatchNorm2d(num_features)`: accepts `(N, C, H, W)` only.
    ///
    /// ```
    /// use regularizers::batch_norm::{BatchNormConfig, BatchNormInput};
    /// assert_eq!(BatchNormConfig::bn2d(8).input, BatchNormInput::TwoD);
    /// ```
    pub fn bn2d(num_features: usize) -> Self {
        BatchNormConfig { input: BatchNormInput::TwoD, ..Self::new(num_features) }
    }
    /// Sets `eps`.
    ///
    /// ```
    /// use regularizers::batch_norm::BatchNormConfig;
    /// assert_eq!(BatchNormConfig::new(1).with_eps(1e-3).eps, 1e-3);
    /// ```
    pub fn with_eps(mut self, eps: f64) -> Self {
        self.eps = eps;
        self
    }
    /// Sets `momentum` (`None` = cumulative moving average).
    ///
    /// ```
    /// use regularizers::batch_norm::BatchNormConfig;
    /// assert_eq!(BatchNormConfig::new(1).with_momentum(None).momentum, None);
    /// ```
    pub fn with_momentum(mut self, momentum: Option<f64>) -> Self {
        self.momentum = momentum;
        self
    }
    /// Sets `affine`.
    ///
    /// ```
    /// use regularizers::batch_norm::BatchNormConfig;
    /// assert!(!BatchNormConfig::new(1).with_affine(false).affine);
    /// ```
    pub fn with_affine(mut self, affine: bool) -> Self {
        self.affine = affine;
        self
    }
    /// Sets `track_running_stats`.
    ///
    /// ```
    /// use regularizers::batch_norm::BatchNormConfig;
    /// assert!(!BatchNormConfig::new(1).with_track_running_stats(false).track_running_stats);
    /// ```
    pub fn with_track_running_stats(mut self, track: bool) -> Self {
        self.track_running_stats = track;
        self
    }
}

/// What the training forward pass keeps for the backward pass: per-channel mean and `1/√(σ²+ε)`.
///
/// ```
/// use ndarray::{ArrayD, IxDyn};
/// use regularizers::batch_norm::{BatchNorm, BatchNormConfig};
/// let mut bn = BatchNorm::<f64>::new(BatchNormConfig::new(1))?;
/// let (_, cache) = bn.forward(&ArrayD::from_shape_vec(IxDyn(&[2, 1]), vec![0.0, 2.0]).unwrap())?;
/// assert_eq!(cache.mean(), &[1.0]);
/// assert!(cache.used_batch_stats());
/// # Ok::<(), regularizers::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct BatchNormCache {
    mean: Vec<f64>,
    invstd: Vec<f64>,
    batch_stats: bool,
    shape: Vec<usize>,
}

impl BatchNormCache {
    /// The mean used per channel (batch mean, or running mean in eval mode).
    ///
    /// ```
    /// use ndarray::{ArrayD, IxDyn};
    /// use regularizers::batch_norm::{BatchNorm, BatchNormConfig};
    /// let mut bn = BatchNorm::<f64>::new(BatchNormConfig::new(1))?;
    /// let (_, cache) = bn.forward(&ArrayD::from_shape_vec(IxDyn(&[2, 1]), vec![1.0, 3.0]).unwrap())?;
    /// assert_eq!(cache.mean(), &[2.0]);
    /// assert!((cache.invstd()[0] - 1.0 / (1.0f64 + 1e-5).sqrt()).abs() < 1e-12);
    /// assert!(cache.used_batch_stats());
    /// # Ok::<(), regularizers::Error>(())
    /// ```
    pub fn mean(&self) -> &[f64] {
        &self.mean
    }
    /// `1/√(σ² + ε)` per channel.
    ///
    /// ```
    /// use ndarray::{ArrayD, IxDyn};
    /// use regularizers::batch_norm::{BatchNorm, BatchNormConfig};
    /// let mut bn = BatchNorm::<f64>::new(BatchNormConfig::new(1))?;
    /// let (_, cache) = bn.forward(&ArrayD::from_shape_vec(IxDyn(&[2, 1]), vec![1.0, 3.0]).unwrap())?;
    /// assert_eq!(cache.mean(), &[2.0]);
    /// assert!((cache.invstd()[0] - 1.0 / (1.0f64 + 1e-5).sqrt()).abs() < 1e-12);
    /// assert!(cache.used_batch_stats());
    /// # Ok::<(), regularizers::Error>(())
    /// ```
    pub fn invstd(&self) -> &[f64] {
        &self.invstd
    }
    /// `true` if the forward pass normalized with batch statistics (training, or no running stats).
    ///
    /// ```
    /// use ndarray::{ArrayD, IxDyn};
    /// use regularizers::batch_norm::{BatchNorm, BatchNormConfig};
    /// let mut bn = BatchNorm::<f64>::new(BatchNormConfig::new(1))?;
    /// let (_, cache) = bn.forward(&ArrayD::from_shape_vec(IxDyn(&[2, 1]), vec![1.0, 3.0]).unwrap())?;
    /// assert_eq!(cache.mean(), &[2.0]);
    /// assert!((cache.invstd()[0] - 1.0 / (1.0f64 + 1e-5).sqrt()).abs() < 1e-12);
    /// assert!(cache.used_batch_stats());
    /// # Ok::<(), regularizers::Error>(())
    /// ```
    pub fn used_batch_stats(&self) -> bool {
        self.batch_stats
    }
}

/// A BatchNorm layer: parameters, running statistics and the train/eval switch.
///
/// Shapes: input `(N, C, *)` with `1 ≤ ndim − 2 ≤ 2` spatial dimensions allowed by
/// [`BatchNormConfig::input`]; `weight`, `bias`, `running_mean`, `running_var` are `(C,)`.
/// The fields are public so that parameters can be loaded; their shapes are checked on every call.
///
/// ```
/// use ndarray::{ArrayD, IxDyn};
/// use regularizers::batch_norm::{BatchNorm, BatchNormConfig};
/// let mut bn = BatchNorm::<f32>::new(BatchNormConfig::bn2d(3))?;
/// let x = ArrayD::<f32>::from_shape_fn(IxDyn(&[2, 3, 4, 4]), |i| (i[0] * 7 + i[1] + i[2] * i[3]) as f32);
/// let (y, _) = bn.forward(&x)?;        // training: batch statistics, running stats updated
/// bn.eval();
/// let (z, _) = bn.forward(&x)?;        // eval: running statistics only
/// assert_eq!(y.shape(), z.shape());
/// # Ok::<(), regularizers::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct BatchNorm<T> {
    config: BatchNormConfig,
    /// `γ`, shape `(C,)`; `None` when `affine = false` (then `γ = 1`).
    pub weight: Option<Array1<T>>,
    /// `β`, shape `(C,)`; `None` when `affine = false` (then `β = 0`).
    pub bias: Option<Array1<T>>,
    /// Running mean, shape `(C,)`, starts at 0; `None` when `track_running_stats = false`.
    pub running_mean: Option<Array1<T>>,
    /// Running (unbiased) variance, shape `(C,)`, starts at 1; `None` when `track_running_stats = false`.
    pub running_var: Option<Array1<T>>,
    /// Number of training batches seen (drives `momentum = None`).
    pub num_batches_tracked: u64,
    training: bool,
}

impl<T: Float> BatchNorm<T> {
    /// A new layer in training mode: `γ = 1`, `β = 0`, running mean 0, running variance 1.
    ///
    /// Errors: `eps` not finite or `≤ 0`, `momentum` outside `[0, 1]`, `num_features = 0`.
    ///
    /// ```
    /// use regularizers::batch_norm::{BatchNorm, BatchNormConfig};
    /// assert!(BatchNorm::<f64>::new(BatchNormConfig::new(3).with_eps(0.0)).is_err());
    /// assert!(BatchNorm::<f64>::new(BatchNormConfig::new(3).with_momentum(Some(1.5))).is_err());
    /// assert!(BatchNorm::<f64>::new(BatchNormConfig::new(3)).unwrap().is_training());
    /// ```
    pub fn new(config: BatchNormConfig) -> Result<Self> {
        check_eps(config.eps)?;
        if let Some(m) = config.momentum {
            check_probability("momentum", m, true, "0 <= momentum <= 1, or None for a cumulative average")?;
        }
        if config.num_features == 0 {
            return Err(Error::InvalidParameter { name: "num_features", value: 0.0, allowed: "num_features >= 1" });
        }
        let c = config.num_features;
        let (weight, bias) = if config.affine { (Some(Array1::ones(c)), Some(Array1::zeros(c))) } else { (None, None) };
        let (running_mean, running_var) =
            if config.track_running_stats { (Some(Array1::zeros(c)), Some(Array1::ones(c))) } else { (None, None) };
        Ok(BatchNorm { config, weight, bias, running_mean, running_var, num_batches_tracked: 0, training: true })
    }

    /// The configuration.
    ///
    /// ```
    /// use regularizers::batch_norm::{BatchNorm, BatchNormConfig};
    /// let mut bn = BatchNorm::<f32>::new(BatchNormConfig::new(4))?;
    /// assert!(bn.is_training());
    /// bn.eval();
    /// assert!(!bn.is_training());
    /// bn.train();
    /// assert!(bn.is_training() && bn.config().num_features == 4);
    /// # Ok::<(), regularizers::Error>(())
    /// ```
    pub fn config(&self) -> &BatchNormConfig {
        &self.config
    }
    /// Switches to training mode (batch statistics, running stats updated).
    ///
    /// ```
    /// use regularizers::batch_norm::{BatchNorm, BatchNormConfig};
    /// let mut bn = BatchNorm::<f32>::new(BatchNormConfig::new(4))?;
    /// assert!(bn.is_training());
    /// bn.eval();
    /// assert!(!bn.is_training());
    /// bn.train();
    /// assert!(bn.is_training() && bn.config().num_features == 4);
    /// # Ok::<(), regularizers::Error>(())
    /// ```
    pub fn train(&mut self) {
        self.training = true;
    }
    /// Switches to evaluation mode (running statistics if tracked, never updated).
    ///
    /// ```
    /// use regularizers::batch_norm::{BatchNorm, BatchNormConfig};
    /// let mut bn = BatchNorm::<f32>::new(BatchNormConfig::new(4))?;
    /// assert!(bn.is_training());
    /// bn.eval();
    /// assert!(!bn.is_training());
    /// bn.train();
    /// assert!(bn.is_training() && bn.config().num_features == 4);
    /// # Ok::<(), regularizers::Error>(())
    /// ```
    pub fn eval(&mut self) {
        self.training = false;
    }
    /// `true` in training mode.
    ///
    /// ```
    /// use regularizers::batch_norm::{BatchNorm, BatchNormConfig};
    /// let mut bn = BatchNorm::<f32>::new(BatchNormConfig::new(4))?;
    /// assert!(bn.is_training());
    /// bn.eval();
    /// assert!(!bn.is_training());
    /// bn.train();
    /// assert!(bn.is_training() && bn.config().num_features == 4);
    /// # Ok::<(), regularizers::Error>(())
    /// ```
    pub fn is_training(&self) -> bool {
        self.training
    }

    /// Checks the input's rank, channel count and emptiness; returns `(N, C, S)`.
    fn check_input(&self, shape: &[usize]) -> Result<(usize, usize, usize)> {
        let allowed = self.config.input;
        if !allowed.allowed_ndim().contains(&shape.len()) {
            return Err(Error::InvalidShape {
                what: "BatchNorm input".into(),
                got: shape.to_vec(),
                allowed: format!("expected {} (got {}D input)", allowed.describe(), shape.len()),
            });
        }
        let c = shape[1];
        if c != self.config.num_features {
            return Err(Error::ShapeMismatch {
                what: "input channels (dim 1) vs num_features".into(),
                expected: vec![self.config.num_features],
                got: vec![c],
            });
        }
        if shape.contains(&0) {
            return Err(Error::EmptyInput { what: "BatchNorm input" });
        }
        Ok((shape[0], c, shape[2..].iter().product()))
    }

    /// Checks that the public parameter fields still have shape `(C,)`.
    fn check_params(&self) -> Result<()> {
        let c = self.config.num_features;
        let fields = [
            ("weight", self.weight.as_ref()),
            ("bias", self.bias.as_ref()),
            ("running_mean", self.running_mean.as_ref()),
            ("running_var", self.running_var.as_ref()),
        ];
        for (name, field) in fields {
            if let Some(a) = field {
                if a.len() != c {
                    return Err(Error::ShapeMismatch { what: format!("{name} vs num_features"), expected: vec![c], got: vec![a.len()] });
                }
            }
        }
        if self.config.affine != (self.weight.is_some() && self.bias.is_some()) {
            return Err(Error::Invalid("affine BatchNorm needs both weight and bias (or neither when affine = false)".into()));
        }
        if self.config.track_running_stats != (self.running_mean.is_some() && self.running_var.is_some()) {
            return Err(Error::Invalid(
                "track_running_stats = true needs both running_mean and running_var (or neither when false)".into(),
            ));
        }
        Ok(())
    }

    fn gamma(&self, ch: usize) -> f64 {
        self.weight.as_ref().map_or(1.0, |w| f64_of(w[ch]))
    }
    fn beta(&self, ch: usize) -> f64 {
        self.bias.as_ref().map_or(0.0, |b| f64_of(b[ch]))
    }

    /// Forward pass. Returns the output (the input's shape) and the cache for [`BatchNorm::backward`].
    ///
    /// Training mode (or `track_running_stats = false`): batch statistics, see the module docs; in
    /// training mode with tracked statistics the running statistics and `num_batches_tracked` are
    /// updated. Eval mode with tracked statistics: `y = γ (x − running_mean)/√(running_var + ε) + β`,
    /// nothing is updated.
    ///
    /// Errors: rank not allowed, `C ≠ num_features`, empty input, parameter fields of the wrong
    /// shape, and [`Error::TooFewValuesPerChannel`] when batch statistics are needed and `N·S = 1`.
    ///
    /// ```
    /// use ndarray::{ArrayD, IxDyn};
    /// use regularizers::{Error, batch_norm::{BatchNorm, BatchNormConfig}};
    /// let mut bn = BatchNorm::<f64>::new(BatchNormConfig::new(3))?;
    /// let one = ArrayD::zeros(IxDyn(&[1, 3]));
    /// assert!(matches!(bn.forward(&one), Err(Error::TooFewValuesPerChannel { .. })));
    /// bn.eval();
    /// assert!(bn.forward(&one).is_ok()); // eval mode: running statistics, one sample is fine
    /// # Ok::<(), regularizers::Error>(())
    /// ```
    pub fn forward(&mut self, x: &ArrayD<T>) -> Result<(ArrayD<T>, BatchNormCache)> {
        self.check_input(x.shape())?;
        let mut y = ArrayD::zeros(IxDyn(x.shape()));
        let cache = self.forward_into(x, &mut y)?;
        Ok((y, cache))
    }

    /// [`BatchNorm::forward`] writing into a caller-provided `y` of the input's shape (standard
    /// layout), so that a training loop reuses its buffers. Returns the cache.
    ///
    /// ```
    /// use ndarray::{ArrayD, IxDyn};
    /// use regularizers::batch_norm::{BatchNorm, BatchNormConfig};
    /// let mut bn = BatchNorm::<f32>::new(BatchNormConfig::new(2))?;
    /// let x = ArrayD::from_shape_vec(IxDyn(&[2, 2]), vec![1.0f32, 2.0, 3.0, 5.0]).unwrap();
    /// let mut y = ArrayD::zeros(IxDyn(&[2, 2]));
    /// bn.forward_into(&x, &mut y)?;
    /// assert_eq!(y[[0, 0]], -y[[1, 0]]);
    /// # Ok::<(), regularizers::Error>(())
    /// ```
    pub fn forward_into(&mut self, x: &ArrayD<T>, y: &mut ArrayD<T>) -> Result<BatchNormCache> {
        let (n, c, s) = self.check_input(x.shape())?;
        self.check_params()?;
        let ys = out_slice("BatchNorm output vs input", y, x.shape())?;
        let x_std = x.as_standard_layout();
        let xs = x_std.as_slice().expect("standard layout is contiguous");
        let batch_stats = self.training || !self.config.track_running_stats;
        if batch_stats && n * s < 2 {
            return Err(Error::TooFewValuesPerChannel { shape: x.shape().to_vec() });
        }
        let gamma: Vec<f64> = (0..c).map(|ch| self.gamma(ch)).collect();
        let beta: Vec<f64> = (0..c).map(|ch| self.beta(ch)).collect();
        let (mut mean, mut invstd, mut var) = (vec![0.0; c], vec![0.0; c], vec![0.0; c]);
        if batch_stats {
            batch_norm_train_forward(xs, ys, [n, c, s], &gamma, &beta, self.config.eps, [&mut mean, &mut var, &mut invstd]);
            if self.training && self.config.track_running_stats {
                self.update_running_stats(&mean, &var, n * s);
            }
        } else {
            // eval with running statistics: constants per channel
            let rm = self.running_mean.as_ref().expect("checked");
            let rv = self.running_var.as_ref().expect("checked");
            for ch in 0..c {
                mean[ch] = f64_of(rm[ch]);
                invstd[ch] = 1.0 / (f64_of(rv[ch]) + self.config.eps).sqrt();
            }
            batch_norm_eval_forward(xs, ys, [n, c, s], &gamma, &beta, &mean, &invstd);
        }
        Ok(BatchNormCache { mean, invstd, batch_stats, shape: x.shape().to_vec() })
    }

    /// Exponential (or cumulative) moving average of the batch statistics, with the UNBIASED variance.
    fn update_running_stats(&mut self, mean: &[f64], var_biased: &[f64], m: usize) {
        self.num_batches_tracked += 1;
        // ANCHOR: running_stats_update
        // momentum = None: cumulative average, the k-th batch gets weight 1/k.
        let f = self.config.momentum.unwrap_or(1.0 / self.num_batches_tracked as f64);
        // The output used the biased variance (÷m); the running estimate uses the unbiased one (÷(m−1)).
        let bessel = m as f64 / (m as f64 - 1.0);
        let rm = self.running_mean.as_mut().expect("tracked");
        for (r, &mu) in rm.iter_mut().zip(mean) {
            *r = from_f64((1.0 - f) * f64_of(*r) + f * mu);
        }
        let rv = self.running_var.as_mut().expect("tracked");
        for (r, &v) in rv.iter_mut().zip(var_biased) {
            *r = from_f64((1.0 - f) * f64_of(*r) + f * v * bessel);
        }
        // ANCHOR_END: running_stats_update
    }

    /// Backward pass for the forward pass that produced `cache`, given `grad_output = ∂L/∂y`.
    ///
    /// With batch statistics (training), the statistics depend on `x`, which gives the closed form
    /// (per channel, means over the channel's `m = N·S` values, `x̂ = (x − μ)/σ`):
    ///
    /// ```text
    /// ∂L/∂x = (γ/σ)·(dy − mean(dy) − x̂·mean(dy·x̂)),   ∂L/∂γ = Σ dy·x̂,   ∂L/∂β = Σ dy
    /// ```
    ///
    /// With running statistics (eval), they are constants: `∂L/∂x = dy·γ/√(running_var + ε)`.
    /// Shapes: `x` and `grad_output` as the forward input; grads of `γ`, `β` are `(C,)` (`None`
    /// without affine). Errors: shape mismatches with the cache or between `x` and `grad_output`.
    ///
    /// ```
    /// use ndarray::{ArrayD, IxDyn};
    /// use regularizers::batch_norm::{BatchNorm, BatchNormConfig};
    /// let mut bn = BatchNorm::<f64>::new(BatchNormConfig::new(1))?;
    /// let x = ArrayD::from_shape_vec(IxDyn(&[4, 1]), vec![1.0, 2.0, 4.0, 8.0]).unwrap();
    /// let (y, cache) = bn.forward(&x)?;
    /// let g = bn.backward(&x, &y, &cache)?;   // L = ½Σy² ⇒ ∂L/∂γ = Σ x̂² = m·σ²/(σ²+ε)
    /// assert!((g.grad_weight.unwrap()[0] - 4.0).abs() < 1e-4);
    /// # Ok::<(), regularizers::Error>(())
    /// ```
    pub fn backward(&self, x: &ArrayD<T>, grad_output: &ArrayD<T>, cache: &BatchNormCache) -> Result<NormGrads<T>> {
        self.check_input(x.shape())?;
        let mut grad_input = ArrayD::zeros(IxDyn(x.shape()));
        let (grad_weight, grad_bias) = self.backward_into(x, grad_output, cache, &mut grad_input)?;
        Ok(NormGrads { grad_input, grad_weight, grad_bias })
    }

    /// [`BatchNorm::backward`] writing `∂L/∂x` into a caller-provided array of the input's shape
    /// (standard layout); returns `(∂L/∂γ, ∂L/∂β)` (`None` without affine).
    ///
    /// ```
    /// use ndarray::{ArrayD, IxDyn};
    /// use regularizers::batch_norm::{BatchNorm, BatchNormConfig};
    /// let mut bn = BatchNorm::<f32>::new(BatchNormConfig::new(1))?;
    /// let x = ArrayD::from_shape_vec(IxDyn(&[2, 1]), vec![1.0f32, 3.0]).unwrap();
    /// let (_, cache) = bn.forward(&x)?;
    /// let mut dx = ArrayD::zeros(IxDyn(&[2, 1]));
    /// let (_, dbeta) = bn.backward_into(&x, &ArrayD::ones(IxDyn(&[2, 1])), &cache, &mut dx)?;
    /// assert_eq!(dbeta.unwrap()[[0]], 2.0);
    /// # Ok::<(), regularizers::Error>(())
    /// ```
    pub fn backward_into(
        &self,
        x: &ArrayD<T>,
        grad_output: &ArrayD<T>,
        cache: &BatchNormCache,
        grad_input: &mut ArrayD<T>,
    ) -> Result<ParamGrads<T>> {
        let (n, c, s) = self.check_input(x.shape())?;
        self.check_params()?;
        check_same_shape("grad_output vs input", x.shape(), grad_output.shape())?;
        check_same_shape("input vs forward cache", &cache.shape, x.shape())?;
        let dx = out_slice("grad_input vs input", grad_input, x.shape())?;
        let x_std = x.as_standard_layout();
        let xs = x_std.as_slice().expect("contiguous");
        let dy_std = grad_output.as_standard_layout();
        let dys = dy_std.as_slice().expect("contiguous");
        let gamma: Vec<f64> = (0..c).map(|ch| self.gamma(ch)).collect();
        let (mut dgamma, mut dbeta) = (vec![0.0; c], vec![0.0; c]);
        batch_norm_backward_channels(xs, dys, dx, [n, c, s], &gamma, cache, &mut dgamma, &mut dbeta);
        let (dgamma, dbeta): (Vec<T>, Vec<T>) = (dgamma.into_iter().map(from_f64).collect(), dbeta.into_iter().map(from_f64).collect());
        let to_array = |v: Vec<T>| ArrayD::from_shape_vec(IxDyn(&[c]), v).expect("len c");
        let affine = self.config.affine;
        Ok((affine.then(|| to_array(dgamma)), affine.then(|| to_array(dbeta))))
    }
}

simd_dispatch! {
    /// Training-mode forward of an `(N, C, S)` buffer; writes per-channel mean, biased var and invstd.
    fn batch_norm_train_forward<T: Float>(
        xs: &[T], ys: &mut [T], dims: [usize; 3], gamma: &[f64], beta: &[f64], eps: f64, stats: [&mut [f64]; 3],
    ) => batch_norm_train_forward_kernel
}

#[inline(always)]
fn batch_norm_train_forward_kernel<T: Float>(
    xs: &[T],
    ys: &mut [T],
    [_, c, s]: [usize; 3],
    gamma: &[f64],
    beta: &[f64],
    eps: f64,
    [mean, var, invstd]: [&mut [f64]; 3],
) {
    // ANCHOR: batch_norm_forward_train
    // A channel is N blocks of S contiguous values. Sweep 1 reads the input in memory order and
    // merges each block's two-pass moments into its channel's (Chan's formula, stable, in f64).
    let mut moments = vec![Moments::default(); c];
    for (i, x) in xs.chunks_exact(s).enumerate() {
        let ch = i % c;
        moments[ch] = moments[ch].merge(Moments::of(x));
    }
    for (ch, m) in moments.iter().enumerate() {
        mean[ch] = m.mean;
        var[ch] = m.m2 / m.count; // BIASED variance: the output divides by m = N·S
        invstd[ch] = 1.0 / (var[ch] + eps).sqrt();
    }
    // Sweep 2: y = (x − μ)·γ/σ + β.
    for (i, (x, y)) in xs.chunks_exact(s).zip(ys.chunks_exact_mut(s)).enumerate() {
        let ch = i % c;
        normalize_segment(x, y, mean[ch], gamma[ch] * invstd[ch], beta[ch]);
    }
    // ANCHOR_END: batch_norm_forward_train
}

simd_dispatch! {
    /// Eval-mode forward with given per-channel mean and invstd.
    fn batch_norm_eval_forward<T: Float>(
        xs: &[T], ys: &mut [T], dims: [usize; 3], gamma: &[f64], beta: &[f64], mean: &[f64], invstd: &[f64],
    ) => batch_norm_eval_forward_kernel
}

#[inline(always)]
fn batch_norm_eval_forward_kernel<T: Float>(
    xs: &[T],
    ys: &mut [T],
    [n, c, s]: [usize; 3],
    gamma: &[f64],
    beta: &[f64],
    mean: &[f64],
    invstd: &[f64],
) {
    // ANCHOR: batch_norm_forward_eval
    // y = (x − running_mean)·γ/√(running_var + ε) + β: a fixed affine map per channel.
    for (i, (x, y)) in xs.chunks_exact(s).zip(ys.chunks_exact_mut(s)).enumerate() {
        let ch = i % c;
        normalize_segment(x, y, mean[ch], gamma[ch] * invstd[ch], beta[ch]);
    }
    // ANCHOR_END: batch_norm_forward_eval
    let _ = n;
}

simd_dispatch! {
    /// Backward over an `(N, C, S)` buffer for the statistics in `cache`.
    #[allow(clippy::too_many_arguments)]
    fn batch_norm_backward_channels<T: Float>(
        xs: &[T], dys: &[T], dx: &mut [T], dims: [usize; 3], gamma: &[f64], cache: &BatchNormCache,
        dgamma: &mut [f64], dbeta: &mut [f64],
    ) => batch_norm_backward_kernel
}

#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn batch_norm_backward_kernel<T: Float>(
    xs: &[T],
    dys: &[T],
    dx: &mut [T],
    [n, c, s]: [usize; 3],
    gamma: &[f64],
    cache: &BatchNormCache,
    dgamma: &mut [f64],
    dbeta: &mut [f64],
) {
    let m = (n * s) as f64;
    // ANCHOR: batch_norm_backward
    // A channel is N blocks of S contiguous values; both passes read the buffers in memory order.
    let blocks = || xs.chunks_exact(s).zip(dys.chunks_exact(s)).enumerate().map(|(i, b)| (i % c, b));
    // Pass 1: Σ dy and Σ dy·x̂ per channel (they are also ∂L/∂β and ∂L/∂γ; both start at zero).
    let (sum_dy, sum_dy_xhat) = (dbeta, dgamma);
    for (ch, (x, dy)) in blocks() {
        let (s1, s2) = grad_sums(x, dy, cache.mean[ch], cache.invstd[ch]);
        sum_dy[ch] += s1;
        sum_dy_xhat[ch] += s2;
    }
    // Pass 2: dx = (γ/σ)·(dy − mean(dy) − x̂·mean(dy·x̂)); with running statistics the
    // mean and σ are constants and only dx = dy·γ/σ remains.
    for ((ch, (x, dy)), dx) in blocks().zip(dx.chunks_exact_mut(s)) {
        let g = gamma[ch];
        let (a, b) = if cache.batch_stats { (g * sum_dy[ch] / m, g * sum_dy_xhat[ch] / m) } else { (0.0, 0.0) };
        input_grad_segment(x, dy, dx, cache.mean[ch], cache.invstd[ch], [g, a, b]);
    }
    // ANCHOR_END: batch_norm_backward
}

/// The contiguous buffer of a caller-provided output array, after checking its shape and layout.
pub(crate) fn out_slice<'a, T>(what: &str, out: &'a mut ArrayD<T>, shape: &[usize]) -> Result<&'a mut [T]> {
    check_same_shape(what, shape, out.shape())?;
    out.as_slice_mut()
        .ok_or_else(|| Error::Invalid(format!("{what}: the output array must be in standard (row-major, contiguous) layout")))
}

pub(crate) fn check_same_shape(what: &str, expected: &[usize], got: &[usize]) -> Result<()> {
    if expected == got {
        Ok(())
    } else {
        Err(Error::ShapeMismatch { what: what.into(), expected: expected.to_vec(), got: got.to_vec() })
    }
}
