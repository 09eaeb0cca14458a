//! `--wait`: helm's readiness rules (pkg/kube/ready.go) and its polling waiter
//! (pkg/kube/wait.go), reporting what is still not ready and why.

use std::time::Duration;

use serde_json::Value;

use super::client::KubeClient;
use super::error::Error;
use super::patch::json_eq;
use super::resource::ResourceInfo;

/// How to wait.
#[derive(Clone, Debug)]
pub struct WaitOptions {
    /// `--timeout` (helm's default 5m).
    pub timeout: Duration,
    /// `--wait-for-jobs`: Jobs must have completed.
    pub check_jobs: bool,
    /// Paused Deployments count as ready (helm always sets this).
    pub paused_as_ready: bool,
}

impl Default for WaitOptions {
    fn default() -> Self {
        WaitOptions {
            timeout: Duration::from_secs(300),
            check_jobs: false,
            paused_as_ready: true,
        }
    }
}

/// One resource that is not ready yet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NotReady {
    /// Its kind.
    pub kind: String,
    /// Its name.
    pub name: String,
    /// Its namespace (empty for cluster-scoped).
    pub namespace: String,
    /// Why (helm's log text, e.g. `0 out of 1 expected pods are ready`), or
    /// `not checked yet` for resources behind the first one that is not ready.
    pub reason: String,
}

/// The state of a wait after one poll, for a live progress view.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WaitStatus {
    /// How many resources are ready.
    pub ready: usize,
    /// The resources that are not (known to be) ready, in order.
    pub pending: Vec<NotReady>,
}

/// The readiness rules of helm's `ReadyChecker`.
pub struct ReadyChecker<'c> {
    client: &'c KubeClient,
    opts: WaitOptions,
}

fn i64_at(v: &Value, path: &[&str]) -> Option<i64> {
    let mut cur = v;
    for p in path {
        cur = cur.get(p)?;
    }
    cur.as_i64()
}

fn str_at<'a>(v: &'a Value, path: &[&str]) -> &'a str {
    let mut cur = v;
    for p in path {
        match cur.get(p) {
            Some(x) => cur = x,
            None => return "",
        }
    }
    cur.as_str().unwrap_or("")
}

fn generation_reason(kind: &str, obj: &Value) -> Option<String> {
    let observed = i64_at(obj, &["status", "observedGeneration"]).unwrap_or(0);
    let generation = i64_at(obj, &["metadata", "generation"]).unwrap_or(0);
    (observed != generation).then(|| {
        format!("{kind} is not ready: observedGeneration ({observed}) does not match spec generation ({generation})")
    })
}

/// intstr's `GetScaledValueFromIntOrPercent`.
fn scaled(v: Option<&Value>, total: i64, round_up: bool) -> Result<i64, String> {
    match v {
        None | Some(Value::Null) => Ok(0),
        Some(Value::Number(n)) => Ok(n.as_i64().unwrap_or(0)),
        Some(Value::String(s)) => {
            let p = s
                .strip_suffix('%')
                .and_then(|x| x.parse::<i64>().ok())
                .ok_or_else(|| format!("invalid value for IntOrString: invalid value {s:?}"))?;
            let x = p * total;
            Ok(if round_up {
                (x + 99).div_euclid(100)
            } else {
                x.div_euclid(100)
            })
        }
        Some(other) => Err(format!("invalid value for IntOrString: {other}")),
    }
}

/// deploymentutil's `MaxUnavailable`.
fn max_unavailable(dep: &Value) -> i64 {
    let replicas = i64_at(dep, &["spec", "replicas"]).unwrap_or(1);
    if str_at(dep, &["spec", "strategy", "type"]) != "RollingUpdate" || replicas == 0 {
        return 0;
    }
    let ru = dep
        .get("spec")
        .and_then(|s| s.get("strategy"))
        .and_then(|s| s.get("rollingUpdate"));
    let surge = scaled(ru.and_then(|r| r.get("maxSurge")), replicas, true).unwrap_or(0);
    let mut unavailable =
        scaled(ru.and_then(|r| r.get("maxUnavailable")), replicas, false).unwrap_or(0);
    if surge == 0 && unavailable == 0 {
        unavailable = 1;
    }
    unavailable.min(replicas)
}

