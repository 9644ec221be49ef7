//! Properties of penalties, the L1 prox, max-norm and the optimizers, plus finite-difference checks of
//! every penalty gradient (in f64, central differences).

use ndarray::{Array1, Array2, array};
use proptest::prelude::*;
use regularizers::weight_decay::*;

/// Central finite difference of `f` at `w` along coordinate `i`.
fn fd(f: &dyn Fn(&Array1<f64>) -> f64, w: &Array1<f64>, i: usize, h: f64) -> f64 {
    let (mut a, mut b) = (w.clone(), w.clone());
    a[i] += h;
    b[i] -= h;
    (f(&a) - f(&b)) / (2.0 * h)
}

fn assert_grad(f: &dyn Fn(&Array1<f64>) -> f64, grad: &Array1<f64>, w: &Array1<f64>) -> Result<(), TestCaseError> {
    for i in 0..w.len() {
        let num = fd(f, w, i, 1e-6);
        prop_assert!(
            (num - grad[i]).abs() <= 1e-6 * (1.0 + grad[i].abs()),
            "coord {i}: fd {num} vs analytic {}",
            grad[i]
        );
    }
    Ok(())
}

/// Weights away from 0 (where |w| is not differentiable) by more than the FD step.
fn weights() -> impl Strategy<Value = Vec<f64>> {
    prop::collection::vec(prop_oneof![-3.0..-1e-3f64, 1e-3..3.0f64], 1..12)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn penalty_gradients_match_finite_differences(w in weights(), l1 in 0.0..2.0f64, l2 in 0.0..2.0f64) {
        let w = Array1::from(w);
        assert_grad(&|v| l1_penalty(v, l1).unwrap(), &l1_grad(&w, l1).unwrap(), &w)?;
        assert_grad(&|v| l2_penalty(v, l2).unwrap(), &l2_grad(&w, l2).unwrap(), &w)?;
        assert_grad(&|v| half_l2_penalty(v, l2).unwrap(), &half_l2_grad(&w, l2).unwrap(), &w)?;
        assert_grad(&|v| elastic_net_penalty(v, l1, l2).unwrap(), &elastic_net_grad(&w, l1, l2).unwrap(), &w)?;
        // The two L2 conventions differ by exactly a factor 2.
        prop_assert!((l2_penalty(&w, l2).unwrap() - 2.0 * half_l2_penalty(&w, l2).unwrap()).abs() <= 1e-12 * (1.0 + l2_penalty(&w, l2).unwrap()));
    }

    /// Soft-thresholding gives exact zeros for |w| <= ηλ and shrinks the rest by exactly ηλ toward 0;
    /// the result satisfies the prox optimality condition 0 ∈ u − w + ηλ·∂|u|.
    #[test]
    fn soft_threshold_gives_exact_zeros(w in prop::collection::vec(-2.0..2.0f64, 1..50), lr in 0.0..1.0f64, lambda in 0.0..2.0f64) {
        let w = Array1::from(w);
        let t = lr * lambda;
        let u = l1_prox(&w, lr, lambda).unwrap();
        for (&wi, &ui) in w.iter().zip(&u) {
            if wi.abs() <= t {
                prop_assert_eq!(ui.to_bits(), 0.0f64.to_bits());
                prop_assert!((ui - wi).abs() <= t + 1e-15); // |w − u| <= t: 0 is in the subdifferential
            } else {
                prop_assert!(ui.signum() == wi.signum());
                prop_assert!(((ui - wi).abs() - t).abs() <= 1e-12);
            }
        }
    }

    /// Plain SGD with coupled L2 (weight_decay = λ) is exactly decoupled decay with rate ηλ:
    /// w ← (1 − ηλ)·w − η·g, up to rounding.
    #[test]
    fn sgd_l2_equals_decoupled_decay(w in prop::collection::vec(-5.0..5.0f64, 1..10), seed in 0u64..1000, lr in 0.0..1.0f64, lambda in 0.0..1.0f64) {
        let mut w_coupled = Array1::from(w);
        let mut w_decoupled = w_coupled.clone();
        let cfg = SgdConfig { lr, weight_decay: lambda, ..SgdConfig::default() };
        let mut buf = None;
        let mut rng = regularizers::Rng::seed_from_u64(seed);
        for _ in 0..5 {
            let g = w_coupled.mapv(|_| rng.normal());
            sgd_step(&mut w_coupled, &g, &mut buf, &cfg).unwrap();
            w_decoupled = (1.0 - lr * lambda) * &w_decoupled - lr * &g;
        }
        for (a, b) in w_coupled.iter().zip(&w_decoupled) {
            prop_assert!((a - b).abs() <= 1e-12 * (1.0 + b.abs()));
        }
    }

    /// Adam with L2 is not AdamW: with the same λ the trajectories differ (in this regime, where
    /// |g| >= 1 > λ|w|, by about η·λ·|w| per step: Adam's normalisation cancels most of the decay term).
    #[test]
    fn adam_l2_is_not_adamw(w in prop::collection::vec(prop_oneof![-5.0..-0.1f64, 0.1..5.0f64], 1..6),
                            g in prop::collection::vec(prop_oneof![-10.0..-1.0f64, 1.0..10.0f64], 6),
                            lr in 1e-3..0.1f64, lambda in 0.01..0.1f64) {
        let mut a = Array1::from(w);
        let mut b = a.clone();
        let g = Array1::from(g[..a.len()].to_vec());
        let cfg = AdamConfig { lr, weight_decay: lambda, ..AdamConfig::default() };
        let (mut sa, mut sb) = (AdamState::zeros(a.raw_dim(), false), AdamState::zeros(b.raw_dim(), false));
        for _ in 0..3 {
            adam_step(&mut a, &g, &mut sa, &cfg).unwrap();
            adamw_step(&mut b, &g, &mut sb, &cfg).unwrap();
        }
        let diff = a.iter().zip(&b).map(|(x, y)| (x - y).abs()).fold(0.0, f64::max);
        prop_assert!(diff > 1e-7, "Adam+L2 and AdamW agree to {diff}");
    }

    /// Max-norm: afterwards every row has norm <= c (up to rounding); rows already inside are unchanged.
    #[test]
    fn max_norm_projects_rows(rows in 1usize..6, cols in 1usize..6, c in 0.1..5.0f64, seed in 0u64..1000) {
        let mut rng = regularizers::Rng::seed_from_u64(seed);
        let w0 = Array2::from_shape_fn((rows, cols), |_| 3.0 * rng.normal());
        let mut w = w0.clone();
        max_norm_constraint(&mut w, c).unwrap();
        let n0 = row_norms(&w0).unwrap();
        for (i, n) in row_norms(&w).unwrap().iter().enumerate() {
            prop_assert!(*n <= c * (1.0 + 1e-12));
            if n0[i] <= c {
                prop_assert_eq!(w.row(i), w0.row(i));
            }
        }
    }
}

