//! A cheap read of a Kubernetes manifest's head (`apiVersion`, `kind`, `metadata.name`,
//! `metadata.annotations`), for Helm's `SimpleHead`.
//!
//! The parser's events are consumed as they come, without building a node tree; only the
//! parts of the document the head needs become values. Everything else is merely checked.
//! Whenever the document holds anything that could make the full read ([`super::from_yaml`])
//! fail or behave in a way this reader does not reproduce (a parse error, an alias, a merge
//! key, a tag, a null or too large integer key, a collection as a key, a non-finite
//! float, a non-mapping document, deep nesting), the fast read gives up and the caller
//! falls back to the full read, which then produces the exact result or error.

use std::borrow::Cow;

use granit_parser::{Event, Parser, ScalarStyle};

use super::reader::parser_options;
use super::resolve::{resolve_plain, Resolved};
use gotmpl::value::{Map, Value};

/// Deeper nesting than this is left to the full read (whose depth limit must apply).
const FAST_MAX_DEPTH: usize = 200;

/// Which entries of a kept mapping are kept.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Filter {
    /// All of them.
    All,
    /// The document's root: `apiVersion`, `kind`, `metadata`.
    Root,
    /// A mapping `metadata`: `name`, `annotations`.
    Meta,
}

impl Filter {
    fn keeps(self, key: &str) -> bool {
        match self {
            Filter::All => true,
            // encoding/json matches struct fields ignoring case (`Kind`, `METADATA`).
            Filter::Root => ["apiVersion", "kind", "metadata"]
                .iter()
                .any(|f| key.eq_ignore_ascii_case(f)),
            Filter::Meta => ["name", "annotations"]
                .iter()
                .any(|f| key.eq_ignore_ascii_case(f)),
        }
    }

    /// The filter of the value under `key` in a mapping with this filter.
    fn child(self, key: &str) -> Filter {
        if self == Filter::Root && key.eq_ignore_ascii_case("metadata") {
            Filter::Meta
        } else {
            Filter::All
        }
    }
}

enum Frame {
    /// A collection whose content is only checked; `want_key` for mappings.
    Skip { map: bool, want_key: bool },
    /// A kept mapping: its entries so far, and the key whose value comes next (`None`
    /// when that value is skipped; only meaningful when `!want_key`).
    Map {
        filter: Filter,
        out: Map,
        want_key: bool,
        key: Option<String>,
    },
    /// A kept sequence.
    Seq(Vec<Value>),
}

/// Where the next node goes.
enum Slot {
    /// The root node.
    Root,
    /// A mapping key.
    Key { kept_map: bool },
    /// A value that is only checked.
    Skip,
    /// A value that is kept, with the filter for a mapping there.
    Keep(Filter),
}

/// The fast read: `Some(value)` when the full read would succeed, with the head's parts of
/// its value (other entries left out), `None` when the caller must do the full read.
pub(super) fn head_fast(text: &str) -> Option<Value> {
    fast_read(text, Filter::Root, true)
}

/// The whole first document, read the same way (every entry kept): what
/// [`super::from_yaml`] gives, without its node tree, or `None` under the same
/// conditions as [`head_fast`] (and for a root flow collection that go-yaml reads only
/// in part).
pub(super) fn all_fast(text: &str) -> Option<Value> {
    all_read(text, true)
}

/// [`all_fast`] by the quick scanner alone: `None` whenever it does not read the
/// document to the end.
pub(super) fn quick_all(text: &str) -> Option<Value> {
    all_read(text, false)
}

fn all_read(text: &str, events: bool) -> Option<Value> {
    if super::reader::root_flow_trailer(text).is_some() {
        return None;
    }
    fast_read(text, Filter::All, events)
}

