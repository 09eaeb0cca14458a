//! Chart values as Helm 3.17.3 handles them: the `--set` family of parsers
//! ([`strvals`]), merging the user's value sources in Helm's order ([`options`]),
//! coalescing user values with chart defaults and subcharts ([`coalesce`]), and
//! `values.schema.json` validation ([`schema`]).
//!
//! Every value is a gotmpl [`Value`]: maps are shared references (like Go maps), `--set`
//! integers are `int64`, YAML/JSON numbers are `float64`.

pub mod coalesce;
pub mod options;
pub mod schema;
pub mod strvals;

pub use coalesce::{
    coalesce_tables, coalesce_values, merge_tables, merge_values, ChartNode, Coalesced, ValuesNode,
    Warning,
};
pub use options::{MergeError, ValueOptions};
pub use schema::{validate_against_schema, validate_single_schema, SchemaError};

use gotmpl::{Map, MapRef, Value};

/// A failure building the render values: coalescing or schema validation. `Display` is
/// Helm's message.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RenderValuesError {
    /// `type mismatch on S: …`.
    #[error(transparent)]
    Coalesce(#[from] coalesce::CoalesceError),
    /// `values don't meet the specifications of the schema(s)…`.
    #[error(transparent)]
    Schema(#[from] schema::SchemaError),
}

/// The `.Values` part of Helm's `ToRenderValuesWithSchemaValidation`: coalesces the user
/// values (already merged by [`ValueOptions::merge_values`]) with the chart tree's
/// defaults, then validates every chart's schema unless `skip_schema_validation`.
/// Returns the root `.Values` and the warnings Helm logs (print each as `{warning}` on
/// stderr). A subchart's `.Values` is [`coalesce::scoped_values`] of the result.
pub fn render_values<C: ChartNode>(
    chart: &C,
    user: &Value,
    skip_schema_validation: bool,
) -> Result<Coalesced, RenderValuesError> {
    let c = coalesce_values(chart, user)?;
    if !skip_schema_validation {
        validate_against_schema(chart, &c.values)?;
    }
    Ok(c)
}

/// Parses YAML text into a value, as Helm's `sigs.k8s.io/yaml` (YAML → JSON → Go) does.
///
/// This is the one entry point for YAML in values handling; every values file and every
/// `-f` source goes through it.
pub fn parse_yaml(text: &str) -> Result<Value, String> {
    goyaml::from_yaml(text).map_err(|e| e.to_string())
}

/// Reads a values document (Helm's `chartutil.ReadValues` / `yaml.Unmarshal` into a
/// map): the top level must be a mapping; an empty document (or `null`) is `{}`.
pub fn read_values(text: &str) -> Result<Value, String> {
    match parse_yaml(text)? {
        Value::Nil => Ok(Value::empty_map()),
        v @ Value::Map(_) => Ok(v),
        other => Err(format!(
            "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal {} into Go value of type map[string]interface {{}}",
            json_kind(&other)
        )),
    }
}

/// The JSON kind name Go's `encoding/json` uses in `cannot unmarshal X into …`.
fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Nil => "null",
        Value::Bool(_) => "bool",
        Value::Int(..) | Value::Float(_) => "number",
        Value::Str(_) | Value::Bytes(_) => "string",
        Value::List(_) => "array",
        Value::Map(_) | Value::Object(_) => "object",
    }
}

/// The map inside a value, if it is a map (Go's `v.(map[string]interface{})`).
pub fn as_map(v: &Value) -> Option<&MapRef> {
    match v {
        Value::Map(m) => Some(m),
        _ => None,
    }
}

/// Helm's `istable`: whether a value is a map.
pub fn is_table(v: &Value) -> bool {
    matches!(v, Value::Map(_))
}

/// Serializes a value as Go's `encoding/json` (`json.Marshal`, as Sprig's `toJson` uses
/// it) would: sorted keys, HTML-safe escaping, Go's float formatting. (The one JSON
/// writer is gotmpl's; values that JSON cannot hold, such as NaN, give "".)
pub fn to_json(v: &Value) -> String {
    goyaml::to_json(v).unwrap_or_default()
}

/// Go's `encoding/json` text of a float64.
pub fn go_json_float(f: f64) -> String {
    to_json(&Value::Float(f))
}

/// Appends `s` as a Go `encoding/json` string literal.
pub fn json_string(s: &str, out: &mut String) {
    out.push_str(&to_json(&Value::str(s)));
}

/// A new empty map reference.
pub(crate) fn new_map() -> MapRef {
    MapRef::new(Map::new())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_floats_follow_go() {
        assert_eq!(go_json_float(1.0), "1");
        assert_eq!(go_json_float(1.5), "1.5");
        assert_eq!(go_json_float(1e21), "1e+21");
        assert_eq!(go_json_float(1.5e-7), "1.5e-7");
        assert_eq!(go_json_float(1e20), "100000000000000000000");
    }

    #[test]
    fn json_strings_are_html_safe() {
        assert_eq!(
            to_json(&Value::str("<a&b>\n")),
            r#""\u003ca\u0026b\u003e\n""#
        );
    }

    #[test]
    fn read_values_requires_a_map() {
        assert!(read_values("").is_ok());
        assert!(read_values("null").is_ok());
        let e = read_values("[1]").err().unwrap_or_default();
        assert!(e.contains("cannot unmarshal array"), "{e}");
    }
}
