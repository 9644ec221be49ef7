//! Runners for dropout.json, optim_weight_decay.json, label_smoothing.json and mixup_cutmix.json.
//!
//! Every expected tensor of every case is compared: bit-exactly where PyTorch's result is fully
//! determined by the rounding order we reproduce (dropout outputs and gradients, including signed zeros;
//! CutMix masks and copies), otherwise with the files' suggested tolerances.
//!
//! Where PyTorch silently accepts an input that this crate rejects, the case checks both sides:
//! our call returns an error, and the documented alternative reproduces PyTorch's numbers
//! (`p = 1` dropout: classic dropout with an all-zero mask; `label_smoothing < 0`: PyTorch behaves as 0).

use crate::golden::{Case, Checker, ErrorCase, Outcome, Tensor, expect_err};
use ndarray::{Array1, Array2, ArrayD, IxDyn, arr0, s};
use regularizers::augment::{
    CrossEntropyOptions, Reduction, Target, box_mask, cross_entropy, cross_entropy_backward, cutmix_box,
    cutmix_with_box, mixup_loss, mixup_loss_pair, mixup_with_perm, roll_permutation,
};
use regularizers::dropout::{
    Dropout, channel_dropout_with_mask, classic_dropout_train, dropout_backward, dropout_eval, dropout_forward,
    dropout_noise, dropout_train, dropout_with_mask,
};
use regularizers::weight_decay::{
    Adam, AdamConfig, Sgd, SgdConfig, WeightDecayMode, half_l2_grad, half_l2_penalty, l1_grad, l1_penalty, l2_grad,
    l2_penalty,
};
use regularizers::{Float, Rng};
use serde_json::Value;

pub fn run(case: &Case) -> Option<Outcome> {
    let op = case.op.as_str();
    let known = op.starts_with("formula: x * (mask")
        || op == "torch.nn.functional.dropout"
        || op == "torch.nn.functional.dropout2d"
        || op == "torch.nn.Dropout(p).eval()"
        || op == "torch.optim.SGD"
        || op == "torch.optim.Adam"
        || op == "torch.optim.AdamW"
        || op == "lambda * w.abs().sum()"
        || op == "lambda * (w*w).sum()"
        || op == "0.5 * lambda * (w*w).sum()"
        || op == "torch.nn.functional.cross_entropy"
        || op == "mixup formula"
        || op == "cutmix formula";
    if !known {
        return None;
    }
    Some(if case.is_f32() { run_typed::<f32>(case) } else { run_typed::<f64>(case) })
}

fn run_typed<T: Float + Into<f64>>(case: &Case) -> Outcome {
    let mut ck = Checker::default();
    let op = case.op.as_str();
    let r = if op.starts_with("formula: x * (mask") {
        dropout_formula::<T>(case, &mut ck)
    } else if op.contains("dropout") || op.contains("Dropout") {
        dropout_torch::<T>(case, &mut ck)
    } else if op.starts_with("torch.optim") {
        optimizer::<T>(case, &mut ck)
    } else if op.contains("lambda") {
        penalty::<T>(case, &mut ck)
    } else if op == "torch.nn.functional.cross_entropy" {
        ce_case::<T>(case, &mut ck)
    } else if op == "mixup formula" {
        mixup_case::<T>(case, &mut ck)
    } else {
        cutmix_case::<T>(case, &mut ck)
    };
    if let Err(e) = r {
        ck.fail(format!("crate returned an error: {e}"));
    }
    ck.finish()
}

fn arr<T: Float>(t: &Tensor) -> ArrayD<T> {
    t.f64().mapv(<T as Float>::from_f64)
}
fn scalar<T: Float>(v: T) -> ArrayD<T> {
    arr0(v).into_dyn()
}
fn usizes(t: &Tensor) -> Vec<usize> {
    t.data.iter().map(|&v| v as usize).collect()
}

// ---------------------------------------------------------------- dropout

