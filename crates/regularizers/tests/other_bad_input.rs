//! Bad input never panics: arbitrary shapes, parameters and values (NaN, ±inf, huge, empty) given to
//! every public function of the weight-decay, dropout and augmentation modules must give an `Err` or a
//! documented result. Where a result is returned for finite input, it is checked to be finite.

use ndarray::{Array1, Array2, ArrayD, IxDyn, arr0};
use proptest::prelude::*;
use regularizers::Rng;
use regularizers::augment::*;
use regularizers::dropout::*;
use regularizers::weight_decay::*;

fn value() -> impl Strategy<Value = f64> {
    prop_oneof![
        4 => -10.0..10.0f64,
        1 => Just(f64::NAN),
        1 => Just(f64::INFINITY),
        1 => Just(f64::NEG_INFINITY),
        1 => Just(1e300),
        1 => Just(-1e300),
        1 => Just(0.0),
        1 => Just(-0.0),
        1 => any::<f64>(),
    ]
}

fn param() -> impl Strategy<Value = f64> {
    prop_oneof![
        3 => -0.5..1.5f64,
        1 => Just(0.0),
        1 => Just(1.0),
        1 => Just(f64::NAN),
        1 => Just(f64::INFINITY),
        1 => Just(-1.0),
        1 => Just(1e300),
        1 => Just(1e-300),
    ]
}

fn index() -> impl Strategy<Value = usize> {
    prop_oneof![4 => 0usize..8, 1 => Just(usize::MAX), 1 => Just(usize::MAX / 2)]
}

fn array() -> impl Strategy<Value = ArrayD<f64>> {
    prop::collection::vec(0usize..4, 0..5).prop_flat_map(|shape| {
        let n: usize = shape.iter().product();
        prop::collection::vec(value(), n).prop_map(move |v| ArrayD::from_shape_vec(IxDyn(&shape), v).unwrap())
    })
}

