//! `bn-train-eval.svg`: BatchNorm in training mode (batch statistics, running buffers updated) and in
//! evaluation mode (running statistics read, nothing updated).

use crate::palette::*;
use crate::{Lang, Svg};

const BOX_W: f64 = 196.0;

/// A rounded box with centred lines; each line is (markup, font size, bold).
fn boxed(
    s: &mut Svg,
    cx: f64,
    y: f64,
    h: f64,
    lines: &[(&str, f64, bool)],
    fill: &str,
    stroke: &str,
) {
    s.rect(
        cx - BOX_W / 2.0,
        y,
        BOX_W,
        h,
        &format!(
            r#"rx="7" fill="{}" stroke="{}" stroke-width="1.6""#,
            fill, stroke
        ),
    );
    let total: f64 = lines.iter().map(|l| l.1 * 1.45).sum();
    let mut ly = y + (h - total) / 2.0;
    for (text, size, bold) in lines {
        ly += size * 1.45;
        s.math(
            cx,
            ly - size * 0.42,
            text,
            *size,
            &format!(
                r#"text-anchor="middle" fill="{}"{}"#,
                INK,
                if *bold { r#" font-weight="bold""# } else { "" }
            ),
        );
    }
}

/// Draws the figure.
pub fn svg(lang: Lang) -> String {
    let width = 880.0;
    let height = 590.0;
    let title = lang.t(
        "BatchNorm：训练模式与推理模式",
        "BatchNorm in training vs evaluation mode",
    );
    let desc = lang.t(
        "上排为训练模式（model.train()）：对每个通道在 n = N·H·W 个值上计算 batch 均值 μ_B 与有偏方差 σ_B^2（除以 n），\
         用它们归一化，再做仿射 y = γx̂ + β；同时在 autograd 之外更新缓冲区：running_mean ← (1 − m)·running_mean + m·μ_B，\
         running_var ← (1 − m)·running_var + m·σ_B^2·n/(n − 1)（无偏方差），m 为 momentum，PyTorch 默认 0.1。\
         下排为推理模式（model.eval()）：只读取 running_mean 与 running_var 来归一化，什么都不更新，每个样本的输出与同 batch 的其他样本无关。",
        "Top row, training mode (model.train()): per channel, the batch mean μ_B and the biased variance σ_B^2 (divided by n) \
         over the n = N·H·W values normalize the input, followed by the affine y = γx̂ + β; the buffers are updated outside \
         autograd: running_mean ← (1 − m)·running_mean + m·μ_B and running_var ← (1 − m)·running_var + m·σ_B^2·n/(n − 1) \
         (the unbiased variance), with m the momentum, 0.1 by default in PyTorch. Bottom row, evaluation mode (model.eval()): \
         the running statistics are only read, nothing is updated, and each sample's output is independent of the rest of the batch.",
    );
    let mut s = Svg::new(width, height, lang, title, desc);
    s.text(
        width / 2.0,
        28.0,
        title,
        &format!(
            r#"font-size="17" font-weight="bold" text-anchor="middle" fill="{}""#,
            INK
        ),
    );
    let cols = [128.0, 345.0, 562.0, 779.0];
    let row_label = |s: &mut Svg, y: f64, text: &str, color: &str| {
        s.text(
            30.0,
            y,
            text,
            &format!(r#"font-size="15" font-weight="bold" fill="{}""#, color),
        );
    };

    // --- training row
    let ty = 82.0;
    row_label(
        &mut s,
        62.0,
        lang.t("训练  model.train()", "Training  model.train()"),
        BLUE,
    );
    let th = 104.0; // tallest box
    let small = 12.5;
    let norm = 13.5;
    boxed(
        &mut s,
        cols[0],
        ty + 22.0,
        60.0,
        &[
            (lang.t("输入一个 batch x", "input batch x"), norm, true),
            ("(N, C, H, W)", small, false),
        ],
        GRAY_LIGHT,
        MUTED,
    );
    boxed(
        &mut s,
        cols[1],
        ty,
        th,
        &[
            (
                lang.t("batch 统计量（每通道）", "batch stats (per channel)"),
                norm,
                true,
            ),
            ("μ_B = (1/n)·Σ x_i", small, false),
            ("σ_B^2 = (1/n)·Σ (x_i − μ_B)^2", small, false),
            (
                lang.t("有偏：除以 n，n = N·H·W", "biased: divide by n = N·H·W"),
                small,
                false,
            ),
        ],
        BLUE_LIGHT,
        BLUE,
    );
    boxed(
        &mut s,
        cols[2],
        ty + 22.0,
        60.0,
        &[
            (lang.t("归一化", "normalize"), norm, true),
            ("x̂ = (x − μ_B) / √(σ_B^2 + ε)", small, false),
        ],
        BLUE_LIGHT,
        BLUE,
    );
    boxed(
        &mut s,
        cols[3],
        ty + 22.0,
        60.0,
        &[
            (lang.t("仿射（可学习）", "affine (learned)"), norm, true),
            ("y = γ·x̂ + β", small, false),
        ],
        BLUE_LIGHT,
        BLUE,
    );
    let mid = ty + th / 2.0;
    for i in 0..3 {
        s.arrow(
            cols[i] + BOX_W / 2.0 + 2.0,
            mid,
            cols[i + 1] - BOX_W / 2.0 - 2.0,
            mid,
            INK,
            1.6,
        );
    }

    // --- buffers
    let by = 262.0;
    let bh = 62.0;
    s.rect(
        cols[0] - BOX_W / 2.0,
        by,
        cols[1] + BOX_W / 2.0 - (cols[0] - BOX_W / 2.0),
        bh,
        &format!(
            r#"rx="7" fill="{}" stroke="{}" stroke-width="1.6""#,
            ORANGE_LIGHT, ORANGE
        ),
    );
    let bcx = (cols[0] + cols[1]) / 2.0;
    s.text(
        bcx,
        by + 26.0,
        lang.t(
            "缓冲区 running_mean、running_var",
            "buffers running_mean, running_var",
        ),
        &format!(
            r#"font-size="14" font-weight="bold" text-anchor="middle" fill="{}""#,
            INK
        ),
    );
    s.text(
        bcx,
        by + 47.0,
        lang.t(
            "不是参数：没有梯度，优化器不更新",
            "not parameters: no gradient, not seen by the optimizer",
        ),
        &format!(r#"font-size="12.5" text-anchor="middle" fill="{}""#, INK),
    );
    // update arrow (training → buffers)
    s.arrow(cols[1], ty + th + 2.0, cols[1], by - 2.0, ORANGE, 2.0);
    s.text(
        cols[1] - 10.0,
        (ty + th + by) / 2.0 + 5.0,
        lang.t("更新", "update"),
        &format!(
            r#"font-size="13" font-weight="bold" text-anchor="end" fill="{}""#,
            ORANGE
        ),
    );
    // update rule
    let ux = cols[2] - BOX_W / 2.0;
    let rules: [&str; 4] = [
        "running\\_mean ← (1 − m)·running\\_mean + m·μ_B",
        "running\\_var ← (1 − m)·running\\_var + m·(n/(n − 1))·σ_B^2",
        lang.t(
            "方差用无偏估计；m = momentum（PyTorch 默认 0.1）",
            "the variance is unbiased here; m = momentum (PyTorch default 0.1)",
        ),
        lang.t(
            "在 autograd 之外就地更新（no\\_grad）；n = 1 时训练模式报错",
            "updated in place outside autograd (no\\_grad); n = 1 is an error",
        ),
    ];
    for (i, r) in rules.iter().enumerate() {
        let color = if i < 2 { INK } else { MUTED };
        s.math(
            ux,
            by - 14.0 + 22.0 * i as f64,
            r,
            13.0,
            &format!(r#"fill="{}""#, color),
        );
    }

    // --- evaluation row
    let ey = 400.0;
    row_label(
        &mut s,
        ey - 20.0,
        lang.t("推理  model.eval()", "Evaluation  model.eval()"),
        GREEN,
    );
    boxed(
        &mut s,
        cols[0],
        ey + 22.0,
        60.0,
        &[
            (lang.t("输入 x", "input x"), norm, true),
            (
                lang.t(
                    "任意 batch 大小，N = 1 也可以",
                    "any batch size, even N = 1",
                ),
                small,
                false,
            ),
        ],
        GRAY_LIGHT,
        MUTED,
    );
    boxed(
        &mut s,
        cols[1],
        ey,
        th,
        &[
            (
                lang.t("运行统计量（只读）", "running stats (read only)"),
                norm,
                true,
            ),
            ("μ̂ = running\\_mean", small, false),
            ("σ̂^2 = running\\_var", small, false),
            (
                lang.t("不依赖当前 batch", "independent of the batch"),
                small,
                false,
            ),
        ],
        GREEN_LIGHT,
        GREEN,
    );
    boxed(
        &mut s,
        cols[2],
        ey + 22.0,
        60.0,
        &[
            (lang.t("归一化", "normalize"), norm, true),
            ("x̂ = (x − μ̂) / √(σ̂^2 + ε)", small, false),
        ],
        GREEN_LIGHT,
        GREEN,
    );
    boxed(
        &mut s,
        cols[3],
        ey + 22.0,
        60.0,
        &[
            (
                lang.t("仿射（同一组 γ, β）", "affine (same γ, β)"),
                norm,
                true,
            ),
            ("y = γ·x̂ + β", small, false),
        ],
        GREEN_LIGHT,
        GREEN,
    );
    let mid = ey + th / 2.0;
    for i in 0..3 {
        s.arrow(
            cols[i] + BOX_W / 2.0 + 2.0,
            mid,
            cols[i + 1] - BOX_W / 2.0 - 2.0,
            mid,
            INK,
            1.6,
        );
    }
    s.arrow(cols[1], by + bh + 2.0, cols[1], ey - 2.0, GREEN, 2.0);
    s.text(
        cols[1] + 10.0,
        (by + bh + ey) / 2.0 + 5.0,
        lang.t("只读", "read"),
        &format!(r#"font-size="13" font-weight="bold" fill="{}""#, GREEN),
    );

    // footer
    let notes: [&str; 2] = match lang {
        Lang::Zh => [
            "训练：一个样本的输出依赖同一 batch 的其他样本，缓冲区随每个 batch 更新。推理：每个样本独立、确定，什么都不更新，",
            "因此推理时 BN 是一个固定的逐通道仿射变换，可以折叠进前一层的权重。忘记调用 model.eval() 是常见错误。",
        ],
        Lang::En => [
            "Training: a sample's output depends on the rest of its batch, and the buffers change with every batch. Evaluation: each",
            "sample is independent and deterministic, nothing changes, so BN is a fixed per-channel affine map that can be folded away.",
        ],
    };
    for (i, n) in notes.iter().enumerate() {
        s.text(
            30.0,
            height - 44.0 + 20.0 * i as f64,
            n,
            &format!(r#"font-size="12.5" fill="{}""#, MUTED),
        );
    }
    s.finish()
}
