//! The fast training kernel of inverted dropout.
//!
//! Random decisions come straight from the raw `u64` stream: each `u64` gives two 32-bit chunks
//! (low half first) and element `i` is dropped iff its chunk `< round(p·2³²)`. So the drop rate is
//! `round(p·2³²)/2³²`, within `2⁻³³` of `p`, and no float conversion is needed per element. The bits of
//! a block are drawn first (the generator state copied into a local, so it stays in registers); a second,
//! branch-free loop then compares, blends `0` or `1/(1 − p)` and multiplies, and the compiler vectorises it.
//!
//! The same decision stream is used by [`dropout_forward`](super::dropout_forward) and
//! [`dropout_mask`](super::dropout_mask): with equal seeds, all three drop the same elements.

use super::check_p;
use crate::error::{Error, Result};
use crate::float::Float;
use crate::rng::Rng;
use crate::weight_decay::cast;
use ndarray::{Array, ArrayRef, Dimension};

/// The integer drop threshold: a 32-bit chunk `< thr` means "drop". `thr` is in `0..=2³²`.
#[inline]
pub(crate) fn drop_threshold(p: f64) -> u64 {
    (p * 4_294_967_296.0).round() as u64
}

/// Elements per block of random draws (even, so only the last block can be odd).
const BLOCK: usize = 1024;

/// The per-element decision stream in blocks: calls `f(start, bits)` for consecutive blocks, where
/// `bits[j]` is the 32-bit chunk of element `start + j` (two chunks per `u64`, low half first).
///
/// Drawing the bits in a scalar loop and deciding in a separate loop matters for speed: the deciding
/// loop then vectorises (compare + blend), whereas a per-element `if` next to the generator is turned into
/// a branch by the compiler, mispredicted half of the time at `p = 0.5`.
#[inline(always)]
pub(crate) fn for_each_block(n: usize, rng: &mut Rng, mut f: impl FnMut(usize, &[u32])) {
    let mut r = rng.clone(); // a local copy keeps the generator state in registers
    let mut bits = [0u32; BLOCK];
    let mut start = 0;
    while start < n {
        let len = (n - start).min(BLOCK);
        for pair in bits[..len.div_ceil(2) * 2].chunks_exact_mut(2) {
            let v = r.next_u64();
            pair[0] = v as u32;
            pair[1] = (v >> 32) as u32;
        }
        f(start, &bits[..len]);
        start += len;
    }
    *rng = r;
}

/// `(thr32, keep_value)`: element kept iff `chunk >= thr32`; when `thr = 2³²` (p within 2⁻³³ of 1) every
/// element is dropped, which `keep_value = 0` expresses without a 33-bit compare.
#[inline]
pub(crate) fn threshold32<T: Float>(p: f64, keep_value: T) -> (u32, T) {
    let thr = drop_threshold(p);
    if thr > u32::MAX as u64 { (u32::MAX, T::zero()) } else { (thr as u32, keep_value) }
}

/// Fills `out` with keep-mask values (`keep_value` or 0) from the decision stream.
#[inline]
pub(crate) fn fill_mask<T: Float>(out: &mut [T], p: f64, keep_value: T, rng: &mut Rng) {
    let (thr, k) = threshold32(p, keep_value);
    let zero = T::zero();
    for_each_block(out.len(), rng, |start, bits| {
        for (o, &b) in out[start..start + bits.len()].iter_mut().zip(bits) {
            *o = if b >= thr { k } else { zero };
        }
    });
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
    let (thr, scale) = threshold32(p, T::one() / cast::<T>(1.0 - p));
    let zero = T::zero();
    // ANCHOR: dropout_fast_kernel
    for_each_block(x.len(), rng, |start, bits| {
        let end = start + bits.len();
        // Branch-free: compare + blend + multiply, vectorised. A dropped element is x·0 (keeps -0.0 and NaN).
        for ((o, &v), &b) in out[start..end].iter_mut().zip(&x[start..end]).zip(bits) {
            *o = v * if b >= thr { scale } else { zero };
        }
    });
    // ANCHOR_END: dropout_fast_kernel
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
    let (thr, scale) = threshold32(p, T::one() / cast::<T>(1.0 - p));
    let zero = T::zero();
    for_each_block(x.len(), rng, |start, bits| {
        for (v, &b) in x[start..start + bits.len()].iter_mut().zip(bits) {
            *v = *v * if b >= thr { scale } else { zero };
        }
    });
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
        // Extend instead of pre-zeroing: saves one full write pass over the output.
        let (thr, scale) = threshold32(p, T::one() / cast::<T>(1.0 - p));
        let zero = T::zero();
        let mut out = Vec::with_capacity(xs.len());
        for_each_block(xs.len(), rng, |start, bits| {
            let chunk = &xs[start..start + bits.len()];
            out.extend(chunk.iter().zip(bits).map(|(&v, &b)| v * if b >= thr { scale } else { zero }));
        });
        return Ok(Array::from_shape_vec(x.raw_dim(), out).expect("same number of elements"));
    }
    // Non-contiguous or non-standard layout: copy to standard layout first (decisions stay row-major).
    let mut out = x.as_standard_layout().into_owned();
    dropout_inplace(out.as_slice_mut().expect("standard layout"), p, rng)?;
    Ok(out)
}
