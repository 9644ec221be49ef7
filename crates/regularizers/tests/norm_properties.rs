//! Property tests of the normalization layers.
//!
//! * every normalization group of LN, BN (training), GN and IN has mean 0 and biased variance
//!   `σ²/(σ² + ε)` (which is 1 up to the `ε` the layer adds on purpose);
//! * LayerNorm is invariant to `x → a·x + b` (`a > 0`) once `ε` is scaled by `a²` with it;
//! * BatchNorm in eval mode uses the running statistics only and leaves them unchanged;
//! * the running variance is the UNBIASED batch variance;
//! * folding BN into the preceding conv / linear layer equals the layer followed by BN in eval mode.

use ndarray::{Array1, Array2, Array4, ArrayD, Axis, IxDyn};
use proptest::prelude::*;
use regularizers::batch_norm::{BatchNorm, BatchNormConfig};
use regularizers::layer_norm::{GroupNorm, GroupNormConfig, InstanceNorm, InstanceNormConfig, LayerNorm, LayerNormConfig};

/// Values of a shape, from a proptest-chosen vector, with a per-case offset and scale.
fn shaped(shape: &[usize], seed: &[f64], scale: f64, offset: f64) -> ArrayD<f64> {
    let n: usize = shape.iter().product();
    ArrayD::from_shape_vec(IxDyn(shape), (0..n).map(|i| offset + scale * seed[i % seed.len()] * (1.0 + (i / seed.len()) as f64 * 0.37)).collect())
        .unwrap()
}

/// Mean and biased variance of a list of values (two passes, f64).
fn mean_var(v: &[f64]) -> (f64, f64) {
    let m = v.iter().sum::<f64>() / v.len() as f64;
    (m, v.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / v.len() as f64)
}

/// Checks one normalization group: `x` its inputs, `y` its outputs.
fn check_group(x: &[f64], y: &[f64], eps: f64) -> Result<(), TestCaseError> {
    let (_, var_x) = mean_var(x);
    let (mean_y, var_y) = mean_var(y);
    let expected_var = var_x / (var_x + eps);
    prop_assume!(var_x > 1e-6); // a (nearly) constant group has output 0 by design, not unit variance
    prop_assert!(mean_y.abs() <= 1e-9, "group mean {mean_y}");
    prop_assert!((var_y - expected_var).abs() <= 1e-9, "group variance {var_y}, expected σ²/(σ²+ε) = {expected_var}");
    // and it is close to 1 exactly when σ² ≫ ε
    prop_assert!((var_y - 1.0).abs() <= eps / var_x + 1e-9);
    Ok(())
}

