//! `chart plugin install|list|uninstall|update` and running an installed plugin as a
//! command (helm's `cmd/helm/plugin*.go` and `load_plugins.go`).

use std::path::Path;
use std::process::ExitCode;
use std::sync::OnceLock;

use anyhow::bail;
use chart_core::plugin::{self, installer::Installer, Plugin};
use clap::{Args, Subcommand};

use crate::cli::GlobalArgs;

/// `chart plugin`.
#[derive(Args, Debug, Clone)]
pub struct PluginArgs {
    /// What to do.
    #[command(subcommand)]
    pub what: Option<PluginCommand>,
}

/// `chart plugin` subcommands.
#[derive(Subcommand, Debug, Clone)]
pub enum PluginCommand {
    /// install a Helm plugin
    #[command(
        alias = "add",
        long_about = "This command allows you to install a plugin from a url to a VCS repo or a local path."
    )]
    Install(PluginInstallArgs),
    /// list installed Helm plugins
    #[command(alias = "ls")]
    List(PluginNamesArgs),
    /// uninstall one or more Helm plugins
    #[command(aliases = ["rm", "remove"])]
    Uninstall(PluginNamesArgs),
    /// update one or more Helm plugins
    #[command(alias = "up")]
    Update(PluginNamesArgs),
}

/// `chart plugin install PATH|URL`.
#[derive(Args, Debug, Clone)]
pub struct PluginInstallArgs {
    /// the plugin's path or URL
    #[arg(num_args = 0..)]
    pub args: Vec<String>,
    /// specify a version constraint. If this is not specified, the latest version is installed
    #[arg(long, default_value = "")]
    pub version: String,
}

/// Plugin names.
#[derive(Args, Debug, Clone)]
pub struct PluginNamesArgs {
    /// plugin names
    #[arg(num_args = 0.., hide = true)]
    pub args: Vec<String>,
}

/// The plugins of the plugins directory, loaded once per process as helm's root command
/// loads them (nothing when `HELM_NO_PLUGINS=1`); a load error is printed as helm prints it
/// and leaves no plugin commands.
pub fn loaded() -> &'static [Plugin] {
    static LOADED: OnceLock<Vec<Plugin>> = OnceLock::new();
    LOADED.get_or_init(|| {
        if std::env::var("HELM_NO_PLUGINS").as_deref() == Ok("1") {
            return Vec::new();
        }
        match plugin::find_plugins(&plugin::plugins_directory()) {
            Ok(p) => p,
            Err(e) => {
                eprintln!("failed to load plugins: {e}");
                Vec::new()
            }
        }
    })
}

/// helm's `--debug` notes of plugin completion loading: while helm registers plugin
/// commands, each plugin registered while the command line still resolves to the root
/// command (or to a `completion` command) has its `completion.yaml` looked for, and a
/// missing one is logged. `upto`: the number of plugins registered before the command
/// line resolved elsewhere (all of them for the root or `completion`).
pub fn log_completion_notes(args: &[String], upto: usize) {
    let env_debug = std::env::var("HELM_DEBUG")
        .ok()
        .and_then(|v| crate::cobra::go_parse_bool(&v))
        .unwrap_or(false);
    if upto == 0 || !(env_debug || args.iter().any(|a| a.starts_with("--debug"))) {
        return;
    }
    let mut g = match default_globals() {
        Ok(g) => g,
        Err(_) => return,
    };
    g.debug = std::env::var("HELM_DEBUG")
        .ok()
        .and_then(|v| crate::cobra::go_parse_bool(&v))
        .unwrap_or(false);
    parse_globals(&mut g, args);
    if !g.debug {
        return;
    }
    for p in loaded().iter().take(upto) {
        let file = format!("{}/completion.yaml", p.dir.display());
        if std::fs::metadata(&file).is_err() {
            eprintln!(
                "load_plugins.go:110: [info] file ({file}) not provided by plugin. No plugin auto-completion possible"
            );
        }
    }
}

/// The plugin named `name`, if one is loaded.
pub fn find_loaded(name: &str) -> Option<&'static Plugin> {
    loaded().iter().find(|p| p.metadata.name == name)
}

/// The one-line help of a plugin command (helm's default for an empty `usage`).
pub fn short_help(p: &Plugin) -> String {
    if p.metadata.usage.is_empty() {
        format!(
            "the {} plugin",
            chart_core::gotmpl::fmt::go_quote(&p.metadata.name)
        )
    } else {
        p.metadata.usage.clone()
    }
}

