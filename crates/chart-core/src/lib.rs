//! The domain of `chart`: charts, values, the rendering engine, releases and their
//! storage, the cluster client, and repositories, split as Helm splits its packages.
//!
//! Rendering a chart the way `helm template` does — load, merge values, render, sort:
//!
//! ```
//! use chart_core::action::install::{render_template, TemplateOptions};
//! use chart_core::values::ValueOptions;
//!
//! let values = ValueOptions {
//!     values: vec!["rabbitmq.enabled=false".into()],
//!     ..ValueOptions::default()
//! };
//! let opts = TemplateOptions {
//!     release_name: "shop".into(),
//!     namespace: "shop".into(),
//!     ..TemplateOptions::default()
//! };
//! let rendered = render_template("../../charts/shop", &values, &opts)?;
//! // Manifests come sorted in Helm's install order; hooks apart.
//! assert!(rendered.manifests.iter().any(|m| m.head.kind == "Deployment"));
//! assert!(!rendered.hooks.is_empty());
//! // The exact text `helm template` prints:
//! let text = rendered.template_output(&rendered.manifest_text(), &opts)?;
//! assert!(text.starts_with("---\n# Source: shop/"));
//! # Ok::<(), chart_core::action::install::ActionError>(())
//! ```
//!
//! The pieces are usable on their own: [`chart::load`], [`values::ValueOptions`],
//! [`values::render_values`], [`engine::Engine::render`] and
//! [`release::manifest::sort_manifests`].
//!
//! ## Where this crate sits
//!
//! | crate | holds | Go counterpart |
//! |---|---|---|
//! | `gotmpl` | the template language: lexer, parser, executor, builtins, Go's `fmt`, the value model | `text/template`, `fmt`, `strconv` |
//! | `gotime` | `time.Time`, layouts, zones, durations | `time` |
//! | `sprig` | the Sprig v3.3.0 functions | `Masterminds/sprig` |
//! | `goyaml` | YAML read and written as Helm does, Go's JSON, TOML | go-yaml v2, `sigs.k8s.io/yaml`, `encoding/json`, `BurntSushi/toml` |
//! | `chart-core` (this crate) | charts, values, the engine with Helm's function table ([`engine::funcs`], `lookup` through [`engine::funcs::Lookup`]), releases, actions | Helm's `pkg/` |
//! | `chart-cli` | the `chart` command | Helm's `cmd/helm` |
//!
//! Arrows only point down the table: the chart layer ([`chart`], [`values`]) never reaches
//! into [`action`].
#![deny(missing_docs)]

pub use gotmpl;
pub use goyaml;
pub use sprig;

/// The README's examples, checked to compile.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

pub mod action;
pub mod chart;
pub mod engine;
pub mod kube;
pub mod lint;
pub mod release;
pub mod repo;
pub mod storage;
pub mod values;
