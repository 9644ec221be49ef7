//! Criterion benches of the single-threaded f32 normalization kernels (and dropout), with throughput
//! in bytes (each large input read once, each large output written once), the same accounting as
//! `examples/kernels.rs`, which also prints the ratio to memcpy.
//!
//! `cargo bench -p regularizers --bench kernels` (sample sizes are small: these are 25–130 MB kernels).

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use ndarray::{ArrayD, IxDyn};
use regularizers::Rng;
use regularizers::batch_norm::{BatchNorm, BatchNormConfig};
use regularizers::layer_norm::{LayerNorm, LayerNormConfig, RmsNorm, RmsNormConfig};
use std::hint::black_box;
use std::time::Duration;

fn random(shape: &[usize], seed: u64) -> ArrayD<f32> {
    let mut rng = Rng::seed_from_u64(seed);
    ArrayD::from_shape_simple_fn(IxDyn(shape), || rng.normal() as f32)
}

fn kernels(c: &mut Criterion) {
    let mut g = c.benchmark_group("kernels_f32");
    g.sample_size(10).warm_up_time(Duration::from_millis(300)).measurement_time(Duration::from_secs(2));

    let shape = [8192usize, 1024];
    let n: usize = shape.iter().product();
    let x = random(&shape, 1);
    let dy = random(&shape, 2);
    let mut y = ArrayD::zeros(IxDyn(&shape));
    let ln = LayerNorm::<f32>::new(LayerNormConfig::new(&[1024])).unwrap();
    g.throughput(Throughput::Bytes((2 * n * 4) as u64));
    g.bench_function("layer_norm_forward/8192x1024", |b| b.iter(|| black_box(ln.forward_into(black_box(&x), &mut y).unwrap())));
    let (_, cache) = ln.forward(&x).unwrap();
    g.throughput(Throughput::Bytes((3 * n * 4) as u64));
    g.bench_function("layer_norm_backward/8192x1024", |b| {
        b.iter(|| black_box(ln.backward_into(black_box(&x), black_box(&dy), &cache, &mut y).unwrap()))
    });
    let rms = RmsNorm::<f32>::new(RmsNormConfig::new(&[1024])).unwrap();
    g.throughput(Throughput::Bytes((2 * n * 4) as u64));
    g.bench_function("rms_norm_forward/8192x1024", |b| b.iter(|| black_box(rms.forward_into(black_box(&x), &mut y).unwrap())));

    let shape = [32usize, 64, 56, 56];
    let n: usize = shape.iter().product();
    let x = random(&shape, 3);
    let dy = random(&shape, 4);
    let mut y = ArrayD::zeros(IxDyn(&shape));
    let mut bn = BatchNorm::<f32>::new(BatchNormConfig::bn2d(64)).unwrap();
    g.throughput(Throughput::Bytes((2 * n * 4) as u64));
    g.bench_function("batch_norm2d_train_forward/32x64x56x56", |b| b.iter(|| black_box(bn.forward_into(black_box(&x), &mut y).unwrap())));
    let (_, cache) = bn.forward(&x).unwrap();
    g.throughput(Throughput::Bytes((3 * n * 4) as u64));
    g.bench_function("batch_norm2d_train_backward/32x64x56x56", |b| {
        b.iter(|| black_box(bn.backward_into(black_box(&x), black_box(&dy), &cache, &mut y).unwrap()))
    });

    let n = 16_777_216usize;
    let xs = vec![1.5f32; n];
    let mut ys = vec![0.0f32; n];
    let mut rng = Rng::seed_from_u64(5);
    g.throughput(Throughput::Bytes((2 * n * 4) as u64));
    g.bench_function("dropout_forward/16777216_p0.5", |b| {
        b.iter(|| regularizers::dropout::dropout_into(black_box(&xs), &mut ys, 0.5, &mut rng).unwrap())
    });
    g.finish();
}

criterion_group!(benches, kernels);
criterion_main!(benches);
