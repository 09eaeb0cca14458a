//! Releases: rendered manifests and hooks, and the release record (Helm's
//! `pkg/release` and `pkg/releaseutil`).
//!
//! A record round-trips through Helm's JSON byte for byte:
//!
//! ```
//! use chart_core::release::{Release, Status};
//!
//! let text = r#"{"name":"web","info":{"first_deployed":"2026-11-25T17:08:48.5Z","last_deployed":"2026-11-25T17:08:48.5Z","deleted":"","status":"deployed"},"version":1,"namespace":"default"}"#;
//! let rel = Release::from_json(text.as_bytes())?;
//! assert_eq!(rel.status(), Status::Deployed);
//! assert_eq!(rel.to_json()?, text);
//! # Ok::<(), chart_core::release::RecordError>(())
//! ```

pub mod hook;
pub mod json;
pub mod manifest;
pub mod record;
pub mod status;
pub mod time;

pub use hook::{Hook, HookDeletePolicy, HookEvent, HookExecution, HookPhase};
pub use json::RecordError;
pub use record::{ChartRecord, Info, Release, APPLY_METHOD_SERVER_SIDE};
pub use status::Status;
pub use time::Time;
