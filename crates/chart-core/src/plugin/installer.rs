//! Installing and updating plugins as Helm's `pkg/plugin/installer` does: a local
//! directory is symlinked into the plugins directory, an `http(s)` `.tgz`/`.tar.gz`
//! archive is extracted into the cache and copied to `<data home>/plugins/<name>`, and
//! anything else is a VCS repository, cloned with `git` into the cache and copied
//! (Masterminds/vcs, Git only).

use std::path::{Path, PathBuf};
use std::process::Command;

use super::{cache_path, data_path, go_io_error, plugins_directory, PluginError, PLUGIN_FILE_NAME};

/// `[debug] FILE:LINE: MSG` lines of Helm's installer (with `--debug`).
pub type DebugSink<'a> = &'a dyn Fn(&str, &str);

fn other(s: impl Into<String>) -> PluginError {
    PluginError::Other(s.into())
}

/// Where a plugin comes from.
#[derive(Debug, Clone)]
pub enum Installer {
    /// A local directory (symlinked).
    Local {
        /// The absolute source directory.
        source: PathBuf,
        /// The plugins directory.
        plugins_dir: String,
    },
    /// An archive served over HTTP(S).
    Http {
        /// The URL.
        source: String,
        /// The plugin's name from the file name (`name-1.2.3.tgz` -> `name`).
        plugin_name: String,
        /// Where the archive is extracted.
        cache_dir: PathBuf,
    },
    /// A Git repository.
    Vcs {
        /// The remote URL.
        source: String,
        /// The version or constraint asked for (empty: the default branch).
        version: String,
        /// The clone in the cache.
        local: PathBuf,
        /// The plugins directory.
        plugins_dir: String,
    },
}

/// Go's `filepath.Base`.
fn go_base(s: &str) -> String {
    let t = s.trim_end_matches('/');
    if t.is_empty() {
        return if s.is_empty() { ".".into() } else { "/".into() };
    }
    t.rsplit('/').next().unwrap_or(t).to_string()
}

/// Helm's `cache.Key`: a file-system safe key for a URL or `user@host:path`.
pub fn cache_key(repo: &str) -> Result<String, PluginError> {
    let scp = regex_lite::Regex::new(r"^([a-zA-Z0-9_]+)@([a-zA-Z0-9._-]+):(.*)$")
        .map_err(|e| other(e.to_string()))?;
    let (scheme, user, host, path) = if let Some(m) = scp.captures(repo) {
        (
            String::new(),
            m[1].to_string(),
            m[2].to_string(),
            format!("/{}", &m[3]),
        )
    } else {
        match reqwest::Url::parse(repo) {
            Ok(u) if u.has_host() || u.scheme() == "file" => (
                u.scheme().to_string(),
                u.username().to_string(),
                match u.port() {
                    Some(p) => format!("{}:{p}", u.host_str().unwrap_or("")),
                    None => u.host_str().unwrap_or("").to_string(),
                },
                u.path().to_string(),
            ),
            _ => {
                // No scheme (or an opaque one): Go keeps the text as a path.
                let (scheme, rest) = match super::url_scheme(repo) {
                    Some(s) if repo.len() > s.len() => {
                        (s, repo[repo.find(':').unwrap_or(0) + 1..].to_string())
                    }
                    _ => (String::new(), repo.to_string()),
                };
                (scheme, String::new(), String::new(), rest)
            }
        }
    };
    let mut key = String::new();
    if !scheme.is_empty() {
        key.push_str(&scheme);
        key.push('-');
    }
    if !user.is_empty() {
        key.push_str(&user);
        key.push('-');
    }
    key.push_str(&host);
    key.push_str(&path.replace('/', "-"));
    Ok(key.replace(':', "-"))
}

/// Helm's `stripPluginName`: the archive's file name without the extension and a
/// `-<digit>...` version suffix.
fn strip_plugin_name(name: &str) -> String {
    let stripped = [".tar.gz", ".tgz"]
        .iter()
        .find_map(|s| name.strip_suffix(s))
        .unwrap_or("");
    match regex_lite::Regex::new(r"^(.*)-[0-9]+\..*$") {
        Ok(re) => re.replace(stripped, "$1").into_owned(),
        Err(_) => stripped.to_string(),
    }
}

