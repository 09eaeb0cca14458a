//! Coalescing user values with chart defaults (Helm's `chartutil.CoalesceValues`,
//! `MergeValues`, `CoalesceTables`, `MergeTables`).
//!
//! Rules (Helm 3.17.3 `pkg/chartutil/coalesce.go`):
//! * user values win; maps are merged, scalars and lists replaced;
//! * a user `null` deletes the key when coalescing (not when merging) — but only keys
//!   that exist in a lower layer; a `null` for an unknown key stays `null`;
//! * each subchart's section (by name, or alias) is coalesced with its defaults, after
//!   the parent's `global` table is copied into it (parent wins);
//! * chart defaults are deep-copied first, so they are never mutated;
//! * type clashes produce warnings (returned, not printed), as Helm logs them.
//!
//! Maps are shared references exactly where Go shares them (e.g. a global table copied
//! into a subchart is a shallow copy), so aliasing effects match Helm's.

use std::fmt;

use gotmpl::{MapRef, Value};

use super::new_map;

/// The key of global values.
pub const GLOBAL_KEY: &str = "global";

/// A warning Helm logs while coalescing (to stderr, as `coalesce.go:LINE: message`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Warning {
    /// Where Helm logs it, e.g. `coalesce.go:298` (Go's `log.Lshortfile` prefix).
    pub source: &'static str,
    /// The message text, e.g. `warning: cannot overwrite table with non table for t.m (1)`.
    pub message: String,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.source, self.message)
    }
}

/// A coalescing failure (Helm's error text in `Display`).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct CoalesceError(pub String);

/// The result of coalescing: the values and the warnings Helm would have logged.
#[derive(Clone, Debug)]
pub struct Coalesced {
    /// The coalesced values (always a map).
    pub values: Value,
    /// Warnings, in the order they were produced.
    pub warnings: Vec<Warning>,
}

/// What coalescing needs to know about a chart: its effective name (the alias, when the
/// dependency declaration gives one), its default values, its schema, and its enabled
/// subcharts in load order.
pub trait ChartNode {
    /// The chart's effective name: the alias for an aliased subchart, else Chart.yaml `name`.
    fn name(&self) -> &str;
    /// The chart's default values (`values.yaml`); a map, or nil for none.
    fn values(&self) -> &Value;
    /// The raw `values.schema.json`, if the chart has one.
    fn schema(&self) -> Option<&[u8]> {
        None
    }
    /// The enabled subcharts, in order.
    fn dependencies(&self) -> Vec<&Self>;
}

/// A plain chart tree for coalescing: name (or alias), defaults, schema, subcharts.
#[derive(Clone, Debug, Default)]
pub struct ValuesNode {
    /// Effective name (alias or Chart.yaml name).
    pub name: String,
    /// Default values (a map or nil).
    pub values: Value,
    /// Raw `values.schema.json` bytes.
    pub schema: Option<Vec<u8>>,
    /// Subcharts.
    pub children: Vec<ValuesNode>,
}

impl ValuesNode {
    /// A node without schema or children.
    pub fn new(name: impl Into<String>, values: Value) -> Self {
        ValuesNode {
            name: name.into(),
            values,
            schema: None,
            children: Vec::new(),
        }
    }
    /// Adds a subchart (builder style).
    pub fn with_child(mut self, child: ValuesNode) -> Self {
        self.children.push(child);
        self
    }
}

impl ChartNode for ValuesNode {
    fn name(&self) -> &str {
        &self.name
    }
    fn values(&self) -> &Value {
        &self.values
    }
    fn schema(&self) -> Option<&[u8]> {
        self.schema.as_deref()
    }
    fn dependencies(&self) -> Vec<&Self> {
        self.children.iter().collect()
    }
}

/// Helm's `CoalesceValues`: user values over chart defaults, recursively through the
/// subcharts, deleting keys the user set to `null`. `user` is deep-copied first.
pub fn coalesce_values<C: ChartNode>(chart: &C, user: &Value) -> Result<Coalesced, CoalesceError> {
    run(chart, user, false)
}

