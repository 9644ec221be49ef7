//! The six experiments. Each returns its figures (zh and en) and a results table (zh and en).

use crate::data::{self, Dataset, permutation};
use crate::nn::{Dense, Mlp, Norm, mse, relu};
use crate::plot::{Panel, SERIES, legend, legend_row, mean_min_max, summary, ticks};
use crate::progress::Progress;
use crate::train::{Curve, L1Mode, Opt, TrainConfig, train_classifier};
use figures::{Lang, Svg, fixed, palette};
use ndarray::{Array1, Array2, Axis};
use regularizers::batch_norm::{BatchNorm, BatchNormConfig};
use regularizers::dropout::mc_dropout;
use regularizers::{Result, Rng};

/// Sizes of every experiment: [`Scale::full`] for the book, [`Scale::small`] for the test.
#[derive(Debug, Clone)]
pub struct Scale {
    /// `"full"` or `"small"`.
    pub name: &'static str,
    /// Seeds per configuration.
    pub seeds: u64,
    /// Test images used (at most 797).
    pub test_size: usize,
    /// Digits / regularizers: training images, epochs, evaluation interval, hidden widths.
    pub e1_train: usize,
    /// Epochs of the digits / regularizers runs.
    pub e1_epochs: usize,
    /// Evaluation interval (epochs).
    pub e1_eval_every: usize,
    /// Hidden layer widths.
    pub e1_hidden: Vec<usize>,
    /// Norms / batch size: training images, epochs and batch sizes.
    pub e2_train: usize,
    /// Epochs.
    pub e2_epochs: usize,
    /// Batch sizes, largest first.
    pub e2_batches: Vec<usize>,
    /// MC dropout: full-batch Adam steps and Monte Carlo passes.
    pub e3_steps: usize,
    /// Monte Carlo passes.
    pub e3_passes: usize,
    /// Adam + L2 vs AdamW: training images, epochs, learning rates.
    pub e4_train: usize,
    /// Epochs.
    pub e4_epochs: usize,
    /// Learning rates.
    pub e4_lrs: Vec<f64>,
    /// L1: epochs.
    pub e5_epochs: usize,
    /// Variance shift: training-mode batches that estimate BN's running variance.
    pub e6_batches: usize,
}

impl Scale {
    /// The book's figures.
    pub fn full() -> Scale {
        Scale {
            name: "full",
            seeds: 5,
            test_size: data::TEST_SIZE,
            e1_train: 200,
            e1_epochs: 150,
            e1_eval_every: 5,
            e1_hidden: vec![128, 128],
            e2_train: 1000,
            e2_epochs: 10,
            e2_batches: vec![64, 16, 4, 2],
            e3_steps: 3000,
            e3_passes: 200,
            e4_train: 1000,
            e4_epochs: 20,
            e4_lrs: vec![1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2],
            e5_epochs: 60,
            e6_batches: 400,
        }
    }

    /// A few seconds' version of every experiment, for the test.
    pub fn small() -> Scale {
        Scale {
            name: "small",
            seeds: 2,
            test_size: 200,
            e1_train: 100,
            e1_epochs: 6,
            e1_eval_every: 2,
            e1_hidden: vec![32, 32],
            e2_train: 200,
            e2_epochs: 2,
            e2_batches: vec![16, 4],
            e3_steps: 100,
            e3_passes: 10,
            e4_train: 200,
            e4_epochs: 2,
            e4_lrs: vec![1e-3, 1e-2],
            e5_epochs: 3,
            e6_batches: 10,
        }
    }

    fn units(&self) -> usize {
        let s = self.seeds as usize;
        E1_CONFIGS.len() * s + 3 * self.e2_batches.len() * s + 1 + 3 * self.e4_lrs.len() * s + 2 * s + E6_PS.len() * s
    }
}

/// Everything the suite produces.
#[derive(Debug, Clone, PartialEq)]
pub struct SuiteOutput {
    /// `(file name, language, SVG)`; files go to `src/<lang>/figures/`.
    pub figures: Vec<(String, Lang, String)>,
    /// The results tables, Markdown, Chinese.
    pub summary_zh: String,
    /// The results tables, Markdown, English.
    pub summary_en: String,
}

struct Exp {
    figures: Vec<(String, Lang, String)>,
    anchor: &'static str,
    zh: String,
    en: String,
}

/// Runs every experiment at `scale`; `show_progress` draws the bar on stderr.
pub fn run_suite(scale: &Scale, show_progress: bool) -> Result<SuiteOutput> {
    let progress = Progress::new(scale.units(), show_progress);
    let all = data::digits();
    let (pool, test_full) = data::split(&all);
    let test = test_full.select(&(0..scale.test_size.min(test_full.len())).collect::<Vec<_>>());
    let exps = vec![
        e1_digits(scale, &pool, &test, &progress)?,
        e2_norms(scale, &pool, &test, &progress)?,
        e3_mc_dropout(scale, &progress)?,
        e4_adamw(scale, &pool, &test, &progress)?,
        e5_l1(scale, &pool, &test, &progress)?,
        e6_variance_shift(scale, &pool, &progress)?,
    ];
    progress.set_label("done");
    progress.finish();
    let mut out = SuiteOutput { figures: Vec::new(), summary_zh: String::new(), summary_en: String::new() };
    let head = |lang: Lang| {
        format!(
            "<!-- {} `cargo xtask figures` ({} scale). {} -->\n",
            lang.t("由", "Written by"),
            scale.name,
            lang.t("请勿手改。", "Do not edit by hand.")
        )
    };
    out.summary_zh.push_str(&head(Lang::Zh));
    out.summary_en.push_str(&head(Lang::En));
    for e in exps {
        out.figures.extend(e.figures);
        for (s, body) in [(&mut out.summary_zh, &e.zh), (&mut out.summary_en, &e.en)] {
            s.push_str(&format!("\n<!-- ANCHOR: {} -->\n{}<!-- ANCHOR_END: {} -->\n", e.anchor, body, e.anchor));
        }
    }
    Ok(out)
}

fn md_table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let esc: Vec<String> = headers.iter().map(|h| h.replace('|', "\\|")).collect();
    let mut s = format!("| {} |\n|{}\n", esc.join(" | "), "---|".repeat(headers.len()));
    for r in rows {
        let cells: Vec<String> = r.iter().map(|c| c.replace('|', "\\|")).collect();
        s.push_str(&format!("| {} |\n", cells.join(" | ")));
    }
    s
}

fn pct(v: f64) -> String {
    fixed(100.0 * v, 1)
}

fn run_seed(base: u64, seed: u64) -> u64 {
    base * 1000 + seed
}