/// Whether `source` is an http(s) URL whose `HEAD` answers with a gzip media type.
fn is_remote_http_archive(source: &str) -> bool {
    if !(source.starts_with("http://") || source.starts_with("https://")) {
        return false;
    }
    let Ok(client) = reqwest::blocking::Client::builder()
        .user_agent("Go-http-client/1.1")
        .build()
    else {
        return false;
    };
    let Ok(resp) = client.head(source).send() else {
        return false;
    };
    let ct = resp
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    matches!(
        ct.as_str(),
        "application/gzip" | "application/x-gzip" | "application/x-tgz" | "application/x-gtar"
    )
}

impl Installer {
    /// Helm's `NewForSource`: a local directory if `source` exists, an HTTP archive if a
    /// `HEAD` says so, else a VCS repository.
    pub fn for_source(source: &str, version: &str) -> Result<Installer, PluginError> {
        if std::fs::metadata(source).is_ok() {
            let abs = std::path::absolute(source)
                .map_err(|e| other(format!("unable to get absolute path to plugin: {e}")))?;
            return Ok(Installer::Local {
                source: clean(&abs),
                plugins_dir: plugins_directory(),
            });
        }
        if is_remote_http_archive(source) {
            let key = cache_key(source)?;
            if !(source.ends_with(".tar.gz") || source.ends_with(".tgz")) {
                return Err(other(format!("no extractor implemented yet for {source}")));
            }
            return Ok(Installer::Http {
                source: source.to_string(),
                plugin_name: strip_plugin_name(&go_base(source)),
                cache_dir: cache_path(&["plugins", &key]),
            });
        }
        let key = cache_key(source)?;
        let local = cache_path(&["plugins", &key]);
        let remote = detect_git_remote(source, &local)?;
        git_check_local(&remote, &local)?;
        Ok(Installer::Vcs {
            source: remote,
            version: version.to_string(),
            local,
            plugins_dir: plugins_directory(),
        })
    }

    /// Where the plugin is (or will be) installed.
    pub fn path(&self) -> PathBuf {
        match self {
            Installer::Local {
                source,
                plugins_dir,
            } => Path::new(plugins_dir).join(go_base(&source.display().to_string())),
            Installer::Http { plugin_name, .. } => data_path("plugins").join(plugin_name),
            Installer::Vcs {
                source,
                plugins_dir,
                ..
            } => Path::new(plugins_dir).join(go_base(source)),
        }
    }

    /// Helm's `installer.Install`: fails when the target exists, then installs.
    pub fn install(&self, debug: DebugSink) -> Result<(), PluginError> {
        let path = self.path();
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| other(go_io_error("mkdir", parent, &e)))?;
        }
        if std::fs::symlink_metadata(&path).is_ok() {
            return Err(other("plugin already exists"));
        }
        match self {
            Installer::Local { source, .. } => {
                let meta = std::fs::metadata(source)
                    .map_err(|e| other(go_io_error("stat", source, &e)))?;
                if !meta.is_dir() {
                    return Err(other("expected plugin to be a folder"));
                }
                if !is_plugin(source) {
                    return Err(missing_metadata());
                }
                debug(
                    "local_installer.go:60",
                    &format!("symlinking {} to {}", source.display(), path.display()),
                );
                symlink(source, &path).map_err(|e| {
                    other(format!(
                        "symlink {} {}: {}",
                        source.display(),
                        path.display(),
                        crate::chart::loader::go_io_text(&e)
                    ))
                })
            }
            Installer::Http {
                source, cache_dir, ..
            } => {
                let entry = crate::repo::config::Entry::default();
                let data =
                    crate::repo::config::http_get(&entry, source, crate::chart::MAX_CHART_SIZE)
                        .map_err(|e| other(e.to_string()))?;
                extract_tgz(&data, cache_dir)
                    .map_err(|e| other(format!("extracting files from archive: {e}")))?;
                if !is_plugin(cache_dir) {
                    return Err(missing_metadata());
                }
                debug(
                    "http_installer.go:147",
                    &format!("copying {} to {}", cache_dir.display(), path.display()),
                );
                copy_dir(cache_dir, &path)
            }
            Installer::Vcs {
                source,
                version,
                local,
                ..
            } => {
                if std::fs::symlink_metadata(local).is_err() {
                    debug(
                        "vcs_installer.go:159",
                        &format!("cloning {source} to {}", local.display()),
                    );
                    git_clone(source, local)?;
                } else {
                    debug("vcs_installer.go:162", &format!("updating {source}"));
                    git_update(local)?;
                }
                if !version.is_empty() {
                    let reference = solve_version(source, version, local, debug)?;
                    debug(
                        "vcs_installer.go:152",
                        &format!("setting version to {}", gotmpl::fmt::go_quote(version)),
                    );
                    let out = git(local, &["checkout", &reference])?;
                    if !out.status.success() {
                        return Err(other("Unable to update checked out version"));
                    }
                    defend_submodules(local)?;
                }
                if !is_plugin(local) {
                    return Err(missing_metadata());
                }
                debug(
                    "vcs_installer.go:91",
                    &format!("copying {} to {}", local.display(), path.display()),
                );
                copy_dir(local, &path)
            }
        }
    }
}

