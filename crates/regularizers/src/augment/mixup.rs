//! mixup (Zhang et al. 2018): train on convex combinations of pairs of examples and of their labels,
//! `x̃ = λ·x_i + (1 − λ)·x_j`, `ỹ = λ·y_i + (1 − λ)·y_j`, `λ ~ Beta(α, α)`, `j = perm[i]`.

use super::CutBox;
use super::label_smoothing::{CrossEntropyOptions, Target, cross_entropy, cross_entropy_backward};
use crate::error::{Error, Result};
use crate::float::Float;
use crate::rng::Rng;
use crate::weight_decay::{cast, tof};
use ndarray::{Array, Array2, ArrayRef, ArrayRef2, Axis, Dimension, RemoveAxis, Zip, arr0};

/// A mixed batch: inputs, soft targets, the mixing coefficient and the partner permutation.
#[derive(Debug, Clone, PartialEq)]
pub struct Mixed<T: Float, D: Dimension> {
    /// Mixed inputs `x̃`, same shape as `x`.
    pub x: Array<T, D>,
    /// Mixed soft targets `ỹ`, shape `(N, K)`; every row sums to 1.
    pub y: Array2<T>,
    /// The λ actually used for the targets (for CutMix: corrected to the box area).
    pub lam: f64,
    /// The partner of sample `i` is `perm[i]`.
    pub perm: Vec<usize>,
    /// CutMix's box (`None` for mixup).
    pub cut: Option<CutBox>,
}

/// One-hot targets `(N, K)` from class labels; errors if a label is `>= K` or `K == 0`.
///
/// ```
/// use ndarray::array;
/// use regularizers::augment::one_hot;
/// assert_eq!(one_hot::<f64>(&[2, 0], 3).unwrap(), array![[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]]);
/// ```
pub fn one_hot<T: Float>(labels: &[usize], num_classes: usize) -> Result<Array2<T>> {
    if num_classes == 0 {
        return Err(Error::Invalid("num_classes must be at least 1".into()));
    }
    crate::weight_decay::check_alloc("one-hot matrix", &[labels.len(), num_classes])?;
    let mut y = Array2::zeros((labels.len(), num_classes));
    for (i, &l) in labels.iter().enumerate() {
        if l >= num_classes {
            return Err(Error::Invalid(format!("label {l} is out of bounds for num_classes = {num_classes}")));
        }
        y[[i, l]] = T::one();
    }
    Ok(y)
}

/// The permutation of `x.roll(shift, 0)`: `perm[i] = (i − shift) mod n` (torchvision v2's MixUp/CutMix use
/// `shift = 1`, pairing each sample with the previous one).
///
/// ```
/// use regularizers::augment::roll_permutation;
/// assert_eq!(roll_permutation(4, 1), vec![3, 0, 1, 2]);
/// ```
pub fn roll_permutation(n: usize, shift: usize) -> Vec<usize> {
    if n == 0 {
        return vec![];
    }
    (0..n).map(|i| (i + n - shift % n) % n).collect()
}

/// A uniformly random permutation of `0..n` (Fisher–Yates).
///
/// ```
/// use regularizers::{Rng, augment::random_permutation};
/// let mut p = random_permutation(5, &mut Rng::seed_from_u64(0));
/// p.sort();
/// assert_eq!(p, vec![0, 1, 2, 3, 4]);
/// ```
pub fn random_permutation(n: usize, rng: &mut Rng) -> Vec<usize> {
    let mut p: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        let j = rng.below(i as u64 + 1) as usize;
        p.swap(i, j);
    }
    p
}

pub(crate) fn check_perm(perm: &[usize], n: usize) -> Result<()> {
    let mut seen = vec![false; n];
    if perm.len() != n {
        return Err(Error::ShapeMismatch {
            what: "perm vs batch size".into(),
            expected: vec![n],
            got: vec![perm.len()],
        });
    }
    for &j in perm {
        if j >= n || std::mem::replace(&mut seen[j], true) {
            return Err(Error::Invalid(format!("perm must be a permutation of 0..{n}; got {perm:?}")));
        }
    }
    Ok(())
}

pub(crate) fn check_lam(lam: f64) -> Result<()> {
    crate::error::check_probability("lam", lam, true, "0 <= lam <= 1")
}

/// `ỹ = onehot(y)[perm]·(1 − λ) + onehot(y)·λ` (torchvision's order of operations).
pub(crate) fn mix_targets<T: Float>(
    labels: &[usize],
    num_classes: usize,
    lam: f64,
    perm: &[usize],
) -> Result<Array2<T>> {
    let oh = one_hot::<T>(labels, num_classes)?;
    let partner = oh.select(Axis(0), perm);
    let (a, b) = (cast::<T>(lam), cast::<T>(1.0 - lam));
    Ok(Zip::from(&partner).and(&oh).map_collect(|&p, &o| p * b + o * a))
}

