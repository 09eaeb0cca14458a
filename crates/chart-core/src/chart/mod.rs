//! Charts.
pub mod error;
pub mod ignore;
pub mod metadata;
pub mod semver;
pub(crate) mod yamlnode;
