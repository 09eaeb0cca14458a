//! `.helmignore`: Helm's `pkg/ignore` rules, including its quirks (negation, basename
//! matching) and Go's `filepath.Match` globbing.

use super::error::ChartError;

/// The file holding ignore rules at the chart root.
pub const HELM_IGNORE: &str = ".helmignore";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Scope {
    /// No `/` in the rule: matched against the base name.
    Base,
    /// A `/` inside the rule: matched against the whole relative path.
    Path,
    /// A leading `/`: anchored at the chart root (same matching as `Path`).
    Anchored,
}

#[derive(Clone, Debug)]
struct Pattern {
    rule: String,
    scope: Scope,
    negate: bool,
    must_dir: bool,
    shape: Shape,
}

/// How a rule is matched: the common shapes without a general glob walk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Shape {
    /// No glob character: the name equals the rule.
    Literal,
    /// `*` then a literal: the name ends with the literal and `*`'s part has no `/`.
    StarSuffix,
    /// Anything else: Go's `filepath.Match`.
    Glob,
}

impl Shape {
    fn of(rule: &str) -> Shape {
        let special = |s: &str| s.bytes().any(|b| matches!(b, b'*' | b'?' | b'[' | b'\\'));
        if !special(rule) {
            Shape::Literal
        } else if rule
            .strip_prefix('*')
            .is_some_and(|l| !l.is_empty() && !special(l))
        {
            Shape::StarSuffix
        } else {
            Shape::Glob
        }
    }

    /// `go_match(rule, name)` for a rule of this shape.
    fn matches(self, rule: &str, name: &str) -> bool {
        match self {
            Shape::Literal => rule == name,
            Shape::StarSuffix => {
                let lit = &rule[1..];
                name.len() >= lit.len()
                    && name.ends_with(lit)
                    && !name.as_bytes()[..name.len() - lit.len()].contains(&b'/')
            }
            // A pattern that fails to compile logs and counts as no match in Helm.
            Shape::Glob => {
                // The literal text before the first and after the last glob character
                // must begin and end the name: most names fail here, without the glob
                // walk. (`]` and `\` count as glob characters, so an escape or a class
                // never ends up in the literal parts.)
                let glob = |b: &u8| matches!(b, b'*' | b'?' | b'[' | b']' | b'\\');
                let bytes = rule.as_bytes();
                let head = bytes.iter().position(glob).unwrap_or(bytes.len());
                let tail = bytes.iter().rposition(glob).map_or(0, |i| i + 1);
                let n = name.as_bytes();
                if !n.starts_with(&bytes[..head]) || !n.ends_with(&bytes[tail.max(head)..]) {
                    return false;
                }
                go_match(rule, name).unwrap_or(false)
            }
        }
    }
}

/// A parsed set of ignore rules, evaluated in order.
#[derive(Clone, Debug, Default)]
pub struct Rules {
    patterns: Vec<Pattern>,
}

impl Rules {
    /// No rules.
    pub fn empty() -> Rules {
        Rules::default()
    }

    /// Parses `.helmignore` text: one rule per line, `#` comments, blank lines skipped.
    pub fn parse(text: &[u8]) -> Result<Rules, ChartError> {
        let mut r = Rules::empty();
        let text = text.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(text);
        let s = String::from_utf8_lossy(text);
        for line in s.split('\n') {
            let line = line.strip_suffix('\r').unwrap_or(line);
            r.add(line)?;
        }
        Ok(r)
    }

    /// Appends Helm's default rule (`templates/.?*`: hidden files in templates/).
    pub fn add_defaults(&mut self) {
        // The default rule is valid by construction.
        let _ = self.add("templates/.?*");
    }

