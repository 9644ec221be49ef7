//! Snippet markers. Every ```rust block runs (skeptic in `cargo test`, `mdbook test` in
//! `cargo xtask test`), except:
//! * crate listings: ```rust,ignore,listing blocks whose body is only
//!   `{{#include ../../crates/regularizers/<file>:<anchor>}}` lines. They show the crate's own
//!   source, which the crate's tests compile and run; the listing marker keeps them out of the
//!   snippet runners. This test checks the file and the anchor exist.
//! * blocks listed with a reason in tests/snippet_exceptions.toml.
//!
//! Runnable snippets reach the crate through a hidden `# extern crate regularizers;` line
//! (and `# extern crate ndarray;` when they use ndarray), since `mdbook test -L` only adds a path.

use book_tests::*;
use std::fs;

#[derive(Debug)]
struct Exception {
    file: String,
    contains: String,
    reason: String,
}

/// Reads tests/snippet_exceptions.toml: `[[exception]]` tables of `file`, `contains`, `reason`.
fn exceptions() -> Vec<Exception> {
    let text = fs::read_to_string(root().join("tests/snippet_exceptions.toml")).expect("tests/snippet_exceptions.toml");
    let mut out: Vec<Exception> = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let t = line.trim();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        if t == "[[exception]]" {
            out.push(Exception { file: String::new(), contains: String::new(), reason: String::new() });
            continue;
        }
        let (k, v) = t.split_once('=').unwrap_or_else(|| panic!("snippet_exceptions.toml:{}: expected key = \"value\"", n + 1));
        let v = v.trim();
        assert!(v.starts_with('"') && v.ends_with('"') && v.len() >= 2, "snippet_exceptions.toml:{}: values are \"strings\"", n + 1);
        let v = v[1..v.len() - 1].replace("\\\"", "\"").replace("\\\\", "\\");
        let e = out.last_mut().unwrap_or_else(|| panic!("snippet_exceptions.toml:{}: key outside [[exception]]", n + 1));
        match k.trim() {
            "file" => e.file = v,
            "contains" => e.contains = v,
            "reason" => e.reason = v,
            other => panic!("snippet_exceptions.toml:{}: unknown key {other}", n + 1),
        }
    }
    for e in &out {
        assert!(!e.file.is_empty() && !e.contains.is_empty(), "snippet exception without file or contains: {e:?}");
        assert!(e.reason.trim().len() >= 10, "snippet exception for {} needs a real reason", e.file);
    }
    out
}

fn all_blocks() -> Vec<(String, Block)> {
    let mut out = Vec::new();
    for lang in LANGS {
        for c in chapters(lang) {
            for b in parse(&read_chapter(lang, &c)).0 {
                out.push((format!("src/{lang}/{c}"), b));
            }
        }
    }
    out
}

/// `{{#include path:anchor}}` lines of a listing, or an error naming what is wrong.
fn listing_includes(b: &Block) -> Result<Vec<(String, String)>, String> {
    let mut out = Vec::new();
    for l in b.lines.iter().map(|l| l.trim()).filter(|l| !l.is_empty()) {
        let inner = l.strip_prefix("{{#include ").and_then(|r| r.strip_suffix("}}"))
            .ok_or_else(|| format!("a listing holds only {{{{#include …:anchor}}}} lines, found `{l}`"))?;
        let (path, anchor) = inner.trim().rsplit_once(':').ok_or_else(|| format!("`{l}` names no anchor (path:anchor)"))?;
        if anchor.is_empty() || anchor.chars().all(|c| c.is_ascii_digit() || c == '-') {
            return Err(format!("`{l}`: include by anchor name, not by line numbers"));
        }
        out.push((path.to_string(), anchor.to_string()));
    }
    if out.is_empty() {
        return Err("empty listing".into());
    }
    Ok(out)
}

#[test]
fn ignore_and_no_run_only_for_listings_or_listed_exceptions() {
    let ex = exceptions();
    for (file, b) in all_blocks().iter().filter(|(_, b)| b.is_rust()) {
        let skipped = b.has("ignore") || b.has("no_run");
        if b.has("listing") {
            assert!(b.has("ignore"), "{file}:{}: a listing block is marked ```rust,ignore,listing", b.line);
            if let Err(e) = listing_includes(b) {
                panic!("{file}:{}: block marked `listing` is not a crate listing: {e}", b.line);
            }
        } else if skipped {
            let body = b.lines.join("\n");
            assert!(
                ex.iter().any(|e| &e.file == file && body.contains(&e.contains)),
                "{file}:{}: ```{} block is neither a crate listing nor listed with a reason in tests/snippet_exceptions.toml",
                b.line, b.info
            );
        }
    }
}

#[test]
fn every_exception_matches_a_skipped_block() {
    let blocks = all_blocks();
    for e in exceptions() {
        assert!(
            blocks.iter().any(|(f, b)| f == &e.file && b.is_rust() && (b.has("ignore") || b.has("no_run"))
                && b.lines.join("\n").contains(&e.contains)),
            "tests/snippet_exceptions.toml: no ignore/no_run rust block in {} contains {:?}; remove the stale entry",
            e.file, e.contains
        );
    }
}

#[test]
fn every_listing_includes_an_existing_anchor_of_the_crate() {
    let crate_dir = root().join("crates/regularizers").canonicalize().unwrap();
    for (file, b) in all_blocks().iter().filter(|(_, b)| b.has("listing")) {
        for (path, anchor) in listing_includes(b).unwrap_or_default() {
            let md_dir = root().join(file).parent().unwrap().to_path_buf();
            let target = md_dir.join(&path);
            let target = target.canonicalize().unwrap_or_else(|_| panic!("{file}:{}: {path} does not exist", b.line));
            assert!(target.starts_with(&crate_dir), "{file}:{}: a listing includes the crate's source, not {path}", b.line);
            let text = fs::read_to_string(&target).unwrap();
            let has = |tag: &str| text.lines().any(|l| l.trim().trim_start_matches("//").trim() == format!("{tag}: {anchor}"));
            assert!(has("ANCHOR") && has("ANCHOR_END"), "{file}:{}: {path} has no `// ANCHOR: {anchor}` … `// ANCHOR_END: {anchor}`", b.line);
        }
    }
}

#[test]
fn runnable_snippets_declare_the_crates_they_use() {
    for (file, b) in all_blocks().iter().filter(|(_, b)| b.is_rust() && !b.has("listing")) {
        let body = b.lines.join("\n");
        for krate in ["regularizers", "ndarray"] {
            if body.contains(&format!("{krate}::")) {
                assert!(
                    b.lines.iter().any(|l| l.trim() == format!("# extern crate {krate};")),
                    "{file}:{}: the snippet uses {krate} but lacks the hidden line `# extern crate {krate};`", b.line
                );
            }
        }
    }
}

#[test]
fn there_are_snippets() {
    assert!(all_blocks().iter().any(|(_, b)| b.is_rust() && !b.has("ignore")), "no runnable ```rust block in the books");
}
