//! One module per command; `run` dispatches.

use std::process::ExitCode;

use crate::cli::{Cli, Command};

pub(crate) mod cluster;
pub(crate) mod completion;
mod create;
pub(crate) mod dependency;
mod deploy;
pub(crate) mod env;
mod get;
mod history;
pub(crate) mod install;
pub(crate) mod lint;
mod list;
pub(crate) mod package;
pub(crate) mod plugin;
pub(crate) mod pull;
pub(crate) mod push;
pub(crate) mod registry;
pub(crate) mod release_testing;
pub(crate) mod repo;
pub(crate) mod rollback;
pub(crate) mod search;
pub(crate) mod search_hub;
mod show;
mod status;
pub(crate) mod template;
pub(crate) mod uninstall;
pub(crate) mod upgrade;
pub(crate) mod verify;
mod version;

/// Runs the parsed command line.
pub fn run(mut cli: Cli) -> anyhow::Result<ExitCode> {
    // An explicit --debug[=value] wins over HELM_DEBUG (which only sets the default).
    let debug_flag_given = std::env::args().any(|a| a == "--debug" || a.starts_with("--debug="));
    if !cli.global.debug && !debug_flag_given {
        cli.global.debug = std::env::var("HELM_DEBUG")
            .ok()
            .and_then(|v| go_parse_bool(&v))
            .unwrap_or(false);
    }
    plugin::share_env(&cli.global);
    let Some(command) = cli.command else {
        crate::cobra::print_help(&[]);
        return Ok(ExitCode::SUCCESS);
    };
    // Commands that render the chart they load: its templates are parsed while the
    // rest of it loads (gotmpl's early parsing).
    if matches!(
        command,
        Command::Template(_) | Command::Install(_) | Command::Upgrade(_)
    ) {
        chart_core::gotmpl::early::enable();
    }
    match command {
        Command::Help(a) => Ok(crate::cobra::help_command(&a.args)),
        Command::Template(a) => template::run(&cli.global, &a),
        Command::Version(a) => version::run(&a),
        Command::Lint(a) => lint::run(&cli.global, &a),
        Command::Show(a) => show::run(&cli.global, &a),
        Command::Create(a) => create::run(&a),
        Command::History(a) => history::run(&cli.global, &a),
        Command::Status(a) => status::run(&cli.global, &a),
        Command::List(a) => list::run(&cli.global, &a),
        Command::Get(a) => get::run(&cli.global, &a),
        Command::Install(a) => install::run(&cli.global, &a),
        Command::Upgrade(a) => upgrade::run(&cli.global, &a),
        Command::Rollback(a) => rollback::run(&cli.global, &a),
        Command::Uninstall(a) => uninstall::run(&cli.global, &a),
        Command::Test(a) => release_testing::run(&cli.global, &a),
        Command::Package(a) => package::run(&cli.global, &a),
        Command::Repo(a) => repo::run(&cli.global, &a),
        Command::Search(a) => search::run(&cli.global, &a),
        Command::Pull(a) => pull::run(&cli.global, &a),
        Command::Push(a) => push::run(&cli.global, &a),
        Command::Registry(a) => registry::run(&cli.global, &a),
        Command::Dependency(a) => dependency::run(&cli.global, &a),
        Command::Verify(a) => verify::run(&a),
        Command::Env(a) => env::run(&cli.global, &a),
        Command::Plugin(a) => plugin::run(&cli.global, &a),
        Command::Completion(a) => completion::run(&a),
    }
}

/// Go's `strconv.ParseBool`: helm reads `HELM_DEBUG` with it and ignores values it rejects.
use crate::cobra::go_parse_bool;

/// Writes a command's output to stdout; a closed pipe (`| head`) is not an error.
pub(crate) fn print_out(s: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(s.as_bytes()).and_then(|()| stdout.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(()),
    }
}

/// Helm's `-o/--output` value, or the error cobra prints for a bad one.
pub(crate) fn output_format(s: &str) -> anyhow::Result<chart_core::action::output::OutputFormat> {
    chart_core::action::output::OutputFormat::parse(s)
        .map_err(|e| anyhow::anyhow!("invalid argument {s:?} for \"-o, --output\" flag: {e}"))
}

/// Helm's `require.ExactArgs(1)` for `chart CMD RELEASE_NAME`.
pub(crate) fn one_release<'a>(cmd: &str, args: &'a [String]) -> anyhow::Result<&'a str> {
    match args {
        [name] => Ok(name),
        _ => anyhow::bail!(
            "\"chart {cmd}\" requires 1 argument\n\nUsage:  chart {cmd} RELEASE_NAME [flags]"
        ),
    }
}
