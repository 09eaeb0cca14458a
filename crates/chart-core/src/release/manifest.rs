//! Splitting rendered files into documents and sorting them into manifests and hooks,
//! as Helm's `pkg/releaseutil` does (`SplitManifests`, `SortManifests`, kind orders).

use std::collections::{BTreeMap, HashMap};

use gotmpl::Value;

/// Helm's install order of kinds.
pub const INSTALL_ORDER: &[&str] = &[
    "PriorityClass",
    "Namespace",
    "NetworkPolicy",
    "ResourceQuota",
    "LimitRange",
    "PodSecurityPolicy",
    "PodDisruptionBudget",
    "ServiceAccount",
    "Secret",
    "SecretList",
    "ConfigMap",
    "StorageClass",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "CustomResourceDefinition",
    "ClusterRole",
    "ClusterRoleList",
    "ClusterRoleBinding",
    "ClusterRoleBindingList",
    "Role",
    "RoleList",
    "RoleBinding",
    "RoleBindingList",
    "Service",
    "DaemonSet",
    "Pod",
    "ReplicationController",
    "ReplicaSet",
    "Deployment",
    "HorizontalPodAutoscaler",
    "StatefulSet",
    "Job",
    "CronJob",
    "IngressClass",
    "Ingress",
    "APIService",
];

/// Helm's uninstall order of kinds.
pub const UNINSTALL_ORDER: &[&str] = &[
    "APIService",
    "Ingress",
    "IngressClass",
    "Service",
    "CronJob",
    "Job",
    "StatefulSet",
    "HorizontalPodAutoscaler",
    "Deployment",
    "ReplicaSet",
    "ReplicationController",
    "Pod",
    "DaemonSet",
    "RoleBindingList",
    "RoleBinding",
    "RoleList",
    "Role",
    "ClusterRoleBindingList",
    "ClusterRoleBinding",
    "ClusterRoleList",
    "ClusterRole",
    "CustomResourceDefinition",
    "PersistentVolumeClaim",
    "PersistentVolume",
    "StorageClass",
    "ConfigMap",
    "SecretList",
    "Secret",
    "ServiceAccount",
    "PodDisruptionBudget",
    "PodSecurityPolicy",
    "LimitRange",
    "ResourceQuota",
    "NetworkPolicy",
    "Namespace",
    "PriorityClass",
];

/// Hook events Helm knows.
pub const HOOK_EVENTS: &[&str] = &[
    "pre-install",
    "post-install",
    "pre-delete",
    "post-delete",
    "pre-upgrade",
    "post-upgrade",
    "pre-rollback",
    "post-rollback",
    "test",
];

/// Go's `\s` (ASCII white space, as RE2 defines it).
fn is_sep_space(b: u8) -> bool {
    matches!(b, b'\t' | b'\n' | 0x0c | b'\r' | b' ')
}

/// Helm's `SplitManifests`: the documents of one rendered file, trimmed, empty ones
/// dropped, in file order.
///
/// Helm splits on the regular expression `(?:^|\s*\n)---\s*` (leftmost-first): a `---`
/// at the very start of the text or right after a newline, taking the white space
/// before that newline and all white space after the dashes. That is done here by hand:
/// find each `\n---`, extend the separator back over the white space before it and
/// forward over the white space after it.
pub fn split_manifests(text: &str) -> Vec<String> {
    let t = text.trim();
    let b = t.as_bytes();
    let skip_space = |mut e: usize| {
        while e < b.len() && is_sep_space(b[e]) {
            e += 1;
        }
        e
    };
    let mut pieces: Vec<&str> = Vec::new();
    let mut beg = 0;
    if t.starts_with("---") {
        beg = skip_space(3);
    }
    let finder = memchr::memmem::Finder::new("\n---");
    while let Some(i) = finder.find(&b[beg..]) {
        let q = beg + i;
        let mut p = q;
        while p > beg && is_sep_space(b[p - 1]) {
            p -= 1;
        }
        pieces.push(&t[beg..p]);
        beg = skip_space(q + 4);
    }
    pieces.push(&t[beg..]);
    pieces
        .into_iter()
        .filter(|d| !d.is_empty())
        .map(|d| d.trim().to_string())
        .collect()
}

/// The head of a document: kind, name and annotations.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SimpleHead {
    /// `apiVersion`.
    pub api_version: String,
    /// `kind`.
    pub kind: String,
    /// `metadata.name`.
    pub name: String,
    /// `metadata.annotations`.
    pub annotations: BTreeMap<String, String>,
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Str(_) => "string",
        Value::Float(_) | Value::Int(..) => "number",
        Value::Bool(_) => "bool",
        Value::List(_) => "array",
        Value::Map(_) => "object",
        _ => "null",
    }
}

