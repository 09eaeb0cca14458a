//! A subset of Kubernetes' JSONPath templates (client-go `util/jsonpath`), as
//! `helm show values --jsonpath` uses them: text outside `{…}`, and inside an action
//! `$`/`@`, `.field`, `..field` (recursive descent), `.*`/`[*]`, `[n]`, `[a:b:c]`,
//! `['key']`, unions `[a,b]`, quoted text, filters `[?(@.k=="v")]` (`==`, `!=`, `<`,
//! `<=`, `>`, `>=` and bare existence, compared as client-go's forked text/template does)
//! and `{range …}…{end}` loops.
//!
//! ```
//! use chart_core::action::show::jsonpath::JsonPath;
//! let v = goyaml::from_yaml("a: {b: [1, x]}").unwrap();
//! assert_eq!(JsonPath::parse("{.a.b[1]}").unwrap().execute(&v).unwrap(), "x");
//! ```

use gotmpl::Value;

/// One step of an action.
#[derive(Clone, Debug, PartialEq)]
enum Node {
    /// Literal text (outside braces, or a quoted string inside).
    Text(String),
    /// `.name` / `['name']`.
    Field(String),
    /// `.*` / `[*]`-like wildcard over a map's values or a list's items.
    Wildcard,
    /// `..`: the value and all its descendants.
    Recursive,
    /// `[start:end:step]`.
    Array([Param; 3]),
    /// `[a,b,…]`: each branch evaluated on the same input.
    Union(Vec<Vec<Node>>),
    /// An integer literal.
    Int(i64),
    /// A float literal.
    Float(f64),
    /// `true`/`false`.
    Bool(bool),
    /// An identifier: `range` and `end` act while evaluating (as in client-go), any other
    /// fails then (`unrecognized identifier`), not while parsing.
    Ident(String),
    /// `[?(LEFT OP RIGHT)]`, or `[?(LEFT)]` (op `exists`): the items of a list for which
    /// the comparison holds.
    Filter {
        left: Vec<Node>,
        right: Vec<Node>,
        op: String,
    },
}

/// client-go's range bookkeeping while a template is evaluated.
#[derive(Default)]
struct RangeState {
    begin: usize,
    end: usize,
    inside: usize,
    /// Index (in the template's pieces) of the `{end}` that closed the last range.
    last_end: Option<usize>,
}

/// A slice bound: `known` when written (or derived for a bare index).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct Param {
    value: i64,
    known: bool,
    derived: bool,
}

/// A top-level piece: text outside braces or one `{…}` action.
#[derive(Clone, Debug, PartialEq)]
enum Piece {
    Text(String),
    Action(Vec<Node>),
}

/// A parsed JSONPath template.
#[derive(Clone, Debug, PartialEq)]
pub struct JsonPath {
    pieces: Vec<Piece>,
}

fn is_terminator(c: char) -> bool {
    matches!(
        c,
        ' ' | '\t' | '\r' | '\n' | '.' | ',' | '[' | ']' | '$' | '@' | '{' | '}'
    )
}

fn is_alnum(c: char) -> bool {
    c == '_' || c.is_alphanumeric()
}

struct Parser<'a> {
    s: &'a str,
    pos: usize,
}

