//! Helpers shared by the golden tests that replay helm-recorded command lines.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// The repository root (canonical when it can be resolved).
pub fn repo_root() -> PathBuf {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    p.canonicalize().unwrap_or(p)
}

/// The case names of a golden directory: every `NAME.args` file, sorted. Fails when
/// fewer than `min` are found (a moved directory must not make the test vacuous).
pub fn case_names(dir: &Path, min: usize) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let n = e.file_name().to_string_lossy().into_owned();
            n.strip_suffix(".args").map(str::to_string)
        })
        .collect();
    names.sort();
    assert!(
        names.len() >= min,
        "expected at least {min} goldens in {}, found {names:?}",
        dir.display()
    );
    names
}
