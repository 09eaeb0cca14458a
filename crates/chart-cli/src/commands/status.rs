//! `chart status RELEASE_NAME`: one revision of a release, as `helm status`; with
//! `--wait` (ours), first waits until the release's resources are ready, with the
//! readiness rules and the progress view of `install --wait`.

use std::process::ExitCode;

use chart_core::action::output::OutputFormat;
use chart_core::action::status::{self, StatusOptions};
use chart_core::kube::WaitOptions;

use super::cluster::{configuration, runtime};
use super::{one_release, output_format, print_out};
use crate::cli::{GlobalArgs, StatusArgs};

pub fn run(g: &GlobalArgs, a: &StatusArgs) -> anyhow::Result<ExitCode> {
    let name = one_release("status", &a.args)?;
    let format = output_format(&a.output)?;
    let timeout = super::deploy::parse_timeout(&a.timeout)?;
    let out = runtime()?.block_on(async {
        let cfg = configuration(g, false).await?;
        // helm's actions check the cluster first (`IsReachable`).
        cfg.kube.is_reachable().await?;
        let mut rel = status::status(&cfg.storage, name, a.revision).await?;
        if a.wait {
            // The resources of the stored manifest, waited on as `install --wait` does;
            // running out of time is helm's `context deadline exceeded`.
            let resources = cfg.kube.build(&rel.manifest).await?;
            let opts = WaitOptions {
                timeout,
                check_jobs: a.wait_for_jobs,
                paused_as_ready: true,
            };
            let progress = super::deploy::progress();
            cfg.kube
                .wait_with_progress(&resources, &opts, |s| progress(s))
                .await?;
        }
        if a.show_resources {
            // Server-side tables for the table format, full objects for JSON and YAML.
            let as_table = format == OutputFormat::Table;
            let res = status::fetch_resources(&cfg.kube, &rel, as_table).await?;
            rel.info.get_or_insert_with(Default::default).resources = res;
        }
        // helm status leaves the chart out of what it prints.
        rel.chart = None;
        let opts = StatusOptions {
            show_description: a.show_desc,
            show_resources: a.show_resources,
            ..StatusOptions::default()
        };
        anyhow::Ok(super::get::warn_then(status::print_release(
            &rel, format, &opts,
        )?))
    })?;
    print_out(&out)?;
    Ok(ExitCode::SUCCESS)
}
