//! Golden tests for values handling against recordings of the real helm
//! (testdata/values/*.golden.json, written by scripts/record-values-goldens.sh).

use std::path::{Path, PathBuf};

use chart_core::values::{
    coalesce_values, options::FsReader, read_values, validate_against_schema, ValueOptions,
    ValuesNode,
};
use gotmpl::Value;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/values")
}

/// Loads a scratch chart's values tree: values.yaml (JSON text), values.schema.json, and
/// every directory under charts/ as a subchart named after the directory.
fn load(dir: &Path, name: &str) -> ValuesNode {
    let values = match std::fs::read_to_string(dir.join("values.yaml")) {
        Ok(t) => read_values(&t).unwrap_or_else(|e| panic!("{}: {e}", dir.display())),
        Err(_) => Value::Nil,
    };
    let mut node = ValuesNode::new(name, values);
    node.schema = std::fs::read(dir.join("values.schema.json")).ok();
    if let Ok(rd) = std::fs::read_dir(dir.join("charts")) {
        let mut subs: Vec<_> = rd.filter_map(|e| e.ok()).map(|e| e.path()).collect();
        subs.sort();
        for s in subs {
            let n = s
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or("")
                .to_string();
            node.children.push(load(&s, &n));
        }
    }
    node
}

/// The dump the scratch templates print: `{"k":TYPE=JSON,...}` with trailing commas.
fn dump(v: &Value, out: &mut String) {
    match v {
        Value::Map(m) => {
            out.push('{');
            for (k, x) in m.snapshot() {
                out.push_str(&chart_core::values::to_json(&Value::str(&k)));
                out.push(':');
                dump(&x, out);
                out.push(',');
            }
            out.push('}');
        }
        Value::List(l) => {
            out.push('[');
            for x in l.iter() {
                dump(x, out);
                out.push(',');
            }
            out.push(']');
        }
        other => {
            out.push_str(&other.type_name());
            out.push('=');
            out.push_str(&chart_core::values::to_json(other));
        }
    }
}

struct Outcome {
    out: Option<String>,
    err: Option<String>,
    warnings: Vec<String>,
}

fn failed(err: String, warnings: Vec<String>) -> Outcome {
    Outcome {
        out: None,
        err: Some(err),
        warnings,
    }
}

fn run_case(chart: &str, args: &[String]) -> Outcome {
    let mut o = ValueOptions::default();
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let val = it.next().cloned().unwrap_or_default();
        match flag.as_str() {
            "-f" | "--values" => o.value_files.push(val),
            "--set" => o.values.push(val),
            "--set-string" => o.string_values.push(val),
            "--set-json" => o.json_values.push(val),
            "--set-file" => o.file_values.push(val),
            "--set-literal" => o.literal_values.push(val),
            f => panic!("unknown flag {f}"),
        }
    }
    let mut reader = FsReader { base: Some(root()) };
    let user = match o.merge_values_with(&mut reader) {
        Ok(u) => u,
        Err(e) => return failed(e.to_string(), vec![]),
    };
    let tree = load(&root().join("charts").join(chart), chart);
    let c = match coalesce_values(&tree, &user) {
        Ok(c) => c,
        Err(e) => return failed(e.to_string(), vec![]),
    };
    let mut warnings: Vec<String> = c.warnings.iter().map(|w| w.to_string()).collect();
    warnings.sort();
    warnings.dedup();
    if let Err(e) = validate_against_schema(&tree, &c.values) {
        return failed(e.to_string().trim_end().to_string(), warnings);
    }
    let mut s = String::new();
    dump(&c.values, &mut s);
    Outcome {
        out: Some(s),
        err: None,
        warnings,
    }
}

/// Sorts the `- field: message` lines within each chart block of a schema error.
fn sorted_blocks(e: &str) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut block: Vec<&str> = Vec::new();
    for line in e.lines() {
        if line.starts_with("- ") {
            block.push(line);
        } else {
            block.sort();
            out.extend(block.drain(..).map(str::to_string));
            out.push(line.to_string());
        }
    }
    block.sort();
    out.extend(block.drain(..).map(str::to_string));
    out.join("\n")
}

fn check(file: &str) {
    let sort_schema_lines = file.starts_with("schema");
    let golden = root().join(file);
    let text = std::fs::read_to_string(&golden).unwrap_or_else(|e| panic!("{file}: {e}"));
    let recs: serde_json::Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}"));
    let cases_path = root().join(file.replace(".golden.json", ".cases.jsonl"));
    let cases_text = std::fs::read_to_string(cases_path).unwrap_or_default();
    let cases: Vec<Vec<String>> = cases_text
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l}: {e}")))
        .collect();
    let recs = recs.as_array().cloned().unwrap_or_default();
    assert_eq!(recs.len(), cases.len(), "{file}: re-record the goldens");
    let mut failures = Vec::new();
    for (case, rec) in cases.iter().zip(recs.iter()) {
        let name = &case[0];
        assert_eq!(rec["name"].as_str(), Some(name.as_str()));
        let got = run_case(&case[1], &case[2..]);
        let want_out = rec["out"].as_str().map(str::to_string);
        let want_err = rec["err"].as_str().map(str::to_string);
        // gojsonschema reports in Go map order (random): compare schema errors as sets
        // of lines, each chart block kept whole.
        let (want_err, got_err) = if sort_schema_lines {
            (
                want_err.map(|e| sorted_blocks(&e)),
                got.err.clone().map(|e| sorted_blocks(&e)),
            )
        } else {
            (want_err, got.err.clone())
        };
        let want_w: Vec<String> = rec["warnings"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        if got.out != want_out || got_err != want_err || got.warnings != want_w {
            failures.push(format!(
                "case {name}:\n  want out={want_out:?}\n   got out={:?}\n  want err={want_err:?}\n   got err={:?}\n  want warnings={want_w:?}\n   got warnings={:?}",
                got.out, got.err, got.warnings
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases differ:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn set_grammar_matches_helm() {
    check("set.golden.json");
}

#[test]
fn coalescing_matches_helm() {
    check("coalesce.golden.json");
}

#[test]
fn schema_validation_matches_helm() {
    check("schema.golden.json");
}
