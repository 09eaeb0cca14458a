//! Go's wording of the common transport failures, as helm prints them
//! (`Get "URL": dial tcp 127.0.0.1:1: connect: connection refused`, `dial tcp: lookup HOST
//! on 10.0.0.2:53: no such host`), for errors that reach us through reqwest, hyper or
//! kube-rs (whose own texts differ).

use std::error::Error as StdError;
use std::net::{IpAddr, ToSocketAddrs};

/// What went wrong while connecting, when Go has a fixed text for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failure {
    /// Nothing listens on the port (`connect: connection refused`).
    Refused,
    /// The host name does not resolve (`no such host`).
    NoSuchHost,
    /// A TLS client spoke to a plain-HTTP server.
    HttpToHttps,
}

/// The kind of `err` found anywhere in its source chain.
pub fn classify(err: &(dyn StdError + 'static)) -> Option<Failure> {
    let mut texts = Vec::new();
    let mut cur: Option<&(dyn StdError + 'static)> = Some(err);
    while let Some(e) = cur {
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            if io.kind() == std::io::ErrorKind::ConnectionRefused {
                return Some(Failure::Refused);
            }
        }
        texts.push(e.to_string());
        cur = e.source();
    }
    let all = texts.join(": ");
    if all.contains("Connection refused") {
        Some(Failure::Refused)
    } else if all.contains("Name or service not known")
        || all.contains("No address associated with hostname")
        || all.contains("nodename nor servname provided")
    {
        Some(Failure::NoSuchHost)
    } else if all.contains("InvalidContentType") {
        Some(Failure::HttpToHttps)
    } else {
        None
    }
}

/// `host:port` of `url` as Go's dialer names it in its errors: an IP literal as written
/// (IPv6 in brackets), a name resolved to its first IPv4 address (Go tries those first).
pub fn dial_address(url: &str) -> String {
    let Ok(u) = reqwest::Url::parse(url) else {
        return String::new();
    };
    let port = u.port_or_known_default().unwrap_or(0);
    let host = u.host_str().unwrap_or("");
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    let ip = match bare.parse::<IpAddr>() {
        Ok(a) => Some(a),
        Err(_) if !bare.is_empty() => (bare, port).to_socket_addrs().ok().and_then(|addrs| {
            let all: Vec<_> = addrs.map(|a| a.ip()).collect();
            all.iter().find(|a| a.is_ipv4()).or(all.first()).copied()
        }),
        Err(_) => None,
    };
    match ip {
        Some(IpAddr::V6(a)) => format!("[{a}]:{port}"),
        Some(IpAddr::V4(a)) => format!("{a}:{port}"),
        None => format!("{host}:{port}"),
    }
}

/// The name server Go's resolver reports a failed lookup against: the first
/// `nameserver` of /etc/resolv.conf (Go's default, `127.0.0.1:53`, without one).
fn name_server() -> String {
    let conf = std::fs::read_to_string("/etc/resolv.conf").unwrap_or_default();
    for l in conf.lines() {
        let mut w = l.split_whitespace();
        if w.next() == Some("nameserver") {
            if let Some(ip) = w.next().and_then(|a| a.parse::<IpAddr>().ok()) {
                return match ip {
                    IpAddr::V6(a) => format!("[{a}]:53"),
                    IpAddr::V4(a) => format!("{a}:53"),
                };
            }
        }
    }
    "127.0.0.1:53".to_string()
}

/// Go's text of `failure` while dialling `url` (the part after `Get "URL": `).
pub fn failure_text(failure: Failure, url: &str) -> String {
    match failure {
        Failure::Refused => format!(
            "dial tcp {}: connect: connection refused",
            dial_address(url)
        ),
        Failure::NoSuchHost => {
            let host = reqwest::Url::parse(url)
                .ok()
                .and_then(|u| u.host_str().map(str::to_string))
                .unwrap_or_default();
            format!("dial tcp: lookup {host} on {}: no such host", name_server())
        }
        Failure::HttpToHttps => "http: server gave HTTP response to HTTPS client".to_string(),
    }
}

/// Go's `*url.Error` text of a failed request: `Get "URL": REASON`, REASON in Go's words
/// where it has fixed ones, else the chain of our causes.
pub fn request_error(method: &str, url: &str, err: &(dyn StdError + 'static)) -> String {
    let m = format!(
        "{}{}",
        method.get(..1).unwrap_or(""),
        method.get(1..).unwrap_or("").to_ascii_lowercase()
    );
    let reason = match classify(err) {
        Some(f) => failure_text(f, url),
        None => {
            let mut msg = err.to_string();
            let mut src = err.source();
            while let Some(s) = src {
                msg = format!("{msg}: {s}");
                src = s.source();
            }
            msg
        }
    };
    format!("{m} \"{url}\": {reason}")
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn refused_to_a_closed_port() {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        drop(l);
        let url = format!("http://127.0.0.1:{port}/x.tgz");
        let err = reqwest::blocking::get(&url).unwrap_err();
        assert_eq!(
            request_error("GET", &url, &err),
            format!("Get \"{url}\": dial tcp 127.0.0.1:{port}: connect: connection refused")
        );
        assert_eq!(dial_address("http://[::1]:5/"), "[::1]:5");
        assert_eq!(dial_address("https://127.0.0.1/"), "127.0.0.1:443");
    }
}
