//! Finding and downloading charts by reference (Helm's `ChartDownloader` and
//! `ChartPathOptions.LocateChart`): `repo/chart` through the cached index, `--repo URL`,
//! and full archive URLs; expanding archives (`helm pull --untar`).

use std::path::{Path, PathBuf};

use super::config::{http_get, resolve_reference_url, Entry, RepoError, RepoFile, Settings};
use super::index::{IndexFile, MAX_INDEX_SIZE};
use crate::chart::{self, MAX_CHART_SIZE};

/// How a chart reference is resolved (Helm's `ChartPathOptions`).
#[derive(Clone, Debug, Default)]
pub struct ChartPathOptions {
    /// `--version`: an exact version or a Masterminds constraint (empty: newest stable).
    pub version: String,
    /// `--devel`: with no `--version`, pre-releases count (`>0.0.0-0`).
    pub devel: bool,
    /// `--repo`: a repository URL used without configuring it.
    pub repo_url: String,
    /// `--username`.
    pub username: String,
    /// `--password`.
    pub password: String,
    /// `--ca-file`.
    pub ca_file: String,
    /// `--cert-file`.
    pub cert_file: String,
    /// `--key-file`.
    pub key_file: String,
    /// `--insecure-skip-tls-verify`.
    pub insecure_skip_tls_verify: bool,
    /// `--pass-credentials`.
    pub pass_credentials: bool,
    /// `--plain-http` (OCI registries).
    pub plain_http: bool,
    /// `--registry-config` (empty: `HELM_REGISTRY_CONFIG` or helm's default).
    pub registry_config: Option<PathBuf>,
    /// How long a registry may send nothing before a download is abandoned (empty:
    /// [`crate::registry::client::DEFAULT_TIMEOUT`]).
    pub registry_timeout: Option<std::time::Duration>,
}

impl ChartPathOptions {
    /// `--version`, or `>0.0.0-0` with `--devel` and no version.
    pub fn effective_version(&self) -> String {
        if self.version.is_empty() && self.devel {
            ">0.0.0-0".into()
        } else {
            self.version.clone()
        }
    }

    fn entry(&self, url: &str) -> Entry {
        Entry {
            name: String::new(),
            url: url.to_string(),
            username: self.username.clone(),
            password: self.password.clone(),
            cert_file: self.cert_file.clone(),
            key_file: self.key_file.clone(),
            ca_file: self.ca_file.clone(),
            insecure_skip_tls_verify: self.insecure_skip_tls_verify,
            pass_credentials_all: self.pass_credentials,
        }
    }
}

fn err(s: String) -> RepoError {
    RepoError::Http(s)
}

/// Helm's `log.Printf` lines of index loading (skipped entries), on standard error.
pub fn log_lines(lines: &[String]) {
    for l in lines {
        eprintln!("{l}");
    }
}

