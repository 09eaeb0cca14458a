//! Client-side plugins as Helm 3 has them (Helm's `pkg/plugin`): `plugin.yaml` read as
//! Helm reads it, plugins found one directory level under each entry of the plugins path,
//! the command a plugin runs on this platform, and downloader plugins (Helm's
//! `pkg/getter/plugingetter.go`), which fetch URLs of the schemes they declare.
//!
//! ```
//! let dir = std::env::temp_dir().join(format!("chart-plugin-doc-{}", std::process::id()));
//! std::fs::create_dir_all(dir.join("hello")).unwrap();
//! std::fs::write(dir.join("hello/plugin.yaml"), "name: hello\ncommand: echo hi\n").unwrap();
//! let found = chart_core::plugin::find_plugins(&dir.display().to_string()).unwrap();
//! assert_eq!(found[0].metadata.name, "hello");
//! let (main, args) = found[0].prepare_command(&["x".into()]).unwrap();
//! assert_eq!((main.as_str(), args), ("echo", vec!["hi".to_string(), "x".to_string()]));
//! # std::fs::remove_dir_all(&dir).unwrap();
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use goyaml::{GoMap, GoVal};

pub mod installer;

/// The plugin description file in a plugin's directory.
pub const PLUGIN_FILE_NAME: &str = "plugin.yaml";

/// Why a plugin could not be loaded, installed or run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PluginError {
    /// `plugin.yaml` could not be read.
    #[error("failed to read plugin at {}: {err}", go_quote_path(path))]
    Read {
        /// The plugin.yaml path.
        path: PathBuf,
        /// Go's text of the OS error (`open PATH: no such file or directory`).
        err: String,
    },
    /// `plugin.yaml` is not valid YAML or has fields Helm does not know.
    #[error("failed to load plugin at {}: {msg}", go_quote_path(path))]
    Parse {
        /// The plugin.yaml path.
        path: PathBuf,
        /// The decoder's message.
        msg: String,
    },
    /// The plugin's name is empty or has characters other than `A-Za-z0-9_-`.
    #[error("invalid plugin name at {}", go_quote_path(.0))]
    InvalidName(PathBuf),
    /// Two plugins have the same name.
    #[error(
        "two plugins claim the name {} at {} and {}",
        gotmpl::fmt::go_quote(name),
        go_quote_path(first),
        go_quote_path(second)
    )]
    Duplicate {
        /// The name.
        name: String,
        /// The first plugin's directory.
        first: PathBuf,
        /// The second plugin's directory.
        second: PathBuf,
    },
    /// Neither `platformCommand` nor `command` gives a command for this platform.
    #[error("no plugin command is applicable")]
    NoCommand,
    /// Any other failure, with Helm's message.
    #[error("{0}")]
    Other(String),
}

fn go_quote_path(p: &Path) -> String {
    gotmpl::fmt::go_quote(&p.display().to_string())
}

/// A downloader: the URL schemes a plugin fetches, and the command that does it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Downloader {
    /// The schemes (`s3`, `gs`, ...).
    pub protocols: Vec<String>,
    /// The command, relative to the plugin's directory, with its first arguments.
    pub command: String,
}

/// A command for one operating system (and optionally one architecture).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PlatformCommand {
    /// Go's `GOOS` name (`linux`, `darwin`, `windows`).
    pub os: String,
    /// Go's `GOARCH` name (`amd64`, `arm64`), or empty for any.
    pub arch: String,
    /// The command, words separated by single spaces.
    pub command: String,
}

/// The fields of `plugin.yaml` (Helm's `plugin.Metadata`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Metadata {
    /// The plugin's name, also its command name.
    pub name: String,
    /// Its version.
    pub version: String,
    /// One line shown in help (control characters removed, white space made spaces).
    pub usage: String,
    /// Longer text shown by `help NAME` and `plugin list`.
    pub description: String,
    /// Commands per platform, searched before `command`.
    pub platform_command: Vec<PlatformCommand>,
    /// The command, words separated by single spaces, with `$VAR`s expanded when run.
    pub command: String,
    /// Whether the arguments given to the plugin are dropped.
    pub ignore_flags: bool,
    /// Commands run (by `sh -c`) on the `install`, `update` and `delete` events.
    pub hooks: BTreeMap<String, String>,
    /// URL schemes the plugin downloads.
    pub downloaders: Vec<Downloader>,
    /// Helm 2's `useTunnel` (read, unused).
    pub use_tunnel: bool,
}

