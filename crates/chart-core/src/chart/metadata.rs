//! `Chart.yaml`, `Chart.lock`, `requirements.yaml`/`requirements.lock`: the typed chart
//! files, decoded as Helm decodes them (YAML → JSON → Go struct) and validated with
//! Helm's rules and messages.

use gotmpl::Value;

use super::error::ChartError;
use super::semver;
use super::yamlnode::{self, find_field, Node, Target};

/// The API version of charts written for Helm 2 (dependencies in `requirements.yaml`).
pub const API_VERSION_V1: &str = "v1";
/// The API version of Helm 3 charts.
pub const API_VERSION_V2: &str = "v2";

/// One entry of `maintainers`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Maintainer {
    /// `name`.
    pub name: String,
    /// `email`.
    pub email: String,
    /// `url`.
    pub url: String,
}

/// One declared dependency (`dependencies` in Chart.yaml / requirements.yaml / Chart.lock).
#[derive(Clone, Debug, Default)]
pub struct Dependency {
    /// `name`: the subchart's Chart.yaml name.
    pub name: String,
    /// `version`: a semver constraint.
    pub version: String,
    /// `repository`.
    pub repository: String,
    /// `condition`: comma-separated values paths, first bool wins.
    pub condition: String,
    /// `tags`.
    pub tags: Vec<String>,
    /// `enabled` (set during dependency processing).
    pub enabled: bool,
    /// `import-values`: strings or `{child, parent}` maps, kept as decoded JSON values.
    pub import_values: Vec<Value>,
    /// `alias`.
    pub alias: String,
    /// `tags` was present in the file (`[]`): Go then holds an empty, non-nil slice.
    pub(crate) tags_non_nil: bool,
}

/// `Chart.yaml`.
#[derive(Clone, Debug, Default)]
pub struct Metadata {
    /// `name`.
    pub name: String,
    /// `home`.
    pub home: String,
    /// `sources`.
    pub sources: Vec<String>,
    /// `version`.
    pub version: String,
    /// `description`.
    pub description: String,
    /// `keywords`.
    pub keywords: Vec<String>,
    /// `maintainers`.
    pub maintainers: Vec<Maintainer>,
    /// `icon`.
    pub icon: String,
    /// `apiVersion` (`v1` when the file has none).
    pub api_version: String,
    /// `condition` (legacy, unused).
    pub condition: String,
    /// `tags` (legacy, unused).
    pub tags: String,
    /// `appVersion`.
    pub app_version: String,
    /// `deprecated`.
    pub deprecated: bool,
    /// `annotations`, sorted by key.
    pub annotations: std::collections::BTreeMap<String, String>,
    /// `kubeVersion`: a semver constraint on the cluster version.
    pub kube_version: String,
    /// `dependencies`.
    pub dependencies: Vec<Dependency>,
    /// `type`: `application`, `library` or empty.
    pub chart_type: String,
    /// A `maintainers` entry was null (reported by validation).
    null_maintainer: bool,
    /// A `dependencies` entry was null (reported by validation).
    null_dependency: bool,
    /// Which of the slices and maps the file set (possibly to an empty list or map).
    non_nil: NonNil,
}

/// The slices and maps of [`Metadata`] that Go holds as non-nil: set in the file, even to
/// `[]` or `{}` (an absent or `null` one is nil: `null` in JSON, `eq … nil` is true).
/// A non-empty one is always non-nil.
#[derive(Clone, Copy, Debug, Default)]
pub struct NonNil {
    /// `sources`.
    pub sources: bool,
    /// `keywords`.
    pub keywords: bool,
    /// `maintainers`.
    pub maintainers: bool,
    /// `annotations`.
    pub annotations: bool,
    /// `dependencies`.
    pub dependencies: bool,
}

/// `Chart.lock` / `requirements.lock`.
#[derive(Clone, Debug, Default)]
pub struct Lock {
    /// `generated`, as written (RFC 3339).
    pub generated: String,
    /// `digest`.
    pub digest: String,
    /// `dependencies`.
    pub dependencies: Vec<Dependency>,
}

