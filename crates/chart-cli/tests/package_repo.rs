//! `chart package` and `chart repo index` against the real helm (`HELM_BIN`, default
//! /usr/local/bin/helm): the same archive contents, archives helm loads and renders
//! exactly as its own, byte-for-byte reproducible archives, and the same index.yaml (times
//! masked). Without helm these tests print why and pass, except under `CI`, where they
//! fail.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

fn chart_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_chart"))
}

fn helm_bin() -> Option<PathBuf> {
    let bin = std::env::var("HELM_BIN").unwrap_or_else(|_| "/usr/local/bin/helm".to_owned());
    if Path::new(&bin).exists() {
        return Some(PathBuf::from(bin));
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "helm not found at {bin} (set HELM_BIN); required under CI"
    );
    println!("skipped: helm not found at {bin} (set HELM_BIN)");
    None
}

/// A scratch directory removed on drop.
struct Scratch(PathBuf);
impl Scratch {
    fn new(tag: &str) -> Scratch {
        let p = std::env::temp_dir().join(format!(
            "chart-test-{tag}-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).expect("mkdir scratch");
        Scratch(p)
    }
}
impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs a command in `dir` with helm's homes inside `home`, UTC and the C locale.
fn run(bin: &Path, args: &[&str], dir: &Path, home: &Path) -> (bool, String, String) {
    let out = Command::new(bin)
        .args(args)
        .current_dir(dir)
        .env("TZ", "UTC")
        .env("LC_ALL", "C")
        .env("HELM_CONFIG_HOME", home.join("config"))
        .env("HELM_CACHE_HOME", home.join("cache"))
        .env("HELM_DATA_HOME", home.join("data"))
        .env_remove("SOURCE_DATE_EPOCH")
        .output()
        .expect("run");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn ok(bin: &Path, args: &[&str], dir: &Path, home: &Path) -> String {
    let (good, out, err) = run(bin, args, dir, home);
    assert!(good, "{} {args:?} failed: {err}", bin.display());
    out
}

/// (path, bytes) of every entry of a gzip'd tar, sorted by path.
fn entries(tgz: &Path) -> Vec<(String, Vec<u8>)> {
    use std::io::Read;
    let f = std::fs::File::open(tgz).expect("open archive");
    let mut ar = tar::Archive::new(flate2::read::GzDecoder::new(f));
    let mut v = Vec::new();
    for e in ar.entries().expect("entries") {
        let mut e = e.expect("entry");
        let name = e.path().expect("path").to_string_lossy().into_owned();
        let mut data = Vec::new();
        e.read_to_end(&mut data).expect("read");
        v.push((name, data));
    }
    v.sort();
    v
}

const CHARTS: &[&str] = &["basic", "parent", "v1chart"];

fn chart_dir(name: &str) -> String {
    common::repo_root()
        .join("testdata/charts")
        .join(name)
        .display()
        .to_string()
}

#[test]
fn package_matches_helm() {
    let Some(helm) = helm_bin() else { return };
    let s = Scratch::new("pkg");
    let (h, r, home) = (s.0.join("h"), s.0.join("r"), s.0.join("home"));
    for d in [&h, &r, &home] {
        std::fs::create_dir_all(d).expect("mkdir");
    }
    let mut names = Vec::new();
    for c in CHARTS
        .iter()
        .map(|c| chart_dir(c))
        .chain([common::repo_root()
            .join("charts/shop")
            .display()
            .to_string()])
    {
        let ho = ok(&helm, &["package", &c], &h, &home);
        let ro = ok(&chart_bin(), &["package", &c], &r, &home);
        let file = ho.trim().rsplit('/').next().expect("file name").to_string();
        assert_eq!(
            ro,
            ho.replace(&h.display().to_string(), &r.display().to_string())
        );
        names.push(file);
    }
    // Overrides of version and appVersion, into a relative destination.
    let args = [
        "package",
        "--version",
        "1.3.0-rc.1",
        "--app-version",
        "9.9",
        "-d",
        "out",
    ];
    let c = chart_dir("basic");
    let mut ha = args.to_vec();
    ha.push(&c);
    assert_eq!(ok(&helm, &ha, &h, &home), ok(&chart_bin(), &ha, &r, &home));
    names.push("out/basic-1.3.0-rc.1.tgz".into());
    for n in &names {
        let (hf, rf) = (h.join(n), r.join(n));
        assert_eq!(entries(&hf), entries(&rf), "contents of {n}");
        for cmd in [
            &["show", "chart"][..],
            &["show", "values"],
            &["template", "x"],
        ] {
            let mut a = cmd.to_vec();
            let hs = hf.display().to_string();
            let rs = rf.display().to_string();
            a.push(&hs);
            let want = ok(&helm, &a, &s.0, &home);
            a.pop();
            a.push(&rs);
            assert_eq!(ok(&helm, &a, &s.0, &home), want, "helm {cmd:?} of {n}");
        }
    }
}

#[test]
fn package_is_reproducible() {
    let s = Scratch::new("repro");
    let home = s.0.join("home");
    let c = chart_dir("parent");
    ok(&chart_bin(), &["package", &c, "-d", "a"], &s.0, &home);
    std::thread::sleep(std::time::Duration::from_millis(1100));
    ok(&chart_bin(), &["package", &c, "-d", "b"], &s.0, &home);
    let a = std::fs::read(s.0.join("a/parent-0.1.0.tgz")).expect("a");
    let b = std::fs::read(s.0.join("b/parent-0.1.0.tgz")).expect("b");
    assert_eq!(a, b);
}

#[test]
fn package_errors_match_helm() {
    let Some(helm) = helm_bin() else { return };
    let s = Scratch::new("pkgerr");
    let home = s.0.join("home");
    let c = chart_dir("basic");
    let shop_sub = common::repo_root().join("charts/shop/charts/webshop");
    let shop_sub = shop_sub.display().to_string();
    for args in [
        vec!["package", c.as_str(), "--version", "not-a-version"],
        vec!["package", "does-not-exist"],
        vec!["package"],
        vec!["package", shop_sub.as_str()],
    ] {
        let (hok, _, herr) = run(&helm, &args, &s.0, &home);
        let (rok, _, rerr) = run(&chart_bin(), &args, &s.0, &home);
        assert_eq!(
            (rok, rerr.lines().next()),
            (hok, herr.lines().next()),
            "{args:?}"
        );
    }
}

fn mask_times(s: &str) -> String {
    let re = regex::Regex::new(r#""\d{4}-\d\d-\d\dT[0-9:.]+Z""#).expect("regex");
    re.replace_all(s, "TIME").into_owned()
}

#[test]
fn repo_index_matches_helm() {
    let Some(helm) = helm_bin() else { return };
    let s = Scratch::new("index");
    let home = s.0.join("home");
    let r = s.0.join("r");
    std::fs::create_dir_all(r.join("sub/deeper")).expect("mkdir");
    for c in CHARTS {
        ok(&chart_bin(), &["package", &chart_dir(c)], &r, &home);
    }
    let b = chart_dir("basic");
    ok(
        &chart_bin(),
        &["package", &b, "--version", "1.3.0-rc.1", "-d", "sub"],
        &r,
        &home,
    );
    ok(
        &chart_bin(),
        &["package", &b, "--version", "0.9.0", "-d", "sub/deeper"],
        &r,
        &home,
    );
    std::fs::write(r.join("not-a-chart.tgz"), b"junk").expect("junk");
    // An older index to merge: one entry only it has, one both have.
    std::fs::write(
        s.0.join("old.yaml"),
        "apiVersion: v1\nentries:\n  basic:\n  - name: basic\n    version: 0.1.0\n    apiVersion: v2\n    urls: [https://old.example.com/basic-0.1.0.tgz]\n    created: \"2020-01-01T00:00:00Z\"\n    digest: abc\n  - name: basic\n    version: 1.2.3\n    urls: [old.tgz]\ngenerated: \"2020-01-01T00:00:00Z\"\n",
    )
    .expect("old index");
    let h = s.0.join("h");
    let cp = Command::new("cp")
        .arg("-r")
        .arg(&r)
        .arg(&h)
        .status()
        .expect("cp");
    assert!(cp.success());
    let old = s.0.join("old.yaml").display().to_string();
    for extra in [
        vec![],
        vec!["--url", "https://example.com/charts/"],
        vec!["--json"],
        vec!["--merge", old.as_str(), "--url", "http://x.io"],
    ] {
        let mut results = Vec::new();
        for (bin, dir) in [(&helm, &h), (&chart_bin(), &r)] {
            let d = dir.display().to_string();
            let mut a = vec!["repo", "index", d.as_str()];
            a.extend(&extra);
            ok(bin, &a, &s.0, &home);
            results.push(mask_times(
                &std::fs::read_to_string(dir.join("index.yaml")).expect("index"),
            ));
        }
        assert_eq!(results[1], results[0], "repo index {extra:?}");
    }
}

#[test]
fn dependency_list_matches_helm() {
    let Some(helm) = helm_bin() else { return };
    let s = Scratch::new("deplist");
    let home = s.0.join("home");
    let p2 = s.0.join("p2");
    let cp = Command::new("cp")
        .arg("-r")
        .arg(chart_dir("parent"))
        .arg(&p2)
        .status()
        .expect("cp");
    assert!(cp.success());
    let b = chart_dir("basic");
    ok(
        &chart_bin(),
        &["package", &b, "-d", "p2/charts"],
        &s.0,
        &home,
    );
    ok(
        &chart_bin(),
        &["package", &b, "-d", "p2/charts", "--version", "2.0.0"],
        &s.0,
        &home,
    );
    std::fs::create_dir_all(p2.join("charts/extra")).expect("mkdir");
    std::fs::write(
        p2.join("charts/extra/Chart.yaml"),
        "apiVersion: v2\nname: extra\nversion: 0.1.0\n",
    )
    .expect("extra");
    let shop = common::repo_root()
        .join("charts/shop")
        .display()
        .to_string();
    let (parent, v1, basic) = (
        chart_dir("parent"),
        chart_dir("v1chart"),
        chart_dir("basic"),
    );
    for c in [
        shop.as_str(),
        &parent,
        &v1,
        &basic,
        "p2",
        "./p2/",
        "missing-dir",
    ] {
        let args = ["dependency", "list", c];
        let (hok, hout, herr) = run(&helm, &args, &s.0, &home);
        let (rok, rout, rerr) = run(&chart_bin(), &args, &s.0, &home);
        assert_eq!(
            (rok, rout, rerr.lines().next()),
            (hok, hout, herr.lines().next()),
            "{c}"
        );
    }
    // A subchart archive that is not a gzip stream: the same chained error.
    std::fs::write(p2.join("charts/bad.tgz"), b"junk\n").expect("bad");
    for args in [
        &["dependency", "list", "p2"][..],
        &["package", "p2", "-d", "out"],
    ] {
        let (hok, _, herr) = run(&helm, args, &s.0, &home);
        let (rok, _, rerr) = run(&chart_bin(), args, &s.0, &home);
        assert_eq!((rok, rerr), (hok, herr), "{args:?}");
    }
}
