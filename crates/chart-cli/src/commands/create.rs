//! `chart create NAME`: scaffold a new chart as `helm create` does, from our own starter.

use std::process::ExitCode;

use anyhow::bail;
use chart_core::chart::create;

use crate::cli::CreateArgs;

pub fn run(a: &CreateArgs) -> anyhow::Result<ExitCode> {
    let [name] = a.args.as_slice() else {
        bail!("\"chart create\" requires 1 argument\n\nUsage:  chart create NAME [flags]");
    };
    println!("Creating {name}");
    if let Some(starter) = a.starter.as_deref().filter(|s| !s.is_empty()) {
        // A name is looked up under $HELM_DATA_HOME/starters; an absolute path is used as is.
        let path = if std::path::Path::new(starter).is_absolute() {
            std::path::PathBuf::from(starter)
        } else {
            starters_dir().join(starter)
        };
        create::create_from(name, &path)?;
        return Ok(ExitCode::SUCCESS);
    }
    let created = create::create(name)?;
    for w in &created.warnings {
        println!("{w}");
    }
    Ok(ExitCode::SUCCESS)
}

/// helm's `$HELM_DATA_HOME/starters` (XDG data home, `~/.local/share/helm` by default).
fn starters_dir() -> std::path::PathBuf {
    let data = std::env::var_os("HELM_DATA_HOME")
        .filter(|v| !v.is_empty())
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            let xdg = std::env::var_os("XDG_DATA_HOME")
                .filter(|v| !v.is_empty())
                .map(std::path::PathBuf::from)
                .unwrap_or_else(|| {
                    std::path::PathBuf::from(std::env::var_os("HOME").unwrap_or_default())
                        .join(".local/share")
                });
            xdg.join("helm")
        });
    data.join("starters")
}
