//! `chart pull REPO/NAME|URL|oci://…`: download a chart archive (and optionally expand it) as
//! `helm pull` does.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{anyhow, bail};
use chart_core::repo::download::{download_to, expand, ChartPathOptions};
use clap::Args;

use crate::cli::GlobalArgs;

/// Helm's chart path flags (`--version`, `--repo`, credentials and TLS).
#[derive(Args, Debug, Clone, Default)]
pub struct ChartPathArgs {
    /// specify a version constraint for the chart version to use
    #[arg(long, default_value = "")]
    pub version: String,
    /// use development versions, too. Equivalent to version '>0.0.0-0'. If --version is set, this is ignored
    #[arg(long)]
    pub devel: bool,
    /// chart repository url where to locate the requested chart
    #[arg(long, default_value = "")]
    pub repo: String,
    /// credentials, TLS and verification
    #[command(flatten)]
    pub chart_path: crate::cli::ChartPathFlags,
}

impl ChartPathArgs {
    pub fn options(&self) -> ChartPathOptions {
        self.chart_path
            .options(&self.version, self.devel, &self.repo)
    }
}

impl crate::cli::ChartPathFlags {
    /// The keyring `--verify` checks the chart against (helm's default keyring unless
    /// `--keyring` names one); `None` without `--verify`.
    pub fn verify_keyring(&self) -> Option<String> {
        crate::commands::dependency::verify_keyring(self.verify, &self.keyring)
    }

    /// helm's chart path options for locating the chart.
    pub fn options(&self, version: &str, devel: bool, repo: &str) -> ChartPathOptions {
        ChartPathOptions {
            version: version.to_string(),
            devel,
            repo_url: repo.to_string(),
            pass_credentials: self.pass_credentials,
            ..self.client.path_options()
        }
    }
}

/// Downloads chart reference `c` into directory `dir`: `oci://` references through the
/// registry client (printing helm's `Pulled:`/`Digest:` lines on stderr), others through
/// the repository code. Returns the file written.
pub fn fetch(
    g: &GlobalArgs,
    c: &str,
    opts: &ChartPathOptions,
    dir: &Path,
) -> anyhow::Result<PathBuf> {
    if chart_core::registry::is_oci(c) {
        return Ok(fetch_oci(g, c, opts, dir, None, Path::new(""))?.0);
    }
    let settings = crate::commands::repo::settings(g);
    download_to(c, opts, dir, &settings).map_err(|e| anyhow!("{e}"))
}

/// Pulls `oci://` reference `c` into `dir` (helm's `Pulled:`/`Digest:` lines on
/// stderr), with its provenance as `mode` asks.
pub fn fetch_oci(
    g: &GlobalArgs,
    c: &str,
    opts: &ChartPathOptions,
    dir: &Path,
    mode: Option<chart_core::repo::download::ProvMode>,
    keyring: &Path,
) -> anyhow::Result<(
    PathBuf,
    Option<chart_core::repo::provenance::Verification>,
    String,
)> {
    let mut opts = opts.clone();
    if opts.registry_config.is_none() {
        opts.registry_config = g.registry_config.as_ref().map(PathBuf::from);
    }
    let client =
        chart_core::registry::Client::new(opts.registry_options()).map_err(|e| anyhow!("{e}"))?;
    let version = opts.effective_version();
    chart_core::repo::download::download_oci_with(
        &client,
        c,
        &version,
        dir,
        mode,
        keyring,
        &mut std::io::stderr().lock(),
    )
    .map_err(|e| anyhow!("{e}"))
}

/// `chart pull`.
#[derive(Args, Debug, Clone)]
pub struct PullArgs {
    /// chart references
    #[arg(num_args = 0..)]
    pub charts: Vec<String>,
    /// chart path options
    #[command(flatten)]
    pub path: ChartPathArgs,
    /// location to write the chart. If this and untardir are specified, untardir is appended to this
    #[arg(short = 'd', long, default_value = ".")]
    pub destination: String,
    /// if set to true, will untar the chart after downloading it
    #[arg(long)]
    pub untar: bool,
    /// if untar is specified, this flag specifies the name of the directory into which the chart is expanded
    #[arg(long, default_value = ".")]
    pub untardir: String,
    /// fetch the provenance file, but don't perform verification
    #[arg(long)]
    pub prov: bool,
}