    /// Adds one rule line.
    pub fn add(&mut self, line: &str) -> Result<(), ChartError> {
        let rule = line.trim();
        if rule.is_empty() || rule.starts_with('#') {
            return Ok(());
        }
        if rule.contains("**") {
            return Err(ChartError::IgnoreDoubleStar);
        }
        go_match(rule, "abc").map_err(|_| ChartError::IgnoreBadPattern)?;
        let mut rule = rule;
        let negate = rule.starts_with('!');
        if negate {
            rule = &rule[1..];
        }
        let must_dir = rule.ends_with('/');
        if must_dir {
            rule = &rule[..rule.len() - 1];
        }
        let scope = if rule.starts_with('/') {
            rule = &rule[1..];
            Scope::Anchored
        } else if rule.contains('/') {
            Scope::Path
        } else {
            Scope::Base
        };
        self.patterns.push(Pattern {
            shape: Shape::of(rule),
            rule: rule.to_owned(),
            scope,
            negate,
            must_dir,
        });
        Ok(())
    }

    /// Whether `path` (chart-relative, `/`-separated) is ignored. `is_dir` tells whether
    /// it is a directory (an ignored directory is skipped entirely).
    ///
    /// Quirk kept from Helm: a negated rule ignores every path it does *not* match and lets
    /// evaluation continue on a match.
    pub fn ignore(&self, path: &str, is_dir: bool) -> bool {
        if path.is_empty() || path == "." || path == "./" {
            return false;
        }
        let base_name = base(path);
        for p in &self.patterns {
            let subject = match p.scope {
                Scope::Base => base_name,
                Scope::Path | Scope::Anchored => path,
            };
            let hit = p.shape.matches(&p.rule, subject);
            if p.negate {
                if p.must_dir && !is_dir {
                    return true;
                }
                if !hit {
                    return true;
                }
                continue;
            }
            if p.must_dir && !is_dir {
                continue;
            }
            if hit {
                return true;
            }
        }
        false
    }
}

/// Go's `filepath.Base` for `/` paths.
fn base(p: &str) -> &str {
    let t = p.trim_end_matches('/');
    if t.is_empty() {
        return if p.is_empty() { "." } else { "/" };
    }
    t.rsplit('/').next().unwrap_or(t)
}

/// The error of a malformed pattern (Go's `filepath.ErrBadPattern`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BadPattern;

/// Go's `filepath.Match` on Unix: `*` (not crossing `/`), `?`, `[...]`/`[^...]` classes,
/// `\` escapes. A malformed pattern is an error even when the name does not match.
pub fn go_match(pattern: &str, name: &str) -> Result<bool, BadPattern> {
    let mut pattern = pattern.as_bytes();
    let mut name = name.as_bytes();
    'outer: while !pattern.is_empty() {
        let (star, chunk, rest) = scan_chunk(pattern);
        pattern = rest;
        if star && chunk.is_empty() {
            return Ok(!name.contains(&b'/'));
        }
        let (t, ok) = match_chunk(chunk, name)?;
        if ok && (t.is_empty() || !pattern.is_empty()) {
            name = t;
            continue;
        }
        if star {
            let mut i = 0;
            while i < name.len() && name.get(i) != Some(&b'/') {
                let (t, ok) = match_chunk(chunk, name.get(i + 1..).unwrap_or(&[]))?;
                if ok {
                    if pattern.is_empty() && !t.is_empty() {
                        i += 1;
                        continue;
                    }
                    name = t;
                    continue 'outer;
                }
                i += 1;
            }
        }
        while !pattern.is_empty() {
            let (_, chunk, rest) = scan_chunk(pattern);
            pattern = rest;
            match_chunk(chunk, b"")?;
        }
        return Ok(false);
    }
    Ok(name.is_empty())
}

fn scan_chunk(mut pattern: &[u8]) -> (bool, &[u8], &[u8]) {
    let mut star = false;
    while pattern.first() == Some(&b'*') {
        pattern = &pattern[1..];
        star = true;
    }
    let mut in_range = false;
    let mut i = 0;
    while i < pattern.len() {
        match pattern[i] {
            b'\\' if i + 1 < pattern.len() => i += 1,
            b'[' => in_range = true,
            b']' => in_range = false,
            b'*' if !in_range => break,
            _ => {}
        }
        i += 1;
    }
    (star, &pattern[..i], &pattern[i..])
}

