//! Cluster tests of `chart_core::kube` against a real kube-apiserver
//! (`scripts/cluster.sh start`, then `CHART_TEST_KUBECONFIG`). Each test uses its own
//! namespace. Without the variable they print a skip line, except under CI.
#![allow(clippy::unwrap_used)]

mod kube_support;

use std::time::Duration;

use chart_core::kube::{
    set_ownership_metadata, Error, KubeClient, Propagation, ResourceList, WaitOptions, WaitStatus,
};
use kube_support::{client, normalize, start_controller};
use serde_json::json;

async fn build_owned(c: &KubeClient, manifest: &str, release: &str, ns: &str) -> ResourceList {
    let mut list = c.build(manifest).await.unwrap();
    for r in &mut list {
        set_ownership_metadata(r, release, ns);
    }
    list
}

#[tokio::test]
async fn connects_and_reads_version() {
    let Some((c, ns)) = client("version").await else {
        return;
    };
    let v = c.server_version().await.unwrap();
    assert_eq!(v.major, "1");
    let versions = c.api_versions().await.unwrap();
    for want in [
        "v1",
        "v1/ConfigMap",
        "apps/v1",
        "apps/v1/Deployment",
        "apps/v1/Scale",
        "batch/v1/Job",
        "rbac.authorization.k8s.io/v1",
    ] {
        assert!(
            versions.iter().any(|v| v == want),
            "{want} missing from {versions:?}"
        );
    }
    assert_eq!(c.namespace(), ns);
}

#[tokio::test]
async fn mapping_scopes_unknown_kinds_and_crds_of_the_same_operation() {
    let Some((c, ns)) = client("mapping").await else {
        return;
    };
    let manifest = format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n  namespace: {ns}\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: {ns}-role\nrules: []\n"
    );
    let list = c.build(&manifest).await.unwrap();
    assert_eq!(list.len(), 3);
    assert_eq!(list[0].namespace, ns);
    assert_eq!(list[0].object["metadata"]["namespace"], json!(ns));
    assert!(list[0].namespaced);
    assert_eq!(list[1].namespace, ns);
    assert!(!list[2].namespaced);
    assert_eq!(list[2].namespace, "");
    assert!(list[2].object["metadata"].get("namespace").is_none());
    assert_eq!(list[2].api.plural, "clusterroles");

    let group = format!("{ns}.example.com");
    let cr =
        format!("apiVersion: {group}/v1\nkind: Widget\nmetadata:\n  name: w1\nspec:\n  size: 1\n");
    let err = c.build(&cr).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("resource mapping not found for name: \"w1\" namespace: \"\" from \"\": no matches for kind \"Widget\" in version \"{group}/v1\"\nensure CRDs are installed first")
    );
    let two = format!(
        "{cr}---\napiVersion: {group}/v1\nkind: Gadget\nmetadata:\n  name: g1\n  namespace: x\n"
    );
    let err = c.build(&two).await.unwrap_err();
    assert!(
        err.to_string()
            .starts_with("[resource mapping not found for name: \"w1\""),
        "{err}"
    );
    assert!(
        err.to_string()
            .contains(", resource mapping not found for name: \"g1\" namespace: \"x\""),
        "{err}"
    );

    // A CRD created by this client maps its kind afterwards, in the same operation.
    let crd = format!(
        "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: widgets.{group}\nspec:\n  group: {group}\n  scope: Namespaced\n  names: {{plural: widgets, singular: widget, kind: Widget, listKind: WidgetList}}\n  versions:\n  - name: v1\n    served: true\n    storage: true\n    schema:\n      openAPIV3Schema:\n        type: object\n        x-kubernetes-preserve-unknown-fields: true\n"
    );
    let crds = c.build(&crd).await.unwrap();
    c.create(&crds).await.unwrap();
    c.wait(
        &crds,
        &WaitOptions {
            timeout: Duration::from_secs(30),
            ..WaitOptions::default()
        },
    )
    .await
    .unwrap();
    let list = c.build(&cr).await.unwrap();
    assert_eq!(list[0].api.plural, "widgets");
    assert_eq!(list[0].namespace, ns);
    let created = c.create(&list).await.unwrap();
    assert_eq!(created[0].object["spec"]["size"], json!(1));

    // Custom resources are updated with a JSON merge patch.
    let cr2 = cr.replace("size: 1", "size: 3\n  tags: [a]");
    let target = c.build(&cr2).await.unwrap();
    let res = c.update(&list, &target, false).await.unwrap();
    assert_eq!(res.updated.len(), 1);
    let live = c.get(&target[0]).await.unwrap().unwrap();
    assert_eq!(live["spec"], json!({"size": 3, "tags": ["a"]}));

    // A CRD that someone else created after our discovery was cached still maps: a
    // missing kind makes the client discover again once.
    let other = KubeClient::connect(&kube_support::settings(
        &kube_support::kubeconfig().unwrap(),
        &ns,
    ))
    .await
    .unwrap();
    let crd2 = crd.replace("widgets.", "gizmos.").replace(
        "plural: widgets, singular: widget, kind: Widget, listKind: WidgetList",
        "plural: gizmos, singular: gizmo, kind: Gizmo, listKind: GizmoList",
    );
    let crds2 = other.build(&crd2).await.unwrap();
    other.create(&crds2).await.unwrap();
    other
        .wait(
            &crds2,
            &WaitOptions {
                timeout: Duration::from_secs(30),
                ..WaitOptions::default()
            },
        )
        .await
        .unwrap();
    let gizmo = format!("apiVersion: {group}/v1\nkind: Gizmo\nmetadata:\n  name: g\n");
    let mapped = c.build(&gizmo).await.unwrap();
    assert_eq!(mapped[0].api.plural, "gizmos");

    // The CRDs themselves are cluster-scoped.
    c.delete(&crds, Propagation::Background).await.unwrap();
    c.delete(&crds2, Propagation::Background).await.unwrap();
}

