//! Registry credentials: helm's `registry/config.json` (Docker's config format,
//! `{"auths":{"HOST":{"auth":"base64(user:pass)"}}}`), with Docker's own
//! `~/.docker/config.json` as a read-only fallback as helm has it.

use std::path::{Path, PathBuf};

use base64::Engine as _;
use serde_json::{Map, Value as J};

use super::RegistryError;

/// Helm's default credentials file: `HELM_REGISTRY_CONFIG`, else
/// `$HELM_CONFIG_HOME|$XDG_CONFIG_HOME/helm|~/.config/helm` + `/registry/config.json`.
pub fn default_config_path() -> PathBuf {
    if let Some(v) = std::env::var_os("HELM_REGISTRY_CONFIG").filter(|v| !v.is_empty()) {
        return PathBuf::from(v);
    }
    let base = if let Some(v) = std::env::var_os("HELM_CONFIG_HOME").filter(|v| !v.is_empty()) {
        PathBuf::from(v)
    } else if let Some(v) = std::env::var_os("XDG_CONFIG_HOME").filter(|v| !v.is_empty()) {
        PathBuf::from(v).join("helm")
    } else {
        std::env::var_os("HOME")
            .map(PathBuf::from)
            .unwrap_or_default()
            .join(".config")
            .join("helm")
    };
    base.join("registry").join("config.json")
}

/// Credentials for one registry host.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Credential {
    /// The user name (empty with an identity token).
    pub username: String,
    /// The password, or the identity token when `username` is empty.
    pub password: String,
}

fn read_config(path: &Path) -> Result<Map<String, J>, RegistryError> {
    let data = match std::fs::read(path) {
        Ok(d) => d,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Map::new()),
        Err(err) => {
            return Err(RegistryError::Io {
                path: path.to_path_buf(),
                err,
            })
        }
    };
    if data.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    match serde_json::from_slice::<J>(&data) {
        Ok(J::Object(m)) => Ok(m),
        Ok(_) | Err(_) => Err(RegistryError::Other(format!(
            "{}: invalid config file: not a JSON object",
            path.display()
        ))),
    }
}

fn entry_credential(e: &Map<String, J>) -> Option<Credential> {
    let s = |k: &str| e.get(k).and_then(J::as_str).unwrap_or("").to_string();
    if let Some(t) = e
        .get("identitytoken")
        .and_then(J::as_str)
        .filter(|t| !t.is_empty())
    {
        return Some(Credential {
            username: String::new(),
            password: t.to_string(),
        });
    }
    let auth = s("auth");
    if !auth.is_empty() {
        let raw = base64::engine::general_purpose::STANDARD
            .decode(auth.trim())
            .ok()?;
        let text = String::from_utf8(raw).ok()?;
        let (u, p) = text.split_once(':')?;
        return Some(Credential {
            username: u.to_string(),
            password: p.to_string(),
        });
    }
    let (u, p) = (s("username"), s("password"));
    (!u.is_empty() || !p.is_empty()).then_some(Credential {
        username: u,
        password: p,
    })
}

fn lookup(cfg: &Map<String, J>, host: &str) -> Option<Credential> {
    let auths = cfg.get("auths")?.as_object()?;
    if let Some(c) = auths
        .get(host)
        .and_then(J::as_object)
        .and_then(entry_credential)
    {
        return Some(c);
    }
    // Docker also matches keys written as URLs (`https://host/v1/`).
    auths.iter().find_map(|(k, v)| {
        let bare = k
            .trim_start_matches("https://")
            .trim_start_matches("http://");
        let bare = bare.split('/').next().unwrap_or(bare);
        (bare == host)
            .then(|| v.as_object().and_then(entry_credential))
            .flatten()
    })
}

/// The credentials file and its Docker fallback.
#[derive(Clone, Debug)]
pub struct CredentialStore {
    /// Helm's file (written by login/logout).
    pub path: PathBuf,
}

impl CredentialStore {
    /// The store at `path`.
    pub fn new(path: impl Into<PathBuf>) -> CredentialStore {
        CredentialStore { path: path.into() }
    }