// ---------------------------------------------------------------------------------------
// Decoding: Go's encoding/json into a struct, after sigs.k8s.io/yaml's conversion.

type DResult<T = ()> = Result<T, String>;

fn json_kind(n: &Node) -> &'static str {
    match n {
        Node::Null => "null",
        Node::Bool(_) => "bool",
        Node::Int(_) | Node::Uint(_) | Node::Float(_) => "number",
        Node::Str(_) => "string",
        Node::Seq(_) => "array",
        Node::Map(_) => "object",
    }
}

/// Where a value sits, for Go's `Go struct field S.a.b of type T` messages.
#[derive(Clone, Copy)]
struct At<'a> {
    strukt: &'a str,
    path: &'a str,
}

fn type_error(n: &Node, at: At<'_>, gotype: &str) -> String {
    if at.path.is_empty() {
        format!(
            "json: cannot unmarshal {} into Go value of type {gotype}",
            json_kind(n)
        )
    } else {
        format!(
            "json: cannot unmarshal {} into Go struct field {}.{} of type {gotype}",
            json_kind(n),
            at.strukt,
            at.path
        )
    }
}

/// A value bound for a Go `string` (numbers and bools there were already turned into text
/// by [`yamlnode::parse`]).
fn dec_string(n: &Node, at: At<'_>, out: &mut String) -> DResult {
    match n {
        Node::Null => {}
        Node::Str(s) => *out = s.clone(),
        _ => return Err(type_error(n, at, "string")),
    }
    Ok(())
}

fn dec_bool(n: &Node, at: At<'_>, out: &mut bool) -> DResult {
    match n {
        Node::Null => {}
        Node::Bool(b) => *out = *b,
        _ => return Err(type_error(n, at, "bool")),
    }
    Ok(())
}

fn dec_string_list(n: &Node, at: At<'_>, out: &mut Vec<String>) -> DResult {
    match n {
        Node::Null => out.clear(),
        Node::Seq(items) => {
            out.resize(items.len().max(out.len()), String::new());
            out.truncate(items.len());
            for (i, item) in items.iter().enumerate() {
                if let Some(slot) = out.get_mut(i) {
                    dec_string(item, at, slot)?;
                }
            }
        }
        _ => return Err(type_error(n, at, "[]string")),
    }
    Ok(())
}

/// The object's entries as Go's decoder sees them: JSON keys sorted (the JSON text came
/// from a Go map), later duplicates winning.
fn entries(m: &[(String, Node)]) -> Vec<(String, &Node)> {
    let mut out: std::collections::BTreeMap<String, &Node> = std::collections::BTreeMap::new();
    for (k, v) in m {
        out.insert(k.clone(), v);
    }
    out.into_iter().collect()
}

/// Where a [`Metadata`] is decoded: Chart.yaml (a `chart.Metadata` of its own) or an entry
/// of a repository index (promoted into `repo.ChartVersion`), which names fields in errors
/// differently and is read strictly from YAML.
#[derive(Clone, Copy, Debug)]
pub(crate) struct DecCtx {
    /// The Go struct Go's errors name for the metadata's own fields (`Metadata`,
    /// `ChartVersion`).
    pub top: &'static str,
    /// The field path before the metadata's fields (`""`, `"entries."`).
    pub prefix: &'static str,
    /// Unknown fields are errors (sigs.k8s.io/yaml `UnmarshalStrict`).
    pub strict: bool,
    /// The object's keys come from a Go map (YAML): sorted, later duplicates winning;
    /// otherwise (JSON text) in document order.
    pub sorted: bool,
}

/// Chart.yaml's context.
const CHART_YAML: DecCtx = DecCtx {
    top: "Metadata",
    prefix: "",
    strict: false,
    sorted: true,
};

