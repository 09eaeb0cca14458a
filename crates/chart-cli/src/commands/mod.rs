//! One module per command; `run` dispatches.

use std::process::ExitCode;

use crate::cli::{Cli, Command};

mod create;
mod show;
mod template;
mod version;

/// Runs the parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Template(a) => template::run(&cli.global, &a),
        Command::Version(a) => version::run(&a),
        Command::Show(a) => show::run(&a),
        Command::Create(a) => create::run(&a),
    }
}
