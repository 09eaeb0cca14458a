//! Sprig functions: regex (Go RE2 syntax and Go's `regexp` match, split and replacement
//! semantics on top of the `regex` crate).
//!
//! Patterns are read by Go's `regexp/syntax` rules (`crate::gosyntax`), which also give
//! Go's error texts, and translated into an equivalent pattern for the `regex` crate.

use gotmpl::func::{FuncError, FuncMap, Ty};
use gotmpl::value::Value;

use super::conv::{arg_int, arg_str, strings_value};

/// Go's `regexp.QuoteMeta`.
pub fn quote_meta(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 2);
    for c in s.chars() {
        if "\\.+*?()|[]{}^$".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Compiles a Go regular expression; the error is Go's `regexp.Compile` message.
pub fn compile(expr: &str) -> Result<GoRegex, String> {
    // Charts call the regex functions with the same few patterns over and over;
    // compiling is far dearer than matching, so compiled patterns are kept per thread
    // (with their match caches, see `GoRegex`).
    thread_local! {
        static CACHE: std::cell::RefCell<std::collections::HashMap<String, Result<GoRegex, String>>> =
            std::cell::RefCell::new(std::collections::HashMap::new());
    }
    /// Patterns kept before the cache starts over.
    const CACHE_CAP: usize = 256;
    if let Some(hit) = CACHE.with(|c| c.borrow().get(expr).cloned()) {
        return hit;
    }
    let made = compile_uncached(expr);
    CACHE.with(|c| {
        let mut c = c.borrow_mut();
        if c.len() >= CACHE_CAP {
            c.clear();
        }
        c.insert(expr.to_string(), made.clone());
    });
    made
}

fn compile_uncached(expr: &str) -> Result<GoRegex, String> {
    // Go allows groups nested 1000 deep; translating and compiling such a pattern recurses
    // over its tree, so deeply nested ones are compiled on a thread with a large stack.
    if expr.bytes().filter(|&b| b == b'(').count() > 100 {
        let owned = expr.to_string();
        let built = std::thread::Builder::new()
            .stack_size(256 << 20)
            .spawn(move || build(&owned).map(|(re, names)| (re, names.to_vec())));
        return match built.map(std::thread::JoinHandle::join) {
            Ok(Ok(r)) => r.map(|(re, names)| GoRegex {
                re: std::rc::Rc::new(re),
                names: std::rc::Rc::from(names),
            }),
            _ => Err(format!(
                "error parsing regexp: expression too large: `{expr}`"
            )),
        };
    }
    build(expr).map(|(re, names)| GoRegex {
        re: std::rc::Rc::new(re),
        names,
    })
}

type Built = (::regex::Regex, std::rc::Rc<[String]>);

fn build(expr: &str) -> Result<Built, String> {
    let t = crate::gosyntax::translate(expr).map_err(|e| e.to_string())?;
    let re = ::regex::RegexBuilder::new(&t.pattern)
        .nest_limit(10_000)
        .size_limit(1 << 30)
        .dfa_size_limit(1 << 24)
        .build()
        .map_err(|e| format!("error parsing regexp: expression too large: `{expr}` ({e})"))?;
    Ok((re, std::rc::Rc::from(t.names)))
}

/// A compiled Go regular expression: the `regex` crate's program and Go's group names.
#[derive(Clone, Debug)]
pub struct GoRegex {
    /// Shared by every copy the cache hands out: a `Regex` clone would start its own
    /// pool of match caches, built again on its first use.
    re: std::rc::Rc<::regex::Regex>,
    names: std::rc::Rc<[String]>,
}

impl std::ops::Deref for GoRegex {
    type Target = ::regex::Regex;
    fn deref(&self) -> &::regex::Regex {
        &self.re
    }
}

/// Go's `regexp.MustCompile` panic text.
fn must_compile(expr: &str) -> Result<GoRegex, FuncError> {
    compile(expr).map_err(|e| {
        // Go's `strconv.CanBackquote`.
        let quoted = if expr.chars().any(|c| {
            c == '`'
                || (c < ' ' && c != '\t')
                || c == '\u{7f}'
                || c == '\u{feff}'
                || ('\u{10FF80}'..='\u{10FFFF}').contains(&c)
        }) {
            gotmpl::fmt::go_quote(expr)
        } else {
            format!("`{expr}`")
        };
        FuncError::msg(format!("regexp: Compile({quoted}): {e}"))
    })
}

fn next_char_width(s: &str, pos: usize) -> usize {
    s[pos..].chars().next().map_or(1, char::len_utf8)
}

/// Go's `FindAllStringIndex(s, n)`.
pub fn find_all(re: &::regex::Regex, s: &str, n: i64) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    if n == 0 {
        return out;
    }
    let mut pos = 0usize;
    let mut prev_end: Option<usize> = None;
    while pos <= s.len() && (n < 0 || (out.len() as i64) < n) {
        let Some(m) = re.find_at(s, pos) else { break };
        let mut accept = true;
        if m.end() == pos {
            if Some(m.start()) == prev_end {
                accept = false;
            }
            pos += next_char_width(s, pos);
        } else {
            pos = m.end();
        }
        prev_end = Some(m.end());
        if accept {
            out.push((m.start(), m.end()));
        }
    }
    out
}