impl Parser<'_> {
    fn rest(&self) -> &str {
        self.s.get(self.pos..).unwrap_or("")
    }
    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }
    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    /// Parses the inside of one action up to and including `}`.
    fn action(&mut self, top: bool) -> Result<Vec<Node>, String> {
        let mut nodes = Vec::new();
        loop {
            let rest = self.rest();
            if rest.starts_with('}') && top {
                self.pos += 1;
                return Ok(nodes);
            }
            if rest.starts_with("[?(") {
                nodes.push(self.filter()?);
                continue;
            }
            if rest.starts_with("..") {
                if nodes.last() == Some(&Node::Recursive) {
                    return Err("invalid multiple recursive descent".into());
                }
                self.pos += 2;
                nodes.push(Node::Recursive);
                if self.peek().is_some_and(is_alnum) {
                    nodes.push(self.field());
                }
                continue;
            }
            let Some(c) = self.bump() else {
                if top {
                    return Err("unclosed action".into());
                }
                return Ok(nodes);
            };
            match c {
                '\r' | '\n' => return Err("unclosed action".into()),
                ' ' | '@' | '$' => {}
                '[' => nodes.push(self.array()?),
                '"' | '\'' => nodes.push(self.quote(c)?),
                '.' => nodes.push(self.field()),
                '+' | '-' => nodes.push(self.number(self.pos - 1)?),
                c if c.is_ascii_digit() => nodes.push(self.number(self.pos - 1)?),
                c if is_alnum(c) => {
                    let start = self.pos - c.len_utf8();
                    while self.peek().is_some_and(|c| !is_terminator(c)) {
                        self.bump();
                    }
                    let word = self.s.get(start..self.pos).unwrap_or("");
                    match word {
                        // Go's strconv.ParseBool spellings.
                        "t" | "T" | "TRUE" | "true" | "True" => nodes.push(Node::Bool(true)),
                        "f" | "F" | "FALSE" | "false" | "False" => nodes.push(Node::Bool(false)),
                        other => nodes.push(Node::Ident(other.to_string())),
                    }
                }
                other => {
                    return Err(format!(
                        "unrecognized character in action: U+{:04X} '{other}'",
                        other as u32
                    ))
                }
            }
        }
    }

    fn field(&mut self) -> Node {
        let start = self.pos;
        while let Some(c) = self.peek() {
            if c == '\\' {
                self.bump();
                self.bump();
            } else if is_terminator(c) {
                break;
            } else {
                self.bump();
            }
        }
        let v = self.s.get(start..self.pos).unwrap_or("");
        if v == "*" {
            Node::Wildcard
        } else {
            Node::Field(v.replace('\\', ""))
        }
    }

    fn number(&mut self, start: usize) -> Result<Node, String> {
        while self.peek().is_some_and(|c| c == '.' || c.is_ascii_digit()) {
            self.bump();
        }
        let text = self.s.get(start..self.pos).unwrap_or("");
        if let Ok(i) = text.parse::<i64>() {
            return Ok(Node::Int(i));
        }
        text.parse::<f64>()
            .map(Node::Float)
            .map_err(|_| format!("cannot parse number {text}"))
    }

    fn quote(&mut self, q: char) -> Result<Node, String> {
        let start = self.pos - 1;
        let mut prev = q;
        loop {
            match self.bump() {
                None | Some('\n') => return Err("unterminated quoted string".into()),
                Some(c) if c == q && prev != '\\' => break,
                Some(c) => prev = c,
            }
        }
        let raw = self.s.get(start..self.pos).unwrap_or("");
        unquote(raw).map(Node::Text)
    }

    /// client-go's `parseFilter`: scans to the `)` that is not inside the one quoted
    /// string allowed, expects `]`, then splits `LEFT OP RIGHT` and parses each side as an
    /// action of its own.
    fn filter(&mut self) -> Result<Node, String> {
        self.pos += 3;
        let start = self.pos;
        let (mut begin, mut end) = (false, false);
        let mut pair = '\0';
        loop {
            let Some(c) = self.bump() else {
                return Err("unterminated filter".into());
            };
            match c {
                '\n' => return Err("unterminated filter".into()),
                '"' | '\'' => {
                    if !begin {
                        begin = true;
                        pair = c;
                        continue;
                    }
                    let before = self.s.as_bytes().get(self.pos.wrapping_sub(2)).copied();
                    if before != Some(b'\\') && c == pair {
                        end = true;
                    }
                }
                ')' if begin == end => break,
                _ => {}
            }
        }
        if self.bump() != Some(']') {
            return Err("unclosed array expect ]".into());
        }
        let text = self.s.get(start..self.pos - 2).unwrap_or("");
        let sub = |t: &str| -> Result<Vec<Node>, String> {
            let inner = format!("{{{t}}}");
            let parsed = JsonPath::parse(&inner)?;
            Ok(match parsed.pieces.into_iter().next() {
                Some(Piece::Action(nodes)) => nodes,
                _ => Vec::new(),
            })
        };
        match split_comparison(text) {
            None => Ok(Node::Filter {
                left: sub(text)?,
                right: Vec::new(),
                op: "exists".into(),
            }),
            Some((l, op, r)) => Ok(Node::Filter {
                left: sub(l)?,
                right: sub(r)?,
                op: op.to_string(),
            }),
        }
    }

    fn array(&mut self) -> Result<Node, String> {
        let start = self.pos;
        loop {
            match self.bump() {
                None | Some('\n') => return Err("unterminated array".into()),
                Some(']') => break,
                Some(_) => {}
            }
        }
        let text = self.s.get(start..self.pos - 1).unwrap_or("");
        parse_index(text)
    }
}