fn missing_metadata() -> PluginError {
    other("plugin metadata (plugin.yaml) missing")
}

fn is_plugin(dir: &Path) -> bool {
    std::fs::metadata(dir.join(PLUGIN_FILE_NAME)).is_ok()
}

/// Go's `filepath.Clean` of an absolute path.
fn clean(p: &Path) -> PathBuf {
    let mut out = PathBuf::from("/");
    for c in p.components() {
        match c {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::Normal(n) => out.push(n),
            _ => {}
        }
    }
    out
}

#[cfg(unix)]
fn symlink(src: &Path, dst: &Path) -> std::io::Result<()> {
    std::os::unix::fs::symlink(src, dst)
}

#[cfg(not(unix))]
fn symlink(_src: &Path, _dst: &Path) -> std::io::Result<()> {
    Err(std::io::Error::other("symlinks are not supported here"))
}

/// Helm's `updatePlugin` source lookup (`installer.FindSource`): the Git clone that a
/// plugin directory is, with its `origin` remote.
pub fn find_source(location: &Path) -> Result<Installer, PluginError> {
    if std::fs::metadata(location.join(".git")).is_err() {
        return Err(other("cannot get information about plugin source"));
    }
    let out = git(location, &["config", "--get", "remote.origin.url"])?;
    if !out.status.success() {
        return Err(other("Unable to retrieve local repo information"));
    }
    let remote = String::from_utf8_lossy(&out.stdout).trim().to_string();
    Ok(Installer::Vcs {
        source: remote,
        version: String::new(),
        local: location.to_path_buf(),
        plugins_dir: plugins_directory(),
    })
}

/// Helm's `installer.Update` for a VCS plugin found by [`find_source`] (other kinds cannot
/// be updated).
pub fn update(i: &Installer, debug: DebugSink) -> Result<PathBuf, PluginError> {
    let path = i.path();
    if std::fs::symlink_metadata(&path).is_err() {
        return Err(other("plugin does not exist"));
    }
    match i {
        Installer::Local { .. } => {
            debug("local_installer.go:66", "local repository is auto-updated");
            Ok(path)
        }
        Installer::Http { .. } => Err(other("method Update() not implemented for HttpInstaller")),
        Installer::Vcs { source, local, .. } => {
            debug("vcs_installer.go:97", &format!("updating {source}"));
            let diff = git(local, &["diff"])?;
            if !diff.status.success() || !diff.stdout.is_empty() {
                return Err(other("plugin repo was modified"));
            }
            git_update(local)?;
            if !is_plugin(local) {
                return Err(missing_metadata());
            }
            Ok(local.clone())
        }
    }
}

fn git(dir: &Path, args: &[&str]) -> Result<std::process::Output, PluginError> {
    Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("PWD", dir)
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| other(format!("git: {e}")))
}

fn git_installed() -> Result<(), PluginError> {
    match Command::new("git")
        .arg("--version")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
    {
        Ok(_) => Ok(()),
        Err(_) => Err(other("git is not installed")),
    }
}

/// Masterminds/vcs `NewGitRepo`'s check of an existing clone: its `origin` must be the
/// remote.
fn git_check_local(remote: &str, local: &Path) -> Result<(), PluginError> {
    git_installed()?;
    if std::fs::metadata(local.join(".git")).is_err() {
        return Ok(());
    }
    let out = git(local, &["config", "--get", "remote.origin.url"])?;
    if !out.status.success() {
        return Err(other("Unable to retrieve local repo information"));
    }
    if String::from_utf8_lossy(&out.stdout).trim() != remote {
        return Err(other("The Remote does not match the VCS endpoint"));
    }
    Ok(())
}

