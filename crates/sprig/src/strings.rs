//! Sprig functions: strings (Sprig's `strings.go` plus the string entries of its function
//! table: Go's `strings` package, Masterminds/goutils and huandu/xstrings v1.5 behaviour).

use std::sync::OnceLock;

use gotmpl::bytestr;
use gotmpl::func::{FuncError, FuncMap, Ty};
use gotmpl::value::{Map, Value};

use super::conv::{arg, arg_int, arg_str, bytes_to_value, list_items, to_string, to_strings};

/// Go's `unicode` predicates and simple case mappings.
pub(crate) mod uni {
    use super::OnceLock;

    fn class(cell: &'static OnceLock<Option<::regex::Regex>>, pat: &str, c: char) -> bool {
        let re = cell.get_or_init(|| ::regex::Regex::new(pat).ok());
        let mut buf = [0u8; 4];
        re.as_ref()
            .is_some_and(|r| r.is_match(c.encode_utf8(&mut buf)))
    }

    /// `unicode.IsUpper` (category Lu).
    pub fn is_upper(c: char) -> bool {
        if c.is_ascii() {
            return c.is_ascii_uppercase();
        }
        static C: OnceLock<Option<::regex::Regex>> = OnceLock::new();
        class(&C, r"^\p{Lu}$", c)
    }
    /// `unicode.IsLower` (category Ll).
    pub fn is_lower(c: char) -> bool {
        if c.is_ascii() {
            return c.is_ascii_lowercase();
        }
        static C: OnceLock<Option<::regex::Regex>> = OnceLock::new();
        class(&C, r"^\p{Ll}$", c)
    }
    /// `unicode.IsTitle` (category Lt).
    pub fn is_title(c: char) -> bool {
        if c.is_ascii() {
            return false;
        }
        static C: OnceLock<Option<::regex::Regex>> = OnceLock::new();
        class(&C, r"^\p{Lt}$", c)
    }
    /// `unicode.IsLetter` (category L).
    pub fn is_letter(c: char) -> bool {
        if c.is_ascii() {
            return c.is_ascii_alphabetic();
        }
        static C: OnceLock<Option<::regex::Regex>> = OnceLock::new();
        class(&C, r"^\p{L}$", c)
    }
    /// `unicode.IsDigit` (category Nd).
    pub fn is_digit(c: char) -> bool {
        if c.is_ascii() {
            return c.is_ascii_digit();
        }
        static C: OnceLock<Option<::regex::Regex>> = OnceLock::new();
        class(&C, r"^\p{Nd}$", c)
    }
    /// `unicode.IsNumber` (category N).
    pub fn is_number(c: char) -> bool {
        if c.is_ascii() {
            return c.is_ascii_digit();
        }
        static C: OnceLock<Option<::regex::Regex>> = OnceLock::new();
        class(&C, r"^\p{N}$", c)
    }
    /// `unicode.IsPunct` (category P).
    pub fn is_punct(c: char) -> bool {
        static C: OnceLock<Option<::regex::Regex>> = OnceLock::new();
        class(&C, r"^\p{P}$", c)
    }
    /// `unicode.IsSpace`.
    pub fn is_space(c: char) -> bool {
        c.is_whitespace()
    }

    fn single(mut it: impl Iterator<Item = char>) -> Option<char> {
        let first = it.next()?;
        match it.next() {
            None => Some(first),
            Some(_) => None,
        }
    }

    /// `unicode.ToUpper`: the simple (one rune) upper-case mapping.
    pub fn to_upper(c: char) -> char {
        if c.is_ascii() {
            return c.to_ascii_uppercase();
        }
        if let Some(u) = single(c.to_uppercase()) {
            return u;
        }
        let n = c as u32;
        let mapped = match n {
            0x1F80..=0x1F87 | 0x1F90..=0x1F97 | 0x1FA0..=0x1FA7 => n + 8,
            0x1FB3 | 0x1FC3 | 0x1FF3 => n + 9,
            _ => n,
        };
        char::from_u32(mapped).unwrap_or(c)
    }
    /// `unicode.ToLower`: the simple (one rune) lower-case mapping.
    pub fn to_lower(c: char) -> char {
        if c.is_ascii() {
            return c.to_ascii_lowercase();
        }
        if c == '\u{130}' {
            return 'i';
        }
        single(c.to_lowercase()).unwrap_or(c)
    }
    /// `unicode.ToTitle`: the simple title-case mapping.
    pub fn to_title(c: char) -> char {
        match c as u32 {
            0x1C4..=0x1C6 => '\u{1C5}',
            0x1C7..=0x1C9 => '\u{1C8}',
            0x1CA..=0x1CC => '\u{1CB}',
            0x1F1..=0x1F3 => '\u{1F2}',
            0x10D0..=0x10FA | 0x10FD..=0x10FF => c,
            _ => to_upper(c),
        }
    }
}

/// Go's `strings.Split`/`SplitN` (`n < 0`: all parts; `n == 0`: none; an empty
/// separator splits after each character).
pub(crate) fn go_split(s: &str, sep: &str, n: i64) -> Vec<String> {
    if n == 0 {
        return Vec::new();
    }
    if sep.is_empty() {
        let chars: Vec<char> = s.chars().collect();
        let limit = if n < 0 || n as usize > chars.len() {
            chars.len()
        } else {
            n as usize
        };
        let mut out: Vec<String> = Vec::with_capacity(limit);
        for (i, c) in chars.iter().enumerate() {
            if i + 1 == limit && limit < chars.len() {
                out.push(chars[i..].iter().collect());
                break;
            }
            out.push(c.to_string());
        }
        return out;
    }
    if n < 0 {
        s.split(sep).map(str::to_string).collect()
    } else {
        s.splitn(n as usize, sep).map(str::to_string).collect()
    }
}

