//! The interview bank (src/<lang>/interview.md), its cheat sheet (cheatsheet.md) and the citing page.
//!
//! Every question is a `### Question {#id}` section followed by a fixed set of parts:
//!
//! ```text
//! <p class="q-meta" data-topic="batchnorm" data-difficulty="hard" data-frequency="4">…</p>
//! <details class="q-short"> <summary>…</summary>  30-second answer  </details>
//! <details class="q-answer"> <summary>…</summary>  full answer  </details>
//! - 章节：[…](batch-norm.md#section)            / - Chapter: […](batch-norm.md#section)
//! - 证据：`crates/regularizers/tests/x.rs` … `cargo test -p regularizers --test x some_test`
//!                                               / - Evidence: …
//! - 参考：[…](references.md#key)                / - Reference: […](references.md#key)
//! ```
//!
//! The tests check both languages have the same questions (ids, order, topic, difficulty,
//! frequency, evidence and references), that every part is there and not empty, that chapter
//! links and in-page links land on real anchors, that the evidence names a test function that
//! exists in the crate and a command that runs it, that references exist in references.md, that
//! the cheat sheet repeats exactly the 30-second answers, and that the bank is big enough.
//! Each failure names the first offending question.

use book_tests::*;
use std::collections::{BTreeSet, HashSet};
use std::fs;

const MIN_QUESTIONS: usize = 50;
const MIN_HARD: usize = 10;
const TOPICS: [&str; 9] =
    ["overfitting", "weight-decay", "dropout", "batchnorm", "layernorm", "transformer", "augmentation", "early-stopping", "practice"];
const DIFFICULTIES: [&str; 3] = ["basic", "intermediate", "hard"];

#[derive(Debug, Default, Clone)]
struct Question {
    id: String,
    title: String,
    line: usize,
    topic: String,
    difficulty: String,
    frequency: u8,
    short: String,
    full: String,
    chapter: Option<(String, String)>,
    evidence_line: String,
    refs: Vec<String>,
}

fn labels(lang: &str) -> (&'static str, &'static str, &'static str) {
    if lang == "zh" { ("- 章节：", "- 证据：", "- 参考：") } else { ("- Chapter: ", "- Evidence: ", "- Reference: ") }
}

fn attr<'a>(line: &'a str, name: &str) -> Option<&'a str> {
    let key = format!("{name}=\"");
    let i = line.find(&key)? + key.len();
    let j = line[i..].find('"')?;
    Some(&line[i..i + j])
}

/// Markdown links `[text](target)` of a line, as (text, target).
fn links(line: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = line;
    while let Some(i) = rest.find("](") {
        let before = &rest[..i];
        let Some(open) = before.rfind('[') else { rest = &rest[i + 2..]; continue };
        let after = &rest[i + 2..];
        let Some(j) = after.find(')') else { break };
        out.push((before[open + 1..].to_string(), after[..j].to_string()));
        rest = &after[j..];
    }
    out
}

