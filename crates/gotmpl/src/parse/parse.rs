//! The parser: Go's `text/template/parse` grammar, with its error messages and its rule
//! that an error reports the line of the last token read.

use std::borrow::Cow;
use std::sync::Arc;

use super::lex::{lex, line_at, Item, ItemType, Lexed};
use super::node::{
    Arg, Branch, Chain, Command, Decl, Idents, List, Node, Number, Pipe, Pos, Show, StrLit,
    TemplateCall, Tree,
};
use crate::error::Error;
use crate::strconv::{parse_int, parse_uint, underscore_ok};

/// What `textOrAction` returns: a real node, or an `{{end}}`/`{{else}}` marker.
enum Parsed {
    Node(Node),
    End,
    Else,
}

struct Parser<'a> {
    items: Vec<Item>,
    /// The template text the items' spans point into.
    src: &'a str,
    /// The lexer's error message (the text of a final Error item).
    lex_error: &'a str,
    /// Where comments made Go's lexer lose count of lines.
    lost: Vec<(usize, usize)>,
    i: usize,
    hwm: usize,
    parse_name: Arc<str>,
    text: Arc<str>,
    has_func: &'a dyn Fn(&str) -> bool,
    vars: Vec<&'a str>,
    range_depth: usize,
    /// Where the action being parsed started (for "in action started at").
    action_pos: Option<usize>,
    /// Trees made by `define`/`block`, in order.
    defs: Vec<Tree>,
    /// The thread's shared names, chains and literals, held for this parse.
    interned: InternGuard,
    /// Work stacks for the lists, pipelines and commands being built: each level of
    /// the (recursive) parse pushes above where it started and at its end moves its
    /// part into an exact-size boxed slice, so no per-node `Vec` grows and shrinks.
    node_stack: Vec<Node>,
    cmd_stack: Vec<Command>,
    arg_stack: Vec<Arg>,
}

type PResult<T> = Result<T, Error>;

/// Names, field chains and string literals already made shared, by their source text.
/// The same names (`Values`, `Release`, `include`, `$root`, …), chains
/// (`.Values.image.tag`) and literals recur all over a chart's templates, so one copy
/// serves every template parsed on this thread.
///
/// A parse takes the thread's tables for its whole run (see [`InternGuard`]) rather
/// than reaching into the thread-local for every token.
#[derive(Default)]
struct Interned {
    names: rustc_hash::FxHashSet<Arc<str>>,
    strings: rustc_hash::FxHashMap<Box<str>, Arc<StrLit>>,
    /// A field chain's names by the chain's source text: `.a.b` (a field chain) or
    /// `$x.a` (a variable and its fields). The first byte tells the two kinds apart.
    chains: rustc_hash::FxHashMap<Box<str>, Idents>,
}

impl Interned {
    /// Entries kept before the tables start over: a long-lived thread parsing ever new
    /// texts (`tpl` of generated strings) must not grow them without bound.
    const MAX_ENTRIES: usize = 1 << 16;
    /// The longest string literal (with its quotes) shared.
    const MAX_SHARED_LITERAL: usize = 64;

    /// Empty tables with room for a chart's worth of entries, so that they do not
    /// rehash their way up from nothing (helper threads start with new tables).
    fn with_room() -> Interned {
        Interned {
            names: rustc_hash::FxHashSet::with_capacity_and_hasher(1024, Default::default()),
            strings: rustc_hash::FxHashMap::with_capacity_and_hasher(512, Default::default()),
            chains: rustc_hash::FxHashMap::with_capacity_and_hasher(1024, Default::default()),
        }
    }

    fn make_room(&mut self) {
        if self.names.len() + self.strings.len() + self.chains.len() >= Self::MAX_ENTRIES {
            *self = Interned::default();
        }
    }

    /// The shared copy of a name.
    fn name(&mut self, text: &str) -> Arc<str> {
        if let Some(hit) = self.names.get(text) {
            return hit.clone();
        }
        self.make_room();
        let made: Arc<str> = Arc::from(text);
        self.names.insert(made.clone());
        made
    }

    /// The names of the field chain whose source text is `text`: `.a.b` gives `a`, `b`;
    /// `$x.a` gives `$x`, `a`.
    fn chain(&mut self, text: &str) -> Idents {
        if let Some(hit) = self.chains.get(text) {
            return hit.clone();
        }
        let body = text.strip_prefix('.').unwrap_or(text);
        let names: Vec<Arc<str>> = body.split('.').map(|p| self.name(p)).collect();
        let made: Idents = Arc::from(names);
        self.make_room();
        self.chains.insert(Box::from(text), made.clone());
        made
    }
}

thread_local! {
    static INTERNED: std::cell::RefCell<Interned> = std::cell::RefCell::default();
}

/// The thread's [`Interned`] tables, taken for one parse and put back when dropped
/// (also when the parse fails).
struct InternGuard(Interned);

impl InternGuard {
    fn take() -> InternGuard {
        let mut tables = INTERNED.with(|t| std::mem::take(&mut *t.borrow_mut()));
        if tables.names.capacity() == 0 {
            tables = Interned::with_room();
        }
        InternGuard(tables)
    }
}

impl Drop for InternGuard {
    fn drop(&mut self) {
        let tables = std::mem::take(&mut self.0);
        INTERNED.with(|t| *t.borrow_mut() = tables);
    }
}

/// The elements of a work stack from `base` up, moved into an exact-size boxed slice
/// (one allocation and one copy).
fn take_from<T>(stack: &mut Vec<T>, base: usize) -> Box<[T]> {
    stack.split_off(base).into_boxed_slice()
}

