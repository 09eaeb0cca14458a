//! The built-in objects templates see as Go structs: `.Chart` and `.Capabilities`.
//! (`.Values`, `.Release`, `.Template` and `.Subcharts` are plain maps; `.Files` lives
//! with the chart.)

use std::any::Any;
use std::borrow::Cow;
use std::sync::Arc;

use gotmpl::{ElemKind, Field, ListRef, MapKind, MapRef, Object, Value};

use crate::chart::{Dependency, Maintainer, Metadata};

/// A Go `[]string`: nil when absent from the file and empty.
fn strs(v: &[String], non_nil: bool) -> Value {
    if v.is_empty() && !non_nil {
        return Value::List(ListRef::nil_typed(ElemKind::String));
    }
    Value::string_list(v.iter().map(Value::str).collect())
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

/// A field of `chart.Metadata` by its Go name.
fn metadata_field(m: &Metadata, name: &str) -> Option<Value> {
    let nn = m.non_nil();
    Some(match name {
        "Name" => Value::str(&m.name),
        "Home" => Value::str(&m.home),
        "Sources" => strs(&m.sources, nn.sources),
        "Version" => Value::str(&m.version),
        "Description" => Value::str(&m.description),
        "Keywords" => strs(&m.keywords, nn.keywords),
        "Maintainers" => {
            if m.maintainers.is_empty() && !nn.maintainers {
                Value::List(ListRef::nil_typed(ElemKind::ChartMaintainers))
            } else {
                Value::List(ListRef::typed(
                    m.maintainers
                        .iter()
                        .map(|x| Value::Object(Arc::new(MaintainerObject(x.clone()))))
                        .collect(),
                    ElemKind::ChartMaintainers,
                ))
            }
        }
        "Icon" => Value::str(&m.icon),
        "APIVersion" => Value::str(&m.api_version),
        "Condition" => Value::str(&m.condition),
        "Tags" => Value::str(&m.tags),
        "AppVersion" => Value::str(&m.app_version),
        "Deprecated" => Value::Bool(m.deprecated),
        "Annotations" => {
            if m.annotations.is_empty() && !nn.annotations {
                Value::Map(MapRef::nil_map().with_kind(MapKind::String))
            } else {
                Value::Map(
                    MapRef::new(
                        m.annotations
                            .iter()
                            .map(|(k, v)| (k.clone(), Value::str(v)))
                            .collect(),
                    )
                    .with_kind(MapKind::String),
                )
            }
        }
        "KubeVersion" => Value::str(&m.kube_version),
        "Dependencies" => {
            if m.dependencies.is_empty() && !nn.dependencies {
                Value::List(ListRef::nil_typed(ElemKind::ChartDependencies))
            } else {
                Value::List(ListRef::typed(
                    m.dependencies
                        .iter()
                        .map(|d| Value::Object(Arc::new(DependencyObject(d.clone()))))
                        .collect(),
                    ElemKind::ChartDependencies,
                ))
            }
        }
        "Type" => Value::str(&m.chart_type),
        _ => return None,
    })
}

/// `chart.Metadata`'s fields in declaration order, with their JSON tags.
fn metadata_fields(m: &Metadata) -> Vec<Field> {
    const FIELDS: [(&str, &str); 17] = [
        ("Name", "name"),
        ("Home", "home"),
        ("Sources", "sources"),
        ("Version", "version"),
        ("Description", "description"),
        ("Keywords", "keywords"),
        ("Maintainers", "maintainers"),
        ("Icon", "icon"),
        ("APIVersion", "apiVersion"),
        ("Condition", "condition"),
        ("Tags", "tags"),
        ("AppVersion", "appVersion"),
        ("Deprecated", "deprecated"),
        ("Annotations", "annotations"),
        ("KubeVersion", "kubeVersion"),
        ("Dependencies", "dependencies"),
        ("Type", "type"),
    ];
    FIELDS
        .iter()
        .map(|(name, json)| {
            Field::json_omitempty(name, json, metadata_field(m, name).unwrap_or_default())
        })
        .collect()
}

impl Object for ChartObject {
    fn type_name(&self) -> Cow<'_, str> {
        Cow::Borrowed("struct { chart.Metadata; IsRoot bool }")
    }
    fn get(&self, name: &str, _args: &[Value]) -> Option<Result<Value, String>> {
        Some(Ok(match name {
            "IsRoot" => Value::Bool(self.is_root),
            "Metadata" => Value::Object(Arc::new(MetadataObject(self.meta.clone()))),
            _ => return metadata_field(&self.meta, name).map(Ok),
        }))
    }
    fn go_struct(&self) -> Option<Vec<Field>> {
        Some(vec![
            Field {
                embedded: true,
                ..Field::plain(
                    "Metadata",
                    Value::Object(Arc::new(MetadataObject(self.meta.clone()))),
                )
            },
            Field::plain("IsRoot", Value::Bool(self.is_root)),
        ])
    }
    fn format(&self) -> String {
        gotmpl::fmt::format_struct(self, false)
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// `chart.Metadata` on its own (`.Chart.Metadata`, the embedded field).
#[derive(Debug)]
struct MetadataObject(Arc<Metadata>);

impl Object for MetadataObject {
    fn type_name(&self) -> Cow<'_, str> {
        Cow::Borrowed("chart.Metadata")
    }
    fn get(&self, name: &str, _args: &[Value]) -> Option<Result<Value, String>> {
        metadata_field(&self.0, name).map(Ok)
    }
    fn go_struct(&self) -> Option<Vec<Field>> {
        Some(metadata_fields(&self.0))
    }
    fn format(&self) -> String {
        gotmpl::fmt::format_struct(self, false)
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// `*chart.Maintainer`.
#[derive(Debug)]
struct MaintainerObject(Maintainer);

impl MaintainerObject {
    fn field(&self, name: &str) -> Option<Value> {
        Some(Value::str(match name {
            "Name" => &self.0.name,
            "Email" => &self.0.email,
            "URL" => &self.0.url,
            _ => return None,
        }))
    }
}

impl Object for MaintainerObject {
    fn type_name(&self) -> Cow<'_, str> {
        Cow::Borrowed("*chart.Maintainer")
    }
    fn kind_name(&self) -> &'static str {
        "ptr"
    }
    fn is_method(&self, name: &str) -> bool {
        name == "Validate"
    }
    fn method_arity(&self, name: &str) -> Option<usize> {
        (name == "Validate").then_some(0)
    }
    fn get(&self, name: &str, _args: &[Value]) -> Option<Result<Value, String>> {
        if name == "Validate" {
            // Validate only sanitises strings the loader already sanitised: a nil error.
            return Some(Ok(Value::Object(Arc::new(gotmpl::NilInterface("error")))));
        }
        self.field(name).map(Ok)
    }
    fn go_struct(&self) -> Option<Vec<Field>> {
        Some(
            [("Name", "name"), ("Email", "email"), ("URL", "url")]
                .iter()
                .map(|(n, j)| Field::json_omitempty(n, j, self.field(n).unwrap_or_default()))
                .collect(),
        )
    }
    fn format(&self) -> String {
        gotmpl::fmt::format_struct(self, true)
    }
    fn format_raw(&self) -> String {
        gotmpl::fmt::format_struct(self, false)
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// `*chart.Dependency`.
#[derive(Debug)]
struct DependencyObject(Dependency);

impl DependencyObject {
    fn field(&self, name: &str) -> Option<Value> {
        let d = &self.0;
        Some(match name {
            "Name" => Value::str(&d.name),
            "Version" => Value::str(&d.version),
            "Repository" => Value::str(&d.repository),
            "Condition" => Value::str(&d.condition),
            "Tags" => strs(&d.tags, d.non_nil_tags()),
            "Enabled" => Value::Bool(d.enabled),
            "ImportValues" => {
                if d.import_values.is_empty() {
                    Value::List(ListRef::nil_list())
                } else {
                    Value::list(d.import_values.clone())
                }
            }
            "Alias" => Value::str(&d.alias),
            _ => return None,
        })
    }
}

impl Object for DependencyObject {
    fn type_name(&self) -> Cow<'_, str> {
        Cow::Borrowed("*chart.Dependency")
    }
    fn kind_name(&self) -> &'static str {
        "ptr"
    }
    fn is_method(&self, name: &str) -> bool {
        name == "Validate"
    }
    fn method_arity(&self, name: &str) -> Option<usize> {
        (name == "Validate").then_some(0)
    }
    fn get(&self, name: &str, _args: &[Value]) -> Option<Result<Value, String>> {
        if name == "Validate" {
            return Some(Ok(Value::Object(Arc::new(gotmpl::NilInterface("error")))));
        }
        self.field(name).map(Ok)
    }
    fn go_struct(&self) -> Option<Vec<Field>> {
        const FIELDS: [(&str, &str, bool); 8] = [
            ("Name", "name", false),
            ("Version", "version", true),
            ("Repository", "repository", false),
            ("Condition", "condition", true),
            ("Tags", "tags", true),
            ("Enabled", "enabled", true),
            ("ImportValues", "import-values", true),
            ("Alias", "alias", true),
        ];
        Some(
            FIELDS
                .iter()
                .map(|(n, j, omit)| Field {
                    omitempty: *omit,
                    ..Field::json(n, j, self.field(n).unwrap_or_default())
                })
                .collect(),
        )
    }
    fn format(&self) -> String {
        gotmpl::fmt::format_struct(self, true)
    }
    fn format_raw(&self) -> String {
        gotmpl::fmt::format_struct(self, false)
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

/// `.Capabilities`: a `*chartutil.Capabilities`.
#[derive(Debug)]
struct CapsObject(Arc<Capabilities>);

impl Object for CapsObject {
    fn type_name(&self) -> Cow<'_, str> {
        Cow::Borrowed("*chartutil.Capabilities")
    }
    fn kind_name(&self) -> &'static str {
        "ptr"
    }
    fn is_method(&self, name: &str) -> bool {
        name == "Copy"
    }
    fn method_arity(&self, name: &str) -> Option<usize> {
        (name == "Copy").then_some(0)
    }
    fn get(&self, name: &str, _args: &[Value]) -> Option<Result<Value, String>> {
        Some(Ok(match name {
            "KubeVersion" => Value::Object(Arc::new(KubeVersionObject(self.0.clone(), true))),
            "APIVersions" => Value::Object(Arc::new(VersionSet(self.0.clone()))),
            "HelmVersion" => Value::Object(Arc::new(HelmVersionObject)),
            // `Copy()`: a new pointer to an equal struct.
            "Copy" => Value::Object(Arc::new(CapsObject(self.0.clone()))),
            _ => return None,
        }))
    }
    fn go_struct(&self) -> Option<Vec<Field>> {
        Some(vec![
            Field::plain(
                "KubeVersion",
                Value::Object(Arc::new(KubeVersionObject(self.0.clone(), true))),
            ),
            Field::plain(
                "APIVersions",
                Value::Object(Arc::new(VersionSet(self.0.clone()))),
            ),
            Field::plain("HelmVersion", Value::Object(Arc::new(HelmVersionObject))),
        ])
    }
    fn format(&self) -> String {
        gotmpl::fmt::format_struct(self, true)
    }
    fn format_raw(&self) -> String {
        gotmpl::fmt::format_struct(self, false)
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// `chartutil.KubeVersion`; its `String` and `GitVersion` methods have pointer receivers.
/// The flag is false for a copy the template engine cannot address (a function's result),
/// which prints as a struct.
#[derive(Debug)]
struct KubeVersionObject(Arc<Capabilities>, bool);

impl Object for KubeVersionObject {
    fn type_name(&self) -> Cow<'_, str> {
        Cow::Borrowed("chartutil.KubeVersion")
    }
    fn is_method(&self, name: &str) -> bool {
        matches!(name, "GitVersion" | "String")
    }
    fn method_arity(&self, name: &str) -> Option<usize> {
        matches!(name, "GitVersion" | "String").then_some(0)
    }
    fn get(&self, name: &str, _args: &[Value]) -> Option<Result<Value, String>> {
        Some(Ok(match name {
            "Version" | "GitVersion" | "String" => Value::str(&self.0.kube_version),
            "Major" => Value::str(&self.0.kube_major),
            "Minor" => Value::str(&self.0.kube_minor),
            _ => return None,
        }))
    }
    fn go_struct(&self) -> Option<Vec<Field>> {
        Some(vec![
            Field::plain("Version", Value::str(&self.0.kube_version)),
            Field::plain("Major", Value::str(&self.0.kube_major)),
            Field::plain("Minor", Value::str(&self.0.kube_minor)),
        ])
    }
    /// The template engine reaches the field through the `*Capabilities` pointer, so it
    /// finds `String` and prints the version.
    fn format(&self) -> String {
        if self.1 {
            self.0.kube_version.clone()
        } else {
            self.format_raw()
        }
    }
    fn unaddressable(&self) -> Option<Value> {
        Some(Value::Object(Arc::new(KubeVersionObject(
            self.0.clone(),
            false,
        ))))
    }
    /// fmt sees a copy, without the pointer method.
    fn format_raw(&self) -> String {
        gotmpl::fmt::format_struct(self, false)
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
    fn method_param(&self, _name: &str, _i: usize) -> gotmpl::func::Ty {
        gotmpl::func::Ty::Str
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
    fn underlying(&self) -> Option<Value> {
        Some(Value::string_list(
            self.0.api_versions.iter().map(Value::str).collect(),
        ))
    }
    fn format(&self) -> String {
        format!("[{}]", self.0.api_versions.join(" "))
    }
    fn truthy(&self) -> bool {
        !self.0.api_versions.is_empty()
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

/// `version.BuildInfo`.
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
    fn go_struct(&self) -> Option<Vec<Field>> {
        Some(vec![
            Field::json_omitempty("Version", "version", Value::str(HELM_VERSION)),
            Field::json_omitempty("GitCommit", "git_commit", Value::str(HELM_GIT_COMMIT)),
            Field::json_omitempty("GitTreeState", "git_tree_state", Value::str("clean")),
            Field::json_omitempty("GoVersion", "go_version", Value::str(HELM_GO_VERSION)),
        ])
    }
    fn format(&self) -> String {
        format!("{{{HELM_VERSION} {HELM_GIT_COMMIT} clean {HELM_GO_VERSION}}}")
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}
