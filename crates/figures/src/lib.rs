//! Generates the book's SVG figures, deterministically and in both languages.
//!
//! Every figure is a function `fn svg(lang: Lang) -> String` in its own module. The SVG is written by
//! hand through the tiny [`Svg`] builder below: all coordinates go through [`num`], which prints a
//! fixed number of decimals, so the output is identical byte for byte on every run. Figures that show
//! data (the L1/L2 optima, the dropout masks, the mixup/CutMix images) compute that data here, from
//! seeded generators ([`regularizers::Rng`]) or small numerical solvers, never from hand-placed values.
//!
//! `cargo run -p figures` writes `src/zh/figures/*.svg` and `src/en/figures/*.svg`;
//! `cargo test -p figures` checks that the committed files are up to date and well formed.

use std::fmt::Write as _;

pub mod bn_train_eval;
pub mod dropout_masks;
pub mod l1_l2_geometry;
pub mod mixup_cutmix;
pub mod norm_axes;
pub mod pre_post_ln;
pub mod soft_threshold;

/// The language of a figure's labels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// Simplified Chinese (`src/zh`).
    Zh,
    /// English (`src/en`).
    En,
}

impl Lang {
    /// Both languages, in the order the figures are generated.
    pub const ALL: [Lang; 2] = [Lang::Zh, Lang::En];

    /// Picks the label for this language.
    pub fn t<'a>(self, zh: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }

    /// The book directory under `src/` (`zh` or `en`).
    pub fn dir(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }

    /// The BCP 47 tag written into the SVG's `xml:lang`.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }
}

/// A figure generator: file name and the function that draws it.
type Figure = (&'static str, fn(Lang) -> String);

const FIGURES: [Figure; 7] = [
    ("norm-axes.svg", norm_axes::svg),
    ("l1-l2-geometry.svg", l1_l2_geometry::svg),
    ("soft-threshold.svg", soft_threshold::svg),
    ("dropout-masks.svg", dropout_masks::svg),
    ("pre-post-ln.svg", pre_post_ln::svg),
    ("bn-train-eval.svg", bn_train_eval::svg),
    ("mixup-cutmix.svg", mixup_cutmix::svg),
];

/// Every figure in every language: `(file name, language, SVG text)`.
///
/// The file goes to `src/<lang>/figures/<file name>` relative to the workspace root.
pub fn all_figures() -> Vec<(&'static str, Lang, String)> {
    let mut out = Vec::new();
    for (name, draw) in FIGURES {
        for lang in Lang::ALL {
            out.push((name, lang, draw(lang)));
        }
    }
    out
}

/// The font stack used by every figure (CJK first so that Chinese labels pick a CJK face).
pub const FONT_FAMILY: &str = "Noto Sans CJK SC, Source Han Sans SC, PingFang SC, Microsoft YaHei, Helvetica, Arial, sans-serif";

/// Formats a coordinate with at most two decimals, trailing zeros removed and no `-0`.
pub fn num(x: f64) -> String {
    assert!(x.is_finite(), "non-finite coordinate in a figure");
    let mut s = format!("{:.2}", x);
    if s.contains('.') {
        while s.ends_with('0') {
            s.pop();
        }
        if s.ends_with('.') {
            s.pop();
        }
    }
    if s == "-0" {
        s = "0".to_string();
    }
    s
}

/// Formats a value with exactly `d` decimals (for numbers printed in labels).
pub fn fixed(x: f64, d: usize) -> String {
    let s = format!("{:.*}", d, x);
    if s.starts_with('-') && s[1..].chars().all(|c| c == '0' || c == '.') {
        s[1..].to_string()
    } else {
        s
    }
}

/// Escapes text for XML character data and attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// The font stack for symbols that CJK fonts draw full-width (‖ · ± ×): a Latin face keeps formulas tight.
pub const LATIN_FAMILY: &str = "Helvetica, Arial, Noto Sans, DejaVu Sans, sans-serif";

/// Escapes text and wraps the symbols that CJK fonts draw full-width in a Latin-font `<tspan>`.
pub fn rich(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if matches!(c, '‖' | '·' | '±' | '×') {
            let _ = write!(
                out,
                r#"<tspan font-family="{}">{}</tspan>"#,
                LATIN_FAMILY, c
            );
        } else {
            out.push_str(&esc(&c.to_string()));
        }
    }
    out
}

/// An RGB colour, printed as `#rrggbb`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rgb(pub f64, pub f64, pub f64);

impl Rgb {
    /// `#rrggbb`, channels clamped to `[0, 255]` and rounded.
    pub fn hex(self) -> String {
        let c = |v: f64| v.round().clamp(0.0, 255.0) as u8;
        format!("#{:02x}{:02x}{:02x}", c(self.0), c(self.1), c(self.2))
    }

    /// `t·self + (1 − t)·other`.
    pub fn mix(self, other: Rgb, t: f64) -> Rgb {
        Rgb(
            t * self.0 + (1.0 - t) * other.0,
            t * self.1 + (1.0 - t) * other.1,
            t * self.2 + (1.0 - t) * other.2,
        )
    }
}

