//! Single-threaded f32 kernel speed, as a fraction of memcpy bandwidth.
//!
//! `cargo run --release -p regularizers --example kernels [op-name-filter ...]` prints one JSON line per kernel:
//! `{"op", "shape", "dtype", "median_ms", "memcpy_ms", "bytes", "ratio_vs_memcpy"}`.
//!
//! The kernels write into preallocated outputs (`forward_into` / `backward_into`), as the memcpy
//! baseline does: allocating and page-faulting a fresh 32 MB output per call would measure the
//! kernel's page-fault handler, not the kernel.
//!
//! Times are the calling thread's CPU time on Linux (wall time elsewhere), for the kernel and for
//! memcpy alike, so that a machine shared with other jobs still gives comparable figures.
//!
//! `bytes` counts each large input read once and each large output written once (the per-channel or
//! per-column parameters are negligible and not counted). `memcpy_ms` is the median time of
//! `copy_from_slice` moving the same number of bytes (reading `bytes/2`, writing `bytes/2`), measured in
//! the same run; `ratio_vs_memcpy = memcpy_ms / median_ms` (1.0 = as fast as a copy of the same traffic).

use ndarray::{ArrayD, IxDyn};
use regularizers::Rng;
use regularizers::batch_norm::{BatchNorm, BatchNormConfig};
use regularizers::layer_norm::{LayerNorm, LayerNormConfig, RmsNorm, RmsNormConfig};
use std::hint::black_box;
use std::time::Instant;

const REPEATS: usize = 21;

/// Time of the calling thread in seconds: its CPU time on Linux (so that other processes sharing the
/// cores do not inflate the figures; the kernels are single-threaded and never sleep), wall time elsewhere.
fn now() -> f64 {
    #[cfg(target_os = "linux")]
    {
        #[repr(C)]
        struct Timespec {
            tv_sec: i64,
            tv_nsec: i64,
        }
        unsafe extern "C" {
            fn clock_gettime(clock: i32, tp: *mut Timespec) -> i32;
        }
        const CLOCK_THREAD_CPUTIME_ID: i32 = 3;
        let mut t = Timespec { tv_sec: 0, tv_nsec: 0 };
        // SAFETY: `t` is a valid, writable timespec; the clock id is a Linux constant.
        if unsafe { clock_gettime(CLOCK_THREAD_CPUTIME_ID, &mut t) } == 0 {
            return t.tv_sec as f64 + t.tv_nsec as f64 * 1e-9;
        }
    }
    thread_local!(static START: Instant = Instant::now());
    START.with(|s| s.elapsed().as_secs_f64())
}

/// Median time of `f` in milliseconds (after one warm-up call).
fn median_ms(mut f: impl FnMut()) -> f64 {
    f();
    let mut t: Vec<f64> = (0..REPEATS)
        .map(|_| {
            let start = now();
            f();
            (now() - start) * 1e3
        })
        .collect();
    t.sort_by(f64::total_cmp);
    t[REPEATS / 2]
}

/// Median time of copying `bytes / 2` bytes with `copy_from_slice` (total traffic `bytes`).
fn memcpy_ms(bytes: usize) -> f64 {
    let n = bytes / 2 / 4;
    let src = vec![1.0f32; n];
    let mut dst = vec![0.0f32; n];
    median_ms(|| {
        dst.copy_from_slice(black_box(&src));
        black_box(&mut dst);
    })
}

fn report(op: &str, shape: &[usize], bytes: usize, ms: f64) {
    let mc = memcpy_ms(bytes);
    println!(
        "{{\"op\": \"{op}\", \"shape\": {shape:?}, \"dtype\": \"f32\", \"median_ms\": {ms:.3}, \"memcpy_ms\": {mc:.3}, \"bytes\": {bytes}, \"ratio_vs_memcpy\": {:.2}}}",
        mc / ms
    );
}

fn random(shape: &[usize], seed: u64) -> ArrayD<f32> {
    let mut rng = Rng::seed_from_u64(seed);
    ArrayD::from_shape_simple_fn(IxDyn(shape), || rng.normal() as f32)
}

fn main() {
    let selected: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with('-')).collect();
    let want = |op: &str| selected.is_empty() || selected.iter().any(|s| op.contains(s.as_str()) || s.contains(op));
    let f = 4; // bytes per f32

    let ln_shape = [8192usize, 1024];
    let n = ln_shape.iter().product::<usize>();
    if want("layer_norm") {
        let x = random(&ln_shape, 1);
        let dy = random(&ln_shape, 2);
        let ln = LayerNorm::<f32>::new(LayerNormConfig::new(&[1024])).unwrap();
        let mut y = ArrayD::zeros(IxDyn(&ln_shape));
        let ms = median_ms(|| {
            black_box(ln.forward_into(black_box(&x), &mut y).unwrap());
        });
        report("layer_norm_forward", &ln_shape, 2 * n * f, ms);
        let (_, cache) = ln.forward(&x).unwrap();
        let ms = median_ms(|| {
            black_box(ln.backward_into(black_box(&x), black_box(&dy), &cache, &mut y).unwrap());
        });
        report("layer_norm_backward", &ln_shape, 3 * n * f, ms);
    }
    if want("rms_norm") {
        let x = random(&ln_shape, 3);
        let rms = RmsNorm::<f32>::new(RmsNormConfig::new(&[1024])).unwrap();
        let mut y = ArrayD::zeros(IxDyn(&ln_shape));
        let ms = median_ms(|| {
            black_box(rms.forward_into(black_box(&x), &mut y).unwrap());
        });
        report("rms_norm_forward", &ln_shape, 2 * n * f, ms);
    }
    if want("batch_norm2d") {
        let shape = [32usize, 64, 56, 56];
        let n = shape.iter().product::<usize>();
        let x = random(&shape, 4);
        let dy = random(&shape, 5);
        let mut bn = BatchNorm::<f32>::new(BatchNormConfig::bn2d(64)).unwrap();
        let mut y = ArrayD::zeros(IxDyn(&shape));
        let ms = median_ms(|| {
            black_box(bn.forward_into(black_box(&x), &mut y).unwrap());
        });
        report("batch_norm2d_train_forward", &shape, 2 * n * f, ms);
        let (_, cache) = bn.forward(&x).unwrap();
        let ms = median_ms(|| {
            black_box(bn.backward_into(black_box(&x), black_box(&dy), &cache, &mut y).unwrap());
        });
        report("batch_norm2d_train_backward", &shape, 3 * n * f, ms);
    }
    if want("dropout") {
        let n = 16_777_216usize;
        let x = vec![1.5f32; n];
        let mut y = vec![0.0f32; n];
        let mut rng = Rng::seed_from_u64(6);
        let ms = median_ms(|| {
            regularizers::dropout::dropout_into(black_box(&x), &mut y, 0.5, &mut rng).unwrap();
            black_box(&mut y);
        });
        report("dropout_forward", &[n], 2 * n * f, ms);
    }
}
