//! Registry references `HOST[:PORT]/REPOSITORY[:TAG][@DIGEST]` (Helm's `newReference`
//! over oras-go's `ParseReference`).

use super::RegistryError;

/// A parsed reference. Tags have `+` replaced by `_` (helm's convention: OCI tags cannot
/// hold `+`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Reference {
    /// `HOST[:PORT]`.
    pub registry: String,
    /// The repository path (`charts/mychart`).
    pub repository: String,
    /// The tag (may be empty).
    pub tag: String,
    /// The digest (`sha256:…`, may be empty).
    pub digest: String,
}

fn invalid(what: &str) -> RegistryError {
    RegistryError::InvalidReference(what.to_string())
}

fn valid_repository(r: &str) -> bool {
    // `[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*`
    r.split('/').all(|comp| {
        if comp.is_empty() {
            return false;
        }
        let b = comp.as_bytes();
        let alnum = |c: u8| c.is_ascii_lowercase() || c.is_ascii_digit();
        if !alnum(b[0]) || !alnum(b[b.len() - 1]) {
            return false;
        }
        let mut i = 0;
        while i < b.len() {
            if alnum(b[i]) {
                i += 1;
                continue;
            }
            let start = i;
            while i < b.len() && !alnum(b[i]) {
                i += 1;
            }
            let sep = &comp[start..i];
            let ok = sep == "." || sep == "_" || sep == "__" || sep.bytes().all(|c| c == b'-');
            if !ok {
                return false;
            }
        }
        true
    })
}

fn valid_tag(t: &str) -> bool {
    let word = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    let b = t.as_bytes();
    !b.is_empty()
        && b.len() <= 128
        && word(b[0])
        && b[1..].iter().all(|&c| word(c) || c == b'.' || c == b'-')
}

fn valid_digest(d: &str) -> bool {
    match d.split_once(':') {
        Some(("sha256", hex)) => {
            hex.len() == 64
                && hex
                    .bytes()
                    .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c))
        }
        _ => false,
    }
}

fn valid_registry(r: &str) -> bool {
    if r.is_empty() || r.contains(['/', '?', '#', '@', ' ']) {
        return false;
    }
    reqwest::Url::parse(&format!("dummy://{r}"))
        .ok()
        .and_then(|u| {
            let host = u.host_str()?.to_string();
            Some(match u.port() {
                Some(p) => format!("{host}:{p}") == r,
                None => host == r || r.ends_with(':'),
            })
        })
        .unwrap_or(false)
}

impl Reference {
    /// Parses `raw` (an `oci://` prefix is ignored): the digest after the last `@`, a
    /// tag after the last `:` of the last path segment (`+` becomes `_`).
    pub fn parse(raw: &str) -> Result<Reference, RegistryError> {
        let mut raw = raw.strip_prefix("oci://").unwrap_or(raw).to_string();
        let mut digest = String::new();
        if let Some(i) = raw.rfind('@') {
            digest = raw[i + 1..].to_string();
            raw.truncate(i);
        }
        let (registry, path) = raw
            .split_once('/')
            .ok_or_else(|| invalid("missing repository"))?;
        let (repository, tag) = match path.split_once(':') {
            Some((r, t)) => (r.to_string(), t.replace('+', "_")),
            None => (path.to_string(), String::new()),
        };
        if !valid_registry(registry) {
            return Err(invalid("invalid registry"));
        }
        if !valid_repository(&repository) {
            return Err(invalid("invalid repository"));
        }
        if !tag.is_empty() && !valid_tag(&tag) {
            return Err(invalid("invalid tag"));
        }
        if !digest.is_empty() && !valid_digest(&digest) {
            return Err(invalid("invalid digest"));
        }
        Ok(Reference {
            registry: registry.to_string(),
            repository,
            tag,
            digest,
        })
    }

    /// `HOST/REPO`.
    pub fn name(&self) -> String {
        format!("{}/{}", self.registry, self.repository)
    }

    /// What the registry is asked for: the tag, else the digest.
    pub fn target(&self) -> &str {
        if self.tag.is_empty() {
            &self.digest
        } else {
            &self.tag
        }
    }

    /// Helm's `reference.String()`: `HOST/REPO:TAG`, or `HOST/REPO@DIGEST` without a tag.
    pub fn display(&self) -> String {
        if self.tag.is_empty() {
            if self.digest.is_empty() {
                self.name()
            } else {
                format!("{}@{}", self.name(), self.digest)
            }
        } else {
            format!("{}:{}", self.name(), self.tag)
        }
    }

    /// Whether the registry host is a loopback address (`localhost`, `127.0.0.0/8`,
    /// `::1`), which helm (through containerd) reaches over plain HTTP.
    pub fn is_localhost(&self) -> bool {
        let host = match self.registry.rsplit_once(':') {
            Some((h, p)) if p.bytes().all(|c| c.is_ascii_digit()) => h,
            _ => &self.registry,
        };
        let host = host.trim_start_matches('[').trim_end_matches(']');
        host == "localhost"
            || host
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn parses() {
        let r = Reference::parse("oci://127.0.0.1:5000/charts/my-chart:1.0.0+b.1").unwrap();
        assert_eq!(r.registry, "127.0.0.1:5000");
        assert_eq!(r.repository, "charts/my-chart");
        assert_eq!(r.tag, "1.0.0_b.1");
        assert_eq!(r.display(), "127.0.0.1:5000/charts/my-chart:1.0.0_b.1");
        let d = format!("sha256:{}", "a".repeat(64));
        let r = Reference::parse(&format!("localhost/x@{d}")).unwrap();
        assert_eq!(r.tag, "");
        assert_eq!(r.digest, d);
        assert_eq!(r.display(), format!("localhost/x@{d}"));
        assert!(r.is_localhost());
        assert!(Reference::parse("host").is_err());
        assert!(Reference::parse("host/UPPER").is_err());
        assert!(Reference::parse("host/a:b:c").is_err());
        assert!(Reference::parse("host/a@sha256:zz").is_err());
        assert!(Reference::parse("host/a--b/c__d.e").is_ok());
        assert!(!Reference::parse("example.com/a").unwrap().is_localhost());
    }
}
