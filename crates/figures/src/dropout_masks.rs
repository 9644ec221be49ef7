//! `dropout-masks.svg`: what standard Dropout, Dropout2d and DropPath zero out. The masks are the
//! companion crate's own: [`Dropout`], [`dropout2d`] and [`drop_path`] applied to all-ones inputs with
//! a seeded [`regularizers::Rng`].

use crate::palette::*;
use crate::{Lang, Svg};
use ndarray::{Array3, Array4};
use regularizers::Rng;
use regularizers::dropout::{Dropout, drop_path, dropout2d};

/// The drop probability drawn.
pub const P: f64 = 0.5;
/// The seed of the masks.
pub const SEED: u64 = 2024;
/// Channels per feature map and spatial size.
pub const CHANNELS: usize = 6;
/// Side of each (square) feature map.
pub const SIDE: usize = 5;
/// Batch size for DropPath.
pub const BATCH: usize = 8;

/// The three masks: element-wise `[c][i·SIDE + j]`, per channel `[c]`, per sample `[n]` (true = kept),
/// and the value a kept unit of an all-ones input takes (`1/(1 − p)`).
pub struct Masks {
    /// Dropout: one Bernoulli draw per element.
    pub element: Vec<Vec<bool>>,
    /// Dropout2d: one draw per channel.
    pub channel: Vec<bool>,
    /// DropPath: one draw per sample of the batch.
    pub sample: Vec<bool>,
    /// The output value of a kept unit for input 1.
    pub scale: f64,
}

/// Runs the crate's dropout functions on all-ones inputs and reads the masks off the outputs.
pub fn masks() -> Masks {
    let mut rng = Rng::seed_from_u64(SEED);
    let ones = Array4::<f64>::ones((1, CHANNELS, SIDE, SIDE));
    let (y, _) = Dropout::new(P)
        .expect("valid p")
        .forward(&ones, &mut rng)
        .expect("dropout");
    let element: Vec<Vec<bool>> = (0..CHANNELS)
        .map(|c| {
            (0..SIDE * SIDE)
                .map(|k| y[[0, c, k / SIDE, k % SIDE]] != 0.0)
                .collect()
        })
        .collect();
    let scale = y.iter().copied().fold(0.0, f64::max);
    let (y2, _) = dropout2d(&ones, P, &mut rng).expect("dropout2d");
    let channel: Vec<bool> = (0..CHANNELS).map(|c| y2[[0, c, 0, 0]] != 0.0).collect();
    let branch = Array3::<f64>::ones((BATCH, SIDE, SIDE));
    let (y3, _) = drop_path(&branch, P, true, true, &mut rng).expect("drop_path");
    let sample: Vec<bool> = (0..BATCH).map(|n| y3[[n, 0, 0]] != 0.0).collect();
    // every kept unit carries the same inverted-dropout scale
    for v in y.iter().chain(y2.iter()).chain(y3.iter()) {
        assert!(*v == 0.0 || *v == scale, "unexpected dropout output {v}");
    }
    Masks {
        element,
        channel,
        sample,
        scale,
    }
}

const CELL: f64 = 15.0;
const GAP: f64 = 42.0;
const KEPT: &str = "#3b82f6";
const DROPPED: &str = "#e5e7eb";

