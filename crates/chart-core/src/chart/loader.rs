//! Loading a chart from a directory, and turning a flat file list into a [`Chart`]
//! (Helm's `pkg/chart/loader`: `LoadDir`, `LoadFiles`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use gotmpl::Value;

use super::error::ChartError;
use super::ignore::{Rules, HELM_IGNORE};
use super::metadata::{Lock, Metadata, API_VERSION_V1};
use super::{archive, Chart, File, BOM, MAX_ENTRIES, MAX_FILE_SIZE};

/// One file read from a chart directory or archive, before classification.
#[derive(Clone, Debug)]
pub struct BufferedFile {
    /// Path relative to the chart root, `/`-separated.
    pub name: String,
    /// Content (a leading UTF-8 BOM already removed).
    pub data: Arc<[u8]>,
}

/// Go's message for common I/O errors (`no such file or directory`).
pub fn go_io_text(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => {
            let s = e.to_string();
            match s.find(" (os error") {
                Some(i) => s[..i].to_lowercase(),
                None => s,
            }
        }
    }
}

fn io_err(op: &str, path: &Path, e: std::io::Error) -> ChartError {
    ChartError::Io {
        path: PathBuf::from(format!("{op} {}", path.display())),
        err: std::io::Error::new(e.kind(), go_io_text(&e)),
    }
}

pub(crate) fn read_file(path: &Path) -> Result<Vec<u8>, ChartError> {
    std::fs::read(path).map_err(|e| io_err("open", path, e))
}

/// Opens `path` and tells whether it starts with a UTF-8 BOM.
fn starts_with_bom(path: &Path) -> Result<bool, ChartError> {
    use std::io::Read as _;
    let f = std::fs::File::open(path).map_err(|e| io_err("open", path, e))?;
    let mut head = Vec::with_capacity(BOM.len());
    f.take(BOM.len() as u64)
        .read_to_end(&mut head)
        .map_err(|e| io_err("open", path, e))?;
    Ok(head == BOM)
}

/// Reads a file `size` bytes long (as its metadata said): one read when the size still
/// holds, the rest read to the end (bounded) when the file changed meanwhile.
fn read_known_size(path: &Path, size: u64) -> Result<Vec<u8>, ChartError> {
    use std::io::Read as _;
    let fail = |e| io_err("open", path, e);
    let mut f = std::fs::File::open(path).map_err(fail)?;
    let want = usize::try_from(size).unwrap_or(0);
    let mut data = vec![0u8; want + 1];
    let n = loop {
        match f.read(&mut data) {
            Ok(n) => break n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(fail(e)),
        }
    };
    data.truncate(n);
    if n != want || n == 0 {
        // Grown, shrunk or empty: read on to the end, bounded by the size limit.
        f.take(MAX_FILE_SIZE + 1)
            .read_to_end(&mut data)
            .map_err(fail)?;
        if data.len() as u64 > MAX_FILE_SIZE {
            return Err(too_large(path));
        }
    }
    Ok(data)
}

/// Helm's error for a file of a chart directory over [`MAX_FILE_SIZE`] (by base name).
fn too_large(path: &Path) -> ChartError {
    ChartError::DirFileTooLarge {
        name: path
            .file_name()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default(),
        limit: MAX_FILE_SIZE,
    }
}

/// Whether the directory `rel` (relative to the loaded chart's root) is the chart's root
/// or one of its subchart directories (`charts/NAME`, `charts/NAME/charts/OTHER`, …).
fn is_chart_dir(rel: &str) -> bool {
    if rel.is_empty() {
        return true;
    }
    let parts: Vec<&str> = rel.split('/').collect();
    parts.len().is_multiple_of(2)
        && parts
            .chunks(2)
            .all(|p| p[0] == "charts" && !p[1].is_empty())
}

/// Whether `rel` (relative to the loaded chart's root) is a file under the `templates/`
/// directory of the chart or of one of its subchart directories (`charts/NAME/…`).
fn is_template_path(rel: &str) -> bool {
    let mut parts = rel.split('/');
    loop {
        match parts.next() {
            Some("templates") => return parts.next().is_some(),
            Some("charts") => {
                if parts.next().is_none() {
                    return false;
                }
            }
            _ => return false,
        }
    }
}

