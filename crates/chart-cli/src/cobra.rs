//! Command-line parsing as helm's cobra/pflag parse, on top of the clap definitions in
//! `cli.rs`: the clap command tree is adjusted at start-up (booleans take an optional
//! `=value` read as Go's `strconv.ParseBool`, a flag given twice keeps the last, a value
//! flag takes the next word even when it starts with `-`), clap's errors are rendered as
//! pflag's (`Error: unknown flag: --foo`, exit 1), and help is printed in cobra's layout.

use std::ffi::OsString;
use std::io::Write;
use std::process::ExitCode;

use clap::builder::{TypedValueParser, ValueParser};
use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{Arg, ArgAction, Command, CommandFactory, FromArgMatches};

use crate::cli::Cli;

/// Go's `strconv.ParseBool`.
pub fn go_parse_bool(s: &str) -> Option<bool> {
    match s {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

/// How pflag names a flag in its errors: `"-n, --namespace"` or `"--debug"`.
fn flag_display(arg: Option<&Arg>) -> String {
    match arg {
        Some(a) => match (a.get_short(), a.get_long()) {
            (Some(s), Some(l)) => format!("-{s}, --{l}"),
            (None, Some(l)) => format!("--{l}"),
            (Some(s), None) => format!("-{s}"),
            (None, None) => a.get_id().to_string(),
        },
        None => String::new(),
    }
}

fn invalid(arg: Option<&Arg>, value: &str, why: &str) -> clap::Error {
    clap::Error::raw(
        ErrorKind::ValueValidation,
        format!(
            "invalid argument {value:?} for \"{}\" flag: {why}",
            flag_display(arg)
        ),
    )
}

fn utf8(v: &std::ffi::OsStr) -> String {
    v.to_string_lossy().into_owned()
}

/// A pflag `bool`.
#[derive(Clone)]
struct GoBool;

impl TypedValueParser for GoBool {
    type Value = bool;
    fn parse_ref(
        &self,
        _cmd: &Command,
        arg: Option<&Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<bool, clap::Error> {
        let v = utf8(value);
        go_parse_bool(&v).ok_or_else(|| {
            invalid(
                arg,
                &v,
                &format!("strconv.ParseBool: parsing {v:?}: invalid syntax"),
            )
        })
    }
}

/// Go's `strconv.ParseInt(s, 0, 64)` error text for a value it rejects.
fn parse_int_error(v: &str) -> String {
    format!("strconv.ParseInt: parsing {v:?}: invalid syntax")
}

/// A pflag `int` (Go's `strconv.ParseInt` with base 0: `0x`, `0o`, `0b` prefixes, `_`).
#[derive(Clone)]
pub struct GoInt;

fn go_parse_int(s: &str) -> Option<i64> {
    let (neg, body) = match s.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let (radix, digits, prefixed) =
        if let Some(r) = body.strip_prefix("0x").or(body.strip_prefix("0X")) {
            (16, r, true)
        } else if let Some(r) = body.strip_prefix("0o").or(body.strip_prefix("0O")) {
            (8, r, true)
        } else if let Some(r) = body.strip_prefix("0b").or(body.strip_prefix("0B")) {
            (2, r, true)
        } else if body.len() > 1 && body.starts_with('0') {
            (8, &body[1..], true)
        } else {
            (10, body, false)
        };
    if digits.is_empty()
        || digits.starts_with('_')
        || digits.ends_with('_')
        || digits.contains("__")
    {
        return None;
    }
    if digits.contains('_') && !prefixed && radix == 10 && body.starts_with('_') {
        return None;
    }
    let clean: String = digits.chars().filter(|c| *c != '_').collect();
    let n = i128::from_str_radix(&clean, radix).ok()?;
    let n = if neg { -n } else { n };
    i64::try_from(n).ok()
}

impl TypedValueParser for GoInt {
    type Value = i64;
    fn parse_ref(
        &self,
        _cmd: &Command,
        arg: Option<&Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<i64, clap::Error> {
        let v = utf8(value);
        go_parse_int(&v).ok_or_else(|| invalid(arg, &v, &parse_int_error(&v)))
    }
}

/// A pflag `uint` (Go's `strconv.ParseUint(s, 0, 64)`: no sign, base prefixes, `_`).
#[derive(Clone)]
pub struct GoUint;

impl TypedValueParser for GoUint {
    type Value = usize;
    fn parse_ref(
        &self,
        _cmd: &Command,
        arg: Option<&Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<usize, clap::Error> {
        let v = utf8(value);
        let syntax = || {
            invalid(
                arg,
                &v,
                &format!("strconv.ParseUint: parsing {v:?}: invalid syntax"),
            )
        };
        if v.starts_with(['-', '+']) {
            return Err(syntax());
        }
        // Within i64 the signed parser decides; beyond it only plain digits are checked.
        match go_parse_int(&v) {
            Some(n) => usize::try_from(n).map_err(|_| syntax()),
            None if !v.is_empty() && v.chars().all(|c| c.is_ascii_digit()) => {
                match v.parse::<u64>() {
                    Ok(n) => usize::try_from(n).map_err(|_| syntax()),
                    Err(_) => Err(invalid(
                        arg,
                        &v,
                        &format!("strconv.ParseUint: parsing {v:?}: value out of range"),
                    )),
                }
            }
            None => Err(syntax()),
        }
    }
}

/// A pflag `float32`.
#[derive(Clone)]
pub struct GoFloat32;

impl TypedValueParser for GoFloat32 {
    type Value = f32;
    fn parse_ref(
        &self,
        _cmd: &Command,
        arg: Option<&Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<f32, clap::Error> {
        let v = utf8(value);
        let ok = !v.is_empty()
            && v.chars()
                .all(|c| c.is_ascii_digit() || matches!(c, '.' | '-' | '+' | 'e' | 'E' | '_'));
        match v.replace('_', "").parse::<f32>() {
            Ok(f) if ok => Ok(f),
            _ => Err(invalid(
                arg,
                &v,
                &format!("strconv.ParseFloat: parsing {v:?}: invalid syntax"),
            )),
        }
    }
}

/// helm's `-o/--output` format flag (table, json, yaml); the value stays text.
#[derive(Clone)]
pub struct OutputFormatFlag;

impl TypedValueParser for OutputFormatFlag {
    type Value = String;
    fn parse_ref(
        &self,
        _cmd: &Command,
        arg: Option<&Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<String, clap::Error> {
        let v = utf8(value);
        match v.as_str() {
            "table" | "json" | "yaml" => Ok(v),
            _ => Err(invalid(arg, &v, "invalid format type")),
        }
    }
}

/// A pflag `duration` (Go's `time.ParseDuration`); the value stays text.
#[derive(Clone)]
pub struct GoDuration;

impl TypedValueParser for GoDuration {
    type Value = String;
    fn parse_ref(
        &self,
        _cmd: &Command,
        arg: Option<&Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<String, clap::Error> {
        let v = utf8(value);
        match gotime::parse_duration(&v) {
            Ok(_) => Ok(v),
            Err(e) => Err(invalid(arg, &v, &e.to_string())),
        }
    }
}

/// Flags cobra adds to every command; not fields of the clap structs.
const HELP_ID: &str = "cobra-help";

/// One flag: booleans become pflag booleans, value flags take any next word.
fn adjust_arg(a: Arg) -> Arg {
    if a.is_positional() {
        return a;
    }
    match a.get_action() {
        ArgAction::SetTrue => a
            .action(ArgAction::Set)
            .num_args(0..=1)
            .require_equals(true)
            .default_missing_value("true")
            .default_value("false")
            .value_parser(ValueParser::new(GoBool)),
        ArgAction::Set | ArgAction::Append => a.allow_hyphen_values(true),
        _ => a,
    }
}

fn pflagify(cmd: Command) -> Command {
    cmd.args_override_self(true)
        .disable_help_flag(true)
        .disable_help_subcommand(true)
        .disable_version_flag(true)
        .subcommand_required(false)
        .arg_required_else_help(false)
        .mut_args(adjust_arg)
        .mut_subcommands(pflagify)
}

/// The clap command tree as declared (for help: flag kinds as written).
pub(crate) fn help_root() -> Command {
    Cli::command()
}

/// The clap command tree, adjusted to parse as pflag does.
pub fn command() -> Command {
    pflagify(Cli::command()).arg(help_arg())
}

fn help_arg() -> Arg {
    adjust_arg(
        Arg::new(HELP_ID)
            .short('h')
            .long("help")
            .global(true)
            .action(ArgAction::SetTrue),
    )
}

/// The tree of the root's flags and the one command `words` name, for the commands that
/// render charts: building all of helm's ~70 commands with their flags costs more than
/// the rest of parsing, and these commands run where start-up time shows. `None` when
/// `words` name another command (or none): the caller builds the whole tree. The
/// matches of this tree are those of the whole tree, as the command has no subcommands
/// and the root's flags are the same.
fn one_command_tree(words: &[String]) -> Option<Command> {
    use crate::cli::GlobalArgs;
    use clap::Args as _;
    let root = || GlobalArgs::augment_args(Command::new("chart").disable_version_flag(true));
    let globals = pflagify(root()).arg(help_arg());
    let (path, stray) = find_path_stray_at(&globals, words);
    let name = match (path.is_empty(), stray) {
        (true, Some((_, w))) => w,
        _ => return None,
    };
    let sub = Command::new(name.clone());
    let sub = match name.as_str() {
        "template" => crate::cli::TemplateArgs::augment_args(sub),
        "install" => crate::commands::install::InstallArgs::augment_args(sub),
        "upgrade" => crate::commands::upgrade::UpgradeArgs::augment_args(sub),
        "lint" => crate::commands::lint::LintArgs::augment_args(sub),
        _ => return None,
    };
    Some(pflagify(root().subcommand(sub)).arg(help_arg()))
}

/// The words of the command path (`["show", "values"]`) that `argv` (without the program
/// name) selects, as cobra's `Find` does: flags (and the values of value flags) are
/// skipped, and the first word that names no subcommand ends the path.
#[allow(dead_code)]
pub fn find_path(root: &Command, argv: &[String]) -> Vec<String> {
    find_path_stray(root, argv).0
}

/// [`find_path`], and the first word that named no subcommand.
fn find_path_stray(root: &Command, argv: &[String]) -> (Vec<String>, Option<String>) {
    let (path, stray) = find_path_stray_at(root, argv);
    (path, stray.map(|(_, w)| w))
}

/// [`find_path_stray`] with the index in `argv` of the stray word.
fn find_path_stray_at(root: &Command, argv: &[String]) -> (Vec<String>, Option<(usize, String)>) {
    let mut stray = None;
    let mut path = Vec::new();
    let mut cur = root;
    let globals: Vec<&Arg> = root.get_arguments().collect();
    let mut i = 0;
    while i < argv.len() {
        let t = &argv[i];
        if t == "--" {
            break;
        }
        if let Some(rest) = t.strip_prefix("--") {
            if !rest.contains('=') && takes_value(cur, &globals, |a| a.get_long() == Some(rest)) {
                i += 1;
            }
        } else if t.len() > 1 && t.starts_with('-') {
            let chars: Vec<char> = t[1..].chars().collect();
            for (k, c) in chars.iter().enumerate() {
                if takes_value(cur, &globals, |a| a.get_short() == Some(*c)) {
                    if k + 1 == chars.len() {
                        i += 1;
                    }
                    break;
                }
            }
        } else {
            match cur.find_subcommand(t) {
                Some(sub) => {
                    path.push(sub.get_name().to_string());
                    cur = sub;
                }
                None => {
                    stray = Some((i, t.clone()));
                    break;
                }
            }
        }
        i += 1;
    }
    (path, stray)
}

/// Whether cobra's flag stripping takes the next word as this flag's value: any flag but a
/// boolean, unknown flags included.
fn takes_value(cmd: &Command, globals: &[&Arg], pred: impl Fn(&Arg) -> bool) -> bool {
    match cmd
        .get_arguments()
        .chain(globals.iter().copied())
        .find(|a| !a.is_positional() && pred(a))
    {
        Some(a) => {
            matches!(a.get_action(), ArgAction::Set | ArgAction::Append)
                && !a.is_require_equals_set()
        }
        None => true,
    }
}

fn sub_at<'a>(root: &'a Command, path: &[String]) -> &'a Command {
    let mut cur = root;
    for p in path {
        match cur.find_subcommand(p) {
            Some(s) => cur = s,
            None => break,
        }
    }
    cur
}

/// `helm` followed by the path.
fn command_path(path: &[String]) -> String {
    std::iter::once("chart".to_string())
        .chain(path.iter().cloned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// cobra's `Use` line of each command (without the program name).
fn use_line(path: &[String]) -> String {
    let p: Vec<&str> = path.iter().map(String::as_str).collect();
    let u = match p.as_slice() {
        [] => "chart",
        ["template"] => "template [NAME] [CHART]",
        ["install"] => "install [NAME] [CHART]",
        ["upgrade"] => "upgrade [RELEASE] [CHART]",
        ["create"] => "create NAME",
        ["lint"] => "lint PATH",
        ["package"] => "package [CHART_PATH] [...]",
        ["pull"] => "pull [chart URL | repo/chartname] [...]",
        ["history"] | ["status"] => return format!("{} RELEASE_NAME", p[0]),
        ["test"] => "test [RELEASE]",
        ["rollback"] => "rollback <RELEASE> [REVISION]",
        ["uninstall"] => "uninstall RELEASE_NAME [...]",
        ["list"] => "list",
        ["help"] => "help [command]",
        ["version"] => "version",
        ["show", "all" | "chart" | "crds" | "readme" | "values"] => {
            return format!("show {} [CHART]", p[1])
        }
        ["get", w] => return format!("get {w} RELEASE_NAME"),
        ["repo", "add"] => "repo add [NAME] [URL]",
        ["repo", "remove"] => "repo remove [REPO1 [REPO2 ...]]",
        ["repo", "index"] => "repo index [DIR]",
        ["repo", "update"] => "repo update [REPO1 [REPO2 ...]]",
        ["repo", "list"] => "repo list",
        ["search", "repo"] => "search repo [keyword]",
        ["search", "hub"] => "search hub [KEYWORD]",
        ["push"] => "push [chart] [remote]",
        ["registry", "login"] => "registry login [host]",
        ["registry", "logout"] => "registry logout [host]",
        ["verify"] => "verify PATH",
        ["dependency", "build"] => "dependency build CHART",
        ["dependency", "list"] => "dependency list CHART",
        ["dependency", "update"] => "dependency update CHART",
        ["plugin", "install"] => "plugin install [options] <path|url>",
        ["plugin", "uninstall"] => "plugin uninstall <plugin>...",
        ["plugin", "update"] => "plugin update <plugin>...",
        ["plugin", "list"] => "plugin list",
        _ => return p.join(" "),
    };
    u.to_string()
}

/// The short `Usage:  helm CMD ARGS [flags]` line cobra prints under argument errors.
pub fn usage_line(path: &[&str]) -> String {
    let p: Vec<String> = path.iter().map(|s| s.to_string()).collect();
    format!("chart {} [flags]", use_line(&p))
}

struct FlagRow {
    long: String,
    short: Option<char>,
    kind: String,
    help: String,
}

fn flag_rows<'a>(args: impl Iterator<Item = &'a Arg>) -> Vec<FlagRow> {
    let mut rows: Vec<FlagRow> = args
        .filter(|a| !a.is_positional() && !a.is_hide_set())
        .filter_map(|a| {
            let long = a.get_long()?.to_string();
            let kind = match a.get_action() {
                ArgAction::SetTrue | ArgAction::SetFalse => String::new(),
                ArgAction::Append => value_kind(a).unwrap_or_else(|| "stringArray".into()),
                _ => value_kind(a).unwrap_or_else(|| "string".into()),
            };
            let mut help = a.get_help().map(|h| h.to_string()).unwrap_or_default();
            let defaults: Vec<String> = a.get_default_values().iter().map(|d| utf8(d)).collect();
            if let [d] = defaults.as_slice() {
                if !d.is_empty() && d != "false" && d != "0" {
                    if kind == "string" {
                        help.push_str(&format!(" (default {d:?})"));
                    } else {
                        help.push_str(&format!(" (default {d})"));
                    }
                }
            }
            // The one value flag of helm with an optional value.
            let kind = if long == "dry-run" && !kind.is_empty() {
                format!("{kind}[=\"client\"]")
            } else {
                kind
            };
            Some(FlagRow {
                long,
                short: a.get_short(),
                kind,
                help,
            })
        })
        .collect();
    rows.sort_by(|a, b| a.long.cmp(&b.long));
    rows
}

/// A value name written in lower case is the pflag type name shown in help.
fn value_kind(a: &Arg) -> Option<String> {
    let v = a.get_value_names()?.first()?.to_string();
    (v.chars().next()?.is_lowercase()).then_some(v)
}

fn render_flags(rows: &[FlagRow]) -> String {
    let lines: Vec<(String, &str)> = rows
        .iter()
        .map(|r| {
            let mut l = match r.short {
                Some(s) => format!("  -{s}, --{}", r.long),
                None => format!("      --{}", r.long),
            };
            if !r.kind.is_empty() {
                l.push(' ');
                l.push_str(&r.kind);
            }
            (l, r.help.as_str())
        })
        .collect();
    let width = lines.iter().map(|(l, _)| l.len()).max().unwrap_or(0);
    let mut s = String::new();
    for (l, h) in lines {
        s.push_str(format!("{l:width$}   {h}").trim_end());
        s.push('\n');
    }
    s
}

/// cobra's help for the command at `path`.
pub fn help_text(root: &Command, path: &[String]) -> String {
    let cmd = sub_at(root, path);
    let mut s = String::new();
    let about = cmd
        .get_long_about()
        .or(cmd.get_about())
        .map(|a| a.to_string())
        .unwrap_or_default();
    if !about.is_empty() {
        s.push_str(about.trim_end());
        s.push_str("\n\n");
    }
    s.push_str(&usage_text(root, path));
    s
}

/// cobra's usage template (the help without the description).
pub fn usage_text(root: &Command, path: &[String]) -> String {
    let cmd = sub_at(root, path);
    let subs: Vec<&Command> = {
        let mut v: Vec<&Command> = cmd.get_subcommands().filter(|c| !c.is_hide_set()).collect();
        v.sort_by(|a, b| a.get_name().cmp(b.get_name()));
        v
    };
    let runnable = subs.is_empty() || path.is_empty();
    let mut s = String::from("Usage:");
    if runnable && !path.is_empty() {
        s.push_str(&format!(
            "\n  {}",
            usage_line(&path.iter().map(String::as_str).collect::<Vec<_>>())
        ));
    }
    if !subs.is_empty() {
        s.push_str(&format!("\n  {} [command]", command_path(path)));
    }
    let aliases: Vec<&str> = cmd.get_all_aliases().collect();
    if !aliases.is_empty() {
        s.push_str(&format!(
            "\n\nAliases:\n  {}, {}",
            cmd.get_name(),
            aliases.join(", ")
        ));
    }
    if !subs.is_empty() {
        s.push_str("\n\nAvailable Commands:");
        let mut names: Vec<(String, String)> = subs
            .iter()
            .map(|c| {
                (
                    c.get_name().to_string(),
                    c.get_about().map(|a| a.to_string()).unwrap_or_default(),
                )
            })
            .collect();
        if path.is_empty() {
            names.push(("help".into(), "Help about any command".into()));
            // Plugin commands follow, a name a built-in command has included (cobra
            // lists both and runs the built-in one).
            for p in crate::commands::plugin::loaded() {
                names.push((
                    p.metadata.name.clone(),
                    crate::commands::plugin::short_help(p),
                ));
            }
            names.sort_by(|a, b| a.0.cmp(&b.0));
        }
        let pad = names
            .iter()
            .map(|(n, _)| n.len())
            .max()
            .unwrap_or(0)
            .max(11);
        for (n, a) in names {
            s.push_str(&format!("\n  {n:pad$} {a}"));
        }
    }
    let name = if path.is_empty() {
        "chart"
    } else {
        cmd.get_name()
    };
    let help_row = FlagRow {
        long: "help".into(),
        short: Some('h'),
        kind: String::new(),
        help: format!("help for {name}"),
    };
    let globals: Vec<&Arg> = root
        .get_arguments()
        .filter(|a| a.is_global_set() && a.get_id() != HELP_ID)
        .collect();
    let mut local = if path.is_empty() {
        flag_rows(globals.iter().copied())
    } else {
        flag_rows(cmd.get_arguments().filter(|a| !a.is_global_set()))
    };
    local.push(help_row);
    local.sort_by(|a, b| a.long.cmp(&b.long));
    s.push_str("\n\nFlags:\n");
    s.push_str(&render_flags(&local));
    if !path.is_empty() {
        s.push_str("\nGlobal Flags:\n");
        s.push_str(&render_flags(&flag_rows(globals.iter().copied())));
    } else {
        // nothing: the root's own flags are the global ones
    }
    if !subs.is_empty() {
        s.push_str(&format!(
            "\nUse \"{} [command] --help\" for more information about a command.\n",
            command_path(path)
        ));
    }
    s
}

fn write_out(s: &str) {
    let _ = std::io::stdout().lock().write_all(s.as_bytes());
}

fn write_err(s: &str) {
    let _ = std::io::stderr().lock().write_all(s.as_bytes());
}

/// Prints cobra's help for `path` on stdout.
pub fn print_help(path: &[&str]) {
    let root = help_root();
    let p: Vec<String> = path.iter().map(|s| s.to_string()).collect();
    write_out(&help_text(&root, &p));
}

/// `chart help [COMMAND...]`.
pub fn help_command(args: &[String]) -> ExitCode {
    let root = help_root();
    let mut cur = &root;
    let mut path = Vec::new();
    for a in args {
        match cur.find_subcommand(a) {
            Some(s) => {
                path.push(s.get_name().to_string());
                cur = s;
            }
            None if path.is_empty() && crate::commands::plugin::find_loaded(a).is_some() => {
                if let Some(p) = crate::commands::plugin::find_loaded(a) {
                    write_out(&plugin_help(&root, p));
                }
                return ExitCode::SUCCESS;
            }
            // cobra's Find stops at the first word naming no subcommand; only at the
            // root is that an unknown topic (then the root's usage, which has no
            // -h/--help row: the flag only exists on the command that runs).
            None if !path.is_empty() => break,
            None => {
                write_err(&format!("Unknown help topic [`{}`]\n", args.join(" ")));
                let usage: String = usage_text(&root, &path)
                    .split_inclusive('\n')
                    .filter(|l| !l.starts_with("  -h, --help "))
                    .collect();
                write_err(&usage);
                return ExitCode::SUCCESS;
            }
        }
    }
    write_out(&help_text(&root, &path));
    ExitCode::SUCCESS
}

/// cobra's help of a plugin command (its description, else its usage line).
fn plugin_help(root: &Command, p: &chart_core::plugin::Plugin) -> String {
    let name = &p.metadata.name;
    let mut s = String::new();
    let about = if p.metadata.description.is_empty() {
        crate::commands::plugin::short_help(p)
    } else {
        p.metadata.description.clone()
    };
    let about = about.trim_end();
    if !about.is_empty() {
        s.push_str(about);
        s.push_str("\n\n");
    }
    s.push_str(&format!("Usage:\n  chart {name} [flags]\n\nFlags:\n"));
    s.push_str(&render_flags(&[FlagRow {
        long: "help".into(),
        short: Some('h'),
        kind: String::new(),
        help: format!("help for {name}"),
    }]));
    let globals: Vec<&Arg> = root
        .get_arguments()
        .filter(|a| a.is_global_set() && a.get_id() != HELP_ID)
        .collect();
    s.push_str("\nGlobal Flags:\n");
    s.push_str(&render_flags(&flag_rows(globals.iter().copied())));
    s
}

/// Parses the command line; on `-h` or a parse error prints what helm prints and returns
/// the exit code instead.
pub fn parse() -> Result<Cli, ExitCode> {
    let argv: Vec<OsString> = std::env::args_os().collect();
    let words: Vec<String> = argv.iter().skip(1).map(|a| utf8(a)).collect();
    let mut root = one_command_tree(&words).unwrap_or_else(command);
    let plugins = crate::commands::plugin::loaded();
    let (path, stray) = find_path_stray_at(&root, &words);
    if !plugins.is_empty() {
        let upto = match (path.first().map(String::as_str), &stray) {
            (Some("completion"), _) if path.len() > 1 => plugins.len(),
            (Some(_), _) => 0,
            (None, Some((_, w))) => plugins
                .iter()
                .position(|p| &p.metadata.name == w)
                .unwrap_or(plugins.len()),
            (None, None) => plugins.len(),
        };
        crate::commands::plugin::log_completion_notes(&words, upto);
    }
    if let (true, Some((at, word))) = (path.is_empty(), &stray) {
        if let Some(p) = crate::commands::plugin::find_loaded(word) {
            let rest: Vec<String> = words
                .iter()
                .enumerate()
                .filter(|(i, _)| i != at)
                .map(|(_, w)| w.clone())
                .collect();
            return Err(crate::commands::plugin::run_plugin(p, &rest));
        }
    }
    let stray = stray.map(|(_, w)| w);
    if let (true, Some(word)) = (path.is_empty(), &stray) {
        write_err(&format!(
            "Error: unknown command {word:?} for \"chart\"\nRun 'chart --help' for usage.\n"
        ));
        return Err(ExitCode::from(1));
    }
    // Matched in place (the tree is big: a clone of it costs more than the match); an
    // error is rendered against a fresh tree, as clap leaves the matched one built.
    match root.try_get_matches_from_mut(&argv) {
        Ok(m) => {
            // The process keeps running with the matches only; the tree is not freed.
            std::mem::forget(root);
            let mut sub = &m;
            let mut help = m.get_one::<bool>(HELP_ID).copied().unwrap_or(false);
            while let Some((_, s)) = sub.subcommand() {
                sub = s;
                help |= sub.get_one::<bool>(HELP_ID).copied().unwrap_or(false);
            }
            if help {
                write_out(&help_text(&help_root(), &path));
                return Err(ExitCode::SUCCESS);
            }
            match Cli::from_arg_matches(&m) {
                Ok(cli) => Ok(cli),
                Err(e) => {
                    write_err(&format!("Error: {}\n", first_line(&e.to_string())));
                    Err(ExitCode::from(1))
                }
            }
        }
        Err(e) => Err(render_error(&command(), &path, &words, &e)),
    }
}

fn first_line(s: &str) -> String {
    s.lines()
        .next()
        .unwrap_or("")
        .trim_start_matches("error: ")
        .to_string()
}

fn ctx(e: &clap::Error, k: ContextKind) -> Option<String> {
    match e.get(k)? {
        ContextValue::String(s) => Some(s.clone()),
        ContextValue::Strings(v) => v.first().cloned(),
        _ => None,
    }
}

fn render_error(root: &Command, path: &[String], words: &[String], e: &clap::Error) -> ExitCode {
    let cmd = sub_at(root, path);
    let is_group = cmd.get_subcommands().next().is_some() && !path.is_empty();
    let msg = match e.kind() {
        ErrorKind::UnknownArgument | ErrorKind::InvalidSubcommand => {
            let arg = ctx(e, ContextKind::InvalidArg)
                .or_else(|| ctx(e, ContextKind::InvalidSubcommand))
                .unwrap_or_default();
            if arg.starts_with("---") || arg == "-=" || arg.starts_with("--=") {
                format!("bad flag syntax: {arg}")
            } else if let Some(long) = arg.strip_prefix("--") {
                let name = long.split('=').next().unwrap_or("");
                format!("unknown flag: --{name}")
            } else if let Some(short) = arg.strip_prefix('-').filter(|s| !s.is_empty()) {
                let c = short.chars().next().unwrap_or('-');
                // pflag names the rest of the cluster from the unknown letter on.
                let token = words
                    .iter()
                    .find(|w| !w.starts_with("--") && w.starts_with('-') && w[1..].contains(c))
                    .and_then(|w| w.find(c).map(|i| format!("-{}", &w[i..])))
                    .unwrap_or_else(|| format!("-{c}"));
                format!("unknown shorthand flag: '{c}' in {token}")
            } else if is_group {
                write_out(&help_text(&help_root(), path));
                return ExitCode::SUCCESS;
            } else if !path.is_empty() {
                let p: Vec<&str> = path.iter().map(String::as_str).collect();
                format!(
                    "\"{}\" accepts no arguments\n\nUsage:  {}",
                    command_path(path),
                    usage_line(&p)
                )
            } else {
                format!(
                    "unknown command {arg:?} for \"{}\"\nRun '{} --help' for usage.",
                    command_path(path),
                    command_path(path)
                )
            }
        }
        ErrorKind::InvalidValue => {
            let arg = ctx(e, ContextKind::InvalidArg).unwrap_or_default();
            let value = ctx(e, ContextKind::InvalidValue).unwrap_or_default();
            let long = arg.split([' ', '=', '[']).next().unwrap_or("").to_string();
            if value.is_empty() {
                let last = words.last().cloned().unwrap_or_default();
                if !last.starts_with("--") && last.starts_with('-') {
                    let c = last.chars().last().unwrap_or('-');
                    format!("flag needs an argument: '{c}' in {last}")
                } else {
                    format!("flag needs an argument: {long}")
                }
            } else {
                format!("invalid argument {value:?} for {long:?} flag")
            }
        }
        ErrorKind::ValueValidation => {
            use std::error::Error;
            match e.source() {
                Some(s) => s.to_string(),
                None => first_line(&e.to_string()),
            }
        }
        _ => first_line(&e.to_string()),
    };
    write_err(&format!("Error: {msg}\n"));
    ExitCode::from(1)
}
