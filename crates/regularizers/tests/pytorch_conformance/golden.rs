//! Loading golden JSON files and comparing tensors.

use ndarray::{ArrayD, IxDyn};
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;

/// A tensor as stored in the golden files.
#[derive(Debug, Clone, Deserialize)]
pub struct Tensor {
    pub shape: Vec<usize>,
    pub dtype: String,
    pub data: Vec<f64>,
}

impl Tensor {
    /// As an f64 array (exact for float32 data, which is stored as the exact decimal of the f32).
    pub fn f64(&self) -> ArrayD<f64> {
        ArrayD::from_shape_vec(IxDyn(&self.shape), self.data.clone()).expect("golden tensor shape/data mismatch")
    }
    /// The single value of a scalar tensor.
    pub fn scalar(&self) -> f64 {
        assert_eq!(self.data.len(), 1, "not a scalar");
        self.data[0]
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct Case {
    pub name: String,
    pub op: String,
    pub dtype: String,
    #[serde(default)]
    pub params: Value,
    #[serde(default)]
    pub inputs: BTreeMap<String, Tensor>,
    #[serde(default)]
    pub expected: BTreeMap<String, Tensor>,
    #[serde(default)]
    pub expected_f64_reference: Option<BTreeMap<String, Tensor>>,
    #[serde(default)]
    pub f32_vs_f64_reference: Option<Value>,
    #[serde(default)]
    pub notes: Option<Value>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ErrorCase {
    pub name: String,
    pub call: String,
    pub exception_type: String,
    pub message: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct GoldenFile {
    pub meta: Value,
    #[serde(default)]
    pub cases: Vec<Case>,
    #[serde(default)]
    pub errors: Vec<ErrorCase>,
}

impl GoldenFile {
    pub fn load(path: &Path) -> GoldenFile {
        let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
        let g: GoldenFile = serde_json::from_str(&text).unwrap_or_else(|e| panic!("parse {}: {e}", path.display()));
        // The schema this runner reads (README beside the files): refuse a file of another format
        // rather than misread it.
        let version = g.meta.get("format_version").and_then(Value::as_u64);
        assert_eq!(version, Some(1), "{}: format_version {version:?}, this runner reads format 1", path.display());
        g
    }
}

impl Case {
    pub fn input(&self, name: &str) -> &Tensor {
        self.inputs.get(name).unwrap_or_else(|| panic!("case {}: no input {name}", self.name))
    }
    pub fn expect(&self, name: &str) -> &Tensor {
        self.expected.get(name).unwrap_or_else(|| panic!("case {}: no expected {name}", self.name))
    }
    pub fn param(&self, name: &str) -> &Value {
        self.params.get(name).unwrap_or(&Value::Null)
    }
    pub fn param_f64(&self, name: &str) -> Option<f64> {
        self.param(name).as_f64()
    }
    pub fn param_bool(&self, name: &str, default: bool) -> bool {
        self.param(name).as_bool().unwrap_or(default)
    }
    pub fn is_f32(&self) -> bool {
        self.dtype == "float32"
    }
}

/// The result of running one case.
#[derive(Debug)]
pub enum Outcome {
    Pass,
    Fail(Vec<String>),
}

impl Outcome {
    pub fn fail(msg: impl Into<String>) -> Outcome {
        Outcome::Fail(vec![msg.into()])
    }
}

/// Collects comparisons for one case; `finish` turns them into an [`Outcome`].
#[derive(Default)]
pub struct Checker {
    pub failures: Vec<String>,
    pub compared: usize,
}

impl Checker {
    /// Compares `got` with `want` elementwise: |got - want| <= atol + rtol * |want|; shapes must match.
    pub fn close(&mut self, what: &str, got: &[f64], got_shape: &[usize], want: &Tensor, rtol: f64, atol: f64) {
        self.compared += 1;
        if got_shape != want.shape.as_slice() {
            self.failures.push(format!("{what}: shape {got_shape:?} != expected {:?}", want.shape));
            return;
        }
        let mut worst: Option<(usize, f64, f64)> = None;
        let mut worst_excess = 0.0;
        for (i, (&g, &w)) in got.iter().zip(&want.data).enumerate() {
            let tol = atol + rtol * w.abs();
            let d = (g - w).abs();
            if !(d <= tol) {
                let excess = if d.is_nan() { f64::INFINITY } else { d - tol };
                if worst.is_none() || excess > worst_excess {
                    worst = Some((i, g, w));
                    worst_excess = excess;
                }
            }
        }
        if let Some((i, g, w)) = worst {
            self.failures.push(format!("{what}[{i}]: got {g:e}, expected {w:e} (rtol {rtol:e}, atol {atol:e})"));
        }
    }

    /// Compares an ndarray (any float type convertible to f64) with the expected tensor using the
    /// suggested tolerance of the tensor's dtype (float64: rtol 1e-10, atol 1e-12; float32: rtol 1e-4, atol 1e-5).
    pub fn array<A: Copy + Into<f64>>(&mut self, what: &str, got: &ArrayD<A>, want: &Tensor) {
        let (rtol, atol) = default_tol(&want.dtype);
        let v: Vec<f64> = got.iter().map(|&x| x.into()).collect();
        self.close(what, &v, got.shape(), want, rtol, atol);
    }

    /// Like [`Checker::array`] with explicit tolerances.
    pub fn array_tol<A: Copy + Into<f64>>(&mut self, what: &str, got: &ArrayD<A>, want: &Tensor, rtol: f64, atol: f64) {
        let v: Vec<f64> = got.iter().map(|&x| x.into()).collect();
        self.close(what, &v, got.shape(), want, rtol, atol);
    }

    /// Bitwise equality including the sign of zero (for dropout's signed zeros, integer outputs, masks).
    pub fn exact<A: Copy + Into<f64>>(&mut self, what: &str, got: &ArrayD<A>, want: &Tensor) {
        self.compared += 1;
        if got.shape() != want.shape.as_slice() {
            self.failures.push(format!("{what}: shape {:?} != expected {:?}", got.shape(), want.shape));
            return;
        }
        for (i, (&g, &w)) in got.iter().zip(&want.data).enumerate() {
            let g: f64 = g.into();
            if g.to_bits() != w.to_bits() {
                self.failures.push(format!("{what}[{i}]: got {g:e}, expected exactly {w:e}"));
                return;
            }
        }
    }

    pub fn fail(&mut self, msg: impl Into<String>) {
        self.failures.push(msg.into());
    }

    pub fn finish(self) -> Outcome {
        if self.failures.is_empty() {
            if self.compared == 0 { Outcome::fail("the runner compared nothing for this case") } else { Outcome::Pass }
        } else {
            Outcome::Fail(self.failures)
        }
    }
}

pub fn default_tol(dtype: &str) -> (f64, f64) {
    match dtype {
        "float32" => (1e-4, 1e-5),
        _ => (1e-10, 1e-12),
    }
}

/// For an error case: passes when `result` is an `Err`, and its message mentions each of `needles`
/// (case-insensitive), so the check is about the right condition, not just any error.
pub fn expect_err<T: std::fmt::Debug>(result: regularizers::Result<T>, needles: &[&str]) -> Outcome {
    match result {
        Ok(v) => Outcome::fail(format!("expected an error, got Ok({v:?})")),
        Err(e) => {
            let msg = e.to_string().to_lowercase();
            let missing: Vec<&&str> = needles.iter().filter(|n| !msg.contains(&n.to_lowercase())).collect();
            if missing.is_empty() {
                Outcome::Pass
            } else {
                Outcome::fail(format!("error message {msg:?} does not mention {missing:?}"))
            }
        }
    }
}
