//! `book/code/`: the companion crates' source as static, offline HTML pages, so that every
//! "evidence" link in the book (a test that demonstrates an answer) is a link a reader can follow.
//!
//! One page per `.rs` file of `crates/regularizers` and `crates/lab` (src, tests, examples,
//! benches), shared by both languages. Each line has an id `L<n>`; each `fn name` line also gets
//! the id `name` (the first one in the file), so a link can name a test function and survive edits
//! that move it.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

type R<T> = Result<T, String>;

/// The crates whose sources are published under book/code/.
const CRATES: [&str; 2] = ["crates/regularizers", "crates/lab"];
const PARTS: [&str; 4] = ["src", "tests", "examples", "benches"];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else { return };
    let mut entries: Vec<_> = entries.flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// The name declared by a line such as `fn foo(`, `pub fn foo<T>(`, `    fn foo(` (else None).
fn fn_name(line: &str) -> Option<&str> {
    let t = line.trim_start();
    let t = t.strip_prefix("pub(crate) ").or_else(|| t.strip_prefix("pub ")).unwrap_or(t);
    let t = t.strip_prefix("async ").unwrap_or(t);
    let rest = t.strip_prefix("fn ")?;
    let end = rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))?;
    (end > 0).then(|| &rest[..end])
}

const STYLE: &str = "body{margin:0;font:14px/1.45 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:#fff;color:#222}\
header{padding:.8em 1.2em;border-bottom:1px solid #ddd;font-family:system-ui,sans-serif}\
header a{color:#0645ad}table{border-collapse:collapse}td{padding:0 .8em;white-space:pre;vertical-align:top}\
td.n{color:#999;text-align:right;user-select:none;border-right:1px solid #eee}td.n a{color:inherit;text-decoration:none}\
tr:target,tr.fn:target{background:#fff3b0}@media (prefers-color-scheme:dark){body{background:#1d1f21;color:#ddd}header a{color:#8ab4f8}tr:target{background:#4a4320}}";

fn page(rel: &str, depth: usize, text: &str) -> String {
    let up = "../".repeat(depth);
    let mut seen = std::collections::BTreeSet::new();
    let mut rows = String::new();
    for (i, line) in text.lines().enumerate() {
        let n = i + 1;
        let fn_id = fn_name(line).filter(|name| seen.insert(name.to_string()));
        match fn_id {
            // The function's row carries its name as id; a hidden anchor keeps `#L<n>` working too.
            Some(name) => {
                let _ = writeln!(
                    rows,
                    "<tr class=\"fn\" id=\"{name}\"><td class=\"n\"><a id=\"L{n}\" href=\"#L{n}\">{n}</a></td><td>{}</td></tr>",
                    escape(line)
                );
            }
            None => {
                let _ = writeln!(rows, "<tr id=\"L{n}\"><td class=\"n\"><a href=\"#L{n}\">{n}</a></td><td>{}</td></tr>", escape(line));
            }
        }
    }
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{rel} — source / 源代码</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<header><strong>{rel}</strong> · \
         <a href=\"{up}code/index.html\">all sources / 全部源代码</a> · <a href=\"{up}zh/index.html\">中文</a> · <a href=\"{up}en/index.html\">English</a>\
         <br><small>Run the tests of this file from the repository root: <code>cargo test -p {krate}</code> · 在仓库根目录运行。 \
         Code: MIT OR Apache-2.0.</small></header>\n<table>\n{rows}</table>\n</body>\n</html>\n",
        krate = rel.split('/').nth(1).unwrap_or("regularizers"),
    )
}

/// Writes book/code/<path>.html for every source file, and book/code/index.html. Returns the count.
pub fn write(root: &Path, book: &Path) -> R<usize> {
    let out_root = book.join("code");
    let _ = fs::remove_dir_all(&out_root);
    let mut files = Vec::new();
    for krate in CRATES {
        for part in PARTS {
            rust_files(&root.join(krate).join(part), &mut files);
        }
    }
    let mut index = String::new();
    for file in &files {
        let rel = file.strip_prefix(root).map_err(|e| e.to_string())?.to_string_lossy().replace('\\', "/");
        let text = fs::read_to_string(file).map_err(|e| format!("{rel}: {e}"))?;
        let out = out_root.join(format!("{rel}.html"));
        // book/code/<rel>.html sits depth(rel) folders below book/code, itself one below book/.
        let depth = rel.matches('/').count() + 1;
        fs::create_dir_all(out.parent().unwrap()).map_err(|e| format!("{}: {e}", out.display()))?;
        fs::write(&out, page(&rel, depth, &text)).map_err(|e| format!("{}: {e}", out.display()))?;
        let _ = writeln!(index, "<li><a href=\"{0}.html\">{0}</a></li>", escape(&rel));
    }
    let index_html = format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>Source / 源代码</title>\n<style>{STYLE}</style>\n</head>\n<body>\n\
         <header><strong>The companion crates' source / 配套 crate 源代码</strong> · <a href=\"../zh/index.html\">中文</a> · \
         <a href=\"../en/index.html\">English</a></header>\n<ul>\n{index}</ul>\n</body>\n</html>\n"
    );
    fs::write(out_root.join("index.html"), index_html).map_err(|e| format!("book/code/index.html: {e}"))?;
    Ok(files.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_function_names() {
        assert_eq!(fn_name("fn soft_threshold_gives_exact_zeros() {"), Some("soft_threshold_gives_exact_zeros"));
        assert_eq!(fn_name("    pub fn new(p: f64) -> Result<Self> {"), Some("new"));
        assert_eq!(fn_name("pub(crate) fn check<T>(x: T)"), Some("check"));
        assert_eq!(fn_name("let f = |x| x; // fn not_this"), None);
        assert_eq!(fn_name("fn"), None);
    }

    #[test]
    fn escapes_and_numbers_lines() {
        let html = page("crates/regularizers/tests/x.rs", 4, "fn a() {}\nlet v: Vec<u8> = a && b;\nfn a() {}\n");
        assert!(html.contains("<tr class=\"fn\" id=\"a\"><td class=\"n\"><a id=\"L1\""));
        assert!(html.contains("<tr id=\"L2\">") && html.contains("Vec&lt;u8&gt; = a &amp;&amp; b;"));
        // A second `fn a` keeps only its line id, so ids stay unique.
        assert!(html.contains("<tr id=\"L3\">"));
        assert!(html.contains("href=\"../../../../code/index.html\""));
    }
}
