//! `chart list`: the releases of a namespace (or of all), as `helm list`.

use std::process::ExitCode;

use anyhow::bail;
use chart_core::action::list::{self, ListOptions, ListPrint};

use super::cluster::{configuration, runtime};
use super::{output_format, print_out};
use crate::cli::{GlobalArgs, ListArgs};

pub fn run(g: &GlobalArgs, a: &ListArgs) -> anyhow::Result<ExitCode> {
    if !a.args.is_empty() {
        bail!("\"chart list\" accepts no arguments\n\nUsage:  chart list [flags]");
    }
    let format = output_format(&a.output)?;
    let opts = ListOptions {
        all: a.all,
        deployed: a.deployed,
        failed: a.failed,
        pending: a.pending,
        superseded: a.superseded,
        uninstalled: a.uninstalled,
        uninstalling: a.uninstalling,
        filter: a.filter.clone(),
        selector: a.selector.clone(),
        by_date: a.date,
        reverse: a.reverse,
        limit: a.max,
        offset: a.offset,
    };
    let print = ListPrint {
        time_format: a.time_format.clone(),
        no_headers: a.no_headers,
        short: a.short,
    };
    let out = runtime()?.block_on(async {
        let cfg = configuration(g, a.all_namespaces).await?;
        let rels = list::list(&cfg.storage, &opts).await?;
        anyhow::Ok(list::write_list(&rels, format, &print)?)
    })?;
    print_out(&out)?;
    Ok(ExitCode::SUCCESS)
}
