//! `Template::parse_all` parses identical texts once and gives each copy its own
//! name: what executing and failing copies show must not depend on that sharing.

#![allow(clippy::unwrap_used)]

use gotmpl::{FuncMap, Map, Template, Value};

fn set(texts: &[(&str, &str)]) -> Result<Template, gotmpl::Error> {
    let mut t = Template::new(FuncMap::new());
    t.parse_all(texts)?;
    Ok(t)
}

fn data() -> Value {
    let mut m = Map::new();
    m.insert("x".into(), Value::str("X"));
    Value::map(m)
}

#[test]
fn copies_execute_under_their_own_names() {
    let body = "{{ define \"h\" }}[{{ .x }}]{{ end }}a={{ template \"h\" . }}";
    let t = set(&[("one/t.yaml", body), ("two/t.yaml", body)]).unwrap();
    for name in ["one/t.yaml", "two/t.yaml"] {
        assert_eq!(t.execute(name, &data()).unwrap(), "a=[X]");
    }
    assert_eq!(t.names(), vec!["h", "one/t.yaml", "two/t.yaml"]);
}

#[test]
fn execution_errors_name_the_copy_that_failed() {
    let body = "line1\n{{ index .x 5 }}";
    let t = set(&[("one/t.yaml", body), ("two/t.yaml", body)]).unwrap();
    let e1 = t.execute("one/t.yaml", &data()).unwrap_err().to_string();
    let e2 = t.execute("two/t.yaml", &data()).unwrap_err().to_string();
    assert!(e1.starts_with("template: one/t.yaml:2:3: "), "{e1}");
    assert!(e2.starts_with("template: two/t.yaml:2:3: "), "{e2}");
    assert_eq!(e1.replacen("one/", "two/", 2), e2);
}

#[test]
fn a_define_in_a_copy_reports_the_copy_file() {
    // The define's tree belongs to the file that defined it last (Go's parse order).
    let body = "{{ define \"h\" }}\n{{ index .x 5 }}{{ end }}";
    let t = set(&[("one/_h.tpl", body), ("two/_h.tpl", body)]).unwrap();
    let e = t.execute("h", &data()).unwrap_err().to_string();
    assert!(
        e.starts_with("template: two/_h.tpl:2:3: executing \"h\""),
        "{e}"
    );
}

#[test]
fn parse_errors_name_the_first_copy() {
    let body = "ok\n{{ .x ";
    let e = set(&[
        ("one/t.yaml", "fine"),
        ("two/t.yaml", body),
        ("three/t.yaml", body),
    ])
    .err()
    .unwrap()
    .to_string();
    assert!(e.starts_with("template: two/t.yaml:2: "), "{e}");
}

#[test]
fn sharing_matches_separate_parses() {
    // The same texts parsed one by one (no sharing possible) execute identically.
    let texts = [
        (
            "a/x",
            "{{ define \"d\" }}{{ .x }}-a{{ end }}{{ template \"d\" . }}",
        ),
        (
            "b/x",
            "{{ define \"d\" }}{{ .x }}-a{{ end }}{{ template \"d\" . }}",
        ),
        ("c/x", "   "),
        ("d/x", "   "),
    ];
    let shared = set(&texts).unwrap();
    let mut separate = Template::new(FuncMap::new());
    for (n, s) in texts {
        separate.parse(n, s).unwrap();
    }
    assert_eq!(shared.names(), separate.names());
    for n in shared.names() {
        assert_eq!(
            shared.execute(&n, &data()).map_err(|e| e.to_string()),
            separate.execute(&n, &data()).map_err(|e| e.to_string()),
            "{n}"
        );
    }
}
