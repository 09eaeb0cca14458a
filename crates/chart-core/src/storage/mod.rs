//! Release storage (Helm's `pkg/storage`): revisions of releases kept by a [`Driver`] under
//! `sh.helm.release.v1.<name>.v<revision>`, with history, the latest and the deployed
//! revision, and `--history-max` pruning.
//!
//! ```
//! use chart_core::release::{Info, Release, Status};
//! use chart_core::storage::{driver::Memory, Storage};
//!
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! let store = Storage::new(Box::new(Memory::new()));
//! for v in 1..=3 {
//!     let mut rel = Release { name: "web".into(), version: v, namespace: "default".into(), ..Release::default() };
//!     rel.set_status(if v == 3 { Status::Deployed } else { Status::Superseded }, "");
//!     store.create(&rel).await?;
//! }
//! assert_eq!(store.last("web").await?.version, 3);
//! assert_eq!(store.deployed("web").await?.version, 3);
//! assert_eq!(store.history("web").await?.len(), 3);
//! # Ok::<(), chart_core::storage::StorageError>(()) }).unwrap();
//! ```

use std::collections::BTreeMap;

use crate::release::{Release, Status};

pub mod driver;

pub use driver::{Driver, StorageError};

/// The prefix of every record key (Helm's `HelmStorageType`).
pub const HELM_STORAGE_TYPE: &str = "sh.helm.release.v1";

/// The key of revision `version` of release `name`: `sh.helm.release.v1.<name>.v<version>`.
pub fn make_key(name: &str, version: i64) -> String {
    format!("{HELM_STORAGE_TYPE}.{name}.v{version}")
}

/// The variable that selects the driver.
pub const HELM_DRIVER_ENV: &str = "HELM_DRIVER";
/// The variable holding the SQL driver's connection string.
pub const SQL_CONNECTION_ENV: &str = "HELM_DRIVER_SQL_CONNECTION_STRING";

/// Which driver `HELM_DRIVER` selects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DriverKind {
    /// `secret`, `secrets` or empty (the default).
    Secret,
    /// `configmap`, `configmaps`.
    ConfigMap,
    /// `memory`.
    Memory,
    /// `sql` (PostgreSQL, `HELM_DRIVER_SQL_CONNECTION_STRING`).
    Sql,
}

impl DriverKind {
    /// Reads a `HELM_DRIVER` value as Helm does; anything else is
    /// `unknown driver "x"`.
    pub fn parse(helm_driver: &str) -> Result<DriverKind, StorageError> {
        match helm_driver {
            "secret" | "secrets" | "" => Ok(DriverKind::Secret),
            "configmap" | "configmaps" => Ok(DriverKind::ConfigMap),
            "memory" => Ok(DriverKind::Memory),
            "sql" => Ok(DriverKind::Sql),
            other => Err(StorageError::UnknownDriver(other.to_owned())),
        }
    }

    /// The driver `HELM_DRIVER` selects in this process's environment (unset: the
    /// default, `secret`).
    pub fn from_env() -> Result<DriverKind, StorageError> {
        DriverKind::parse(&std::env::var(HELM_DRIVER_ENV).unwrap_or_default())
    }

    /// Whether the driver keeps records in the cluster (and so needs a client).
    pub fn needs_cluster(self) -> bool {
        matches!(self, DriverKind::Secret | DriverKind::ConfigMap)
    }
}

/// Opens the driver `kind` for `namespace` (`""`: every namespace, for listing). Secret
/// and ConfigMap drivers use `client` (which must then be given); the SQL driver connects
/// with `sql_connection` (Helm reads `HELM_DRIVER_SQL_CONNECTION_STRING`).
pub async fn open_driver(
    kind: DriverKind,
    namespace: &str,
    client: Option<kube::Client>,
    sql_connection: &str,
) -> Result<Box<dyn Driver>, StorageError> {
    Ok(match kind {
        DriverKind::Secret | DriverKind::ConfigMap => {
            let name = if kind == DriverKind::Secret {
                "Secret"
            } else {
                "ConfigMap"
            };
            let client = client.ok_or(StorageError::NoClientFor(name))?;
            if kind == DriverKind::Secret {
                Box::new(driver::Secrets::new(client, namespace))
            } else {
                Box::new(driver::ConfigMaps::new(client, namespace))
            }
        }
        DriverKind::Memory => {
            let m = driver::Memory::new();
            m.set_namespace(namespace);
            Box::new(m)
        }
        DriverKind::Sql => Box::new(
            driver::Sql::connect(sql_connection, namespace)
                .await
                .map_err(|e| StorageError::SqlInit(Box::new(e)))?,
        ),
    })
}

/// Annotations for the storage objects of pending records, shared between the storage
/// and the task that renews them.
pub type HolderHandle = std::sync::Arc<std::sync::Mutex<Option<BTreeMap<String, String>>>>;

/// Release records over a driver, with Helm's history rules.
pub struct Storage {
    driver: Box<dyn Driver>,
    /// Most revisions to keep per release when creating one (`--history-max`); 0 keeps
    /// all.
    pub max_history: usize,
    /// Annotations written on the storage objects of pending records while an operation
    /// holds them (the liveness mark of `action::lock`); `None` writes none.
    holder: HolderHandle,
}

impl Storage {
    /// Storage over `driver`, keeping every revision.
    pub fn new(driver: Box<dyn Driver>) -> Storage {
        Storage {
            driver,
            max_history: 0,
            holder: HolderHandle::default(),
        }
    }

    /// The driver.
    pub fn driver(&self) -> &dyn Driver {
        self.driver.as_ref()
    }