/// Stack left before recursion grows the stack (bytes).
pub(crate) const RED_ZONE: usize = 64 * 1024;
/// Size of each stack segment added by `stacker` (bytes).
pub(crate) const STACK_GROWTH: usize = 4 * 1024 * 1024;

/// Parses `text` (named `name`). Returns the top-level tree followed by every tree
/// `define`d or `block`ed inside it.
pub(crate) fn parse(
    name: &str,
    text: &str,
    left: &str,
    right: &str,
    has_func: &dyn Fn(&str) -> bool,
) -> Result<Vec<Tree>, Error> {
    parse_shared(name, &Arc::from(text), left, right, has_func)
}

/// [`parse`] of a text the trees share (no copy is made).
pub(crate) fn parse_shared(
    name: &str,
    text: &Arc<str>,
    left: &str,
    right: &str,
    has_func: &dyn Fn(&str) -> bool,
) -> Result<Vec<Tree>, Error> {
    if u32::try_from(text.len()).is_err() {
        return Err(Error::parse(name, 0, "template text longer than 4 GiB"));
    }
    let Lexed { items, error, lost } = lex(text, left, right);
    let src: &str = text;
    let text: Arc<str> = text.clone();
    let parse_name: Arc<str> = Arc::from(name);
    let mut p = Parser {
        items,
        src,
        lex_error: &error,
        lost,
        i: 0,
        hwm: 0,
        parse_name: parse_name.clone(),
        text: text.clone(),
        has_func,
        vars: vec!["$"],
        range_depth: 0,
        action_pos: None,
        defs: Vec::new(),
        interned: InternGuard::take(),
        node_stack: Vec::new(),
        cmd_stack: Vec::new(),
        arg_stack: Vec::new(),
    };
    let root = p.parse_top()?;
    let mut out = vec![Tree {
        name: Arc::from(name),
        parse_name,
        text,
        root: Arc::new(root),
    }];
    out.append(&mut p.defs);
    Ok(out)
}

impl<'a> Parser<'a> {
    fn item(&self, i: usize) -> &Item {
        // The item list always ends with Eof or Error; never read past it.
        let last = self.items.len().saturating_sub(1);
        &self.items[i.min(last)]
    }

    /// The line Go reports for an item at byte `pos` (computed on demand: only errors
    /// need lines).
    fn line(&self, pos: usize) -> usize {
        line_at(self.src, &self.lost, pos)
    }

    /// The shared copy of a name (see [`Interned`]).
    fn name(&mut self, text: &str) -> Arc<str> {
        self.interned.0.name(text)
    }

