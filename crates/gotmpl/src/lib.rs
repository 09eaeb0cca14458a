//! Go's `text/template` in Rust, exact to the byte.
//!
//! `gotmpl` parses and executes templates written in Go's template language with Go's
//! semantics: its builtins (`and`, `or`, `index`, `slice`, `len`, `print*`, `eq`/`lt`…,
//! `html`, `js`, `urlquery`, `call`), its `fmt` printing of values, its error messages
//! (`template: NAME:LINE:COL: executing "NAME" at <.x>: …`). It is Go's `text/template`,
//! `fmt` and `strconv`, and nothing more: function libraries are added through a
//! [`FuncMap`], as `template.Funcs` adds them in Go. The `sprig` crate is the Sprig library;
//! Helm's own functions and YAML live in `chart-core` and `goyaml`.
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
pub mod early;
pub mod error;
mod exec;
pub mod fmt;
pub mod func;
pub mod par;
mod parse;
pub mod strconv;
pub mod value;

pub use error::{Error, ErrorKind};
pub use exec::{MissingKey, Options, ParseAllError, Template, MAX_TPL_DEPTH};
pub use func::{CallCtx, Func, FuncError, FuncMap, FuncResult, Host, Ty};
pub use value::{
    ElemKind, Field, IntKind, ListRef, Map, MapKind, MapRef, NilInterface, Object, Value,
};

/// The README's examples, run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
