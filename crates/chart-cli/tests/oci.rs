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

use common::{chart_bin, free_port, helm_bin, need, same_as_helm, Ran, Scratch};

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

/// Starts `docker-registry serve` on a free port, its config in `dir` and its storage in
/// `dir/data`; `extra` is appended to the config after `http.addr`: one of
/// [`htpasswd_auth`], [`tls_section`], [`token_auth`], or nothing.
fn start_registry(bin: &Path, dir: &Path, extra: &str) -> Registry {
    let port = free_port();
    let cfg = format!(
        "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: {}\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:{port}\n{extra}",
        dir.join("data").display()
    );
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
        // A TLS registry answers a plain HTTP request too (Go's 400 for it).
        if http_get(&reg.host, "/v2/", &[]).is_some() {
            return reg;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("registry on {} did not start", reg.host);
}

/// Basic auth from an htpasswd file (a [`start_registry`] config section).
fn htpasswd_auth(htpasswd: &Path) -> String {
    format!(
        "auth:\n  htpasswd:\n    realm: basic-realm\n    path: {}\n",
        htpasswd.display()
    )
}

/// HTTPS with this certificate and key (a [`start_registry`] config section).
fn tls_section(cert: &Path, key: &Path) -> String {
    format!(
        "  tls:\n    certificate: {}\n    key: {}\n",
        cert.display(),
        key.display()
    )
}

/// Bearer tokens from the [`token_server`] on `port`, checked against `cert` (a
/// [`start_registry`] config section).
fn token_auth(port: u16, cert: &Path) -> String {
    format!(
        "auth:\n  token:\n    realm: http://127.0.0.1:{port}/token\n    service: test-registry\n    issuer: test-issuer\n    rootcertbundle: {}\n",
        cert.display()
    )
}

fn run(bin: &Path, args: &[&str], dir: &Path, home: &Path) -> (String, String, i32) {
    run_with(bin, args, dir, home, &[])
}

/// [`run`] with extra environment variables.
fn run_with(
    bin: &Path,
    args: &[&str],
    dir: &Path,
    home: &Path,
    env: &[(&str, String)],
) -> (String, String, i32) {
    let out = Command::new(bin)
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
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
    same_with(helm, s, args, &[])
}

/// [`same`] with extra environment variables.
fn same_with(
    helm: &Path,
    s: &Path,
    args: &[&str],
    env: &[(&str, String)],
) -> (String, String, i32) {
    // The dependency manager's temporary directory is named after the process.
    let re = regex::Regex::new(r"tmpcharts-[0-9]+").unwrap();
    let c = same_as_helm(&format!("{args:?}"), helm, |bin, who| {
        let (stdout, stderr, code) = run_with(
            bin,
            args,
            &s.join(who).join("work"),
            &s.join(who).join("home"),
            env,
        );
        Ran {
            stdout: re.replace_all(&stdout, "tmpcharts-PID").into_owned(),
            stderr: re.replace_all(&stderr, "tmpcharts-PID").into_owned(),
            code,
        }
    });
    (c.stdout, c.stderr, c.code)
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
    let reg = start_registry(&reg_bin, &s.0.join("reg"), "");
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
    let reg = start_registry(&reg_bin, &s.0.join("reg"), &htpasswd_auth(&pw));
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
    let reg = start_registry(&reg_bin, &s.0.join("reg"), "");
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
    let reg = start_registry(&reg_bin, &s.0.join("reg"), "");
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
    let reg = start_registry(
        &reg_bin,
        &d.join("reg"),
        &tls_section(&d.join("srv.crt"), &d.join("srv.key")),
    );
    let host = reg.host.clone();
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
    let reg = start_registry(&reg_bin, &s.0.join("reg"), "");
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

/// Writes chart `name` (no templates) with `deps` (YAML list items) into `dir/name` for
/// both tools' work directories of scratch `s`.
fn write_parent(s: &Path, name: &str, deps: &str) {
    for t in ["helm", "chart"] {
        let d = s.join(t).join("work").join(name);
        std::fs::create_dir_all(d.join("templates")).unwrap();
        std::fs::write(
            d.join("Chart.yaml"),
            format!("apiVersion: v2\nname: {name}\nversion: 0.1.0\ndependencies:\n{deps}"),
        )
        .unwrap();
        std::fs::write(
            d.join("templates/cm.yaml"),
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\n",
        )
        .unwrap();
    }
}

/// `Chart.lock` of `chart` in `who`'s work directory without its `generated` line.
fn lock_of(s: &Path, who: &str, chart: &str) -> String {
    std::fs::read_to_string(s.join(who).join("work").join(chart).join("Chart.lock"))
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.starts_with("generated:"))
        .map(|l| format!("{l}\n"))
        .collect()
}

/// Pushes fixture `basic` at each of `versions` (packaged by `chart`) to `remote`.
fn push_versions(s: &Path, remote: &str, versions: &[&str], extra: &[&str]) {
    let d = s.join("pkgs");
    std::fs::create_dir_all(&d).unwrap();
    for v in versions {
        let tgz = package(&d, "basic", Some(v)).display().to_string();
        let mut args = vec!["push", tgz.as_str(), remote];
        args.extend(extra);
        let (_, err, code) = run(&chart_bin(), &args, &d, &d);
        assert_eq!(code, 0, "{err}");
    }
}

/// `oci://` dependencies: ranges resolved through the registry's tags (semver order,
/// `_` read as `+`), exact versions pulled directly, `--plain-http`, credentials from the
/// flags or from `registry login`; the same output, `Chart.lock` and `charts/` as helm,
/// and each tool builds from the other's lock.
#[test]
fn oci_dependencies_interop_with_helm() {
    let (Some(helm), Some(reg_bin)) = (helm_bin(), registry_bin()) else {
        return;
    };
    let s = Scratch::new("oci", "deps");
    setup_dirs(&s.0);
    let reg = start_registry(&reg_bin, &s.0.join("reg"), "");
    let host = reg.host.clone();
    let remote = format!("oci://{host}/charts");
    push_versions(
        &s.0,
        &remote,
        &["1.0.0", "1.2.0", "1.1.0+build.1", "1.3.0-rc.1", "2.0.0"],
        &[],
    );
    write_parent(
        &s.0,
        "parent",
        &format!(
            "- name: basic\n  version: \"^1.0.0\"\n  repository: {remote}\n- name: basic\n  alias: exact\n  version: 1.1.0+build.1\n  repository: {remote}\n"
        ),
    );
    // A range needs the tag list, which helm fetches over HTTPS unless --plain-http.
    let (_, err, code) = same(&helm, &s.0, &["dependency", "update", "parent"]);
    assert_eq!(code, 1);
    assert!(
        err.contains("could not retrieve list of tags for repository"),
        "{err}"
    );
    let (out, err, code) = same(
        &helm,
        &s.0,
        &["dependency", "update", "parent", "--plain-http"],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("Downloading basic from repo"), "{out}");
    assert!(
        err.contains(&format!("Pulled: {host}/charts/basic:1.2.0\n")),
        "{err}"
    );
    let lock = lock_of(&s.0, "chart", "parent");
    assert_eq!(lock, lock_of(&s.0, "helm", "parent"));
    assert!(
        lock.contains(&format!(
            "- name: basic\n  repository: {remote}\n  version: 1.2.0\n"
        )) && lock.contains("version: 1.1.0+build.1\n"),
        "{lock}"
    );
    let charts = |who: &str| files_in(&s.0.join(who).join("work/parent/charts"));
    assert_eq!(charts("chart"), charts("helm"));
    assert_eq!(
        charts("chart"),
        vec![
            "basic-1.1.0+build.1.tgz".to_string(),
            "basic-1.2.0.tgz".to_string()
        ]
    );
    for f in ["basic-1.1.0+build.1.tgz", "basic-1.2.0.tgz"] {
        assert_eq!(
            std::fs::read(s.0.join("chart/work/parent/charts").join(f)).unwrap(),
            std::fs::read(s.0.join("helm/work/parent/charts").join(f)).unwrap()
        );
    }
    // Unchanged: the lock is not rewritten; then each builds from the other's lock
    // (exact versions: no tag list, so no --plain-http needed on a loopback registry).
    same(
        &helm,
        &s.0,
        &["dependency", "update", "parent", "--plain-http"],
    );
    let lock_path = |who: &str| s.0.join(who).join("work/parent/Chart.lock");
    let helm_lock = std::fs::read(lock_path("helm")).unwrap();
    let chart_lock = std::fs::read(lock_path("chart")).unwrap();
    std::fs::write(lock_path("chart"), &helm_lock).unwrap();
    std::fs::write(lock_path("helm"), &chart_lock).unwrap();
    for who in ["helm", "chart"] {
        std::fs::remove_dir_all(s.0.join(who).join("work/parent/charts")).unwrap();
    }
    let (out, err, code) = same(&helm, &s.0, &["dependency", "build", "parent"]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(charts("chart"), charts("helm"));
    assert_eq!(charts("chart").len(), 2);
    same(&helm, &s.0, &["dependency", "list", "parent"]);
    same(&helm, &s.0, &["template", "x", "parent"]);
    // A range nothing satisfies: helm locks the range itself and the pull fails.
    write_parent(
        &s.0,
        "nomatch",
        &format!("- name: basic\n  version: \"^9.0.0\"\n  repository: {remote}\n"),
    );
    let (_, _, code) = same(
        &helm,
        &s.0,
        &["dependency", "update", "nomatch", "--plain-http"],
    );
    assert_eq!(code, 1);
    // A chart that is not in the registry.
    write_parent(
        &s.0,
        "missing",
        &format!("- name: nothere\n  version: 1.0.0\n  repository: {remote}\n"),
    );
    let (_, _, code) = same(&helm, &s.0, &["dependency", "update", "missing"]);
    assert_eq!(code, 1);

    // A registry with basic auth: flags, then the credentials of `registry login`.
    let Some(pw) = htpasswd_file(&s.0) else {
        return;
    };
    let reg2 = start_registry(&reg_bin, &s.0.join("reg2"), &htpasswd_auth(&pw));
    let host2 = reg2.host.clone();
    let remote2 = format!("oci://{host2}/private");
    push_versions(
        &s.0,
        &remote2,
        &["1.0.0", "1.0.1"],
        &["--username", "alice", "--password", "s3cret"],
    );
    write_parent(
        &s.0,
        "private",
        &format!("- name: basic\n  version: ~1.0.0\n  repository: {remote2}\n"),
    );
    let (_, _, code) = same(
        &helm,
        &s.0,
        &["dependency", "update", "private", "--plain-http"],
    );
    assert_eq!(code, 1);
    let (out, err, code) = same(
        &helm,
        &s.0,
        &[
            "dependency",
            "update",
            "private",
            "--plain-http",
            "--username",
            "alice",
            "--password",
            "s3cret",
        ],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(
        lock_of(&s.0, "chart", "private"),
        lock_of(&s.0, "helm", "private")
    );
    assert!(lock_of(&s.0, "chart", "private").contains("version: 1.0.1\n"));
    same(
        &helm,
        &s.0,
        &["registry", "login", &host2, "-u", "alice", "-p", "s3cret"],
    );
    for who in ["helm", "chart"] {
        std::fs::remove_dir_all(s.0.join(who).join("work/private/charts")).unwrap();
    }
    let (out, err, code) = same(
        &helm,
        &s.0,
        &["dependency", "build", "private", "--plain-http"],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(
        files_in(&s.0.join("chart/work/private/charts")),
        vec!["basic-1.0.1.tgz".to_string()]
    );
    // `package -u` resolves them too (the output names the archive's absolute path).
    let args = ["package", "private", "-u", "--plain-http"];
    let h = run(&helm, &args, &s.0.join("helm/work"), &s.0.join("helm/home"));
    let c = run(
        &chart_bin(),
        &args,
        &s.0.join("chart/work"),
        &s.0.join("chart/home"),
    );
    assert_eq!((c.2, &c.1), (h.2, &h.1));
    assert_eq!(c.2, 0, "{c:?}");
    assert_eq!(
        c.0.replace("/chart/work/", "/helm/work/"),
        h.0,
        "package -u output"
    );
}

fn gpg(home: &Path, args: &[&str]) -> std::process::Output {
    Command::new("gpg")
        .env("GNUPGHOME", home)
        .args(["--batch", "--pinentry-mode", "loopback"])
        .args(args)
        .output()
        .unwrap()
}

/// Stops the gpg-agent of a temporary GnuPG home.
struct GpgHome(PathBuf);
impl Drop for GpgHome {
    fn drop(&mut self) {
        let _ = Command::new("gpgconf")
            .env("GNUPGHOME", &self.0)
            .args(["--kill", "gpg-agent"])
            .status();
    }
}

/// `pub.gpg`/`sec.gpg` ("Chart Signer") and `other.gpg` (another public key), made by
/// GnuPG in `dir`.
fn make_keys(dir: &Path) -> GpgHome {
    let gh = dir.join("gnupg");
    std::fs::create_dir_all(&gh).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&gh, std::fs::Permissions::from_mode(0o700)).unwrap();
    }
    let guard = GpgHome(gh.clone());
    for uid in [
        "Chart Signer <signer@example.com>",
        "Other Person <other@example.com>",
    ] {
        let o = gpg(
            &gh,
            &[
                "--passphrase",
                "",
                "--quick-gen-key",
                uid,
                "rsa2048",
                "sign",
                "never",
            ],
        );
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    for (args, file) in [
        (vec!["--export", "Chart Signer"], "pub.gpg"),
        (
            vec!["--passphrase", "", "--export-secret-keys", "Chart Signer"],
            "sec.gpg",
        ),
        (vec!["--export", "Other Person"], "other.gpg"),
    ] {
        let o = gpg(&gh, &args);
        assert!(o.status.success());
        std::fs::write(dir.join(file), o.stdout).unwrap();
    }
    guard
}

/// Provenance over OCI: a signed archive pushed with its `.prov` (same manifest as
/// helm's push), then `pull --prov`/`--verify`, `template`/`show --verify` and
/// `dependency update|build --verify` of `oci://` references, each as helm does it,
/// including a chart pushed without provenance and a keyring without the signer.
#[test]
fn oci_provenance_interop_with_helm() {
    let (Some(helm), Some(reg_bin)) = (helm_bin(), registry_bin()) else {
        return;
    };
    if !need("gpg", on_path("gpg").is_some()) {
        return;
    }
    let s = Scratch::new("oci", "prov");
    setup_dirs(&s.0);
    let _gh = make_keys(&s.0);
    let k = |f: &str| s.0.join(f).display().to_string();
    let (pubk, sec, other) = (k("pub.gpg"), k("sec.gpg"), k("other.gpg"));
    let reg = start_registry(&reg_bin, &s.0.join("reg"), "");
    let host = reg.host.clone();
    // helm signs; chart and helm push the same files.
    let signed = s.0.join("signed");
    std::fs::create_dir_all(&signed).unwrap();
    let src = common::repo_root().join("testdata/charts/basic");
    let src = src.display().to_string();
    let (_, err, code) = run(
        &helm,
        &[
            "package",
            &src,
            "--sign",
            "--key",
            "Chart Signer",
            "--keyring",
            &sec,
        ],
        &signed,
        &signed,
    );
    assert_eq!(code, 0, "{err}");
    let tgz = signed.join("basic-1.2.3.tgz").display().to_string();
    assert!(Path::new(&format!("{tgz}.prov")).exists());
    let c = run(
        &chart_bin(),
        &["push", &tgz, &format!("oci://{host}/by-chart")],
        &s.0,
        &s.0.join("chart/home"),
    );
    let h = run(
        &helm,
        &["push", &tgz, &format!("oci://{host}/by-helm")],
        &s.0,
        &s.0.join("helm/home"),
    );
    assert_eq!((c.2, h.2), (0, 0), "{c:?} {h:?}");
    assert_eq!(c.1.replace("by-chart", "by-helm"), h.1);
    let accept = [("Accept", "application/vnd.oci.image.manifest.v1+json")];
    let m = http_get(&host, "/v2/by-chart/basic/manifests/1.2.3", &accept).unwrap();
    let m = String::from_utf8_lossy(&m.2).into_owned();
    let prov_digest = {
        use std::fmt::Write as _;
        let data = std::fs::read(format!("{tgz}.prov")).unwrap();
        let out = Command::new("sha256sum")
            .arg(format!("{tgz}.prov"))
            .output()
            .unwrap();
        let hex = String::from_utf8_lossy(&out.stdout)
            .split(' ')
            .next()
            .unwrap()
            .to_string();
        let mut d = String::new();
        write!(
            d,
            "{{\"mediaType\":\"application/vnd.cncf.helm.chart.provenance.v1.prov\",\"digest\":\"sha256:{hex}\",\"size\":{}}}",
            data.len()
        )
        .unwrap();
        d
    };
    assert!(m.contains(&prov_digest), "{m}\n{prov_digest}");
    // An unsigned version beside it.
    let plain = package(&s.0, "basic", Some("1.3.0")).display().to_string();
    for repo in ["by-chart", "by-helm"] {
        let (_, err, code) = run(
            &chart_bin(),
            &["push", &plain, &format!("oci://{host}/{repo}")],
            &s.0,
            &s.0.join("chart/home"),
        );
        assert_eq!(code, 0, "{err}");
    }
    for who in ["helm", "chart"] {
        for d in ["u", "v"] {
            std::fs::create_dir_all(s.0.join(who).join("work").join(d)).unwrap();
        }
    }
    for repo in ["by-helm", "by-chart"] {
        let r = format!("oci://{host}/{repo}/basic");
        let r_tag = format!("{r}:1.2.3");
        for args in [
            vec!["pull", &r, "--version", "1.2.3", "--prov"],
            vec![
                "pull",
                &r,
                "--version",
                "1.2.3",
                "--verify",
                "--keyring",
                &pubk,
                "-d",
                "v",
            ],
            vec!["pull", &r_tag, "--verify", "--keyring", &other, "-d", "u"],
            vec!["pull", &r, "--version", "1.3.0", "--prov", "-d", "u"],
            vec![
                "pull",
                &r,
                "--version",
                "1.3.0",
                "--verify",
                "--keyring",
                &pubk,
            ],
            vec![
                "pull",
                &r,
                "--version",
                "~1.2",
                "--plain-http",
                "--verify",
                "--keyring",
                &sec,
                "--untar",
                "-d",
                "u",
            ],
            vec![
                "template",
                "x",
                &r,
                "--version",
                "1.2.3",
                "--verify",
                "--keyring",
                &pubk,
            ],
            vec![
                "template",
                "x",
                &r,
                "--version",
                "1.3.0",
                "--verify",
                "--keyring",
                &pubk,
            ],
            vec!["show", "chart", &r_tag, "--verify", "--keyring", &pubk],
            vec!["show", "values", &r_tag, "--verify", "--keyring", &other],
        ] {
            same(&helm, &s.0, &args);
        }
        for sub in ["work", "work/u", "work/v", "home/cache/repository"] {
            assert_eq!(
                files_in(&s.0.join("chart").join(sub)),
                files_in(&s.0.join("helm").join(sub)),
                "{sub}"
            );
        }
        for who in ["helm", "chart"] {
            for d in ["u", "v"] {
                let p = s.0.join(who).join("work").join(d);
                std::fs::remove_dir_all(&p).unwrap();
                std::fs::create_dir_all(&p).unwrap();
            }
        }
    }
    assert!(s.0.join("chart/work/basic-1.2.3.tgz.prov").exists());
    // Dependencies: update verifies always, build when there is a `.prov`.
    let remote = format!("oci://{host}/by-chart");
    write_parent(
        &s.0,
        "signed",
        &format!("- name: basic\n  version: 1.2.3\n  repository: {remote}\n"),
    );
    write_parent(
        &s.0,
        "unsigned",
        &format!("- name: basic\n  version: 1.3.0\n  repository: {remote}\n"),
    );
    for args in [
        vec![
            "dependency",
            "update",
            "signed",
            "--verify",
            "--keyring",
            &pubk,
        ],
        vec![
            "dependency",
            "build",
            "signed",
            "--verify",
            "--keyring",
            &other,
        ],
        vec![
            "dependency",
            "update",
            "unsigned",
            "--verify",
            "--keyring",
            &pubk,
        ],
        vec!["dependency", "update", "unsigned"],
        vec![
            "dependency",
            "build",
            "unsigned",
            "--verify",
            "--keyring",
            &pubk,
        ],
    ] {
        same(&helm, &s.0, &args);
    }
    for d in ["signed/charts", "unsigned/charts"] {
        assert_eq!(
            files_in(&s.0.join("chart/work").join(d)),
            files_in(&s.0.join("helm/work").join(d)),
            "{d}"
        );
    }
}

/// A real token server for the distribution registry's `auth: token` (the Docker
/// token flow): `GET /token?service=…&scope=…` with basic credentials (or none: an
/// anonymous token granting only `pull`) and the OAuth2 `POST /token` password grant.
/// Tokens are RS256 JWTs signed by `openssl dgst` with `key`, carrying `cert` in `x5c`;
/// the registry checks them against the same certificate as its root bundle.
/// Serves until the flag is set.
fn token_server(dir: PathBuf, user: &'static str, pass: &'static str) -> (u16, Arc<AtomicBool>) {
    use base64::Engine as _;
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    l.set_nonblocking(true).unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let stop2 = stop.clone();
    let pem = std::fs::read_to_string(dir.join("token.crt")).unwrap();
    let der_b64: String = pem
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect::<Vec<_>>()
        .concat();
    std::thread::spawn(move || {
        let b64u = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let mut n = 0u64;
        while !stop2.load(Ordering::SeqCst) {
            let mut c = match l.accept() {
                Ok((c, _)) => c,
                Err(_) => {
                    std::thread::sleep(Duration::from_millis(20));
                    continue;
                }
            };
            n += 1;
            c.set_nonblocking(false).unwrap();
            c.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
            // The request: head, then a Content-Length body.
            let mut buf = Vec::new();
            let mut b = [0u8; 4096];
            let head_end = loop {
                if let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                    break Some(p);
                }
                match c.read(&mut b) {
                    Ok(0) | Err(_) => break None,
                    Ok(k) => buf.extend_from_slice(&b[..k]),
                }
            };
            let Some(head_end) = head_end else { continue };
            let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
            let header = |name: &str| {
                head.lines().find_map(|l| {
                    let (k, v) = l.split_once(':')?;
                    k.trim()
                        .eq_ignore_ascii_case(name)
                        .then(|| v.trim().to_string())
                })
            };
            let len: usize = header("content-length")
                .and_then(|v| v.parse().ok())
                .unwrap_or(0);
            let mut body = buf[head_end + 4..].to_vec();
            while body.len() < len {
                match c.read(&mut b) {
                    Ok(0) | Err(_) => break,
                    Ok(k) => body.extend_from_slice(&b[..k]),
                }
            }
            let line = head.lines().next().unwrap_or("").to_string();
            let mut parts = line.split(' ');
            let method = parts.next().unwrap_or("").to_string();
            let target = parts.next().unwrap_or("").to_string();
            let query = target.split_once('?').map(|x| x.1).unwrap_or("");
            let params_of = |q: &str| -> Vec<(String, String)> {
                q.split('&')
                    .filter_map(|kv| kv.split_once('='))
                    .map(|(k, v)| {
                        let dec = |s: &str| {
                            let s = s.replace('+', " ");
                            let mut out = Vec::new();
                            let bs = s.as_bytes();
                            let mut i = 0;
                            while i < bs.len() {
                                if bs[i] == b'%' && i + 2 < bs.len() {
                                    if let Ok(x) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                                        out.push(x);
                                        i += 3;
                                        continue;
                                    }
                                }
                                out.push(bs[i]);
                                i += 1;
                            }
                            String::from_utf8_lossy(&out).into_owned()
                        };
                        (dec(k), dec(v))
                    })
                    .collect()
            };
            let mut params = params_of(query);
            // Who asks: basic credentials (GET) or the password grant (POST).
            let mut who: Option<Result<String, ()>> = None;
            if method == "POST" {
                params.extend(params_of(&String::from_utf8_lossy(&body)));
                let p = |k: &str| params.iter().find(|x| x.0 == k).map(|x| x.1.clone());
                if p("grant_type").as_deref() != Some("password") {
                    let _ = c.write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: 35\r\nConnection: close\r\n\r\n{\"error\":\"unsupported_grant_type\"}\n");
                    continue;
                }
                let ok = p("username").as_deref() == Some(user)
                    && p("password").as_deref() == Some(pass);
                who = Some(if ok { Ok(user.to_string()) } else { Err(()) });
            } else if let Some(a) = header("authorization") {
                let dec = a
                    .strip_prefix("Basic ")
                    .and_then(|x| base64::engine::general_purpose::STANDARD.decode(x).ok())
                    .map(|x| String::from_utf8_lossy(&x).into_owned())
                    .unwrap_or_default();
                who = Some(if dec == format!("{user}:{pass}") {
                    Ok(user.to_string())
                } else {
                    Err(())
                });
            }
            if let Some(Err(())) = who {
                let msg = "{\"errors\":[{\"code\":\"UNAUTHORIZED\",\"message\":\"authentication failed\"}]}\n";
                let _ = c.write_all(format!("HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{msg}", msg.len()).as_bytes());
                continue;
            }
            let subject = who.and_then(Result::ok).unwrap_or_default();
            let service = params
                .iter()
                .find(|x| x.0 == "service")
                .map(|x| x.1.clone())
                .unwrap_or_default();
            // Every scope asked (`repository:NAME:ACTIONS`, several space-separated).
            let mut access = Vec::new();
            for (_, sc) in params.iter().filter(|x| x.0 == "scope") {
                for one in sc.split(' ') {
                    let mut it = one.splitn(3, ':');
                    let (Some(t), Some(name), Some(actions)) = (it.next(), it.next(), it.next())
                    else {
                        continue;
                    };
                    let granted: Vec<String> = actions
                        .split(',')
                        .filter(|a| !subject.is_empty() || *a == "pull")
                        .map(|a| format!("\"{a}\""))
                        .collect();
                    access.push(format!(
                        "{{\"type\":\"{t}\",\"name\":\"{name}\",\"actions\":[{}]}}",
                        granted.join(",")
                    ));
                }
            }
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_secs();
            let jwt_head = format!("{{\"alg\":\"RS256\",\"typ\":\"JWT\",\"x5c\":[\"{der_b64}\"]}}");
            let claims = format!(
                "{{\"iss\":\"test-issuer\",\"sub\":\"{subject}\",\"aud\":\"{service}\",\"exp\":{},\"nbf\":{},\"iat\":{now},\"jti\":\"t{n}\",\"access\":[{}]}}",
                now + 300,
                now - 10,
                access.join(",")
            );
            let input = format!(
                "{}.{}",
                b64u.encode(jwt_head.as_bytes()),
                b64u.encode(claims.as_bytes())
            );
            let inf = dir.join(format!("tok-{n}.in"));
            std::fs::write(&inf, &input).unwrap();
            let sig = Command::new("openssl")
                .args(["dgst", "-sha256", "-sign"])
                .arg(dir.join("token.key"))
                .arg(&inf)
                .output()
                .unwrap();
            assert!(sig.status.success());
            let token = format!("{input}.{}", b64u.encode(&sig.stdout));
            let json = format!(
                "{{\"token\":\"{token}\",\"access_token\":\"{token}\",\"expires_in\":300}}\n"
            );
            let _ = c.write_all(
                format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{json}",
                    json.len()
                )
                .as_bytes(),
            );
        }
    });
    (port, stop)
}