    /// The text of an item (see [`Lexed::val`]).
    fn val(&self, it: &Item) -> &'a str {
        if it.typ == ItemType::Error {
            self.lex_error
        } else {
            self.src.get(it.range()).unwrap_or("")
        }
    }

    fn next(&mut self) -> Item {
        let it = *self.item(self.i);
        if self.i < self.items.len() {
            self.i += 1;
        }
        self.hwm = self.hwm.max(self.i.saturating_sub(1));
        it
    }

    fn backup(&mut self) {
        self.i = self.i.saturating_sub(1);
    }

    fn peek(&mut self) -> Item {
        let it = *self.item(self.i);
        self.hwm = self.hwm.max(self.i.min(self.items.len().saturating_sub(1)));
        it
    }

    fn next_non_space(&mut self) -> Item {
        loop {
            let it = self.next();
            if it.typ != ItemType::Space {
                return it;
            }
        }
    }

    fn peek_non_space(&mut self) -> Item {
        let it = self.next_non_space();
        self.backup();
        it
    }

    fn errorf(&self, msg: impl Into<String>) -> Error {
        let line = self.line(self.item(self.hwm).pos as usize);
        Error::parse(&self.parse_name, line, msg)
    }

    fn expect(&mut self, typ: ItemType, context: &str) -> PResult<Item> {
        let tok = self.next_non_space();
        if tok.typ != typ {
            return Err(self.unexpected(&tok, context));
        }
        Ok(tok)
    }

    fn unexpected(&self, tok: &Item, context: &str) -> Error {
        if tok.typ == ItemType::Error {
            let mut extra = String::new();
            let action_line = self.action_pos.map(|p| self.line(p));
            if let Some(al) = action_line.filter(|al| *al != self.line(tok.pos as usize)) {
                extra = format!(" in action started at {}:{al}", self.parse_name);
                if self.val(tok).ends_with(" action") {
                    extra = extra[" in action".len()..].to_string();
                }
            }
            return self.errorf(format!("{}{extra}", tok.describe(self.val(tok))));
        }
        self.errorf(format!(
            "unexpected {} in {context}",
            tok.describe(self.val(tok))
        ))
    }

    fn parse_top(&mut self) -> PResult<List> {
        let base = self.node_stack.len();
        loop {
            let tok = self.peek();
            if tok.typ == ItemType::Eof {
                break;
            }
            if tok.typ == ItemType::LeftDelim {
                let save = self.i;
                self.next();
                if self.next_non_space().typ == ItemType::Define {
                    self.parse_definition()?;
                    continue;
                }
                self.i = save;
            }
            match self.text_or_action()? {
                Parsed::End => return Err(self.errorf("unexpected {{end}}")),
                Parsed::Else => return Err(self.errorf("unexpected {{else}}")),
                Parsed::Node(n) => self.node_stack.push(n),
            }
        }
        Ok(List {
            nodes: take_from(&mut self.node_stack, base),
        })
    }

    fn parse_definition(&mut self) -> PResult<()> {
        let context = "define clause";
        let tok = self.next_non_space();
        if tok.typ != ItemType::String && tok.typ != ItemType::RawString {
            return Err(self.unexpected(&tok, context));
        }
        let name = unquote(self.val(&tok)).ok_or_else(|| self.errorf("invalid syntax"))?;
        self.expect(ItemType::RightDelim, context)?;
        let saved_vars = std::mem::replace(&mut self.vars, vec!["$"]);
        let saved_depth = std::mem::replace(&mut self.range_depth, 0);
        let (list, end) = self.item_list()?;
        self.vars = saved_vars;
        self.range_depth = saved_depth;
        if !matches!(end, Parsed::End) {
            return Err(self.errorf(format!(
                "unexpected {} in {context}",
                parsed_str(&end, self.src)
            )));
        }
        self.add_def(Tree {
            name: Arc::from(&*name),
            parse_name: self.parse_name.clone(),
            text: self.text.clone(),
            root: Arc::new(list),
        })
    }

    /// Go's `Tree.add`: within one parse, a second non-empty definition of a name is an
    /// error; an empty one never replaces a non-empty one.
    fn add_def(&mut self, t: Tree) -> PResult<()> {
        if let Some(i) = self.defs.iter().position(|d| d.name == t.name) {
            if self.defs[i].is_empty() {
                self.defs[i] = t;
            } else if !t.is_empty() {
                return Err(self.errorf(format!(
                    "template: multiple definition of template {}",
                    crate::fmt::go_quote(&t.name)
                )));
            }
            return Ok(());
        }
        self.defs.push(t);
        Ok(())
    }

    /// Parses nodes up to `{{end}}` or `{{else}}`, which it returns.
    fn item_list(&mut self) -> PResult<(List, Parsed)> {
        // Nesting depth is only bounded by the input; grow the stack on the heap
        // instead of overflowing it.
        stacker::maybe_grow(RED_ZONE, STACK_GROWTH, || self.item_list_inner())
    }

    fn item_list_inner(&mut self) -> PResult<(List, Parsed)> {
        let base = self.node_stack.len();
        while self.peek_non_space().typ != ItemType::Eof {
            match self.text_or_action()? {
                Parsed::Node(n) => self.node_stack.push(n),
                other => {
                    let list = List {
                        nodes: take_from(&mut self.node_stack, base),
                    };
                    return Ok((list, other));
                }
            }
        }
        Err(self.errorf("unexpected EOF"))
    }

    fn text_or_action(&mut self) -> PResult<Parsed> {
        let tok = self.next_non_space();
        match tok.typ {
            ItemType::Text => Ok(Parsed::Node(Node::Text {
                start: tok.pos,
                end: tok.end,
            })),
            ItemType::LeftDelim => {
                self.action_pos = Some(tok.pos as usize);
                let r = self.action();
                self.action_pos = None;
                r
            }
            _ => Err(self.unexpected(&tok, "input")),
        }
    }

    fn action(&mut self) -> PResult<Parsed> {
        let tok = self.next_non_space();
        match tok.typ {
            ItemType::Block => return self.block_control().map(Parsed::Node),
            ItemType::Break => return self.break_control(tok.pos, true).map(Parsed::Node),
            ItemType::Continue => return self.break_control(tok.pos, false).map(Parsed::Node),
            ItemType::Else => return self.else_control(),
            ItemType::End => {
                self.expect(ItemType::RightDelim, "end")?;
                return Ok(Parsed::End);
            }
            ItemType::If => return self.branch_control("if").map(|b| Parsed::Node(Node::If(b))),
            ItemType::Range => {
                return self
                    .branch_control("range")
                    .map(|b| Parsed::Node(Node::Range(b)))
            }
            ItemType::Template => return self.template_control().map(Parsed::Node),
            ItemType::With => {
                return self
                    .branch_control("with")
                    .map(|b| Parsed::Node(Node::With(b)))
            }
            _ => {}
        }
        self.backup();
        let pos = self.peek().pos;
        let pipe = self.pipeline("command", ItemType::RightDelim)?;
        Ok(Parsed::Node(Node::Action { pos, pipe }))
    }

    fn break_control(&mut self, pos: Pos, is_break: bool) -> PResult<Node> {
        let word = if is_break { "break" } else { "continue" };
        let tok = self.next_non_space();
        if tok.typ != ItemType::RightDelim {
            return Err(self.unexpected(&tok, &format!("{{{{{word}}}}}")));
        }
        if self.range_depth == 0 {
            return Err(self.errorf(format!("{{{{{word}}}}} outside {{{{range}}}}")));
        }
        Ok(if is_break {
            Node::Break { pos }
        } else {
            Node::Continue { pos }
        })
    }

    fn else_control(&mut self) -> PResult<Parsed> {
        let peek = self.peek_non_space();
        if peek.typ == ItemType::If || peek.typ == ItemType::With {
            return Ok(Parsed::Else);
        }
        self.expect(ItemType::RightDelim, "else")?;
        Ok(Parsed::Else)
    }

    fn branch_control(&mut self, context: &str) -> PResult<Box<Branch>> {
        let nvars = self.vars.len();
        let r = self.branch_inner(context);
        self.vars.truncate(nvars);
        r
    }

    fn branch_inner(&mut self, context: &str) -> PResult<Box<Branch>> {
        let pipe = self.pipeline(context, ItemType::RightDelim)?;
        if context == "range" {
            self.range_depth += 1;
        }
        let res = self.item_list();
        if context == "range" {
            self.range_depth -= 1;
        }
        let (list, next) = res?;
        let mut else_list = None;
        match next {
            Parsed::End => {}
            Parsed::Else => {
                let peek = self.peek();
                if context == "if" && peek.typ == ItemType::If {
                    self.next();
                    let inner = self.branch_control("if")?;
                    else_list = Some(List {
                        nodes: Box::new([Node::If(inner)]),
                    });
                } else if context == "with" && peek.typ == ItemType::With {
                    self.next();
                    let inner = self.branch_control("with")?;
                    else_list = Some(List {
                        nodes: Box::new([Node::With(inner)]),
                    });
                } else {
                    let (l, next) = self.item_list()?;
                    if !matches!(next, Parsed::End) {
                        return Err(self.errorf(format!(
                            "expected end; found {}",
                            parsed_str(&next, self.src)
                        )));
                    }
                    else_list = Some(l);
                }
            }
            Parsed::Node(_) => {}
        }
        Ok(Box::new(Branch {
            pos: pipe.pos(),
            pipe,
            list,
            else_list,
        }))
    }

    fn block_control(&mut self) -> PResult<Node> {
        let context = "block clause";
        let tok = self.next_non_space();
        let name = self.template_name(&tok, context)?;
        let pipe = self.pipeline(context, ItemType::RightDelim)?;
        let saved_vars = std::mem::replace(&mut self.vars, vec!["$"]);
        let saved_depth = std::mem::replace(&mut self.range_depth, 0);
        let res = self.item_list();
        self.vars = saved_vars;
        self.range_depth = saved_depth;
        let (list, end) = res?;
        if !matches!(end, Parsed::End) {
            return Err(self.errorf(format!(
                "unexpected {} in {context}",
                parsed_str(&end, self.src)
            )));
        }
        self.add_def(Tree {
            name: Arc::from(&*name),
            parse_name: self.parse_name.clone(),
            text: self.text.clone(),
            root: Arc::new(list),
        })?;
        Ok(Node::Template(Box::new(TemplateCall {
            pos: tok.pos,
            name: Arc::from(&*name),
            pipe: Some(pipe),
        })))
    }

    fn template_control(&mut self) -> PResult<Node> {
        let context = "template clause";
        let tok = self.next_non_space();
        let name = self.template_name(&tok, context)?;
        let pipe = if self.next_non_space().typ != ItemType::RightDelim {
            self.backup();
            Some(self.pipeline(context, ItemType::RightDelim)?)
        } else {
            None
        };
        Ok(Node::Template(Box::new(TemplateCall {
            pos: tok.pos,
            name: Arc::from(&*name),
            pipe,
        })))
    }

    fn template_name(&self, tok: &Item, context: &str) -> PResult<Cow<'a, str>> {
        match tok.typ {
            ItemType::String | ItemType::RawString => {
                unquote(self.val(tok)).ok_or_else(|| self.errorf("invalid syntax"))
            }
            _ => Err(self.unexpected(tok, context)),
        }
    }

    fn pipeline(&mut self, context: &str, end: ItemType) -> PResult<Pipe> {
        stacker::maybe_grow(RED_ZONE, STACK_GROWTH, || self.pipeline_inner(context, end))
    }

    fn pipeline_inner(&mut self, context: &str, end: ItemType) -> PResult<Pipe> {
        let pos = self.peek_non_space().pos;
        let mut is_assign = false;
        let mut decl: Vec<Arc<str>> = Vec::new();
        let base = self.cmd_stack.len();
        'decls: loop {
            let v = self.peek_non_space();
            if v.typ != ItemType::Variable {
                break;
            }
            let save = self.i;
            self.next_non_space();
            let after = self.peek();
            let next = self.peek_non_space();
            match next.typ {
                ItemType::Assign | ItemType::Declare => {
                    is_assign = next.typ == ItemType::Assign;
                    self.next_non_space();
                    decl.push(self.name(self.val(&v)));
                    self.vars.push(self.val(&v));
                }
                ItemType::Char if self.val(&next) == "," => {
                    self.next_non_space();
                    decl.push(self.name(self.val(&v)));
                    self.vars.push(self.val(&v));
                    if context == "range" && decl.len() < 2 {
                        match self.peek_non_space().typ {
                            ItemType::Variable | ItemType::RightDelim | ItemType::RightParen => {
                                continue 'decls;
                            }
                            _ => return Err(self.errorf("range can only initialize variables")),
                        }
                    }
                    return Err(self.errorf(format!("too many declarations in {context}")));
                }
                _ => {
                    let _ = after;
                    self.i = save;
                }
            }
            break;
        }
        loop {
            let tok = self.next_non_space();
            if tok.typ == end {
                self.check_pipeline(&self.cmd_stack[base..], context)?;
                return Ok(Pipe {
                    vars: (!decl.is_empty()).then(|| {
                        Box::new(Decl {
                            pos,
                            is_assign,
                            names: decl.into_boxed_slice(),
                        })
                    }),
                    cmds: take_from(&mut self.cmd_stack, base),
                });
            }
            match tok.typ {
                ItemType::Bool
                | ItemType::CharConstant
                | ItemType::Complex
                | ItemType::Dot
                | ItemType::Field
                | ItemType::Identifier
                | ItemType::Number
                | ItemType::Nil
                | ItemType::RawString
                | ItemType::String
                | ItemType::Variable
                | ItemType::LeftParen => {
                    self.backup();
                    let c = self.command()?;
                    self.cmd_stack.push(c);
                }
                _ => return Err(self.unexpected(&tok, context)),
            }
        }
    }

    fn check_pipeline(&self, cmds: &[Command], context: &str) -> PResult<()> {
        if cmds.is_empty() {
            return Err(self.errorf(format!("missing value for {context}")));
        }
        for (i, c) in cmds.iter().enumerate().skip(1) {
            if matches!(
                c.args().first(),
                Some(
                    Arg::Bool { .. }
                        | Arg::Dot { .. }
                        | Arg::Nil { .. }
                        | Arg::Number { .. }
                        | Arg::String { .. }
                )
            ) {
                return Err(self.errorf(format!(
                    "non executable command in pipeline stage {}",
                    i + 1
                )));
            }
        }
        Ok(())
    }

    fn command(&mut self) -> PResult<Command> {
        let pos = self.peek_non_space().pos;
        let base = self.arg_stack.len();
        loop {
            self.peek_non_space();
            if let Some(op) = self.operand()? {
                self.arg_stack.push(op);
            }
            let tok = self.next();
            match tok.typ {
                ItemType::Space => continue,
                ItemType::RightDelim | ItemType::RightParen => self.backup(),
                ItemType::Pipe => {}
                _ => return Err(self.unexpected(&tok, "operand")),
            }
            break;
        }
        if self.arg_stack.len() == base {
            return Err(self.errorf("empty command"));
        }
        Ok(if self.arg_stack.len() == base + 1 {
            match self.arg_stack.pop() {
                Some(only) => Command::one(pos, only),
                None => return Err(self.errorf("empty command")),
            }
        } else {
            Command::many(pos, take_from(&mut self.arg_stack, base))
        })
    }

    fn operand(&mut self) -> PResult<Option<Arg>> {
        let Some(node) = self.term()? else {
            return Ok(None);
        };
        if self.peek().typ == ItemType::Field {
            let chain_pos = self.peek().pos;
            let mut fields: Vec<Arc<str>> = Vec::new();
            while self.peek().typ == ItemType::Field {
                let f = self.next();
                fields.push(self.name(self.val(&f).get(1..).unwrap_or("")));
            }
            return Ok(Some(match node {
                // `term` took the fields following a field or variable itself.
                Arg::Field { .. } | Arg::Variable { .. } => node,
                Arg::Bool { .. }
                | Arg::String { .. }
                | Arg::Number { .. }
                | Arg::Nil { .. }
                | Arg::Dot { .. } => {
                    let s = node.to_string();
                    return Err(self.errorf(format!(
                        "unexpected . after term {}",
                        crate::fmt::go_quote(&s)
                    )));
                }
                other => Arg::Chain {
                    pos: chain_pos,
                    chain: Box::new(Chain {
                        node: other,
                        fields: fields.into_boxed_slice(),
                    }),
                },
            }));
        }
        Ok(Some(node))
    }

    /// A field or variable token `tok` (just read) and the fields that follow it with
    /// no space between (`.a` `.b`, `$x` `.a`): the operand's position (Go's: that of
    /// the first following field, if any) and the chain's names, looked up by the
    /// chain's source text so a recurring chain costs one hash lookup.
    fn field_chain(&mut self, tok: &Item) -> (Pos, Idents) {
        let mut pos = tok.pos;
        let mut end = tok.end;
        let next = self.peek();
        if next.typ == ItemType::Field {
            pos = next.pos;
            while self.peek().typ == ItemType::Field {
                end = self.next().end;
            }
        }
        // Adjacent items: the chain is one contiguous range of the source.
        let text = self.src.get(tok.pos as usize..end as usize).unwrap_or("");
        (pos, self.interned.0.chain(text))
    }

    fn term(&mut self) -> PResult<Option<Arg>> {
        let tok = self.next_non_space();
        let pos = tok.pos;
        Ok(Some(match tok.typ {
            ItemType::Identifier => {
                if !(self.has_func)(self.val(&tok)) {
                    return Err(self.errorf(format!(
                        "function {} not defined",
                        crate::fmt::go_quote(self.val(&tok))
                    )));
                }
                Arg::Identifier {
                    pos,
                    name: self.name(self.val(&tok)),
                }
            }
            ItemType::Dot => Arg::Dot { pos },
            ItemType::Nil => Arg::Nil { pos },
            ItemType::Variable => {
                let name = self.val(&tok).split('.').next().unwrap_or("");
                if !self.vars.contains(&name) {
                    return Err(
                        self.errorf(format!("undefined variable {}", crate::fmt::go_quote(name)))
                    );
                }
                let (pos, idents) = self.field_chain(&tok);
                Arg::Variable { pos, idents }
            }
            ItemType::Field => {
                let (pos, idents) = self.field_chain(&tok);
                Arg::Field { pos, idents }
            }
            ItemType::Bool => Arg::Bool {
                pos,
                val: self.val(&tok) == "true",
            },
            ItemType::CharConstant | ItemType::Complex | ItemType::Number => {
                let num = new_number(self.val(&tok), tok.typ).map_err(|m| self.errorf(m))?;
                Arg::Number {
                    pos,
                    num: Box::new(num),
                }
            }
            ItemType::LeftParen => {
                let p = self.pipeline("parenthesized pipeline", ItemType::RightParen)?;
                Arg::Pipe(Box::new(p))
            }
            ItemType::String | ItemType::RawString => {
                let quoted = self.val(&tok);
                // Long literals (alert texts in `{{` `...` `}}`, …) seldom recur: they
                // are not worth hashing and keeping.
                let share = quoted.len() <= Interned::MAX_SHARED_LITERAL;
                let hit = if share {
                    self.interned.0.strings.get(quoted).cloned()
                } else {
                    None
                };
                let lit = match hit {
                    Some(hit) => hit,
                    None => {
                        let s = unquote(quoted).ok_or_else(|| self.errorf("invalid syntax"))?;
                        let made = Arc::new(match s {
                            // Borrowed: the text between the quotes, unchanged.
                            Cow::Borrowed(inner) => {
                                StrLit::plain(quoted.as_bytes()[0], Arc::from(inner))
                            }
                            Cow::Owned(text) => StrLit::quoted(quoted, Arc::from(text)),
                        });
                        if share {
                            let t = &mut self.interned.0;
                            t.make_room();
                            t.strings.insert(Box::from(quoted), made.clone());
                        }
                        made
                    }
                };
                Arg::String { pos, lit }
            }
            _ => {
                self.backup();
                return Ok(None);
            }
        }))
    }
}

