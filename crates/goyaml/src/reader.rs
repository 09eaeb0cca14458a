//! Reading YAML as Helm does: go-yaml v2 builds a node tree of the first document, decodes
//! it into Go values (`map[interface{}]interface{}`), sigs.k8s.io/yaml turns keys into
//! strings, and the result goes through JSON (numbers become `float64`).

use std::collections::HashMap;

use granit_parser::{ErrorKind, Event, Options, Parser, ScalarStyle, ScanError, StructureStyle};

use super::numfmt;
use super::resolve::{go_parse_float, resolve_plain, Resolved};
use super::YamlError;
use gotmpl::value::{Map, Value};

const STR_TAG: &str = "tag:yaml.org,2002:str";
const BINARY_TAG: &str = "tag:yaml.org,2002:binary";
const MERGE_TAG: &str = "tag:yaml.org,2002:merge";
const CORE: &str = "tag:yaml.org,2002:";

/// Nesting deeper than this is refused, with go-yaml's message `exceeded max depth of 10000`
/// (go-yaml's own limit is 10000; the parser and decoder here recurse, so they stop earlier
/// to stay within a thread's stack). Alias expansion may nest twice as deep.
const MAX_DEPTH: usize = 500;

/// A node of the first document.
#[derive(Debug)]
enum Node {
    Scalar {
        value: String,
        /// Plain and untagged (go-yaml's `implicit`).
        implicit: bool,
        tag: String,
    },
    Seq(Vec<usize>),
    Map(Vec<usize>),
    Alias {
        target: usize,
        name: String,
    },
}

/// A value as go-yaml v2 decodes it into `interface{}`, before sigs.k8s.io/yaml's
/// conversion to JSON-compatible values: scalars keep the kind YAML 1.1 resolution gave
/// them (`yes` is a bool, `0x10` an int, `1.10` a float), aliases are expanded.
#[derive(Clone, Debug)]
pub enum GoVal {
    /// `nil` (`null`, `~`, empty).
    Nil,
    /// `bool`.
    Bool(bool),
    /// `int` / `int64`.
    Int(i64),
    /// `uint64` (an integer beyond `int64`).
    Uint(u64),
    /// `float64`.
    Float(f64),
    /// `string` (timestamps and `!!binary` data included).
    Str(String),
    /// `[]interface{}`.
    Seq(Vec<GoVal>),
    /// `map[interface{}]interface{}`.
    Map(GoMap),
}

/// `map[interface{}]interface{}`: insertion-ordered, with Go's key equality (a repeated
/// key replaces the earlier value and keeps its place).
#[derive(Clone, Debug, Default)]
pub struct GoMap {
    entries: Vec<(GoVal, GoVal)>,
    index: HashMap<KeyRepr, usize>,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq)]
enum KeyRepr {
    Nil,
    Bool(bool),
    Int(i64),
    Uint(u64),
    Float(u64),
    Str(String),
}

impl GoMap {
    /// The entries, in the order their keys first appeared.
    pub fn entries(&self) -> &[(GoVal, GoVal)] {
        &self.entries
    }

    /// The entries, in the order their keys first appeared.
    pub fn into_entries(self) -> Vec<(GoVal, GoVal)> {
        self.entries
    }

    fn set(&mut self, k: GoVal, v: GoVal) {
        let repr = match &k {
            GoVal::Nil => Some(KeyRepr::Nil),
            GoVal::Bool(b) => Some(KeyRepr::Bool(*b)),
            GoVal::Int(i) => Some(KeyRepr::Int(*i)),
            GoVal::Uint(u) => Some(KeyRepr::Uint(*u)),
            GoVal::Float(f) if f.is_nan() => None,
            GoVal::Float(f) => Some(KeyRepr::Float(if *f == 0.0 { 0 } else { f.to_bits() })),
            GoVal::Str(s) => Some(KeyRepr::Str(s.clone())),
            GoVal::Seq(_) | GoVal::Map(_) => None,
        };
        match repr {
            Some(r) => match self.index.get(&r) {
                Some(&i) => {
                    if let Some(e) = self.entries.get_mut(i) {
                        e.1 = v;
                    }
                }
                None => {
                    self.index.insert(r, self.entries.len());
                    self.entries.push((k, v));
                }
            },
            None => self.entries.push((k, v)),
        }
    }
}

/// Parses the first document of `text` into go-yaml nodes and decodes it.
pub(crate) fn decode_first(text: &str) -> Result<GoVal, YamlError> {
    let fixed = root_flow_trailer(text);
    let text = fixed.as_deref().unwrap_or(text);
    let mut b = Builder::parse(text)?;
    let Some(root) = b.root else {
        return Ok(GoVal::Nil);
    };
    let mut d = Decoder {
        nodes: &b.nodes,
        decode_count: 1, // the document node
        alias_count: 0,
        alias_depth: 0,
        active: Vec::new(),
        depth: 0,
    };
    let v = d.unmarshal(root)?;
    b.nodes.clear();
    Ok(v)
}

/// The parser settings that make granit-parser read as libyaml does.
pub(super) fn parser_options() -> Options {
    let mut opts = Options::default();
    opts.bom_inside_document_as_content = true;
    opts.block_scalar_eof_without_line_feed = true;
    opts.emit_unresolved_aliases = true;
    opts.emit_anchor_events = true;
    opts.emit_comments = false;
    opts.flow_nesting_limit = MAX_DEPTH;
    opts.block_nesting_limit = MAX_DEPTH;
    opts
}

struct Builder {
    nodes: Vec<Node>,
    root: Option<usize>,
}