/// A `matchLabels`/`matchExpressions` selector as a label selector string.
fn selector_string(sel: Option<&Value>) -> Result<String, Error> {
    let Some(sel) = sel else {
        return Ok(String::new());
    };
    // (key, requirement), sorted by key as apimachinery's selector prints them.
    let mut parts: Vec<(String, String)> = Vec::new();
    if let Some(m) = sel.get("matchLabels").and_then(Value::as_object) {
        for (k, v) in m {
            parts.push((k.clone(), format!("{k}={}", v.as_str().unwrap_or(""))));
        }
    }
    for e in sel
        .get("matchExpressions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let key = str_at(e, &["key"]);
        let values: Vec<&str> = e
            .get("values")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        let mut values = values;
        values.sort_unstable();
        let text = match str_at(e, &["operator"]) {
            "In" => format!("{key} in ({})", values.join(",")),
            "NotIn" => format!("{key} notin ({})", values.join(",")),
            "Exists" => key.to_string(),
            "DoesNotExist" => format!("!{key}"),
            op => {
                return Err(Error::Failed(format!(
                    "invalid label selector: {op:?} is not a valid pod selector operator"
                )))
            }
        };
        parts.push((key.to_string(), text));
    }
    parts.sort_by(|a, b| a.0.cmp(&b.0));
    let texts: Vec<String> = parts.into_iter().map(|(_, t)| t).collect();
    Ok(texts.join(","))
}

