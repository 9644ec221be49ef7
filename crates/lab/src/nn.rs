//! A small multilayer perceptron built from the companion crate's layers (Dropout, BatchNorm,
//! LayerNorm, GroupNorm) plus the pieces the crate does not have: a dense (linear) layer, ReLU,
//! softmax cross-entropy and mean squared error, each with its backward pass (checked against
//! finite differences in `tests/gradients.rs`).
//!
//! Everything is single-threaded with a fixed summation order (the matrix product below is a plain
//! triple loop), so a run is bit-for-bit reproducible from its seed.

use ndarray::{Array1, Array2, ArrayD, ArrayViewMut, Axis, IxDyn};
use regularizers::batch_norm::{BatchNorm, BatchNormCache, BatchNormConfig};
use regularizers::layer_norm::{GroupNorm, GroupNormConfig, LayerNorm, LayerNormConfig, NormCache};
use regularizers::{Float, Result, Rng};

#[inline]
fn c<T: Float>(v: f64) -> T {
    <T as Float>::from_f64(v)
}

#[inline]
fn tf<T: Float>(v: T) -> f64 {
    <T as Float>::to_f64(v)
}

/// `a (n×k) · b (k×m)`, summed in a fixed order.
pub fn matmul<T: Float>(a: &Array2<T>, b: &Array2<T>) -> Array2<T> {
    let (n, k) = a.dim();
    let (k2, m) = b.dim();
    assert_eq!(k, k2, "matmul shapes");
    let a = a.as_standard_layout();
    let b = b.as_standard_layout();
    let (a, b) = (a.as_slice().expect("contiguous"), b.as_slice().expect("contiguous"));
    let mut out = vec![T::zero(); n * m];
    for i in 0..n {
        let row = &mut out[i * m..(i + 1) * m];
        for p in 0..k {
            let v = a[i * k + p];
            if v == T::zero() {
                continue; // adding 0·b changes nothing (b is finite): skip, same bits
            }
            let brow = &b[p * m..(p + 1) * m];
            for j in 0..m {
                row[j] = row[j] + v * brow[j];
            }
        }
    }
    Array2::from_shape_vec((n, m), out).expect("shape")
}

/// A fully connected layer `y = x W + b`, `W` of shape `(in, out)`.
#[derive(Debug, Clone)]
pub struct Dense<T> {
    /// Weights, `(in, out)`.
    pub w: Array2<T>,
    /// Bias, `(out,)`.
    pub b: Array1<T>,
}

impl<T: Float> Dense<T> {
    /// He-normal initialisation (`std = √(2/in)`), zero bias.
    pub fn new(inputs: usize, outputs: usize, rng: &mut Rng) -> Self {
        let s = (2.0 / inputs as f64).sqrt();
        let w = Array2::from_shape_simple_fn((inputs, outputs), || c::<T>(rng.normal() * s));
        Dense { w, b: Array1::zeros(outputs) }
    }

    /// Forward pass.
    pub fn forward(&self, x: &Array2<T>) -> Array2<T> {
        let mut y = matmul(x, &self.w);
        for mut row in y.rows_mut() {
            row.zip_mut_with(&self.b, |a, &b| *a = *a + b);
        }
        y
    }

    /// Backward pass: `(∂L/∂x, ∂L/∂W, ∂L/∂b)` from the input `x` and `∂L/∂y`.
    pub fn backward(&self, x: &Array2<T>, gy: &Array2<T>) -> (Array2<T>, Array2<T>, Array1<T>) {
        let gx = matmul(gy, &self.w.t().to_owned());
        let gw = matmul(&x.t().to_owned(), gy);
        let gb = gy.sum_axis(Axis(0));
        (gx, gw, gb)
    }
}

/// `max(x, 0)`.
pub fn relu<T: Float>(x: &Array2<T>) -> Array2<T> {
    x.mapv(|v| if v > T::zero() { v } else { T::zero() })
}

