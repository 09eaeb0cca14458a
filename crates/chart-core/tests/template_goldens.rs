//! Runs every `testdata/**/*.cases` template case through the real engine (chart
//! loading, values, Helm's built-in objects and function table) and compares with the
//! golden recorded from the real helm binary (`scripts/record-goldens.py`): the case is
//! `templates/t.yaml` of a chart named `t`, as the recorder builds it.
//!
//! Cases that do not pass yet are listed in `testdata/known-failures.txt`; the test fails
//! when a case outside that list fails, and when a listed case passes (so the list only
//! shrinks). `UPDATE_KNOWN_FAILURES=1 cargo test --test template_goldens` rewrites this
//! harness's lines of the list (`FILE.cases:CASE`) and keeps the others.
//!
//! Nothing is skipped: every `.cases` file needs its golden, every case its golden entry
//! (and every entry its case), and `testdata/recorded-cases.txt`, which the recorder
//! writes, says how many cases each file had when it was recorded; a file or case that
//! goes missing (deleted, renamed, or not parsed any more) fails the test.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use std::sync::Arc;

use base64::Engine as _;
use chart_core::chart::{self, BufferedFile};
use chart_core::engine::{Capabilities, Engine, ReleaseInfo};
use chart_core::gotmpl::bytestr;
use chart_core::values::{self, ValueOptions};

struct Case {
    name: String,
    values: Option<serde_json::Value>,
    set: Vec<String>,
    files: Vec<(String, String)>,
}

fn parse_cases(text: &str) -> Vec<Case> {
    let mut cases: Vec<Case> = Vec::new();
    let mut lines: Vec<&str> = text.split('\n').collect();
    if lines.last() == Some(&"") {
        lines.pop();
    }
    let mut section: Option<(String, Vec<&str>)> = None;
    fn close(cases: &mut [Case], section: &mut Option<(String, Vec<&str>)>) {
        if let (Some(c), Some((name, body))) = (cases.last_mut(), section.take()) {
            c.files.push((name, body.join("\n")));
        }
    }
    for line in lines {
        if let Some(name) = line.strip_prefix("=== ") {
            close(&mut cases, &mut section);
            cases.push(Case {
                name: name.trim().to_string(),
                values: None,
                set: Vec::new(),
                files: Vec::new(),
            });
            section = Some(("t.yaml".into(), Vec::new()));
            continue;
        }
        let Some(case) = cases.last_mut() else {
            continue;
        };
        let fresh = section.as_ref().is_some_and(|s| s.1.is_empty()) && case.files.is_empty();
        if fresh {
            if let Some(v) = line.strip_prefix("--- values: ") {
                case.values = Some(serde_json::from_str(v).expect("values JSON"));
                continue;
            }
            if let Some(v) = line.strip_prefix("--- set: ") {
                case.set.push(v.to_string());
                continue;
            }
        }
        if let Some(f) = line.strip_prefix("--- file: ") {
            close(&mut cases, &mut section);
            section = Some((f.trim().to_string(), Vec::new()));
            continue;
        }
        if let Some(s) = section.as_mut() {
            s.1.push(line);
        }
    }
    close(&mut cases, &mut section);
    cases
}

/// JSON text as the recorder's Python `json.dumps` writes it: every character outside
/// printable ASCII escaped (`\u007f`, surrogate pairs beyond the BMP).
fn ascii_json(v: &serde_json::Value) -> String {
    let mut out = String::new();
    for c in v.to_string().chars() {
        if (c as u32) < 0x7f {
            out.push(c);
        } else {
            let mut buf = [0u16; 2];
            for unit in c.encode_utf16(&mut buf) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
        }
    }
    out
}

fn run_case(case: &Case) -> Result<String, String> {
    let mut files = vec![
        BufferedFile {
            name: "Chart.yaml".into(),
            data: Arc::from(&b"apiVersion: v2\nname: t\nversion: 0.1.0\n"[..]),
        },
        BufferedFile {
            name: "values.yaml".into(),
            data: Arc::from(
                case.values
                    .as_ref()
                    .map(ascii_json)
                    .unwrap_or_default()
                    .as_bytes(),
            ),
        },
    ];
    for (name, body) in &case.files {
        files.push(BufferedFile {
            name: format!("templates/{name}"),
            data: Arc::from(body.as_bytes()),
        });
    }
    let mut ch = chart::load_files(files).map_err(|e| e.helm_message())?;
    let user = ValueOptions {
        values: case.set.clone(),
        ..ValueOptions::default()
    }
    .merge_values()
    .map_err(|e| e.to_string())?;
    let ops = chart::dependencies::HelmValuesOps::default();
    chart::process_dependencies(&mut ch, &user, &ops, true).map_err(|e| e.helm_message())?;
    let vals = values::render_values(&ch, &user, false).map_err(|e| e.to_string())?;
    let release = ReleaseInfo {
        name: "r".into(),
        namespace: "default".into(),
        revision: 1,
        is_install: true,
        is_upgrade: false,
    };
    let out = Engine::default()
        .render(&ch, &vals.values, &release, &Capabilities::default())
        .map_err(|e| e.to_string())?;
    Ok(out.get("t/templates/t.yaml").cloned().unwrap_or_default())
}

fn find_cases(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            find_cases(&p, out);
        } else if p.extension().is_some_and(|e| e == "cases") {
            out.push(p);
        }
    }
}

