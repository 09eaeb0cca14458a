//! `chart get all|values|manifest|hooks|notes|metadata RELEASE_NAME`, as `helm get`.

use std::process::ExitCode;

use chart_core::action::get;
use chart_core::release::Release;

use super::cluster::{configuration, runtime};
use super::{one_release, output_format, print_out};
use crate::cli::{GetArgs, GetCommand, GlobalArgs};

pub fn run(g: &GlobalArgs, a: &GetArgs) -> anyhow::Result<ExitCode> {
    let Some(what) = &a.what else {
        crate::cobra::print_help(&["get"]);
        return Ok(ExitCode::SUCCESS);
    };
    let (cmd, common) = match what {
        GetCommand::All(x) => ("get all", &x.common),
        GetCommand::Values(x) => ("get values", &x.common),
        GetCommand::Manifest(x) => ("get manifest", x),
        GetCommand::Hooks(x) => ("get hooks", x),
        GetCommand::Notes(x) => ("get notes", x),
        GetCommand::Metadata(x) => ("get metadata", &x.common),
    };
    let name = one_release(cmd, &common.args)?;
    let format = match what {
        GetCommand::Values(x) => Some(output_format(&x.output)?),
        GetCommand::Metadata(x) => Some(output_format(&x.output)?),
        _ => None,
    };
    let rel: Release = runtime()?.block_on(async {
        let cfg = configuration(g, false).await?;
        // helm's actions check the cluster first (`IsReachable`).
        cfg.kube.is_reachable().await?;
        anyhow::Ok(get::release_content(&cfg.storage, name, common.revision).await?)
    })?;
    let format = format.unwrap_or_default();
    let out = match what {
        GetCommand::All(x) if !x.template.is_empty() => {
            // Go's template writes as it goes: text before a failing action is printed.
            let mut out = String::new();
            let res = get::write_template(&rel, &x.template, &mut out);
            print_out(&out)?;
            res?;
            return Ok(ExitCode::SUCCESS);
        }
        GetCommand::All(_) => warn_then(get::write_all(&rel)?),
        GetCommand::Values(x) => warn_then(get::write_values(&rel, x.all, format)?),
        GetCommand::Manifest(_) => get::write_manifest(&rel),
        GetCommand::Hooks(_) => get::write_hooks(&rel),
        GetCommand::Notes(_) => get::write_notes(&rel),
        GetCommand::Metadata(_) => get::write_metadata(&rel, format)?,
    };
    print_out(&out)?;
    Ok(ExitCode::SUCCESS)
}

/// Prints the warnings of a printer on stderr (helm logs them while it prints) and
/// returns its output.
pub(crate) fn warn_then(p: chart_core::action::status::Printed) -> String {
    eprint!("{}", p.warnings_text());
    p.out
}
