//! Sprig functions: `urlParse`, `urlJoin` (Go `net/url` semantics) and Helm's
//! `getHostByName` (which returns `""` unless DNS lookups are enabled).

use gotmpl::fmt::go_quote;
use gotmpl::func::{FuncError, FuncMap, Ty};
use gotmpl::value::{Map, Value};

/// Which URL component a string is escaped or unescaped for (Go's `encoding` modes).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Path,
    Host,
    Zone,
    UserPassword,
    QueryComponent,
    Fragment,
}

fn should_escape(c: u8, mode: Mode) -> bool {
    if c.is_ascii_alphanumeric() {
        return false;
    }
    if matches!(mode, Mode::Host | Mode::Zone)
        && matches!(
            c,
            b'!' | b'$'
                | b'&'
                | b'\''
                | b'('
                | b')'
                | b'*'
                | b'+'
                | b','
                | b';'
                | b'='
                | b':'
                | b'['
                | b']'
                | b'<'
                | b'>'
                | b'"'
        )
    {
        return false;
    }
    match c {
        b'-' | b'_' | b'.' | b'~' => return false,
        b'$' | b'&' | b'+' | b',' | b'/' | b':' | b';' | b'=' | b'?' | b'@' => {
            return match mode {
                Mode::Path => c == b'?',
                Mode::UserPassword => matches!(c, b'@' | b'/' | b'?' | b':'),
                Mode::QueryComponent => true,
                Mode::Fragment => false,
                Mode::Host | Mode::Zone => true,
            }
        }
        _ => {}
    }
    if mode == Mode::Fragment && matches!(c, b'!' | b'(' | b')' | b'*') {
        return false;
    }
    true
}

/// Go's `url.escape`.
fn escape(s: &str, mode: Mode) -> String {
    let mut out = String::with_capacity(s.len());
    for &c in s.as_bytes() {
        if should_escape(c, mode) {
            if c == b' ' && mode == Mode::QueryComponent {
                out.push('+');
            } else {
                out.push_str(&format!("%{c:02X}"));
            }
        } else {
            out.push(char::from(c));
        }
    }
    out
}

fn unhex(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// Go's `url.unescape`, with its error texts.
fn unescape(s: &str, mode: Mode) -> Result<String, String> {
    let b = s.as_bytes();
    let esc_err = |i: usize| {
        let end = (i + 3).min(b.len());
        format!(
            "invalid URL escape {}",
            go_quote(&String::from_utf8_lossy(&b[i..end]))
        )
    };
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' => {
                let (Some(h), Some(l)) = (
                    b.get(i + 1).copied().and_then(unhex),
                    b.get(i + 2).copied().and_then(unhex),
                ) else {
                    return Err(esc_err(i));
                };
                if i + 2 >= b.len() {
                    return Err(esc_err(i));
                }
                let is25 = &b[i..i + 3] == b"%25";
                if mode == Mode::Host && h < 8 && !is25 {
                    return Err(esc_err(i));
                }
                let v = h << 4 | l;
                if mode == Mode::Zone && !is25 && v != b' ' && should_escape(v, Mode::Host) {
                    return Err(esc_err(i));
                }
                out.push(v);
                i += 3;
            }
            b'+' => {
                out.push(if mode == Mode::QueryComponent {
                    b' '
                } else {
                    b'+'
                });
                i += 1;
            }
            c => {
                if matches!(mode, Mode::Host | Mode::Zone) && c < 0x80 && should_escape(c, mode) {
                    return Err(format!(
                        "invalid character {} in host name",
                        go_quote(&char::from(c).to_string())
                    ));
                }
                out.push(c);
                i += 1;
            }
        }
    }
    Ok(String::from_utf8_lossy(&out).into_owned())
}

/// Userinfo of a URL.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct User {
    name: String,
    password: Option<String>,
}

impl User {
    fn to_go_string(&self) -> String {
        let mut s = escape(&self.name, Mode::UserPassword);
        if let Some(p) = &self.password {
            s.push(':');
            s.push_str(&escape(p, Mode::UserPassword));
        }
        s
    }
}

/// A parsed URL (the fields of Go's `url.URL` that Sprig uses).
#[derive(Clone, Debug, Default)]
struct Url {
    scheme: String,
    opaque: String,
    user: Option<User>,
    host: String,
    path: String,
    raw_path: String,
    omit_host: bool,
    force_query: bool,
    raw_query: String,
    fragment: String,
}

fn valid_optional_port(p: &str) -> bool {
    match p.strip_prefix(':') {
        None => p.is_empty(),
        Some(d) => d.bytes().all(|c| c.is_ascii_digit()),
    }
}

