//! Client side of chart repositories: where helm keeps things (`helmpath`),
//! `repositories.yaml` (Helm's `repo.File`), the HTTP getter and the index cache.

use std::path::{Path, PathBuf};

use gotmpl::{Map, Value};
use serde_json::Value as J;

use super::index::{IndexError, MAX_INDEX_SIZE};

/// Why a repository operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RepoError {
    /// A file could not be read or written.
    #[error("{}: {err}", path.display())]
    Io {
        /// The path.
        path: PathBuf,
        /// The OS error.
        err: std::io::Error,
    },
    /// repositories.yaml does not parse.
    #[error("{0}")]
    Config(String),
    /// An HTTP request failed.
    #[error("{0}")]
    Http(String),
    /// An index is invalid.
    #[error(transparent)]
    Index(#[from] IndexError),
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> RepoError + '_ {
    move |err| RepoError::Io {
        path: path.to_path_buf(),
        err,
    }
}

/// Helm's repository paths (`helm env`'s `HELM_REPOSITORY_CONFIG` and
/// `HELM_REPOSITORY_CACHE`).
#[derive(Clone, Debug)]
pub struct Settings {
    /// repositories.yaml.
    pub repository_config: PathBuf,
    /// The directory of cached indexes and charts.
    pub repository_cache: PathBuf,
}

fn home_dir(env_var: &str, xdg: &str, fallback: &str) -> PathBuf {
    if let Some(v) = std::env::var_os(env_var).filter(|v| !v.is_empty()) {
        return PathBuf::from(v);
    }
    if let Some(v) = std::env::var_os(xdg).filter(|v| !v.is_empty()) {
        return PathBuf::from(v).join("helm");
    }
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_default();
    home.join(fallback).join("helm")
}

impl Settings {
    /// Paths from the environment as helm resolves them (`HELM_REPOSITORY_CONFIG`, else
    /// `HELM_CONFIG_HOME`/`XDG_CONFIG_HOME`/`~/.config` + `helm/repositories.yaml`; the
    /// cache likewise), then the `--repository-config`/`--repository-cache` flags.
    pub fn from_env(config_flag: Option<&str>, cache_flag: Option<&str>) -> Settings {
        let env = |k: &str| {
            std::env::var_os(k)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        };
        let repository_config = config_flag
            .map(PathBuf::from)
            .or_else(|| env("HELM_REPOSITORY_CONFIG"))
            .unwrap_or_else(|| {
                home_dir("HELM_CONFIG_HOME", "XDG_CONFIG_HOME", ".config").join("repositories.yaml")
            });
        let repository_cache = cache_flag
            .map(PathBuf::from)
            .or_else(|| env("HELM_REPOSITORY_CACHE"))
            .unwrap_or_else(|| {
                home_dir("HELM_CACHE_HOME", "XDG_CACHE_HOME", ".cache").join("repository")
            });
        Settings {
            repository_config,
            repository_cache,
        }
    }

    /// The lock file beside repositories.yaml (`repositories.lock`), created as helm
    /// creates it.
    pub fn touch_lock(&self) {
        let f = &self.repository_config;
        let lock = match (f.file_stem(), f.extension()) {
            (Some(stem), Some(_)) => f.with_file_name(format!("{}.lock", stem.to_string_lossy())),
            _ => PathBuf::from(format!("{}.lock", f.display())),
        };
        if let Some(d) = lock.parent().filter(|d| !d.as_os_str().is_empty()) {
            let _ = std::fs::create_dir_all(d);
        }
        let _ = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(lock);
    }

    /// `<cache>/<name>-index.yaml`.
    pub fn index_cache(&self, name: &str) -> PathBuf {
        self.repository_cache.join(format!("{name}-index.yaml"))
    }

    /// `<cache>/<name>-charts.txt`.
    pub fn charts_cache(&self, name: &str) -> PathBuf {
        self.repository_cache.join(format!("{name}-charts.txt"))
    }
}

