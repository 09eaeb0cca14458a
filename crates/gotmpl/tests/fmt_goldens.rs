//! Checks `gotmpl::fmt` against the helm-recorded goldens in testdata/gotmpl/fmt.cases,
//! without the template executor: a small evaluator handles the cases whose actions are
//! `printf`/`print`/`println` (or a bare `.Values.x`) over literal arguments, `.Values`
//! paths, `--set` integers and the helpers `list`, `dict` and `float64`, converting
//! arguments as Go's text/template does (int literal → int, float literal → float64,
//! values-file numbers → float64, `--set` integers → int64). Other cases are skipped; the
//! executor's golden harness runs all of them.

use gotmpl::fmt::{format_v, sprint, sprintf, sprintln};
use gotmpl::{Map, Value};
use std::path::PathBuf;

struct Case {
    name: String,
    values: Option<serde_json::Value>,
    sets: Vec<String>,
    files: Vec<(String, String)>,
}

fn parse_cases(text: &str) -> Vec<Case> {
    let mut cases: Vec<Case> = Vec::new();
    let mut section: Option<(String, Vec<String>)> = None;
    let mut lines: Vec<&str> = text.split('\n').collect();
    if lines.last() == Some(&"") {
        lines.pop();
    }
    fn close(cases: &mut [Case], section: &mut Option<(String, Vec<String>)>) {
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
                sets: vec![],
                files: vec![],
            });
            section = Some(("t.yaml".into(), vec![]));
            continue;
        }
        let Some(case) = cases.last_mut() else {
            continue;
        };
        let at_start = section.as_ref().is_some_and(|s| s.1.is_empty()) && case.files.is_empty();
        if at_start {
            if let Some(v) = line.strip_prefix("--- values: ") {
                case.values = Some(serde_json::from_str(v).expect("values JSON"));
                continue;
            }
            if let Some(s) = line.strip_prefix("--- set: ") {
                case.sets.push(s.to_string());
                continue;
            }
        }
        if let Some(f) = line.strip_prefix("--- file: ") {
            close(&mut cases, &mut section);
            section = Some((f.trim().to_string(), vec![]));
            continue;
        }
        if let Some(s) = section.as_mut() {
            s.1.push(line.to_string());
        }
    }
    close(&mut cases, &mut section);
    cases
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Open,
    Close,
    Word(String),
    Str(String),
    Char(char),
}

/// Decodes one Go escape sequence after the backslash; returns the char and the rest.
fn unescape(s: &str) -> Option<(char, &str)> {
    let mut it = s.chars();
    let c = it.next()?;
    let hex = |n: usize| -> Option<(char, &str)> {
        let h = s.get(1..1 + n)?;
        let v = u32::from_str_radix(h, 16).ok()?;
        Some((char::from_u32(v)?, s.get(1 + n..)?))
    };
    let simple = match c {
        'a' => '\x07',
        'b' => '\x08',
        'f' => '\x0c',
        'n' => '\n',
        'r' => '\r',
        't' => '\t',
        'v' => '\x0b',
        '\\' | '"' | '\'' => c,
        'x' => return hex(2).filter(|(c, _)| c.is_ascii()),
        'u' => return hex(4),
        'U' => return hex(8),
        '0'..='7' => {
            let o = s.get(0..3)?;
            let v = u32::from_str_radix(o, 8).ok()?;
            return Some((char::from_u32(v).filter(char::is_ascii)?, s.get(3..)?));
        }
        _ => return None,
    };
    Some((simple, it.as_str()))
}

