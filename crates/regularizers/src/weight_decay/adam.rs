//! Adam (coupled L2 weight decay) and AdamW (decoupled weight decay), exactly as `torch.optim.Adam` /
//! `torch.optim.AdamW` (`foreach=False`, `maximize=False`, `capturable=False`).
//!
//! With coupled L2 the decay term `λw` passes through Adam's per-coordinate scaling `1/(√v̂ + ε)`, so
//! weights with large gradient history are decayed *less*; AdamW applies `w ← (1 − ηλ)w` outside the
//! adaptive scaling, so every weight decays at the same relative rate (Loshchilov & Hutter, 2019).

use super::{cast, check_finite, check_nonneg, check_same_shape};
use crate::error::{Error, Result, check_eps};
use crate::float::Float;
use ndarray::{Array, ArrayRef, Dimension, Zip};

/// How `weight_decay` enters the update.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WeightDecayMode {
    /// `torch.optim.Adam(weight_decay=λ)`: `g ← g + λw` before the moments (L2 penalty `½λΣw²`).
    CoupledL2,
    /// `torch.optim.AdamW(weight_decay=λ)` (= `Adam(decoupled_weight_decay=True)`): `w ← (1 − ηλ)w`
    /// before the Adam update, the gradient is untouched.
    Decoupled,
}

/// Hyper-parameters of [`Adam`], [`adam_step`], [`adamw_step`], with PyTorch's names.
///
/// [`AdamConfig::default`] is `torch.optim.Adam`'s default (`lr = 1e-3`, `betas = (0.9, 0.999)`,
/// `eps = 1e-8`, `weight_decay = 0`, coupled); [`AdamConfig::adamw`] is `torch.optim.AdamW`'s
/// (the same but `weight_decay = 0.01`, decoupled).
///
/// ```
/// use regularizers::weight_decay::{AdamConfig, WeightDecayMode};
/// let w = AdamConfig::adamw();
/// assert_eq!((w.weight_decay, w.weight_decay_mode), (0.01, WeightDecayMode::Decoupled));
/// assert!(AdamConfig { betas: (1.0, 0.999), ..AdamConfig::default() }.validate().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AdamConfig {
    /// Learning rate η (`>= 0`).
    pub lr: f64,
    /// `(β₁, β₂)`, each in `[0, 1)`.
    pub betas: (f64, f64),
    /// ε added to `√v̂` (`> 0` here; PyTorch also accepts 0, which divides by zero for a zero gradient).
    pub eps: f64,
    /// λ (`>= 0`).
    pub weight_decay: f64,
    /// Coupled L2 (Adam) or decoupled (AdamW).
    pub weight_decay_mode: WeightDecayMode,
    /// AMSGrad: use the running maximum of `v` in the denominator.
    pub amsgrad: bool,
}

impl Default for AdamConfig {
    fn default() -> Self {
        AdamConfig {
            lr: 1e-3,
            betas: (0.9, 0.999),
            eps: 1e-8,
            weight_decay: 0.0,
            weight_decay_mode: WeightDecayMode::CoupledL2,
            amsgrad: false,
        }
    }
}

impl AdamConfig {
    /// `torch.optim.AdamW`'s defaults: `lr = 1e-3`, `betas = (0.9, 0.999)`, `eps = 1e-8`,
    /// `weight_decay = 0.01`, decoupled.
    pub fn adamw() -> Self {
        AdamConfig { weight_decay: 0.01, weight_decay_mode: WeightDecayMode::Decoupled, ..AdamConfig::default() }
    }

    /// Checks the hyper-parameters like `torch.optim.Adam.__init__` (plus: NaN / inf rejected, `eps > 0`).
    ///
    /// ```
    /// use regularizers::weight_decay::AdamConfig;
    /// let e = AdamConfig { weight_decay: -0.1, ..AdamConfig::adamw() }.validate().unwrap_err();
    /// assert!(e.to_string().contains("weight_decay"));
    /// ```
    pub fn validate(&self) -> Result<()> {
        check_nonneg("learning rate lr", self.lr, "a finite learning rate >= 0")?;
        check_eps(self.eps)?;
        for (name, b) in [("beta1 (betas index 0)", self.betas.0), ("beta2 (betas index 1)", self.betas.1)] {
            if !(0.0..1.0).contains(&b) {
                return Err(Error::InvalidParameter { name, value: b, allowed: "0 <= beta < 1" });
            }
        }
        check_nonneg("weight_decay", self.weight_decay, "a finite weight_decay >= 0")
    }
}

