//! Dropout and its relatives: inverted dropout (what every framework does), classic dropout (the
//! original paper's test-time scaling), channel dropout (`Dropout1d` / `Dropout2d`), DropPath
//! (stochastic depth) and MC Dropout.
//!
//! Masks here are 1 = keep, 0 = drop; a unit is kept with probability `1 − p`.
//! Every random function draws from a seeded [`Rng`](crate::Rng), so results reproduce from the seed
//! (they do not reproduce PyTorch's masks: for bit-exact comparisons pass PyTorch's mask to
//! [`dropout_with_mask`]).
//!
//! Fastest training forward: [`dropout_into`] (slices, no mask materialised); [`dropout_forward`]
//! uses the same random decisions and also returns the mask.

mod channel;
mod classic;
mod drop_path;
mod fast;
mod inverted;
mod mc;

pub use channel::{channel_dropout_with_mask, dropout1d, dropout2d};
pub use classic::{classic_dropout_eval, classic_dropout_train};
pub use drop_path::{drop_path, drop_path_rates, drop_path_rates_timm, drop_path_with_mask};
pub use fast::{dropout_inplace, dropout_into, dropout_train};
pub use inverted::{
    Dropout, dropout_backward, dropout_eval, dropout_forward, dropout_mask, dropout_noise, dropout_with_mask,
};
pub use mc::{McEstimate, mc_dropout};

use crate::error::{Result, check_probability};

/// Inverted dropout's `p` must satisfy `0 <= p < 1` (`p = 1` would divide by `1 − p = 0`).
pub(crate) fn check_p(p: f64) -> Result<()> {
    check_probability("p", p, false, "0 <= p < 1 (dropout probability; p = 1 would divide by 1 - p = 0)")
}
