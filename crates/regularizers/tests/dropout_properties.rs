//! Statistical and structural properties of the dropout family.
//!
//! The statistical checks use Hoeffding's inequality, not a normal approximation, so their false-alarm
//! rate is *guaranteed*: for independent bounded terms, P(|S − E S| ≥ t) ≤ 2·exp(−2t²/Σ(range_i)²).
//! Every check sets t so that this bound is δ = 1e-6 per proptest case; with 64 cases per property the
//! whole file false-alarms with probability below 1e-4 per run, even before counting that proptest's
//! inputs are themselves seeded and so each run is actually deterministic.

use ndarray::{Array1, Array2, Array3, Array4, ArrayD, IxDyn};
use proptest::prelude::*;
use regularizers::Rng;
use regularizers::dropout::*;

/// Per-case false-alarm probability of every statistical check.
const DELTA: f64 = 1e-6;

/// Hoeffding half-width for a sum of independent terms with the given squared ranges.
fn hoeffding_t(sum_sq_ranges: f64) -> f64 {
    ((2.0 / DELTA).ln() / 2.0 * sum_sq_ranges).sqrt()
}

fn values(n: std::ops::Range<usize>) -> impl Strategy<Value = Vec<f64>> {
    prop::collection::vec(prop_oneof![-10.0..-0.1f64, 0.1..10.0f64], n)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Inverted dropout preserves the expectation: Σ y_i − Σ x_i is within the Hoeffding bound
    /// (term i lies in [min(0, x_i/(1−p)), max(0, x_i/(1−p))], range |x_i|/(1−p)).
    #[test]
    fn inverted_dropout_preserves_the_expectation(x in values(500..3000), p in 0.0..0.95f64, seed: u64) {
        let x = Array1::from(x);
        let y = dropout_train(&x, p, &mut Rng::seed_from_u64(seed)).unwrap();
        let ranges: f64 = x.iter().map(|v| (v / (1.0 - p)).powi(2)).sum();
        let dev = (y.sum() - x.sum()).abs();
        prop_assert!(dev <= hoeffding_t(ranges), "deviation {dev} > bound {}", hoeffding_t(ranges));
    }

    /// The number of dropped units is Binomial(n, p): within the Hoeffding bound (ranges 1).
    #[test]
    fn dropout_drops_at_rate_p(n in 1000usize..20_000, p in 0.0..1.0f64, seed: u64) {
        let m = dropout_mask::<f32, _>(ndarray::Ix1(n), p, &mut Rng::seed_from_u64(seed)).unwrap();
        let dropped = m.iter().filter(|&&k| k == 0.0).count() as f64;
        prop_assert!((dropped - n as f64 * p).abs() <= hoeffding_t(n as f64) + 1.0);
    }

    /// Eval mode is the identity, bit for bit (signed zeros included).
    #[test]
    fn eval_dropout_is_the_identity(x in prop::collection::vec(any::<f64>().prop_filter("finite", |v| v.is_finite()), 0..200), p in 0.0..1.0f64) {
        let x = Array1::from(x);
        let mut d = Dropout::new(p).unwrap();
        d.eval();
        let (y, mask) = d.forward(&x, &mut Rng::seed_from_u64(0)).unwrap();
        prop_assert!(mask.is_none());
        prop_assert!(y.iter().zip(&x).all(|(a, b)| a.to_bits() == b.to_bits()));
        let e = dropout_eval(&x, p).unwrap();
        prop_assert!(e.iter().zip(&x).all(|(a, b)| a.to_bits() == b.to_bits()));
    }

    /// The fast kernel, the array version and the mask version take the same decisions for the same seed,
    /// and every output is x·0 or x·fl(1/(1−p)); replaying the seed gives the backward.
    #[test]
    fn fast_and_masked_paths_agree(x in prop::collection::vec(-5.0f32..5.0, 0..700), p in 0.0..1.0f64, seed: u64) {
        let x = Array1::from(x);
        let (y, m) = dropout_forward(&x, p, &mut Rng::seed_from_u64(seed)).unwrap();
        let y2 = dropout_train(&x, p, &mut Rng::seed_from_u64(seed)).unwrap();
        let mut y3 = vec![0.0f32; x.len()];
        dropout_into(x.as_slice().unwrap(), &mut y3, p, &mut Rng::seed_from_u64(seed)).unwrap();
        let mut y4 = x.to_vec();
        dropout_inplace(&mut y4, p, &mut Rng::seed_from_u64(seed)).unwrap();
        let scale = 1.0f32 / (1.0 - p) as f32;
        for i in 0..x.len() {
            prop_assert_eq!(y[i].to_bits(), y2[i].to_bits());
            prop_assert_eq!(y[i].to_bits(), y3[i].to_bits());
            prop_assert_eq!(y[i].to_bits(), y4[i].to_bits());
            let want = if m[i] == 1.0 { x[i] * scale } else { x[i] * 0.0 };
            prop_assert_eq!(y[i].to_bits(), want.to_bits());
        }
        let g = Array1::from_elem(x.len(), 1.5f32);
        let gx = dropout_backward(&g, &m, p).unwrap();
        let replay = dropout_train(&g, p, &mut Rng::seed_from_u64(seed)).unwrap();
        prop_assert_eq!(gx, replay);
    }

    /// Non-contiguous input: decisions are still taken in row-major order.
    #[test]
    fn layout_does_not_change_decisions(rows in 1usize..20, cols in 1usize..20, p in 0.0..1.0f64, seed: u64) {
        let x = Array2::from_shape_fn((cols, rows), |(i, j)| (i * rows + j) as f64 + 1.0);
        let t = x.t(); // a transposed (column-major) view
        let a = dropout_train(&t, p, &mut Rng::seed_from_u64(seed)).unwrap();
        let b = dropout_train(&t.as_standard_layout(), p, &mut Rng::seed_from_u64(seed)).unwrap();
        prop_assert_eq!(a, b);
    }

    /// DropPath zeroes whole samples and scales the kept ones by 1/(1−p).
    #[test]
    fn drop_path_zeroes_whole_samples(n in 1usize..16, f in 1usize..10, p in 0.0..=1.0f64, scale in any::<bool>(), seed: u64) {
        let x = Array3::from_shape_fn((n, f, 2), |(a, b, c)| 1.0 + (a + b + c) as f64);
        let (y, keep) = drop_path(&x, p, true, scale, &mut Rng::seed_from_u64(seed)).unwrap();
        let div = if scale && p < 1.0 { 1.0 - p } else { 1.0 };
        for i in 0..n {
            let (ys, xs) = (y.index_axis(ndarray::Axis(0), i), x.index_axis(ndarray::Axis(0), i));
            if keep[i] == 0.0 {
                prop_assert!(ys.iter().all(|&v| v == 0.0));
            } else {
                prop_assert!(ys.iter().zip(xs.iter()).all(|(&a, &b)| a == b * (1.0 / div) || a == b / div));
            }
        }
        // Inference (or p = 0) is the identity.
        prop_assert_eq!(drop_path(&x, p, false, scale, &mut Rng::seed_from_u64(seed)).unwrap().0, x.clone());
    }

    /// Dropout2d drops whole channels.
    #[test]
    fn dropout2d_drops_whole_channels(n in 1usize..4, c in 1usize..6, p in 0.0..1.0f64, seed: u64) {
        let x = Array4::<f64>::from_elem((n, c, 3, 2), 1.0);
        let (y, m) = dropout2d(&x, p, &mut Rng::seed_from_u64(seed)).unwrap();
        for ((i, j), &k) in m.indexed_iter() {
            let want = if k == 1.0 { 1.0 / (1.0 - p) } else { 0.0 };
            prop_assert!(y.slice(ndarray::s![i, j, .., ..]).iter().all(|&v| v == want));
        }
    }

    /// The linear decay rule: p_l = l/L · p_L, increasing, ending at p_L.
    #[test]
    fn drop_path_rates_are_linear(l in 1usize..50, p in 0.0..=1.0f64) {
        let r = drop_path_rates(l, p).unwrap();
        prop_assert_eq!(r.len(), l);
        prop_assert!((r[l - 1] - p).abs() < 1e-15);
        prop_assert!(r.windows(2).all(|w| w[0] <= w[1]));
        let t = drop_path_rates_timm(l, p).unwrap();
        prop_assert_eq!(t[0], 0.0);
    }
}

