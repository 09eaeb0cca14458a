//! Storage drivers (Helm's `pkg/storage/driver`): where release records live — Secrets
//! (the default), ConfigMaps, memory, or a PostgreSQL database — and the payload encoding
//! they share (`base64(gzip(json))`).

use std::collections::BTreeMap;
use std::future::Future;
use std::io::{Read as _, Write as _};
use std::pin::Pin;

use base64::Engine as _;

use crate::release::{RecordError, Release};

pub mod kube_records;
pub mod memory;
pub mod sql;

pub use kube_records::{ConfigMaps, KubeRecords, RecordObject, Secrets, SECRET_TYPE};
pub use memory::Memory;
pub use sql::Sql;

/// The future every driver method returns.
pub type DriverFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, StorageError>> + Send + 'a>>;

/// A predicate over releases for [`Driver::list`].
pub type ReleaseFilter<'a> = &'a (dyn Fn(&Release) -> bool + Send + Sync);

/// A place to keep release records (Helm's `driver.Driver`). Keys are
/// `sh.helm.release.v1.<name>.v<revision>` ([`crate::storage::make_key`]).
pub trait Driver: Send + Sync {
    /// Helm's driver name (`Secret`, `ConfigMap`, `Memory`, `SQL`).
    fn name(&self) -> &'static str;
    /// Stores a new record; [`StorageError::Exists`] when the key is taken. The object gets
    /// the release's labels plus `name owner status version createdAt`.
    fn create<'a>(&'a self, key: &'a str, rls: &'a Release) -> DriverFuture<'a, ()>;
    /// Replaces a record (labels rewritten, `modifiedAt` instead of `createdAt`).
    fn update<'a>(&'a self, key: &'a str, rls: &'a Release) -> DriverFuture<'a, ()>;
    /// Removes a record and returns it; [`StorageError::NotFound`] when absent.
    fn delete<'a>(&'a self, key: &'a str) -> DriverFuture<'a, Release>;
    /// One record, its [`Release::labels`] the custom labels only.
    fn get<'a>(&'a self, key: &'a str) -> DriverFuture<'a, Release>;
    /// Every record (`owner=helm`) the filter accepts; labels are the object's. Records
    /// that fail to decode are skipped.
    fn list<'a>(&'a self, filter: ReleaseFilter<'a>) -> DriverFuture<'a, Vec<Release>>;
    /// Records whose labels match all of `labels`; [`StorageError::NotFound`] when none.
    fn query<'a>(&'a self, labels: &'a BTreeMap<String, String>) -> DriverFuture<'a, Vec<Release>>;
    /// [`Driver::create`] with annotations on the storage object (helm neither reads nor
    /// keeps them; drivers without objects ignore them).
    fn create_annotated<'a>(
        &'a self,
        key: &'a str,
        rls: &'a Release,
        annotations: &'a BTreeMap<String, String>,
    ) -> DriverFuture<'a, ()> {
        let _ = annotations;
        self.create(key, rls)
    }
    /// [`Driver::update`] with annotations on the storage object.
    fn update_annotated<'a>(
        &'a self,
        key: &'a str,
        rls: &'a Release,
        annotations: &'a BTreeMap<String, String>,
    ) -> DriverFuture<'a, ()> {
        let _ = annotations;
        self.update(key, rls)
    }
}