/// One configured repository (Helm's `repo.Entry`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Entry {
    /// `name`.
    pub name: String,
    /// `url`.
    pub url: String,
    /// `username`.
    pub username: String,
    /// `password`.
    pub password: String,
    /// `certFile`.
    pub cert_file: String,
    /// `keyFile`.
    pub key_file: String,
    /// `caFile`.
    pub ca_file: String,
    /// `insecure_skip_tls_verify`.
    pub insecure_skip_tls_verify: bool,
    /// `pass_credentials_all`.
    pub pass_credentials_all: bool,
}

/// repositories.yaml (Helm's `repo.File`).
#[derive(Clone, Debug, Default)]
pub struct RepoFile {
    /// `apiVersion` (empty when helm created the file).
    pub api_version: String,
    /// `generated` as written.
    pub generated: String,
    /// The repositories, in file order.
    pub repositories: Vec<Entry>,
}

impl RepoFile {
    /// Reads the file; a missing file is an empty configuration (as `helm repo add` sees
    /// it: `apiVersion: ""`, zero `generated`).
    pub fn load(path: &Path) -> Result<RepoFile, RepoError> {
        let data = match std::fs::read(path) {
            Ok(d) => d,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(io(path)(e)),
        };
        let mut f = RepoFile {
            generated: "0001-01-01T00:00:00Z".into(),
            ..RepoFile::default()
        };
        if data.iter().all(u8::is_ascii_whitespace) {
            return Ok(f);
        }
        let text = String::from_utf8_lossy(&data);
        let v = goyaml::from_yaml(&text).map_err(|e| RepoError::Config(e.to_string()))?;
        let json = goyaml::to_json(&v).map_err(|e| RepoError::Config(e.to_string()))?;
        let j: J = serde_json::from_str(&json).map_err(|e| RepoError::Config(e.to_string()))?;
        let s = |m: &serde_json::Map<String, J>, k: &str| match m.get(k) {
            Some(J::String(s)) => s.clone(),
            _ => String::new(),
        };
        let b = |m: &serde_json::Map<String, J>, k: &str| {
            m.get(k).and_then(J::as_bool).unwrap_or(false)
        };
        if let J::Object(top) = j {
            f.api_version = s(&top, "apiVersion");
            if let Some(J::String(g)) = top.get("generated") {
                f.generated = g.clone();
            }
            if let Some(J::Array(rs)) = top.get("repositories") {
                for r in rs.iter().filter_map(J::as_object) {
                    f.repositories.push(Entry {
                        name: s(r, "name"),
                        url: s(r, "url"),
                        username: s(r, "username"),
                        password: s(r, "password"),
                        cert_file: s(r, "certFile"),
                        key_file: s(r, "keyFile"),
                        ca_file: s(r, "caFile"),
                        insecure_skip_tls_verify: b(r, "insecure_skip_tls_verify"),
                        pass_credentials_all: b(r, "pass_credentials_all"),
                    });
                }
            }
        }
        Ok(f)
    }

    /// The entry named `name`.
    pub fn get(&self, name: &str) -> Option<&Entry> {
        self.repositories.iter().find(|e| e.name == name)
    }

    /// Replaces the entry of the same name, or appends it.
    pub fn update(&mut self, e: Entry) {
        match self.repositories.iter_mut().find(|x| x.name == e.name) {
            Some(x) => *x = e,
            None => self.repositories.push(e),
        }
    }

    /// Removes the entry named `name`; whether there was one.
    pub fn remove(&mut self, name: &str) -> bool {
        let n = self.repositories.len();
        self.repositories.retain(|e| e.name != name);
        n != self.repositories.len()
    }

    /// The file as helm writes it (YAML, keys sorted).
    pub fn to_yaml(&self) -> Result<String, RepoError> {
        let mut top = Map::new();
        top.insert("apiVersion".into(), Value::str(&self.api_version));
        top.insert("generated".into(), Value::str(&self.generated));
        let list = self
            .repositories
            .iter()
            .map(|e| {
                let mut m = Map::new();
                m.insert("name".into(), Value::str(&e.name));
                m.insert("url".into(), Value::str(&e.url));
                m.insert("username".into(), Value::str(&e.username));
                m.insert("password".into(), Value::str(&e.password));
                m.insert("certFile".into(), Value::str(&e.cert_file));
                m.insert("keyFile".into(), Value::str(&e.key_file));
                m.insert("caFile".into(), Value::str(&e.ca_file));
                m.insert(
                    "insecure_skip_tls_verify".into(),
                    Value::Bool(e.insecure_skip_tls_verify),
                );
                m.insert(
                    "pass_credentials_all".into(),
                    Value::Bool(e.pass_credentials_all),
                );
                Value::map(m)
            })
            .collect();
        top.insert("repositories".into(), Value::list(list));
        goyaml::marshal(&Value::map(top)).map_err(|e| RepoError::Config(e.to_string()))
    }

