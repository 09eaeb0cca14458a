//! Go's `path/filepath` pieces the chart layer needs.

use std::path::{Component, Path, PathBuf};

/// Go's `filepath.Clean` for a path made absolute against the working directory
/// (`filepath.Abs`): `.` and `..` removed lexically.
pub fn absolute_clean(path: &Path) -> PathBuf {
    let joined = if path.is_absolute() {
        path.to_path_buf()
    } else {
        match std::env::current_dir() {
            Ok(d) => d.join(path),
            Err(_) => path.to_path_buf(),
        }
    };
    let mut out = PathBuf::new();
    for c in joined.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other.as_os_str()),
        }
    }
    out
}
