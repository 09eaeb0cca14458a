//! Helpers shared by the YAML agreement tests.

use std::path::{Path, PathBuf};

/// The YAML-bearing files under `dir` (recursively), by extension: `yaml`, `yml`, `txt`,
/// `json`, `cases`, and any of `extra`.
pub fn yaml_files(dir: &Path, extra: &[&str], out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            yaml_files(&p, extra, out);
        } else if p.extension().is_some_and(|x| {
            ["yaml", "yml", "txt", "json", "cases"]
                .iter()
                .chain(extra)
                .any(|e| x == *e)
        }) {
            out.push(p);
        }
    }
}
