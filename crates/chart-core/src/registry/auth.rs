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

    /// The credentials for `host`: helm's file first, then Docker's config.
    pub fn get(&self, host: &str) -> Result<Option<Credential>, RegistryError> {
        if let Some(c) = lookup(&read_config(&self.path)?, host) {
            return Ok(Some(c));
        }
        let docker = std::env::var_os("DOCKER_CONFIG")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".docker")));
        if let Some(d) = docker {
            if let Ok(cfg) = read_config(&d.join("config.json")) {
                return Ok(lookup(&cfg, host));
            }
        }
        Ok(None)
    }

    /// Stores `user:password` for `host` (other entries and keys kept), writing the file
    /// as Docker does: tab-indented JSON, mode 0600, directory 0700.
    pub fn store(&self, host: &str, c: &Credential) -> Result<(), RegistryError> {
        let mut cfg = read_config(&self.path)?;
        let auths = cfg.entry("auths").or_insert_with(|| J::Object(Map::new()));
        if !auths.is_object() {
            *auths = J::Object(Map::new());
        }
        let mut e = Map::new();
        if c.username.is_empty() {
            e.insert("identitytoken".into(), J::String(c.password.clone()));
        } else {
            let b64 = base64::engine::general_purpose::STANDARD
                .encode(format!("{}:{}", c.username, c.password));
            e.insert("auth".into(), J::String(b64));
        }
        if let Some(m) = auths.as_object_mut() {
            m.insert(host.to_string(), J::Object(e));
        }
        self.write(&cfg)
    }

    /// Removes `host`'s entry; `not logged in` when there is none.
    pub fn remove(&self, host: &str) -> Result<(), RegistryError> {
        let mut cfg = read_config(&self.path)?;
        let removed = cfg
            .get_mut("auths")
            .and_then(J::as_object_mut)
            .and_then(|m| m.remove(host))
            .is_some();
        if !removed {
            return Err(RegistryError::Other("not logged in".into()));
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
        let text = go_indent_json(&J::Object(cfg.clone()));
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
