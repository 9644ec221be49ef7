//! Slice kernels shared by every normalization layer of the crate.
//!
//! They work on contiguous slices (never per-element ndarray indexing) and accumulate in `f64`
//! with [`LANES`] independent accumulators: independent accumulators let the compiler vectorize a
//! floating-point reduction (it may not reorder a single running sum), and they also shorten the
//! rounding chains, so an `f32` sum of a few thousand values stays accurate to about `1e-15`.

use crate::Float;

/// Defines `$name` as a dispatcher to the `#[inline(always)]` kernel `$kernel`, compiled twice: for
/// AVX2 + FMA (used when the CPU has them) and for the baseline target.
///
/// The crate is built for baseline x86-64 (SSE2), where an `f64` vector holds two values; the
/// normalization loops only become memory-bound with 4-wide `f64` / 8-wide `f32` vectors. Because
/// `$kernel` and the slice kernels it calls are `#[inline(always)]`, the `avx2` copy is compiled
/// entirely for AVX2. Rust never contracts `a * b + c` into an FMA, so both copies give
/// bit-identical results.
macro_rules! simd_dispatch {
    ($(#[$m:meta])* $vis:vis fn $name:ident<T: Float>($($a:ident: $t:ty),* $(,)?) $(-> $r:ty)? => $kernel:ident) => {
        $(#[$m])*
        $vis fn $name<T: Float>($($a: $t),*) $(-> $r)? {
            #[cfg(target_arch = "x86_64")]
            {
                #[target_feature(enable = "avx2,fma")]
                fn avx2<T: Float>($($a: $t),*) $(-> $r)? {
                    $kernel($($a),*)
                }
                if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma") {
                    // SAFETY: the CPU supports every feature `avx2` is compiled with (checked just above).
                    return unsafe { avx2($($a),*) };
                }
            }
            $kernel($($a),*)
        }
    };
}
pub(crate) use simd_dispatch;

/// Number of independent accumulators in a reduction.
pub(crate) const LANES: usize = 8;

/// `v` as `f64` (exact for `f32` and `f64`).
#[inline(always)]
pub(crate) fn f64_of<T: Float>(v: T) -> f64 {
    Float::to_f64(v)
}

/// `v` rounded to `T`.
#[inline(always)]
pub(crate) fn from_f64<T: Float>(v: f64) -> T {
    <T as Float>::from_f64(v)
}

/// A `LANES`-long chunk as a fixed-size array: with the length known at compile time the compiler
/// drops the bounds checks and vectorizes across the lanes (measured 3–4× faster than indexing the
/// slice chunk).
#[inline(always)]
pub(crate) fn lanes<T>(c: &[T]) -> &[T; LANES] {
    c.try_into().expect("chunks_exact(LANES) yields LANES elements")
}

/// Mutable version of [`lanes`].
#[inline(always)]
pub(crate) fn lanes_mut<T>(c: &mut [T]) -> &mut [T; LANES] {
    c.try_into().expect("chunks_exact_mut(LANES) yields LANES elements")
}

/// Adds the lanes of a partial-sum vector and a scalar tail. (A sequential sum of the lanes: a
/// tree-shaped one made the compiler keep the lanes in 2-wide registers inside the hot loop.)
#[inline(always)]
fn finish(acc: [f64; LANES], tail: f64) -> f64 {
    acc.iter().sum::<f64>() + tail
}

/// `Σ x` accumulated in `f64`.
#[inline(always)]
pub(crate) fn sum<T: Float>(xs: &[T]) -> f64 {
    let mut acc = [0.0f64; LANES];
    let mut chunks = xs.chunks_exact(LANES);
    for c in &mut chunks {
        let c = lanes(c);
        for i in 0..LANES {
            acc[i] += f64_of(c[i]);
        }
    }
    let tail: f64 = chunks.remainder().iter().map(|&v| f64_of(v)).sum();
    finish(acc, tail)
}

/// `Σ (x − mean)²` accumulated in `f64`: the second pass of a two-pass variance, which never
/// suffers the cancellation of `E[x²] − E[x]²`.
#[inline(always)]
pub(crate) fn sum_sq_dev<T: Float>(xs: &[T], mean: f64) -> f64 {
    let mut acc = [0.0f64; LANES];
    let mut chunks = xs.chunks_exact(LANES);
    for c in &mut chunks {
        let c = lanes(c);
        for i in 0..LANES {
            let d = f64_of(c[i]) - mean;
            acc[i] += d * d;
        }
    }
    let tail: f64 = chunks.remainder().iter().map(|&v| (f64_of(v) - mean) * (f64_of(v) - mean)).sum();
    finish(acc, tail)
}

/// `Σ x²` accumulated in `f64` (RMSNorm's statistic; no mean is subtracted there).
#[inline(always)]
pub(crate) fn sum_sq<T: Float>(xs: &[T]) -> f64 {
    sum_sq_dev(xs, 0.0)
}

/// Mean and *biased* variance (divide by `n`) of a non-empty slice, by two passes.
#[inline(always)]
pub(crate) fn mean_var<T: Float>(xs: &[T]) -> (f64, f64) {
    let n = xs.len() as f64;
    let mean = sum(xs) / n;
    (mean, sum_sq_dev(xs, mean) / n)
}

/// `x − mean` evaluated in `T` without losing the digits that a large common offset would cancel.
///
/// The `f64` mean is split into `hi` (the nearest `T`) and `lo` (the rest). When `x` is close to the
/// mean, `x − hi` is exact (Sterbenz's lemma), so `(x − hi) − lo` is accurate to a rounding of the
/// *small* result; subtracting a rounded mean instead would leave an error of half an ulp of the
/// offset (about 5e-4 at 1e4 in `f32`, i.e. 5 % of a standard deviation of 1e-2).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Center<T> {
    hi: T,
    lo: T,
}

