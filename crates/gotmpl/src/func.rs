//! Function registration: typed signatures, so the executor can apply Go's argument
//! conversion rules (literal conversion, assignability, arity) before a function runs.

use rustc_hash::FxHashMap as HashMap;
use std::sync::Arc;

use crate::error::Error;
use crate::value::Value;

/// The Go type of a function parameter. The executor checks (and, for literals, converts)
/// each argument against it, with Go's messages, so a function body may rely on it:
/// a `Str` parameter always holds `Value::Str`, an `Int` parameter `Value::Int`, and so on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Ty {
    /// `interface{}`: anything, nil included.
    Any,
    /// `string`.
    Str,
    /// `int`.
    Int,
    /// `int64`.
    Int64,
    /// `uint32`.
    Uint32,
    /// `float64`.
    Float64,
    /// `bool`.
    Bool,
    /// `map[string]interface{}` (nil accepted as a nil map).
    Map,
    /// `[]interface{}` (nil accepted as a nil slice).
    List,
    /// Any host object of the named Go type (`time.Time`, `sprig.certificate`).
    Object(&'static str),
}

impl Ty {
    /// The Go spelling, for error messages.
    pub fn go_name(self) -> &'static str {
        match self {
            Ty::Any => "interface {}",
            Ty::Str => "string",
            Ty::Int => "int",
            Ty::Int64 => "int64",
            Ty::Uint32 => "uint32",
            Ty::Float64 => "float64",
            Ty::Bool => "bool",
            Ty::Map => "map[string]interface {}",
            Ty::List => "[]interface {}",
            Ty::Object(n) => n,
        }
    }
}

/// A function signature: fixed parameters, then an optional variadic tail.
#[derive(Clone, Debug)]
pub struct Sig {
    /// Fixed parameters.
    pub params: Vec<Ty>,
    /// Type of the variadic tail, if any (`...T`).
    pub variadic: Option<Ty>,
}

/// What a failing function reports.
#[derive(Debug)]
#[non_exhaustive]
pub enum FuncError {
    /// An ordinary error (or a recovered panic): `error calling NAME: MSG`.
    Msg(String),
    /// Helm's `fail`/`required`: the user's message, printed by Helm as
    /// `execution error at (…): MSG`.
    Fail(String),
    /// A nested template error (from `include`/`tpl`), with an optional prefix before it
    /// (`error during tpl function execution for "…": `).
    Nested {
        /// Text before the nested error's message.
        prefix: String,
        /// The nested error.
        err: Box<Error>,
    },
}

impl FuncError {
    /// An ordinary error message.
    pub fn msg(m: impl Into<String>) -> Self {
        FuncError::Msg(m.into())
    }
}

impl From<String> for FuncError {
    fn from(s: String) -> Self {
        FuncError::Msg(s)
    }
}
impl From<&str> for FuncError {
    fn from(s: &str) -> Self {
        FuncError::Msg(s.to_string())
    }
}

/// What a function body returns.
pub type FuncResult = Result<Value, FuncError>;

/// Services the executor offers to functions that need the template set
/// (`include`, `tpl`).
pub trait Host {
    /// Executes the named template with `data`, returning its output.
    fn include(&mut self, name: &str, data: Value) -> Result<String, FuncError>;
    /// Parses `text` as a template named `gotpl` in a clone of the set and executes it.
    fn tpl(&mut self, text: &str, data: Value) -> Result<String, FuncError>;
}

/// The context a function is called with.
pub struct CallCtx<'a> {
    pub(crate) host: Option<&'a mut dyn Host>,
}

impl<'a> CallCtx<'a> {
    /// A context with no template set behind it (for calling functions directly in tests).
    pub fn detached() -> CallCtx<'static> {
        CallCtx { host: None }
    }
    /// A context backed by a host.
    pub fn with_host(host: &'a mut dyn Host) -> CallCtx<'a> {
        CallCtx { host: Some(host) }
    }
    /// The host, if this call runs inside a template execution.
    pub fn host(&mut self) -> Result<&mut (dyn Host + 'a), FuncError> {
        match self.host.as_deref_mut() {
            Some(h) => Ok(h),
            None => Err(FuncError::msg("no template set available")),
        }
    }
}

/// A function body.
pub type FuncImpl = dyn Fn(&mut CallCtx<'_>, &[Value]) -> FuncResult + Send + Sync;

/// A registered function.
#[derive(Clone)]
pub struct Func {
    /// Its signature.
    pub sig: Arc<Sig>,
    /// Its body.
    pub imp: Arc<FuncImpl>,
}

impl std::fmt::Debug for Func {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Func{:?}", self.sig)
    }
}

/// A function table (Go's `template.FuncMap`).
#[derive(Clone, Default, Debug)]
pub struct FuncMap {
    pub(crate) funcs: HashMap<String, Func>,
}

impl FuncMap {
    /// An empty table.
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers (or replaces) a function with fixed parameters `params` and an optional
    /// variadic tail.
    pub fn add<F>(&mut self, name: &str, params: &[Ty], variadic: Option<Ty>, f: F)
    where
        F: Fn(&mut CallCtx<'_>, &[Value]) -> FuncResult + Send + Sync + 'static,
    {
        self.funcs.insert(
            name.to_string(),
            Func {
                sig: Arc::new(Sig {
                    params: params.to_vec(),
                    variadic,
                }),
                imp: Arc::new(f),
            },
        );
    }

    /// Registers a function under a second name.
    pub fn alias(&mut self, alias: &str, name: &str) {
        if let Some(f) = self.funcs.get(name).cloned() {
            self.funcs.insert(alias.to_string(), f);
        }
    }

    /// Removes a function.
    pub fn remove(&mut self, name: &str) {
        self.funcs.remove(name);
    }

    /// Looks a function up.
    pub fn get(&self, name: &str) -> Option<&Func> {
        self.funcs.get(name)
    }

    /// Whether a function of this name exists.
    pub fn contains(&self, name: &str) -> bool {
        self.funcs.contains_key(name)
    }

    /// The names, sorted.
    pub fn names(&self) -> Vec<&str> {
        let mut v: Vec<&str> = self.funcs.keys().map(String::as_str).collect();
        v.sort_unstable();
        v
    }

    /// Calls a function directly, without the executor's argument checks: for tests and
    /// for functions that call other functions.
    pub fn call(&self, name: &str, args: &[Value]) -> FuncResult {
        let f = self
            .funcs
            .get(name)
            .ok_or_else(|| FuncError::msg(format!("function {name:?} not defined")))?;
        (f.imp)(&mut CallCtx::detached(), args)
    }
}