/// Backward of [`relu`]: passes the gradient where the input was positive.
pub fn relu_backward<T: Float>(x: &Array2<T>, gy: &Array2<T>) -> Array2<T> {
    let mut g = gy.clone();
    ndarray::Zip::from(&mut g).and(x).for_each(|g, &x| {
        if x <= T::zero() {
            *g = T::zero();
        }
    });
    g
}

/// Mean softmax cross-entropy of `logits (n×k)` against `labels`, and its gradient `(softmax − onehot)/n`.
/// Uses the log-sum-exp trick (the maximum logit is subtracted before `exp`).
pub fn softmax_cross_entropy<T: Float>(logits: &Array2<T>, labels: &[usize]) -> (T, Array2<T>) {
    let n = logits.nrows();
    assert_eq!(n, labels.len(), "one label per row");
    let mut grad = Array2::zeros(logits.raw_dim());
    let mut total = 0.0f64;
    for (i, row) in logits.rows().into_iter().enumerate() {
        let m = row.iter().copied().fold(T::neg_infinity(), T::max);
        let mut s = T::zero();
        for &v in row.iter() {
            s = s + (v - m).exp();
        }
        let lse = m + s.ln();
        total += tf(lse - row[labels[i]]);
        for (j, &v) in row.iter().enumerate() {
            let p = (v - lse).exp();
            let t = if j == labels[i] { T::one() } else { T::zero() };
            grad[[i, j]] = (p - t) / c::<T>(n as f64);
        }
    }
    (c::<T>(total / n as f64), grad)
}

/// Mean squared error over all entries and its gradient `2(y − t)/len`.
pub fn mse<T: Float>(y: &Array2<T>, target: &Array2<T>) -> (T, Array2<T>) {
    let len = y.len() as f64;
    let diff = y - target;
    let loss = diff.iter().map(|&d| tf(d) * tf(d)).sum::<f64>() / len;
    (c::<T>(loss), diff.mapv(|d| d * c::<T>(2.0 / len)))
}

/// Index of the largest entry of each row.
pub fn argmax_rows<T: Float>(x: &Array2<T>) -> Vec<usize> {
    x.rows()
        .into_iter()
        .map(|r| {
            let mut best = 0;
            for (j, &v) in r.iter().enumerate() {
                if v > r[best] {
                    best = j;
                }
            }
            best
        })
        .collect()
}

/// One layer of an [`Mlp`].
#[derive(Debug, Clone)]
pub enum Layer<T> {
    /// Fully connected.
    Dense(Dense<T>),
    /// ReLU.
    Relu,
    /// Inverted dropout with drop probability `p` (the crate's `dropout_forward` / `dropout_backward`).
    Dropout(f64),
    /// The crate's BatchNorm over features (`(N, C)` input).
    BatchNorm(BatchNorm<T>),
    /// The crate's LayerNorm over the features.
    LayerNorm(LayerNorm<T>),
    /// The crate's GroupNorm (groups of contiguous features).
    GroupNorm(GroupNorm<T>),
}

/// What a parameter is, for the optimizer (weight decay and L1 act on dense weights only).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamKind {
    /// A dense layer's weight matrix.
    Weight,
    /// A bias or a normalisation layer's γ / β.
    Other,
}

enum Cache<T> {
    Dense(Array2<T>),
    Relu(Array2<T>),
    Dropout(Option<Array2<T>>),
    BatchNorm(ArrayD<T>, BatchNormCache),
    LayerNorm(ArrayD<T>, NormCache),
    GroupNorm(ArrayD<T>, NormCache),
}

/// The values kept by [`Mlp::forward`] for [`Mlp::backward`].
pub struct Tape<T> {
    caches: Vec<Cache<T>>,
}

/// A stack of layers with a train/eval switch.
#[derive(Debug, Clone)]
pub struct Mlp<T> {
    /// The layers, applied in order.
    pub layers: Vec<Layer<T>>,
    training: bool,
}

/// Which normalisation a hidden block uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Norm {
    /// None.
    None,
    /// BatchNorm.
    Batch,
    /// LayerNorm.
    Layer,
    /// GroupNorm with this many groups.
    Group(usize),
}

