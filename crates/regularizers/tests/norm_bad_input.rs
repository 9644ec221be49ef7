//! Bad input never panics: arbitrary shapes, hyper-parameters, parameter fields and values (NaN, ±inf,
//! huge, empty) give either an `Err` or the documented result — an output of the input's shape, where
//! a NaN/inf in a normalization group (or an overflow) may make that group non-finite, and finite
//! moderate input always gives finite output.

use ndarray::{Array1, ArrayD, IxDyn};
use proptest::prelude::*;
use regularizers::Float;
use regularizers::batch_norm::{BatchNorm, BatchNormConfig, BatchNormInput};
use regularizers::layer_norm::{
    GroupNorm, GroupNormConfig, InstanceNorm, InstanceNormConfig, LayerNorm, LayerNormConfig, RmsNorm, RmsNormConfig,
};

fn value() -> impl Strategy<Value = f64> {
    prop_oneof![
        6 => -10.0f64..10.0,
        1 => Just(f64::NAN),
        1 => Just(f64::INFINITY),
        1 => Just(f64::NEG_INFINITY),
        1 => Just(f64::MAX),
        1 => Just(-f64::MAX),
        1 => Just(3.0e38f64),
        1 => Just(0.0),
        1 => Just(1e-300),
    ]
}

fn param() -> impl Strategy<Value = f64> {
    prop_oneof![
        4 => 1e-8f64..1.0,
        1 => Just(0.0),
        1 => Just(-1e-5),
        1 => Just(f64::NAN),
        1 => Just(f64::INFINITY),
        1 => Just(1.5),
        1 => Just(1.0),
        1 => Just(1e-300),
    ]
}

fn shape() -> impl Strategy<Value = Vec<usize>> {
    prop::collection::vec(0usize..4, 0..5)
}

#[derive(Debug, Clone)]
struct Input {
    shape: Vec<usize>,
    values: Vec<f64>,
    transposed: bool,
}

fn input() -> impl Strategy<Value = Input> {
    (shape(), prop::collection::vec(value(), 1..16), any::<bool>()).prop_map(|(shape, values, transposed)| Input { shape, values, transposed })
}

impl Input {
    fn array<T: Float>(&self) -> ArrayD<T> {
        let n: usize = self.shape.iter().product();
        let a = ArrayD::from_shape_vec(
            IxDyn(&self.shape),
            (0..n).map(|i| <T as Float>::from_f64(self.values[i % self.values.len()] * (1.0 + 0.1 * (i / self.values.len()) as f64))).collect(),
        )
        .unwrap();
        // a non-contiguous (Fortran-order) layout must work too
        if self.transposed { a.reversed_axes().as_standard_layout().into_owned().reversed_axes() } else { a }
    }
    fn moderate(&self) -> bool {
        self.values.iter().all(|v| v.is_finite() && v.abs() <= 1e6)
    }
}

/// Documented result of a successful forward: same shape; finite if the input is finite and moderate.
fn check_output<T: Float>(x: &Input, y: &ArrayD<T>) -> Result<(), TestCaseError> {
    prop_assert_eq!(y.shape(), x.shape.as_slice());
    if x.moderate() {
        prop_assert!(y.iter().all(|v| v.is_finite()), "finite moderate input gave non-finite output");
    }
    Ok(())
}

fn opt_vec<T: Float>(len: Option<usize>, v: f64) -> Option<Array1<T>> {
    len.map(|l| Array1::from_elem(l, <T as Float>::from_f64(v)))
}