impl DecCtx {
    fn entries<'n>(&self, m: &'n [(String, Node)]) -> Vec<(String, &'n Node)> {
        if self.sorted {
            entries(m)
        } else {
            m.iter().map(|(k, v)| (k.clone(), v)).collect()
        }
    }

    fn unknown(&self, key: &str) -> DResult {
        if self.strict {
            Err(format!(
                "json: unknown field {}",
                gotmpl::fmt::go_quote(key)
            ))
        } else {
            Ok(())
        }
    }
}

/// Go's field matching: exact name first, else ASCII case-insensitive.
fn field(fields: &[(&'static str, Target)], key: &str) -> Option<&'static str> {
    find_field(fields, key).map(|f| f.0)
}

/// Converts a node to a JSON-like template value (numbers → float64, as Go decodes into
/// `interface{}`).
pub(crate) fn node_to_value(n: &Node) -> Value {
    match n {
        Node::Null => Value::Nil,
        Node::Bool(b) => Value::Bool(*b),
        Node::Int(i) => Value::Float(*i as f64),
        Node::Uint(u) => Value::Float(*u as f64),
        Node::Float(f) => Value::Float(*f),
        Node::Str(s) => Value::str(s),
        Node::Seq(items) => Value::list(items.iter().map(node_to_value).collect()),
        Node::Map(m) => {
            let mut out = gotmpl::Map::new();
            for (k, v) in m {
                out.insert(k.clone(), node_to_value(v));
            }
            Value::map(out)
        }
    }
}

const STR_LIST: Target = Target::List(&Target::Str);
/// `chart.Maintainer`'s JSON fields.
const MAINTAINER_FIELDS: &[(&str, Target)] = &[
    ("name", Target::Str),
    ("email", Target::Str),
    ("url", Target::Str),
];
/// `chart.Dependency`'s JSON fields.
const DEPENDENCY_FIELDS: &[(&str, Target)] = &[
    ("name", Target::Str),
    ("version", Target::Str),
    ("repository", Target::Str),
    ("condition", Target::Str),
    ("tags", STR_LIST),
    ("enabled", Target::Scalar),
    ("import-values", Target::List(&Target::Any)),
    ("alias", Target::Str),
];
const DEPENDENCY_LIST: Target = Target::List(&Target::Struct(DEPENDENCY_FIELDS));
/// `chart.Metadata`'s JSON fields.
pub(crate) const METADATA_FIELDS: &[(&str, Target)] = &[
    ("name", Target::Str),
    ("home", Target::Str),
    ("sources", STR_LIST),
    ("version", Target::Str),
    ("description", Target::Str),
    ("keywords", STR_LIST),
    (
        "maintainers",
        Target::List(&Target::Struct(MAINTAINER_FIELDS)),
    ),
    ("icon", Target::Str),
    ("apiVersion", Target::Str),
    ("condition", Target::Str),
    ("tags", Target::Str),
    ("appVersion", Target::Str),
    ("deprecated", Target::Scalar),
    ("annotations", Target::Map(&Target::Str)),
    ("kubeVersion", Target::Str),
    ("dependencies", DEPENDENCY_LIST),
    ("type", Target::Str),
];
/// `chart.Lock`'s JSON fields (`time.Time` has its own JSON unmarshaler, so no guide).
const LOCK_FIELDS: &[(&str, Target)] = &[
    ("generated", Target::Any),
    ("digest", Target::Str),
    ("dependencies", DEPENDENCY_LIST),
];

fn dec_maintainer(ctx: &DecCtx, n: &Node, path: &str, out: &mut Maintainer) -> DResult {
    let m = match n {
        Node::Map(m) => m,
        _ => {
            return Err(type_error(
                n,
                At {
                    strukt: ctx.top,
                    path,
                },
                "chart.Maintainer",
            ))
        }
    };
    for (k, v) in ctx.entries(m) {
        let Some(f) = field(MAINTAINER_FIELDS, &k) else {
            ctx.unknown(&k)?;
            continue;
        };
        let p = format!("{path}.{f}");
        let at = At {
            strukt: "Maintainer",
            path: &p,
        };
        match f {
            "name" => dec_string(v, at, &mut out.name)?,
            "email" => dec_string(v, at, &mut out.email)?,
            _ => dec_string(v, at, &mut out.url)?,
        }
    }
    Ok(())
}

fn dec_dependency(
    ctx: &DecCtx,
    n: &Node,
    strukt: &str,
    path: &str,
    out: &mut Dependency,
) -> DResult {
    let m = match n {
        Node::Map(m) => m,
        _ => return Err(type_error(n, At { strukt, path }, "chart.Dependency")),
    };
    for (k, v) in ctx.entries(m) {
        let Some(f) = field(DEPENDENCY_FIELDS, &k) else {
            ctx.unknown(&k)?;
            continue;
        };
        let p = format!("{path}.{f}");
        let at = At {
            strukt: "Dependency",
            path: &p,
        };
        match f {
            "name" => dec_string(v, at, &mut out.name)?,
            "version" => dec_string(v, at, &mut out.version)?,
            "repository" => dec_string(v, at, &mut out.repository)?,
            "condition" => dec_string(v, at, &mut out.condition)?,
            "tags" => {
                dec_string_list(v, at, &mut out.tags)?;
                out.tags_non_nil = matches!(v, Node::Seq(_));
            }
            "enabled" => dec_bool(v, at, &mut out.enabled)?,
            "import-values" => match v {
                Node::Null => out.import_values.clear(),
                Node::Seq(items) => out.import_values = items.iter().map(node_to_value).collect(),
                _ => return Err(type_error(v, at, "[]interface {}")),
            },
            _ => dec_string(v, at, &mut out.alias)?,
        }
    }
    Ok(())
}

/// Decodes a JSON array of `*T` into `out`, reusing existing elements as Go does; null
/// elements are reported through the returned flag.
fn dec_ptr_list<T: Default>(
    n: &Node,
    at: At<'_>,
    gotype: &str,
    out: &mut Vec<T>,
    mut each: impl FnMut(&Node, &mut T) -> DResult,
) -> DResult<bool> {
    match n {
        Node::Null => {
            out.clear();
            Ok(false)
        }
        Node::Seq(items) => {
            let mut had_null = false;
            let mut old = std::mem::take(out).into_iter();
            for item in items {
                let mut cur = old.next().unwrap_or_default();
                if matches!(item, Node::Null) {
                    had_null = true;
                    continue;
                }
                each(item, &mut cur)?;
                out.push(cur);
            }
            Ok(had_null)
        }
        _ => Err(type_error(n, at, gotype)),
    }
}

fn dec_metadata(n: &Node, md: &mut Metadata) -> DResult {
    dec_metadata_in(&CHART_YAML, n, md)
}

/// [`dec_metadata`] in a context; unknown keys are left to the caller unless strict.
pub(crate) fn dec_metadata_in(ctx: &DecCtx, n: &Node, md: &mut Metadata) -> DResult {
    let m = match n {
        Node::Null => return Ok(()),
        Node::Map(m) => m,
        _ => {
            return Err(type_error(
                n,
                At {
                    strukt: "",
                    path: "",
                },
                "chart.Metadata",
            ))
        }
    };
    for (k, v) in ctx.entries(m) {
        let Some(f) = field(METADATA_FIELDS, &k) else {
            ctx.unknown(&k)?;
            continue;
        };
        let path = format!("{}{f}", ctx.prefix);
        let at = At {
            strukt: ctx.top,
            path: &path,
        };
        match f {
            "name" => dec_string(v, at, &mut md.name)?,
            "home" => dec_string(v, at, &mut md.home)?,
            "sources" => {
                dec_string_list(v, at, &mut md.sources)?;
                md.non_nil.sources = matches!(v, Node::Seq(_));
            }
            "version" => dec_string(v, at, &mut md.version)?,
            "description" => dec_string(v, at, &mut md.description)?,
            "keywords" => {
                dec_string_list(v, at, &mut md.keywords)?;
                md.non_nil.keywords = matches!(v, Node::Seq(_));
            }
            "maintainers" => {
                let null =
                    dec_ptr_list(v, at, "[]*chart.Maintainer", &mut md.maintainers, |n, x| {
                        dec_maintainer(ctx, n, &format!("{}maintainers", ctx.prefix), x)
                    })?;
                md.null_maintainer = null;
                md.non_nil.maintainers = matches!(v, Node::Seq(_));
            }
            "icon" => dec_string(v, at, &mut md.icon)?,
            "apiVersion" => dec_string(v, at, &mut md.api_version)?,
            "condition" => dec_string(v, at, &mut md.condition)?,
            "tags" => dec_string(v, at, &mut md.tags)?,
            "appVersion" => dec_string(v, at, &mut md.app_version)?,
            "deprecated" => dec_bool(v, at, &mut md.deprecated)?,
            "annotations" => match v {
                Node::Null => {
                    md.annotations.clear();
                    md.non_nil.annotations = false;
                }
                Node::Map(am) => {
                    md.non_nil.annotations = true;
                    for (ak, av) in entries(am) {
                        let mut s = md.annotations.get(&ak).cloned().unwrap_or_default();
                        if matches!(av, Node::Null) {
                            s.clear();
                        }
                        dec_string(av, at, &mut s)?;
                        md.annotations.insert(ak, s);
                    }
                }
                _ => return Err(type_error(v, at, "map[string]string")),
            },
            "kubeVersion" => dec_string(v, at, &mut md.kube_version)?,
            "dependencies" => {
                let null = dec_ptr_list(
                    v,
                    at,
                    "[]*chart.Dependency",
                    &mut md.dependencies,
                    |n, x| {
                        dec_dependency(ctx, n, ctx.top, &format!("{}dependencies", ctx.prefix), x)
                    },
                )?;
                md.null_dependency = null;
            }
            _ => dec_string(v, at, &mut md.chart_type)?,
        }
    }
    Ok(())
}

fn parse_yaml(
    file: &str,
    data: &[u8],
    fields: &'static [(&'static str, Target)],
) -> Result<Node, ChartError> {
    let text = String::from_utf8_lossy(data);
    yamlnode::parse(&text, Target::Struct(fields)).map_err(|message| ChartError::Yaml {
        file: file.to_owned(),
        message,
    })
}

fn decode_err(file: &str) -> impl Fn(String) -> ChartError + '_ {
    move |message| ChartError::Decode {
        file: file.to_owned(),
        message,
    }
}

