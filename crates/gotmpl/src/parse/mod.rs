//! Lexing and parsing of Go template text into trees.

pub(crate) mod lex;
pub(crate) mod node;
#[allow(clippy::module_inception)]
pub(crate) mod parse;