/// An installed plugin: its metadata and its directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plugin {
    /// The parsed `plugin.yaml`.
    pub metadata: Metadata,
    /// The directory that holds it (as found, not resolved).
    pub dir: PathBuf,
}

/// Go's `runtime.GOOS` of this build.
pub fn go_os() -> &'static str {
    match std::env::consts::OS {
        "macos" => "darwin",
        other => other,
    }
}

/// Go's `runtime.GOARCH` of this build.
pub fn go_arch() -> &'static str {
    match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "386",
        "powerpc64" => "ppc64le",
        other => other,
    }
}

impl Plugin {
    /// The program and arguments this plugin runs with `extra` (the user's arguments):
    /// the `platformCommand` of this OS and architecture, else of this OS (the last one
    /// listed), else `command`; each word `$VAR`-expanded from the process environment;
    /// `extra` appended unless `ignoreFlags`.
    pub fn prepare_command(&self, extra: &[String]) -> Result<(String, Vec<String>), PluginError> {
        self.prepare_command_for(extra, go_os(), go_arch(), &|k| std::env::var(k).ok())
    }

    /// [`Plugin::prepare_command`] for a given platform and environment.
    pub fn prepare_command_for(
        &self,
        extra: &[String],
        os: &str,
        arch: &str,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<(String, Vec<String>), PluginError> {
        let md = &self.metadata;
        let mut parts: Option<Vec<String>> = None;
        for c in &md.platform_command {
            let os_ok = c.os.eq_ignore_ascii_case(os);
            if os_ok && c.arch.eq_ignore_ascii_case(arch) {
                parts = Some(split_words(&c.command));
                break;
            }
            if os_ok {
                parts = Some(split_words(&c.command));
            }
        }
        let parts = parts.unwrap_or_else(|| split_words(&md.command));
        let Some(first) = parts.first().filter(|p| !p.is_empty()) else {
            return Err(PluginError::NoCommand);
        };
        let main = expand_env(first, env);
        let mut args: Vec<String> = parts[1..].iter().map(|p| expand_env(p, env)).collect();
        if !md.ignore_flags {
            args.extend(extra.iter().cloned());
        }
        Ok((main, args))
    }
}

/// Go's `strings.Split(s, " ")`.
fn split_words(s: &str) -> Vec<String> {
    s.split(' ').map(str::to_string).collect()
}

fn is_shell_special(c: u8) -> bool {
    matches!(
        c,
        b'*' | b'#' | b'$' | b'@' | b'!' | b'?' | b'-' | b'0'..=b'9'
    )
}

fn is_alnum(c: u8) -> bool {
    c == b'_' || c.is_ascii_alphanumeric()
}

/// Go's `os.Expand` with `env` (unset variables expand to nothing).
pub fn expand_env(s: &str, env: &dyn Fn(&str) -> Option<String>) -> String {
    let b = s.as_bytes();
    let mut out: Vec<u8> = Vec::with_capacity(b.len());
    let mut i = 0;
    let mut j = 0;
    while j < b.len() {
        if b[j] == b'$' && j + 1 < b.len() {
            out.extend_from_slice(&b[i..j]);
            let rest = &b[j + 1..];
            let (name, w): (&[u8], usize) = if rest[0] == b'{' {
                if rest.len() > 2 && is_shell_special(rest[1]) && rest[2] == b'}' {
                    (&rest[1..2], 3)
                } else {
                    match rest.iter().skip(1).position(|c| *c == b'}') {
                        Some(0) => (&[], 2),
                        Some(k) => (&rest[1..k + 1], k + 2),
                        None => (&[], 1),
                    }
                }
            } else if is_shell_special(rest[0]) {
                (&rest[..1], 1)
            } else {
                let n = rest.iter().take_while(|c| is_alnum(**c)).count();
                (&rest[..n], n)
            };
            if name.is_empty() && w == 0 {
                out.push(b'$');
            } else if !name.is_empty() {
                let key = String::from_utf8_lossy(name);
                out.extend_from_slice(env(&key).unwrap_or_default().as_bytes());
            }
            j += w;
            i = j + 1;
        }
        j += 1;
    }
    out.extend_from_slice(&b[i.min(b.len())..]);
    String::from_utf8_lossy(&out).into_owned()
}

/// Go's `unicode.IsSpace` becomes a space, non-printable characters go (Helm's
/// `sanitizeString` of `usage`).
fn sanitize(s: &str) -> String {
    s.chars()
        .filter_map(|c| {
            if c.is_whitespace() {
                Some(' ')
            } else if c.is_control() || matches!(c, '\u{200b}'..='\u{200f}' | '\u{feff}') {
                None
            } else {
                Some(c)
            }
        })
        .collect()
}

/// How Go's `encoding/json` names a YAML value's JSON kind in its errors.
fn json_kind(v: &GoVal) -> &'static str {
    match v {
        GoVal::Nil => "null",
        GoVal::Bool(_) => "bool",
        GoVal::Int(_) | GoVal::Uint(_) | GoVal::Float(_) => "number",
        GoVal::Str(_) => "string",
        GoVal::Seq(_) => "array",
        GoVal::Map(_) => "object",
    }
}