/// [`fetch`], with the `.prov` (and verification) when asked; prints what helm prints.
fn fetch_prov(
    g: &GlobalArgs,
    a: &PullArgs,
    c: &str,
    opts: &ChartPathOptions,
    dest: &Path,
) -> anyhow::Result<PathBuf> {
    use chart_core::repo::download::{download_with_prov, ProvMode};
    let cp = &a.path.chart_path;
    let mode = if cp.verify {
        ProvMode::Verify
    } else if a.prov {
        ProvMode::Fetch
    } else {
        return fetch(g, c, opts, dest);
    };
    let settings = &crate::commands::repo::settings(g);
    let keyring = cp
        .keyring
        .clone()
        .unwrap_or_else(crate::commands::dependency::default_keyring);
    let (file, v, warning) = if chart_core::registry::is_oci(c) {
        fetch_oci(g, c, opts, dest, Some(mode), Path::new(&keyring))?
    } else {
        download_with_prov(c, opts, dest, settings, mode, Path::new(&keyring))
            .map_err(|e| anyhow!("{e}"))?
    };
    let mut out = warning;
    if let Some(v) = v {
        out.push_str(&v.report());
    }
    crate::commands::print_out(&out)?;
    Ok(file)
}

pub fn run(g: &GlobalArgs, a: &PullArgs) -> anyhow::Result<ExitCode> {
    if a.charts.is_empty() {
        bail!("\"chart pull\" requires at least 1 argument\n\nUsage:  chart pull [chart URL | repo/chartname] [...] [flags]");
    }
    let opts = a.path.options();
    registry_tls_check(&opts)?;
    for c in &a.charts {
        let dest = Path::new(&a.destination);
        if !a.untar {
            fetch_prov(g, a, c, &opts, dest)?;
            continue;
        }
        let tmp = std::env::temp_dir().join(format!("chart-pull-{}", std::process::id()));
        std::fs::create_dir_all(&tmp)?;
        let res = (|| -> anyhow::Result<()> {
            let saved = fetch_prov(g, a, c, &opts, &tmp)?;
            let ud: PathBuf = if Path::new(&a.untardir).is_absolute() {
                PathBuf::from(&a.untardir)
            } else {
                dest.join(&a.untardir)
            };
            let base = c.rsplit('/').next().unwrap_or(c);
            let check = if a.untardir == "." && a.destination == "." {
                PathBuf::from(base)
            } else {
                ud.join(base)
            };
            if check.exists() {
                bail!(
                    "failed to untar: a file or directory with the name {} already exists",
                    check.display()
                );
            }
            std::fs::create_dir_all(&check).map_err(|e| anyhow!("failed to untar (mkdir): {e}"))?;
            expand(&saved, &ud).map_err(|e| anyhow!("{e}"))?;
            Ok(())
        })();
        let _ = std::fs::remove_dir_all(&tmp);
        res?;
    }
    Ok(ExitCode::SUCCESS)
}

#[allow(dead_code)] // kept for callers that pass only version, repo and devel
/// A chart argument of `template`/`install`/`upgrade`/`show`: a local path as given, or
/// a repository reference (`repo/chart`, `--repo URL`, an archive URL, `oci://…`)
/// downloaded into the repository cache, whose path is returned.
pub fn locate(
    g: &GlobalArgs,
    chart: &str,
    version: Option<&str>,
    repo: Option<&str>,
    devel: bool,
) -> anyhow::Result<String> {
    locate_with(
        g,
        chart,
        &ChartPathOptions {
            version: version.unwrap_or_default().to_string(),
            devel,
            repo_url: repo.unwrap_or_default().to_string(),
            ..ChartPathOptions::default()
        },
    )
}

/// [`locate`] with all of helm's chart path options (`--plain-http`, TLS, credentials).
pub fn locate_with(g: &GlobalArgs, chart: &str, opts: &ChartPathOptions) -> anyhow::Result<String> {
    let p = Path::new(chart);
    let local = std::fs::metadata(p).is_ok() || chart.starts_with('.') || p.is_absolute();
    if local && opts.repo_url.is_empty() {
        // Local paths (and their errors) stay with the action's own locating.
        return Ok(chart.to_string());
    }
    let settings = crate::commands::repo::settings(g);
    if chart_core::registry::is_oci(chart.trim()) {
        let dir = &settings.repository_cache;
        std::fs::create_dir_all(dir).map_err(|e| anyhow!("{}: {e}", dir.display()))?;
        let f = fetch(g, chart.trim(), opts, dir)?;
        return Ok(chart_core::chart::filepath::absolute_clean(&f)
            .display()
            .to_string());
    }
    let path = chart_core::repo::download::locate_chart_with(chart, opts, &settings)
        .map_err(|e| anyhow!("{e}"))?;
    Ok(path.display().to_string())
}

