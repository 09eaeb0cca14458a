//! `helm dependency update|build`: resolving a chart's declared dependencies against
//! chart repositories and local directories, writing them as archives into `charts/`,
//! and keeping `Chart.lock` (Helm's `downloader.Manager` and `internal/resolver`).
//!
//! Everything is first downloaded (or packaged) into `CHART/tmpcharts-<pid>`; only when
//! every dependency succeeded are the archives moved into `charts/` and outdated ones
//! deleted, so a failure leaves `charts/` as it was. Unlike Helm 3.17.3, a `Chart.lock`
//! that is a symbolic link is never written through (Helm's CVE-2025-53547 fix, with its
//! message) and a `charts/` that is a symbolic link is refused.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};

use gotmpl::fmt::go_quote;
use sha2::{Digest, Sha256};

use super::config::{download_index, http_get, Entry, RepoFile, Settings};
use super::dependency::go_join;
use super::index::{IndexError, IndexFile};
use super::provenance;
use crate::chart::metadata::API_VERSION_V1;
use crate::chart::save::{self, SaveOptions};
use crate::chart::semver::{Constraints, Version};
use crate::chart::{self, Chart, Dependency, Lock, MAX_CHART_SIZE};

/// Why a dependency operation failed; the messages are Helm's.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DependencyError {
    /// Locked dependencies name repositories that are not configured (`helm dependency
    /// build`).
    #[error("no repository definition for {}", .0.join(", "))]
    RepoNotFound(Vec<String>),
    /// Anything else, with Helm's text.
    #[error("{0}")]
    Failed(String),
}

type Result<T> = std::result::Result<T, DependencyError>;

fn fail(s: impl Into<String>) -> DependencyError {
    DependencyError::Failed(s.into())
}

/// When downloaded dependencies are checked against their `.prov` files.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub enum VerifyMode {
    /// Never (the default).
    #[default]
    Never,
    /// When a `.prov` exists (`dependency build --verify`): a missing one is a warning.
    IfPossible,
    /// Always (`dependency update --verify`): a missing `.prov` is an error.
    Always,
}

/// Helm's `downloader.Manager`.
pub struct Manager<'a> {
    /// Where progress and warnings go (stdout in `helm dependency`, nowhere in `helm
    /// package -u`).
    pub out: &'a mut dyn Write,
    /// Where helm's `log` lines go (stderr).
    pub log: &'a mut dyn Write,
    /// The chart directory, as given (cleaned).
    pub chart_path: String,
    /// Provenance checking of downloads.
    pub verify: VerifyMode,
    /// The public keyring for `verify`.
    pub keyring: PathBuf,
    /// `--skip-refresh`: do not download repository indexes first.
    pub skip_update: bool,
    /// `--debug`: extra progress lines.
    pub debug: bool,
    /// repositories.yaml and the cache.
    pub settings: Settings,
    /// Modification time of entries in archives packaged from `file://` dependencies.
    pub mtime: u64,
    /// How `oci://` dependencies are reached (`--plain-http`, TLS, `--username`,
    /// `--password`, the registry credentials file).
    pub registry: crate::registry::ClientOptions,
}

/// The prefix of cache names for repositories named only by URL in Chart.yaml.
const MANAGER_KEY_PREFIX: &str = "helm-manager-";

fn sha256_hex(b: &[u8]) -> String {
    super::index::hex(&Sha256::digest(b))
}

/// Go's `encoding/json` text of one `chart.Dependency` (struct field order, `omitempty`).
fn dependency_json(d: &Dependency) -> String {
    let q = |s: &str| goyaml::to_json(&gotmpl::Value::str(s)).unwrap_or_default();
    let mut s = format!("{{\"name\":{}", q(&d.name));
    if !d.version.is_empty() {
        s.push_str(&format!(",\"version\":{}", q(&d.version)));
    }
    s.push_str(&format!(",\"repository\":{}", q(&d.repository)));
    if !d.condition.is_empty() {
        s.push_str(&format!(",\"condition\":{}", q(&d.condition)));
    }
    if !d.tags.is_empty() {
        let t: Vec<String> = d.tags.iter().map(|t| q(t)).collect();
        s.push_str(&format!(",\"tags\":[{}]", t.join(",")));
    }
    if d.enabled {
        s.push_str(",\"enabled\":true");
    }
    if !d.import_values.is_empty() {
        let v = goyaml::to_json(&gotmpl::Value::list(d.import_values.clone())).unwrap_or_default();
        s.push_str(&format!(",\"import-values\":{v}"));
    }
    if !d.alias.is_empty() {
        s.push_str(&format!(",\"alias\":{}", q(&d.alias)));
    }
    s.push('}');
    s
}

fn dependencies_json(deps: &[Dependency]) -> String {
    let items: Vec<String> = deps.iter().map(dependency_json).collect();
    format!("[{}]", items.join(","))
}

/// Helm's `resolver.HashReq`: `sha256:` + hex SHA-256 of the JSON of
/// `[requirements, locked]`.
pub fn hash_req(req: &[Dependency], lock: &[Dependency]) -> String {
    let json = format!("[{},{}]", dependencies_json(req), dependencies_json(lock));
    format!("sha256:{}", sha256_hex(json.as_bytes()))
}

/// Helm's `resolver.HashV2Req`: the digest Helm 2 wrote into requirements.lock.
pub fn hash_v2_req(req: &[Dependency]) -> String {
    let json = format!("{{\"dependencies\":{}}}", dependencies_json(req));
    format!("sha256:{}", sha256_hex(json.as_bytes()))
}

