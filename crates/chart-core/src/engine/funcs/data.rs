//! Helm's data-conversion template functions (`toYaml`, `fromYaml`, `toJson`, `fromJson`,
//! `toToml`, `fromToml`, …) and Sprig's JSON family, which they sit beside.
//!
//! Helm swallows most errors here: `toYaml`/`toJson` give `""`, `from*` give the error
//! text as data (`{"Error": msg}` or `[msg]`). Sprig's `must*` variants report errors.

use gotmpl::func::{FuncError, FuncMap, Ty};

use gotmpl::value::{ListRef, Map, MapRef, Value};

fn error_map(msg: String) -> Value {
    let mut m = Map::new();
    m.insert("Error".to_string(), Value::str(msg));
    Value::map(m)
}

fn arg(args: &[Value], i: usize) -> Value {
    args.get(i).cloned().unwrap_or(Value::Nil)
}

fn str_arg(args: &[Value], i: usize) -> String {
    match args.get(i) {
        Some(Value::Str(s)) => s.to_string(),
        _ => String::new(),
    }
}

fn trim_nl(mut s: String) -> String {
    if s.ends_with('\n') {
        s.pop();
    }
    s
}

/// Go's `json.Unmarshal` into `map[string]interface{}` (Helm's `fromJson`).
/// Decoding goes on after a number that does not fit, so the map may be partial.
/// JSON `null` leaves the map nil (`None`).
fn json_to_map(s: &str) -> (Option<Map>, Option<String>) {
    match goyaml::from_json_partial(s) {
        (None, e) => (Some(Map::new()), e),
        (Some(Value::Nil), e) => (None, e),
        (Some(Value::Map(m)), e) => (Some(m.snapshot()), e),
        (Some(other), _) => (
            Some(Map::new()),
            Some(format!(
                "json: cannot unmarshal {} into Go value of type map[string]interface {{}}",
                json_kind(&other)
            )),
        ),
    }
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Bool(_) => "bool",
        Value::Float(_) | Value::Int(..) => "number",
        Value::Str(_) => "string",
        Value::List(_) => "array",
        _ => "object",
    }
}