fn values() -> impl Strategy<Value = Vec<f64>> {
    prop::collection::vec(-3.0f64..3.0, 7..23)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn layer_norm_groups_are_standardized(rows in 1usize..5, d in 2usize..17, seed in values(),
                                          scale in 0.01f64..100.0, offset in -1e3f64..1e3, eps in 1e-8f64..1e-1) {
        let x = shaped(&[rows, d], &seed, scale, offset);
        let ln = LayerNorm::<f64>::new(LayerNormConfig::new(&[d]).with_eps(eps).with_elementwise_affine(false)).unwrap();
        let (y, _) = ln.forward(&x).unwrap();
        for (xr, yr) in x.axis_iter(Axis(0)).zip(y.axis_iter(Axis(0))) {
            check_group(&xr.iter().copied().collect::<Vec<_>>(), &yr.iter().copied().collect::<Vec<_>>(), eps)?;
        }
    }

    #[test]
    fn batch_norm_train_channels_are_standardized(n in 1usize..5, c in 1usize..4, s in 1usize..6, seed in values(),
                                                  scale in 0.01f64..100.0, offset in -1e3f64..1e3, eps in 1e-8f64..1e-1) {
        prop_assume!(n * s >= 2);
        let x = shaped(&[n, c, s], &seed, scale, offset);
        let mut bn = BatchNorm::<f64>::new(BatchNormConfig::new(c).with_eps(eps)).unwrap();
        let (y, _) = bn.forward(&x).unwrap();
        for ch in 0..c {
            let xc: Vec<f64> = x.index_axis(Axis(1), ch).iter().copied().collect();
            let yc: Vec<f64> = y.index_axis(Axis(1), ch).iter().copied().collect();
            check_group(&xc, &yc, eps)?;
        }
    }

    #[test]
    fn group_norm_groups_are_standardized(n in 1usize..3, g in 1usize..4, cpg in 1usize..3, s in 1usize..5, seed in values(),
                                          scale in 0.01f64..100.0, offset in -1e3f64..1e3, eps in 1e-8f64..1e-1) {
        prop_assume!(cpg * s >= 2);
        let c = g * cpg;
        let x = shaped(&[n, c, s], &seed, scale, offset);
        let gn = GroupNorm::<f64>::new(GroupNormConfig::new(g, c).with_eps(eps).with_affine(false)).unwrap();
        let (y, _) = gn.forward(&x).unwrap();
        for b in 0..n {
            for grp in 0..g {
                let xs: Vec<f64> = (grp * cpg..(grp + 1) * cpg).flat_map(|ch| (0..s).map(move |i| (ch, i))).map(|(ch, i)| x[[b, ch, i]]).collect();
                let ys: Vec<f64> = (grp * cpg..(grp + 1) * cpg).flat_map(|ch| (0..s).map(move |i| (ch, i))).map(|(ch, i)| y[[b, ch, i]]).collect();
                check_group(&xs, &ys, eps)?;
            }
        }
    }

    #[test]
    fn instance_norm_channels_are_standardized(n in 1usize..3, c in 1usize..4, h in 1usize..4, w in 2usize..4, seed in values(),
                                               scale in 0.01f64..100.0, offset in -1e3f64..1e3, eps in 1e-8f64..1e-1) {
        let x = shaped(&[n, c, h, w], &seed, scale, offset);
        let inorm = InstanceNorm::<f64>::new(InstanceNormConfig::new(c).with_eps(eps)).unwrap();
        let (y, _) = inorm.forward(&x).unwrap();
        for b in 0..n {
            for ch in 0..c {
                let xs: Vec<f64> = x.index_axis(Axis(0), b).index_axis(Axis(0), ch).iter().copied().collect();
                let ys: Vec<f64> = y.index_axis(Axis(0), b).index_axis(Axis(0), ch).iter().copied().collect();
                check_group(&xs, &ys, eps)?;
            }
        }
    }

    #[test]
    fn layer_norm_is_invariant_to_positive_affine_maps(rows in 1usize..4, d in 2usize..12, seed in values(),
                                                       a in 0.01f64..100.0, b in -1e3f64..1e3, eps in 1e-8f64..1e-2) {
        let x = shaped(&[rows, d], &seed, 1.0, 0.0);
        let ax_b = x.mapv(|v| a * v + b);
        // (a x + b − (a μ + b)) / √(a² σ² + a² ε) = (x − μ)/√(σ² + ε): ε scales with a² too.
        let ln = LayerNorm::<f64>::new(LayerNormConfig::new(&[d]).with_eps(eps)).unwrap();
        let ln_scaled = LayerNorm::<f64>::new(LayerNormConfig::new(&[d]).with_eps(eps * a * a)).unwrap();
        let (y1, _) = ln.forward(&x).unwrap();
        let (y2, _) = ln_scaled.forward(&ax_b).unwrap();
        for (p, q) in y1.iter().zip(&y2) {
            prop_assert!((p - q).abs() <= 1e-8 * (1.0 + p.abs()), "{p} vs {q}");
        }
        // With the same ε the map is invariant up to the ε term only: |Δy| ≤ |y|·|1 − √((σ²+ε)/(σ²+ε/a²))|.
    }

    #[test]
    fn batch_norm_eval_uses_running_stats_only(n in 1usize..4, c in 1usize..4, s in 1usize..4, seed in values(),
                                               rm in prop::collection::vec(-5.0f64..5.0, 3), rv in prop::collection::vec(0.01f64..5.0, 3),
                                               steps in 0usize..3) {
        let mut bn = BatchNorm::<f64>::new(BatchNormConfig::new(c)).unwrap();
        // some training first, so the running stats are not the initial ones
        for k in 0..steps {
            let _ = bn.forward(&shaped(&[2, c, 2], &seed, 1.0 + k as f64, k as f64)).unwrap();
        }
        bn.running_mean = Some(Array1::from(rm[..c].to_vec()));
        bn.running_var = Some(Array1::from(rv[..c].to_vec()));
        bn.weight = Some(Array1::from_shape_fn(c, |i| 0.5 + i as f64));
        bn.bias = Some(Array1::from_shape_fn(c, |i| i as f64 - 1.0));
        bn.eval();
        let before = bn.clone();
        let x = shaped(&[n, c, s], &seed, 2.0, 0.5);
        let (y, _) = bn.forward(&x).unwrap();
        prop_assert_eq!(&bn, &before); // running stats, counter and parameters untouched
        for ((b, ch, i), &v) in y.clone().into_dimensionality::<ndarray::Ix3>().unwrap().indexed_iter() {
            let want = (x[[b, ch, i]] - rm[ch]) / (rv[ch] + 1e-5).sqrt() * (0.5 + ch as f64) + (ch as f64 - 1.0);
            prop_assert!((v - want).abs() <= 1e-12 * (1.0 + want.abs()));
        }
        // a different batch does not change how a sample is normalized in eval mode
        let x2 = shaped(&[n + 1, c, s], &seed, 7.0, -3.0);
        let mut y_first = bn.forward(&x2).unwrap().0;
        y_first.slice_axis_inplace(Axis(0), ndarray::Slice::from(0..1));
        let (y_alone, _) = bn.forward(&x2.slice_axis(Axis(0), ndarray::Slice::from(0..1)).to_owned()).unwrap();
        prop_assert_eq!(y_first, y_alone);
    }

    #[test]
    fn running_var_is_the_unbiased_batch_variance(n in 2usize..6, seed in values(), offset in -10.0f64..10.0) {
        // momentum 1: the running statistics become exactly this batch's statistics
        let mut bn = BatchNorm::<f64>::new(BatchNormConfig::new(1).with_momentum(Some(1.0))).unwrap();
        let x = shaped(&[n, 1], &seed, 1.0, offset);
        let _ = bn.forward(&x).unwrap();
        let v: Vec<f64> = x.iter().copied().collect();
        let (m, var_biased) = mean_var(&v);
        let unbiased = var_biased * n as f64 / (n as f64 - 1.0);
        prop_assert!((bn.running_mean.as_ref().unwrap()[0] - m).abs() <= 1e-12 * (1.0 + m.abs()));
        prop_assert!((bn.running_var.as_ref().unwrap()[0] - unbiased).abs() <= 1e-12 * (1.0 + unbiased));
    }

    #[test]
    fn folding_into_conv_equals_conv_then_bn_eval(cin in 1usize..3, cout in 1usize..4, k in 1usize..3, hw in 3usize..6,
                                                  seed in values(), rm in prop::collection::vec(-2.0f64..2.0, 3),
                                                  rv in prop::collection::vec(0.05f64..4.0, 3), with_bias in any::<bool>()) {
        let w = Array4::from_shape_fn((cout, cin, k, k), |(o, i, a, b)| seed[(o * 7 + i * 5 + a * 3 + b) % seed.len()]);
        let bias = with_bias.then(|| Array1::from_shape_fn(cout, |o| 0.1 * o as f64 - 0.2));
        let x = Array4::from_shape_fn((2, cin, hw, hw), |(n, i, a, b)| seed[(n * 11 + i * 3 + a * 2 + b) % seed.len()] + 0.1 * a as f64);
        let mut bn = BatchNorm::<f64>::new(BatchNormConfig::bn2d(cout)).unwrap();
        bn.running_mean = Some(Array1::from(rm[..cout].to_vec()));
        bn.running_var = Some(Array1::from(rv[..cout].to_vec()));
        bn.weight = Some(Array1::from_shape_fn(cout, |o| 1.5 - 0.5 * o as f64));
        bn.bias = Some(Array1::from_shape_fn(cout, |o| 0.3 * o as f64));
        bn.eval();
        let z = conv2d(&x, &w, bias.as_ref());
        let (expected, _) = bn.forward(&z.into_dyn()).unwrap();
        let (wf, bf) = bn.fold_into_conv(&w, bias.as_ref()).unwrap();
        let folded = conv2d(&x, &wf, Some(&bf)).into_dyn();
        for (p, q) in folded.iter().zip(&expected) {
            prop_assert!((p - q).abs() <= 1e-10 * (1.0 + q.abs()), "{p} vs {q}");
        }
    }

    #[test]
    fn folding_into_linear_equals_linear_then_bn_eval(din in 1usize..5, dout in 1usize..4, seed in values(),
                                                      rm in prop::collection::vec(-2.0f64..2.0, 3),
                                                      rv in prop::collection::vec(0.05f64..4.0, 3)) {
        let w = Array2::from_shape_fn((dout, din), |(o, i)| seed[(o * 5 + i) % seed.len()]);
        let b = Array1::from_shape_fn(dout, |o| 0.2 * o as f64);
        let x = Array2::from_shape_fn((3, din), |(n, i)| seed[(n * 3 + i * 2) % seed.len()] - 0.1 * n as f64);
        let mut bn = BatchNorm::<f64>::new(BatchNormConfig::bn1d(dout)).unwrap();
        bn.running_mean = Some(Array1::from(rm[..dout].to_vec()));
        bn.running_var = Some(Array1::from(rv[..dout].to_vec()));
        bn.eval();
        let z = x.dot(&w.t()) + &b;
        let (expected, _) = bn.forward(&z.into_dyn()).unwrap();
        let (wf, bf) = bn.fold_into_linear(&w, Some(&b)).unwrap();
        let folded = (x.dot(&wf.t()) + &bf).into_dyn();
        for (p, q) in folded.iter().zip(&expected) {
            prop_assert!((p - q).abs() <= 1e-10 * (1.0 + q.abs()), "{p} vs {q}");
        }
    }
}

