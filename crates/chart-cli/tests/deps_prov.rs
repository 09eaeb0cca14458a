//! `dependency update|build`, `package --sign`, `verify` and `pull --verify` against the
//! real helm (`HELM_BIN`, default /usr/local/bin/helm) and a real static HTTP server
//! (`tests/support/auth_tls_server.py`) on 127.0.0.1: the same command lines run under
//! helm and under `chart` in separate homes must print the same and leave the same
//! files; each tool builds from the other's Chart.lock; each verifies the other's
//! signatures (keys made by GnuPG's `gpg`). Hostile cases: a symlinked Chart.lock or
//! charts/, an archive with `../` paths, a stalled download. Without helm, python3 or gpg
//! these tests print why and pass, except under `CI`, where they fail.

mod common;

use common::{chart_bin, free_port, helm_bin, need, same_as_helm, Ran, Scratch};

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

fn have(prog: &str) -> bool {
    Command::new(prog)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok()
}

struct Server(Child, Option<std::io::BufReader<std::process::ChildStdout>>);
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
    let mut out = std::io::BufReader::new(child.stdout.take().expect("stdout"));
    out.read_line(&mut line).expect("ready line");
    assert_eq!(line.trim(), "ready");
    (Server(child, Some(out)), port)
}

fn cmd(bin: &Path, args: &[&str], dir: &Path, home: &Path) -> Command {
    let mut c = Command::new(bin);
    c.args(args)
        .current_dir(dir)
        .env("TZ", "UTC")
        .env("LC_ALL", "C")
        .env("HELM_CONFIG_HOME", home.join("config"))
        .env("HELM_CACHE_HOME", home.join("cache"))
        .env("HELM_DATA_HOME", home.join("data"))
        .env("GNUPGHOME", home.join("nognupg"))
        .env_remove("HELM_REPOSITORY_CONFIG")
        .env_remove("HELM_REPOSITORY_CACHE");
    c
}

fn ran(bin: &Path, args: &[&str], dir: &Path, home: &Path) -> Ran {
    cmd(bin, args, dir, home).output().expect("run").into()
}

/// [`ran`] as a transcript: the command line, stdout, stderr and the exit code.
fn run(bin: &Path, args: &[&str], dir: &Path, home: &Path) -> String {
    let r = ran(bin, args, dir, home);
    format!(
        "$ {}\n{}{}[exit {}]\n",
        args.join(" "),
        r.stdout,
        r.stderr,
        r.code
    )
}

fn sh(script: &str, dir: &Path) -> String {
    let out = Command::new("sh")
        .arg("-c")
        .arg(script)
        .current_dir(dir)
        .output()
        .expect("sh");
    format!(
        "$ !{script}\n{}{}[exit {}]\n",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
        out.status.code().unwrap_or(-1)
    )
}

fn write(p: &Path, s: &str) {
    if let Some(d) = p.parent() {
        std::fs::create_dir_all(d).expect("mkdir");
    }
    std::fs::write(p, s).expect("write");
}

