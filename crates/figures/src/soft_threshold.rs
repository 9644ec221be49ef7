//! `soft-threshold.svg`: the soft-thresholding operator `S_t(w) = sign(w)·max(|w| − t, 0)` (the
//! proximal operator of `t·|w|`) against the identity and hard thresholding, with the dead zone shaded.

use crate::palette::*;
use crate::{Lang, Svg};

/// The threshold drawn.
pub const T: f64 = 1.0;

/// Soft thresholding.
pub fn soft(w: f64, t: f64) -> f64 {
    w.signum() * (w.abs() - t).max(0.0)
}

/// Hard thresholding (keeps `w` where `|w| > t`).
pub fn hard(w: f64, t: f64) -> f64 {
    if w.abs() > t { w } else { 0.0 }
}

const R: f64 = 3.0; // plotted range [−R, R] on both axes
const UNIT: f64 = 64.0; // px per unit
const OX: f64 = 70.0 + R * UNIT; // pixel of the origin
const OY: f64 = 66.0 + R * UNIT;

fn p(w: f64, y: f64) -> (f64, f64) {
    (OX + w * UNIT, OY - y * UNIT)
}

fn curve(f: impl Fn(f64) -> f64, a: f64, b: f64) -> Vec<(f64, f64)> {
    // piecewise linear functions: sampling the end points and the kinks is exact
    let mut xs = vec![a, b];
    for k in [-T, T] {
        if k > a && k < b {
            xs.push(k);
        }
    }
    xs.sort_by(f64::total_cmp);
    xs.iter().map(|&x| p(x, f(x))).collect()
}

