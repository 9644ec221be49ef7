//! Runners for the normalization golden files: batchnorm, layernorm, groupnorm, instancenorm, rmsnorm.
//!
//! Every expected tensor of every case is compared. float64 and ordinary float32 cases use the files'
//! suggested tolerances against PyTorch's output. The LARGE-OFFSET float32 cases (mean 1e4, std 1e-2)
//! are compared with `expected_f64_reference` instead, and must come closer to it than PyTorch's own
//! float32 result did (see [`large_offset_tol`]).

use crate::golden::{Case, Checker, ErrorCase, Outcome, Tensor, expect_err};
use ndarray::{Array1, ArrayD, IxDyn};
use regularizers::Float;
use regularizers::batch_norm::{BatchNorm, BatchNormConfig, NormGrads};
use regularizers::layer_norm::{
    GroupNorm, GroupNormConfig, InstanceNorm, InstanceNormConfig, LayerNorm, LayerNormConfig, RmsNorm, RmsNormConfig,
};

pub fn run(case: &Case) -> Option<Outcome> {
    let known = matches!(
        case.op.as_str(),
        "torch.nn.BatchNorm1d"
            | "torch.nn.BatchNorm2d"
            | "torch.nn.LayerNorm"
            | "torch.nn.GroupNorm"
            | "torch.nn.InstanceNorm2d"
            | "torch.nn.RMSNorm"
    );
    if !known {
        return None;
    }
    Some(if case.is_f32() { run_typed::<f32>(case) } else { run_typed::<f64>(case) })
}

fn run_typed<T: Float + Into<f64>>(case: &Case) -> Outcome {
    let mut cmp = Compare::new(case);
    let result = match case.op.as_str() {
        "torch.nn.BatchNorm1d" | "torch.nn.BatchNorm2d" => batch_norm_case::<T>(case, &mut cmp),
        "torch.nn.LayerNorm" => layer_norm_case::<T>(case, &mut cmp),
        "torch.nn.GroupNorm" => group_norm_case::<T>(case, &mut cmp),
        "torch.nn.InstanceNorm2d" => instance_norm_case::<T>(case, &mut cmp),
        "torch.nn.RMSNorm" => rms_norm_case::<T>(case, &mut cmp),
        _ => unreachable!(),
    };
    if let Err(e) = result {
        cmp.checker.fail(format!("the crate returned an error: {e}"));
    }
    cmp.finish()
}

/// Loads a golden tensor into `T` (exact for both dtypes: f32 data is stored as exact decimals).
fn load<T: Float>(t: &Tensor) -> ArrayD<T> {
    ArrayD::from_shape_vec(IxDyn(&t.shape), t.data.iter().map(|&v| <T as Float>::from_f64(v)).collect())
        .expect("golden tensor shape/data mismatch")
}

fn load1<T: Float>(t: &Tensor) -> Array1<T> {
    Array1::from(t.data.iter().map(|&v| <T as Float>::from_f64(v)).collect::<Vec<_>>())
}

/// Tolerance for a large-offset float32 tensor against the float64 reference: at most half of
/// PyTorch's own observed float32 error on that tensor, but never below one float32 rounding of the
/// tensor's largest value (a correctly rounded result can be that far off, and where PyTorch's error
/// is already at that level no implementation can be "closer"); never above PyTorch's error.
fn large_offset_tol(torch_err: f64, max_abs_ref: f64) -> f64 {
    let one_rounding = f32::EPSILON as f64 * max_abs_ref;
    (0.5 * torch_err).max(one_rounding).min(torch_err)
}

/// Compares crate results with a case's expected tensors, choosing the reference and tolerance.
struct Compare<'a> {
    case: &'a Case,
    large_offset: bool,
    checker: Checker,
    seen: Vec<String>,
}

impl<'a> Compare<'a> {
    fn new(case: &'a Case) -> Self {
        let mean = case.param("input_distribution").get("mean").and_then(|v| v.as_f64()).unwrap_or(0.0);
        let noted = case.notes.as_ref().and_then(|n| n.as_str()).is_some_and(|n| n.contains("LARGE OFFSET"))
            && case.name.contains("large_offset");
        let large_offset = case.is_f32() && (mean.abs() >= 1e3 || noted);
        Compare { case, large_offset, checker: Checker::default(), seen: Vec::new() }
    }

