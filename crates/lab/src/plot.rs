//! Line charts on top of the `figures` crate's SVG builder: axes, ticks, lines, min–max bands,
//! markers and legends. Every coordinate goes through `figures::num` (two decimals), so the
//! output is byte-for-byte reproducible.

use figures::{Svg, num, palette};

/// A plotting area: pixel box and data ranges.
#[derive(Debug, Clone, Copy)]
pub struct Panel {
    /// Left edge (px).
    pub x: f64,
    /// Top edge (px).
    pub y: f64,
    /// Width (px).
    pub w: f64,
    /// Height (px).
    pub h: f64,
    /// Data range on x.
    pub xr: (f64, f64),
    /// Data range on y.
    pub yr: (f64, f64),
    /// Logarithmic x axis.
    pub xlog: bool,
    /// Logarithmic y axis.
    pub ylog: bool,
}

/// Line styles.
pub const SERIES: [&str; 8] = [
    "#6b7280", // gray: baseline
    "#2563eb", // blue
    "#ea580c", // orange
    "#059669", // green
    "#7c3aed", // purple
    "#dc2626", // red
    "#0891b2", // cyan
    "#ca8a04", // amber
];

fn t(v: f64, r: (f64, f64), log: bool) -> f64 {
    if log { (v.ln() - r.0.ln()) / (r.1.ln() - r.0.ln()) } else { (v - r.0) / (r.1 - r.0) }
}

impl Panel {
    /// A panel with linear axes.
    pub fn new(x: f64, y: f64, w: f64, h: f64, xr: (f64, f64), yr: (f64, f64)) -> Panel {
        Panel { x, y, w, h, xr, yr, xlog: false, ylog: false }
    }

    /// Pixel x of a data value.
    pub fn px(&self, v: f64) -> f64 {
        self.x + t(v, self.xr, self.xlog) * self.w
    }

    /// Pixel y of a data value, clamped to the panel.
    pub fn py(&self, v: f64) -> f64 {
        let tt = t(v, self.yr, self.ylog).clamp(-0.02, 1.02);
        self.y + self.h - tt * self.h
    }