/// Adam's per-parameter state, as in PyTorch's `optimizer.state[p]`.
#[derive(Debug, Clone, PartialEq)]
pub struct AdamState<T: Float, D: Dimension> {
    /// Number of steps taken (`state["step"]`).
    pub step: u64,
    /// First moment `m` (`exp_avg`).
    pub exp_avg: Array<T, D>,
    /// Second moment `v` (`exp_avg_sq`).
    pub exp_avg_sq: Array<T, D>,
    /// AMSGrad's running max of `v` (`max_exp_avg_sq`), `Some` iff `amsgrad`.
    pub max_exp_avg_sq: Option<Array<T, D>>,
}

impl<T: Float, D: Dimension> AdamState<T, D> {
    /// Zero state for a parameter of the given shape (`step = 0`, `m = v = 0`).
    ///
    /// ```
    /// use regularizers::weight_decay::AdamState;
    /// let s = AdamState::<f32, _>::zeros(ndarray::Ix2(2, 3), true);
    /// assert_eq!((s.step, s.exp_avg.dim()), (0, (2, 3)));
    /// ```
    pub fn zeros(shape: D, amsgrad: bool) -> Self {
        AdamState {
            step: 0,
            exp_avg: Array::zeros(shape.clone()),
            exp_avg_sq: Array::zeros(shape.clone()),
            max_exp_avg_sq: amsgrad.then(|| Array::zeros(shape)),
        }
    }
}

/// `torch.lerp(a, b, w)` with PyTorch's two-branch formula (bit-for-bit the same rounding).
#[inline]
fn lerp<T: Float>(a: T, b: T, w: T) -> T {
    if w.abs() < cast::<T>(0.5) { a + w * (b - a) } else { b - (b - a) * (T::one() - w) }
}

/// One Adam / AdamW step in place, PyTorch semantics (the mode comes from `cfg.weight_decay_mode`).
///
/// ```text
/// t ← t + 1
/// CoupledL2: g ← ∇ + λw          Decoupled: w ← (1 − ηλ)w, g ← ∇
/// m ← lerp(m, g, 1 − β₁)         v ← β₂v + (1 − β₂)g²       [AMSGrad: v_max ← max(v_max, v), use v_max]
/// w ← w − (η / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε)
/// ```
/// Shapes of `param`, `grad` and the state must agree; `grad` must be finite; a step whose result is not
/// finite (e.g. `g²` overflows) is an error. Nothing changes on error.
///
/// ```
/// use ndarray::array;
/// use regularizers::weight_decay::{adam_step, AdamConfig, AdamState};
/// let mut w = array![1.0_f64];
/// let mut st = AdamState::zeros(w.raw_dim(), false);
/// adam_step(&mut w, &array![0.5], &mut st, &AdamConfig { lr: 0.1, ..AdamConfig::default() }).unwrap();
/// // The first Adam step moves every coordinate by about lr, whatever the gradient's scale.
/// assert!((w[0] - 0.9).abs() < 1e-6);
/// ```
pub fn adam_step<T: Float, D: Dimension>(
    param: &mut ArrayRef<T, D>,
    grad: &ArrayRef<T, D>,
    state: &mut AdamState<T, D>,
    cfg: &AdamConfig,
) -> Result<()> {
    cfg.validate()?;
    check_same_shape("Adam grad vs param", param.shape(), grad.shape())?;
    check_same_shape("Adam exp_avg vs param", param.shape(), state.exp_avg.shape())?;
    check_same_shape("Adam exp_avg_sq vs param", param.shape(), state.exp_avg_sq.shape())?;
    match &state.max_exp_avg_sq {
        Some(vm) => check_same_shape("Adam max_exp_avg_sq vs param", param.shape(), vm.shape())?,
        None if cfg.amsgrad => return Err(Error::Invalid("amsgrad needs a state with max_exp_avg_sq".into())),
        None => {}
    }
    check_finite("grad", grad)?;
    let (b1, b2) = cfg.betas;
    let wd = cast::<T>(cfg.weight_decay);
    // ANCHOR: adam_step
    let t = (state.step + 1) as f64;
    let mut g = grad.to_owned();
    let mut p = param.to_owned();
    match cfg.weight_decay_mode {
        // Adam + L2: the decay term is added to the gradient, so it is later divided by √v̂ + ε.
        WeightDecayMode::CoupledL2 => {
            if cfg.weight_decay != 0.0 {
                Zip::from(&mut g).and(&p).for_each(|g, &p| *g = *g + wd * p);
            }
        }
        // ANCHOR: adamw_step
        // AdamW: shrink the weights directly, outside the adaptive scaling.
        WeightDecayMode::Decoupled => {
            let shrink = cast::<T>(1.0 - cfg.lr * cfg.weight_decay);
            p.mapv_inplace(|p| p * shrink);
        } // ANCHOR_END: adamw_step
    }
    let (w1, b2t, w2) = (cast::<T>(1.0 - b1), cast::<T>(b2), cast::<T>(1.0 - b2));
    let m = Zip::from(&state.exp_avg).and(&g).map_collect(|&m, &g| lerp(m, g, w1));
    let v = Zip::from(&state.exp_avg_sq).and(&g).map_collect(|&v, &g| v * b2t + w2 * g * g);
    // AMSGrad divides by the largest v seen so far, so the step size never grows back.
    let vmax =
        state.max_exp_avg_sq.as_ref().map(|a| Zip::from(a).and(&v).map_collect(|&a, &v| if v > a { v } else { a }));
    // Bias corrections in f64, as PyTorch computes them with Python floats.
    let step_size = cast::<T>(cfg.lr / (1.0 - b1.powf(t)));
    let bc2_sqrt = cast::<T>((1.0 - b2.powf(t)).sqrt());
    let eps = cast::<T>(cfg.eps);
    Zip::from(&mut p).and(&m).and(vmax.as_ref().unwrap_or(&v)).for_each(|p, &m, &v| {
        let denom = v.sqrt() / bc2_sqrt + eps;
        *p = *p - step_size * m / denom;
    });
    // ANCHOR_END: adam_step
    // Commit only a finite result: an overflow (|g| beyond √MAX, a non-finite param) leaves everything untouched.
    if !p.iter().chain(&m).chain(&v).chain(vmax.iter().flatten()).all(|x| x.is_finite()) {
        return Err(Error::Invalid(
            "Adam step overflowed: the new parameter or moments are not finite (parameter or gradient too large)"
                .into(),
        ));
    }
    param.assign(&p);
    state.step += 1;
    state.exp_avg = m;
    state.exp_avg_sq = v;
    if vmax.is_some() {
        state.max_exp_avg_sq = vmax;
    }
    Ok(())
}

