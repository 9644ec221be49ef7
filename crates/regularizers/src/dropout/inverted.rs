//! Inverted dropout: `y = x · m / (1 − p)` in training, `y = x` at inference.
//!
//! Dividing by the keep probability during training keeps `E[y] = x`, so inference needs no rescaling
//! (compare [`classic_dropout_train`](super::classic_dropout_train)).

use super::check_p;
use super::fast::fill_mask;
use crate::error::{Error, Result};
use crate::float::Float;
use crate::rng::Rng;
use crate::weight_decay::cast;
use ndarray::{Array, ArrayRef, Dimension, Zip};

/// A keep mask of shape `dim`: each entry is `1` (keep, probability `1 − p`) or `0` (drop), drawn in
/// row-major order from the same decision stream as [`dropout_into`](super::dropout_into).
/// `p` in `[0, 1)`.
///
/// ```
/// use regularizers::{Rng, dropout::dropout_mask};
/// let m = dropout_mask::<f64, _>(ndarray::Ix1(10_000), 0.3, &mut Rng::seed_from_u64(1)).unwrap();
/// let kept = m.sum() / 10_000.0;
/// assert!((kept - 0.7).abs() < 0.03);
/// ```
pub fn dropout_mask<T: Float, D: Dimension>(dim: D, p: f64, rng: &mut Rng) -> Result<Array<T, D>> {
    check_p(p)?;
    crate::weight_decay::check_alloc("dropout mask", dim.slice())?;
    let mut mask = Array::zeros(dim);
    let s = mask.as_slice_mut().expect("fresh array is contiguous");
    fill_mask(s, p, T::one(), rng);
    Ok(mask)
}

fn check_mask<T: Float, D: Dimension>(mask: &ArrayRef<T, D>) -> Result<()> {
    if mask.iter().all(|&m| m == T::zero() || m == T::one()) {
        Ok(())
    } else {
        Err(Error::Invalid("dropout mask must contain only 0 (drop) and 1 (keep)".into()))
    }
}

/// The noise PyTorch multiplies by: `noise = mask / (1 − p)`, computed in `T` with `1 − p` rounded to `T`
/// first (entries are `0` or `fl(1/(1 − p))`). `mask` must be 0/1; `p` in `[0, 1)`.
///
/// ```
/// use ndarray::array;
/// use regularizers::dropout::dropout_noise;
/// assert_eq!(dropout_noise(&array![1.0_f32, 0.0], 0.9).unwrap(), array![10.0, 0.0]);
/// ```
pub fn dropout_noise<T: Float, D: Dimension>(mask: &ArrayRef<T, D>, p: f64) -> Result<Array<T, D>> {
    check_p(p)?;
    check_mask(mask)?;
    let keep = cast::<T>(1.0 - p);
    Ok(mask.mapv(|m| m / keep))
}

/// Inverted dropout with an explicit mask: `y = x · (mask / (1 − p))`, bit-for-bit PyTorch's CPU
/// rounding order (noise first, then one multiply; dropped negative entries give `-0.0`).
///
/// Also the backward: `grad_x = dropout_with_mask(grad_y, mask, p)`. Shapes of `x` and `mask` must
/// agree; `mask` must be 0/1; `p` in `[0, 1)`.
///
/// ```
/// use ndarray::array;
/// use regularizers::dropout::dropout_with_mask;
/// let y = dropout_with_mask(&array![1.0_f64, -2.0, 3.0], &array![1.0, 0.0, 1.0], 0.5).unwrap();
/// assert_eq!(y, array![2.0, -0.0, 6.0]);
/// assert!(y[1].is_sign_negative());
/// ```
pub fn dropout_with_mask<T: Float, D: Dimension>(
    x: &ArrayRef<T, D>,
    mask: &ArrayRef<T, D>,
    p: f64,
) -> Result<Array<T, D>> {
    if x.shape() != mask.shape() {
        return Err(Error::ShapeMismatch {
            what: "dropout mask vs x".into(),
            expected: x.shape().to_vec(),
            got: mask.shape().to_vec(),
        });
    }
    check_p(p)?;
    check_mask(mask)?;
    let keep = cast::<T>(1.0 - p);
    // noise = mask/(1 − p) first, then one multiply: PyTorch's rounding order.
    Ok(Zip::from(x).and(mask).map_collect(|&x, &m| x * (m / keep)))
}

/// Backward of inverted dropout: `grad_x = grad_y · mask / (1 − p)` (same as [`dropout_with_mask`]).
///
/// ```
/// use ndarray::array;
/// use regularizers::dropout::dropout_backward;
/// assert_eq!(dropout_backward(&array![1.0, 1.0], &array![0.0, 1.0], 0.75).unwrap(), array![0.0, 4.0]);
/// ```
pub fn dropout_backward<T: Float, D: Dimension>(
    grad_y: &ArrayRef<T, D>,
    mask: &ArrayRef<T, D>,
    p: f64,
) -> Result<Array<T, D>> {
    dropout_with_mask(grad_y, mask, p)
}

