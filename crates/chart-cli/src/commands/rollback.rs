//! `chart rollback RELEASE [REVISION]`, as `helm rollback`.

use std::process::ExitCode;

use anyhow::bail;
use chart_core::action::deploy::ServerSide;
use chart_core::action::rollback::{rollback, RollbackOptions};
use clap::Args;

use super::cluster::{configuration, runtime};
use super::deploy::common;
use super::print_out;
use crate::cli::GlobalArgs;

/// `chart rollback`.
#[derive(Args, Debug, Clone)]
pub struct RollbackArgs {
    /// the release name and, optionally, the revision
    #[arg(num_args = 0..)]
    pub args: Vec<String>,
    /// simulate a rollback
    #[arg(long = "dry-run")]
    pub dry_run: bool,
    /// force resource update through delete/recreate if needed
    #[arg(long)]
    pub force: bool,
    /// allow deletion of new resources created in this rollback when rollback fails
    #[arg(long = "cleanup-on-fail")]
    pub cleanup_on_fail: bool,
    /// limit the maximum number of revisions saved per release. Use 0 for no limit
    #[arg(long = "history-max", value_name = "int", value_parser = crate::cobra::GoInt)]
    pub history_max: Option<i64>,
    /// prevent hooks from running during rollback
    #[arg(long = "no-hooks")]
    pub no_hooks: bool,
    /// performs pods restart for the resource if applicable (accepted; not supported yet)
    #[arg(long = "recreate-pods")]
    pub recreate_pods: bool,
    /// wait until all resources are ready before marking the release successful
    #[arg(long)]
    pub wait: bool,
    /// with --wait, also wait until all Jobs have completed
    #[arg(long = "wait-for-jobs")]
    pub wait_for_jobs: bool,
    /// time to wait for any individual Kubernetes operation (like Jobs for hooks)
    #[arg(long, default_value = "5m0s", value_name = "duration", value_parser = crate::cobra::GoDuration)]
    pub timeout: String,
    /// must be "true", "false" or "auto". Object updates run in the server instead of the client ("auto" defaults the value from the previous chart release's method)
    #[arg(long = "server-side", value_name = "true|false|auto", num_args = 0..=1, default_value = "auto", default_missing_value = "true", require_equals = true)]
    pub server_side: String,
    /// if set server-side apply will force changes against conflicts
    #[arg(long = "force-conflicts")]
    pub force_conflicts: bool,
}

pub fn run(g: &GlobalArgs, a: &RollbackArgs) -> anyhow::Result<ExitCode> {
    let (name, version) = match a.args.as_slice() {
        [n] => (n.clone(), 0),
        [n, v] => {
            let v: i64 = v
                .parse()
                .map_err(|_| anyhow::anyhow!("could not convert revision to a number: {v}"))?;
            (n.clone(), v)
        }
        _ => bail!(
            "\"chart rollback\" requires at least 1 argument\n\nUsage:  chart rollback <RELEASE> [REVISION] [flags]"
        ),
    };
    if a.recreate_pods {
        bail!("--recreate-pods: restarting pods on rollback is not supported yet");
    }
    let opts = RollbackOptions {
        version,
        dry_run: a.dry_run,
        force: a.force,
        cleanup_on_fail: a.cleanup_on_fail,
        server_side: ServerSide::parse(&a.server_side).map_err(anyhow::Error::msg)?,
        force_conflicts: a.force_conflicts,
        max_history: a
            .history_max
            .map(|v| usize::try_from(v).unwrap_or(0))
            .unwrap_or_else(|| {
                std::env::var("HELM_MAX_HISTORY")
                    .ok()
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(10)
            }),
        common: common(g, a.wait, a.wait_for_jobs, &a.timeout, a.no_hooks)?,
    };
    runtime()?.block_on(async {
        let mut cfg = configuration(g, false).await?;
        rollback(&mut cfg, &name, &opts).await?;
        anyhow::Ok(())
    })?;
    print_out("Rollback was a success! Happy Helming!\n")?;
    Ok(ExitCode::SUCCESS)
}