/// Helm's `MergeValues`: like [`coalesce_values`] but `null`s are kept (used by
/// dependency processing, e.g. import-values).
pub fn merge_values<C: ChartNode>(chart: &C, user: &Value) -> Result<Coalesced, CoalesceError> {
    run(chart, user, true)
}

/// [`coalesce_values`] for a caller that only reads the result and never mutates
/// it (dependency processing: tags and conditions, and the values handed to the
/// subcharts' own [`coalesce_values_readonly`]). Only the top-level entries the
/// coalescing can touch (the chart's own keys, its dependencies' names and
/// `global`) are deep-copied; the others stay shared with `user`, which is never
/// written through them. Same result and warnings as [`coalesce_values`], without
/// copying the whole parent tree for every subchart.
pub fn coalesce_values_readonly<C: ChartNode>(
    chart: &C,
    user: &Value,
) -> Result<Coalesced, CoalesceError> {
    let m = match user {
        Value::Map(m) if !m.is_nil() => m,
        _ => return run(chart, user, false),
    };
    let mut top = m.snapshot();
    let mut touch = |key: &str| {
        if let Some(v) = top.get_mut(key) {
            *v = v.deep_copy();
        }
    };
    touch(GLOBAL_KEY);
    if let Value::Map(own) = chart.values() {
        for k in own.read().keys() {
            if k != GLOBAL_KEY {
                touch(k);
            }
        }
    }
    for d in chart.dependencies() {
        if d.name() != GLOBAL_KEY
            && !matches!(chart.values(), Value::Map(o) if o.read().contains_key(d.name()))
        {
            touch(d.name());
        }
    }
    let dest = MapRef::new(top).with_kind(m.kind());
    let mut w = Vec::new();
    coalesce(chart, &dest, "", false, &mut w)?;
    Ok(Coalesced {
        values: Value::Map(dest),
        warnings: w,
    })
}

fn run<C: ChartNode>(chart: &C, user: &Value, merge: bool) -> Result<Coalesced, CoalesceError> {
    let dest = match user.deep_copy() {
        Value::Map(m) => m,
        _ => new_map(),
    };
    let mut w = Vec::new();
    coalesce(chart, &dest, "", merge, &mut w)?;
    Ok(Coalesced {
        values: Value::Map(dest),
        warnings: w,
    })
}

/// Helm's `CoalesceTables(dst, src)`: merges `src` into `dst` (dst authoritative),
/// deleting keys that are `null` in `dst`. Mutates `dst`; returns the warnings.
pub fn coalesce_tables(dst: &MapRef, src: &MapRef) -> Vec<Warning> {
    let mut w = Vec::new();
    tables(dst, src, "", false, &mut w);
    w
}

/// Helm's `MergeTables(dst, src)`: like [`coalesce_tables`] but keeps `null`s.
pub fn merge_tables(dst: &MapRef, src: &MapRef) -> Vec<Warning> {
    let mut w = Vec::new();
    tables(dst, src, "", true, &mut w);
    w
}

/// The values a chart at `path` (names/aliases below the root) sees as `.Values`: the
/// nested section of the root's coalesced values, or `{}` when it is missing or not a map.
pub fn scoped_values(root: &Value, path: &[&str]) -> Value {
    let mut cur = root.clone();
    for name in path {
        cur = match &cur {
            Value::Map(m) => match m.get(name) {
                Some(v @ Value::Map(_)) => v,
                _ => return Value::empty_map(),
            },
            _ => return Value::empty_map(),
        };
    }
    match cur {
        v @ Value::Map(_) => v,
        _ => Value::empty_map(),
    }
}