impl Metadata {
    /// Decodes `data` (Chart.yaml or requirements.yaml, named `file` in errors) over this
    /// metadata: fields present in the file replace the current ones, as Go's JSON decoder
    /// does when Helm reads requirements.yaml into an already loaded Chart.yaml.
    pub fn decode_into(&mut self, file: &str, data: &[u8]) -> Result<(), ChartError> {
        let node = parse_yaml(file, data, METADATA_FIELDS)?;
        dec_metadata(&node, self).map_err(decode_err(file))
    }

    /// Parses a Chart.yaml (no validation; `apiVersion` defaults to `v1`).
    pub fn from_yaml(data: &[u8]) -> Result<Metadata, ChartError> {
        let mut md = Metadata::default();
        md.decode_into("Chart.yaml", data)?;
        if md.api_version.is_empty() {
            md.api_version = API_VERSION_V1.into();
        }
        Ok(md)
    }

    /// Which slices and maps are non-nil in Go (see [`NonNil`]).
    pub fn non_nil(&self) -> NonNil {
        NonNil {
            sources: self.non_nil.sources || !self.sources.is_empty(),
            keywords: self.non_nil.keywords || !self.keywords.is_empty(),
            maintainers: self.non_nil.maintainers || !self.maintainers.is_empty(),
            annotations: self.non_nil.annotations || !self.annotations.is_empty(),
            // Helm's dependency processing leaves an empty list nil.
            dependencies: !self.dependencies.is_empty(),
        }
    }