/// Bearer tokens: docker-registry with `auth: token` and [`token_server`]. Anonymous
/// tokens pull, logged-in ones push; `registry login` runs the token flow; chart and
/// helm print the same for each step and pull what the other pushed.
#[test]
fn bearer_token_registry_interop_with_helm() {
    let (Some(helm), Some(reg_bin)) = (helm_bin(), registry_bin()) else {
        return;
    };
    let Some(openssl) = on_path("openssl") else {
        need("openssl", false);
        return;
    };
    let s = Scratch::new("oci", "token");
    setup_dirs(&s.0);
    let d = s.0.clone();
    let o = Command::new(&openssl)
        .args([
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "token.key",
            "-out",
            "token.crt",
            "-days",
            "2",
            "-subj",
            "/CN=token-signer",
        ])
        .current_dir(&d)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let (tport, stop) = token_server(d.clone(), "alice", "s3cret");
    struct Stop(Arc<AtomicBool>);
    impl Drop for Stop {
        fn drop(&mut self) {
            self.0.store(true, Ordering::SeqCst);
        }
    }
    let _stop = Stop(stop);
    let rd = d.join("reg");
    let reg = start_registry(&reg_bin, &rd, &token_auth(tport, &d.join("token.crt")));
    let host = reg.host.clone();
    let (st, head, _) = http_get(&host, "/v2/", &[]).unwrap();
    assert_eq!(st, 401);
    assert!(head.contains("Bearer realm="), "{head}");
    let tgz = package(&d, "basic", None).display().to_string();
    let remote = format!("oci://{host}/charts");
    let r = format!("{remote}/basic");
    // Anonymous: a pull-only token; pushing is refused.
    let (_, _, code) = same(&helm, &d, &["pull", &r, "--version", "1.2.3"]);
    assert_eq!(code, 1);
    let (_, _, code) = same(&helm, &d, &["push", &tgz, &remote]);
    assert_eq!(code, 1);
    // Login runs the token flow with the credentials.
    let (_, _, code) = same(
        &helm,
        &d,
        &["registry", "login", &host, "-u", "alice", "-p", "wrong"],
    );
    assert_eq!(code, 1);
    let (_, err, code) = same(
        &helm,
        &d,
        &["registry", "login", &host, "-u", "alice", "-p", "s3cret"],
    );
    assert_eq!(code, 0, "{err}");
    let cfg = |t: &str| std::fs::read(d.join(t).join("home/config/registry/config.json")).unwrap();
    assert_eq!(cfg("chart"), cfg("helm"));
    // Each pushes (a token with push), then pulls what the other pushed.
    for (who, repo) in [("helm", "by-helm"), ("chart", "by-chart")] {
        let bin = if who == "chart" {
            chart_bin()
        } else {
            helm.clone()
        };
        let (_, err, code) = run(
            &bin,
            &["push", &tgz, &format!("oci://{host}/{repo}")],
            &d,
            &d.join(who).join("home"),
        );
        assert_eq!(code, 0, "{who}: {err}");
    }
    for repo in ["by-helm", "by-chart"] {
        let r = format!("oci://{host}/{repo}/basic");
        let (_, err, code) = same(&helm, &d, &["pull", &r, "--version", "^1", "--plain-http"]);
        assert_eq!(code, 0, "{err}");
        same(&helm, &d, &["template", "x", &r, "--version", "1.2.3"]);
        same(&helm, &d, &["show", "chart", &format!("{r}:1.2.3")]);
        for who in ["helm", "chart"] {
            std::fs::remove_file(d.join(who).join("work/basic-1.2.3.tgz")).unwrap();
        }
    }
    // Logged out: anonymous tokens still pull, with and without a tag list.
    same(&helm, &d, &["registry", "logout", &host]);
    let r = format!("oci://{host}/by-chart/basic");
    let (_, err, code) = same(&helm, &d, &["pull", &r, "--version", "1.2.3"]);
    assert_eq!(code, 0, "{err}");
    let (_, err, code) = same(
        &helm,
        &d,
        &["pull", &r, "--version", "~1.2", "--plain-http", "-d", ".."],
    );
    assert_eq!(code, 0, "{err}");
    // The signature is checked: a registry trusting another certificate refuses the
    // same server's tokens.
    let o = Command::new(&openssl)
        .args([
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "other.key",
            "-out",
            "other.crt",
            "-days",
            "2",
            "-subj",
            "/CN=other-signer",
        ])
        .current_dir(&d)
        .output()
        .unwrap();
    assert!(o.status.success());
    // The same storage as the first registry: the same charts behind other trust.
    let rd2 = d.join("reg2");
    std::fs::create_dir_all(&rd2).unwrap();
    std::os::unix::fs::symlink(rd.join("data"), rd2.join("data")).unwrap();
    let reg2 = start_registry(&reg_bin, &rd2, &token_auth(tport, &d.join("other.crt")));
    let host2 = reg2.host.clone();
    let (_, err, code) = same(
        &helm,
        &d,
        &[
            "pull",
            &format!("oci://{host2}/by-chart/basic"),
            "--version",
            "1.2.3",
        ],
    );
    assert_eq!(code, 1, "{err}");
    // Credentials on the command line.
    let (_, err, code) = same(
        &helm,
        &d,
        &[
            "push",
            &tgz,
            &format!("oci://{host}/flags"),
            "--username",
            "alice",
            "--password",
            "s3cret",
        ],
    );
    assert_eq!(code, 0, "{err}");
}

