//! Properties of the augmentations and finite-difference checks (f64) of the label-smoothing
//! cross-entropy gradient (all reductions, class weights, ignore_index, K-dim, probability targets)
//! and of the mixup loss.

use ndarray::{Array1, Array2, Array3, Array4, ArrayD, IxDyn, arr0};
use proptest::prelude::*;
use regularizers::Rng;
use regularizers::augment::*;

fn ce_value(z: &ArrayD<f64>, t: &Target<f64>, o: &CrossEntropyOptions<f64>, g: &ArrayD<f64>) -> f64 {
    // The scalar whose gradient cross_entropy_backward computes: Σ loss · grad_output.
    let l = cross_entropy(z, t, o).unwrap();
    (&l * g).sum()
}

fn check_ce_grad(
    z: &ArrayD<f64>,
    t: &Target<f64>,
    o: &CrossEntropyOptions<f64>,
    g: &ArrayD<f64>,
) -> Result<(), TestCaseError> {
    let grad = cross_entropy_backward(z, t, o, g).unwrap();
    let h = 1e-6;
    for idx in 0..z.len() {
        let (mut a, mut b) = (z.clone(), z.clone());
        a.as_slice_mut().unwrap()[idx] += h;
        b.as_slice_mut().unwrap()[idx] -= h;
        let num = (ce_value(&a, t, o, g) - ce_value(&b, t, o, g)) / (2.0 * h);
        let an = grad.as_slice().unwrap()[idx];
        prop_assert!((num - an).abs() <= 1e-6 * (1.0 + an.abs()), "index {idx}: fd {num} vs analytic {an}");
    }
    Ok(())
}

