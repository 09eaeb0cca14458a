//! The release commands against a real API server (issue 10's acceptance tests): the
//! `chart` binary and the real helm (`HELM_BIN`, default /usr/local/bin/helm, v3.17.3)
//! run the same operations in two namespaces of one server, and what they print, the
//! records they write and the live objects they leave are compared; helm and chart then
//! operate on each other's releases; and the fault cases (concurrent upgrades, a killed
//! upgrade, an oversized record).
//!
//! Needs `CHART_TEST_KUBECONFIG` (else skipped with a printed reason, failed under `CI`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
#[path = "support/fault_proxy.rs"]
mod fault_proxy;
#[path = "../../chart-core/tests/kube_support/mod.rs"]
mod kube_support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use chart_core::action::config::Configuration;
use chart_core::kube::KubeSettings;
use chart_core::storage::{sort_by_revision, DriverKind};
use serde_json::Value;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn demo() -> String {
    repo()
        .join("testdata/release/charts/demo")
        .to_string_lossy()
        .into_owned()
}

/// The helm binary, or `None` after printing the skip line (a failure under `CI`).
fn helm_bin() -> Option<String> {
    let p = std::env::var("HELM_BIN").unwrap_or_else(|_| "/usr/local/bin/helm".into());
    if Path::new(&p).exists() {
        return Some(p);
    }
    if std::env::var_os("CI").is_some() {
        panic!("helm not found at {p} (set HELM_BIN), and CI never skips");
    }
    println!("skipped: helm not found at {p} (set HELM_BIN)");
    None
}

struct Env {
    kubeconfig: String,
    home: PathBuf,
}

impl Env {
    fn new(kubeconfig: &str, tag: &str) -> Env {
        let home = std::env::temp_dir().join(format!("chart-release-{tag}-{}", std::process::id()));
        std::fs::create_dir_all(&home).unwrap();
        Env {
            kubeconfig: kubeconfig.to_owned(),
            home,
        }
    }

    fn cmd(&self, bin: &str, ns: &str, args: &[&str]) -> Command {
        let mut c = Command::new(bin);
        c.args(args)
            .arg("-n")
            .arg(ns)
            .env("KUBECONFIG", &self.kubeconfig)
            .env("TZ", "UTC")
            .env("LC_ALL", "C")
            .env("HOME", &self.home)
            .env("HELM_CACHE_HOME", self.home.join("cache"))
            .env("HELM_CONFIG_HOME", self.home.join("config"))
            .env("HELM_DATA_HOME", self.home.join("data"))
            .env_remove("HELM_DRIVER")
            .env_remove("HELM_NAMESPACE")
            .env_remove("HELM_MAX_HISTORY")
            .stdin(Stdio::null());
        c
    }

    fn run(&self, bin: &str, ns: &str, args: &[&str]) -> Output {
        self.cmd(bin, ns, args).output().unwrap()
    }
}

fn chart_bin() -> &'static str {
    env!("CARGO_BIN_EXE_chart")
}

/// Runs `case` under helm (in namespace `ns_h`) and chart (in `ns_c`) and asserts the same
/// exit status, stdout (as `stdout` masks it, given the namespace) and stderr (the
/// namespace masked).
fn same_in_namespaces(
    env: &Env,
    helm: &str,
    (ns_c, ns_h): (&str, &str),
    case: &[&str],
    stdout: impl Fn(&Output, &str) -> String,
) {
    common::same_as_helm(&format!("{case:?}"), Path::new(helm), |bin, who| {
        let ns = if who == "helm" { ns_h } else { ns_c };
        let o = env.run(&bin.to_string_lossy(), ns, case);
        common::Ran {
            stdout: stdout(&o, ns),
            stderr: err_text(&o).replace(ns, "<ns>"),
            code: o.status.code().unwrap_or(-1),
        }
    });
}

