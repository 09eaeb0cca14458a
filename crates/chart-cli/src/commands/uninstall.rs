//! `chart uninstall RELEASE...`, as `helm uninstall`.

use std::process::ExitCode;

use anyhow::{anyhow, bail};
use chart_core::action::uninstall::{Uninstall, UninstallOptions};
use chart_core::kube::Propagation;
use clap::Args;

use super::cluster::{configuration, runtime};
use super::deploy::common;
use super::print_out;
use crate::cli::GlobalArgs;

/// `chart uninstall`.
#[derive(Args, Debug, Clone)]
pub struct UninstallArgs {
    /// the release names
    #[arg(num_args = 0..)]
    pub args: Vec<String>,
    /// remove all associated resources and mark the release as deleted, but retain the release history
    #[arg(long = "keep-history")]
    pub keep_history: bool,
    /// prevent hooks from running during uninstallation
    #[arg(long = "no-hooks")]
    pub no_hooks: bool,
    /// if set, will wait until all the resources are deleted before returning
    #[arg(long)]
    pub wait: bool,
    /// time to wait for any individual Kubernetes operation (like Jobs for hooks)
    #[arg(long, default_value = "5m0s", value_name = "duration", value_parser = crate::cobra::GoDuration)]
    pub timeout: String,
    /// Must be "background", "orphan", or "foreground". Selects the deletion cascading strategy for the dependents. Defaults to background.
    #[arg(long, default_value = "background")]
    pub cascade: String,
    /// Treat "release not found" as a successful uninstall
    #[arg(long = "ignore-not-found")]
    pub ignore_not_found: bool,
    /// add a custom description
    #[arg(long, default_value = "")]
    pub description: String,
    /// simulate a uninstall
    #[arg(long = "dry-run")]
    pub dry_run: bool,
}

pub fn run(g: &GlobalArgs, a: &UninstallArgs) -> anyhow::Result<ExitCode> {
    if a.args.is_empty() {
        bail!("\"chart uninstall\" requires at least 1 argument\n\nUsage:  chart uninstall RELEASE_NAME [...] [flags]");
    }
    let propagation = Propagation::parse(&a.cascade).ok_or_else(|| {
        anyhow!(
            "invalid cascade value ({}). Must be \"background\", \"foreground\", or \"orphan\"",
            a.cascade
        )
    })?;
    let un = Uninstall {
        options: UninstallOptions {
            keep_history: a.keep_history,
            ignore_not_found: a.ignore_not_found,
            description: a.description.clone(),
            dry_run: a.dry_run,
            propagation,
            common: common(g, a.wait, false, &a.timeout, a.no_hooks)?,
        },
    };
    runtime()?.block_on(async {
        let cfg = configuration(g, false).await?;
        for name in &a.args {
            let res = un.run(&cfg, name).await?;
            let mut out = String::new();
            if !res.info.is_empty() {
                out.push_str(&res.info);
                out.push('\n');
            }
            out.push_str(&format!("release \"{name}\" uninstalled\n"));
            print_out(&out)?;
        }
        anyhow::Ok(())
    })?;
    Ok(ExitCode::SUCCESS)
}
