//! The stuck release (issue 10, item 8): a liveness signal for the operation that holds a
//! release's `pending-*` record, and what a blocked operation tells the user.
//!
//! While an install, upgrade or rollback runs, its pending record's storage object (the
//! Secret or ConfigMap `sh.helm.release.v1.NAME.vN`) carries two annotations that helm
//! neither reads nor keeps: [`HOLDER_ANNOTATION`] (`HOST/PID/START`, START being the
//! process start time from `/proc`, so a reused PID is told apart) and
//! [`RENEWED_ANNOTATION`] (RFC 3339, rewritten every [`RENEW_INTERVAL`]). They are sent
//! with the record's own create and update requests (no extra request), and renewed by a
//! PATCH only when the operation runs longer than the interval. The record's data and
//! labels are untouched. The final write of the record (helm's unconditional PUT, which we
//! do too) carries no mark, so a finished operation leaves nothing behind.
//!
//! The holder is *provably dead* when it ran on this host and its process (PID with that
//! start time) is gone, or, from another host, when the annotation was not renewed for
//! [`EXPIRY`]. A pending record without the annotations (left by helm, or by the memory or
//! sql drivers, which have no object to annotate) is of unknown liveness.

use std::collections::BTreeMap;
use std::time::Duration;

use k8s_openapi::api::core::v1::{ConfigMap, Secret};
use kube::api::{Api, Patch, PatchParams};
use serde_json::json;

use super::config::Configuration;
use crate::release::{Release, Time};
use crate::storage::{DriverKind, HolderHandle};

/// `HOST/PID/START` of the process that holds a pending record.
pub const HOLDER_ANNOTATION: &str = "chart.sh/operation-holder";
/// When the holder last said it was alive (RFC 3339).
pub const RENEWED_ANNOTATION: &str = "chart.sh/operation-renewed";
/// How often a running operation renews [`RENEWED_ANNOTATION`].
pub const RENEW_INTERVAL: Duration = Duration::from_secs(5);
/// After how long without renewal a holder on another host is taken for dead.
pub const EXPIRY: Duration = Duration::from_secs(30);

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .map(|s| s.trim().to_owned())
        .unwrap_or_else(|_| "unknown".into())
}

/// The start time of process `pid` (field 22 of `/proc/PID/stat`), if it exists.
fn process_start(pid: u32) -> Option<String> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) may hold spaces: count from its closing parenthesis.
    let rest = &stat[stat.rfind(')')? + 2..];
    rest.split(' ').nth(19).map(str::to_owned)
}

/// This process as a holder: `HOST/PID/START`.
pub fn this_holder() -> String {
    let pid = std::process::id();
    format!(
        "{}/{pid}/{}",
        hostname(),
        process_start(pid).unwrap_or_default()
    )
}

/// Whether the operation that left a pending record is alive.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Liveness {
    /// It is running (the reason says how we know).
    Alive(String),
    /// It is provably gone.
    Dead(String),
    /// We cannot tell (no liveness signal).
    Unknown(String),
}

/// What is known about a pending record that blocks an operation.
#[derive(Clone, Debug)]
pub struct PendingInfo {
    /// Release name.
    pub name: String,
    /// Release namespace.
    pub namespace: String,
    /// The pending revision.
    pub revision: i64,
    /// Its status (`pending-upgrade`, …).
    pub status: String,
    /// When it was written (`last_deployed`).
    pub since: Time,
    /// Whether its operation is alive.
    pub liveness: Liveness,
    /// The revision a rollback would restore (the newest deployed or superseded one
    /// before the pending one), if any.
    pub rollback_to: Option<i64>,
}

impl PendingInfo {
    /// The lines printed under helm's error.
    pub fn explain(&self) -> String {
        let since = self.since.rfc3339().unwrap_or_default();
        let age = Time::now().unix() - self.since.unix();
        let mut s = format!(
            "revision {} of release {:?} in namespace {:?} is {} since {since} ({age}s ago)\n",
            self.revision, self.name, self.namespace, self.status
        );
        let ns = format!(" -n {}", self.namespace);
        match &self.liveness {
            Liveness::Alive(why) => {
                s.push_str(&format!(
                    "the operation that left it is still running ({why}): wait for it to finish\n"
                ));
            }
            Liveness::Dead(why) => {
                s.push_str(&format!("the operation that left it is gone ({why})\n"));
                s.push_str("to recover: ");
                match self.rollback_to {
                    Some(r) => s.push_str(&format!("chart rollback {}{ns} {r}", self.name)),
                    None => s.push_str(&format!("chart uninstall {}{ns}", self.name)),
                }
                s.push_str(", or repeat this command with --recover-stuck (marks the pending revision failed first)");
            }
            Liveness::Unknown(why) => {
                s.push_str(&format!(
                    "whether the operation that left it is still running is unknown ({why})\n"
                ));
                s.push_str("if it is not, recover with: ");
                match self.rollback_to {
                    Some(r) => s.push_str(&format!("chart rollback {}{ns} {r}", self.name)),
                    None => s.push_str(&format!("chart uninstall {}{ns}", self.name)),
                }
            }
        }
        s
    }
}

fn annotations(holder: &str) -> BTreeMap<String, String> {
    BTreeMap::from([
        (HOLDER_ANNOTATION.to_owned(), holder.to_owned()),
        (
            RENEWED_ANNOTATION.to_owned(),
            Time::now().rfc3339().unwrap_or_default(),
        ),
    ])
}

