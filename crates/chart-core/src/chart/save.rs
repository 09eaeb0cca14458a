//! Writing a loaded chart back out as a `.tgz` archive (Helm's `chartutil.Save`), the
//! core of `helm package`.
//!
//! The archive holds the same entries in the same order as Helm's: `NAME/Chart.yaml`
//! re-serialised from the parsed metadata, `NAME/Chart.lock` (v2 charts), `values.yaml`,
//! `values.schema.json`, the templates, the other files, then every subchart expanded
//! under `NAME/charts/SUB/…`. Unlike Helm, every entry carries the same fixed
//! modification time (see [`SaveOptions::mtime`]), so the same chart always gives the
//! same bytes.
//!
//! ```no_run
//! use chart_core::chart::{self, save::{save, SaveOptions}};
//! let ch = chart::load("./mychart")?;
//! let path = save(&ch, std::path::Path::new("."), &SaveOptions::default())?;
//! println!("{}", path.display());
//! # Ok::<(), chart_core::chart::save::SaveError>(())
//! ```

use std::io::Write;
use std::path::{Path, PathBuf};

use gotmpl::{Map, Value};

use super::metadata::{API_VERSION_V1, API_VERSION_V2};
use super::{Chart, ChartError, Dependency, Lock, Metadata};

/// The gzip header's extra field Helm writes (kept so archives look alike).
const HEADER_EXTRA: &[u8] = b"+aHR0cHM6Ly95b3V0dS5iZS96OVV6MWljandyTQo=";

/// Why a chart could not be saved.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SaveError {
    /// The chart's name would place files outside its directory.
    #[error("\"{0}\" is not a valid chart name")]
    InvalidName(String),
    /// `values.schema.json` is not valid JSON.
    #[error("Invalid JSON in values.schema.json")]
    InvalidSchema,
    /// Metadata could not be written as YAML.
    #[error("cannot write {file}: {message}")]
    Marshal {
        /// The chart-relative file.
        file: String,
        /// The writer's message.
        message: String,
    },
    /// A chart file could not be read.
    #[error(transparent)]
    Chart(#[from] ChartError),
    /// Writing the archive failed.
    #[error("{}: {err}", path.display())]
    Io {
        /// The path written.
        path: PathBuf,
        /// The OS error.
        err: std::io::Error,
    },
}

/// How archives are written.
#[derive(Clone, Debug, Default)]
pub struct SaveOptions {
    /// Modification time of every entry, seconds since the Unix epoch (Helm uses the
    /// current time; a fixed time makes archives reproducible). `SOURCE_DATE_EPOCH` is
    /// what the `chart` command passes when set, else 0.
    pub mtime: u64,
}

/// The JSON object of one dependency as Go's `encoding/json` writes Helm's
/// `chart.Dependency` (`name` and `repository` always, the rest when not empty).
pub fn dependency_value(d: &Dependency) -> Value {
    let mut m = Map::new();
    m.insert("name".into(), Value::str(&d.name));
    put_str(&mut m, "version", &d.version);
    m.insert("repository".into(), Value::str(&d.repository));
    put_str(&mut m, "condition", &d.condition);
    put_list(&mut m, "tags", &d.tags);
    if d.enabled {
        m.insert("enabled".into(), Value::Bool(true));
    }
    if !d.import_values.is_empty() {
        m.insert("import-values".into(), Value::list(d.import_values.clone()));
    }
    put_str(&mut m, "alias", &d.alias);
    Value::map(m)
}

fn put_str(m: &mut Map, key: &str, v: &str) {
    if !v.is_empty() {
        m.insert(key.to_string(), Value::str(v));
    }
}

fn put_list(m: &mut Map, key: &str, v: &[String]) {
    if !v.is_empty() {
        m.insert(
            key.to_string(),
            Value::list(v.iter().map(Value::str).collect()),
        );
    }
}