fn debug(g: &GlobalArgs, site: &str, msg: &str) {
    crate::commands::template::debug_line(g, site, msg);
}

/// The installer's `[debug] FILE:LINE: MSG` lines.
fn installer_debug(g: &GlobalArgs) -> impl Fn(&str, &str) + '_ {
    move |site: &str, msg: &str| {
        if g.debug {
            eprintln!("[debug] {site}: {msg}");
        }
    }
}

/// The variables a plugin process gets: helm's `settings.EnvVars()` (what `chart env`
/// prints) and the plugin's name and directory.
fn plugin_env(g: &GlobalArgs, p: &Plugin) -> Vec<(String, String)> {
    let mut vars: Vec<(String, String)> = crate::commands::env::vars(g)
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
    vars.push(("HELM_PLUGIN_NAME".into(), p.metadata.name.clone()));
    vars.push(("HELM_PLUGIN_DIR".into(), p.dir.display().to_string()));
    vars
}

/// Makes [`chart_core::plugin`]'s downloader plugins see the same variables.
pub fn share_env(g: &GlobalArgs) {
    let g = g.clone();
    plugin::set_plugin_env(Box::new(move || {
        crate::commands::env::vars(&g)
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect()
    }));
}

/// helm's `runHook`: `sh -c HOOK` for `event`, if the plugin has one.
fn run_hook(g: &GlobalArgs, p: &Plugin, event: &str) -> anyhow::Result<()> {
    let Some(hook) = p.metadata.hooks.get(event).filter(|h| !h.is_empty()) else {
        return Ok(());
    };
    debug(
        g,
        "plugin.go:60",
        &format!("running {event} hook: {} -c {hook}", look_path("sh")),
    );
    let status = std::process::Command::new("sh")
        .arg("-c")
        .arg(hook)
        .envs(plugin_env(g, p))
        .status();
    match status {
        Ok(s) if s.success() => Ok(()),
        Ok(_) => bail!(
            "plugin {event} hook for {} exited with error",
            chart_core::gotmpl::fmt::go_quote(&p.metadata.name)
        ),
        Err(e) => bail!("exec: \"sh\": {e}"),
    }
}

/// Go's `exec.LookPath` result for a name without `/` (the name itself when not found).
fn look_path(prog: &str) -> String {
    find_in_path(prog).unwrap_or_else(|| prog.to_string())
}

fn find_in_path(prog: &str) -> Option<String> {
    if prog.contains('/') {
        return Some(prog.to_string());
    }
    let path = std::env::var("PATH").unwrap_or_default();
    for dir in path.split(':') {
        let dir = if dir.is_empty() { "." } else { dir };
        let cand = Path::new(dir).join(prog);
        if is_executable(&cand) {
            return Some(cand.display().to_string());
        }
    }
    None
}

#[cfg(unix)]
fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(p: &Path) -> bool {
    p.is_file()
}

