//! The Secret driver (Helm's `driver.Secrets`, the default): one Secret of type
//! `helm.sh/release.v1` per revision, named by the key, the payload under
//! `data.release` (which the API base64-encodes once more).

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::Secret;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use k8s_openapi::ByteString;
use kube::api::{DeleteParams, ListParams, PostParams};
use kube::Api;

use super::{
    check_size, decode_release, encode_release, filter_system_labels, label_selector,
    record_labels, unix_now, Driver, DriverFuture, ReleaseFilter, StorageError,
};
use crate::release::Release;

/// The Secret type of release records.
pub const SECRET_TYPE: &str = "helm.sh/release.v1";

/// Release records in Secrets of one namespace (or, for listing only, all namespaces).
pub struct Secrets {
    api: Api<Secret>,
}

fn is_status(err: &kube::Error, pred: fn(&kube::core::Status) -> bool) -> bool {
    matches!(err, kube::Error::Api(s) if pred(s))
}

impl Secrets {
    /// Records in `namespace`; `""` reads every namespace (writes then fail).
    pub fn new(client: kube::Client, namespace: &str) -> Secrets {
        let api = if namespace.is_empty() {
            Api::all(client)
        } else {
            Api::namespaced(client, namespace)
        };
        Secrets { api }
    }

    /// The Secret that stores `rls` under `key`.
    pub fn object(
        key: &str,
        rls: &Release,
        labels: BTreeMap<String, String>,
    ) -> Result<Secret, StorageError> {
        let payload = encode_release(rls).map_err(|e| StorageError::Encode(rls.name.clone(), e))?;
        check_size(rls, "Secret", &payload)?;
        Ok(Secret {
            metadata: ObjectMeta {
                name: Some(key.to_owned()),
                labels: Some(labels),
                ..ObjectMeta::default()
            },
            type_: Some(SECRET_TYPE.to_owned()),
            data: Some(BTreeMap::from([(
                "release".to_owned(),
                ByteString(payload.into_bytes()),
            )])),
            ..Secret::default()
        })
    }

    fn decode(s: &Secret) -> Result<Release, super::DecodeError> {
        let data = s
            .data
            .as_ref()
            .and_then(|d| d.get("release"))
            .map(|b| b.0.as_slice())
            .unwrap_or_default();
        decode_release(data)
    }

    async fn list_selector(&self, selector: &str) -> Result<Vec<Secret>, kube::Error> {
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
        r.labels = filter_system_labels(&obj.metadata.labels.unwrap_or_default());
        Ok(r)
    }

    fn decode_all(items: Vec<Secret>) -> Vec<Release> {
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            // Helm logs and skips records it cannot decode.
            if let Ok(mut r) = Self::decode(&item) {
                r.labels = item.metadata.labels.unwrap_or_default();
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
        obj.metadata.annotations = annotations.cloned();
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
        obj.metadata.annotations = annotations.cloned();
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

impl Driver for Secrets {
    fn name(&self) -> &'static str {
        "Secret"
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
