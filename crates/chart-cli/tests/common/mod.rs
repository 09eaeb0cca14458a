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

/// Fails when a file of `dir` named `STEM.EXT`, with EXT one of `exts`, belongs to no case
/// (no `STEM.args`), unless it is one of the `inputs`: the goldens of a case whose `.args`
/// went missing must fail the test, not be skipped.
pub fn assert_no_orphans(dir: &Path, names: &[String], exts: &[&str], inputs: &[&str]) {
    let mut orphans: Vec<String> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|f| !inputs.contains(&f.as_str()))
        .filter(|f| {
            f.rsplit_once('.')
                .is_some_and(|(stem, ext)| exts.contains(&ext) && !names.iter().any(|n| n == stem))
        })
        .collect();
    orphans.sort();
    assert!(
        orphans.is_empty(),
        "goldens in {} that belong to no case (no NAME.args): {orphans:?}",
        dir.display()
    );
}
