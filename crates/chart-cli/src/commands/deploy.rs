//! What install, upgrade, rollback and uninstall share on the command line: `--timeout`
//! (a Go duration), `--labels`, `--dry-run`, the progress view of `--wait`, and loading
//! a chart with its values.

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::anyhow;
use chart_core::action::deploy::{Common, LogFn, ProgressFn};
use chart_core::action::install::{locate_chart, ActionError};
use chart_core::action::release_install::DryRun;
use chart_core::chart::{self, Chart};
use chart_core::gotmpl::Value;
use chart_core::kube::WaitStatus;

use super::template::value_options;
use crate::cli::{GlobalArgs, ValuesArgs};

/// `--timeout`: Go's `time.ParseDuration`.
pub fn parse_timeout(s: &str) -> anyhow::Result<Duration> {
    let ns = gotime::parse_duration(s)
        .map_err(|e| anyhow!("invalid argument {s:?} for \"--timeout\" flag: {e}"))?;
    Ok(Duration::from_nanos(u64::try_from(ns).unwrap_or(0)))
}

/// `--labels k=v,k2=v2` (helm's string-to-string flag).
pub fn parse_labels(items: &[String]) -> anyhow::Result<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    for item in items {
        for kv in item.split(',').filter(|s| !s.is_empty()) {
            let (k, v) = kv
                .split_once('=')
                .ok_or_else(|| anyhow!("invalid argument {item:?} for \"-l, --labels\" flag: {kv} must be formatted as key=value"))?;
            out.insert(k.to_owned(), v.to_owned());
        }
    }
    Ok(out)
}

/// `--dry-run[=client|server|none]`.
pub fn parse_dry_run(v: &Option<String>) -> anyhow::Result<DryRun> {
    match v {
        None => Ok(DryRun::None),
        Some(s) => DryRun::parse(s).map_err(|e| anyhow!(e)),
    }
}

/// The wait progress on stderr: a view redrawn in place on a terminal, a line per
/// change otherwise.
pub fn progress() -> ProgressFn {
    let tty = std::io::stderr().is_terminal();
    let last: Arc<Mutex<(String, usize)>> = Arc::new(Mutex::new((String::new(), 0)));
    let start = std::time::Instant::now();
    Arc::new(move |s: &WaitStatus| {
        let Ok(mut state) = last.lock() else { return };
        let mut text = String::new();
        let total = s.ready + s.pending.len();
        if s.pending.is_empty() {
            text.push_str(&format!("wait: all {total} resources are ready\n"));
        } else {
            text.push_str(&format!("wait: {}/{} resources ready", s.ready, total));
            if tty {
                // The view is redrawn in place: the clock shows it is alive.
                text.push_str(&format!(" ({}s)", start.elapsed().as_secs()));
            }
            text.push('\n');
            for p in &s.pending {
                if p.reason == "not checked yet" {
                    continue;
                }
                text.push_str(&format!("  {} {}: {}\n", p.kind, p.name, p.reason));
            }
        }
        let mut err = std::io::stderr().lock();
        if tty {
            // Move up over the previous view and clear it.
            if state.1 > 0 {
                let _ = write!(err, "\x1b[{}A\x1b[J", state.1);
            }
            let _ = err.write_all(text.as_bytes());
            state.1 = text.lines().count();
        } else if text != state.0 {
            let _ = err.write_all(text.as_bytes());
        }
        state.0 = text;
    })
}

/// Notices on stderr.
pub fn logger(debug: bool) -> LogFn {
    Arc::new(move |m: &str| {
        let notice = m.contains("--recover-stuck") || m.starts_with("WARNING");
        if debug || notice {
            let _ = writeln!(std::io::stderr().lock(), "{m}");
        }
    })
}

/// The common options from the flags.
pub fn common(
    g: &GlobalArgs,
    wait: bool,
    wait_for_jobs: bool,
    timeout: &str,
    no_hooks: bool,
) -> anyhow::Result<Common> {
    Ok(Common {
        wait,
        wait_for_jobs,
        timeout: parse_timeout(timeout)?,
        disable_hooks: no_hooks,
        progress: Some(progress()),
        log: Some(logger(g.debug)),
    })
}

/// Loads the chart at `path` as helm's install/upgrade do, and merges the value flags.
pub fn load_chart(path: &str, values: &ValuesArgs) -> anyhow::Result<(Chart, Value)> {
    locate_chart(path)?;
    let user = value_options(values)
        .merge_values()
        .map_err(|e| ActionError::Values(e.to_string()))?;
    let ch = chart::load(path).map_err(ActionError::from)?;
    if !matches!(ch.metadata.chart_type.as_str(), "" | "application") {
        anyhow::bail!("{} charts are not installable", ch.metadata.chart_type);
    }
    if ch.metadata.deprecated {
        let _ = writeln!(
            std::io::stderr().lock(),
            "WARNING: This chart is deprecated"
        );
    }
    Ok((ch, user))
}

/// Prints warnings on stderr.
pub fn print_warnings(w: &[String]) {
    let mut err = std::io::stderr().lock();
    for l in w {
        let _ = writeln!(err, "{l}");
    }
}

/// The rest of helm's install/upgrade flag set: how the chart is found (`--version`,
/// `--repo`, `--devel`, credentials and TLS), and the flags accepted but not supported yet.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct ChartSourceFlags {
    /// specify a version constraint for the chart version to use
    #[arg(long)]
    pub version: Option<String>,
    /// chart repository url where to locate the requested chart
    #[arg(long, default_value = "")]
    pub repo: String,
    /// use development versions, too. Equivalent to version '>0.0.0-0'. If --version is set, this is ignored
    #[arg(long)]
    pub devel: bool,
    /// credentials, TLS and verification
    #[command(flatten)]
    pub chart_path: crate::cli::ChartPathFlags,
    /// update dependencies if they are missing before installing the chart (not supported yet)
    #[arg(long = "dependency-update")]
    pub dependency_update: bool,
    /// if set, the installation process will not validate rendered templates against the Kubernetes OpenAPI Schema
    #[arg(long = "disable-openapi-validation")]
    pub disable_openapi_validation: bool,
    /// the path to an executable to be used for post rendering (not supported yet here)
    #[arg(long = "post-renderer", value_name = "postRendererString")]
    pub post_renderer: Option<String>,
    /// an argument to the post-renderer (can specify multiple)
    #[arg(long = "post-renderer-args", value_name = "postRendererArgsSlice")]
    pub post_renderer_args: Vec<String>,
    /// hide Kubernetes Secrets when also using the --dry-run flag (accepted; not supported yet)
    #[arg(long = "hide-secret")]
    pub hide_secret: bool,
}

impl ChartSourceFlags {
    /// Refuses the flags that are accepted but not supported yet.
    pub fn refuse_unsupported(&self) -> anyhow::Result<()> {
        if self.hide_secret {
            anyhow::bail!("--hide-secret: hiding Secrets in dry-run output is not supported yet");
        }
        if self.dependency_update {
            anyhow::bail!("--dependency-update: dependency update is not supported yet");
        }
        if self.post_renderer.as_deref().is_some_and(|p| !p.is_empty()) {
            anyhow::bail!(
                "--post-renderer: post-rendering is supported by template only, not yet here"
            );
        }
        Ok(())
    }

    /// helm's chart path options for locating the chart.
    pub fn options(&self) -> chart_core::repo::download::ChartPathOptions {
        let version = self.version.as_deref().unwrap_or_default();
        self.chart_path.options(version, self.devel, &self.repo)
    }
}
