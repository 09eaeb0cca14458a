//! Go's number formatting as `strconv.FormatFloat` and `encoding/json` do it, built on the
//! shortest round-trip digits (which Rust's `{:e}` gives, as Go's `-1` precision does).

/// Shortest decimal digits of a finite float: (negative, digits, decimal point position),
/// so that the value is `0.DIGITS × 10^dp`.
fn digits_of(s_exp: &str) -> (bool, String, i32) {
    let (neg, rest) = match s_exp.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, s_exp),
    };
    let (mant, exp) = rest.split_once('e').unwrap_or((rest, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mant.chars().filter(char::is_ascii_digit).collect();
    let digits = digits.trim_end_matches('0').to_string();
    if digits.is_empty() {
        return (neg, "0".to_string(), 1);
    }
    (neg, digits, exp + 1)
}

fn shortest64(f: f64) -> (bool, String, i32) {
    digits_of(&format!("{f:e}"))
}

fn shortest32(f: f32) -> (bool, String, i32) {
    digits_of(&format!("{f:e}"))
}

fn non_finite(f: f64) -> Option<String> {
    if f.is_nan() {
        Some("NaN".to_string())
    } else if f.is_infinite() {
        Some(if f > 0.0 { "+Inf" } else { "-Inf" }.to_string())
    } else {
        None
    }
}

/// `%e`-style with Go's exponent (at least two digits).
fn fmt_e(neg: bool, digits: &str, dp: i32) -> String {
    let mut s = String::new();
    if neg {
        s.push('-');
    }
    let mut it = digits.chars();
    s.push(it.next().unwrap_or('0'));
    let rest: String = it.collect();
    if !rest.is_empty() {
        s.push('.');
        s.push_str(&rest);
    }
    let exp = if digits == "0" { 0 } else { dp - 1 };
    s.push('e');
    s.push(if exp < 0 { '-' } else { '+' });
    let a = exp.unsigned_abs();
    if a < 10 {
        s.push('0');
    }
    s.push_str(&a.to_string());
    s
}

/// `%f`-style with exactly the digits needed.
fn fmt_f(neg: bool, digits: &str, dp: i32) -> String {
    let mut s = String::new();
    if neg {
        s.push('-');
    }
    let d = digits.as_bytes();
    if dp <= 0 {
        s.push('0');
        if digits != "0" {
            s.push('.');
            for _ in 0..(-dp) {
                s.push('0');
            }
            s.push_str(digits);
        }
    } else {
        let dpu = dp as usize;
        for i in 0..dpu {
            s.push(d.get(i).map_or('0', |&c| c as char));
        }
        if d.len() > dpu {
            s.push('.');
            s.push_str(&digits[dpu..]);
        }
    }
    s
}

fn fmt_g(neg: bool, digits: &str, dp: i32) -> String {
    // Shortest formatting decides with precision 6.
    let exp = dp - 1;
    if digits != "0" && !(-4..6).contains(&exp) {
        return fmt_e(neg, digits, dp);
    }
    fmt_f(neg, digits, dp)
}

/// Go `strconv.FormatFloat(f, 'g', -1, 64)` (`+Inf`, `-Inf`, `NaN` for non-finite).
/// With `_json_style` false this is plain `%v` of a float64.
pub(crate) fn format_g(f: f64, _json_style: bool) -> String {
    if let Some(s) = non_finite(f) {
        return s;
    }
    let (neg, d, dp) = shortest64(f);
    fmt_g(neg, &d, dp)
}

/// Go `strconv.FormatFloat(f, 'g', -1, 32)`.
pub(crate) fn format_g32(f: f64) -> String {
    if let Some(s) = non_finite(f) {
        return s;
    }
    let x = f as f32;
    if x.is_infinite() {
        return if x > 0.0 { "+Inf" } else { "-Inf" }.to_string();
    }
    let (neg, d, dp) = shortest32(x);
    fmt_g(neg, &d, dp)
}

/// `encoding/json`'s float64 encoding: `%f` when `1e-6 <= |f| < 1e21` (or zero), else `%e`
/// with a one-digit negative exponent left as is (`1e-7`). `None` for non-finite values.
pub(crate) fn format_json(f: f64) -> Option<String> {
    if !f.is_finite() {
        return None;
    }
    let (neg, d, dp) = shortest64(f);
    let a = f.abs();
    if a != 0.0 && !(1e-6..1e21).contains(&a) {
        let s = fmt_e(neg, &d, dp);
        // Go: clean up e-09 to e-9
        if let Some(i) = s.find("e-0") {
            let mut t = s[..i].to_string();
            t.push_str("e-");
            t.push_str(&s[i + 3..]);
            return Some(t);
        }
        return Some(s);
    }
    Some(fmt_f(neg, &d, dp))
}

/// Go `strconv.FormatFloat(f, 'f', -1, 64)` for a finite float.
pub(crate) fn format_f(f: f64) -> String {
    let (neg, d, dp) = shortest64(f);
    fmt_f(neg, &d, dp)
}

/// Go's `strconv.Quote`.
pub(crate) fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\x07' => out.push_str("\\a"),
            '\x08' => out.push_str("\\b"),
            '\x0c' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\x0b' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c if is_go_printable(c) => out.push(c),
            c if (c as u32) < 0x10000 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push_str(&format!("\\U{:08x}", c as u32)),
        }
    }
    out.push('"');
    out
}

