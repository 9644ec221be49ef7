//! Checks on the built book (BOOK_DIR; `cargo xtask test` sets it): nothing the browser loads
//! leaves the book — no `<link>`, `<script>`, `<img>` (or other embedded resource) or CSS `url()`
//! with a remote URL — and every font the KaTeX CSS names is there.

use book_tests::*;
use std::fs;

#[test]
fn no_resource_leaves_the_book() {
    let Some(book) = book_dir("offline") else { return };
    let mut bad = Vec::new();
    let mut n = 0;
    for f in walk(&book) {
        let rel = f.strip_prefix(&book).unwrap().display().to_string();
        match f.extension().and_then(|e| e.to_str()) {
            Some("html") => {
                let html = fs::read_to_string(&f).unwrap();
                let (tags, _, styles) = tags(&html);
                for t in &tags {
                    let attrs: &[&str] = match t.name.as_str() {
                        "link" => &["href"],
                        "script" | "img" | "iframe" | "source" | "video" | "audio" | "track" | "embed" | "input" => &["src"],
                        "object" => &["data"],
                        _ => &[],
                    };
                    for a in attrs.iter().chain(["srcset", "poster"].iter()) {
                        if let Some(u) = t.attr(a) {
                            n += 1;
                            // <link rel="alternate"> etc. are not loaded, but keep even those local.
                            if is_remote(u) {
                                bad.push(format!("{rel}: <{} {a}=\"{u}\">", t.name));
                            }
                        }
                    }
                    if let Some(style) = t.attr("style") {
                        for u in css_urls(style).into_iter().filter(|u| is_remote(u)) {
                            bad.push(format!("{rel}: style url({u})"));
                        }
                    }
                }
                for s in styles {
                    for u in css_urls(&s).into_iter().filter(|u| is_remote(u)) {
                        bad.push(format!("{rel}: <style> url({u})"));
                    }
                }
            }
            Some("css") => {
                let css = fs::read_to_string(&f).unwrap();
                for u in css_urls(&css) {
                    n += 1;
                    if is_remote(&u) {
                        bad.push(format!("{rel}: url({u})"));
                    } else if !u.starts_with("data:") && !u.starts_with('#') {
                        let p = u.split(['?', '#']).next().unwrap();
                        if !resolve(&f, p).exists() {
                            bad.push(format!("{rel}: url({u}) does not exist"));
                        }
                    }
                }
            }
            _ => {}
        }
    }
    assert!(bad.is_empty(), "{} resources leave the book or are missing (first: {}):\n{}", bad.len(), bad[0], bad.join("\n"));
    assert!(n > 20, "only {n} resource URLs found: is the book built?");
    eprintln!("offline: {n} resource URLs checked");
}

#[test]
fn every_katex_font_is_served_by_the_book() {
    let Some(book) = book_dir("offline") else { return };
    for lang in LANGS {
        let css_path = book.join(lang).join("katex/katex.min.css");
        let css = fs::read_to_string(&css_path).unwrap_or_else(|_| panic!("book/{lang}/katex/katex.min.css is missing"));
        let fonts: Vec<String> = css_urls(&css).into_iter().filter(|u| u.contains("fonts/")).collect();
        assert!(fonts.len() >= 20, "book/{lang}/katex/katex.min.css names only {} fonts", fonts.len());
        for u in &fonts {
            assert!(!is_remote(u), "KaTeX CSS names a remote font {u}");
            let p = resolve(&css_path, u.split(['?', '#']).next().unwrap());
            assert!(p.exists(), "book/{lang}/katex: font {u} named by the CSS is missing");
        }
        // Every page links the local KaTeX stylesheet.
        for c in chapters(lang) {
            let page = book.join(lang).join(c.replace(".md", ".html"));
            let html = fs::read_to_string(&page).unwrap();
            let linked = tags(&html).0.iter().any(|t| t.name == "link" && t.attr("href").is_some_and(|h| h.ends_with("katex/katex.min.css")));
            assert!(linked, "{} does not link katex/katex.min.css", page.display());
        }
    }
}

#[test]
fn math_is_rendered_at_build_time() {
    let Some(book) = book_dir("offline") else { return };
    for lang in LANGS {
        let html = fs::read_to_string(book.join(lang).join("overview.html")).unwrap();
        assert!(html.contains("class=\"katex\""), "book/{lang}/overview.html has no rendered KaTeX");
        assert!(!html.contains("katex-error"), "book/{lang}/overview.html has a KaTeX error");
        assert!(!html.contains("$$"), "book/{lang}/overview.html has unrendered $$ math");
    }
}

#[test]
fn playground_is_off() {
    let Some(book) = book_dir("offline") else { return };
    for lang in LANGS {
        let html = fs::read_to_string(book.join(lang).join("overview.html")).unwrap();
        assert!(!html.contains("play.rust-lang.org"), "book/{lang}/overview.html refers to the remote playground");
        assert!(!html.contains("class=\"playground\"") || !html.contains("play-button"), "book/{lang}: runnable playground is on");
    }
}
