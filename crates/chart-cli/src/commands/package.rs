//! `chart package CHART…`: package chart directories as `helm package` does, into
//! reproducible archives.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{anyhow, bail};
use chart_core::chart::save::SaveOptions;
use chart_core::repo::package::{package, PackageOptions};
use clap::Args;

/// `chart package`.
#[derive(Args, Debug, Clone)]
pub struct PackageArgs {
    /// the chart directories to package
    #[arg(num_args = 0..)]
    pub charts: Vec<String>,
    /// set the version on the chart to this semver version
    #[arg(long)]
    pub version: Option<String>,
    /// set the appVersion on the chart to this version
    #[arg(long = "app-version")]
    pub app_version: Option<String>,
    /// location to write the chart.
    #[arg(short = 'd', long, default_value = ".")]
    pub destination: String,
    /// update dependencies from "Chart.yaml" to dir "charts/" before packaging
    #[arg(short = 'u', long = "dependency-update")]
    pub dependency_update: bool,
    /// use a PGP private key to sign this package
    #[arg(long)]
    pub sign: bool,
    /// name of the key to use when signing. Used if --sign is true
    #[arg(long)]
    pub key: Option<String>,
    /// location of a public keyring
    #[arg(long)]
    pub keyring: Option<String>,
    /// location of a file which contains the passphrase for the signing key. Use "-" in order to read from stdin.
    #[arg(long = "passphrase-file")]
    pub passphrase_file: Option<String>,
    /// chart repository username where to locate the requested chart
    #[arg(long)]
    pub username: Option<String>,
    /// chart repository password where to locate the requested chart
    #[arg(long)]
    pub password: Option<String>,
    /// identify HTTPS client using this SSL certificate file
    #[arg(long = "cert-file")]
    pub cert_file: Option<String>,
    /// identify HTTPS client using this SSL key file
    #[arg(long = "key-file")]
    pub key_file: Option<String>,
    /// skip tls certificate checks for the chart download
    #[arg(long = "insecure-skip-tls-verify")]
    pub insecure_skip_tls_verify: bool,
    /// use insecure HTTP connections for the chart download
    #[arg(long = "plain-http")]
    pub plain_http: bool,
    /// verify certificates of HTTPS-enabled servers using this CA bundle
    #[arg(long = "ca-file")]
    pub ca_file: Option<String>,
}

/// The fixed modification time of archive entries: `SOURCE_DATE_EPOCH` when set, else 0.
fn mtime() -> u64 {
    std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(0)
}

pub fn run(a: &PackageArgs) -> anyhow::Result<ExitCode> {
    if a.charts.is_empty() {
        bail!("need at least one argument, the path to the chart");
    }
    if a.sign {
        bail!("--sign: signing packages (provenance files) is not supported");
    }
    if a.dependency_update {
        bail!("--dependency-update: dependency update is not supported yet");
    }
    let opts = PackageOptions {
        version: a.version.clone(),
        app_version: a.app_version.clone(),
        save: SaveOptions { mtime: mtime() },
    };
    let dest: PathBuf = if a.destination == "." {
        std::env::current_dir()?
    } else {
        PathBuf::from(&a.destination)
    };
    for c in &a.charts {
        if let Err(e) = std::fs::metadata(c) {
            bail!("stat {c}: {}", go_io(&e));
        }
        let path = chart_core::chart::filepath::absolute_clean(Path::new(c));
        let out = package(&path, &dest, &opts)
            .map_err(|e| anyhow!("{}", crate::commands::dependency::chain(&e)))?;
        println!(
            "Successfully packaged chart and saved it to: {}",
            out.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn go_io(e: &std::io::Error) -> &'static str {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory",
        std::io::ErrorKind::PermissionDenied => "permission denied",
        _ => "cannot read",
    }
}
