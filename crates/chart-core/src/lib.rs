//! The domain of `chart`: charts, values, the rendering engine, releases and their
//! storage, the cluster client, and repositories, split as Helm splits its packages.
#![deny(missing_docs)]

pub use gotmpl;

pub mod action;
pub mod chart;
pub mod engine;
pub mod lint;
pub mod release;
pub mod values;
