//! What install, upgrade, rollback and uninstall share: the error type, the options every
//! cluster operation takes (`--wait`, `--timeout`, progress), rendering against the
//! cluster (capabilities from the server, `lookup` reaching it), and writing records the
//! way helm's `recordRelease` does (failures there are logged, not fatal).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use gotmpl::Value;

use super::config::Configuration;
use super::install::{render_resources_with_values, ActionError, Rendered, TemplateOptions};
use crate::chart::{self, Chart};
use crate::engine::funcs::Lookup;
use crate::engine::Capabilities;
use crate::kube::{self, KubeClient, ResourceInfo, WaitOptions, WaitStatus};
use crate::release::{Hook, Release};
use crate::storage::StorageError;
use crate::values;

/// Why a release operation failed. The texts are helm's.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReleaseError {
    /// Loading, values or rendering (before anything reached the cluster).
    #[error(transparent)]
    Action(#[from] ActionError),
    /// The release storage.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// The cluster.
    #[error(transparent)]
    Kube(#[from] kube::Error),
    /// The release is locked by a pending record (helm's `another operation … is in
    /// progress`), with what we know about the operation that left it.
    #[error("another operation (install/upgrade/rollback) is in progress{}", pending_details(.0))]
    Pending(Box<super::lock::PendingInfo>),
    /// Anything else, with helm's wording.
    #[error("{0}")]
    Failed(String),
}

fn pending_details(p: &super::lock::PendingInfo) -> String {
    format!("\n{}", p.explain())
}

impl ReleaseError {
    /// helm's `errors.Wrap(err, msg)`.
    pub fn wrap(self, msg: &str) -> ReleaseError {
        ReleaseError::Failed(format!("{msg}: {self}"))
    }
}

/// `--server-side` of upgrade and rollback (Helm 4's `true|false|auto`): whether objects
/// are written by server-side apply; `Auto` keeps the method recorded on the release
/// (client-side for records without one, as every helm 3 record).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ServerSide {
    /// The release's recorded method.
    #[default]
    Auto,
    /// Server-side apply.
    True,
    /// helm 3's client-side three-way merge.
    False,
}

impl ServerSide {
    /// Parses `true`, `false` or `auto` (Helm 4's error otherwise).
    pub fn parse(s: &str) -> Result<ServerSide, String> {
        match s {
            "auto" => Ok(ServerSide::Auto),
            "true" => Ok(ServerSide::True),
            "false" => Ok(ServerSide::False),
            other => Err(format!(
                "invalid/unknown release server-side apply method: {other}"
            )),
        }
    }

    /// Whether to apply server-side, given the method recorded on the revision it
    /// follows (Helm 4's `getUpgradeServerSideValue`).
    pub fn resolve(self, previous: &Release) -> bool {
        match self {
            ServerSide::Auto => previous.server_side_applied(),
            ServerSide::True => true,
            ServerSide::False => false,
        }
    }
}

/// The `apply_method` a revision records: Helm 4's `ssa`, or nothing (client-side, as
/// helm 3 writes it).
pub(crate) fn apply_method(server_side: bool) -> String {
    if server_side {
        crate::release::APPLY_METHOD_SERVER_SIDE.to_owned()
    } else {
        String::new()
    }
}

/// A callback for wait progress (a live view or plain lines).
pub type ProgressFn = Arc<dyn Fn(&WaitStatus) + Send + Sync>;
/// A callback for messages helm logs with `--debug` and for notices of our own.
pub type LogFn = Arc<dyn Fn(&str) + Send + Sync>;

/// What every mutating operation takes.
#[derive(Clone)]
pub struct Common {
    /// `--wait`.
    pub wait: bool,
    /// `--wait-for-jobs`.
    pub wait_for_jobs: bool,
    /// `--timeout` (helm's default 5m0s).
    pub timeout: Duration,
    /// `--no-hooks`.
    pub disable_hooks: bool,
    /// Called after each poll of a wait.
    pub progress: Option<ProgressFn>,
    /// Notices (recovering a stuck release, hook steps with `--debug`).
    pub log: Option<LogFn>,
}