/// The archive URL of `reference` and the connection settings to fetch it with.
pub fn resolve_chart_url(
    reference: &str,
    opts: &ChartPathOptions,
    settings: &Settings,
) -> Result<(String, Entry), RepoError> {
    let version = opts.effective_version();
    if !opts.repo_url.is_empty() {
        let e = opts.entry(&opts.repo_url);
        let idx_url = resolve_reference_url(&opts.repo_url, "index.yaml")?;
        let data = http_get(&e, &idx_url, MAX_INDEX_SIZE).map_err(|x| {
            err(format!(
                "looks like {} is not a valid chart repository or cannot be reached: {x}",
                gotmpl::fmt::go_quote(&opts.repo_url)
            ))
        })?;
        let mut w = Vec::new();
        let idx = IndexFile::load_charts(&data, &opts.repo_url, &mut w, &|n| n == reference);
        log_lines(&w);
        let idx = idx?;
        let mut what = format!("chart {}", gotmpl::fmt::go_quote(reference));
        if !version.is_empty() {
            what = format!("{what} version {}", gotmpl::fmt::go_quote(&version));
        }
        let cv = idx
            .get(reference, &version)
            .map_err(|_| err(format!("{what} not found in {} repository", opts.repo_url)))?;
        let first = cv
            .urls
            .first()
            .ok_or_else(|| err(format!("{what} has no downloadable URLs")))?;
        let url = resolve_reference_url(&opts.repo_url, first)
            .map_err(|x| err(format!("failed to make chart URL absolute: {x}")))?;
        return Ok((url, e));
    }
    let rf = RepoFile::load(&settings.repository_config).unwrap_or_default();
    if let Ok(u) = reqwest::Url::parse(reference) {
        if u.host_str().is_some_and(|h| !h.is_empty()) && !go_url_path(reference).is_empty() {
            // A full URL: credentials of a configured repository whose URL prefixes it.
            let e = rf
                .repositories
                .iter()
                .find(|r| !r.url.is_empty() && reference.starts_with(&r.url))
                .cloned()
                .unwrap_or_else(|| opts.entry(reference));
            return Ok((reference.to_string(), e));
        }
    }
    // helm splits the path of the parsed URL (Go's `url.Parse`): `file:///x/y.tgz` names
    // the repository "" (`repo  not found`).
    let go_path = go_url_path(reference);
    let Some((repo_name, chart_name)) = go_path.split_once('/') else {
        return Err(err(format!(
            "non-absolute URLs should be in form of repo_name/path_to_chart, got: {reference}"
        )));
    };
    let e = rf
        .get(repo_name)
        .cloned()
        .ok_or_else(|| err(format!("repo {repo_name} not found")))?;
    let mut w = Vec::new();
    let idx =
        IndexFile::load_file_charts(&settings.index_cache(&e.name), &mut w, &|n| n == chart_name);
    log_lines(&w);
    let idx = idx.map_err(|x| {
        err(format!(
            "no cached repo found. (try 'helm repo update'): {x}"
        ))
    })?;
    let cv = idx.get(chart_name, &version).map_err(|x| {
        err(format!(
            "chart {} matching {version} not found in {} index. (try 'helm repo update'): {x}",
            gotmpl::fmt::go_quote(chart_name),
            e.name
        ))
    })?;
    let first = cv.urls.first().ok_or_else(|| {
        err(format!(
            "chart {} has no downloadable URLs",
            gotmpl::fmt::go_quote(reference)
        ))
    })?;
    let url = resolve_reference_url(&e.url, first)
        .map_err(|_| err(format!("invalid chart URL format: {reference}")))?;
    Ok((url, e))
}

/// The `Path` of Go's `url.Parse(reference)` for the references helm splits into
/// `repo/chart`: the decoded path of a URL with a scheme ("" for an opaque one or a bare
/// host), else the text before `?` or `#`.
fn go_url_path(reference: &str) -> String {
    match reqwest::Url::parse(reference) {
        Ok(u) if u.cannot_be_a_base() => String::new(),
        Ok(u) => {
            let after_scheme = reference.split_once(':').map_or("", |(_, r)| r);
            let authority_only = after_scheme
                .strip_prefix("//")
                .is_some_and(|r| !r.contains(['/', '?', '#']));
            if authority_only {
                return String::new();
            }
            crate::values::schema::percent_decode(u.path())
        }
        Err(_) => reference
            .split(['?', '#'])
            .next()
            .unwrap_or(reference)
            .to_string(),
    }
}

/// Downloads `reference` into directory `dest` as `<file name of the URL>` (written to a
/// temporary file and renamed) and returns its path.
pub fn download_to(
    reference: &str,
    opts: &ChartPathOptions,
    dest: &Path,
    settings: &Settings,
) -> Result<PathBuf, RepoError> {
    let (url, e) = resolve_chart_url(reference, opts, settings)?;
    let data = http_get(&e, &url, MAX_CHART_SIZE)?;
    let name = reqwest::Url::parse(&url)
        .ok()
        .and_then(|u| {
            u.path_segments()
                .and_then(|mut s| s.next_back().map(str::to_string))
        })
        .filter(|n| !n.is_empty() && n != "." && n != "..")
        .ok_or_else(|| err(format!("invalid chart URL format: {url}")))?;
    let out = dest.join(name);
    crate::chart::save::write_atomic(&out, &data).map_err(|x| {
        // Go names the temporary file (a random suffix); we name the target.
        err(format!(
            "open {}: {}",
            out.display(),
            crate::chart::loader::go_io_text(&x)
        ))
    })?;
    Ok(out)
}

