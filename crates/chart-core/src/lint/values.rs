//! values.yaml rules (Helm's `rules.ValuesWithOverrides`).

use gotmpl::{Map, MapRef, Value};

use super::{Linter, Severity};
use crate::values::{coalesce_tables, read_values, validate_single_schema};

const FILE: &str = "values.yaml";

pub(super) fn run(linter: &mut Linter, overrides: &Value) {
    let path = linter.chart_dir.join(FILE);
    let exists = std::fs::metadata(&path).is_ok();
    if !linter.rule(
        Severity::Info,
        FILE,
        if exists {
            Ok(())
        } else {
            Err("file does not exist".into())
        },
    ) {
        return;
    }
    let result = validate_values_file(linter, overrides);
    linter.rule(Severity::Error, FILE, result);
}

fn validate_values_file(linter: &mut Linter, overrides: &Value) -> Result<(), String> {
    let path = linter.chart_dir.join(FILE);
    let text = std::fs::read(&path).map_err(|e| {
        format!(
            "unable to parse YAML: read {}: {}",
            path.display(),
            crate::chart::loader::go_io_text(&e)
        )
    })?;
    let values = read_values(&String::from_utf8_lossy(&text))
        .map_err(|e| format!("unable to parse YAML: {e}"))?;
    // Helm coalesces the top-level tables only (overrides win), sharing maps as Go does.
    let dst = MapRef::new(Map::new());
    if let Value::Map(o) = overrides {
        for w in coalesce_tables(&dst, o) {
            linter.log.push(w.to_string());
        }
    }
    if let Value::Map(v) = &values {
        for w in coalesce_tables(&dst, v) {
            linter.log.push(w.to_string());
        }
    }
    let schema = std::fs::read(linter.chart_dir.join("values.schema.json")).unwrap_or_default();
    if schema.is_empty() {
        return Ok(());
    }
    validate_single_schema(&Value::Map(dst), &schema)
}
