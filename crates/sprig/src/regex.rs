//! Sprig functions: regex (Go RE2 syntax and Go's `regexp` match, split and replacement
//! semantics on top of the `regex` crate).
//!
//! Go's `\d \w \s \b` are ASCII-only, `\Q…\E` quotes, and compile errors have Go's
//! wording; patterns are translated accordingly before compiling.

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

/// A Go-style parse error: `error parsing regexp: CODE: `EXPR``.
fn parse_error(code: &str, expr: &str) -> String {
    format!("error parsing regexp: {code}: `{expr}`")
}

/// Translates Go RE2 syntax into the `regex` crate's, or returns Go's error text for the
/// common errors.
fn translate(expr: &str) -> Result<String, String> {
    let chars: Vec<char> = expr.chars().collect();
    let mut out = String::with_capacity(expr.len() + 8);
    let mut i = 0;
    let mut depth: i64 = 0;
    let mut in_class = false;
    let mut class_start = 0usize;
    let mut class_len = 0usize;
    // Whether the previous item can take a repetition operator, and whether it was one.
    let mut can_repeat = false;
    let mut last_was_repeat = false;
    while i < chars.len() {
        let c = chars[i];
        if c == '\\' {
            let Some(&n) = chars.get(i + 1) else {
                return Err(parse_error("trailing backslash at end of expression", ""));
            };
            let (ascii, neg) = match n {
                'd' => (Some("0-9"), false),
                'D' => (Some("0-9"), true),
                'w' => (Some("0-9A-Za-z_"), false),
                'W' => (Some("0-9A-Za-z_"), true),
                's' => (Some("\\t\\n\\f\\r "), false),
                'S' => (Some("\\t\\n\\f\\r "), true),
                _ => (None, false),
            };
            if let Some(set) = ascii {
                match (in_class, neg) {
                    (true, false) => out.push_str(set),
                    _ => out.push_str(&format!("[{}{set}]", if neg { "^" } else { "" })),
                }
                i += 2;
                class_len += 1;
                can_repeat = true;
                last_was_repeat = false;
                continue;
            }
            match n {
                'Q' => {
                    let rest: String = chars[i + 2..].iter().collect();
                    let (lit, tail_len) = match rest.find("\\E") {
                        Some(p) => (rest[..p].to_string(), p + 2),
                        None => (rest.clone(), rest.len()),
                    };
                    out.push_str(&::regex::escape(&lit));
                    i += 2 + rest[..tail_len].chars().count();
                    can_repeat = !lit.is_empty();
                    last_was_repeat = false;
                    continue;
                }
                'b' | 'B' if !in_class => {
                    out.push_str(&format!("(?-u:\\{n})"));
                    i += 2;
                    can_repeat = false;
                    last_was_repeat = false;
                    continue;
                }
                '1'..='9' => {
                    return Err(parse_error("invalid escape sequence", &format!("\\{n}")));
                }
                'p' | 'P' | 'x' => {}
                c2 if c2.is_ascii_alphanumeric() && !"afnrtvAzbB0123456789".contains(c2) => {
                    return Err(parse_error("invalid escape sequence", &format!("\\{n}")));
                }
                _ => {}
            }
            out.push(c);
            out.push(n);
            i += 2;
            class_len += 1;
            can_repeat = true;
            last_was_repeat = false;
            continue;
        }
        if in_class {
            if c == ']' && class_len > 0 {
                in_class = false;
            } else if c == '[' && chars.get(i + 1) == Some(&':') {
                // [:alpha:] and friends pass through whole.
                let rest: String = chars[i..].iter().collect();
                if let Some(p) = rest.find(":]") {
                    out.push_str(&rest[..p + 2]);
                    i += rest[..p + 2].chars().count();
                    class_len += 1;
                    continue;
                }
            } else if c == '['
                || c == '&'
                || c == '~'
                || (c == '-' && chars.get(i + 1) == Some(&'-'))
            {
                // Characters the regex crate treats as class syntax are literals in Go.
                out.push('\\');
                out.push(c);
                i += 1;
                class_len += 1;
                continue;
            }
            if !(c == '^' && i == class_start + 1) {
                class_len += 1;
            }
            out.push(c);
            i += 1;
            continue;
        }
        match c {
            '[' => {
                in_class = true;
                class_start = i;
                class_len = 0;
                can_repeat = true;
                last_was_repeat = false;
            }
            '(' => {
                if chars.get(i + 1) == Some(&'?') {
                    let next = chars.get(i + 2).copied().unwrap_or('\0');
                    if next == '=' || next == '!' {
                        return Err(parse_error(
                            "invalid or unsupported Perl syntax",
                            &format!("(?{next}"),
                        ));
                    }
                    if next == '<' && matches!(chars.get(i + 3), Some('=') | Some('!')) {
                        return Err(parse_error(
                            "invalid or unsupported Perl syntax",
                            &format!("(?<{}", chars[i + 3]),
                        ));
                    }
                }
                depth += 1;
                can_repeat = false;
                last_was_repeat = false;
                if chars.get(i + 1) == Some(&'?') {
                    // A group's flags or name: copy through to its ':', ')' or '>'.
                    let mut j = i + 1;
                    while j < chars.len() && !matches!(chars[j], ':' | ')' | '>') {
                        j += 1;
                    }
                    let end = (j + 1).min(chars.len());
                    out.extend(&chars[i..end]);
                    if chars.get(j) == Some(&')') {
                        // `(?i)` sets flags and closes at once.
                        depth -= 1;
                    }
                    i = end;
                    continue;
                }
            }
            ')' => {
                depth -= 1;
                if depth < 0 {
                    return Err(parse_error("unexpected )", expr));
                }
                can_repeat = true;
                last_was_repeat = false;
            }
            '|' => {
                can_repeat = false;
                last_was_repeat = false;
            }
            '*' | '+' | '?' => {
                if last_was_repeat {
                    // `a**` is an error; `a*?` (non-greedy) is fine.
                    let prev = chars[i - 1];
                    if !(c == '?'
                        && "*+?}".contains(prev)
                        && !(i >= 2 && chars[i - 2] == '?' && prev == '?'))
                    {
                        let start = i - 1;
                        return Err(parse_error(
                            "invalid nested repetition operator",
                            &chars[start..=i].iter().collect::<String>(),
                        ));
                    }
                    out.push(c);
                    i += 1;
                    last_was_repeat = false;
                    continue;
                }
                if !can_repeat {
                    return Err(parse_error(
                        "missing argument to repetition operator",
                        &c.to_string(),
                    ));
                }
                last_was_repeat = true;
                out.push(c);
                i += 1;
                continue;
            }
            '^' | '$' => {
                can_repeat = true;
                last_was_repeat = false;
            }
            '{' => {
                // A valid {n}, {n,} or {n,m} is a repetition; anything else is a literal.
                let rest: String = chars[i..].iter().collect();
                let is_rep = rest.find('}').is_some_and(|p| {
                    let inner = &rest[1..p];
                    let (lo, hi) = inner.split_once(',').unwrap_or((inner, inner));
                    !lo.is_empty()
                        && lo.bytes().all(|b| b.is_ascii_digit())
                        && hi.bytes().all(|b| b.is_ascii_digit())
                });
                if is_rep {
                    let p = rest.find('}').unwrap_or(0);
                    if !can_repeat {
                        return Err(parse_error(
                            "missing argument to repetition operator",
                            &rest[..=p],
                        ));
                    }
                    out.push_str(&rest[..=p]);
                    i += rest[..=p].chars().count();
                    last_was_repeat = true;
                    continue;
                }
                out.push_str("\\{");
                i += 1;
                can_repeat = true;
                last_was_repeat = false;
                continue;
            }
            '}' => {
                out.push_str("\\}");
                i += 1;
                can_repeat = true;
                last_was_repeat = false;
                continue;
            }
            _ => {
                can_repeat = true;
                last_was_repeat = false;
            }
        }
        out.push(c);
        i += 1;
    }
    if in_class {
        let tail: String = chars[class_start..].iter().collect();
        return Err(parse_error("missing closing ]", &tail));
    }
    if depth > 0 {
        return Err(parse_error("missing closing )", expr));
    }
    Ok(out)
}

