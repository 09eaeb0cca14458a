//! `chart test RELEASE`: run a release's tests, as `helm test`.

use std::process::ExitCode;

use chart_core::action::output::OutputFormat;
use chart_core::action::release_testing::{pod_logs, run_tests, TestOptions};
use chart_core::action::status::{print_release, StatusOptions};
use clap::Args;

use super::cluster::{configuration, runtime};
use super::deploy::common;
use super::print_out;
use crate::cli::GlobalArgs;

/// `chart test`.
#[derive(Args, Debug, Clone)]
pub struct TestArgs {
    /// the release name
    #[arg(num_args = 0..)]
    pub args: Vec<String>,
    /// time to wait for any individual Kubernetes operation (like Jobs for hooks)
    #[arg(long, default_value = "5m0s", value_name = "duration", value_parser = crate::cobra::GoDuration)]
    pub timeout: String,
    /// dump the logs from test pods (this runs after all tests are complete, but before any cleanup)
    #[arg(long)]
    pub logs: bool,
    /// specify tests by attribute (currently "name") using attribute=value syntax or '!attribute=value' to exclude a test (can specify multiple or separate values with commas: name=test1,name=test2)
    #[arg(long, value_delimiter = ',', value_name = "strings")]
    pub filter: Vec<String>,
    /// if set, do not show notes in test output
    #[arg(long = "hide-notes")]
    pub hide_notes: bool,
}

pub fn run(g: &GlobalArgs, a: &TestArgs) -> anyhow::Result<ExitCode> {
    // helm's `test` is used as `test [RELEASE]` (its usage line says so).
    let [name] = a.args.as_slice() else {
        anyhow::bail!("\"chart test\" requires 1 argument\n\nUsage:  chart test [RELEASE] [flags]");
    };
    let mut opts = TestOptions {
        common: common(g, false, false, &a.timeout, false)?,
        ..TestOptions::default()
    };
    for f in a.filter.iter().flat_map(|f| f.split(',')) {
        if let Some(n) = f.strip_prefix("!name=") {
            opts.exclude.push(n.to_owned());
        } else if let Some(n) = f.strip_prefix("name=") {
            opts.include.push(n.to_owned());
        }
    }
    runtime()?.block_on(async {
        let cfg = configuration(g, false).await?;
        let (rel, err) = match run_tests(&cfg, name, &opts).await {
            Ok(r) => (r, None),
            Err((Some(r), e)) => (r, Some(e)),
            Err((None, e)) => return Err(e.into()),
        };
        let sopts = StatusOptions {
            debug: g.debug,
            hide_notes: a.hide_notes,
            ..StatusOptions::default()
        };
        let mut out = print_release(&rel, OutputFormat::Table, &sopts)?.out;
        if a.logs {
            out.push('\n');
            print_out(&out)?;
            out = pod_logs(&cfg, &rel, &opts).await?;
        }
        print_out(&out)?;
        match err {
            Some(e) => Err(e.into()),
            None => anyhow::Ok(()),
        }
    })?;
    Ok(ExitCode::SUCCESS)
}
