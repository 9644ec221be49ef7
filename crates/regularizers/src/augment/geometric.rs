//! Label-preserving geometric augmentations: horizontal flip, random crop with zero padding, Cutout.

use super::CutBox;
use super::check_image_ndim;
use crate::error::{Error, Result, check_probability};
use crate::float::Float;
use crate::rng::Rng;
use ndarray::{Array, ArrayRef, Axis, Dimension, Slice};

/// Horizontal flip: reverses the last (width) axis of `(C, H, W)` or `(N, C, H, W)`:
/// `y[…, h, w] = x[…, h, W − 1 − w]`.
///
/// ```
/// use ndarray::array;
/// use regularizers::augment::hflip;
/// assert_eq!(hflip(&array![[[1.0, 2.0, 3.0]]]).unwrap(), array![[[3.0, 2.0, 1.0]]]);
/// ```
pub fn hflip<T: Float, D: Dimension>(x: &ArrayRef<T, D>) -> Result<Array<T, D>> {
    check_image_ndim("hflip input", x.shape())?;
    let last = Axis(x.ndim() - 1);
    Ok(x.slice_axis(last, Slice::new(0, None, -1)).to_owned())
}

/// `RandomHorizontalFlip(p)`: flips the whole input with probability `p` (one decision, like torchvision
/// on a tensor). Returns `(y, flipped)`. `p` in `[0, 1]`.
///
/// ```
/// use ndarray::array;
/// use regularizers::{Rng, augment::random_hflip};
/// let (y, flipped) = random_hflip(&array![[[1.0, 2.0]]], 1.0, &mut Rng::seed_from_u64(0)).unwrap();
/// assert!(flipped);
/// assert_eq!(y, array![[[2.0, 1.0]]]);
/// ```
pub fn random_hflip<T: Float, D: Dimension>(x: &ArrayRef<T, D>, p: f64, rng: &mut Rng) -> Result<(Array<T, D>, bool)> {
    check_probability("p", p, true, "0 <= p <= 1")?;
    check_image_ndim("random_hflip input", x.shape())?;
    let flip = rng.uniform() < p;
    Ok((if flip { hflip(x)? } else { x.to_owned() }, flip))
}

/// Crop of size `(h, w)` at `(top, left)` from `x` zero-padded by `padding` pixels on every side
/// (the deterministic part of torchvision's `RandomCrop(size, padding)`):
/// `y[…, i, j] = x_pad[…, top + i, left + j]`, `x_pad` of height `H + 2·padding`, width `W + 2·padding`.
/// Needs `top + h <= H + 2·padding` and `left + w <= W + 2·padding`, `h, w >= 1`.
///
/// ```
/// use ndarray::array;
/// use regularizers::augment::pad_crop;
/// let x = array![[[1.0, 2.0], [3.0, 4.0]]];
/// // Padding 1, crop 2×2 at the top-left corner of the padded image.
/// assert_eq!(pad_crop(&x, (2, 2), 1, 0, 0).unwrap(), array![[[0.0, 0.0], [0.0, 1.0]]]);
/// ```
pub fn pad_crop<T: Float, D: Dimension>(
    x: &ArrayRef<T, D>,
    size: (usize, usize),
    padding: usize,
    top: usize,
    left: usize,
) -> Result<Array<T, D>> {
    check_image_ndim("crop input", x.shape())?;
    let nd = x.ndim();
    let (hh, ww) = (x.shape()[nd - 2], x.shape()[nd - 1]);
    let pad2 = padding.saturating_mul(2);
    let (ph, pw) = (hh.saturating_add(pad2), ww.saturating_add(pad2));
    let (h, w) = size;
    if h == 0 || w == 0 || top.checked_add(h).is_none_or(|b| b > ph) || left.checked_add(w).is_none_or(|r| r > pw) {
        return Err(Error::Invalid(format!(
            "crop of size ({h}, {w}) at (top {top}, left {left}) does not fit the padded image of size ({ph}, {pw}): \
             need 1 <= h, 1 <= w, top + h <= H + 2*padding, left + w <= W + 2*padding"
        )));
    }
    let mut shape = x.raw_dim();
    shape[nd - 2] = h;
    shape[nd - 1] = w;
    crate::weight_decay::check_alloc("crop output", shape.slice())?;
    let mut y = Array::<T, D>::zeros(shape);
    // Copy the overlap of the crop window with the original image; the rest stays zero (the padding).
    let (r0, r1) = (top.max(padding), (top + h).min(padding.saturating_add(hh)));
    let (c0, c1) = (left.max(padding), (left + w).min(padding.saturating_add(ww)));
    if r0 < r1 && c0 < c1 {
        let src = x
            .slice_axis(Axis(nd - 2), Slice::from((r0 - padding)..(r1 - padding)))
            .slice_axis_move(Axis(nd - 1), Slice::from((c0 - padding)..(c1 - padding)));
        y.slice_axis_mut(Axis(nd - 2), Slice::from((r0 - top)..(r1 - top)))
            .slice_axis_move(Axis(nd - 1), Slice::from((c0 - left)..(c1 - left)))
            .assign(&src);
    }
    Ok(y)
}

