//! `chart verify CHART.tgz`: check a chart archive against its `.prov` file and a
//! keyring, printing what `helm verify` prints.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{anyhow, bail};
use clap::Args;

/// `chart verify PATH`.
#[derive(Args, Debug, Clone)]
pub struct VerifyArgs {
    /// the chart archive
    #[arg(num_args = 0..)]
    pub args: Vec<String>,
    /// keyring containing public keys
    #[arg(long)]
    pub keyring: Option<String>,
}

pub fn run(a: &VerifyArgs) -> anyhow::Result<ExitCode> {
    let [path] = a.args.as_slice() else {
        bail!("\"chart verify\" requires 1 argument\n\nUsage:  chart verify PATH [flags]");
    };
    let keyring = a
        .keyring
        .clone()
        .unwrap_or_else(crate::commands::dependency::default_keyring);
    let v = chart_core::repo::provenance::verify_chart(Path::new(path), Path::new(&keyring))
        .map_err(|e| anyhow!("{e}"))?;
    crate::commands::print_out(&v.report())?;
    Ok(ExitCode::SUCCESS)
}
