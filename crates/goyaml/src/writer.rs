//! Writing YAML as sigs.k8s.io/yaml's `Marshal` does: JSON-encode the value, read that JSON
//! back with go-yaml v2 (integers become ints, other numbers floats), then emit with go-yaml
//! v2's emitter (a libyaml port): block style, indent 2, width 80, natural key order.

use super::numfmt;
use super::resolve::{go_parse_int_base0, is_base60_float, resolve_plain, Resolved};
use super::YamlError;
use gotmpl::value::{IntKind, Value};

/// A value as go-yaml's encoder sees it after the JSON round trip.
enum Node {
    /// A plain scalar written as is (`null`, `true`, numbers).
    Plain(String),
    Str(String),
    /// A string holding bytes that are not UTF-8: go-yaml v3 writes it `!!binary`,
    /// base64 in lines of 70 (each ended by a newline when there are several).
    Binary(String),
    Seq(Vec<Node>),
    Map(Vec<(String, Node)>),
}

/// sigs.k8s.io/yaml `Marshal`: the full document text (with its final newline).
pub(crate) fn marshal(v: &Value) -> Result<String, YamlError> {
    let node = to_node(v)?;
    Ok(emit(&node, false))
}

/// go-yaml v3's encoder with indent 2 (Helm's `toYamlPretty`): no JSON round trip,
/// sequences indented under their key, no folding.
pub(crate) fn marshal_pretty(v: &Value) -> String {
    emit(&to_node_pretty(v), true)
}

fn to_node_pretty(v: &Value) -> Node {
    match v {
        Value::Nil => Node::Plain("null".into()),
        Value::Bool(b) => Node::Plain(b.to_string()),
        Value::Int(i, k) => Node::Plain(if matches!(k, IntKind::Uint64 | IntKind::Uint) {
            (*i as u64).to_string()
        } else {
            i.to_string()
        }),
        Value::Float(f) => Node::Plain(match numfmt::format_g(*f, false).as_str() {
            "+Inf" => ".inf".to_string(),
            "-Inf" => "-.inf".to_string(),
            "NaN" => ".nan".to_string(),
            s => s.to_string(),
        }),
        Value::Str(s) if gotmpl::bytestr::has_escapes(s) => {
            let b64 = super::json::base64_std(&gotmpl::bytestr::to_go_bytes(s));
            const LINE: usize = 70;
            if b64.len() < LINE {
                Node::Binary(b64)
            } else {
                let mut lines = String::with_capacity(b64.len() + b64.len() / LINE + 1);
                for chunk in b64.as_bytes().chunks(LINE) {
                    lines.push_str(std::str::from_utf8(chunk).unwrap_or(""));
                    lines.push('\n');
                }
                Node::Binary(lines)
            }
        }
        Value::Str(s) => Node::Str(s.to_string()),
        Value::Bytes(b) => Node::Str(super::json::base64_std(b)),
        // go-yaml v3 writes a time.Time as a plain RFC 3339 scalar (the text its JSON
        // form quotes).
        Value::Object(o) if o.type_name() == "time.Time" => match o.json_text() {
            Some(Ok(j)) => Node::Plain(j.trim_matches('"').to_string()),
            _ => Node::Str(o.format()),
        },
        Value::Object(o) => Node::Str(o.format()),
        Value::List(l) => Node::Seq(l.iter().map(to_node_pretty).collect()),
        Value::Map(m) => {
            let mut entries: Vec<(String, Node)> = m
                .read()
                .iter()
                .map(|(k, v)| (k.clone(), to_node_pretty(v)))
                .collect();
            natural_sort(&mut entries);
            Node::Map(entries)
        }
    }
}

fn emit(node: &Node, pretty: bool) -> String {
    let mut e = Emitter {
        pretty,
        out: String::new(),
        column: 0,
        whitespace: true,
        indention: true,
        indent: -1,
        indents: Vec::new(),
        flow_level: 0,
    };
    e.node(node, Ctx::Root);
    // Document end.
    e.write_indent();
    e.out
}

