//! `helm create`: scaffold a new chart from the starter built into this crate (our own
//! files in `crates/chart-core/starter/`, with `<CHARTNAME>` replaced by the chart name),
//! with Helm's checks and messages (Helm's `chartutil.Create`).
//!
//! ```no_run
//! let out = chart_core::chart::create::create("mychart")?;
//! println!("created {}", out.dir.display());
//! # Ok::<(), chart_core::chart::create::CreateError>(())
//! ```

use std::path::{Path, PathBuf};

use super::loader::go_io_text;

/// The starter files: path inside the new chart and content, in the order Helm writes its
/// own scaffold (so `WARNING … Overwriting` lines come in Helm's order).
pub const STARTER_FILES: &[(&str, &str)] = &[
    ("Chart.yaml", include_str!("../../starter/Chart.yaml")),
    ("values.yaml", include_str!("../../starter/values.yaml")),
    (".helmignore", include_str!("../../starter/.helmignore")),
    (
        "templates/ingress.yaml",
        include_str!("../../starter/templates/ingress.yaml"),
    ),
    (
        "templates/deployment.yaml",
        include_str!("../../starter/templates/deployment.yaml"),
    ),
    (
        "templates/service.yaml",
        include_str!("../../starter/templates/service.yaml"),
    ),
    (
        "templates/serviceaccount.yaml",
        include_str!("../../starter/templates/serviceaccount.yaml"),
    ),
    (
        "templates/hpa.yaml",
        include_str!("../../starter/templates/hpa.yaml"),
    ),
    (
        "templates/NOTES.txt",
        include_str!("../../starter/templates/NOTES.txt"),
    ),
    (
        "templates/_helpers.tpl",
        include_str!("../../starter/templates/_helpers.tpl"),
    ),
    (
        "templates/tests/test-connection.yaml",
        include_str!("../../starter/templates/tests/test-connection.yaml"),
    ),
];

/// The placeholder replaced by the chart name in every starter file.
pub const PLACEHOLDER: &str = "<CHARTNAME>";

/// Longest chart name Helm accepts.
pub const MAX_CHART_NAME_LENGTH: usize = 250;

/// Why `create` failed; messages are Helm's.
#[derive(Debug, thiserror::Error)]
pub enum CreateError {
    /// The name is empty or too long.
    #[error("chart name must be between 1 and {MAX_CHART_NAME_LENGTH} characters")]
    NameLength,
    /// The name has characters outside `[a-zA-Z0-9._-]`.
    #[error("chart name must match the regular expression \"^[a-zA-Z0-9._-]+$\"")]
    NameChars,
    /// The parent directory is not a directory.
    #[error("no such directory {}", .0.display())]
    NotADirectory(PathBuf),
    /// The chart's directory exists as a file.
    #[error("file {} already exists and is not a directory", .0.display())]
    FileExists(PathBuf),
    /// A file system operation failed (`stat /x: no such file or directory`).
    #[error("{op} {}: {msg}", path.display())]
    Io {
        /// Go's operation name (`stat`, `mkdir`, `open`).
        op: &'static str,
        /// The path.
        path: PathBuf,
        /// Go's text of the OS error.
        msg: String,
    },
}

/// What `create` did.
#[derive(Debug, Default)]
pub struct Created {
    /// The new chart's directory (absolute).
    pub dir: PathBuf,
    /// Helm's `WARNING: File "…" already exists. Overwriting.` lines, in order.
    pub warnings: Vec<String>,
}

/// Go's `filepath.Base`: the last element, trailing slashes dropped; `.` for empty.
pub fn go_base(p: &str) -> &str {
    if p.is_empty() {
        return ".";
    }
    let t = p.trim_end_matches('/');
    if t.is_empty() {
        return "/";
    }
    match t.rfind('/') {
        Some(i) => t.get(i + 1..).unwrap_or(t),
        None => t,
    }
}

/// Go's `filepath.Dir`: everything before the last element (`.` when there is none).
pub fn go_dir(p: &str) -> PathBuf {
    match p.rfind('/') {
        Some(0) => PathBuf::from("/"),
        Some(i) => PathBuf::from(p.get(..i).unwrap_or(".")),
        None => PathBuf::from("."),
    }
}

fn validate_name(name: &str) -> Result<(), CreateError> {
    if name.is_empty() || name.len() > MAX_CHART_NAME_LENGTH {
        return Err(CreateError::NameLength);
    }
    if !name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
    {
        return Err(CreateError::NameChars);
    }
    Ok(())
}

fn io(op: &'static str, path: &Path, e: &std::io::Error) -> CreateError {
    CreateError::Io {
        op,
        path: path.to_path_buf(),
        msg: go_io_text(e),
    }
}

/// The starter's files for chart `name`: (path inside the chart, content).
pub fn starter_files(name: &str) -> Vec<(&'static str, String)> {
    STARTER_FILES
        .iter()
        .map(|(p, c)| (*p, c.replace(PLACEHOLDER, name)))
        .collect()
}

