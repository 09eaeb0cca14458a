//! Go's `text/template` in Rust, exact to the byte.
//!
//! `gotmpl` parses and executes templates written in Go's template language with Go's
//! semantics: its builtins, its `fmt` printing of values, its error messages. It also
//! carries the Sprig function library and Helm's template functions, so that Helm charts
//! render exactly as `helm` renders them.
#![deny(missing_docs)]

pub mod error;
pub mod fmt;
pub mod func;
pub mod value;

pub use error::{Error, ErrorKind};
pub use func::{CallCtx, Func, FuncError, FuncMap, FuncResult, Host, Ty};
pub use value::{IntKind, Map, MapRef, Object, Value};
pub mod funcs;
pub mod goyaml;
