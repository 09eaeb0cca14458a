//! String validators the lint rules rely on: Go's `filepath.Base` and `net/url` parsing,
//! govalidator's `IsEmail`/`IsURL`/`IsRequestURL`, and Kubernetes' object name rules.

use std::sync::OnceLock;

use gotmpl::fmt::go_quote;
use regex::Regex;

fn re(
    slot: &'static OnceLock<Option<Regex>>,
    src: impl FnOnce() -> String,
) -> Option<&'static Regex> {
    slot.get_or_init(|| Regex::new(&src()).ok()).as_ref()
}

/// Go's `filepath.Base` on `/`-separated paths.
pub(super) fn go_base(p: &str) -> String {
    if p.is_empty() {
        return ".".into();
    }
    let t = p.trim_end_matches('/');
    if t.is_empty() {
        return "/".into();
    }
    t.rsplit('/').next().unwrap_or(t).to_owned()
}

/// The parts of a URL Go's `url.Parse` gives that the validators look at.
struct GoUrl {
    scheme: String,
    host: String,
    path: String,
}

fn valid_percent_escapes(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            match (b.get(i + 1), b.get(i + 2)) {
                (Some(x), Some(y)) if x.is_ascii_hexdigit() && y.is_ascii_hexdigit() => i += 3,
                _ => return false,
            }
        } else {
            i += 1;
        }
    }
    true
}

fn valid_host(host: &str) -> bool {
    let h = if let Some(rest) = host.strip_prefix('[') {
        // IPv6 literal: `[...]` then an optional port.
        let Some(end) = rest.find(']') else {
            return false;
        };
        let port = &rest[end + 1..];
        if !port.is_empty() && !valid_port(port) {
            return false;
        }
        &rest[..end]
    } else {
        if let Some(i) = host.rfind(':') {
            if !valid_port(&host[i..]) {
                return false;
            }
        }
        host
    };
    if !valid_percent_escapes(h) {
        return false;
    }
    h.chars().all(|c| {
        !c.is_ascii() || c.is_ascii_alphanumeric() || "-_.~!$&'()*+,;=:[]<>\"%".contains(c)
    })
}

fn valid_port(p: &str) -> bool {
    match p.strip_prefix(':') {
        Some(d) => d.bytes().all(|b| b.is_ascii_digit()),
        None => false,
    }
}

/// Go's `url.Parse` (`via_request == false`) and `url.ParseRequestURI` (`true`), reduced
/// to success or failure and the parts used here.
fn go_url_parse(raw: &str, via_request: bool) -> Option<GoUrl> {
    let mut raw = raw;
    if !via_request {
        if let Some(i) = raw.find('#') {
            if !valid_percent_escapes(&raw[i + 1..]) {
                return None;
            }
            raw = &raw[..i];
        }
    }
    if raw.bytes().any(|b| b < 0x20 || b == 0x7f) {
        return None;
    }
    if raw.is_empty() && via_request {
        return None;
    }
    let mut u = GoUrl {
        scheme: String::new(),
        host: String::new(),
        path: String::new(),
    };
    if raw == "*" {
        u.path = "*".into();
        return Some(u);
    }
    // Scheme.
    let mut rest = raw;
    for (i, c) in raw.char_indices() {
        if c.is_ascii_alphabetic() {
            continue;
        }
        if c.is_ascii_digit() || c == '+' || c == '-' || c == '.' {
            if i == 0 {
                break;
            }
            continue;
        }
        if c == ':' {
            if i == 0 {
                return None;
            }
            u.scheme = raw[..i].to_ascii_lowercase();
            rest = &raw[i + 1..];
        }
        break;
    }
    if rest.ends_with('?') && rest.matches('?').count() == 1 {
        rest = &rest[..rest.len() - 1];
    } else if let Some(i) = rest.find('?') {
        rest = &rest[..i];
    }
    if !rest.starts_with('/') {
        if !u.scheme.is_empty() {
            return Some(u);
        }
        if via_request {
            return None;
        }
        let seg = rest.split('/').next().unwrap_or("");
        if seg.contains(':') {
            return None;
        }
    }
    if (!u.scheme.is_empty() || !via_request && !rest.starts_with("///")) && rest.starts_with("//")
    {
        let after = &rest[2..];
        let end = after.find('/').unwrap_or(after.len());
        let authority = &after[..end];
        rest = &after[end..];
        let host = match authority.rfind('@') {
            Some(i) => {
                let user = &authority[..i];
                if !user.chars().all(|c| {
                    c.is_ascii_alphanumeric() || "-._:~!$&'()*+,;=%@".contains(c) || !c.is_ascii()
                }) {
                    return None;
                }
                &authority[i + 1..]
            }
            None => authority,
        };
        if !valid_host(host) {
            return None;
        }
        u.host = host.to_owned();
    }
    if !valid_percent_escapes(rest) {
        return None;
    }
    u.path = rest.to_owned();
    Some(u)
}

