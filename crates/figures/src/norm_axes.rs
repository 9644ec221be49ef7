//! `norm-axes.svg`: which elements of an (N, C, H·W) activation share one set of statistics, for
//! BatchNorm, LayerNorm, InstanceNorm, GroupNorm and RMSNorm (after Wu & He, 2018, Fig. 2).

use crate::palette::*;
use crate::{Lang, Svg};

/// Cells drawn along each axis.
const NC: usize = 6; // channels
const NH: usize = 6; // spatial (H·W flattened)
const NN: usize = 4; // batch
/// Cell sizes in px.
const CW: f64 = 15.0;
const CH: f64 = 13.0;
const DX: f64 = 9.0;
const DY: f64 = 7.0;

/// A set of elements: half-open index ranges along (N, C, HW).
#[derive(Clone, Copy)]
struct Block {
    n: (usize, usize),
    c: (usize, usize),
    h: (usize, usize),
}

struct Cube {
    ox: f64,
    oy: f64,
}

impl Cube {
    fn p(&self, c: f64, h: f64, n: f64) -> (f64, f64) {
        (self.ox + c * CW + n * DX, self.oy - h * CH - n * DY)
    }
    fn front(&self, c0: f64, c1: f64, h0: f64, h1: f64) -> Vec<(f64, f64)> {
        vec![
            self.p(c0, h0, 0.0),
            self.p(c1, h0, 0.0),
            self.p(c1, h1, 0.0),
            self.p(c0, h1, 0.0),
        ]
    }
    fn top(&self, c0: f64, c1: f64, n0: f64, n1: f64) -> Vec<(f64, f64)> {
        let h = NH as f64;
        vec![
            self.p(c0, h, n0),
            self.p(c1, h, n0),
            self.p(c1, h, n1),
            self.p(c0, h, n1),
        ]
    }
    fn right(&self, n0: f64, n1: f64, h0: f64, h1: f64) -> Vec<(f64, f64)> {
        let c = NC as f64;
        vec![
            self.p(c, h0, n0),
            self.p(c, h0, n1),
            self.p(c, h1, n1),
            self.p(c, h1, n0),
        ]
    }
}