/// The string sigs.k8s.io/yaml makes of a scalar bound for a Go `string` field: YAML 1.1
/// booleans and numbers are coerced (`n` → `false`, `1.5` → `1.5` as float32 `%g`).
fn coerced(v: &Value) -> Option<String> {
    let g = match v {
        Value::Bool(b) => goyaml::GoVal::Bool(*b),
        Value::Int(i, k) if k.is_unsigned() => goyaml::GoVal::Uint(*i as u64),
        Value::Int(i, _) => goyaml::GoVal::Int(*i),
        Value::Float(f) => goyaml::GoVal::Float(*f),
        _ => return None,
    };
    goyaml::string_form(&g)
}

/// Decodes one value into a Go `string` field: `null` leaves it as it was.
fn set_str(dst: &mut String, v: &Value, field: &str) -> Result<(), String> {
    match v {
        Value::Nil => Ok(()),
        Value::Str(s) => {
            *dst = s.to_string();
            Ok(())
        }
        other => match coerced(other) {
            Some(s) => {
                *dst = s;
                Ok(())
            }
            None => Err(format!(
                "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal {} into Go struct field {field} of type string",
                json_kind(other)
            )),
        },
    }
}

/// The entries of a mapping that encoding/json gives to the struct field `name`, in the
/// order it decodes them (keys sorted, as sigs.k8s.io/yaml's JSON has them): the exact
/// name and any key equal to it ignoring case.
fn fold_entries(m: &gotmpl::MapRef, name: &str) -> Vec<Value> {
    let map = m.read();
    let mut keys: Vec<&String> = map
        .keys()
        .filter(|k| k.as_str() == name || k.eq_ignore_ascii_case(name))
        .collect();
    keys.sort();
    keys.into_iter()
        .filter_map(|k| map.get(k).cloned())
        .collect()
}

/// Parses a document's head the way Helm unmarshals it into `SimpleHead` (sigs.k8s.io/yaml:
/// YAML to JSON with scalars coerced for string fields, then encoding/json, which matches
/// field names ignoring case and reports the first type error after decoding the rest).
pub fn parse_head(doc: &str) -> Result<SimpleHead, String> {
    if let Some(msg) = gotmpl::bytestr::yaml_utf8_error(doc) {
        return Err(format!("error converting YAML to JSON: yaml: {msg}"));
    }
    let v = goyaml::from_yaml_head(doc).map_err(|e| e.to_string())?;
    let m = match v {
        Value::Nil => return Ok(SimpleHead::default()),
        Value::Map(m) => m,
        other => {
            return Err(format!(
                "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal {} into Go value of type releaseutil.SimpleHead",
                json_kind(&other)
            ))
        }
    };
    let mut head = SimpleHead::default();
    let mut first_err: Option<String> = None;
    let mut note = |r: Result<(), String>| {
        if let Err(e) = r {
            first_err.get_or_insert(e);
        }
    };
    // Top-level keys sort as `apiVersion` < `kind` < `metadata` (any capitalised
    // spelling sorts first), so decoding field by field keeps encoding/json's order.
    for v in fold_entries(&m, "apiVersion") {
        note(set_str(&mut head.api_version, &v, "SimpleHead.apiVersion"));
    }
    for v in fold_entries(&m, "kind") {
        note(set_str(&mut head.kind, &v, "SimpleHead.kind"));
    }
    for md in fold_entries(&m, "metadata") {
        match md {
            Value::Nil => {
                head.name.clear();
                head.annotations.clear();
            }
            Value::Map(md) => {
                for a in fold_entries(&md, "annotations") {
                    match a {
                        Value::Nil => head.annotations.clear(),
                        Value::Map(a) => {
                            for (k, v) in a.read().iter() {
                                let mut s = head.annotations.get(k).cloned().unwrap_or_default();
                                let r = set_str(&mut s, v, ".metadata.annotations");
                                if r.is_ok() {
                                    head.annotations.insert(k.clone(), s);
                                }
                                note(r);
                            }
                        }
                        other => note(Err(format!(
                            "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal {} into Go struct field .metadata.annotations of type map[string]string",
                            json_kind(&other)
                        ))),
                    }
                }
                for n in fold_entries(&md, "name") {
                    note(set_str(&mut head.name, &n, ".metadata.name"));
                }
            }
            other => note(Err(format!(
                "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal {} into Go struct field SimpleHead.metadata of type struct {{ Name string \"json:\\\"name\\\"\"; Annotations map[string]string \"json:\\\"annotations\\\"\" }}",
                json_kind(&other)
            ))),
        }
    }
    match first_err {
        Some(e) => Err(e),
        None => Ok(head),
    }
}

