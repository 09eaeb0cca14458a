//! `chart status RELEASE_NAME`: one revision of a release, as `helm status`.

use std::process::ExitCode;

use chart_core::action::output::OutputFormat;
use chart_core::action::status::{self, StatusOptions};

use super::cluster::{configuration, runtime};
use super::{one_release, output_format, print_out};
use crate::cli::{GlobalArgs, StatusArgs};

pub fn run(g: &GlobalArgs, a: &StatusArgs) -> anyhow::Result<ExitCode> {
    let name = one_release("status", &a.args)?;
    let format = output_format(&a.output)?;
    let out = runtime()?.block_on(async {
        let cfg = configuration(g, false).await?;
        // helm's actions check the cluster first (`IsReachable`).
        cfg.kube.is_reachable().await?;
        let mut rel = status::status(&cfg.storage, name, a.revision).await?;
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