impl Builder {
    fn parse(text: &str) -> Result<Builder, YamlError> {
        let mut parser = Parser::new_from_str_with_options(text, parser_options());
        let mut b = Builder {
            nodes: Vec::new(),
            root: None,
        };
        // Anchor id (from the parser) → node index.
        let mut anchors: HashMap<usize, usize> = HashMap::new();
        // Open collections: (node index, pending children).
        let mut stack: Vec<(usize, Vec<usize>)> = Vec::new();
        // Their kinds, for error messages and tab checks.
        let mut kinds: Vec<Open> = Vec::new();
        let mut root_flow = false;
        if let Some(line0) = unknown_directive_line(text) {
            return Err(syntax_error("found unknown directive name", true, line0, 0));
        }
        if let Some(line0) = leading_tab_line(text) {
            return Err(syntax_error(
                "found character that cannot start any token",
                true,
                line0,
                0,
            ));
        }
        let mut in_doc = false;
        let mut last_node: Option<usize> = None;
        // End of the last event's text, and whether that event was a plain or block scalar.
        let mut gap_from = 0usize;
        let mut after_scalar = false;
        while let Some(ev) = parser.next_event() {
            let (ev, span) = match ev {
                Ok(x) => x,
                // go-yaml stops reading once the first document's root node is complete.
                Err(_) if b.root.is_some() && stack.is_empty() && root_flow => break,
                Err(e)
                    if b.root.is_none()
                        && stack.is_empty()
                        && matches!(
                            e.kind(),
                            ErrorKind::InvalidTrailingDoubleQuotedScalar
                                | ErrorKind::InvalidTrailingSingleQuotedScalar
                        ) =>
                {
                    // A root quoted scalar (a possible simple key) followed on its line by
                    // more text with no `:`: go-yaml reads the scalar and stops.
                    let at = e.marker().byte_offset().unwrap_or(0);
                    match scan_line_rest(text.as_bytes(), at) {
                        LineRest::End(_) | LineRest::Dropped(_) => {
                            if let Some(head) = text.get(..at).filter(|h| !h.is_empty()) {
                                return Builder::parse(head);
                            }
                            return Err(scan_error(&e, text, None));
                        }
                        _ => return Err(scan_error(&e, text, None)),
                    }
                }
                Err(e) => {
                    let mut open = kinds.last().map(|k| {
                        let empty = stack.last().is_none_or(|(_, c)| c.is_empty());
                        (k.flow, k.seq, empty)
                    });
                    if let (None, ErrorKind::UnclosedFlowCollection { open: c }) = (open, e.kind())
                    {
                        // The input ended before the collection's first event: `[a: 1`.
                        open = Some((true, *c == '[', false));
                    }
                    if matches!(e.kind(), ErrorKind::TabAtBlockScalarStart) {
                        let at = e.marker().byte_offset().unwrap_or(0);
                        let from = text
                            .get(..=at)
                            .and_then(|h| h.rfind(['|', '>']))
                            .map_or(at, |p| p + 1);
                        if let Some(line0) =
                            block_scalar_tab(text, from, block_indent(&kinds) as i64 - 1)
                        {
                            return Err(syntax_error(BLOCK_TAB, true, line0, 0));
                        }
                    }
                    if matches!(e.kind(), ErrorKind::TabInPlainScalar) {
                        let from = e.marker().byte_offset().unwrap_or(0);
                        if let Some(line0) =
                            plain_tab_violation(text, from, None, block_indent(&kinds))
                        {
                            return Err(syntax_error(TAB_VIOLATION, true, line0, 0));
                        }
                    }
                    return Err(scan_error(&e, text, open));
                }
            };
            // libyaml's scanner, between tokens in the block context, does not skip a tab
            // at the start of a line (after its spaces): a tab-only or tab-indented line
            // after a comment, a quoted scalar or an indicator is an error (granit skips
            // it). After a plain or block scalar, the scalar's own scan consumed the
            // blanks up to the next non-blank character and did its own checks.
            if let (Some(a), Some(z)) = (span.start.byte_offset(), span.end.byte_offset()) {
                let block_scalar = matches!(
                    ev,
                    Event::Scalar(_, ScalarStyle::Literal | ScalarStyle::Folded, ..)
                );
                if a > gap_from && !block_scalar && !kinds.last().is_some_and(|k| k.flow) {
                    let gap = &text.as_bytes()[gap_from..a.min(text.len())];
                    let skip = if after_scalar {
                        gap.iter()
                            .position(|c| !matches!(c, b' ' | b'\t' | b'\n' | b'\r'))
                            .unwrap_or(gap.len())
                    } else {
                        0
                    };
                    if let Some(line0) = gap_line_start_tab(text, gap_from + skip, a) {
                        return Err(syntax_error(
                            "found character that cannot start any token",
                            true,
                            line0,
                            0,
                        ));
                    }
                }
                if z >= gap_from {
                    gap_from = z;
                    after_scalar = matches!(
                        ev,
                        Event::Scalar(
                            _,
                            ScalarStyle::Plain | ScalarStyle::Literal | ScalarStyle::Folded,
                            ..
                        )
                    );
                }
            }
            let new_node: Option<usize> = match ev {
                Event::StreamStart => None,
                Event::StreamEnd => break,
                Event::DocumentStart(..) => {
                    in_doc = true;
                    None
                }
                Event::DocumentEnd => {
                    if in_doc {
                        // The scanner reads on to the next document marker (or the
                        // end) to find this document's end.
                        let from = if after_scalar {
                            text.as_bytes()
                                .get(gap_from..)
                                .and_then(|g| {
                                    g.iter()
                                        .position(|c| !matches!(c, b' ' | b'\t' | b'\n' | b'\r'))
                                })
                                .map_or(text.len(), |p| gap_from + p)
                        } else {
                            gap_from
                        };
                        let to = text
                            .get(from.min(text.len())..)
                            .and_then(|t| {
                                t.match_indices('\n').map(|(i, _)| i + 1).find(|&i| {
                                    t[i..].starts_with("---") || t[i..].starts_with("...")
                                })
                            })
                            .map_or(text.len(), |i| from + i);
                        if let Some(line0) = gap_line_start_tab(text, from, to) {
                            return Err(syntax_error(
                                "found character that cannot start any token",
                                true,
                                line0,
                                0,
                            ));
                        }
                        break;
                    }
                    None
                }
                Event::Anchor(id, _) => {
                    if let Some(n) = last_node {
                        anchors.insert(id, n);
                    }
                    None
                }
                Event::Alias(id) => {
                    let name = span
                        .slice(text)
                        .map(|s| s.trim_start_matches('*').to_string())
                        .unwrap_or_default();
                    match anchors.get(&id) {
                        Some(&t) => Some(b.push(Node::Alias { target: t, name })),
                        None => {
                            return Err(YamlError::decode(format!(
                                "unknown anchor '{name}' referenced"
                            )))
                        }
                    }
                }
                Event::UnresolvedAlias(name) => {
                    return Err(YamlError::decode(format!(
                        "unknown anchor '{name}' referenced"
                    )))
                }
                Event::Scalar(value, style, _, tag) => {
                    let at_key = matches!(stack.last(), Some((n, c))
                        if c.len() % 2 == 0 && matches!(b.nodes.get(*n), Some(Node::Map(_))));
                    if at_key
                        && value == "~"
                        && style == ScalarStyle::Plain
                        && tag.is_none()
                        && span.start.byte_offset() == span.end.byte_offset()
                    {
                        // A `:` with no key before it: libyaml's scanner gives a lone VALUE
                        // token, which its parser refuses (granit reads an empty key).
                        let b0 = span.start.byte_offset().unwrap_or(usize::MAX);
                        if text.as_bytes().get(b0) == Some(&b':') {
                            let flow = kinds.last().is_some_and(|k| k.flow);
                            let msg = if flow {
                                "did not find expected node content"
                            } else {
                                "did not find expected key"
                            };
                            let (line0, col) = position(text, b0);
                            return Err(syntax_error(msg, false, line0, col));
                        }
                    }
                    if matches!(style, ScalarStyle::Literal | ScalarStyle::Folded) {
                        if let Some(line0) = block_scalar_tab(
                            text,
                            span.start.byte_offset().unwrap_or(0),
                            block_indent(&kinds) as i64 - 1,
                        ) {
                            return Err(syntax_error(BLOCK_TAB, true, line0, 0));
                        }
                    }
                    if style == ScalarStyle::DoubleQuoted {
                        if let Some(b) = span.start.byte_offset() {
                            check_escapes(text, b, span.end.byte_offset())?;
                        }
                    }
                    if style == ScalarStyle::Plain && !kinds.last().is_some_and(|k| k.flow) {
                        // libyaml refuses a tab left of the scalar's indentation on the
                        // lines it skips after it, blank lines included (granit lets
                        // blank ones pass).
                        if let (Some(a), Some(z)) =
                            (span.start.byte_offset(), span.end.byte_offset())
                        {
                            if let Some(line0) =
                                plain_tab_violation(text, a, Some(z), block_indent(&kinds))
                            {
                                return Err(syntax_error(TAB_VIOLATION, true, line0, 0));
                            }
                        }
                    }
                    let tag = tag.map(|t| format!("{}{}", t.handle(), t.suffix()));
                    let implicit = tag.is_none() && style == ScalarStyle::Plain;
                    Some(b.push(Node::Scalar {
                        value: value.into_owned(),
                        implicit,
                        tag: tag.unwrap_or_default(),
                    }))
                }
                Event::SequenceStart(style, ..) => {
                    if stack.is_empty() {
                        root_flow = style == StructureStyle::Flow;
                    }
                    kinds.push(Open::new(text, span.start.byte_offset(), style, true));
                    let n = b.push(Node::Seq(Vec::new()));
                    stack.push((n, Vec::new()));
                    last_node = Some(n);
                    continue;
                }
                Event::MappingStart(style, ..) => {
                    if stack.is_empty() {
                        root_flow = style == StructureStyle::Flow;
                    }
                    kinds.push(Open::new(text, span.start.byte_offset(), style, false));
                    let n = b.push(Node::Map(Vec::new()));
                    stack.push((n, Vec::new()));
                    last_node = Some(n);
                    continue;
                }
                Event::SequenceEnd | Event::MappingEnd => {
                    kinds.pop();
                    let Some((n, children)) = stack.pop() else {
                        continue;
                    };
                    if let Some(Node::Seq(c) | Node::Map(c)) = b.nodes.get_mut(n) {
                        *c = children;
                    }
                    last_node = Some(n);
                    b.attach(&mut stack, n);
                    continue;
                }
                #[allow(unreachable_patterns)]
                _ => None,
            };
            if let Some(n) = new_node {
                last_node = Some(n);
                b.attach(&mut stack, n);
            }
        }
        Ok(b)
    }

