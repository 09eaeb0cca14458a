//! `chart lint [PATH...]`: examine charts for possible issues, printed as `helm lint`
//! prints them (Helm's `cmd/helm/lint.go`).

use std::fmt::Write as _;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{anyhow, bail};
use chart_core::action::lint::Lint;
use chart_core::engine::Capabilities;
use chart_core::lint::Severity;
use clap::Args;

use crate::cli::{GlobalArgs, ValuesArgs};

/// `chart lint [PATH...]`.
#[derive(Args, Debug, Clone)]
pub struct LintArgs {
    /// chart paths (default: the current directory)
    pub paths: Vec<String>,
    /// values
    #[command(flatten)]
    pub values: ValuesArgs,
    /// fail on lint warnings
    #[arg(long)]
    pub strict: bool,
    /// lint dependent charts
    #[arg(long = "with-subcharts")]
    pub with_subcharts: bool,
    /// print only warnings and errors
    #[arg(long)]
    pub quiet: bool,
    /// if set, disables JSON schema validation
    #[arg(long = "skip-schema-validation")]
    pub skip_schema_validation: bool,
    /// Kubernetes version used for capabilities and deprecation checks
    #[arg(long = "kube-version")]
    pub kube_version: Option<String>,
}

/// Go's `filepath.Walk` below `dir`, collecting chart directories (those holding a
/// `Chart.yaml`) and chart archives, in Walk's lexical order.
fn walk_subcharts(dir: &Path, out: &mut Vec<String>) {
    let Ok(meta) = std::fs::symlink_metadata(dir) else {
        return;
    };
    if !meta.is_dir() {
        return;
    }
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut names: Vec<String> = rd
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    for n in names {
        let p = dir.join(&n);
        let shown = p.display().to_string();
        if n == "Chart.yaml" {
            out.push(dir.display().to_string());
        } else if shown.ends_with(".tgz") || shown.ends_with(".tar.gz") {
            out.push(shown);
        }
        walk_subcharts(&p, out);
    }
}

/// Go's `filepath.Join(p, "charts")` for the paths given on the command line.
fn charts_dir(p: &str) -> String {
    let joined = format!("{p}/charts");
    let mut parts: Vec<&str> = Vec::new();
    let abs = joined.starts_with('/');
    for seg in joined.split('/') {
        match seg {
            "" | "." => {}
            ".." if parts.last().is_some_and(|l| *l != "..") => {
                parts.pop();
            }
            ".." if abs => {}
            s => parts.push(s),
        }
    }
    let body = parts.join("/");
    if abs {
        format!("/{body}")
    } else {
        body
    }
}

pub fn run(g: &GlobalArgs, a: &LintArgs) -> anyhow::Result<ExitCode> {
    let mut paths: Vec<String> = if a.paths.is_empty() {
        vec![".".into()]
    } else {
        a.paths.clone()
    };
    if let Some(kv) = a.kube_version.as_ref().filter(|k| !k.is_empty()) {
        Capabilities::default()
            .with_kube_version(kv)
            .map_err(|e| anyhow!("{e}"))?;
    }
    if a.with_subcharts {
        let given = paths.clone();
        for p in &given {
            walk_subcharts(Path::new(&charts_dir(p)), &mut paths);
        }
    }
    let client = Lint {
        strict: a.strict,
        namespace: g.namespace.clone().unwrap_or_else(|| "default".into()),
        kube_version: a.kube_version.clone().filter(|k| !k.is_empty()),
        skip_schema_validation: a.skip_schema_validation,
    };
    let vals = super::template::value_options(&a.values)
        .merge_values()
        .map_err(|e| anyhow!("{e}"))?;

    let mut message = String::new();
    let mut failed = 0;
    let mut errors_or_warnings = 0;
    for path in &paths {
        let result = client.run(path, &vals);
        for l in &result.log {
            eprintln!("{l}");
        }
        let has = result.has_warnings_or_errors();
        if has {
            errors_or_warnings += 1;
        }
        if a.quiet && !has {
            continue;
        }
        let _ = writeln!(message, "==> Linting {path}");
        if result.messages.is_empty() {
            for e in &result.errors {
                let _ = writeln!(message, "Error {e}");
            }
        }
        for m in &result.messages {
            if !a.quiet || m.severity > Severity::Info {
                let _ = writeln!(message, "{m}");
            }
        }
        if !result.errors.is_empty() {
            failed += 1;
        }
        message.push('\n');
    }
    print!("{message}");
    let summary = format!("{} chart(s) linted, {failed} chart(s) failed", paths.len());
    if failed > 0 {
        bail!("{summary}");
    }
    if !a.quiet || errors_or_warnings > 0 {
        println!("{summary}");
    }
    Ok(ExitCode::SUCCESS)
}