/// A small chart directory `dir/name` at `version`.
fn make_chart(dir: &Path, name: &str, version: &str) -> PathBuf {
    let c = dir.join(name);
    write(
        &c.join("Chart.yaml"),
        &format!("apiVersion: v2\nname: {name}\nversion: {version}\ndescription: {name} chart\n"),
    );
    write(&c.join("values.yaml"), "x: 1\n");
    write(
        &c.join("templates/cm.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Chart.Name }}\ndata:\n  x: {{ .Values.x | quote }}\n",
    );
    c
}

/// A repository directory: lib 1.4.0, 1.4.2, 2.0.0 and other 0.1.0, packaged and indexed
/// by `chart`.
fn make_repo(srv: &Path, scratch: &Path) {
    std::fs::create_dir_all(srv).expect("mkdir");
    let src = scratch.join("src");
    let home = scratch.join("pkg-home");
    for (n, v) in [
        ("lib", "1.4.0"),
        ("lib", "1.4.2"),
        ("lib", "2.0.0"),
        ("other", "0.1.0"),
    ] {
        let c = make_chart(&src.join(format!("{n}-{v}")), n, v);
        let out = run(
            &chart_bin(),
            &["package", &c.display().to_string()],
            srv,
            &home,
        );
        assert!(out.ends_with("[exit 0]\n"), "{out}");
    }
    let out = run(&chart_bin(), &["repo", "index", "."], srv, &home);
    assert!(out.ends_with("[exit 0]\n"), "{out}");
}

/// The parent chart of the dependency tests (in `work`) and its `file://` sibling.
fn make_parent(work: &Path, port: u16) {
    make_chart(work, "local", "3.1.0");
    let p = make_chart(work, "parent", "0.1.0");
    write(
        &p.join("Chart.yaml"),
        &format!(
            "apiVersion: v2\nname: parent\nversion: 0.1.0\ndependencies:\n- name: lib\n  version: \"~1.4.0\"\n  repository: \"@myrepo\"\n- name: other\n  version: \">=0.1.0\"\n  repository: http://127.0.0.1:{port}\n  alias: oth\n- name: lib\n  alias: lib2\n  version: \"^2\"\n  repository: \"alias:myrepo\"\n- name: local\n  version: 3.x\n  repository: file://../local\n"
        ),
    );
}

enum Step<'a> {
    /// The binary under test.
    Run(&'a [&'a str]),
    /// The other binary (helm in chart's world, chart in helm's).
    Other(&'a [&'a str]),
    /// A shell command in the work directory.
    Sh(&'a str),
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

/// Runs `steps` in a fresh world per tool (`setup` prepares the work directory) and
/// returns the two work directories after checking the transcripts are equal (the
/// worlds' own paths masked).
fn compare(helm: &Path, s: &Path, setup: &dyn Fn(&Path), steps: &[Step<'_>]) -> (PathBuf, PathBuf) {
    let re = regex::Regex::new(r"tmpcharts-\d+").expect("regex");
    let mut outs = Vec::new();
    for (tag, bin, other) in [
        ("helm", helm.to_path_buf(), chart_bin()),
        ("chart", chart_bin(), helm.to_path_buf()),
    ] {
        let root = s.join(tag);
        let home = root.join("home");
        let work = root.join("work");
        std::fs::create_dir_all(&work).expect("mkdir");
        setup(&work);
        let mut text = String::new();
        for st in steps {
            text.push_str(&match st {
                Step::Run(a) => run(&bin, a, &work, &home),
                Step::Other(a) => run(&other, a, &work, &home),
                Step::Sh(c) => sh(c, &work),
            });
        }
        let text = text.replace(&root.display().to_string(), "ROOT");
        outs.push(re.replace_all(&text, "tmpcharts-PID").into_owned());
    }
    similar_eq(&outs[1], &outs[0]);
    (s.join("helm/work"), s.join("chart/work"))
}

/// Chart.lock without its `generated` line.
const SHOW_LOCK: &str = "ls parent/charts; grep -v '^generated:' parent/Chart.lock";

#[test]
fn dependency_update_and_build_match_helm() {
    let Some(helm) = helm_bin() else { return };
    if !need("python3", have("python3")) {
        return;
    }
    let s = Scratch::new("deps", "deps");
    let srv = s.0.join("srv");
    make_repo(&srv, &s.0);
    let (_server, port) = serve(&srv, &[]);
    let u = format!("http://127.0.0.1:{port}");
    let other_url = format!("http://127.0.0.1:{port}/nope");
    let set_constraint = |c: &str| format!("sed -i 's/~1.4.0/{c}/' parent/Chart.yaml");
    let exact = set_constraint("1.4.0");
    let none =
        "sed -i 's/\"1.4.0\"/9.9.9/;s/^  version: 1.4.0$/  version: 9.9.9/' parent/Chart.yaml";
    let unmanaged = format!("sed -i 's#@myrepo#{other_url}#' parent/Chart.yaml");
    let stable = format!("sed -i 's#{other_url}#stable#' parent/Chart.yaml");
    let setup = |w: &Path| make_parent(w, port);
    let (hw, cw) = compare(
        &helm,
        &s.0,
        &setup,
        &[
            // No repositories configured: helm's messages.
            Step::Run(&["dependency", "update", "parent"]),
            Step::Run(&["dependency", "build", "parent"]),
            Step::Run(&["repo", "add", "myrepo", &u]),
            Step::Run(&["dependency", "list", "parent"]),
            Step::Run(&["dependency", "update", "parent"]),
            Step::Sh(SHOW_LOCK),
            Step::Run(&["dependency", "list", "parent"]),
            // Unchanged: the lock is kept as it is.
            Step::Run(&["dependency", "update", "parent", "--skip-refresh"]),
            Step::Sh("rm -rf parent/charts"),
            Step::Run(&["dependency", "build", "parent"]),
            Step::Sh(SHOW_LOCK),
            // The other tool builds from this tool's lock.
            Step::Sh("rm -rf parent/charts"),
            Step::Other(&["dependency", "build", "parent", "--skip-refresh"]),
            Step::Sh(SHOW_LOCK),
            // Out of sync, then updated to another version: the old archive goes.
            Step::Sh(&exact),
            Step::Run(&["dependency", "build", "parent"]),
            Step::Run(&["dep", "up", "parent"]),
            Step::Sh(SHOW_LOCK),
            Step::Sh(none),
            Step::Run(&["dependency", "update", "parent"]),
            Step::Sh(SHOW_LOCK),
            Step::Sh(&unmanaged),
            Step::Run(&["dependency", "update", "parent"]),
            Step::Sh(&stable),
            Step::Run(&["dependency", "update", "parent"]),
            Step::Run(&["repo", "remove", "myrepo"]),
            Step::Run(&["dependency", "build", "parent"]),
            Step::Run(&["dependency", "update", "nothere"]),
            Step::Run(&["dependency", "update", "parent/Chart.yaml"]),
        ],
    );
    let _ = (hw, cw);

    // Archives downloaded from the repository are the server's bytes under both tools;
    // lock digests agree.
    let s2 = Scratch::new("deps", "deps-bytes");
    let setup2 = |w: &Path| make_parent(w, port);
    let (hw, cw) = compare(
        &helm,
        &s2.0,
        &setup2,
        &[
            Step::Run(&["repo", "add", "myrepo", &u]),
            Step::Run(&["dependency", "update", "parent"]),
            Step::Sh("grep '^digest:' parent/Chart.lock"),
        ],
    );
    for f in ["lib-1.4.2.tgz", "lib-2.0.0.tgz", "other-0.1.0.tgz"] {
        let h = std::fs::read(hw.join("parent/charts").join(f)).expect("helm archive");
        let c = std::fs::read(cw.join("parent/charts").join(f)).expect("chart archive");
        assert_eq!(h, c, "{f}");
        assert_eq!(h, std::fs::read(srv.join(f)).expect("served"), "{f}");
    }
    // The file:// dependency is packaged by each tool (helm stamps the time, so only
    // the entries compare).
    let entries = |p: &Path| {
        let f = std::fs::File::open(p).expect("open");
        let mut a = tar::Archive::new(flate2::read::GzDecoder::new(f));
        let mut v: Vec<(String, Vec<u8>)> = a
            .entries()
            .expect("entries")
            .map(|e| {
                let mut e = e.expect("entry");
                let name = e.path().expect("path").display().to_string();
                let mut data = Vec::new();
                std::io::Read::read_to_end(&mut e, &mut data).expect("read");
                (name, data)
            })
            .collect();
        v.sort();
        v
    };
    assert_eq!(
        entries(&hw.join("parent/charts/local-3.1.0.tgz")),
        entries(&cw.join("parent/charts/local-3.1.0.tgz"))
    );
}

/// `package --dependency-update` fills charts/ first (quietly, as helm does).
#[test]
fn package_dependency_update_matches_helm() {
    let Some(helm) = helm_bin() else { return };
    if !need("python3", have("python3")) {
        return;
    }
    let s = Scratch::new("deps", "pkg-u");
    let srv = s.0.join("srv");
    make_repo(&srv, &s.0);
    let (_server, port) = serve(&srv, &[]);
    let u = format!("http://127.0.0.1:{port}");
    let setup = |w: &Path| make_parent(w, port);
    compare(
        &helm,
        &s.0,
        &setup,
        &[
            Step::Run(&["package", "parent", "-d", "out"]),
            Step::Run(&["repo", "add", "myrepo", &u]),
            Step::Run(&["package", "parent", "-u", "-d", "out"]),
            Step::Sh("ls out parent/charts; grep -v '^generated:' parent/Chart.lock"),
            Step::Sh("tar tzf out/parent-0.1.0.tgz | sort"),
        ],
    );
}

fn gpg(home: &Path, args: &[&str]) -> std::process::Output {
    Command::new("gpg")
        .env("GNUPGHOME", home)
        .args(["--batch", "--pinentry-mode", "loopback"])
        .args(args)
        .output()
        .expect("gpg")
}

struct GpgHome(PathBuf);
impl Drop for GpgHome {
    fn drop(&mut self) {
        let _ = Command::new("gpgconf")
            .env("GNUPGHOME", &self.0)
            .args(["--kill", "gpg-agent"])
            .status();
    }
}

/// Keys made by GnuPG: `pub.gpg`/`sec.gpg` (unencrypted, "Chart Signer"),
/// `sec2.gpg` (passphrase `s3cret`, "Locked Signer"), `other.gpg` (another public key).
fn make_keys(dir: &Path) -> GpgHome {
    let gh = dir.join("gnupg");
    std::fs::create_dir_all(&gh).expect("mkdir");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&gh, std::fs::Permissions::from_mode(0o700)).expect("chmod");
    }
    let guard = GpgHome(gh.clone());
    let mk = |uid: &str, pass: &str| {
        let o = gpg(
            &gh,
            &[
                "--passphrase",
                pass,
                "--quick-gen-key",
                uid,
                "rsa2048",
                "sign",
                "never",
            ],
        );
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    };
    mk("Chart Signer <signer@example.com>", "");
    mk("Locked Signer <locked@example.com>", "s3cret");
    mk("Other Person <other@example.com>", "");
    let export = |args: &[&str], file: &str| {
        let o = gpg(&gh, args);
        assert!(o.status.success());
        std::fs::write(dir.join(file), o.stdout).expect("write key");
    };
    export(&["--export", "Chart Signer"], "pub.gpg");
    export(
        &["--passphrase", "", "--export-secret-keys", "Chart Signer"],
        "sec.gpg",
    );
    export(
        &[
            "--passphrase",
            "s3cret",
            "--export-secret-keys",
            "Locked Signer",
        ],
        "sec2.gpg",
    );
    export(&["--export", "Locked Signer"], "pub2.gpg");
    export(&["--export", "Other Person"], "other.gpg");
    std::fs::write(dir.join("pass.txt"), "s3cret\nignored\n").expect("pass");
    std::fs::write(dir.join("wrong.txt"), "nope\n").expect("pass");
    guard
}