/// Compiles a Go regular expression; the error is Go's `regexp.Compile` message.
pub fn compile(expr: &str) -> Result<::regex::Regex, String> {
    // Charts call the regex functions with the same few patterns over and over;
    // compiling is far dearer than matching, so compiled patterns are kept per thread
    // (a `Regex` clone shares the compiled program).
    thread_local! {
        static CACHE: std::cell::RefCell<std::collections::HashMap<String, Result<::regex::Regex, String>>> =
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

fn compile_uncached(expr: &str) -> Result<::regex::Regex, String> {
    let translated = translate(expr)?;
    ::regex::Regex::new(&translated).map_err(|e| {
        let msg = e.to_string();
        let last = msg.lines().last().unwrap_or("").trim();
        let last = last.strip_prefix("error: ").unwrap_or(last);
        format!("error parsing regexp: {last}: `{expr}`")
    })
}

/// Go's `regexp.MustCompile` panic text.
fn must_compile(expr: &str) -> Result<::regex::Regex, FuncError> {
    compile(expr).map_err(|e| {
        let quoted = if expr.contains('`') || expr.chars().any(|c| c.is_control() && c != '\t') {
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

/// Go's `Regexp.Expand` of a `$name`/`${name}` template for one match.
fn expand(re: &::regex::Regex, template: &str, caps: &::regex::Captures<'_>, dst: &mut String) {
    let mut t = template;
    while let Some(p) = t.find('$') {
        dst.push_str(&t[..p]);
        t = &t[p + 1..];
        if let Some(rest) = t.strip_prefix('$') {
            dst.push('$');
            t = rest;
            continue;
        }
        let (brace, body) = match t.strip_prefix('{') {
            Some(b) => (true, b),
            None => (false, t),
        };
        let name_len: usize = body
            .char_indices()
            .find(|&(_, c)| !(c == '_' || c.is_alphanumeric()))
            .map_or(body.len(), |(i, _)| i);
        let ok = name_len > 0 && (!brace || body[name_len..].starts_with('}'));
        if !ok {
            dst.push('$');
            continue;
        }
        let name = &body[..name_len];
        t = &body[name_len + usize::from(brace)..];
        let mut num: i64 = 0;
        for b in name.bytes() {
            if !b.is_ascii_digit() || num >= 100_000_000 {
                num = -1;
                break;
            }
            num = num * 10 + i64::from(b - b'0');
        }
        let m = if num >= 0 {
            caps.get(num as usize)
        } else {
            re.capture_names()
                .position(|n| n == Some(name))
                .and_then(|i| caps.get(i))
        };
        if let Some(m) = m {
            dst.push_str(m.as_str());
        }
    }
    dst.push_str(t);
}

/// Go's `ReplaceAllString` (`literal == false`) / `ReplaceAllLiteralString`.
pub fn replace_all(re: &::regex::Regex, src: &str, repl: &str, literal: bool) -> String {
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

fn find_all_value(re: &::regex::Regex, s: &str, n: i64) -> Value {
    strings_value(find_all(re, s, n).into_iter().map(|(a, b)| &s[a..b]))
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
        Ok(strings_value(split(
            &re,
            expr,
            arg_str(a, 1),
            arg_int(a, 2),
        )))
    });
    // {{ mustRegexSplit "z+" "pizza" -1 }}
    m.add("mustRegexSplit", &[Str, Str, Int], None, |_, a| {
        let expr = arg_str(a, 0);
        let re = compile(expr).map_err(FuncError::msg)?;
        Ok(strings_value(split(
            &re,
            expr,
            arg_str(a, 1),
            arg_int(a, 2),
        )))
    });
    // {{ regexQuoteMeta "1.2.3" }}
    m.add("regexQuoteMeta", &[Str], None, |_, a| {
        Ok(Value::from(quote_meta(arg_str(a, 0))))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn re(s: &str) -> ::regex::Regex {
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
