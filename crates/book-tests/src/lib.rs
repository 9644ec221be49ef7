//! Helpers shared by the book-level tests in the top-level `tests/` folder: reading the two books'
//! Markdown (chapters, fenced blocks, ids) and the built HTML (tags and attributes).

use std::fs;
use std::path::{Path, PathBuf};

/// The two books.
pub const LANGS: [&str; 2] = ["zh", "en"];

/// The repository's root folder.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).ancestors().nth(2).unwrap().to_path_buf()
}

/// `src/<lang>`.
pub fn src_dir(lang: &str) -> PathBuf {
    root().join("src").join(lang)
}

/// The chapter files listed in `src/<lang>/SUMMARY.md`, in order.
pub fn chapters(lang: &str) -> Vec<String> {
    let summary = fs::read_to_string(src_dir(lang).join("SUMMARY.md")).expect("SUMMARY.md");
    let mut out = Vec::new();
    for line in summary.lines() {
        let mut rest = line;
        while let Some(i) = rest.find("](") {
            let after = &rest[i + 2..];
            let Some(j) = after.find(')') else { break };
            let target = &after[..j];
            if target.ends_with(".md") {
                out.push(target.to_string());
            }
            rest = &after[j..];
        }
    }
    out
}

/// Reads `src/<lang>/<file>`.
pub fn read_chapter(lang: &str, file: &str) -> String {
    fs::read_to_string(src_dir(lang).join(file)).unwrap_or_else(|e| panic!("src/{lang}/{file}: {e}"))
}

/// A fenced code block.
#[derive(Debug, Clone)]
pub struct Block {
    /// The info string, e.g. `rust,ignore,listing`.
    pub info: String,
    /// The body, one line per entry.
    pub lines: Vec<String>,
    /// 1-based line of the opening fence.
    pub line: usize,
}

impl Block {
    /// The comma/space separated flags of the info string.
    pub fn flags(&self) -> Vec<&str> {
        self.info.split([',', ' ']).map(str::trim).filter(|s| !s.is_empty()).collect()
    }
    /// The language (first flag), or "" for a bare fence.
    pub fn lang(&self) -> &str {
        self.flags().first().copied().unwrap_or("")
    }
    /// Has this flag.
    pub fn has(&self, flag: &str) -> bool {
        self.flags().contains(&flag)
    }
    /// A Rust block (what rustdoc and skeptic would test).
    pub fn is_rust(&self) -> bool {
        self.lang() == "rust"
    }
}

fn fence_open(t: &str) -> Option<(char, usize)> {
    let c = t.chars().next()?;
    if c != '`' && c != '~' {
        return None;
    }
    let n = t.chars().take_while(|&x| x == c).count();
    (n >= 3).then_some((c, n))
}

/// Splits Markdown into fenced code blocks and the prose lines outside them (with 1-based numbers).
pub fn parse(md: &str) -> (Vec<Block>, Vec<(usize, String)>) {
    let mut blocks = Vec::new();
    let mut prose = Vec::new();
    let mut open: Option<(char, usize, Block)> = None;
    for (i, line) in md.lines().enumerate() {
        let t = line.trim_start();
        let indent = line.len() - t.len();
        match open.take() {
            None => match fence_open(t).filter(|_| indent < 4) {
                Some((c, n)) => {
                    let info = t[n..].trim().to_string();
                    open = Some((c, n, Block { info, lines: Vec::new(), line: i + 1 }));
                }
                None => prose.push((i + 1, line.to_string())),
            },
            Some((c, n, mut b)) => {
                let tt = t.trim_end();
                if !tt.is_empty() && tt.chars().all(|x| x == c) && tt.len() >= n {
                    blocks.push(b);
                } else {
                    b.lines.push(line.to_string());
                    open = Some((c, n, b));
                }
            }
        }
    }
    if let Some((_, _, b)) = open {
        blocks.push(b);
    }
    (blocks, prose)
}

/// A heading in the prose.
#[derive(Debug, Clone)]
pub struct Heading {
    pub level: usize,
    pub text: String,
    pub id: Option<String>,
    pub line: usize,
}

/// ATX headings (`## Title {#id}`) outside code blocks.
pub fn headings(md: &str) -> Vec<Heading> {
    let (_, prose) = parse(md);
    let mut out = Vec::new();
    for (line, text) in prose {
        let t = text.trim_start();
        let level = t.chars().take_while(|&c| c == '#').count();
        if level == 0 || level > 6 || !t[level..].starts_with(' ') {
            continue;
        }
        let body = t[level..].trim();
        let (text, id) = match body.rfind("{#") {
            Some(i) if body.ends_with('}') => {
                let attrs = &body[i + 1..body.len() - 1];
                let id = attrs.split_whitespace().find_map(|a| a.strip_prefix('#')).map(str::to_string);
                (body[..i].trim().to_string(), id)
            }
            _ => (body.to_string(), None),
        };
        out.push(Heading { level, text, id, line });
    }
    out
}