/// A plain "valid" 2-D convolution (cross-correlation, stride 1, no padding), as `nn.Conv2d`.
fn conv2d(x: &Array4<f64>, w: &Array4<f64>, b: Option<&Array1<f64>>) -> Array4<f64> {
    let (n, cin, h, wd) = x.dim();
    let (cout, cin2, kh, kw) = w.dim();
    assert_eq!(cin, cin2);
    let (oh, ow) = (h - kh + 1, wd - kw + 1);
    Array4::from_shape_fn((n, cout, oh, ow), |(s, o, i, j)| {
        let mut acc = b.map_or(0.0, |b| b[o]);
        for c in 0..cin {
            for a in 0..kh {
                for d in 0..kw {
                    acc += x[[s, c, i + a, j + d]] * w[[o, c, a, d]];
                }
            }
        }
        acc
    })
}

#[test]
fn fold_needs_running_statistics() {
    let bn = BatchNorm::<f64>::new(BatchNormConfig::new(2).with_track_running_stats(false)).unwrap();
    assert!(bn.fold_into_linear(&Array2::zeros((2, 3)), None).is_err());
    let bn = BatchNorm::<f64>::new(BatchNormConfig::new(2)).unwrap();
    assert!(bn.fold_into_conv(&Array4::zeros((3, 1, 1, 1)), None).is_err()); // 3 output channels, BN has 2
}
