//! `pre-post-ln.svg`: a Post-LN and a Pre-LN Transformer block side by side.

use crate::palette::*;
use crate::{Lang, Svg};

enum Item<'a> {
    /// A label at the top (the block's input).
    Input(&'a str),
    /// The point where a residual connection leaves the main path.
    Branch,
    /// A sub-layer box; `true` = a LayerNorm.
    Box(&'a str, bool),
    /// The addition that closes the last open residual.
    Add,
    /// The output label.
    Output(&'a str),
    /// A dashed continuation to a final box (Pre-LN's final LayerNorm).
    Final(&'a str, &'a str),
}

const GAP: f64 = 22.0;
const BOX_W: f64 = 210.0;
const BOX_H: f64 = 34.0;
const ADD_R: f64 = 11.0;

/// Draws one column, returns the y below its last element.
fn column(s: &mut Svg, cx: f64, top: f64, items: &[Item]) -> f64 {
    let mut y = top;
    let mut branches: Vec<f64> = Vec::new();
    let line = format!(r#"stroke="{}" stroke-width="1.6""#, INK);
    for item in items {
        match item {
            Item::Input(label) => {
                s.math(
                    cx,
                    y + 14.0,
                    label,
                    16.0,
                    &format!(r#"text-anchor="middle" font-style="italic" fill="{}""#, INK),
                );
                y += 22.0;
            }
            Item::Branch => {
                s.line(cx, y, cx, y + 14.0, &line);
                y += 14.0;
                s.circle(cx, y, 3.2, &format!(r#"fill="{}""#, INK));
                branches.push(y);
            }
            Item::Box(label, ln) => {
                s.arrow(cx, y, cx, y + GAP, INK, 1.6);
                y += GAP;
                let (fill, stroke) = if *ln {
                    (ORANGE_LIGHT, ORANGE)
                } else {
                    (BLUE_LIGHT, BLUE)
                };
                s.rect(
                    cx - BOX_W / 2.0,
                    y,
                    BOX_W,
                    BOX_H,
                    &format!(
                        r#"rx="6" fill="{}" stroke="{}" stroke-width="1.6""#,
                        fill, stroke
                    ),
                );
                s.text(
                    cx,
                    y + BOX_H / 2.0 + 5.0,
                    label,
                    &format!(
                        r#"font-size="14" text-anchor="middle" fill="{}"{}"#,
                        INK,
                        if *ln { r#" font-weight="bold""# } else { "" }
                    ),
                );
                y += BOX_H;
            }
            Item::Add => {
                s.arrow(cx, y, cx, y + GAP, INK, 1.6);
                y += GAP;
                let cy = y + ADD_R;
                s.circle(
                    cx,
                    cy,
                    ADD_R,
                    &format!(r##"fill="#ffffff" stroke="{}" stroke-width="1.6""##, INK),
                );
                s.line(cx - 6.0, cy, cx + 6.0, cy, &line);
                s.line(cx, cy - 6.0, cx, cy + 6.0, &line);
                let from = branches.pop().expect("Add without Branch");
                let rx = cx + BOX_W / 2.0 + 28.0;
                s.polyline(
                    &[(cx, from), (rx, from), (rx, cy)],
                    &format!(
                        r#"fill="none" stroke="{}" stroke-width="1.6" stroke-linejoin="round""#,
                        GREEN
                    ),
                );
                s.arrow(rx, cy, cx + ADD_R + 1.0, cy, GREEN, 1.6);
                y = cy + ADD_R;
            }
            Item::Output(label) => {
                s.arrow(cx, y, cx, y + GAP, INK, 1.6);
                y += GAP;
                s.math(
                    cx,
                    y + 16.0,
                    label,
                    16.0,
                    &format!(r#"text-anchor="middle" font-style="italic" fill="{}""#, INK),
                );
                y += 22.0;
            }
            Item::Final(gap_label, label) => {
                s.line(
                    cx,
                    y + 2.0,
                    cx,
                    y + 40.0,
                    &format!(
                        r#"stroke="{}" stroke-width="1.6" stroke-dasharray="4 4""#,
                        MUTED
                    ),
                );
                s.text(
                    cx + 10.0,
                    y + 26.0,
                    gap_label,
                    &format!(r#"font-size="12" fill="{}""#, MUTED),
                );
                s.arrow(cx, y + 40.0, cx, y + 52.0, MUTED, 1.6);
                y += 52.0;
                let w = BOX_W + 70.0;
                s.rect(
                    cx - w / 2.0,
                    y,
                    w,
                    BOX_H,
                    &format!(
                        r#"rx="6" fill="{}" stroke="{}" stroke-width="1.6" stroke-dasharray="6 4""#,
                        ORANGE_LIGHT, ORANGE
                    ),
                );
                s.text(
                    cx,
                    y + BOX_H / 2.0 + 5.0,
                    label,
                    &format!(
                        r#"font-size="14" font-weight="bold" text-anchor="middle" fill="{}""#,
                        INK
                    ),
                );
                y += BOX_H;
            }
        }
    }
    y
}

/// Draws the figure.
pub fn svg(lang: Lang) -> String {
    let width = 880.0;
    let height = 750.0;
    let title = lang.t(
        "Post-LN 与 Pre-LN Transformer 块",
        "Post-LN vs Pre-LN Transformer blocks",
    );
    let desc = lang.t(
        "左：Post-LN（原始 Transformer）。输入 x_l 经过多头自注意力，与残差相加后做 LayerNorm，再经过前馈网络，与残差相加后再做 LayerNorm，\
         即每个子层 x_{l+1} = LN(x_l + F(x_l))，主干上的信号必须穿过每一个 LayerNorm。\
         右：Pre-LN。LayerNorm 放在每个子层分支的入口，x_{l+1} = x_l + F(LN(x_l))，恒等捷径贯穿所有层，\
         最后一个块之后还需要一个最终 LayerNorm。",
        "Left: Post-LN (the original Transformer). The input x_l goes through multi-head attention, is added to the residual \
         and then layer-normalized, then through the feed-forward network, added to the residual and layer-normalized again: \
         each sub-layer computes x_{l+1} = LN(x_l + F(x_l)), so the main path crosses every LayerNorm. Right: Pre-LN. \
         LayerNorm sits at the input of each sub-layer branch, x_{l+1} = x_l + F(LN(x_l)); the identity path runs through \
         all layers, and a final LayerNorm is needed after the last block.",
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
    let attn = lang.t("多头自注意力", "Multi-head attention");
    let ffn = lang.t("前馈网络 FFN", "Feed-forward (FFN)");
    let (cl, cr) = (205.0, 645.0);
    s.line(
        width / 2.0,
        50.0,
        width / 2.0,
        605.0,
        &format!(r#"stroke="{}" stroke-width="1""#, GRID),
    );
    for (cx, name, sub) in [
        (
            cl,
            "Post-LN",
            lang.t("（原始 Transformer）", "(original Transformer)"),
        ),
        (
            cr,
            "Pre-LN",
            lang.t("（GPT-2 及多数现代 LLM）", "(GPT-2 and most modern LLMs)"),
        ),
    ] {
        s.text(
            cx,
            64.0,
            name,
            &format!(
                r#"font-size="17" font-weight="bold" text-anchor="middle" fill="{}""#,
                INK
            ),
        );
        s.text(
            cx,
            83.0,
            sub,
            &format!(r#"font-size="12.5" text-anchor="middle" fill="{}""#, MUTED),
        );
    }
    let top = 100.0;
    column(
        &mut s,
        cl,
        top,
        &[
            Item::Input("x_l"),
            Item::Branch,
            Item::Box(attn, false),
            Item::Add,
            Item::Box("LayerNorm", true),
            Item::Branch,
            Item::Box(ffn, false),
            Item::Add,
            Item::Box("LayerNorm", true),
            Item::Output("x_{l+1}"),
        ],
    );
    column(
        &mut s,
        cr,
        top,
        &[
            Item::Input("x_l"),
            Item::Branch,
            Item::Box("LayerNorm", true),
            Item::Box(attn, false),
            Item::Add,
            Item::Branch,
            Item::Box("LayerNorm", true),
            Item::Box(ffn, false),
            Item::Add,
            Item::Output("x_{l+1}"),
            Item::Final(
                lang.t("…其余的块", "… more blocks"),
                lang.t(
                    "最终 LayerNorm（仅在最后一块之后）",
                    "final LayerNorm (after the last block)",
                ),
            ),
        ],
    );
    // formulas and notes
    let fy = 640.0;
    let formula = format!(r#"text-anchor="middle" font-weight="bold" fill="{}""#, INK);
    s.math(cl, fy, "x_{l+1} = LN(x_l + F_l(x_l))", 17.0, &formula);
    s.math(cr, fy, "x_{l+1} = x_l + F_l(LN(x_l))", 17.0, &formula);
    let notes_l: [&str; 3] = match lang {
        Lang::Zh => [
            "LN 在残差相加之后：主干信号要穿过每个 LN；",
            "深层时通常需要学习率预热（warm-up），",
            "训练成功时最终效果有时更好。",
        ],
        Lang::En => [
            "LN after the residual add: the main path crosses every LN;",
            "deep stacks usually need learning-rate warm-up;",
            "when they do train, final quality can be better.",
        ],
    };
    let notes_r: [&str; 3] = match lang {
        Lang::Zh => [
            "LN 只在分支入口：恒等捷径贯穿所有层，",
            "梯度更平稳，预热可以少用甚至不用；",
            "最后一个块之后必须再加一个 LayerNorm。",
        ],
        Lang::En => [
            "LN only at the branch input: the identity path runs",
            "through every layer, gradients are better behaved and",
            "little or no warm-up is needed; add a final LayerNorm.",
        ],
    };
    let note = format!(r#"font-size="12.5" text-anchor="middle" fill="{}""#, MUTED);
    for (i, (a, b)) in notes_l.iter().zip(notes_r.iter()).enumerate() {
        s.text(cl, fy + 26.0 + 18.0 * i as f64, a, &note);
        s.text(cr, fy + 26.0 + 18.0 * i as f64, b, &note);
    }
    // legend
    let ly = height - 14.0;
    s.math(
        width / 2.0,
        ly,
        lang.t(
            "F_l：第 l 个子层（注意力或 FFN）；绿色：残差（恒等）连接；橙色：LayerNorm",
            "F_l: sub-layer l (attention or FFN); green: residual (identity) connection; orange: LayerNorm",
        ),
        12.0,
        &format!(r#"text-anchor="middle" fill="{}""#, MUTED),
    );
    s.finish()
}
