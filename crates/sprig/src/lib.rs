//! The Sprig v3.3.0 template function library for [`gotmpl`], one module per Sprig source
//! file, with Sprig's and Go's exact output and error texts.
//!
//! [`register`] adds every function of Sprig's `TxtFuncMap` (Helm removes `env` and
//! `expandenv` from it; so can you, with `FuncMap::remove`).
//!
//! ```
//! use gotmpl::{FuncMap, Template, Value};
//! let mut funcs = FuncMap::new();
//! sprig::register(&mut funcs);
//! let mut t = Template::new(funcs);
//! t.parse("t", r#"{{ "hello" | upper | repeat 2 }} {{ list 3 1 2 | sortAlpha | join "," }}"#)?;
//! assert_eq!(t.execute("t", &Value::Nil)?, "HELLOHELLO 1,2,3");
//! # Ok::<(), gotmpl::Error>(())
//! ```
#![deny(missing_docs)]

use gotmpl::func::FuncMap;

pub mod conv;
pub mod crypto;
pub mod date;
pub mod defaults;
pub mod dict;
pub mod gosyntax;
pub mod list;
pub mod numeric;
pub mod paths;
pub mod random;
pub mod reflect;
pub mod regex;
pub mod semver;
pub mod strings;
pub mod url;

/// Registers every Sprig function Helm 3.17 exposes.
pub fn register(m: &mut FuncMap) {
    strings::register(m);
    list::register(m);
    dict::register(m);
    defaults::register(m);
    numeric::register(m);
    reflect::register(m);
    regex::register(m);
    semver::register(m);
    date::register(m);
    crypto::register(m);
    url::register(m);
    paths::register(m);
    random::register(m);
}

/// The README's examples, run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
