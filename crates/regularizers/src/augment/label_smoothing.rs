//! Cross-entropy with label smoothing, exactly as `torch.nn.functional.cross_entropy`
//! (class weights, `ignore_index`, reductions, probability targets, K-dim inputs), with its gradient.
//!
//! Label smoothing replaces the one-hot target by `q = (1 − ε)·onehot(y) + ε/K` (Szegedy et al. 2016):
//! the model is no longer pushed to make the correct logit infinitely larger than the others.

use crate::error::{Error, Result};
use crate::float::Float;
use crate::weight_decay::{cast, tof};
use ndarray::{Array, Array2, ArrayD, ArrayRef, ArrayView1, ArrayViewD, Dimension, IxDyn};

/// How per-position losses are combined (PyTorch's `reduction`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Reduction {
    /// Weighted mean: divide by `Σ w[y_i]` over non-ignored positions (class indices), or by the number of
    /// positions `N·d₁⋯` (probability targets).
    #[default]
    Mean,
    /// Sum over positions.
    Sum,
    /// No reduction: one loss per position, shape `(N, d₁, …)`.
    None,
}

/// The target of [`cross_entropy`].
#[derive(Debug, Clone)]
pub enum Target<'a, T> {
    /// Class indices, shape `(N, d₁, …)`; each in `0..C` or equal to `ignore_index`.
    Classes(ArrayViewD<'a, i64>),
    /// Class probabilities, same shape as the logits `(N, C, d₁, …)`.
    Probabilities(ArrayViewD<'a, T>),
}

impl<'a, T> Target<'a, T> {
    /// Class-index target from an array of any dimension.
    ///
    /// ```
    /// use regularizers::augment::Target;
    /// let y = ndarray::array![0_i64, 2];
    /// assert!(matches!(Target::<f64>::classes(&y), Target::Classes(_)));
    /// ```
    pub fn classes<D: Dimension>(t: &'a ArrayRef<i64, D>) -> Self {
        Target::Classes(t.view().into_dyn())
    }
    /// Probability target from an array of any dimension.
    ///
    /// ```
    /// use regularizers::augment::Target;
    /// let q = ndarray::array![[0.5, 0.5]];
    /// assert!(matches!(Target::probabilities(&q), Target::Probabilities(_)));
    /// ```
    pub fn probabilities<D: Dimension>(t: &'a ArrayRef<T, D>) -> Self {
        Target::Probabilities(t.view().into_dyn())
    }
}

/// Options of [`cross_entropy`], PyTorch's keyword arguments and defaults
/// (`weight = None`, `ignore_index = -100`, `reduction = Mean`, `label_smoothing = 0`).
///
/// ```
/// use regularizers::augment::{CrossEntropyOptions, Reduction};
/// let o = CrossEntropyOptions::<f32> { label_smoothing: 0.1, ..Default::default() };
/// assert_eq!((o.ignore_index, o.reduction), (-100, Reduction::Mean));
/// ```
#[derive(Debug, Clone)]
pub struct CrossEntropyOptions<'a, T> {
    /// Per-class weights `w` (length `C`, finite), or `None` for all ones.
    pub weight: Option<ArrayView1<'a, T>>,
    /// Class-index targets equal to this contribute nothing (not used for probability targets).
    pub ignore_index: i64,
    /// Reduction over positions.
    pub reduction: Reduction,
    /// ε in `[0, 1]`. (PyTorch silently treats ε < 0 as 0; here it is an error.)
    pub label_smoothing: f64,
}

impl<T> Default for CrossEntropyOptions<'_, T> {
    fn default() -> Self {
        CrossEntropyOptions { weight: None, ignore_index: -100, reduction: Reduction::Mean, label_smoothing: 0.0 }
    }
}

