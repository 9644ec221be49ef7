//! Folding an eval-mode BatchNorm into the linear or convolution layer before it.
//!
//! In eval mode BatchNorm is a fixed per-channel affine map `y = s_c·z + t_c` with
//! `s_c = γ_c/√(running_var_c + ε)` and `t_c = β_c − running_mean_c·s_c`. Applied to the output
//! `z = W·x + b` of the preceding layer, it can be absorbed into that layer:
//!
//! ```text
//! W'_c = W_c · γ_c/√(var_c + ε)          (every weight of output channel c)
//! b'_c = (b_c − μ_c) · γ_c/√(var_c + ε) + β_c
//! ```
//!
//! so inference needs one layer instead of two. This is only valid with running statistics
//! (`track_running_stats = true`): in training mode the statistics change with every batch.

use super::BatchNorm;
use super::kernels::{f64_of, from_f64};
use crate::{Error, Float, Result};
use ndarray::{Array1, Array2, Array4, Axis};

impl<T: Float> BatchNorm<T> {
    /// The eval-mode affine map per channel: `(scale, shift)` with `scale = γ/√(running_var + ε)` and
    /// `shift = β − running_mean·scale`, both `(C,)`.
    ///
    /// Errors: the layer has no running statistics (`track_running_stats = false`), or a parameter
    /// field has the wrong shape.
    ///
    /// ```
    /// use regularizers::batch_norm::{BatchNorm, BatchNormConfig};
    /// let bn = BatchNorm::<f64>::new(BatchNormConfig::new(2))?;
    /// let (scale, shift) = bn.eval_scale_shift()?; // fresh layer: mean 0, var 1
    /// assert!((scale[0] - 1.0 / (1.0f64 + 1e-5).sqrt()).abs() < 1e-15 && shift[1] == 0.0);
    /// # Ok::<(), regularizers::Error>(())
    /// ```
    pub fn eval_scale_shift(&self) -> Result<(Array1<T>, Array1<T>)> {
        self.check_params()?;
        let (Some(rm), Some(rv)) = (self.running_mean.as_ref(), self.running_var.as_ref()) else {
            return Err(Error::Invalid(
                "folding needs running statistics, but track_running_stats = false: the layer normalizes with \
                 batch statistics even in eval mode, which is not a fixed affine map"
                    .into(),
            ));
        };
        let c = self.config.num_features;
        let mut scale = Array1::zeros(c);
        let mut shift = Array1::zeros(c);
        for ch in 0..c {
            let s = self.gamma(ch) / (f64_of(rv[ch]) + self.config.eps).sqrt();
            scale[ch] = from_f64(s);
            shift[ch] = from_f64(self.beta(ch) - f64_of(rm[ch]) * s);
        }
        Ok((scale, shift))
    }

    /// Folds this BatchNorm into a preceding linear layer `z = W x + b` with `W: (C, in)`, `b: (C,)`
    /// (`None` = no bias). Returns `(W', b')` such that `W' x + b' = BN_eval(W x + b)`.
    ///
    /// Errors: `W.nrows() ≠ C`, `b.len() ≠ C`, no running statistics.
    ///
    /// ```
    /// use ndarray::{array, Array1};
    /// use regularizers::batch_norm::{BatchNorm, BatchNormConfig};
    /// let mut bn = BatchNorm::<f64>::new(BatchNormConfig::new(2))?;
    /// bn.running_mean = Some(array![1.0, -2.0]);
    /// bn.running_var = Some(array![4.0, 0.25]);
    /// let (w, b) = (array![[1.0, 2.0], [3.0, 4.0]], array![0.5, -0.5]);
    /// let (wf, bf) = bn.fold_into_linear(&w, Some(&b))?;
    /// let x = array![0.3, -0.7];
    /// let z = w.dot(&x) + &b;
    /// let expect: Array1<f64> = (&z - &array![1.0, -2.0]) / (array![4.0, 0.25] + 1e-5).mapv(f64::sqrt);
    /// assert!((wf.dot(&x) + &bf - expect).iter().all(|d| d.abs() < 1e-12));
    /// # Ok::<(), regularizers::Error>(())
    /// ```
    pub fn fold_into_linear(&self, weight: &Array2<T>, bias: Option<&Array1<T>>) -> Result<(Array2<T>, Array1<T>)> {
        self.check_out_channels(weight.nrows(), bias)?;
        let (scale, _) = self.eval_scale_shift()?;
        let mut w = weight.clone();
        for (mut row, &s) in w.axis_iter_mut(Axis(0)).zip(&scale) {
            row.mapv_inplace(|v| v * s);
        }
        Ok((w, self.folded_bias(bias)))
    }

