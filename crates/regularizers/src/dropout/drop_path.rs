//! DropPath / stochastic depth (Huang et al. 2016; timm's `drop_path`): in a residual block
//! `x + f(x)`, the branch `f(x)` of a whole sample is dropped, i.e. for that sample the block becomes
//! the identity. Apply [`drop_path`] to the branch output, then add the shortcut.

use crate::error::{Error, Result, check_probability};
use crate::float::Float;
use crate::rng::Rng;
use crate::weight_decay::cast;
use ndarray::{Array, Array1, ArrayRef, ArrayRef1, Dimension};

fn check_drop_prob(p: f64) -> Result<()> {
    check_probability("drop_prob", p, true, "0 <= drop_prob <= 1")
}

/// DropPath with an explicit per-sample keep mask (`keep`, length `N`, entries 0/1):
/// `y[n, …] = x[n, …] · keep[n] / (1 − p)` if `scale_by_keep` and `p < 1`, else `x[n, …] · keep[n]`
/// (timm's rule: at `p = 1` nothing is divided). `x` has shape `(N, …)`, `ndim >= 1`.
///
/// ```
/// use ndarray::array;
/// use regularizers::dropout::drop_path_with_mask;
/// let y = drop_path_with_mask(&array![[1.0, 2.0], [3.0, 4.0]], &array![0.0, 1.0], 0.5, true).unwrap();
/// assert_eq!(y, array![[0.0, 0.0], [6.0, 8.0]]);
/// ```
pub fn drop_path_with_mask<T: Float, D: Dimension>(
    x: &ArrayRef<T, D>,
    keep: &ArrayRef1<T>,
    drop_prob: f64,
    scale_by_keep: bool,
) -> Result<Array<T, D>> {
    check_drop_prob(drop_prob)?;
    if x.ndim() == 0 {
        return Err(Error::InvalidShape { what: "drop_path input".into(), got: vec![], allowed: "(N, ...)".into() });
    }
    if keep.len() != x.shape()[0] {
        return Err(Error::ShapeMismatch {
            what: "drop_path keep mask vs batch size".into(),
            expected: vec![x.shape()[0]],
            got: keep.shape().to_vec(),
        });
    }
    if !keep.iter().all(|&m| m == T::zero() || m == T::one()) {
        return Err(Error::Invalid("drop_path mask must contain only 0 (drop) and 1 (keep)".into()));
    }
    let keep_prob = 1.0 - drop_prob;
    let div = if keep_prob > 0.0 && scale_by_keep { cast::<T>(keep_prob) } else { T::one() };
    let mut y = x.to_owned();
    {
        let mut yd = y.view_mut().into_dyn();
        for (mut sample, &k) in yd.outer_iter_mut().zip(keep.iter()) {
            let r = k / div;
            sample.mapv_inplace(|v| v * r);
        }
    }
    Ok(y)
}

/// DropPath in training (timm's `drop_path(x, drop_prob, training, scale_by_keep)`): each sample `n` of
/// `x` (shape `(N, …)`) is kept with probability `1 − p`, whole; kept samples are divided by `1 − p` if
/// `scale_by_keep`. Returns `(y, keep)` with `keep` of length `N`. With `training == false` or `p == 0`
/// it returns `(x, ones)`. `drop_prob` in `[0, 1]`.
///
/// ```
/// use ndarray::Array2;
/// use regularizers::{Rng, dropout::drop_path};
/// let x = Array2::<f64>::ones((6, 3));
/// let (y, keep) = drop_path(&x, 0.5, true, true, &mut Rng::seed_from_u64(2)).unwrap();
/// for (row, &k) in y.outer_iter().zip(&keep) {
///     assert!(row.iter().all(|&v| v == 2.0 * k)); // a sample is dropped whole, or kept and scaled
/// }
/// ```
pub fn drop_path<T: Float, D: Dimension>(
    x: &ArrayRef<T, D>,
    drop_prob: f64,
    training: bool,
    scale_by_keep: bool,
    rng: &mut Rng,
) -> Result<(Array<T, D>, Array1<T>)> {
    check_drop_prob(drop_prob)?;
    if x.ndim() == 0 {
        return Err(Error::InvalidShape { what: "drop_path input".into(), got: vec![], allowed: "(N, ...)".into() });
    }
    let n = x.shape()[0];
    if !training || drop_prob == 0.0 {
        return Ok((x.to_owned(), Array1::ones(n)));
    }
    // ANCHOR: drop_path_forward
    // One Bernoulli(1 − p) draw per *sample*: the residual branch of that sample vanishes entirely.
    let keep: Array1<T> = (0..n).map(|_| if rng.uniform() >= drop_prob { T::one() } else { T::zero() }).collect();
    let y = drop_path_with_mask(x, &keep, drop_prob, scale_by_keep)?;
    // ANCHOR_END: drop_path_forward
    Ok((y, keep))
}

/// The linear decay rule of stochastic depth (Huang et al. 2016): block `l = 1..=L` gets
/// `p_l = (l / L) · p_L`, so early blocks (low-level features) are almost never dropped and the last one
/// is dropped with `p_L`. Returns `L` probabilities (a `Vec` of length `L`). `p_last` in `[0, 1]`.
///
/// ```
/// use regularizers::dropout::drop_path_rates;
/// assert_eq!(drop_path_rates(4, 0.2).unwrap(), vec![0.05, 0.1, 0.15000000000000002, 0.2]);
/// ```
pub fn drop_path_rates(num_blocks: usize, p_last: f64) -> Result<Vec<f64>> {
    check_drop_prob(p_last)?;
    Ok((1..=num_blocks).map(|l| l as f64 / num_blocks as f64 * p_last).collect())
}

/// timm's variant: `torch.linspace(0, p_last, L)`, i.e. `p_l = (l − 1)/(L − 1) · p_L` — the first block is
/// never dropped (differs from [`drop_path_rates`] by one step). For `L = 1` it returns `[0.0]`, as
/// `torch.linspace(0, p, 1)` does; `L = 0` gives an empty vector.
///
/// ```
/// use regularizers::dropout::drop_path_rates_timm;
/// assert_eq!(drop_path_rates_timm(3, 0.2).unwrap(), vec![0.0, 0.1, 0.2]);
/// ```
pub fn drop_path_rates_timm(num_blocks: usize, p_last: f64) -> Result<Vec<f64>> {
    check_drop_prob(p_last)?;
    if num_blocks == 1 {
        return Ok(vec![0.0]);
    }
    Ok((0..num_blocks).map(|i| i as f64 / (num_blocks - 1) as f64 * p_last).collect())
}
