//! Replays every feature case under `testdata/template/CASE/` against the `chart` binary and
//! compares stdout, stderr and the exit code exactly with what the real helm 3.17.3 printed
//! (`scripts/record-template-goldens.sh` is the only writer of the goldens).
//!
//! A case is a directory with `args` (the arguments after `template`, one per line, run from
//! the repository root with stdin from /dev/null) and the goldens `stdout`, `stderr`, `rc`,
//! and `outdir` for `--output-dir` cases (the placeholder argument `@OUTDIR@` stands for a
//! fresh directory; `outdir` lists the files written there with their contents).
//!
//! Cases where the binary still differs from helm are listed in `KNOWN_DIFFERENCES`; the test
//! fails when a listed case starts to pass, so the list stays honest.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Cases whose output differs from helm's, with the reason.
const KNOWN_DIFFERENCES: &[(&str, &str)] = &[
    (
        "err-invalid-yaml-debug",
        "with --debug helm prints the rendered manifests before the YAML error",
    ),
    (
        "no-args",
        "helm's message names `helm template` and adds a usage line; ours names `chart template`",
    ),
    (
        "schema-parent-error",
        "schema errors listed by property name, helm lists them in schema order",
    ),
];

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The goldens of one case.
struct Golden {
    stdout: String,
    stderr: String,
    rc: i32,
    outdir: Option<String>,
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn load_golden(dir: &Path) -> Golden {
    let outdir = dir.join("outdir");
    Golden {
        stdout: read(&dir.join("stdout")),
        stderr: read(&dir.join("stderr")),
        rc: read(&dir.join("rc"))
            .trim()
            .parse()
            .expect("rc is a number"),
        outdir: outdir.exists().then(|| read(&outdir)),
    }
}

/// Every file under `dir` (sorted by relative path) as "==> PATH <==" blocks, the layout the
/// record script writes.
fn list_tree(dir: &Path) -> String {
    fn walk(base: &Path, d: &Path, out: &mut Vec<(String, Vec<u8>)>) {
        let Ok(entries) = std::fs::read_dir(d) else {
            return;
        };
        for e in entries.filter_map(Result::ok) {
            let p = e.path();
            if p.is_dir() {
                walk(base, &p, out);
            } else {
                let rel = p
                    .strip_prefix(base)
                    .expect("below base")
                    .to_string_lossy()
                    .into_owned();
                out.push((rel, std::fs::read(&p).expect("read written file")));
            }
        }
    }
    let mut files = Vec::new();
    walk(dir, dir, &mut files);
    // `sort` under LC_ALL=C compares bytes, as String's Ord does.
    files.sort();
    let mut s = String::new();
    for (rel, content) in files {
        s.push_str(&format!("==> {rel} <==\n"));
        s.push_str(&String::from_utf8_lossy(&content));
    }
    s
}

/// helm's `--debug` stderr carries Go log lines with wall-clock timestamps, the absolute
/// chart path and a Go stack trace of helm's own source files; none of that can or should be
/// reproduced. For `--debug` cases only the `Error: ...` lines of stderr are compared.
fn normalise_debug_stderr(s: &str) -> String {
    s.lines()
        .filter(|l| l.starts_with("Error: "))
        .map(|l| format!("{l}\n"))
        .collect()
}

/// Runs one case; returns the list of differences (empty when it matches helm).
fn run_case(root: &Path, name: &str) -> Vec<String> {
    let dir = root.join("testdata/template").join(name);
    let golden = load_golden(&dir);
    let args_text = read(&dir.join("args"));
    let outdir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("template-goldens")
        .join(name);
    let mut uses_outdir = false;
    let mut args: Vec<String> = vec!["template".into()];
    for line in args_text.lines() {
        if line == "@OUTDIR@" {
            uses_outdir = true;
            let _ = std::fs::remove_dir_all(&outdir);
            std::fs::create_dir_all(&outdir).expect("create output dir");
            args.push(outdir.to_string_lossy().into_owned());
        } else {
            args.push(line.to_string());
        }
    }
    let out = Command::new(env!("CARGO_BIN_EXE_chart"))
        .args(&args)
        .current_dir(root)
        .stdin(Stdio::null())
        .env_remove("HELM_NAMESPACE")
        .env_remove("HELM_DEBUG")
        .env_remove("HELM_KUBECONTEXT")
        .env_remove("KUBECONFIG")
        .output()
        .expect("run chart");
    let outdir_str = outdir.to_string_lossy().into_owned();
    let fix = |b: &[u8]| {
        let s = String::from_utf8_lossy(b).into_owned();
        if uses_outdir {
            s.replace(&outdir_str, "@OUTDIR@")
        } else {
            s
        }
    };
    let got_out = fix(&out.stdout);
    let mut got_err = fix(&out.stderr);
    let mut want_err = golden.stderr.clone();
    if args.iter().any(|a| a == "--debug") {
        got_err = normalise_debug_stderr(&got_err);
        want_err = normalise_debug_stderr(&want_err);
    }
    let rc = out.status.code().unwrap_or(-1);
    let mut problems = Vec::new();
    if got_err.contains("panicked") {
        problems.push("the binary panicked".to_string());
    }
    if rc != golden.rc {
        problems.push(format!("exit code {rc}, want {}", golden.rc));
    }
    if got_out != golden.stdout {
        problems.push(format!(
            "stdout differs: {}",
            first_diff(&golden.stdout, &got_out)
        ));
    }
    if got_err != want_err {
        problems.push(format!("stderr: want {want_err:?}\n   got {got_err:?}"));
    }
    if let Some(want_tree) = &golden.outdir {
        let got_tree = list_tree(&outdir);
        if &got_tree != want_tree {
            problems.push(format!(
                "output dir differs: {}",
                first_diff(want_tree, &got_tree)
            ));
        }
    }
    problems
}

#[test]
fn template_goldens_match_helm() {
    let root = repo_root();
    let mut names: Vec<String> = std::fs::read_dir(root.join("testdata/template"))
        .expect("testdata/template")
        .filter_map(Result::ok)
        .filter(|e| e.path().join("args").is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(
        names.len() >= 60,
        "expected at least 60 cases, found {}",
        names.len()
    );
    for (known, _) in KNOWN_DIFFERENCES {
        assert!(
            names.iter().any(|n| n == known),
            "KNOWN_DIFFERENCES lists {known}, which is not a case"
        );
    }
    let mut failures = Vec::new();
    for name in &names {
        let problems = run_case(&root, name);
        let known = KNOWN_DIFFERENCES.iter().any(|(k, _)| k == name);
        match (known, problems.is_empty()) {
            (false, false) => failures.push(format!("{name}: {}", problems.join("\n  "))),
            (true, true) => failures.push(format!(
                "{name}: matches helm now; remove it from KNOWN_DIFFERENCES"
            )),
            _ => {}
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases fail:\n{}",
        failures.len(),
        names.len(),
        failures.join("\n\n")
    );
}

fn first_diff(want: &str, got: &str) -> String {
    for (i, (a, b)) in want.lines().zip(got.lines()).enumerate() {
        if a != b {
            return format!("line {}:\n    want: {a:?}\n    got:  {b:?}", i + 1);
        }
    }
    format!(
        "lengths differ: want {} lines, got {} (want {} bytes, got {})",
        want.lines().count(),
        got.lines().count(),
        want.len(),
        got.len()
    )
}
