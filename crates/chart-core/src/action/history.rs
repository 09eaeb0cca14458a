//! `helm history` (Helm's `pkg/action/history.go` and `cmd/helm/history.go`): the
//! revisions of one release, oldest first, at most `--max` of the newest.

use gotmpl::Value;

use super::get::{valid_release_name, ReadError};
use super::output::{self, OutputFormat, Table, ANSIC};
use crate::release::{ChartRecord, Release, Time};
use crate::storage::{sort_by_revision, Storage};

/// One line of the history.
#[derive(Clone, Debug, PartialEq)]
pub struct HistoryEntry {
    /// The revision.
    pub revision: i64,
    /// When it was deployed (zero: never).
    pub updated: Time,
    /// Its status.
    pub status: String,
    /// `name-version` of its chart (`MISSING` without one).
    pub chart: String,
    /// The chart's appVersion (`MISSING` without a chart).
    pub app_version: String,
    /// Its description.
    pub description: String,
}

/// `name-version` of a record's chart, or `MISSING` (Helm's `formatChartName`).
pub fn format_chart_name(c: Option<&ChartRecord>) -> String {
    match c.and_then(|c| c.metadata.as_ref()) {
        Some(m) => format!("{}-{}", m.name, m.version),
        None => "MISSING".into(),
    }
}

/// A record's appVersion, or `MISSING` (Helm's `formatAppVersion`).
pub fn format_app_version(c: Option<&ChartRecord>) -> String {
    match c.and_then(|c| c.metadata.as_ref()) {
        Some(m) => m.app_version.clone(),
        None => "MISSING".into(),
    }
}

/// The newest `max` revisions of `name`, oldest first.
pub async fn history(
    storage: &Storage,
    name: &str,
    max: i64,
) -> Result<Vec<HistoryEntry>, ReadError> {
    if !valid_release_name(name) {
        return Err(ReadError::InvalidHistoryName(name.to_owned()));
    }
    let mut hist = storage.history(name).await?;
    Ok(history_entries(&mut hist, max))
}

/// The history lines of the records `hist` (in any order): the newest `max`, oldest first.
pub fn history_entries(hist: &mut [Release], max: i64) -> Vec<HistoryEntry> {
    sort_by_revision(hist);
    let keep = usize::try_from(max.max(0))
        .unwrap_or(usize::MAX)
        .min(hist.len());
    hist[hist.len() - keep..]
        .iter()
        .map(|r| {
            let info = r.info.clone().unwrap_or_default();
            HistoryEntry {
                revision: r.version,
                updated: info.last_deployed,
                status: info.status.to_string(),
                chart: format_chart_name(r.chart.as_ref()),
                app_version: format_app_version(r.chart.as_ref()),
                description: info.description,
            }
        })
        .collect()
}

/// The history as `helm history -o FORMAT` prints it.
pub fn write_history(entries: &[HistoryEntry], format: OutputFormat) -> Result<String, ReadError> {
    if format == OutputFormat::Table {
        let mut t = Table::new();
        t.add_row([
            "REVISION",
            "UPDATED",
            "STATUS",
            "CHART",
            "APP VERSION",
            "DESCRIPTION",
        ]);
        for e in entries {
            t.add_row([
                e.revision.to_string(),
                output::format_time(&e.updated, ANSIC),
                e.status.clone(),
                e.chart.clone(),
                e.app_version.clone(),
                e.description.clone(),
            ]);
        }
        return Ok(t.render());
    }
    let q = |s: &str| goyaml::to_json(&Value::str(s)).unwrap_or_default();
    let items: Vec<String> = entries
        .iter()
        .map(|e| {
            format!(
                "{{\"revision\":{},\"updated\":{},\"status\":{},\"chart\":{},\"app_version\":{},\"description\":{}}}",
                e.revision,
                q(&json_time(&e.updated)),
                q(&e.status),
                q(&e.chart),
                q(&e.app_version),
                q(&e.description)
            )
        })
        .collect();
    let json = format!("[{}]", items.join(","));
    Ok(match format {
        OutputFormat::Json => json + "\n",
        _ => output::json_text_to_yaml(&json)?,
    })
}

/// Helm's time JSON: `""` for the zero time, else RFC 3339 with nanoseconds.
pub(crate) fn json_time(t: &Time) -> String {
    if t.is_zero() {
        String::new()
    } else {
        t.to_string()
    }
}