/// Every explicit id of a chapter, in order: heading ids (`{#id}`) and `id="..."` attributes of
/// HTML elements in the prose (e.g. `<details id="q-...">`).
pub fn ids(md: &str) -> Vec<String> {
    let (_, prose) = parse(md);
    let heads = headings(md);
    let mut out = Vec::new();
    for (line, text) in prose {
        if let Some(h) = heads.iter().find(|h| h.line == line) {
            if let Some(id) = &h.id {
                out.push(id.clone());
            }
            continue;
        }
        let mut rest = text.as_str();
        while let Some(i) = rest.find(" id=\"") {
            let after = &rest[i + 5..];
            let Some(j) = after.find('"') else { break };
            out.push(after[..j].to_string());
            rest = &after[j..];
        }
    }
    out
}

/// Interview question ids: every id that starts with `q-`.
pub fn question_ids(md: &str) -> Vec<String> {
    ids(md).into_iter().filter(|id| id.starts_with("q-")).collect()
}

/// The code of a block with its comments removed and blank lines dropped, for comparing the two
/// languages (comments may be translated, code may not).
pub fn code_without_comments(b: &Block) -> Vec<String> {
    let text = b.lines.join("\n");
    let stripped = match b.lang() {
        "rust" | "js" | "javascript" | "c" | "cpp" | "java" | "ts" | "typescript" | "" => strip_c_like(&text),
        "console" | "sh" | "bash" | "shell" | "python" | "py" | "toml" | "yaml" | "text" => strip_hash(&text),
        _ => text,
    };
    stripped.lines().map(|l| l.trim_end().to_string()).filter(|l| !l.trim().is_empty()).collect()
}

/// Removes `//…` and `/*…*/` comments outside string literals.
fn strip_c_like(s: &str) -> String {
    let c: Vec<char> = s.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    let mut in_str = false;
    while i < c.len() {
        if in_str {
            out.push(c[i]);
            if c[i] == '\\' && i + 1 < c.len() {
                out.push(c[i + 1]);
                i += 2;
                continue;
            }
            if c[i] == '"' {
                in_str = false;
            }
            i += 1;
        } else if c[i] == '"' {
            in_str = true;
            out.push('"');
            i += 1;
        } else if c[i] == '\'' && i + 2 < c.len() && (c[i + 2] == '\'' || (c[i + 1] == '\\' && i + 3 < c.len())) {
            // char literal: copy it whole ('a', '\n', '"')
            let end = (i + 1..c.len()).find(|&k| c[k] == '\'' && c[k - 1] != '\\' || (c[k] == '\'' && k >= i + 3)).unwrap_or(i);
            out.extend(&c[i..=end]);
            i = end + 1;
        } else if c[i] == '/' && i + 1 < c.len() && c[i + 1] == '/' {
            while i < c.len() && c[i] != '\n' {
                i += 1;
            }
        } else if c[i] == '/' && i + 1 < c.len() && c[i + 1] == '*' {
            i += 2;
            while i + 1 < c.len() && !(c[i] == '*' && c[i + 1] == '/') {
                i += 1;
            }
            i += 2;
        } else {
            out.push(c[i]);
            i += 1;
        }
    }
    out
}

