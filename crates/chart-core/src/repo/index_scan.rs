//! A streaming reader of a repository index for big indexes (issue 12 item 8).
//!
//! Helm's `loadIndex` unmarshals the whole `index.yaml` (YAML → JSON → Go structs) before
//! anything is looked up, which costs seconds and a gigabyte on a 50,000-version index. This
//! reader walks the text once and hands each chart's versions to a sink as soon as they are
//! read, validated and sorted, so callers keep only what they need (chart names for
//! `repo add`, a search line per version for `search repo`, one chart for `pull`).
//!
//! Three readers agree on what they accept:
//! * JSON (the file is valid JSON, Helm's rule): serde_json, streamed chart by chart;
//! * YAML in the block style Helm (go-yaml v2) and most tools write: a line scanner that
//!   understands block mappings and sequences, plain, quoted and literal scalars and empty
//!   flow collections, and builds one entry at a time;
//! * anything else (anchors, tags, flow collections, folded scalars, tabs, numbers where
//!   text is expected, syntax errors…): the full YAML reader ([`goyaml::from_yaml`]), which
//!   gives the exact result or error. The scanner gives up on the first thing it does not
//!   reproduce exactly, so both paths give the same index for every text the scanner takes.

use std::borrow::Cow;

use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::{Map as JMap, Value as J};

use super::index::{ChartVersion, IndexError, MAX_INDEX_SIZE};
use super::index_decode::{self, Errs, Mode};
use crate::chart::yamlnode::Node;

/// The top-level fields of an index (everything but `entries`).
#[derive(Clone, Debug, Default)]
pub struct IndexHead {
    /// `apiVersion`.
    pub api_version: String,
    /// `generated` (text as read; Go's zero time when absent).
    pub generated: String,
    /// `publicKeys`.
    pub public_keys: Vec<String>,
    /// `annotations`.
    pub annotations: std::collections::BTreeMap<String, String>,
}

/// Receives each chart's valid versions, newest first. A name may come again (a JSON index
/// naming a chart twice, or a second reading after the scanner gave up): the later call
/// replaces the earlier one.
pub type Sink<'s> = dyn FnMut(String, Vec<ChartVersion>) + 's;

