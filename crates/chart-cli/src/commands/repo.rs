//! `chart repo index|add|update|list|remove`: chart repositories as `helm repo` manages
//! them.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{anyhow, bail};
use chart_core::gotmpl::{Map, Value};
use chart_core::repo::config::{download_index, download_index_timeout, Entry, RepoFile, Settings};
use chart_core::repo::index::{index_directory, IndexFile};
use clap::{Args, Subcommand};

use crate::cli::GlobalArgs;

/// `chart repo`.
#[derive(Args, Debug, Clone)]
pub struct RepoArgs {
    /// What to do.
    #[command(subcommand)]
    pub what: Option<RepoCommand>,
}

/// `chart repo` subcommands.
#[derive(Subcommand, Debug, Clone)]
pub enum RepoCommand {
    /// generate an index file given a directory containing packaged charts
    Index(RepoIndexArgs),
    /// add a chart repository
    Add(RepoAddArgs),
    /// list chart repositories
    #[command(alias = "ls")]
    List(RepoListArgs),
    /// remove one or more chart repositories
    #[command(alias = "rm")]
    Remove(RepoNamesArgs),
    /// update information of available charts locally from chart repositories
    #[command(alias = "up")]
    Update(RepoUpdateArgs),
}

/// `chart repo add NAME URL`.
#[derive(Args, Debug, Clone)]
pub struct RepoAddArgs {
    /// NAME URL
    #[arg(num_args = 0..)]
    pub args: Vec<String>,
    /// chart repository username
    #[arg(long, default_value = "")]
    pub username: String,
    /// chart repository password
    #[arg(long, default_value = "")]
    pub password: String,
    /// read chart repository password from stdin
    #[arg(long = "password-stdin")]
    pub password_stdin: bool,
    /// replace (overwrite) the repo if it already exists
    #[arg(long = "force-update")]
    pub force_update: bool,
    /// identify HTTPS client using this SSL certificate file
    #[arg(long = "cert-file", default_value = "")]
    pub cert_file: String,
    /// identify HTTPS client using this SSL key file
    #[arg(long = "key-file", default_value = "")]
    pub key_file: String,
    /// verify certificates of HTTPS-enabled servers using this CA bundle
    #[arg(long = "ca-file", default_value = "")]
    pub ca_file: String,
    /// skip tls certificate checks for the repository
    #[arg(long = "insecure-skip-tls-verify")]
    pub insecure_skip_tls_verify: bool,
    /// pass credentials to all domains
    #[arg(long = "pass-credentials")]
    pub pass_credentials: bool,
    /// by default, this command will not allow adding official repos that have been permanently deleted. This disables that behavior
    #[arg(long = "allow-deprecated-repos")]
    pub allow_deprecated_repos: bool,
    /// Ignored. Formerly, it would disabled forced updates. It is deprecated by force-update.
    #[arg(long = "no-update")]
    pub no_update: bool,
    /// time to wait for the index file download to complete
    #[arg(long, default_value = "2m0s")]
    pub timeout: String,
}

/// `chart repo list`.
#[derive(Args, Debug, Clone)]
pub struct RepoListArgs {
    /// prints the output in the specified format. Allowed values: table, json, yaml
    #[arg(short = 'o', long, default_value = "table", value_name = "format", value_parser = crate::cobra::OutputFormatFlag)]
    pub output: String,
}

/// `chart repo remove NAME...`.
#[derive(Args, Debug, Clone)]
pub struct RepoNamesArgs {
    /// repository names
    #[arg(num_args = 0..)]
    pub names: Vec<String>,
}

/// `chart repo update [NAME...]`.
#[derive(Args, Debug, Clone)]
pub struct RepoUpdateArgs {
    /// repository names
    #[arg(num_args = 0..)]
    pub names: Vec<String>,
    /// update fails if any of the repository updates fail
    #[arg(long = "fail-on-repo-update-fail")]
    pub fail_on_repo_update_fail: bool,
}

/// `chart repo index DIR`.
#[derive(Args, Debug, Clone)]
pub struct RepoIndexArgs {
    /// the directory of packaged charts
    #[arg(num_args = 0..)]
    pub args: Vec<String>,
    /// url of chart repository
    #[arg(long)]
    pub url: Option<String>,
    /// merge the generated index into the given index
    #[arg(long)]
    pub merge: Option<String>,
    /// output in JSON format
    #[arg(long)]
    pub json: bool,
}

pub fn settings(g: &GlobalArgs) -> Settings {
    Settings::from_env(
        g.repository_config.as_deref(),
        g.repository_cache.as_deref(),
    )
}