/// Loads a chart from a path: a directory, or a `.tgz` archive (Helm's `loader.Load`).
pub fn load(path: impl AsRef<Path>) -> Result<Chart, ChartError> {
    let path = path.as_ref();
    let meta = std::fs::metadata(path).map_err(|e| io_err("stat", path, e))?;
    if meta.is_dir() {
        load_dir(path)
    } else {
        archive::load_file(path)
    }
}

struct Walker<'a> {
    root: PathBuf,
    rules: &'a Rules,
    files: Vec<File>,
    warnings: Vec<String>,
    /// Big `values.yaml` files of the chart and its subchart directories, read and
    /// handed to a parser thread as soon as their directory is listed, by path: the
    /// walk reaches them only after `charts/` and `templates/`.
    early: std::collections::HashMap<String, ValuesJob>,
    /// The parses of `early` files the walk then took, by path.
    jobs: std::collections::HashMap<String, ValuesJob>,
    /// Directories currently being walked, as (device, inode) (symlink cycle
    /// detection: a directory reached again inside itself is a loop). Identities come
    /// from the metadata already read, where canonical paths cost a `readlink` per
    /// path component of every directory.
    stack: Vec<(u64, u64)>,
}

impl Walker<'_> {
    fn walk_dir(&mut self, dir: &Path, rel: &str) -> Result<(), ChartError> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .map_err(|e| io_err("open", dir, e))?
            .map(|e| {
                e.map(|e| e.file_name().to_string_lossy().into_owned())
                    .map_err(|e| io_err("readdirent", dir, e))
            })
            .collect::<Result<_, _>>()?;
        names.sort();
        if is_chart_dir(rel)
            && names
                .binary_search_by(|n| n.as_str().cmp("values.yaml"))
                .is_ok()
        {
            self.start_values(&dir.join("values.yaml"), rel);
        }
        for name in names {
            let path = dir.join(&name);
            let n = if rel.is_empty() {
                name.clone()
            } else {
                format!("{rel}/{name}")
            };
            self.visit(&path, &n)?;
        }
        Ok(())
    }

    /// Reads a big regular `values.yaml` of the chart directory `rel` now and parses it
    /// on another thread. Anything unusual (a link, a small or too big file, an error)
    /// is left to the walk, which reaches the file in its turn.
    fn start_values(&mut self, path: &Path, rel: &str) {
        let Ok(meta) = std::fs::symlink_metadata(path) else {
            return;
        };
        let len = meta.len();
        if !meta.is_file() || len < PARALLEL_VALUES_MIN as u64 || len > MAX_FILE_SIZE {
            return;
        }
        let Ok(mut data) = read_known_size(path, len) else {
            return;
        };
        if data.starts_with(BOM) {
            data.drain(..BOM.len());
        }
        let data: Arc<[u8]> = data.into();
        let key = if rel.is_empty() {
            "values.yaml".to_owned()
        } else {
            format!("{rel}/values.yaml")
        };
        self.early.insert(key, spawn_values(data));
    }

    fn visit(&mut self, path: &Path, n: &str) -> Result<(), ChartError> {
        let lmeta = std::fs::symlink_metadata(path).map_err(|e| io_err("lstat", path, e))?;
        let (meta, target) = if lmeta.file_type().is_symlink() {
            let resolved = std::fs::canonicalize(path)
                .map_err(|e| io_err("error evaluating symlink", path, e))?;
            if !resolved.starts_with(&self.root) {
                return Err(ChartError::SymlinkOutside {
                    link: path.to_path_buf(),
                    target: resolved,
                });
            }
            self.warnings.push(format!(
                "walk.go:75: found symbolic link in path: {} resolves to {}. Contents of linked file included and used",
                path.display(),
                resolved.display()
            ));
            let m =
                std::fs::symlink_metadata(&resolved).map_err(|e| io_err("lstat", &resolved, e))?;
            (m, Some(resolved))
        } else {
            (lmeta, None)
        };
        if meta.is_dir() {
            if self.rules.ignore(n, true) {
                return Ok(());
            }
            let id = dir_id(&meta);
            if self.stack.contains(&id) || self.stack.len() > 255 {
                return Err(ChartError::SymlinkLoop(path.to_path_buf()));
            }
            self.stack.push(id);
            let r = self.walk_dir(path, n);
            self.stack.pop();
            return r;
        }
        if self.rules.ignore(n, false) {
            return Ok(());
        }
        if !meta.is_file() {
            return Err(ChartError::IrregularFile(path.to_path_buf()));
        }
        if meta.len() > MAX_FILE_SIZE {
            return Err(too_large(target.as_deref().unwrap_or(path)));
        }
        if self.files.len() >= MAX_ENTRIES {
            return Err(ChartError::TooManyFiles(MAX_ENTRIES));
        }
        // Opened now, so that an unreadable file is refused at load time as when its
        // content was read here. A template is read whole: it will be parsed anyway, and
        // one read now costs fewer system calls than a BOM check now and a read later.
        // Other files are read when asked; only their first bytes are read now (for the
        // BOM).
        if target.is_none() {
            if let Some(job) = self.early.remove(n) {
                self.files.push(File::new(n.to_owned(), job.1.clone()));
                self.jobs.insert(n.to_owned(), job);
                return Ok(());
            }
        }
        let real = target.unwrap_or_else(|| path.to_path_buf());
        if is_template_path(n) {
            let mut data = read_known_size(&real, meta.len())?;
            if data.starts_with(BOM) {
                data.drain(..BOM.len());
            }
            // Parsed early when the program asked for it (see `gotmpl::early`).
            let data: Arc<[u8]> = data.into();
            gotmpl::early::submit(data.clone());
            self.files.push(File::new(n.to_owned(), data));
            return Ok(());
        }
        let bom = starts_with_bom(&real)?;
        let size = meta
            .len()
            .saturating_sub(if bom { BOM.len() as u64 } else { 0 });
        self.files.push(File::on_disk(n.to_owned(), real, size));
        Ok(())
    }
}

