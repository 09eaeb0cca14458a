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

use std::borrow::Cow;
use std::path::PathBuf;
use std::sync::Arc;

use gotmpl::Value;

pub mod archive;
pub mod create;
pub mod dependencies;
pub mod error;
pub mod filepath;
pub mod files;
pub mod ignore;
pub mod loader;
pub mod metadata;
pub mod save;
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
///
/// A chart loaded from an archive (or from an in-memory file list) holds its files'
/// bytes; a chart loaded from a directory holds only where each file is and its size, and
/// [`File::read`] reads it from disk on every call (nothing is cached: the operating
/// system's page cache makes repeated reads cheap, and the chart stays small).
#[derive(Clone, Debug)]
pub struct File {
    /// Path relative to the chart root, `/`-separated (`templates/deployment.yaml`).
    pub name: String,
    content: Content,
}

/// Where a [`File`]'s bytes are.
#[derive(Clone, Debug)]
enum Content {
    /// In memory (a leading UTF-8 BOM already removed).
    Memory(Arc<[u8]>),
    /// On disk, read on demand.
    Disk(Arc<DiskFile>),
}

/// A file of a chart directory, as found at load time.
#[derive(Debug)]
struct DiskFile {
    /// The path read (a symbolic link's resolved target).
    path: PathBuf,
    /// Size at load time, a leading BOM excluded.
    size: u64,
}

impl File {
    /// A file whose content is `data` (kept as given: strip a BOM beforehand).
    pub fn new(name: impl Into<String>, data: impl Into<Arc<[u8]>>) -> File {
        File {
            name: name.into(),
            content: Content::Memory(data.into()),
        }
    }

    /// A file of a chart directory, read from `path` on demand. `size` is its size at
    /// load time without a leading BOM.
    pub(crate) fn on_disk(name: String, path: PathBuf, size: u64) -> File {
        File {
            name,
            content: Content::Disk(Arc::new(DiskFile { path, size })),
        }
    }

    /// The same content under another name (a subchart's file, its `charts/x/` prefix
    /// removed).
    pub(crate) fn renamed(&self, name: String) -> File {
        File {
            name,
            content: self.content.clone(),
        }
    }

    /// Size in bytes (a leading UTF-8 BOM excluded); for a directory chart, as found at
    /// load time.
    pub fn size(&self) -> u64 {
        match &self.content {
            Content::Memory(d) => d.len() as u64,
            Content::Disk(d) => d.size,
        }
    }

    /// Whether the content is held in memory (archive charts) rather than read from
    /// disk on each [`File::read`] (directory charts).
    pub fn in_memory(&self) -> bool {
        matches!(self.content, Content::Memory(_))
    }

    /// The content, a leading UTF-8 BOM removed: borrowed when held in memory, else read
    /// from disk now. A file that can no longer be read (deleted or replaced since the
    /// chart was loaded, or grown past [`MAX_FILE_SIZE`]) is a [`ChartError::FileRead`].
    pub fn read(&self) -> Result<Cow<'_, [u8]>, ChartError> {
        match &self.content {
            Content::Memory(d) => Ok(Cow::Borrowed(d)),
            Content::Disk(d) => self.read_disk(d).map(Cow::Owned),
        }
    }

    /// [`File::read`] as a shared buffer (what a template's `[]byte` value holds).
    pub fn read_arc(&self) -> Result<Arc<[u8]>, ChartError> {
        match &self.content {
            Content::Memory(d) => Ok(d.clone()),
            Content::Disk(d) => self.read_disk(d).map(Arc::from),
        }
    }

    fn read_disk(&self, d: &DiskFile) -> Result<Vec<u8>, ChartError> {
        use std::io::Read as _;
        let fail = |err: std::io::Error| ChartError::FileRead {
            name: self.name.clone(),
            path: d.path.clone(),
            err: std::io::Error::new(err.kind(), loader::go_io_text(&err)),
        };
        let f = std::fs::File::open(&d.path).map_err(fail)?;
        let meta = f.metadata().map_err(fail)?;
        if !meta.is_file() {
            return Err(fail(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "not a regular file any more",
            )));
        }
        // Bounded: a file grown past the limit since load is refused, not read whole.
        let mut data = Vec::with_capacity(
            usize::try_from(meta.len())
                .unwrap_or(0)
                .min(usize::try_from(MAX_FILE_SIZE + 1).unwrap_or(usize::MAX)),
        );
        f.take(MAX_FILE_SIZE + 1)
            .read_to_end(&mut data)
            .map_err(fail)?;
        if data.len() as u64 > MAX_FILE_SIZE {
            return Err(fail(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("larger than the maximum file size {MAX_FILE_SIZE}"),
            )));
        }
        if data.starts_with(BOM) {
            data.drain(..BOM.len());
        }
        Ok(data)
    }
}

/// The UTF-8 byte order mark, removed from the start of every chart file (as Helm does).
pub(crate) const BOM: &[u8] = b"\xEF\xBB\xBF";

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

    /// values.yaml as written (empty when absent; the last one when an archive holds
    /// several), read again from disk for a directory chart.
    pub fn values_raw(&self) -> Result<Cow<'_, [u8]>, ChartError> {
        match self.raw.iter().rev().find(|f| f.name == "values.yaml") {
            Some(f) => f.read(),
            None => Ok(Cow::Borrowed(&[])),
        }
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