/// A minimal SVG document builder. Attributes are passed as raw `name="value"` strings written by
/// the figure code; text content is escaped here.
pub struct Svg {
    width: f64,
    height: f64,
    lang: Lang,
    title: String,
    desc: String,
    defs: String,
    body: String,
}

impl Svg {
    /// A new document of `width × height` px with an accessible title and description.
    pub fn new(width: f64, height: f64, lang: Lang, title: &str, desc: &str) -> Svg {
        Svg {
            width,
            height,
            lang,
            title: title.to_string(),
            desc: desc.to_string(),
            defs: String::new(),
            body: String::new(),
        }
    }

    /// Appends raw markup (must be well formed).
    pub fn raw(&mut self, s: &str) {
        self.body.push_str(s);
        self.body.push('\n');
    }

    /// Appends raw markup to `<defs>`.
    pub fn def(&mut self, s: &str) {
        self.defs.push_str(s);
        self.defs.push('\n');
    }

    /// A rectangle.
    pub fn rect(&mut self, x: f64, y: f64, w: f64, h: f64, attrs: &str) {
        let _ = writeln!(
            self.body,
            r#"<rect x="{}" y="{}" width="{}" height="{}" {}/>"#,
            num(x),
            num(y),
            num(w),
            num(h),
            attrs
        );
    }

    /// A line segment.
    pub fn line(&mut self, x1: f64, y1: f64, x2: f64, y2: f64, attrs: &str) {
        let _ = writeln!(
            self.body,
            r#"<line x1="{}" y1="{}" x2="{}" y2="{}" {}/>"#,
            num(x1),
            num(y1),
            num(x2),
            num(y2),
            attrs
        );
    }

    /// A circle.
    pub fn circle(&mut self, cx: f64, cy: f64, r: f64, attrs: &str) {
        let _ = writeln!(
            self.body,
            r#"<circle cx="{}" cy="{}" r="{}" {}/>"#,
            num(cx),
            num(cy),
            num(r),
            attrs
        );
    }

    /// An open polyline.
    pub fn polyline(&mut self, pts: &[(f64, f64)], attrs: &str) {
        let _ = writeln!(
            self.body,
            r#"<polyline points="{}" {}/>"#,
            points(pts),
            attrs
        );
    }

    /// A closed polygon.
    pub fn polygon(&mut self, pts: &[(f64, f64)], attrs: &str) {
        let _ = writeln!(
            self.body,
            r#"<polygon points="{}" {}/>"#,
            points(pts),
            attrs
        );
    }

