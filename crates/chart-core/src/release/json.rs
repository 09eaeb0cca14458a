//! A release record as JSON, byte for byte as Go's `encoding/json` writes Helm's structs
//! (struct field order, `omitempty`, nil as `null`, `[]byte` as base64, HTML-safe string
//! escaping, `time.Time` in RFC 3339 with trimmed nanoseconds), and read back tolerantly
//! (missing keys, `null`s and unknown keys ignored; keys matched case-insensitively as Go
//! does).

use base64::Engine as _;
use gotmpl::Value;
use serde_json::Value as J;

use super::hook::{Hook, HookDeletePolicy, HookEvent, HookExecution, HookPhase};
use super::record::{ChartRecord, Info, Release};
use super::status::Status;
use super::time::Time;
use crate::chart::{Dependency, File, Lock, Maintainer, Metadata};

/// Why a record could not be encoded or decoded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RecordError {
    /// A value cannot be written as JSON (Go's `json: unsupported value: NaN`).
    #[error("{0}")]
    Unsupported(String),
    /// A time outside the years 0..=9999.
    #[error("Time.MarshalJSON: year outside of range [0,9999]")]
    TimeRange,
    /// A file of a directory chart could not be read while encoding.
    #[error("cannot read chart file")]
    Chart(#[from] crate::chart::ChartError),
    /// The bytes are not JSON (serde's message; Go words it differently).
    #[error("invalid release JSON: {0}")]
    Syntax(String),
    /// A field has the wrong JSON type (Go's `json: cannot unmarshal string into Go
    /// struct field Release.version of type int`).
    #[error("json: cannot unmarshal {found} into Go struct field {field} of type {ty}")]
    Type {
        /// The JSON kind found.
        found: &'static str,
        /// `Struct.field`.
        field: String,
        /// The Go type expected.
        ty: &'static str,
    },
    /// A time field is not RFC 3339.
    #[error(transparent)]
    Time(#[from] super::time::TimeError),
}

// ---------------------------------------------------------------------------------------
// Encoding

/// Writes JSON objects field by field.
struct Obj<'a> {
    out: &'a mut String,
    first: bool,
}

impl<'a> Obj<'a> {
    fn new(out: &'a mut String) -> Self {
        out.push('{');
        Obj { out, first: true }
    }

    fn key(&mut self, k: &str) -> &mut String {
        if !self.first {
            self.out.push(',');
        }
        self.first = false;
        self.out.push('"');
        self.out.push_str(k);
        self.out.push_str("\":");
        self.out
    }

    fn str(&mut self, k: &str, v: &str) {
        write_str(self.key(k), v);
    }

    fn str_omit(&mut self, k: &str, v: &str) {
        if !v.is_empty() {
            self.str(k, v);
        }
    }

    fn strs_omit<S: AsRef<str>>(&mut self, k: &str, v: &[S]) {
        if v.is_empty() {
            return;
        }
        let out = self.key(k);
        out.push('[');
        for (i, s) in v.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            write_str(out, s.as_ref());
        }
        out.push(']');
    }

    fn end(self) {
        self.out.push('}');
    }
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// A JSON string as Go's `encoding/json` writes it (HTML-safe). Bytes that are not
/// valid UTF-8 (held as `gotmpl::bytestr` escapes, e.g. binary data a template printed)
/// are each written as `\ufffd`, as Go does.
pub(crate) fn write_str(out: &mut String, s: &str) {
    out.push('"');
    if gotmpl::bytestr::has_escapes(s) {
        let bytes = gotmpl::bytestr::to_go_bytes(s);
        let mut rest: &[u8] = &bytes;
        while !rest.is_empty() {
            match std::str::from_utf8(rest) {
                Ok(v) => {
                    write_body(out, v);
                    break;
                }
                Err(e) => {
                    let (good, bad) = rest.split_at(e.valid_up_to());
                    write_body(out, std::str::from_utf8(good).unwrap_or_default());
                    // Go replaces one invalid byte at a time.
                    out.push_str("\\ufffd");
                    rest = &bad[1..];
                }
            }
        }
    } else {
        write_body(out, s);
    }
    out.push('"');
}