impl<T: Float> Mlp<T> {
    /// `inputs → [Dense → norm → ReLU → Dropout(p)] × hidden.len() → Dense → outputs`.
    /// `p = 0` leaves the dropout layers out.
    pub fn new(inputs: usize, hidden: &[usize], outputs: usize, norm: Norm, p: f64, rng: &mut Rng) -> Result<Self> {
        let mut layers = Vec::new();
        let mut d = inputs;
        for &h in hidden {
            layers.push(Layer::Dense(Dense::new(d, h, rng)));
            match norm {
                Norm::None => {}
                Norm::Batch => layers.push(Layer::BatchNorm(BatchNorm::new(BatchNormConfig::new(h))?)),
                Norm::Layer => layers.push(Layer::LayerNorm(LayerNorm::new(LayerNormConfig::new(&[h]))?)),
                Norm::Group(g) => layers.push(Layer::GroupNorm(GroupNorm::new(GroupNormConfig::new(g, h))?)),
            }
            layers.push(Layer::Relu);
            if p > 0.0 {
                layers.push(Layer::Dropout(p));
            }
            d = h;
        }
        layers.push(Layer::Dense(Dense::new(d, outputs, rng)));
        Ok(Mlp { layers, training: true })
    }

    /// A network from explicit layers, in training mode.
    pub fn from_layers(layers: Vec<Layer<T>>) -> Self {
        Mlp { layers, training: true }
    }

    /// Training mode: dropout on, BatchNorm uses (and updates) batch statistics.
    pub fn train(&mut self) {
        self.training = true;
        for l in &mut self.layers {
            if let Layer::BatchNorm(bn) = l {
                bn.train();
            }
        }
    }

    /// Eval mode: dropout is the identity, BatchNorm uses its running statistics.
    pub fn eval(&mut self) {
        self.training = false;
        for l in &mut self.layers {
            if let Layer::BatchNorm(bn) = l {
                bn.eval();
            }
        }
    }

    /// Forward pass; `rng` draws the dropout masks. In eval mode, `mc_dropout = true` keeps dropout
    /// on (Monte Carlo dropout) while BatchNorm stays in eval mode.
    pub fn forward_with(&mut self, x: &Array2<T>, rng: &mut Rng, mc_dropout: bool) -> Result<(Array2<T>, Tape<T>)> {
        let mut h = x.clone();
        let mut caches = Vec::with_capacity(self.layers.len());
        let training = self.training;
        for l in &mut self.layers {
            h = match l {
                Layer::Dense(d) => {
                    let y = d.forward(&h);
                    caches.push(Cache::Dense(h));
                    y
                }
                Layer::Relu => {
                    let y = relu(&h);
                    caches.push(Cache::Relu(h));
                    y
                }
                Layer::Dropout(p) => {
                    if training || mc_dropout {
                        let (y, mask) = regularizers::dropout::dropout_forward(&h, *p, rng)?;
                        caches.push(Cache::Dropout(Some(mask)));
                        y
                    } else {
                        caches.push(Cache::Dropout(None));
                        h
                    }
                }
                Layer::BatchNorm(bn) => {
                    let xd = h.into_dyn();
                    let (y, cache) = bn.forward(&xd)?;
                    caches.push(Cache::BatchNorm(xd, cache));
                    to2(y)
                }
                Layer::LayerNorm(ln) => {
                    let xd = h.into_dyn();
                    let (y, cache) = ln.forward(&xd)?;
                    caches.push(Cache::LayerNorm(xd, cache));
                    to2(y)
                }
                Layer::GroupNorm(gn) => {
                    let xd = h.into_dyn();
                    let (y, cache) = gn.forward(&xd)?;
                    caches.push(Cache::GroupNorm(xd, cache));
                    to2(y)
                }
            };
        }
        Ok((h, Tape { caches }))
    }

    /// [`Mlp::forward_with`] without Monte Carlo dropout.
    pub fn forward(&mut self, x: &Array2<T>, rng: &mut Rng) -> Result<(Array2<T>, Tape<T>)> {
        self.forward_with(x, rng, false)
    }

