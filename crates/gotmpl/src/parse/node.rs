//! The parse tree. Each node keeps its byte offset (for Go's `FILE:LINE:COL` error
//! locations) and prints itself as Go's `Node.String()` does (for `at <…>` contexts).

use std::fmt;
use std::sync::Arc;

/// A parsed template: its name, the name of the source it came from, the source text
/// (for line/column computation and the text nodes, which are ranges of it) and its
/// root list.
///
/// The tree is kept compact (it is most of a render's memory): positions are `u32`
/// byte offsets, children are exact-size boxed slices, text is not copied out of the
/// source, and names and string literals are shared within one parse.
#[derive(Debug)]
pub(crate) struct Tree {
    pub name: Arc<str>,
    pub parse_name: Arc<str>,
    pub text: Arc<str>,
    /// Shared between the trees of identical sources (see `Template::parse_all_with`).
    pub root: Arc<List>,
}

/// A byte offset into a template's source. Sources are at most `u32::MAX` bytes long
/// (the parser refuses longer ones).
pub(crate) type Pos = u32;

impl Tree {
    /// The `k`-th tree of a parse of file `file` (named `name` by that parse), under the
    /// file's name: the first is the file's own template and takes the file's name, the
    /// others (its `define`s) keep theirs; every one was parsed as `file`. Used where a
    /// parse made under another name is reused (a copy of the same text, an early parse).
    pub fn of_file(
        file: &Arc<str>,
        k: usize,
        name: Arc<str>,
        text: Arc<str>,
        root: Arc<List>,
    ) -> Tree {
        Tree {
            name: if k == 0 { file.clone() } else { name },
            parse_name: file.clone(),
            text,
            root,
        }
    }

    /// `FILE:LINE:COL` of a byte offset, as Go's ErrorContext computes it (0-based column).
    pub fn location(&self, pos: Pos) -> (usize, usize) {
        let pos = (pos as usize).min(self.text.len());
        let before = &self.text.as_bytes()[..pos];
        let line = 1 + before.iter().filter(|b| **b == b'\n').count();
        let col = match before.iter().rposition(|b| *b == b'\n') {
            Some(nl) => pos - (nl + 1),
            None => pos,
        };
        (line, col)
    }

    /// Whether the tree holds nothing but white space (Go's `IsEmptyTree`).
    pub fn is_empty(&self) -> bool {
        self.root.nodes.iter().all(|n| match n {
            Node::Text { start, end } => text_of(&self.text, *start, *end).trim().is_empty(),
            _ => false,
        })
    }

    /// The text of a text node of this tree.
    pub fn text_of(&self, start: Pos, end: Pos) -> &str {
        text_of(&self.text, start, end)
    }
}

/// The source range `start..end` (empty if out of range, which the parser never makes).
fn text_of(text: &str, start: Pos, end: Pos) -> &str {
    text.get(start as usize..end as usize).unwrap_or("")
}

/// A sequence of nodes.
#[derive(Debug, Default)]
pub(crate) struct List {
    pub nodes: Box<[Node]>,
}

/// Statement-level nodes.
#[derive(Debug)]
pub(crate) enum Node {
    /// Text copied to the output: the source range `start..end`.
    Text {
        start: Pos,
        end: Pos,
    },
    Action {
        pos: Pos,
        pipe: Pipe,
    },
    If(Box<Branch>),
    Range(Box<Branch>),
    With(Box<Branch>),
    Template(Box<TemplateCall>),
    Break {
        pos: Pos,
    },
    Continue {
        pos: Pos,
    },
}

/// `{{template "name" pipeline}}`.
#[derive(Debug)]
pub(crate) struct TemplateCall {
    pub pos: Pos,
    pub name: Arc<str>,
    pub pipe: Option<Pipe>,
}

/// The shared shape of if/range/with.
#[derive(Debug)]
pub(crate) struct Branch {
    pub pos: Pos,
    pub pipe: Pipe,
    pub list: List,
    pub else_list: Option<List>,
}

/// A pipeline, possibly with variable declarations.
#[derive(Debug)]
pub(crate) struct Pipe {
    /// The declared or assigned variables, if any (most pipelines have none).
    pub vars: Option<Box<Decl>>,
    /// The commands (at least one: the parser refuses an empty pipeline).
    pub cmds: Box<[Command]>,
}