fn type_err(v: &GoVal, strukt: &str, field: &str, ty: &str) -> String {
    format!(
        "json: cannot unmarshal {} into Go struct field {strukt}.{field} of type {ty}",
        json_kind(v)
    )
}

/// A scalar bound for a Go `string` (sigs.k8s.io/yaml turns numbers and bools into text).
fn string_of(v: &GoVal, strukt: &str, field: &str) -> Result<Option<String>, String> {
    match v {
        GoVal::Nil => Ok(None),
        GoVal::Str(s) => Ok(Some(s.clone())),
        GoVal::Seq(_) | GoVal::Map(_) => Err(type_err(v, strukt, field, "string")),
        other => Ok(goyaml::string_form(other)),
    }
}

fn bool_of(v: &GoVal, strukt: &str, field: &str) -> Result<Option<bool>, String> {
    match v {
        GoVal::Nil => Ok(None),
        GoVal::Bool(b) => Ok(Some(*b)),
        other => Err(type_err(other, strukt, field, "bool")),
    }
}

/// The entries of a mapping with string keys, matched against `fields` as Go's JSON
/// decoder matches (exact name first, else case-insensitively); an unknown key is an error.
fn fields<'a>(
    m: &'a GoMap,
    known: &[&'static str],
) -> Result<Vec<(&'static str, &'a GoVal)>, String> {
    let mut out = Vec::new();
    for (k, v) in m.entries() {
        let key = goyaml::json_key(k, v).map_err(|e| e.to_string())?;
        let hit = known
            .iter()
            .find(|f| **f == key)
            .or_else(|| known.iter().find(|f| f.eq_ignore_ascii_case(&key)));
        match hit {
            Some(f) => out.push((*f, v)),
            None => {
                return Err(format!(
                    "json: unknown field {}",
                    gotmpl::fmt::go_quote(&key)
                ))
            }
        }
    }
    Ok(out)
}

fn seq_of<'a>(v: &'a GoVal, strukt: &str, field: &str, ty: &str) -> Result<&'a [GoVal], String> {
    match v {
        GoVal::Nil => Ok(&[]),
        GoVal::Seq(s) => Ok(s),
        other => Err(type_err(other, strukt, field, ty)),
    }
}

fn map_of<'a>(
    v: &'a GoVal,
    strukt: &str,
    field: &str,
    ty: &str,
) -> Result<Option<&'a GoMap>, String> {
    match v {
        GoVal::Nil => Ok(None),
        GoVal::Map(m) => Ok(Some(m)),
        other => Err(type_err(other, strukt, field, ty)),
    }
}