#[tokio::test]
async fn create_update_delete_round_trip() {
    let Some((c, ns)) = client("crud").await else {
        return;
    };
    let m1 = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\ndata:\n  a: \"1\"\n  b: \"2\"\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: sec\nstringData:\n  k: v\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: kept\n  annotations:\n    helm.sh/resource-policy: keep\ndata: {}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: gone\n";
    let original = build_owned(&c, m1, "rel", &ns).await;
    let created = c.create(&original).await.unwrap();
    assert_eq!(created.len(), 4);
    let live = c.get(&original[0]).await.unwrap().unwrap();
    assert_eq!(
        live["metadata"]["labels"]["app.kubernetes.io/managed-by"],
        json!("Helm")
    );
    assert_eq!(
        live["metadata"]["annotations"]["meta.helm.sh/release-name"],
        json!("rel")
    );
    assert_eq!(
        live["metadata"]["managedFields"][0]["manager"],
        json!("helm")
    );
    assert!(c.exists(&original[1]).await.unwrap());

    // Every object of the release may be adopted by it; not by another release.
    let adopt = c
        .existing_resource_conflict(&original, "rel", &ns)
        .await
        .unwrap();
    assert_eq!(adopt.len(), 4);
    let err = c
        .existing_resource_conflict(&original, "other", &ns)
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("ConfigMap \"cfg\" in namespace \"{ns}\" exists and cannot be imported into the current release: invalid ownership metadata; annotation validation error: key \"meta.helm.sh/release-name\" must equal \"other\": current value is \"rel\"")
    );

    // Update: cfg changes (b removed, c added), sec unchanged, kept and gone dropped, new added.
    let m2 = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\ndata:\n  a: \"1\"\n  c: \"3\"\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: sec\nstringData:\n  k: v\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: new\n";
    let original_plain = c.build(m1).await.unwrap();
    let target = build_owned(&c, m2, "rel", &ns).await;
    let res = c.update(&original_plain, &target, false).await.unwrap();
    assert_eq!(res.created.len(), 1);
    assert_eq!(res.created[0].name, "new");
    assert_eq!(res.updated.len(), 2);
    let deleted: Vec<&str> = res.deleted.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(deleted, ["gone"]);
    let live = c.get(&target[0]).await.unwrap().unwrap();
    assert_eq!(live["data"], json!({"a": "1", "c": "3"}));
    assert!(
        c.exists(&original[2]).await.unwrap(),
        "kept by resource policy"
    );
    assert!(!c.exists(&original[3]).await.unwrap());

    // --force replaces.
    let m3 = m2.replace("c: \"3\"", "d: \"4\"");
    let forced = build_owned(&c, &m3, "rel", &ns).await;
    let res = c.update(&target, &forced, true).await.unwrap();
    assert_eq!(res.updated.len(), 3);
    let live = c.get(&forced[0]).await.unwrap().unwrap();
    assert_eq!(live["data"], json!({"a": "1", "d": "4"}));

    // Delete everything, then wait until it is gone.
    let all = c.build(&m3).await.unwrap();
    let deleted = c.delete(&all, Propagation::Background).await.unwrap();
    assert_eq!(deleted.len(), 3);
    c.wait_for_delete(&all, Duration::from_secs(20))
        .await
        .unwrap();
    // Deleting what is already gone is not an error.
    c.delete(&all, Propagation::Background).await.unwrap();
    // Foreground deletion leaves the object to the garbage collector (which this
    // apiserver does not run): it stays, marked for deletion.
    c.delete(&original[2..3], Propagation::Foreground)
        .await
        .unwrap();
    let live = c.get(&original[2]).await.unwrap().unwrap();
    assert!(live["metadata"]["deletionTimestamp"].is_string());
    assert_eq!(
        live["metadata"]["finalizers"],
        json!(["foregroundDeletion"])
    );
}

#[tokio::test]
async fn creates_many_of_a_kind_concurrently() {
    let Some((c, _ns)) = client("many").await else {
        return;
    };
    let mut m = String::new();
    for i in 0..20 {
        m.push_str(&format!(
            "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm{i}\n"
        ));
    }
    m.push_str("---\napiVersion: v1\nkind: Service\nmetadata:\n  name: svc\nspec:\n  ports: [{port: 80}]\n");
    let list = c.build(&m).await.unwrap();
    let created = c.create(&list).await.unwrap();
    let names: Vec<&str> = created.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names.len(), 21);
    assert_eq!(names[20], "svc");
    let err = c.create(&list[..2]).await.unwrap_err();
    assert!(
        err.to_string()
            .starts_with("2 errors occurred:\n\t* configmaps \"cm0\" already exists"),
        "{err}"
    );
    assert!(err.is_already_exists());
    assert!(!err.is_not_found());
}