/// `helm create PATH`: the chart is named after the last element of `path` and created
/// in a directory of that name inside `path`'s parent, which must exist. Files already
/// there are overwritten (with a warning each).
pub fn create(path: &str) -> Result<Created, CreateError> {
    let name = go_base(path);
    validate_name(name)?;
    let parent = super::filepath::absolute_clean(&go_dir(path));
    match std::fs::metadata(&parent) {
        Err(e) => return Err(io("stat", &parent, &e)),
        Ok(m) if !m.is_dir() => return Err(CreateError::NotADirectory(parent)),
        Ok(_) => {}
    }
    let dir = super::filepath::absolute_clean(&parent.join(name));
    if let Ok(m) = std::fs::metadata(&dir) {
        if !m.is_dir() {
            return Err(CreateError::FileExists(dir));
        }
    }
    let mut out = Created {
        dir: dir.clone(),
        warnings: Vec::new(),
    };
    for (rel, content) in starter_files(name) {
        let file = dir.join(rel);
        if std::fs::metadata(&file).is_ok() {
            out.warnings.push(format!(
                "WARNING: File {} already exists. Overwriting.",
                gotmpl::fmt::go_quote(&file.to_string_lossy())
            ));
        }
        if let Some(p) = file.parent() {
            std::fs::create_dir_all(p).map_err(|e| io("mkdir", p, &e))?;
        }
        std::fs::write(&file, content).map_err(|e| io("open", &file, &e))?;
    }
    let charts = dir.join("charts");
    std::fs::create_dir_all(&charts).map_err(|e| io("mkdir", &charts, &e))?;
    Ok(out)
}

/// Why `create --starter` failed.
#[derive(Debug, thiserror::Error)]
pub enum CreateFromError {
    /// The name or directory was refused, or a file could not be written.
    #[error(transparent)]
    Create(#[from] CreateError),
    /// The starter did not load as a chart.
    #[error("could not load {}: {source}", .path.display())]
    Load {
        /// The starter's path.
        path: PathBuf,
        /// Why.
        source: super::ChartError,
    },
    /// Writing Chart.yaml or a dependency archive failed.
    #[error(transparent)]
    Save(#[from] super::save::SaveError),
}

/// `helm create PATH --starter STARTER` (helm's `CreateFrom` then `SaveDir`): the chart
/// at `starter` is loaded, given the metadata `helm create` writes, `<CHARTNAME>` is
/// replaced in its templates and values.yaml, and it is saved into `PATH`'s parent.
pub fn create_from(path: &str, starter: &Path) -> Result<Created, CreateFromError> {
    let name = go_base(path);
    validate_name(name)?;
    let mut ch = super::load(starter).map_err(|source| CreateFromError::Load {
        path: starter.to_path_buf(),
        source,
    })?;
    let mut md = super::Metadata::default();
    md.api_version = "v2".into();
    md.name = name.to_string();
    md.description = "A Helm chart for Kubernetes".into();
    md.chart_type = "application".into();
    md.version = "0.1.0".into();
    md.app_version = "0.1.0".into();
    ch.metadata = md;
    let transform = |data: &[u8]| -> Vec<u8> {
        String::from_utf8_lossy(data)
            .replace(PLACEHOLDER, name)
            .into_bytes()
    };
    let dest = go_dir(path);
    let dir = dest.join(name);
    if let Ok(m) = std::fs::metadata(&dir) {
        if !m.is_dir() {
            return Err(CreateError::FileExists(dir).into());
        }
    }
    std::fs::create_dir_all(&dir).map_err(|e| io("mkdir", &dir, &e))?;
    let write = |rel: &str, data: &[u8]| -> Result<(), CreateError> {
        let file = dir.join(rel);
        if let Some(p) = file.parent() {
            std::fs::create_dir_all(p).map_err(|e| io("mkdir", p, &e))?;
        }
        std::fs::write(&file, data).map_err(|e| io("open", &file, &e))
    };
    write(
        "Chart.yaml",
        super::save::chartfile_yaml(&ch.metadata)?.as_bytes(),
    )?;
    let read = |f: &super::File| {
        f.read()
            .map(|d| d.into_owned())
            .map_err(|source| CreateFromError::Load {
                path: starter.to_path_buf(),
                source,
            })
    };
    for f in ch.raw.iter().filter(|f| f.name == "values.yaml") {
        write("values.yaml", &transform(&read(f)?))?;
    }
    if let Some(schema) = &ch.schema {
        write("values.schema.json", schema)?;
    }
    for f in &ch.templates {
        write(&f.name, &transform(&read(f)?))?;
    }
    for f in &ch.files {
        write(&f.name, &read(f)?)?;
    }
    let charts = dir.join("charts");
    for dep in &ch.dependencies {
        super::save::save(dep, &charts, &super::save::SaveOptions::default())?;
    }
    Ok(Created {
        dir,
        warnings: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_path_helpers() {
        assert_eq!(go_base("a/b/"), "b");
        assert_eq!(go_base(""), ".");
        assert_eq!(go_base("/"), "/");
        assert_eq!(go_dir("a/b"), PathBuf::from("a"));
        assert_eq!(go_dir("b"), PathBuf::from("."));
        assert_eq!(go_dir("/b"), PathBuf::from("/"));
    }

    #[test]
    fn starter_has_no_placeholder_left() {
        for (p, c) in starter_files("demo") {
            assert!(!c.contains(PLACEHOLDER), "{p}");
        }
    }
}