/// Label-smoothed targets `(1 − ε)·onehot(y) + ε/K`, shape `(N, K)`; every row sums to 1.
/// `ε` in `[0, 1]`, labels `< K`.
///
/// ```
/// use ndarray::array;
/// use regularizers::augment::smooth_targets;
/// let q = smooth_targets::<f64>(&[1], 4, 0.25).unwrap();
/// assert_eq!(q, array![[0.0625, 0.8125, 0.0625, 0.0625]]);
/// ```
pub fn smooth_targets<T: Float>(labels: &[usize], num_classes: usize, eps: f64) -> Result<Array2<T>> {
    check_smoothing(eps)?;
    let oh = super::mixup::one_hot::<f64>(labels, num_classes)?;
    let u = eps / num_classes as f64;
    Ok(oh.mapv(|o| cast::<T>((1.0 - eps) * o + u)))
}

fn check_smoothing(eps: f64) -> Result<()> {
    crate::error::check_probability("label_smoothing", eps, true, "between 0.0 and 1.0 (inclusive)")
}

/// Everything the forward and the backward share, in f64.
struct Prepared {
    /// Per position: loss (unreduced, already 0 for ignored positions).
    loss: Vec<f64>,
    /// Per position and class: d loss_i / d z_ic, row-major (position-major, then class).
    dloss: Vec<f64>,
    /// The mean's denominator.
    denom: f64,
    n_pos: usize,
    c: usize,
    spatial: usize,
    /// Shape of the unreduced loss `(N, d₁, …)`.
    loss_shape: Vec<usize>,
}

fn prepare<T: Float>(
    logits: ArrayViewD<'_, T>,
    target: &Target<'_, T>,
    opts: &CrossEntropyOptions<'_, T>,
) -> Result<Prepared> {
    check_smoothing(opts.label_smoothing)?;
    let shape = logits.shape().to_vec();
    if shape.len() < 2 {
        return Err(Error::InvalidShape {
            what: "cross_entropy logits".into(),
            got: shape,
            allowed: "(N, C) or (N, C, d1, ...)".into(),
        });
    }
    let (n, c) = (shape[0], shape[1]);
    let spatial: usize = shape[2..].iter().product();
    let n_pos = n * spatial;
    if c == 0 || n_pos == 0 {
        return Err(Error::EmptyInput { what: "cross_entropy logits" });
    }
    if !logits.iter().all(|v| v.is_finite()) {
        return Err(Error::NonFinite { what: "cross_entropy logits" });
    }
    let w: Vec<f64> = match &opts.weight {
        None => vec![1.0; c],
        Some(w) => {
            if w.len() != c {
                return Err(Error::ShapeMismatch {
                    what: "class weight vs C".into(),
                    expected: vec![c],
                    got: w.shape().to_vec(),
                });
            }
            if !w.iter().all(|v| v.is_finite()) {
                return Err(Error::NonFinite { what: "class weight" });
            }
            w.iter().map(|&v| tof(v)).collect()
        }
    };
    let mut loss_shape = vec![n];
    loss_shape.extend_from_slice(&shape[2..]);
    let z = logits.as_standard_layout();
    let z = z.as_slice().expect("standard layout");
    let eps = opts.label_smoothing;
    let (mut loss, mut dloss, mut denom) = (vec![0.0; n_pos], vec![0.0; n_pos * c], 0.0);
    let mut logp = vec![0.0; c];
    let mut q = vec![0.0; c];
    let class_t = match target {
        Target::Classes(t) => {
            if t.shape() != loss_shape.as_slice() {
                return Err(Error::ShapeMismatch {
                    what: "class-index target vs (N, d1, ...)".into(),
                    expected: loss_shape,
                    got: t.shape().to_vec(),
                });
            }
            Some(t.as_standard_layout().iter().copied().collect::<Vec<i64>>())
        }
        Target::Probabilities(t) => {
            if t.shape() != shape.as_slice() {
                return Err(Error::ShapeMismatch {
                    what: "probability target vs logits".into(),
                    expected: shape,
                    got: t.shape().to_vec(),
                });
            }
            if !t.iter().all(|v| v.is_finite()) {
                return Err(Error::NonFinite { what: "probability target" });
            }
            None
        }
    };
    let prob_t: Option<Vec<f64>> = match target {
        Target::Probabilities(t) => Some(t.as_standard_layout().iter().map(|&v| tof(v)).collect()),
        Target::Classes(_) => None,
    };
    for pos in 0..n_pos {
        let (ni, s) = (pos / spatial, pos % spatial);
        let at = |k: usize| ni * c * spatial + k * spatial + s; // index of z[ni, k, s]
        // Stable log-softmax: subtract the max before exponentiating.
        let m = (0..c).map(|k| tof(z[at(k)])).fold(f64::NEG_INFINITY, f64::max);
        let lse = m + (0..c).map(|k| (tof(z[at(k)]) - m).exp()).sum::<f64>().ln();
        for k in 0..c {
            logp[k] = tof(z[at(k)]) - lse;
        }
        // ANCHOR: label_smoothing_ce
        // The (weighted) smoothed target q: (1 − ε)·w_y at the label, plus ε/C·w_c everywhere.
        match (&class_t, &prob_t) {
            (Some(t), _) => {
                let y = t[pos];
                if y == opts.ignore_index {
                    continue; // ignored: loss 0, gradient 0, not counted in the mean
                }
                if y < 0 || y >= c as i64 {
                    return Err(Error::Invalid(format!(
                        "Target {y} is out of bounds: class indices must be in 0..{c} or ignore_index"
                    )));
                }
                for k in 0..c {
                    q[k] = eps / c as f64 * w[k];
                }
                q[y as usize] += (1.0 - eps) * w[y as usize];
                denom += w[y as usize];
            }
            (None, Some(t)) => {
                for k in 0..c {
                    q[k] = w[k] * ((1.0 - eps) * t[at(k)] + eps / c as f64);
                }
                denom += 1.0;
            }
            (None, None) => unreachable!("one target kind is set"),
        }
        // loss = −Σ q_c log p_c;  ∂loss/∂z_c = p_c·Σq − q_c.
        let q_sum: f64 = q.iter().sum();
        loss[pos] = -(0..c).map(|k| q[k] * logp[k]).sum::<f64>();
        for k in 0..c {
            dloss[pos * c + k] = logp[k].exp() * q_sum - q[k];
        }
        // ANCHOR_END: label_smoothing_ce
    }
    Ok(Prepared { loss, dloss, denom, n_pos, c, spatial, loss_shape })
}

