//! The lexer: splits template text into items exactly where Go's `text/template/parse`
//! lexer does, with its trim-marker, comment and number rules and its error messages.

/// Item kinds, as Go's lexer names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum ItemType {
    Error,
    Bool,
    Char,
    CharConstant,
    Complex,
    Assign,
    Declare,
    Eof,
    Field,
    Identifier,
    LeftDelim,
    LeftParen,
    Number,
    Pipe,
    RawString,
    RightDelim,
    RightParen,
    Space,
    String,
    Text,
    Variable,
    // keywords
    Block,
    Break,
    Continue,
    Dot,
    Define,
    Else,
    End,
    If,
    Nil,
    Range,
    Template,
    With,
}

impl ItemType {
    fn is_keyword(self) -> bool {
        matches!(
            self,
            ItemType::Block
                | ItemType::Break
                | ItemType::Continue
                | ItemType::Dot
                | ItemType::Define
                | ItemType::Else
                | ItemType::End
                | ItemType::If
                | ItemType::Nil
                | ItemType::Range
                | ItemType::Template
                | ItemType::With
        )
    }
}

/// One lexed item: kind and byte span in the input. Items are plain 12-byte copies;
/// their text is a slice of the input (see [`Lexed::val`]) and their line is computed
/// only when an error needs it (see [`line_at`]), so lexing does not allocate or count
/// lines per item. Offsets are `u32`: the parser refuses texts of 4 GiB or more.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Item {
    pub typ: ItemType,
    pub pos: u32,
    pub end: u32,
}

impl Item {
    /// The item's byte range in the input.
    pub fn range(&self) -> std::ops::Range<usize> {
        self.pos as usize..self.end as usize
    }
}

/// The lexer's result: the items (ending in Eof or Error), when lexing failed the
/// error message (the text of the final Error item), and where comments dropped lines.
pub(crate) struct Lexed {
    pub items: Vec<Item>,
    pub error: String,
    /// For each comment holding newlines, in order: its end and the total number of
    /// newlines inside comments up to there. Go's lexer skips comments without counting
    /// their newlines, so every later item reports a line that many lines too low.
    pub lost: Vec<(usize, usize)>,
}

/// The 1-based line Go's lexer reports for an item starting at byte `pos` of `src`,
/// given the lexer's [`Lexed::lost`] record.
pub(crate) fn line_at(src: &str, lost: &[(usize, usize)], pos: usize) -> usize {
    let bytes = src.as_bytes();
    let upto = &bytes[..pos.min(bytes.len())];
    let newlines = memchr::memchr_iter(b'\n', upto).count();
    let dropped = lost
        .iter()
        .take_while(|(end, _)| *end <= pos)
        .last()
        .map_or(0, |(_, n)| *n);
    (newlines + 1).saturating_sub(dropped).max(1)
}

#[cfg(test)]
impl Lexed {
    /// The text of `it`: its slice of `src`, or the error message for an Error item.
    pub fn val<'s>(&'s self, src: &'s str, it: &Item) -> &'s str {
        if it.typ == ItemType::Error {
            &self.error
        } else {
            src.get(it.range()).unwrap_or("")
        }
    }
}

impl Item {
    /// How Go's parser prints an item inside "unexpected …" messages; `val` is its text.
    pub fn describe(&self, val: &str) -> String {
        match self.typ {
            ItemType::Eof => "EOF".to_string(),
            ItemType::Error => val.to_string(),
            t if t.is_keyword() => format!("<{val}>"),
            _ => {
                if val.chars().count() > 10 {
                    let short: String = val.chars().take(10).collect();
                    format!("{}...", crate::fmt::go_quote(&short))
                } else {
                    crate::fmt::go_quote(val)
                }
            }
        }
    }
}

const TRIM: u8 = b'-';

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

fn is_alnum(c: char) -> bool {
    c == '_' || c.is_alphabetic() || c.is_numeric()
}