/// A `nice` upper bound and tick step for data up to `max`.
fn nice_range(max: f64) -> (f64, f64) {
    let steps = [0.1, 0.2, 0.25, 0.5, 1.0, 2.0, 2.5, 5.0, 10.0, 20.0, 25.0, 50.0, 100.0, 200.0, 250.0, 500.0, 1000.0];
    for s in steps {
        if max <= 5.0 * s {
            let hi = (max / s).ceil().max(1.0) * s;
            return (hi, s);
        }
    }
    (max.ceil(), (max / 5.0).ceil())
}

// ------------------------------------------------------------------------------------------------
// 1. Digits: baseline vs L2, L1, dropout, BN, augmentation, combination
// ------------------------------------------------------------------------------------------------

struct E1Config {
    zh: &'static str,
    en: &'static str,
    short_zh: &'static str,
    short_en: &'static str,
    wd: f64,
    l1: f64,
    p: f64,
    bn: bool,
    aug: bool,
}

/// λ of L2 (SGD weight_decay) in the digits experiment.
pub const E1_L2: f64 = 5e-3;
/// λ of L1 (subgradient) in the digits experiment.
pub const E1_L1: f64 = 1e-4;
/// Dropout rate in the digits experiment.
pub const E1_P: f64 = 0.3;

const E1_CONFIGS: [E1Config; 7] = [
    E1Config { zh: "基线", en: "baseline", short_zh: "基线", short_en: "base", wd: 0.0, l1: 0.0, p: 0.0, bn: false, aug: false },
    E1Config { zh: "L2", en: "L2", short_zh: "L2", short_en: "L2", wd: E1_L2, l1: 0.0, p: 0.0, bn: false, aug: false },
    E1Config { zh: "L1", en: "L1", short_zh: "L1", short_en: "L1", wd: 0.0, l1: E1_L1, p: 0.0, bn: false, aug: false },
    E1Config { zh: "Dropout", en: "dropout", short_zh: "Dropout", short_en: "drop", wd: 0.0, l1: 0.0, p: E1_P, bn: false, aug: false },
    E1Config { zh: "BN", en: "BN", short_zh: "BN", short_en: "BN", wd: 0.0, l1: 0.0, p: 0.0, bn: true, aug: false },
    E1Config { zh: "平移增强", en: "shifts", short_zh: "增强", short_en: "shift", wd: 0.0, l1: 0.0, p: 0.0, bn: false, aug: true },
    E1Config { zh: "L2+Dropout+增强", en: "L2+dropout+shifts", short_zh: "组合", short_en: "combo", wd: E1_L2, l1: 0.0, p: E1_P, bn: false, aug: true },
];

fn e1_digits(scale: &Scale, pool: &Dataset, test: &Dataset, progress: &Progress) -> Result<Exp> {
    progress.set_label("digits: regularizers");
    let mut curves: Vec<Vec<Curve>> = Vec::new();
    for cfg in &E1_CONFIGS {
        let mut runs = Vec::new();
        for seed in 0..scale.seeds {
            // The training subset depends on the seed only, so every configuration sees the same images.
            let idx = permutation(pool.len(), &mut Rng::seed_from_u64(run_seed(11, seed)));
            let train = pool.select(&idx[..scale.e1_train]);
            let mut rng = Rng::seed_from_u64(run_seed(12, seed));
            let norm = if cfg.bn { Norm::Batch } else { Norm::None };
            let mut net = Mlp::<f32>::new(64, &scale.e1_hidden, 10, norm, cfg.p, &mut rng)?;
            let tc = TrainConfig {
                opt: Opt::Sgd { lr: 0.05, momentum: 0.9 },
                weight_decay: cfg.wd,
                l1: cfg.l1,
                l1_mode: L1Mode::Subgradient,
                batch: 20,
                epochs: scale.e1_epochs,
                augment: cfg.aug,
                eval_every: scale.e1_eval_every,
            };
            runs.push(train_classifier(&mut net, tc, &train, test, &mut rng, &mut || {})?);
            progress.tick();
        }
        curves.push(runs);
    }
    let mut figs = Vec::new();
    for lang in Lang::ALL {
        figs.push(("exp-digits-acc.svg".to_string(), lang, e1_svg(scale, &curves, lang, true)));
        figs.push(("exp-digits-loss.svg".to_string(), lang, e1_svg(scale, &curves, lang, false)));
    }
    let rows = |lang: Lang| -> Vec<Vec<String>> {
        E1_CONFIGS
            .iter()
            .zip(&curves)
            .map(|(cfg, runs)| {
                let last = |f: fn(&Curve) -> &Vec<f64>| -> Vec<f64> { runs.iter().map(|c| *f(c).last().unwrap()).collect() };
                let tr = last(|c| &c.train_acc);
                let te = last(|c| &c.test_acc);
                let tl = last(|c| &c.test_loss);
                let best: Vec<f64> = runs.iter().map(|c| c.test_loss.iter().copied().fold(f64::INFINITY, f64::min)).collect();
                let m = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
                let lo = |v: &[f64]| v.iter().copied().fold(f64::INFINITY, f64::min);
                let hi = |v: &[f64]| v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                vec![
                    lang.t(cfg.zh, cfg.en).to_string(),
                    pct(m(&tr)),
                    format!("{} ({}–{})", pct(m(&te)), pct(lo(&te)), pct(hi(&te))),
                    fixed(m(&tl), 3),
                    fixed(m(&best), 3),
                ]
            })
            .collect()
    };
    let zh = md_table(&["设置", "训练准确率 %", "测试准确率 %（最小–最大）", "最终测试损失", "最低测试损失"], &rows(Lang::Zh));
    let en = md_table(&["setting", "train acc. %", "test acc. % (min–max)", "final test loss", "lowest test loss"], &rows(Lang::En));
    Ok(Exp { figures: figs, anchor: "digits", zh, en })
}