fn pod_ready(pod: &Value) -> bool {
    pod.get("status")
        .and_then(|s| s.get("conditions"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .any(|c| str_at(c, &["type"]) == "Ready" && str_at(c, &["status"]) == "True")
}

fn without_hash(template: Option<&Value>) -> Value {
    let mut t = template.cloned().unwrap_or(Value::Null);
    if let Some(labels) = t
        .get_mut("metadata")
        .and_then(|m| m.get_mut("labels"))
        .and_then(Value::as_object_mut)
    {
        labels.remove("pod-template-hash");
        if labels.is_empty() {
            if let Some(md) = t.get_mut("metadata").and_then(Value::as_object_mut) {
                md.remove("labels");
            }
        }
    }
    t
}

impl<'c> ReadyChecker<'c> {
    /// A checker with these options.
    pub fn new(client: &'c KubeClient, opts: WaitOptions) -> ReadyChecker<'c> {
        ReadyChecker { client, opts }
    }

    /// helm's `IsReady`: `Ok(None)` when ready, `Ok(Some(reason))` when not.
    pub async fn is_ready(&self, info: &ResourceInfo) -> Result<Option<String>, Error> {
        let g = info.gvk.group.as_str();
        let kind = info.gvk.kind.as_str();
        let apps = matches!(g, "apps" | "extensions");
        let ns = &info.namespace;
        let name = &info.name;
        match (g, kind) {
            ("", "Pod") => {
                let pod = self.client.get_live(info).await?;
                Ok((!pod_ready(&pod)).then(|| format!("Pod is not ready: {ns}/{name}")))
            }
            ("batch", "Job") if self.opts.check_jobs => {
                let job = self.client.get_live(info).await?;
                let failed = i64_at(&job, &["status", "failed"]).unwrap_or(0);
                let backoff = i64_at(&job, &["spec", "backoffLimit"]).unwrap_or(6);
                if failed > backoff {
                    return Err(Error::Failed(format!("job is failed: {ns}/{name}")));
                }
                if let Some(c) = i64_at(&job, &["spec", "completions"]) {
                    if i64_at(&job, &["status", "succeeded"]).unwrap_or(0) < c {
                        return Ok(Some(format!("Job is not completed: {ns}/{name}")));
                    }
                }
                Ok(None)
            }
            (_, "Deployment") if apps => self.deployment_ready(info).await,
            ("", "PersistentVolumeClaim") => {
                let pvc = self.client.get_live(info).await?;
                Ok((str_at(&pvc, &["status", "phase"]) != "Bound")
                    .then(|| format!("PersistentVolumeClaim is not bound: {ns}/{name}")))
            }
            ("", "Service") => {
                let svc = self.client.get_live(info).await?;
                Ok(service_reason(&svc, ns, name))
            }
            (_, "DaemonSet") if apps => {
                let ds = self.client.get_live(info).await?;
                Ok(daemonset_reason(&ds))
            }
            ("apiextensions.k8s.io", "CustomResourceDefinition") => {
                let crd = self.client.get_live(info).await?;
                let ready = crd
                    .get("status")
                    .and_then(|s| s.get("conditions"))
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .any(|c| {
                        let (t, s) = (str_at(c, &["type"]), str_at(c, &["status"]));
                        (t == "Established" && s == "True")
                            || (t == "NamesAccepted" && s == "False")
                    });
                Ok((!ready).then(|| "CustomResourceDefinition is not established".to_string()))
            }
            ("apps", "StatefulSet") => {
                let sts = self.client.get_live(info).await?;
                Ok(statefulset_reason(&sts))
            }
            ("", "ReplicationController") | (_, "ReplicaSet")
                if kind == "ReplicationController" || apps =>
            {
                let obj = self.client.get_live(info).await?;
                if let Some(r) = generation_reason(kind, &obj) {
                    return Ok(Some(r));
                }
                let selector = if kind == "ReplicationController" {
                    let m = obj
                        .get("spec")
                        .and_then(|s| s.get("selector"))
                        .and_then(Value::as_object);
                    m.map(|m| {
                        m.iter()
                            .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or("")))
                            .collect::<Vec<_>>()
                            .join(",")
                    })
                    .unwrap_or_default()
                } else {
                    selector_string(obj.get("spec").and_then(|s| s.get("selector")))?
                };
                let pods = self
                    .client
                    .list_path(&format!("/api/v1/namespaces/{ns}/pods"), &selector)
                    .await?;
                for p in &pods {
                    if !pod_ready(p) {
                        return Ok(Some(format!(
                            "Pod is not ready: {ns}/{}",
                            str_at(p, &["metadata", "name"])
                        )));
                    }
                }
                Ok(None)
            }
            _ => Ok(None),
        }
    }

    async fn deployment_ready(&self, info: &ResourceInfo) -> Result<Option<String>, Error> {
        let ns = &info.namespace;
        let dep = self.client.get_live(info).await?;
        if dep
            .get("spec")
            .and_then(|s| s.get("paused"))
            .and_then(Value::as_bool)
            == Some(true)
        {
            return Ok((!self.opts.paused_as_ready).then(|| "Deployment is paused".to_string()));
        }
        let selector = selector_string(dep.get("spec").and_then(|s| s.get("selector")))?;
        let rss = self
            .client
            .list_path(
                &format!("/apis/apps/v1/namespaces/{ns}/replicasets"),
                &selector,
            )
            .await?;
        let uid = str_at(&dep, &["metadata", "uid"]);
        let template = without_hash(dep.get("spec").and_then(|s| s.get("template")));
        let mut owned: Vec<&Value> = rss
            .iter()
            .filter(|rs| {
                rs.get("metadata")
                    .and_then(|m| m.get("ownerReferences"))
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .any(|o| {
                        o.get("controller").and_then(Value::as_bool) == Some(true)
                            && str_at(o, &["uid"]) == uid
                    })
            })
            .collect();
        owned.sort_by(|a, b| {
            str_at(a, &["metadata", "creationTimestamp"])
                .cmp(str_at(b, &["metadata", "creationTimestamp"]))
                .then_with(|| {
                    str_at(a, &["metadata", "name"]).cmp(str_at(b, &["metadata", "name"]))
                })
        });
        let Some(rs) = owned.into_iter().find(|rs| {
            json_eq(
                &without_hash(rs.get("spec").and_then(|s| s.get("template"))),
                &template,
            )
        }) else {
            return Ok(Some(format!(
                "Deployment is not ready: {ns}/{}. no new ReplicaSet",
                info.name
            )));
        };
        if let Some(r) = generation_reason("ReplicaSet", rs) {
            return Ok(Some(r));
        }
        if let Some(r) = generation_reason("Deployment", &dep) {
            return Ok(Some(r));
        }
        let replicas = i64_at(&dep, &["spec", "replicas"]).unwrap_or(1);
        let expected = replicas - max_unavailable(&dep);
        let ready = i64_at(rs, &["status", "readyReplicas"]).unwrap_or(0);
        if ready < expected {
            return Ok(Some(format!(
                "Deployment is not ready: {ns}/{}. {ready} out of {expected} expected pods are ready",
                info.name
            )));
        }
        Ok(None)
    }
}

fn service_reason(svc: &Value, ns: &str, name: &str) -> Option<String> {
    let t = str_at(svc, &["spec", "type"]);
    if t == "ExternalName" {
        return None;
    }
    if str_at(svc, &["spec", "clusterIP"]).is_empty() {
        return Some(format!(
            "Service does not have cluster IP address: {ns}/{name}"
        ));
    }
    if t == "LoadBalancer" {
        let external = svc
            .get("spec")
            .and_then(|s| s.get("externalIPs"))
            .and_then(Value::as_array)
            .is_some_and(|a| !a.is_empty());
        if external {
            return None;
        }
        let ingress = svc
            .get("status")
            .and_then(|s| s.get("loadBalancer"))
            .and_then(|l| l.get("ingress"));
        if ingress.is_none_or(Value::is_null) {
            return Some(format!(
                "Service does not have load balancer ingress IP address: {ns}/{name}"
            ));
        }
    }
    None
}

fn daemonset_reason(ds: &Value) -> Option<String> {
    if let Some(r) = generation_reason("DaemonSet", ds) {
        return Some(r);
    }
    if str_at(ds, &["spec", "updateStrategy", "type"]) != "RollingUpdate" {
        return None;
    }
    let desired = i64_at(ds, &["status", "desiredNumberScheduled"]).unwrap_or(0);
    let updated = i64_at(ds, &["status", "updatedNumberScheduled"]).unwrap_or(0);
    if updated != desired {
        return Some(format!(
            "DaemonSet is not ready: {updated} out of {desired} expected pods have been scheduled"
        ));
    }
    let mu = ds
        .get("spec")
        .and_then(|s| s.get("updateStrategy"))
        .and_then(|s| s.get("rollingUpdate"))
        .and_then(|r| r.get("maxUnavailable"));
    let max_unavailable = scaled(mu, desired, true).unwrap_or(desired);
    let expected = desired - max_unavailable;
    let ready = i64_at(ds, &["status", "numberReady"]).unwrap_or(0);
    (ready < expected).then(|| {
        format!("DaemonSet is not ready: {ready} out of {expected} expected pods are ready")
    })
}

fn statefulset_reason(sts: &Value) -> Option<String> {
    if let Some(r) = generation_reason("StatefulSet", sts) {
        return Some(r);
    }
    if str_at(sts, &["spec", "updateStrategy", "type"]) != "RollingUpdate" {
        return None;
    }
    let partition = i64_at(
        sts,
        &["spec", "updateStrategy", "rollingUpdate", "partition"],
    )
    .unwrap_or(0);
    let replicas = i64_at(sts, &["spec", "replicas"]).unwrap_or(1);
    let expected = replicas - partition;
    let updated = i64_at(sts, &["status", "updatedReplicas"]).unwrap_or(0);
    if updated < expected {
        return Some(format!("StatefulSet is not ready: {updated} out of {expected} expected pods have been scheduled"));
    }
    let ready = i64_at(sts, &["status", "readyReplicas"]).unwrap_or(0);
    if ready != replicas {
        return Some(format!(
            "StatefulSet is not ready: {ready} out of {replicas} expected pods are ready"
        ));
    }
    let (cur, upd) = (
        str_at(sts, &["status", "currentRevision"]),
        str_at(sts, &["status", "updateRevision"]),
    );
    if partition == 0 && cur != upd {
        return Some(format!("StatefulSet is not ready: currentRevision {cur} does not yet match updateRevision {upd}"));
    }
    None
}

impl KubeClient {
    /// helm's `Wait` / `WaitWithJobs`: polls (at once, then every poll interval) until every
    /// resource is ready, calling `progress` after each poll. Like helm, a poll stops at
    /// the first resource that is not ready; resources found ready are not asked again.
    /// Errors that helm retries (no status, 429, 5xx but 501) are retried 30 times per
    /// resource. Running out of time is [`Error::Timeout`].
    pub async fn wait_with_progress(
        &self,
        resources: &[ResourceInfo],
        opts: &WaitOptions,
        mut progress: impl FnMut(&WaitStatus),
    ) -> Result<(), Error> {
        let checker = ReadyChecker::new(self, opts.clone());
        let deadline = tokio::time::Instant::now() + opts.timeout;
        let mut ready = vec![false; resources.len()];
        let mut retries = vec![0u32; resources.len()];
        loop {
            let mut blocking: Option<(usize, String)> = None;
            for (i, info) in resources.iter().enumerate() {
                if ready[i] {
                    continue;
                }
                let res = tokio::time::timeout_at(deadline, checker.is_ready(info)).await;
                let res = match res {
                    Err(_) => return Err(Error::Timeout),
                    Ok(r) => r,
                };
                match res {
                    Ok(None) => {
                        retries[i] = 0;
                        ready[i] = true;
                    }
                    Ok(Some(reason)) => {
                        retries[i] = 0;
                        blocking = Some((i, reason));
                        break;
                    }
                    Err(e) if e.is_retryable() => {
                        retries[i] += 1;
                        if retries[i] > 30 {
                            return Err(e);
                        }
                        blocking = Some((i, e.to_string()));
                        break;
                    }
                    Err(e) => return Err(e),
                }
            }
            let status = WaitStatus {
                ready: ready.iter().filter(|r| **r).count(),
                pending: resources
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| !ready[*i])
                    .map(|(i, info)| NotReady {
                        kind: info.gvk.kind.clone(),
                        name: info.name.clone(),
                        namespace: info.namespace.clone(),
                        reason: match &blocking {
                            Some((b, r)) if *b == i => r.clone(),
                            _ => "not checked yet".into(),
                        },
                    })
                    .collect(),
            };
            progress(&status);
            if blocking.is_none() {
                return Ok(());
            }
            let now = tokio::time::Instant::now();
            if now + self.poll_interval() > deadline {
                tokio::time::sleep_until(deadline).await;
                return Err(Error::Timeout);
            }
            tokio::time::sleep(self.poll_interval()).await;
        }
    }

    /// [`KubeClient::wait_with_progress`] without a progress callback.
    pub async fn wait(&self, resources: &[ResourceInfo], opts: &WaitOptions) -> Result<(), Error> {
        self.wait_with_progress(resources, opts, |_| {}).await
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn max_unavailable_rules() {
        let d = json!({"spec": {"replicas": 4, "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}}}});
        assert_eq!(max_unavailable(&d), 1);
        let d = json!({"spec": {"replicas": 1, "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}}}});
        assert_eq!(max_unavailable(&d), 0);
        let d = json!({"spec": {"replicas": 3, "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 0, "maxUnavailable": 0}}}});
        assert_eq!(max_unavailable(&d), 1);
        let d = json!({"spec": {"replicas": 3, "strategy": {"type": "Recreate"}}});
        assert_eq!(max_unavailable(&d), 0);
    }

    #[test]
    fn services_and_statefulsets() {
        assert!(service_reason(&json!({"spec": {"type": "ClusterIP"}}), "n", "s").is_some());
        assert!(service_reason(
            &json!({"spec": {"type": "ClusterIP", "clusterIP": "10.0.0.1"}}),
            "n",
            "s"
        )
        .is_none());
        assert!(service_reason(
            &json!({"spec": {"type": "LoadBalancer", "clusterIP": "10.0.0.1"}}),
            "n",
            "s"
        )
        .is_some());
        assert!(service_reason(&json!({"spec": {"type": "LoadBalancer", "clusterIP": "10.0.0.1"}, "status": {"loadBalancer": {"ingress": [{"ip": "1.2.3.4"}]}}}), "n", "s").is_none());
        assert!(service_reason(&json!({"spec": {"type": "ExternalName"}}), "n", "s").is_none());
        let sts = json!({"metadata": {"generation": 1}, "spec": {"replicas": 2, "updateStrategy": {"type": "RollingUpdate"}},
            "status": {"observedGeneration": 1, "updatedReplicas": 2, "readyReplicas": 2, "currentRevision": "a", "updateRevision": "a"}});
        assert_eq!(statefulset_reason(&sts), None);
        let mut s2 = sts.clone();
        s2["status"]["readyReplicas"] = json!(1);
        assert_eq!(
            statefulset_reason(&s2).unwrap(),
            "StatefulSet is not ready: 1 out of 2 expected pods are ready"
        );
    }

    #[test]
    fn selectors() {
        let s = json!({"matchLabels": {"d": "b"}, "matchExpressions": [{"key": "c", "operator": "In", "values": ["y", "x"]}]});
        assert_eq!(selector_string(Some(&s)).unwrap(), "c in (x,y),d=b");
    }
}
