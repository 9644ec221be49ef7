//! `l1-l2-geometry.svg`: why an L1 constraint gives exact zeros and an L2 constraint does not.
//!
//! The loss is the quadratic `L(w) = ½ (w − ŵ)ᵀ A (w − ŵ)`; the constrained optima
//! `argmin L(w) s.t. ‖w‖₁ ≤ r` and `s.t. ‖w‖₂ ≤ r` are computed by projected gradient descent
//! (the projection onto the L1 ball is exact and produces exact zeros), and the contour through each
//! optimum is the one drawn thick: it touches the ball there.

use crate::palette::*;
use crate::{Lang, Svg, fixed, num};

/// The unconstrained minimum ŵ.
pub const W_HAT: [f64; 2] = [1.8, 1.3];
/// The radius of both balls.
pub const RADIUS: f64 = 1.0;
/// Angle of A's first eigenvector (radians) and the two eigenvalues.
const THETA: f64 = -0.4;
const EIG: [f64; 2] = [1.0, 4.0];

/// The Hessian `A` of the quadratic loss.
pub fn hessian() -> [[f64; 2]; 2] {
    let (c, s) = (THETA.cos(), THETA.sin());
    let (l1, l2) = (EIG[0], EIG[1]);
    [
        [c * c * l1 + s * s * l2, c * s * (l1 - l2)],
        [c * s * (l1 - l2), s * s * l1 + c * c * l2],
    ]
}

/// The loss `½ (w − ŵ)ᵀ A (w − ŵ)`.
pub fn loss(w: [f64; 2]) -> f64 {
    let a = hessian();
    let d = [w[0] - W_HAT[0], w[1] - W_HAT[1]];
    0.5 * (d[0] * (a[0][0] * d[0] + a[0][1] * d[1]) + d[1] * (a[1][0] * d[0] + a[1][1] * d[1]))
}

/// Euclidean projection onto `{‖w‖₁ ≤ r}` (sort-and-threshold; it is soft-thresholding by the
/// right threshold, so small coordinates become exactly zero).
pub fn project_l1(v: [f64; 2], r: f64) -> [f64; 2] {
    if v[0].abs() + v[1].abs() <= r {
        return v;
    }
    let mut u = [v[0].abs(), v[1].abs()];
    if u[0] < u[1] {
        u.swap(0, 1);
    }
    let mut cum = 0.0;
    let mut theta = 0.0;
    for (i, ui) in u.iter().enumerate() {
        cum += ui;
        let t = (cum - r) / (i as f64 + 1.0);
        if ui - t > 0.0 {
            theta = t;
        }
    }
    [
        v[0].signum() * (v[0].abs() - theta).max(0.0),
        v[1].signum() * (v[1].abs() - theta).max(0.0),
    ]
}

/// Euclidean projection onto `{‖w‖₂ ≤ r}`.
pub fn project_l2(v: [f64; 2], r: f64) -> [f64; 2] {
    let n = v[0].hypot(v[1]);
    if n <= r {
        v
    } else {
        [v[0] * r / n, v[1] * r / n]
    }
}

/// Projected gradient descent with step `1/λ_max` from the origin.
pub fn constrained_optimum(project: fn([f64; 2], f64) -> [f64; 2]) -> [f64; 2] {
    let a = hessian();
    let step = 1.0 / EIG[0].max(EIG[1]);
    let mut w = [0.0, 0.0];
    for _ in 0..20_000 {
        let d = [w[0] - W_HAT[0], w[1] - W_HAT[1]];
        let g = [
            a[0][0] * d[0] + a[0][1] * d[1],
            a[1][0] * d[0] + a[1][1] * d[1],
        ];
        w = project([w[0] - step * g[0], w[1] - step * g[1]], RADIUS);
    }
    w
}

/// Points of the contour `L(w) = level` (an ellipse around ŵ).
fn contour(level: f64) -> Vec<[f64; 2]> {
    let (c, s) = (THETA.cos(), THETA.sin());
    let (a, b) = ((2.0 * level / EIG[0]).sqrt(), (2.0 * level / EIG[1]).sqrt());
    (0..=180)
        .map(|k| {
            let t = k as f64 * std::f64::consts::PI / 90.0;
            let (u, v) = (a * t.cos(), b * t.sin());
            [W_HAT[0] + c * u - s * v, W_HAT[1] + s * u + c * v]
        })
        .collect()
}

struct Panel {
    ox: f64, // pixel of the math origin
    oy: f64,
    scale: f64,
}

impl Panel {
    fn p(&self, w: [f64; 2]) -> (f64, f64) {
        (self.ox + w[0] * self.scale, self.oy - w[1] * self.scale)
    }
}

const X_RANGE: (f64, f64) = (-1.5, 3.0);
const Y_RANGE: (f64, f64) = (-1.5, 2.6);