/// A rendered resource that is not a hook.
#[derive(Clone, Debug)]
pub struct Manifest {
    /// The template path it came from (`chart/templates/x.yaml`).
    pub name: String,
    /// The document text.
    pub content: String,
    /// Its head.
    pub head: SimpleHead,
}

/// A rendered hook resource.
#[derive(Clone, Debug)]
pub struct Hook {
    /// `metadata.name`.
    pub name: String,
    /// `kind`.
    pub kind: String,
    /// The template path it came from.
    pub path: String,
    /// The document text.
    pub manifest: String,
    /// Its events, in annotation order.
    pub events: Vec<String>,
    /// `helm.sh/hook-weight` (0 when absent or invalid).
    pub weight: i64,
    /// `helm.sh/hook-delete-policy` entries.
    pub delete_policies: Vec<String>,
}

/// Why sorting failed: a document that is not valid YAML (or not an object).
#[derive(Debug, Clone, thiserror::Error)]
#[error("YAML parse error on {path}: {msg}")]
pub struct SortError {
    /// The template path.
    pub path: String,
    /// The parser's message.
    pub msg: String,
}

fn kind_rank(order: &[&str], kind: &str) -> Option<usize> {
    order.iter().position(|k| *k == kind)
}

/// Helm's `lessByKind` as a comparator for a stable sort.
fn kind_cmp(order: &[&str], a: &str, b: &str) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    match (kind_rank(order, a), kind_rank(order, b)) {
        (None, None) => a.cmp(b),
        (None, Some(_)) => Ordering::Greater,
        (Some(_), None) => Ordering::Less,
        (Some(x), Some(y)) => x.cmp(&y),
    }
}

/// Helm's `SortManifests`: files in path order, each split into documents; hook
/// documents (annotation `helm.sh/hook`) become hooks, the rest manifests; both lists
/// stably sorted by kind in `order`. Files whose base name starts with `_` and
/// white-space-only files are skipped. Unknown hook events drop the document, with
/// Helm's log line returned in the warnings.
pub fn sort_manifests(
    files: BTreeMap<String, String>,
    order: &[&str],
    warnings: &mut Vec<String>,
) -> Result<(Vec<Hook>, Vec<Manifest>), SortError> {
    sort_manifests_read(files, &mut HashMap::new(), order, warnings)
}

/// A rendered file split into documents, each with its head read (see
/// [`read_file_heads`]), or `None` for a head left to [`sort_manifests_read`].
pub type FileHeads = Vec<(String, Option<Result<SimpleHead, String>>)>;

/// The documents of one rendered file with their heads, as [`sort_manifests`] reads
/// them; `None` for a file it skips (a partial `_*` or white space only). Lets a caller
/// read the heads of files as they are rendered, on another thread.
pub fn read_file_heads(path: &str, content: &str) -> Option<FileHeads> {
    read_file_heads_until(path, content, &|| false)
}

/// [`read_file_heads`] that stops reading heads once `stop` answers true: the documents
/// after that keep no head, and [`sort_manifests_read`] reads them (on all cores when
/// they are big). A reader thread that falls behind the renderer hands its remaining work
/// back this way when rendering ends.
pub fn read_file_heads_until(
    path: &str,
    content: &str,
    stop: &dyn Fn() -> bool,
) -> Option<FileHeads> {
    let base = path.rsplit('/').next().unwrap_or(path);
    if base.starts_with('_') || content.trim().is_empty() {
        return None;
    }
    Some(
        split_manifests(content)
            .into_iter()
            .map(|d| {
                let h = (!stop()).then(|| parse_head(&d));
                (d, h)
            })
            .collect(),
    )
}

