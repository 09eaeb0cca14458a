//! Actions: the operations behind each command (Helm's `pkg/action`).

pub mod config;
pub mod get;
pub mod history;
pub mod install;
pub mod lint;
pub mod list;
pub mod output;
pub mod show;
pub mod status;
