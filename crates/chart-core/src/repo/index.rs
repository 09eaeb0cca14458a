//! A chart repository's `index.yaml` (Helm's `repo.IndexFile`): reading (YAML or JSON),
//! version selection, building one from a directory of archives, merging and writing.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use gotmpl::{Map, Value};
use serde_json::Value as J;
use sha2::{Digest as _, Sha256};

use crate::chart::save::{metadata_value, RFC3339_NANO};
use crate::chart::semver::{Constraints, Version};
use crate::chart::{Dependency, Maintainer, Metadata};

/// Largest index accepted (bytes). Helm has no limit; a bigger file is refused before
/// parsing so a hostile server cannot exhaust memory.
pub const MAX_INDEX_SIZE: u64 = 256 * 1024 * 1024;

/// Why an index could not be read or used; messages are Helm's where it has one.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IndexError {
    /// The file is empty.
    #[error("empty index.yaml file")]
    Empty,
    /// No top-level `apiVersion`.
    #[error("no API version specified")]
    NoApiVersion,
    /// The text is neither valid JSON nor valid YAML of an index.
    #[error("error unmarshaling JSON: {0}")]
    Parse(String),
    /// The YAML reader's error, worded as Helm's (`error converting YAML to JSON: …`).
    #[error("{0}")]
    Yaml(String),
    /// The file is larger than [`MAX_INDEX_SIZE`].
    #[error("index is larger than the maximum of {MAX_INDEX_SIZE} bytes")]
    TooLarge,
    /// No chart of that name.
    #[error("no chart name found")]
    NoChartName,
    /// The chart has no versions.
    #[error("no chart version found")]
    NoChartVersion,
    /// No version satisfies the request.
    #[error("no chart version found for {name}-{version}")]
    NoMatch {
        /// Chart name.
        name: String,
        /// Requested version or constraint.
        version: String,
    },
    /// The version constraint does not parse.
    #[error("{0}")]
    Constraint(String),
    /// A file could not be read or written.
    #[error("{}: {err}", path.display())]
    Io {
        /// The path.
        path: PathBuf,
        /// The OS error.
        err: std::io::Error,
    },
    /// A cached or merged index file that does not load (Helm's `LoadIndexFile`).
    #[error("error loading {}: {err}", path.display())]
    Loading {
        /// The file.
        path: PathBuf,
        /// Why.
        err: Box<IndexError>,
    },
    /// An archive's metadata failed validation while indexing.
    #[error("failed adding to {file} to index: validate failed for {file}: {message}")]
    Invalid {
        /// The archive's name relative to the directory.
        file: String,
        /// The validation message.
        message: String,
    },
}

/// One version of a chart in an index.
#[derive(Clone, Debug, Default)]
pub struct ChartVersion {
    /// The chart's metadata.
    pub metadata: Metadata,
    /// Where the archive can be downloaded (relative to the repository or absolute).
    pub urls: Vec<String>,
    /// When the entry was made (RFC 3339 text, as read or written).
    pub created: String,
    /// `removed`.
    pub removed: bool,
    /// Hex SHA-256 of the archive (no `sha256:` prefix).
    pub digest: String,
}

/// A repository index.
#[derive(Clone, Debug, Default)]
pub struct IndexFile {
    /// `apiVersion` (`v1`).
    pub api_version: String,
    /// `generated` (RFC 3339 text).
    pub generated: String,
    /// Chart name → versions, newest first once sorted.
    pub entries: BTreeMap<String, Vec<ChartVersion>>,
    /// `publicKeys`.
    pub public_keys: Vec<String>,
    /// `annotations`.
    pub annotations: BTreeMap<String, String>,
}

/// The current time as Go's `time.Now()` prints in JSON (RFC 3339 with nanoseconds,
/// local zone).
pub fn now_text() -> String {
    gotime::GoTime::now().format(RFC3339_NANO)
}

