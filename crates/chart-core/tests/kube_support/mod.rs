//! Cluster test support: the test cluster from `CHART_TEST_KUBECONFIG` (or a skip, except
//! under CI), one fresh namespace per test, and a small controller that writes `.status`
//! through the status subresource the way the real controllers would (the test apiserver
//! runs none).
//!
//! Controller cues (annotations on the object):
//! * `test.chart/ready: "false"` — leave a Deployment/StatefulSet/DaemonSet not ready;
//! * `test.chart/job: fail` — fail a Job (`BackoffLimitExceeded`), else it completes;
//! * `test.chart/pod: succeed|fail` — end a Pod in that phase, else it runs and is Ready.
#![allow(dead_code, clippy::unwrap_used)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use chart_core::kube::{KubeClient, KubeSettings};
use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, ReplicaSet, StatefulSet};
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{Namespace, PersistentVolumeClaim, Pod};
use kube::api::{Api, ListParams, Patch, PatchParams, PostParams};
use serde_json::{json, Value};

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// The test kubeconfig, or `None` after printing the skip line. Under `CI` a missing
/// kubeconfig fails the test: CI never skips.
pub fn kubeconfig() -> Option<String> {
    match std::env::var("CHART_TEST_KUBECONFIG") {
        Ok(p) if !p.is_empty() => Some(p),
        _ => {
            if std::env::var_os("CI").is_some() {
                panic!("CHART_TEST_KUBECONFIG not set, and CI never skips cluster tests (run scripts/test.sh)");
            }
            println!("skipped: CHART_TEST_KUBECONFIG not set (run scripts/test.sh)");
            None
        }
    }
}

/// A namespace name unique to this test run.
pub fn unique_ns(tag: &str) -> String {
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() % 100_000_000)
        .unwrap_or(0);
    format!("t-{tag}-{t}-{}-{n}", std::process::id() % 10000)
}

/// The settings for the test cluster, namespace `ns`.
pub fn settings(kubeconfig: &str, ns: &str) -> KubeSettings {
    KubeSettings {
        kubeconfig: Some(kubeconfig.into()),
        namespace: Some(ns.to_string()),
        ..KubeSettings::default()
    }
}

/// A client in a fresh namespace (created here; the bare apiserver has no namespace
/// controller, so namespaces are never deleted: their names are unique instead).
pub async fn client(tag: &str) -> Option<(KubeClient, String)> {
    let kc = kubeconfig()?;
    let ns = unique_ns(tag);
    let client = KubeClient::connect(&settings(&kc, &ns))
        .await
        .unwrap()
        .with_poll_interval(Duration::from_millis(200));
    create_namespace(client.client(), &ns).await;
    Some((client, ns))
}

/// Creates a namespace.
pub async fn create_namespace(c: &kube::Client, ns: &str) {
    let api: Api<Namespace> = Api::all(c.clone());
    let obj: Namespace = serde_json::from_value(json!({"metadata": {"name": ns}})).unwrap();
    let _ = api.create(&PostParams::default(), &obj).await;
}

fn annotation<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get("metadata")?.get("annotations")?.get(key)?.as_str()
}

fn hash_of(v: &Value) -> String {
    // FNV-1a over the template's JSON: enough to tell templates apart.
    let mut h: u64 = 0xcbf29ce484222325;
    for b in v.to_string().bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x100000001b3);
    }
    format!("{:x}", h & 0xffff_ffff)
}

async fn set_status<K>(api: &Api<K>, name: &str, current: &Value, status: Value)
where
    K: Clone + serde::de::DeserializeOwned + std::fmt::Debug + kube::Resource,
{
    // Only write when something changes, so the controller does not spin.
    let differs = status
        .as_object()
        .into_iter()
        .flatten()
        .any(|(k, v)| current.get("status").and_then(|s| s.get(k)) != Some(v));
    if differs {
        let _ = api
            .patch_status(
                name,
                &PatchParams::default(),
                &Patch::Merge(json!({ "status": status })),
            )
            .await;
    }
}

/// A running fake controller for one namespace; stops when dropped.
pub struct Controller {
    handle: tokio::task::JoinHandle<()>,
}

impl Drop for Controller {
    fn drop(&mut self) {
        self.handle.abort();
    }
}