/// Reads index text as Helm's `loadIndex` does, chart by chart: entries failing
/// validation are dropped with Helm's log line in `warnings`; each chart's versions go to
/// `sink` sorted newest first. Errors are Helm's (`empty index.yaml file`, `no API version
/// specified`, YAML/JSON errors); after an error the sink's content must be discarded.
pub fn scan(
    data: &[u8],
    source: &str,
    warnings: &mut Vec<String>,
    sink: &mut Sink<'_>,
) -> Result<IndexHead, IndexError> {
    if data.is_empty() {
        return Err(IndexError::Empty);
    }
    if data.len() as u64 > MAX_INDEX_SIZE {
        return Err(IndexError::TooLarge);
    }
    let first = data
        .iter()
        .copied()
        .find(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r'));
    let json = serde_json::from_slice::<IgnoredAny>(data).is_ok();
    if json && first == Some(b'{') {
        let mut local = Vec::new();
        if let Some(top) = scan_json(data, source, &mut local, sink)? {
            if let Some(head) = head_from(top, Mode { json: true })? {
                warnings.extend(local);
                return Ok(head);
            }
        }
        return index_decode::read_exact(data, true, source, warnings, sink);
    }
    if !json {
        if let Some(top) = fast_yaml(data, source, warnings, sink)? {
            if let Some(head) = head_from(top, Mode { json: false })? {
                return Ok(head);
            }
            // The warnings of the fast reading are taken back.
            warnings.clear();
        }
    }
    index_decode::read_exact(data, json, source, warnings, sink)
}

/// The head from the top-level fields; `no API version specified` when it has none,
/// `None` when a field does not decode cleanly (the exact reading then gives Helm's error).
fn head_from(top: JMap<String, J>, mode: Mode) -> Result<Option<IndexHead>, IndexError> {
    let mut head = IndexHead {
        generated: index_decode::ZERO_TIME.into(),
        ..IndexHead::default()
    };
    let mut errs = Errs::default();
    for (k, v) in top {
        if k.eq_ignore_ascii_case("entries") {
            // `Entries` (Go's case-insensitive match) or a second `entries`.
            return Ok(None);
        }
        let n = index_decode::node_from_json(v);
        if index_decode::decode_head_field(mode, &k, n, &mut head, &mut errs).is_err() {
            return Ok(None);
        }
    }
    if errs.saved.is_some() {
        return Ok(None);
    }
    if head.api_version.is_empty() {
        return Err(IndexError::NoApiVersion);
    }
    Ok(Some(head))
}

/// An entry the fast readers cannot take as it is: the exact reading decides.
#[derive(Debug)]
struct NeedExact;

/// One chart's list from its JSON value: valid entries sorted newest first; Helm's log
/// lines for the others (Helm walks each list from its end).
fn chart_versions(
    name: &str,
    list: Node,
    source: &str,
    warnings: &mut Vec<String>,
    mode: Mode,
) -> Result<Vec<ChartVersion>, NeedExact> {
    let items = match list {
        Node::Seq(items) => items,
        Node::Null => return Ok(Vec::new()),
        _ => return Err(NeedExact),
    };
    let mut out: Vec<Option<ChartVersion>> = Vec::with_capacity(items.len());
    let mut msgs = Vec::new();
    for item in items {
        let fields = match item {
            Node::Null => {
                msgs.push(index_decode::empty_entry(name, source));
                out.push(None);
                continue;
            }
            Node::Map(m) => m,
            _ => return Err(NeedExact),
        };
        let mut errs = Errs::default();
        let cv =
            index_decode::decode_entry(mode, fields, &mut errs, false).map_err(|_| NeedExact)?;
        if errs.saved.is_some() {
            return Err(NeedExact);
        }
        match index_decode::finish_entry(name, cv, source) {
            Ok(cv) => out.push(Some(cv)),
            Err(msg) => {
                msgs.push(msg);
                out.push(None);
            }
        }
    }
    warnings.extend(msgs.into_iter().rev());
    let mut out: Vec<ChartVersion> = out.into_iter().flatten().collect();
    super::index::sort_versions(&mut out);
    Ok(out)
}

// ---------------------------------------------------------------------------------------
// JSON

/// The JSON reading, chart by chart; `None` when an entry needs the exact reading.
fn scan_json(
    data: &[u8],
    source: &str,
    warnings: &mut Vec<String>,
    sink: &mut Sink<'_>,
) -> Result<Option<JMap<String, J>>, IndexError> {
    let mut de = serde_json::Deserializer::from_slice(data);
    let mut exact = false;
    let top = TopSeed {
        source,
        warnings,
        sink,
        exact: &mut exact,
    }
    .deserialize(&mut de);
    match top {
        Ok(top) => Ok(Some(top)),
        Err(_) if exact => Ok(None),
        Err(e) => Err(IndexError::Parse(e.to_string())),
    }
}

struct TopSeed<'x, 's> {
    source: &'x str,
    warnings: &'x mut Vec<String>,
    sink: &'x mut Sink<'s>,
    exact: &'x mut bool,
}

impl<'de> DeserializeSeed<'de> for TopSeed<'_, '_> {
    type Value = JMap<String, J>;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for TopSeed<'_, '_> {
    type Value = JMap<String, J>;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("an index object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Self::Value, A::Error> {
        let mut top = JMap::new();
        while let Some(k) = m.next_key::<String>()? {
            if k.eq_ignore_ascii_case("entries") {
                if k != "entries" {
                    // Go's case-insensitive match: left to the exact reading.
                    *self.exact = true;
                    return Err(serde::de::Error::custom("exact"));
                }
                m.next_value_seed(EntriesSeed {
                    source: self.source,
                    warnings: &mut *self.warnings,
                    sink: &mut *self.sink,
                    exact: &mut *self.exact,
                })?;
            } else {
                let v: J = m.next_value()?;
                top.insert(k, v);
            }
        }
        Ok(top)
    }
}

struct EntriesSeed<'x, 's> {
    source: &'x str,
    warnings: &'x mut Vec<String>,
    sink: &'x mut Sink<'s>,
    exact: &'x mut bool,
}

impl<'de> DeserializeSeed<'de> for EntriesSeed<'_, '_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for EntriesSeed<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("entries")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<(), A::Error> {
        while let Some(name) = m.next_key::<String>()? {
            let index_decode::Ordered(list) = m.next_value()?;
            match chart_versions(&name, list, self.source, self.warnings, Mode { json: true }) {
                Ok(vs) => (self.sink)(name, vs),
                Err(NeedExact) => {
                    *self.exact = true;
                    return Err(serde::de::Error::custom("exact"));
                }
            }
        }
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
    // Anything but an object or null is Go's type error: the exact reading words it.
    fn visit_seq<A: SeqAccess<'de>>(self, _: A) -> Result<(), A::Error> {
        *self.exact = true;
        Err(serde::de::Error::custom("exact"))
    }
    fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<(), E> {
        *self.exact = true;
        Err(E::custom("exact"))
    }
    fn visit_i64<E: serde::de::Error>(self, _: i64) -> Result<(), E> {
        *self.exact = true;
        Err(E::custom("exact"))
    }
    fn visit_u64<E: serde::de::Error>(self, _: u64) -> Result<(), E> {
        *self.exact = true;
        Err(E::custom("exact"))
    }
    fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<(), E> {
        *self.exact = true;
        Err(E::custom("exact"))
    }
    fn visit_str<E: serde::de::Error>(self, _: &str) -> Result<(), E> {
        *self.exact = true;
        Err(E::custom("exact"))
    }
}

// ---------------------------------------------------------------------------------------
// Block-style YAML

/// The scanner met something it does not reproduce exactly; the generic reading decides.
#[derive(Debug)]
struct GiveUp;

type R<T> = Result<T, GiveUp>;

/// Whether the text has anything the scanner leaves to the full reader: tabs, carriage
/// returns, control characters, a byte-order mark, YAML 1.1's extra line breaks (NEL,
/// LS, PS) and non-characters.
fn has_awkward_bytes(b: &[u8]) -> bool {
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c < 0x20 && c != b'\n' || c == 0x7f {
            return true;
        }
        if c >= 0xc2 {
            let n1 = b.get(i + 1).copied().unwrap_or(0);
            let n2 = b.get(i + 2).copied().unwrap_or(0);
            if c == 0xc2 && (0x80..=0x9f).contains(&n1)
                || c == 0xe2 && n1 == 0x80 && (n2 == 0xa8 || n2 == 0xa9)
                || c == 0xef && n1 == 0xbb && n2 == 0xbf
                || c == 0xef && n1 == 0xbf && (n2 == 0xbe || n2 == 0xbf)
            {
                return true;
            }
        }
        i += 1;
    }
    false
}

