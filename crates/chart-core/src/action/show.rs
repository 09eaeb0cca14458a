//! `helm show`: a chart's definition, values, README and CRDs (Helm's `pkg/action/show.go`),
//! and the local part of Helm's `LocateChart`.
//!
//! ```no_run
//! use chart_core::action::show::{show, ShowFormat, ShowOptions};
//! let out = show("./mychart", ShowFormat::Chart, &ShowOptions::default())?;
//! print!("{out}");
//! # Ok::<(), chart_core::action::show::ShowError>(())
//! ```

use std::path::{Path, PathBuf};

use crate::chart::{self, Chart, ChartError, Metadata};

/// What `helm show` prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShowFormat {
    /// `show all`: chart, values, README and CRDs.
    All,
    /// `show chart`: Chart.yaml as Helm re-serialises it.
    Chart,
    /// `show values`: values.yaml as written (or a JSONPath selection of it).
    Values,
    /// `show readme`: the first README file.
    Readme,
    /// `show crds`: every CRD file of the chart and its subcharts.
    Crds,
}

/// Options of `helm show`.
#[derive(Clone, Debug, Default)]
pub struct ShowOptions {
    /// `--jsonpath` (values only): a JSONPath template applied to the parsed values.
    pub jsonpath: Option<String>,
}

/// Why `show` failed; messages are Helm's.
#[derive(Debug, thiserror::Error)]
pub enum ShowError {
    /// The chart reference could not be resolved to a local path.
    #[error("{0}")]
    Locate(String),
    /// The chart did not load.
    #[error("{}", .0.helm_message())]
    Chart(#[from] ChartError),
    /// Chart.yaml could not be written back as YAML.
    #[error("{0}")]
    Marshal(String),
    /// The `--jsonpath` template did not parse.
    #[error("error parsing jsonpath {template}: {message}")]
    JsonPath {
        /// The template as given.
        template: String,
        /// The parser's message.
        message: String,
    },
}

/// The local part of Helm's `ChartPathOptions.LocateChart`: an existing path becomes
/// absolute; anything else is Helm's error for a path or a repository reference (we have
/// no repositories, so `repo/chart` names a repository that is not configured).
pub fn locate_chart(name: &str) -> Result<PathBuf, ShowError> {
    let name = name.trim();
    if name.starts_with("oci://") {
        return Err(ShowError::Locate(format!(
            "unable to lookup chart {}, missing registry client",
            gotmpl::fmt::go_quote(name)
        )));
    }
    let p = Path::new(name);
    if std::fs::metadata(p).is_ok() {
        return Ok(crate::chart::filepath::absolute_clean(p));
    }
    if p.is_absolute() || name.starts_with('.') {
        return Err(ShowError::Locate(format!(
            "path {} not found",
            gotmpl::fmt::go_quote(name)
        )));
    }
    if name.contains("://") {
        return Err(ShowError::Locate(format!(
            "cannot fetch {name}: downloading charts is not supported"
        )));
    }
    match name.split_once('/') {
        Some((repo, _)) => Err(ShowError::Locate(format!("repo {repo} not found"))),
        None => Err(ShowError::Locate(format!(
            "non-absolute URLs should be in form of repo_name/path_to_chart, got: {name}"
        ))),
    }
}

/// Locates and loads `chart_ref`, then prints it as `helm show FORMAT` does.
pub fn show(chart_ref: &str, format: ShowFormat, opts: &ShowOptions) -> Result<String, ShowError> {
    let path = locate_chart(chart_ref)?;
    let ch = chart::load(&path)?;
    show_chart(&ch, format, opts)
}

/// `helm show` of an already loaded chart.
pub fn show_chart(ch: &Chart, format: ShowFormat, opts: &ShowOptions) -> Result<String, ShowError> {
    let all = format == ShowFormat::All;
    let mut out = String::new();
    if matches!(format, ShowFormat::Chart | ShowFormat::All) {
        out.push_str(&metadata_yaml(&ch.metadata)?);
        out.push('\n');
    }
    // Helm's Values map exists whenever the chart has a values.yaml (even an empty one).
    let values_file = ch.raw.iter().find(|f| f.name == "values.yaml");
    if matches!(format, ShowFormat::Values | ShowFormat::All) && values_file.is_some() {
        if all {
            out.push_str("---\n");
        }
        match opts.jsonpath.as_deref().filter(|t| !t.is_empty()) {
            Some(t) => {
                let jp = jsonpath::JsonPath::parse(t).map_err(|message| ShowError::JsonPath {
                    template: t.to_string(),
                    message,
                })?;
                // Helm ignores execution errors: nothing is printed for a failing path.
                if let Ok(s) = jp.execute(&ch.values) {
                    out.push_str(&s);
                }
            }
            None => {
                for f in ch.raw.iter().filter(|f| f.name == "values.yaml") {
                    out.push_str(&String::from_utf8_lossy(&f.read()?));
                    out.push('\n');
                }
            }
        }
    }
    if matches!(format, ShowFormat::Readme | ShowFormat::All) {
        if let Some(readme) = find_readme(ch) {
            if all {
                out.push_str("---\n");
            }
            out.push_str(&String::from_utf8_lossy(&readme.read()?));
            out.push('\n');
        }
    }
    if matches!(format, ShowFormat::Crds | ShowFormat::All) {
        let crds = ch.crd_objects();
        if let Some((_, first)) = crds.first() {
            if all && !first.read()?.starts_with(b"---") {
                out.push_str("---\n");
            }
        }
        for (_, f) in &crds {
            out.push_str(&String::from_utf8_lossy(&f.read()?));
            out.push('\n');
        }
    }
    Ok(out)
}

const README_NAMES: &[&str] = &["readme.md", "readme.txt", "readme"];

/// The first file of the chart (in load order) named README.md, README.txt or README,
/// any case, at the chart's top level.
fn find_readme(ch: &Chart) -> Option<&chart::File> {
    ch.files
        .iter()
        .find(|f| README_NAMES.iter().any(|n| f.name.eq_ignore_ascii_case(n)))
}

/// Chart.yaml as Helm's `show chart` writes it: the `Metadata` struct through
/// `encoding/json` (empty fields omitted) and back out as YAML (keys sorted).
pub fn metadata_yaml(md: &Metadata) -> Result<String, ShowError> {
    goyaml::marshal(&crate::chart::save::metadata_value(md))
        .map_err(|e| ShowError::Marshal(e.to_string()))
}

pub mod jsonpath;
