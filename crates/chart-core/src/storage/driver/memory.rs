//! The in-memory driver (Helm's `driver.Memory`, `HELM_DRIVER=memory`): records per
//! namespace and release, kept sorted by revision. Like Helm's, it remembers the
//! namespace of the last create or update and reads from that one (all namespaces when
//! it is empty).

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard};

use super::{Driver, DriverFuture, ReleaseFilter, StorageError};
use crate::release::Release;

const DEFAULT_NAMESPACE: &str = "default";

struct Record {
    key: String,
    labels: BTreeMap<String, String>,
    rls: Release,
}

impl Record {
    fn new(key: &str, rls: &Release) -> Record {
        let mut labels = BTreeMap::new();
        labels.insert("name".to_owned(), rls.name.clone());
        labels.insert("owner".to_owned(), "helm".to_owned());
        labels.insert("status".to_owned(), rls.status().as_str().to_owned());
        labels.insert("version".to_owned(), rls.version.to_string());
        Record {
            key: key.to_owned(),
            labels,
            rls: rls.clone(),
        }
    }
}

#[derive(Default)]
struct State {
    namespace: String,
    /// namespace → release name → records sorted by revision.
    cache: BTreeMap<String, BTreeMap<String, Vec<Record>>>,
}

impl State {
    /// The namespaces a read looks at.
    fn namespaces(&self) -> Vec<&BTreeMap<String, Vec<Record>>> {
        if self.namespace.is_empty() {
            self.cache.values().collect()
        } else {
            self.cache.get(&self.namespace).into_iter().collect()
        }
    }
}

/// Release records in memory.
pub struct Memory {
    state: Mutex<State>,
}

impl Default for Memory {
    fn default() -> Self {
        Memory::new()
    }
}

/// `sh.helm.release.v1.<name>.v<n>` → `<name>` (Helm splits on `.v` and wants exactly two
/// parts, the second a number).
fn key_name(key: &str) -> Result<&str, StorageError> {
    let rest = key.strip_prefix("sh.helm.release.v1.").unwrap_or(key);
    let mut parts = rest.split(".v");
    match (parts.next(), parts.next(), parts.next()) {
        (Some(name), Some(ver), None) if ver.parse::<i64>().is_ok() => Ok(name),
        _ => Err(StorageError::InvalidKey),
    }
}

impl Memory {
    /// An empty store reading namespace `default`.
    pub fn new() -> Memory {
        Memory {
            state: Mutex::new(State {
                namespace: DEFAULT_NAMESPACE.to_owned(),
                cache: BTreeMap::new(),
            }),
        }
    }

    /// Sets the namespace reads look at (`""`: all).
    pub fn set_namespace(&self, namespace: &str) {
        self.lock().namespace = namespace.to_owned();
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock leaves consistent data: keep going.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn get_now(&self, key: &str) -> Result<Release, StorageError> {
        let name = key_name(key)?;
        let st = self.lock();
        st.cache
            .get(&st.namespace)
            .and_then(|rels| rels.get(name))
            .and_then(|recs| recs.iter().find(|r| r.key == key))
            .map(|r| r.rls.clone())
            .ok_or(StorageError::NotFound)
    }

    fn list_now(&self, filter: ReleaseFilter<'_>) -> Vec<Release> {
        let st = self.lock();
        let mut out = Vec::new();
        for rels in st.namespaces() {
            for recs in rels.values() {
                out.extend(
                    recs.iter()
                        .filter(|r| filter(&r.rls))
                        .map(|r| r.rls.clone()),
                );
            }
        }
        out
    }

    fn query_now(&self, labels: &BTreeMap<String, String>) -> Result<Vec<Release>, StorageError> {
        let st = self.lock();
        let mut out = Vec::new();
        for rels in st.namespaces() {
            for recs in rels.values() {
                out.extend(
                    recs.iter()
                        .filter(|r| {
                            labels
                                .iter()
                                .all(|(k, v)| r.labels.get(k).map_or(v.is_empty(), |x| x == v))
                        })
                        .map(|r| r.rls.clone()),
                );
            }
        }
        if out.is_empty() {
            return Err(StorageError::NotFound);
        }
        Ok(out)
    }

    fn create_now(&self, key: &str, rls: &Release) -> Result<(), StorageError> {
        let mut st = self.lock();
        let ns = if rls.namespace.is_empty() {
            DEFAULT_NAMESPACE
        } else {
            &rls.namespace
        };
        st.namespace = ns.to_owned();
        let recs = st
            .cache
            .entry(ns.to_owned())
            .or_default()
            .entry(rls.name.clone())
            .or_default();
        if recs.iter().any(|r| r.key == key) {
            return Err(StorageError::Exists);
        }
        recs.push(Record::new(key, rls));
        recs.sort_by_key(|r| r.rls.version);
        Ok(())
    }

    fn update_now(&self, key: &str, rls: &Release) -> Result<(), StorageError> {
        let mut st = self.lock();
        let ns = if rls.namespace.is_empty() {
            DEFAULT_NAMESPACE
        } else {
            &rls.namespace
        };
        st.namespace = ns.to_owned();
        let rec = st
            .cache
            .get_mut(ns)
            .and_then(|rels| rels.get_mut(&rls.name))
            .and_then(|recs| recs.iter_mut().find(|r| r.key == key))
            .ok_or(StorageError::NotFound)?;
        *rec = Record::new(key, rls);
        Ok(())
    }

    fn delete_now(&self, key: &str) -> Result<Release, StorageError> {
        let name = key_name(key)?;
        let mut st = self.lock();
        let ns = st.namespace.clone();
        let recs = st
            .cache
            .get_mut(&ns)
            .and_then(|rels| rels.get_mut(name))
            .ok_or(StorageError::NotFound)?;
        let i = recs
            .iter()
            .position(|r| r.key == key)
            .ok_or(StorageError::NotFound)?;
        Ok(recs.remove(i).rls)
    }
}

impl Driver for Memory {
    fn name(&self) -> &'static str {
        "Memory"
    }

    fn create<'a>(&'a self, key: &'a str, rls: &'a Release) -> DriverFuture<'a, ()> {
        Box::pin(async move { self.create_now(key, rls) })
    }

    fn update<'a>(&'a self, key: &'a str, rls: &'a Release) -> DriverFuture<'a, ()> {
        Box::pin(async move { self.update_now(key, rls) })
    }

    fn delete<'a>(&'a self, key: &'a str) -> DriverFuture<'a, Release> {
        Box::pin(async move { self.delete_now(key) })
    }

    fn get<'a>(&'a self, key: &'a str) -> DriverFuture<'a, Release> {
        Box::pin(async move { self.get_now(key) })
    }

    fn list<'a>(&'a self, filter: ReleaseFilter<'a>) -> DriverFuture<'a, Vec<Release>> {
        Box::pin(async move { Ok(self.list_now(filter)) })
    }

    fn query<'a>(&'a self, labels: &'a BTreeMap<String, String>) -> DriverFuture<'a, Vec<Release>> {
        Box::pin(async move { self.query_now(labels) })
    }
}