fn decode(s: &[u8]) -> (Option<char>, usize) {
    let n = match s.first() {
        None => return (None, 0),
        Some(b) if *b < 0x80 => 1,
        Some(b) if *b >= 0xF0 => 4,
        Some(b) if *b >= 0xE0 => 3,
        Some(_) => 2,
    };
    match s.get(..n).and_then(|x| std::str::from_utf8(x).ok()) {
        Some(x) => (x.chars().next(), n),
        None => (Some('\u{FFFD}'), 1),
    }
}

fn get_esc(chunk: &[u8]) -> Result<(char, &[u8]), BadPattern> {
    let mut chunk = chunk;
    match chunk.first() {
        None | Some(b'-') | Some(b']') => return Err(BadPattern),
        Some(b'\\') => {
            chunk = &chunk[1..];
            if chunk.is_empty() {
                return Err(BadPattern);
            }
        }
        _ => {}
    }
    let (r, n) = decode(chunk);
    let r = r.ok_or(BadPattern)?;
    if r == '\u{FFFD}' && n == 1 {
        return Err(BadPattern);
    }
    let rest = &chunk[n..];
    if rest.is_empty() {
        return Err(BadPattern);
    }
    Ok((r, rest))
}

fn match_chunk<'a>(mut chunk: &[u8], mut s: &'a [u8]) -> Result<(&'a [u8], bool), BadPattern> {
    let mut failed = false;
    while let Some(&c) = chunk.first() {
        if !failed && s.is_empty() {
            failed = true;
        }
        match c {
            b'[' => {
                let mut r = '\0';
                if !failed {
                    let (x, n) = decode(s);
                    r = x.unwrap_or('\0');
                    s = &s[n..];
                }
                chunk = &chunk[1..];
                let mut negated = false;
                if chunk.first() == Some(&b'^') {
                    negated = true;
                    chunk = &chunk[1..];
                }
                let mut matched = false;
                let mut nrange = 0;
                loop {
                    if chunk.first() == Some(&b']') && nrange > 0 {
                        chunk = &chunk[1..];
                        break;
                    }
                    let (lo, rest) = get_esc(chunk)?;
                    chunk = rest;
                    let mut hi = lo;
                    if chunk.first() == Some(&b'-') {
                        let (h, rest) = get_esc(&chunk[1..])?;
                        hi = h;
                        chunk = rest;
                    }
                    if lo <= r && r <= hi {
                        matched = true;
                    }
                    nrange += 1;
                }
                if matched == negated {
                    failed = true;
                }
            }
            b'?' => {
                if !failed {
                    if s.first() == Some(&b'/') {
                        failed = true;
                    }
                    let (_, n) = decode(s);
                    s = &s[n..];
                }
                chunk = &chunk[1..];
            }
            _ => {
                if c == b'\\' {
                    chunk = &chunk[1..];
                    if chunk.is_empty() {
                        return Err(BadPattern);
                    }
                }
                if !failed {
                    if chunk.first() != s.first() {
                        failed = true;
                    }
                    s = &s[1..];
                }
                chunk = &chunk[1..];
            }
        }
    }
    if failed {
        return Ok((b"", false));
    }
    Ok((s, true))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filepath_match() {
        let m = |p: &str, n: &str| go_match(p, n);
        assert_eq!(m("*.md", "a.md"), Ok(true));
        assert_eq!(m("*", "a/b"), Ok(false));
        assert_eq!(m("a/*", "a/b"), Ok(true));
        assert_eq!(m("a/*/c", "a/b/c"), Ok(true));
        assert_eq!(m("[a-c]x", "bx"), Ok(true));
        assert_eq!(m("[^a-c]x", "bx"), Ok(false));
        assert_eq!(m("?", "/"), Ok(false));
        assert_eq!(m("\\*", "*"), Ok(true));
        assert_eq!(m("[", "abc"), Err(BadPattern));
        assert_eq!(m("x[", "abc"), Err(BadPattern));
        assert_eq!(m("a*b*c", "axxbyyc"), Ok(true));
        assert_eq!(m(".?*", ".a"), Ok(true));
        assert_eq!(m(".?*", "."), Ok(false));
    }

    /// Glob rules, whose names are first checked against the rule's literal head and
    /// tail, agree with Go's `filepath.Match` (escapes and classes at either end).
    #[test]
    fn glob_prefilter_agrees_with_go_match() {
        let rules = [
            "kube-prometheus-*.tgz",
            "*.[ch]",
            "[ab]*",
            "a\\*",
            "a\\*b",
            "\\[x]",
            "x]y*",
            "a?c",
            "?b",
            "ab*ba",
            "a[^x]c",
            "*\\\\",
            "*\\b",
            ".?*",
            "a*b*c",
            "x/[yz]*",
        ];
        let names = [
            "",
            "a",
            "ab",
            "aba",
            "abba",
            "abc",
            "axc",
            "a*",
            "a*b",
            "ab*b",
            "[x]",
            "x]y",
            "x]yz",
            "a.c",
            "a.h",
            "b.c",
            "ch",
            "\\",
            "a\\",
            "b",
            "\\b",
            ".a",
            ".",
            "axbyc",
            "x/y1",
            "x/q",
            "kube-prometheus-1.tgz",
            "kube-prometheus-.tgz",
            "kube-1.tgz",
        ];
        for r in rules {
            assert_eq!(Shape::of(r), Shape::Glob, "{r}");
            for n in names {
                assert_eq!(
                    Shape::Glob.matches(r, n),
                    go_match(r, n) == Ok(true),
                    "{r} {n}"
                );
            }
        }
    }

    /// The shapes matched without a glob walk agree with Go's `filepath.Match`.
    #[test]
    fn shapes_agree_with_go_match() {
        let rules = [
            "a",
            "a.md",
            "*.md",
            "*/x",
            "*a/b",
            "*.",
            "*md",
            "templates",
            "x/y",
            "*.tgz",
        ];
        let names = [
            "",
            "a",
            "a.md",
            "b.md",
            ".md",
            "x/a.md",
            "x/y",
            "a/x",
            "b/a/x",
            "ab",
            "a/b",
            "xa/b",
            "x/a/b",
            "a.",
            "templates",
            "templates/x",
            "md",
            "c.tgz",
            "d/c.tgz",
        ];
        for r in rules {
            let shape = Shape::of(r);
            assert_ne!(shape, Shape::Glob, "{r}");
            for n in names {
                assert_eq!(shape.matches(r, n), go_match(r, n) == Ok(true), "{r} {n}");
            }
        }
        assert_eq!(Shape::of("*.[ch]"), Shape::Glob);
        assert_eq!(Shape::of("a*"), Shape::Glob);
        assert_eq!(Shape::of("*"), Shape::Glob);
    }

    #[test]
    fn rules() {
        let r = Rules::parse(b"# c\n*.md\nfiles/*.txt\n/top.txt\nsecret/\n").unwrap_or_default();
        assert!(r.ignore("a/b/README.md", false));
        assert!(r.ignore("files/a.txt", false));
        assert!(!r.ignore("x/files/a.txt", false));
        assert!(r.ignore("top.txt", false));
        assert!(!r.ignore("sub/top.txt", false));
        assert!(r.ignore("x/secret", true));
        assert!(!r.ignore("x/secret", false));
    }

    #[test]
    fn negation_quirk() {
        let r = Rules::parse(b"*.txt\n!a.txt\n").unwrap_or_default();
        assert!(r.ignore("a.txt", false));
        assert!(r.ignore("Chart.yaml", false));
        let r = Rules::parse(b"!*\na.txt\n").unwrap_or_default();
        assert!(r.ignore("a.txt", false));
        assert!(!r.ignore("b.txt", false));
    }

    #[test]
    fn errors() {
        assert!(matches!(
            Rules::parse(b"a/**/b\n"),
            Err(ChartError::IgnoreDoubleStar)
        ));
        assert!(matches!(
            Rules::parse(b"[\n"),
            Err(ChartError::IgnoreBadPattern)
        ));
    }

    #[test]
    fn defaults_hide_template_dotfiles() {
        let mut r = Rules::empty();
        r.add_defaults();
        assert!(r.ignore("templates/.x.yaml", false));
        assert!(!r.ignore(".helmignore", false));
        assert!(!r.ignore("templates/x.yaml", false));
    }
}
