//! OCI registries (Helm 3.17's `pkg/registry`): chart references `oci://HOST/PATH/NAME`,
//! the artifact format (config, chart and provenance layers), pushing, pulling, tag
//! listing and `registry login|logout` credentials.

pub mod auth;
pub mod client;
pub mod reference;

pub use client::{Client, ClientOptions, PullResult, PushResult};
pub use reference::Reference;

/// The URL scheme of registry references.
pub const OCI_SCHEME: &str = "oci";
/// Media type of the config blob (the chart's metadata as JSON).
pub const CONFIG_MEDIA_TYPE: &str = "application/vnd.cncf.helm.config.v1+json";
/// Media type of the chart layer (the `.tgz` bytes).
pub const CHART_LAYER_MEDIA_TYPE: &str = "application/vnd.cncf.helm.chart.content.v1.tar+gzip";
/// Media type of chart layers pushed by Helm 3.0-3.7 (still accepted on pull).
pub const LEGACY_CHART_LAYER_MEDIA_TYPE: &str = "application/tar+gzip";
/// Media type of the provenance layer (the `.prov` bytes).
pub const PROV_LAYER_MEDIA_TYPE: &str = "application/vnd.cncf.helm.chart.provenance.v1.prov";
/// Media type of the manifest.
pub const MANIFEST_MEDIA_TYPE: &str = "application/vnd.oci.image.manifest.v1+json";

/// The largest manifest or config blob read (they are small JSON documents).
pub const MAX_MANIFEST_SIZE: u64 = 4 << 20;

/// Why a registry operation failed. The message is what helm prints after `Error: `.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RegistryError {
    /// A reference does not parse.
    #[error("invalid_reference: {0}")]
    InvalidReference(String),
    /// A file could not be read or written.
    #[error("{}: {err}", path.display())]
    Io {
        /// The path.
        path: std::path::PathBuf,
        /// The OS error.
        err: std::io::Error,
    },
    /// The registry refused, failed or answered something unusable.
    #[error("{0}")]
    Remote(String),
    /// Content did not match its digest.
    #[error("{what}: digest mismatch: expected {expected}, got {actual}")]
    DigestMismatch {
        /// What was fetched (`host/repo@digest`).
        what: String,
        /// The digest asked for.
        expected: String,
        /// The digest of the bytes received.
        actual: String,
    },
    /// Anything else, with helm's message.
    #[error("{0}")]
    Other(String),
}

/// Whether `url` is a registry reference (`oci://…`).
pub fn is_oci(url: &str) -> bool {
    url.starts_with("oci://")
}

/// `sha256:<hex>` of `data`.
pub fn digest_of(data: &[u8]) -> String {
    use sha2::Digest as _;
    let d = sha2::Sha256::digest(data);
    let mut s = String::with_capacity(71);
    s.push_str("sha256:");
    for b in d {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

/// Helm's `GetTagMatchingVersionOrConstraint`: `version` itself when it is one of
/// `tags`, else the first tag (tags come sorted newest first) satisfying the constraint
/// (`*`, which excludes pre-releases, when `version` is empty).
pub fn tag_matching_version_or_constraint(
    tags: &[String],
    version: &str,
) -> Result<String, RegistryError> {
    use crate::chart::semver::{Constraints, Version};
    let constraint = if version.is_empty() {
        Constraints::parse("*").map_err(|e| RegistryError::Other(e.to_string()))?
    } else {
        if let Some(t) = tags.iter().find(|t| *t == version) {
            return Ok(t.clone());
        }
        Constraints::parse(version).map_err(|e| RegistryError::Other(e.to_string()))?
    };
    for t in tags {
        if let Ok(v) = Version::parse(t) {
            if constraint.check(&v) {
                return Ok(t.clone());
            }
        }
    }
    Err(RegistryError::Other(format!(
        "Could not locate a version matching provided version string {version}"
    )))
}

/// Semver-valid tags (`_` read back as `+`, strict `X.Y.Z` syntax), newest first, as
/// helm's `Client.Tags` returns them.
pub fn semver_tags(raw: &[String]) -> Vec<String> {
    use crate::chart::semver::Version;
    let mut vs: Vec<Version> = raw
        .iter()
        .filter_map(|t| Version::parse_strict(&t.replace('_', "+")).ok())
        .collect();
    // Go's sort.Sort is not stable; equal versions (differing only in build metadata)
    // keep the registry's order here.
    vs.sort_by(|a, b| b.compare(a));
    vs.iter().map(ToString::to_string).collect()
}

/// The text helm prints after `Pushed:`/`Pulled:` when a tag holds an underscore.
pub fn underscore_message(reference: &str) -> String {
    format!(
        "{reference} contains an underscore.\n\nOCI artifact references (e.g. tags) do not support the plus sign (+). To support\nstoring semantic versions, Helm adopts the convention of changing plus (+) to\nan underscore (_) in chart version tags when pushing to a registry and back to\na plus (+) when pulling from a registry.\n"
    )
}

/// What helm's registry client prints on standard error after a pull: the deprecation
/// warning of a legacy chart layer, `Pulled:`, `Digest:` and the underscore note.
pub fn pulled_text(res: &PullResult) -> String {
    let mut text = String::new();
    if res.legacy_media_type {
        text.push_str(&format!(
            "Warning: chart media type {LEGACY_CHART_LAYER_MEDIA_TYPE} is deprecated\n"
        ));
    }
    text.push_str(&format!(
        "Pulled: {}\nDigest: {}\n",
        res.reference, res.manifest_digest
    ));
    if res.reference.contains('_') {
        text.push_str(&underscore_message(&res.reference));
    }
    text
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn tags_sorted_and_filtered() {
        let raw: Vec<String> = [
            "0.1.0",
            "latest",
            "1.0.0_build.1",
            "v2.0.0",
            "1.2.0-rc.1",
            "1.1.0",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let t = semver_tags(&raw);
        assert_eq!(t, ["1.2.0-rc.1", "1.1.0", "1.0.0+build.1", "0.1.0"]);
        assert_eq!(tag_matching_version_or_constraint(&t, "").unwrap(), "1.1.0");
        assert_eq!(
            tag_matching_version_or_constraint(&t, "^1.0").unwrap(),
            "1.1.0"
        );
        assert_eq!(
            tag_matching_version_or_constraint(&t, "1.0.0+build.1").unwrap(),
            "1.0.0+build.1"
        );
        assert_eq!(
            tag_matching_version_or_constraint(&t, "^9")
                .unwrap_err()
                .to_string(),
            "Could not locate a version matching provided version string ^9"
        );
    }

    #[test]
    fn digest() {
        assert_eq!(
            digest_of(b""),
            "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }
}
