//! `mixup-cutmix.svg`: mixup (pixel blend), CutMix (a pasted box, λ corrected to the clipped box
//! area) and Cutout (a zeroed square) on two small images generated from a seeded [`regularizers::Rng`].

use crate::palette::*;
use crate::{Lang, Rgb, Svg, fixed};
use regularizers::Rng;

/// Image side (pixels).
pub const SIDE: usize = 8;
/// The seed of the two images' noise.
pub const SEED: u64 = 7;
/// mixup's λ for the illustration.
pub const MIX_LAMBDA: f64 = 0.7;
/// CutMix: the sampled λ and box centre (x, y), chosen so that the box is clipped by the border.
pub const CUT_LAMBDA: f64 = 0.75;
/// CutMix box centre (column, row).
pub const CUT_CENTER: (usize, usize) = (7, 2);
/// Cutout: square side and centre (column, row).
pub const CUTOUT: (usize, (usize, usize)) = (4, (2, 5));

type Image = Vec<Vec<Rgb>>;

/// The two source images A (warm, with a "sun") and B (cool stripes), with seeded noise.
pub fn sources() -> (Image, Image) {
    let mut rng = Rng::seed_from_u64(SEED);
    let mut a = vec![vec![Rgb(0.0, 0.0, 0.0); SIDE]; SIDE];
    let mut b = a.clone();
    for i in 0..SIDE {
        for j in 0..SIDE {
            let (fi, fj) = (i as f64, j as f64);
            let sun = (fi - 2.0).powi(2) + (fj - 5.0).powi(2) < 3.5;
            let base = if sun {
                Rgb(250.0, 214.0, 70.0)
            } else {
                Rgb(232.0 - 5.0 * fi, 120.0 + 6.0 * fj - 4.0 * fi, 72.0)
            };
            let n = 12.0 * rng.normal();
            a[i][j] = Rgb(base.0 + n, base.1 + n, base.2 + 0.5 * n);
            let stripe = (i + j) % 4 < 2;
            let base = if stripe {
                Rgb(46.0, 110.0, 196.0)
            } else {
                Rgb(38.0, 168.0, 150.0)
            };
            let n = 10.0 * rng.normal();
            b[i][j] = Rgb(base.0 + n, base.1 + n, base.2 + n);
        }
    }
    (a, b)
}

/// A half-open box `[x1, x2) × [y1, y2)` in pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BoxPx {
    /// Left column.
    pub x1: i64,
    /// Right column (exclusive).
    pub x2: i64,
    /// Top row.
    pub y1: i64,
    /// Bottom row (exclusive).
    pub y2: i64,
}

impl BoxPx {
    /// Area in pixels.
    pub fn area(&self) -> i64 {
        (self.x2 - self.x1) * (self.y2 - self.y1)
    }
    fn contains(&self, i: usize, j: usize) -> bool {
        (self.y1..self.y2).contains(&(i as i64)) && (self.x1..self.x2).contains(&(j as i64))
    }
}

/// CutMix's box as in the reference implementation (Yun et al., 2019): side `⌊W·√(1 − λ)⌋`, centred at
/// `center`, clipped to the image. Returns the unclipped box, the clipped box and the corrected λ.
pub fn cutmix_box(lambda: f64, center: (usize, usize)) -> (BoxPx, BoxPx, f64) {
    let w = SIDE as i64;
    let cut = (SIDE as f64 * (1.0 - lambda).sqrt()).floor() as i64;
    let (cx, cy) = (center.0 as i64, center.1 as i64);
    let raw = BoxPx {
        x1: cx - cut / 2,
        x2: cx + cut / 2,
        y1: cy - cut / 2,
        y2: cy + cut / 2,
    };
    let clip = |v: i64| v.clamp(0, w);
    let clipped = BoxPx {
        x1: clip(raw.x1),
        x2: clip(raw.x2),
        y1: clip(raw.y1),
        y2: clip(raw.y2),
    };
    let corrected = 1.0 - clipped.area() as f64 / (w * w) as f64;
    (raw, clipped, corrected)
}

const CELL: f64 = 17.0;

