//! CutMix (Yun et al. 2019): paste a box from the partner image, and mix the labels by the pasted
//! area. Geometry exactly as torchvision v2's `CutMix`.

use super::mixup::{Mixed, check_lam, check_perm, mix_targets, random_permutation};
use crate::error::{Error, Result};
use crate::float::Float;
use crate::rng::Rng;
use ndarray::{Array2, ArrayRef, Axis, Dimension, RemoveAxis, Slice};

/// A half-open box: rows `y1..y2`, columns `x1..x2` (empty if `y1 == y2` or `x1 == x2`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CutBox {
    /// First row.
    pub y1: usize,
    /// One past the last row.
    pub y2: usize,
    /// First column.
    pub x1: usize,
    /// One past the last column.
    pub x2: usize,
}

impl CutBox {
    /// Number of pixels `(y2 − y1)·(x2 − x1)`.
    ///
    /// ```
    /// use regularizers::augment::CutBox;
    /// assert_eq!(CutBox { y1: 2, y2: 4, x1: 2, x2: 6 }.area(), 8);
    /// ```
    pub fn area(&self) -> usize {
        self.y2.saturating_sub(self.y1).saturating_mul(self.x2.saturating_sub(self.x1))
    }

    /// CutMix's corrected label weight `λ = 1 − area/(H·W)`: the fraction of the image that is still the
    /// original sample's. (`H·W = 0` gives NaN: there is no image.)
    ///
    /// ```
    /// use regularizers::augment::CutBox;
    /// let b = CutBox { y1: 2, y2: 4, x1: 2, x2: 6 };
    /// assert_eq!(b.lam_adjusted(6, 8), 1.0 - 8.0 / 48.0);
    /// ```
    pub fn lam_adjusted(&self, h: usize, w: usize) -> f64 {
        1.0 - self.area() as f64 / (h as f64 * w as f64)
    }
}

/// The CutMix box for sampled `λ` and centre `(r_y, r_x)` (torchvision v2 / the paper):
/// the cut is `√(1 − λ)` of each side, `r = ½√(1 − λ)`, half-sizes `⌊r·W⌋`, `⌊r·H⌋`, and the box
/// `[r_y − ⌊rH⌋, r_y + ⌊rH⌋) × [r_x − ⌊rW⌋, r_x + ⌊rW⌋)` is clipped to the image — so the real area can
/// be smaller than `(1 − λ)HW`, which is why λ is then corrected ([`CutBox::lam_adjusted`]).
/// Needs `λ` in `[0, 1]`, `r_y < H`, `r_x < W`.
///
/// ```
/// use regularizers::augment::cutmix_box;
/// let b = cutmix_box(6, 8, 0.6, 3, 4).unwrap();
/// assert_eq!((b.x1, b.y1, b.x2, b.y2), (2, 2, 6, 4));
/// assert!((b.lam_adjusted(6, 8) - 5.0 / 6.0).abs() < 1e-15);
/// ```
pub fn cutmix_box(h: usize, w: usize, lam: f64, r_y: usize, r_x: usize) -> Result<CutBox> {
    check_lam(lam)?;
    if r_y >= h || r_x >= w {
        return Err(Error::Invalid(format!("CutMix centre ({r_y}, {r_x}) is outside the image of size ({h}, {w})")));
    }
    // ANCHOR: cutmix_box
    let r = 0.5 * (1.0 - lam).sqrt(); // half of the cut ratio √(1 − λ)
    let (rw_half, rh_half) = ((r * w as f64) as usize, (r * h as f64) as usize); // truncation, like int()
    // Clipping at the border makes boxes near the edge smaller than (1 − λ)·H·W.
    let b = CutBox {
        y1: r_y.saturating_sub(rh_half),
        y2: r_y.saturating_add(rh_half).min(h),
        x1: r_x.saturating_sub(rw_half),
        x2: r_x.saturating_add(rw_half).min(w),
    };
    // ANCHOR_END: cutmix_box
    Ok(b)
}

/// [`cutmix_box`] with the centre drawn uniformly: `r_x ~ U{0..W−1}`, `r_y ~ U{0..H−1}`.
///
/// ```
/// use regularizers::{Rng, augment::sample_cutmix_box};
/// let b = sample_cutmix_box(32, 32, 0.5, &mut Rng::seed_from_u64(0)).unwrap();
/// assert!(b.y2 <= 32 && b.x2 <= 32);
/// ```
pub fn sample_cutmix_box(h: usize, w: usize, lam: f64, rng: &mut Rng) -> Result<CutBox> {
    if h == 0 || w == 0 {
        return Err(Error::EmptyInput { what: "CutMix image (H or W is 0)" });
    }
    check_lam(lam)?;
    let r_x = rng.below(w as u64) as usize;
    let r_y = rng.below(h as u64) as usize;
    cutmix_box(h, w, lam, r_y, r_x)
}