#[test]
fn provenance_interop_with_helm() {
    let Some(helm) = helm_bin() else { return };
    if !need("gpg", have("gpg")) {
        return;
    }
    let s = Scratch::new("deps", "prov");
    let keys = s.0.join("keys");
    std::fs::create_dir_all(&keys).expect("mkdir");
    let _agent = make_keys(&keys);
    let k = |f: &str| keys.join(f).display().to_string();
    let (pubk, sec, sec2, pub2, other, pass, wrong) = (
        k("pub.gpg"),
        k("sec.gpg"),
        k("sec2.gpg"),
        k("pub2.gpg"),
        k("other.gpg"),
        k("pass.txt"),
        k("wrong.txt"),
    );
    let home = s.0.join("home");
    let work = s.0.join("work");
    make_chart(&work, "signed", "1.0.0");
    std::fs::create_dir_all(work.join("h")).expect("mkdir");
    std::fs::create_dir_all(work.join("c")).expect("mkdir");

    // Each tool signs; each tool verifies both signatures with the same output.
    for (bin, d) in [(&helm, "h"), (&chart_bin(), "c")] {
        let out = run(
            bin,
            &[
                "package",
                "signed",
                "--sign",
                "--key",
                "Chart Signer",
                "--keyring",
                &sec,
                "-d",
                d,
            ],
            &work,
            &home,
        );
        assert!(out.ends_with("[exit 0]\n"), "{out}");
        let out = run(
            bin,
            &[
                "package",
                "signed",
                "--sign",
                "--key",
                "locked@",
                "--keyring",
                &sec2,
                "--passphrase-file",
                &pass,
                "-d",
                &format!("{d}2"),
            ],
            &work,
            &home,
        );
        assert!(out.ends_with("[exit 0]\n"), "{out}");
    }
    let prov = std::fs::read_to_string(work.join("c/signed-1.0.0.tgz.prov")).expect("prov");
    assert!(prov.starts_with("-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n\n"));
    assert!(prov.ends_with("-----END PGP SIGNATURE-----"));
    for d in ["h", "c"] {
        let a = format!("{d}/signed-1.0.0.tgz");
        let a2 = format!("{d}2/signed-1.0.0.tgz");
        for args in [
            vec!["verify", a.as_str(), "--keyring", pubk.as_str()],
            vec!["verify", a.as_str(), "--keyring", sec.as_str()],
            vec!["verify", a2.as_str(), "--keyring", pub2.as_str()],
            vec!["verify", a.as_str(), "--keyring", other.as_str()],
            vec!["verify", a.as_str(), "--keyring", "/nonexistent/ring.gpg"],
            vec![
                "show",
                "chart",
                a.as_str(),
                "--verify",
                "--keyring",
                pubk.as_str(),
            ],
            vec![
                "template",
                "x",
                a.as_str(),
                "--verify",
                "--keyring",
                pubk.as_str(),
            ],
            vec![
                "template",
                "x",
                a.as_str(),
                "--verify",
                "--keyring",
                other.as_str(),
            ],
        ] {
            let c = same_as_helm(&args.join(" "), &helm, |bin, _| {
                ran(bin, &args, &work, &home)
            });
            if args[2] == pubk && args[0] == "verify" {
                assert!(
                    c.stdout
                        .contains("Signed by: Chart Signer <signer@example.com>"),
                    "{c:?}"
                );
            }
        }
    }

    // Hostile or broken inputs: both tools refuse with the same words.
    let w = |p: &str| work.join(p);
    std::fs::copy(w("c/signed-1.0.0.tgz"), w("c/copy.tgz")).expect("copy");
    std::fs::copy(w("c/signed-1.0.0.tgz.prov"), w("c/copy.tgz.prov")).expect("copy");
    std::fs::copy(w("c/signed-1.0.0.tgz"), w("tampered.tgz")).expect("copy");
    let mut t = std::fs::read(w("tampered.tgz")).expect("read");
    t.push(0);
    std::fs::write(w("tampered.tgz"), t).expect("write");
    std::fs::copy(w("h/signed-1.0.0.tgz.prov"), w("tampered.tgz.prov")).expect("copy");
    std::fs::create_dir_all(w("body")).expect("mkdir");
    std::fs::copy(w("h/signed-1.0.0.tgz"), w("body/signed-1.0.0.tgz")).expect("copy");
    let body = std::fs::read_to_string(w("h/signed-1.0.0.tgz.prov"))
        .expect("read")
        .replace("description: signed chart", "description: evil chart");
    std::fs::write(w("body/signed-1.0.0.tgz.prov"), body).expect("write");
    std::fs::write(w("nosig.tgz"), b"x").expect("write");
    std::fs::write(w("nosig.tgz.prov"), b"no signature here\n").expect("write");
    for args in [
        vec!["verify", "c/copy.tgz", "--keyring", pubk.as_str()],
        vec!["verify", "tampered.tgz", "--keyring", pubk.as_str()],
        vec![
            "verify",
            "body/signed-1.0.0.tgz",
            "--keyring",
            pubk.as_str(),
        ],
        vec!["verify", "nosig.tgz", "--keyring", pubk.as_str()],
        vec!["verify", "signed", "--keyring", pubk.as_str()],
        vec!["verify", "signed/Chart.yaml", "--keyring", pubk.as_str()],
        vec!["verify", "missing.tgz", "--keyring", pubk.as_str()],
        vec!["verify", "h2/signed-1.0.0.tgz", "--keyring", pubk.as_str()],
        vec!["verify"],
        vec![
            "template",
            "x",
            "tampered.tgz",
            "--verify",
            "--keyring",
            pubk.as_str(),
        ],
        vec![
            "template",
            "x",
            "signed",
            "--verify",
            "--keyring",
            pubk.as_str(),
        ],
        vec!["package", "signed", "--sign", "-d", "x"],
        vec![
            "package",
            "signed",
            "--sign",
            "--key",
            "Nobody",
            "--keyring",
            sec.as_str(),
            "-d",
            "x",
        ],
        vec![
            "package",
            "signed",
            "--sign",
            "--key",
            "Signer",
            "--keyring",
            sec.as_str(),
            "-d",
            "x",
        ],
        vec![
            "package",
            "signed",
            "--sign",
            "--key",
            "Chart Signer",
            "--keyring",
            pubk.as_str(),
            "-d",
            "x",
        ],
        vec![
            "package",
            "signed",
            "--sign",
            "--key",
            "Locked",
            "--keyring",
            sec2.as_str(),
            "--passphrase-file",
            wrong.as_str(),
            "-d",
            "x",
        ],
        vec![
            "package",
            "signed",
            "--sign",
            "--key",
            "Locked",
            "--keyring",
            sec2.as_str(),
            "--passphrase-file",
            "/nonexistent/pass",
            "-d",
            "x",
        ],
    ] {
        let c = same_as_helm(&args.join(" "), &helm, |bin, _| {
            ran(bin, &args, &work, &home)
        });
        assert!(c.code != 0 || args[0] == "package", "{c:?}");
        assert!(
            !c.stdout.contains("ConfigMap") && !c.stderr.contains("ConfigMap"),
            "nothing rendered from an unverified chart: {c:?}"
        );
    }
}

