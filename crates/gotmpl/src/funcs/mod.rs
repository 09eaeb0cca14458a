//! Template function libraries: Sprig (as Helm 3.17 exposes it) and Helm's own functions.
//!
//! [`helm_funcs`] is the whole table. Every function, with a one-line example and the
//! output the real helm printed for it:
#![doc = include_str!("../../FUNCTIONS.md")]

use std::sync::OnceLock;

use crate::func::FuncMap;

pub mod engine;
pub mod helm;
pub mod sprig;

/// The function table Helm 3.17 gives templates: Sprig minus `env`/`expandenv`, plus
/// Helm's data functions and engine functions. Built once and cloned (cheap: `Arc`s).
pub fn helm_funcs() -> FuncMap {
    static TABLE: OnceLock<FuncMap> = OnceLock::new();
    TABLE
        .get_or_init(|| {
            let mut m = FuncMap::new();
            sprig::register(&mut m);
            m.remove("env");
            m.remove("expandenv");
            helm::register(&mut m);
            engine::register(&mut m);
            m
        })
        .clone()
}
