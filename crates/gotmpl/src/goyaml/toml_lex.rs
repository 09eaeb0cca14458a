//! The error texts of BurntSushi/toml v1.4's reader (what Helm's `fromToml` reports):
//! its lexer's state machine, line rule (an error at end of input counts one line less)
//! and "last key" bookkeeping, re-stated to find the first lexer error of a document.
//! Values themselves are read by the `toml` crate; this only says why a document fails
//! (lexer errors, number and escape checks, and redefinition of keys and tables).

use std::collections::{HashMap, HashSet, VecDeque};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum St {
    Top,
    TopEnd,
    TableStart,
    TableEnd,
    ArrayTableEnd,
    TableNameStart,
    TableNameEnd,
    BareName,
    QuotedName,
    KeyStart,
    KeyNameStart,
    KeyEnd,
    Value,
    ArrayValue,
    ArrayValueEnd,
    ArrayEnd,
    InlineTableValue,
    InlineTableValueEnd,
    InlineTableEnd,
    Str,
    MultilineStr,
    RawStr,
    MultilineRawStr,
    MultilineStrEscape,
    StrEscape,
    ShortUnicodeEscape,
    LongUnicodeEscape,
    NumberOrDateStart,
    NumberOrDate,
    Datetime,
    HexInteger,
    OctalInteger,
    BinaryInteger,
    DecimalNumber,
    DecimalNumberStart,
    BaseNumberOrDate,
    Float,
    Bool,
    CommentStart,
    Comment,
    Done,
}

#[derive(Debug)]
enum Item {
    KeyStart,
    KeyEnd,
    /// A key or table-name part (bare or quoted).
    Part(String, usize),
    TableStart,
    TableEnd,
    ArrayTableStart,
    ArrayTableEnd,
    Array,
    ArrayEnd,
    InlineStart,
    InlineEnd,
    CommentStart,
    /// Comment text or a scalar value checked no further.
    Other,
    /// An integer, a float, or a basic string holding escapes: text and line.
    Int(String, usize),
    Float(String, usize),
    Escaped(String, usize),
    Eof,
    Error(usize, String),
}

struct Lexer<'a> {
    input: &'a str,
    pos: usize,
    start: usize,
    line: usize,
    at_eof: bool,
    widths: [usize; 4],
    nprev: usize,
    stack: Vec<St>,
    items: VecDeque<Item>,
    state: St,
    /// What the next emitted text is: a key part or something else.
    in_key: bool,
}

fn ws(r: Option<char>) -> bool {
    matches!(r, Some(' ' | '\t'))
}
fn nl(r: Option<char>) -> bool {
    matches!(r, Some('\n' | '\r'))
}
fn digit(r: Option<char>) -> bool {
    r.is_some_and(|c| c.is_ascii_digit())
}
fn hex(r: Option<char>) -> bool {
    r.is_some_and(|c| c.is_ascii_hexdigit())
}
fn bare(r: Option<char>) -> bool {
    r.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}
fn letter(r: Option<char>) -> bool {
    r.is_some_and(char::is_alphabetic)
}

/// Go's `%q` of a rune (the common cases).
fn q(r: Option<char>) -> String {
    match r {
        // BurntSushi's end-of-input rune is 0.
        None => "'\\x00'".to_string(),
        Some(c) => match c {
            '\'' => "'\\''".to_string(),
            '\\' => "'\\\\'".to_string(),
            '\n' => "'\\n'".to_string(),
            '\r' => "'\\r'".to_string(),
            '\t' => "'\\t'".to_string(),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => format!("'\\x{:02x}'", c as u32),
            c => format!("'{c}'"),
        },
    }
}