/// Go's `Regexp.Split(s, n)`.
pub fn split(re: &::regex::Regex, expr: &str, s: &str, n: i64) -> Vec<String> {
    if n == 0 {
        return Vec::new();
    }
    if !expr.is_empty() && s.is_empty() {
        return vec![String::new()];
    }
    let mut out = Vec::new();
    let (mut beg, mut end) = (0usize, 0usize);
    for (ms, me) in find_all(re, s, n) {
        if n > 0 && out.len() as i64 == n - 1 {
            break;
        }
        end = ms;
        if me != 0 {
            out.push(s[beg..end].to_string());
        }
        beg = me;
    }
    if end != s.len() {
        out.push(s[beg..].to_string());
    }
    out
}

/// Go's `extract`: the `name` or `{name}` after a `$`, its group number (-1 when not a
/// number), and the rest; `None` when malformed.
fn extract(t: &str) -> Option<(&str, i64, &str)> {
    let (brace, body) = match t.strip_prefix('{') {
        Some(b) => (true, b),
        None => (false, t),
    };
    let name_len: usize = body
        .char_indices()
        .find(|&(_, c)| {
            !(c == '_' || crate::strings::uni::is_letter(c) || crate::strings::uni::is_digit(c))
        })
        .map_or(body.len(), |(i, _)| i);
    if name_len == 0 || (brace && !body[name_len..].starts_with('}')) {
        return None;
    }
    let name = &body[..name_len];
    let rest = &body[name_len + usize::from(brace)..];
    let mut num: i64 = 0;
    for b in name.bytes() {
        if !b.is_ascii_digit() || num >= 100_000_000 {
            num = -1;
            break;
        }
        num = num * 10 + i64::from(b - b'0');
    }
    if name.len() > 1 && name.starts_with('0') {
        num = -1;
    }
    Some((name, num, rest))
}

/// Go's `Regexp.Expand` of a `$name`/`${name}` template for one match.
fn expand(re: &GoRegex, template: &str, caps: &::regex::Captures<'_>, dst: &mut String) {
    let mut t = template;
    while let Some(p) = t.find('$') {
        dst.push_str(&t[..p]);
        t = &t[p + 1..];
        if let Some(rest) = t.strip_prefix('$') {
            dst.push('$');
            t = rest;
            continue;
        }
        let Some((name, num, rest)) = extract(t) else {
            dst.push('$');
            continue;
        };
        t = rest;
        let m = if num >= 0 {
            usize::try_from(num).ok().and_then(|n| caps.get(n))
        } else {
            // The first group of that name that took part in the match.
            re.names
                .iter()
                .enumerate()
                .filter(|(_, n)| n.as_str() == name)
                .find_map(|(i, _)| caps.get(i))
        };
        if let Some(m) = m {
            dst.push_str(m.as_str());
        }
    }
    dst.push_str(t);
}