/// A concrete case for the book: one coordinate with large gradients, one with small ones. With Adam+L2
/// the decay of the large-gradient weight is divided by its large √v̂ and almost vanishes; AdamW decays
/// both weights by the same factor (1 − ηλ) per step.
#[test]
fn adam_l2_vs_adamw_concrete() {
    let cfg = AdamConfig { lr: 0.01, weight_decay: 0.1, ..AdamConfig::default() };
    let (mut a, mut b) = (array![1.0_f64, 1.0], array![1.0_f64, 1.0]);
    let (mut sa, mut sb) = (AdamState::zeros(a.raw_dim(), false), AdamState::zeros(b.raw_dim(), false));
    // Zero-mean oscillating gradients of very different scales.
    for k in 0..200 {
        let s = if k % 2 == 0 { 1.0 } else { -1.0 };
        let g = array![100.0 * s, 0.01 * s];
        adam_step(&mut a, &g, &mut sa, &cfg).unwrap();
        adamw_step(&mut b, &g, &mut sb, &cfg).unwrap();
    }
    // AdamW: both coordinates shrink by the same decoupled factor (the gradient parts nearly cancel).
    assert!((b[0] - b[1]).abs() < 0.02, "AdamW {b}");
    // Adam+L2: the small-gradient weight is decayed much more than the large-gradient one.
    assert!(a[1] < a[0] - 0.1, "Adam+L2 {a}");
}

/// Errors rather than NaN: overflowing steps leave the state untouched.
#[test]
fn overflowing_steps_are_errors_and_change_nothing() {
    let mut w = array![1.0_f64];
    let mut st = AdamState::zeros(w.raw_dim(), false);
    assert!(adam_step(&mut w, &array![1e200], &mut st, &AdamConfig::default()).is_err());
    assert_eq!((w[0], st.step), (1.0, 0));
    let mut buf = None;
    let cfg = SgdConfig { lr: 1e300, momentum: 0.9, ..SgdConfig::default() };
    assert!(sgd_step(&mut w, &array![1e300], &mut buf, &cfg).is_err());
    assert!(buf.is_none() && w[0] == 1.0);
    assert!(sgd_step(&mut w, &array![f64::NAN], &mut buf, &cfg).is_err());
}