/// Decodes `plugin.yaml` text as Helm's `yaml.UnmarshalStrict` into `Metadata` does.
pub fn parse_metadata(text: &str) -> Result<Metadata, String> {
    let doc = goyaml::from_yaml_go(text).map_err(|e| e.to_string())?;
    let dups = top_level_duplicates(text);
    if !dups.is_empty() {
        return Err(format!(
            "error converting YAML to JSON: yaml: unmarshal errors:\n{}",
            dups.join("\n")
        ));
    }
    let mut md = Metadata::default();
    let top = match &doc {
        GoVal::Nil => return Ok(md),
        GoVal::Map(m) => m,
        other => {
            return Err(format!(
                "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal {} into Go value of type plugin.Metadata",
                json_kind(other)
            ))
        }
    };
    let wrap = |e: String| format!("error unmarshaling JSON: while decoding JSON: {e}");
    let known = [
        "name",
        "version",
        "usage",
        "description",
        "platformCommand",
        "command",
        "ignoreFlags",
        "Hooks",
        "downloaders",
        "useTunnel",
    ];
    let st = "Metadata";
    for (f, v) in fields(top, &known).map_err(wrap)? {
        let set = |dst: &mut String| -> Result<(), String> {
            if let Some(s) = string_of(v, st, f)? {
                *dst = s;
            }
            Ok(())
        };
        match f {
            "name" => set(&mut md.name),
            "version" => set(&mut md.version),
            "usage" => set(&mut md.usage),
            "description" => set(&mut md.description),
            "command" => set(&mut md.command),
            "ignoreFlags" => bool_of(v, st, f).map(|b| md.ignore_flags = b.unwrap_or(false)),
            "useTunnel" => bool_of(v, st, f).map(|b| md.use_tunnel = b.unwrap_or(false)),
            "Hooks" => (|| {
                md.hooks.clear();
                if let Some(m) = map_of(v, st, f, "plugin.Hooks")? {
                    for (k, hv) in m.entries() {
                        let key = goyaml::json_key(k, hv).map_err(|e| e.to_string())?;
                        let val = string_of(hv, st, "Hooks")?.unwrap_or_default();
                        md.hooks.insert(key, val);
                    }
                }
                Ok(())
            })(),
            "platformCommand" => (|| {
                md.platform_command.clear();
                for item in seq_of(v, st, f, "[]plugin.PlatformCommand")? {
                    let mut pc = PlatformCommand::default();
                    if let Some(m) = map_of(item, st, "platformCommand", "plugin.PlatformCommand")?
                    {
                        for (pf, pv) in fields(m, &["os", "arch", "command"])? {
                            let path = format!("platformCommand.{pf}");
                            let s = string_of(pv, "PlatformCommand", &path)?.unwrap_or_default();
                            match pf {
                                "os" => pc.os = s,
                                "arch" => pc.arch = s,
                                _ => pc.command = s,
                            }
                        }
                    }
                    md.platform_command.push(pc);
                }
                Ok(())
            })(),
            "downloaders" => (|| {
                md.downloaders.clear();
                for item in seq_of(v, st, f, "[]plugin.Downloaders")? {
                    let mut d = Downloader::default();
                    if let Some(m) = map_of(item, st, "downloaders", "plugin.Downloaders")? {
                        for (df, dv) in fields(m, &["protocols", "command"])? {
                            if df == "command" {
                                d.command = string_of(dv, "Downloaders", "downloaders.command")?
                                    .unwrap_or_default();
                            } else {
                                d.protocols.clear();
                                for p in
                                    seq_of(dv, "Downloaders", "downloaders.protocols", "[]string")?
                                {
                                    d.protocols.push(
                                        string_of(p, "Downloaders", "downloaders.protocols")?
                                            .unwrap_or_default(),
                                    );
                                }
                            }
                        }
                    }
                    md.downloaders.push(d);
                }
                Ok(())
            })(),
            _ => Ok(()),
        }
        .map_err(wrap)?;
    }
    Ok(md)
}

