//! Dependency processing (Helm's `pkg/chartutil/dependencies.go`): matching declared
//! dependencies to loaded subcharts, aliases, `tags` and `condition` enablement, removing
//! disabled subcharts, and `import-values`.
//!
//! Values coalescing lives in the values module; this code reaches it through
//! [`ValuesOps`] so that the two can be written (and tested) apart.

use gotmpl::{Map, MapRef, Value};

use super::error::ChartError;
use super::metadata::Dependency;
use super::semver::is_compatible_range;
use super::Chart;
use crate::values::coalesce::share_equal_parts;

/// The values operations dependency processing needs (Helm's `chartutil` functions).
/// Maps are [`Value::Map`]s; they are shared references, as Go maps are, and
/// implementations must keep Helm's sharing (a table copied from a chart's defaults is
/// the same map, not a copy) for `import-values` to behave as in Helm.
pub trait ValuesOps {
    /// `CoalesceValues(chart, vals)`: `vals` (copied) over the chart's defaults and its
    /// subcharts', nulls deleting defaults.
    fn coalesce_values(&self, chart: &Chart, vals: &Value) -> Result<Value, ChartError>;
    /// `MergeValues(chart, vals)`: like `coalesce_values` but keeping nulls.
    fn merge_values(&self, chart: &Chart, vals: &Value) -> Result<Value, ChartError>;
    /// `coalesce_values` for a result that is only read, never mutated (it may share
    /// untouched parts with `vals`).
    fn coalesce_values_readonly(&self, chart: &Chart, vals: &Value) -> Result<Value, ChartError> {
        self.coalesce_values(chart, vals)
    }
    /// `CoalesceTables(dst, src)`: merges `src` into `dst` (dst wins, nulls delete),
    /// returning `dst`.
    fn coalesce_tables(&self, dst: Value, src: &Value) -> Value;
    /// `MergeTables(dst, src)`: like `coalesce_tables` but keeping nulls.
    fn merge_tables(&self, dst: Value, src: &Value) -> Value;
}

/// Helm's `ProcessDependencies` (`merge == false`) and `ProcessDependenciesWithMerge`
/// (`merge == true`, what install, upgrade, template and lint use). `user` is the user
/// supplied values map. Returns the warnings Helm logs (prefixed `dependencies.go:N: `).
pub fn process_dependencies(
    chart: &mut Chart,
    user: &Value,
    ops: &dyn ValuesOps,
    merge: bool,
) -> Result<Vec<String>, ChartError> {
    let mut warnings = Vec::new();
    process_enabled(chart, user, "", ops, &mut warnings)?;
    process_import_values_tree(chart, ops, merge, &mut warnings)?;
    Ok(warnings)
}

/// `Values.Table`: the map at a dotted path, or the failing key.
fn table(v: &Value, path: &str) -> Result<MapRef, String> {
    let mut cur = match v {
        Value::Map(m) => m.clone(),
        _ => return Err(String::new()),
    };
    for key in path.split('.') {
        match cur.get(key) {
            Some(Value::Map(m)) => cur = m,
            _ => return Err(key.to_owned()),
        }
    }
    Ok(cur)
}

/// `Values.PathValue`: a non-table value at a dotted path.
fn path_value(v: &Value, path: &str) -> Option<Value> {
    let parts: Vec<&str> = path.split('.').collect();
    let (last, init) = parts.split_last()?;
    let t = if init.is_empty() {
        match v {
            Value::Map(m) => m.clone(),
            _ => return None,
        }
    } else {
        table(v, &init.join(".")).ok()?
    };
    match t.get(last) {
        Some(Value::Map(_)) | None => None,
        Some(x) => Some(x),
    }
}

