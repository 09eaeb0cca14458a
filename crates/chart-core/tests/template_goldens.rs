//! Runs every `testdata/**/*.cases` template case through the real engine (chart
//! loading, values, Helm's built-in objects and function table) and compares with the
//! golden recorded from the real helm binary (`scripts/record-goldens.py`): the case is
//! `templates/t.yaml` of a chart named `t`, as the recorder builds it.
//!
//! Cases that do not pass yet are listed in `testdata/known-failures.txt`; the test fails
//! when a case outside that list fails, and when a listed case passes (so the list only
//! shrinks). `UPDATE_KNOWN_FAILURES=1 cargo test --test goldens` rewrites the list.

use std::collections::BTreeSet;
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

#[test]
fn goldens_match_helm() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata");
    let mut files = Vec::new();
    find_cases(&root, &mut files);
    let known_path = root.join("known-failures.txt");
    let known: BTreeSet<String> = std::fs::read_to_string(&known_path)
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| l.trim().to_string())
        .collect();
    let mut failing = BTreeSet::new();
    let mut report = Vec::new();
    let (mut total, mut passed) = (0, 0);
    for f in &files {
        let golden_path = f.with_extension("golden.json");
        let Ok(gtext) = std::fs::read_to_string(&golden_path) else {
            continue;
        };
        let golden: serde_json::Value = serde_json::from_str(&gtext).expect("golden json");
        let text = std::fs::read_to_string(f).expect("cases");
        let rel = f.strip_prefix(&root).unwrap_or(f).display().to_string();
        for case in parse_cases(&text) {
            let Some(g) = golden.get(&case.name) else {
                continue;
            };
            total += 1;
            let id = format!("{rel}:{}", case.name);
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
    println!("goldens: {passed} of {total} cases pass");
    if std::env::var("UPDATE_KNOWN_FAILURES").is_ok() {
        let mut s = String::from(
            "# Golden cases that do not pass yet (rewritten by UPDATE_KNOWN_FAILURES=1)\n",
        );
        for id in &failing {
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