/// Which ASCII bytes are [`is_alnum`]: letters, digits and `_` (a table lookup in the
/// lexer's hottest loop).
static ASCII_ALNUM: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        t[i] = b.is_ascii_alphanumeric() || b == b'_';
        i += 1;
    }
    t
};

/// Whether `hay` starts with `pat`, compared a byte at a time: delimiters are a byte or
/// two, where a `memcmp` call costs more than the comparison, and the first byte
/// rejects almost every position.
#[inline]
fn has_prefix(hay: &[u8], pat: &[u8]) -> bool {
    if hay.len() < pat.len() {
        return false;
    }
    let mut i = 0;
    while i < pat.len() {
        if hay[i] != pat[i] {
            return false;
        }
        i += 1;
    }
    true
}

fn keyword(word: &str) -> Option<ItemType> {
    Some(match word {
        "." => ItemType::Dot,
        "block" => ItemType::Block,
        "break" => ItemType::Break,
        "continue" => ItemType::Continue,
        "define" => ItemType::Define,
        "else" => ItemType::Else,
        "end" => ItemType::End,
        "if" => ItemType::If,
        "range" => ItemType::Range,
        "nil" => ItemType::Nil,
        "template" => ItemType::Template,
        "with" => ItemType::With,
        _ => return None,
    })
}

/// Lexer state. Produces the whole item list up front (ending in Eof or Error).
pub(crate) struct Lexer<'a> {
    input: &'a str,
    /// `input` as bytes: the lexer looks at bytes, decoding a character only where a
    /// non-ASCII byte appears (every byte it looks for is ASCII, and no byte of a
    /// multi-byte UTF-8 sequence is).
    bytes: &'a [u8],
    left: &'a str,
    right: &'a [u8],
    pos: usize,
    start: usize,
    items: Vec<Item>,
    error: String,
    paren_depth: i32,
    lost: Vec<(usize, usize)>,
    /// Newlines inside comments seen so far: Go's lexer skips comments without counting
    /// their newlines, so every later item reports a line that many lines too low.
    lost_lines: usize,
}

/// Lexes `input` with the given delimiters.
pub(crate) fn lex(input: &str, left: &str, right: &str) -> Lexed {
    debug_assert!(u32::try_from(input.len()).is_ok());
    let mut l = Lexer {
        input,
        bytes: input.as_bytes(),
        left,
        right: right.as_bytes(),
        pos: 0,
        start: 0,
        // About one item per four bytes of an action-dense text; growing costs copies.
        items: Vec::with_capacity(input.len() / 4 + 4),
        error: String::new(),
        paren_depth: 0,
        lost: Vec::new(),
        lost_lines: 0,
    };
    l.run();
    Lexed {
        items: l.items,
        error: l.error,
        lost: l.lost,
    }
}