/// `^([^!<>=]+)([!<>=]+)(.+?)$` of client-go's filter: the left side, the operator (a run
/// of `!<>=`, leaving at least one character for the right side) and the right side.
fn split_comparison(text: &str) -> Option<(&str, &str, &str)> {
    let is_op = |c: char| matches!(c, '!' | '<' | '>' | '=');
    let i = text.find(is_op)?;
    if i == 0 {
        return None;
    }
    let run = text[i..]
        .find(|c: char| !is_op(c))
        .map_or(text.len(), |n| i + n);
    if run < text.len() {
        return Some((&text[..i], &text[i..run], &text[run..]));
    }
    // The run reaches the end: its last character becomes the right side.
    if run - i >= 2 {
        return Some((&text[..i], &text[i..run - 1], &text[run - 1..]));
    }
    None
}

/// Parses the text between `[` and `]`.
fn parse_index(text: &str) -> Result<Node, String> {
    let text = if text == "*" { ":" } else { text };
    let parts: Vec<&str> = text.split(',').collect();
    if parts.len() > 1 {
        let mut branches = Vec::new();
        for p in parts {
            let inner = format!("[{}]", p.trim_matches(' '));
            let mut sub = Parser { s: &inner, pos: 0 };
            branches.push(sub.action(false)?);
        }
        return Ok(Node::Union(branches));
    }
    if text.len() >= 2 && text.starts_with('\'') && text.ends_with('\'') {
        let key = text.get(1..text.len() - 1).unwrap_or("");
        if !key.contains('\'') {
            let inner = format!(".{key}");
            let mut sub = Parser { s: &inner, pos: 0 };
            let mut nodes = sub.action(false)?;
            return match (nodes.len(), nodes.pop()) {
                (1, Some(n)) => Ok(n),
                (_, n) => Ok(Node::Union(vec![n.into_iter().collect()])),
            };
        }
    }
    // `start(:end)?(:step)?`, each an optional signed integer.
    let segs: Vec<&str> = text.split(':').collect();
    let valid = segs.len() <= 3
        && segs.iter().all(|s| {
            let d = s.strip_prefix('-').unwrap_or(s);
            d.chars().all(|c| c.is_ascii_digit())
        });
    if !valid {
        return Err(format!("invalid array index {text}"));
    }
    let mut params = [Param::default(); 3];
    for i in 0..3 {
        let seg = segs.get(i).copied();
        match seg {
            Some(s) if !s.is_empty() => {
                let v: i64 = s
                    .parse()
                    .map_err(|_| format!("array index {s} is not a number"))?;
                params[i] = Param {
                    value: v,
                    known: true,
                    derived: false,
                };
            }
            // Written but empty (`[1:]`): unknown.
            Some(_) if i > 0 => {}
            _ => {
                if i == 1 {
                    params[1] = Param {
                        value: params[0].value + 1,
                        known: true,
                        derived: true,
                    };
                }
            }
        }
    }
    Ok(Node::Array(params))
}

