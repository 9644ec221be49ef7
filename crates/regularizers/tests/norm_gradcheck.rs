//! Finite-difference checks of every normalization backward pass, in f64.
//!
//! For a random upstream gradient `g` the scalar loss is `L = Σ y·g`; each analytic gradient
//! (input, weight, bias) is compared with the central difference `(L(p + h) − L(p − h)) / 2h`,
//! `h = 1e-6`, whose truncation error is O(h²) and rounding error about `1e-16·|L|/h`, so a relative
//! tolerance of `1e-6` is tight.

use ndarray::{ArrayD, IxDyn};
use regularizers::Rng;
use regularizers::batch_norm::{BatchNorm, BatchNormConfig, NormGrads};
use regularizers::layer_norm::{
    GroupNorm, GroupNormConfig, InstanceNorm, InstanceNormConfig, LayerNorm, LayerNormConfig, RmsNorm, RmsNormConfig,
};

const H: f64 = 1e-6;
const RTOL: f64 = 1e-6;

fn randn(rng: &mut Rng, shape: &[usize], scale: f64, offset: f64) -> ArrayD<f64> {
    ArrayD::from_shape_simple_fn(IxDyn(shape), || offset + scale * rng.normal())
}

fn loss(y: &ArrayD<f64>, g: &ArrayD<f64>) -> f64 {
    (y * g).sum()
}

/// Compares `analytic` with central differences of `loss_at(p)` around `p`.
fn check(what: &str, p: &ArrayD<f64>, analytic: &ArrayD<f64>, loss_at: impl Fn(&ArrayD<f64>) -> f64) {
    assert_eq!(p.shape(), analytic.shape(), "{what}: gradient shape");
    let scale = analytic.iter().fold(1.0f64, |m, v| m.max(v.abs()));
    for i in 0..p.len() {
        let mut plus = p.clone();
        let mut minus = p.clone();
        plus.as_slice_mut().unwrap()[i] += H;
        minus.as_slice_mut().unwrap()[i] -= H;
        let numeric = (loss_at(&plus) - loss_at(&minus)) / (2.0 * H);
        let a = analytic.as_slice().unwrap()[i];
        assert!(
            (a - numeric).abs() <= RTOL * scale,
            "{what}[{i}]: analytic {a:e}, numeric {numeric:e} (tolerance {:e})",
            RTOL * scale
        );
    }
}

fn grads_present(g: &NormGrads<f64>) -> (ArrayD<f64>, ArrayD<f64>) {
    (g.grad_weight.clone().expect("weight grad"), g.grad_bias.clone().expect("bias grad"))
}

#[test]
fn batch_norm_train_gradients() {
    for (seed, shape) in [(1u64, vec![4, 3]), (2, vec![3, 2, 5]), (3, vec![2, 3, 2, 3])] {
        let mut rng = Rng::seed_from_u64(seed);
        let c = shape[1];
        let mut bn = BatchNorm::<f64>::new(BatchNormConfig::new(c).with_eps(1e-3)).unwrap();
        bn.weight = Some(randn(&mut rng, &[c], 1.0, 0.5).into_dimensionality().unwrap());
        bn.bias = Some(randn(&mut rng, &[c], 1.0, 0.0).into_dimensionality().unwrap());
        let x = randn(&mut rng, &shape, 2.0, 1.0);
        let g = randn(&mut rng, &shape, 1.0, 0.0);
        let (_, cache) = bn.clone().forward(&x).unwrap();
        let grads = bn.backward(&x, &g, &cache).unwrap();
        check("bn train dx", &x, &grads.grad_input, |x| loss(&bn.clone().forward(x).unwrap().0, &g));
        let (dw, db) = grads_present(&grads);
        let w0 = bn.weight.clone().unwrap().into_dyn();
        check("bn train dweight", &w0, &dw, |w| {
            let mut b = bn.clone();
            b.weight = Some(w.clone().into_dimensionality().unwrap());
            loss(&b.forward(&x).unwrap().0, &g)
        });
        let b0 = bn.bias.clone().unwrap().into_dyn();
        check("bn train dbias", &b0, &db, |bias| {
            let mut b = bn.clone();
            b.bias = Some(bias.clone().into_dimensionality().unwrap());
            loss(&b.forward(&x).unwrap().0, &g)
        });
    }
}