/// The escaped characters of a JSON string, without quotes.
fn write_body(out: &mut String, s: &str) {
    let mut start = 0;
    for (i, c) in s.char_indices() {
        let esc: Option<&str> = match c {
            '"' => Some("\\\""),
            '\\' => Some("\\\\"),
            '\n' => Some("\\n"),
            '\r' => Some("\\r"),
            '\t' => Some("\\t"),
            '\x08' => Some("\\b"),
            '\x0c' => Some("\\f"),
            '\u{2028}' => Some("\\u2028"),
            '\u{2029}' => Some("\\u2029"),
            '<' | '>' | '&' => Some(""),
            c if (c as u32) < 0x20 => Some(""),
            _ => None,
        };
        let Some(esc) = esc else { continue };
        out.push_str(&s[start..i]);
        if esc.is_empty() {
            let b = c as u8;
            out.push_str("\\u00");
            out.push(HEX[(b >> 4) as usize] as char);
            out.push(HEX[(b & 15) as usize] as char);
        } else {
            out.push_str(esc);
        }
        start = i + c.len_utf8();
    }
    out.push_str(&s[start..]);
}

fn write_value(out: &mut String, v: &Value) -> Result<(), RecordError> {
    let text = goyaml::to_json(v).map_err(|e| RecordError::Unsupported(e.0))?;
    out.push_str(&text);
    Ok(())
}

fn write_bytes(out: &mut String, b: &[u8]) {
    out.push('"');
    out.push_str(&base64::engine::general_purpose::STANDARD.encode(b));
    out.push('"');
}

/// Helm's `time.Time`: `""` when zero.
fn write_helm_time(out: &mut String, t: &Time) -> Result<(), RecordError> {
    if t.is_zero() {
        out.push_str("\"\"");
        return Ok(());
    }
    write_go_time(out, t)
}

/// Go's `time.Time`.
fn write_go_time(out: &mut String, t: &Time) -> Result<(), RecordError> {
    let s = t.rfc3339().ok_or(RecordError::TimeRange)?;
    out.push('"');
    out.push_str(&s);
    out.push('"');
    Ok(())
}

impl Release {
    /// The record as Go's `json.Marshal` writes Helm's `release.Release`.
    pub fn to_json(&self) -> Result<String, RecordError> {
        let mut out = String::with_capacity(self.manifest.len() + 1024);
        let mut o = Obj::new(&mut out);
        o.str_omit("name", &self.name);
        if let Some(info) = &self.info {
            write_info(o.key("info"), info)?;
        }
        if let Some(chart) = &self.chart {
            write_chart(o.key("chart"), chart)?;
        }
        if !map_is_empty(&self.config) {
            write_value(o.key("config"), &self.config)?;
        }
        o.str_omit("manifest", &self.manifest);
        if !self.hooks.is_empty() {
            let out = o.key("hooks");
            out.push('[');
            for (i, h) in self.hooks.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_hook(out, h)?;
            }
            out.push(']');
        }
        if self.version != 0 {
            o.key("version").push_str(&self.version.to_string());
        }
        o.str_omit("namespace", &self.namespace);
        o.str_omit("apply_method", &self.apply_method);
        o.end();
        Ok(out)
    }
}

/// Whether a map-typed field is empty for `omitempty` (nil or no entries).
fn map_is_empty(v: &Value) -> bool {
    match v {
        Value::Nil => true,
        Value::Map(m) => m.is_empty(),
        _ => false,
    }
}

fn write_info(out: &mut String, info: &Info) -> Result<(), RecordError> {
    let mut o = Obj::new(out);
    write_helm_time(o.key("first_deployed"), &info.first_deployed)?;
    write_helm_time(o.key("last_deployed"), &info.last_deployed)?;
    write_helm_time(o.key("deleted"), &info.deleted)?;
    o.str_omit("description", &info.description);
    o.str_omit("status", info.status.as_str());
    o.str_omit("notes", &info.notes);
    if !map_is_empty(&info.resources) {
        write_value(o.key("resources"), &info.resources)?;
    }
    o.end();
    Ok(())
}

fn write_files(out: &mut String, files: &Option<Vec<File>>) -> Result<(), RecordError> {
    let Some(files) = files else {
        out.push_str("null");
        return Ok(());
    };
    out.push('[');
    for (i, f) in files.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let mut o = Obj::new(out);
        o.str("name", &f.name);
        write_bytes(o.key("data"), &f.read()?);
        o.end();
    }
    out.push(']');
    Ok(())
}

