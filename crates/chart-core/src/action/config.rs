//! What every cluster action shares (Helm's `action.Configuration`): a client for the
//! cluster, the release storage, and the namespace the operation works in.

use crate::kube::{self, KubeClient, KubeSettings};
use crate::storage::{self, DriverKind, Storage, StorageError};

/// A cluster connection and the release storage of one namespace (or of all of them).
pub struct Configuration {
    /// The cluster.
    pub kube: KubeClient,
    /// Release records (`HELM_DRIVER`).
    pub storage: Storage,
    /// The namespace of the operation (`-n`, else the context's, else `default`).
    pub namespace: String,
    /// Which driver the storage uses.
    pub driver: DriverKind,
}

/// Why a [`Configuration`] could not be made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The kubeconfig or the cluster.
    #[error(transparent)]
    Kube(#[from] kube::Error),
    /// The storage driver.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl Configuration {
    /// Connects as helm does before an action: the kube client from `settings`, the
    /// storage driver from `HELM_DRIVER` (`HELM_DRIVER_SQL_CONNECTION_STRING` for sql),
    /// over the operation's namespace, or over every namespace when `all_namespaces`
    /// (`list -A`).
    pub async fn connect(
        settings: &KubeSettings,
        all_namespaces: bool,
    ) -> Result<Configuration, ConfigError> {
        let driver = DriverKind::from_env()?;
        let sql = std::env::var(storage::SQL_CONNECTION_ENV).unwrap_or_default();
        Self::connect_with(settings, driver, &sql, all_namespaces).await
    }

    /// [`Configuration::connect`] with the driver given.
    pub async fn connect_with(
        settings: &KubeSettings,
        driver: DriverKind,
        sql_connection: &str,
        all_namespaces: bool,
    ) -> Result<Configuration, ConfigError> {
        let kube = KubeClient::connect(settings).await?;
        let namespace = kube.namespace().to_owned();
        let storage_ns = if all_namespaces {
            ""
        } else {
            namespace.as_str()
        };
        let client = driver.needs_cluster().then(|| kube.client().clone());
        let drv = storage::open_driver(driver, storage_ns, client, sql_connection).await?;
        Ok(Configuration {
            kube,
            storage: Storage::new(drv),
            namespace,
            driver,
        })
    }
}