    /// Frame, grid, ticks, axis titles and panel title.
    pub fn axes(&self, svg: &mut Svg, xticks: &[(f64, String)], yticks: &[(f64, String)], xlabel: &str, ylabel: &str, title: &str) {
        let ink = format!(r#"fill="{}""#, palette::INK);
        for (v, label) in yticks {
            let y = self.py(*v);
            svg.line(self.x, y, self.x + self.w, y, &format!(r#"stroke="{}" stroke-width="0.6""#, palette::GRID));
            svg.text(self.x - 5.0, y + 3.5, label, &format!(r#"font-size="10" text-anchor="end" {ink}"#));
        }
        for (v, label) in xticks {
            let x = self.px(*v);
            svg.line(x, self.y + self.h, x, self.y + self.h + 4.0, &format!(r#"stroke="{}" stroke-width="0.8""#, palette::INK));
            svg.text(x, self.y + self.h + 15.0, label, &format!(r#"font-size="10" text-anchor="middle" {ink}"#));
        }
        svg.rect(self.x, self.y, self.w, self.h, &format!(r#"fill="none" stroke="{}" stroke-width="0.8""#, palette::INK));
        if !xlabel.is_empty() {
            svg.text(self.x + self.w / 2.0, self.y + self.h + 30.0, xlabel, &format!(r#"font-size="11" text-anchor="middle" {ink}"#));
        }
        if !ylabel.is_empty() {
            let (x, y) = (self.x - 38.0, self.y + self.h / 2.0);
            svg.raw(&format!(
                r#"<text x="{}" y="{}" font-size="11" text-anchor="middle" transform="rotate(-90 {} {})" {ink}>{}</text>"#,
                num(x),
                num(y),
                num(x),
                num(y),
                figures::rich(ylabel)
            ));
        }
        if !title.is_empty() {
            svg.text(self.x, self.y - 7.0, title, &format!(r#"font-size="12" font-weight="bold" {ink}"#));
        }
    }

    /// A polyline through `(x, y)` points (non-finite points are skipped).
    pub fn line(&self, svg: &mut Svg, pts: &[(f64, f64)], color: &str, width: f64, dash: Option<&str>) {
        let p: Vec<(f64, f64)> = pts.iter().filter(|(a, b)| a.is_finite() && b.is_finite()).map(|&(a, b)| (self.px(a), self.py(b))).collect();
        let d = dash.map(|d| format!(r#" stroke-dasharray="{d}""#)).unwrap_or_default();
        svg.polyline(&p, &format!(r#"fill="none" stroke="{color}" stroke-width="{}" stroke-linejoin="round"{d}"#, num(width)));
    }

    /// A shaded band between `lo` and `hi` over `xs`.
    pub fn band(&self, svg: &mut Svg, xs: &[f64], lo: &[f64], hi: &[f64], color: &str, opacity: f64) {
        let mut p: Vec<(f64, f64)> = xs.iter().zip(hi).map(|(&x, &y)| (self.px(x), self.py(y))).collect();
        p.extend(xs.iter().zip(lo).rev().map(|(&x, &y)| (self.px(x), self.py(y))));
        svg.polygon(&p, &format!(r#"fill="{color}" fill-opacity="{}" stroke="none""#, num(opacity)));
    }

    /// Filled circles.
    pub fn dots(&self, svg: &mut Svg, pts: &[(f64, f64)], color: &str, r: f64) {
        for &(a, b) in pts {
            svg.circle(self.px(a), self.py(b), r, &format!(r#"fill="{color}""#));
        }
    }

    /// Vertical error bars from `lo` to `hi` at `x`.
    pub fn whisker(&self, svg: &mut Svg, x: f64, lo: f64, hi: f64, color: &str) {
        let px = self.px(x);
        let s = format!(r#"stroke="{color}" stroke-width="1.2""#);
        svg.line(px, self.py(lo), px, self.py(hi), &s);
        svg.line(px - 3.0, self.py(lo), px + 3.0, self.py(lo), &s);
        svg.line(px - 3.0, self.py(hi), px + 3.0, self.py(hi), &s);
    }
}

/// A legend: one row per `(colour, label, dashed)`, starting at `(x, y)`.
pub fn legend(svg: &mut Svg, x: f64, y: f64, entries: &[(&str, String, bool)]) {
    for (i, (color, label, dashed)) in entries.iter().enumerate() {
        let yy = y + i as f64 * 15.0;
        let d = if *dashed { r#" stroke-dasharray="5 3""# } else { "" };
        svg.line(x, yy, x + 20.0, yy, &format!(r#"stroke="{color}" stroke-width="2"{d}"#));
        svg.text(x + 25.0, yy + 3.5, label, &format!(r#"font-size="10.5" fill="{}""#, palette::INK));
    }
}

/// A horizontal legend: entries side by side, each `width` px apart.
pub fn legend_row(svg: &mut Svg, x: f64, y: f64, width: f64, entries: &[(&str, String, bool)]) {
    for (i, (color, label, dashed)) in entries.iter().enumerate() {
        let xx = x + i as f64 * width;
        let d = if *dashed { r#" stroke-dasharray="5 3""# } else { "" };
        svg.line(xx, y, xx + 20.0, y, &format!(r#"stroke="{color}" stroke-width="2"{d}"#));
        svg.text(xx + 25.0, y + 3.5, label, &format!(r#"font-size="10.5" fill="{}""#, palette::INK));
    }
}

/// Evenly spaced ticks from `lo` to `hi` by `step`, labelled with `d` decimals.
pub fn ticks(lo: f64, hi: f64, step: f64, d: usize) -> Vec<(f64, String)> {
    let n = ((hi - lo) / step + 1e-9).floor() as usize;
    (0..=n).map(|i| lo + i as f64 * step).map(|v| (v, figures::fixed(v, d))).collect()
}

/// Mean, minimum and maximum of one set of values (e.g. a final metric over seeds).
pub fn summary(xs: &[f64]) -> (f64, f64, f64) {
    (
        xs.iter().sum::<f64>() / xs.len() as f64,
        xs.iter().copied().fold(f64::INFINITY, f64::min),
        xs.iter().copied().fold(f64::NEG_INFINITY, f64::max),
    )
}

/// Mean, minimum and maximum of each column of `runs` (runs × points).
pub fn mean_min_max(runs: &[Vec<f64>]) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
    let m = runs[0].len();
    let mut mean = vec![0.0; m];
    let mut lo = vec![f64::INFINITY; m];
    let mut hi = vec![f64::NEG_INFINITY; m];
    for r in runs {
        for j in 0..m {
            mean[j] += r[j] / runs.len() as f64;
            lo[j] = lo[j].min(r[j]);
            hi[j] = hi[j].max(r[j]);
        }
    }
    (mean, lo, hi)
}