/// Makes `dst` share the parts of `src` that hold the same data (see
/// [`Value::same_data`]): every map entry of `dst` (at any depth) whose value equals the
/// entry of the same key in `src` is replaced by `src`'s, so the equal tables are kept
/// once instead of twice. Returns whether `dst` as a whole equals `src` (the caller may
/// then keep `src` in its place).
///
/// Only for trees that nothing writes through afterwards, where which of two equal
/// maps a reference points to cannot be told: a chart's values after dependency
/// processing, which every reader ([`coalesce_values`], schema validation, release
/// records) copies or only reads.
pub fn share_equal_parts(dst: &Value, src: &Value) -> bool {
    let (d, s) = match (dst, src) {
        (Value::Map(d), Value::Map(s)) => (d, s),
        _ => return dst.same_data(src),
    };
    if d.kind() != s.kind() || d.is_nil() != s.is_nil() {
        return false;
    }
    if d.ptr_eq(s) {
        return true;
    }
    // Pairs are collected first and compared without holding the locks, so that the
    // recursion may write into the nested tables.
    let mut all = d.len() == s.len();
    let pairs: Vec<(usize, Value, Value)> = {
        let (dr, sr) = (d.read(), s.read());
        dr.iter()
            .enumerate()
            .filter_map(|(i, (k, dv))| match sr.get(k) {
                Some(sv) => Some((i, dv.clone(), sv.clone())),
                None => {
                    all = false;
                    None
                }
            })
            .collect()
    };
    let mut same = Vec::new();
    for (i, dv, sv) in pairs {
        if share_equal_parts(&dv, &sv) {
            if !already_shared(&dv, &sv) {
                same.push((i, sv));
            }
        } else {
            all = false;
        }
    }
    if !all && !same.is_empty() {
        let mut dw = d.write();
        let mut same = same.into_iter().peekable();
        for (i, (_, v)) in dw.iter_mut().enumerate() {
            match same.peek() {
                Some((j, _)) if *j == i => {
                    if let Some((_, sv)) = same.next() {
                        *v = sv;
                    }
                }
                Some(_) => {}
                None => break,
            }
        }
    }
    all
}

/// Whether two equal values already share their storage (or have none worth sharing).
fn already_shared(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Map(x), Value::Map(y)) => x.ptr_eq(y),
        (Value::List(x), Value::List(y)) => x.ptr_eq(y),
        (Value::Str(x), Value::Str(y)) => std::sync::Arc::ptr_eq(x, y),
        (Value::Bytes(x), Value::Bytes(y)) => std::sync::Arc::ptr_eq(x, y),
        _ => true,
    }
}

fn concat_prefix(a: &str, b: &str) -> String {
    if a.is_empty() {
        b.to_string()
    } else {
        format!("{a}.{b}")
    }
}

fn warn(w: &mut Vec<Warning>, source: &'static str, message: String) {
    w.push(Warning { source, message });
}

fn coalesce<C: ChartNode>(
    ch: &C,
    dest: &MapRef,
    prefix: &str,
    merge: bool,
    w: &mut Vec<Warning>,
) -> Result<(), CoalesceError> {
    coalesce_own(ch, dest, prefix, merge, w);
    coalesce_deps(ch, dest, prefix, merge, w)
}

fn coalesce_deps<C: ChartNode>(
    ch: &C,
    dest: &MapRef,
    prefix: &str,
    merge: bool,
    w: &mut Vec<Warning>,
) -> Result<(), CoalesceError> {
    for sub in ch.dependencies() {
        let name = sub.name();
        let dv = match dest.get(name) {
            None => {
                let m = new_map();
                dest.write().insert(name.to_string(), Value::Map(m.clone()));
                m
            }
            Some(Value::Map(m)) => m,
            Some(other) => {
                return Err(CoalesceError(format!(
                    "type mismatch on {name}: {}",
                    bad_verb_t(&other)
                )))
            }
        };
        let sub_prefix = concat_prefix(prefix, ch.name());
        coalesce_globals(&dv, dest, &sub_prefix, w);
        coalesce(sub, &dv, &sub_prefix, merge, w)?;
        dest.write().insert(name.to_string(), Value::Map(dv));
    }
    Ok(())
}

