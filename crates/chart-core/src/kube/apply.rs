//! Server-side apply as Helm 4 (v4.1) sends it with `--server-side`: every object is
//! applied (`PATCH application/apply-patch+yaml`) with field manager `helm`, conflicts with
//! other managers fail unless forced, and a release that moves from client-side to
//! server-side apply first hands the fields its client-side writes own (manager `helm`,
//! operation `Update`) to its apply identity (manager `helm`, operation `Apply`), as
//! client-go's `csaupgrade.UpgradeManagedFieldsPatch` does, so that fields dropped from the
//! chart are removed by the next apply.

use serde_json::{json, Map, Value};

use super::error::Error;

/// How a create or update writes objects (Helm 4's `ClientCreateOption*` and
/// `ClientUpdateOption*`). The default is helm 3's client-side behaviour.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ApplyOptions {
    /// Server-side apply instead of POST / three-way merge patch.
    pub server_side: bool,
    /// With `server_side`: take fields owned by other managers (`force=true`).
    pub force_conflicts: bool,
    /// Replace existing objects (PUT) instead of patching them (`--force`).
    pub force_replace: bool,
    /// With `server_side`: before applying, move the fields of helm's client-side
    /// manager entry to its apply entry (a release applied client-side before).
    pub upgrade_client_side_field_manager: bool,
}

impl ApplyOptions {
    /// The options helm 3 uses: client-side, optionally replacing (`--force`).
    pub fn client_side(force_replace: bool) -> ApplyOptions {
        ApplyOptions {
            force_replace,
            ..ApplyOptions::default()
        }
    }

    /// Helm 4's checks of incompatible options, with its texts.
    pub fn validate(&self) -> Result<(), Error> {
        if !self.server_side && self.force_conflicts {
            return Err(Error::Failed(
                "invalid client update option(s): forceConflicts enabled when serverSideApply disabled"
                    .into(),
            ));
        }
        if self.force_conflicts && self.force_replace {
            return Err(Error::Failed(
                "invalid operation: cannot use force conflicts and force replace together".into(),
            ));
        }
        if self.server_side && self.force_replace {
            return Err(Error::Failed(
                "invalid operation: cannot use server-side apply and force replace together".into(),
            ));
        }
        Ok(())
    }
}

/// The error of a failed apply, as Helm 4 words it (`conflict occurred while applying
/// object NS/NAME GROUP/VERSION, Kind=KIND: …`).
pub(crate) fn apply_error(
    e: Error,
    namespace: &str,
    name: &str,
    api_version: &str,
    kind: &str,
) -> Error {
    let code = e.api().map(|a| (a.code, a.reason.clone()));
    match code {
        Some((415, _)) => e.context("server-side apply not available on the server"),
        Some((409, _)) => {
            // Go's GroupVersionKind.String(): the core group prints as "/v1".
            let gv = if api_version.contains('/') {
                api_version.to_owned()
            } else {
                format!("/{api_version}")
            };
            e.context(format!(
                "conflict occurred while applying object {namespace}/{name} {gv}, Kind={kind}"
            ))
        }
        _ => e,
    }
}

fn entry_str<'a>(e: &'a Value, key: &str) -> &'a str {
    e.get(key).and_then(Value::as_str).unwrap_or("")
}

fn is_entry(e: &Value, manager: &str, operation: &str) -> bool {
    entry_str(e, "manager") == manager
        && entry_str(e, "operation") == operation
        && entry_str(e, "subresource").is_empty()
}

