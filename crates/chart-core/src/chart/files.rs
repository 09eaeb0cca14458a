//! The `.Files` template object (Helm's `pkg/engine/files.go`): a chart's non-template,
//! non-special files with `Get`, `GetBytes`, `Glob`, `Lines`, `AsConfig`, `AsSecrets`.

use std::any::Any;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use base64::Engine as _;
use gotmpl::{Object, Value};

use super::{ChartError, File};

/// `.Files`: a map from chart-relative path to content (Go type `engine.files`).
///
/// Contents are read when asked for (a directory chart's files from disk, each time). A
/// failed read is an error where the Go method has one (`Get`, `Glob`… report it as the
/// call's error); where it has none (`range`, printing the object) the content shows
/// empty and the failure is kept for [`Files::take_failure`], which the engine checks
/// after each template, so that it never passes silently.
#[derive(Clone, Debug, Default)]
pub struct Files {
    entries: BTreeMap<String, File>,
    failure: FailureSlot,
}

/// Where [`Files`] objects (and their globs) keep their first read failure.
pub(crate) type FailureSlot = Arc<Mutex<Option<ChartError>>>;

const METHODS: &[&str] = &["Get", "GetBytes", "Glob", "Lines", "AsConfig", "AsSecrets"];

impl Files {
    /// Builds the object from a chart's [`super::Chart::files`].
    pub fn new(files: &[File]) -> Files {
        Files::with_failure_slot(files, FailureSlot::default())
    }

    /// [`Files::new`] keeping read failures in `failure` (shared by a chart tree).
    pub(crate) fn with_failure_slot(files: &[File], failure: FailureSlot) -> Files {
        Files {
            entries: files.iter().map(|f| (f.name.clone(), f.clone())).collect(),
            failure,
        }
    }

    /// The first read failure that had no error channel of its own (see [`Files`]), if
    /// any; taking it clears it.
    pub fn take_failure(&self) -> Option<ChartError> {
        self.failure.lock().ok().and_then(|mut g| g.take())
    }

    /// Keeps `e` as the failure (unless one is kept already) and returns its message.
    fn note(&self, e: ChartError) -> String {
        let msg = e.to_string();
        if let Ok(mut g) = self.failure.lock() {
            if g.is_none() {
                *g = Some(e);
            }
        }
        msg
    }

    /// A file's content for a method without an error channel: empty on failure, the
    /// failure kept.
    fn content_or_note(&self, f: &File) -> Arc<[u8]> {
        f.read_arc().unwrap_or_else(|e| {
            self.note(e);
            Arc::from(&[][..])
        })
    }

    /// `{{ .Files.GetBytes "path" }}`: the content, or empty when absent.
    pub fn get_bytes(&self, name: &str) -> Result<Arc<[u8]>, ChartError> {
        match self.entries.get(name) {
            Some(f) => f.read_arc(),
            None => Ok(Arc::from(&[][..])),
        }
    }

    /// `{{ .Files.Get "path" }}`: the content as a string, or `""`.
    pub fn get(&self, name: &str) -> Result<String, ChartError> {
        match self.entries.get(name) {
            Some(f) => Ok(gotmpl::bytestr::from_go_bytes(&f.read()?).into_owned()),
            None => Ok(String::new()),
        }
    }

    /// `{{ .Files.Glob "conf/*.ini" }}`: the files whose path matches a gobwas/glob
    /// pattern (`/` separator); an invalid pattern matches every file, as in Helm.
    pub fn glob(&self, pattern: &str) -> Files {
        let g = Glob::compile(pattern);
        Files {
            entries: self
                .entries
                .iter()
                .filter(|(k, _)| g.as_ref().is_none_or(|g| g.matches(k)))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            failure: self.failure.clone(),
        }
    }

    /// `{{ .Files.Lines "path" }}`: lines after removing one trailing newline; `[]` when
    /// absent. An empty file is Helm's runtime panic, reported as an error; so is a file
    /// that cannot be read.
    pub fn lines(&self, name: &str) -> Result<Vec<String>, String> {
        let Some(f) = self.entries.get(name) else {
            return Ok(Vec::new());
        };
        let data = f.read().map_err(|e| self.note(e))?;
        let mut s = gotmpl::bytestr::from_go_bytes(&data).into_owned();
        if s.is_empty() {
            return Err("runtime error: index out of range [-1]".into());
        }
        if s.ends_with('\n') {
            s.pop();
        }
        Ok(s.split('\n').map(str::to_owned).collect())
    }