fn git_clone(remote: &str, local: &Path) -> Result<(), PluginError> {
    if let Some(parent) = local.parent() {
        let _ = std::fs::create_dir_all(parent);
    }
    let out = Command::new("git")
        .args(["clone", "--recursive", "--", remote])
        .arg(local)
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| other(format!("git: {e}")))?;
    if !out.status.success() {
        return Err(other("Unable to get repository"));
    }
    Ok(())
}

fn git_update(local: &Path) -> Result<(), PluginError> {
    let out = git(local, &["fetch", "--tags", "--", "origin"])?;
    if !out.status.success() {
        return Err(other("Unable to update repository"));
    }
    let head = git(local, &["rev-parse", "--abbrev-ref", "HEAD"])?;
    if String::from_utf8_lossy(&head.stdout).trim() == "HEAD" {
        return Ok(());
    }
    let out = git(local, &["pull"])?;
    if !out.status.success() {
        return Err(other("Unable to update repository"));
    }
    defend_submodules(local)
}

fn defend_submodules(local: &Path) -> Result<(), PluginError> {
    let steps: [(&[&str], &str); 3] = [
        (&["submodule", "update", "--init", "--recursive"], "Unexpected error while defensively updating submodules"),
        (&["clean", "-x", "-d", "-f", "-f"], "Unexpected error while defensively cleaning up after possible derelict submodule directories"),
        (&["submodule", "foreach", "--recursive", "git clean -x -d -f -f"], "Unexpected error while defensively cleaning up after possible derelict nested submodule directories"),
    ];
    for (args, msg) in steps {
        if !git(local, args)?.status.success() {
            return Err(other(msg));
        }
    }
    Ok(())
}

/// The tag or reference to check out for `version` (Helm's `solveVersion`).
fn solve_version(
    source: &str,
    version: &str,
    local: &Path,
    debug: DebugSink,
) -> Result<String, PluginError> {
    let is_ref = git(local, &["rev-parse", "--verify", version])?
        .status
        .success()
        || git(local, &["show-ref", version])?.status.success();
    if is_ref {
        return Ok(version.to_string());
    }
    let constraint =
        crate::chart::semver::Constraints::parse(version).map_err(|e| other(e.to_string()))?;
    let out = git(local, &["show-ref"])?;
    if !out.status.success() {
        return Err(other("Unable to retrieve tags"));
    }
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let tags: Vec<String> = text
        .lines()
        .filter_map(|l| l.split_once("tags/").map(|(_, t)| t.trim().to_string()))
        .filter(|t| !t.contains(char::is_whitespace))
        .collect();
    debug(
        "vcs_installer.go:131",
        &format!("found refs: [{}]", tags.join(" ")),
    );
    let mut versions: Vec<(crate::chart::semver::Version, String)> = tags
        .iter()
        .filter_map(|t| crate::chart::semver::parse_version(t).map(|v| (v, t.clone())))
        .collect();
    versions.sort_by(|a, b| b.0.compare(&a.0));
    for (v, original) in versions {
        if constraint.check(&v) {
            debug("vcs_installer.go:142", &format!("setting to {original}"));
            return Ok(original);
        }
    }
    Err(other(format!(
        "requested version {} does not exist for plugin {}",
        gotmpl::fmt::go_quote(version),
        gotmpl::fmt::go_quote(source)
    )))
}