/// A directory's identity on its file system.
fn dir_id(meta: &std::fs::Metadata) -> (u64, u64) {
    use std::os::unix::fs::MetadataExt as _;
    (meta.dev(), meta.ino())
}

/// Loads a chart directory (Helm's `loader.LoadDir`): `.helmignore` applied, symlinks
/// inside the chart followed (with a warning, as Helm logs), symlinks leaving the chart
/// refused.
pub fn load_dir(dir: impl AsRef<Path>) -> Result<Chart, ChartError> {
    let dir = dir.as_ref();
    let root = std::fs::canonicalize(dir).map_err(|e| io_err("lstat", dir, e))?;
    let ifile = root.join(HELM_IGNORE);
    let mut rules = if ifile.exists() {
        Rules::parse(&read_file(&ifile)?)?
    } else {
        Rules::empty()
    };
    rules.add_defaults();
    let mut w = Walker {
        root: root.clone(),
        rules: &rules,
        files: Vec::new(),
        warnings: Vec::new(),
        early: Default::default(),
        jobs: Default::default(),
        stack: vec![dir_id(
            &std::fs::metadata(&root).map_err(|e| io_err("lstat", &root, e))?,
        )],
    };
    w.walk_dir(&root, "")?;
    let warnings = std::mem::take(&mut w.warnings);
    let mut c = load_chart_files_with(std::mem::take(&mut w.files), &mut w.jobs, "")?;
    c.warnings.splice(0..0, warnings);
    Ok(c)
}

/// The text of `b`: borrowed when it is valid UTF-8 (checked a word at a time), else
/// with U+FFFD for invalid bytes.
pub(crate) fn utf8_fast(b: &[u8]) -> std::borrow::Cow<'_, str> {
    match std::str::from_utf8(b) {
        Ok(s) => std::borrow::Cow::Borrowed(s),
        Err(_) => String::from_utf8_lossy(b),
    }
}