    /// Whether this is a library chart.
    pub fn is_library(&self) -> bool {
        self.chart_type == "library"
    }

    /// Helm's `Metadata.Validate`: sanitises string fields in place, then checks them.
    pub fn validate(&mut self) -> Result<(), ChartError> {
        let v = |s: &str| Err(ChartError::Validation(s.to_owned()));
        for s in [
            &mut self.name,
            &mut self.description,
            &mut self.home,
            &mut self.icon,
            &mut self.condition,
            &mut self.tags,
            &mut self.app_version,
            &mut self.kube_version,
        ] {
            sanitize_in_place(s);
        }
        for s in self.sources.iter_mut().chain(self.keywords.iter_mut()) {
            sanitize_in_place(s);
        }
        if self.api_version.is_empty() {
            return v("chart.metadata.apiVersion is required");
        }
        if self.name.is_empty() {
            return v("chart.metadata.name is required");
        }
        if self.name != go_base(&self.name) {
            return v(&format!(
                "chart.metadata.name {} is invalid",
                go_quote(&self.name)
            ));
        }
        if self.version.is_empty() {
            return v("chart.metadata.version is required");
        }
        if semver::parse_version(&self.version).is_none() {
            return v(&format!(
                "chart.metadata.version {} is invalid",
                go_quote(&self.version)
            ));
        }
        if !matches!(self.chart_type.as_str(), "" | "application" | "library") {
            return v("chart.metadata.type must be application or library");
        }
        if self.null_maintainer {
            return v("maintainers must not contain empty or null nodes");
        }
        for m in &mut self.maintainers {
            sanitize_in_place(&mut m.name);
            sanitize_in_place(&mut m.email);
            sanitize_in_place(&mut m.url);
        }
        if self.null_dependency {
            return v("dependencies must not contain empty or null nodes");
        }
        let mut seen = std::collections::HashSet::new();
        for d in &mut self.dependencies {
            d.validate()?;
            let key = if d.alias.is_empty() {
                d.name.clone()
            } else {
                d.alias.clone()
            };
            if !seen.insert(key.clone()) {
                return v(&format!(
                    "more than one dependency with name or alias {}",
                    go_quote(&key)
                ));
            }
        }
        Ok(())
    }
}