fn write_chart(out: &mut String, c: &ChartRecord) -> Result<(), RecordError> {
    let mut o = Obj::new(out);
    match &c.metadata {
        Some(m) => write_metadata(o.key("metadata"), m)?,
        None => o.key("metadata").push_str("null"),
    }
    match &c.lock {
        Some(l) => write_lock(o.key("lock"), l)?,
        None => o.key("lock").push_str("null"),
    }
    write_files(o.key("templates"), &c.templates)?;
    match &c.values {
        Value::Map(_) => write_value(o.key("values"), &c.values)?,
        _ => o.key("values").push_str("null"),
    }
    match &c.schema {
        Some(s) => write_bytes(o.key("schema"), s),
        None => o.key("schema").push_str("null"),
    }
    write_files(o.key("files"), &c.files)?;
    o.end();
    Ok(())
}

/// Go's `json.Marshal` of a chart's `Metadata` (Go field order, empty fields omitted):
/// the form helm stores in release records and as the OCI config blob.
pub fn metadata_json(m: &Metadata) -> Result<String, RecordError> {
    let mut out = String::new();
    write_metadata(&mut out, m)?;
    Ok(out)
}

fn write_metadata(out: &mut String, m: &Metadata) -> Result<(), RecordError> {
    let mut o = Obj::new(out);
    o.str_omit("name", &m.name);
    o.str_omit("home", &m.home);
    o.strs_omit("sources", &m.sources);
    o.str_omit("version", &m.version);
    o.str_omit("description", &m.description);
    o.strs_omit("keywords", &m.keywords);
    if !m.maintainers.is_empty() {
        let out = o.key("maintainers");
        out.push('[');
        for (i, mt) in m.maintainers.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            let mut mo = Obj::new(out);
            mo.str_omit("name", &mt.name);
            mo.str_omit("email", &mt.email);
            mo.str_omit("url", &mt.url);
            mo.end();
        }
        out.push(']');
    }
    o.str_omit("icon", &m.icon);
    o.str_omit("apiVersion", &m.api_version);
    o.str_omit("condition", &m.condition);
    o.str_omit("tags", &m.tags);
    o.str_omit("appVersion", &m.app_version);
    if m.deprecated {
        o.key("deprecated").push_str("true");
    }
    if !m.annotations.is_empty() {
        let out = o.key("annotations");
        let mut ao = Obj::new(out);
        for (k, v) in &m.annotations {
            let out = ao.key_raw(k);
            write_str(out, v);
        }
        ao.end();
    }
    o.str_omit("kubeVersion", &m.kube_version);
    if !m.dependencies.is_empty() {
        write_dependencies(o.key("dependencies"), &m.dependencies)?;
    }
    o.str_omit("type", &m.chart_type);
    o.end();
    Ok(())
}

impl Obj<'_> {
    /// A key that needs escaping (map keys).
    fn key_raw(&mut self, k: &str) -> &mut String {
        if !self.first {
            self.out.push(',');
        }
        self.first = false;
        write_str(self.out, k);
        self.out.push(':');
        self.out
    }
}

fn write_dependencies(out: &mut String, deps: &[Dependency]) -> Result<(), RecordError> {
    out.push('[');
    for (i, d) in deps.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let mut o = Obj::new(out);
        o.str("name", &d.name);
        o.str_omit("version", &d.version);
        o.str("repository", &d.repository);
        o.str_omit("condition", &d.condition);
        o.strs_omit("tags", &d.tags);
        if d.enabled {
            o.key("enabled").push_str("true");
        }
        if !d.import_values.is_empty() {
            write_value(
                o.key("import-values"),
                &Value::list(d.import_values.clone()),
            )?;
        }
        o.str_omit("alias", &d.alias);
        o.end();
    }
    out.push(']');
    Ok(())
}

fn write_lock(out: &mut String, l: &Lock) -> Result<(), RecordError> {
    let mut o = Obj::new(out);
    // A plain Go time.Time: the zero time is written out, not as "".
    let generated = if l.generated.is_empty() {
        Time::ZERO
    } else {
        Time::parse_rfc3339(&l.generated)?
    };
    write_go_time(o.key("generated"), &generated)?;
    o.str("digest", &l.digest);
    if l.dependencies.is_empty() {
        o.key("dependencies").push_str("null");
    } else {
        write_dependencies(o.key("dependencies"), &l.dependencies)?;
    }
    o.end();
    Ok(())
}

