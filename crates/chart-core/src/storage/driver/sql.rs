//! The SQL driver (Helm's `driver.SQL`, `HELM_DRIVER=sql`): records in PostgreSQL tables
//! `releases_v1` and `custom_labels_v1`, created by migrations tracked in sql-migrate's
//! `gorp_migrations` table, so a database set up by Helm is used as is and the other way
//! round.
//!
//! Helm writes its column names unquoted (`createdAt`), so PostgreSQL folds them to lower
//! case; the same statements are used here.

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard};

use tokio_postgres::types::ToSql;
use tokio_postgres::{Client, NoTls};

use super::{
    decode_release, encode_release, filter_system_labels, unix_now, Driver, DriverFuture,
    ReleaseFilter, StorageError,
};
use crate::release::Release;

const DEFAULT_NAMESPACE: &str = "default";
const RELEASE_TYPE: &str = "helm.sh/release.v1";
const OWNER: &str = "helm";

/// The migrations Helm 3.17 applies, by sql-migrate id.
const MIGRATIONS: [(&str, &str); 2] = [
    (
        "init",
        "CREATE TABLE releases_v1 (
            key VARCHAR(90),
            type VARCHAR(64) NOT NULL,
            body TEXT NOT NULL,
            name VARCHAR(64) NOT NULL,
            namespace VARCHAR(64) NOT NULL,
            version INTEGER NOT NULL,
            status TEXT NOT NULL,
            owner TEXT NOT NULL,
            createdAt INTEGER NOT NULL,
            modifiedAt INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY(key, namespace)
        );
        CREATE INDEX ON releases_v1 (key, namespace);
        CREATE INDEX ON releases_v1 (version);
        CREATE INDEX ON releases_v1 (status);
        CREATE INDEX ON releases_v1 (owner);
        CREATE INDEX ON releases_v1 (createdAt);
        CREATE INDEX ON releases_v1 (modifiedAt);
        GRANT ALL ON releases_v1 TO PUBLIC;
        ALTER TABLE releases_v1 ENABLE ROW LEVEL SECURITY;",
    ),
    (
        "custom_labels",
        "CREATE TABLE custom_labels_v1 (
            releaseKey VARCHAR(64),
            releaseNamespace VARCHAR(67),
            key VARCHAR(317),
            value VARCHAR(63)
        );
        CREATE INDEX ON custom_labels_v1 (releaseKey, releaseNamespace);
        GRANT ALL ON custom_labels_v1 TO PUBLIC;
        ALTER TABLE custom_labels_v1 ENABLE ROW LEVEL SECURITY;",
    ),
];

/// The sql-migrate ids of Helm's migrations, as recorded in `gorp_migrations`.
pub const MIGRATION_IDS: [&str; 2] = [MIGRATIONS[0].0, MIGRATIONS[1].0];

/// Columns a query may filter on (the system labels).
const LABEL_COLUMNS: [&str; 6] = [
    "modifiedAt",
    "createdAt",
    "version",
    "status",
    "owner",
    "name",
];

/// Release records in PostgreSQL.
pub struct Sql {
    db: tokio::sync::Mutex<Client>,
    namespace: Mutex<String>,
}

/// A query parameter: text or a 32-bit integer (the INTEGER columns).
enum Param {
    Text(String),
    Int(i32),
}

impl Param {
    fn as_sql(&self) -> &(dyn ToSql + Sync) {
        match self {
            Param::Text(s) => s,
            Param::Int(i) => i,
        }
    }
}

fn int_param(v: i64) -> i32 {
    i32::try_from(v).unwrap_or(i32::MAX)
}

impl Sql {
    /// Connects (a libpq connection string or URL, as
    /// `HELM_DRIVER_SQL_CONNECTION_STRING`) and applies Helm's migrations when they are
    /// not all recorded yet. `namespace` `""` reads every namespace.
    pub async fn connect(connection: &str, namespace: &str) -> Result<Sql, StorageError> {
        let (client, conn) = tokio_postgres::connect(connection, NoTls)
            .await
            .map_err(|e| StorageError::sql("failed to connect", e))?;
        tokio::spawn(async move {
            // The connection ends when the client is dropped; errors surface on queries.
            let _ = conn.await;
        });
        let sql = Sql {
            db: tokio::sync::Mutex::new(client),
            namespace: Mutex::new(namespace.to_owned()),
        };
        sql.ensure_db_setup().await?;
        Ok(sql)
    }