#[test]
fn pull_and_dependency_verify_match_helm() {
    let Some(helm) = helm_bin() else { return };
    if !need("gpg", have("gpg")) || !need("python3", have("python3")) {
        return;
    }
    let s = Scratch::new("deps", "pull-verify");
    let keys = s.0.join("keys");
    std::fs::create_dir_all(&keys).expect("mkdir");
    let _agent = make_keys(&keys);
    let srv = s.0.join("srv");
    make_repo(&srv, &s.0);
    // lib 1.4.2 signed by chart; other 0.1.0 signed, then its archive replaced.
    let src = s.0.join("signsrc");
    let sec = keys.join("sec.gpg").display().to_string();
    for (n, v) in [("lib", "1.4.2"), ("other", "0.1.0")] {
        let c = make_chart(&src.join(n), n, v);
        let out = run(
            &chart_bin(),
            &[
                "package",
                &c.display().to_string(),
                "--sign",
                "--key",
                "Chart Signer",
                "--keyring",
                &sec,
            ],
            &srv,
            &s.0.join("pkg-home"),
        );
        assert!(out.ends_with("[exit 0]\n"), "{out}");
    }
    std::fs::copy(srv.join("lib-2.0.0.tgz"), srv.join("other-0.1.0.tgz")).expect("swap");
    let (_server, port) = serve(&srv, &[]);
    let u = format!("http://127.0.0.1:{port}");
    let pubk = keys.join("pub.gpg").display().to_string();
    let other = keys.join("other.gpg").display().to_string();
    let setup = |w: &Path| make_parent(w, port);
    compare(
        &helm,
        &s.0,
        &setup,
        &[
            Step::Run(&["repo", "add", "myrepo", &u]),
            Step::Run(&[
                "pull",
                "myrepo/lib",
                "--version",
                "1.4.2",
                "--verify",
                "--keyring",
                &pubk,
            ]),
            Step::Run(&[
                "pull",
                "myrepo/lib",
                "--version",
                "1.4.2",
                "--verify",
                "--keyring",
                &other,
                "-d",
                "parent",
            ]),
            Step::Run(&[
                "pull",
                "myrepo/lib",
                "--version",
                "1.4.0",
                "--verify",
                "--keyring",
                &pubk,
                "-d",
                "parent",
            ]),
            Step::Run(&[
                "pull",
                "myrepo/lib",
                "--version",
                "1.4.0",
                "--prov",
                "-d",
                "local",
            ]),
            Step::Run(&[
                "pull",
                "myrepo/other",
                "--verify",
                "--keyring",
                &pubk,
                "-d",
                "local",
            ]),
            Step::Run(&[
                "pull",
                "myrepo/lib",
                "--version",
                "1.4.2",
                "--prov",
                "--untar",
                "-d",
                "local",
            ]),
            Step::Sh("ls . parent local"),
            Step::Run(&[
                "template",
                "x",
                "myrepo/lib",
                "--version",
                "1.4.2",
                "--verify",
                "--keyring",
                &pubk,
            ]),
            Step::Run(&[
                "template",
                "x",
                "myrepo/other",
                "--verify",
                "--keyring",
                &pubk,
            ]),
            Step::Run(&[
                "template",
                "x",
                "myrepo/lib",
                "--version",
                "1.4.0",
                "--verify",
                "--keyring",
                &pubk,
            ]),
            Step::Run(&[
                "dependency",
                "update",
                "parent",
                "--verify",
                "--keyring",
                &pubk,
            ]),
            Step::Sh("ls parent/charts"),
            Step::Run(&[
                "dependency",
                "build",
                "parent",
                "--verify",
                "--keyring",
                &pubk,
            ]),
            Step::Sh("ls parent/charts"),
        ],
    );
}

