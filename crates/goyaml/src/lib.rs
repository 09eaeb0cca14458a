//! Helm's YAML: go-yaml v2 (YAML 1.1) reading and writing as sigs.k8s.io/yaml does it, plus
//! Go's `encoding/json` and BurntSushi's TOML encoder as Helm's template functions use them.
//!
//! Reading ([`from_yaml`]) gives what `yaml.Unmarshal` from sigs.k8s.io/yaml gives into an
//! `interface{}`: YAML 1.1 scalars (`yes`, `0755`, `1_000`…), only the first document, keys
//! turned into strings, every number a `float64` after the JSON round trip.
//! Writing ([`to_yaml`]) gives what `yaml.Marshal` gives: natural key order, lists not
//! indented under their key, YAML 1.1 look-alike strings quoted, folding at 80 columns.
//!
//! ```
//! use goyaml::{from_yaml, to_yaml};
//! let v = from_yaml("b: yes\na: [1, 0x10]\n").unwrap();
//! assert_eq!(to_yaml(&v), "a:\n- 1\n- 16\nb: true\n");
//! ```

mod head;
mod json;
mod numfmt;
mod quick;
mod reader;
mod resolve;
mod toml;
mod toml_lex;
mod writer;

pub use json::from_json_partial;
pub use json::{from_json, to_json, to_pretty_json, to_raw_json, JsonError};
pub use reader::{GoMap, GoVal};
pub use toml::{from_toml, to_toml};

use std::fmt;

use gotmpl::value::Value;

/// Which stage of sigs.k8s.io/yaml's pipeline failed; it decides the message prefix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum YamlErrorKind {
    /// The YAML text does not parse (`yaml: line 3: mapping values are not allowed…`).
    Syntax,
    /// go-yaml's decoder refused the document (unknown anchor, bad merge, bad tag value,
    /// excessive aliasing).
    Decode,
    /// The decoded value has no JSON form (non-finite float, unsupported key type).
    Convert,
    /// The JSON form does not fit the requested Go type (a list where a map is wanted).
    Unmarshal,
    /// A value could not be written as YAML.
    Marshal,
}

/// A YAML error, printed as Helm prints it
/// (`error converting YAML to JSON: yaml: line 3: mapping values are not allowed in this context`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct YamlError {
    /// The stage that failed.
    pub kind: YamlErrorKind,
    /// The message after the stage prefix, exactly as go-yaml/encoding/json word it
    /// (`yaml: line 3: …`, `json: unsupported value: +Inf`).
    pub msg: String,
    /// 1-based line of a syntax error, 0 when unknown.
    pub line: usize,
    /// 1-based column (in characters) of a syntax error, 0 when unknown.
    pub column: usize,
}

impl YamlError {
    pub(crate) fn decode(m: impl fmt::Display) -> YamlError {
        YamlError {
            kind: YamlErrorKind::Decode,
            msg: format!("yaml: {m}"),
            line: 0,
            column: 0,
        }
    }
    pub(crate) fn convert(m: impl Into<String>) -> YamlError {
        YamlError {
            kind: YamlErrorKind::Convert,
            msg: m.into(),
            line: 0,
            column: 0,
        }
    }
    pub(crate) fn unmarshal(m: impl Into<String>) -> YamlError {
        YamlError {
            kind: YamlErrorKind::Unmarshal,
            msg: m.into(),
            line: 0,
            column: 0,
        }
    }
    pub(crate) fn marshal(m: impl Into<String>) -> YamlError {
        YamlError {
            kind: YamlErrorKind::Marshal,
            msg: m.into(),
            line: 0,
            column: 0,
        }
    }
}

impl fmt::Display for YamlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            YamlErrorKind::Syntax | YamlErrorKind::Decode | YamlErrorKind::Convert => {
                write!(f, "error converting YAML to JSON: {}", self.msg)
            }
            YamlErrorKind::Unmarshal => {
                write!(
                    f,
                    "error unmarshaling JSON: while decoding JSON: {}",
                    self.msg
                )
            }
            YamlErrorKind::Marshal => f.write_str(&self.msg),
        }
    }
}