#[test]
fn batch_norm_eval_gradients() {
    let mut rng = Rng::seed_from_u64(4);
    let shape = [3, 2, 4];
    let mut bn = BatchNorm::<f64>::new(BatchNormConfig::new(2)).unwrap();
    bn.weight = Some(randn(&mut rng, &[2], 1.0, 0.5).into_dimensionality().unwrap());
    bn.bias = Some(randn(&mut rng, &[2], 1.0, 0.0).into_dimensionality().unwrap());
    bn.running_mean = Some(randn(&mut rng, &[2], 1.0, 0.0).into_dimensionality().unwrap());
    bn.running_var = Some(randn(&mut rng, &[2], 0.2, 1.0).mapv(f64::abs).into_dimensionality().unwrap());
    bn.eval();
    let x = randn(&mut rng, &shape, 2.0, 1.0);
    let g = randn(&mut rng, &shape, 1.0, 0.0);
    let (_, cache) = bn.clone().forward(&x).unwrap();
    let grads = bn.backward(&x, &g, &cache).unwrap();
    check("bn eval dx", &x, &grads.grad_input, |x| loss(&bn.clone().forward(x).unwrap().0, &g));
    let (dw, db) = grads_present(&grads);
    check("bn eval dweight", &bn.weight.clone().unwrap().into_dyn(), &dw, |w| {
        let mut b = bn.clone();
        b.weight = Some(w.clone().into_dimensionality().unwrap());
        loss(&b.forward(&x).unwrap().0, &g)
    });
    check("bn eval dbias", &bn.bias.clone().unwrap().into_dyn(), &db, |bias| {
        let mut b = bn.clone();
        b.bias = Some(bias.clone().into_dimensionality().unwrap());
        loss(&b.forward(&x).unwrap().0, &g)
    });
}

#[test]
fn layer_norm_gradients_affine_and_no_bias() {
    for (seed, ns, shape, bias) in [(5u64, vec![5], vec![3, 5], true), (6, vec![2, 3], vec![2, 2, 3], true), (7, vec![4], vec![3, 4], false)] {
        let mut rng = Rng::seed_from_u64(seed);
        let mut ln = LayerNorm::<f64>::new(LayerNormConfig::new(&ns).with_bias(bias)).unwrap();
        ln.weight = Some(randn(&mut rng, &ns, 1.0, 0.5));
        if bias {
            ln.bias = Some(randn(&mut rng, &ns, 1.0, 0.0));
        }
        let x = randn(&mut rng, &shape, 1.5, -0.5);
        let g = randn(&mut rng, &shape, 1.0, 0.0);
        let (_, cache) = ln.forward(&x).unwrap();
        let grads = ln.backward(&x, &g, &cache).unwrap();
        check("ln dx", &x, &grads.grad_input, |x| loss(&ln.forward(x).unwrap().0, &g));
        check("ln dweight", ln.weight.as_ref().unwrap(), grads.grad_weight.as_ref().unwrap(), |w| {
            let mut l = ln.clone();
            l.weight = Some(w.clone());
            loss(&l.forward(&x).unwrap().0, &g)
        });
        if bias {
            check("ln dbias", ln.bias.as_ref().unwrap(), grads.grad_bias.as_ref().unwrap(), |b| {
                let mut l = ln.clone();
                l.bias = Some(b.clone());
                loss(&l.forward(&x).unwrap().0, &g)
            });
        } else {
            assert!(grads.grad_bias.is_none());
        }
    }
}

#[test]
fn layer_norm_gradients_without_affine() {
    let mut rng = Rng::seed_from_u64(8);
    let ln = LayerNorm::<f64>::new(LayerNormConfig::new(&[6]).with_elementwise_affine(false)).unwrap();
    let x = randn(&mut rng, &[2, 6], 1.0, 3.0);
    let g = randn(&mut rng, &[2, 6], 1.0, 0.0);
    let (_, cache) = ln.forward(&x).unwrap();
    let grads = ln.backward(&x, &g, &cache).unwrap();
    check("ln noaffine dx", &x, &grads.grad_input, |x| loss(&ln.forward(x).unwrap().0, &g));
}