    /// Docker's own config file (`$DOCKER_CONFIG/config.json`, else
    /// `~/.docker/config.json`), helm's read-only fallback.
    fn docker_config() -> Option<PathBuf> {
        std::env::var_os("DOCKER_CONFIG")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".docker")))
            .map(|d| d.join("config.json"))
    }

    /// The credentials for `host`: helm's file first, then Docker's config, each through
    /// its credential helper when it names one (docker's `GetAuthConfig`; a helper that
    /// fails or knows nothing falls through to the next file, as oras does).
    pub fn get(&self, host: &str) -> Result<Option<Credential>, RegistryError> {
        let mut files = vec![(self.path.clone(), true)];
        if let Some(d) = Self::docker_config() {
            files.push((d, false));
        }
        for (path, primary) in files {
            let cfg = match read_config(&path) {
                Ok(c) => c,
                Err(e) if primary => return Err(e),
                Err(_) => continue,
            };
            let found = match helper_for(&cfg, host) {
                Some(h) => helper_get(&h, host).ok().flatten(),
                None => lookup(&cfg, host),
            };
            if let Some(c) = found.filter(|c| !c.username.is_empty() || !c.password.is_empty()) {
                return Ok(Some(c));
            }
        }
        Ok(None)
    }

    /// Stores `user:password` for `host` as docker's config file does: through the
    /// credential helper of `credHelpers`/`credsStore` (the file then keeps an empty
    /// entry for the host), else base64 in `auths`. The file is rewritten as Go writes
    /// it: tab-indented JSON, mode 0600, directory 0700.
    pub fn store(&self, host: &str, c: &Credential) -> Result<(), RegistryError> {
        let mut cfg = read_config(&self.path)?;
        let helper = helper_for(&cfg, host);
        let mut e = Map::new();
        if let Some(h) = &helper {
            helper_store(h, host, c)?;
        } else if c.username.is_empty() {
            e.insert("identitytoken".into(), J::String(c.password.clone()));
        } else {
            let b64 = base64::engine::general_purpose::STANDARD
                .encode(format!("{}:{}", c.username, c.password));
            e.insert("auth".into(), J::String(b64));
        }
        let auths = cfg.entry("auths").or_insert_with(|| J::Object(Map::new()));
        if !auths.is_object() {
            *auths = J::Object(Map::new());
        }
        if let Some(m) = auths.as_object_mut() {
            m.insert(host.to_string(), J::Object(e));
        }
        self.write(&cfg)
    }

    /// Removes `host`'s credentials (from its credential helper too); `not logged in`
    /// when neither helm's file nor Docker's has an entry for it.
    pub fn remove(&self, host: &str) -> Result<(), RegistryError> {
        let has = |cfg: &Map<String, J>| {
            cfg.get("auths")
                .and_then(J::as_object)
                .is_some_and(|m| m.contains_key(host))
        };
        let mut cfg = read_config(&self.path)?;
        let docker_has = Self::docker_config()
            .and_then(|p| read_config(&p).ok())
            .is_some_and(|c| has(&c));
        if !has(&cfg) && !docker_has {
            return Err(RegistryError::Other("not logged in".into()));
        }
        if let Some(h) = helper_for(&cfg, host) {
            helper_erase(&h, host)?;
        }
        if let Some(m) = cfg.get_mut("auths").and_then(J::as_object_mut) {
            m.remove(host);
        }
        self.write(&cfg)
    }

    fn write(&self, cfg: &Map<String, J>) -> Result<(), RegistryError> {
        let io = |p: &Path| {
            let p = p.to_path_buf();
            move |err| RegistryError::Io { path: p, err }
        };
        if let Some(d) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            if !d.exists() {
                std::fs::create_dir_all(d).map_err(io(d))?;
                #[cfg(unix)]
                {
                    use std::os::unix::fs::PermissionsExt;
                    std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o700))
                        .map_err(io(d))?;
                }
            }
        }
        let text = config_json(cfg);
        crate::chart::save::write_atomic(&self.path, text.as_bytes()).map_err(io(&self.path))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&self.path, std::fs::Permissions::from_mode(0o600))
                .map_err(io(&self.path))?;
        }
        Ok(())
    }
}

