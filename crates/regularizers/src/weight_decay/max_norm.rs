//! The max-norm constraint (Srebro et al. 2005; used with dropout by Srivastava et al. 2014):
//! after each update, every row / filter `w_i` (a slice along axis 0) whose L2 norm exceeds `c` is
//! rescaled onto the ball: `w_i ← w_i · c / ‖w_i‖₂`. Rows inside the ball are untouched.

use super::{cast, check_finite, check_nonneg, tof};
use crate::error::{Error, Result};
use crate::float::Float;
use ndarray::{Array1, ArrayRef, Axis, Dimension, RemoveAxis};

/// The L2 norm of every slice along axis 0 (a row of a matrix, a filter of a conv weight `(O, I, kH, kW)`).
/// Returns a vector of length `w.shape()[0]`. Computed in `f64` with scaling, so it does not overflow
/// for huge finite entries.
///
/// ```
/// use ndarray::array;
/// use regularizers::weight_decay::row_norms;
/// assert_eq!(row_norms(&array![[3.0, 4.0], [0.0, 1.0]]).unwrap(), array![5.0, 1.0]);
/// ```
pub fn row_norms<T: Float, D: Dimension + RemoveAxis>(w: &ArrayRef<T, D>) -> Result<Array1<T>> {
    if w.ndim() == 0 {
        return Err(Error::InvalidShape {
            what: "max-norm weight".into(),
            got: vec![],
            allowed: "at least one dimension (rows along axis 0)".into(),
        });
    }
    check_finite("w", w)?;
    Ok(w.axis_iter(Axis(0)).map(|row| cast::<T>(norm2(row.iter().map(|&v| tof(v))))).collect())
}

/// Overflow-safe Euclidean norm (scale by the largest magnitude first).
fn norm2(it: impl Iterator<Item = f64> + Clone) -> f64 {
    let m = it.clone().fold(0.0f64, |a, v| a.max(v.abs()));
    if m == 0.0 {
        return 0.0;
    }
    m * it.map(|v| (v / m) * (v / m)).sum::<f64>().sqrt()
}

/// Applies the max-norm constraint in place: each slice `w_i` along axis 0 with `‖w_i‖₂ > c` becomes
/// `w_i · c/‖w_i‖₂`. Returns how many rows were rescaled.
///
/// `c` must be finite and `> 0`; `w` must be finite and have at least one axis. Unlike
/// `torch.renorm(w, 2, 0, c)`, no `1e-7` is added to the norm, so a rescaled row has norm `c` up to rounding.
///
/// ```
/// use ndarray::array;
/// use regularizers::weight_decay::max_norm_constraint;
/// let mut w = array![[6.0, 8.0], [3.0, 4.0]];
/// // Row norms 10 and 5: only the first row is outside the ball of radius 5.
/// assert_eq!(max_norm_constraint(&mut w, 5.0).unwrap(), 1);
/// assert_eq!(w, array![[3.0, 4.0], [3.0, 4.0]]);
/// ```
// ANCHOR: max_norm
pub fn max_norm_constraint<T: Float, D: Dimension + RemoveAxis>(w: &mut ArrayRef<T, D>, c: f64) -> Result<usize> {
    check_nonneg("max_norm", c, "a finite max_norm c > 0")?;
    if c == 0.0 {
        return Err(Error::InvalidParameter { name: "max_norm", value: c, allowed: "a finite max_norm c > 0" });
    }
    let norms = row_norms(w)?;
    let mut rescaled = 0;
    for (mut row, &n) in w.axis_iter_mut(Axis(0)).zip(&norms) {
        let n = tof(n);
        // Only rows outside the ball move: the constraint is a projection, not a penalty.
        if n > c {
            let s = cast::<T>(c / n);
            row.mapv_inplace(|v| v * s);
            rescaled += 1;
        }
    }
    Ok(rescaled)
}
// ANCHOR_END: max_norm