fn draw_image(s: &mut Svg, x: f64, y: f64, img: &Image) {
    for (i, row) in img.iter().enumerate() {
        for (j, c) in row.iter().enumerate() {
            s.rect(
                x + j as f64 * CELL,
                y + i as f64 * CELL,
                CELL,
                CELL,
                &format!(r#"fill="{}""#, c.hex()),
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
    let (a, b) = sources();
    let side = SIDE as f64 * CELL;
    // mixup
    let mixed: Image = (0..SIDE)
        .map(|i| {
            (0..SIDE)
                .map(|j| a[i][j].mix(b[i][j], MIX_LAMBDA))
                .collect()
        })
        .collect();
    // CutMix
    let (raw, bx, lam_cut) = cutmix_box(CUT_LAMBDA, CUT_CENTER);
    let cutmix: Image = (0..SIDE)
        .map(|i| {
            (0..SIDE)
                .map(|j| if bx.contains(i, j) { b[i][j] } else { a[i][j] })
                .collect()
        })
        .collect();
    // Cutout (the same clipping rule, here inside the image)
    let (co_side, (co_x, co_y)) = CUTOUT;
    let co = BoxPx {
        x1: (co_x as i64 - co_side as i64 / 2).max(0),
        x2: (co_x as i64 + co_side as i64 / 2).min(SIDE as i64),
        y1: (co_y as i64 - co_side as i64 / 2).max(0),
        y2: (co_y as i64 + co_side as i64 / 2).min(SIDE as i64),
    };
    let cutout: Image = (0..SIDE)
        .map(|i| {
            (0..SIDE)
                .map(|j| {
                    if co.contains(i, j) {
                        Rgb(17.0, 17.0, 17.0)
                    } else {
                        a[i][j]
                    }
                })
                .collect()
        })
        .collect();

    let width = 880.0;
    let height = 480.0;
    let title = lang.t("mixup、CutMix 与 Cutout", "mixup, CutMix and Cutout");
    let area = format!("{}/{}", bx.area(), SIDE * SIDE);
    let clipped_dims = format!("{}×{}", bx.x2 - bx.x1, bx.y2 - bx.y1);
    let raw_dims = format!("{}×{}", raw.x2 - raw.x1, raw.y2 - raw.y1);
    let desc = match lang {
        Lang::Zh => format!(
            "左侧是两张 {SIDE}×{SIDE} 的小图 A（暖色，标签 y_A = (1, 0)）与 B（冷色条纹，标签 y_B = (0, 1)），由固定种子生成。\
             mixup 逐像素混合 x̃ = λx_A + (1 − λ)x_B，λ = {}，标签同比例混合为 ({}, {})。\
             CutMix 把 B 的一个矩形框贴到 A 上：采样 λ = {} 给出 {raw_dims} 的框，越过右边界被裁剪为 {clipped_dims}，\
             因此 λ 按实际面积修正为 1 − {area} = {}，标签为 ({}, {})。Cutout 把 A 中一个 {co_side}×{co_side} 的方块置 0，标签不变。",
            fixed(MIX_LAMBDA, 2),
            fixed(MIX_LAMBDA, 2),
            fixed(1.0 - MIX_LAMBDA, 2),
            fixed(CUT_LAMBDA, 2),
            fixed(lam_cut, 4),
            fixed(lam_cut, 4),
            fixed(1.0 - lam_cut, 4)
        ),
        Lang::En => format!(
            "On the left, two {SIDE}×{SIDE} images generated from a fixed seed: A (warm, label y_A = (1, 0)) and B (cool \
             stripes, label y_B = (0, 1)). mixup blends every pixel, x̃ = λx_A + (1 − λ)x_B with λ = {}, and mixes the labels \
             in the same proportion, ({}, {}). CutMix pastes a box of B into A: the sampled λ = {} gives a {raw_dims} box, \
             which crosses the right border and is clipped to {clipped_dims}, so λ is corrected to the actual area, \
             1 − {area} = {}, and the label is ({}, {}). Cutout sets a {co_side}×{co_side} square of A to zero and keeps the label.",
            fixed(MIX_LAMBDA, 2),
            fixed(MIX_LAMBDA, 2),
            fixed(1.0 - MIX_LAMBDA, 2),
            fixed(CUT_LAMBDA, 2),
            fixed(lam_cut, 4),
            fixed(lam_cut, 4),
            fixed(1.0 - lam_cut, 4)
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

    // sources
    let sx = 30.0;
    let label = |s: &mut Svg, x: f64, y: f64, t: &str, size: f64, color: &str, bold: bool| {
        s.math(
            x,
            y,
            t,
            size,
            &format!(
                r#"text-anchor="middle" fill="{}"{}"#,
                color,
                if bold { r#" font-weight="bold""# } else { "" }
            ),
        );
    };
    let scx = sx + side / 2.0;
    label(
        &mut s,
        scx,
        70.0,
        lang.t("图像 A", "image A"),
        14.0,
        INK,
        true,
    );
    draw_image(&mut s, sx, 80.0, &a);
    label(
        &mut s,
        scx,
        80.0 + side + 20.0,
        "y_A = (1, 0)",
        13.0,
        INK,
        false,
    );
    let b_top = 80.0 + side + 64.0;
    label(
        &mut s,
        scx,
        b_top - 10.0,
        lang.t("图像 B", "image B"),
        14.0,
        INK,
        true,
    );
    draw_image(&mut s, sx, b_top, &b);
    label(
        &mut s,
        scx,
        b_top + side + 20.0,
        "y_B = (0, 1)",
        13.0,
        INK,
        false,
    );
    s.line(
        222.0,
        56.0,
        222.0,
        height - 20.0,
        &format!(r#"stroke="{}" stroke-width="1""#, GRID),
    );
    s.arrow(
        sx + side + 12.0,
        (80.0 + b_top + side) / 2.0,
        212.0,
        (80.0 + b_top + side) / 2.0,
        MUTED,
        1.8,
    );

    // results
    let centers = [338.0, 555.0, 772.0];
    let ry = 80.0;
    let colors = [BLUE, ORANGE, PURPLE];
    let names = ["mixup", "CutMix", "Cutout"];
    let images = [&mixed, &cutmix, &cutout];
    for k in 0..3 {
        label(&mut s, centers[k], 70.0, names[k], 16.0, colors[k], true);
        draw_image(&mut s, centers[k] - side / 2.0, ry, images[k]);
    }
    // CutMix: the sampled box (dashed, may leave the image) and the pasted one
    let gx = centers[1] - side / 2.0;
    let px = |v: i64| v as f64 * CELL;
    s.rect(
        gx + px(raw.x1),
        ry + px(raw.y1),
        px(raw.x2 - raw.x1),
        px(raw.y2 - raw.y1),
        &format!(
            r#"fill="none" stroke="{}" stroke-width="1.6" stroke-dasharray="4 3""#,
            ORANGE
        ),
    );
    s.rect(
        gx + px(bx.x1),
        ry + px(bx.y1),
        px(bx.x2 - bx.x1),
        px(bx.y2 - bx.y1),
        r##"fill="none" stroke="#ffffff" stroke-width="2""##,
    );
    // Cutout: outline the zeroed square
    let gx = centers[2] - side / 2.0;
    s.rect(
        gx + px(co.x1),
        ry + px(co.y1),
        px(co.x2 - co.x1),
        px(co.y2 - co.y1),
        &format!(r#"fill="none" stroke="{}" stroke-width="1.6""#, PURPLE),
    );

    // text under each result
    let ty = ry + side + 26.0;
    let lh = 21.0;
    let mix_lines: Vec<(String, bool)> = vec![
        (
            lang.t("逐像素混合两张图", "blend two images pixel-wise")
                .to_string(),
            true,
        ),
        ("x̃ = λ·x_A + (1 − λ)·x_B".to_string(), false),
        (
            format!(
                "λ ~ Beta(α, α){} λ = {}",
                lang.t("；此处", "; here"),
                fixed(MIX_LAMBDA, 2)
            ),
            false,
        ),
        ("ỹ = λ·y_A + (1 − λ)·y_B".to_string(), false),
        (
            format!(
                "= ({}, {})",
                fixed(MIX_LAMBDA, 2),
                fixed(1.0 - MIX_LAMBDA, 2)
            ),
            false,
        ),
    ];
    let cut_lines: Vec<(String, bool)> = vec![
        (
            lang.t("把 B 的一个框贴到 A 上", "paste a box of B into A")
                .to_string(),
            true,
        ),
        (
            match lang {
                Lang::Zh => format!(
                    "采样 λ = {} → {raw_dims} 的框（虚线）",
                    fixed(CUT_LAMBDA, 2)
                ),
                Lang::En => format!(
                    "sampled λ = {} → {raw_dims} box (dashed)",
                    fixed(CUT_LAMBDA, 2)
                ),
            },
            false,
        ),
        (
            match lang {
                Lang::Zh => format!("越界裁剪为 {clipped_dims}，λ 按面积修正："),
                Lang::En => format!("clipped to {clipped_dims}; λ from the real area:"),
            },
            false,
        ),
        (format!("λ = 1 − {area} = {}", fixed(lam_cut, 4)), false),
        (
            format!("ỹ = ({}, {})", fixed(lam_cut, 4), fixed(1.0 - lam_cut, 4)),
            false,
        ),
    ];
    let out_lines: Vec<(String, bool)> = vec![
        (
            lang.t("把 A 中一个方块置 0", "set a square of A to 0")
                .to_string(),
            true,
        ),
        (
            match lang {
                Lang::Zh => format!("{co_side}×{co_side} 的方块，位置随机"),
                Lang::En => format!("{co_side}×{co_side} square, random position"),
            },
            false,
        ),
        (lang.t("不用第二张图", "no second image").to_string(), false),
        (lang.t("标签不变：", "label unchanged:").to_string(), false),
        ("ỹ = y_A = (1, 0)".to_string(), false),
    ];
    for (k, lines) in [mix_lines, cut_lines, out_lines].iter().enumerate() {
        for (i, (t, bold)) in lines.iter().enumerate() {
            label(
                &mut s,
                centers[k],
                ty + lh * i as f64,
                t,
                13.0,
                if *bold { colors[k] } else { INK },
                *bold,
            );
        }
    }
    s.math(
        width / 2.0 + 111.0,
        height - 22.0,
        lang.t(
            "图像由固定种子生成；x̃、ỹ 为训练时使用的输入与软标签，损失为 ỹ 与预测的交叉熵",
            "images generated from a fixed seed; x̃, ỹ: the training input and soft label (cross-entropy against ỹ)",
        ),
        12.0,
        &format!(r#"text-anchor="middle" fill="{}""#, MUTED),
    );
    s.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cutmix_lambda_is_corrected_to_the_clipped_area() {
        let (raw, clipped, lam) = cutmix_box(CUT_LAMBDA, CUT_CENTER);
        assert_eq!(raw.area(), 16);
        assert!(clipped.area() < raw.area());
        assert_eq!(lam, 1.0 - clipped.area() as f64 / 64.0);
        assert!(lam > CUT_LAMBDA);
    }
}