/// The keys of docker's `ConfigFile` in its Go field order (unknown keys are dropped
/// when Go rewrites the file).
const CONFIG_KEYS: &[&str] = &[
    "auths",
    "HttpHeaders",
    "psFormat",
    "imagesFormat",
    "networksFormat",
    "pluginsFormat",
    "volumesFormat",
    "statsFormat",
    "detachKeys",
    "credsStore",
    "credHelpers",
    "serviceInspectFormat",
    "servicesFormat",
    "tasksFormat",
    "secretFormat",
    "configFormat",
    "nodesFormat",
    "pruneFilters",
    "proxies",
    "experimental",
    "currentContext",
    "cliPluginsExtraDirs",
    "plugins",
    "aliases",
    "features",
];

/// Go's `json.MarshalIndent(configFile, "", "\t")`: the known keys in field order,
/// empty ones omitted (`auths` always written).
fn config_json(cfg: &Map<String, J>) -> String {
    let mut out = String::from("{");
    let mut first = true;
    for k in CONFIG_KEYS {
        let v = match cfg.get(*k) {
            Some(v) => v.clone(),
            None if *k == "auths" => J::Object(Map::new()),
            None => continue,
        };
        let empty = match &v {
            J::Null => true,
            J::String(s) => s.is_empty(),
            J::Object(m) => m.is_empty(),
            J::Array(a) => a.is_empty(),
            _ => false,
        };
        if empty && *k != "auths" {
            continue;
        }
        out.push_str(if first { "\n\t" } else { ",\n\t" });
        first = false;
        let key = go_indent_json(&J::String((*k).to_string()));
        let val = go_indent_json(&v).replace('\n', "\n\t");
        out.push_str(&format!("{key}: {val}"));
    }
    out.push_str(if first { "}" } else { "\n}" });
    out
}

/// The credential helper docker's config names for `host`: `credHelpers[host]`, else
/// `credsStore`; with neither (and no `auths`), the platform default (`pass` when it is
/// installed, else `secretservice`) when its helper is on the PATH.
fn helper_for(cfg: &Map<String, J>, host: &str) -> Option<String> {
    let s = |v: Option<&J>| {
        v.and_then(J::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    if let Some(h) = s(cfg.get("credHelpers").and_then(|m| m.get(host))) {
        return Some(h);
    }
    if let Some(h) = s(cfg.get("credsStore")) {
        return Some(h);
    }
    let contains_auth = cfg
        .get("credHelpers")
        .and_then(J::as_object)
        .is_some_and(|m| !m.is_empty())
        || cfg
            .get("auths")
            .and_then(J::as_object)
            .is_some_and(|m| !m.is_empty());
    if contains_auth {
        return None;
    }
    let default = if on_path("pass") {
        "pass"
    } else {
        "secretservice"
    };
    on_path(&format!("docker-credential-{default}")).then(|| default.to_string())
}

fn on_path(prog: &str) -> bool {
    std::env::var_os("PATH").is_some_and(|p| {
        std::env::split_paths(&p).any(|d| {
            let f = d.join(prog);
            f.is_file()
        })
    })
}

/// Docker's `tokenUsername`: a helper's username meaning "the secret is an identity token".
const TOKEN_USERNAME: &str = "<token>";

/// Runs `docker-credential-HELPER ACTION` with `input` on stdin: its stdout, or (on
/// failure) Go's `exec` error text and the trimmed output.
fn run_helper(helper: &str, action: &str, input: &[u8]) -> Result<Vec<u8>, (String, String)> {
    use std::io::Write as _;
    let prog = format!("docker-credential-{helper}");
    let child = std::process::Command::new(&prog)
        .arg(action)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::inherit())
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err((
                format!("exec: \"{prog}\": executable file not found in $PATH"),
                String::new(),
            ))
        }
        Err(e) => return Err((e.to_string(), String::new())),
    };
    if let Some(mut i) = child.stdin.take() {
        let _ = i.write_all(input);
    }
    let out = child
        .wait_with_output()
        .map_err(|e| (e.to_string(), String::new()))?;
    if out.status.success() {
        return Ok(out.stdout);
    }
    let status = match out.status.code() {
        Some(c) => format!("exit status {c}"),
        None => "signal: killed".to_string(),
    };
    Err((
        status,
        String::from_utf8_lossy(&out.stdout).trim().to_string(),
    ))
}