impl ChartPathOptions {
    /// The registry client options of these flags.
    pub fn registry_options(&self) -> crate::registry::ClientOptions {
        let mut o = crate::registry::ClientOptions {
            plain_http: self.plain_http,
            insecure_skip_tls_verify: self.insecure_skip_tls_verify,
            ca_file: self.ca_file.clone(),
            cert_file: self.cert_file.clone(),
            key_file: self.key_file.clone(),
            username: self.username.clone(),
            password: self.password.clone(),
            ..crate::registry::ClientOptions::default()
        };
        if let Some(p) = &self.registry_config {
            o.credentials_file = p.clone();
        }
        if let Some(t) = self.registry_timeout {
            o.timeout = t;
        }
        o
    }
}

/// Helm's `ValidateReference` for `oci://` chart references: the reference to pull,
/// with the tag chosen by `--version` (an exact version, else the newest tag matching
/// the constraint), and the file name helm saves it under (`NAME-VERSION.tgz`).
pub fn resolve_oci(
    reference: &str,
    version: &str,
    client: &crate::registry::Client,
) -> Result<(crate::registry::Reference, String), RepoError> {
    use crate::registry::Reference;
    let rerr = |e: crate::registry::RegistryError| err(e.to_string());
    let mut r = Reference::parse(reference).map_err(rerr)?;
    let mut version = version.to_string();
    if version.is_empty() {
        version = r.tag.clone();
    } else if !r.tag.is_empty() && r.tag != version {
        return Err(err(format!(
            "chart reference and version mismatch: {version} is not {}",
            r.tag
        )));
    }
    let last = r
        .repository
        .rsplit('/')
        .next()
        .unwrap_or(&r.repository)
        .to_string();
    if !r.digest.is_empty() {
        if r.tag.is_empty() {
            let hex = r.digest.replacen(':', "-", 1);
            return Ok((r, format!("{last}@{hex}.tgz")));
        }
        // helm means to check that the tag points at the digest; we do.
        let by_tag = Reference {
            digest: String::new(),
            ..r.clone()
        };
        let actual = client.resolve(&by_tag).map_err(rerr)?;
        if actual != r.digest {
            return Err(err(format!(
                "chart reference digest mismatch: {actual} is not {}",
                r.digest
            )));
        }
        let file = format!("{last}-{}.tgz", r.tag);
        r.digest.clear();
        return Ok((r, file));
    }
    let tag = if crate::chart::semver::parse_version(&version).is_some() {
        version
    } else {
        let tags = client.tags(&r).map_err(rerr)?;
        if tags.is_empty() {
            return Err(err(format!(
                "Unable to locate any tags in provided repository: {reference}"
            )));
        }
        crate::registry::tag_matching_version_or_constraint(&tags, &version).map_err(rerr)?
    };
    r.tag = tag.replace('+', "_");
    Ok((r, format!("{last}-{tag}.tgz")))
}

/// Pulls `oci://` chart `reference` (honouring `--version`/`--devel`) into directory
/// `dest` as helm names it, after checking every digest; the file is written through a
/// temporary file and a rename, so nothing partial is left behind.
pub fn download_oci(
    reference: &str,
    opts: &ChartPathOptions,
    dest: &Path,
) -> Result<(PathBuf, crate::registry::PullResult), RepoError> {
    let client =
        crate::registry::Client::new(opts.registry_options()).map_err(|e| err(e.to_string()))?;
    let (out, res, _) = pull_oci_into(&client, reference, &opts.effective_version(), dest)?;
    Ok((out, res))
}

/// The chart of an `oci://` reference (tag chosen from `version` by [`resolve_oci`])
/// pulled and written to `dest` as `NAME-VERSION.tgz`; with the resolved reference.
fn pull_oci_into(
    client: &crate::registry::Client,
    reference: &str,
    version: &str,
    dest: &Path,
) -> Result<
    (
        PathBuf,
        crate::registry::PullResult,
        crate::registry::Reference,
    ),
    RepoError,
