//! Replays every `testdata/cli/NAME.args` command line (show, version) against the `chart`
//! binary and compares stdout, stderr (when recorded) and the exit code with what the real
//! helm 3.17.3 printed (`scripts/record-cli-goldens.sh`).
//!
//! Two normalisations, both documented in the script: `<ROOT>` in a golden stands for the
//! repository's absolute path, and helm's usage errors name the binary `helm` where ours
//! says `chart`.

mod common;
use common::repo_root;
use std::path::Path;
use std::process::Command;

fn normalise(golden: &str, root: &Path) -> String {
    golden
        .replace("<ROOT>/", &format!("{}/", root.display()))
        .replace("\"helm ", "\"chart ")
        .replace("Usage:  helm ", "Usage:  chart ")
}

#[test]
fn cli_goldens_match_helm() {
    let root = repo_root();
    let dir = root.join("testdata/cli");
    let names = common::case_names(&dir, 40);
    common::assert_no_orphans(&dir, &names, &["out", "stderr", "rc", "env"], &[]);
    let mut failures = Vec::new();
    for name in &names {
        let args_text = std::fs::read_to_string(dir.join(format!("{name}.args"))).expect("args");
        let args: Vec<&str> = args_text.split_terminator('\n').collect();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_chart"));
        cmd.args(&args)
            .current_dir(&root)
            .env_remove("HELM_NAMESPACE")
            .env_remove("HELM_DEBUG")
            // As the recorder ran helm: not the host's zone or locale.
            .env("TZ", "UTC")
            .env("LC_ALL", "C");
        if let Ok(env) = std::fs::read_to_string(dir.join(format!("{name}.env"))) {
            for line in env.lines() {
                if let Some((k, v)) = line.split_once('=') {
                    cmd.env(k, v);
                }
            }
        }
        let out = cmd.output().expect("run chart");
        let want_rc: i32 = std::fs::read_to_string(dir.join(format!("{name}.rc")))
            .ok()
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(0);
        let want_out = normalise(
            &std::fs::read_to_string(dir.join(format!("{name}.out"))).expect("golden"),
            &root,
        );
        let got_out = String::from_utf8_lossy(&out.stdout);
        let got_err = String::from_utf8_lossy(&out.stderr);
        let rc = out.status.code().unwrap_or(-1);
        let mut problems = Vec::new();
        if rc != want_rc {
            problems.push(format!("exit code {rc}, want {want_rc}"));
        }
        if got_out != want_out {
            problems.push(format!("stdout: want {want_out:?}\n got {got_out:?}"));
        }
        let want_err = std::fs::read_to_string(dir.join(format!("{name}.stderr")))
            .map(|s| normalise(&s, &root))
            .unwrap_or_default();
        if got_err != want_err {
            problems.push(format!("stderr: want {want_err:?}\n got {got_err:?}"));
        }
        if !problems.is_empty() {
            failures.push(format!("{name}: {}", problems.join("; ")));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases differ:\n{}",
        failures.len(),
        names.len(),
        failures.join("\n\n")
    );
}