fn tokenize(mut s: &str) -> Option<Vec<Tok>> {
    let mut toks = Vec::new();
    loop {
        s = s.trim_start();
        let Some(c) = s.chars().next() else {
            return Some(toks);
        };
        match c {
            '(' => {
                toks.push(Tok::Open);
                s = &s[1..];
            }
            ')' => {
                toks.push(Tok::Close);
                s = &s[1..];
            }
            '"' => {
                let mut out = String::new();
                let mut rest = &s[1..];
                loop {
                    let c = rest.chars().next()?;
                    rest = &rest[c.len_utf8()..];
                    match c {
                        '"' => break,
                        '\\' => {
                            let (e, r) = unescape(rest)?;
                            out.push(e);
                            rest = r;
                        }
                        _ => out.push(c),
                    }
                }
                toks.push(Tok::Str(out));
                s = rest;
            }
            '`' => {
                let end = s[1..].find('`')?;
                toks.push(Tok::Str(s[1..1 + end].to_string()));
                s = &s[end + 2..];
            }
            '\'' => {
                let rest = &s[1..];
                let (ch, rest) = if let Some(r) = rest.strip_prefix('\\') {
                    unescape(r)?
                } else {
                    let c = rest.chars().next()?;
                    (c, &rest[c.len_utf8()..])
                };
                s = rest.strip_prefix('\'')?;
                toks.push(Tok::Char(ch));
            }
            _ => {
                let end = s
                    .find(|c: char| c.is_whitespace() || c == '(' || c == ')')
                    .unwrap_or(s.len());
                toks.push(Tok::Word(s[..end].to_string()));
                s = &s[end..];
            }
        }
    }
}

fn parse_int(t: &str) -> Option<i64> {
    let (neg, body) = match t.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let body = body.replace('_', "");
    let lower = body.to_ascii_lowercase();
    let v = if let Some(h) = lower.strip_prefix("0x") {
        i64::from_str_radix(h, 16).ok()?
    } else if let Some(b) = lower.strip_prefix("0b") {
        i64::from_str_radix(b, 2).ok()?
    } else if let Some(o) = lower.strip_prefix("0o") {
        i64::from_str_radix(o, 8).ok()?
    } else if lower.len() > 1 && lower.starts_with('0') {
        i64::from_str_radix(&lower[1..], 8).ok()?
    } else {
        lower.parse().ok()?
    };
    Some(if neg { -v } else { v })
}

fn parse_float(t: &str) -> Option<f64> {
    let clean = t.replace('_', "");
    let (neg, body) = match clean.strip_prefix('-') {
        Some(b) => (true, b.to_string()),
        None => (false, clean.trim_start_matches('+').to_string()),
    };
    let lower = body.to_ascii_lowercase();
    let v = if let Some(h) = lower.strip_prefix("0x") {
        let (m, e) = h.split_once('p')?;
        let (ip, fp) = m.split_once('.').unwrap_or((m, ""));
        let mut v = 0f64;
        for c in ip.chars().chain(fp.chars()) {
            v = v * 16.0 + f64::from(c.to_digit(16)?);
        }
        let e: i32 = e.parse().ok()?;
        v * 2f64.powi(e - 4 * fp.len() as i32)
    } else {
        lower.parse().ok()?
    };
    Some(if neg { -v } else { v })
}

fn number(t: &str) -> Option<Value> {
    let unsigned = t.trim_start_matches(['-', '+']);
    let is_hex = unsigned.starts_with("0x") || unsigned.starts_with("0X");
    let floaty = if is_hex {
        t.contains(['p', 'P'])
    } else {
        t.contains(['.', 'e', 'E', 'p', 'P'])
    };
    if floaty {
        parse_float(t).map(Value::Float)
    } else {
        parse_int(t).map(Value::int)
    }
}

struct Env {
    values: Value,
}

impl Env {
    fn field(&self, path: &str) -> Option<Value> {
        let rest = path.strip_prefix(".Values")?;
        let mut v = self.values.clone();
        for key in rest.split('.').filter(|k| !k.is_empty()) {
            v = match &v {
                Value::Map(m) => m.get(key).unwrap_or(Value::Nil),
                Value::Nil => Value::Nil,
                _ => return None,
            };
        }
        Some(v)
    }

    /// One operand starting at toks[*i].
    fn operand(&self, toks: &[Tok], i: &mut usize) -> Option<Value> {
        let t = toks.get(*i)?.clone();
        *i += 1;
        match t {
            Tok::Str(s) => Some(Value::str(s)),
            Tok::Char(c) => Some(Value::int(i64::from(u32::from(c)))),
            Tok::Close => None,
            Tok::Open => {
                let mut args = Vec::new();
                let name = match toks.get(*i)? {
                    Tok::Word(w) => w.clone(),
                    _ => return None,
                };
                *i += 1;
                while toks.get(*i)? != &Tok::Close {
                    args.push(self.operand(toks, i)?);
                }
                *i += 1;
                self.call(&name, &args)
            }
            Tok::Word(w) => match w.as_str() {
                "nil" => Some(Value::Nil),
                "true" => Some(Value::Bool(true)),
                "false" => Some(Value::Bool(false)),
                _ if w.starts_with(".Values") => self.field(&w),
                _ => number(&w),
            },
        }
    }