fn valid_userinfo(s: &str) -> bool {
    s.chars().all(|c| {
        c.is_ascii_alphanumeric()
            || matches!(
                c,
                '-' | '.'
                    | '_'
                    | ':'
                    | '~'
                    | '!'
                    | '$'
                    | '&'
                    | '\''
                    | '('
                    | ')'
                    | '*'
                    | '+'
                    | ','
                    | ';'
                    | '='
                    | '%'
                    | '@'
            )
    })
}

fn parse_host(host: &str) -> Result<String, String> {
    if host.starts_with('[') {
        let i = host.rfind(']').ok_or("missing ']' in host")?;
        let colon_port = &host[i + 1..];
        if !valid_optional_port(colon_port) {
            return Err(format!("invalid port {} after host", go_quote(colon_port)));
        }
        if let Some(z) = host[..i].find("%25") {
            let h1 = unescape(&host[..z], Mode::Host)?;
            let h2 = unescape(&host[z..i], Mode::Zone)?;
            let h3 = unescape(&host[i..], Mode::Host)?;
            return Ok(h1 + &h2 + &h3);
        }
    } else if let Some(i) = host.rfind(':') {
        let colon_port = &host[i..];
        if !valid_optional_port(colon_port) {
            return Err(format!("invalid port {} after host", go_quote(colon_port)));
        }
    }
    unescape(host, Mode::Host)
}

fn parse_authority(auth: &str) -> Result<(Option<User>, String), String> {
    let at = auth.rfind('@');
    let host = parse_host(match at {
        Some(i) => &auth[i + 1..],
        None => auth,
    })?;
    let Some(i) = at else {
        return Ok((None, host));
    };
    let info = &auth[..i];
    if !valid_userinfo(info) {
        return Err("net/url: invalid userinfo".to_string());
    }
    let user = match info.split_once(':') {
        None => User {
            name: unescape(info, Mode::UserPassword)?,
            password: None,
        },
        Some((n, p)) => User {
            name: unescape(n, Mode::UserPassword)?,
            password: Some(unescape(p, Mode::UserPassword)?),
        },
    };
    Ok((Some(user), host))
}

/// Splits off a scheme (Go's `getScheme`).
fn get_scheme(raw: &str) -> Result<(&str, &str), String> {
    for (i, c) in raw.bytes().enumerate() {
        match c {
            b'a'..=b'z' | b'A'..=b'Z' => {}
            b'0'..=b'9' | b'+' | b'-' | b'.' => {
                if i == 0 {
                    return Ok(("", raw));
                }
            }
            b':' => {
                if i == 0 {
                    return Err("missing protocol scheme".to_string());
                }
                return Ok((&raw[..i], &raw[i + 1..]));
            }
            _ => return Ok(("", raw)),
        }
    }
    Ok(("", raw))
}

impl Url {
    /// Go's `url.Parse`, with its error text (`parse "…": …`).
    fn parse(raw: &str) -> Result<Url, String> {
        let (u, frag) = match raw.split_once('#') {
            Some((u, f)) => (u, Some(f)),
            None => (raw, None),
        };
        let mut url = Url::parse_no_frag(u).map_err(|e| format!("parse {}: {e}", go_quote(u)))?;
        if let Some(f) = frag.filter(|f| !f.is_empty()) {
            url.fragment =
                unescape(f, Mode::Fragment).map_err(|e| format!("parse {}: {e}", go_quote(raw)))?;
        }
        Ok(url)
    }

    fn parse_no_frag(raw: &str) -> Result<Url, String> {
        if raw.bytes().any(|b| b < b' ' || b == 0x7f) {
            return Err("net/url: invalid control character in URL".to_string());
        }
        let mut url = Url::default();
        if raw == "*" {
            url.path = "*".to_string();
            return Ok(url);
        }
        let (scheme, mut rest) = get_scheme(raw)?;
        url.scheme = scheme.to_ascii_lowercase();
        if rest.ends_with('?') && rest.matches('?').count() == 1 {
            url.force_query = true;
            rest = &rest[..rest.len() - 1];
        } else if let Some((r, q)) = rest.split_once('?') {
            url.raw_query = q.to_string();
            rest = r;
        }
        if !rest.starts_with('/') {
            if !url.scheme.is_empty() {
                url.opaque = rest.to_string();
                return Ok(url);
            }
            let seg = rest.split('/').next().unwrap_or("");
            if seg.contains(':') {
                return Err("first path segment in URL cannot contain colon".to_string());
            }
        }
        if (!url.scheme.is_empty() || !rest.starts_with("///")) && rest.starts_with("//") {
            let auth_rest = &rest[2..];
            let (auth, r) = match auth_rest.find('/') {
                Some(i) => (&auth_rest[..i], &auth_rest[i..]),
                None => (auth_rest, ""),
            };
            let (user, host) = parse_authority(auth)?;
            url.user = user;
            url.host = host;
            rest = r;
        } else if !url.scheme.is_empty() && rest.starts_with('/') {
            url.omit_host = true;
        }
        url.path = unescape(rest, Mode::Path)?;
        if escape(&url.path, Mode::Path) != rest {
            url.raw_path = rest.to_string();
        }
        Ok(url)
    }