fn check_denominator(p: &Prepared, reduction: Reduction) -> Result<()> {
    if reduction == Reduction::Mean && p.denom == 0.0 {
        return Err(Error::Invalid(
            "cross_entropy mean reduction: the total weight of the non-ignored targets is 0 \
             (all targets ignored or zero class weights), so the mean is 0/0 (PyTorch returns NaN)"
                .into(),
        ));
    }
    Ok(())
}

/// `F.cross_entropy(logits, target, weight, ignore_index=…, reduction=…, label_smoothing=ε)`.
///
/// Logits `(N, C)` or `(N, C, d₁, …)` (class axis 1). Per position `i`, with `log p = log_softmax(z_i)`:
/// - class index `y` (not ignored): `loss_i = (1 − ε)·w[y]·(−log p_y) + (ε/C)·Σ_c w[c]·(−log p_c)`;
/// - probabilities `t`: `loss_i = −Σ_c w[c]·((1 − ε)t_c + ε/C)·log p_c`.
///
/// Mean divides by `Σ_i w[y_i]` over non-ignored positions (class indices; the count when unweighted)
/// or by the number of positions (probability targets). Returns a 0-d array for `Mean`/`Sum` and shape
/// `(N, d₁, …)` for `None`. Computed in `f64` and rounded once to `T`.
///
/// Errors: `ε` outside `[0, 1]` or NaN; wrong shapes; `C = 0` or no positions; non-finite logits, weights or
/// probability targets; a class index outside `0..C` that is not `ignore_index`; a mean over total weight 0.
///
/// ```
/// use ndarray::array;
/// use regularizers::augment::{cross_entropy, CrossEntropyOptions, Target};
/// let z = array![[0.0, 0.0, 0.0]];
/// let y = array![1_i64];
/// let o = CrossEntropyOptions { label_smoothing: 0.3, ..Default::default() };
/// // Uniform logits: the loss is ln 3 whatever the target.
/// let l = cross_entropy(&z, &Target::classes(&y), &o).unwrap();
/// assert!((l[[]] - 3f64.ln()).abs() < 1e-12);
/// ```
pub fn cross_entropy<T: Float, D: Dimension>(
    logits: &ArrayRef<T, D>,
    target: &Target<'_, T>,
    opts: &CrossEntropyOptions<'_, T>,
) -> Result<ArrayD<T>> {
    let p = prepare(logits.view().into_dyn(), target, opts)?;
    check_denominator(&p, opts.reduction)?;
    Ok(match opts.reduction {
        Reduction::None => ArrayD::from_shape_vec(IxDyn(&p.loss_shape), p.loss.iter().map(|&v| cast::<T>(v)).collect())
            .expect("loss shape"),
        Reduction::Sum => ArrayD::from_elem(IxDyn(&[]), cast::<T>(p.loss.iter().sum())),
        Reduction::Mean => ArrayD::from_elem(IxDyn(&[]), cast::<T>(p.loss.iter().sum::<f64>() / p.denom)),
    })
}

