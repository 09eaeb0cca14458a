//! Helm's `--set` family of parsers (`pkg/strvals`): `--set`, `--set-string`,
//! `--set-json`, `--set-file` and `--set-literal`.
//!
//! Grammar: `key=value[,key=value…]` where a key is `part(.part|[INDEX])*` and a value is
//! a scalar up to the next unescaped `,` or a `{a,b}` list. `\` escapes the next
//! character (not in `--set-literal`). The parsers write into an existing map in place,
//! as Helm's `ParseInto` does; errors carry Helm's texts without the
//! `failed parsing --set data: ` prefix (see [`crate::values::options`]).

use gotmpl::{MapRef, Value};

use super::new_map;

/// Largest list index accepted (Helm's `strvals.MaxIndex`).
pub const MAX_INDEX: i64 = 65536;
/// Deepest `a.b.c` key nesting accepted (Helm's `strvals.MaxNestedNameLevel`).
pub const MAX_NESTED_NAME_LEVEL: usize = 30;
/// Deepest `a[0][0]…` / JSON nesting this implementation accepts (Go's stack grows; ours
/// does not, so very deep input is an error instead of a crash).
pub const MAX_DEPTH: usize = 128;

/// Reads a `--set-file` value: given the path (after escape processing), returns the
/// value to store (Helm stores the file content as a string) or an error text.
pub type FileReader<'a> = dyn FnMut(&str) -> Result<Value, String> + 'a;

/// Parses a `--set` line into a new map.
pub fn parse(s: &str) -> Result<Value, String> {
    let m = new_map();
    parse_into(s, &m)?;
    Ok(Value::Map(m))
}

/// Parses a `--set` line into `dest` (Helm's `strvals.ParseInto`).
pub fn parse_into(s: &str, dest: &MapRef) -> Result<(), String> {
    Parser::new(s, Mode::Typed { strings: false }).run(dest)
}

/// Parses a `--set-string` line into `dest`: every value is a string.
pub fn parse_into_string(s: &str, dest: &MapRef) -> Result<(), String> {
    Parser::new(s, Mode::Typed { strings: true }).run(dest)
}

/// Parses a `--set-json` line (`key=JSON[,key=JSON…]`) into `dest`.
pub fn parse_json(s: &str, dest: &MapRef) -> Result<(), String> {
    Parser::new(s, Mode::Json).run(dest)
}

/// Parses a `--set-literal` line into `dest`: the value is the rest of the line, verbatim.
pub fn parse_literal_into(s: &str, dest: &MapRef) -> Result<(), String> {
    Parser::new(s, Mode::Literal).run(dest)
}

/// Parses a `--set-file` line into `dest`; each value is a path handed to `reader`.
pub fn parse_file_into(s: &str, dest: &MapRef, reader: &mut FileReader<'_>) -> Result<(), String> {
    Parser::new(s, Mode::File(reader)).run(dest)
}

/// Helm's `typedVal`: the type a `--set` scalar gets.
pub fn typed_val(s: &str, force_string: bool) -> Value {
    if force_string {
        return Value::str(s);
    }
    if go_equal_fold(s, "true") {
        return Value::Bool(true);
    }
    if go_equal_fold(s, "false") {
        return Value::Bool(false);
    }
    if go_equal_fold(s, "null") {
        return Value::Nil;
    }
    if s == "0" {
        return Value::int64(0);
    }
    if !s.is_empty() && !s.starts_with('0') {
        if let Some(i) = go_parse_int(s) {
            return Value::int64(i);
        }
    }
    Value::str(s)
}

/// Go's `strings.EqualFold` against a lower-case ASCII word (the only non-ASCII rune
/// folding onto one of its letters here is `ſ` → `s`, and `K` (Kelvin) → `k`).
fn go_equal_fold(s: &str, word: &str) -> bool {
    let mut a = s.chars();
    let mut b = word.chars();
    loop {
        match (a.next(), b.next()) {
            (None, None) => return true,
            (Some(x), Some(y)) => {
                let x = match x {
                    '\u{17f}' => 's',
                    '\u{212a}' => 'k',
                    c => c.to_ascii_lowercase(),
                };
                if x != y {
                    return false;
                }
            }
            _ => return false,
        }
    }
}