impl Default for Common {
    fn default() -> Self {
        Common {
            wait: false,
            wait_for_jobs: false,
            timeout: Duration::from_secs(300),
            disable_hooks: false,
            progress: None,
            log: None,
        }
    }
}

impl std::fmt::Debug for Common {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Common")
            .field("wait", &self.wait)
            .field("wait_for_jobs", &self.wait_for_jobs)
            .field("timeout", &self.timeout)
            .field("disable_hooks", &self.disable_hooks)
            .finish_non_exhaustive()
    }
}

impl Common {
    pub(crate) fn log(&self, msg: &str) {
        if let Some(l) = &self.log {
            l(msg);
        }
    }

    /// helm's `Wait`/`WaitWithJobs` over `resources`, reporting progress.
    pub(crate) async fn wait_for(
        &self,
        kube: &KubeClient,
        resources: &[ResourceInfo],
    ) -> Result<(), kube::Error> {
        let opts = WaitOptions {
            timeout: self.timeout,
            check_jobs: self.wait_for_jobs,
            paused_as_ready: true,
        };
        let progress = self.progress.clone();
        kube.wait_with_progress(resources, &opts, move |s| {
            if let Some(p) = &progress {
                p(s);
            }
        })
        .await
    }
}

/// The template `lookup` answered by the cluster: the engine calls it synchronously, so
/// it blocks on the client's future (renders run inside `block_in_place`).
#[derive(Debug)]
struct KubeLookup {
    client: KubeClientHandle,
    handle: tokio::runtime::Handle,
}

struct KubeClientHandle(KubeClient);

impl std::fmt::Debug for KubeClientHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("KubeClient")
    }
}

impl Lookup for KubeLookup {
    fn lookup(
        &self,
        api_version: &str,
        kind: &str,
        namespace: &str,
        name: &str,
    ) -> Result<Value, String> {
        let v = self
            .handle
            .block_on(self.client.0.lookup(api_version, kind, namespace, name))
            .map_err(|e| e.to_string())?;
        goyaml::from_json(&v.to_string())
    }
}

/// `.Capabilities` from the server (helm's `getCapabilities`): its version and every API
/// version it serves.
pub async fn capabilities(kube: &KubeClient) -> Result<Capabilities, ReleaseError> {
    let v = kube.server_version().await?;
    let api_versions = kube.api_versions().await.map_err(|e| {
        ReleaseError::Failed(format!("could not get apiVersions from Kubernetes: {e}"))
    })?;
    Ok(Capabilities {
        kube_version: v.git_version.clone(),
        kube_major: v.major.clone(),
        kube_minor: v.minor.clone(),
        api_versions,
    })
}

/// What a render for the cluster produced.
pub struct ClusterRender {
    /// The manifest text helm records.
    pub manifest: String,
    /// The hooks, as a release stores them.
    pub hooks: Vec<Hook>,
    /// NOTES.txt.
    pub notes: String,
    /// Warnings to print.
    pub warnings: Vec<String>,
}

/// Options of a render against the cluster.
pub struct RenderFor<'a> {
    /// Release name.
    pub name: &'a str,
    /// Release namespace.
    pub namespace: &'a str,
    /// `.Release.Revision`.
    pub revision: i64,
    /// Upgrade (else install).
    pub is_upgrade: bool,
    /// `--render-subchart-notes`.
    pub sub_notes: bool,
    /// `--skip-schema-validation`.
    pub skip_schema_validation: bool,
    /// `--enable-dns`.
    pub enable_dns: bool,
    /// Let `lookup` reach the cluster (not for `--dry-run=client`).
    pub remote: bool,
}