fn e1_svg(scale: &Scale, curves: &[Vec<Curve>], lang: Lang, acc: bool) -> String {
    let (w, h) = (930.0, 430.0);
    let (title, desc) = if acc {
        (
            lang.t("手写数字：各正则化方法的训练/测试准确率", "Digits: train and test accuracy with each regularizer"),
            lang.t(
                "七个小图各对应一种设置，画出训练准确率与测试准确率随轮数的变化（各种子的均值，阴影为最小–最大范围）；第八个小图汇总最终测试准确率。",
                "Seven small panels, one per setting, show train and test accuracy against epochs (mean over the seeds, shaded min–max); the eighth summarizes final test accuracy.",
            ),
        )
    } else {
        (
            lang.t("手写数字：各正则化方法的训练/测试损失", "Digits: train and test loss with each regularizer"),
            lang.t(
                "七个小图各对应一种设置，画出训练与测试交叉熵随轮数的变化（均值与最小–最大范围）；第八个小图汇总最低与最终测试损失。",
                "Seven small panels, one per setting, show train and test cross-entropy against epochs (mean and min–max); the eighth summarizes the lowest and final test loss.",
            ),
        )
    };
    let mut svg = Svg::new(w, h, lang, title, desc);
    let metric = |c: &Curve, train: bool| -> Vec<f64> {
        match (acc, train) {
            (true, true) => c.train_acc.iter().map(|v| 100.0 * v).collect(),
            (true, false) => c.test_acc.iter().map(|v| 100.0 * v).collect(),
            (false, true) => c.train_loss.clone(),
            (false, false) => c.test_loss.clone(),
        }
    };
    let ymax_loss = curves
        .iter()
        .flatten()
        .flat_map(|c| c.test_loss.iter().chain(&c.train_loss))
        .copied()
        .fold(0.0f64, f64::max)
        .min(3.0);
    let (yr, ystep, yd) = if acc { ((60.0, 100.0), 10.0, 0) } else { ((0.0, nice_range(ymax_loss).0), nice_range(ymax_loss).1, 1) };
    let epochs = scale.e1_epochs as f64;
    let xstep = if scale.e1_epochs >= 50 { 50.0 } else { 2.0 };
    let (pw, ph) = (170.0, 120.0);
    let pos = |i: usize| (60.0 + (i % 4) as f64 * (pw + 58.0), 70.0 + (i / 4) as f64 * (ph + 75.0));
    legend_row(
        &mut svg,
        60.0,
        30.0,
        140.0,
        &[
            (SERIES[1], lang.t("训练集", "train").to_string(), false),
            (SERIES[2], lang.t("测试集", "test").to_string(), false),
            (SERIES[0], lang.t("基线的测试集（参照）", "baseline test (reference)").to_string(), true),
        ],
    );
    let base_test = mean_min_max(&curves[0].iter().map(|c| metric(c, false)).collect::<Vec<_>>()).0;
    for (i, (cfg, runs)) in E1_CONFIGS.iter().zip(curves).enumerate() {
        let (x0, y0) = pos(i);
        let p = Panel::new(x0, y0, pw, ph, (0.0, epochs), yr);
        let ylabel = if i % 4 == 0 {
            if acc { lang.t("准确率 %", "accuracy %") } else { lang.t("交叉熵", "cross-entropy") }
        } else {
            ""
        };
        p.axes(&mut svg, &ticks(0.0, epochs, xstep, 0), &ticks(yr.0, yr.1, ystep, yd), lang.t("轮数", "epoch"), ylabel, lang.t(cfg.zh, cfg.en));
        let xs: Vec<f64> = runs[0].epoch.iter().map(|&e| e as f64).collect();
        for (train, color) in [(true, SERIES[1]), (false, SERIES[2])] {
            let (m, lo, hi) = mean_min_max(&runs.iter().map(|c| metric(c, train)).collect::<Vec<_>>());
            p.band(&mut svg, &xs, &lo, &hi, color, 0.18);
            p.line(&mut svg, &xs.iter().copied().zip(m).collect::<Vec<_>>(), color, 1.6, None);
        }
        if i > 0 {
            p.line(&mut svg, &xs.iter().copied().zip(base_test.iter().copied()).collect::<Vec<_>>(), SERIES[0], 1.2, Some("4 3"));
        }
    }
    // Summary panel: final test metric per setting (mean, min–max whiskers).
    let (x0, y0) = pos(7);
    let n = E1_CONFIGS.len() as f64;
    let p = Panel::new(x0, y0, pw, ph, (-0.6, n - 0.4), yr);
    let stitle = if acc { lang.t("最终测试准确率", "final test accuracy") } else { lang.t("测试损失：最低（空心）/最终", "test loss: lowest (open) / final") };
    p.axes(&mut svg, &[], &ticks(yr.0, yr.1, ystep, yd), "", "", stitle);
    for (i, (cfg, runs)) in E1_CONFIGS.iter().zip(curves).enumerate() {
        let finals: Vec<f64> = runs.iter().map(|c| *metric(c, false).last().unwrap()).collect();
        let m = finals.iter().sum::<f64>() / finals.len() as f64;
        let lo = finals.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = finals.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let color = if i == 0 { SERIES[0] } else { SERIES[2] };
        p.whisker(&mut svg, i as f64, lo, hi, color);
        p.dots(&mut svg, &[(i as f64, m)], color, 3.0);
        if !acc {
            let best: Vec<f64> = runs.iter().map(|c| c.test_loss.iter().copied().fold(f64::INFINITY, f64::min)).collect();
            let mb = best.iter().sum::<f64>() / best.len() as f64;
            svg.circle(p.px(i as f64), p.py(mb), 3.0, &format!(r#"fill="white" stroke="{color}" stroke-width="1.2""#));
        }
        let (lx, ly) = (p.px(i as f64), y0 + ph + 8.0);
        svg.raw(&format!(
            r#"<text x="{}" y="{}" font-size="9" text-anchor="end" transform="rotate(-45 {} {})" fill="{}">{}</text>"#,
            figures::num(lx),
            figures::num(ly),
            figures::num(lx),
            figures::num(ly),
            palette::INK,
            figures::esc(lang.t(cfg.short_zh, cfg.short_en))
        ));
    }
    svg.finish()
}

// ------------------------------------------------------------------------------------------------
// 2. BN vs GN vs LN as the batch shrinks
// ------------------------------------------------------------------------------------------------

const E2_NORMS: [(Norm, &str); 3] = [(Norm::Batch, "BN"), (Norm::Group(8), "GN (8)"), (Norm::Layer, "LN")];

fn e2_norms(scale: &Scale, pool: &Dataset, test: &Dataset, progress: &Progress) -> Result<Exp> {
    progress.set_label("norms vs batch size");
    let train = pool.select(&(0..scale.e2_train).collect::<Vec<_>>());
    // results[norm][batch] = per-seed (test acc, test loss)
    let mut results: Vec<Vec<Vec<(f64, f64)>>> = Vec::new();
    for (norm, _) in E2_NORMS {
        let mut per_batch = Vec::new();
        for &b in &scale.e2_batches {
            let mut per_seed = Vec::new();
            for seed in 0..scale.seeds {
                let mut rng = Rng::seed_from_u64(run_seed(21, seed));
                let mut net = Mlp::<f32>::new(64, &[64, 64], 10, norm, 0.0, &mut rng)?;
                let tc = TrainConfig {
                    opt: Opt::Adam { lr: 1e-3 },
                    weight_decay: 0.0,
                    l1: 0.0,
                    l1_mode: L1Mode::Subgradient,
                    batch: b,
                    epochs: scale.e2_epochs,
                    augment: false,
                    eval_every: scale.e2_epochs,
                };
                let c = train_classifier(&mut net, tc, &train, test, &mut rng, &mut || {})?;
                per_seed.push((*c.test_acc.last().unwrap(), *c.test_loss.last().unwrap()));
                progress.tick();
            }
            per_batch.push(per_seed);
        }
        results.push(per_batch);
    }
    let stats = |v: &[(f64, f64)], acc: bool| -> (f64, f64, f64) {
        let xs: Vec<f64> = v.iter().map(|p| if acc { 100.0 * p.0 } else { p.1 }).collect();
        summary(&xs)
    };
    let mut figs = Vec::new();
    for lang in Lang::ALL {
        let mut svg = Svg::new(
            760.0,
            330.0,
            lang,
            lang.t("批越小，BN 越差；GN、LN 不受影响", "As the batch shrinks, BN degrades; GN and LN do not"),
            lang.t(
                "横轴为批大小（从大到小），纵轴为测试准确率与测试损失，三条线分别是 BN、GN、LN（均值，须线为最小–最大）。",
                "Batch size on the x axis (large to small), test accuracy and test loss on the y axes, one line each for BN, GN and LN (mean, whiskers min–max).",
            ),
        );
        let bmax = scale.e2_batches[0] as f64;
        let bmin = *scale.e2_batches.last().unwrap() as f64;
        let xr = (bmax * 1.5, bmin / 1.5);
        let xt: Vec<(f64, String)> = scale.e2_batches.iter().map(|&b| (b as f64, b.to_string())).collect();
        let lmax = results.iter().flatten().flatten().map(|p| p.1).fold(0.0f64, f64::max).min(3.0);
        let amin = results.iter().flatten().flatten().map(|p| 100.0 * p.0).fold(100.0f64, f64::min);
        let alo = ((amin - 5.0) / 10.0).floor() * 10.0;
        let (lhi, lstep) = nice_range(lmax);
        for (k, acc) in [true, false].into_iter().enumerate() {
            let yr = if acc { (alo.max(0.0), 100.0) } else { (0.0, lhi) };
            let mut p = Panel::new(70.0 + k as f64 * 370.0, 60.0, 290.0, 210.0, xr, yr);
            p.xlog = true;
            let yt = if acc { ticks(yr.0, 100.0, if 100.0 - yr.0 > 40.0 { 20.0 } else { 10.0 }, 0) } else { ticks(0.0, lhi, lstep, 2) };
            p.axes(
                &mut svg,
                &xt,
                &yt,
                lang.t("批大小", "batch size"),
                if acc { lang.t("测试准确率 %", "test accuracy %") } else { lang.t("测试交叉熵", "test cross-entropy") },
                if acc { lang.t("测试准确率", "test accuracy") } else { lang.t("测试损失", "test loss") },
            );
            for (ni, per_batch) in results.iter().enumerate() {
                let color = SERIES[ni + 1];
                let mut pts = Vec::new();
                for (bi, v) in per_batch.iter().enumerate() {
                    let (m, lo, hi) = stats(v, acc);
                    let x = scale.e2_batches[bi] as f64 * (1.0 + 0.06 * (ni as f64 - 1.0));
                    p.whisker(&mut svg, x, lo, hi, color);
                    pts.push((x, m));
                }
                p.line(&mut svg, &pts, color, 1.8, None);
                p.dots(&mut svg, &pts, color, 3.0);
            }
        }
        legend_row(&mut svg, 70.0, 30.0, 120.0, &E2_NORMS.iter().enumerate().map(|(i, (_, n))| (SERIES[i + 1], n.to_string(), false)).collect::<Vec<_>>());
        figs.push(("exp-norm-batch.svg".to_string(), lang, svg.finish()));
    }
    let table = |lang: Lang| {
        let mut headers = vec![lang.t("归一化", "normalization").to_string()];
        headers.extend(scale.e2_batches.iter().map(|b| format!("{} {b}", lang.t("批", "batch"))));
        let rows: Vec<Vec<String>> = E2_NORMS
            .iter()
            .zip(&results)
            .map(|((_, name), per_batch)| {
                let mut r = vec![name.to_string()];
                r.extend(per_batch.iter().map(|v| {
                    let (m, lo, hi) = stats(v, true);
                    format!("{} ({}–{})", fixed(m, 1), fixed(lo, 1), fixed(hi, 1))
                }));
                r
            })
            .collect();
        md_table(&headers.iter().map(String::as_str).collect::<Vec<_>>(), &rows)
    };
    Ok(Exp { figures: figs, anchor: "norm-batch", zh: table(Lang::Zh), en: table(Lang::En) })
}

// ------------------------------------------------------------------------------------------------
// 3. MC dropout on 1-D regression
// ------------------------------------------------------------------------------------------------

/// The function the regression data are drawn from.
fn e3_truth(x: f64) -> f64 {
    (1.5 * x).sin()
}

fn e3_mc_dropout(scale: &Scale, progress: &Progress) -> Result<Exp> {
    progress.set_label("MC dropout");
    let mut rng = Rng::seed_from_u64(31);
    let n = 48;
    let xs: Vec<f64> = (0..n).map(|_| -2.0 + 4.0 * rng.uniform()).collect();
    let ys: Vec<f64> = xs.iter().map(|&x| e3_truth(x) + 0.1 * rng.normal()).collect();
    let x = Array2::from_shape_vec((n, 1), xs.iter().map(|&v| v as f32).collect()).expect("shape");
    let y = Array2::from_shape_vec((n, 1), ys.iter().map(|&v| v as f32).collect()).expect("shape");
    let p = 0.2;
    let mut net = Mlp::<f32>::new(1, &[64, 64], 1, Norm::None, p, &mut rng)?;
    let tc = TrainConfig {
        opt: Opt::Adam { lr: 3e-3 },
        weight_decay: 0.0,
        l1: 0.0,
        l1_mode: L1Mode::Subgradient,
        batch: n,
        epochs: 1,
        augment: false,
        eval_every: 1,
    };
    let mut opt = crate::train::Optimizer::new(&mut net, tc)?;
    for _ in 0..scale.e3_steps {
        let (out, tape) = net.forward(&x, &mut rng)?;
        let (_, g) = mse(&out, &y);
        let grads = net.backward(&tape, &g)?;
        opt.step(&mut net, &grads)?;
    }
    net.eval();
    let grid: Vec<f64> = (0..=120).map(|i| -6.0 + 0.1 * i as f64).collect();
    let gx = Array2::from_shape_vec((grid.len(), 1), grid.iter().map(|&v| v as f32).collect()).expect("shape");
    let est = mc_dropout(scale.e3_passes, &mut rng, |r| Ok(net.forward_with(&gx, r, true)?.0))?;
    let mean: Vec<f64> = est.mean.iter().map(|&v| v as f64).collect();
    let std: Vec<f64> = est.variance.iter().map(|&v| (v as f64).sqrt()).collect();
    progress.tick();
    let inside: Vec<f64> = grid.iter().zip(&std).filter(|(x, _)| x.abs() <= 2.0).map(|(_, s)| *s).collect();
    let std_in = inside.iter().sum::<f64>() / inside.len() as f64;
    let std_at = |x0: f64| std[grid.iter().position(|&x| (x - x0).abs() < 1e-9).expect("grid point")];
    let (s_l4, s_r4, s_l6, s_r6) = (std_at(-4.0), std_at(4.0), std_at(-6.0), std_at(6.0));
    // Grid points outside the training interval where the true function leaves mean ± 2σ.
    let outside: Vec<usize> = (0..grid.len()).filter(|&i| grid[i].abs() > 2.0 + 1e-9).collect();
    let missed = outside.iter().filter(|&&i| (e3_truth(grid[i]) - mean[i]).abs() > 2.0 * std[i]).count();
    let mut figs = Vec::new();
    for lang in Lang::ALL {
        let mut svg = Svg::new(
            800.0,
            330.0,
            lang,
            lang.t("MC Dropout：离训练数据越远，预测的标准差越大", "MC Dropout: the predictive spread grows away from the training data"),
            lang.t(
                "左图：训练点（-2 到 2 之间）、真实函数、MC Dropout 预测均值及均值 ±2 倍标准差；右图：预测标准差随 x 的变化。",
                "Left: training points (between −2 and 2), the true function, the MC Dropout predictive mean and mean ± 2 standard deviations; right: the predictive standard deviation against x.",
            ),
        );
        let pl = Panel::new(60.0, 55.0, 390.0, 220.0, (-6.0, 6.0), (-3.0, 3.0));
        let smax = std.iter().copied().fold(0.0f64, f64::max);
        let (shi, sstep) = nice_range(smax);
        let pr = Panel::new(530.0, 55.0, 240.0, 220.0, (-6.0, 6.0), (0.0, shi));
        for p in [&pl, &pr] {
            svg.rect(p.px(-2.0), p.y, p.px(2.0) - p.px(-2.0), p.h, &format!(r#"fill="{}""#, palette::GRAY_LIGHT));
        }
        pl.axes(&mut svg, &ticks(-6.0, 6.0, 2.0, 0), &ticks(-3.0, 3.0, 1.0, 0), "x", "y", lang.t("预测均值 ± 2σ", "predictive mean ± 2σ"));
        for p in [&pl, &pr] {
            svg.text(p.px(0.0), p.y + 14.0, lang.t("训练区间", "training interval"), &format!(r#"font-size="10" text-anchor="middle" fill="{}""#, palette::MUTED));
        }
        pr.axes(&mut svg, &ticks(-6.0, 6.0, 2.0, 0), &ticks(0.0, shi, sstep, 2), "x", lang.t("预测标准差 σ", "predictive std σ"), lang.t("不确定性", "uncertainty"));
        let lo: Vec<f64> = mean.iter().zip(&std).map(|(m, s)| m - 2.0 * s).collect();
        let hi: Vec<f64> = mean.iter().zip(&std).map(|(m, s)| m + 2.0 * s).collect();
        pl.band(&mut svg, &grid, &lo, &hi, SERIES[1], 0.2);
        pl.line(&mut svg, &grid.iter().map(|&x| (x, e3_truth(x))).collect::<Vec<_>>(), SERIES[0], 1.4, Some("5 3"));
        pl.line(&mut svg, &grid.iter().copied().zip(mean.iter().copied()).collect::<Vec<_>>(), SERIES[1], 1.8, None);
        pl.dots(&mut svg, &xs.iter().copied().zip(ys.iter().copied()).collect::<Vec<_>>(), SERIES[2], 2.3);
        pr.line(&mut svg, &grid.iter().copied().zip(std.iter().copied()).collect::<Vec<_>>(), SERIES[1], 1.8, None);
        legend_row(
            &mut svg,
            60.0,
            28.0,
            150.0,
            &[
                (SERIES[2], lang.t("训练点", "training points").to_string(), false),
                (SERIES[0], lang.t("真实函数 sin(1.5x)", "true sin(1.5x)").to_string(), true),
                (SERIES[1], lang.t("MC 均值（T 次前向）", "MC mean (T passes)").to_string(), false),
            ],
        );
        figs.push(("exp-mc-dropout.svg".to_string(), lang, svg.finish()));
    }
    let table = |lang: Lang| {
        md_table(
            &[lang.t("量", "quantity"), lang.t("值", "value")],
            &[
                vec![lang.t("σ，训练区间 |x| ≤ 2 内的平均", "σ, mean over the training interval |x| ≤ 2").to_string(), fixed(std_in, 3)],
                vec![lang.t("σ，x = −4", "σ at x = −4").to_string(), fixed(s_l4, 3)],
                vec![lang.t("σ，x = 4", "σ at x = 4").to_string(), fixed(s_r4, 3)],
                vec![lang.t("σ，x = −6", "σ at x = −6").to_string(), fixed(s_l6, 3)],
                vec![lang.t("σ，x = 6", "σ at x = 6").to_string(), fixed(s_r6, 3)],
                vec![
                    lang.t("训练区间外真实函数落在均值 ± 2σ 之外的网格点", "grid points outside the interval where the true function is outside mean ± 2σ").to_string(),
                    format!("{missed} / {}", outside.len()),
                ],
            ],
        )
    };
    Ok(Exp { figures: figs, anchor: "mc-dropout", zh: table(Lang::Zh), en: table(Lang::En) })
}

// ------------------------------------------------------------------------------------------------
// 4. Adam + L2 vs AdamW across learning rates
// ------------------------------------------------------------------------------------------------

/// A row of the Adam + L2 vs AdamW experiment: zh and en names, optimizer for a learning rate, λ.
type E4Mode = (&'static str, &'static str, fn(f64) -> Opt, f64);

/// The nominal λ given to both Adam (coupled L2) and AdamW (decoupled).
pub const E4_LAMBDA: f64 = 0.05;

fn e4_adamw(scale: &Scale, pool: &Dataset, test: &Dataset, progress: &Progress) -> Result<Exp> {
    progress.set_label("Adam+L2 vs AdamW");
    let train = pool.select(&(0..scale.e4_train).collect::<Vec<_>>());
    let modes: [E4Mode; 3] = [
        ("Adam（λ = 0）", "Adam (λ = 0)", |lr| Opt::Adam { lr }, 0.0),
        ("Adam + L2", "Adam + L2", |lr| Opt::Adam { lr }, E4_LAMBDA),
        ("AdamW", "AdamW", |lr| Opt::AdamW { lr }, E4_LAMBDA),
    ];
    // res[mode][lr] = per-seed (test acc, test loss, weight norm)
    let mut res: Vec<Vec<Vec<(f64, f64, f64)>>> = Vec::new();
    for (_, _, make, wd) in &modes {
        let mut per_lr = Vec::new();
        for &lr in &scale.e4_lrs {
            let mut per_seed = Vec::new();
            for seed in 0..scale.seeds {
                let mut rng = Rng::seed_from_u64(run_seed(41, seed));
                let mut net = Mlp::<f32>::new(64, &[128], 10, Norm::None, 0.0, &mut rng)?;
                let tc = TrainConfig {
                    opt: make(lr),
                    weight_decay: *wd,
                    l1: 0.0,
                    l1_mode: L1Mode::Subgradient,
                    batch: 32,
                    epochs: scale.e4_epochs,
                    augment: false,
                    eval_every: scale.e4_epochs,
                };
                let c = train_classifier(&mut net, tc, &train, test, &mut rng, &mut || {})?;
                let norm = net.dense_weights().iter().flat_map(|w| w.iter()).map(|&v| (v as f64) * (v as f64)).sum::<f64>().sqrt();
                per_seed.push((*c.test_acc.last().unwrap(), *c.test_loss.last().unwrap(), norm));
                progress.tick();
            }
            per_lr.push(per_seed);
        }
        res.push(per_lr);
    }
    let stat = |v: &[(f64, f64, f64)], k: usize| -> (f64, f64, f64) {
        let xs: Vec<f64> = v.iter().map(|p| [100.0 * p.0, p.1, p.2][k]).collect();
        summary(&xs)
    };
    let lrs = &scale.e4_lrs;
    let xr = (lrs[0] / 1.6, lrs[lrs.len() - 1] * 1.6);
    let lr_label = |v: f64| {
        let e = v.log10().floor();
        let m = v / 10f64.powf(e);
        if (m - 1.0).abs() < 1e-9 { format!("1e{}", e as i32) } else { format!("{}e{}", fixed(m, 0), e as i32) }
    };
    let xt: Vec<(f64, String)> = lrs.iter().map(|&v| (v, lr_label(v))).collect();
    let mut figs = Vec::new();
    for lang in Lang::ALL {
        let mut svg = Svg::new(
            1000.0,
            330.0,
            lang,
            lang.t("同一个名义 λ：Adam + L2 与 AdamW 随学习率的变化", "The same nominal λ: Adam + L2 vs AdamW across learning rates"),
            lang.t(
                "横轴为学习率（对数），三个小图分别为测试准确率、测试损失和全连接权重的范数；三条线为不加衰减的 Adam、Adam + L2 与 AdamW（均值，须线为最小–最大）。",
                "Learning rate on a log x axis; the three panels show test accuracy, test loss and the norm of the dense weights, for Adam without decay, Adam + L2 and AdamW (mean, whiskers min–max).",
            ),
        );
        let all: Vec<(f64, f64, f64)> = res.iter().flatten().flatten().copied().collect();
        let amin = all.iter().map(|p| 100.0 * p.0).fold(100.0f64, f64::min);
        let alo = ((amin - 5.0) / 10.0).floor() * 10.0;
        let (lhi, lstep) = nice_range(all.iter().map(|p| p.1).fold(0.0f64, f64::max).min(3.0));
        let (nhi, nstep) = nice_range(all.iter().map(|p| p.2).fold(0.0f64, f64::max));
        let specs = [
            (lang.t("测试准确率 %", "test accuracy %"), (alo.max(0.0), 100.0), if 100.0 - alo > 40.0 { 20.0 } else { 10.0 }, 0usize),
            (lang.t("测试交叉熵", "test cross-entropy"), (0.0, lhi), lstep, 2),
            (lang.t("权重范数 ‖W‖", "weight norm ‖W‖"), (0.0, nhi), nstep, 0),
        ];
        for (k, (label, yr, step, d)) in specs.into_iter().enumerate() {
            let mut p = Panel::new(70.0 + k as f64 * 315.0, 60.0, 240.0, 210.0, xr, yr);
            p.xlog = true;
            p.axes(&mut svg, &xt, &ticks(yr.0, yr.1, step, d), lang.t("学习率 η", "learning rate η"), label, label);
            for (mi, per_lr) in res.iter().enumerate() {
                let color = SERIES[mi];
                let mut pts = Vec::new();
                for (li, v) in per_lr.iter().enumerate() {
                    let (m, lo, hi) = stat(v, k);
                    let x = lrs[li] * (1.0 + 0.07 * (mi as f64 - 1.0));
                    p.whisker(&mut svg, x, lo, hi, color);
                    pts.push((x, m));
                }
                p.line(&mut svg, &pts, color, 1.8, if mi == 0 { Some("5 3") } else { None });
                p.dots(&mut svg, &pts, color, 2.8);
            }
        }
        legend_row(
            &mut svg,
            70.0,
            28.0,
            170.0,
            &modes
                .iter()
                .enumerate()
                .map(|(i, m)| (SERIES[i], format!("{}{}", lang.t(m.0, m.1), if i > 0 { format!(", λ = {E4_LAMBDA}") } else { String::new() }), i == 0))
                .collect::<Vec<_>>(),
        );
        figs.push(("exp-adamw.svg".to_string(), lang, svg.finish()));
    }
    let table = |lang: Lang| {
        let mut headers = vec![lang.t("优化器", "optimizer").to_string()];
        headers.extend(lrs.iter().map(|&v| format!("η = {}", lr_label(v))));
        let mut rows = Vec::new();
        for (k, what) in [(0usize, lang.t("测试准确率 %", "test acc. %")), (2, lang.t("‖W‖", "‖W‖"))] {
            for (m, per_lr) in modes.iter().zip(&res) {
                let mut r = vec![format!("{}：{}", lang.t(m.0, m.1), what).replace("：", if lang == Lang::En { ": " } else { "：" })];
                r.extend(per_lr.iter().map(|v| fixed(stat(v, k).0, 1)));
                rows.push(r);
            }
        }
        md_table(&headers.iter().map(String::as_str).collect::<Vec<_>>(), &rows)
    };
    Ok(Exp { figures: figs, anchor: "adamw", zh: table(Lang::Zh), en: table(Lang::En) })
}

// ------------------------------------------------------------------------------------------------
// 5. L1: exact zeros only with the proximal step
// ------------------------------------------------------------------------------------------------

/// λ of the L1 experiment.
pub const E5_LAMBDA: f64 = 1e-3;
/// Learning rate of the L1 experiment (plain SGD, no momentum).
pub const E5_LR: f64 = 0.1;

fn e5_l1(scale: &Scale, pool: &Dataset, test: &Dataset, progress: &Progress) -> Result<Exp> {
    progress.set_label("L1: subgradient vs prox");
    let modes = [(L1Mode::Subgradient, "次梯度", "subgradient"), (L1Mode::Proximal, "近端（软阈值）", "proximal (soft-threshold)")];
    // per mode, per seed: (exact zeros, |w| < 1e-3, total, test acc), and the first-layer weights of seed 0
    let mut counts: Vec<Vec<(usize, usize, usize, f64)>> = Vec::new();
    let mut hist_w: Vec<Vec<f64>> = Vec::new();
    for (mode, _, _) in modes {
        let mut per_seed = Vec::new();
        for seed in 0..scale.seeds {
            let mut rng = Rng::seed_from_u64(run_seed(51, seed));
            let mut net = Mlp::<f32>::new(64, &[32], 10, Norm::None, 0.0, &mut rng)?;
            let tc = TrainConfig {
                opt: Opt::Sgd { lr: E5_LR, momentum: 0.0 },
                weight_decay: 0.0,
                l1: E5_LAMBDA,
                l1_mode: mode,
                batch: 32,
                epochs: scale.e5_epochs,
                augment: false,
                eval_every: scale.e5_epochs,
            };
            let c = train_classifier(&mut net, tc, pool, test, &mut rng, &mut || {})?;
            let ws: Vec<f64> = net.dense_weights().iter().flat_map(|w| w.iter()).map(|&v| v as f64).collect();
            let zeros = ws.iter().filter(|&&v| v == 0.0).count();
            let tiny = ws.iter().filter(|&&v| v.abs() < 1e-3).count();
            per_seed.push((zeros, tiny, ws.len(), *c.test_acc.last().unwrap()));
            if seed == 0 {
                hist_w.push(net.dense_weights()[0].iter().map(|&v| v as f64).collect());
            }
            progress.tick();
        }
        counts.push(per_seed);
    }
    let mean = |v: &[(usize, usize, usize, f64)], f: fn(&(usize, usize, usize, f64)) -> f64| v.iter().map(f).sum::<f64>() / v.len() as f64;
    let mut figs = Vec::new();
    // Histogram of log10|w| in bins 0.25 wide from 10^-7 to 10^0.5 (smaller magnitudes go to the first
    // bin), and a separate bar for weights that are exactly 0.
    let (lo_e, hi_e, bw) = (-7.0f64, 0.5f64, 0.25f64);
    let nb = ((hi_e - lo_e) / bw).round() as usize;
    let hists: Vec<(Vec<usize>, usize)> = hist_w
        .iter()
        .map(|w| {
            let mut h = vec![0usize; nb];
            let mut z = 0;
            for &v in w {
                if v == 0.0 {
                    z += 1;
                } else {
                    let b = ((v.abs().log10() - lo_e) / bw).floor().clamp(0.0, nb as f64 - 1.0) as usize;
                    h[b] += 1;
                }
            }
            (h, z)
        })
        .collect();
    let ymax = hists.iter().map(|(h, z)| (*z).max(h.iter().copied().max().unwrap_or(0))).max().unwrap_or(1) as f64;
    let (yhi, ystep) = nice_range(1.12 * ymax);
    for lang in Lang::ALL {
        let mut svg = Svg::new(
            860.0,
            330.0,
            lang,
            lang.t("L1 的精确零只来自近端步", "L1's exact zeros come from the proximal step"),
            lang.t(
                "第一层权重绝对值的直方图（横轴为 log10|w|，箱宽 0.25）。左：把次梯度 λ·sign(w) 加进梯度；右：每步之后做软阈值。最左边的红色柱是恰好等于 0 的权重个数。",
                "Histograms of the first layer's weight magnitudes (x axis log10|w|, bins 0.25 wide). Left: the subgradient λ·sign(w) added to the gradient; right: a soft-threshold after every step. The red bar on the far left counts weights that are exactly 0.",
            ),
        );
        for (k, ((_, zh, en), (h, z))) in modes.iter().zip(&hists).enumerate() {
            let p = Panel::new(70.0 + k as f64 * 410.0, 60.0, 340.0, 210.0, (lo_e - 1.5, hi_e), (0.0, yhi));
            let total = hist_w[k].len();
            let title = format!("{}：{} {} / {}", lang.t(zh, en), lang.t("精确零", "exact zeros"), z, total)
                .replace("：", if lang == Lang::En { ": " } else { "：" });
            let mut xt: Vec<(f64, String)> = vec![(lo_e - 0.9, "= 0".to_string())];
            xt.extend((0..=7).map(|i| (lo_e + i as f64, format!("1e{}", lo_e as i32 + i))));
            p.axes(&mut svg, &xt, &ticks(0.0, yhi, ystep, 0), lang.t("|w|（对数刻度）", "|w| (log scale)"), lang.t("个数", "count"), &title);
            for (i, &cnt) in h.iter().enumerate() {
                if cnt == 0 {
                    continue;
                }
                let a = lo_e + i as f64 * bw;
                let (x0, x1) = (p.px(a), p.px(a + bw));
                let y = p.py(cnt as f64);
                svg.rect(x0, y, x1 - x0, p.py(0.0) - y, &format!(r#"fill="{}" stroke="white" stroke-width="0.3""#, SERIES[1]));
            }
            let (x0, x1) = (p.px(lo_e - 1.2), p.px(lo_e - 0.6));
            let y = p.py(*z as f64);
            if *z > 0 {
                svg.rect(x0, y, x1 - x0, p.py(0.0) - y, &format!(r#"fill="{}""#, SERIES[5]));
            }
            svg.text((x0 + x1) / 2.0, y - 4.0, &z.to_string(), &format!(r#"font-size="10" text-anchor="middle" fill="{}""#, SERIES[5]));
            // the step's threshold ηλ
            let thr = (E5_LR * E5_LAMBDA).log10();
            p.line(&mut svg, &[(thr, 0.0), (thr, yhi)], SERIES[0], 1.0, Some("4 3"));
            svg.text(p.px(thr) + 3.0, p.y + 12.0, "ηλ", &format!(r#"font-size="10" fill="{}""#, palette::MUTED));
        }
        figs.push(("exp-l1-zeros.svg".to_string(), lang, svg.finish()));
    }
    let table = |lang: Lang| {
        let rows: Vec<Vec<String>> = modes
            .iter()
            .zip(&counts)
            .map(|((_, zh, en), v)| {
                vec![
                    lang.t(zh, en).to_string(),
                    fixed(mean(v, |c| 100.0 * c.0 as f64 / c.2 as f64), 1),
                    fixed(mean(v, |c| 100.0 * c.1 as f64 / c.2 as f64), 1),
                    fixed(mean(v, |c| 100.0 * c.3), 1),
                ]
            })
            .collect();
        md_table(
            &[
                lang.t("L1 的做法", "how L1 is applied"),
                lang.t("精确为 0 的权重 %", "weights exactly 0 %"),
                lang.t("|w| < 0.001 的权重 %", "weights with |w| < 0.001 %"),
                lang.t("测试准确率 %", "test acc. %"),
            ],
            &rows,
        )
    };
    Ok(Exp { figures: figs, anchor: "l1-zeros", zh: table(Lang::Zh), en: table(Lang::En) })
}

// ------------------------------------------------------------------------------------------------
// 6. Dropout before BN: the variance shift
// ------------------------------------------------------------------------------------------------

const E6_PS: [f64; 7] = [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6];

fn e6_variance_shift(scale: &Scale, pool: &Dataset, progress: &Progress) -> Result<Exp> {
    progress.set_label("dropout-BN variance shift");
    // res[p] = per-seed (measured ratio averaged over channels, predicted ratio averaged over channels)
    let mut res: Vec<Vec<(f64, f64)>> = Vec::new();
    for &p in &E6_PS {
        let mut per_seed = Vec::new();
        for seed in 0..scale.seeds {
            let mut rng = Rng::seed_from_u64(run_seed(61, seed));
            let d1 = Dense::<f32>::new(64, 128, &mut rng);
            let d2 = Dense::<f32>::new(128, 64, &mut rng);
            let mut bn = BatchNorm::<f32>::new(BatchNormConfig::new(64).with_momentum(None))?;
            let h_all = relu(&d1.forward(&pool.x));
            // Training mode: dropout on, BN accumulates its running variance (cumulative average).
            for _ in 0..scale.e6_batches {
                let idx: Vec<usize> = (0..50).map(|_| rng.below(pool.len() as u64) as usize).collect();
                let h = h_all.select(Axis(0), &idx);
                let hd = if p > 0.0 { regularizers::dropout::dropout_forward(&h, p, &mut rng)?.0 } else { h };
                bn.forward(&d2.forward(&hd).into_dyn())?;
            }
            // Eval mode: dropout is the identity; the BN input's actual variance over the data.
            let z = d2.forward(&h_all);
            let var_eval = variance_cols(&z);
            let running = bn.running_var.clone().expect("tracked");
            // Prediction: Var_train = Var_eval + p/(1−p) Σ_j W_jc² E[h_j²] (independent masks).
            let eh2: Array1<f64> = h_all.mapv(|v| (v as f64) * (v as f64)).mean_axis(Axis(0)).expect("rows");
            let mut meas = 0.0;
            let mut pred = 0.0;
            for c in 0..64 {
                let extra: f64 = (0..128).map(|j| (d2.w[[j, c]] as f64).powi(2) * eh2[j]).sum::<f64>() * p / (1.0 - p);
                meas += var_eval[c] / running[c] as f64 / 64.0;
                pred += var_eval[c] / (var_eval[c] + extra) / 64.0;
            }
            per_seed.push((meas, pred));
            progress.tick();
        }
        res.push(per_seed);
    }
    let stat = |v: &[(f64, f64)], k: usize| -> (f64, f64, f64) {
        let xs: Vec<f64> = v.iter().map(|q| if k == 0 { q.0 } else { q.1 }).collect();
        summary(&xs)
    };
    let mut figs = Vec::new();
    for lang in Lang::ALL {
        let mut svg = Svg::new(
            520.0,
            330.0,
            lang,
            lang.t("Dropout 放在 BN 前：推理时的方差偏移", "Dropout before BN: the variance shift at inference"),
            lang.t(
                "横轴为 Dropout 概率 p，纵轴为推理时 BN 输入的实际方差与训练时记下的 running_var 之比（各通道平均）；点为测量值（须线为种子间最小–最大），实线为公式预测，虚线为 1（无偏移）。",
                "Dropout probability p on the x axis; on the y axis the ratio of the BN input's actual variance at inference to the running_var recorded in training (mean over channels); dots are measured (whiskers min–max over seeds), the solid line is the formula, the dashed line is 1 (no shift).",
            ),
        );
        let p = Panel::new(70.0, 60.0, 400.0, 220.0, (-0.03, 0.63), (0.0, 1.1));
        p.axes(
            &mut svg,
            &ticks(0.0, 0.6, 0.1, 1),
            &ticks(0.0, 1.0, 0.2, 1),
            lang.t("Dropout 概率 p", "dropout probability p"),
            lang.t("推理方差 / running_var", "eval variance / running_var"),
            "",
        );
        p.line(&mut svg, &[(-0.03, 1.0), (0.63, 1.0)], SERIES[0], 1.2, Some("5 3"));
        let pred: Vec<(f64, f64)> = E6_PS.iter().zip(&res).map(|(&q, v)| (q, stat(v, 1).0)).collect();
        p.line(&mut svg, &pred, SERIES[1], 1.8, None);
        for (&q, v) in E6_PS.iter().zip(&res) {
            let (m, lo, hi) = stat(v, 0);
            p.whisker(&mut svg, q, lo, hi, SERIES[2]);
            p.dots(&mut svg, &[(q, m)], SERIES[2], 3.2);
        }
        legend(
            &mut svg,
            70.0,
            22.0,
            &[(SERIES[2], format!("{}{}{}", lang.t("测量值（", "measured ("), scale.seeds, lang.t(" 个种子）", " seeds)")), false)],
        );
        legend(
            &mut svg,
            70.0,
            40.0,
            &[(SERIES[1], lang.t("预测：Var / (Var + p/(1−p)·ΣW²E[h²])", "predicted: Var / (Var + p/(1−p)·ΣW²E[h²])").to_string(), false)],
        );
        figs.push(("exp-variance-shift.svg".to_string(), lang, svg.finish()));
    }
    let table = |lang: Lang| {
        let headers: Vec<String> =
            std::iter::once(lang.t("量", "quantity").to_string()).chain(E6_PS.iter().map(|q| format!("p = {}", fixed(*q, 1)))).collect();
        let rows = vec![
            std::iter::once(lang.t("测量：推理方差 / running_var", "measured: eval variance / running_var").to_string())
                .chain(res.iter().map(|v| fixed(stat(v, 0).0, 3)))
                .collect(),
            std::iter::once(lang.t("公式预测", "formula").to_string()).chain(res.iter().map(|v| fixed(stat(v, 1).0, 3))).collect(),
        ];
        md_table(&headers.iter().map(String::as_str).collect::<Vec<_>>(), &rows)
    };
    Ok(Exp { figures: figs, anchor: "variance-shift", zh: table(Lang::Zh), en: table(Lang::En) })
}

/// Unbiased variance of each column (two-pass: mean first, then squared deviations).
fn variance_cols(z: &Array2<f32>) -> Vec<f64> {
    let n = z.nrows() as f64;
    (0..z.ncols())
        .map(|c| {
            let col = z.column(c);
            let m = col.iter().map(|&v| v as f64).sum::<f64>() / n;
            col.iter().map(|&v| (v as f64 - m).powi(2)).sum::<f64>() / (n - 1.0)
        })
        .collect()
}