/// Go's `%q` of a string (the common cases).
fn qs(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn eof_text(r: Option<char>) -> String {
    match r {
        None => "end of file".to_string(),
        Some(c) => format!("'{c}'"),
    }
}

impl<'a> Lexer<'a> {
    fn new(input: &'a str) -> Self {
        Lexer {
            input,
            pos: 0,
            start: 0,
            line: 1,
            at_eof: false,
            widths: [0; 4],
            nprev: 0,
            stack: Vec::new(),
            items: VecDeque::new(),
            state: St::Top,
            in_key: false,
        }
    }

    fn next(&mut self) -> Option<char> {
        if self.at_eof {
            return None;
        }
        let Some(c) = self.input.get(self.pos..).and_then(|s| s.chars().next()) else {
            self.at_eof = true;
            return None;
        };
        if c == '\n' {
            self.line += 1;
        }
        self.widths = [0, self.widths[0], self.widths[1], self.widths[2]];
        if self.nprev < 4 {
            self.nprev += 1;
        }
        let w = c.len_utf8();
        let control = matches!(c as u32, 0..=0x08 | 0x0b | 0x0c | 0x0e..=0x1f | 0x7f)
            || (c == '\r' && self.input.as_bytes().get(self.pos + 1) != Some(&b'\n'));
        if control {
            self.push_err(
                self.line,
                format!(
                    "TOML files cannot contain control characters: '0x{:02x}'",
                    c as u32
                ),
            );
            return Some('\u{fffd}');
        }
        self.widths[0] = w;
        self.pos += w;
        Some(c)
    }

    fn backup(&mut self) {
        if self.at_eof {
            self.at_eof = false;
            return;
        }
        if self.nprev < 1 {
            return;
        }
        let w = self.widths[0];
        self.widths = [self.widths[1], self.widths[2], self.widths[3], 0];
        self.nprev -= 1;
        self.pos -= w;
        if self.input.as_bytes().get(self.pos) == Some(&b'\n') {
            self.line -= 1;
        }
    }

    fn peek(&mut self) -> Option<char> {
        let r = self.next();
        self.backup();
        r
    }

    fn accept(&mut self, c: char) -> bool {
        if self.next() == Some(c) {
            return true;
        }
        self.backup();
        false
    }

    fn skip_ws(&mut self) {
        loop {
            let r = self.next();
            if !ws(r) {
                self.backup();
                self.ignore();
                return;
            }
        }
    }

    fn ignore(&mut self) {
        self.start = self.pos;
    }

    fn current(&self) -> &str {
        self.input.get(self.start..self.pos).unwrap_or("")
    }

    fn emit(&mut self, it: Item) {
        self.items.push_back(it);
        self.start = self.pos;
    }

    fn emit_text(&mut self) {
        if self.in_key {
            let s = self.current().to_string();
            let line = self.line;
            self.emit(Item::Part(s, line));
        } else {
            self.emit(Item::Other);
        }
    }

    /// A basic string: its escapes are checked when it is a value.
    fn emit_basic(&mut self) {
        if self.in_key {
            // A quoted key part is decoded (and its escapes checked) as the parser reads it.
            if let Err(msg) = check_escapes(self.current()) {
                self.start = self.pos;
                self.push_err(self.line, msg);
                return;
            }
        }
        if !self.in_key && self.current().contains('\\') {
            let s = self.current().to_string();
            self.emit(Item::Escaped(s, self.line));
        } else {
            self.emit_text();
        }
    }

    fn emit_number(&mut self, float: bool) {
        let s = self.current().to_string();
        let line = self.line;
        self.emit(if float {
            Item::Float(s, line)
        } else {
            Item::Int(s, line)
        });
    }

    fn push_err(&mut self, line: usize, msg: String) {
        self.items.push_back(Item::Error(line, msg));
    }

    fn errorf(&mut self, msg: String) -> St {
        let line = if self.at_eof {
            self.line.saturating_sub(1)
        } else {
            self.line
        };
        self.push_err(line, msg);
        St::Done
    }

    fn error_prev_line(&mut self, msg: &str) -> St {
        self.push_err(self.line.saturating_sub(1), msg.to_string());
        St::Done
    }

    fn pop(&mut self) -> St {
        self.stack.pop().unwrap_or(St::Done)
    }

    fn next_item(&mut self) -> Item {
        loop {
            if let Some(it) = self.items.pop_front() {
                return it;
            }
            if self.state == St::Done {
                return Item::Eof;
            }
            self.state = self.step(self.state);
        }
    }

    fn step(&mut self, s: St) -> St {
        match s {
            St::Done => St::Done,
            St::Top => {
                let r = self.next();
                if ws(r) || nl(r) {
                    self.ignore();
                    return St::Top;
                }
                match r {
                    Some('#') => {
                        self.stack.push(St::Top);
                        St::CommentStart
                    }
                    Some('[') => St::TableStart,
                    None => {
                        if self.pos > self.start {
                            return self.errorf("unexpected EOF".into());
                        }
                        self.emit(Item::Eof);
                        St::Done
                    }
                    _ => {
                        self.backup();
                        self.stack.push(St::TopEnd);
                        St::KeyStart
                    }
                }
            }
            St::TopEnd => {
                let r = self.next();
                match r {
                    Some('#') => {
                        self.stack.push(St::Top);
                        St::CommentStart
                    }
                    r if ws(r) => St::TopEnd,
                    r if nl(r) => {
                        self.ignore();
                        St::Top
                    }
                    None => {
                        self.emit(Item::Eof);
                        St::Done
                    }
                    r => self.errorf(format!("expected a top-level item to end with a newline, comment, or EOF, but got {} instead", q(r))),
                }
            }
            St::TableStart => {
                self.in_key = true;
                if self.peek() == Some('[') {
                    self.next();
                    self.emit(Item::ArrayTableStart);
                    self.stack.push(St::ArrayTableEnd);
                } else {
                    self.emit(Item::TableStart);
                    self.stack.push(St::TableEnd);
                }
                St::TableNameStart
            }
            St::TableEnd => {
                self.in_key = false;
                self.emit(Item::TableEnd);
                St::TopEnd
            }
            St::ArrayTableEnd => {
                self.in_key = false;
                let r = self.next();
                if r != Some(']') {
                    return self.errorf(format!(
                        "expected end of table array name delimiter ']', but got {} instead",
                        q(r)
                    ));
                }
                self.emit(Item::ArrayTableEnd);
                St::TopEnd
            }
            St::TableNameStart => {
                self.skip_ws();
                match self.peek() {
                    Some(']') | None => self.errorf(
                        "unexpected end of table name (table names cannot be empty)".into(),
                    ),
                    Some('.') => self
                        .errorf("unexpected table separator (table names cannot be empty)".into()),
                    Some('"' | '\'') => {
                        self.ignore();
                        self.stack.push(St::TableNameEnd);
                        St::QuotedName
                    }
                    _ => {
                        self.stack.push(St::TableNameEnd);
                        St::BareName
                    }
                }
            }
            St::TableNameEnd => {
                self.skip_ws();
                match self.next() {
                    r if ws(r) => St::TableNameEnd,
                    Some('.') => {
                        self.ignore();
                        St::TableNameStart
                    }
                    Some(']') => self.pop(),
                    r => self.errorf(format!(
                        "expected '.' or ']' to end table name, but got {} instead",
                        q(r)
                    )),
                }
            }
            St::BareName => {
                let r = self.next();
                if bare(r) {
                    return St::BareName;
                }
                self.backup();
                self.emit_text();
                self.pop()
            }
            St::QuotedName => match self.next() {
                r if ws(r) => {
                    self.ignore();
                    St::Value
                }
                Some('"') => {
                    self.ignore();
                    St::Str
                }
                Some('\'') => {
                    self.ignore();
                    St::RawStr
                }
                None => self.errorf("unexpected EOF; expected value".into()),
                r => self.errorf(format!("expected value but found {} instead", q(r))),
            },
            St::KeyStart => {
                self.skip_ws();
                match self.peek() {
                    Some('=') | None => {
                        self.errorf("unexpected '=': key name appears blank".into())
                    }
                    Some('.') => self.errorf("unexpected '.': keys cannot start with a '.'".into()),
                    r => {
                        if matches!(r, Some('"' | '\'')) {
                            self.ignore();
                        }
                        self.in_key = true;
                        self.emit(Item::KeyStart);
                        St::KeyNameStart
                    }
                }
            }
            St::KeyNameStart => {
                self.skip_ws();
                match self.peek() {
                    Some('=') | None => self.errorf("unexpected '='".into()),
                    Some('.') => self.errorf("unexpected '.'".into()),
                    Some('"' | '\'') => {
                        self.ignore();
                        self.stack.push(St::KeyEnd);
                        St::QuotedName
                    }
                    _ => {
                        self.stack.push(St::KeyEnd);
                        St::BareName
                    }
                }
            }
            St::KeyEnd => {
                self.skip_ws();
                match self.next() {
                    r if ws(r) => {
                        self.ignore();
                        St::KeyEnd
                    }
                    None => self.errorf("unexpected EOF; expected key separator '='".into()),
                    Some('.') => {
                        self.ignore();
                        St::KeyNameStart
                    }
                    Some('=') => {
                        self.in_key = false;
                        self.emit(Item::KeyEnd);
                        St::Value
                    }
                    r => self.errorf(format!("expected '.' or '=', but got {} instead", q(r))),
                }
            }
            St::Value => {
                let r = self.next();
                if ws(r) {
                    self.ignore();
                    return St::Value;
                }
                if digit(r) {
                    self.backup();
                    return St::NumberOrDateStart;
                }
                match r {
                    Some('[') => {
                        self.ignore();
                        self.emit(Item::Array);
                        return St::ArrayValue;
                    }
                    Some('{') => {
                        self.ignore();
                        self.emit(Item::InlineStart);
                        return St::InlineTableValue;
                    }
                    Some('"') => {
                        if self.accept('"') {
                            if self.accept('"') {
                                self.ignore();
                                return St::MultilineStr;
                            }
                            self.backup();
                        }
                        self.ignore();
                        return St::Str;
                    }
                    Some('\'') => {
                        if self.accept('\'') {
                            if self.accept('\'') {
                                self.ignore();
                                return St::MultilineRawStr;
                            }
                            self.backup();
                        }
                        self.ignore();
                        return St::RawStr;
                    }
                    Some('.') => {
                        return self.errorf("floats must start with a digit, not '.'".into())
                    }
                    Some('i' | 'n')
                        if (self.accept('n') && self.accept('f'))
                            || (self.accept('a') && self.accept('n')) =>
                    {
                        self.emit_number(true);
                        return self.pop();
                    }
                    Some('-' | '+') => return St::DecimalNumberStart,
                    _ => {}
                }
                if letter(r) {
                    self.backup();
                    return St::Bool;
                }
                if r.is_none() {
                    return self.errorf("unexpected EOF; expected value".into());
                }
                self.errorf(format!("expected value but found {} instead", q(r)))
            }
            St::ArrayValue => match self.next() {
                r if ws(r) || nl(r) => {
                    self.ignore();
                    St::ArrayValue
                }
                Some('#') => {
                    self.stack.push(St::ArrayValue);
                    St::CommentStart
                }
                Some(',') => self.errorf("unexpected comma".into()),
                Some(']') => St::ArrayEnd,
                _ => {
                    self.backup();
                    self.stack.push(St::ArrayValueEnd);
                    St::Value
                }
            },
            St::ArrayValueEnd => match self.next() {
                r if ws(r) || nl(r) => {
                    self.ignore();
                    St::ArrayValueEnd
                }
                Some('#') => {
                    self.stack.push(St::ArrayValueEnd);
                    St::CommentStart
                }
                Some(',') => {
                    self.ignore();
                    St::ArrayValue
                }
                Some(']') => St::ArrayEnd,
                r => self.errorf(format!(
                    "expected a comma (',') or array terminator (']'), but got {}",
                    eof_text(r)
                )),
            },
            St::ArrayEnd => {
                self.ignore();
                self.emit(Item::ArrayEnd);
                self.pop()
            }
            St::InlineTableValue => match self.next() {
                r if ws(r) => {
                    self.ignore();
                    St::InlineTableValue
                }
                r if nl(r) => self.error_prev_line("newlines not allowed within inline tables"),
                Some('#') => {
                    self.stack.push(St::InlineTableValue);
                    St::CommentStart
                }
                Some(',') => self.errorf("unexpected comma".into()),
                Some('}') => St::InlineTableEnd,
                _ => {
                    self.backup();
                    self.stack.push(St::InlineTableValueEnd);
                    St::KeyStart
                }
            },
            St::InlineTableValueEnd => match self.next() {
                r if ws(r) => {
                    self.ignore();
                    St::InlineTableValueEnd
                }
                r if nl(r) => self.error_prev_line("newlines not allowed within inline tables"),
                Some('#') => {
                    self.stack.push(St::InlineTableValueEnd);
                    St::CommentStart
                }
                Some(',') => {
                    self.ignore();
                    self.skip_ws();
                    if self.peek() == Some('}') {
                        return self.errorf("trailing comma not allowed in inline tables".into());
                    }
                    St::InlineTableValue
                }
                Some('}') => St::InlineTableEnd,
                r => self.errorf(format!(
                    "expected a comma or an inline table terminator '}}', but got {} instead",
                    eof_text(r)
                )),
            },
            St::InlineTableEnd => {
                self.ignore();
                self.emit(Item::InlineEnd);
                self.pop()
            }
            St::Str => match self.next() {
                None => self.errorf("unexpected EOF; expected '\"'".into()),
                r if nl(r) => self.error_prev_line("strings cannot contain newlines"),
                Some('\\') => {
                    self.stack.push(St::Str);
                    St::StrEscape
                }
                Some('"') => {
                    self.backup();
                    self.emit_basic();
                    self.next();
                    self.ignore();
                    self.pop()
                }
                _ => St::Str,
            },
            St::MultilineStr => match self.next() {
                None => self.errorf("unexpected EOF; expected '\"\"\"'".into()),
                Some('\\') => St::MultilineStrEscape,
                Some('"') => {
                    if self.accept('"') {
                        if self.accept('"') {
                            if self.peek() == Some('"') {
                                let cur = self.current();
                                if cur.ends_with("\"\"\"\"\"") && !cur.ends_with("\\\"\"\"\"\"") {
                                    return self.errorf("unexpected '\"\"\"\"\"\"'".into());
                                }
                                self.backup();
                                self.backup();
                                return St::MultilineStr;
                            }
                            self.backup();
                            self.backup();
                            self.backup();
                            self.emit_basic();
                            self.next();
                            self.next();
                            self.next();
                            self.ignore();
                            return self.pop();
                        }
                        self.backup();
                    }
                    St::MultilineStr
                }
                _ => St::MultilineStr,
            },
            St::RawStr => match self.next() {
                None => self.errorf("unexpected EOF; expected \"'\"".into()),
                r if nl(r) => self.error_prev_line("strings cannot contain newlines"),
                Some('\'') => {
                    self.backup();
                    self.emit_text();
                    self.next();
                    self.ignore();
                    self.pop()
                }
                _ => St::RawStr,
            },
            St::MultilineRawStr => match self.next() {
                None => self.errorf("unexpected EOF; expected \"'''\"".into()),
                Some('\'') => {
                    if self.accept('\'') {
                        if self.accept('\'') {
                            if self.peek() == Some('\'') {
                                if self.current().ends_with("'''''") {
                                    return self.errorf("unexpected \"''''''\"".into());
                                }
                                self.backup();
                                self.backup();
                                return St::MultilineRawStr;
                            }
                            self.backup();
                            self.backup();
                            self.backup();
                            self.emit_text();
                            self.next();
                            self.next();
                            self.next();
                            self.ignore();
                            return self.pop();
                        }
                        self.backup();
                    }
                    St::MultilineRawStr
                }
                _ => St::MultilineRawStr,
            },
            St::MultilineStrEscape => {
                if nl(self.next()) {
                    return St::MultilineStr;
                }
                self.backup();
                self.stack.push(St::MultilineStr);
                St::StrEscape
            }
            St::StrEscape => match self.next() {
                Some('b' | 't' | 'n' | 'f' | 'r' | '"' | ' ' | '\t' | '\\') => self.pop(),
                Some('u') => St::ShortUnicodeEscape,
                Some('U') => St::LongUnicodeEscape,
                r => {
                    let c = r.map_or(String::new(), String::from);
                    self.errorf(format!("invalid escape in string '\\{c}'"))
                }
            },
            St::ShortUnicodeEscape | St::LongUnicodeEscape => {
                let (n, word, letter) = if s == St::ShortUnicodeEscape {
                    (4, "four", 'u')
                } else {
                    (8, "eight", 'U')
                };
                for _ in 0..n {
                    let r = self.next();
                    if !hex(r) {
                        let cur = qs(self.current());
                        return self.errorf(format!(
                            "expected {word} hexadecimal digits after '\\{letter}', but got {cur} instead"
                        ));
                    }
                }
                self.pop()
            }
            St::NumberOrDateStart => {
                let r = self.next();
                if r == Some('0') {
                    return St::BaseNumberOrDate;
                }
                if !digit(r) {
                    return self.errorf(format!("expected a digit but got {}", q(r)));
                }
                St::NumberOrDate
            }
            St::NumberOrDate => {
                let r = self.next();
                if digit(r) {
                    return St::NumberOrDate;
                }
                match r {
                    Some('-' | ':') => St::Datetime,
                    Some('_') => St::DecimalNumber,
                    Some('.' | 'e' | 'E') => St::Float,
                    _ => self.end_number(false),
                }
            }
            St::Datetime => {
                let r = self.next();
                if digit(r)
                    || matches!(r, Some('-' | ':' | 'T' | 't' | ' ' | '.' | 'Z' | 'z' | '+'))
                {
                    return St::Datetime;
                }
                self.end_scalar()
            }
            St::HexInteger | St::OctalInteger | St::BinaryInteger => {
                let r = self.next();
                let ok = match s {
                    St::HexInteger => hex(r),
                    St::OctalInteger => matches!(r, Some('0'..='7')),
                    _ => matches!(r, Some('0' | '1')),
                };
                if ok || r == Some('_') {
                    return s;
                }
                self.end_number(false)
            }
            St::DecimalNumber => {
                let r = self.next();
                if digit(r) || r == Some('_') {
                    return St::DecimalNumber;
                }
                if matches!(r, Some('.' | 'e' | 'E')) {
                    return St::Float;
                }
                self.end_number(false)
            }
            St::DecimalNumberStart => {
                let r = self.next();
                match r {
                    Some('i') => {
                        if !self.accept('n') || !self.accept('f') {
                            let cur = self.current().to_string();
                            return self.errorf(format!("invalid float: '{cur}'"));
                        }
                        self.emit_number(true);
                        return self.pop();
                    }
                    Some('n') => {
                        if !self.accept('a') || !self.accept('n') {
                            let cur = self.current().to_string();
                            return self.errorf(format!("invalid float: '{cur}'"));
                        }
                        self.emit_number(true);
                        return self.pop();
                    }
                    Some('0') => {
                        if let Some(p @ ('b' | 'o' | 'x')) = self.peek() {
                            let cur = self.current().to_string();
                            return self.errorf(format!(
                                "cannot use sign with non-decimal numbers: '{cur}{p}'"
                            ));
                        }
                    }
                    Some('.') => {
                        return self.errorf("floats must start with a digit, not '.'".into())
                    }
                    _ => {}
                }
                if digit(r) {
                    return St::DecimalNumber;
                }
                self.errorf(format!("expected a digit but got {}", q(r)))
            }
            St::BaseNumberOrDate => {
                let r = self.next();
                if digit(r) {
                    return St::NumberOrDate;
                }
                match r {
                    Some('_') => St::DecimalNumber,
                    Some('.' | 'e' | 'E') => St::Float,
                    Some(b @ ('b' | 'o' | 'x')) => {
                        let p = self.peek();
                        let (ok, what, next) = match b {
                            'b' => (matches!(p, Some('0' | '1')), "a binary", St::BinaryInteger),
                            'o' => (matches!(p, Some('0'..='7')), "an octal", St::OctalInteger),
                            _ => (hex(p), "a hexidecimal", St::HexInteger),
                        };
                        if !ok {
                            // BurntSushi reports this and lexes on.
                            let cur = self.current().to_string();
                            let pc = p.map_or(String::from("\0"), String::from);
                            let line = if self.at_eof {
                                self.line - 1
                            } else {
                                self.line
                            };
                            self.push_err(line, format!("not {what} number: '{cur}{pc}'"));
                        }
                        next
                    }
                    _ => self.end_number(false),
                }
            }
            St::Float => {
                let r = self.next();
                if digit(r) || matches!(r, Some('_' | '.' | '-' | '+' | 'e' | 'E')) {
                    return St::Float;
                }
                self.end_number(true)
            }
            St::Bool => {
                let mut word = String::new();
                loop {
                    let r = self.next();
                    match r {
                        Some(c) if letter(r) => word.push(c),
                        _ => {
                            self.backup();
                            break;
                        }
                    }
                }
                if word == "true" || word == "false" {
                    self.emit(Item::Other);
                    return self.pop();
                }
                self.errorf(format!("expected value but found {} instead", qs(&word)))
            }
            St::CommentStart => {
                self.ignore();
                self.emit(Item::CommentStart);
                St::Comment
            }
            St::Comment => {
                let r = self.next();
                if nl(r) || r.is_none() {
                    self.backup();
                    self.emit(Item::Other);
                    return self.pop();
                }
                St::Comment
            }
        }
    }

    fn end_number(&mut self, float: bool) -> St {
        self.backup();
        self.emit_number(float);
        self.pop()
    }

    fn end_scalar(&mut self) -> St {
        self.backup();
        self.emit(Item::Other);
        self.pop()
    }
}

/// BurntSushi's quoting of a key part in `Key.String`.
fn maybe_quoted(k: &str) -> String {
    if k.is_empty() {
        return "\"\"".into();
    }
    if k.chars().all(|c| bare(Some(c))) {
        return k.to_string();
    }
    format!("\"{}\"", k.replace('\\', "\\\\").replace('"', "\\\""))
}

/// BurntSushi's `mapping` as far as redefinition checks need it.
enum Node {
    Table(HashMap<String, Node>),
    Tables(Vec<HashMap<String, Node>>),
    Leaf,
}

struct Parser<'a> {
    lx: Lexer<'a>,
    context: Vec<String>,
    current_key: String,
    /// Line of the item that began the current key or table name (`p.pos`).
    pos_line: usize,
    mapping: HashMap<String, Node>,
    implicits: HashSet<String>,
    arrays: HashSet<String>,
}