/// One physical line: its indentation and the text after it (no line break).
#[derive(Clone, Copy, Debug)]
struct Line<'a> {
    indent: usize,
    text: &'a str,
    /// 1-based line number.
    no: usize,
    /// Trailing spaces were cut from `text`.
    trimmed: bool,
}

impl Line<'_> {
    fn blank(&self) -> bool {
        self.text.is_empty()
    }
    fn comment(&self) -> bool {
        self.text.starts_with('#')
    }
}

struct Scanner<'a> {
    s: &'a str,
    /// Start of the next unread line.
    pos: usize,
    /// Number of the next unread line (1-based).
    no: usize,
    /// The current line, possibly re-based (a compact mapping after `- `).
    cur: Option<Line<'a>>,
    /// go-yaml's strict-mode complaints (`line 6: key "name" already set in map`).
    dups: Vec<String>,
    /// An entry needs the exact reading (wrong types, unknown fields).
    need_exact: bool,
}

impl<'a> Scanner<'a> {
    fn new(s: &'a str) -> Scanner<'a> {
        let mut sc = Scanner {
            s,
            pos: 0,
            no: 1,
            cur: None,
            dups: Vec::new(),
            need_exact: false,
        };
        sc.load();
        sc
    }

    fn load(&mut self) {
        if self.pos >= self.s.len() {
            self.cur = None;
            return;
        }
        let rest = &self.s[self.pos..];
        let (raw, next) = match memchr::memchr(b'\n', rest.as_bytes()) {
            Some(i) => (&rest[..i], self.pos + i + 1),
            None => (rest, self.s.len()),
        };
        let indent = raw.len() - raw.trim_start_matches(' ').len();
        let full = &raw[indent..];
        let text = full.trim_end_matches(' ');
        self.cur = Some(Line {
            indent,
            text,
            no: self.no,
            trimmed: text.len() != full.len() && !text.is_empty(),
        });
        self.pos = next;
        self.no += 1;
    }

    fn advance(&mut self) {
        self.load();
    }

    /// The current raw line (blank and comment lines included).
    fn raw(&self) -> Option<Line<'a>> {
        self.cur
    }

    /// The next line with content, skipping blank and comment lines.
    fn peek(&mut self) -> Option<Line<'a>> {
        while let Some(l) = self.cur {
            if l.blank() || l.comment() {
                self.advance();
            } else {
                return Some(l);
            }
        }
        None
    }
}

/// Whether a scalar starting with `c` is something the scanner leaves alone (indicators).
fn awkward_start(c: u8) -> bool {
    matches!(
        c,
        b'&' | b'*'
            | b'!'
            | b'%'
            | b'@'
            | b'`'
            | b','
            | b'?'
            | b':'
            | b'>'
            | b'#'
            | b'{'
            | b'['
            | b']'
            | b'}'
    )
}

/// Whether a plain scalar is text for certain without resolving it: only texts starting
/// with these can be YAML 1.1 nulls, bools, numbers or timestamps.
fn plain_is_text(s: &str) -> bool {
    match s.as_bytes().first() {
        None => false,
        Some(b'0'..=b'9' | b'+' | b'-' | b'.' | b'<') => {
            // Two dots make neither a number nor a sexagesimal (versions, addresses).
            memchr::memchr_iter(b'.', s.as_bytes()).count() >= 2
                && memchr::memchr(b':', s.as_bytes()).is_none()
        }
        Some(b'~' | b'y' | b'Y' | b'n' | b'N' | b't' | b'T' | b'f' | b'F' | b'o' | b'O') => {
            !matches!(
                s,
                "~" | "y"
                    | "Y"
                    | "yes"
                    | "Yes"
                    | "YES"
                    | "n"
                    | "N"
                    | "no"
                    | "No"
                    | "NO"
                    | "true"
                    | "True"
                    | "TRUE"
                    | "false"
                    | "False"
                    | "FALSE"
                    | "on"
                    | "On"
                    | "ON"
                    | "off"
                    | "Off"
                    | "OFF"
                    | "null"
                    | "Null"
                    | "NULL"
            )
        }
        Some(_) => true,
    }
}

/// A sequence entry line (`-` alone or `- …`).
fn is_seq_item(t: &str) -> bool {
    t == "-" || t.starts_with("- ")
}

/// The end of a plain scalar's text on a line: before ` #`, trailing spaces removed. Gives
/// up on `: ` and a final `:` (a mapping where a scalar is expected).
fn plain_part(t: &str) -> R<&str> {
    let b = t.as_bytes();
    let mut end = b.len();
    for i in memchr::memchr2_iter(b':', b'#', b) {
        if b[i] == b'#' {
            if i > 0 && b[i - 1] == b' ' {
                end = i - 1;
                break;
            }
        } else if i + 1 == b.len() || b[i + 1] == b' ' {
            return Err(GiveUp);
        }
    }
    Ok(t[..end].trim_end_matches(' '))
}

/// The first `: ` (or a final `:`) of `t`.
fn key_colon(t: &str) -> Option<usize> {
    let b = t.as_bytes();
    memchr::memchr_iter(b':', b).find(|&i| i + 1 == b.len() || b[i + 1] == b' ')
}