fn draw_cube(s: &mut Svg, cube: &Cube, block: Block, fills: [&str; 3]) {
    let (c, h, n) = (NC as f64, NH as f64, NN as f64);
    // base faces
    s.polygon(&cube.front(0.0, c, 0.0, h), r##"fill="#f9fafb""##);
    s.polygon(&cube.top(0.0, c, 0.0, n), r##"fill="#eceff3""##);
    s.polygon(&cube.right(0.0, n, 0.0, h), r##"fill="#e2e5ea""##);
    // the shaded set: only the parts that lie on a visible face
    let f = |v: usize| v as f64;
    if block.n.0 == 0 {
        s.polygon(
            &cube.front(f(block.c.0), f(block.c.1), f(block.h.0), f(block.h.1)),
            &format!(r#"fill="{}""#, fills[0]),
        );
    }
    if block.h.1 == NH {
        s.polygon(
            &cube.top(f(block.c.0), f(block.c.1), f(block.n.0), f(block.n.1)),
            &format!(r#"fill="{}""#, fills[1]),
        );
    }
    if block.c.1 == NC {
        s.polygon(
            &cube.right(f(block.n.0), f(block.n.1), f(block.h.0), f(block.h.1)),
            &format!(r#"fill="{}""#, fills[2]),
        );
    }
    // grid lines
    let grid = r##"stroke="#9ca3af" stroke-width="0.6""##;
    for i in 1..NC {
        let (a, b) = (cube.p(f(i), 0.0, 0.0), cube.p(f(i), h, 0.0));
        s.line(a.0, a.1, b.0, b.1, grid);
        let b2 = cube.p(f(i), h, n);
        s.line(b.0, b.1, b2.0, b2.1, grid);
    }
    for j in 1..NH {
        let (a, b) = (cube.p(0.0, f(j), 0.0), cube.p(c, f(j), 0.0));
        s.line(a.0, a.1, b.0, b.1, grid);
        let b2 = cube.p(c, f(j), n);
        s.line(b.0, b.1, b2.0, b2.1, grid);
    }
    for k in 1..NN {
        let (a, b) = (cube.p(0.0, h, f(k)), cube.p(c, h, f(k)));
        s.line(a.0, a.1, b.0, b.1, grid);
        let b2 = cube.p(c, 0.0, f(k));
        s.line(b.0, b.1, b2.0, b2.1, grid);
    }
    // outline
    let outline = format!(
        r#"fill="none" stroke="{}" stroke-width="1.2" stroke-linejoin="round""#,
        INK
    );
    let hull = [
        cube.p(0.0, 0.0, 0.0),
        cube.p(c, 0.0, 0.0),
        cube.p(c, 0.0, n),
        cube.p(c, h, n),
        cube.p(0.0, h, n),
        cube.p(0.0, h, 0.0),
    ];
    s.polygon(&hull, &outline);
    let (a, b, d) = (cube.p(0.0, h, 0.0), cube.p(c, h, 0.0), cube.p(c, 0.0, 0.0));
    let e = cube.p(c, h, n);
    s.polyline(&[a, b, d], &outline);
    s.line(b.0, b.1, e.0, e.1, &outline);
    // axis labels
    let lab = format!(r#"font-size="12" fill="{}" font-style="italic""#, MUTED);
    let mid_c = cube.p(c / 2.0, 0.0, 0.0);
    s.text(
        mid_c.0,
        mid_c.1 + 15.0,
        "C",
        &format!(r#"text-anchor="middle" {}"#, lab),
    );
    let mid_h = cube.p(0.0, h / 2.0, 0.0);
    s.raw(&format!(
        r#"<text x="{x}" y="{y}" text-anchor="middle" transform="rotate(-90 {x} {y})" {lab}>H, W</text>"#,
        x = crate::num(mid_h.0 - 7.0),
        y = crate::num(mid_h.1),
        lab = lab
    ));
    let mid_n = cube.p(c, 0.0, n / 2.0);
    s.text(mid_n.0 + 7.0, mid_n.1 + 9.0, "N", &lab);
}

/// Draws the figure.
pub fn svg(lang: Lang) -> String {
    let width = 880.0;
    let height = 318.0;
    let title = lang.t(
        "BN、LN、IN、GN 与 RMSNorm 各在哪些元素上计算统计量",
        "Which elements BN, LN, IN, GN and RMSNorm normalize together",
    );
    let desc = lang.t(
        "五个立方体表示形状为 (N, C, H·W) 的激活张量，N 为 batch 轴，C 为通道轴，H 与 W 合为一个空间轴。\
         阴影部分是共享同一个均值与方差的元素：BN 对每个通道跨 N、H、W；LN 对每个样本跨 C、H、W；\
         IN 对每个样本的每个通道跨 H、W；GN 对每个样本的每组通道（图中 G = 2）跨组内通道与 H、W；\
         RMSNorm 的集合与 LN 相同，但不减均值，只除以均方根。",
        "Five cubes represent an activation tensor of shape (N, C, H·W): N is the batch axis, C the channel \
         axis, H and W are flattened into one spatial axis. The shaded elements share one mean and variance: \
         BN, per channel over N, H, W; LN, per sample over C, H, W; IN, per sample and channel over H, W; \
         GN, per sample and group of channels (G = 2 here) over the group's channels and H, W; RMSNorm uses \
         the same set as LN but subtracts no mean and divides by the root mean square only.",
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

    let blue = [BLUE, "#93c5fd", "#60a5fa"];
    let purple = [PURPLE, "#c4b5fd", "#a78bfa"];
    let panels: [(&str, &str, &str, Block, [&str; 3]); 5] = [
        (
            lang.t("批归一化 BN", "BatchNorm (BN)"),
            lang.t("每个通道 c 一组统计量", "one mean/var per channel c"),
            lang.t("跨 N, H, W 计算", "computed over N, H, W"),
            Block {
                n: (0, NN),
                c: (2, 3),
                h: (0, NH),
            },
            blue,
        ),
        (
            lang.t("层归一化 LN", "LayerNorm (LN)"),
            lang.t("每个样本 n 一组", "one per sample n"),
            lang.t("跨 C, H, W 计算", "computed over C, H, W"),
            Block {
                n: (0, 1),
                c: (0, NC),
                h: (0, NH),
            },
            blue,
        ),
        (
            lang.t("实例归一化 IN", "InstanceNorm (IN)"),
            lang.t("每个 (n, c) 一组", "one per (n, c)"),
            lang.t("跨 H, W 计算", "computed over H, W"),
            Block {
                n: (0, 1),
                c: (0, 1),
                h: (0, NH),
            },
            blue,
        ),
        (
            lang.t("组归一化 GN", "GroupNorm (GN)"),
            lang.t("每个 (n, 通道组) 一组", "one per (n, channel group)"),
            lang.t("跨组内 C 与 H, W（G = 2）", "over its C, H, W (G = 2)"),
            Block {
                n: (0, 1),
                c: (0, NC / 2),
                h: (0, NH),
            },
            blue,
        ),
        (
            "RMSNorm",
            lang.t("集合与 LN 相同", "same set as LN, but"),
            lang.t("但不减均值，只除以 RMS", "no mean: divides by RMS"),
            Block {
                n: (0, 1),
                c: (0, NC),
                h: (0, NH),
            },
            purple,
        ),
    ];
    let panel_w = 172.0;
    let x0 = 10.0;
    for (i, (name, l1, l2, block, fills)) in panels.iter().enumerate() {
        let cx = x0 + panel_w * (i as f64 + 0.5);
        let cube_w = NC as f64 * CW + NN as f64 * DX;
        let cube = Cube {
            ox: cx - cube_w / 2.0 + 6.0,
            oy: 172.0,
        };
        draw_cube(&mut s, &cube, *block, *fills);
        let color = if i == 4 { PURPLE } else { INK };
        s.text(
            cx,
            212.0,
            name,
            &format!(
                r#"font-size="15" font-weight="bold" text-anchor="middle" fill="{}""#,
                color
            ),
        );
        s.text(
            cx,
            233.0,
            l1,
            &format!(r#"font-size="12" text-anchor="middle" fill="{}""#, INK),
        );
        s.text(
            cx,
            250.0,
            l2,
            &format!(r#"font-size="12" text-anchor="middle" fill="{}""#, INK),
        );
    }
    // legend
    let ly = 284.0;
    s.rect(60.0, ly - 11.0, 16.0, 13.0, &format!(r#"fill="{}""#, BLUE));
    s.text(
        84.0,
        ly,
        lang.t(
            "阴影：用同一个均值和方差一起归一化的元素（RMSNorm 为同一个均方根）",
            "shaded: the elements normalized with one shared mean and variance (RMSNorm: one shared RMS)",
        ),
        &format!(r#"font-size="12" fill="{}""#, INK),
    );
    s.text(
        84.0,
        ly + 20.0,
        lang.t(
            "示意 N = 4，C = 6；H 与 W 展平为一个轴。",
            "Drawn with N = 4, C = 6; H and W are flattened into one axis.",
        ),
        &format!(r#"font-size="12" fill="{}""#, MUTED),
    );
    s.finish()
}