fn j_str(v: &J) -> Option<String> {
    match v {
        J::String(s) => Some(s.clone()),
        J::Number(n) => Some(n.to_string()),
        J::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn j_str_list(v: &J) -> Vec<String> {
    match v {
        J::Array(a) => a.iter().filter_map(j_str).collect(),
        _ => Vec::new(),
    }
}

fn dependency_from(v: &J) -> Option<Dependency> {
    let m = v.as_object()?;
    let s = |k: &str| m.get(k).and_then(j_str).unwrap_or_default();
    Some(Dependency {
        name: s("name"),
        version: s("version"),
        repository: s("repository"),
        condition: s("condition"),
        tags: m.get("tags").map(j_str_list).unwrap_or_default(),
        enabled: m.get("enabled").and_then(J::as_bool).unwrap_or(false),
        import_values: match m.get("import-values") {
            Some(J::Array(a)) => a.iter().map(Value::from_json).collect(),
            _ => Vec::new(),
        },
        alias: s("alias"),
        ..Dependency::default()
    })
}

/// Chart metadata from an index entry's JSON object.
pub fn metadata_from_json(m: &serde_json::Map<String, J>) -> Metadata {
    let s = |k: &str| m.get(k).and_then(j_str).unwrap_or_default();
    let l = |k: &str| m.get(k).map(j_str_list).unwrap_or_default();
    let mut md = Metadata::default();
    md.name = s("name");
    md.home = s("home");
    md.version = s("version");
    md.description = s("description");
    md.icon = s("icon");
    md.api_version = s("apiVersion");
    md.condition = s("condition");
    md.tags = s("tags");
    md.app_version = s("appVersion");
    md.kube_version = s("kubeVersion");
    md.chart_type = s("type");
    md.sources = l("sources");
    md.keywords = l("keywords");
    md.deprecated = m.get("deprecated").and_then(J::as_bool).unwrap_or(false);
    if let Some(J::Array(a)) = m.get("maintainers") {
        md.maintainers = a
            .iter()
            .filter_map(J::as_object)
            .map(|x| {
                let s = |k: &str| x.get(k).and_then(j_str).unwrap_or_default();
                Maintainer {
                    name: s("name"),
                    email: s("email"),
                    url: s("url"),
                }
            })
            .collect();
    }
    if let Some(J::Object(a)) = m.get("annotations") {
        for (k, v) in a {
            md.annotations
                .insert(k.clone(), j_str(v).unwrap_or_default());
        }
    }
    if let Some(J::Array(a)) = m.get("dependencies") {
        md.dependencies = a.iter().filter_map(dependency_from).collect();
    }
    md
}

/// Sorts one chart's versions newest first (unparsable versions last; equal versions keep
/// their order).
pub fn sort_versions(vs: &mut Vec<ChartVersion>) {
    let mut keyed: Vec<(Option<Version>, ChartVersion)> = std::mem::take(vs)
        .into_iter()
        .map(|cv| (ver(&cv.metadata.version), cv))
        .collect();
    keyed.sort_by(|(a, _), (b, _)| match (a, b) {
        (Some(a), Some(b)) => b.compare(a),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => std::cmp::Ordering::Equal,
    });
    *vs = keyed.into_iter().map(|(_, cv)| cv).collect();
}

/// Reads an index file (at most [`MAX_INDEX_SIZE`] bytes).
pub fn read_index_file(path: &Path) -> Result<Vec<u8>, IndexError> {
    let meta = std::fs::metadata(path).map_err(|err| IndexError::Io {
        path: path.to_path_buf(),
        err,
    })?;
    if meta.len() > MAX_INDEX_SIZE {
        return Err(IndexError::TooLarge);
    }
    std::fs::read(path).map_err(|err| IndexError::Io {
        path: path.to_path_buf(),
        err,
    })
}

/// Helm's `LoadIndexFile` wrapping of a load error (`error loading PATH: …`).
fn loading(path: &Path, err: IndexError) -> IndexError {
    IndexError::Loading {
        path: path.to_path_buf(),
        err: Box::new(err),
    }
}

/// Go's `semver.NewVersion` of an entry (None when unparsable).
fn ver(s: &str) -> Option<Version> {
    Version::parse(s).ok()
}

impl IndexFile {
    /// A new empty index (`apiVersion: v1`, generated now).
    pub fn new() -> IndexFile {
        IndexFile {
            api_version: "v1".into(),
            generated: now_text(),
            ..IndexFile::default()
        }
    }

    /// Reads index text as Helm's `loadIndex` does: null entries skipped, entries that
    /// fail validation dropped (with Helm's log line in `warnings`), versions sorted newest
    /// first.
    pub fn load(
        data: &[u8],
        source: &str,
        warnings: &mut Vec<String>,
    ) -> Result<IndexFile, IndexError> {
        IndexFile::load_charts(data, source, warnings, &|_| true)
    }

    /// [`IndexFile::load`] keeping only the charts `keep` accepts (the whole text is still
    /// read and checked, and every invalid entry reported, as Helm does): one chart's
    /// versions of a big index without holding the others.
    pub fn load_charts(
        data: &[u8],
        source: &str,
        warnings: &mut Vec<String>,
        keep: &dyn Fn(&str) -> bool,
    ) -> Result<IndexFile, IndexError> {
        let mut entries = BTreeMap::new();
        let head = super::index_scan::scan(data, source, warnings, &mut |name, vs| {
            if keep(&name) {
                entries.insert(name, vs);
            }
        })?;
        Ok(IndexFile {
            api_version: head.api_version,
            generated: head.generated,
            entries,
            public_keys: head.public_keys,
            annotations: head.annotations,
        })
    }

    /// Reads an index file.
    pub fn load_file(path: &Path, warnings: &mut Vec<String>) -> Result<IndexFile, IndexError> {
        let meta = std::fs::metadata(path).map_err(|err| IndexError::Io {
            path: path.to_path_buf(),
            err,
        })?;
        if meta.len() > MAX_INDEX_SIZE {
            return Err(IndexError::TooLarge);
        }
        let data = std::fs::read(path).map_err(|err| IndexError::Io {
            path: path.to_path_buf(),
            err,
        })?;
        IndexFile::load(&data, &path.display().to_string(), warnings).map_err(|e| loading(path, e))
    }

    /// [`IndexFile::load_charts`] of a file.
    pub fn load_file_charts(
        path: &Path,
        warnings: &mut Vec<String>,
        keep: &dyn Fn(&str) -> bool,
    ) -> Result<IndexFile, IndexError> {
        let data = read_index_file(path)?;
        IndexFile::load_charts(&data, &path.display().to_string(), warnings, keep)
            .map_err(|e| loading(path, e))
    }

    /// Sorts every chart's versions newest first (unparsable versions last; equal
    /// versions keep their order).
    pub fn sort_entries(&mut self) {
        for vs in self.entries.values_mut() {
            sort_versions(vs);
        }
    }

    /// Whether the index has `name` at exactly `version`.
    pub fn has(&self, name: &str, version: &str) -> bool {
        self.entries
            .get(name)
            .is_some_and(|vs| vs.iter().any(|v| v.metadata.version == version))
    }

    /// Helm's `IndexFile.Get`: an exact version match first, else the first (newest)
    /// version satisfying the constraint (`*`, stable versions only, when empty).
    pub fn get(&self, name: &str, version: &str) -> Result<&ChartVersion, IndexError> {
        let vs = self.entries.get(name).ok_or(IndexError::NoChartName)?;
        if vs.is_empty() {
            return Err(IndexError::NoChartVersion);
        }
        let c = Constraints::parse(if version.is_empty() { "*" } else { version })
            .map_err(|e| IndexError::Constraint(e.to_string()))?;
        if !version.is_empty() {
            if let Some(v) = vs.iter().find(|v| v.metadata.version == version) {
                return Ok(v);
            }
        }
        vs.iter()
            .find(|v| ver(&v.metadata.version).is_some_and(|x| c.check(&x)))
            .ok_or_else(|| IndexError::NoMatch {
                name: name.to_string(),
                version: version.to_string(),
            })
    }

    /// Adds every (name, version) of `other` this index lacks (Helm's `Merge`).
    pub fn merge(&mut self, other: &IndexFile) {
        for cvs in other.entries.values() {
            for cv in cvs {
                if !self.has(&cv.metadata.name, &cv.metadata.version) {
                    self.entries
                        .entry(cv.metadata.name.clone())
                        .or_default()
                        .push(cv.clone());
                }
            }
        }
    }

    /// The index as the JSON object Helm marshals.
    pub fn to_value(&self) -> Value {
        let mut top = Map::new();
        top.insert("apiVersion".into(), Value::str(&self.api_version));
        top.insert("generated".into(), Value::str(&self.generated));
        let mut entries = Map::new();
        for (name, vs) in &self.entries {
            let list = vs.iter().map(entry_value).collect();
            entries.insert(name.clone(), Value::list(list));
        }
        top.insert("entries".into(), Value::map(entries));
        if !self.public_keys.is_empty() {
            top.insert(
                "publicKeys".into(),
                Value::list(self.public_keys.iter().map(Value::str).collect()),
            );
        }
        if !self.annotations.is_empty() {
            let mut a = Map::new();
            for (k, v) in &self.annotations {
                a.insert(k.clone(), Value::str(v));
            }
            top.insert("annotations".into(), Value::map(a));
        }
        Value::map(top)
    }

    /// The index as YAML (Helm's `WriteFile`).
    pub fn to_yaml(&self) -> Result<String, IndexError> {
        goyaml::marshal(&self.to_value()).map_err(|e| IndexError::Parse(e.to_string()))
    }

    /// The index as indented JSON in Go's field order (Helm's `WriteJSONFile`).
    pub fn to_json(&self) -> Result<String, IndexError> {
        let mut top: Vec<(String, OJ)> = vec![
            ("apiVersion".into(), OJ::Str(self.api_version.clone())),
            ("generated".into(), OJ::Str(self.generated.clone())),
        ];
        let entries = self
            .entries
            .iter()
            .map(|(name, vs)| (name.clone(), OJ::Arr(vs.iter().map(entry_json).collect())))
            .collect();
        top.push(("entries".into(), OJ::Obj(entries)));
        if !self.public_keys.is_empty() {
            top.push((
                "publicKeys".into(),
                OJ::Arr(self.public_keys.iter().cloned().map(OJ::Str).collect()),
            ));
        }
        if !self.annotations.is_empty() {
            top.push(("annotations".into(), str_map(&self.annotations)));
        }
        let mut out = String::new();
        OJ::Obj(top).write(&mut out, 0);
        Ok(out)
    }

    /// Writes the index to `path` atomically, as YAML or (with `json`) JSON.
    pub fn write_file(&self, path: &Path, json: bool) -> Result<(), IndexError> {
        let text = if json {
            self.to_json()?
        } else {
            self.to_yaml()?
        };
        crate::chart::save::write_atomic(path, text.as_bytes()).map_err(|err| IndexError::Io {
            path: path.to_path_buf(),
            err,
        })
    }
}

/// A JSON value whose objects keep the order they are built in (Go's struct order).
enum OJ {
    Str(String),
    Bool(bool),
    Arr(Vec<OJ>),
    Obj(Vec<(String, OJ)>),
    Num(String),
}

fn go_json_str(s: &str) -> String {
    let q = serde_json::to_string(s).unwrap_or_default();
    q.replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
        .replace('\u{2028}', "\\u2028")
        .replace('\u{2029}', "\\u2029")
}

impl OJ {
    /// Go's `json.MarshalIndent(v, "", "  ")`.
    fn write(&self, out: &mut String, depth: usize) {
        let pad = |out: &mut String, d: usize| {
            out.push('\n');
            for _ in 0..d {
                out.push_str("  ");
            }
        };
        match self {
            OJ::Str(s) => out.push_str(&go_json_str(s)),
            OJ::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            OJ::Num(n) => out.push_str(n),
            OJ::Arr(items) if items.is_empty() => out.push_str("[]"),
            OJ::Obj(items) if items.is_empty() => out.push_str("{}"),
            OJ::Arr(items) => {
                out.push('[');
                for (i, it) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    pad(out, depth + 1);
                    it.write(out, depth + 1);
                }
                pad(out, depth);
                out.push(']');
            }
            OJ::Obj(items) => {
                out.push('{');
                for (i, (k, v)) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    pad(out, depth + 1);
                    out.push_str(&go_json_str(k));
                    out.push_str(": ");
                    v.write(out, depth + 1);
                }
                pad(out, depth);
                out.push('}');
            }
        }
    }

    fn from_json(j: &J) -> OJ {
        match j {
            J::Object(m) => OJ::Obj(
                m.iter()
                    .map(|(k, v)| (k.clone(), OJ::from_json(v)))
                    .collect(),
            ),
            J::Array(a) => OJ::Arr(a.iter().map(OJ::from_json).collect()),
            J::String(s) => OJ::Str(s.clone()),
            J::Bool(b) => OJ::Bool(*b),
            other => OJ::Num(other.to_string()),
        }
    }
}