    fn check<A: Copy + Into<f64>>(&mut self, key: &str, got: &ArrayD<A>) {
        self.seen.push(key.to_string());
        let want = self.case.expect(key);
        if want.dtype == "int64" {
            // Counters (num_batches_tracked) are integers: exact.
            self.checker.exact(key, got, want);
        } else if self.large_offset {
            let reference = &self.case.expected_f64_reference.as_ref().expect("large-offset case has a reference")[key];
            let stats = &self.case.f32_vs_f64_reference.as_ref().expect("large-offset case has f32_vs_f64_reference")[key];
            let torch_err = stats["max_abs_diff"].as_f64().expect("max_abs_diff");
            let max_ref = stats["max_abs_ref"].as_f64().expect("max_abs_ref");
            let tol = large_offset_tol(torch_err, max_ref);
            if std::env::var("NORM_OPS_VERBOSE").is_ok() {
                let err = got.iter().zip(&reference.data).map(|(&g, &r)| (g.into() - r).abs()).fold(0.0, f64::max);
                eprintln!("{} {key}: ours {err:e}, torch {torch_err:e}, tol {tol:e}", self.case.name);
            }
            self.checker.array_tol(&format!("{key} (vs f64 reference)"), got, reference, 0.0, tol);
        } else {
            self.checker.array(key, got, want);
        }
    }

    fn check_opt<A: Copy + Into<f64>>(&mut self, key: &str, got: Option<&ArrayD<A>>) {
        match got {
            Some(g) => self.check(key, g),
            None => self.checker.fail(format!("{key}: the crate returned no such gradient")),
        }
    }

    fn check_grads<T: Float + Into<f64>>(&mut self, suffix: &str, g: &NormGrads<T>) {
        self.check(&format!("grad_input{suffix}"), &g.grad_input);
        if self.case.expected.contains_key(&format!("grad_weight{suffix}")) {
            self.check_opt(&format!("grad_weight{suffix}"), g.grad_weight.as_ref());
        } else if g.grad_weight.is_some() {
            self.checker.fail("the crate returned a weight gradient PyTorch does not have");
        }
        if self.case.expected.contains_key(&format!("grad_bias{suffix}")) {
            self.check_opt(&format!("grad_bias{suffix}"), g.grad_bias.as_ref());
        } else if g.grad_bias.is_some() {
            self.checker.fail("the crate returned a bias gradient PyTorch does not have");
        }
    }

    /// Fails if some expected tensor was never compared.
    fn finish(mut self) -> Outcome {
        for key in self.case.expected.keys() {
            if !self.seen.contains(key) {
                self.checker.fail(format!("expected tensor {key} was not checked"));
            }
        }
        self.checker.finish()
    }
}

fn batch_norm_case<T: Float + Into<f64>>(case: &Case, cmp: &mut Compare) -> regularizers::Result<()> {
    let eval_only = case.param("mode").as_str() == Some("eval");
    let c = case.input(if eval_only { "x" } else { "x_step1" }).shape[1];
    let base = if case.op.ends_with("1d") { BatchNormConfig::bn1d(c) } else { BatchNormConfig::bn2d(c) };
    let momentum = if eval_only { Some(0.1) } else { case.param_f64("momentum") };
    let config = base
        .with_eps(case.param_f64("eps").expect("eps"))
        .with_momentum(momentum)
        .with_affine(case.param_bool("affine", true))
        .with_track_running_stats(case.param_bool("track_running_stats", true));
    let mut bn = BatchNorm::<T>::new(config)?;
    if let Some(w) = case.inputs.get("weight") {
        bn.weight = Some(load1(w));
        bn.bias = Some(load1(case.input("bias")));
    }
    if eval_only {
        bn.running_mean = Some(load1(case.input("running_mean")));
        bn.running_var = Some(load1(case.input("running_var")));
        bn.eval();
        let x = load::<T>(case.input("x"));
        let (y, cache) = bn.forward(&x)?;
        let g = bn.backward(&x, &load(case.input("grad_output")), &cache)?;
        cmp.check("y", &y);
        cmp.check_grads("", &g);
        cmp.check("running_mean_after", &bn.running_mean.clone().unwrap().into_dyn());
        cmp.check("running_var_after", &bn.running_var.clone().unwrap().into_dyn());
        return Ok(());
    }
    if let Some(rm) = case.inputs.get("running_mean_init") {
        bn.running_mean = Some(load1(rm));
        bn.running_var = Some(load1(case.input("running_var_init")));
    }
    bn.train();
    let steps = case.param("train_steps").as_u64().expect("train_steps");
    for step in 1..=steps {
        let x = load::<T>(case.input(&format!("x_step{step}")));
        let (y, cache) = bn.forward(&x)?;
        cmp.check(&format!("y_step{step}"), &y);
        if step == 1 {
            let g = bn.backward(&x, &load(case.input("grad_output_step1")), &cache)?;
            cmp.check_grads("_step1", &g);
        }
        if case.expected.contains_key(&format!("running_mean_after_step{step}")) {
            cmp.check(&format!("running_mean_after_step{step}"), &bn.running_mean.clone().unwrap().into_dyn());
            cmp.check(&format!("running_var_after_step{step}"), &bn.running_var.clone().unwrap().into_dyn());
            let nbt = ArrayD::from_elem(IxDyn(&[]), bn.num_batches_tracked as f64);
            cmp.check(&format!("num_batches_tracked_after_step{step}"), &nbt);
        }
    }
    bn.eval();
    let x = load::<T>(case.input("x_eval"));
    let (y, cache) = bn.forward(&x)?;
    cmp.check("y_eval", &y);
    let g = bn.backward(&x, &load(case.input("grad_output_eval")), &cache)?;
    cmp.check_grads("_eval", &g);
    Ok(())
}