fn reduction() -> impl Strategy<Value = Reduction> {
    prop_oneof![Just(Reduction::Mean), Just(Reduction::Sum), Just(Reduction::None)]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// Class-index targets, with optional weights, ignored positions and spatial dims.
    #[test]
    fn ce_class_gradient_matches_finite_differences(
        n in 1usize..4, c in 2usize..5, d in 0usize..3, eps in 0.0..=1.0f64, red in reduction(),
        weighted in any::<bool>(), seed: u64,
    ) {
        let mut rng = Rng::seed_from_u64(seed);
        let mut shape = vec![n, c];
        let mut tshape = vec![n];
        if d > 0 { shape.push(d); tshape.push(d); }
        let z = ArrayD::from_shape_fn(IxDyn(&shape), |_| 3.0 * rng.normal());
        let mut y = ArrayD::from_shape_fn(IxDyn(&tshape), |_| rng.below(c as u64) as i64);
        // Ignore one position when there are several (keep at least one for the mean).
        if y.len() > 1 { y.as_slice_mut().unwrap()[0] = -100; }
        let w = Array1::from_shape_fn(c, |_| 0.2 + rng.uniform());
        let o = CrossEntropyOptions { weight: weighted.then(|| w.view()), reduction: red, label_smoothing: eps, ..Default::default() };
        let g = if red == Reduction::None { ArrayD::from_shape_fn(IxDyn(&tshape), |_| rng.normal()) } else { arr0(rng.normal()).into_dyn() };
        check_ce_grad(&z, &Target::classes(&y), &o, &g)?;
    }

    /// Probability targets.
    #[test]
    fn ce_probability_gradient_matches_finite_differences(n in 1usize..4, c in 2usize..5, eps in 0.0..=1.0f64, red in reduction(), seed: u64) {
        let mut rng = Rng::seed_from_u64(seed);
        let z = ArrayD::from_shape_fn(IxDyn(&[n, c]), |_| 2.0 * rng.normal());
        let mut t = Array2::from_shape_fn((n, c), |_| rng.uniform());
        for mut r in t.rows_mut() { let s = r.sum(); r.mapv_inplace(|v| v / s); }
        let t = t.into_dyn();
        let o = CrossEntropyOptions { reduction: red, label_smoothing: eps, ..Default::default() };
        let g = if red == Reduction::None { ArrayD::from_shape_fn(IxDyn(&[n]), |_| rng.normal()) } else { arr0(1.0).into_dyn() };
        check_ce_grad(&z, &Target::probabilities(&t), &o, &g)?;
    }

    /// Smoothed targets are a probability distribution: non-negative, summing to 1.
    #[test]
    fn smoothed_targets_sum_to_one(labels in prop::collection::vec(0usize..7, 1..20), eps in 0.0..=1.0f64) {
        let q = smooth_targets::<f64>(&labels, 7, eps).unwrap();
        for r in q.rows() {
            prop_assert!((r.sum() - 1.0).abs() < 1e-12);
            prop_assert!(r.iter().all(|&v| v >= 0.0));
        }
    }

    /// mixup output is a convex combination of the two partners, and its targets sum to 1.
    #[test]
    fn mixup_is_a_convex_combination(n in 1usize..6, f in 1usize..5, alpha in 0.05..5.0f64, seed: u64) {
        let mut rng = Rng::seed_from_u64(seed);
        let x = Array2::from_shape_fn((n, f), |_| 10.0 * rng.normal());
        let labels: Vec<usize> = (0..n).map(|i| i % 3).collect();
        let m = mixup(&x, &labels, 3, alpha, &mut rng).unwrap();
        prop_assert!((0.0..=1.0).contains(&m.lam));
        for i in 0..n {
            let j = m.perm[i];
            for k in 0..f {
                let (a, b) = (x[[i, k]], x[[j, k]]);
                let v = m.x[[i, k]];
                prop_assert!(v >= a.min(b) - 1e-12 && v <= a.max(b) + 1e-12);
                prop_assert!((v - (m.lam * a + (1.0 - m.lam) * b)).abs() <= 1e-12 * (1.0 + a.abs() + b.abs()));
            }
            prop_assert!((m.y.row(i).sum() - 1.0).abs() < 1e-12);
        }
    }

    /// The mixup loss gradient matches finite differences, and both loss forms agree.
    #[test]
    fn mixup_loss_gradient(n in 1usize..5, lam in 0.0..=1.0f64, seed: u64) {
        let mut rng = Rng::seed_from_u64(seed);
        let z = Array2::from_shape_fn((n, 3), |_| 2.0 * rng.normal());
        let labels: Vec<usize> = (0..n).map(|_| rng.below(3) as usize).collect();
        let perm = random_permutation(n, &mut rng);
        let m = mixup_with_perm(&Array2::<f64>::zeros((n, 1)), &labels, 3, lam, &perm).unwrap();
        let (loss, g) = mixup_loss(&z, &m.y).unwrap();
        prop_assert!((loss - mixup_loss_pair(&z, &labels, &perm, lam).unwrap()).abs() < 1e-12);
        let h = 1e-6;
        for i in 0..n { for k in 0..3 {
            let (mut a, mut b) = (z.clone(), z.clone());
            a[[i, k]] += h; b[[i, k]] -= h;
            let num = (mixup_loss(&a, &m.y).unwrap().0 - mixup_loss(&b, &m.y).unwrap().0) / (2.0 * h);
            prop_assert!((num - g[[i, k]]).abs() <= 1e-6 * (1.0 + g[[i, k]].abs()));
        }}
    }

    /// CutMix: the box lies inside the image, λ is corrected to the pasted area, pixels come from one
    /// of the two partners according to the box.
    #[test]
    fn cutmix_box_and_lambda(h in 1usize..12, w in 1usize..12, alpha in 0.1..3.0f64, seed: u64) {
        let mut rng = Rng::seed_from_u64(seed);
        let x = Array4::from_shape_fn((3, 1, h, w), |(n, _, i, j)| (n * 1000 + i * 10 + j) as f64);
        let m = cutmix(&x, &[0, 1, 2], 3, alpha, &mut rng).unwrap();
        let b = m.cut.unwrap();
        prop_assert!(b.y2 <= h && b.x2 <= w && b.y1 <= b.y2 && b.x1 <= b.x2);
        prop_assert_eq!(m.lam, 1.0 - b.area() as f64 / (h * w) as f64);
        let mask = box_mask::<f64>(h, w, &b).unwrap();
        for n in 0..3 { for i in 0..h { for j in 0..w {
            let src = if mask[[i, j]] == 1.0 { m.perm[n] } else { n };
            prop_assert_eq!(m.x[[n, 0, i, j]], x[[src, 0, i, j]]);
        }}}
        for r in m.y.rows() { prop_assert!((r.sum() - 1.0).abs() < 1e-12); }
    }

    /// Flip is an involution; a full-size crop with no padding is the identity; a padded crop keeps the
    /// image pixels in place and zeros elsewhere.
    #[test]
    fn flip_and_crop(c in 1usize..3, h in 1usize..8, w in 1usize..8, pad in 0usize..4, seed: u64) {
        let x = Array3::from_shape_fn((c, h, w), |(a, i, j)| 1.0 + (a * 100 + i * 10 + j) as f64);
        prop_assert_eq!(hflip(&hflip(&x).unwrap()).unwrap(), x.clone());
        prop_assert_eq!(pad_crop(&x, (h, w), 0, 0, 0).unwrap(), x.clone());
        let (y, (top, left)) = random_crop(&x, (h, w), pad, &mut Rng::seed_from_u64(seed)).unwrap();
        for a in 0..c { for i in 0..h { for j in 0..w {
            let (si, sj) = ((top + i) as isize - pad as isize, (left + j) as isize - pad as isize);
            let want = if si >= 0 && sj >= 0 && (si as usize) < h && (sj as usize) < w { x[[a, si as usize, sj as usize]] } else { 0.0 };
            prop_assert_eq!(y[[a, i, j]], want);
        }}}
    }

    /// Cutout zeroes exactly its (clipped) box in every channel.
    #[test]
    fn cutout_zeroes_its_box(h in 1usize..10, w in 1usize..10, size in 0usize..8, seed: u64) {
        let x = Array3::<f64>::ones((2, h, w));
        let (y, boxes) = cutout(&x, size, &mut Rng::seed_from_u64(seed)).unwrap();
        let b = boxes[0];
        prop_assert!(b.y2 - b.y1 <= size && b.x2 - b.x1 <= size);
        prop_assert_eq!(y.iter().filter(|&&v| v == 0.0).count(), 2 * b.area());
    }
}

#[test]
fn label_smoothing_errors_and_quirks() {
    let z = Array2::<f64>::zeros((2, 3));
    let y = Array1::from(vec![0_i64, 5]);
    let o = CrossEntropyOptions::<f64>::default();
    assert!(cross_entropy(&z, &Target::classes(&y), &o).is_err()); // class 5 out of range
    let all_ignored = Array1::from(vec![-100_i64, -100]);
    assert!(cross_entropy(&z, &Target::classes(&all_ignored), &o).is_err()); // mean over nothing
    let sum = CrossEntropyOptions::<f64> { reduction: Reduction::Sum, ..Default::default() };
    assert_eq!(cross_entropy(&z, &Target::classes(&all_ignored), &sum).unwrap()[[]], 0.0);
    let neg = CrossEntropyOptions::<f64> { label_smoothing: -0.1, ..Default::default() };
    assert!(cross_entropy(&z, &Target::classes(&Array1::from(vec![0_i64, 1])), &neg).is_err());
}