    /// Writes the file atomically with mode 0600, creating its directory.
    pub fn write(&self, path: &Path) -> Result<(), RepoError> {
        if let Some(d) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(d).map_err(io(d))?;
        }
        let text = self.to_yaml()?;
        crate::chart::save::write_atomic(path, text.as_bytes()).map_err(io(path))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
                .map_err(io(path))?;
        }
        Ok(())
    }
}

/// Helm's `ResolveReferenceURL`: `reference` against `base` with a trailing `/` added to
/// the base's path (so relative references keep the path).
pub fn resolve_reference_url(base: &str, reference: &str) -> Result<String, RepoError> {
    let mut b = reqwest::Url::parse(base)
        .map_err(|e| RepoError::Http(format!("failed to parse {base} as URL: {e}")))?;
    if !b.path().ends_with('/') {
        let p = format!("{}/", b.path());
        b.set_path(&p);
    }
    let r = b
        .join(reference)
        .map_err(|e| RepoError::Http(format!("failed to parse {reference} as URL: {e}")))?;
    Ok(r.to_string())
}

/// Downloads `url` with the entry's TLS options and credentials (sent to the entry's
/// host, or anywhere with `pass_credentials_all`); at most `limit` bytes.
pub fn http_get(e: &Entry, url: &str, limit: u64) -> Result<Vec<u8>, RepoError> {
    http_get_timeout(e, url, limit, DEFAULT_TIMEOUT)
}

/// Helm's default HTTP timeout (`getter.DefaultHTTPTimeout`, 120 s).
pub const DEFAULT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(120);

