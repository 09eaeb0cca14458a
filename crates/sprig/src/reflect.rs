//! Sprig functions: reflect (`typeOf`, `typeIs`, `typeIsLike`, `kindOf`, `kindIs`,
//! `deepEqual`).

use gotmpl::func::{FuncMap, Ty};
use gotmpl::value::Value;

use super::conv::{arg, arg_str};

/// Registers this module's functions.
pub fn register(m: &mut FuncMap) {
    use Ty::{Any, Str};

    // {{ typeOf .Values.replicas }}
    m.add("typeOf", &[Any], None, |_, a| {
        Ok(Value::str(arg(a, 0).type_name()))
    });
    // {{ typeIs "string" .Values.name }}
    m.add("typeIs", &[Str, Any], None, |_, a| {
        Ok(Value::Bool(arg_str(a, 0) == arg(a, 1).type_name()))
    });
    // {{ typeIsLike "semver.Version" $v }}
    m.add("typeIsLike", &[Str, Any], None, |_, a| {
        let target = arg_str(a, 0);
        let v = arg(a, 1);
        let t = v.type_name();
        Ok(Value::Bool(
            target == t || t.strip_prefix('*') == Some(target),
        ))
    });
    // {{ kindOf .Values.list }}
    m.add("kindOf", &[Any], None, |_, a| {
        Ok(Value::str(arg(a, 0).kind_name()))
    });
    // {{ kindIs "map" .Values.config }}
    m.add("kindIs", &[Str, Any], None, |_, a| {
        Ok(Value::Bool(arg_str(a, 0) == arg(a, 1).kind_name()))
    });
    // {{ deepEqual (list 1 2) (list 1 2) }}
    m.add("deepEqual", &[Any, Any], None, |_, a| {
        Ok(Value::Bool(arg(a, 0).deep_eq(&arg(a, 1))))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(name: &str, args: &[Value]) -> Value {
        let mut m = FuncMap::new();
        register(&mut m);
        m.call(name, args).unwrap_or(Value::Nil)
    }

    #[test]
    fn types_and_kinds() {
        assert!(matches!(call("typeOf", &[Value::Nil]), Value::Str(s) if &*s == "<nil>"));
        assert!(matches!(call("kindOf", &[Value::Nil]), Value::Str(s) if &*s == "invalid"));
        assert!(matches!(call("kindOf", &[Value::list(vec![])]), Value::Str(s) if &*s == "slice"));
        assert!(matches!(
            call("typeIs", &[Value::str("int64"), Value::int64(1)]),
            Value::Bool(true)
        ));
        assert!(matches!(
            call("deepEqual", &[Value::int(1), Value::Float(1.0)]),
            Value::Bool(false)
        ));
    }
}
