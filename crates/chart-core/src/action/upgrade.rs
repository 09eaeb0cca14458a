//! `upgrade NAME CHART` (helm's `pkg/action/upgrade.go`): the pending-record lock, the
//! values rules (`--reuse-values` and friends), render as revision last + 1, the
//! ownership check of resources new to the release, the `pending-upgrade` record, hooks,
//! the three-way-merge update against the previous manifest, wait, and the
//! superseded/deployed transitions; `--atomic` rolls back, `--cleanup-on-fail` deletes
//! what this upgrade created.
//!
//! Beyond helm: when the last revision is pending, the error says which revision, since
//! when, whether its operation is alive ([`super::lock`]) and how to recover; with
//! `recover_stuck` a pending revision whose operation is provably gone is marked failed
//! (and said so) before the upgrade proceeds.

use std::collections::{BTreeMap, HashSet};

use gotmpl::Value;

use super::config::Configuration;
use super::deploy::{
    apply_method, build, capabilities, check_labels, object_key, record, render_for_cluster,
    Common, ReleaseError, RenderFor, ServerSide,
};
use super::hooks::exec_hook_with;
use super::install::{validate_release_name, ActionError};
use super::lock::{self, Liveness, PendingInfo};
use super::release_install::DryRun;
use super::rollback::{rollback, RollbackOptions};
use crate::chart::Chart;
use crate::kube::{set_ownership_metadata, ApplyOptions, Propagation, ResourceList};
use crate::release::{ChartRecord, HookEvent, Info, Release, Status, Time};
use crate::storage::{sort_by_revision, StorageError};
use crate::values;

/// Options of `upgrade`.
#[derive(Clone, Debug, Default)]
pub struct UpgradeOptions {
    /// `--dry-run`.
    pub dry_run: DryRun,
    /// `--reuse-values`.
    pub reuse_values: bool,
    /// `--reset-values`.
    pub reset_values: bool,
    /// `--reset-then-reuse-values`.
    pub reset_then_reuse_values: bool,
    /// `--force`.
    pub force: bool,
    /// `--cleanup-on-fail`.
    pub cleanup_on_fail: bool,
    /// `--history-max` (0: unlimited).
    pub max_history: usize,
    /// `--atomic` (implies wait).
    pub atomic: bool,
    /// `--description`.
    pub description: String,
    /// `--labels` (an empty value deletes a label, as helm's `null`).
    pub labels: BTreeMap<String, String>,
    /// `--render-subchart-notes`.
    pub sub_notes: bool,
    /// `--skip-schema-validation`.
    pub skip_schema_validation: bool,
    /// `--enable-dns`.
    pub enable_dns: bool,
    /// `--recover-stuck`: a pending last revision whose operation is provably gone is
    /// marked failed first (ours; helm has no such flag).
    pub recover_stuck: bool,
    /// `--server-side` (Helm 4): server-side apply, client-side, or (`Auto`, the
    /// default) the method recorded on the last revision.
    pub server_side: ServerSide,
    /// `--force-conflicts` (with server-side apply): take fields owned by other managers.
    pub force_conflicts: bool,
    /// Wait, timeout, hooks, progress.
    pub common: Common,
}

/// What an upgrade did.
#[derive(Debug)]
pub struct Upgraded {
    /// The new revision as recorded.
    pub release: Release,
    /// Warnings to print on stderr.
    pub warnings: Vec<String>,
}

/// What a blocked operation knows about the pending record `last`.
pub async fn pending_info(cfg: &Configuration, last: &Release) -> PendingInfo {
    let liveness = lock::liveness(cfg, last).await;
    let mut rollback_to = None;
    if let Ok(mut h) = cfg.storage.history(&last.name).await {
        sort_by_revision(&mut h);
        rollback_to = h
            .iter()
            .rev()
            .find(|r| {
                r.version < last.version
                    && matches!(r.status(), Status::Deployed | Status::Superseded)
            })
            .map(|r| r.version);
    }
    PendingInfo {
        name: last.name.clone(),
        namespace: last.namespace.clone(),
        revision: last.version,
        status: last.status().as_str().to_owned(),
        since: last
            .info
            .as_ref()
            .map(|i| i.last_deployed)
            .unwrap_or_default(),
        liveness,
        rollback_to,
    }
}