/// A docker credential helper (`docker-credential-testhelper`, the protocol of
/// docker-credential-helpers: `get`/`erase` read the server on stdin, `store` reads
/// `{"ServerURL","Username","Secret"}`), keeping one file per server under `$HOME/creds`
/// and logging each call to `$HOME/creds/log`.
fn write_helper(bin_dir: &Path) {
    std::fs::create_dir_all(bin_dir).unwrap();
    let p = bin_dir.join("docker-credential-testhelper");
    std::fs::write(
        &p,
        r#"#!/bin/sh
d="$HOME/creds"
mkdir -p "$d"
input=$(cat)
case "$1" in
store)
  server=$(printf '%s' "$input" | sed -n 's/.*"ServerURL":"\([^"]*\)".*/\1/p')
  echo "store $server" >> "$d/log"
  printf '%s\n' "$input" > "$d/$(printf '%s' "$server" | tr ':/' '__')"
  ;;
get)
  echo "get $input" >> "$d/log"
  f="$d/$(printf '%s' "$input" | tr ':/' '__')"
  if [ -f "$f" ]; then cat "$f"; else echo "credentials not found in native keychain"; exit 1; fi
  ;;
erase)
  echo "erase $input" >> "$d/log"
  f="$d/$(printf '%s' "$input" | tr ':/' '__')"
  if [ -f "$f" ]; then rm "$f"; else echo "credentials not found in native keychain"; exit 1; fi
  ;;
