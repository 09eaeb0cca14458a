//! The patches helm 3 sends on upgrade: client-go's three-way strategic merge patch
//! (`CreateThreeWayMergePatch` with overwrite) for built-in kinds, and a two-way JSON
//! merge patch (RFC 7386, evanphx's `CreateMergePatch`) for everything else.
//!
//! The strategic patch needs each field's patch strategy and merge key. helm takes them
//! from the compiled Go types; here they come from the server's OpenAPI v2 document
//! (`x-kubernetes-patch-strategy`, `x-kubernetes-patch-merge-key`), which the API server
//! generates from those same types.

use std::collections::HashMap;

use serde_json::{Map, Value};

const DIRECTIVE: &str = "$patch";
const DELETE: &str = "delete";
const REPLACE: &str = "replace";
const MERGE: &str = "merge";
const RETAIN_KEYS: &str = "retainKeys";
const RETAIN_KEYS_DIRECTIVE: &str = "$retainKeys";
const DELETE_PRIMITIVE_PREFIX: &str = "$deleteFromPrimitiveList";
const SET_ORDER_PREFIX: &str = "$setElementOrder";

/// Errors computing a patch (client-go's `mergepatch` texts).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct PatchError(pub String);

/// The patch metadata of an OpenAPI v2 document: its definitions and an index from
/// group/version/kind to definition name.
#[derive(Debug, Default)]
pub struct OpenApiSchema {
    definitions: Map<String, Value>,
    by_gvk: HashMap<(String, String, String), String>,
}

impl OpenApiSchema {
    /// Reads an OpenAPI v2 document (`/openapi/v2` as JSON).
    pub fn from_json(doc: Value) -> OpenApiSchema {
        let definitions = match doc {
            Value::Object(mut m) => match m.remove("definitions") {
                Some(Value::Object(d)) => d,
                _ => Map::new(),
            },
            _ => Map::new(),
        };
        let mut by_gvk = HashMap::new();
        for (name, def) in &definitions {
            if let Some(Value::Array(gvks)) = def.get("x-kubernetes-group-version-kind") {
                for g in gvks {
                    let s = |k: &str| g.get(k).and_then(Value::as_str).unwrap_or("").to_string();
                    by_gvk.insert((s("group"), s("version"), s("kind")), name.clone());
                }
            }
        }
        OpenApiSchema {
            definitions,
            by_gvk,
        }
    }

    /// The patch metadata for objects of a kind; without a definition every field merges
    /// as in a JSON merge patch (maps recurse, lists are replaced).
    pub fn lookup(&self, group: &str, version: &str, kind: &str) -> Meta<'_> {
        let node = self
            .by_gvk
            .get(&(group.to_string(), version.to_string(), kind.to_string()))
            .and_then(|n| self.definitions.get(n));
        Meta {
            schema: Some(self),
            node,
        }
    }

    fn resolve<'a>(&'a self, mut v: &'a Value) -> &'a Value {
        for _ in 0..16 {
            match v.get("$ref").and_then(Value::as_str) {
                Some(r) => match r
                    .strip_prefix("#/definitions/")
                    .and_then(|n| self.definitions.get(n))
                {
                    Some(d) => v = d,
                    None => return v,
                },
                None => return v,
            }
        }
        v
    }
}

/// The patch metadata at one point of an object (client-go's `LookupPatchMeta`).
#[derive(Clone, Copy, Debug, Default)]
pub struct Meta<'a> {
    schema: Option<&'a OpenApiSchema>,
    node: Option<&'a Value>,
}

/// A field's patch strategy and merge key.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct FieldMeta {
    strategies: Vec<String>,
    merge_key: String,
}

impl FieldMeta {
    /// `(retainKeys, other strategy)` (client-go's `extractRetainKeysPatchStrategy`).
    fn split(&self) -> Result<(bool, &str), PatchError> {
        match self.strategies.as_slice() {
            [] => Ok((false, "")),
            [one] if one == RETAIN_KEYS => Ok((true, "")),
            [one] => Ok((false, one)),
            [a, b] if a == RETAIN_KEYS => Ok((true, b)),
            [a, b] if b == RETAIN_KEYS => Ok((true, a)),
            other => Err(PatchError(format!("unexpected patch strategy: {other:?}"))),
        }
    }
}

