//! Replays every `testdata/shop/NAME.args` command line against the `chart` binary and
//! compares stdout, stderr and the exit code with what the real helm 3.17.3 printed
//! (`scripts/record-shop-goldens.sh`, which records stderr for every case, empty or not;
//! NAME.rc only when not 0). A missing stdout or stderr golden fails the case, and a file
//! that belongs to no case (e.g. the outputs of a case whose `.args` was deleted) fails
//! the test. Commands the binary does not have yet are listed in `PENDING` and checked to
//! still be missing, so the list stays honest.

mod common;
use common::repo_root;
use std::process::Command;

/// Golden cases for commands that are not implemented yet.
const PENDING: &[&str] = &[];

#[test]
fn shop_goldens_match_helm() {
    let root = repo_root();
    let dir = root.join("testdata/shop");
    let names = common::case_names(&dir, 10);
    let mut failures = Vec::new();
    // The README and a values file the cases use are inputs, not goldens.
    common::assert_no_orphans(
        &dir,
        &names,
        &["yaml", "txt", "stderr", "rc"],
        &["README.md", "values-prod.yaml"],
    );
    for name in &names {
        let args_text = std::fs::read_to_string(dir.join(format!("{name}.args"))).expect("args");
        let args: Vec<&str> = args_text.lines().filter(|l| !l.is_empty()).collect();
        let out = Command::new(env!("CARGO_BIN_EXE_chart"))
            .args(&args)
            .current_dir(&root)
            .env_remove("HELM_NAMESPACE")
            .env_remove("HELM_DEBUG")
            // As the recorder ran helm: not the host's zone or locale.
            .env("TZ", "UTC")
            .env("LC_ALL", "C")
            .output()
            .expect("run chart");
        let want_rc: i32 = std::fs::read_to_string(dir.join(format!("{name}.rc")))
            .ok()
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(0);
        let stdout_file = ["yaml", "txt"]
            .iter()
            .map(|ext| dir.join(format!("{name}.{ext}")))
            .find(|p| p.exists());
        let Some(stdout_file) = stdout_file else {
            failures.push(format!(
                "{name}: no stdout golden ({name}.yaml or {name}.txt)"
            ));
            continue;
        };
        let want_out = std::fs::read_to_string(stdout_file).expect("golden");
        let got_out = String::from_utf8_lossy(&out.stdout);
        let got_err = String::from_utf8_lossy(&out.stderr);
        let rc = out.status.code().unwrap_or(-1);
        if PENDING.contains(&name.as_str()) {
            assert_ne!(rc, 0, "{name} now runs: remove it from PENDING");
            continue;
        }
        let mut problems = Vec::new();
        if rc != want_rc {
            problems.push(format!("exit code {rc}, want {want_rc}"));
        }
        if got_out != want_out {
            problems.push(format!(
                "stdout differs:\n{}",
                first_diff(&want_out, &got_out)
            ));
        }
        match std::fs::read_to_string(dir.join(format!("{name}.stderr"))) {
            Ok(want_err) if got_err != want_err => {
                problems.push(format!("stderr: want {want_err:?}\n got {got_err:?}"));
            }
            Ok(_) => {}
            Err(e) => problems.push(format!("{name}.stderr: {e}")),
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