fn str_map(m: &BTreeMap<String, String>) -> OJ {
    OJ::Obj(
        m.iter()
            .map(|(k, v)| (k.clone(), OJ::Str(v.clone())))
            .collect(),
    )
}

/// One index entry as Go marshals `ChartVersion` to JSON: the embedded metadata's fields
/// in struct order, then `urls`, `created`, `removed`, `digest`.
fn entry_json(cv: &ChartVersion) -> OJ {
    let md = &cv.metadata;
    let mut f: Vec<(String, OJ)> = Vec::new();
    let s = |f: &mut Vec<(String, OJ)>, k: &str, v: &str| {
        if !v.is_empty() {
            f.push((k.into(), OJ::Str(v.into())));
        }
    };
    let l = |f: &mut Vec<(String, OJ)>, k: &str, v: &[String]| {
        if !v.is_empty() {
            f.push((k.into(), OJ::Arr(v.iter().cloned().map(OJ::Str).collect())));
        }
    };
    s(&mut f, "name", &md.name);
    s(&mut f, "home", &md.home);
    l(&mut f, "sources", &md.sources);
    s(&mut f, "version", &md.version);
    s(&mut f, "description", &md.description);
    l(&mut f, "keywords", &md.keywords);
    if !md.maintainers.is_empty() {
        let list = md
            .maintainers
            .iter()
            .map(|x| {
                let mut mf = Vec::new();
                s(&mut mf, "name", &x.name);
                s(&mut mf, "email", &x.email);
                s(&mut mf, "url", &x.url);
                OJ::Obj(mf)
            })
            .collect();
        f.push(("maintainers".into(), OJ::Arr(list)));
    }
    s(&mut f, "icon", &md.icon);
    s(&mut f, "apiVersion", &md.api_version);
    s(&mut f, "condition", &md.condition);
    s(&mut f, "tags", &md.tags);
    s(&mut f, "appVersion", &md.app_version);
    if md.deprecated {
        f.push(("deprecated".into(), OJ::Bool(true)));
    }
    if !md.annotations.is_empty() {
        f.push(("annotations".into(), str_map(&md.annotations)));
    }
    s(&mut f, "kubeVersion", &md.kube_version);
    if !md.dependencies.is_empty() {
        let list = md
            .dependencies
            .iter()
            .map(|d| {
                let mut df = vec![("name".to_string(), OJ::Str(d.name.clone()))];
                s(&mut df, "version", &d.version);
                df.push(("repository".into(), OJ::Str(d.repository.clone())));
                s(&mut df, "condition", &d.condition);
                l(&mut df, "tags", &d.tags);
                if d.enabled {
                    df.push(("enabled".into(), OJ::Bool(true)));
                }
                if !d.import_values.is_empty() {
                    let iv = d
                        .import_values
                        .iter()
                        .map(|v| OJ::from_json(&value_to_json(v)))
                        .collect();
                    df.push(("import-values".into(), OJ::Arr(iv)));
                }
                s(&mut df, "alias", &d.alias);
                OJ::Obj(df)
            })
            .collect();
        f.push(("dependencies".into(), OJ::Arr(list)));
    }
    s(&mut f, "type", &md.chart_type);
    f.push((
        "urls".into(),
        OJ::Arr(cv.urls.iter().cloned().map(OJ::Str).collect()),
    ));
    f.push(("created".into(), OJ::Str(cv.created.clone())));
    if cv.removed {
        f.push(("removed".into(), OJ::Bool(true)));
    }
    s(&mut f, "digest", &cv.digest);
    OJ::Obj(f)
}