fn write_hook(out: &mut String, h: &Hook) -> Result<(), RecordError> {
    let mut o = Obj::new(out);
    o.str_omit("name", &h.name);
    o.str_omit("kind", &h.kind);
    o.str_omit("path", &h.path);
    o.str_omit("manifest", &h.manifest);
    let events: Vec<&str> = h.events.iter().map(HookEvent::as_str).collect();
    o.strs_omit("events", &events);
    {
        let mut r = Obj::new(o.key("last_run"));
        write_helm_time(r.key("started_at"), &h.last_run.started_at)?;
        write_helm_time(r.key("completed_at"), &h.last_run.completed_at)?;
        r.str("phase", h.last_run.phase.as_str());
        r.end();
    }
    if h.weight != 0 {
        o.key("weight").push_str(&h.weight.to_string());
    }
    let policies: Vec<&str> = h
        .delete_policies
        .iter()
        .map(HookDeletePolicy::as_str)
        .collect();
    o.strs_omit("delete_policies", &policies);
    o.end();
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Decoding

fn kind(j: &J) -> &'static str {
    match j {
        J::Null => "null",
        J::Bool(_) => "bool",
        J::Number(_) => "number",
        J::String(_) => "string",
        J::Array(_) => "array",
        J::Object(_) => "object",
    }
}

/// An object being decoded into the Go struct `name`.
struct Fields<'a> {
    obj: Option<&'a serde_json::Map<String, J>>,
    name: &'static str,
}

impl<'a> Fields<'a> {
    fn new(j: &'a J, name: &'static str, field: &str) -> Result<Option<Self>, RecordError> {
        match j {
            J::Null => Ok(None),
            J::Object(m) => Ok(Some(Fields { obj: Some(m), name })),
            other => Err(type_err(other, field, "struct")),
        }
    }

    /// The value of key `k` (Go: an exact match, else a case-insensitive one); `None`
    /// when absent or null.
    fn get(&self, k: &str) -> Option<&'a J> {
        let m = self.obj?;
        let v = m.get(k).or_else(|| {
            m.iter()
                .rev()
                .find(|(key, _)| key.eq_ignore_ascii_case(k))
                .map(|(_, v)| v)
        })?;
        (!v.is_null()).then_some(v)
    }

    fn field(&self, k: &str) -> String {
        format!("{}.{k}", self.name)
    }

    fn string(&self, k: &str) -> Result<String, RecordError> {
        match self.get(k) {
            None => Ok(String::new()),
            Some(J::String(s)) => Ok(s.clone()),
            Some(other) => Err(type_err(other, &self.field(k), "string")),
        }
    }

    fn int(&self, k: &str) -> Result<i64, RecordError> {
        match self.get(k) {
            None => Ok(0),
            Some(J::Number(n)) => n
                .as_i64()
                .ok_or_else(|| type_err(&J::Number(n.clone()), &self.field(k), "int")),
            Some(other) => Err(type_err(other, &self.field(k), "int")),
        }
    }

    fn bool(&self, k: &str) -> Result<bool, RecordError> {
        match self.get(k) {
            None => Ok(false),
            Some(J::Bool(b)) => Ok(*b),
            Some(other) => Err(type_err(other, &self.field(k), "bool")),
        }
    }

    fn strings(&self, k: &str) -> Result<Vec<String>, RecordError> {
        match self.get(k) {
            None => Ok(Vec::new()),
            Some(J::Array(a)) => a
                .iter()
                .map(|v| match v {
                    J::String(s) => Ok(s.clone()),
                    J::Null => Ok(String::new()),
                    other => Err(type_err(other, &self.field(k), "string")),
                })
                .collect(),
            Some(other) => Err(type_err(other, &self.field(k), "[]string")),
        }
    }

    fn array(&self, k: &str) -> Result<Option<&'a Vec<J>>, RecordError> {
        match self.get(k) {
            None => Ok(None),
            Some(J::Array(a)) => Ok(Some(a)),
            Some(other) => Err(type_err(other, &self.field(k), "slice")),
        }
    }

    fn map_value(&self, k: &str) -> Result<Value, RecordError> {
        match self.get(k) {
            None => Ok(Value::Nil),
            Some(v @ J::Object(_)) => Ok(Value::from_json(v)),
            Some(other) => Err(type_err(other, &self.field(k), "map[string]interface {}")),
        }
    }

    fn helm_time(&self, k: &str) -> Result<Time, RecordError> {
        match self.get(k) {
            None => Ok(Time::ZERO),
            Some(J::String(s)) if s.is_empty() => Ok(Time::ZERO),
            Some(J::String(s)) => Ok(Time::parse_rfc3339(s)?),
            Some(other) => Err(type_err(other, &self.field(k), "time.Time")),
        }
    }

    fn bytes(&self, k: &str) -> Result<Option<Vec<u8>>, RecordError> {
        match self.get(k) {
            None => Ok(None),
            Some(J::String(s)) => base64::engine::general_purpose::STANDARD
                .decode(s)
                .map(Some)
                .map_err(|e| RecordError::Syntax(format!("{}: {e}", self.field(k)))),
            Some(other) => Err(type_err(other, &self.field(k), "[]uint8")),
        }
    }
}

