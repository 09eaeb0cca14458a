//! A subset of Kubernetes' JSONPath templates (client-go `util/jsonpath`), as
//! `helm show values --jsonpath` uses them: text outside `{…}`, and inside an action
//! `$`/`@`, `.field`, `..field` (recursive descent), `.*`/`[*]`, `[n]`, `[a:b:c]`,
//! `['key']`, unions `[a,b]`, quoted text and `{range …}…{end}` loops. Filters `[?(…)]`
//! are refused with a clear message.
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
    /// `range` or `end` (client-go keeps them as identifiers and acts on them while
    /// evaluating).
    Ident(&'static str),
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
                return Err("jsonpath filters ([?(...)]) are not supported".into());
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
                        "true" => nodes.push(Node::Bool(true)),
                        "false" => nodes.push(Node::Bool(false)),
                        "range" => nodes.push(Node::Ident("range")),
                        "end" => nodes.push(Node::Ident("end")),
                        other => return Err(format!("unrecognized identifier {other}")),
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
        Node::Ident("range") => {
            st.begin += 1;
            Ok(input)
        }
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
        assert!(JsonPath::parse("{.a[?(@.x)]}").is_err());
    }
}