/// client-go's `UnquoteExtend`: Go's unquoting for `"…"` and `'…'`.
fn unquote(s: &str) -> Result<String, String> {
    let err = || format!("unquote string {s} error invalid syntax");
    let q = s.chars().next().ok_or_else(err)?;
    let body = s
        .get(1..s.len().saturating_sub(1))
        .filter(|_| s.len() >= 2 && s.ends_with(q))
        .ok_or_else(err)?;
    let mut out = String::new();
    let mut it = body.chars();
    while let Some(c) = it.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match it.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('\\') => out.push('\\'),
            Some('\'') => out.push('\''),
            Some('"') => out.push('"'),
            Some('a') => out.push('\x07'),
            Some('b') => out.push('\x08'),
            Some('f') => out.push('\x0c'),
            Some('v') => out.push('\x0b'),
            _ => return Err(err()),
        }
    }
    Ok(out)
}

impl JsonPath {
    /// Parses a template (`{.a.b}`, `name: {.name}`, …).
    pub fn parse(text: &str) -> Result<JsonPath, String> {
        let mut pieces = Vec::new();
        let mut p = Parser { s: text, pos: 0 };
        while p.pos < text.len() {
            match p.rest().find('{') {
                Some(0) => {
                    p.pos += 1;
                    pieces.push(Piece::Action(p.action(true)?));
                }
                Some(i) => {
                    pieces.push(Piece::Text(p.rest().get(..i).unwrap_or("").to_string()));
                    p.pos += i;
                }
                None => {
                    pieces.push(Piece::Text(p.rest().to_string()));
                    p.pos = text.len();
                }
            }
        }
        Ok(JsonPath { pieces })
    }

    /// Evaluates the template on `data`; an error (a missing key, an index out of range)
    /// means nothing is printed, as client-go finds every result before printing.
    pub fn execute(&self, data: &Value) -> Result<String, String> {
        let mut groups = Vec::new();
        self.find_results(0, data, &mut RangeState::default(), &mut groups)?;
        let mut out = String::new();
        for g in groups {
            let texts: Vec<String> = g.iter().map(print_value).collect::<Result<_, _>>()?;
            out.push_str(&texts.join(" "));
        }
        Ok(out)
    }

    /// client-go's `FindResults` from piece `start` on: a `range` action runs the pieces
    /// after it once per result, up to its `end`.
    fn find_results(
        &self,
        start: usize,
        data: &Value,
        st: &mut RangeState,
        full: &mut Vec<Vec<Value>>,
    ) -> Result<(), String> {
        let mut i = start;
        while i < self.pieces.len() {
            let results = match &self.pieces[i] {
                Piece::Text(t) => vec![Value::str(t)],
                Piece::Action(nodes) => eval_list(vec![data.clone()], nodes, st)?,
            };
            if st.end > 0 && st.end <= st.inside {
                st.end -= 1;
                st.last_end = Some(i);
                break;
            }
            if st.begin > 0 {
                st.begin -= 1;
                st.inside += 1;
                if results.is_empty() {
                    // The body still runs once (its output dropped) to find the `end`.
                    self.find_results(i + 1, &Value::Nil, st, &mut Vec::new())?;
                } else {
                    for v in &results {
                        self.find_results(i + 1, v, st, full)?;
                    }
                }
                st.inside -= 1;
                if let Some(e) = st.last_end.filter(|e| *e > i) {
                    i = e;
                }
                i += 1;
                continue;
            }
            full.push(results);
            i += 1;
        }
        Ok(())
    }
}

fn print_value(v: &Value) -> Result<String, String> {
    match v {
        Value::Map(_) | Value::List(_) => goyaml::to_json(v).map_err(|e| e.to_string()),
        Value::Nil => Ok("null".into()),
        other => Ok(gotmpl::fmt::format_v(other)),
    }
}

fn eval_list(
    mut cur: Vec<Value>,
    nodes: &[Node],
    st: &mut RangeState,
) -> Result<Vec<Value>, String> {
    for n in nodes {
        cur = eval(cur, n, st)?;
    }
    Ok(cur)
}

