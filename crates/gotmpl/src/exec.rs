//! The executor: walks parse trees with Go's `text/template` evaluation rules.
//!
//! Go's executor remembers the last node it touched (`s.at(node)`) and reports errors
//! against it; this one does the same with an `at` reference into the tree, so error
//! contexts (`at <.Values.x>`) and locations match Go's.

use rustc_hash::FxHashMap as HashMap;
use std::sync::Arc;

use elsa::FrozenMap;

use crate::builtins;
use crate::error::{Error, ErrorKind, Repr};
use crate::func::{CallCtx, Func, FuncError, FuncMap, Host, Ty};
use crate::parse::node::{Arg, Branch, Command, List, Node, Number, Pipe, Pos, Show, Tree};
use crate::parse::parse::{parse, RED_ZONE, STACK_GROWTH};
use crate::value::{IntKind, MapRef, Value};

/// What a missing map key evaluates to (Go's `missingkey` option).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum MissingKey {
    /// `missingkey=default`/`invalid`: no value (prints `<no value>`).
    #[default]
    Default,
    /// `missingkey=zero`: the zero value of the map's element type (what Helm uses).
    Zero,
    /// `missingkey=error`: execution stops with an error.
    Error,
}

/// Execution options.
#[derive(Clone, Debug)]
pub struct Options {
    /// Missing-key behaviour.
    pub missing_key: MissingKey,
    /// Maximum nesting of `template` calls (Go: 100000).
    pub max_depth: usize,
    /// Maximum nesting of `include` calls of one name (Helm: 1000).
    pub max_include_depth: usize,
    /// Maximum output size in bytes of one execution; larger output is an error.
    pub max_output: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            missing_key: MissingKey::Default,
            max_depth: 100_000,
            max_include_depth: 1000,
            max_output: 1 << 30,
        }
    }
}

/// A set of named templates sharing one function table (Go's `*template.Template` and
/// its associated templates).
#[derive(Clone)]
pub struct Template {
    trees: HashMap<Arc<str>, Arc<Tree>>,
    funcs: Arc<FuncMap>,
    opts: Options,
    left: Arc<str>,
    right: Arc<str>,
    tpl_cache: TplCache,
}

/// What a parsed text's trees share with the trees of an identical text: the name
/// (kept for `define`d trees), the text and the nodes.
#[derive(Clone)]
struct Shape {
    name: Arc<str>,
    text: Arc<str>,
    root: Arc<crate::parse::node::List>,
}

impl Shape {
    fn of(t: &Tree) -> Shape {
        Shape {
            name: t.name.clone(),
            text: t.text.clone(),
            root: t.root.clone(),
        }
    }
}

/// Parsed `tpl` texts whose parse does not depend on the execution state, kept across
/// executions of one template set (Helm renders every file of a chart with one set, and
/// the same `tpl` texts come back in many files). A clone starts empty.
#[derive(Default)]
struct TplCache(Arena);

/// Parsed `tpl` texts by text (FxHash: keys are template texts, hashed on every `tpl`).
type Arena = FrozenMap<String, Box<Result<TplSet, String>>, rustc_hash::FxBuildHasher>;

impl Clone for TplCache {
    fn clone(&self) -> Self {
        TplCache::default()
    }
}

impl std::fmt::Debug for Template {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Template")
            .field("templates", &self.names())
            .finish()
    }
}

impl Default for Template {
    fn default() -> Self {
        Self::new(FuncMap::new())
    }
}

impl Template {
    /// A new, empty template set using `funcs` (which shadow Go's builtins of the same name).
    pub fn new(funcs: FuncMap) -> Self {
        Template {
            trees: HashMap::default(),
            funcs: Arc::new(funcs),
            opts: Options::default(),
            left: Arc::from("{{"),
            right: Arc::from("}}"),
            tpl_cache: TplCache::default(),
        }
    }

    /// Sets the execution options.
    pub fn set_options(&mut self, opts: Options) {
        self.opts = opts;
    }

    /// The execution options.
    pub fn options(&self) -> &Options {
        &self.opts
    }

    /// Changes the action delimiters (default `{{` and `}}`).
    pub fn set_delims(&mut self, left: &str, right: &str) {
        self.left = Arc::from(if left.is_empty() { "{{" } else { left });
        self.right = Arc::from(if right.is_empty() { "}}" } else { right });
        self.tpl_cache = TplCache::default();
    }

    /// The function table.
    pub fn funcs(&self) -> &FuncMap {
        &self.funcs
    }

    fn has_func(&self, name: &str) -> bool {
        self.funcs.contains(name) || builtins::is_builtin(name)
    }

    /// Parses `text` as the template `name`, adding it and every template it `define`s
    /// to the set. A later definition replaces an earlier one unless its body is empty,
    /// as in Go.
    pub fn parse(&mut self, name: &str, text: &str) -> Result<(), Error> {
        let trees = parse(name, text, &self.left, &self.right, &|n| self.has_func(n))?;
        for t in trees {
            self.add_tree(t);
        }
        Ok(())
    }

    /// Parses several texts, as [`Template::parse`] on each in order would: the trees
    /// are added in the order given (so the same `define` wins), and the error returned
    /// is the one the first failing text gives. Big inputs are parsed on several threads
    /// (parsing one text does not depend on another); small ones on this thread.
    pub fn parse_all(&mut self, texts: &[(&str, &str)]) -> Result<(), Error> {
        let names: Vec<&str> = texts.iter().map(|(n, _)| *n).collect();
        let total = texts.iter().map(|(_, t)| t.len()).sum();
        self.parse_all_with(&names, total, |i| {
            Ok::<_, std::convert::Infallible>(std::borrow::Cow::Borrowed(
                texts.get(i).map_or("", |(_, t)| *t),
            ))
        })
        .map_err(|e| match e {
            ParseAllError::Parse(e) => e,
            ParseAllError::Load(never) => match never {},
        })
    }

