//! `install` against a cluster (helm's `Install.RunWithContext` and `performInstall`):
//! CRDs first, render with the server's capabilities, the ownership check, the
//! `pending-install` record, hooks, resources, wait, and the final record.

use std::collections::BTreeMap;

use gotmpl::Value;

use super::config::Configuration;
use super::deploy::{
    apply_method, build, capabilities, check_labels, record, render_for_cluster, Common,
    ReleaseError, RenderFor,
};
use super::hooks::exec_hook_with;
use super::install::{validate_release_name, ActionError};
use super::lock;
use super::uninstall::{Uninstall, UninstallOptions};
use crate::chart::Chart;
use crate::kube::{set_ownership_metadata, ApplyOptions, Propagation, ResourceList};
use crate::release::{ChartRecord, HookEvent, Info, Release, Status, Time};
use crate::storage::sort_by_revision;

/// `--dry-run`: none, client (no cluster at all) or server (reads the cluster, writes
/// nothing).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum DryRun {
    /// A real operation.
    #[default]
    None,
    /// `--dry-run` / `--dry-run=client`.
    Client,
    /// `--dry-run=server`.
    Server,
}

impl DryRun {
    /// Parses helm's `--dry-run` value.
    pub fn parse(s: &str) -> Result<DryRun, String> {
        match s {
            "" | "none" | "false" => Ok(DryRun::None),
            "client" | "true" => Ok(DryRun::Client),
            "server" => Ok(DryRun::Server),
            _ => Err(
                "Invalid dry-run flag. Flag must one of the following: false, true, none, client, server"
                    .to_string(),
            ),
        }
    }

    /// Whether nothing is written.
    pub fn is_dry(self) -> bool {
        self != DryRun::None
    }
}

/// Options of `install`.
#[derive(Clone, Debug, Default)]
pub struct InstallOptions {
    /// Release name.
    pub name: String,
    /// `--create-namespace`.
    pub create_namespace: bool,
    /// `--dry-run`.
    pub dry_run: DryRun,
    /// `--replace`.
    pub replace: bool,
    /// `--description`.
    pub description: String,
    /// `--skip-crds`.
    pub skip_crds: bool,
    /// `--atomic` (implies wait).
    pub atomic: bool,
    /// `--render-subchart-notes`.
    pub sub_notes: bool,
    /// `--labels`.
    pub labels: BTreeMap<String, String>,
    /// `--take-ownership`.
    pub take_ownership: bool,
    /// `--force` (update adopted objects by replacing them).
    pub force: bool,
    /// `--skip-schema-validation`.
    pub skip_schema_validation: bool,
    /// `--enable-dns`.
    pub enable_dns: bool,
    /// `--server-side`: write objects (CRDs, the namespace, hooks, resources) by
    /// server-side apply as Helm 4 does, and record it on the release.
    pub server_side: bool,
    /// `--force-conflicts` (with `server_side`): CRDs and adopted objects take fields
    /// owned by other managers.
    pub force_conflicts: bool,
    /// Wait, timeout, hooks, progress.
    pub common: Common,
}

/// What an install did.
#[derive(Debug)]
pub struct Installed {
    /// The release as stored (or as it would be, on a dry run).
    pub release: Release,
    /// Warnings to print on stderr.
    pub warnings: Vec<String>,
}

/// helm's `availableName`: the name is valid and, unless replacing a failed or
/// uninstalled release, unused.
async fn available_name(cfg: &Configuration, o: &InstallOptions) -> Result<(), ReleaseError> {
    validate_release_name(&o.name)?;
    if o.dry_run.is_dry() {
        return Ok(());
    }
    let mut h = match cfg.storage.history(&o.name).await {
        Ok(h) if !h.is_empty() => h,
        _ => return Ok(()),
    };
    sort_by_revision(&mut h);
    let last = h.pop().map(|r| r.status()).unwrap_or_default();
    if o.replace && matches!(last, Status::Uninstalled | Status::Failed) {
        return Ok(());
    }
    Err(ReleaseError::Failed(
        "cannot re-use a name that is still in use".into(),
    ))
}

/// helm's `installCRDs`: creates each CRD file, skipping those that exist, then waits
/// for them to be established.
async fn install_crds(
    cfg: &Configuration,
    ch: &Chart,
    o: &InstallOptions,
) -> Result<(), ReleaseError> {
    let create = ApplyOptions {
        server_side: o.server_side,
        force_conflicts: o.force_conflicts,
        ..ApplyOptions::default()
    };
    let mut all = ResourceList::new();
    for (path, f) in ch.crd_objects() {
        let text = String::from_utf8_lossy(&f.read().map_err(ActionError::from)?).into_owned();
        let res = cfg
            .kube
            .build(&text)
            .await
            .map_err(|e| ReleaseError::Failed(format!("failed to install CRD {path}: {e}")))?;
        match cfg.kube.create_with(&res, &create).await {
            Ok(_) => all.extend(res),
            Err(e) if all_already_exist(&e) => {}
            Err(e) => {
                return Err(ReleaseError::Failed(format!(
                    "failed to install CRD {path}: {e}"
                )))
            }
        }
    }
    if !all.is_empty() {
        let opts = crate::kube::WaitOptions {
            timeout: std::time::Duration::from_secs(60),
            ..Default::default()
        };
        cfg.kube.wait(&all, &opts).await?;
        cfg.kube.invalidate_discovery().await;
    }
    Ok(())
}