    /// Folds this BatchNorm into a preceding 2-D convolution with weight `(C, in, kh, kw)` and bias
    /// `(C,)` (`None` = no bias). Returns `(W', b')` with `conv(x; W', b') = BN_eval(conv(x; W, b))`.
    ///
    /// Errors: `W.shape()[0] ≠ C`, `b.len() ≠ C`, no running statistics.
    ///
    /// ```
    /// use ndarray::{Array1, Array4};
    /// use regularizers::batch_norm::{BatchNorm, BatchNormConfig};
    /// let mut bn = BatchNorm::<f32>::new(BatchNormConfig::bn2d(2))?;
    /// bn.running_var = Some(Array1::from(vec![4.0, 9.0]));
    /// let w = Array4::<f32>::ones((2, 1, 3, 3));
    /// let (wf, bf) = bn.fold_into_conv(&w, None)?;
    /// assert!((wf[[1, 0, 2, 2]] - 1.0 / (9.0f32 + 1e-5).sqrt()).abs() < 1e-7 && bf[0] == 0.0);
    /// # Ok::<(), regularizers::Error>(())
    /// ```
    pub fn fold_into_conv(&self, weight: &Array4<T>, bias: Option<&Array1<T>>) -> Result<(Array4<T>, Array1<T>)> {
        self.check_out_channels(weight.shape()[0], bias)?;
        let (scale, _) = self.eval_scale_shift()?;
        // ANCHOR: fold_into_conv
        // W'[c, :, :, :] = W[c, :, :, :]·s_c   with s_c = γ_c/√(var_c + ε)
        let mut w = weight.clone();
        for (mut filter, &s) in w.axis_iter_mut(Axis(0)).zip(&scale) {
            filter.mapv_inplace(|v| v * s);
        }
        // b'_c = (b_c − μ_c)·s_c + β_c
        let b = self.folded_bias(bias);
        // ANCHOR_END: fold_into_conv
        Ok((w, b))
    }

    fn check_out_channels(&self, out: usize, bias: Option<&Array1<T>>) -> Result<()> {
        let c = self.config.num_features;
        if out != c {
            return Err(Error::ShapeMismatch { what: "output channels of the folded layer vs num_features".into(), expected: vec![c], got: vec![out] });
        }
        if let Some(b) = bias {
            if b.len() != c {
                return Err(Error::ShapeMismatch { what: "bias of the folded layer vs num_features".into(), expected: vec![c], got: vec![b.len()] });
            }
        }
        Ok(())
    }

    /// `b'_c = (b_c − μ_c)·s_c + β_c`, evaluated in `f64` from unrounded pieces (one rounding).
    fn folded_bias(&self, bias: Option<&Array1<T>>) -> Array1<T> {
        let rm = self.running_mean.as_ref().expect("checked by eval_scale_shift");
        let rv = self.running_var.as_ref().expect("checked by eval_scale_shift");
        Array1::from_shape_fn(self.config.num_features, |ch| {
            let s = self.gamma(ch) / (f64_of(rv[ch]) + self.config.eps).sqrt();
            let b = bias.map_or(0.0, |b| f64_of(b[ch]));
            from_f64((b - f64_of(rm[ch])) * s + self.beta(ch))
        })
    }
}
