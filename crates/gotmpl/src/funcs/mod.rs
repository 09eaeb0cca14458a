//! Template function libraries: Sprig (as Helm 3.17 exposes it) and Helm's own functions.

pub mod helm;
pub mod sprig;
