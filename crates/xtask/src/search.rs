//! Search and the "mastered" marks, built after each language's `mdbook build`.
//!
//! * [`index`] runs Pagefind's extended binary (npm `pagefind`, pinned in package.json; its
//!   platform package `@pagefind/<os>-<arch>` ships `pagefind_extended`, which segments Chinese)
//!   on `book/<lang>`, over exactly the chapters in SUMMARY.md (not `index.html`, a copy of the
//!   first chapter, nor `print.html`, `404.html` or `toc.html`). theme/index.hbs marks `<main>` as
//!   the only indexed part (`data-pagefind-body`) and gives each page its chapter title
//!   (`data-pagefind-meta`); the search UI is theme/search.js.
//! * [`write_mastery_index`] writes `book/<lang>/mastery-index.json`: the ids of every knowledge
//!   point and interview question, read from the markdown, for the progress view on the overview
//!   page (theme/mastered.js).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::markdown::{self, Kind, summary_chapters};
use super::{R, io_err, npm_version, run_tee};

/// The npm `pagefind` version pinned in package.json.
pub const PAGEFIND_VERSION: &str = "1.6.0";

/// The knowledge-point chapters: each gets a "mastered" mark on its title (id `kp-<stem>`).
pub const KNOWLEDGE_POINTS: [&str; 5] = ["weight-decay", "dropout", "batch-norm", "layer-norm", "augmentation"];

/// Pagefind's npm platform package for this machine.
fn platform_package() -> R<&'static str> {
    use std::env::consts::{ARCH, OS};
    Ok(match (OS, ARCH) {
        ("linux", "x86_64") => "linux-x64",
        ("linux", "aarch64") => "linux-arm64",
        ("macos", "x86_64") => "darwin-x64",
        ("macos", "aarch64") => "darwin-arm64",
        ("windows", "x86_64") => "windows-x64",
        ("windows", "aarch64") => "windows-arm64",
        ("freebsd", "x86_64") => "freebsd-x64",
        _ => return Err(format!("Pagefind ships no binary for {OS}/{ARCH}")),
    })
}

/// `node_modules/@pagefind/<platform>/bin/pagefind_extended`, installed by `npm ci`.
pub fn pagefind_extended(root: &Path) -> R<PathBuf> {
    let exe = if cfg!(windows) { "pagefind_extended.exe" } else { "pagefind_extended" };
    Ok(root.join("node_modules/@pagefind").join(platform_package()?).join("bin").join(exe))
}

/// True when node_modules holds the pinned Pagefind with its extended binary (else `npm ci`).
pub fn npm_fresh(root: &Path) -> bool {
    npm_version("pagefind").ok().as_deref() == Some(PAGEFIND_VERSION)
        && npm_version(&format!("@pagefind/{}", platform_package().unwrap_or("none"))).ok().as_deref() == Some(PAGEFIND_VERSION)
        && pagefind_extended(root).is_ok_and(|p| p.exists())
}

/// Builds `book/<lang>/pagefind/` for the chapters of the `lang` book.
pub fn index(root: &Path, out: &Path, lang: &str) -> R<()> {
    let v = npm_version("pagefind")?;
    if v != PAGEFIND_VERSION {
        return Err(format!("node_modules/pagefind is {v}, xtask expects {PAGEFIND_VERSION} (package.json pins it)"));
    }
    let bin = pagefind_extended(root)?;
    if !bin.exists() {
        return Err(format!("{} is missing: run `npm ci` (the npm package pagefind ships it)", bin.display()));
    }
    let chapters = summary_chapters(&root.join("src").join(lang))?;
    let pages: Vec<String> = chapters.iter().map(|(_, f)| f.trim_end_matches(".md").to_string()).collect();
    let bundle = out.join("pagefind");
    if bundle.exists() {
        fs::remove_dir_all(&bundle).map_err(io_err(bundle.display()))?;
    }
    let mut cmd = Command::new(&bin);
    cmd.current_dir(root)
        .arg("--site")
        .arg(out)
        .args(["--glob", &format!("{{{}}}.html", pages.join(","))])
        // <html lang> says the same; forcing it keeps every page in one index with the right
        // segmentation (jieba for zh, in the extended binary).
        .args(["--force-language", lang]);
    let (ok, log) = run_tee(cmd)?;
    if !ok {
        return Err(format!("pagefind failed for the {lang} book"));
    }
    if !log.contains("(Extended)") {
        return Err(format!("{} is not Pagefind's extended build (needed to segment Chinese)", bin.display()));
    }
    let indexed = log
        .lines()
        .find_map(|l| l.trim().strip_prefix("Indexed ").and_then(|r| r.strip_suffix(" pages")).and_then(|n| n.parse::<usize>().ok()));
    if indexed != Some(pages.len()) {
        return Err(format!("pagefind indexed {indexed:?} pages of the {lang} book, expected its {} chapters", pages.len()));
    }
    if !bundle.join("pagefind.js").exists() {
        return Err(format!("pagefind wrote no {}", bundle.join("pagefind.js").display()));
    }
    // theme/search.js uses only the JS API (pagefind.js, its worker, wasm and index); drop the
    // prebuilt UIs so nothing unused ships with the book.
    for e in fs::read_dir(&bundle).map_err(io_err(bundle.display()))?.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if name.ends_with("-ui.js") || name.ends_with("-ui.css") || name == "pagefind-highlight.js" {
            fs::remove_file(e.path()).map_err(io_err(e.path().display()))?;
        }
    }
    Ok(())
}