fn all_already_exist(e: &crate::kube::Error) -> bool {
    match e {
        crate::kube::Error::Multiple { errors, .. } => errors.iter().all(all_already_exist),
        crate::kube::Error::Context { source, .. } => all_already_exist(source),
        e => e.is_already_exists(),
    }
}

/// Installs `ch` with the user values `user` as release `o.name` in the configuration's
/// namespace.
pub async fn install(
    cfg: &Configuration,
    mut ch: Chart,
    user: Value,
    o: &InstallOptions,
) -> Result<Installed, ReleaseError> {
    check_labels(&o.labels)?;
    ApplyOptions {
        server_side: o.server_side,
        force_conflicts: o.force_conflicts,
        ..ApplyOptions::default()
    }
    .validate()?;
    let mut common = o.common.clone();
    if o.atomic {
        common.wait = true;
    }
    let remote = o.dry_run != DryRun::Client;
    if !remote {
        // helm checks that the cluster is reachable even for a client-side dry run (the
        // other modes find out through the requests below).
        cfg.kube.is_reachable().await?;
    }
    let with_crds = !o.skip_crds && !ch.crd_objects().is_empty();
    let fetch_caps = || async {
        if remote {
            capabilities(&cfg.kube).await
        } else {
            Ok(crate::engine::Capabilities::default())
        }
    };
    let caps = if with_crds {
        available_name(cfg, o).await?;
        if o.dry_run.is_dry() {
            common.log("WARNING: This chart or one of its subcharts contains CRDs. Rendering may fail or contain inaccuracies.");
        } else {
            install_crds(cfg, &ch, o).await?;
        }
        fetch_caps().await?
    } else {
        // Without CRDs to create first, the name check and discovery run together.
        let (name_ok, caps) = tokio::join!(available_name(cfg, o), fetch_caps());
        // helm asks whether the cluster is reachable before anything else.
        let unreachable = caps
            .as_ref()
            .is_err_and(|e| e.to_string().starts_with("Kubernetes cluster unreachable"));
        if !unreachable {
            name_ok?;
        }
        caps?
    };
    let namespace = cfg.namespace.clone();
    let rendered = render_for_cluster(
        cfg,
        &mut ch,
        &user,
        &caps,
        &RenderFor {
            name: &o.name,
            namespace: &namespace,
            revision: 1,
            is_upgrade: false,
            sub_notes: o.sub_notes,
            skip_schema_validation: o.skip_schema_validation,
            enable_dns: o.enable_dns,
            remote,
        },
    )?;
    let now = Time::now();
    let mut rel = Release {
        name: o.name.clone(),
        namespace: namespace.clone(),
        chart: Some(ChartRecord::from_chart(&ch).map_err(ActionError::from)?),
        config: user,
        info: Some(Info {
            first_deployed: now,
            last_deployed: now,
            status: Status::PendingInstall,
            description: "Initial install underway".into(),
            notes: rendered.notes.clone(),
            ..Info::default()
        }),
        manifest: rendered.manifest.clone(),
        hooks: rendered.hooks.clone(),
        version: 1,
        labels: o.labels.clone(),
        apply_method: apply_method(o.server_side),
    };
    let warnings = rendered.warnings;
    if o.dry_run == DryRun::Client {
        rel.set_status(Status::PendingInstall, "Dry run complete");
        return Ok(Installed {
            release: rel,
            warnings,
        });
    }
    let mut resources = build(cfg, &rel.manifest, "release manifest").await?;
    for r in &mut resources {
        set_ownership_metadata(r, &rel.name, &rel.namespace);
    }
    // `--create-namespace` (client-side): helm reads every object for the ownership check,
    // then creates the namespace, ignoring "already exists". Reading the namespace first
    // instead answers both: when it is missing, nothing can exist in it (no object of it
    // is read) and it is created; when it exists, it is not created again. Never more
    // requests than helm.
    let ns_exists = if o.create_namespace && !o.dry_run.is_dry() && !o.server_side {
        cfg.kube.namespace_exists(&namespace).await
    } else {
        None
    };
    let ns_missing = ns_exists == Some(false);
    let to_check: ResourceList = if ns_missing {
        resources
            .iter()
            .filter(|r| !(r.namespaced && r.namespace == namespace))
            .cloned()
            .collect()
    } else {
        resources.clone()
    };
    let to_be_adopted = if o.take_ownership {
        cfg.kube.require_adoption(&to_check).await?
    } else {
        cfg.kube
            .existing_resource_conflict(&to_check, &rel.name, &rel.namespace)
            .await
            .map_err(|e| ReleaseError::Kube(e).wrap("Unable to continue with install"))?
    };
    if o.dry_run.is_dry() {
        if let Some(i) = rel.info.as_mut() {
            i.description = "Dry run complete".into();
        }
        return Ok(Installed {
            release: rel,
            warnings,
        });
    }
    if o.create_namespace && ns_exists != Some(true) {
        let ns = format!(
            "apiVersion: v1\nkind: Namespace\nmetadata:\n  labels:\n    name: {0}\n  name: {0}\n",
            namespace
        );
        let list = cfg.kube.build(&ns).await?;
        let create = ApplyOptions {
            server_side: o.server_side,
            ..ApplyOptions::default()
        };
        if let Err(e) = cfg.kube.create_with(&list, &create).await {
            if !all_already_exist(&e) {
                return Err(e.into());
            }
        }
    }
    if o.replace {
        replace_release(cfg, &mut rel, &common).await;
    }
    let mut heartbeat = lock::hold(cfg, &rel);
    cfg.storage.create(&rel).await?;
    let result = perform(cfg, &mut rel, &resources, &to_be_adopted, o, &common).await;
    heartbeat.stop();
    match result {
        Ok(()) => {
            let desc = if o.description.is_empty() {
                "Install complete".to_string()
            } else {
                o.description.clone()
            };
            rel.set_status(Status::Deployed, desc);
            if let Err(e) = cfg.storage.update(&rel).await {
                common.log(&format!("failed to record the release: {e}"));
            }
            Ok(Installed {
                release: rel,
                warnings,
            })
        }
        Err(e) => Err(fail_release(cfg, &mut rel, e, o, &common).await),
    }
}