/// go-yaml's strict-mode complaints about repeated keys of the top-level mapping of the
/// first document (`  line 3: key "name" already set in map`), for block-style text.
fn top_level_duplicates(text: &str) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    let mut started = false;
    for (i, line) in text.lines().enumerate() {
        if line.starts_with("---") || line.starts_with("...") {
            if started {
                break;
            }
            continue;
        }
        let Some(first) = line.chars().next() else {
            continue;
        };
        if first.is_whitespace() || first == '#' || first == '-' || first == '{' || first == '[' {
            continue;
        }
        started = true;
        let key = if first == '"' || first == '\'' {
            match line[1..].find(first) {
                Some(end) if line[end + 2..].starts_with(':') => line[1..end + 1].to_string(),
                _ => continue,
            }
        } else {
            match line
                .find(": ")
                .or_else(|| line.ends_with(':').then(|| line.len() - 1))
            {
                Some(end) => line[..end].trim_end().to_string(),
                None => continue,
            }
        };
        if !seen.insert(key.clone()) {
            out.push(format!(
                "  line {}: key {} already set in map",
                i + 1,
                gotmpl::fmt::go_quote(&key)
            ));
        }
    }
    out
}

/// Go's text of an OS error on `op PATH` (`open /x: no such file or directory`).
pub(crate) fn go_io_error(op: &str, path: &Path, e: &std::io::Error) -> String {
    format!(
        "{op} {}: {}",
        path.display(),
        crate::chart::loader::go_io_text(e)
    )
}

/// Helm's `LoadDir`: the plugin in `dir`.
pub fn load_dir(dir: &Path) -> Result<Plugin, PluginError> {
    let file = dir.join(PLUGIN_FILE_NAME);
    let data = std::fs::read(&file).map_err(|e| PluginError::Read {
        err: go_io_error("open", &file, &e),
        path: file.clone(),
    })?;
    let text = String::from_utf8_lossy(&data);
    let mut metadata = parse_metadata(&text).map_err(|msg| PluginError::Parse {
        path: file.clone(),
        msg,
    })?;
    let valid = !metadata.name.is_empty()
        && metadata
            .name
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'-');
    if !valid {
        return Err(PluginError::InvalidName(file));
    }
    metadata.usage = sanitize(&metadata.usage);
    Ok(Plugin {
        metadata,
        dir: dir.to_path_buf(),
    })
}

/// Helm's `LoadAll`: the plugins in the directories directly under `base` that hold a
/// `plugin.yaml` (in byte order of their names), checked for duplicate names.
pub fn load_all(base: &Path) -> Result<Vec<Plugin>, PluginError> {
    let mut names: Vec<String> = match std::fs::read_dir(base) {
        Ok(rd) => rd
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect(),
        Err(_) => return Ok(Vec::new()),
    };
    names.sort();
    let mut plugins: Vec<Plugin> = Vec::new();
    for n in names {
        let dir = base.join(&n);
        if std::fs::symlink_metadata(dir.join(PLUGIN_FILE_NAME)).is_err() {
            continue;
        }
        plugins.push(load_dir(&dir)?);
    }
    for (i, p) in plugins.iter().enumerate() {
        if let Some(first) = plugins[..i]
            .iter()
            .find(|q| q.metadata.name == p.metadata.name)
        {
            return Err(PluginError::Duplicate {
                name: p.metadata.name.clone(),
                first: first.dir.clone(),
                second: p.dir.clone(),
            });
        }
    }
    Ok(plugins)
}

/// Helm's `FindPlugins`: [`load_all`] of each entry of the `:`-separated `dirs`.
pub fn find_plugins(dirs: &str) -> Result<Vec<Plugin>, PluginError> {
    let mut found = Vec::new();
    if dirs.is_empty() {
        return Ok(found);
    }
    for d in dirs.split(':') {
        found.extend(load_all(Path::new(d))?);
    }
    Ok(found)
}

/// The plugins directory as Helm's settings have it: `HELM_PLUGINS`, else
/// `<data home>/plugins`.
pub fn plugins_directory() -> String {
    match std::env::var("HELM_PLUGINS").ok().filter(|v| !v.is_empty()) {
        Some(v) => v,
        None => data_path("plugins").display().to_string(),
    }
}

