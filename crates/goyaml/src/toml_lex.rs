//! BurntSushi/toml v1.4's reader as Helm's `fromToml` uses it: its lexer's state machine,
//! line rule (an error at end of input counts one line less), "last key" bookkeeping and
//! error texts, and its parser's mapping (implicit tables, arrays of tables, inline
//! tables) with the leniency that comes with it, re-stated to build the same values.

use std::collections::{HashMap, HashSet, VecDeque};

use gotime::{GoTime, Location, TimeObject};
use gotmpl::value::{IntKind, Map, MapRef, Value};

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

/// The four TOML string forms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StrKind {
    Basic,
    MultiBasic,
    Raw,
    MultiRaw,
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
    /// Comment text.
    Other,
    /// An integer, a float or a datetime: text and line.
    Int(String, usize),
    Float(String, usize),
    Datetime(String, usize),
    /// A string value: its text between the quotes, its kind, and line.
    Str(String, StrKind, usize),
    Bool(bool),
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

    /// A string: a key part (decoded as the parser reads it) or a value.
    fn emit_str(&mut self, kind: StrKind) {
        let s = self.current().to_string();
        let line = self.line;
        if self.in_key {
            let part = if kind == StrKind::Basic {
                decode_escapes(&s)
            } else {
                Ok(s)
            };
            match part {
                Ok(p) => self.emit(Item::Part(p, line)),
                Err(msg) => {
                    self.start = self.pos;
                    self.push_err(line, msg);
                }
            }
        } else {
            self.emit(Item::Str(s, kind, line));
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
                    self.emit_str(StrKind::Basic);
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
                            self.emit_str(StrKind::MultiBasic);
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
                    self.emit_str(StrKind::Raw);
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
                            self.emit_str(StrKind::MultiRaw);
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
                self.backup();
                let text = self.current().trim().to_string();
                let line = self.line;
                self.emit(Item::Datetime(text, line));
                self.pop()
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
                    self.emit(Item::Bool(word == "true"));
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

/// BurntSushi's `mapping`: tables, arrays of tables (`[[x]]`), and other values.
#[derive(Clone)]
enum Node {
    Table(HashMap<String, Node>),
    Tables(Vec<HashMap<String, Node>>),
    Leaf(Value),
}

fn table_map(t: HashMap<String, Node>) -> Map {
    t.into_iter().map(|(k, v)| (k, node_value(v))).collect()
}

fn node_value(n: Node) -> Value {
    // Arrays and inline tables nest without limit (as in Go, whose stacks grow).
    stacker::maybe_grow(64 * 1024, 4 * 1024 * 1024, || node_value_inner(n))
}

fn node_value_inner(n: Node) -> Value {
    match n {
        Node::Table(t) => Value::map(table_map(t)),
        Node::Tables(v) => Value::list(v.into_iter().map(|t| Value::map(table_map(t))).collect()),
        Node::Leaf(v) => v,
    }
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
    /// Arrays and inline tables open around the value being read.
    depth: usize,
}

/// How deep arrays and inline tables may nest (our limit, as for YAML; BurntSushi v1.4 has
/// none): deeper values could not be dropped without overflowing the stack.
pub(super) const MAX_NESTING: usize = 500;

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
            Some(Node::Leaf(_)) => return Err(Some(i)),
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
            if matches!(h.get(k), Some(Node::Leaf(_))) {
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
                    let _ = self.key_value()?;
                    self.context = outer;
                    self.current_key.clear();
                }
                _ => {}
            }
        }
    }

    /// A `key = value`: set in the mapping; returns the dotted parents, the last key part
    /// and the value (an enclosing inline table keeps its own copy).
    fn key_value(&mut self) -> Result<(Vec<String>, String, Node), String> {
        let first = self.next()?;
        let mut key = self.key(first)?;
        self.current_key = key.pop().unwrap_or_default();
        for part in &key {
            let mut k = self.context.clone();
            k.push(part.clone());
            self.implicits.insert(key_string(&k));
            self.add_context(&k, false)?;
        }
        let v = self.next()?;
        let (node, is_array) = self.value(v, false)?;
        let cur = self.current_key.clone();
        self.set_value(&cur, node.clone())?;
        if is_array {
            let mut k = self.context.clone();
            k.push(cur.clone());
            self.arrays.insert(key_string(&k));
        }
        Ok((key, cur, node))
    }

    fn value(&mut self, it: Item, parent_is_array: bool) -> Result<(Node, bool), String> {
        if !matches!(it, Item::Array | Item::InlineStart) {
            return self.value_inner(it, parent_is_array);
        }
        if self.depth >= MAX_NESTING {
            let msg = format!("arrays and inline tables nest deeper than {MAX_NESTING} levels");
            return Err(self.fail(self.lx.line, &msg));
        }
        self.depth += 1;
        let r = stacker::maybe_grow(64 * 1024, 4 * 1024 * 1024, || {
            self.value_inner(it, parent_is_array)
        });
        self.depth -= 1;
        r
    }

    fn value_inner(&mut self, it: Item, parent_is_array: bool) -> Result<(Node, bool), String> {
        match it {
            Item::Array => {
                // `valueArray` records the key as an array before reading the items.
                let mut k = self.context.clone();
                if !self.current_key.is_empty() {
                    k.push(self.current_key.clone());
                }
                self.arrays.insert(key_string(&k));
                let mut items = Vec::new();
                loop {
                    match self.next()? {
                        Item::ArrayEnd | Item::Eof => {
                            return Ok((Node::Leaf(Value::list(items)), true))
                        }
                        Item::CommentStart => {
                            self.next()?;
                        }
                        v => {
                            let (n, _) = self.value(v, true)?;
                            items.push(node_value(n));
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
                // The inline table's own hash: the value an array keeps (the mapping keeps
                // the table `add_context` made). A shared map, as in Go.
                let top = MapRef::new(Map::new());
                loop {
                    match self.next()? {
                        Item::InlineEnd | Item::Eof => break,
                        Item::CommentStart => {
                            self.next()?;
                        }
                        _ => {
                            let (parents, key, val) = self.key_value()?;
                            let mut h = top.clone();
                            for c in parents {
                                let e = h.get(&c).unwrap_or_else(|| {
                                    let m = Value::map(Map::new());
                                    h.write().insert(c, m.clone());
                                    m
                                });
                                h = match e {
                                    Value::Map(t) => t,
                                    _ => {
                                        let ctx = qs(&key_string(&self.context));
                                        return Err(self.panicf(format!("{ctx} is not a table")));
                                    }
                                };
                            }
                            h.write().insert(key, node_value(val));
                            self.context = prev.clone();
                        }
                    }
                }
                self.context = outer;
                self.current_key = outer_key;
                Ok((Node::Leaf(Value::Map(top)), false))
            }
            Item::Int(v, line) => parse_int(&v)
                .map_err(|m| self.fail(line, &m))
                .map(|n| (Node::Leaf(Value::Int(n, IntKind::Int64)), false)),
            Item::Float(v, line) => parse_float(&v)
                .map_err(|m| self.fail(line, &m))
                .map(|f| (Node::Leaf(Value::Float(f)), false)),
            Item::Str(v, kind, line) => {
                let s = match kind {
                    StrKind::Raw => Ok(v),
                    StrKind::MultiRaw => Ok(strip_first_newline(&v).to_string()),
                    StrKind::Basic => decode_escapes(&v),
                    StrKind::MultiBasic => {
                        decode_escapes(&strip_escaped_newlines(strip_first_newline(&v)))
                    }
                };
                s.map_err(|m| self.fail(line, &m))
                    .map(|s| (Node::Leaf(Value::str(s)), false))
            }
            Item::Bool(b) => Ok((Node::Leaf(Value::Bool(b)), false)),
            Item::Datetime(v, line) => {
                let v = v.replace('z', "Z").replace(['t', ' '], "T");
                match parse_datetime(&v) {
                    Some(t) => Ok((Node::Leaf(TimeObject::value(t)), false)),
                    None => Err(self.fail(line, &format!("invalid datetime: {}", qs(&v)))),
                }
            }
            _ => Err(self.fail(self.pos_line, "unexpected value")),
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

/// BurntSushi's `valueInteger` (its checks, then Go's `ParseInt(s, 0, 64)`).
fn parse_int(v: &str) -> Result<i64, String> {
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
        Ok(n) => Ok(n),
        Err(e)
            if matches!(
                e.kind(),
                std::num::IntErrorKind::PosOverflow | std::num::IntErrorKind::NegOverflow
            ) =>
        {
            Err(format!("{v} is out of range for int64"))
        }
        Err(_) => Err(format!("Expected integer value, but got '{v}'.")),
    }
}

/// BurntSushi's `valueFloat` (its checks, then Go's `ParseFloat` syntax and range).
fn parse_float(v: &str) -> Result<f64, String> {
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
        Ok(_) if val == "-nan" => Ok(f64::NAN.copysign(-1.0)),
        Ok(f) => Ok(f),
        Err(_) => Err(format!("Invalid float value: {}", qs(v))),
    }
}

/// BurntSushi's `replaceEscapes`: a basic string's escapes decoded (`\u`/`\U` must
/// name a valid rune; `\ ` and `\<tab>` are refused).
fn decode_escapes(raw: &str) -> Result<String, String> {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.char_indices();
    while let Some((i, c)) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let Some((_, e)) = chars.next() else {
            return Err("Escape sequence at end of string.".to_string());
        };
        let n = match e {
            'b' => {
                out.push('\x08');
                continue;
            }
            't' => {
                out.push('\t');
                continue;
            }
            'n' => {
                out.push('\n');
                continue;
            }
            'f' => {
                out.push('\x0c');
                continue;
            }
            'r' => {
                out.push('\r');
                continue;
            }
            '"' | '\\' => {
                out.push(e);
                continue;
            }
            ' ' | '\t' => return Err(format!("invalid escape: '\\{e}'")),
            'u' => 4,
            'U' => 8,
            _ => {
                return Err(format!(
                    "Expected valid escape code after \\, but got '{e}'."
                ))
            }
        };
        let h = raw.get(i + 2..i + 2 + n).unwrap_or("");
        let r = u32::from_str_radix(h, 16).ok().and_then(char::from_u32);
        match r {
            Some(r) => out.push(r),
            None => return Err(format!("Escaped character '\\u{h}' is not valid UTF-8.")),
        }
        for _ in 0..n {
            chars.next();
        }
    }
    Ok(out)
}

/// BurntSushi's `stripFirstNewline` (of multi-line strings).
fn strip_first_newline(s: &str) -> &str {
    s.strip_prefix('\n')
        .or_else(|| s.strip_prefix("\r\n"))
        .unwrap_or(s)
}

/// BurntSushi's `stripEscapedNewlines`: a backslash followed by white space holding a
/// newline is removed with all that white space.
fn strip_escaped_newlines(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut s = s;
    let mut i = 0;
    loop {
        let Some(ix) = s.get(i..).and_then(|t| t.find('\\')) else {
            out.push_str(s);
            return out;
        };
        i += ix;
        let b = s.as_bytes();
        if b.get(i + 1) == Some(&b'\\') {
            i += 2;
            continue;
        }
        let mut j = i + 1;
        while matches!(b.get(j), Some(b' ' | b'\t' | b'\r' | b'\n')) {
            j += 1;
        }
        if j == i + 1 || !b[i..j].contains(&b'\n') {
            i += 1;
            continue;
        }
        out.push_str(&s[..i]);
        s = &s[j..];
        i = 0;
    }
}

/// `n` ASCII digits at `*i`, as a number.
fn digits(b: &[u8], i: &mut usize, n: usize) -> Option<i64> {
    let d = b.get(*i..*i + n)?;
    if !d.iter().all(u8::is_ascii_digit) {
        return None;
    }
    *i += n;
    Some(d.iter().fold(0, |a, &c| a * 10 + i64::from(c - b'0')))
}

fn lit(b: &[u8], i: &mut usize, c: u8) -> Option<()> {
    (b.get(*i) == Some(&c)).then(|| *i += 1)
}

fn is_leap(y: i64) -> bool {
    y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)
}

/// Go's `time.Parse` of `2006-01-02` (with its range checks): year, month, day.
fn date_part(b: &[u8], i: &mut usize) -> Option<(i64, i64, i64)> {
    let y = digits(b, i, 4)?;
    lit(b, i, b'-')?;
    let m = digits(b, i, 2)?;
    lit(b, i, b'-')?;
    let d = digits(b, i, 2)?;
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(y) => 29,
        2 => 28,
        _ => return None,
    };
    (1..=days).contains(&d).then_some((y, m, d))
}