/// Masterminds/vcs remote detection, Git only: `file://` URLs of a clone, `git://`,
/// `git+ssh://`, `user@host:path`, github.com and other known Git hosts, URLs ending in
/// `.git`, a `go-import` meta tag, or an existing clone in the cache.
fn detect_git_remote(source: &str, local: &Path) -> Result<String, PluginError> {
    let cannot = || other("Cannot detect VCS");
    let scp = regex_lite::Regex::new(r"^([a-zA-Z0-9_]+)@([a-zA-Z0-9._-]+):(.*)$")
        .map_err(|e| other(e.to_string()))?;
    let parsed: Option<(String, String, String, String)> = if let Some(m) = scp.captures(source) {
        Some((
            "ssh".into(),
            m[1].to_string(),
            m[2].to_string(),
            format!("/{}", &m[3]),
        ))
    } else {
        reqwest::Url::parse(source).ok().map(|u| {
            (
                u.scheme().to_string(),
                u.username().to_string(),
                u.host_str().unwrap_or("").to_string(),
                u.path().to_string(),
            )
        })
    };
    let from_fs = |p: &Path| -> Result<String, PluginError> {
        if std::fs::metadata(p.join(".git")).is_ok() {
            Ok(source.to_string())
        } else {
            Err(cannot())
        }
    };
    if let Some((scheme, user, host, path)) = &parsed {
        if scheme == "file" {
            return from_fs(Path::new(path));
        }
        if !host.is_empty() {
            if matches!(scheme.as_str(), "git+ssh" | "git") {
                return Ok(source.to_string());
            }
            let check = format!("{host}{path}");
            let known: [(&str, &str); 6] = [
                (
                    "github.com",
                    r"^(github\.com[/|:][A-Za-z0-9_.\-]+/[A-Za-z0-9_.\-]+)(/[A-Za-z0-9_.\-]+)*$",
                ),
                (
                    "bitbucket.org",
                    r"^(bitbucket\.org/([A-Za-z0-9_.\-]+/[A-Za-z0-9_.\-]+))(/[A-Za-z0-9_.\-]+)*$",
                ),
                (
                    "git.launchpad.net",
                    r"^(git\.launchpad\.net/(([A-Za-z0-9_.\-]+)|~[A-Za-z0-9_.\-]+/(\+git|[A-Za-z0-9_.\-]+)/[A-Za-z0-9_.\-]+))$",
                ),
                (
                    "hub.jazz.net",
                    r"^(hub\.jazz\.net/git/[a-z0-9]+/[A-Za-z0-9_.\-]+)(/[A-Za-z0-9_.\-]+)*$",
                ),
                (
                    "go.googlesource.com",
                    r"^(go\.googlesource\.com/[A-Za-z0-9_.\-]+/?)$",
                ),
                (
                    "git.openstack.org",
                    r"^(git\.openstack\.org/[A-Za-z0-9_.\-]+/[A-Za-z0-9_.\-]+)$",
                ),
            ];
            if let Some((_, pat)) = known.iter().find(|(h, _)| *h == host) {
                let re = regex_lite::Regex::new(pat).map_err(|e| other(e.to_string()))?;
                return if re.is_match(&check) {
                    Ok(source.to_string())
                } else {
                    Err(cannot())
                };
            }
            if let Some(ext) = [".git", ".hg", ".svn", ".bzr"]
                .iter()
                .find(|e| check.ends_with(*e))
            {
                return if *ext == ".git" {
                    Ok(source.to_string())
                } else {
                    Err(other(format!(
                        "{} repositories are not supported",
                        &ext[1..]
                    )))
                };
            }
            if user == "git" {
                return Ok(source.to_string());
            }
            if let Some(remote) = go_import_remote(source, host, path) {
                return Ok(remote);
            }
        }
    }
    // Last: an existing clone in the cache.
    from_fs(local)
}

