//! `chart dependency list CHART`: a chart's declared dependencies and their state in
//! `charts/`, as `helm dependency list` prints them.

use std::process::ExitCode;

use anyhow::{anyhow, bail};
use clap::{Args, Subcommand};

/// `chart dependency`.
#[derive(Args, Debug, Clone)]
pub struct DependencyArgs {
    /// What to do.
    #[command(subcommand)]
    pub what: Option<DependencyCommand>,
}

/// `chart dependency` subcommands.
#[derive(Subcommand, Debug, Clone)]
pub enum DependencyCommand {
    /// list the dependencies for the given chart
    #[command(alias = "ls")]
    List(DependencyListArgs),
}

/// `chart dependency list [CHART]`.
#[derive(Args, Debug, Clone)]
pub struct DependencyListArgs {
    /// the chart (default `.`)
    #[arg(num_args = 0..)]
    pub args: Vec<String>,
    /// maximum column width for output table
    #[arg(long = "max-col-width", default_value_t = 80, value_name = "uint")]
    pub max_col_width: usize,
}

pub fn run(a: &DependencyArgs) -> anyhow::Result<ExitCode> {
    let Some(what) = &a.what else {
        crate::cobra::print_help(&["dependency"]);
        return Ok(ExitCode::SUCCESS);
    };
    let DependencyCommand::List(a) = what;
    let chart = match a.args.as_slice() {
        [] => ".".to_string(),
        [c] => c.clone(),
        _ => bail!(
            "\"chart dependency list\" accepts at most 1 argument\n\nUsage:  chart dependency list CHART [flags]"
        ),
    };
    let l = chart_core::repo::dependency::list(&chart).map_err(|e| anyhow!("{}", chain(&e)))?;
    if l.none {
        for w in &l.warnings {
            println!("{w}");
        }
        return Ok(ExitCode::SUCCESS);
    }
    let mut rows = vec![vec![
        "NAME".to_string(),
        "VERSION".into(),
        "REPOSITORY".into(),
        "STATUS".into(),
    ]];
    for r in &l.rows {
        rows.push(vec![
            r.name.clone(),
            r.version.clone(),
            r.repository.clone(),
            r.status.clone(),
        ]);
    }
    print!(
        "{}",
        crate::commands::search::table_width(&rows, a.max_col_width)
    );
    println!();
    for w in &l.warnings {
        println!("{w}");
    }
    Ok(ExitCode::SUCCESS)
}

/// An error and its causes joined by `: ` (Go's wrapped-error text).
pub fn chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut src = e.source();
    while let Some(x) = src {
        let t = x.to_string();
        if !s.ends_with(&t) {
            s = format!("{s}: {t}");
        }
        src = x.source();
    }
    s
}