    fn push(&mut self, n: Node) -> usize {
        self.nodes.push(n);
        self.nodes.len() - 1
    }

    fn attach(&mut self, stack: &mut [(usize, Vec<usize>)], n: usize) {
        match stack.last_mut() {
            Some((_, c)) => c.push(n),
            None => {
                if self.root.is_none() {
                    self.root = Some(n);
                }
            }
        }
    }
}

/// An open collection, as error messages and tab checks need it.
#[derive(Clone, Copy)]
struct Open {
    flow: bool,
    /// A sequence, or a single-pair mapping inside a flow sequence (`[a: b]`), which
    /// libyaml parses in its flow-sequence states.
    seq: bool,
    /// Column (in characters) where it starts.
    col: usize,
}

impl Open {
    fn new(text: &str, at: Option<usize>, style: StructureStyle, seq: bool) -> Open {
        let flow = style == StructureStyle::Flow;
        let at = at.unwrap_or(0);
        let implicit_pair = flow && !seq && text.as_bytes().get(at) != Some(&b'{');
        Open {
            flow,
            seq: seq || implicit_pair,
            col: text.get(..at).map_or(0, |h| {
                let line_start = h.rfind('\n').map_or(0, |p| p + 1);
                h.get(line_start..).map_or(0, |l| l.chars().count())
            }),
        }
    }
}

/// libyaml's indentation for a plain scalar in the innermost block collection: one more
/// than the collection's column (0 outside any).
fn block_indent(kinds: &[Open]) -> usize {
    kinds
        .iter()
        .rev()
        .find(|k| !k.flow)
        .map_or(0, |k| k.col + 1)
}

/// libyaml's scanner refuses directives other than `%YAML` and `%TAG` (granit skips them):
/// the 0-based line of the first such directive before the first document's content.
pub(super) fn unknown_directive_line(text: &str) -> Option<usize> {
    for (line0, line) in text.split('\n').enumerate() {
        let l = line.trim_end_matches('\r');
        if l.trim_start_matches([' ', '\t']).is_empty() || l.starts_with('#') {
            continue;
        }
        let rest = l.strip_prefix('%')?;
        let name: String = rest
            .chars()
            .take_while(|c| !matches!(c, ' ' | '\t'))
            .collect();
        if name != "YAML" && name != "TAG" {
            return Some(line0);
        }
    }
    None
}

/// The 0-based line of the first line in `text[from..to]` that starts (after spaces) with
/// a tab, counting only lines that begin inside the range.
fn gap_line_start_tab(text: &str, from: usize, to: usize) -> Option<usize> {
    let b = text.as_bytes();
    let to = to.min(b.len());
    let mut i = from;
    while i < to {
        let nl = i + memchr::memchr(b'\n', b.get(i..to)?)?;
        let mut j = nl + 1;
        while j < to && b[j] == b' ' {
            j += 1;
        }
        if j < to && b[j] == b'\t' {
            return Some(text.get(..j)?.matches('\n').count());
        }
        i = nl + 1;
    }
    None
}

const BLOCK_TAB: &str = "found a tab character where an indentation space is expected";

/// libyaml's check of a block scalar's indentation (`yaml_parser_scan_block_scalar_breaks`):
/// on every line after the header up to the scalar's end, a tab met while the leading
/// spaces are still short of the scalar's indentation (or before the indentation is known)
/// is an error. `content` is a byte inside the scalar's content (or just after its
/// header), `parent` the indentation of the enclosing block collection (-1 at the root).
/// Returns the 0-based line of the offending tab.
fn block_scalar_tab(text: &str, content: usize, parent: i64) -> Option<usize> {
    let b = text.as_bytes();
    let head = text.get(..content.min(text.len()))?;
    let ind = head.rfind(['|', '>'])?;
    // The header: indicator, then optional chomping and indentation digits.
    let mut explicit: i64 = 0;
    for &c in b.get(ind + 1..)? {
        match c {
            b'1'..=b'9' => explicit = i64::from(c - b'0'),
            b'+' | b'-' => {}
            _ => break,
        }
    }
    let mut indent: i64 = if explicit > 0 {
        parent.max(0) + explicit
    } else {
        0
    };
    let mut at = ind + memchr::memchr(b'\n', b.get(ind..)?)? + 1;
    let mut line0 = text.get(..at)?.matches('\n').count();
    let mut max_indent: i64 = 0;
    while at <= b.len() {
        let mut col: i64 = 0;
        let mut j = at;
        while (indent == 0 || col < indent) && b.get(j) == Some(&b' ') {
            col += 1;
            j += 1;
        }
        max_indent = max_indent.max(col);
        if (indent == 0 || col < indent) && b.get(j) == Some(&b'\t') {
            return Some(line0);
        }
        match b.get(j) {
            None => return None,
            Some(b'\n' | b'\r') => {}
            Some(_) => {
                if indent == 0 {
                    indent = max_indent.max(parent + 1).max(1);
                }
                if col < indent {
                    return None;
                }
            }
        }
        match memchr::memchr(b'\n', b.get(j..)?) {
            Some(p) => at = j + p + 1,
            None => return None,
        }
        line0 += 1;
    }
    None
}

