//! The client configuration helm builds from kubeconfig files and its `--kube-*` flags
//! (helm's `pkg/cli` EnvSettings + client-go's deferred loading client config).

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use kube::config::{KubeConfigOptions, Kubeconfig};
use secrecy::SecretString;

use super::error::Error;

/// helm's cluster flags and environment, as plain data (the CLI fills it).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KubeSettings {
    /// `--kubeconfig`: one file, used alone.
    pub kubeconfig: Option<PathBuf>,
    /// The value of `KUBECONFIG`: a list of files (`:`-separated on Unix) merged in order.
    pub kubeconfig_env: Option<OsString>,
    /// The home directory, for `~/.kube/config` when neither of the above is given.
    pub home: Option<PathBuf>,
    /// `--kube-context` / `HELM_KUBECONTEXT`.
    pub context: Option<String>,
    /// `--kube-apiserver` / `HELM_KUBEAPISERVER`.
    pub api_server: Option<String>,
    /// `--kube-token` / `HELM_KUBETOKEN`.
    pub token: Option<String>,
    /// `--kube-as-user` / `HELM_KUBEASUSER`.
    pub as_user: Option<String>,
    /// `--kube-as-group` / `HELM_KUBEASGROUPS` (comma-separated in the environment).
    pub as_groups: Vec<String>,
    /// `--kube-ca-file` / `HELM_KUBECAFILE`.
    pub ca_file: Option<PathBuf>,
    /// `--kube-tls-server-name` / `HELM_KUBETLS_SERVER_NAME`.
    pub tls_server_name: Option<String>,
    /// `--kube-insecure-skip-tls-verify` / `HELM_KUBEINSECURE_SKIP_TLS_VERIFY`.
    pub insecure_skip_tls_verify: bool,
    /// `-n/--namespace` / `HELM_NAMESPACE`; `None` or empty: the context's namespace.
    pub namespace: Option<String>,
}

fn env_str(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|s| !s.is_empty())
}

impl KubeSettings {
    /// The settings helm reads from the environment (flags then override fields).
    pub fn from_env() -> KubeSettings {
        KubeSettings {
            kubeconfig: None,
            kubeconfig_env: std::env::var_os("KUBECONFIG").filter(|v| !v.is_empty()),
            home: std::env::var_os("HOME").map(PathBuf::from),
            context: env_str("HELM_KUBECONTEXT"),
            api_server: env_str("HELM_KUBEAPISERVER"),
            token: env_str("HELM_KUBETOKEN"),
            as_user: env_str("HELM_KUBEASUSER"),
            as_groups: env_str("HELM_KUBEASGROUPS")
                .map(|s| s.split(',').map(str::to_string).collect())
                .unwrap_or_default(),
            ca_file: env_str("HELM_KUBECAFILE").map(PathBuf::from),
            tls_server_name: env_str("HELM_KUBETLS_SERVER_NAME"),
            insecure_skip_tls_verify: env_str("HELM_KUBEINSECURE_SKIP_TLS_VERIFY")
                .is_some_and(|v| v == "true" || v == "1"),
            namespace: env_str("HELM_NAMESPACE"),
        }
    }

    /// The kubeconfig files to read, in merge order (client-go's precedence: the flag
    /// alone, else every `KUBECONFIG` entry, else `~/.kube/config`).
    pub fn kubeconfig_paths(&self) -> Vec<PathBuf> {
        if let Some(p) = &self.kubeconfig {
            return vec![p.clone()];
        }
        if let Some(v) = &self.kubeconfig_env {
            let paths: Vec<PathBuf> = std::env::split_paths(v)
                .filter(|p| !p.as_os_str().is_empty())
                .collect();
            if !paths.is_empty() {
                return paths;
            }
        }
        match &self.home {
            Some(h) => vec![h.join(".kube").join("config")],
            None => Vec::new(),
        }
    }

    /// Reads and merges the kubeconfig files as client-go does: the first file to define
    /// a cluster, user or context by name wins, as does the first non-empty
    /// `current-context`. A missing `KUBECONFIG` entry or default file is skipped; a
    /// missing `--kubeconfig` file is an error.
    pub fn load_kubeconfig(&self) -> Result<Kubeconfig, Error> {
        let explicit = self.kubeconfig.is_some();
        let mut merged: Option<Kubeconfig> = None;
        for path in self.kubeconfig_paths() {
            if !path.exists() {
                if explicit {
                    return Err(Error::Config(format!(
                        "stat {}: no such file or directory",
                        path.display()
                    )));
                }
                continue;
            }
            let kc = read_kubeconfig(&path)?;
            merged = Some(match merged {
                None => kc,
                Some(m) => merge(m, kc),
            });
        }
        Ok(merged.unwrap_or_default())
    }