/// The fast read: the quick scanner, then (`events`) granit-parser's events for a
/// document outside the scanner's subset.
fn fast_read(text: &str, root_filter: Filter, events: bool) -> Option<Value> {
    // libyaml refuses tabs in many places of the block context that granit-parser
    // accepts; the full read checks them all, so a document with any tab takes it.
    if text.as_bytes().contains(&b'\t') || super::reader::unknown_directive_line(text).is_some() {
        return None;
    }
    // The common block-style subset is scanned here directly; anything outside it goes
    // through granit-parser's events.
    let mut sink = Sink::new(root_filter);
    match super::quick::read(text, &mut sink) {
        Ok(()) => return sink.finish(),
        Err(super::quick::Stop::Refused) => return None,
        Err(super::quick::Stop::Unsupported) if events => {}
        Err(super::quick::Stop::Unsupported) => return None,
    }
    let mut sink = Sink::new(root_filter);
    let mut parser = Parser::new_from_str_with_options(text, parser_options());
    let mut in_doc = false;
    while let Some(ev) = parser.next_event() {
        let (ev, span) = ev.ok()?;
        match ev {
            Event::StreamStart | Event::Anchor(..) => {}
            Event::StreamEnd => break,
            Event::DocumentStart(..) => in_doc = true,
            Event::DocumentEnd if in_doc => break,
            Event::DocumentEnd => {}
            Event::Alias(..) | Event::UnresolvedAlias(..) => return None,
            Event::Scalar(value, style, _, tag) => {
                if tag.is_some() {
                    return None;
                }
                // Escapes libyaml refuses (a lone surrogate, …) that granit-parser reads.
                if style == ScalarStyle::DoubleQuoted {
                    let from = span.start.byte_offset()?;
                    if text.get(from..span.end.byte_offset()?)?.contains('\\')
                        && super::reader::check_escapes(text, from, span.end.byte_offset()).is_err()
                    {
                        return None;
                    }
                }
                sink.scalar(value, style == ScalarStyle::Plain)?;
            }
            Event::SequenceStart(..) | Event::MappingStart(..) => {
                sink.open(matches!(ev, Event::MappingStart(..)))?;
            }
            Event::SequenceEnd | Event::MappingEnd => sink.close()?,
            #[allow(unreachable_patterns)]
            _ => {}
        }
    }
    sink.finish()
}

/// Builds the read's value from a document's nodes, as they come (the parser's events,
/// or the quick scanner's): scalars, and the starts and ends of collections. Each step
/// returns `None` when the document holds something the fast read leaves to the full one.
pub(super) struct Sink {
    root_filter: Filter,
    stack: Vec<Frame>,
    root: Option<Value>,
    root_done: bool,
}

impl Sink {
    fn new(root_filter: Filter) -> Sink {
        Sink {
            root_filter,
            stack: Vec::new(),
            root: None,
            root_done: false,
        }
    }

    /// An untagged scalar (`plain`: neither quoted nor a block scalar).
    pub(super) fn scalar(&mut self, value: Cow<'_, str>, plain: bool) -> Option<()> {
        if self.root_done {
            return None;
        }
        let done = match slot(&self.stack) {
            Slot::Root => return None,
            Slot::Key { kept_map } => {
                let key = check_key(&value, plain, kept_map)?;
                set_key(&mut self.stack, key.then(|| value.into_owned()));
                return Some(());
            }
            Slot::Skip => {
                check_skipped_scalar(&value, plain)?;
                None
            }
            Slot::Keep(_) => Some(kept_scalar(value.into_owned(), plain)?),
        };
        finish_node(&mut self.stack, done);
        Some(())
    }

    /// The start of a mapping (`map`) or a sequence.
    pub(super) fn open(&mut self, map: bool) -> Option<()> {
        if self.root_done || self.stack.len() >= FAST_MAX_DEPTH {
            return None;
        }
        let frame = match slot(&self.stack) {
            Slot::Root if map => Frame::Map {
                filter: self.root_filter,
                out: Map::new(),
                want_key: true,
                key: None,
            },
            Slot::Root | Slot::Key { .. } => return None,
            Slot::Skip => Frame::Skip {
                map,
                want_key: true,
            },
            Slot::Keep(filter) if map => Frame::Map {
                filter,
                out: Map::new(),
                want_key: true,
                key: None,
            },
            Slot::Keep(_) => Frame::Seq(Vec::new()),
        };
        self.stack.push(frame);
        Some(())
    }

    /// The end of the innermost open collection.
    pub(super) fn close(&mut self) -> Option<()> {
        let done = match self.stack.pop()? {
            Frame::Skip { .. } => None,
            Frame::Map { out, .. } => Some(Value::map(out)),
            Frame::Seq(items) => Some(Value::list(items)),
        };
        if self.stack.is_empty() {
            self.root = done;
            self.root_done = true;
        } else {
            finish_node(&mut self.stack, done);
        }
        Some(())
    }

    /// The value read: `Nil` for a document without nodes.
    fn finish(self) -> Option<Value> {
        if !self.stack.is_empty() {
            return None;
        }
        match (self.root_done, self.root) {
            (false, _) => Some(Value::Nil),
            (true, Some(v)) => Some(v),
            (true, None) => None,
        }
    }
}

fn slot(stack: &[Frame]) -> Slot {
    match stack.last() {
        None => Slot::Root,
        Some(Frame::Skip { map, want_key }) => {
            if *map && *want_key {
                Slot::Key { kept_map: false }
            } else {
                Slot::Skip
            }
        }
        Some(Frame::Map {
            filter,
            want_key,
            key,
            ..
        }) => {
            if *want_key {
                Slot::Key { kept_map: true }
            } else {
                match key {
                    Some(k) => Slot::Keep(filter.child(k)),
                    None => Slot::Skip,
                }
            }
        }
        Some(Frame::Seq(_)) => Slot::Keep(Filter::All),
    }
}