/// A mapping key at the start of `t`: the key and the text after its `:` (spaces
/// skipped), or `None` when `t` is not `key:`/`key: …`.
fn split_key(t: &str) -> R<Option<(Cow<'_, str>, &str)>> {
    let b = t.as_bytes();
    match b.first() {
        Some(b'"') | Some(b'\'') => {
            let Some((key, used)) = quoted_one_line(t)? else {
                return Ok(None);
            };
            let rest = &t[used..];
            let rest = rest.trim_start_matches(' ');
            if let Some(r) = rest.strip_prefix(':') {
                if r.is_empty() || r.starts_with(' ') {
                    return Ok(Some((key, r.trim_start_matches(' '))));
                }
            }
            Ok(None)
        }
        Some(b'|') => Ok(None),
        Some(&c) if awkward_start(c) || c == b'-' && (b.len() == 1 || b[1] == b' ') => {
            if c == b'-' {
                return Ok(None);
            }
            Err(GiveUp)
        }
        Some(_) => {
            let Some(end) = key_colon(t) else {
                return Ok(None);
            };
            let key = &t[..end];
            if key.ends_with(' ') || key == "<<" || memchr::memchr(b'#', key.as_bytes()).is_some() {
                return Err(GiveUp);
            }
            if !plain_is_text(key) && !matches!(goyaml::plain_scalar(key), goyaml::GoVal::Str(_)) {
                return Err(GiveUp);
            }
            let rest = t[end + 1..].trim_start_matches(' ');
            Ok(Some((Cow::Borrowed(key), rest)))
        }
        None => Ok(None),
    }
}

/// A quoted scalar that ends on this line: its value and the bytes it used; `None` when
/// it does not close here.
fn quoted_one_line(t: &str) -> R<Option<(Cow<'_, str>, usize)>> {
    let b = t.as_bytes();
    if b[0] == b'\'' {
        let mut out: Option<String> = None;
        let mut i = 1;
        let mut start = 1;
        while i < b.len() {
            if b[i] == b'\'' {
                if b.get(i + 1) == Some(&b'\'') {
                    let o = out.get_or_insert_with(String::new);
                    o.push_str(&t[start..=i]);
                    i += 2;
                    start = i;
                    continue;
                }
                let v = match out {
                    Some(mut o) => {
                        o.push_str(&t[start..i]);
                        Cow::Owned(o)
                    }
                    None => Cow::Borrowed(&t[1..i]),
                };
                return Ok(Some((v, i + 1)));
            }
            i += 1;
        }
        return Ok(None);
    }
    // Double-quoted.
    let mut out: Option<String> = None;
    let mut i = 1;
    let mut start = 1;
    while i < b.len() {
        match b[i] {
            b'"' => {
                let v = match out {
                    Some(mut o) => {
                        o.push_str(&t[start..i]);
                        Cow::Owned(o)
                    }
                    None => Cow::Borrowed(&t[1..i]),
                };
                return Ok(Some((v, i + 1)));
            }
            b'\\' => {
                let o = out.get_or_insert_with(String::new);
                o.push_str(&t[start..i]);
                if i + 1 >= b.len() {
                    // An escaped line break: the scalar goes on.
                    return Ok(None);
                }
                i = escape(t, i + 1, o)?;
                start = i;
            }
            _ => i += 1,
        }
    }
    Ok(None)
}

/// Appends the escape at `t[i..]` (after the backslash) and returns the index after it.
fn escape(t: &str, i: usize, o: &mut String) -> R<usize> {
    let b = t.as_bytes();
    let c = b[i];
    let simple = match c {
        b'0' => Some('\0'),
        b'a' => Some('\x07'),
        b'b' => Some('\x08'),
        b't' => Some('\t'),
        b'n' => Some('\n'),
        b'v' => Some('\x0b'),
        b'f' => Some('\x0c'),
        b'r' => Some('\r'),
        b'e' => Some('\x1b'),
        b' ' => Some(' '),
        b'"' => Some('"'),
        b'/' => Some('/'),
        b'\\' => Some('\\'),
        b'N' => Some('\u{85}'),
        b'_' => Some('\u{a0}'),
        b'L' => Some('\u{2028}'),
        b'P' => Some('\u{2029}'),
        _ => None,
    };
    if let Some(ch) = simple {
        o.push(ch);
        return Ok(i + 1);
    }
    let n = match c {
        b'x' => 2,
        b'u' => 4,
        b'U' => 8,
        _ => return Err(GiveUp),
    };
    let hex = t.get(i + 1..i + 1 + n).ok_or(GiveUp)?;
    let v = u32::from_str_radix(hex, 16).map_err(|_| GiveUp)?;
    if !hex.bytes().all(|h| h.is_ascii_hexdigit()) {
        return Err(GiveUp);
    }
    o.push(char::from_u32(v).ok_or(GiveUp)?);
    Ok(i + 1 + n)
}

impl<'a> Scanner<'a> {
    /// The value of a mapping entry whose key is at indentation `n`, with `rest` the text
    /// after the `:` on the key's line (the line not yet consumed).
    fn value_after_key(&mut self, rest: &'a str, n: usize) -> R<J> {
        if rest.is_empty() || rest.starts_with('#') {
            self.advance();
            return self.block_child(n, true);
        }
        self.inline_value(rest, n)
    }

    /// The node on the lines after a key or `-` at indentation `n` (null when none).
    fn block_child(&mut self, n: usize, seq_same: bool) -> R<J> {
        let Some(l) = self.peek() else {
            return Ok(J::Null);
        };
        if is_seq_item(l.text) {
            if l.indent > n || l.indent == n && seq_same {
                return self.seq(l.indent);
            }
            return Ok(J::Null);
        }
        if l.indent > n {
            return Ok(J::Object(self.map(l.indent)?));
        }
        Ok(J::Null)
    }