fn parsed_str(p: &Parsed, src: &str) -> String {
    match p {
        Parsed::End => "{{end}}".into(),
        Parsed::Else => "{{else}}".into(),
        Parsed::Node(n) => Show(n, src).to_string(),
    }
}

/// Go's `strconv.Unquote` for the three quote kinds. Invalid UTF-8 produced by `\x`
/// or octal escapes is replaced by U+FFFD (a Rust string cannot hold it). A literal
/// with nothing to translate (the usual case) is returned borrowed.
pub(crate) fn unquote(s: &str) -> Option<Cow<'_, str>> {
    let b = s.as_bytes();
    if b.len() < 2 {
        return None;
    }
    let (q, last) = (b[0], b[b.len() - 1]);
    if q != last {
        return None;
    }
    let inner = &s[1..s.len() - 1];
    match q {
        b'`' => {
            let raw = inner.as_bytes();
            if memchr::memchr(b'`', raw).is_some() {
                return None;
            }
            if memchr::memchr(b'\r', raw).is_none() {
                return Some(Cow::Borrowed(inner));
            }
            Some(Cow::Owned(inner.replace('\r', "")))
        }
        b'"' | b'\'' => {
            if q == b'"' && memchr::memchr(b'\n', inner.as_bytes()).is_some() {
                return None;
            }
            // Without escapes or quotes a double-quoted literal is its own value (the
            // loop below would copy it character for character).
            if q == b'"' && memchr::memchr2(b'\\', b'"', inner.as_bytes()).is_none() {
                return Some(Cow::Borrowed(inner));
            }
            let mut out: Vec<u8> = Vec::with_capacity(inner.len());
            let mut chars = inner.char_indices().peekable();
            let mut count = 0;
            while let Some((_, c)) = chars.next() {
                count += 1;
                if c == q as char {
                    return None;
                }
                if c != '\\' {
                    let mut buf = [0u8; 4];
                    out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                    continue;
                }
                let (_, e) = chars.next()?;
                let simple = match e {
                    'a' => Some(7u8),
                    'b' => Some(8),
                    'f' => Some(12),
                    'n' => Some(b'\n'),
                    'r' => Some(b'\r'),
                    't' => Some(b'\t'),
                    'v' => Some(11),
                    '\\' => Some(b'\\'),
                    '\'' if q == b'\'' => Some(b'\''),
                    '"' if q == b'"' => Some(b'"'),
                    _ => None,
                };
                if let Some(v) = simple {
                    out.push(v);
                    continue;
                }
                match e {
                    'x' | 'u' | 'U' => {
                        let n = match e {
                            'x' => 2,
                            'u' => 4,
                            _ => 8,
                        };
                        let mut v: u32 = 0;
                        for _ in 0..n {
                            let (_, h) = chars.next()?;
                            v = v * 16 + h.to_digit(16)?;
                        }
                        if e == 'x' {
                            if q == b'\'' {
                                let ch = char::from_u32(v)?;
                                let mut buf = [0u8; 4];
                                out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                            } else {
                                out.push(v as u8);
                            }
                        } else {
                            let ch = char::from_u32(v)?;
                            let mut buf = [0u8; 4];
                            out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                        }
                    }
                    '0'..='7' => {
                        let mut v: u32 = e.to_digit(8)?;
                        for _ in 0..2 {
                            let (_, o) = chars.next()?;
                            v = v * 8 + o.to_digit(8)?;
                        }
                        if v > 255 {
                            return None;
                        }
                        if q == b'\'' {
                            let ch = char::from_u32(v)?;
                            let mut buf = [0u8; 4];
                            out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                        } else {
                            out.push(v as u8);
                        }
                    }
                    _ => return None,
                }
            }
            if q == b'\'' && count != 1 {
                return None;
            }
            Some(Cow::Owned(crate::bytestr::from_go_vec(out)))
        }
        _ => None,
    }
}