/// Go's `strconv.ParseInt(s, 10, 64)`: optional sign, ASCII digits, in range.
fn go_parse_int(s: &str) -> Option<i64> {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // Rust's parser accepts the same syntax (sign + digits) for i64.
    s.parse::<i64>().ok()
}

/// Go's `strconv.Atoi` with its error text.
fn go_atoi(s: &str) -> Result<i64, String> {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "strconv.Atoi: parsing {}: invalid syntax",
            gotmpl::fmt::go_quote(s)
        ));
    }
    s.parse::<i64>().map_err(|_| {
        format!(
            "strconv.Atoi: parsing {}: value out of range",
            gotmpl::fmt::go_quote(s)
        )
    })
}

/// Go's `%q` of a key.
fn q(s: &str) -> String {
    gotmpl::fmt::go_quote(s)
}

/// Go's `%q` of a `[]rune`: `['a' 'b']`.
fn quote_runes(s: &str) -> String {
    let parts: Vec<String> = s
        .chars()
        .map(|c| match c {
            '\'' => "'\\''".to_string(),
            '"' => "'\"'".to_string(),
            c => {
                let dq = gotmpl::fmt::go_quote(&c.to_string());
                let inner = dq
                    .strip_prefix('"')
                    .and_then(|x| x.strip_suffix('"'))
                    .unwrap_or(&dq);
                format!("'{inner}'")
            }
        })
        .collect();
    format!("[{}]", parts.join(" "))
}

/// The Go dynamic type name in a failed type assertion (`interface {} is X, not Y`).
fn go_dyn_type(v: &Value) -> String {
    match v {
        Value::Nil => "nil".into(),
        other => other.type_name().into_owned(),
    }
}

fn conversion_panic(v: &Value, want: &str) -> Err {
    Err::Msg(format!(
        "unable to parse key: interface conversion: interface {{}} is {}, not {want}",
        go_dyn_type(v)
    ))
}

const MAP_T: &str = "map[string]interface {}";
const LIST_T: &str = "[]interface {}";

/// Internal parse outcome: Go's `io.EOF` (a normal end), `ErrNotList`, or a message.
#[derive(Debug)]
enum Err {
    Eof,
    NotList,
    Msg(String),
}

type PResult<T> = Result<T, Err>;

enum Mode<'a> {
    Typed { strings: bool },
    Json,
    Literal,
    File(&'a mut FileReader<'a>),
}

struct Parser<'s, 'a> {
    src: &'s str,
    pos: usize,
    mode: Mode<'a>,
    depth: usize,
}

impl<'s, 'a> Parser<'s, 'a> {
    fn new(src: &'s str, mode: Mode<'a>) -> Self {
        Parser {
            src,
            pos: 0,
            mode,
            depth: 0,
        }
    }

    fn run(mut self, dest: &MapRef) -> Result<(), String> {
        loop {
            match self.key(dest, 0) {
                Ok(()) => continue,
                Err(Err::Eof) => return Ok(()),
                Err(Err::NotList) => return Err("not a list".into()),
                Err(Err::Msg(m)) => return Err(m),
            }
        }
    }

    fn literal(&self) -> bool {
        matches!(self.mode, Mode::Literal)
    }

