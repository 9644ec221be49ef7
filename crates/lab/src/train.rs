//! Optimizers (the companion crate's SGD, Adam and AdamW, one state per parameter tensor), the L1
//! penalty in its two forms (subgradient or proximal step), and the training loop.

use crate::data::{Dataset, permutation, shift_augment};
use crate::nn::{Mlp, ParamKind, argmax_rows, softmax_cross_entropy};
use ndarray::{Array2, IxDyn};
use regularizers::weight_decay::{Adam, AdamConfig, Sgd, SgdConfig, WeightDecayMode, l1_grad, l1_prox};
use regularizers::{Result, Rng};

/// Which optimizer, with its learning rate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Opt {
    /// `torch.optim.SGD(lr, momentum, weight_decay=λ)` (coupled L2, `½λ‖w‖²`).
    Sgd {
        /// Learning rate.
        lr: f64,
        /// Momentum.
        momentum: f64,
    },
    /// `torch.optim.Adam(lr, weight_decay=λ)` (coupled L2).
    Adam {
        /// Learning rate.
        lr: f64,
    },
    /// `torch.optim.AdamW(lr, weight_decay=λ)` (decoupled).
    AdamW {
        /// Learning rate.
        lr: f64,
    },
}

impl Opt {
    /// The learning rate.
    pub fn lr(self) -> f64 {
        match self {
            Opt::Sgd { lr, .. } | Opt::Adam { lr } | Opt::AdamW { lr } => lr,
        }
    }
}

/// How the L1 penalty `λ Σ|w|` on dense weights is applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum L1Mode {
    /// Add the subgradient `λ sign(w)` to the gradient (what `loss + λ * w.abs().sum()` does in PyTorch).
    Subgradient,
    /// After each optimizer step, apply the proximal step `w ← S_{ηλ}(w)` (soft-thresholding; ISTA).
    Proximal,
}

/// Everything that defines a training run except the data, the network and the seed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrainConfig {
    /// Optimizer.
    pub opt: Opt,
    /// λ of weight decay on dense weights (coupled for SGD / Adam, decoupled for AdamW); 0 = none.
    pub weight_decay: f64,
    /// λ of the L1 penalty on dense weights; 0 = none.
    pub l1: f64,
    /// How L1 is applied.
    pub l1_mode: L1Mode,
    /// Mini-batch size (the last incomplete batch of an epoch is dropped).
    pub batch: usize,
    /// Epochs.
    pub epochs: usize,
    /// Random ±1-pixel shifts of the training images.
    pub augment: bool,
    /// Evaluate every this many epochs (and after the last).
    pub eval_every: usize,
}

enum One<T: regularizers::Float> {
    Sgd(Sgd<T, IxDyn>),
    Adam(Box<Adam<T, IxDyn>>),
}

/// One optimizer state per parameter tensor of a network.
pub struct Optimizer<T: regularizers::Float> {
    states: Vec<One<T>>,
    cfg: TrainConfig,
}

impl<T: regularizers::Float> Optimizer<T> {
    /// States for every parameter of `net`; weight decay only on dense weights.
    pub fn new(net: &mut Mlp<T>, cfg: TrainConfig) -> Result<Self> {
        let mut states = Vec::new();
        for (kind, _) in net.params_mut() {
            let wd = if kind == ParamKind::Weight { cfg.weight_decay } else { 0.0 };
            states.push(match cfg.opt {
                Opt::Sgd { lr, momentum } => {
                    One::Sgd(Sgd::new(SgdConfig { lr, momentum, weight_decay: wd, ..SgdConfig::default() })?)
                }
                // Adam and AdamW differ only in how the decay enters the update.
                Opt::Adam { lr } | Opt::AdamW { lr } => {
                    let weight_decay_mode = match cfg.opt {
                        Opt::AdamW { .. } => WeightDecayMode::Decoupled,
                        _ => WeightDecayMode::CoupledL2,
                    };
                    One::Adam(Box::new(Adam::new(AdamConfig {
                        lr,
                        weight_decay: wd,
                        weight_decay_mode,
                        ..AdamConfig::default()
                    })?))
                }
            });
        }
        Ok(Optimizer { states, cfg })
    }

