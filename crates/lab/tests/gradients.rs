//! Finite-difference checks, in f64, of every backward pass the lab adds (dense, ReLU, softmax
//! cross-entropy, MSE) and of whole networks that chain them with the companion crate's layers.

use lab::nn::{Dense, Layer, Mlp, Norm, mse, relu, relu_backward, softmax_cross_entropy};
use ndarray::{Array2, ArrayD};
use regularizers::Rng;

fn randn(shape: (usize, usize), rng: &mut Rng) -> Array2<f64> {
    Array2::from_shape_simple_fn(shape, || rng.normal())
}

/// Central differences of `f` at `x`, entry by entry.
fn numeric_grad(x: &Array2<f64>, mut f: impl FnMut(&Array2<f64>) -> f64) -> Array2<f64> {
    let h = 1e-6;
    let mut g = Array2::zeros(x.raw_dim());
    for i in 0..x.nrows() {
        for j in 0..x.ncols() {
            let mut xp = x.clone();
            xp[[i, j]] += h;
            let mut xm = x.clone();
            xm[[i, j]] -= h;
            g[[i, j]] = (f(&xp) - f(&xm)) / (2.0 * h);
        }
    }
    g
}

fn assert_close(a: &Array2<f64>, b: &Array2<f64>, tol: f64, what: &str) {
    assert_eq!(a.shape(), b.shape(), "{what}: shapes");
    for (x, y) in a.iter().zip(b) {
        assert!((x - y).abs() <= tol * (1.0 + y.abs()), "{what}: analytic {x} vs numeric {y}");
    }
}

#[test]
fn dense_backward_matches_finite_differences() {
    let mut rng = Rng::seed_from_u64(1);
    let d = Dense::<f64>::new(5, 3, &mut rng);
    let x = randn((4, 5), &mut rng);
    let r = randn((4, 3), &mut rng); // L = Σ r ⊙ y
    let loss = |d: &Dense<f64>, x: &Array2<f64>| (&d.forward(x) * &r).sum();
    let (gx, gw, gb) = d.backward(&x, &r);
    assert_close(&gx, &numeric_grad(&x, |x| loss(&d, x)), 1e-7, "dL/dx");
    let nw = numeric_grad(&d.w, |w| loss(&Dense { w: w.clone(), b: d.b.clone() }, &x));
    assert_close(&gw, &nw, 1e-7, "dL/dW");
    let b2 = d.b.clone().insert_axis(ndarray::Axis(0));
    let nb = numeric_grad(&b2, |b| loss(&Dense { w: d.w.clone(), b: b.row(0).to_owned() }, &x));
    assert_close(&gb.insert_axis(ndarray::Axis(0)), &nb, 1e-7, "dL/db");
}

#[test]
fn relu_backward_matches_finite_differences() {
    let mut rng = Rng::seed_from_u64(2);
    // keep entries away from the kink at 0, where the derivative is not defined
    let x = randn((3, 6), &mut rng).mapv(|v| if v.abs() < 0.05 { 0.5 } else { v });
    let r = randn((3, 6), &mut rng);
    let g = relu_backward(&x, &r);
    assert_close(&g, &numeric_grad(&x, |x| (&relu(x) * &r).sum()), 1e-7, "relu");
}

#[test]
fn softmax_cross_entropy_gradient_matches_finite_differences() {
    let mut rng = Rng::seed_from_u64(3);
    let z = randn((5, 4), &mut rng).mapv(|v| 3.0 * v);
    let labels = [0, 3, 1, 1, 2];
    let (_, g) = softmax_cross_entropy(&z, &labels);
    assert_close(&g, &numeric_grad(&z, |z| softmax_cross_entropy(z, &labels).0), 1e-7, "softmax CE");
}

#[test]
fn softmax_cross_entropy_is_stable_for_huge_logits() {
    let z = Array2::from_shape_vec((1, 3), vec![1000.0f32, 0.0, -1000.0]).unwrap();
    let (l, g) = softmax_cross_entropy(&z, &[0]);
    assert!(l.is_finite() && l.abs() < 1e-6, "loss {l}");
    assert!(g.iter().all(|v| v.is_finite()));
    let (l2, _) = softmax_cross_entropy(&z, &[2]);
    assert!((l2 - 2000.0).abs() < 1e-2, "loss {l2}");
}

#[test]
fn mse_gradient_matches_finite_differences() {
    let mut rng = Rng::seed_from_u64(4);
    let y = randn((4, 2), &mut rng);
    let t = randn((4, 2), &mut rng);
    let (_, g) = mse(&y, &t);
    assert_close(&g, &numeric_grad(&y, |y| mse(y, &t).0), 1e-7, "mse");
}