fn type_err(j: &J, field: &str, ty: &'static str) -> RecordError {
    RecordError::Type {
        found: kind(j),
        field: field.to_owned(),
        ty,
    }
}

impl Release {
    /// Reads a record written by Helm (or by [`Release::to_json`]).
    pub fn from_json(data: &[u8]) -> Result<Release, RecordError> {
        let j: J = serde_json::from_slice(data).map_err(|e| RecordError::Syntax(e.to_string()))?;
        let Some(f) = Fields::new(&j, "Release", "Release")? else {
            return Ok(Release::default());
        };
        let info = match f.get("info") {
            Some(v) => read_info(v)?,
            None => None,
        };
        let chart = match f.get("chart") {
            Some(v) => read_chart(v)?,
            None => None,
        };
        let mut hooks = Vec::new();
        if let Some(a) = f.array("hooks")? {
            for h in a {
                if let Some(h) = read_hook(h)? {
                    hooks.push(h);
                }
            }
        }
        Ok(Release {
            name: f.string("name")?,
            info,
            chart,
            config: f.map_value("config")?,
            manifest: f.string("manifest")?,
            hooks,
            version: f.int("version")?,
            namespace: f.string("namespace")?,
            apply_method: f.string("apply_method")?,
            labels: Default::default(),
        })
    }
}

fn read_info(j: &J) -> Result<Option<Info>, RecordError> {
    let Some(f) = Fields::new(j, "Info", "Release.info")? else {
        return Ok(None);
    };
    Ok(Some(Info {
        first_deployed: f.helm_time("first_deployed")?,
        last_deployed: f.helm_time("last_deployed")?,
        deleted: f.helm_time("deleted")?,
        description: f.string("description")?,
        status: Status::parse(&f.string("status")?),
        notes: f.string("notes")?,
        resources: f.map_value("resources")?,
    }))
}

fn read_files(f: &Fields<'_>, k: &str) -> Result<Option<Vec<File>>, RecordError> {
    let Some(a) = f.array(k)? else {
        return Ok(None);
    };
    let mut out = Vec::with_capacity(a.len());
    for item in a {
        let Some(ff) = Fields::new(item, "File", &f.field(k))? else {
            // Go keeps a nil *File; it has no name and no data.
            out.push(File::new(String::new(), Vec::new()));
            continue;
        };
        out.push(File::new(
            ff.string("name")?,
            ff.bytes("data")?.unwrap_or_default(),
        ));
    }
    Ok(Some(out))
}

fn read_chart(j: &J) -> Result<Option<ChartRecord>, RecordError> {
    let Some(f) = Fields::new(j, "Chart", "Release.chart")? else {
        return Ok(None);
    };
    let metadata = match f.get("metadata") {
        Some(v) => read_metadata(v)?,
        None => None,
    };
    let lock = match f.get("lock") {
        Some(v) => read_lock(v)?,
        None => None,
    };
    Ok(Some(ChartRecord {
        metadata,
        lock,
        templates: read_files(&f, "templates")?,
        values: f.map_value("values")?,
        schema: f.bytes("schema")?,
        files: read_files(&f, "files")?,
    }))
}

