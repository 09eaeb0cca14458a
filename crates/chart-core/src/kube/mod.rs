//! Talking to the cluster as Helm 3.17's `pkg/kube` does: configuration from kubeconfig
//! and helm's `--kube-*` flags, discovery and mapping of rendered documents to API
//! resources, create / three-way-merge update / delete, readiness waits, ownership
//! checks and the cluster side of the `lookup` template function.
//!
//! Everything here is async (tokio) and built on the `kube` crate's dynamic API.
//!
//! Where this differs from helm 3.17 on purpose (never sending more requests than helm):
//! * `update` reads each live object once (helm twice) and patches same-kind objects
//!   concurrently (helm one after another);
//! * the strategic-merge metadata comes from the server's `/openapi/v2` (fetched once per
//!   process and cluster, only when a built-in kind is patched) instead of compiled-in
//!   types; there is no client-side schema validation of manifests;
//! * waits do not ask again about resources already found ready;
//! * the ownership check before an install or upgrade reads the objects concurrently
//!   (helm one after another, stopping at the first conflict: when an object is owned by
//!   someone else we may have read a few more);
//! * `lookup` discovers a group version once per client (helm on every call);
//! * requests are retried by client-go's rule ([`retry`]), not kube-rs's default.
//!
//! With [`ApplyOptions::server_side`] objects are written by server-side apply as Helm 4
//! does ([`KubeClient::create_with`], [`KubeClient::update_with`]).
//!
//! ```no_run
//! # async fn demo() -> Result<(), chart_core::kube::Error> {
//! use chart_core::kube::{KubeClient, KubeSettings};
//! let settings = KubeSettings::from_env();
//! let client = KubeClient::connect(&settings).await?;
//! let resources = client.build("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n").await?;
//! client.create(&resources).await?;
//! # Ok(()) }
//! ```

mod apply;
mod client;
mod config;
mod error;
mod lookup;
mod mapper;
mod ownership;
pub mod patch;
mod ready;
mod resource;
pub mod retry;

pub use apply::{upgrade_managed_fields_patch, ApplyOptions};
pub use client::{KubeClient, UpdateFailure, UpdateResult, DEFAULT_CONCURRENCY, FIELD_MANAGER};
pub use config::{KubeSettings, LoadedConfig};
pub use error::{ApiError, Error, Joiner};
pub use mapper::yaml_to_json;
pub use ownership::{
    check_ownership, set_ownership_metadata, MANAGED_BY_HELM, MANAGED_BY_LABEL,
    RELEASE_NAMESPACE_ANNOTATION, RELEASE_NAME_ANNOTATION,
};
pub use ready::{NotReady, ReadyChecker, WaitOptions, WaitStatus};
pub use resource::{
    Gvk, Propagation, ResourceInfo, ResourceList, KEEP_POLICY, RESOURCE_POLICY_ANNOTATION,
};

#[cfg(test)]
mod tests {
    fn send_sync<T: Send + Sync>() {}

    fn send<T: Send>(_: T) {}

    /// The operations can run in spawned tasks (never called: it only has to compile).
    #[allow(dead_code)]
    fn futures_are_send(c: &super::KubeClient, l: &[super::ResourceInfo]) {
        send(c.build(""));
        send(c.create(l));
        send(c.update(l, l, false));
        send(c.create_with(l, &super::ApplyOptions::default()));
        send(c.update_with(l, l, &super::ApplyOptions::default()));
        send(c.delete(l, super::Propagation::Background));
        send(c.wait(l, &super::WaitOptions::default()));
        send(c.wait_for_delete(l, std::time::Duration::from_secs(1)));
        send(c.watch_until_ready(l, std::time::Duration::from_secs(1)));
        send(c.existing_resource_conflict(l, "r", "n"));
        send(c.lookup("v1", "ConfigMap", "", ""));
    }

    #[test]
    fn client_is_shareable_across_tasks() {
        send_sync::<super::KubeClient>();
        send_sync::<super::Error>();
    }
}
