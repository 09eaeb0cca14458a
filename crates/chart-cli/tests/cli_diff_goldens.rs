//! The differential CLI goldens: every `testdata/cli-diff/NAME.args` command line, recorded
//! from the real helm 3.17.3 by `scripts/record-cli-diff-goldens.sh`, is replayed against
//! the `chart` binary; stdout, stderr, the exit code and the files left in `@OUTDIR@` must
//! match.
//!
//! The only rewrites, all listed in the recorder too:
//! - paths: the repository is `<ROOT>` (in `.args` too), the scratch parent of HELM_CONFIG_HOME/HELM_CACHE_HOME
//!   is `<SCRATCH>`, the per-case output directory is `@OUTDIR@`;
//! - `@HUB@` (in `.args` and outputs) is the URL of a real static HTTP server over
//!   `testdata/cli-diff/hub` (the `search hub` cases; `tests/support/auth_tls_server.py`,
//!   started once on a free port: without python3 these cases are skipped with a message,
//!   except under `CI`);
//! - Go's `time.Now().String()` in `[debug]` lines is `<TIME>`, the unix time that ends a
//!   `--generate-name` release name is `<UNIXTIME>` (helm's own nondeterminism);
//! - helm -> chart: in stderr, and in stdout of help cases, the word `helm` used as the
//!   program's name (after start of line, a space, `'` or `"`; before a space, `'` or `"`)
//!   reads `chart` in the golden;
//! - `--debug` error dumps: helm ends a failing `--debug` run with `helm.go:NN: <TIME> [debug]`
//!   followed by the Go stack trace of the error; stderr is compared up to that line;
//! - help cases (`NAME.mode` = help): cobra's help is compared by structure: from the
//!   `Usage:` line on, the headings, usage lines, aliases, command names and each flag's
//!   `-s, --name type` column; the prose (long description, examples, flag descriptions)
//!   is not compared;
//! - documented additions: `testdata/cli-diff/ADDITIONS` lists flags of ours that helm 3.17
//!   does not have (`COMMAND... --FLAG REASON`, the reason also in COMPATIBILITY.md). In a
//!   help case of that command, the flag's row is taken out of our help's structure before
//!   the comparison, so everything else of the help must still match helm's; the golden
//!   must not have the flag, ours must (a stale line fails the test).
//!
//! Cases listed in `testdata/cli-diff/KNOWN-FAILURES` (with the reason) must still fail; any
//! other mismatch fails the test. The pass count is printed.

mod common;
use common::repo_root;
use regex::Regex;
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// The static server of the `@HUB@` cases, stopped when dropped.
struct Hub {
    child: Child,
    url: String,
}