/// The JSON patch that moves the fields owned by `csa_manager` (operation `Update`) of the
/// live object `live` to the `Apply` entry of `ssa_manager` (client-go's
/// `UpgradeManagedFieldsPatch`); `None` when nothing is to move. The patch also pins the
/// resourceVersion, so a concurrent write makes it fail with a conflict.
pub fn upgrade_managed_fields_patch(
    live: &Value,
    csa_manager: &str,
    ssa_manager: &str,
) -> Result<Option<Value>, Error> {
    let Some(entries) = live
        .get("metadata")
        .and_then(|m| m.get("managedFields"))
        .and_then(Value::as_array)
    else {
        return Ok(None);
    };
    let mut fields = entries.clone();
    let target = match fields
        .iter()
        .position(|e| is_entry(e, ssa_manager, "Apply"))
    {
        Some(i) => i,
        None => {
            let Some(i) = fields
                .iter()
                .position(|e| is_entry(e, csa_manager, "Update"))
            else {
                return Ok(None);
            };
            if let Some(o) = fields[i].as_object_mut() {
                o.insert("operation".into(), Value::String("Apply".into()));
                o.insert("manager".into(), Value::String(ssa_manager.into()));
            }
            i
        }
    };
    let api_version = entry_str(&fields[target], "apiVersion").to_owned();
    let partner = fields.iter().position(|e| {
        is_entry(e, csa_manager, "Update") && entry_str(e, "apiVersion") == api_version
    });
    if let Some(p) = partner {
        let empty = Value::Object(Map::new());
        let a = fields[target].get("fieldsV1").unwrap_or(&empty);
        let b = fields[p].get("fieldsV1").unwrap_or(&empty);
        let (Some(a), Some(b)) = (a.as_object(), b.as_object()) else {
            return Err(Error::Failed(format!(
                "failed to upgrade managed fields: fieldsV1 of {csa_manager:?} is not a field set"
            )));
        };
        let union = Value::Object(union_children(a, b));
        if let Some(o) = fields[target].as_object_mut() {
            o.insert("fieldsV1".into(), union);
            o.entry("fieldsType")
                .or_insert_with(|| Value::String("FieldsV1".into()));
        }
    }
    let filtered: Vec<Value> = fields
        .into_iter()
        .filter(|e| !is_entry(e, csa_manager, "Update"))
        .collect();
    if &filtered == entries {
        return Ok(None);
    }
    let rv = live
        .get("metadata")
        .and_then(|m| m.get("resourceVersion"))
        .cloned()
        .unwrap_or(Value::String(String::new()));
    Ok(Some(json!([
        {"op": "replace", "path": "/metadata/managedFields", "value": filtered},
        {"op": "replace", "path": "/metadata/resourceVersion", "value": rv},
    ])))
}

/// Whether a FieldsV1 trie node stands for a member of the set itself: a leaf (`{}`), or
/// a node with the `"."` marker.
fn is_member(node: &Map<String, Value>) -> bool {
    node.is_empty() || node.contains_key(".")
}

/// The union of two FieldsV1 tries (structured-merge-diff's `Set.Union`), below a node.
fn union_children(a: &Map<String, Value>, b: &Map<String, Value>) -> Map<String, Value> {
    let empty = Map::new();
    let mut out = Map::new();
    for (k, va) in a.iter().filter(|(k, _)| k.as_str() != ".") {
        let na = va.as_object().unwrap_or(&empty);
        match b.get(k).and_then(Value::as_object) {
            Some(nb) => {
                out.insert(k.clone(), Value::Object(union_node(na, nb)));
            }
            None => {
                out.insert(k.clone(), va.clone());
            }
        }
    }
    for (k, vb) in b.iter().filter(|(k, _)| k.as_str() != ".") {
        if !out.contains_key(k) {
            out.insert(k.clone(), vb.clone());
        }
    }
    out
}