/// The children of a map (values, keys sorted) or a list (items).
fn children(v: &Value) -> Vec<Value> {
    match v {
        Value::Map(m) => {
            let snap = m.snapshot();
            let mut keys: Vec<&String> = snap.keys().collect();
            keys.sort();
            keys.into_iter()
                .filter_map(|k| snap.get(k).cloned())
                .collect()
        }
        Value::List(l) => l.to_vec(),
        Value::Str(s) => s
            .bytes()
            .map(|b| Value::Int(i64::from(b), gotmpl::value::IntKind::Uint8))
            .collect(),
        _ => Vec::new(),
    }
}

fn eval(input: Vec<Value>, node: &Node, st: &mut RangeState) -> Result<Vec<Value>, String> {
    match node {
        Node::Ident(w) if w == "range" => {
            st.begin += 1;
            Ok(input)
        }
        Node::Ident(w) if w != "end" => Err(format!("unrecognized identifier {w}")),
        Node::Ident(_) => {
            if st.inside == 0 {
                return Err("not in range, nothing to end".into());
            }
            st.end += 1;
            Ok(Vec::new())
        }
        Node::Text(t) => Ok(vec![Value::str(t)]),
        Node::Int(i) => Ok(input.iter().map(|_| Value::int(*i)).collect()),
        Node::Float(f) => Ok(input.iter().map(|_| Value::Float(*f)).collect()),
        Node::Bool(b) => Ok(input.iter().map(|_| Value::Bool(*b)).collect()),
        Node::Field(name) => {
            if input.is_empty() {
                return Ok(Vec::new());
            }
            let mut out = Vec::new();
            for v in &input {
                if let Value::Map(m) = v {
                    if let Some(x) = m.get(name) {
                        out.push(x);
                    }
                }
            }
            if out.is_empty() {
                return Err(format!("{name} is not found"));
            }
            Ok(out)
        }
        Node::Wildcard => Ok(input.iter().flat_map(children).collect()),
        Node::Filter { left, right, op } => eval_filter(&input, left, right, op, st),
        Node::Recursive => {
            let mut out = Vec::new();
            recursive(&input, &mut out);
            Ok(out)
        }
        Node::Union(branches) => {
            let mut out = Vec::new();
            for b in branches {
                out.extend(eval_list(input.clone(), b, st)?);
            }
            Ok(out)
        }
        Node::Array(params) => {
            let mut out = Vec::new();
            for v in &input {
                let items = match v {
                    Value::Nil => continue,
                    Value::List(l) => l.to_vec(),
                    other => return Err(format!("{} is not array or slice", other.type_name())),
                };
                let len = items.len() as i64;
                let mut p = *params;
                if !p[0].known {
                    p[0].value = 0;
                }
                if p[0].value < 0 {
                    p[0].value += len;
                }
                if !p[1].known {
                    p[1].value = len;
                }
                if p[1].value < 0 || (p[1].value == 0 && p[1].derived) {
                    p[1].value += len;
                }
                if p[1].value == p[0].value {
                    return Ok(out);
                }
                if p[0].value >= len || p[0].value < 0 {
                    return Err(format!(
                        "array index out of bounds: index {}, length {len}",
                        p[0].value
                    ));
                }
                if p[1].value > len || p[1].value < 0 {
                    return Err(format!(
                        "array index out of bounds: index {}, length {len}",
                        p[1].value - 1
                    ));
                }
                if p[0].value > p[1].value {
                    return Err(format!(
                        "starting index {} is greater than ending index {}",
                        p[0].value, p[1].value
                    ));
                }
                let step = if p[2].known {
                    if p[2].value <= 0 {
                        return Err("step must be > 0".into());
                    }
                    p[2].value
                } else {
                    1
                };
                let (a, b) = (p[0].value as usize, p[1].value as usize);
                out.extend(
                    items
                        .get(a..b)
                        .unwrap_or(&[])
                        .iter()
                        .step_by(step as usize)
                        .cloned(),
                );
            }
            Ok(out)
        }
    }
}

