//! `cargo xtask` — the book's task runner.
//!
//! * `cargo xtask book [--port N]` — install the pinned tools if missing, build both books into
//!   `book/`, serve them on 127.0.0.1 and print the URL.
//! * `cargo xtask build` — the same without serving (for scripts and CI).
//! * `cargo xtask test` — run every test there is and print a summary.
//! * `cargo xtask serve [--port N]` — serve an already built `book/`.
//! * `cargo xtask tools` — only install the pinned tools.
//!
//! Everything is installed into project-local folders: `.tools/` (mdbook, mdbook-katex, built by
//! `cargo install --locked` at the versions below) and `node_modules/` (`npm ci`, versions pinned in
//! package.json / package-lock.json).

use std::collections::BTreeMap;
use std::env;
use std::fs;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::thread;
use std::time::{Duration, Instant};

mod code_pages;
mod markdown;
mod search;

/// mdBook, at the version of `mdbook-preprocessor` in mdbook-katex's own Cargo.lock, so that
/// mdbook-katex prints no version-mismatch warning.
const MDBOOK_VERSION: &str = "0.5.3";
const MDBOOK_KATEX_VERSION: &str = "0.10.0";
/// The `katex` crate mdbook-katex 0.10.0 renders with, and the KaTeX JS version that crate embeds
/// (its KATEX-VERSION file). package.json pins the npm `katex` package to exactly this version, and
/// its CSS and fonts are copied into each book.
const KATEX_CRATE_VERSION: &str = "0.4.6";
const KATEX_JS_VERSION: &str = "0.16.4";

/// The two books: language code and title.
const LANGS: [(&str, &str); 2] = [("zh", "深度学习中的正则化"), ("en", "Regularization in Deep Learning")];

type R<T> = Result<T, String>;

fn main() -> ExitCode {
    let args: Vec<String> = env::args().skip(1).collect();
    let rest = if args.is_empty() { &args[..] } else { &args[1..] };
    let result = match args.first().map(String::as_str) {
        Some("book") => cmd_book(rest),
        Some("build") => cmd_build().map(|_| ()),
        Some("test") => cmd_test(rest),
        Some("serve") => parse_port(rest).and_then(serve_forever),
        Some("tools") => ensure_tools(),
        Some("figures") => cmd_figures(),
        _ => {
            eprintln!(
                "usage: cargo xtask <book [--port N] | build | test | serve [--port N] | tools | figures>\n\
                 \n  book   install missing tools, build both books into book/, serve and print the URL\
                 \n  build  the same without serving\
                 \n  test   run every test (crate, properties, snippets, mirror, links, offline, browser);\n         extra arguments go to `cargo test --workspace`\
                 \n  serve  serve an already built book/\
                 \n  tools  install the pinned tools only\
                 \n  figures  rerun the experiments (crates/lab, release) and regenerate every figure"
            );
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("\nxtask: error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).ancestors().nth(2).expect("workspace root").to_path_buf()
}

fn tools_dir() -> PathBuf {
    root().join(".tools")
}

fn tool(name: &str) -> PathBuf {
    tools_dir().join("bin").join(name)
}

fn cargo() -> String {
    env::var("CARGO").unwrap_or_else(|_| "cargo".into())
}

fn io_err(what: impl std::fmt::Display) -> impl FnOnce(io::Error) -> String {
    move |e| format!("{what}: {e}")
}

// ---------------------------------------------------------------------------------------------
// Tools
// ---------------------------------------------------------------------------------------------

fn installed_version_ok(name: &str, version: &str) -> bool {
    if !tool(name).exists() {
        return false;
    }
    let Ok(text) = fs::read_to_string(tools_dir().join(".crates2.json")) else { return false };
    let Ok(json) = serde_json::from_str::<serde_json::Value>(&text) else { return false };
    json.get("installs")
        .and_then(|i| i.as_object())
        .is_some_and(|m| m.keys().any(|k| k.starts_with(&format!("{name} {version} "))))
}

fn cargo_install(name: &str, version: &str, extra: &[&str]) -> R<()> {
    if installed_version_ok(name, version) {
        return Ok(());
    }
    println!("xtask: installing {name} {version} into .tools/ (first use only; this compiles it) ...");
    let start = Instant::now();
    let mut cmd = Command::new(cargo());
    cmd.current_dir(root())
        .args(["install", "--locked", "--root"])
        .arg(tools_dir())
        .args(["--target-dir"])
        .arg(root().join("target/tools-build"))
        .arg(name)
        .args(["--version", &format!("={version}")])
        .args(extra)
        // A `cargo xtask` run sets these for the xtask package; they must not leak into the install.
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("RUSTFLAGS");
    let status = cmd.status().map_err(io_err("cargo install"))?;
    if !status.success() {
        return Err(format!("cargo install {name} {version} failed"));
    }
    println!("xtask: installed {name} {version} in {:.0} s", start.elapsed().as_secs_f64());
    Ok(())
}

/// The crate sources cargo downloaded for the install, to check that the pins agree.
fn registry_src(dir_name: &str) -> Option<PathBuf> {
    let home = env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))?;
    let src = home.join("registry").join("src");
    for index in fs::read_dir(src).ok()?.flatten() {
        let p = index.path().join(dir_name);
        if p.is_dir() {
            return Some(p);
        }
    }
    None
}

fn check_pins_agree() -> R<()> {
    // mdbook == the mdbook-preprocessor mdbook-katex was built against.
    match registry_src(&format!("mdbook-katex-{MDBOOK_KATEX_VERSION}")) {
        Some(dir) => {
            let lock = fs::read_to_string(dir.join("Cargo.lock")).map_err(io_err("mdbook-katex Cargo.lock"))?;
            let v = lock_version(&lock, "mdbook-preprocessor").ok_or("mdbook-preprocessor not in mdbook-katex's Cargo.lock")?;
            if v != MDBOOK_VERSION {
                return Err(format!(
                    "pins disagree: mdbook-katex {MDBOOK_KATEX_VERSION} is built against mdbook-preprocessor {v}, \
                     but xtask pins mdbook {MDBOOK_VERSION}"
                ));
            }
            let k = lock_version(&lock, "katex").ok_or("katex not in mdbook-katex's Cargo.lock")?;
            if k != KATEX_CRATE_VERSION {
                return Err(format!("pins disagree: mdbook-katex renders with katex crate {k}, xtask expects {KATEX_CRATE_VERSION}"));
            }
        }
        None => println!("xtask: note: mdbook-katex sources not in the cargo registry cache; skipped the mdbook pin cross-check"),
    }
    match registry_src(&format!("katex-{KATEX_CRATE_VERSION}")) {
        Some(dir) => {
            let v = fs::read_to_string(dir.join("KATEX-VERSION")).map_err(io_err("katex crate KATEX-VERSION"))?;
            if v.trim() != KATEX_JS_VERSION {
                return Err(format!(
                    "pins disagree: the katex crate {KATEX_CRATE_VERSION} embeds KaTeX {}, xtask expects {KATEX_JS_VERSION}",
                    v.trim()
                ));
            }
        }
        None => println!("xtask: note: katex crate sources not in the cargo registry cache; skipped the KaTeX pin cross-check"),
    }
    let npm_katex = npm_version("katex")?;
    if npm_katex != KATEX_JS_VERSION {
        return Err(format!(
            "pins disagree: node_modules/katex is {npm_katex}, the KaTeX that renders the math is {KATEX_JS_VERSION} (fix package.json)"
        ));
    }
    Ok(())
}

fn lock_version(lock: &str, name: &str) -> Option<String> {
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == format!("name = \"{name}\"") {
            let v = lines.next()?.trim().strip_prefix("version = \"")?.strip_suffix('"')?.to_string();
            return Some(v);
        }
    }
    None
}

