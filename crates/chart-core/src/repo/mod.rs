//! Publishing and consuming charts: `helm package` ([`package`]), chart repository
//! indexes ([`index`]) — Helm 3.17's `pkg/action/package.go` and `pkg/repo`.

pub mod config;
pub mod dependency;
pub mod download;
pub mod index;
pub(crate) mod index_decode;
pub mod index_scan;
pub mod manager;
pub mod package;
pub mod provenance;
pub mod search;