/// [`sort_manifests`] with the documents and heads of some files already read (by
/// [`read_file_heads`] of the same content); the others are read here.
pub fn sort_manifests_read(
    files: BTreeMap<String, String>,
    read: &mut HashMap<String, FileHeads>,
    order: &[&str],
    warnings: &mut Vec<String>,
) -> Result<(Vec<Hook>, Vec<Manifest>), SortError> {
    let mut hooks = Vec::new();
    let mut generic = Vec::new();
    // Each rendered file is dropped once split, so its text is not held twice.
    let mut paths: Vec<String> = Vec::new();
    let mut docs: Vec<(usize, String)> = Vec::new();
    // Heads read beforehand, by index into `docs`.
    let mut known: Vec<Option<Result<SimpleHead, String>>> = Vec::new();
    for (path, content) in files {
        let base = path.rsplit('/').next().unwrap_or(&path);
        if base.starts_with('_') || content.trim().is_empty() {
            continue;
        }
        let at = paths.len();
        if let Some(done) = read.remove(&path) {
            drop(content);
            for (d, h) in done {
                docs.push((at, d));
                known.push(h);
            }
        } else {
            for d in split_manifests(&content) {
                docs.push((at, d));
                known.push(None);
            }
        }
        paths.push(path);
    }
    // Reading each document's head means a full YAML scan of it; documents are
    // independent, so big outputs are read on several threads. Errors are still
    // reported for the first failing document in order.
    /// Below this many bytes of documents, one thread is faster.
    const PARALLEL_MIN_BYTES: usize = 64 * 1024;
    let total: usize = docs
        .iter()
        .zip(&known)
        .filter(|(_, k)| k.is_none())
        .map(|((_, d), _)| d.len())
        .sum();
    let todo: Vec<(&String, bool)> = docs
        .iter()
        .zip(&known)
        .map(|((_, d), k)| (d, k.is_none()))
        .collect();
    let fresh = gotmpl::par::map_in_order(&todo, total >= PARALLEL_MIN_BYTES, |(doc, need)| {
        need.then(|| parse_head(doc))
    });
    let heads: Vec<Result<SimpleHead, String>> = known
        .into_iter()
        .zip(fresh)
        .map(|(k, f)| k.or(f).unwrap_or_else(|| Ok(SimpleHead::default())))
        .collect();
    for ((at, doc), head) in docs.into_iter().zip(heads) {
        let path = &paths[at];
        let head = head.map_err(|msg| SortError {
            path: path.clone(),
            msg,
        })?;
        let Some(hook_types) = head.annotations.get("helm.sh/hook").cloned() else {
            generic.push(Manifest {
                name: path.clone(),
                content: doc,
                head,
            });
            continue;
        };
        let weight = head
            .annotations
            .get("helm.sh/hook-weight")
            .and_then(|w| w.parse::<i64>().ok())
            .unwrap_or(0);
        let mut events = Vec::new();
        let mut unknown = false;
        for t in hook_types.split(',') {
            let t = t.trim().to_lowercase();
            let t = if t == "test-success" {
                "test".to_string()
            } else {
                t
            };
            if !HOOK_EVENTS.contains(&t.as_str()) {
                unknown = true;
                break;
            }
            events.push(t);
        }
        if unknown {
            warnings.push(format!(
                "manifest_sorter.go:190: info: skipping unknown hook: {}",
                gotmpl::fmt::go_quote(&hook_types)
            ));
            continue;
        }
        let delete_policies = head
            .annotations
            .get("helm.sh/hook-delete-policy")
            .map(|p| {
                p.split(',')
                    .map(|s| s.trim().to_lowercase())
                    .filter(|s| !s.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        hooks.push(Hook {
            name: head.name.clone(),
            kind: head.kind.clone(),
            path: path.clone(),
            manifest: doc,
            events,
            weight,
            delete_policies,
        });
    }
    hooks.sort_by(|a, b| kind_cmp(order, &a.kind, &b.kind));
    generic.sort_by(|a, b| kind_cmp(order, &a.head.kind, &b.head.kind));
    Ok((hooks, generic))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_like_helm() {
        let docs = split_manifests("a: 1\n---\nb: 2\n--- # c\nd: 3\n---\n\n");
        assert_eq!(docs, vec!["a: 1", "b: 2", "# c\nd: 3"]);
    }

    /// The splitter agrees with helm's regular expression, run by a regex engine,
    /// on texts made of the characters that matter to it.
    #[test]
    fn hand_splitter_agrees_with_helms_regex() {
        use proptest::prelude::*;
        let re = regex::Regex::new(r"(?:^|[\t\n\f\r ]*\n)---[\t\n\f\r ]*").expect("pattern");
        let reference = |text: &str| -> Vec<String> {
            re.split(text.trim())
                .filter(|d| !d.is_empty())
                .map(|d| d.trim().to_string())
                .collect()
        };
        let piece = prop::sample::select(vec![
            "-", "---", "\n", "\n---", " ", "\t", "\r", "\x0c", "a", "b: 1", "\u{a0}", "#",
        ]);
        proptest!(ProptestConfig::with_cases(4000), |(parts in prop::collection::vec(piece, 0..24))| {
            let text: String = parts.concat();
            prop_assert_eq!(split_manifests(&text), reference(&text), "text {:?}", text);
        });
    }

    #[test]
    fn unknown_kinds_sort_last_alphabetically() {
        let mut v = vec!["Zeta", "Deployment", "Alpha", "Namespace"];
        v.sort_by(|a, b| kind_cmp(INSTALL_ORDER, a, b));
        assert_eq!(v, vec!["Namespace", "Deployment", "Alpha", "Zeta"]);
    }
}