/// What a filter's side evaluates to when only its existence counts: client-go keeps the
/// values reached before a failing step that returns its input (array, union, filter) and
/// has none after a missing field.
fn eval_exists(input: Vec<Value>, nodes: &[Node], st: &mut RangeState) -> Vec<Value> {
    let mut cur = input;
    for n in nodes {
        match eval(cur.clone(), n, st) {
            Ok(v) => cur = v,
            Err(_) => {
                return match n {
                    Node::Array(_) | Node::Union(_) | Node::Filter { .. } => cur,
                    _ => Vec::new(),
                }
            }
        }
    }
    cur
}

/// The kind client-go's template comparisons give a value: helm's values hold every
/// number as a float64 (sigs.k8s.io/yaml), only an integer literal of the path is an int.
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Bool,
    Int,
    Float,
    Str,
}

fn kind_of(v: &Value, int_literal: bool) -> Result<Kind, String> {
    match v {
        Value::Bool(_) => Ok(Kind::Bool),
        Value::Int(..) if int_literal => Ok(Kind::Int),
        Value::Int(..) | Value::Float(_) => Ok(Kind::Float),
        Value::Str(_) => Ok(Kind::Str),
        _ => Err("invalid type for comparison".into()),
    }
}

fn as_f64(v: &Value) -> f64 {
    match v {
        Value::Int(i, _) => *i as f64,
        Value::Float(f) => *f,
        _ => 0.0,
    }
}

/// `template.Equal` / `template.Less` of client-go's forked text/template.
fn compare(op: &str, l: (&Value, Kind), r: (&Value, Kind)) -> Result<bool, String> {
    let equal = || -> Result<bool, String> {
        if l.1 != r.1 {
            return Err("incompatible types for comparison".into());
        }
        Ok(match (l.0, r.0) {
            (Value::Bool(a), Value::Bool(b)) => a == b,
            (Value::Str(a), Value::Str(b)) => a == b,
            (Value::Int(a, _), Value::Int(b, _)) if l.1 == Kind::Int => a == b,
            (a, b) => as_f64(a) == as_f64(b),
        })
    };
    let less = || -> Result<bool, String> {
        if l.1 != r.1 {
            return Err("incompatible types for comparison".into());
        }
        Ok(match (l.0, r.0) {
            (Value::Bool(_), _) => return Err("invalid type for comparison".into()),
            (Value::Str(a), Value::Str(b)) => a.as_bytes() < b.as_bytes(),
            (Value::Int(a, _), Value::Int(b, _)) if l.1 == Kind::Int => a < b,
            (a, b) => as_f64(a) < as_f64(b),
        })
    };
    match op {
        "==" => equal(),
        "!=" => equal().map(|e| !e),
        "<" => less(),
        "<=" => Ok(less()? || equal()?),
        ">" => Ok(!(less()? || equal()?)),
        ">=" => less().map(|x| !x),
        other => Err(format!("unrecognized filter operator {other}")),
    }
}

/// client-go's `evalFilter`.
fn eval_filter(
    input: &[Value],
    left: &[Node],
    right: &[Node],
    op: &str,
    st: &mut RangeState,
) -> Result<Vec<Value>, String> {
    let literal = |nodes: &[Node]| matches!(nodes.last(), Some(Node::Int(_)));
    let mut out = Vec::new();
    for v in input {
        let Value::List(items) = v else {
            return Err(format!(
                "{} is not array or slice and cannot be filtered",
                gotmpl::fmt::format_v(v)
            ));
        };
        for item in items.iter().cloned() {
            if op == "exists" {
                if !eval_exists(vec![item.clone()], left, st).is_empty() {
                    out.push(item);
                }
                continue;
            }
            let lefts = eval_list(vec![item.clone()], left, st)?;
            match lefts.len() {
                0 => continue,
                1 => {}
                _ => return Err("can only compare one element at a time".into()),
            }
            let rights = eval_list(vec![item.clone()], right, st)?;
            match rights.len() {
                0 => continue,
                1 => {}
                _ => return Err("can only compare one element at a time".into()),
            }
            let lk = kind_of(&lefts[0], literal(left))?;
            let rk = kind_of(&rights[0], literal(right))?;
            if compare(op, (&lefts[0], lk), (&rights[0], rk))? {
                out.push(item);
            }
        }
    }
    Ok(out)
}

