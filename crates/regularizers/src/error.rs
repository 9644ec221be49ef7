//! One error type for the whole crate.
//!
//! Every public function that can be handed bad input returns [`Result<T>`]. The message says what was
//! wrong *and* what is allowed, because the reader of the message is usually someone comparing our
//! behaviour with PyTorch's. We also reject inputs that PyTorch silently mishandles (for example
//! `p = 1` in inverted dropout, which divides by zero, or `eps <= 0`, which divides by zero for a
//! constant input).

use std::fmt;

/// Everything that can go wrong in this crate.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Error {
    /// A probability-like parameter is outside its allowed range (or NaN).
    InvalidProbability {
        /// Parameter name, e.g. `"p"` or `"drop_prob"`.
        name: &'static str,
        /// The value given.
        value: f64,
        /// The allowed range in words, e.g. `"0 <= p < 1"`.
        allowed: &'static str,
    },
    /// A scalar hyper-parameter is out of range (eps <= 0, negative learning rate, NaN momentum, ...).
    InvalidParameter {
        /// Parameter name.
        name: &'static str,
        /// The value given.
        value: f64,
        /// What is allowed, in words.
        allowed: &'static str,
    },
    /// Two shapes that must agree do not.
    ShapeMismatch {
        /// What was being checked, e.g. `"weight vs normalized_shape"`.
        what: String,
        /// The shape that was expected.
        expected: Vec<usize>,
        /// The shape that was given.
        got: Vec<usize>,
    },
    /// An input has the wrong number of dimensions or an unsupported layout.
    InvalidShape {
        /// What was being checked.
        what: String,
        /// The shape that was given.
        got: Vec<usize>,
        /// What is allowed, in words.
        allowed: String,
    },
    /// The input has no elements where at least one is needed.
    EmptyInput {
        /// Which input.
        what: &'static str,
    },
    /// BatchNorm in training mode needs at least two values per channel to estimate a variance.
    TooFewValuesPerChannel {
        /// The input shape.
        shape: Vec<usize>,
    },
    /// A value that must be finite is NaN or infinite.
    NonFinite {
        /// Which input.
        what: &'static str,
    },
    /// Anything else, with a message that says what is wrong and what is allowed.
    Invalid(String),
}

/// Shorthand for `std::result::Result<T, regularizers::Error>`.
pub type Result<T> = std::result::Result<T, Error>;

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::InvalidProbability { name, value, allowed } => {
                write!(f, "invalid probability {name} = {value}: allowed is {allowed}")
            }
            Error::InvalidParameter { name, value, allowed } => {
                write!(f, "invalid parameter {name} = {value}: allowed is {allowed}")
            }
            Error::ShapeMismatch { what, expected, got } => {
                write!(f, "shape mismatch in {what}: expected {expected:?}, got {got:?}")
            }
            Error::InvalidShape { what, got, allowed } => {
                write!(f, "invalid shape for {what}: got {got:?}, allowed is {allowed}")
            }
            Error::EmptyInput { what } => write!(f, "empty input: {what} has no elements, at least one is needed"),
            Error::TooFewValuesPerChannel { shape } => write!(
                f,
                "expected more than 1 value per channel when training, got input of shape {shape:?}: \
                 the batch variance of a single value is undefined"
            ),
            Error::NonFinite { what } => write!(f, "{what} contains NaN or infinity; only finite values are allowed"),
            Error::Invalid(msg) => f.write_str(msg),
        }
    }
}

impl std::error::Error for Error {}

/// Checks `0 <= value <= hi_inclusive` (when `hi_closed`) or `0 <= value < hi` and returns a typed error otherwise.
pub(crate) fn check_probability(name: &'static str, value: f64, hi_closed: bool, allowed: &'static str) -> Result<()> {
    let ok = value >= 0.0 && if hi_closed { value <= 1.0 } else { value < 1.0 };
    if ok {
        Ok(())
    } else {
        Err(Error::InvalidProbability { name, value, allowed })
    }
}

/// Checks that `eps` is finite and strictly positive.
pub(crate) fn check_eps(value: f64) -> Result<()> {
    if value.is_finite() && value > 0.0 {
        Ok(())
    } else {
        Err(Error::InvalidParameter { name: "eps", value, allowed: "a finite eps > 0" })
    }
}
