//! OCI registries against a real registry and the real helm: Debian's `docker-registry`
//! (CNCF distribution 2.8) started by each test on 127.0.0.1 from a config in a temporary
//! directory (with and without htpasswd auth, the bcrypt file made by apache2-utils'
//! `htpasswd`), and helm 3.17.3 (`HELM_BIN`, default /usr/local/bin/helm). The same
//! command lines run under helm and under `chart` in separate homes must print the same;
//! what one pushes the other pulls and renders, and both push byte-identical manifests.
//! A tampering proxy in front of the registry checks that a wrong digest or a stalled
//! download is a clear error that leaves nothing behind.
//! Without the registry, helm or htpasswd these tests print why and pass, except under
//! `CI`, where they fail.
#![allow(clippy::unwrap_used)]

mod common;

use common::{chart_bin, free_port, helm_bin, need, Scratch};

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

fn on_path(prog: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|p| {
        std::env::split_paths(&p)
            .map(|d| d.join(prog))
            .find(|f| f.is_file())
    })
}

fn registry_bin() -> Option<PathBuf> {
    let r = on_path("docker-registry");
    need(
        "docker-registry (Debian package docker-registry)",
        r.is_some(),
    )
    .then(|| r.unwrap())
}

/// A running registry; killed when dropped.
struct Registry {
    child: Child,
    host: String,
}
impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A minimal HTTP/1.0 GET (status line, headers and body), for probing.
fn http_get(host: &str, path: &str, headers: &[(&str, &str)]) -> Option<(u16, String, Vec<u8>)> {
    let mut s = TcpStream::connect(host).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    let mut req = format!("GET {path} HTTP/1.0\r\nHost: {host}\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes()).ok()?;
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).ok()?;
    let split = buf.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = String::from_utf8_lossy(&buf[..split]).into_owned();
    let status = head.split(' ').nth(1)?.parse().ok()?;
    Some((status, head, buf[split + 4..].to_vec()))
}