    fn read(&mut self) -> Option<char> {
        let c = self.src.get(self.pos..)?.chars().next()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    fn unread(&mut self, c: char) {
        self.pos = self.pos.saturating_sub(c.len_utf8());
    }

    /// Go's `runesUntil`: reads up to a stop rune (consumed and returned) or the end
    /// (`None`); `\` escapes the next rune except in literal mode.
    fn until(&mut self, stop: &[char]) -> (String, Option<char>) {
        let esc = !self.literal();
        let mut v = String::new();
        loop {
            match self.read() {
                None => return (v, None),
                Some(c) if stop.contains(&c) => return (v, Some(c)),
                Some('\\') if esc => match self.read() {
                    None => return (v, None),
                    Some(n) => v.push(n),
                },
                Some(c) => v.push(c),
            }
        }
    }

    fn reader(&mut self, rs: &str) -> Result<Value, String> {
        match &mut self.mode {
            Mode::Typed { strings } => Ok(typed_val(rs, *strings)),
            Mode::File(f) => f(rs),
            Mode::Json | Mode::Literal => Ok(Value::str(rs)),
        }
    }

    fn key(&mut self, data: &MapRef, level: usize) -> PResult<()> {
        let stop: &[char] = if self.literal() {
            &['=', '[', '.']
        } else {
            &['=', '[', ',', '.']
        };
        let (k, last) = self.until(stop);
        match last {
            None => {
                if k.is_empty() {
                    Err(Err::Eof)
                } else {
                    Err(Err::Msg(format!("key {} has no value", q(&k))))
                }
            }
            Some('[') => {
                let i = self.key_index()?;
                let list = match data.get(&k) {
                    None => Vec::new(),
                    Some(Value::List(l)) => l.as_ref().clone(),
                    Some(other) => return Err(conversion_panic(&other, LIST_T)),
                };
                let (list, res) = self.list_item(list, i, level);
                set(data, &k, Value::list(list));
                res
            }
            Some('=') => match self.mode {
                Mode::Json => {
                    if self.empty_val() {
                        set(data, &k, Value::Nil);
                        return Ok(());
                    }
                    let v = self.json_value()?;
                    set(data, &k, v);
                    self.empty_val();
                    Ok(())
                }
                Mode::Literal => {
                    let rest = self.src.get(self.pos..).unwrap_or("").to_string();
                    self.pos = self.src.len();
                    set(data, &k, Value::str(rest));
                    Ok(())
                }
                _ => match self.val_list() {
                    Ok(vl) => {
                        set(data, &k, Value::list(vl));
                        Ok(())
                    }
                    Err(Err::Eof) => {
                        set(data, &k, Value::str(""));
                        Err(Err::Eof)
                    }
                    Err(Err::NotList) => {
                        let rs = self.val();
                        let v = self.reader(&rs).map_err(Err::Msg)?;
                        set(data, &k, v);
                        Ok(())
                    }
                    Err(e) => Err(e),
                },
            },
            Some(',') => {
                set(data, &k, Value::str(""));
                Err(Err::Msg(format!(
                    "key {} has no value (cannot end with ,)",
                    q(&k)
                )))
            }
            Some(_) => {
                // '.'
                let level = level + 1;
                if level > MAX_NESTED_NAME_LEVEL {
                    return Err(Err::Msg(format!(
                        "value name nested level is greater than maximum supported nested level of {MAX_NESTED_NAME_LEVEL}"
                    )));
                }
                let inner = match data.get(&k) {
                    None => new_map(),
                    Some(Value::Map(m)) => m,
                    Some(other) => return Err(conversion_panic(&other, MAP_T)),
                };
                let e = self.key(&inner, level);
                let empty = inner.is_empty();
                if e.is_ok() && empty {
                    return Err(Err::Msg(format!("key map {} has no value", q(&k))));
                }
                if !empty {
                    set(data, &k, Value::Map(inner));
                }
                e
            }
        }
    }

    fn key_index(&mut self) -> PResult<i64> {
        let (v, last) = self.until(&[']']);
        if last.is_none() {
            return Err(Err::Msg("error parsing index: EOF".into()));
        }
        go_atoi(&v).map_err(|e| Err::Msg(format!("error parsing index: {e}")))
    }

    /// Go's `listItem`; returns the (possibly updated) list with the outcome.
    fn list_item(&mut self, list: Vec<Value>, i: i64, level: usize) -> (Vec<Value>, PResult<()>) {
        if i < 0 {
            return (
                list,
                Err(Err::Msg(format!("negative {i} index not allowed"))),
            );
        }
        let stop: &[char] = &['[', '.', '='];
        let (k, last) = self.until(stop);
        if !k.is_empty() {
            return (
                list,
                Err(Err::Msg(format!(
                    "unexpected data at end of array index: {}",
                    quote_runes(&k)
                ))),
            );
        }
        match last {
            None => (list, Err(Err::Eof)),
            Some('=') => match self.mode {
                Mode::Json => {
                    if self.empty_val() {
                        return set_index(list, i, Value::Nil);
                    }
                    let v = match self.json_value() {
                        Ok(v) => v,
                        Err(e) => return (list, Err(e)),
                    };
                    let (list, r) = set_index(list, i, v);
                    if r.is_err() {
                        return (list, r);
                    }
                    self.empty_val();
                    (list, Ok(()))
                }
                Mode::Literal => {
                    let rest = self.src.get(self.pos..).unwrap_or("").to_string();
                    self.pos = self.src.len();
                    set_index(list, i, Value::str(rest))
                }
                _ => match self.val_list() {
                    Ok(vl) => set_index(list, i, Value::list(vl)),
                    Err(Err::Eof) => set_index(list, i, Value::str("")),
                    Err(Err::NotList) => {
                        let rs = self.val();
                        match self.reader(&rs) {
                            Ok(v) => set_index(list, i, v),
                            Err(e) => (list, Err(Err::Msg(e))),
                        }
                    }
                    Err(e) => (list, Err(e)),
                },
            },
            Some('[') => {
                let next = match self.key_index() {
                    Ok(n) => n,
                    Err(e) => return (list, Err(e)),
                };
                let cur = match usize::try_from(i).ok().and_then(|u| list.get(u)) {
                    None | Some(Value::Nil) => Vec::new(),
                    Some(Value::List(l)) => l.as_ref().clone(),
                    Some(other) => {
                        let e = conversion_panic(other, LIST_T);
                        return (list, Err(e));
                    }
                };
                if self.depth >= MAX_DEPTH {
                    return (
                        list,
                        Err(Err::Msg(format!(
                            "list nesting is deeper than the supported {MAX_DEPTH} levels"
                        ))),
                    );
                }
                self.depth += 1;
                let (list2, r) = self.list_item(cur, next, level);
                self.depth -= 1;
                if let Err(e) = r {
                    return (list, Err(e));
                }
                set_index(list, i, Value::list(list2))
            }
            Some(_) => {
                // '.'
                let mut list = list;
                let inner = match usize::try_from(i).ok().and_then(|u| list.get_mut(u)) {
                    None => new_map(),
                    Some(Value::Map(m)) => m.clone(),
                    Some(slot) => {
                        let m = new_map();
                        *slot = Value::Map(m.clone());
                        m
                    }
                };
                if let Err(e) = self.key(&inner, level) {
                    return (list, Err(e));
                }
                set_index(list, i, Value::Map(inner))
            }
        }
    }

    /// Go's `emptyVal`: skips white space; true at the end or after a consumed `,`.
    fn empty_val(&mut self) -> bool {
        loop {
            match self.read() {
                None | Some(',') => return true,
                Some(c) if c.is_whitespace() => continue,
                Some(c) => {
                    self.unread(c);
                    return false;
                }
            }
        }
    }

    fn val(&mut self) -> String {
        self.until(&[',']).0
    }

    fn val_list(&mut self) -> PResult<Vec<Value>> {
        let first = self.read().ok_or(Err::Eof)?;
        if first != '{' {
            self.unread(first);
            return Err(Err::NotList);
        }
        let mut list = Vec::new();
        loop {
            let (rs, last) = self.until(&[',', '}']);
            match last {
                None => return Err(Err::Msg("list must terminate with '}'".into())),
                Some('}') => {
                    if let Some(c) = self.read() {
                        if c != ',' {
                            self.unread(c);
                        }
                    }
                    let v = self.reader(&rs).map_err(Err::Msg)?;
                    list.push(v);
                    return Ok(list);
                }
                Some(_) => {
                    let v = self.reader(&rs).map_err(Err::Msg)?;
                    list.push(v);
                }
            }
        }
    }

    /// Decodes one JSON value at the current position, as Go's `json.Decoder` does, and
    /// consumes exactly its text.
    fn json_value(&mut self) -> PResult<Value> {
        let rest = self.src.get(self.pos..).unwrap_or("");
        let mut j = json::Json {
            s: rest.as_bytes(),
            pos: 0,
            depth: 0,
        };
        let v = j.value().map_err(Err::Msg)?;
        self.pos += j.pos;
        Ok(v)
    }
}

fn set(data: &MapRef, key: &str, val: Value) {
    if key.is_empty() {
        return;
    }
    data.write().insert(key.to_string(), val);
}

fn set_index(mut list: Vec<Value>, index: i64, val: Value) -> (Vec<Value>, PResult<()>) {
    if index < 0 {
        return (
            list,
            Err(Err::Msg(format!("negative {index} index not allowed"))),
        );
    }
    if index > MAX_INDEX {
        return (
            list,
            Err(Err::Msg(format!(
                "index of {index} is greater than maximum supported index of {MAX_INDEX}"
            ))),
        );
    }
    // 0 <= index <= MAX_INDEX, so the conversion cannot fail.
    let idx = usize::try_from(index).unwrap_or(0);
    if list.len() <= idx {
        list.resize(idx + 1, Value::Nil);
    }
    if let Some(slot) = list.get_mut(idx) {
        *slot = val;
    }
    (list, Ok(()))
}

/// A JSON reader with Go's `encoding/json` semantics for one value into `interface{}`:
/// numbers are float64, a top-level value ends where its text ends (trailing bytes are
/// left for the caller), lone surrogates in `\u` escapes become U+FFFD.
mod json {
    use gotmpl::{Map, Value};

