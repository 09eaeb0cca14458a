//! One object of a manifest mapped to its API resource (cli-runtime's `resource.Info`),
//! and lists of them (helm's `ResourceList`).

use kube::discovery::ApiResource;
use serde_json::{Map, Value};

/// `helm.sh/resource-policy`: with value `keep`, helm never deletes the object.
pub const RESOURCE_POLICY_ANNOTATION: &str = "helm.sh/resource-policy";
/// The value of [`RESOURCE_POLICY_ANNOTATION`] that keeps an object.
pub const KEEP_POLICY: &str = "keep";

/// Group, version and kind.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Gvk {
    /// API group (`""` for the core group).
    pub group: String,
    /// Version (`v1`).
    pub version: String,
    /// Kind (`Deployment`).
    pub kind: String,
}

impl Gvk {
    /// From an object's `apiVersion` and `kind`.
    pub fn from_api_version(api_version: &str, kind: &str) -> Gvk {
        let (group, version) = match api_version.split_once('/') {
            Some((g, v)) => (g.to_string(), v.to_string()),
            None => (String::new(), api_version.to_string()),
        };
        Gvk {
            group,
            version,
            kind: kind.to_string(),
        }
    }

    /// `group/version`, or `version` for the core group.
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.clone()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }
}

/// Deletion propagation (`--cascade`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Propagation {
    /// Dependents are deleted in the background (helm's default).
    #[default]
    Background,
    /// The owner waits for its dependents.
    Foreground,
    /// Dependents are left alone.
    Orphan,
}

impl Propagation {
    /// Parses helm's `--cascade` value (`background|foreground|orphan`).
    pub fn parse(s: &str) -> Option<Propagation> {
        match s {
            "background" => Some(Propagation::Background),
            "foreground" => Some(Propagation::Foreground),
            "orphan" => Some(Propagation::Orphan),
            _ => None,
        }
    }
}

/// One object mapped to its API resource.
#[derive(Clone, Debug)]
pub struct ResourceInfo {
    /// `metadata.name`.
    pub name: String,
    /// The namespace the object lives in; empty for cluster-scoped objects.
    pub namespace: String,
    /// The object's group, version and kind.
    pub gvk: Gvk,
    /// The API resource serving it (plural, scope).
    pub api: ApiResource,
    /// Whether the resource is namespaced.
    pub namespaced: bool,
    /// The object as JSON (from the manifest, or as last read from the server).
    pub object: Value,
}

impl ResourceInfo {
    /// The object's `metadata` map, if any.
    pub fn metadata(&self) -> Option<&Map<String, Value>> {
        self.object.get("metadata").and_then(Value::as_object)
    }

    /// One annotation of the object.
    pub fn annotation(&self, key: &str) -> Option<&str> {
        self.metadata()?
            .get("annotations")?
            .as_object()?
            .get(key)?
            .as_str()
    }

    /// Whether the object carries `helm.sh/resource-policy: keep` (helm compares exactly).
    pub fn has_keep_policy(&self) -> bool {
        self.annotation(RESOURCE_POLICY_ANNOTATION) == Some(KEEP_POLICY)
    }

    /// helm's `Kind "name" in namespace "ns"` (validate.go's `resourceString`).
    pub fn describe(&self) -> String {
        format!(
            "{} {:?} in namespace {:?}",
            self.gvk.kind, self.name, self.namespace
        )
    }

    /// Whether `other` names the same object (cli-runtime's `isMatchingInfo`: name,
    /// namespace, group and kind; the version may differ).
    pub fn same_object(&self, other: &ResourceInfo) -> bool {
        self.name == other.name
            && self.namespace == other.namespace
            && self.gvk.group == other.gvk.group
            && self.gvk.kind == other.gvk.kind
    }
}

/// An ordered list of resources (helm's `ResourceList`).
pub type ResourceList = Vec<ResourceInfo>;

/// The resources of `a` not in `b` (helm's `ResourceList.Difference`).
pub(crate) fn difference<'a>(a: &'a [ResourceInfo], b: &[ResourceInfo]) -> Vec<&'a ResourceInfo> {
    a.iter()
        .filter(|x| !b.iter().any(|y| x.same_object(y)))
        .collect()
}