/// Starts `docker-registry serve` on a free port; `htpasswd` enables basic auth.
fn start_registry(bin: &Path, dir: &Path, htpasswd: Option<&Path>) -> Registry {
    let port = free_port();
    let mut cfg = format!(
        "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: {}\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:{port}\n",
        dir.join("data").display()
    );
    if let Some(h) = htpasswd {
        cfg.push_str(&format!(
            "auth:\n  htpasswd:\n    realm: basic-realm\n    path: {}\n",
            h.display()
        ));
    }
    std::fs::create_dir_all(dir).unwrap();
    let cfg_path = dir.join("config.yml");
    std::fs::write(&cfg_path, cfg).unwrap();
    let child = Command::new(bin)
        .arg("serve")
        .arg(&cfg_path)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let host = format!("127.0.0.1:{port}");
    let reg = Registry { child, host };
    for _ in 0..100 {
        if http_get(&reg.host, "/v2/", &[]).is_some() {
            return reg;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("registry on {} did not start", reg.host);
}

fn run(bin: &Path, args: &[&str], dir: &Path, home: &Path) -> (String, String, i32) {
    let out = Command::new(bin)
        .args(args)
        .current_dir(dir)
        .env("TZ", "UTC")
        .env("LC_ALL", "C")
        .env("HOME", home)
        .env("HELM_CONFIG_HOME", home.join("config"))
        .env("HELM_CACHE_HOME", home.join("cache"))
        .env("HELM_DATA_HOME", home.join("data"))
        .env_remove("HELM_REPOSITORY_CONFIG")
        .env_remove("HELM_REPOSITORY_CACHE")
        .env_remove("HELM_REGISTRY_CONFIG")
        .env_remove("DOCKER_CONFIG")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.code().unwrap_or(-1),
    )
}

/// Runs `args` under helm and chart (each in its own home and work directory) and
/// asserts the same stdout, stderr and exit code; returns them.
fn same(helm: &Path, s: &Path, args: &[&str]) -> (String, String, i32) {
    let h = run(helm, args, &s.join("helm/work"), &s.join("helm/home"));
    let mut c = run(
        &chart_bin(),
        args,
        &s.join("chart/work"),
        &s.join("chart/home"),
    );
    // The binary's own name in usage errors.
    c.1 =
        c.1.replace("\"chart ", "\"helm ")
            .replace("Usage:  chart ", "Usage:  helm ");
    assert_eq!(c, h, "chart vs helm for {args:?}");
    c
}

fn setup_dirs(s: &Path) {
    for t in ["helm", "chart"] {
        std::fs::create_dir_all(s.join(t).join("work")).unwrap();
        std::fs::create_dir_all(s.join(t).join("home")).unwrap();
    }
}

/// `chart package` of fixture `name` (optionally at `version`) into `dir`; the archive.
fn package(dir: &Path, name: &str, version: Option<&str>) -> PathBuf {
    let src = common::repo_root().join("testdata/charts").join(name);
    let mut args = vec!["package".to_string(), src.display().to_string()];
    if let Some(v) = version {
        args.extend(["--version".into(), v.into()]);
    }
    let a: Vec<&str> = args.iter().map(String::as_str).collect();
    let (out, err, code) = run(&chart_bin(), &a, dir, dir);
    assert_eq!(code, 0, "{out}{err}");
    let path = out.trim().rsplit(": ").next().map(PathBuf::from).unwrap();
    assert!(path.exists(), "{out}");
    path
}

fn digest_line(stderr: &str) -> String {
    stderr
        .lines()
        .find_map(|l| l.strip_prefix("Digest: "))
        .unwrap_or_default()
        .to_string()
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

#[test]
fn push_pull_template_interop_with_helm() {
    let (Some(helm), Some(reg_bin)) = (helm_bin(), registry_bin()) else {
        return;
    };
    let s = Scratch::new("oci", "interop");
    setup_dirs(&s.0);
    let reg = start_registry(&reg_bin, &s.0.join("reg"), None);
    let host = reg.host.clone();
    let tgz = package(&s.0, "basic", None);
    let tgz_s = tgz.display().to_string();

    // chart and helm push the same archive: byte-identical manifests (same digest),
    // and the same output.
    let c = run(
        &chart_bin(),
        &["push", &tgz_s, &format!("oci://{host}/by-chart")],
        &s.0,
        &s.0.join("chart/home"),
    );
    let h = run(
        &helm,
        &["push", &tgz_s, &format!("oci://{host}/by-helm")],
        &s.0,
        &s.0.join("helm/home"),
    );
    assert_eq!(c.2, 0, "{c:?}");
    assert_eq!(h.2, 0, "{h:?}");
    assert_eq!(
        c.1,
        format!(
            "Pushed: {host}/by-chart/basic:1.2.3\nDigest: {}\n",
            digest_line(&h.1)
        )
    );
    assert_eq!(c.1.replace("by-chart", "by-helm"), h.1);
    // The manifests as the registry holds them are the same bytes.
    let accept = [("Accept", "application/vnd.oci.image.manifest.v1+json")];
    let mc = http_get(&host, "/v2/by-chart/basic/manifests/1.2.3", &accept).unwrap();
    let mh = http_get(&host, "/v2/by-helm/basic/manifests/1.2.3", &accept).unwrap();
    assert_eq!(mc.0, 200);
    assert_eq!(mc.2, mh.2);
    let manifest = String::from_utf8_lossy(&mc.2).into_owned();
    assert!(
        manifest.contains("\"org.opencontainers.image.authors\":\"Someone (someone@example.com)\""),
        "{manifest}"
    );
    assert!(manifest.contains("\"example.com/a\":\"1\""), "{manifest}");

    // Each pulls what the other pushed: the archive comes back unchanged.
    for (who, repo) in [("chart", "by-helm"), ("helm", "by-chart")] {
        let bin = if who == "chart" {
            chart_bin()
        } else {
            helm.clone()
        };
        let dest = s.0.join(who).join("pulled");
        std::fs::create_dir_all(&dest).unwrap();
        let r = run(
            &bin,
            &[
                "pull",
                &format!("oci://{host}/{repo}/basic"),
                "--version",
                "1.2.3",
                "-d",
                &dest.display().to_string(),
            ],
            &s.0,
            &s.0.join(who).join("home"),
        );
        assert_eq!(r.2, 0, "{who}: {r:?}");
        assert_eq!(
            std::fs::read(dest.join("basic-1.2.3.tgz")).unwrap(),
            std::fs::read(&tgz).unwrap()
        );
    }

    // The same command lines print the same under both (what helm pushed).
    let r = format!("oci://{host}/by-helm/basic");
    let r_tag = format!("{r}:1.2.3");
    let r_digest = format!("{r}@{}", digest_line(&h.1));
    for args in [
        vec!["pull", &r, "--version", "1.2.3"],
        vec!["pull", &r, "--version", "^1.2", "--plain-http"],
        vec!["pull", &r_tag, "--untar", "-d", "untarred"],
        vec!["pull", &r_digest],
        vec!["pull", &r_tag, "--version", "2.0.0"],
        vec!["pull", &r, "--version", "9.9.9"],
        vec!["pull", &r, "--version", "^9", "--plain-http"],
        vec!["pull", "oci://HOST/nope/basic", "--version", "1.0.0"],
        vec!["template", "rel", &r, "--version", "1.2.3"],
        vec![
            "template",
            "rel",
            &r,
            "--version",
            ">=1.0.0",
            "--plain-http",
        ],
        vec!["show", "chart", &r, "--version", "1.2.3"],
        vec!["show", "values", &r_tag],
    ] {
        let args: Vec<String> = args.iter().map(|a| a.replace("HOST", &host)).collect();
        let a: Vec<&str> = args.iter().map(String::as_str).collect();
        if a.contains(&"untarred") {
            for t in ["helm", "chart"] {
                std::fs::create_dir_all(s.0.join(t).join("work/untarred")).unwrap();
            }
        }
        same(&helm, &s.0, &a);
    }
    // Files written: the same names in both work directories and caches.
    for sub in ["work", "work/untarred/basic", "home/cache/repository"] {
        assert_eq!(
            files_in(&s.0.join("chart").join(sub)),
            files_in(&s.0.join("helm").join(sub)),
            "{sub}"
        );
    }
    assert!(files_in(&s.0.join("chart/work")).contains(&"basic-1.2.3.tgz".to_string()));

    // A `+` in the version becomes `_` in the tag, and helm explains it.
    let plus = package(&s.0.join("chart"), "basic", Some("2.0.0+build.7"));
    let plus_s = plus.display().to_string();
    let c = run(
        &chart_bin(),
        &["push", &plus_s, &format!("oci://{host}/plus-chart")],
        &s.0,
        &s.0.join("chart/home"),
    );
    let h = run(
        &helm,
        &["push", &plus_s, &format!("oci://{host}/plus-helm")],
        &s.0,
        &s.0.join("helm/home"),
    );
    assert_eq!(c.1.replace("plus-chart", "plus-helm"), h.1);
    assert!(
        c.1.contains("basic:2.0.0_build.7 contains an underscore."),
        "{}",
        c.1
    );
    same(
        &helm,
        &s.0,
        &[
            "pull",
            &format!("oci://{host}/plus-helm/basic"),
            "--version",
            ">1",
            "--plain-http",
        ],
    );
    assert!(s.0.join("chart/work/basic-2.0.0+build.7.tgz").exists());

    // A `.prov` beside the archive goes up as a third layer; same manifest as helm's.
    let pdir = s.0.join("prov");
    std::fs::create_dir_all(&pdir).unwrap();
    let ptgz = pdir.join("basic-1.2.3.tgz");
    std::fs::copy(&tgz, &ptgz).unwrap();
    std::fs::write(pdir.join("basic-1.2.3.tgz.prov"), "not really signed\n").unwrap();
    let ptgz_s = ptgz.display().to_string();
    let c = run(
        &chart_bin(),
        &["push", &ptgz_s, &format!("oci://{host}/prov-chart")],
        &s.0,
        &s.0.join("chart/home"),
    );
    let h = run(
        &helm,
        &["push", &ptgz_s, &format!("oci://{host}/prov-helm")],
        &s.0,
        &s.0.join("helm/home"),
    );
    assert_eq!(c.1.replace("prov-chart", "prov-helm"), h.1);
    let mc = http_get(&host, "/v2/prov-chart/basic/manifests/1.2.3", &accept).unwrap();
    assert!(
        String::from_utf8_lossy(&mc.2)
            .contains("application/vnd.cncf.helm.chart.provenance.v1.prov"),
        "{}",
        String::from_utf8_lossy(&mc.2)
    );

    // Bad remotes are refused as helm refuses them.
    for remote in [
        format!("{host}/x"),
        "http://x/y".to_string(),
        "x/y".to_string(),
    ] {
        same(&helm, &s.0, &["push", &tgz_s, &remote]);
    }
    same(
        &helm,
        &s.0,
        &["push", "missing.tgz", &format!("oci://{host}/x")],
    );
    same(&helm, &s.0, &["push", &tgz_s]);
}

fn htpasswd_file(dir: &Path) -> Option<PathBuf> {
    let bin = on_path("htpasswd");
    if !need("htpasswd (Debian package apache2-utils)", bin.is_some()) {
        return None;
    }
    let out = Command::new(bin.unwrap())
        .args(["-Bbn", "alice", "s3cret"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let p = dir.join("htpasswd");
    std::fs::write(&p, out.stdout).unwrap();
    Some(p)
}

#[test]
fn login_push_pull_with_basic_auth() {
    let (Some(helm), Some(reg_bin)) = (helm_bin(), registry_bin()) else {
        return;
    };
    let s = Scratch::new("oci", "auth");
    setup_dirs(&s.0);
    let Some(pw) = htpasswd_file(&s.0) else {
        return;
    };
    let reg = start_registry(&reg_bin, &s.0.join("reg"), Some(&pw));
    let host = reg.host.clone();
    let tgz = package(&s.0, "basic", None);
    let tgz_s = tgz.display().to_string();
    let remote = format!("oci://{host}/charts");
    let r = format!("{remote}/basic");

    // Without credentials: refused, as helm words it.
    let (_, err, code) = same(&helm, &s.0, &["push", &tgz_s, &remote]);
    assert_eq!(code, 1);
    assert!(err.contains("push access denied"), "{err}");
    same(&helm, &s.0, &["pull", &r, "--version", "1.2.3"]);
    // Wrong and right passwords; the credentials file is the same bytes.
    same(
        &helm,
        &s.0,
        &["registry", "login", &host, "-u", "alice", "-p", "wrong"],
    );
    let (_, err, code) = same(
        &helm,
        &s.0,
        &["registry", "login", &host, "-u", "alice", "-p", "s3cret"],
    );
    assert_eq!((err.as_str(), code), ("WARNING: Using --password via the CLI is insecure. Use --password-stdin.\nLogin Succeeded\n", 0));
    let cfg =
        |t: &str| std::fs::read(s.0.join(t).join("home/config/registry/config.json")).unwrap();
    assert_eq!(cfg("chart"), cfg("helm"));
    // Logged in: push and pull work, and each reads the other's credentials file.
    let c = run(
        &chart_bin(),
        &["push", &tgz_s, &remote],
        &s.0,
        &s.0.join("chart/home"),
    );
    assert_eq!(c.2, 0, "{c:?}");
    same(&helm, &s.0, &["pull", &r, "--version", "1.2.3"]);
    same(
        &helm,
        &s.0,
        &["template", "x", &r, "--version", "~1.2.0", "--plain-http"],
    );
    let other =
        s.0.join("helm/home/config/registry/config.json")
            .display()
            .to_string();
    let c = run(
        &chart_bin(),
        &[
            "pull",
            &r,
            "--version",
            "1.2.3",
            "--registry-config",
            &other,
            "-d",
            "..",
        ],
        &s.0.join("chart/work"),
        &s.0.join("chart/home"),
    );
    assert_eq!(c.2, 0, "{c:?}");
    // --password-stdin.
    let mut child = Command::new(chart_bin())
        .args([
            "registry",
            "login",
            &host,
            "-u",
            "alice",
            "--password-stdin",
        ])
        .env("HELM_CONFIG_HOME", s.0.join("stdin-home"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(b"s3cret\n").unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stderr), "Login Succeeded\n");
    assert_eq!(
        std::fs::read(s.0.join("stdin-home/registry/config.json")).unwrap(),
        cfg("helm")
    );
    // Logout, twice.
    same(&helm, &s.0, &["registry", "logout", &host]);
    let (_, err, code) = same(&helm, &s.0, &["registry", "logout", &host]);
    assert_eq!((err.as_str(), code), ("Error: not logged in\n", 1));
    assert_eq!(cfg("chart"), cfg("helm"));
}

/// What the tampering proxy does to the chart blob.
#[derive(Clone, Copy)]
enum Tamper {
    /// Flip the last byte.
    Corrupt,
    /// Send half the body, then nothing.
    Stall,
    /// Change one byte of the manifest (its `Docker-Content-Digest` no longer matches).
    CorruptManifest,
}

/// A plain-HTTP proxy in front of `upstream` that passes everything through, except the
/// GET of blob `digest`, which it tampers with. Stops when the flag is set.
fn tampering_proxy(upstream: String, digest: String, how: Tamper) -> (String, Arc<AtomicBool>) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap().to_string();
    let stop = Arc::new(AtomicBool::new(false));
    let stop2 = stop.clone();
    l.set_nonblocking(true).unwrap();
    std::thread::spawn(move || {
        while !stop2.load(Ordering::SeqCst) {
            let Ok((mut c, _)) = l.accept() else {
                std::thread::sleep(Duration::from_millis(10));
                continue;
            };
            let upstream = upstream.clone();
            let digest = digest.clone();
            let stop3 = stop2.clone();
            std::thread::spawn(move || {
                c.set_nonblocking(false).unwrap();
                let mut req = Vec::new();
                let mut b = [0u8; 4096];
                while !req.windows(4).any(|w| w == b"\r\n\r\n") {
                    match c.read(&mut b) {
                        Ok(0) | Err(_) => return,
                        Ok(n) => req.extend_from_slice(&b[..n]),
                    }
                }
                let head_end = req.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
                let head = String::from_utf8_lossy(&req[..head_end]).into_owned();
                let clen: usize = head
                    .lines()
                    .find_map(|l| {
                        let (k, v) = l.split_once(':')?;
                        k.eq_ignore_ascii_case("content-length")
                            .then(|| v.trim().parse().ok())?
                    })
                    .unwrap_or(0);
                while req.len() < head_end + clen {
                    match c.read(&mut b) {
                        Ok(0) | Err(_) => return,
                        Ok(n) => req.extend_from_slice(&b[..n]),
                    }
                }
                // Forward with `Connection: close`, one request per connection.
                let mut lines: Vec<&str> = head.trim_end().split("\r\n").collect();
                lines.retain(|l| !l.to_ascii_lowercase().starts_with("connection:"));
                let new_head = format!("{}\r\nConnection: close\r\n\r\n", lines.join("\r\n"));
                let mut up = TcpStream::connect(&upstream).unwrap();
                up.write_all(new_head.as_bytes()).unwrap();
                up.write_all(&req[head_end..]).unwrap();
                let mut resp = Vec::new();
                let _ = up.read_to_end(&mut resp);
                let target = if matches!(how, Tamper::CorruptManifest) {
                    head.starts_with("GET ")
                        && head.lines().next().unwrap_or("").contains("/manifests/")
                } else {
                    head.starts_with("GET ")
                        && head
                            .lines()
                            .next()
                            .unwrap_or("")
                            .contains(&format!("/blobs/{digest}"))
                };
                if !target {
                    let _ = c.write_all(&resp);
                    return;
                }
                let split = resp.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
                match how {
                    Tamper::CorruptManifest => {
                        if let Some(p) = resp[split..].iter().position(|&b| b == b'0') {
                            resp[split + p] = b'1';
                        }
                        let _ = c.write_all(&resp);
                    }
                    Tamper::Corrupt => {
                        if let Some(last) = resp.last_mut() {
                            *last ^= 0xff;
                        }
                        let _ = c.write_all(&resp);
                    }
                    Tamper::Stall => {
                        let half = split + (resp.len() - split) / 2;
                        let _ = c.write_all(&resp[..half]);
                        let _ = c.flush();
                        while !stop3.load(Ordering::SeqCst) {
                            std::thread::sleep(Duration::from_millis(50));
                        }
                    }
                }
            });
        }
    });
    (addr, stop)
}

#[test]
fn wrong_digest_and_stalled_download_leave_nothing_behind() {
    let Some(reg_bin) = registry_bin() else {
        return;
    };
    let s = Scratch::new("oci", "hostile");
    setup_dirs(&s.0);
    let reg = start_registry(&reg_bin, &s.0.join("reg"), None);
    let tgz = package(&s.0, "basic", None);
    let c = run(
        &chart_bin(),
        &[
            "push",
            &tgz.display().to_string(),
            &format!("oci://{}/charts", reg.host),
        ],
        &s.0,
        &s.0.join("chart/home"),
    );
    assert_eq!(c.2, 0, "{c:?}");
    let chart_digest = {
        use sha2_digest::hex_sha256;
        hex_sha256(&std::fs::read(&tgz).unwrap())
    };

    // A corrupted chart layer: pull, template and install by reference all fail with
    // the digest named, and write nothing into the destination or the cache.
    let (proxy, stop) = tampering_proxy(reg.host.clone(), chart_digest.clone(), Tamper::Corrupt);
    let r = format!("oci://{proxy}/charts/basic");
    let dest = s.0.join("chart/dest");
    std::fs::create_dir_all(&dest).unwrap();
    let home = s.0.join("chart/home");
    for args in [
        vec!["pull", r.as_str(), "--version", "1.2.3", "-d", "dest"],
        vec![
            "pull",
            r.as_str(),
            "--version",
            "1.2.3",
            "-d",
            "dest",
            "--untar",
        ],
        vec!["template", "x", r.as_str(), "--version", "1.2.3"],
        vec!["show", "chart", r.as_str(), "--version", "1.2.3"],
    ] {
        let (out, err, code) = run(&chart_bin(), &args, &s.0.join("chart"), &home);
        assert_eq!(code, 1, "{args:?}: {out}{err}");
        let want = format!(
            "Error: {proxy}/charts/basic@{chart_digest}: digest mismatch: expected {chart_digest}, got sha256:"
        );
        assert!(err.starts_with(&want), "{args:?}: {err}");
        assert!(!err.contains(&format!("got {chart_digest}")));
        assert_eq!(files_in(&dest), Vec::<String>::new(), "{args:?}");
        assert_eq!(
            files_in(&home.join("cache/repository")),
            Vec::<String>::new(),
            "{args:?}"
        );
    }
    stop.store(true, Ordering::SeqCst);

    // A manifest that does not match the digest the registry announces.
    let (proxy, stop) = tampering_proxy(
        reg.host.clone(),
        chart_digest.clone(),
        Tamper::CorruptManifest,
    );
    let r = format!("oci://{proxy}/charts/basic");
    let (_, err, code) = run(
        &chart_bin(),
        &["pull", &r, "--version", "1.2.3", "-d", "dest"],
        &s.0.join("chart"),
        &home,
    );
    stop.store(true, Ordering::SeqCst);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.starts_with(&format!(
            "Error: {proxy}/charts/basic:1.2.3 (manifest): digest mismatch: expected sha256:"
        )),
        "{err}"
    );
    assert_eq!(files_in(&dest), Vec::<String>::new());

    // A download that stops halfway: a clear timeout, nothing written.
    let (proxy, stop) = tampering_proxy(reg.host.clone(), chart_digest.clone(), Tamper::Stall);
    let opts = chart_core::repo::download::ChartPathOptions {
        version: "1.2.3".into(),
        registry_timeout: Some(Duration::from_secs(2)),
        registry_config: Some(s.0.join("none.json")),
        ..Default::default()
    };
    let t0 = std::time::Instant::now();
    let e = chart_core::repo::download::download_oci(
        &format!("oci://{proxy}/charts/basic"),
        &opts,
        &dest,
    )
    .unwrap_err()
    .to_string();
    stop.store(true, Ordering::SeqCst);
    assert!(t0.elapsed() < Duration::from_secs(30));
    assert!(
        e.starts_with(&format!(
            "GET \"http://{proxy}/v2/charts/basic/blobs/{chart_digest}\": reading the body: "
        )),
        "{e}"
    );
    assert_eq!(files_in(&dest), Vec::<String>::new());

    // Through the registry itself the same pull works and writes the archive.
    let (_, err, code) = run(
        &chart_bin(),
        &[
            "pull",
            &format!("oci://{}/charts/basic", reg.host),
            "--version",
            "1.2.3",
            "-d",
            "dest",
        ],
        &s.0.join("chart"),
        &home,
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(files_in(&dest), vec!["basic-1.2.3.tgz".to_string()]);
}

/// SHA-256 for the test, through the `chart` library's own digest function.
mod sha2_digest {
    pub fn hex_sha256(data: &[u8]) -> String {
        chart_core::registry::digest_of(data)
    }
}

/// `install` and `upgrade` by `oci://` reference against the real kube-apiserver
/// (`CHART_TEST_KUBECONFIG`): the same release helm installs from the same reference.
#[test]
fn install_and_upgrade_from_registry() {
    let (Some(helm), Some(reg_bin)) = (helm_bin(), registry_bin()) else {
        return;
    };
    let kc = match std::env::var("CHART_TEST_KUBECONFIG") {
        Ok(p) if !p.is_empty() => common::repo_root().join(p),
        _ => {
            assert!(
                std::env::var_os("CI").is_none(),
                "CHART_TEST_KUBECONFIG not set, and CI never skips cluster tests"
            );
            println!("skipped: CHART_TEST_KUBECONFIG not set (run scripts/test.sh)");
            return;
        }
    };
    let s = Scratch::new("oci", "install");
    setup_dirs(&s.0);
    let reg = start_registry(&reg_bin, &s.0.join("reg"), None);
    let src = common::repo_root().join("testdata/release/charts/demo");
    let (out, err, code) = run(
        &chart_bin(),
        &["package", &src.display().to_string()],
        &s.0,
        &s.0,
    );
    assert_eq!(code, 0, "{out}{err}");
    let (_, err, code) = run(
        &chart_bin(),
        &[
            "push",
            "demo-0.1.0.tgz",
            &format!("oci://{}/charts", reg.host),
        ],
        &s.0,
        &s.0.join("chart/home"),
    );
    assert_eq!(code, 0, "{err}");
    let r = format!("oci://{}/charts/demo", reg.host);
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis()
        % 100_000_000;
    let kube = |bin: &Path, who: &str, args: &[&str]| {
        let ns = format!("t-oci-{who}-{stamp}-{}", std::process::id() % 10000);
        let mut a: Vec<&str> = args.to_vec();
        a.extend(["-n", &ns, "--kubeconfig"]);
        let kcs = kc.display().to_string();
        a.push(&kcs);
        let (out, err, code) = run(
            bin,
            &a,
            &s.0.join(who).join("work"),
            &s.0.join(who).join("home"),
        );
        let mask = |t: &str| {
            t.lines()
                .filter(|l| !l.starts_with("LAST DEPLOYED:"))
                .collect::<Vec<_>>()
                .join("\n")
                .replace(&ns, "NS")
        };
        (mask(&out), mask(&err), code)
    };
    let install = [
        "install",
        "r",
        r.as_str(),
        "--version",
        "0.1.0",
        "--create-namespace",
    ];
    let h = kube(&helm, "helm", &install);
    let c = kube(&chart_bin(), "chart", &install);
    assert_eq!(h.2, 0, "{h:?}");
    assert_eq!(c, h);
    let upgrade = [
        "upgrade",
        "r",
        r.as_str(),
        "--version",
        "^0.1",
        "--plain-http",
    ];
    let h = kube(&helm, "helm", &upgrade);
    let c = kube(&chart_bin(), "chart", &upgrade);
    assert_eq!(h.2, 0, "{h:?}");
    assert_eq!(c, h);
    assert!(c.0.contains("REVISION: 2"), "{}", c.0);
    // What the cluster holds: helm reads both releases the same.
    let get = ["get", "all", "r"];
    let h = kube(&helm, "helm", &get);
    let c = kube(&helm, "chart", &get);
    assert_eq!(c, h);
}

/// A registry over TLS on 127.0.0.1 (certificate from a CA made with openssl): push and
/// pull with `--ca-file` or `--insecure-skip-tls-verify`; an unknown issuer is refused.
/// (helm 3.17.3 talks plain HTTP to loopback registries whatever the TLS flags, so this
/// one is checked on `chart` alone.)
#[test]
fn tls_registry_with_ca_file() {
    let Some(reg_bin) = registry_bin() else {
        return;
    };
    let Some(openssl) = on_path("openssl") else {
        need("openssl", false);
        return;
    };
    let s = Scratch::new("oci", "tls");
    setup_dirs(&s.0);
    let d = &s.0;
    let ssl = |args: &[&str]| {
        let o = Command::new(&openssl)
            .args(args)
            .current_dir(d)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    };
    ssl(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.crt",
        "-days",
        "2",
        "-subj",
        "/CN=test-ca",
    ]);
    ssl(&[
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "srv.key",
        "-out",
        "srv.csr",
        "-subj",
        "/CN=127.0.0.1",
    ]);
    std::fs::write(d.join("ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n").unwrap();
    ssl(&[
        "x509",
        "-req",
        "-in",
        "srv.csr",
        "-CA",
        "ca.crt",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "srv.crt",
        "-days",
        "2",
        "-extfile",
        "ext",
    ]);
    // The registry with a tls section.
    let port = free_port();
    let rd = d.join("reg");
    std::fs::create_dir_all(&rd).unwrap();
    let cfg = format!(
        "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: {}\nhttp:\n  addr: 127.0.0.1:{port}\n  tls:\n    certificate: {}\n    key: {}\n",
        rd.join("data").display(),
        d.join("srv.crt").display(),
        d.join("srv.key").display()
    );
    std::fs::write(rd.join("config.yml"), cfg).unwrap();
    let child = Command::new(&reg_bin)
        .arg("serve")
        .arg(rd.join("config.yml"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let host = format!("127.0.0.1:{port}");
    let _reg = Registry {
        child,
        host: host.clone(),
    };
    for _ in 0..100 {
        if TcpStream::connect(&host).is_ok() {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let tgz = package(d, "basic", None).display().to_string();
    let ca = d.join("ca.crt").display().to_string();
    let home = d.join("chart/home");
    let remote = format!("oci://{host}/charts");
    let r = format!("{remote}/basic");
    let (_, err, code) = run(
        &chart_bin(),
        &["push", &tgz, &remote, "--ca-file", &ca],
        d,
        &home,
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        err.starts_with(&format!(
            "Pushed: {host}/charts/basic:1.2.3\nDigest: sha256:"
        )),
        "{err}"
    );
    // Tags are listed over HTTPS too (a constraint needs them).
    let (_, err, code) = run(
        &chart_bin(),
        &[
            "pull",
            &r,
            "--version",
            "^1",
            "--ca-file",
            &ca,
            "-d",
            "chart",
        ],
        d,
        &home,
    );
    assert_eq!(code, 0, "{err}");
    assert!(d.join("chart/basic-1.2.3.tgz").exists());
    let (_, err, code) = run(
        &chart_bin(),
        &[
            "pull",
            &r,
            "--version",
            "1.2.3",
            "--insecure-skip-tls-verify",
            "-d",
            "chart",
            "--untar",
        ],
        d,
        &home,
    );
    assert_eq!(code, 0, "{err}");
    assert!(d.join("chart/basic/Chart.yaml").exists());
    // Without the CA: the certificate is refused, nothing written.
    let (_, err, code) = run(
        &chart_bin(),
        &["pull", &r, "--version", "^1", "-d", "helm"],
        d,
        &home,
    );
    assert_eq!(code, 1);
    assert!(
        err.starts_with(&format!(
            "Error: Get \"https://{host}/v2/charts/basic/tags/list\": "
        )) && err.contains("certificate"),
        "{err}"
    );
    assert_eq!(
        files_in(&d.join("helm")),
        vec!["home".to_string(), "work".to_string()]
    );
}

/// A chart archive of more than the progress threshold: a bar on a terminal (through
/// `script`, which gives the command a pseudo-terminal), nothing when stderr is a pipe.
#[test]
fn progress_bar_only_on_a_terminal() {
    let (Some(helm), Some(reg_bin)) = (helm_bin(), registry_bin()) else {
        return;
    };
    let Some(script) = on_path("script") else {
        need("script (util-linux)", false);
        return;
    };
    let s = Scratch::new("oci", "progress");
    setup_dirs(&s.0);
    let reg = start_registry(&reg_bin, &s.0.join("reg"), None);
    // A chart with 6 MiB of incompressible data.
    let src = s.0.join("big");
    std::fs::create_dir_all(src.join("templates")).unwrap();
    std::fs::write(
        src.join("Chart.yaml"),
        "apiVersion: v2\nname: big\nversion: 0.1.0\n",
    )
    .unwrap();
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let data: Vec<u8> = (0..6 << 20)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect();
    // (helm refuses files over 5 MiB in a chart.)
    std::fs::write(src.join("blob1.bin"), &data[..3 << 20]).unwrap();
    std::fs::write(src.join("blob2.bin"), &data[3 << 20..]).unwrap();
    let (_, err, code) = run(
        &chart_bin(),
        &["package", &src.display().to_string()],
        &s.0,
        &s.0,
    );
    assert_eq!(code, 0, "{err}");
    assert!(std::fs::metadata(s.0.join("big-0.1.0.tgz")).unwrap().len() > 6 << 20);
    let remote = format!("oci://{}/charts", reg.host);
    // Piped: exactly helm's output.
    let h = run(
        &helm,
        &["push", "big-0.1.0.tgz", &remote],
        &s.0,
        &s.0.join("helm/home"),
    );
    let c = run(
        &chart_bin(),
        &["push", "big-0.1.0.tgz", &remote],
        &s.0,
        &s.0.join("chart/home"),
    );
    assert_eq!(c, h);
    let r = format!("{remote}/big");
    same(&helm, &s.0, &["pull", &r, "--version", "0.1.0"]);
    // On a terminal: a bar for the upload and for the download.
    for cmd in [
        format!("{} push big-0.1.0.tgz {remote}/tty", chart_bin().display()),
        format!(
            "{} pull {r} --version 0.1.0 -d chart",
            chart_bin().display()
        ),
    ] {
        let o = Command::new(&script)
            .args(["-qec", &cmd, "/dev/null"])
            .current_dir(&s.0)
            .env("HELM_CONFIG_HOME", s.0.join("chart/home/config"))
            .env("HELM_CACHE_HOME", s.0.join("chart/home/cache"))
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&o.stdout);
        assert!(o.status.success(), "{cmd}: {text}");
        assert!(
            text.contains("/big:0.1.0 [") && text.contains("MiB"),
            "{cmd}: {text}"
        );
    }
}