#[tokio::test]
async fn ownership_of_foreign_objects() {
    let Some((c, ns)) = client("owner").await else {
        return;
    };
    let plain = c
        .build("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: conf-cm\n")
        .await
        .unwrap();
    c.create(&plain).await.unwrap();
    let err = c
        .existing_resource_conflict(&plain, "conf", &ns)
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("ConfigMap \"conf-cm\" in namespace \"{ns}\" exists and cannot be imported into the current release: invalid ownership metadata; label validation error: missing key \"app.kubernetes.io/managed-by\": must be set to \"Helm\"; annotation validation error: missing key \"meta.helm.sh/release-name\": must be set to \"conf\"; annotation validation error: missing key \"meta.helm.sh/release-namespace\": must be set to \"{ns}\"")
    );
    let missing = c
        .build("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: nothere\n")
        .await
        .unwrap();
    assert!(c
        .existing_resource_conflict(&missing, "conf", &ns)
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn lookup_like_helm() {
    let Some((c, ns)) = client("lookup").await else {
        return;
    };
    let list = c
        .build("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: l1\ndata: {x: z}\n")
        .await
        .unwrap();
    c.create(&list).await.unwrap();
    let one = c.lookup("v1", "ConfigMap", &ns, "l1").await.unwrap();
    assert_eq!(one["data"], json!({"x": "z"}));
    assert_eq!(one["kind"], json!("ConfigMap"));
    let none = c.lookup("v1", "ConfigMap", &ns, "nope").await.unwrap();
    assert_eq!(none, json!({}));
    let all = c.lookup("v1", "ConfigMap", &ns, "").await.unwrap();
    assert_eq!(all["kind"], json!("ConfigMapList"));
    let items = all["items"].as_array().unwrap();
    assert!(items.iter().any(|i| i["metadata"]["name"] == json!("l1")
        && i["kind"] == json!("ConfigMap")
        && i["apiVersion"] == json!("v1")));
    let ns_obj = c.lookup("v1", "Namespace", "", &ns).await.unwrap();
    assert_eq!(ns_obj["metadata"]["name"], json!(ns));
    assert_eq!(
        c.lookup("apps/v1", "Nothing", &ns, "x").await.unwrap(),
        json!({})
    );
    let err = c
        .lookup("nogroup.example.com/v1", "X", &ns, "x")
        .await
        .unwrap_err();
    assert!(err.is_not_found());
    assert_eq!(
        err.to_string(),
        "the server could not find the requested resource"
    );
}

const WORKLOADS: &str = r#"apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data}
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80}]
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec: {containers: [{name: a, image: busybox}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: nginx}]}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  serviceName: db
  replicas: 1
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec: {containers: [{name: db, image: postgres}]}
---
apiVersion: batch/v1
kind: Job
metadata: {name: migrate}
spec:
  template:
    spec:
      restartPolicy: Never
      containers: [{name: m, image: busybox}]
"#;

#[tokio::test]
async fn readiness_with_the_test_controller() {
    let Some((c, ns)) = client("ready").await else {
        return;
    };
    let list = c.build(WORKLOADS).await.unwrap();
    c.create(&list).await.unwrap();
    let opts = WaitOptions {
        timeout: Duration::from_secs(3),
        check_jobs: true,
        ..WaitOptions::default()
    };
    // Nothing has a status yet: the wait times out, reporting the first blocker.
    let mut last = WaitStatus::default();
    let err = c
        .wait_with_progress(&list, &opts, |s| last = s.clone())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Timeout), "{err}");
    assert_eq!(err.to_string(), "context deadline exceeded");
    assert_eq!(last.pending[0].kind, "PersistentVolumeClaim");
    assert_eq!(
        last.pending[0].reason,
        format!("PersistentVolumeClaim is not bound: {ns}/data")
    );
    assert_eq!(last.pending.len(), 6);

    // A hook Job nobody completes runs out of time like helm's watch.
    let job: Vec<_> = list
        .iter()
        .filter(|r| r.gvk.kind == "Job")
        .cloned()
        .collect();
    let err = c
        .watch_until_ready(&job, Duration::from_secs(1))
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "1 error occurred:\n\t* timed out waiting for the condition\n\n"
    );

    let _ctl = start_controller(c.client().clone(), &ns);
    let opts = WaitOptions {
        timeout: Duration::from_secs(30),
        ..opts
    };
    let mut polls = 0;
    c.wait_with_progress(&list, &opts, |_| polls += 1)
        .await
        .unwrap();
    assert!(polls >= 1);

    // A Deployment whose pods never become ready.
    let stuck = c
        .build("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: stuck\n  annotations: {test.chart/ready: \"false\"}\nspec:\n  selector: {matchLabels: {app: stuck}}\n  template:\n    metadata: {labels: {app: stuck}}\n    spec: {containers: [{name: s, image: nginx}]}\n")
        .await
        .unwrap();
    c.create(&stuck).await.unwrap();
    let mut last = WaitStatus::default();
    let err = c
        .wait_with_progress(
            &stuck,
            &WaitOptions {
                timeout: Duration::from_secs(3),
                ..WaitOptions::default()
            },
            |s| last = s.clone(),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Timeout));
    assert_eq!(last.pending[0].name, "stuck");
    assert!(
        last.pending[0]
            .reason
            .ends_with("0 out of 1 expected pods are ready")
            || last.pending[0].reason.contains("no new ReplicaSet"),
        "{}",
        last.pending[0].reason
    );
}