impl<'a> Lexer<'a> {
    fn rest(&self) -> &'a str {
        &self.input[self.pos..]
    }

    fn peek_char(&self) -> Option<char> {
        match self.input.as_bytes().get(self.pos) {
            Some(&b) if b < 0x80 => Some(b as char),
            Some(_) => self.rest().chars().next(),
            None => None,
        }
    }

    fn next_char(&mut self) -> Option<char> {
        let c = self.peek_char()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    fn emit(&mut self, typ: ItemType) {
        self.items.push(Item {
            typ,
            pos: self.start as u32,
            end: self.pos as u32,
        });
        self.start = self.pos;
    }

    fn error(&mut self, msg: String) {
        self.items.push(Item {
            typ: ItemType::Error,
            pos: self.start as u32,
            end: self.start as u32,
        });
        self.error = msg;
    }

    /// Takes the next character if it is one of `valid` (ASCII characters only, so a
    /// byte comparison decides).
    fn accept(&mut self, valid: &str) -> bool {
        match self.bytes.get(self.pos) {
            Some(b) if valid.as_bytes().contains(b) => {
                self.pos += 1;
                true
            }
            _ => false,
        }
    }

    fn accept_run(&mut self, valid: &str) {
        while self.accept(valid) {}
    }

    fn has_left_trim(s: &str) -> bool {
        let b = s.as_bytes();
        b.len() >= 2 && b[0] == TRIM && is_space(b[1])
    }

    #[inline]
    fn has_right_trim_bytes(b: &[u8]) -> bool {
        b.len() >= 2 && is_space(b[0]) && b[1] == TRIM
    }

    /// (at right delimiter, with trim marker)
    #[inline]
    fn at_right_delim(&self) -> (bool, bool) {
        let r = self.bytes.get(self.pos..).unwrap_or_default();
        if Self::has_right_trim_bytes(r) && has_prefix(&r[2..], self.right) {
            return (true, true);
        }
        (has_prefix(r, self.right), false)
    }

    fn run(&mut self) {
        // State machine: text, then action, alternating.
        loop {
            if !self.lex_text() {
                return;
            }
            if !self.lex_left_delim() {
                return;
            }
        }
    }

    /// Returns false at EOF (after emitting Eof).
    fn lex_text(&mut self) -> bool {
        if let Some(x) = find_delim(self.rest(), self.left) {
            if x > 0 {
                self.pos += x;
                let delim_end = self.pos + self.left.len();
                let mut trim = 0;
                if Self::has_left_trim(&self.input[delim_end..]) {
                    let text = &self.bytes[self.start..self.pos];
                    trim = text.iter().rev().take_while(|b| is_space(**b)).count();
                }
                self.pos -= trim;
                if self.pos > self.start {
                    self.emit(ItemType::Text);
                }
                self.pos += trim;
                self.start = self.pos;
            }
            true
        } else {
            self.pos = self.input.len();
            if self.pos > self.start {
                self.emit(ItemType::Text);
            }
            self.emit(ItemType::Eof);
            false
        }
    }

    /// Lexes from a left delimiter through the matching right delimiter. Returns false
    /// when lexing stopped (error).
    fn lex_left_delim(&mut self) -> bool {
        self.pos += self.left.len();
        let trim = Self::has_left_trim(self.rest());
        let after = if trim { 2 } else { 0 };
        if has_prefix(&self.bytes[self.pos + after..], b"/*") {
            self.pos += after;
            self.start = self.pos;
            return self.lex_comment();
        }
        let delim_start = self.start;
        let delim_end = self.pos;
        self.items.push(Item {
            typ: ItemType::LeftDelim,
            pos: delim_start as u32,
            end: delim_end as u32,
        });
        self.pos += after;
        self.start = self.pos;
        self.paren_depth = 0;
        self.lex_inside_action()
    }

    fn lex_comment(&mut self) -> bool {
        self.pos += 2;
        let Some(x) = self.rest().find("*/") else {
            self.error("unclosed comment".into());
            return false;
        };
        self.pos += x + 2;
        let (delim, trim) = self.at_right_delim();
        if !delim {
            self.error("comment ends before closing delimiter".into());
            return false;
        }
        let dropped =
            memchr::memchr_iter(b'\n', &self.input.as_bytes()[self.start..self.pos]).count();
        if dropped > 0 {
            self.lost_lines += dropped;
            self.lost.push((self.pos, self.lost_lines));
        }
        // Comments are dropped (Helm does not ask for ParseComments).
        if trim {
            self.pos += 2;
        }
        self.pos += self.right.len();
        if trim {
            self.skip_left_trim();
        }
        self.start = self.pos;
        true
    }

    fn skip_left_trim(&mut self) {
        let r = &self.bytes[self.pos..];
        self.pos += r.iter().take_while(|b| is_space(**b)).count();
    }

    fn lex_right_delim(&mut self) {
        let (_, trim) = self.at_right_delim();
        if trim {
            self.pos += 2;
            self.start = self.pos;
        }
        self.pos += self.right.len();
        self.emit(ItemType::RightDelim);
        if trim {
            self.skip_left_trim();
            self.start = self.pos;
        }
    }

    /// Returns true when the action closed normally.
    fn lex_inside_action(&mut self) -> bool {
        loop {
            let (delim, _) = self.at_right_delim();
            if delim {
                if self.paren_depth == 0 {
                    self.lex_right_delim();
                    return true;
                }
                self.error("unclosed left paren".into());
                return false;
            }
            let Some(&b) = self.bytes.get(self.pos) else {
                self.error("unclosed action".into());
                return false;
            };
            if b >= 0x80 {
                // A non-ASCII character: only a letter or digit may start an item.
                let c = self.peek_char().unwrap_or(char::REPLACEMENT_CHARACTER);
                if is_alnum(c) {
                    if !self.lex_identifier() {
                        return false;
                    }
                    continue;
                }
                self.pos += c.len_utf8();
                self.error(format!(
                    "unrecognized character in action: {}",
                    go_sharp_u(c)
                ));
                return false;
            }
            // The lexers called below with the position still at `b` start by
            // reading it themselves.
            match b {
                b' ' | b'\t' | b'\r' | b'\n' => {
                    if self.lex_space() {
                        self.lex_right_delim();
                        return true;
                    }
                }
                b'+' | b'-' | b'0'..=b'9' => {
                    if !self.lex_number() {
                        return false;
                    }
                }
                b'_' | b'a'..=b'z' | b'A'..=b'Z' => {
                    if !self.lex_identifier() {
                        return false;
                    }
                }
                _ => {
                    self.pos += 1;
                    if !self.lex_ascii_punct(b) {
                        return false;
                    }
                }
            }
        }
    }

    /// Lexes the item that starts with the ASCII byte `b` just read (anything but a
    /// space, a number's start or an identifier's start). Returns false on error.
    fn lex_ascii_punct(&mut self, b: u8) -> bool {
        match b {
            b'=' => self.emit(ItemType::Assign),
            b':' => {
                if self.bytes.get(self.pos) != Some(&b'=') {
                    // Go reads the character after ':' before reporting.
                    let _ = self.next_char();
                    self.error("expected :=".into());
                    return false;
                }
                self.pos += 1;
                self.emit(ItemType::Declare);
            }
            b'|' => self.emit(ItemType::Pipe),
            b'"' => return self.lex_quote(),
            b'`' => return self.lex_raw_quote(),
            b'$' => return self.lex_variable(),
            b'\'' => return self.lex_char(),
            b'.' => {
                if self.bytes.get(self.pos).is_some_and(u8::is_ascii_digit) {
                    self.pos -= 1;
                    return self.lex_number();
                }
                return self.lex_field_or_variable(ItemType::Field);
            }
            b'(' => {
                self.emit(ItemType::LeftParen);
                self.paren_depth += 1;
            }
            b')' => {
                self.paren_depth -= 1;
                if self.paren_depth < 0 {
                    self.error("unexpected right paren".into());
                    return false;
                }
                self.emit(ItemType::RightParen);
            }
            c if !c.is_ascii_control() => self.emit(ItemType::Char),
            c => {
                self.error(format!(
                    "unrecognized character in action: {}",
                    go_sharp_u(c as char)
                ));
                return false;
            }
        }
        true
    }

    /// Lexes a run of spaces. Returns true if it ended at a trim-marked right delimiter
    /// reached with a single space (the caller then lexes the delimiter).
    fn lex_space(&mut self) -> bool {
        let b = self.bytes;
        let begin = self.pos;
        let mut p = begin;
        while p < b.len() && is_space(b[p]) {
            p += 1;
        }
        self.pos = p;
        let n = p - begin;
        let from = self.pos - 1;
        let r = &self.bytes[from..];
        if Self::has_right_trim_bytes(r) && has_prefix(&r[2..], self.right) {
            self.pos -= 1;
            if n == 1 {
                return true;
            }
        }
        self.emit(ItemType::Space);
        false
    }

    #[inline]
    fn at_terminator(&self) -> bool {
        match self.bytes.get(self.pos) {
            None => true,
            Some(b' ' | b'\t' | b'\r' | b'\n' | b'.' | b',' | b'|' | b':' | b')' | b'(') => true,
            Some(_) => has_prefix(&self.bytes[self.pos..], self.right),
        }
    }

    /// Skips a run of ASCII letters, digits and `_` a byte at a time (the common
    /// case); the caller's per-character loop then handles anything else.
    #[inline]
    fn skip_ascii_alnum(&mut self) {
        // A local index, so the loop keeps it in a register.
        let b = self.bytes;
        let mut p = self.pos;
        while p < b.len() && ASCII_ALNUM[b[p] as usize] {
            p += 1;
        }
        self.pos = p;
    }

    /// Skips a run of [`is_alnum`] characters; returns the character after it (not
    /// consumed), if any.
    #[inline]
    fn skip_alnum(&mut self) -> Option<char> {
        loop {
            self.skip_ascii_alnum();
            match *self.bytes.get(self.pos)? {
                b if b < 0x80 => return Some(b as char),
                _ => {
                    let c = self.peek_char()?;
                    if !is_alnum(c) {
                        return Some(c);
                    }
                    self.pos += c.len_utf8();
                }
            }
        }
    }

    fn lex_identifier(&mut self) -> bool {
        let r = self.skip_alnum();
        let word = &self.input[self.start..self.pos];
        if !self.at_terminator() {
            self.error(format!("bad character {}", go_sharp_u(r.unwrap_or('\0'))));
            return false;
        }
        let typ = if let Some(k) = keyword(word) {
            k
        } else if word.starts_with('.') {
            ItemType::Field
        } else if word == "true" || word == "false" {
            ItemType::Bool
        } else {
            ItemType::Identifier
        };
        self.emit(typ);
        true
    }

    fn lex_variable(&mut self) -> bool {
        if self.at_terminator() {
            self.emit(ItemType::Variable);
            return true;
        }
        self.lex_field_or_variable(ItemType::Variable)
    }

    fn lex_field_or_variable(&mut self, typ: ItemType) -> bool {
        if self.at_terminator() {
            self.emit(if typ == ItemType::Variable {
                ItemType::Variable
            } else {
                ItemType::Dot
            });
            return true;
        }
        let r = self.skip_alnum();
        if !self.at_terminator() {
            self.error(format!("bad character {}", go_sharp_u(r.unwrap_or('\0'))));
            return false;
        }
        self.emit(typ);
        true
    }

    fn lex_char(&mut self) -> bool {
        loop {
            match self.next_char() {
                Some('\\') => match self.next_char() {
                    Some(c) if c != '\n' => continue,
                    _ => {
                        self.error("unterminated character constant".into());
                        return false;
                    }
                },
                None | Some('\n') => {
                    self.error("unterminated character constant".into());
                    return false;
                }
                Some('\'') => break,
                Some(_) => {}
            }
        }
        self.emit(ItemType::CharConstant);
        true
    }

    /// Lexes a quoted string after its opening quote. Bytes suffice: the bytes looked
    /// for are ASCII, and skipping one byte after a backslash leaves the rest of an
    /// escaped multi-byte character to the loop, which passes over it.
    fn lex_quote(&mut self) -> bool {
        let b = self.bytes;
        let mut p = self.pos;
        loop {
            match b.get(p) {
                Some(b'\\') => match b.get(p + 1) {
                    Some(&c) if c != b'\n' => p += 2,
                    _ => {
                        self.pos = p;
                        self.error("unterminated quoted string".into());
                        return false;
                    }
                },
                None | Some(b'\n') => {
                    self.pos = p;
                    self.error("unterminated quoted string".into());
                    return false;
                }
                Some(b'"') => {
                    p += 1;
                    break;
                }
                Some(_) => p += 1,
            }
        }
        self.pos = p;
        self.emit(ItemType::String);
        true
    }

    fn lex_raw_quote(&mut self) -> bool {
        let Some(x) = memchr::memchr(b'`', &self.bytes[self.pos..]) else {
            self.error("unterminated raw quoted string".into());
            return false;
        };
        self.pos += x + 1;
        self.emit(ItemType::RawString);
        true
    }

    fn lex_number(&mut self) -> bool {
        if !self.scan_number() {
            let t = self.input[self.start..self.pos].to_string();
            self.error(format!("bad number syntax: {}", crate::fmt::go_quote(&t)));
            return false;
        }
        if matches!(self.peek_char(), Some('+' | '-')) {
            if !self.scan_number() || !self.input[..self.pos].ends_with('i') {
                let t = self.input[self.start..self.pos].to_string();
                self.error(format!("bad number syntax: {}", crate::fmt::go_quote(&t)));
                return false;
            }
            self.emit(ItemType::Complex);
        } else {
            self.emit(ItemType::Number);
        }
        true
    }

    fn scan_number(&mut self) -> bool {
        self.accept("+-");
        let mut digits = "0123456789_";
        if self.accept("0") {
            if self.accept("xX") {
                digits = "0123456789abcdefABCDEF_";
            } else if self.accept("oO") {
                digits = "01234567_";
            } else if self.accept("bB") {
                digits = "01_";
            }
        }
        self.accept_run(digits);
        if self.accept(".") {
            self.accept_run(digits);
        }
        if digits.len() == 11 && self.accept("eE") {
            self.accept("+-");
            self.accept_run("0123456789_");
        }
        if digits.len() == 23 && self.accept("pP") {
            self.accept("+-");
            self.accept_run("0123456789_");
        }
        self.accept("i");
        if let Some(c) = self.peek_char() {
            if is_alnum(c) {
                self.next_char();
                return false;
            }
        }
        true
    }
}