fn dropout_formula<T: Float + Into<f64>>(case: &Case, ck: &mut Checker) -> regularizers::Result<()> {
    let p = case.param_f64("p").unwrap();
    let (x, mask, g) = (arr::<T>(case.input("x")), arr::<T>(case.input("mask")), arr::<T>(case.input("grad_output")));
    let y = dropout_with_mask(&x, &mask, p)?;
    ck.exact("y", &y, case.expect("y"));
    ck.exact("grad_input", &dropout_backward(&g, &mask, p)?, case.expect("grad_input"));
    ck.exact("noise", &dropout_noise(&mask, p)?, case.expect("noise"));
    // scale = fl(1/(1 − p)) in the dtype: the noise of a kept unit.
    let one = ArrayD::from_elem(IxDyn(&[]), T::one());
    ck.exact("scale", &dropout_noise(&one, p)?, case.expect("scale"));
    // (x·mask)/(1 − p) rounds differently by at most ~1 ulp: within the suggested tolerance of our y.
    ck.array("y_div_last vs our y", &y, case.expect("y_div_last"));
    Ok(())
}

fn dropout_torch<T: Float + Into<f64>>(case: &Case, ck: &mut Checker) -> regularizers::Result<()> {
    let p = case.param_f64("p").unwrap();
    let training = case.param_bool("training", true);
    let (x, g) = (arr::<T>(case.input("x")), arr::<T>(case.input("grad_output")));
    let mut rng = Rng::seed_from_u64(case.param("torch_manual_seed").as_u64().unwrap_or(0));
    if case.op == "torch.nn.Dropout(p).eval()" {
        let mut d = Dropout::new(p)?;
        d.eval();
        ck.exact("y", &d.forward(&x, &mut rng)?.0, case.expect("y"));
        ck.exact("grad_input", &d.forward(&g, &mut rng)?.0, case.expect("grad_input"));
        return Ok(());
    }
    if !training {
        ck.exact("y", &dropout_eval(&x, p)?, case.expect("y"));
        ck.exact("grad_input", &dropout_eval(&g, p)?, case.expect("grad_input"));
        return Ok(());
    }
    if p == 1.0 {
        // PyTorch returns x·0; inverted dropout cannot divide by 1 − p = 0, so we refuse ...
        if dropout_train(&x, p, &mut rng).is_ok() || Dropout::new(p).is_ok() {
            ck.fail("inverted dropout with p = 1 must be an error");
        }
        // ... and classic dropout (no division) with p = 1 reproduces PyTorch bit for bit, signed zeros included.
        let (y, m) = classic_dropout_train(&x, p, &mut rng)?;
        ck.exact("y (classic dropout, p = 1)", &y, case.expect("y"));
        ck.exact("grad_input (g·mask)", &(&g * &m), case.expect("grad_input"));
        return Ok(());
    }
    if p == 0.0 {
        let (y, m) = dropout_forward(&x, p, &mut rng)?;
        ck.exact("y", &y, case.expect("y"));
        ck.exact("grad_input", &dropout_backward(&g, &m, p)?, case.expect("grad_input"));
        ck.exact("y (fast path)", &dropout_train(&x, p, &mut rng)?, case.expect("y"));
        return Ok(());
    }
    // PyTorch's own mask, recovered from its output: reproduce y and the gradient bit for bit.
    let mask = arr::<T>(case.expect("mask_recovered"));
    ck.exact(
        "mask_recovered == (y != 0)",
        &arr::<T>(case.expect("y")).mapv(|v| if v != T::zero() { T::one() } else { T::zero() }),
        case.expect("mask_recovered"),
    );
    if case.op == "torch.nn.functional.dropout2d" {
        let ch: Array2<T> = mask.slice(s![.., .., 0, 0]).to_owned();
        ck.exact("y", &channel_dropout_with_mask(&x, &ch, p)?, case.expect("y"));
        ck.exact("grad_input", &channel_dropout_with_mask(&g, &ch, p)?, case.expect("grad_input"));
    } else {
        ck.exact("y", &dropout_with_mask(&x, &mask, p)?, case.expect("y"));
        ck.exact("grad_input", &dropout_backward(&g, &mask, p)?, case.expect("grad_input"));
    }
    Ok(())
}

// ---------------------------------------------------------------- optimizers and penalties

fn kw(case: &Case, name: &str) -> Option<f64> {
    case.param("kwargs").get(name).and_then(Value::as_f64)
}