fn process_tags(reqs: &mut [Dependency], cvals: &Value, warnings: &mut Vec<String>) {
    let Ok(tags) = table(cvals, "tags") else {
        return;
    };
    for r in reqs.iter_mut() {
        let (mut has_true, mut has_false) = (false, false);
        for k in &r.tags {
            match tags.get(k) {
                Some(Value::Bool(true)) => has_true = true,
                Some(Value::Bool(false)) => has_false = true,
                Some(_) => warnings.push(format!(
                    "dependencies.go:94: Warning: Tag '{k}' for chart {} returned non-bool value",
                    r.name
                )),
                None => {}
            }
        }
        if !has_true && has_false {
            r.enabled = false;
        } else if has_true || !has_false {
            r.enabled = true;
        }
    }
}

fn process_conditions(
    reqs: &mut [Dependency],
    cvals: &Value,
    cpath: &str,
    warnings: &mut Vec<String>,
) {
    for r in reqs.iter_mut() {
        let cond = r.condition.trim().to_owned();
        for c in cond.split(',') {
            if c.is_empty() {
                continue;
            }
            match path_value(cvals, &format!("{cpath}{c}")) {
                Some(Value::Bool(b)) => {
                    r.enabled = b;
                    break;
                }
                Some(_) => warnings.push(format!(
                    "dependencies.go:63: Warning: Condition path '{c}' for chart {} returned non-bool value",
                    r.name
                )),
                None => {}
            }
        }
    }
}

fn alias_dependency(charts: &[Chart], dep: &Dependency) -> Option<Chart> {
    let c = charts
        .iter()
        .find(|c| c.name() == dep.name && is_compatible_range(&dep.version, &c.metadata.version))?;
    let mut out = c.clone();
    if !dep.alias.is_empty() {
        out.metadata.name = dep.alias.clone();
    }
    Some(out)
}

fn process_enabled(
    c: &mut Chart,
    v: &Value,
    path: &str,
    ops: &dyn ValuesOps,
    warnings: &mut Vec<String>,
) -> Result<(), ChartError> {
    if c.metadata.dependencies.is_empty() {
        return Ok(());
    }
    let existing = std::mem::take(&mut c.dependencies);
    let mut chart_deps: Vec<Chart> = existing
        .iter()
        .filter(|e| {
            !c.metadata.dependencies.iter().any(|req| {
                e.name() == req.name && is_compatible_range(&req.version, &e.metadata.version)
            })
        })
        .cloned()
        .collect();
    for req in &mut c.metadata.dependencies {
        if let Some(d) = alias_dependency(&existing, req) {
            chart_deps.push(d);
        }
        if !req.alias.is_empty() {
            req.name = req.alias.clone();
        }
    }
    c.set_dependencies(chart_deps);
    for r in &mut c.metadata.dependencies {
        r.enabled = true;
    }
    let cvals = ops.coalesce_values_readonly(c, v)?;
    process_tags(&mut c.metadata.dependencies, &cvals, warnings);
    process_conditions(&mut c.metadata.dependencies, &cvals, path, warnings);
    let removed: Vec<String> = c
        .metadata
        .dependencies
        .iter()
        .filter(|r| !r.enabled)
        .map(|r| r.name.clone())
        .collect();
    let mut kept: Vec<Chart> = std::mem::take(&mut c.dependencies)
        .into_iter()
        .filter(|d| !removed.contains(&d.metadata.name))
        .collect();
    c.metadata
        .dependencies
        .retain(|r| !removed.contains(&r.name));
    for t in &mut kept {
        let sub = format!("{path}{}.", t.metadata.name);
        process_enabled(t, &cvals, &sub, ops, warnings)?;
    }
    c.set_dependencies(kept);
    Ok(())
}

/// `pathToMap`: `.` is the map itself, `a.b` nests it as `{a: {b: data}}`.
fn path_to_map(path: &str, data: MapRef) -> Value {
    if path == "." {
        return Value::Map(data);
    }
    let mut cur = Value::Map(data);
    for key in path.split('.').rev() {
        let mut m = Map::new();
        m.insert(key.to_owned(), cur);
        cur = Value::map(m);
    }
    cur
}