/// Gradient of [`cross_entropy`] with respect to the logits, for upstream gradient `grad_output`
/// (0-d for `Mean`/`Sum`, shape `(N, d₁, …)` for `None`): `∂L/∂z_ic = s_i·(p_ic·Σ_c q_ic − q_ic)` with
/// `q` the weighted smoothed target of position `i` (0 if ignored) and `s_i = g/denominator` (mean),
/// `g` (sum) or `g_i` (none). Same shape as `logits`. Same errors as [`cross_entropy`], plus a
/// `grad_output` of the wrong shape or non-finite.
///
/// ```
/// use ndarray::{array, arr0};
/// use regularizers::augment::{cross_entropy_backward, CrossEntropyOptions, Target};
/// let y = array![0_i64];
/// let g = cross_entropy_backward(&array![[0.0, 0.0]], &Target::classes(&y), &CrossEntropyOptions::default(), &arr0(1.0)).unwrap();
/// assert_eq!(g, array![[-0.5, 0.5]]); // softmax − onehot
/// ```
pub fn cross_entropy_backward<T: Float, D: Dimension, E: Dimension>(
    logits: &ArrayRef<T, D>,
    target: &Target<'_, T>,
    opts: &CrossEntropyOptions<'_, T>,
    grad_output: &ArrayRef<T, E>,
) -> Result<Array<T, D>> {
    let p = prepare(logits.view().into_dyn(), target, opts)?;
    check_denominator(&p, opts.reduction)?;
    if !grad_output.iter().all(|v| v.is_finite()) {
        return Err(Error::NonFinite { what: "grad_output" });
    }
    let expected: Vec<usize> = if opts.reduction == Reduction::None { p.loss_shape.clone() } else { vec![] };
    if grad_output.shape() != expected.as_slice() {
        return Err(Error::ShapeMismatch {
            what: "cross_entropy grad_output".into(),
            expected,
            got: grad_output.shape().to_vec(),
        });
    }
    let g: Vec<f64> = grad_output.as_standard_layout().iter().map(|&v| tof(v)).collect();
    let (c, spatial) = (p.c, p.spatial);
    let mut out = vec![T::zero(); p.n_pos * c];
    for pos in 0..p.n_pos {
        let s = match opts.reduction {
            Reduction::None => g[pos],
            Reduction::Sum => g[0],
            Reduction::Mean => g[0] / p.denom,
        };
        let (ni, sp) = (pos / spatial, pos % spatial);
        for k in 0..c {
            out[ni * c * spatial + k * spatial + sp] = cast::<T>(s * p.dloss[pos * c + k]);
        }
    }
    let arr = ArrayD::from_shape_vec(IxDyn(logits.shape()), out).expect("logits shape");
    arr.into_dimensionality::<D>().map_err(|e| Error::Invalid(format!("internal dimension error: {e}")))
}
