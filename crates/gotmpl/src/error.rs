//! One error type for parsing and execution, printed exactly as Go prints its errors
//! (users paste these into search engines), but carrying the parts as fields so that
//! callers such as Helm's engine can reformat them without parsing strings.

use std::fmt;

use crate::func::FuncError;

/// What went wrong, broadly.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The template text does not parse.
    Parse,
    /// Executing the template failed.
    Exec,
    /// A template name is unknown or a template is empty (no position).
    NoTemplate,
}

#[derive(Debug)]
pub(crate) struct Repr {
    pub(crate) kind: ErrorKind,
    /// Name of the template whose source holds the failing node (Go's ParseName).
    pub(crate) name: String,
    pub(crate) line: usize,
    /// 0-based byte column within the line (exec errors only).
    pub(crate) col: usize,
    /// Name of the template being executed.
    pub(crate) tmpl: String,
    /// Source text of the failing node.
    pub(crate) node: String,
    /// The message (for function errors: without the `error calling X: ` part).
    pub(crate) msg: String,
    /// For function errors: the function name and what it reported.
    pub(crate) func: Option<(String, FuncError)>,
}

/// A parse or execution error.
pub struct Error(pub(crate) Box<Repr>);

impl Error {
    pub(crate) fn parse(name: &str, line: usize, msg: impl Into<String>) -> Error {
        Error(Box::new(Repr {
            kind: ErrorKind::Parse,
            name: name.to_string(),
            line,
            col: 0,
            tmpl: String::new(),
            node: String::new(),
            msg: msg.into(),
            func: None,
        }))
    }

    pub(crate) fn no_template(msg: impl Into<String>) -> Error {
        Error(Box::new(Repr {
            kind: ErrorKind::NoTemplate,
            name: String::new(),
            line: 0,
            col: 0,
            tmpl: String::new(),
            node: String::new(),
            msg: msg.into(),
            func: None,
        }))
    }

    /// The kind of error.
    pub fn kind(&self) -> ErrorKind {
        self.0.kind
    }
    /// The template (file) name in whose source the error is.
    pub fn name(&self) -> &str {
        &self.0.name
    }
    /// 1-based line.
    pub fn line(&self) -> usize {
        self.0.line
    }
    /// 0-based byte column (as Go reports it), for execution errors.
    pub fn col(&self) -> usize {
        self.0.col
    }
    /// The template being executed (a `define` name inside one), for execution errors.
    pub fn template(&self) -> &str {
        &self.0.tmpl
    }
    /// Source text of the failing node, for execution errors.
    pub fn node(&self) -> &str {
        &self.0.node
    }
    /// The function that failed, if the error came from a function call.
    pub fn function(&self) -> Option<&str> {
        self.0.func.as_ref().map(|(n, _)| n.as_str())
    }
    /// The `fail`/`required` message at the bottom of this error's chain, if any.
    pub fn fail_message(&self) -> Option<&str> {
        let mut cur = self;
        loop {
            match &cur.0.func {
                Some((_, FuncError::Fail(m))) => return Some(m),
                Some((_, FuncError::Nested { err, .. })) => cur = err,
                _ => return None,
            }
        }
    }
    /// The last segment of the message (what Helm shows for parse errors).
    pub fn message(&self) -> String {
        match &self.0.func {
            None => self.0.msg.clone(),
            Some((n, e)) => format!("error calling {n}: {}", FuncErrorDisplay(e)),
        }
    }
    /// The error this one wraps (from `include`/`tpl`), if any.
    pub fn nested(&self) -> Option<&Error> {
        match &self.0.func {
            Some((_, FuncError::Nested { err, .. })) => Some(err),
            _ => None,
        }
    }
}

struct FuncErrorDisplay<'a>(&'a FuncError);

impl fmt::Display for FuncErrorDisplay<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            FuncError::Msg(m) | FuncError::Fail(m) => f.write_str(m),
            FuncError::Nested { prefix, err } => write!(f, "{prefix}{err}"),
        }
    }
}

impl fmt::Display for Error {
    /// Go's text. Nested errors (from `include`/`tpl`) are printed in a loop, not by
    /// recursion: chains can be thousands of levels deep.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut cur = self;
        loop {
            let r = &cur.0;
            match r.kind {
                ErrorKind::Parse => return write!(f, "template: {}:{}: {}", r.name, r.line, r.msg),
                ErrorKind::NoTemplate => return write!(f, "template: {}", r.msg),
                ErrorKind::Exec => {
                    write!(
                        f,
                        "template: {}:{}:{}: executing {} at <{}>: ",
                        r.name,
                        r.line,
                        r.col,
                        crate::fmt::go_quote(&r.tmpl),
                        r.node
                    )?;
                    match &r.func {
                        None => return f.write_str(&r.msg),
                        Some((n, FuncError::Msg(m) | FuncError::Fail(m))) => {
                            return write!(f, "error calling {n}: {m}")
                        }
                        Some((n, FuncError::Nested { prefix, err })) => {
                            write!(f, "error calling {n}: {prefix}")?;
                            cur = err;
                        }
                    }
                }
            }
        }
    }
}

impl Drop for Error {
    /// Unlinks nested errors one by one so that dropping a deep chain cannot overflow
    /// the stack.
    fn drop(&mut self) {
        fn take_nested(r: &mut Repr) -> Option<Box<Error>> {
            match r.func.take() {
                Some((_, FuncError::Nested { err, .. })) => Some(err),
                other => {
                    r.func = other;
                    None
                }
            }
        }
        let mut next = take_nested(&mut self.0);
        while let Some(mut e) = next {
            next = take_nested(&mut e.0);
        }
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self}")
    }
}

impl std::error::Error for Error {}