    /// `{{ .Files.Glob "conf/*" | .AsConfig }}`: YAML of `{basename: content}`.
    pub fn as_config(&self) -> Result<String, ChartError> {
        let mut m = BTreeMap::new();
        for (k, f) in &self.entries {
            // Through encoding/json: each byte that is not UTF-8 becomes U+FFFD.
            let data = f.read()?;
            let text = gotmpl::bytestr::from_go_bytes(&data);
            m.insert(
                base(k).to_owned(),
                gotmpl::bytestr::lossy(&text).into_owned(),
            );
        }
        Ok(to_yaml_string_map(m))
    }

    /// `{{ .Files.Glob "secret/*" | .AsSecrets }}`: YAML of `{basename: base64(content)}`.
    pub fn as_secrets(&self) -> Result<String, ChartError> {
        let mut m = BTreeMap::new();
        for (k, f) in &self.entries {
            m.insert(
                base(k).to_owned(),
                base64::engine::general_purpose::STANDARD.encode(f.read()?),
            );
        }
        Ok(to_yaml_string_map(m))
    }

    /// Number of files.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are no files.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The files in path order (as `range` visits them).
    pub fn iter(&self) -> impl Iterator<Item = (&str, &File)> {
        self.entries.iter().map(|(k, v)| (k.as_str(), v))
    }
}

/// Go's `path.Base`.
fn base(p: &str) -> &str {
    let t = p.trim_end_matches('/');
    if t.is_empty() {
        return if p.is_empty() { "." } else { "/" };
    }
    t.rsplit('/').next().unwrap_or(t)
}

/// Helm's `toYAML` of a `map[string]string`: yaml.v2 marshal, trailing newline removed.
fn to_yaml_string_map(m: BTreeMap<String, String>) -> String {
    let map: gotmpl::Map = m.into_iter().map(|(k, v)| (k, Value::from(v))).collect();
    let out = goyaml::to_yaml(&Value::map(map));
    out.strip_suffix('\n').unwrap_or(&out).to_string()
}

fn go_bytes(b: &[u8]) -> String {
    let parts: Vec<String> = b.iter().map(u8::to_string).collect();
    format!("[{}]", parts.join(" "))
}

fn str_arg<'a>(method: &str, args: &'a [Value]) -> Result<&'a str, String> {
    match args {
        [Value::Str(s)] => Ok(s),
        [other] => Err(format!(
            "wrong type for value; expected string; got {}",
            other.type_name()
        )),
        _ => Err(format!(
            "wrong number of args for {method}: want 1 got {}",
            args.len()
        )),
    }
}

