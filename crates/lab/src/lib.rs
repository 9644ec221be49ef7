//! # lab
//!
//! Experiments for the book's 实验 / Experiments chapter: small networks built from the companion
//! crate's layers ([`regularizers`]), trained on the 8×8 handwritten digits (UCI, via scikit-learn;
//! see `data/SOURCE.md`) and on synthetic data, and the SVG figures that show what each regularizer
//! does to a learning curve.
//!
//! `cargo xtask figures` (or `cargo run --release -p lab --bin experiments`) runs the full suite and
//! writes `src/{zh,en}/figures/exp-*.svg` and `crates/lab/results/summary-{zh,en}.md`. The test
//! `tests/small_suite.rs` runs the same code at a small scale and compares its output byte for byte
//! with `tests/expected/`.
//!
//! Determinism: every random draw comes from a [`regularizers::Rng`] seeded from the run's seed,
//! everything runs on one thread with a fixed summation order, and every number in an output is
//! printed with a fixed number of decimals.

pub mod data;
pub mod experiments;
pub mod nn;
pub mod plot;
pub mod progress;
pub mod train;

pub use experiments::{Scale, SuiteOutput, run_suite};