impl<T: Float> Center<T> {
    #[inline(always)]
    pub(crate) fn new(mean: f64) -> Self {
        let hi: T = from_f64(mean);
        let lo: T = from_f64(mean - f64_of(hi));
        // A non-finite mean (NaN or infinite input) must stay NaN/inf, not turn into NaN by inf − inf.
        let lo = if lo.is_finite() { lo } else { T::zero() };
        Center { hi, lo }
    }
    #[inline(always)]
    pub(crate) fn apply(&self, x: T) -> T {
        (x - self.hi) - self.lo
    }
}

/// `y = (x − mean)·scale + shift` over a slice (one channel of one sample), evaluated in `f64` and
/// rounded once: in eval mode `x − running_mean` need not be small, and three `f32` roundings of a
/// value of size 1e4 would cost more accuracy than PyTorch loses.
#[inline(always)]
pub(crate) fn normalize_segment<T: Float>(x: &[T], y: &mut [T], mean: f64, scale: f64, shift: f64) {
    for (yi, &xi) in y.iter_mut().zip(x) {
        *yi = from_f64((f64_of(xi) - mean) * scale + shift);
    }
}

/// `Σ dy·(x − mean)` accumulated in `f64`.
#[inline(always)]
pub(crate) fn dot_centered<T: Float>(dy: &[T], x: &[T], mean: f64) -> f64 {
    let mut acc = [0.0f64; LANES];
    let mut dc = dy.chunks_exact(LANES);
    let mut xc = x.chunks_exact(LANES);
    for (d, v) in (&mut dc).zip(&mut xc) {
        let (d, v) = (lanes(d), lanes(v));
        for i in 0..LANES {
            acc[i] += f64_of(d[i]) * (f64_of(v[i]) - mean);
        }
    }
    let tail: f64 = dc.remainder().iter().zip(xc.remainder()).map(|(&d, &v)| f64_of(d) * (f64_of(v) - mean)).sum();
    finish(acc, tail)
}

/// `(Σ dy, Σ dy·x̂)` over a segment, with `x̂ = (x − mean)·rstd`, in `f64` (two simple reductions,
/// each of which vectorizes; the segment is read twice from L1 cache).
#[inline(always)]
pub(crate) fn grad_sums<T: Float>(x: &[T], dy: &[T], mean: f64, rstd: f64) -> (f64, f64) {
    (sum(dy), dot_centered(dy, x, mean) * rstd)
}

/// `dx = rstd·(dy·γ − a − x̂·b)` over a segment with one `γ`: the closed form of every
/// normalization's input gradient (`a = mean(g)`, `b = mean(g·x̂)` over the normalization group,
/// `g = dy·γ`), in `f64` and rounded once.
#[inline(always)]
pub(crate) fn input_grad_segment<T: Float>(x: &[T], dy: &[T], dx: &mut [T], mean: f64, rstd: f64, [gamma, a, b]: [f64; 3]) {
    for ((o, &xi), &di) in dx.iter_mut().zip(x).zip(dy) {
        let xhat = (f64_of(xi) - mean) * rstd;
        *o = from_f64(rstd * (f64_of(di) * gamma - a - xhat * b));
    }
}