/// A Chart.lock that is a symbolic link is never written through (helm 3.17.4's fix for
/// CVE-2025-53547); a charts/ that is a link is refused; a failed update leaves charts/
/// as it was.
#[test]
fn dependency_update_refuses_symlinks() {
    if !need("python3", have("python3")) {
        return;
    }
    let s = Scratch::new("deps", "symlink");
    let srv = s.0.join("srv");
    make_repo(&srv, &s.0);
    let (_server, port) = serve(&srv, &[]);
    let u = format!("http://127.0.0.1:{port}");
    let home = s.0.join("home");
    let work = s.0.join("work");
    make_parent(&work, port);
    let out = run(&chart_bin(), &["repo", "add", "myrepo", &u], &work, &home);
    assert!(out.ends_with("[exit 0]\n"), "{out}");
    // A link to a file inside the chart: helm 3.17.4's message, before any download.
    let victim = work.join("parent/important.txt");
    std::fs::write(&victim, "# precious\n").expect("victim");
    #[cfg(unix)]
    std::os::unix::fs::symlink("important.txt", work.join("parent/Chart.lock")).expect("symlink");
    let out = run(
        &chart_bin(),
        &["dependency", "update", "parent"],
        &work,
        &home,
    );
    assert_eq!(
        out,
        "$ dependency update parent\nError: the Chart.lock file is a symlink to \"important.txt\"\n[exit 1]\n"
    );
    assert_eq!(
        std::fs::read_to_string(&victim).expect("victim"),
        "# precious\n"
    );
    assert!(!work.join("parent/charts").exists(), "nothing downloaded");
    // A link leaving the chart: the chart does not even load.
    std::fs::remove_file(work.join("parent/Chart.lock")).expect("rm");
    let outside = s.0.join("victim.txt");
    std::fs::write(&outside, "precious\n").expect("victim");
    #[cfg(unix)]
    std::os::unix::fs::symlink(&outside, work.join("parent/Chart.lock")).expect("symlink");
    let out = run(
        &chart_bin(),
        &["dependency", "update", "parent"],
        &work,
        &home,
    );
    assert!(out.ends_with("[exit 1]\n"), "{out}");
    assert!(out.contains("outside the chart directory"), "{out}");
    assert_eq!(
        std::fs::read_to_string(&outside).expect("victim"),
        "precious\n"
    );
    assert!(!work.join("parent/charts").exists(), "nothing downloaded");

    std::fs::remove_file(work.join("parent/Chart.lock")).expect("rm");
    // charts/ linking to a directory inside the chart: refused, the target untouched.
    let elsewhere = work.join("parent/vendor");
    std::fs::create_dir_all(&elsewhere).expect("mkdir");
    std::fs::copy(srv.join("lib-1.4.0.tgz"), elsewhere.join("lib-1.4.0.tgz")).expect("copy");
    #[cfg(unix)]
    std::os::unix::fs::symlink("vendor", work.join("parent/charts")).expect("symlink");
    let out = run(
        &chart_bin(),
        &["dependency", "update", "parent"],
        &work,
        &home,
    );
    assert!(out.ends_with("[exit 1]\n"), "{out}");
    assert!(
        out.contains("Error: the charts directory \"parent/charts\" is a symlink to \"vendor\"; refusing to write through it"),
        "{out}"
    );
    let names: Vec<String> = std::fs::read_dir(&elsewhere)
        .expect("ls")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, vec!["lib-1.4.0.tgz".to_string()], "target untouched");
    assert!(!work.join("parent/Chart.lock").exists());
    let leftovers: Vec<_> = std::fs::read_dir(work.join("parent"))
        .expect("ls")
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with("tmpcharts"))
        .collect();
    assert!(leftovers.is_empty(), "temporary directory removed");
}

