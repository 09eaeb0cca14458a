//! `chart install [NAME] CHART`: install a chart as a release, as `helm install`.

use std::io::Write;
use std::process::ExitCode;

use anyhow::bail;
use chart_core::action::release_install::{install, DryRun, InstallOptions, Installed};
use chart_core::action::status::{print_release, StatusOptions};
use clap::Args;

use super::cluster::{configuration, runtime};
use super::deploy::{common, load_chart, parse_dry_run, parse_labels, print_warnings};
use super::template::render_name_template;
use super::{output_format, print_out};
use crate::cli::{GlobalArgs, ValuesArgs};

/// `chart install`.
#[derive(Args, Debug, Clone)]
pub struct InstallArgs {
    /// release name and chart (`NAME CHART`, or `CHART` with --generate-name)
    #[arg(num_args = 0..)]
    pub args: Vec<String>,
    /// values
    #[command(flatten)]
    pub values: ValuesArgs,
    /// create the release namespace if not present
    #[arg(long = "create-namespace")]
    pub create_namespace: bool,
    /// generate the name (and omit the NAME parameter)
    #[arg(short = 'g', long = "generate-name")]
    pub generate_name: bool,
    /// specify template used to name the release
    #[arg(long = "name-template")]
    pub name_template: Option<String>,
    /// simulate an install: "client" (no cluster), "server" (read the cluster, write nothing) or "none"
    #[arg(long = "dry-run", num_args = 0..=1, default_missing_value = "client", require_equals = true)]
    pub dry_run: Option<String>,
    /// reuse the given name, only if that name is a deleted release which remains in the history
    #[arg(long)]
    pub replace: bool,
    /// add a custom description
    #[arg(long, default_value = "")]
    pub description: String,
    /// if set, no CRDs will be installed
    #[arg(long = "skip-crds")]
    pub skip_crds: bool,
    /// prevent hooks from running during install
    #[arg(long = "no-hooks")]
    pub no_hooks: bool,
    /// wait until all resources are ready before marking the release successful
    #[arg(long)]
    pub wait: bool,
    /// with --wait, also wait until all Jobs have completed
    #[arg(long = "wait-for-jobs")]
    pub wait_for_jobs: bool,
    /// time to wait for any individual Kubernetes operation (like Jobs for hooks)
    #[arg(long, default_value = "5m0s", value_name = "duration", value_parser = crate::cobra::GoDuration)]
    pub timeout: String,
    /// if set, the installation process deletes the installation on failure (implies --wait)
    #[arg(long)]
    pub atomic: bool,
    /// render subchart notes along with the parent
    #[arg(long = "render-subchart-notes")]
    pub render_subchart_notes: bool,
    /// labels that would be added to release metadata
    #[arg(short = 'l', long, value_name = "stringToString")]
    pub labels: Vec<String>,
    /// ignore the ownership check and take over existing resources
    #[arg(long = "take-ownership")]
    pub take_ownership: bool,
    /// force resource updates through a replacement strategy
    #[arg(long)]
    pub force: bool,
    /// do not show notes in the install output
    #[arg(long = "hide-notes")]
    pub hide_notes: bool,
    /// disables rendered templates validation against the values.schema.json
    #[arg(long = "skip-schema-validation")]
    pub skip_schema_validation: bool,
    /// enable DNS lookups when rendering templates
    #[arg(long = "enable-dns")]
    pub enable_dns: bool,
    /// prints the output in the specified format. Allowed values: table, json, yaml
    #[arg(short = 'o', long, default_value = "table", value_name = "format", value_parser = crate::cobra::OutputFormatFlag)]
    pub output: String,
    /// how the chart is found, and flags not supported yet
    #[command(flatten)]
    pub source: super::deploy::ChartSourceFlags,
    /// object updates run in the server instead of the client (server-side apply, field manager helm; as Helm 4)
    #[arg(long = "server-side", value_name = "true|false", num_args = 0..=1, default_value = "false", default_missing_value = "true", require_equals = true)]
    pub server_side: bool,
    /// if set server-side apply will force changes against conflicts
    #[arg(long = "force-conflicts")]
    pub force_conflicts: bool,
}