/// Copies the globals of `src` (the parent's values) into `dest` (a subchart's values).
fn coalesce_globals(dest: &MapRef, src: &MapRef, prefix: &str, w: &mut Vec<Warning>) {
    let dg = match dest.get(GLOBAL_KEY) {
        None => new_map(),
        Some(Value::Map(m)) => m,
        Some(_) => {
            warn(
                w,
                "coalesce.go:138",
                format!(
                    "warning: skipping globals because destination {GLOBAL_KEY} is not a table."
                ),
            );
            return;
        }
    };
    let sg = match src.get(GLOBAL_KEY) {
        None => new_map(),
        Some(Value::Map(m)) => m,
        Some(_) => {
            warn(
                w,
                "coalesce.go:145",
                format!("warning: skipping globals because source {GLOBAL_KEY} is not a table."),
            );
            return;
        }
    };
    for (key, val) in sg.snapshot() {
        if let Value::Map(vm) = &val {
            // A shallow copy: nested tables stay shared with the parent's globals.
            let vv = MapRef::new(vm.snapshot());
            match dg.get(&key) {
                None => {
                    dg.write().insert(key, Value::Map(vv));
                }
                Some(Value::Map(destv)) => {
                    let sub_prefix = concat_prefix(prefix, &key);
                    tables(&vv, &destv, &sub_prefix, true, w);
                    dg.write().insert(key, Value::Map(vv));
                }
                Some(_) => warn(
                    w,
                    "coalesce.go:161",
                    format!(
                        "Conflict: cannot merge map onto non-map for {}. Skipping.",
                        gotmpl::fmt::go_quote(&key)
                    ),
                ),
            }
        } else if matches!(dg.get(&key), Some(Value::Map(_))) {
            warn(
                w,
                "coalesce.go:175",
                format!("key {key} is table. Skipping"),
            );
        } else {
            dg.write().insert(key, val);
        }
    }
    dest.write().insert(GLOBAL_KEY.to_string(), Value::Map(dg));
}

/// Helm's `coalesceValues`: the chart's own defaults under `v`.
fn coalesce_own<C: ChartNode>(c: &C, v: &MapRef, prefix: &str, merge: bool, w: &mut Vec<Warning>) {
    let sub_prefix = concat_prefix(prefix, c.name());
    // Helm deep-copies the defaults first and merges the copy; copying only what is
    // inserted gives the same tables without copying what the user's values override.
    let vc = match c.values() {
        Value::Map(m) => m.snapshot(),
        _ => Default::default(),
    };
    for (key, val) in vc {
        match v.get(&key) {
            Some(Value::Nil) if !merge => {
                v.write().remove(&key);
            }
            Some(Value::Map(dest)) => match &val {
                Value::Map(src) => {
                    let merge = merge || c.dependencies().iter().any(|s| s.name() == key);
                    let full = concat_prefix(&sub_prefix, &key);
                    tables_from(&dest, src, &full, merge, true, w);
                }
                Value::Nil => {}
                _ => warn(
                    w,
                    "coalesce.go:237",
                    format!("warning: skipped value for {sub_prefix}.{key}: Not a table."),
                ),
            },
            Some(_) => {}
            None => {
                v.write().insert(key, val.deep_copy());
            }
        }
    }
}

/// Helm's `coalesceTablesFullKey`: `src` merged into `dst`, `dst` authoritative.
fn tables(dst: &MapRef, src: &MapRef, prefix: &str, merge: bool, w: &mut Vec<Warning>) {
    tables_from(dst, src, prefix, merge, false, w)
}

