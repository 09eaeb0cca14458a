//! Charts: the model ([`Chart`], [`Metadata`]), loading from directories and archives
//! ([`load`]), `.helmignore` rules, the `.Files` template object and dependency
//! processing — Helm 3.17's `pkg/chart`, `pkg/chart/loader`, `pkg/ignore`,
//! `pkg/engine/files.go` and `pkg/chartutil/dependencies.go`.
//!
//! ```no_run
//! let chart = chart_core::chart::load("./mychart")?;
//! println!("{} {}", chart.name(), chart.metadata.version);
//! # Ok::<(), chart_core::chart::ChartError>(())
//! ```

use std::sync::Arc;

use gotmpl::Value;

pub mod archive;
pub mod create;
pub mod dependencies;
pub mod error;
pub mod files;
pub mod ignore;
pub mod loader;
pub mod metadata;
pub mod semver;
pub(crate) mod yamlnode;

pub use archive::load_archive;
pub use dependencies::{process_dependencies, HelmValuesOps, ValuesOps};
pub use error::ChartError;
pub use files::Files;
pub use loader::{load, load_dir, load_files, parse_values, BufferedFile};
pub use metadata::{Dependency, Lock, Maintainer, Metadata};

/// Largest total decompressed size of a chart archive (Helm's `MaxDecompressedChartSize`,
/// 100 MiB).
pub const MAX_CHART_SIZE: u64 = 100 * 1024 * 1024;
/// Largest single file of a chart (Helm's `MaxDecompressedFileSize`, 5 MiB).
pub const MAX_FILE_SIZE: u64 = 5 * 1024 * 1024;
/// Most entries read from one archive or directory. Helm has no such limit; ours keeps
/// memory bounded for archives of millions of empty entries.
pub const MAX_ENTRIES: usize = 100_000;

/// A file of a chart: its path relative to the chart root and its content.
#[derive(Clone, Debug)]
pub struct File {
    /// Path relative to the chart root, `/`-separated (`templates/deployment.yaml`).
    pub name: String,
    /// Content (a leading UTF-8 BOM removed).
    pub data: Arc<[u8]>,
}

/// Where a chart sits in the chart tree (Helm keeps a parent pointer instead).
#[derive(Clone, Debug, Default)]
pub(crate) struct ParentInfo {
    /// The parent's `ChartPath` (`root.sub`).
    path: String,
    /// The parent's `ChartFullPath` (`root/charts/sub`).
    full_path: String,
}

/// A loaded chart and its subcharts.
#[derive(Clone, Debug)]
pub struct Chart {
    /// Chart.yaml (plus requirements.yaml dependencies for v1 charts).
    pub metadata: Metadata,
    /// Chart.lock (or requirements.lock).
    pub lock: Option<Lock>,
    /// Every file under `templates/`, in load order.
    pub templates: Vec<File>,
    /// The files `.Files` sees: everything that is not Chart.yaml, Chart.lock, values.yaml,
    /// values.schema.json, a template or a subchart.
    pub files: Vec<File>,
    /// Every file as loaded, subcharts' included (Helm's `Chart.Raw`).
    pub raw: Vec<File>,
    /// values.yaml as written (empty when absent).
    pub values_raw: Vec<u8>,
    /// values.yaml parsed: always a map.
    pub values: Value,
    /// values.schema.json.
    pub schema: Option<Vec<u8>>,
    /// Subcharts (from `charts/`), after dependency processing only the enabled ones.
    pub dependencies: Vec<Chart>,
    /// Warnings Helm would log while loading (symlinks followed, deprecated files).
    pub warnings: Vec<String>,
    parent: Option<ParentInfo>,
}

impl Default for Chart {
    fn default() -> Self {
        Chart {
            metadata: Metadata::default(),
            lock: None,
            templates: Vec::new(),
            files: Vec::new(),
            raw: Vec::new(),
            values_raw: Vec::new(),
            values: Value::empty_map(),
            schema: None,
            dependencies: Vec::new(),
            warnings: Vec::new(),
            parent: None,
        }
    }
}

impl Chart {
    /// The chart's name (Chart.yaml `name`, or the alias after dependency processing).
    pub fn name(&self) -> &str {
        &self.metadata.name
    }

    /// Whether this is the top chart.
    pub fn is_root(&self) -> bool {
        self.parent.is_none()
    }

    /// Helm's `ChartPath`: names joined by `.` from the root (`root.sub.subsub`).
    pub fn chart_path(&self) -> String {
        match &self.parent {
            Some(p) => format!("{}.{}", p.path, self.name()),
            None => self.name().to_owned(),
        }
    }

    /// Helm's `ChartFullPath`: `root/charts/sub/charts/subsub`, the prefix of template names.
    pub fn chart_full_path(&self) -> String {
        match &self.parent {
            Some(p) => format!("{}/charts/{}", p.full_path, self.name()),
            None => self.name().to_owned(),
        }
    }

    /// Replaces the subcharts, making this chart their parent.
    pub fn set_dependencies(&mut self, deps: Vec<Chart>) {
        self.dependencies = deps;
        let me = self.parent.clone();
        self.fix_paths(me);
    }

    /// Recomputes the parent information of this chart and every descendant.
    pub(crate) fn fix_paths(&mut self, parent: Option<ParentInfo>) {
        self.parent = parent;
        let me = ParentInfo {
            path: self.chart_path(),
            full_path: self.chart_full_path(),
        };
        for d in &mut self.dependencies {
            d.fix_paths(Some(me.clone()));
        }
    }

    /// Sets the chart's name (an alias), keeping descendants' paths right.
    pub fn rename(&mut self, name: &str) {
        self.metadata.name = name.to_owned();
        let p = self.parent.clone();
        self.fix_paths(p);
    }

    /// The `.Files` object of this chart.
    pub fn files_object(&self) -> Files {
        Files::new(&self.files)
    }

    /// CRD files of this chart and, recursively, its subcharts (Helm's `CRDObjects`):
    /// `(path as shown in output, file)`; files under `crds/` with a `.yaml`, `.yml` or
    /// `.json` extension (any case).
    pub fn crd_objects(&self) -> Vec<(String, File)> {
        let mut out = Vec::new();
        let full = self.chart_full_path();
        for f in &self.files {
            if f.name.starts_with("crds/") && has_manifest_extension(&f.name) {
                out.push((format!("{full}/{}", f.name), f.clone()));
            }
        }
        for d in &self.dependencies {
            out.extend(d.crd_objects());
        }
        out
    }
}

fn has_manifest_extension(name: &str) -> bool {
    let base = name.rsplit('/').next().unwrap_or(name);
    match base.rfind('.') {
        Some(i) => {
            let ext = &base[i..];
            ext.eq_ignore_ascii_case(".yaml")
                || ext.eq_ignore_ascii_case(".yml")
                || ext.eq_ignore_ascii_case(".json")
        }
        None => false,
    }
}