/// Whole-network check: every parameter gradient and the input gradient of a network that chains
/// Dense, a normalisation layer from the companion crate, and ReLU (training mode, no dropout).
fn check_network(norm: Norm) {
    let mut rng = Rng::seed_from_u64(5);
    let mut net = Mlp::<f64>::new(4, &[8, 8], 3, norm, 0.0, &mut rng).unwrap();
    // move γ, β away from 1, 0 so that their gradients are exercised
    for (_, mut p) in net.params_mut() {
        let noise: ArrayD<f64> = ArrayD::from_shape_simple_fn(p.raw_dim(), || 0.1 * rng.normal());
        p += &noise;
    }
    let x = randn((6, 4), &mut rng);
    let labels = [0, 1, 2, 2, 1, 0];
    let loss_of = |net: &mut Mlp<f64>, x: &Array2<f64>| {
        let (out, _) = net.forward(x, &mut Rng::seed_from_u64(0)).unwrap();
        softmax_cross_entropy(&out, &labels).0
    };
    let (out, tape) = net.forward(&x, &mut Rng::seed_from_u64(0)).unwrap();
    let (_, g) = softmax_cross_entropy(&out, &labels);
    let grads = net.backward(&tape, &g).unwrap();
    let n_params = net.params_mut().len();
    assert_eq!(grads.len(), n_params);
    for k in 0..n_params {
        let shape = grads[k].shape().to_vec();
        let flat_len: usize = shape.iter().product();
        let h = 1e-6;
        for idx in 0..flat_len {
            let bump = |delta: f64| {
                let mut n2 = net.clone();
                {
                    let mut ps = n2.params_mut();
                    let p = &mut ps[k].1;
                    let v = p.as_slice_mut().unwrap();
                    v[idx] += delta;
                }
                loss_of(&mut n2, &x)
            };
            let numeric = (bump(h) - bump(-h)) / (2.0 * h);
            let analytic = grads[k].as_slice().unwrap()[idx];
            assert!(
                (analytic - numeric).abs() <= 1e-6 * (1.0 + numeric.abs()),
                "{norm:?}: parameter {k} entry {idx}: analytic {analytic} vs numeric {numeric}"
            );
        }
    }
}

#[test]
fn network_without_normalisation_gradients() {
    check_network(Norm::None);
}

#[test]
fn network_with_batch_norm_gradients() {
    check_network(Norm::Batch);
}

#[test]
fn network_with_layer_norm_gradients() {
    check_network(Norm::Layer);
}

#[test]
fn network_with_group_norm_gradients() {
    check_network(Norm::Group(2));
}

#[test]
fn dropout_in_a_network_uses_the_recorded_mask() {
    // With a fixed dropout mask (same rng seed), the network is a fixed function: its gradient
    // must match finite differences taken with that same mask.
    let mut rng = Rng::seed_from_u64(6);
    let mut net = Mlp::<f64>::new(3, &[10], 2, Norm::None, 0.4, &mut rng).unwrap();
    assert!(net.layers.iter().any(|l| matches!(l, Layer::Dropout(_))));
    let x = randn((4, 3), &mut rng);
    let labels = [0, 1, 1, 0];
    let (out, tape) = net.forward(&x, &mut Rng::seed_from_u64(9)).unwrap();
    let (_, g) = softmax_cross_entropy(&out, &labels);
    let grads = net.backward(&tape, &g).unwrap();
    let w0 = grads[0].clone().into_dimensionality::<ndarray::Ix2>().unwrap();
    let numeric = numeric_grad(&net.dense_weights()[0].clone(), |w| {
        let mut n2 = net.clone();
        if let Layer::Dense(d) = &mut n2.layers[0] {
            d.w = w.clone();
        }
        let (o, _) = n2.forward(&x, &mut Rng::seed_from_u64(9)).unwrap();
        softmax_cross_entropy(&o, &labels).0
    });
    assert_close(&w0, &numeric, 1e-6, "dense weight under dropout");
}

#[test]
fn batch_norm_with_one_sample_is_an_error_not_nan() {
    let mut rng = Rng::seed_from_u64(7);
    let mut net = Mlp::<f32>::new(4, &[8], 3, Norm::Batch, 0.0, &mut rng).unwrap();
    let x = Array2::<f32>::zeros((1, 4));
    assert!(net.forward(&x, &mut rng).is_err());
    net.eval();
    assert!(net.forward(&x, &mut rng).is_ok());
}