#[test]
fn group_norm_gradients() {
    for (seed, groups, shape) in [(9u64, 2usize, vec![2, 4, 3]), (10, 3, vec![2, 6, 2, 2]), (11, 1, vec![3, 2])] {
        let mut rng = Rng::seed_from_u64(seed);
        let c = shape[1];
        let mut gn = GroupNorm::<f64>::new(GroupNormConfig::new(groups, c).with_eps(1e-3)).unwrap();
        gn.weight = Some(randn(&mut rng, &[c], 1.0, 0.5).into_dimensionality().unwrap());
        gn.bias = Some(randn(&mut rng, &[c], 1.0, 0.0).into_dimensionality().unwrap());
        let x = randn(&mut rng, &shape, 2.0, 1.0);
        let g = randn(&mut rng, &shape, 1.0, 0.0);
        let (_, cache) = gn.forward(&x).unwrap();
        let grads = gn.backward(&x, &g, &cache).unwrap();
        check("gn dx", &x, &grads.grad_input, |x| loss(&gn.forward(x).unwrap().0, &g));
        let (dw, db) = grads_present(&grads);
        check("gn dweight", &gn.weight.clone().unwrap().into_dyn(), &dw, |w| {
            let mut l = gn.clone();
            l.weight = Some(w.clone().into_dimensionality().unwrap());
            loss(&l.forward(&x).unwrap().0, &g)
        });
        check("gn dbias", &gn.bias.clone().unwrap().into_dyn(), &db, |b| {
            let mut l = gn.clone();
            l.bias = Some(b.clone().into_dimensionality().unwrap());
            loss(&l.forward(&x).unwrap().0, &g)
        });
    }
}

#[test]
fn instance_norm_gradients() {
    for (seed, shape, affine) in [(12u64, vec![2, 3, 2, 3], true), (13, vec![2, 3, 3], false), (14, vec![1, 2, 2, 2], false)] {
        let mut rng = Rng::seed_from_u64(seed);
        let c = if shape.len() == 4 { shape[1] } else { shape[0] };
        let mut inorm = InstanceNorm::<f64>::new(InstanceNormConfig::new(c).with_affine(affine)).unwrap();
        if affine {
            inorm.weight = Some(randn(&mut rng, &[c], 1.0, 0.5).into_dimensionality().unwrap());
            inorm.bias = Some(randn(&mut rng, &[c], 1.0, 0.0).into_dimensionality().unwrap());
        }
        let x = randn(&mut rng, &shape, 1.0, 0.0);
        let g = randn(&mut rng, &shape, 1.0, 0.0);
        let (_, cache) = inorm.forward(&x).unwrap();
        let grads = inorm.backward(&x, &g, &cache).unwrap();
        check("in dx", &x, &grads.grad_input, |x| loss(&inorm.forward(x).unwrap().0, &g));
        if affine {
            let (dw, db) = grads_present(&grads);
            check("in dweight", &inorm.weight.clone().unwrap().into_dyn(), &dw, |w| {
                let mut l = inorm.clone();
                l.weight = Some(w.clone().into_dimensionality().unwrap());
                loss(&l.forward(&x).unwrap().0, &g)
            });
            check("in dbias", &inorm.bias.clone().unwrap().into_dyn(), &db, |b| {
                let mut l = inorm.clone();
                l.bias = Some(b.clone().into_dimensionality().unwrap());
                loss(&l.forward(&x).unwrap().0, &g)
            });
        } else {
            assert!(grads.grad_weight.is_none() && grads.grad_bias.is_none());
        }
    }
}

#[test]
fn rms_norm_gradients() {
    for (seed, ns, shape, affine, eps) in
        [(15u64, vec![4], vec![3, 4], true, Some(1e-6)), (16, vec![2, 3], vec![2, 2, 3], true, None), (17, vec![5], vec![2, 5], false, Some(0.1))]
    {
        let mut rng = Rng::seed_from_u64(seed);
        let mut rms = RmsNorm::<f64>::new(RmsNormConfig::new(&ns).with_eps(eps).with_elementwise_affine(affine)).unwrap();
        if affine {
            rms.weight = Some(randn(&mut rng, &ns, 1.0, 0.5));
        }
        let x = randn(&mut rng, &shape, 1.0, 0.5);
        let g = randn(&mut rng, &shape, 1.0, 0.0);
        let (_, cache) = rms.forward(&x).unwrap();
        let grads = rms.backward(&x, &g, &cache).unwrap();
        check("rms dx", &x, &grads.grad_input, |x| loss(&rms.forward(x).unwrap().0, &g));
        assert!(grads.grad_bias.is_none());
        if affine {
            check("rms dweight", rms.weight.as_ref().unwrap(), grads.grad_weight.as_ref().unwrap(), |w| {
                let mut l = rms.clone();
                l.weight = Some(w.clone());
                loss(&l.forward(&x).unwrap().0, &g)
            });
        }
    }
}