pub fn run(g: &GlobalArgs, a: &PluginArgs) -> anyhow::Result<ExitCode> {
    let Some(what) = &a.what else {
        crate::cobra::print_help(&["plugin"]);
        return Ok(ExitCode::SUCCESS);
    };
    let dir = plugin::plugins_directory();
    match what {
        PluginCommand::Install(i) => {
            let [source] = i.args.as_slice() else {
                bail!(
                    "\"chart plugin install\" requires 1 argument\n\nUsage:  chart plugin install [options] <path|url> [flags]"
                );
            };
            let dbg = installer_debug(g);
            let inst = Installer::for_source(source, &i.version)?;
            inst.install(&dbg)?;
            let path = inst.path();
            debug(
                g,
                "plugin_install.go:82",
                &format!("loading plugin from {}", path.display()),
            );
            let p = plugin::load_dir(&path)
                .map_err(|e| anyhow::anyhow!("plugin is installed but unusable: {e}"))?;
            run_hook(g, &p, "install")?;
            super::print_out(&format!("Installed plugin: {}\n", p.metadata.name))?;
        }
        PluginCommand::List(_) => {
            debug(g, "plugin_list.go:35", &format!("pluginDirs: {dir}"));
            let plugins = plugin::find_plugins(&dir)?;
            let mut t = chart_core::action::output::Table::new();
            t.add_row(["NAME", "VERSION", "DESCRIPTION"]);
            for p in &plugins {
                t.add_row([
                    p.metadata.name.as_str(),
                    p.metadata.version.as_str(),
                    p.metadata.description.as_str(),
                ]);
            }
            super::print_out(&t.render())?;
        }
        PluginCommand::Uninstall(n) => {
            if n.args.is_empty() {
                bail!("please provide plugin name to uninstall");
            }
            debug(
                g,
                "plugin_uninstall.go:63",
                &format!("loading installed plugins from {dir}"),
            );
            let plugins = plugin::find_plugins(&dir)?;
            let mut errors = Vec::new();
            for name in &n.args {
                match plugins.iter().find(|p| &p.metadata.name == name) {
                    Some(p) => match uninstall(g, p) {
                        Ok(()) => super::print_out(&format!("Uninstalled plugin: {name}\n"))?,
                        Err(e) => errors.push(format!(
                            "Failed to uninstall plugin {name}, got error ({e})"
                        )),
                    },
                    None => errors.push(format!("Plugin: {name} not found")),
                }
            }
            if !errors.is_empty() {
                bail!("{}", errors.join("\n"));
            }
        }
        PluginCommand::Update(n) => {
            if n.args.is_empty() {
                bail!("please provide plugin name to update");
            }
            debug(
                g,
                "plugin_update.go:65",
                &format!("loading installed plugins from {dir}"),
            );
            let plugins = plugin::find_plugins(&dir)?;
            let mut errors = Vec::new();
            for name in &n.args {
                match plugins.iter().find(|p| &p.metadata.name == name) {
                    Some(p) => match update(g, p) {
                        Ok(()) => super::print_out(&format!("Updated plugin: {name}\n"))?,
                        Err(e) => {
                            errors.push(format!("Failed to update plugin {name}, got error ({e})"))
                        }
                    },
                    None => errors.push(format!("Plugin: {name} not found")),
                }
            }
            if !errors.is_empty() {
                bail!("{}", errors.join("\n"));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn uninstall(g: &GlobalArgs, p: &Plugin) -> anyhow::Result<()> {
    let meta = std::fs::symlink_metadata(&p.dir);
    let res = match meta {
        Ok(m) if m.is_dir() => std::fs::remove_dir_all(&p.dir),
        Ok(_) => std::fs::remove_file(&p.dir),
        Err(_) => Ok(()),
    };
    if let Err(e) = res {
        bail!(
            "unlinkat {}: {}",
            p.dir.display(),
            chart_core::gotmpl::fmt::go_quote(&e.to_string())
        );
    }
    run_hook(g, p, "delete")
}

fn update(g: &GlobalArgs, p: &Plugin) -> anyhow::Result<()> {
    let exact = std::fs::canonicalize(&p.dir)
        .map_err(|e| anyhow::anyhow!("lstat {}: {e}", p.dir.display()))?;
    let i = plugin::installer::find_source(&exact)?;
    let dbg = installer_debug(g);
    let path = plugin::installer::update(&i, &dbg)?;
    debug(
        g,
        "plugin_update.go:107",
        &format!("loading plugin from {}", path.display()),
    );
    let updated = plugin::load_dir(&path)?;
    run_hook(g, &updated, "update")
}

/// helm's `manuallyProcessArgs`: the global flags helm keeps for itself, and the rest.
fn split_args(args: &[String]) -> (Vec<String>, Vec<String>) {
    const KV: [&str; 14] = [
        "--kube-context",
        "--namespace",
        "-n",
        "--kubeconfig",
        "--kube-apiserver",
        "--kube-token",
        "--kube-as-user",
        "--kube-as-group",
        "--kube-ca-file",
        "--registry-config",
        "--repository-cache",
        "--repository-config",
        "--kube-insecure-skip-tls-verify",
        "--kube-tls-server-name",
    ];
    let mut known = Vec::new();
    let mut unknown = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        if a == "--debug" {
            known.push(a.clone());
        } else if a.is_empty() || KV.contains(&a.as_str()) {
            // (helm's `isKnown("")` is "", so an empty word counts as a known flag too)
            known.push(a.clone());
            i += 1;
            if let Some(v) = args.get(i) {
                known.push(v.clone());
            }
        } else if KV.iter().any(|k| a.starts_with(&format!("{k}="))) {
            known.push(a.clone());
        } else {
            unknown.push(a.clone());
        }
        i += 1;
    }
    (known, unknown)
}

/// pflag's `ParseFlags` of the kept global flags onto `g` (words that are no flags are
/// left alone, as pflag leaves positional arguments).
fn apply_known(g: &mut GlobalArgs, known: &[String]) -> anyhow::Result<()> {
    let mut i = 0;
    while i < known.len() {
        let a = &known[i];
        i += 1;
        if a == "--debug" {
            g.debug = true;
            continue;
        }
        let (flag, inline) = match a.split_once('=') {
            Some((f, v)) => (f.to_string(), Some(v.to_string())),
            None => (a.clone(), None),
        };
        let display = if flag == "-n" || flag == "--namespace" {
            "-n, --namespace".to_string()
        } else {
            flag.clone()
        };
        if flag == "--kube-insecure-skip-tls-verify" {
            let v = inline.unwrap_or_else(|| "true".into());
            match crate::cobra::go_parse_bool(&v) {
                Some(b) => g.kube_insecure_skip_tls_verify = b,
                None => bail!(
                    "invalid argument {v:?} for \"{display}\" flag: strconv.ParseBool: parsing {v:?}: invalid syntax"
                ),
            }
            continue;
        }
        if !flag.starts_with('-') {
            continue;
        }
        let value = match inline {
            Some(v) => v,
            None => match known.get(i) {
                Some(v) => {
                    i += 1;
                    v.clone()
                }
                None if flag == "-n" => bail!("flag needs an argument: 'n' in -n"),
                None => bail!("flag needs an argument: {flag}"),
            },
        };
        match flag.as_str() {
            "--kube-context" => g.kube_context = Some(value),
            "--namespace" | "-n" => g.namespace = Some(value),
            "--kubeconfig" => g.kubeconfig = Some(value),
            "--kube-apiserver" => g.kube_apiserver = Some(value),
            "--kube-token" => g.kube_token = Some(value),
            "--kube-as-user" => g.kube_as_user = Some(value),
            "--kube-as-group" => g.kube_as_group.push(value),
            "--kube-ca-file" => g.kube_ca_file = Some(value),
            "--registry-config" => g.registry_config = Some(value),
            "--repository-cache" => g.repository_cache = Some(value),
            "--repository-config" => g.repository_config = Some(value),
            "--kube-tls-server-name" => g.kube_tls_server_name = Some(value),
            _ => {}
        }
    }
    Ok(())
}

/// pflag's `Parse` of the global flags in `args` with unknown flags allowed (helm's first
/// parse in `newRootCmd`): a bad value ends the parse, silently.
fn parse_globals(g: &mut GlobalArgs, args: &[String]) {
    const BOOLS: [&str; 2] = ["debug", "kube-insecure-skip-tls-verify"];
    const VALUES: [&str; 14] = [
        "namespace",
        "kube-context",
        "kubeconfig",
        "kube-apiserver",
        "kube-token",
        "kube-as-user",
        "kube-as-group",
        "kube-ca-file",
        "kube-tls-server-name",
        "burst-limit",
        "qps",
        "registry-config",
        "repository-cache",
        "repository-config",
    ];
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        i += 1;
        if a == "--" {
            return;
        }
        let (name, inline) = if let Some(long) = a.strip_prefix("--") {
            match long.split_once('=') {
                Some((n, v)) => (n.to_string(), Some(v.to_string())),
                None => (long.to_string(), None),
            }
        } else if let Some(short) = a.strip_prefix('-').filter(|s| !s.is_empty()) {
            if let Some(rest) = short.strip_prefix('n') {
                let v = rest.strip_prefix('=').unwrap_or(rest);
                (
                    "namespace".to_string(),
                    (!rest.is_empty()).then(|| v.to_string()),
                )
            } else {
                // An unknown shorthand: its value is the next word unless that is a flag.
                if short.len() == 1 && args.get(i).is_some_and(|n| !n.starts_with('-')) {
                    i += 1;
                }
                continue;
            }
        } else {
            continue;
        };
        if BOOLS.contains(&name.as_str()) {
            let Some(b) = crate::cobra::go_parse_bool(inline.as_deref().unwrap_or("true")) else {
                return;
            };
            if name == "debug" {
                g.debug = b;
            } else {
                g.kube_insecure_skip_tls_verify = b;
            }
            continue;
        }
        if !VALUES.contains(&name.as_str()) {
            if inline.is_none() && args.get(i).is_some_and(|n| !n.starts_with('-')) {
                i += 1;
            }
            continue;
        }
        let value = match inline {
            Some(v) => v,
            None => match args.get(i) {
                Some(v) => {
                    i += 1;
                    v.clone()
                }
                None => return,
            },
        };
        match name.as_str() {
            "namespace" => g.namespace = Some(value),
            "kube-context" => g.kube_context = Some(value),
            "kubeconfig" => g.kubeconfig = Some(value),
            "kube-apiserver" => g.kube_apiserver = Some(value),
            "kube-token" => g.kube_token = Some(value),
            "kube-as-user" => g.kube_as_user = Some(value),
            "kube-as-group" => g.kube_as_group.push(value),
            "kube-ca-file" => g.kube_ca_file = Some(value),
            "kube-tls-server-name" => g.kube_tls_server_name = Some(value),
            "burst-limit" => match value.parse::<i64>() {
                Ok(n) => g.burst_limit = Some(n),
                Err(_) => return,
            },
            "qps" => match value.parse::<f32>() {
                Ok(n) => g.qps = Some(n),
                Err(_) => return,
            },
            "registry-config" => g.registry_config = Some(value),
            "repository-cache" => g.repository_cache = Some(value),
            _ => g.repository_config = Some(value),
        }
    }
}

/// Global flags with no flag given (defaults and `HELM_NAMESPACE`).
fn default_globals() -> anyhow::Result<GlobalArgs> {
    use clap::FromArgMatches;
    let m = crate::cobra::command()
        .try_get_matches_from(["chart"])
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(crate::cli::Cli::from_arg_matches(&m)
        .map_err(|e| anyhow::anyhow!("{e}"))?
        .global)
}

fn print_error(msg: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr().lock(), "Error: {msg}");
}

/// Runs plugin `p` with `args` (the command line without the plugin's name), as helm's
/// plugin command does; returns the process's exit code.
pub fn run_plugin(p: &Plugin, args: &[String]) -> ExitCode {
    let (known, unknown) = split_args(args);
    let mut g = match default_globals() {
        Ok(g) => g,
        Err(e) => {
            print_error(&e.to_string());
            return ExitCode::from(1);
        }
    };
    if std::env::var("HELM_DEBUG")
        .ok()
        .and_then(|v| crate::cobra::go_parse_bool(&v))
        .unwrap_or(false)
    {
        g.debug = true;
    }
    // helm parses every global flag of the whole command line first (unknown flags and
    // bad values ignored), then the ones it keeps again (now with errors).
    parse_globals(&mut g, args);
    if let Err(e) = apply_known(&mut g.clone(), &known) {
        print_error(&e.to_string());
        return ExitCode::from(1);
    }
    let env = plugin_env(&g, p);
    let lookup = |k: &str| -> Option<String> {
        env.iter()
            .rev()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .or_else(|| std::env::var(k).ok())
    };
    let (main, argv) =
        match p.prepare_command_for(&unknown, plugin::go_os(), plugin::go_arch(), &lookup) {
            Ok(x) => x,
            Err(e) => {
                use std::io::Write;
                let _ = write!(std::io::stderr().lock(), "{e}");
                print_error(&format!(
                    "plugin {} exited with error",
                    chart_core::gotmpl::fmt::go_quote(&p.metadata.name)
                ));
                return ExitCode::from(1);
            }
        };
    let main = plugin::expand_env(&main, &lookup);
    if main.is_empty() {
        print_error("exec: no command");
        return ExitCode::from(1);
    }
    let Some(prog) = find_in_path(&main) else {
        print_error(&format!(
            "exec: {}: executable file not found in $PATH",
            chart_core::gotmpl::fmt::go_quote(&main)
        ));
        return ExitCode::from(1);
    };
    let status = std::process::Command::new(&prog)
        .args(&argv)
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .status();
    match status {
        Ok(s) if s.success() => ExitCode::SUCCESS,
        Ok(s) => {
            print_error(&format!(
                "plugin {} exited with error",
                chart_core::gotmpl::fmt::go_quote(&p.metadata.name)
            ));
            // A signal: Go's ExitStatus() is -1, os.Exit(-1) exits 255.
            let code = s.code().unwrap_or(255);
            ExitCode::from(u8::try_from(code & 0xff).unwrap_or(1))
        }
        Err(e) => {
            print_error(&format!("fork/exec {prog}: {}", go_errno_text(&e)));
            ExitCode::from(1)
        }
    }
}

/// Go's text of an errno (`no such file or directory`, `permission denied`).
fn go_errno_text(e: &std::io::Error) -> String {
    let s = e.to_string();
    let s = s.split(" (os error").next().unwrap_or(&s).to_string();
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().collect::<String>() + c.as_str(),
        None => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_global_flags_as_helm() {
        let args: Vec<String> = [
            "--debug",
            "-n",
            "ns",
            "x",
            "--kube-context=c",
            "--debug=true",
            "--qps",
            "3",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let (k, u) = split_args(&args);
        assert_eq!(k, ["--debug", "-n", "ns", "--kube-context=c"]);
        assert_eq!(u, ["x", "--debug=true", "--qps", "3"]);
    }
}