/// Starts the fake controller for namespace `ns`.
pub fn start_controller(client: kube::Client, ns: &str) -> Controller {
    let ns = ns.to_string();
    let handle = tokio::spawn(async move {
        loop {
            reconcile(&client, &ns).await;
            tokio::time::sleep(Duration::from_millis(150)).await;
        }
    });
    Controller { handle }
}

async fn list_json<K>(api: &Api<K>) -> Vec<Value>
where
    K: Clone + serde::de::DeserializeOwned + std::fmt::Debug + serde::Serialize + kube::Resource,
{
    match api.list(&ListParams::default()).await {
        Ok(l) => l
            .items
            .iter()
            .filter_map(|i| serde_json::to_value(i).ok())
            .collect(),
        Err(_) => Vec::new(),
    }
}

fn name_of(v: &Value) -> String {
    v["metadata"]["name"].as_str().unwrap_or("").to_string()
}

fn generation(v: &Value) -> i64 {
    v["metadata"]["generation"].as_i64().unwrap_or(0)
}

/// One pass over the namespace.
pub async fn reconcile(client: &kube::Client, ns: &str) {
    let deps: Api<Deployment> = Api::namespaced(client.clone(), ns);
    let rss: Api<ReplicaSet> = Api::namespaced(client.clone(), ns);
    for d in list_json(&deps).await {
        let name = name_of(&d);
        let replicas = d["spec"]["replicas"].as_i64().unwrap_or(1);
        let ready = annotation(&d, "test.chart/ready") != Some("false");
        let template = d["spec"]["template"].clone();
        let hash = hash_of(&template);
        let rs_name = format!("{name}-{hash}");
        let mut rs_template = template.clone();
        rs_template["metadata"]["labels"]["pod-template-hash"] = json!(hash);
        let mut selector = d["spec"]["selector"].clone();
        selector["matchLabels"]["pod-template-hash"] = json!(hash);
        let existing = rss.get_opt(&rs_name).await.ok().flatten();
        let rs_json = match existing {
            Some(rs) => serde_json::to_value(rs).unwrap(),
            None => {
                let body = json!({
                    "metadata": {"name": rs_name, "namespace": ns,
                        "labels": rs_template["metadata"]["labels"].clone(),
                        "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": name,
                            "uid": d["metadata"]["uid"].clone(), "controller": true, "blockOwnerDeletion": true}]},
                    "spec": {"replicas": replicas, "selector": selector, "template": rs_template}
                });
                let Ok(obj) = serde_json::from_value::<ReplicaSet>(body) else {
                    continue;
                };
                match rss.create(&PostParams::default(), &obj).await {
                    Ok(rs) => serde_json::to_value(rs).unwrap(),
                    Err(_) => continue,
                }
            }
        };
        let ready_n = if ready { replicas } else { 0 };
        set_status(
            &rss,
            &rs_name,
            &rs_json,
            json!({"replicas": replicas, "readyReplicas": ready_n, "availableReplicas": ready_n,
                "fullyLabeledReplicas": replicas, "observedGeneration": generation(&rs_json)}),
        )
        .await;
        set_status(
            &deps,
            &name,
            &d,
            json!({"observedGeneration": generation(&d), "replicas": replicas, "updatedReplicas": replicas,
                "readyReplicas": ready_n, "availableReplicas": ready_n}),
        )
        .await;
    }

    let stss: Api<StatefulSet> = Api::namespaced(client.clone(), ns);
    for s in list_json(&stss).await {
        let replicas = s["spec"]["replicas"].as_i64().unwrap_or(1);
        let ready = annotation(&s, "test.chart/ready") != Some("false");
        let rev = format!("{}-{}", name_of(&s), generation(&s));
        set_status(
            &stss,
            &name_of(&s),
            &s,
            json!({"observedGeneration": generation(&s), "replicas": replicas,
                "readyReplicas": if ready { replicas } else { 0 }, "currentReplicas": replicas,
                "updatedReplicas": replicas, "currentRevision": rev, "updateRevision": rev}),
        )
        .await;
    }

    let dss: Api<DaemonSet> = Api::namespaced(client.clone(), ns);
    for d in list_json(&dss).await {
        let ready = annotation(&d, "test.chart/ready") != Some("false");
        let n = if ready { 1 } else { 0 };
        set_status(
            &dss,
            &name_of(&d),
            &d,
            json!({"observedGeneration": generation(&d), "desiredNumberScheduled": 1,
                "currentNumberScheduled": 1, "updatedNumberScheduled": 1, "numberReady": n,
                "numberAvailable": n, "numberMisscheduled": 0}),
        )
        .await;
    }

    let jobs: Api<Job> = Api::namespaced(client.clone(), ns);
    for j in list_json(&jobs).await {
        let fail = annotation(&j, "test.chart/job") == Some("fail");
        let now = "2026-01-01T00:00:00Z";
        let status = if fail {
            json!({"failed": 1, "startTime": now,
                "conditions": [{"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded",
                    "message": "Job has reached the specified backoff limit", "lastProbeTime": now, "lastTransitionTime": now}]})
        } else {
            json!({"succeeded": 1, "startTime": now, "completionTime": now,
                "conditions": [{"type": "Complete", "status": "True", "lastProbeTime": now, "lastTransitionTime": now}]})
        };
        set_status(&jobs, &name_of(&j), &j, status).await;
    }

    let pods: Api<Pod> = Api::namespaced(client.clone(), ns);
    for p in list_json(&pods).await {
        let status = match annotation(&p, "test.chart/pod") {
            Some("succeed") => json!({"phase": "Succeeded"}),
            Some("fail") => json!({"phase": "Failed"}),
            _ => json!({"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]}),
        };
        set_status(&pods, &name_of(&p), &p, status).await;
    }

    let pvcs: Api<PersistentVolumeClaim> = Api::namespaced(client.clone(), ns);
    for p in list_json(&pvcs).await {
        set_status(&pvcs, &name_of(&p), &p, json!({"phase": "Bound"})).await;
    }
}

/// A live object with the fields that differ between two equal histories removed: uid,
/// resourceVersion, timestamps, managedFields, namespace, helm's own annotations,
/// allocated cluster IPs.
pub fn normalize(mut v: Value) -> Value {
    if let Some(md) = v.get_mut("metadata").and_then(Value::as_object_mut) {
        for k in [
            "uid",
            "resourceVersion",
            "creationTimestamp",
            "managedFields",
            "namespace",
            "selfLink",
        ] {
            md.remove(k);
        }
        if let Some(a) = md.get_mut("annotations").and_then(Value::as_object_mut) {
            a.retain(|k, _| !k.starts_with("meta.helm.sh/"));
            if a.is_empty() {
                md.remove("annotations");
            }
        }
    }
    if let Some(spec) = v.get_mut("spec").and_then(Value::as_object_mut) {
        spec.remove("clusterIP");
        spec.remove("clusterIPs");
    }
    v
}

/// The requests a client sent, as `METHOD path?query`.
pub type RequestLog = std::sync::Arc<std::sync::Mutex<Vec<String>>>;

/// A client in namespace `ns` that records every request it sends.
pub async fn counting_client(kubeconfig: &str, ns: &str) -> (KubeClient, RequestLog) {
    let loaded = settings(kubeconfig, ns).load().await.unwrap();
    let log: RequestLog = Default::default();
    let sink = log.clone();
    let layer = tower::util::MapRequestLayer::new(move |req: http::Request<kube::client::Body>| {
        let pq = req
            .uri()
            .path_and_query()
            .map(|p| p.as_str().to_string())
            .unwrap_or_default();
        sink.lock()
            .unwrap()
            .push(format!("{} {}", req.method(), pq));
        req
    });
    let client = kube::client::ClientBuilder::try_from(loaded.config)
        .unwrap()
        .with_layer(&layer)
        .build();
    (
        KubeClient::new(client, ns).with_poll_interval(Duration::from_millis(200)),
        log,
    )
}

/// The requests for objects (not discovery, OpenAPI or /version), drained from `log`.
pub fn resource_requests(log: &RequestLog) -> Vec<String> {
    let all = std::mem::take(&mut *log.lock().unwrap());
    all.into_iter()
        .filter(|r| {
            let path = r
                .split(' ')
                .nth(1)
                .unwrap_or("")
                .split('?')
                .next()
                .unwrap_or("");
            let depth = path.split('/').filter(|s| !s.is_empty()).count();
            let discovery = (path.starts_with("/api/") || path == "/api") && depth <= 2
                || (path.starts_with("/apis") && depth <= 3);
            !(discovery || path.starts_with("/openapi") || path == "/version")
        })
        .collect()
}