fn value_to_json(v: &Value) -> J {
    goyaml::to_json(v)
        .ok()
        .and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or(J::Null)
}

/// One index entry as a JSON object (metadata fields, then `urls`, `created`,
/// `removed`, `digest`).
fn entry_value(cv: &ChartVersion) -> Value {
    let Value::Map(m) = metadata_value(&cv.metadata) else {
        return Value::Nil;
    };
    let mut m = m.snapshot();
    m.insert(
        "urls".into(),
        Value::list(cv.urls.iter().map(Value::str).collect()),
    );
    m.insert("created".into(), Value::str(&cv.created));
    if cv.removed {
        m.insert("removed".into(), Value::Bool(true));
    }
    if !cv.digest.is_empty() {
        m.insert("digest".into(), Value::str(&cv.digest));
    }
    Value::map(m)
}

/// Hex SHA-256 of a file.
pub fn digest_file(path: &Path) -> std::io::Result<String> {
    let mut f = std::fs::File::open(path)?;
    let mut h = Sha256::new();
    std::io::copy(&mut f, &mut h)?;
    Ok(hex(&h.finalize()))
}

/// Lower-case hex.
pub fn hex(b: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut s = String::with_capacity(b.len() * 2);
    for x in b {
        let _ = write!(s, "{x:02x}");
    }
    s
}

