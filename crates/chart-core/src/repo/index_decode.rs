//! Helm's typed reading of a repository index: `json.Unmarshal` (a JSON text) or
//! sigs.k8s.io/yaml `UnmarshalStrict` (YAML) into `repo.IndexFile`, with Go's errors.
//!
//! What helm 3.17.3 does with wrong types (recorded by `scripts/record-index-types-goldens.sh`):
//! the whole index is refused with the first error Go's decoder meets, walking objects in
//! key order (sorted for YAML, whose JSON comes from a Go map; document order for JSON):
//! * a value of the wrong JSON kind (`urls: x`, `version: [1]`, `deprecated: "yes"`, an
//!   entry that is not a list, a list item that is not an object):
//!   `json: cannot unmarshal string into Go struct field ChartVersion.entries.urls of type
//!   []string`; the decoder goes on, and the first such error is the one reported;
//! * from YAML, unknown fields (`json: unknown field "foo"`), also reported only if nothing
//!   comes before; from JSON they are ignored;
//! * `created`/`generated` that are not RFC 3339 strings stop the decoder at once, so their
//!   error wins over any earlier one (`Time.UnmarshalJSON: input is not a JSON string`,
//!   `parsing time "x" as "2006-01-02T15:04:05Z07:00": cannot parse "x" as "2006"`).
//!
//! From YAML, sigs.k8s.io/yaml first turns numbers and bools bound for a Go `string` into
//! text, but only for fields of `IndexFile` and `ChartVersion` themselves (`apiVersion: 1`,
//! `digest: 5`, `urls: [1]` are accepted): the fields `ChartVersion` embeds from
//! `*chart.Metadata` are not converted (`version: 1.10` is an error), as the embedded
//! pointer is nil when the conversion looks for them. JSON values are never converted.
//! Errors from YAML are prefixed `error unmarshaling JSON: while decoding JSON: `.

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

use super::index::{ChartVersion, IndexError};
use super::index_scan::{IndexHead, Sink};
use crate::chart::metadata::{dec_metadata_in, DecCtx, METADATA_FIELDS};
use crate::chart::yamlnode::{self, find_field, Node, Target};
use crate::chart::Metadata;

/// Go's zero `time.Time` in JSON.
pub(crate) const ZERO_TIME: &str = "0001-01-01T00:00:00Z";

const STR_LIST: Target = Target::List(&Target::Str);

/// The fields of `repo.ChartVersion` itself (what sigs.k8s.io/yaml converts for).
const OWN_FIELDS: &[(&str, Target)] = &[
    ("urls", STR_LIST),
    ("created", Target::Any),
    ("removed", Target::Scalar),
    ("digest", Target::Str),
    ("checksum", Target::Str),
    ("engine", Target::Str),
    ("tillerVersion", Target::Str),
    ("url", Target::Str),
];

/// `repo.IndexFile`'s fields.
const INDEX_FIELDS: &[(&str, Target)] = &[
    ("serverInfo", Target::Any),
    ("apiVersion", Target::Str),
    ("generated", Target::Any),
    (
        "entries",
        Target::Map(&Target::List(&Target::Struct(OWN_FIELDS))),
    ),
    ("publicKeys", STR_LIST),
    ("annotations", Target::Map(&Target::Str)),
];

/// How an index text is decoded.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Mode {
    /// The text is JSON (no conversion, unknown fields ignored, document order).
    pub json: bool,
}

impl Mode {
    fn ctx(self) -> DecCtx {
        DecCtx {
            top: "ChartVersion",
            prefix: "entries.",
            strict: !self.json,
            sorted: !self.json,
        }
    }

    /// The object's keys in the order Go's decoder sees them.
    fn order(self, m: Vec<(String, Node)>) -> Vec<(String, Node)> {
        if self.json {
            return m;
        }
        let mut sorted: std::collections::BTreeMap<String, Node> =
            std::collections::BTreeMap::new();
        for (k, v) in m {
            sorted.insert(k, v);
        }
        sorted.into_iter().collect()
    }