/// Go's `urlutil.Equal`: two URLs equal after cleaning their paths.
pub fn url_equal(a: &str, b: &str) -> bool {
    let norm = |s: &str| -> Option<String> {
        let mut u = reqwest::Url::parse(s).ok()?;
        let p = go_join("", if u.path().is_empty() { "/" } else { u.path() });
        u.set_path(&p);
        let mut t = u.to_string();
        // Url always writes a `/` path; Go writes none for a cleaned root... both sides
        // are normalised the same way, so only the comparison matters.
        if t.ends_with('/') && p != "/" {
            t.pop();
        }
        Some(t)
    };
    match (norm(a), norm(b)) {
        (Some(x), Some(y)) => x == y,
        (None, _) => go_join("", a) == go_join("", b),
        (Some(_), None) => false,
    }
}

/// Helm's `versionEquals`: equal as semantic versions, or as strings when the first
/// does not parse.
fn version_equals(a: &str, b: &str) -> bool {
    match (Version::parse(a), Version::parse(b)) {
        (Err(_), _) => a == b,
        (Ok(_), Err(_)) => false,
        (Ok(x), Ok(y)) => x.compare(&y) == std::cmp::Ordering::Equal,
    }
}

/// Go's `url.ParseRequestURI` succeeding: an absolute URL or an absolute path.
fn is_request_uri(s: &str) -> bool {
    s.starts_with('/') || reqwest::Url::parse(s).is_ok()
}

fn is_oci(s: &str) -> bool {
    s.starts_with("oci://")
}

/// Helm's `parseOCIRef` (`^(oci://[^:]+(:[0-9]{1,5})?[^:]+):(.*)$`): a locked
/// `oci://HOST[:PORT]/PATH/NAME:VERSION` split into the reference and the version.
fn parse_oci_ref(s: &str) -> Option<(String, String)> {
    let rest = s.strip_prefix("oci://")?;
    let parts: Vec<&str> = rest.split(':').collect();
    let with_port = parts.len() >= 3
        && !parts[0].is_empty()
        && parts[1].len() >= 2
        && parts[1].as_bytes()[0].is_ascii_digit();
    if with_port {
        return Some((
            format!("oci://{}:{}", parts[0], parts[1]),
            parts[2..].join(":"),
        ));
    }
    (parts.len() >= 2 && parts[0].len() >= 2)
        .then(|| (format!("oci://{}", parts[0]), parts[1..].join(":")))
}

/// Helm's `resolver.GetLocalPath`: a `file://` repository (or `charts/NAME`) as a path
/// relative to the chart, which must exist.
pub fn local_path(repo: &str, chart_path: &str) -> Result<String> {
    let p = repo.strip_prefix("file://").unwrap_or(repo);
    let dep = if p.starts_with('/') {
        go_join("", p)
    } else {
        go_join(chart_path, p)
    };
    match std::fs::metadata(&dep) {
        Ok(_) => Ok(dep),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            Err(fail(format!("directory {dep} not found")))
        }
        Err(e) => Err(fail(format!(
            "stat {dep}: {}",
            crate::chart::loader::go_io_text(&e)
        ))),
    }
}

fn load_repo_file(path: &Path) -> Result<RepoFile> {
    RepoFile::load(path).map_err(|e| fail(e.to_string()))
}

/// An index load error as Go prints it (`open PATH: no such file or directory`).
fn index_err(e: &IndexError) -> String {
    match e {
        IndexError::Io { path, err } => format!(
            "open {}: {}",
            path.display(),
            crate::chart::loader::go_io_text(err)
        ),
        e => e.to_string(),
    }
}

/// The versions (newest first) of `name` in a cached index.
fn index_versions(idx: &IndexFile, name: &str) -> Option<Vec<(String, Vec<String>)>> {
    idx.entries.get(name).map(|vs| {
        vs.iter()
            .map(|cv| (cv.metadata.version.clone(), cv.urls.clone()))
            .collect()
    })
}

/// A loaded cached index and the log lines Helm prints on loading it, or the load error.
type Loaded = std::result::Result<(std::rc::Rc<IndexFile>, Vec<String>), String>;

/// The cached repository indexes one command reads, each file read once and only the
/// charts the dependencies name kept. Helm reads a whole cached index once per dependency
/// (`resolver.Resolve`) and again per configured repository (`loadChartRepositories`),
/// each time printing the log lines of its invalid entries; [`IndexCache::get`] gives the
/// same lines at each of those points without reading the file again.
#[derive(Default)]
struct IndexCache {
    /// The chart names worth keeping.
    keep: BTreeSet<String>,
    /// Cache file → its kept charts and log lines, or the load error as Go prints it.
    files: BTreeMap<PathBuf, Loaded>,
}

impl IndexCache {
    fn new<'d>(deps: impl IntoIterator<Item = &'d Dependency>) -> IndexCache {
        IndexCache {
            keep: deps.into_iter().map(|d| d.name.clone()).collect(),
            files: BTreeMap::new(),
        }
    }

    /// The index at `path` (read on first use) and the log lines Helm prints on loading it.
    fn get(&mut self, path: &Path) -> Loaded {
        if let Some(r) = self.files.get(path) {
            return r.clone();
        }
        let mut w = Vec::new();
        let keep = &self.keep;
        let r = IndexFile::load_file_charts(path, &mut w, &|n| keep.contains(n))
            .map(|idx| (std::rc::Rc::new(idx), w))
            .map_err(|e| index_err(&e));
        self.files.insert(path.to_path_buf(), r.clone());
        r
    }
}

/// The scheme of a repository URL as Go's `url.Parse` sees it (empty when none).
fn scheme_of(s: &str) -> String {
    match reqwest::Url::parse(s) {
        Ok(u) => u.scheme().to_string(),
        Err(_) => String::new(),
    }
}