fn read_metadata(j: &J) -> Result<Option<Metadata>, RecordError> {
    let Some(f) = Fields::new(j, "Metadata", "Chart.metadata")? else {
        return Ok(None);
    };
    let mut m = Metadata::default();
    m.name = f.string("name")?;
    m.home = f.string("home")?;
    m.sources = f.strings("sources")?;
    m.version = f.string("version")?;
    m.description = f.string("description")?;
    m.keywords = f.strings("keywords")?;
    if let Some(a) = f.array("maintainers")? {
        for item in a {
            let mut mt = Maintainer::default();
            if let Some(mf) = Fields::new(item, "Maintainer", "Metadata.maintainers")? {
                mt.name = mf.string("name")?;
                mt.email = mf.string("email")?;
                mt.url = mf.string("url")?;
            }
            m.maintainers.push(mt);
        }
    }
    m.icon = f.string("icon")?;
    m.api_version = f.string("apiVersion")?;
    m.condition = f.string("condition")?;
    m.tags = f.string("tags")?;
    m.app_version = f.string("appVersion")?;
    m.deprecated = f.bool("deprecated")?;
    match f.get("annotations") {
        None => {}
        Some(J::Object(a)) => {
            for (k, v) in a {
                match v {
                    J::String(s) => {
                        m.annotations.insert(k.clone(), s.clone());
                    }
                    J::Null => {
                        m.annotations.insert(k.clone(), String::new());
                    }
                    other => return Err(type_err(other, "Metadata.annotations", "string")),
                }
            }
        }
        Some(other) => return Err(type_err(other, "Metadata.annotations", "map[string]string")),
    }
    m.kube_version = f.string("kubeVersion")?;
    m.dependencies = read_dependencies(&f, "dependencies")?;
    m.chart_type = f.string("type")?;
    Ok(Some(m))
}

fn read_dependencies(f: &Fields<'_>, k: &str) -> Result<Vec<Dependency>, RecordError> {
    let mut out = Vec::new();
    if let Some(a) = f.array(k)? {
        for item in a {
            let mut d = Dependency::default();
            if let Some(df) = Fields::new(item, "Dependency", &f.field(k))? {
                d.name = df.string("name")?;
                d.version = df.string("version")?;
                d.repository = df.string("repository")?;
                d.condition = df.string("condition")?;
                d.tags = df.strings("tags")?;
                d.enabled = df.bool("enabled")?;
                if let Some(iv) = df.array("import-values")? {
                    d.import_values = iv.iter().map(Value::from_json).collect();
                }
                d.alias = df.string("alias")?;
            }
            out.push(d);
        }
    }
    Ok(out)
}

fn read_lock(j: &J) -> Result<Option<Lock>, RecordError> {
    let Some(f) = Fields::new(j, "Lock", "Chart.lock")? else {
        return Ok(None);
    };
    let generated = match f.get("generated") {
        None => String::new(),
        Some(J::String(s)) => {
            // Validate as Go does; keep the text.
            Time::parse_rfc3339(s)?;
            s.clone()
        }
        Some(other) => return Err(type_err(other, "Lock.generated", "time.Time")),
    };
    Ok(Some(Lock {
        generated,
        digest: f.string("digest")?,
        dependencies: read_dependencies(&f, "dependencies")?,
    }))
}