fn key_string(k: &[String]) -> String {
    k.iter()
        .map(|p| maybe_quoted(p))
        .collect::<Vec<_>>()
        .join(".")
}

/// The table a path leads to (last table of an array of tables), or the failing prefix.
fn descend<'m>(
    mut h: &'m mut HashMap<String, Node>,
    path: &[String],
) -> Result<&'m mut HashMap<String, Node>, Option<usize>> {
    for (i, k) in path.iter().enumerate() {
        h = match h.get_mut(k) {
            Some(Node::Table(t)) => t,
            Some(Node::Tables(v)) => v.last_mut().ok_or(None)?,
            Some(Node::Leaf) => return Err(Some(i)),
            None => return Err(None),
        };
    }
    Ok(h)
}

type PResult = Result<(), String>;

impl Parser<'_> {
    fn panicf(&self, msg: String) -> String {
        self.fail(self.pos_line, &msg)
    }

    fn add_context(&mut self, key: &[String], array: bool) -> PResult {
        let Some((last, parent)) = key.split_last() else {
            return Ok(());
        };
        let mut kc: Vec<String> = Vec::new();
        for k in parent {
            kc.push(k.clone());
            let h = descend(&mut self.mapping, &kc[..kc.len() - 1]).map_err(|_| String::new());
            let h = match h {
                Ok(h) => h,
                Err(_) => return Ok(()),
            };
            if !h.contains_key(k) {
                self.implicits.insert(key_string(&kc));
                h.insert(k.clone(), Node::Table(HashMap::new()));
            }
            if matches!(h.get(k), Some(Node::Leaf)) {
                return Err(self.panicf(format!(
                    "Key '{}' was already created as a hash.",
                    key_string(&kc)
                )));
            }
        }
        self.context = kc;
        if array {
            let Ok(h) = descend(&mut self.mapping, &self.context) else {
                return Ok(());
            };
            let e = h
                .entry(last.clone())
                .or_insert_with(|| Node::Tables(Vec::new()));
            if let Node::Tables(v) = e {
                v.push(HashMap::new());
            } else {
                return Err(self.panicf(format!(
                    "Key '{}' was already created and cannot be used as an array.",
                    key_string(key)
                )));
            }
        } else {
            self.set_value(last, Node::Table(HashMap::new()))?;
        }
        self.context.push(last.clone());
        Ok(())
    }

    fn set_value(&mut self, key: &str, value: Node) -> PResult {
        let ctx = self.context.clone();
        let h = match descend(&mut self.mapping, &ctx) {
            Ok(h) => h,
            Err(Some(i)) => {
                let kc = ctx.get(..=i).unwrap_or(&ctx);
                return Err(self.panicf(format!(
                    "Key '{}' has already been defined.",
                    key_string(kc)
                )));
            }
            Err(None) => return Ok(()),
        };
        let mut kc = ctx;
        kc.push(key.to_string());
        let ks = key_string(&kc);
        if h.contains_key(key) {
            if self.arrays.contains(&ks) {
                self.implicits.remove(&ks);
                h.insert(key.to_string(), value);
                return Ok(());
            }
            if self.implicits.remove(&ks) {
                return Ok(());
            }
            return Err(self.panicf(format!("Key '{ks}' has already been defined.")));
        }
        h.insert(key.to_string(), value);
        Ok(())
    }

    fn last_key(&self) -> String {
        let ctx = self
            .context
            .iter()
            .map(|k| maybe_quoted(k))
            .collect::<Vec<_>>()
            .join(".");
        if self.current_key.is_empty() {
            return ctx;
        }
        if self.context.is_empty() {
            return self.current_key.clone();
        }
        format!("{ctx}.{}", self.current_key)
    }

    fn fail(&self, line: usize, msg: &str) -> String {
        let key = self.last_key();
        if key.is_empty() {
            format!("toml: line {line}: {msg}")
        } else {
            format!("toml: line {line} (last key {}): {msg}", qs(&key))
        }
    }

    fn next(&mut self) -> Result<Item, String> {
        match self.lx.next_item() {
            Item::Error(line, msg) => Err(self.fail(line, &msg)),
            it => Ok(it),
        }
    }

    /// Key parts up to `end`.
    fn key(&mut self, first: Item) -> Result<Vec<String>, String> {
        let mut key = Vec::new();
        let mut it = first;
        loop {
            match it {
                Item::Part(p, line) => {
                    if key.is_empty() {
                        self.pos_line = line;
                    }
                    key.push(p)
                }
                Item::Eof | Item::KeyEnd | Item::TableEnd | Item::ArrayTableEnd => return Ok(key),
                _ => {}
            }
            it = self.next()?;
        }
    }

    fn top(&mut self) -> PResult {
        loop {
            match self.next()? {
                Item::Eof => return Ok(()),
                Item::CommentStart => {
                    self.next()?;
                }
                it @ (Item::TableStart | Item::ArrayTableStart) => {
                    let first = self.next()?;
                    let key = self.key(first)?;
                    self.add_context(&key, matches!(it, Item::ArrayTableStart))?;
                }
                Item::KeyStart => {
                    let outer = self.context.clone();
                    self.key_value()?;
                    self.context = outer;
                    self.current_key.clear();
                }
                _ => {}
            }
        }
    }

    fn key_value(&mut self) -> PResult {
        let first = self.next()?;
        let mut key = self.key(first)?;
        self.current_key = key.pop().unwrap_or_default();
        for part in key {
            let mut k = self.context.clone();
            k.push(part);
            self.implicits.insert(key_string(&k));
            self.add_context(&k, false)?;
        }
        let v = self.next()?;
        let (node, is_array) = self.value(v, false)?;
        let cur = self.current_key.clone();
        self.set_value(&cur, node)?;
        if is_array {
            let mut k = self.context.clone();
            k.push(cur);
            self.arrays.insert(key_string(&k));
        }
        Ok(())
    }

    fn value(&mut self, it: Item, parent_is_array: bool) -> Result<(Node, bool), String> {
        match it {
            Item::Array => {
                // `valueArray` records the key as an array before reading the items.
                let mut k = self.context.clone();
                if !self.current_key.is_empty() {
                    k.push(self.current_key.clone());
                }
                self.arrays.insert(key_string(&k));
                loop {
                    match self.next()? {
                        Item::ArrayEnd | Item::Eof => return Ok((Node::Leaf, true)),
                        Item::CommentStart => {
                            self.next()?;
                        }
                        v => {
                            self.value(v, true)?;
                        }
                    }
                }
            }
            Item::InlineStart => {
                let outer = self.context.clone();
                let outer_key = std::mem::take(&mut self.current_key);
                self.context.push(outer_key.clone());
                let prev = self.context.clone();
                self.implicits.insert(key_string(&prev));
                self.add_context(&prev, parent_is_array)?;
                loop {
                    match self.next()? {
                        Item::InlineEnd | Item::Eof => break,
                        Item::CommentStart => {
                            self.next()?;
                        }
                        _ => {
                            self.key_value()?;
                            self.context = prev.clone();
                        }
                    }
                }
                self.context = outer;
                self.current_key = outer_key;
                Ok((Node::Table(HashMap::new()), false))
            }
            Item::Int(v, line) => check_int(&v)
                .map_err(|m| self.fail(line, &m))
                .map(|()| (Node::Leaf, false)),
            Item::Float(v, line) => check_float(&v)
                .map_err(|m| self.fail(line, &m))
                .map(|()| (Node::Leaf, false)),
            Item::Escaped(v, line) => check_escapes(&v)
                .map_err(|m| self.fail(line, &m))
                .map(|()| (Node::Leaf, false)),
            _ => Ok((Node::Leaf, false)),
        }
    }
}

