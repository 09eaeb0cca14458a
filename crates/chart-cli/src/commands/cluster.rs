//! What the cluster commands share: helm's global flags and environment turned into the
//! library's connection settings, and the async runtime the actions run on.

use chart_core::action::config::Configuration;
use chart_core::kube::KubeSettings;

use crate::cli::GlobalArgs;

/// The connection settings helm builds from its environment (`KUBECONFIG`,
/// `HELM_KUBE*`, `HELM_NAMESPACE`) with the global flags taking precedence.
pub fn kube_settings(g: &GlobalArgs) -> KubeSettings {
    let mut s = KubeSettings::from_env();
    if let Some(k) = g.kubeconfig.as_deref().filter(|k| !k.is_empty()) {
        s.kubeconfig = Some(k.into());
    }
    let set = |dst: &mut Option<String>, v: &Option<String>| {
        if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
            *dst = Some(v.to_owned());
        }
    };
    set(&mut s.context, &g.kube_context);
    set(&mut s.api_server, &g.kube_apiserver);
    set(&mut s.token, &g.kube_token);
    set(&mut s.as_user, &g.kube_as_user);
    set(&mut s.tls_server_name, &g.kube_tls_server_name);
    if !g.kube_as_group.is_empty() {
        s.as_groups = g.kube_as_group.clone();
    }
    if let Some(ca) = g.kube_ca_file.as_deref().filter(|c| !c.is_empty()) {
        s.ca_file = Some(ca.into());
    }
    if g.kube_insecure_skip_tls_verify {
        s.insecure_skip_tls_verify = true;
    }
    // `-n` (clap reads HELM_NAMESPACE into it too); empty means the context's namespace.
    if let Some(ns) = g.namespace.as_deref().filter(|n| !n.is_empty()) {
        s.namespace = Some(ns.to_owned());
    }
    s
}

/// The runtime cluster commands run on: several threads, so that a template's `lookup`
/// can wait for the cluster while rendering runs on a blocking thread.
pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?)
}

/// Connects as helm does before an action (`all_namespaces` for `list -A`).
pub async fn configuration(g: &GlobalArgs, all_namespaces: bool) -> anyhow::Result<Configuration> {
    Ok(Configuration::connect(&kube_settings(g), all_namespaces).await?)
}