    /// A block mapping at indentation `m` (the current line is its first key).
    fn map(&mut self, m: usize) -> R<JMap<String, J>> {
        let mut out = JMap::new();
        while let Some(l) = self.peek() {
            if l.indent < m {
                break;
            }
            if l.indent > m || is_seq_item(l.text) {
                return Err(GiveUp);
            }
            let Some((key, rest)) = split_key(l.text)? else {
                return Err(GiveUp);
            };
            let key = key.into_owned();
            let v = self.value_after_key(rest, m)?;
            if out.contains_key(&key) {
                self.dups.push(format!(
                    "line {}: key {} already set in map",
                    l.no,
                    gotmpl::fmt::go_quote(&key)
                ));
            }
            out.insert(key, v);
        }
        Ok(out)
    }

    /// A block sequence whose `-` are at indentation `m`.
    fn seq(&mut self, m: usize) -> R<J> {
        let mut out = Vec::new();
        while let Some(l) = self.peek() {
            if l.indent < m || !is_seq_item(l.text) {
                if l.indent > m {
                    return Err(GiveUp);
                }
                break;
            }
            if l.indent > m {
                return Err(GiveUp);
            }
            out.push(self.seq_item(l)?);
        }
        Ok(J::Array(out))
    }

    /// One `- …` item at line `l`.
    fn seq_item(&mut self, l: Line<'a>) -> R<J> {
        let m = l.indent;
        let after = &l.text[1..];
        let r = after.trim_start_matches(' ');
        if r.is_empty() || r.starts_with('#') {
            self.advance();
            return self.block_child(m, false);
        }
        if is_seq_item(r) {
            return Err(GiveUp);
        }
        let col = m + 1 + (after.len() - r.len());
        if split_key(r)?.is_some() {
            // A compact mapping: its keys are at the column of the first one.
            self.cur = Some(Line {
                indent: col,
                text: r,
                ..l
            });
            return Ok(J::Object(self.map(col)?));
        }
        self.inline_value(r, m)
    }

    /// A scalar (or `{}`/`[]`) starting at `r` on the current line, inside a node at
    /// indentation `n` (continuation lines must be indented more).
    fn inline_value(&mut self, r: &'a str, n: usize) -> R<J> {
        let c = r.as_bytes()[0];
        match c {
            b'"' | b'\'' => self.quoted(r, n),
            b'|' => self.literal(&r[1..], n),
            b'{' | b'[' => {
                let close = if c == b'{' { '}' } else { ']' };
                let inner = r[1..].trim_start_matches(' ');
                let tail = inner.strip_prefix(close).ok_or(GiveUp)?;
                if !(tail.is_empty() || tail.starts_with(" #")) {
                    return Err(GiveUp);
                }
                self.advance();
                Ok(if c == b'{' {
                    J::Object(JMap::new())
                } else {
                    J::Array(Vec::new())
                })
            }
            _ if awkward_start(c) || is_seq_item(r) => Err(GiveUp),
            _ => self.plain(r, n),
        }
    }

    /// A plain scalar, possibly continued on more indented lines.
    fn plain(&mut self, r: &'a str, n: usize) -> R<J> {
        let first = plain_part(r)?;
        let had_comment = first.len() != r.len();
        self.advance();
        let mut text: Cow<'a, str> = Cow::Borrowed(first);
        let mut blanks = 0usize;
        let save = (self.pos, self.no, self.cur);
        let mut last_good = save;
        while let Some(l) = self.raw() {
            if l.blank() {
                blanks += 1;
                self.advance();
                continue;
            }
            if l.indent <= n {
                break;
            }
            // A continuation line.
            if had_comment || l.comment() {
                return Err(GiveUp);
            }
            let c = l.text.as_bytes()[0];
            if awkward_start(c) || c == b'-' || c == b'"' || c == b'\'' || c == b'|' {
                return Err(GiveUp);
            }
            let part = plain_part(l.text)?;
            if part.len() != l.text.len() {
                return Err(GiveUp);
            }
            let o = text.to_mut();
            if blanks == 0 {
                o.push(' ');
            }
            for _ in 0..blanks {
                o.push('\n');
            }
            o.push_str(part);
            blanks = 0;
            self.advance();
            last_good = (self.pos, self.no, self.cur);
        }
        // Trailing blank lines are not part of the scalar.
        if blanks > 0 {
            (self.pos, self.no, self.cur) = last_good;
        }
        if plain_is_text(&text) {
            return Ok(J::String(text.into_owned()));
        }
        match goyaml::plain_scalar(&text) {
            goyaml::GoVal::Str(_) => Ok(J::String(text.into_owned())),
            goyaml::GoVal::Bool(b) => Ok(J::Bool(b)),
            goyaml::GoVal::Nil => Ok(J::Null),
            _ => Err(GiveUp),
        }
    }

