//! The Secret and ConfigMap drivers (Helm's `driver.Secrets`, the default, and
//! `driver.ConfigMaps`, `HELM_DRIVER=configmap`): one object per revision, named by the
//! key, labelled as helm labels them, the payload under `data.release` — in a Secret of
//! type `helm.sh/release.v1` (which the API base64-encodes once more), or as a ConfigMap
//! string (a single base64 layer). The two differ only in how the payload is held
//! ([`RecordObject`]); everything else is [`KubeRecords`].

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{ConfigMap, Secret};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use k8s_openapi::ByteString;
use kube::api::{DeleteParams, ListParams, PostParams};
use kube::core::NamespaceResourceScope;
use kube::{Api, Resource};

use super::{
    check_size, decode_release, encode_release, filter_system_labels, label_selector,
    record_labels, unix_now, Driver, DriverFuture, ReleaseFilter, StorageError,
};
use crate::release::Release;

/// The Secret type of release records.
pub const SECRET_TYPE: &str = "helm.sh/release.v1";

/// A kind of object that holds a release record's payload.
pub trait RecordObject:
    Resource<DynamicType = (), Scope = NamespaceResourceScope>
    + Clone
    + std::fmt::Debug
    + serde::Serialize
    + serde::de::DeserializeOwned
    + Send
    + Sync
    + 'static
{
    /// The kind, as helm names the driver and its size error (`Secret`, `ConfigMap`).
    const KIND: &'static str;
    /// The object holding `payload` (base64 of the gzipped record) with `meta`.
    fn with_payload(meta: ObjectMeta, payload: String) -> Self;
    /// The payload bytes (empty when absent).
    fn payload(&self) -> &[u8];
}

impl RecordObject for Secret {
    const KIND: &'static str = "Secret";
    fn with_payload(metadata: ObjectMeta, payload: String) -> Secret {
        Secret {
            metadata,
            type_: Some(SECRET_TYPE.to_owned()),
            data: Some(BTreeMap::from([(
                "release".to_owned(),
                ByteString(payload.into_bytes()),
            )])),
            ..Secret::default()
        }
    }
    fn payload(&self) -> &[u8] {
        self.data
            .as_ref()
            .and_then(|d| d.get("release"))
            .map(|b| b.0.as_slice())
            .unwrap_or_default()
    }
}

impl RecordObject for ConfigMap {
    const KIND: &'static str = "ConfigMap";
    fn with_payload(metadata: ObjectMeta, payload: String) -> ConfigMap {
        ConfigMap {
            metadata,
            data: Some(BTreeMap::from([("release".to_owned(), payload)])),
            ..ConfigMap::default()
        }
    }
    fn payload(&self) -> &[u8] {
        self.data
            .as_ref()
            .and_then(|d| d.get("release"))
            .map(|b| b.as_bytes())
            .unwrap_or_default()
    }
}

/// Release records in objects of kind `K` of one namespace (or, for listing only, all
/// namespaces).
pub struct KubeRecords<K: RecordObject> {
    api: Api<K>,
}

/// The Secret driver.
pub type Secrets = KubeRecords<Secret>;
/// The ConfigMap driver.
pub type ConfigMaps = KubeRecords<ConfigMap>;

fn is_status(err: &kube::Error, pred: fn(&kube::core::Status) -> bool) -> bool {
    matches!(err, kube::Error::Api(s) if pred(s))
}

impl<K: RecordObject> KubeRecords<K> {
    /// Records in `namespace`; `""` reads every namespace (writes then fail).
    pub fn new(client: kube::Client, namespace: &str) -> KubeRecords<K> {
        let api = if namespace.is_empty() {
            Api::all(client)
        } else {
            Api::namespaced(client, namespace)
        };
        KubeRecords { api }
    }

    /// The object that stores `rls` under `key`; refused before anything is sent when
    /// the encoded record is over the API server's size limit.
    pub fn object(
        key: &str,
        rls: &Release,
        labels: BTreeMap<String, String>,
    ) -> Result<K, StorageError> {
        let payload = encode_release(rls).map_err(|e| StorageError::Encode(rls.name.clone(), e))?;
        check_size(rls, K::KIND, &payload)?;
        let meta = ObjectMeta {
            name: Some(key.to_owned()),
            labels: Some(labels),
            ..ObjectMeta::default()
        };
        Ok(K::with_payload(meta, payload))
    }

    fn decode(obj: &K) -> Result<Release, super::DecodeError> {
        decode_release(obj.payload())
    }

    async fn list_selector(&self, selector: &str) -> Result<Vec<K>, kube::Error> {
        Ok(self
            .api
            .list(&ListParams::default().labels(selector))
            .await?
            .items)
    }

