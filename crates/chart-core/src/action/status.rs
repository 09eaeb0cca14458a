//! `helm status` (Helm's `pkg/action/status.go` and the status printer of
//! `cmd/helm/status.go`): one revision of a release, and the printer that install,
//! upgrade, rollback and `get all` share.

use gotmpl::Value;

use super::get::{release_content, ReadError};
use super::output::{self, OutputFormat, ANSIC};
use crate::release::{HookEvent, Release};
use crate::storage::Storage;
use crate::values::coalesce::{coalesce_values, Warning};

/// The revision `status` shows: revision `version`, or the latest when `version <= 0`.
pub async fn status(storage: &Storage, name: &str, version: i64) -> Result<Release, ReadError> {
    release_content(storage, name, version).await
}

/// A printer's output: the text for stdout, and the warnings helm logs on stderr while
/// making it (coalescing values: `coalesce.go:237: warning: skipped value for …`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Printed {
    /// The text for stdout.
    pub out: String,
    /// The warnings, in order; print each as a line (`Warning`'s `Display` is helm's).
    pub warnings: Vec<Warning>,
}

impl Printed {
    /// Output without warnings.
    pub fn text(out: String) -> Printed {
        Printed {
            out,
            warnings: Vec::new(),
        }
    }

    /// The warnings as helm's log lines (each ends with a newline).
    pub fn warnings_text(&self) -> String {
        self.warnings.iter().map(|w| format!("{w}\n")).collect()
    }
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
    /// `--show-resources`: the `RESOURCES:` section from `info.resources` (filled by
    /// [`fetch_resources`]).
    pub show_resources: bool,
}

/// Prints a release as `helm status` (and `install`/`upgrade`/`rollback` after their work)
/// do: the table layout, or the release record as JSON (Go's encoder: HTML escaped, a
/// final newline) or YAML. The record is printed as given: `helm status` drops the chart
/// first (`rel.chart = None`), install and upgrade do not.
pub fn print_release(
    rel: &Release,
    format: OutputFormat,
    opts: &StatusOptions,
) -> Result<Printed, ReadError> {
    match format {
        OutputFormat::Table => status_table(rel, opts),
        OutputFormat::Json => {
            let mut s = rel.to_json()?;
            s.push('\n');
            Ok(Printed::text(s))
        }
        OutputFormat::Yaml => Ok(Printed::text(output::json_text_to_yaml(&rel.to_json()?)?)),
    }
}