/// The single place where values.yaml text becomes a value.
///
/// TEMPORARY: until `goyaml::from_yaml` (Helm's YAML 1.1 semantics) lands, JSON
/// input goes through serde_json and anything else through serde-saphyr with every number
/// as a float (as Helm's YAML→JSON→Go pipeline makes them). The coordinator switches this
/// function to `goyaml::from_yaml`.
pub fn parse_values(bytes: &[u8], path: &str) -> Result<Value, ChartError> {
    let text = utf8_fast(bytes);
    let v = goyaml::from_yaml(&text).map_err(|e| {
        let full = e.to_string();
        if let Some(m) = full.strip_prefix("error converting YAML to JSON: ") {
            ChartError::Yaml {
                file: path.to_owned(),
                message: m.to_owned(),
            }
        } else {
            ChartError::Decode {
                file: path.to_owned(),
                message: full
                    .strip_prefix("error unmarshaling JSON: while decoding JSON: ")
                    .unwrap_or(&full)
                    .to_owned(),
            }
        }
    })?;
    match v {
        Value::Nil => Ok(Value::empty_map()),
        Value::Map(_) => Ok(v),
        other => Err(ChartError::Decode {
            file: path.to_owned(),
            message: format!(
                "json: cannot unmarshal {} into Go value of type map[string]interface {{}}",
                match other {
                    Value::List(_) => "array",
                    Value::Str(_) => "string",
                    Value::Bool(_) => "bool",
                    _ => "number",
                }
            ),
        }),
    }
}

/// Classifies a flat file list into a chart (Helm's `loader.LoadFiles`).
///
/// A big `values.yaml` is parsed on another thread while the rest of the chart (its
/// subcharts above all) loads; errors are still reported in Helm's order.
pub fn load_files(files: Vec<BufferedFile>) -> Result<Chart, ChartError> {
    load_chart_files(
        files
            .into_iter()
            .map(|f| File::new(f.name, f.data))
            .collect(),
    )
}

/// [`load_files`] of files in memory or on disk.
pub(crate) fn load_chart_files(files: Vec<File>) -> Result<Chart, ChartError> {
    load_chart_files_with(files, &mut Default::default(), "")
}

/// [`load_chart_files`] of the chart at `prefix` (`""`, `charts/NAME/`, …) of a directory
/// walk, whose big `values.yaml` files may be parsing already (`jobs`, by path).
fn load_chart_files_with(
    files: Vec<File>,
    jobs: &mut std::collections::HashMap<String, ValuesJob>,
    prefix: &str,
) -> Result<Chart, ChartError> {
    let mut values_job: Option<ValuesJob> = None;
    match load_files_with(files, jobs, prefix, &mut values_job) {
        Ok(mut c) => {
            if let Some(v) = join_values(values_job)? {
                c.values = v;
            }
            Ok(c)
        }
        Err(e) => {
            // An error found after values.yaml was handed off: the values error, if
            // there is one, came first.
            join_values(values_job)?;
            Err(e)
        }
    }
}

/// `text` parsed as values on another thread.
fn spawn_values(text: Arc<[u8]>) -> ValuesJob {
    let t = text.clone();
    (
        std::thread::spawn(move || parse_values(&t, "values.yaml")),
        text,
    )
}

/// `values.yaml` files at least this big are parsed on their own thread.
const PARALLEL_VALUES_MIN: usize = 16 * 1024;

/// A values.yaml parse running on its own thread, with the text it reads.
type ValuesJob = (
    std::thread::JoinHandle<Result<Value, ChartError>>,
    Arc<[u8]>,
);

/// The values parse running on its own thread, if any, joined: its error comes first.
fn join_values(job: Option<ValuesJob>) -> Result<Option<Value>, ChartError> {
    match job {
        None => Ok(None),
        Some((h, data)) => match h.join() {
            Ok(r) => r.map(Some),
            // The thread panicked: parse here instead.
            Err(_) => parse_values(&data, "values.yaml").map(Some),
        },
    }
}