/// `$x := …`, `$i, $e := …` or `$x = …`.
#[derive(Debug)]
pub(crate) struct Decl {
    /// Where the pipeline starts (its first variable).
    pub pos: Pos,
    pub is_assign: bool,
    pub names: Box<[Arc<str>]>,
}

impl Pipe {
    /// Where the pipeline starts: its first variable, or else its first command (both
    /// are the first non-space token of the pipeline, as Go records it).
    pub fn pos(&self) -> Pos {
        match (&self.vars, self.cmds.first()) {
            (Some(d), _) => d.pos,
            (None, Some(c)) => c.pos,
            (None, None) => 0,
        }
    }

    /// The variables the pipeline declares or assigns.
    pub fn decl(&self) -> &[Arc<str>] {
        self.vars.as_ref().map_or(&[], |d| &d.names)
    }

    /// Whether the variables are assigned (`=`) rather than declared (`:=`).
    pub fn is_assign(&self) -> bool {
        self.vars.as_ref().is_some_and(|d| d.is_assign)
    }
}

/// A field chain's names (`.Values.image.tag` → `Values`, `image`, `tag`), shared by
/// every occurrence of the same chain.
pub(crate) type Idents = Arc<[Arc<str>]>;

/// One command of a pipeline: a function/method/value and its arguments.
#[derive(Debug)]
pub(crate) struct Command {
    pub pos: Pos,
    args: Args,
}

/// A command's arguments; most commands are one operand (`.Values.x`, `quote`), kept
/// inline.
#[derive(Debug)]
enum Args {
    One(Arg),
    Many(Box<[Arg]>),
}

impl Command {
    /// A command of one operand.
    pub fn one(pos: Pos, arg: Arg) -> Command {
        Command {
            pos,
            args: Args::One(arg),
        }
    }

    /// A command of several operands.
    pub fn many(pos: Pos, args: Box<[Arg]>) -> Command {
        Command {
            pos,
            args: Args::Many(args),
        }
    }

    /// The operands, the function or field first.
    pub fn args(&self) -> &[Arg] {
        match &self.args {
            Args::One(a) => std::slice::from_ref(a),
            Args::Many(v) => v,
        }
    }
}

/// A parsed number literal, with Go's flags for the types it can represent.
#[derive(Debug, Clone)]
pub(crate) struct Number {
    pub text: Arc<str>,
    pub is_int: bool,
    pub is_uint: bool,
    pub is_float: bool,
    pub is_complex: bool,
    pub int: i64,
    pub uint: u64,
    pub float: f64,
    pub complex: (f64, f64),
}

/// A string literal: its value, and what is needed to print its source form.
#[derive(Debug)]
pub(crate) struct StrLit {
    pub text: Arc<str>,
    source: LitSource,
}

/// How a string literal was written.
#[derive(Debug)]
enum LitSource {
    /// `text` between two of this quote byte, as is (most literals): not stored twice.
    Plain(u8),
    /// Anything else (escapes, `\r` in a raw string): the source text.
    Quoted(Box<str>),
}

impl StrLit {
    /// A literal whose source is `quote`, `text`, `quote`.
    pub fn plain(quote: u8, text: Arc<str>) -> StrLit {
        StrLit {
            text,
            source: LitSource::Plain(quote),
        }
    }

    /// A literal written as `quoted` (with its quotes) meaning `text`.
    pub fn quoted(quoted: &str, text: Arc<str>) -> StrLit {
        StrLit {
            text,
            source: LitSource::Quoted(Box::from(quoted)),
        }
    }
}

impl fmt::Display for StrLit {
    /// The literal as written.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.source {
            LitSource::Plain(q) => {
                let q = char::from(*q);
                write!(f, "{q}{}{q}", self.text)
            }
            LitSource::Quoted(s) => f.write_str(s),
        }
    }
}

/// A field chain on a non-field operand: `(pipeline).A.B`, `fn.A`.
#[derive(Debug)]
pub(crate) struct Chain {
    pub node: Arg,
    pub fields: Box<[Arc<str>]>,
}

