//! Chart repositories over HTTP against the real helm (`HELM_BIN`, default
//! /usr/local/bin/helm): a real static server (`tests/support/auth_tls_server.py`, plain,
//! and with basic auth over TLS with a CA file) on 127.0.0.1 serves charts indexed by
//! `chart repo index`; the same command lines run under helm and under `chart` in separate
//! homes must print the same and leave the same files. Without helm (or python3/openssl)
//! these tests print why and pass, except under `CI`, where they fail.

mod common;

use common::{chart_bin, free_port, helm_bin, need, Scratch};

use std::io::BufRead;
use std::path::Path;
use std::process::{Child, Command, Stdio};

fn have(prog: &str) -> bool {
    Command::new(prog)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok()
        || Command::new(prog)
            .arg("version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok()
}

struct Server(Child);
impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn serve(dir: &Path, extra: &[&str]) -> (Server, u16) {
    let port = free_port();
    let script = common::repo_root().join("crates/chart-cli/tests/support/auth_tls_server.py");
    let mut child = Command::new("python3")
        .arg(script)
        .arg(dir)
        .arg(port.to_string())
        .args(extra)
        .stdout(Stdio::piped())
        .spawn()
        .expect("start server");
    let mut line = String::new();
    let out = child.stdout.take().expect("stdout");
    std::io::BufReader::new(out)
        .read_line(&mut line)
        .expect("ready line");
    assert_eq!(line.trim(), "ready");
    (Server(child), port)
}

fn run(bin: &Path, args: &[&str], dir: &Path, home: &Path) -> String {
    let out = Command::new(bin)
        .args(args)
        .current_dir(dir)
        .env("TZ", "UTC")
        .env("LC_ALL", "C")
        .env("HELM_CONFIG_HOME", home.join("config"))
        .env("HELM_CACHE_HOME", home.join("cache"))
        .env("HELM_DATA_HOME", home.join("data"))
        .env_remove("HELM_REPOSITORY_CONFIG")
        .env_remove("HELM_REPOSITORY_CACHE")
        .output()
        .expect("run");
    format!(
        "$ {}\n{}{}[exit {}]\n",
        args.join(" "),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
        out.status.code().unwrap_or(-1)
    )
}

/// Every file under `dir` (relative path → content), with the lines of `*-charts.txt`
/// sorted (helm writes them in Go map order).
fn tree(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            let rel = p.strip_prefix(dir).expect("prefix").display().to_string();
            let mut data = std::fs::read(&p).expect("read");
            if rel.ends_with("-charts.txt") {
                let text = String::from_utf8_lossy(&data).into_owned();
                let mut lines: Vec<&str> = text.lines().collect();
                lines.sort_unstable();
                data = lines.join("\n").into_bytes();
            }
            out.push((rel, data));
        }
    }
    out.sort();
    out
}

/// Packages the fixture charts into `srv` and indexes them with `chart`.
fn make_repo(srv: &Path, home: &Path) {
    std::fs::create_dir_all(srv.join("sub")).expect("mkdir");
    let charts = common::repo_root().join("testdata/charts");
    let c = |n: &str| charts.join(n).display().to_string();
    for n in ["basic", "parent", "v1chart"] {
        run(&chart_bin(), &["package", &c(n)], srv, home);
    }
    run(
        &chart_bin(),
        &[
            "package",
            &c("basic"),
            "--version",
            "1.3.0-rc.1",
            "-d",
            "sub",
        ],
        srv,
        home,
    );
    run(
        &chart_bin(),
        &["package", &c("basic"), "--version", "0.5.0"],
        srv,
        home,
    );
    let out = run(&chart_bin(), &["repo", "index", "."], srv, home);
    assert!(out.ends_with("[exit 0]\n"), "{out}");
}

fn compare(helm: &Path, s: &Path, script: &[Vec<String>]) {
    let re = regex::Regex::new(r"\.tgz\d+: ").expect("regex");
    let mut outs = Vec::new();
    for (tag, bin) in [("helm", helm.to_path_buf()), ("chart", chart_bin())] {
        let home = s.join(tag).join("home");
        let work = s.join(tag).join("work");
        std::fs::create_dir_all(&work).expect("mkdir");
        let mut text = String::new();
        for cmd in script {
            let a: Vec<&str> = cmd.iter().map(String::as_str).collect();
            text.push_str(&run(&bin, &a, &work, &home));
        }
        // helm names its random temporary file in write errors (`x.tgz3810051766`).
        let text = re.replace_all(&text, ".tgz: ").into_owned();
        outs.push((text, tree(&home), tree(&work)));
    }
    similar_eq(&outs[1].0, &outs[0].0);
    assert_eq!(outs[1].1, outs[0].1, "files under the helm homes");
    assert_eq!(
        outs[1].2, outs[0].2,
        "files pulled into the working directory"
    );
}

