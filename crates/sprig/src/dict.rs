//! Sprig functions: dict (`dict`, `get`, `set`, `unset`, `hasKey`, `pluck`, `keys`,
//! `values`, `pick`, `omit`, `merge*`, `dig`).
//!
//! Maps are shared references, so `set`, `unset` and `merge` mutate their argument as
//! Go does. The merges follow dario.cat/mergo v1.0.1 on `map[string]interface{}`.

use gotmpl::func::{FuncError, FuncMap, FuncResult, Ty};
use gotmpl::value::{Map, MapRef, Value};

use super::conv::{arg, arg_str, is_empty, to_string};

/// mergo's `deepMerge` of one map into another, as Sprig's `merge` (`overwrite == false`)
/// and `mergeOverwrite` (`overwrite == true`) use it. `dst` is mutated in place.
pub fn merge_into(dst: &MapRef, src: &MapRef, overwrite: bool) {
    if dst.ptr_eq(src) {
        return;
    }
    let src_entries = src.snapshot();
    for (k, s) in src_entries {
        if s.is_nil() {
            if overwrite {
                dst.write().insert(k, Value::Nil);
            }
            continue;
        }
        let d = dst.get(&k);
        // A nested source map is merged into a nested destination map in place.
        if let (Value::Map(sm), Some(Value::Map(dm))) = (&s, &d) {
            merge_into(dm, sm, overwrite);
        }
        if let Some(dv) = &d {
            if !is_empty(dv) {
                let src_is_slice = matches!(s, Value::List(_) | Value::Bytes(_));
                let both_maps = matches!((&s, dv), (Value::Map(_), Value::Map(_)));
                if src_is_slice || both_maps {
                    if src_is_slice && overwrite {
                        dst.write().insert(k, s);
                    }
                    continue;
                }
            }
        }
        if overwrite || d.as_ref().is_none_or(is_empty) {
            dst.write().insert(k, s);
        }
    }
}

/// Sprig's `merge`/`mergeOverwrite`: merges every source into `dst` and returns it (a new
/// map when `dst` is nil).
fn merge_all(args: &[Value], overwrite: bool) -> FuncResult {
    // A nil destination (`nil` passes as a nil map) gets a fresh map from mergo as soon
    // as a non-nil source is merged into it; the caller's map stays nil.
    let mut dst = match args.first() {
        Some(Value::Map(m)) => m.clone(),
        _ => MapRef::nil_map(),
    };
    for src in args.iter().skip(1) {
        if let Value::Map(s) = src {
            if s.is_nil() {
                continue;
            }
            if dst.is_nil() {
                dst = MapRef::new(Map::new());
            }
            merge_into(&dst, s, overwrite);
        }
    }
    // Sprig's parameter is a `map[string]interface {}`: a `chartutil.Values` passed in
    // comes back as the plain map type (the same map).
    Ok(Value::Map(as_plain_map(&dst)))
}

/// A map seen through a `map[string]interface {}` parameter.
fn as_plain_map(m: &MapRef) -> MapRef {
    match m.kind() {
        gotmpl::MapKind::Values => m.with_kind(gotmpl::MapKind::Any),
        _ => m.clone(),
    }
}

/// A Go type assertion failure's panic text.
fn assertion_error(v: &Value, want: &str) -> FuncError {
    let got = match v {
        Value::Nil => "nil".to_string(),
        other => other.type_name().into_owned(),
    };
    FuncError::msg(format!(
        "interface conversion: interface {{}} is {got}, not {want}"
    ))
}

/// Sprig's `dig`.
fn dig(a: &[Value]) -> FuncResult {
    if a.len() < 3 {
        return Err(FuncError::msg("dig needs at least three arguments"));
    }
    let last = &a[a.len() - 1];
    // A type assertion: `chartutil.Values` (what `.Values` is) does not pass.
    let mut cur = match last {
        Value::Map(m) if m.kind() == gotmpl::value::MapKind::Any => m.clone(),
        other => return Err(assertion_error(other, "map[string]interface {}")),
    };
    let default = a[a.len() - 2].clone();
    let mut keys = Vec::with_capacity(a.len() - 2);
    for k in &a[..a.len() - 2] {
        match k {
            Value::Str(s) => keys.push(s.clone()),
            other => return Err(assertion_error(other, "string")),
        }
    }
    let mut i = 0;
    loop {
        let Some(k) = keys.get(i) else {
            return Ok(default);
        };
        let Some(step) = cur.get(k) else {
            return Ok(default);
        };
        if i + 1 == keys.len() {
            return Ok(step);
        }
        match step {
            Value::Map(next) if next.kind() == gotmpl::value::MapKind::Any => cur = next,
            other => return Err(assertion_error(&other, "map[string]interface {}")),
        }
        i += 1;
    }
}

