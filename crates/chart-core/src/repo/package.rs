//! `helm package`: load a chart directory, apply `--version`/`--app-version`, check that
//! declared dependencies are present, and save the archive (Helm's `action.Package`).

use std::path::{Path, PathBuf};

use crate::chart::save::{self, SaveError, SaveOptions};
use crate::chart::{self, semver, ChartError};

/// What `helm package` was asked to do.
#[derive(Clone, Debug, Default)]
pub struct PackageOptions {
    /// `--version`: replaces Chart.yaml's `version`.
    pub version: Option<String>,
    /// `--app-version`: replaces Chart.yaml's `appVersion`.
    pub app_version: Option<String>,
    /// How the archive is written.
    pub save: SaveOptions,
}

/// Why packaging failed; messages are Helm's.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PackageError {
    /// The chart did not load.
    #[error(transparent)]
    Load(#[from] ChartError),
    /// The (possibly overridden) version is not a semantic version.
    #[error("{0}")]
    Version(String),
    /// Chart.yaml names dependencies that `charts/` lacks.
    #[error("found in Chart.yaml, but missing in charts/ directory: {}", .0.join(", "))]
    MissingDependencies(Vec<String>),
    /// The chart failed validation before saving.
    #[error("failed to save: chart validation: {0}")]
    Validation(ChartError),
    /// Saving failed.
    #[error("failed to save: {0}")]
    Save(#[from] SaveError),
}

/// Packages the chart directory `path` into `dest` and returns the archive's path
/// (`dest/NAME-VERSION.tgz`).
pub fn package(path: &Path, dest: &Path, opts: &PackageOptions) -> Result<PathBuf, PackageError> {
    let mut ch = chart::load_dir(path)?;
    if let Some(v) = opts.version.as_deref().filter(|v| !v.is_empty()) {
        ch.metadata.version = v.to_string();
    }
    semver::Version::parse(&ch.metadata.version)
        .map_err(|e| PackageError::Version(e.to_string()))?;
    if let Some(v) = opts.app_version.as_deref().filter(|v| !v.is_empty()) {
        ch.metadata.app_version = v.to_string();
    }
    let missing: Vec<String> = ch
        .metadata
        .dependencies
        .iter()
        .filter(|r| !ch.dependencies.iter().any(|d| d.name() == r.name))
        .map(|r| r.name.clone())
        .collect();
    if !missing.is_empty() {
        return Err(PackageError::MissingDependencies(missing));
    }
    ch.metadata.validate().map_err(PackageError::Validation)?;
    Ok(save::save(&ch, dest, &opts.save)?)
}
