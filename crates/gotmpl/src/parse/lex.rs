//! The lexer: splits template text into items exactly where Go's `text/template/parse`
//! lexer does, with its trim-marker, comment and number rules and its error messages.

/// Item kinds, as Go's lexer names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
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

/// One lexed item: kind and byte span in the input. Items are plain copies; their
/// text is a slice of the input (see [`Lexed::val`]) and their line is computed only
/// when an error needs it (see [`Lexed::line_of`]), so lexing does not allocate or
/// count lines per item.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Item {
    pub typ: ItemType,
    pub pos: usize,
    pub end: usize,
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
            src.get(it.pos..it.end).unwrap_or("")
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
    left: &'a str,
    right: &'a str,
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
    let mut l = Lexer {
        input,
        left,
        right,
        pos: 0,
        start: 0,
        items: Vec::with_capacity(input.len() / 8 + 4),
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

    fn backup(&mut self, c: Option<char>) {
        if let Some(c) = c {
            self.pos -= c.len_utf8();
        }
    }

    fn emit(&mut self, typ: ItemType) {
        self.items.push(Item {
            typ,
            pos: self.start,
            end: self.pos,
        });
        self.start = self.pos;
    }

    fn error(&mut self, msg: String) {
        self.items.push(Item {
            typ: ItemType::Error,
            pos: self.start,
            end: self.start,
        });
        self.error = msg;
    }

    fn accept(&mut self, valid: &str) -> bool {
        match self.peek_char() {
            Some(c) if valid.contains(c) => {
                self.pos += c.len_utf8();
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

    fn has_right_trim(s: &str) -> bool {
        let b = s.as_bytes();
        b.len() >= 2 && is_space(b[0]) && b[1] == TRIM
    }

    /// (at right delimiter, with trim marker)
    fn at_right_delim(&self) -> (bool, bool) {
        let r = self.rest();
        if Self::has_right_trim(r) && r[2..].starts_with(self.right) {
            return (true, true);
        }
        if r.starts_with(self.right) {
            return (true, false);
        }
        (false, false)
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
                    let text = &self.input[self.start..self.pos];
                    trim = text.len() - text.trim_end_matches([' ', '\t', '\r', '\n']).len();
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
        if self.input[self.pos + after..].starts_with("/*") {
            self.pos += after;
            self.start = self.pos;
            return self.lex_comment();
        }
        let delim_start = self.start;
        let delim_end = self.pos;
        self.items.push(Item {
            typ: ItemType::LeftDelim,
            pos: delim_start,
            end: delim_end,
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
        let r = self.rest();
        self.pos += r.len() - r.trim_start_matches([' ', '\t', '\r', '\n']).len();
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
            let Some(r) = self.next_char() else {
                self.error("unclosed action".into());
                return false;
            };
            match r {
                c if c.is_ascii() && is_space(c as u8) => {
                    self.backup(Some(r));
                    if self.lex_space() {
                        self.lex_right_delim();
                        return true;
                    }
                }
                '=' => self.emit(ItemType::Assign),
                ':' => {
                    if self.next_char() != Some('=') {
                        self.error("expected :=".into());
                        return false;
                    }
                    self.emit(ItemType::Declare);
                }
                '|' => self.emit(ItemType::Pipe),
                '"' => {
                    if !self.lex_quote() {
                        return false;
                    }
                }
                '`' => {
                    if !self.lex_raw_quote() {
                        return false;
                    }
                }
                '$' => {
                    if !self.lex_variable() {
                        return false;
                    }
                }
                '\'' => {
                    if !self.lex_char() {
                        return false;
                    }
                }
                '.' => {
                    let next = self.input.as_bytes().get(self.pos).copied();
                    match next {
                        Some(b) if b.is_ascii_digit() => {
                            self.backup(Some(r));
                            if !self.lex_number() {
                                return false;
                            }
                        }
                        _ => {
                            if !self.lex_field_or_variable(ItemType::Field) {
                                return false;
                            }
                        }
                    }
                }
                '+' | '-' | '0'..='9' => {
                    self.backup(Some(r));
                    if !self.lex_number() {
                        return false;
                    }
                }
                c if is_alnum(c) => {
                    self.backup(Some(r));
                    if !self.lex_identifier() {
                        return false;
                    }
                }
                '(' => {
                    self.emit(ItemType::LeftParen);
                    self.paren_depth += 1;
                }
                ')' => {
                    self.paren_depth -= 1;
                    if self.paren_depth < 0 {
                        self.error("unexpected right paren".into());
                        return false;
                    }
                    self.emit(ItemType::RightParen);
                }
                c if c.is_ascii() && !c.is_ascii_control() => self.emit(ItemType::Char),
                c => {
                    self.error(format!(
                        "unrecognized character in action: {}",
                        go_sharp_u(c)
                    ));
                    return false;
                }
            }
        }
    }

    /// Lexes a run of spaces. Returns true if it ended at a trim-marked right delimiter
    /// reached with a single space (the caller then lexes the delimiter).
    fn lex_space(&mut self) -> bool {
        let mut n = 0;
        while let Some(b) = self.input.as_bytes().get(self.pos) {
            if !is_space(*b) {
                break;
            }
            self.pos += 1;
            n += 1;
        }
        let from = self.pos - 1;
        if Self::has_right_trim(&self.input[from..])
            && self.input[from + 2..].starts_with(self.right)
        {
            self.pos -= 1;
            if n == 1 {
                return true;
            }
        }
        self.emit(ItemType::Space);
        false
    }

    fn at_terminator(&self) -> bool {
        match self.peek_char() {
            None => true,
            Some(c) if c.is_ascii() && is_space(c as u8) => true,
            Some('.' | ',' | '|' | ':' | ')' | '(') => true,
            _ => self.rest().starts_with(self.right),
        }
    }

    /// Skips a run of ASCII letters, digits and `_` a byte at a time (the common
    /// case); the caller's per-character loop then handles anything else.
    fn skip_ascii_alnum(&mut self) {
        let b = self.input.as_bytes();
        while let Some(&c) = b.get(self.pos) {
            if c.is_ascii_alphanumeric() || c == b'_' {
                self.pos += 1;
            } else {
                break;
            }
        }
    }

    fn lex_identifier(&mut self) -> bool {
        loop {
            self.skip_ascii_alnum();
            let r = self.next_char();
            match r {
                Some(c) if is_alnum(c) => {}
                _ => {
                    self.backup(r);
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
                    return true;
                }
            }
        }
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
        let mut r;
        loop {
            self.skip_ascii_alnum();
            r = self.next_char();
            match r {
                Some(c) if is_alnum(c) => {}
                _ => {
                    self.backup(r);
                    break;
                }
            }
        }
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

    fn lex_quote(&mut self) -> bool {
        loop {
            match self.next_char() {
                Some('\\') => match self.next_char() {
                    Some(c) if c != '\n' => continue,
                    _ => {
                        self.error("unterminated quoted string".into());
                        return false;
                    }
                },
                None | Some('\n') => {
                    self.error("unterminated quoted string".into());
                    return false;
                }
                Some('"') => break,
                Some(_) => {}
            }
        }
        self.emit(ItemType::String);
        true
    }

    fn lex_raw_quote(&mut self) -> bool {
        loop {
            match self.next_char() {
                None => {
                    self.error("unterminated raw quoted string".into());
                    return false;
                }
                Some('`') => break,
                Some(_) => {}
            }
        }
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
        if h[at + 1..].starts_with(rest) {
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