/// A large fixed-seed sample: the rate and the mean are close to their expectations (a deterministic
/// check with more power than the proptest bounds: 4 standard deviations at n = 10⁶).
#[test]
fn large_sample_rate_and_mean() {
    let n = 1_000_000;
    for &p in &[0.1, 0.5, 0.9] {
        let x = ArrayD::<f64>::ones(IxDyn(&[n]));
        let (y, m) = dropout_forward(&x, p, &mut Rng::seed_from_u64(12345)).unwrap();
        let kept = m.sum() / n as f64;
        let sd = (p * (1.0 - p) / n as f64).sqrt();
        assert!((kept - (1.0 - p)).abs() < 4.0 * sd, "p = {p}: kept {kept}");
        let sd_mean = (p / (1.0 - p) / n as f64).sqrt();
        assert!((y.mean().unwrap() - 1.0).abs() < 4.0 * sd_mean);
    }
}

/// Classic dropout has the same expectation at train and test time; p = 1 is allowed there.
#[test]
fn classic_dropout_matches_its_inference_scaling() {
    let x = Array1::<f64>::from_elem(200_000, 2.0);
    let (y, _) = classic_dropout_train(&x, 0.3, &mut Rng::seed_from_u64(1)).unwrap();
    let e = classic_dropout_eval(&x, 0.3).unwrap();
    assert!((y.mean().unwrap() - e[0]).abs() < 0.01);
    assert!(classic_dropout_train(&x, 1.0, &mut Rng::seed_from_u64(1)).unwrap().0.iter().all(|&v| v == 0.0));
}

/// MC dropout: the mean converges to the deterministic output, the variance is p/(1−p)·x² per element
/// (biased estimator), and the unbiased one is T/(T−1) times it.
#[test]
fn mc_dropout_mean_and_variance() {
    let x = Array1::from(vec![1.0_f64, -2.0, 3.0]);
    let t = 20_000;
    let est = mc_dropout(t, &mut Rng::seed_from_u64(7), |rng| dropout_train(&x, 0.25, rng)).unwrap();
    for i in 0..3 {
        let var = 0.25 / 0.75 * x[i] * x[i];
        assert!((est.mean[i] - x[i]).abs() < 5.0 * (var / t as f64).sqrt());
        assert!((est.variance[i] - var).abs() < 0.05 * var);
    }
    let ub = est.unbiased_variance().unwrap();
    assert!((ub[0] / est.variance[0] - t as f64 / (t as f64 - 1.0)).abs() < 1e-12);
    assert!(mc_dropout(0, &mut Rng::seed_from_u64(0), |rng| dropout_train(&x, 0.5, rng)).is_err());
    let mut k = 0;
    let bad = mc_dropout(3, &mut Rng::seed_from_u64(0), |_| {
        k += 1;
        Ok(Array1::<f64>::zeros(k))
    });
    assert!(bad.is_err());
}
