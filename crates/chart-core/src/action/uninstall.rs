//! `uninstall` (helm's `pkg/action/uninstall.go`): pre-delete hooks, the resources of
//! the stored manifest deleted in helm's uninstall order (those marked
//! `helm.sh/resource-policy: keep` kept and reported), post-delete hooks, and the
//! records purged, or the last one kept as `uninstalled` with `--keep-history`.

use std::collections::BTreeMap;

use super::config::Configuration;
use super::deploy::{Common, ReleaseError};
use super::hooks::exec_hook;
use super::install::validate_release_name;
use crate::kube::{Propagation, ResourceList, RESOURCE_POLICY_ANNOTATION};
use crate::release::manifest::{sort_manifests, split_manifests, UNINSTALL_ORDER};
use crate::release::{HookEvent, Release, Status, Time};
use crate::storage::{sort_by_revision, StorageError};

/// Options of `uninstall`.
#[derive(Clone, Debug)]
pub struct UninstallOptions {
    /// `--keep-history`.
    pub keep_history: bool,
    /// `--ignore-not-found`.
    pub ignore_not_found: bool,
    /// `--description`.
    pub description: String,
    /// `--dry-run`.
    pub dry_run: bool,
    /// `--cascade`.
    pub propagation: Propagation,
    /// `--wait` (for the deletions), `--timeout`, `--no-hooks`.
    pub common: Common,
}

impl Default for UninstallOptions {
    fn default() -> Self {
        UninstallOptions {
            keep_history: false,
            ignore_not_found: false,
            description: String::new(),
            dry_run: false,
            propagation: Propagation::Background,
            common: Common::default(),
        }
    }
}

/// What an uninstall did.
#[derive(Debug, Default)]
pub struct Uninstalled {
    /// The release as it was last recorded (`None` when not found and ignored).
    pub release: Option<Release>,
    /// `These resources were kept due to the resource policy:\n[Kind] name\n…`, or empty.
    pub info: String,
}

/// The uninstall action.
#[derive(Clone, Debug, Default)]
pub struct Uninstall {
    /// Its options.
    pub options: UninstallOptions,
}