/// Everything that can go wrong in storage. Texts are Helm's where Helm has one; wrapping
/// variants do not repeat their source (print the chain).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StorageError {
    /// No such record (`release: not found`).
    #[error("release: not found")]
    NotFound,
    /// The key is taken (`release: already exists`).
    #[error("release: already exists")]
    Exists,
    /// A key that is not `sh.helm.release.v1.<name>.v<n>` (memory driver).
    #[error("release: invalid key")]
    InvalidKey,
    /// No `deployed` revision (`"web" has no deployed releases`).
    #[error("{0:?} has no deployed releases")]
    NoDeployedReleases(String),
    /// No revision at all (`no revision for release "web"`).
    #[error("no revision for release {0:?}")]
    NoRevision(String),
    /// `HELM_DRIVER` names no driver (`unknown driver "x"`).
    #[error("unknown driver {0:?}")]
    UnknownDriver(String),
    /// A label value for a query is not a valid Kubernetes label value.
    #[error("invalid label value: {value:?}: {reason}")]
    InvalidLabelValue {
        /// The value.
        value: String,
        /// Kubernetes' validation message(s).
        reason: String,
    },
    /// The Secret and ConfigMap drivers were asked for without a Kubernetes client.
    #[error("the {0} storage driver needs a Kubernetes client")]
    NoClientFor(&'static str),
    /// The SQL driver could not be set up (`unable to instantiate SQL driver`).
    #[error("unable to instantiate SQL driver")]
    SqlInit(#[source] Box<StorageError>),
    /// The SQL driver can only query by system labels (`unknown label x`).
    #[error("unknown label {0}")]
    UnknownLabel(String),
    /// The encoded record is larger than a Secret or ConfigMap may hold. Checked before
    /// anything is written (Helm leaves this to the API server).
    #[error(
        "release {name:?} revision {version} is too large for the {driver} storage driver: \
         the encoded record is {size} bytes and a {driver} holds at most {limit} bytes; \
         use the sql driver (HELM_DRIVER=sql) for releases this large"
    )]
    TooLarge {
        /// The release name.
        name: String,
        /// The revision.
        version: i64,
        /// `Secret` or `ConfigMap`.
        driver: &'static str,
        /// The payload size in bytes.
        size: usize,
        /// The limit in bytes.
        limit: usize,
    },
    /// A record could not be encoded.
    #[error("failed to encode release {0:?}")]
    Encode(String, #[source] RecordError),
    /// A stored payload could not be decoded (`get: failed to decode data "key"`).
    #[error("{context}")]
    Decode {
        /// What was being done.
        context: String,
        /// Why.
        #[source]
        source: DecodeError,
    },
    /// The Kubernetes API failed (`get: failed to get "key"`, `create: failed to create`).
    #[error("{context}")]
    Kube {
        /// What was being done.
        context: String,
        /// The client's error.
        #[source]
        source: Box<kube::Error>,
    },
    /// The SQL database failed.
    #[error("{context}")]
    Sql {
        /// What was being done.
        context: String,
        /// The client's error.
        #[source]
        source: Box<tokio_postgres::Error>,
    },
    /// Pruning history failed on several records.
    #[error("encountered {count} deletion errors. First is: {first}")]
    Prune {
        /// How many deletions failed.
        count: usize,
        /// The first failure.
        first: Box<StorageError>,
    },
}

impl StorageError {
    /// Whether this is [`StorageError::NotFound`].
    pub fn is_not_found(&self) -> bool {
        matches!(self, StorageError::NotFound)
    }

    pub(crate) fn kube(context: impl Into<String>, err: kube::Error) -> StorageError {
        StorageError::Kube {
            context: context.into(),
            source: Box::new(err),
        }
    }

    pub(crate) fn sql(context: impl Into<String>, err: tokio_postgres::Error) -> StorageError {
        StorageError::Sql {
            context: context.into(),
            source: Box::new(err),
        }
    }
}

