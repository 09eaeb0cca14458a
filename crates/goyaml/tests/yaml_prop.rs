//! Property tests: what `to_yaml` writes, `from_yaml` reads back equal (numbers are floats
//! on both sides, as after Helm's JSON round trip); no input makes `from_yaml` panic or hang.

use gotmpl::{Map, Value};
use goyaml::{from_yaml, from_yaml_full, marshal};
use proptest::prelude::*;

fn scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Nil),
        any::<bool>().prop_map(Value::Bool),
        // Finite floats (JSON refuses the others); integral ones stay exact below 2^53.
        (-1e15f64..1e15).prop_map(Value::Float),
        any::<i32>().prop_map(|i| Value::Float(f64::from(i))),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::Float),
        // Strings, including YAML 1.1 look-alikes, indicators, breaks and unicode; not the
        // characters go-yaml's reader refuses (DEL, C1 controls, U+FFFE/U+FFFF), nor
        // U+2028/U+2029/U+0085: YAML 1.1 reads them as line breaks, the YAML 1.2 parser
        // underneath does not (a known deviation).
        "[a-zA-Z0-9 :#\\-'\"!&*?|>%@`{}\\[\\],.\n\t\u{e9}\u{1F600}]{0,40}".prop_map(Value::str),
        prop::sample::select(vec![
            "yes",
            "no",
            "y",
            "N",
            "on",
            "Off",
            "true",
            "null",
            "~",
            "",
            "1",
            "0755",
            "0x1F",
            "1e3",
            "1_000",
            ".inf",
            "-.5",
            "12:30",
            "2024-01-01",
            "<<",
            "- a",
            "a: b",
            " x ",
            "\n",
            "x\n",
            "x\n\n",
            " \n",
            "\u{feff}bom",
        ])
        .prop_map(Value::str),
    ]
}

fn value() -> impl Strategy<Value = Value> {
    scalar().prop_recursive(4, 40, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::list),
            prop::collection::btree_map("[a-z0-9 _.:#yYnN-]{0,12}", inner, 0..5)
                .prop_map(|m| Value::map(m.into_iter().collect::<Map>())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn written_yaml_reads_back(v in value()) {
        let text = marshal(&v).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let back = from_yaml(&text).map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        prop_assert!(back.deep_eq(&v), "wrote:\n{}\nread: {:?}\nwant: {:?}", text, back, v);
    }

    /// The event-driven read and the node-tree read agree: same value, or same error.
    #[test]
    fn fast_and_full_reads_agree(v in value(), s in "[a-z:\\-\\[\\]{}&*!|>'\"#%@ ,?\n0-9.~<]{0,120}") {
        let text = marshal(&v).map_err(|e| TestCaseError::fail(e.to_string()))?;
        for t in [text.as_str(), s.as_str()] {
            match (from_yaml(t), from_yaml_full(t)) {
                (Ok(a), Ok(b)) => prop_assert!(a.deep_eq(&b), "{t:?}: {a:?} vs {b:?}"),
                (Err(a), Err(b)) => prop_assert_eq!(a.to_string(), b.to_string()),
                (a, b) => prop_assert!(false, "{:?}: {:?} vs {:?}", t, a, b),
            }
        }
    }

    #[test]
    fn arbitrary_text_never_panics(s in "\\PC{0,200}") {
        let _ = from_yaml(&s);
    }

    #[test]
    fn yamlish_text_never_panics(s in "[a-z:\\-\\[\\]{}&*!|>'\"#%@ ,?\n\t0-9.~<]{0,120}") {
        let _ = from_yaml(&s);
    }
}