/// Go's `strconv.ParseFloat(s, 64)` for the forms the lexer produces.
pub(crate) fn parse_float(s: &str) -> Option<f64> {
    if s.contains('_') && !underscore_ok(s) {
        return None;
    }
    let clean: String = s.chars().filter(|c| *c != '_').collect();
    let (neg, mag) = match clean.as_bytes().first() {
        Some(b'-') => (true, &clean[1..]),
        Some(b'+') => (false, &clean[1..]),
        _ => (false, &clean[..]),
    };
    let v = if let Some(h) = mag.strip_prefix("0x").or_else(|| mag.strip_prefix("0X")) {
        parse_hex_float(h)?
    } else {
        if mag.is_empty()
            || !mag
                .bytes()
                .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-'))
        {
            return None;
        }
        mag.parse::<f64>().ok().filter(|f| f.is_finite())?
    };
    Some(if neg { -v } else { v })
}

fn parse_hex_float(h: &str) -> Option<f64> {
    let lower = h.to_ascii_lowercase();
    let (mant, exp) = match lower.split_once('p') {
        Some((m, e)) => (m.to_string(), e.parse::<i32>().ok()?),
        None => return None, // Go requires the p exponent for hex floats
    };
    let (ip, fp) = match mant.split_once('.') {
        Some((a, b)) => (a.to_string(), b.to_string()),
        None => (mant.clone(), String::new()),
    };
    if ip.is_empty() && fp.is_empty() {
        return None;
    }
    let mut v: f64 = 0.0;
    for c in ip.chars() {
        v = v * 16.0 + f64::from(c.to_digit(16)?);
    }
    let mut scale = 1.0 / 16.0;
    for c in fp.chars() {
        v += f64::from(c.to_digit(16)?) * scale;
        scale /= 16.0;
    }
    Some(v * 2f64.powi(exp))
}