/// [`locate_with`] with helm's `--verify`: with `keyring` set, a local archive is checked
/// against its `.prov`, and a downloaded one is fetched with its `.prov` and checked.
/// helm's `newRegistryClient`, which every command that may reach a registry builds
/// first: with a client certificate and key, a CA file or `--insecure-skip-tls-verify` it
/// loads the TLS files, and a file it cannot use stops the command
/// (`missing registry client: can't create TLS config for client: …`).
pub fn registry_tls_check(opts: &ChartPathOptions) -> anyhow::Result<()> {
    let (cert, key, ca) = (&opts.cert_file, &opts.key_file, &opts.ca_file);
    if !(!cert.is_empty() && !key.is_empty() || !ca.is_empty() || opts.insecure_skip_tls_verify) {
        return Ok(());
    }
    let fail =
        |why: String| anyhow!("missing registry client: can't create TLS config for client: {why}");
    if !cert.is_empty() && !key.is_empty() {
        // Go's tls.LoadX509KeyPair: both files read, then each must hold PEM data.
        let pair = |why: String| {
            fail(format!(
                "can't load key pair from cert {cert} and key {key}: {why}"
            ))
        };
        let read = |f: &str| {
            std::fs::read(f).map_err(|e| {
                pair(format!(
                    "open {f}: {}",
                    chart_core::chart::loader::go_io_text(&e)
                ))
            })
        };
        let c = read(cert)?;
        let k = read(key)?;
        if !String::from_utf8_lossy(&c).contains("-----BEGIN ") {
            return Err(pair(
                "tls: failed to find any PEM data in certificate input".into(),
            ));
        }
        if !String::from_utf8_lossy(&k).contains("-----BEGIN ") {
            return Err(pair("tls: failed to find any PEM data in key input".into()));
        }
    }
    if !ca.is_empty() {
        let b = std::fs::read(ca).map_err(|_| fail(format!("can't read CA file: {ca}")))?;
        if !String::from_utf8_lossy(&b).contains("-----BEGIN CERTIFICATE-----") {
            return Err(fail(format!(
                "failed to append certificates from file: {ca}"
            )));
        }
    }
    Ok(())
}

pub fn locate_verified(
    g: &GlobalArgs,
    chart: &str,
    opts: &ChartPathOptions,
    keyring: Option<&str>,
) -> anyhow::Result<String> {
    registry_tls_check(opts)?;
    let Some(keyring) = keyring else {
        return locate_with(g, chart, opts);
    };
    let p = Path::new(chart.trim());
    if std::fs::metadata(p).is_ok() {
        let abs = chart_core::chart::filepath::absolute_clean(p);
        chart_core::repo::provenance::verify_chart(&abs, Path::new(keyring))
            .map_err(|e| anyhow!("{e}"))?;
        return Ok(chart.to_string());
    }
    if (p.is_absolute() || chart.starts_with('.')) && opts.repo_url.is_empty() {
        return locate_with(g, chart, opts);
    }
    let settings = crate::commands::repo::settings(g);
    std::fs::create_dir_all(&settings.repository_cache)?;
    if chart_core::registry::is_oci(chart.trim()) {
        let (file, _, _) = fetch_oci(
            g,
            chart.trim(),
            opts,
            &settings.repository_cache,
            Some(chart_core::repo::download::ProvMode::Verify),
            Path::new(keyring),
        )?;
        return Ok(chart_core::chart::filepath::absolute_clean(&file)
            .display()
            .to_string());
    }
    let (file, _, _) = chart_core::repo::download::download_with_prov(
        chart.trim(),
        opts,
        &settings.repository_cache.clone(),
        &settings,
        chart_core::repo::download::ProvMode::Verify,
        Path::new(keyring),
    )
    .map_err(|e| anyhow!("{e}"))?;
    Ok(chart_core::chart::filepath::absolute_clean(&file)
        .display()
        .to_string())
}