fn union_node(a: &Map<String, Value>, b: &Map<String, Value>) -> Map<String, Value> {
    let member = is_member(a) || is_member(b);
    let children = union_children(a, b);
    if children.is_empty() || !member {
        return children;
    }
    let mut out = Map::new();
    out.insert(".".into(), Value::Object(Map::new()));
    out.extend(children);
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn entry(manager: &str, op: &str, fields: Value) -> Value {
        json!({"manager": manager, "operation": op, "apiVersion": "v1",
               "time": "2026-12-07T10:00:00Z", "fieldsType": "FieldsV1", "fieldsV1": fields})
    }

    #[test]
    fn client_side_entry_becomes_the_apply_entry() {
        let live = json!({"metadata": {"resourceVersion": "42", "managedFields": [
            entry("helm", "Update", json!({"f:data": {".": {}, "f:a": {}}})),
            entry("other", "Update", json!({"f:data": {"f:b": {}}})),
        ]}});
        let p = upgrade_managed_fields_patch(&live, "helm", "helm")
            .unwrap()
            .unwrap();
        assert_eq!(
            p,
            json!([
                {"op": "replace", "path": "/metadata/managedFields", "value": [
                    entry("helm", "Apply", json!({"f:data": {".": {}, "f:a": {}}})),
                    entry("other", "Update", json!({"f:data": {"f:b": {}}})),
                ]},
                {"op": "replace", "path": "/metadata/resourceVersion", "value": "42"},
            ])
        );
    }

    #[test]
    fn both_entries_are_merged_into_the_apply_entry() {
        let live = json!({"metadata": {"resourceVersion": "7", "managedFields": [
            entry("helm", "Apply", json!({"f:data": {"f:a": {}}, "f:metadata": {"f:labels": {}}})),
            entry("helm", "Update", json!({"f:data": {".": {}, "f:b": {}}, "f:metadata": {"f:labels": {"f:x": {}}}})),
        ]}});
        let p = upgrade_managed_fields_patch(&live, "helm", "helm")
            .unwrap()
            .unwrap();
        assert_eq!(
            p[0]["value"],
            json!([entry(
                "helm",
                "Apply",
                json!({"f:data": {".": {}, "f:a": {}, "f:b": {}},
                       "f:metadata": {"f:labels": {".": {}, "f:x": {}}}})
            )])
        );
    }

    #[test]
    fn nothing_to_move() {
        let live = json!({"metadata": {"managedFields": [
            entry("helm", "Apply", json!({"f:data": {"f:a": {}}})),
            entry("kubectl", "Update", json!({"f:data": {"f:b": {}}})),
        ]}});
        assert_eq!(
            upgrade_managed_fields_patch(&live, "helm", "helm").unwrap(),
            None
        );
        assert_eq!(
            upgrade_managed_fields_patch(&json!({"metadata": {}}), "helm", "helm").unwrap(),
            None
        );
    }

    #[test]
    fn subresource_entries_stay() {
        let mut status = entry("helm", "Update", json!({"f:status": {}}));
        status["subresource"] = json!("status");
        let live = json!({"metadata": {"resourceVersion": "1", "managedFields": [status.clone()]}});
        assert_eq!(
            upgrade_managed_fields_patch(&live, "helm", "helm").unwrap(),
            None
        );
    }

    #[test]
    fn incompatible_options_are_refused_with_helm_4_texts() {
        let o = ApplyOptions {
            force_conflicts: true,
            ..ApplyOptions::default()
        };
        assert!(o
            .validate()
            .unwrap_err()
            .to_string()
            .contains("forceConflicts enabled when serverSideApply disabled"));
        let o = ApplyOptions {
            server_side: true,
            force_replace: true,
            ..ApplyOptions::default()
        };
        assert_eq!(
            o.validate().unwrap_err().to_string(),
            "invalid operation: cannot use server-side apply and force replace together"
        );
        assert!(ApplyOptions::client_side(true).validate().is_ok());
    }

    #[test]
    fn conflict_texts_name_the_object_as_go_prints_a_gvk() {
        let api = |code, reason: &str| {
            Error::Api(super::super::error::ApiError {
                code,
                reason: reason.into(),
                message: "Apply failed with 1 conflict: conflict with \"other\" using v1: .data.a"
                    .into(),
            })
        };
        assert_eq!(
            apply_error(api(409, "Conflict"), "ns", "cm", "v1", "ConfigMap").to_string(),
            "conflict occurred while applying object ns/cm /v1, Kind=ConfigMap: Apply failed with 1 conflict: conflict with \"other\" using v1: .data.a"
        );
        assert!(apply_error(
            api(415, "UnsupportedMediaType"),
            "ns",
            "d",
            "apps/v1",
            "Deployment"
        )
        .to_string()
        .starts_with("server-side apply not available on the server: "));
    }
}