    /// A quoted scalar starting at `r`, possibly over several lines.
    fn quoted(&mut self, r: &'a str, n: usize) -> R<J> {
        if let Some((v, used)) = quoted_one_line(r)? {
            let tail = r[used..].trim_start_matches(' ');
            if !(tail.is_empty() || tail.starts_with('#') && r[..used].len() < r.len()) {
                return Err(GiveUp);
            }
            if tail.starts_with('#') && !r[used..].starts_with(' ') {
                return Err(GiveUp);
            }
            self.advance();
            return Ok(J::String(v.into_owned()));
        }
        // Multi-line: fold line breaks as YAML does.
        let single = r.starts_with('\'');
        let mut out = String::new();
        let mut seg: &'a str = &r[1..];
        loop {
            let (closed, escaped_break) = quoted_segment(seg, single, &mut out)?;
            if let Some(end) = closed {
                let tail = &seg[end + 1..];
                let t = tail.trim_start_matches(' ');
                if !(t.is_empty() || t.starts_with('#') && tail.starts_with(' ')) {
                    return Err(GiveUp);
                }
                self.advance();
                return Ok(J::String(out));
            }
            if escaped_break && self.cur.is_some_and(|l| l.trimmed) {
                // `\ ` at the end of a line: an escaped space, not a line break.
                return Err(GiveUp);
            }
            // Next lines: blank ones become line feeds.
            self.advance();
            let mut blanks = 0;
            loop {
                let Some(l) = self.raw() else {
                    return Err(GiveUp);
                };
                if l.blank() {
                    blanks += 1;
                    self.advance();
                    continue;
                }
                if l.indent <= n || l.text.starts_with("---") || l.text.starts_with("...") {
                    return Err(GiveUp);
                }
                if escaped_break {
                    if blanks > 0 {
                        return Err(GiveUp);
                    }
                } else if blanks == 0 {
                    out.push(' ');
                }
                for _ in 0..blanks {
                    out.push('\n');
                }
                seg = l.text;
                break;
            }
        }
    }

    /// A literal block scalar (`|`, `|-`, `|+`); `header` is the text after `|`.
    fn literal(&mut self, header: &'a str, n: usize) -> R<J> {
        let (chomp, rest) = match header.as_bytes().first() {
            Some(b'-') => (b'-', &header[1..]),
            Some(b'+') => (b'+', &header[1..]),
            _ => (b' ', header),
        };
        if !(rest.is_empty() || rest.starts_with(" #")) {
            return Err(GiveUp);
        }
        self.advance();
        let mut lines: Vec<&'a str> = Vec::new();
        let mut k: Option<usize> = None;
        let mut lead_blank_max = 0usize;
        let mut trailing = 0usize;
        while let Some(l) = self.raw() {
            if l.blank() {
                // A line of spaces only: its length is its indentation.
                match k {
                    None => lead_blank_max = lead_blank_max.max(l.indent),
                    Some(k) if l.indent > k => return Err(GiveUp),
                    Some(_) => {}
                }
                trailing += 1;
                lines.push("");
                self.advance();
                continue;
            }
            let kk = match k {
                Some(kk) => kk,
                None => {
                    if l.indent <= n {
                        break;
                    }
                    if lead_blank_max > l.indent {
                        return Err(GiveUp);
                    }
                    k = Some(l.indent);
                    l.indent
                }
            };
            if l.indent < kk {
                break;
            }
            if l.trimmed {
                // Trailing spaces are content in a literal block.
                return Err(GiveUp);
            }
            trailing = 0;
            // The text keeps indentation beyond the block's.
            let full_start = l.indent - kk;
            lines.push(if full_start == 0 {
                l.text
            } else {
                // Re-slice from the raw line: spaces beyond the indentation are content.
                let t = l.text;
                let base = t.as_ptr() as usize - self.s.as_ptr() as usize;
                &self.s[base - full_start..base + t.len()]
            });
            self.advance();
        }
        if k.is_none() {
            // Only blank lines (or none): an empty scalar.
            if chomp == b'+' && !lines.is_empty() {
                return Err(GiveUp);
            }
            return Ok(J::String(String::new()));
        }
        // Trailing blank lines are not content (kept only with `+`).
        let content = lines.len() - trailing;
        let mut out = lines[..content].join("\n");
        match chomp {
            b'-' => {}
            b'+' => {
                out.push('\n');
                for _ in 0..trailing {
                    out.push('\n');
                }
            }
            _ => out.push('\n'),
        }
        // Give back the trailing blank lines' position: nothing else reads them.
        Ok(J::String(out))
    }
}

/// Appends one line of a quoted scalar (`seg` starts after the opening quote or after the
/// line's indentation) to `out`: the index of the closing quote if it is on this line, and
/// whether the line ends with an escaped line break.
fn quoted_segment(seg: &str, single: bool, out: &mut String) -> R<(Option<usize>, bool)> {
    let b = seg.as_bytes();
    let mut i = 0;
    let mut start = 0;
    while i < b.len() {
        match b[i] {
            b'\'' if single => {
                if b.get(i + 1) == Some(&b'\'') {
                    out.push_str(&seg[start..=i]);
                    i += 2;
                    start = i;
                    continue;
                }
                out.push_str(&seg[start..i]);
                return Ok((Some(i), false));
            }
            b'"' if !single => {
                out.push_str(&seg[start..i]);
                return Ok((Some(i), false));
            }
            b'\\' if !single => {
                out.push_str(&seg[start..i]);
                if i + 1 >= b.len() {
                    return Ok((None, true));
                }
                i = escape(seg, i + 1, out)?;
                start = i;
            }
            _ => i += 1,
        }
    }
    out.push_str(&seg[start..]);
    Ok((None, false))
}

