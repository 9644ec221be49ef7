//! SGD with momentum, dampening, Nesterov and coupled weight decay, exactly as `torch.optim.SGD`
//! (`foreach=False`, `maximize=False`).

use super::{cast, check_finite, check_nonneg, check_same_shape};
use crate::error::{Error, Result};
use crate::float::Float;
use ndarray::{Array, ArrayRef, Dimension, Zip};

/// Hyper-parameters of [`Sgd`] / [`sgd_step`], with PyTorch's names and defaults
/// (`lr = 1e-3`, everything else 0 / false).
///
/// `weight_decay = λ` adds `λ·w` to the gradient: the gradient of `½λΣw²`
/// ([`half_l2_penalty`](super::half_l2_penalty)). For plain SGD this equals decoupled decay
/// `w ← (1 − ηλ)·w − η·g`.
///
/// ```
/// use regularizers::weight_decay::SgdConfig;
/// let cfg = SgdConfig { lr: 0.1, momentum: 0.9, weight_decay: 5e-4, ..SgdConfig::default() };
/// assert!(cfg.validate().is_ok());
/// assert!(SgdConfig { nesterov: true, ..SgdConfig::default() }.validate().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SgdConfig {
    /// Learning rate η (`>= 0`).
    pub lr: f64,
    /// Momentum μ (`>= 0`; 0 disables the buffer).
    pub momentum: f64,
    /// Dampening τ: the buffer update is `b ← μb + (1 − τ)g` (not applied on the first step).
    pub dampening: f64,
    /// Nesterov momentum: use `g + μb` instead of `b`. Requires `momentum > 0` and `dampening = 0`.
    pub nesterov: bool,
    /// Coupled L2 weight decay λ (`>= 0`): `g ← g + λw`.
    pub weight_decay: f64,
}

impl Default for SgdConfig {
    fn default() -> Self {
        SgdConfig { lr: 1e-3, momentum: 0.0, dampening: 0.0, nesterov: false, weight_decay: 0.0 }
    }
}

impl SgdConfig {
    /// Checks the hyper-parameters the way `torch.optim.SGD.__init__` does (and also rejects NaN / inf).
    /// Errors: negative `lr` ("learning rate"), `momentum`, `weight_decay`; non-finite `dampening`;
    /// `nesterov` without `momentum > 0` and `dampening == 0`.
    ///
    /// ```
    /// use regularizers::weight_decay::SgdConfig;
    /// let e = SgdConfig { lr: -0.1, ..SgdConfig::default() }.validate().unwrap_err();
    /// assert!(e.to_string().contains("learning rate"));
    /// ```
    pub fn validate(&self) -> Result<()> {
        check_nonneg("learning rate lr", self.lr, "a finite learning rate >= 0")?;
        check_nonneg("momentum", self.momentum, "a finite momentum >= 0")?;
        check_nonneg("weight_decay", self.weight_decay, "a finite weight_decay >= 0")?;
        if !self.dampening.is_finite() {
            return Err(Error::InvalidParameter {
                name: "dampening",
                value: self.dampening,
                allowed: "a finite dampening",
            });
        }
        if self.nesterov && (self.momentum <= 0.0 || self.dampening != 0.0) {
            return Err(Error::Invalid(format!(
                "Nesterov momentum requires a momentum and zero dampening (got momentum = {}, dampening = {})",
                self.momentum, self.dampening
            )));
        }
        Ok(())
    }
}