fn similar_eq(got: &str, want: &str) {
    if got != want {
        let g: Vec<&str> = got.lines().collect();
        let w: Vec<&str> = want.lines().collect();
        for (i, (a, b)) in g.iter().zip(&w).enumerate() {
            assert_eq!(
                a,
                b,
                "line {} differs\n--- chart ---\n{got}\n--- helm ---\n{want}",
                i + 1
            );
        }
        assert_eq!(
            g.len(),
            w.len(),
            "--- chart ---\n{got}\n--- helm ---\n{want}"
        );
    }
}

fn cmds(list: &[&[&str]]) -> Vec<Vec<String>> {
    list.iter()
        .map(|c| c.iter().map(|s| s.to_string()).collect())
        .collect()
}

#[test]
fn http_repository_matches_helm() {
    let Some(helm) = helm_bin() else { return };
    if !need("python3", have("python3")) {
        return;
    }
    let s = Scratch::new("http", "plain");
    let srv = s.0.join("srv");
    make_repo(&srv, &s.0.join("pkg-home"));
    let (_server, port) = serve(&srv, &[]);
    let u = format!("http://127.0.0.1:{port}");
    let u_slash = format!("{u}/");
    let archive = format!("{u}/parent-0.1.0.tgz");
    let script = cmds(&[
        &["repo", "add", "myrepo", &u],
        &["repo", "add", "myrepo", &u],
        &["repo", "add", "myrepo", &u_slash],
        &[
            "repo",
            "add",
            "two",
            &u_slash,
            "--username",
            "u",
            "--password",
            "p",
        ],
        &["repo", "add", "a/b", &u],
        &["repo", "list"],
        &["repo", "list", "-o", "json"],
        &["repo", "list", "-o", "yaml"],
        &["repo", "update", "myrepo"],
        &["repo", "update", "nope"],
        &["search", "repo"],
        &["search", "repo", "basic", "--versions"],
        &["search", "repo", "--devel"],
        &["search", "repo", "-o", "json"],
        &["search", "repo", "--version", "^0.1", "-o", "yaml"],
        &["search", "repo", "-r", "par.*"],
        &["search", "repo", "loader"],
        &["search", "repo", "zzz"],
        &["pull", "myrepo/basic"],
        &["pull", "myrepo/basic", "--version", "^0.1"],
        &["pull", "myrepo/basic", "--version", "0.5.0", "-d", "sub2"],
        &["pull", "myrepo/nope"],
        &["pull", "nope/basic"],
        &["pull", "basic", "--repo", &u, "--version", "<1"],
        &["pull", "zzz", "--repo", &u],
        &["pull", &archive, "--untar"],
        &[
            "pull",
            "myrepo/basic",
            "--devel",
            "--untar",
            "--untardir",
            "ut",
        ],
        &["template", "x", "myrepo/basic", "--version", "0.5.0"],
        &["template", "x", "basic", "--repo", &u],
        &["template", "x", "myrepo/zzz"],
        &["repo", "remove", "two"],
        &["repo", "remove", "two"],
        &["repo", "list"],
        &["repo", "remove", "myrepo"],
        &["repo", "list"],
        &["repo", "update"],
    ]);
    compare(&helm, &s.0, &script);
}

#[test]
fn tls_basic_auth_repository_matches_helm() {
    let Some(helm) = helm_bin() else { return };
    if !need("python3", have("python3")) || !need("openssl", have("openssl")) {
        return;
    }
    let s = Scratch::new("http", "tls");
    let srv = s.0.join("srv");
    make_repo(&srv, &s.0.join("pkg-home"));
    let (ca, cert, key) = (
        s.0.join("ca.pem"),
        s.0.join("cert.pem"),
        s.0.join("key.pem"),
    );
    // A CA, and a server certificate for 127.0.0.1 signed by it.
    let ca_key = s.0.join("ca.key");
    let csr = s.0.join("srv.csr");
    let ext = s.0.join("ext.cnf");
    std::fs::write(
        &ext,
        "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n",
    )
    .expect("ext");
    let ssl = |args: &[&str], paths: &[&Path]| {
        let mut c = Command::new("openssl");
        c.args(args);
        for p in paths {
            c.arg(p);
        }
        let st = c.stderr(Stdio::null()).status().expect("openssl");
        assert!(st.success(), "openssl {args:?}");
    };
    let d = |p: &Path| p.display().to_string();
    ssl(
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=test-ca",
            "-keyout",
            &d(&ca_key),
            "-out",
            &d(&ca),
        ],
        &[],
    );
    ssl(
        &[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-subj",
            "/CN=127.0.0.1",
            "-keyout",
            &d(&key),
            "-out",
            &d(&csr),
        ],
        &[],
    );
    ssl(
        &[
            "x509",
            "-req",
            "-in",
            &d(&csr),
            "-CA",
            &d(&ca),
            "-CAkey",
            &d(&ca_key),
            "-CAcreateserial",
            "-days",
            "2",
            "-extfile",
            &d(&ext),
            "-out",
            &d(&cert),
        ],
        &[],
    );
    let (_server, port) = serve(
        &srv,
        &[
            "--user",
            "alice",
            "--password",
            "s3cret",
            "--cert",
            &cert.display().to_string(),
            "--key",
            &key.display().to_string(),
        ],
    );
    let u = format!("https://127.0.0.1:{port}");
    let ca = ca.display().to_string();
    let script = cmds(&[
        &["repo", "add", "sec", &u, "--ca-file", &ca],
        &[
            "repo",
            "add",
            "sec",
            &u,
            "--ca-file",
            &ca,
            "--username",
            "alice",
            "--password",
            "wrong",
        ],
        &[
            "repo",
            "add",
            "sec",
            &u,
            "--username",
            "alice",
            "--password",
            "s3cret",
            "--insecure-skip-tls-verify",
        ],
        &[
            "repo",
            "add",
            "sec",
            &u,
            "--ca-file",
            &ca,
            "--username",
            "alice",
            "--password",
            "s3cret",
            "--force-update",
        ],
        &["repo", "update"],
        &["search", "repo", "sec/"],
        &["pull", "sec/basic", "--version", "0.5.0"],
        &[
            "pull",
            "basic",
            "--repo",
            &u,
            "--ca-file",
            &ca,
            "--username",
            "alice",
            "--password",
            "s3cret",
        ],
        &["pull", "basic", "--repo", &u, "--ca-file", &ca],
    ]);
    compare(&helm, &s.0, &script);
}