impl Object for Files {
    fn type_name(&self) -> Cow<'_, str> {
        Cow::Borrowed("engine.files")
    }
    fn kind_name(&self) -> &'static str {
        "map"
    }
    fn get(&self, name: &str, args: &[Value]) -> Option<Result<Value, String>> {
        let no_args = |method: &str| {
            if args.is_empty() {
                Ok(())
            } else {
                Err(format!(
                    "wrong number of args for {method}: want 0 got {}",
                    args.len()
                ))
            }
        };
        Some(match name {
            "Get" => str_arg(name, args)
                .and_then(|p| self.get(p).map_err(|e| self.note(e)))
                .map(Value::str),
            "GetBytes" => str_arg(name, args)
                .and_then(|p| self.get_bytes(p).map_err(|e| self.note(e)))
                .map(Value::Bytes),
            "Glob" => str_arg(name, args).map(|p| Value::Object(Arc::new(self.glob(p)))),
            "Lines" => str_arg(name, args).and_then(|p| {
                self.lines(p)
                    .map(|l| Value::string_list(l.into_iter().map(Value::from).collect()))
            }),
            "AsConfig" => no_args(name)
                .and_then(|()| self.as_config().map_err(|e| self.note(e)))
                .map(Value::str),
            "AsSecrets" => no_args(name)
                .and_then(|()| self.as_secrets().map_err(|e| self.note(e)))
                .map(Value::str),
            key => {
                if !args.is_empty() {
                    Err(format!("{key} is not a method but has arguments"))
                } else {
                    // A named map type: a field name indexes the map (missing → nil []byte).
                    self.get_bytes(key)
                        .map(Value::Bytes)
                        .map_err(|e| self.note(e))
                }
            }
        })
    }
    fn is_method(&self, name: &str) -> bool {
        METHODS.contains(&name)
    }
    fn method_param(&self, _name: &str, _i: usize) -> gotmpl::func::Ty {
        // Get, GetBytes, Glob and Lines take a string.
        gotmpl::func::Ty::Str
    }
    fn method_arity(&self, name: &str) -> Option<usize> {
        match name {
            "Get" | "GetBytes" | "Glob" | "Lines" => Some(1),
            "AsConfig" | "AsSecrets" => Some(0),
            _ => None,
        }
    }
    fn format(&self) -> String {
        let parts: Vec<String> = self
            .entries
            .iter()
            .map(|(k, f)| format!("{k}:{}", go_bytes(&self.content_or_note(f))))
            .collect();
        format!("map[{}]", parts.join(" "))
    }
    fn truthy(&self) -> bool {
        !self.entries.is_empty()
    }
    fn len(&self) -> Option<usize> {
        Some(self.entries.len())
    }
    fn map_entries(&self) -> Option<Vec<(String, Value)>> {
        Some(
            self.entries
                .iter()
                .map(|(k, f)| (k.clone(), Value::Bytes(self.content_or_note(f))))
                .collect(),
        )
    }
    /// `map[string][]byte`: what fmt, `toJson` (base64 contents) and `toYaml` see.
    fn underlying(&self) -> Option<Value> {
        self.map_entries()
            .map(|e| Value::map(e.into_iter().collect()))
    }
    fn index(&self, key: &Value) -> Option<Result<Value, String>> {
        Some(match key {
            Value::Str(s) => self
                .get_bytes(s)
                .map(Value::Bytes)
                .map_err(|e| self.note(e)),
            other => Err(format!(
                "value has type {}; should be string",
                other.type_name()
            )),
        })
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

// ---------------------------------------------------------------------------------------
// gobwas/glob with '/' as the only separator.

#[derive(Clone, Debug)]
enum Tok {
    Text(Vec<char>),
    /// `*`: any run without separators.
    Any,
    /// `**`: any run.
    Super,
    /// `?`: one non-separator character.
    Single,
    /// `[abc]` / `[!abc]`.
    List(Vec<char>, bool),
    /// `[a-z]` / `[!a-z]`.
    Range(char, char, bool),
    /// `{p1,p2}`.
    AnyOf(Vec<Vec<Tok>>),
}

/// A compiled gobwas/glob pattern.
#[derive(Clone, Debug)]
struct Glob(Vec<Tok>);

struct Lexer<'a> {
    chars: std::iter::Peekable<std::str::Chars<'a>>,
}

impl Glob {
    /// `None` for an invalid pattern (Helm then matches everything).
    fn compile(p: &str) -> Option<Glob> {
        let mut lx = Lexer {
            chars: p.chars().peekable(),
        };
        let (seq, _) = lx.seq(0)?;
        Some(Glob(seq))
    }

    fn matches(&self, s: &str) -> bool {
        let chars: Vec<char> = s.chars().collect();
        match_seq(&self.0, &chars, &[])
    }
}

impl Lexer<'_> {
    /// Parses a sequence until EOF, or `,`/`}` when inside braces (`depth > 0`).
    /// Returns the sequence and the terminating char.
    fn seq(&mut self, depth: usize) -> Option<(Vec<Tok>, Option<char>)> {
        let mut out = Vec::new();
        let mut text = Vec::new();
        loop {
            let Some(c) = self.chars.next() else {
                if !text.is_empty() {
                    out.push(Tok::Text(text));
                }
                return Some((out, None));
            };
            let special =
                matches!(c, '*' | '?' | '[' | '{') || (depth > 0 && matches!(c, ',' | '}'));
            if !special {
                if c == '\\' {
                    if let Some(n) = self.chars.next() {
                        text.push(n);
                    }
                } else {
                    text.push(c);
                }
                continue;
            }
            if !text.is_empty() {
                out.push(Tok::Text(std::mem::take(&mut text)));
            }
            match c {
                '*' => {
                    if self.chars.peek() == Some(&'*') {
                        self.chars.next();
                        out.push(Tok::Super);
                    } else {
                        out.push(Tok::Any);
                    }
                }
                '?' => out.push(Tok::Single),
                '[' => out.push(self.range()?),
                '{' => {
                    let mut alts = Vec::new();
                    loop {
                        let (alt, end) = self.seq(depth + 1)?;
                        alts.push(alt);
                        match end {
                            Some(',') => continue,
                            _ => break,
                        }
                    }
                    out.push(Tok::AnyOf(alts));
                }
                other => return Some((out, Some(other))),
            }
        }
    }

    fn range(&mut self) -> Option<Tok> {
        let mut not = false;
        if self.chars.peek() == Some(&'!') {
            self.chars.next();
            not = true;
        }
        let lo = self.chars.next()?;
        if lo != ']' && self.chars.peek() == Some(&'-') {
            self.chars.next();
            let hi = self.chars.next()?;
            if self.chars.next()? != ']' || hi < lo {
                return None;
            }
            return Some(Tok::Range(lo, hi, not));
        }
        let mut chars = Vec::new();
        let mut c = lo;
        loop {
            if c == ']' {
                break;
            }
            if c == '\\' {
                c = self.chars.next()?;
            }
            chars.push(c);
            c = self.chars.next()?;
        }
        if chars.is_empty() {
            return None;
        }
        Some(Tok::List(chars, not))
    }
}

