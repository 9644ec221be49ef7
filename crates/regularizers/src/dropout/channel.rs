//! Channel dropout (`nn.Dropout1d` on `(N, C, L)`, `nn.Dropout2d` on `(N, C, H, W)`): one keep/drop
//! decision per `(n, c)`, broadcast over the spatial positions, because neighbouring activations of a
//! feature map are strongly correlated and dropping single pixels barely regularises (Tompson et al. 2015).

use super::check_p;
use super::fast::fill_mask;
use crate::error::{Error, Result};
use crate::float::Float;
use crate::rng::Rng;
use crate::weight_decay::cast;
use ndarray::{Array, Array2, ArrayRef, ArrayRef2, Dimension};

/// `y[n, c, …] = x[n, c, …] · mask[n, c] / (1 − p)` for `x` with `ndim >= 3` (`(N, C, …)`) and a 0/1
/// `mask` of shape `(N, C)`. Rounding as PyTorch (noise = mask/(1 − p), then one multiply).
///
/// ```
/// use ndarray::{array, Array3};
/// use regularizers::dropout::channel_dropout_with_mask;
/// let x = Array3::<f64>::ones((1, 2, 3));
/// let y = channel_dropout_with_mask(&x, &array![[1.0, 0.0]], 0.5).unwrap();
/// assert_eq!(y, array![[[2.0, 2.0, 2.0], [0.0, 0.0, 0.0]]]);
/// ```
pub fn channel_dropout_with_mask<T: Float, D: Dimension>(
    x: &ArrayRef<T, D>,
    mask: &ArrayRef2<T>,
    p: f64,
) -> Result<Array<T, D>> {
    check_p(p)?;
    if x.ndim() < 3 {
        return Err(Error::InvalidShape {
            what: "channel dropout input".into(),
            got: x.shape().to_vec(),
            allowed: "(N, C, L) or (N, C, H, W) (ndim >= 3)".into(),
        });
    }
    if mask.shape() != &x.shape()[..2] {
        return Err(Error::ShapeMismatch {
            what: "channel dropout mask vs (N, C) of x".into(),
            expected: x.shape()[..2].to_vec(),
            got: mask.shape().to_vec(),
        });
    }
    if !mask.iter().all(|&m| m == T::zero() || m == T::one()) {
        return Err(Error::Invalid("dropout mask must contain only 0 (drop) and 1 (keep)".into()));
    }
    let keep = cast::<T>(1.0 - p);
    let mut y = x.to_owned();
    {
        let mut yd = y.view_mut().into_dyn();
        for (n, mut sample) in yd.outer_iter_mut().enumerate() {
            for (c, mut ch) in sample.outer_iter_mut().enumerate() {
                let noise = mask[[n, c]] / keep;
                ch.mapv_inplace(|v| v * noise);
            }
        }
    }
    Ok(y)
}

fn channel_dropout<T: Float, D: Dimension>(
    x: &ArrayRef<T, D>,
    p: f64,
    rng: &mut Rng,
    ndim: usize,
    name: &str,
) -> Result<(Array<T, D>, Array2<T>)> {
    check_p(p)?;
    if x.ndim() != ndim {
        return Err(Error::InvalidShape {
            what: format!("{name} input"),
            got: x.shape().to_vec(),
            allowed: if ndim == 3 { "(N, C, L)".into() } else { "(N, C, H, W)".into() },
        });
    }
    let (n, c) = (x.shape()[0], x.shape()[1]);
    let mut mask = Array2::<T>::zeros((n, c));
    let s = mask.as_slice_mut().expect("fresh array is contiguous");
    // One decision per channel, not per element.
    fill_mask(s, p, T::one(), rng);
    let y = channel_dropout_with_mask(x, &mask, p)?;
    Ok((y, mask))
}

/// `nn.Dropout1d` in training on `(N, C, L)`: zeroes whole channels; returns `(y, mask (N, C))`.
/// `p` in `[0, 1)`. (Unbatched `(C, L)` input: add a leading axis first.)
///
/// ```
/// use ndarray::Array3;
/// use regularizers::{Rng, dropout::dropout1d};
/// let (y, m) = dropout1d(&Array3::<f32>::ones((2, 8, 5)), 0.5, &mut Rng::seed_from_u64(1)).unwrap();
/// for ((n, c), &k) in m.indexed_iter() {
///     assert!(y.slice(ndarray::s![n, c, ..]).iter().all(|&v| v == 2.0 * k));
/// }
/// ```
pub fn dropout1d<T: Float, D: Dimension>(
    x: &ArrayRef<T, D>,
    p: f64,
    rng: &mut Rng,
) -> Result<(Array<T, D>, Array2<T>)> {
    channel_dropout(x, p, rng, 3, "dropout1d")
}

/// `nn.Dropout2d` in training on `(N, C, H, W)`: zeroes whole feature maps; returns `(y, mask (N, C))`.
/// `p` in `[0, 1)`.
///
/// ```
/// use ndarray::Array4;
/// use regularizers::{Rng, dropout::dropout2d};
/// let (y, m) = dropout2d(&Array4::<f64>::ones((2, 3, 4, 4)), 0.25, &mut Rng::seed_from_u64(1)).unwrap();
/// assert_eq!(m.dim(), (2, 3));
/// assert!((y.sum() - m.sum() * 16.0 / 0.75).abs() < 1e-9);
/// ```
pub fn dropout2d<T: Float, D: Dimension>(
    x: &ArrayRef<T, D>,
    p: f64,
    rng: &mut Rng,
) -> Result<(Array<T, D>, Array2<T>)> {
    channel_dropout(x, p, rng, 4, "dropout2d")
}
