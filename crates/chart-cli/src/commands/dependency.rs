//! `chart dependency list|update|build CHART`: a chart's declared dependencies and their
//! state in `charts/`, as `helm dependency list` prints them; `update` and `build` fill
//! `charts/` from repositories and `Chart.lock` as helm does.

use std::process::ExitCode;

use anyhow::{anyhow, bail};
use clap::{Args, Subcommand};

use crate::cli::GlobalArgs;

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
    /// update charts/ based on the contents of Chart.yaml
    #[command(alias = "up")]
    Update(DependencyUpdateArgs),
    /// rebuild the charts/ directory based on the Chart.lock file
    Build(DependencyUpdateArgs),
}

/// Flags of `chart dependency update|build` (helm's `addDependencySubcommandFlags`).
#[derive(Args, Debug, Clone)]
pub struct DependencyUpdateArgs {
    /// the chart (default `.`)
    #[arg(num_args = 0..)]
    pub args: Vec<String>,
    /// verify the packages against signatures
    #[arg(long)]
    pub verify: bool,
    /// keyring containing public keys
    #[arg(long)]
    pub keyring: Option<String>,
    /// do not refresh the local repository cache
    #[arg(long = "skip-refresh")]
    pub skip_refresh: bool,
    /// credentials and TLS
    #[command(flatten)]
    pub client: crate::cli::RegistryClientFlags,
}

/// Helm's `defaultKeyring`: `$GNUPGHOME/pubring.gpg`, else `~/.gnupg/pubring.gpg`.
pub fn default_keyring() -> String {
    if let Some(v) = std::env::var_os("GNUPGHOME") {
        return format!("{}/pubring.gpg", v.to_string_lossy());
    }
    let home = std::env::var("HOME").unwrap_or_default();
    format!("{home}/.gnupg/pubring.gpg")
}

/// The keyring a `--verify` flag checks charts against: `--keyring`, else helm's default;
/// `None` when `--verify` is not given.
pub fn verify_keyring(verify: bool, keyring: &Option<String>) -> Option<String> {
    verify.then(|| keyring.clone().unwrap_or_else(default_keyring))
}

/// The archive mtime of charts `chart` packages: `SOURCE_DATE_EPOCH` when set, else 0.
pub fn archive_mtime() -> u64 {
    std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(0)
}

/// Helm's `filepath.Clean` of the chart argument (`.` when absent).
fn chart_arg(cmd: &str, args: &[String]) -> anyhow::Result<String> {
    match args {
        [] => Ok(".".to_string()),
        [c] => Ok(chart_core::repo::dependency::go_join("", c)),
        _ => bail!(
            "\"chart dependency {cmd}\" accepts at most 1 argument\n\nUsage:  chart dependency {cmd} CHART [flags]"
        ),
    }
}

fn update_or_build(
    g: &GlobalArgs,
    a: &DependencyUpdateArgs,
    build: bool,
) -> anyhow::Result<ExitCode> {
    use chart_core::repo::manager::{DependencyError, Manager, VerifyMode};
    let chart = chart_arg(if build { "build" } else { "update" }, &a.args)?;
    let mut stdout = std::io::stdout();
    let mut m = Manager {
        out: &mut stdout,
        log: &mut std::io::stderr(),
        chart_path: chart,
        verify: match (a.verify, build) {
            (false, _) => VerifyMode::Never,
            (true, true) => VerifyMode::IfPossible,
            (true, false) => VerifyMode::Always,
        },
        keyring: a.keyring.clone().unwrap_or_else(default_keyring).into(),
        skip_update: a.skip_refresh,
        debug: g.debug,
        settings: crate::commands::repo::settings(g),
        mtime: archive_mtime(),
        registry: a.client.client_options(g),
    };
    let res = if build { m.build() } else { m.update() };
    match res {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(e @ DependencyError::RepoNotFound(_)) if build => Err(anyhow!(
            "{e}. Please add the missing repos via 'helm repo add'"
        )),
        Err(e) => Err(anyhow!("{e}")),
    }
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

pub fn run(g: &GlobalArgs, a: &DependencyArgs) -> anyhow::Result<ExitCode> {
    let Some(what) = &a.what else {
        crate::cobra::print_help(&["dependency"]);
        return Ok(ExitCode::SUCCESS);
    };
    let a = match what {
        DependencyCommand::List(l) => l,
        DependencyCommand::Update(u) => return update_or_build(g, u, false),
        DependencyCommand::Build(u) => return update_or_build(g, u, true),
    };
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