fn run_batch_norm<T: Float>(
    x: &Input,
    dy: &Input,
    c: usize,
    eps: f64,
    momentum: Option<f64>,
    flags: (bool, bool, bool),
    fields: (Option<usize>, f64),
) -> Result<(), TestCaseError> {
    let (affine, track, training) = flags;
    let config = BatchNormConfig { input: BatchNormInput::Any, ..BatchNormConfig::new(c) }
        .with_eps(eps)
        .with_momentum(momentum)
        .with_affine(affine)
        .with_track_running_stats(track);
    let Ok(mut bn) = BatchNorm::<T>::new(config) else { return Ok(()) };
    if let (Some(_), v) = fields {
        // tamper with the public fields: wrong lengths must be an Err, odd values a documented result
        bn.weight = opt_vec(fields.0, v);
        bn.running_var = opt_vec(fields.0, v.abs());
    }
    if !training {
        bn.eval();
    }
    if let Ok((y, cache)) = bn.forward(&x.array::<T>()) {
        if fields.0.is_none() && eps >= 1e-8 {
            check_output(x, &y)?;
        }
        if let Ok(g) = bn.backward(&x.array::<T>(), &dy.array::<T>(), &cache) {
            prop_assert_eq!(g.grad_input.shape(), x.shape.as_slice());
        }
    }
    let _ = bn.fold_into_linear(&ndarray::Array2::zeros((c, 2)), None);
    let _ = bn.fold_into_conv(&ndarray::Array4::zeros((c.max(1) - 1, 1, 1, 1)), None);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn batch_norm_never_panics(x in input(), dy in input(), c in 0usize..4, fit in any::<bool>(), eps in param(), momentum in prop::option::of(param()),
                               flags in any::<(bool, bool, bool)>(), field_len in prop::option::of(0usize..4), field_value in value()) {
        // half of the cases use the input's own channel count, so that the numeric paths run
        let c = if fit && x.shape.len() >= 2 { x.shape[1] } else { c };
        run_batch_norm::<f64>(&x, &dy, c, eps, momentum, flags, (field_len, field_value))?;
        run_batch_norm::<f32>(&x, &dy, c, eps, momentum, flags, (field_len, field_value))?;
        // the same input as the gradient, so that backward runs past its shape checks
        run_batch_norm::<f32>(&x, &x, c, eps, momentum, flags, (None, 1.0))?;
    }

    #[test]
    fn layer_and_rms_norm_never_panic(x in input(), dy in input(), ns in shape(), fit in 0usize..3, eps in param(), affine in any::<bool>(),
                                      bias in any::<bool>(), wlen in prop::option::of(shape())) {
        // most cases normalize over the input's own trailing dims, so that the numeric paths run
        let ns = if fit > 0 && x.shape.len() >= fit { x.shape[x.shape.len() - fit..].to_vec() } else { ns };
        if let Ok(mut ln) = LayerNorm::<f32>::new(LayerNormConfig::new(&ns).with_eps(eps).with_elementwise_affine(affine).with_bias(bias)) {
            if let Ok((y, cache)) = ln.forward(&x.array()) {
                if eps >= 1e-8 { check_output(&x, &y)?; }
                let _ = ln.backward(&x.array(), &dy.array(), &cache);
                let _ = ln.backward(&x.array(), &x.array(), &cache).map(|g| assert_eq!(g.grad_input.shape(), x.shape.as_slice()));
            }
            if let Some(w) = &wlen {
                ln.weight = Some(ArrayD::ones(IxDyn(w)));
                let _ = ln.forward(&x.array());
            }
        }
        let eps_opt = (eps != 1.0).then_some(eps);
        if let Ok(mut rms) = RmsNorm::<f64>::new(RmsNormConfig::new(&ns).with_eps(eps_opt).with_elementwise_affine(affine)) {
            if let Ok((y, cache)) = rms.forward(&x.array()) {
                prop_assert_eq!(y.shape(), x.shape.as_slice());
                let _ = rms.backward(&x.array(), &dy.array(), &cache);
                let _ = rms.backward(&x.array(), &x.array(), &cache);
            }
            if let Some(w) = &wlen {
                rms.weight = Some(ArrayD::ones(IxDyn(w)));
                let _ = rms.forward(&x.array());
            }
        }
    }

    #[test]
    fn group_and_instance_norm_never_panic(x in input(), dy in input(), g in 0usize..4, c in 0usize..5, fit in any::<bool>(), eps in param(),
                                           affine in any::<bool>(), wlen in prop::option::of(0usize..5)) {
        let c = if fit && x.shape.len() >= 2 { x.shape[1] } else { c };
        let g = if fit && c > 0 { [1, c, g.max(1)].into_iter().find(|&g| c % g == 0).unwrap_or(1) } else { g };
        if let Ok(mut gn) = GroupNorm::<f32>::new(GroupNormConfig::new(g, c).with_eps(eps).with_affine(affine)) {
            if let Ok((y, cache)) = gn.forward(&x.array()) {
                if eps >= 1e-8 { check_output(&x, &y)?; }
                let _ = gn.backward(&x.array(), &dy.array(), &cache);
                let _ = gn.backward(&x.array(), &x.array(), &cache);
            }
            if let Some(l) = wlen {
                gn.weight = Some(Array1::ones(l));
                let _ = gn.forward(&x.array());
            }
        }
        let c_in = match x.shape.len() { 3 if fit => x.shape[0], _ => c };
        if let Ok(mut inorm) = InstanceNorm::<f64>::new(InstanceNormConfig::new(c_in).with_eps(eps).with_affine(affine)) {
            if let Ok((y, cache)) = inorm.forward(&x.array()) {
                if eps >= 1e-8 { check_output(&x, &y)?; }
                let _ = inorm.backward(&x.array(), &dy.array(), &cache);
                let _ = inorm.backward(&x.array(), &x.array(), &cache);
            }
            if let Some(l) = wlen {
                inorm.bias = Some(Array1::zeros(l));
                let _ = inorm.forward(&x.array());
            }
        }
    }
}

#[test]
fn typed_errors_for_the_classic_mistakes() {
    use regularizers::Error;
    let x = ArrayD::<f64>::zeros(IxDyn(&[1, 3]));
    let mut bn = BatchNorm::<f64>::new(BatchNormConfig::new(3)).unwrap();
    assert!(matches!(bn.forward(&x), Err(Error::TooFewValuesPerChannel { .. })));
    assert!(matches!(bn.forward(&ArrayD::zeros(IxDyn(&[2, 4]))), Err(Error::ShapeMismatch { .. })));
    assert!(matches!(bn.forward(&ArrayD::zeros(IxDyn(&[0, 3]))), Err(Error::EmptyInput { .. })));
    assert!(matches!(BatchNorm::<f64>::new(BatchNormConfig::new(3).with_eps(0.0)), Err(Error::InvalidParameter { .. })));
    assert!(BatchNorm::<f64>::new(BatchNormConfig::new(3).with_momentum(Some(-0.1))).is_err());
    assert!(BatchNorm::<f64>::new(BatchNormConfig::new(3).with_momentum(Some(f64::NAN))).is_err());
    assert!(LayerNorm::<f32>::new(LayerNormConfig::new(&[4]).with_eps(f64::NAN)).is_err());
    assert!(RmsNorm::<f32>::new(RmsNormConfig::new(&[4]).with_eps(Some(0.0))).is_err());
    assert!(GroupNorm::<f32>::new(GroupNormConfig::new(0, 4)).is_err());
    // NaN propagates within its group only (LayerNorm: its row)
    let ln = LayerNorm::<f64>::new(LayerNormConfig::new(&[2])).unwrap();
    let (y, _) = ln.forward(&ArrayD::from_shape_vec(IxDyn(&[2, 2]), vec![f64::NAN, 1.0, 2.0, 3.0]).unwrap()).unwrap();
    assert!(y[[0, 0]].is_nan() && y[[0, 1]].is_nan() && y[[1, 0]].is_finite());
}