    fn ns(&self) -> MutexGuard<'_, String> {
        self.namespace.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn set_ns_from(&self, rls: &Release) -> String {
        let ns = if rls.namespace.is_empty() {
            DEFAULT_NAMESPACE.to_owned()
        } else {
            rls.namespace.clone()
        };
        *self.ns() = ns.clone();
        ns
    }

    async fn ensure_db_setup(&self) -> Result<(), StorageError> {
        let mut db = self.db.lock().await;
        // sql-migrate's bookkeeping table.
        let applied: Vec<String> = match db.query("SELECT id FROM gorp_migrations", &[]).await {
            Ok(rows) => rows.iter().filter_map(|r| r.try_get(0).ok()).collect(),
            Err(_) => Vec::new(),
        };
        if MIGRATIONS
            .iter()
            .all(|(id, _)| applied.iter().any(|a| a == id))
        {
            return Ok(());
        }
        db.batch_execute(
            "CREATE TABLE IF NOT EXISTS gorp_migrations (id text NOT NULL PRIMARY KEY, applied_at timestamp with time zone)",
        )
        .await
        .map_err(|e| StorageError::sql("failed to create the migrations table", e))?;
        for (id, up) in MIGRATIONS {
            if applied.iter().any(|a| a == id) {
                continue;
            }
            let tx = db
                .transaction()
                .await
                .map_err(|e| StorageError::sql("error beginning transaction", e))?;
            tx.batch_execute(up)
                .await
                .map_err(|e| StorageError::sql(format!("migration {id} failed"), e))?;
            tx.execute(
                "INSERT INTO gorp_migrations (id, applied_at) VALUES ($1, now())",
                &[&id],
            )
            .await
            .map_err(|e| StorageError::sql(format!("migration {id} failed"), e))?;
            tx.commit()
                .await
                .map_err(|e| StorageError::sql(format!("migration {id} failed"), e))?;
        }
        Ok(())
    }

    async fn custom_labels(
        db: &Client,
        key: &str,
        namespace: &str,
    ) -> Result<BTreeMap<String, String>, StorageError> {
        let rows = db
            .query(
                "SELECT key, value FROM custom_labels_v1 WHERE releaseKey = $1 AND releaseNamespace = $2",
                &[&key, &namespace],
            )
            .await
            .map_err(|e| StorageError::sql(format!("failed to get release {namespace}/{key} custom labels"), e))?;
        let mut out = BTreeMap::new();
        for r in rows {
            let k: Option<String> = r.try_get(0).unwrap_or(None);
            let v: Option<String> = r.try_get(1).unwrap_or(None);
            out.insert(k.unwrap_or_default(), v.unwrap_or_default());
        }
        Ok(filter_system_labels(&out))
    }

    async fn get_now(&self, key: &str) -> Result<Release, StorageError> {
        let ns = self.ns().clone();
        let db = self.db.lock().await;
        let row = db
            .query_opt(
                "SELECT body FROM releases_v1 WHERE key = $1 AND namespace = $2",
                &[&key, &ns],
            )
            .await
            .ok()
            .flatten()
            .ok_or(StorageError::NotFound)?;
        let body: String = row.try_get(0).map_err(|_| StorageError::NotFound)?;
        let mut r = decode_release(body.as_bytes()).map_err(|e| StorageError::Decode {
            context: format!("get: failed to decode data {key:?}"),
            source: e,
        })?;
        r.labels = Self::custom_labels(&db, key, &ns).await?;
        Ok(r)
    }

