//! A direct scanner for the block-style YAML that values files and rendered manifests are
//! almost always written in: block mappings and sequences, plain and quoted scalars (also
//! over several lines), literal and folded block scalars, comments, and single-line flow
//! collections of simple scalars.
//!
//! It feeds the same [`Sink`] as granit-parser's events do, and must give exactly the
//! nodes libyaml would give. It is deliberately narrow: at anything outside that subset
//! (anchors, aliases, tags, explicit keys, document markers inside the text, indentation
//! indicators, escaped line breaks and unusual escapes, multi-line flow collections, …),
//! and at anything
//! that could be an error, it stops with [`Stop::Unsupported`] and the caller reads the
//! document through granit-parser instead, which produces the exact value or error.
//! Positions advance over ASCII bytes only, so every slice taken is valid UTF-8.

use std::borrow::Cow;

use super::head::Sink;

/// Why the quick scan stopped.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Stop {
    /// The text leaves the subset this scanner reads: read it another way.
    Unsupported,
    /// The sink refused a node (the fast read leaves the document to the full read).
    Refused,
}

type R<T> = Result<T, Stop>;

/// The longest simple key libyaml accepts is 1024 characters; longer ones are left to
/// the full read (bytes are counted, which is never fewer than characters).
const MAX_KEY: usize = 1000;

/// Reads the first document of `text` into `sink`.
pub(super) fn read(text: &str, sink: &mut Sink) -> R<()> {
    if !plain_characters(text) {
        return Err(Stop::Unsupported);
    }
    let mut q = Quick {
        s: text,
        b: text.as_bytes(),
        pos: 0,
        sink,
    };
    q.document()
}

/// Whether `text` holds only characters this scanner treats like libyaml does: no tab,
/// no carriage return or other control character, no byte-order mark, no non-characters,
/// and no line break other than `\n` (libyaml also breaks lines at U+0085, U+2028, U+2029).
fn plain_characters(text: &str) -> bool {
    let b = text.as_bytes();
    let mut high = 0u8;
    // Branch-free over blocks (the compiler vectorises these loops).
    for block in b.chunks(128) {
        let mut bad = false;
        for &c in block {
            bad |= (c < b'\n') | (c.wrapping_sub(0x0b) < 0x15) | (c == 0x7f);
            high |= c;
        }
        if bad {
            return false;
        }
    }
    if high < 0x80 {
        return true;
    }
    !text.chars().any(|c| {
        matches!(
            c,
            '\u{80}'..='\u{9f}' | '\u{2028}' | '\u{2029}' | '\u{feff}' | '\u{fffe}' | '\u{ffff}'
        )
    })
}

/// What ended a run of plain scalar content on a line.
#[derive(PartialEq, Eq)]
enum PlainStop {
    Colon,
    Comment,
    LineEnd,
}

/// Appends the folding of `breaks` line breaks between two lines of a flow (plain or
/// quoted) scalar: a space for a single break, the other breaks kept otherwise.
fn fold(out: &mut String, breaks: usize) {
    if breaks == 0 {
        out.push(' ');
    }
    for _ in 0..breaks {
        out.push('\n');
    }
}

struct Quick<'a, 's> {
    s: &'a str,
    b: &'a [u8],
    pos: usize,
    sink: &'s mut Sink,
}

fn unsupported<T>() -> R<T> {
    Err(Stop::Unsupported)
}

