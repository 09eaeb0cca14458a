//! Helpers shared by the golden tests that replay helm-recorded command lines.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// The repository root (canonical when it can be resolved).
pub fn repo_root() -> PathBuf {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    p.canonicalize().unwrap_or(p)
}

/// The case names of a golden directory: every `NAME.args` file, sorted. Fails when
/// fewer than `min` are found (a moved directory must not make the test vacuous).
pub fn case_names(dir: &Path, min: usize) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let n = e.file_name().to_string_lossy().into_owned();
            n.strip_suffix(".args").map(str::to_string)
        })
        .collect();
    names.sort();
    assert!(
        names.len() >= min,
        "expected at least {min} goldens in {}, found {names:?}",
        dir.display()
    );
    names
}

/// Fails when a file of `dir` named `STEM.EXT`, with EXT one of `exts`, belongs to no case
/// (no `STEM.args`), unless it is one of the `inputs`: the goldens of a case whose `.args`
/// went missing must fail the test, not be skipped.
pub fn assert_no_orphans(dir: &Path, names: &[String], exts: &[&str], inputs: &[&str]) {
    let mut orphans: Vec<String> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|f| !inputs.contains(&f.as_str()))
        .filter(|f| {
            f.rsplit_once('.')
                .is_some_and(|(stem, ext)| exts.contains(&ext) && !names.iter().any(|n| n == stem))
        })
        .collect();
    orphans.sort();
    assert!(
        orphans.is_empty(),
        "goldens in {} that belong to no case (no NAME.args): {orphans:?}",
        dir.display()
    );
}

/// The `chart` binary under test.
pub fn chart_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_chart"))
}

/// Whether a prerequisite of a live test is there: without it the test prints why and
/// passes, except under `CI`, where it fails.
pub fn need(what: &str, ok: bool) -> bool {
    if ok {
        return true;
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "{what} is required under CI"
    );
    println!("skipped: {what} not found");
    false
}

/// The real helm (`HELM_BIN`, default /usr/local/bin/helm), if it is there (see [`need`]).
pub fn helm_bin() -> Option<PathBuf> {
    let bin = std::env::var("HELM_BIN").unwrap_or_else(|_| "/usr/local/bin/helm".to_owned());
    need(
        &format!("helm at {bin} (set HELM_BIN)"),
        Path::new(&bin).exists(),
    )
    .then(|| PathBuf::from(bin))
}

/// A free TCP port on 127.0.0.1.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

/// An empty directory `chart-PREFIX-TAG-PID` under the system's temporary directory,
/// removed when dropped.
pub struct Scratch(pub PathBuf);

impl Scratch {
    pub fn new(prefix: &str, tag: &str) -> Scratch {
        let p = std::env::temp_dir().join(format!("chart-{prefix}-{tag}-{}", std::process::id()));
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

/// What one command printed and how it ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ran {
    pub stdout: String,
    pub stderr: String,
    pub code: i32,
}

impl From<std::process::Output> for Ran {
    fn from(o: std::process::Output) -> Ran {
        Ran {
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
            code: o.status.code().unwrap_or(-1),
        }
    }
}

/// Runs one step under the real helm and then under chart (`run` gets the binary and
/// its name, `"helm"` or `"chart"`) and asserts the same stdout, stderr and exit code,
/// chart's own name in its usage errors (`"chart verify" …`, `Usage:  chart …`) read as
/// helm's. Returns chart's result.
pub fn same_as_helm(what: &str, helm: &Path, run: impl Fn(&Path, &str) -> Ran) -> Ran {
    let h = run(helm, "helm");
    let mut c = run(&chart_bin(), "chart");
    c.stderr = c
        .stderr
        .replace("\"chart ", "\"helm ")
        .replace("Usage:  chart ", "Usage:  helm ");
    assert!(
        c == h,
        "chart and helm differ on {what}\n--- chart (exit {}) ---\n{}{}--- helm (exit {}) ---\n{}{}",
        c.code,
        c.stdout,
        c.stderr,
        h.code,
        h.stdout,
        h.stderr
    );
    c
}