/// Go's `ReplaceAllString` (`literal == false`) / `ReplaceAllLiteralString`.
pub fn replace_all(re: &GoRegex, src: &str, repl: &str, literal: bool) -> String {
    let mut dst = String::with_capacity(src.len());
    let mut last_end = 0usize;
    let mut search = 0usize;
    while search <= src.len() {
        let Some(caps) = re.captures_at(src, search) else {
            break;
        };
        let Some(m) = caps.get(0) else { break };
        dst.push_str(&src[last_end..m.start()]);
        if m.end() > last_end || m.start() == 0 {
            if literal {
                dst.push_str(repl);
            } else {
                expand(re, repl, &caps, &mut dst);
            }
        }
        last_end = m.end();
        let width = if search < src.len() {
            next_char_width(src, search)
        } else {
            1
        };
        if search + width > m.end() {
            search += width;
        } else if search + 1 > m.end() {
            search += 1;
        } else {
            search = m.end();
        }
    }
    dst.push_str(&src[last_end.min(src.len())..]);
    dst
}

/// A `[]string` result; Go's functions return a nil slice when nothing was found.
fn strings_or_nil(items: Vec<&str>) -> Value {
    if items.is_empty() {
        return Value::List(gotmpl::value::ListRef::nil_typed(
            gotmpl::value::ElemKind::String,
        ));
    }
    strings_value(items)
}

fn find_all_value(re: &::regex::Regex, s: &str, n: i64) -> Value {
    strings_or_nil(
        find_all(re, s, n)
            .into_iter()
            .map(|(a, b)| &s[a..b])
            .collect(),
    )
}

/// Go's `Split` result: nil for `n == 0`, otherwise a (possibly empty) slice.
fn split_value(re: &::regex::Regex, expr: &str, s: &str, n: i64) -> Value {
    if n == 0 {
        return strings_or_nil(Vec::new());
    }
    strings_value(split(re, expr, s, n))
}