impl Dependency {
    /// Whether Go holds `tags` as a non-nil slice (set in the file, or not empty).
    pub fn non_nil_tags(&self) -> bool {
        self.tags_non_nil || !self.tags.is_empty()
    }

    /// Helm's `Dependency.Validate`: sanitises, then checks the alias.
    pub fn validate(&mut self) -> Result<(), ChartError> {
        sanitize_in_place(&mut self.name);
        sanitize_in_place(&mut self.version);
        sanitize_in_place(&mut self.repository);
        sanitize_in_place(&mut self.condition);
        for t in &mut self.tags {
            sanitize_in_place(t);
        }
        let alias_ok = self
            .alias
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if !self.alias.is_empty() && !alias_ok {
            return Err(ChartError::Validation(format!(
                "dependency {} has disallowed characters in the alias",
                go_quote(&self.name)
            )));
        }
        Ok(())
    }
}

impl Lock {
    /// Parses a Chart.lock / requirements.lock (named `file` in errors).
    pub fn from_yaml(file: &str, data: &[u8]) -> Result<Lock, ChartError> {
        let node = parse_yaml(file, data, LOCK_FIELDS)?;
        let mut lock = Lock::default();
        dec_lock(&node, &mut lock).map_err(decode_err(file))?;
        Ok(lock)
    }
}