/// BurntSushi's `numUnderscoresOK`.
fn underscores_ok(s: &str) -> bool {
    if matches!(s, "nan" | "+nan" | "-nan" | "inf" | "-inf" | "+inf") {
        return true;
    }
    let mut accept = false;
    for c in s.chars() {
        if c == '_' && !accept {
            return false;
        }
        accept = c.is_ascii_hexdigit();
    }
    accept
}

/// BurntSushi's `numHasLeadingZero`.
fn leading_zero(s: &str) -> bool {
    let b = s.as_bytes();
    (b.len() > 1 && b[0] == b'0' && !matches!(b[1], b'b' | b'o' | b'x'))
        || (b.len() > 2 && matches!(b[0], b'-' | b'+') && b[1] == b'0')
}

/// BurntSushi's `valueInteger` checks (Go's `ParseInt(s, 0, 64)` range).
fn check_int(v: &str) -> Result<(), String> {
    if !underscores_ok(v) {
        return Err(format!(
            "Invalid integer {}: underscores must be surrounded by digits",
            qs(v)
        ));
    }
    if leading_zero(v) {
        return Err(format!(
            "Invalid integer {}: cannot have leading zeroes",
            qs(v)
        ));
    }
    let (neg, body) = match v.as_bytes().first() {
        Some(b'-') => (true, &v[1..]),
        Some(b'+') => (false, &v[1..]),
        _ => (false, v),
    };
    let (radix, digits) = match body.get(..2) {
        Some("0x") => (16, &body[2..]),
        Some("0o") => (8, &body[2..]),
        Some("0b") => (2, &body[2..]),
        _ => (10, body),
    };
    let digits = digits.replace('_', "");
    let text = if neg { format!("-{digits}") } else { digits };
    match i64::from_str_radix(&text, radix) {
        Err(e)
            if matches!(
                e.kind(),
                std::num::IntErrorKind::PosOverflow | std::num::IntErrorKind::NegOverflow
            ) =>
        {
            Err(format!("{v} is out of range for int64"))
        }
        _ => Ok(()),
    }
}