/// docker-credential-helpers' `client.Get`: `None` when the helper has nothing for
/// `host` (`credentials not found in native keychain`).
fn helper_get(helper: &str, host: &str) -> Result<Option<Credential>, RegistryError> {
    match run_helper(helper, "get", host.as_bytes()) {
        Ok(out) => {
            let j: J =
                serde_json::from_slice(&out).map_err(|e| RegistryError::Other(e.to_string()))?;
            let f = |k: &str| j.get(k).and_then(J::as_str).unwrap_or("").to_string();
            let (user, secret) = (f("Username"), f("Secret"));
            Ok(Some(if user == TOKEN_USERNAME {
                Credential {
                    username: String::new(),
                    password: secret,
                }
            } else {
                Credential {
                    username: user,
                    password: secret,
                }
            }))
        }
        Err((_, out)) if out == "credentials not found in native keychain" => Ok(None),
        Err((err, out)) => Err(RegistryError::Other(format!(
            "error getting credentials - err: {err}, out: `{out}`"
        ))),
    }
}

/// docker-credential-helpers' `client.Store`.
fn helper_store(helper: &str, host: &str, c: &Credential) -> Result<(), RegistryError> {
    let (user, secret) = if c.username.is_empty() {
        (TOKEN_USERNAME, c.password.as_str())
    } else {
        (c.username.as_str(), c.password.as_str())
    };
    let q = |s: &str| go_indent_json(&J::String(s.to_string()));
    let input = format!(
        "{{\"ServerURL\":{},\"Username\":{},\"Secret\":{}}}\n",
        q(host),
        q(user),
        q(secret)
    );
    run_helper(helper, "store", input.as_bytes())
        .map(|_| ())
        .map_err(|(err, out)| {
            RegistryError::Other(format!(
                "error storing credentials - err: {err}, out: `{out}`"
            ))
        })
}

/// docker-credential-helpers' `client.Erase`.
fn helper_erase(helper: &str, host: &str) -> Result<(), RegistryError> {
    run_helper(helper, "erase", host.as_bytes())
        .map(|_| ())
        .map_err(|(err, out)| {
            RegistryError::Other(format!(
                "error erasing credentials - err: {err}, out: `{out}`"
            ))
        })
}

/// Go's `json.MarshalIndent(v, "", "\t")` (keys in map order: sorted, as serde_json's
/// default map keeps them).
fn go_indent_json(v: &J) -> String {
    let mut buf = Vec::new();
    let fmt = serde_json::ser::PrettyFormatter::with_indent(b"\t");
    let mut ser = serde_json::Serializer::with_formatter(&mut buf, fmt);
    if serde::Serialize::serialize(v, &mut ser).is_err() {
        return String::new();
    }
    // Go writes `{}` for an empty object, as serde_json does; HTML-escape as Go does.
    String::from_utf8(buf)
        .unwrap_or_default()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn config_written_in_go_field_order() {
        let cfg: Map<String, J> = serde_json::from_str(
            r#"{"unknown":1,"credHelpers":{"h":"x"},"credsStore":"s","auths":{"h":{}},"psFormat":""}"#,
        )
        .unwrap();
        assert_eq!(
            config_json(&cfg),
            "{\n\t\"auths\": {\n\t\t\"h\": {}\n\t},\n\t\"credsStore\": \"s\",\n\t\"credHelpers\": {\n\t\t\"h\": \"x\"\n\t}\n}"
        );
        assert_eq!(helper_for(&cfg, "h").as_deref(), Some("x"));
        assert_eq!(helper_for(&cfg, "other").as_deref(), Some("s"));
    }

    #[test]
    fn store_get_remove() {
        let dir = std::env::temp_dir().join(format!("chart-auth-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let s = CredentialStore::new(dir.join("registry/config.json"));
        let c = Credential {
            username: "user".into(),
            password: "pass".into(),
        };
        s.store("127.0.0.1:5000", &c).unwrap();
        let text = std::fs::read_to_string(&s.path).unwrap();
        assert_eq!(
            text,
            "{\n\t\"auths\": {\n\t\t\"127.0.0.1:5000\": {\n\t\t\t\"auth\": \"dXNlcjpwYXNz\"\n\t\t}\n\t}\n}"
        );
        assert_eq!(s.get("127.0.0.1:5000").unwrap(), Some(c));
        s.remove("127.0.0.1:5000").unwrap();
        assert_eq!(
            std::fs::read_to_string(&s.path).unwrap(),
            "{\n\t\"auths\": {}\n}"
        );
        assert_eq!(
            s.remove("127.0.0.1:5000").unwrap_err().to_string(),
            "not logged in"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