fn text(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn err_text(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn ok(o: Output, what: &str) -> Output {
    assert!(
        o.status.success(),
        "{what} failed:\nstdout: {}\nstderr: {}",
        text(&o),
        err_text(&o)
    );
    o
}

/// stdout with the `LAST DEPLOYED:` line masked.
fn masked(o: &Output) -> String {
    text(o)
        .lines()
        .map(|l| {
            if l.starts_with("LAST DEPLOYED: ") {
                "LAST DEPLOYED: <masked>"
            } else {
                l
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

async fn config(kubeconfig: &str, ns: &str) -> Configuration {
    let s = KubeSettings {
        kubeconfig: Some(kubeconfig.into()),
        namespace: Some(ns.to_owned()),
        ..KubeSettings::default()
    };
    Configuration::connect_with(&s, DriverKind::Secret, "", false)
        .await
        .unwrap()
}

/// A record's JSON with times, the namespace and storage labels masked.
fn masked_record(json: &str, ns: &str) -> Value {
    fn walk(v: &mut Value, ns: &str) {
        match v {
            Value::Object(m) => {
                for (k, val) in m.iter_mut() {
                    let time_key = matches!(
                        k.as_str(),
                        "first_deployed"
                            | "last_deployed"
                            | "deleted"
                            | "started_at"
                            | "completed_at"
                    );
                    if time_key {
                        if val.as_str().is_some_and(|s| !s.is_empty()) {
                            *val = Value::String("<time>".into());
                        }
                    } else {
                        walk(val, ns);
                    }
                }
            }
            Value::Array(a) => a.iter_mut().for_each(|x| walk(x, ns)),
            Value::String(s) if s.contains(ns) => *s = s.replace(ns, "<ns>"),
            _ => {}
        }
    }
    let mut v: Value = serde_json::from_str(json).unwrap();
    walk(&mut v, ns);
    v
}

/// Every record of `name` in `ns`, by revision, masked, with its status label.
async fn records(kubeconfig: &str, ns: &str, name: &str) -> Vec<(Value, String)> {
    let cfg = config(kubeconfig, ns).await;
    let mut h = match cfg.storage.history(name).await {
        Ok(h) => h,
        Err(_) => return Vec::new(),
    };
    sort_by_revision(&mut h);
    h.iter()
        .map(|r| {
            (
                masked_record(&r.to_json().unwrap(), ns),
                r.labels.get("status").cloned().unwrap_or_default(),
            )
        })
        .collect()
}

/// The live objects of the demo release `name` in `ns`, normalized.
async fn live(kubeconfig: &str, ns: &str, name: &str) -> Vec<Value> {
    let cfg = config(kubeconfig, ns).await;
    let mut out = Vec::new();
    for (api, kind, suffix) in [
        ("v1", "ConfigMap", "config"),
        ("v1", "Service", "svc"),
        ("apps/v1", "Deployment", "web"),
        ("batch/v1", "Job", "post-install"),
    ] {
        let v = cfg
            .kube
            .lookup(api, kind, ns, &format!("{name}-{suffix}"))
            .await
            .unwrap();
        let mut v = kube_support::normalize(v);
        if let Some(md) = v.get_mut("metadata").and_then(Value::as_object_mut) {
            md.remove("generation");
        }
        if let Some(o) = v.as_object_mut() {
            o.remove("status");
        }
        out.push(v);
    }
    out
}

async fn lc_has_deployment(kubeconfig: &str, ns: &str) -> bool {
    let v = live(kubeconfig, ns, "rel").await;
    v[2]["spec"]["template"]["spec"]["containers"].is_array()
}

async fn fresh_namespace(kubeconfig: &str, tag: &str) -> String {
    let ns = kube_support::unique_ns(tag);
    let c = config(kubeconfig, "default").await;
    kube_support::create_namespace(c.kube.client(), &ns).await;
    ns
}

/// install (with a post-install/post-upgrade hook Job and --wait), upgrade (ConfigMap
/// changed, Service removed, a container added and one removed), rollback, uninstall:
/// the same output, records and live objects from chart and from helm.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lifecycle_matches_helm() {
    let Some(kc) = kube_support::kubeconfig() else {
        return;
    };
    let Some(helm) = helm_bin() else { return };
    let env = Env::new(&kc, "life");
    let ns_c = fresh_namespace(&kc, "life-c").await;
    let ns_h = fresh_namespace(&kc, "life-h").await;
    let cfg = config(&kc, "default").await;
    let _ctl_c = kube_support::start_controller(cfg.kube.client().clone(), &ns_c);
    let _ctl_h = kube_support::start_controller(cfg.kube.client().clone(), &ns_h);
    let chart = demo();
    let steps: Vec<Vec<&str>> = vec![
        vec![
            "install",
            "rel",
            &chart,
            "--set",
            "hook.enabled=true",
            "--wait",
        ],
        vec![
            "upgrade",
            "rel",
            &chart,
            "--set",
            "hook.enabled=true",
            "--set",
            "greeting=bye",
            "--set",
            "service.enabled=false",
            "--set",
            "sidecar=true",
            "--set",
            "logger=false",
            "--wait",
        ],
        vec!["rollback", "rel", "1", "--wait"],
        vec![
            "upgrade",
            "rel",
            &chart,
            "--reuse-values",
            "--set",
            "replicas=2",
        ],
        vec!["history", "rel"],
    ];
    for (i, step) in steps.iter().enumerate() {
        let c = ok(
            env.run(chart_bin(), &ns_c, step),
            &format!("chart {step:?}"),
        );
        let h = ok(env.run(&helm, &ns_h, step), &format!("helm {step:?}"));
        if step[0] != "history" {
            assert_eq!(
                masked(&c).replace(&ns_c, "<ns>"),
                masked(&h).replace(&ns_h, "<ns>"),
                "output of {step:?}"
            );
        }
        let rc = records(&kc, &ns_c, "rel").await;
        let rh = records(&kc, &ns_h, "rel").await;
        assert_eq!(rc.len(), rh.len(), "record count after {step:?}");
        assert_eq!(rc.len(), [1, 2, 3, 4, 4][i], "record count after {step:?}");
        assert!(lc_has_deployment(&kc, &ns_c).await);
        for (a, b) in rc.iter().zip(&rh) {
            assert_eq!(a.1, b.1, "status label after {step:?}");
            assert_eq!(
                serde_json::to_string_pretty(&a.0).unwrap(),
                serde_json::to_string_pretty(&b.0).unwrap(),
                "record after {step:?}"
            );
        }
        let lc = live(&kc, &ns_c, "rel").await;
        let lh = live(&kc, &ns_h, "rel").await;
        assert_eq!(
            serde_json::to_string_pretty(&lc).unwrap(),
            serde_json::to_string_pretty(&lh).unwrap(),
            "live objects after {step:?}"
        );
    }
    let c = ok(
        env.run(chart_bin(), &ns_c, &["uninstall", "rel"]),
        "chart uninstall",
    );
    let h = ok(
        env.run(&helm, &ns_h, &["uninstall", "rel"]),
        "helm uninstall",
    );
    assert_eq!(text(&c), text(&h));
    assert!(records(&kc, &ns_c, "rel").await.is_empty());
    assert_eq!(
        serde_json::to_string(&live(&kc, &ns_c, "rel").await).unwrap(),
        serde_json::to_string(&live(&kc, &ns_h, "rel").await).unwrap()
    );
}

/// A release installed by chart is listed, upgraded, rolled back and uninstalled by
/// helm; one installed by helm is upgraded, rolled back and uninstalled by chart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn interop_both_ways() {
    let Some(kc) = kube_support::kubeconfig() else {
        return;
    };
    let Some(helm) = helm_bin() else { return };
    let env = Env::new(&kc, "interop");
    let ns = fresh_namespace(&kc, "interop").await;
    let chart = demo();
    let c = chart_bin();
    ok(
        env.run(c, &ns, &["install", "a", &chart]),
        "chart install a",
    );
    let l = ok(env.run(&helm, &ns, &["list"]), "helm list");
    assert!(
        text(&l).contains("a   ")
            || text(&l)
                .lines()
                .any(|x| x.starts_with("a\t") || x.starts_with("a ")),
        "{}",
        text(&l)
    );
    ok(
        env.run(&helm, &ns, &["upgrade", "a", &chart, "--set", "greeting=x"]),
        "helm upgrade a",
    );
    ok(
        env.run(&helm, &ns, &["rollback", "a", "1"]),
        "helm rollback a",
    );
    ok(
        env.run(c, &ns, &["upgrade", "a", &chart, "--set", "greeting=y"]),
        "chart upgrade a after helm",
    );
    ok(env.run(&helm, &ns, &["uninstall", "a"]), "helm uninstall a");
    assert!(records(&kc, &ns, "a").await.is_empty());

    ok(
        env.run(&helm, &ns, &["install", "b", &chart]),
        "helm install b",
    );
    ok(
        env.run(
            c,
            &ns,
            &["upgrade", "b", &chart, "--set", "service.enabled=false"],
        ),
        "chart upgrade b",
    );
    ok(env.run(c, &ns, &["rollback", "b"]), "chart rollback b");
    let st = ok(env.run(&helm, &ns, &["status", "b"]), "helm status b");
    assert!(text(&st).contains("REVISION: 3"), "{}", text(&st));
    let hist = ok(env.run(&helm, &ns, &["history", "b"]), "helm history b");
    assert!(text(&hist).contains("Rollback to 1"), "{}", text(&hist));
    ok(
        env.run(c, &ns, &["uninstall", "b", "--keep-history"]),
        "chart uninstall b",
    );
    let l = ok(
        env.run(&helm, &ns, &["list", "--uninstalled"]),
        "helm list --uninstalled",
    );
    assert!(text(&l).contains("uninstalled"), "{}", text(&l));
    ok(env.run(&helm, &ns, &["uninstall", "b"]), "helm purges b");
}

/// Two concurrent upgrades of one release: exactly one wins, the other gets helm's error.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_upgrades_one_wins() {
    let Some(kc) = kube_support::kubeconfig() else {
        return;
    };
    let env = Env::new(&kc, "conc");
    let ns = fresh_namespace(&kc, "conc").await;
    let chart = demo();
    let c = chart_bin();
    ok(env.run(c, &ns, &["install", "r", &chart]), "install");
    let spawn = |v: &str| {
        env.cmd(
            c,
            &ns,
            &["upgrade", "r", &chart, "--set", &format!("greeting={v}")],
        )
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
    };
    let (a, b) = (spawn("one"), spawn("two"));
    let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
    let wins = [&a, &b].iter().filter(|o| o.status.success()).count();
    assert_eq!(
        wins,
        1,
        "a: {} {}\nb: {} {}",
        text(&a),
        err_text(&a),
        text(&b),
        err_text(&b)
    );
    let loser = if a.status.success() { &b } else { &a };
    let e = err_text(loser);
    assert!(
        e.contains(
            "Error: UPGRADE FAILED: another operation (install/upgrade/rollback) is in progress"
        ) || e.contains("Error: UPGRADE FAILED: release: already exists"),
        "{e}"
    );
    let recs = records(&kc, &ns, "r").await;
    assert_eq!(recs.len(), 2);
    assert_eq!(recs[1].1, "deployed");
}

/// A chart upgrade killed while it waits leaves a pending record: the next upgrade is
/// refused with helm's error plus what we know (the holder is gone, how to recover);
/// `--recover-stuck` then proceeds, and `rollback` recovers as with helm.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_upgrade_is_explained_and_recovered() {
    let Some(kc) = kube_support::kubeconfig() else {
        return;
    };
    let env = Env::new(&kc, "kill");
    let ns = fresh_namespace(&kc, "kill").await;
    let chart = demo();
    let c = chart_bin();
    ok(env.run(c, &ns, &["install", "r", &chart]), "install");
    // No controller runs here: the Deployment never becomes ready, so --wait hangs.
    let mut child = env
        .cmd(
            c,
            &ns,
            &["upgrade", "r", &chart, "--set", "greeting=x", "--wait"],
        )
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let cfg = config(&kc, &ns).await;
    let mut pending = false;
    for _ in 0..100 {
        if let Ok(r) = cfg.storage.last("r").await {
            if r.status().is_pending() && r.version == 2 {
                pending = true;
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(pending, "the upgrade never wrote its pending record");
    // Blocked while the holder is alive.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let o = env.run(c, &ns, &["upgrade", "r", &chart, "--recover-stuck"]);
    assert!(!o.status.success());
    assert!(err_text(&o).contains("still running"), "{}", err_text(&o));
    child.kill().unwrap();
    child.wait().unwrap();
    let o = env.run(c, &ns, &["upgrade", "r", &chart]);
    let e = err_text(&o);
    assert!(!o.status.success());
    assert!(
        e.starts_with(
            "Error: UPGRADE FAILED: another operation (install/upgrade/rollback) is in progress\n"
        ),
        "{e}"
    );
    assert!(e.contains("revision 2 of release \"r\""), "{e}");
    assert!(e.contains("is gone"), "{e}");
    assert!(e.contains(&format!("chart rollback r -n {ns} 1")), "{e}");
    // Records are intact.
    let recs = records(&kc, &ns, "r").await;
    assert_eq!(
        recs.iter().map(|r| r.1.as_str()).collect::<Vec<_>>(),
        ["deployed", "pending-upgrade"]
    );
    ok(
        env.run(
            c,
            &ns,
            &[
                "upgrade",
                "r",
                &chart,
                "--set",
                "greeting=z",
                "--recover-stuck",
            ],
        ),
        "recover-stuck",
    );
    let recs = records(&kc, &ns, "r").await;
    assert_eq!(
        recs.iter().map(|r| r.1.as_str()).collect::<Vec<_>>(),
        ["superseded", "failed", "deployed"]
    );
    ok(env.run(c, &ns, &["rollback", "r", "1"]), "rollback");
}

/// A release whose record would exceed the Secret limit is refused before anything is
/// applied.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_record_is_refused_before_anything_is_applied() {
    let Some(kc) = kube_support::kubeconfig() else {
        return;
    };
    let env = Env::new(&kc, "big");
    let ns = fresh_namespace(&kc, "big").await;
    // 2 MiB of incompressible text in a values file: the record holds it twice.
    let mut big = String::from("greeting: \"");
    let mut x: u64 = 0x9e3779b97f4a7c15;
    for _ in 0..(2 << 20) / 16 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        big.push_str(&format!("{x:016x}"));
    }
    big.push_str("\"\n");
    let f = env.home.join("big.yaml");
    std::fs::write(&f, big).unwrap();
    let o = env.run(
        chart_bin(),
        &ns,
        &["install", "r", &demo(), "-f", f.to_str().unwrap()],
    );
    assert!(!o.status.success());
    assert!(err_text(&o).contains("sql"), "{}", err_text(&o));
    let cfg = config(&kc, &ns).await;
    assert!(cfg
        .storage
        .history("r")
        .await
        .map(|h| h.is_empty())
        .unwrap_or(true));
    let cm = cfg
        .kube
        .lookup("v1", "ConfigMap", &ns, "r-config")
        .await
        .unwrap();
    assert!(cm.as_object().is_none_or(|m| m.is_empty()), "{cm}");
}

/// The image of container 0 of Deployment `name` in `ns`.
async fn deployment_image(kubeconfig: &str, ns: &str, name: &str) -> String {
    let cfg = config(kubeconfig, ns).await;
    let d = cfg
        .kube
        .lookup("apps/v1", "Deployment", ns, name)
        .await
        .unwrap();
    d["spec"]["template"]["spec"]["containers"][0]["image"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// The shop umbrella chart (nine subcharts, a CRD, a pre-install/pre-upgrade migration
/// Job) installs with --wait, upgrades one service's image tag and rolls back, as one
/// release, on the Kubernetes 1.20 test server.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shop_install_upgrade_rollback() {
    let Some(kc) = kube_support::kubeconfig() else {
        return;
    };
    let env = Env::new(&kc, "shop");
    let ns = fresh_namespace(&kc, "shop").await;
    let cfg = config(&kc, "default").await;
    let _ctl = kube_support::start_controller(cfg.kube.client().clone(), &ns);
    let shop = repo().join("charts/shop").to_string_lossy().into_owned();
    let c = chart_bin();
    let o = ok(
        env.run(
            c,
            &ns,
            &["install", "shop", &shop, "--wait", "--timeout", "2m"],
        ),
        "install shop",
    );
    assert!(text(&o).contains("STATUS: deployed"), "{}", text(&o));
    let deps = config(&kc, &ns)
        .await
        .kube
        .lookup("apps/v1", "Deployment", &ns, "")
        .await
        .unwrap();
    let names: Vec<String> = deps["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["metadata"]["name"].as_str().unwrap().to_owned())
        .collect();
    let catalog = names
        .iter()
        .find(|n| n.contains("catalog"))
        .expect("a catalog Deployment")
        .clone();
    let before = deployment_image(&kc, &ns, &catalog).await;
    assert!(before.ends_with(":1.4.2"), "{before}");
    ok(
        env.run(
            c,
            &ns,
            &[
                "upgrade",
                "shop",
                &shop,
                "--set",
                "catalog-api.image.tag=1.5.0",
                "--wait",
                "--timeout",
                "2m",
            ],
        ),
        "upgrade shop",
    );
    assert!(deployment_image(&kc, &ns, &catalog)
        .await
        .ends_with(":1.5.0"));
    ok(
        env.run(
            c,
            &ns,
            &["rollback", "shop", "1", "--wait", "--timeout", "2m"],
        ),
        "rollback shop",
    );
    assert_eq!(deployment_image(&kc, &ns, &catalog).await, before);
    let rel = config(&kc, &ns).await.storage.last("shop").await.unwrap();
    assert_eq!(rel.version, 3);
    assert_eq!(rel.status().as_str(), "deployed");
    let recs = records(&kc, &ns, "shop").await;
    assert_eq!(
        recs.iter().map(|r| r.1.as_str()).collect::<Vec<_>>(),
        ["superseded", "superseded", "deployed"]
    );
    // The migration hook ran on install and on upgrade, and was deleted after success.
    let up = config(&kc, &ns).await.storage.get("shop", 2).await.unwrap();
    let mig = up
        .hooks
        .iter()
        .find(|h| h.name.ends_with("-migrate"))
        .expect("the migration hook");
    assert_eq!(mig.last_run.phase.as_str(), "Succeeded");
    ok(
        env.run(c, &ns, &["uninstall", "shop", "--wait"]),
        "uninstall shop",
    );
}

/// Values from `--set` items.
fn set_values(items: &[&str]) -> chart_core::gotmpl::Value {
    chart_core::values::ValueOptions {
        values: items.iter().map(|s| s.to_string()).collect(),
        ..Default::default()
    }
    .merge_values()
    .unwrap()
}

/// The requests of each operation (discovery, OpenAPI and /version left out) against
/// helm's for the same chart and operations (the request trace of
/// `shared/spec/helm-request-trace.md`, recorded from helm 3.17.3): ours are not more.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_counts_not_above_helm() {
    use chart_core::action::deploy::Common;
    use chart_core::action::release_install::{install, InstallOptions};
    use chart_core::action::rollback::{rollback, RollbackOptions};
    use chart_core::action::uninstall::{Uninstall, UninstallOptions};
    use chart_core::action::upgrade::{upgrade, UpgradeOptions};
    use chart_core::storage::{open_driver, Storage};

    let Some(kc) = kube_support::kubeconfig() else {
        return;
    };
    let ns = fresh_namespace(&kc, "count").await;
    let plain = config(&kc, "default").await;
    let _ctl = kube_support::start_controller(plain.kube.client().clone(), &ns);
    let (kube, log) = kube_support::counting_client(&kc, &ns).await;
    let drv = open_driver(DriverKind::Secret, &ns, Some(kube.client().clone()), "")
        .await
        .unwrap();
    let mut cfg = Configuration {
        kube,
        storage: Storage::new(drv),
        namespace: ns.clone(),
        driver: DriverKind::Secret,
    };
    let common = Common {
        wait: true,
        timeout: Duration::from_secs(60),
        ..Common::default()
    };
    let load = || chart_core::chart::load(demo()).unwrap();
    let mut report = Vec::new();
    let mut check = |op: &str, helm: usize, log: &kube_support::RequestLog| {
        let reqs = kube_support::resource_requests(log);
        // The test controller marks the Deployment ready a moment after it changes (the
        // trace server did at once): each poll that found it not ready yet is a GET of
        // the Deployment and a LIST of its ReplicaSets that helm would have sent too.
        let rs_lists = reqs
            .iter()
            .filter(|r| r.starts_with("GET ") && r.contains("/replicasets?"))
            .count();
        let repolls = 2 * rs_lists.saturating_sub(1);
        let n = reqs.len() - repolls;
        report.push(format!(
            "{op}: chart {n} (+{repolls} re-polls while the controller caught up), helm {helm}"
        ));
        assert!(
            n <= helm,
            "{op}: {n} requests, helm {helm}:\n{}",
            reqs.join("\n")
        );
    };
    // The deployment is made ready by the controller between polls: let the first poll
    // find it ready, as helm's trace server did.
    install(
        &cfg,
        load(),
        set_values(&[
            "hook.enabled=true",
            "hook.events=post-install",
            "logger=false",
            "notesLookup=false",
        ]),
        &InstallOptions {
            name: "rel1".into(),
            common: common.clone(),
            ..InstallOptions::default()
        },
    )
    .await
    .unwrap();
    check("install --wait", 20, &log);
    upgrade(
        &mut cfg,
        "rel1",
        load(),
        set_values(&[
            "hook.enabled=true",
            "hook.events=post-install",
            "logger=false",
            "greeting=bye",
            "service.enabled=false",
            "notesLookup=false",
        ]),
        &UpgradeOptions {
            common: common.clone(),
            ..UpgradeOptions::default()
        },
    )
    .await
    .unwrap();
    check("upgrade --wait", 15, &log);
    rollback(
        &mut cfg,
        "rel1",
        &RollbackOptions {
            version: 1,
            common: common.clone(),
            ..RollbackOptions::default()
        },
    )
    .await
    .unwrap();
    check("rollback 1 --wait", 19, &log);
    Uninstall {
        options: UninstallOptions {
            common: common.clone(),
            ..UninstallOptions::default()
        },
    }
    .run(&cfg, "rel1")
    .await
    .unwrap();
    check("uninstall --wait", 14, &log);
    println!("{}", report.join("\n"));
}

/// Outputs and errors of chart and helm for the same commands, in two namespaces
/// (stdout with `LAST DEPLOYED` and the namespace masked, stderr, exit status).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_match_helm() {
    let Some(kc) = kube_support::kubeconfig() else {
        return;
    };
    let Some(helm) = helm_bin() else { return };
    let env = Env::new(&kc, "msg");
    let ns_c = fresh_namespace(&kc, "msg-c").await;
    let ns_h = fresh_namespace(&kc, "msg-h").await;
    let d = demo();
    let cases: Vec<Vec<&str>> = vec![
        vec!["install", "r", &d, "--dry-run"],
        vec!["install", "r", &d, "--dry-run=server"],
        vec!["install", "Bad_Name", &d],
        vec![
            "install",
            "r",
            &d,
            "--set",
            "keepConfig=true",
            "--description",
            "first",
        ],
        vec!["install", "r", &d],
        vec!["upgrade", "nonexist", &d],
        vec!["upgrade", "--install", "r2", &d, "--labels", "team=a"],
        vec![
            "upgrade",
            "r2",
            &d,
            "--labels",
            "team=null",
            "-o",
            "yaml",
            "--set",
            "x=1",
        ],
        vec![
            "upgrade",
            "r",
            &d,
            "--reuse-values",
            "--set",
            "greeting=again",
            "--hide-notes",
        ],
        vec!["rollback", "r", "9"],
        vec!["rollback", "nonexist"],
        vec!["rollback", "r"],
        vec!["uninstall", "nonexist"],
        vec!["uninstall", "nonexist", "--ignore-not-found"],
        vec!["uninstall", "r", "--keep-history"],
        vec!["uninstall", "r", "--keep-history"],
        vec!["install", "r", &d],
        vec!["install", "r", &d, "--replace"],
        vec!["uninstall", "r", "r2"],
    ];
    for case in &cases {
        let out = |o: &Output, ns: &str| masked(o).replace(ns, "<ns>");
        let mask_times = |s: String| {
            s.lines()
                .map(|l| {
                    if l.trim_start().starts_with("first_deployed:")
                        || l.trim_start().starts_with("last_deployed:")
                    {
                        "<time>"
                    } else {
                        l
                    }
                })
                .collect::<Vec<_>>()
                .join("\n")
        };
        same_in_namespaces(&env, &helm, (&ns_c, &ns_h), case, |o, ns| {
            mask_times(out(o, ns))
        });
    }
}

/// Failures: a failing hook Job marks the release failed (helm's descriptions), with
/// `--atomic` an install is uninstalled and an upgrade rolled back; a wait that times
/// out fails the upgrade. Same output, records and exit status as helm.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failures_match_helm() {
    let Some(kc) = kube_support::kubeconfig() else {
        return;
    };
    let Some(helm) = helm_bin() else { return };
    let env = Env::new(&kc, "fail");
    let ns_c = fresh_namespace(&kc, "fail-c").await;
    let ns_h = fresh_namespace(&kc, "fail-h").await;
    let cfg = config(&kc, "default").await;
    let _ctl_c = kube_support::start_controller(cfg.kube.client().clone(), &ns_c);
    let _ctl_h = kube_support::start_controller(cfg.kube.client().clone(), &ns_h);
    let d = demo();
    let cases: Vec<(&str, Vec<&str>)> = vec![
        (
            "f",
            vec![
                "install",
                "f",
                &d,
                "--set",
                "hook.enabled=true,hook.fail=true",
            ],
        ),
        (
            "a",
            vec![
                "install",
                "a",
                &d,
                "--atomic",
                "--timeout",
                "20s",
                "--set",
                "hook.enabled=true,hook.fail=true",
            ],
        ),
        ("u", vec!["install", "u", &d, "--set", "hook.enabled=true"]),
        (
            "u",
            vec![
                "upgrade",
                "u",
                &d,
                "--set",
                "hook.enabled=true,hook.fail=true,hook.deletePolicy=hook-failed",
            ],
        ),
        (
            "u",
            vec![
                "upgrade",
                "u",
                &d,
                "--atomic",
                "--timeout",
                "20s",
                "--set",
                "hook.enabled=true,hook.fail=true",
            ],
        ),
        (
            "u",
            vec![
                "upgrade",
                "u",
                &d,
                "--wait",
                "--timeout",
                "3s",
                "--set",
                "notReady=true,greeting=slow",
            ],
        ),
        ("u", vec!["rollback", "u", "1", "--wait"]),
        // Back to the revision that never became ready: the wait fails, and the new
        // revision is recorded failed.
        ("u", vec!["rollback", "u", "5", "--wait", "--timeout", "3s"]),
    ];
    for (name, case) in &cases {
        let c = env.run(chart_bin(), &ns_c, case);
        let h = env.run(&helm, &ns_h, case);
        assert_eq!(
            c.status.code(),
            h.status.code(),
            "exit status of {case:?}: {}",
            err_text(&c)
        );
        let should_fail = case
            .iter()
            .any(|a| a.contains("fail=true") || a.contains("notReady") || *a == "3s");
        assert_eq!(
            !c.status.success(),
            should_fail,
            "{case:?}: {}",
            err_text(&c)
        );
        assert_eq!(
            masked(&c).replace(&ns_c, "<ns>"),
            masked(&h).replace(&ns_h, "<ns>"),
            "stdout of {case:?}"
        );
        // helm prints its own warnings with --debug only; the error line is the same.
        let last = |o: &Output, ns: &str| {
            err_text(o)
                .lines()
                .find(|l| l.starts_with("Error: "))
                .unwrap_or_default()
                .replace(ns, "<ns>")
        };
        assert_eq!(last(&c, &ns_c), last(&h, &ns_h), "error of {case:?}");
        let rc = records(&kc, &ns_c, name).await;
        let rh = records(&kc, &ns_h, name).await;
        assert_eq!(rc.len(), rh.len(), "records after {case:?}");
        for (a, b) in rc.iter().zip(&rh) {
            assert_eq!(a.1, b.1, "status label after {case:?}");
            assert_eq!(
                serde_json::to_string_pretty(&a.0).unwrap(),
                serde_json::to_string_pretty(&b.0).unwrap(),
                "record after {case:?}"
            );
        }
    }
}

/// `test`: a passing and a failing test Pod, the same output, error and records as helm.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_command_matches_helm() {
    let Some(kc) = kube_support::kubeconfig() else {
        return;
    };
    let Some(helm) = helm_bin() else { return };
    let env = Env::new(&kc, "tst");
    let ns_c = fresh_namespace(&kc, "tst-c").await;
    let ns_h = fresh_namespace(&kc, "tst-h").await;
    let cfg = config(&kc, "default").await;
    let _ctl_c = kube_support::start_controller(cfg.kube.client().clone(), &ns_c);
    let _ctl_h = kube_support::start_controller(cfg.kube.client().clone(), &ns_h);
    let d = demo();
    let cases: Vec<Vec<&str>> = vec![
        vec!["install", "r", &d, "--set", "tests.enabled=true"],
        vec!["test", "r"],
        vec!["test", "r", "--filter", "!name=r-test"],
        vec![
            "upgrade",
            "r",
            &d,
            "--set",
            "tests.enabled=true,tests.fail=true",
        ],
        vec!["test", "r"],
    ];
    let mask = |o: &Output, ns: &str| {
        masked(o)
            .replace(ns, "<ns>")
            .lines()
            .map(|l| {
                if l.starts_with("Last Started:") || l.starts_with("Last Completed:") {
                    "<time>"
                } else {
                    l
                }
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    for case in &cases {
        same_in_namespaces(&env, &helm, (&ns_c, &ns_h), case, mask);
        let rc = records(&kc, &ns_c, "r").await;
        let rh = records(&kc, &ns_h, "r").await;
        assert_eq!(rc.len(), rh.len());
        for (a, b) in rc.iter().zip(&rh) {
            assert_eq!(
                serde_json::to_string_pretty(&a.0).unwrap(),
                serde_json::to_string_pretty(&b.0).unwrap(),
                "record after {case:?}"
            );
        }
    }
}

/// `chart status --wait` (ours): waits on an existing release's resources with the
/// install `--wait` rules and progress lines, then prints what `chart status` prints;
/// out of time, helm's `context deadline exceeded` and exit 1.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_wait_ready_and_timeout() {
    let Some(kc) = kube_support::kubeconfig() else {
        return;
    };
    let env = Env::new(&kc, "stwait");
    let ns = fresh_namespace(&kc, "stwait").await;
    let chart = demo();
    let c = chart_bin();
    // No controller yet: the Deployment is not ready when the wait starts.
    ok(env.run(c, &ns, &["install", "r", &chart]), "install");
    let child = env
        .cmd(c, &ns, &["status", "r", "--wait", "--timeout", "1m"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let cfg = config(&kc, &ns).await;
    let ctl = kube_support::start_controller(cfg.kube.client().clone(), &ns);
    let waited = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap())
        .await
        .unwrap();
    drop(ctl);
    let waited = ok(waited, "status --wait");
    let e = err_text(&waited);
    assert!(
        e.contains(" resources ready\n  Deployment r-web: Deployment is not ready: "),
        "no not-ready view:\n{e}"
    );
    assert!(
        e.contains("  Deployment r-web: "),
        "no pending Deployment:\n{e}"
    );
    assert!(e.ends_with(" resources are ready\n"), "{e}");
    let plain = ok(env.run(c, &ns, &["status", "r"]), "status");
    assert_eq!(text(&waited), text(&plain));

    // Never ready: the wait runs out of time.
    ok(
        env.run(c, &ns, &["upgrade", "r", &chart, "--set", "notReady=true"]),
        "upgrade",
    );
    let start = std::time::Instant::now();
    let o = env.run(c, &ns, &["status", "r", "--wait", "--timeout", "2s"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(start.elapsed() >= Duration::from_secs(2));
    let e = err_text(&o);
    assert!(e.ends_with("Error: context deadline exceeded\n"), "{e}");
    assert!(e.contains("  Deployment r-web: "), "{e}");
    assert_eq!(text(&o), "");
    // A bad --timeout is refused as the deploy commands refuse it.
    let o = env.run(c, &ns, &["status", "r", "--wait", "--timeout", "soon"]);
    assert!(!o.status.success());
    assert!(err_text(&o).contains("for \"--timeout\" flag"));
}

/// stderr with the namespace masked.
fn err_masked(o: &Output, ns: &str) -> String {
    err_text(o).replace(ns, "<ns>")
}

/// The API server answers 500 to the Deployment's create mid-install (through
/// `fault_proxy`): chart fails as helm does (exit status, message), leaves the same
/// records (one `failed` revision, nothing lost or half-written), and a following
/// `upgrade --install` and `uninstall` recover, as with helm.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_500_mid_install_fails_cleanly_and_recovers() {
    mid_install_fault(fault_proxy::Fault::Error500, "injected fault", "f500").await;
}

/// The Deployment's create stalled for 3 s and then answered 504 (`Timeout`), as the API
/// server answers a request that ran out of time, without `Retry-After`. client-go (helm)
/// retries a 5xx only with `Retry-After`, and so does chart's client: both send the create
/// once, fail, and record `failed`; `upgrade --install` then recovers both.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_timeout_mid_install() {
    retried_as_helm(
        fault_proxy::Fault::Stall504(Duration::from_secs(3)),
        "f504",
        |o, sent, recs| {
            assert_eq!(o.status.code(), Some(1), "{}", err_text(o));
            assert!(
                err_text(o).contains("request did not complete within requested timeout"),
                "{}",
                err_text(o)
            );
            assert_eq!(sent, 1, "the create is sent once");
            assert_eq!(recs, ["failed"]);
        },
    )
    .await;
}

/// The Deployment's create answered 503 with `Retry-After: 1` (the API server shedding
/// load): helm and chart wait a second, send it again, and the install succeeds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_503_with_retry_after_is_retried() {
    retried_as_helm(
        fault_proxy::Fault::Unavailable503RetryAfter(1),
        "f503",
        |o, sent, recs| {
            assert!(o.status.success(), "{}", err_text(o));
            assert!(text(o).contains("STATUS: deployed"));
            assert_eq!(sent, 2, "the create is sent again");
            assert_eq!(recs, ["deployed"]);
        },
    )
    .await;
}

/// Installs the demo chart through a proxy that answers the first Deployment create with
/// `fault`, with chart and with helm; `check` sees each one's install output, how many
/// creates reached the proxy and the record statuses; both must agree.
async fn retried_as_helm(
    fault: fault_proxy::Fault,
    tag: &str,
    check: impl Fn(&Output, usize, Vec<String>),
) {
    let Some(kc) = kube_support::kubeconfig() else {
        return;
    };
    let Some(helm) = helm_bin() else {
        return;
    };
    let chart = demo();
    let rule = fault_proxy::Rule {
        method: "POST",
        path_contains: "/deployments",
        nth: 1,
        fault,
    };
    let mut seen = Vec::new();
    for (bin, tag) in [
        (chart_bin().to_owned(), format!("{tag}c")),
        (helm, format!("{tag}h")),
    ] {
        let ns = fresh_namespace(&kc, &tag).await;
        let proxy = fault_proxy::start(&kc, rule.clone(), &tag);
        let via = Env::new(proxy.kubeconfig.to_str().unwrap(), &tag);
        let o = via.run(&bin, &ns, &["install", "r", &chart]);
        let sent = proxy.matched.load(std::sync::atomic::Ordering::SeqCst);
        assert_eq!(proxy.injected.load(std::sync::atomic::Ordering::SeqCst), 1);
        let recs: Vec<String> = records(&kc, &ns, "r")
            .await
            .into_iter()
            .map(|r| r.1)
            .collect();
        check(&o, sent, recs.clone());
        seen.push((o.status.code(), err_masked(&o, &ns), sent, recs));
        let env = Env::new(&kc, &tag);
        ok(
            env.run(&bin, &ns, &["upgrade", "--install", "r", &chart]),
            "upgrade --install",
        );
        ok(env.run(&bin, &ns, &["uninstall", "r"]), "uninstall");
        assert!(records(&kc, &ns, "r").await.is_empty());
    }
    assert_eq!(seen[0], seen[1], "chart and helm");
}

async fn mid_install_fault(fault: fault_proxy::Fault, message: &str, tag: &str) {
    let Some(kc) = kube_support::kubeconfig() else {
        return;
    };
    let Some(helm) = helm_bin() else {
        return;
    };
    let chart = demo();
    let rule = fault_proxy::Rule {
        method: "POST",
        path_contains: "/deployments",
        nth: 1,
        fault,
    };
    let mut seen = Vec::new();
    let (tag_c, tag_h) = (format!("{tag}c"), format!("{tag}h"));
    for (bin, tag) in [(chart_bin().to_owned(), &tag_c), (helm, &tag_h)] {
        let ns = fresh_namespace(&kc, tag).await;
        let proxy = fault_proxy::start(&kc, rule.clone(), tag);
        let via = Env::new(proxy.kubeconfig.to_str().unwrap(), tag);
        let o = via.run(&bin, &ns, &["install", "r", &chart]);
        assert_eq!(proxy.injected.load(std::sync::atomic::Ordering::SeqCst), 1);
        assert_eq!(o.status.code(), Some(1), "{bin}: {}", err_text(&o));
        let e = err_masked(&o, &ns);
        assert!(e.contains(message), "{bin}: {e}");
        let after_fail = records(&kc, &ns, "r").await;
        assert_eq!(after_fail.len(), 1, "{bin}");
        // Straight to the server from here on.
        let env = Env::new(&kc, tag);
        let up = ok(
            env.run(&bin, &ns, &["upgrade", "--install", "r", &chart]),
            "upgrade --install",
        );
        let after_up = records(&kc, &ns, "r").await;
        let deployed = !live(&kc, &ns, "r").await[2]["spec"].is_null();
        ok(env.run(&bin, &ns, &["uninstall", "r"]), "uninstall");
        let after_un = records(&kc, &ns, "r").await;
        seen.push((
            e,
            after_fail,
            masked(&up).replace(&ns, "<ns>"),
            after_up.iter().map(|r| r.1.clone()).collect::<Vec<_>>(),
            deployed,
            after_un.len(),
        ));
    }
    let (c, h) = (&seen[0], &seen[1]);
    assert_eq!(c.0, h.0, "install error");
    assert_eq!(c.1[0].1, "failed");
    assert_eq!(c.1[0].1, h.1[0].1, "status of the failed record");
    assert_eq!(
        c.1[0].0["info"]["description"], h.1[0].0["info"]["description"],
        "description of the failed record"
    );
    assert_eq!(c.2, h.2, "upgrade --install output");
    assert_eq!(c.3, h.3, "records after upgrade --install");
    assert!(c.4 && h.4, "the Deployment exists after the recovery");
    assert_eq!((c.5, h.5), (0, 0), "records after uninstall");
}

/// The API server answers 500 to the install's final record update (the resources are
/// created): like helm, chart reports the install as done and the record stays
/// `pending-install`; the next upgrade is blocked with helm's first line, and
/// `--recover-stuck` (chart) or `uninstall` (both) recover.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_500_on_final_record_update_leaves_recoverable_pending() {
    let Some(kc) = kube_support::kubeconfig() else {
        return;
    };
    let Some(helm) = helm_bin() else {
        return;
    };
    let chart = demo();
    let rule = fault_proxy::Rule {
        method: "PUT",
        path_contains: "/secrets/",
        nth: 1,
        fault: fault_proxy::Fault::Error500,
    };
    let mut seen = Vec::new();
    for (bin, tag) in [(chart_bin().to_owned(), "fputc"), (helm, "fputh")] {
        let ns = fresh_namespace(&kc, tag).await;
        let proxy = fault_proxy::start(&kc, rule.clone(), tag);
        let via = Env::new(proxy.kubeconfig.to_str().unwrap(), tag);
        let o = via.run(&bin, &ns, &["install", "r", &chart]);
        assert_eq!(proxy.injected.load(std::sync::atomic::Ordering::SeqCst), 1);
        let installed = (o.status.code(), masked(&o).replace(&ns, "<ns>"));
        let statuses =
            |recs: Vec<(Value, String)>| recs.into_iter().map(|r| r.1).collect::<Vec<_>>();
        let after_install = statuses(records(&kc, &ns, "r").await);
        let env = Env::new(&kc, tag);
        let blocked = env.run(&bin, &ns, &["upgrade", "--install", "r", &chart]);
        let blocked_first = err_text(&blocked).lines().next().unwrap_or("").to_owned();
        if bin == chart_bin() {
            ok(
                env.run(
                    &bin,
                    &ns,
                    &["upgrade", "--install", "r", &chart, "--recover-stuck"],
                ),
                "upgrade --recover-stuck",
            );
            let recs = statuses(records(&kc, &ns, "r").await);
            assert_eq!(
                recs.last().map(String::as_str),
                Some("deployed"),
                "{recs:?}"
            );
            // Marked failed by --recover-stuck, then superseded by the upgrade.
            assert_eq!(recs, ["superseded", "deployed"]);
        }
        ok(env.run(&bin, &ns, &["uninstall", "r"]), "uninstall");
        let after_un = records(&kc, &ns, "r").await.len();
        seen.push((
            installed,
            after_install,
            blocked.status.code(),
            blocked_first,
            after_un,
        ));
    }
    let (c, h) = (&seen[0], &seen[1]);
    assert_eq!(c.0, h.0, "install exit status and output");
    assert_eq!(c.1, ["pending-install"]);
    assert_eq!(c.1, h.1, "records after the failed update");
    assert_eq!((c.2, h.2), (Some(1), Some(1)), "blocked upgrade");
    assert_eq!(c.3, h.3, "blocked upgrade's first line");
    assert_eq!((c.4, h.4), (0, 0), "records after uninstall");
}

/// (manager, operation) of the managed-fields entries of a live object (subresources
/// left out), in order.
async fn managers(kc: &str, ns: &str, api: &str, kind: &str, name: &str) -> Vec<(String, String)> {
    let cfg = config(kc, ns).await;
    let v = cfg.kube.lookup(api, kind, ns, name).await.unwrap();
    v["metadata"]["managedFields"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|e| {
            e.get("subresource")
                .and_then(Value::as_str)
                .unwrap_or("")
                .is_empty()
        })
        .map(|e| {
            (
                e["manager"].as_str().unwrap_or("").to_owned(),
                e["operation"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect()
}

fn helm_managers(m: &[(String, String)]) -> Vec<&str> {
    m.iter()
        .filter(|(mgr, _)| mgr == "helm")
        .map(|(_, op)| op.as_str())
        .collect()
}

/// `--server-side` (Helm 4's server-side apply with field manager `helm`) on the real
/// 1.20 server: the objects are applied (managed fields `helm`/`Apply`, no client-side
/// entry), the method is recorded as `apply_method: "ssa"` and kept by a later upgrade
/// without the flag, fields dropped from the chart are removed, a field another manager
/// took is a conflict (helm 4's message) unless `--force-conflicts`; helm 3.17 lists,
/// upgrades and rolls back such a release (ignoring the field), after which chart's next
/// upgrade is client-side again.
///
/// The chart's Service is left out: the 1.20 server refuses to apply a Service port
/// without `protocol` (fixed in later Kubernetes), as it would for Helm 4.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_side_apply_and_helm_3_interop() {
    let Some(kc) = kube_support::kubeconfig() else {
        return;
    };
    let Some(helm) = helm_bin() else { return };
    let env = Env::new(&kc, "ssa");
    let ns = fresh_namespace(&kc, "ssa").await;
    let chart = demo();
    let c = chart_bin();
    let no_svc = ["--set", "service.enabled=false"];
    let run = |bin: &str, args: &[&str]| {
        let mut all: Vec<&str> = args.to_vec();
        all.extend(no_svc);
        env.run(bin, &ns, &all)
    };
    ok(
        run(
            c,
            &[
                "install",
                "s",
                &chart,
                "--server-side",
                "--set",
                "keepConfig=true",
            ],
        ),
        "chart install --server-side",
    );
    let recs = records(&kc, &ns, "s").await;
    assert_eq!(recs[0].0["apply_method"], "ssa");
    for (api, kind, name) in [
        ("v1", "ConfigMap", "s-config"),
        ("apps/v1", "Deployment", "s-web"),
    ] {
        let m = managers(&kc, &ns, api, kind, name).await;
        assert_eq!(helm_managers(&m), ["Apply"], "{kind}: {m:?}");
    }
    let cm = |v: &[Value]| v[0].clone();
    let l = live(&kc, &ns, "s").await;
    assert_eq!(
        cm(&l)["metadata"]["annotations"]["helm.sh/resource-policy"],
        "keep"
    );
    let containers = |l: &[Value]| -> Vec<String> {
        l[2]["spec"]["template"]["spec"]["containers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(containers(&l), ["web", "logger"]);

    // No flag: the recorded method is kept; the annotation and a container go away.
    ok(
        run(c, &["upgrade", "s", &chart, "--set", "logger=false"]),
        "chart upgrade (auto)",
    );
    let recs = records(&kc, &ns, "s").await;
    assert_eq!(recs[1].0["apply_method"], "ssa");
    let l = live(&kc, &ns, "s").await;
    assert!(cm(&l)["metadata"]["annotations"].is_null(), "{}", cm(&l));
    assert_eq!(containers(&l), ["web"]);

    // Another manager takes a field: a conflict, unless forced.
    let cfg = config(&kc, &ns).await;
    let cms: kube::Api<k8s_openapi::api::core::v1::ConfigMap> =
        kube::Api::namespaced(cfg.kube.client().clone(), &ns);
    cms.patch(
        "s-config",
        &kube::api::PatchParams {
            field_manager: Some("intruder".into()),
            ..Default::default()
        },
        &kube::api::Patch::Merge(serde_json::json!({"data": {"greeting": "other"}})),
    )
    .await
    .unwrap();
    let o = run(c, &["upgrade", "s", &chart, "--set", "logger=false"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        err_masked(&o, &ns),
        "Error: UPGRADE FAILED: conflict occurred while applying object <ns>/s-config /v1, Kind=ConfigMap: Apply failed with 1 conflict: conflict with \"intruder\" using v1: .data.greeting\n"
    );
    assert_eq!(live(&kc, &ns, "s").await[0]["data"]["greeting"], "other");
    ok(
        run(
            c,
            &[
                "upgrade",
                "s",
                &chart,
                "--set",
                "logger=false",
                "--force-conflicts",
            ],
        ),
        "chart upgrade --force-conflicts",
    );
    assert_eq!(live(&kc, &ns, "s").await[0]["data"]["greeting"], "hello");
    let statuses: Vec<String> = records(&kc, &ns, "s")
        .await
        .into_iter()
        .map(|r| r.1)
        .collect();
    assert_eq!(statuses, ["superseded", "superseded", "failed", "deployed"]);
    // --force-conflicts needs server-side apply; --force (replace) excludes it.
    let o = run(
        c,
        &[
            "upgrade",
            "s",
            &chart,
            "--server-side=false",
            "--force-conflicts",
        ],
    );
    assert!(
        err_text(&o).contains("forceConflicts enabled when serverSideApply disabled"),
        "{}",
        err_text(&o)
    );
    let o = run(c, &["upgrade", "s", &chart, "--force"]);
    assert!(
        err_text(&o).contains("cannot use server-side apply and force replace together"),
        "{}",
        err_text(&o)
    );
    assert_eq!(
        records(&kc, &ns, "s").await.len(),
        4,
        "refused before any record"
    );

    // helm 3.17 reads, upgrades and rolls back the release.
    let l = ok(env.run(&helm, &ns, &["list"]), "helm list");
    assert!(text(&l).contains("deployed"), "{}", text(&l));
    ok(
        run(&helm, &["upgrade", "s", &chart, "--set", "greeting=h3"]),
        "helm upgrade",
    );
    ok(
        env.run(&helm, &ns, &["rollback", "s", "4"]),
        "helm rollback",
    );
    let recs = records(&kc, &ns, "s").await;
    assert_eq!(recs.len(), 6);
    assert!(recs[4].0.get("apply_method").is_none() && recs[5].0.get("apply_method").is_none());
    assert_eq!(recs[5].1, "deployed");
    assert_eq!(live(&kc, &ns, "s").await[0]["data"]["greeting"], "hello");
    // After helm's client-side revisions, chart's next upgrade is client-side too.
    ok(
        run(c, &["upgrade", "s", &chart, "--set", "greeting=csa"]),
        "chart upgrade after helm",
    );
    let recs = records(&kc, &ns, "s").await;
    assert!(recs[6].0.get("apply_method").is_none(), "{}", recs[6].0);
    let m = managers(&kc, &ns, "v1", "ConfigMap", "s-config").await;
    assert!(helm_managers(&m).contains(&"Update"), "{m:?}");
    ok(env.run(c, &ns, &["uninstall", "s"]), "uninstall");
}

/// A release installed client-side (helm 3's way) and upgraded with `--server-side`: the
/// fields helm's client-side writes own move to its apply entry first (Helm 4's
/// `upgradeClientSideFieldManager`), so fields dropped from the chart in that same upgrade
/// are removed; a rollback with the default `--server-side=auto` follows the method of
/// the revision rolled back to.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_side_release_moves_to_server_side_apply() {
    let Some(kc) = kube_support::kubeconfig() else {
        return;
    };
    let env = Env::new(&kc, "csa2ssa");
    let ns = fresh_namespace(&kc, "csa2ssa").await;
    let chart = demo();
    let c = chart_bin();
    let base = ["--set", "service.enabled=false"];
    let run = |args: &[&str]| {
        let mut all: Vec<&str> = args.to_vec();
        all.extend(base);
        env.run(c, &ns, &all)
    };
    ok(
        run(&["install", "t", &chart, "--set", "keepConfig=true"]),
        "install (client-side)",
    );
    let m = managers(&kc, &ns, "v1", "ConfigMap", "t-config").await;
    assert_eq!(helm_managers(&m), ["Update"], "{m:?}");
    ok(
        run(&[
            "upgrade",
            "t",
            &chart,
            "--server-side",
            "--set",
            "logger=false",
        ]),
        "upgrade --server-side",
    );
    for (api, kind, name) in [
        ("v1", "ConfigMap", "t-config"),
        ("apps/v1", "Deployment", "t-web"),
    ] {
        let m = managers(&kc, &ns, api, kind, name).await;
        assert_eq!(helm_managers(&m), ["Apply"], "{kind}: {m:?}");
    }
    let l = live(&kc, &ns, "t").await;
    assert!(l[0]["metadata"]["annotations"].is_null(), "{}", l[0]);
    let names = l[2]["spec"]["template"]["spec"]["containers"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(names, 1, "logger removed: {}", l[2]);
    let recs = records(&kc, &ns, "t").await;
    assert!(recs[0].0.get("apply_method").is_none());
    assert_eq!(recs[1].0["apply_method"], "ssa");
    ok(env.run(c, &ns, &["rollback", "t", "1"]), "rollback (auto)");
    let recs = records(&kc, &ns, "t").await;
    assert!(recs[2].0.get("apply_method").is_none(), "{}", recs[2].0);
    ok(
        env.run(c, &ns, &["rollback", "t", "2", "--server-side=true"]),
        "rollback --server-side",
    );
    let recs = records(&kc, &ns, "t").await;
    assert_eq!(recs[3].0["apply_method"], "ssa");
    let l = live(&kc, &ns, "t").await;
    assert!(l[0]["metadata"]["annotations"].is_null(), "{}", l[0]);
    ok(env.run(c, &ns, &["uninstall", "t"]), "uninstall");
}

/// `--cleanup-on-fail` of upgrade and rollback when the update fails part-way (the
/// Deployment's PATCH answered 500 through the fault proxy, after the Service was
/// created): the objects the operation created are deleted again, as helm does, with
/// helm's exit status, error text and records — also helm's error when the failed
/// rollback created nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cleanup_on_fail_matches_helm() {
    let Some(kc) = kube_support::kubeconfig() else {
        return;
    };
    let Some(helm) = helm_bin() else { return };
    let chart = demo();
    let rule = fault_proxy::Rule {
        method: "PATCH",
        path_contains: "/deployments/",
        nth: 1,
        fault: fault_proxy::Fault::Error500,
    };
    let mut seen = Vec::new();
    for (bin, tag) in [(chart_bin().to_owned(), "cofc"), (helm, "cofh")] {
        let ns = fresh_namespace(&kc, tag).await;
        let env = Env::new(&kc, tag);
        let svc_exists = |rel: &'static str| {
            let (kc, ns) = (kc.clone(), ns.clone());
            async move {
                let cfg = config(&kc, &ns).await;
                // lookup answers an empty object for a missing one.
                cfg.kube
                    .lookup("v1", "Service", &ns, &format!("{rel}-svc"))
                    .await
                    .unwrap()
                    .get("metadata")
                    .is_some()
            }
        };
        let mut out = Vec::new();
        // upgrade: the Service is new in the upgrade, the Deployment's patch fails.
        ok(
            env.run(
                &bin,
                &ns,
                &["install", "u", &chart, "--set", "service.enabled=false"],
            ),
            "install u",
        );
        let proxy = fault_proxy::start(&kc, rule.clone(), tag);
        let via = Env::new(proxy.kubeconfig.to_str().unwrap(), tag);
        let o = via.run(
            &bin,
            &ns,
            &[
                "upgrade",
                "u",
                &chart,
                "--set",
                "sidecar=true",
                "--cleanup-on-fail",
            ],
        );
        assert_eq!(proxy.injected.load(std::sync::atomic::Ordering::SeqCst), 1);
        drop(proxy);
        out.push((o.status.code(), err_masked(&o, &ns), svc_exists("u").await));
        // rollback: revision 1 has the Service that revision 2 dropped.
        ok(env.run(&bin, &ns, &["install", "r", &chart]), "install r");
        ok(
            env.run(
                &bin,
                &ns,
                &[
                    "upgrade",
                    "r",
                    &chart,
                    "--set",
                    "service.enabled=false",
                    "--set",
                    "sidecar=true",
                ],
            ),
            "upgrade r",
        );
        assert!(!svc_exists("r").await);
        let proxy = fault_proxy::start(&kc, rule.clone(), tag);
        let via = Env::new(proxy.kubeconfig.to_str().unwrap(), tag);
        let o = via.run(&bin, &ns, &["rollback", "r", "1", "--cleanup-on-fail"]);
        assert_eq!(proxy.injected.load(std::sync::atomic::Ordering::SeqCst), 1);
        drop(proxy);
        out.push((o.status.code(), err_masked(&o, &ns), svc_exists("r").await));
        // rollback that created nothing: helm reports the empty cleanup as an error.
        ok(env.run(&bin, &ns, &["install", "rn", &chart]), "install rn");
        ok(
            env.run(
                &bin,
                &ns,
                &["upgrade", "rn", &chart, "--set", "sidecar=true"],
            ),
            "upgrade rn",
        );
        let proxy = fault_proxy::start(&kc, rule.clone(), tag);
        let via = Env::new(proxy.kubeconfig.to_str().unwrap(), tag);
        let o = via.run(&bin, &ns, &["rollback", "rn", "1", "--cleanup-on-fail"]);
        drop(proxy);
        out.push((o.status.code(), err_masked(&o, &ns), svc_exists("rn").await));
        let mut recs = Vec::new();
        for rel in ["u", "r", "rn"] {
            for (v, status) in records(&kc, &ns, rel).await {
                recs.push((rel, status, v["info"]["description"].clone()));
            }
        }
        seen.push((out, recs));
    }
    let (c, h) = (&seen[0], &seen[1]);
    assert_eq!(c.0, h.0, "exit status, stderr, Service left");
    assert_eq!(c.1, h.1, "records");
    // What the cases are about (the same for helm, as checked above).
    assert!(!c.0[0].2, "upgrade: the created Service is deleted");
    assert!(!c.0[1].2, "rollback: the created Service is deleted");
    assert!(c.0[1].1.contains("injected fault"), "{}", c.0[1].1);
    assert!(
        c.0[2].1.contains(
            "unable to cleanup resources: object not found, skipping delete: no objects visited"
        ),
        "{}",
        c.0[2].1
    );
}

/// `install --create-namespace` into a namespace that does not exist yet, then a second
/// release into it: the same output, records, live objects and namespace as helm. chart
/// reads the namespace first, so it reads none of the objects of a namespace it is about
/// to create (helm reads each one for the ownership check) and does not create one that
/// exists: never more requests than helm, counted through the proxy.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_namespace_matches_helm() {
    let Some(kc) = kube_support::kubeconfig() else {
        return;
    };
    let Some(helm) = helm_bin() else { return };
    let chart = demo();
    // Every request about namespaced objects or namespaces (discovery left out).
    let count = fault_proxy::Rule {
        method: "*",
        path_contains: "/namespaces",
        nth: usize::MAX,
        fault: fault_proxy::Fault::Error500,
    };
    let mut seen = Vec::new();
    for (bin, tag) in [(chart_bin().to_owned(), "cnsc"), (helm, "cnsh")] {
        let ns = kube_support::unique_ns(tag);
        let mut out = Vec::new();
        let mut counts = Vec::new();
        for rel in ["a", "b"] {
            let proxy = fault_proxy::start(&kc, count.clone(), tag);
            let via = Env::new(proxy.kubeconfig.to_str().unwrap(), tag);
            let o = ok(
                via.run(&bin, &ns, &["install", rel, &chart, "--create-namespace"]),
                "install --create-namespace",
            );
            out.push(masked(&o).replace(&ns, "<ns>"));
            counts.push(proxy.matched.load(std::sync::atomic::Ordering::SeqCst));
        }
        let cfg = config(&kc, &ns).await;
        let nsobj = cfg.kube.lookup("v1", "Namespace", "", &ns).await.unwrap();
        let labels = nsobj["metadata"]["labels"]["name"]
            .as_str()
            .unwrap_or("")
            .replace(&ns, "<ns>");
        let mut recs = Vec::new();
        let mut objs = Vec::new();
        for rel in ["a", "b"] {
            recs.push(
                records(&kc, &ns, rel)
                    .await
                    .into_iter()
                    .map(|(v, s)| (serde_json::to_string_pretty(&v).unwrap(), s))
                    .collect::<Vec<_>>(),
            );
            objs.push(
                live(&kc, &ns, rel)
                    .await
                    .into_iter()
                    .map(|v| v.to_string().replace(&ns, "<ns>"))
                    .collect::<Vec<_>>(),
            );
        }
        seen.push((out, labels, recs, objs, counts));
    }
    let (c, h) = (&seen[0], &seen[1]);
    assert_eq!(c.0, h.0, "install output");
    assert_eq!(c.1, "<ns>", "namespace label name");
    assert_eq!(c.1, h.1, "namespace label");
    assert_eq!(c.2, h.2, "records");
    assert_eq!(c.3, h.3, "live objects");
    // Into the missing namespace: no object is read; into the existing one: it is not
    // created again.
    assert!(
        c.4[0] < h.4[0],
        "first install: chart {} requests, helm {}",
        c.4[0],
        h.4[0]
    );
    assert!(
        c.4[1] <= h.4[1],
        "second install: chart {} requests, helm {}",
        c.4[1],
        h.4[1]
    );
    println!("requests (chart, helm): {:?} {:?}", c.4, h.4);
}

/// `--server-side` also applies the chart's CRDs and its hooks (Helm 4), on install and
/// on the upgrade that keeps the recorded method.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_side_applies_crds_and_hooks() {
    let Some(kc) = kube_support::kubeconfig() else {
        return;
    };
    let env = Env::new(&kc, "ssahooks");
    let ns = fresh_namespace(&kc, "ssahooks").await;
    let full = repo()
        .join("testdata/release/charts/full")
        .to_string_lossy()
        .into_owned();
    let c = chart_bin();
    ok(
        env.run(c, &ns, &["install", "f", &full, "--server-side"]),
        "install --server-side",
    );
    for (kind, name) in [("ConfigMap", "f-pre"), ("Secret", "f-post-secret")] {
        let m = managers(&kc, &ns, "v1", kind, name).await;
        assert_eq!(helm_managers(&m), ["Apply"], "hook {kind} {name}: {m:?}");
    }
    // The CRD may have been created client-side by another test before: the apply adds
    // helm's apply entry either way.
    let m = managers(
        &kc,
        &ns,
        "apiextensions.k8s.io/v1",
        "CustomResourceDefinition",
        "widgets.example.com",
    )
    .await;
    assert!(helm_managers(&m).contains(&"Apply"), "CRD: {m:?}");
    ok(env.run(c, &ns, &["upgrade", "f", &full]), "upgrade (auto)");
    let m = managers(&kc, &ns, "v1", "ConfigMap", "f-pre").await;
    assert_eq!(helm_managers(&m), ["Apply"], "pre-upgrade hook: {m:?}");
    let recs = records(&kc, &ns, "f").await;
    assert_eq!(recs[1].0["apply_method"], "ssa");
    ok(env.run(c, &ns, &["uninstall", "f"]), "uninstall");
}