fn finite(a: &ArrayD<f64>) -> bool {
    a.iter().all(|v| v.is_finite())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn weight_decay_never_panics(w in array(), g in array(), l1 in param(), l2 in param(), lr in param(), m in param(),
                                 d in param(), b1 in param(), b2 in param(), eps in param(), nesterov: bool, ams: bool) {
        let _ = (l1_penalty(&w, l1), l2_penalty(&w, l2), half_l2_penalty(&w, l2), elastic_net_penalty(&w, l1, l2));
        let _ = (l1_grad(&w, l1), l2_grad(&w, l2), half_l2_grad(&w, l2), elastic_net_grad(&w, l1, l2));
        if let Ok(u) = l1_prox(&w, lr, l1) { prop_assert!(finite(&u)); }
        let _ = soft_threshold(&w, l1);
        let mut wm = w.clone();
        if max_norm_constraint(&mut wm, l2).is_ok() { prop_assert!(finite(&wm)); }
        let _ = row_norms(&w);
        let sgd = SgdConfig { lr, momentum: m, dampening: d, nesterov, weight_decay: l2 };
        let mut p = w.clone();
        let mut buf = None;
        for _ in 0..2 {
            if sgd_step(&mut p, &g, &mut buf, &sgd).is_ok() { prop_assert!(finite(&p)); }
        }
        for mode in [WeightDecayMode::CoupledL2, WeightDecayMode::Decoupled] {
            let cfg = AdamConfig { lr, betas: (b1, b2), eps, weight_decay: l2, weight_decay_mode: mode, amsgrad: ams };
            let mut p = w.clone();
            let mut st = AdamState::zeros(p.raw_dim(), ams);
            for _ in 0..2 {
                if adam_step(&mut p, &g, &mut st, &cfg).is_ok() { prop_assert!(finite(&p)); }
            }
            let mut st2 = AdamState::zeros(IxDyn(&[1]), false);
            let _ = adamw_step(&mut p, &g, &mut st2, &cfg);
            if let Ok(mut opt) = Adam::new(cfg) { let _ = opt.step(&mut p, &g); }
        }
        if let Ok(mut opt) = Sgd::new(sgd) { let _ = opt.step(&mut p, &g); }
    }

    #[test]
    fn dropout_never_panics(x in array(), mask in array(), p in param(), n in 0usize..5, c in 0usize..5, t in 0usize..4,
                            scale: bool, training: bool, seed: u64) {
        let mut rng = Rng::seed_from_u64(seed);
        let _ = dropout_train(&x, p, &mut rng);
        let _ = dropout_forward(&x, p, &mut rng);
        let _ = dropout_mask::<f64, _>(x.raw_dim(), p, &mut rng);
        let _ = dropout_mask::<f32, _>(IxDyn(&[usize::MAX, 3]), 0.5, &mut rng);
        let _ = (dropout_with_mask(&x, &mask, p), dropout_backward(&x, &mask, p), dropout_noise(&mask, p), dropout_eval(&x, p));
        let (xs, mut out) = (x.iter().copied().collect::<Vec<_>>(), vec![0.0; mask.len()]);
        let _ = dropout_into(&xs, &mut out, p, &mut rng);
        let _ = dropout_inplace(&mut xs.clone(), p, &mut rng);
        let _ = (classic_dropout_train(&x, p, &mut rng), classic_dropout_eval(&x, p));
        let m2 = Array2::from_elem((n, c), 1.0);
        let _ = (channel_dropout_with_mask(&x, &m2, p), dropout1d(&x, p, &mut rng), dropout2d(&x, p, &mut rng));
        let _ = drop_path(&x, p, training, scale, &mut rng);
        let _ = drop_path_with_mask(&x, &Array1::from_elem(n, 1.0), p, scale);
        let _ = (drop_path_rates(n, p), drop_path_rates_timm(n, p));
        if let Ok(d) = Dropout::new(p) { let _ = d.forward(&x, &mut rng); let _ = d.backward(&x, &mask); }
        let xx = x.clone();
        if let Ok(est) = mc_dropout(t, &mut rng, |r| dropout_train(&xx, p, r)) {
            let _ = est.unbiased_variance();
        }
    }

    #[test]
    fn augment_never_panics(x in array(), z in array(), p in param(), lam in param(), alpha in param(),
                            a in index(), b in index(), c2 in index(), d in index(), k in index(),
                            labels in prop::collection::vec(index(), 0..5), ignore in -200i64..5, red in 0u8..3, seed: u64) {
        let mut rng = Rng::seed_from_u64(seed);
        let _ = (hflip(&x), random_hflip(&x, p, &mut rng), pad_crop(&x, (a, b), c2, d, k), random_crop(&x, (a, b), c2, &mut rng));
        let _ = (cutout_at(&x, a, b, c2), cutout(&x, a, &mut rng));
        let perm: Vec<usize> = labels.iter().map(|&l| l % 7).collect();
        let _ = (one_hot::<f64>(&labels, k), smooth_targets::<f32>(&labels, k, p));
        let _ = (mixup_with_perm(&x, &labels, k, lam, &perm), mixup(&x, &labels, k, alpha, &mut rng));
        let _ = roll_permutation(a % 100, b);
        let _ = (cutmix_box(a, b, lam, c2, d), sample_cutmix_box(a % 100, b % 100, lam, &mut rng));
        let cb = CutBox { y1: a, y2: b, x1: c2, x2: d };
        let _ = (cb.area(), box_mask::<f64>(a, b, &cb), cutmix_with_box(&x, &labels, k, &cb, &perm));
        let _ = cutmix(&x, &labels, k, alpha, &mut rng);
        let reduction = [Reduction::Mean, Reduction::Sum, Reduction::None][red as usize];
        let w = Array1::from_elem(k % 6, 1.0);
        let o = CrossEntropyOptions { weight: (k % 2 == 0).then(|| w.view()), ignore_index: ignore, reduction, label_smoothing: p };
        let classes = z.mapv(|v| if v.is_finite() { v as i64 } else { -1 });
        let reduced = if classes.ndim() > 0 { classes.map_axis(ndarray::Axis(0), |l| l.first().copied().unwrap_or(0)) } else { classes.clone() };
        for t in [Target::classes(&classes), Target::probabilities(&z), Target::classes(&reduced)] {
            let _ = cross_entropy(&x, &t, &o);
            let _ = cross_entropy_backward(&x, &t, &o, &arr0(1.0));
            let _ = cross_entropy_backward(&x, &t, &o, &z);
            if finite(&x) {
                if let Ok(l) = cross_entropy(&x, &t, &o) { prop_assert!(l.iter().all(|v| !v.is_nan())); }
            }
        }
        if let (Ok(z2), Ok(y2)) = (z.clone().into_dimensionality::<ndarray::Ix2>(), x.clone().into_dimensionality::<ndarray::Ix2>()) {
            let _ = mixup_loss(&z2, &y2);
            let _ = mixup_loss_pair(&z2, &labels, &perm, lam);
        }
    }
}