    /// Rows `(key, namespace, body)` matching `conds` (`column = $n`) and the namespace.
    async fn select(
        &self,
        db: &Client,
        conds: Vec<(&str, Param)>,
    ) -> Result<Vec<(String, String, String)>, StorageError> {
        let ns = self.ns().clone();
        let mut sql = "SELECT key, namespace, body FROM releases_v1".to_owned();
        let mut params: Vec<Param> = Vec::new();
        let mut wh = Vec::new();
        for (col, p) in conds {
            params.push(p);
            wh.push(format!("{col} = ${}", params.len()));
        }
        if !ns.is_empty() {
            params.push(Param::Text(ns));
            wh.push(format!("namespace = ${}", params.len()));
        }
        if !wh.is_empty() {
            sql.push_str(" WHERE ");
            sql.push_str(&wh.join(" AND "));
        }
        let refs: Vec<&(dyn ToSql + Sync)> = params.iter().map(Param::as_sql).collect();
        let rows = db
            .query(&sql, &refs)
            .await
            .map_err(|e| StorageError::sql("list: failed to query", e))?;
        Ok(rows
            .iter()
            .filter_map(|r| Some((r.try_get(0).ok()?, r.try_get(1).ok()?, r.try_get(2).ok()?)))
            .collect())
    }

    async fn list_now(&self, filter: ReleaseFilter<'_>) -> Result<Vec<Release>, StorageError> {
        let db = self.db.lock().await;
        let rows = self
            .select(&db, vec![("owner", Param::Text(OWNER.to_owned()))])
            .await?;
        let mut out = Vec::new();
        for (key, ns, body) in rows {
            let Ok(mut r) = decode_release(body.as_bytes()) else {
                continue;
            };
            let mut labels = Self::custom_labels(&db, &key, &ns).await?;
            labels.insert("name".into(), r.name.clone());
            labels.insert("owner".into(), OWNER.into());
            labels.insert("status".into(), r.status().as_str().to_owned());
            labels.insert("version".into(), r.version.to_string());
            r.labels = labels;
            if filter(&r) {
                out.push(r);
            }
        }
        Ok(out)
    }

    async fn query_now(
        &self,
        labels: &BTreeMap<String, String>,
    ) -> Result<Vec<Release>, StorageError> {
        let mut conds = Vec::new();
        for (k, v) in labels {
            let Some(col) = LABEL_COLUMNS.iter().find(|c| **c == k.as_str()) else {
                return Err(StorageError::UnknownLabel(k.clone()));
            };
            let p = match *col {
                "version" | "createdAt" | "modifiedAt" => {
                    Param::Int(v.parse::<i32>().map_err(|_| StorageError::NotFound)?)
                }
                _ => Param::Text(v.clone()),
            };
            conds.push((*col, p));
        }
        let db = self.db.lock().await;
        let rows = self.select(&db, conds).await?;
        let mut out = Vec::new();
        for (key, ns, body) in rows {
            let Ok(mut r) = decode_release(body.as_bytes()) else {
                continue;
            };
            r.labels = Self::custom_labels(&db, &key, &ns).await?;
            out.push(r);
        }
        if out.is_empty() {
            return Err(StorageError::NotFound);
        }
        Ok(out)
    }

    async fn create_now(&self, key: &str, rls: &Release) -> Result<(), StorageError> {
        let ns = self.set_ns_from(rls);
        let body = encode_release(rls).map_err(|e| StorageError::Encode(rls.name.clone(), e))?;
        let mut db = self.db.lock().await;
        let tx = db
            .transaction()
            .await
            .map_err(|e| StorageError::sql("error beginning transaction", e))?;
        let inserted = tx
            .execute(
                "INSERT INTO releases_v1 (key,type,body,name,namespace,version,status,owner,createdAt) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)",
                &[
                    &key,
                    &RELEASE_TYPE,
                    &body,
                    &rls.name,
                    &ns,
                    &int_param(rls.version),
                    &rls.status().as_str(),
                    &OWNER,
                    &int_param(unix_now()),
                ],
            )
            .await;
        if let Err(e) = inserted {
            drop(tx);
            let exists = db
                .query_opt(
                    "SELECT key FROM releases_v1 WHERE key = $1 AND namespace = $2",
                    &[&key, &ns],
                )
                .await
                .ok()
                .flatten()
                .is_some();
            if exists {
                return Err(StorageError::Exists);
            }
            return Err(StorageError::sql(
                format!("failed to store release {key} in SQL database"),
                e,
            ));
        }
        for (k, v) in filter_system_labels(&rls.labels) {
            tx.execute(
                "INSERT INTO custom_labels_v1 (releaseKey,releaseNamespace,key,value) VALUES ($1,$2,$3,$4)",
                &[&key, &ns, &k, &v],
            )
            .await
            .map_err(|e| StorageError::sql("failed to write Labels", e))?;
        }
        tx.commit()
            .await
            .map_err(|e| StorageError::sql("failed to commit", e))
    }

