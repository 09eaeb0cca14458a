//! Actions: the operations behind each command (Helm's `pkg/action`).

pub mod config;
pub mod deploy;
pub mod get;
pub mod history;
pub mod hooks;
pub mod install;
pub mod lint;
pub mod list;
pub mod lock;
pub mod output;
pub mod release_install;
pub mod release_testing;
pub mod rollback;
pub mod show;
pub mod status;
pub mod uninstall;
pub mod upgrade;
