//! `rollback NAME [REVISION]` (helm's `pkg/action/rollback.go`): a new revision copied
//! from the target one, the live objects moved from the last manifest to the target's,
//! hooks, and every deployed revision superseded.

use super::config::Configuration;
use super::deploy::{apply_method, build, record, Common, ReleaseError, ServerSide};
use super::hooks::exec_hook_with;
use super::install::validate_release_name;
use super::lock;
use crate::kube::{set_ownership_metadata, ApplyOptions, Propagation};
use crate::release::{HookEvent, Info, Release, Status, Time};

/// Options of `rollback`.
#[derive(Clone, Debug, Default)]
pub struct RollbackOptions {
    /// The revision to roll back to (0: the one before the last).
    pub version: i64,
    /// `--dry-run`.
    pub dry_run: bool,
    /// `--force`.
    pub force: bool,
    /// `--cleanup-on-fail`.
    pub cleanup_on_fail: bool,
    /// `--history-max` (0: unlimited).
    pub max_history: usize,
    /// `--server-side` (Helm 4): server-side apply, client-side, or (`Auto`, the
    /// default) the method recorded on the revision rolled back to.
    pub server_side: ServerSide,
    /// `--force-conflicts` (with server-side apply): take fields owned by other managers.
    pub force_conflicts: bool,
    /// Wait, timeout, hooks.
    pub common: Common,
}

/// Rolls release `name` back; returns the new revision as recorded.
pub async fn rollback(
    cfg: &mut Configuration,
    name: &str,
    o: &RollbackOptions,
) -> Result<Release, ReleaseError> {
    cfg.kube.is_reachable().await?;
    cfg.storage.max_history = o.max_history;
    let (mut current, mut target, server_side) = prepare(cfg, name, o).await?;
    if o.dry_run {
        return Ok(target);
    }
    let mut heartbeat = lock::hold(cfg, &target);
    cfg.storage.create(&target).await?;
    let res = perform(cfg, &mut current, &mut target, o, server_side).await;
    heartbeat.stop();
    res?;
    cfg.storage.update(&target).await?;
    Ok(target)
}

async fn prepare(
    cfg: &Configuration,
    name: &str,
    o: &RollbackOptions,
) -> Result<(Release, Release, bool), ReleaseError> {
    if validate_release_name(name).is_err() {
        return Err(ReleaseError::Failed(format!(
            "prepareRollback: Release name is invalid: {name}"
        )));
    }
    if o.version < 0 {
        return Err(ReleaseError::Failed("invalid release revision".into()));
    }
    let current = cfg.storage.last(name).await?;
    let previous = if o.version == 0 {
        current.version - 1
    } else {
        o.version
    };
    let history = cfg.storage.history(name).await?;
    if !history.iter().any(|r| r.version == previous) {
        return Err(ReleaseError::Failed(format!(
            "release has no {previous} version"
        )));
    }
    let prev = cfg.storage.get(name, previous).await?;
    let server_side = o.server_side.resolve(&prev);
    ApplyOptions {
        server_side,
        force_conflicts: o.force_conflicts,
        force_replace: o.force,
        upgrade_client_side_field_manager: false,
    }
    .validate()?;
    let first = current
        .info
        .as_ref()
        .map(|i| i.first_deployed)
        .unwrap_or_default();
    let target = Release {
        name: name.to_owned(),
        namespace: current.namespace.clone(),
        chart: prev.chart.clone(),
        config: prev.config.clone(),
        info: Some(Info {
            first_deployed: first,
            last_deployed: Time::now(),
            status: Status::PendingRollback,
            notes: prev
                .info
                .as_ref()
                .map(|i| i.notes.clone())
                .unwrap_or_default(),
            description: format!("Rollback to {previous}"),
            ..Info::default()
        }),
        version: current.version + 1,
        labels: prev.labels.clone(),
        manifest: prev.manifest.clone(),
        hooks: prev.hooks.clone(),
        apply_method: apply_method(server_side),
    };
    Ok((current, target, server_side))
}

async fn perform(
    cfg: &Configuration,
    current: &mut Release,
    target: &mut Release,
    o: &RollbackOptions,
    server_side: bool,
) -> Result<(), ReleaseError> {
    let common: &Common = &o.common;
    let cur = build(cfg, &current.manifest, "current release manifest").await?;
    let mut tgt = build(cfg, &target.manifest, "new release manifest").await?;
    if !common.disable_hooks {
        exec_hook_with(cfg, target, HookEvent::PreRollback, common, server_side).await?;
    }
    for r in &mut tgt {
        set_ownership_metadata(r, &target.name, &target.namespace);
    }
    // Helm 4 always hands helm's client-side fields to its apply entry on a
    // server-side rollback (nothing to do, and no request, when there are none).
    let opts = ApplyOptions {
        server_side,
        force_conflicts: o.force_conflicts,
        force_replace: o.force,
        upgrade_client_side_field_manager: server_side,
    };
    if let Err(f) = cfg.kube.update_with(&cur, &tgt, &opts).await {
        let e = f.error;
        let msg = format!("Rollback {:?} failed: {e}", target.name);
        common.log(&format!("warning: {msg}"));
        if let Some(i) = current.info.as_mut() {
            i.status = Status::Superseded;
        }
        target.set_status(Status::Failed, msg);
        record(cfg, current, common).await;
        record(cfg, target, common).await;
        if o.cleanup_on_fail {
            // As helm: the objects this rollback created (also when there are none, which
            // helm reports as a cleanup error).
            let created = f.partial.created;
            common.log(&format!(
                "Cleanup on fail set, cleaning up {} resources",
                created.len()
            ));
            if let Err(errs) = cfg.kube.delete(&created, Propagation::Background).await {
                let text: Vec<String> = errs.iter().map(|e| e.to_string()).collect();
                return Err(ReleaseError::Failed(format!(
                    "an error occurred while cleaning up resources. original rollback error: {e}: unable to cleanup resources: {}",
                    text.join(", ")
                )));
            }
            common.log("Resource cleanup complete");
        }
        return Err(e.into());
    }
    if common.wait {
        if let Err(e) = common.wait_for(&cfg.kube, &tgt).await {
            target.set_status(
                Status::Failed,
                format!("Release {:?} failed: {e}", target.name),
            );
            record(cfg, current, common).await;
            record(cfg, target, common).await;
            return Err(ReleaseError::Failed(format!(
                "release {} failed: {e}",
                target.name
            )));
        }
    }
    if !common.disable_hooks {
        exec_hook_with(cfg, target, HookEvent::PostRollback, common, server_side).await?;
    }
    let deployed = match cfg.storage.deployed_all(&current.name).await {
        Ok(d) => d,
        Err(crate::storage::StorageError::NoDeployedReleases(_)) => Vec::new(),
        Err(e) => return Err(e.into()),
    };
    for mut r in deployed {
        if let Some(i) = r.info.as_mut() {
            i.status = Status::Superseded;
        }
        record(cfg, &r, common).await;
    }
    if let Some(i) = target.info.as_mut() {
        i.status = Status::Deployed;
    }
    Ok(())
}
