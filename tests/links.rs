//! Checks on the built book (BOOK_DIR; `cargo xtask test` sets it): no broken internal link or
//! anchor in either language (print pages included), every page has its mirror in the other
//! language, `<html lang>` is right, and the footer names the licenses.

use book_tests::*;
use std::collections::{HashMap, HashSet};
use std::fs;
use std::path::{Path, PathBuf};

fn html_files(book: &Path) -> Vec<PathBuf> {
    walk(book).into_iter().filter(|p| p.extension().is_some_and(|e| e == "html")).collect()
}

fn ids_of(file: &Path, cache: &mut HashMap<PathBuf, HashSet<String>>) -> HashSet<String> {
    cache
        .entry(file.to_path_buf())
        .or_insert_with(|| {
            let html = fs::read_to_string(file).unwrap_or_default();
            tags(&html).0.iter().flat_map(|t| t.attr("id").into_iter().chain(t.attr("name").filter(|_| t.name == "a")))
                .map(str::to_string).collect()
        })
        .clone()
}

#[test]
fn no_broken_internal_links_or_anchors() {
    let Some(book) = book_dir("links") else { return };
    let mut cache = HashMap::new();
    let mut checked = 0usize;
    let mut broken = Vec::new();
    for file in html_files(&book) {
        let html = fs::read_to_string(&file).unwrap();
        for t in tags(&html).0 {
            for attr in ["href", "src"] {
                let Some(url) = t.attr(attr) else { continue };
                if url.is_empty() || is_remote(url) || url.starts_with("data:") {
                    continue;
                }
                let (path_part, frag) = match url.split_once('#') {
                    Some((p, f)) => (p, Some(f)),
                    None => (url, None),
                };
                let path_part = path_part.split('?').next().unwrap();
                let target = if path_part.is_empty() { file.clone() } else { resolve(&file, path_part) };
                let target = if target.is_dir() { target.join("index.html") } else { target };
                checked += 1;
                let rel = file.strip_prefix(&book).unwrap().display().to_string();
                if !target.starts_with(&book) {
                    broken.push(format!("{rel}: <{} {attr}=\"{url}\"> leaves book/", t.name));
                    continue;
                }
                if !target.exists() {
                    broken.push(format!("{rel}: <{} {attr}=\"{url}\"> points to a missing file", t.name));
                    continue;
                }
                if let Some(frag) = frag.filter(|f| !f.is_empty()) {
                    if target.extension().is_some_and(|e| e == "html") && !ids_of(&target, &mut cache).contains(&percent_decode(frag)) {
                        broken.push(format!("{rel}: <{} {attr}=\"{url}\"> names an anchor that does not exist", t.name));
                    }
                }
            }
        }
    }
    assert!(broken.is_empty(), "{} broken internal links (first: {}):\n{}", broken.len(), broken[0], broken.join("\n"));
    assert!(checked > 50, "only {checked} internal links found: is the book built?");
    eprintln!("links: {checked} internal links and anchors checked");
}

#[test]
fn every_page_has_its_mirror_and_the_same_ids() {
    let Some(book) = book_dir("links") else { return };
    let mut cache = HashMap::new();
    for c in chapters("zh") {
        let page = c.replace(".md", ".html");
        let (zh, en) = (book.join("zh").join(&page), book.join("en").join(&page));
        assert!(zh.exists() && en.exists(), "book/zh/{page} or book/en/{page} is missing");
        // Every explicit id of the chapter source is an anchor in both built pages: the language
        // switch keeps the #hash.
        for id in ids(&read_chapter("zh", &c)) {
            assert!(ids_of(&zh, &mut cache).contains(&id), "book/zh/{page} has no element with id {id}");
            assert!(ids_of(&en, &mut cache).contains(&id), "book/en/{page} has no element with id {id}");
        }
    }
}

#[test]
fn html_lang_and_footer_and_switch() {
    let Some(book) = book_dir("links") else { return };
    for lang in LANGS {
        let other = if lang == "zh" { "en" } else { "zh" };
        for c in chapters(lang).iter().map(|c| c.replace(".md", ".html")).chain(["print.html".to_string(), "index.html".to_string()]) {
            let f = book.join(lang).join(&c);
            let html = fs::read_to_string(&f).unwrap_or_else(|_| panic!("missing book/{lang}/{c}"));
            let (t, _, _) = tags(&html);
            let root_tag = t.iter().find(|t| t.name == "html").expect("<html>");
            assert_eq!(root_tag.attr("lang"), Some(lang), "book/{lang}/{c}: <html lang> should be {lang}");
            let switch = t.iter().find(|t| t.attr("id") == Some("lang-switch")).unwrap_or_else(|| panic!("book/{lang}/{c}: no language switch"));
            assert_eq!(switch.attr("hreflang"), Some(other), "book/{lang}/{c}: the switch should lead to {other}");
            assert!(html.contains("CC BY 4.0") && html.contains("MIT") && html.contains("Apache-2.0"),
                "book/{lang}/{c}: the footer must name CC BY 4.0, MIT and Apache-2.0");
            assert!(t.iter().any(|t| t.name == "script" && t.attr("src").is_some_and(|s| s.contains("lang-switch"))),
                "book/{lang}/{c}: lang-switch.js not loaded");
        }
    }
}