/// torchvision's `RandomCrop(size, padding)`: zero-pad by `padding`, then crop `(h, w)` at
/// `top ~ U{0, …, H + 2·padding − h}`, `left ~ U{0, …, W + 2·padding − w}` (one offset for the whole input).
/// Returns `(y, (top, left))`. Errors if the crop is larger than the padded image.
///
/// ```
/// use ndarray::Array3;
/// use regularizers::{Rng, augment::random_crop};
/// let x = Array3::<f32>::ones((3, 32, 32));
/// let (y, (top, left)) = random_crop(&x, (32, 32), 4, &mut Rng::seed_from_u64(0)).unwrap();
/// assert_eq!(y.dim(), (3, 32, 32));
/// assert!(top <= 8 && left <= 8);
/// ```
pub fn random_crop<T: Float, D: Dimension>(
    x: &ArrayRef<T, D>,
    size: (usize, usize),
    padding: usize,
    rng: &mut Rng,
) -> Result<(Array<T, D>, (usize, usize))> {
    check_image_ndim("crop input", x.shape())?;
    let nd = x.ndim();
    let pad2 = padding.saturating_mul(2);
    let (ph, pw) = (x.shape()[nd - 2].saturating_add(pad2), x.shape()[nd - 1].saturating_add(pad2));
    if size.0 == 0 || size.1 == 0 || size.0 > ph || size.1 > pw {
        return Err(Error::Invalid(format!(
            "required crop size {size:?} is larger than the padded input image size ({ph}, {pw}) or zero"
        )));
    }
    let top = rng.below((ph - size.0 + 1) as u64) as usize;
    let left = rng.below((pw - size.1 + 1) as u64) as usize;
    Ok((pad_crop(x, size, padding, top, left)?, (top, left)))
}

/// The Cutout hole centred at `(cy, cx)`: rows `cy − ⌊s/2⌋ .. cy − ⌊s/2⌋ + s`, same for columns,
/// clipped to the image (DeVries & Taylor 2017). For odd `s` the reference code's hole is `s − 1` wide;
/// this one is `s` wide.
fn cutout_box(h: usize, w: usize, size: usize, cy: usize, cx: usize) -> CutBox {
    let half = size / 2;
    let y1 = cy.saturating_sub(half).min(h);
    let x1 = cx.saturating_sub(half).min(w);
    let y2 = cy.saturating_add(size - half).min(h).max(y1);
    let x2 = cx.saturating_add(size - half).min(w).max(x1);
    CutBox { y1, y2, x1, x2 }
}

/// Cutout at a given centre: zeroes a `size × size` square centred at `(cy, cx)` in every channel (and
/// every sample of a batch), clipped at the borders; returns `(y, box)`. `cy < H`, `cx < W`.
///
/// ```
/// use ndarray::Array3;
/// use regularizers::augment::cutout_at;
/// let (y, b) = cutout_at(&Array3::<f64>::ones((1, 4, 4)), 2, 0, 0).unwrap();
/// assert_eq!((b.y1, b.y2, b.x1, b.x2), (0, 1, 0, 1)); // clipped at the top-left corner
/// assert_eq!(y.sum(), 15.0);
/// ```
pub fn cutout_at<T: Float, D: Dimension>(
    x: &ArrayRef<T, D>,
    size: usize,
    cy: usize,
    cx: usize,
) -> Result<(Array<T, D>, CutBox)> {
    check_image_ndim("cutout input", x.shape())?;
    let nd = x.ndim();
    let (h, w) = (x.shape()[nd - 2], x.shape()[nd - 1]);
    if cy >= h || cx >= w {
        return Err(Error::Invalid(format!("cutout centre ({cy}, {cx}) is outside the image of size ({h}, {w})")));
    }
    let b = cutout_box(h, w, size, cy, cx);
    let mut y = x.to_owned();
    y.slice_axis_mut(Axis(nd - 2), Slice::from(b.y1..b.y2))
        .slice_axis_move(Axis(nd - 1), Slice::from(b.x1..b.x2))
        .fill(T::zero());
    Ok((y, b))
}

/// Cutout with a uniformly random centre `cy ~ U{0..H−1}`, `cx ~ U{0..W−1}` (so holes near the border are
/// partly outside, as in the paper). `(C, H, W)`: one hole; `(N, C, H, W)`: an independent hole per sample.
/// Returns `(y, boxes)` (one box per sample; one box for a single image).
///
/// ```
/// use ndarray::Array4;
/// use regularizers::{Rng, augment::cutout};
/// let (y, boxes) = cutout(&Array4::<f32>::ones((2, 3, 8, 8)), 4, &mut Rng::seed_from_u64(5)).unwrap();
/// assert_eq!(boxes.len(), 2);
/// let zeros = y.iter().filter(|&&v| v == 0.0).count();
/// assert_eq!(zeros, 3 * (boxes[0].area() + boxes[1].area()));
/// ```
pub fn cutout<T: Float, D: Dimension>(
    x: &ArrayRef<T, D>,
    size: usize,
    rng: &mut Rng,
) -> Result<(Array<T, D>, Vec<CutBox>)> {
    check_image_ndim("cutout input", x.shape())?;
    let nd = x.ndim();
    let (h, w) = (x.shape()[nd - 2], x.shape()[nd - 1]);
    if h == 0 || w == 0 {
        return Err(Error::EmptyInput { what: "cutout image (H or W is 0)" });
    }
    let mut y = x.to_owned();
    let mut boxes = Vec::new();
    {
        let mut yd = y.view_mut().into_dyn();
        let samples: Vec<_> = if nd == 4 { yd.outer_iter_mut().collect() } else { vec![yd.view_mut()] };
        for mut img in samples {
            let (cy, cx) = (rng.below(h as u64) as usize, rng.below(w as u64) as usize);
            let b = cutout_box(h, w, size, cy, cx);
            img.slice_axis_mut(Axis(1), Slice::from(b.y1..b.y2))
                .slice_axis_move(Axis(2), Slice::from(b.x1..b.x2))
                .fill(T::zero());
            boxes.push(b);
        }
    }
    Ok((y, boxes))
}