/// The Git remote a `<meta name="go-import">` tag of `source?go-get=1` names.
fn go_import_remote(source: &str, host: &str, path: &str) -> Option<String> {
    let mut u = reqwest::Url::parse(source).ok()?;
    let q = match u.query() {
        Some(q) if !q.is_empty() => format!("{q}+go-get=1"),
        _ => "go-get=1".to_string(),
    };
    u.set_query(Some(&q));
    let client = reqwest::blocking::Client::builder()
        .timeout(std::time::Duration::from_secs(30))
        .build()
        .ok()?;
    let body = client.get(u.as_str()).send().ok()?.text().ok()?;
    let head = body.split("</head>").next().unwrap_or("");
    let re =
        regex_lite::Regex::new(r#"(?is)<meta\s+name=["']go-import["']\s+content=["']([^"']*)["']"#)
            .ok()?;
    let want = format!("{host}{path}");
    for c in re.captures_iter(head) {
        let f: Vec<&str> = c[1].split_whitespace().collect();
        if f.len() == 3 && want.starts_with(f[0]) && f[1] == "git" {
            return Some(f[2].to_string());
        }
    }
    None
}

/// Helm's `TarGzExtractor`: regular files and directories only, with its path checks.
fn extract_tgz(data: &[u8], target: &Path) -> Result<(), String> {
    let gz = flate2::read::GzDecoder::new(data);
    std::fs::create_dir_all(target).map_err(|e| go_io_error("mkdir", target, &e))?;
    let mut ar = tar::Archive::new(gz);
    let entries = ar.entries().map_err(|e| e.to_string())?;
    for entry in entries {
        let mut entry = entry.map_err(|e| e.to_string())?;
        let name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        if name.contains(':') {
            return Err("path contains ':', which is illegal".into());
        }
        let name = name.replace('\\', "/");
        if name.split('/').any(|p| p == "..") {
            return Err("path contains '..', which is illegal".into());
        }
        if name.starts_with('/') {
            return Err("path is absolute, which is illegal".into());
        }
        // SecureJoin cleans the joined path (`./` is the target itself).
        let mut dest = target.to_path_buf();
        for part in name.split('/').filter(|p| !p.is_empty() && *p != ".") {
            dest.push(part);
        }
        let kind = entry.header().entry_type();
        if kind.is_dir() {
            std::fs::create_dir(&dest).map_err(|e| go_io_error("mkdir", &dest, &e))?;
        } else if kind.is_file() {
            let mode = entry.header().mode().unwrap_or(0o644);
            let mut f = open_mode(&dest, mode).map_err(|e| go_io_error("open", &dest, &e))?;
            std::io::copy(&mut entry, &mut f).map_err(|e| e.to_string())?;
        } else if kind.is_pax_global_extensions() || kind.is_pax_local_extensions() {
            continue;
        } else {
            return Err(format!(
                "unknown type: {:b} in {}",
                kind.as_byte(),
                dest.strip_prefix(target).unwrap_or(&dest).display()
            ));
        }
    }
    Ok(())
}

#[cfg(unix)]
fn open_mode(p: &Path, mode: u32) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .create(true)
        .read(true)
        .write(true)
        .mode(mode)
        .open(p)
}

#[cfg(not(unix))]
fn open_mode(p: &Path, _mode: u32) -> std::io::Result<std::fs::File> {
    std::fs::OpenOptions::new()
        .create(true)
        .read(true)
        .write(true)
        .open(p)
}

/// dep's `fs.CopyDir`: copies a directory tree (modes kept, symlinks copied as links);
/// the destination must not exist.
fn copy_dir(src: &Path, dst: &Path) -> Result<(), PluginError> {
    let meta = std::fs::metadata(src).map_err(|e| other(go_io_error("stat", src, &e)))?;
    if !meta.is_dir() {
        return Err(other("source is not a directory"));
    }
    if std::fs::symlink_metadata(dst).is_ok() {
        return Err(other("destination already exists"));
    }
    copy_tree(src, dst).map_err(|e| other(format!("cannot copy {}: {e}", src.display())))
}

fn copy_tree(src: &Path, dst: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dst)?;
    std::fs::set_permissions(dst, std::fs::metadata(src)?.permissions())?;
    for e in std::fs::read_dir(src)? {
        let e = e?;
        let from = e.path();
        let to = dst.join(e.file_name());
        let ft = e.file_type()?;
        if ft.is_dir() {
            copy_tree(&from, &to)?;
        } else if ft.is_symlink() {
            symlink(&std::fs::read_link(&from)?, &to)?;
        } else {
            std::fs::copy(&from, &to)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_names() {
        assert_eq!(
            cache_key("https://github.com/databus23/helm-diff")
                .ok()
                .as_deref(),
            Some("https-github.com-databus23-helm-diff")
        );
        assert_eq!(
            cache_key("git@github.com:a/b").ok().as_deref(),
            Some("git-github.com-a-b")
        );
        assert_eq!(
            cache_key("http://127.0.0.1:8080/p-1.0.tgz").ok().as_deref(),
            Some("http-127.0.0.1-8080-p-1.0.tgz")
        );
        assert_eq!(strip_plugin_name("helm-diff-3.1.0.tgz"), "helm-diff");
        assert_eq!(strip_plugin_name("plain.tar.gz"), "plain");
        assert_eq!(go_base("/a/b/"), "b");
    }
}