    /// [`Template::parse_all`] of texts made on demand: `load(i)` gives the text of
    /// `names[i]`. `total_len` (the texts' summed length, or an estimate) decides whether
    /// threads are worth starting. The first failing text in order decides the error, a
    /// load error or a parse error.
    ///
    /// Identical texts are parsed once: an umbrella chart of N aliased instances of one
    /// chart (and its library) holds each template N times. The later copies get trees
    /// of their own names sharing the first copy's nodes and text; parsing does not
    /// depend on the name, which only appears in error messages (and an identical text
    /// that fails to parse fails first at its first copy).
    pub fn parse_all_with<'a, E: Send>(
        &mut self,
        names: &[&str],
        total_len: usize,
        load: impl Fn(usize) -> Result<std::borrow::Cow<'a, str>, E> + Sync,
    ) -> Result<(), ParseAllError<E>> {
        /// Below this many bytes of text, starting threads costs more than it saves.
        const PARALLEL_MIN_BYTES: usize = 32 * 1024;
        let funcs = self.funcs.clone();
        let has_func = |n: &str| funcs.contains(n) || builtins::is_builtin(n);
        let (left, right) = (self.left.clone(), self.right.clone());
        let (left, right) = (&*left, &*right);
        let indexed: Vec<usize> = (0..names.len()).collect();
        let parallel = total_len >= PARALLEL_MIN_BYTES;
        // The texts, each in the one allocation its trees keep. Equal texts (an
        // umbrella's aliased subcharts repeat every file) are kept once: each is
        // looked up as it is loaded, and a copy is dropped at once, so that N aliases
        // never hold N copies of the chart's templates at the same time.
        // The texts kept so far, by their hash (computed once per text, outside the
        // lock; equal hashes are then told apart by comparing the texts).
        let seen: std::sync::Mutex<HashMap<u64, Vec<Arc<str>>>> = std::sync::Mutex::default();
        // Texts parsed early (see `crate::early`): their trees, by index.
        let early_ok = crate::early::enabled() && left == "{{" && right == "}}";
        let early: std::sync::Mutex<HashMap<usize, Vec<Tree>>> = std::sync::Mutex::default();
        let texts: Vec<Result<Arc<str>, E>> = crate::par::map_in_order(&indexed, parallel, |i| {
            load(*i).map(|t| {
                let hash = crate::early::hash_text(&t);
                let find = |seen: &HashMap<u64, Vec<Arc<str>>>| {
                    seen.get(&hash)
                        .and_then(|same| same.iter().find(|a| ***a == *t).cloned())
                };
                if let Some(a) = find(&crate::early::lock(&seen)) {
                    return a;
                }
                let mut text: Option<Arc<str>> = None;
                if early_ok {
                    let name: Arc<str> = Arc::from(names.get(*i).copied().unwrap_or(""));
                    if let Some((a, trees)) = crate::early::take(hash, &t, &name, &has_func) {
                        crate::early::lock(&early).insert(*i, trees);
                        text = Some(a);
                    }
                }
                let mut seen = crate::early::lock(&seen);
                if let Some(a) = find(&seen) {
                    // The same text, loaded by another thread meanwhile: one copy is kept.
                    crate::early::lock(&early).remove(i);
                    return a;
                }
                let a = text.unwrap_or_else(|| Arc::from(&*t));
                seen.entry(hash).or_default().push(a.clone());
                a
            })
        });
        drop(seen);
        // The first index of each distinct text (equal texts share one allocation).
        let mut first: HashMap<usize, usize> = HashMap::default();
        let mut origin: Vec<usize> = Vec::with_capacity(texts.len());
        for (i, t) in texts.iter().enumerate() {
            origin.push(match t {
                Ok(t) => *first
                    .entry(Arc::as_ptr(t) as *const u8 as usize)
                    .or_insert(i),
                Err(_) => i,
            });
        }
        let unique: Vec<usize> = (0..texts.len()).filter(|i| origin[*i] == *i).collect();
        let ok: Vec<Option<&Arc<str>>> = texts.iter().map(|t| t.as_ref().ok()).collect();
        let parsed = crate::par::map_in_order(&unique, parallel, |i| {
            if let Some(trees) = crate::early::lock(&early).remove(i) {
                return Some(Ok(trees));
            }
            ok.get(*i).copied().flatten().map(|text| {
                crate::parse::parse::parse_shared(
                    names.get(*i).copied().unwrap_or(""),
                    text,
                    left,
                    right,
                    &has_func,
                )
            })
        });
        drop(ok);
        let mut by_index: HashMap<usize, Result<Vec<Tree>, Error>> = unique
            .iter()
            .copied()
            .zip(parsed)
            .filter_map(|(i, r)| r.map(|r| (i, r)))
            .collect();
        drop(first);
        let mut done: HashMap<usize, Vec<Shape>> = HashMap::default();
        for (i, text) in texts.into_iter().enumerate() {
            if let Err(e) = text {
                return Err(ParseAllError::Load(e));
            }
            let name: Arc<str> = Arc::from(names.get(i).copied().unwrap_or(""));
            let src = origin[i];
            if src == i {
                let trees = match by_index.remove(&i) {
                    Some(r) => r.map_err(ParseAllError::Parse)?,
                    None => Vec::new(),
                };
                let shapes = trees.iter().map(Shape::of).collect();
                for t in trees {
                    self.add_tree(t);
                }
                done.insert(i, shapes);
            } else if let Some(shapes) = done.get(&src) {
                // A copy of an earlier text: the same trees under this file's name.
                let shapes: Vec<Shape> = shapes.clone();
                for (k, s) in shapes.into_iter().enumerate() {
                    self.add_tree(Tree::of_file(&name, k, s.name, s.text, s.root));
                }
            }
        }
        Ok(())
    }

    fn add_tree(&mut self, t: Tree) {
        if let Some(old) = self.trees.get(&t.name) {
            let _ = old;
            if t.is_empty() {
                return;
            }
        }
        self.trees.insert(t.name.clone(), Arc::new(t));
    }

    /// Whether a template of this name exists.
    pub fn has_template(&self, name: &str) -> bool {
        self.trees.contains_key(name)
    }

    /// The template names, sorted.
    pub fn names(&self) -> Vec<String> {
        let mut v: Vec<String> = self.trees.keys().map(|k| k.to_string()).collect();
        v.sort();
        v
    }

    /// Executes the template `name` with `data`, returning its output.
    pub fn execute(&self, name: &str, data: &Value) -> Result<String, Error> {
        let mut out = String::new();
        self.execute_into(name, data, &mut out)?;
        Ok(out)
    }

    /// Executes the template `name` with `data`, appending the output to `out`.
    pub fn execute_into(&self, name: &str, data: &Value, out: &mut String) -> Result<(), Error> {
        let arena = Arena::default();
        let Some(tree) = self.trees.get(name) else {
            return Err(Error::no_template(format!(
                "no template {} associated with template {}",
                crate::fmt::go_quote(name),
                crate::fmt::go_quote(name)
            )));
        };
        let mut st = State {
            set: self,
            arena: &arena,
            overlays: HashMap::default(),
            tpl_depth: 0,
            tree,
            vars: vec![(Arc::from("$"), data.clone())],
            depth: 0,
            nest: 0,
            at: At::None,
            out: std::mem::take(out),
            include_counts: HashMap::default(),
        };
        let r = st.walk_list(data, &tree.root);
        *out = std::mem::take(&mut st.out);
        match r {
            Ok(()) => Ok(()),
            Err(Flow::Err(e)) => Err(e),
            Err(Flow::Break | Flow::Continue) => Ok(()),
        }
    }
}

/// Control flow out of a walk: an error, or break/continue unwinding to the range.
enum Flow {
    Err(Error),
    Break,
    Continue,
}

impl From<Error> for Flow {
    fn from(e: Error) -> Self {
        Flow::Err(e)
    }
}

type R<T> = Result<T, Error>;