fn home_dir(var: &str, xdg: &str, fallback: &str) -> PathBuf {
    if let Some(v) = std::env::var_os(var).filter(|v| !v.is_empty()) {
        return PathBuf::from(v);
    }
    if let Some(v) = std::env::var_os(xdg).filter(|v| !v.is_empty()) {
        return PathBuf::from(v).join("helm");
    }
    PathBuf::from(std::env::var_os("HOME").unwrap_or_default())
        .join(fallback)
        .join("helm")
}

/// Helm's `helmpath.DataPath(elem)`.
pub fn data_path(elem: &str) -> PathBuf {
    home_dir("HELM_DATA_HOME", "XDG_DATA_HOME", ".local/share").join(elem)
}

/// Helm's `helmpath.CachePath(elem...)`.
pub fn cache_path(elems: &[&str]) -> PathBuf {
    let mut p = home_dir("HELM_CACHE_HOME", "XDG_CACHE_HOME", ".cache");
    for e in elems {
        p.push(e);
    }
    p
}

/// Computes the variables every plugin process gets.
pub type EnvProvider = dyn Fn() -> BTreeMap<String, String> + Send + Sync;

static PLUGIN_ENV: OnceLock<Box<EnvProvider>> = OnceLock::new();

/// Sets how the variables every plugin process gets (Helm's `settings.EnvVars()`) are
/// computed, once per process; the front end calls it before anything runs a plugin. It
/// is only called when a plugin runs.
pub fn set_plugin_env(vars: Box<EnvProvider>) {
    let _ = PLUGIN_ENV.set(vars);
}

/// The variables set by [`set_plugin_env`] plus `HELM_PLUGIN_NAME` and `HELM_PLUGIN_DIR`
/// (Helm's `SetupPluginEnv`).
pub fn plugin_env(name: &str, dir: &Path) -> BTreeMap<String, String> {
    let mut env = PLUGIN_ENV.get().map(|f| f()).unwrap_or_default();
    env.insert("HELM_PLUGIN_NAME".into(), name.into());
    env.insert("HELM_PLUGIN_DIR".into(), dir.display().to_string());
    env
}

/// Credentials and TLS files handed to a downloader plugin.
#[derive(Clone, Debug, Default)]
pub struct GetterOptions {
    /// `--cert-file`.
    pub cert_file: String,
    /// `--key-file`.
    pub key_file: String,
    /// `--ca-file`.
    pub ca_file: String,
    /// `--username`.
    pub username: String,
    /// `--password`.
    pub password: String,
    /// `--pass-credentials`.
    pub pass_credentials_all: bool,
}

/// The downloader plugin declaring `scheme`, if any (the first one found, as Helm's
/// `getter.Providers.ByScheme`), with the downloader's command.
pub fn downloader_for(scheme: &str) -> Option<(Plugin, String)> {
    let plugins = find_plugins(&plugins_directory()).ok()?;
    for p in plugins {
        for d in &p.metadata.downloaders {
            if d.protocols.iter().any(|s| s == scheme) {
                let cmd = d.command.clone();
                return Some((p, cmd));
            }
        }
    }
    None
}

/// Runs a downloader plugin's `command` for `href` (Helm's `pluginGetter.Get`): the
/// program is the first word joined to the plugin's directory, its arguments the other
/// words, then the cert, key and CA files and the URL; standard output is the content,
/// standard error is passed through.
pub fn plugin_get(
    plugin: &Plugin,
    command: &str,
    href: &str,
    opts: &GetterOptions,
) -> Result<Vec<u8>, PluginError> {
    let words = split_words(command);
    let prog = plugin.dir.join(&words[0]);
    let mut args: Vec<String> = words[1..].to_vec();
    args.extend([
        opts.cert_file.clone(),
        opts.key_file.clone(),
        opts.ca_file.clone(),
        href.to_string(),
    ]);
    let out = std::process::Command::new(&prog)
        .args(&args)
        .envs(plugin_env(&plugin.metadata.name, &plugin.dir))
        .env("HELM_PLUGIN_USERNAME", &opts.username)
        .env("HELM_PLUGIN_PASSWORD", &opts.password)
        .env(
            "HELM_PLUGIN_PASS_CREDENTIALS_ALL",
            opts.pass_credentials_all.to_string(),
        )
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::inherit())
        .output()
        .map_err(|e| {
            PluginError::Other(format!(
                "fork/exec {}: {}",
                prog.display(),
                crate::chart::loader::go_io_text(&e)
            ))
        })?;
    if !out.status.success() {
        return Err(PluginError::Other(format!(
            "plugin {} exited with error",
            gotmpl::fmt::go_quote(command)
        )));
    }
    Ok(out.stdout)
}