    /// Backward pass from `∂L/∂output`; returns the parameter gradients in [`Mlp::params_mut`] order.
    pub fn backward(&self, tape: &Tape<T>, gout: &Array2<T>) -> Result<Vec<ArrayD<T>>> {
        let mut g = gout.clone();
        let mut grads: Vec<Vec<ArrayD<T>>> = Vec::with_capacity(self.layers.len());
        for (l, cache) in self.layers.iter().zip(&tape.caches).rev() {
            let mut pg = Vec::new();
            g = match (l, cache) {
                (Layer::Dense(d), Cache::Dense(x)) => {
                    let (gx, gw, gb) = d.backward(x, &g);
                    pg.push(gw.into_dyn());
                    pg.push(gb.into_dyn());
                    gx
                }
                (Layer::Relu, Cache::Relu(x)) => relu_backward(x, &g),
                (Layer::Dropout(p), Cache::Dropout(mask)) => match mask {
                    Some(m) => regularizers::dropout::dropout_backward(&g, m, *p)?,
                    None => g,
                },
                (Layer::BatchNorm(bn), Cache::BatchNorm(x, cache)) => {
                    let r = bn.backward(x, &g.into_dyn(), cache)?;
                    pg.extend(r.grad_weight);
                    pg.extend(r.grad_bias);
                    to2(r.grad_input)
                }
                (Layer::LayerNorm(ln), Cache::LayerNorm(x, cache)) => {
                    let r = ln.backward(x, &g.into_dyn(), cache)?;
                    pg.extend(r.grad_weight);
                    pg.extend(r.grad_bias);
                    to2(r.grad_input)
                }
                (Layer::GroupNorm(gn), Cache::GroupNorm(x, cache)) => {
                    let r = gn.backward(x, &g.into_dyn(), cache)?;
                    pg.extend(r.grad_weight);
                    pg.extend(r.grad_bias);
                    to2(r.grad_input)
                }
                _ => unreachable!("the tape was recorded by this network"),
            };
            grads.push(pg);
        }
        grads.reverse();
        Ok(grads.into_iter().flatten().collect())
    }

    /// Every parameter, in a fixed order, as a mutable dynamic-rank view with its kind.
    pub fn params_mut(&mut self) -> Vec<(ParamKind, ArrayViewMut<'_, T, IxDyn>)> {
        let mut out = Vec::new();
        for l in &mut self.layers {
            match l {
                Layer::Dense(d) => {
                    out.push((ParamKind::Weight, d.w.view_mut().into_dyn()));
                    out.push((ParamKind::Other, d.b.view_mut().into_dyn()));
                }
                Layer::BatchNorm(bn) => {
                    if let Some(w) = bn.weight.as_mut() {
                        out.push((ParamKind::Other, w.view_mut().into_dyn()));
                    }
                    if let Some(b) = bn.bias.as_mut() {
                        out.push((ParamKind::Other, b.view_mut().into_dyn()));
                    }
                }
                Layer::LayerNorm(ln) => {
                    if let Some(w) = ln.weight.as_mut() {
                        out.push((ParamKind::Other, w.view_mut().into_dyn()));
                    }
                    if let Some(b) = ln.bias.as_mut() {
                        out.push((ParamKind::Other, b.view_mut().into_dyn()));
                    }
                }
                Layer::GroupNorm(gn) => {
                    if let Some(w) = gn.weight.as_mut() {
                        out.push((ParamKind::Other, w.view_mut().into_dyn()));
                    }
                    if let Some(b) = gn.bias.as_mut() {
                        out.push((ParamKind::Other, b.view_mut().into_dyn()));
                    }
                }
                Layer::Relu | Layer::Dropout(_) => {}
            }
        }
        out
    }

    /// The dense layers' weight matrices, in order.
    pub fn dense_weights(&self) -> Vec<&Array2<T>> {
        self.layers
            .iter()
            .filter_map(|l| if let Layer::Dense(d) = l { Some(&d.w) } else { None })
            .collect()
    }
}

fn to2<T>(a: ArrayD<T>) -> Array2<T> {
    a.into_dimensionality().expect("2-D")
}