    /// Builds the client configuration and the namespace helm would use.
    pub async fn load(&self) -> Result<LoadedConfig, Error> {
        let kc = self.load_kubeconfig()?;
        let context_name = self
            .context
            .clone()
            .filter(|c| !c.is_empty())
            .or_else(|| kc.current_context.clone().filter(|c| !c.is_empty()));
        let mut context_ns = context_name.as_ref().and_then(|name| {
            kc.contexts
                .iter()
                .find(|c| &c.name == name)
                .and_then(|c| c.context.as_ref())
                .and_then(|c| c.namespace.clone())
                .filter(|n| !n.is_empty())
        });
        let has_cluster = !kc.clusters.is_empty() || !kc.contexts.is_empty();
        let mut config = if has_cluster {
            let opts = KubeConfigOptions {
                context: context_name.clone(),
                ..KubeConfigOptions::default()
            };
            match kube::Config::from_custom_kubeconfig(kc, &opts).await {
                Ok(c) => c,
                Err(e) => {
                    // A flag may supply what the file lacks (client-go overrides first).
                    match &self.api_server {
                        Some(server)
                            if matches!(e, kube::config::KubeconfigError::MissingClusterUrl) =>
                        {
                            kube::Config::new(parse_url(server)?)
                        }
                        // No context chosen: client-go's defaults (the flag's server, else
                        // the insecure local port).
                        server
                            if matches!(e, kube::config::KubeconfigError::CurrentContextNotSet) =>
                        {
                            kube::Config::new(parse_url(
                                server.as_deref().unwrap_or("http://localhost:8080"),
                            )?)
                        }
                        _ => {
                            return Err(Error::Config(kubeconfig_error(
                                &e,
                                context_name.as_deref(),
                            )))
                        }
                    }
                }
            }
        } else {
            match &self.api_server {
                Some(server) => kube::Config::new(parse_url(server)?),
                // Inside a pod, client-go falls back to the service account.
                None if std::env::var_os("KUBERNETES_SERVICE_HOST").is_some() => {
                    let c = kube::Config::incluster().map_err(|e| {
                        Error::Config(format!("Kubernetes cluster unreachable: {e}"))
                    })?;
                    // The service account's namespace plays the context's part.
                    context_ns = Some(c.default_namespace.clone());
                    c
                }
                // A context asked for by name must exist.
                None if context_name.is_some() => {
                    return Err(Error::Config(kubeconfig_error(
                        &kube::config::KubeconfigError::LoadContext(
                            context_name.clone().unwrap_or_default(),
                        ),
                        context_name.as_deref(),
                    )))
                }
                // client-go's last resort: the insecure local port of old apiservers.
                None => kube::Config::new(parse_url("http://localhost:8080")?),
            }
        };
        self.apply_overrides(&mut config)?;
        let namespace = self
            .namespace
            .clone()
            .filter(|n| !n.is_empty())
            .or(context_ns)
            .unwrap_or_else(|| "default".to_string());
        config.default_namespace = namespace.clone();
        Ok(LoadedConfig { config, namespace })
    }

    fn apply_overrides(&self, config: &mut kube::Config) -> Result<(), Error> {
        if let Some(server) = self.api_server.as_deref().filter(|s| !s.is_empty()) {
            config.cluster_url = parse_url(server)?;
        }
        if let Some(token) = self.token.as_deref().filter(|s| !s.is_empty()) {
            // A bearer token replaces whatever the user entry authenticates with.
            config.auth_info.token = Some(SecretString::from(token.to_string()));
            config.auth_info.token_file = None;
            config.auth_info.exec = None;
            config.auth_info.auth_provider = None;
            config.auth_info.username = None;
            config.auth_info.password = None;
        }
        if let Some(user) = self.as_user.as_deref().filter(|s| !s.is_empty()) {
            config.auth_info.impersonate = Some(user.to_string());
        }
        if !self.as_groups.is_empty() {
            config.auth_info.impersonate_groups = Some(self.as_groups.clone());
        }
        if let Some(ca) = &self.ca_file {
            let pem = std::fs::read(ca)
                .map_err(|e| Error::Config(format!("open {}: {}", ca.display(), io_text(&e))))?;
            let certs = pem_certificates(&pem)
                .map_err(|e| Error::Config(format!("unable to load root certificates: {e}")))?;
            config.root_cert = Some(certs);
        }
        if let Some(name) = self.tls_server_name.as_deref().filter(|s| !s.is_empty()) {
            config.tls_server_name = Some(name.to_string());
        }
        if self.insecure_skip_tls_verify {
            config.accept_invalid_certs = true;
            config.root_cert = None;
        }
        Ok(())
    }
}

