//! Go's `encoding/json` for template values: encoding as `json.Marshal` does it (sorted
//! keys, HTML-safe escaping, Go's float format) and decoding into `interface{}` with Go's
//! error messages.

use super::numfmt;
use gotmpl::value::{IntKind, Map, Value};

/// Encoding options.
#[derive(Clone, Copy)]
struct Enc {
    escape_html: bool,
    indent: bool,
}

/// Why a value cannot be encoded (Go's `json: unsupported value: +Inf`).
#[derive(Debug, Clone, PartialEq)]
pub struct JsonError(pub String);

impl std::fmt::Display for JsonError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for JsonError {}

/// `json.Marshal(v)`: compact, keys sorted byte-wise, `<`, `>`, `&` escaped.
pub fn to_json(v: &Value) -> Result<String, JsonError> {
    encode(
        v,
        Enc {
            escape_html: true,
            indent: false,
        },
    )
}

/// `json.MarshalIndent(v, "", "  ")`.
pub fn to_pretty_json(v: &Value) -> Result<String, JsonError> {
    encode(
        v,
        Enc {
            escape_html: true,
            indent: true,
        },
    )
}

/// A `json.Encoder` with `SetEscapeHTML(false)` (trailing newline not included).
pub fn to_raw_json(v: &Value) -> Result<String, JsonError> {
    encode(
        v,
        Enc {
            escape_html: false,
            indent: false,
        },
    )
}

fn encode(v: &Value, e: Enc) -> Result<String, JsonError> {
    let mut out = String::new();
    write_value(&mut out, v, e, 0)?;
    Ok(out)
}

fn newline(out: &mut String, e: Enc, depth: usize) {
    if e.indent {
        out.push('\n');
        for _ in 0..depth {
            out.push_str("  ");
        }
    }
}

fn write_value(out: &mut String, v: &Value, e: Enc, depth: usize) -> Result<(), JsonError> {
    match v {
        Value::Nil => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i, k) => {
            if *k == IntKind::Uint64 || *k == IntKind::Uint {
                out.push_str(&(*i as u64).to_string())
            } else {
                out.push_str(&i.to_string())
            }
        }
        Value::Float(f) => match numfmt::format_json(*f) {
            Some(s) => out.push_str(&s),
            None => return Err(JsonError(super::json_unsupported_float(*f))),
        },
        Value::Str(s) => write_string(out, s, e.escape_html),
        Value::Bytes(b) => {
            out.push('"');
            out.push_str(&base64_std(b));
            out.push('"');
        }
        Value::List(items) if items.is_nil() => out.push_str("null"),
        Value::Map(m) if m.is_nil() => out.push_str("null"),
        Value::List(items) => {
            if items.is_empty() {
                out.push_str("[]");
                return Ok(());
            }
            out.push('[');
            for (i, it) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, e, depth + 1);
                write_value(out, it, e, depth + 1)?;
            }
            newline(out, e, depth);
            out.push(']');
        }
        Value::Map(m) => {
            let m = m.read();
            if m.is_empty() {
                out.push_str("{}");
                return Ok(());
            }
            out.push('{');
            for (i, (k, val)) in m.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, e, depth + 1);
                write_string(out, k, e.escape_html);
                out.push(':');
                if e.indent {
                    out.push(' ');
                }
                write_value(out, val, e, depth + 1)?;
            }
            newline(out, e, depth);
            out.push('}');
        }
        Value::Object(o) if o.json_text().is_none() && o.go_struct().is_some() => {
            let fields = json_fields(o.as_ref());
            if fields.is_empty() {
                out.push_str("{}");
                return Ok(());
            }
            out.push('{');
            for (i, (k, val)) in fields.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, e, depth + 1);
                write_string(out, k, e.escape_html);
                out.push(':');
                if e.indent {
                    out.push(' ');
                }
                write_value(out, val, e, depth + 1)?;
            }
            newline(out, e, depth);
            out.push('}');
        }
        Value::Object(o) if o.json_text().is_none() && o.underlying().is_some() => {
            if let Some(u) = o.underlying() {
                write_value(out, &u, e, depth)?;
            }
        }
        // Other host objects have no JSON form of their own here: their printed form is used.
        Value::Object(o) => match o.json_text() {
            Some(Ok(t)) => write_string(out, &t, e.escape_html),
            Some(Err(m)) => return Err(JsonError(m)),
            None => write_string(out, &o.format(), e.escape_html),
        },
    }
    Ok(())
}