/// Upgrades release `name` to `ch` with the user values `user`.
pub async fn upgrade(
    cfg: &mut Configuration,
    name: &str,
    mut ch: Chart,
    user: Value,
    o: &UpgradeOptions,
) -> Result<Upgraded, ReleaseError> {
    validate_release_name(name)?;
    check_labels(&o.labels)?;
    let mut common = o.common.clone();
    if o.atomic {
        common.wait = true;
    }
    cfg.storage.max_history = o.max_history;
    let mut last = match cfg.storage.last(name).await {
        Ok(l) => l,
        Err(StorageError::NotFound | StorageError::NoRevision(_)) => {
            return Err(StorageError::NoDeployedReleases(name.to_owned()).into())
        }
        Err(e) => return Err(e.into()),
    };
    if last.status().is_pending() {
        let info = pending_info(cfg, &last).await;
        match (&info.liveness, o.recover_stuck) {
            (Liveness::Dead(why), true) => {
                let msg = format!(
                    "revision {} was {} and its operation is gone ({why}): marked failed by --recover-stuck",
                    last.version,
                    last.status().as_str()
                );
                common.log(&msg);
                last.set_status(Status::Failed, msg);
                cfg.storage.update(&last).await?;
            }
            _ => return Err(ReleaseError::Pending(Box::new(info))),
        }
    }
    let server_side = o.server_side.resolve(&last);
    ApplyOptions {
        server_side,
        force_conflicts: o.force_conflicts,
        force_replace: o.force,
        upgrade_client_side_field_manager: false,
    }
    .validate()?;
    let current = if last.status() == Status::Deployed {
        last.clone()
    } else {
        match cfg.storage.deployed(name).await {
            Ok(d) => d,
            Err(StorageError::NoDeployedReleases(_))
                if matches!(last.status(), Status::Failed | Status::Superseded) =>
            {
                last.clone()
            }
            Err(e) => return Err(e.into()),
        }
    };
    let user = reuse_values(&mut ch, &current, user, o)?;
    let revision = last.version + 1;
    let remote = o.dry_run != DryRun::Client;
    let caps = if remote {
        capabilities(&cfg.kube).await?
    } else {
        crate::engine::Capabilities::default()
    };
    let namespace = current.namespace.clone();
    let rendered = render_for_cluster(
        cfg,
        &mut ch,
        &user,
        &caps,
        &RenderFor {
            name,
            namespace: &namespace,
            revision,
            is_upgrade: true,
            sub_notes: o.sub_notes,
            skip_schema_validation: o.skip_schema_validation,
            enable_dns: o.enable_dns,
            remote,
        },
    )?;
    let mut labels = last.labels.clone();
    for (k, v) in &o.labels {
        if v == "null" {
            labels.remove(k);
        } else {
            labels.insert(k.clone(), v.clone());
        }
    }
    let mut upgraded = Release {
        name: name.to_owned(),
        namespace: namespace.clone(),
        chart: Some(ChartRecord::from_chart(&ch).map_err(ActionError::from)?),
        config: user,
        info: Some(Info {
            first_deployed: current
                .info
                .as_ref()
                .map(|i| i.first_deployed)
                .unwrap_or_default(),
            last_deployed: Time::now(),
            status: Status::PendingUpgrade,
            description: "Preparing upgrade".into(),
            notes: rendered.notes.clone(),
            ..Info::default()
        }),
        version: revision,
        manifest: rendered.manifest.clone(),
        hooks: rendered.hooks.clone(),
        labels,
        apply_method: apply_method(server_side),
    };
    let warnings = rendered.warnings;
    if o.dry_run == DryRun::Client {
        set_desc(&mut upgraded, o, "Dry run complete");
        return Ok(Upgraded {
            release: upgraded,
            warnings,
        });
    }
    let mut cur = build(cfg, &current.manifest, "current release manifest")
        .await
        .map_err(|e| {
            if e.to_string().contains("no matches for kind") {
                ReleaseError::Failed(format!("current release manifest contains removed kubernetes api(s) for this kubernetes version and it is therefore unable to build the kubernetes objects for performing the diff. error from kubernetes: {e}"))
            } else {
                e
            }
        })?;
    let mut target = build(cfg, &upgraded.manifest, "new release manifest").await?;
    for r in &mut target {
        set_ownership_metadata(r, name, &namespace);
    }
    let existing: HashSet<String> = cur.iter().map(object_key).collect();
    let to_be_created: ResourceList = target
        .iter()
        .filter(|r| !existing.contains(&object_key(r)))
        .cloned()
        .collect();
    let to_be_updated = cfg
        .kube
        .existing_resource_conflict(&to_be_created, name, &namespace)
        .await
        .map_err(|e| ReleaseError::Kube(e).wrap("Unable to continue with update"))?;
    cur.extend(to_be_updated);
    if o.dry_run.is_dry() {
        set_desc(&mut upgraded, o, "Dry run complete");
        return Ok(Upgraded {
            release: upgraded,
            warnings,
        });
    }
    let mut heartbeat = lock::hold(cfg, &upgraded);
    cfg.storage.create(&upgraded).await?;
    let mut original = current;
    let res = releasing(
        cfg,
        &mut upgraded,
        &mut original,
        (&cur, &target),
        o,
        &common,
        server_side,
    )
    .await;
    heartbeat.stop();
    match res {
        Ok(()) => {
            if let Err(e) = cfg.storage.update(&upgraded).await {
                common.log(&format!("failed to record the release: {e}"));
            }
            Ok(Upgraded {
                release: upgraded,
                warnings,
            })
        }
        Err((e, created)) => Err(fail_release(cfg, &mut upgraded, created, e, o, &common).await),
    }
}