fn panel(s: &mut Svg, lang: Lang, left: f64, top: f64, l1: bool, clip_id: &str) {
    let scale = 86.0;
    let pw = (X_RANGE.1 - X_RANGE.0) * scale;
    let ph = (Y_RANGE.1 - Y_RANGE.0) * scale;
    let pan = Panel {
        ox: left - X_RANGE.0 * scale,
        oy: top + Y_RANGE.1 * scale,
        scale,
    };
    s.def(&format!(
        r#"<clipPath id="{}"><rect x="{}" y="{}" width="{}" height="{}"/></clipPath>"#,
        clip_id,
        num(left),
        num(top),
        num(pw),
        num(ph)
    ));
    s.rect(
        left,
        top,
        pw,
        ph,
        &format!(r##"fill="#fcfcfd" stroke="{}" stroke-width="1""##, GRID),
    );
    // axes
    let (ax0, ay) = pan.p([X_RANGE.0, 0.0]);
    let (ax1, _) = pan.p([X_RANGE.1, 0.0]);
    s.arrow(ax0, ay, ax1 - 2.0, ay, MUTED, 1.0);
    let (axx, ay0) = pan.p([0.0, Y_RANGE.0]);
    let (_, ay1) = pan.p([0.0, Y_RANGE.1]);
    s.arrow(axx, ay0, axx, ay1 + 2.0, MUTED, 1.0);
    s.math(
        ax1 - 26.0,
        ay - 8.0,
        "w_1",
        14.0,
        &format!(r#"fill="{}" font-style="italic""#, MUTED),
    );
    s.math(
        axx + 8.0,
        ay1 + 16.0,
        "w_2",
        14.0,
        &format!(r#"fill="{}" font-style="italic""#, MUTED),
    );

    // the ball
    let (fill, stroke) = if l1 {
        (BLUE_LIGHT, BLUE)
    } else {
        (GREEN_LIGHT, GREEN)
    };
    let ball: Vec<(f64, f64)> = if l1 {
        [[RADIUS, 0.0], [0.0, RADIUS], [-RADIUS, 0.0], [0.0, -RADIUS]]
            .iter()
            .map(|&w| pan.p(w))
            .collect()
    } else {
        (0..120)
            .map(|k| {
                let t = k as f64 * std::f64::consts::PI / 60.0;
                pan.p([RADIUS * t.cos(), RADIUS * t.sin()])
            })
            .collect()
    };
    s.polygon(
        &ball,
        &format!(
            r#"fill="{}" fill-opacity="0.8" stroke="{}" stroke-width="2""#,
            fill, stroke
        ),
    );

    // contours
    let opt = constrained_optimum(if l1 { project_l1 } else { project_l2 });
    let level = loss(opt);
    s.raw(&format!(r#"<g clip-path="url(#{})">"#, clip_id));
    for k in [0.12, 0.45, 1.9, 3.2] {
        let pts: Vec<(f64, f64)> = contour(level * k).iter().map(|&w| pan.p(w)).collect();
        s.polyline(
            &pts,
            r##"fill="none" stroke="#f59e0b" stroke-width="1" stroke-opacity="0.8""##,
        );
    }
    let pts: Vec<(f64, f64)> = contour(level).iter().map(|&w| pan.p(w)).collect();
    s.polyline(
        &pts,
        &format!(r#"fill="none" stroke="{}" stroke-width="2.4""#, ORANGE),
    );
    s.raw("</g>");

    // ŵ
    let (hx, hy) = pan.p(W_HAT);
    s.line(
        hx - 5.0,
        hy - 5.0,
        hx + 5.0,
        hy + 5.0,
        &format!(r#"stroke="{}" stroke-width="2""#, INK),
    );
    s.line(
        hx - 5.0,
        hy + 5.0,
        hx + 5.0,
        hy - 5.0,
        &format!(r#"stroke="{}" stroke-width="2""#, INK),
    );
    s.math(
        hx + 9.0,
        hy - 6.0,
        lang.t("ŵ（无正则最优）", "ŵ (unregularized)"),
        13.0,
        &format!(r##"fill="{}" paint-order="stroke" stroke="#ffffff" stroke-width="4" stroke-linejoin="round""##, INK),
    );

    // the constrained optimum
    let (qx, qy) = pan.p(opt);
    s.circle(
        qx,
        qy,
        5.5,
        &format!(
            r#"fill="{}" stroke="{}" stroke-width="1.5""#,
            RED, "#ffffff"
        ),
    );
    let label = format!("w* = ({}, {})", fixed(opt[0], 2), fixed(opt[1], 2));
    let (lx, ly, anchor) = if l1 {
        (left + 8.0, qy - 14.0, "start")
    } else {
        (qx - 12.0, qy - 6.0, "end")
    };
    let halo =
        r##"paint-order="stroke" stroke="#ffffff" stroke-width="4" stroke-linejoin="round""##;
    s.text(
        lx,
        ly,
        &label,
        &format!(
            r#"font-size="13" font-weight="bold" fill="{}" text-anchor="{}" {}"#,
            RED, anchor, halo
        ),
    );
    if l1 {
        let zero_axis = if opt[0] == 0.0 { "w₁" } else { "w₂" };
        s.text(
            lx,
            ly - 17.0,
            &match lang {
                Lang::Zh => format!("落在顶点：{} 恰好为 0", zero_axis),
                Lang::En => format!("a corner: {} is exactly 0", zero_axis),
            },
            &format!(
                r#"font-size="12" fill="{}" text-anchor="{}" {}"#,
                RED, anchor, halo
            ),
        );
    } else {
        s.text(
            lx,
            ly - 17.0,
            lang.t("切点不在坐标轴上", "tangent point off the axes"),
            &format!(
                r#"font-size="12" fill="{}" text-anchor="{}" {}"#,
                RED, anchor, halo
            ),
        );
    }
    // panel title
    let t = if l1 {
        lang.t("L1 约束  ‖w‖_1 ≤ r：稀疏", "L1 ball  ‖w‖_1 ≤ r: sparse")
    } else {
        lang.t(
            "L2 约束  ‖w‖_2 ≤ r：收缩但不为 0",
            "L2 ball  ‖w‖_2 ≤ r: shrunk, not zero",
        )
    };
    s.math(
        left + pw / 2.0,
        top - 10.0,
        t,
        15.0,
        &format!(
            r#"font-weight="bold" text-anchor="middle" fill="{}""#,
            stroke
        ),
    );
}

/// Draws the figure.
pub fn svg(lang: Lang) -> String {
    let width = 860.0;
    let height = 470.0;
    let title = lang.t(
        "L1 与 L2 约束的几何：为什么 L1 产生稀疏解",
        "L1 vs L2 constraints: why L1 gives sparse solutions",
    );
    let l1 = constrained_optimum(project_l1);
    let l2 = constrained_optimum(project_l2);
    let desc = match lang {
        Lang::Zh => format!(
            "两幅图中是同一个二次损失的椭圆等高线，其无约束最优点 ŵ = ({}, {}) 在约束区域之外。左图约束区域为 L1 球（菱形，r = {}），\
             用投影梯度法求得约束最优点 w* = ({}, {})，落在菱形的顶点上，有一个坐标恰好为 0；右图为 L2 球（圆），\
             约束最优点 w* = ({}, {})，两个坐标都不为 0。粗线是与约束区域相切的那条等高线。",
            fixed(W_HAT[0], 1),
            fixed(W_HAT[1], 1),
            fixed(RADIUS, 0),
            fixed(l1[0], 2),
            fixed(l1[1], 2),
            fixed(l2[0], 2),
            fixed(l2[1], 2)
        ),
        Lang::En => format!(
            "Both panels show elliptical contours of the same quadratic loss, whose unconstrained minimum ŵ = ({}, {}) \
             lies outside the constraint set. Left: the L1 ball (a diamond, r = {}); the constrained optimum, computed \
             by projected gradient descent, is w* = ({}, {}), a corner of the diamond, so one coordinate is exactly 0. \
             Right: the L2 ball (a disc); the constrained optimum w* = ({}, {}) has both coordinates non-zero. The thick \
             contour is the one that touches the constraint set.",
            fixed(W_HAT[0], 1),
            fixed(W_HAT[1], 1),
            fixed(RADIUS, 0),
            fixed(l1[0], 2),
            fixed(l1[1], 2),
            fixed(l2[0], 2),
            fixed(l2[1], 2)
        ),
    };
    let mut s = Svg::new(width, height, lang, title, &desc);
    s.text(
        width / 2.0,
        26.0,
        title,
        &format!(
            r#"font-size="17" font-weight="bold" text-anchor="middle" fill="{}""#,
            INK
        ),
    );
    panel(&mut s, lang, 20.0, 66.0, true, "clip-l1");
    panel(&mut s, lang, 453.0, 66.0, false, "clip-l2");
    s.math(
        width / 2.0,
        height - 18.0,
        lang.t(
            "等高线：L(w) = ½(w − ŵ)^⊤A(w − ŵ)；粗线为与约束区域相切的等高线，红点为约束最优点（投影梯度法求得）",
            "contours of L(w) = ½(w − ŵ)^⊤A(w − ŵ); thick: the contour touching the ball; red: the constrained optimum (projected gradient)",
        ),
        12.5,
        &format!(r#"text-anchor="middle" fill="{}""#, MUTED),
    );
    s.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn l1_optimum_is_a_corner_and_l2_is_not() {
        let l1 = constrained_optimum(project_l1);
        assert!(l1[0] == 0.0 || l1[1] == 0.0, "{l1:?}");
        assert!((l1[0].abs() + l1[1].abs() - RADIUS).abs() < 1e-12);
        let l2 = constrained_optimum(project_l2);
        assert!(l2[0].abs() > 0.2 && l2[1].abs() > 0.2, "{l2:?}");
        assert!((l2[0].hypot(l2[1]) - RADIUS).abs() < 1e-12);
        // optimality: no boundary point has a lower loss (fine search on the boundary)
        for k in 0..100_000 {
            let t = k as f64 * std::f64::consts::TAU / 100_000.0;
            let (c, s) = (t.cos(), t.sin());
            let on_l1 = [
                RADIUS * c / (c.abs() + s.abs()),
                RADIUS * s / (c.abs() + s.abs()),
            ];
            assert!(loss(on_l1) >= loss(l1) - 1e-12);
            assert!(loss([RADIUS * c, RADIUS * s]) >= loss(l2) - 1e-12);
        }
    }
}
