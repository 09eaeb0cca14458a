//! go-yaml v2's resolution of untagged plain scalars (YAML 1.1): which text is a bool, a
//! null, an integer, a float or a timestamp. Used both when reading (plain scalars) and
//! when writing (a string that would resolve to something else must be quoted).

/// What a plain scalar resolves to.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Resolved {
    /// `~`, `null`, empty.
    Null,
    /// A YAML 1.1 boolean.
    Bool(bool),
    /// An integer that fits in `i64` (Go `int`).
    Int(i64),
    /// An integer that fits only in `u64`.
    Uint(u64),
    /// A float (including `.inf`/`.nan`).
    Float(f64),
    /// A timestamp; yaml.v2 keeps the text as a string for `interface{}` targets.
    Timestamp,
    /// A string.
    Str,
}

/// Resolves an untagged plain scalar as go-yaml v2 does.
pub(crate) fn resolve_plain(s: &str) -> Resolved {
    match s {
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            return Resolved::Bool(true)
        }
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            return Resolved::Bool(false)
        }
        "" | "~" | "null" | "Null" | "NULL" => return Resolved::Null,
        ".nan" | ".NaN" | ".NAN" => return Resolved::Float(f64::NAN),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return Resolved::Float(f64::INFINITY)
        }
        "-.inf" | "-.Inf" | "-.INF" => return Resolved::Float(f64::NEG_INFINITY),
        _ => {}
    }
    let first = s.as_bytes().first().copied().unwrap_or(0);
    match first {
        b'.' => match go_parse_float(s) {
            Some(f) => Resolved::Float(f),
            None => Resolved::Str,
        },
        b'0'..=b'9' | b'+' | b'-' => resolve_number(s),
        _ => Resolved::Str,
    }
}

fn resolve_number(s: &str) -> Resolved {
    if is_timestamp(s) {
        return Resolved::Timestamp;
    }
    let plain: String = s.chars().filter(|&c| c != '_').collect();
    if let Some(i) = go_parse_int_base0(&plain) {
        return Resolved::Int(i);
    }
    if let Some(u) = go_parse_uint_base0(&plain) {
        return Resolved::Uint(u);
    }
    if is_yaml_float(&plain) {
        if let Some(f) = go_parse_float(&plain) {
            return Resolved::Float(f);
        }
    }
    if let Some(rest) = plain.strip_prefix("0b") {
        if let Some(r) = parse_bin(rest, false) {
            return r;
        }
    } else if let Some(rest) = plain.strip_prefix("-0b") {
        if let Some(r) = parse_bin(rest, true) {
            return r;
        }
    }
    Resolved::Str
}

fn parse_bin(digits: &str, neg: bool) -> Option<Resolved> {
    if digits.is_empty() || !digits.bytes().all(|b| b == b'0' || b == b'1') {
        return None;
    }
    let u = u64::from_str_radix(digits, 2).ok()?;
    if neg {
        if u <= (i64::MAX as u64) + 1 {
            return Some(Resolved::Int((u as i64).wrapping_neg()));
        }
        None
    } else if u <= i64::MAX as u64 {
        Some(Resolved::Int(u as i64))
    } else {
        Some(Resolved::Uint(u))
    }
}