async fn replace_release(cfg: &Configuration, rel: &mut Release, common: &Common) {
    let Ok(mut h) = cfg.storage.history(&rel.name).await else {
        return;
    };
    sort_by_revision(&mut h);
    let Some(mut last) = h.pop() else { return };
    rel.version = last.version + 1;
    if last.status() == Status::Failed {
        return;
    }
    last.set_status(Status::Superseded, "superseded by new release");
    record(cfg, &last, common).await;
}

async fn perform(
    cfg: &Configuration,
    rel: &mut Release,
    resources: &ResourceList,
    to_be_adopted: &ResourceList,
    o: &InstallOptions,
    common: &Common,
) -> Result<(), ReleaseError> {
    if !common.disable_hooks {
        exec_hook_with(cfg, rel, HookEvent::PreInstall, common, o.server_side)
            .await
            .map_err(|e| ReleaseError::Failed(format!("failed pre-install: {e}")))?;
    }
    if !resources.is_empty() {
        let create = ApplyOptions {
            server_side: o.server_side,
            ..ApplyOptions::default()
        };
        // Adopted objects: Helm 4 forces conflicts as asked and first hands helm's
        // client-side fields to its apply entry.
        let adopt = ApplyOptions {
            server_side: o.server_side,
            force_conflicts: o.force_conflicts,
            force_replace: o.force,
            upgrade_client_side_field_manager: o.server_side,
        };
        if to_be_adopted.is_empty() {
            cfg.kube.create_with(resources, &create).await?;
        } else if o.take_ownership {
            cfg.kube
                .update_with(to_be_adopted, resources, &adopt)
                .await
                .map_err(|f| f.error)?;
        } else {
            cfg.kube
                .update_with(resources, resources, &adopt)
                .await
                .map_err(|f| f.error)?;
        }
    }
    if common.wait {
        common.wait_for(&cfg.kube, resources).await?;
    }
    if !common.disable_hooks {
        exec_hook_with(cfg, rel, HookEvent::PostInstall, common, o.server_side)
            .await
            .map_err(|e| ReleaseError::Failed(format!("failed post-install: {e}")))?;
    }
    Ok(())
}

/// helm's `failRelease` of install: records the failure, and with `--atomic` uninstalls.
async fn fail_release(
    cfg: &Configuration,
    rel: &mut Release,
    err: ReleaseError,
    o: &InstallOptions,
    common: &Common,
) -> ReleaseError {
    rel.set_status(
        Status::Failed,
        format!("Release {:?} failed: {err}", rel.name),
    );
    if o.atomic {
        common.log("Install failed and atomic is set, uninstalling release");
        let un = Uninstall {
            options: UninstallOptions {
                keep_history: false,
                propagation: Propagation::Background,
                common: Common {
                    wait: false,
                    disable_hooks: common.disable_hooks,
                    ..common.clone()
                },
                ..UninstallOptions::default()
            },
        };
        // The record is written first, so that the uninstall finds the failed release.
        record(cfg, rel, common).await;
        if let Err(ue) = un.run(cfg, &rel.name).await {
            return ReleaseError::Failed(format!(
                "an error occurred while uninstalling the release. original install error: {err}: {ue}"
            ));
        }
        return ReleaseError::Failed(format!(
            "release {} failed, and has been uninstalled due to atomic being set: {err}",
            rel.name
        ));
    }
    record(cfg, rel, common).await;
    err
}
