//! A blocking client of the OCI distribution API, doing what helm's registry client
//! (oras-go v1 over containerd's resolver) does: push and pull charts, list tags, check
//! credentials for `registry login`.
//!
//! Every blob and manifest received is checked against its digest before anything is
//! returned, so a caller never writes unverified bytes.

use std::collections::HashMap;
use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use base64::Engine as _;
use reqwest::blocking::{RequestBuilder, Response};
use reqwest::header::{HeaderValue, ACCEPT, AUTHORIZATION, CONTENT_TYPE, WWW_AUTHENTICATE};
use reqwest::{Method, StatusCode};
use serde_json::Value as J;

use super::auth::{Credential, CredentialStore};
use super::{
    digest_of, semver_tags, Reference, RegistryError, CHART_LAYER_MEDIA_TYPE, CONFIG_MEDIA_TYPE,
    LEGACY_CHART_LAYER_MEDIA_TYPE, MANIFEST_MEDIA_TYPE, MAX_MANIFEST_SIZE, PROV_LAYER_MEDIA_TYPE,
};
use crate::chart::{Metadata, MAX_CHART_SIZE};

/// Helm's default idle timeout for registry requests is none; we stop a transfer that
/// receives nothing for this long.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(120);

/// How the client connects and authenticates (helm's registry client options and the
/// `--plain-http`, `--insecure-skip-tls-verify`, `--ca-file`, `--cert-file`,
/// `--key-file`, `--username`, `--password` flags).
#[derive(Clone, Debug)]
pub struct ClientOptions {
    /// Plain HTTP for every request (loopback hosts use it for manifests and blobs
    /// anyway, as helm does).
    pub plain_http: bool,
    /// Skip TLS certificate checks.
    pub insecure_skip_tls_verify: bool,
    /// A CA bundle (PEM).
    pub ca_file: String,
    /// A client certificate (PEM).
    pub cert_file: String,
    /// The client certificate's key (PEM).
    pub key_file: String,
    /// Basic credentials given on the command line (win over the credentials file).
    pub username: String,
    /// See `username`.
    pub password: String,
    /// The credentials file (`--registry-config`).
    pub credentials_file: PathBuf,
    /// How long a request may wait for the server (connect, headers, each read).
    pub timeout: Duration,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            plain_http: false,
            insecure_skip_tls_verify: false,
            ca_file: String::new(),
            cert_file: String::new(),
            key_file: String::new(),
            username: String::new(),
            password: String::new(),
            credentials_file: super::auth::default_config_path(),
            timeout: DEFAULT_TIMEOUT,
        }
    }
}

/// What a pull returned (helm's `PullResult`).
#[derive(Clone, Debug)]
pub struct PullResult {
    /// The reference pulled, as helm prints it after `Pulled:`.
    pub reference: String,
    /// The manifest's digest.
    pub manifest_digest: String,
    /// The manifest bytes.
    pub manifest: Vec<u8>,
    /// The config blob (chart metadata JSON).
    pub config: Vec<u8>,
    /// The chart's metadata, from the config.
    pub metadata: Metadata,
    /// The chart archive (empty when not asked for).
    pub chart: Vec<u8>,
    /// The chart layer's digest.
    pub chart_digest: String,
    /// The provenance file, when asked for and present.
    pub prov: Option<Vec<u8>>,
    /// Whether the chart layer had the legacy media type (helm warns).
    pub legacy_media_type: bool,
}

/// What a push stored (helm's `PushResult`).
#[derive(Clone, Debug)]
pub struct PushResult {
    /// The reference pushed, as helm prints it after `Pushed:`.
    pub reference: String,
    /// The manifest's digest.
    pub manifest_digest: String,
    /// The manifest bytes.
    pub manifest: Vec<u8>,
    /// The config blob's digest.
    pub config_digest: String,
    /// The chart layer's digest.
    pub chart_digest: String,
}

/// One descriptor of a manifest.
#[derive(Clone, Debug)]
struct Descriptor {
    media_type: String,
    digest: String,
    size: u64,
}

/// A registry client.
pub struct Client {
    http: reqwest::blocking::Client,
    opts: ClientOptions,
    store: CredentialStore,
    /// Authorization headers already obtained, per registry and scope.
    auth: Mutex<HashMap<String, HeaderValue>>,
}

fn remote(s: String) -> RegistryError {
    RegistryError::Remote(s)
}

/// The message of a transport error as Go's `net/http` words it
/// (`Get "URL": dial tcp HOST: connect: connection refused`, see [`crate::gonet`]).
fn transport_error(method: &Method, url: &str, err: &reqwest::Error) -> String {
    if err.is_timeout() && crate::gonet::classify(err).is_none() {
        let m = method.as_str();
        let m = format!("{}{}", &m[..1], m[1..].to_ascii_lowercase());
        return format!(
            "{m} \"{url}\": timeout awaiting response (the registry sent nothing for too long)"
        );
    }
    crate::gonet::request_error(method.as_str(), url, err)
}

/// helm's (containerd's) wording when a registry refuses access.
fn access_denied(kind: &str) -> impl Fn(RegistryError) -> RegistryError + '_ {
    move |e| match e {
        RegistryError::Other(m)
            if m.starts_with("authorization failed") || m.starts_with("server message: ") =>
        {
            RegistryError::Remote(format!(
                "{kind} access denied, repository does not exist or may require authorization: {m}"
            ))
        }
        e => e,
    }
}

