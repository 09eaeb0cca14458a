//! Running hooks (helm's `execHook` in `pkg/action/hooks.go`): the hooks of one event by
//! weight then name, each deleted first when its policy says `before-hook-creation`,
//! recorded as running, created, waited for (Jobs until complete, Pods until
//! succeeded), and deleted afterwards by the `hook-succeeded` / `hook-failed` policies.

use super::config::Configuration;
use super::deploy::{record, Common, ReleaseError};
use crate::kube::{ApplyOptions, Propagation};
use crate::release::{HookDeletePolicy, HookEvent, HookPhase, Release, Time};

/// Runs the hooks of `event` of `rel`, updating their `last_run` in the record.
pub async fn exec_hook(
    cfg: &Configuration,
    rel: &mut Release,
    event: HookEvent,
    common: &Common,
) -> Result<(), ReleaseError> {
    exec_hook_with(cfg, rel, event, common, false).await
}

/// [`exec_hook`]; with `server_side` the hook objects are created by server-side apply
/// (Helm 4 with `--server-side`).
pub async fn exec_hook_with(
    cfg: &Configuration,
    rel: &mut Release,
    event: HookEvent,
    common: &Common,
    server_side: bool,
) -> Result<(), ReleaseError> {
    let create = ApplyOptions {
        server_side,
        ..ApplyOptions::default()
    };
    let mut order: Vec<usize> = (0..rel.hooks.len())
        .filter(|&i| rel.hooks[i].runs_on(&event))
        .collect();
    // The hooks are in kind order already; a stable sort keeps it between equals.
    order.sort_by(|&a, &b| {
        let (ha, hb) = (&rel.hooks[a], &rel.hooks[b]);
        ha.weight
            .cmp(&hb.weight)
            .then_with(|| ha.name.cmp(&hb.name))
    });
    for &i in &order {
        rel.hooks[i].apply_default_delete_policy();
        delete_by_policy(cfg, rel, i, HookDeletePolicy::BeforeHookCreation, common).await?;
        let h = &rel.hooks[i];
        let resources = cfg.kube.build(&h.manifest).await.map_err(|e| {
            ReleaseError::Failed(format!(
                "unable to build kubernetes object for {event} hook {}: {e}",
                h.path
            ))
        })?;
        rel.hooks[i].last_run.started_at = Time::now();
        rel.hooks[i].last_run.completed_at = Time::ZERO;
        rel.hooks[i].last_run.phase = HookPhase::Running;
        record(cfg, rel, common).await;
        rel.hooks[i].last_run.phase = HookPhase::Unknown;
        if let Err(e) = cfg.kube.create_with(&resources, &create).await {
            rel.hooks[i].last_run.completed_at = Time::now();
            rel.hooks[i].last_run.phase = HookPhase::Failed;
            return Err(ReleaseError::Failed(format!(
                "warning: Hook {event} {} failed: {e}",
                rel.hooks[i].path
            )));
        }
        let waited = cfg.kube.watch_until_ready(&resources, common.timeout).await;
        rel.hooks[i].last_run.completed_at = Time::now();
        if let Err(e) = waited {
            rel.hooks[i].last_run.phase = HookPhase::Failed;
            delete_by_policy(cfg, rel, i, HookDeletePolicy::HookFailed, common).await?;
            return Err(e.into());
        }
        rel.hooks[i].last_run.phase = HookPhase::Succeeded;
    }
    for &i in order.iter().rev() {
        delete_by_policy(cfg, rel, i, HookDeletePolicy::HookSucceeded, common).await?;
    }
    Ok(())
}

/// helm's `deleteHookByPolicy`: deletes the hook's objects and waits until they are gone
/// when it has `policy` (never for CRDs).
async fn delete_by_policy(
    cfg: &Configuration,
    rel: &Release,
    i: usize,
    policy: HookDeletePolicy,
    common: &Common,
) -> Result<(), ReleaseError> {
    let h = &rel.hooks[i];
    if h.kind == "CustomResourceDefinition" || !h.delete_policies.contains(&policy) {
        return Ok(());
    }
    let resources = cfg.kube.build(&h.manifest).await.map_err(|e| {
        ReleaseError::Failed(format!(
            "unable to build kubernetes object for deleting hook {}: {e}",
            h.path
        ))
    })?;
    match cfg.kube.delete(&resources, Propagation::Background).await {
        Ok(_) => {}
        Err(errs) => {
            let text: Vec<String> = errs.iter().map(|e| e.to_string()).collect();
            return Err(ReleaseError::Failed(text.join("; ")));
        }
    }
    cfg.kube
        .wait_for_delete(&resources, common.timeout)
        .await
        .map_err(ReleaseError::from)
}
