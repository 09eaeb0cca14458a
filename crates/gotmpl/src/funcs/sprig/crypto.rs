//! Sprig functions: crypto.

use crate::func::FuncMap;

/// Registers this module's functions.
pub fn register(m: &mut FuncMap) {
    let _ = m;
}