/// A split result as Sprig's `map[string]string`: `{"_0": …, "_1": …}`.
fn parts_map(parts: Vec<String>) -> Value {
    let m: Map = parts
        .into_iter()
        .enumerate()
        .map(|(i, p)| (format!("_{i}"), Value::from(p)))
        .collect();
    // Sprig returns a `map[string]string`.
    Value::Map(gotmpl::value::MapRef::new(m).with_kind(gotmpl::value::MapKind::String))
}

/// goutils `AbbreviateFull` (byte based; the error cases give "").
fn abbreviate_full(s: &str, offset: i64, max_width: i64) -> Value {
    let gb = bytestr::to_go_bytes(s);
    let b: &[u8] = &gb;
    let len = b.len() as i64;
    if s.is_empty() {
        return Value::str("");
    }
    if max_width < 4 {
        return Value::str("");
    }
    if len <= max_width {
        return Value::str(s);
    }
    let mut offset = offset.min(len);
    if len - offset < max_width - 3 {
        offset = len - (max_width - 3);
    }
    let slice = |from: i64, to: i64| -> Vec<u8> {
        let from = from.clamp(0, len) as usize;
        let to = to.clamp(0, len) as usize;
        b.get(from..to.max(from))
            .map(<[u8]>::to_vec)
            .unwrap_or_default()
    };
    if offset <= 4 {
        let mut out = slice(0, max_width - 3);
        out.extend_from_slice(b"...");
        return bytes_to_value(out);
    }
    if max_width < 7 {
        return Value::str("");
    }
    if offset + max_width - 3 < len {
        let rest = bytestr::from_go_vec(slice(offset, len));
        let inner = abbreviate_full(&rest, 0, max_width - 3);
        return Value::from(format!("...{}", inner.as_str().unwrap_or("")));
    }
    let mut out = b"...".to_vec();
    out.extend(slice(len - (max_width - 3), len));
    bytes_to_value(out)
}

/// goutils `WrapCustom` (byte based).
fn wrap_custom(s: &str, wrap_len: i64, nl: &str, wrap_long: bool) -> Value {
    if s.is_empty() {
        return Value::str("");
    }
    let nl = if nl.is_empty() { "\n" } else { nl };
    let wl = wrap_len.max(1) as usize;
    let gb = bytestr::to_go_bytes(s);
    let b: &[u8] = &gb;
    let len = b.len();
    let mut off = 0usize;
    let mut out: Vec<u8> = Vec::with_capacity(len + 16);
    while len - off > wl {
        if b[off] == b' ' {
            off += 1;
            continue;
        }
        let end = wl + off + 1;
        let space = b[off..end].iter().rposition(|&c| c == b' ');
        if let Some(sp) = space {
            let at = sp + off;
            out.extend_from_slice(&b[off..at]);
            out.extend_from_slice(nl.as_bytes());
            off = at + 1;
        } else if wrap_long {
            let end = wl + off;
            out.extend_from_slice(&b[off..end]);
            out.extend_from_slice(nl.as_bytes());
            off += wl;
        } else {
            let end = wl + off;
            match b[end..].iter().position(|&c| c == b' ') {
                None => {
                    out.extend_from_slice(&b[off..]);
                    off = len;
                }
                Some(i) => {
                    let at = i + end;
                    out.extend_from_slice(&b[off..at]);
                    out.extend_from_slice(nl.as_bytes());
                    off = at + 1;
                }
            }
        }
    }
    out.extend_from_slice(&b[off..]);
    bytes_to_value(out)
}

/// Encodes a Latin-1 byte as Go's `bytes.Buffer.WriteRune(rune(b))` does.
fn push_byte_as_rune(out: &mut String, b: u8) {
    out.push(char::from(b));
}

/// goutils `DeleteWhiteSpace`: works byte by byte, treating each byte as a rune.
fn delete_white_space(s: &str) -> String {
    let gb = bytestr::to_go_bytes(s);
    let b: &[u8] = &gb;
    let mut out = String::with_capacity(b.len());
    let mut count = 0;
    for &c in b {
        if !uni::is_space(char::from(c)) {
            push_byte_as_rune(&mut out, c);
            count += 1;
        }
    }
    if count == b.len() {
        return s.to_string();
    }
    out
}

/// goutils `Initials` with white-space delimiters (byte based too).
fn initials(s: &str) -> String {
    let mut out = String::new();
    let mut gap = true;
    for &c in bytestr::to_go_bytes(s).iter() {
        if uni::is_space(char::from(c)) {
            gap = true;
        } else if gap {
            push_byte_as_rune(&mut out, c);
            gap = false;
        }
    }
    out
}

/// goutils `Uncapitalize`: lower-case the first rune of each white-space separated word.
fn uncapitalize(s: &str) -> String {
    let mut next = true;
    s.chars()
        .map(|c| {
            if uni::is_space(c) {
                next = true;
                c
            } else if next {
                next = false;
                uni::to_lower(c)
            } else {
                c
            }
        })
        .collect()
}

/// goutils `SwapCase`.
fn swap_case(s: &str) -> String {
    let mut ws = true;
    s.chars()
        .map(|c| {
            if uni::is_upper(c) || uni::is_title(c) {
                ws = false;
                uni::to_lower(c)
            } else if uni::is_lower(c) {
                if ws {
                    ws = false;
                    uni::to_title(c)
                } else {
                    uni::to_upper(c)
                }
            } else {
                ws = uni::is_space(c);
                c
            }
        })
        .collect()
}