    fn unknown(self, key: &str) -> Option<String> {
        (!self.json).then(|| format!("json: unknown field {}", gotmpl::fmt::go_quote(key)))
    }

    /// The error as Helm prints it.
    pub(crate) fn wrap(self, msg: String) -> IndexError {
        if self.json {
            IndexError::Yaml(msg)
        } else {
            IndexError::Yaml(format!(
                "error unmarshaling JSON: while decoding JSON: {msg}"
            ))
        }
    }
}

/// Go's decoder state: the first type error is kept while decoding goes on.
#[derive(Default)]
pub(crate) struct Errs {
    /// The first saved error.
    pub saved: Option<String>,
}

impl Errs {
    fn save(&mut self, e: String) {
        if self.saved.is_none() {
            self.saved = Some(e);
        }
    }
}

fn kind(n: &Node) -> &'static str {
    match n {
        Node::Null => "null",
        Node::Bool(_) => "bool",
        Node::Int(_) | Node::Uint(_) | Node::Float(_) => "number",
        Node::Str(_) => "string",
        Node::Seq(_) => "array",
        Node::Map(_) => "object",
    }
}

fn type_err(n: &Node, strukt: &str, path: &str, gotype: &str) -> String {
    format!(
        "json: cannot unmarshal {} into Go struct field {strukt}.{path} of type {gotype}",
        kind(n)
    )
}

/// A Go `string` field: the text (None for null, which leaves the field alone).
fn str_field(n: Node, errs: &mut Errs, strukt: &str, path: &str) -> Option<String> {
    match n {
        Node::Str(s) => Some(s),
        Node::Null => None,
        other => {
            errs.save(type_err(&other, strukt, path, "string"));
            None
        }
    }
}

/// A Go `[]string` field (`None` for null).
fn str_list(n: Node, errs: &mut Errs, strukt: &str, path: &str) -> Option<Vec<String>> {
    match n {
        Node::Null => Some(Vec::new()),
        Node::Seq(items) => Some(
            items
                .into_iter()
                .map(|x| str_field(x, errs, strukt, path).unwrap_or_default())
                .collect(),
        ),
        other => {
            errs.save(type_err(&other, strukt, path, "[]string"));
            None
        }
    }
}

/// Go's `time.Time.UnmarshalJSON` (strict RFC 3339): the text kept, or the error that stops
/// the decoder.
fn time_field(n: &Node) -> Result<Option<String>, String> {
    match n {
        Node::Null => Ok(None),
        Node::Str(s) => check_rfc3339(s).map(|()| Some(s.clone())),
        _ => Err("Time.UnmarshalJSON: input is not a JSON string".into()),
    }
}

/// Go 1.23's `parseStrictRFC3339`.
fn check_rfc3339(s: &str) -> Result<(), String> {
    const LAYOUT: &str = "2006-01-02T15:04:05Z07:00";
    gotime::parse_in_location(LAYOUT, s, &gotime::Location::Utc).map(|_| ())?;
    let b = s.as_bytes();
    let q = gotmpl::fmt::go_quote;
    // What the layout cannot check (go.dev/issue/54580).
    if b.get(12) == Some(&b':') {
        return Err(format!(
            "parsing time {} as {}: cannot parse {} as {}",
            q(s),
            q(LAYOUT),
            q(s.get(11..12).unwrap_or("")),
            q("15")
        ));
    }
    if b.get(19) == Some(&b',') {
        return Err(format!(
            "parsing time {} as {}: cannot parse {} as {}",
            q(s),
            q(LAYOUT),
            q(","),
            q(".")
        ));
    }
    if b.last() != Some(&b'Z') && b.len() >= 6 {
        let num2 = |i: usize| {
            let d = |j: usize| i64::from(b[j]) - i64::from(b'0');
            10 * d(i) + d(i + 1)
        };
        let tail = s.get(s.len() - 6..).unwrap_or("");
        let what = if num2(b.len() - 5) >= 24 {
            Some("timezone hour out of range")
        } else if num2(b.len() - 2) >= 60 {
            Some("timezone minute out of range")
        } else {
            None
        };
        if let Some(w) = what {
            return Err(format!(
                "parsing time {} as {}: cannot parse {} as {}: {w}",
                q(s),
                q(LAYOUT),
                q(tail),
                q("Z07:00")
            ));
        }
    }
    Ok(())
}