/// The block-style reading; `Ok(None)` when the text needs the generic reader.
fn fast_yaml(
    data: &[u8],
    source: &str,
    warnings: &mut Vec<String>,
    sink: &mut Sink<'_>,
) -> Result<Option<JMap<String, J>>, IndexError> {
    let Ok(text) = std::str::from_utf8(data) else {
        return Ok(None);
    };
    if has_awkward_bytes(data) {
        return Ok(None);
    }
    // Entries read so far go out only when the whole text has been read, as a failed
    // scan hands the text to the generic reader; to keep memory low the chart lists are
    // sent on as they come and resent by the generic reading if needed (the sink
    // replaces by name).
    let mut local_warnings = Vec::new();
    let res = fast_top(text, source, &mut local_warnings, sink);
    match res {
        Ok(Ok(top)) => {
            warnings.extend(local_warnings);
            Ok(Some(top))
        }
        Ok(Err(dups)) => Err(IndexError::Yaml(format!(
            "error converting YAML to JSON: yaml: unmarshal errors:\n  {}",
            dups.join("\n  ")
        ))),
        Err(GiveUp) => Ok(None),
    }
}

/// The root mapping, streaming `entries`. `Ok(Err(dups))` for duplicate keys.
fn fast_top(
    text: &str,
    source: &str,
    warnings: &mut Vec<String>,
    sink: &mut Sink<'_>,
) -> R<Result<JMap<String, J>, Vec<String>>> {
    let mut sc = Scanner::new(text);
    // An optional `---` first.
    if let Some(l) = sc.peek() {
        if l.indent == 0 && l.text.starts_with("---") {
            if l.text != "---" {
                return Err(GiveUp);
            }
            sc.advance();
        }
    }
    let Some(l) = sc.peek() else {
        return Err(GiveUp);
    };
    if l.indent != 0 {
        return Err(GiveUp);
    }
    let mut top = JMap::new();
    let mut seen_entries = false;
    while let Some(l) = sc.peek() {
        if l.indent != 0 || is_seq_item(l.text) {
            return Err(GiveUp);
        }
        let Some((key, rest)) = split_key(l.text)? else {
            return Err(GiveUp);
        };
        let dup = top.contains_key(key.as_ref()) || key == "entries" && seen_entries;
        if dup {
            sc.dups.push(format!(
                "line {}: key {} already set in map",
                l.no,
                gotmpl::fmt::go_quote(&key)
            ));
        }
        if key == "entries" {
            seen_entries = true;
            top.remove("entries");
            if !(rest.is_empty() || rest.starts_with('#')) {
                // `entries: {}` or a scalar: no charts.
                let v = sc.inline_value(rest, 0)?;
                match v {
                    J::Object(m) if m.is_empty() => {}
                    J::Null => {}
                    _ => return Err(GiveUp),
                }
                continue;
            }
            sc.advance();
            let Some(first) = sc.peek() else { continue };
            if first.indent == 0 {
                if is_seq_item(first.text) {
                    return Err(GiveUp);
                }
                continue;
            }
            fast_entries(&mut sc, first.indent, source, warnings, sink)?;
            continue;
        }
        let v = sc.value_after_key(rest, 0)?;
        top.insert(key.into_owned(), v);
    }
    if !sc.dups.is_empty() {
        return Ok(Err(sc.dups));
    }
    if sc.need_exact {
        return Err(GiveUp);
    }
    Ok(Ok(top))
}

