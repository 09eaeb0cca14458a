//! Semantic versions and Masterminds constraints for charts (`version`, `kubeVersion`,
//! dependency ranges). The one implementation is gotmpl's (it backs Sprig's `semver` and
//! `semverCompare`, checked against helm); this module adapts it to chart-core's uses.

pub use sprig::semver::{Constraints, Version};

/// Parses a version leniently (Masterminds' `NewVersion`); `None` when invalid.
pub fn parse_version(v: &str) -> Option<Version> {
    Version::parse(v).ok()
}

/// Parses a constraint (`>=1.2.0 <2`, `^1.3`, `~1.2.x || 3`); `None` when invalid.
pub fn parse_constraints(c: &str) -> Option<Constraints> {
    Constraints::parse(c).ok()
}

/// `chartutil.IsCompatibleRange`: whether version `ver` satisfies constraint `range`
/// (false when either does not parse).
pub fn is_compatible_range(range: &str, ver: &str) -> bool {
    match (parse_constraints(range), parse_version(ver)) {
        (Some(c), Some(v)) => c.check(&v),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        assert!(is_compatible_range(">=1.20.0-0", "v1.32.0"));
        assert!(!is_compatible_range(">=1.33.0", "v1.32.0"));
        assert!(is_compatible_range("~1.2", "1.2.9"));
        assert!(!is_compatible_range("not a range", "1.0.0"));
        assert!(!is_compatible_range("1.x", "not a version"));
    }
}
