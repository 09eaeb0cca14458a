//! TOML as Helm's `toToml`/`fromToml` use it (BurntSushi/toml v1.4): the encoder's layout
//! (plain keys first, then tables, headers indented by nesting) and a reader giving
//! `int64` integers.

use super::numfmt;
use gotime::{GoTime, Location, TimeObject};
use gotmpl::value::{IntKind, Map, Value};

/// BurntSushi's encoding of a `time.Time`: RFC 3339, or the bare local date, time or
/// datetime for values read from such TOML forms (in their own zones).
fn toml_time(t: &GoTime) -> String {
    let layout = match &t.loc {
        Location::Fixed(n, 0) if n == "datetime-local" => "2006-01-02T15:04:05.999999999",
        Location::Fixed(n, 0) if n == "date-local" => "2006-01-02",
        Location::Fixed(n, 0) if n == "time-local" => "15:04:05.999999999",
        _ => return t.format("2006-01-02T15:04:05.999999999Z07:00"),
    };
    t.in_loc(Location::Utc).format(layout)
}

/// BurntSushi's string escaping (control characters as `\uXXXX`, a few short escapes).
fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\x08' => out.push_str("\\b"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\x0c' => out.push_str("\\f"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\u{:04x}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn is_bare(k: &str) -> bool {
    !k.is_empty()
        && k.chars()
            .all(|r| r.is_ascii_alphanumeric() || r == '_' || r == '-')
}

fn key_piece(k: &str) -> String {
    if k.is_empty() {
        "\"\"".to_string()
    } else if is_bare(k) {
        k.to_string()
    } else {
        quote(k)
    }
}

fn key_path(key: &[String]) -> String {
    key.iter()
        .map(|k| key_piece(k))
        .collect::<Vec<_>>()
        .join(".")
}

#[derive(PartialEq)]
enum TomlTy {
    Nil,
    Hash,
    ArrayHash,
    Other,
}

/// BurntSushi treats nil maps and slices as nil: skipped in tables, refused in arrays.
fn nilish(v: &Value) -> bool {
    match v {
        Value::Nil => true,
        Value::Map(m) => m.is_nil(),
        Value::List(l) => l.is_nil(),
        _ => false,
    }
}

/// A struct object's fields as BurntSushi encodes them (Go field names, no `toml` tags
/// in the structs Helm exposes, embedded structs' fields in place), or the underlying
/// value of a named slice or map type.
enum Shape {
    Struct(Vec<(String, Value)>),
    Underlying(Value),
}

fn shape(v: &Value) -> Option<Shape> {
    let Value::Object(o) = v else {
        return None;
    };
    if let Some(fields) = o.go_struct() {
        let mut out = Vec::new();
        fn walk(fields: Vec<gotmpl::Field>, out: &mut Vec<(String, Value)>) {
            for f in fields {
                if f.embedded {
                    if let Value::Object(inner) = &f.value {
                        walk(inner.go_struct().unwrap_or_default(), out);
                        continue;
                    }
                }
                out.push((f.name.to_string(), f.value));
            }
        }
        walk(fields, &mut out);
        return Some(Shape::Struct(out));
    }
    o.underlying().map(Shape::Underlying)
}

fn ty(v: &Value) -> Result<TomlTy, String> {
    match shape(v) {
        Some(Shape::Struct(_)) => return Ok(TomlTy::Hash),
        Some(Shape::Underlying(u)) => return ty(&u),
        None => {}
    }
    Ok(match v {
        v if nilish(v) => TomlTy::Nil,
        Value::Map(_) => TomlTy::Hash,
        Value::List(l) => {
            if l.is_empty() {
                TomlTy::Other
            } else {
                let mut all = true;
                for it in l.iter() {
                    match ty(it)? {
                        TomlTy::Nil => {
                            return Err("toml: cannot encode array with nil element".to_string())
                        }
                        TomlTy::Hash => {}
                        _ => all = false,
                    }
                }
                if all {
                    TomlTy::ArrayHash
                } else {
                    TomlTy::Other
                }
            }
        }
        _ => TomlTy::Other,
    })
}

struct Enc {
    out: String,
}

impl Enc {
    fn newline(&mut self) {
        if !self.out.is_empty() {
            self.out.push('\n');
        }
    }

    fn indent(&self, key: &[String]) -> String {
        "  ".repeat(key.len().saturating_sub(1))
    }

    fn encode(&mut self, key: &mut Vec<String>, v: &Value) -> Result<(), String> {
        match shape(v) {
            Some(Shape::Struct(_)) => return self.table(key, v),
            Some(Shape::Underlying(u)) => return self.encode(key, &u),
            None => {}
        }
        match v {
            Value::Nil => Ok(()),
            v if nilish(v) && !key.is_empty() => Ok(()),
            Value::Map(_) => self.table(key, v),
            Value::List(l) if ty(v)? == TomlTy::ArrayHash => {
                if key.is_empty() {
                    return Err("toml: top-level values must be Go maps or structs".to_string());
                }
                for it in l.iter() {
                    self.newline();
                    let line = format!("{}[[{}]]", self.indent(key), key_path(key));
                    self.out.push_str(&line);
                    self.newline();
                    self.map(key, it, false)?;
                }
                Ok(())
            }
            _ => self.key_value(key, v, false),
        }
    }

    fn key_value(&mut self, key: &[String], v: &Value, inline: bool) -> Result<(), String> {
        if let Some(last) = key.last() {
            let line = format!("{}{} = ", self.indent(key), key_piece(last));
            self.out.push_str(&line);
        }
        self.element(v)?;
        if !inline && !key.is_empty() {
            self.newline();
        }
        Ok(())
    }

    fn table(&mut self, key: &mut Vec<String>, v: &Value) -> Result<(), String> {
        if key.len() == 1 {
            self.newline();
        }
        if !key.is_empty() {
            let line = format!("{}[{}]", self.indent(key), key_path(key));
            self.out.push_str(&line);
            self.newline();
        }
        self.map(key, v, false)
    }

    fn map(&mut self, key: &mut Vec<String>, v: &Value, inline: bool) -> Result<(), String> {
        let m: Vec<(String, Value)> = match (v, shape(v)) {
            (_, Some(Shape::Struct(fields))) => fields,
            (_, Some(Shape::Underlying(u))) => return self.map(key, &u, inline),
            (Value::Map(m), None) => m.snapshot().into_iter().collect(),
            _ => return self.element(v),
        };
        let mut direct = Vec::new();
        let mut sub = Vec::new();
        for (k, val) in m.iter() {
            match ty(val)? {
                TomlTy::Hash | TomlTy::ArrayHash => sub.push((k, val)),
                _ => direct.push((k, val)),
            }
        }
        if inline {
            self.out.push('{');
        }
        let has_sub = !sub.is_empty();
        for (group, trail) in [(direct, has_sub), (sub, false)] {
            let n = group.len();
            for (i, (k, val)) in group.into_iter().enumerate() {
                if nilish(val) {
                    continue;
                }
                if inline {
                    self.key_value(std::slice::from_ref(k), val, true)?;
                    if trail || i + 1 != n {
                        self.out.push_str(", ");
                    }
                } else {
                    key.push(k.clone());
                    let r = self.encode(key, val);
                    key.pop();
                    r?;
                }
            }
        }
        if inline {
            self.out.push('}');
        }
        Ok(())
    }

    fn element(&mut self, v: &Value) -> Result<(), String> {
        match v {
            Value::Nil => return Err("toml: cannot encode a nil value".to_string()),
            Value::Bool(b) => self.out.push_str(if *b { "true" } else { "false" }),
            Value::Int(i, k) => {
                if matches!(k, IntKind::Uint64 | IntKind::Uint) {
                    self.out.push_str(&(*i as u64).to_string())
                } else {
                    self.out.push_str(&i.to_string())
                }
            }
            Value::Float(f) => {
                if f.is_nan() {
                    if f.is_sign_negative() {
                        self.out.push('-');
                    }
                    self.out.push_str("nan");
                } else if f.is_infinite() {
                    if *f < 0.0 {
                        self.out.push('-');
                    }
                    self.out.push_str("inf");
                } else {
                    let s = numfmt::format_f(*f);
                    self.out.push_str(&s);
                    if !s.contains('.') {
                        self.out.push_str(".0");
                    }
                }
            }
            Value::Str(s) => self.out.push_str(&quote(s)),
            Value::Bytes(b) => {
                let parts: Vec<String> = b.iter().map(u8::to_string).collect();
                self.out.push('[');
                self.out.push_str(&parts.join(", "));
                self.out.push(']');
            }
            Value::List(l) => {
                // Checks for nil elements first, as the encoder does.
                ty(v)?;
                self.out.push('[');
                for (i, it) in l.iter().enumerate() {
                    self.element(it)?;
                    if i + 1 != l.len() {
                        self.out.push_str(", ");
                    }
                }
                self.out.push(']');
            }
            Value::Map(_) => self.map(&mut Vec::new(), v, true)?,
            Value::Object(_) if shape(v).is_some() => match shape(v) {
                Some(Shape::Underlying(u)) => self.element(&u)?,
                _ => self.map(&mut Vec::new(), v, true)?,
            },
            Value::Object(o) => match o.as_any().downcast_ref::<TimeObject>() {
                Some(t) => self.out.push_str(&toml_time(&t.0)),
                None => self.out.push_str(&quote(&o.format())),
            },
        }
        Ok(())
    }
}

/// BurntSushi/toml's `Encoder.Encode` output (trailing newline kept), or its error text.
pub fn to_toml(v: &Value) -> Result<String, String> {
    let mut e = Enc { out: String::new() };
    e.encode(&mut Vec::new(), v)?;
    Ok(e.out)
}

/// Parses a TOML document into a map as BurntSushi/toml does for Helm's `fromToml`
/// (integers as `int64`, datetimes as `time.Time`), or gives its error text.
pub fn from_toml(s: &str) -> Result<Map, String> {
    super::toml_lex::read(s)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn layout_follows_burntsushi() {
        let mut sub = Map::new();
        sub.insert("x".into(), Value::Bool(true));
        let mut t = Map::new();
        t.insert("k".into(), Value::str("v"));
        t.insert("sub".into(), Value::map(sub));
        let mut m = Map::new();
        m.insert("t".into(), Value::map(t));
        m.insert("a".into(), Value::Float(1.0));
        m.insert(
            "l".into(),
            Value::list(vec![Value::int(1), Value::str("a")]),
        );
        assert_eq!(
            to_toml(&Value::map(m)).as_deref(),
            Ok("a = 1.0\nl = [1, \"a\"]\n\n[t]\n  k = \"v\"\n  [t.sub]\n    x = true\n")
        );
    }
}