/// Go's `strings.Title`.
fn title(s: &str) -> String {
    fn is_sep(c: char) -> bool {
        if c.is_ascii() {
            return !(c.is_ascii_alphanumeric() || c == '_');
        }
        if uni::is_letter(c) || uni::is_digit(c) {
            return false;
        }
        uni::is_space(c)
    }
    let mut prev = ' ';
    s.chars()
        .map(|c| {
            let out = if is_sep(prev) { uni::to_title(c) } else { c };
            prev = c;
            out
        })
        .collect()
}

/// Whether `c` separates words for xstrings' case conversions.
fn is_connector(c: char) -> bool {
    c == '-' || c == '_' || uni::is_space(c)
}

/// xstrings' `isAlphabet`: a letter that is not a CJK ideograph.
fn is_alphabet(c: char) -> bool {
    if !uni::is_letter(c) {
        return false;
    }
    let n = c as u32;
    !((0x4E00..=0x9FCC).contains(&n)
        || (0x3400..=0x4D85).contains(&n)
        || (0x20000..=0x2B81D).contains(&n))
}

/// xstrings v1.5 `toCamelCase(str, isBig=true)` (`ToPascalCase`).
fn pascal_case(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    if chars.is_empty() {
        return String::new();
    }
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    let mut first_upper = false;
    let mut r0 = '\0';
    while i < chars.len() {
        r0 = chars[i];
        i += 1;
        if !is_connector(r0) {
            first_upper = uni::is_upper(r0);
            r0 = uni::to_upper(r0);
            break;
        }
        out.push(r0);
    }
    if i >= chars.len() {
        // xstrings writes the last rune once more here, even a connector ("__" → "___").
        out.push(r0);
        return out;
    }
    while i < chars.len() {
        let r1 = r0;
        r0 = chars[i];
        i += 1;
        if is_connector(r0) && is_connector(r1) {
            out.push(r1);
            continue;
        }
        if is_connector(r1) {
            first_upper = uni::is_upper(r0);
            r0 = uni::to_upper(r0);
        } else {
            if first_upper {
                if uni::is_upper(r0) {
                    r0 = uni::to_lower(r0);
                } else {
                    first_upper = false;
                }
            }
            out.push(r1);
        }
    }
    out.push(r0);
    out
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Word {
    Invalid,
    Number,
    Upper,
    Alpha,
    Connector,
    Punct,
    Other,
}

/// xstrings `nextWord`: the type of the next word, its length in chars.
fn next_word(s: &[char]) -> (Word, usize) {
    if s.is_empty() {
        return (Word::Invalid, 0);
    }
    // xstrings' nextValidRune: bytes that are not valid UTF-8 are skipped and belong to
    // the word of the next valid rune (or form an invalid word at the end).
    let skip = s
        .iter()
        .take_while(|c| bytestr::escaped_byte(**c).is_some())
        .count();
    if skip > 0 {
        if skip == s.len() {
            return (Word::Invalid, skip);
        }
        let (wt, n) = next_word(&s[skip..]);
        return (wt, n + skip);
    }
    let r = s[0];
    if r == '\u{FFFD}' {
        return (Word::Invalid, 1);
    }
    let run = |from: usize, pred: &dyn Fn(char) -> bool| -> usize {
        let mut j = from;
        while j < s.len() && pred(s[j]) {
            j += 1;
        }
        j
    };
    if is_connector(r) {
        return (Word::Connector, run(1, &is_connector));
    }
    if uni::is_punct(r) {
        return (Word::Punct, run(1, &uni::is_punct));
    }
    if uni::is_upper(r) {
        if s.len() == 1 {
            return (Word::Upper, 1);
        }
        let r2 = s[1];
        if uni::is_upper(r2) {
            let mut j = run(2, &uni::is_upper);
            // "HTTPStatus": the last upper-case letter starts the next word.
            if j < s.len() && is_alphabet(s[j]) {
                j -= 1;
            }
            return (Word::Upper, j);
        }
        if is_alphabet(r2) {
            return (
                Word::Upper,
                run(2, &|c| is_alphabet(c) && !uni::is_upper(c)),
            );
        }
        return (Word::Upper, 1);
    }
    if is_alphabet(r) {
        return (
            Word::Alpha,
            run(1, &|c| is_alphabet(c) && !uni::is_upper(c)),
        );
    }
    if uni::is_number(r) {
        return (Word::Number, run(1, &uni::is_number));
    }
    (
        Word::Other,
        run(1, &|c| {
            !(is_connector(c) || is_alphabet(c) || uni::is_number(c) || uni::is_punct(c))
        }),
    )
}

/// xstrings `toLower` of one word into `out`.
fn lower_word(out: &mut String, wt: Word, w: &[char], connector: char) {
    if wt != Word::Upper && wt != Word::Connector {
        out.extend(w.iter());
        return;
    }
    for &c in w {
        if is_connector(c) {
            out.push(connector);
        } else if uni::is_upper(c) {
            out.push(uni::to_lower(c));
        } else {
            out.push(c);
        }
    }
}

/// xstrings v1.5 `camelCaseToLowerCase` (`ToSnakeCase` / `ToKebabCase`).
fn camel_to_lower(s: &str, connector: char) -> String {
    let chars: Vec<char> = s.chars().collect();
    if chars.is_empty() {
        return String::new();
    }
    let mut out = String::with_capacity(s.len() + 8);
    let mut pos = 0usize;
    let next = |pos: &mut usize| -> (Word, usize, usize) {
        let (wt, n) = next_word(&chars[*pos..]);
        let start = *pos;
        *pos += n;
        (wt, start, *pos)
    };
    let (mut wt, mut ws, mut we) = next(&mut pos);
    while pos < chars.len() {
        if wt != Word::Connector {
            lower_word(&mut out, wt, &chars[ws..we], connector);
        }
        let prev = wt;
        let (last_s, last_e) = (ws, we);
        (wt, ws, we) = next(&mut pos);
        match prev {
            Word::Number => {
                while wt == Word::Alpha || wt == Word::Number {
                    lower_word(&mut out, wt, &chars[ws..we], connector);
                    (wt, ws, we) = next(&mut pos);
                }
                if wt != Word::Invalid && wt != Word::Punct && wt != Word::Connector {
                    out.push(connector);
                }
            }
            Word::Connector => {
                lower_word(&mut out, prev, &chars[last_s..last_e], connector);
            }
            Word::Punct => {}
            _ => {
                if wt != Word::Number {
                    if wt != Word::Connector && wt != Word::Punct {
                        out.push(connector);
                    }
                    continue;
                }
                if pos >= chars.len() {
                    continue;
                }
                let (num_s, num_e) = (ws, we);
                (wt, ws, we) = next(&mut pos);
                if wt != Word::Alpha {
                    lower_word(&mut out, Word::Number, &chars[num_s..num_e], connector);
                    if wt != Word::Connector && wt != Word::Punct {
                        out.push(connector);
                    }
                    continue;
                }
                out.push(connector);
                lower_word(&mut out, Word::Number, &chars[num_s..num_e], connector);
                while wt == Word::Alpha || wt == Word::Number {
                    lower_word(&mut out, wt, &chars[ws..we], connector);
                    (wt, ws, we) = next(&mut pos);
                }
                if wt != Word::Invalid && wt != Word::Connector && wt != Word::Punct {
                    out.push(connector);
                }
            }
        }
    }
    lower_word(&mut out, wt, &chars[ws..we], connector);
    out
}

/// A random index in `0..n` (n > 0), from the standard library's hasher seeds.
pub(crate) fn random_below(n: u64) -> u64 {
    use std::hash::{BuildHasher, Hasher};
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    if n == 0 {
        return 0;
    }
    h.finish() % n
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const B32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// Go's `base64.StdEncoding.EncodeToString`.
pub fn base64_encode(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b0 = chunk.first().copied().unwrap_or(0);
        let b1 = chunk.get(1).copied().unwrap_or(0);
        let b2 = chunk.get(2).copied().unwrap_or(0);
        let v = (u32::from(b0) << 16) | (u32::from(b1) << 8) | u32::from(b2);
        let idx = |shift: u32| char::from(B64[((v >> shift) & 63) as usize]);
        out.push(idx(18));
        out.push(idx(12));
        out.push(if chunk.len() > 1 { idx(6) } else { '=' });
        out.push(if chunk.len() > 2 { idx(0) } else { '=' });
    }
    out
}

fn b64_value(c: u8) -> Option<u8> {
    B64.iter().position(|&x| x == c).map(|p| p as u8)
}

/// Go's `base64.StdEncoding.DecodeString`, with its error offsets
/// (`illegal base64 data at input byte N`).
pub fn base64_decode(src: &[u8]) -> Result<Vec<u8>, String> {
    let err = |n: usize| Err(format!("illegal base64 data at input byte {n}"));
    let mut out = Vec::with_capacity(src.len() / 4 * 3);
    let mut si = 0usize;
    let is_nl = |c: u8| c == b'\n' || c == b'\r';
    while si < src.len() {
        let mut dbuf = [0u8; 4];
        let mut dlen = 4usize;
        let mut j = 0usize;
        let mut trailing: Option<usize> = None;
        while j < 4 {
            if si == src.len() {
                if j == 0 {
                    return Ok(out);
                }
                return err(si - j);
            }
            let c = src[si];
            si += 1;
            if let Some(v) = b64_value(c) {
                dbuf[j] = v;
                j += 1;
                continue;
            }
            if is_nl(c) {
                continue;
            }
            if c != b'=' {
                return err(si - 1);
            }
            match j {
                0 | 1 => return err(si - 1),
                2 => {
                    while si < src.len() && is_nl(src[si]) {
                        si += 1;
                    }
                    if si == src.len() {
                        return err(src.len());
                    }
                    if src[si] != b'=' {
                        return err(si - 1);
                    }
                    si += 1;
                }
                _ => {}
            }
            while si < src.len() && is_nl(src[si]) {
                si += 1;
            }
            if si < src.len() {
                trailing = Some(si);
            }
            dlen = j;
            break;
        }
        let v = (u32::from(dbuf[0]) << 18)
            | (u32::from(dbuf[1]) << 12)
            | (u32::from(dbuf[2]) << 6)
            | u32::from(dbuf[3]);
        let bytes = [(v >> 16) as u8, (v >> 8) as u8, v as u8];
        out.extend_from_slice(&bytes[..dlen - 1]);
        if let Some(n) = trailing {
            return err(n);
        }
        if dlen < 4 {
            break;
        }
    }
    Ok(out)
}

/// Go's `base32.StdEncoding.EncodeToString`.
pub fn base32_encode(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(5) * 8);
    for chunk in data.chunks(5) {
        let mut buf = [0u8; 5];
        buf[..chunk.len()].copy_from_slice(chunk);
        let v = buf.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
        let nchars = match chunk.len() {
            1 => 2,
            2 => 4,
            3 => 5,
            4 => 7,
            _ => 8,
        };
        for k in 0..8 {
            if k < nchars {
                out.push(char::from(B32[((v >> (35 - 5 * k)) & 31) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Go's `base32.StdEncoding.DecodeString` (new lines are dropped first), with its
/// error offsets.
pub fn base32_decode(input: &[u8]) -> Result<Vec<u8>, String> {
    let src: Vec<u8> = input
        .iter()
        .copied()
        .filter(|&c| c != b'\n' && c != b'\r')
        .collect();
    let err = |n: usize| Err(format!("illegal base32 data at input byte {n}"));
    let olen = src.len();
    let mut rest: &[u8] = &src;
    let mut out = Vec::with_capacity(olen / 8 * 5);
    let mut end = false;
    while !rest.is_empty() && !end {
        let mut dbuf = [0u8; 8];
        let mut dlen = 8usize;
        let mut j = 0usize;
        while j < 8 {
            let Some((&c, tail)) = rest.split_first() else {
                return err(olen - j);
            };
            rest = tail;
            if c == b'=' && j >= 2 && rest.len() < 8 {
                if rest.len() + j < 7 {
                    return err(olen);
                }
                for k in 0..(7 - j) {
                    if rest.len() > k && rest[k] != b'=' {
                        return err(olen - rest.len() + k - 1);
                    }
                }
                dlen = j;
                end = true;
                if matches!(dlen, 1 | 3 | 6) {
                    return err(olen - rest.len() - 1);
                }
                break;
            }
            match B32.iter().position(|&x| x == c) {
                Some(p) => dbuf[j] = p as u8,
                None => return err(olen - rest.len() - 1),
            }
            j += 1;
        }
        let d = dbuf;
        let bytes = [
            (d[0] << 3) | (d[1] >> 2),
            (d[1] << 6) | (d[2] << 1) | (d[3] >> 4),
            (d[3] << 4) | (d[4] >> 1),
            (d[4] << 7) | (d[5] << 2) | (d[6] >> 3),
            (d[6] << 5) | d[7],
        ];
        let n = match dlen {
            8 => 5,
            7 => 4,
            5 => 3,
            4 => 2,
            2 => 1,
            _ => 0,
        };
        out.extend_from_slice(&bytes[..n]);
    }
    Ok(out)
}

/// Longest string a function builds from a count argument (`repeat`, `indent`,
/// `randAlphaNum`, `randBytes`, …): our own bound, 1 GiB. Go has none below its
/// allocator's and dies of an out-of-memory fault instead; we refuse with an error.
pub const MAX_STRING_LEN: u64 = 1 << 30;

/// The error for a result longer than [`MAX_STRING_LEN`].
pub fn too_long(what: &str, len: u64) -> FuncError {
    FuncError::msg(format!(
        "{what}: result of {len} bytes exceeds the limit of {MAX_STRING_LEN} bytes"
    ))
}

/// Go's `strings.Repeat`, with its panics as errors.
fn repeat(s: &str, count: i64) -> Result<Value, FuncError> {
    if count < 0 {
        return Err(FuncError::msg("strings: negative Repeat count"));
    }
    let total = (s.len() as u64).checked_mul(count as u64);
    match total {
        Some(t) if t <= MAX_STRING_LEN => Ok(Value::from(s.repeat(count as usize))),
        Some(t) if t <= isize::MAX as u64 => Err(too_long("strings.Repeat", t)),
        _ => Err(FuncError::msg("strings: Repeat output length overflow")),
    }
}

/// Sprig's `substring`, with Go's slice-bounds panics as errors.
fn substr(start: i64, end: i64, s: &str) -> Result<Value, FuncError> {
    let gb = bytestr::to_go_bytes(s);
    let len = gb.len() as i64;
    let oob = |m: String| {
        Err(FuncError::msg(format!(
            "runtime error: slice bounds out of range {m}"
        )))
    };
    let (from, to) = if start < 0 {
        if end < 0 {
            return oob(format!("[:{end}]"));
        }
        if end > len {
            return oob(format!("[:{end}] with length {len}"));
        }
        (0, end)
    } else if end < 0 || end > len {
        if start > len {
            return oob(format!("[{start}:{len}]"));
        }
        (start, len)
    } else {
        if start > end {
            return oob(format!("[{start}:{end}]"));
        }
        (start, end)
    };
    let b: &[u8] = &gb;
    Ok(bytes_to_value(
        b.get(from as usize..to as usize)
            .map(<[u8]>::to_vec)
            .unwrap_or_default(),
    ))
}

/// Sprig's `trunc`: byte based.
fn trunc(c: i64, s: &str) -> Value {
    let gb = bytestr::to_go_bytes(s);
    let b: &[u8] = &gb;
    let len = b.len() as i64;
    if c < 0 && len + c > 0 {
        return bytes_to_value(b[(len + c) as usize..].to_vec());
    }
    if c >= 0 && len > c {
        return bytes_to_value(b[..c as usize].to_vec());
    }
    Value::str(s)
}

/// Sprig's `indent`.
fn indent(n: i64, s: &str) -> Result<String, FuncError> {
    let pad = repeat(" ", n)?;
    let pad = pad.as_str().unwrap_or("");
    let mut out = String::with_capacity(s.len() + pad.len() * 2);
    out.push_str(pad);
    out.push_str(&s.replace('\n', &format!("\n{pad}")));
    Ok(out)
}

/// A string argument as Go's rune decoding sees it (invalid bytes as U+FFFD), for the
/// functions that rebuild a string rune by rune.
fn lossy_arg(a: &[Value], i: usize) -> std::borrow::Cow<'_, str> {
    bytestr::lossy(arg_str(a, i))
}

fn sv(s: impl Into<String>) -> Result<Value, FuncError> {
    Ok(Value::from(s.into()))
}

/// Registers this module's functions.
pub fn register(m: &mut FuncMap) {
    use Ty::{Any, Int, Str};

    // {{ hello }}
    m.add("hello", &[], None, |_, _| sv("Hello!"));
    // {{ abbrev 5 "hello world" }}
    m.add("abbrev", &[Int, Str], None, |_, a| {
        let (w, s) = (arg_int(a, 0), arg_str(a, 1));
        if w < 4 {
            return sv(s);
        }
        Ok(abbreviate_full(s, 0, w))
    });
    // {{ abbrevboth 5 10 "1234 5678 9123" }}
    m.add("abbrevboth", &[Int, Int, Str], None, |_, a| {
        let (l, r, s) = (arg_int(a, 0), arg_int(a, 1), arg_str(a, 2));
        if r < 4 || (l > 0 && r < 7) {
            return sv(s);
        }
        Ok(abbreviate_full(s, l, r))
    });
    // {{ trunc 5 "hello world" }}
    m.add("trunc", &[Int, Str], None, |_, a| {
        Ok(trunc(arg_int(a, 0), arg_str(a, 1)))
    });
    // {{ trim "  hello  " }}
    m.add("trim", &[Str], None, |_, a| sv(arg_str(a, 0).trim()));
    // {{ upper "hello" }}
    m.add("upper", &[Str], None, |_, a| {
        sv(lossy_arg(a, 0)
            .chars()
            .map(uni::to_upper)
            .collect::<String>())
    });
    // {{ lower "HELLO" }}
    m.add("lower", &[Str], None, |_, a| {
        sv(lossy_arg(a, 0)
            .chars()
            .map(uni::to_lower)
            .collect::<String>())
    });
    // {{ title "hello world" }}
    m.add("title", &[Str], None, |_, a| sv(title(&lossy_arg(a, 0))));
    // {{ untitle "Hello World" }}
    m.add("untitle", &[Str], None, |_, a| {
        sv(uncapitalize(&lossy_arg(a, 0)))
    });
    // {{ substr 0 5 "hello world" }}
    m.add("substr", &[Int, Int, Str], None, |_, a| {
        substr(arg_int(a, 0), arg_int(a, 1), arg_str(a, 2))
    });
    // {{ repeat 3 "ab" }}
    m.add("repeat", &[Int, Str], None, |_, a| {
        repeat(arg_str(a, 1), arg_int(a, 0))
    });
    // {{ trimAll "$" "$5.00$" }}
    m.add("trimAll", &[Str, Str], None, |_, a| {
        let cut: Vec<char> = arg_str(a, 0).chars().collect();
        sv(arg_str(a, 1).trim_matches(|c| cut.contains(&c)))
    });
    m.alias("trimall", "trimAll");
    // {{ trimSuffix "-" "hello-" }}
    m.add("trimSuffix", &[Str, Str], None, |_, a| {
        let (suf, s) = (arg_str(a, 0), arg_str(a, 1));
        if bytestr::has_escapes(suf) {
            let (sb, hb) = (bytestr::to_go_bytes(suf), bytestr::to_go_bytes(s));
            if let Some(rest) = hb.strip_suffix(&sb[..]) {
                return sv(bytestr::from_go_bytes(rest));
            }
        }
        sv(s.strip_suffix(suf).unwrap_or(s))
    });
    // {{ trimPrefix "-" "-hello" }}
    m.add("trimPrefix", &[Str, Str], None, |_, a| {
        let (pre, s) = (arg_str(a, 0), arg_str(a, 1));
        if bytestr::has_escapes(pre) {
            let (pb, hb) = (bytestr::to_go_bytes(pre), bytestr::to_go_bytes(s));
            if let Some(rest) = hb.strip_prefix(&pb[..]) {
                return sv(bytestr::from_go_bytes(rest));
            }
        }
        sv(s.strip_prefix(pre).unwrap_or(s))
    });
    // {{ nospace "hello w o r l d" }}
    m.add("nospace", &[Str], None, |_, a| {
        sv(delete_white_space(arg_str(a, 0)))
    });
    // {{ initials "First Try" }}
    m.add("initials", &[Str], None, |_, a| sv(initials(arg_str(a, 0))));
    // {{ swapcase "This Is A.Test" }}
    m.add("swapcase", &[Str], None, |_, a| {
        sv(swap_case(&lossy_arg(a, 0)))
    });
    // {{ shuffle "hello" }}
    m.add("shuffle", &[Str], None, |_, a| {
        let mut chars: Vec<char> = lossy_arg(a, 0).chars().collect();
        for i in (1..chars.len()).rev() {
            let j = random_below(i as u64 + 1) as usize;
            chars.swap(i, j);
        }
        sv(chars.into_iter().collect::<String>())
    });
    // {{ snakecase "FirstName" }}
    m.add("snakecase", &[Str], None, |_, a| {
        sv(camel_to_lower(arg_str(a, 0), '_'))
    });
    // {{ camelcase "http_server" }}
    m.add("camelcase", &[Str], None, |_, a| {
        sv(pascal_case(&lossy_arg(a, 0)))
    });
    // {{ kebabcase "FirstName" }}
    m.add("kebabcase", &[Str], None, |_, a| {
        sv(camel_to_lower(arg_str(a, 0), '-'))
    });
    // {{ wrap 80 $someText }}
    m.add("wrap", &[Int, Str], None, |_, a| {
        Ok(wrap_custom(arg_str(a, 1), arg_int(a, 0), "", false))
    });
    // {{ wrapWith 5 "\t" "Hello World" }}
    m.add("wrapWith", &[Int, Str, Str], None, |_, a| {
        Ok(wrap_custom(
            arg_str(a, 2),
            arg_int(a, 0),
            arg_str(a, 1),
            true,
        ))
    });
    // {{ contains "cat" "catch" }}
    m.add("contains", &[Str, Str], None, |_, a| {
        let (sub, s) = (arg_str(a, 0), arg_str(a, 1));
        if bytestr::has_escapes(sub) {
            let (nb, hb) = (bytestr::to_go_bytes(sub), bytestr::to_go_bytes(s));
            return Ok(Value::Bool(
                hb.windows(nb.len().max(1)).any(|w| w == &nb[..]),
            ));
        }
        Ok(Value::Bool(s.contains(sub)))
    });
    // {{ hasPrefix "cat" "catch" }}
    m.add("hasPrefix", &[Str, Str], None, |_, a| {
        let (pre, s) = (arg_str(a, 0), arg_str(a, 1));
        if bytestr::has_escapes(pre) {
            return Ok(Value::Bool(
                bytestr::to_go_bytes(s).starts_with(&bytestr::to_go_bytes(pre)),
            ));
        }
        Ok(Value::Bool(s.starts_with(pre)))
    });
    // {{ hasSuffix "ch" "catch" }}
    m.add("hasSuffix", &[Str, Str], None, |_, a| {
        let (suf, s) = (arg_str(a, 0), arg_str(a, 1));
        if bytestr::has_escapes(suf) {
            return Ok(Value::Bool(
                bytestr::to_go_bytes(s).ends_with(&bytestr::to_go_bytes(suf)),
            ));
        }
        Ok(Value::Bool(s.ends_with(suf)))
    });
    // {{ quote "a" 1 }}
    m.add("quote", &[], Some(Any), |_, a| {
        let parts: Vec<String> = a
            .iter()
            .filter(|v| !v.is_nil())
            .map(|v| gotmpl::fmt::go_quote(&to_string(v)))
            .collect();
        sv(parts.join(" "))
    });
    // {{ squote "a" 1 }}
    m.add("squote", &[], Some(Any), |_, a| {
        let parts: Vec<String> = a
            .iter()
            .filter(|v| !v.is_nil())
            .map(|v| format!("'{}'", gotmpl::fmt::format_v(v)))
            .collect();
        sv(parts.join(" "))
    });
    // {{ cat "hello" "beautiful" "world" }}
    m.add("cat", &[], Some(Any), |_, a| {
        let parts: Vec<String> = a
            .iter()
            .filter(|v| !v.is_nil())
            .map(gotmpl::fmt::format_v)
            .collect();
        sv(parts.join(" "))
    });
    // {{ indent 4 "a\nb" }}
    m.add("indent", &[Int, Str], None, |_, a| {
        sv(indent(arg_int(a, 0), arg_str(a, 1))?)
    });
    // {{ nindent 4 "a\nb" }}
    m.add("nindent", &[Int, Str], None, |_, a| {
        sv(format!("\n{}", indent(arg_int(a, 0), arg_str(a, 1))?))
    });
    // {{ replace " " "-" "I Am Henry VIII" }}
    m.add("replace", &[Str, Str, Str], None, |_, a| {
        sv(arg_str(a, 2).replace(arg_str(a, 0), arg_str(a, 1)))
    });
    // {{ plural "one anchovy" "many anchovies" 2 }}
    m.add("plural", &[Str, Str, Int], None, |_, a| {
        sv(if arg_int(a, 2) == 1 {
            arg_str(a, 0)
        } else {
            arg_str(a, 1)
        })
    });
    // {{ toString 1.5 }}
    m.add("toString", &[Any], None, |_, a| sv(to_string(&arg(a, 0))));
    // {{ toStrings (list 1 2 3) }}
    m.add("toStrings", &[Any], None, |_, a| {
        Ok(super::conv::strings_value(to_strings(&arg(a, 0))))
    });
    // {{ split "$" "foo$bar$baz" }}
    m.add("split", &[Str, Str], None, |_, a| {
        Ok(parts_map(go_split(arg_str(a, 1), arg_str(a, 0), -1)))
    });
    // {{ splitn "$" 2 "foo$bar$baz" }}
    m.add("splitn", &[Str, Int, Str], None, |_, a| {
        Ok(parts_map(go_split(
            arg_str(a, 2),
            arg_str(a, 0),
            arg_int(a, 1),
        )))
    });
    // {{ splitList "$" "foo$bar$baz" }}
    m.add("splitList", &[Str, Str], None, |_, a| {
        Ok(super::conv::strings_value(go_split(
            arg_str(a, 1),
            arg_str(a, 0),
            -1,
        )))
    });
    // {{ join "-" (list 1 2 3) }}
    m.add("join", &[Str, Any], None, |_, a| {
        sv(to_strings(&arg(a, 1)).join(arg_str(a, 0)))
    });
    // {{ sortAlpha (list "b" "a") }}
    m.add("sortAlpha", &[Any], None, |_, a| {
        let v = arg(a, 0);
        if list_items(&v).is_some() {
            let mut s = to_strings(&v);
            s.sort();
            return Ok(super::conv::strings_value(s));
        }
        Ok(super::conv::strings_value([to_string(&v)]))
    });
    // {{ b64enc "hello" }}
    m.add("b64enc", &[Str], None, |_, a| {
        sv(base64_encode(&bytestr::to_go_bytes(arg_str(a, 0))))
    });
    // {{ b64dec "aGVsbG8=" }}
    m.add("b64dec", &[Str], None, |_, a| {
        match base64_decode(&bytestr::to_go_bytes(arg_str(a, 0))) {
            Ok(b) => Ok(bytes_to_value(b)),
            Err(e) => sv(e),
        }
    });
    // {{ b32enc "hello" }}
    m.add("b32enc", &[Str], None, |_, a| {
        sv(base32_encode(&bytestr::to_go_bytes(arg_str(a, 0))))
    });
    // {{ b32dec "NBSWY3DP" }}
    m.add("b32dec", &[Str], None, |_, a| {
        match base32_decode(&bytestr::to_go_bytes(arg_str(a, 0))) {
            Ok(b) => Ok(bytes_to_value(b)),
            Err(e) => sv(e),
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(name: &str, args: &[Value]) -> Result<Value, FuncError> {
        let mut m = FuncMap::new();
        register(&mut m);
        m.call(name, args)
    }
    fn s(v: &str) -> Value {
        Value::str(v)
    }
    fn text(name: &str, args: &[Value]) -> String {
        match call(name, args) {
            Ok(v) => to_string(&v),
            Err(FuncError::Msg(e)) => format!("ERR {e}"),
            Err(e) => format!("ERR {e:?}"),
        }
    }

    #[test]
    fn case_conversions() {
        assert_eq!(text("snakecase", &[s("HTTPServer")]), "http_server");
        assert_eq!(text("snakecase", &[s("fooBar baz-qux")]), "foo_bar_baz_qux");
        assert_eq!(text("snakecase", &[s("HTTP20xOK")]), "http_20x_ok");
        assert_eq!(text("snakecase", &[s("Bld4Floor3rd")]), "bld4_floor_3rd");
        assert_eq!(text("kebabcase", &[s("Duration2m3s")]), "duration-2m3s");
        assert_eq!(text("camelcase", &[s("http_server")]), "HttpServer");
        assert_eq!(text("camelcase", &[s("_complex__case_")]), "_Complex_Case_");
        assert_eq!(text("camelcase", &[s("GOLANG_IS_GREAT")]), "GolangIsGreat");
        assert_eq!(
            text("title", &[s("hello wORLD-foo_bar")]),
            "Hello WORLD-Foo_bar"
        );
        assert_eq!(text("untitle", &[s("HELLO WORLD")]), "hELLO wORLD");
        assert_eq!(text("swapcase", &[s("This Is A.Test")]), "tHIS iS a.tEST");
        assert_eq!(text("upper", &[s("straße")]), "STRAßE");
    }

    #[test]
    fn byte_based_helpers() {
        assert_eq!(text("trunc", &[Value::int(-3), s("hello")]), "llo");
        assert_eq!(
            text(
                "abbrevboth",
                &[Value::int(5), Value::int(10), s("1234 5678 9123")]
            ),
            "...5678..."
        );
        assert_eq!(text("abbrev", &[Value::int(5), s("hello world")]), "he...");
        assert_eq!(text("initials", &[s("First Try")]), "FT");
        assert_eq!(text("nospace", &[s("a b\tc")]), "abc");
        assert_eq!(
            text("wrapWith", &[Value::int(5), s("\t"), s("Hello World")]),
            "Hello\tWorld"
        );
        assert_eq!(text("wrap", &[Value::int(3), s("abcdef gh")]), "abcdef\ngh");
        assert_eq!(
            text("substr", &[Value::int(3), Value::int(2), s("hello")]),
            "ERR runtime error: slice bounds out of range [3:2]"
        );
    }

    #[test]
    fn encodings_round_trip() {
        for t in ["", "a", "ab", "abc", "abcd", "hello world!"] {
            let e = base64_encode(t.as_bytes());
            assert_eq!(base64_decode(e.as_bytes()), Ok(t.as_bytes().to_vec()));
            let e = base32_encode(t.as_bytes());
            assert_eq!(base32_decode(e.as_bytes()), Ok(t.as_bytes().to_vec()));
        }
        assert_eq!(base64_encode(b"hello"), "aGVsbG8=");
        assert_eq!(base32_encode(b"hello"), "NBSWY3DP");
        assert_eq!(
            base64_decode(b"!!"),
            Err("illegal base64 data at input byte 0".to_string())
        );
        assert_eq!(
            base64_decode(b"YQ"),
            Err("illegal base64 data at input byte 0".to_string())
        );
    }

    #[test]
    fn splitting() {
        assert_eq!(go_split("a,b,,c", ",", -1), vec!["a", "b", "", "c"]);
        assert_eq!(go_split("abc", "", -1), vec!["a", "b", "c"]);
        assert_eq!(go_split("abc", "", 2), vec!["a", "bc"]);
        assert_eq!(go_split("a,b,c", ",", 2), vec!["a", "b,c"]);
        assert!(go_split("a", ",", 0).is_empty());
        assert_eq!(
            text("indent", &[Value::int(2), s("a\n\nb\n")]),
            "  a\n  \n  b\n  "
        );
    }
}
