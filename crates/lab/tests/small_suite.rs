//! The experiment suite at its small scale reproduces the committed outputs in `tests/expected/`
//! byte for byte (regenerate them with `cargo run --release -p lab --bin experiments -- --small`),
//! and the committed full-scale outputs are complete and well formed.

use figures::Lang;
use std::path::PathBuf;

fn lab_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn small_suite_matches_the_committed_outputs() {
    let out = lab::run_suite(&lab::Scale::small(), false).unwrap();
    let dir = lab_dir().join("tests/expected");
    let mut checked = 0;
    for (name, lang, svg) in &out.figures {
        let path = dir.join(format!("small-{}-{name}", lang.dir()));
        let committed = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(committed == *svg, "{} differs from a fresh small run (regenerate with `cargo run --release -p lab --bin experiments -- --small`)", path.display());
        checked += 1;
    }
    for (lang, text) in [("zh", &out.summary_zh), ("en", &out.summary_en)] {
        let path = dir.join(format!("small-summary-{lang}.md"));
        assert_eq!(&std::fs::read_to_string(&path).unwrap(), text, "{} differs from a fresh small run", path.display());
        checked += 1;
    }
    assert_eq!(checked, 16);
}

#[test]
fn the_suite_is_deterministic() {
    let a = lab::run_suite(&lab::Scale::small(), false).unwrap();
    let b = lab::run_suite(&lab::Scale::small(), false).unwrap();
    assert!(a == b);
}

#[test]
fn full_scale_figures_are_committed_in_both_languages() {
    let out = lab::run_suite(&lab::Scale::small(), false).unwrap();
    let root = lab_dir().join("../..");
    let names: Vec<&String> = out.figures.iter().filter(|f| f.1 == Lang::Zh).map(|f| &f.0).collect();
    assert_eq!(names.len(), 7);
    for name in names {
        for lang in ["zh", "en"] {
            let path = root.join("src").join(lang).join("figures").join(name);
            let svg = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}; run `cargo xtask figures`", path.display()));
            assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""), "{}", path.display());
            assert!(svg.trim_end().ends_with("</svg>"), "{}", path.display());
            let tag = if lang == "zh" { r#"xml:lang="zh-CN""# } else { r#"xml:lang="en""# };
            assert!(svg.contains(tag), "{}: wrong language", path.display());
            assert!(!svg.contains("NaN"), "{}: non-finite number", path.display());
        }
    }
    for lang in ["zh", "en"] {
        let summary = std::fs::read_to_string(lab_dir().join(format!("results/summary-{lang}.md"))).unwrap();
        assert!(summary.contains("(full scale)"), "{lang}: results/summary-{lang}.md must come from a full run");
        for anchor in ["digits", "norm-batch", "mc-dropout", "adamw", "l1-zeros", "variance-shift"] {
            assert!(summary.contains(&format!("ANCHOR: {anchor} ")) && summary.contains(&format!("ANCHOR_END: {anchor} ")), "{lang}: {anchor}");
        }
    }
}

#[test]
fn digits_data_set_is_complete() {
    let d = lab::data::digits();
    assert_eq!(d.len(), 1797);
    assert_eq!(d.x.ncols(), 64);
    assert!(d.x.iter().all(|&v| (0.0..=1.0).contains(&v)));
    let mut counts = [0usize; 10];
    for &y in &d.y {
        counts[y] += 1;
    }
    assert!(counts.iter().all(|&c| (170..=190).contains(&c)), "{counts:?}");
    let (pool, test) = lab::data::split(&d);
    assert_eq!((pool.len(), test.len()), (1000, 797));
}

#[test]
fn no_stray_experiment_figures() {
    // Every src/<lang>/figures/exp-*.svg is one this crate writes (crates/figures owns the others).
    let out = lab::run_suite(&lab::Scale::small(), false).unwrap();
    let names: Vec<&str> = out.figures.iter().map(|f| f.0.as_str()).collect();
    for lang in ["zh", "en"] {
        let dir = lab_dir().join("../../src").join(lang).join("figures");
        for e in std::fs::read_dir(&dir).unwrap().flatten() {
            let file = e.file_name().into_string().unwrap();
            if file.starts_with("exp-") {
                assert!(names.contains(&file.as_str()), "src/{lang}/figures/{file} is not produced by crates/lab");
            }
        }
    }
}