fn set_desc(rel: &mut Release, o: &UpgradeOptions, default: &str) {
    if let Some(i) = rel.info.as_mut() {
        i.description = if o.description.is_empty() {
            default.to_owned()
        } else {
            o.description.clone()
        };
    }
}

/// helm's `reuseValues`: which user values the new revision stores and renders with.
fn reuse_values(
    ch: &mut Chart,
    current: &Release,
    user: Value,
    o: &UpgradeOptions,
) -> Result<Value, ReleaseError> {
    if o.reset_values {
        return Ok(user);
    }
    let merge_prev = |user: Value| -> Value {
        let (Some(u), Some(p)) = (values::as_map(&user), values::as_map(&current.config)) else {
            return if values::is_table(&user) {
                user
            } else {
                current.config.clone()
            };
        };
        values::coalesce::coalesce_tables(u, p);
        user
    };
    if o.reuse_values {
        // The old release's coalesced values replace the new chart's defaults.
        if let Some(old) = &current.chart {
            let old_chart = old.to_chart();
            let c = values::coalesce::coalesce_values(&old_chart, &current.config)
                .map_err(|e| ActionError::Values(e.to_string()))?;
            ch.values = c.values;
        }
        return Ok(merge_prev(user.deep_copy()));
    }
    if o.reset_then_reuse_values {
        return Ok(merge_prev(user.deep_copy()));
    }
    let empty = values::as_map(&user).is_none_or(|m| m.is_empty());
    let prev_set = values::as_map(&current.config).is_some_and(|m| !m.is_empty());
    if empty && prev_set {
        return Ok(current.config.clone());
    }
    Ok(user)
}

type Failure = (ReleaseError, ResourceList);