fn npm_version(pkg: &str) -> R<String> {
    let p = root().join("node_modules").join(pkg).join("package.json");
    let text = fs::read_to_string(&p).map_err(io_err(p.display()))?;
    let json: serde_json::Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    Ok(json["version"].as_str().unwrap_or_default().to_string())
}

fn ensure_npm() -> R<()> {
    let root = root();
    let lock: serde_json::Value = serde_json::from_str(
        &fs::read_to_string(root.join("package-lock.json")).map_err(io_err("package-lock.json"))?,
    )
    .map_err(|e| e.to_string())?;
    let want = |pkg: &str| lock["packages"][format!("node_modules/{pkg}")]["version"].as_str().map(str::to_owned);
    let fresh = ["katex", "playwright-core", "pagefind"].iter().all(|p| npm_version(p).ok() == want(p)) && search::npm_fresh(&root);
    if fresh {
        return Ok(());
    }
    println!("xtask: npm ci (KaTeX assets, Pagefind and playwright-core at the versions in package-lock.json) ...");
    let start = Instant::now();
    let status = Command::new("npm")
        .current_dir(&root)
        .args(["ci", "--no-audit", "--no-fund"])
        .status()
        .map_err(io_err("npm (Node.js 20 and npm are needed for the KaTeX assets)"))?;
    if !status.success() {
        return Err("npm ci failed".into());
    }
    println!("xtask: npm ci done in {:.0} s", start.elapsed().as_secs_f64());
    Ok(())
}