fn dec_lock(n: &Node, lock: &mut Lock) -> DResult {
    let m = match n {
        Node::Null => return Ok(()),
        Node::Map(m) => m,
        _ => {
            return Err(type_error(
                n,
                At {
                    strukt: "",
                    path: "",
                },
                "chart.Lock",
            ))
        }
    };
    for (k, v) in entries(m) {
        let Some(f) = field(LOCK_FIELDS, &k) else {
            continue;
        };
        let at = At {
            strukt: "Lock",
            path: f,
        };
        match f {
            "generated" => match v {
                Node::Null => {}
                Node::Str(s) => {
                    if !looks_like_rfc3339(s) {
                        return Err(format!(
                            "parsing time {} as \"2006-01-02T15:04:05Z07:00\": cannot parse {} as \"2006\"",
                            go_quote(s),
                            go_quote(s)
                        ));
                    }
                    lock.generated = s.clone();
                }
                _ => return Err(type_error(v, at, "time.Time")),
            },
            "digest" => dec_string(v, at, &mut lock.digest)?,
            _ => {
                dec_ptr_list(
                    v,
                    at,
                    "[]*chart.Dependency",
                    &mut lock.dependencies,
                    |n, x| dec_dependency(&CHART_YAML, n, "Lock", "dependencies", x),
                )?;
            }
        }
    }
    Ok(())
}

/// A loose RFC 3339 shape check (`2006-01-02T15:04:05Z`, with optional fraction/offset).
fn looks_like_rfc3339(s: &str) -> bool {
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| {
        b.get(r)
            .is_some_and(|x| x.iter().all(|c| c.is_ascii_digit()))
    };
    digits(0..4)
        && b.get(4) == Some(&b'-')
        && digits(5..7)
        && b.get(7) == Some(&b'-')
        && digits(8..10)
        && matches!(b.get(10), Some(b'T' | b't'))
        && digits(11..13)
        && b.get(13) == Some(&b':')
        && digits(14..16)
        && b.get(16) == Some(&b':')
        && digits(17..19)
        && b.len() > 19
}

/// [`sanitize`] without a copy when the text is printable ASCII (which it leaves alone).
fn sanitize_in_place(s: &mut String) {
    if !s.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        *s = sanitize(s);
    }
}

/// Helm's `sanitizeString`: white space → a space, non-printable characters dropped.
pub(crate) fn sanitize(s: &str) -> String {
    s.chars()
        .filter_map(|c| {
            if c.is_whitespace() {
                Some(' ')
            } else if is_printable(c) {
                Some(c)
            } else {
                None
            }
        })
        .collect()
}

/// Approximates Go's `unicode.IsPrint` (without Unicode tables for unassigned code
/// points): controls, format characters, private use and non-characters are not printable.
fn is_printable(c: char) -> bool {
    let u = c as u32;
    !(c.is_control()
        || u == 0xAD
        || (0x600..=0x605).contains(&u)
        || u == 0x61C
        || u == 0x6DD
        || u == 0x70F
        || (0x200B..=0x200F).contains(&u)
        || (0x202A..=0x202E).contains(&u)
        || (0x2060..=0x206F).contains(&u)
        || u == 0xFEFF
        || (0xFFF9..=0xFFFB).contains(&u)
        || (0xE000..=0xF8FF).contains(&u)
        || u >= 0xF0000
        || (0xFDD0..=0xFDEF).contains(&u)
        || (u & 0xFFFE) == 0xFFFE
        || (0xE0000..=0xE007F).contains(&u))
}

/// Go's `filepath.Base` on a `/`-separated path.
fn go_base(p: &str) -> &str {
    if p.is_empty() {
        return ".";
    }
    let t = p.trim_end_matches('/');
    if t.is_empty() {
        return "/";
    }
    match t.rfind('/') {
        Some(i) => t.get(i + 1..).unwrap_or(t),
        None => t,
    }
}