/// Go's `path.Join`-based `normalizeURL` of Helm's manager: an absolute URL as is, else
/// the path joined onto the base URL's path.
fn normalize_url(base: &str, url_or_path: &str) -> Result<String> {
    if let Ok(u) = reqwest::Url::parse(url_or_path) {
        return Ok(u.to_string());
    }
    let mut b =
        reqwest::Url::parse(base).map_err(|e| fail(format!("base URL failed to parse: {e}")))?;
    let (path, query) = match url_or_path.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (url_or_path, None),
    };
    let joined = go_join(b.path(), path);
    b.set_path(&joined);
    if let Some(q) = query {
        b.set_query(Some(q));
    }
    Ok(b.to_string())
}

impl Manager<'_> {
    fn say(&mut self, s: &str) {
        let _ = self.out.write_all(s.as_bytes());
    }

    /// Helm's `log` lines (stderr).
    fn log_lines(&mut self, lines: &[String]) {
        for l in lines {
            let _ = writeln!(self.log, "{l}");
        }
    }

    fn load_chart_dir(&self) -> Result<Chart> {
        match std::fs::metadata(&self.chart_path) {
            Err(e) => {
                return Err(fail(format!(
                    "could not find {}: stat {}: {}",
                    self.chart_path,
                    self.chart_path,
                    crate::chart::loader::go_io_text(&e)
                )))
            }
            Ok(m) if !m.is_dir() => return Err(fail("only unpacked charts can be updated")),
            Ok(_) => {}
        }
        chart::load_dir(&self.chart_path).map_err(|e| fail(e.to_string()))
    }

    fn lock_name(c: &Chart) -> &'static str {
        if c.metadata.api_version == API_VERSION_V1 {
            "requirements.lock"
        } else {
            "Chart.lock"
        }
    }

    /// Refuses a lock file that is a symbolic link (Helm's CVE-2025-53547 fix).
    fn check_lock_not_symlink(&self, c: &Chart) -> Result<()> {
        let name = Self::lock_name(c);
        let dest = go_join(&self.chart_path, name);
        match std::fs::symlink_metadata(&dest) {
            Ok(m) if m.file_type().is_symlink() => {
                let link = std::fs::read_link(&dest).map_err(|e| {
                    fail(format!(
                        "error reading symlink for {}: {e}",
                        go_quote(&dest)
                    ))
                })?;
                Err(fail(format!(
                    "the {name} file is a symlink to {}",
                    go_quote(&link.display().to_string())
                )))
            }
            Ok(_) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(fail(format!(
                "error getting info for {}: {}",
                go_quote(&dest),
                crate::chart::loader::go_io_text(&e)
            ))),
        }
    }

    /// `helm dependency build`: `charts/` rebuilt from the lock file (or `update` when
    /// there is none).
    pub fn build(&mut self) -> Result<()> {
        let c = self.load_chart_dir()?;
        let Some(lock) = c.lock.clone() else {
            return self.update();
        };
        let mut req = c.metadata.dependencies.clone();
        let v1 = c.metadata.api_version == API_VERSION_V1;
        let v2_sum = if v1 { hash_v2_req(&req) } else { String::new() };
        self.resolve_repo_names(&mut req)?;
        if hash_req(&req, &lock.dependencies) != lock.digest {
            if v1 {
                let _ = self.log.write_all(
                    b"manager.go:122: warning: a valid Helm v3 hash was not found. Checking against Helm v2 hash...\n",
                );
                if v2_sum != lock.digest {
                    return Err(fail("the lock file (requirements.lock) is out of sync with the dependencies file (requirements.yaml). Please update the dependencies"));
                }
            } else {
                return Err(fail("the lock file (Chart.lock) is out of sync with the dependencies file (Chart.yaml). Please update the dependencies"));
            }
        }
        self.has_all_repos(&lock.dependencies)?;
        if !self.skip_update {
            self.update_repositories()?;
        }
        let mut deps = lock.dependencies.clone();
        let mut cache = IndexCache::new(&deps);
        self.download_all(&mut deps, &mut cache)
    }

    /// `helm dependency update`: resolve the constraints, download into `charts/`, and
    /// write the lock file when its digest changed.
    pub fn update(&mut self) -> Result<()> {
        let c = self.load_chart_dir()?;
        let mut req = c.metadata.dependencies.clone();
        if req.is_empty() {
            return Ok(());
        }
        // Checked before anything is downloaded: the lock is never written through a link.
        self.check_lock_not_symlink(&c)?;
        let repo_names = self.resolve_repo_names(&mut req)?;
        let repo_names = self.ensure_missing_repos(repo_names, &req)?;
        if !self.skip_update {
            self.update_repositories()?;
        }
        let mut cache = IndexCache::new(&req);
        let mut lock = self.resolve(&req, &repo_names, &mut cache)?;
        self.download_all(&mut lock.dependencies, &mut cache)?;
        lock.digest = hash_req(&req, &lock.dependencies);
        if c.lock.as_ref().is_some_and(|old| old.digest == lock.digest) {
            return Ok(());
        }
        self.write_lock(&c, &lock)
    }

    fn write_lock(&self, c: &Chart, lock: &Lock) -> Result<()> {
        self.check_lock_not_symlink(c)?;
        let data = save::lock_yaml(lock).map_err(|e| fail(e.to_string()))?;
        let dest = go_join(&self.chart_path, Self::lock_name(c));
        save::write_atomic(Path::new(&dest), data.as_bytes()).map_err(|e| {
            fail(format!(
                "open {dest}: {}",
                crate::chart::loader::go_io_text(&e)
            ))
        })
    }

    /// Helm's `resolveRepoNames`: the configured repository name of each dependency
    /// (keyed by dependency name; unconfigured URLs keyed by themselves), with `@name` and
    /// `alias:name` replaced by the repository's URL in `deps`.
    fn resolve_repo_names(&mut self, deps: &mut [Dependency]) -> Result<BTreeMap<String, String>> {
        // A missing repositories.yaml is an empty one (Helm's loadRepoConfig).
        let rf = load_repo_file(&self.settings.repository_config.clone())?;
        let mut names = BTreeMap::new();
        let mut missing = Vec::new();
        for dd in deps.iter_mut() {
            if dd.repository.is_empty() {
                continue;
            }
            if dd.repository.starts_with("file://") {
                local_path(&dd.repository, &self.chart_path)?;
                if self.debug {
                    let s = format!("Repository from local path: {}\n", dd.repository);
                    self.say(&s);
                }
                names.insert(dd.name.clone(), dd.repository.clone());
                continue;
            }
            if is_oci(&dd.repository) {
                names.insert(dd.name.clone(), dd.repository.clone());
                continue;
            }
            let mut found = false;
            for r in &rf.repositories {
                let alias = dd
                    .repository
                    .strip_prefix('@')
                    .or_else(|| dd.repository.strip_prefix("alias:"));
                if alias == Some(r.name.as_str()) {
                    found = true;
                    dd.repository = r.url.clone();
                    names.insert(dd.name.clone(), r.name.clone());
                    break;
                } else if url_equal(&r.url, &dd.repository) {
                    found = true;
                    names.insert(dd.name.clone(), r.name.clone());
                    break;
                }
            }
            if !found {
                if is_request_uri(&dd.repository) {
                    names.insert(dd.repository.clone(), dd.repository.clone());
                    continue;
                }
                missing.push(dd.repository.clone());
            }
        }
        if !missing.is_empty() {
            let mut msg = format!(
                "no repository definition for {}. Please add them via 'helm repo add'",
                missing.join(", ")
            );
            let non_url = missing
                .iter()
                .any(|r| !r.contains("//") && !r.starts_with('@') && !r.starts_with("alias:"));
            if non_url {
                msg.push_str("\nNote that repositories must be URLs or aliases. For example, to refer to the \"example\"\nrepository, use \"https://charts.example.com/\" or \"@example\" instead of\n\"example\". Don't forget to add the repo, too ('helm repo add').");
            }
            return Err(fail(msg));
        }
        Ok(names)
    }

    /// Helm's `ensureMissingRepos`: dependencies whose repository is not configured get a
    /// cache name `helm-manager-<sha256 of the URL>`, and their indexes are downloaded.
    fn ensure_missing_repos(
        &mut self,
        mut names: BTreeMap<String, String>,
        deps: &[Dependency],
    ) -> Result<BTreeMap<String, String>> {
        let mut unmanaged = Vec::new();
        for dd in deps {
            if dd.repository.is_empty() || names.contains_key(&dd.name) {
                continue;
            }
            let rn = format!(
                "{MANAGER_KEY_PREFIX}{}",
                sha256_hex(dd.repository.as_bytes())
            );
            names.insert(dd.name.clone(), rn.clone());
            unmanaged.push(Entry {
                name: rn,
                url: dd.repository.clone(),
                ..Entry::default()
            });
        }
        if !self.skip_update && !unmanaged.is_empty() {
            self.say("Getting updates for unmanaged Helm repositories...\n");
            self.parallel_repo_update(&unmanaged)?;
        }
        Ok(names)
    }

    /// Helm's `UpdateRepositories`: every configured repository's index refreshed.
    fn update_repositories(&mut self) -> Result<()> {
        let rf = load_repo_file(&self.settings.repository_config.clone())?;
        if !rf.repositories.is_empty() {
            self.say("Hang tight while we grab the latest from your chart repositories...\n");
            self.parallel_repo_update(&rf.repositories)?;
            self.say("Update Complete. \u{2388}Happy Helming!\u{2388}\n");
        }
        Ok(())
    }

    fn parallel_repo_update(&mut self, repos: &[Entry]) -> Result<()> {
        for r in repos {
            let scheme = scheme_of(&r.url);
            if !matches!(scheme.as_str(), "http" | "https" | "oci")
                && crate::plugin::downloader_for(&scheme).is_none()
            {
                return Err(fail(format!(
                    "could not find protocol handler for: {scheme}"
                )));
            }
        }
        let settings = &self.settings;
        let results: Vec<Option<String>> = std::thread::scope(|sc| {
            let hs: Vec<_> = repos
                .iter()
                .map(|e| sc.spawn(move || download_index(e, settings).err().map(|x| x.to_string())))
                .collect();
            hs.into_iter()
                .map(|h| h.join().unwrap_or_else(|_| Some("panicked".into())))
                .collect()
        });
        for (r, err) in repos.iter().zip(results) {
            let managed = r.name.starts_with(MANAGER_KEY_PREFIX);
            let line = match (err, managed) {
                (Some(e), true) => format!(
                    "...Unable to get an update from the {} chart repository:\n\t{e}\n",
                    go_quote(&r.url)
                ),
                (Some(e), false) => format!(
                    "...Unable to get an update from the {} chart repository ({}):\n\t{e}\n",
                    go_quote(&r.name),
                    r.url
                ),
                (None, true) => format!(
                    "...Successfully got an update from the {} chart repository\n",
                    go_quote(&r.url)
                ),
                (None, false) => format!(
                    "...Successfully got an update from the {} chart repository\n",
                    go_quote(&r.name)
                ),
            };
            self.say(&line);
        }
        Ok(())
    }

    /// Helm's `resolver.Resolve`: each constraint turned into an exact version.
    fn resolve(
        &mut self,
        reqs: &[Dependency],
        names: &BTreeMap<String, String>,
        cache: &mut IndexCache,
    ) -> Result<Lock> {
        let mut locked = Vec::with_capacity(reqs.len());
        let mut missing = Vec::new();
        let miss = |d: &Dependency| {
            format!(
                "{} (repository {}, version {})",
                go_quote(&d.name),
                go_quote(&d.repository),
                go_quote(&d.version)
            )
        };
        let lockdep = |d: &Dependency, version: &str| Dependency {
            name: d.name.clone(),
            repository: d.repository.clone(),
            version: version.to_string(),
            ..Dependency::default()
        };
        for d in reqs {
            let constraint = Constraints::parse(&d.version).map_err(|e| {
                fail(format!(
                    "dependency {} has an invalid version/constraint format: {e}",
                    go_quote(&d.name)
                ))
            })?;
            if d.repository.is_empty() {
                local_path(&go_join("charts", &d.name), &self.chart_path)?;
                locked.push(lockdep(d, &d.version));
                continue;
            }
            if d.repository.starts_with("file://") {
                let p = local_path(&d.repository, &self.chart_path)?;
                let ch = chart::load_dir(&p).map_err(|e| fail(e.to_string()))?;
                let Ok(v) = Version::parse(&ch.metadata.version) else {
                    // Helm skips it, leaving an empty lock entry.
                    locked.push(Dependency::default());
                    continue;
                };
                if !constraint.check(&v) {
                    missing.push(miss(d));
                    continue;
                }
                locked.push(lockdep(d, &ch.metadata.version));
                continue;
            }
            if is_oci(&d.repository) {
                // helm: an exact version is taken as is, a range is matched against the
                // registry's tags (semver-sorted, newest first). No match is not an
                // error here: the constraint itself is locked and the download fails.
                let versions = if Version::parse(&d.version).is_ok() {
                    vec![d.version.clone()]
                } else {
                    self.oci_tags(d).map_err(|e| {
                        fail(format!(
                            "could not retrieve list of tags for repository {}: {e}",
                            d.repository
                        ))
                    })?
                };
                let found = versions
                    .iter()
                    .find(|t| Version::parse(t).is_ok_and(|v| constraint.check(&v)));
                locked.push(lockdep(d, found.map_or(d.version.as_str(), String::as_str)));
                continue;
            }
            let repo_name = names.get(&d.name).cloned().unwrap_or_default();
            if repo_name.is_empty() {
                locked.push(lockdep(d, &d.version));
                continue;
            }
            let path = self.settings.index_cache(&repo_name);
            let (idx, logs) = cache.get(&path).map_err(|e| {
                fail(format!(
                    "no cached repository for {repo_name} found. (try 'helm repo update'): {e}"
                ))
            })?;
            self.log_lines(&logs);
            let Some(vs) = index_versions(&idx, &d.name) else {
                return Err(fail(format!(
                    "{} chart not found in repo {}",
                    d.name, d.repository
                )));
            };
            let found = vs.iter().find(|(ver, urls)| {
                !urls.is_empty() && Version::parse(ver).is_ok_and(|v| constraint.check(&v))
            });
            match found {
                Some((ver, _)) => locked.push(lockdep(d, ver)),
                None => {
                    locked.push(lockdep(d, ""));
                    missing.push(miss(d));
                }
            }
        }
        if !missing.is_empty() {
            return Err(fail(format!(
                "can't get a valid version for {} subchart(s): {}. Make sure a matching chart version exists in the repo, or change the version constraint in Chart.yaml",
                missing.len(),
                missing.join(", ")
            )));
        }
        Ok(Lock {
            generated: super::index::now_text(),
            digest: hash_req(reqs, &locked),
            dependencies: locked,
        })
    }

    /// Helm's `hasAllRepos`: every locked HTTP repository is configured.
    fn has_all_repos(&self, deps: &[Dependency]) -> Result<()> {
        let rf = match std::fs::metadata(&self.settings.repository_config) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => RepoFile::default(),
            _ => load_repo_file(&self.settings.repository_config)?,
        };
        let missing: Vec<String> = deps
            .iter()
            .filter(|d| {
                !(d.repository.is_empty()
                    || d.repository.starts_with("file://")
                    || is_oci(&d.repository))
            })
            .filter(|d| {
                let want = d.repository.trim_end_matches('/');
                !rf.repositories.iter().any(|r| url_equal(&r.url, want))
            })
            .map(|d| d.repository.clone())
            .collect();
        if missing.is_empty() {
            Ok(())
        } else {
            Err(DependencyError::RepoNotFound(missing))
        }
    }

    /// Helm's `downloadAll`: every dependency into a temporary directory, then moved into
    /// `charts/`.
    fn download_all(&mut self, deps: &mut [Dependency], cache: &mut IndexCache) -> Result<()> {
        // Helm's loadChartRepositories: every configured repository's cached index.
        let rf = match std::fs::metadata(&self.settings.repository_config) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => RepoFile::default(),
            _ => load_repo_file(&self.settings.repository_config).map_err(|e| {
                fail(format!(
                    "failed to load {}: {e}",
                    self.settings.repository_config.display()
                ))
            })?,
        };
        let mut repos: Vec<(Entry, std::rc::Rc<IndexFile>)> = Vec::new();
        for e in &rf.repositories {
            let (idx, logs) = cache
                .get(&self.settings.index_cache(&e.name))
                .map_err(fail)?;
            self.log_lines(&logs);
            repos.push((e.clone(), idx));
        }

        let dest = go_join(&self.chart_path, "charts");
        let tmp = go_join(
            &self.chart_path,
            &format!("tmpcharts-{}", std::process::id()),
        );
        match std::fs::symlink_metadata(&dest) {
            Ok(m) if m.file_type().is_symlink() => {
                let link = std::fs::read_link(&dest)
                    .map(|l| l.display().to_string())
                    .unwrap_or_default();
                return Err(fail(format!(
                    "the charts directory {} is a symlink to {}; refusing to write through it",
                    go_quote(&dest),
                    go_quote(&link)
                )));
            }
            Ok(m) if !m.is_dir() => {
                return Err(fail(format!("{} is not a directory", go_quote(&dest))))
            }
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                std::fs::create_dir_all(&dest).map_err(|e| {
                    fail(format!(
                        "mkdir {dest}: {}",
                        crate::chart::loader::go_io_text(&e)
                    ))
                })?;
            }
            Err(e) => {
                return Err(fail(format!(
                    "unable to retrieve file info for '{dest}': {e}"
                )))
            }
        }
        // A fresh temporary directory: whatever has that name (a link included) goes.
        if let Ok(m) = std::fs::symlink_metadata(&tmp) {
            let _ = if m.is_dir() {
                std::fs::remove_dir_all(&tmp)
            } else {
                std::fs::remove_file(&tmp)
            };
        }
        std::fs::create_dir(&tmp).map_err(|e| {
            fail(format!(
                "mkdir {tmp}: {}",
                crate::chart::loader::go_io_text(&e)
            ))
        })?;
        let res = self.download_into(deps, &repos, &dest, &tmp);
        let _ = std::fs::remove_dir_all(&tmp);
        res
    }

    fn download_into(
        &mut self,
        deps: &mut [Dependency],
        repos: &[(Entry, std::rc::Rc<IndexFile>)],
        dest: &str,
        tmp: &str,
    ) -> Result<()> {
        let s = format!("Saving {} charts\n", deps.len());
        self.say(&s);
        let mut save_error: Option<String> = None;
        let mut churls: BTreeSet<String> = BTreeSet::new();
        for dep in deps.iter_mut() {
            if dep.repository.is_empty() {
                let s = format!("Dependency {} did not declare a repository. Assuming it exists in the charts directory\n", dep.name);
                self.say(&s);
                let p = go_join(dest, &dep.name);
                let ch = chart::load_dir(&p)
                    .map_err(|e| fail(format!("unable to load chart '{p}': {e}")))?;
                let c = Constraints::parse(&dep.version).map_err(|e| {
                    fail(format!(
                        "dependency {} has an invalid version/constraint format: {e}",
                        dep.name
                    ))
                })?;
                let v = Version::parse(&ch.metadata.version).map_err(|e| {
                    fail(format!(
                        "invalid version {} for dependency {}: {e}",
                        dep.version, dep.name
                    ))
                })?;
                if !c.check(&v) {
                    save_error = Some(format!(
                        "dependency {} at version {} does not satisfy the constraint {}",
                        dep.name, ch.metadata.version, dep.version
                    ));
                    break;
                }
                continue;
            }
            if dep.repository.starts_with("file://") {
                if self.debug {
                    let s = format!("Archiving {} from repo {}\n", dep.name, dep.repository);
                    self.say(&s);
                }
                match self.tar_from_local_dir(dep, tmp) {
                    Ok(v) => dep.version = v,
                    Err(e) => {
                        save_error = Some(e);
                        break;
                    }
                }
                continue;
            }
            if is_oci(&dep.repository) {
                let full = format!("{}/{}:{}", dep.repository, dep.name, dep.version);
                let Some((churl, version)) = parse_oci_ref(&full) else {
                    return Err(fail(format!(
                        "could not parse OCI reference: improperly formatted oci chart reference: {full}"
                    )));
                };
                // (helm checks for duplicates with the full reference but records the
                // reference without its tag, so OCI dependencies are always downloaded.)
                let s = format!("Downloading {} from repo {}\n", dep.name, dep.repository);
                self.say(&s);
                if let Err(e) = self.download_oci(&churl, &version, tmp) {
                    save_error = Some(format!("could not download {churl}: {e}"));
                    break;
                }
                churls.insert(churl);
                continue;
            }
            let (churl, entry) = match self.find_chart_url(dep, repos) {
                Ok(x) => x,
                Err((url, e)) => {
                    save_error = Some(format!("could not find {url}: {e}"));
                    break;
                }
            };
            if churls.contains(&churl) {
                let s = format!(
                    "Already downloaded {} from repo {}\n",
                    dep.name, dep.repository
                );
                self.say(&s);
                continue;
            }
            let s = format!("Downloading {} from repo {}\n", dep.name, dep.repository);
            self.say(&s);
            if let Err(e) = self.download_to(&churl, &entry, tmp) {
                save_error = Some(format!("could not download {churl}: {e}"));
                break;
            }
            churls.insert(churl);
        }
        if let Some(e) = save_error {
            let s = format!("Save error occurred:  {e}\n");
            self.say(&s);
            return Err(fail(e));
        }
        self.safe_move_deps(deps, tmp, dest)
    }

    /// The registry client of `oci://` dependencies.
    fn registry_client(&self) -> std::result::Result<crate::registry::Client, String> {
        crate::registry::Client::new(self.registry.clone()).map_err(|e| e.to_string())
    }

    /// Helm's `Client.Tags` of `REPOSITORY/NAME` for an `oci://` dependency.
    fn oci_tags(&self, d: &Dependency) -> std::result::Result<Vec<String>, String> {
        let reference = format!("{}/{}", d.repository.trim_start_matches("oci://"), d.name);
        let r = crate::registry::Reference::parse(&reference).map_err(|e| e.to_string())?;
        self.registry_client()?.tags(&r).map_err(|e| e.to_string())
    }

    /// Helm's `ChartDownloader.DownloadTo` of an `oci://` dependency at `version`
    /// into `dest`, with its provenance checked as `verify` asks.
    fn download_oci(
        &mut self,
        churl: &str,
        version: &str,
        dest: &str,
    ) -> std::result::Result<(), String> {
        use super::download::ProvMode;
        let client = self.registry_client()?;
        let mode = match self.verify {
            VerifyMode::Never => None,
            VerifyMode::IfPossible => Some(ProvMode::IfPossible),
            VerifyMode::Always => Some(ProvMode::Verify),
        };
        let (_, _, warning) = super::download::download_oci_with(
            &client,
            churl,
            version,
            Path::new(dest),
            mode,
            &self.keyring,
            &mut *self.log,
        )
        .map_err(|e| e.to_string())?;
        self.say(&warning);
        Ok(())
    }

    /// Helm's `tarFromLocalDir`: a `file://` dependency packaged into `dest`; returns
    /// its version.
    fn tar_from_local_dir(
        &self,
        dep: &Dependency,
        dest: &str,
    ) -> std::result::Result<String, String> {
        let p = local_path(&dep.repository, &self.chart_path).map_err(|e| e.to_string())?;
        let ch = chart::load_dir(&p).map_err(|e| e.to_string())?;
        let c = Constraints::parse(&dep.version).map_err(|e| {
            format!(
                "dependency {} has an invalid version/constraint format: {e}",
                dep.name
            )
        })?;
        let v = Version::parse(&ch.metadata.version).map_err(|e| e.to_string())?;
        if !c.check(&v) {
            return Err(format!(
                "can't get a valid version for dependency {}",
                dep.name
            ));
        }
        save::save(&ch, Path::new(dest), &SaveOptions { mtime: self.mtime })
            .map_err(|e| e.to_string())?;
        Ok(ch.metadata.version.clone())
    }

    /// Helm's `findChartURL`: the archive URL of a locked dependency and the connection
    /// settings to fetch it (the configured repository's, or none for an unmanaged URL).
    fn find_chart_url(
        &self,
        dep: &Dependency,
        repos: &[(Entry, std::rc::Rc<IndexFile>)],
    ) -> std::result::Result<(String, Entry), (String, String)> {
        for (e, idx) in repos {
            if !url_equal(&dep.repository, &e.url) {
                continue;
            }
            let Some(vs) = idx.entries.get(&dep.name) else {
                return Err((String::new(), "entry not found".into()));
            };
            let found = vs.iter().find(|cv| {
                !cv.urls.is_empty()
                    && (dep.version.is_empty()
                        || version_equals(&dep.version, &cv.metadata.version))
            });
            let Some(cv) = found else {
                return Err((String::new(), "no matching version".into()));
            };
            let url = normalize_url(&dep.repository, &cv.urls[0])
                .map_err(|x| (String::new(), x.to_string()))?;
            return Ok((url, e.clone()));
        }
        // An unconfigured repository: its index fetched on the fly.
        let e = Entry {
            url: dep.repository.clone(),
            ..Entry::default()
        };
        let found = (|| -> std::result::Result<String, String> {
            let idx_url = super::config::resolve_reference_url(&dep.repository, "index.yaml")
                .map_err(|x| x.to_string())?;
            let data = http_get(&e, &idx_url, super::index::MAX_INDEX_SIZE).map_err(|x| {
                format!(
                    "looks like {} is not a valid chart repository or cannot be reached: {x}",
                    go_quote(&dep.repository)
                )
            })?;
            let mut w = Vec::new();
            let idx = IndexFile::load_charts(&data, &dep.repository, &mut w, &|n| n == dep.name)
                .map_err(|x| x.to_string())?;
            let mut what = format!("chart {}", go_quote(&dep.name));
            if !dep.version.is_empty() {
                what = format!("{what} version {}", go_quote(&dep.version));
            }
            let cv = idx
                .get(&dep.name, &dep.version)
                .map_err(|_| format!("{what} not found in {} repository", dep.repository))?;
            let first = cv
                .urls
                .first()
                .ok_or_else(|| format!("{what} has no downloadable URLs"))?;
            super::config::resolve_reference_url(&dep.repository, first)
                .map_err(|x| format!("failed to make chart URL absolute: {x}"))
        })();
        match found {
            Ok(u) => Ok((u, e)),
            Err(x) => Err((
                String::new(),
                format!("chart {} not found in {}: {x}", dep.name, dep.repository),
            )),
        }
    }

    /// Helm's `ChartDownloader.DownloadTo` for a dependency archive URL.
    fn download_to(&mut self, url: &str, e: &Entry, dest: &str) -> std::result::Result<(), String> {
        let data = http_get(e, url, MAX_CHART_SIZE).map_err(|x| x.to_string())?;
        let name = reqwest::Url::parse(url)
            .ok()
            .and_then(|u| {
                u.path_segments()
                    .and_then(|mut s| s.next_back().map(str::to_string))
            })
            .filter(|n| !n.is_empty() && n != "." && n != "..")
            .ok_or_else(|| format!("invalid chart URL format: {url}"))?;
        let file = PathBuf::from(dest).join(&name);
        save::write_atomic(&file, &data).map_err(|x| {
            format!(
                "open {}: {}",
                file.display(),
                crate::chart::loader::go_io_text(&x)
            )
        })?;
        if self.verify == VerifyMode::Never {
            return Ok(());
        }
        let prov_url = format!("{url}.prov");
        let body = match http_get(e, &prov_url, MAX_CHART_SIZE) {
            Ok(b) => b,
            Err(err) => {
                if self.verify == VerifyMode::Always {
                    return Err(format!(
                        "failed to fetch provenance {}",
                        go_quote(&prov_url)
                    ));
                }
                let s = format!("WARNING: Verification not found for {url}: {err}\n");
                self.say(&s);
                return Ok(());
            }
        };
        let prov = PathBuf::from(format!("{}.prov", file.display()));
        save::write_atomic(&prov, &body).map_err(|x| {
            format!(
                "open {}: {}",
                prov.display(),
                crate::chart::loader::go_io_text(&x)
            )
        })?;
        provenance::verify_chart(&file, &self.keyring).map_err(|x| x.to_string())?;
        Ok(())
    }

    /// Helm's `safeMoveDeps`: the archives of `source` moved into `dest`, then every
    /// archive of `dest` that was not just moved, is a chart, and is not a
    /// `repository: ""` dependency, deleted.
    fn safe_move_deps(&mut self, deps: &[Dependency], source: &str, dest: &str) -> Result<()> {
        let list = |d: &str| -> Result<Vec<(String, bool)>> {
            let rd = std::fs::read_dir(d).map_err(|e| {
                fail(format!(
                    "open {d}: {}",
                    crate::chart::loader::go_io_text(&e)
                ))
            })?;
            let mut v: Vec<(String, bool)> = rd
                .filter_map(|x| x.ok())
                .map(|x| {
                    let is_dir = x.file_type().is_ok_and(|t| t.is_dir());
                    (x.file_name().to_string_lossy().into_owned(), is_dir)
                })
                .collect();
            v.sort();
            Ok(v)
        };
        let source_files = list(source)?;
        let dest_files = list(dest)?;
        let local: BTreeSet<&str> = deps
            .iter()
            .filter(|d| d.repository.is_empty())
            .map(|d| d.name.as_str())
            .collect();
        let mut in_source = BTreeSet::new();
        for (name, is_dir) in &source_files {
            if *is_dir {
                continue;
            }
            let sf = go_join(source, name);
            let df = go_join(dest, name);
            in_source.insert(name.clone());
            if let Err(e) = chart::archive::load_file(Path::new(&sf)) {
                let s = format!("Could not verify {sf} for moving: {e} (Skipping)");
                self.say(&s);
                continue;
            }
            if let Err(e) = std::fs::rename(&sf, &df) {
                let s = format!("Unable to move {sf} to charts dir {e} (Skipping)");
                self.say(&s);
                continue;
            }
        }
        self.say("Deleting outdated charts\n");
        for (name, is_dir) in &dest_files {
            if *is_dir || in_source.contains(name) {
                continue;
            }
            let f = go_join(dest, name);
            let ch = match chart::archive::load_file(Path::new(&f)) {
                Ok(c) => c,
                Err(e) => {
                    let s = format!("Could not verify {f} for deletion: {e} (Skipping)\n");
                    self.say(&s);
                    continue;
                }
            };
            if local.contains(ch.name()) {
                continue;
            }
            if let Err(e) = std::fs::remove_file(&f) {
                let s = format!("Could not delete {f}: {e} (Skipping)");
                self.say(&s);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digest_matches_helm_example() {
        // The example recorded from helm 3.17.3 in spec/repositories.md §5.1.
        let req = vec![Dependency {
            name: "lib".into(),
            version: "~1.4.0".into(),
            repository: "file://../lib".into(),
            ..Dependency::default()
        }];
        let lock = vec![Dependency {
            name: "lib".into(),
            version: "1.4.2".into(),
            repository: "file://../lib".into(),
            ..Dependency::default()
        }];
        assert_eq!(
            hash_req(&req, &lock),
            "sha256:b1fa18e847ca3a945f6ec6ef293ca6df9656c324c29313166b8f83211add2b7f"
        );
    }

    #[test]
    fn dependency_json_is_go_ordered_and_html_escaped() {
        let d = Dependency {
            name: "a".into(),
            version: ">=1.0.0 <2".into(),
            repository: "https://x/&y".into(),
            condition: "a.enabled".into(),
            tags: vec!["t".into()],
            alias: "b".into(),
            ..Dependency::default()
        };
        assert_eq!(
            dependency_json(&d),
            r#"{"name":"a","version":"\u003e=1.0.0 \u003c2","repository":"https://x/\u0026y","condition":"a.enabled","tags":["t"],"alias":"b"}"#
        );
    }

    #[test]
    fn oci_refs_split_as_helm_splits_them() {
        let p = |x: &str| parse_oci_ref(x);
        assert_eq!(
            p("oci://127.0.0.1:5000/charts/a:1.0.0+b.1"),
            Some(("oci://127.0.0.1:5000/charts/a".into(), "1.0.0+b.1".into()))
        );
        assert_eq!(
            p("oci://example.com/a:^1"),
            Some(("oci://example.com/a".into(), "^1".into()))
        );
        assert_eq!(p("oci://example.com/a"), None);
        assert_eq!(p("https://x/a:1"), None);
    }

    #[test]
    fn urls_compare_as_helm_compares_them() {
        assert!(url_equal("http://h:1/charts/", "http://h:1/charts"));
        assert!(url_equal("http://h:1", "http://h:1/"));
        assert!(!url_equal("http://h:1/a", "http://h:1/b"));
        assert!(!url_equal("http://h:1", "stable"));
    }

    #[test]
    fn normalize_url_joins_paths() {
        assert_eq!(
            normalize_url("http://h/charts", "sub/x-1.tgz")
                .ok()
                .as_deref(),
            Some("http://h/charts/sub/x-1.tgz")
        );
        assert_eq!(
            normalize_url("http://h/charts", "https://o/x.tgz")
                .ok()
                .as_deref(),
            Some("https://o/x.tgz")
        );
    }
}