/// Helm's `urlutil.URLJoin(base, parts…)` for one part: the part appended to the base
/// URL's path with `/`, cleaned.
pub fn url_join(base: &str, part: &str) -> String {
    if part.is_empty() {
        return base.to_string();
    }
    if base.is_empty() {
        return part.to_string();
    }
    let (head, query) = match base.find(['?', '#']) {
        Some(i) => (&base[..i], &base[i..]),
        None => (base, ""),
    };
    let (scheme_host, path) = match head.find("://") {
        Some(i) => match head[i + 3..].find('/') {
            Some(j) => (&head[..i + 3 + j], &head[i + 3 + j..]),
            None => (head, ""),
        },
        None => ("", head),
    };
    let joined = clean_path(&format!("{path}/{part}"));
    format!("{scheme_host}{joined}{query}")
}

/// Go's `path.Join`-style cleaning (leading `/` kept).
fn clean_path(p: &str) -> String {
    let abs = p.starts_with('/');
    let mut out: Vec<&str> = Vec::new();
    for seg in p.split('/') {
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
    if abs {
        format!("/{body}")
    } else {
        body
    }
}

/// Helm's `IndexDirectory`: every `DIR/*.tgz` and `DIR/*/*.tgz` that loads as a chart,
/// with URL `base_url/<relative dir>/<file>`.
pub fn index_directory(dir: &Path, base_url: &str) -> Result<IndexFile, IndexError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |err| IndexError::Io { path, err }
    };
    let mut archives: Vec<(String, PathBuf)> = Vec::new();
    let mut top = Vec::new();
    let mut nested = Vec::new();
    let mut names: Vec<_> = std::fs::read_dir(dir)
        .map_err(io(dir))?
        .filter_map(Result::ok)
        .collect();
    names.sort_by_key(|e| e.file_name());
    for e in names {
        let name = e.file_name().to_string_lossy().into_owned();
        let p = e.path();
        if p.is_dir() {
            if let Ok(rd) = std::fs::read_dir(&p) {
                let mut sub: Vec<_> = rd.filter_map(Result::ok).collect();
                sub.sort_by_key(|e| e.file_name());
                for s in sub {
                    let sname = s.file_name().to_string_lossy().into_owned();
                    if sname.ends_with(".tgz") {
                        nested.push((format!("{name}/{sname}"), s.path()));
                    }
                }
            }
        }
        if name.ends_with(".tgz") {
            top.push((name, p));
        }
    }
    archives.extend(top);
    archives.extend(nested);
    let mut index = IndexFile::new();
    for (rel, path) in archives {
        let (parent, fname) = match rel.rsplit_once('/') {
            Some((d, f)) => (d.to_string(), f.to_string()),
            None => (String::new(), rel.clone()),
        };
        let Ok(ch) = crate::chart::load(&path) else {
            continue;
        };
        let digest = digest_file(&path).map_err(io(&path))?;
        let parent_url = url_join(base_url, &parent);
        let mut md = ch.metadata;
        if md.api_version.is_empty() {
            md.api_version = "v1".into();
        }
        md.validate().map_err(|e| IndexError::Invalid {
            file: fname.clone(),
            message: e.to_string(),
        })?;
        let url = if parent_url.is_empty() {
            fname.clone()
        } else {
            url_join(&parent_url, &fname)
        };
        index
            .entries
            .entry(md.name.clone())
            .or_default()
            .push(ChartVersion {
                metadata: md,
                urls: vec![url],
                created: now_text(),
                removed: false,
                digest,
            });
    }
    Ok(index)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_urls() {
        assert_eq!(
            url_join("https://x.io/charts", "a.tgz"),
            "https://x.io/charts/a.tgz"
        );
        assert_eq!(
            url_join("https://x.io/charts/", "sub"),
            "https://x.io/charts/sub"
        );
        assert_eq!(url_join("https://x.io", "a.tgz"), "https://x.io/a.tgz");
        assert_eq!(url_join("", "a.tgz"), "a.tgz");
    }

    #[test]
    fn sorts_and_selects() {
        let y = b"apiVersion: v1\nentries:\n  a:\n  - name: a\n    version: 1.2.3\n  - name: a\n    version: 1.3.0-rc.1\n  - name: a\n    version: 0.1.0\n  - null\n";
        let mut w = Vec::new();
        let idx = IndexFile::load(y, "t", &mut w).expect("loads");
        let vs: Vec<_> = idx.entries["a"]
            .iter()
            .map(|v| v.metadata.version.as_str())
            .collect();
        assert_eq!(vs, ["1.3.0-rc.1", "1.2.3", "0.1.0"]);
        assert_eq!(idx.get("a", "").expect("stable").metadata.version, "1.2.3");
        assert_eq!(
            idx.get("a", ">0.0.0-0").expect("devel").metadata.version,
            "1.3.0-rc.1"
        );
        assert_eq!(
            idx.get("a", "0.1.0").expect("exact").metadata.version,
            "0.1.0"
        );
        assert!(idx.get("a", "^2").is_err());
        assert_eq!(w.len(), 1);
        assert!(matches!(
            IndexFile::load(b"", "t", &mut w),
            Err(IndexError::Empty)
        ));
        assert!(matches!(
            IndexFile::load(b"entries: {}\n", "t", &mut w),
            Err(IndexError::NoApiVersion)
        ));
    }
}