/// Helm's `chart.Metadata` as a JSON object (empty fields omitted), the form written to
/// a packaged Chart.yaml, to index entries and to release records.
pub fn metadata_value(md: &Metadata) -> Value {
    let mut m = Map::new();
    put_str(&mut m, "name", &md.name);
    put_str(&mut m, "home", &md.home);
    put_list(&mut m, "sources", &md.sources);
    put_str(&mut m, "version", &md.version);
    put_str(&mut m, "description", &md.description);
    put_list(&mut m, "keywords", &md.keywords);
    if !md.maintainers.is_empty() {
        let list = md
            .maintainers
            .iter()
            .map(|x| {
                let mut mm = Map::new();
                put_str(&mut mm, "name", &x.name);
                put_str(&mut mm, "email", &x.email);
                put_str(&mut mm, "url", &x.url);
                Value::map(mm)
            })
            .collect();
        m.insert("maintainers".into(), Value::list(list));
    }
    put_str(&mut m, "icon", &md.icon);
    put_str(&mut m, "apiVersion", &md.api_version);
    put_str(&mut m, "condition", &md.condition);
    put_str(&mut m, "tags", &md.tags);
    put_str(&mut m, "appVersion", &md.app_version);
    if md.deprecated {
        m.insert("deprecated".into(), Value::Bool(true));
    }
    if !md.annotations.is_empty() {
        let mut a = Map::new();
        for (k, v) in &md.annotations {
            a.insert(k.clone(), Value::str(v));
        }
        m.insert("annotations".into(), Value::map(a));
    }
    put_str(&mut m, "kubeVersion", &md.kube_version);
    if !md.dependencies.is_empty() {
        m.insert(
            "dependencies".into(),
            Value::list(md.dependencies.iter().map(dependency_value).collect()),
        );
    }
    put_str(&mut m, "type", &md.chart_type);
    Value::map(m)
}

/// Go's RFC 3339 layout with nanoseconds (trailing zeros dropped).
pub(crate) const RFC3339_NANO: &str = "2006-01-02T15:04:05.999999999Z07:00";

/// A lock's `generated` time as Go writes a parsed `time.Time` back (RFC 3339 with
/// nanoseconds, same offset); text that does not parse is kept.
fn go_time_text(s: &str) -> String {
    match gotime::parse_in_location("2006-01-02T15:04:05Z07:00", s, &gotime::Location::Utc) {
        Ok(t) => t.format(RFC3339_NANO),
        Err(_) => s.to_string(),
    }
}

/// Chart.lock as Helm's `yaml.Marshal(c.Lock)` writes it.
pub fn lock_yaml(lock: &Lock) -> Result<String, SaveError> {
    let mut m = Map::new();
    let deps = if lock.dependencies.is_empty() {
        Value::Nil
    } else {
        Value::list(lock.dependencies.iter().map(dependency_value).collect())
    };
    m.insert("dependencies".into(), deps);
    m.insert("digest".into(), Value::str(&lock.digest));
    m.insert(
        "generated".into(),
        Value::str(go_time_text(&lock.generated)),
    );
    goyaml::marshal(&Value::map(m)).map_err(|e| SaveError::Marshal {
        file: "Chart.lock".into(),
        message: e.to_string(),
    })
}

/// Chart.yaml as `helm package` writes it (v1 charts without `dependencies`, which live
/// in requirements.yaml).
pub fn chartfile_yaml(md: &Metadata) -> Result<String, SaveError> {
    let v = if md.api_version == API_VERSION_V1 && !md.dependencies.is_empty() {
        let mut md = md.clone();
        md.dependencies.clear();
        metadata_value(&md)
    } else {
        metadata_value(md)
    };
    goyaml::marshal(&v).map_err(|e| SaveError::Marshal {
        file: "Chart.yaml".into(),
        message: e.to_string(),
    })
}

fn validate_name(name: &str) -> Result<(), SaveError> {
    if name.is_empty() || name == "." || name == ".." || name.contains('/') || name.contains('\\') {
        return Err(SaveError::InvalidName(name.to_string()));
    }
    Ok(())
}

/// One archive entry: path and bytes.
struct Entry {
    name: String,
    data: Vec<u8>,
}