/// A dependency archive whose entries climb out with `../`: helm and chart both skip it
/// with the same message, and nothing is written outside charts/.
#[test]
fn dependency_archive_with_dotdot_paths() {
    let Some(helm) = helm_bin() else { return };
    if !need("python3", have("python3")) {
        return;
    }
    let s = Scratch::new("deps", "dotdot");
    let srv = s.0.join("srv");
    make_repo(&srv, &s.0);
    // Replace other-0.1.0.tgz (already indexed) by a hostile archive.
    let f = std::fs::File::create(srv.join("other-0.1.0.tgz")).expect("create");
    let gz = flate2::write::GzEncoder::new(f, flate2::Compression::default());
    let mut tw = tar::Builder::new(gz);
    for (name, data) in [
        (
            "other/Chart.yaml",
            "apiVersion: v2\nname: other\nversion: 0.1.0\n",
        ),
        ("other/../../../../escaped.txt", "escaped\n"),
    ] {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        let raw = h.as_gnu_mut().expect("gnu");
        raw.name[..name.len()].copy_from_slice(name.as_bytes());
        h.set_cksum();
        tw.append(&h, data.as_bytes()).expect("append");
    }
    tw.into_inner().expect("tar").finish().expect("gz");
    let (_server, port) = serve(&srv, &[]);
    let u = format!("http://127.0.0.1:{port}");
    let setup = |w: &Path| make_parent(w, port);
    let (hw, cw) = compare(
        &helm,
        &s.0,
        &setup,
        &[
            Step::Run(&["repo", "add", "myrepo", &u]),
            Step::Run(&["dependency", "update", "parent"]),
            Step::Sh("ls parent/charts"),
        ],
    );
    for w in [hw, cw] {
        for up in 0..5 {
            let mut p = w.join("parent/charts");
            for _ in 0..up {
                p = p.join("..");
            }
            assert!(
                !p.join("escaped.txt").exists(),
                "escaped into {}",
                p.display()
            );
        }
    }
}

