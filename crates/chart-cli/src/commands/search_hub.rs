//! `chart search hub [KEYWORD]`: helm's `search hub` (cmd/helm/search_hub.go and
//! internal/monocular): one GET of `ENDPOINT/api/chartsvc/v1/charts/search?q=KEYWORDS`
//! (the Monocular-compatible search API Artifact Hub serves), the answer decoded as Go's
//! `encoding/json` decodes it into helm's structs, printed as a table, JSON or YAML.

use std::process::ExitCode;

use anyhow::bail;
use chart_core::gotmpl::{Map, Value};
use serde_json::Value as J;

use super::search::{go_json, table_width, SearchHubArgs};
use crate::cli::GlobalArgs;

/// helm's `monocular.SearchPath`.
const SEARCH_PATH: &str = "api/chartsvc/v1/charts/search";

/// One result as helm prints it (`hubChartElement`).
#[derive(Debug, Default, PartialEq)]
struct Element {
    url: String,
    version: String,
    app_version: String,
    description: String,
    repo_url: String,
    repo_name: String,
}

/// The parts of an endpoint URL that helm's request URL keeps (Go's `url.URL` fields).
struct Endpoint {
    /// `scheme://userinfo@host:port` as written.
    prefix: String,
    /// The path, as written.
    path: String,
    /// `#fragment` (Go keeps it in `URL.String()`), or "".
    fragment: String,
}

/// Go's `url.Parse` as far as helm's `monocular.New` and `Search` need it: an error text
/// (`no hostname provided`, `parse "…": …`) or the parts.
fn parse_endpoint(u: &str) -> Result<Endpoint, String> {
    let parse_err = |why: &str| format!("parse {}: {why}", go_quote(u));
    // Go's parser: a bad percent escape anywhere in the host or path is an error.
    let bytes = u.as_bytes();
    for (i, b) in bytes.iter().enumerate() {
        if *b == b'%' {
            let ok = bytes
                .get(i + 1..i + 3)
                .is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit));
            if !ok {
                let bad: String = u[i..].chars().take(3).collect();
                return Err(parse_err(&format!("invalid URL escape {}", go_quote(&bad))));
            }
        }
        if *b < 0x20 || *b == 0x7f {
            return Err(parse_err("net/url: invalid control character in URL"));
        }
    }
    let (rest, fragment) = match u.split_once('#') {
        Some((r, f)) => (r, format!("#{f}")),
        None => (u, String::new()),
    };
    let rest = rest.split_once('?').map_or(rest, |(r, _)| r);
    // The scheme: letters first, then letters, digits, `+-.`, up to `:`.
    let scheme_end = rest.find(|c: char| !(c.is_ascii_alphanumeric() || "+-.".contains(c)));
    let (scheme, after) = match scheme_end {
        Some(0) if rest.starts_with(':') => return Err(parse_err("missing protocol scheme")),
        Some(i) if rest[i..].starts_with(':') && rest.as_bytes()[0].is_ascii_alphabetic() => {
            (&rest[..i], &rest[i + 1..])
        }
        _ => {
            // No scheme: Go refuses a colon in the first path segment.
            let first = rest.split('/').next().unwrap_or("");
            if first.contains(':') {
                return Err(parse_err("first path segment in URL cannot contain colon"));
            }
            ("", rest)
        }
    };
    let Some(auth_and_path) = after.strip_prefix("//").filter(|_| !scheme.is_empty()) else {
        return Err("no hostname provided".into());
    };
    let (authority, path) = match auth_and_path.find('/') {
        Some(i) => (&auth_and_path[..i], &auth_and_path[i..]),
        None => (auth_and_path, ""),
    };
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let hostname = if host.starts_with('[') {
        host.split(']').next().unwrap_or("").trim_start_matches('[')
    } else {
        host.split(':').next().unwrap_or("")
    };
    if hostname.is_empty() {
        return Err("no hostname provided".into());
    }
    Ok(Endpoint {
        prefix: format!("{scheme}://{authority}"),
        path: path.to_string(),
        fragment,
    })
}