/// Records a mapping key (the top frame is a mapping that wants one); its text is only
/// needed in a kept mapping.
fn set_key(stack: &mut [Frame], key: Option<String>) {
    match stack.last_mut() {
        Some(Frame::Skip { want_key, .. }) => *want_key = false,
        Some(Frame::Map {
            filter,
            want_key,
            key: k,
            ..
        }) => {
            *want_key = false;
            *k = key.filter(|key| filter.keeps(key));
        }
        _ => {}
    }
}

/// Records a finished value node (`None` when it was skipped) in the top frame.
fn finish_node(stack: &mut [Frame], done: Option<Value>) {
    match stack.last_mut() {
        Some(Frame::Skip { map, want_key }) => *want_key = *map,
        Some(Frame::Map {
            out, want_key, key, ..
        }) => {
            *want_key = true;
            if let (Some(k), Some(v)) = (key.take(), done) {
                out.insert(k, v);
            }
        }
        Some(Frame::Seq(items)) => {
            if let Some(v) = done {
                items.push(v);
            }
        }
        None => {}
    }
}

/// Checks an untagged mapping key: `Some(kept)` when the fast read can go on (`kept`:
/// its text is needed as a kept mapping's key), `None` for anything the full read refuses
/// or that this reader leaves to it (a merge key, a null or `uint64` key, a non-finite
/// float; in a kept mapping, any key that is not a string).
fn check_key(value: &str, plain: bool, kept_map: bool) -> Option<bool> {
    if !plain {
        return Some(kept_map);
    }
    if value == "<<" {
        return None;
    }
    match resolve_plain(value) {
        Resolved::Str | Resolved::Timestamp => Some(kept_map),
        Resolved::Null | Resolved::Uint(_) => None,
        Resolved::Float(f) if !f.is_finite() => None,
        Resolved::Bool(_) | Resolved::Int(_) | Resolved::Float(_) => (!kept_map).then_some(false),
    }
}

/// Checks an untagged scalar value that is not kept: only a non-finite float can fail
/// (in `encoding/json`).
fn check_skipped_scalar(value: &str, plain: bool) -> Option<()> {
    if !plain {
        return Some(());
    }
    // Only texts starting with these can resolve to a float.
    match value.as_bytes().first() {
        Some(b'.' | b'+' | b'-' | b'0'..=b'9') => match resolve_plain(value) {
            Resolved::Float(f) if !f.is_finite() => None,
            _ => Some(()),
        },
        _ => Some(()),
    }
}

