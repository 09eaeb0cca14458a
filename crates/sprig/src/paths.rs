//! Sprig functions: paths (Go's `path` package: `base`, `dir`, `clean`, `ext`, `isAbs`;
//! and `path/filepath`, which behaves the same with `/` separators: `osBase`, …).

use gotmpl::func::{FuncMap, Ty};
use gotmpl::value::Value;

use super::conv::arg_str;

/// Go's `path.Clean`: lexical shortening of a slash-separated path.
pub fn clean(p: &str) -> String {
    if p.is_empty() {
        return ".".to_string();
    }
    let rooted = p.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for seg in p.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|l| *l != "..") {
                    parts.pop();
                } else if !rooted {
                    parts.push("..");
                }
            }
            s => parts.push(s),
        }
    }
    let body = parts.join("/");
    match (rooted, body.is_empty()) {
        (true, _) => format!("/{body}"),
        (false, true) => ".".to_string(),
        (false, false) => body,
    }
}

/// Go's `path.Base`.
pub fn base(p: &str) -> String {
    if p.is_empty() {
        return ".".to_string();
    }
    let t = p.trim_end_matches('/');
    if t.is_empty() {
        return "/".to_string();
    }
    match t.rfind('/') {
        Some(i) => t[i + 1..].to_string(),
        None => t.to_string(),
    }
}

/// Go's `path.Dir`.
pub fn dir(p: &str) -> String {
    let d = match p.rfind('/') {
        Some(i) => &p[..=i],
        None => "",
    };
    clean(d)
}

/// Go's `path.Ext`.
pub fn ext(p: &str) -> String {
    for (i, c) in p.char_indices().rev() {
        match c {
            '/' => break,
            '.' => return p[i..].to_string(),
            _ => {}
        }
    }
    String::new()
}

/// Registers this module's functions.
pub fn register(m: &mut FuncMap) {
    use Ty::Str;
    for (name, os) in [
        ("base", "osBase"),
        ("dir", "osDir"),
        ("clean", "osClean"),
        ("ext", "osExt"),
    ] {
        let f: fn(&str) -> String = match name {
            "base" => base,
            "dir" => dir,
            "clean" => clean,
            _ => ext,
        };
        // {{ base "a/b.txt" }}  {{ dir "a/b" }}  {{ clean "a//b/../c" }}  {{ ext "a.tgz" }}
        m.add(name, &[Str], None, move |_, a| {
            Ok(Value::from(f(arg_str(a, 0))))
        });
        // {{ osBase "a/b.txt" }}  (filepath: the same on `/`-separated systems)
        m.add(os, &[Str], None, move |_, a| {
            Ok(Value::from(f(arg_str(a, 0))))
        });
    }
    // {{ isAbs "/a" }}
    m.add("isAbs", &[Str], None, |_, a| {
        Ok(Value::Bool(arg_str(a, 0).starts_with('/')))
    });
    // {{ osIsAbs "/a" }}
    m.add("osIsAbs", &[Str], None, |_, a| {
        Ok(Value::Bool(arg_str(a, 0).starts_with('/')))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_functions_follow_go() {
        assert_eq!(clean("a//b/../c"), "a/c");
        assert_eq!(clean("/../a"), "/a");
        assert_eq!(clean("../../a/.."), "../..");
        assert_eq!(clean(""), ".");
        assert_eq!(base("a/b/"), "b");
        assert_eq!(base("///"), "/");
        assert_eq!(base(""), ".");
        assert_eq!(dir("a/b/c"), "a/b");
        assert_eq!(dir("abc"), ".");
        assert_eq!(dir("/abc"), "/");
        assert_eq!(ext("a.tar.gz"), ".gz");
        assert_eq!(ext("a.d/b"), "");
    }
}