impl<'a> Meta<'a> {
    /// No metadata at all: JSON-merge-like behaviour everywhere.
    pub fn none() -> Meta<'static> {
        Meta {
            schema: None,
            node: None,
        }
    }

    fn field(&self, key: &str) -> (Meta<'a>, FieldMeta) {
        let (Some(schema), Some(node)) = (self.schema, self.node) else {
            return (Meta::default(), FieldMeta::default());
        };
        let node = schema.resolve(node);
        let prop = node
            .get("properties")
            .and_then(|p| p.get(key))
            .or_else(|| node.get("additionalProperties").filter(|a| a.is_object()));
        let Some(prop) = prop else {
            return (Meta::default(), FieldMeta::default());
        };
        let fm = FieldMeta {
            strategies: prop
                .get("x-kubernetes-patch-strategy")
                .and_then(Value::as_str)
                .map(|s| {
                    s.split(',')
                        .map(|x| x.trim().to_string())
                        .filter(|x| !x.is_empty())
                        .collect()
                })
                .unwrap_or_default(),
            merge_key: prop
                .get("x-kubernetes-patch-merge-key")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string(),
        };
        let resolved = schema.resolve(prop);
        let child = match resolved.get("items") {
            Some(items) if resolved.get("type").and_then(Value::as_str) == Some("array") => {
                schema.resolve(items)
            }
            _ => resolved,
        };
        (
            Meta {
                schema: Some(schema),
                node: Some(child),
            },
            fm,
        )
    }
}

#[derive(Clone, Copy, Default)]
struct DiffOptions {
    ignore_deletions: bool,
    ignore_changes_and_additions: bool,
    set_element_order: bool,
    build_retain_keys: bool,
}

/// Deep equality as Go's `reflect.DeepEqual` on decoded JSON (all numbers are float64).
pub fn json_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| json_eq(p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| json_eq(v, w)))
        }
        _ => a == b,
    }
}

fn same_type(a: &Value, b: &Value) -> bool {
    std::mem::discriminant(a) == std::mem::discriminant(b)
}

/// Go's `%v` of a decoded JSON scalar (merge-key values are compared and sorted as text).
fn go_text(v: &Value) -> String {
    match v {
        Value::Null => "<nil>".into(),
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => {
            let f = n.as_f64().unwrap_or(0.0);
            if f.fract() == 0.0 && f.abs() < 1e21 {
                format!("{}", f as i64)
            } else {
                format!("{f}")
            }
        }
        other => other.to_string(),
    }
}

fn diff_maps(
    original: &Map<String, Value>,
    modified: &Map<String, Value>,
    meta: Meta<'_>,
    opts: DiffOptions,
) -> Result<Map<String, Value>, PatchError> {
    let mut patch = Map::new();
    let mut retain: Vec<String> = Vec::new();
    for (key, mv) in modified {
        if opts.build_retain_keys && !mv.is_null() {
            retain.push(key.clone());
        }
        let Some(ov) = original.get(key) else {
            if !opts.ignore_changes_and_additions {
                patch.insert(key.clone(), mv.clone());
            }
            continue;
        };
        if key == DIRECTIVE {
            match (ov.as_str(), mv.as_str()) {
                (Some(o), Some(m)) => {
                    if o != m {
                        patch.insert(key.clone(), mv.clone());
                    }
                    continue;
                }
                _ => {
                    return Err(PatchError(format!(
                        "invalid value for special key: {DIRECTIVE}"
                    )))
                }
            }
        }
        if !same_type(ov, mv) {
            if !opts.ignore_changes_and_additions {
                patch.insert(key.clone(), mv.clone());
            }
            continue;
        }
        match (ov, mv) {
            (Value::Object(o), Value::Object(m)) => {
                let (sub, fm) = meta.field(key);
                let (retain_keys, strategy) = fm.split()?;
                let mut o2 = opts;
                o2.build_retain_keys = retain_keys;
                if strategy == REPLACE {
                    if !opts.ignore_changes_and_additions {
                        patch.insert(key.clone(), mv.clone());
                    }
                } else {
                    let p = diff_maps(o, m, sub, o2)?;
                    if !p.is_empty() {
                        patch.insert(key.clone(), Value::Object(p));
                    }
                }
            }
            (Value::Array(o), Value::Array(m)) => {
                let (sub, fm) = meta.field(key);
                let (retain_keys, strategy) = fm.split()?;
                if strategy == MERGE {
                    let mut o2 = opts;
                    o2.build_retain_keys = retain_keys;
                    let (add, del, order) = diff_lists(o, m, sub, &fm.merge_key, o2)?;
                    if !add.is_empty() {
                        patch.insert(key.clone(), Value::Array(add));
                    }
                    if !del.is_empty() {
                        patch.insert(
                            format!("{DELETE_PRIMITIVE_PREFIX}/{key}"),
                            Value::Array(del),
                        );
                    }
                    if !order.is_empty() {
                        patch.insert(format!("{SET_ORDER_PREFIX}/{key}"), Value::Array(order));
                    }
                } else if !opts.ignore_changes_and_additions && !json_eq(ov, mv) {
                    patch.insert(key.clone(), mv.clone());
                }
            }
            _ => {
                if !opts.ignore_changes_and_additions && !json_eq(ov, mv) {
                    patch.insert(key.clone(), mv.clone());
                }
            }
        }
    }
    if !opts.ignore_deletions {
        for key in original.keys() {
            if !modified.contains_key(key) {
                patch.insert(key.clone(), Value::Null);
            }
        }
    }
    let extra_in_original = original
        .iter()
        .any(|(k, v)| !v.is_null() && !modified.contains_key(k));
    if !retain.is_empty() && (!patch.is_empty() || extra_in_original) {
        retain.sort();
        patch.insert(
            RETAIN_KEYS_DIRECTIVE.into(),
            Value::Array(retain.into_iter().map(Value::String).collect()),
        );
    }
    Ok(patch)
}

