//! Generates one skeptic test per ```rust block of both books.
//!
//! Skeptic names tests after the file stem, and src/zh and src/en use the same file names, so the
//! chapters are copied to OUT_DIR as `zh_<stem>.md` / `en_<stem>.md` first. Crate listings
//! (```rust,ignore,listing blocks that only `{{#include}}` the crate's own source) are blanked in
//! the copies: they are compiled and tested as part of the crate, not as snippets. Line numbers are
//! kept, so a failing test's name points at the block in the original file.
//!
//! Like rustdoc (and so `mdbook test`), a snippet without `fn main` runs inside one: skeptic does
//! not do that by itself, so such blocks get the skeptic template `skt-main` (or `skt-result` when
//! the snippet ends with `Ok::<…>(())` and uses `?`), defined in the generated `<copy>.skt.md`.

use std::fs;
use std::path::{Path, PathBuf};

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    let root = manifest.ancestors().nth(2).unwrap().to_path_buf();
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap()).join("skeptic-src");
    fs::create_dir_all(&out).unwrap();
    println!("cargo:rerun-if-changed=build.rs");
    let mut copies = Vec::new();
    for lang in ["zh", "en"] {
        let dir = root.join("src").join(lang);
        println!("cargo:rerun-if-changed={}", dir.display());
        let mut files: Vec<PathBuf> = fs::read_dir(&dir)
            .map(|rd| rd.flatten().map(|e| e.path()).collect())
            .unwrap_or_default();
        files.retain(|p| p.extension().is_some_and(|e| e == "md"));
        files.sort();
        for f in files {
            println!("cargo:rerun-if-changed={}", f.display());
            let text = fs::read_to_string(&f).unwrap();
            let stem = f.file_stem().unwrap().to_string_lossy().replace('-', "_");
            let copy = out.join(format!("{lang}_{stem}.md"));
            write_if_changed(&copy, &wrap_in_main(&blank_listings(&text)));
            write_if_changed(&copy.with_extension("md.skt.md"), TEMPLATES);
            copies.push(copy);
        }
    }
    skeptic::generate_doc_tests(&copies);
}

/// Skeptic templates (`{}` is the snippet; literal braces are doubled).
const TEMPLATES: &str = "```rust,skt-main\nfn main() {{\n{}\n}}\n```\n\n\
```rust,skt-result\nfn main() {{\n    let result = (|| {{\n{}\n    }})();\n    result.unwrap();\n}}\n```\n";

/// Adds `skt-main` / `skt-result` to the info string of runnable rust blocks without `fn main`.
fn wrap_in_main(md: &str) -> String {
    let lines: Vec<&str> = md.split_inclusive('\n').collect();
    let mut out = String::with_capacity(md.len() + 64);
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        let t = line.trim_start();
        let Some((c, n)) = fence_open(t) else {
            out.push_str(line);
            i += 1;
            continue;
        };
        // Find the closing fence.
        let mut j = i + 1;
        while j < lines.len() {
            let tt = lines[j].trim();
            if !tt.is_empty() && tt.chars().all(|x| x == c) && tt.len() >= n {
                break;
            }
            j += 1;
        }
        let info = t[n..].trim();
        let flags: Vec<&str> = info.split([',', ' ']).filter(|f| !f.is_empty()).collect();
        let body: String = lines[i + 1..j.min(lines.len())].concat();
        let is_rust = flags.first() == Some(&"rust");
        if is_rust && !body.contains("fn main") {
            let last = body.lines().rev().map(str::trim).find(|l| !l.is_empty()).unwrap_or("");
            let template = if last.starts_with("Ok::<") { "skt-result" } else { "skt-main" };
            let indent = &line[..line.len() - t.len()];
            out.push_str(&format!("{indent}{}{info},{template}\n", c.to_string().repeat(n)));
        } else {
            out.push_str(line);
        }
        for l in &lines[i + 1..(j + 1).min(lines.len())] {
            out.push_str(l);
        }
        i = j + 1;
    }
    out
}

fn write_if_changed(p: &Path, text: &str) {
    if fs::read_to_string(p).ok().as_deref() != Some(text) {
        fs::write(p, text).unwrap();
    }
}

/// Replaces every fenced block whose info string has the `listing` flag by empty lines.
fn blank_listings(md: &str) -> String {
    let mut out = String::with_capacity(md.len());
    let mut fence: Option<(char, usize, bool)> = None; // (char, length, is_listing)
    for line in md.split_inclusive('\n') {
        let t = line.trim_start();
        let indent = line.len() - t.len();
        match fence {
            None => {
                if let Some((c, n)) = fence_open(t).filter(|_| indent < 4) {
                    let info = t[n..].trim();
                    let listing = info.split(',').map(str::trim).any(|f| f == "listing");
                    fence = Some((c, n, listing));
                    out.push_str(if listing { "\n" } else { line });
                } else {
                    out.push_str(line);
                }
            }
            Some((c, n, listing)) => {
                let closes = t.trim_end().chars().all(|x| x == c) && t.trim_end().len() >= n;
                out.push_str(if listing { "\n" } else { line });
                if closes {
                    fence = None;
                }
            }
        }
    }
    out
}

fn fence_open(t: &str) -> Option<(char, usize)> {
    let c = t.chars().next()?;
    if c != '`' && c != '~' {
        return None;
    }
    let n = t.chars().take_while(|&x| x == c).count();
    (n >= 3).then_some((c, n))
}
