//! Unit tests for the YAML reader.
#![allow(clippy::unwrap_used)]

use super::*;

fn json_of(text: &str) -> String {
    match from_yaml(text) {
        Ok(v) => to_json(&v).unwrap_or_else(|e| e.0),
        Err(e) => format!("ERR {e}"),
    }
}

#[test]
fn yaml11_scalars_through_json() {
    assert_eq!(
        json_of("a: 1\nb: yes\nc: 0755\nd: 2001-12-14\ne: 1_000\nf: ~\ng: 'yes'"),
        r#"{"a":1,"b":true,"c":493,"d":"2001-12-14","e":1000,"f":null,"g":"yes"}"#
    );
}

#[test]
fn keys_become_strings() {
    assert_eq!(
        json_of("true: 1\n1: 2\n1.5: 3\n0x10: 5\ny: 6"),
        r#"{"1":2,"1.5":3,"16":5,"true":6}"#
    );
    assert!(json_of("~: 1").contains("unsupported map key of type: %!s(<nil>)"));
}

#[test]
fn merge_and_aliases() {
    assert_eq!(
        json_of("a: &x 1\nb: *x\nc: &m {p: 1}\nd:\n  <<: *m\n  q: 2\ne:\n  <<: [*m, {r: 3}]"),
        r#"{"a":1,"b":1,"c":{"p":1},"d":{"p":1,"q":2},"e":{"p":1,"r":3}}"#
    );
    assert_eq!(json_of("a: 1\n<<: {a: 2, b: 3}\nb: 4"), r#"{"a":2,"b":4}"#);
    assert_eq!(
        json_of("a: *x"),
        "ERR error converting YAML to JSON: yaml: unknown anchor 'x' referenced"
    );
}

#[test]
fn errors_carry_lines() {
    let e = from_yaml("a: 1\n b: 2").unwrap_err();
    assert_eq!(
        e.to_string(),
        "error converting YAML to JSON: yaml: line 2: mapping values are not allowed in this context"
    );
    assert_eq!(e.line, 2);
    assert_eq!(
        from_yaml("a: b: c").unwrap_err().to_string(),
        "error converting YAML to JSON: yaml: mapping values are not allowed in this context"
    );
}

#[test]
fn only_first_document() {
    assert_eq!(json_of("a: 1\n---\nb: 2"), r#"{"a":1}"#);
    assert_eq!(json_of(""), "null");
}

#[test]
fn billion_laughs_fails_fast() {
    let mut doc = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..30 {
        let p = i - 1;
        doc.push_str(&format!(
            "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
        ));
    }
    let t = std::time::Instant::now();
    let e = from_yaml(&doc).unwrap_err();
    assert!(
        e.to_string()
            .contains("document contains excessive aliasing"),
        "{e}"
    );
    assert!(t.elapsed() < std::time::Duration::from_secs(5));
}

#[test]
fn deep_nesting_is_refused_or_read_without_overflow() {
    for depth in [500, 1999, 2001, 100_000] {
        let doc = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
        let _ = from_yaml(&doc);
        let block: String = (0..depth.min(3000))
            .map(|i| format!("{}- \n", " ".repeat(i * 2)))
            .collect();
        let _ = from_yaml(&block);
    }
    // A chain of aliases, each one level deeper.
    let mut doc = String::from("a0: &a0 [x]\n");
    for i in 1..1500 {
        doc.push_str(&format!("a{i}: &a{i} [*a{}]\n", i - 1));
    }
    let _ = from_yaml(&doc);
}

/// Messages and lines checked against helm 3.17.3 (`helm template` with these values).
#[test]
fn libyaml_tab_quote_and_flow_pair_errors() {
    let err = |t: &str| json_of(t).replace("ERR error converting YAML to JSON: ", "");
    assert_eq!(
        err("name: x\n\tversion: 1\n"),
        "yaml: line 2: found a tab character that violates indentation"
    );
    assert_eq!(
        err("name: x\n\t\nversion: 1\n"),
        "yaml: line 2: found a tab character that violates indentation"
    );
    assert_eq!(
        err("a:\n  - b\n\t- c\n"),
        "yaml: line 3: found a tab character that violates indentation"
    );
    assert_eq!(json_of("a: x\n \t\nb: 1\n"), r#"{"a":"x","b":1}"#);
    assert_eq!(
        err("a: 1\nb: \"x\n\n"),
        "yaml: line 4: found unexpected end of stream"
    );
    assert_eq!(err("a: \"x"), "yaml: found unexpected end of stream");
    assert_eq!(
        err("a: [b: c: d]\n"),
        "yaml: did not find expected ',' or ']'"
    );
    assert_eq!(
        err("a: {b: c d: e}\n"),
        "yaml: did not find expected ',' or '}'"
    );
}

#[test]
fn go_tree_keeps_kinds_and_order() {
    let GoVal::Map(m) = from_yaml_go("b: yes\na: 0x10\nb: 1.5\n").unwrap() else {
        panic!("not a map")
    };
    let got: Vec<String> = m
        .entries()
        .iter()
        .map(|(k, v)| format!("{}={:?}", json_key(k, v).unwrap(), v))
        .collect();
    assert_eq!(got, ["b=Float(1.5)", "a=Int(16)"]);
}
