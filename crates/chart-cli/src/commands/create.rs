//! `chart create NAME`: scaffold a new chart.

use std::process::ExitCode;

use crate::cli::CreateArgs;

pub fn run(_a: &CreateArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("not implemented yet")
}
