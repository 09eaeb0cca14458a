//! Go's `text/template` in Rust, exact to the byte.
//!
//! `gotmpl` parses and executes templates written in Go's template language with Go's
//! semantics: its builtins, its `fmt` printing of values, its error messages. It also
//! carries the Sprig function library and Helm's template functions, so that Helm charts
//! render exactly as `helm` renders them.
//!
//! ```
//! use gotmpl::{Template, Value, FuncMap};
//! let mut t = Template::new(FuncMap::new());
//! t.parse("hello", "Hello, {{ .name }}! {{ len .items }} items").unwrap();
//! let data = Value::from_json(&serde_json::json!({"name": "Gopher", "items": [1, 2]}));
//! assert_eq!(t.execute("hello", &data).unwrap(), "Hello, Gopher! 2 items");
//! ```
#![deny(missing_docs)]

mod builtins;
pub mod bytestr;
pub mod error;
mod exec;
pub mod fmt;
pub mod func;
pub mod funcs;
pub mod goyaml;
pub mod par;
mod parse;
pub mod value;

pub use error::{Error, ErrorKind};
pub use exec::{MissingKey, Options, ParseAllError, Template, MAX_TPL_DEPTH};
pub use func::{CallCtx, Func, FuncError, FuncMap, FuncResult, Host, Ty};
pub use value::{ElemKind, IntKind, ListRef, Map, MapKind, MapRef, Object, Value};