/// Inverted-dropout training forward that also returns the keep mask (for the backward):
/// `m ~ Bernoulli(1 − p)` elementwise, `y = x · m / (1 − p)`. Returns `(y, m)`, both of `x`'s shape.
///
/// Same random decisions as [`dropout_train`](super::dropout_train) / [`dropout_into`](super::dropout_into)
/// for the same seed; use those when the mask is not needed (they are faster).
///
/// ```
/// use ndarray::Array1;
/// use regularizers::{Rng, dropout::dropout_forward};
/// let x = Array1::<f64>::ones(100_000);
/// let (y, m) = dropout_forward(&x, 0.2, &mut Rng::seed_from_u64(42)).unwrap();
/// // Inverted scaling keeps the mean: E[y] = x.
/// assert!((y.mean().unwrap() - 1.0).abs() < 0.01);
/// assert_eq!(y, m.mapv(|k| k / 0.8));
/// ```
pub fn dropout_forward<T: Float, D: Dimension>(
    x: &ArrayRef<T, D>,
    p: f64,
    rng: &mut Rng,
) -> Result<(Array<T, D>, Array<T, D>)> {
    // ANCHOR: dropout_forward
    // Keep each unit with probability 1 − p ...
    let mask: Array<T, D> = dropout_mask(x.raw_dim(), p, rng)?;
    // ... and divide the survivors by 1 − p now, so that E[y] = x and inference is the identity.
    let y = dropout_with_mask(x, &mask, p)?;
    // ANCHOR_END: dropout_forward
    Ok((y, mask))
}

/// Inverted dropout at inference: the identity (`y = x`, a copy). `p` is still validated
/// (`0 <= p < 1`), as PyTorch validates it in eval mode too.
///
/// ```
/// use ndarray::array;
/// use regularizers::dropout::dropout_eval;
/// assert_eq!(dropout_eval(&array![1.0, -2.0], 0.5).unwrap(), array![1.0, -2.0]);
/// assert!(dropout_eval(&array![1.0], 1.5).is_err());
/// ```
pub fn dropout_eval<T: Float, D: Dimension>(x: &ArrayRef<T, D>, p: f64) -> Result<Array<T, D>> {
    check_p(p)?;
    Ok(x.to_owned())
}

/// `nn.Dropout` as a module: a validated `p` and a training flag.
///
/// ```
/// use ndarray::array;
/// use regularizers::{Rng, dropout::Dropout};
/// let mut d = Dropout::new(0.5).unwrap();
/// let mut rng = Rng::seed_from_u64(0);
/// let (y, mask) = d.forward(&array![1.0, 2.0, 3.0, 4.0], &mut rng).unwrap();
/// assert_eq!(d.backward(&ndarray::Array1::ones(4), &mask.unwrap()).unwrap(), y.mapv(|v| if v == 0.0 { 0.0 } else { 2.0 }) );
/// d.eval();
/// assert_eq!(d.forward(&array![1.0, 2.0], &mut rng).unwrap().0, array![1.0, 2.0]);
/// assert!(Dropout::new(1.0).is_err()); // inverted dropout cannot divide by 1 − p = 0
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Dropout {
    p: f64,
    training: bool,
}

impl Dropout {
    /// A dropout layer in training mode. Errors unless `0 <= p < 1` (`p = 1` is rejected: PyTorch
    /// silently returns zeros there; inverted dropout would divide by zero).
    pub fn new(p: f64) -> Result<Self> {
        check_p(p)?;
        Ok(Dropout { p, training: true })
    }
    /// The drop probability.
    pub fn p(&self) -> f64 {
        self.p
    }
    /// Whether the layer is in training mode.
    pub fn is_training(&self) -> bool {
        self.training
    }
    /// Switches to training mode (random masks).
    pub fn train(&mut self) -> &mut Self {
        self.training = true;
        self
    }
    /// Switches to inference mode (identity).
    pub fn eval(&mut self) -> &mut Self {
        self.training = false;
        self
    }
    /// Training: `(x · m/(1 − p), Some(m))`; eval: `(x, None)`.
    #[allow(clippy::type_complexity)]
    pub fn forward<T: Float, D: Dimension>(
        &self,
        x: &ArrayRef<T, D>,
        rng: &mut Rng,
    ) -> Result<(Array<T, D>, Option<Array<T, D>>)> {
        if self.training {
            let (y, m) = dropout_forward(x, self.p, rng)?;
            Ok((y, Some(m)))
        } else {
            Ok((x.to_owned(), None))
        }
    }
    /// `grad_y · m/(1 − p)` for the mask returned by [`Dropout::forward`].
    pub fn backward<T: Float, D: Dimension>(
        &self,
        grad_y: &ArrayRef<T, D>,
        mask: &ArrayRef<T, D>,
    ) -> Result<Array<T, D>> {
        dropout_with_mask(grad_y, mask, self.p)
    }
}
