//! `chart repo index|add|update|list|remove`: chart repositories as `helm repo` manages
//! them.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{anyhow, bail};
use chart_core::repo::index::{index_directory, IndexFile};
use clap::{Args, Subcommand};

use crate::cli::GlobalArgs;

/// `chart repo`.
#[derive(Args, Debug, Clone)]
pub struct RepoArgs {
    /// What to do.
    #[command(subcommand)]
    pub what: RepoCommand,
}

/// `chart repo` subcommands.
#[derive(Subcommand, Debug, Clone)]
pub enum RepoCommand {
    /// generate an index file given a directory containing packaged charts
    Index(RepoIndexArgs),
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

pub fn run(_g: &GlobalArgs, a: &RepoArgs) -> anyhow::Result<ExitCode> {
    match &a.what {
        RepoCommand::Index(i) => index(i),
    }
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
            let i = IndexFile::load_file(mp, &mut w)
                .map_err(|e| anyhow!("merge failed: error loading {m}: {e}"))?;
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