type Lists = (Vec<Value>, Vec<Value>, Vec<Value>);
type Keyed = Vec<(String, Map<String, Value>)>;

fn diff_lists(
    original: &[Value],
    modified: &[Value],
    meta: Meta<'_>,
    merge_key: &str,
    opts: DiffOptions,
) -> Result<Lists, PatchError> {
    if original.is_empty() {
        if modified.is_empty() || opts.ignore_changes_and_additions {
            return Ok((vec![], vec![], vec![]));
        }
        return Ok((modified.to_vec(), vec![], vec![]));
    }
    let first = original.iter().chain(modified).next();
    let of_maps = first.is_some_and(Value::is_object);
    if first.is_some_and(Value::is_array) {
        return Err(PatchError("lists of lists are not supported".into()));
    }
    let mixed = original
        .iter()
        .chain(modified)
        .any(|v| v.is_object() != of_maps || v.is_array());
    if mixed {
        return Err(PatchError("mismatched element types in list".into()));
    }
    if of_maps {
        let (patch, deletions) = diff_lists_of_maps(original, modified, meta, merge_key, opts)?;
        let mut patch = order_like(patch, modified, merge_key);
        let order_same = original.len() == modified.len()
            && original.iter().zip(modified).all(|(o, m)| {
                key_value(o, merge_key).map(go_text) == key_value(m, merge_key).map(go_text)
            });
        patch.extend(deletions);
        let mut order = Vec::new();
        if opts.set_element_order
            && ((!opts.ignore_changes_and_additions && (!patch.is_empty() || !order_same))
                || (!opts.ignore_deletions && !patch.is_empty()))
        {
            for m in modified {
                let mut entry = Map::new();
                entry.insert(
                    merge_key.to_string(),
                    key_value(m, merge_key).cloned().unwrap_or(Value::Null),
                );
                order.push(Value::Object(entry));
            }
        }
        Ok((patch, vec![], order))
    } else {
        let (add, del) = diff_lists_of_scalars(original, modified, opts);
        let add = order_like(add, modified, "");
        let mut order = Vec::new();
        if opts.set_element_order
            && ((!opts.ignore_deletions && !del.is_empty())
                || (!opts.ignore_changes_and_additions
                    && !json_eq(
                        &Value::Array(original.to_vec()),
                        &Value::Array(modified.to_vec()),
                    )))
        {
            order = modified.to_vec();
        }
        Ok((add, del, order))
    }
}

fn key_value<'v>(v: &'v Value, merge_key: &str) -> Option<&'v Value> {
    v.as_object().and_then(|m| m.get(merge_key))
}

