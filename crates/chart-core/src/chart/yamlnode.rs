//! An untyped YAML tree read with `serde-saphyr`, and the pieces of sigs.k8s.io/yaml's
//! YAML → JSON conversion that typed chart files (Chart.yaml, Chart.lock,
//! requirements.yaml) depend on.
//!
//! Helm reads these files by converting YAML to JSON and decoding the JSON into Go
//! structs. The conversion knows the target field's type: a YAML number or bool bound for
//! a `string` field becomes its decimal/`true` text (so `version: 1.10` is the string
//! `"1.1"`). Keeping the YAML scalar's kind (int / float / bool / string) in [`Node`]
//! lets [`super::metadata`] replay that.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

/// One YAML node, with the scalar kinds yaml.v2 distinguishes.
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
    /// A float.
    Float(f64),
    /// A string.
    Str(String),
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping, in document order.
    Map(Vec<(Node, Node)>),
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(NodeVisitor)
    }
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Node, E> {
        Ok(Node::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Node, E> {
        Ok(Node::Int(v))
    }
    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Node, E> {
        Ok(i64::try_from(v).map_or(Node::Float(v as f64), Node::Int))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Node, E> {
        Ok(i64::try_from(v).map_or(Node::Uint(v), Node::Int))
    }
    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Node, E> {
        Ok(u64::try_from(v).map_or(Node::Float(v as f64), |u| {
            i64::try_from(u).map_or(Node::Uint(u), Node::Int)
        }))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Node, E> {
        Ok(Node::Float(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Node, E> {
        Ok(Node::Str(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Node, E> {
        Ok(Node::Str(v))
    }
    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Node, E> {
        Ok(Node::Str(String::from_utf8_lossy(v).into_owned()))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Node, D::Error> {
        Node::deserialize(d)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        let mut v = Vec::new();
        while let Some(x) = seq.next_element()? {
            v.push(x);
        }
        Ok(Node::Seq(v))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let mut v = Vec::new();
        while let Some((k, x)) = map.next_entry()? {
            v.push((k, x));
        }
        Ok(Node::Map(v))
    }
}

/// Parses the first YAML document of `text`. An empty document is [`Node::Null`].
pub(crate) fn parse(text: &str) -> Result<Node, String> {
    let docs: Vec<Node> = serde_saphyr::from_str_multiple(text).map_err(|e| e.to_string())?;
    Ok(docs.into_iter().next().unwrap_or(Node::Null))
}

/// Go's `strconv.FormatFloat(f, 'g', -1, 32)`: the shortest text that reads back as the
/// same float32, in `%e` form when the exponent is < -4 or ≥ the digit count (min 6... as Go
/// computes it).
pub(crate) fn format_float32_g(f: f64) -> String {
    let x = f as f32;
    if x.is_nan() {
        return "NaN".into();
    }
    if x.is_infinite() {
        return if x > 0.0 {
            "+Inf".into()
        } else {
            "-Inf".into()
        };
    }
    if x == 0.0 {
        return if x.is_sign_negative() {
            "-0".into()
        } else {
            "0".into()
        };
    }
    // Rust's `{:e}` prints the shortest round-trip digits: "1.2345e-7".
    let e = format!("{:e}", x);
    let (mant, exp) = e.split_once('e').unwrap_or((&e, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let neg = mant.starts_with('-');
    let digits: String = mant.chars().filter(|c| c.is_ascii_digit()).collect();
    let nd = digits.len() as i32;
    let dp = exp + 1;
    let mut eprec = 6;
    if eprec > nd && nd >= dp {
        eprec = nd;
    }
    let sign = if neg { "-" } else { "" };
    if exp < -4 || exp >= eprec {
        let mut out = String::from(sign);
        out.push_str(&digits[..1]);
        if nd > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        out.push('e');
        out.push(if exp < 0 { '-' } else { '+' });
        let a = exp.unsigned_abs();
        if a < 10 {
            out.push('0');
        }
        out.push_str(&a.to_string());
        return out;
    }
    let mut out = String::from(sign);
    if dp <= 0 {
        out.push_str("0.");
        for _ in 0..(-dp) {
            out.push('0');
        }
        out.push_str(&digits);
    } else if dp >= nd {
        out.push_str(&digits);
        for _ in 0..(dp - nd) {
            out.push('0');
        }
    } else {
        let (a, b) = digits.split_at(dp as usize);
        out.push_str(a);
        out.push('.');
        out.push_str(b);
    }
    out
}

/// The JSON object key sigs.k8s.io/yaml makes of a YAML mapping key.
pub(crate) fn key_string(k: &Node) -> Result<String, String> {
    match k {
        Node::Str(s) => Ok(s.clone()),
        Node::Int(i) => Ok(i.to_string()),
        Node::Uint(u) => Ok(u.to_string()),
        Node::Float(f) => Ok(match format_float32_g(*f).as_str() {
            "+Inf" => ".inf".into(),
            "-Inf" => "-.inf".into(),
            "NaN" => ".nan".into(),
            s => s.to_owned(),
        }),
        Node::Bool(b) => Ok(b.to_string()),
        Node::Null => Err("unsupported map key of type: <nil>".into()),
        Node::Seq(_) | Node::Map(_) => Err("unsupported map key of a collection type".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn float32_g_matches_go() {
        for (f, want) in [
            (1.1, "1.1"),
            (1.0, "1"),
            (1e6, "1e+06"),
            (100000.0, "100000"),
            (1.23456789, "1.2345679"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (-2.5, "-2.5"),
            (1e21, "1e+21"),
        ] {
            assert_eq!(format_float32_g(f), want, "{f}");
        }
    }

    #[test]
    fn scalars_keep_their_yaml_kind() {
        let n = parse("a: 1.10\nb: 3\nc: yes\nd: ~\ne: x\nf: 0x1F\ng: '1'\n").unwrap_or(Node::Null);
        let Node::Map(m) = n else {
            panic!("not a map: {n:?}")
        };
        let vals: Vec<Node> = m.into_iter().map(|(_, v)| v).collect();
        assert_eq!(
            vals,
            vec![
                Node::Float(1.1),
                Node::Int(3),
                Node::Bool(true),
                Node::Null,
                Node::Str("x".into()),
                Node::Int(31),
                Node::Str("1".into())
            ]
        );
    }

    #[test]
    fn first_document_only() {
        assert_eq!(
            parse("a: 1\n---\nb: 2\n").ok(),
            Some(Node::Map(vec![(Node::Str("a".into()), Node::Int(1))]))
        );
        assert_eq!(parse("").ok(), Some(Node::Null));
    }
}
