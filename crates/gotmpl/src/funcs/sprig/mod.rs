//! The Sprig v3.3.0 function library, minus `env` and `expandenv`, one module per Sprig source file.

use crate::func::FuncMap;

pub mod conv;
pub mod crypto;
pub mod date;
pub mod defaults;
pub mod dict;
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
