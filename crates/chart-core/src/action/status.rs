//! `helm status` (Helm's `pkg/action/status.go` and the status printer of
//! `cmd/helm/status.go`): one revision of a release, and the printer that install,
//! upgrade, rollback and `get all` share.

use gotmpl::Value;

use super::get::{release_content, ReadError};
use super::output::{self, OutputFormat, ANSIC};
use crate::release::{HookEvent, Release};
use crate::storage::Storage;
use crate::values::coalesce::coalesce_values;

/// The revision `status` shows: revision `version`, or the latest when `version <= 0`.
pub async fn status(storage: &Storage, name: &str, version: i64) -> Result<Release, ReadError> {
    release_content(storage, name, version).await
}

/// What the status printer shows besides the basic fields (Helm's `statusPrinter`).
#[derive(Clone, Copy, Debug, Default)]
pub struct StatusOptions {
    /// `--debug`: the user-supplied and computed values, the hooks and the manifest.
    pub debug: bool,
    /// `--show-desc`: the `DESCRIPTION:` line.
    pub show_description: bool,
    /// `CHART:`, `VERSION:`, `APP_VERSION:` lines (`get all`).
    pub show_metadata: bool,
    /// `--hide-notes` (install/upgrade): no `NOTES:`.
    pub hide_notes: bool,
}

/// Prints a release as `helm status` (and `install`/`upgrade`/`rollback` after their work)
/// do: the table layout, or the release record as JSON (Go's encoder: HTML escaped, a
/// final newline) or YAML. The record is printed as given: `helm status` drops the chart
/// first (`rel.chart = None`), install and upgrade do not.
pub fn print_release(
    rel: &Release,
    format: OutputFormat,
    opts: &StatusOptions,
) -> Result<String, ReadError> {
    match format {
        OutputFormat::Table => status_table(rel, opts),
        OutputFormat::Json => {
            let mut s = rel.to_json()?;
            s.push('\n');
            Ok(s)
        }
        OutputFormat::Yaml => Ok(output::json_text_to_yaml(&rel.to_json()?)?),
    }
}

/// The table layout of the status printer.
fn status_table(rel: &Release, opts: &StatusOptions) -> Result<String, ReadError> {
    let info = rel.info.clone().unwrap_or_default();
    let mut out = String::new();
    out.push_str(&format!("NAME: {}\n", rel.name));
    if !info.last_deployed.is_zero() {
        out.push_str(&format!(
            "LAST DEPLOYED: {}\n",
            output::format_time(&info.last_deployed, ANSIC)
        ));
    }
    out.push_str(&format!("NAMESPACE: {}\n", rel.namespace));
    out.push_str(&format!("STATUS: {}\n", info.status));
    out.push_str(&format!("REVISION: {}\n", rel.version));
    if opts.show_metadata {
        let md = rel
            .chart
            .as_ref()
            .and_then(|c| c.metadata.clone())
            .unwrap_or_default();
        out.push_str(&format!("CHART: {}\n", md.name));
        out.push_str(&format!("VERSION: {}\n", md.version));
        out.push_str(&format!("APP_VERSION: {}\n", md.app_version));
    }
    if opts.show_description {
        out.push_str(&format!("DESCRIPTION: {}\n", info.description));
    }

    let tests: Vec<_> = rel
        .hooks
        .iter()
        .filter(|h| h.events.contains(&HookEvent::Test))
        .collect();
    if tests.is_empty() {
        out.push_str("TEST SUITE: None\n");
    } else {
        for h in tests {
            if h.last_run.started_at.is_zero() {
                continue;
            }
            out.push_str(&format!(
                "TEST SUITE:     {}\nLast Started:   {}\nLast Completed: {}\nPhase:          {}\n",
                h.name,
                output::format_time(&h.last_run.started_at, ANSIC),
                output::format_time(&h.last_run.completed_at, ANSIC),
                h.last_run.phase
            ));
        }
    }

    if opts.debug {
        out.push_str("USER-SUPPLIED VALUES:\n");
        out.push_str(&output::encode_yaml(&rel.config)?);
        out.push('\n');
        let chart = rel.chart.clone().unwrap_or_default().to_chart();
        let computed = coalesce_values(&chart, &rel.config)?;
        out.push_str("COMPUTED VALUES:\n");
        out.push_str(&output::encode_yaml(&computed.values)?);
        out.push('\n');
    }

    if info.description.eq_ignore_ascii_case("Dry run complete") || opts.debug {
        out.push_str("HOOKS:\n");
        for h in &rel.hooks {
            out.push_str(&format!("---\n# Source: {}\n{}\n", h.path, h.manifest));
        }
        out.push_str(&format!("MANIFEST:\n{}\n", rel.manifest));
    }

    if !opts.hide_notes && !info.notes.is_empty() {
        out.push_str(&format!("NOTES:\n{}\n", info.notes.trim()));
    }
    Ok(out)
}

/// The values a release was made with (`get values`): the user-supplied ones, or with
/// `all` those coalesced with the chart's defaults.
pub fn release_values(rel: &Release, all: bool) -> Result<Value, ReadError> {
    if all {
        let chart = rel.chart.clone().unwrap_or_default().to_chart();
        Ok(coalesce_values(&chart, &rel.config)?.values)
    } else {
        Ok(rel.config.clone())
    }
}