const TAB_VIOLATION: &str = "found a tab character that violates indentation";

/// libyaml's check on the blanks it skips inside and after a plain scalar starting at byte
/// `start` (and ending at `end`, when known): a tab in a line's leading blanks left of
/// column `indent` is an error. Looks at the scalar's continuation lines, then (when only
/// blanks follow the scalar on its last line) at the blank lines after it and the leading
/// blanks of the next line with content. Returns the 0-based line of the offending tab.
fn plain_tab_violation(
    text: &str,
    start: usize,
    end: Option<usize>,
    indent: usize,
) -> Option<usize> {
    if indent == 0 {
        return None;
    }
    let b = text.as_bytes();
    let end = end.unwrap_or(b.len()).min(b.len());
    // The rest of the scalar's last line must be blank for the skipping to go on.
    let mut i = end;
    while matches!(b.get(i), Some(b' ' | b'\t')) {
        i += 1;
    }
    let tail_open = matches!(b.get(i), Some(b'\n' | b'\r'));
    let multi_line = b
        .get(start..end)
        .is_some_and(|r| memchr::memchr(b'\n', r).is_some());
    if !tail_open && !multi_line {
        return None;
    }
    // Lines after the scalar's first one, counted for the error's line number.
    let mut lines = 0;
    let mut at = start + memchr::memchr(b'\n', b.get(start..)?)? + 1;
    while at < b.len() {
        if at >= end && !tail_open {
            return None;
        }
        lines += 1;
        let mut col = 0;
        let mut j = at;
        while let Some(&c) = b.get(j) {
            match c {
                b' ' => col += 1,
                b'\t' if col < indent => return Some(position(text, start).0 + lines),
                b'\t' => col += 1,
                _ => break,
            }
            j += 1;
        }
        let blank = matches!(b.get(j), None | Some(b'\n' | b'\r'));
        if at >= end && !blank {
            // The first line with content after the scalar: its blanks were checked.
            return None;
        }
        at = j + memchr::memchr(b'\n', b.get(j..)?)? + 1;
    }
    None
}

/// Whether the last non-blank character before byte `at` opens a flow collection or ends
/// with a separator (`[`, `{`, `,`, `:`), where libyaml's parser wants a node next.
fn after_node_start(text: &str, at: Option<usize>) -> bool {
    let head = at.and_then(|a| text.get(..a)).unwrap_or("");
    matches!(
        head.trim_end_matches([' ', '\t', '\r', '\n'])
            .chars()
            .last(),
        Some('[' | '{' | ',' | ':')
    )
}