fn new_number(text: &str, typ: ItemType) -> Result<Number, String> {
    let mut n = Number {
        text: Arc::from(text),
        is_int: false,
        is_uint: false,
        is_float: false,
        is_complex: false,
        int: 0,
        uint: 0,
        float: 0.0,
        complex: (0.0, 0.0),
    };
    if typ == ItemType::CharConstant {
        let r = unquote_char_constant(text)?;
        n.int = i64::from(r);
        n.uint = u64::from(r);
        n.float = f64::from(r);
        n.is_int = true;
        n.is_uint = true;
        n.is_float = true;
        return Ok(n);
    }
    if typ == ItemType::Complex {
        // a+bi / a-bi
        let body = text.strip_suffix('i').ok_or("invalid syntax")?;
        let split = body
            .char_indices()
            .skip(1)
            .filter(|(i, c)| {
                (*c == '+' || *c == '-')
                    && !matches!(
                        body.as_bytes().get(i.wrapping_sub(1)),
                        Some(b'e' | b'E' | b'p' | b'P')
                    )
            })
            .map(|(i, _)| i)
            .last()
            .ok_or("invalid syntax")?;
        let re = parse_float(&body[..split]).ok_or("expected integer")?;
        let im = parse_float(&body[split..]).ok_or("expected integer")?;
        n.is_complex = true;
        n.complex = (re, im);
        simplify_complex(&mut n);
        return Ok(n);
    }
    if let Some(body) = text.strip_suffix('i') {
        if let Some(f) = parse_float(body) {
            n.is_complex = true;
            n.complex = (0.0, f);
            simplify_complex(&mut n);
            return Ok(n);
        }
    }
    let u = if text.starts_with('+') || text.starts_with('-') {
        None
    } else {
        parse_uint(text, 0)
    };
    if let Some(u) = u {
        n.is_uint = true;
        n.uint = u;
    }
    if let Some(i) = parse_int(text, 0) {
        n.is_int = true;
        n.int = i;
        if i == 0 {
            n.is_uint = true;
            n.uint = 0;
        }
    }
    if n.is_int {
        n.is_float = true;
        n.float = n.int as f64;
    } else if n.is_uint {
        n.is_float = true;
        n.float = n.uint as f64;
    } else if let Some(f) = parse_float(text) {
        if !text.contains(['.', 'e', 'E', 'p', 'P']) {
            return Err(format!("integer overflow: {}", crate::fmt::go_quote(text)));
        }
        n.is_float = true;
        n.float = f;
        if f.fract() == 0.0 && (-9.223372036854776e18..9.223372036854776e18).contains(&f) {
            n.is_int = true;
            n.int = f as i64;
        }
        if f.fract() == 0.0 && (0.0..1.8446744073709552e19).contains(&f) {
            n.is_uint = true;
            n.uint = f as u64;
        }
    }
    if !n.is_int && !n.is_uint && !n.is_float {
        return Err(format!(
            "illegal number syntax: {}",
            crate::fmt::go_quote(text)
        ));
    }
    Ok(n)
}