pub fn run(g: &GlobalArgs, a: &RepoArgs) -> anyhow::Result<ExitCode> {
    let Some(what) = &a.what else {
        crate::cobra::print_help(&["repo"]);
        return Ok(ExitCode::SUCCESS);
    };
    match what {
        RepoCommand::Index(i) => index(i),
        RepoCommand::Add(x) => add(&settings(g), x),
        RepoCommand::List(x) => list(&settings(g), x),
        RepoCommand::Remove(x) => remove(&settings(g), x),
        RepoCommand::Update(x) => update(&settings(g), x),
    }
}

fn add(s: &Settings, a: &RepoAddArgs) -> anyhow::Result<ExitCode> {
    let [name, url] = a.args.as_slice() else {
        bail!(
            "\"chart repo add\" requires 2 arguments\n\nUsage:  chart repo add [NAME] [URL] [flags]"
        );
    };
    // The two official repositories that were deleted for good (helm's deprecatedRepos).
    if !a.allow_deprecated_repos {
        for (old, new) in [
            (
                "//kubernetes-charts.storage.googleapis.com",
                "https://charts.helm.sh/stable",
            ),
            (
                "//kubernetes-charts-incubator.storage.googleapis.com",
                "https://charts.helm.sh/incubator",
            ),
        ] {
            if url.contains(old) {
                bail!(
                    "repo {} is no longer available; try {} instead",
                    go_quote(url),
                    go_quote(new)
                );
            }
        }
    }
    let mut password = a.password.clone();
    if !a.username.is_empty() && password.is_empty() && a.password_stdin {
        let mut p = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut p)?;
        password = p.trim_end_matches('\n').trim_end_matches('\r').to_string();
    }
    s.touch_lock();
    let mut f = RepoFile::load(&s.repository_config).map_err(|e| anyhow!("{e}"))?;
    let e = Entry {
        name: name.clone(),
        url: url.clone(),
        username: a.username.clone(),
        password,
        cert_file: a.cert_file.clone(),
        key_file: a.key_file.clone(),
        ca_file: a.ca_file.clone(),
        insecure_skip_tls_verify: a.insecure_skip_tls_verify,
        pass_credentials_all: a.pass_credentials,
    };
    if name.contains('/') {
        bail!("repository name ({name}) contains '/', please specify a different name without '/'");
    }
    if !a.force_update {
        if let Some(existing) = f.get(name) {
            if *existing != e {
                bail!("repository name ({name}) already exists, please specify a different name");
            }
            println!(
                "{} already exists with the same configuration, skipping",
                go_quote(name)
            );
            return Ok(ExitCode::SUCCESS);
        }
    }
    let nanos = gotime::parse_duration(&a.timeout).map_err(|e| {
        anyhow!(
            "invalid argument {:?} for \"--timeout\" flag: {e}",
            a.timeout
        )
    })?;
    let timeout = std::time::Duration::from_nanos(u64::try_from(nanos).unwrap_or(0));
    download_index_timeout(&e, s, timeout).map_err(|err| {
        anyhow!(
            "looks like {} is not a valid chart repository or cannot be reached: {err}",
            go_quote(url)
        )
    })?;
    f.update(e);
    f.write(&s.repository_config).map_err(|e| anyhow!("{e}"))?;
    println!("{} has been added to your repositories", go_quote(name));
    Ok(ExitCode::SUCCESS)
}

fn go_quote(s: &str) -> String {
    chart_core::gotmpl::fmt::go_quote(s)
}