fn optimizer<T: Float + Into<f64>>(case: &Case, ck: &mut Checker) -> regularizers::Result<()> {
    let steps = case.param("steps").as_u64().unwrap() as usize;
    let mut w = arr::<T>(case.input("param_init"));
    let grads: Vec<ArrayD<T>> = (1..=steps).map(|k| arr::<T>(case.input(&format!("grad_step{k}")))).collect();
    let after = |k: usize| format!("param_after_step{k}");
    match case.op.as_str() {
        "torch.optim.SGD" => {
            let cfg = SgdConfig {
                lr: kw(case, "lr").unwrap(),
                momentum: kw(case, "momentum").unwrap_or(0.0),
                dampening: kw(case, "dampening").unwrap_or(0.0),
                nesterov: case.param("kwargs").get("nesterov").and_then(Value::as_bool).unwrap_or(false),
                weight_decay: kw(case, "weight_decay").unwrap_or(0.0),
            };
            let mut opt = Sgd::new(cfg)?;
            for (k, g) in grads.iter().enumerate() {
                opt.step(&mut w, g)?;
                ck.array(&after(k + 1), &w, case.expect(&after(k + 1)));
            }
            if let Some(want) = case.expected.get("final_state_momentum_buffer") {
                match opt.momentum_buffer() {
                    Some(b) => ck.array("final_state_momentum_buffer", b, want),
                    None => ck.fail("no momentum buffer"),
                }
            }
        }
        op => {
            let adamw = op == "torch.optim.AdamW";
            let decoupled =
                adamw || case.param("kwargs").get("decoupled_weight_decay").and_then(Value::as_bool).unwrap_or(false);
            let betas = case
                .param("kwargs")
                .get("betas")
                .and_then(Value::as_array)
                .map(|b| (b[0].as_f64().unwrap(), b[1].as_f64().unwrap()));
            let base = if adamw { AdamConfig::adamw() } else { AdamConfig::default() };
            let cfg = AdamConfig {
                lr: kw(case, "lr").unwrap_or(base.lr),
                betas: betas.unwrap_or(base.betas),
                eps: kw(case, "eps").unwrap_or(base.eps),
                weight_decay: kw(case, "weight_decay").unwrap_or(base.weight_decay),
                weight_decay_mode: if decoupled { WeightDecayMode::Decoupled } else { WeightDecayMode::CoupledL2 },
                amsgrad: case.param("kwargs").get("amsgrad").and_then(Value::as_bool).unwrap_or(false),
            };
            let mut opt = Adam::new(cfg)?;
            for (k, g) in grads.iter().enumerate() {
                opt.step(&mut w, g)?;
                ck.array(&after(k + 1), &w, case.expect(&after(k + 1)));
            }
            let st = opt.state().unwrap();
            ck.exact("final_state_step", &scalar(st.step as f32), case.expect("final_state_step"));
            ck.array("final_state_exp_avg", &st.exp_avg, case.expect("final_state_exp_avg"));
            ck.array("final_state_exp_avg_sq", &st.exp_avg_sq, case.expect("final_state_exp_avg_sq"));
            if let Some(want) = case.expected.get("final_state_max_exp_avg_sq") {
                match &st.max_exp_avg_sq {
                    Some(v) => ck.array("final_state_max_exp_avg_sq", v, want),
                    None => ck.fail("no max_exp_avg_sq"),
                }
            }
        }
    }
    Ok(())
}

fn penalty<T: Float + Into<f64>>(case: &Case, ck: &mut Checker) -> regularizers::Result<()> {
    let lambda = case.param_f64("lambda").unwrap();
    let w = arr::<T>(case.input("w"));
    let go = <T as Float>::from_f64(case.input("grad_output").scalar());
    let (value, grad) = match case.param("kind").as_str().unwrap() {
        "l1" => (l1_penalty(&w, lambda)?, l1_grad(&w, lambda)?),
        "l2" => (l2_penalty(&w, lambda)?, l2_grad(&w, lambda)?),
        "l2_half" => (half_l2_penalty(&w, lambda)?, half_l2_grad(&w, lambda)?),
        k => {
            ck.fail(format!("unknown penalty kind {k}"));
            return Ok(());
        }
    };
    ck.array("penalty", &scalar(value), case.expect("penalty"));
    ck.array("grad_w", &grad.mapv(|v| v * go), case.expect("grad_w"));
    Ok(())
}

// ---------------------------------------------------------------- cross-entropy with label smoothing