/// Renews the liveness mark of the pending record until stopped (or dropped).
pub struct Heartbeat {
    task: Option<tokio::task::JoinHandle<()>>,
    handle: Option<HolderHandle>,
}

impl Heartbeat {
    /// Stops renewing; later writes of the record carry no mark.
    pub fn stop(&mut self) {
        if let Some(t) = self.task.take() {
            t.abort();
        }
        if let Some(h) = self.handle.take() {
            if let Ok(mut h) = h.lock() {
                *h = None;
            }
        }
    }
}

impl Drop for Heartbeat {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Marks the pending record `rel` is about to be stored as (and every rewrite of it
/// while pending) as held by this process, and renews the mark every
/// [`RENEW_INTERVAL`] in the background (one PATCH of the storage object each time:
/// operations shorter than that send no request for it). Nothing happens for the memory
/// and sql drivers.
pub fn hold(cfg: &Configuration, rel: &Release) -> Heartbeat {
    if !matches!(cfg.driver, DriverKind::Secret | DriverKind::ConfigMap) {
        return Heartbeat {
            task: None,
            handle: None,
        };
    }
    let holder = this_holder();
    let handle = cfg.storage.holder_handle();
    if let Ok(mut h) = handle.lock() {
        *h = Some(annotations(&holder));
    }
    let client = cfg.kube.client().clone();
    let ns = cfg.namespace.clone();
    let driver = cfg.driver;
    let key = rel.key();
    let shared = handle.clone();
    let task = tokio::spawn(async move {
        loop {
            tokio::time::sleep(RENEW_INTERVAL).await;
            let ann = annotations(&holder);
            if let Ok(mut h) = shared.lock() {
                *h = Some(ann.clone());
            }
            let body = json!({"metadata": {"annotations": ann}});
            let pp = PatchParams::default();
            let _ = match driver {
                DriverKind::Secret => Api::<Secret>::namespaced(client.clone(), &ns)
                    .patch(&key, &pp, &Patch::Merge(&body))
                    .await
                    .map(|_| ()),
                _ => Api::<ConfigMap>::namespaced(client.clone(), &ns)
                    .patch(&key, &pp, &Patch::Merge(&body))
                    .await
                    .map(|_| ()),
            };
        }
    });
    Heartbeat {
        task: Some(task),
        handle: Some(handle),
    }
}

/// Reads the liveness annotations of `rel`'s storage object and judges them.
pub async fn liveness(cfg: &Configuration, rel: &Release) -> Liveness {
    let client = cfg.kube.client().clone();
    let key = rel.key();
    let annotations = match cfg.driver {
        DriverKind::Secret => Api::<Secret>::namespaced(client, &cfg.namespace)
            .get(&key)
            .await
            .ok()
            .and_then(|s| s.metadata.annotations),
        DriverKind::ConfigMap => Api::<ConfigMap>::namespaced(client, &cfg.namespace)
            .get(&key)
            .await
            .ok()
            .and_then(|s| s.metadata.annotations),
        _ => return Liveness::Unknown("the storage driver keeps no liveness signal".into()),
    };
    let a = annotations.unwrap_or_default();
    let (Some(holder), Some(renewed)) = (a.get(HOLDER_ANNOTATION), a.get(RENEWED_ANNOTATION))
    else {
        return Liveness::Unknown(
            "left by helm or by an operation that keeps no liveness signal".into(),
        );
    };
    judge(holder, renewed)
}

/// Judges a holder and its last renewal.
pub fn judge(holder: &str, renewed: &str) -> Liveness {
    let mut parts = holder.rsplitn(3, '/');
    let start = parts.next().unwrap_or_default();
    let pid = parts.next().and_then(|p| p.parse::<u32>().ok());
    let host = parts.next().unwrap_or_default();
    let age = Time::parse_rfc3339(renewed)
        .map(|t| Time::now().unix() - t.unix())
        .ok();
    if host == hostname() {
        if let Some(pid) = pid {
            return match process_start(pid) {
                Some(s) if s == start => Liveness::Alive(format!("process {pid} on this host")),
                _ => Liveness::Dead(format!("process {pid} on this host has exited")),
            };
        }
    }
    match age {
        Some(a) if a >= 0 && (a as u64) < EXPIRY.as_secs() => {
            Liveness::Alive(format!("{holder} renewed its mark {a}s ago"))
        }
        Some(a) => Liveness::Dead(format!("{holder} has not renewed its mark for {a}s")),
        None => Liveness::Unknown(format!("unreadable renewal time {renewed:?}")),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn this_process_is_alive_and_a_gone_one_is_dead() {
        let now = Time::now().rfc3339().unwrap();
        assert!(matches!(judge(&this_holder(), &now), Liveness::Alive(_)));
        let other = format!("{}/{}/1", hostname(), u32::MAX - 1);
        assert!(matches!(judge(&other, &now), Liveness::Dead(_)));
        assert!(matches!(judge("elsewhere/1/1", &now), Liveness::Alive(_)));
        assert!(matches!(
            judge("elsewhere/1/1", "2020-01-01T00:00:00Z"),
            Liveness::Dead(_)
        ));
    }
}