fn list(s: &Settings, a: &RepoListArgs) -> anyhow::Result<ExitCode> {
    let f = RepoFile::load(&s.repository_config).unwrap_or_default();
    let fmt = a.output.as_str();
    if !matches!(fmt, "table" | "json" | "yaml") {
        bail!("invalid format type");
    }
    if f.repositories.is_empty() && fmt == "table" {
        bail!("no repositories to show");
    }
    match fmt {
        "table" => {
            let mut rows = vec![vec!["NAME".to_string(), "URL".to_string()]];
            for e in &f.repositories {
                rows.push(vec![e.name.clone(), e.url.clone()]);
            }
            print!("{}", crate::commands::search::table(&rows));
        }
        _ => {
            let list: Vec<Value> = f
                .repositories
                .iter()
                .map(|e| {
                    let mut m = Map::new();
                    m.insert("name".into(), Value::str(&e.name));
                    m.insert("url".into(), Value::str(&e.url));
                    Value::map(m)
                })
                .collect();
            let v = Value::list(list);
            if fmt == "json" {
                let _ = &v;
                let items: Vec<String> = f
                    .repositories
                    .iter()
                    .map(|e| {
                        format!(
                            "{{\"name\":{},\"url\":{}}}",
                            crate::commands::search::go_json(&e.name),
                            crate::commands::search::go_json(&e.url)
                        )
                    })
                    .collect();
                println!("[{}]", items.join(","));
            } else {
                print!("{}", chart_core::goyaml::marshal(&v)?);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn remove(s: &Settings, a: &RepoNamesArgs) -> anyhow::Result<ExitCode> {
    if a.names.is_empty() {
        bail!("\"chart repo remove\" requires at least 1 argument\n\nUsage:  chart repo remove [REPO1 [REPO2 ...]] [flags]");
    }
    let mut f = RepoFile::load(&s.repository_config).unwrap_or_default();
    if f.repositories.is_empty() {
        bail!("no repositories configured");
    }
    for n in &a.names {
        if !f.remove(n) {
            bail!("no repo named {} found", go_quote(n));
        }
        f.write(&s.repository_config).map_err(|e| anyhow!("{e}"))?;
        let _ = std::fs::remove_file(s.charts_cache(n));
        let idx = s.index_cache(n);
        if idx.exists() {
            std::fs::remove_file(&idx)?;
        }
        println!("{} has been removed from your repositories", go_quote(n));
    }
    Ok(ExitCode::SUCCESS)
}

fn update(s: &Settings, a: &RepoUpdateArgs) -> anyhow::Result<ExitCode> {
    let f = RepoFile::load(&s.repository_config).unwrap_or_default();
    if f.repositories.is_empty() {
        bail!("no repositories found. You must add one before updating");
    }
    for n in &a.names {
        if f.get(n).is_none() {
            bail!("no repositories found matching '{n}'.  Nothing will be updated");
        }
    }
    let repos: Vec<&Entry> = f
        .repositories
        .iter()
        .filter(|e| a.names.is_empty() || a.names.contains(&e.name))
        .collect();
    println!("Hang tight while we grab the latest from your chart repositories...");
    let results: Vec<(String, Option<String>)> = std::thread::scope(|sc| {
        let handles: Vec<_> = repos
            .iter()
            .map(|e| sc.spawn(move || download_index(e, s).err().map(|x| x.to_string())))
            .collect();
        handles
            .into_iter()
            .zip(&repos)
            .map(|(h, e)| (e.name.clone(), h.join().unwrap_or(Some("panicked".into()))))
            .collect()
    });
    let mut failed = Vec::new();
    for ((name, err), e) in results.iter().zip(&repos) {
        match err {
            None => println!(
                "...Successfully got an update from the {} chart repository",
                go_quote(name)
            ),
            Some(err) => {
                println!(
                    "...Unable to get an update from the {} chart repository ({}):\n\t{err}",
                    go_quote(name),
                    e.url
                );
                failed.push(e.url.clone());
            }
        }
    }
    if !failed.is_empty() && a.fail_on_repo_update_fail {
        bail!(
            "Failed to update the following repositories: [{}]",
            failed.join(" ")
        );
    }
    println!("Update Complete. \u{2388}Happy Helming!\u{2388}");
    Ok(ExitCode::SUCCESS)
}

fn index(a: &RepoIndexArgs) -> anyhow::Result<ExitCode> {
    let [dir] = a.args.as_slice() else {
        bail!("\"chart repo index\" requires 1 argument\n\nUsage:  chart repo index [DIR] [flags]");
    };
    let path = chart_core::chart::filepath::absolute_clean(Path::new(dir));
    let out: PathBuf = path.join("index.yaml");
    let mut idx =
        index_directory(&path, a.url.as_deref().unwrap_or("")).map_err(|e| anyhow!("{e}"))?;
    if let Some(m) = a.merge.as_deref().filter(|m| !m.is_empty()) {
        let mp = Path::new(m);
        let old = if mp.exists() {
            let mut w = Vec::new();
            let i = IndexFile::load_file(mp, &mut w).map_err(|e| anyhow!("merge failed: {e}"))?;
            for x in w {
                eprintln!("{x}");
            }
            i
        } else {
            // Helm writes an empty index at the merge path when it does not exist.
            let i = IndexFile::new();
            i.write_file(mp, false).map_err(|e| anyhow!("{e}"))?;
            i
        };
        idx.merge(&old);
    }
    idx.sort_entries();
    idx.write_file(&out, a.json).map_err(|e| anyhow!("{e}"))?;
    Ok(ExitCode::SUCCESS)
}
