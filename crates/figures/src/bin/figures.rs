//! Writes every figure into `src/<lang>/figures/` of the book (run with `cargo run -p figures`).

use std::path::PathBuf;

fn main() -> std::io::Result<()> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut written = 0;
    let mut unchanged = 0;
    for (name, lang, svg) in figures::all_figures() {
        let dir = root.join("src").join(lang.dir()).join("figures");
        std::fs::create_dir_all(&dir)?;
        let path = dir.join(name);
        if std::fs::read_to_string(&path).is_ok_and(|old| old == svg) {
            unchanged += 1;
            continue;
        }
        std::fs::write(&path, svg)?;
        println!("wrote src/{}/figures/{}", lang.dir(), name);
        written += 1;
    }
    println!("{written} figure(s) written, {unchanged} unchanged");
    Ok(())
}
