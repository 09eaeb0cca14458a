//! `chart version`: which Helm this is compatible with.

use std::process::ExitCode;

use chart_core::engine::objects::{HELM_GIT_COMMIT, HELM_GO_VERSION, HELM_VERSION};

use crate::cli::VersionArgs;

pub fn run(a: &VersionArgs) -> anyhow::Result<ExitCode> {
    if a.short {
        println!("{HELM_VERSION}+g{}", &HELM_GIT_COMMIT[..7]);
    } else {
        println!(
            "version.BuildInfo{{Version:\"{HELM_VERSION}\", GitCommit:\"{HELM_GIT_COMMIT}\", GitTreeState:\"clean\", GoVersion:\"{HELM_GO_VERSION}\"}}"
        );
    }
    Ok(ExitCode::SUCCESS)
}