/// The node Go would report an error against.
#[derive(Clone, Copy)]
enum At<'t> {
    None,
    Node(&'t Node),
    Pipe(&'t Pipe),
    Cmd(&'t Command),
    Arg(&'t Arg),
}

impl At<'_> {
    fn pos(&self) -> Pos {
        match self {
            At::None => 0,
            At::Node(n) => match n {
                Node::Action { pos, .. } => *pos,
                Node::Template(t) => t.pos,
                Node::Break { pos } | Node::Continue { pos } => *pos,
                Node::If(b) | Node::Range(b) | Node::With(b) => b.pos,
                Node::Text { .. } => 0,
            },
            At::Pipe(p) => p.pos(),
            At::Cmd(c) => c.pos,
            At::Arg(a) => a.pos(),
        }
    }
    /// The node as Go prints it in an error; `src` is the source of its tree.
    fn context(&self, src: &str) -> String {
        match self {
            At::None => String::new(),
            At::Node(n) => Show(*n, src).to_string(),
            At::Pipe(p) => p.to_string(),
            At::Cmd(c) => c.to_string(),
            At::Arg(a) => a.to_string(),
        }
    }
}

/// A value plus whether Go would hold it in an `interface{}`-typed reflect.Value
/// (map elements are; pipeline results are not). It changes only error messages and the
/// nil-chain rule.
#[derive(Clone)]
struct Ev {
    v: Value,
    boxed: bool,
}

impl Ev {
    fn plain(v: Value) -> Ev {
        Ev { v, boxed: false }
    }
}

/// Maximum nesting of `tpl` calls (our own bound; Helm has none and runs out of memory
/// on a `tpl` that calls itself). Above Helm's `include` limit, so that where Helm does
/// stop (an `include`/`tpl` loop) it stops with Helm's error.
pub const MAX_TPL_DEPTH: usize = 10_000;

/// Parsed `tpl` sources of one execution: the top template plus its defines.
struct TplSet {
    top: Tree,
    defs: HashMap<Arc<str>, Tree>,
}

struct State<'t> {
    set: &'t Template,
    arena: &'t Arena,
    /// Templates defined by the `tpl` calls in progress, by name (innermost last).
    overlays: HashMap<Arc<str>, Vec<&'t Tree>>,
    /// How many `tpl` calls are in progress.
    tpl_depth: usize,
    tree: &'t Tree,
    vars: Vec<(Arc<str>, Value)>,
    depth: usize,
    nest: usize,
    at: At<'t>,
    out: String,
    include_counts: HashMap<String, usize>,
}

/// The methods of Helm's `chartutil.Values` (the type of `.`, `.Values`, `.Template`), with
/// how many arguments each takes.
/// A nil interface with methods (see [`crate::value::NilInterface`]) as functions
/// receive it: nil, held in an interface.
fn nil_interface_as_nil(ev: Ev) -> Ev {
    match &ev.v {
        Value::Object(o) if o.is_nil_interface() => Ev {
            v: Value::Nil,
            boxed: true,
        },
        _ => ev,
    }
}

fn values_method(name: &str) -> Option<usize> {
    match name {
        "YAML" | "AsMap" => Some(0),
        "Table" | "PathValue" | "Encode" => Some(1),
        _ => None,
    }
}

/// `chartutil.Values.Table`: the table at a dotted path.
fn values_table(m: &MapRef, path: &str) -> Result<MapRef, String> {
    let mut t = m.clone();
    for part in path.split('.') {
        match t.get(part) {
            Some(Value::Map(sub)) => t = sub,
            _ => return Err(format!("{} is not a table", crate::fmt::go_quote(part))),
        }
    }
    Ok(t)
}

fn go_type_of(ev: &Ev) -> String {
    if ev.boxed {
        "interface {}".to_string()
    } else {
        ev.v.type_name().into_owned()
    }
}

impl<'t> State<'t> {
    /// Calls a `chartutil.Values` method (see [`values_method`]).
    fn values_call(&self, m: &MapRef, name: &str, args: &[Value]) -> Result<Value, String> {
        let str_arg = || match args.first() {
            Some(Value::Str(s)) => Ok(s.to_string()),
            Some(other) => Err(format!(
                "wrong type for value; expected string; got {}",
                other.type_name()
            )),
            None => Err("wrong type for value; expected string; got <nil>".to_string()),
        };
        match name {
            // sigs.k8s.io/yaml, as the `toYaml` function writes it (which trims the final
            // newline `YAML` keeps).
            "YAML" => match self.set.funcs.call("toYaml", &[Value::Map(m.clone())]) {
                Ok(Value::Str(s)) => Ok(Value::str(format!("{s}\n"))),
                Ok(_) => Err("toYaml returned a non-string".to_string()),
                Err(FuncError::Msg(e)) => Err(e),
                Err(_) => Err("toYaml failed".to_string()),
            },
            "AsMap" => Ok(Value::Map(if m.is_empty() {
                MapRef::new(crate::value::Map::new())
            } else {
                m.with_kind(crate::value::MapKind::Any)
            })),
            "Table" => {
                let path = str_arg()?;
                values_table(m, &path)
                    .map(|t| Value::Map(t.with_kind(crate::value::MapKind::Values)))
            }
            "PathValue" => {
                let path = str_arg()?;
                if path.is_empty() {
                    return Err("YAML path cannot be empty".to_string());
                }
                let (table, key) = match path.rsplit_once('.') {
                    Some((t, k)) => (
                        values_table(m, t)
                            .map_err(|_| format!("{} is not a value", crate::fmt::go_quote(k)))?,
                        k.to_string(),
                    ),
                    None => (m.clone(), path.clone()),
                };
                match table.get(&key) {
                    Some(Value::Map(sub)) if sub.kind() == crate::value::MapKind::Any => {
                        Err(format!("{} is not a value", crate::fmt::go_quote(&key)))
                    }
                    Some(v) => Ok(v),
                    None => Err(format!("{} is not a value", crate::fmt::go_quote(&key))),
                }
            }
            _ => Err(format!(
                "wrong type for value; expected io.Writer; got {}",
                args.first()
                    .map(|a| a.type_name().into_owned())
                    .unwrap_or_default()
            )),
        }
    }

    fn lookup(&self, name: &str) -> Option<&'t Tree> {
        if let Some(t) = self.overlays.get(name).and_then(|v| v.last()) {
            return Some(t);
        }
        self.set.trees.get(name).map(|a| &**a)
    }

    /// Makes a `tpl` source's templates visible (innermost wins) until `pop_overlay`.
    fn push_overlay(&mut self, ts: &'t TplSet) {
        for t in ts.defs.values().chain(std::iter::once(&ts.top)) {
            self.overlays.entry(t.name.clone()).or_default().push(t);
        }
    }

    fn pop_overlay(&mut self, ts: &'t TplSet) {
        for t in ts.defs.values().chain(std::iter::once(&ts.top)) {
            if let Some(v) = self.overlays.get_mut(&t.name) {
                v.pop();
                if v.is_empty() {
                    self.overlays.remove(&t.name);
                }
            }
        }
    }

    fn errorf(&self, msg: impl Into<String>) -> Error {
        self.error_with(msg.into(), None)
    }

    fn error_with(&self, msg: String, func: Option<(String, FuncError)>) -> Error {
        let (line, col) = self.tree.location(self.at.pos());
        Error(Box::new(Repr {
            kind: ErrorKind::Exec,
            name: self.tree.parse_name.to_string(),
            line,
            col,
            tmpl: self.tree.name.to_string(),
            node: self.at.context(&self.tree.text),
            msg,
            func,
        }))
    }

    fn check_output(&self) -> Result<(), Flow> {
        if self.out.len() > self.set.opts.max_output {
            return Err(Flow::Err(self.errorf(format!(
                "output exceeds the limit of {} bytes",
                self.set.opts.max_output
            ))));
        }
        Ok(())
    }

    fn mark(&self) -> usize {
        self.vars.len()
    }

    fn pop(&mut self, mark: usize) {
        self.vars.truncate(mark);
    }

    fn set_var(&mut self, name: &str, v: Value) -> R<()> {
        for (n, val) in self.vars.iter_mut().rev() {
            if &**n == name {
                *val = v;
                return Ok(());
            }
        }
        Err(self.errorf(format!("undefined variable: {name}")))
    }

    fn set_top_var(&mut self, n: usize, v: Value) {
        let len = self.vars.len();
        if let Some(slot) = len.checked_sub(n).and_then(|i| self.vars.get_mut(i)) {
            slot.1 = v;
        }
    }

    fn var_value(&self, name: &str) -> R<Value> {
        for (n, v) in self.vars.iter().rev() {
            if &**n == name {
                return Ok(v.clone());
            }
        }
        Err(self.errorf(format!("undefined variable: {name}")))
    }

    // ----- walking -----

    fn walk_list(&mut self, dot: &Value, list: &'t List) -> Result<(), Flow> {
        for n in &list.nodes {
            self.walk(dot, n)?;
        }
        Ok(())
    }

    fn walk(&mut self, dot: &Value, node: &'t Node) -> Result<(), Flow> {
        stacker::maybe_grow(RED_ZONE, STACK_GROWTH, || self.walk_inner(dot, node))
    }

    fn walk_inner(&mut self, dot: &Value, node: &'t Node) -> Result<(), Flow> {
        self.at = At::Node(node);
        match node {
            Node::Text { start, end } => {
                self.out.push_str(self.tree.text_of(*start, *end));
                self.check_output()
            }
            Node::Action { pipe, .. } => {
                let v = self.eval_pipeline(dot, pipe)?;
                if pipe.decl().is_empty() {
                    self.at = At::Node(node);
                    self.print_value(&v);
                    self.check_output()?;
                }
                Ok(())
            }
            Node::If(b) => self.walk_if_or_with(false, dot, b),
            Node::With(b) => self.walk_if_or_with(true, dot, b),
            Node::Range(b) => self.walk_range(dot, node, b),
            Node::Template(t) => self.walk_template(dot, node, &t.name, t.pipe.as_ref()),
            Node::Break { .. } => Err(Flow::Break),
            Node::Continue { .. } => Err(Flow::Continue),
        }
    }

    fn print_value(&mut self, v: &Value) {
        match v {
            Value::Nil => self.out.push_str("<no value>"),
            Value::Str(s) => self.out.push_str(s),
            // The engine finds String methods that fmt alone would miss.
            Value::Object(o) => {
                let s = o.format();
                self.out.push_str(&s);
            }
            other => {
                let s = crate::fmt::format_v(other);
                self.out.push_str(&s);
            }
        }
    }

    fn walk_if_or_with(&mut self, with: bool, dot: &Value, b: &'t Branch) -> Result<(), Flow> {
        let mark = self.mark();
        let r = (|| {
            let val = self.eval_pipeline(dot, &b.pipe)?;
            if val.truthy() {
                if with {
                    self.walk_list(&val, &b.list)
                } else {
                    self.walk_list(dot, &b.list)
                }
            } else if let Some(e) = &b.else_list {
                self.walk_list(dot, e)
            } else {
                Ok(())
            }
        })();
        self.pop(mark);
        r
    }

    fn walk_range(&mut self, dot: &Value, node: &'t Node, b: &'t Branch) -> Result<(), Flow> {
        self.at = At::Node(node);
        let mark0 = self.mark();
        let r = self.walk_range_inner(dot, b);
        self.pop(mark0);
        match r {
            Err(Flow::Break) => Ok(()),
            other => other,
        }
    }

    fn walk_range_inner(&mut self, dot: &Value, b: &'t Branch) -> Result<(), Flow> {
        let val = self.eval_pipeline(dot, &b.pipe)?;
        let mark = self.mark();
        let pipe = &b.pipe;
        let one = |st: &mut Self, index: Value, elem: Value| -> Result<(), Flow> {
            if !pipe.decl().is_empty() {
                if pipe.is_assign() {
                    if pipe.decl().len() > 1 {
                        st.set_var(&pipe.decl()[0], index.clone())?;
                    } else {
                        st.set_var(&pipe.decl()[0], elem.clone())?;
                    }
                } else {
                    st.set_top_var(1, elem.clone());
                }
            }
            if pipe.decl().len() > 1 {
                if pipe.is_assign() {
                    st.set_var(&pipe.decl()[1], elem.clone())?;
                } else {
                    st.set_top_var(2, index);
                }
            }
            let r = st.walk_list(&elem, &b.list);
            st.pop(mark);
            match r {
                Err(Flow::Continue) => Ok(()),
                other => other,
            }
        };
        match &val {
            Value::List(l) if !l.is_empty() => {
                for (i, e) in l.iter().enumerate() {
                    one(self, Value::int(i as i64), e.clone())?;
                }
                return Ok(());
            }
            Value::Bytes(bs) if !bs.is_empty() => {
                for (i, e) in bs.iter().enumerate() {
                    one(
                        self,
                        Value::int(i as i64),
                        Value::Int(i64::from(*e), IntKind::Uint8),
                    )?;
                }
                return Ok(());
            }
            Value::Map(m) if !m.is_empty() => {
                let snapshot = m.snapshot();
                for (k, v) in snapshot {
                    one(self, Value::str(&k), v)?;
                }
                return Ok(());
            }
            Value::Object(o) if o.kind_name() == "slice" && o.underlying().is_some() => {
                if let Some(Value::List(l)) = o.underlying() {
                    if !l.is_empty() {
                        for (i, e) in l.iter().enumerate() {
                            one(self, Value::int(i as i64), e.clone())?;
                        }
                        return Ok(());
                    }
                }
            }
            Value::Object(o) if o.kind_name() == "map" => {
                if let Some(entries) = o.map_entries() {
                    if !entries.is_empty() {
                        for (k, v) in entries {
                            one(self, Value::str(&k), v)?;
                        }
                        return Ok(());
                    }
                }
            }
            Value::List(_) | Value::Map(_) | Value::Bytes(_) | Value::Nil => {}
            other => {
                let shown = match other {
                    // `range` dereferences a pointer first.
                    Value::Object(o) if o.kind_name() == "ptr" && o.go_struct().is_some() => {
                        o.format()
                    }
                    Value::Object(o) => o.format_raw(),
                    v => crate::fmt::format_v(v),
                };
                return Err(Flow::Err(
                    self.errorf(format!("range can't iterate over {shown}")),
                ));
            }
        }
        if let Some(e) = &b.else_list {
            self.walk_list(dot, e)?;
        }
        Ok(())
    }

    fn walk_template(
        &mut self,
        dot: &Value,
        node: &'t Node,
        name: &str,
        pipe: Option<&'t Pipe>,
    ) -> Result<(), Flow> {
        self.at = At::Node(node);
        let Some(tree) = self.lookup(name) else {
            return Err(Flow::Err(self.errorf(format!(
                "template {} not defined",
                crate::fmt::go_quote(name)
            ))));
        };
        if self.depth >= self.set.opts.max_depth {
            return Err(Flow::Err(self.errorf(format!(
                "exceeded maximum template depth ({})",
                self.set.opts.max_depth
            ))));
        }
        let newdot = match pipe {
            Some(p) => self.eval_pipeline(dot, p)?,
            None => Value::Nil,
        };
        let saved_tree = std::mem::replace(&mut self.tree, tree);
        let saved_vars = std::mem::replace(&mut self.vars, vec![(Arc::from("$"), newdot.clone())]);
        self.depth += 1;
        let r = stacker::maybe_grow(RED_ZONE, STACK_GROWTH, || {
            self.walk_list(&newdot, &tree.root)
        });
        self.depth -= 1;
        self.tree = saved_tree;
        self.vars = saved_vars;
        match r {
            Err(Flow::Break | Flow::Continue) => Ok(()),
            other => other,
        }
    }

    // ----- evaluation -----

    fn eval_pipeline(&mut self, dot: &Value, pipe: &'t Pipe) -> R<Value> {
        stacker::maybe_grow(RED_ZONE, STACK_GROWTH, || {
            self.eval_pipeline_inner(dot, pipe)
        })
    }

    fn eval_pipeline_inner(&mut self, dot: &Value, pipe: &'t Pipe) -> R<Value> {
        self.at = At::Pipe(pipe);
        let mut value: Option<Ev> = None;
        for cmd in &pipe.cmds {
            let v = self.eval_command(dot, cmd, value.take())?;
            value = Some(Ev::plain(v.v));
        }
        let value = value.map(|e| e.v).unwrap_or(Value::Nil);
        for name in pipe.decl() {
            if pipe.is_assign() {
                self.set_var(name, value.clone())?;
            } else {
                self.vars.push((name.clone(), value.clone()));
            }
        }
        Ok(value)
    }

    fn not_a_function(&self, args: &[Arg], final_: &Option<Ev>) -> R<()> {
        if args.len() > 1 || final_.is_some() {
            return Err(self.errorf(format!(
                "can't give argument to non-function {}",
                args.first().map(|a| a.to_string()).unwrap_or_default()
            )));
        }
        Ok(())
    }

    fn eval_command(&mut self, dot: &Value, cmd: &'t Command, final_: Option<Ev>) -> R<Ev> {
        let Some(first) = cmd.args().first() else {
            return Err(self.errorf("empty command"));
        };
        match first {
            Arg::Field { idents, .. } => {
                self.at = At::Arg(first);
                let recv = Ev::plain(dot.clone());
                return self.eval_field_chain(dot, recv, first, idents, cmd.args(), final_);
            }
            Arg::Chain { chain, .. } => {
                self.at = At::Arg(first);
                if matches!(chain.node, Arg::Nil { .. }) {
                    return Err(self.errorf(format!("indirection through explicit nil in {first}")));
                }
                let recv = self.eval_arg_any(dot, &chain.node)?;
                return self.eval_field_chain(dot, recv, first, &chain.fields, cmd.args(), final_);
            }
            Arg::Identifier { name, .. } => {
                self.at = At::Arg(first);
                return self.eval_function(dot, first, name, Some(cmd), cmd.args(), final_);
            }
            Arg::Pipe(p) => {
                self.not_a_function(cmd.args(), &final_)?;
                return Ok(Ev::plain(self.eval_pipeline(dot, p)?));
            }
            Arg::Variable { idents, .. } => {
                self.at = At::Arg(first);
                let v = self.var_value(&idents[0])?;
                if idents.len() == 1 {
                    self.not_a_function(cmd.args(), &final_)?;
                    return Ok(Ev::plain(v));
                }
                return self.eval_field_chain(
                    dot,
                    Ev::plain(v),
                    first,
                    &idents[1..],
                    cmd.args(),
                    final_,
                );
            }
            _ => {}
        }
        self.at = At::Arg(first);
        self.not_a_function(cmd.args(), &final_)?;
        Ok(Ev::plain(match first {
            Arg::Bool { val, .. } => Value::Bool(*val),
            Arg::Dot { .. } => dot.clone(),
            Arg::Nil { .. } => return Err(self.errorf("nil is not a command")),
            Arg::Number { num, .. } => self.ideal_constant(num)?,
            Arg::String { lit, .. } => Value::Str(lit.text.clone()),
            _ => return Err(self.errorf(format!("can't evaluate command {first}"))),
        }))
    }

    fn ideal_constant(&self, n: &Number) -> R<Value> {
        if n.is_complex {
            return Ok(Value::Object(Arc::new(builtins::Complex(
                n.complex.0,
                n.complex.1,
            ))));
        }
        let t = &n.text;
        let is_hex_int = (t.starts_with("0x")
            || t.starts_with("0X")
            || t.starts_with("-0x")
            || t.starts_with("+0x"))
            && !t.contains(['p', 'P']);
        let is_rune = t.starts_with('\'');
        if n.is_float && !is_hex_int && !is_rune && t.contains(['.', 'e', 'E', 'p', 'P']) {
            return Ok(Value::Float(n.float));
        }
        if n.is_int {
            return Ok(Value::int(n.int));
        }
        if n.is_uint {
            return Err(self.errorf(format!("{t} overflows int")));
        }
        Ok(Value::Nil)
    }

    fn eval_field_chain(
        &mut self,
        dot: &Value,
        mut recv: Ev,
        node: &'t Arg,
        idents: &[Arc<str>],
        args: &'t [Arg],
        final_: Option<Ev>,
    ) -> R<Ev> {
        let n = idents.len();
        for id in &idents[..n.saturating_sub(1)] {
            recv = self.eval_field(dot, id, node, &[], None, recv)?;
        }
        match idents.last() {
            Some(last) => self.eval_field(dot, last, node, args, final_, recv),
            None => Ok(recv),
        }
    }

    fn eval_field(
        &mut self,
        dot: &Value,
        name: &str,
        node: &'t Arg,
        args: &'t [Arg],
        final_: Option<Ev>,
        recv: Ev,
    ) -> R<Ev> {
        let has_args = args.len() > 1 || final_.is_some();
        match &recv.v {
            Value::Nil if !recv.boxed => {
                if self.set.opts.missing_key == MissingKey::Error {
                    return Err(self.errorf(format!(
                        "nil data; no entry for key {}",
                        crate::fmt::go_quote(name)
                    )));
                }
                Ok(Ev::plain(Value::Nil))
            }
            Value::Nil => Err(self.errorf(format!("nil pointer evaluating interface {{}}.{name}"))),
            Value::Map(m)
                if m.kind() == crate::value::MapKind::Values && values_method(name).is_some() =>
            {
                // Helm's `chartutil.Values` methods come before its keys, as in Go.
                let want = values_method(name).unwrap_or(0);
                let got = args.len().saturating_sub(1) + usize::from(final_.is_some());
                if got != want {
                    return Err(self.errorf(format!(
                        "wrong number of args for {name}: want {want} got {got}"
                    )));
                }
                let mut argv = Vec::new();
                for a in args.iter().skip(1) {
                    argv.push(self.eval_arg_any(dot, a)?.v);
                }
                if let Some(f) = final_ {
                    argv.push(f.v);
                }
                let m = m.clone();
                self.at = At::Arg(node);
                match self.values_call(&m, name, &argv) {
                    Ok(v) => Ok(Ev::plain(v)),
                    Err(e) => {
                        Err(self
                            .error_with(String::new(), Some((name.to_string(), FuncError::Msg(e)))))
                    }
                }
            }
            Value::Map(m) => {
                if has_args {
                    return Err(self.errorf(format!("{name} is not a method but has arguments")));
                }
                match m.get(name) {
                    Some(v) => Ok(Ev { v, boxed: true }),
                    None => match self.set.opts.missing_key {
                        MissingKey::Default => Ok(Ev::plain(Value::Nil)),
                        MissingKey::Zero => Ok(Ev {
                            v: Value::Nil,
                            boxed: true,
                        }),
                        MissingKey::Error => Err(self.errorf(format!(
                            "map has no entry for key {}",
                            crate::fmt::go_quote(name)
                        ))),
                    },
                }
            }
            Value::Object(o) => {
                let o = o.clone();
                if o.is_method(name) {
                    if let Some(want) = o.method_arity(name) {
                        let got = args.len().saturating_sub(1) + usize::from(final_.is_some());
                        if got != want {
                            return Err(self.errorf(format!(
                                "wrong number of args for {name}: want {want} got {got}"
                            )));
                        }
                    }
                    // Method call: each argument is evaluated for the parameter's Go
                    // type (Go's evalArg), so a literal of the wrong type is reported at
                    // the literal. On success the position stays at the last argument,
                    // as Go's does; only a failing call is reported at the method.
                    let mut argv = Vec::new();
                    for (i, a) in args.iter().skip(1).enumerate() {
                        argv.push(self.eval_arg(dot, o.method_param(name, i), a)?);
                    }
                    if let Some(f) = final_ {
                        let i = argv.len();
                        argv.push(self.validate_type(f, o.method_param(name, i))?);
                    }
                    return match o.get(name, &argv) {
                        Some(Ok(v)) => Ok(Ev::plain(v)),
                        Some(Err(e)) => {
                            self.at = At::Arg(node);
                            Err(self.error_with(
                                String::new(),
                                Some((name.to_string(), FuncError::Msg(e))),
                            ))
                        }
                        None => {
                            self.at = At::Arg(node);
                            Err(self.errorf(format!(
                                "can't evaluate field {name} in type {}",
                                go_type_of(&recv)
                            )))
                        }
                    };
                }
                match o.get(name, &[]) {
                    Some(Ok(v)) => {
                        if has_args {
                            return Err(self.errorf(format!(
                                "{name} has arguments but cannot be invoked as function"
                            )));
                        }
                        Ok(Ev::plain(v))
                    }
                    Some(Err(e)) => Err(self.errorf(e)),
                    None => Err(self.errorf(format!(
                        "can't evaluate field {name} in type {}",
                        go_type_of(&recv)
                    ))),
                }
            }
            _ => Err(self.errorf(format!(
                "can't evaluate field {name} in type {}",
                go_type_of(&recv)
            ))),
        }
    }

    fn eval_function(
        &mut self,
        dot: &Value,
        ident: &'t Arg,
        name: &str,
        cmd: Option<&'t Command>,
        args: &'t [Arg],
        final_: Option<Ev>,
    ) -> R<Ev> {
        self.at = At::Arg(ident);
        if let Some(f) = self.set.funcs.get(name) {
            let f = f.clone();
            return self.eval_call(dot, &f, name, cmd, ident, args, final_);
        }
        if builtins::is_builtin(name) {
            return self.eval_builtin(dot, name, cmd, ident, args, final_);
        }
        Err(self.errorf(format!(
            "{} is not a defined function",
            crate::fmt::go_quote(name)
        )))
    }

    #[allow(clippy::too_many_arguments)]
    fn eval_call(
        &mut self,
        dot: &Value,
        f: &Func,
        name: &str,
        cmd: Option<&'t Command>,
        ident: &'t Arg,
        args: &'t [Arg],
        final_: Option<Ev>,
    ) -> R<Ev> {
        let args = if args.is_empty() { args } else { &args[1..] };
        let sig = f.sig.clone();
        let num_in = args.len() + usize::from(final_.is_some());
        let nparams = sig.params.len();
        match sig.variadic {
            Some(_) => {
                if num_in < nparams {
                    return Err(self.errorf(format!(
                        "wrong number of args for {name}: want at least {nparams} got {}",
                        args.len()
                    )));
                }
            }
            None => {
                if num_in != nparams {
                    return Err(self.errorf(format!(
                        "wrong number of args for {name}: want {nparams} got {num_in}"
                    )));
                }
            }
        }
        let mut argv: smallvec::SmallVec<[Value; 4]> = smallvec::SmallVec::with_capacity(num_in);
        for (i, a) in args.iter().enumerate() {
            let ty = if i < nparams {
                sig.params[i]
            } else {
                sig.variadic.unwrap_or(Ty::Any)
            };
            argv.push(self.eval_arg(dot, ty, a)?);
        }
        if let Some(fin) = final_ {
            let ty = if num_in - 1 < nparams {
                sig.params[num_in - 1]
            } else {
                sig.variadic.unwrap_or(Ty::Any)
            };
            argv.push(self.validate_type(fin, ty)?);
        }
        let r = {
            let mut ctx = CallCtx::with_host(self);
            (f.imp)(&mut ctx, &argv)
        };
        match r {
            Ok(Value::Object(o)) => Ok(Ev::plain(o.unaddressable().unwrap_or(Value::Object(o)))),
            Ok(v) => Ok(Ev::plain(v)),
            Err(e) => {
                self.at = match cmd {
                    Some(c) => At::Cmd(c),
                    None => At::Arg(ident),
                };
                Err(self.error_with(String::new(), Some((name.to_string(), e))))
            }
        }
    }

    /// Evaluates an argument for a parameter of type `ty` (Go's evalArg).
    fn eval_arg(&mut self, dot: &Value, ty: Ty, n: &'t Arg) -> R<Value> {
        self.at = At::Arg(n);
        match n {
            Arg::Dot { .. } => return self.validate_type(Ev::plain(dot.clone()), ty),
            Arg::Nil { .. } => {
                return match ty {
                    Ty::Any | Ty::Map | Ty::List => Ok(Value::Nil),
                    _ => Err(self.errorf(format!("cannot assign nil to {}", ty.go_name()))),
                }
            }
            Arg::Field { idents, .. } => {
                let v = self.eval_field_chain(
                    dot,
                    Ev::plain(dot.clone()),
                    n,
                    idents,
                    std::slice::from_ref(n),
                    None,
                )?;
                return self.validate_type(v, ty);
            }
            Arg::Variable { idents, .. } => {
                let v = self.var_value(&idents[0])?;
                let v = if idents.len() == 1 {
                    Ev::plain(v)
                } else {
                    self.eval_field_chain(dot, Ev::plain(v), n, &idents[1..], &[], None)?
                };
                return self.validate_type(v, ty);
            }
            Arg::Pipe(p) => {
                let v = self.eval_pipeline(dot, p)?;
                return self.validate_type(Ev::plain(v), ty);
            }
            Arg::Identifier { name, .. } => {
                let v = self.eval_function(dot, n, name, None, &[], None)?;
                return self.validate_type(v, ty);
            }
            Arg::Chain { chain, .. } => {
                let (node, fields) = (&chain.node, &chain.fields);
                if matches!(node, Arg::Nil { .. }) {
                    return Err(self.errorf(format!("indirection through explicit nil in {n}")));
                }
                let recv = self.eval_arg_any(dot, node)?;
                let v = self.eval_field_chain(dot, recv, n, fields, &[], None)?;
                return self.validate_type(v, ty);
            }
            _ => {}
        }
        match ty {
            Ty::Bool => match n {
                Arg::Bool { val, .. } => Ok(Value::Bool(*val)),
                _ => Err(self.errorf(format!("expected bool; found {n}"))),
            },
            Ty::Float64 => match n {
                Arg::Number { num, .. } if num.is_float => Ok(Value::Float(num.float)),
                _ => Err(self.errorf(format!("expected float; found {n}"))),
            },
            Ty::Int | Ty::Int64 => match n {
                Arg::Number { num, .. } if num.is_int => Ok(Value::Int(
                    num.int,
                    if ty == Ty::Int {
                        IntKind::Int
                    } else {
                        IntKind::Int64
                    },
                )),
                _ => Err(self.errorf(format!("expected integer; found {n}"))),
            },
            Ty::Uint32 => match n {
                Arg::Number { num, .. } if num.is_uint && num.uint <= u64::from(u32::MAX) => {
                    Ok(Value::Int(num.uint as i64, IntKind::Uint32))
                }
                _ => Err(self.errorf(format!("expected unsigned integer; found {n}"))),
            },
            Ty::Str => match n {
                Arg::String { lit, .. } => Ok(Value::Str(lit.text.clone())),
                _ => Err(self.errorf(format!("expected string; found {n}"))),
            },
            Ty::Any => Ok(self.eval_empty_interface(n)?),
            _ => Err(self.errorf(format!("can't handle {n} for arg of type {}", ty.go_name()))),
        }
    }

    fn eval_empty_interface(&mut self, n: &'t Arg) -> R<Value> {
        self.at = At::Arg(n);
        match n {
            Arg::Bool { val, .. } => Ok(Value::Bool(*val)),
            Arg::Number { num, .. } => self.ideal_constant(num),
            Arg::String { lit, .. } => Ok(Value::Str(lit.text.clone())),
            _ => Err(self.errorf(format!(
                "can't handle assignment of {n} to empty interface argument"
            ))),
        }
    }

    /// Evaluates an argument as `interface{}` (reflect.Value for builtins).
    fn eval_arg_any(&mut self, dot: &Value, n: &'t Arg) -> R<Ev> {
        self.at = At::Arg(n);
        Ok(match n {
            Arg::Dot { .. } => Ev::plain(dot.clone()),
            Arg::Nil { .. } => Ev::plain(Value::Nil),
            Arg::Field { idents, .. } => self.eval_field_chain(
                dot,
                Ev::plain(dot.clone()),
                n,
                idents,
                std::slice::from_ref(n),
                None,
            )?,
            Arg::Variable { idents, .. } => {
                let v = self.var_value(&idents[0])?;
                if idents.len() == 1 {
                    Ev::plain(v)
                } else {
                    self.eval_field_chain(dot, Ev::plain(v), n, &idents[1..], &[], None)?
                }
            }
            Arg::Pipe(p) => Ev::plain(self.eval_pipeline(dot, p)?),
            Arg::Identifier { name, .. } => self.eval_function(dot, n, name, None, &[], None)?,
            Arg::Chain { chain, .. } => {
                let (node, fields) = (&chain.node, &chain.fields);
                if matches!(node, Arg::Nil { .. }) {
                    return Err(self.errorf(format!("indirection through explicit nil in {n}")));
                }
                let recv = self.eval_arg_any(dot, node)?;
                self.eval_field_chain(dot, recv, n, fields, &[], None)?
            }
            _ => Ev::plain(self.eval_empty_interface(n)?),
        })
    }

    /// Go's validateType: checks a runtime value against a parameter type.
    fn validate_type(&self, ev: Ev, ty: Ty) -> R<Value> {
        let ev = nil_interface_as_nil(ev);
        if ev.v.is_nil() && !ev.boxed {
            return match ty {
                Ty::Any | Ty::Map | Ty::List => Ok(Value::Nil),
                _ => Err(self.errorf(format!("invalid value; expected {}", ty.go_name()))),
            };
        }
        if ty == Ty::Any {
            return Ok(ev.v);
        }
        let ok = match (&ev.v, ty) {
            (Value::Str(_), Ty::Str) => true,
            (Value::Bool(_), Ty::Bool) => true,
            (Value::Int(_, IntKind::Int), Ty::Int) => true,
            (Value::Int(_, IntKind::Int64), Ty::Int64) => true,
            (Value::Int(_, IntKind::Uint32), Ty::Uint32) => true,
            (Value::Float(_), Ty::Float64) => true,
            // chartutil.Values is assignable to map[string]interface{}; map[string]string
            // and typed slices are not.
            (Value::Map(m), Ty::Map) => m.kind() != crate::value::MapKind::String,
            (Value::List(l), Ty::List) => l.elem() == crate::value::ElemKind::Any,
            (Value::Object(o), Ty::Object(n)) => o.type_name() == n,
            _ => false,
        };
        if ok {
            return Ok(ev.v);
        }
        let got = if ev.v.is_nil() {
            "interface {}".to_string()
        } else {
            ev.v.type_name().into_owned()
        };
        Err(self.errorf(format!(
            "wrong type for value; expected {}; got {got}",
            ty.go_name()
        )))
    }

    // ----- builtins -----

    fn eval_builtin(
        &mut self,
        dot: &Value,
        name: &str,
        cmd: Option<&'t Command>,
        ident: &'t Arg,
        args: &'t [Arg],
        final_: Option<Ev>,
    ) -> R<Ev> {
        let args = if args.is_empty() { args } else { &args[1..] };
        let num_in = args.len() + usize::from(final_.is_some());
        let (fixed, variadic) = builtins::arity(name);
        if variadic {
            if num_in < fixed {
                return Err(self.errorf(format!(
                    "wrong number of args for {name}: want at least {fixed} got {}",
                    args.len()
                )));
            }
        } else if num_in != fixed {
            return Err(self.errorf(format!(
                "wrong number of args for {name}: want {fixed} got {num_in}"
            )));
        }
        if name == "and" || name == "or" {
            let want = name == "or";
            let mut v = Ev::plain(Value::Nil);
            for a in args {
                v = self.eval_arg_any(dot, a)?;
                if v.v.truthy() == want {
                    return Ok(Ev::plain(v.v));
                }
            }
            if let Some(f) = final_ {
                v = f;
            }
            return Ok(Ev::plain(v.v));
        }
        let mut argv: smallvec::SmallVec<[Ev; 4]> = smallvec::SmallVec::with_capacity(num_in);
        for (i, a) in args.iter().enumerate() {
            if name == "printf" && i == 0 {
                argv.push(Ev::plain(self.eval_arg(dot, Ty::Str, a)?));
            } else {
                argv.push(nil_interface_as_nil(self.eval_arg_any(dot, a)?));
            }
        }
        if let Some(f) = final_ {
            if name == "printf" && argv.is_empty() {
                argv.push(Ev::plain(self.validate_type(f, Ty::Str)?));
            } else {
                argv.push(nil_interface_as_nil(f));
            }
        }
        let r = if name == "call" {
            let callee = args.first().map(|a| a.to_string()).unwrap_or_default();
            builtins::call_fn(&callee, &argv[0].v)
        } else {
            let pairs: Vec<(Value, bool)> = argv.iter().map(|e| (e.v.clone(), e.boxed)).collect();
            builtins::call(name, &pairs)
        };
        match r {
            Ok(v) => Ok(Ev {
                boxed: name == "index",
                v,
            }),
            Err(e) => {
                self.at = match cmd {
                    Some(c) => At::Cmd(c),
                    None => At::Arg(ident),
                };
                Err(self.error_with(String::new(), Some((name.to_string(), FuncError::Msg(e)))))
            }
        }
    }

    // ----- include / tpl -----

    fn do_include(&mut self, name: &str, data: Value) -> Result<String, FuncError> {
        let count = self.include_counts.get(name).copied().unwrap_or(0);
        if count > self.set.opts.max_include_depth {
            return Err(FuncError::msg(format!(
                "rendering template has a nested reference name: {name}: unable to execute template"
            )));
        }
        *self.include_counts.entry(name.to_string()).or_insert(0) += 1;
        let r = self.exec_nested(name, data);
        if let Some(c) = self.include_counts.get_mut(name) {
            *c = c.saturating_sub(1);
        }
        r.map_err(|e| FuncError::Nested {
            prefix: String::new(),
            err: Box::new(e),
        })
    }

    /// Executes a template by name into a fresh buffer, as Go's ExecuteTemplate does
    /// (fresh variables, depth 0), sharing this execution's state otherwise.
    fn exec_nested(&mut self, name: &str, data: Value) -> R<String> {
        let Some(tree) = self.lookup(name) else {
            // Helm's template set is rooted at a template named "gotpl".
            let root = "gotpl";
            return Err(Error::no_template(format!(
                "no template {} associated with template {}",
                crate::fmt::go_quote(name),
                crate::fmt::go_quote(root)
            )));
        };
        self.run_tree(tree, data)
    }

    fn run_tree(&mut self, tree: &'t Tree, data: Value) -> R<String> {
        self.nest += 1;
        if self.nest > self.set.opts.max_depth {
            self.nest -= 1;
            return Err(self.errorf(format!(
                "exceeded maximum template depth ({})",
                self.set.opts.max_depth
            )));
        }
        let saved_tree = std::mem::replace(&mut self.tree, tree);
        let saved_vars = std::mem::replace(&mut self.vars, vec![(Arc::from("$"), data.clone())]);
        let saved_depth = std::mem::replace(&mut self.depth, 0);
        let saved_at = self.at;
        let saved_out = std::mem::take(&mut self.out);
        let r = stacker::maybe_grow(RED_ZONE, STACK_GROWTH, || self.walk_list(&data, &tree.root));
        let out = std::mem::replace(&mut self.out, saved_out);
        self.tree = saved_tree;
        self.vars = saved_vars;
        self.depth = saved_depth;
        self.at = saved_at;
        self.nest -= 1;
        match r {
            Ok(()) | Err(Flow::Break | Flow::Continue) => {
                if self.out.len() + out.len() > self.set.opts.max_output {
                    return Err(self.errorf(format!(
                        "output exceeds the limit of {} bytes",
                        self.set.opts.max_output
                    )));
                }
                Ok(out)
            }
            Err(Flow::Err(e)) => Err(e),
        }
    }

    fn do_tpl(&mut self, text: &str, data: Value) -> Result<String, FuncError> {
        // Helm has no limit here (a `tpl` that calls itself exhausts Go's stack); a bound
        // keeps the nested error chain and the stack small.
        if self.tpl_depth >= MAX_TPL_DEPTH {
            return Err(FuncError::msg(format!(
                "tpl calls are nested deeper than {MAX_TPL_DEPTH} levels"
            )));
        }
        let set = self.set;
        let cached = set.tpl_cache.0.get(text).or_else(|| self.arena.get(text));
        let parsed: &'t Result<TplSet, String> = match cached {
            Some(p) => p,
            None => {
                let trees = parse("gotpl", text, &set.left, &set.right, &|n| set.has_func(n));
                // Only an empty `define` makes the result depend on what is defined at
                // this point of the execution; anything else can be shared by the set.
                let mut shareable = true;
                let entry = match trees {
                    Ok(mut trees) => {
                        shareable = trees.iter().skip(1).all(|t| !t.is_empty());
                        let top = trees.remove(0);
                        let mut defs = HashMap::default();
                        for t in trees {
                            if t.is_empty()
                                && (defs.contains_key(&t.name) || self.lookup(&t.name).is_some())
                            {
                                continue;
                            }
                            defs.insert(t.name.clone(), t);
                        }
                        Ok(TplSet { top, defs })
                    }
                    Err(e) => Err(e.to_string()),
                };
                if shareable {
                    set.tpl_cache.0.insert(text.to_string(), Box::new(entry))
                } else {
                    self.arena.insert(text.to_string(), Box::new(entry))
                }
            }
        };
        let ts = match parsed {
            Ok(ts) => ts,
            Err(msg) => {
                return Err(FuncError::Msg(format!(
                    "cannot parse template {}: {msg}",
                    crate::fmt::go_quote(text)
                )))
            }
        };
        self.push_overlay(ts);
        self.tpl_depth += 1;
        let r = self.run_tree(&ts.top, data);
        self.tpl_depth -= 1;
        self.pop_overlay(ts);
        match r {
            Ok(s) => Ok(s.replace("<no value>", "")),
            Err(e) => Err(FuncError::Nested {
                prefix: format!(
                    "error during tpl function execution for {}: ",
                    crate::fmt::go_quote(text)
                ),
                err: Box::new(e),
            }),
        }
    }
}

impl Host for State<'_> {
    fn include(&mut self, name: &str, data: Value) -> Result<String, FuncError> {
        self.do_include(name, data)
    }
    fn tpl(&mut self, text: &str, data: Value) -> Result<String, FuncError> {
        self.do_tpl(text, data)
    }
}

/// Why [`Template::parse_all_with`] failed: a text could not be made, or did not parse.
#[derive(Debug)]
pub enum ParseAllError<E> {
    /// `load` failed for a text.
    Load(E),
    /// A text did not parse.
    Parse(Error),
}