    async fn get_now(&self, key: &str) -> Result<Release, StorageError> {
        let obj = match self.api.get(key).await {
            Ok(o) => o,
            Err(e) if is_status(&e, kube::core::Status::is_not_found) => {
                return Err(StorageError::NotFound)
            }
            Err(e) => return Err(StorageError::kube(format!("get: failed to get {key:?}"), e)),
        };
        let mut r = Self::decode(&obj).map_err(|e| StorageError::Decode {
            context: format!("get: failed to decode data {key:?}"),
            source: e,
        })?;
        r.labels = filter_system_labels(&obj.meta().labels.clone().unwrap_or_default());
        Ok(r)
    }

    fn decode_all(items: Vec<K>) -> Vec<Release> {
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            // Helm logs and skips records it cannot decode.
            if let Ok(mut r) = Self::decode(&item) {
                r.labels = item.meta().labels.clone().unwrap_or_default();
                out.push(r);
            }
        }
        out
    }

    async fn create_now(
        &self,
        key: &str,
        rls: &Release,
        annotations: Option<&BTreeMap<String, String>>,
    ) -> Result<(), StorageError> {
        let labels = record_labels(rls, ("createdAt", unix_now().to_string()));
        let mut obj = Self::object(key, rls, labels)?;
        obj.meta_mut().annotations = annotations.cloned();
        match self.api.create(&PostParams::default(), &obj).await {
            Ok(_) => Ok(()),
            Err(e) if is_status(&e, kube::core::Status::is_already_exists) => {
                Err(StorageError::Exists)
            }
            Err(e) => Err(StorageError::kube("create: failed to create", e)),
        }
    }

    async fn update_now(
        &self,
        key: &str,
        rls: &Release,
        annotations: Option<&BTreeMap<String, String>>,
    ) -> Result<(), StorageError> {
        let labels = record_labels(rls, ("modifiedAt", unix_now().to_string()));
        let mut obj = Self::object(key, rls, labels)?;
        obj.meta_mut().annotations = annotations.cloned();
        self.api
            .replace(key, &PostParams::default(), &obj)
            .await
            .map(|_| ())
            .map_err(|e| StorageError::kube("update: failed to update", e))
    }

    async fn delete_now(&self, key: &str) -> Result<Release, StorageError> {
        let rls = self.get_now(key).await?;
        self.api
            .delete(key, &DeleteParams::default())
            .await
            .map_err(|e| StorageError::kube(format!("delete: failed to delete {key:?}"), e))?;
        Ok(rls)
    }
}

impl<K: RecordObject> Driver for KubeRecords<K> {
    fn name(&self) -> &'static str {
        K::KIND
    }

    fn create<'a>(&'a self, key: &'a str, rls: &'a Release) -> DriverFuture<'a, ()> {
        Box::pin(self.create_now(key, rls, None))
    }

    fn update<'a>(&'a self, key: &'a str, rls: &'a Release) -> DriverFuture<'a, ()> {
        Box::pin(self.update_now(key, rls, None))
    }

    fn create_annotated<'a>(
        &'a self,
        key: &'a str,
        rls: &'a Release,
        annotations: &'a BTreeMap<String, String>,
    ) -> DriverFuture<'a, ()> {
        Box::pin(self.create_now(key, rls, Some(annotations)))
    }

    fn update_annotated<'a>(
        &'a self,
        key: &'a str,
        rls: &'a Release,
        annotations: &'a BTreeMap<String, String>,
    ) -> DriverFuture<'a, ()> {
        Box::pin(self.update_now(key, rls, Some(annotations)))
    }

    fn delete<'a>(&'a self, key: &'a str) -> DriverFuture<'a, Release> {
        Box::pin(self.delete_now(key))
    }

    fn get<'a>(&'a self, key: &'a str) -> DriverFuture<'a, Release> {
        Box::pin(self.get_now(key))
    }

    fn list<'a>(&'a self, filter: ReleaseFilter<'a>) -> DriverFuture<'a, Vec<Release>> {
        Box::pin(async move {
            let items = self
                .list_selector("owner=helm")
                .await
                .map_err(|e| StorageError::kube("list: failed to list", e))?;
            Ok(Self::decode_all(items)
                .into_iter()
                .filter(|r| filter(r))
                .collect())
        })
    }

    fn query<'a>(&'a self, labels: &'a BTreeMap<String, String>) -> DriverFuture<'a, Vec<Release>> {
        Box::pin(async move {
            let selector = label_selector(labels)?;
            let items = self
                .list_selector(&selector)
                .await
                .map_err(|e| StorageError::kube("query: failed to query with labels", e))?;
            if items.is_empty() {
                return Err(StorageError::NotFound);
            }
            Ok(Self::decode_all(items))
        })
    }
}