/// Go's `strconv.UnquoteChar` on a char constant's body, then the check that only the
/// closing quote follows.
fn unquote_char_constant(text: &str) -> Result<u32, String> {
    let body = text.get(1..).ok_or("invalid syntax")?;
    let mut cs = body.char_indices();
    let (_, c) = cs.next().ok_or("invalid syntax")?;
    if c == '\'' {
        return Err("invalid syntax".into());
    }
    let (r, tail_at) = if c == '\\' {
        let (_, e) = cs.next().ok_or("invalid syntax")?;
        let simple = match e {
            'a' => Some(7),
            'b' => Some(8),
            'f' => Some(12),
            'n' => Some(10),
            'r' => Some(13),
            't' => Some(9),
            'v' => Some(11),
            '\\' => Some(92),
            '\'' => Some(39),
            _ => None,
        };
        match simple {
            Some(v) => (v, cs.next().map(|(i, _)| i).unwrap_or(body.len())),
            None => {
                let n = match e {
                    'x' => 2,
                    'u' => 4,
                    'U' => 8,
                    '0'..='7' => 2,
                    _ => return Err("invalid syntax".into()),
                };
                let (radix, mut v) = if e.is_ascii_digit() {
                    (8, e.to_digit(8).unwrap_or(0))
                } else {
                    (16, 0)
                };
                for _ in 0..n {
                    let (_, h) = cs.next().ok_or("invalid syntax")?;
                    v = v * radix + h.to_digit(radix).ok_or("invalid syntax")?;
                }
                if char::from_u32(v).is_none() || (radix == 8 && v > 255) {
                    return Err("invalid syntax".into());
                }
                (v, cs.next().map(|(i, _)| i).unwrap_or(body.len()))
            }
        }
    } else {
        (c as u32, cs.next().map(|(i, _)| i).unwrap_or(body.len()))
    };
    if body.get(tail_at..) != Some("'") {
        return Err(format!("malformed character constant: {text}"));
    }
    Ok(r)
}