/// `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`
fn is_yaml_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if matches!(b.first(), Some(b'+' | b'-')) {
        i += 1;
    }
    let digits = |i: &mut usize| {
        let st = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - st
    };
    if b.get(i) == Some(&b'.') {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    } else {
        if digits(&mut i) == 0 {
            return false;
        }
        if b.get(i) == Some(&b'.') {
            i += 1;
            digits(&mut i);
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

/// Splits Go's base-0 integer syntax: optional sign, then prefix. Returns (negative, radix, digits).
fn split_base0(s: &str, allow_sign: bool) -> Option<(bool, u32, &str)> {
    let (neg, rest) = match s.as_bytes().first() {
        Some(b'+') if allow_sign => (false, &s[1..]),
        Some(b'-') if allow_sign => (true, &s[1..]),
        _ => (false, s),
    };
    let lower = |i: usize| rest.as_bytes().get(i).map(|c| c.to_ascii_lowercase());
    let (radix, digits) = if lower(0) == Some(b'0') {
        match lower(1) {
            Some(b'x') => (16, &rest[2..]),
            Some(b'o') => (8, &rest[2..]),
            Some(b'b') => (2, &rest[2..]),
            _ => (8, rest),
        }
    } else {
        (10, rest)
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    Some((neg, radix, digits))
}

/// Go's `strconv.ParseInt(s, 0, 64)` (no underscores: callers remove them).
pub(crate) fn go_parse_int_base0(s: &str) -> Option<i64> {
    let (neg, radix, digits) = split_base0(s, true)?;
    let u = u64::from_str_radix(digits, radix).ok()?;
    if neg {
        if u <= (i64::MAX as u64) + 1 {
            Some((u as i64).wrapping_neg())
        } else {
            None
        }
    } else if u <= i64::MAX as u64 {
        Some(u as i64)
    } else {
        None
    }
}

/// Go's `strconv.ParseUint(s, 0, 64)`.
fn go_parse_uint_base0(s: &str) -> Option<u64> {
    let (_, radix, digits) = split_base0(s, false)?;
    u64::from_str_radix(digits, radix).ok()
}

/// Go's `strconv.ParseFloat(s, 64)` for decimal syntax, failing on out-of-range values as Go
/// does (`1e400` is an error, so the text stays a string). Also accepts `inf`/`nan` forms.
pub(crate) fn go_parse_float(s: &str) -> Option<f64> {
    let body = s.strip_prefix(['+', '-']).unwrap_or(s);
    let lower = body.to_ascii_lowercase();
    if lower == "inf" || lower == "infinity" || lower == "nan" {
        return s.to_ascii_lowercase().parse::<f64>().ok();
    }
    // Go allows `_` only between digits; the YAML resolver has already removed them on the
    // number path, and on the `.` path we require their absence or proper placement.
    let cleaned: String = if s.contains('_') {
        if !underscores_ok(s) {
            return None;
        }
        s.chars().filter(|&c| c != '_').collect()
    } else {
        s.to_string()
    };
    let b = cleaned.as_bytes();
    let mut i = 0;
    if matches!(b.first(), Some(b'+' | b'-')) {
        i += 1;
    }
    let mut mant = 0;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
        mant += 1;
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
            mant += 1;
        }
    }
    if mant == 0 {
        return None;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let st = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == st {
            return None;
        }
    }
    if i != b.len() {
        return None;
    }
    let f: f64 = cleaned.parse().ok()?;
    if f.is_infinite() {
        return None;
    }
    Some(f)
}

fn underscores_ok(s: &str) -> bool {
    let b = s.as_bytes();
    for (i, &c) in b.iter().enumerate() {
        if c == b'_' {
            let prev = i.checked_sub(1).and_then(|j| b.get(j)).copied();
            let next = b.get(i + 1).copied();
            if !prev.is_some_and(|p| p.is_ascii_digit())
                || !next.is_some_and(|n| n.is_ascii_digit())
            {
                return false;
            }
        }
    }
    true
}

/// go-yaml v2's `isBase60Float`: `^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$`.
pub(crate) fn is_base60_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if matches!(b.first(), Some(b'+' | b'-')) {
        i += 1;
    }
    if !b.get(i).is_some_and(|c| c.is_ascii_digit()) {
        return false;
    }
    i += 1;
    while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'_') {
        i += 1;
    }
    let mut groups = 0;
    while b.get(i) == Some(&b':') {
        i += 1;
        let d1 = b.get(i).copied();
        let d2 = b.get(i + 1).copied();
        match (d1, d2) {
            (Some(x @ b'0'..=b'5'), Some(b'0'..=b'9')) if x.is_ascii_digit() => i += 2,
            (Some(b'0'..=b'9'), _) => i += 1,
            _ => return false,
        }
        groups += 1;
    }
    if groups == 0 {
        return false;
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'_') {
            i += 1;
        }
    }
    i == b.len()
}