/// A server that stalls mid-download: while it hangs nothing is in charts/; when it
/// dies the update fails, charts/ keeps its old archives and the temporary directory is
/// removed.
#[test]
fn stalled_dependency_download_leaves_charts_intact() {
    if !need("python3", have("python3")) {
        return;
    }
    let s = Scratch::new("deps", "stall");
    let srv = s.0.join("srv");
    make_repo(&srv, &s.0);
    let (mut server, port) = serve(&srv, &["--stall-suffix", "other-0.1.0.tgz"]);
    let u = format!("http://127.0.0.1:{port}");
    let home = s.0.join("home");
    let work = s.0.join("work");
    make_parent(&work, port);
    let out = run(&chart_bin(), &["repo", "add", "myrepo", &u], &work, &home);
    assert!(out.ends_with("[exit 0]\n"), "{out}");
    let charts = work.join("parent/charts");
    std::fs::create_dir_all(&charts).expect("mkdir");
    std::fs::copy(srv.join("lib-2.0.0.tgz"), charts.join("lib-2.0.0.tgz")).expect("seed");
    let before = std::fs::read_dir(&charts).expect("ls").count();
    let child = cmd(
        &chart_bin(),
        &["dependency", "update", "parent"],
        &work,
        &home,
    )
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .expect("spawn");
    // The server says when it starts stalling (read on a thread: never hang the test).
    let mut reader = server.1.take().expect("server stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = reader.read_line(&mut line);
        let _ = tx.send(line);
    });
    let line = rx
        .recv_timeout(std::time::Duration::from_secs(60))
        .expect("the download reached the stalling server");
    assert!(line.contains("other-0.1.0.tgz"), "{line}");
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert_eq!(
        std::fs::read_dir(&charts).expect("ls").count(),
        before,
        "nothing written into charts/ while downloading"
    );
    drop(server);
    let out = child.wait_with_output().expect("wait");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("Error: could not download http://127.0.0.1:"),
        "{text}"
    );
    let mut names: Vec<String> = std::fs::read_dir(&charts)
        .expect("ls")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, vec!["lib-2.0.0.tgz"]);
    assert!(!work.join("parent/Chart.lock").exists());
    let leftovers = std::fs::read_dir(work.join("parent"))
        .expect("ls")
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with("tmpcharts"))
        .count();
    assert_eq!(leftovers, 0, "temporary directory removed");
}