/// Go's `time.Parse` of `15:04:05.999999999`: seconds in the day and nanoseconds.
fn time_part(b: &[u8], i: &mut usize) -> Option<(i64, u32)> {
    let h = digits(b, i, 2)?;
    lit(b, i, b':')?;
    let m = digits(b, i, 2)?;
    lit(b, i, b':')?;
    let s = digits(b, i, 2)?;
    if h > 23 || m > 59 || s > 59 {
        return None;
    }
    let mut ns = 0u32;
    if b.get(*i) == Some(&b'.') && b.get(*i + 1).is_some_and(u8::is_ascii_digit) {
        *i += 1;
        let mut n = 0;
        while let Some(c) = b.get(*i).filter(|c| c.is_ascii_digit()) {
            // Go keeps the first nine digits.
            if n < 9 {
                ns = ns * 10 + u32::from(c - b'0');
                n += 1;
            }
            *i += 1;
        }
        ns *= 10u32.pow(9 - n);
    }
    Some((h * 3600 + m * 60 + s, ns))
}

/// Seconds since the epoch of a proleptic Gregorian date.
fn days_since_epoch(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * ((m + 9) % 12) + 2) / 5 + d - 1;
    era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719_468
}

/// BurntSushi's `valueDatetime` (after its `t`/`z`/space replacement): an offset
/// datetime in Go's local zone, else a local datetime, date or time in its fixed
/// `datetime-local`, `date-local` or `time-local` zones (offset 0).
fn parse_datetime(v: &str) -> Option<GoTime> {
    let b = v.as_bytes();
    let fixed = |name: &str| Location::Fixed(name.to_string(), 0);
    let mk = |unix: i64, nsec: u32, loc: Location| GoTime {
        unix,
        nsec,
        loc,
        mono: None,
    };
    let mut i = 0;
    if let Some((y, m, d)) = date_part(b, &mut i) {
        let day = days_since_epoch(y, m, d) * 86_400;
        if i == b.len() {
            return Some(mk(day, 0, fixed("date-local")));
        }
        lit(b, &mut i, b'T')?;
        let (secs, ns) = time_part(b, &mut i)?;
        let local = day + secs;
        if i == b.len() {
            return Some(mk(local, ns, fixed("datetime-local")));
        }
        if lit(b, &mut i, b'Z').is_some() {
            return (i == b.len()).then(|| mk(local, ns, Location::Utc));
        }
        let sign = match b.get(i) {
            Some(b'+') => 1,
            Some(b'-') => -1,
            _ => return None,
        };
        i += 1;
        let oh = digits(b, &mut i, 2)?;
        lit(b, &mut i, b':')?;
        let om = digits(b, &mut i, 2)?;
        if i != b.len() || oh > 24 || om > 60 {
            return None;
        }
        let off = i32::try_from(sign * (oh * 3600 + om * 60)).ok()?;
        let unix = local - i64::from(off);
        let loc = if Location::Local.lookup(unix).0 == off {
            Location::Local
        } else {
            Location::Fixed(String::new(), off)
        };
        return Some(mk(unix, ns, loc));
    }
    i = 0;
    let (secs, ns) = time_part(b, &mut i)?;
    (i == b.len()).then(|| {
        mk(
            days_since_epoch(0, 1, 1) * 86_400 + secs,
            ns,
            fixed("time-local"),
        )
    })
}