/// helm's `NameAndChart`.
fn name_and_chart(a: &InstallArgs) -> anyhow::Result<(String, String)> {
    let flags_in_use = a.generate_name || a.name_template.is_some();
    match (a.args.as_slice(), flags_in_use) {
        ([name, chart], false) => Ok((name.clone(), chart.clone())),
        ([_, _], true) if a.generate_name => bail!(
            "INSTALLATION FAILED: cannot set --generate-name and also specify a name"
        ),
        ([_, _], true) => bail!(
            "INSTALLATION FAILED: cannot set --name-template and also specify a name"
        ),
        ([chart], true) => {
            if let Some(t) = &a.name_template {
                return Ok((render_name_template(t)?, chart.clone()));
            }
            let mut base = std::path::Path::new(chart)
                .file_name()
                .map(|b| b.to_string_lossy().into_owned())
                .unwrap_or_default();
            if base.is_empty() || base == "." {
                base = "chart".into();
            }
            if let Some(i) = base.find('.') {
                base.truncate(i);
            }
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0);
            Ok((format!("{base}-{now}"), chart.clone()))
        }
        ([_], false) => bail!("INSTALLATION FAILED: must either provide a name or specify --generate-name"),
        ([], _) => bail!("\"chart install\" requires at least 1 argument\n\nUsage:  chart install [NAME] [CHART] [flags]"),
        ([_, _, rest @ ..], _) => bail!(
            "INSTALLATION FAILED: expected at most two arguments, unexpected arguments: {}",
            rest.join(", ")
        ),
    }
}

pub fn run(g: &GlobalArgs, a: &InstallArgs) -> anyhow::Result<ExitCode> {
    let format = output_format(&a.output)?;
    let (name, chart_path) = name_and_chart(a)?;
    a.source.refuse_unsupported()?;
    crate::commands::pull::registry_tls_check(&a.source.options())?;
    let chart_path = crate::commands::pull::locate_verified(
        g,
        &chart_path,
        &a.source.options(),
        a.source.chart_path.verify_keyring().as_deref(),
    )
    .map_err(|e| anyhow::anyhow!("INSTALLATION FAILED: {e}"))?;
    let opts = InstallOptions {
        name,
        create_namespace: a.create_namespace,
        // Checked after the chart is loaded (below), as helm does.
        dry_run: parse_dry_run(&a.dry_run).unwrap_or(DryRun::None),
        replace: a.replace,
        description: a.description.clone(),
        skip_crds: a.skip_crds,
        atomic: a.atomic,
        sub_notes: a.render_subchart_notes,
        labels: parse_labels(&a.labels)?,
        take_ownership: a.take_ownership,
        force: a.force,
        skip_schema_validation: a.skip_schema_validation,
        enable_dns: a.enable_dns,
        server_side: a.server_side,
        force_conflicts: a.force_conflicts,
        common: common(g, a.wait, a.wait_for_jobs, &a.timeout, a.no_hooks)?,
    };
    let check = || {
        parse_dry_run(&a.dry_run)
            .map(|_| ())
            .map_err(|e| anyhow::anyhow!("INSTALLATION FAILED: {e}"))
    };
    let out = runtime()?.block_on(run_install_checked(
        g,
        &chart_path,
        &a.values,
        &check,
        &opts,
        format,
        a.hide_notes,
    ))?;
    print_out(&out)?;
    Ok(ExitCode::SUCCESS)
}

/// Installs and returns what helm prints (shared with `upgrade --install`).
pub async fn run_install(
    g: &GlobalArgs,
    chart_path: &str,
    values: &ValuesArgs,
    opts: &InstallOptions,
    format: chart_core::action::output::OutputFormat,
    hide_notes: bool,
) -> anyhow::Result<String> {
    run_install_checked(g, chart_path, values, &|| Ok(()), opts, format, hide_notes).await
}

/// [`run_install`] with `check` run once the chart is loaded (helm validates `--dry-run`
/// there), before the cluster is contacted.
pub async fn run_install_checked(
    g: &GlobalArgs,
    chart_path: &str,
    values: &ValuesArgs,
    check: &dyn Fn() -> anyhow::Result<()>,
    opts: &InstallOptions,
    format: chart_core::action::output::OutputFormat,
    hide_notes: bool,
) -> anyhow::Result<String> {
    let (ch, user) =
        load_chart(chart_path, values).map_err(|e| anyhow::anyhow!("INSTALLATION FAILED: {e}"))?;
    check()?;
    let cfg = configuration(g, false)
        .await
        .map_err(|e| anyhow::anyhow!("INSTALLATION FAILED: {e}"))?;
    let Installed { release, warnings } = install(&cfg, ch, user, opts)
        .await
        .map_err(|e| anyhow::anyhow!("INSTALLATION FAILED: {e}"))?;
    print_warnings(&warnings);
    let _ = std::io::stderr().flush();
    let sopts = StatusOptions {
        debug: g.debug,
        hide_notes,
        ..StatusOptions::default()
    };
    Ok(print_release(&release, format, &sopts)?.out)
}
