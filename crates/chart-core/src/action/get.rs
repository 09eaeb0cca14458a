//! `helm get values|manifest|notes|hooks|metadata|all` (Helm's `pkg/action/get.go`,
//! `get_values.go`, `get_metadata.go` and the printers of `cmd/helm/get_*.go`), and the
//! error type the read-only release actions share.

use gotmpl::Value;

use super::output::{self, EncodeError, OutputFormat, RFC3339};
use super::status::{print_release, release_values, StatusOptions};
use crate::release::{RecordError, Release};
use crate::storage::{Storage, StorageError};
use crate::values::coalesce::CoalesceError;

/// Why a read-only release action failed. Texts are Helm's.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReadError {
    /// `status`/`get` of a name that is not a valid release name.
    #[error("releaseContent: Release name is invalid: {0}")]
    InvalidContentName(String),
    /// `history` of a name that is not a valid release name.
    #[error("release name is invalid: {0}")]
    InvalidHistoryName(String),
    /// The storage (`release: not found`, …).
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// Computing `--all` values.
    #[error(transparent)]
    Coalesce(#[from] CoalesceError),
    /// Writing the record.
    #[error(transparent)]
    Record(#[from] RecordError),
    /// Writing JSON or YAML.
    #[error(transparent)]
    Encode(#[from] EncodeError),
    /// `list --filter`: not a regular expression.
    #[error("{0}")]
    Filter(String),
    /// `list --selector`: not a label selector.
    #[error("{0}")]
    Selector(String),
    /// `get all --template`: the template failed.
    #[error("{0}")]
    Template(String),
}

/// Whether `name` is a valid release name (Helm's `ValidateReleaseName`).
pub fn valid_release_name(name: &str) -> bool {
    super::install::validate_release_name(name).is_ok()
}

/// Helm's `releaseContent`: revision `version` of `name`, or the latest when
/// `version <= 0`.
pub async fn release_content(
    storage: &Storage,
    name: &str,
    version: i64,
) -> Result<Release, ReadError> {
    if !valid_release_name(name) {
        return Err(ReadError::InvalidContentName(name.to_owned()));
    }
    if version <= 0 {
        Ok(storage.last(name).await?)
    } else {
        Ok(storage.get(name, version).await?)
    }
}

/// `get values` output: `USER-SUPPLIED VALUES:` (or `COMPUTED VALUES:` with `all`) and
/// the YAML for a table, else the values as JSON or YAML.
pub fn write_values(rel: &Release, all: bool, format: OutputFormat) -> Result<String, ReadError> {
    let vals = release_values(rel, all)?;
    Ok(match format {
        OutputFormat::Table => {
            let head = if all {
                "COMPUTED VALUES:\n"
            } else {
                "USER-SUPPLIED VALUES:\n"
            };
            format!("{head}{}", output::encode_yaml(&vals)?)
        }
        OutputFormat::Json => output::encode_json(&vals)?,
        OutputFormat::Yaml => output::encode_yaml(&vals)?,
    })
}

/// `get manifest` output: the manifest and a newline.
pub fn write_manifest(rel: &Release) -> String {
    format!("{}\n", rel.manifest)
}

/// `get notes` output: `NOTES:` and the notes, or nothing without notes.
pub fn write_notes(rel: &Release) -> String {
    match &rel.info {
        Some(i) if !i.notes.is_empty() => format!("NOTES:\n{}\n", i.notes),
        _ => String::new(),
    }
}

/// `get hooks` output: each hook as `---\n# Source: PATH\nMANIFEST\n`.
pub fn write_hooks(rel: &Release) -> String {
    rel.hooks
        .iter()
        .map(|h| format!("---\n# Source: {}\n{}\n", h.path, h.manifest))
        .collect()
}

/// `get all` output (without `--template`): the status printer with metadata and the
/// debug sections.
pub fn write_all(rel: &Release) -> Result<String, ReadError> {
    print_release(
        rel,
        OutputFormat::Table,
        &StatusOptions {
            debug: true,
            show_metadata: true,
            ..StatusOptions::default()
        },
    )
}

/// `get metadata` output.
pub fn write_metadata(rel: &Release, format: OutputFormat) -> Result<String, ReadError> {
    let md = rel
        .chart
        .as_ref()
        .and_then(|c| c.metadata.clone())
        .unwrap_or_default();
    let info = rel.info.clone().unwrap_or_default();
    let deployed_at = output::format_time(&info.last_deployed, RFC3339);
    if format == OutputFormat::Table {
        // k8s labels.Set(annotations).String(): sorted `k=v` joined by commas.
        let annotations: Vec<String> = md
            .annotations
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        let mut deps: Vec<&str> = md.dependencies.iter().map(|d| d.name.as_str()).collect();
        deps.sort_unstable();
        return Ok(format!(
            "NAME: {}\nCHART: {}\nVERSION: {}\nAPP_VERSION: {}\nANNOTATIONS: {}\nDEPENDENCIES: {}\nNAMESPACE: {}\nREVISION: {}\nSTATUS: {}\nDEPLOYED_AT: {}\n",
            rel.name,
            md.name,
            md.version,
            md.app_version,
            annotations.join(","),
            deps.join(","),
            rel.namespace,
            rel.version,
            info.status,
            deployed_at
        ));
    }
    // The struct's JSON, fields in Go's order, empty annotations and dependencies left out.
    let q = |s: &str| goyaml::to_json(&Value::str(s)).unwrap_or_default();
    let mut json = format!(
        "{{\"name\":{},\"chart\":{},\"version\":{},\"appVersion\":{}",
        q(&rel.name),
        q(&md.name),
        q(&md.version),
        q(&md.app_version)
    );
    if !md.annotations.is_empty() {
        let mut m = gotmpl::Map::new();
        for (k, v) in &md.annotations {
            m.insert(k.as_str().into(), Value::str(v));
        }
        json.push_str(",\"annotations\":");
        json.push_str(output::encode_json(&Value::map(m))?.trim_end_matches('\n'));
    }
    if !md.dependencies.is_empty() {
        json.push_str(",\"dependencies\":");
        json.push_str(&dependencies_json(rel)?);
    }
    json.push_str(&format!(
        ",\"namespace\":{},\"revision\":{},\"status\":{},\"deployedAt\":{}}}",
        q(&rel.namespace),
        rel.version,
        q(info.status.as_str()),
        q(&deployed_at)
    ));
    Ok(match format {
        OutputFormat::Json => json + "\n",
        _ => output::json_text_to_yaml(&json)?,
    })
}

/// The chart's dependencies as the record writes them (Helm's `chart.Dependency` JSON).
fn dependencies_json(rel: &Release) -> Result<String, ReadError> {
    let text = rel.to_json()?;
    // Find the exact text of the dependencies array in the record (Go's field order).
    let key = "\"dependencies\":";
    let meta_at = text.find("\"metadata\":").unwrap_or(0);
    let start = text[meta_at..]
        .find(key)
        .map(|i| meta_at + i + key.len())
        .ok_or_else(|| EncodeError::Json("no dependencies in the record".into()))?;
    let end = matching_bracket(&text, start)
        .ok_or_else(|| EncodeError::Json("unbalanced dependencies".into()))?;
    Ok(text[start..=end].to_owned())
}

/// The index of the `]` closing the JSON array starting at `start` (strings skipped).
fn matching_bracket(text: &str, start: usize) -> Option<usize> {
    let b = text.as_bytes();
    let mut depth = 0i32;
    let mut in_str = false;
    let mut esc = false;
    for (i, &c) in b.iter().enumerate().skip(start) {
        if in_str {
            match (esc, c) {
                (true, _) => esc = false,
                (false, b'\\') => esc = true,
                (false, b'"') => in_str = false,
                _ => {}
            }
            continue;
        }
        match c {
            b'"' => in_str = true,
            b'[' | b'{' => depth += 1,
            b']' | b'}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}
