//! The 8×8 handwritten digits (UCI "Optical Recognition of Handwritten Digits", as shipped by
//! scikit-learn; see `crates/lab/data/SOURCE.md`) and small synthetic data sets.

use flate2::read::GzDecoder;
use ndarray::Array2;
use regularizers::Rng;
use std::io::Read;

/// The gzipped CSV, embedded at compile time so that the experiments need no file access.
const DIGITS_GZ: &[u8] = include_bytes!("../data/digits.csv.gz");

/// A labelled data set: `x` is `(n, 64)` with pixels scaled to `[0, 1]`, `y` the labels.
#[derive(Debug, Clone)]
pub struct Dataset {
    /// Inputs, one row per example.
    pub x: Array2<f32>,
    /// Class labels.
    pub y: Vec<usize>,
}

impl Dataset {
    /// Number of examples.
    pub fn len(&self) -> usize {
        self.y.len()
    }

    /// True if there are no examples.
    pub fn is_empty(&self) -> bool {
        self.y.is_empty()
    }

    /// The examples at `idx`, in that order.
    pub fn select(&self, idx: &[usize]) -> Dataset {
        let d = self.x.ncols();
        let mut x = Array2::zeros((idx.len(), d));
        for (r, &i) in idx.iter().enumerate() {
            x.row_mut(r).assign(&self.x.row(i));
        }
        Dataset { x, y: idx.iter().map(|&i| self.y[i]).collect() }
    }
}

/// All 1,797 digits, in file order. Pixels are divided by 16.
pub fn digits() -> Dataset {
    let mut text = String::new();
    GzDecoder::new(DIGITS_GZ).read_to_string(&mut text).expect("digits.csv.gz is valid gzip");
    let rows: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let mut x = Array2::zeros((rows.len(), 64));
    let mut y = Vec::with_capacity(rows.len());
    for (r, line) in rows.iter().enumerate() {
        let vals: Vec<u32> = line.split(',').map(|v| v.trim().parse().expect("integer")).collect();
        assert_eq!(vals.len(), 65, "64 pixels and a label per line");
        for c in 0..64 {
            x[[r, c]] = vals[c] as f32 / 16.0;
        }
        y.push(vals[64] as usize);
    }
    Dataset { x, y }
}

/// A uniformly random permutation of `0..n` (Fisher–Yates) from `rng`.
pub fn permutation(n: usize, rng: &mut Rng) -> Vec<usize> {
    let mut p: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        let j = rng.below(i as u64 + 1) as usize;
        p.swap(i, j);
    }
    p
}

/// The fixed split used by every digits experiment: a permutation seeded with [`SPLIT_SEED`];
/// the last [`TEST_SIZE`] images are the test set, the others the pool training sets are drawn from.
pub fn split(all: &Dataset) -> (Dataset, Dataset) {
    let p = permutation(all.len(), &mut Rng::seed_from_u64(SPLIT_SEED));
    let cut = all.len() - TEST_SIZE;
    (all.select(&p[..cut]), all.select(&p[cut..]))
}

/// Seed of the train/test split.
pub const SPLIT_SEED: u64 = 20_260_101;
/// Images in the test set (the remaining 1,000 form the training pool).
pub const TEST_SIZE: usize = 797;

/// Shifts each 8×8 image by a random offset in {−1, 0, 1}² (zero padding), through
/// [`regularizers::augment::random_crop`] with padding 1.
pub fn shift_augment(x: &Array2<f32>, rng: &mut Rng) -> Array2<f32> {
    let mut out = Array2::zeros(x.raw_dim());
    for (r, row) in x.rows().into_iter().enumerate() {
        let img = row.to_owned().into_shape_with_order((1, 8, 8)).expect("64 pixels");
        let (y, _) = regularizers::augment::random_crop(&img, (8, 8), 1, rng).expect("valid crop");
        out.row_mut(r).assign(&ndarray::ArrayView1::from(y.as_slice().expect("contiguous")));
    }
    out
}
