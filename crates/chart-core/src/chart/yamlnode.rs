//! The YAML → JSON step of Helm's typed chart files (Chart.yaml, Chart.lock,
//! requirements.yaml/.lock), as sigs.k8s.io/yaml does it.
//!
//! Helm reads these files with sigs.k8s.io/yaml: go-yaml v2 decodes the first document
//! (read here with [`goyaml::from_yaml_go`], the reader values files use), the
//! result is made JSON-compatible with the target Go struct as a guide, and the JSON is
//! decoded into the struct. The guide matters: a YAML number or bool bound for a `string`
//! field becomes its text (so `version: 1.10` is the string `"1.1"`). [`parse`] does the
//! first two steps and keeps the JSON kinds in [`Node`], so that [`super::metadata`] can
//! replay Go's `encoding/json` decoding with its messages.

use std::collections::BTreeMap;

use goyaml::{self, GoVal};

/// One JSON-compatible value, with the number kinds go-yaml v2 produced.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Node {
    /// `null`, `~`, empty.
    Null,
    /// A boolean.
    Bool(bool),
    /// A signed integer.
    Int(i64),
    /// An unsigned integer beyond `i64`.
    Uint(u64),
    /// A finite float.
    Float(f64),
    /// A string.
    Str(String),
    /// A sequence.
    Seq(Vec<Node>),
    /// An object: keys already in their JSON string form, in document order (a key may
    /// repeat when two YAML keys have the same string form; the later one counts).
    Map(Vec<(String, Node)>),
}

/// The Go type a value is decoded into, as far as sigs.k8s.io/yaml's conversion looks at it.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Target {
    /// No guide: `interface{}`, a field the struct does not have, or a type with its own
    /// JSON unmarshaler (`time.Time`).
    Any,
    /// `string`: numbers and bools become their text.
    Str,
    /// Any other scalar type (`bool`): values are left alone.
    Scalar,
    /// A slice of the given element type.
    List(&'static Target),
    /// `map[string]T`.
    Map(&'static Target),
    /// A struct with these JSON field names and types.
    Struct(&'static [(&'static str, Target)]),
}

/// Go's `encoding/json` field matching: the exact name, else the first ASCII
/// case-insensitive match.
pub(crate) fn find_field<'a, 's, T>(
    fields: &'a [(&'s str, T)],
    key: &str,
) -> Option<&'a (&'s str, T)> {
    fields
        .iter()
        .find(|(f, _)| *f == key)
        .or_else(|| fields.iter().find(|(f, _)| f.eq_ignore_ascii_case(key)))
}

/// Reads the first YAML document of `text` for a value of Go type `target` and makes it
/// JSON-compatible, as sigs.k8s.io/yaml's `Unmarshal` does before decoding the JSON. An
/// empty document is [`Node::Null`]. The error is the message after Helm's
/// `error converting YAML to JSON: ` (`yaml: line 3: …`, `json: unsupported value: +Inf`).
pub(crate) fn parse(text: &str, target: Target) -> Result<Node, String> {
    let g = goyaml::from_yaml_go(text).map_err(|e| e.msg)?;
    let n = convert(g, target)?;
    check_finite(&n)?;
    Ok(n)
}

/// sigs.k8s.io/yaml's `convertToJSONableObject`: mapping keys to strings, scalars bound
/// for a string field to text.
fn convert(v: GoVal, target: Target) -> Result<Node, String> {
    Ok(match v {
        GoVal::Map(m) => {
            let entries = m.into_entries();
            let mut out = Vec::with_capacity(entries.len());
            for (k, val) in entries {
                let key = goyaml::json_key(&k, &val).map_err(|e| e.msg)?;
                let t = match target {
                    Target::Struct(fields) => find_field(fields, &key).map_or(Target::Any, |f| f.1),
                    Target::Map(elem) => *elem,
                    _ => Target::Any,
                };
                out.push((key, convert(val, t)?));
            }
            Node::Map(out)
        }
        GoVal::Seq(items) => {
            let t = match target {
                Target::List(elem) => *elem,
                _ => Target::Any,
            };
            Node::Seq(
                items
                    .into_iter()
                    .map(|x| convert(x, t))
                    .collect::<Result<_, _>>()?,
            )
        }
        scalar => match (target, goyaml::string_form(&scalar)) {
            (Target::Str, Some(s)) => Node::Str(s),
            _ => match scalar {
                GoVal::Bool(b) => Node::Bool(b),
                GoVal::Int(i) => Node::Int(i),
                GoVal::Uint(u) => Node::Uint(u),
                GoVal::Float(f) => Node::Float(f),
                GoVal::Str(s) => Node::Str(s),
                GoVal::Nil | GoVal::Seq(_) | GoVal::Map(_) => Node::Null,
            },
        },
    })
}