/// Which field of `repo.ChartVersion` a key sets (Go's exact-then-case-insensitive match
/// over the promoted metadata fields and its own).
enum EntryField {
    Meta,
    Own(&'static str),
}

fn entry_field(key: &str) -> Option<EntryField> {
    let exact_meta = METADATA_FIELDS.iter().any(|(f, _)| *f == key);
    if exact_meta {
        return Some(EntryField::Meta);
    }
    if let Some((f, _)) = OWN_FIELDS.iter().find(|(f, _)| *f == key) {
        return Some(EntryField::Own(f));
    }
    if METADATA_FIELDS
        .iter()
        .any(|(f, _)| f.eq_ignore_ascii_case(key))
    {
        return Some(EntryField::Meta);
    }
    OWN_FIELDS
        .iter()
        .find(|(f, _)| f.eq_ignore_ascii_case(key))
        .map(|(f, _)| EntryField::Own(f))
}

/// Decodes one index entry (a JSON object's fields). Type errors and unknown fields go to
/// `errs`; `Err` is an error that stops the decoder (a bad time). With `exact`, errors are
/// found in Go's order; without, only whether there is one counts (cheaper).
pub(crate) fn decode_entry(
    mode: Mode,
    fields: Vec<(String, Node)>,
    errs: &mut Errs,
    exact: bool,
) -> Result<ChartVersion, String> {
    let ctx = mode.ctx();
    let mut md = Metadata::default();
    let mut cv = ChartVersion {
        created: ZERO_TIME.into(),
        ..ChartVersion::default()
    };
    let mut meta: Vec<(String, Node)> = Vec::new();
    let fields = mode.order(fields);
    for (k, v) in fields {
        match entry_field(&k) {
            Some(EntryField::Meta) => {
                if exact {
                    if let Err(e) = dec_metadata_in(&ctx, &Node::Map(vec![(k, v)]), &mut md) {
                        errs.save(e);
                    }
                } else {
                    meta.push((k, v));
                }
            }
            Some(EntryField::Own(f)) => {
                let path = format!("entries.{f}");
                match f {
                    "urls" => {
                        if let Some(l) = str_list(v, errs, "ChartVersion", &path) {
                            cv.urls = l;
                        }
                    }
                    "created" => {
                        if let Some(t) = time_field(&v)? {
                            cv.created = t;
                        }
                    }
                    "removed" => match v {
                        Node::Bool(b) => cv.removed = b,
                        Node::Null => {}
                        other => errs.save(type_err(&other, "ChartVersion", &path, "bool")),
                    },
                    "digest" => {
                        if let Some(s) = str_field(v, errs, "ChartVersion", &path) {
                            cv.digest = s;
                        }
                    }
                    _ => {
                        str_field(v, errs, "ChartVersion", &path);
                    }
                }
            }
            None => {
                if let Some(e) = mode.unknown(&k) {
                    errs.save(e);
                }
            }
        }
    }
    if !meta.is_empty() {
        if let Err(e) = dec_metadata_in(&ctx, &Node::Map(meta), &mut md) {
            errs.save(e);
        }
    }
    cv.metadata = md;
    Ok(cv)
}

/// The top-level fields but `entries` into `head`.
pub(crate) fn decode_head_field(
    mode: Mode,
    key: &str,
    v: Node,
    head: &mut IndexHead,
    errs: &mut Errs,
) -> Result<(), String> {
    let Some((f, _)) = find_field(INDEX_FIELDS, key) else {
        if let Some(e) = mode.unknown(key) {
            errs.save(e);
        }
        return Ok(());
    };
    let path = *f;
    match path {
        "apiVersion" => {
            if let Some(s) = str_field(v, errs, "IndexFile", path) {
                head.api_version = s;
            }
        }
        "generated" => {
            if let Some(t) = time_field(&v)? {
                head.generated = t;
            }
        }
        "publicKeys" => {
            if let Some(l) = str_list(v, errs, "IndexFile", path) {
                head.public_keys = l;
            }
        }
        "annotations" => match v {
            Node::Null => head.annotations.clear(),
            Node::Map(m) => {
                for (k, x) in mode.order(m) {
                    let s = str_field(x, errs, "IndexFile", path).unwrap_or_default();
                    head.annotations.insert(k, s);
                }
            }
            other => errs.save(type_err(&other, "IndexFile", path, "map[string]string")),
        },
        "serverInfo" => match v {
            Node::Null | Node::Map(_) => {}
            other => errs.save(type_err(
                &other,
                "IndexFile",
                path,
                "map[string]interface {}",
            )),
        },
        _ => {}
    }
    Ok(())
}

/// Helm's checks after decoding an entry: `apiVersion` defaulted, validation; the log line
/// for an entry Helm drops.
pub(crate) fn finish_entry(
    name: &str,
    mut cv: ChartVersion,
    source: &str,
) -> Result<ChartVersion, String> {
    let md = &mut cv.metadata;
    if md.api_version.is_empty() {
        md.api_version = "v1".into();
    }
    if let Err(e) = md.validate() {
        let msg = e.to_string();
        if !msg.starts_with("validation: more than one dependency with name or alias") {
            return Err(format!(
                "index.go:370: skipping loading invalid entry for chart {} {} from {source}: {msg}",
                gotmpl::fmt::go_quote(name),
                gotmpl::fmt::go_quote(&md.version)
            ));
        }
    }
    Ok(cv)
}

/// Helm's log line for a null entry.
pub(crate) fn empty_entry(name: &str, source: &str) -> String {
    format!(
        "index.go:359: skipping loading invalid entry for chart {} from {source}: empty entry",
        gotmpl::fmt::go_quote(name)
    )
}

/// A serde_json value as a [`Node`] (object keys in serde_json's order).
pub(crate) fn node_from_json(v: serde_json::Value) -> Node {
    use serde_json::Value as J;
    match v {
        J::Null => Node::Null,
        J::Bool(b) => Node::Bool(b),
        J::Number(n) => {
            if let Some(i) = n.as_i64() {
                Node::Int(i)
            } else if let Some(u) = n.as_u64() {
                Node::Uint(u)
            } else {
                Node::Float(n.as_f64().unwrap_or(0.0))
            }
        }
        J::String(s) => Node::Str(s),
        J::Array(a) => Node::Seq(a.into_iter().map(node_from_json).collect()),
        J::Object(m) => Node::Map(m.into_iter().map(|(k, v)| (k, node_from_json(v))).collect()),
    }
}

/// A JSON value read in document order (duplicate keys kept).
pub(crate) struct Ordered(pub(crate) Node);

impl<'de> Deserialize<'de> for Ordered {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(OrderedVisitor).map(Ordered)
    }
}

