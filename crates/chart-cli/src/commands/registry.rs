//! `chart registry login|logout HOST`: credentials for OCI registries in helm's
//! `registry/config.json` (`--registry-config`, `HELM_REGISTRY_CONFIG`).

use std::io::{BufRead, IsTerminal, Read, Write};
use std::process::ExitCode;

use anyhow::{anyhow, bail};
use chart_core::registry::auth::{Credential, CredentialStore};
use chart_core::registry::{Client, ClientOptions};
use clap::{Args, Subcommand};

use crate::cli::GlobalArgs;

/// `chart registry`.
#[derive(Args, Debug, Clone)]
pub struct RegistryArgs {
    /// The subcommand.
    #[command(subcommand)]
    pub what: RegistryCommand,
}

/// `chart registry` subcommands.
#[derive(Subcommand, Debug, Clone)]
pub enum RegistryCommand {
    /// login to a registry
    Login(LoginArgs),
    /// logout from a registry
    Logout(LogoutArgs),
}

/// `chart registry login`.
#[derive(Args, Debug, Clone)]
pub struct LoginArgs {
    /// the registry host
    #[arg(num_args = 0..)]
    pub args: Vec<String>,
    /// registry username
    #[arg(short = 'u', long, default_value = "")]
    pub username: String,
    /// registry password or identity token
    #[arg(short = 'p', long, default_value = "")]
    pub password: String,
    /// read password or identity token from stdin
    #[arg(long = "password-stdin")]
    pub password_stdin: bool,
    /// allow connections to TLS registry without certs
    #[arg(long)]
    pub insecure: bool,
    /// identify registry client using this SSL certificate file
    #[arg(long = "cert-file", default_value = "")]
    pub cert_file: String,
    /// identify registry client using this SSL key file
    #[arg(long = "key-file", default_value = "")]
    pub key_file: String,
    /// verify certificates of HTTPS-enabled servers using this CA bundle
    #[arg(long = "ca-file", default_value = "")]
    pub ca_file: String,
}

/// `chart registry logout`.
#[derive(Args, Debug, Clone)]
pub struct LogoutArgs {
    /// the registry host
    #[arg(num_args = 0..)]
    pub args: Vec<String>,
}

pub fn run(g: &GlobalArgs, a: &RegistryArgs) -> anyhow::Result<ExitCode> {
    match &a.what {
        RegistryCommand::Login(l) => login(g, l),
        RegistryCommand::Logout(l) => logout(g, l),
    }
}

/// A line from stdin after `prompt` (on stdout, as helm prints it); without echo when
/// `silent` and stdin is a terminal.
fn read_line(prompt: &str, silent: bool) -> anyhow::Result<String> {
    print!("{prompt}");
    let _ = std::io::stdout().flush();
    let tty = std::io::stdin().is_terminal();
    let stty = |arg: &str| {
        let _ = std::process::Command::new("stty")
            .arg(arg)
            .stdin(std::process::Stdio::inherit())
            .status();
    };
    if silent && tty {
        stty("-echo");
    }
    let mut line = String::new();
    let res = std::io::stdin().lock().read_line(&mut line);
    if silent && tty {
        stty("echo");
        println!();
    }
    res?;
    Ok(line.trim_end_matches(['\n', '\r']).to_string())
}

/// helm's `getUsernamePassword`.
fn username_password(l: &LoginArgs) -> anyhow::Result<(String, String)> {
    let mut username = l.username.clone();
    let mut password = l.password.clone();
    if l.password_stdin {
        let mut s = String::new();
        std::io::stdin().read_to_string(&mut s)?;
        let s = s.strip_suffix('\n').unwrap_or(&s);
        password = s.strip_suffix('\r').unwrap_or(s).to_string();
    } else if password.is_empty() {
        if username.is_empty() {
            username = read_line("Username: ", false)?.trim().to_string();
        }
        if username.is_empty() {
            password = read_line("Token: ", true)?;
            if password.is_empty() {
                bail!("token required");
            }
        } else {
            password = read_line("Password: ", true)?;
            if password.is_empty() {
                bail!("password required");
            }
        }
    } else {
        let _ = writeln!(
            std::io::stderr().lock(),
            "WARNING: Using --password via the CLI is insecure. Use --password-stdin."
        );
    }
    Ok((username, password))
}

fn login(g: &GlobalArgs, l: &LoginArgs) -> anyhow::Result<ExitCode> {
    let Some(host) = l.args.first() else {
        bail!("\"chart registry login\" requires at least 1 argument\n\nUsage:  chart registry login [host] [flags]");
    };
    let (username, password) = username_password(l)?;
    let opts = ClientOptions {
        insecure_skip_tls_verify: l.insecure,
        ca_file: l.ca_file.clone(),
        cert_file: l.cert_file.clone(),
        key_file: l.key_file.clone(),
        ..super::push::client_options(g)
    };
    let store = CredentialStore::new(opts.credentials_file.clone());
    let client = Client::new(opts).map_err(|e| anyhow!("{e}"))?;
    client
        .login(host, &username, &password, l.insecure)
        .map_err(|e| anyhow!("{e}"))?;
    store
        .store(host, &Credential { username, password })
        .map_err(|e| anyhow!("{e}"))?;
    let _ = writeln!(std::io::stderr().lock(), "Login Succeeded");
    Ok(ExitCode::SUCCESS)
}

fn logout(g: &GlobalArgs, l: &LogoutArgs) -> anyhow::Result<ExitCode> {
    let Some(host) = l.args.first() else {
        bail!("\"chart registry logout\" requires at least 1 argument\n\nUsage:  chart registry logout [host] [flags]");
    };
    let store = CredentialStore::new(super::push::client_options(g).credentials_file);
    store.remove(host).map_err(|e| anyhow!("{e}"))?;
    let _ = writeln!(
        std::io::stderr().lock(),
        "Removing login credentials for {host}"
    );
    Ok(ExitCode::SUCCESS)
}