/// `encoding/json` refuses NaN and infinities; the first one of its walk (object keys
/// sorted) is named.
fn check_finite(n: &Node) -> Result<(), String> {
    match n {
        Node::Float(f) if !f.is_finite() => Err(goyaml::json_unsupported_float(*f)),
        Node::Seq(items) => items.iter().try_for_each(check_finite),
        Node::Map(m) => {
            let sorted: BTreeMap<&str, &Node> = m.iter().map(|(k, v)| (k.as_str(), v)).collect();
            sorted.into_values().try_for_each(check_finite)
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIELDS: &[(&str, Target)] = &[
        ("s", Target::Str),
        ("b", Target::Scalar),
        ("l", Target::List(&Target::Str)),
        ("m", Target::Map(&Target::Str)),
    ];
    const T: Target = Target::Struct(FIELDS);

    fn vals(text: &str, t: Target) -> Vec<Node> {
        match parse(text, t) {
            Ok(Node::Map(m)) => m.into_iter().map(|(_, v)| v).collect(),
            other => panic!("not a map: {other:?}"),
        }
    }

    #[test]
    fn scalars_keep_their_yaml_kind() {
        let got = vals(
            "a: 1.10\nb: 3\nc: yes\nd: ~\ne: x\nf: 0x1F\ng: '1'\nh: 0755\ni: off\n",
            Target::Any,
        );
        assert_eq!(
            got,
            vec![
                Node::Float(1.1),
                Node::Int(3),
                Node::Bool(true),
                Node::Null,
                Node::Str("x".into()),
                Node::Int(31),
                Node::Str("1".into()),
                Node::Int(493),
                Node::Bool(false),
            ]
        );
    }

    #[test]
    fn string_targets_get_text() {
        let got = vals(
            "S: 1.10\nb: 1.10\nl: [1, yes, 2.50, null]\nm: {k: 1e6}\nother: 1.5\n",
            T,
        );
        assert_eq!(
            got,
            vec![
                Node::Str("1.1".into()),
                Node::Float(1.1),
                Node::Seq(vec![
                    Node::Str("1".into()),
                    Node::Str("true".into()),
                    Node::Str("2.5".into()),
                    Node::Null,
                ]),
                Node::Map(vec![("k".into(), Node::Str("1e+06".into()))]),
                Node::Float(1.5),
            ]
        );
    }

    #[test]
    fn keys_become_strings() {
        assert_eq!(
            parse("1: a\n2.5: b\ntrue: c\n", Target::Any),
            Ok(Node::Map(vec![
                ("1".into(), Node::Str("a".into())),
                ("2.5".into(), Node::Str("b".into())),
                ("true".into(), Node::Str("c".into())),
            ]))
        );
        assert_eq!(
            parse("~: a\n", Target::Any),
            Err("unsupported map key of type: %!s(<nil>), key: <nil>, value: \"a\"".into())
        );
    }

    #[test]
    fn non_finite_floats_fail_unless_text() {
        assert_eq!(
            parse("x: .inf\n", Target::Any),
            Err("json: unsupported value: +Inf".into())
        );
        assert_eq!(
            parse("s: .inf\nb: -.inf\n", T),
            Err("json: unsupported value: -Inf".into())
        );
        assert_eq!(
            parse("s: .nan\n", T),
            Ok(Node::Map(vec![("s".into(), Node::Str("NaN".into()))]))
        );
    }

    #[test]
    fn first_document_only_and_empty() {
        assert_eq!(
            parse("a: 1\n---\nb: 2\n", Target::Any),
            Ok(Node::Map(vec![("a".into(), Node::Int(1))]))
        );
        assert_eq!(parse("", Target::Any), Ok(Node::Null));
    }

    #[test]
    fn duplicates_aliases_and_limits() {
        assert_eq!(
            parse("a: 1\nb: 2\na: 3\n", Target::Any),
            Ok(Node::Map(vec![
                ("a".into(), Node::Int(3)),
                ("b".into(), Node::Int(2))
            ]))
        );
        assert_eq!(
            parse("a: &x [1]\nb: *x\n", Target::Any),
            Ok(Node::Map(vec![
                ("a".into(), Node::Seq(vec![Node::Int(1)])),
                ("b".into(), Node::Seq(vec![Node::Int(1)]))
            ]))
        );
        let mut bomb = String::from("a: &a [x,x,x,x,x,x,x,x,x]\n");
        for (i, c) in ('b'..='i').enumerate() {
            let prev = char::from(b'a' + i as u8);
            bomb.push_str(&format!(
                "{c}: &{c} [{}]\n",
                vec![format!("*{prev}"); 9].join(",")
            ));
        }
        assert_eq!(
            parse(&bomb, Target::Any),
            Err("yaml: document contains excessive aliasing".into())
        );
        let deep = "[".repeat(100_000);
        assert!(parse(&deep, Target::Any).is_err());
        assert_eq!(
            parse("a: 1\n  b: 2\n", Target::Any),
            Err("yaml: line 2: mapping values are not allowed in this context".into())
        );
    }
}