    /// Go's `URL.Hostname()`.
    fn hostname(&self) -> &str {
        let mut host = self.host.as_str();
        if let Some(i) = host.rfind(':') {
            if valid_optional_port(&host[i..]) {
                host = &host[..i];
            }
        }
        if host.starts_with('[') && host.ends_with(']') && host.len() >= 2 {
            host = &host[1..host.len() - 1];
        }
        host
    }

    fn escaped_path(&self) -> String {
        if !self.raw_path.is_empty() {
            if let Ok(p) = unescape(&self.raw_path, Mode::Path) {
                if p == self.path {
                    return self.raw_path.clone();
                }
            }
        }
        if self.path == "*" {
            return "*".to_string();
        }
        escape(&self.path, Mode::Path)
    }

    /// Go's `URL.String()`.
    fn to_go_string(&self) -> String {
        let mut buf = String::new();
        if !self.scheme.is_empty() {
            buf.push_str(&self.scheme);
            buf.push(':');
        }
        if !self.opaque.is_empty() {
            buf.push_str(&self.opaque);
        } else {
            if (!self.scheme.is_empty() || !self.host.is_empty() || self.user.is_some())
                && (!self.omit_host || !self.host.is_empty() || self.user.is_some())
            {
                if !self.host.is_empty() || !self.path.is_empty() || self.user.is_some() {
                    buf.push_str("//");
                }
                if let Some(u) = &self.user {
                    buf.push_str(&u.to_go_string());
                    buf.push('@');
                }
                if !self.host.is_empty() {
                    buf.push_str(&escape(&self.host, Mode::Host));
                }
            }
            let path = self.escaped_path();
            if !path.is_empty() && !path.starts_with('/') && !self.host.is_empty() {
                buf.push('/');
            }
            if buf.is_empty() && path.split('/').next().unwrap_or("").contains(':') {
                buf.push_str("./");
            }
            buf.push_str(&path);
        }
        if self.force_query || !self.raw_query.is_empty() {
            buf.push('?');
            buf.push_str(&self.raw_query);
        }
        if !self.fragment.is_empty() {
            buf.push('#');
            buf.push_str(&escape(&self.fragment, Mode::Fragment));
        }
        buf
    }
}

fn url_parse(s: &str) -> Result<Value, FuncError> {
    let u = Url::parse(s).map_err(|e| FuncError::msg(format!("unable to parse url: {e}")))?;
    let mut m = Map::new();
    m.insert("scheme".into(), Value::str(&u.scheme));
    m.insert("host".into(), Value::str(&u.host));
    m.insert("hostname".into(), Value::str(u.hostname()));
    m.insert("path".into(), Value::str(&u.path));
    m.insert("query".into(), Value::str(&u.raw_query));
    m.insert("opaque".into(), Value::str(&u.opaque));
    m.insert("fragment".into(), Value::str(&u.fragment));
    m.insert(
        "userinfo".into(),
        Value::str(u.user.as_ref().map(User::to_go_string).unwrap_or_default()),
    );
    Ok(Value::map(m))
}

fn dict_str(d: &Map, key: &str) -> Result<String, FuncError> {
    match d.get(key) {
        None => Ok(String::new()),
        Some(Value::Str(s)) => Ok(s.to_string()),
        Some(Value::Nil) => Err(FuncError::msg(
            "runtime error: invalid memory address or nil pointer dereference",
        )),
        Some(v) => Err(FuncError::msg(format!(
            "unable to parse {key} key, must be of type string, but {} found",
            v.kind_name()
        ))),
    }
}