/// Stable sort of `items` by their position in `order` (client-go's `normalizeSliceOrder`):
/// items with a `$patch: delete` directive go last.
fn order_like(items: Vec<Value>, order: &[Value], merge_key: &str) -> Vec<Value> {
    let index = |v: &Value| -> Option<usize> {
        if merge_key.is_empty() {
            order.iter().position(|o| json_eq(o, v))
        } else {
            let k = key_value(v, merge_key)?;
            order
                .iter()
                .position(|o| key_value(o, merge_key).is_some_and(|ok| json_eq(ok, k)))
        }
    };
    let (mut keep, deletes): (Vec<Value>, Vec<Value>) = items.into_iter().partition(|v| {
        merge_key.is_empty() || v.get(DIRECTIVE).and_then(Value::as_str) != Some(DELETE)
    });
    keep.sort_by_key(|v| index(v).unwrap_or(usize::MAX));
    keep.extend(deletes);
    keep
}

fn diff_lists_of_scalars(
    original: &[Value],
    modified: &[Value],
    opts: DiffOptions,
) -> (Vec<Value>, Vec<Value>) {
    let mut o: Vec<&Value> = original.iter().collect();
    let mut m: Vec<&Value> = modified.iter().collect();
    o.sort_by_key(|v| go_text(v));
    m.sort_by_key(|v| go_text(v));
    let (mut i, mut j) = (0, 0);
    let mut add = Vec::new();
    let mut del: Vec<Value> = Vec::new();
    loop {
        let oi = o.get(i);
        let mj = m.get(j);
        match (oi, mj) {
            (None, None) => break,
            (Some(a), Some(b)) if go_text(a) == go_text(b) => {
                i += 1;
                j += 1;
            }
            (None, Some(b)) => {
                if !opts.ignore_changes_and_additions {
                    add.push((*b).clone());
                }
                j += 1;
            }
            (Some(a), Some(b)) if go_text(a) > go_text(b) => {
                if !opts.ignore_changes_and_additions {
                    add.push((*b).clone());
                }
                j += 1;
            }
            (Some(a), _) => {
                if !opts.ignore_deletions && !del.iter().any(|d| json_eq(d, a)) {
                    del.push((*a).clone());
                }
                i += 1;
            }
        }
    }
    (add, del)
}

fn diff_lists_of_maps(
    original: &[Value],
    modified: &[Value],
    meta: Meta<'_>,
    merge_key: &str,
    opts: DiffOptions,
) -> Result<(Vec<Value>, Vec<Value>), PatchError> {
    let sorted = |l: &[Value]| -> Result<Keyed, PatchError> {
        let mut out = Vec::new();
        for v in l {
            let m = v
                .as_object()
                .ok_or_else(|| PatchError(format!("expected a map, got {v}")))?;
            let k = m.get(merge_key).ok_or_else(|| {
                PatchError(format!(
                    "map: {} does not contain declared merge key: {merge_key}",
                    go_map_text(m)
                ))
            })?;
            out.push((go_text(k), m.clone()));
        }
        out.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(out)
    };
    let o = sorted(original)?;
    let m = sorted(modified)?;
    let (mut i, mut j) = (0, 0);
    let mut patch = Vec::new();
    let mut deletions = Vec::new();
    loop {
        match (o.get(i), m.get(j)) {
            (None, None) => break,
            (Some((ok, om)), Some((mk, mm))) if ok == mk => {
                let mut p = diff_maps(om, mm, meta, opts)?;
                if !p.is_empty() {
                    if let Some(kv) = mm.get(merge_key) {
                        p.insert(merge_key.to_string(), kv.clone());
                    }
                    patch.push(Value::Object(p));
                }
                i += 1;
                j += 1;
            }
            (None, Some((_, mm))) => {
                if !opts.ignore_changes_and_additions {
                    patch.push(Value::Object(mm.clone()));
                }
                j += 1;
            }
            (Some((ok, _)), Some((mk, mm))) if ok > mk => {
                if !opts.ignore_changes_and_additions {
                    patch.push(Value::Object(mm.clone()));
                }
                j += 1;
            }
            (Some((_, om)), _) => {
                if !opts.ignore_deletions {
                    let mut d = Map::new();
                    d.insert(
                        merge_key.to_string(),
                        om.get(merge_key).cloned().unwrap_or(Value::Null),
                    );
                    d.insert(DIRECTIVE.into(), Value::String(DELETE.into()));
                    deletions.push(Value::Object(d));
                }
                i += 1;
            }
        }
    }
    Ok((patch, deletions))
}

