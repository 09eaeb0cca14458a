//! `chart push CHART.tgz oci://HOST/PATH`: upload a packaged chart (and its `.prov`) to
//! an OCI registry as `helm push` does.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{anyhow, bail};
use chart_core::registry::{self, Client, ClientOptions, Reference};
use clap::Args;

use crate::cli::GlobalArgs;

/// `chart push`.
#[derive(Args, Debug, Clone)]
pub struct PushArgs {
    /// the chart archive and the remote
    #[arg(num_args = 0..)]
    pub args: Vec<String>,
    /// identify registry client using this SSL certificate file
    #[arg(long = "cert-file", default_value = "")]
    pub cert_file: String,
    /// identify registry client using this SSL key file
    #[arg(long = "key-file", default_value = "")]
    pub key_file: String,
    /// verify certificates of HTTPS-enabled servers using this CA bundle
    #[arg(long = "ca-file", default_value = "")]
    pub ca_file: String,
    /// skip tls certificate checks for the chart upload
    #[arg(long = "insecure-skip-tls-verify")]
    pub insecure_skip_tls_verify: bool,
    /// use insecure HTTP connections for the chart upload
    #[arg(long = "plain-http")]
    pub plain_http: bool,
    /// chart repository username where to locate the requested chart
    #[arg(long, default_value = "")]
    pub username: String,
    /// chart repository password where to locate the requested chart
    #[arg(long, default_value = "")]
    pub password: String,
}

/// The registry client options shared by push and login.
pub fn client_options(g: &GlobalArgs) -> ClientOptions {
    let mut o = ClientOptions::default();
    if let Some(p) = &g.registry_config {
        o.credentials_file = PathBuf::from(p);
    }
    o
}

impl crate::cli::RegistryClientFlags {
    /// The chart path options of these flags alone.
    pub fn path_options(&self) -> chart_core::repo::download::ChartPathOptions {
        chart_core::repo::download::ChartPathOptions {
            username: self.username.clone(),
            password: self.password.clone(),
            cert_file: self.cert_file.clone(),
            key_file: self.key_file.clone(),
            insecure_skip_tls_verify: self.insecure_skip_tls_verify,
            plain_http: self.plain_http,
            ca_file: self.ca_file.clone(),
            ..Default::default()
        }
    }

    /// The registry client options these flags give (the registry config from `g`).
    pub fn client_options(&self, g: &GlobalArgs) -> ClientOptions {
        chart_core::repo::download::ChartPathOptions {
            registry_config: g.registry_config.as_ref().map(PathBuf::from),
            ..self.path_options()
        }
        .registry_options()
    }
}

/// The archive's modification time in RFC 3339 (local zone), helm's `created`.
fn modified(meta: &std::fs::Metadata) -> String {
    let secs = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0));
    gotime::GoTime::unix(secs).format("2006-01-02T15:04:05Z07:00")
}

pub fn run(g: &GlobalArgs, a: &PushArgs) -> anyhow::Result<ExitCode> {
    let [chart_ref, remote, ..] = a.args.as_slice() else {
        bail!("\"chart push\" requires at least 2 arguments\n\nUsage:  chart push [chart] [remote] [flags]");
    };
    // helm's ChartUploader: the remote must be a URL with a scheme it can push to.
    match remote.split_once("://") {
        Some(("oci", _)) => {}
        Some((scheme, _)) if !scheme.is_empty() => bail!("scheme {scheme:?} not supported"),
        _ => {
            let first = remote.split('/').next().unwrap_or("");
            if first.contains(':') {
                bail!("invalid chart URL format: {remote}");
            }
            bail!("scheme prefix missing from remote (e.g. \"oci://\")");
        }
    }
    let stat = match std::fs::metadata(chart_ref) {
        Ok(s) => s,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => bail!("{chart_ref}: no such file"),
        Err(e) => return Err(e.into()),
    };
    if stat.is_dir() {
        bail!("cannot push directory, must provide chart archive (.tgz)");
    }
    let ch = chart_core::chart::load(chart_ref).map_err(|e| anyhow!("{e}"))?;
    let data = std::fs::read(chart_ref)?;
    let prov_path = format!("{chart_ref}.prov");
    let prov = if Path::new(&prov_path).exists() {
        Some(std::fs::read(&prov_path)?)
    } else {
        None
    };
    let base = remote.trim_start_matches("oci://").trim_end_matches('/');
    let reference = format!("{base}/{}:{}", ch.metadata.name, ch.metadata.version);
    let r = Reference::parse(&reference).map_err(|e| anyhow!("{e}"))?;
    let opts = ClientOptions {
        plain_http: a.plain_http,
        insecure_skip_tls_verify: a.insecure_skip_tls_verify,
        ca_file: a.ca_file.clone(),
        cert_file: a.cert_file.clone(),
        key_file: a.key_file.clone(),
        username: a.username.clone(),
        password: a.password.clone(),
        ..client_options(g)
    };
    let client = Client::new(opts).map_err(|e| anyhow!("{e}"))?;
    let res = client
        .push(&r, &data, prov.as_deref(), &modified(&stat))
        .map_err(|e| anyhow!("{e}"))?;
    let mut text = format!(
        "Pushed: {}\nDigest: {}\n",
        res.reference, res.manifest_digest
    );
    if r.tag.contains('_') {
        text.push_str(&registry::underscore_message(&res.reference));
    }
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
    Ok(ExitCode::SUCCESS)
}
