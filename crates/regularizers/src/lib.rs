//! # regularizers
//!
//! The companion crate of the book *Regularization in Deep Learning / 深度学习中的正则化*.
//! Every regularizer the book discusses is implemented here, forward and backward, on
//! [`ndarray`], generic over `f32` and `f64`, and checked against PyTorch 2.15 golden vectors,
//! finite differences and property tests.
//!
//! The module tree mirrors the book's chapters:
//!
//! | chapter | module |
//! |---|---|
//! | L1, L2 and weight decay | [`weight_decay`] |
//! | Dropout and its variants | [`dropout`] |
//! | BatchNorm | [`batch_norm`] |
//! | LayerNorm and its family | [`layer_norm`] |
//! | Data augmentation | [`augment`] |

#![warn(missing_docs)]

pub mod error;
pub mod float;
pub mod rng;

pub mod augment;
pub mod batch_norm;
pub mod dropout;
pub mod layer_norm;
pub mod weight_decay;

pub use error::{Error, Result};
pub use float::Float;
pub use rng::Rng;
