//! Helm's own data functions: `toYaml`, `fromYaml`, `toJson`, `fromJson`, `toToml`, … .

use crate::func::FuncMap;

/// Registers Helm's data-conversion functions.
pub fn register(m: &mut FuncMap) {
    let _ = m;
}
