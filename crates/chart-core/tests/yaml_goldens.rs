//! Checks testdata/gotmpl/yaml.cases against the goldens recorded with helm, for the cases
//! whose template is one pipeline over a string literal or `.Values`
//! (`{{ fromYaml "…" | toJson }}`, `{{ "…" | fromYaml | toYaml }}`, `{{ .Values | toToml }}`),
//! by calling the functions directly (no template executor needed).

use std::collections::BTreeMap;
use std::path::PathBuf;

use gotmpl::{FuncMap, Value};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

struct Case {
    name: String,
    values: Option<String>,
    template: String,
}

fn parse_cases(text: &str) -> Vec<Case> {
    let mut out: Vec<Case> = Vec::new();
    for line in text.lines() {
        if let Some(name) = line.strip_prefix("=== ") {
            out.push(Case {
                name: name.trim().to_string(),
                values: None,
                template: String::new(),
            });
            continue;
        }
        let Some(c) = out.last_mut() else { continue };
        if let Some(v) = line.strip_prefix("--- values: ") {
            c.values = Some(v.to_string());
        } else {
            if !c.template.is_empty() {
                c.template.push('\n');
            }
            c.template.push_str(line);
        }
    }
    out
}

/// Go's interpreted string literal (the escapes the cases use); returns the rest too.
fn unquote(s: &str) -> Option<(String, &str)> {
    let body = s.strip_prefix('"')?;
    let mut chars = body.char_indices();
    let mut out = String::new();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Some((out, body.get(i + 1..)?)),
            '\\' => {
                let (_, e) = chars.next()?;
                match e {
                    'n' => out.push('\n'),
                    't' => out.push('\t'),
                    'r' => out.push('\r'),
                    '"' => out.push('"'),
                    '\\' => out.push('\\'),
                    'x' => {
                        let h: String = (0..2).filter_map(|_| chars.next().map(|p| p.1)).collect();
                        out.push(char::from_u32(u32::from_str_radix(&h, 16).ok()?)?);
                    }
                    _ => return None,
                }
            }
            c => out.push(c),
        }
    }
    None
}

/// Evaluates `{{ HEAD | f | g }}`, or `None` when the template has another shape.
fn eval(funcs: &FuncMap, template: &str, values: &Value) -> Option<String> {
    let inner = template.strip_prefix("{{ ")?.strip_suffix(" }}")?;
    let (mut v, mut rest) = if let Some(r) = inner.strip_prefix(".Values") {
        (values.clone(), r)
    } else if inner.starts_with('"') {
        let (s, r) = unquote(inner)?;
        (Value::str(s), r)
    } else {
        let (f, r) = inner.split_once(' ')?;
        let (s, r) = unquote(r)?;
        (funcs.call(f, &[Value::str(s)]).ok()?, r)
    };
    while !rest.is_empty() {
        let r = rest.strip_prefix(" | ")?;
        let (f, r2) = match r.find(' ') {
            Some(i) => (&r[..i], &r[i..]),
            None => (r, ""),
        };
        v = funcs.call(f, &[v]).ok()?;
        rest = r2;
    }
    match v {
        Value::Str(s) => Some(s.to_string()),
        _ => None,
    }
}

/// Cases known to differ, with the reason. Keep this list short and honest.
const KNOWN_DEVIATIONS: &[(&str, &str)] = &[];

#[test]
fn yaml_goldens() {
    let cases_text = std::fs::read_to_string(root().join("testdata/gotmpl/yaml.cases"))
        .expect("yaml.cases is readable");
    let golden_text = std::fs::read_to_string(root().join("testdata/gotmpl/yaml.golden.json"))
        .expect("yaml.golden.json is readable");
    let golden: BTreeMap<String, serde_json::Value> =
        serde_json::from_str(&golden_text).expect("golden is JSON");
    let mut funcs = FuncMap::new();
    chart_core::engine::funcs::data::register(&mut funcs);

    let mut checked = 0;
    let mut failures = Vec::new();
    for c in parse_cases(&cases_text) {
        let Some(g) = golden.get(&c.name) else {
            failures.push(format!("{}: no golden", c.name));
            continue;
        };
        let values = match &c.values {
            None => Value::empty_map(),
            Some(text) => match goyaml::from_yaml_map(text) {
                Ok(m) => Value::map(m),
                Err(e) => {
                    // helm failed to load the values: the golden holds that error.
                    let want = g.get("err").and_then(|e| e.as_str()).unwrap_or("");
                    if want != format!("cannot load values.yaml: {e}") {
                        failures.push(format!("{}: values error {e:?}, helm: {want:?}", c.name));
                    }
                    checked += 1;
                    continue;
                }
            },
        };
        let Some(want) = g.get("out").and_then(|o| o.as_str()) else {
            continue;
        };
        let Some(got) = eval(&funcs, &c.template, &values) else {
            continue;
        };
        checked += 1;
        if KNOWN_DEVIATIONS.iter().any(|(n, _)| *n == c.name) {
            assert_ne!(
                got, want,
                "{} is listed as a deviation but now matches",
                c.name
            );
            continue;
        }
        if got != want {
            failures.push(format!(
                "{}: {}\n   got: {got:?}\n  want: {want:?}",
                c.name, c.template
            ));
        }
    }
    assert!(checked >= 150, "only {checked} cases checked");
    assert!(
        failures.is_empty(),
        "{} of {checked} cases differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