impl Drop for Hub {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts the hub server (None when python3 cannot be run).
fn start_hub(root: &Path) -> Option<Hub> {
    let port = common::free_port();
    let mut child = Command::new("python3")
        .arg(root.join("crates/chart-cli/tests/support/auth_tls_server.py"))
        .arg(root.join("testdata/cli-diff/hub"))
        .arg(port.to_string())
        .stdout(Stdio::piped())
        .spawn()
        .ok()?;
    let mut line = String::new();
    let out = child.stdout.take()?;
    std::io::BufReader::new(out).read_line(&mut line).ok()?;
    let hub = Hub {
        child,
        url: format!("http://127.0.0.1:{port}"),
    };
    (line.trim() == "ready").then_some(hub)
}

struct Norm {
    time: Regex,
    unixtime: Regex,
    helm_word: Regex,
}

impl Norm {
    fn new() -> Self {
        Norm {
            time: Regex::new(
                r"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]+ \+0000 UTC m=\+[0-9.]+",
            )
            .expect("time regex"),
            unixtime: Regex::new(r"-1[0-9]{9}\b").expect("unixtime regex"),
            helm_word: Regex::new(r#"(^|[ '"])helm([ '"]|$)"#).expect("helm regex"),
        }
    }

    /// What the recorder does to helm's output, done to ours.
    fn ours(&self, s: &str, root: &Path, scratch: &Path, outdir: &Path) -> String {
        let s = s
            .replace(&outdir.display().to_string(), "@OUTDIR@")
            .replace(&format!("{}/", root.display()), "<ROOT>/")
            .replace(&scratch.display().to_string(), "<SCRATCH>");
        let s = self.time.replace_all(&s, "<TIME>");
        self.unixtime.replace_all(&s, "-<UNIXTIME>").into_owned()
    }

    /// helm -> chart in a golden (applied line by line, twice for adjacent words).
    fn rename(&self, s: &str) -> String {
        s.split_inclusive('\n')
            .map(|l| {
                let once = self.helm_word.replace_all(l, "${1}chart${2}");
                self.helm_word
                    .replace_all(&once, "${1}chart${2}")
                    .into_owned()
            })
            .collect()
    }
}

/// stderr up to helm's `--debug` error dump (`helm.go:NN: <TIME> [debug] ...` + stack).
fn cut_debug_dump(s: &str) -> String {
    let mut out = String::new();
    for l in s.split_inclusive('\n') {
        if l.starts_with("helm.go:") && l.contains(" [debug] ") {
            break;
        }
        out.push_str(l);
    }
    out
}

/// The structure of cobra's help text (see the module docs).
fn help_skeleton(s: &str) -> String {
    let lines: Vec<&str> = s.lines().collect();
    let Some(start) = lines.iter().position(|l| *l == "Usage:") else {
        return s.to_string();
    };
    let before: Vec<&str> = lines[..start]
        .iter()
        .copied()
        .filter(|l| l.starts_with("Error:"))
        .collect();
    let mut out: Vec<String> = before.iter().map(|l| l.to_string()).collect();
    let mut section = "";
    for l in &lines[start..] {
        if !l.starts_with(' ') && l.ends_with(':') {
            section = l;
            out.push(l.to_string());
            continue;
        }
        let t = l.trim();
        if t.is_empty() {
            continue;
        }
        match section {
            "Examples:" => {}
            "Available Commands:" | "Additional Commands:" => {
                out.push(t.split_whitespace().next().unwrap_or("").to_string())
            }
            "Flags:" | "Global Flags:" if t.starts_with('-') => {
                out.push(t.split("  ").next().unwrap_or("").to_string())
            }
            _ => out.push(t.to_string()),
        }
    }
    out.join("\n")
}

/// One line of `ADDITIONS`: a flag of ours on a command, absent from helm's.
struct Addition {
    command: Vec<String>,
    flag: String,
}

fn read_additions(dir: &Path) -> Vec<Addition> {
    let text = std::fs::read_to_string(dir.join("ADDITIONS")).unwrap_or_default();
    let mut out = Vec::new();
    for l in text.lines() {
        if l.trim().is_empty() || l.starts_with('#') {
            continue;
        }
        let words: Vec<&str> = l.split_whitespace().collect();
        let at = words.iter().position(|w| w.starts_with("--"));
        let Some(at) = at.filter(|a| *a > 0 && words.len() > a + 1) else {
            panic!("ADDITIONS: {l:?} is not `COMMAND... --FLAG REASON`");
        };
        out.push(Addition {
            command: words[..at].iter().map(|w| w.to_string()).collect(),
            flag: words[at].trim_start_matches("--").to_string(),
        });
    }
    out
}

/// The command a help case shows: its words before the first flag, without a leading `help`.
fn help_command(args: &[String]) -> Vec<String> {
    let mut words: Vec<String> = args
        .iter()
        .take_while(|a| !a.starts_with('-'))
        .cloned()
        .collect();
    if words.first().is_some_and(|w| w == "help") {
        words.remove(0);
    }
    words
}

/// The long name of a flag row of the help's structure (`-o, --output format` -> `output`).
fn skeleton_flag(line: &str) -> Option<&str> {
    let rest = line.split("--").nth(1)?;
    Some(rest.split([' ', '[']).next().unwrap_or(rest))
}

/// `skeleton` without the `Flags:` rows of `flags`; `Err(flag)` when one is missing.
fn drop_additions(skeleton: &str, flags: &[&str]) -> Result<String, String> {
    let mut section = "";
    let mut seen = Vec::new();
    let mut out = Vec::new();
    for l in skeleton.split('\n') {
        if !l.starts_with('-') && l.ends_with(':') {
            section = l;
        }
        if section == "Flags:" {
            if let Some(f) = skeleton_flag(l).filter(|f| l.starts_with('-') && flags.contains(f)) {
                seen.push(f.to_string());
                continue;
            }
        }
        out.push(l);
    }
    match flags.iter().find(|f| !seen.iter().any(|s| s == *f)) {
        Some(f) => Err(f.to_string()),
        None => Ok(out.join("\n")),
    }
}

/// The files under `dir` as the recorder lists them.
fn list_outdir(dir: &Path) -> String {
    fn walk(base: &Path, dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(rd) = std::fs::read_dir(dir) else {
            return;
        };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(base, &p, out);
            } else if let Ok(rel) = p.strip_prefix(base) {
                out.push(rel.to_path_buf());
            }
        }
    }
    let mut files = Vec::new();
    walk(dir, dir, &mut files);
    files.sort_by(|a, b| {
        a.to_string_lossy()
            .as_bytes()
            .cmp(b.to_string_lossy().as_bytes())
    });
    let mut s = String::new();
    for f in files {
        s.push_str(&format!("==> {} <==\n", f.display()));
        s.push_str(&String::from_utf8_lossy(
            &std::fs::read(dir.join(&f)).unwrap_or_default(),
        ));
    }
    s
}

