//! The fast training kernel of inverted dropout.
//!
//! Random decisions come straight from the raw `u64` stream: each `u64` gives two 32-bit chunks
//! (low half first) and element `i` is dropped iff its chunk `< round(p·2³²)`. So the drop rate is
//! `round(p·2³²)/2³²`, within `2⁻³³` of `p`, and no float conversion is needed per element. The
//! decisions for a block are turned into per-element multipliers (`0` or `1/(1 − p)`) and the multiply
//! loop is branch-free, so the compiler vectorises it.
//!
//! The same decision stream is used by [`dropout_forward`](super::dropout_forward) and
//! [`dropout_mask`](super::dropout_mask): with equal seeds, all three drop the same elements.

use super::check_p;
use crate::error::{Error, Result};
use crate::float::Float;
use crate::rng::Rng;
use crate::weight_decay::cast;
use ndarray::{Array, ArrayRef, Dimension};

/// Elements handled per block of random draws (even, so only the last block can be odd).
const BLOCK: usize = 256;

/// The integer drop threshold: a 32-bit chunk `< thr` means "drop". `thr` is in `0..=2³²`.
#[inline]
pub(crate) fn drop_threshold(p: f64) -> u64 {
    (p * 4_294_967_296.0).round() as u64
}

/// Calls `f(i, keep)` for `n` consecutive decisions drawn from `rng`, two per `u64`.
#[inline]
pub(crate) fn for_each_decision(n: usize, p: f64, rng: &mut Rng, mut f: impl FnMut(usize, bool)) {
    let thr = drop_threshold(p);
    let mut i = 0;
    while i < n {
        let r = rng.next_u64();
        f(i, (r & 0xFFFF_FFFF) >= thr);
        if i + 1 < n {
            f(i + 1, (r >> 32) >= thr);
        }
        i += 2;
    }
}

/// Fills `mult` with `0` or `scale` from the next `mult.len()` decisions.
#[inline(always)]
fn fill_multipliers<T: Float>(mult: &mut [T], thr: u64, scale: T, rng: &mut Rng) {
    let zero = T::zero();
    let mut pairs = mult.chunks_exact_mut(2);
    for pair in &mut pairs {
        let r = rng.next_u64();
        pair[0] = if (r & 0xFFFF_FFFF) >= thr { scale } else { zero };
        pair[1] = if (r >> 32) >= thr { scale } else { zero };
    }
    if let [last] = pairs.into_remainder() {
        let r = rng.next_u64();
        *last = if (r & 0xFFFF_FFFF) >= thr { scale } else { zero };
    }
}

/// **Fastest inverted-dropout training forward**: `out[i] = x[i] · noise[i]` with
/// `noise[i] ∈ {0, 1/(1 − p)}`, keep probability `1 − p`, without materialising a mask.
///
/// `x` and `out` must have equal lengths; `p` in `[0, 1)`. The product is `x·0` for a dropped element
/// (so `-x` gives `-0.0`, NaN stays NaN, like PyTorch) and `x · fl(1/(1 − p))` for a kept one —
/// bit-identical to PyTorch's `x * (mask / (1 − p))`.
///
/// Backward without storing the mask: clone the `Rng` before the forward and call this function on the
/// upstream gradient with the clone; it replays the same decisions (`grad_in = grad_out · noise`).
///
/// ```
/// use regularizers::{Rng, dropout::dropout_into};
/// let x = vec![1.0_f32; 1000];
/// let mut y = vec![0.0_f32; 1000];
/// let mut rng = Rng::seed_from_u64(0);
/// let replay = rng.clone();
/// dropout_into(&x, &mut y, 0.5, &mut rng).unwrap();
/// assert!(y.iter().all(|&v| v == 0.0 || v == 2.0));
/// // Backward by replaying the random stream:
/// let mut g = vec![0.0_f32; 1000];
/// dropout_into(&x, &mut g, 0.5, &mut replay.clone()).unwrap();
/// assert_eq!(g, y);
/// ```
pub fn dropout_into<T: Float>(x: &[T], out: &mut [T], p: f64, rng: &mut Rng) -> Result<()> {
    check_p(p)?;
    if x.len() != out.len() {
        return Err(Error::ShapeMismatch {
            what: "dropout_into: out vs x".into(),
            expected: vec![x.len()],
            got: vec![out.len()],
        });
    }
    let (thr, scale) = (drop_threshold(p), T::one() / cast::<T>(1.0 - p));
    let mut mult = [T::zero(); BLOCK];
    for (xs, os) in x.chunks(BLOCK).zip(out.chunks_mut(BLOCK)) {
        let m = &mut mult[..xs.len()];
        fill_multipliers(m, thr, scale, rng);
        // Branch-free multiply: vectorises.
        for ((o, &v), &k) in os.iter_mut().zip(xs).zip(m.iter()) {
            *o = v * k;
        }
    }
    Ok(())
}

/// In-place variant of [`dropout_into`]: `x[i] ← x[i] · noise[i]` (same decisions for the same seed).
///
/// ```
/// use regularizers::{Rng, dropout::dropout_inplace};
/// let mut x = vec![-1.0_f64; 8];
/// dropout_inplace(&mut x, 0.25, &mut Rng::seed_from_u64(3)).unwrap();
/// assert!(x.iter().all(|&v| v == -0.0 || v == -1.0 / 0.75));
/// ```
pub fn dropout_inplace<T: Float>(x: &mut [T], p: f64, rng: &mut Rng) -> Result<()> {
    check_p(p)?;
    let (thr, scale) = (drop_threshold(p), T::one() / cast::<T>(1.0 - p));
    let mut mult = [T::zero(); BLOCK];
    for xs in x.chunks_mut(BLOCK) {
        let m = &mut mult[..xs.len()];
        fill_multipliers(m, thr, scale, rng);
        for (v, &k) in xs.iter_mut().zip(m.iter()) {
            *v = *v * k;
        }
    }
    Ok(())
}

/// Inverted-dropout training forward on an array of any shape, returning only the output
/// (shape of `x`). Decisions are taken in row-major (logical) order, identical to [`dropout_into`] on the
/// flattened array and to [`dropout_forward`](super::dropout_forward) for the same seed.
///
/// ```
/// use ndarray::Array2;
/// use regularizers::{Rng, dropout::{dropout_train, dropout_forward}};
/// let x = Array2::<f32>::ones((3, 4));
/// let y = dropout_train(&x, 0.5, &mut Rng::seed_from_u64(9)).unwrap();
/// let (y2, _mask) = dropout_forward(&x, 0.5, &mut Rng::seed_from_u64(9)).unwrap();
/// assert_eq!(y, y2);
/// ```
pub fn dropout_train<T: Float, D: Dimension>(x: &ArrayRef<T, D>, p: f64, rng: &mut Rng) -> Result<Array<T, D>> {
    check_p(p)?;
    if let Some(xs) = x.as_slice() {
        let mut out = vec![T::zero(); xs.len()];
        dropout_into(xs, &mut out, p, rng)?;
        return Ok(Array::from_shape_vec(x.raw_dim(), out).expect("same number of elements"));
    }
    // Non-contiguous or non-standard layout: copy to standard layout first (decisions stay row-major).
    let mut out = x.as_standard_layout().into_owned();
    dropout_inplace(out.as_slice_mut().expect("standard layout"), p, rng)?;
    Ok(out)
}