/// Hostile repositories: an index with an alias bomb, an archive whose paths climb out
/// of the chart: clear errors, nothing written to the cache or outside the target.
#[test]
fn hostile_repository_input() {
    if !need("python3", have("python3")) {
        return;
    }
    let s = Scratch::new("http", "hostile");
    let srv = s.0.join("srv");
    std::fs::create_dir_all(&srv).expect("mkdir");
    let mut bomb = String::from("apiVersion: v1\na0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..12 {
        let refs = vec![format!("*a{}", i - 1); 10].join(", ");
        bomb.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
    }
    bomb.push_str("entries: {}\n");
    std::fs::write(srv.join("index.yaml"), bomb).expect("bomb");
    // An archive with a `../` entry, built by Python's tarfile.
    let st = Command::new("python3")
        .arg("-c")
        .arg(
            "import io,sys,tarfile\n\
             t=tarfile.open(sys.argv[1],'w:gz')\n\
             for n,d in [('evil/Chart.yaml',b'apiVersion: v2\\nname: evil\\nversion: 1.0.0\\n'),('evil/../../escaped.txt',b'x')]:\n\
             \x20i=tarfile.TarInfo(n); i.size=len(d); t.addfile(i,io.BytesIO(d))\n\
             t.close()",
        )
        .arg(srv.join("evil-1.0.0.tgz"))
        .status()
        .expect("python");
    assert!(st.success());
    let (_server, port) = serve(&srv, &[]);
    let u = format!("http://127.0.0.1:{port}");
    let home = s.0.join("home");
    let work = s.0.join("work/inner");
    std::fs::create_dir_all(&work).expect("mkdir");
    let out = run(&chart_bin(), &["repo", "add", "bomb", &u], &work, &home);
    assert!(out.contains("excessive aliasing"), "{out}");
    assert!(out.ends_with("[exit 1]\n"), "{out}");
    assert!(tree(&home.join("cache")).is_empty(), "nothing cached");
    assert!(!home.join("config/repositories.yaml").exists());
    let archive = format!("{u}/evil-1.0.0.tgz");
    let out = run(&chart_bin(), &["pull", &archive, "--untar"], &work, &home);
    assert!(out.ends_with("[exit 1]\n"), "{out}");
    assert!(!s.0.join("work/escaped.txt").exists());
    assert!(!s.0.join("escaped.txt").exists());
}

/// A server that stalls mid-download: `repo add --timeout` gives up with an error and
/// nothing is cached or configured.
#[test]
fn stalled_server_times_out() {
    if !need("python3", have("python3")) {
        return;
    }
    let s = Scratch::new("http", "stall");
    let srv = s.0.join("srv");
    std::fs::create_dir_all(&srv).expect("mkdir");
    let (_server, port) = serve(&srv, &["--stall"]);
    let u = format!("http://127.0.0.1:{port}");
    let home = s.0.join("home");
    let t0 = std::time::Instant::now();
    let out = run(
        &chart_bin(),
        &["repo", "add", "slow", &u, "--timeout", "2s"],
        &s.0,
        &home,
    );
    assert!(
        t0.elapsed() < std::time::Duration::from_secs(60),
        "gave up in time"
    );
    assert!(out.ends_with("[exit 1]\n"), "{out}");
    assert!(
        out.contains("is not a valid chart repository or cannot be reached"),
        "{out}"
    );
    assert!(tree(&home.join("cache")).is_empty(), "nothing cached");
    assert!(!home.join("config/repositories.yaml").exists());
}
