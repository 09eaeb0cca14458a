//! `chart get all|values|manifest|hooks|notes|metadata RELEASE_NAME`, as `helm get`.

use std::process::ExitCode;

use anyhow::bail;
use chart_core::action::get;
use chart_core::release::Release;

use super::cluster::{configuration, runtime};
use super::{one_release, output_format, print_out};
use crate::cli::{GetArgs, GetCommand, GlobalArgs};

pub fn run(g: &GlobalArgs, a: &GetArgs) -> anyhow::Result<ExitCode> {
    let (cmd, common) = match &a.what {
        GetCommand::All(x) => ("get all", &x.common),
        GetCommand::Values(x) => ("get values", &x.common),
        GetCommand::Manifest(x) => ("get manifest", x),
        GetCommand::Hooks(x) => ("get hooks", x),
        GetCommand::Notes(x) => ("get notes", x),
        GetCommand::Metadata(x) => ("get metadata", &x.common),
    };
    let name = one_release(cmd, &common.args)?;
    let format = match &a.what {
        GetCommand::Values(x) => Some(output_format(&x.output)?),
        GetCommand::Metadata(x) => Some(output_format(&x.output)?),
        _ => None,
    };
    if let GetCommand::All(x) = &a.what {
        if !x.template.is_empty() {
            bail!("--template is not supported yet");
        }
    }
    let rel: Release = runtime()?.block_on(async {
        let cfg = configuration(g, false).await?;
        anyhow::Ok(get::release_content(&cfg.storage, name, common.revision).await?)
    })?;
    let format = format.unwrap_or_default();
    let out = match &a.what {
        GetCommand::All(_) => get::write_all(&rel)?,
        GetCommand::Values(x) => get::write_values(&rel, x.all, format)?,
        GetCommand::Manifest(_) => get::write_manifest(&rel),
        GetCommand::Hooks(_) => get::write_hooks(&rel),
        GetCommand::Notes(_) => get::write_notes(&rel),
        GetCommand::Metadata(_) => get::write_metadata(&rel, format)?,
    };
    print_out(&out)?;
    Ok(ExitCode::SUCCESS)
}
