//! The cluster side of the `lookup` template function (helm's pkg/engine/lookup_func.go).

use serde_json::{Map, Value};

use super::client::KubeClient;
use super::error::Error;
use super::resource::Gvk;

impl KubeClient {
    /// `lookup apiVersion kind namespace name` as helm answers it: the object; with an
    /// empty name the list (`{"apiVersion":…, "kind":"…List", "items":[…]}`, items with
    /// their apiVersion and kind); an empty map when the object or the resource is not
    /// found. An empty namespace addresses cluster-scoped objects, or all namespaces for
    /// a list. The group version's resources are discovered once per client.
    pub async fn lookup(
        &self,
        api_version: &str,
        kind: &str,
        namespace: &str,
        name: &str,
    ) -> Result<Value, Error> {
        let gvk = Gvk::from_api_version(api_version, kind);
        let list = self.group_version_resources(&gvk.api_version()).await?;
        // A kind the group version does not serve leaves helm with an empty resource name,
        // which the server answers with 404: an empty result.
        let Some(res) = list
            .resources
            .iter()
            .find(|r| r.kind == kind && !r.name.contains('/'))
        else {
            return Ok(Value::Object(Map::new()));
        };
        let prefix = if gvk.group.is_empty() {
            format!("/api/{}", gvk.version)
        } else {
            format!("/apis/{}/{}", gvk.group, gvk.version)
        };
        let base = if res.namespaced && !namespace.is_empty() {
            format!("{prefix}/namespaces/{namespace}/{}", res.name)
        } else {
            format!("{prefix}/{}", res.name)
        };
        let path = if name.is_empty() {
            base
        } else {
            format!("{base}/{name}")
        };
        match self.raw_get(&path).await {
            Ok(mut v) => {
                if name.is_empty() {
                    fill_item_kinds(&mut v);
                }
                Ok(v)
            }
            Err(e) if e.is_not_found() => Ok(Value::Object(Map::new())),
            Err(e) => Err(e),
        }
    }
}

/// Items of a list of built-in kinds come without apiVersion/kind; client-go's
/// unstructured list decoding fills them from the list's.
fn fill_item_kinds(list: &mut Value) {
    let api_version = list.get("apiVersion").cloned();
    let item_kind = list
        .get("kind")
        .and_then(Value::as_str)
        .and_then(|k| k.strip_suffix("List"))
        .map(|k| Value::String(k.to_string()));
    if let Some(Value::Array(items)) = list.get_mut("items") {
        for item in items {
            if let Some(m) = item.as_object_mut() {
                if !m.contains_key("kind") {
                    if let Some(k) = &item_kind {
                        m.insert("kind".into(), k.clone());
                    }
                }
                if !m.contains_key("apiVersion") {
                    if let Some(a) = &api_version {
                        m.insert("apiVersion".into(), a.clone());
                    }
                }
            }
        }
    }
}

impl KubeClient {
    /// helm's `GetPodList`: the pods of `namespace` matching a field selector (helm test
    /// uses `metadata.name=<hook>`).
    pub async fn get_pod_list(
        &self,
        namespace: &str,
        field_selector: &str,
    ) -> Result<Vec<Value>, Error> {
        let api: kube::Api<k8s_openapi::api::core::v1::Pod> =
            kube::Api::namespaced(self.client().clone(), namespace);
        let lp = kube::api::ListParams {
            field_selector: (!field_selector.is_empty()).then(|| field_selector.to_string()),
            ..kube::api::ListParams::default()
        };
        let list = api.list(&lp).await.map_err(Error::from)?;
        list.items
            .iter()
            .map(|p| serde_json::to_value(p).map_err(|e| Error::Transport(e.to_string())))
            .collect()
    }

    /// The log of one container (helm's `OutputContainerLogsForPodList` reads one per
    /// container of each pod).
    pub async fn pod_logs(
        &self,
        namespace: &str,
        pod: &str,
        container: &str,
    ) -> Result<String, Error> {
        let api: kube::Api<k8s_openapi::api::core::v1::Pod> =
            kube::Api::namespaced(self.client().clone(), namespace);
        let lp = kube::api::LogParams {
            container: Some(container.to_string()),
            ..kube::api::LogParams::default()
        };
        api.logs(pod, &lp).await.map_err(Error::from)
    }
}