/// One SGD step in place, PyTorch semantics. `buf` is the momentum buffer (`None` before the first step;
/// on the first step it becomes a copy of the (decayed) gradient, **without** dampening).
///
/// ```text
/// g ← ∇ + λw                      (if λ ≠ 0)
/// b ← g  (first step)  |  b ← μb + (1 − τ)g   (if μ ≠ 0)
/// g ← g + μb (Nesterov)  |  g ← b
/// w ← w − ηg
/// ```
/// `param` and `grad` must have the same shape; `grad` must be finite; a step whose result is not finite
/// (overflow, or a non-finite `param`) is an error. Nothing is modified on error.
///
/// ```
/// use ndarray::array;
/// use regularizers::weight_decay::{sgd_step, SgdConfig};
/// let mut w = array![1.0, -2.0];
/// let mut buf = None;
/// let cfg = SgdConfig { lr: 0.1, weight_decay: 0.5, ..SgdConfig::default() };
/// sgd_step(&mut w, &array![1.0, 1.0], &mut buf, &cfg).unwrap();
/// // g = grad + 0.5·w = [1.5, 0.0]
/// assert_eq!(w, array![1.0 - 0.1 * 1.5, -2.0]);
/// ```
pub fn sgd_step<T: Float, D: Dimension>(
    param: &mut ArrayRef<T, D>,
    grad: &ArrayRef<T, D>,
    buf: &mut Option<Array<T, D>>,
    cfg: &SgdConfig,
) -> Result<()> {
    cfg.validate()?;
    check_same_shape("SGD grad vs param", param.shape(), grad.shape())?;
    check_finite("grad", grad)?;
    if let Some(b) = buf.as_ref() {
        check_same_shape("SGD momentum buffer vs param", param.shape(), b.shape())?;
    }
    let (lr, mu) = (cast::<T>(cfg.lr), cast::<T>(cfg.momentum));
    let (wd, one_minus_damp) = (cast::<T>(cfg.weight_decay), cast::<T>(1.0 - cfg.dampening));
    // ANCHOR: sgd_step
    // Coupled weight decay: the penalty's gradient λw joins the data gradient *before* momentum.
    let mut g = grad.to_owned();
    if cfg.weight_decay != 0.0 {
        Zip::from(&mut g).and(&*param).for_each(|g, &p| *g = *g + wd * p);
    }
    let mut new_buf = None;
    if cfg.momentum != 0.0 {
        let b = match buf.as_ref() {
            // PyTorch's first step: the buffer is the gradient itself, no (1 − dampening) factor.
            None => g.clone(),
            Some(b) => Zip::from(b).and(&g).map_collect(|&b, &g| b * mu + one_minus_damp * g),
        };
        if cfg.nesterov {
            Zip::from(&mut g).and(&b).for_each(|g, &b| *g = *g + mu * b);
        } else {
            g.assign(&b);
        }
        new_buf = Some(b);
    }
    let new_param = Zip::from(&*param).and(&g).map_collect(|&p, &g| p - lr * g);
    // ANCHOR_END: sgd_step
    // Commit only a finite result, so an overflowing step leaves the parameter and buffer untouched.
    if !new_param.iter().chain(new_buf.iter().flatten()).all(|v| v.is_finite()) {
        return Err(Error::Invalid(
            "SGD step overflowed: the new parameter or momentum buffer is not finite (parameter or gradient too large)"
                .into(),
        ));
    }
    param.assign(&new_param);
    if new_buf.is_some() {
        *buf = new_buf;
    }
    Ok(())
}

/// `torch.optim.SGD` for one parameter tensor: the config plus the momentum buffer.
///
/// ```
/// use ndarray::array;
/// use regularizers::weight_decay::{Sgd, SgdConfig};
/// let mut opt = Sgd::new(SgdConfig { lr: 0.1, momentum: 0.9, ..SgdConfig::default() }).unwrap();
/// let mut w = array![1.0_f64];
/// opt.step(&mut w, &array![1.0]).unwrap(); // b = 1
/// opt.step(&mut w, &array![1.0]).unwrap(); // b = 0.9 + 1 = 1.9
/// assert!((w[0] - (1.0 - 0.1 - 0.19)).abs() < 1e-12);
/// assert_eq!(opt.momentum_buffer().unwrap()[0], 1.9);
/// ```
#[derive(Debug, Clone)]
pub struct Sgd<T: Float, D: Dimension> {
    config: SgdConfig,
    buf: Option<Array<T, D>>,
}

impl<T: Float, D: Dimension> Sgd<T, D> {
    /// Validates `config` (see [`SgdConfig::validate`]) and creates an optimizer with an empty buffer.
    pub fn new(config: SgdConfig) -> Result<Self> {
        config.validate()?;
        Ok(Sgd { config, buf: None })
    }
    /// One step: see [`sgd_step`].
    pub fn step(&mut self, param: &mut ArrayRef<T, D>, grad: &ArrayRef<T, D>) -> Result<()> {
        sgd_step(param, grad, &mut self.buf, &self.config)
    }
    /// The momentum buffer (`None` before the first step or when `momentum == 0`).
    pub fn momentum_buffer(&self) -> Option<&Array<T, D>> {
        self.buf.as_ref()
    }
    /// The hyper-parameters.
    pub fn config(&self) -> &SgdConfig {
        &self.config
    }
}
