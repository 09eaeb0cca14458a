//! `test NAME` (helm's `pkg/action/release_testing.go`): runs the release's `test` hooks
//! (optionally only or all but some of them, by name) and records their runs; the logs of
//! the test pods on request.

use super::config::Configuration;
use super::deploy::{Common, ReleaseError};
use super::hooks::exec_hook;
use super::install::validate_release_name;
use crate::release::{Hook, HookEvent, Release};

/// Options of `test`.
#[derive(Clone, Debug, Default)]
pub struct TestOptions {
    /// `--filter name=X` values: only these hooks run.
    pub include: Vec<String>,
    /// `--filter '!name=X'` values: these hooks do not run.
    pub exclude: Vec<String>,
    /// `--timeout`.
    pub common: Common,
}

/// Runs the tests of release `name`. The release (with the hooks' runs) comes back with
/// the error when a test failed, so that it can still be printed.
pub async fn run_tests(
    cfg: &Configuration,
    name: &str,
    o: &TestOptions,
) -> Result<Release, (Option<Release>, ReleaseError)> {
    cfg.kube
        .is_reachable()
        .await
        .map_err(|e| (None, e.into()))?;
    if validate_release_name(name).is_err() {
        return Err((
            None,
            ReleaseError::Failed(format!("releaseTest: Release name is invalid: {name}")),
        ));
    }
    let mut rel = cfg.storage.last(name).await.map_err(|e| (None, e.into()))?;
    let mut skipped: Vec<Hook> = Vec::new();
    if !o.exclude.is_empty() {
        let (s, run): (Vec<Hook>, Vec<Hook>) = std::mem::take(&mut rel.hooks)
            .into_iter()
            .partition(|h| o.exclude.contains(&h.name));
        skipped.extend(s);
        rel.hooks = run;
    }
    if !o.include.is_empty() {
        let (run, s): (Vec<Hook>, Vec<Hook>) = std::mem::take(&mut rel.hooks)
            .into_iter()
            .partition(|h| o.include.contains(&h.name));
        skipped.extend(s);
        rel.hooks = run;
    }
    let res = exec_hook(cfg, &mut rel, HookEvent::Test, &o.common).await;
    let mut hooks = skipped;
    hooks.append(&mut rel.hooks);
    rel.hooks = hooks;
    match res {
        Err(e) => {
            let _ = cfg.storage.update(&rel).await;
            Err((Some(rel), e))
        }
        Ok(()) => match cfg.storage.update(&rel).await {
            Ok(()) => Ok(rel),
            Err(e) => Err((Some(rel), e.into())),
        },
    }
}

/// helm's `GetPodLogs`: `POD LOGS: NAME\n<log>\n` for every test hook that ran, by weight.
pub async fn pod_logs(
    cfg: &Configuration,
    rel: &Release,
    o: &TestOptions,
) -> Result<String, ReleaseError> {
    let mut hooks: Vec<&Hook> = rel.hooks.iter().collect();
    hooks.sort_by(|a, b| a.weight.cmp(&b.weight).then_with(|| a.name.cmp(&b.name)));
    let mut out = String::new();
    for h in hooks {
        if !h.runs_on(&HookEvent::Test)
            || o.exclude.contains(&h.name)
            || (!o.include.is_empty() && !o.include.contains(&h.name))
        {
            continue;
        }
        let api: kube::Api<k8s_openapi::api::core::v1::Pod> =
            kube::Api::namespaced(cfg.kube.client().clone(), &rel.namespace);
        let log = api
            .logs(&h.name, &kube::api::LogParams::default())
            .await
            .map_err(|e| {
                ReleaseError::Failed(format!("unable to get pod logs for {}: {e}", h.name))
            })?;
        out.push_str(&format!("POD LOGS: {}\n{log}\n", h.name));
    }
    Ok(out)
}
