//! Reading rendered manifests as Kubernetes' `NewYAMLOrJSONDecoder` does for lint: a
//! stream of YAML documents (or JSON values), each decoded into Helm's `K8sYamlStruct`
//! (`apiVersion`, `kind`, `metadata.name`, `metadata.namespace`).

use gotmpl::Value;

/// The fields of a manifest lint looks at.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(super) struct K8sObject {
    pub api_version: String,
    pub kind: String,
    pub name: String,
}

/// Splits `content` into the documents Kubernetes' `YAMLReader` returns. An invalid
/// separator line ends the list with an error (documents before it are still returned).
pub(super) fn yaml_documents(content: &str) -> Vec<Result<String, String>> {
    let mut out = Vec::new();
    let mut buf = String::new();
    let mut lines: Vec<&str> = content.split('\n').collect();
    if content.ends_with('\n') {
        lines.pop();
    }
    for raw in lines {
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        if let Some(after) = line.strip_prefix("---") {
            let trimmed = after.trim();
            if !trimmed.is_empty() && !trimmed.starts_with('#') {
                out.push(Err(format!("invalid Yaml document separator: {trimmed}")));
                return out;
            }
            if !buf.is_empty() {
                out.push(Ok(std::mem::take(&mut buf)));
                continue;
            }
        }
        buf.push_str(line);
        buf.push('\n');
    }
    if !buf.is_empty() {
        out.push(Ok(buf));
    }
    out
}

/// Splits a stream of JSON values (the decoder's JSON mode) into the values' texts.
pub(super) fn json_values(content: &str) -> Vec<String> {
    let mut out = Vec::new();
    let b = content.as_bytes();
    let mut i = 0;
    while i < b.len() {
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        if i >= b.len() {
            break;
        }
        let start = i;
        let (mut depth, mut in_str, mut esc) = (0i32, false, false);
        while i < b.len() {
            let c = b[i];
            i += 1;
            if in_str {
                match (esc, c) {
                    (true, _) => esc = false,
                    (false, b'\\') => esc = true,
                    (false, b'"') => in_str = false,
                    _ => {}
                }
                continue;
            }
            match c {
                b'"' => in_str = true,
                b'{' | b'[' => depth += 1,
                b'}' | b']' => {
                    depth -= 1;
                    if depth <= 0 {
                        break;
                    }
                }
                _ if depth == 0 && c.is_ascii_whitespace() => break,
                _ => {}
            }
        }
        out.push(content[start..i].to_owned());
    }
    out
}

/// Whether the decoder takes the content as JSON: its first 4096 bytes, leading
/// whitespace removed, start with `{`.
pub(super) fn is_json(content: &str) -> bool {
    let head = &content.as_bytes()[..content.len().min(4096)];
    String::from_utf8_lossy(head).trim_start().starts_with('{')
}

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

