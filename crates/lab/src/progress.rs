//! A dependency-free progress bar on stderr.

use std::cell::{Cell, RefCell};
use std::io::Write;
use std::time::Instant;

/// Counts finished work units and redraws `[#####.....] done/total label  elapsed` on stderr.
pub struct Progress {
    total: usize,
    done: Cell<usize>,
    label: RefCell<String>,
    start: Instant,
    enabled: bool,
}

impl Progress {
    /// A bar over `total` units; `enabled = false` draws nothing (tests).
    pub fn new(total: usize, enabled: bool) -> Progress {
        let p = Progress { total, done: Cell::new(0), label: RefCell::new(String::new()), start: Instant::now(), enabled };
        p.draw();
        p
    }

    /// Sets the text shown after the bar.
    pub fn set_label(&self, s: &str) {
        *self.label.borrow_mut() = s.to_string();
        self.draw();
    }

    /// One unit done.
    pub fn tick(&self) {
        self.done.set(self.done.get() + 1);
        self.draw();
    }

    /// Finishes the line.
    pub fn finish(&self) {
        if self.enabled {
            eprintln!();
        }
    }

    fn draw(&self) {
        if !self.enabled {
            return;
        }
        let width = 30;
        let done = self.done.get().min(self.total);
        let filled = (done * width).checked_div(self.total).unwrap_or(width);
        let bar: String = "#".repeat(filled) + &".".repeat(width - filled);
        let mut err = std::io::stderr().lock();
        let _ = write!(
            err,
            "\r[{bar}] {done:>4}/{} {:<28} {:>6.1} s",
            self.total,
            self.label.borrow(),
            self.start.elapsed().as_secs_f64()
        );
        let _ = err.flush();
    }
}
