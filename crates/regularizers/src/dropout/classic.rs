//! Classic (non-inverted) dropout, as in Srivastava et al. (2014): training multiplies by the raw mask,
//! inference multiplies by the keep probability `1 − p`. Its expectations match inverted dropout's; it
//! is here for the book's comparison, not for use.

use super::fast::fill_mask;
use crate::error::{Result, check_probability};
use crate::float::Float;
use crate::rng::Rng;
use crate::weight_decay::cast;
use ndarray::{Array, ArrayRef, Dimension, Zip};

fn check_p_closed(p: f64) -> Result<()> {
    check_probability("p", p, true, "0 <= p <= 1 (classic dropout never divides by 1 - p)")
}

/// Classic dropout in training: `y = x · m`, `m ~ Bernoulli(1 − p)`; returns `(y, m)`.
/// `p` in `[0, 1]` (`p = 1` is fine here: `y = x·0`, with `-0.0` for negative `x`, which is exactly
/// what PyTorch's `F.dropout(x, p=1)` returns).
///
/// ```
/// use ndarray::array;
/// use regularizers::{Rng, dropout::classic_dropout_train};
/// let (y, m) = classic_dropout_train(&array![1.0_f64, -2.0], 1.0, &mut Rng::seed_from_u64(0)).unwrap();
/// assert_eq!(m, array![0.0, 0.0]);
/// assert!(y[1] == 0.0 && y[1].is_sign_negative());
/// ```
pub fn classic_dropout_train<T: Float, D: Dimension>(
    x: &ArrayRef<T, D>,
    p: f64,
    rng: &mut Rng,
) -> Result<(Array<T, D>, Array<T, D>)> {
    check_p_closed(p)?;
    let mut mask = Array::<T, D>::zeros(x.raw_dim());
    let s = mask.as_slice_mut().expect("fresh array is contiguous");
    fill_mask(s, p, T::one(), rng);
    // No rescaling in training: the layer's expected output is (1 − p)·x ...
    let y = Zip::from(x).and(&mask).map_collect(|&x, &m| x * m);
    Ok((y, mask))
}

/// Classic dropout at inference: `y = (1 − p) · x`, matching the training expectation `E[x·m] = (1 − p)x`.
/// `p` in `[0, 1]`.
///
/// ```
/// use ndarray::array;
/// use regularizers::dropout::classic_dropout_eval;
/// assert_eq!(classic_dropout_eval(&array![2.0, 4.0], 0.5).unwrap(), array![1.0, 2.0]);
/// ```
pub fn classic_dropout_eval<T: Float, D: Dimension>(x: &ArrayRef<T, D>, p: f64) -> Result<Array<T, D>> {
    check_p_closed(p)?;
    // ... so inference must scale by the keep probability (the step inverted dropout moves to training).
    let keep = cast::<T>(1.0 - p);
    Ok(x.mapv(|v| v * keep))
}