/// go-yaml v2's timestamp check: starts with four digits and `-`, then parses with one of
/// the layouts `2006-1-2T15:4:5.999999999Z07:00` (also lower-case `t`),
/// `2006-1-2 15:4:5.999999999` or `2006-1-2`.
pub(crate) fn is_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() < 5 || !b[..4].iter().all(u8::is_ascii_digit) || b[4] != b'-' {
        return false;
    }
    let mut p = TsParser { b, i: 5 };
    let Some(year) = std::str::from_utf8(&b[..4])
        .ok()
        .and_then(|y| y.parse::<i32>().ok())
    else {
        return false;
    };
    let Some(month) = p.num12() else { return false };
    if !(1..=12).contains(&month) || !p.eat(b'-') {
        return false;
    }
    let Some(day) = p.num12() else { return false };
    if day < 1 || day > days_in(year, month) {
        return false;
    }
    if p.done() {
        return true;
    }
    let sep = p.b.get(p.i).copied();
    let tz_allowed = match sep {
        Some(b'T') | Some(b't') => true,
        Some(b' ') => false,
        _ => return false,
    };
    p.i += 1;
    let Some(h) = p.num12() else { return false };
    if h > 23 || !p.eat(b':') {
        return false;
    }
    let Some(m) = p.num12() else { return false };
    if m > 59 || !p.eat(b':') {
        return false;
    }
    let Some(sec) = p.num12() else { return false };
    if sec > 59 {
        return false;
    }
    if p.b.get(p.i) == Some(&b'.') {
        let st = p.i + 1;
        let mut j = st;
        while j < p.b.len() && p.b[j].is_ascii_digit() {
            j += 1;
        }
        if j == st {
            return false;
        }
        p.i = j;
    }
    if p.done() {
        return !tz_allowed || tz_allowed_without_zone();
    }
    if !tz_allowed {
        return false;
    }
    // Z07:00
    match p.b.get(p.i) {
        Some(b'Z') => {
            p.i += 1;
            p.done()
        }
        Some(b'+' | b'-') => {
            p.i += 1;
            let two = |p: &mut TsParser<'_>| -> Option<u32> {
                let d = p.b.get(p.i..p.i + 2)?;
                if !d.iter().all(u8::is_ascii_digit) {
                    return None;
                }
                p.i += 2;
                Some(u32::from(d[0] - b'0') * 10 + u32::from(d[1] - b'0'))
            };
            let Some(hh) = two(&mut p) else { return false };
            if hh > 24 || !p.eat(b':') {
                return false;
            }
            let Some(mm) = two(&mut p) else { return false };
            mm < 60 && p.done()
        }
        _ => false,
    }
}

/// The RFC 3339 layouts require a zone.
fn tz_allowed_without_zone() -> bool {
    false
}

struct TsParser<'a> {
    b: &'a [u8],
    i: usize,
}

impl TsParser<'_> {
    /// One or two digits (Go's `1`/`15`/`4`/`5` layout elements).
    fn num12(&mut self) -> Option<u32> {
        let mut n = 0u32;
        let st = self.i;
        while self.i < self.b.len() && self.i - st < 2 && self.b[self.i].is_ascii_digit() {
            n = n * 10 + u32::from(self.b[self.i] - b'0');
            self.i += 1;
        }
        (self.i > st).then_some(n)
    }
    fn eat(&mut self, c: u8) -> bool {
        if self.b.get(self.i) == Some(&c) {
            self.i += 1;
            true
        } else {
            false
        }
    }
    fn done(&self) -> bool {
        self.i == self.b.len()
    }
}

fn days_in(year: i32, month: u32) -> u32 {
    match month {
        2 => {
            if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 {
                29
            } else {
                28
            }
        }
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn yaml11_bools_only_in_listed_spellings() {
        assert_eq!(resolve_plain("yes"), Resolved::Bool(true));
        assert_eq!(resolve_plain("Off"), Resolved::Bool(false));
        assert_eq!(resolve_plain("yES"), Resolved::Str);
        assert_eq!(resolve_plain("oN"), Resolved::Str);
    }

    #[test]
    fn numbers_follow_go_parsing() {
        assert_eq!(resolve_plain("0755"), Resolved::Int(493));
        assert_eq!(resolve_plain("1_000"), Resolved::Int(1000));
        assert_eq!(resolve_plain("0x_1f"), Resolved::Int(31));
        assert_eq!(resolve_plain("-0b11"), Resolved::Int(-3));
        assert_eq!(resolve_plain("08"), Resolved::Float(8.0));
        assert_eq!(resolve_plain("1e400"), Resolved::Str);
        assert_eq!(resolve_plain("0x1p3"), Resolved::Str);
        assert_eq!(resolve_plain(".5"), Resolved::Float(0.5));
        assert_eq!(resolve_plain("."), Resolved::Str);
        assert_eq!(
            resolve_plain("0xffffffffffffffff"),
            Resolved::Uint(u64::MAX)
        );
        assert_eq!(resolve_plain(".Nan"), Resolved::Str);
    }

    #[test]
    fn timestamps_and_base60() {
        assert!(is_timestamp("2006-01-02"));
        assert!(is_timestamp("2001-12-14t21:59:43.10-05:00"));
        assert!(is_timestamp("2001-12-14 21:59:43.10"));
        assert!(!is_timestamp("2001-12-14 21:59:43.10 -5"));
        assert!(!is_timestamp("2001-02-30"));
        assert!(is_base60_float("12:30"));
        assert!(is_base60_float("-1:20:30.5"));
        assert!(!is_base60_float("1:60"));
    }
}
