//! The golden cases of the weight-decay, dropout and augmentation chapters only (dropout.json,
//! optim_weight_decay.json, label_smoothing.json, mixup_cutmix.json and their entries in errors.json),
//! through the same runner as `pytorch_conformance`, so this part can be checked on its own.
#![allow(dead_code)]

#[path = "pytorch_conformance/golden.rs"]
mod golden;
#[path = "pytorch_conformance/other_ops.rs"]
mod other_ops;

use golden::{GoldenFile, Outcome};
use std::path::Path;

const FILES: [&str; 4] = ["dropout.json", "optim_weight_decay.json", "label_smoothing.json", "mixup_cutmix.json"];
const FAMILIES: [&str; 4] = ["dropout", "optim_weight_decay", "label_smoothing", "mixup_cutmix"];

#[test]
fn every_case_and_error_of_our_golden_files_passes() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let (mut checked, mut failures) = (0, Vec::new());
    for f in FILES {
        let g = GoldenFile::load(&dir.join(f));
        for case in &g.cases {
            checked += 1;
            match other_ops::run(case) {
                Some(Outcome::Pass) => {}
                Some(Outcome::Fail(m)) => failures.push(format!("{f}: {}: {}", case.name, m.join("; "))),
                None => failures.push(format!("{f}: {}: op {:?} not handled", case.name, case.op)),
            }
        }
        for e in &g.errors {
            checked += 1;
            match other_ops::run_error(e) {
                Some(Outcome::Pass) => {}
                Some(Outcome::Fail(m)) => failures.push(format!("{f}: error {}: {}", e.name, m.join("; "))),
                None => failures.push(format!("{f}: error {} not mapped", e.name)),
            }
        }
    }
    // errors.json repeats every error case; ours are the ones whose family is one of our four.
    let errors: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("errors.json")).unwrap()).unwrap();
    for e in errors["errors"].as_array().unwrap() {
        if !FAMILIES.contains(&e["family"].as_str().unwrap_or("")) {
            continue;
        }
        let ec: golden::ErrorCase = serde_json::from_value(e.clone()).unwrap();
        checked += 1;
        match other_ops::run_error(&ec) {
            Some(Outcome::Pass) => {}
            Some(Outcome::Fail(m)) => failures.push(format!("errors.json: {}: {}", ec.name, m.join("; "))),
            None => failures.push(format!("errors.json: {} not mapped", ec.name)),
        }
    }
    println!("golden (weight decay, dropout, augmentation): {checked} checked, {} failed", failures.len());
    assert!(failures.is_empty(), "{} failure(s):\n{}", failures.len(), failures.join("\n"));
    // 62 cases + 17 errors in the four files, and the same 17 errors again in errors.json.
    assert_eq!(checked, 62 + 17 + 17, "unexpected number of cases");
}