/// Why a stored payload could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// Not base64.
    #[error("illegal base64 data: {0}")]
    Base64(#[from] base64::DecodeError),
    /// A broken gzip stream.
    #[error("gzip: {0}")]
    Gzip(#[from] std::io::Error),
    /// Not a release record.
    #[error(transparent)]
    Record(#[from] RecordError),
}

/// The first bytes of a gzip stream (deflate method), how Helm tells compressed records
/// from raw JSON ones.
const MAGIC_GZIP: [u8; 3] = [0x1f, 0x8b, 0x08];

/// The storage payload of a record: `base64(gzip(json))`, gzip at best compression with
/// Go's header (no name, mtime 0, XFL 2, OS 255).
pub fn encode_release(rls: &Release) -> Result<String, RecordError> {
    let json = rls.to_json()?;
    let mut gz = flate2::GzBuilder::new()
        .operating_system(255)
        .write(Vec::new(), flate2::Compression::best());
    // Writing to a Vec cannot fail.
    let compressed = gz
        .write_all(json.as_bytes())
        .and_then(|()| gz.finish())
        .unwrap_or_default();
    Ok(base64::engine::general_purpose::STANDARD.encode(compressed))
}

/// Reads a storage payload: base64, then gunzip when it starts with the gzip magic
/// (else raw JSON, as legacy records are), then the record.
pub fn decode_release(data: &[u8]) -> Result<Release, DecodeError> {
    let bytes = base64::engine::general_purpose::STANDARD.decode(data)?;
    let json = decode_payload_bytes(bytes)?;
    Ok(Release::from_json(&json)?)
}

/// The JSON bytes of a base64-decoded payload (gunzipped when compressed).
pub fn decode_payload_bytes(bytes: Vec<u8>) -> Result<Vec<u8>, DecodeError> {
    if bytes.len() > 3 && bytes[..3] == MAGIC_GZIP {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(&bytes[..]).read_to_end(&mut out)?;
        Ok(out)
    } else {
        Ok(bytes)
    }
}

/// Labels Helm manages itself; users may not set them.
pub const SYSTEM_LABELS: [&str; 6] = [
    "name",
    "owner",
    "status",
    "version",
    "createdAt",
    "modifiedAt",
];

/// Whether `key` is one of [`SYSTEM_LABELS`].
pub fn is_system_label(key: &str) -> bool {
    SYSTEM_LABELS.contains(&key)
}

/// The labels without the system ones.
pub fn filter_system_labels(labels: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    labels
        .iter()
        .filter(|(k, _)| !is_system_label(k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// Whether any key is a system label (Helm's `ContainsSystemLabels`, used to reject
/// `--labels`).
pub fn contains_system_labels(labels: &BTreeMap<String, String>) -> bool {
    labels.keys().any(|k| is_system_label(k))
}

/// The labels of a stored object (Secret, ConfigMap): the release's own [`Release::labels`],
/// the time stamp `stamp` (`("createdAt", secs)` on create, `("modifiedAt", secs)` on
/// update), then `name owner status version` from the record.
pub fn record_labels(rls: &Release, stamp: (&str, String)) -> BTreeMap<String, String> {
    let mut lbs = rls.labels.clone();
    lbs.insert(stamp.0.to_owned(), stamp.1);
    lbs.insert("name".into(), rls.name.clone());
    lbs.insert("owner".into(), "helm".into());
    lbs.insert("status".into(), rls.status().as_str().to_owned());
    lbs.insert("version".into(), rls.version.to_string());
    lbs
}

/// Seconds since the Unix epoch, for `createdAt`/`modifiedAt`.
pub fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// Kubernetes' label value check (`IsValidLabelValue`): the messages, empty when valid.
pub(crate) fn label_value_errors(v: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if v.len() > 63 {
        errs.push("must be no more than 63 characters".to_owned());
    }
    let b = v.as_bytes();
    let alnum = |c: &u8| c.is_ascii_alphanumeric();
    let ok = b.is_empty()
        || (alnum(&b[0])
            && alnum(&b[b.len() - 1])
            && b.iter()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.')));
    if !ok {
        errs.push(
            "a valid label must be an empty string or consist of alphanumeric characters, \
             '-', '_' or '.', and must start and end with an alphanumeric character (e.g. \
             'MyValue',  or 'my_value',  or '12345', regex used for validation is \
             '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
                .to_owned(),
        );
    }
    errs
}

/// A label selector string for a query (`k=v,k2=v2`, keys sorted), the values checked.
pub(crate) fn label_selector(labels: &BTreeMap<String, String>) -> Result<String, StorageError> {
    let mut parts = Vec::with_capacity(labels.len());
    for (k, v) in labels {
        let errs = label_value_errors(v);
        if !errs.is_empty() {
            return Err(StorageError::InvalidLabelValue {
                value: v.clone(),
                reason: errs.join("; "),
            });
        }
        parts.push(format!("{k}={v}"));
    }
    Ok(parts.join(","))
}

/// Fails with [`StorageError::TooLarge`] when a payload would not fit a Secret or
/// ConfigMap (1 MiB of data).
pub(crate) fn check_size(
    rls: &Release,
    driver: &'static str,
    payload: &str,
) -> Result<(), StorageError> {
    const LIMIT: usize = 1024 * 1024;
    // ConfigMaps count the key as well ("release").
    let size = payload.len() + if driver == "ConfigMap" { 7 } else { 0 };
    if size > LIMIT {
        return Err(StorageError::TooLarge {
            name: rls.name.clone(),
            version: rls.version,
            driver,
            size,
            limit: LIMIT,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payload_header_is_gos() {
        let rls = Release {
            name: "a".into(),
            version: 1,
            ..Release::default()
        };
        let p = encode_release(&rls).expect("encodes");
        assert!(p.starts_with("H4sI"));
        let raw = base64::engine::general_purpose::STANDARD
            .decode(&p)
            .expect("base64");
        assert_eq!(&raw[..10], &[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 2, 0xff]);
        let back = decode_release(p.as_bytes()).expect("decodes");
        assert_eq!(back.name, "a");
        // Raw JSON (legacy) is read too.
        let plain = base64::engine::general_purpose::STANDARD.encode(br#"{"name":"b"}"#);
        assert_eq!(decode_release(plain.as_bytes()).expect("decodes").name, "b");
    }

    #[test]
    fn label_values() {
        assert!(label_value_errors("web-1.a_b").is_empty());
        assert!(label_value_errors("").is_empty());
        assert_eq!(label_value_errors("-x").len(), 1);
        assert_eq!(label_value_errors(&"a".repeat(64)).len(), 1);
    }
}
