//! Replays every `testdata/lint/goldens/NAME.args` command line (recorded from the real
//! helm 3.17.3 by `scripts/record-lint-goldens.sh`) against the `chart` binary and
//! compares stdout, stderr and the exit status. The repository root, which helm prints
//! in some messages, is written `$ROOT` in the goldens.

mod common;
use common::repo_root;
use std::path::Path;
use std::process::Command;

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_default()
}

#[test]
fn lint_goldens_match_helm() {
    let root = repo_root();
    let dir = root.join("testdata/lint/goldens");
    let names = common::case_names(&dir, 40);
    common::assert_no_orphans(&dir, &names, &["out", "err", "rc"], &[]);
    let root_text = root.display().to_string();
    let mut failures = Vec::new();
    for name in &names {
        let args_text = read(&dir.join(format!("{name}.args")));
        let args: Vec<&str> = args_text.lines().collect();
        let out = Command::new(env!("CARGO_BIN_EXE_chart"))
            .args(&args)
            .current_dir(&root)
            .env_remove("HELM_NAMESPACE")
            // As the recorder ran helm: not the host's zone or locale.
            .env("TZ", "UTC")
            .env("LC_ALL", "C")
            .output()
            .expect("run chart");
        let got_out = String::from_utf8_lossy(&out.stdout).replace(&root_text, "$ROOT");
        let got_err = String::from_utf8_lossy(&out.stderr).replace(&root_text, "$ROOT");
        let rc = out.status.code().unwrap_or(-1);
        let want_rc: i32 = read(&dir.join(format!("{name}.rc")))
            .trim()
            .parse()
            .unwrap_or(0);
        let want_out = read(&dir.join(format!("{name}.out")));
        let want_err = read(&dir.join(format!("{name}.err")));
        let mut problems = Vec::new();
        if rc != want_rc {
            problems.push(format!("exit code {rc}, want {want_rc}"));
        }
        if got_out != want_out {
            problems.push(format!("stdout:\n--- want\n{want_out}--- got\n{got_out}"));
        }
        if got_err != want_err {
            problems.push(format!("stderr:\n--- want\n{want_err}--- got\n{got_err}"));
        }
        if !problems.is_empty() {
            failures.push(format!("{name}: {}", problems.join("\n")));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} lint goldens differ:\n{}",
        failures.len(),
        names.len(),
        failures.join("\n\n")
    );
}
