//! `chart show all|chart|values|readme|crds CHART`: print a chart's parts as `helm show`.

use std::io::Write;
use std::process::ExitCode;

use anyhow::{anyhow, bail};
use chart_core::action::show::{self, ShowFormat, ShowOptions};

use crate::cli::{ShowArgs, ShowChartArgs, ShowCommand};

pub fn run(g: &crate::cli::GlobalArgs, a: &ShowArgs) -> anyhow::Result<ExitCode> {
    let Some(what) = &a.what else {
        crate::cobra::print_help(&["show"]);
        return Ok(ExitCode::SUCCESS);
    };
    let (name, format, common, jsonpath) = match what {
        ShowCommand::All(c) => ("all", ShowFormat::All, c, None),
        ShowCommand::Chart(c) => ("chart", ShowFormat::Chart, c, None),
        ShowCommand::Crds(c) => ("crds", ShowFormat::Crds, c, None),
        ShowCommand::Readme(c) => ("readme", ShowFormat::Readme, c, None),
        ShowCommand::Values(v) => ("values", ShowFormat::Values, &v.common, v.jsonpath.clone()),
    };
    let chart = one_chart(name, common)?;
    let version = common.version.clone().unwrap_or_default();
    crate::commands::template::debug_line(
        g,
        "show.go:214",
        &format!("Original chart version: {version:?}"),
    );
    // helm's LocateChart: with --verify the archive is checked against its .prov.
    let cp = &common.chart_path;
    // --version and --devel only select among repository versions; a local chart ignores them.
    let chart = crate::commands::pull::locate_verified(
        g,
        chart,
        &cp.options(
            &version,
            common.devel,
            common.repo.as_deref().unwrap_or_default(),
        ),
        cp.verify_keyring().as_deref(),
    )?;
    let opts = ShowOptions { jsonpath };
    let out = show::show(&chart, format, &opts).map_err(|e| anyhow!("{e}"))?;
    let mut stdout = std::io::stdout().lock();
    if let Err(e) = stdout
        .write_all(out.as_bytes())
        .and_then(|()| stdout.flush())
    {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            return Err(e.into());
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn one_chart<'a>(name: &str, c: &'a ShowChartArgs) -> anyhow::Result<&'a str> {
    match c.args.as_slice() {
        [chart] => Ok(chart),
        _ => bail!(
            "\"chart show {name}\" requires 1 argument\n\nUsage:  chart show {name} [CHART] [flags]"
        ),
    }
}
