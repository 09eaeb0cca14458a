//! Actions: the operations behind each command (Helm's `pkg/action`).

pub mod config;
pub mod install;
pub mod lint;
pub mod show;