/// A client configuration and the namespace to work in.
#[derive(Clone, Debug)]
pub struct LoadedConfig {
    /// The kube client configuration.
    pub config: kube::Config,
    /// `-n`, else the context's namespace, else `default`.
    pub namespace: String,
}

fn io_text(e: &std::io::Error) -> &'static str {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory",
        std::io::ErrorKind::PermissionDenied => "permission denied",
        _ => "input/output error",
    }
}

fn parse_url(s: &str) -> Result<http::Uri, Error> {
    // client-go accepts a bare host:port and assumes https.
    let with_scheme = if s.contains("://") {
        s.to_string()
    } else {
        format!("https://{s}")
    };
    with_scheme
        .parse::<http::Uri>()
        .map_err(|e| Error::Config(format!("invalid apiserver url {s:?}: {e}")))
}

fn read_kubeconfig(path: &Path) -> Result<Kubeconfig, Error> {
    Kubeconfig::read_from(path).map_err(|e| {
        Error::Config(format!(
            "error loading config file \"{}\": {}",
            path.display(),
            e
        ))
    })
}

/// client-go's merge: earlier files win per named entry and for `current-context`.
fn merge(mut base: Kubeconfig, next: Kubeconfig) -> Kubeconfig {
    let cur = base.current_context.take().filter(|c| !c.is_empty());
    let next_cur = next.current_context.clone().filter(|c| !c.is_empty());
    for c in next.clusters {
        if !base.clusters.iter().any(|b| b.name == c.name) {
            base.clusters.push(c);
        }
    }
    for a in next.auth_infos {
        if !base.auth_infos.iter().any(|b| b.name == a.name) {
            base.auth_infos.push(a);
        }
    }
    for c in next.contexts {
        if !base.contexts.iter().any(|b| b.name == c.name) {
            base.contexts.push(c);
        }
    }
    base.current_context = cur.or(next_cur);
    if base.preferences.is_none() {
        base.preferences = next.preferences;
    }
    base
}

fn kubeconfig_error(e: &kube::config::KubeconfigError, context: Option<&str>) -> String {
    use kube::config::KubeconfigError as K;
    match e {
        K::LoadContext(name) => {
            format!("Kubernetes cluster unreachable: context \"{name}\" does not exist")
        }
        K::CurrentContextNotSet => {
            "Kubernetes cluster unreachable: invalid configuration: no configuration has been provided, try setting KUBERNETES_MASTER environment variable".into()
        }
        K::LoadClusterOfContext(name) => format!(
            "invalid configuration: context was not found for specified context: {}; cluster has no server defined: {name}",
            context.unwrap_or("")
        ),
        other => other.to_string(),
    }
}