#[tokio::test]
async fn hooks_are_watched_until_done() {
    let Some((c, ns)) = client("hooks").await else {
        return;
    };
    let _ctl = start_controller(c.client().clone(), &ns);
    let job = |name: &str, fail: bool| {
        format!(
            "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: {name}\n  annotations: {{test.chart/job: \"{}\"}}\nspec:\n  backoffLimit: 0\n  template:\n    spec:\n      restartPolicy: Never\n      containers: [{{name: h, image: busybox}}]\n",
            if fail { "fail" } else { "ok" }
        )
    };
    let ok = c.build(&job("hook-ok", false)).await.unwrap();
    c.create(&ok).await.unwrap();
    c.watch_until_ready(&ok, Duration::from_secs(30))
        .await
        .unwrap();
    let bad = c.build(&job("hook-bad", true)).await.unwrap();
    c.create(&bad).await.unwrap();
    let err = c
        .watch_until_ready(&bad, Duration::from_secs(30))
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "1 error occurred:\n\t* job hook-bad failed: BackoffLimitExceeded\n\n"
    );
    let pod = c
        .build("apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations: {test.chart/pod: succeed}\nspec:\n  restartPolicy: Never\n  containers: [{name: p, image: busybox}]\n")
        .await
        .unwrap();
    c.create(&pod).await.unwrap();
    c.watch_until_ready(&pod, Duration::from_secs(30))
        .await
        .unwrap();
    let failing = c
        .build("apiVersion: v1\nkind: Pod\nmetadata:\n  name: pf\n  annotations: {test.chart/pod: fail}\nspec:\n  restartPolicy: Never\n  containers: [{name: p, image: busybox}]\n")
        .await
        .unwrap();
    c.create(&failing).await.unwrap();
    let err = c
        .watch_until_ready(&failing, Duration::from_secs(30))
        .await
        .unwrap_err();
    assert_eq!(err.to_string(), "1 error occurred:\n\t* pod pf failed\n\n");
    // Other kinds are not waited for.
    let cm = c
        .build("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: hook-cm\n")
        .await
        .unwrap();
    c.watch_until_ready(&cm, Duration::from_secs(1))
        .await
        .unwrap();
}

// ---- the three-way merge against real helm --------------------------------------------

const WIDGET_CRD: &str = r#"apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.merge.chart.test
spec:
  group: merge.chart.test
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget, listKind: WidgetList}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        x-kubernetes-preserve-unknown-fields: true
"#;

const STAGE1: &str = r#"apiVersion: v1
kind: ConfigMap
metadata:
  name: app-config
data:
  greeting: hello
  removed: "yes"
---
apiVersion: v1
kind: Service
metadata:
  name: app-svc
spec:
  selector: {app: demo}
  ports:
  - name: http
    port: 80
    targetPort: 8080
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: app-web
  labels: {app: demo}
spec:
  replicas: 1
  strategy:
    type: RollingUpdate
    rollingUpdate: {maxSurge: 1}
  selector:
    matchLabels: {app: demo}
  template:
    metadata:
      labels: {app: demo}
      annotations: {checksum: one}
    spec:
      volumes:
      - name: conf
        configMap: {name: app-config}
      containers:
      - name: web
        image: nginx:1.25
        args: ["--verbose"]
        ports:
        - containerPort: 8080
        env:
        - {name: A, value: "1"}
        - {name: B, value: "2"}
        volumeMounts:
        - {name: conf, mountPath: /etc/conf}
      - name: sidecar
        image: busybox
        command: ["sleep", "1000"]
---
apiVersion: merge.chart.test/v1
kind: Widget
metadata:
  name: w
spec:
  size: 1
  tags: [a, b]
  nested: {x: 1, y: 2}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: app-role
rules:
- apiGroups: [""]
  resources: [configmaps]
  verbs: [get, list]
- apiGroups: [apps]
  resources: [deployments]
  verbs: [get]
---
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: app-db
spec:
  serviceName: app-db
  replicas: 1
  selector:
    matchLabels: {app: db}
  template:
    metadata:
      labels: {app: db}
    spec:
      initContainers:
      - {name: init-a, image: busybox}
      - {name: init-b, image: busybox}
      tolerations:
      - {key: a, operator: Exists}
      hostAliases:
      - {ip: 10.1.1.1, hostnames: [a.local]}
      - {ip: 10.1.1.2, hostnames: [b.local]}
      imagePullSecrets:
      - {name: regcred}
      containers:
      - name: db
        image: postgres:15
        volumeMounts:
        - {name: data, mountPath: /var/lib/postgresql}
        - {name: tmp, mountPath: /tmp}
      volumes:
      - name: tmp
        emptyDir: {}
  volumeClaimTemplates:
  - metadata: {name: data}
    spec:
      accessModes: [ReadWriteOnce]
      resources: {requests: {storage: 1Gi}}
"#;

const STAGE2: &str = r#"apiVersion: v1
kind: ConfigMap
metadata:
  name: app-config
data:
  greeting: bye
  added: "1"
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: app-web
  labels: {app: demo}
spec:
  replicas: 1
  strategy:
    type: Recreate
  selector:
    matchLabels: {app: demo}
  template:
    metadata:
      labels: {app: demo}
      annotations: {checksum: two}
    spec:
      volumes:
      - name: conf
        secret: {secretName: app-secret}
      containers:
      - name: web
        image: nginx:1.26
        ports:
        - containerPort: 8080
        - containerPort: 9090
          name: metrics
        env:
        - {name: A, value: "1"}
        - {name: C, value: "3"}
        volumeMounts:
        - {name: conf, mountPath: /etc/conf}
      - name: extra
        image: redis