fn read_hook(j: &J) -> Result<Option<Hook>, RecordError> {
    let Some(f) = Fields::new(j, "Hook", "Release.hooks")? else {
        return Ok(None);
    };
    let last_run = match f.get("last_run") {
        Some(v) => match Fields::new(v, "HookExecution", "Hook.last_run")? {
            Some(r) => HookExecution {
                started_at: r.helm_time("started_at")?,
                completed_at: r.helm_time("completed_at")?,
                phase: HookPhase::parse(&r.string("phase")?),
            },
            None => HookExecution::default(),
        },
        None => HookExecution::default(),
    };
    Ok(Some(Hook {
        name: f.string("name")?,
        kind: f.string("kind")?,
        path: f.string("path")?,
        manifest: f.string("manifest")?,
        events: f
            .strings("events")?
            .iter()
            .map(|e| HookEvent::parse(e))
            .collect(),
        last_run,
        weight: f.int("weight")?,
        delete_policies: f
            .strings("delete_policies")?
            .iter()
            .map(|p| HookDeletePolicy::parse(p))
            .collect(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_record_round_trips() {
        let text = r#"{"name":"myrel","info":{"first_deployed":"2026-11-25T17:08:48.546075874Z","last_deployed":"2026-11-25T17:08:48.546075874Z","deleted":"","description":"Install complete","status":"deployed","notes":"notes 1\n"},"chart":{"metadata":{"name":"rc","version":"0.1.0","apiVersion":"v2","appVersion":"1.0"},"lock":null,"templates":[{"name":"templates/NOTES.txt","data":"bm90ZXMge3sgLlJlbGVhc2UuUmV2aXNpb24gfX0K"}],"values":{"x":1},"schema":null,"files":null},"config":{"y":2},"manifest":"---\n# Source: rc/templates/cm.yaml\napiVersion: v1\n","version":1,"namespace":"default"}"#;
        let r = Release::from_json(text.as_bytes()).expect("decodes");
        assert_eq!(r.to_json().expect("encodes"), text);
    }

    #[test]
    fn helm_4_apply_method_round_trips() {
        // Helm 4 writes `apply_method` after `namespace` (omitempty).
        let text =
            r#"{"name":"a","manifest":"x","version":2,"namespace":"default","apply_method":"ssa"}"#;
        let r = Release::from_json(text.as_bytes()).expect("decodes");
        assert!(r.server_side_applied());
        assert_eq!(r.to_json().expect("encodes"), text);
        let csa = Release::from_json(br#"{"name":"a","apply_method":"csa"}"#).expect("decodes");
        assert!(!csa.server_side_applied());
        // Without a method nothing is written (helm 3's record).
        let plain = Release::from_json(br#"{"name":"a","version":1}"#).expect("decodes");
        assert_eq!(
            plain.to_json().expect("encodes"),
            r#"{"name":"a","version":1}"#
        );
    }

    #[test]
    fn tolerant_reading() {
        let r = Release::from_json(
            br#"{"NAME":"a","info":null,"chart":{"metadata":null},"extra":[1,2],"hooks":[null,{"last_run":null}],"version":null}"#,
        )
        .expect("decodes");
        assert_eq!(r.name, "a");
        assert!(r.info.is_none());
        assert_eq!(r.hooks.len(), 1);
        assert_eq!(
            r.to_json().expect("encodes"),
            r#"{"name":"a","chart":{"metadata":null,"lock":null,"templates":null,"values":null,"schema":null,"files":null},"hooks":[{"last_run":{"started_at":"","completed_at":"","phase":""}}]}"#
        );
        let err = Release::from_json(br#"{"version":"1"}"#).expect_err("type error");
        assert_eq!(
            err.to_string(),
            "json: cannot unmarshal string into Go struct field Release.version of type int"
        );
    }

    proptest::proptest! {
        /// Our string writer agrees with the template engine's Go JSON encoder.
        #[test]
        fn strings_match_gotmpl_to_json(s in "\\PC*|[<>&\u{2028}\u{2029}\u{0}-\u{1f}\"\\\\a-z]*") {
            proptest::prop_assume!(!gotmpl::bytestr::has_escapes(&s));
            let mut ours = String::new();
            write_str(&mut ours, &s);
            let theirs = goyaml::to_json(&Value::str(&s)).expect("encodes");
            proptest::prop_assert_eq!(ours, theirs);
        }
    }

    #[test]
    fn invalid_bytes_become_replacement_characters() {
        let s = gotmpl::bytestr::from_go_vec(b"a\xff\xe2\x82b\xe2\x82\xac".to_vec());
        let mut out = String::new();
        write_str(&mut out, &s);
        assert_eq!(out, "\"a\\ufffd\\ufffd\\ufffdb\u{20ac}\"");
    }

    #[test]
    fn go_string_escapes() {
        let mut s = String::new();
        write_str(
            &mut s,
            "<a href=\"x\">&\u{2028}\u{2029}\u{1}\u{7f}é</a>\t\\",
        );
        assert_eq!(
            s,
            r#""\u003ca href=\"x\"\u003e\u0026\u2028\u2029\u0001é\u003c/a\u003e\t\\""#
                .replace('é', "\u{7f}é")
        );
    }
}