fn url_join(d: &Map) -> Result<Value, FuncError> {
    let mut u = Url {
        scheme: dict_str(d, "scheme")?,
        host: dict_str(d, "host")?,
        path: dict_str(d, "path")?,
        raw_query: dict_str(d, "query")?,
        opaque: dict_str(d, "opaque")?,
        fragment: dict_str(d, "fragment")?,
        ..Url::default()
    };
    let info = dict_str(d, "userinfo")?;
    if !info.is_empty() {
        let t = Url::parse(&format!("proto://{info}@host"))
            .map_err(|e| FuncError::msg(format!("unable to parse userinfo in dict: {e}")))?;
        u.user = t.user;
    }
    Ok(Value::str(u.to_go_string()))
}

/// Registers this module's functions.
pub fn register(m: &mut FuncMap) {
    // {{ (urlParse "https://u@example.com:8443/p?q=1#f").hostname }} → example.com
    m.add("urlParse", &[Ty::Str], None, |_, a| {
        url_parse(a.first().and_then(Value::as_str).unwrap_or(""))
    });
    // {{ urlJoin (dict "scheme" "https" "host" "example.com" "path" "/a b") }}
    m.add("urlJoin", &[Ty::Map], None, |_, a| match a.first() {
        Some(Value::Map(d)) => url_join(&d.read()),
        _ => url_join(&Map::new()),
    });
    // {{ getHostByName "example.com" }} → "" (Helm without --enable-dns)
    m.add("getHostByName", &[Ty::Str], None, |_, _| Ok(Value::str("")));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(s: &str) -> Map {
        let mut m = FuncMap::new();
        register(&mut m);
        match m.call("urlParse", &[s.into()]) {
            Ok(Value::Map(d)) => d.snapshot(),
            other => panic!("{other:?}"),
        }
    }

    fn get(m: &Map, k: &str) -> String {
        m.get(k).and_then(Value::as_str).unwrap_or("?").to_string()
    }

    #[test]
    fn parse_fields() {
        let m = parsed("HTTPS://us%40er:p%3Ass@[::1]:8443/a%20b/c?x=1&y=2#frag%21");
        assert_eq!(get(&m, "scheme"), "https");
        assert_eq!(get(&m, "host"), "[::1]:8443");
        assert_eq!(get(&m, "hostname"), "::1");
        assert_eq!(get(&m, "path"), "/a b/c");
        assert_eq!(get(&m, "query"), "x=1&y=2");
        assert_eq!(get(&m, "fragment"), "frag!");
        assert_eq!(get(&m, "userinfo"), "us%40er:p%3Ass");
        let m = parsed("mailto:joe@example.com");
        assert_eq!(get(&m, "opaque"), "joe@example.com");
    }

    #[test]
    fn parse_errors() {
        assert_eq!(
            Url::parse(":foo").map(|_| ()),
            Err(r#"parse ":foo": missing protocol scheme"#.to_string())
        );
        assert_eq!(
            Url::parse("http://a:b/").map(|_| ()),
            Err(r#"parse "http://a:b/": invalid port ":b" after host"#.to_string())
        );
        assert_eq!(
            Url::parse("/%zz").map(|_| ()),
            Err(r#"parse "/%zz": invalid URL escape "%zz""#.to_string())
        );
    }

    #[test]
    fn join_round_trips() {
        for s in [
            "https://user:pw@example.com:8080/a%20b?q=1#frag",
            "mailto:joe@example.com",
            "/relative/path",
            "file:///etc/hosts",
        ] {
            let m = parsed(s);
            let joined = url_join(&m).map(|v| gotmpl::fmt::format_v(&v));
            assert_eq!(joined.ok().as_deref(), Some(s));
        }
    }

    #[test]
    fn recorded_url_goldens() {
        let mut m = FuncMap::new();
        register(&mut m);
        // Stand-ins for Sprig's `dict`, `list` and Go's `nil`, which live elsewhere.
        m.add("dict", &[], Some(Ty::Any), |_, a| {
            let mut d = Map::new();
            for kv in a.chunks(2) {
                let k = kv.first().map(gotmpl::fmt::format_v).unwrap_or_default();
                d.insert(k, kv.get(1).cloned().unwrap_or(Value::Nil));
            }
            Ok(Value::map(d))
        });
        m.add("list", &[], Some(Ty::Any), |_, a| {
            Ok(Value::list(a.to_vec()))
        });
        let n = crate::date::replay::replay(&m, "url", &[]);
        assert!(n >= 100, "only {n} cases replayed");
    }

    proptest::proptest! {
        #[test]
        fn parsing_never_panics(s in "[a-z:/@%\\[\\]?#.0-9]{0,30}|\\PC{0,30}") {
            if let Ok(u) = Url::parse(&s) {
                let _ = u.hostname();
                let _ = u.to_go_string();
            }
        }
    }
}