/// govalidator's `IsRequestURL`: `url.ParseRequestURI` accepts it and it has a scheme.
pub(super) fn is_request_url(s: &str) -> bool {
    go_url_parse(s, true).is_some_and(|u| !u.scheme.is_empty())
}

// govalidator's patterns (Go's `\d`, `\s`, `\S` are ASCII-only: written out here).
const IP: &str = r"(([0-9a-fA-F]{1,4}:){7,7}[0-9a-fA-F]{1,4}|([0-9a-fA-F]{1,4}:){1,7}:|([0-9a-fA-F]{1,4}:){1,6}:[0-9a-fA-F]{1,4}|([0-9a-fA-F]{1,4}:){1,5}(:[0-9a-fA-F]{1,4}){1,2}|([0-9a-fA-F]{1,4}:){1,4}(:[0-9a-fA-F]{1,4}){1,3}|([0-9a-fA-F]{1,4}:){1,3}(:[0-9a-fA-F]{1,4}){1,4}|([0-9a-fA-F]{1,4}:){1,2}(:[0-9a-fA-F]{1,4}){1,5}|[0-9a-fA-F]{1,4}:((:[0-9a-fA-F]{1,4}){1,6})|:((:[0-9a-fA-F]{1,4}){1,7}|:)|fe80:(:[0-9a-fA-F]{0,4}){0,4}%[0-9a-zA-Z]{1,}|::(ffff(:0{1,4}){0,1}:){0,1}((25[0-5]|(2[0-4]|1{0,1}[0-9]){0,1}[0-9])\.){3,3}(25[0-5]|(2[0-4]|1{0,1}[0-9]){0,1}[0-9])|([0-9a-fA-F]{1,4}:){1,4}:((25[0-5]|(2[0-4]|1{0,1}[0-9]){0,1}[0-9])\.){3,3}(25[0-5]|(2[0-4]|1{0,1}[0-9]){0,1}[0-9]))";
const URL_SCHEMA: &str = r"((ftp|tcp|udp|wss?|https?):\/\/)";
const URL_USERNAME: &str = r"([^\t\n\f\r ]+(:[^\t\n\f\r ]*)?@)";
const URL_PATH: &str = r"((\/|\?|#)[^\t\n\f\r ]*)";
const URL_PORT: &str = r"(:([0-9]{1,5}))";
const URL_IP: &str = r"([1-9][0-9]?|1[0-9][0-9]|2[01][0-9]|22[0-3]|24[0-9]|25[0-5])(\.([0-9]{1,2}|1[0-9][0-9]|2[0-4][0-9]|25[0-5])){2}(?:\.([0-9][0-9]?|1[0-9][0-9]|2[0-4][0-9]|25[0-5]))";
const URL_SUBDOMAIN: &str =
    r"((www\.)|([a-zA-Z0-9]+([-_\.]?[a-zA-Z0-9])*[a-zA-Z0-9]\.[a-zA-Z0-9]+))";
const U: &str = r"\x{00A0}-\x{D7FF}\x{F900}-\x{FDCF}\x{FDF0}-\x{FFEF}";