fn ensure_tools() -> R<()> {
    let start = Instant::now();
    fs::create_dir_all(tools_dir()).map_err(io_err(".tools"))?;
    cargo_install("mdbook", MDBOOK_VERSION, &["--no-default-features", "--features", "search"])?;
    cargo_install("mdbook-katex", MDBOOK_KATEX_VERSION, &[])?;
    ensure_npm()?;
    check_pins_agree()?;
    let out = Command::new(tool("mdbook")).arg("--version").output().map_err(io_err("mdbook --version"))?;
    let v = String::from_utf8_lossy(&out.stdout);
    if v.trim() != format!("mdbook v{MDBOOK_VERSION}") {
        return Err(format!("unexpected `mdbook --version`: {v}"));
    }
    let secs = start.elapsed().as_secs_f64();
    if secs > 5.0 {
        println!("xtask: tools ready in {secs:.0} s");
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Running commands
// ---------------------------------------------------------------------------------------------

/// Runs `cmd` with stdout and stderr merged, echoing every line as it comes; returns success and
/// the whole output.
fn run_tee(mut cmd: Command) -> R<(bool, String)> {
    let (reader, writer) = io::pipe().map_err(io_err("pipe"))?;
    cmd.stdout(writer.try_clone().map_err(io_err("pipe"))?).stderr(writer).stdin(Stdio::null());
    let mut child = cmd.spawn().map_err(io_err(format!("{:?}", cmd.get_program())))?;
    drop(cmd); // closes our copies of the pipe's write end
    let mut all = String::new();
    let mut reader = BufReader::new(reader);
    let mut buf = Vec::new();
    let stdout = io::stdout();
    loop {
        buf.clear();
        let n = reader.read_until(b'\n', &mut buf).map_err(io_err("reading output"))?;
        if n == 0 {
            break;
        }
        let line = String::from_utf8_lossy(&buf);
        let mut out = stdout.lock();
        let _ = out.write_all(line.as_bytes());
        let _ = out.flush();
        all.push_str(&line);
    }
    let status = child.wait().map_err(io_err("wait"))?;
    Ok((status.success(), all))
}

fn path_with_tools() -> std::ffi::OsString {
    let mut paths = vec![tools_dir().join("bin")];
    if let Some(p) = env::var_os("PATH") {
        paths.extend(env::split_paths(&p));
    }
    env::join_paths(paths).expect("PATH")
}

fn mdbook(lang: &str, title: &str) -> Command {
    let mut cmd = Command::new(tool("mdbook"));
    cmd.current_dir(root())
        .env("PATH", path_with_tools())
        .env("MDBOOK_BOOK__SRC", format!("src/{lang}"))
        .env("MDBOOK_BOOK__LANGUAGE", lang)
        .env("MDBOOK_BOOK__TITLE", title)
        .env("MDBOOK_BUILD__BUILD_DIR", format!("book/{lang}"))
        .env("NO_COLOR", "1");
    cmd
}

// ---------------------------------------------------------------------------------------------
// Build
// ---------------------------------------------------------------------------------------------

/// Lines in mdbook's output that fail the build: a LaTeX error (mdbook-katex only logs it and keeps
/// the source), a version mismatch between mdbook and a preprocessor, and any other warning or error.
const BUILD_FAILURES: &[&str] = &[
    "Rendering failed",
    "rendering failure",
    "built against version",
    "version mismatch",
    " WARN ",
    "ERROR",
    "error:",
];

fn cmd_build() -> R<Duration> {
    ensure_tools()?;
    let start = Instant::now();
    let root = root();
    let book = root.join("book");
    fs::create_dir_all(&book).map_err(io_err("book/"))?;
    for (lang, title) in LANGS {
        println!("xtask: building the {lang} book into book/{lang}/");
        let mut cmd = mdbook(lang, title);
        cmd.arg("build");
        let (ok, out) = run_tee(cmd)?;
        if !ok {
            return Err(format!("mdbook build failed for {lang}"));
        }
        let plain = strip_ansi(&out);
        if let Some(line) = plain.lines().find(|l| BUILD_FAILURES.iter().any(|p| l.contains(p))) {
            return Err(format!("mdbook build of the {lang} book reported a problem (LaTeX errors fail the build):\n  {line}"));
        }
        copy_katex_assets(&book.join(lang))?;
        check_no_katex_errors(&book.join(lang))?;
        search::index(&root, &book.join(lang), lang)?;
        let marks = search::write_mastery_index(&root, &book.join(lang), lang)?;
        println!("xtask: search index book/{lang}/pagefind/ (Pagefind {}), {marks} mastery ids in book/{lang}/mastery-index.json", search::PAGEFIND_VERSION);
    }
    write_landing_page(&book)?;
    write_license_page(&book)?;
    let sources = code_pages::write(&root, &book)?;
    println!("xtask: {sources} source files of the companion crates published under book/code/ (evidence links)");
    let took = start.elapsed();
    println!("xtask: built both books into book/ in {:.1} s (book/index.html, book/zh/, book/en/)", took.as_secs_f64());
    Ok(took)
}

/// Removes ANSI escape sequences (colours) from tool output before matching it.
fn strip_ansi(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            if chars.peek() == Some(&'[') {
                chars.next();
                for d in chars.by_ref() {
                    if ('@'..='~').contains(&d) {
                        break;
                    }
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn copy_dir(from: &Path, to: &Path) -> R<usize> {
    fs::create_dir_all(to).map_err(io_err(to.display()))?;
    let mut n = 0;
    for e in fs::read_dir(from).map_err(io_err(from.display()))?.flatten() {
        let p = e.path();
        if p.is_dir() {
            n += copy_dir(&p, &to.join(e.file_name()))?;
        } else {
            fs::copy(&p, to.join(e.file_name())).map_err(io_err(p.display()))?;
            n += 1;
        }
    }
    Ok(n)
}

fn copy_katex_assets(out: &Path) -> R<()> {
    let dist = root().join("node_modules/katex/dist");
    let dest = out.join("katex");
    fs::create_dir_all(&dest).map_err(io_err(dest.display()))?;
    fs::copy(dist.join("katex.min.css"), dest.join("katex.min.css")).map_err(io_err("katex.min.css"))?;
    copy_dir(&dist.join("fonts"), &dest.join("fonts"))?;
    Ok(())
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    if let Ok(rd) = fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, out);
            } else {
                out.push(p);
            }
        }
    }
}

fn check_no_katex_errors(out: &Path) -> R<()> {
    let mut files = Vec::new();
    walk(out, &mut files);
    for f in files.iter().filter(|f| f.extension().is_some_and(|e| e == "html")) {
        let text = fs::read_to_string(f).map_err(io_err(f.display()))?;
        if text.contains("katex-error") {
            return Err(format!("KaTeX error rendered in {}", f.display()));
        }
    }
    Ok(())
}

fn write_landing_page(book: &Path) -> R<()> {
    let html = r#"<!DOCTYPE html>
<html lang="zh-Hans">
<head>
<meta charset="UTF-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>深度学习中的正则化 · Regularization in Deep Learning</title>
<link rel="alternate" hreflang="zh" href="zh/index.html">
<link rel="alternate" hreflang="en" href="en/index.html">
<style>
  body { font-family: system-ui, -apple-system, "Segoe UI", "Noto Sans CJK SC", "PingFang SC", sans-serif; margin: 0; background: #f7f7f5; color: #222; }
  main { max-width: 46rem; margin: 10vh auto; padding: 0 1.5rem; }
  h1 { font-size: 1.9rem; margin-bottom: 0.2rem; }
  h1 span { display: block; font-size: 1.2rem; color: #555; font-weight: 500; }
  .choices { display: flex; gap: 1rem; margin: 2rem 0; flex-wrap: wrap; }
  .choices a { flex: 1 1 14rem; display: block; padding: 1.2rem 1.4rem; border-radius: 0.6rem; background: #fff; border: 1px solid #ddd; color: inherit; text-decoration: none; }
  .choices a:hover { border-color: #4183c4; }
  .choices strong { display: block; font-size: 1.3rem; }
  footer { font-size: 0.85rem; color: #666; }
</style>
</head>
<body>
<main>
  <h1>深度学习中的正则化<span lang="en">Regularization in Deep Learning</span></h1>
  <p>L1/L2 正则化与权重衰减、Dropout、BatchNorm、LayerNorm 与数据增强：原理、推导、面试要点，每个结论都有经过测试的 Rust 代码。</p>
  <p lang="en">L1/L2 and weight decay, Dropout, BatchNorm, LayerNorm and data augmentation: mechanisms, derivations and interview points, every claim backed by tested Rust code.</p>
  <div class="choices">
    <a id="choose-zh" href="zh/index.html" hreflang="zh" lang="zh"><strong>中文</strong>阅读中文版</a>
    <a id="choose-en" href="en/index.html" hreflang="en" lang="en"><strong>English</strong>Read in English</a>
  </div>
  <footer>
    <p>正文以 <a href="LICENSE.html#cc-by-4.0">CC BY 4.0</a> 许可发布；代码以 <a href="LICENSE.html#mit">MIT</a> 或 <a href="LICENSE.html#apache-2.0">Apache-2.0</a> 许可发布。</p>
    <p lang="en">Text: <a href="LICENSE.html#cc-by-4.0">CC BY 4.0</a>. Code: <a href="LICENSE.html#mit">MIT</a> or <a href="LICENSE.html#apache-2.0">Apache-2.0</a>.</p>
  </footer>
</main>
<script>
(function () {
  var KEY = "regbook-lang";
  function remember(lang) { try { localStorage.setItem(KEY, lang); } catch (e) {} }
  document.getElementById("choose-zh").addEventListener("click", function () { remember("zh"); });
  document.getElementById("choose-en").addEventListener("click", function () { remember("en"); });
  // Go straight to the remembered book, unless the reader came here to choose again (?choose).
  var saved = null;
  try { saved = localStorage.getItem(KEY); } catch (e) {}
  if ((saved === "zh" || saved === "en") && location.search.indexOf("choose") < 0) {
    location.replace(saved + "/index.html");
  }
})();
</script>
</body>
</html>
"#;
    fs::write(book.join("index.html"), html).map_err(io_err("book/index.html"))
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

fn write_license_page(book: &Path) -> R<()> {
    let root = root();
    let mut body = String::new();
    for (id, title, file) in [
        ("cc-by-4.0", "CC BY 4.0 — the text / 正文", "LICENSE-CC-BY-4.0"),
        ("mit", "MIT — the code / 代码", "LICENSE-MIT"),
        ("apache-2.0", "Apache-2.0 — the code / 代码", "LICENSE-APACHE"),
    ] {
        let text = fs::read_to_string(root.join(file)).map_err(io_err(file))?;
        body.push_str(&format!("<h2 id=\"{id}\">{title}</h2>\n<pre>{}</pre>\n", html_escape(&text)));
    }
    let html = format!(
        r#"<!DOCTYPE html>
<html lang="en">
<head><meta charset="UTF-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Licenses · 许可</title>
<style>body {{ font-family: system-ui, sans-serif; max-width: 50rem; margin: 2rem auto; padding: 0 1rem; }} pre {{ white-space: pre-wrap; font-size: 0.85rem; }}</style>
</head>
<body>
<h1>Licenses · 许可</h1>
<p>The book's text is licensed under CC BY 4.0; its code under MIT or Apache-2.0, at your option. <a href="index.html">Back to the book</a>.</p>
<p lang="zh">本书正文以 CC BY 4.0 许可发布；代码以 MIT 或 Apache-2.0 许可发布（二选一）。</p>
{body}</body>
</html>
"#
    );
    fs::write(book.join("LICENSE.html"), html).map_err(io_err("book/LICENSE.html"))
}

// ---------------------------------------------------------------------------------------------
// Serve: a tiny static file server for book/, on 127.0.0.1 only
// ---------------------------------------------------------------------------------------------

fn parse_port(args: &[String]) -> R<u16> {
    match args {
        [] => Ok(3000),
        [flag, n] if flag == "--port" => n.parse().map_err(|_| format!("bad port {n}")),
        _ => Err(format!("unexpected arguments {args:?}")),
    }
}

fn cmd_book(args: &[String]) -> R<()> {
    let port = parse_port(args)?;
    cmd_build()?;
    serve_forever(port)
}

fn bind(port: u16) -> R<TcpListener> {
    TcpListener::bind(("127.0.0.1", port))
        .or_else(|e| {
            if port != 0 {
                eprintln!("xtask: port {port} unavailable ({e}); using a free port instead");
            }
            TcpListener::bind(("127.0.0.1", 0))
        })
        .map_err(io_err("bind 127.0.0.1"))
}

fn serve_forever(port: u16) -> R<()> {
    let book = root().join("book");
    if !book.join("index.html").exists() {
        return Err("book/ is not built: run `cargo xtask build` (or `cargo xtask book`)".into());
    }
    let listener = bind(port)?;
    let addr = listener.local_addr().map_err(io_err("local_addr"))?;
    println!("\n  The book is served at  http://{addr}/");
    println!("    中文:     http://{addr}/zh/");
    println!("    English:  http://{addr}/en/");
    println!("  Press Ctrl-C to stop.\n");
    accept_loop(listener, book);
    Ok(())
}

/// Starts a server on a free port in a background thread; returns its base URL.
fn serve_in_background() -> R<String> {
    let listener = bind(0)?;
    let addr = listener.local_addr().map_err(io_err("local_addr"))?;
    let book = root().join("book");
    thread::spawn(move || accept_loop(listener, book));
    Ok(format!("http://{addr}/"))
}

fn accept_loop(listener: TcpListener, book: PathBuf) {
    for stream in listener.incoming().flatten() {
        let book = book.clone();
        thread::spawn(move || {
            let _ = handle(stream, &book);
        });
    }
}

fn content_type(p: &Path) -> &'static str {
    match p.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "woff" => "font/woff",
        "ttf" => "font/ttf",
        "otf" => "font/otf",
        "txt" | "md" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len()
            && s.is_char_boundary(i + 3)
            && let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16)
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn handle(mut stream: TcpStream, book: &Path) -> io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut head = Vec::new();
    let mut buf = [0u8; 2048];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 16384 {
        let n = stream.read(&mut buf)?;
        if n == 0 {
            break;
        }
        head.extend_from_slice(&buf[..n]);
    }
    let head = String::from_utf8_lossy(&head);
    let mut parts = head.lines().next().unwrap_or("").split_whitespace();
    let method = parts.next().unwrap_or("");
    let target = parts.next().unwrap_or("/");
    let path = percent_decode(target.split(['?', '#']).next().unwrap_or("/"));
    let respond = |stream: &mut TcpStream, code: &str, ctype: &str, body: &[u8]| -> io::Result<()> {
        write!(
            stream,
            "HTTP/1.1 {code}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nCache-Control: no-cache\r\nConnection: close\r\n\r\n",
            body.len()
        )?;
        if method != "HEAD" {
            stream.write_all(body)?;
        }
        stream.flush()
    };
    if method != "GET" && method != "HEAD" {
        return respond(&mut stream, "405 Method Not Allowed", "text/plain", b"method not allowed\n");
    }
    if path.split('/').any(|seg| seg == "..") || path.contains('\\') {
        return respond(&mut stream, "400 Bad Request", "text/plain", b"bad path\n");
    }
    let mut file = book.join(path.trim_start_matches('/'));
    if file.is_dir() {
        if !path.ends_with('/') {
            let loc = format!("{path}/");
            write!(stream, "HTTP/1.1 301 Moved Permanently\r\nLocation: {loc}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")?;
            return stream.flush();
        }
        file = file.join("index.html");
    }
    match fs::read(&file) {
        Ok(body) => respond(&mut stream, "200 OK", content_type(&file), &body),
        Err(_) => respond(&mut stream, "404 Not Found", "text/plain; charset=utf-8", format!("not found: {path}\n").as_bytes()),
    }
}

// ---------------------------------------------------------------------------------------------
// Test
// ---------------------------------------------------------------------------------------------

#[derive(Default, Debug)]
struct Counts {
    passed: u64,
    failed: u64,
    ignored: u64,
}

/// Sums libtest's `test result:` lines in `out`, per test binary (the preceding `Running` line).
fn parse_results(out: &str) -> BTreeMap<String, Counts> {
    let mut map: BTreeMap<String, Counts> = BTreeMap::new();
    let mut current = String::from("?");
    for line in out.lines() {
        let t = line.trim();
        if let Some(rest) = t.strip_prefix("Running ") {
            current = rest.split_whitespace().next().unwrap_or("?").to_string();
        } else if let Some(rest) = t.strip_prefix("Doc-tests ") {
            current = format!("doctests:{rest}");
        } else if let Some(rest) = t.strip_prefix("test result: ") {
            let c = map.entry(current.clone()).or_default();
            for field in rest.split(';') {
                let words: Vec<&str> = field.split_whitespace().collect();
                let (n, what) = match words.as_slice() {
                    [_, n, what, ..] if n.parse::<u64>().is_ok() => (n, what),
                    [n, what, ..] => (n, what),
                    _ => continue,
                };
                let Ok(n) = n.parse::<u64>() else { continue };
                match *what {
                    "passed" => c.passed += n,
                    "failed" => c.failed += n,
                    "ignored" => c.ignored += n,
                    _ => {}
                }
            }
        }
    }
    map
}

/// Names of the test functions defined inside `proptest! { ... }` blocks of the workspace's crates.
fn property_test_names() -> std::collections::BTreeSet<String> {
    let mut names = std::collections::BTreeSet::new();
    let mut files = Vec::new();
    walk(&root().join("crates"), &mut files);
    for f in files.iter().filter(|f| f.extension().is_some_and(|e| e == "rs")) {
        let Ok(text) = fs::read_to_string(f) else { continue };
        let mut rest = text.as_str();
        while let Some(i) = rest.find("proptest!") {
            let after = &rest[i + "proptest!".len()..];
            let Some(open) = after.find('{') else { break };
            // The block up to its matching brace.
            let mut depth = 0usize;
            let mut end = after.len();
            for (k, ch) in after[open..].char_indices() {
                match ch {
                    '{' => depth += 1,
                    '}' => {
                        depth -= 1;
                        if depth == 0 {
                            end = open + k;
                            break;
                        }
                    }
                    _ => {}
                }
            }
            let block = &after[open..end];
            let mut b = block;
            while let Some(j) = b.find("fn ") {
                let name: String = b[j + 3..].chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
                if !name.is_empty() && (j == 0 || !b[..j].ends_with(|c: char| c.is_alphanumeric() || c == '_')) {
                    names.insert(name);
                }
                b = &b[j + 3..];
            }
            rest = &after[end.min(after.len())..];
        }
    }
    names
}

/// Passed tests that are property tests (defined in a `proptest!` block).
fn count_property_tests(out: &str) -> u64 {
    let names = property_test_names();
    out.lines()
        .filter_map(|l| l.trim().strip_prefix("test "))
        .filter_map(|l| l.strip_suffix(" ... ok"))
        .filter(|name| names.contains(name.rsplit("::").next().unwrap_or(name)))
        .count() as u64
}

fn banner(lines: &[&str]) {
    let width = lines.iter().map(|l| l.chars().count()).max().unwrap_or(0) + 4;
    let bar = "!".repeat(width);
    println!("\n{bar}");
    for l in lines {
        println!("! {l:<w$} !", w = width - 4);
    }
    println!("{bar}\n");
}

fn chromium() -> Option<PathBuf> {
    if let Some(p) = env::var_os("CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    ["/usr/bin/chromium", "/usr/bin/chromium-browser"].iter().map(PathBuf::from).find(|p| p.exists())
}

/// `extra` is passed on to `cargo test --workspace` (e.g. `--exclude regularizers` while a crate
/// is being worked on); every other step runs in full.
fn cmd_test(extra: &[String]) -> R<()> {
    let t0 = Instant::now();
    let root = root();
    let ci = env::var("CI").is_ok_and(|v| v == "true" || v == "1");
    ensure_tools()?;

    // 1. Every Rust test: the crate (unit, golden, proptest, doctests), skeptic snippets, mirror and
    //    snippet-marker checks. Book-output checks skip here (no BOOK_DIR) and run in step 4.
    println!("\nxtask: [1/6] cargo test --workspace {}", extra.join(" "));
    if !extra.is_empty() {
        banner(&[&format!("PARTIAL RUN: cargo test --workspace {}", extra.join(" "))]);
    }
    let mut cmd = Command::new(cargo());
    cmd.current_dir(&root).args(["test", "--workspace"]).args(extra).env_remove("BOOK_DIR");
    let (ok, out) = run_tee(cmd)?;
    let results = parse_results(&out);
    if !ok {
        return Err("cargo test --workspace failed (see above)".into());
    }
    let mut cargo_passed = 0;
    let mut cargo_failed = 0;
    let mut skeptic = 0;
    for (bin, c) in &results {
        cargo_passed += c.passed;
        cargo_failed += c.failed;
        if bin.contains("snippets_skeptic") {
            skeptic += c.passed;
        }
    }
    let properties = count_property_tests(&out);

    // 2. Both books.
    println!("\nxtask: [2/6] build both books");
    let build_time = cmd_build()?;

    // 3. mdbook test, against exactly one copy of the companion crate and its dependencies.
    println!("\nxtask: [3/6] mdbook test (zh, en) against the companion crate");
    let deps = mdbook_test_deps()?;
    let mut mdbook_snippets = BTreeMap::new();
    for (lang, title) in LANGS {
        let mut cmd = mdbook(lang, title);
        cmd.arg("test").arg("-L").arg(&deps);
        let (ok, _) = run_tee(cmd)?;
        if !ok {
            return Err(format!("mdbook test failed for the {lang} book"));
        }
        // mdbook test prints rustdoc's counts only on failure: count the blocks it tested.
        let n = count_tested_rust_blocks(&root.join("src").join(lang))?;
        println!("xtask: mdbook test ({lang}): {n} rust blocks compiled and run, all passed");
        mdbook_snippets.insert(lang, n);
    }

    // 4. Checks on the built HTML.
    println!("\nxtask: [4/6] links, offline and rendering checks on book/");
    let mut cmd = Command::new(cargo());
    cmd.current_dir(&root)
        // `--workspace` keeps the feature resolution of step 1, so nothing is rebuilt.
        .args(["test", "--workspace", "--test", "links", "--test", "offline", "--test", "rendering"])
        .env("BOOK_DIR", root.join("book"));
    let (ok, out) = run_tee(cmd)?;
    if !ok {
        return Err("links/offline checks on the built book failed (see above)".into());
    }
    let book_checks: u64 = parse_results(&out).values().map(|c| c.passed).sum();

    // 5. A real headless Chromium.
    println!("\nxtask: [5/6] browser checks (headless Chromium)");
    let mut browser_passed = 0u64;
    let mut browser_failed = 0u64;
    let browser_note;
    match chromium() {
        Some(chrome) => {
            let base = serve_in_background()?;
            let artifacts = root.join("target/browser-artifacts");
            fs::create_dir_all(&artifacts).map_err(io_err("target/browser-artifacts"))?;
            let mut cmd = Command::new("node");
            cmd.current_dir(&root)
                .arg("tests/browser/run.mjs")
                .env("BOOK_URL", &base)
                .env("CHROMIUM", &chrome)
                .env("ARTIFACTS_DIR", &artifacts);
            let (ok, out) = run_tee(cmd)?;
            if let Some((p, f)) = out.lines().rev().find_map(parse_plain_counts) {
                browser_passed = p;
                browser_failed = f;
            }
            if !ok || browser_failed > 0 {
                return Err("browser checks failed (see above; screenshots in target/browser-artifacts/)".into());
            }
            browser_note = format!(" (Chromium at {}; screenshots in target/browser-artifacts/)", chrome.display());
        }
        None => {
            banner(&[
                "SKIPPED: browser checks -- no Chromium found (/usr/bin/chromium).",
                "Install it with `apt-get install chromium` (.ci/run does) to run them.",
            ]);
            if ci {
                return Err("CI=true and the browser checks were skipped: Chromium must be installed in CI".into());
            }
            browser_note = " -- SKIPPED, no Chromium".into();
        }
    }

    // 6. The book's ```python blocks, against the pinned PyTorch / NumPy (tests/requirements-python.txt).
    println!("\nxtask: [6/6] python blocks (PyTorch / NumPy)");
    let (python_passed, python_failed, python_note) = match book_python() {
        Some(py) => {
            let mut cmd = Command::new(&py);
            cmd.current_dir(&root).arg("tests/python_blocks.py").arg(&root);
            let (ok, out) = run_tee(cmd)?;
            let (p, f) = out.lines().rev().find_map(parse_plain_counts).unwrap_or((0, 0));
            if !ok || f > 0 || p == 0 {
                return Err("python blocks failed (see above)".into());
            }
            (p, f, format!(" (interpreter {})", py.display()))
        }
        None => {
            banner(&[
                "SKIPPED: python blocks -- no interpreter with the pinned torch and numpy.",
                "Install them with: python3 -m venv .tools/py &&",
                "  .tools/py/bin/pip install -r tests/requirements-python.txt   (.ci/run does)",
            ]);
            if ci {
                return Err("CI=true and the python blocks were skipped: .ci/run must install them".into());
            }
            (0, 0, " -- SKIPPED, no torch".to_string())
        }
    };

    let mdbook_total: u64 = mdbook_snippets.values().sum();
    // The link/offline tests are part of `cargo_passed` already (step 1, where they skip); step 4
    // is their real run, so they are not counted twice.
    let total_passed = cargo_passed + mdbook_total + browser_passed + python_passed;
    let total_failed = cargo_failed + browser_failed + python_failed;
    println!("\n================ cargo xtask test: summary ================");
    println!(
        "snippets:        {} run by skeptic (cargo test) + {} by mdbook test (zh {}, en {})",
        skeptic, mdbook_total, mdbook_snippets["zh"], mdbook_snippets["en"]
    );
    println!("cargo tests:     {cargo_passed} passed (all workspace test binaries, incl. the skeptic snippets)");
    println!("properties:      {properties} property tests passed");
    println!("book checks:     {book_checks} link/offline tests passed on the built book/ (skipped in step 1, run in step 4)");
    println!("browser checks:  {browser_passed} passed{browser_note}");
    println!("python blocks:   {python_passed} passed{python_note}");
    println!("book build:      {:.1} s; everything: {:.0} s", build_time.as_secs_f64(), t0.elapsed().as_secs_f64());
    println!("===========================================================");
    println!("xtask: {total_passed} passed, {total_failed} failed");
    Ok(())
}

/// The interpreter that runs the book's python blocks: `$BOOK_PYTHON`, else the project's venv
/// `.tools/py` (made by .ci/run), provided it imports the pinned torch and numpy.
fn book_python() -> Option<PathBuf> {
    let py = env::var_os("BOOK_PYTHON").map(PathBuf::from).unwrap_or_else(|| tools_dir().join("py/bin/python"));
    let ok = Command::new(&py)
        .args(["-c", "import torch, numpy"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    ok.then_some(py)
}

/// Parses a plain closing line `N passed, N failed` (optionally prefixed by `word: `).
fn parse_plain_counts(line: &str) -> Option<(u64, u64)> {
    let l = line.trim();
    let l = l.split_once(": ").map_or(l, |(_, r)| r);
    let (p, f) = l.split_once(" passed, ")?;
    Some((p.trim().parse().ok()?, f.split(' ').next()?.parse().ok()?))
}

/// ```rust blocks of a book that rustdoc tests (not `ignore`), over the chapters in SUMMARY.md.
fn count_tested_rust_blocks(src: &Path) -> R<u64> {
    let mut n = 0;
    for (_, chapter) in markdown::summary_chapters(src)? {
        let text = fs::read_to_string(src.join(&chapter)).map_err(io_err(&chapter))?;
        n += markdown::lines(&text)
            .iter()
            .filter_map(|l| l.fence_info())
            .map(|info| info.split([',', ' ']).filter(|f| !f.is_empty()).collect::<Vec<_>>())
            .filter(|flags| flags.first() == Some(&"rust") && !flags.contains(&"ignore"))
            .count() as u64;
    }
    Ok(n)
}

/// Builds the companion crate and copies exactly the rlibs of it and its dependencies (from this
/// build's artifact list) into target/mdbook-test-deps, so `mdbook test -L` sees one copy of each.
fn mdbook_test_deps() -> R<PathBuf> {
    let root = root();
    let out = Command::new(cargo())
        .current_dir(&root)
        .args(["build", "-p", "regularizers", "--lib", "--message-format=json-render-diagnostics"])
        .stderr(Stdio::inherit())
        .output()
        .map_err(io_err("cargo build -p regularizers"))?;
    if !out.status.success() {
        return Err("cargo build -p regularizers failed".into());
    }
    let dir = root.join("target/mdbook-test-deps");
    if dir.exists() {
        fs::remove_dir_all(&dir).map_err(io_err(dir.display()))?;
    }
    fs::create_dir_all(&dir).map_err(io_err(dir.display()))?;
    let mut n = 0;
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let Ok(msg) = serde_json::from_str::<serde_json::Value>(line) else { continue };
        if msg["reason"] != "compiler-artifact" {
            continue;
        }
        for f in msg["filenames"].as_array().into_iter().flatten().filter_map(|f| f.as_str()) {
            if f.ends_with(".rlib") {
                let p = Path::new(f);
                fs::copy(p, dir.join(p.file_name().unwrap())).map_err(io_err(f))?;
                n += 1;
            }
        }
    }
    if n == 0 {
        return Err("no rlib in the build of regularizers".into());
    }
    Ok(dir)
}

// ---------------------------------------------------------------------------------------------
// Figures
// ---------------------------------------------------------------------------------------------

/// `cargo xtask figures`: runs the experiment suite (crates/lab, release build, with a progress
/// bar) and the static figure generator (crates/figures). Both write into src/{zh,en}/figures/.
fn cmd_figures() -> R<()> {
    let start = Instant::now();
    for args in [&["run", "--release", "-p", "lab", "--bin", "experiments"][..], &["run", "-p", "figures"][..]] {
        println!("xtask: cargo {}", args.join(" "));
        let status = Command::new(cargo())
            .current_dir(root())
            .args(args)
            .status()
            .map_err(io_err(format!("cargo {}", args.join(" "))))?;
        if !status.success() {
            return Err(format!("cargo {} failed", args.join(" ")));
        }
    }
    println!("xtask: figures regenerated in {:.0} s", start.elapsed().as_secs_f64());
    Ok(())
}
