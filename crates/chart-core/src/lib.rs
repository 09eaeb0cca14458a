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
//! ## Releases
//!
//! Installing, upgrading and rolling back a chart in a cluster, with the records helm
//! keeps (`examples/release.rs` runs this against a cluster:
//! `cargo run -p chart-core --example release -- CHART NAME`):
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use chart_core::action::config::Configuration;
//! use chart_core::action::release_install::{install, InstallOptions};
//! use chart_core::action::rollback::{rollback, RollbackOptions};
//! use chart_core::action::upgrade::{upgrade, UpgradeOptions};
//! use chart_core::kube::KubeSettings;
//! use chart_core::values::ValueOptions;
//!
//! // A multi-threaded tokio runtime: templates' `lookup` blocks on the cluster.
//! let mut cfg = Configuration::connect(&KubeSettings::from_env(), false).await?;
//! let opts = InstallOptions { name: "web".into(), ..InstallOptions::default() };
//! install(&cfg, chart_core::chart::load("charts/shop")?, ValueOptions::default().merge_values()?, &opts).await?;
//! let user = ValueOptions { values: vec!["catalog-api.image.tag=1.5.0".into()], ..ValueOptions::default() };
//! upgrade(&mut cfg, "web", chart_core::chart::load("charts/shop")?, user.merge_values()?, &UpgradeOptions::default()).await?;
//! rollback(&mut cfg, "web", &RollbackOptions { version: 1, ..RollbackOptions::default() }).await?;
//! # Ok(()) }
//! ```
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
pub mod gonet;
pub mod kube;
pub mod lint;
pub mod plugin;
pub mod registry;
pub mod release;
pub mod repo;
pub mod storage;
pub mod transfer;
pub mod values;
