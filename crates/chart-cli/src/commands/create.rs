//! `chart create NAME`: scaffold a new chart as `helm create` does, from our own starter.

use std::process::ExitCode;

use anyhow::bail;
use chart_core::chart::create;

use crate::cli::CreateArgs;

pub fn run(a: &CreateArgs) -> anyhow::Result<ExitCode> {
    let [name] = a.args.as_slice() else {
        bail!("\"chart create\" requires 1 argument\n\nUsage:  chart create NAME [flags]");
    };
    println!("Creating {name}");
    if a.starter.is_some() {
        bail!("--starter: starter scaffolds are not supported");
    }
    let created = create::create(name)?;
    for w in &created.warnings {
        println!("{w}");
    }
    Ok(ExitCode::SUCCESS)
}