fn collect(ch: &Chart, prefix: &str, out: &mut Vec<Entry>) -> Result<(), SaveError> {
    validate_name(ch.name())?;
    let base = if prefix.is_empty() {
        ch.name().to_string()
    } else {
        format!("{prefix}/{}", ch.name())
    };
    let mut push = |name: &str, data: Vec<u8>| {
        out.push(Entry {
            name: format!("{base}/{name}"),
            data,
        })
    };
    push("Chart.yaml", chartfile_yaml(&ch.metadata)?.into_bytes());
    if ch.metadata.api_version == API_VERSION_V2 {
        if let Some(lock) = &ch.lock {
            push("Chart.lock", lock_yaml(lock)?.into_bytes());
        }
    }
    for f in ch.raw.iter().filter(|f| f.name == "values.yaml") {
        push("values.yaml", f.read()?.into_owned());
    }
    if let Some(schema) = &ch.schema {
        if serde_json::from_slice::<serde_json::Value>(schema).is_err() {
            return Err(SaveError::InvalidSchema);
        }
        push("values.schema.json", schema.clone());
    }
    for f in ch.templates.iter().chain(ch.files.iter()) {
        push(&f.name, f.read()?.into_owned());
    }
    for dep in &ch.dependencies {
        collect(dep, &format!("{base}/charts"), out)?;
    }
    Ok(())
}

/// Writes the chart as a gzip-compressed tar stream into `w`.
pub fn write_archive(ch: &Chart, w: impl Write, opts: &SaveOptions) -> Result<(), SaveError> {
    let mut entries = Vec::new();
    collect(ch, "", &mut entries)?;
    let io = |err: std::io::Error| SaveError::Io {
        path: PathBuf::from("(archive)"),
        err,
    };
    let gz = flate2::GzBuilder::new()
        .extra(HEADER_EXTRA)
        .comment("Helm")
        .mtime(0)
        .operating_system(255)
        .write(w, flate2::Compression::default());
    let mut tw = tar::Builder::new(gz);
    for e in &entries {
        let mut h = tar::Header::new_ustar();
        h.set_mode(0o644);
        h.set_uid(0);
        h.set_gid(0);
        h.set_mtime(opts.mtime);
        h.set_size(e.data.len() as u64);
        h.set_entry_type(tar::EntryType::Regular);
        tw.append_data(&mut h, &e.name, e.data.as_slice())
            .map_err(io)?;
    }
    let gz = tw.into_inner().map_err(io)?;
    gz.finish().map_err(io)?;
    Ok(())
}

/// Saves the chart as `OUT_DIR/NAME-VERSION.tgz` (creating `out_dir` when missing) and
/// returns that path. The archive is written to a temporary file beside it and renamed
/// into place, so a failure leaves nothing half-written.
pub fn save(ch: &Chart, out_dir: &Path, opts: &SaveOptions) -> Result<PathBuf, SaveError> {
    let ioe = |path: &Path| {
        let path = path.to_path_buf();
        move |err| SaveError::Io { path, err }
    };
    match std::fs::metadata(out_dir) {
        Ok(m) if !m.is_dir() => {
            return Err(SaveError::Io {
                path: out_dir.to_path_buf(),
                err: std::io::Error::other("is not a directory"),
            })
        }
        Ok(_) => {}
        Err(_) => std::fs::create_dir_all(out_dir).map_err(ioe(out_dir))?,
    }
    let file = out_dir.join(format!("{}-{}.tgz", ch.name(), ch.metadata.version));
    let mut buf = Vec::new();
    write_archive(ch, &mut buf, opts)?;
    write_atomic(&file, &buf).map_err(ioe(&file))?;
    Ok(file)
}

/// Writes `data` to `path` through a temporary file in the same directory and a rename.
pub fn write_atomic(path: &Path, data: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty());
    let dir = dir.unwrap_or(Path::new("."));
    let base = path
        .file_name()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{base}.tmp-{}", std::process::id()));
    let res = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(data)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if res.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    res
}
