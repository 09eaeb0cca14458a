//! helm's ownership metadata (pkg/action/validate.go): the label and annotations helm sets
//! on every object of a release, and the check before adopting an existing object.

use serde_json::{Map, Value};

use super::error::Error;
use super::resource::ResourceInfo;

/// `app.kubernetes.io/managed-by`.
pub const MANAGED_BY_LABEL: &str = "app.kubernetes.io/managed-by";
/// The value of [`MANAGED_BY_LABEL`].
pub const MANAGED_BY_HELM: &str = "Helm";
/// `meta.helm.sh/release-name`.
pub const RELEASE_NAME_ANNOTATION: &str = "meta.helm.sh/release-name";
/// `meta.helm.sh/release-namespace`.
pub const RELEASE_NAMESPACE_ANNOTATION: &str = "meta.helm.sh/release-namespace";

fn string_map<'a>(obj: &'a Value, field: &str) -> Option<&'a Map<String, Value>> {
    obj.get("metadata")?.get(field)?.as_object()
}

fn require(m: Option<&Map<String, Value>>, key: &str, want: &str) -> Option<String> {
    match m.and_then(|m| m.get(key)) {
        None => Some(format!("missing key {key:?}: must be set to {want:?}")),
        Some(v) => {
            let actual = v.as_str().unwrap_or("");
            if actual == want {
                None
            } else {
                Some(format!(
                    "key {key:?} must equal {want:?}: current value is {actual:?}"
                ))
            }
        }
    }
}

/// helm's `checkOwnership`: `Ok` when `obj` carries the managed-by label and both release
/// annotations with the expected values, else `invalid ownership metadata; …`.
pub fn check_ownership(obj: &Value, release: &str, namespace: &str) -> Result<(), String> {
    let labels = string_map(obj, "labels");
    let annos = string_map(obj, "annotations");
    let mut errs = Vec::new();
    if let Some(e) = require(labels, MANAGED_BY_LABEL, MANAGED_BY_HELM) {
        errs.push(format!("label validation error: {e}"));
    }
    if let Some(e) = require(annos, RELEASE_NAME_ANNOTATION, release) {
        errs.push(format!("annotation validation error: {e}"));
    }
    if let Some(e) = require(annos, RELEASE_NAMESPACE_ANNOTATION, namespace) {
        errs.push(format!("annotation validation error: {e}"));
    }
    if errs.is_empty() {
        return Ok(());
    }
    let mut s = String::from("invalid ownership metadata");
    for e in errs {
        s.push_str("; ");
        s.push_str(&e);
    }
    Err(s)
}

/// The ownership error for an existing object `live` of `info`, if it may not be adopted.
pub(crate) fn ownership_error(
    info: &ResourceInfo,
    live: &Value,
    release: &str,
    namespace: &str,
) -> Option<Error> {
    check_ownership(live, release, namespace)
        .err()
        .map(|detail| Error::Ownership {
            resource: info.describe(),
            detail,
        })
}

fn merge_into(obj: &mut Value, field: &str, pairs: &[(&str, &str)]) {
    let Some(root) = obj.as_object_mut() else {
        return;
    };
    let md = root
        .entry("metadata")
        .or_insert_with(|| Value::Object(Map::new()));
    let Some(md) = md.as_object_mut() else {
        return;
    };
    let slot = md.entry(field).or_insert_with(|| Value::Object(Map::new()));
    if !slot.is_object() {
        *slot = Value::Object(Map::new());
    }
    if let Some(m) = slot.as_object_mut() {
        for (k, v) in pairs {
            m.insert((*k).to_string(), Value::String((*v).to_string()));
        }
    }
}

/// helm's `setMetadataVisitor` (with force): merges the managed-by label and the release
/// annotations over the object's own.
pub fn set_ownership_metadata(info: &mut ResourceInfo, release: &str, namespace: &str) {
    merge_into(
        &mut info.object,
        "labels",
        &[(MANAGED_BY_LABEL, MANAGED_BY_HELM)],
    );
    merge_into(
        &mut info.object,
        "annotations",
        &[
            (RELEASE_NAME_ANNOTATION, release),
            (RELEASE_NAMESPACE_ANNOTATION, namespace),
        ],
    );
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn messages_are_helms() {
        let obj = json!({"metadata": {"annotations": {"meta.helm.sh/release-name": "other"}}});
        assert_eq!(
            check_ownership(&obj, "conf", "default").unwrap_err(),
            "invalid ownership metadata; label validation error: missing key \"app.kubernetes.io/managed-by\": must be set to \"Helm\"; annotation validation error: key \"meta.helm.sh/release-name\" must equal \"conf\": current value is \"other\"; annotation validation error: missing key \"meta.helm.sh/release-namespace\": must be set to \"default\""
        );
        let ok = json!({"metadata": {"labels": {"app.kubernetes.io/managed-by": "Helm"},
            "annotations": {"meta.helm.sh/release-name": "conf", "meta.helm.sh/release-namespace": "default"}}});
        assert!(check_ownership(&ok, "conf", "default").is_ok());
    }
}
