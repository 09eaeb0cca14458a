//! Go's predefined template functions (`and`, `or`, `not`, `len`, `index`, `slice`,
//! `print*`, `html`, `js`, `urlquery`, the comparisons, `call`).
//!
//! Arguments arrive as (value, boxed) pairs: `boxed` tells that Go would hold the value
//! in an `interface{}` (a map element), which changes a few error messages.

use std::borrow::Cow;
use std::sync::Arc;

use crate::bytestr;
use crate::fmt::{sprint, sprintf, sprintln};
use crate::value::{IntKind, Object, Value};

const NAMES: &[&str] = &[
    "and", "or", "not", "len", "index", "slice", "print", "printf", "println", "html", "js",
    "urlquery", "eq", "ne", "lt", "le", "gt", "ge", "call",
];

/// Whether `name` is one of Go's builtins.
pub(crate) fn is_builtin(name: &str) -> bool {
    NAMES.contains(&name)
}

/// (fixed parameter count, variadic).
pub(crate) fn arity(name: &str) -> (usize, bool) {
    match name {
        "and" | "or" | "index" | "slice" | "printf" | "eq" | "call" => (1, true),
        "print" | "println" | "html" | "js" | "urlquery" => (0, true),
        "not" | "len" => (1, false),
        _ => (2, false),
    }
}

/// A Go complex128 constant (only reachable through imaginary literals).
#[derive(Debug)]
pub(crate) struct Complex(pub f64, pub f64);