    /// Revision `version` of `name`.
    pub async fn get(&self, name: &str, version: i64) -> Result<Release, StorageError> {
        self.driver.get(&make_key(name, version)).await
    }

    /// Stores a new revision, first pruning the history to `max_history - 1` revisions
    /// when a limit is set.
    pub async fn create(&self, rls: &Release) -> Result<(), StorageError> {
        if self.max_history > 0 {
            match self
                .remove_least_recent(&rls.name, self.max_history - 1)
                .await
            {
                Ok(()) | Err(StorageError::NotFound) => {}
                Err(e) => return Err(e),
            }
        }
        let key = make_key(&rls.name, rls.version);
        match self.holder_for(rls) {
            Some(a) => self.driver.create_annotated(&key, rls, &a).await,
            None => self.driver.create(&key, rls).await,
        }
    }

    /// Rewrites a revision.
    pub async fn update(&self, rls: &Release) -> Result<(), StorageError> {
        let key = make_key(&rls.name, rls.version);
        match self.holder_for(rls) {
            Some(a) => self.driver.update_annotated(&key, rls, &a).await,
            None => self.driver.update(&key, rls).await,
        }
    }

    /// The shared annotations written on pending records (to change them later, from
    /// another task).
    pub fn holder_handle(&self) -> HolderHandle {
        self.holder.clone()
    }

    /// Sets (or clears) the annotations written on pending records from now on.
    pub fn set_holder(&self, annotations: Option<BTreeMap<String, String>>) {
        if let Ok(mut h) = self.holder.lock() {
            *h = annotations;
        }
    }

    fn holder_for(&self, rls: &Release) -> Option<BTreeMap<String, String>> {
        if !rls.status().is_pending() {
            return None;
        }
        self.holder.lock().ok().and_then(|h| h.clone())
    }

    /// Removes revision `version` of `name` and returns it.
    pub async fn delete(&self, name: &str, version: i64) -> Result<Release, StorageError> {
        self.driver.delete(&make_key(name, version)).await
    }

    /// Every record of every release the driver sees.
    pub async fn list_releases(&self) -> Result<Vec<Release>, StorageError> {
        self.driver.list(&|_| true).await
    }

    /// Records with status `uninstalled`.
    pub async fn list_uninstalled(&self) -> Result<Vec<Release>, StorageError> {
        self.driver
            .list(&|r| r.status() == Status::Uninstalled)
            .await
    }

    /// Records with status `deployed`.
    pub async fn list_deployed(&self) -> Result<Vec<Release>, StorageError> {
        self.driver.list(&|r| r.status() == Status::Deployed).await
    }

    /// The highest `deployed` revision of `name`; `"name" has no deployed releases` when
    /// none.
    pub async fn deployed(&self, name: &str) -> Result<Release, StorageError> {
        let mut ls = self.deployed_all(name).await?;
        sort_by_revision(&mut ls);
        ls.pop()
            .ok_or_else(|| StorageError::NoDeployedReleases(name.to_owned()))
    }

    /// Every revision of `name` labelled `deployed` (normally one).
    pub async fn deployed_all(&self, name: &str) -> Result<Vec<Release>, StorageError> {
        let q = labels(&[("name", name), ("owner", "helm"), ("status", "deployed")]);
        match self.driver.query(&q).await {
            Ok(ls) => Ok(ls),
            Err(StorageError::NotFound) => Err(StorageError::NoDeployedReleases(name.to_owned())),
            Err(e) => Err(e),
        }
    }

    /// Every revision of `name`, in the driver's order; `release: not found` when none.
    pub async fn history(&self, name: &str) -> Result<Vec<Release>, StorageError> {
        self.driver
            .query(&labels(&[("name", name), ("owner", "helm")]))
            .await
    }

    /// The highest revision of `name`, whatever its status.
    pub async fn last(&self, name: &str) -> Result<Release, StorageError> {
        let mut h = self.history(name).await?;
        sort_by_revision(&mut h);
        h.pop()
            .ok_or_else(|| StorageError::NoRevision(name.to_owned()))
    }

    /// Deletes the oldest revisions of `name` until `max` remain, never the latest
    /// deployed one (Helm's `removeLeastRecent`).
    async fn remove_least_recent(&self, name: &str, max: usize) -> Result<(), StorageError> {
        let mut h = self.history(name).await?;
        if h.len() <= max {
            return Ok(());
        }
        sort_by_revision(&mut h);
        let last_deployed = match self.deployed(name).await {
            Ok(r) => Some(r.version),
            Err(StorageError::NoDeployedReleases(_)) => None,
            Err(e) => return Err(e),
        };
        let mut to_delete = Vec::new();
        for rel in &h {
            if h.len() - to_delete.len() == max {
                break;
            }
            if last_deployed != Some(rel.version) {
                to_delete.push(rel.version);
            }
        }
        let mut errs = Vec::new();
        for v in to_delete {
            if let Err(e) = self.delete(name, v).await {
                errs.push(e);
            }
        }
        let count = errs.len();
        let mut errs = errs.into_iter();
        match (errs.next(), count) {
            (None, _) => Ok(()),
            (Some(e), 1) => Err(e),
            (Some(e), _) => Err(StorageError::Prune {
                count,
                first: Box::new(e),
            }),
        }
    }
}

/// Sorts by revision, lowest first (stable).
pub fn sort_by_revision(ls: &mut [Release]) {
    ls.sort_by_key(|r| r.version);
}

fn labels(kv: &[(&str, &str)]) -> BTreeMap<String, String> {
    kv.iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

#[cfg(test)]
mod tests;