> {
    let (r, file) = resolve_oci(reference, version, client)?;
    let res = client
        .pull(&r, true, false)
        .map_err(|e| err(e.to_string()))?;
    let out = dest.join(file);
    crate::chart::save::write_atomic(&out, &res.chart).map_err(|x| {
        err(format!(
            "open {}: {}",
            out.display(),
            crate::chart::loader::go_io_text(&x)
        ))
    })?;
    Ok((out, res, r))
}

/// Helm's `ChartDownloader.DownloadTo` of an `oci://` reference: the chart pulled (tag
/// chosen from `version` as [`resolve_oci`] does) into `dest` as `NAME-VERSION.tgz`;
/// with `mode`, the provenance layer pulled in a second request into `FILE.prov` and,
/// unless only fetching, the chart verified against `keyring`. Helm's `Pulled:` lines go
/// to `log` as they happen. Returns the archive's path, the verification, and the
/// warning helm prints (on its output) when the provenance is missing and not required.
pub fn download_oci_with(
    client: &crate::registry::Client,
    reference: &str,
    version: &str,
    dest: &Path,
    mode: Option<ProvMode>,
    keyring: &Path,
    log: &mut dyn std::io::Write,
) -> Result<(PathBuf, Option<super::provenance::Verification>, String), RepoError> {
    let (out, res, r) = pull_oci_into(client, reference, version, dest)?;
    let _ = log.write_all(crate::registry::pulled_text(&res).as_bytes());
    let Some(mode) = mode else {
        return Ok((out, None, String::new()));
    };
    let prov = match client.pull(&r, false, true) {
        Ok(p) => p,
        Err(x) => {
            if mode == ProvMode::Verify {
                // helm names the reference it resolved: `oci://HOST/REPO:VERSION`.
                let u = if r.tag.is_empty() {
                    reference.to_string()
                } else {
                    format!("oci://{}:{}", r.name(), r.tag.replace('_', "+"))
                };
                return Err(err(format!(
                    "failed to fetch provenance {}",
                    gotmpl::fmt::go_quote(&format!("{u}.prov"))
                )));
            }
            let warning = format!("WARNING: Verification not found for {reference}: {x}\n");
            return Ok((out, None, warning));
        }
    };
    let _ = log.write_all(crate::registry::pulled_text(&prov).as_bytes());
    let prov_path = PathBuf::from(format!("{}.prov", out.display()));
    crate::chart::save::write_atomic(&prov_path, prov.prov.as_deref().unwrap_or_default())
        .map_err(|x| RepoError::Io {
            path: prov_path.clone(),
            err: x,
        })?;
    if mode == ProvMode::Fetch {
        return Ok((out, None, String::new()));
    }
    let v = super::provenance::verify_chart(&out, keyring).map_err(|x| err(x.to_string()))?;
    Ok((out, Some(v), String::new()))
}

/// Helm's `LocateChart`: an existing local path (made absolute), else a chart
/// downloaded from a repository into the repository cache.
pub fn locate_chart_with(
    name: &str,
    opts: &ChartPathOptions,
    settings: &Settings,
) -> Result<PathBuf, RepoError> {
    let name = name.trim();
    let p = Path::new(name);
    if std::fs::metadata(p).is_ok() {
        return Ok(crate::chart::filepath::absolute_clean(p));
    }
    if opts.repo_url.is_empty() && (p.is_absolute() || name.starts_with('.')) {
        return Err(err(format!(
            "path {} not found",
            gotmpl::fmt::go_quote(name)
        )));
    }
    let dir = &settings.repository_cache;
    std::fs::create_dir_all(dir).map_err(|x| RepoError::Io {
        path: dir.clone(),
        err: x,
    })?;
    if crate::registry::is_oci(name) {
        let (f, _) = download_oci(name, opts, dir)?;
        return Ok(crate::chart::filepath::absolute_clean(&f));
    }
    let f = download_to(name, opts, dir, settings)?;
    Ok(crate::chart::filepath::absolute_clean(&f))
}