---
apiVersion: merge.chart.test/v1
kind: Widget
metadata:
  name: w
spec:
  size: 3
  tags: [a]
  nested: {x: 1}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: app-role
rules:
- apiGroups: [""]
  resources: [configmaps, secrets]
  verbs: [get]
---
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: app-db
spec:
  serviceName: app-db
  replicas: 1
  selector:
    matchLabels: {app: db}
  template:
    metadata:
      labels: {app: db}
    spec:
      initContainers:
      - {name: init-b, image: busybox:1.36}
      tolerations:
      - {key: b, operator: Equal, value: x, effect: NoSchedule}
      hostAliases:
      - {ip: 10.1.1.2, hostnames: [b.local, c.local]}
      imagePullSecrets:
      - {name: regcred2}
      containers:
      - name: db
        image: postgres:16
        volumeMounts:
        - {name: data, mountPath: /var/lib/postgresql}
  volumeClaimTemplates:
  - metadata: {name: data}
    spec:
      accessModes: [ReadWriteOnce]
      resources: {requests: {storage: 1Gi}}
"#;

const STAGE3: &str = r#"apiVersion: v1
kind: ConfigMap
metadata:
  name: app-config
  labels: {tier: conf}
data:
  greeting: again
binaryData:
  bin: aGk=
---
apiVersion: v1
kind: Service
metadata:
  name: app-svc
spec:
  selector: {app: demo}
  ports:
  - name: web
    port: 8080
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: app-web
  labels: {app: demo, tier: web}
spec:
  strategy:
    type: RollingUpdate
    rollingUpdate: {maxUnavailable: 0}
  selector:
    matchLabels: {app: demo}
  template:
    metadata:
      labels: {app: demo}
    spec:
      volumes:
      - name: conf
        configMap: {name: app-config}
      containers:
      - name: web
        image: nginx:1.27
        ports:
        - containerPort: 8080
        env:
        - {name: A, value: "1"}
        - name: C
          valueFrom: {fieldRef: {fieldPath: metadata.name}}
        resources:
          limits: {cpu: 100m}
        volumeMounts:
        - {name: conf, mountPath: /etc/conf}
---
apiVersion: merge.chart.test/v1
kind: Widget
metadata:
  name: w
spec:
  size: 3
  nested: {x: 2, z: 3}
---
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: app-db
spec:
  serviceName: app-db
  replicas: 1
  selector:
    matchLabels: {app: db}
  template:
    metadata:
      labels: {app: db}
    spec:
      initContainers:
      - {name: init-c, image: busybox}
      - {name: init-b, image: busybox:1.36}
      containers:
      - name: db
        image: postgres:16
        env:
        - {name: PGDATA, value: /var/lib/postgresql/data}
        volumeMounts:
        - {name: data, mountPath: /var/lib/postgresql}
  volumeClaimTemplates:
  - metadata: {name: data}
    spec:
      accessModes: [ReadWriteOnce]
      resources: {requests: {storage: 1Gi}}
"#;

fn write_chart(dir: &std::path::Path) {
    let t = dir.join("templates");
    std::fs::create_dir_all(&t).unwrap();
    std::fs::create_dir_all(dir.join("crds")).unwrap();
    std::fs::write(
        dir.join("Chart.yaml"),
        "apiVersion: v2\nname: merge\nversion: 0.1.0\n",
    )
    .unwrap();
    std::fs::write(dir.join("values.yaml"), "stage: 1\n").unwrap();
    std::fs::write(dir.join("crds").join("widgets.yaml"), WIDGET_CRD).unwrap();
    // The manifests verbatim: no template actions in them.
    let body = format!(
        "{{{{- if eq (int .Values.stage) 1 }}}}\n{STAGE1}{{{{- else if eq (int .Values.stage) 2 }}}}\n{STAGE2}{{{{- else }}}}\n{STAGE3}{{{{- end }}}}\n"
    );
    std::fs::write(t.join("all.yaml"), body).unwrap();
}