/// The registry's error document (`{"errors":[{"code":"NAME_UNKNOWN","message":…}]}`)
/// as oras prints it: `name unknown: repository name not known to registry`.
fn error_body_text(body: &[u8]) -> String {
    let parsed: Option<Vec<String>> = serde_json::from_slice::<J>(body).ok().and_then(|j| {
        let errs = j.get("errors")?.as_array()?;
        Some(
            errs.iter()
                .map(|e| {
                    let code = e
                        .get("code")
                        .and_then(J::as_str)
                        .unwrap_or("")
                        .to_ascii_lowercase()
                        .replace('_', " ");
                    let message = e.get("message").and_then(J::as_str).unwrap_or("");
                    match (code.is_empty(), message.is_empty()) {
                        (false, false) => format!("{code}: {message}"),
                        (false, true) => code,
                        _ => message.to_string(),
                    }
                })
                .collect(),
        )
    });
    match parsed {
        Some(v) if !v.is_empty() => v.join("; "),
        _ => String::from_utf8_lossy(body).trim().to_string(),
    }
}

/// Parses `WWW-Authenticate: Scheme k="v", k2="v2"`.
fn parse_challenge(h: &str) -> (String, HashMap<String, String>) {
    let h = h.trim();
    let (scheme, rest) = h.split_once(' ').unwrap_or((h, ""));
    let mut params = HashMap::new();
    let mut rest = rest.trim();
    while !rest.is_empty() {
        let Some((k, r)) = rest.split_once('=') else {
            break;
        };
        let k = k.trim().trim_start_matches(',').trim().to_ascii_lowercase();
        let r = r.trim_start();
        let (v, r) = if let Some(r) = r.strip_prefix('"') {
            let mut v = String::new();
            let mut chars = r.char_indices();
            let mut end = r.len();
            while let Some((i, c)) = chars.next() {
                match c {
                    '\\' => {
                        if let Some((_, n)) = chars.next() {
                            v.push(n);
                        }
                    }
                    '"' => {
                        end = i + 1;
                        break;
                    }
                    _ => v.push(c),
                }
            }
            (v, &r[end.min(r.len())..])
        } else {
            let end = r.find(',').unwrap_or(r.len());
            (r[..end].trim().to_string(), &r[end..])
        };
        params.insert(k, v);
        rest = r.trim_start().trim_start_matches(',').trim_start();
    }
    (scheme.to_ascii_lowercase(), params)
}