fn bad_char(c: char) -> bool {
    // What go-yaml's reader refuses in the JSON text ("control characters are not allowed").
    matches!(c as u32, 0x7F | 0x80..=0x84 | 0x86..=0x9F | 0xFFFE | 0xFFFF)
}

/// A JSON string as go-yaml reads it back from a double-quoted scalar: raw NEL (which
/// `encoding/json` leaves unescaped) is a line break there and gets folded.
fn json_string_through_yaml(s: &str) -> Result<String, YamlError> {
    // encoding/json writes each byte that is not valid UTF-8 as U+FFFD.
    let s = &*gotmpl::bytestr::lossy(s);
    if s.chars().any(bad_char) {
        return Err(YamlError::marshal(
            "error converting JSON to YAML: yaml: control characters are not allowed",
        ));
    }
    if !s.contains('\u{85}') {
        return Ok(s.to_string());
    }
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == ' ' || c == '\u{85}' {
            // A run of raw blanks and breaks.
            let st = i;
            let mut breaks = 0;
            while i < chars.len() && (chars[i] == ' ' || chars[i] == '\u{85}') {
                if chars[i] == '\u{85}' {
                    breaks += 1;
                }
                i += 1;
            }
            if breaks == 0 {
                out.extend(&chars[st..i]);
            } else if breaks == 1 {
                out.push(' ');
            } else {
                for _ in 1..breaks {
                    out.push('\n');
                }
            }
            continue;
        }
        out.push(c);
        i += 1;
    }
    Ok(out)
}

/// A float64 through JSON and go-yaml: integral JSON text becomes an int.
fn float_text(f: f64) -> Result<String, YamlError> {
    let Some(t) = numfmt::format_json(f) else {
        return Err(YamlError::marshal(super::json_unsupported_float(f)));
    };
    if let Some(i) = go_parse_int_base0(&t) {
        return Ok(i.to_string());
    }
    if !t.contains(['.', 'e', 'E']) {
        if let Ok(u) = t.parse::<u64>() {
            return Ok(u.to_string());
        }
    }
    Ok(numfmt::format_g(t.parse::<f64>().unwrap_or(f), false))
}

fn to_node(v: &Value) -> Result<Node, YamlError> {
    Ok(match v {
        Value::Nil => Node::Plain("null".into()),
        // sigs.k8s.io/yaml goes through JSON, where nil maps and slices are `null`.
        Value::List(l) if l.is_nil() => Node::Plain("null".into()),
        Value::Map(m) if m.is_nil() => Node::Plain("null".into()),
        Value::Bool(b) => Node::Plain(b.to_string()),
        Value::Int(i, k) => Node::Plain(if matches!(k, IntKind::Uint64 | IntKind::Uint) {
            (*i as u64).to_string()
        } else {
            i.to_string()
        }),
        Value::Float(f) => Node::Plain(float_text(*f)?),
        Value::Str(s) => Node::Str(json_string_through_yaml(s)?),
        Value::Bytes(b) => Node::Str(super::json::base64_std(b)),
        Value::Object(_) if super::json::struct_as_json_map(v).is_some() => {
            return to_node(&super::json::struct_as_json_map(v).unwrap_or_default())
        }
        Value::Object(o) => match o.json_text() {
            Some(Ok(t)) => Node::Str(json_string_through_yaml(&t)?),
            Some(Err(m)) => return Err(YamlError::marshal(m)),
            None => Node::Str(json_string_through_yaml(&o.format())?),
        },
        Value::List(l) => Node::Seq(l.iter().map(to_node).collect::<Result<_, _>>()?),
        Value::Map(m) => {
            let mut entries = Vec::new();
            for (k, v) in m.read().iter() {
                entries.push((json_string_through_yaml(k)?, to_node(v)?));
            }
            natural_sort(&mut entries);
            Node::Map(entries)
        }
    })
}

fn is_letter(c: char) -> bool {
    c.is_alphabetic()
}

fn is_digit(c: char) -> bool {
    c.is_ascii_digit() || (!c.is_ascii() && c.is_numeric())
}

