//! Sprig's loose conversions of `interface{}` arguments (cast.ToInt64, strval, …).
//!
//! Sprig converts its `interface{}` arguments with spf13/cast (v1.7) and its own `strval`;
//! these helpers reproduce those rules over [`Value`], including Go's quirks: strings are
//! parsed with `strconv.ParseInt(s, 0, 0)` after a trailing `.0…` is cut, floats are
//! truncated toward zero, and anything unconvertible becomes 0.

use gotmpl::bytestr;
use gotmpl::fmt::format_v;
pub use gotmpl::strconv::{atoi, parse_float, parse_int, parse_uint, underscore_ok};
use gotmpl::value::{IntKind, ListRef, Value};

/// Sprig's `strval` (the `toString` function): strings as is, `[]byte` as text, anything
/// else as Go's `%v` prints it (host objects print themselves, as a `Stringer` does).
pub fn to_string(v: &Value) -> String {
    match v {
        Value::Str(s) => s.to_string(),
        Value::Bytes(b) => bytestr::from_go_bytes(b).into_owned(),
        other => format_v(other),
    }
}

/// Go's `int64(f)` on amd64: truncation toward zero, and the "integer indefinite" value
/// `math.MinInt64` for NaN and for anything out of range.
pub fn float_to_i64(f: f64) -> i64 {
    // 2^63 as f64; every finite f64 in (-2^63 - 1, 2^63) truncates into range.
    const LIMIT: f64 = 9_223_372_036_854_775_808.0;
    if f.is_nan() || !(-LIMIT..LIMIT).contains(&f) {
        i64::MIN
    } else {
        f.trunc() as i64
    }
}

/// spf13/cast's `trimZeroDecimal`: `"3.00"` → `"3"`, `"3.5"` and `"3."` unchanged.
fn trim_zero_decimal(s: &str) -> &str {
    let b = s.as_bytes();
    let mut found_zero = false;
    let mut i = b.len();
    while i > 0 {
        match b[i - 1] {
            b'.' => {
                if found_zero {
                    return &s[..i - 1];
                }
                return s;
            }
            b'0' => found_zero = true,
            _ => return s,
        }
        i -= 1;
    }
    s
}

/// Go's `strconv.Atoi` as Sprig uses it (error ignored): base 10 only, no underscores,
/// no prefixes; a syntax error gives 0 and an out-of-range number the nearest bound.
pub fn atoi_lenient(s: &str) -> i64 {
    match atoi(s) {
        Some(v) => v,
        None => {
            let (neg, body) = match s.as_bytes().first() {
                Some(b'+') => (false, &s[1..]),
                Some(b'-') => (true, &s[1..]),
                _ => (false, s),
            };
            if !body.is_empty() && body.bytes().all(|c| c.is_ascii_digit()) {
                if neg {
                    i64::MIN
                } else {
                    i64::MAX
                }
            } else {
                0
            }
        }
    }
}

/// spf13/cast `ToInt64`: ints as is (unsigned by bit pattern), floats truncated, bools
/// 1/0, strings parsed (`"0x1F"`, `"010"` octal, `"3.0"`), everything else 0.
pub fn to_int64(v: &Value) -> i64 {
    match v {
        Value::Int(i, _) => *i,
        Value::Float(f) => float_to_i64(*f),
        Value::Str(s) => parse_int(trim_zero_decimal(s), 0).unwrap_or(0),
        Value::Bool(b) => i64::from(*b),
        _ => 0,
    }
}

/// spf13/cast `ToInt` (Go `int` is 64 bits wide on the platforms Helm ships for).
pub fn to_int(v: &Value) -> i64 {
    to_int64(v)
}

/// spf13/cast `ToFloat64`: numbers converted, strings via `ParseFloat`, bools 1/0,
/// everything else 0.
pub fn to_float64(v: &Value) -> f64 {
    match v {
        Value::Int(i, k) if k.is_unsigned() => *i as u64 as f64,
        Value::Int(i, _) => *i as f64,
        Value::Float(f) => *f,
        Value::Str(s) => parse_float(s).unwrap_or(0.0),
        Value::Bool(true) => 1.0,
        _ => 0.0,
    }
}

/// The elements of a Go slice or array value (`[]interface{}` or `[]byte`), or `None`
/// for anything else.
pub fn list_items(v: &Value) -> Option<ListRef> {
    match v {
        Value::List(l) => Some(l.clone()),
        Value::Bytes(b) => Some(ListRef::new(
            b.iter()
                .map(|x| Value::Int(i64::from(*x), IntKind::Uint8))
                .collect(),
        )),
        // A named slice type (`chartutil.VersionSet`): reflection sees its elements.
        Value::Object(o) if o.kind_name() == "slice" => match o.underlying() {
            Some(Value::List(l)) => Some(l),
            _ => None,
        },
        _ => None,
    }
}

/// Sprig's `strslice` (the `toStrings` function): each non-nil element of a slice via
/// [`to_string`]; nil gives an empty list, any other value a one-element list.
pub fn to_strings(v: &Value) -> Vec<String> {
    match list_items(v) {
        Some(items) => items
            .iter()
            .filter(|x| !x.is_nil())
            .map(to_string)
            .collect(),
        None if v.is_nil() => Vec::new(),
        None => vec![to_string(v)],
    }
}