*) echo "unknown action"; exit 1 ;;
esac
"#,
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
}

/// Credential helpers named by the registry config (`credsStore`, `credHelpers`): login
/// stores through the helper (the file keeps an empty entry), push and pull read from
/// it, logout erases; the config file, the helper's calls and what it holds are the
/// same under helm and chart, and a missing helper fails as in helm.
#[test]
fn credential_helpers_as_helm() {
    let (Some(helm), Some(reg_bin)) = (helm_bin(), registry_bin()) else {
        return;
    };
    let s = Scratch::new("oci", "helpers");
    setup_dirs(&s.0);
    let Some(pw) = htpasswd_file(&s.0) else {
        return;
    };
    let reg = start_registry(&reg_bin, &s.0.join("reg"), &htpasswd_auth(&pw));
    let host = reg.host.clone();
    let bin_dir = s.0.join("bin");
    write_helper(&bin_dir);
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let env = [("PATH", path)];
    let tgz = package(&s.0, "basic", None).display().to_string();
    let remote = format!("oci://{host}/charts");
    let cfg_path = |t: &str| s.0.join(t).join("home/config/registry/config.json");
    let set_cfg = |text: &str| {
        for t in ["helm", "chart"] {
            std::fs::create_dir_all(cfg_path(t).parent().unwrap()).unwrap();
            std::fs::write(cfg_path(t), text).unwrap();
        }
    };
    let read = |p: PathBuf| std::fs::read_to_string(p).unwrap_or_default();
    let creds = |t: &str, f: &str| read(s.0.join(t).join("home/creds").join(f));
    let stored = host.replace(':', "_");
    for cfg in [
        "{\"credsStore\": \"testhelper\"}".to_string(),
        format!("{{\"auths\": {{}}, \"credHelpers\": {{\"{host}\": \"testhelper\"}}, \"psFormat\": \"x\", \"unknown\": 1}}"),
    ] {
        set_cfg(&cfg);
        let (_, err, code) = same_with(
            &helm,
            &s.0,
            &["registry", "login", &host, "-u", "alice", "-p", "s3cret"],
            &env,
        );
        assert_eq!(code, 0, "{err}");
        assert_eq!(read(cfg_path("chart")), read(cfg_path("helm")), "{cfg}");
        assert!(
            read(cfg_path("chart")).contains(&format!("\"{host}\": {{}}")),
            "{}",
            read(cfg_path("chart"))
        );
        assert_eq!(creds("chart", &stored), creds("helm", &stored));
        assert!(creds("chart", &stored).contains("\"Secret\":\"s3cret\""));
        // Push and pull with the helper's credentials.
        let (_, err, code) = same_with(&helm, &s.0, &["push", &tgz, &remote], &env);
        assert_eq!(code, 0, "{err}");
        let (_, err, code) = same_with(
            &helm,
            &s.0,
            &["pull", &format!("{remote}/basic"), "--version", "^1", "--plain-http"],
            &env,
        );
        assert_eq!(code, 0, "{err}");
        for t in ["helm", "chart"] {
            std::fs::remove_file(s.0.join(t).join("work/basic-1.2.3.tgz")).unwrap();
        }
        same_with(&helm, &s.0, &["registry", "logout", &host], &env);
        assert_eq!(read(cfg_path("chart")), read(cfg_path("helm")));
        assert_eq!(creds("chart", &stored), "");
        let (_, err, code) = same_with(&helm, &s.0, &["registry", "logout", &host], &env);
        assert_eq!((err.as_str(), code), ("Error: not logged in\n", 1));
        // The helper saw the same kinds of calls, in the same order, from both (helm
        // asks it again for each request; chart keeps what it got).
        let calls = |t: &str| {
            let mut v: Vec<String> = creds(t, "log").lines().map(str::to_string).collect();
            v.dedup();
            v
        };
        assert_eq!(calls("chart"), calls("helm"));
        assert!(creds("chart", "log").contains(&format!("erase {host}\n")));
        for t in ["helm", "chart"] {
            std::fs::remove_file(s.0.join(t).join("home/creds/log")).unwrap();
        }
    }
    // Credentials put into the helper by someone else are used without a login.
    set_cfg("{\"credsStore\": \"testhelper\"}");
    for t in ["helm", "chart"] {
        std::fs::write(
            s.0.join(t).join("home/creds").join(&stored),
            format!("{{\"ServerURL\":\"{host}\",\"Username\":\"alice\",\"Secret\":\"s3cret\"}}\n"),
        )
        .unwrap();
    }
    let (_, err, code) = same_with(
        &helm,
        &s.0,
        &["pull", &format!("{remote}/basic"), "--version", "1.2.3"],
        &env,
    );
    assert_eq!(code, 0, "{err}");
    // A helper that is not installed: login fails as in helm.
    set_cfg("{\"credsStore\": \"nothere\"}");
    let (_, _, code) = same_with(
        &helm,
        &s.0,
        &["registry", "login", &host, "-u", "alice", "-p", "s3cret"],
        &env,
    );
    assert_eq!(code, 1);
}