    /// A path with the given `d`.
    pub fn path(&mut self, d: &str, attrs: &str) {
        let _ = writeln!(self.body, r#"<path d="{}" {}/>"#, d, attrs);
    }

    /// A line with an arrow head at `(x2, y2)`, drawn as a polygon (no markers needed).
    pub fn arrow(&mut self, x1: f64, y1: f64, x2: f64, y2: f64, color: &str, width: f64) {
        let (dx, dy) = (x2 - x1, y2 - y1);
        let len = (dx * dx + dy * dy).sqrt();
        let (ux, uy) = (dx / len, dy / len);
        let head = 7.0 + 1.5 * width;
        let (bx, by) = (x2 - ux * head, y2 - uy * head);
        let (px, py) = (-uy * head * 0.45, ux * head * 0.45);
        self.line(
            x1,
            y1,
            bx,
            by,
            &format!(r#"stroke="{}" stroke-width="{}""#, color, num(width)),
        );
        self.polygon(
            &[(x2, y2), (bx + px, by + py), (bx - px, by - py)],
            &format!(r#"fill="{}""#, color),
        );
    }

    /// Plain text; `attrs` carries font-size, anchor, colour.
    pub fn text(&mut self, x: f64, y: f64, s: &str, attrs: &str) {
        let _ = writeln!(
            self.body,
            r#"<text x="{}" y="{}" {}>{}</text>"#,
            num(x),
            num(y),
            attrs,
            rich(s)
        );
    }

    /// Text with a tiny markup for math: `_{...}` or `_c` is a subscript, `^{...}` or `^c` a
    /// superscript, `*...*` italic, `\\` escapes the next character (`running\\_mean`). Shifts are done with `dy`, which every renderer supports.
    pub fn math(&mut self, x: f64, y: f64, s: &str, size: f64, attrs: &str) {
        let mut inner = String::new();
        let mut shift = 0.0f64; // current baseline offset (positive = down)
        let mut buf = String::new();
        let mut italic = false;
        let flush = |buf: &mut String, inner: &mut String, italic: bool, shift: &mut f64| {
            if !buf.is_empty() {
                // renderers (librsvg at least) drop a space that starts a chunk after a `dy` shift:
                // replace it by an explicit horizontal offset
                let mut dx = String::new();
                if *shift != 0.0 && buf.starts_with(' ') {
                    buf.remove(0);
                    dx = format!(r#" dx="{}""#, num(0.26 * size));
                }
                let dy = -*shift;
                *shift = 0.0;
                let style = if italic {
                    r#" font-style="italic""#
                } else {
                    ""
                };
                if dy != 0.0 {
                    let _ = write!(
                        inner,
                        r#"<tspan dy="{}"{}{}>{}</tspan>"#,
                        num(dy),
                        dx,
                        style,
                        rich(buf)
                    );
                } else {
                    let _ = write!(inner, r#"<tspan{}>{}</tspan>"#, style, rich(buf));
                }
                buf.clear();
            }
        };
        let chars: Vec<char> = s.chars().collect();
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            if c == '\\' && i + 1 < chars.len() {
                buf.push(chars[i + 1]);
                i += 2;
            } else if c == '*' {
                flush(&mut buf, &mut inner, italic, &mut shift);
                italic = !italic;
                i += 1;
            } else if (c == '_' || c == '^') && i + 1 < chars.len() {
                flush(&mut buf, &mut inner, italic, &mut shift);
                let (content, next) = if chars[i + 1] == '{' {
                    let end = (i + 2..chars.len())
                        .find(|&k| chars[k] == '}')
                        .expect("unclosed {");
                    (chars[i + 2..end].iter().collect::<String>(), end + 1)
                } else {
                    (chars[i + 1].to_string(), i + 2)
                };
                let target = if c == '_' { 0.3 * size } else { -0.38 * size };
                let dy = target - shift;
                let style = if italic {
                    r#" font-style="italic""#
                } else {
                    ""
                };
                let _ = write!(
                    inner,
                    r#"<tspan dy="{}" font-size="{}"{}>{}</tspan>"#,
                    num(dy),
                    num(size * 0.72),
                    style,
                    rich(&content)
                );
                shift = target;
                i = next;
            } else {
                buf.push(c);
                i += 1;
            }
        }
        flush(&mut buf, &mut inner, italic, &mut shift);
        if shift != 0.0 {
            // return to the baseline so that nothing after this element is affected
            let _ = write!(inner, r#"<tspan dy="{}"> </tspan>"#, num(-shift));
        }
        let _ = writeln!(
            self.body,
            r#"<text x="{}" y="{}" font-size="{}" {}>{}</text>"#,
            num(x),
            num(y),
            num(size),
            attrs,
            inner
        );
    }

    /// The finished document.
    pub fn finish(self) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" xml:lang="{lang}" role="img" aria-labelledby="title desc" font-family="{font}">"#,
            w = num(self.width),
            h = num(self.height),
            lang = self.lang.tag(),
            font = FONT_FAMILY
        );
        let _ = writeln!(s, r#"<title id="title">{}</title>"#, esc(&self.title));
        let _ = writeln!(s, r#"<desc id="desc">{}</desc>"#, esc(&self.desc));
        if !self.defs.is_empty() {
            let _ = write!(s, "<defs>\n{}</defs>\n", self.defs);
        }
        let _ = writeln!(
            s,
            r##"<rect x="0" y="0" width="{}" height="{}" fill="#ffffff"/>"##,
            num(self.width),
            num(self.height)
        );
        s.push_str(&self.body);
        s.push_str("</svg>\n");
        s
    }
}

fn points(pts: &[(f64, f64)]) -> String {
    pts.iter()
        .map(|&(x, y)| format!("{},{}", num(x), num(y)))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Common colours.
pub mod palette {
    /// Main ink.
    pub const INK: &str = "#1f2937";
    /// Secondary text.
    pub const MUTED: &str = "#6b7280";
    /// Light grid lines.
    pub const GRID: &str = "#d1d5db";
    /// Primary accent (blue).
    pub const BLUE: &str = "#2563eb";
    /// Light blue fill.
    pub const BLUE_LIGHT: &str = "#dbeafe";
    /// Secondary accent (orange).
    pub const ORANGE: &str = "#ea580c";
    /// Light orange fill.
    pub const ORANGE_LIGHT: &str = "#ffedd5";
    /// Green accent.
    pub const GREEN: &str = "#059669";
    /// Light green fill.
    pub const GREEN_LIGHT: &str = "#d1fae5";
    /// Purple accent.
    pub const PURPLE: &str = "#7c3aed";
    /// Light purple fill.
    pub const PURPLE_LIGHT: &str = "#ede9fe";
    /// Red accent.
    pub const RED: &str = "#dc2626";
    /// Light red fill.
    pub const RED_LIGHT: &str = "#fee2e2";
    /// Neutral fill.
    pub const GRAY_LIGHT: &str = "#f3f4f6";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn num_is_stable() {
        assert_eq!(num(1.0), "1");
        assert_eq!(num(1.234_9), "1.23");
        assert_eq!(num(-0.001), "0");
        assert_eq!(num(2.5), "2.5");
        assert_eq!(fixed(-0.0001, 2), "0.00");
    }

    #[test]
    fn escaping() {
        assert_eq!(esc("a<b & \"c\""), "a&lt;b &amp; &quot;c&quot;");
    }
}