/// mixup with a given `λ` and partner permutation: `x̃ = x[perm]·(1 − λ) + x·λ`,
/// `ỹ = onehot(y)[perm]·(1 − λ) + onehot(y)·λ` (torchvision v2's order, so results match it bit for bit).
/// `x` has shape `(N, …)`, `labels` length `N`, `perm` a permutation of `0..N`, `λ` in `[0, 1]`.
///
/// ```
/// use ndarray::array;
/// use regularizers::augment::{mixup_with_perm, roll_permutation};
/// let m = mixup_with_perm(&array![[1.0], [3.0]], &[0, 1], 2, 0.75, &roll_permutation(2, 1)).unwrap();
/// assert_eq!(m.x, array![[1.5], [2.5]]);
/// assert_eq!(m.y, array![[0.75, 0.25], [0.25, 0.75]]);
/// ```
pub fn mixup_with_perm<T: Float, D: Dimension + RemoveAxis>(
    x: &ArrayRef<T, D>,
    labels: &[usize],
    num_classes: usize,
    lam: f64,
    perm: &[usize],
) -> Result<Mixed<T, D>> {
    check_lam(lam)?;
    if x.ndim() == 0 {
        return Err(Error::InvalidShape { what: "mixup input".into(), got: vec![], allowed: "(N, ...)".into() });
    }
    let n = x.shape()[0];
    if labels.len() != n {
        return Err(Error::ShapeMismatch {
            what: "labels vs batch size".into(),
            expected: vec![n],
            got: vec![labels.len()],
        });
    }
    check_perm(perm, n)?;
    // ANCHOR: mixup
    let (a, b) = (cast::<T>(lam), cast::<T>(1.0 - lam));
    let partner = x.select(Axis(0), perm); // x_j with j = perm[i]
    let xm = Zip::from(&partner).and(x).map_collect(|&xj, &xi| xj * b + xi * a);
    let y = mix_targets(labels, num_classes, lam, perm)?; // the labels are mixed with the same λ
    // ANCHOR_END: mixup
    Ok(Mixed { x: xm, y, lam, perm: perm.to_vec(), cut: None })
}

/// mixup with `λ ~ Beta(α, α)` and a uniformly random permutation (`α > 0`, finite).
///
/// ```
/// use ndarray::Array2;
/// use regularizers::{Rng, augment::mixup};
/// let m = mixup(&Array2::<f64>::zeros((4, 3)), &[0, 1, 2, 1], 3, 0.2, &mut Rng::seed_from_u64(0)).unwrap();
/// assert!((0.0..=1.0).contains(&m.lam));
/// assert!(m.y.rows().into_iter().all(|r| (r.sum() - 1.0).abs() < 1e-12));
/// ```
pub fn mixup<T: Float, D: Dimension + RemoveAxis>(
    x: &ArrayRef<T, D>,
    labels: &[usize],
    num_classes: usize,
    alpha: f64,
    rng: &mut Rng,
) -> Result<Mixed<T, D>> {
    if !(alpha.is_finite() && alpha > 0.0) {
        return Err(Error::InvalidParameter { name: "alpha", value: alpha, allowed: "a finite alpha > 0" });
    }
    if x.ndim() == 0 {
        return Err(Error::InvalidShape { what: "mixup input".into(), got: vec![], allowed: "(N, ...)".into() });
    }
    let lam = rng.beta_symmetric(alpha);
    let perm = random_permutation(x.shape()[0], rng);
    mixup_with_perm(x, labels, num_classes, lam, &perm)
}

/// The mixup loss in soft-target form, `mean_i CE(logits_i, ỹ_i) = −(1/N) Σ_i Σ_c ỹ_ic log softmax(z_i)_c`,
/// and its gradient `(softmax(z) − ỹ)/N` (shape `(N, K)`). Returns `(loss, grad)`.
///
/// ```
/// use ndarray::array;
/// use regularizers::augment::mixup_loss;
/// let (l, g) = mixup_loss(&array![[0.0, 0.0]], &array![[0.3, 0.7]]).unwrap();
/// assert!((l - std::f64::consts::LN_2).abs() < 1e-12);
/// assert!((g[[0, 0]] - 0.2).abs() < 1e-12);
/// ```
pub fn mixup_loss<T: Float>(logits: &ArrayRef2<T>, y_mixed: &ArrayRef2<T>) -> Result<(T, Array2<T>)> {
    let target = Target::Probabilities(y_mixed.view().into_dyn());
    let opts = CrossEntropyOptions::default();
    let loss = cross_entropy(logits, &target, &opts)?;
    let grad = cross_entropy_backward(logits, &target, &opts, &arr0(T::one()))?;
    Ok((loss.into_iter().next().expect("scalar loss"), grad))
}

/// The mixup loss in pair form, `λ·CE(z, y) + (1 − λ)·CE(z, y[perm])` (mean reduction). Equal to
/// [`mixup_loss`] with `ỹ` from [`mixup_with_perm`], up to rounding, because CE is linear in the target.
///
/// ```
/// use ndarray::array;
/// use regularizers::augment::{mixup_loss, mixup_loss_pair, mixup_with_perm};
/// let z = array![[1.0_f64, -1.0], [0.5, 2.0]];
/// let m = mixup_with_perm(&array![[0.0], [0.0]], &[0, 1], 2, 0.3, &[1, 0]).unwrap();
/// let pair = mixup_loss_pair(&z, &[0, 1], &[1, 0], 0.3).unwrap();
/// assert!((pair - mixup_loss(&z, &m.y).unwrap().0).abs() < 1e-12);
/// ```
pub fn mixup_loss_pair<T: Float>(logits: &ArrayRef2<T>, labels: &[usize], perm: &[usize], lam: f64) -> Result<T> {
    check_lam(lam)?;
    let n = logits.nrows();
    if labels.len() != n {
        return Err(Error::ShapeMismatch {
            what: "labels vs logits rows".into(),
            expected: vec![n],
            got: vec![labels.len()],
        });
    }
    check_perm(perm, n)?;
    let ya = Array::from_iter(labels.iter().map(|&l| l as i64));
    let yb = Array::from_iter(perm.iter().map(|&j| labels[j] as i64));
    let opts = CrossEntropyOptions::default();
    let la = cross_entropy(logits, &Target::classes(&ya), &opts)?.into_iter().next().expect("scalar");
    let lb = cross_entropy(logits, &Target::classes(&yb), &opts)?.into_iter().next().expect("scalar");
    Ok(cast::<T>(lam * tof(la) + (1.0 - lam) * tof(lb)))
}