/// One AdamW step: [`adam_step`] with `cfg.weight_decay_mode` forced to [`WeightDecayMode::Decoupled`]
/// (`w ← (1 − ηλ)w`, then the plain Adam update with the raw gradient).
///
/// ```
/// use ndarray::array;
/// use regularizers::weight_decay::{adamw_step, AdamConfig, AdamState};
/// let mut w = array![1.0_f64];
/// let mut st = AdamState::zeros(w.raw_dim(), false);
/// // Zero gradient: only the decoupled decay acts (Adam's update is 0/(0+ε) = 0).
/// adamw_step(&mut w, &array![0.0], &mut st, &AdamConfig { lr: 0.1, weight_decay: 0.5, ..AdamConfig::adamw() }).unwrap();
/// assert!((w[0] - 0.95).abs() < 1e-15);
/// ```
pub fn adamw_step<T: Float, D: Dimension>(
    param: &mut ArrayRef<T, D>,
    grad: &ArrayRef<T, D>,
    state: &mut AdamState<T, D>,
    cfg: &AdamConfig,
) -> Result<()> {
    let cfg = AdamConfig { weight_decay_mode: WeightDecayMode::Decoupled, ..*cfg };
    adam_step(param, grad, state, &cfg)
}

/// `torch.optim.Adam` / `torch.optim.AdamW` for one parameter tensor: config plus lazily created state.
///
/// ```
/// use ndarray::array;
/// use regularizers::weight_decay::{Adam, AdamConfig};
/// let mut opt = Adam::new(AdamConfig::adamw()).unwrap();
/// let mut w = array![[1.0_f32, 2.0]];
/// opt.step(&mut w, &array![[0.1, -0.1]]).unwrap();
/// assert_eq!(opt.state().unwrap().step, 1);
/// ```
#[derive(Debug, Clone)]
pub struct Adam<T: Float, D: Dimension> {
    config: AdamConfig,
    state: Option<AdamState<T, D>>,
}

impl<T: Float, D: Dimension> Adam<T, D> {
    /// Validates `config` (see [`AdamConfig::validate`]).
    pub fn new(config: AdamConfig) -> Result<Self> {
        config.validate()?;
        Ok(Adam { config, state: None })
    }
    /// One step (see [`adam_step`]); the state is created with zeros on the first call.
    pub fn step(&mut self, param: &mut ArrayRef<T, D>, grad: &ArrayRef<T, D>) -> Result<()> {
        let amsgrad = self.config.amsgrad;
        let state = self.state.get_or_insert_with(|| AdamState::zeros(param.raw_dim(), amsgrad));
        adam_step(param, grad, state, &self.config)
    }
    /// The state after the last step (`None` before the first).
    pub fn state(&self) -> Option<&AdamState<T, D>> {
        self.state.as_ref()
    }
    /// The hyper-parameters.
    pub fn config(&self) -> &AdamConfig {
        &self.config
    }
}
