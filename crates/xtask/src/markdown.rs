//! The little Markdown reading xtask needs: the chapters of a SUMMARY.md, and the lines of a
//! chapter classified by whether they sit inside a fenced code block.

use std::fs;
use std::path::Path;

type R<T> = Result<T, String>;

/// (title, file) of every chapter linked from `src/SUMMARY.md`, in order.
pub fn summary_chapters(src: &Path) -> R<Vec<(String, String)>> {
    let path = src.join("SUMMARY.md");
    let summary = fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut out = Vec::new();
    for line in summary.lines() {
        let t = line.trim_start().trim_start_matches(['-', '*']).trim_start();
        let Some(rest) = t.strip_prefix('[') else { continue };
        let Some((title, after)) = rest.split_once("](") else { continue };
        let Some((file, _)) = after.split_once(')') else { continue };
        if file.ends_with(".md") {
            out.push((title.to_string(), file.to_string()));
        }
    }
    if out.is_empty() {
        return Err(format!("no chapters in {}", path.display()));
    }
    Ok(out)
}

/// Where a line of a chapter sits.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kind {
    /// Outside any fenced block.
    Prose,
    /// The opening fence of a block.
    FenceOpen,
    /// Inside a fenced block, or its closing fence.
    Code,
}

/// A line of a chapter, trimmed, with its [`Kind`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Line<'a> {
    pub kind: Kind,
    pub text: &'a str,
}

impl<'a> Line<'a> {
    /// The info string of an opening fence (e.g. `rust,ignore,listing`), else None.
    pub fn fence_info(&self) -> Option<&'a str> {
        (self.kind == Kind::FenceOpen).then(|| self.text.trim_start_matches(['`', '~']).trim())
    }
}

/// Classifies every line of `text`: ``` and ~~~ fences of three or more, closed by a fence of the
/// same character at least as long, as CommonMark does.
pub fn lines(text: &str) -> Vec<Line<'_>> {
    let mut fence: Option<(char, usize)> = None;
    text.lines()
        .map(|line| {
            let text = line.trim();
            let c = text.chars().next().unwrap_or(' ');
            let run = text.chars().take_while(|&x| x == c).count();
            let kind = match fence {
                None if (c == '`' || c == '~') && run >= 3 => {
                    fence = Some((c, run));
                    Kind::FenceOpen
                }
                None => Kind::Prose,
                Some((fc, fl)) => {
                    if c == fc && run >= fl && text.len() == run {
                        fence = None;
                    }
                    Kind::Code
                }
            };
            Line { kind, text }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fences_and_prose() {
        let md = "# T {#t}\n```rust,ignore\n### not a heading\n~~~\n````\n~~~~ python\n```\n~~~~~\ntext";
        let kinds: Vec<Kind> = lines(md).iter().map(|l| l.kind).collect();
        use Kind::*;
        // `~~~` inside a backtick block does not close it; the longer "````" does.
        assert_eq!(kinds, [Prose, FenceOpen, Code, Code, Code, FenceOpen, Code, Code, Prose]);
        let l = lines(md);
        assert_eq!(l[1].fence_info(), Some("rust,ignore"));
        assert_eq!(l[5].fence_info(), Some("python"));
        assert_eq!(l[0].fence_info(), None);
    }
}