fn go_map_text(m: &Map<String, Value>) -> String {
    let items: Vec<String> = m
        .iter()
        .map(|(k, v)| format!("{k}:{}", go_text(v)))
        .collect();
    format!("map[{}]", items.join(" "))
}

/// Merges the deletions patch with the changes patch (client-go's `mergeMap` of two
/// patches, as `CreateThreeWayMergePatch` does).
fn merge_patches(
    mut base: Map<String, Value>,
    delta: Map<String, Value>,
    meta: Meta<'_>,
) -> Result<Map<String, Value>, PatchError> {
    for (key, dv) in delta {
        if key.starts_with(SET_ORDER_PREFIX) || key == RETAIN_KEYS_DIRECTIVE {
            if let Some(bv) = base.get(&key) {
                if !json_eq(bv, &dv) {
                    return Err(PatchError(if key == RETAIN_KEYS_DIRECTIVE {
                        format!("{bv} and {dv} are not deep equal: this may happen when calculating the 3-way diff patch")
                    } else {
                        "invalid patch: $setElementOrder list must be a list of maps or primitives"
                            .into()
                    }));
                }
            } else {
                base.insert(key, dv);
            }
            continue;
        }
        let Some(bv) = base.get_mut(&key) else {
            base.insert(key, dv);
            continue;
        };
        if !same_type(bv, &dv) {
            *bv = dv;
            continue;
        }
        match (bv, dv) {
            (Value::Object(b), Value::Object(d)) => {
                let (sub, fm) = meta.field(&key);
                let (_, strategy) = fm.split()?;
                let merged = if strategy == REPLACE {
                    d
                } else {
                    merge_patches(std::mem::take(b), d, sub)?
                };
                *b = merged;
            }
            (Value::Array(b), Value::Array(d)) => {
                let (sub, fm) = meta.field(&key);
                let (_, strategy) = fm.split()?;
                if strategy != MERGE {
                    *b = d;
                } else if fm.merge_key.is_empty() || !d.iter().chain(b.iter()).any(Value::is_object)
                {
                    for v in d {
                        if !b.iter().any(|x| json_eq(x, &v)) {
                            b.push(v);
                        }
                    }
                } else {
                    let mk = fm.merge_key.clone();
                    for v in d {
                        let k = key_value(&v, &mk).cloned();
                        let pos = k.as_ref().and_then(|k| {
                            b.iter()
                                .position(|x| key_value(x, &mk).is_some_and(|xk| json_eq(xk, k)))
                        });
                        match (pos, v) {
                            (Some(p), Value::Object(vm)) => {
                                if let Value::Object(bm) = &mut b[p] {
                                    let merged = merge_patches(std::mem::take(bm), vm, sub)?;
                                    *bm = merged;
                                }
                            }
                            (_, v) => b.push(v),
                        }
                    }
                    // Changed and added elements first, deletions last (the order client-go's
                    // merge of the two patches ends with).
                    let (mut keep, dels): (Vec<Value>, Vec<Value>) = std::mem::take(b)
                        .into_iter()
                        .partition(|v| v.get(DIRECTIVE).and_then(Value::as_str) != Some(DELETE));
                    keep.extend(dels);
                    *b = keep;
                }
            }
            (bv, dv) => *bv = dv,
        }
    }
    Ok(base)
}

/// client-go's `CreateThreeWayMergePatch(original, modified, current, meta, overwrite=true)`:
/// the changes from `current` to `modified` (never deleting what only the server set)
/// plus the deletions from `original` to `modified`.
pub fn three_way_strategic(
    original: &Value,
    modified: &Value,
    current: &Value,
    meta: Meta<'_>,
) -> Result<Value, PatchError> {
    let empty = Map::new();
    let as_map = |v: &'_ Value| -> Result<Map<String, Value>, PatchError> {
        match v {
            Value::Object(m) => Ok(m.clone()),
            Value::Null => Ok(empty.clone()),
            _ => Err(PatchError("invalid JSON document".into())),
        }
    };
    let (o, m, c) = (as_map(original)?, as_map(modified)?, as_map(current)?);
    let delta = diff_maps(
        &c,
        &m,
        meta,
        DiffOptions {
            ignore_deletions: true,
            set_element_order: true,
            ..DiffOptions::default()
        },
    )?;
    let deletions = diff_maps(
        &o,
        &m,
        meta,
        DiffOptions {
            ignore_changes_and_additions: true,
            set_element_order: true,
            ..DiffOptions::default()
        },
    )?;
    Ok(Value::Object(merge_patches(deletions, delta, meta)?))
}