fn url_re() -> Option<&'static Regex> {
    static R: OnceLock<Option<Regex>> = OnceLock::new();
    re(&R, || {
        format!(
            r"^{URL_SCHEMA}?{URL_USERNAME}?(({URL_IP}|(\[{IP}\])|(([a-zA-Z0-9]([a-zA-Z0-9-_]+)?[a-zA-Z0-9]([-\.][a-zA-Z0-9]+)*)|({URL_SUBDOMAIN}?))?(([a-zA-Z\x{{00a1}}-\x{{ffff}}0-9]+-?-?)*[a-zA-Z\x{{00a1}}-\x{{ffff}}0-9]+)(?:\.([a-zA-Z\x{{00a1}}-\x{{ffff}}]{{1,}}))?))\.?{URL_PORT}?{URL_PATH}?$"
        )
    })
}

fn email_re() -> Option<&'static Regex> {
    static R: OnceLock<Option<Regex>> = OnceLock::new();
    re(&R, || {
        let atext = format!(r"([a-zA-Z]|[0-9]|[!#\$%&'\*\+\-/=\?\^_`\{{\|\}}~]|[{U}])");
        let local = format!(r"({atext}+(\.{atext}+)*)");
        let qtext =
            format!(r"([\x01-\x08\x0b\x0c\x0e-\x1f\x7f]|\x21|[\x23-\x5b]|[\x5d-\x7e]|[{U}])");
        let qpair = format!(r"(\\([\x01-\x09\x0b\x0c\x0d-\x7f]|[{U}]))");
        let fws = r"(((\x20|\x09)*(\x0d\x0a))?(\x20|\x09)+)";
        let quoted = format!(r"((\x22)({fws}?({qtext}|{qpair}))*({fws}?)(\x22))");
        let ldh = format!(r"([a-zA-Z]|[0-9]|-|\.|_|~|[{U}])");
        let alnum = format!(r"([a-zA-Z]|[0-9]|[{U}])");
        let label = format!(r"({alnum}|({alnum}{ldh}*{alnum}))");
        let tld_a = format!(r"([a-zA-Z]|[{U}])");
        let tld_m = format!(r"([a-zA-Z]|[0-9]|-|_|~|[{U}])");
        let tld = format!(r"({tld_a}|({tld_a}{tld_m}*{tld_a}))");
        format!(r"^(({local})|{quoted})@({label}\.)+{tld}\.?$")
    })
}

/// govalidator's `IsEmail`.
pub(super) fn is_email(s: &str) -> bool {
    email_re().is_some_and(|r| r.is_match(s))
}

/// govalidator's `IsURL`.
pub(super) fn is_url(s: &str) -> bool {
    if s.is_empty() || s.chars().count() >= 2083 || s.len() <= 3 || s.starts_with('.') {
        return false;
    }
    let tmp = if s.contains(':') && !s.contains("://") {
        format!("http://{s}")
    } else {
        s.to_owned()
    };
    let Some(u) = go_url_parse(&tmp, false) else {
        return false;
    };
    if u.host.starts_with('.') {
        return false;
    }
    if u.host.is_empty() && !u.path.is_empty() && !u.path.contains('.') {
        return false;
    }
    url_re().is_some_and(|r| r.is_match(s))
}

const DNS1123_LABEL: &str = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
const DNS1035_LABEL: &str = "[a-z]([-a-z0-9]*[a-z0-9])?";

fn dns1123_subdomain_fmt() -> String {
    format!("{DNS1123_LABEL}(\\.{DNS1123_LABEL})*")
}

fn full(
    slot: &'static OnceLock<Option<Regex>>,
    f: impl FnOnce() -> String,
) -> Option<&'static Regex> {
    re(slot, || format!("^(?:{})$", f()))
}

fn matches(slot: &'static OnceLock<Option<Regex>>, f: impl FnOnce() -> String, s: &str) -> bool {
    full(slot, f).is_some_and(|r| r.is_match(s))
}

fn regex_error(msg: &str, fmt: &str, examples: &[&str]) -> String {
    let mut m = format!("{msg} (e.g. ");
    for (i, e) in examples.iter().enumerate() {
        if i > 0 {
            m.push_str(" or ");
        }
        m.push_str(&format!("'{e}', "));
    }
    m.push_str(&format!("regex used for validation is '{fmt}')"));
    m
}

