//! `chart upgrade NAME CHART`: upgrade a release (or install it with `--install`), as
//! `helm upgrade`.

use std::process::ExitCode;

use anyhow::bail;
use chart_core::action::deploy::ServerSide;
use chart_core::action::output::OutputFormat;
use chart_core::action::release_install::InstallOptions;
use chart_core::action::status::{print_release, StatusOptions};
use chart_core::action::upgrade::{upgrade, UpgradeOptions};
use chart_core::release::Status;
use chart_core::storage::{sort_by_revision, StorageError};
use clap::Args;

use super::cluster::{configuration, runtime};
use super::deploy::{common, load_chart, parse_dry_run, parse_labels, print_warnings};
use super::install::run_install;
use super::{output_format, print_out};
use crate::cli::{GlobalArgs, ValuesArgs};

/// helm's default `--history-max`: `HELM_MAX_HISTORY`, else 10.
fn default_history_max() -> usize {
    std::env::var("HELM_MAX_HISTORY")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10)
}

/// `chart upgrade`.
#[derive(Args, Debug, Clone)]
pub struct UpgradeArgs {
    /// release name and chart
    #[arg(num_args = 0..)]
    pub args: Vec<String>,
    /// values
    #[command(flatten)]
    pub values: ValuesArgs,
    /// if a release by this name doesn't already exist, run an install
    #[arg(short = 'i', long)]
    pub install: bool,
    /// if --install is set, create the release namespace if not present
    #[arg(long = "create-namespace")]
    pub create_namespace: bool,
    /// simulate an upgrade: "client", "server" or "none"
    #[arg(long = "dry-run", num_args = 0..=1, default_missing_value = "client", require_equals = true)]
    pub dry_run: Option<String>,
    /// when upgrading, reuse the last release's values and merge in any overrides from the command line
    #[arg(long = "reuse-values")]
    pub reuse_values: bool,
    /// when upgrading, reset the values to the ones built into the chart
    #[arg(long = "reset-values")]
    pub reset_values: bool,
    /// when upgrading, reset the values to the ones built into the chart, apply the last release's values and merge in any overrides from the command line via --set and -f
    #[arg(long = "reset-then-reuse-values")]
    pub reset_then_reuse_values: bool,
    /// force resource updates through a replacement strategy
    #[arg(long)]
    pub force: bool,
    /// allow deletion of new resources created in this upgrade when upgrade fails
    #[arg(long = "cleanup-on-fail")]
    pub cleanup_on_fail: bool,
    /// limit the maximum number of revisions saved per release. Use 0 for no limit
    #[arg(long = "history-max", value_name = "int", value_parser = crate::cobra::GoInt)]
    pub history_max: Option<i64>,
    /// if set, upgrade process rolls back changes made in case of failed upgrade (implies --wait)
    #[arg(long)]
    pub atomic: bool,
    /// wait until all resources are ready before marking the release successful
    #[arg(long)]
    pub wait: bool,
    /// with --wait, also wait until all Jobs have completed
    #[arg(long = "wait-for-jobs")]
    pub wait_for_jobs: bool,
    /// time to wait for any individual Kubernetes operation (like Jobs for hooks)
    #[arg(long, default_value = "5m0s", value_name = "duration", value_parser = crate::cobra::GoDuration)]
    pub timeout: String,
    /// add a custom description
    #[arg(long, default_value = "")]
    pub description: String,
    /// labels that would be added to release metadata ("null" removes a label)
    #[arg(short = 'l', long, value_name = "stringToString")]
    pub labels: Vec<String>,
    /// disable pre/post upgrade hooks
    #[arg(long = "no-hooks")]
    pub no_hooks: bool,
    /// if set, no CRDs will be installed when an upgrade is performed with install flag enabled
    #[arg(long = "skip-crds")]
    pub skip_crds: bool,
    /// render subchart notes along with the parent
    #[arg(long = "render-subchart-notes")]
    pub render_subchart_notes: bool,
    /// do not show notes in the upgrade output
    #[arg(long = "hide-notes")]
    pub hide_notes: bool,
    /// ignore the ownership check and take over existing resources
    #[arg(long = "take-ownership")]
    pub take_ownership: bool,
    /// disables rendered templates validation against the values.schema.json
    #[arg(long = "skip-schema-validation")]
    pub skip_schema_validation: bool,
    /// enable DNS lookups when rendering templates
    #[arg(long = "enable-dns")]
    pub enable_dns: bool,
    /// if the last revision is pending and the operation that left it is provably gone, mark it failed and go on (not in helm)
    #[arg(long = "recover-stuck")]
    pub recover_stuck: bool,
    /// prints the output in the specified format. Allowed values: table, json, yaml
    #[arg(short = 'o', long, default_value = "table", value_name = "format", value_parser = crate::cobra::OutputFormatFlag)]
    pub output: String,
    /// how the chart is found, and flags not supported yet
    #[command(flatten)]
    pub source: super::deploy::ChartSourceFlags,
    /// must be "true", "false" or "auto". Object updates run in the server instead of the client ("auto" defaults the value from the previous chart release's method)
    #[arg(long = "server-side", value_name = "true|false|auto", num_args = 0..=1, default_value = "auto", default_missing_value = "true", require_equals = true)]
    pub server_side: String,
    /// if set server-side apply will force changes against conflicts
    #[arg(long = "force-conflicts")]
    pub force_conflicts: bool,
}