/// [`locate_chart_with`] with only a version.
pub fn locate_chart(name: &str, version: &str, settings: &Settings) -> Result<PathBuf, RepoError> {
    let opts = ChartPathOptions {
        version: version.to_string(),
        ..ChartPathOptions::default()
    };
    locate_chart_with(name, &opts, settings)
}

/// Helm's `chartutil.ExpandFile`: the archive's files written under
/// `dir/<chart name>/` (paths checked by the archive reader: no `..`, no absolute
/// paths). Returns the chart directory.
pub fn expand(archive: &Path, dir: &Path) -> Result<PathBuf, RepoError> {
    let f = std::fs::File::open(archive).map_err(|x| RepoError::Io {
        path: archive.to_path_buf(),
        err: x,
    })?;
    let files = chart::archive::archive_files(f).map_err(|x| err(x.to_string()))?;
    let chartfile = files
        .iter()
        .find(|f| f.name == "Chart.yaml")
        .ok_or_else(|| err("chart yaml not found".into()))?;
    let md = chart::Metadata::from_yaml(&chartfile.data).map_err(|x| err(x.to_string()))?;
    let name = md.name;
    if name.is_empty() || name.contains('/') || name.contains('\\') || name == "." || name == ".." {
        return Err(err(format!(
            "{} is not a valid chart name",
            gotmpl::fmt::go_quote(&name)
        )));
    }
    let root = dir.join(&name);
    for f in &files {
        if f.name.split('/').any(|s| s == ".." || s.is_empty()) {
            return Err(err(format!(
                "chart illegally contains content outside the base directory: {}",
                f.name
            )));
        }
        let out = root.join(&f.name);
        if let Some(parent) = out.parent() {
            std::fs::create_dir_all(parent).map_err(|x| RepoError::Io {
                path: parent.to_path_buf(),
                err: x,
            })?;
        }
        std::fs::write(&out, &f.data).map_err(|x| RepoError::Io {
            path: out.clone(),
            err: x,
        })?;
    }
    Ok(root)
}

/// What to do with a chart's `.prov` while downloading it (Helm's
/// `VerificationStrategy` for `pull`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProvMode {
    /// Fetch it and verify the chart against `keyring` (`--verify`).
    Verify,
    /// Only fetch it (`--prov`); a missing one is a warning.
    Fetch,
    /// Verify when there is one (`dependency build --verify`); a missing one is a
    /// warning.
    IfPossible,
}

/// [`download_to`] plus the `.prov` beside the archive (`URL.prov` saved as
/// `FILE.prov`). Returns the archive's path, the verification when `mode` is
/// [`ProvMode::Verify`], and any warning Helm prints.
pub fn download_with_prov(
    reference: &str,
    opts: &ChartPathOptions,
    dest: &Path,
    settings: &Settings,
    mode: ProvMode,
    keyring: &Path,
) -> Result<(PathBuf, Option<super::provenance::Verification>, String), RepoError> {
    let (url, e) = resolve_chart_url(reference, opts, settings)?;
    let file = download_to(reference, opts, dest, settings)?;
    let prov_url = format!("{url}.prov");
    let body = match http_get(&e, &prov_url, MAX_CHART_SIZE) {
        Ok(b) => b,
        Err(x) => {
            if mode == ProvMode::Verify {
                return Err(err(format!(
                    "failed to fetch provenance {}",
                    gotmpl::fmt::go_quote(&prov_url)
                )));
            }
            let warning = format!("WARNING: Verification not found for {reference}: {x}\n");
            return Ok((file, None, warning));
        }
    };
    let prov = PathBuf::from(format!("{}.prov", file.display()));
    crate::chart::save::write_atomic(&prov, &body).map_err(|x| RepoError::Io {
        path: prov.clone(),
        err: x,
    })?;
    if mode == ProvMode::Fetch {
        return Ok((file, None, String::new()));
    }
    let v = super::provenance::verify_chart(&file, keyring).map_err(|x| err(x.to_string()))?;
    Ok((file, Some(v), String::new()))
}
