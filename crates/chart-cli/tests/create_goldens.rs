//! `chart create` against goldens recorded from helm 3.17.3 by
//! `scripts/record-create-goldens.sh`:
//! - our starter, written by `chart create demo`, renders with `chart template` exactly as
//!   helm rendered the same starter (`render-*.yaml`), and `chart lint --strict` of it prints
//!   what helm printed for it (`lint.txt`, `lint.stderr`: clean, exit 0);
//! - `chart create` prints, fails and leaves the directory as `helm create` does
//!   (`create-*`), with `<DIR>` standing for the scratch directory.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn goldens() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/create")
}

/// A fresh scratch directory, removed on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn new(tag: &str) -> Scratch {
        let p = std::env::temp_dir().join(format!("chart-create-{}-{tag}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).expect("scratch dir");
        Scratch(p.canonicalize().expect("canonical scratch"))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn chart(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_chart"))
        .args(args)
        .current_dir(dir)
        .env_remove("HELM_NAMESPACE")
        .env_remove("HELM_DEBUG")
        // As the recorder ran helm: not the host's zone or locale.
        .env("TZ", "UTC")
        .env("LC_ALL", "C")
        .output()
        .expect("run chart")
}

fn lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .expect("golden")
        .split_terminator('\n')
        .map(str::to_string)
        .collect()
}

fn cases(prefix: &str) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(goldens())
        .expect("testdata/create")
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let n = e.file_name().to_string_lossy().into_owned();
            n.strip_suffix(".args")
                .filter(|n| n.starts_with(prefix))
                .map(str::to_string)
        })
        .collect();
    v.sort();
    v
}

#[test]
fn every_golden_belongs_to_a_case() {
    let names = cases("");
    assert!(names.iter().any(|n| n == "lint"), "{names:?}");
    common::assert_no_orphans(
        &goldens(),
        &names,
        &["out", "stderr", "rc", "setup", "tree", "yaml", "txt"],
        &[],
    );
}

#[test]
fn starter_renders_as_helm_renders_it() {
    let s = Scratch::new("render");
    let out = chart(&s.0, &["create", "demo"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let names = cases("render-");
    assert!(names.len() >= 4, "{names:?}");
    let mut failures = Vec::new();
    for name in &names {
        let args = lines(&goldens().join(format!("{name}.args")));
        let mut argv = vec!["template"];
        argv.extend(args.iter().map(String::as_str));
        let out = chart(&s.0, &argv);
        let want = std::fs::read_to_string(goldens().join(format!("{name}.yaml"))).expect("yaml");
        let got = String::from_utf8_lossy(&out.stdout);
        if !out.status.success() || got != want {
            failures.push(format!(
                "{name}: rc {:?}, stderr {}\n{}",
                out.status.code(),
                String::from_utf8_lossy(&out.stderr),
                first_diff(&want, &got)
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn starter_lints_clean_as_helm_linted_it() {
    let s = Scratch::new("lint");
    let out = chart(&s.0, &["create", "demo"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let args = lines(&goldens().join("lint.args"));
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    assert_eq!(argv.first(), Some(&"lint"), "lint.args: {argv:?}");
    let want_out = std::fs::read_to_string(goldens().join("lint.txt")).expect("lint.txt");
    let want_err = std::fs::read_to_string(goldens().join("lint.stderr")).expect("lint.stderr");
    // The recorder stops unless helm exits 0, and helm found nothing to complain about.
    assert!(
        want_out.contains("1 chart(s) linted, 0 chart(s) failed")
            && !want_out.contains("[WARNING]")
            && !want_out.contains("[ERROR]"),
        "helm did not lint the starter clean: {want_out}"
    );
    let out = chart(&s.0, &argv);
    let got_out = String::from_utf8_lossy(&out.stdout);
    let got_err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "chart lint failed: {got_err}");
    assert_eq!(
        got_out,
        want_out,
        "stdout: {}",
        first_diff(&want_out, &got_out)
    );
    assert_eq!(got_err, want_err);
}

fn tree(dir: &Path) -> Vec<String> {
    fn walk(base: &Path, dir: &Path, out: &mut Vec<String>) {
        let Ok(rd) = std::fs::read_dir(dir) else {
            return;
        };
        for e in rd.flatten() {
            let p = e.path();
            let rel = p
                .strip_prefix(base)
                .map(|r| r.to_string_lossy().into_owned())
                .unwrap_or_default();
            if p.is_dir() {
                out.push(format!("d {rel}"));
                walk(base, &p, out);
            } else {
                out.push(format!("f {rel}"));
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

#[test]
fn create_behaves_as_helm_create() {
    let names = cases("create-");
    assert!(names.len() >= 10, "{names:?}");
    let mut failures = Vec::new();
    for name in &names {
        let s = Scratch::new(name);
        let g = |ext: &str| goldens().join(format!("{name}.{ext}"));
        for line in lines(&g("setup")) {
            match line.split_once(' ') {
                Some(("dir", p)) => std::fs::create_dir_all(s.0.join(p)).expect("setup dir"),
                Some(("file", p)) => {
                    let f = s.0.join(p);
                    if let Some(parent) = f.parent() {
                        std::fs::create_dir_all(parent).expect("setup parent");
                    }
                    std::fs::write(f, "data\n").expect("setup file");
                }
                Some(("create", p)) => {
                    assert!(chart(&s.0, &["create", p]).status.success(), "setup {name}");
                }
                _ => panic!("bad setup line {line:?} in {name}"),
            }
        }
        let args = lines(&g("args"));
        let argv: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = chart(&s.0, &argv);
        let norm = |t: String| {
            t.replace("<DIR>", &s.0.to_string_lossy())
                .replace("\"helm ", "\"chart ")
                .replace("Usage:  helm ", "Usage:  chart ")
        };
        let want_out = norm(std::fs::read_to_string(g("out")).expect("out"));
        let want_err = norm(std::fs::read_to_string(g("stderr")).unwrap_or_default());
        let want_rc: i32 = std::fs::read_to_string(g("rc"))
            .ok()
            .and_then(|t| t.trim().parse().ok())
            .unwrap_or(0);
        let got_out = String::from_utf8_lossy(&out.stdout).into_owned();
        let got_err = String::from_utf8_lossy(&out.stderr).into_owned();
        let mut problems = Vec::new();
        if out.status.code() != Some(want_rc) {
            problems.push(format!("exit {:?}, want {want_rc}", out.status.code()));
        }
        if got_out != want_out {
            problems.push(format!("stdout: want {want_out:?}\n got {got_out:?}"));
        }
        if got_err != want_err {
            problems.push(format!("stderr: want {want_err:?}\n got {got_err:?}"));
        }
        let want_tree = lines(&g("tree"));
        let got_tree = tree(&s.0);
        if got_tree != want_tree {
            problems.push(format!("tree: want {want_tree:?}\n got {got_tree:?}"));
        }
        if !problems.is_empty() {
            failures.push(format!("{name}: {}", problems.join("; ")));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

fn first_diff(want: &str, got: &str) -> String {
    for (i, (a, b)) in want.lines().zip(got.lines()).enumerate() {
        if a != b {
            return format!("line {}:\n  want: {a}\n  got:  {b}", i + 1);
        }
    }
    format!(
        "lengths differ: want {} lines, got {}",
        want.lines().count(),
        got.lines().count()
    )
}