impl Uninstall {
    /// Uninstalls release `name` of the configuration's namespace.
    pub async fn run(&self, cfg: &Configuration, name: &str) -> Result<Uninstalled, ReleaseError> {
        let o = &self.options;
        let common = &o.common;
        cfg.kube.is_reachable().await?;
        if o.dry_run {
            let mut h = cfg.storage.history(name).await?;
            sort_by_revision(&mut h);
            return Ok(Uninstalled {
                release: h.pop(),
                info: String::new(),
            });
        }
        if validate_release_name(name).is_err() {
            return Err(ReleaseError::Failed(format!(
                "uninstall: Release name is invalid: {name}"
            )));
        }
        let mut rels = match cfg.storage.history(name).await {
            Ok(r) => r,
            Err(_) if o.ignore_not_found => return Ok(Uninstalled::default()),
            Err(e) => {
                return Err(ReleaseError::Failed(format!(
                    "uninstall: Release not loaded: {name}: {e}"
                )))
            }
        };
        if rels.is_empty() {
            return Err(ReleaseError::Failed("no release provided".into()));
        }
        sort_by_revision(&mut rels);
        let Some(mut rel) = rels.last().cloned() else {
            return Err(ReleaseError::Failed("no release provided".into()));
        };
        if rel.status() == Status::Uninstalled {
            if !o.keep_history {
                purge(cfg, &rels).await.map_err(|e| {
                    ReleaseError::Failed(format!("uninstall: Failed to purge the release: {e}"))
                })?;
                return Ok(Uninstalled {
                    release: Some(rel),
                    info: String::new(),
                });
            }
            return Err(ReleaseError::Failed(format!(
                "the release named {name:?} is already deleted"
            )));
        }
        rel.set_status(
            Status::Uninstalling,
            "Deletion in progress (or silently failed)",
        );
        if let Some(i) = rel.info.as_mut() {
            i.deleted = Time::now();
        }
        if !common.disable_hooks {
            exec_hook(cfg, &mut rel, HookEvent::PreDelete, common).await?;
        }
        if let Err(e) = cfg.storage.update(&rel).await {
            common.log(&format!("uninstall: Failed to store updated release: {e}"));
        }
        let (deleted, kept, errs) = delete_release(cfg, &rel, o.propagation).await;
        if !errs.is_empty() {
            common.log(&format!(
                "uninstall: Failed to delete release: {}",
                errs.join("; ")
            ));
            return Err(ReleaseError::Failed(format!(
                "failed to delete release: {name}"
            )));
        }
        let info = if kept.is_empty() {
            String::new()
        } else {
            format!("These resources were kept due to the resource policy:\n{kept}")
        };
        let mut errs: Vec<String> = Vec::new();
        if common.wait {
            if let Err(e) = cfg.kube.wait_for_delete(&deleted, common.timeout).await {
                errs.push(e.to_string());
            }
        }
        if !common.disable_hooks {
            if let Err(e) = exec_hook(cfg, &mut rel, HookEvent::PostDelete, common).await {
                errs.push(e.to_string());
            }
        }
        let desc = if o.description.is_empty() {
            "Uninstallation complete".to_string()
        } else {
            o.description.clone()
        };
        rel.set_status(Status::Uninstalled, desc);
        if !o.keep_history {
            if let Err(e) = purge(cfg, &rels).await {
                errs.push(format!("uninstall: Failed to purge the release: {e}"));
            }
        } else if let Err(e) = cfg.storage.update(&rel).await {
            errs.push(format!("uninstall: Failed to update release: {e}"));
        }
        if !errs.is_empty() {
            return Err(ReleaseError::Failed(format!(
                "uninstallation completed with {} error(s): {}",
                errs.len(),
                errs.join("; ")
            )));
        }
        Ok(Uninstalled {
            release: Some(rel),
            info,
        })
    }
}

async fn purge(cfg: &Configuration, rels: &[Release]) -> Result<(), StorageError> {
    for r in rels {
        cfg.storage.delete(&r.name, r.version).await?;
    }
    Ok(())
}

/// helm's `deleteRelease`: the deleted resources, the kept ones (`[Kind] name\n`
/// lines) and the errors.
async fn delete_release(
    cfg: &Configuration,
    rel: &Release,
    propagation: Propagation,
) -> (ResourceList, String, Vec<String>) {
    let files: BTreeMap<String, String> = split_manifests(&rel.manifest)
        .into_iter()
        .enumerate()
        .map(|(i, d)| (format!("manifest-{i}"), d))
        .collect();
    let mut warnings = Vec::new();
    let manifests = match sort_manifests(files, UNINSTALL_ORDER, &mut warnings) {
        Ok((_, m)) => m,
        Err(e) => {
            return (
                Vec::new(),
                String::new(),
                vec![format!(
                    "corrupted release record. You must manually delete the resources: {e}"
                )],
            )
        }
    };
    let mut kept = String::new();
    let mut text = String::new();
    for m in &manifests {
        let keep = m
            .head
            .annotations
            .get(RESOURCE_POLICY_ANNOTATION)
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("keep"));
        if keep {
            kept.push_str(&format!("[{}] {}\n", m.head.kind, m.head.name));
        } else {
            text.push_str("\n---\n");
            text.push_str(&m.content);
        }
    }
    let resources = match cfg.kube.build(&text).await {
        Ok(r) => r,
        Err(e) => {
            return (
                Vec::new(),
                kept,
                vec![format!(
                    "unable to build kubernetes objects for delete: {e}"
                )],
            )
        }
    };
    if resources.is_empty() {
        return (resources, kept, Vec::new());
    }
    match cfg.kube.delete(&resources, propagation).await {
        Ok(_) => (resources, kept, Vec::new()),
        Err(errs) => (
            resources,
            kept,
            errs.iter().map(|e| e.to_string()).collect(),
        ),
    }
}