fn ce_case<T: Float + Into<f64>>(case: &Case, ck: &mut Checker) -> regularizers::Result<()> {
    let eps = case.param_f64("label_smoothing").unwrap();
    let reduction = match case.param("reduction").as_str().unwrap() {
        "mean" => Reduction::Mean,
        "sum" => Reduction::Sum,
        _ => Reduction::None,
    };
    let logits = arr::<T>(case.input("logits"));
    let weight: Option<Array1<T>> = case.inputs.get("class_weight").map(|t| arr::<T>(t).into_dimensionality().unwrap());
    let go = arr::<T>(case.input("grad_output"));
    let classes: ArrayD<i64> = case.input("target").f64().mapv(|v| v as i64);
    let probs = arr::<T>(case.input("target"));
    let target = if case.param("target_kind").as_str() == Some("probabilities") {
        Target::probabilities(&probs)
    } else {
        Target::classes(&classes)
    };
    let mut opts = CrossEntropyOptions {
        weight: weight.as_ref().map(|w| w.view()),
        ignore_index: case.param("ignore_index").as_i64().unwrap_or(-100),
        reduction,
        label_smoothing: eps,
    };
    if eps < 0.0 {
        // PyTorch quirk: ε < 0 is silently treated as 0. We reject it, and ε = 0 gives PyTorch's numbers.
        if cross_entropy(&logits, &target, &opts).is_ok() {
            ck.fail("label_smoothing < 0 must be an error");
        }
        opts.label_smoothing = 0.0;
    }
    ck.array("loss", &cross_entropy(&logits, &target, &opts)?, case.expect("loss"));
    ck.array("grad_input", &cross_entropy_backward(&logits, &target, &opts, &go)?, case.expect("grad_input"));
    Ok(())
}

// ---------------------------------------------------------------- mixup and CutMix

fn check_partner(case: &Case, ck: &mut Checker, perm: &[usize]) {
    if case.param("partner").as_str() == Some("x.roll(1, 0)") && perm != roll_permutation(perm.len(), 1).as_slice() {
        ck.fail(format!("perm {perm:?} is not roll(1)"));
    }
}

fn mixup_case<T: Float + Into<f64>>(case: &Case, ck: &mut Checker) -> regularizers::Result<()> {
    let lam = case.param_f64("lam").unwrap();
    let k = case.param("num_classes").as_u64().unwrap() as usize;
    let (x, logits) = (arr::<T>(case.input("x")), arr::<T>(case.input("logits")));
    let (labels, perm) = (usizes(case.input("labels")), usizes(case.input("perm")));
    check_partner(case, ck, &perm);
    let m = mixup_with_perm(&x, &labels, k, lam, &perm)?;
    // Same operation order as torchvision (x[perm]·(1 − λ) + x·λ): bit-exact.
    ck.exact("x_mixed", &m.x, case.expect("x_mixed"));
    ck.exact("y_mixed", &m.y.clone().into_dyn(), case.expect("y_mixed"));
    let z: Array2<T> = logits.into_dimensionality().unwrap();
    let (loss, grad) = mixup_loss(&z, &m.y)?;
    ck.array("loss_soft_target", &scalar(loss), case.expect("loss_soft_target"));
    ck.array("grad_logits_soft_target", &grad.into_dyn(), case.expect("grad_logits_soft_target"));
    ck.array("loss_pair_form", &scalar(mixup_loss_pair(&z, &labels, &perm, lam)?), case.expect("loss_pair_form"));
    Ok(())
}

fn cutmix_case<T: Float + Into<f64>>(case: &Case, ck: &mut Checker) -> regularizers::Result<()> {
    let get = |n: &str| case.param(n).as_u64().unwrap() as usize;
    let (h, w, r_x, r_y) = (get("H"), get("W"), get("r_x"), get("r_y"));
    let lam = case.param_f64("lam_sampled").unwrap();
    let b = cutmix_box(h, w, lam, r_y, r_x)?;
    let want: Vec<usize> =
        case.param("box_x1_y1_x2_y2").as_array().unwrap().iter().map(|v| v.as_u64().unwrap() as usize).collect();
    ck.compared += 1;
    if vec![b.x1, b.y1, b.x2, b.y2] != want {
        ck.fail(format!("box {b:?} != expected (x1, y1, x2, y2) = {want:?}"));
    }
    let x = arr::<T>(case.input("x"));
    let (labels, perm) = (usizes(case.input("labels")), usizes(case.input("perm")));
    check_partner(case, ck, &perm);
    let m = cutmix_with_box(&x, &labels, get("num_classes"), &b, &perm)?;
    ck.exact("x_mixed", &m.x, case.expect("x_mixed"));
    ck.exact("y_mixed", &m.y.clone().into_dyn(), case.expect("y_mixed"));
    ck.exact("lam_adjusted", &scalar(m.lam), case.expect("lam_adjusted"));
    ck.exact("box_mask", &box_mask::<T>(h, w, &b)?.into_dyn(), case.expect("box_mask"));
    Ok(())
}