    fn call(&self, name: &str, args: &[Value]) -> Option<Value> {
        match name {
            "list" => Some(Value::list(args.to_vec())),
            "dict" => {
                let mut m = Map::new();
                for pair in args.chunks(2) {
                    let k = pair.first()?.as_str()?.to_string();
                    m.insert(k, pair.get(1).cloned().unwrap_or(Value::Nil));
                }
                Some(Value::map(m))
            }
            "float64" => {
                let s = args.first()?.as_str()?;
                Some(Value::Float(s.parse().ok()?))
            }
            _ => None,
        }
    }

    /// Evaluates one action; `None` when it is outside what this test understands.
    fn action(&self, text: &str) -> Option<String> {
        let toks = tokenize(text)?;
        let mut i = 0;
        match toks.first()? {
            Tok::Word(w) if w == "printf" || w == "print" || w == "println" => {
                i += 1;
                let mut args = Vec::new();
                while i < toks.len() {
                    args.push(self.operand(&toks, &mut i)?);
                }
                match w.as_str() {
                    "printf" => {
                        let (f, rest) = args.split_first()?;
                        Some(sprintf(f.as_str()?, rest))
                    }
                    "print" => Some(sprint(&args)),
                    _ => Some(sprintln(&args)),
                }
            }
            Tok::Word(w) if w.starts_with(".Values") && toks.len() == 1 => {
                let v = self.field(w)?;
                // A nil at the top of an action prints "<no value>", which helm deletes.
                Some(if v.is_nil() {
                    String::new()
                } else {
                    format_v(&v)
                })
            }
            _ => None,
        }
    }
}

fn render(case: &Case) -> Option<String> {
    if case.files.len() != 1 {
        return None;
    }
    let mut values = case
        .values
        .as_ref()
        .map(Value::from_json)
        .unwrap_or_else(Value::empty_map);
    for s in &case.sets {
        let (k, v) = s.split_once('=')?;
        if k.contains(['.', '[']) {
            return None;
        }
        let n: i64 = v.parse().ok()?;
        if let Value::Map(m) = &values {
            m.write().insert(k.to_string(), Value::int64(n));
        } else {
            values = Value::empty_map();
        }
    }
    let env = Env { values };
    let (_, tmpl) = case.files.first()?;
    let mut out = String::new();
    let mut rest = tmpl.as_str();
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let end = rest[start..].find("}}")? + start;
        let inner = &rest[start + 2..end];
        if inner.starts_with('-') || inner.ends_with('-') || inner.trim_start().starts_with("/*") {
            return None;
        }
        out.push_str(&env.action(inner)?);
        rest = &rest[end + 2..];
    }
    out.push_str(rest);
    Some(out.replace("<no value>", ""))
}

#[test]
fn fmt_goldens() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/gotmpl");
    let cases_text = std::fs::read_to_string(root.join("fmt.cases")).expect("fmt.cases");
    let golden: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root.join("fmt.golden.json")).expect("fmt.golden.json"),
    )
    .expect("golden JSON");
    let cases = parse_cases(&cases_text);
    let (mut checked, mut skipped) = (0, Vec::new());
    let mut failures = Vec::new();
    for case in &cases {
        let Some(want) = golden.get(&case.name).and_then(|g| g.get("out")) else {
            skipped.push(case.name.clone());
            continue;
        };
        let want = want.as_str().expect("golden out is a string");
        let Some(got) = render(case) else {
            skipped.push(case.name.clone());
            continue;
        };
        checked += 1;
        if got != want {
            failures.push(format!(
                "{}:\n  template: {}\n  want: {want:?}\n  got:  {got:?}",
                case.name,
                case.files.first().map_or("", |f| f.1.as_str())
            ));
        }
    }
    eprintln!(
        "fmt goldens: {checked} checked, {} skipped: {:?}",
        skipped.len(),
        skipped
    );
    assert!(
        failures.is_empty(),
        "{} of {checked} cases differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(
        checked >= 350,
        "only {checked} cases checked; the evaluator skips too much"
    );
}
