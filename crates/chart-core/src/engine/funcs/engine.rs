//! Helm's engine functions: `include`, `tpl`, `required`, `fail`, `lookup`.

use gotmpl::func::{FuncError, FuncMap, Ty};
use gotmpl::value::Value;

/// Registers `include`, `tpl`, `required`, `fail` and a cluster-less `lookup`.
pub fn register(m: &mut FuncMap) {
    // include NAME DATA: executes a named template into a string.
    // Example: `{{ include "mychart.labels" . | nindent 4 }}`
    m.add("include", &[Ty::Str, Ty::Any], None, |ctx, a| {
        let name = a[0].as_str().unwrap_or_default().to_string();
        let out = ctx.host()?.include(&name, a[1].clone())?;
        Ok(Value::from(out))
    });
    // tpl TEXT DATA: renders a string as a template.
    // Example: `{{ tpl .Values.connectionString . }}`
    m.add("tpl", &[Ty::Str, Ty::Any], None, |ctx, a| {
        let text = a[0].as_str().unwrap_or_default().to_string();
        let out = ctx.host()?.tpl(&text, a[1].clone())?;
        Ok(Value::from(out))
    });
    // required MSG VALUE: fails with MSG when VALUE is nil or "".
    // Example: `{{ required "image.tag is required" .Values.image.tag }}`
    m.add("required", &[Ty::Str, Ty::Any], None, |_, a| match &a[1] {
        Value::Nil => Err(FuncError::Fail(
            a[0].as_str().unwrap_or_default().to_string(),
        )),
        Value::Str(s) if s.is_empty() => Err(FuncError::Fail(
            a[0].as_str().unwrap_or_default().to_string(),
        )),
        v => Ok(v.clone()),
    });
    // fail MSG: always fails with MSG.
    // Example: `{{ fail "unsupported mode" }}`
    m.add("fail", &[Ty::Str], None, |_, a| {
        Err(FuncError::Fail(
            a[0].as_str().unwrap_or_default().to_string(),
        ))
    });
    // lookup APIVERSION KIND NAMESPACE NAME: without a cluster, an empty map.
    // Example: `{{ (lookup "v1" "Secret" .Release.Namespace "s").data }}`
    m.add(
        "lookup",
        &[Ty::Str, Ty::Str, Ty::Str, Ty::Str],
        None,
        |_, _| Ok(Value::empty_map()),
    );
}