/// Go's `copystructure` deep copy, with `trimNilValues` when `trim` (nulls removed from
/// every nested table).
fn deep_copy(v: &Value, trim: bool) -> Value {
    match v {
        Value::Map(m) => Value::map(
            m.read()
                .iter()
                .filter(|(_, x)| !(trim && x.is_nil()))
                .map(|(k, x)| (k.clone(), deep_copy(x, trim)))
                .collect(),
        ),
        Value::List(l) => Value::list(l.iter().map(|x| deep_copy(x, false)).collect()),
        other => other.clone(),
    }
}

fn import_str(v: &Map, key: &str, dep: &str) -> Result<String, ChartError> {
    match v.get(key) {
        Some(Value::Str(s)) => Ok(s.to_string()),
        _ => Err(ChartError::ImportValues {
            dependency: dep.to_owned(),
        }),
    }
}

fn process_import_values(
    c: &mut Chart,
    ops: &dyn ValuesOps,
    merge: bool,
    warnings: &mut Vec<String>,
) -> Result<(), ChartError> {
    if c.metadata.dependencies.is_empty() {
        return Ok(());
    }
    let none = Value::Nil;
    let cvals = if merge {
        ops.merge_values(c, &none)?
    } else {
        ops.coalesce_values(c, &none)?
    };
    let mut b = Value::empty_map();
    let combine = |b: Value, x: &Value| {
        if merge {
            ops.merge_tables(b, x)
        } else {
            ops.coalesce_tables(b, x)
        }
    };
    for r in &mut c.metadata.dependencies {
        let mut out = Vec::new();
        for iv in &r.import_values {
            match iv {
                Value::Map(m) => {
                    let m = m.read();
                    let child = import_str(&m, "child", &r.name)?;
                    let parent = import_str(&m, "parent", &r.name)?;
                    let mut o = Map::new();
                    o.insert("child".into(), Value::str(&child));
                    o.insert("parent".into(), Value::str(&parent));
                    // Helm stores each entry as a `map[string]string`.
                    out.push(Value::Map(
                        gotmpl::MapRef::new(o).with_kind(gotmpl::MapKind::String),
                    ));
                    match table(&cvals, &format!("{}.{child}", r.name)) {
                        Ok(t) => b = combine(b, &path_to_map(&parent, t)),
                        Err(key) => warnings.push(format!(
                            "dependencies.go:269: Warning: ImportValues missing table from chart {}: {} is not a table",
                            r.name,
                            super::metadata::go_quote(&key)
                        )),
                    }
                }
                Value::Str(s) => {
                    let child = format!("exports.{s}");
                    let mut o = Map::new();
                    o.insert("child".into(), Value::str(&child));
                    o.insert("parent".into(), Value::str("."));
                    // Helm stores each entry as a `map[string]string`.
                    out.push(Value::Map(
                        gotmpl::MapRef::new(o).with_kind(gotmpl::MapKind::String),
                    ));
                    match table(&cvals, &format!("{}.{child}", r.name)) {
                        Ok(t) => b = combine(b, &Value::Map(t)),
                        Err(key) => warnings.push(format!(
                            "dependencies.go:286: Warning: ImportValues missing table: {} is not a table",
                            super::metadata::go_quote(&key)
                        )),
                    }
                }
                _ => {}
            }
        }
        r.import_values = out;
    }
    let no_imports = matches!(&b, Value::Map(m) if m.is_empty());
    c.values = if merge && no_imports {
        // Merging nothing into a copy of `cvals` (fresh, and owned here) gives the
        // same tables as `cvals` itself.
        cvals
    } else if merge {
        ops.merge_tables(deep_copy(&cvals, false), &b)
    } else {
        ops.coalesce_tables(deep_copy(&cvals, true), &b)
    };
    Ok(())
}

