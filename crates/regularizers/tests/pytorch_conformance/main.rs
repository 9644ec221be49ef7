//! Runs every case of every PyTorch golden file against the crate.
//!
//! `cargo test -p regularizers --test pytorch_conformance` checks `tests/golden/` (copied from
//! PyTorch 2.15) and also every `*.json` in the folder named by `REGULARIZERS_GOLDEN_DIR`, if set.
//! It prints one line per folder, `golden: <folder>: N cases checked, M failed`, and fails on any
//! failed case, on any case whose `op` it does not know, and on any error case it cannot map.

mod golden;
mod norm_ops;
mod other_ops;

use golden::{Case, ErrorCase, GoldenFile, Outcome};
use std::path::{Path, PathBuf};

fn run_case(case: &Case) -> Outcome {
    if let Some(o) = norm_ops::run(case) {
        return o;
    }
    if let Some(o) = other_ops::run(case) {
        return o;
    }
    Outcome::fail(format!("unknown op {:?}: no runner for it", case.op))
}

fn run_error(e: &ErrorCase) -> Outcome {
    if let Some(o) = norm_ops::run_error(e) {
        return o;
    }
    if let Some(o) = other_ops::run_error(e) {
        return o;
    }
    Outcome::fail(format!("error case {:?} ({}) is not mapped to a call of this crate", e.name, e.call))
}

fn run_folder(dir: &Path) -> (usize, Vec<String>) {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read golden folder {}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "golden folder {} has no .json files", dir.display());
    let mut checked = 0;
    let mut failures = Vec::new();
    for file in &files {
        let g = GoldenFile::load(file);
        let fname = file.file_name().unwrap().to_string_lossy().to_string();
        for case in &g.cases {
            checked += 1;
            if let Outcome::Fail(msgs) = run_case(case) {
                failures.push(format!("{fname}: case {}: {}", case.name, msgs.join("; ")));
            }
        }
        for e in &g.errors {
            checked += 1;
            if let Outcome::Fail(msgs) = run_error(e) {
                failures.push(format!(
                    "{fname}: error case {} (PyTorch: {}: {}): {}",
                    e.name,
                    e.exception_type,
                    e.message,
                    msgs.join("; ")
                ));
            }
        }
    }
    (checked, failures)
}

fn main() {
    // Under `cargo test -- --list` (used by some runners) just say what this target is.
    if std::env::args().any(|a| a == "--list") {
        println!("pytorch_conformance: test");
        return;
    }
    let mut dirs = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden")];
    if let Ok(extra) = std::env::var("REGULARIZERS_GOLDEN_DIR") {
        if !extra.is_empty() {
            dirs.push(PathBuf::from(extra));
        }
    }
    let mut total_failed = 0;
    for dir in &dirs {
        let (n, failures) = run_folder(dir);
        for f in &failures {
            eprintln!("FAILED {f}");
        }
        println!("golden: {}: {} cases checked, {} failed", dir.display(), n, failures.len());
        total_failed += failures.len();
    }
    if total_failed > 0 {
        eprintln!("{total_failed} golden case(s) failed");
        std::process::exit(1);
    }
}