/// An apiVersion v1 chart: requirements.yaml in, requirements.lock out; a lock helm 2
/// could not have written is refused with helm's warning and error.
#[test]
fn v1_requirements_lock_matches_helm() {
    let Some(helm) = helm_bin() else { return };
    if !need("python3", have("python3")) {
        return;
    }
    let s = Scratch::new("deps", "v1");
    let srv = s.0.join("srv");
    make_repo(&srv, &s.0);
    let (_server, port) = serve(&srv, &[]);
    let u = format!("http://127.0.0.1:{port}");
    let setup = |w: &Path| {
        make_chart(w, "local", "3.1.0");
        let p = make_chart(w, "v1", "0.1.0");
        write(
            &p.join("Chart.yaml"),
            "apiVersion: v1\nname: v1\nversion: 0.1.0\n",
        );
        write(
            &p.join("requirements.yaml"),
            "dependencies:\n- name: local\n  version: \">=3.0.0\"\n  repository: file://../local\n- name: lib\n  version: ~1.4.0\n  repository: \"@myrepo\"\n",
        );
    };
    compare(
        &helm,
        &s.0,
        &setup,
        &[
            Step::Run(&["repo", "add", "myrepo", &u]),
            Step::Run(&["dependency", "update", "v1", "--debug"]),
            Step::Sh("ls v1/charts; grep -v '^generated:' v1/requirements.lock"),
            Step::Run(&["dependency", "build", "v1"]),
            Step::Sh("printf 'dependencies: []\\ndigest: sha256:nope\\n' > v1/requirements.lock"),
            Step::Run(&["dependency", "build", "v1"]),
        ],
    );
}