/// [`http_get`] with a deadline for the whole request, body included.
pub fn http_get_timeout(
    e: &Entry,
    url: &str,
    limit: u64,
    timeout: std::time::Duration,
) -> Result<Vec<u8>, RepoError> {
    use std::io::Read as _;
    // Helm's getter providers by scheme: http(s) built in, then downloader plugins.
    let scheme = crate::plugin::url_scheme(url).unwrap_or_default();
    if scheme != "http" && scheme != "https" {
        let Some((plugin, command)) = crate::plugin::downloader_for(&scheme) else {
            return Err(RepoError::Http(format!(
                "scheme {} not supported",
                gotmpl::fmt::go_quote(&scheme)
            )));
        };
        let opts = crate::plugin::GetterOptions {
            cert_file: e.cert_file.clone(),
            key_file: e.key_file.clone(),
            ca_file: e.ca_file.clone(),
            username: e.username.clone(),
            password: e.password.clone(),
            pass_credentials_all: e.pass_credentials_all,
        };
        let data = crate::plugin::plugin_get(&plugin, &command, url, &opts)
            .map_err(|x| RepoError::Http(x.to_string()))?;
        if data.len() as u64 > limit {
            return Err(RepoError::Http(format!(
                "{url} is larger than the maximum of {limit} bytes"
            )));
        }
        return Ok(data);
    }
    let mut b = reqwest::blocking::Client::builder()
        .user_agent("Helm/3.17.3")
        .connect_timeout(timeout.min(std::time::Duration::from_secs(30)))
        .timeout(timeout)
        .danger_accept_invalid_certs(e.insecure_skip_tls_verify);
    if !e.ca_file.is_empty() {
        let pem = std::fs::read(&e.ca_file).map_err(io(Path::new(&e.ca_file)))?;
        let certs = reqwest::Certificate::from_pem_bundle(&pem)
            .map_err(|err| RepoError::Http(format!("can't create TLS config for client: {err}")))?;
        for c in certs {
            b = b.add_root_certificate(c);
        }
    }
    if !e.cert_file.is_empty() && !e.key_file.is_empty() {
        let mut pem = std::fs::read(&e.cert_file).map_err(io(Path::new(&e.cert_file)))?;
        pem.extend(std::fs::read(&e.key_file).map_err(io(Path::new(&e.key_file)))?);
        let id = reqwest::Identity::from_pem(&pem)
            .map_err(|err| RepoError::Http(format!("can't create TLS config for client: {err}")))?;
        b = b.identity(id);
    }
    let client = b.build().map_err(|err| RepoError::Http(err.to_string()))?;
    let mut req = client.get(url);
    if !e.username.is_empty() || !e.password.is_empty() {
        let same_host = match (reqwest::Url::parse(&e.url), reqwest::Url::parse(url)) {
            (Ok(a), Ok(b)) => {
                a.host_str() == b.host_str()
                    && a.port_or_known_default() == b.port_or_known_default()
            }
            _ => false,
        };
        if e.pass_credentials_all || same_host || e.url.is_empty() {
            req = req.basic_auth(&e.username, Some(&e.password));
        }
    }
    let resp = req
        .send()
        .map_err(|err| RepoError::Http(go_http_error(url, &err)))?;
    if !resp.status().is_success() {
        let st = resp.status();
        // Go prints the server's own reason phrase (`404 File not found`).
        let reason = resp
            .extensions()
            .get::<hyper::ext::ReasonPhrase>()
            .map(|r| String::from_utf8_lossy(r.as_bytes()).into_owned())
            .unwrap_or_else(|| st.canonical_reason().unwrap_or("").to_string());
        return Err(RepoError::Http(format!(
            "failed to fetch {url} : {} {reason}",
            st.as_u16()
        )));
    }
    let mut data = Vec::with_capacity(
        usize::try_from(resp.content_length().unwrap_or(0).min(limit)).unwrap_or(0),
    );
    let progress = crate::transfer::start(url, resp.content_length().unwrap_or(0));
    crate::transfer::ProgressReader::new(resp, progress)
        .take(limit + 1)
        .read_to_end(&mut data)
        .map_err(|err| RepoError::Http(format!("reading {url}: {err}")))?;
    if data.len() as u64 > limit {
        return Err(RepoError::Http(format!(
            "{url} is larger than the maximum of {limit} bytes"
        )));
    }
    Ok(data)
}

fn go_http_error(url: &str, err: &reqwest::Error) -> String {
    crate::gonet::request_error("GET", url, err)
}

/// Downloads the repository's index, checks it, and writes `<name>-index.yaml` (the raw
/// bytes) and `<name>-charts.txt` into the cache through temporary files and renames.
/// Returns the index path.
pub fn download_index(e: &Entry, settings: &Settings) -> Result<PathBuf, RepoError> {
    download_index_timeout(e, settings, DEFAULT_TIMEOUT)
}

/// [`download_index`] with a deadline (`helm repo add --timeout`).
pub fn download_index_timeout(
    e: &Entry,
    settings: &Settings,
    timeout: std::time::Duration,
) -> Result<PathBuf, RepoError> {
    let url = resolve_reference_url(&e.url, "index.yaml")?;
    let data = http_get_timeout(e, &url, MAX_INDEX_SIZE, timeout)?;
    let mut warnings = Vec::new();
    // Only the chart names are kept: the versions are checked and dropped as they come.
    let mut names = String::new();
    let mut seen = std::collections::BTreeSet::new();
    let res = super::index_scan::scan(&data, &e.url, &mut warnings, &mut |name, _| {
        seen.insert(name);
    });
    super::download::log_lines(&warnings);
    res?;
    let dir = &settings.repository_cache;
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    for n in &seen {
        names.push_str(n);
        names.push('\n');
    }
    let charts = settings.charts_cache(&e.name);
    crate::chart::save::write_atomic(&charts, names.as_bytes()).map_err(io(&charts))?;
    let path = settings.index_cache(&e.name);
    crate::chart::save::write_atomic(&path, &data).map_err(io(&path))?;
    Ok(path)
}