/// The scheme of `url` as Go's `url.Parse` reads it (lower case), if it has one.
pub fn url_scheme(url: &str) -> Option<String> {
    let (scheme, _) = url.split_once(':')?;
    let mut chars = scheme.chars();
    let first = chars.next()?;
    if !first.is_ascii_alphabetic()
        || !chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    {
        return None;
    }
    Some(scheme.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(k: &str) -> Option<String> {
        match k {
            "HELM_PLUGIN_DIR" => Some("/p".into()),
            "X" => Some("x".into()),
            _ => None,
        }
    }

    #[test]
    fn expands_as_go() {
        assert_eq!(expand_env("$HELM_PLUGIN_DIR/run.sh", &env), "/p/run.sh");
        assert_eq!(expand_env("${X}y $X", &env), "xy x");
        assert_eq!(expand_env("a$", &env), "a$");
        assert_eq!(expand_env("$/x", &env), "$/x");
        assert_eq!(expand_env("${}z", &env), "z");
        assert_eq!(expand_env("${X", &env), "X");
        assert_eq!(expand_env("$NOPE.", &env), ".");
    }

    #[test]
    fn metadata_is_strict() {
        let md = parse_metadata("name: a\nversion: 1.10\nHOOKS:\n  install: x\nignoreFlags: yes\n")
            .unwrap_or_default();
        assert_eq!(md.version, "1.1");
        assert_eq!(md.hooks.get("install").map(String::as_str), Some("x"));
        assert!(md.ignore_flags);
        let e = parse_metadata("name: a\nversion: 1\n\"name\": b\n")
            .err()
            .unwrap_or_default();
        assert_eq!(
            e,
            "error converting YAML to JSON: yaml: unmarshal errors:\n  line 3: key \"name\" already set in map"
        );
        let e = parse_metadata("name: a\nfoo: 1\n")
            .err()
            .unwrap_or_default();
        assert_eq!(
            e,
            "error unmarshaling JSON: while decoding JSON: json: unknown field \"foo\""
        );
    }

    #[test]
    fn platform_command_order() {
        let p = Plugin {
            metadata: Metadata {
                name: "p".into(),
                command: "default".into(),
                platform_command: vec![
                    PlatformCommand {
                        os: "linux".into(),
                        arch: "".into(),
                        command: "linux-any a".into(),
                    },
                    PlatformCommand {
                        os: "Linux".into(),
                        arch: "arm64".into(),
                        command: "linux-arm".into(),
                    },
                ],
                ..Metadata::default()
            },
            dir: PathBuf::from("/p"),
        };
        let r = p.prepare_command_for(&["u".into()], "linux", "amd64", &env);
        // No OS+arch match: the last entry of this OS wins (helm's loop).
        assert_eq!(r.ok(), Some(("linux-arm".into(), vec!["u".into()])));
        let r = p.prepare_command_for(&[], "linux", "arm64", &env);
        assert_eq!(r.ok(), Some(("linux-arm".into(), vec![])));
        let r = p.prepare_command_for(&[], "darwin", "arm64", &env);
        assert_eq!(r.ok(), Some(("default".into(), vec![])));
        let mut q = p.clone();
        q.metadata.command.clear();
        q.metadata.platform_command.clear();
        assert!(matches!(
            q.prepare_command_for(&[], "linux", "amd64", &env),
            Err(PluginError::NoCommand)
        ));
    }
}