/// Sprig's `empty`: nil, false, zero numbers, and empty strings, slices and maps are
/// empty; structs (host objects) never are.
pub fn is_empty(v: &Value) -> bool {
    match v {
        Value::Nil => true,
        Value::Bool(b) => !b,
        Value::Int(i, _) => *i == 0,
        Value::Float(f) => *f == 0.0,
        Value::Str(s) => s.is_empty(),
        Value::Bytes(b) => b.is_empty(),
        Value::List(l) => l.is_empty(),
        Value::Map(m) => m.is_empty(),
        Value::Object(o) => o.len() == Some(0),
    }
}

/// A list of strings as a template value (Go `[]string`, which prints like `[]interface{}`).
pub fn strings_value<I, S>(items: I) -> Value
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    Value::string_list(items.into_iter().map(Value::str).collect())
}

/// Bytes that Go keeps as a string (`string(b)`), invalid UTF-8 included (as
/// [`bytestr`] escape characters).
pub fn bytes_to_value(b: Vec<u8>) -> Value {
    Value::from(bytestr::from_go_vec(b))
}

/// Argument `i` as a string (the executor guarantees `Ty::Str` parameters hold one).
pub(crate) fn arg_str(args: &[Value], i: usize) -> &str {
    args.get(i).and_then(Value::as_str).unwrap_or("")
}

/// Argument `i` as an integer (the executor guarantees `Ty::Int` parameters hold one).
pub(crate) fn arg_int(args: &[Value], i: usize) -> i64 {
    args.get(i).and_then(Value::as_i64).unwrap_or(0)
}

/// Argument `i`, nil when absent.
pub(crate) fn arg(args: &[Value], i: usize) -> Value {
    args.get(i).cloned().unwrap_or(Value::Nil)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_int_follows_go() {
        assert_eq!(parse_int("0x1F", 0), Some(31));
        assert_eq!(parse_int("010", 0), Some(8));
        assert_eq!(parse_int("0b11", 0), Some(3));
        assert_eq!(parse_int("0o17", 0), Some(15));
        assert_eq!(parse_int("1_000", 0), Some(1000));
        assert_eq!(parse_int("1__000", 0), None);
        assert_eq!(parse_int("_1", 0), None);
        assert_eq!(parse_int("0", 0), Some(0));
        assert_eq!(parse_int("-0x10", 0), Some(-16));
        assert_eq!(parse_int("9223372036854775807", 0), Some(i64::MAX));
        assert_eq!(parse_int("9223372036854775808", 0), None);
        assert_eq!(parse_int("-9223372036854775808", 0), Some(i64::MIN));
        assert_eq!(parse_int("0x", 0), None);
        assert_eq!(parse_int(" 5", 0), None);
        assert_eq!(parse_int("777", 8), Some(511));
        assert_eq!(parse_int("8", 8), None);
    }

    #[test]
    fn to_int64_follows_cast() {
        assert_eq!(to_int64(&Value::str("3.0")), 3);
        assert_eq!(to_int64(&Value::str("3.00")), 3);
        assert_eq!(to_int64(&Value::str("3.5")), 0);
        assert_eq!(to_int64(&Value::str("3.")), 0);
        assert_eq!(to_int64(&Value::Float(-3.9)), -3);
        assert_eq!(to_int64(&Value::Float(1e19)), i64::MIN);
        assert_eq!(to_int64(&Value::Bool(true)), 1);
        assert_eq!(to_int64(&Value::Nil), 0);
        assert_eq!(to_int64(&Value::list(vec![])), 0);
    }

    #[test]
    fn parse_float_follows_go() {
        assert_eq!(parse_float("1e3"), Some(1000.0));
        assert_eq!(parse_float("0x10"), None);
        assert_eq!(parse_float("0x1p4"), Some(16.0));
        assert_eq!(parse_float("0x1.8p1"), Some(3.0));
        assert_eq!(parse_float(".5"), Some(0.5));
        assert_eq!(parse_float("5."), Some(5.0));
        assert_eq!(parse_float("."), None);
        assert_eq!(parse_float("1e400"), None);
        assert_eq!(parse_float("-Inf"), Some(f64::NEG_INFINITY));
        assert!(parse_float("NaN").is_some_and(f64::is_nan));
        assert_eq!(parse_float("+nan"), None);
        assert_eq!(parse_float("1_000.5"), Some(1000.5));
        assert_eq!(parse_float(" 1"), None);
    }

    #[test]
    fn strval_and_strslice() {
        assert_eq!(to_string(&Value::str("a")), "a");
        assert_eq!(to_string(&Value::int(3)), "3");
        assert_eq!(
            to_strings(&Value::list(vec![
                Value::Nil,
                Value::int(1),
                Value::str("x")
            ])),
            vec!["1".to_string(), "x".to_string()]
        );
        assert!(to_strings(&Value::Nil).is_empty());
        assert_eq!(to_strings(&Value::Bool(true)), vec!["true".to_string()]);
    }

    #[test]
    fn emptiness() {
        assert!(is_empty(&Value::Float(0.0)));
        assert!(!is_empty(&Value::str("0")));
        assert!(is_empty(&Value::empty_map()));
        assert!(!is_empty(&Value::list(vec![Value::Nil])));
    }
}