impl std::error::Error for YamlError {}

/// Reads the first YAML document of `text` as Helm does (sigs.k8s.io/yaml `Unmarshal` into
/// `interface{}`): `Nil` for an empty document, maps with string keys, numbers as floats.
pub fn from_yaml(text: &str) -> Result<Value, YamlError> {
    // Most documents need no node tree (no aliases, merge keys, tags, errors): read
    // them from the parser's events directly; anything else takes the full read.
    if let Some(v) = head::all_fast(text) {
        return Ok(v);
    }
    from_yaml_full(text)
}

/// [`from_yaml`] through the node tree, always (what the event-driven read must agree
/// with; for tests and comparisons).
pub fn from_yaml_full(text: &str) -> Result<Value, YamlError> {
    let g = reader::decode_first(text)?;
    reader::to_json_value(&g)
}

/// [`from_yaml`] through the quick scanner of the common block-style subset alone:
/// `Some` when that scanner read the whole document (for tests that compare it with
/// [`from_yaml_full`]), `None` when it left the document to another read.
#[doc(hidden)]
pub fn from_yaml_quick(text: &str) -> Option<Value> {
    head::quick_all(text)
}

/// Go's `encoding/json` error for a float it cannot encode (NaN or an infinity):
/// `json: unsupported value: +Inf`.
pub fn json_unsupported_float(f: f64) -> String {
    format!("json: unsupported value: {}", numfmt::format_g(f, false))
}

/// Reads the first YAML document of `text` as go-yaml v2's `yaml.Unmarshal` into
/// `interface{}` does, before sigs.k8s.io/yaml's JSON conversion: scalars keep their YAML
/// 1.1 kind, keys are not yet strings, mappings keep document order. The errors are
/// [`from_yaml`]'s syntax and decode errors (same limits on nesting and aliasing).
///
/// ```
/// use goyaml::{from_yaml_go, GoVal};
/// let GoVal::Map(m) = from_yaml_go("b: yes\na: 1.10\n").unwrap() else { panic!() };
/// assert!(matches!(m.entries(), [(GoVal::Str(_), GoVal::Bool(true)), (_, GoVal::Float(_))]));
/// ```
pub fn from_yaml_go(text: &str) -> Result<GoVal, YamlError> {
    reader::decode_first(text)
}

/// What go-yaml v2 makes of an untagged plain scalar decoded into `interface{}` (YAML 1.1
/// resolution: `yes` is a bool, `0x10` an int, `1.10` a float, `~` nil, timestamps stay
/// text). For readers that scan YAML themselves and must agree with [`from_yaml_go`].
///
/// ```
/// use goyaml::{plain_scalar, GoVal};
/// assert!(matches!(plain_scalar("on"), GoVal::Bool(true)));
/// assert!(matches!(plain_scalar("1.2.3"), GoVal::Str(_)));
/// ```
pub fn plain_scalar(text: &str) -> GoVal {
    reader::plain_scalar(text)
}

/// sigs.k8s.io/yaml's JSON object key for the mapping key `key` (with value `value`, which
/// an unsupported key's error message names): strings as they are, numbers and bools in
/// their Go text, anything else an error of kind [`YamlErrorKind::Convert`].
///
/// ```
/// use goyaml::{json_key, GoVal};
/// assert_eq!(json_key(&GoVal::Float(1.5), &GoVal::Nil).unwrap(), "1.5");
/// assert!(json_key(&GoVal::Nil, &GoVal::Nil).is_err());
/// ```
pub fn json_key(key: &GoVal, value: &GoVal) -> Result<String, YamlError> {
    reader::json_key(key, value)
}

