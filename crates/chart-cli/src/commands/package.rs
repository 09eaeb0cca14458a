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
    #[arg(long, default_value = "")]
    pub key: String,
    /// location of a public keyring
    #[arg(long)]
    pub keyring: Option<String>,
    /// location of a file which contains the passphrase for the signing key. Use "-" in order to read from stdin.
    #[arg(long = "passphrase-file", default_value = "")]
    pub passphrase_file: String,
    /// credentials and TLS
    #[command(flatten)]
    pub client: crate::cli::RegistryClientFlags,
}

/// Helm's `passphraseFileFetcher`: the first line of the file (or of stdin for `-`).
fn read_passphrase(file: &str) -> std::io::Result<Vec<u8>> {
    use std::io::BufRead;
    let mut line = Vec::new();
    if file == "-" {
        std::io::stdin().lock().read_until(b'\n', &mut line)?;
    } else {
        let f = std::fs::File::open(file)?;
        std::io::BufReader::new(f).read_until(b'\n', &mut line)?;
    }
    if line.last() == Some(&b'\n') {
        line.pop();
        if line.last() == Some(&b'\r') {
            line.pop();
        }
    }
    Ok(line)
}

/// Helm's `promptUser`: asks on the terminal (without echo when possible).
fn prompt_passphrase(name: &str) -> std::io::Result<Vec<u8>> {
    use std::io::Write;
    print!(
        "Password for key {} >  ",
        chart_core::gotmpl::fmt::go_quote(name)
    );
    std::io::stdout().flush()?;
    let mut s = String::new();
    std::io::stdin().read_line(&mut s)?;
    println!();
    Ok(s.trim_end_matches(['\n', '\r']).as_bytes().to_vec())
}

fn sign(a: &PackageArgs, keyring: &str, archive: &Path) -> anyhow::Result<()> {
    use chart_core::repo::provenance::Signer;
    let signer = if a.passphrase_file.is_empty() {
        Signer::from_keyring(Path::new(keyring), &a.key, prompt_passphrase)
    } else {
        if a.passphrase_file != "-" {
            if let Err(e) = std::fs::metadata(&a.passphrase_file) {
                bail!("open {}: {}", a.passphrase_file, go_io(&e));
            }
        }
        let file = a.passphrase_file.clone();
        Signer::from_keyring(Path::new(keyring), &a.key, move |_| read_passphrase(&file))
    }
    .map_err(|e| anyhow!("{e}"))?;
    let text = signer.clear_sign(archive).map_err(|e| anyhow!("{e}"))?;
    let prov = format!("{}.prov", archive.display());
    std::fs::write(&prov, text).map_err(|e| anyhow!("open {prov}: {}", go_io(&e)))?;
    Ok(())
}

pub fn run(g: &crate::cli::GlobalArgs, a: &PackageArgs) -> anyhow::Result<ExitCode> {
    if a.charts.is_empty() {
        bail!("need at least one argument, the path to the chart");
    }
    let keyring = a
        .keyring
        .clone()
        .unwrap_or_else(crate::commands::dependency::default_keyring);
    if a.sign {
        if a.key.is_empty() {
            bail!("--key is required for signing a package");
        }
        if keyring.is_empty() {
            bail!("--keyring is required for signing a package");
        }
    }
    let opts = PackageOptions {
        version: a.version.clone(),
        app_version: a.app_version.clone(),
        save: SaveOptions {
            mtime: crate::commands::dependency::archive_mtime(),
        },
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
        if a.dependency_update {
            // helm discards the dependency manager's output here.
            let mut sink = std::io::sink();
            let mut m = chart_core::repo::manager::Manager {
                out: &mut sink,
                log: &mut std::io::stderr(),
                chart_path: path.display().to_string(),
                verify: chart_core::repo::manager::VerifyMode::Never,
                keyring: PathBuf::from(&keyring),
                skip_update: false,
                debug: g.debug,
                settings: crate::commands::repo::settings(g),
                mtime: crate::commands::dependency::archive_mtime(),
                registry: a.client.client_options(g),
            };
            m.update().map_err(|e| anyhow!("{e}"))?;
        }
        let out = package(&path, &dest, &opts)
            .map_err(|e| anyhow!("{}", crate::commands::dependency::chain(&e)))?;
        if a.sign {
            sign(a, &keyring, &out)?;
        }
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