/// `entries`: chart names at indentation `m`, each with its list of versions.
fn fast_entries(
    sc: &mut Scanner<'_>,
    m: usize,
    source: &str,
    warnings: &mut Vec<String>,
    sink: &mut Sink<'_>,
) -> R<()> {
    let mut names: std::collections::HashSet<String> = std::collections::HashSet::new();
    while let Some(l) = sc.peek() {
        if l.indent < m {
            break;
        }
        if l.indent > m || is_seq_item(l.text) {
            return Err(GiveUp);
        }
        let Some((key, rest)) = split_key(l.text)? else {
            return Err(GiveUp);
        };
        let name = key.into_owned();
        let list = sc.value_after_key(rest, m)?;
        if !names.insert(name.clone()) {
            sc.dups.push(format!(
                "line {}: key {} already set in map",
                l.no,
                gotmpl::fmt::go_quote(&name)
            ));
        }
        let list = index_decode::node_from_json(list);
        match chart_versions(&name, list, source, warnings, Mode { json: false }) {
            Ok(vs) => sink(name, vs),
            // Read on for duplicate keys (go-yaml's strict errors come first).
            Err(NeedExact) => sc.need_exact = true,
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    /// What the scan gives: the head's fields and every chart with its versions' JSON.
    fn read(text: &str, fast: bool) -> Result<(Vec<String>, String), String> {
        let mut charts = std::collections::BTreeMap::new();
        let mut w = Vec::new();
        let mut sink = |n: String, vs: Vec<ChartVersion>| {
            charts.insert(n, vs);
        };
        let head = if fast {
            match fast_yaml(text.as_bytes(), "src", &mut w, &mut sink) {
                Ok(Some(top)) => match head_from(top, Mode { json: false }) {
                    Ok(Some(h)) => Ok(h),
                    Ok(None) => return Err("gave up".into()),
                    Err(e) => Err(e),
                },
                Ok(None) => return Err("gave up".into()),
                Err(e) => Err(e),
            }
        } else {
            index_decode::read_exact(text.as_bytes(), false, "src", &mut w, &mut sink)
        };
        let head = head.map_err(|e| e.to_string())?;
        let mut idx = super::super::index::IndexFile {
            api_version: head.api_version,
            generated: head.generated,
            public_keys: head.public_keys,
            annotations: head.annotations,
            entries: charts.into_iter().collect(),
        };
        idx.generated.push('x');
        Ok((w, idx.to_json().map_err(|e| e.to_string())?))
    }

    fn same(text: &str) {
        let fast = read(text, true).unwrap_or_else(|e| panic!("fast: {e}\n{text}"));
        let slow = read(text, false).unwrap_or_else(|e| panic!("slow: {e}\n{text}"));
        assert_eq!(fast, slow, "{text}");
    }

    fn gives_up(text: &str) {
        assert_eq!(read(text, true).unwrap_err(), "gave up", "{text}");
    }

    #[test]
    fn block_style_agrees_with_the_full_reader() {
        same("apiVersion: v1\nentries:\n  a:\n  - name: a\n    version: 1.0.0\n    description: x\n  - name: a\n    version: 2.0.0-rc.1\n    deprecated: yes\ngenerated: \"2024-01-01T00:00:00Z\"\n");
        same("---\n# c\napiVersion: v1 # c\nentries:\n\n  a:\n    - name: a  # x\n      version: 1.0.0\n      keywords: [ ]\n      annotations: {}\n      urls:\n        - a.tgz\n");
        same("apiVersion: v1\nentries:\n  a:\n  - name: a\n    version: 1.0.0\n    description: a long text that\n      goes on\n\n      and on\n    home: 'it''s'\n    icon: \"a\\tb \\u00e9\\\n      c\"\n    appVersion: \"x\n      y\"\n");
        same("apiVersion: v1\nentries:\n  a:\n  - name: a\n    version: 1.0.0\n    annotations:\n      changes: |\n        - kind: added\n          x: y\n\n        end\n      other: |-\n        a\n      keep: |+\n        b\n\n    urls: []\n");
        same("apiVersion: v1\nentries:\n  \"a\":\n  - name: a\n    version: 1.0.0\n    maintainers:\n    - name: m\n      email: e\n    - null\n    dependencies:\n    - name: d\n      version: ~1\n      import-values:\n      - child: a\n        parent: b\n      - c\n  b: []\n  c:\n  - null\n  d:\npublicKeys:\n- k\nannotations:\n  x: z\nserverInfo:\n  contextPath: /x\n");
        same("apiVersion: v1\nentries: {}\n");
        same("apiVersion: v1\nentries:\n");
        same("apiVersion: v1\n");
        same("apiVersion: v1\nentries:\n  a:\n  - name: a\n    version: bad\n  - name: ''\n    version: 1.0.0\n  - version: 1.0.0\n  - name: a\n    version: 1.0.0\n    type: other\n");
    }

    #[test]
    fn unusual_yaml_is_left_to_the_full_reader() {
        gives_up("apiVersion: v1\nentries:\n  a: &x []\n");
        gives_up("apiVersion: v1\nentries:\n  a:\n  - {name: a, version: 1.0.0}\n");
        gives_up("apiVersion: v1\nentries:\n  a:\n  - name: a\n    version: 1.0\n");
        // A bool where text is wanted: converted or refused by the exact reading.
        gives_up("apiVersion: v1\nentries: {}\nannotations:\n  x: y\n");
        gives_up("apiVersion: v1\nentries:\n  a:\n  - name: a\n    version: 1.0.0\n    description: no\n");
        // Wrong kinds and unknown fields.
        gives_up(
            "apiVersion: v1\nentries:\n  a:\n  - name: a\n    version: 1.0.0\n    urls: a.tgz\n",
        );
        gives_up("apiVersion: v1\nentries:\n  a:\n  - name: a\n    version: 1.0.0\n    foo: bar\n");
        gives_up("apiVersion: v1\nentries:\n  a:\n    name: a\n");
        gives_up("apiVersion: v1\nentries: x\n");
        gives_up("apiVersion: v1\nentries:\n  a:\n  - name: a\n    description: >\n      x\n");
        gives_up("apiVersion: v1\nentries:\n\ta: []\n");
        gives_up("apiVersion: v1\r\nentries: {}\r\n");
        gives_up("apiVersion: v1\nentries:\n  a:\n  - name: a\n     version: 1.0.0\n");
        gives_up("apiVersion: v1\nentries:\n  a:\n  - name: a: b\n");
        gives_up("- a\n");
        gives_up("apiVersion: v1\n---\nx: 1\n");
    }

    #[test]
    fn duplicate_keys_are_helms_strict_errors() {
        let e = read(
            "apiVersion: v1\nentries:\n  a:\n  - name: a\n    name: b\n    version: 1.0.0\n",
            true,
        )
        .unwrap_err();
        assert_eq!(
            e,
            "error converting YAML to JSON: yaml: unmarshal errors:\n  line 5: key \"name\" already set in map"
        );
    }

    #[test]
    fn json_streams() {
        let text = r#"{"apiVersion":"v1","entries":{"a":[{"name":"a","version":"1.0.0"},{"name":"a","version":"1.2.0"},null],"b":[]},"generated":"2024-01-01T00:00:00Z"}"#;
        let mut charts = std::collections::BTreeMap::new();
        let mut w = Vec::new();
        let head = scan(text.as_bytes(), "s", &mut w, &mut |n, vs| {
            charts.insert(n, vs);
        })
        .unwrap();
        assert_eq!(head.api_version, "v1");
        assert_eq!(charts["a"][0].metadata.version, "1.2.0");
        assert!(charts["b"].is_empty());
        assert_eq!(w.len(), 1);
    }
}