/// Removes `# …` comments (shell, Python, TOML) outside quotes.
fn strip_hash(s: &str) -> String {
    s.lines()
        .map(|line| {
            let mut q: Option<char> = None;
            for (i, ch) in line.char_indices() {
                match (q, ch) {
                    (None, '"' | '\'') => q = Some(ch),
                    (Some(o), c) if c == o => q = None,
                    (None, '#') if i == 0 || line[..i].ends_with(char::is_whitespace) => return line[..i].to_string(),
                    _ => {}
                }
            }
            line.to_string()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

// ---------------------------------------------------------------------------------------------
// Built HTML
// ---------------------------------------------------------------------------------------------

/// The built book, from `BOOK_DIR` (set by `cargo xtask test`). Without it the checks on built
/// HTML are skipped, loudly; `cargo xtask test` always runs them.
pub fn book_dir(test: &str) -> Option<PathBuf> {
    match std::env::var_os("BOOK_DIR") {
        Some(d) => {
            let d = PathBuf::from(d);
            assert!(
                d.join("index.html").exists() && d.join("zh/index.html").exists() && d.join("en/index.html").exists(),
                "BOOK_DIR={} holds no built book: run `cargo xtask build` first",
                d.display()
            );
            Some(d)
        }
        None => {
            // Written straight to stderr, past libtest's output capture, so the skip is seen.
            use std::io::Write;
            let _ = writeln!(
                std::io::stderr(),
                "\n!!! SKIPPED {test}: checks the built book, and BOOK_DIR is not set.\n\
                 !!! `cargo xtask test` builds the book and runs them (or: cargo xtask build && BOOK_DIR=$PWD/book cargo test -p book-tests --test {test})."
            );
            None
        }
    }
}

/// Every file under `dir`, sorted.
pub fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// A start tag: lowercase name and attributes (values with entities `&amp;` decoded).
#[derive(Debug, Clone)]
pub struct Tag {
    pub name: String,
    pub attrs: Vec<(String, String)>,
}

impl Tag {
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

/// The start tags of an HTML document, skipping comments and the contents of `<script>` and
/// `<style>` (returned separately as raw text).
pub fn tags(html: &str) -> (Vec<Tag>, Vec<String>, Vec<String>) {
    let b = html.as_bytes();
    let mut out = Vec::new();
    let mut scripts = Vec::new();
    let mut styles = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'<' {
            i += 1;
            continue;
        }
        if html[i..].starts_with("<!--") {
            i = html[i..].find("-->").map_or(b.len(), |j| i + j + 3);
            continue;
        }
        let mut j = i + 1;
        while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'-') {
            j += 1;
        }
        if j == i + 1 {
            i += 1;
            continue;
        }
        let name = html[i + 1..j].to_ascii_lowercase();
        let mut attrs = Vec::new();
        let mut k = j;
        loop {
            while k < b.len() && b[k].is_ascii_whitespace() {
                k += 1;
            }
            if k >= b.len() || b[k] == b'>' || (b[k] == b'/' && k + 1 < b.len() && b[k + 1] == b'>') {
                break;
            }
            let s = k;
            while k < b.len() && !b[k].is_ascii_whitespace() && b[k] != b'=' && b[k] != b'>' {
                k += 1;
            }
            let key = html[s..k].to_ascii_lowercase();
            let mut val = String::new();
            if k < b.len() && b[k] == b'=' {
                k += 1;
                if k < b.len() && (b[k] == b'"' || b[k] == b'\'') {
                    let q = b[k];
                    let vs = k + 1;
                    k = vs;
                    while k < b.len() && b[k] != q {
                        k += 1;
                    }
                    val = html[vs..k.min(b.len())].to_string();
                    k += 1;
                } else {
                    let vs = k;
                    while k < b.len() && !b[k].is_ascii_whitespace() && b[k] != b'>' {
                        k += 1;
                    }
                    val = html[vs..k].to_string();
                }
            }
            attrs.push((key, decode_entities(&val)));
        }
        let end = html[k.min(b.len())..].find('>').map_or(b.len(), |e| k + e + 1);
        if name == "script" || name == "style" {
            let close = format!("</{name}");
            let body_end = html[end..].to_ascii_lowercase().find(&close).map_or(b.len(), |e| end + e);
            let body = html[end..body_end].to_string();
            if name == "script" { scripts.push(body) } else { styles.push(body) }
            out.push(Tag { name, attrs });
            i = body_end;
            continue;
        }
        out.push(Tag { name, attrs });
        i = end;
    }
    (out, scripts, styles)
}

fn decode_entities(s: &str) -> String {
    s.replace("&quot;", "\"").replace("&#39;", "'").replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
}

/// A URL that leaves the book: it has a scheme other than data:, or is protocol-relative.
pub fn is_remote(url: &str) -> bool {
    let u = url.trim();
    if u.starts_with("//") {
        return true;
    }
    match u.find(':') {
        Some(i) => {
            let scheme = &u[..i];
            !scheme.is_empty()
                && scheme.chars().all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
                && !scheme.eq_ignore_ascii_case("data")
                && !scheme.eq_ignore_ascii_case("blob")
        }
        None => false,
    }
}

/// `url(...)` references in CSS.
pub fn css_urls(css: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = css;
    while let Some(i) = rest.find("url(") {
        let after = &rest[i + 4..];
        let Some(j) = after.find(')') else { break };
        out.push(after[..j].trim().trim_matches(['"', '\'']).to_string());
        rest = &after[j..];
    }
    let mut rest = css;
    while let Some(i) = rest.find("@import") {
        let after = rest[i + 7..].trim_start();
        if let Some(q) = after.chars().next().filter(|c| *c == '"' || *c == '\'') {
            if let Some(j) = after[1..].find(q) {
                out.push(after[1..1 + j].to_string());
            }
        }
        rest = &rest[i + 7..];
    }
    out
}

/// Resolves a relative URL (without query or fragment) against the file it appears in.
pub fn resolve(from_file: &Path, url_path: &str) -> PathBuf {
    let mut p = from_file.parent().unwrap().to_path_buf();
    for seg in url_path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                p.pop();
            }
            s => p.push(percent_decode(s)),
        }
    }
    p
}

/// Decodes %XX escapes.
pub fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() + 1 && i + 2 <= b.len() - 1 {
            if let Ok(v) = u8::from_str_radix(std::str::from_utf8(&b[i + 1..i + 3]).unwrap_or("zz"), 16) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