    async fn update_now(&self, key: &str, rls: &Release) -> Result<(), StorageError> {
        let ns = self.set_ns_from(rls);
        let body = encode_release(rls).map_err(|e| StorageError::Encode(rls.name.clone(), e))?;
        let db = self.db.lock().await;
        db.execute(
            "UPDATE releases_v1 SET body = $1, name = $2, version = $3, status = $4, owner = $5, modifiedAt = $6 WHERE key = $7 AND namespace = $8",
            &[
                &body,
                &rls.name,
                &int_param(rls.version),
                &rls.status().as_str(),
                &OWNER,
                &int_param(unix_now()),
                &key,
                &ns,
            ],
        )
        .await
        .map(|_| ())
        .map_err(|e| StorageError::sql(format!("failed to update release {key} in SQL database"), e))
    }

    async fn delete_now(&self, key: &str) -> Result<Release, StorageError> {
        let ns = self.ns().clone();
        let mut db = self.db.lock().await;
        let tx = db
            .transaction()
            .await
            .map_err(|e| StorageError::sql("error beginning transaction", e))?;
        let row = tx
            .query_opt(
                "SELECT body FROM releases_v1 WHERE key = $1 AND namespace = $2",
                &[&key, &ns],
            )
            .await
            .ok()
            .flatten()
            .ok_or(StorageError::NotFound)?;
        let body: String = row.try_get(0).map_err(|_| StorageError::NotFound)?;
        let mut r = decode_release(body.as_bytes()).map_err(|e| StorageError::Decode {
            context: format!("failed to decode release {key}"),
            source: e,
        })?;
        tx.execute(
            "DELETE FROM releases_v1 WHERE key = $1 AND namespace = $2",
            &[&key, &ns],
        )
        .await
        .map_err(|e| StorageError::sql("failed perform delete query", e))?;
        let rows = tx
            .query(
                "SELECT key, value FROM custom_labels_v1 WHERE releaseKey = $1 AND releaseNamespace = $2",
                &[&key, &ns],
            )
            .await
            .map_err(|e| StorageError::sql("failed to get custom labels", e))?;
        let mut labels = BTreeMap::new();
        for row in rows {
            let k: Option<String> = row.try_get(0).unwrap_or(None);
            let v: Option<String> = row.try_get(1).unwrap_or(None);
            labels.insert(k.unwrap_or_default(), v.unwrap_or_default());
        }
        r.labels = filter_system_labels(&labels);
        tx.execute(
            "DELETE FROM custom_labels_v1 WHERE releaseKey = $1 AND releaseNamespace = $2",
            &[&key, &ns],
        )
        .await
        .map_err(|e| StorageError::sql("failed to delete custom labels", e))?;
        tx.commit()
            .await
            .map_err(|e| StorageError::sql("failed to commit", e))?;
        Ok(r)
    }
}

impl Driver for Sql {
    fn name(&self) -> &'static str {
        "SQL"
    }

    fn create<'a>(&'a self, key: &'a str, rls: &'a Release) -> DriverFuture<'a, ()> {
        Box::pin(self.create_now(key, rls))
    }

    fn update<'a>(&'a self, key: &'a str, rls: &'a Release) -> DriverFuture<'a, ()> {
        Box::pin(self.update_now(key, rls))
    }

    fn delete<'a>(&'a self, key: &'a str) -> DriverFuture<'a, Release> {
        Box::pin(self.delete_now(key))
    }

    fn get<'a>(&'a self, key: &'a str) -> DriverFuture<'a, Release> {
        Box::pin(self.get_now(key))
    }

    fn list<'a>(&'a self, filter: ReleaseFilter<'a>) -> DriverFuture<'a, Vec<Release>> {
        Box::pin(self.list_now(filter))
    }

    fn query<'a>(&'a self, labels: &'a BTreeMap<String, String>) -> DriverFuture<'a, Vec<Release>> {
        Box::pin(self.query_now(labels))
    }
}