/// Running mean and biased M2 of a sequence of blocks, merged with Chan et al.'s formula, so that a
/// channel of BatchNorm spread over `N` blocks of `S` values is read from memory once for its statistics.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Moments {
    pub(crate) count: f64,
    pub(crate) mean: f64,
    pub(crate) m2: f64,
}

impl Moments {
    /// Moments of one block (two passes; the block is small enough to stay in L1).
    #[inline(always)]
    pub(crate) fn of<T: Float>(xs: &[T]) -> Self {
        let n = xs.len() as f64;
        let mean = sum(xs) / n;
        Moments { count: n, mean, m2: sum_sq_dev(xs, mean) }
    }
    /// Merges two sets of moments: `δ = m_b − m_a`, `M2 = M2_a + M2_b + δ²·n_a·n_b/n`.
    #[inline(always)]
    pub(crate) fn merge(self, o: Moments) -> Moments {
        if self.count == 0.0 {
            return o;
        }
        if o.count == 0.0 {
            return self;
        }
        let n = self.count + o.count;
        let delta = o.mean - self.mean;
        Moments {
            count: n,
            mean: self.mean + delta * (o.count / n),
            m2: self.m2 + o.m2 + delta * delta * (self.count * o.count / n),
        }
    }
}

/// Width of the fused row kernel: 16 values per step, i.e. 16 independent `f64` accumulators (four
/// AVX2 vectors) per sum — enough to hide the latency of the `f64` additions.
pub(crate) const WIDE: usize = 16;

/// A `WIDE`-long chunk as a fixed-size array (see [`lanes`]).
#[inline(always)]
fn wide<T>(c: &[T]) -> &[T; WIDE] {
    c.try_into().expect("chunks_exact(WIDE) yields WIDE elements")
}

/// Mutable version of [`wide`].
#[inline(always)]
fn wide_mut<T>(c: &mut [T]) -> &mut [T; WIDE] {
    c.try_into().expect("chunks_exact_mut(WIDE) yields WIDE elements")
}

/// The per-row working set of the LayerNorm backward pass: one row of `x̂`, and the parameter-gradient
/// column sums `∂L/∂γ = Σ_rows dy·x̂`, `∂L/∂β = Σ_rows dy`.
///
/// Two tricks, both measured on the `8192 × 1024` `f32` benchmark:
///
/// * **Blocked column sums.** Each block of [`RowScratch::BLOCK`] rows is summed in `T`, and the
///   block sums are added into `f64` totals. Adding every row straight into `f64` converts two more
///   values per element to `f64` and doubles the accumulators' size, which made the whole backward
///   pass about 40 % slower; a sum of 8 `f32` values loses at most a few ulps of that sum.
/// * **Staggered addresses.** The three scratch rows start about ¼, ½ and ¾ of a 4 KiB page after
///   the input rows (modulo 4 KiB). A load whose address agrees in its low 12 bits with an earlier,
///   still-pending store waits for that store ("4K aliasing"); with `d·size_of::<T>()` a multiple of
///   4 KiB, loading `x[j]`, `dy[j]` while storing `x̂[j]` and the sums at the same page offset made
///   the pass about 20–25 % slower.
#[derive(Debug, Clone)]
pub(crate) struct RowScratch<T> {
    buf: Vec<T>,
    /// Starts of `x̂`, the `∂L/∂γ` block and the `∂L/∂β` block in `buf`.
    at: [usize; 3],
    d: usize,
    dgamma: Vec<f64>,
    dbeta: Vec<f64>,
    rows_in_block: usize,
}

impl<T: Float> RowScratch<T> {
    /// Rows summed in `T` before their sum is added to the `f64` totals.
    pub(crate) const BLOCK: usize = 8;

    /// Scratch for rows of `d` values, staggered relative to the rows of `rows_like` (the input).
    pub(crate) fn new(d: usize, rows_like: &[T]) -> Self {
        const PAGE: usize = 4096;
        let size = std::mem::size_of::<T>();
        let buf = vec![T::zero(); 3 * (d + PAGE / size)];
        let (base, anchor) = (buf.as_ptr() as usize, rows_like.as_ptr() as usize);
        let (mut at, mut next) = ([0; 3], 0);
        for (k, start) in at.iter_mut().enumerate() {
            let want = (anchor + (k + 1) * PAGE / 4) % PAGE;
            let skip = (want + PAGE - (base + next * size) % PAGE) % PAGE;
            *start = next + skip / size;
            next = *start + d;
        }
        RowScratch { buf, at, d, dgamma: vec![0.0; d], dbeta: vec![0.0; d], rows_in_block: 0 }
    }

