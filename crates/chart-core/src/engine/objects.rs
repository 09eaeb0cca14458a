//! The built-in objects templates see as Go structs: `.Chart` and `.Capabilities`.
//! (`.Values`, `.Release`, `.Template` and `.Subcharts` are plain maps; `.Files` lives
//! with the chart.)

use std::any::Any;
use std::borrow::Cow;
use std::sync::Arc;

use gotmpl::{Object, Value};

use crate::chart::{Dependency, Maintainer, Metadata};

fn strs(v: &[String]) -> Value {
    Value::list(v.iter().map(Value::str).collect())
}

fn fmt_strs(v: &[String]) -> String {
    format!("[{}]", v.join(" "))
}

/// `.Chart`: Helm's `struct { chart.Metadata; IsRoot bool }`.
#[derive(Debug)]
pub struct ChartObject {
    meta: Arc<Metadata>,
    is_root: bool,
}

impl ChartObject {
    /// Wraps a chart's metadata.
    pub fn new(meta: Arc<Metadata>, is_root: bool) -> Self {
        ChartObject { meta, is_root }
    }
}

fn maintainer_value(m: &Maintainer) -> Value {
    Value::Object(Arc::new(MaintainerObject(m.clone())))
}

fn dependency_value(d: &Dependency) -> Value {
    Value::Object(Arc::new(DependencyObject(d.clone())))
}

