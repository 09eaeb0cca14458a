//! `chart show all|chart|values|readme|crds CHART`: print a chart's parts as `helm show`.

use std::io::Write;
use std::process::ExitCode;

use anyhow::{anyhow, bail};
use chart_core::action::show::{self, ShowFormat, ShowOptions};

use crate::cli::{ShowArgs, ShowChartArgs, ShowCommand};

pub fn run(a: &ShowArgs) -> anyhow::Result<ExitCode> {
    let (name, format, common, jsonpath) = match &a.what {
        ShowCommand::All(c) => ("all", ShowFormat::All, c, None),
        ShowCommand::Chart(c) => ("chart", ShowFormat::Chart, c, None),
        ShowCommand::Crds(c) => ("crds", ShowFormat::Crds, c, None),
        ShowCommand::Readme(c) => ("readme", ShowFormat::Readme, c, None),
        ShowCommand::Values(v) => ("values", ShowFormat::Values, &v.common, v.jsonpath.clone()),
    };
    let chart = one_chart(name, common)?;
    if common.repo.is_some() {
        bail!("--repo: downloading charts from repositories is not supported");
    }
    if common.verify {
        // helm's LocateChart: a local archive is checked against its .prov (silently).
        let keyring = common
            .keyring
            .clone()
            .unwrap_or_else(crate::commands::dependency::default_keyring);
        let abs = chart_core::chart::filepath::absolute_clean(std::path::Path::new(chart));
        if std::fs::metadata(&abs).is_ok() {
            chart_core::repo::provenance::verify_chart(&abs, std::path::Path::new(&keyring))
                .map_err(|e| anyhow!("{e}"))?;
        }
    }
    // --version and --devel only select among repository versions; a local chart ignores them.
    let opts = ShowOptions { jsonpath };
    let out = show::show(chart, format, &opts).map_err(|e| anyhow!("{e}"))?;
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
