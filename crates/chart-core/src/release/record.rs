//! The release record (Helm's `pkg/release.Release`): one revision of a release as the
//! storage drivers keep it, and conversions between a loaded [`Chart`] and the chart a
//! record holds.

use std::collections::BTreeMap;

use gotmpl::Value;

use super::hook::Hook;
use super::status::Status;
use super::time::Time;
use crate::chart::{Chart, ChartError, File, Lock, Metadata};

/// Helm 4's `apply_method` of a release applied server-side.
pub const APPLY_METHOD_SERVER_SIDE: &str = "ssa";

/// One revision of a release.
#[derive(Clone, Debug, Default)]
pub struct Release {
    /// The release name.
    pub name: String,
    /// Times, status, description and notes (`None`: Go's nil `info`).
    pub info: Option<Info>,
    /// The chart it was made from (`None`: Go's nil `chart`).
    pub chart: Option<ChartRecord>,
    /// The values the user supplied (a map, or nil): not coalesced with chart defaults.
    pub config: Value,
    /// The rendered manifest (`---\n# Source: …\n<doc>\n` blocks; no hooks, no CRDs).
    pub manifest: String,
    /// The hooks, in kind order then document order.
    pub hooks: Vec<Hook>,
    /// The revision number.
    pub version: i64,
    /// The release namespace.
    pub namespace: String,
    /// How the objects were written (Helm 4's `apply_method`): `"ssa"` for server-side
    /// apply, empty (or Helm 4's `"csa"`) for helm 3's client-side three-way merge. Empty
    /// is not written, so records of client-side operations stay as helm 3 writes them;
    /// helm 3 ignores the field.
    pub apply_method: String,
    /// Labels of the storage object (not part of the JSON): after a single-object read the
    /// custom labels only, after a list or query all of them.
    pub labels: BTreeMap<String, String>,
}

/// When and how a revision was deployed (Helm's `release.Info`).
#[derive(Clone, Debug, Default)]
pub struct Info {
    /// When the release was first deployed.
    pub first_deployed: Time,
    /// When this revision was deployed.
    pub last_deployed: Time,
    /// When it was uninstalled (zero until then).
    pub deleted: Time,
    /// A human-readable description (`Install complete`).
    pub description: String,
    /// The status.
    pub status: Status,
    /// The rendered NOTES.txt.
    pub notes: String,
    /// Live resources (`status --show-resources` fills it in memory; never stored by Helm).
    /// Kept as read: a map of lists of objects, or nil.
    pub resources: Value,
}

/// The chart as a release stores it (Helm's `chart.Chart` JSON): no subcharts, no raw
/// files. `None`/nil fields are written as `null`.
#[derive(Clone, Debug, Default)]
pub struct ChartRecord {
    /// Chart.yaml after dependency processing.
    pub metadata: Option<Metadata>,
    /// Chart.lock.
    pub lock: Option<Lock>,
    /// The templates (`None`: Go's nil slice, written `null`).
    pub templates: Option<Vec<File>>,
    /// Default values (for a chart with dependencies, merged with subcharts' and imports);
    /// a map, or nil.
    pub values: Value,
    /// values.schema.json.
    pub schema: Option<Vec<u8>>,
    /// The other files (`None`: written `null`).
    pub files: Option<Vec<File>>,
}

impl ChartRecord {
    /// The record of a loaded (and dependency-processed) chart. Files of a directory chart
    /// are read now, so the record holds every byte.
    pub fn from_chart(chart: &Chart) -> Result<ChartRecord, ChartError> {
        let in_memory = |files: &[File]| -> Result<Option<Vec<File>>, ChartError> {
            if files.is_empty() {
                return Ok(None);
            }
            files
                .iter()
                .map(|f| Ok(File::new(f.name.clone(), f.read_arc()?)))
                .collect::<Result<Vec<_>, ChartError>>()
                .map(Some)
        };
        // Go's loader leaves `Values` nil without a values.yaml (or with an empty one);
        // dependency processing then sets it for charts that declare dependencies.
        let values = match &chart.values {
            Value::Map(m) if m.is_empty() && chart.metadata.dependencies.is_empty() => Value::Nil,
            v => v.clone(),
        };
        Ok(ChartRecord {
            metadata: Some(chart.metadata.clone()),
            lock: chart.lock.clone(),
            templates: in_memory(&chart.templates)?,
            values,
            schema: chart.schema.clone(),
            files: in_memory(&chart.files)?,
        })
    }

    /// A chart rebuilt from the record (for rollback and `--reuse-values`): no subcharts
    /// and no raw files, as Helm has after reading a release.
    pub fn to_chart(&self) -> Chart {
        let values = match &self.values {
            Value::Map(m) if !m.is_nil() => self.values.clone(),
            _ => Value::empty_map(),
        };
        let mut chart = Chart::default();
        chart.metadata = self.metadata.clone().unwrap_or_default();
        chart.lock = self.lock.clone();
        chart.templates = self.templates.clone().unwrap_or_default();
        chart.files = self.files.clone().unwrap_or_default();
        chart.values = values;
        chart.schema = self.schema.clone();
        chart
    }

    /// Chart.yaml's `appVersion` (empty without metadata).
    pub fn app_version(&self) -> &str {
        self.metadata
            .as_ref()
            .map(|m| m.app_version.as_str())
            .unwrap_or_default()
    }

    /// `name-version` as `helm history`/`list` show it (empty without metadata).
    pub fn name_version(&self) -> String {
        match &self.metadata {
            Some(m) => format!("{}-{}", m.name, m.version),
            None => String::new(),
        }
    }
}

impl Release {
    /// The storage key of this revision (`sh.helm.release.v1.<name>.v<version>`).
    pub fn key(&self) -> String {
        crate::storage::make_key(&self.name, self.version)
    }

    /// The status (`Unset` without info).
    pub fn status(&self) -> Status {
        self.info
            .as_ref()
            .map(|i| i.status.clone())
            .unwrap_or_default()
    }

    /// Whether this revision was applied server-side (Helm 4's `apply_method: "ssa"`).
    pub fn server_side_applied(&self) -> bool {
        self.apply_method == APPLY_METHOD_SERVER_SIDE
    }

    /// Sets status and description (Helm's `SetStatus`), creating `info` if missing.
    pub fn set_status(&mut self, status: Status, description: impl Into<String>) {
        let info = self.info.get_or_insert_with(Info::default);
        info.status = status;
        info.description = description.into();
    }
}