/// evanphx/json-patch's `CreateMergePatch(original, modified)` (RFC 7386).
pub fn json_merge_patch(original: &Value, modified: &Value) -> Value {
    match (original, modified) {
        (Value::Object(o), Value::Object(m)) => Value::Object(merge_diff(o, m)),
        _ => modified.clone(),
    }
}

fn merge_diff(a: &Map<String, Value>, b: &Map<String, Value>) -> Map<String, Value> {
    let mut into = Map::new();
    for (k, bv) in b {
        match a.get(k) {
            None => {
                into.insert(k.clone(), bv.clone());
            }
            Some(av) if !same_type(av, bv) => {
                into.insert(k.clone(), bv.clone());
            }
            Some(Value::Object(ao)) => {
                if let Value::Object(bo) = bv {
                    let d = merge_diff(ao, bo);
                    if !d.is_empty() {
                        into.insert(k.clone(), Value::Object(d));
                    }
                }
            }
            Some(av) => {
                if !json_eq(av, bv) {
                    into.insert(k.clone(), bv.clone());
                }
            }
        }
    }
    for k in a.keys() {
        if !b.contains_key(k) {
            into.insert(k.clone(), Value::Null);
        }
    }
    into
}

/// Whether a patch is empty (`{}`), so that helm sends no request.
pub fn is_empty_patch(p: &Value) -> bool {
    p.as_object().is_some_and(Map::is_empty)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    fn schema() -> OpenApiSchema {
        OpenApiSchema::from_json(json!({"definitions": {
            "Deployment": {"x-kubernetes-group-version-kind": [{"group": "apps", "version": "v1", "kind": "Deployment"}],
                "properties": {"spec": {"$ref": "#/definitions/DeploymentSpec"}, "metadata": {"$ref": "#/definitions/ObjectMeta"}}},
            "ObjectMeta": {"properties": {"labels": {"type": "object", "additionalProperties": {"type": "string"}},
                "finalizers": {"type": "array", "items": {"type": "string"}, "x-kubernetes-patch-strategy": "merge"}}},
            "DeploymentSpec": {"properties": {"template": {"$ref": "#/definitions/PodTemplateSpec"},
                "strategy": {"$ref": "#/definitions/Strategy", "x-kubernetes-patch-strategy": "retainKeys"}}},
            "Strategy": {"properties": {"type": {"type": "string"}, "rollingUpdate": {"type": "object"}}},
            "PodTemplateSpec": {"properties": {"spec": {"$ref": "#/definitions/PodSpec"}}},
            "PodSpec": {"properties": {"containers": {"type": "array", "items": {"$ref": "#/definitions/Container"},
                "x-kubernetes-patch-merge-key": "name", "x-kubernetes-patch-strategy": "merge"},
                "volumes": {"type": "array", "items": {"$ref": "#/definitions/Volume"},
                "x-kubernetes-patch-merge-key": "name", "x-kubernetes-patch-strategy": "merge,retainKeys"}}},
            "Volume": {"properties": {"name": {"type": "string"}, "configMap": {"type": "object"}, "secret": {"type": "object"}}},
            "Container": {"properties": {"env": {"type": "array", "items": {"type": "object"},
                "x-kubernetes-patch-merge-key": "name", "x-kubernetes-patch-strategy": "merge"},
                "ports": {"type": "array", "items": {"type": "object"},
                "x-kubernetes-patch-merge-key": "containerPort", "x-kubernetes-patch-strategy": "merge"},
                "args": {"type": "array", "items": {"type": "string"}}}}
        }}))
    }

    fn dep(containers: Value) -> Value {
        json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"},
            "spec": {"template": {"spec": {"containers": containers}}}})
    }

    #[test]
    fn container_added_and_removed() {
        let s = schema();
        let meta = s.lookup("apps", "v1", "Deployment");
        let orig = dep(json!([{"name": "a", "image": "x"}, {"name": "b", "image": "y"}]));
        let modi = dep(json!([{"name": "a", "image": "x"}, {"name": "c", "image": "z"}]));
        let mut cur = dep(
            json!([{"name": "a", "image": "x", "imagePullPolicy": "IfNotPresent"},
            {"name": "b", "image": "y", "imagePullPolicy": "IfNotPresent"}]),
        );
        cur["metadata"]["uid"] = json!("u");
        let p = three_way_strategic(&orig, &modi, &cur, meta).unwrap();
        assert_eq!(
            p.to_string(),
            r#"{"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"a"},{"name":"c"}],"containers":[{"image":"z","name":"c"},{"$patch":"delete","name":"b"}]}}}}"#
        );
    }

    #[test]
    fn unchanged_is_empty_and_server_fields_stay() {
        let s = schema();
        let meta = s.lookup("apps", "v1", "Deployment");
        let orig = dep(json!([{"name": "a", "image": "x", "ports": [{"containerPort": 80}]}]));
        let cur = dep(
            json!([{"name": "a", "image": "x", "ports": [{"containerPort": 80, "protocol": "TCP"}]}]),
        );
        let p = three_way_strategic(&orig, &orig, &cur, meta).unwrap();
        assert!(is_empty_patch(&p), "{p}");
    }

    #[test]
    fn removed_field_and_env_entry() {
        let s = schema();
        let meta = s.lookup("apps", "v1", "Deployment");
        let orig = dep(
            json!([{"name": "a", "args": ["1"], "env": [{"name": "X", "value": "1"}, {"name": "Y", "value": "2"}]}]),
        );
        let modi = dep(json!([{"name": "a", "env": [{"name": "X", "value": "1"}]}]));
        let p = three_way_strategic(&orig, &modi, &orig, meta).unwrap();
        assert_eq!(
            p.to_string(),
            r#"{"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"a"}],"containers":[{"$setElementOrder/env":[{"name":"X"}],"args":null,"env":[{"$patch":"delete","name":"Y"}],"name":"a"}]}}}}"#
        );
    }

    #[test]
    fn retain_keys_on_strategy_change() {
        let s = schema();
        let meta = s.lookup("apps", "v1", "Deployment");
        let orig = json!({"spec": {"strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1}}}});
        let modi = json!({"spec": {"strategy": {"type": "Recreate"}}});
        let p = three_way_strategic(&orig, &modi, &orig, meta).unwrap();
        assert_eq!(
            p.to_string(),
            r#"{"spec":{"strategy":{"$retainKeys":["type"],"rollingUpdate":null,"type":"Recreate"}}}"#
        );
    }

    #[test]
    fn primitive_merge_list() {
        let s = schema();
        let meta = s.lookup("apps", "v1", "Deployment");
        let orig = json!({"metadata": {"finalizers": ["a", "b"]}});
        let modi = json!({"metadata": {"finalizers": ["a", "c"]}});
        let p = three_way_strategic(&orig, &modi, &orig, meta).unwrap();
        assert_eq!(
            p.to_string(),
            r#"{"metadata":{"$deleteFromPrimitiveList/finalizers":["b"],"$setElementOrder/finalizers":["a","c"],"finalizers":["c"]}}"#
        );
    }

    #[test]
    fn configmap_data_change_is_small() {
        let meta = Meta::none();
        let orig = json!({"data": {"greeting": "hello"}, "metadata": {"name": "c"}});
        let modi = json!({"data": {"greeting": "bye"}, "metadata": {"name": "c", "labels": {"app.kubernetes.io/managed-by": "Helm"}}});
        let cur = json!({"data": {"greeting": "hello"}, "metadata": {"name": "c", "uid": "x", "labels": {"app.kubernetes.io/managed-by": "Helm"}}});
        let p = three_way_strategic(&orig, &modi, &cur, meta).unwrap();
        assert_eq!(p.to_string(), r#"{"data":{"greeting":"bye"}}"#);
    }

    #[test]
    fn json_merge_two_way() {
        let o = json!({"spec": {"size": 1, "tags": ["a"], "gone": 1}, "metadata": {"name": "w"}});
        let m = json!({"spec": {"size": 3, "tags": ["a"]}, "metadata": {"name": "w", "labels": {"x": "y"}}});
        assert_eq!(
            json_merge_patch(&o, &m).to_string(),
            r#"{"metadata":{"labels":{"x":"y"}},"spec":{"gone":null,"size":3}}"#
        );
        assert!(is_empty_patch(&json_merge_patch(&o, &o)));
    }

    #[test]
    fn numbers_compare_as_floats() {
        assert!(json_eq(&json!(1), &json!(1.0)));
        assert!(!json_eq(&json!(1), &json!("1")));
    }
}