fn max_len_error(n: usize) -> String {
    format!("must be no more than {n} characters")
}

fn is_subdomain(s: &str) -> bool {
    static R: OnceLock<Option<Regex>> = OnceLock::new();
    matches(&R, dns1123_subdomain_fmt, s)
}

fn dns1123_subdomain(s: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if s.len() > 253 {
        errs.push(max_len_error(253));
    }
    if !is_subdomain(s) {
        errs.push(regex_error(
            "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character",
            &dns1123_subdomain_fmt(),
            &["example.com"],
        ));
    }
    errs
}

fn dns1123_label(s: &str) -> Vec<String> {
    static R: OnceLock<Option<Regex>> = OnceLock::new();
    let mut errs = Vec::new();
    if s.len() > 63 {
        errs.push(max_len_error(63));
    }
    if !matches(&R, || DNS1123_LABEL.to_owned(), s) {
        if is_subdomain(s) {
            errs.push("must not contain dots".into());
        } else {
            errs.push(regex_error(
                "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character",
                DNS1123_LABEL,
                &["my-name", "123-abc"],
            ));
        }
    }
    errs
}

fn dns1035_label(s: &str) -> Vec<String> {
    static R: OnceLock<Option<Regex>> = OnceLock::new();
    let mut errs = Vec::new();
    if s.len() > 63 {
        errs.push(max_len_error(63));
    }
    if !matches(&R, || DNS1035_LABEL.to_owned(), s) {
        errs.push(regex_error(
            "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character",
            DNS1035_LABEL,
            &["my-name", "abc-123"],
        ));
    }
    errs
}

fn path_segment_name(s: &str) -> Vec<String> {
    for bad in [".", ".."] {
        if s == bad {
            return vec![format!("may not be '{bad}'")];
        }
    }
    ["/", "%"]
        .iter()
        .filter(|c| s.contains(*c))
        .map(|c| format!("may not contain '{c}'"))
        .collect()
}

/// Helm's `validateMetadataName`: the name rule of the object's kind.
pub(super) fn validate_metadata_name(kind: &str, name: &str) -> Result<(), String> {
    let errs = match kind.to_lowercase().as_str() {
        "service" => dns1035_label(name),
        "namespace" => dns1123_label(name),
        "certificatesigningrequest" => Vec::new(),
        "role" | "clusterrole" | "rolebinding" | "clusterrolebinding" => path_segment_name(name),
        _ => dns1123_subdomain(name),
    };
    if errs.is_empty() {
        return Ok(());
    }
    let q = go_quote(name);
    let mut seen: Vec<String> = Vec::new();
    for e in errs {
        let m = format!("metadata.name: Invalid value: {q}: {e}");
        if !seen.contains(&m) {
            seen.push(m);
        }
    }
    let agg = if seen.len() == 1 {
        seen.concat()
    } else {
        format!("[{}]", seen.join(", "))
    };
    Err(format!(
        "object name does not conform to Kubernetes naming requirements: {q}: {agg}"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_and_emails() {
        assert!(is_request_url("https://example.com/icon.png"));
        assert!(!is_request_url("bad icon"));
        assert!(!is_request_url("notaurl"));
        assert!(is_url("https://example.com"));
        assert!(is_url("example.com"));
        assert!(!is_url("foo"));
        assert!(is_email("a@example.com"));
        assert!(!is_email("bad"));
        assert!(email_re().is_some() && url_re().is_some());
    }

    #[test]
    fn names() {
        assert!(validate_metadata_name("ConfigMap", "ok-name.x").is_ok());
        assert!(validate_metadata_name("Service", "1svc").is_err());
        assert!(validate_metadata_name("Role", "a:b").is_ok());
        let e = validate_metadata_name("Role", "a/%")
            .err()
            .unwrap_or_default();
        assert!(e.ends_with("[metadata.name: Invalid value: \"a/%\": may not contain '/', metadata.name: Invalid value: \"a/%\": may not contain '%']"), "{e}");
        assert_eq!(go_base("a/b"), "b");
        assert_eq!(go_base("a/"), "a");
    }
}
