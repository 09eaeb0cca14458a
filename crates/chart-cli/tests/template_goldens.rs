//! Replays every feature case under `testdata/template/CASE/` against the `chart` binary and
//! compares stdout, stderr and the exit code exactly with what the real helm 3.17.3 printed
//! (`scripts/record-template-goldens.sh` is the only writer of the goldens).
//!
//! A case is a directory with `args` (the arguments after `template`, one per line, run from
//! the repository root with stdin from /dev/null) and the goldens `stdout`, `stderr`, `rc`,
//! and `outdir` for `--output-dir` cases (the placeholder argument `@OUTDIR@` stands for a
//! fresh directory; `outdir` lists the files written there with their contents).
//!
//! Every directory under `testdata/template/` is a case: one without `args` or a golden fails
//! the test, and so does one that goes missing while known-failures.txt names it.
//!
//! Where helm's output is not reproducible the comparison is normalised, never skipped:
//! - helm names itself in usage errors (`"helm template" requires ...`, `Usage:  helm ...`),
//!   our binary is `chart`;
//! - the `- property: message` lines of a schema error come in Go map order, which is
//!   random from run to run (gojsonschema keeps its errors in a map): they are compared as a
//!   set within each chart's block;
//! - with `--debug`, only stderr's `Error:` lines are compared (see `normalise_debug_stderr`).
//!
//! Cases where the binary still differs from helm are the `template/CASE` lines of
//! `testdata/known-failures.txt` (one list with the engine's golden cases; each difference is
//! described in COMPATIBILITY.md). For those, what can still be compared is: the exit code,
//! stderr's `Error:` lines, and that nothing panicked. The test fails when a listed case
//! matches helm entirely, so the list stays honest.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The `template/CASE` lines of testdata/known-failures.txt, as case names.
fn known_differences(root: &Path) -> BTreeSet<String> {
    read(&root.join("testdata/known-failures.txt"))
        .lines()
        .filter_map(|l| l.trim().strip_prefix("template/"))
        .map(str::to_string)
        .collect()
}

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
    error_lines(s)
}

/// With `--debug`, helm prints the rendered files before a YAML error in Go map order, which
/// is random (12 runs of err-invalid-yaml-debug: 11 one way, 1 the other). For a failing
/// `--debug` case the files are compared in sorted order; their contents still exactly.
fn sorted_debug_files(s: &str) -> String {
    const MARK: &str = "---\n# Source: ";
    let mut parts = s.split(MARK);
    let head = parts.next().unwrap_or_default().to_string();
    // Each file is followed by a blank line except the last: compare without them.
    let mut files: Vec<&str> = parts.map(|f| f.trim_end_matches('\n')).collect();
    files.sort_unstable();
    files.iter().fold(head, |acc, f| acc + MARK + f + "\n")
}

/// The `Error: ...` lines of a stderr text.
fn error_lines(s: &str) -> String {
    s.lines()
        .filter(|l| l.starts_with("Error: "))
        .map(|l| format!("{l}\n"))
        .collect()
}

/// helm's stderr as our binary words it: helm names itself where we are `chart`.
fn as_chart(s: &str) -> String {
    s.replace("\"helm ", "\"chart ")
        .replace("Usage:  helm ", "Usage:  chart ")
}

/// A schema error (`values don't meet the specifications ...`) with the `- property: ...`
/// lines of each chart's block sorted: helm prints them in Go map order, which changes from
/// run to run (measured: 40 runs of schema-parent-error gave three different orders). Other
/// texts are returned unchanged.
fn sorted_schema_lines(s: &str) -> String {
    if !s.contains("Error: values don't meet the specifications of the schema(s)") {
        return s.to_string();
    }
    let mut out = String::new();
    let mut block: Vec<&str> = Vec::new();
    let flush = |block: &mut Vec<&str>, out: &mut String| {
        block.sort_unstable();
        for l in block.drain(..) {
            out.push_str(l);
            out.push('\n');
        }
    };
    for line in s.split_inclusive('\n') {
        let l = line.strip_suffix('\n').unwrap_or(line);
        if l.starts_with("- ") {
            block.push(l);
        } else {
            flush(&mut block, &mut out);
            out.push_str(line);
        }
    }
    flush(&mut block, &mut out);
    out
}

/// What a case's run came to: the full comparison's differences, and those of the part that
/// is compared even for a listed case (exit code, `Error:` lines, no panic).
struct Outcome {
    problems: Vec<String>,
    core_problems: Vec<String>,
}

/// Runs one case and compares it with helm's goldens.
fn run_case(root: &Path, name: &str) -> Outcome {
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
        // As the recorder ran helm: the output must not depend on the host's zone or locale.
        .env("TZ", "UTC")
        .env("LC_ALL", "C")
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
    let raw_err = fix(&out.stderr);
    let mut got_err = sorted_schema_lines(&raw_err);
    let mut want_err = sorted_schema_lines(&as_chart(&golden.stderr));
    if args.iter().any(|a| a == "--debug") {
        got_err = normalise_debug_stderr(&got_err);
        want_err = normalise_debug_stderr(&want_err);
    }
    let rc = out.status.code().unwrap_or(-1);
    let mut core_problems = Vec::new();
    if raw_err.contains("panicked") {
        core_problems.push("the binary panicked".to_string());
    }
    if rc != golden.rc {
        core_problems.push(format!("exit code {rc}, want {}", golden.rc));
    }
    let (want_errors, got_errors) = (error_lines(&want_err), error_lines(&got_err));
    if want_errors != got_errors {
        core_problems.push(format!(
            "Error: lines: want {want_errors:?}\n   got {got_errors:?}"
        ));
    }
    let mut problems = core_problems.clone();
    let (got_out, want_out) = if args.iter().any(|a| a == "--debug") && golden.rc != 0 {
        (
            sorted_debug_files(&got_out),
            sorted_debug_files(&golden.stdout),
        )
    } else {
        (got_out, golden.stdout.clone())
    };
    if got_out != want_out {
        problems.push(format!(
            "stdout differs: {}",
            first_diff(&want_out, &got_out)
        ));
    }
    if got_err != want_err && want_errors == got_errors {
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
    Outcome {
        problems,
        core_problems,
    }
}

#[test]
fn template_goldens_match_helm() {
    let root = repo_root();
    // Every directory is a case: one that lost its `args` must fail, not vanish.
    let mut names: Vec<String> = std::fs::read_dir(root.join("testdata/template"))
        .expect("testdata/template")
        .filter_map(Result::ok)
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(
        names.len() >= 60,
        "expected at least 60 cases, found {}",
        names.len()
    );
    let known = known_differences(&root);
    for k in &known {
        assert!(
            names.contains(k),
            "known-failures.txt lists template/{k}, which is not a case"
        );
    }
    let mut failures = Vec::new();
    for name in &names {
        let o = run_case(&root, name);
        match (known.contains(name), o.problems.is_empty()) {
            (false, false) => failures.push(format!("{name}: {}", o.problems.join("\n  "))),
            (true, true) => failures.push(format!(
                "{name}: matches helm now; remove template/{name} from known-failures.txt"
            )),
            (true, false) if !o.core_problems.is_empty() => failures.push(format!(
                "{name} (a listed difference, but this part must match): {}",
                o.core_problems.join("\n  ")
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
