//! Replays the read-only release commands (`history`, `status`, `list`, `get`) recorded
//! from the real helm 3.17.3 by `scripts/record-release-cli-goldens.sh`: the release
//! Secrets helm wrote (`testdata/release-cli/secrets-{a,b}.json`) are loaded into the
//! namespaces helm wrote them in (`rc-a`, `rc-b`) on the test API server
//! (`CHART_TEST_KUBECONFIG`), then every case of `testdata/release-cli/cases.txt` runs
//! against the `chart` binary and its stdout, stderr and exit code are compared byte for
//! byte with helm's. The records are also loaded as the configmap driver keeps them, and
//! every case runs again with `HELM_DRIVER=configmap`.
//!
//! The namespaces are the recorded ones because a record names its namespace, and
//! `list -A` keeps one revision per (record namespace, name): copies of these records in
//! other namespaces would merge with them. Runs on one server take turns through a lock
//! (a ConfigMap in `rc-a`; one older than two minutes is stale) and each run first deletes
//! the release Secrets of both namespaces. The API server of the tests runs no
//! controllers, so namespaces are never deleted (they would stay Terminating).
//!
//! `status --show-resources` prints live objects: the test creates the objects of the
//! recorded manifests in `rc-a` (those that already exist are left alone).
//!
//! Normalisations: helm's usage errors name the binary `helm` where ours says `chart`;
//! the AGE cells of `--show-resources` tables (the objects' age, different on every run)
//! read `<age>`.
//!
//! Without `CHART_TEST_KUBECONFIG` the test prints why it skipped and passes, except under
//! `CI`, where it fails.

mod common;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use k8s_openapi::api::core::v1::{ConfigMap, Namespace, Secret};
use kube::api::{DeleteParams, ListParams, PostParams};
use kube::Api;

const NAMESPACES: [(&str, &str); 2] = [("a", "rc-a"), ("b", "rc-b")];
const LOCK: &str = "release-cli-goldens-lock";

fn kubeconfig() -> Option<String> {
    match std::env::var("CHART_TEST_KUBECONFIG") {
        Ok(v) if !v.is_empty() => Some(v),
        _ => {
            assert!(
                std::env::var_os("CI").is_none(),
                "CHART_TEST_KUBECONFIG not set: CI must not skip cluster tests (run scripts/test.sh)"
            );
            println!("skipped: CHART_TEST_KUBECONFIG not set (run scripts/test.sh)");
            None
        }
    }
}

async fn client(kubeconfig: &str) -> kube::Client {
    let kc = kube::config::Kubeconfig::read_from(kubeconfig).expect("kubeconfig");
    let cfg = kube::Config::from_custom_kubeconfig(kc, &kube::config::KubeConfigOptions::default())
        .await
        .expect("client config");
    kube::Client::try_from(cfg).expect("client")
}

fn is_conflict(e: &kube::Error) -> bool {
    matches!(e, kube::Error::Api(s) if s.code == 409)
}

async fn ensure_namespace(client: &kube::Client, name: &str) {
    let api: Api<Namespace> = Api::all(client.clone());
    let mut n = Namespace::default();
    n.metadata.name = Some(name.to_owned());
    match api.create(&PostParams::default(), &n).await {
        Ok(_) => {}
        Err(e) if is_conflict(&e) => {}
        Err(e) => panic!("create namespace {name}: {e}"),
    }
}