/// BurntSushi/toml's reading of a document as Helm's `fromToml` gets it (integers as
/// `int64`, datetimes as `time.Time`), or its error as `ParseError.Error()` prints it.
pub(super) fn read(input: &str) -> Result<Map, String> {
    let mut p = Parser {
        lx: Lexer::new(input),
        context: Vec::new(),
        current_key: String::new(),
        pos_line: 1,
        mapping: HashMap::new(),
        implicits: HashSet::new(),
        arrays: HashSet::new(),
        depth: 0,
    };
    p.top()?;
    Ok(table_map(p.mapping))
}

#[cfg(test)]
mod tests {
    use super::read;
    use gotmpl::value::Value;

    #[test]
    fn eof_errors_count_one_line_less() {
        assert_eq!(
            read("bad =").err().as_deref(),
            Some("toml: line 0 (last key \"bad\"): unexpected EOF; expected value")
        );
        assert!(read("a = 1\nb = [1,2]\n").is_ok());
    }

    #[test]
    fn implicit_table_is_not_overwritten() {
        let m = read("a.b.c = 1\na.b = 2").unwrap_or_default();
        let Some(Value::Map(a)) = m.get("a") else {
            panic!("a is not a table: {m:?}")
        };
        assert!(matches!(a.snapshot().get("b"), Some(Value::Map(_))));
    }