fn simplify_complex(n: &mut Number) {
    let (re, im) = n.complex;
    if im == 0.0 {
        n.is_float = true;
        n.float = re;
        if re.fract() == 0.0 && re.abs() < 9.2e18 {
            n.is_int = true;
            n.int = re as i64;
        }
        if re.fract() == 0.0 && (0.0..1.8e19).contains(&re) {
            n.is_uint = true;
            n.uint = re as u64;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Result<Vec<Tree>, Error> {
        parse("t", s, "{{", "}}", &|n| n == "printf" || n == "include")
    }

    #[test]
    fn parses_if_else_chain() {
        let t = p("{{if .a}}x{{else if .b}}y{{else}}z{{end}}");
        assert!(t.is_ok());
    }

    #[test]
    fn missing_end_is_eof_error() {
        let e = p("{{ if true }}").err().map(|e| e.to_string());
        assert_eq!(e.as_deref(), Some("template: t:1: unexpected EOF"));
    }

    #[test]
    fn unknown_function() {
        let e = p("{{ nosuch }}").err().map(|e| e.to_string());
        assert_eq!(
            e.as_deref(),
            Some("template: t:1: function \"nosuch\" not defined")
        );
    }

    #[test]
    fn numbers() {
        let n = new_number("1_000", ItemType::Number).ok();
        assert_eq!(n.map(|n| n.int), Some(1000));
        let n = new_number("0x1p4", ItemType::Number).ok();
        assert_eq!(n.map(|n| n.float), Some(16.0));
        let n = new_number("017", ItemType::Number).ok();
        assert_eq!(n.map(|n| n.int), Some(15));
        assert!(new_number("100000000000000000000", ItemType::Number).is_err());
    }

    #[test]
    fn unquotes() {
        assert_eq!(unquote(r#""a\tb\x41\u00e9""#).as_deref(), Some("a\tbAé"));
        assert_eq!(unquote("`a\\n`").as_deref(), Some("a\\n"));
        assert_eq!(unquote("'a'").as_deref(), Some("a"));
    }

    #[test]
    fn unquote_borrows_only_plain_literals() {
        assert!(matches!(
            unquote(r#""plain é""#),
            Some(Cow::Borrowed("plain é"))
        ));
        assert!(matches!(unquote("`raw\\n`"), Some(Cow::Borrowed("raw\\n"))));
        assert!(matches!(unquote(r#""a\"b""#), Some(Cow::Owned(s)) if s == "a\"b"));
        assert!(matches!(unquote("`a\r\nb`"), Some(Cow::Owned(s)) if s == "a\nb"));
        assert!(unquote("\"a\nb\"").is_none());
        assert!(unquote("`a").is_none());
    }

    /// The source form of every operand, printed back, for a text of one action.
    fn printed(src: &str) -> String {
        let trees = p(src).unwrap_or_default();
        trees
            .first()
            .map(|t| Show(&*t.root, &t.text).to_string())
            .unwrap_or_default()
    }

    #[test]
    fn chains_and_literals_print_as_written() {
        // The same chains and literals twice: the second copies come from the tables.
        for _ in 0..2 {
            assert_eq!(
                printed("{{ $x := .a.b }}{{ $x.c.d }}{{ .e }}{{ $ }}{{ $.f }}"),
                "{{$x := .a.b}}{{$x.c.d}}{{.e}}{{$}}{{$.f}}"
            );
            assert_eq!(
                printed(r#"{{ printf "%s\t" `r` "plain" (include "x" .).y }}"#),
                r#"{{printf "%s\t" `r` "plain" (include "x" .).y}}"#
            );
        }
    }

    #[test]
    fn chain_positions_are_gos() {
        // Go gives a field chain the position of its first following field.
        let trees = p("{{ $x := 1 }}{{ $x.a.b }}").unwrap_or_default();
        let Some(Node::Action { pipe, .. }) = trees.first().and_then(|t| t.root.nodes.get(1))
        else {
            panic!("no action");
        };
        let args = pipe.cmds[0].args();
        assert!(matches!(&args[0], Arg::Variable { pos: 18, idents } if idents.len() == 3));
    }

    #[test]
    fn defines_are_collected() {
        let t = p("{{define \"x\"}}hi{{end}}body").ok();
        let names: Vec<String> = t
            .map(|v| v.iter().map(|t| t.name.to_string()).collect())
            .unwrap_or_default();
        assert_eq!(names, vec!["t".to_string(), "x".to_string()]);
    }
}