/// Finds the left delimiter: a byte search for its first byte, then a prefix check.
fn find_delim(hay: &str, delim: &str) -> Option<usize> {
    let d = delim.as_bytes();
    let (&first, rest) = d.split_first()?;
    let h = hay.as_bytes();
    let mut from = 0;
    while let Some(i) = memchr::memchr(first, &h[from..]) {
        let at = from + i;
        if has_prefix(&h[at + 1..], rest) {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

/// Go's `%#U` of a rune: `U+0041 'A'` (the quoted form only for printable runes).
pub(crate) fn go_sharp_u(c: char) -> String {
    let code = c as u32;
    let hex = format!("U+{code:04X}");
    if c.is_control() {
        hex
    } else {
        format!("{hex} '{c}'")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(s: &str) -> Vec<ItemType> {
        lex(s, "{{", "}}")
            .items
            .into_iter()
            .map(|i| i.typ)
            .collect()
    }

    #[test]
    fn text_and_action() {
        use ItemType::*;
        assert_eq!(
            kinds("a {{ .X }} b"),
            vec![Text, LeftDelim, Space, Field, Space, RightDelim, Text, Eof]
        );
    }

    #[test]
    fn trim_markers() {
        let src = "a  {{- 3 -}}  b";
        let lexed = lex(src, "{{", "}}");
        let items = &lexed.items;
        assert_eq!(lexed.val(src, &items[0]), "a");
        assert_eq!(items.last().map(|i| i.typ), Some(ItemType::Eof));
        let text: Vec<_> = items.iter().filter(|i| i.typ == ItemType::Text).collect();
        assert_eq!(lexed.val(src, text[1]), "b");
    }

    #[test]
    fn negative_number_is_not_trim() {
        let src = "{{-3}}";
        let lexed = lex(src, "{{", "}}");
        assert_eq!(lexed.items[1].typ, ItemType::Number);
        assert_eq!(lexed.val(src, &lexed.items[1]), "-3");
    }

    #[test]
    fn unterminated_string() {
        let src = "{{ \"abc }}";
        let lexed = lex(src, "{{", "}}");
        let last = lexed.items.last().map(|i| lexed.val(src, i));
        assert_eq!(last, Some("unterminated quoted string"));
    }
}
