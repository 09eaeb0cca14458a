//! The error type of chart loading and dependency processing.

use std::path::PathBuf;

/// Everything that can go wrong while loading a chart or processing its dependencies.
///
/// Messages follow Helm 3.17's texts where Helm has one. Wrapping variants
/// ([`ChartError::Subchart`]) do not repeat their source in `Display`: print the chain
/// (`{:#}` with anyhow) to get Helm's `error unpacking subchart x in p: <cause>`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ChartError {
    /// A file or directory could not be read.
    #[error("{}: {err}", path.display())]
    Io {
        /// The path that failed.
        path: PathBuf,
        /// The OS error (kept out of `source()`: the message already shows it).
        err: std::io::Error,
    },
    /// A file of a chart directory could not be read after the chart was loaded (it was
    /// deleted, replaced or grown past the size limit in the meantime).
    #[error("cannot read chart file {name} ({}): {err}", path.display())]
    FileRead {
        /// The chart-relative file name.
        name: String,
        /// The path on disk.
        path: PathBuf,
        /// The OS error, in Go's words.
        err: std::io::Error,
    },
    /// A YAML file of the chart is not valid YAML (`file` is the path inside the chart).
    #[error("cannot load {file}: error converting YAML to JSON: {message}")]
    Yaml {
        /// The chart-relative file name (`Chart.yaml`, `values.yaml`, …).
        file: String,
        /// The parser's message, with line and column.
        message: String,
    },
    /// A typed file (Chart.yaml, Chart.lock, requirements.yaml) has a field of the wrong type.
    #[error("cannot load {file}: error unmarshaling JSON: while decoding JSON: {message}")]
    Decode {
        /// The chart-relative file name.
        file: String,
        /// Go's `encoding/json` message (`json: cannot unmarshal string into Go struct
        /// field Metadata.keywords of type []string`).
        message: String,
    },
    /// `Chart.yaml` failed validation (`validation: chart.metadata.name is required`).
    #[error("validation: {0}")]
    Validation(String),
    /// The chart has no `Chart.yaml`.
    #[error("Chart.yaml file is missing")]
    MissingChartYaml,
    /// A `.helmignore` line uses `**`.
    #[error("double-star (**) syntax is not supported")]
    IgnoreDoubleStar,
    /// A `.helmignore` line is not a valid glob (Go's `filepath.ErrBadPattern`).
    #[error("syntax error in pattern")]
    IgnoreBadPattern,
    /// A directory entry is neither a regular file, a directory nor a symlink to one.
    #[error("cannot load irregular file {} as it has file mode type bits set", .0.display())]
    IrregularFile(PathBuf),
    /// A file of a chart directory is larger than [`super::MAX_FILE_SIZE`].
    #[error("chart file {name:?} is larger than the maximum file size {limit}")]
    DirFileTooLarge {
        /// The file's base name.
        name: String,
        /// The limit in bytes.
        limit: u64,
    },
    /// A symbolic link in a chart directory resolves outside the chart (Helm would follow
    /// it; we refuse, see COMPATIBILITY).
    #[error("symbolic link {} resolves to {} outside the chart directory", link.display(), target.display())]
    SymlinkOutside {
        /// The link.
        link: PathBuf,
        /// Where it points.
        target: PathBuf,
    },
    /// Symbolic links nest deeper than we follow (a cycle).
    #[error("too many levels of symbolic links at {}", .0.display())]
    SymlinkLoop(PathBuf),
    /// A chart (directory or archive) has more files than [`super::MAX_ENTRIES`].
    #[error("chart has more than {0} files")]
    TooManyFiles(usize),
    /// `load` was given a path that is neither a directory nor a gzip file.
    #[error("file '{file}' does not appear to be a gzipped archive; got '{mime}'")]
    NotGzip {
        /// The path as given.
        file: String,
        /// The sniffed content type.
        mime: String,
    },
    /// `load` was given a YAML file instead of an archive.
    #[error("file '{0}' seems to be a YAML file, but expected a gzipped archive")]
    SeemsYaml(String),
    /// The gzip stream or tar structure is corrupt.
    #[error("{0}")]
    BadArchive(String),
    /// An archive entry has an absolute path.
    #[error("chart illegally contains absolute paths")]
    AbsolutePath,
    /// An archive entry lies at the archive root (outside the chart's directory).
    #[error("chart illegally contains content outside the base directory: {0:?}")]
    OutsideBase(String),
    /// An archive entry escapes with `..`.
    #[error("chart illegally references parent directory")]
    ParentReference,
    /// An archive entry has a Windows drive path.
    #[error("chart contains illegally named files")]
    IllegalName,
    /// An archive's `Chart.yaml` is not inside a directory.
    #[error("chart yaml not in base directory")]
    ChartYamlNotInBase,
    /// The archive decompresses to more than [`super::MAX_CHART_SIZE`].
    #[error("decompressed chart is larger than the maximum file size {0}")]
    ArchiveTooLarge(u64),
    /// One archive entry is larger than [`super::MAX_FILE_SIZE`].
    #[error("decompressed chart file {name:?} is larger than the maximum file size {limit}")]
    ArchiveFileTooLarge {
        /// The entry name as stored.
        name: String,
        /// The limit in bytes.
        limit: u64,
    },
    /// The archive holds no files.
    #[error("no files in chart archive")]
    EmptyArchive,
    /// A `charts/x.tgz` group holds more than the archive itself.
    #[error("error unpacking subchart tar in {parent}: expected {expected}, got {got}")]
    SubchartTar {
        /// The parent chart's name.
        parent: String,
        /// The expected entry name.
        expected: String,
        /// The entry found.
        got: String,
    },
    /// A subchart failed to load.
    #[error("error unpacking subchart {name} in {parent}")]
    Subchart {
        /// The entry name under `charts/`.
        name: String,
        /// The parent chart's name.
        parent: String,
        /// Why.
        #[source]
        source: Box<ChartError>,
    },
    /// A malformed `import-values` entry (Helm panics on these).
    #[error(
        "dependency {dependency:?}: import-values entry needs string \"child\" and \"parent\" keys"
    )]
    ImportValues {
        /// The dependency's name.
        dependency: String,
    },
    /// Values coalescing failed during dependency processing.
    #[error("{0}")]
    Values(String),
}

impl ChartError {
    /// The whole message chain joined with `": "`, as Helm prints wrapped errors.
    pub fn helm_message(&self) -> String {
        let mut s = self.to_string();
        let mut cur: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(self);
        while let Some(e) = cur {
            s.push_str(": ");
            s.push_str(&e.to_string());
            cur = e.source();
        }
        s
    }
}