/// Dependency processing, coalescing with `user`, and the render (helm's
/// `ProcessDependenciesWithMerge`, `ToRenderValues` and `renderResources`). The chart is
/// left dependency-processed, as the release stores it.
pub fn render_for_cluster(
    cfg: &Configuration,
    ch: &mut Chart,
    user: &Value,
    caps: &Capabilities,
    r: &RenderFor<'_>,
) -> Result<ClusterRender, ReleaseError> {
    let mut warnings = std::mem::take(&mut ch.warnings);
    let ops = chart::dependencies::HelmValuesOps::default();
    warnings.extend(chart::process_dependencies(ch, user, &ops, true).map_err(ActionError::from)?);
    if let Ok(mut w) = ops.warnings.lock() {
        warnings.append(&mut w);
    }
    let lookup: Option<Arc<dyn Lookup>> = if r.remote {
        tokio::runtime::Handle::try_current().ok().map(|handle| {
            Arc::new(KubeLookup {
                client: KubeClientHandle(KubeClient::new(
                    cfg.kube.client().clone(),
                    cfg.namespace.clone(),
                )),
                handle,
            }) as Arc<dyn Lookup>
        })
    } else {
        None
    };
    let opts = TemplateOptions {
        release_name: r.name.to_owned(),
        namespace: r.namespace.to_owned(),
        is_upgrade: r.is_upgrade,
        revision: r.revision,
        enable_dns: r.enable_dns,
        sub_notes: r.sub_notes,
        lookup: lookup.clone(),
        ..TemplateOptions::default()
    };
    let skip_schema = r.skip_schema_validation;
    let chart: &Chart = ch;
    let values = move || {
        let c = values::render_values(chart, user, skip_schema)
            .map_err(|e| ActionError::Values(e.to_string()))?;
        let w = c.warnings.iter().map(|w| w.to_string()).collect();
        Ok((c.values, w))
    };
    let render = || render_resources_with_values(chart, values, &opts, caps, warnings);
    // `lookup` blocks on the runtime: leave the worker thread while rendering.
    let rendered: Rendered = match (&lookup, tokio::runtime::Handle::try_current()) {
        (Some(_), Ok(h)) if h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(render)?
        }
        _ => render()?,
    };
    Ok(ClusterRender {
        manifest: rendered.manifest_text(),
        hooks: rendered.hooks.iter().map(Hook::from).collect(),
        notes: rendered.notes,
        warnings: rendered.warnings,
    })
}

/// helm's `recordRelease`: an update whose failure is only logged.
pub(crate) async fn record(cfg: &Configuration, rel: &Release, common: &Common) {
    if let Err(e) = cfg.storage.update(rel).await {
        common.log(&format!(
            "warning: Failed to update release {}: {e}",
            rel.name
        ));
    }
}

/// Builds `manifest` into resources (helm's `KubeClient.Build`).
pub(crate) async fn build(
    cfg: &Configuration,
    manifest: &str,
    what: &str,
) -> Result<Vec<ResourceInfo>, ReleaseError> {
    cfg.kube.build(manifest).await.map_err(|e| {
        ReleaseError::Failed(format!(
            "unable to build kubernetes objects from {what}: {e}"
        ))
    })
}

/// Checks custom labels (`--labels`) against the names storage reserves.
pub fn check_labels(labels: &BTreeMap<String, String>) -> Result<(), ReleaseError> {
    const RESERVED: &[&str] = &[
        "name",
        "owner",
        "status",
        "version",
        "createdAt",
        "modifiedAt",
    ];
    if labels.keys().any(|k| RESERVED.contains(&k.as_str())) {
        return Err(ReleaseError::Failed(
            "user supplied labels contains system reserved label name. System labels: [name owner status version createdAt modifiedAt]".into(),
        ));
    }
    Ok(())
}

/// helm's `objectKey`: group/version/kind/namespace/name of a resource.
pub(crate) fn object_key(r: &ResourceInfo) -> String {
    format!(
        "{}/{}/{}/{}/{}",
        r.gvk.group, r.gvk.version, r.gvk.kind, r.namespace, r.name
    )
}
