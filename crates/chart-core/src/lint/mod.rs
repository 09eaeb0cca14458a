//! Chart linting (Helm 3.17.3's `pkg/lint`): the rules over Chart.yaml, values.yaml, the
//! rendered templates and the dependencies, each finding a [`Message`] with a severity.
//!
//! ```no_run
//! use chart_core::lint::{all, LintOptions};
//! let linter = all("./mychart", &gotmpl::Value::empty_map(), &LintOptions::default());
//! for m in &linter.messages {
//!     println!("{m}");
//! }
//! ```

mod chartfile;
mod dependencies;
pub mod k8s_deprecations;
mod k8s_yaml;
mod templates;
mod validate;
mod values;

use std::fmt;
use std::path::{Path, PathBuf};

use gotmpl::Value;

/// How serious a finding is (Helm's `support.*Sev`), in increasing order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Default)]
pub enum Severity {
    /// Unknown.
    #[default]
    Unknown,
    /// Information (a missing icon, a missing values.yaml).
    Info,
    /// Against convention, but likely to work.
    Warning,
    /// Likely not to work.
    Error,
}

impl Severity {
    /// The upper-case name Helm prints (`INFO`).
    pub fn name(self) -> &'static str {
        match self {
            Severity::Unknown => "UNKNOWN",
            Severity::Info => "INFO",
            Severity::Warning => "WARNING",
            Severity::Error => "ERROR",
        }
    }
}

/// One finding, printed as `[SEVERITY] PATH: MESSAGE`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    /// Severity.
    pub severity: Severity,
    /// What it is about (`Chart.yaml`, `templates/`, `templates/x.yaml`, a directory).
    pub path: String,
    /// The message.
    pub err: String,
}

impl fmt::Display for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{}] {}: {}", self.severity.name(), self.path, self.err)
    }
}

/// A lint run over one chart directory (Helm's `support.Linter`).
#[derive(Clone, Debug, Default)]
pub struct Linter {
    /// The findings, in the order the rules ran.
    pub messages: Vec<Message>,
    /// The highest severity found.
    pub highest: Severity,
    /// The chart directory, absolute.
    pub chart_dir: PathBuf,
    /// What Helm logs on stderr meanwhile (loader warnings, lint-mode `required`/`fail`).
    pub log: Vec<String>,
}

impl Linter {
    /// Records `result` under `path` if it is an error; returns whether it passed.
    fn rule(&mut self, severity: Severity, path: &str, result: Result<(), String>) -> bool {
        match result {
            Ok(()) => true,
            Err(err) => {
                self.messages.push(Message {
                    severity,
                    path: path.to_owned(),
                    err,
                });
                if severity > self.highest {
                    self.highest = severity;
                }
                false
            }
        }
    }

    fn dir_display(&self) -> String {
        self.chart_dir.display().to_string()
    }
}

/// Options of a lint run.
#[derive(Clone, Debug, Default)]
pub struct LintOptions {
    /// `.Release.Namespace`.
    pub namespace: String,
    /// `--kube-version`, already validated (`1.20.0`).
    pub kube_version: Option<String>,
    /// `--skip-schema-validation`.
    pub skip_schema_validation: bool,
}

/// Go's `filepath.Abs` (lexically cleaned, no symlinks resolved).
fn abs_path(p: &Path) -> PathBuf {
    let joined = if p.is_absolute() {
        p.to_path_buf()
    } else {
        std::env::current_dir().unwrap_or_default().join(p)
    };
    let mut out = PathBuf::from("/");
    for c in joined.components() {
        match c {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::Normal(n) => out.push(n),
            _ => {}
        }
    }
    out
}

/// Runs every rule on the chart directory `dir` (Helm's
/// `AllWithKubeVersionAndSchemaValidation`); `values` are the user's merged values.
pub fn all(dir: impl AsRef<Path>, values: &Value, opts: &LintOptions) -> Linter {
    let mut linter = Linter {
        chart_dir: abs_path(dir.as_ref()),
        ..Linter::default()
    };
    chartfile::run(&mut linter);
    values::run(&mut linter, values);
    templates::run(&mut linter, values, opts);
    dependencies::run(&mut linter);
    linter
}