/// Registers this module's functions.
pub fn register(m: &mut FuncMap) {
    use Ty::{Any, Map as TMap, Str};

    // {{ $d := dict "name" "x" "port" 80 }}
    m.add("dict", &[], Some(Any), |_, a| {
        let mut d = Map::new();
        for pair in a.chunks(2) {
            let key = to_string(&pair[0]);
            let val = pair.get(1).cloned().unwrap_or_else(|| Value::str(""));
            d.insert(key, val);
        }
        Ok(Value::map(d))
    });
    // {{ get $d "name" }}
    m.add("get", &[TMap, Str], None, |_, a| match a.first() {
        Some(Value::Map(d)) => Ok(d.get(arg_str(a, 1)).unwrap_or_else(|| Value::str(""))),
        _ => Ok(Value::str("")),
    });
    // {{ $_ := set $d "name" "y" }}
    m.add("set", &[TMap, Str, Any], None, |_, a| match a.first() {
        Some(Value::Map(d)) if !d.is_nil() => {
            d.write().insert(arg_str(a, 1).to_string(), arg(a, 2));
            Ok(Value::Map(as_plain_map(d)))
        }
        _ => Err(FuncError::msg("assignment to entry in nil map")),
    });
    // {{ $_ := unset $d "name" }}
    m.add("unset", &[TMap, Str], None, |_, a| match a.first() {
        Some(Value::Map(d)) => {
            d.write().remove(arg_str(a, 1));
            Ok(Value::Map(as_plain_map(d)))
        }
        _ => Ok(Value::Map(MapRef::nil_map())),
    });
    // {{ hasKey $d "name" }}
    m.add("hasKey", &[TMap, Str], None, |_, a| {
        Ok(Value::Bool(match a.first() {
            Some(Value::Map(d)) => d.read().contains_key(arg_str(a, 1)),
            _ => false,
        }))
    });
    // {{ pluck "name" $d1 $d2 }}
    m.add("pluck", &[Str], Some(TMap), |_, a| {
        let key = arg_str(a, 0);
        let out: Vec<Value> = a
            .iter()
            .skip(1)
            .filter_map(|d| match d {
                Value::Map(d) => d.get(key),
                _ => None,
            })
            .collect();
        Ok(Value::list(out))
    });
    // {{ keys $d | sortAlpha }}
    m.add("keys", &[], Some(TMap), |_, a| {
        let mut out = Vec::new();
        for d in a {
            if let Value::Map(d) = d {
                out.extend(d.read().keys().map(Value::str));
            }
        }
        Ok(Value::string_list(out))
    });
    // {{ values $d }}
    m.add("values", &[TMap], None, |_, a| match a.first() {
        Some(Value::Map(d)) => Ok(Value::list(d.read().values().cloned().collect())),
        _ => Ok(Value::list(Vec::new())),
    });
    // {{ pick $d "name" "port" }}
    m.add("pick", &[TMap], Some(Str), |_, a| {
        let mut out = Map::new();
        if let Some(Value::Map(d)) = a.first() {
            let d = d.read();
            for k in a.iter().skip(1).filter_map(Value::as_str) {
                if let Some(v) = d.get(k) {
                    out.insert(k.to_string(), v.clone());
                }
            }
        }
        Ok(Value::map(out))
    });
    // {{ omit $d "name" }}
    m.add("omit", &[TMap], Some(Str), |_, a| {
        let mut out = Map::new();
        if let Some(Value::Map(d)) = a.first() {
            let skip: Vec<&str> = a.iter().skip(1).filter_map(Value::as_str).collect();
            for (k, v) in d.read().iter() {
                if !skip.contains(&k.as_str()) {
                    out.insert(k.clone(), v.clone());
                }
            }
        }
        Ok(Value::map(out))
    });
    // {{ $m := merge $dst $src1 $src2 }}
    m.add("merge", &[TMap], Some(TMap), |_, a| merge_all(a, false));
    // {{ $m := mustMerge $dst $src1 }}
    m.add("mustMerge", &[TMap], Some(TMap), |_, a| merge_all(a, false));
    // {{ $m := mergeOverwrite $dst $src1 $src2 }}
    m.add("mergeOverwrite", &[TMap], Some(TMap), |_, a| {
        merge_all(a, true)
    });
    // {{ $m := mustMergeOverwrite $dst $src1 }}
    m.add("mustMergeOverwrite", &[TMap], Some(TMap), |_, a| {
        merge_all(a, true)
    });
    // {{ dig "user" "role" "guest" $d }}
    m.add("dig", &[], Some(Any), |_, a| dig(a));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(name: &str, args: &[Value]) -> FuncResult {
        let mut m = FuncMap::new();
        register(&mut m);
        m.call(name, args)
    }
    fn map(pairs: &[(&str, Value)]) -> Value {
        Value::map(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
        )
    }
    fn get(v: &Value, k: &str) -> Option<Value> {
        match v {
            Value::Map(m) => m.get(k),
            _ => None,
        }
    }

    #[test]
    fn merge_fills_empty_and_keeps_dst() {
        let dst = map(&[
            ("a", Value::str("")),
            ("b", Value::int(1)),
            ("n", map(&[("x", Value::int(1))])),
        ]);
        let src = map(&[
            ("a", Value::str("A")),
            ("b", Value::int(2)),
            ("c", Value::Nil),
            ("n", map(&[("x", Value::int(2)), ("y", Value::int(3))])),
        ]);
        let r = call("merge", &[dst.clone(), src]).unwrap_or(Value::Nil);
        assert!(r.deep_eq(&dst), "merge returns its destination");
        assert!(matches!(get(&dst, "a"), Some(Value::Str(s)) if &*s == "A"));
        assert_eq!(get(&dst, "b").and_then(|v| v.as_i64()), Some(1));
        assert!(get(&dst, "c").is_none());
        let n = get(&dst, "n").unwrap_or(Value::Nil);
        assert_eq!(get(&n, "x").and_then(|v| v.as_i64()), Some(1));
        assert_eq!(get(&n, "y").and_then(|v| v.as_i64()), Some(3));
    }

    #[test]
    fn merge_overwrite_takes_empty_values() {
        let dst = map(&[("a", Value::str("x")), ("b", Value::int(1))]);
        let src = map(&[("a", Value::str("")), ("b", Value::Nil)]);
        call("mergeOverwrite", &[dst.clone(), src]).ok();
        assert!(matches!(get(&dst, "a"), Some(Value::Str(s)) if s.is_empty()));
        assert!(matches!(get(&dst, "b"), Some(Value::Nil)));
    }

    #[test]
    fn dig_walks_and_defaults() {
        let d = map(&[("a", map(&[("b", Value::int(7))]))]);
        let r = call(
            "dig",
            &[
                Value::str("a"),
                Value::str("b"),
                Value::str("def"),
                d.clone(),
            ],
        );
        assert_eq!(r.ok().and_then(|v| v.as_i64()), Some(7));
        let r = call(
            "dig",
            &[
                Value::str("a"),
                Value::str("z"),
                Value::str("def"),
                d.clone(),
            ],
        );
        assert!(matches!(r, Ok(Value::Str(s)) if &*s == "def"));
        let r = call(
            "dig",
            &[
                Value::str("a"),
                Value::str("b"),
                Value::str("c"),
                Value::str("d"),
                d,
            ],
        );
        assert!(matches!(r, Err(FuncError::Msg(m)) if m.contains("is int, not map")));
    }

    #[test]
    fn dict_odd_count_and_set() {
        let d =
            call("dict", &[Value::str("a"), Value::int(1), Value::str("b")]).unwrap_or(Value::Nil);
        assert!(matches!(get(&d, "b"), Some(Value::Str(s)) if s.is_empty()));
        call("set", &[d.clone(), Value::str("c"), Value::int(3)]).ok();
        assert_eq!(get(&d, "c").and_then(|v| v.as_i64()), Some(3));
        assert!(matches!(
            call("set", &[Value::Nil, Value::str("c"), Value::int(3)]),
            Err(FuncError::Msg(m)) if m == "assignment to entry in nil map"
        ));
    }
}