fn shape_param(case: &Case, name: &str) -> Vec<usize> {
    case.param(name).as_array().expect("shape param").iter().map(|v| v.as_u64().expect("usize") as usize).collect()
}

fn layer_norm_case<T: Float + Into<f64>>(case: &Case, cmp: &mut Compare) -> regularizers::Result<()> {
    let config = LayerNormConfig::new(&shape_param(case, "normalized_shape"))
        .with_eps(case.param_f64("eps").expect("eps"))
        .with_elementwise_affine(case.param_bool("elementwise_affine", true))
        .with_bias(case.param_bool("bias", true));
    let mut ln = LayerNorm::<T>::new(config)?;
    if let Some(w) = case.inputs.get("weight") {
        ln.weight = Some(load(w));
    }
    if let Some(b) = case.inputs.get("bias") {
        ln.bias = Some(load(b));
    }
    let x = load::<T>(case.input("x"));
    let (y, cache) = ln.forward(&x)?;
    cmp.check("y", &y);
    cmp.check_grads("", &ln.backward(&x, &load(case.input("grad_output")), &cache)?);
    Ok(())
}

fn group_norm_case<T: Float + Into<f64>>(case: &Case, cmp: &mut Compare) -> regularizers::Result<()> {
    let groups = case.param("num_groups").as_u64().expect("num_groups") as usize;
    let channels = case.param("num_channels").as_u64().expect("num_channels") as usize;
    let config = GroupNormConfig::new(groups, channels)
        .with_eps(case.param_f64("eps").expect("eps"))
        .with_affine(case.param_bool("affine", true));
    let mut gn = GroupNorm::<T>::new(config)?;
    if let Some(w) = case.inputs.get("weight") {
        gn.weight = Some(load1(w));
        gn.bias = Some(load1(case.input("bias")));
    }
    let x = load::<T>(case.input("x"));
    let (y, cache) = gn.forward(&x)?;
    cmp.check("y", &y);
    cmp.check_grads("", &gn.backward(&x, &load(case.input("grad_output")), &cache)?);
    Ok(())
}

fn instance_norm_case<T: Float + Into<f64>>(case: &Case, cmp: &mut Compare) -> regularizers::Result<()> {
    assert!(!case.param_bool("track_running_stats", false), "running stats of InstanceNorm are not supported");
    let features = case.param("num_features").as_u64().expect("num_features") as usize;
    let config = InstanceNormConfig::new(features)
        .with_eps(case.param_f64("eps").expect("eps"))
        .with_affine(case.param_bool("affine", false));
    let inorm = InstanceNorm::<T>::new(config)?;
    let x = load::<T>(case.input("x"));
    let (y, cache) = inorm.forward(&x)?;
    cmp.check("y", &y);
    cmp.check_grads("", &inorm.backward(&x, &load(case.input("grad_output")), &cache)?);
    Ok(())
}