/// The table layout of the status printer.
fn status_table(rel: &Release, opts: &StatusOptions) -> Result<Printed, ReadError> {
    let mut warnings = Vec::new();
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
    if opts.show_resources {
        if let Value::Map(m) = &info.resources {
            if !m.is_empty() {
                out.push_str(&format!("RESOURCES:\n{}\n", resource_tables(&m.snapshot())));
            }
        }
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
        warnings.extend(computed.warnings);
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
    Ok(Printed { out, warnings })
}

/// The values a release was made with (`get values`): the user-supplied ones, or with
/// `all` those coalesced with the chart's defaults (and the warnings coalescing gave).
pub fn release_values(rel: &Release, all: bool) -> Result<(Value, Vec<Warning>), ReadError> {
    if all {
        let chart = rel.chart.clone().unwrap_or_default().to_chart();
        let c = coalesce_values(&chart, &rel.config)?;
        Ok((c.values, c.warnings))
    } else {
        Ok((rel.config.clone(), Vec::new()))
    }
}

/// The Accept header helm sends for server-side tables (kubectl's `transformRequests`).
const TABLE_ACCEPT: &str = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";

/// Helm's `status --show-resources`: the live objects of the release's manifest, keyed
/// `VERSION/KIND` (`v1/ConfigMap`, `v1/Deployment`), as server-side tables when `as_table`
/// (the table format) or as full objects; for Deployments, ReplicaSets, StatefulSets,
/// DaemonSets, Jobs and ReplicationControllers also the list of their pods
/// (`v1/Pod(related)`), once per distinct selector. Objects that cannot be read are left out, as helm does.
pub async fn fetch_resources(
    kube: &crate::kube::KubeClient,
    rel: &Release,
    as_table: bool,
) -> Result<Value, ReadError> {
    let infos = kube.build(&rel.manifest).await?;
    let client = kube.client();
    let mut out: std::collections::BTreeMap<String, Vec<Value>> = Default::default();
    let push = |out: &mut std::collections::BTreeMap<String, Vec<Value>>,
                key: &str,
                v: &serde_json::Value| {
        out.entry(key.to_owned())
            .or_default()
            .push(Value::from_json(v));
    };
    let mut selectors: Vec<std::collections::BTreeMap<String, String>> = Vec::new();
    for info in &infos {
        let ns = info.namespaced.then_some(info.namespace.as_str());
        let mut url = <kube::core::DynamicObject as kube::Resource>::url_path(&info.api, ns);
        url.push('/');
        url.push_str(&info.name);
        let Ok(obj) = get_json(client, &url, as_table).await else {
            continue;
        };
        push(
            &mut out,
            &format!("{}/{}", info.gvk.version, info.gvk.kind),
            &obj,
        );
        let Some(selector) = pod_selector(&info.object) else {
            continue;
        };
        if selectors.contains(&selector) {
            continue;
        }
        selectors.push(selector.clone());
        let sel: Vec<String> = selector.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let url = format!(
            "/api/v1/namespaces/{}/pods?labelSelector={}",
            info.namespace,
            url_escape(&sel.join(","))
        );
        // The list comes back whole (a Table, or a PodList), not item by item.
        if let Ok(list) = get_json(client, &url, as_table).await {
            push(&mut out, "v1/Pod(related)", &list);
        }
    }
    let mut m = gotmpl::Map::new();
    for (k, v) in out {
        m.insert(k.as_str().into(), Value::list(v));
    }
    Ok(Value::map(m))
}

async fn get_json(
    client: &kube::Client,
    url: &str,
    as_table: bool,
) -> Result<serde_json::Value, kube::Error> {
    let url = if as_table {
        let sep = if url.contains('?') { '&' } else { '?' };
        format!("{url}{sep}includeObject=Object")
    } else {
        url.to_owned()
    };
    let accept = if as_table {
        TABLE_ACCEPT
    } else {
        "application/json"
    };
    let req = http::Request::get(url)
        .header(http::header::ACCEPT, accept)
        .body(Vec::new())
        .map_err(kube::Error::HttpError)?;
    client.request::<serde_json::Value>(req).await
}

/// The pod selector helm follows for related pods (`getSelectorFromObject`).
fn pod_selector(obj: &serde_json::Value) -> Option<std::collections::BTreeMap<String, String>> {
    let sel = match obj.get("kind")?.as_str()? {
        "ReplicaSet" | "Deployment" | "StatefulSet" | "DaemonSet" | "Job" => {
            obj.get("spec")?.get("selector")?.get("matchLabels")?
        }
        "ReplicationController" => obj.get("spec")?.get("selector")?,
        _ => return None,
    };
    sel.as_object().map(|m| {
        m.iter()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
            .collect()
    })
}

fn url_escape(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The `RESOURCES:` body: `==> KEY` and each object printed as kubectl prints a
/// server-side table (a tab writer of its own per object, headers left out while the
/// columns stay the same), a blank line after each key. Keys come in sorted order (helm's
/// come in Go's random map order).
fn resource_tables(resources: &gotmpl::Map) -> String {
    let mut buf = String::new();
    let mut last_columns: Option<Vec<String>> = None;
    for (key, objs) in resources {
        buf.push_str(&format!("==> {key}\n"));
        if let Value::List(l) = objs {
            for obj in l.iter() {
                buf.push_str(&print_table(obj, &mut last_columns));
            }
        }
        buf.push('\n');
    }
    buf
}

/// One server-side table (`meta.k8s.io` `Table`) as kubectl's human-readable printer
/// writes it: priority-0 columns, upper-case headers, strings cut at the first line break
/// (`...`), cells aligned by a tab writer (min width 6, padding 3).
fn print_table(obj: &Value, last_columns: &mut Option<Vec<String>>) -> String {
    let field = |v: &Value, k: &str| match v {
        Value::Map(m) => m.get(k).unwrap_or(Value::Nil),
        _ => Value::Nil,
    };
    let list = |v: Value| match v {
        Value::List(l) => l.iter().cloned().collect::<Vec<_>>(),
        _ => Vec::new(),
    };
    let cols = list(field(obj, "columnDefinitions"));
    let shown: Vec<usize> = cols
        .iter()
        .enumerate()
        .filter(|(_, c)| match field(c, "priority") {
            Value::Int(n, _) => n == 0,
            Value::Float(f) => f == 0.0,
            _ => true,
        })
        .map(|(i, _)| i)
        .collect();
    let names: Vec<String> = shown
        .iter()
        .map(|&i| {
            field(&cols[i], "name")
                .as_str()
                .unwrap_or_default()
                .to_uppercase()
        })
        .collect();
    let rows = list(field(obj, "rows"));
    // No rows: kubectl prints nothing, not even the headers.
    if rows.is_empty() {
        return String::new();
    }
    let mut lines: Vec<Vec<String>> = Vec::new();
    if last_columns.as_ref() != Some(&names) {
        lines.push(names.clone());
        *last_columns = Some(names);
    }
    for row in rows {
        let cells = list(field(&row, "cells"));
        let line = shown
            .iter()
            .map(|&i| match cells.get(i) {
                None | Some(Value::Nil) => String::new(),
                Some(Value::Str(s)) => match s.find(['\r', '\n', '\x0c']) {
                    Some(at) => format!("{}...", &s[..at]),
                    None => s.to_string(),
                },
                Some(v) => gotmpl::fmt::format_v(v),
            })
            .collect();
        lines.push(line);
    }
    tab_write(&lines)
}

/// Go's `text/tabwriter` with kubectl's settings for lines whose cells are tab-separated:
/// every cell but a line's last is padded to its column's width plus 3, at least 6.
fn tab_write(lines: &[Vec<String>]) -> String {
    let cols = lines.iter().map(Vec::len).max().unwrap_or(0);
    let mut widths = vec![0usize; cols];
    for l in lines {
        for (i, c) in l.iter().enumerate().take(l.len().saturating_sub(1)) {
            widths[i] = widths[i].max(c.chars().count());
        }
    }
    let mut out = String::new();
    for l in lines {
        for (i, c) in l.iter().enumerate() {
            out.push_str(c);
            if i + 1 < l.len() {
                let w = (widths[i] + 3).max(6);
                out.extend(std::iter::repeat_n(' ', w - c.chars().count()));
            }
        }
        out.push('\n');
    }
    out
}