/// Draws the figure.
pub fn svg(lang: Lang) -> String {
    let width = 820.0;
    let height = 520.0;
    let title = lang.t(
        "软阈值、硬阈值与恒等映射",
        "Soft thresholding vs hard thresholding and the identity",
    );
    let desc = lang.t(
        "横轴为输入 w，纵轴为输出，阈值 t = 1。虚线为恒等映射 w；橙色为硬阈值 H_t(w)，|w| ≤ t 时为 0，其余保持 w，在 ±t 处跳变；\
         蓝色为软阈值 S_t(w) = sign(w)·max(|w| − t, 0)，|w| ≤ t 时恰为 0，其余向 0 平移 t，处处连续。\
         阴影区间 [−t, t] 是死区。软阈值是 t|w| 的近端算子，L1 近端梯度法因此能得到精确的 0。",
        "The horizontal axis is the input w, the vertical axis the output; the threshold is t = 1. Dashed: the identity w. \
         Orange: hard thresholding H_t(w), zero for |w| ≤ t and w elsewhere, with jumps at ±t. Blue: soft thresholding \
         S_t(w) = sign(w)·max(|w| − t, 0), exactly zero for |w| ≤ t and shifted towards zero by t elsewhere, continuous \
         everywhere. The shaded interval [−t, t] is the dead zone. Soft thresholding is the proximal operator of t|w|, \
         which is why proximal gradient descent for L1 produces exact zeros.",
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

    // frame and dead zone
    let (x0, y0) = p(-R, R);
    s.rect(
        x0,
        y0,
        2.0 * R * UNIT,
        2.0 * R * UNIT,
        &format!(r##"fill="#fcfcfd" stroke="{}""##, GRID),
    );
    let (zx, _) = p(-T, 0.0);
    s.rect(
        zx,
        y0,
        2.0 * T * UNIT,
        2.0 * R * UNIT,
        &format!(r#"fill="{}" fill-opacity="0.8""#, RED_LIGHT),
    );
    s.text(
        OX,
        y0 + 20.0,
        lang.t("死区 [−t, t]", "dead zone [−t, t]"),
        &format!(
            r#"font-size="13" font-weight="bold" text-anchor="middle" fill="{}""#,
            RED
        ),
    );
    s.text(
        OX,
        y0 + 37.0,
        lang.t("输出恰为 0", "output exactly 0"),
        &format!(r#"font-size="12" text-anchor="middle" fill="{}""#, RED),
    );
    // grid and ticks
    for k in -3..=3 {
        let v = k as f64;
        let (gx, _) = p(v, 0.0);
        let (_, gy) = p(0.0, v);
        if k != 0 {
            s.line(
                gx,
                y0,
                gx,
                y0 + 2.0 * R * UNIT,
                r##"stroke="#eef0f3" stroke-width="1""##,
            );
            s.line(
                x0,
                gy,
                x0 + 2.0 * R * UNIT,
                gy,
                r##"stroke="#eef0f3" stroke-width="1""##,
            );
        }
        let lab = if k == -1 {
            "−t".to_string()
        } else if k == 1 {
            "t".to_string()
        } else if k < 0 {
            format!("−{}", -k)
        } else {
            k.to_string()
        };
        s.text(
            gx,
            y0 + 2.0 * R * UNIT + 17.0,
            &lab,
            &format!(r#"font-size="12" text-anchor="middle" fill="{}""#, MUTED),
        );
        if k != 0 {
            s.text(
                x0 - 8.0,
                gy + 4.0,
                &lab,
                &format!(r#"font-size="12" text-anchor="end" fill="{}""#, MUTED),
            );
        }
    }
    let axis = format!(r#"stroke="{}" stroke-width="1.2""#, MUTED);
    let (ax, ay) = p(-R, 0.0);
    s.line(ax, ay, ax + 2.0 * R * UNIT, ay, &axis);
    let (bx, by) = p(0.0, R);
    s.line(bx, by, bx, by + 2.0 * R * UNIT, &axis);
    s.text(
        bx,
        by - 8.0,
        lang.t("输出", "output"),
        &format!(r#"font-size="12" text-anchor="middle" fill="{}""#, MUTED),
    );
    s.text(
        x0 + 2.0 * R * UNIT - 4.0,
        ay - 8.0,
        "w",
        &format!(
            r#"font-size="14" font-style="italic" text-anchor="end" fill="{}""#,
            MUTED
        ),
    );

    // identity
    let id = curve(|w| w, -R, R);
    s.polyline(
        &id,
        &format!(
            r#"fill="none" stroke="{}" stroke-width="1.5" stroke-dasharray="6 5""#,
            MUTED
        ),
    );
    // hard thresholding: three pieces with the jump marked
    let hard_style = format!(r#"fill="none" stroke="{}" stroke-width="2.2""#, ORANGE);
    // (outside the dead zone H_t is the identity; the end points ±t themselves map to 0)
    s.polyline(&curve(|w| w, -R, -T), &hard_style);
    s.polyline(&curve(|w| w, T, R), &hard_style);
    // soft thresholding (drawn on top: on the dead zone both are 0)
    s.polyline(
        &curve(|w| soft(w, T), -R, R),
        &format!(
            r#"fill="none" stroke="{}" stroke-width="3" stroke-linejoin="round""#,
            BLUE
        ),
    );
    s.polyline(
        &curve(|_| 0.0, -T, T),
        &format!(
            r#"fill="none" stroke="{}" stroke-width="1.6" stroke-dasharray="5 4""#,
            ORANGE
        ),
    );
    for sign in [-1.0, 1.0] {
        let (jx, jy) = p(sign * T, sign * T);
        s.circle(
            jx,
            jy,
            4.0,
            &format!(r##"fill="#ffffff" stroke="{}" stroke-width="2""##, ORANGE),
        );
        let (kx, ky) = p(sign * T, 0.0);
        s.circle(kx, ky, 4.0, &format!(r#"fill="{}""#, ORANGE));
    }
    // the shift by t
    let w = 2.3;
    let (sx, sy) = p(w, w);
    let (_, ey) = p(w, soft(w, T));
    s.arrow(sx, sy + 4.0, sx, ey - 3.0, INK, 1.4);
    s.text(
        sx + 6.0,
        (sy + ey) / 2.0 + 5.0,
        "t",
        &format!(
            r#"font-size="14" font-style="italic" font-weight="bold" fill="{}""#,
            INK
        ),
    );

    // legend
    let lx = OX + R * UNIT + 30.0;
    let mut ly = 98.0;
    let entries: [(&str, String, &str); 3] = [
        (
            BLUE,
            lang.t("软阈值（L1 的近端算子）", "soft thresholding (prox of L1)")
                .to_string(),
            "S_t(w) = sign(w)·max(|w| − t, 0)",
        ),
        (
            ORANGE,
            lang.t("硬阈值", "hard thresholding").to_string(),
            "H_t(w) = w · 1[|w| > t]",
        ),
        (
            MUTED,
            lang.t("恒等映射", "identity").to_string(),
            lang.t("w（|w| > t 时与 H_t 重合）", "w (equals H_t where |w| > t)"),
        ),
    ];
    for (i, (color, name, formula)) in entries.iter().enumerate() {
        let style = match i {
            2 => format!(
                r#"stroke="{}" stroke-width="1.5" stroke-dasharray="6 5""#,
                color
            ),
            0 => format!(r#"stroke="{}" stroke-width="3""#, color),
            _ => format!(r#"stroke="{}" stroke-width="2.2""#, color),
        };
        s.line(lx, ly - 4.0, lx + 28.0, ly - 4.0, &style);
        s.text(
            lx + 36.0,
            ly,
            name,
            &format!(r#"font-size="13" font-weight="bold" fill="{}""#, color),
        );
        s.math(
            lx + 36.0,
            ly + 20.0,
            formula,
            13.0,
            &format!(r#"fill="{}""#, INK),
        );
        ly += 56.0;
    }
    let notes: [&str; 5] = match lang {
        Lang::Zh => [
            "软阈值连续，在死区外把 w 向 0 收缩 t；",
            "硬阈值在 ±t 处跳变，不收缩大的 w。",
            "L1 近端梯度（ISTA）：先做梯度步，",
            "再做 S_{ηλ}：|w| ≤ ηλ 的坐标恰好变成 0。",
            "次梯度下降只会在 0 附近来回振荡。",
        ],
        Lang::En => [
            "Soft thresholding is continuous and shrinks",
            "w by t outside the dead zone; hard thresholding",
            "jumps at ±t and leaves large w unshrunk.",
            "L1 proximal gradient (ISTA): gradient step, then",
            "S_{ηλ}; subgradient descent only oscillates near 0.",
        ],
    };
    ly += 6.0;
    for line in notes {
        s.math(lx, ly, line, 12.5, &format!(r#"fill="{}""#, MUTED));
        ly += 20.0;
    }
    s.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operators() {
        assert_eq!(soft(0.7, 1.0), 0.0);
        assert_eq!(soft(-2.5, 1.0), -1.5);
        assert_eq!(hard(0.7, 1.0), 0.0);
        assert_eq!(hard(-2.5, 1.0), -2.5);
        assert_eq!(hard(1.0, 1.0), 0.0);
    }
}
