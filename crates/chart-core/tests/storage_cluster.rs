//! The storage drivers against real servers: the Secret and ConfigMap drivers against a
//! real kube-apiserver (`CHART_TEST_KUBECONFIG`), the SQL driver against a real
//! PostgreSQL (`CHART_TEST_PG`), and records written by our Secret driver read by the real
//! helm (`HELM_BIN`, default /usr/local/bin/helm).
//!
//! Without those the tests print why they skipped and pass, except under `CI`, where
//! they fail. `scripts/test.sh` starts the servers and sets the variables. Every test
//! works in a namespace of its own, so they run in parallel.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use base64::Engine as _;
use chart_core::gotmpl::{self, Value};
use chart_core::release::{ChartRecord, Info, Release, Status, Time};
use chart_core::storage::driver::{decode_release, ConfigMaps, Driver, Secrets, Sql};
use chart_core::storage::{make_key, Storage, StorageError};
use k8s_openapi::api::core::v1::{ConfigMap, Namespace, Secret};
use kube::api::{ListParams, PostParams};
use kube::Api;

/// The variable's value; `None` (after saying why) when unset outside CI.
fn need(var: &str) -> Option<String> {
    match std::env::var(var) {
        Ok(v) if !v.is_empty() => Some(v),
        _ => {
            assert!(
                std::env::var_os("CI").is_none(),
                "{var} not set: CI must not skip cluster tests (run scripts/test.sh)"
            );
            println!("skipped: {var} not set (run scripts/test.sh)");
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

/// A fresh namespace name for this test run.
fn unique(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!(
        "{prefix}-{:x}-{}",
        nanos & 0xffff_ffff_ffff,
        std::process::id()
    )
}

async fn create_namespace(client: &kube::Client, name: &str) {
    let api: Api<Namespace> = Api::all(client.clone());
    let mut ns = Namespace::default();
    ns.metadata.name = Some(name.to_owned());
    api.create(&PostParams::default(), &ns)
        .await
        .expect("create namespace");
}

/// A release made by helm (the recorded `full` chart record), renamed.
fn sample(name: &str, ns: &str, version: i64, status: Status) -> Release {
    let golden = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata/release/records/secret/sh.helm.release.v1.full.v1.json");
    let rec: serde_json::Value =
        serde_json::from_slice(&std::fs::read(golden).expect("golden")).expect("json");
    let payload = base64::engine::general_purpose::STANDARD
        .decode(rec["release"].as_str().expect("release"))
        .expect("base64");
    let mut r = decode_release(&payload).expect("decode");
    r.name = name.to_owned();
    r.namespace = ns.to_owned();
    r.version = version;
    r.labels = BTreeMap::from([("team".to_owned(), "blue".to_owned())]);
    r.set_status(status, format!("revision {version}"));
    r
}

/// A release built from a chart directory loaded by us.
fn sample_from_chart(name: &str, ns: &str, version: i64, status: Status) -> Release {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/release/charts/basic");
    let chart = chart_core::chart::load(dir.to_str().expect("path")).expect("load chart");
    let mut config = gotmpl::Map::new();
    config.insert("x".into(), Value::int64(7));
    config.insert("html".into(), Value::str("<b>&</b>"));
    let now = Time::now();
    Release {
        name: name.to_owned(),
        info: Some(Info {
            first_deployed: now,
            last_deployed: now,
            description: "Install complete".into(),
            status,
            notes: format!("basic {name} revision {version}\n"),
            ..Info::default()
        }),
        chart: Some(ChartRecord::from_chart(&chart).expect("chart record")),
        config: Value::map(config),
        manifest: format!(
            "---\n# Source: basic/templates/cm.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}-cm\ndata:\n  x: \"7\"\n  greeting: \"hello\"\n"
        ),
        hooks: Vec::new(),
        version,
        apply_method: String::new(),
        namespace: ns.to_owned(),
        labels: BTreeMap::new(),
    }
}

fn versions(ls: &[Release]) -> Vec<i64> {
    let mut v: Vec<i64> = ls.iter().map(|r| r.version).collect();
    v.sort_unstable();
    v
}

/// The behaviour every driver shares, on release `name` in namespace `ns`.
async fn exercise(mut store: Storage, ns: &str, name: &str, custom_queries: bool) -> Storage {
    let r1 = sample(name, ns, 1, Status::Deployed);
    store.create(&r1).await.expect("create v1");
    assert!(matches!(store.create(&r1).await, Err(StorageError::Exists)));

    let got = store.get(name, 1).await.expect("get v1");
    assert_eq!(got.to_json().expect("json"), r1.to_json().expect("json"));
    assert_eq!(got.labels, r1.labels, "get returns custom labels only");

    let mut r1s = r1.clone();
    r1s.set_status(Status::Superseded, "superseded by new release");
    store.update(&r1s).await.expect("update v1");
    store
        .create(&sample(name, ns, 2, Status::Deployed))
        .await
        .expect("create v2");
    store
        .create(&sample(name, ns, 3, Status::Failed))
        .await
        .expect("create v3");

    assert_eq!(
        versions(&store.history(name).await.expect("history")),
        [1, 2, 3]
    );
    assert_eq!(store.last(name).await.expect("last").version, 3);
    assert_eq!(store.deployed(name).await.expect("deployed").version, 2);
    assert_eq!(
        store.get(name, 1).await.expect("get").status(),
        Status::Superseded
    );
    let mine = |r: &Release| r.name == name;
    let listed = store.driver().list(&mine).await.expect("list");
    assert_eq!(versions(&listed), [1, 2, 3]);
    for r in &listed {
        assert_eq!(r.labels.get("owner").map(String::as_str), Some("helm"));
        assert_eq!(r.labels.get("version"), Some(&r.version.to_string()));
    }
    if custom_queries {
        let q = BTreeMap::from([
            ("name".to_owned(), name.to_owned()),
            ("team".to_owned(), "blue".to_owned()),
        ]);
        assert_eq!(
            versions(&store.driver().query(&q).await.expect("query")),
            [1, 2, 3]
        );
        let bad = BTreeMap::from([("name".to_owned(), "Bad Name!".to_owned())]);
        assert!(matches!(
            store.driver().query(&bad).await,
            Err(StorageError::InvalidLabelValue { .. })
        ));
    }
    assert!(store
        .history("nonexistent")
        .await
        .expect_err("none")
        .is_not_found());
    assert_eq!(
        store
            .deployed("nonexistent")
            .await
            .expect_err("none")
            .to_string(),
        "\"nonexistent\" has no deployed releases"
    );

    // --history-max 2: the deployed revision 2 stays, 1 and 3 go.
    store.max_history = 2;
    store
        .create(&sample(name, ns, 4, Status::PendingUpgrade))
        .await
        .expect("create v4");
    assert_eq!(
        versions(&store.history(name).await.expect("history")),
        [2, 4]
    );
    store.max_history = 0;

    let gone = store.delete(name, 4).await.expect("delete v4");
    assert_eq!(gone.version, 4);
    assert!(store.get(name, 4).await.expect_err("gone").is_not_found());
    assert!(store
        .delete(name, 4)
        .await
        .expect_err("gone")
        .is_not_found());
    store
}

/// Pseudo-random text that gzip cannot shrink much.
fn noise(len: usize) -> String {
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut bytes = Vec::with_capacity(len);
    for _ in 0..len {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        bytes.push((x >> 24) as u8);
    }
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

#[tokio::test]
async fn secret_driver_against_apiserver() {
    let Some(kc) = need("CHART_TEST_KUBECONFIG") else {
        return;
    };
    let client = client(&kc).await;
    let ns = unique("sec");
    create_namespace(&client, &ns).await;
    let store = Storage::new(Box::new(Secrets::new(client.clone(), &ns)));
    assert_eq!(store.driver().name(), "Secret");
    let store = exercise(store, &ns, "web", true).await;

    // The objects as helm writes them.
    let api: Api<Secret> = Api::namespaced(client.clone(), &ns);
    let s = api.get(&make_key("web", 2)).await.expect("secret");
    assert_eq!(s.type_.as_deref(), Some("helm.sh/release.v1"));
    let labels = s.metadata.labels.clone().unwrap_or_default();
    for (k, v) in [
        ("name", "web"),
        ("owner", "helm"),
        ("status", "deployed"),
        ("version", "2"),
        ("team", "blue"),
    ] {
        assert_eq!(labels.get(k).map(String::as_str), Some(v), "label {k}");
    }
    assert!(labels.contains_key("createdAt"));
    let data = &s.data.as_ref().expect("data")["release"].0;
    assert!(data.starts_with(b"H4sI"));
    let updated = api.get(&make_key("web", 2)).await.expect("secret");
    assert!(!updated
        .metadata
        .labels
        .unwrap_or_default()
        .contains_key("modifiedAt"));
    let v2 = store.get("web", 2).await.expect("get");
    store.update(&v2).await.expect("update");
    let labels = api
        .get(&make_key("web", 2))
        .await
        .expect("secret")
        .metadata
        .labels
        .unwrap_or_default();
    assert!(labels.contains_key("modifiedAt") && !labels.contains_key("createdAt"));

    // Too large: refused before anything is written.
    let mut big = sample("big", &ns, 1, Status::Deployed);
    big.manifest = noise(1024 * 1024);
    let err = store.create(&big).await.expect_err("too large");
    assert!(matches!(err, StorageError::TooLarge { .. }), "{err}");
    assert!(err.to_string().contains("sql"), "{err}");
    assert!(store
        .get("big", 1)
        .await
        .expect_err("absent")
        .is_not_found());
    let all = api
        .list(&ListParams::default().labels("name=big"))
        .await
        .expect("list");
    assert!(all.items.is_empty());
}

#[tokio::test]
async fn configmap_driver_against_apiserver() {
    let Some(kc) = need("CHART_TEST_KUBECONFIG") else {
        return;
    };
    let client = client(&kc).await;
    let ns = unique("cm");
    create_namespace(&client, &ns).await;
    let store = Storage::new(Box::new(ConfigMaps::new(client.clone(), &ns)));
    assert_eq!(store.driver().name(), "ConfigMap");
    let store = exercise(store, &ns, "api", true).await;

    let api: Api<ConfigMap> = Api::namespaced(client.clone(), &ns);
    let cm = api.get(&make_key("api", 2)).await.expect("configmap");
    let data = &cm.data.as_ref().expect("data")["release"];
    assert!(data.starts_with("H4sI"), "single base64 layer");
    assert_eq!(
        cm.metadata
            .labels
            .unwrap_or_default()
            .get("status")
            .map(String::as_str),
        Some("deployed")
    );

    let mut big = sample("big", &ns, 1, Status::Deployed);
    big.manifest = noise(1024 * 1024);
    assert!(matches!(
        store.create(&big).await,
        Err(StorageError::TooLarge { .. })
    ));
    assert!(store
        .get("big", 1)
        .await
        .expect_err("absent")
        .is_not_found());
}

#[tokio::test]
async fn sql_driver_against_postgres() {
    let Some(conn) = need("CHART_TEST_PG") else {
        return;
    };
    let ns = unique("sql");
    let driver = Sql::connect(&conn, &ns).await.expect("connect");
    assert_eq!(driver.name(), "SQL");
    let store = exercise(Storage::new(Box::new(driver)), &ns, "db", false).await;
    // Queries by custom labels are not possible in SQL (Helm's message).
    let q = BTreeMap::from([("team".to_owned(), "blue".to_owned())]);
    assert_eq!(
        store
            .driver()
            .query(&q)
            .await
            .expect_err("unknown")
            .to_string(),
        "unknown label team"
    );
    // Custom labels are kept in custom_labels_v1.
    assert_eq!(
        store
            .get("db", 2)
            .await
            .expect("get")
            .labels
            .get("team")
            .map(String::as_str),
        Some("blue")
    );
    // Connecting again finds the migrations applied; large records are fine here.
    let again = Sql::connect(&conn, &ns).await.expect("reconnect");
    let store = Storage::new(Box::new(again));
    let mut big = sample("big", &ns, 1, Status::Deployed);
    big.manifest = noise(1024 * 1024);
    store.create(&big).await.expect("large record");
    assert_eq!(
        store.get("big", 1).await.expect("get").manifest.len(),
        big.manifest.len()
    );
    // Other namespaces' rows are invisible.
    let other = Sql::connect(&conn, &unique("sqlother"))
        .await
        .expect("connect");
    assert!(Storage::new(Box::new(other))
        .history("db")
        .await
        .expect_err("other namespace")
        .is_not_found());
}

fn helm(bin: &str, kc: &str, ns: &str, args: &[&str]) -> String {
    let out = Command::new(bin)
        .args(["--kubeconfig", kc, "-n", ns])
        .args(args)
        .env("HELM_DRIVER", "secret")
        .output()
        .expect("run helm");
    assert!(
        out.status.success(),
        "helm {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

#[tokio::test]
async fn helm_reads_our_secret_records() {
    let Some(kc) = need("CHART_TEST_KUBECONFIG") else {
        return;
    };
    let bin = std::env::var("HELM_BIN").unwrap_or_else(|_| "/usr/local/bin/helm".to_owned());
    if !Path::new(&bin).exists() {
        assert!(
            std::env::var_os("CI").is_none(),
            "helm not found at {bin}: CI must not skip"
        );
        println!("skipped: helm not found at {bin} (set HELM_BIN)");
        return;
    }
    let client = client(&kc).await;
    let ns = unique("interop");
    create_namespace(&client, &ns).await;
    let store = Storage::new(Box::new(Secrets::new(client.clone(), &ns)));

    let mut v1 = sample_from_chart("ours", &ns, 1, Status::Superseded);
    v1.set_status(Status::Superseded, "Install complete");
    store.create(&v1).await.expect("create v1");
    let v2 = sample_from_chart("ours", &ns, 2, Status::Deployed);
    store.create(&v2).await.expect("create v2");
    let full = sample("full", &ns, 1, Status::Deployed);
    store.create(&full).await.expect("create full");

    let list: serde_json::Value =
        serde_json::from_str(&helm(&bin, &kc, &ns, &["list", "-o", "json"])).expect("json");
    let list = list.as_array().expect("array");
    assert_eq!(list.len(), 2, "{list:?}");
    let ours = list
        .iter()
        .find(|r| r["name"] == "ours")
        .expect("ours listed");
    assert_eq!(ours["revision"], "2");
    assert_eq!(ours["status"], "deployed");
    assert_eq!(ours["chart"], "basic-0.1.0");
    assert_eq!(ours["app_version"], "1.0");

    let hist: serde_json::Value =
        serde_json::from_str(&helm(&bin, &kc, &ns, &["history", "ours", "-o", "json"]))
            .expect("json");
    let hist = hist.as_array().expect("array");
    assert_eq!(hist.len(), 2);
    assert_eq!(hist[0]["status"], "superseded");
    assert_eq!(hist[1]["description"], "Install complete");

    let values: serde_json::Value = serde_json::from_str(&helm(
        &bin,
        &kc,
        &ns,
        &["get", "values", "ours", "-o", "json"],
    ))
    .expect("json");
    assert_eq!(values, serde_json::json!({"x": 7, "html": "<b>&</b>"}));
    let all_values: serde_json::Value = serde_json::from_str(&helm(
        &bin,
        &kc,
        &ns,
        &["get", "values", "ours", "--all", "-o", "json"],
    ))
    .expect("json");
    assert_eq!(all_values["greeting"], "hello");
    assert_eq!(all_values["x"], 7);

    assert_eq!(
        helm(&bin, &kc, &ns, &["get", "manifest", "ours"]),
        format!("{}\n", v2.manifest)
    );
    assert_eq!(
        helm(&bin, &kc, &ns, &["get", "notes", "ours"]),
        "NOTES:\nbasic ours revision 2\n\n"
    );
    let all = helm(&bin, &kc, &ns, &["get", "all", "full"]);
    assert!(
        all.contains("HOOKS:\n---\n# Source: full/templates/hook-post.yaml"),
        "{all}"
    );
    assert!(all.contains("COMPUTED VALUES:"), "{all}");
    let status = helm(&bin, &kc, &ns, &["status", "ours"]);
    assert!(
        status.contains("STATUS: deployed\nREVISION: 2\n"),
        "{status}"
    );
    assert!(status.contains(&format!("NAMESPACE: {ns}\n")), "{status}");

    // helm changes a record of ours; we read what it wrote.
    helm(&bin, &kc, &ns, &["uninstall", "ours", "--keep-history"]);
    let after = store.last("ours").await.expect("last");
    assert_eq!(after.status(), Status::Uninstalled);
    let info = after.info.as_ref().expect("info");
    assert_eq!(info.description, "Uninstallation complete");
    assert!(!info.deleted.is_zero());
    assert_eq!(after.manifest, v2.manifest);
    assert_eq!(after.config.as_str(), None);
    let back = Release::from_json(after.to_json().expect("json").as_bytes()).expect("decode");
    assert_eq!(
        back.to_json().expect("json"),
        after.to_json().expect("json")
    );
}

#[tokio::test]
async fn helm_and_sql_driver_share_records() {
    let (Some(kc), Some(conn)) = (need("CHART_TEST_KUBECONFIG"), need("CHART_TEST_PG")) else {
        return;
    };
    let bin = std::env::var("HELM_BIN").unwrap_or_else(|_| "/usr/local/bin/helm".to_owned());
    if !Path::new(&bin).exists() {
        assert!(
            std::env::var_os("CI").is_none(),
            "helm not found at {bin}: CI must not skip"
        );
        println!("skipped: helm not found at {bin} (set HELM_BIN)");
        return;
    }
    let client = client(&kc).await;
    let ns = unique("sqlhelm");
    create_namespace(&client, &ns).await;
    let run = |args: &[&str]| {
        let out = Command::new(&bin)
            .args(["--kubeconfig", &kc, "-n", &ns])
            .args(args)
            .env("HELM_DRIVER", "sql")
            .env("HELM_DRIVER_SQL_CONNECTION_STRING", &conn)
            .output()
            .expect("run helm");
        assert!(
            out.status.success(),
            "helm {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("utf-8")
    };
    // helm writes, we read.
    let chart = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/release/charts/basic");
    run(&[
        "install",
        "viahelm",
        chart.to_str().expect("path"),
        "--set",
        "x=9",
        "--labels",
        "team=red",
    ]);
    let store = Storage::new(Box::new(Sql::connect(&conn, &ns).await.expect("connect")));
    let got = store.last("viahelm").await.expect("last");
    assert_eq!(got.status(), Status::Deployed);
    assert_eq!(got.labels.get("team").map(String::as_str), Some("red"));
    assert_eq!(
        got.chart
            .as_ref()
            .and_then(|c| c.metadata.as_ref())
            .map(|m| m.name.as_str()),
        Some("basic")
    );
    // We write, helm reads.
    let mut v2 = got.clone();
    v2.version = 2;
    v2.set_status(Status::Deployed, "written by chart");
    let mut v1 = got.clone();
    v1.set_status(Status::Superseded, "superseded by new release");
    store.update(&v1).await.expect("update");
    store.create(&v2).await.expect("create");
    let hist: serde_json::Value =
        serde_json::from_str(&run(&["history", "viahelm", "-o", "json"])).expect("json");
    let hist = hist.as_array().expect("array");
    assert_eq!(hist.len(), 2);
    assert_eq!(hist[0]["status"], "superseded");
    assert_eq!(hist[1]["description"], "written by chart");
    let values: serde_json::Value =
        serde_json::from_str(&run(&["get", "values", "viahelm", "-o", "json"])).expect("json");
    assert_eq!(values, serde_json::json!({"x": 9}));
}
