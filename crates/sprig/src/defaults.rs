//! Sprig functions: defaults (`default`, `empty`, `coalesce`, `all`, `any`, `ternary`,
//! `deepCopy`).

use gotmpl::func::{FuncError, FuncMap, FuncResult, Ty};
use gotmpl::value::Value;

use super::conv::{arg, is_empty};

/// mitchellh/copystructure's `Copy`, which fails on nil.
fn deep_copy(v: &Value) -> FuncResult {
    if v.is_nil() {
        return Err(FuncError::msg(
            "reflect: call of reflect.Value.Type on zero Value",
        ));
    }
    Ok(v.deep_copy())
}

/// Registers this module's functions.
pub fn register(m: &mut FuncMap) {
    use Ty::{Any, Bool};

    // {{ .Values.name | default "anonymous" }}
    m.add("default", &[Any], Some(Any), |_, a| match a.get(1) {
        Some(given) if !is_empty(given) => Ok(given.clone()),
        _ => Ok(arg(a, 0)),
    });
    // {{ empty .Values.list }}
    m.add("empty", &[Any], None, |_, a| {
        Ok(Value::Bool(is_empty(&arg(a, 0))))
    });
    // {{ coalesce .Values.a .Values.b "fallback" }}
    m.add("coalesce", &[], Some(Any), |_, a| {
        Ok(a.iter()
            .find(|v| !is_empty(v))
            .cloned()
            .unwrap_or(Value::Nil))
    });
    // {{ all .Values.a .Values.b }}
    m.add("all", &[], Some(Any), |_, a| {
        Ok(Value::Bool(a.iter().all(|v| !is_empty(v))))
    });
    // {{ any .Values.a .Values.b }}
    m.add("any", &[], Some(Any), |_, a| {
        Ok(Value::Bool(a.iter().any(|v| !is_empty(v))))
    });
    // {{ ternary "yes" "no" .Values.flag }}
    m.add("ternary", &[Any, Any, Bool], None, |_, a| {
        let cond = matches!(a.get(2), Some(Value::Bool(true)));
        Ok(if cond { arg(a, 0) } else { arg(a, 1) })
    });
    // {{ $copy := deepCopy .Values.config }}
    m.add("deepCopy", &[Any], None, |_, a| deep_copy(&arg(a, 0)));
    // {{ $copy := mustDeepCopy .Values.config }}
    m.add("mustDeepCopy", &[Any], None, |_, a| deep_copy(&arg(a, 0)));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(name: &str, args: &[Value]) -> Result<Value, FuncError> {
        let mut m = FuncMap::new();
        register(&mut m);
        m.call(name, args)
    }

    #[test]
    fn default_uses_emptiness() {
        let d = Value::str("d");
        for given in [
            Value::Bool(false),
            Value::int(0),
            Value::str(""),
            Value::Nil,
        ] {
            let r = call("default", &[d.clone(), given]);
            assert!(matches!(r, Ok(Value::Str(s)) if &*s == "d"));
        }
        let r = call("default", &[d.clone(), Value::str("0")]);
        assert!(matches!(r, Ok(Value::Str(s)) if &*s == "0"));
        let r = call("default", &[d]);
        assert!(matches!(r, Ok(Value::Str(s)) if &*s == "d"));
    }

    #[test]
    fn coalesce_all_any() {
        let r = call("coalesce", &[Value::Nil, Value::int(0), Value::str("x")]);
        assert!(matches!(r, Ok(Value::Str(s)) if &*s == "x"));
        assert!(matches!(call("coalesce", &[]), Ok(Value::Nil)));
        assert!(matches!(call("all", &[]), Ok(Value::Bool(true))));
        assert!(matches!(call("any", &[]), Ok(Value::Bool(false))));
        assert!(matches!(
            call("all", &[Value::int(1), Value::str("")]),
            Ok(Value::Bool(false))
        ));
    }

    #[test]
    fn deep_copy_detaches_maps() {
        let orig = Value::empty_map();
        let copy = call("deepCopy", std::slice::from_ref(&orig)).unwrap_or(Value::Nil);
        if let Value::Map(m) = &copy {
            m.write().insert("k".into(), Value::int(1));
        }
        match &orig {
            Value::Map(m) => assert!(m.is_empty()),
            _ => panic!("not a map"),
        }
    }
}