fn read(dir: &Path, name: &str, ext: &str) -> Option<String> {
    std::fs::read_to_string(dir.join(format!("{name}.{ext}"))).ok()
}

#[test]
fn cli_diff_goldens_match_helm() {
    let root = repo_root();
    let dir = root.join("testdata/cli-diff");
    let names = common::case_names(&dir, 300);
    common::assert_no_orphans(
        &dir,
        &names,
        &["out", "stderr", "rc", "env", "outdir", "mode"],
        &[],
    );
    let known: Vec<(String, String)> = std::fs::read_to_string(dir.join("KNOWN-FAILURES"))
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| match l.split_once(' ') {
            Some((n, why)) => (n.to_string(), why.trim().to_string()),
            None => (l.to_string(), String::new()),
        })
        .collect();
    for (n, why) in &known {
        assert!(
            names.contains(n),
            "KNOWN-FAILURES lists {n}, which is no case"
        );
        assert!(!why.is_empty(), "KNOWN-FAILURES: {n} needs a reason");
    }
    let additions = read_additions(&dir);
    let mut additions_used = vec![false; additions.len()];
    let norm = Norm::new();
    let scratch = std::env::temp_dir().join(format!("chart-cli-diff-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    std::fs::create_dir_all(&scratch).expect("scratch");
    let mut failures = Vec::new();
    let mut passed_known = Vec::new();
    let mut passed = 0;
    let mut skipped = 0;
    let mut hub: Option<Option<Hub>> = None;
    for name in &names {
        let args_text = read(&dir, name, "args").expect("args");
        let hub_url = if args_text.contains("@HUB@") {
            let h = hub.get_or_insert_with(|| start_hub(&root));
            if !common::need("python3 (the search hub server)", h.is_some()) {
                skipped += 1;
                continue;
            }
            h.as_ref().map(|h| h.url.clone())
        } else {
            None
        };
        let outdir = scratch.join(format!("out-{name}"));
        let mut uses_outdir = false;
        let args: Vec<String> = args_text
            .split_terminator('\n')
            .map(|a| a.replace("<ROOT>/", &format!("{}/", root.display())))
            .map(|a| match &hub_url {
                Some(u) => a.replace("@HUB@", u),
                None => a,
            })
            .map(|a| {
                if a.contains("@OUTDIR@") {
                    uses_outdir = true;
                    a.replace("@OUTDIR@", &outdir.display().to_string())
                } else {
                    a.to_string()
                }
            })
            .collect();
        if uses_outdir {
            let _ = std::fs::remove_dir_all(&outdir);
            std::fs::create_dir_all(&outdir).expect("outdir");
        }
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_chart"));
        cmd.args(&args)
            .current_dir(&root)
            .stdin(Stdio::null())
            .env("HELM_CONFIG_HOME", scratch.join("config"))
            .env("HELM_CACHE_HOME", scratch.join("cache"))
            .env("HELM_DATA_HOME", dir.join("home/data"))
            .env("KUBECONFIG", scratch.join("kubeconfig"))
            .env("TZ", "UTC")
            .env("LC_ALL", "C");
        for v in [
            "HELM_NAMESPACE",
            "HELM_DEBUG",
            "HELM_KUBECONTEXT",
            "HELM_DRIVER",
            "HELM_MAX_HISTORY",
            "HELM_PLUGINS",
            "HELM_REGISTRY_CONFIG",
            "HELM_REPOSITORY_CACHE",
            "HELM_REPOSITORY_CONFIG",
            "HELM_KUBEAPISERVER",
            "HELM_KUBETOKEN",
            "HELM_KUBEASUSER",
            "HELM_KUBEASGROUPS",
            "HELM_BURST_LIMIT",
            "HELM_QPS",
            "HELM_KUBECAFILE",
            "HELM_KUBEINSECURE_SKIP_TLS_VERIFY",
            "HELM_KUBETLS_SERVER_NAME",
        ] {
            cmd.env_remove(v);
        }
        if let Some(env) = read(&dir, name, "env") {
            for line in env.lines() {
                if let Some((k, v)) = line.split_once('=') {
                    cmd.env(k, v);
                }
            }
        }
        let out = cmd.output().expect("run chart");
        let help = read(&dir, name, "mode").is_some_and(|m| m.trim() == "help");
        let ours = |b: &[u8]| {
            let s = norm.ours(&String::from_utf8_lossy(b), &root, &scratch, &outdir);
            match &hub_url {
                Some(u) => s.replace(u.as_str(), "@HUB@"),
                None => s,
            }
        };
        let mut got_out = ours(&out.stdout);
        let mut got_err = cut_debug_dump(&ours(&out.stderr));
        let mut want_out = read(&dir, name, "out").expect("golden");
        let mut want_err =
            cut_debug_dump(&norm.rename(&read(&dir, name, "stderr").unwrap_or_default()));
        if help {
            want_out = help_skeleton(&norm.rename(&want_out));
            want_err = help_skeleton(&want_err);
            got_out = help_skeleton(&got_out);
            got_err = help_skeleton(&got_err);
            let shown = help_command(&args);
            let mut flags = Vec::new();
            for (i, a) in additions.iter().enumerate() {
                if a.command == shown && got_out.contains("\nFlags:") {
                    additions_used[i] = true;
                    flags.push(a.flag.as_str());
                }
            }
            for f in &flags {
                let in_helm = want_out
                    .split('\n')
                    .any(|l| l.starts_with('-') && skeleton_flag(l) == Some(f));
                assert!(!in_helm, "ADDITIONS: helm's help of {name} has --{f}");
            }
            if !flags.is_empty() {
                match drop_additions(&got_out, &flags) {
                    Ok(s) => got_out = s,
                    Err(f) => failures.push(format!(
                        "{name}: ADDITIONS lists --{f}, which our help does not show"
                    )),
                }
            }
        }
        let want_rc: i32 = read(&dir, name, "rc")
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(0);
        let rc = out.status.code().unwrap_or(-1);
        let mut problems = Vec::new();
        if rc != want_rc {
            problems.push(format!("exit code {rc}, want {want_rc}"));
        }
        if got_out != want_out {
            problems.push(format!("stdout: want {want_out:?}\n got {got_out:?}"));
        }
        if got_err != want_err {
            problems.push(format!("stderr: want {want_err:?}\n got {got_err:?}"));
        }
        if let Some(want_files) = read(&dir, name, "outdir") {
            let got_files = norm.ours(&list_outdir(&outdir), &root, &scratch, &outdir);
            if got_files != want_files {
                problems.push(format!(
                    "files in @OUTDIR@: want {want_files:?}\n got {got_files:?}"
                ));
            }
        }
        let is_known = known.iter().any(|(n, _)| n == name);
        if problems.is_empty() {
            passed += 1;
            if is_known {
                passed_known.push(name.clone());
            }
        } else if !is_known {
            failures.push(format!("{name}: {}", problems.join("; ")));
        }
    }
    let _ = std::fs::remove_dir_all(&scratch);
    for (a, used) in additions.iter().zip(&additions_used) {
        assert!(
            used,
            "ADDITIONS lists {} --{}, which no help case shows",
            a.command.join(" "),
            a.flag
        );
    }
    drop(hub);
    eprintln!(
        "cli-diff goldens: {passed} of {} pass ({} known failures, {skipped} skipped)",
        names.len(),
        known.len()
    );
    assert!(
        passed_known.is_empty(),
        "cases listed in KNOWN-FAILURES now pass; remove them: {passed_known:?}"
    );
    assert!(
        failures.is_empty(),
        "{} of {} cases differ:\n{}",
        failures.len(),
        names.len(),
        failures.join("\n\n")
    );
}
