//! Early parsing (`gotmpl::early`): a set parsed from texts handed over beforehand must
//! behave exactly as one parsed at the time: the same outputs, names and errors, also
//! for texts that fail to parse, call functions the set lacks, are not UTF-8, or are
//! still queued when the set is parsed. (A test binary of its own: `enable` is for the
//! whole process.)

#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use gotmpl::{FuncMap, Map, Template, Value};

fn funcs() -> FuncMap {
    let mut f = FuncMap::new();
    f.add("shout", &[gotmpl::Ty::Any], None, |_, a| {
        Ok(Value::str(format!("{:?}!", a[0])))
    });
    f
}

/// The set parsed with `parse_all` (which takes early parses), or its error text.
fn all(texts: &[(&str, &str)]) -> Result<Template, String> {
    let mut t = Template::new(funcs());
    t.parse_all(texts).map_err(|e| e.to_string())?;
    Ok(t)
}

/// The same set parsed one text at a time (`parse` never takes early parses).
fn one_by_one(texts: &[(&str, &str)]) -> Result<Template, String> {
    let mut t = Template::new(funcs());
    for (n, x) in texts {
        t.parse(n, x).map_err(|e| e.to_string())?;
    }
    Ok(t)
}

fn data() -> Value {
    let mut m = Map::new();
    m.insert("x".into(), Value::str("X"));
    Value::map(m)
}

fn outputs(t: &Template) -> Vec<(String, Result<String, String>)> {
    t.names()
        .into_iter()
        .map(|n| {
            let r = t.execute(&n, &data()).map_err(|e| e.to_string());
            (n, r)
        })
        .collect()
}

fn wait_for_early_thread() {
    for _ in 0..2000 {
        if gotmpl::early::pending() == 0 {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    panic!("early thread did not finish");
}

fn same(texts: &[(&str, &str)]) {
    let a = all(texts);
    let b = one_by_one(texts);
    match (&a, &b) {
        (Ok(a), Ok(b)) => assert_eq!(outputs(a), outputs(b)),
        (Err(a), Err(b)) => assert_eq!(a, b),
        _ => panic!("{:?} vs {:?}", a.as_ref().err(), b.as_ref().err()),
    }
}

const TEXTS: &[(&str, &str)] = &[
    (
        "c/templates/a.yaml",
        "a={{ shout .x }}\n{{ template \"h\" . }}",
    ),
    (
        "c/templates/_h.tpl",
        "{{ define \"h\" }}h[{{ .x }}]{{ end }}",
    ),
    ("c/templates/b.yaml", "line1\n{{ index .x 5 }}"),
];

#[test]
fn early_parses_give_what_parsing_at_the_time_gives() {
    gotmpl::early::enable();
    // Small texts alone do not start the early thread: one big text does.
    let small = [("c/templates/s.yaml", "s={{ .x }}")];
    gotmpl::early::submit(Arc::from(small[0].1.as_bytes()));
    std::thread::sleep(std::time::Duration::from_millis(20));
    assert_eq!(gotmpl::early::pending(), 1);
    same(&small);
    assert_eq!(gotmpl::early::pending(), 0);
    assert_eq!(gotmpl::early::used(), 0);
    gotmpl::early::submit(Arc::from("{{/* filler */}}".repeat(3000).as_bytes()));
    for (_, t) in TEXTS {
        gotmpl::early::submit(Arc::from(t.as_bytes()));
    }
    wait_for_early_thread();
    same(TEXTS);
    assert_eq!(gotmpl::early::used(), TEXTS.len(), "early parses not used");
    // Taken: the next parse of the same texts parses them at the time.
    assert_eq!(gotmpl::early::pending(), 0);
    same(TEXTS);

    // A parse error, under the name of the file that has it.
    let bad = [
        ("c/templates/ok.yaml", "fine"),
        ("c/templates/bad.yaml", "ok\n{{ .x "),
    ];
    for (_, t) in &bad {
        gotmpl::early::submit(Arc::from(t.as_bytes()));
    }
    wait_for_early_thread();
    let e = all(&bad).unwrap_err();
    assert!(e.starts_with("template: c/templates/bad.yaml:2:"), "{e}");
    same(&bad);

    // A function the set does not define (the early parse allowed every name).
    let undefined = [("c/templates/u.yaml", "{{ whisper .x }}")];
    gotmpl::early::submit(Arc::from(undefined[0].1.as_bytes()));
    wait_for_early_thread();
    let before = gotmpl::early::used();
    let e = all(&undefined).unwrap_err();
    assert_eq!(
        gotmpl::early::used(),
        before,
        "an early parse with an undefined function used"
    );
    assert!(e.contains("function \"whisper\" not defined"), "{e}");
    same(&undefined);

    // Not UTF-8: never parsed early; the set's own reading decides.
    gotmpl::early::submit(Arc::from(&b"x\xff{{ .x }}"[..]));
    wait_for_early_thread();

    // Still queued when needed (no wait): parsed at the time, the same result.
    let late = [("c/templates/late.yaml", "late {{ shout .x }}")];
    gotmpl::early::submit(Arc::from(late[0].1.as_bytes()));
    same(&late);
    wait_for_early_thread();
}
