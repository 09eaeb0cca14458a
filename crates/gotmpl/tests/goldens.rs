//! Runs every `testdata/**/*.cases` template case through gotmpl with Helm's function
//! table and compares with the golden recorded from the real helm binary
//! (`scripts/record-goldens.py`).
//!
//! Cases that do not pass yet are listed in `testdata/known-failures.txt`; the test fails
//! when a case outside that list fails, and when a listed case passes (so the list only
//! shrinks). `UPDATE_KNOWN_FAILURES=1 cargo test --test goldens` rewrites the list.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use gotmpl::{Error, ErrorKind, MissingKey, Options, Template, Value};

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

/// A minimal `--set` for the harness: `a.b=v` with ints as int64, true/false, null.
fn apply_set(values: &Value, expr: &str) {
    let Value::Map(root) = values else { return };
    for part in expr.split(',') {
        let Some((k, v)) = part.split_once('=') else {
            continue;
        };
        let val = if let Ok(i) = v.parse::<i64>() {
            Value::int64(i)
        } else if v == "true" || v == "false" {
            Value::Bool(v == "true")
        } else if v == "null" {
            Value::Nil
        } else {
            Value::str(v)
        };
        let keys: Vec<&str> = k.split('.').collect();
        let mut cur = root.clone();
        for (i, key) in keys.iter().enumerate() {
            if i + 1 == keys.len() {
                cur.write().insert(key.to_string(), val.clone());
            } else {
                let next = match cur.get(key) {
                    Some(Value::Map(m)) => m,
                    _ => {
                        let m = gotmpl::MapRef::new(Default::default());
                        cur.write().insert(key.to_string(), Value::Map(m.clone()));
                        m
                    }
                };
                cur = next;
            }
        }
    }
}

/// Helm's file order: deeper paths first, then reverse lexical order.
fn helm_order(names: &mut [String]) {
    names.sort_by(|a, b| {
        let da = a.matches('/').count();
        let db = b.matches('/').count();
        db.cmp(&da).then_with(|| b.cmp(a))
    });
}

/// Helm's rewriting of template errors (pkg/engine/engine.go).
fn helm_error(e: &Error) -> String {
    match e.kind() {
        ErrorKind::Parse => {
            let full = e.to_string();
            let last = full.rsplit(": ").next().unwrap_or_default();
            format!("parse error at ({}:{}): {}", e.name(), e.line(), last)
        }
        ErrorKind::Exec => match e.fail_message() {
            Some(m) => format!(
                "execution error at ({}:{}:{}): {}",
                e.name(),
                e.line(),
                e.col(),
                m
            ),
            None => e.to_string(),
        },
        _ => e.to_string(),
    }
}

fn run_case(case: &Case) -> Result<String, String> {
    let mut t = Template::new(gotmpl::funcs::helm_funcs());
    t.set_options(Options {
        missing_key: MissingKey::Zero,
        ..Options::default()
    });
    let values = match &case.values {
        Some(j) => Value::from_json(j),
        None => Value::empty_map(),
    };
    for s in &case.set {
        apply_set(&values, s);
    }
    let mut names: Vec<String> = case
        .files
        .iter()
        .map(|(n, _)| format!("t/templates/{n}"))
        .collect();
    helm_order(&mut names);
    let by_name: BTreeMap<String, &str> = case
        .files
        .iter()
        .map(|(n, b)| (format!("t/templates/{n}"), b.as_str()))
        .collect();
    for n in &names {
        t.parse(n, by_name[n]).map_err(|e| helm_error(&e))?;
    }
    let mut out = String::new();
    for n in &names {
        let base = n.rsplit('/').next().unwrap_or_default();
        if base.starts_with('_') {
            continue;
        }
        let mut data = gotmpl::Map::new();
        data.insert("Values".into(), values.clone());
        let mut rel = gotmpl::Map::new();
        rel.insert("Name".into(), Value::str("r"));
        rel.insert("Namespace".into(), Value::str("default"));
        rel.insert("Service".into(), Value::str("Helm"));
        rel.insert("IsInstall".into(), Value::Bool(true));
        rel.insert("IsUpgrade".into(), Value::Bool(false));
        rel.insert("Revision".into(), Value::int(1));
        data.insert("Release".into(), Value::map(rel));
        let mut tm = gotmpl::Map::new();
        tm.insert("Name".into(), Value::str(n));
        tm.insert("BasePath".into(), Value::str("t/templates"));
        data.insert("Template".into(), Value::map(tm));
        let s = t
            .execute(n, &Value::map(data))
            .map_err(|e| helm_error(&e))?;
        if n == "t/templates/t.yaml" {
            out = s.replace("<no value>", "");
        }
    }
    Ok(out)
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
