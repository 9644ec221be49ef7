//! The zh and en books mirror each other: the same chapters in the same order, the same section
//! ids, the same code in every block (comments removed) and the same interview-question ids.
//! On a difference each test names the first one.

use book_tests::*;

#[test]
fn same_chapters_in_same_order() {
    let (zh, en) = (chapters("zh"), chapters("en"));
    assert!(!zh.is_empty(), "src/zh/SUMMARY.md lists no chapter");
    for (i, (a, b)) in zh.iter().zip(&en).enumerate() {
        assert_eq!(a, b, "SUMMARY.md entry {}: zh has {a}, en has {b}", i + 1);
    }
    assert_eq!(zh.len(), en.len(), "zh lists {} chapters, en lists {}: first extra is {:?}", zh.len(), en.len(),
        if zh.len() > en.len() { &zh[en.len()] } else { &en[zh.len()] });
}

#[test]
fn every_chapter_file_is_in_the_summary() {
    for lang in LANGS {
        let listed = chapters(lang);
        for e in std::fs::read_dir(src_dir(lang)).unwrap().flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if name.ends_with(".md") && name != "SUMMARY.md" {
                assert!(listed.contains(&name), "src/{lang}/{name} is not listed in src/{lang}/SUMMARY.md");
            }
        }
        for c in &listed {
            assert!(src_dir(lang).join(c).exists(), "src/{lang}/SUMMARY.md lists {c}, which does not exist");
        }
    }
}

#[test]
fn every_heading_has_an_explicit_id() {
    for lang in LANGS {
        for c in chapters(lang) {
            for h in headings(&read_chapter(lang, &c)) {
                assert!(h.id.is_some(), "src/{lang}/{c}:{}: heading `{}` has no explicit id; write `{} {} {{#some-id}}`",
                    h.line, h.text, "#".repeat(h.level), h.text);
            }
        }
    }
}

#[test]
fn same_section_ids() {
    for c in chapters("zh") {
        let (zh, en) = (ids(&read_chapter("zh", &c)), ids(&read_chapter("en", &c)));
        for (i, (a, b)) in zh.iter().zip(&en).enumerate() {
            assert_eq!(a, b, "{c}: id number {} differs: zh has #{a}, en has #{b}", i + 1);
        }
        assert_eq!(zh.len(), en.len(), "{c}: zh has {} ids, en has {}; first extra: #{}", zh.len(), en.len(),
            if zh.len() > en.len() { &zh[en.len()] } else { &en[zh.len()] });
        let mut seen = std::collections::HashSet::new();
        for id in &zh {
            assert!(seen.insert(id), "{c}: id #{id} is used twice");
        }
    }
}

#[test]
fn same_heading_levels() {
    for c in chapters("zh") {
        let zh: Vec<_> = headings(&read_chapter("zh", &c)).into_iter().map(|h| (h.level, h.id)).collect();
        let en: Vec<_> = headings(&read_chapter("en", &c)).into_iter().map(|h| (h.level, h.id)).collect();
        for (a, b) in zh.iter().zip(&en) {
            assert_eq!(a, b, "{c}: heading levels differ: zh {a:?}, en {b:?}");
        }
    }
}

#[test]
fn same_code_in_every_block() {
    for c in chapters("zh") {
        let (zh, _) = parse(&read_chapter("zh", &c));
        let (en, _) = parse(&read_chapter("en", &c));
        for (i, (a, b)) in zh.iter().zip(&en).enumerate() {
            assert_eq!(a.info, b.info, "{c}: code block {} has info `{}` in zh (line {}) but `{}` in en (line {})",
                i + 1, a.info, a.line, b.info, b.line);
            let (ca, cb) = (code_without_comments(a), code_without_comments(b));
            if ca != cb {
                let k = ca.iter().zip(&cb).position(|(x, y)| x != y).unwrap_or(ca.len().min(cb.len()));
                panic!(
                    "{c}: code block {} (zh line {}, en line {}) differs (comments ignored) at code line {}:\n  zh: {:?}\n  en: {:?}",
                    i + 1, a.line, b.line, k + 1, ca.get(k), cb.get(k)
                );
            }
        }
        assert_eq!(zh.len(), en.len(), "{c}: zh has {} code blocks, en has {}", zh.len(), en.len());
    }
}

#[test]
fn same_interview_question_ids() {
    for c in chapters("zh") {
        let (zh, en) = (question_ids(&read_chapter("zh", &c)), question_ids(&read_chapter("en", &c)));
        for (a, b) in zh.iter().zip(&en) {
            assert_eq!(a, b, "{c}: interview question ids differ: zh #{a}, en #{b}");
        }
        assert_eq!(zh.len(), en.len(), "{c}: zh has {} interview questions, en has {}", zh.len(), en.len());
    }
}

#[test]
fn comment_stripping_keeps_code_and_drops_comments() {
    let b = Block { info: "rust".into(), line: 1, lines: vec![
        "let s = \"// not a comment\"; // 注释".into(),
        "/* block */ let c = '\"';".into(),
        "# extern crate regularizers;".into(),
    ]};
    assert_eq!(code_without_comments(&b), vec![
        "let s = \"// not a comment\";".to_string(),
        " let c = '\"';".to_string(),
        "# extern crate regularizers;".to_string(),
    ]);
    let sh = Block { info: "console".into(), line: 1, lines: vec!["cargo xtask test   # 运行全部测试".into()] };
    assert_eq!(code_without_comments(&sh), vec!["cargo xtask test".to_string()]);
}

/// `![alt](figures/x.svg)` targets of a chapter, in order.
fn images(md: &str) -> Vec<String> {
    let (_, prose) = parse(md);
    let mut out = Vec::new();
    for (_, line) in prose {
        let mut rest = line.as_str();
        while let Some(i) = rest.find("![") {
            let after = &rest[i + 2..];
            let Some(j) = after.find("](") else { break };
            let tail = &after[j + 2..];
            let Some(k) = tail.find(')') else { break };
            out.push(tail[..k].split_whitespace().next().unwrap_or("").to_string());
            rest = &tail[k..];
        }
    }
    out
}

#[test]
fn same_figures_in_same_order_and_present_in_both_languages() {
    for c in chapters("zh") {
        let (zh, en) = (images(&read_chapter("zh", &c)), images(&read_chapter("en", &c)));
        for (a, b) in zh.iter().zip(&en) {
            assert_eq!(a, b, "{c}: figures differ: zh shows {a}, en shows {b}");
        }
        assert_eq!(zh.len(), en.len(), "{c}: zh shows {} figures, en shows {}", zh.len(), en.len());
        for img in &zh {
            if !img.contains("://") {
                for lang in LANGS {
                    assert!(src_dir(lang).join(img).exists(), "{c}: src/{lang}/{img} does not exist");
                }
            }
        }
    }
}