fn load_files_with(
    files: Vec<File>,
    jobs: &mut std::collections::HashMap<String, ValuesJob>,
    prefix: &str,
    values_job: &mut Option<ValuesJob>,
) -> Result<Chart, ChartError> {
    let mut c = Chart::default();
    let mut md: Option<Metadata> = None;
    for f in &files {
        c.raw.push(f.clone());
        if f.name == "Chart.yaml" {
            let m = md.get_or_insert_with(Metadata::default);
            m.decode_into("Chart.yaml", &f.read()?)?;
            if m.api_version.is_empty() {
                m.api_version = API_VERSION_V1.into();
            }
        }
    }
    let mut subcharts: BTreeMap<String, Vec<File>> = BTreeMap::new();
    for f in files {
        match f.name.as_str() {
            "Chart.yaml" => {}
            "Chart.lock" => c.lock = Some(Lock::from_yaml("Chart.lock", &f.read()?)?),
            "values.yaml" => {
                let data = f.read_arc()?;
                let early = jobs
                    .remove(&format!("{prefix}values.yaml"))
                    .filter(|j| Arc::ptr_eq(&j.1, &data));
                if let (Some(job), None) = (early, &values_job) {
                    *values_job = Some(job);
                } else if data.len() >= PARALLEL_VALUES_MIN && values_job.is_none() {
                    *values_job = Some(spawn_values(data));
                } else {
                    // A second values.yaml entry (possible in an archive) replaces the
                    // first, as in Helm; the first's error, if any, comes first.
                    join_values(values_job.take())?;
                    c.values = parse_values(&data, "values.yaml")?;
                }
            }
            "values.schema.json" => c.schema = Some(f.read()?.into_owned()),
            "requirements.yaml" => {
                let m = md.get_or_insert_with(Metadata::default);
                if m.api_version != API_VERSION_V1 {
                    c.warnings.push("load.go:120: Warning: Dependencies are handled in Chart.yaml since apiVersion \"v2\". We recommend migrating dependencies to Chart.yaml.".into());
                }
                m.decode_into("requirements.yaml", &f.read()?)?;
                if m.api_version == API_VERSION_V1 {
                    c.files.push(f);
                }
            }
            "requirements.lock" => {
                c.lock = Some(Lock::from_yaml("requirements.lock", &f.read()?)?);
                let m = md.get_or_insert_with(Metadata::default);
                if m.api_version != API_VERSION_V1 {
                    c.warnings.push("load.go:138: Warning: Dependency locking is handled in Chart.lock since apiVersion \"v2\". We recommend migrating to Chart.lock.".into());
                }
                if m.api_version == API_VERSION_V1 {
                    c.files.push(f);
                }
            }
            n if n.starts_with("templates/") => c.templates.push(f),
            n if n.starts_with("charts/") => {
                if n.rsplit('/').next().is_some_and(|b| b.ends_with(".prov")) {
                    c.files.push(f);
                    continue;
                }
                let fname = &n["charts/".len()..];
                let cname = fname.split('/').next().unwrap_or(fname).to_owned();
                let renamed = f.renamed(fname.to_owned());
                subcharts.entry(cname).or_default().push(renamed);
            }
            _ => c.files.push(f),
        }
    }
    let Some(mut md) = md else {
        return Err(ChartError::MissingChartYaml);
    };
    md.validate()?;
    c.metadata = md;
    let parent_name = c.metadata.name.clone();
    for (n, group) in subcharts {
        if n.starts_with('_') || n.starts_with('.') {
            continue;
        }
        let wrap = |e: ChartError| ChartError::Subchart {
            name: n.clone(),
            parent: parent_name.clone(),
            source: Box::new(e),
        };
        let sc = if n.ends_with(".tgz") {
            let Some(first) = group.first() else {
                continue;
            };
            if first.name != n {
                return Err(ChartError::SubchartTar {
                    parent: parent_name,
                    expected: n.clone(),
                    got: first.name.clone(),
                });
            }
            archive::load_archive(&first.read().map_err(wrap)?[..]).map_err(wrap)?
        } else {
            let buff: Vec<File> = group
                .into_iter()
                .filter_map(|f| {
                    let (_, rest) = f.name.split_once('/')?;
                    Some(f.renamed(rest.to_owned()))
                })
                .collect();
            load_chart_files_with(buff, jobs, &format!("{prefix}charts/{n}/")).map_err(wrap)?
        };
        c.dependencies.push(sc);
    }
    c.fix_paths(None);
    Ok(c)
}