fn process_import_values_tree(
    c: &mut Chart,
    ops: &dyn ValuesOps,
    merge: bool,
    warnings: &mut Vec<String>,
) -> Result<(), ChartError> {
    // Aliases of one subchart start from the same (shared) defaults and usually end
    // with equal values: those are kept once. Chart values are never written through
    // after this (every reader copies them first), so sharing equal tables between
    // charts cannot be seen.
    let mut first_of: Vec<(Value, usize)> = Vec::new();
    for i in 0..c.dependencies.len() {
        let Some(d) = c.dependencies.get_mut(i) else {
            break;
        };
        let original = d.values.clone();
        process_import_values_tree(d, ops, merge, warnings)?;
        match first_of.iter().find(|(o, _)| same_map(o, &original)) {
            Some(&(_, j)) => {
                if let Some(canon) = c.dependencies.get(j).map(|d| d.values.clone()) {
                    if let Some(d) = c.dependencies.get_mut(i) {
                        if share_equal_parts(&d.values, &canon) {
                            d.values = canon;
                        }
                    }
                }
            }
            None => first_of.push((original, i)),
        }
    }
    drop(first_of);
    process_import_values(c, ops, merge, warnings)?;
    // The parent's section of each subchart mostly repeats the subchart's values.
    if let Value::Map(m) = &c.values {
        for d in &c.dependencies {
            if let Some(sec @ Value::Map(_)) = m.get(d.name()) {
                if share_equal_parts(&sec, &d.values) {
                    m.write().insert(d.name().to_owned(), d.values.clone());
                }
            }
        }
    }
    Ok(())
}

/// Whether two values are the same map (one reference, not equal contents).
fn same_map(a: &Value, b: &Value) -> bool {
    matches!((a, b), (Value::Map(x), Value::Map(y)) if x.ptr_eq(y))
}

impl crate::values::coalesce::ChartNode for Chart {
    fn name(&self) -> &str {
        Chart::name(self)
    }
    fn values(&self) -> &Value {
        &self.values
    }
    fn schema(&self) -> Option<&[u8]> {
        self.schema.as_deref()
    }
    fn dependencies(&self) -> Vec<&Self> {
        self.dependencies.iter().collect()
    }
}

/// [`ValuesOps`] backed by the values module (Helm's `chartutil` coalescing). Coalescing
/// warnings raised during dependency processing are collected in `warnings`
/// (`coalesce.go:LINE: message`), as Helm logs them then too.
#[derive(Debug, Default)]
pub struct HelmValuesOps {
    /// Warnings logged by coalescing, in order.
    pub warnings: std::sync::Mutex<Vec<String>>,
}

impl HelmValuesOps {
    fn log(&self, w: Vec<crate::values::coalesce::Warning>) {
        if let Ok(mut l) = self.warnings.lock() {
            l.extend(w.into_iter().map(|w| w.to_string()));
        }
    }
    fn tables(&self, dst: Value, src: &Value, merge: bool) -> Value {
        if let (Value::Map(d), Value::Map(s)) = (&dst, src) {
            let w = if merge {
                crate::values::coalesce::merge_tables(d, s)
            } else {
                crate::values::coalesce::coalesce_tables(d, s)
            };
            self.log(w);
        }
        dst
    }
}

impl ValuesOps for HelmValuesOps {
    fn coalesce_values_readonly(&self, chart: &Chart, vals: &Value) -> Result<Value, ChartError> {
        let c = crate::values::coalesce::coalesce_values_readonly(chart, vals)
            .map_err(|e| ChartError::Values(e.0))?;
        self.log(c.warnings);
        Ok(c.values)
    }
    fn coalesce_values(&self, chart: &Chart, vals: &Value) -> Result<Value, ChartError> {
        let c = crate::values::coalesce::coalesce_values(chart, vals)
            .map_err(|e| ChartError::Values(e.0))?;
        self.log(c.warnings);
        Ok(c.values)
    }
    fn merge_values(&self, chart: &Chart, vals: &Value) -> Result<Value, ChartError> {
        let c = crate::values::coalesce::merge_values(chart, vals)
            .map_err(|e| ChartError::Values(e.0))?;
        self.log(c.warnings);
        Ok(c.values)
    }
    fn coalesce_tables(&self, dst: Value, src: &Value) -> Value {
        self.tables(dst, src, false)
    }
    fn merge_tables(&self, dst: Value, src: &Value) -> Value {
        self.tables(dst, src, true)
    }
}
