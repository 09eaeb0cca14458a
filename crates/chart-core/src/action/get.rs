//! `helm get values|manifest|notes|hooks|metadata|all` (Helm's `pkg/action/get.go`,
//! `get_values.go`, `get_metadata.go` and the printers of `cmd/helm/get_*.go`), and the
//! error type the read-only release actions share.

use gotmpl::Value;

use super::output::{self, EncodeError, OutputFormat, RFC3339};
use super::status::{print_release, release_values, Printed, StatusOptions};
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
    /// The cluster (`status --show-resources`).
    #[error(transparent)]
    Kube(#[from] crate::kube::Error),
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
pub fn write_values(rel: &Release, all: bool, format: OutputFormat) -> Result<Printed, ReadError> {
    let (vals, warnings) = release_values(rel, all)?;
    let out = match format {
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
    };
    Ok(Printed { out, warnings })
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
pub fn write_all(rel: &Release) -> Result<Printed, ReadError> {
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

/// `get all --template`: Go's `text/template` (no functions beyond Go's builtins) over
/// `{"Release": release}`. The release's fields have Go's names (`.Release.Name`,
/// `.Release.Info.Status`, `.Release.Chart.Metadata.Version`, `.Release.Config.x`, …);
/// times are Go `time.Time`s. The output produced before an execution error is kept in
/// `out`.
pub fn write_template(rel: &Release, template: &str, out: &mut String) -> Result<(), ReadError> {
    let mut t = gotmpl::Template::new(gotmpl::FuncMap::new());
    t.parse("_", template)
        .map_err(|e| ReadError::Template(e.to_string()))?;
    let mut data = gotmpl::Map::new();
    data.insert("Release".into(), release_value(rel));
    t.execute_into("_", &Value::map(data), out)
        .map_err(|e| ReadError::Template(e.to_string()))
}

fn time_value(t: &crate::release::Time) -> Value {
    gotime::TimeObject::value(output::go_time(t))
}

/// A Go struct (behind a pointer) for templates: its fields by name; any other name is
/// an error as in Go (`can't evaluate field X in type *release.Info`).
#[derive(Debug)]
struct GoStruct {
    type_name: &'static str,
    fields: Vec<(&'static str, Value)>,
}

impl gotmpl::Object for GoStruct {
    fn type_name(&self) -> std::borrow::Cow<'_, str> {
        std::borrow::Cow::Borrowed(self.type_name)
    }
    fn kind_name(&self) -> &'static str {
        "ptr"
    }
    fn get(&self, name: &str, args: &[Value]) -> Option<Result<Value, String>> {
        if !args.is_empty() {
            return None;
        }
        self.fields
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| Ok(v.clone()))
    }
    fn format(&self) -> String {
        // Go prints the pointer's struct as `&{…}` (nested pointers as addresses); the
        // field values are close enough for a human reader.
        let parts: Vec<String> = self
            .fields
            .iter()
            .map(|(_, v)| gotmpl::fmt::format_v(v))
            .collect();
        format!("&{{{}}}", parts.join(" "))
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

fn fields(type_name: &'static str, fields: Vec<(&'static str, Value)>) -> Value {
    Value::Object(std::sync::Arc::new(GoStruct { type_name, fields }))
}

/// A release as the template sees it (Go field names).
fn release_value(rel: &Release) -> Value {
    let info = rel.info.clone().unwrap_or_default();
    let chart = match &rel.chart {
        None => Value::Nil,
        Some(c) => {
            let md = c.metadata.clone().unwrap_or_default();
            let annotations: gotmpl::Map = md
                .annotations
                .iter()
                .map(|(k, v)| (k.as_str().into(), Value::str(v)))
                .collect();
            fields(
                "*chart.Chart",
                vec![
                    (
                        "Metadata",
                        fields(
                            "*chart.Metadata",
                            vec![
                                ("Name", Value::str(&md.name)),
                                ("Home", Value::str(&md.home)),
                                ("Version", Value::str(&md.version)),
                                ("Description", Value::str(&md.description)),
                                ("Icon", Value::str(&md.icon)),
                                ("APIVersion", Value::str(&md.api_version)),
                                ("Condition", Value::str(&md.condition)),
                                ("Tags", Value::str(&md.tags)),
                                ("AppVersion", Value::str(&md.app_version)),
                                ("Deprecated", Value::Bool(md.deprecated)),
                                ("Annotations", Value::map(annotations)),
                                ("KubeVersion", Value::str(&md.kube_version)),
                                ("Type", Value::str(&md.chart_type)),
                            ],
                        ),
                    ),
                    ("Values", c.values.clone()),
                ],
            )
        }
    };
    let hooks: Vec<Value> = rel
        .hooks
        .iter()
        .map(|h| {
            fields(
                "*release.Hook",
                vec![
                    ("Name", Value::str(&h.name)),
                    ("Kind", Value::str(&h.kind)),
                    ("Path", Value::str(&h.path)),
                    ("Manifest", Value::str(&h.manifest)),
                    (
                        "Events",
                        Value::string_list(
                            h.events.iter().map(|e| Value::str(e.as_str())).collect(),
                        ),
                    ),
                    (
                        "LastRun",
                        fields(
                            "release.HookExecution",
                            vec![
                                ("StartedAt", time_value(&h.last_run.started_at)),
                                ("CompletedAt", time_value(&h.last_run.completed_at)),
                                ("Phase", Value::str(h.last_run.phase.as_str())),
                            ],
                        ),
                    ),
                    ("Weight", Value::int(h.weight)),
                    (
                        "DeletePolicies",
                        Value::string_list(
                            h.delete_policies
                                .iter()
                                .map(|p| Value::str(p.as_str()))
                                .collect(),
                        ),
                    ),
                ],
            )
        })
        .collect();
    let labels: gotmpl::Map = rel
        .labels
        .iter()
        .map(|(k, v)| (k.as_str().into(), Value::str(v)))
        .collect();
    fields(
        "*release.Release",
        vec![
            ("Name", Value::str(&rel.name)),
            (
                "Info",
                fields(
                    "*release.Info",
                    vec![
                        ("FirstDeployed", time_value(&info.first_deployed)),
                        ("LastDeployed", time_value(&info.last_deployed)),
                        ("Deleted", time_value(&info.deleted)),
                        ("Description", Value::str(&info.description)),
                        ("Status", Value::str(info.status.as_str())),
                        ("Notes", Value::str(&info.notes)),
                    ],
                ),
            ),
            ("Chart", chart),
            ("Config", rel.config.clone()),
            ("Manifest", Value::str(&rel.manifest)),
            ("Hooks", Value::list(hooks)),
            ("Version", Value::int(rel.version)),
            ("Namespace", Value::str(&rel.namespace)),
            ("Labels", Value::map(labels)),
        ],
    )
}