    pub(super) struct Json<'a> {
        pub(super) s: &'a [u8],
        pub(super) pos: usize,
        pub(super) depth: usize,
    }

    impl Json<'_> {
        fn peek(&self) -> Option<u8> {
            self.s.get(self.pos).copied()
        }
        fn ws(&mut self) {
            while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
                self.pos += 1;
            }
        }
        fn err<T>(&self, what: &str) -> Result<T, String> {
            if self.pos >= self.s.len() {
                Err("unexpected EOF".into())
            } else {
                Err(format!("invalid character at offset {}: {what}", self.pos))
            }
        }

        pub(super) fn value(&mut self) -> Result<Value, String> {
            self.ws();
            match self.peek() {
                Some(b'{') => self.object(),
                Some(b'[') => self.array(),
                Some(b'"') => Ok(Value::str(self.string()?)),
                Some(b't') => self.lit("true", Value::Bool(true)),
                Some(b'f') => self.lit("false", Value::Bool(false)),
                Some(b'n') => self.lit("null", Value::Nil),
                Some(b'-' | b'0'..=b'9') => self.number(),
                _ => self.err("looking for beginning of value"),
            }
        }

        fn lit(&mut self, word: &str, v: Value) -> Result<Value, String> {
            for b in word.bytes() {
                if self.peek() != Some(b) {
                    return self.err("in literal");
                }
                self.pos += 1;
            }
            Ok(v)
        }

        fn enter(&mut self) -> Result<(), String> {
            self.depth += 1;
            if self.depth > super::MAX_DEPTH {
                return Err("exceeded max depth".into());
            }
            Ok(())
        }

        fn object(&mut self) -> Result<Value, String> {
            self.enter()?;
            self.pos += 1;
            let mut m = Map::new();
            self.ws();
            if self.peek() == Some(b'}') {
                self.pos += 1;
                self.depth -= 1;
                return Ok(Value::map(m));
            }
            loop {
                self.ws();
                if self.peek() != Some(b'"') {
                    return self.err("looking for beginning of object key string");
                }
                let k = self.string()?;
                self.ws();
                if self.peek() != Some(b':') {
                    return self.err("after object key");
                }
                self.pos += 1;
                let v = self.value()?;
                m.insert(k, v);
                self.ws();
                match self.peek() {
                    Some(b',') => self.pos += 1,
                    Some(b'}') => {
                        self.pos += 1;
                        self.depth -= 1;
                        return Ok(Value::map(m));
                    }
                    _ => return self.err("after object key:value pair"),
                }
            }
        }

        fn array(&mut self) -> Result<Value, String> {
            self.enter()?;
            self.pos += 1;
            let mut l = Vec::new();
            self.ws();
            if self.peek() == Some(b']') {
                self.pos += 1;
                self.depth -= 1;
                return Ok(Value::list(l));
            }
            loop {
                l.push(self.value()?);
                self.ws();
                match self.peek() {
                    Some(b',') => self.pos += 1,
                    Some(b']') => {
                        self.pos += 1;
                        self.depth -= 1;
                        return Ok(Value::list(l));
                    }
                    _ => return self.err("after array element"),
                }
            }
        }

        fn digits(&mut self) -> usize {
            let start = self.pos;
            while matches!(self.peek(), Some(b'0'..=b'9')) {
                self.pos += 1;
            }
            self.pos - start
        }

        fn number(&mut self) -> Result<Value, String> {
            let start = self.pos;
            if self.peek() == Some(b'-') {
                self.pos += 1;
            }
            match self.peek() {
                Some(b'0') => self.pos += 1,
                Some(b'1'..=b'9') => {
                    self.digits();
                }
                _ => return self.err("in numeric literal"),
            }
            if self.peek() == Some(b'.') {
                self.pos += 1;
                if self.digits() == 0 {
                    return self.err("after decimal point in numeric literal");
                }
            }
            if matches!(self.peek(), Some(b'e' | b'E')) {
                self.pos += 1;
                if matches!(self.peek(), Some(b'+' | b'-')) {
                    self.pos += 1;
                }
                if self.digits() == 0 {
                    return self.err("in exponent of numeric literal");
                }
            }
            let text =
                std::str::from_utf8(self.s.get(start..self.pos).unwrap_or_default()).unwrap_or("");
            match text.parse::<f64>() {
                Ok(f) if f.is_finite() => Ok(Value::Float(f)),
                _ => Err(format!(
                    "json: cannot unmarshal number {text} into Go value of type float64"
                )),
            }
        }

        fn hex4(&mut self) -> Result<u32, String> {
            let mut n = 0u32;
            for _ in 0..4 {
                let d = match self.peek() {
                    Some(c @ b'0'..=b'9') => c - b'0',
                    Some(c @ b'a'..=b'f') => c - b'a' + 10,
                    Some(c @ b'A'..=b'F') => c - b'A' + 10,
                    _ => return self.err("in \\u hexadecimal character escape"),
                };
                n = n * 16 + u32::from(d);
                self.pos += 1;
            }
            Ok(n)
        }

        fn string(&mut self) -> Result<String, String> {
            self.pos += 1; // opening quote
            let mut out: Vec<u8> = Vec::new();
            loop {
                match self.peek() {
                    None => return self.err("in string literal"),
                    Some(b'"') => {
                        self.pos += 1;
                        return Ok(String::from_utf8_lossy(&out).into_owned());
                    }
                    Some(c) if c < 0x20 => return self.err("in string literal"),
                    Some(b'\\') => {
                        self.pos += 1;
                        let c = self.peek();
                        self.pos += 1;
                        let ch = match c {
                            Some(b'"') => '"',
                            Some(b'\\') => '\\',
                            Some(b'/') => '/',
                            Some(b'b') => '\u{8}',
                            Some(b'f') => '\u{c}',
                            Some(b'n') => '\n',
                            Some(b'r') => '\r',
                            Some(b't') => '\t',
                            Some(b'u') => {
                                let a = self.hex4()?;
                                if (0xD800..0xDC00).contains(&a)
                                    && self.s.get(self.pos..self.pos + 2) == Some(b"\\u")
                                {
                                    let save = self.pos;
                                    self.pos += 2;
                                    let b = self.hex4()?;
                                    if (0xDC00..0xE000).contains(&b) {
                                        let c = 0x10000 + ((a - 0xD800) << 10) + (b - 0xDC00);
                                        char::from_u32(c).unwrap_or('\u{fffd}')
                                    } else {
                                        // Go: the first becomes U+FFFD, the second is
                                        // decoded on its own.
                                        self.pos = save;
                                        '\u{fffd}'
                                    }
                                } else {
                                    char::from_u32(a).unwrap_or('\u{fffd}')
                                }
                            }
                            _ => {
                                self.pos -= 1;
                                return self.err("in string escape code");
                            }
                        };
                        let mut buf = [0u8; 4];
                        out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                    }
                    Some(c) => {
                        out.push(c);
                        self.pos += 1;
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::values::to_json;

    fn p(s: &str) -> String {
        match parse(s) {
            Ok(v) => to_json(&v),
            Err(e) => format!("ERR {e}"),
        }
    }

    #[test]
    fn scalars_are_typed() {
        assert_eq!(
            p("a=1,b=true,c=null,d=1.5,e=007,f=+5,g=0"),
            r#"{"a":1,"b":true,"c":null,"d":"1.5","e":"007","f":5,"g":0}"#
        );
        let v = parse("n=5").unwrap_or_default();
        match v {
            Value::Map(m) => assert!(matches!(
                m.get("n"),
                Some(Value::Int(5, gotmpl::IntKind::Int64))
            )),
            _ => panic!("not a map"),
        }
    }

    #[test]
    fn lists_and_nesting() {
        assert_eq!(p("a[0]=x,a[2]=z"), r#"{"a":["x",null,"z"]}"#);
        assert_eq!(p("a[1].b=2"), r#"{"a":[null,{"b":2}]}"#);
        assert_eq!(p("a[0][1]=q"), r#"{"a":[[null,"q"]]}"#);
        assert_eq!(p("a={x,y,1}"), r#"{"a":["x","y",1]}"#);
        assert_eq!(p("x={}"), r#"{"x":[""]}"#);
    }

    #[test]
    fn errors() {
        assert_eq!(p("a"), r#"ERR key "a" has no value"#);
        assert_eq!(p(",a=1"), r#"ERR key "" has no value (cannot end with ,)"#);
        assert_eq!(p("a[-1]=1"), "ERR negative -1 index not allowed");
        assert_eq!(
            p("a=2,a.b=1"),
            "ERR unable to parse key: interface conversion: interface {} is int64, not map[string]interface {}"
        );
        assert_eq!(
            p("a[65537]=1"),
            "ERR index of 65537 is greater than maximum supported index of 65536"
        );
    }

    #[test]
    fn json_and_literal() {
        let m = new_map();
        assert!(parse_json(r#"a={"b":[1,2]}, c=, d="x""#, &m).is_ok());
        assert_eq!(
            to_json(&Value::Map(m)),
            r#"{" c":null," d":"x","a":{"b":[1,2]}}"#
        ); // as helm: keys keep the space
        let m = new_map();
        assert!(parse_literal_into(r"a.b=x,y=z\,w", &m).is_ok());
        assert_eq!(to_json(&Value::Map(m)), r#"{"a":{"b":"x,y=z\\,w"}}"#);
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let deep_json = format!("a={}", "[".repeat(5000));
        let m = new_map();
        assert!(parse_json(&deep_json, &m).is_err());
        let ok_json = format!("a={}{}", "[".repeat(120), "]".repeat(120));
        assert!(parse_json(&ok_json, &m).is_ok());
        let deep_idx = format!("a{}=1", "[0]".repeat(5000));
        assert!(parse(&deep_idx).is_err());
        let ok_idx = format!("a{}=1", "[0]".repeat(120));
        assert!(parse(&ok_idx).is_ok());
    }

    proptest::proptest! {
        #[test]
        fn never_panics(s in ".{0,64}") {
            let _ = parse(&s);
            let m = new_map();
            let _ = parse_json(&s, &m);
            let _ = parse_literal_into(&s, &m);
            let _ = parse_into_string(&s, &m);
        }

        #[test]
        fn never_panics_on_grammar_soup(s in "[a-c0-9=,.{}\\[\\]\\\\ \"-]{0,48}") {
            let _ = parse(&s);
            let m = new_map();
            let _ = parse_json(&s, &m);
            let _ = parse_literal_into(&s, &m);
        }
    }
}