    #[test]
    fn strings_decode_like_burntsushi() {
        let doc = "a = \"x\\u00e9\\ty\"\nb = \"\"\"\nl1 \\\n   l2\"\"\"\nc = '''\nraw\\n'''";
        let m = read(doc).unwrap_or_default();
        assert_eq!(m.get("a").and_then(Value::as_str), Some("x\u{e9}\ty"));
        assert_eq!(m.get("b").and_then(Value::as_str), Some("l1 l2"));
        assert_eq!(m.get("c").and_then(Value::as_str), Some("raw\\n"));
    }
}

#[cfg(test)]
mod deep_tests {
    use super::MAX_NESTING;

    #[test]
    fn deep_nesting_is_refused_without_overflow() {
        for n in [MAX_NESTING, MAX_NESTING + 1, 2_000] {
            let doc = format!("a = {}1{}", "[".repeat(n), "]".repeat(n));
            assert_eq!(super::read(&doc).is_ok(), n <= MAX_NESTING, "{n} arrays");
            let doc = format!("a = {}1{}", "{b=".repeat(n), "}".repeat(n));
            assert_eq!(super::read(&doc).is_ok(), n <= MAX_NESTING, "{n} tables");
        }
        assert!(super::read(&format!("a = {}", "[".repeat(2_000))).is_err());
    }
}