/// Go's `path.Join(a, b)` (then `Clean`).
fn path_join(a: &str, b: &str) -> String {
    let joined = if a.is_empty() {
        b.to_string()
    } else {
        format!("{a}/{b}")
    };
    chart_core::sprig::paths::clean(&joined)
}

/// Go's `url.QueryEscape`.
fn query_escape(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Go's `%q` of a string.
fn go_quote(s: &str) -> String {
    chart_core::gotmpl::fmt::go_quote(s)
}

/// The request URL helm's `Client.Search` builds.
fn search_url(e: &Endpoint, term: &str) -> String {
    let mut path = path_join(&e.path, SEARCH_PATH);
    if !path.starts_with('/') {
        path.insert(0, '/');
    }
    format!("{}{path}?q={}{}", e.prefix, query_escape(term), e.fragment)
}

/// The value of `key` in a JSON object as Go's decoder finds a struct field: the exact
/// key, else one equal ignoring case.
fn field<'a>(o: &'a serde_json::Map<String, J>, key: &str) -> Option<&'a J> {
    o.get(key).or_else(|| {
        o.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}

/// A string field: anything but a JSON string leaves Go's zero value.
fn string_at(v: Option<&J>, path: &[&str]) -> String {
    let mut cur = v;
    for p in path {
        cur = cur.and_then(J::as_object).and_then(|o| field(o, p));
    }
    cur.and_then(J::as_str).unwrap_or("").to_string()
}

/// helm's `searchResponse` decoded from `body` (Go ignores the decoder's error: a
/// malformed answer is no results; only the first JSON value is read).
fn decode(body: &[u8], endpoint: &str) -> Vec<Element> {
    let first = serde_json::Deserializer::from_slice(body)
        .into_iter::<J>()
        .next();
    let Some(Ok(doc)) = first else {
        return Vec::new();
    };
    let Some(items) = doc
        .as_object()
        .and_then(|o| field(o, "data"))
        .and_then(J::as_array)
    else {
        return Vec::new();
    };
    items
        .iter()
        .map(|r| {
            let r = Some(r);
            let id = string_at(r, &["id"]);
            let package_url = string_at(r, &["artifactHub", "packageUrl"]);
            let url = if package_url.is_empty() {
                // Monocular: the endpoint's own chart page.
                format!("{endpoint}/charts/{id}")
            } else {
                package_url
            };
            let latest = ["relationships", "latestChartVersion", "data"];
            Element {
                url,
                version: string_at(r, &[latest[0], latest[1], latest[2], "version"]),
                app_version: string_at(r, &[latest[0], latest[1], latest[2], "app_version"]),
                description: string_at(r, &["attributes", "description"]),
                repo_url: string_at(r, &["attributes", "repo", "url"]),
                repo_name: string_at(r, &["attributes", "repo", "name"]),
            }
        })
        .collect()
}

pub fn run(g: &GlobalArgs, a: &SearchHubArgs) -> anyhow::Result<ExitCode> {
    let endpoint = parse_endpoint(&a.endpoint).map_err(|e| {
        anyhow::anyhow!(
            "unable to create connection to {}: {e}",
            go_quote(&a.endpoint)
        )
    })?;
    let url = search_url(&endpoint, &a.keywords.join(" "));
    let entry = chart_core::repo::config::Entry::default();
    let body = match chart_core::repo::config::http_get(&entry, &url, 1 << 40) {
        Ok(b) => b,
        Err(e) => {
            super::template::debug_line(g, "search_hub.go:92", &e.to_string());
            bail!("unable to perform search against {}", go_quote(&a.endpoint));
        }
    };
    let elements = decode(&body, &a.endpoint);
    if elements.is_empty() && a.fail_on_no_result {
        bail!("no results found");
    }
    match a.output.as_str() {
        "json" | "yaml" => print_encoded(&elements, a.output == "json")?,
        _ => {
            if elements.is_empty() {
                println!("No results found");
                return Ok(ExitCode::SUCCESS);
            }
            let mut head = vec!["URL", "CHART VERSION", "APP VERSION", "DESCRIPTION"];
            if a.list_repo_url {
                head.push("REPO URL");
            }
            let mut rows = vec![head.iter().map(|h| h.to_string()).collect::<Vec<_>>()];
            for e in &elements {
                let mut row = vec![
                    e.url.clone(),
                    e.version.clone(),
                    e.app_version.clone(),
                    e.description.clone(),
                ];
                if a.list_repo_url {
                    row.push(e.repo_url.clone());
                }
                rows.push(row);
            }
            // uitable's rows, then the newline of helm's `EncodeTable`.
            print!("{}", table_width(&rows, a.max_col_width));
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// helm's JSON (struct order, HTML escaped) or YAML (keys sorted) of the elements.
fn print_encoded(elements: &[Element], json: bool) -> anyhow::Result<()> {
    if json {
        let items: Vec<String> = elements
            .iter()
            .map(|e| {
                format!(
                    "{{\"url\":{},\"version\":{},\"app_version\":{},\"description\":{},\"repository\":{{\"url\":{},\"name\":{}}}}}",
                    go_json(&e.url),
                    go_json(&e.version),
                    go_json(&e.app_version),
                    go_json(&e.description),
                    go_json(&e.repo_url),
                    go_json(&e.repo_name)
                )
            })
            .collect();
        println!("[{}]", items.join(","));
        return Ok(());
    }
    let list: Vec<Value> = elements
        .iter()
        .map(|e| {
            let mut repo = Map::new();
            repo.insert("url".into(), Value::str(&e.repo_url));
            repo.insert("name".into(), Value::str(&e.repo_name));
            let mut m = Map::new();
            m.insert("url".into(), Value::str(&e.url));
            m.insert("version".into(), Value::str(&e.version));
            m.insert("app_version".into(), Value::str(&e.app_version));
            m.insert("description".into(), Value::str(&e.description));
            m.insert("repository".into(), Value::map(repo));
            Value::map(m)
        })
        .collect();
    print!("{}", chart_core::goyaml::marshal(&Value::list(list))?);
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn request_urls_as_go_builds_them() {
        let e = parse_endpoint("http://127.0.0.1:8080").unwrap();
        assert_eq!(
            search_url(&e, "a b&c"),
            "http://127.0.0.1:8080/api/chartsvc/v1/charts/search?q=a+b%26c"
        );
        let e = parse_endpoint("https://h/x/../sub/?old=1#f").unwrap();
        assert_eq!(
            search_url(&e, ""),
            "https://h/sub/api/chartsvc/v1/charts/search?q=#f"
        );
        assert_eq!(
            parse_endpoint("foo").err().as_deref(),
            Some("no hostname provided")
        );
        assert_eq!(
            parse_endpoint(":x").err().as_deref(),
            Some("parse \":x\": missing protocol scheme")
        );
        assert_eq!(
            parse_endpoint("http://%zz").err().as_deref(),
            Some("parse \"http://%zz\": invalid URL escape \"%zz\"")
        );
    }

    #[test]
    fn decodes_as_go_does() {
        let body = br#"{"data":[{"id":"x/y","attributes":{"description":"d","repo":{"url":"u","name":"n"}},"relationships":{"latestChartVersion":{"data":{"version":"1.0.0","app_version":5}}}}]} trailing"#;
        let got = decode(body, "http://e");
        assert_eq!(
            got,
            vec![Element {
                url: "http://e/charts/x/y".into(),
                version: "1.0.0".into(),
                description: "d".into(),
                repo_url: "u".into(),
                repo_name: "n".into(),
                ..Element::default()
            }]
        );
        assert!(decode(b"{not json", "e").is_empty());
        assert!(decode(br#"{"data":null}"#, "e").is_empty());
    }
}