/// `testdata/recorded-cases.txt`: `.cases` path (relative to testdata/) -> case count.
fn recorded_counts(root: &Path) -> BTreeMap<String, usize> {
    let path = root.join("recorded-cases.txt");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (scripts/record-goldens.py writes it)",
            path.display()
        )
    });
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (p, n) = l.trim().rsplit_once(' ').expect("PATH COUNT");
            (p.to_string(), n.parse().expect("count"))
        })
        .collect()
}

/// Whether a line of known-failures.txt belongs to this harness (`FILE.cases:CASE`); the
/// others (`template/CASE`) are chart-cli's.
fn is_cases_id(id: &str) -> bool {
    id.contains(".cases:")
}

#[test]
fn goldens_match_helm() {
    // The goldens were recorded with TZ=UTC, and Sprig's date functions print in Go's
    // time.Local. Pin it in the library (gotmpl's pin_local_zone) rather than setting TZ:
    // an environment write races with any other thread of the test binary reading the
    // environment (undefined behaviour in libc), and comes too late if a date function
    // already ran and cached the zone; the pin cannot be overridden, and it fails loudly
    // if the zone was already decided otherwise.
    gotime::pin_local_zone("UTC").expect("pin time.Local");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata");
    let mut files = Vec::new();
    find_cases(&root, &mut files);
    let recorded = recorded_counts(&root);
    let known_path = root.join("known-failures.txt");
    let known_text = std::fs::read_to_string(&known_path).unwrap_or_default();
    let listed: Vec<String> = known_text
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| l.trim().to_string())
        .collect();
    let known: BTreeSet<String> = listed.iter().filter(|l| is_cases_id(l)).cloned().collect();
    let mut failing = BTreeSet::new();
    let mut report = Vec::new();
    let mut missing = Vec::new();
    let (mut total, mut passed) = (0, 0);
    let mut seen = BTreeSet::new();
    for f in &files {
        let rel = f
            .strip_prefix(&root)
            .unwrap_or(f)
            .to_string_lossy()
            .replace('\\', "/");
        seen.insert(rel.clone());
        let golden_path = f.with_extension("golden.json");
        let golden: serde_json::Map<String, serde_json::Value> =
            match std::fs::read_to_string(&golden_path) {
                Ok(t) => serde_json::from_str(&t).expect("golden json"),
                Err(e) => {
                    missing.push(format!("{}: {e}", golden_path.display()));
                    continue;
                }
            };
        let text = std::fs::read_to_string(f).expect("cases");
        let cases = parse_cases(&text);
        match recorded.get(&rel) {
            None => missing.push(format!(
                "{rel}: not in recorded-cases.txt (record it with scripts/record-goldens.py)"
            )),
            Some(&n) if n != cases.len() || n != golden.len() => missing.push(format!(
                "{rel}: {} cases and {} golden entries, {n} recorded (re-record it)",
                cases.len(),
                golden.len()
            )),
            Some(_) => {}
        }
        let names: BTreeSet<&str> = cases.iter().map(|c| c.name.as_str()).collect();
        for name in golden.keys().filter(|k| !names.contains(k.as_str())) {
            missing.push(format!(
                "{rel}: golden entry {name} has no case (re-record it)"
            ));
        }
        for case in cases {
            let id = format!("{rel}:{}", case.name);
            let Some(g) = golden.get(&case.name) else {
                missing.push(format!("{id}: no golden entry (re-record it)"));
                continue;
            };
            total += 1;
            let got = std::panic::catch_unwind(|| run_case(&case))
                .unwrap_or_else(|_| Err("PANIC".to_string()));
            let ok = match (&got, g.get("out"), g.get("err")) {
                (Ok(s), Some(want), _) => want.as_str() == Some(s.as_str()),
                // Output that is not UTF-8: compare the Go bytes.
                (Ok(s), None, None) => g.get("out_b64").and_then(|w| w.as_str()).is_some_and(|w| {
                    base64::engine::general_purpose::STANDARD.encode(bytestr::to_go_bytes(s)) == w
                }),
                (Err(e), _, Some(want)) => want.as_str() == Some(e.as_str()),
                _ => false,
            };
            if ok {
                passed += 1;
            } else {
                failing.insert(id.clone());
                if !known.contains(&id) {
                    report.push(format!("{id}\n  want: {g}\n  got:  {got:?}"));
                }
            }
        }
    }
    for rel in recorded.keys().filter(|r| !seen.contains(*r)) {
        missing.push(format!(
            "{rel}: listed in recorded-cases.txt but not found (a deleted case file)"
        ));
    }
    let want_total: usize = recorded.values().sum();
    println!("goldens: {passed} of {total} cases pass ({want_total} recorded)");
    assert!(
        missing.is_empty() && total >= want_total,
        "golden cases missing ({total} checked, {want_total} recorded):\n{}",
        missing.join("\n")
    );
    if std::env::var("UPDATE_KNOWN_FAILURES").is_ok() {
        let mut s = String::new();
        for line in known_text.lines().take_while(|l| l.starts_with('#')) {
            s.push_str(line);
            s.push('\n');
        }
        for id in failing
            .iter()
            .chain(listed.iter().filter(|l| !is_cases_id(l)))
        {
            s.push_str(id);
            s.push('\n');
        }
        std::fs::write(&known_path, s).expect("write known failures");
        return;
    }
    let fixed: Vec<&String> = known.iter().filter(|k| !failing.contains(*k)).collect();
    assert!(
        report.is_empty() && fixed.is_empty(),
        "{} unexpected failures:\n{}\n\n{} listed failures now pass (remove them from known-failures.txt):\n{:?}",
        report.len(),
        report.join("\n"),
        fixed.len(),
        fixed
    );
}