fn recursive(input: &[Value], out: &mut Vec<Value>) {
    for v in input {
        if matches!(v, Value::Nil) {
            continue;
        }
        let kids = children(v);
        if !kids.is_empty() {
            out.push(v.clone());
            recursive(&kids, out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(tpl: &str, yaml: &str) -> Result<String, String> {
        let v = goyaml::from_yaml(yaml).map_err(|e| e.to_string())?;
        JsonPath::parse(tpl)?.execute(&v)
    }

    #[test]
    fn fields_indexes_and_text() {
        let y = "a: {b: [p, q, r], num: 5432, t: true}\nc: {d: 1}";
        assert_eq!(run("{.a.b[1]}", y).as_deref(), Ok("q"));
        assert_eq!(run("{.a.b[-1]}", y).as_deref(), Ok("r"));
        assert_eq!(run("{.a.b[0:2]}", y).as_deref(), Ok("p q"));
        assert_eq!(run("{.a.b[*]}", y).as_deref(), Ok("p q r"));
        assert_eq!(
            run("n={.a.num} t={.a.t}", y).as_deref(),
            Ok("n=5432 t=true")
        );
        assert_eq!(run("{.a.b}", y).as_deref(), Ok(r#"["p","q","r"]"#));
        assert_eq!(run("{.c}", y).as_deref(), Ok(r#"{"d":1}"#));
        assert_eq!(run("{$.a['num','t']}", y).as_deref(), Ok("5432 true"));
        assert_eq!(run("{..d}", y).as_deref(), Ok("1"));
        assert!(run("{.nope}", y).is_err());
        assert!(run("{.a.b[5]}", y).is_err());
    }

    #[test]
    fn parse_errors() {
        assert_eq!(
            JsonPath::parse("{.a").err().as_deref(),
            Some("unclosed action")
        );
        assert_eq!(
            JsonPath::parse("{[\"a\"]}").err().as_deref(),
            Some("invalid array index \"a\"")
        );
        assert_eq!(
            JsonPath::parse("{.a[?(@.x}").err().as_deref(),
            Some("unterminated filter")
        );
        assert_eq!(
            JsonPath::parse("{.a[?(@.x)}").err().as_deref(),
            Some("unclosed array expect ]")
        );
    }

    #[test]
    fn filters() {
        let y = "l: [{name: a, v: 1, t: [x]}, {name: b, v: 2, ok: true}, {name: c, v: 3}]";
        assert_eq!(run(r#"{.l[?(@.name=="b")].v}"#, y).as_deref(), Ok("2"));
        assert_eq!(run("{.l[?(@.name!='a')].name}", y).as_deref(), Ok("b c"));
        assert_eq!(run("{.l[?(@.v>1.5)].name}", y).as_deref(), Ok("b c"));
        assert_eq!(run("{.l[?(@.v<=2.0)].name}", y).as_deref(), Ok("a b"));
        assert_eq!(run("{.l[?(@.ok)].name}", y).as_deref(), Ok("b"));
        assert_eq!(run("{.l[?(@.t[5])].name}", y).as_deref(), Ok("a"));
        // Values are float64s, an integer literal an int: not comparable.
        assert!(run("{.l[?(@.v==2)].name}", y).is_err());
        // A missing key on one item fails the whole filter.
        assert!(run("{.l[?(@.t[0]=='x')].name}", y).is_err());
        assert_eq!(split_comparison("@.a=="), Some(("@.a", "=", "=")));
        assert_eq!(split_comparison("@.a"), None);
    }
}
