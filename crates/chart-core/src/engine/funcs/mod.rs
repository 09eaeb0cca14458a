//! The function table Helm 3.17 gives templates (Helm's `pkg/engine/funcs.go` and
//! `lookup_func.go`): Sprig minus `env`/`expandenv` (crate `sprig`), Helm's data
//! functions ([`data`]: `toYaml`, `fromJson`, `toToml`, …, through crate `goyaml`), and
//! the engine functions ([`engine`]: `include`, `tpl`, `required`, `fail`, `lookup`).
//!
//! [`helm_funcs`] is the whole table. `lookup` reaches a cluster only through the
//! [`Lookup`] trait ([`set_lookup`]); without one it returns an empty map, as `helm
//! template` does. Every function, with a one-line example and the output the real helm
//! printed for it:
#![doc = include_str!("../../../FUNCTIONS.md")]

use std::sync::{Arc, OnceLock};

use gotmpl::func::{FuncError, FuncMap, Ty};
use gotmpl::Value;

pub mod data;
pub mod engine;

/// The function table Helm 3.17 gives templates: Sprig minus `env`/`expandenv`, plus
/// Helm's data functions and engine functions, with a cluster-less `lookup`. Built once
/// and cloned (cheap: `Arc`s).
pub fn helm_funcs() -> FuncMap {
    static TABLE: OnceLock<FuncMap> = OnceLock::new();
    TABLE
        .get_or_init(|| {
            let mut m = FuncMap::new();
            sprig::register(&mut m);
            m.remove("env");
            m.remove("expandenv");
            data::register(&mut m);
            engine::register(&mut m);
            m
        })
        .clone()
}

/// What `lookup APIVERSION KIND NAMESPACE NAME` asks of a cluster (Helm's
/// `lookup_func.go`). A cluster client implements it; templates rendered without one
/// (`helm template`, client-only dry runs) see an empty map instead.
pub trait Lookup: Send + Sync + std::fmt::Debug {
    /// The object `name` of `kind` in `api_version` (in `namespace`, or cluster-wide
    /// when the kind is not namespaced), as a map; when `name` is empty, the list of all
    /// such objects (`{"apiVersion": …, "items": […], …}`). An object that does not
    /// exist is an empty map, not an error. `Err` holds the message of a failed request
    /// as helm prints it.
    fn lookup(
        &self,
        api_version: &str,
        kind: &str,
        namespace: &str,
        name: &str,
    ) -> Result<Value, String>;
}

/// Makes `lookup` in `funcs` ask `cluster`.
pub fn set_lookup(funcs: &mut FuncMap, cluster: Arc<dyn Lookup>) {
    // lookup APIVERSION KIND NAMESPACE NAME: the live object, or an empty map.
    // Example: `{{ (lookup "v1" "Secret" .Release.Namespace "s").data }}`
    funcs.add(
        "lookup",
        &[Ty::Str, Ty::Str, Ty::Str, Ty::Str],
        None,
        move |_, a| {
            let s = |i: usize| a[i].as_str().unwrap_or_default();
            cluster
                .lookup(s(0), s(1), s(2), s(3))
                .map_err(FuncError::Msg)
        },
    );
}