/// What Go's `encoding/json` considers empty for `omitempty`.
fn json_empty(v: &Value) -> bool {
    match v {
        Value::Nil => true,
        Value::Bool(b) => !b,
        Value::Int(i, _) => *i == 0,
        Value::Float(f) => *f == 0.0,
        Value::Str(s) => s.is_empty(),
        Value::Bytes(b) => b.is_empty(),
        Value::List(l) => l.is_empty(),
        Value::Map(m) => m.is_empty(),
        Value::Object(o) => match o.underlying() {
            Some(u) => json_empty(&u),
            None => false,
        },
    }
}

/// The members `encoding/json` writes for a struct object, in field order: JSON names,
/// `omitempty` fields left out when empty, embedded structs' fields in place.
pub fn json_fields(o: &dyn gotmpl::Object) -> Vec<(&'static str, Value)> {
    let mut out = Vec::new();
    fn walk(o: &dyn gotmpl::Object, out: &mut Vec<(&'static str, Value)>) {
        for f in o.go_struct().unwrap_or_default() {
            if f.embedded {
                if let Value::Object(inner) = &f.value {
                    walk(inner.as_ref(), out);
                    continue;
                }
            }
            if f.omitempty && json_empty(&f.value) {
                continue;
            }
            out.push((f.json_name(), f.value));
        }
    }
    walk(o, &mut out);
    out
}

/// A struct object as the map `json.Unmarshal` makes of its JSON (what sigs.k8s.io/yaml
/// writes as YAML), a named slice or map type as its underlying value; `None` for other
/// values. Field values are left as they are (the caller converts them in turn).
pub fn struct_as_json_map(v: &Value) -> Option<Value> {
    match v {
        Value::Object(o) if o.json_text().is_none() && o.go_struct().is_some() => Some(Value::map(
            json_fields(o.as_ref())
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect(),
        )),
        Value::Object(o) if o.json_text().is_none() => o.underlying(),
        _ => None,
    }
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// Writes a JSON string literal as Go does.
pub(crate) fn write_string(out: &mut String, s: &str, escape_html: bool) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\x08' => out.push_str("\\b"),
            '\x0c' => out.push_str("\\f"),
            '<' | '>' | '&' if escape_html => {
                out.push_str("\\u00");
                let b = c as u8;
                out.push(HEX[(b >> 4) as usize] as char);
                out.push(HEX[(b & 15) as usize] as char);
            }
            c if (c as u32) < 0x20 => {
                let b = c as u8;
                out.push_str("\\u00");
                out.push(HEX[(b >> 4) as usize] as char);
                out.push(HEX[(b & 15) as usize] as char);
            }
            '\u{2028}' => out.push_str("\\u2028"),
            c if gotmpl::bytestr::escaped_byte(c).is_some() => out.push_str("\\ufffd"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Standard base64 with padding (Go's `[]byte` JSON encoding).
pub(crate) fn base64_std(b: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(b.len().div_ceil(3) * 4);
    for ch in b.chunks(3) {
        let n = match ch.len() {
            3 => (u32::from(ch[0]) << 16) | (u32::from(ch[1]) << 8) | u32::from(ch[2]),
            2 => (u32::from(ch[0]) << 16) | (u32::from(ch[1]) << 8),
            _ => u32::from(ch[0]) << 16,
        };
        out.push(A[(n >> 18) as usize & 63] as char);
        out.push(A[(n >> 12) as usize & 63] as char);
        out.push(if ch.len() > 1 {
            A[(n >> 6) as usize & 63] as char
        } else {
            '='
        });
        out.push(if ch.len() > 2 {
            A[n as usize & 63] as char
        } else {
            '='
        });
    }
    out
}

/// `json.Unmarshal` into `interface{}`: objects → maps, numbers → `float64`. Errors read
/// as Go's (`invalid character 'b' looking for beginning of value`,
/// `unexpected end of JSON input`).
pub fn from_json(s: &str) -> Result<Value, String> {
    match from_json_partial(s) {
        (Some(v), None) => Ok(v),
        (_, Some(e)) => Err(e),
        (None, None) => Err("unexpected end of JSON input".to_string()),
    }
}

/// Like [`from_json`], but as Go's decoder: a number that does not fit a float64 is an
/// error, yet decoding goes on (that entry becomes null), so the partial value is returned
/// beside the first error. A syntax error gives no value.
pub fn from_json_partial(s: &str) -> (Option<Value>, Option<String>) {
    if let Err(e) = check_valid(s) {
        return (None, Some(e));
    }
    let mut p = Dec {
        b: s.as_bytes(),
        s,
        i: 0,
        err: None,
    };
    p.ws();
    match p.value() {
        Ok(v) => (Some(v), p.err),
        Err(e) => (None, Some(e)),
    }
}

/// Go's name for the JSON kind of a decoded value, for `cannot unmarshal X into …`.
pub(crate) fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Nil => "null",
        Value::Bool(_) => "bool",
        Value::Float(_) | Value::Int(..) => "number",
        Value::Str(_) => "string",
        Value::List(_) => "array",
        _ => "object",
    }
}

/// Go's `quoteChar` for scanner messages.
fn quote_char(c: char) -> String {
    match c {
        '\'' => "'\\''".to_string(),
        '"' => "'\"'".to_string(),
        c => {
            let q = numfmt::go_quote(&c.to_string());
            format!("'{}'", &q[1..q.len() - 1])
        }
    }
}

/// The syntax check Go runs before decoding (its state machine's messages).
fn check_valid(s: &str) -> Result<(), String> {
    let chars: Vec<char> = s.chars().collect();
    let mut i = 0usize;
    let is_ws = |c: char| matches!(c, ' ' | '\t' | '\n' | '\r');
    let err = |c: char, ctx: &str| Err(format!("invalid character {} {ctx}", quote_char(c)));
    let eof = || Err("unexpected end of JSON input".to_string());
    // Explicit stack of containers: true = object, false = array.
    let mut stack: Vec<bool> = Vec::new();
    // Parse a value starting at i (after whitespace).
    'value: loop {
        while i < chars.len() && is_ws(chars[i]) {
            i += 1;
        }
        let Some(&c) = chars.get(i) else { return eof() };
        match c {
            '{' => {
                i += 1;
                while i < chars.len() && is_ws(chars[i]) {
                    i += 1;
                }
                match chars.get(i) {
                    None => return eof(),
                    Some('}') => {
                        i += 1;
                    }
                    Some('"') => {
                        stack.push(true);
                        i = scan_string(&chars, i)?;
                        i = after_key(&chars, i)?;
                        continue 'value;
                    }
                    Some(&c) => return err(c, "looking for beginning of object key string"),
                }
            }
            '[' => {
                i += 1;
                while i < chars.len() && is_ws(chars[i]) {
                    i += 1;
                }
                match chars.get(i) {
                    None => return eof(),
                    Some(']') => {
                        i += 1;
                    }
                    Some(_) => {
                        stack.push(false);
                        continue 'value;
                    }
                }
            }
            '"' => i = scan_string(&chars, i)?,
            '-' | '0'..='9' => i = scan_number(&chars, i)?,
            't' => i = scan_lit(&chars, i, "true")?,
            'f' => i = scan_lit(&chars, i, "false")?,
            'n' => i = scan_lit(&chars, i, "null")?,
            c => return err(c, "looking for beginning of value"),
        }
        // After a complete value: close containers.
        loop {
            while i < chars.len() && is_ws(chars[i]) {
                i += 1;
            }
            match stack.last() {
                None => {
                    return match chars.get(i) {
                        None => Ok(()),
                        Some(&c) => err(c, "after top-level value"),
                    };
                }
                Some(true) => match chars.get(i) {
                    None => return eof(),
                    Some(',') => {
                        i += 1;
                        while i < chars.len() && is_ws(chars[i]) {
                            i += 1;
                        }
                        match chars.get(i) {
                            None => return eof(),
                            Some('"') => {
                                i = scan_string(&chars, i)?;
                                i = after_key(&chars, i)?;
                                continue 'value;
                            }
                            Some(&c) => {
                                return err(c, "looking for beginning of object key string")
                            }
                        }
                    }
                    Some('}') => {
                        i += 1;
                        stack.pop();
                    }
                    Some(&c) => return err(c, "after object key:value pair"),
                },
                Some(false) => match chars.get(i) {
                    None => return eof(),
                    Some(',') => {
                        i += 1;
                        continue 'value;
                    }
                    Some(']') => {
                        i += 1;
                        stack.pop();
                    }
                    Some(&c) => return err(c, "after array element"),
                },
            }
        }
    }
}

fn after_key(chars: &[char], mut i: usize) -> Result<usize, String> {
    while i < chars.len() && matches!(chars[i], ' ' | '\t' | '\n' | '\r') {
        i += 1;
    }
    match chars.get(i) {
        None => Err("unexpected end of JSON input".to_string()),
        Some(':') => Ok(i + 1),
        Some(&c) => Err(format!(
            "invalid character {} after object key",
            quote_char(c)
        )),
    }
}

fn scan_lit(chars: &[char], i: usize, lit: &str) -> Result<usize, String> {
    for (k, want) in lit.chars().enumerate().skip(1) {
        // At the end of input Go's scanner is fed a space.
        match chars.get(i + k).or(Some(&' ')) {
            None => return Err("unexpected end of JSON input".to_string()),
            Some(&c) if c == want => {}
            Some(&c) => {
                return Err(format!(
                    "invalid character {} in literal {lit} (expecting {})",
                    quote_char(c),
                    quote_char(want)
                ))
            }
        }
    }
    Ok(i + lit.chars().count())
}

fn scan_string(chars: &[char], mut i: usize) -> Result<usize, String> {
    i += 1;
    loop {
        let Some(&c) = chars.get(i) else {
            return Err("unexpected end of JSON input".to_string());
        };
        match c {
            '"' => return Ok(i + 1),
            '\\' => {
                i += 1;
                match chars.get(i) {
                    None => return Err("unexpected end of JSON input".to_string()),
                    Some('b' | 'f' | 'n' | 'r' | 't' | '\\' | '/' | '"') => i += 1,
                    Some('u') => {
                        i += 1;
                        for _ in 0..4 {
                            match chars.get(i) {
                                None => return Err("unexpected end of JSON input".to_string()),
                                Some(h) if h.is_ascii_hexdigit() => i += 1,
                                Some(&h) => {
                                    return Err(format!(
                                        "invalid character {} in \\u hexadecimal character escape",
                                        quote_char(h)
                                    ))
                                }
                            }
                        }
                    }
                    Some(&e) => {
                        return Err(format!(
                            "invalid character {} in string escape code",
                            quote_char(e)
                        ))
                    }
                }
            }
            c if (c as u32) < 0x20 => {
                return Err(format!(
                    "invalid character {} in string literal",
                    quote_char(c)
                ))
            }
            _ => i += 1,
        }
    }
}

fn scan_number(chars: &[char], mut i: usize) -> Result<usize, String> {
    let digit = |i: usize| chars.get(i).is_some_and(|c| c.is_ascii_digit());
    // At the end of input Go's scanner is fed a space.
    let at = |i: usize| Some(*chars.get(i).unwrap_or(&' '));
    if chars.get(i) == Some(&'-') {
        i += 1;
        match at(i) {
            None => return Err(String::new()),
            Some(c) if c.is_ascii_digit() => {}
            Some(c) => {
                return Err(format!(
                    "invalid character {} in numeric literal",
                    quote_char(c)
                ))
            }
        }
    }
    if chars.get(i) == Some(&'0') {
        i += 1;
    } else {
        while digit(i) {
            i += 1;
        }
    }
    if chars.get(i) == Some(&'.') {
        i += 1;
        match at(i) {
            None => return Err(String::new()),
            Some(c) if c.is_ascii_digit() => {}
            Some(c) => {
                return Err(format!(
                    "invalid character {} after decimal point in numeric literal",
                    quote_char(c)
                ))
            }
        }
        while digit(i) {
            i += 1;
        }
    }
    if matches!(chars.get(i), Some('e' | 'E')) {
        i += 1;
        if matches!(chars.get(i), Some('+' | '-')) {
            i += 1;
        }
        match at(i) {
            None => return Err(String::new()),
            Some(c) if c.is_ascii_digit() => {}
            Some(c) => {
                return Err(format!(
                    "invalid character {} in exponent of numeric literal",
                    quote_char(c)
                ))
            }
        }
        while digit(i) {
            i += 1;
        }
    }
    Ok(i)
}

/// Decoder over already-validated input.
struct Dec<'a> {
    b: &'a [u8],
    s: &'a str,
    i: usize,
    /// The first type error (Go keeps decoding after it).
    err: Option<String>,
}

