//! Discovery (cached per operation) and mapping of manifest documents to API resources,
//! as cli-runtime's builder does for helm's `Build`.

use std::sync::Arc;

use goyaml::{self, GoVal};
use kube::core::GroupVersionKind;
use kube::discovery::{Discovery, Scope};
use serde_json::{Map, Number, Value};
use tokio::sync::Mutex;

use super::error::Error;
use super::resource::{Gvk, ResourceInfo, ResourceList};

/// The discovery cache of one operation.
#[derive(Default)]
pub(crate) struct Mapper {
    cache: Mutex<Option<Arc<Discovery>>>,
}

impl Mapper {
    /// The cached discovery, running it when there is none; `true` when it was just run.
    pub(crate) async fn discovery(
        &self,
        client: &kube::Client,
    ) -> Result<(Arc<Discovery>, bool), Error> {
        let mut guard = self.cache.lock().await;
        if let Some(d) = guard.as_ref() {
            return Ok((d.clone(), false));
        }
        // A group that disappears between `/apis` and `/apis/G/V` (a CRD deleted meanwhile)
        // fails the whole run with a 404: run again, as client-go skips such groups.
        let mut attempt = 0;
        let d = loop {
            match Discovery::new(client.clone()).run().await {
                Ok(d) => break Arc::new(d),
                Err(e) => {
                    let e = Error::from(e);
                    if e.is_not_found() && attempt < 3 {
                        attempt += 1;
                        continue;
                    }
                    return Err(e);
                }
            }
        };
        *guard = Some(d.clone());
        Ok((d, true))
    }

    /// Forgets the cached discovery (after CRDs were created).
    pub(crate) async fn invalidate(&self) {
        *self.cache.lock().await = None;
    }
}

/// Maps a GVK through discovery: the API resource and whether it is namespaced.
pub(crate) fn resolve(
    discovery: &Discovery,
    gvk: &Gvk,
) -> Option<(kube::discovery::ApiResource, bool)> {
    let g = GroupVersionKind::gvk(&gvk.group, &gvk.version, &gvk.kind);
    discovery
        .resolve_gvk(&g)
        .map(|(ar, caps)| (ar, caps.scope == Scope::Namespaced))
}

/// Reads one YAML document into JSON as sigs.k8s.io/yaml's `YAMLToJSON` does: integers
/// stay integers, keys become strings. `Ok(None)` for an empty document.
pub fn yaml_to_json(doc: &str) -> Result<Option<Value>, Error> {
    let g = goyaml::from_yaml_go(doc).map_err(|e| Error::Manifest(e.to_string()))?;
    if matches!(g, GoVal::Nil) {
        return Ok(None);
    }
    go_to_json(&g).map(Some)
}

fn go_to_json(v: &GoVal) -> Result<Value, Error> {
    Ok(match v {
        GoVal::Nil => Value::Null,
        GoVal::Bool(b) => Value::Bool(*b),
        GoVal::Int(i) => Value::Number((*i).into()),
        GoVal::Uint(u) => Value::Number((*u).into()),
        GoVal::Float(f) => float_json(*f)?,
        GoVal::Str(s) => Value::String(s.clone()),
        GoVal::Seq(items) => Value::Array(items.iter().map(go_to_json).collect::<Result<_, _>>()?),
        GoVal::Map(m) => {
            let mut out = Map::new();
            for (k, val) in m.entries() {
                let key = goyaml::json_key(k, val).map_err(|e| Error::Manifest(e.to_string()))?;
                out.insert(key, go_to_json(val)?);
            }
            Value::Object(out)
        }
    })
}

/// A float as Go writes it in JSON and apimachinery reads it back: integral values below
/// 1e21 become integers (Go prints them without a fraction), others stay floats.
fn float_json(f: f64) -> Result<Value, Error> {
    if f.fract() == 0.0 && f.abs() < 9.2e18 {
        return Ok(Value::Number((f as i64).into()));
    }
    Number::from_f64(f)
        .map(Value::Number)
        .ok_or_else(|| Error::Manifest(goyaml::json_unsupported_float(f)))
}

fn str_at<'a>(v: &'a Value, path: &[&str]) -> &'a str {
    let mut cur = v;
    for p in path {
        match cur.get(p) {
            Some(x) => cur = x,
            None => return "",
        }
    }
    cur.as_str().unwrap_or("")
}

