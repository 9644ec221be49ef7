//! Checks on the built book (BOOK_DIR; `cargo xtask test` sets it) that the Markdown rendered as
//! intended: no Markdown syntax left as literal text in the prose of either language.
//!
//! Why: CommonMark's flanking rules do not close `**bold**` when the closing `**` follows
//! punctuation and is followed by a CJK character (`**正则化（regularization）**是…`), and KaTeX's
//! `\tilde` emits a literal `~`, two of which in one paragraph become `<del>` strikethrough. Both
//! render "successfully" and look broken, so only a check on the output catches them.

use book_tests::*;
use std::fs;

/// `html` without the elements (and their content) whose start tag begins with `open`, e.g.
/// `<pre` or `<span class="katex"`; nested elements of the same tag name are balanced.
fn without_elements(html: &str, open: &str, tag: &str) -> String {
    let (start_tag, end_tag) = (format!("<{tag}"), format!("</{tag}>"));
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(i) = rest.find(open) {
        out.push_str(&rest[..i]);
        let mut depth = 0usize;
        let mut j = i;
        loop {
            let next_open = rest[j..].find(&start_tag).map(|k| j + k);
            let next_close = rest[j..].find(&end_tag).map(|k| j + k);
            match (next_open, next_close) {
                (Some(o), Some(c)) if o < c => {
                    depth += 1;
                    j = o + start_tag.len();
                }
                (_, Some(c)) => {
                    depth -= 1;
                    j = c + end_tag.len();
                    if depth == 0 {
                        break;
                    }
                }
                _ => {
                    j = rest.len();
                    break;
                }
            }
        }
        rest = &rest[j..];
    }
    out.push_str(rest);
    out
}

/// The visible prose of a page's `<main>`: no code, no rendered math, no tags.
fn prose(html: &str) -> String {
    let main = html.split_once("<main>").and_then(|(_, m)| m.split_once("</main>")).map_or("", |(m, _)| m);
    let mut t = without_elements(main, "<pre", "pre");
    t = without_elements(&t, "<code", "code");
    t = without_elements(&t, "<script", "script");
    t = without_elements(&t, "<span class=\"katex", "span");
    let mut text = String::new();
    let mut in_tag = false;
    for c in t.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                text.push(' ');
            }
            _ if !in_tag => text.push(c),
            _ => {}
        }
    }
    text
}

#[test]
fn no_markdown_left_as_literal_text() {
    let Some(book) = book_dir("rendering") else { return };
    let mut bad = Vec::new();
    let mut pages = 0;
    for lang in LANGS {
        for c in chapters(lang) {
            let page = c.replace(".md", ".html");
            let html = fs::read_to_string(book.join(lang).join(&page)).unwrap_or_else(|_| panic!("missing book/{lang}/{page}"));
            pages += 1;
            if html.contains("<del>") {
                bad.push(format!("book/{lang}/{page}: <del> (strikethrough from two `~`, e.g. KaTeX \\tilde in one paragraph)"));
            }
            let text = prose(&html);
            for needle in ["**", "~~", "$$", "$", "{{#"] {
                if let Some(at) = text.find(needle) {
                    let from = text[..at].char_indices().rev().nth(30).map_or(0, |(i, _)| i);
                    let to = text[at..].char_indices().nth(30).map_or(text.len(), |(i, _)| at + i);
                    bad.push(format!("book/{lang}/{page}: literal `{needle}` in the prose: …{}…", text[from..to].trim()));
                    break;
                }
            }
        }
    }
    assert!(pages > 10, "only {pages} pages checked: is the book built?");
    assert!(bad.is_empty(), "{} page(s) with Markdown left unrendered (first: {}):\n{}", bad.len(), bad[0], bad.join("\n"));
}

#[test]
fn the_checker_finds_what_it_should() {
    let page = "<main><p>**正则化（regularization）**是</p><pre>a ** b</pre><span class=\"katex\"><span>$x$</span></span></main>";
    let text = prose(page);
    assert!(text.contains("**正则化") && !text.contains("a ** b") && !text.contains("$x$"), "{text}");
}
