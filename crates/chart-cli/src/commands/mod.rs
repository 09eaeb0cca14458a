//! One module per command; `run` dispatches.

use std::process::ExitCode;

use crate::cli::{Cli, Command};

pub(crate) mod cluster;
mod create;
pub(crate) mod dependency;
pub(crate) mod lint;
pub(crate) mod package;
pub(crate) mod pull;
pub(crate) mod repo;
pub(crate) mod search;
mod show;
mod template;
mod version;

/// Runs the parsed command line.
pub fn run(mut cli: Cli) -> anyhow::Result<ExitCode> {
    if !cli.global.debug {
        cli.global.debug = std::env::var("HELM_DEBUG")
            .ok()
            .and_then(|v| go_parse_bool(&v))
            .unwrap_or(false);
    }
    match cli.command {
        Command::Template(a) => template::run(&cli.global, &a),
        Command::Version(a) => version::run(&a),
        Command::Lint(a) => lint::run(&cli.global, &a),
        Command::Show(a) => show::run(&a),
        Command::Create(a) => create::run(&a),
        Command::Package(a) => package::run(&a),
        Command::Repo(a) => repo::run(&cli.global, &a),
        Command::Search(a) => search::run(&cli.global, &a),
        Command::Pull(a) => pull::run(&cli.global, &a),
        Command::Dependency(a) => dependency::run(&a),
    }
}

/// Go's `strconv.ParseBool`: helm reads `HELM_DEBUG` with it and ignores values it rejects.
fn go_parse_bool(s: &str) -> Option<bool> {
    match s {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}