/// Matches `toks` followed by `rest` (continuation after an alternative) against `s`.
fn match_seq(toks: &[Tok], s: &[char], rest: &[&[Tok]]) -> bool {
    let Some((t, more)) = toks.split_first() else {
        return match rest.split_first() {
            Some((next, rest2)) => match_seq(next, s, rest2),
            None => s.is_empty(),
        };
    };
    match t {
        Tok::Text(text) => {
            s.len() >= text.len()
                && s[..text.len()] == text[..]
                && match_seq(more, &s[text.len()..], rest)
        }
        Tok::Single => s.first().is_some_and(|c| *c != '/') && match_seq(more, &s[1..], rest),
        Tok::List(set, not) => {
            s.first().is_some_and(|c| set.contains(c) != *not) && match_seq(more, &s[1..], rest)
        }
        Tok::Range(lo, hi, not) => {
            s.first().is_some_and(|c| (lo <= c && c <= hi) != *not)
                && match_seq(more, &s[1..], rest)
        }
        Tok::Any | Tok::Super => {
            for i in 0..=s.len() {
                if match_seq(more, &s[i..], rest) {
                    return true;
                }
                if matches!(t, Tok::Any) && s.get(i) == Some(&'/') {
                    return false;
                }
            }
            false
        }
        Tok::AnyOf(alts) => alts.iter().any(|alt| {
            let mut r: Vec<&[Tok]> = Vec::with_capacity(rest.len() + 1);
            r.push(more);
            r.extend_from_slice(rest);
            match_seq(alt, s, &r)
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(names: &[&str]) -> Files {
        Files::new(
            &names
                .iter()
                .map(|n| File::new(*n, n.as_bytes()))
                .collect::<Vec<_>>(),
        )
    }

    fn globbed(f: &Files, p: &str) -> Vec<String> {
        f.glob(p).iter().map(|(k, _)| k.to_owned()).collect()
    }

    #[test]
    fn glob_semantics() {
        let f = files(&["a.txt", "b.yaml", "d/c.txt", "d/e/f.txt"]);
        assert_eq!(globbed(&f, "*.txt"), ["a.txt"]);
        assert_eq!(globbed(&f, "**.txt"), ["a.txt", "d/c.txt", "d/e/f.txt"]);
        assert_eq!(globbed(&f, "d/*"), ["d/c.txt"]);
        assert_eq!(globbed(&f, "{a,b}.*"), ["a.txt", "b.yaml"]);
        assert_eq!(globbed(&f, "[ab].*"), ["a.txt", "b.yaml"]);
        assert_eq!(globbed(&f, "[!a].*"), ["b.yaml"]);
        assert_eq!(globbed(&f, "?.txt"), ["a.txt"]);
        assert_eq!(globbed(&f, "[").len(), 4, "invalid pattern matches all");
        assert_eq!(globbed(&f, "[]").len(), 4);
        assert_eq!(globbed(&f, "d/{e/*,c*}"), ["d/c.txt", "d/e/f.txt"]);
    }

    #[test]
    fn lines_and_get() {
        let mut f = files(&[]);
        f.entries
            .insert("l".into(), File::new("l", &b"a\nb\n\n"[..]));
        f.entries.insert("e".into(), File::new("e", &b""[..]));
        assert_eq!(
            f.lines("l").ok(),
            Some(vec!["a".into(), "b".into(), "".into()])
        );
        assert_eq!(f.lines("missing").ok(), Some(vec![]));
        assert!(f.lines("e").is_err());
        assert_eq!(f.get("missing").ok().as_deref(), Some(""));
        assert_eq!(f.format(), "map[e:[] l:[97 10 98 10 10]]");
    }
}