impl<'a> Quick<'a, '_> {
    fn at(&self, i: usize) -> u8 {
        self.b.get(i).copied().unwrap_or(0)
    }

    /// A space, a line break or the end of the text (libyaml's `is_blankz`, without tabs
    /// and other breaks, which never get here).
    fn blankz(&self, i: usize) -> bool {
        matches!(self.at(i), b' ' | b'\n' | 0)
    }

    fn scalar(&mut self, value: Cow<'_, str>, plain: bool) -> R<()> {
        self.sink.scalar(value, plain).ok_or(Stop::Refused)
    }

    fn open(&mut self, map: bool) -> R<()> {
        self.sink.open(map).ok_or(Stop::Refused)
    }

    fn close(&mut self) -> R<()> {
        self.sink.close().ok_or(Stop::Refused)
    }

    /// The end of the line starting at or after `from` (the index of its `\n`, or the
    /// text's length).
    fn line_end(&self, from: usize) -> usize {
        memchr::memchr(b'\n', &self.b[from.min(self.b.len())..]).map_or(self.b.len(), |i| from + i)
    }

    /// From the start of a line, skips empty and comment-only lines: `Some(indent)` of the
    /// next line with content (`self.pos` left at that line's start), `None` at the end.
    fn next_line(&mut self) -> R<Option<usize>> {
        loop {
            let start = self.pos;
            if start >= self.b.len() {
                return Ok(None);
            }
            let i = self.after_spaces(start);
            match self.at(i) {
                b'\n' => self.pos = i + 1,
                0 => self.pos = i,
                b'#' => self.pos = self.line_after(i),
                _ => {
                    let indent = i - start;
                    // A document marker: another document, or the end of this one.
                    if indent == 0
                        && (self.b[i..].starts_with(b"---") || self.b[i..].starts_with(b"..."))
                        && self.blankz(i + 3)
                    {
                        return unsupported();
                    }
                    return Ok(Some(indent));
                }
            }
        }
    }

    /// After a node on the current line: only spaces and a comment may follow (a comment
    /// after at least one space); moves to the next line's start.
    fn end_line(&mut self) -> R<()> {
        let i = self.after_spaces(self.pos);
        match self.at(i) {
            b'#' if i > self.pos => {}
            b'\n' | 0 => {}
            _ => return unsupported(),
        }
        self.pos = self.line_after(i);
        Ok(())
    }

    fn skip_spaces(&mut self) {
        self.pos = self.after_spaces(self.pos);
    }

    /// The first index at or after `i` that is not a space.
    fn after_spaces(&self, mut i: usize) -> usize {
        while self.at(i) == b' ' {
            i += 1;
        }
        i
    }

    /// The start of the line after the one holding `i` (or the text's end).
    fn line_after(&self, i: usize) -> usize {
        (self.line_end(i) + 1).min(self.b.len())
    }

    /// Plain scalar content from `from` to its line's end (block context): where it ends
    /// (trailing spaces left out) and what stopped it, a `: ` (a value indicator), a
    /// ` #` (a comment) or the line's end.
    fn plain_run(&self, from: usize) -> (usize, PlainStop) {
        let line_end = self.line_end(from);
        let mut end = from;
        for i in from..line_end {
            match self.b[i] {
                b':' if self.blankz(i + 1) => return (end, PlainStop::Colon),
                b' ' if self.at(i + 1) == b'#' => return (end, PlainStop::Comment),
                b' ' => {}
                _ => end = i + 1,
            }
        }
        (end, PlainStop::LineEnd)
    }

    /// From the start of a line, the empty lines (only spaces) before the next line with
    /// anything else: that line's start, the index of its first non-space, and how many
    /// line breaks were passed.
    fn empty_lines(&self, mut q: usize) -> (usize, usize, usize) {
        let mut breaks = 0;
        loop {
            let j = self.after_spaces(q);
            if self.at(j) != b'\n' {
                return (q, j, breaks);
            }
            breaks += 1;
            q = j + 1;
        }
    }

    /// Whether a `:` that ends a mapping key follows (after spaces), and if so, moves past it.
    fn value_indicator(&mut self) -> bool {
        let i = self.after_spaces(self.pos);
        if self.at(i) == b':' && self.blankz(i + 1) {
            self.pos = i + 1;
            true
        } else {
            false
        }
    }

    /// A `-` starting a block sequence entry at `self.pos`.
    fn at_entry(&self) -> bool {
        self.entry_at(self.pos)
    }

    fn entry_at(&self, i: usize) -> bool {
        self.at(i) == b'-' && self.blankz(i + 1)
    }

    /// Moves to the next line's start (the rest of this line is known to be empty or a
    /// comment after a space).
    fn skip_line(&mut self) {
        self.pos = self.line_after(self.pos);
    }

    fn document(&mut self) -> R<()> {
        // An optional `---` line first, then a block mapping at column 0, or nothing.
        let first = match self.next_line() {
            Ok(first) => first,
            Err(_) if self.b[self.pos..].starts_with(b"---") => {
                self.pos += 3;
                self.end_line()?;
                match self.next_line()? {
                    // `---` alone: a document holding one empty scalar.
                    None => return unsupported(),
                    first => first,
                }
            }
            Err(e) => return Err(e),
        };
        match first {
            None => return Ok(()),
            Some(0) => {}
            Some(_) => return unsupported(),
        }
        if self.at_entry() || matches!(self.at(self.pos), b'[' | b'{' | b'|' | b'>') {
            return unsupported();
        }
        let start = self.pos;
        let key = self.key_or_scalar(0)?;
        if !self.key_indicator(start)? {
            return unsupported();
        }
        self.block_map(0, key)?;
        match self.next_line()? {
            None => Ok(()),
            Some(_) => unsupported(),
        }
    }

    /// A scalar in the block context that may be a mapping key: quoted scalars may span
    /// lines indented more than `parent`, plain ones are read to their first line's end
    /// here ([`Self::more_lines`] reads the rest of a value).
    fn key_or_scalar(&mut self, parent: usize) -> R<(Cow<'a, str>, bool)> {
        match self.at(self.pos) {
            b'"' | b'\'' => Ok((self.quoted(Some(parent))?, false)),
            _ => Ok((self.plain()?, true)),
        }
    }

    /// `value_indicator` after the scalar that started at `start`, which must then be a
    /// mapping key, on one line only.
    fn key_indicator(&mut self, start: usize) -> R<bool> {
        if !self.value_indicator() {
            return Ok(false);
        }
        if memchr::memchr(b'\n', &self.b[start..self.pos]).is_some() {
            return unsupported();
        }
        Ok(true)
    }

    /// A plain scalar on one line, in the block context.
    fn plain(&mut self) -> R<Cow<'a, str>> {
        let start = self.pos;
        let c = self.at(start);
        let indicator = matches!(
            c,
            b'-' | b'?'
                | b':'
                | b','
                | b'['
                | b']'
                | b'{'
                | b'}'
                | b'#'
                | b'&'
                | b'*'
                | b'!'
                | b'|'
                | b'>'
                | b'\''
                | b'"'
                | b'%'
                | b'@'
                | b'`'
                | b' '
                | b'\n'
                | 0
        );
        // `-`, `?` and `:` followed by a non-blank start a plain scalar (`-1`, `:8080`).
        let starts_plain = matches!(c, b'-' | b'?' | b':') && !self.blankz(start + 1);
        if indicator && !starts_plain {
            return unsupported();
        }
        let (end, _) = self.plain_run(start);
        self.pos = end;
        Ok(Cow::Borrowed(&self.s[start..end]))
    }

    /// The rest of a plain scalar whose first line ends at `self.pos`, in a collection at
    /// column `parent`: lines indented more than `parent` continue it (folded: one line
    /// break is a space, more are kept as line breaks), up to an empty or comment line
    /// followed by less indentation, a comment line, or a comment after the content.
    fn more_lines(&mut self, first: Cow<'a, str>, parent: usize) -> R<Cow<'a, str>> {
        let i = self.after_spaces(self.pos);
        if self.at(i) != b'\n' {
            return Ok(first);
        }
        let mut out: Option<String> = None;
        let mut q = i + 1;
        loop {
            let (line, j, breaks) = self.empty_lines(q);
            match self.at(j) {
                0 | b'#' => break,
                _ if j - line <= parent => break,
                _ => {}
            }
            // A continuation line: its content up to a comment or the line's end.
            let (end, stop) = self.plain_run(j);
            if stop == PlainStop::Colon {
                return unsupported();
            }
            let o = out.get_or_insert_with(|| first.to_string());
            fold(o, breaks);
            o.push_str(&self.s[j..end]);
            self.pos = end;
            let e = self.line_end(j);
            if stop == PlainStop::Comment || e >= self.b.len() {
                break;
            }
            q = e + 1;
        }
        Ok(out.map_or(first, Cow::Owned))
    }

    /// A double-quoted (with the common escapes) or single-quoted (`''` is a quote)
    /// scalar at `self.pos`. It may go on over lines indented more than `parent` (`None`:
    /// it must end on its line); line breaks fold as in plain scalars, and the spaces
    /// around them go.
    fn quoted(&mut self, parent: Option<usize>) -> R<Cow<'a, str>> {
        let single = self.at(self.pos) == b'\'';
        let start = self.pos + 1;
        let mut i = start;
        let mut seg = start;
        let mut out: Option<String> = None;
        loop {
            match self.at(i) {
                b'\'' if single && self.at(i + 1) == b'\'' => {
                    let o = out.get_or_insert_with(String::new);
                    o.push_str(&self.s[seg..=i]);
                    i += 2;
                    seg = i;
                }
                b'\'' if single => break,
                b'"' if !single => break,
                b'\\' if !single => {
                    let esc = match self.at(i + 1) {
                        b'0' => '\0',
                        b'a' => '\x07',
                        b'b' => '\x08',
                        b't' => '\t',
                        b'n' => '\n',
                        b'v' => '\x0b',
                        b'f' => '\x0c',
                        b'r' => '\r',
                        b'e' => '\x1b',
                        b' ' => ' ',
                        b'"' => '"',
                        b'/' => '/',
                        b'\\' => '\\',
                        b'_' => '\u{a0}',
                        _ => return unsupported(),
                    };
                    let o = out.get_or_insert_with(String::new);
                    o.push_str(&self.s[seg..i]);
                    o.push(esc);
                    i += 2;
                    seg = i;
                }
                0 => return unsupported(),
                b'\n' => {
                    let Some(parent) = parent else {
                        return unsupported();
                    };
                    // The spaces before the break go, and so do those starting the
                    // next lines; one break is a space, more are kept as breaks.
                    let mut e = i;
                    while e > seg && self.b[e - 1] == b' ' {
                        e -= 1;
                    }
                    let o = out.get_or_insert_with(String::new);
                    o.push_str(&self.s[seg..e]);
                    let (line, j, breaks) = self.empty_lines(i + 1);
                    if self.at(j) == 0 || j - line <= parent {
                        return unsupported();
                    }
                    fold(o, breaks);
                    i = j;
                    seg = j;
                }
                _ => i += 1,
            }
        }
        self.pos = i + 1;
        Ok(match out {
            None => Cow::Borrowed(&self.s[start..i]),
            Some(mut o) => {
                o.push_str(&self.s[seg..i]);
                Cow::Owned(o)
            }
        })
    }

    /// A block mapping whose keys are at column `indent`; its first key is read (and its
    /// `:`), the rest of its entries follow.
    fn block_map(&mut self, indent: usize, first: (Cow<'a, str>, bool)) -> R<()> {
        self.open(true)?;
        let mut key = Some(first);
        loop {
            let (k, plain) = match key.take() {
                Some(k) => k,
                None => {
                    if self.at_entry() {
                        return unsupported();
                    }
                    let start = self.pos;
                    let k = self.key_or_scalar(indent)?;
                    if !self.key_indicator(start)? {
                        return unsupported();
                    }
                    k
                }
            };
            if k.len() > MAX_KEY {
                return unsupported();
            }
            self.scalar(k, plain)?;
            self.skip_spaces();
            if matches!(self.at(self.pos), b'#' | b'\n' | 0) {
                self.value_below(indent, true)?;
            } else {
                self.node(indent, None)?;
            }
            match self.next_line()? {
                Some(m) if m == indent => self.pos += m,
                Some(m) if m > indent => return unsupported(),
                _ => break,
            }
        }
        self.close()
    }

    /// A block sequence whose `-` are at column `indent` (`indentless`: the value of a
    /// mapping key at the same column); `self.pos` is at its first `-`.
    fn block_seq(&mut self, indent: usize, indentless: bool) -> R<()> {
        self.open(false)?;
        loop {
            self.pos += 1;
            self.skip_spaces();
            // After `-` and a blank: a `#` here follows a space.
            if matches!(self.at(self.pos), b'#' | b'\n' | 0) {
                self.value_below(indent, false)?;
            } else {
                let col = self.pos - self.line_start(self.pos);
                self.node(indent, Some(col))?;
            }
            match self.next_line()? {
                Some(m) if m == indent => {
                    self.pos += m;
                    if !self.at_entry() {
                        if indentless {
                            // The mapping around goes on.
                            self.pos -= m;
                            break;
                        }
                        return unsupported();
                    }
                }
                Some(m) if m > indent => return unsupported(),
                _ => break,
            }
        }
        self.close()
    }

    /// The value of an entry of a collection at column `indent` whose line ends after its
    /// `:` or `-` (and maybe a comment): a node on the lines below indented more, for a
    /// mapping entry (`map_entry`) also a sequence of `-` at the mapping's own column,
    /// else an empty scalar.
    fn value_below(&mut self, indent: usize, map_entry: bool) -> R<()> {
        self.skip_line();
        match self.next_line()? {
            Some(m) if m > indent => {
                self.pos += m;
                self.node(indent, Some(m))
            }
            Some(m) if map_entry && m == indent && self.entry_at(self.pos + m) => {
                self.pos += m;
                self.block_seq(indent, true)
            }
            _ => self.scalar(Cow::Borrowed(""), true),
        }
    }

    fn line_start(&self, at: usize) -> usize {
        memchr::memrchr(b'\n', &self.b[..at]).map_or(0, |i| i + 1)
    }

    /// A node inside a collection whose indentation is `parent`: one that starts a line
    /// of its own or follows a sequence entry's `- ` (`own`: its column; it may then be a
    /// block sequence or mapping), or the value after `key: ` on the key's line (`None`).
    fn node(&mut self, parent: usize, own: Option<usize>) -> R<()> {
        if let Some(col) = own.filter(|_| self.at_entry()) {
            return self.block_seq(col, false);
        }
        match self.at(self.pos) {
            b'|' | b'>' => self.block_scalar(parent),
            b'[' | b'{' => {
                self.flow(0)?;
                self.end_line()
            }
            _ => {
                let start = self.pos;
                let (v, plain) = self.key_or_scalar(parent)?;
                if self.key_indicator(start)? {
                    return match own {
                        Some(col) => self.block_map(col, (v, plain)),
                        None => unsupported(),
                    };
                }
                let v = if plain {
                    self.more_lines(v, parent)?
                } else {
                    v
                };
                self.scalar(v, plain)?;
                self.end_line()
            }
        }
    }

    /// A literal (`|`) or folded (`>`) block scalar in a collection at column `parent`,
    /// with an optional chomping indicator; its lines follow.
    fn block_scalar(&mut self, parent: usize) -> R<()> {
        let literal = self.at(self.pos) == b'|';
        self.pos += 1;
        // -1 strip, 0 clip, 1 keep.
        let chomping: i8 = match self.at(self.pos) {
            b'-' => {
                self.pos += 1;
                -1
            }
            b'+' => {
                self.pos += 1;
                1
            }
            _ => 0,
        };
        if !matches!(self.at(self.pos), b' ' | b'\n' | 0) {
            return unsupported();
        }
        self.end_line()?;
        let b = self.b;
        let len = b.len();
        // Leading empty lines, and the indentation of the first line with content.
        let mut p = self.pos;
        let mut breaks = 0usize;
        let mut max_indent = 0usize;
        let first_col = loop {
            let j = self.after_spaces(p);
            max_indent = max_indent.max(j - p);
            if self.at(j) != b'\n' {
                // A line with content, or the end (only empty lines up to it).
                break j - p;
            }
            breaks += 1;
            p = j + 1;
        };
        let indent = max_indent.max(parent + 1);
        let mut out = String::new();
        let mut leading_break = false;
        let mut leading_blank = false;
        let mut at = p + indent;
        // No line with content (only empty lines before the end or a line indented less):
        // an empty scalar, with the line breaks if they are kept.
        while first_col == indent && p + first_col < len {
            // At the start of a line's content (column `indent`).
            let trailing_blank = b[at] == b' ';
            if !literal && leading_break && !leading_blank && !trailing_blank {
                if breaks == 0 {
                    out.push(' ');
                }
            } else if leading_break {
                out.push('\n');
            }
            leading_break = false;
            for _ in 0..breaks {
                out.push('\n');
            }
            breaks = 0;
            leading_blank = trailing_blank;
            let e = self.line_end(at);
            out.push_str(&self.s[at..e]);
            if e >= len {
                p = len;
                break;
            }
            leading_break = true;
            p = e + 1;
            // Indentation and empty lines up to the next line with content.
            let col = loop {
                let mut j = p;
                while j - p < indent && self.at(j) == b' ' {
                    j += 1;
                }
                if self.at(j) == b'\n' {
                    breaks += 1;
                    p = j + 1;
                    continue;
                }
                break j - p;
            };
            if col != indent || p + col >= len {
                break;
            }
            at = p + indent;
        }
        if chomping != -1 && leading_break {
            out.push('\n');
        }
        if chomping == 1 {
            for _ in 0..breaks {
                out.push('\n');
            }
        }
        // Back to the start of the line that ended the scalar.
        self.pos = p;
        self.scalar(Cow::Owned(out), false)
    }

    /// A flow collection on one line, of plain scalars of simple characters, quoted
    /// scalars and flow collections; `self.pos` is at its `[` or `{`.
    fn flow(&mut self, depth: usize) -> R<()> {
        if depth > 50 {
            return unsupported();
        }
        let map = self.at(self.pos) == b'{';
        let close = if map { b'}' } else { b']' };
        self.pos += 1;
        self.open(map)?;
        self.skip_spaces();
        if self.at(self.pos) == close {
            self.pos += 1;
            return self.close();
        }
        loop {
            if map {
                let (k, plain) = self.flow_scalar()?;
                self.scalar(k, plain)?;
                self.skip_spaces();
                if !(self.at(self.pos) == b':' && self.at(self.pos + 1) == b' ') {
                    return unsupported();
                }
                self.pos += 1;
                self.skip_spaces();
            }
            match self.at(self.pos) {
                b'[' | b'{' => self.flow(depth + 1)?,
                _ => {
                    let (v, plain) = self.flow_scalar()?;
                    self.scalar(v, plain)?;
                }
            }
            self.skip_spaces();
            match self.at(self.pos) {
                b',' => {
                    self.pos += 1;
                    self.skip_spaces();
                    // A trailing comma, or an empty entry.
                    if matches!(self.at(self.pos), b',' | b']' | b'}') {
                        return unsupported();
                    }
                }
                c if c == close => {
                    self.pos += 1;
                    return self.close();
                }
                _ => return unsupported(),
            }
        }
    }

    /// A scalar inside a flow collection: quoted, or plain of letters, digits and `-_./`
    /// (with no spaces, and not starting with `-`).
    fn flow_scalar(&mut self) -> R<(Cow<'a, str>, bool)> {
        match self.at(self.pos) {
            b'"' | b'\'' => return Ok((self.quoted(None)?, false)),
            _ => {}
        }
        let start = self.pos;
        let mut i = start;
        while self.at(i).is_ascii_alphanumeric() || matches!(self.at(i), b'-' | b'_' | b'.' | b'/')
        {
            i += 1;
        }
        if i == start || self.at(start) == b'-' {
            return unsupported();
        }
        // What follows must end the scalar in the flow context.
        if !matches!(self.at(i), b' ' | b',' | b']' | b'}' | b':') {
            return unsupported();
        }
        self.pos = i;
        Ok((Cow::Borrowed(&self.s[start..i]), true))
    }
}
