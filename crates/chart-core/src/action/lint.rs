//! `helm lint` (Helm's `pkg/action/lint.go`): lint one chart path (directory or `.tgz`)
//! and gather the findings, with `--strict` deciding which severities fail.

use std::path::{Path, PathBuf};

use gotmpl::Value;

use crate::chart::archive::{archive_files, clean};
use crate::chart::{load_files, ChartError};
use crate::lint::{self, LintOptions, Message, Severity};

/// The lint action's settings.
#[derive(Clone, Debug, Default)]
pub struct Lint {
    /// `--strict`: warnings fail too.
    pub strict: bool,
    /// Namespace (`.Release.Namespace`).
    pub namespace: String,
    /// `--kube-version`, already validated.
    pub kube_version: Option<String>,
    /// `--skip-schema-validation`.
    pub skip_schema_validation: bool,
}

/// The outcome of linting one path (Helm's `LintResult`).
#[derive(Clone, Debug, Default)]
pub struct LintResult {
    /// Charts linted (0 when the path was not a chart).
    pub total_charts_linted: usize,
    /// Every finding.
    pub messages: Vec<Message>,
    /// The failures: findings at or above the tolerance, or why the path is not a chart.
    pub errors: Vec<String>,
    /// What Helm logs on stderr meanwhile.
    pub log: Vec<String>,
}

impl LintResult {
    /// Helm's `HasWarningsOrErrors`.
    pub fn has_warnings_or_errors(&self) -> bool {
        self.messages.iter().any(|m| m.severity > Severity::Info) || !self.errors.is_empty()
    }
}

/// Go's `filepath.Join(dir, name)`.
fn go_join(dir: &str, name: &str) -> String {
    clean(&format!("{dir}/{name}"))
}

/// A directory removed when dropped.
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn temp_dir() -> std::io::Result<TempDir> {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let p = std::env::temp_dir().join(format!("helm-lint{}{nanos}", std::process::id()));
    std::fs::create_dir_all(&p)?;
    Ok(TempDir(p))
}

/// Helm's `chartutil.Expand`: writes the archive's files under `dir/CHARTNAME/`.
fn expand(dir: &Path, archive: &Path) -> Result<PathBuf, String> {
    let data = std::fs::read(archive).map_err(|e| {
        format!(
            "unable to open tarball: open {}: {}",
            archive.display(),
            crate::chart::loader::go_io_text(&e)
        )
    })?;
    let wrap = |e: ChartError| format!("unable to extract tarball: {}", e.helm_message());
    let files = archive_files(&data[..]).map_err(wrap)?;
    // Expand only reads the name from a top-level Chart.yaml (an archive of `./name/…`
    // entries has none: its files are named `name/…`).
    let mut name = String::new();
    for f in files.iter().filter(|f| f.name == "Chart.yaml") {
        let md = crate::chart::Metadata::from_yaml(&f.data).map_err(|e| {
            let m = e.helm_message();
            if m.starts_with("cannot load Chart.yaml") {
                format!("unable to extract tarball: {m}")
            } else {
                format!("unable to extract tarball: cannot load Chart.yaml: {m}")
            }
        })?;
        name = md.name;
    }
    if name.is_empty() {
        return Err("unable to extract tarball: chart name not specified".into());
    }
    if name.contains("..") || name.starts_with('/') {
        // SecureJoin keeps the path inside the temporary directory; so does the loader.
        load_files(files.clone()).map_err(wrap)?;
    }
    let root = dir.join(&name);
    for f in &files {
        let p = root.join(&f.name);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| format!("unable to extract tarball: {e}"))?;
        }
        std::fs::write(&p, &f.data).map_err(|e| format!("unable to extract tarball: {e}"))?;
    }
    Ok(root)
}

impl Lint {
    /// Lints the chart at `path` with the user's merged `vals`.
    pub fn run(&self, path: &str, vals: &Value) -> LintResult {
        let mut result = LintResult::default();
        let tolerance = if self.strict {
            Severity::Warning
        } else {
            Severity::Error
        };
        let mut _tmp = None;
        let chart_path = if path.ends_with(".tgz") || path.ends_with(".tar.gz") {
            let t = match temp_dir() {
                Ok(t) => t,
                Err(e) => {
                    result
                        .errors
                        .push(format!("unable to create temp dir to extract tarball: {e}"));
                    return result;
                }
            };
            match expand(&t.0, Path::new(path)) {
                Ok(p) => {
                    _tmp = Some(t);
                    p.display().to_string()
                }
                Err(e) => {
                    result.errors.push(e);
                    return result;
                }
            }
        } else {
            path.to_owned()
        };
        let chart_yaml = go_join(&chart_path, "Chart.yaml");
        if let Err(e) = std::fs::metadata(&chart_yaml) {
            result.errors.push(format!(
                "unable to check Chart.yaml file in chart: stat {chart_yaml}: {}",
                crate::chart::loader::go_io_text(&e)
            ));
            return result;
        }
        let opts = LintOptions {
            namespace: self.namespace.clone(),
            kube_version: self.kube_version.clone(),
            skip_schema_validation: self.skip_schema_validation,
        };
        let linter = lint::all(&chart_path, vals, &opts);
        result.total_charts_linted += 1;
        for m in &linter.messages {
            if m.severity >= tolerance {
                result.errors.push(m.err.clone());
            }
        }
        result.messages = linter.messages;
        result.log = linter.log;
        result
    }
}