/// BurntSushi's `valueFloat` checks (Go's `ParseFloat` syntax and range).
fn check_float(v: &str) -> Result<(), String> {
    let parts: Vec<&str> = v.split(['.', 'e', 'E']).filter(|p| !p.is_empty()).collect();
    if parts.iter().any(|p| !underscores_ok(p)) {
        return Err(format!(
            "Invalid float {}: underscores must be surrounded by digits",
            qs(v)
        ));
    }
    if parts.first().is_some_and(|p| leading_zero(p)) {
        return Err(format!(
            "Invalid float {}: cannot have leading zeroes",
            qs(v)
        ));
    }
    let mut period = false;
    for c in v.chars() {
        if period && !c.is_ascii_digit() {
            return Err(format!(
                "Invalid float {}: '.' must be followed by one or more digits",
                qs(v)
            ));
        }
        period = c == '.';
    }
    if period {
        return Err(format!(
            "Invalid float {}: '.' must be followed by one or more digits",
            qs(v)
        ));
    }
    let val = v.replace('_', "");
    let special = matches!(
        val.as_str(),
        "nan" | "+nan" | "-nan" | "inf" | "+inf" | "-inf"
    );
    let syntax_ok = special
        || (val
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-'))
            && val.parse::<f64>().is_ok());
    match val.parse::<f64>() {
        _ if !syntax_ok => Err(format!("Invalid float value: {}", qs(v))),
        Ok(f) if f.is_infinite() && !special => Err(format!("{v} is out of range for float64")),
        _ => Ok(()),
    }
}

