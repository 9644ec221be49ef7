//! Runs every experiment and writes the figures and the results tables.
//!
//! `cargo run --release -p lab --bin experiments` (what `cargo xtask figures` runs):
//! full scale, writes `src/{zh,en}/figures/exp-*.svg` and `crates/lab/results/summary-{zh,en}.md`.
//! `--small`: the test's scale, writes `crates/lab/tests/expected/` instead.

use std::path::{Path, PathBuf};
use std::time::Instant;

fn write_if_changed(path: &Path, text: &str, written: &mut usize, unchanged: &mut usize) -> std::io::Result<()> {
    if std::fs::read_to_string(path).is_ok_and(|old| old == text) {
        *unchanged += 1;
        return Ok(());
    }
    std::fs::create_dir_all(path.parent().expect("parent"))?;
    std::fs::write(path, text)?;
    *written += 1;
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let small = std::env::args().any(|a| a == "--small");
    let scale = if small { lab::Scale::small() } else { lab::Scale::full() };
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let lab_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    eprintln!("lab: running the experiments at {} scale (single thread)", scale.name);
    let start = Instant::now();
    let out = lab::run_suite(&scale, true)?;
    let secs = start.elapsed().as_secs_f64();
    let (mut written, mut unchanged) = (0, 0);
    for (name, lang, svg) in &out.figures {
        let path = if small {
            lab_dir.join("tests/expected").join(format!("small-{}-{name}", lang.dir()))
        } else {
            root.join("src").join(lang.dir()).join("figures").join(name)
        };
        write_if_changed(&path, svg, &mut written, &mut unchanged)?;
    }
    let (dir, prefix) = if small { (lab_dir.join("tests/expected"), "small-") } else { (lab_dir.join("results"), "") };
    write_if_changed(&dir.join(format!("{prefix}summary-zh.md")), &out.summary_zh, &mut written, &mut unchanged)?;
    write_if_changed(&dir.join(format!("{prefix}summary-en.md")), &out.summary_en, &mut written, &mut unchanged)?;
    eprintln!("lab: {written} file(s) written, {unchanged} unchanged; experiments took {secs:.1} s");
    Ok(())
}