fn normalize(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The text inside `<details class="{class}">` … `</details>` of a section (summary line dropped).
fn details(lines: &[(usize, String)], class: &str) -> Option<String> {
    let open = format!("<details class=\"{class}\">");
    let start = lines.iter().position(|(_, l)| l.trim() == open)?;
    let mut body = Vec::new();
    for (_, l) in &lines[start + 1..] {
        let t = l.trim();
        if t == "</details>" {
            return Some(body.join("\n").trim().to_string());
        }
        if t.starts_with("<summary>") {
            continue;
        }
        body.push(l.clone());
    }
    None
}

/// Parses the questions of `src/<lang>/interview.md`, or panics naming the first malformed one.
fn questions(lang: &str) -> Vec<Question> {
    let md = read_chapter(lang, "interview.md");
    let all: Vec<(usize, String)> = md.lines().enumerate().map(|(i, l)| (i + 1, l.to_string())).collect();
    let heads = headings(&md);
    let (chapter_label, evidence_label, ref_label) = labels(lang);
    let mut out = Vec::new();
    for (k, h) in heads.iter().enumerate() {
        if h.level != 3 {
            continue;
        }
        let id = h.id.clone().unwrap_or_else(|| panic!("src/{lang}/interview.md:{}: question `{}` has no {{#id}}", h.line, h.text));
        let end = heads[k + 1..].iter().find(|n| n.level <= 3).map_or(usize::MAX, |n| n.line);
        let body: Vec<(usize, String)> = all.iter().filter(|(n, _)| *n > h.line && *n < end).cloned().collect();
        let at = format!("src/{lang}/interview.md:{} (#{id})", h.line);
        let mut q = Question { id: id.clone(), title: h.text.clone(), line: h.line, ..Default::default() };

        let meta = body.iter().map(|(_, l)| l.trim()).find(|l| l.starts_with("<p class=\"q-meta\""))
            .unwrap_or_else(|| panic!("{at}: no <p class=\"q-meta\" …> line"));
        q.topic = attr(meta, "data-topic").unwrap_or_default().to_string();
        q.difficulty = attr(meta, "data-difficulty").unwrap_or_default().to_string();
        q.frequency = attr(meta, "data-frequency").and_then(|f| f.parse().ok()).unwrap_or(0);
        assert!(TOPICS.contains(&q.topic.as_str()), "{at}: data-topic {:?} is not one of {TOPICS:?}", q.topic);
        assert!(DIFFICULTIES.contains(&q.difficulty.as_str()), "{at}: data-difficulty {:?} is not one of {DIFFICULTIES:?}", q.difficulty);
        assert!((1..=5).contains(&q.frequency), "{at}: data-frequency must be 1 to 5");
        assert!(meta.ends_with("</p>") && meta.len() > meta.find('>').unwrap() + 5, "{at}: the q-meta line shows no text");

        q.short = details(&body, "q-short").unwrap_or_else(|| panic!("{at}: no <details class=\"q-short\"> … </details> (30-second answer)"));
        assert!(!q.short.is_empty(), "{at}: empty 30-second answer");
        assert!(!q.short.contains('\n'), "{at}: the 30-second answer must be one paragraph on one line (the cheat sheet repeats it)");
        q.full = details(&body, "q-answer").unwrap_or_else(|| panic!("{at}: no <details class=\"q-answer\"> … </details> (full answer)"));
        assert!(q.full.chars().count() > q.short.chars().count(), "{at}: the full answer is not longer than the 30-second answer");

        for (_, l) in &body {
            if let Some(rest) = l.strip_prefix(chapter_label) {
                let (_, target) = links(rest).into_iter().next().unwrap_or_else(|| panic!("{at}: the chapter line has no link"));
                let (file, anchor) = target.split_once('#').unwrap_or_else(|| panic!("{at}: chapter link {target} has no #section"));
                q.chapter = Some((file.to_string(), anchor.to_string()));
            } else if let Some(rest) = l.strip_prefix(evidence_label) {
                q.evidence_line = rest.to_string();
            } else if let Some(rest) = l.strip_prefix(ref_label) {
                for (_, target) in links(rest) {
                    let key = target.strip_prefix("references.md#").unwrap_or_else(|| panic!("{at}: reference link {target} is not references.md#key"));
                    q.refs.push(key.to_string());
                }
            }
        }
        assert!(q.chapter.is_some(), "{at}: no `{}[…](chapter.md#section)` line", chapter_label.trim());
        assert!(!q.evidence_line.is_empty(), "{at}: no `{}` line", evidence_label.trim());
        assert!(!q.refs.is_empty(), "{at}: no `{}[…](references.md#key)` line", ref_label.trim());
        out.push(q);
    }
    out
}

/// (file, test function, `--test` target) named by an evidence line.
fn evidence(q: &Question, lang: &str) -> (String, String, String) {
    let at = format!("src/{lang}/interview.md:{} (#{})", q.line, q.id);
    let code: Vec<&str> = q.evidence_line.split('`').skip(1).step_by(2).collect();
    let file = code.iter().find(|c| c.starts_with("crates/regularizers/") && c.ends_with(".rs"))
        .unwrap_or_else(|| panic!("{at}: the evidence names no `crates/regularizers/….rs` file"));
    let cmd = code.iter().find(|c| c.starts_with("cargo test "))
        .unwrap_or_else(|| panic!("{at}: the evidence gives no `cargo test …` command"));
    let words: Vec<&str> = cmd.split_whitespace().collect();
    assert!(words.windows(2).any(|w| w == ["-p", "regularizers"]), "{at}: the command must run the companion crate (-p regularizers): {cmd}");
    let target = words.windows(2).find(|w| w[0] == "--test").map(|w| w[1].to_string())
        .unwrap_or_else(|| panic!("{at}: the command names no --test target: {cmd}"));
    let filter = words.last().unwrap().to_string();
    assert!(filter != target && !filter.starts_with('-'), "{at}: the command names no test function after --test {target}: {cmd}");
    assert!(code.contains(&filter.as_str()), "{at}: the evidence should also name the test function `{filter}` on its own");
    // The function is a link a reader can follow, offline, to its source: xtask publishes every
    // source file as book/code/<file>.html with the function's name as an anchor (the links test
    // checks that the anchor exists in the built book).
    let link = format!("](../code/{file}.html#{filter})");
    assert!(q.evidence_line.contains(&link), "{at}: the evidence should link the test to its source: `[`{filter}`]({})`", &link[2..link.len() - 1]);
    (file.to_string(), filter, target)
}

#[test]
fn both_languages_have_the_same_questions() {
    let (zh, en) = (questions("zh"), questions("en"));
    for (a, b) in zh.iter().zip(&en) {
        assert_eq!(a.id, b.id, "interview.md: question ids differ in order: zh #{} (line {}), en #{} (line {})", a.id, a.line, b.id, b.line);
        let same = |what: &str, x: &dyn std::fmt::Debug, y: &dyn std::fmt::Debug| {
            assert_eq!(format!("{x:?}"), format!("{y:?}"), "#{}: {what} differs between zh and en", a.id);
        };
        same("topic", &a.topic, &b.topic);
        same("difficulty", &a.difficulty, &b.difficulty);
        same("frequency", &a.frequency, &b.frequency);
        same("chapter link", &a.chapter, &b.chapter);
        same("references", &a.refs, &b.refs);
        same("evidence", &evidence(a, "zh"), &evidence(b, "en"));
    }
    assert_eq!(zh.len(), en.len(), "zh has {} questions, en has {}; first extra: #{}", zh.len(), en.len(),
        if zh.len() > en.len() { &zh[en.len()].id } else { &en[zh.len()].id });
    let mut seen = HashSet::new();
    for q in &zh {
        assert!(seen.insert(&q.id), "#{}: the id is used twice", q.id);
        assert!(q.id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'), "#{}: ids are lowercase-kebab", q.id);
    }
}

#[test]
fn the_bank_is_big_enough_and_covers_every_topic() {
    let qs = questions("en");
    assert!(qs.len() >= MIN_QUESTIONS, "only {} questions (at least {MIN_QUESTIONS})", qs.len());
    let hard = qs.iter().filter(|q| q.difficulty == "hard").count();
    assert!(hard >= MIN_HARD, "only {hard} hard questions (at least {MIN_HARD})");
    let topics: BTreeSet<&str> = qs.iter().map(|q| q.topic.as_str()).collect();
    for t in TOPICS {
        assert!(topics.contains(t), "no question on topic {t}");
    }
    eprintln!("interview: {} questions, {hard} hard, {} topics", qs.len(), topics.len());
}

#[test]
fn chapter_links_land_on_real_sections() {
    for lang in LANGS {
        let listed = chapters(lang);
        for q in questions(lang) {
            let (file, anchor) = q.chapter.clone().unwrap();
            let at = format!("src/{lang}/interview.md:{} (#{})", q.line, q.id);
            assert!(file != "interview.md" && file.ends_with(".md"), "{at}: the chapter link must point to a chapter, not {file}");
            assert!(src_dir(lang).join(&file).exists(), "{at}: chapter {file} does not exist in src/{lang}");
            assert!(listed.contains(&file), "{at}: chapter {file} is not in src/{lang}/SUMMARY.md");
            let ids = ids(&read_chapter(lang, &file));
            assert!(ids.contains(&anchor), "{at}: src/{lang}/{file} has no section #{anchor}");
        }
    }
}

#[test]
fn in_page_links_point_to_questions_or_sections() {
    for lang in LANGS {
        let md = read_chapter(lang, "interview.md");
        let page_ids: HashSet<String> = ids(&md).into_iter().collect();
        let qs = questions(lang);
        for (n, line) in md.lines().enumerate() {
            for (_, target) in links(line) {
                if let Some(anchor) = target.strip_prefix('#') {
                    let owner = qs.iter().rev().find(|q| q.line <= n + 1).map_or("(intro)".to_string(), |q| format!("#{}", q.id));
                    assert!(page_ids.contains(anchor), "src/{lang}/interview.md:{} in {owner}: link to #{anchor}, which is not on the page", n + 1);
                }
            }
        }
    }
}

#[test]
fn evidence_names_an_existing_test_and_the_command_that_runs_it() {
    let crate_dir = root().join("crates/regularizers");
    for q in questions("en") {
        let at = format!("#{}", q.id);
        let (file, func, target) = evidence(&q, "en");
        let path = root().join(&file);
        assert!(path.exists(), "{at}: evidence file {file} does not exist");
        let src = fs::read_to_string(&path).unwrap();
        // The function exists and is a test (`#[test]` on one of the lines above it, also inside proptest!).
        let lines: Vec<&str> = src.lines().collect();
        let def = lines.iter().position(|l| {
            let t = l.trim_start();
            t.starts_with(&format!("fn {func}(")) || t.starts_with(&format!("pub fn {func}("))
        });
        let def = def.unwrap_or_else(|| panic!("{at}: {file} has no function `{func}`"));
        let attrs = &lines[def.saturating_sub(8)..def];
        let is_test = attrs.iter().rev().take_while(|l| !l.trim_start().starts_with("fn ") && !l.trim().starts_with('}'))
            .any(|l| l.trim() == "#[test]");
        assert!(is_test, "{at}: `{func}` in {file} is not a #[test] function");
        // cargo's filter matches substrings: the command must run this test and no other.
        let matching: Vec<String> = test_fns(&lines).into_iter().filter(|n| n.contains(&func)).collect();
        assert_eq!(matching, vec![func.clone()], "{at}: the filter `{func}` runs these tests of {file}: {matching:?}");
        // The --test target is the integration-test file named by the evidence.
        let rel = file.strip_prefix("crates/regularizers/").unwrap();
        let stem = rel.strip_prefix("tests/").and_then(|r| r.strip_suffix(".rs"))
            .unwrap_or_else(|| panic!("{at}: evidence {file}: name an integration test under crates/regularizers/tests/"));
        assert!(!stem.contains('/'), "{at}: {file} is a module of a test target, not a target; name the target file");
        assert_eq!(target, stem, "{at}: the command runs --test {target}, but the test is in {file}");
        let manifest = fs::read_to_string(crate_dir.join("Cargo.toml")).unwrap();
        assert!(!manifest.contains("autotests = false") || manifest.contains(&format!("name = \"{stem}\"")),
            "{at}: crates/regularizers/Cargo.toml does not build the test target {stem}");
    }
}

/// Names of the `#[test]` functions of a test file (proptest! blocks included).
fn test_fns(lines: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    let mut pending = false;
    for l in lines {
        let t = l.trim();
        if t == "#[test]" {
            pending = true;
        } else if pending && (t.starts_with("fn ") || t.starts_with("pub fn ") || t.starts_with("async fn ")) {
            let after = &t[t.find("fn ").unwrap() + 3..];
            out.push(after.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect());
            pending = false;
        } else if pending && !(t.starts_with("#[") || t.starts_with("///") || t.starts_with("//") || t.is_empty()) {
            pending = false;
        }
    }
    out
}

#[test]
fn references_exist_in_references_md() {
    for lang in LANGS {
        let refs_md = read_chapter(lang, "references.md");
        let keys: HashSet<String> = ids(&refs_md).into_iter().collect();
        if keys.len() < 5 {
            // The references chapter is still a stub: the keys cannot be checked yet.
            eprintln!("interview: src/{lang}/references.md has no entries yet; reference keys not checked");
            continue;
        }
        for q in questions(lang) {
            for k in &q.refs {
                assert!(keys.contains(k), "src/{lang}/interview.md:{} (#{}): references.md has no entry #{k}", q.line, q.id);
            }
        }
    }
}

/// (id, link text, short answer) of every entry of `src/<lang>/cheatsheet.md`.
fn cheatsheet(lang: &str) -> Vec<(String, String, String)> {
    let md = read_chapter(lang, "cheatsheet.md");
    let sep = if lang == "zh" { "：" } else { ": " };
    let mut out = Vec::new();
    for (n, line) in parse(&md).1 {
        let Some(i) = line.find("](interview.md#") else { continue };
        if !line.starts_with("- ") {
            continue;
        }
        let open = line[..i].rfind('[').unwrap_or_else(|| panic!("src/{lang}/cheatsheet.md:{n}: malformed entry"));
        let rest = &line[i + "](interview.md#".len()..];
        let close = rest.find(')').unwrap_or_else(|| panic!("src/{lang}/cheatsheet.md:{n}: malformed link"));
        let id = rest[..close].to_string();
        let text = rest[close + 1..].strip_prefix(sep)
            .unwrap_or_else(|| panic!("src/{lang}/cheatsheet.md:{n} (#{id}): the link must be followed by `{sep}` and the answer"));
        out.push((id, line[open + 1..i].to_string(), text.to_string()));
    }
    out
}

#[test]
fn cheat_sheet_repeats_exactly_the_30_second_answers() {
    for lang in LANGS {
        let qs = questions(lang);
        let cs = cheatsheet(lang);
        for (k, q) in qs.iter().enumerate() {
            let (id, title, short) = cs.get(k).unwrap_or_else(|| panic!("src/{lang}/cheatsheet.md: #{} is missing (entry {})", q.id, k + 1));
            assert_eq!(id, &q.id, "src/{lang}/cheatsheet.md: entry {} is #{id}, the bank has #{} there", k + 1, q.id);
            assert_eq!(normalize(title), normalize(&q.title), "src/{lang}/cheatsheet.md (#{id}): the link text is not the question");
            assert_eq!(normalize(short), normalize(&q.short),
                "src/{lang}/cheatsheet.md (#{id}): the answer differs from the 30-second answer in interview.md");
        }
        assert_eq!(cs.len(), qs.len(), "src/{lang}/cheatsheet.md has {} entries, the bank {} questions", cs.len(), qs.len());
    }
}

#[test]
fn citing_page_cites_a_real_question_and_citation_cff_is_complete() {
    let ids: HashSet<String> = questions("en").into_iter().map(|q| q.id).collect();
    for lang in LANGS {
        let md = read_chapter(lang, "citing.md");
        let mut cited = 0;
        for part in md.split("interview.html#").skip(1) {
            if part.starts_with('<') {
                continue; // the pattern `interview.html#<id>`
            }
            let id: String = part.chars().take_while(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-').collect();
            assert!(ids.contains(&id), "src/{lang}/citing.md cites interview.html#{id}, which is not a question");
            cited += 1;
        }
        assert!(cited > 0, "src/{lang}/citing.md shows no example of citing a single question");
        assert!(md.contains("@book{") || md.contains("@misc{"), "src/{lang}/citing.md has no BibTeX entry");
    }
    let cff = fs::read_to_string(root().join("CITATION.cff")).expect("CITATION.cff at the repository root");
    for key in ["cff-version: 1.2.0", "message:", "title:", "authors:", "version:", "date-released:", "license:"] {
        assert!(cff.contains(key), "CITATION.cff lacks `{key}`");
    }
}
