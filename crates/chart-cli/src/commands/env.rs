//! `chart env [NAME]`: the `HELM_*` settings as `helm env` prints them.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::bail;
use clap::Args;

use crate::cli::GlobalArgs;

/// `chart env`.
#[derive(Args, Debug, Clone)]
pub struct EnvArgs {
    /// at most one variable name
    #[arg(num_args = 0..)]
    pub args: Vec<String>,
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// helm's lazypath: `HELM_*_HOME`, else `$XDG_*_HOME/helm`, else `~/<fallback>/helm`.
fn helm_home(var: &str, xdg: &str, fallback: &str) -> PathBuf {
    if let Some(v) = env(var) {
        return PathBuf::from(v);
    }
    if let Some(v) = env(xdg) {
        return PathBuf::from(v).join("helm");
    }
    PathBuf::from(env("HOME").unwrap_or_default())
        .join(fallback)
        .join("helm")
}

/// `-n`/`HELM_NAMESPACE`, else the kubeconfig context's namespace, else `default`.
fn namespace(g: &GlobalArgs) -> String {
    if let Some(ns) = g.namespace.as_deref().filter(|n| !n.is_empty()) {
        return ns.to_owned();
    }
    let s = crate::commands::cluster::kube_settings(g);
    let Ok(kc) = s.load_kubeconfig() else {
        return "default".into();
    };
    let ctx = s
        .context
        .clone()
        .filter(|c| !c.is_empty())
        .or_else(|| kc.current_context.clone().filter(|c| !c.is_empty()));
    ctx.and_then(|name| {
        kc.contexts
            .iter()
            .find(|c| c.name == name)
            .and_then(|c| c.context.as_ref())
            .and_then(|c| c.namespace.clone())
            .filter(|n| !n.is_empty())
    })
    .unwrap_or_else(|| "default".into())
}

/// The variables helm's `EnvVars` lists, with the flags taking precedence.
pub(crate) fn vars(g: &GlobalArgs) -> BTreeMap<&'static str, String> {
    let config = helm_home("HELM_CONFIG_HOME", "XDG_CONFIG_HOME", ".config");
    let cache = helm_home("HELM_CACHE_HOME", "XDG_CACHE_HOME", ".cache");
    let data = helm_home("HELM_DATA_HOME", "XDG_DATA_HOME", ".local/share");
    let flag_or = |flag: &Option<String>, var: &str, default: PathBuf| {
        flag.clone()
            .filter(|f| !f.is_empty())
            .or_else(|| env(var))
            .unwrap_or_else(|| default.display().to_string())
    };
    let int_or = |var: &str, default: i64| {
        env(var)
            .and_then(|v| v.parse::<i64>().ok())
            .unwrap_or(default)
    };
    let str_or = |flag: &Option<String>, var: &str| {
        flag.clone()
            .filter(|f| !f.is_empty())
            .or_else(|| env(var))
            .unwrap_or_default()
    };
    let groups = if g.kube_as_group.is_empty() {
        let v = env("HELM_KUBEASGROUPS").unwrap_or_default();
        v.trim_matches(|c| c == ',' || c == ' ').to_owned()
    } else {
        // helm parses its global flags twice, so a repeated array flag holds each value twice.
        [g.kube_as_group.as_slice(), g.kube_as_group.as_slice()]
            .concat()
            .join(",")
    };
    let insecure = g.kube_insecure_skip_tls_verify
        || env("HELM_KUBEINSECURE_SKIP_TLS_VERIFY")
            .and_then(|v| crate::cobra::go_parse_bool(&v))
            .unwrap_or(false);
    let qps = g.qps.map(f64::from).unwrap_or_else(|| {
        env("HELM_QPS")
            .and_then(|v| v.parse::<f32>().ok())
            .map(f64::from)
            .unwrap_or(0.0)
    });
    let mut m = BTreeMap::new();
    m.insert(
        "HELM_BIN",
        std::env::args_os()
            .next()
            .map(|a| a.to_string_lossy().into_owned())
            .unwrap_or_default(),
    );
    m.insert("HELM_CACHE_HOME", cache.display().to_string());
    m.insert("HELM_CONFIG_HOME", config.display().to_string());
    m.insert("HELM_DATA_HOME", data.display().to_string());
    m.insert("HELM_DEBUG", g.debug.to_string());
    m.insert(
        "HELM_PLUGINS",
        env("HELM_PLUGINS").unwrap_or_else(|| data.join("plugins").display().to_string()),
    );
    m.insert(
        "HELM_REGISTRY_CONFIG",
        flag_or(
            &g.registry_config,
            "HELM_REGISTRY_CONFIG",
            config.join("registry/config.json"),
        ),
    );
    m.insert(
        "HELM_REPOSITORY_CACHE",
        flag_or(
            &g.repository_cache,
            "HELM_REPOSITORY_CACHE",
            cache.join("repository"),
        ),
    );
    m.insert(
        "HELM_REPOSITORY_CONFIG",
        flag_or(
            &g.repository_config,
            "HELM_REPOSITORY_CONFIG",
            config.join("repositories.yaml"),
        ),
    );
    m.insert("HELM_NAMESPACE", namespace(g));
    m.insert(
        "HELM_MAX_HISTORY",
        int_or("HELM_MAX_HISTORY", 10).to_string(),
    );
    m.insert(
        "HELM_BURST_LIMIT",
        g.burst_limit
            .unwrap_or_else(|| int_or("HELM_BURST_LIMIT", 100))
            .to_string(),
    );
    m.insert("HELM_QPS", format!("{qps:.2}"));
    m.insert(
        "HELM_KUBECONTEXT",
        str_or(&g.kube_context, "HELM_KUBECONTEXT"),
    );
    m.insert("HELM_KUBETOKEN", str_or(&g.kube_token, "HELM_KUBETOKEN"));
    m.insert(
        "HELM_KUBEASUSER",
        str_or(&g.kube_as_user, "HELM_KUBEASUSER"),
    );
    m.insert("HELM_KUBEASGROUPS", groups);
    m.insert(
        "HELM_KUBEAPISERVER",
        str_or(&g.kube_apiserver, "HELM_KUBEAPISERVER"),
    );
    m.insert(
        "HELM_KUBECAFILE",
        str_or(&g.kube_ca_file, "HELM_KUBECAFILE"),
    );
    m.insert("HELM_KUBEINSECURE_SKIP_TLS_VERIFY", insecure.to_string());
    m.insert(
        "HELM_KUBETLS_SERVER_NAME",
        str_or(&g.kube_tls_server_name, "HELM_KUBETLS_SERVER_NAME"),
    );
    // Only `--kubeconfig` counts here (helm's settings leave `KUBECONFIG` to client-go).
    if let Some(k) = g.kubeconfig.clone().filter(|k| !k.is_empty()) {
        m.insert("KUBECONFIG", k);
    }
    m
}

pub fn run(g: &GlobalArgs, a: &EnvArgs) -> anyhow::Result<ExitCode> {
    if a.args.len() > 1 {
        bail!("\"chart env\" accepts at most 1 argument\n\nUsage:  chart env [flags]");
    }
    let vars = vars(g);
    let out = match a.args.first() {
        Some(name) => format!("{}\n", vars.get(name.as_str()).map_or("", String::as_str)),
        None => vars.iter().map(|(k, v)| format!("{k}=\"{v}\"\n")).collect(),
    };
    super::print_out(&out)?;
    Ok(ExitCode::SUCCESS)
}