/// Registers this module's functions.
pub fn register(m: &mut FuncMap) {
    use Ty::{Int, Str};

    // {{ regexMatch "^[a-z]+$" "abc" }}
    m.add("regexMatch", &[Str, Str], None, |_, a| {
        Ok(Value::Bool(
            compile(arg_str(a, 0)).is_ok_and(|re| re.is_match(arg_str(a, 1))),
        ))
    });
    // {{ mustRegexMatch "^[a-z]+$" "abc" }}
    m.add("mustRegexMatch", &[Str, Str], None, |_, a| {
        let re = compile(arg_str(a, 0)).map_err(FuncError::msg)?;
        Ok(Value::Bool(re.is_match(arg_str(a, 1))))
    });
    // {{ regexFindAll "[2,4,6,8]" "123456789" -1 }}
    m.add("regexFindAll", &[Str, Str, Int], None, |_, a| {
        let re = must_compile(arg_str(a, 0))?;
        Ok(find_all_value(&re, arg_str(a, 1), arg_int(a, 2)))
    });
    // {{ mustRegexFindAll "[2,4,6,8]" "123456789" -1 }}
    m.add("mustRegexFindAll", &[Str, Str, Int], None, |_, a| {
        let re = compile(arg_str(a, 0)).map_err(FuncError::msg)?;
        Ok(find_all_value(&re, arg_str(a, 1), arg_int(a, 2)))
    });
    // {{ regexFind "[a-zA-Z][1-9]" "abcd1234" }}
    m.add("regexFind", &[Str, Str], None, |_, a| {
        let re = must_compile(arg_str(a, 0))?;
        Ok(Value::str(
            re.find(arg_str(a, 1)).map_or("", |m| m.as_str()),
        ))
    });
    // {{ mustRegexFind "[a-zA-Z][1-9]" "abcd1234" }}
    m.add("mustRegexFind", &[Str, Str], None, |_, a| {
        let re = compile(arg_str(a, 0)).map_err(FuncError::msg)?;
        Ok(Value::str(
            re.find(arg_str(a, 1)).map_or("", |m| m.as_str()),
        ))
    });
    // {{ regexReplaceAll "a(x*)b" "-ab-axxb-" "${1}W" }}
    m.add("regexReplaceAll", &[Str, Str, Str], None, |_, a| {
        let re = must_compile(arg_str(a, 0))?;
        Ok(Value::from(replace_all(
            &re,
            arg_str(a, 1),
            arg_str(a, 2),
            false,
        )))
    });
    // {{ mustRegexReplaceAll "a(x*)b" "-ab-axxb-" "${1}W" }}
    m.add("mustRegexReplaceAll", &[Str, Str, Str], None, |_, a| {
        let re = compile(arg_str(a, 0)).map_err(FuncError::msg)?;
        Ok(Value::from(replace_all(
            &re,
            arg_str(a, 1),
            arg_str(a, 2),
            false,
        )))
    });
    // {{ regexReplaceAllLiteral "a(x*)b" "-ab-axxb-" "${1}" }}
    m.add("regexReplaceAllLiteral", &[Str, Str, Str], None, |_, a| {
        let re = must_compile(arg_str(a, 0))?;
        Ok(Value::from(replace_all(
            &re,
            arg_str(a, 1),
            arg_str(a, 2),
            true,
        )))
    });
    // {{ mustRegexReplaceAllLiteral "a(x*)b" "-ab-axxb-" "${1}" }}
    m.add(
        "mustRegexReplaceAllLiteral",
        &[Str, Str, Str],
        None,
        |_, a| {
            let re = compile(arg_str(a, 0)).map_err(FuncError::msg)?;
            Ok(Value::from(replace_all(
                &re,
                arg_str(a, 1),
                arg_str(a, 2),
                true,
            )))
        },
    );
    // {{ regexSplit "z+" "pizza" -1 }}
    m.add("regexSplit", &[Str, Str, Int], None, |_, a| {
        let expr = arg_str(a, 0);
        let re = must_compile(expr)?;
        Ok(split_value(&re, expr, arg_str(a, 1), arg_int(a, 2)))
    });
    // {{ mustRegexSplit "z+" "pizza" -1 }}
    m.add("mustRegexSplit", &[Str, Str, Int], None, |_, a| {
        let expr = arg_str(a, 0);
        let re = compile(expr).map_err(FuncError::msg)?;
        Ok(split_value(&re, expr, arg_str(a, 1), arg_int(a, 2)))
    });
    // {{ regexQuoteMeta "1.2.3" }}
    m.add("regexQuoteMeta", &[Str], None, |_, a| {
        Ok(Value::from(quote_meta(arg_str(a, 0))))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn re(s: &str) -> GoRegex {
        compile(s).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn go_replacement_syntax() {
        let r = re("a(x*)b");
        assert_eq!(replace_all(&r, "-ab-axxb-", "${1}W", false), "-W-xxW-");
        assert_eq!(replace_all(&r, "-ab-axxb-", "$1W", false), "---");
        assert_eq!(replace_all(&r, "-ab-axxb-", "$$1", false), "-$1-$1-");
        assert_eq!(replace_all(&r, "-ab-axxb-", "${1", false), "-${1-${1-");
        assert_eq!(replace_all(&r, "-ab-axxb-", "${1}", true), "-${1}-${1}-");
        let e = re("x*");
        assert_eq!(replace_all(&e, "abc", "-", false), "-a-b-c-");
    }

    #[test]
    fn find_and_split() {
        let r = re("a*");
        let found: Vec<_> = find_all(&r, "baaac", -1);
        assert_eq!(found, vec![(0, 0), (1, 4), (5, 5)]);
        let z = re("z+");
        assert_eq!(split(&z, "z+", "pizza", -1), vec!["pi", "a"]);
        assert_eq!(split(&z, "z+", "pizza", 1), vec!["pizza"]);
        assert!(split(&z, "z+", "pizza", 0).is_empty());
        assert_eq!(split(&z, "z+", "", -1), vec![""]);
    }

    #[test]
    fn go_syntax_and_errors() {
        assert!(re(r"^\d+$").is_match("123"));
        assert!(!re(r"^\d+$").is_match("١٢٣"));
        assert!(re(r"\Qa.b\E").is_match("a.b"));
        assert!(!re(r"\Qa.b\E").is_match("axb"));
        assert_eq!(
            compile("(").err().as_deref(),
            Some("error parsing regexp: missing closing ): `(`")
        );
        assert_eq!(
            compile("a)").err().as_deref(),
            Some("error parsing regexp: unexpected ): `a)`")
        );
        assert_eq!(
            compile("x[a").err().as_deref(),
            Some("error parsing regexp: missing closing ]: `[a`")
        );
        assert_eq!(
            compile("*a").err().as_deref(),
            Some("error parsing regexp: missing argument to repetition operator: `*`")
        );
        assert_eq!(quote_meta("1.2+[x]"), r"1\.2\+\[x\]");
        assert!(re("(?i)^ABC$").is_match("abc"));
        assert!(re("(?P<a>x)(?<b>y)(?:z)").is_match("xyz"));
    }
}