pub fn run(g: &GlobalArgs, a: &UpgradeArgs) -> anyhow::Result<ExitCode> {
    let format = output_format(&a.output)?;
    let (name, chart_path) = match a.args.as_slice() {
        [n, c] => (n.clone(), c.clone()),
        _ => bail!(
            "\"chart upgrade\" requires 2 arguments\n\nUsage:  chart upgrade [RELEASE] [CHART] [flags]"
        ),
    };
    a.source.refuse_unsupported()?;
    let chart_path = crate::commands::pull::locate_verified(
        g,
        &chart_path,
        &a.source.options(),
        a.source.chart_path.verify_keyring().as_deref(),
    )?;
    let server_side = ServerSide::parse(&a.server_side).map_err(anyhow::Error::msg)?;
    let out = runtime()?.block_on(async {
        let cfg = configuration(g, false).await?;
        if a.install {
            let uninstalled = match cfg.storage.history(&name).await {
                Ok(mut h) => {
                    sort_by_revision(&mut h);
                    match h.last() {
                        Some(r) => r.status() == Status::Uninstalled,
                        None => true,
                    }
                }
                Err(StorageError::NotFound) => true,
                Err(e) => return Err(e.into()),
            };
            let mut head = String::new();
            let exists = cfg
                .storage
                .history(&name)
                .await
                .is_ok_and(|h| !h.is_empty());
            if !exists || uninstalled {
                if format == OutputFormat::Table {
                    head = format!("Release {name:?} does not exist. Installing it now.\n");
                }
                drop(cfg);
                let opts = InstallOptions {
                    name: name.clone(),
                    create_namespace: a.create_namespace,
                    dry_run: parse_dry_run(&a.dry_run)?,
                    replace: exists && uninstalled,
                    description: a.description.clone(),
                    skip_crds: a.skip_crds,
                    atomic: a.atomic,
                    sub_notes: a.render_subchart_notes,
                    labels: parse_labels(&a.labels)?,
                    take_ownership: a.take_ownership,
                    force: a.force,
                    skip_schema_validation: a.skip_schema_validation,
                    enable_dns: a.enable_dns,
                    // A new release is applied server-side only when asked (helm 3's
                    // default; Helm 4 applies server-side unless told "false").
                    server_side: server_side == ServerSide::True,
                    force_conflicts: a.force_conflicts,
                    common: common(g, a.wait, a.wait_for_jobs, &a.timeout, a.no_hooks)?,
                };
                let body =
                    run_install(g, &chart_path, &a.values, &opts, format, a.hide_notes).await?;
                return anyhow::Ok(head + &body);
            }
        }
        let mut cfg = cfg;
        let (ch, user) = load_chart(&chart_path, &a.values)?;
        let opts = UpgradeOptions {
            dry_run: parse_dry_run(&a.dry_run)?,
            reuse_values: a.reuse_values,
            reset_values: a.reset_values,
            reset_then_reuse_values: a.reset_then_reuse_values,
            force: a.force,
            cleanup_on_fail: a.cleanup_on_fail,
            max_history: a
                .history_max
                .map(|v| usize::try_from(v).unwrap_or(0))
                .unwrap_or_else(default_history_max),
            atomic: a.atomic,
            description: a.description.clone(),
            labels: parse_labels(&a.labels)?,
            sub_notes: a.render_subchart_notes,
            skip_schema_validation: a.skip_schema_validation,
            enable_dns: a.enable_dns,
            recover_stuck: a.recover_stuck,
            server_side,
            force_conflicts: a.force_conflicts,
            common: common(g, a.wait, a.wait_for_jobs, &a.timeout, a.no_hooks)?,
        };
        let up = upgrade(&mut cfg, &name, ch, user, &opts)
            .await
            .map_err(|e| anyhow::anyhow!("UPGRADE FAILED: {e}"))?;
        print_warnings(&up.warnings);
        let mut out = String::new();
        if format == OutputFormat::Table {
            out.push_str(&format!(
                "Release {name:?} has been upgraded. Happy Helming!\n"
            ));
        }
        let sopts = StatusOptions {
            debug: g.debug,
            hide_notes: a.hide_notes,
            ..StatusOptions::default()
        };
        out.push_str(&print_release(&up.release, format, &sopts)?.out);
        anyhow::Ok(out)
    })?;
    print_out(&out)?;
    Ok(ExitCode::SUCCESS)
}