/// The objects of a manifest stream: documents split as the YAML stream decoder does,
/// empty documents skipped, `kind: *List` flattened (cli-runtime's `Flatten`).
pub(crate) fn manifest_objects(manifest: &str) -> Result<Vec<Value>, Error> {
    let mut out = Vec::new();
    for doc in crate::release::manifest::split_manifests(manifest) {
        let Some(v) = yaml_to_json(&doc)? else {
            continue;
        };
        if !v.is_object() {
            return Err(Error::Manifest(format!(
                "error unmarshaling JSON: json: cannot unmarshal {} into Go value of type map[string]interface {{}}",
                json_type(&v)
            )));
        }
        flatten(v, &mut out);
    }
    Ok(out)
}

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Array(_) => "array",
        Value::String(_) => "string",
        Value::Number(_) => "number",
        Value::Bool(_) => "bool",
        _ => "null",
    }
}

fn flatten(v: Value, out: &mut Vec<Value>) {
    let is_list =
        str_at(&v, &["kind"]).ends_with("List") && v.get("items").is_some_and(Value::is_array);
    if is_list {
        if let Some(Value::Array(items)) = v.get("items").cloned() {
            for item in items {
                flatten(item, out);
            }
        }
        return;
    }
    out.push(v);
}

/// Maps objects to resources; `namespace` is applied to namespaced objects without one.
/// Unknown kinds give helm's aggregated `resource mapping not found` errors.
pub(crate) fn map_objects(
    discovery: &Discovery,
    objects: Vec<Value>,
    namespace: &str,
) -> Result<ResourceList, Error> {
    let mut errors = Vec::new();
    let mut list = Vec::new();
    for mut obj in objects {
        let api_version = str_at(&obj, &["apiVersion"]).to_string();
        let kind = str_at(&obj, &["kind"]).to_string();
        let name = str_at(&obj, &["metadata", "name"]).to_string();
        let own_ns = str_at(&obj, &["metadata", "namespace"]).to_string();
        if kind.is_empty() {
            errors.push(Error::Manifest(format!(
                "error validating data: [apiVersion not set, kind not set]; Object 'Kind' is missing in '{}'",
                serde_json::to_string(&obj).unwrap_or_default()
            )));
            continue;
        }
        let gvk = Gvk::from_api_version(&api_version, &kind);
        let Some((api, namespaced)) = resolve(discovery, &gvk) else {
            errors.push(Error::NoMatch {
                name,
                namespace: own_ns,
                kind,
                version: api_version,
            });
            continue;
        };
        let ns = if namespaced {
            let ns = if own_ns.is_empty() {
                namespace.to_string()
            } else {
                own_ns
            };
            if let Some(md) = obj
                .as_object_mut()
                .map(|o| {
                    o.entry("metadata")
                        .or_insert_with(|| Value::Object(Map::new()))
                })
                .and_then(Value::as_object_mut)
            {
                md.insert("namespace".into(), Value::String(ns.clone()));
            }
            ns
        } else {
            String::new()
        };
        list.push(ResourceInfo {
            name,
            namespace: ns,
            gvk,
            api,
            namespaced,
            object: obj,
        });
    }
    match Error::aggregate(errors) {
        Some(e) => Err(e),
        None => Ok(list),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn yaml_numbers_stay_integers() {
        let v = yaml_to_json("a: 1\nb: 1.5\nc: 2.0\nd: yes\ne: '3'\n")
            .unwrap()
            .unwrap();
        assert_eq!(v.to_string(), r#"{"a":1,"b":1.5,"c":2,"d":true,"e":"3"}"#);
    }

    #[test]
    fn empty_documents_are_skipped_and_lists_flattened() {
        let m = "---\n# only a comment\n---\napiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: a}\n- apiVersion: v1\n  kind: Secret\n  metadata: {name: b}\n";
        let objs = manifest_objects(m).unwrap();
        assert_eq!(objs.len(), 2);
        assert_eq!(str_at(&objs[1], &["kind"]), "Secret");
    }

    #[test]
    fn no_match_text_is_helms() {
        let e = Error::NoMatch {
            name: "w".into(),
            namespace: "".into(),
            kind: "Widget".into(),
            version: "example.com/v1".into(),
        };
        assert_eq!(
            e.to_string(),
            "resource mapping not found for name: \"w\" namespace: \"\" from \"\": no matches for kind \"Widget\" in version \"example.com/v1\"\nensure CRDs are installed first"
        );
    }
}