/// An untagged scalar as the full read gives it (after the JSON round trip).
fn kept_scalar(value: String, plain: bool) -> Option<Value> {
    if !plain {
        return Some(Value::str(value));
    }
    Some(match resolve_plain(&value) {
        Resolved::Null => Value::Nil,
        Resolved::Bool(b) => Value::Bool(b),
        Resolved::Int(i) => Value::Float(i as f64),
        Resolved::Uint(u) => Value::Float(u as f64),
        Resolved::Float(f) if f.is_finite() => Value::Float(f),
        Resolved::Float(_) => return None,
        Resolved::Timestamp | Resolved::Str => Value::str(value),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::head_fast;
    use crate::{from_yaml, from_yaml_head, to_json};
    use gotmpl::value::{Map, Value};

    /// The parts of a full read that the head read must reproduce.
    fn project(v: &Value) -> Value {
        let Value::Map(m) = v else {
            return v.clone();
        };
        let mut out = Map::new();
        for (k, x) in m.snapshot() {
            if !["apiVersion", "kind", "metadata"]
                .iter()
                .any(|f| k.eq_ignore_ascii_case(f))
            {
                continue;
            }
            let x = match &x {
                Value::Map(md) if k.eq_ignore_ascii_case("metadata") => {
                    let mut o = Map::new();
                    for (k2, y) in md.snapshot() {
                        if ["name", "annotations"]
                            .iter()
                            .any(|f| k2.eq_ignore_ascii_case(f))
                        {
                            o.insert(k2, y);
                        }
                    }
                    Value::map(o)
                }
                _ => x.clone(),
            };
            out.insert(k, x);
        }
        Value::map(out)
    }

    fn show(r: Result<Value, crate::YamlError>) -> String {
        match r {
            Ok(v) => {
                let p = project(&v);
                format!("{} {}", p.kind_name(), to_json(&p).unwrap_or_else(|e| e.0))
            }
            Err(e) => format!("ERR {e} @{}:{}", e.line, e.column),
        }
    }

    fn same(text: &str) {
        assert_eq!(
            show(from_yaml_head(text)),
            show(from_yaml(text)),
            "document: {text:?}"
        );
    }

    #[test]
    fn head_read_matches_full_read() {
        let cases = [
            "",
            "# only a comment\n",
            "---\n",
            "~",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  labels: {a: b}\ndata:\n  big: |\n    line1\n    line2\n",
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations:\n    helm.sh/hook: pre-install,post-install\n    helm.sh/hook-weight: \"-5\"\n    n: 5\n    t: yes\n    z: ~\n",
            "kind: 1\n",
            "kind: [a]\n",
            "apiVersion: {a: 1}\n",
            "metadata: foo\n",
            "metadata: [1]\n",
            "metadata: {name: 0x10, annotations: [a]}\n",
            "metadata: {name: n, annotations: {a: {b: c}}}\n",
            "metadata: {name: n, annotations: null}\n",
            "metadata:\nmetadata: {name: b}\n",
            "kind: A\nkind: B\nmetadata: {name: a, name: b}\n",
            "- a\n- b\n",
            "just a string\n",
            "kind: Pod\nspec:\n  x: .inf\n",
            "kind: Pod\nspec:\n  x: -.Inf\n  y: .nan\n",
            "kind: Pod\nspec:\n  x: 1e999\n",
            "kind: Pod\nspec:\n  ~: 1\n",
            "kind: Pod\nspec:\n  18446744073709551615: 1\n",
            "kind: Pod\nspec:\n  9223372036854775807: 1\n  true: 2\n  1.5: 3\n",
            "kind: Pod\nspec:\n  ? [a]\n  : 1\n",
            "kind: Pod\nspec: {[a]: 1}\n",
            "kind: Pod\nspec:\n  a: &x {b: 1}\n  c: *x\n",
            "kind: Pod\nspec:\n  c: *nope\n",
            "kind: Pod\nspec:\n  a: &x {b: 1}\n  <<: *x\n",
            "kind: Pod\nspec:\n  <<: 1\n",
            "kind: Pod\nspec:\n  a: !!int foo\n",
            "kind: Pod\nspec:\n  a: !!binary \"***\"\n",
            "kind: !!str Pod\n",
            "kind: Pod\nspec:\n  a: b: c\n",
            "kind: Pod\nmetadata:\n  name: x\n spec: 1\n",
            "\tkind: Pod\n",
            "kind: Pod\nspec:\n  a: [1, 2\n",
            "kind: Pod\n---\nkind: [broken\n",
            "{kind: Pod} trailing ]\n",
            "kind: Pod\nmetadata:\n  name: x\n  name: y\n  annotations:\n    a: '1'\n    a: '2'\n",
            "kind: \"Pod\"\nmetadata:\n  \"name\": 'x'\n  annotations: {'a': \"b\", 1: c}\n",
            "true: 1\nkind: Pod\n",
            "2001-12-14: x\nkind: Pod\n",
            "kind: Pod\nmetadata:\n  name: 2001-12-14\n  annotations: {a: 2001-12-14t21:59:43.10-05:00}\n",
            "kind: Pod\nspec:\n  list:\n  - a\n  - {b: [c, {d: .inf}]}\n",
            "kind: Pod\nspec: \"unterminated\n",
        ];
        for c in cases {
            same(c);
        }
    }

    #[test]
    fn fast_path_taken_for_plain_manifests() {
        let doc = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  labels: {a: b}\ndata:\n  k: v\n";
        let v = head_fast(doc).unwrap();
        assert_eq!(
            to_json(&v).unwrap(),
            r#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x"}}"#
        );
        // Anything the full read might refuse is left to it.
        for doc in [
            "kind: Pod\nx: .inf\n",
            "kind: Pod\nx: *a\n",
            "kind: Pod\nx: [1\n",
            "kind: Pod\nx: {~: 1}\n",
            "[a]\n",
        ] {
            assert!(head_fast(doc).is_none(), "{doc:?}");
        }
    }

    fn yaml_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        let Ok(rd) = std::fs::read_dir(dir) else {
            return;
        };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                yaml_files(&p, out);
            } else if p
                .extension()
                .is_some_and(|x| x == "yaml" || x == "yml" || x == "golden" || x == "txt")
            {
                out.push(p);
            }
        }
    }

    /// Every document of the repository's charts and test data (templates included, many of
    /// them not valid YAML) reads the same both ways; `HEAD_DIFF_DIR` adds a directory.
    #[test]
    fn head_read_matches_full_read_on_real_files() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let mut files = Vec::new();
        yaml_files(&root.join("charts"), &mut files);
        yaml_files(&root.join("testdata"), &mut files);
        if let Ok(d) = std::env::var("HEAD_DIFF_DIR") {
            yaml_files(std::path::Path::new(&d), &mut files);
        }
        let mut docs = 0;
        for f in files {
            let Ok(text) = std::fs::read_to_string(&f) else {
                continue;
            };
            for d in text.split("\n---") {
                same(d);
                docs += 1;
            }
        }
        assert!(docs > 100, "only {docs} documents found");
    }
}