impl Client {
    /// A client with these options.
    pub fn new(opts: ClientOptions) -> Result<Client, RegistryError> {
        let tls =
            |e: String| RegistryError::Other(format!("can't create TLS config for client: {e}"));
        let mut b = reqwest::blocking::Client::builder()
            .user_agent("Helm/3.17.3")
            .connect_timeout(opts.timeout.min(Duration::from_secs(30)))
            .timeout(opts.timeout)
            .danger_accept_invalid_certs(opts.insecure_skip_tls_verify);
        if !opts.ca_file.is_empty() {
            let p = Path::new(&opts.ca_file);
            let pem = std::fs::read(p).map_err(|e| tls(e.to_string()))?;
            let certs =
                reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| tls(e.to_string()))?;
            for c in certs {
                b = b.add_root_certificate(c);
            }
        }
        if !opts.cert_file.is_empty() && !opts.key_file.is_empty() {
            let mut pem = std::fs::read(&opts.cert_file).map_err(|e| tls(e.to_string()))?;
            pem.extend(std::fs::read(&opts.key_file).map_err(|e| tls(e.to_string()))?);
            let id = reqwest::Identity::from_pem(&pem).map_err(|e| tls(e.to_string()))?;
            b = b.identity(id);
        }
        let http = b.build().map_err(|e| tls(e.to_string()))?;
        Ok(Client {
            http,
            store: CredentialStore::new(opts.credentials_file.clone()),
            opts,
            auth: Mutex::new(HashMap::new()),
        })
    }

    fn base(&self, r: &Reference, tags: bool) -> String {
        // helm: containerd's resolver talks plain HTTP to loopback hosts; the tag lister
        // (oras) only with --plain-http.
        // Beyond helm: a loopback registry is reached over TLS when TLS options are given
        // (helm 3.17.3 then still speaks plain HTTP to it and fails).
        let tls_asked = self.opts.insecure_skip_tls_verify
            || !self.opts.ca_file.is_empty()
            || !self.opts.cert_file.is_empty();
        let plain = self.opts.plain_http || (!tags && !tls_asked && r.is_localhost());
        format!(
            "{}://{}/v2/{}",
            if plain { "http" } else { "https" },
            r.registry,
            r.repository
        )
    }

    fn credential(&self, host: &str) -> Result<Option<Credential>, RegistryError> {
        if !self.opts.username.is_empty() && !self.opts.password.is_empty() {
            return Ok(Some(Credential {
                username: self.opts.username.clone(),
                password: self.opts.password.clone(),
            }));
        }
        self.store.get(host)
    }

    fn cached_auth(&self, key: &str) -> Option<HeaderValue> {
        self.auth.lock().ok().and_then(|m| m.get(key).cloned())
    }

    /// Answers a 401 challenge: the Authorization header to retry with.
    fn authorize(
        &self,
        host: &str,
        scope: &str,
        challenge: &str,
        oras: Option<(&Method, &str)>,
    ) -> Result<HeaderValue, RegistryError> {
        let (scheme, params) = parse_challenge(challenge);
        let cred = self.credential(host)?;
        // The tag lister (oras) words failures differently from the resolver
        // (containerd): `GET "URL": …` around the cause.
        let no_cred = || match oras {
            Some((m, u)) => RegistryError::Other(format!(
                "{} \"{u}\": credential required for basic auth",
                m.as_str()
            )),
            None => RegistryError::Other("authorization failed: no basic auth credentials".into()),
        };
        let header = match scheme.as_str() {
            "basic" => {
                let c = cred.ok_or_else(no_cred)?;
                let b64 = base64::engine::general_purpose::STANDARD
                    .encode(format!("{}:{}", c.username, c.password));
                format!("Basic {b64}")
            }
            "bearer" => {
                let realm = params.get("realm").cloned().unwrap_or_default();
                let mut url = reqwest::Url::parse(&realm).map_err(|e| {
                    remote(format!("invalid bearer realm {realm:?} from {host}: {e}"))
                })?;
                {
                    let mut q = url.query_pairs_mut();
                    if let Some(s) = params.get("service") {
                        q.append_pair("service", s);
                    }
                    if !scope.is_empty() {
                        q.append_pair("scope", scope);
                    } else if let Some(s) = params.get("scope") {
                        q.append_pair("scope", s);
                    }
                }
                let mut req = self.http.get(url.clone());
                if let Some(c) = &cred {
                    if c.username.is_empty() {
                        // An identity token: OAuth2 refresh-token grant.
                        let mut form = vec![
                            ("grant_type", "refresh_token".to_string()),
                            ("refresh_token", c.password.clone()),
                            ("client_id", "helm".to_string()),
                        ];
                        if let Some(s) = params.get("service") {
                            form.push(("service", s.clone()));
                        }
                        if !scope.is_empty() {
                            form.push(("scope", scope.to_string()));
                        }
                        let mut u = url.clone();
                        u.set_query(None);
                        req = self.http.post(u).form(&form);
                    } else {
                        req = req.basic_auth(&c.username, Some(&c.password));
                    }
                }
                let resp = req
                    .send()
                    .map_err(|e| remote(transport_error(&Method::GET, url.as_str(), &e)))?;
                let st = resp.status();
                let body = read_limited(resp, MAX_MANIFEST_SIZE, url.as_str())?;
                if !st.is_success() {
                    if let Some((m, u)) = oras {
                        return Err(remote(format!(
                            "{} \"{u}\": GET \"{url}\": unexpected status code {}: {}",
                            m.as_str(),
                            st.as_u16(),
                            error_body_text(&body)
                        )));
                    }
                    return Err(remote(format!(
                        "failed to fetch oauth token: unexpected status from GET request to {url}: {}: {}",
                        status_text(st),
                        error_body_text(&body)
                    )));
                }
                let j: J = serde_json::from_slice(&body)
                    .map_err(|e| remote(format!("unable to decode token response: {e}")))?;
                let tok = j
                    .get("token")
                    .or_else(|| j.get("access_token"))
                    .and_then(J::as_str)
                    .filter(|t| !t.is_empty())
                    .ok_or_else(|| remote("failed to fetch oauth token: empty token".into()))?;
                format!("Bearer {tok}")
            }
            other => {
                return Err(remote(format!(
                    "unsupported authentication scheme {other:?} from {host}"
                )))
            }
        };
        let v = HeaderValue::from_str(&header)
            .map_err(|_| RegistryError::Other("invalid credentials: not a valid header".into()))?;
        if let Ok(mut m) = self.auth.lock() {
            m.insert(format!("{host} {scope}"), v.clone());
            if scheme == "basic" {
                m.insert(format!("{host} basic"), v.clone());
            }
        }
        Ok(v)
    }

    /// Sends a request, answering one authentication challenge. `build` makes the
    /// request afresh for the retry.
    fn send(
        &self,
        r: &Reference,
        scope: &str,
        method: &Method,
        url: &str,
        build: &dyn Fn() -> RequestBuilder,
    ) -> Result<Response, RegistryError> {
        self.send_as(r, scope, method, url, build, false)
    }

    /// [`Client::send`], with oras' wording of authentication failures when `oras`.
    fn send_as(
        &self,
        r: &Reference,
        scope: &str,
        method: &Method,
        url: &str,
        build: &dyn Fn() -> RequestBuilder,
        oras: bool,
    ) -> Result<Response, RegistryError> {
        let host = &r.registry;
        let cached = self
            .cached_auth(&format!("{host} {scope}"))
            .or_else(|| self.cached_auth(&format!("{host} basic")));
        let mut req = build();
        if let Some(h) = &cached {
            req = req.header(AUTHORIZATION, h.clone());
        }
        let resp = req
            .send()
            .map_err(|e| remote(transport_error(method, url, &e)))?;
        if resp.status() != StatusCode::UNAUTHORIZED {
            return Ok(resp);
        }
        let Some(challenge) = resp
            .headers()
            .get(WWW_AUTHENTICATE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
        else {
            return Ok(resp);
        };
        let h = self.authorize(host, scope, &challenge, oras.then_some((method, url)))?;
        let resp = build()
            .header(AUTHORIZATION, h)
            .send()
            .map_err(|e| remote(transport_error(method, url, &e)))?;
        if !oras && resp.status() == StatusCode::UNAUTHORIZED {
            // containerd: a token refused again with an `error` in the challenge
            // (`insufficient_scope`, `invalid_token`) is an authorization failure.
            let again = resp
                .headers()
                .get(WWW_AUTHENTICATE)
                .and_then(|v| v.to_str().ok())
                .map(parse_challenge);
            if let Some((scheme, params)) = again {
                if let Some(e) = params.get("error").filter(|_| scheme == "bearer") {
                    return Err(RegistryError::Other(format!(
                        "server message: {e}: authorization failed"
                    )));
                }
            }
        }
        Ok(resp)
    }

    /// The raw tags of `r`'s repository (following `Link` pagination).
    pub fn raw_tags(&self, r: &Reference) -> Result<Vec<String>, RegistryError> {
        let scope = format!("repository:{}:pull", r.repository);
        let mut url = format!("{}/tags/list", self.base(r, true));
        let mut out = Vec::new();
        for _ in 0..10_000 {
            let u = url.clone();
            let resp = self.send_as(r, &scope, &Method::GET, &u, &|| self.http.get(&u), true)?;
            let st = resp.status();
            let link = resp
                .headers()
                .get("link")
                .and_then(|v| v.to_str().ok())
                .map(str::to_string);
            let body = read_limited(resp, MAX_MANIFEST_SIZE * 16, &u)?;
            if !st.is_success() {
                return Err(remote(format!(
                    "GET \"{u}\": unexpected status code {}: {}",
                    st.as_u16(),
                    error_body_text(&body)
                )));
            }
            let j: J = serde_json::from_slice(&body)
                .map_err(|e| remote(format!("{u}: invalid tag list: {e}")))?;
            if let Some(ts) = j.get("tags").and_then(J::as_array) {
                out.extend(ts.iter().filter_map(J::as_str).map(str::to_string));
            }
            let next = link.and_then(|l| {
                let s = l.split(';').next()?.trim();
                let s = s.strip_prefix('<')?.strip_suffix('>')?;
                reqwest::Url::parse(&u).ok()?.join(s).ok()
            });
            match next {
                Some(n) => url = n.to_string(),
                None => return Ok(out),
            }
        }
        Err(remote(format!("{url}: too many pages of tags")))
    }

    /// Helm's `Client.Tags`: semver tags, newest first, `_` read as `+`.
    pub fn tags(&self, r: &Reference) -> Result<Vec<String>, RegistryError> {
        Ok(semver_tags(&self.raw_tags(r)?))
    }

    /// Fetches and checks the manifest of `r` (by tag or digest): the bytes and digest.
    fn fetch_manifest(
        &self,
        r: &Reference,
        scope: &str,
    ) -> Result<(Vec<u8>, String), RegistryError> {
        let target = r.target();
        let url = format!("{}/manifests/{}", self.base(r, false), target);
        let accept = format!(
            "{MANIFEST_MEDIA_TYPE}, application/vnd.docker.distribution.manifest.v2+json, */*"
        );
        let resp = self
            .send(r, scope, &Method::GET, &url, &|| {
                self.http.get(&url).header(ACCEPT, accept.as_str())
            })
            .map_err(|e| match e {
                // containerd resolves a reference with HEAD first: helm reports a
                // transport failure as that request's.
                RegistryError::Remote(m) if m.starts_with(&format!("Get \"{url}\": ")) => {
                    RegistryError::Remote(format!(
                        "failed to do request: Head{}",
                        m.get(3..).unwrap_or("")
                    ))
                }
                e => e,
            })
            .map_err(access_denied("pull"))?;
        let st = resp.status();
        let header_digest = resp
            .headers()
            .get("docker-content-digest")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let body = read_limited(resp, MAX_MANIFEST_SIZE, &url)?;
        if st == StatusCode::NOT_FOUND {
            return Err(remote(format!("{}: not found", r.display())));
        }
        if st == StatusCode::UNAUTHORIZED || st == StatusCode::FORBIDDEN {
            return Err(remote(format!(
                "pull access denied, repository does not exist or may require authorization: server message: {}",
                error_body_text(&body)
            )));
        }
        if !st.is_success() {
            // containerd resolves with HEAD first; helm prints that request.
            return Err(remote(format!(
                "unexpected status from HEAD request to {url}: {}",
                status_text(st)
            )));
        }
        let actual = digest_of(&body);
        let expected = if r.tag.is_empty() {
            Some(r.digest.clone())
        } else {
            header_digest
        };
        if let Some(exp) = expected.filter(|d| d.starts_with("sha256:")) {
            if exp != actual {
                return Err(RegistryError::DigestMismatch {
                    what: format!("{} (manifest)", r.display()),
                    expected: exp,
                    actual,
                });
            }
        }
        Ok((body, actual))
    }

    /// Resolves `r` to its manifest digest.
    pub fn resolve(&self, r: &Reference) -> Result<String, RegistryError> {
        let scope = format!("repository:{}:pull", r.repository);
        Ok(self.fetch_manifest(r, &scope)?.1)
    }

    /// Downloads blob `d`, checking its size and digest; `label` names a progress bar.
    fn fetch_blob(
        &self,
        r: &Reference,
        scope: &str,
        d: &Descriptor,
        limit: u64,
        label: Option<&str>,
    ) -> Result<Vec<u8>, RegistryError> {
        if d.size > limit {
            return Err(remote(format!(
                "{}@{}: blob of {} bytes is larger than the maximum of {limit} bytes",
                r.name(),
                d.digest,
                d.size
            )));
        }
        let url = format!("{}/blobs/{}", self.base(r, false), d.digest);
        let resp = self.send(r, scope, &Method::GET, &url, &|| self.http.get(&url))?;
        let st = resp.status();
        if !st.is_success() {
            let body = read_limited(resp, MAX_MANIFEST_SIZE, &url)?;
            if st == StatusCode::NOT_FOUND {
                return Err(remote(format!("{}@{}: not found", r.name(), d.digest)));
            }
            return Err(remote(format!(
                "GET \"{url}\": unexpected status code {}: {}",
                status_text(st),
                error_body_text(&body)
            )));
        }
        let progress = label.and_then(|l| crate::transfer::start(l, d.size));
        let reader = crate::transfer::ProgressReader::new(resp, progress);
        let mut data = Vec::with_capacity(usize::try_from(d.size.min(64 << 20)).unwrap_or(0));
        reader
            .take(d.size + 1)
            .read_to_end(&mut data)
            .map_err(|e| remote(format!("GET \"{url}\": reading the body: {e}")))?;
        if data.len() as u64 != d.size {
            return Err(remote(format!(
                "{}@{}: size mismatch: expected {} bytes, got {}{}",
                r.name(),
                d.digest,
                d.size,
                data.len()
                    .min(usize::try_from(d.size).unwrap_or(usize::MAX)),
                if data.len() as u64 > d.size {
                    " or more"
                } else {
                    ""
                }
            )));
        }
        let actual = digest_of(&data);
        if actual != d.digest {
            return Err(RegistryError::DigestMismatch {
                what: format!("{}@{}", r.name(), d.digest),
                expected: d.digest.clone(),
                actual,
            });
        }
        Ok(data)
    }

    /// Helm's `Client.Pull`: the manifest, config and chart layer (and the provenance
    /// layer with `with_prov`) of `r`, all checked against their digests.
    pub fn pull(
        &self,
        r: &Reference,
        with_chart: bool,
        with_prov: bool,
    ) -> Result<PullResult, RegistryError> {
        let scope = format!("repository:{}:pull", r.repository);
        let (manifest, manifest_digest) = self.fetch_manifest(r, &scope)?;
        let j: J = serde_json::from_slice(&manifest)
            .map_err(|e| remote(format!("{}: invalid manifest: {e}", r.display())))?;
        let desc = |v: &J| -> Option<Descriptor> {
            Some(Descriptor {
                media_type: v.get("mediaType")?.as_str()?.to_string(),
                digest: v.get("digest")?.as_str()?.to_string(),
                size: v.get("size")?.as_u64()?,
            })
        };
        if let Some(mt) = j.get("mediaType").and_then(J::as_str) {
            if mt != MANIFEST_MEDIA_TYPE
                && mt != "application/vnd.docker.distribution.manifest.v2+json"
            {
                return Err(remote(format!(
                    "{}: unsupported manifest media type {mt}",
                    r.display()
                )));
            }
        }
        let config = j.get("config").and_then(desc);
        let mut allowed = vec![CONFIG_MEDIA_TYPE];
        let mut min = 1;
        if with_chart {
            min += 1;
            allowed.extend([CHART_LAYER_MEDIA_TYPE, LEGACY_CHART_LAYER_MEDIA_TYPE]);
        }
        if with_prov {
            min += 1;
            allowed.push(PROV_LAYER_MEDIA_TYPE);
        }
        let layers: Vec<Descriptor> = j
            .get("layers")
            .and_then(J::as_array)
            .map(|ls| ls.iter().filter_map(desc).collect())
            .unwrap_or_default();
        let layers: Vec<Descriptor> = layers
            .into_iter()
            .filter(|l| allowed.contains(&l.media_type.as_str()))
            .collect();
        // helm counts the manifest itself, the config (when of the allowed type) and
        // the allowed layers.
        let found =
            1 + usize::from(
                config
                    .as_ref()
                    .is_some_and(|c| c.media_type == CONFIG_MEDIA_TYPE),
            ) + layers.len();
        if found < min {
            return Err(RegistryError::Other(format!(
                "manifest does not contain minimum number of descriptors ({min}), descriptors found: {found}"
            )));
        }
        let config = config
            .filter(|c| c.media_type == CONFIG_MEDIA_TYPE)
            .ok_or_else(|| {
                RegistryError::Other(format!(
                    "could not load config with mediatype {CONFIG_MEDIA_TYPE}"
                ))
            })?;
        let mut chart_d = None;
        let mut prov_d = None;
        let mut legacy = false;
        for l in &layers {
            match l.media_type.as_str() {
                CHART_LAYER_MEDIA_TYPE => chart_d = Some(l.clone()),
                LEGACY_CHART_LAYER_MEDIA_TYPE => {
                    chart_d = Some(l.clone());
                    legacy = true;
                }
                PROV_LAYER_MEDIA_TYPE => prov_d = Some(l.clone()),
                _ => {}
            }
        }
        if with_chart && chart_d.is_none() {
            return Err(RegistryError::Other(format!(
                "manifest does not contain a layer with mediatype {CHART_LAYER_MEDIA_TYPE}"
            )));
        }
        if with_prov && prov_d.is_none() {
            return Err(RegistryError::Other(format!(
                "manifest does not contain a layer with mediatype {PROV_LAYER_MEDIA_TYPE}"
            )));
        }
        let config_data = self.fetch_blob(r, &scope, &config, MAX_MANIFEST_SIZE, None)?;
        let metadata = metadata_from_config(&config_data)?;
        let (chart, chart_digest) = match (&chart_d, with_chart) {
            (Some(d), true) => {
                let label = r.display();
                (
                    self.fetch_blob(r, &scope, d, MAX_CHART_SIZE, Some(&label))?,
                    d.digest.clone(),
                )
            }
            _ => (Vec::new(), String::new()),
        };
        let prov = match (&prov_d, with_prov) {
            (Some(d), true) => Some(self.fetch_blob(r, &scope, d, MAX_MANIFEST_SIZE, None)?),
            _ => None,
        };
        Ok(PullResult {
            reference: r.display(),
            manifest_digest,
            manifest,
            config: config_data,
            metadata,
            chart,
            chart_digest,
            prov,
            legacy_media_type: legacy,
        })
    }

    /// Uploads one blob unless the registry has it.
    fn push_blob(
        &self,
        r: &Reference,
        scope: &str,
        data: &[u8],
        digest: &str,
        label: Option<&str>,
    ) -> Result<(), RegistryError> {
        let denied = |body: &[u8]| {
            remote(format!(
                "push access denied, repository does not exist or may require authorization: server message: {}",
                error_body_text(body)
            ))
        };
        let base = self.base(r, false);
        let head_url = format!("{base}/blobs/{digest}");
        let resp = self
            .send(r, scope, &Method::HEAD, &head_url, &|| {
                self.http.head(&head_url)
            })
            .map_err(access_denied("push"))?;
        if resp.status().is_success() {
            return Ok(());
        }
        if resp.status() != StatusCode::NOT_FOUND {
            return Err(remote(format!(
                "unexpected status from HEAD request to {head_url}: {}",
                status_text(resp.status())
            )));
        }
        let post_url = format!("{base}/blobs/uploads/");
        let resp = self
            .send(r, scope, &Method::POST, &post_url, &|| {
                self.http
                    .post(&post_url)
                    .header(reqwest::header::CONTENT_LENGTH, "0")
            })
            .map_err(access_denied("push"))?;
        let st = resp.status();
        let location = resp
            .headers()
            .get(reqwest::header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let body = read_limited(resp, MAX_MANIFEST_SIZE, &post_url)?;
        if st == StatusCode::UNAUTHORIZED || st == StatusCode::FORBIDDEN {
            return Err(denied(&body));
        }
        if st != StatusCode::ACCEPTED {
            return Err(remote(format!(
                "POST \"{post_url}\": unexpected status code {}: {}",
                status_text(st),
                error_body_text(&body)
            )));
        }
        let location = location
            .ok_or_else(|| remote(format!("POST \"{post_url}\": no Location in the response")))?;
        let mut put = reqwest::Url::parse(&post_url)
            .and_then(|u| u.join(&location))
            .map_err(|e| remote(format!("invalid upload location {location:?}: {e}")))?;
        put.query_pairs_mut().append_pair("digest", digest);
        let put_url = put.to_string();
        let owned: std::sync::Arc<[u8]> = std::sync::Arc::from(data);
        let len = data.len() as u64;
        let label = label.map(str::to_string);
        let resp = self.send(r, scope, &Method::PUT, &put_url, &|| {
            let progress = label
                .as_deref()
                .and_then(|l| crate::transfer::start(l, len));
            let reader = crate::transfer::ProgressReader::new(
                std::io::Cursor::new(ArcBytes(owned.clone())),
                progress,
            );
            self.http
                .put(&put_url)
                .header(CONTENT_TYPE, "application/octet-stream")
                // A large upload may take long; stalls are bounded by the TCP stack.
                .timeout(self.opts.timeout.max(Duration::from_secs(3600)))
                .body(reqwest::blocking::Body::sized(reader, len))
        })?;
        let st = resp.status();
        let body = read_limited(resp, MAX_MANIFEST_SIZE, &put_url)?;
        if st == StatusCode::UNAUTHORIZED || st == StatusCode::FORBIDDEN {
            return Err(denied(&body));
        }
        if !st.is_success() {
            return Err(remote(format!(
                "PUT \"{put_url}\": unexpected status code {}: {}",
                status_text(st),
                error_body_text(&body)
            )));
        }
        Ok(())
    }

    /// Helm's `Client.Push` with strict mode: uploads `chart` (and `prov`) as
    /// `r`'s manifest, config and layers. `created` is the `org.opencontainers.image.created`
    /// annotation (helm: the archive's modification time; empty: now, in UTC).
    pub fn push(
        &self,
        r: &Reference,
        chart: &[u8],
        prov: Option<&[u8]>,
        created: &str,
    ) -> Result<PushResult, RegistryError> {
        let ch = crate::chart::archive::load_archive(chart)
            .map_err(|e| RegistryError::Other(e.to_string()))?;
        let meta = ch.metadata;
        let name_ok =
            r.repository == meta.name || r.repository.ends_with(&format!("/{}", meta.name));
        if !name_ok || r.tag != meta.version.replace('+', "_") {
            return Err(RegistryError::Other(
                "strict mode enabled, ref basename and tag must match the chart name and version"
                    .into(),
            ));
        }
        let config = crate::release::json::metadata_json(&meta)
            .map_err(|e| RegistryError::Other(e.to_string()))?;
        let chart_digest = digest_of(chart);
        let config_digest = digest_of(config.as_bytes());
        let mut layers = vec![Descriptor {
            media_type: CHART_LAYER_MEDIA_TYPE.into(),
            digest: chart_digest.clone(),
            size: chart.len() as u64,
        }];
        if let Some(p) = prov {
            layers.push(Descriptor {
                media_type: PROV_LAYER_MEDIA_TYPE.into(),
                digest: digest_of(p),
                size: p.len() as u64,
            });
        }
        let config_desc = Descriptor {
            media_type: CONFIG_MEDIA_TYPE.into(),
            digest: config_digest.clone(),
            size: config.len() as u64,
        };
        let annotations = oci_annotations(&meta, created);
        let manifest = manifest_json(&config_desc, &layers, &annotations);
        let manifest_digest = digest_of(manifest.as_bytes());

        let scope = format!("repository:{}:pull,push", r.repository);
        let label = r.display();
        // helm (oras) uploads the config first, then the layers.
        self.push_blob(r, &scope, config.as_bytes(), &config_digest, None)?;
        self.push_blob(r, &scope, chart, &chart_digest, Some(&label))?;
        if let Some(p) = prov {
            self.push_blob(r, &scope, p, &digest_of(p), None)?;
        }
        let url = format!("{}/manifests/{}", self.base(r, false), r.target());
        let resp = self.send(r, &scope, &Method::PUT, &url, &|| {
            self.http
                .put(&url)
                .header(CONTENT_TYPE, MANIFEST_MEDIA_TYPE)
                .body(manifest.clone())
        })?;
        let st = resp.status();
        let header_digest = resp
            .headers()
            .get("docker-content-digest")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let body = read_limited(resp, MAX_MANIFEST_SIZE, &url)?;
        if st == StatusCode::UNAUTHORIZED || st == StatusCode::FORBIDDEN {
            return Err(remote(format!(
                "push access denied, repository does not exist or may require authorization: server message: {}",
                error_body_text(&body)
            )));
        }
        if !st.is_success() {
            return Err(remote(format!(
                "PUT \"{url}\": unexpected status code {}: {}",
                status_text(st),
                error_body_text(&body)
            )));
        }
        if let Some(h) = header_digest.filter(|h| h.starts_with("sha256:")) {
            if h != manifest_digest {
                return Err(RegistryError::DigestMismatch {
                    what: format!("{} (manifest)", r.display()),
                    expected: manifest_digest,
                    actual: h,
                });
            }
        }
        Ok(PushResult {
            reference: r.display(),
            manifest_digest,
            manifest: manifest.into_bytes(),
            config_digest,
            chart_digest,
        })
    }

    /// Checks credentials against `host` as `helm registry login` does (Docker's login:
    /// `GET /v2/`, answering the challenge), over HTTPS, then plain HTTP for loopback
    /// hosts or with `insecure`. Returns nothing on success.
    pub fn login(
        &self,
        host: &str,
        username: &str,
        password: &str,
        insecure: bool,
    ) -> Result<(), RegistryError> {
        let r = Reference {
            registry: host.to_string(),
            repository: "x".into(),
            ..Reference::default()
        };
        let mut schemes = vec!["https"];
        if insecure || r.is_localhost() || self.opts.plain_http {
            schemes.push("http");
        }
        let mut last = RegistryError::Other(String::new());
        for scheme in schemes {
            let url = format!("{scheme}://{host}/v2/");
            let resp = match self.http.get(&url).send() {
                Ok(r) => r,
                Err(e) => {
                    last = remote(transport_error(&Method::GET, &url, &e));
                    continue;
                }
            };
            if resp.status().is_success() {
                return Ok(());
            }
            if resp.status() != StatusCode::UNAUTHORIZED {
                last = remote(format!(
                    "login attempt to {url} failed with status: {}",
                    status_text(resp.status())
                ));
                continue;
            }
            let challenge = resp
                .headers()
                .get(WWW_AUTHENTICATE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_string();
            let (kind, params) = parse_challenge(&challenge);
            let mut req = self.http.get(&url);
            if kind == "bearer" {
                let realm = params.get("realm").cloned().unwrap_or_default();
                let mut tu = reqwest::Url::parse(&realm)
                    .map_err(|e| remote(format!("invalid bearer realm {realm:?}: {e}")))?;
                if let Some(s) = params.get("service") {
                    tu.query_pairs_mut().append_pair("service", s);
                }
                tu.query_pairs_mut()
                    .append_pair("account", username)
                    .append_pair("client_id", "docker")
                    .append_pair("offline_token", "true");
                let tr = self
                    .http
                    .get(tu.clone())
                    .basic_auth(username, Some(password))
                    .send()
                    .map_err(|e| remote(transport_error(&Method::GET, tu.as_str(), &e)))?;
                let st = tr.status();
                let body = read_limited(tr, MAX_MANIFEST_SIZE, tu.as_str())?;
                if !st.is_success() {
                    // docker's token transport: the token server's error document.
                    return Err(remote(format!("Get \"{url}\": {}", error_body_text(&body))));
                }
                let j: J = serde_json::from_slice(&body)
                    .map_err(|e| remote(format!("unable to decode token response: {e}")))?;
                let tok = j
                    .get("token")
                    .or_else(|| j.get("access_token"))
                    .and_then(J::as_str)
                    .unwrap_or("")
                    .to_string();
                req = req.bearer_auth(tok);
            } else {
                req = req.basic_auth(username, Some(password));
            }
            let resp = req
                .send()
                .map_err(|e| remote(transport_error(&Method::GET, &url, &e)))?;
            if resp.status().is_success() {
                return Ok(());
            }
            return Err(remote(format!(
                "login attempt to {url} failed with status: {}",
                status_text(resp.status())
            )));
        }
        Err(last)
    }
}

/// Bytes shared between retries of an upload.
struct ArcBytes(std::sync::Arc<[u8]>);

impl AsRef<[u8]> for ArcBytes {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

fn status_text(st: StatusCode) -> String {
    format!("{} {}", st.as_u16(), st.canonical_reason().unwrap_or(""))
}

fn read_limited(resp: Response, limit: u64, url: &str) -> Result<Vec<u8>, RegistryError> {
    let mut data = Vec::new();
    resp.take(limit + 1)
        .read_to_end(&mut data)
        .map_err(|e| remote(format!("GET \"{url}\": reading the body: {e}")))?;
    if data.len() as u64 > limit {
        return Err(remote(format!(
            "{url}: response larger than the maximum of {limit} bytes"
        )));
    }
    Ok(data)
}

/// The chart metadata of a config blob (helm unmarshals it into `chart.Metadata`).
pub fn metadata_from_config(data: &[u8]) -> Result<Metadata, RegistryError> {
    let j: J = serde_json::from_slice(data).map_err(|e| RegistryError::Other(e.to_string()))?;
    let m = j
        .as_object()
        .ok_or_else(|| RegistryError::Other("config blob is not a JSON object".into()))?;
    Ok(crate::repo::index::metadata_from_json(m))
}

/// Helm's `generateOCIAnnotations`: the chart's OCI annotations, then its own
/// annotations except `title` and `version`. Sorted by key (Go marshals maps sorted).
pub fn oci_annotations(
    meta: &Metadata,
    created: &str,
) -> std::collections::BTreeMap<String, String> {
    let mut m = std::collections::BTreeMap::new();
    let mut add = |k: &str, v: &str| {
        if !v.trim().is_empty() {
            m.insert(format!("org.opencontainers.image.{k}"), v.to_string());
        }
    };
    add("description", &meta.description);
    add("title", &meta.name);
    add("version", &meta.version);
    add("url", &meta.home);
    let now;
    let created = if created.is_empty() {
        now = gotime::GoTime::now()
            .in_loc(gotime::Location::Utc)
            .format("2006-01-02T15:04:05Z07:00");
        &now
    } else {
        created
    };
    add("created", created);
    if let Some(s) = meta.sources.first() {
        add("source", s);
    }
    if !meta.maintainers.is_empty() {
        let mut s = String::new();
        for (i, x) in meta.maintainers.iter().enumerate() {
            s.push_str(&x.name);
            if !x.email.is_empty() {
                s.push_str(&format!(" ({})", x.email));
            }
            if i + 1 < meta.maintainers.len() {
                s.push_str(", ");
            }
        }
        add("authors", &s);
    }
    for (k, v) in &meta.annotations {
        if k == "org.opencontainers.image.version" || k == "org.opencontainers.image.title" {
            continue;
        }
        m.insert(k.clone(), v.clone());
    }
    m
}

fn push_descriptor(out: &mut String, d: &Descriptor) {
    out.push_str("{\"mediaType\":");
    crate::release::json::write_str(out, &d.media_type);
    out.push_str(",\"digest\":");
    crate::release::json::write_str(out, &d.digest);
    out.push_str(&format!(",\"size\":{}}}", d.size));
}

/// oras-go's `GenerateManifest`: Go's JSON of an OCI image manifest without a
/// `mediaType` field, layers sorted by digest.
fn manifest_json(
    config: &Descriptor,
    layers: &[Descriptor],
    annotations: &std::collections::BTreeMap<String, String>,
) -> String {
    let mut layers = layers.to_vec();
    layers.sort_by(|a, b| a.digest.cmp(&b.digest));
    let mut out = String::from("{\"schemaVersion\":2,\"config\":");
    push_descriptor(&mut out, config);
    out.push_str(",\"layers\":[");
    for (i, l) in layers.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        push_descriptor(&mut out, l);
    }
    out.push(']');
    if !annotations.is_empty() {
        out.push_str(",\"annotations\":{");
        for (i, (k, v)) in annotations.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            crate::release::json::write_str(&mut out, k);
            out.push(':');
            crate::release::json::write_str(&mut out, v);
        }
        out.push('}');
    }
    out.push('}');
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn challenge() {
        let (s, p) = parse_challenge(
            r#"Bearer realm="https://auth.example.com/token",service="registry.example.com",scope="repository:a/b:pull""#,
        );
        assert_eq!(s, "bearer");
        assert_eq!(p["realm"], "https://auth.example.com/token");
        assert_eq!(p["service"], "registry.example.com");
        assert_eq!(p["scope"], "repository:a/b:pull");
        let (s, p) = parse_challenge(r#"Basic realm="basic-realm""#);
        assert_eq!(s, "basic");
        assert_eq!(p["realm"], "basic-realm");
    }

    #[test]
    fn error_text() {
        assert_eq!(
            error_body_text(br#"{"errors":[{"code":"NAME_UNKNOWN","message":"repository name not known to registry","detail":{"name":"x"}}]}"#),
            "name unknown: repository name not known to registry"
        );
    }
}