/// Maps a parser error to go-yaml's (libyaml's) message and line rule.
fn scan_error(e: &ScanError, text: &str, open: Option<(bool, bool, bool)>) -> YamlError {
    use ErrorKind as K;
    let m = e.marker();
    let line0 = m.line().saturating_sub(1);
    // Running out of input inside a collection: libyaml's parser meets STREAM-END, whose
    // mark is on the line after the last one.
    let eof_kind = matches!(
        e.kind(),
        K::UnexpectedEofFlowSequence
            | K::UnexpectedEofFlowMapping
            | K::UnexpectedEofImplicitFlowMapping
            | K::UnexpectedEofBlockSequence
            | K::UnexpectedEofBlockMapping
            | K::UnexpectedEof
            | K::UnclosedFlowCollection { .. }
    );
    if eof_kind {
        // After `[`, `{` or `,` the parser wants a node; after an entry, a separator.
        let last = text
            .trim_end_matches([' ', '\t', '\r', '\n'])
            .chars()
            .last();
        let wants_node = matches!(last, Some('[' | '{' | ',' | ':'));
        let msg = match open {
            Some((true, true, _)) if !wants_node => "did not find expected ',' or ']'",
            Some((true, false, _)) if !wants_node => "did not find expected ',' or '}'",
            _ => "did not find expected node content",
        };
        return syntax_error(msg, false, eof_line0(text), 0);
    }
    if matches!(e.kind(), K::SimpleKeyExpected | K::InvalidSimpleKey) {
        // libyaml notices a stale simple key at the next token, after the line break.
        return syntax_error(
            "could not find expected ':'",
            true,
            next_token_line0(text, line0 + 1),
            0,
        );
    }
    if matches!(
        e.kind(),
        K::InvalidLowSurrogate
            | K::MissingLowSurrogate
            | K::UnpairedLowSurrogate
            | K::InvalidUnicodeEscape
    ) {
        // The mark of libyaml's error is the escape itself.
        let from = m.byte_offset().unwrap_or(0);
        let from = text.get(..from).and_then(|s| s.rfind('"')).unwrap_or(from);
        if let Err(err) = check_escapes(text, from, None) {
            return err;
        }
    }
    // A flow mapping's separator error inside a flow sequence's single-pair mapping
    // (`[a: b: c]`) is libyaml's flow-sequence error.
    let in_flow_seq = matches!(open, Some((true, true, _)));
    // (message, scanner error?)
    let (msg, scanner): (&str, bool) = match e.kind() {
        K::UnexpectedEofFlowSequence => ("did not find expected ',' or ']'", false),
        K::UnexpectedEofFlowMapping
        | K::UnexpectedEofImplicitFlowMapping
        | K::ExpectedFlowMappingSeparator
            if in_flow_seq =>
        {
            ("did not find expected ',' or ']'", false)
        }
        K::UnexpectedEofFlowMapping | K::UnexpectedEofImplicitFlowMapping => {
            ("did not find expected ',' or '}'", false)
        }
        K::UnexpectedEofBlockSequence | K::UnexpectedEofBlockMapping | K::UnexpectedEof => {
            ("did not find expected node content", false)
        }
        K::ExpectedDocumentStart => ("did not find expected <document start>", false),
        K::ExpectedNodeContent => ("did not find expected node content", false),
        K::ExpectedBlockMappingKey => ("did not find expected key", false),
        K::ExpectedFlowMappingSeparator => ("did not find expected ',' or '}'", false),
        K::ExpectedFlowSequenceSeparator => ("did not find expected ',' or ']'", false),
        K::ExpectedBlockSequenceEntry => ("did not find expected '-' indicator", false),
        K::UndeclaredTagHandle => ("found undefined tag handle", false),
        K::DuplicateVersionDirective => ("found duplicate %YAML directive", false),
        K::DuplicateTagDirective => ("found duplicate %TAG directive", false),
        K::UnsupportedYamlMajorVersion => ("found incompatible YAML document", false),
        K::SimpleKeyExpected | K::InvalidSimpleKey => ("could not find expected ':'", true),
        // libyaml refuses a `:` only in the block context; in a flow collection (a key
        // on an earlier line: `[a\n: b]`) its parser wants a separator there.
        K::MappingValueNotAllowed if matches!(open, Some((true, true, _))) => {
            ("did not find expected ',' or ']'", false)
        }
        K::MappingValueNotAllowed if matches!(open, Some((true, false, _))) => {
            ("did not find expected ',' or '}'", false)
        }
        K::MappingValueNotAllowed
        | K::InvalidMappingValueWhitespace
        | K::InvalidColonPlacement
        | K::FlowMappingValueAdjacentCollection => {
            ("mapping values are not allowed in this context", true)
        }
        K::MappingKeyNotAllowed => ("mapping keys are not allowed in this context", true),
        K::BlockSequenceEntryNotAllowed | K::BlockEntryInFlowCollection => (
            "block sequence entries are not allowed in this context",
            true,
        ),
        K::UnclosedQuotedScalar => {
            // The mark is the end of the input, not the scalar's start.
            return syntax_error(
                "found unexpected end of stream",
                true,
                text.matches('\n').count(),
                0,
            );
        }
        K::DocumentIndicatorInQuotedScalar => {
            // The mark is the indicator's line, not the scalar's start.
            let from = m.byte_offset().unwrap_or(0);
            let line0 = text.get(from..).and_then(|t| {
                t.match_indices('\n')
                    .map(|(i, _)| i + 1)
                    .find(|&i| t[i..].starts_with("---") || t[i..].starts_with("..."))
                    .map(|i| text[..from + i].matches('\n').count())
            });
            if let Some(line0) = line0 {
                return syntax_error("found unexpected document indicator", true, line0, 0);
            }
            ("found unexpected document indicator", true)
        }
        K::UnknownQuotedScalarEscape => ("found unknown escape character", true),
        K::InvalidQuotedScalarHexEscape | K::InvalidLowSurrogateHexEscape => {
            ("did not find expected hexdecimal number", true)
        }
        K::InvalidLowSurrogate | K::MissingLowSurrogate | K::UnpairedLowSurrogate => {
            ("found invalid Unicode character escape code", true)
        }
        K::InvalidUnicodeEscape => ("found invalid Unicode character escape code", true),
        K::ZeroBlockScalarIndent => ("found an indentation indicator equal to 0", true),
        K::InvalidBlockScalarHeader => ("did not find expected comment or line break", true),
        K::TabAtBlockScalarStart => (
            "found a tab character where an indentation space is expected",
            true,
        ),
        K::TabInIndentation | K::TabInBlockIndentation | K::TabNotAllowed => {
            ("found character that cannot start any token", true)
        }
        K::InvalidTrailingSingleQuotedScalar
        | K::InvalidTrailingDoubleQuotedScalar
        | K::MisplacedFlowCollectionEnd => match open {
            Some((false, true, _)) => ("did not find expected '-' indicator", false),
            _ => ("did not find expected key", false),
        },
        K::MismatchedFlowCollectionEnd { close, .. }
            if after_node_start(
                text,
                m.byte_offset()
                    .and_then(|b| text.get(b..).and_then(|t| t.find(*close)).map(|p| b + p)),
            ) =>
        {
            // `[}` or `{a: ]`: libyaml's parser wanted a node there.
            ("did not find expected node content", false)
        }
        K::MismatchedFlowCollectionEnd { open, .. } => {
            if *open == '[' {
                ("did not find expected ',' or ']'", false)
            } else {
                ("did not find expected ',' or '}'", false)
            }
        }
        K::MissingAnchorOrAliasName => (
            "did not find expected alphabetic or numeric character",
            true,
        ),
        K::RecursionLimitExceeded => ("exceeded max depth of 10000", true),
        K::InvalidDirectiveTerminator => ("did not find expected comment or line break", true),
        K::MissingDirectiveName => ("could not find expected directive name", true),
        K::InvalidDirectiveName => ("found unexpected non-alphabetical character", true),
        K::MissingYamlVersion => ("did not find expected version number", true),
        K::MissingYamlVersionSeparator => ("did not find expected digit or '.' character", true),
        K::YamlVersionTooLong => ("found extremely long version number", true),
        K::UnclosedVerbatimTag => ("did not find the expected '>'", true),
        K::InvalidTagTerminator | K::InvalidTagDirectiveTerminator => {
            ("did not find expected whitespace or line break", true)
        }
        K::ExpectedTagBang | K::ExpectedTagDirectiveBang => ("did not find expected '!'", true),
        K::UnclosedFlowCollection { .. } => ("did not find expected node content", false),
        _ => ("found character that cannot start any token", true),
    };
    let mut col = m.col();
    if let Some(b) = m.byte_offset() {
        let start = text
            .get(..b)
            .and_then(|s| s.rfind('\n'))
            .map_or(0, |i| i + 1);
        col = text.get(start..b).map_or(col, |s| s.chars().count());
    }
    syntax_error(msg, scanner, line0, col)
}

/// libyaml refuses a `\u`/`\U` escape naming a UTF-16 surrogate (even a valid pair) in a
/// double-quoted scalar starting at byte `start`; the error's mark is just after the
/// escape's letter.
pub(super) fn check_escapes(text: &str, start: usize, end: Option<usize>) -> Result<(), YamlError> {
    let src = text.get(start..end.unwrap_or(text.len())).unwrap_or("");
    let bytes = src.as_bytes();
    let mut i = 0;
    while let Some(&c) = bytes.get(i) {
        if c != b'\\' {
            i += 1;
            continue;
        }
        let len = match bytes.get(i + 1) {
            Some(b'u') => 4,
            Some(b'U') => 8,
            _ => {
                i += 2;
                continue;
            }
        };
        let hex = src.get(i + 2..i + 2 + len).unwrap_or("");
        if hex.len() == len && hex.bytes().all(|h| h.is_ascii_hexdigit()) {
            let v = u32::from_str_radix(hex, 16).unwrap_or(0);
            if (0xD800..=0xDFFF).contains(&v) || v > 0x10FFFF {
                let (line0, col) = position(text, start + i + 2);
                return Err(syntax_error(
                    "found invalid Unicode character escape code",
                    true,
                    line0,
                    col,
                ));
            }
        }
        i += 2 + len;
    }
    Ok(())
}

/// The 0-based line and character column of byte offset `at`.
fn position(text: &str, at: usize) -> (usize, usize) {
    let before = text.get(..at).unwrap_or(text);
    let line_start = before.rfind('\n').map_or(0, |p| p + 1);
    let col = before.get(line_start..).map_or(0, |s| s.chars().count());
    (before.matches('\n').count(), col)
}

