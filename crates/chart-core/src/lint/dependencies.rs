//! Dependency rules (Helm's `rules.Dependencies`): subcharts in `charts/` and the
//! dependencies of Chart.yaml must match, and names/aliases must be unique.

use super::{Linter, Severity};
use crate::chart::load_dir;

pub(super) fn run(linter: &mut Linter) {
    let c = match load_dir(&linter.chart_dir) {
        Ok(c) => c,
        Err(e) => {
            linter.rule(
                Severity::Error,
                "",
                Err(format!("unable to load chart\n\t{}", e.helm_message())),
            );
            return;
        }
    };
    linter.log.extend(c.warnings.iter().cloned());
    let dir = linter.dir_display();
    let declared: Vec<&str> = c
        .metadata
        .dependencies
        .iter()
        .map(|d| d.name.as_str())
        .collect();
    let present: Vec<&str> = c.dependencies.iter().map(|d| d.name()).collect();

    let undeclared: Vec<&str> = present
        .iter()
        .copied()
        .filter(|p| !declared.contains(p))
        .collect();
    linter.rule(
        Severity::Error,
        &dir,
        if undeclared.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "chart metadata is missing these dependencies: {}",
                undeclared.join(",")
            ))
        },
    );

    let mut seen: Vec<&str> = Vec::new();
    let mut shadowing: Vec<&str> = Vec::new();
    for d in &c.metadata.dependencies {
        let key = if d.alias.is_empty() {
            d.name.as_str()
        } else {
            d.alias.as_str()
        };
        if seen.contains(&key) {
            shadowing.push(key);
        }
        seen.push(key);
    }
    linter.rule(
        Severity::Error,
        &dir,
        if shadowing.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "multiple dependencies with name or alias: {}",
                shadowing.join(",")
            ))
        },
    );

    let missing: Vec<&str> = declared
        .iter()
        .copied()
        .filter(|d| !present.contains(d))
        .collect();
    linter.rule(
        Severity::Warning,
        &dir,
        if missing.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "chart directory is missing these dependencies: {}",
                missing.join(",")
            ))
        },
    );
}