/// Headings `### text {#id}` of a chapter outside code fences: (id, next non-blank line).
fn h3_ids(text: &str) -> Vec<(String, String)> {
    let lines = markdown::lines(text);
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        if line.kind != Kind::Prose {
            continue;
        }
        let Some(h) = line.text.strip_prefix("### ") else { continue };
        let Some(open) = h.rfind("{#") else { continue };
        let Some(id) = h[open + 2..].strip_suffix('}') else { continue };
        let id = id.split_whitespace().next().unwrap_or("").to_string();
        if id.is_empty() {
            continue;
        }
        let next = lines[i + 1..].iter().map(|l| l.text).find(|l| !l.is_empty()).unwrap_or("").to_string();
        out.push((id, next));
    }
    out
}

/// `book/<lang>/mastery-index.json`: every markable id, by page.
pub fn write_mastery_index(root: &Path, out: &Path, lang: &str) -> R<usize> {
    let src = root.join("src").join(lang);
    let mut pages = Vec::new();
    let mut interview = serde_json::Value::Null;
    let mut total = 0;
    for (title, file) in summary_chapters(&src)? {
        let text = fs::read_to_string(src.join(&file)).map_err(io_err(src.join(&file).display()))?;
        let stem = file.trim_end_matches(".md");
        let page = format!("{stem}.html");
        let heads = h3_ids(&text);
        if stem == "interview" {
            // Interview questions: an h3 followed by its `<p class="q-meta" ...>` line.
            let ids: Vec<String> = heads.into_iter().filter(|(_, n)| n.starts_with("<p class=\"q-meta\"")).map(|(id, _)| id).collect();
            if ids.is_empty() {
                return Err(format!("no questions found in src/{lang}/interview.md"));
            }
            total += ids.len();
            interview = serde_json::json!({ "page": page, "title": title, "ids": ids });
            continue;
        }
        let kp = KNOWLEDGE_POINTS.contains(&stem);
        let mut ids: Vec<String> = Vec::new();
        if kp {
            ids.push(format!("kp-{stem}"));
        }
        ids.extend(heads.into_iter().map(|(id, _)| id).filter(|id| id.starts_with("q-")));
        if ids.is_empty() {
            continue;
        }
        total += ids.len();
        pages.push(serde_json::json!({ "page": page, "title": title, "knowledge_point": kp, "ids": ids }));
    }
    let found = pages.iter().filter(|p| p["knowledge_point"] == true).count();
    if found != KNOWLEDGE_POINTS.len() {
        return Err(format!("src/{lang}/SUMMARY.md lists {found} of the {} knowledge-point chapters", KNOWLEDGE_POINTS.len()));
    }
    let json = serde_json::json!({ "lang": lang, "pages": pages, "interview": interview });
    let text = serde_json::to_string_pretty(&json).map_err(|e| e.to_string())?;
    fs::write(out.join("mastery-index.json"), text + "\n").map_err(io_err("mastery-index.json"))?;
    Ok(total)
}