impl Dec<'_> {
    fn ws(&mut self) {
        while self
            .b
            .get(self.i)
            .is_some_and(|c| matches!(c, b' ' | b'\t' | b'\n' | b'\r'))
        {
            self.i += 1;
        }
    }

    fn value(&mut self) -> Result<Value, String> {
        self.ws();
        match self.b.get(self.i) {
            Some(b'{') => {
                self.i += 1;
                let mut m = Map::new();
                loop {
                    self.ws();
                    match self.b.get(self.i) {
                        Some(b'}') => {
                            self.i += 1;
                            break;
                        }
                        Some(b',') => {
                            self.i += 1;
                            continue;
                        }
                        Some(b'"') => {
                            let k = self.string();
                            self.ws();
                            self.i += 1; // ':'
                            let v = self.value()?;
                            m.insert(k, v);
                        }
                        _ => return Err("unexpected end of JSON input".to_string()),
                    }
                }
                Ok(Value::map(m))
            }
            Some(b'[') => {
                self.i += 1;
                let mut l = Vec::new();
                loop {
                    self.ws();
                    match self.b.get(self.i) {
                        Some(b']') => {
                            self.i += 1;
                            break;
                        }
                        Some(b',') => {
                            self.i += 1;
                        }
                        Some(_) => l.push(self.value()?),
                        None => return Err("unexpected end of JSON input".to_string()),
                    }
                }
                Ok(Value::list(l))
            }
            Some(b'"') => Ok(Value::str(self.string())),
            Some(b't') => {
                self.i += 4;
                Ok(Value::Bool(true))
            }
            Some(b'f') => {
                self.i += 5;
                Ok(Value::Bool(false))
            }
            Some(b'n') => {
                self.i += 4;
                Ok(Value::Nil)
            }
            Some(_) => {
                let st = self.i;
                while self
                    .b
                    .get(self.i)
                    .is_some_and(|c| c.is_ascii_digit() || b"+-.eE".contains(c))
                {
                    self.i += 1;
                }
                let t = self.s.get(st..self.i).unwrap_or("");
                match t.parse::<f64>() {
                    Ok(f) if f.is_finite() => Ok(Value::Float(f)),
                    _ => {
                        if self.err.is_none() {
                            self.err = Some(format!(
                                "json: cannot unmarshal number {t} into Go value of type float64"
                            ));
                        }
                        Ok(Value::Nil)
                    }
                }
            }
            None => Err("unexpected end of JSON input".to_string()),
        }
    }

    fn hex4(&mut self) -> Option<u32> {
        let h = self.s.get(self.i..self.i + 4)?;
        let v = u32::from_str_radix(h, 16).ok()?;
        self.i += 4;
        Some(v)
    }

    fn string(&mut self) -> String {
        self.i += 1;
        let mut out = String::new();
        while let Some(&c) = self.b.get(self.i) {
            match c {
                b'"' => {
                    self.i += 1;
                    break;
                }
                b'\\' => {
                    self.i += 1;
                    let e = self.b.get(self.i).copied().unwrap_or(b'"');
                    self.i += 1;
                    match e {
                        b'b' => out.push('\x08'),
                        b'f' => out.push('\x0c'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => {
                            let Some(u) = self.hex4() else { break };
                            if (0xD800..0xDC00).contains(&u)
                                && self.b.get(self.i) == Some(&b'\\')
                                && self.b.get(self.i + 1) == Some(&b'u')
                            {
                                let save = self.i;
                                self.i += 2;
                                match self.hex4() {
                                    Some(lo) if (0xDC00..0xE000).contains(&lo) => {
                                        let cp = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
                                        out.push(char::from_u32(cp).unwrap_or('\u{FFFD}'));
                                        continue;
                                    }
                                    _ => self.i = save,
                                }
                            }
                            out.push(char::from_u32(u).unwrap_or('\u{FFFD}'));
                        }
                        other => out.push(other as char),
                    }
                }
                _ => {
                    // Copy one UTF-8 character.
                    let rest = self.s.get(self.i..).unwrap_or("");
                    match rest.chars().next() {
                        Some(ch) => {
                            out.push(ch);
                            self.i += ch.len_utf8();
                        }
                        None => break,
                    }
                }
            }
        }
        out
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn encodes_like_go() {
        let mut m = Map::new();
        m.insert("b".into(), Value::Float(1e6));
        m.insert("a".into(), Value::str("<x&y>\u{2028}"));
        m.insert("c".into(), Value::list(vec![]));
        let v = Value::map(m);
        assert_eq!(
            to_json(&v).as_deref(),
            Ok(r#"{"a":"\u003cx\u0026y\u003e\u2028","b":1000000,"c":[]}"#)
        );
        assert_eq!(
            to_raw_json(&v).as_deref(),
            Ok(r#"{"a":"<x&y>\u2028","b":1000000,"c":[]}"#)
        );
        assert_eq!(
            to_pretty_json(&v).as_deref(),
            Ok("{\n  \"a\": \"\\u003cx\\u0026y\\u003e\\u2028\",\n  \"b\": 1000000,\n  \"c\": []\n}")
        );
        assert!(to_json(&Value::Float(f64::INFINITY)).is_err());
    }

    #[test]
    fn decode_errors_read_like_go() {
        assert_eq!(
            from_json("bad").unwrap_err(),
            "invalid character 'b' looking for beginning of value"
        );
        assert_eq!(
            from_json("{\"a\":").unwrap_err(),
            "unexpected end of JSON input"
        );
        assert_eq!(from_json("").unwrap_err(), "unexpected end of JSON input");
        assert_eq!(
            from_json("[1,]").unwrap_err(),
            "invalid character ']' looking for beginning of value"
        );
        assert_eq!(
            from_json("{} x").unwrap_err(),
            "invalid character 'x' after top-level value"
        );
    }

    #[test]
    fn decodes_numbers_as_floats() {
        let v = from_json(r#"{"a":[1,2.5,"\ud83d\ude00"]}"#).map(|v| format!("{v:?}"));
        assert_eq!(v.as_deref(), Ok(r#"{"a": [1.0f, 2.5f, "😀"]}"#));
    }
}