/// The string sigs.k8s.io/yaml makes of a scalar bound for a Go `string` field (numbers in
/// Go's text, floats as float32 `%g`, bools as `true`/`false`); `None` for strings, nil and
/// collections, which it leaves alone.
///
/// ```
/// use goyaml::{string_form, GoVal};
/// assert_eq!(string_form(&GoVal::Float(1.10)).as_deref(), Some("1.1"));
/// assert_eq!(string_form(&GoVal::Str("x".into())), None);
/// ```
pub fn string_form(v: &GoVal) -> Option<String> {
    match v {
        GoVal::Bool(b) => Some(b.to_string()),
        GoVal::Int(i) => Some(i.to_string()),
        GoVal::Uint(u) => Some(u.to_string()),
        GoVal::Float(f) => Some(numfmt::format_g32(*f)),
        GoVal::Nil | GoVal::Str(_) | GoVal::Seq(_) | GoVal::Map(_) => None,
    }
}

/// Reads the first YAML document of `text` for the fields Helm's `SimpleHead` reads: the
/// same result as [`from_yaml`] (and exactly its errors) as far as the top-level
/// `apiVersion`, `kind` and `metadata` go, and inside a mapping `metadata` its `name` and
/// `annotations`; other entries may be left out. Much cheaper than [`from_yaml`] on large
/// documents, as the parts it leaves out are only checked, never built.
///
/// ```
/// use goyaml::from_yaml_head;
/// let v = from_yaml_head("kind: Pod\nmetadata: {name: p, labels: {a: b}}\nspec: {x: 1}\n").unwrap();
/// assert_eq!(goyaml::to_json(&v).unwrap(), r#"{"kind":"Pod","metadata":{"name":"p"}}"#);
/// ```
pub fn from_yaml_head(text: &str) -> Result<Value, YamlError> {
    match head::head_fast(text) {
        Some(v) => Ok(v),
        None => from_yaml_full(text),
    }
}

/// Reads a YAML document that must be a mapping (Helm's values files, `fromYaml`): an empty
/// or null document gives an empty map; any other non-mapping is Go's unmarshal error
/// (`json: cannot unmarshal array into Go value of type map[string]interface {}`).
pub fn from_yaml_map(text: &str) -> Result<gotmpl::value::Map, YamlError> {
    match from_yaml(text)? {
        Value::Nil => Ok(gotmpl::value::Map::new()),
        Value::Map(m) => Ok(m.snapshot()),
        other => Err(YamlError::unmarshal(format!(
            "json: cannot unmarshal {} into Go value of type map[string]interface {{}}",
            json::json_kind(&other)
        ))),
    }
}

/// Reads a YAML document that must be a sequence (`fromYamlArray`): empty or null gives an
/// empty list.
pub fn from_yaml_list(text: &str) -> Result<Vec<Value>, YamlError> {
    match from_yaml(text)? {
        Value::Nil => Ok(Vec::new()),
        Value::List(l) => Ok(l.to_vec()),
        other => Err(YamlError::unmarshal(format!(
            "json: cannot unmarshal {} into Go value of type []interface {{}}",
            json::json_kind(&other)
        ))),
    }
}

/// sigs.k8s.io/yaml `Marshal`: the YAML text with its final newline, or the error that
/// makes Helm's `toYaml` print nothing.
pub fn marshal(v: &Value) -> Result<String, YamlError> {
    writer::marshal(v)
}

/// sigs.k8s.io/yaml `Marshal` with errors turned into `""` (as Helm's `toYaml` does; Helm
/// also trims the final newline, which this function keeps).
pub fn to_yaml(v: &Value) -> String {
    marshal(v).unwrap_or_default()
}

/// go-yaml v3's encoding with indent 2, as Helm's `toYamlPretty` uses it (final newline
/// kept).
pub fn to_yaml_pretty(v: &Value) -> String {
    writer::marshal_pretty(v)
}

#[cfg(test)]
mod tests;

/// The README's examples, run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
