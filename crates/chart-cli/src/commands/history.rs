//! `chart history RELEASE_NAME`: the revisions of a release, as `helm history`.

use std::process::ExitCode;

use chart_core::action::history;

use super::cluster::{configuration, runtime};
use super::{one_release, output_format, print_out};
use crate::cli::{GlobalArgs, HistoryArgs};

pub fn run(g: &GlobalArgs, a: &HistoryArgs) -> anyhow::Result<ExitCode> {
    let name = one_release("history", &a.args)?;
    let format = output_format(&a.output)?;
    let out = runtime()?.block_on(async {
        let cfg = configuration(g, false).await?;
        let entries = history::history(&cfg.storage, name, a.max).await?;
        anyhow::Ok(history::write_history(&entries, format)?)
    })?;
    print_out(&out)?;
    Ok(ExitCode::SUCCESS)
}