fn rms_norm_case<T: Float + Into<f64>>(case: &Case, cmp: &mut Compare) -> regularizers::Result<()> {
    let config = RmsNormConfig::new(&shape_param(case, "normalized_shape"))
        .with_eps(case.param_f64("eps"))
        .with_elementwise_affine(case.param_bool("elementwise_affine", true));
    // eps = None must resolve to torch.finfo(dtype).eps, which the file records.
    let effective = case.param_f64("effective_eps").expect("effective_eps");
    if config.effective_eps::<T>() != effective {
        cmp.checker.fail(format!("effective eps {} != PyTorch's {effective}", config.effective_eps::<T>()));
    }
    let mut rms = RmsNorm::<T>::new(config)?;
    if let Some(w) = case.inputs.get("weight") {
        rms.weight = Some(load(w));
    }
    let x = load::<T>(case.input("x"));
    let (y, cache) = rms.forward(&x)?;
    cmp.check("y", &y);
    cmp.check_grads("", &rms.backward(&x, &load(case.input("grad_output")), &cache)?);
    Ok(())
}

/// Deterministic non-constant input of a shape (the error cases' `torch.randn`).
fn input(shape: &[usize]) -> ArrayD<f64> {
    let mut k = 0.0;
    ArrayD::from_shape_simple_fn(IxDyn(shape), || {
        k += 1.0;
        (k * 0.7f64).sin()
    })
}

pub fn run_error(e: &ErrorCase) -> Option<Outcome> {
    let bn = |config: BatchNormConfig, shape: &[usize]| BatchNorm::<f64>::new(config)?.forward(&input(shape)).map(|_| ());
    let ln = |ns: &[usize], shape: &[usize]| LayerNorm::<f64>::new(LayerNormConfig::new(ns))?.forward(&input(shape)).map(|_| ());
    let per_channel = ["more than 1 value per channel"];
    Some(match e.name.as_str() {
        "bn1d_train_one_value_per_channel_NC" => expect_err(bn(BatchNormConfig::bn1d(3), &[1, 3]), &per_channel),
        "bn1d_train_one_value_per_channel_NCL" => expect_err(bn(BatchNormConfig::bn1d(3), &[1, 3, 1]), &per_channel),
        "bn2d_train_one_value_per_channel" => expect_err(bn(BatchNormConfig::bn2d(3), &[1, 3, 1, 1]), &per_channel),
        // F.batch_norm(x, zeros, ones, training=True): the functional form is a layer in training mode.
        "F_batch_norm_train_one_value_per_channel" => {
            expect_err(bn(BatchNormConfig::new(3).with_affine(false), &[1, 3]), &per_channel)
        }
        "bn1d_channel_mismatch" => expect_err(bn(BatchNormConfig::bn1d(3), &[4, 5]), &["channels", "expected [3], got [5]"]),
        "bn1d_wrong_ndim" => expect_err(bn(BatchNormConfig::bn1d(3), &[2, 3, 4, 5]), &["2D or 3D", "got 4D"]),
        "bn2d_wrong_ndim" => expect_err(bn(BatchNormConfig::bn2d(3), &[2, 3, 4]), &["4D input", "got 3D"]),
        "layernorm_shape_mismatch_last1" => expect_err(ln(&[5], &[2, 4]), &["normalized_shape", "expected [5], got [4]"]),
        "layernorm_shape_mismatch_last2" => {
            expect_err(ln(&[3, 4], &[2, 4, 3]), &["normalized_shape", "expected [3, 4], got [4, 3]"])
        }
        "F_layer_norm_shape_mismatch" => expect_err(ln(&[4], &[2, 3]), &["normalized_shape", "expected [4], got [3]"]),
        "groupnorm_channels_not_divisible" => {
            expect_err(GroupNorm::<f64>::new(GroupNormConfig::new(4, 6)), &["num_channels (6) must be divisible by num_groups (4)"])
        }
        "groupnorm_input_channels_mismatch" => expect_err(
            GroupNorm::<f64>::new(GroupNormConfig::new(2, 6)).and_then(|g| g.forward(&input(&[2, 4, 3])).map(|_| ())),
            &["channels", "expected [6], got [4]"],
        ),
        "rmsnorm_shape_mismatch" => expect_err(
            RmsNorm::<f64>::new(RmsNormConfig::new(&[5])).and_then(|r| r.forward(&input(&[2, 4])).map(|_| ())),
            &["normalized_shape", "expected [5], got [4]"],
        ),
        _ => return None,
    })
}
