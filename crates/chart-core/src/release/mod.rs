//! Releases: rendered manifests and hooks, and the release record (Helm's
//! `pkg/release` and `pkg/releaseutil`).

pub mod manifest;