/// [`tables`]; with `copy`, what is inserted into `dst` is a deep copy of `src`'s
/// entry (as if `src` had been deep-copied first), else the entry itself.
fn tables_from(
    dst: &MapRef,
    src: &MapRef,
    prefix: &str,
    merge: bool,
    copy: bool,
    w: &mut Vec<Warning>,
) {
    if dst.ptr_eq(src) {
        // Merging a table into itself changes nothing (and Go's loop would only
        // revisit the same entries).
        return;
    }
    for (key, val) in src.snapshot() {
        let full = concat_prefix(prefix, &key);
        match dst.get(&key) {
            Some(Value::Nil) if !merge => {
                dst.write().remove(&key);
            }
            None => {
                let val = if copy { val.deep_copy() } else { val };
                dst.write().insert(key, val);
            }
            Some(dv) => {
                if let Value::Map(sv) = &val {
                    if let Value::Map(dm) = &dv {
                        tables_from(dm, sv, &full, merge, copy, w);
                    } else {
                        warn(
                            w,
                            "coalesce.go:298",
                            format!(
                                "warning: cannot overwrite table with non table for {full} ({})",
                                gotmpl::fmt::format_v(&val)
                            ),
                        );
                    }
                } else if matches!(dv, Value::Map(_)) && !val.is_nil() {
                    warn(
                        w,
                        "coalesce.go:301",
                        format!(
                            "warning: destination for {full} is a table. Ignoring non-table value ({})",
                            gotmpl::fmt::format_v(&val)
                        ),
                    );
                }
            }
        }
    }
}