/// Operands.
#[derive(Debug)]
pub(crate) enum Arg {
    Field {
        pos: Pos,
        idents: Idents,
    },
    Chain {
        pos: Pos,
        chain: Box<Chain>,
    },
    Variable {
        pos: Pos,
        /// `$x` then field names.
        idents: Idents,
    },
    Identifier {
        pos: Pos,
        name: Arc<str>,
    },
    Dot {
        pos: Pos,
    },
    Nil {
        pos: Pos,
    },
    Bool {
        pos: Pos,
        val: bool,
    },
    Number {
        pos: Pos,
        num: Box<Number>,
    },
    String {
        pos: Pos,
        lit: Arc<StrLit>,
    },
    Pipe(Box<Pipe>),
}

impl Arg {
    pub fn pos(&self) -> Pos {
        match self {
            Arg::Field { pos, .. }
            | Arg::Chain { pos, .. }
            | Arg::Variable { pos, .. }
            | Arg::Identifier { pos, .. }
            | Arg::Dot { pos }
            | Arg::Nil { pos }
            | Arg::Bool { pos, .. }
            | Arg::Number { pos, .. }
            | Arg::String { pos, .. } => *pos,
            Arg::Pipe(p) => p.pos(),
        }
    }
}

impl fmt::Display for Arg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Arg::Field { idents, .. } => {
                for i in idents.iter() {
                    write!(f, ".{i}")?;
                }
                Ok(())
            }
            Arg::Chain { chain, .. } => {
                if let Arg::Pipe(p) = &chain.node {
                    write!(f, "({p})")?;
                } else {
                    write!(f, "{}", chain.node)?;
                }
                for i in chain.fields.iter() {
                    write!(f, ".{i}")?;
                }
                Ok(())
            }
            Arg::Variable { idents, .. } => {
                for (n, i) in idents.iter().enumerate() {
                    if n > 0 {
                        f.write_str(".")?;
                    }
                    f.write_str(i)?;
                }
                Ok(())
            }
            Arg::Identifier { name, .. } => f.write_str(name),
            Arg::Dot { .. } => f.write_str("."),
            Arg::Nil { .. } => f.write_str("nil"),
            Arg::Bool { val, .. } => write!(f, "{val}"),
            Arg::Number { num, .. } => f.write_str(&num.text),
            Arg::String { lit, .. } => write!(f, "{lit}"),
            Arg::Pipe(p) => write!(f, "{p}"),
        }
    }
}

impl fmt::Display for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, a) in self.args().iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            if let Arg::Pipe(p) = a {
                write!(f, "({p})")?;
            } else {
                write!(f, "{a}")?;
            }
        }
        Ok(())
    }
}

impl fmt::Display for Pipe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.decl().is_empty() {
            for (i, v) in self.decl().iter().enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                f.write_str(v)?;
            }
            f.write_str(if self.is_assign() { " = " } else { " := " })?;
        }
        for (i, c) in self.cmds.iter().enumerate() {
            if i > 0 {
                f.write_str(" | ")?;
            }
            write!(f, "{c}")?;
        }
        Ok(())
    }
}

/// A list or node printed as Go's `String()` does; text nodes need the tree's source.
pub(crate) struct Show<'a, T>(pub &'a T, pub &'a str);

impl fmt::Display for Show<'_, List> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for n in self.0.nodes.iter() {
            write!(f, "{}", Show(n, self.1))?;
        }
        Ok(())
    }
}

impl fmt::Display for Show<'_, Node> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let src = self.1;
        let branch = |f: &mut fmt::Formatter<'_>, kw: &str, b: &Branch| -> fmt::Result {
            write!(f, "{{{{{kw} {}}}}}{}", b.pipe, Show(&b.list, src))?;
            if let Some(e) = &b.else_list {
                write!(f, "{{{{else}}}}{}", Show(e, src))?;
            }
            f.write_str("{{end}}")
        };
        match self.0 {
            Node::Text { start, end } => {
                write!(f, "{}", crate::fmt::go_quote(text_of(src, *start, *end)))
            }
            Node::Action { pipe, .. } => write!(f, "{{{{{pipe}}}}}"),
            Node::If(b) => branch(f, "if", b),
            Node::Range(b) => branch(f, "range", b),
            Node::With(b) => branch(f, "with", b),
            Node::Template(t) => {
                let q = crate::fmt::go_quote(&t.name);
                match &t.pipe {
                    None => write!(f, "{{{{template {q}}}}}"),
                    Some(p) => write!(f, "{{{{template {q} {p}}}}}"),
                }
            }
            Node::Break { .. } => f.write_str("{{break}}"),
            Node::Continue { .. } => f.write_str("{{continue}}"),
        }
    }
}