async fn releasing(
    cfg: &Configuration,
    upgraded: &mut Release,
    original: &mut Release,
    (current, target): (&ResourceList, &ResourceList),
    o: &UpgradeOptions,
    common: &Common,
    server_side: bool,
) -> Result<(), Failure> {
    if !common.disable_hooks {
        if let Err(e) =
            exec_hook_with(cfg, upgraded, HookEvent::PreUpgrade, common, server_side).await
        {
            return Err((
                ReleaseError::Failed(format!("pre-upgrade hooks failed: {e}")),
                Vec::new(),
            ));
        }
    }
    // Moving from client-side to server-side apply: helm's client-side fields are
    // handed to its apply entry first (Helm 4).
    let opts = ApplyOptions {
        server_side,
        force_conflicts: o.force_conflicts,
        force_replace: o.force,
        upgrade_client_side_field_manager: server_side && !original.server_side_applied(),
    };
    let results = match cfg.kube.update_with(current, target, &opts).await {
        Ok(r) => r,
        Err(f) => {
            record(cfg, original, common).await;
            return Err((f.error.into(), f.partial.created));
        }
    };
    if common.wait {
        if let Err(e) = common.wait_for(&cfg.kube, target).await {
            record(cfg, original, common).await;
            return Err((e.into(), results.created));
        }
    }
    if !common.disable_hooks {
        if let Err(e) =
            exec_hook_with(cfg, upgraded, HookEvent::PostUpgrade, common, server_side).await
        {
            return Err((
                ReleaseError::Failed(format!("post-upgrade hooks failed: {e}")),
                results.created,
            ));
        }
    }
    if let Some(i) = original.info.as_mut() {
        i.status = Status::Superseded;
    }
    record(cfg, original, common).await;
    if let Some(i) = upgraded.info.as_mut() {
        i.status = Status::Deployed;
        i.description = if o.description.is_empty() {
            "Upgrade complete".into()
        } else {
            o.description.clone()
        };
    }
    Ok(())
}

async fn fail_release(
    cfg: &mut Configuration,
    rel: &mut Release,
    created: ResourceList,
    err: ReleaseError,
    o: &UpgradeOptions,
    common: &Common,
) -> ReleaseError {
    let msg = format!("Upgrade {:?} failed: {err}", rel.name);
    common.log(&format!("warning: {msg}"));
    rel.set_status(Status::Failed, msg);
    record(cfg, rel, common).await;
    if o.cleanup_on_fail && !created.is_empty() {
        common.log(&format!(
            "Cleanup on fail set, cleaning up {} resources",
            created.len()
        ));
        if let Err(errs) = cfg.kube.delete(&created, Propagation::Background).await {
            let text: Vec<String> = errs.iter().map(|e| e.to_string()).collect();
            return ReleaseError::Failed(format!(
                "an error occurred while cleaning up resources. original upgrade error: {err}: unable to cleanup resources: {}",
                text.join(", ")
            ));
        }
        common.log("Resource cleanup complete");
    }
    if o.atomic {
        common.log("Upgrade failed and atomic is set, rolling back to last successful release");
        let hist = match cfg.storage.history(&rel.name).await {
            Ok(h) => h,
            Err(he) => {
                return ReleaseError::Failed(format!(
                    "an error occurred while finding last successful release. original upgrade error: {err}: {he}"
                ))
            }
        };
        let mut ok: Vec<Release> = hist
            .into_iter()
            .filter(|r| matches!(r.status(), Status::Superseded | Status::Deployed))
            .collect();
        sort_by_revision(&mut ok);
        let Some(to) = ok.last() else {
            return ReleaseError::Failed(format!(
                "unable to find a previously successful release when attempting to rollback. original upgrade error: {err}"
            ));
        };
        let ro = RollbackOptions {
            version: to.version,
            force: o.force,
            max_history: o.max_history,
            server_side: o.server_side,
            force_conflicts: o.force_conflicts,
            common: Common {
                wait: true,
                ..common.clone()
            },
            ..RollbackOptions::default()
        };
        if let Err(re) = rollback(cfg, &rel.name, &ro).await {
            return ReleaseError::Failed(format!(
                "an error occurred while rolling back the release. original upgrade error: {err}: {re}"
            ));
        }
        return ReleaseError::Failed(format!(
            "release {} failed, and has been rolled back due to atomic being set: {err}",
            rel.name
        ));
    }
    err
}