/// Byte offset just after the flow collection opening at `start` (quotes and comments
/// skipped), or `None` when it is not closed.
fn flow_end(text: &str, start: usize) -> Option<usize> {
    let b = text.as_bytes();
    let mut depth = 0usize;
    let mut i = start;
    while let Some(&c) = b.get(i) {
        match c {
            b'{' | b'[' => depth += 1,
            b'}' | b']' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            b'"' | b'\'' if token_start(b, i) => i = quoted_end(b, i)?,
            b'#' if i > 0 && matches!(b.get(i - 1), Some(b' ' | b'\t' | b'\n')) => {
                while b.get(i).is_some_and(|&c| c != b'\n') {
                    i += 1;
                }
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// Whether a quote at `i` starts a quoted scalar (rather than sitting inside a plain one).
fn token_start(b: &[u8], i: usize) -> bool {
    i == 0
        || matches!(
            b.get(i - 1),
            Some(b' ' | b'\t' | b'\n' | b'\r' | b'[' | b'{' | b',' | b':')
        )
}

/// Index of the closing quote of the quoted scalar opening at `i`.
fn quoted_end(b: &[u8], i: usize) -> Option<usize> {
    let q = *b.get(i)?;
    let mut j = i + 1;
    loop {
        let c = *b.get(j)?;
        if q == b'"' && c == b'\\' {
            j += 2;
            continue;
        }
        if c == q {
            if q == b'\'' && b.get(j + 1) == Some(&b'\'') {
                j += 2;
                continue;
            }
            return Some(j);
        }
        j += 1;
    }
}

/// How the scanner reads the rest of a line after a possible simple key.
enum LineRest {
    /// A `:` at the top level: the key is a key.
    Value,
    /// A stray `}`/`]` or a `,` at this byte offset drops the simple key: the scanner
    /// reads no further.
    Dropped(usize),
    /// Neither: the line ends (or a comment starts) at this offset.
    End(usize),
    /// An unterminated quote.
    Open,
}

fn scan_line_rest(b: &[u8], from: usize) -> LineRest {
    let mut depth = 0usize;
    let mut j = from;
    while let Some(&c) = b.get(j) {
        match c {
            b'\n' => return LineRest::End(j),
            b'{' | b'[' => depth += 1,
            b'}' | b']' | b',' if depth == 0 => return LineRest::Dropped(j),
            b'}' | b']' => depth -= 1,
            b'"' | b'\'' if token_start(b, j) => match quoted_end(b, j) {
                Some(e) => j = e,
                None => return LineRest::Open,
            },
            b'#' if matches!(b.get(j.wrapping_sub(1)), Some(b' ' | b'\t')) => {
                return LineRest::End(j)
            }
            b':' if depth == 0
                && matches!(b.get(j + 1), None | Some(b' ' | b'\t' | b'\n' | b'\r')) =>
            {
                return LineRest::Value
            }
            _ => {}
        }
        j += 1;
    }
    LineRest::End(j)
}

/// go-yaml stops at the end of a root flow collection: the parser then only peeks at the
/// next token, and a stray `}` or `]` there is no error (the scanner does not check
/// nesting). When the collection sits on one line, the scanner has already read the rest
/// of that line while the collection could still be a simple key (up to a `:`, which
/// makes it a mapping key, or a stray closer or `,`, which drops the key). Returns the
/// text cut where go-yaml stops reading, when that leaves out something.
pub(super) fn root_flow_trailer(text: &str) -> Option<String> {
    let mut off = 0;
    let mut start = None;
    for line in text.split_inclusive('\n') {
        let t = line.trim_start_matches(' ');
        let content = t.trim_end_matches(['\n', '\r']);
        if content.is_empty() || content.starts_with('#') {
            off += line.len();
            continue;
        }
        if content.starts_with(['{', '[']) {
            start = Some(off + line.len() - t.len());
        }
        break;
    }
    let s = start?;
    let end = flow_end(text, s)?;
    let b = text.as_bytes();
    let mut i = end;
    if !text.get(s..end)?.contains('\n') {
        match scan_line_rest(b, end) {
            LineRest::Value | LineRest::Open => return None,
            LineRest::Dropped(j) => return text.get(..j).map(str::to_string),
            LineRest::End(j) => {
                let rest = text.get(end..j)?;
                if !rest.trim_matches([' ', '\t', '\r']).is_empty() {
                    return None;
                }
                i = j;
            }
        }
    }
    // The next token after the collection: a stray closer ends the document.
    let mut j = i;
    while let Some(&c) = b.get(j) {
        match c {
            b' ' | b'\t' | b'\r' | b'\n' => j += 1,
            b'#' => {
                while b.get(j).is_some_and(|&c| c != b'\n') {
                    j += 1;
                }
            }
            b'}' | b']' => return text.get(..j).map(str::to_string),
            _ => break,
        }
    }
    None
}

/// A go-yaml syntax error at 0-based `line0`: a scanner error shows `line0 + 1`, a
/// parser error `line0` (go-yaml's quirk), and nothing when `line0` is 0.
fn syntax_error(msg: &str, scanner: bool, line0: usize, col: usize) -> YamlError {
    let shown = if scanner { line0 + 1 } else { line0 };
    YamlError {
        msg: if line0 == 0 {
            format!("yaml: {msg}")
        } else {
            format!("yaml: line {shown}: {msg}")
        },
        line: line0 + 1,
        column: col + 1,
        kind: super::YamlErrorKind::Syntax,
    }
}

/// The 0-based line of libyaml's end-of-stream mark.
fn eof_line0(text: &str) -> usize {
    let n = text.matches('\n').count();
    if text.is_empty() || text.ends_with('\n') {
        n
    } else {
        n + 1
    }
}

/// The 0-based line of the first token at or after 0-based line `from`.
fn next_token_line0(text: &str, from: usize) -> usize {
    for (i, l) in text.split('\n').enumerate().skip(from) {
        let t = l.trim_matches([' ', '\t', '\r']);
        if !t.is_empty() && !t.starts_with('#') {
            return i;
        }
    }
    eof_line0(text)
}

/// libyaml refuses a tab in the indentation of the first content line (a simple key may
/// start there, so the tab is not skipped as white space).
pub(super) fn leading_tab_line(text: &str) -> Option<usize> {
    for (i, l) in text.split('\n').enumerate() {
        let t = l.trim_matches([' ', '\t', '\r', '\u{feff}']);
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        if t.starts_with("%") || t.starts_with("---") {
            return None;
        }
        let lead = &l[..l.len() - l.trim_start_matches([' ', '\t']).len()];
        return lead.contains('\t').then_some(i);
    }
    None
}

struct Decoder<'a> {
    nodes: &'a [Node],
    decode_count: u64,
    alias_count: u64,
    alias_depth: u32,
    /// Alias nodes being expanded (go-yaml's `d.aliases`).
    active: Vec<usize>,
    depth: usize,
}

fn allowed_alias_ratio(n: u64) -> f64 {
    const LOW: u64 = 400_000;
    const HIGH: u64 = 4_000_000;
    if n <= LOW {
        0.99
    } else if n >= HIGH {
        0.10
    } else {
        0.99 - 0.89 * ((n - LOW) as f64 / (HIGH - LOW) as f64)
    }
}

impl Decoder<'_> {
    fn count(&mut self) -> Result<(), YamlError> {
        self.decode_count += 1;
        if self.alias_depth > 0 {
            self.alias_count += 1;
        }
        if self.alias_count > 100
            && self.decode_count > 1000
            && self.alias_count as f64 / self.decode_count as f64
                > allowed_alias_ratio(self.decode_count)
        {
            return Err(YamlError::decode("document contains excessive aliasing"));
        }
        Ok(())
    }

    fn node(&self, i: usize) -> Result<&Node, YamlError> {
        self.nodes
            .get(i)
            .ok_or_else(|| YamlError::decode("internal error: missing node"))
    }

    fn unmarshal(&mut self, i: usize) -> Result<GoVal, YamlError> {
        self.count()?;
        self.depth += 1;
        if self.depth > MAX_DEPTH * 2 {
            return Err(YamlError::decode("exceeded max depth of 10000"));
        }
        let r = self.unmarshal_inner(i);
        self.depth -= 1;
        r
    }

    fn unmarshal_inner(&mut self, i: usize) -> Result<GoVal, YamlError> {
        match self.node(i)? {
            Node::Alias { target, name } => {
                let (target, name) = (*target, name.clone());
                if self.active.contains(&i) {
                    return Err(YamlError::decode(format!(
                        "anchor '{name}' value contains itself"
                    )));
                }
                self.active.push(i);
                self.alias_depth += 1;
                let r = self.unmarshal(target);
                self.alias_depth -= 1;
                self.active.pop();
                r
            }
            Node::Scalar {
                value,
                implicit,
                tag,
            } => scalar(value, *implicit, tag),
            Node::Seq(children) => {
                let children = children.clone();
                let mut out = Vec::with_capacity(children.len());
                for c in children {
                    out.push(self.unmarshal(c)?);
                }
                Ok(GoVal::Seq(out))
            }
            Node::Map(_) => {
                let mut m = GoMap::default();
                self.mapping_into(i, &mut m)?;
                Ok(GoVal::Map(m))
            }
        }
    }

    /// Decodes mapping node `i` into `out` (go-yaml's `d.mapping` on an existing map).
    fn mapping_into(&mut self, i: usize, out: &mut GoMap) -> Result<(), YamlError> {
        let Node::Map(children) = self.node(i)? else {
            return Err(YamlError::decode(
                "map merge requires map or sequence of maps as the value",
            ));
        };
        let children = children.clone();
        for pair in children.chunks(2) {
            let (&k, v) = match pair {
                [k, v] => (k, *v),
                _ => continue,
            };
            if self.is_merge(k) {
                self.merge(v, out)?;
                continue;
            }
            let key = self.unmarshal(k)?;
            if matches!(key, GoVal::Seq(_) | GoVal::Map(_)) {
                return Err(YamlError::decode(format!(
                    "invalid map key: {}",
                    go_sharp_v(&key)
                )));
            }
            let val = self.unmarshal(v)?;
            out.set(key, val);
        }
        Ok(())
    }

    fn is_merge(&self, i: usize) -> bool {
        matches!(self.nodes.get(i), Some(Node::Scalar { value, implicit, tag })
            if value == "<<" && (*implicit || tag == MERGE_TAG))
    }

    fn target_is_map(&self, i: usize) -> bool {
        match self.nodes.get(i) {
            Some(Node::Alias { target, .. }) => {
                matches!(self.nodes.get(*target), Some(Node::Map(_)))
            }
            Some(Node::Map(_)) => true,
            _ => false,
        }
    }

    fn merge(&mut self, i: usize, out: &mut GoMap) -> Result<(), YamlError> {
        let want_map =
            || YamlError::decode("map merge requires map or sequence of maps as the value");
        match self.node(i)? {
            Node::Map(_) => {
                self.count()?;
                self.mapping_into(i, out)
            }
            Node::Alias { .. } => {
                if !self.target_is_map(i) {
                    return Err(want_map());
                }
                self.merge_alias(i, out)
            }
            Node::Seq(children) => {
                let children = children.clone();
                for &c in children.iter().rev() {
                    if !self.target_is_map(c) {
                        return Err(want_map());
                    }
                    if matches!(self.node(c)?, Node::Alias { .. }) {
                        self.merge_alias(c, out)?;
                    } else {
                        self.count()?;
                        self.mapping_into(c, out)?;
                    }
                }
                Ok(())
            }
            Node::Scalar { .. } => Err(want_map()),
        }
    }

    fn merge_alias(&mut self, i: usize, out: &mut GoMap) -> Result<(), YamlError> {
        self.count()?;
        let Node::Alias { target, name } = self.node(i)? else {
            return Ok(());
        };
        let (target, name) = (*target, name.clone());
        if self.active.contains(&i) {
            return Err(YamlError::decode(format!(
                "anchor '{name}' value contains itself"
            )));
        }
        self.active.push(i);
        self.alias_depth += 1;
        let r = self.count().and_then(|_| self.mapping_into(target, out));
        self.alias_depth -= 1;
        self.active.pop();
        r
    }
}

fn short_tag(t: &str) -> String {
    match t.strip_prefix(CORE) {
        Some(s) => format!("!!{s}"),
        None => t.to_string(),
    }
}

/// go-yaml v2's scalar decoding into `interface{}`.
fn scalar(value: &str, implicit: bool, tag: &str) -> Result<GoVal, YamlError> {
    if tag.is_empty() && !implicit {
        return Ok(GoVal::Str(value.to_string()));
    }
    let resolvable = matches!(
        tag.strip_prefix(CORE),
        Some("str" | "bool" | "int" | "float" | "null" | "timestamp")
    ) || tag.is_empty();
    if !resolvable {
        if tag == BINARY_TAG {
            return match base64_std_decode(value) {
                Some(b) => Ok(GoVal::Str(String::from_utf8_lossy(&b).into_owned())),
                None => Err(YamlError::decode(
                    "!!binary value contains invalid base64 data",
                )),
            };
        }
        return Ok(GoVal::Str(value.to_string()));
    }
    if tag == STR_TAG {
        return Ok(GoVal::Str(value.to_string()));
    }
    let r = if tag.is_empty() || tag.ends_with(":timestamp") {
        resolve_plain(value)
    } else {
        // Tagged: the timestamp check only applies to untagged and !!timestamp values.
        match resolve_plain(value) {
            Resolved::Timestamp => resolve_untimed(value),
            other => other,
        }
    };
    let (rtag, v) = match r {
        Resolved::Null => ("null", GoVal::Nil),
        Resolved::Bool(b) => ("bool", GoVal::Bool(b)),
        Resolved::Int(i) => ("int", GoVal::Int(i)),
        Resolved::Uint(u) => ("int", GoVal::Uint(u)),
        Resolved::Float(f) => ("float", GoVal::Float(f)),
        Resolved::Timestamp => ("timestamp", GoVal::Str(value.to_string())),
        Resolved::Str => ("str", GoVal::Str(value.to_string())),
    };
    let want = tag.strip_prefix(CORE).unwrap_or("");
    if tag.is_empty() || want == rtag {
        return Ok(v);
    }
    if want == "float" {
        if let GoVal::Int(i) = v {
            return Ok(GoVal::Float(i as f64));
        }
    }
    Err(YamlError::decode(format!(
        "cannot decode {} `{}` as a {}",
        short_tag(&format!("{CORE}{rtag}")),
        value,
        short_tag(tag)
    )))
}

/// An untagged plain scalar as go-yaml v2 decodes it into `interface{}`.
pub(crate) fn plain_scalar(value: &str) -> GoVal {
    scalar(value, true, "").unwrap_or_else(|_| GoVal::Str(value.to_string()))
}

/// Resolution without the timestamp check (for explicitly tagged numbers).
fn resolve_untimed(value: &str) -> Resolved {
    let plain: String = value.chars().filter(|&c| c != '_').collect();
    match go_parse_float(&plain) {
        Some(f)
            if plain
                .bytes()
                .all(|c| c.is_ascii_digit() || b"+-.eE".contains(&c)) =>
        {
            Resolved::Float(f)
        }
        _ => Resolved::Str,
    }
}

/// Go's `base64.StdEncoding.DecodeString`: padded, `\r` and `\n` ignored.
pub(crate) fn base64_std_decode(s: &str) -> Option<Vec<u8>> {
    let mut vals = Vec::with_capacity(s.len());
    let mut pad = 0usize;
    for c in s.bytes() {
        if c == b'\r' || c == b'\n' {
            continue;
        }
        if c == b'=' {
            pad += 1;
            vals.push(64u8);
            continue;
        }
        if pad > 0 {
            return None;
        }
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        };
        vals.push(v);
    }
    if vals.len() % 4 != 0 || pad > 2 {
        return None;
    }
    let mut out = Vec::with_capacity(vals.len() / 4 * 3);
    for q in vals.chunks(4) {
        let [a, b, c, d] = [q[0], q[1], q[2], q[3]];
        if a == 64 || b == 64 {
            return None;
        }
        out.push((a << 2) | (b >> 4));
        if c != 64 {
            out.push((b << 4) | (c >> 2));
            if d != 64 {
                out.push((c << 6) | d);
            }
        } else if d != 64 {
            return None;
        }
    }
    Some(out)
}

/// Go's `%#v` of a decoded value (for go-yaml's `invalid map key` message).
fn go_sharp_v(v: &GoVal) -> String {
    match v {
        GoVal::Nil => "interface {}(nil)".to_string(),
        GoVal::Bool(b) => b.to_string(),
        GoVal::Int(i) => i.to_string(),
        GoVal::Uint(u) => format!("0x{u:x}"),
        GoVal::Float(f) => numfmt::format_g(*f, false),
        GoVal::Str(s) => numfmt::go_quote(s),
        GoVal::Seq(items) => {
            let parts: Vec<String> = items.iter().map(go_sharp_v).collect();
            format!("[]interface {{}}{{{}}}", parts.join(", "))
        }
        GoVal::Map(m) => {
            let mut parts: Vec<(String, String)> = m
                .entries
                .iter()
                .map(|(k, v)| (go_sharp_v(k), go_sharp_v(v)))
                .collect();
            parts.sort();
            let parts: Vec<String> = parts.into_iter().map(|(k, v)| format!("{k}:{v}")).collect();
            format!("map[interface {{}}]interface {{}}{{{}}}", parts.join(", "))
        }
    }
}

/// Go's `%+#v` for the `unsupported map key` message (same as `%#v` at top level,
/// except that `nil` prints `<nil>`).
fn go_plus_sharp_v(v: &GoVal) -> String {
    match v {
        GoVal::Nil => "<nil>".to_string(),
        other => go_sharp_v(other),
    }
}

/// sigs.k8s.io/yaml's conversion to JSON-compatible values, then `encoding/json`
/// encoding and decoding into `interface{}`: keys become strings, numbers `float64`,
/// non-finite floats fail.
pub(crate) fn to_json_value(v: &GoVal) -> Result<Value, YamlError> {
    let conv = convert(v)?;
    check_finite(&conv)?;
    Ok(conv)
}

fn convert(v: &GoVal) -> Result<Value, YamlError> {
    Ok(match v {
        GoVal::Nil => Value::Nil,
        GoVal::Bool(b) => Value::Bool(*b),
        GoVal::Int(i) => Value::Float(*i as f64),
        GoVal::Uint(u) => Value::Float(*u as f64),
        GoVal::Float(f) => Value::Float(*f),
        GoVal::Str(s) => Value::str(s),
        GoVal::Seq(items) => Value::list(items.iter().map(convert).collect::<Result<_, _>>()?),
        GoVal::Map(m) => {
            // Collected, then sorted once (a repeated key's last value wins).
            let mut out = Vec::with_capacity(m.entries.len());
            for (k, val) in &m.entries {
                out.push((json_key(k, val)?, convert(val)?));
            }
            Value::map(out.into_iter().collect::<Map>())
        }
    })
}

/// sigs.k8s.io/yaml's string form of the mapping key `k` (whose value is `val`, named in
/// the error for an unsupported key type).
pub(crate) fn json_key(k: &GoVal, val: &GoVal) -> Result<String, YamlError> {
    Ok(match k {
        GoVal::Str(s) => s.clone(),
        GoVal::Int(i) => i.to_string(),
        GoVal::Float(f) => {
            let s = numfmt::format_g32(*f);
            match s.as_str() {
                "+Inf" => ".inf".to_string(),
                "-Inf" => "-.inf".to_string(),
                "NaN" => ".nan".to_string(),
                _ => s,
            }
        }
        GoVal::Bool(b) => b.to_string(),
        GoVal::Nil | GoVal::Uint(_) | GoVal::Seq(_) | GoVal::Map(_) => {
            let ty = match k {
                GoVal::Nil => "%!s(<nil>)",
                GoVal::Uint(_) => "uint64",
                GoVal::Seq(_) => "[]interface {}",
                _ => "map[interface {}]interface {}",
            };
            return Err(YamlError::convert(format!(
                "unsupported map key of type: {ty}, key: {}, value: {}",
                go_plus_sharp_v(k),
                go_plus_sharp_v(val)
            )));
        }
    })
}

/// `encoding/json` refuses NaN and infinities; the first one in its (sorted) walk is named.
fn check_finite(v: &Value) -> Result<(), YamlError> {
    match v {
        Value::Float(f) if !f.is_finite() => {
            Err(YamlError::convert(super::json_unsupported_float(*f)))
        }
        Value::List(l) => l.iter().try_for_each(check_finite),
        Value::Map(m) => m.read().values().try_for_each(check_finite),
        _ => Ok(()),
    }
}