/// sigs.k8s.io/yaml turns a YAML scalar into a string when the target field is a string.
fn scalar_string(v: &Value) -> Option<String> {
    match v {
        Value::Str(s) => Some(s.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Int(i, _) => Some(i.to_string()),
        Value::Float(f) if f.fract() == 0.0 && f.abs() < 1e21 => Some(format!("{f:.0}")),
        Value::Float(f) => Some(format!("{f}")),
        _ => None,
    }
}

fn string_field(v: &Value, strct: &str, field: &str, first: &mut Option<String>) -> Option<String> {
    if matches!(v, Value::Nil) {
        return None;
    }
    match scalar_string(v) {
        Some(s) => Some(s),
        None => {
            first.get_or_insert_with(|| {
                format!(
                    "json: cannot unmarshal {} into Go struct field {strct}.{field} of type string",
                    json_kind(v)
                )
            });
            None
        }
    }
}

/// Decodes one document's value into the lint struct: `Ok(None)` for an empty document.
pub(super) fn decode_struct(v: &Value) -> Result<Option<K8sObject>, String> {
    let m = match v {
        Value::Nil => return Ok(None),
        Value::Map(m) => m.snapshot(),
        other => {
            return Err(format!(
                "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal {} into Go value of type rules.K8sYamlStruct",
                json_kind(other)
            ))
        }
    };
    let mut obj = K8sObject::default();
    let mut first: Option<String> = None;
    for (k, val) in m.iter() {
        match k.to_lowercase().as_str() {
            "apiversion" => {
                if let Some(s) = string_field(val, "K8sYamlStruct", "apiVersion", &mut first) {
                    obj.api_version = s;
                }
            }
            "kind" => {
                if let Some(s) = string_field(val, "K8sYamlStruct", "Kind", &mut first) {
                    obj.kind = s;
                }
            }
            "metadata" => match val {
                Value::Nil => {}
                Value::Map(md) => {
                    for (mk, mv) in md.snapshot().iter() {
                        match mk.to_lowercase().as_str() {
                            "name" => {
                                if let Some(s) =
                                    string_field(mv, "k8sYamlMetadata", "Metadata.Name", &mut first)
                                {
                                    obj.name = s;
                                }
                            }
                            "namespace" => {
                                let _ = string_field(
                                    mv,
                                    "k8sYamlMetadata",
                                    "Metadata.Namespace",
                                    &mut first,
                                );
                            }
                            _ => {}
                        }
                    }
                }
                other => {
                    first.get_or_insert_with(|| {
                        format!(
                            "json: cannot unmarshal {} into Go struct field K8sYamlStruct.Metadata of type rules.k8sYamlMetadata",
                            json_kind(other)
                        )
                    });
                }
            },
            _ => {}
        }
    }
    match first {
        Some(e) => Err(format!("error unmarshaling JSON: while decoding JSON: {e}")),
        None => Ok(Some(obj)),
    }
}

/// Whether the first document is a `List` whose items carry the
/// `helm.sh/resource-policy` annotation (Helm's `validateListAnnotations`).
pub(super) fn list_has_resource_policy(content: &str) -> bool {
    let Ok(Value::Map(m)) = goyaml::from_yaml(content) else {
        return false;
    };
    let get = |m: &gotmpl::Map, key: &str| -> Option<Value> {
        let mut found = None;
        for (k, v) in m.iter() {
            if k.eq_ignore_ascii_case(key) {
                found = Some(v.clone());
            }
        }
        found
    };
    let Some(Value::List(items)) = get(&m.snapshot(), "items") else {
        return false;
    };
    items.iter().any(|it| {
        let Value::Map(im) = it else { return false };
        let Some(Value::Map(md)) = get(&im.snapshot(), "metadata") else {
            return false;
        };
        let Some(Value::Map(an)) = get(&md.snapshot(), "annotations") else {
            return false;
        };
        an.get("helm.sh/resource-policy").is_some()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_documents_like_kubernetes() {
        let d = yaml_documents("---\na: 1\n---\nb: 2\n---\nc: 3\n");
        assert_eq!(d.len(), 3);
        assert_eq!(d[0], Ok("---\na: 1\n".to_string()));
        assert_eq!(d[1], Ok("b: 2\n".to_string()));
        // An invalid separator discards the document it would end.
        let d = yaml_documents("a: 1\n---\nb: 2\n--- x\nc: 3\n");
        assert_eq!(d.len(), 2);
        assert!(d[1].is_err());
    }

    #[test]
    fn json_stream() {
        let v = json_values("{\"a\": \"}\"}\n{\"b\": 1}\n");
        assert_eq!(
            v,
            vec!["{\"a\": \"}\"}".to_string(), "{\"b\": 1}".to_string()]
        );
        assert!(is_json("  \n{\"a\":1}"));
    }

    #[test]
    fn decodes_struct() {
        let v = goyaml::from_yaml("KIND: Service\nmetadata: {NAME: x}\napiVersion: v1\n")
            .unwrap_or(Value::Nil);
        let o = decode_struct(&v).ok().flatten().unwrap_or_default();
        assert_eq!((o.kind.as_str(), o.name.as_str()), ("Service", "x"));
        let v = goyaml::from_yaml("metadata: hello\n").unwrap_or(Value::Nil);
        assert!(decode_struct(&v).is_err());
    }
}