/// The box as an `(H, W)` mask: 1 inside, 0 outside.
///
/// ```
/// use ndarray::array;
/// use regularizers::augment::{box_mask, CutBox};
/// let m = box_mask::<f32>(2, 3, &CutBox { y1: 0, y2: 1, x1: 1, x2: 3 }).unwrap();
/// assert_eq!(m, array![[0.0, 1.0, 1.0], [0.0, 0.0, 0.0]]);
/// ```
/// Errors if the box is not inside the `(H, W)` image or `H·W` is too large to allocate.
pub fn box_mask<T: Float>(h: usize, w: usize, b: &CutBox) -> Result<Array2<T>> {
    check_box(b, h, w)?;
    crate::weight_decay::check_alloc("box mask", &[h, w])?;
    Ok(Array2::from_shape_fn((h, w), |(i, j)| {
        if (b.y1..b.y2).contains(&i) && (b.x1..b.x2).contains(&j) { T::one() } else { T::zero() }
    }))
}

fn check_box(b: &CutBox, h: usize, w: usize) -> Result<()> {
    if b.y1 > b.y2 || b.x1 > b.x2 || b.y2 > h || b.x2 > w {
        return Err(Error::Invalid(format!("box {b:?} is not inside the image of size ({h}, {w})")));
    }
    Ok(())
}

/// CutMix with a given box and partner permutation on `(N, C, H, W)`: inside the box every channel of
/// sample `i` is replaced by sample `perm[i]`'s; `λ = 1 − area/(H·W)`; `ỹ = onehot[perm]·(1 − λ) + onehot·λ`.
/// The box must lie inside the image.
///
/// ```
/// use ndarray::Array4;
/// use regularizers::augment::{cutmix_with_box, CutBox};
/// let mut x = Array4::<f64>::zeros((2, 1, 2, 2));
/// x[[1, 0, 0, 0]] = 1.0;
/// let m = cutmix_with_box(&x, &[0, 1], 2, &CutBox { y1: 0, y2: 1, x1: 0, x2: 1 }, &[1, 0]).unwrap();
/// assert_eq!(m.x[[0, 0, 0, 0]], 1.0); // pasted from sample 1
/// assert_eq!(m.lam, 0.75);
/// ```
pub fn cutmix_with_box<T: Float, D: Dimension + RemoveAxis>(
    x: &ArrayRef<T, D>,
    labels: &[usize],
    num_classes: usize,
    b: &CutBox,
    perm: &[usize],
) -> Result<Mixed<T, D>> {
    if x.ndim() != 4 {
        return Err(Error::InvalidShape {
            what: "CutMix input".into(),
            got: x.shape().to_vec(),
            allowed: "(N, C, H, W)".into(),
        });
    }
    let (n, h, w) = (x.shape()[0], x.shape()[2], x.shape()[3]);
    check_box(b, h, w)?;
    if labels.len() != n {
        return Err(Error::ShapeMismatch {
            what: "labels vs batch size".into(),
            expected: vec![n],
            got: vec![labels.len()],
        });
    }
    check_perm(perm, n)?;
    let lam = b.lam_adjusted(h, w);
    let partner = x.select(Axis(0), perm);
    let mut xm = x.to_owned();
    // The box of every sample and channel is replaced by the partner's pixels there.
    let (rows, cols) = (Slice::from(b.y1..b.y2), Slice::from(b.x1..b.x2));
    xm.slice_axis_mut(Axis(2), rows)
        .slice_axis_move(Axis(3), cols)
        .assign(&partner.slice_axis(Axis(2), rows).slice_axis_move(Axis(3), cols));
    let y = mix_targets(labels, num_classes, lam, perm)?;
    Ok(Mixed { x: xm, y, lam, perm: perm.to_vec(), cut: Some(*b) })
}

/// CutMix with `λ ~ Beta(α, α)`, a uniform box centre and a uniformly random permutation (`α > 0`).
/// The returned `lam` is the area-corrected one.
///
/// ```
/// use ndarray::Array4;
/// use regularizers::{Rng, augment::cutmix};
/// let m = cutmix(&Array4::<f32>::zeros((4, 3, 8, 8)), &[0, 1, 2, 3], 4, 1.0, &mut Rng::seed_from_u64(3)).unwrap();
/// let b = m.cut.unwrap();
/// assert_eq!(m.lam, 1.0 - b.area() as f64 / 64.0);
/// ```
pub fn cutmix<T: Float, D: Dimension + RemoveAxis>(
    x: &ArrayRef<T, D>,
    labels: &[usize],
    num_classes: usize,
    alpha: f64,
    rng: &mut Rng,
) -> Result<Mixed<T, D>> {
    if !(alpha.is_finite() && alpha > 0.0) {
        return Err(Error::InvalidParameter { name: "alpha", value: alpha, allowed: "a finite alpha > 0" });
    }
    if x.ndim() != 4 {
        return Err(Error::InvalidShape {
            what: "CutMix input".into(),
            got: x.shape().to_vec(),
            allowed: "(N, C, H, W)".into(),
        });
    }
    let lam = rng.beta_symmetric(alpha);
    let b = sample_cutmix_box(x.shape()[2], x.shape()[3], lam, rng)?;
    let perm = random_permutation(x.shape()[0], rng);
    cutmix_with_box(x, labels, num_classes, &b, &perm)
}
