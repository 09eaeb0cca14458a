//! Go's `fmt` printing of template values: `%v` and every `printf` verb, flag, width and
//! precision, with Go's inline error forms (`%!d(string=x)`, `%!s(MISSING)`, …).
//!
//! PLACEHOLDER: a minimal version so the rest of the crate builds; the full port lands
//! in its own change.

use crate::value::Value;

/// Go's `fmt.Sprintf(format, args...)`.
pub fn sprintf(format: &str, args: &[Value]) -> String {
    let _ = args;
    format.to_string()
}

/// Go's `fmt.Sprint(args...)`: a space between two operands when neither is a string.
pub fn sprint(args: &[Value]) -> String {
    let mut out = String::new();
    for (i, a) in args.iter().enumerate() {
        if i > 0 && !matches!(a, Value::Str(_)) && !matches!(args[i - 1], Value::Str(_)) {
            out.push(' ');
        }
        out.push_str(&format_v(a));
    }
    out
}

/// Go's `fmt.Sprintln(args...)`: spaces between all operands and a trailing newline.
pub fn sprintln(args: &[Value]) -> String {
    let mut out: Vec<String> = args.iter().map(format_v).collect::<Vec<_>>();
    out.push(String::new());
    let mut s = out.join(" ");
    s.pop();
    s.push('\n');
    s
}

/// `%v` of a value (nil prints `<nil>`).
pub fn format_v(v: &Value) -> String {
    match v {
        Value::Nil => "<nil>".into(),
        Value::Bool(b) => b.to_string(),
        Value::Int(i, k) if k.is_unsigned() => (*i as u64).to_string(),
        Value::Int(i, _) => i.to_string(),
        Value::Float(f) => format_float_v(*f),
        Value::Str(s) => s.to_string(),
        Value::Bytes(b) => format!(
            "[{}]",
            b.iter()
                .map(|x| x.to_string())
                .collect::<Vec<_>>()
                .join(" ")
        ),
        Value::List(l) => format!("[{}]", l.iter().map(format_v).collect::<Vec<_>>().join(" ")),
        Value::Map(m) => format!(
            "map[{}]",
            m.read()
                .iter()
                .map(|(k, v)| format!("{k}:{}", format_v(v)))
                .collect::<Vec<_>>()
                .join(" ")
        ),
        Value::Object(o) => o.format(),
    }
}

/// `%v` of a float64: Go's `strconv.FormatFloat(f, 'g', -1, 64)` with `%v`'s exponent
/// thresholds (exponent form iff exp < -4 or exp >= 21 for %v... see spec §6.2).
pub fn format_float_v(f: f64) -> String {
    format!("{f}")
}

/// Go's `strconv.Quote`.
pub fn go_quote(s: &str) -> String {
    format!("{s:?}")
}
