//! Data augmentation and label-side regularizers: horizontal flip, random crop with zero padding,
//! Cutout, mixup, CutMix, and cross-entropy with label smoothing (PyTorch semantics, with gradient).
//!
//! Images are `(C, H, W)` or batches `(N, C, H, W)`, row-major. Class labels are `usize` (mixup/CutMix)
//! or `i64` (cross-entropy, where `ignore_index` may be negative, as in PyTorch).

mod cutmix;
mod geometric;
mod label_smoothing;
mod mixup;

pub use cutmix::{CutBox, box_mask, cutmix, cutmix_box, cutmix_with_box, sample_cutmix_box};
pub use geometric::{cutout, cutout_at, hflip, pad_crop, random_crop, random_hflip};
pub use label_smoothing::{
    CrossEntropyOptions, Reduction, Target, cross_entropy, cross_entropy_backward, smooth_targets,
};
pub use mixup::{
    Mixed, mixup, mixup_loss, mixup_loss_pair, mixup_with_perm, one_hot, random_permutation, roll_permutation,
};

use crate::error::{Error, Result};

/// Images must be `(C, H, W)` or `(N, C, H, W)`.
pub(crate) fn check_image_ndim(what: &str, shape: &[usize]) -> Result<()> {
    if shape.len() == 3 || shape.len() == 4 {
        Ok(())
    } else {
        Err(Error::InvalidShape { what: what.into(), got: shape.to_vec(), allowed: "(C, H, W) or (N, C, H, W)".into() })
    }
}