/// Takes the lock: creates the lock ConfigMap, waiting while another run holds it.
async fn lock(client: &kube::Client) {
    let api: Api<ConfigMap> = Api::namespaced(client.clone(), NAMESPACES[0].1);
    let mut cm = ConfigMap::default();
    cm.metadata.name = Some(LOCK.to_owned());
    for _ in 0..300 {
        match api.create(&PostParams::default(), &cm).await {
            Ok(_) => return,
            Err(e) if is_conflict(&e) => {
                let stale = api.get_opt(LOCK).await.ok().flatten().and_then(|c| {
                    c.metadata.creation_timestamp.map(|t| {
                        let now = std::time::SystemTime::now()
                            .duration_since(std::time::UNIX_EPOCH)
                            .map(|d| d.as_secs() as i64)
                            .unwrap_or(0);
                        let age = now - t.0.as_second();
                        age > 120
                    })
                });
                if stale == Some(true) {
                    let _ = api.delete(LOCK, &DeleteParams::default()).await;
                } else {
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
            Err(e) => panic!("lock: {e}"),
        }
    }
    panic!("{LOCK} held for more than 5 minutes");
}

async fn unlock(client: &kube::Client) {
    let api: Api<ConfigMap> = Api::namespaced(client.clone(), NAMESPACES[0].1);
    let _ = api.delete(LOCK, &DeleteParams::default()).await;
}

/// Creates the objects of every recorded manifest of `file` in namespace `ns` (for
/// `--show-resources`); objects that exist already, or cannot be made, are left alone.
async fn create_objects(client: &kube::Client, ns: &str, file: &Path) {
    use base64::Engine as _;
    let recs: Vec<serde_json::Value> =
        serde_json::from_slice(&std::fs::read(file).expect("secrets")).expect("secrets json");
    let kube = chart_core::kube::KubeClient::new(client.clone(), ns);
    for r in recs {
        let payload = base64::engine::general_purpose::STANDARD
            .decode(r["data"]["release"].as_str().expect("release"))
            .expect("base64");
        let rel = chart_core::storage::driver::decode_release(&payload).expect("decode");
        let Ok(infos) = kube.build(&rel.manifest).await else {
            continue;
        };
        for info in infos {
            if !kube.exists(&info).await.unwrap_or(true) {
                let _ = kube.create(std::slice::from_ref(&info)).await;
            }
        }
    }
}

/// Masks the AGE cells (the last cell of a table row) of a `RESOURCES:` section.
fn mask_ages(text: &str) -> String {
    let mut out = String::new();
    let mut in_resources = false;
    for line in text.split_inclusive('\n') {
        if line == "RESOURCES:\n" {
            in_resources = true;
        } else if line.starts_with("TEST SUITE:") || line.starts_with("NOTES:") {
            in_resources = false;
        }
        let body = line.trim_end_matches('\n');
        if in_resources {
            if let Some((head, last)) = body.rsplit_once("   ") {
                let is_age = !last.is_empty()
                    && last.starts_with(|c: char| c.is_ascii_digit())
                    && last
                        .chars()
                        .all(|c| c.is_ascii_digit() || "smhdy".contains(c));
                if is_age {
                    out.push_str(head);
                    out.push_str("   <age>");
                    out.push_str(&line[body.len()..]);
                    continue;
                }
            }
        }
        out.push_str(line);
    }
    out
}

/// Replaces the release Secrets of namespace `ns` with the recorded ones.
async fn load(client: &kube::Client, ns: &str, file: &Path) {
    let secrets: Api<Secret> = Api::namespaced(client.clone(), ns);
    secrets
        .delete_collection(
            &DeleteParams::default(),
            &ListParams::default().labels("owner=helm"),
        )
        .await
        .expect("delete old records");
    let recs: Vec<serde_json::Value> =
        serde_json::from_slice(&std::fs::read(file).expect("secrets")).expect("secrets json");
    for r in recs {
        let obj = serde_json::json!({
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": r["name"], "namespace": ns, "labels": r["labels"]},
            "type": r["type"],
            "data": r["data"],
        });
        let s: Secret = serde_json::from_value(obj).expect("secret");
        secrets
            .create(&PostParams::default(), &s)
            .await
            .expect("create secret");
    }
}

/// Replaces the release ConfigMaps of namespace `ns` with the recorded records as the
/// configmap driver keeps them (the same labels; the payload without the Secret's extra
/// base64 layer).
async fn load_configmaps(client: &kube::Client, ns: &str, file: &Path) {
    use base64::Engine as _;
    let cms: Api<ConfigMap> = Api::namespaced(client.clone(), ns);
    cms.delete_collection(
        &DeleteParams::default(),
        &ListParams::default().labels("owner=helm"),
    )
    .await
    .expect("delete old records");
    let recs: Vec<serde_json::Value> =
        serde_json::from_slice(&std::fs::read(file).expect("secrets")).expect("secrets json");
    for r in recs {
        let payload = base64::engine::general_purpose::STANDARD
            .decode(r["data"]["release"].as_str().expect("release"))
            .expect("base64");
        let obj = serde_json::json!({
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": r["name"], "namespace": ns, "labels": r["labels"]},
            "data": {"release": String::from_utf8(payload).expect("payload text")},
        });
        let cm: ConfigMap = serde_json::from_value(obj).expect("configmap");
        cms.create(&PostParams::default(), &cm)
            .await
            .expect("create configmap");
    }
}

#[test]
fn release_commands_match_helm() {
    let Some(kc) = kubeconfig() else { return };
    let root = common::repo_root();
    let dir = root.join("testdata/release-cli");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let c = rt.block_on(async {
        let c = client(&kc).await;
        for (_, ns) in NAMESPACES {
            ensure_namespace(&c, ns).await;
        }
        lock(&c).await;
        for (key, ns) in NAMESPACES {
            load(&c, ns, &dir.join(format!("secrets-{key}.json"))).await;
            load_configmaps(&c, ns, &dir.join(format!("secrets-{key}.json"))).await;
        }
        create_objects(&c, NAMESPACES[0].1, &dir.join("secrets-a.json")).await;
        c
    });

    let cases = std::fs::read_to_string(dir.join("cases.txt")).expect("cases.txt");
    let mut failures = Vec::new();
    let mut count = 0;
    // helm's output depends on the records only: the same goldens hold for the records
    // kept as ConfigMaps.
    for driver in ["secret", "configmap"] {
        for line in cases.lines() {
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let mut parts = line.splitn(3, '\t');
            let (name, ns, args) = (
                parts.next().expect("name"),
                parts.next().expect("namespace"),
                parts.next().expect("args"),
            );
            count += 1;
            let mut cmd = Command::new(env!("CARGO_BIN_EXE_chart"));
            cmd.arg("--kubeconfig").arg(&kc);
            if let Some((_, ns)) = NAMESPACES.iter().find(|(k, _)| *k == ns) {
                cmd.args(["-n", ns]);
            }
            for a in args.split(' ') {
                cmd.arg(a.replace("\\s", " "));
            }
            cmd.env_remove("HELM_NAMESPACE")
                .env("HELM_DRIVER", driver)
                .env_remove("HELM_DEBUG")
                .env_remove("KUBECONFIG")
                .env("TZ", "UTC")
                .env("LC_ALL", "C");
            let out = cmd.output().expect("run chart");
            let read = |ext: &str| {
                std::fs::read(dir.join("out").join(format!("{name}.{ext}")))
                    .unwrap_or_else(|e| panic!("golden {name}.{ext}: {e}"))
            };
            let want_out = mask_ages(&String::from_utf8_lossy(&read("stdout")));
            let got_out = mask_ages(&String::from_utf8_lossy(&out.stdout));
            let want_err = String::from_utf8_lossy(&read("stderr"))
                .replace("\"helm ", "\"chart ")
                .replace("Usage:  helm ", "Usage:  chart ");
            let want_code: i32 = String::from_utf8_lossy(&read("code"))
                .trim()
                .parse()
                .expect("code");
            let code = out.status.code().unwrap_or(-1);
            let got_err = String::from_utf8_lossy(&out.stderr);
            if got_out != want_out || got_err != want_err || code != want_code {
                failures.push(format!(
                "{name} ({args}, HELM_DRIVER={driver}):\n--- helm (exit {want_code})\n{}{want_err}\n--- chart (exit {code})\n{}{got_err}",
                want_out,
                got_out,
            ));
            }
        }
    }
    rt.block_on(unlock(&c));
    assert!(count >= 200, "only {count} case runs (cases.txt twice)");
    assert!(
        failures.is_empty(),
        "{} of {count} cases differ from helm:\n\n{}",
        failures.len(),
        failures.join("\n")
    );
}