impl Object for ChartObject {
    fn type_name(&self) -> Cow<'_, str> {
        Cow::Borrowed("struct { chart.Metadata; IsRoot bool }")
    }
    fn get(&self, name: &str, _args: &[Value]) -> Option<Result<Value, String>> {
        let m = &self.meta;
        Some(Ok(match name {
            "Name" => Value::str(&m.name),
            "Home" => Value::str(&m.home),
            "Sources" => strs(&m.sources),
            "Version" => Value::str(&m.version),
            "Description" => Value::str(&m.description),
            "Keywords" => strs(&m.keywords),
            "Maintainers" => Value::list(m.maintainers.iter().map(maintainer_value).collect()),
            "Icon" => Value::str(&m.icon),
            "APIVersion" => Value::str(&m.api_version),
            "Condition" => Value::str(&m.condition),
            "Tags" => Value::str(&m.tags),
            "AppVersion" => Value::str(&m.app_version),
            "Deprecated" => Value::Bool(m.deprecated),
            "Annotations" => Value::map(
                m.annotations
                    .iter()
                    .map(|(k, v)| (k.clone(), Value::str(v)))
                    .collect(),
            ),
            "KubeVersion" => Value::str(&m.kube_version),
            "Dependencies" => Value::list(m.dependencies.iter().map(dependency_value).collect()),
            "Type" => Value::str(&m.chart_type),
            "IsRoot" => Value::Bool(self.is_root),
            "Metadata" => Value::Object(Arc::new(MetadataObject(self.meta.clone()))),
            _ => return None,
        }))
    }
    fn format(&self) -> String {
        format!("{{{} {}}}", metadata_format(&self.meta), self.is_root)
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// `*chart.Metadata` on its own (`.Chart.Metadata`).
#[derive(Debug)]
struct MetadataObject(Arc<Metadata>);

impl Object for MetadataObject {
    fn type_name(&self) -> Cow<'_, str> {
        Cow::Borrowed("*chart.Metadata")
    }
    fn kind_name(&self) -> &'static str {
        "ptr"
    }
    fn get(&self, name: &str, args: &[Value]) -> Option<Result<Value, String>> {
        if name == "IsRoot" || name == "Metadata" {
            return None;
        }
        ChartObject::new(self.0.clone(), false).get(name, args)
    }
    fn format(&self) -> String {
        format!("&{}", metadata_format(&self.0))
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

fn metadata_format(m: &Metadata) -> String {
    // Go prints pointers inside structs as addresses; Helm's output there is not
    // deterministic, so any stable placeholder is as good.
    let ptrs = |n: usize| format!("[{}]", vec!["0xc000000000"; n].join(" "));
    let ann = if m.annotations.is_empty() {
        "map[]".to_string()
    } else {
        format!(
            "map[{}]",
            m.annotations
                .iter()
                .map(|(k, v)| format!("{k}:{v}"))
                .collect::<Vec<_>>()
                .join(" ")
        )
    };
    format!(
        "{{{} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {}}}",
        m.name,
        m.home,
        fmt_strs(&m.sources),
        m.version,
        m.description,
        fmt_strs(&m.keywords),
        ptrs(m.maintainers.len()),
        m.icon,
        m.api_version,
        m.condition,
        m.tags,
        m.app_version,
        m.deprecated,
        ann,
        m.kube_version,
        ptrs(m.dependencies.len()),
        m.chart_type
    )
}

#[derive(Debug)]
struct MaintainerObject(Maintainer);

impl Object for MaintainerObject {
    fn type_name(&self) -> Cow<'_, str> {
        Cow::Borrowed("*chart.Maintainer")
    }
    fn kind_name(&self) -> &'static str {
        "ptr"
    }
    fn get(&self, name: &str, _args: &[Value]) -> Option<Result<Value, String>> {
        Some(Ok(match name {
            "Name" => Value::str(&self.0.name),
            "Email" => Value::str(&self.0.email),
            "URL" => Value::str(&self.0.url),
            _ => return None,
        }))
    }
    fn format(&self) -> String {
        format!("&{{{} {} {}}}", self.0.name, self.0.email, self.0.url)
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

#[derive(Debug)]
struct DependencyObject(Dependency);

impl Object for DependencyObject {
    fn type_name(&self) -> Cow<'_, str> {
        Cow::Borrowed("*chart.Dependency")
    }
    fn kind_name(&self) -> &'static str {
        "ptr"
    }
    fn get(&self, name: &str, _args: &[Value]) -> Option<Result<Value, String>> {
        let d = &self.0;
        Some(Ok(match name {
            "Name" => Value::str(&d.name),
            "Version" => Value::str(&d.version),
            "Repository" => Value::str(&d.repository),
            "Condition" => Value::str(&d.condition),
            "Tags" => strs(&d.tags),
            "Enabled" => Value::Bool(d.enabled),
            "ImportValues" => Value::list(d.import_values.clone()),
            "Alias" => Value::str(&d.alias),
            _ => return None,
        }))
    }
    fn format(&self) -> String {
        let d = &self.0;
        format!(
            "&{{{} {} {} {} {} {} {} {}}}",
            d.name,
            d.version,
            d.repository,
            d.condition,
            fmt_strs(&d.tags),
            d.enabled,
            gotmpl::fmt::format_v(&Value::list(d.import_values.clone())),
            d.alias
        )
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// Helm's build information, as `.Capabilities.HelmVersion` shows it.
pub const HELM_VERSION: &str = "v3.17.3";
/// The commit Helm 3.17.3 was built from.
pub const HELM_GIT_COMMIT: &str = "e4da49785aa6e6ee2b86efd5dd9e43400318262b";
/// The Go version Helm 3.17.3 was built with.
pub const HELM_GO_VERSION: &str = "go1.23.7";

/// The API versions `helm template` assumes without a cluster (Helm 3.17.3's list).
pub const DEFAULT_API_VERSIONS: &[&str] = &[
    "v1",
    "admissionregistration.k8s.io/v1",
    "admissionregistration.k8s.io/v1alpha1",
    "admissionregistration.k8s.io/v1beta1",
    "internal.apiserver.k8s.io/v1alpha1",
    "apps/v1",
    "apps/v1beta1",
    "apps/v1beta2",
    "authentication.k8s.io/v1",
    "authentication.k8s.io/v1alpha1",
    "authentication.k8s.io/v1beta1",
    "authorization.k8s.io/v1",
    "authorization.k8s.io/v1beta1",
    "autoscaling/v1",
    "autoscaling/v2",
    "autoscaling/v2beta1",
    "autoscaling/v2beta2",
    "batch/v1",
    "batch/v1beta1",
    "certificates.k8s.io/v1",
    "certificates.k8s.io/v1beta1",
    "certificates.k8s.io/v1alpha1",
    "coordination.k8s.io/v1alpha2",
    "coordination.k8s.io/v1beta1",
    "coordination.k8s.io/v1",
    "discovery.k8s.io/v1",
    "discovery.k8s.io/v1beta1",
    "events.k8s.io/v1",
    "events.k8s.io/v1beta1",
    "extensions/v1beta1",
    "flowcontrol.apiserver.k8s.io/v1",
    "flowcontrol.apiserver.k8s.io/v1beta1",
    "flowcontrol.apiserver.k8s.io/v1beta2",
    "flowcontrol.apiserver.k8s.io/v1beta3",
    "networking.k8s.io/v1",
    "networking.k8s.io/v1alpha1",
    "networking.k8s.io/v1beta1",
    "node.k8s.io/v1",
    "node.k8s.io/v1alpha1",
    "node.k8s.io/v1beta1",
    "policy/v1",
    "policy/v1beta1",
    "rbac.authorization.k8s.io/v1",
    "rbac.authorization.k8s.io/v1beta1",
    "rbac.authorization.k8s.io/v1alpha1",
    "resource.k8s.io/v1beta1",
    "resource.k8s.io/v1alpha3",
    "scheduling.k8s.io/v1alpha1",
    "scheduling.k8s.io/v1beta1",
    "scheduling.k8s.io/v1",
    "storage.k8s.io/v1beta1",
    "storage.k8s.io/v1",
    "storage.k8s.io/v1alpha1",
    "storagemigration.k8s.io/v1alpha1",
    "apiextensions.k8s.io/v1beta1",
    "apiextensions.k8s.io/v1",
];

/// The Kubernetes version `helm template` assumes without a cluster.
pub const DEFAULT_KUBE_VERSION: &str = "v1.32.0";

/// What the target cluster supports (`.Capabilities`).
#[derive(Clone, Debug)]
pub struct Capabilities {
    /// `v1.32.0`.
    pub kube_version: String,
    /// `"1"`.
    pub kube_major: String,
    /// `"32"`.
    pub kube_minor: String,
    /// `group/version` strings (and `group/version/Kind` entries given explicitly).
    pub api_versions: Vec<String>,
}

impl Default for Capabilities {
    fn default() -> Self {
        Capabilities {
            kube_version: DEFAULT_KUBE_VERSION.into(),
            kube_major: "1".into(),
            kube_minor: "32".into(),
            api_versions: DEFAULT_API_VERSIONS.iter().map(|s| s.to_string()).collect(),
        }
    }
}

impl Capabilities {
    /// Parses a `--kube-version` value as Helm does (`1.25.3-gke.100`, `v1.29`).
    pub fn with_kube_version(mut self, v: &str) -> Result<Self, String> {
        let parsed = crate::chart::semver::parse_version(v)
            .ok_or_else(|| format!("invalid kube version '{v}': Invalid Semantic Version"))?;
        let text = parsed.to_string();
        self.kube_version = format!("v{text}");
        self.kube_major = parsed.major.to_string();
        self.kube_minor = parsed.minor.to_string();
        Ok(self)
    }

    /// The template object.
    pub fn to_value(&self) -> Value {
        Value::Object(Arc::new(CapsObject(Arc::new(self.clone()))))
    }
}

#[derive(Debug)]
struct CapsObject(Arc<Capabilities>);

impl Object for CapsObject {
    fn type_name(&self) -> Cow<'_, str> {
        Cow::Borrowed("*chartutil.Capabilities")
    }
    fn kind_name(&self) -> &'static str {
        "ptr"
    }
    fn get(&self, name: &str, _args: &[Value]) -> Option<Result<Value, String>> {
        Some(Ok(match name {
            "KubeVersion" => Value::Object(Arc::new(KubeVersionObject(self.0.clone()))),
            "APIVersions" => Value::Object(Arc::new(VersionSet(self.0.clone()))),
            "HelmVersion" => Value::Object(Arc::new(HelmVersionObject)),
            _ => return None,
        }))
    }
    fn format(&self) -> String {
        format!(
            "&{{{} {} {}}}",
            VersionSet(self.0.clone()).format(),
            KubeVersionObject(self.0.clone()).raw(),
            HelmVersionObject.format()
        )
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

#[derive(Debug)]
struct KubeVersionObject(Arc<Capabilities>);

impl KubeVersionObject {
    fn raw(&self) -> String {
        format!(
            "{{{} {} {}}}",
            self.0.kube_version, self.0.kube_major, self.0.kube_minor
        )
    }
}

impl Object for KubeVersionObject {
    fn type_name(&self) -> Cow<'_, str> {
        Cow::Borrowed("chartutil.KubeVersion")
    }
    fn get(&self, name: &str, _args: &[Value]) -> Option<Result<Value, String>> {
        Some(Ok(match name {
            "Version" | "GitVersion" | "String" => Value::str(&self.0.kube_version),
            "Major" => Value::str(&self.0.kube_major),
            "Minor" => Value::str(&self.0.kube_minor),
            _ => return None,
        }))
    }
    fn format(&self) -> String {
        self.0.kube_version.clone()
    }
    fn format_raw(&self) -> String {
        self.raw()
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// `.Capabilities.APIVersions` (`chartutil.VersionSet`, a `[]string` with `Has`).
#[derive(Debug)]
struct VersionSet(Arc<Capabilities>);

impl Object for VersionSet {
    fn type_name(&self) -> Cow<'_, str> {
        Cow::Borrowed("chartutil.VersionSet")
    }
    fn kind_name(&self) -> &'static str {
        "slice"
    }
    fn is_method(&self, name: &str) -> bool {
        name == "Has"
    }
    fn method_arity(&self, name: &str) -> Option<usize> {
        (name == "Has").then_some(1)
    }
    fn get(&self, name: &str, args: &[Value]) -> Option<Result<Value, String>> {
        if name != "Has" {
            return None;
        }
        Some(match args {
            [Value::Str(s)] => Ok(Value::Bool(self.0.api_versions.iter().any(|v| v == &**s))),
            [other] => Err(format!(
                "wrong type for value; expected string; got {}",
                other.type_name()
            )),
            _ => Err(format!(
                "wrong number of args for Has: want 1 got {}",
                args.len()
            )),
        })
    }
    fn format(&self) -> String {
        fmt_strs(&self.0.api_versions)
    }
    fn len(&self) -> Option<usize> {
        Some(self.0.api_versions.len())
    }
    fn index(&self, key: &Value) -> Option<Result<Value, String>> {
        match key {
            Value::Int(i, _) => Some(
                usize::try_from(*i)
                    .ok()
                    .and_then(|i| self.0.api_versions.get(i))
                    .map(Value::str)
                    .ok_or_else(|| format!("index out of range: {i}")),
            ),
            _ => None,
        }
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

#[derive(Debug)]
struct HelmVersionObject;

impl Object for HelmVersionObject {
    fn type_name(&self) -> Cow<'_, str> {
        Cow::Borrowed("version.BuildInfo")
    }
    fn get(&self, name: &str, _args: &[Value]) -> Option<Result<Value, String>> {
        Some(Ok(Value::str(match name {
            "Version" => HELM_VERSION,
            "GitCommit" => HELM_GIT_COMMIT,
            "GitTreeState" => "clean",
            "GoVersion" => HELM_GO_VERSION,
            _ => return None,
        })))
    }
    fn format(&self) -> String {
        format!("{{{HELM_VERSION} {HELM_GIT_COMMIT} clean {HELM_GO_VERSION}}}")
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}