/// Registers Helm's data-conversion functions and Sprig's JSON family.
pub fn register(m: &mut FuncMap) {
    /// `{{ .Values.config | toYaml }}`: sigs.k8s.io/yaml `Marshal`, one trailing newline
    /// removed, `""` on error.
    fn to_yaml(v: &Value) -> Value {
        Value::str(trim_nl(goyaml::to_yaml(v)))
    }
    m.add("toYaml", &[Ty::Any], None, |_, a| Ok(to_yaml(&arg(a, 0))));

    /// `{{ .Values | toYamlPretty }}`: go-yaml v3 encoding, lists indented under keys.
    fn to_yaml_pretty(v: &Value) -> Value {
        Value::str(trim_nl(goyaml::to_yaml_pretty(v)))
    }
    m.add("toYamlPretty", &[Ty::Any], None, |_, a| {
        Ok(to_yaml_pretty(&arg(a, 0)))
    });

    /// `{{ (fromYaml "a: 1").a }}`: a map, or `{"Error": msg}`.
    fn from_yaml(s: &str) -> Value {
        match goyaml::from_yaml_map(s) {
            Ok(m) => Value::map(m),
            Err(e) => error_map(e.to_string()),
        }
    }
    m.add("fromYaml", &[Ty::Str], None, |_, a| {
        Ok(from_yaml(&str_arg(a, 0)))
    });

    /// `{{ fromYamlArray "- a\n- b" | first }}`: a list, or `[msg]`.
    fn from_yaml_array(s: &str) -> Value {
        match goyaml::from_yaml_list(s) {
            Ok(l) => Value::list(l),
            Err(e) => Value::list(vec![Value::str(e.to_string())]),
        }
    }
    m.add("fromYamlArray", &[Ty::Str], None, |_, a| {
        Ok(from_yaml_array(&str_arg(a, 0)))
    });

    /// `{{ .Values | toJson }}`: Go `json.Marshal`, `""` on error.
    fn to_json(v: &Value) -> Value {
        Value::str(goyaml::to_json(v).unwrap_or_default())
    }
    m.add("toJson", &[Ty::Any], None, |_, a| Ok(to_json(&arg(a, 0))));

    /// `{{ (fromJson "{\"a\":1}").a }}`: a map (nil for `null`), or `{"Error": msg}`.
    fn from_json(s: &str) -> Value {
        let (m, err) = json_to_map(s);
        match (m, err) {
            (None, None) => Value::Map(MapRef::nil_map()),
            (m, Some(e)) => {
                let mut m = m.unwrap_or_default();
                m.insert("Error".to_string(), Value::str(e));
                Value::map(m)
            }
            (Some(m), None) => Value::map(m),
        }
    }
    m.add("fromJson", &[Ty::Str], None, |_, a| {
        Ok(from_json(&str_arg(a, 0)))
    });

    /// `{{ fromJsonArray "[1,2]" | len }}`: a list (nil for `null`), or `[msg]`.
    fn from_json_array(s: &str) -> Value {
        let r = goyaml::from_json(s).and_then(|v| match v {
            Value::Nil => Ok(None),
            Value::List(l) => Ok(Some(l.to_vec())),
            other => Err(format!(
                "json: cannot unmarshal {} into Go value of type []interface {{}}",
                json_kind(&other)
            )),
        });
        match r {
            Ok(Some(l)) => Value::list(l),
            Ok(None) => Value::List(ListRef::nil_list()),
            Err(e) => Value::list(vec![Value::str(e)]),
        }
    }
    m.add("fromJsonArray", &[Ty::Str], None, |_, a| {
        Ok(from_json_array(&str_arg(a, 0)))
    });

    /// `{{ .Values | toToml }}`: BurntSushi TOML (trailing newline kept), or the error text.
    fn to_toml(v: &Value) -> Value {
        match goyaml::to_toml(v) {
            Ok(s) | Err(s) => Value::str(s),
        }
    }
    m.add("toToml", &[Ty::Any], None, |_, a| Ok(to_toml(&arg(a, 0))));

    /// `{{ (fromToml "a = 1").a }}`: a map (integers `int64`), or `{"Error": msg}`.
    fn from_toml(s: &str) -> Value {
        match goyaml::from_toml(s) {
            Ok(m) => Value::map(m),
            Err(e) => error_map(e),
        }
    }
    m.add("fromToml", &[Ty::Str], None, |_, a| {
        Ok(from_toml(&str_arg(a, 0)))
    });

    /// `{{ .Values | mustToJson }}`: like `toJson`, but an encoding error fails the render.
    fn must_to_json(v: &Value) -> Result<Value, FuncError> {
        goyaml::to_json(v)
            .map(Value::str)
            .map_err(|e| FuncError::msg(e.0))
    }
    m.add("mustToJson", &[Ty::Any], None, |_, a| {
        must_to_json(&arg(a, 0))
    });

    /// `{{ .Values | toPrettyJson }}`: `json.MarshalIndent(v, "", "  ")`, `""` on error.
    fn to_pretty_json(v: &Value) -> Value {
        Value::str(goyaml::to_pretty_json(v).unwrap_or_default())
    }
    m.add("toPrettyJson", &[Ty::Any], None, |_, a| {
        Ok(to_pretty_json(&arg(a, 0)))
    });

    /// `{{ .Values | mustToPrettyJson }}`: like `toPrettyJson`, errors fail the render.
    fn must_to_pretty_json(v: &Value) -> Result<Value, FuncError> {
        goyaml::to_pretty_json(v)
            .map(Value::str)
            .map_err(|e| FuncError::msg(e.0))
    }
    m.add("mustToPrettyJson", &[Ty::Any], None, |_, a| {
        must_to_pretty_json(&arg(a, 0))
    });

    /// `{{ dict "url" "a&b" | toRawJson }}`: JSON without HTML escaping; errors fail
    /// the render (Sprig panics).
    fn to_raw_json(v: &Value) -> Result<Value, FuncError> {
        goyaml::to_raw_json(v)
            .map(Value::str)
            .map_err(|e| FuncError::msg(e.0))
    }
    m.add("toRawJson", &[Ty::Any], None, |_, a| {
        to_raw_json(&arg(a, 0))
    });
    m.alias("mustToRawJson", "toRawJson");

    /// `{{ mustFromJson "[1,2]" }}`: any JSON value (numbers float64); errors fail the render.
    fn must_from_json(s: &str) -> Result<Value, FuncError> {
        goyaml::from_json(s).map_err(FuncError::msg)
    }
    m.add("mustFromJson", &[Ty::Str], None, |_, a| {
        must_from_json(&str_arg(a, 0))
    });
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn call(name: &str, args: &[Value]) -> String {
        let mut m = FuncMap::new();
        register(&mut m);
        match m.call(name, args) {
            Ok(v) => format!("{v:?}"),
            Err(e) => format!("ERR {e:?}"),
        }
    }

    #[test]
    fn from_yaml_reports_errors_as_data() {
        assert_eq!(
            call("fromYaml", &[Value::str("- 1")]),
            r#"{"Error": "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal array into Go value of type map[string]interface {}"}"#
        );
        assert_eq!(call("fromYaml", &[Value::str("")]), "{}");
        assert_eq!(call("fromYamlArray", &[Value::str("- 1")]), "[1.0f]");
    }

    #[test]
    fn to_yaml_trims_one_newline() {
        assert_eq!(call("toYaml", &[Value::str("hello")]), r#""hello""#);
        assert_eq!(call("toYaml", &[Value::Float(f64::NAN)]), r#""""#);
    }

    #[test]
    fn json_family() {
        assert_eq!(
            call("fromJson", &[Value::str("bad")]),
            r#"{"Error": "invalid character 'b' looking for beginning of value"}"#
        );
        assert_eq!(call("toRawJson", &[Value::str("<&>")]), r#""\"<&>\"""#);
        assert!(call("mustToJson", &[Value::Float(f64::INFINITY)]).starts_with("ERR"));
        assert_eq!(
            call("toToml", &[Value::list(vec![Value::Nil])]),
            r#""toml: cannot encode array with nil element""#
        );
    }
}
