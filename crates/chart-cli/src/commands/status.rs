//! `chart status RELEASE_NAME`: one revision of a release, as `helm status`.

use std::process::ExitCode;

use anyhow::bail;
use chart_core::action::status::{self, StatusOptions};

use super::cluster::{configuration, runtime};
use super::{one_release, output_format, print_out};
use crate::cli::{GlobalArgs, StatusArgs};

pub fn run(g: &GlobalArgs, a: &StatusArgs) -> anyhow::Result<ExitCode> {
    let name = one_release("status", &a.args)?;
    let format = output_format(&a.output)?;
    if a.show_resources {
        // Helm asks the API server for each resource as a Table (or as the full object for
        // JSON and YAML) and prints them with kubectl's printer; not implemented yet.
        bail!("--show-resources is not supported yet");
    }
    let out = runtime()?.block_on(async {
        let cfg = configuration(g, false).await?;
        let mut rel = status::status(&cfg.storage, name, a.revision).await?;
        // helm status leaves the chart out of what it prints.
        rel.chart = None;
        let opts = StatusOptions {
            show_description: a.show_desc,
            ..StatusOptions::default()
        };
        anyhow::Ok(status::print_release(&rel, format, &opts)?)
    })?;
    print_out(&out)?;
    Ok(ExitCode::SUCCESS)
}