fn grid(s: &mut Svg, x: f64, y: f64, kept: &dyn Fn(usize) -> bool) {
    for i in 0..SIDE {
        for j in 0..SIDE {
            let fill = if kept(i * SIDE + j) { KEPT } else { DROPPED };
            s.rect(
                x + j as f64 * CELL,
                y + i as f64 * CELL,
                CELL,
                CELL,
                &format!(r##"fill="{}" stroke="#ffffff" stroke-width="1""##, fill),
            );
        }
    }
    let side = SIDE as f64 * CELL;
    s.rect(
        x,
        y,
        side,
        side,
        &format!(r#"fill="none" stroke="{}" stroke-width="1""#, MUTED),
    );
}

/// Draws the figure.
pub fn svg(lang: Lang) -> String {
    let m = masks();
    let width = 860.0;
    let height = 615.0;
    let title = lang.t(
        "三种 Dropout 置零的单位不同（p = 0.5）",
        "What each kind of dropout zeroes (p = 0.5)",
    );
    let count = |v: &[bool]| v.iter().filter(|&&k| k).count();
    let scale = crate::num(m.scale);
    let desc = match lang {
        Lang::Zh => format!(
            "用固定种子 {SEED} 的随机数生成器画出的掩码，蓝色为保留（训练时乘以 1/(1−p) = {scale}），灰色为置零。\
             第一行是标准 Dropout：{CHANNELS} 个 {SIDE}×{SIDE} 通道的每个元素独立丢弃，共保留 {} / {} 个元素。\
             第二行是 Dropout2d：整个通道一起丢弃，保留 {} / {CHANNELS} 个通道。\
             第三行是 DropPath（随机深度）：一个 batch 的 {BATCH} 个样本中，每个样本的残差分支 F(x) 整体丢弃或保留，\
             保留 {} / {BATCH} 个；被丢弃的样本只走恒等捷径 x。",
            m.element.iter().map(|c| count(c)).sum::<usize>(),
            CHANNELS * SIDE * SIDE,
            count(&m.channel),
            count(&m.sample)
        ),
        Lang::En => format!(
            "Masks drawn from a random number generator with the fixed seed {SEED}; blue is kept (scaled by \
             1/(1−p) = {scale} in training), grey is zeroed. Row 1, standard Dropout: each element of {CHANNELS} channels of \
             {SIDE}×{SIDE} is dropped independently; {} of {} elements are kept. Row 2, Dropout2d: whole channels are \
             dropped; {} of {CHANNELS} channels are kept. Row 3, DropPath (stochastic depth): for each of the {BATCH} \
             samples in a batch the residual branch F(x) is dropped or kept as a whole; {} of {BATCH} are kept, and a \
             dropped sample passes through the identity shortcut x only.",
            m.element.iter().map(|c| count(c)).sum::<usize>(),
            CHANNELS * SIDE * SIDE,
            count(&m.channel),
            count(&m.sample)
        ),
    };
    let mut s = Svg::new(width, height, lang, title, &desc);
    s.text(
        width / 2.0,
        28.0,
        title,
        &format!(
            r#"font-size="17" font-weight="bold" text-anchor="middle" fill="{}""#,
            INK
        ),
    );

    let left = 40.0;
    let side = SIDE as f64 * CELL;
    let head = |s: &mut Svg, y: f64, name: &str, what: &str| {
        s.text(
            left,
            y,
            name,
            &format!(r#"font-size="15" font-weight="bold" fill="{}""#, INK),
        );
        s.math(left, y + 20.0, what, 12.5, &format!(r#"fill="{}""#, MUTED));
    };
    let small = format!(r#"font-size="11.5" text-anchor="middle" fill="{}""#, MUTED);

    // Row 1: Dropout
    let mut y = 66.0;
    head(
        &mut s,
        y,
        lang.t("Dropout（nn.Dropout）", "Dropout (nn.Dropout)"),
        lang.t(
            "每个元素独立：以概率 p 置 0，其余乘 1/(1−p)。同一通道里相邻像素高度相关，丢掉零散像素的正则效果有限。",
            "Each element independently: zeroed with probability p, the rest scaled by 1/(1−p). Neighbouring pixels are correlated,",
        ),
    );
    if lang == Lang::En {
        s.text(
            left,
            y + 37.0,
            "so dropping scattered pixels regularizes a conv feature map only weakly.",
            &format!(r#"font-size="12.5" fill="{}""#, MUTED),
        );
    }
    let gy = y + 52.0;
    for (c, mask) in m.element.iter().enumerate() {
        let x = left + c as f64 * (side + GAP);
        grid(&mut s, x, gy, &|k| mask[k]);
        let label = match lang {
            Lang::Zh => format!("通道 {}：保留 {}/{}", c + 1, count(mask), SIDE * SIDE),
            Lang::En => format!("ch {}: {}/{} kept", c + 1, count(mask), SIDE * SIDE),
        };
        s.text(x + side / 2.0, gy + side + 15.0, &label, &small);
    }

    // Row 2: Dropout2d
    y = gy + side + 50.0;
    head(
        &mut s,
        y,
        lang.t("Dropout2d（SpatialDropout）", "Dropout2d (SpatialDropout)"),
        lang.t(
            "每个 (样本, 通道) 一次抽样：整张特征图一起置 0 或一起保留（乘 1/(1−p)）。",
            "One draw per (sample, channel): a whole feature map is zeroed, or kept and scaled by 1/(1−p).",
        ),
    );
    let gy = y + 36.0;
    for (c, &kept) in m.channel.iter().enumerate() {
        let x = left + c as f64 * (side + GAP);
        grid(&mut s, x, gy, &|_| kept);
        let label = match (lang, kept) {
            (Lang::Zh, true) => format!("通道 {}：保留", c + 1),
            (Lang::Zh, false) => format!("通道 {}：丢弃", c + 1),
            (Lang::En, true) => format!("ch {}: kept", c + 1),
            (Lang::En, false) => format!("ch {}: dropped", c + 1),
        };
        s.text(x + side / 2.0, gy + side + 15.0, &label, &small);
    }

    // Row 3: DropPath
    y = gy + side + 50.0;
    head(
        &mut s,
        y,
        lang.t("DropPath（随机深度）", "DropPath (stochastic depth)"),
        lang.t(
            "每个样本一次抽样：残差分支 F(x) 整体丢弃，只剩捷径 x；保留时输出 x + F(x)/(1−p)。",
            "One draw per sample: the residual branch F(x) is dropped as a whole, leaving the shortcut x; else x + F(x)/(1−p).",
        ),
    );
    let gy = y + 36.0;
    let step = side + 22.0;
    for (n, &kept) in m.sample.iter().enumerate() {
        let x = left + n as f64 * step;
        grid(&mut s, x, gy, &|_| kept);
        let (l1, l2) = match (lang, kept) {
            (Lang::Zh, true) => (
                format!("样本 {}", n + 1),
                format!("x + {}F(x)", crate::num(m.scale)),
            ),
            (Lang::Zh, false) => (format!("样本 {}", n + 1), "x".to_string()),
            (Lang::En, true) => (
                format!("sample {}", n + 1),
                format!("x + {}F(x)", crate::num(m.scale)),
            ),
            (Lang::En, false) => (format!("sample {}", n + 1), "x".to_string()),
        };
        s.text(x + side / 2.0, gy + side + 15.0, &l1, &small);
        s.text(
            x + side / 2.0,
            gy + side + 31.0,
            &l2,
            &format!(
                r#"font-size="12" font-style="italic" text-anchor="middle" fill="{}""#,
                if kept { BLUE } else { INK }
            ),
        );
    }

    // legend
    let ly = height - 40.0;
    s.rect(left, ly - 11.0, 13.0, 13.0, &format!(r#"fill="{}""#, KEPT));
    let kept_label = match lang {
        Lang::Zh => format!("保留（训练时乘以 1/(1−p) = {}）", crate::num(m.scale)),
        Lang::En => format!(
            "kept (scaled by 1/(1−p) = {} in training)",
            crate::num(m.scale)
        ),
    };
    s.text(
        left + 20.0,
        ly,
        &kept_label,
        &format!(r#"font-size="12" fill="{}""#, INK),
    );
    let lx2 = left + 300.0;
    s.rect(
        lx2,
        ly - 11.0,
        13.0,
        13.0,
        &format!(
            r#"fill="{}" stroke="{}" stroke-width="0.6""#,
            DROPPED, MUTED
        ),
    );
    s.text(
        lx2 + 20.0,
        ly,
        lang.t("置 0", "zeroed"),
        &format!(r#"font-size="12" fill="{}""#, INK),
    );
    s.text(
        left,
        ly + 22.0,
        &match lang {
            Lang::Zh => format!("掩码由 regularizers 的 Dropout、dropout2d、drop_path 生成（种子 {SEED}）；推理时三者都是恒等映射"),
            Lang::En => format!("masks from regularizers' Dropout, dropout2d, drop_path (seed {SEED}); at inference all three are the identity"),
        },
        &format!(r#"font-size="12" fill="{}""#, MUTED),
    );
    s.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_drawn_masks_show_both_outcomes() {
        let m = masks();
        let all: Vec<bool> = m.element.concat();
        assert!(all.contains(&true) && all.contains(&false));
        assert!(m.channel.contains(&true) && m.channel.contains(&false));
        assert!(m.sample.contains(&true) && m.sample.contains(&false));
        assert_eq!(m.scale, 1.0 / (1.0 - P));
    }
}