fn helm(kubeconfig: &str, home: &std::path::Path, args: &[&str]) {
    let out = std::process::Command::new("/usr/local/bin/helm")
        .args(args)
        .arg("--kubeconfig")
        .arg(kubeconfig)
        .env("HELM_CACHE_HOME", home.join("cache"))
        .env("HELM_CONFIG_HOME", home.join("config"))
        .env("HELM_DATA_HOME", home.join("data"))
        .env("KUBECACHEDIR", home.join("kubecache"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "helm {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Both live copies of every object of `target`, normalised, must be equal.
async fn assert_same_as_helm(c: &KubeClient, target: &ResourceList, helm_ns: &str, stage: u32) {
    for info in target {
        let ours = c.get(info).await.unwrap().unwrap();
        let mut theirs_info = info.clone();
        theirs_info.namespace = helm_ns.to_string();
        let theirs = c.get(&theirs_info).await.unwrap().unwrap();
        let (a, b) = (normalize(ours), normalize(theirs));
        assert_eq!(
            serde_json::to_string_pretty(&a).unwrap(),
            serde_json::to_string_pretty(&b).unwrap(),
            "stage {stage}: {} {} differs from helm's",
            info.gvk.kind,
            info.name
        );
    }
}

/// Changes made by someone else between releases, the same in both namespaces.
async fn foreign_changes(c: &KubeClient, namespaces: [&str; 2]) {
    for n in namespaces {
        let docs = c
            .build(&format!(
                "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app-web\n  namespace: {n}\n---\napiVersion: merge.chart.test/v1\nkind: Widget\nmetadata:\n  name: w\n  namespace: {n}\n"
            ))
            .await
            .unwrap();
        let patches = [
            json!({"metadata": {"labels": {"external": "x"}}, "spec": {"template": {"spec": {"terminationGracePeriodSeconds": 5}}}}),
            json!({"spec": {"external": true}}),
        ];
        for (info, p) in docs.iter().zip(patches) {
            let api = kube::Api::<kube::core::DynamicObject>::namespaced_with(
                c.client().clone(),
                n,
                &info.api,
            );
            api.patch(
                &info.name,
                &kube::api::PatchParams::default(),
                &kube::api::Patch::Merge(p),
            )
            .await
            .unwrap();
        }
    }
}

#[tokio::test]
async fn three_way_merge_matches_helm() {
    let Some((c, ns)) = client("merge").await else {
        return;
    };
    if !std::path::Path::new("/usr/local/bin/helm").exists() {
        if std::env::var_os("CI").is_some() {
            panic!("/usr/local/bin/helm (v3.17.3) is needed for this test");
        }
        println!("skipped: /usr/local/bin/helm not found");
        return;
    }
    let kc = kube_support::kubeconfig().unwrap();
    let helm_ns = format!("{ns}-helm");
    kube_support::create_namespace(c.client(), &helm_ns).await;
    let work = std::env::temp_dir().join(format!("chart-merge-{ns}"));
    let chart = work.join("chart");
    write_chart(&chart);
    let chart_s = chart.to_str().unwrap();

    // The CRD first (helm installs it from crds/ and skips it when it exists).
    let crd = c.build(WIDGET_CRD).await.unwrap();
    if let Err(e) = c.create(&crd).await {
        assert!(e.is_already_exists(), "{e}");
        c.invalidate_discovery().await;
    }
    c.wait(
        &crd,
        &WaitOptions {
            timeout: Duration::from_secs(30),
            ..WaitOptions::default()
        },
    )
    .await
    .unwrap();
    helm(&kc, &work, &["install", "rel", chart_s, "-n", &helm_ns]);
    let original = build_owned(&c, STAGE1, "rel", &ns).await;
    c.create(&original).await.unwrap();
    assert_same_as_helm(&c, &original, &helm_ns, 1).await;

    let mut previous = STAGE1;
    // Stage 4 goes back to stage 2 with --force (a PUT of each object).
    for (stage, manifest) in [(2u32, STAGE2), (3, STAGE3), (4, STAGE2)] {
        foreign_changes(&c, [&ns, &helm_ns]).await;
        let force = stage == 4;
        let set = format!("stage={}", if force { 2 } else { stage });
        let mut args = vec!["upgrade", "rel", chart_s, "-n", &helm_ns, "--set", &set];
        if force {
            args.push("--force");
        }
        helm(&kc, &work, &args);
        let original_plain = c.build(previous).await.unwrap();
        let target = build_owned(&c, manifest, "rel", &ns).await;
        c.update(&original_plain, &target, force).await.unwrap();
        assert_same_as_helm(&c, &target, &helm_ns, stage).await;
        // Objects dropped from the manifest are gone on both sides.
        for gone in original_plain
            .iter()
            .filter(|o| !target.iter().any(|t| t.same_object(o)))
        {
            let mut theirs = gone.clone();
            theirs.namespace = helm_ns.clone();
            assert!(!c.exists(gone).await.unwrap());
            assert!(
                !c.exists(&theirs).await.unwrap(),
                "helm deleted {} too",
                gone.name
            );
        }
        if force {
            // A replace drops what others added; a patch keeps it.
            let dep = c.get(&target[1]).await.unwrap().unwrap();
            assert!(dep["metadata"]["labels"].get("external").is_none(), "{dep}");
            let w = c.get(&target[2]).await.unwrap().unwrap();
            assert!(w["spec"].get("external").is_none(), "{w}");
        }
        if stage == 2 {
            // And the result is the intended one, not just the same.
            let dep = c.get(&target[1]).await.unwrap().unwrap();
            let pod = &dep["spec"]["template"]["spec"];
            let names: Vec<&str> = pod["containers"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["name"].as_str().unwrap())
                .collect();
            assert_eq!(names, ["web", "extra"]);
            assert!(pod["containers"][0].get("args").is_none());
            assert_eq!(
                pod["containers"][0]["env"],
                json!([{"name": "A", "value": "1"}, {"name": "C", "value": "3"}])
            );
            assert_eq!(pod["containers"][0]["ports"].as_array().unwrap().len(), 2);
            assert_eq!(
                pod["volumes"],
                json!([{"name": "conf", "secret": {"secretName": "app-secret", "defaultMode": 420}}])
            );
            assert_eq!(pod["terminationGracePeriodSeconds"], json!(5));
            assert_eq!(dep["spec"]["strategy"], json!({"type": "Recreate"}));
            assert_eq!(dep["metadata"]["labels"]["external"], json!("x"));
            let cm = c.get(&target[0]).await.unwrap().unwrap();
            assert_eq!(cm["data"], json!({"greeting": "bye", "added": "1"}));
            let w = c.get(&target[2]).await.unwrap().unwrap();
            assert_eq!(
                w["spec"],
                json!({"size": 3, "tags": ["a"], "nested": {"x": 1}, "external": true})
            );
        }
        previous = manifest;
    }
    let _ = std::fs::remove_dir_all(&work);
}

// ---- configuration against the real server ------------------------------------------

fn cluster_dir() -> Option<std::path::PathBuf> {
    let kc = kube_support::kubeconfig()?;
    std::path::Path::new(&kc).parent().map(|p| p.to_path_buf())
}

fn server_url(kubeconfig: &str) -> String {
    let text = std::fs::read_to_string(kubeconfig).unwrap();
    let line = text
        .lines()
        .find(|l| l.trim_start().starts_with("server:"))
        .unwrap();
    line.trim_start()
        .trim_start_matches("server:")
        .trim()
        .to_string()
}

#[tokio::test]
async fn flags_alone_reach_the_server() {
    let Some(dir) = cluster_dir() else { return };
    let kc = kube_support::kubeconfig().unwrap();
    let base = chart_core::kube::KubeSettings {
        home: Some(dir.join("no-home")),
        api_server: Some(server_url(&kc)),
        token: Some("testtoken".into()),
        ..chart_core::kube::KubeSettings::default()
    };
    // With the CA, and with the CA under another name the certificate carries.
    for settings in [
        chart_core::kube::KubeSettings {
            ca_file: Some(dir.join("ca.crt")),
            ..base.clone()
        },
        chart_core::kube::KubeSettings {
            ca_file: Some(dir.join("ca.crt")),
            tls_server_name: Some("localhost".into()),
            ..base.clone()
        },
        chart_core::kube::KubeSettings {
            insecure_skip_tls_verify: true,
            ..base.clone()
        },
    ] {
        let c = KubeClient::connect(&settings).await.unwrap();
        assert_eq!(c.namespace(), "default");
        c.is_reachable().await.unwrap();
    }
    // Without a CA the server's certificate is not trusted.
    let c = KubeClient::connect(&base).await.unwrap();
    assert!(c
        .is_reachable()
        .await
        .unwrap_err()
        .to_string()
        .starts_with("Kubernetes cluster unreachable: "));
    // A wrong token is refused.
    let bad = chart_core::kube::KubeSettings {
        token: Some("wrong".into()),
        insecure_skip_tls_verify: true,
        ..base.clone()
    };
    let c = KubeClient::connect(&bad).await.unwrap();
    let err = c.is_reachable().await.unwrap_err();
    assert_eq!(err.api().map(|a| a.code), Some(401), "{err}");
}

#[tokio::test]
async fn exec_credential_plugin() {
    let Some(dir) = cluster_dir() else { return };
    let kc = kube_support::kubeconfig().unwrap();
    let work = std::env::temp_dir().join(format!("chart-exec-{}", std::process::id()));
    std::fs::create_dir_all(&work).unwrap();
    let plugin = work.join("cred.sh");
    std::fs::write(
        &plugin,
        "#!/bin/sh\necho '{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\",\"status\":{\"token\":\"testtoken\"}}'\n",
    )
    .unwrap();
    std::process::Command::new("chmod")
        .arg("+x")
        .arg(&plugin)
        .status()
        .unwrap();
    let config = format!(
        "apiVersion: v1\nkind: Config\ncurrent-context: x\nclusters:\n- name: c\n  cluster:\n    server: {}\n    certificate-authority: {}\ncontexts:\n- name: x\n  context: {{cluster: c, user: plugin, namespace: from-context}}\nusers:\n- name: plugin\n  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: ./cred.sh\n      interactiveMode: Never\n",
        server_url(&kc),
        dir.join("ca.crt").display()
    );
    std::fs::write(work.join("config"), config).unwrap();
    let settings = chart_core::kube::KubeSettings {
        kubeconfig_env: Some(work.join("config").into_os_string()),
        ..chart_core::kube::KubeSettings::default()
    };
    let c = KubeClient::connect(&settings).await.unwrap();
    assert_eq!(c.namespace(), "from-context");
    c.is_reachable().await.unwrap();
    let _ = std::fs::remove_dir_all(&work);
}

// ---- request counts: never more than helm's (spec/helm-request-trace.md) ------------

const DEMO_V1: &str = r#"apiVersion: v1
kind: ConfigMap
metadata:
  name: rel1-config
  labels: {app.kubernetes.io/name: demo, app.kubernetes.io/instance: rel1}
data:
  greeting: "hello"
---
apiVersion: v1
kind: Service
metadata:
  name: rel1-svc
  labels: {app.kubernetes.io/name: demo, app.kubernetes.io/instance: rel1}
spec:
  type: ClusterIP
  selector: {app.kubernetes.io/name: demo, app.kubernetes.io/instance: rel1}
  ports:
  - name: http
    port: 80
    targetPort: 8080
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: rel1-web
  labels: {app.kubernetes.io/name: demo, app.kubernetes.io/instance: rel1}
spec:
  replicas: 1
  selector:
    matchLabels: {app.kubernetes.io/name: demo, app.kubernetes.io/instance: rel1}
  template:
    metadata:
      labels: {app.kubernetes.io/name: demo, app.kubernetes.io/instance: rel1}
      annotations: {checksum/config: aaa}
    spec:
      containers:
      - name: web
        image: nginx:1.25
        ports:
        - containerPort: 8080
        envFrom:
        - configMapRef: {name: rel1-config}
"#;

fn count(reqs: &[String], method: &str) -> usize {
    reqs.iter()
        .filter(|r| r.starts_with(&format!("{method} ")))
        .count()
}

#[tokio::test]
async fn request_counts_do_not_exceed_helms() {
    let Some(kc) = kube_support::kubeconfig() else {
        return;
    };
    let ns = kube_support::unique_ns("count");
    let (c, log) = kube_support::counting_client(&kc, &ns).await;
    kube_support::create_namespace(c.client(), &ns).await;
    // The controller has a client of its own, so that its requests are not counted.
    let other = KubeClient::connect(&kube_support::settings(&kc, &ns))
        .await
        .unwrap();
    let _ctl = start_controller(other.client().clone(), &ns);
    kube_support::resource_requests(&log);

    // install: helm GETs each resource (ownership check), then POSTs each.
    let v1 = build_owned(&c, DEMO_V1, "rel1", &ns).await;
    assert!(c
        .existing_resource_conflict(&v1, "rel1", &ns)
        .await
        .unwrap()
        .is_empty());
    c.create(&v1).await.unwrap();
    let reqs = kube_support::resource_requests(&log);
    assert_eq!(
        (count(&reqs, "GET"), count(&reqs, "POST"), reqs.len()),
        (3, 3, 6),
        "{reqs:#?}"
    );
    assert!(
        reqs.iter()
            .filter(|r| r.starts_with("POST"))
            .all(|r| r.contains("fieldManager=helm")),
        "{reqs:#?}"
    );

    // --wait once everything is ready: helm GETs the Service and the Deployment and lists
    // the ReplicaSets (ConfigMaps are not polled).
    // First until the controller has made everything ready (not counted), then once more.
    other
        .wait(
            &v1,
            &WaitOptions {
                timeout: Duration::from_secs(30),
                ..WaitOptions::default()
            },
        )
        .await
        .unwrap();
    kube_support::resource_requests(&log);
    c.wait(
        &v1,
        &WaitOptions {
            timeout: Duration::from_secs(20),
            ..WaitOptions::default()
        },
    )
    .await
    .unwrap();
    let reqs = kube_support::resource_requests(&log);
    assert_eq!(reqs.len(), 3, "{reqs:#?}");

    // upgrade (greeting=bye, service disabled, new checksum): helm sends 8 requests
    // (GET, GET, PATCH for each changed object; GET and DELETE for the Service).
    let v2_text = DEMO_V1
        .replace("\"hello\"", "\"bye\"")
        .replace("checksum/config: aaa", "checksum/config: bbb");
    let v2_text: String = v2_text
        .split("---\n")
        .filter(|d| !d.contains("kind: Service"))
        .collect::<Vec<_>>()
        .join("---\n");
    let original = c.build(DEMO_V1).await.unwrap();
    let target = build_owned(&c, &v2_text, "rel1", &ns).await;
    kube_support::resource_requests(&log);
    let res = c.update(&original, &target, false).await.unwrap();
    assert_eq!(res.deleted.len(), 1);
    let reqs = kube_support::resource_requests(&log);
    assert!(reqs.len() <= 8, "{reqs:#?}");
    assert_eq!(count(&reqs, "PATCH"), 2, "{reqs:#?}");
    assert_eq!(count(&reqs, "DELETE"), 1, "{reqs:#?}");

    // An upgrade that changes nothing sends no PATCH at all.
    let res = c
        .update(&original_of(&c, &v2_text).await, &target, false)
        .await
        .unwrap();
    assert_eq!(res.updated.len(), 2);
    let reqs = kube_support::resource_requests(&log);
    assert_eq!(count(&reqs, "PATCH"), 0, "{reqs:#?}");

    // uninstall --wait: DELETE each, then GET each until 404.
    c.delete(&target, Propagation::Background).await.unwrap();
    c.wait_for_delete(&target, Duration::from_secs(20))
        .await
        .unwrap();
    let reqs = kube_support::resource_requests(&log);
    assert_eq!(
        (count(&reqs, "DELETE"), count(&reqs, "GET")),
        (2, 2),
        "{reqs:#?}"
    );
}

async fn original_of(c: &KubeClient, manifest: &str) -> ResourceList {
    c.build(manifest).await.unwrap()
}

#[tokio::test]
async fn pod_list_and_logs() {
    let Some((c, ns)) = client("logs").await else {
        return;
    };
    let pod = c
        .build("apiVersion: v1\nkind: Pod\nmetadata:\n  name: tester\nspec:\n  restartPolicy: Never\n  containers: [{name: t, image: busybox}]\n")
        .await
        .unwrap();
    c.create(&pod).await.unwrap();
    let pods = c.get_pod_list(&ns, "metadata.name=tester").await.unwrap();
    assert_eq!(pods.len(), 1);
    assert_eq!(pods[0]["spec"]["containers"][0]["name"], json!("t"));
    assert!(c
        .get_pod_list(&ns, "metadata.name=other")
        .await
        .unwrap()
        .is_empty());
    // This apiserver has no kubelet: a pod never scheduled has an empty log.
    assert_eq!(c.pod_logs(&ns, "tester", "t").await.unwrap(), "");
    let err = c.pod_logs(&ns, "nopod", "t").await.unwrap_err();
    assert!(err.is_not_found(), "{err}");
}