/// The certificates of a PEM bundle as DER.
fn pem_certificates(pem: &[u8]) -> Result<Vec<Vec<u8>>, String> {
    let text = std::str::from_utf8(pem).map_err(|_| "not PEM".to_string())?;
    let mut out = Vec::new();
    let mut inside = false;
    let mut b64 = String::new();
    for line in text.lines() {
        let line = line.trim();
        if line == "-----BEGIN CERTIFICATE-----" {
            inside = true;
            b64.clear();
        } else if line == "-----END CERTIFICATE-----" {
            inside = false;
            use base64::Engine;
            let der = base64::engine::general_purpose::STANDARD
                .decode(b64.as_bytes())
                .map_err(|e| e.to_string())?;
            out.push(der);
        } else if inside {
            b64.push_str(line);
        }
    }
    if out.is_empty() {
        return Err("no certificates found".into());
    }
    Ok(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    fn tmpdir(tag: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("chart-kubecfg-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    const A: &str = "apiVersion: v1\nkind: Config\ncurrent-context: a\nclusters:\n- name: ca\n  cluster: {server: 'https://a.example:6443'}\n- name: shared\n  cluster: {server: 'https://from-a:1'}\ncontexts:\n- name: a\n  context: {cluster: ca, user: ua, namespace: ns-a}\n- name: s\n  context: {cluster: shared, user: ua}\nusers:\n- name: ua\n  user: {token: ta}\n";
    const B: &str = "apiVersion: v1\nkind: Config\ncurrent-context: b\nclusters:\n- name: cb\n  cluster: {server: 'http://b.example:8080'}\n- name: shared\n  cluster: {server: 'https://from-b:2'}\ncontexts:\n- name: b\n  context: {cluster: cb, user: ub}\nusers:\n- name: ub\n  user: {token: tb}\n";

    #[tokio::test]
    async fn kubeconfig_list_merges_first_wins() {
        let d = tmpdir("merge");
        let a = write(&d, "a", A);
        let b = write(&d, "b", B);
        let missing = d.join("missing");
        let env = std::env::join_paths([missing, a, b]).unwrap();
        let s = KubeSettings {
            kubeconfig_env: Some(env),
            ..KubeSettings::default()
        };
        let kc = s.load_kubeconfig().unwrap();
        assert_eq!(kc.current_context.as_deref(), Some("a"));
        assert_eq!(kc.clusters.len(), 3);
        let loaded = s.load().await.unwrap();
        assert_eq!(
            loaded.config.cluster_url.to_string(),
            "https://a.example:6443/"
        );
        assert_eq!(loaded.namespace, "ns-a");
        // A context from the second file, whose cluster name the first file defined.
        let s2 = KubeSettings {
            context: Some("s".into()),
            ..s.clone()
        };
        let loaded = s2.load().await.unwrap();
        assert_eq!(loaded.config.cluster_url.to_string(), "https://from-a:1/");
        assert_eq!(loaded.namespace, "default");
        let s3 = KubeSettings {
            context: Some("b".into()),
            namespace: Some("flag-ns".into()),
            ..s.clone()
        };
        let loaded = s3.load().await.unwrap();
        assert_eq!(
            loaded.config.cluster_url.to_string(),
            "http://b.example:8080/"
        );
        assert_eq!(loaded.namespace, "flag-ns");
    }

    #[tokio::test]
    async fn flag_file_wins_and_flags_override() {
        let d = tmpdir("flags");
        let a = write(&d, "a", A);
        let b = write(&d, "b", B);
        let s = KubeSettings {
            kubeconfig: Some(b),
            kubeconfig_env: Some(a.into_os_string()),
            api_server: Some("https://override:7443".into()),
            token: Some("tok".into()),
            as_user: Some("alice".into()),
            as_groups: vec!["g1".into(), "g2".into()],
            tls_server_name: Some("kubernetes".into()),
            insecure_skip_tls_verify: true,
            ..KubeSettings::default()
        };
        let loaded = s.load().await.unwrap();
        let c = &loaded.config;
        assert_eq!(c.cluster_url.to_string(), "https://override:7443/");
        use secrecy::ExposeSecret;
        assert_eq!(c.auth_info.token.as_ref().unwrap().expose_secret(), "tok");
        assert_eq!(c.auth_info.impersonate.as_deref(), Some("alice"));
        assert_eq!(
            c.auth_info.impersonate_groups.as_deref(),
            Some(&["g1".to_string(), "g2".to_string()][..])
        );
        assert_eq!(c.tls_server_name.as_deref(), Some("kubernetes"));
        assert!(c.accept_invalid_certs);
        assert_eq!(loaded.namespace, "default");
    }

    #[tokio::test]
    async fn missing_context_and_no_config() {
        let d = tmpdir("errs");
        let a = write(&d, "a", A);
        let s = KubeSettings {
            kubeconfig: Some(a),
            context: Some("nope".into()),
            ..KubeSettings::default()
        };
        let e = s.load().await.unwrap_err();
        assert_eq!(
            e.to_string(),
            "Kubernetes cluster unreachable: context \"nope\" does not exist"
        );
        let none = KubeSettings {
            home: Some(d.join("nohome")),
            ..KubeSettings::default()
        };
        // Nothing configured: client-go's fallback, http://localhost:8080.
        let l = none.load().await.unwrap();
        assert_eq!(l.config.cluster_url.to_string(), "http://localhost:8080/");
        let only_server = KubeSettings {
            home: Some(d.join("nohome")),
            api_server: Some("http://127.0.0.1:1".into()),
            namespace: Some("x".into()),
            ..KubeSettings::default()
        };
        let l = only_server.load().await.unwrap();
        assert_eq!(l.config.cluster_url.to_string(), "http://127.0.0.1:1/");
        assert_eq!(l.namespace, "x");
    }

    #[test]
    fn exec_plugin_is_kept() {
        let d = tmpdir("exec");
        let p = write(&d, "c", "apiVersion: v1\nkind: Config\ncurrent-context: e\nclusters:\n- name: c\n  cluster: {server: 'https://x:1'}\ncontexts:\n- name: e\n  context: {cluster: c, user: u}\nusers:\n- name: u\n  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: ./plugin.sh\n      interactiveMode: Never\n");
        let s = KubeSettings {
            kubeconfig: Some(p),
            ..KubeSettings::default()
        };
        let kc = s.load_kubeconfig().unwrap();
        let exec = kc.auth_infos[0]
            .auth_info
            .as_ref()
            .unwrap()
            .exec
            .as_ref()
            .unwrap();
        // Relative plugin paths resolve against the kubeconfig's directory, as client-go does.
        assert_eq!(
            exec.command.as_deref(),
            Some(d.join("./plugin.sh").to_str().unwrap())
        );
    }
}