impl Object for Complex {
    fn type_name(&self) -> Cow<'_, str> {
        Cow::Borrowed("complex128")
    }
    fn kind_name(&self) -> &'static str {
        "complex128"
    }
    fn get(&self, _name: &str, _args: &[Value]) -> Option<Result<Value, String>> {
        None
    }
    fn format(&self) -> String {
        let im = crate::fmt::format_float_v(self.1);
        let sign = if im.starts_with('-') || im.starts_with('+') {
            ""
        } else {
            "+"
        };
        format!("({}{sign}{im}i)", crate::fmt::format_float_v(self.0))
    }
    fn truthy(&self) -> bool {
        self.0 != 0.0 || self.1 != 0.0
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

type Args<'a> = &'a [(Value, bool)];

/// Calls builtin `name`. Errors are the text after `error calling NAME: `.
pub(crate) fn call(name: &str, args: Args<'_>) -> Result<Value, String> {
    let vals = || args.iter().map(|(v, _)| v.clone()).collect::<Vec<_>>();
    match name {
        "not" => Ok(Value::Bool(!args[0].0.truthy())),
        "len" => length(&args[0]),
        "index" => index(&args[0], &args[1..]),
        "slice" => slice(&args[0].0, &args[1..]),
        "print" => Ok(Value::from(sprint(&vals()))),
        "println" => Ok(Value::from(sprintln(&vals()))),
        "printf" => {
            let v = vals();
            let f = v[0].as_str().unwrap_or_default().to_string();
            Ok(Value::from(sprintf(&f, &v[1..])))
        }
        "html" => Ok(Value::from(html_escape(&eval_args(&vals())))),
        "js" => Ok(Value::from(js_escape(&eval_args(&vals())))),
        "urlquery" => Ok(Value::from(query_escape(&eval_args(&vals())))),
        "eq" => eq(&args[0].0, &args[1..]).map(Value::Bool),
        "ne" => eq(&args[0].0, &args[1..2]).map(|b| Value::Bool(!b)),
        "lt" => lt(&args[0].0, &args[1].0).map(Value::Bool),
        "le" => le(&args[0].0, &args[1].0).map(Value::Bool),
        "gt" => le(&args[0].0, &args[1].0).map(|b| Value::Bool(!b)),
        "ge" => lt(&args[0].0, &args[1].0).map(|b| Value::Bool(!b)),
        _ => Err(format!("unknown builtin {name}")),
    }
}

/// `call FN args…`: templates here hold no function values, so every call fails with
/// Go's message. `callee` is the source text of the first argument.
pub(crate) fn call_fn(callee: &str, f: &Value) -> Result<Value, String> {
    match f {
        Value::Nil => Err("call of nil".into()),
        other => Err(format!(
            "non-function {callee} of type {}",
            other.type_name()
        )),
    }
}

fn eval_args(args: &[Value]) -> String {
    match args {
        [Value::Str(s)] => s.to_string(),
        // Go's printableValue dereferences a pointer first: its struct is printed without
        // the `&`.
        [Value::Object(o)] if o.kind_name() == "ptr" && o.go_struct().is_some() => o.format(),
        _ => sprint(args),
    }
}

fn length((v, boxed): &(Value, bool)) -> Result<Value, String> {
    match v {
        Value::Nil if *boxed => Err("len of nil pointer".into()),
        Value::Nil => Err("reflect: call of reflect.Value.Type on zero Value".into()),
        Value::Str(s) => Ok(Value::int(bytestr::go_len(s) as i64)),
        Value::Bytes(b) => Ok(Value::int(b.len() as i64)),
        Value::List(l) => Ok(Value::int(l.len() as i64)),
        Value::Map(m) => Ok(Value::int(m.len() as i64)),
        Value::Object(o) => match o.len() {
            Some(n) => Ok(Value::int(n as i64)),
            // `len` dereferences a pointer before it looks at the type.
            None if o.kind_name() == "ptr" => Err(format!(
                "len of type {}",
                o.type_name().strip_prefix('*').unwrap_or(&o.type_name())
            )),
            None => Err(format!("len of type {}", o.type_name())),
        },
        other => Err(format!("len of type {}", other.type_name())),
    }
}

fn index_arg(i: &Value, cap: usize) -> Result<usize, String> {
    let x: i64 = match i {
        Value::Int(n, k) if k.is_unsigned() => {
            if *n < 0 {
                return Err(format!("index out of range: {}", *n as u64));
            }
            *n
        }
        Value::Int(n, _) => *n,
        Value::Nil => return Err("cannot index slice/array with nil".into()),
        other => {
            return Err(format!(
                "cannot index slice/array with type {}",
                other.type_name()
            ))
        }
    };
    if x < 0 || x as u64 > cap as u64 {
        return Err(format!("index out of range: {x}"));
    }
    Ok(x as usize)
}

fn index((item, _): &(Value, bool), idx: Args<'_>) -> Result<Value, String> {
    let mut item = item.clone();
    if item.is_nil() {
        return Err("index of untyped nil".into());
    }
    for (i, _) in idx {
        item = match &item {
            Value::Nil => return Err("index of nil pointer".into()),
            Value::List(l) => {
                let x = index_arg(i, l.len())?;
                match l.get(x) {
                    Some(v) => v.clone(),
                    None => return Err("reflect: slice index out of range".into()),
                }
            }
            Value::Bytes(b) => {
                let x = index_arg(i, b.len())?;
                match b.get(x) {
                    Some(v) => Value::Int(i64::from(*v), IntKind::Uint8),
                    None => return Err("reflect: slice index out of range".into()),
                }
            }
            Value::Str(s) => {
                let x = index_arg(i, bytestr::go_len(s))?;
                match bytestr::byte_at(s, x) {
                    Some(v) => Value::Int(i64::from(v), IntKind::Uint8),
                    None => return Err("reflect: string index out of range".into()),
                }
            }
            Value::Map(m) => match i {
                Value::Str(k) => m.get(k).unwrap_or(Value::Nil),
                Value::Nil => return Err("value is nil; should be of type string".into()),
                other => {
                    return Err(format!(
                        "value has type {}; should be string",
                        other.type_name()
                    ))
                }
            },
            Value::Object(o) => match o.index(i) {
                Some(r) => r?,
                None => return Err(format!("can't index item of type {}", o.type_name())),
            },
            other => return Err(format!("can't index item of type {}", other.type_name())),
        };
    }
    Ok(item)
}

fn slice(item: &Value, idx: Args<'_>) -> Result<Value, String> {
    if item.is_nil() {
        return Err("slice of untyped nil".into());
    }
    if idx.len() > 3 {
        return Err(format!("too many slice indexes: {}", idx.len()));
    }
    let cap = match item {
        Value::Str(s) => {
            if idx.len() == 3 {
                return Err("cannot 3-index slice a string".into());
            }
            bytestr::go_len(s)
        }
        Value::List(l) => l.len(),
        Value::Bytes(b) => b.len(),
        other => return Err(format!("can't slice item of type {}", other.type_name())),
    };
    let mut ix = [0usize, cap, cap];
    for (k, (v, _)) in idx.iter().enumerate() {
        ix[k] = index_arg(v, cap)?;
    }
    if ix[0] > ix[1] {
        return Err(format!("invalid slice index: {} > {}", ix[0], ix[1]));
    }
    if idx.len() == 3 && ix[1] > ix[2] {
        return Err(format!("invalid slice index: {} > {}", ix[1], ix[2]));
    }
    Ok(match item {
        Value::Str(s) => match bytestr::slice(s, ix[0], ix[1]) {
            Some(t) => Value::from(t.into_owned()),
            None => return Err(format!("slice index out of range: {}", ix[1])),
        },
        Value::List(l) => Value::list(l[ix[0]..ix[1]].to_vec()),
        Value::Bytes(b) => Value::Bytes(Arc::from(&b[ix[0]..ix[1]])),
        _ => Value::Nil,
    })
}

#[derive(PartialEq, Eq, Clone, Copy)]
enum Kind {
    Invalid,
    Bool,
    Int,
    Uint,
    Float,
    Complex,
    Str,
    Other,
}

fn basic_kind(v: &Value) -> Kind {
    match v {
        Value::Nil => Kind::Invalid,
        Value::Bool(_) => Kind::Bool,
        Value::Int(_, k) if k.is_unsigned() => Kind::Uint,
        Value::Int(..) => Kind::Int,
        Value::Float(_) => Kind::Float,
        Value::Str(_) => Kind::Str,
        Value::Object(o) if o.kind_name() == "complex128" => Kind::Complex,
        _ => Kind::Other,
    }
}

impl Kind {
    /// Whether Go's `basicKind` calls this `invalidKind` (nil and all non-basic kinds).
    fn is_go_invalid(self) -> bool {
        matches!(self, Kind::Invalid | Kind::Other)
    }
}

/// Whether Go's `reflect.Value.IsNil` (or an invalid value) holds: nil, a nil map, a nil slice.
fn go_is_nil(v: &Value) -> bool {
    match v {
        Value::Nil => true,
        Value::Map(m) => m.is_nil(),
        Value::List(l) => l.is_nil(),
        _ => false,
    }
}

/// `eq` on two values of Go's `invalidKind`: values of different reflect kinds do not
/// compare unless one is nil; a nil side makes it a nil-ness test; otherwise the type must
/// be comparable (no map or slice is).
fn eq_non_basic(a: &Value, b: &Value) -> Result<bool, String> {
    let (r1, r2) = (a.kind_name(), b.kind_name());
    if r1 != r2 && !matches!(a, Value::Nil) && !matches!(b, Value::Nil) {
        return Err(format!(
            "non-comparable types {}: {}, {}: {}",
            sprintf("%s", std::slice::from_ref(a)),
            a.type_name(),
            b.type_name(),
            sprintf("%v", std::slice::from_ref(b)),
        ));
    }
    if go_is_nil(a) || go_is_nil(b) {
        return Ok(go_is_nil(a) == go_is_nil(b));
    }
    Err(format!(
        "non-comparable type {}: {}",
        sprintf("%s", std::slice::from_ref(b)),
        b.type_name()
    ))
}

const BAD_CMP: &str = "incompatible types for comparison";
const BAD_CMP_TYPE: &str = "invalid type for comparison";

fn complex_of(v: &Value) -> (f64, f64) {
    if let Value::Object(o) = v {
        if let Some(c) = o.as_any().downcast_ref::<Complex>() {
            return (c.0, c.1);
        }
    }
    (0.0, 0.0)
}

fn eq(a: &Value, rest: Args<'_>) -> Result<bool, String> {
    if rest.is_empty() {
        return Err("missing argument for comparison".into());
    }
    let k1 = basic_kind(a);
    for (b, _) in rest {
        let k2 = basic_kind(b);
        let truth = if k1.is_go_invalid() && k2.is_go_invalid() {
            // Go's basicKind puts nil and every non-basic kind (maps, slices, structs) in
            // one group; those compare by reflect kind and nil-ness.
            eq_non_basic(a, b)?
        } else if k1 != k2 {
            match (k1, k2, a, b) {
                (Kind::Int, Kind::Uint, Value::Int(x, _), Value::Int(y, _)) => {
                    *x >= 0 && *x as u64 == *y as u64
                }
                (Kind::Uint, Kind::Int, Value::Int(x, _), Value::Int(y, _)) => {
                    *y >= 0 && *x as u64 == *y as u64
                }
                _ => {
                    if k1 != Kind::Invalid && k2 != Kind::Invalid {
                        return Err(BAD_CMP.into());
                    }
                    false
                }
            }
        } else {
            match (a, b) {
                (Value::Bool(x), Value::Bool(y)) => x == y,
                (Value::Int(x, _), Value::Int(y, _)) => x == y,
                (Value::Float(x), Value::Float(y)) => x == y,
                (Value::Str(x), Value::Str(y)) => {
                    // Equal Go bytes may be spelled differently (pieces of a cut character).
                    x == y
                        || ((bytestr::has_escapes(x) || bytestr::has_escapes(y))
                            && bytestr::to_go_bytes(x) == bytestr::to_go_bytes(y))
                }
                _ if k1 == Kind::Complex => complex_of(a) == complex_of(b),
                _ => {
                    return Err(format!(
                        "non-comparable type {}: {}",
                        sprintf("%s", std::slice::from_ref(b)),
                        b.type_name()
                    ))
                }
            }
        };
        if truth {
            return Ok(true);
        }
    }
    Ok(false)
}

fn lt(a: &Value, b: &Value) -> Result<bool, String> {
    let k1 = basic_kind(a);
    if matches!(k1, Kind::Other | Kind::Invalid) {
        return Err(BAD_CMP_TYPE.into());
    }
    let k2 = basic_kind(b);
    if matches!(k2, Kind::Other | Kind::Invalid) {
        return Err(BAD_CMP_TYPE.into());
    }
    if k1 != k2 {
        return match (k1, k2, a, b) {
            (Kind::Int, Kind::Uint, Value::Int(x, _), Value::Int(y, _)) => {
                Ok(*x < 0 || (*x as u64) < *y as u64)
            }
            (Kind::Uint, Kind::Int, Value::Int(x, _), Value::Int(y, _)) => {
                Ok(*y >= 0 && (*x as u64) < *y as u64)
            }
            _ => Err(BAD_CMP.into()),
        };
    }
    match (a, b) {
        (Value::Bool(_), _) => Err(BAD_CMP_TYPE.into()),
        (Value::Int(x, k), Value::Int(y, _)) if k.is_unsigned() => Ok((*x as u64) < *y as u64),
        (Value::Int(x, _), Value::Int(y, _)) => Ok(x < y),
        (Value::Float(x), Value::Float(y)) => Ok(x < y),
        (Value::Str(x), Value::Str(y)) => Ok(bytestr::to_go_bytes(x) < bytestr::to_go_bytes(y)),
        _ => Err(BAD_CMP_TYPE.into()),
    }
}

fn le(a: &Value, b: &Value) -> Result<bool, String> {
    let l = lt(a, b)?;
    if l {
        return Ok(true);
    }
    eq(a, &[(b.clone(), false)])
}

/// Go's `template.HTMLEscapeString`.
pub(crate) fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => out.push_str("&#34;"),
            '\'' => out.push_str("&#39;"),
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\0' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// Go's `template.JSEscapeString`.
pub(crate) fn js_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '"' => out.push_str("\\\""),
            '<' => out.push_str("\\u003C"),
            '>' => out.push_str("\\u003E"),
            '&' => out.push_str("\\u0026"),
            '=' => out.push_str("\\u003D"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04X}", c as u32)),
            c if c.is_ascii() => out.push(c),
            c if is_print(c) => out.push(c),
            c => out.push_str(&format!("\\u{:04X}", c as u32)),
        }
    }
    out
}

/// An approximation of Go's `unicode.IsPrint` for non-ASCII runes.
pub(crate) fn is_print(c: char) -> bool {
    !(c.is_control()
        || matches!(c as u32, 0x2028 | 0x2029 | 0xFFFD..=0xFFFF | 0xE000..=0xF8FF | 0x200B..=0x200F | 0x202A..=0x202E | 0x2060..=0x206F | 0xFEFF)
        || c.is_whitespace() && c != ' ')
}

/// Go's `url.QueryEscape`.
pub(crate) fn query_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for &b in bytestr::to_go_bytes(s).iter() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            b => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}