/// BurntSushi's `asciiEscapeToUnicode` check: `\u`/`\U` escapes must name a valid rune.
fn check_escapes(raw: &str) -> Result<(), String> {
    let b = raw.as_bytes();
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        if c != b'\\' {
            i += 1;
            continue;
        }
        let n = match b.get(i + 1) {
            Some(b'u') => 4,
            Some(b'U') => 8,
            _ => {
                i += 2;
                continue;
            }
        };
        if let Some(h) = raw.get(i + 2..i + 2 + n) {
            let ok = u32::from_str_radix(h, 16)
                .ok()
                .and_then(char::from_u32)
                .is_some();
            if !ok {
                return Err(format!("Escaped character '\\u{h}' is not valid UTF-8."));
            }
        }
        i += 2 + n;
    }
    Ok(())
}

/// The error BurntSushi/toml's lexer reports for `input`, as `ParseError.Error()` prints
/// it, or `None` when its lexer finds none.
pub(super) fn lex_error(input: &str) -> Option<String> {
    let mut p = Parser {
        lx: Lexer::new(input),
        context: Vec::new(),
        current_key: String::new(),
        pos_line: 1,
        mapping: HashMap::new(),
        implicits: HashSet::new(),
        arrays: HashSet::new(),
    };
    p.top().err()
}

#[cfg(test)]
mod tests {
    use super::lex_error;

    #[test]
    fn eof_errors_count_one_line_less() {
        assert_eq!(
            lex_error("bad =").as_deref(),
            Some("toml: line 0 (last key \"bad\"): unexpected EOF; expected value")
        );
        assert_eq!(lex_error("a = 1\nb = [1,2]\n"), None);
    }
}