/// go-yaml v2's key order for string keys.
pub(crate) fn natural_less(a: &str, b: &str) -> bool {
    let ar: Vec<char> = a.chars().collect();
    let br: Vec<char> = b.chars().collect();
    let mut i = 0;
    while i < ar.len() && i < br.len() {
        if ar[i] == br[i] {
            i += 1;
            continue;
        }
        let al = is_letter(ar[i]);
        let bl = is_letter(br[i]);
        if al && bl {
            return ar[i] < br[i];
        }
        if al || bl {
            return bl;
        }
        let (mut an, mut bn): (i64, i64) = (0, 0);
        if ar[i] == '0' || br[i] == '0' {
            let mut j = i;
            while j > 0 {
                j -= 1;
                if !is_digit(ar[j]) {
                    break;
                }
                if ar[j] != '0' {
                    an = 1;
                    bn = 1;
                    break;
                }
            }
        }
        let mut ai = i;
        while ai < ar.len() && is_digit(ar[ai]) {
            an = an.wrapping_mul(10).wrapping_add(ar[ai] as i64 - '0' as i64);
            ai += 1;
        }
        let mut bi = i;
        while bi < br.len() && is_digit(br[bi]) {
            bn = bn.wrapping_mul(10).wrapping_add(br[bi] as i64 - '0' as i64);
            bi += 1;
        }
        if an != bn {
            return an < bn;
        }
        if ai != bi {
            return ai < bi;
        }
        return ar[i] < br[i];
    }
    ar.len() < br.len()
}