/// Go's `fmt.Sprintf("%t", v)` for a value that is not a bool: `%!t(int64=5)`.
fn bad_verb_t(v: &Value) -> String {
    match v {
        Value::Bool(b) => b.to_string(),
        Value::Nil => "%!t(<nil>)".into(),
        Value::List(l) => format!(
            "[{}]",
            l.iter()
                .map(|x| match x {
                    Value::Nil => "<nil>".to_string(),
                    x => bad_verb_t(x),
                })
                .collect::<Vec<_>>()
                .join(" ")
        ),
        Value::Map(m) => format!(
            "map[{}]",
            m.snapshot()
                .iter()
                .map(|(k, x)| {
                    let xs = match x {
                        Value::Nil => "<nil>".to_string(),
                        x => bad_verb_t(x),
                    };
                    format!("{}:{xs}", bad_verb_t(&Value::str(k)))
                })
                .collect::<Vec<_>>()
                .join(" ")
        ),
        other => format!(
            "%!t({}={})",
            other.type_name(),
            gotmpl::fmt::format_v(other)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::values::{read_values, to_json};

    fn v(json: &str) -> Value {
        read_values(json).unwrap_or_default()
    }

    #[test]
    fn user_null_deletes_default_but_unknown_null_stays() {
        let ch = ValuesNode::new("t", v(r#"{"a":1,"m":{"x":1,"y":2}}"#));
        let r = coalesce_values(&ch, &v(r#"{"a":null,"m":{"x":null},"z":null}"#))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(to_json(&r.values), r#"{"m":{"y":2},"z":null}"#);
    }

    #[test]
    fn defaults_are_not_mutated() {
        let defaults = v(r#"{"m":{"x":1}}"#);
        let ch = ValuesNode::new("t", defaults.clone());
        let r = coalesce_values(&ch, &v(r#"{"m":{"y":2}}"#)).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(to_json(&r.values), r#"{"m":{"x":1,"y":2}}"#);
        assert_eq!(to_json(&defaults), r#"{"m":{"x":1}}"#);
    }

    #[test]
    fn globals_flow_down_parent_wins() {
        let ch = ValuesNode::new("t", v(r#"{"global":{"a":1,"t":{"p":1}}}"#)).with_child(
            ValuesNode::new("sub", v(r#"{"global":{"a":2,"b":3,"t":{"p":2,"q":2}}}"#)),
        );
        let r = coalesce_values(&ch, &Value::Nil).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            to_json(&r.values),
            r#"{"global":{"a":1,"t":{"p":1}},"sub":{"global":{"a":1,"b":3,"t":{"p":1,"q":2}}}}"#
        );
    }

    #[test]
    fn equal_parts_are_shared_and_unequal_parts_kept() {
        let src = v(r#"{"a":{"x":1,"l":[1,{"k":2}]},"b":{"y":2},"c":3}"#);
        let dst = v(r#"{"a":{"x":1,"l":[1,{"k":2}]},"b":{"y":3},"c":3,"d":4}"#);
        assert!(!share_equal_parts(&dst, &src));
        let (Value::Map(d), Value::Map(s)) = (&dst, &src) else {
            panic!("maps expected")
        };
        let shared = |k: &str| match (d.get(k), s.get(k)) {
            (Some(Value::Map(x)), Some(Value::Map(y))) => x.ptr_eq(&y),
            _ => false,
        };
        assert!(shared("a"), "equal table shared");
        assert!(!shared("b"), "different table kept");
        assert_eq!(
            to_json(&dst),
            r#"{"a":{"l":[1,{"k":2}],"x":1},"b":{"y":3},"c":3,"d":4}"#
        );
        assert_eq!(
            to_json(&src),
            r#"{"a":{"l":[1,{"k":2}],"x":1},"b":{"y":2},"c":3}"#
        );
        // Wholly equal trees report so (the caller keeps one of them).
        let copy = src.deep_copy();
        assert!(share_equal_parts(&copy, &src));
        // Types count: an int64 is not a float64, a nil map is not an empty one.
        let mut m = gotmpl::Map::new();
        m.insert("n".into(), Value::Int(1, gotmpl::IntKind::Int64));
        assert!(!share_equal_parts(&Value::map(m), &v(r#"{"n":1}"#)));
        let mut m = gotmpl::Map::new();
        m.insert("e".into(), Value::Map(MapRef::nil_map()));
        assert!(!share_equal_parts(&Value::map(m), &v(r#"{"e":{}}"#)));
    }

    #[test]
    fn coalescing_copies_defaults_it_inserts() {
        // Defaults are copied into the result: writing to the result leaves the
        // chart's defaults (which aliases of a subchart share) alone.
        let defaults = v(r#"{"m":{"x":1,"n":{"k":1}},"l":[{"a":1}]}"#);
        let ch = ValuesNode::new("t", defaults.clone());
        let r1 = coalesce_values(&ch, &v(r#"{"m":{"y":2}}"#)).unwrap_or_else(|e| panic!("{e}"));
        let r2 = coalesce_values(&ch, &Value::Nil).unwrap_or_else(|e| panic!("{e}"));
        let get = |v: &Value, path: &[&str]| scoped_values(v, path);
        let n1 = get(&r1.values, &["m", "n"]);
        let n2 = get(&r2.values, &["m", "n"]);
        let nd = get(&defaults, &["m", "n"]);
        if let Value::Map(m) = &n1 {
            m.write().insert("k".into(), Value::Float(9.0));
        }
        assert_eq!(to_json(&n1), r#"{"k":9}"#);
        assert_eq!(to_json(&n2), r#"{"k":1}"#);
        assert_eq!(to_json(&nd), r#"{"k":1}"#);
        let list = |v: &Value| match v {
            Value::Map(m) => match m.get("l") {
                Some(Value::List(l)) => l.first().cloned(),
                _ => None,
            },
            _ => None,
        };
        let (Some(Value::Map(a)), Some(Value::Map(b))) = (list(&r1.values), list(&defaults)) else {
            panic!("lists of maps expected")
        };
        assert!(!a.ptr_eq(&b), "maps inside lists are copied too");
    }

    #[test]
    fn type_mismatch_and_warnings() {
        let ch = ValuesNode::new("t", v(r#"{"a":1,"m":{"x":{"k":1},"s":2}}"#))
            .with_child(ValuesNode::new("sub", Value::Nil));
        let e = coalesce_values(&ch, &v(r#"{"sub":5}"#)).err().map(|e| e.0);
        assert_eq!(e.as_deref(), Some("type mismatch on sub: %!t(float64=5)"));
        let r = coalesce_values(&ch, &v(r#"{"a":{"b":1},"m":{"x":3,"s":{"q":1}}}"#))
            .unwrap_or_else(|e| panic!("{e}"));
        let mut ws: Vec<String> = r.warnings.iter().map(|w| w.to_string()).collect();
        ws.sort();
        assert_eq!(
            ws,
            vec![
                "coalesce.go:237: warning: skipped value for t.a: Not a table.",
                "coalesce.go:298: warning: cannot overwrite table with non table for t.m.x (map[k:1])",
                "coalesce.go:301: warning: destination for t.m.s is a table. Ignoring non-table value (2)",
            ]
        );
    }
}