    /// `(x̂, ∂L/∂γ block, ∂L/∂β block)`: the row of `x̂`, and the running sums of the current block
    /// of rows, to which one row is to be added.
    #[inline(always)]
    pub(crate) fn rows(&mut self) -> (&mut [T], &mut [T], &mut [T]) {
        let (d, [a, b, c]) = (self.d, self.at);
        let (xhat, rest) = self.buf[a..].split_at_mut(b - a);
        let (dgamma, rest) = rest.split_at_mut(c - b);
        (&mut xhat[..d], &mut dgamma[..d], &mut rest[..d])
    }

    /// Marks the end of a row; adds the block sums to the totals every `BLOCK` rows.
    #[inline(always)]
    pub(crate) fn end_row(&mut self) {
        self.rows_in_block += 1;
        if self.rows_in_block == Self::BLOCK {
            self.flush();
        }
    }

    fn flush(&mut self) {
        let [_, b, c] = self.at;
        for (at, total) in [(b, &mut self.dgamma), (c, &mut self.dbeta)] {
            for (s, t) in self.buf[at..at + self.d].iter_mut().zip(total.iter_mut()) {
                *t += f64_of(*s);
                *s = T::zero();
            }
        }
        self.rows_in_block = 0;
    }

    /// The column sums `(∂L/∂γ, ∂L/∂β)`.
    pub(crate) fn finish(mut self) -> (Vec<f64>, Vec<f64>) {
        self.flush();
        (self.dgamma, self.dbeta)
    }
}

simd_dispatch! {
    /// [`layer_norm_backward_row_sums_kernel`], dispatched on its own rather than inlined into the
    /// whole backward pass: compiled there, its accumulators were spilled to the stack.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn layer_norm_backward_row_sums<T: Float>(
        x: &[T], dy: &[T], gamma: &[T], center: Center<T>, rstd: T, xhat: &mut [T], dgamma: &mut [T], dbeta: &mut [T],
    ) -> (f64, f64) => layer_norm_backward_row_sums_kernel
}

/// The first pass of the LayerNorm backward over one row, fused so that `x` and `dy` are read once:
/// stores `x̂ = (x − μ)·rstd` in `xhat` (for the second pass), adds `dy·x̂` to `dgamma` and `dy`
/// to `dbeta` (the current blocks of the parameter-gradient column sums) and returns the row sums
/// `(Σ g, Σ g·x̂)` with `g = dy·γ`, accumulated in `f64` over [`WIDE`] lanes.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn layer_norm_backward_row_sums_kernel<T: Float>(
    x: &[T],
    dy: &[T],
    gamma: &[T],
    center: Center<T>,
    rstd: T,
    xhat: &mut [T],
    dgamma: &mut [T],
    dbeta: &mut [T],
) -> (f64, f64) {
    let (mut acc_g, mut acc_gh) = ([0.0f64; WIDE], [0.0f64; WIDE]);
    let chunks = x.chunks_exact(WIDE).zip(dy.chunks_exact(WIDE)).zip(gamma.chunks_exact(WIDE));
    let outs = xhat.chunks_exact_mut(WIDE).zip(dgamma.chunks_exact_mut(WIDE)).zip(dbeta.chunks_exact_mut(WIDE));
    for (((xc, dc), wc), ((hc, dgc), dbc)) in chunks.zip(outs) {
        let (xc, dc, wc) = (wide(xc), wide(dc), wide(wc));
        let (hc, dgc, dbc) = (wide_mut(hc), wide_mut(dgc), wide_mut(dbc));
        for i in 0..WIDE {
            let h = center.apply(xc[i]) * rstd;
            hc[i] = h;
            dgc[i] = dgc[i] + dc[i] * h;
            dbc[i] = dbc[i] + dc[i];
            let g = f64_of(dc[i] * wc[i]);
            acc_g[i] += g;
            acc_gh[i] += g * f64_of(h); // exact product of two f32 values
        }
    }
    let (mut tail_g, mut tail_gh) = (0.0, 0.0);
    for j in x.len() - x.len() % WIDE..x.len() {
        let h = center.apply(x[j]) * rstd;
        xhat[j] = h;
        dgamma[j] = dgamma[j] + dy[j] * h;
        dbeta[j] = dbeta[j] + dy[j];
        let g = f64_of(dy[j] * gamma[j]);
        tail_g += g;
        tail_gh += g * f64_of(h);
    }
    (acc_g.iter().sum::<f64>() + tail_g, acc_gh.iter().sum::<f64>() + tail_gh)
}