    /// One step on every parameter, with the L1 penalty as configured.
    pub fn step(&mut self, net: &mut Mlp<T>, grads: &[ndarray::ArrayD<T>]) -> Result<()> {
        let cfg = self.cfg;
        for (((kind, mut p), g), st) in net.params_mut().into_iter().zip(grads).zip(&mut self.states) {
            let l1_here = kind == ParamKind::Weight && cfg.l1 > 0.0;
            let g = if l1_here && cfg.l1_mode == L1Mode::Subgradient { g + &l1_grad(&p, cfg.l1)? } else { g.clone() };
            match st {
                One::Sgd(s) => s.step(&mut p, &g)?,
                One::Adam(a) => a.step(&mut p, &g)?,
            }
            if l1_here && cfg.l1_mode == L1Mode::Proximal {
                let w = l1_prox(&p, cfg.opt.lr(), cfg.l1)?;
                p.assign(&w);
            }
        }
        Ok(())
    }
}

/// Metrics recorded during training, one entry per evaluation.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Curve {
    /// Epoch of each evaluation.
    pub epoch: Vec<usize>,
    /// Mean cross-entropy on the training set (eval mode, no penalty).
    pub train_loss: Vec<f64>,
    /// Mean cross-entropy on the test set.
    pub test_loss: Vec<f64>,
    /// Accuracy on the training set (eval mode).
    pub train_acc: Vec<f64>,
    /// Accuracy on the test set.
    pub test_acc: Vec<f64>,
}

/// `(mean cross-entropy, accuracy)` of `net` on `data`, in eval mode.
pub fn evaluate(net: &mut Mlp<f32>, data: &Dataset) -> Result<(f64, f64)> {
    net.eval();
    let (logits, _) = net.forward(&data.x, &mut Rng::seed_from_u64(0))?;
    net.train();
    let (loss, _) = softmax_cross_entropy(&logits, &data.y);
    let pred = argmax_rows(&logits);
    let correct = pred.iter().zip(&data.y).filter(|(a, b)| a == b).count();
    Ok((loss as f64, correct as f64 / data.len() as f64))
}

/// Trains a classifier with mini-batches drawn from `rng`, evaluating on `train` and `test`.
/// `tick` is called after every epoch (for the progress bar).
pub fn train_classifier(
    net: &mut Mlp<f32>,
    cfg: TrainConfig,
    train: &Dataset,
    test: &Dataset,
    rng: &mut Rng,
    tick: &mut dyn FnMut(),
) -> Result<Curve> {
    let mut opt = Optimizer::new(net, cfg)?;
    let mut curve = Curve::default();
    let n = train.len();
    for epoch in 1..=cfg.epochs {
        let order = permutation(n, rng);
        for chunk in order.chunks_exact(cfg.batch) {
            let b = train.select(chunk);
            let x: Array2<f32> = if cfg.augment { shift_augment(&b.x, rng) } else { b.x };
            let (logits, tape) = net.forward(&x, rng)?;
            let (_, g) = softmax_cross_entropy(&logits, &b.y);
            let grads = net.backward(&tape, &g)?;
            opt.step(net, &grads)?;
        }
        if epoch % cfg.eval_every == 0 || epoch == cfg.epochs {
            let (trl, tra) = evaluate(net, train)?;
            let (tel, tea) = evaluate(net, test)?;
            curve.epoch.push(epoch);
            curve.train_loss.push(trl);
            curve.test_loss.push(tel);
            curve.train_acc.push(tra);
            curve.test_acc.push(tea);
        }
        tick();
    }
    Ok(curve)
}
