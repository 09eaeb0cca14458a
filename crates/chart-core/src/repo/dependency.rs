//! `helm dependency list`: the declared dependencies of a chart and the state of each in
//! `charts/` (Helm's `action.Dependency.List`).

use std::path::Path;

use crate::chart::semver::{Constraints, Version};
use crate::chart::{self, Chart, ChartError, Dependency};

/// One row of `helm dependency list`.
#[derive(Clone, Debug)]
pub struct DependencyRow {
    /// `name`.
    pub name: String,
    /// `version` (the constraint as declared).
    pub version: String,
    /// `repository`.
    pub repository: String,
    /// `ok`, `missing`, `wrong version`, `too many matches`, `misnamed`, `corrupt`,
    /// `unpacked` or `invalid version`.
    pub status: String,
}

/// What `helm dependency list` prints, before formatting.
#[derive(Clone, Debug, Default)]
pub struct DependencyList {
    /// One row per declared dependency; empty when the chart declares none.
    pub rows: Vec<DependencyRow>,
    /// Warnings printed after the table (or instead of it).
    pub warnings: Vec<String>,
    /// The chart declares no dependencies.
    pub none: bool,
}

/// Go's `filepath.Join` of two parts (lexically cleaned).
pub fn go_join(a: &str, b: &str) -> String {
    let joined = if a.is_empty() {
        b.to_string()
    } else {
        format!("{a}/{b}")
    };
    let abs = joined.starts_with('/');
    let mut out: Vec<&str> = Vec::new();
    for seg in joined.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                if out.last().is_some_and(|s| *s != "..") {
                    out.pop();
                } else if !abs {
                    out.push("..");
                }
            }
            s => out.push(s),
        }
    }
    let body = out.join("/");
    match (abs, body.is_empty()) {
        (true, _) => format!("/{body}"),
        (false, true) => ".".into(),
        (false, false) => body,
    }
}

fn satisfies(constraint: &str, version: &str) -> Option<bool> {
    let c = Constraints::parse(constraint).ok()?;
    let v = Version::parse(version).ok()?;
    Some(c.check(&v))
}

fn version_status(declared: &str, actual: &str) -> Option<&'static str> {
    if actual == declared {
        return None;
    }
    match satisfies(declared, actual) {
        None => Some("invalid version"),
        Some(false) => Some("wrong version"),
        Some(true) => None,
    }
}

fn archive_status(archive: &Path, dep: &Dependency) -> &'static str {
    let Ok(c) = chart::load(archive) else {
        return "corrupt";
    };
    if c.name() != dep.name {
        return "misnamed";
    }
    version_status(&dep.version, &c.metadata.version).unwrap_or("ok")
}

/// Sorted names of `dir`'s entries matching `pred`.
fn sorted_entries(dir: &Path, pred: impl Fn(&str) -> bool) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| pred(n))
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

fn status(chartpath: &str, dep: &Dependency, parent: &Chart) -> String {
    let charts = Path::new(chartpath).join("charts");
    let prefix = format!("{}-", dep.name);
    let archives = sorted_entries(&charts, |n| n.starts_with(&prefix) && n.ends_with(".tgz"));
    if archives.len() > 1 {
        let found: Vec<&String> = archives
            .iter()
            .filter(|a| {
                let v = &a[prefix.len()..a.len() - 4];
                Version::parse_strict(v).is_ok()
            })
            .collect();
        if found.len() == 1 {
            return archive_status(&charts.join(found[0]), dep).to_string();
        } else if found.len() > 1 {
            return "too many matches".into();
        }
    } else if archives.len() == 1 {
        return archive_status(&charts.join(&archives[0]), dep).to_string();
    }
    let Some(sub) = parent
        .dependencies
        .iter()
        .rev()
        .find(|c| c.name() == dep.name)
    else {
        return "missing".into();
    };
    version_status(&dep.version, &sub.metadata.version)
        .unwrap_or("unpacked")
        .to_string()
}

/// `helm dependency list CHART`.
pub fn list(chartpath: &str) -> Result<DependencyList, ChartError> {
    let c = chart::load(chartpath)?;
    let mut out = DependencyList::default();
    if c.metadata.dependencies.is_empty() {
        out.none = true;
        out.warnings.push(format!(
            "WARNING: no dependencies at {}",
            go_join(chartpath, "charts")
        ));
        return Ok(out);
    }
    for d in &c.metadata.dependencies {
        out.rows.push(DependencyRow {
            name: d.name.clone(),
            version: d.version.clone(),
            repository: d.repository.clone(),
            status: status(chartpath, d, &c),
        });
    }
    let charts_dir = go_join(chartpath, "charts");
    for name in sorted_entries(Path::new(&charts_dir), |_| true) {
        let f = format!("{charts_dir}/{name}");
        let p = Path::new(&f);
        if !p.is_dir() && !name.ends_with(".tgz") {
            continue;
        }
        let q = gotmpl::fmt::go_quote(&f);
        match chart::load(p) {
            Err(_) => out.warnings.push(format!("WARNING: {q} is not a chart.")),
            Ok(sub) => {
                if !c.metadata.dependencies.iter().any(|d| d.name == sub.name()) {
                    out.warnings
                        .push(format!("WARNING: {q} is not in Chart.yaml."));
                }
            }
        }
    }
    Ok(out)
}