/// An approximation of Go's `unicode.IsPrint`: letters, marks, numbers, punctuation,
/// symbols and the ASCII space.
pub(crate) fn is_go_printable(c: char) -> bool {
    let u = c as u32;
    if c == ' ' {
        return true;
    }
    if c.is_control() || c.is_whitespace() {
        return false;
    }
    // Format characters, surrogates, private use and noncharacters.
    !matches!(u, 0xAD | 0x600..=0x605 | 0x61C | 0x6DD | 0x70F | 0x200B..=0x200F | 0x202A..=0x202E
        | 0x2060..=0x206F | 0xFEFF | 0xFFF9..=0xFFFB | 0xE000..=0xF8FF | 0xFFFE | 0xFFFF
        | 0xF0000..=0x10FFFF)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn g_formatting_matches_go() {
        assert_eq!(format_g(1.5, false), "1.5");
        assert_eq!(format_g(1e6, false), "1e+06");
        assert_eq!(format_g(123456.0, false), "123456");
        assert_eq!(format_g(12345678.9, false), "1.23456789e+07");
        assert_eq!(format_g(0.000001, false), "1e-06");
        assert_eq!(format_g(0.0001, false), "0.0001");
        assert_eq!(format_g(1e21, false), "1e+21");
        assert_eq!(format_g(0.0, false), "0");
        assert_eq!(format_g(-0.0, false), "-0");
        assert_eq!(format_g(100.0, false), "100");
        assert_eq!(format_g32(0.1), "0.1");
        assert_eq!(format_g32(1e6), "1e+06");
    }

    #[test]
    fn json_formatting_matches_go() {
        assert_eq!(format_json(1000000.0).as_deref(), Some("1000000"));
        assert_eq!(format_json(1e20).as_deref(), Some("100000000000000000000"));
        assert_eq!(format_json(1e21).as_deref(), Some("1e+21"));
        assert_eq!(format_json(1e-7).as_deref(), Some("1e-7"));
        assert_eq!(format_json(0.000001).as_deref(), Some("0.000001"));
        assert_eq!(format_json(-0.0).as_deref(), Some("-0"));
        assert_eq!(format_json(5e-324).as_deref(), Some("5e-324"));
        assert_eq!(format_json(1.5e300).as_deref(), Some("1.5e+300"));
        assert_eq!(format_json(f64::NAN), None);
    }
}