/// Go's `%q` for the strings that appear in messages.
pub(crate) fn go_quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(y: &str) -> Result<Metadata, ChartError> {
        let mut md = Metadata::from_yaml(y.as_bytes())?;
        md.validate()?;
        Ok(md)
    }

    fn err(y: &str) -> String {
        load(y).err().map(|e| e.to_string()).unwrap_or_default()
    }

    #[test]
    fn helm_messages() {
        assert_eq!(
            err("apiVersion: v2\nversion: 1.0.0\n"),
            "validation: chart.metadata.name is required"
        );
        assert_eq!(
            err("apiVersion: v2\nname: x\n"),
            "validation: chart.metadata.version is required"
        );
        assert_eq!(
            err("name: x\nversion: abc\n"),
            "validation: chart.metadata.version \"abc\" is invalid"
        );
        assert_eq!(
            err("name: a/b\nversion: 1.0.0\n"),
            "validation: chart.metadata.name \"a/b\" is invalid"
        );
        assert_eq!(
            err("name: x\nversion: 1.0.0\nkeywords: foo\n"),
            "cannot load Chart.yaml: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal string into Go struct field Metadata.keywords of type []string"
        );
        assert_eq!(
            err("name: x\nversion: 1.0.0\nmaintainers:\n- name: [1]\n"),
            "cannot load Chart.yaml: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal array into Go struct field Maintainer.maintainers.name of type string"
        );
        assert_eq!(
            err("name: x\nversion: 1.0.0\ndependencies:\n- name: x\n  enabled: 1\n"),
            "cannot load Chart.yaml: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal number into Go struct field Dependency.dependencies.enabled of type bool"
        );
        assert_eq!(
            err("name: x\nversion: 1.0.0\ndependencies: [foo]\n"),
            "cannot load Chart.yaml: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal string into Go struct field Metadata.dependencies of type chart.Dependency"
        );
        assert_eq!(
            err("name: x\nversion: 1.0.0\ndependencies: [null]\n"),
            "validation: dependencies must not contain empty or null nodes"
        );
        assert_eq!(
            err("name: x\nversion: 1.0.0\nmaintainers: [null]\n"),
            "validation: maintainers must not contain empty or null nodes"
        );
        assert_eq!(
            err("name: x\nversion: 1.0.0\ndependencies:\n- name: x\n- name: x\n"),
            "validation: more than one dependency with name or alias \"x\""
        );
        assert_eq!(
            err("name: x\nversion: 1.0.0\ndependencies:\n- name: x\n  alias: a.b\n"),
            "validation: dependency \"x\" has disallowed characters in the alias"
        );
        assert_eq!(
            err("name: x\nversion: 1.0.0\ntype: foo\n"),
            "validation: chart.metadata.type must be application or library"
        );
    }

    #[test]
    fn go_conversions() {
        let md = load("APIVERSION: v2\nNAME: x\nversion: 1.10\nappVersion: 1.10\nkeywords: [1, true, null, 2.50]\ndependencies:\n- name: d\n  alias: y\n  import-values: [a, {child: b, parent: c}, 3]\n")
            .unwrap_or_default();
        assert_eq!(md.api_version, "v2");
        assert_eq!(md.name, "x");
        assert_eq!(md.version, "1.1");
        assert_eq!(md.app_version, "1.1");
        assert_eq!(md.keywords, ["1", "true", "", "2.5"]);
        assert_eq!(
            md.dependencies.first().map(|d| d.alias.as_str()),
            Some("true")
        );
        assert_eq!(
            md.dependencies.first().map(|d| d.import_values.len()),
            Some(3)
        );
    }

    #[test]
    fn sanitizes() {
        let md = load("name: \" m\\t10\\x01\"\nversion: 1.0.0\n").unwrap_or_default();
        assert_eq!(md.name, " m 10");
    }

    #[test]
    fn lock_time() {
        let e = Lock::from_yaml("Chart.lock", b"generated: notatime\n")
            .err()
            .map(|e| e.to_string());
        assert_eq!(e.as_deref(), Some("cannot load Chart.lock: error unmarshaling JSON: while decoding JSON: parsing time \"notatime\" as \"2006-01-02T15:04:05Z07:00\": cannot parse \"notatime\" as \"2006\""));
        let l = Lock::from_yaml(
            "Chart.lock",
            b"generated: \"2024-01-02T03:04:05.1Z\"\ndigest: sha256:x\ndependencies:\n- name: a\n  version: 1.0.0\n",
        );
        assert_eq!(l.map(|l| l.dependencies.len()).ok(), Some(1));
    }
}