/// A merge sort on `natural_less` (never panics, whatever the comparison does).
fn natural_sort(v: &mut Vec<(String, Node)>) {
    if v.len() < 2 {
        return;
    }
    let mid = v.len() / 2;
    let mut right = v.split_off(mid);
    natural_sort(v);
    natural_sort(&mut right);
    let left = std::mem::take(v);
    let mut l = left.into_iter().peekable();
    let mut r = right.into_iter().peekable();
    loop {
        let take_right = match (l.peek(), r.peek()) {
            (Some(a), Some(b)) => natural_less(&b.0, &a.0),
            (Some(_), None) => false,
            (None, Some(_)) => true,
            (None, None) => break,
        };
        let next = if take_right { r.next() } else { l.next() };
        if let Some(x) = next {
            v.push(x);
        }
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Ctx {
    Root,
    Seq,
    MapValue,
    MapKey { simple: bool },
}

#[derive(Clone, Copy, PartialEq, Debug)]
enum Style {
    Plain,
    Single,
    Double,
    Literal,
}

const BEST_WIDTH: usize = 80;
const BEST_INDENT: i64 = 2;

struct Emitter {
    /// go-yaml v3 layout (`toYamlPretty`).
    pretty: bool,
    out: String,
    column: usize,
    whitespace: bool,
    indention: bool,
    indent: i64,
    indents: Vec<i64>,
    flow_level: usize,
}

fn is_break(c: char) -> bool {
    matches!(c, '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

fn is_blank(c: char) -> bool {
    c == ' ' || c == '\t'
}

/// libyaml's `is_printable`.
fn is_printable(c: char) -> bool {
    let u = c as u32;
    u == 0x0A
        || (0x20..=0x7E).contains(&u)
        || (0xA0..=0xD7FF).contains(&u)
        || ((0xE000..=0xFFFF).contains(&u) && u != 0xFEFF && u != 0xFFFE && u != 0xFFFF)
}

struct Analysis {
    multiline: bool,
    flow_plain_allowed: bool,
    block_plain_allowed: bool,
    single_quoted_allowed: bool,
    block_allowed: bool,
}

/// Whether `s` is written plain wherever a plain scalar is asked for: a non-empty run of
/// ASCII letters, digits and `_./-` that starts no indicator (`-` alone, `---`, `...`),
/// for which [`analyze`] allows every style and finds no line break.
fn plain_safe(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.iter()
            .all(|&c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'/' | b'-'))
        && b != b"-"
        && !b.starts_with(b"---")
        && !b.starts_with(b"...")
}

fn analyze(value: &[char]) -> Analysis {
    if value.is_empty() {
        return Analysis {
            multiline: false,
            flow_plain_allowed: false,
            block_plain_allowed: true,
            single_quoted_allowed: true,
            block_allowed: false,
        };
    }
    let mut block_ind = false;
    let mut flow_ind = false;
    let (mut line_breaks, mut special) = (false, false);
    let (mut leading_space, mut leading_break, mut trailing_space, mut trailing_break) =
        (false, false, false, false);
    let (mut break_space, mut space_break) = (false, false);
    let (mut prev_space, mut prev_break) = (false, false);
    if value.len() >= 3 {
        let p: String = value[..3].iter().collect();
        if p == "---" || p == "..." {
            block_ind = true;
            flow_ind = true;
        }
    }
    let mut preceded_by_ws = true;
    let n = value.len();
    for (i, &c) in value.iter().enumerate() {
        let followed_by_ws = i + 1 >= n || is_blank(value[i + 1]);
        if i == 0 {
            match c {
                '#' | ',' | '[' | ']' | '{' | '}' | '&' | '*' | '!' | '|' | '>' | '\'' | '"'
                | '%' | '@' | '`' => {
                    flow_ind = true;
                    block_ind = true;
                }
                '?' | ':' => {
                    flow_ind = true;
                    if followed_by_ws {
                        block_ind = true;
                    }
                }
                '-' if followed_by_ws => {
                    flow_ind = true;
                    block_ind = true;
                }
                _ => {}
            }
        } else {
            match c {
                ',' | '?' | '[' | ']' | '{' | '}' => flow_ind = true,
                ':' => {
                    flow_ind = true;
                    if followed_by_ws {
                        block_ind = true;
                    }
                }
                '#' if preceded_by_ws => {
                    flow_ind = true;
                    block_ind = true;
                }
                _ => {}
            }
        }
        if !is_printable(c) {
            special = true;
        }
        if c == ' ' {
            if i == 0 {
                leading_space = true;
            }
            if i + 1 == n {
                trailing_space = true;
            }
            if prev_break {
                break_space = true;
            }
            prev_space = true;
            prev_break = false;
        } else if is_break(c) {
            line_breaks = true;
            if i == 0 {
                leading_break = true;
            }
            if i + 1 == n {
                trailing_break = true;
            }
            if prev_space {
                space_break = true;
            }
            prev_space = false;
            prev_break = true;
        } else {
            prev_space = false;
            prev_break = false;
        }
        preceded_by_ws = is_blank(c) || is_break(c) || c == '\0';
    }
    let mut a = Analysis {
        multiline: line_breaks,
        flow_plain_allowed: true,
        block_plain_allowed: true,
        single_quoted_allowed: true,
        block_allowed: true,
    };
    if leading_space || leading_break || trailing_space || trailing_break {
        a.flow_plain_allowed = false;
        a.block_plain_allowed = false;
    }
    if trailing_space {
        a.block_allowed = false;
    }
    if break_space {
        a.flow_plain_allowed = false;
        a.block_plain_allowed = false;
        a.single_quoted_allowed = false;
    }
    if space_break || special {
        a.flow_plain_allowed = false;
        a.block_plain_allowed = false;
        a.single_quoted_allowed = false;
        a.block_allowed = false;
    }
    if line_breaks {
        a.flow_plain_allowed = false;
        a.block_plain_allowed = false;
    }
    if flow_ind {
        a.flow_plain_allowed = false;
    }
    if block_ind {
        a.block_plain_allowed = false;
    }
    a
}

/// The style go-yaml's encoder asks for a string.
fn requested_style(s: &str) -> Style {
    if s.contains('\n') {
        return Style::Literal;
    }
    let plain_ok = resolve_plain(s) == Resolved::Str && !is_base60_float(s);
    if plain_ok {
        Style::Plain
    } else {
        Style::Double
    }
}

impl Emitter {
    fn width(&self) -> usize {
        if self.pretty {
            usize::MAX
        } else {
            BEST_WIDTH
        }
    }

    fn put(&mut self, c: char) {
        self.out.push(c);
        self.column += 1;
    }

    fn put_break(&mut self) {
        self.out.push('\n');
        self.column = 0;
    }

    fn write_break(&mut self, c: char) {
        if c == '\n' {
            self.put_break();
        } else {
            self.out.push(c);
            self.column = 0;
        }
    }

    fn write_indent(&mut self) {
        let indent = self.indent.max(0) as usize;
        if !self.indention || self.column > indent || (self.column == indent && !self.whitespace) {
            self.put_break();
        }
        while self.column < indent {
            self.put(' ');
        }
        self.whitespace = true;
        self.indention = true;
    }

    fn write_indicator(&mut self, ind: &str, need_ws: bool, is_ws: bool, is_indention: bool) {
        if need_ws && !self.whitespace {
            self.put(' ');
        }
        for c in ind.chars() {
            self.put(c);
        }
        self.whitespace = is_ws;
        self.indention = self.indention && is_indention;
    }

    fn increase_indent(&mut self, flow: bool, indentless: bool) {
        self.indents.push(self.indent);
        if self.indent < 0 {
            self.indent = if flow { BEST_INDENT } else { 0 };
        } else if !indentless {
            self.indent += BEST_INDENT;
        }
    }

    fn pop_indent(&mut self) {
        self.indent = self.indents.pop().unwrap_or(-1);
    }

    fn node(&mut self, n: &Node, ctx: Ctx) {
        match n {
            Node::Plain(s) => self.scalar(s, Style::Plain, ctx),
            Node::Str(s) => self.scalar(s, requested_style(s), ctx),
            Node::Binary(b) => {
                self.write_indicator("!!binary", true, false, false);
                let style = if b.contains('\n') {
                    Style::Literal
                } else {
                    Style::Plain
                };
                self.scalar(b, style, ctx);
            }
            Node::Seq(items) => {
                if items.is_empty() {
                    self.empty_flow("[", "]");
                    return;
                }
                let mapping_ctx = matches!(ctx, Ctx::MapValue | Ctx::MapKey { .. });
                let indentless = mapping_ctx && !self.indention && !self.pretty;
                self.increase_indent(false, indentless);
                for it in items {
                    self.write_indent();
                    self.write_indicator("-", true, false, true);
                    self.node(it, Ctx::Seq);
                }
                self.pop_indent();
            }
            Node::Map(entries) => {
                if entries.is_empty() {
                    self.empty_flow("{", "}");
                    return;
                }
                self.increase_indent(false, false);
                for (k, v) in entries {
                    self.write_indent();
                    // A key on one line (no line break in it) is written as a simple key.
                    let simple = k.len() <= 128 && !k.chars().any(is_break);
                    if simple {
                        self.node(&Node::Str(k.clone()), Ctx::MapKey { simple: true });
                        self.write_indicator(":", false, false, false);
                    } else {
                        self.write_indicator("?", true, false, true);
                        self.node(&Node::Str(k.clone()), Ctx::MapKey { simple: false });
                        self.write_indent();
                        self.write_indicator(":", true, false, true);
                    }
                    self.node(v, Ctx::MapValue);
                }
                self.pop_indent();
            }
        }
    }

    fn empty_flow(&mut self, open: &str, close: &str) {
        self.write_indicator(open, true, true, false);
        self.increase_indent(true, false);
        self.flow_level += 1;
        self.flow_level -= 1;
        self.pop_indent();
        self.write_indicator(close, false, false, false);
    }

    fn scalar(&mut self, s: &str, requested: Style, ctx: Ctx) {
        if requested == Style::Plain && plain_safe(s) {
            // Nothing to analyse: written as it is.
            self.increase_indent(true, false);
            if !self.whitespace {
                self.put(' ');
            }
            self.out.push_str(s);
            self.column += s.len();
            self.whitespace = false;
            self.indention = false;
            self.pop_indent();
            return;
        }
        let v: Vec<char> = s.chars().collect();
        let a = analyze(&v);
        let simple_key = matches!(ctx, Ctx::MapKey { simple: true });
        let mut style = requested;
        if simple_key && a.multiline {
            style = Style::Double;
        }
        if style == Style::Plain {
            if (self.flow_level > 0 && !a.flow_plain_allowed)
                || (self.flow_level == 0 && !a.block_plain_allowed)
            {
                style = Style::Single;
            }
            if v.is_empty() && (self.flow_level > 0 || simple_key) {
                style = Style::Single;
            }
        }
        if style == Style::Single && !a.single_quoted_allowed {
            style = Style::Double;
        }
        if style == Style::Literal && (!a.block_allowed || self.flow_level > 0 || simple_key) {
            style = Style::Double;
        }
        self.increase_indent(true, false);
        let allow_breaks = !simple_key;
        match style {
            Style::Plain => self.write_plain(&v, allow_breaks),
            Style::Single => self.write_single(&v, allow_breaks),
            Style::Double => self.write_double(&v, allow_breaks),
            Style::Literal => self.write_literal(&v),
        }
        self.pop_indent();
    }

    fn write_plain(&mut self, v: &[char], allow_breaks: bool) {
        if !self.whitespace {
            self.put(' ');
        }
        let (mut spaces, mut breaks) = (false, false);
        for (i, &c) in v.iter().enumerate() {
            if c == ' ' {
                if allow_breaks
                    && !spaces
                    && self.column > self.width()
                    && v.get(i + 1) != Some(&' ')
                {
                    self.write_indent();
                } else {
                    self.put(c);
                }
                spaces = true;
            } else if is_break(c) {
                if !breaks && c == '\n' {
                    self.put_break();
                }
                self.write_break(c);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                self.put(c);
                self.indention = false;
                spaces = false;
                breaks = false;
            }
        }
        self.whitespace = false;
        self.indention = false;
    }

    fn write_single(&mut self, v: &[char], allow_breaks: bool) {
        self.write_indicator("'", true, false, false);
        let (mut spaces, mut breaks) = (false, false);
        let n = v.len();
        for (i, &c) in v.iter().enumerate() {
            if c == ' ' {
                if allow_breaks
                    && !spaces
                    && self.column > self.width()
                    && i > 0
                    && i + 1 < n
                    && v.get(i + 1) != Some(&' ')
                {
                    self.write_indent();
                } else {
                    self.put(c);
                }
                spaces = true;
            } else if is_break(c) {
                if !breaks && c == '\n' {
                    self.put_break();
                }
                self.write_break(c);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                if c == '\'' {
                    self.put('\'');
                }
                self.put(c);
                self.indention = false;
                spaces = false;
                breaks = false;
            }
        }
        self.write_indicator("'", false, false, false);
        self.whitespace = false;
        self.indention = false;
    }

    fn write_double(&mut self, v: &[char], allow_breaks: bool) {
        let mut spaces = false;
        self.write_indicator("\"", true, false, false);
        // go-yaml's BOM check looks at the start of the value whatever the position.
        let bom = v.first() == Some(&'\u{FEFF}');
        let n = v.len();
        for (i, &c) in v.iter().enumerate() {
            if !is_printable(c) || bom || is_break(c) || c == '"' || c == '\\' {
                self.put('\\');
                let u = c as u32;
                let esc = match u {
                    0x00 => Some('0'),
                    0x07 => Some('a'),
                    0x08 => Some('b'),
                    0x09 => Some('t'),
                    0x0A => Some('n'),
                    0x0B => Some('v'),
                    0x0C => Some('f'),
                    0x0D => Some('r'),
                    0x1B => Some('e'),
                    0x22 => Some('"'),
                    0x5C => Some('\\'),
                    0x85 => Some('N'),
                    0xA0 => Some('_'),
                    0x2028 => Some('L'),
                    0x2029 => Some('P'),
                    _ => None,
                };
                match esc {
                    Some(e) => self.put(e),
                    None => {
                        let (ch, w) = if u <= 0xFF {
                            ('x', 2)
                        } else if u <= 0xFFFF {
                            ('u', 4)
                        } else {
                            ('U', 8)
                        };
                        self.put(ch);
                        for k in (0..w).rev() {
                            let d = (u >> (k * 4)) & 0xF;
                            self.put(
                                char::from_digit(d, 16).map_or('0', |c| c.to_ascii_uppercase()),
                            );
                        }
                    }
                }
                spaces = false;
            } else if c == ' ' {
                if allow_breaks && !spaces && self.column > self.width() && i > 0 && i + 1 < n {
                    self.write_indent();
                    if v.get(i + 1) == Some(&' ') {
                        self.put('\\');
                    }
                } else {
                    self.put(c);
                }
                spaces = true;
            } else {
                self.put(c);
                spaces = false;
            }
        }
        self.write_indicator("\"", false, false, false);
        self.whitespace = false;
        self.indention = false;
    }

    fn write_literal(&mut self, v: &[char]) {
        self.write_indicator("|", true, false, false);
        // Block scalar hints.
        if v.first().is_some_and(|&c| c == ' ' || is_break(c)) {
            self.write_indicator("2", false, false, false);
        }
        let chomp = match v.len() {
            0 => Some('-'),
            n => {
                let last = v[n - 1];
                if !is_break(last) {
                    Some('-')
                } else if n == 1 || is_break(v[n - 2]) {
                    Some('+')
                } else {
                    None
                }
            }
        };
        if let Some(c) = chomp {
            self.write_indicator(&c.to_string(), false, false, false);
        }
        self.put_break();
        self.indention = true;
        self.whitespace = true;
        let mut breaks = true;
        for &c in v {
            if is_break(c) {
                self.write_break(c);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                self.put(c);
                self.indention = false;
                breaks = false;
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use gotmpl::value::Map;

    #[test]
    fn plain_safe_strings_are_those_analyze_allows_every_style() {
        let alphabet = ['a', 'Z', '0', '_', '.', '/', '-', ':', ' ', '#', '\n', 'é'];
        // Every string of up to four characters of the alphabet.
        let mut strings = vec![String::new()];
        let mut last = vec![String::new()];
        for _ in 0..4 {
            let next: Vec<String> = last
                .iter()
                .flat_map(|p| alphabet.iter().map(move |c| format!("{p}{c}")))
                .collect();
            strings.extend(next.iter().cloned());
            last = next;
        }
        for s in &strings {
            if plain_safe(s) {
                let a = analyze(&s.chars().collect::<Vec<char>>());
                assert!(
                    !a.multiline
                        && a.flow_plain_allowed
                        && a.block_plain_allowed
                        && a.single_quoted_allowed
                        && a.block_allowed,
                    "{s:?}"
                );
            }
        }
        assert!(plain_safe("app.kubernetes.io/name") && !plain_safe("-") && !plain_safe("a b"));
    }

    fn y(v: Value) -> String {
        marshal(&v).unwrap_or_else(|e| format!("ERR {e}"))
    }

    #[test]
    fn natural_order() {
        let keys = [
            "-x", "_x", "1", "9", "10", "A", "Z", "a_b", "a1", "a01", "a001", "a9", "a10", "aB",
            "ab", "b", "é",
        ];
        for w in keys.windows(2) {
            assert!(natural_less(w[0], w[1]), "{} < {}", w[0], w[1]);
            assert!(!natural_less(w[1], w[0]), "!({} < {})", w[1], w[0]);
        }
    }

    #[test]
    fn lists_are_not_indented_under_keys() {
        let mut m = Map::new();
        m.insert(
            "a".into(),
            Value::list(vec![
                Value::Float(1.0),
                Value::str("yes"),
                Value::str("a: b"),
            ]),
        );
        m.insert("b".into(), Value::empty_map());
        assert_eq!(y(Value::map(m)), "a:\n- 1\n- \"yes\"\n- 'a: b'\nb: {}\n");
    }

    #[test]
    fn literal_blocks() {
        assert_eq!(y(Value::str("multi\nline\n\n")), "|+\n  multi\n  line\n\n");
        assert_eq!(y(Value::str("a\nb")), "|-\n  a\n  b\n");
        assert_eq!(y(Value::str(" lead\n")), "|2\n   lead\n");
    }

    #[test]
    fn numbers_after_json() {
        assert_eq!(y(Value::Float(1e6)), "1000000\n");
        assert_eq!(y(Value::Float(12345678.9)), "1.23456789e+07\n");
        assert_eq!(y(Value::Float(1e21)), "1e+21\n");
        assert_eq!(y(Value::Float(-0.0)), "0\n");
        assert!(marshal(&Value::Float(f64::NAN)).is_err());
    }
}