// ---------------------------------------------------------------- error cases

pub fn run_error(e: &ErrorCase) -> Option<Outcome> {
    let x = ndarray::Array2::<f64>::ones((2, 3));
    let mut rng = Rng::seed_from_u64(0);
    let prob = ["probability", "0 <= p < 1"];
    let sgd = |cfg: SgdConfig| Sgd::<f64, ndarray::Ix1>::new(cfg).map(|_| ());
    let adam = |cfg: AdamConfig| Adam::<f64, ndarray::Ix1>::new(cfg).map(|_| ());
    let ce = |eps: f64| {
        let (z, y) = (ndarray::Array2::<f64>::zeros((2, 3)), ndarray::array![0_i64, 1]);
        cross_entropy(&z, &Target::classes(&y), &CrossEntropyOptions { label_smoothing: eps, ..Default::default() })
    };
    let d = SgdConfig { lr: 0.1, ..SgdConfig::default() };
    Some(match e.name.as_str() {
        "F_dropout_p_1.5" => expect_err(dropout_train(&x, 1.5, &mut rng), &prob),
        "F_dropout_p_-0.1" => expect_err(dropout_train(&x, -0.1, &mut rng), &prob),
        "nn_Dropout_p_1.5" => expect_err(Dropout::new(1.5), &prob),
        "nn_Dropout_p_-0.5" => expect_err(Dropout::new(-0.5), &prob),
        "F_dropout_p_1.5_eval" => expect_err(dropout_eval(&x, 1.5), &prob),
        "sgd_negative_lr" => expect_err(sgd(SgdConfig { lr: -0.1, ..d }), &["learning rate", "-0.1"]),
        "sgd_negative_weight_decay" => {
            expect_err(sgd(SgdConfig { weight_decay: -0.1, ..d }), &["weight_decay", "-0.1"])
        }
        "sgd_negative_momentum" => expect_err(sgd(SgdConfig { momentum: -0.5, ..d }), &["momentum", "-0.5"]),
        "sgd_nesterov_without_momentum" => expect_err(
            sgd(SgdConfig { nesterov: true, ..d }),
            &["nesterov momentum requires a momentum and zero dampening"],
        ),
        "adam_beta1_out_of_range" => {
            expect_err(adam(AdamConfig { betas: (1.0, 0.999), ..Default::default() }), &["beta", "index 0"])
        }
        "adam_beta2_out_of_range" => {
            expect_err(adam(AdamConfig { betas: (0.9, 1.5), ..Default::default() }), &["beta", "index 1"])
        }
        "adam_negative_eps" => expect_err(adam(AdamConfig { eps: -1e-8, ..Default::default() }), &["eps"]),
        "adam_negative_weight_decay" => {
            expect_err(adam(AdamConfig { weight_decay: -0.1, ..Default::default() }), &["weight_decay"])
        }
        "adamw_negative_weight_decay" => {
            expect_err(adam(AdamConfig { weight_decay: -0.1, ..AdamConfig::adamw() }), &["weight_decay"])
        }
        "adamw_negative_lr" => expect_err(adam(AdamConfig { lr: -1.0, ..AdamConfig::adamw() }), &["learning rate"]),
        "cross_entropy_label_smoothing_1.5" => expect_err(ce(1.5), &["label_smoothing", "between 0.0 and 1.0"]),
        "cross_entropy_label_smoothing_1.0000001" => {
            expect_err(ce(1.0000001), &["label_smoothing", "between 0.0 and 1.0"])
        }
        _ => return None,
    })
}