struct OrderedVisitor;

impl<'de> Visitor<'de> for OrderedVisitor {
    type Value = Node;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_unit<E>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }
    fn visit_bool<E>(self, b: bool) -> Result<Node, E> {
        Ok(Node::Bool(b))
    }
    fn visit_i64<E>(self, i: i64) -> Result<Node, E> {
        Ok(Node::Int(i))
    }
    fn visit_u64<E>(self, u: u64) -> Result<Node, E> {
        Ok(match i64::try_from(u) {
            Ok(i) => Node::Int(i),
            Err(_) => Node::Uint(u),
        })
    }
    fn visit_f64<E>(self, f: f64) -> Result<Node, E> {
        Ok(Node::Float(f))
    }
    fn visit_str<E>(self, s: &str) -> Result<Node, E> {
        Ok(Node::Str(s.to_owned()))
    }
    fn visit_string<E>(self, s: String) -> Result<Node, E> {
        Ok(Node::Str(s))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<Node, A::Error> {
        let mut out = Vec::new();
        while let Some(Ordered(n)) = a.next_element()? {
            out.push(n);
        }
        Ok(Node::Seq(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<Node, A::Error> {
        let mut out = Vec::new();
        while let Some((k, Ordered(v))) = a.next_entry::<String, Ordered>()? {
            out.push((k, v));
        }
        Ok(Node::Map(out))
    }
}

/// Reads the whole text as Helm does, with Go's errors for wrong types: the reading the
/// streaming readers hand over to when an entry does not decode cleanly, and the one for
/// YAML they do not reproduce.
pub(crate) fn read_exact(
    data: &[u8],
    json: bool,
    source: &str,
    warnings: &mut Vec<String>,
    sink: &mut Sink<'_>,
) -> Result<IndexHead, IndexError> {
    let mode = Mode { json };
    let root = if json {
        let mut de = serde_json::Deserializer::from_slice(data);
        Ordered::deserialize(&mut de)
            .map_err(|e| IndexError::Parse(e.to_string()))?
            .0
    } else {
        let text = std::str::from_utf8(data).map_err(|e| IndexError::Parse(e.to_string()))?;
        yamlnode::parse(text, Target::Struct(INDEX_FIELDS))
            .map_err(|m| IndexError::Yaml(format!("error converting YAML to JSON: {m}")))?
    };
    let top = match root {
        Node::Map(m) => m,
        Node::Null => Vec::new(),
        other => {
            return Err(mode.wrap(format!(
                "json: cannot unmarshal {} into Go value of type repo.IndexFile",
                kind(&other)
            )))
        }
    };
    let mut errs = Errs::default();
    let mut head = IndexHead {
        generated: ZERO_TIME.into(),
        ..IndexHead::default()
    };
    // A later duplicate name (JSON) replaces the earlier list.
    let mut charts: std::collections::BTreeMap<String, (Vec<ChartVersion>, Vec<String>)> =
        std::collections::BTreeMap::new();
    for (k, v) in mode.order(top) {
        let is_entries = find_field(INDEX_FIELDS, &k).is_some_and(|f| f.0 == "entries");
        if !is_entries {
            decode_head_field(mode, &k, v, &mut head, &mut errs).map_err(|e| mode.wrap(e))?;
            continue;
        }
        charts.clear();
        let m = match v {
            Node::Null => continue,
            Node::Map(m) => m,
            other => {
                errs.save(type_err(
                    &other,
                    "IndexFile",
                    "entries",
                    "map[string]repo.ChartVersions",
                ));
                continue;
            }
        };
        for (name, list) in mode.order(m) {
            let items = match list {
                Node::Null => Vec::new(),
                Node::Seq(items) => items,
                other => {
                    errs.save(type_err(
                        &other,
                        "IndexFile",
                        "entries",
                        "repo.ChartVersions",
                    ));
                    continue;
                }
            };
            let mut vs: Vec<Option<ChartVersion>> = Vec::with_capacity(items.len());
            for item in items {
                match item {
                    Node::Null => vs.push(None),
                    Node::Map(fields) => {
                        let cv = decode_entry(mode, fields, &mut errs, true)
                            .map_err(|e| mode.wrap(e))?;
                        vs.push(Some(cv));
                    }
                    other => {
                        errs.save(type_err(
                            &other,
                            "IndexFile",
                            "entries",
                            "repo.ChartVersion",
                        ));
                    }
                }
            }
            if errs.saved.is_some() {
                continue;
            }
            // Helm walks each list from its end.
            let mut logs = Vec::new();
            let mut out = Vec::with_capacity(vs.len());
            for cv in vs.into_iter().rev() {
                match cv {
                    None => logs.push(empty_entry(&name, source)),
                    Some(cv) => match finish_entry(&name, cv, source) {
                        Ok(cv) => out.push(cv),
                        Err(l) => logs.push(l),
                    },
                }
            }
            out.reverse();
            super::index::sort_versions(&mut out);
            charts.insert(name, (out, logs));
        }
    }
    if let Some(e) = errs.saved {
        return Err(mode.wrap(e));
    }
    for (name, (vs, logs)) in charts {
        warnings.extend(logs);
        sink(name, vs);
    }
    if head.api_version.is_empty() {
        return Err(IndexError::NoApiVersion);
    }
    Ok(head)
}
