//! Go's `strconv` number parsing, as the template parser and the function libraries use it:
//! `ParseInt`/`ParseUint` with base prefixes and underscores, `Atoi`, `ParseFloat`.

/// Go's `strconv.underscoreOK`: underscores only between digits, or between a base
/// prefix and a digit.
pub fn underscore_ok(s: &str) -> bool {
    let b = s.as_bytes();
    let mut saw = b'^';
    let mut i = 0;
    let b = if !b.is_empty() && (b[0] == b'-' || b[0] == b'+') {
        &b[1..]
    } else {
        b
    };
    let mut hex = false;
    if b.len() >= 2 && b[0] == b'0' && matches!(b[1].to_ascii_lowercase(), b'b' | b'o' | b'x') {
        i = 2;
        saw = b'0';
        hex = b[1].eq_ignore_ascii_case(&b'x');
    }
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_digit() || (hex && c.to_ascii_lowercase().is_ascii_hexdigit()) {
            saw = b'0';
        } else if c == b'_' {
            if saw != b'0' {
                return false;
            }
            saw = b'_';
        } else {
            if saw == b'_' {
                return false;
            }
            saw = b'!';
        }
        i += 1;
    }
    saw != b'_'
}

/// Go's `strconv.ParseUint(s, base, 64)` for base 0 or 2..=36 (no sign accepted).
pub fn parse_uint(s: &str, base: u32) -> Option<u64> {
    if s.is_empty() {
        return None;
    }
    let base0 = base == 0;
    let orig = s;
    let mut base = base;
    let mut digits = s;
    if base0 {
        base = 10;
        let b = s.as_bytes();
        if b[0] == b'0' {
            if b.len() >= 3 && b[1].eq_ignore_ascii_case(&b'b') {
                base = 2;
                digits = &s[2..];
            } else if b.len() >= 3 && b[1].eq_ignore_ascii_case(&b'o') {
                base = 8;
                digits = &s[2..];
            } else if b.len() >= 3 && b[1].eq_ignore_ascii_case(&b'x') {
                base = 16;
                digits = &s[2..];
            } else {
                base = 8;
                digits = &s[1..];
            }
        }
    } else if !(2..=36).contains(&base) {
        return None;
    }
    let mut n: u64 = 0;
    let mut underscores = false;
    for c in digits.bytes() {
        if c == b'_' && base0 {
            underscores = true;
            continue;
        }
        let d = match c {
            b'0'..=b'9' => u32::from(c - b'0'),
            b'a'..=b'z' => u32::from(c - b'a') + 10,
            b'A'..=b'Z' => u32::from(c - b'A') + 10,
            _ => return None,
        };
        if d >= base {
            return None;
        }
        n = n.checked_mul(u64::from(base))?.checked_add(u64::from(d))?;
    }
    if underscores && !underscore_ok(orig) {
        return None;
    }
    Some(n)
}

/// Go's `strconv.ParseInt(s, base, 64)`: `None` on a syntax or range error.
pub fn parse_int(s: &str, base: u32) -> Option<i64> {
    if s.is_empty() {
        return None;
    }
    let (neg, body) = match s.as_bytes()[0] {
        b'+' => (false, &s[1..]),
        b'-' => (true, &s[1..]),
        _ => (false, s),
    };
    let un = parse_uint(body, base)?;
    const CUTOFF: u64 = 1 << 63;
    if !neg && un >= CUTOFF {
        return None;
    }
    if neg && un > CUTOFF {
        return None;
    }
    Some(if neg {
        (un as i64).wrapping_neg()
    } else {
        un as i64
    })
}

/// Go's `strconv.Atoi`: base 10 only, no underscores, no prefixes.
pub fn atoi(s: &str) -> Option<i64> {
    if s.is_empty() {
        return None;
    }
    let (neg, body) = match s.as_bytes()[0] {
        b'+' => (false, &s[1..]),
        b'-' => (true, &s[1..]),
        _ => (false, s),
    };
    if body.is_empty() || !body.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let un = parse_uint(body, 10)?;
    const CUTOFF: u64 = 1 << 63;
    if (!neg && un >= CUTOFF) || (neg && un > CUTOFF) {
        return None;
    }
    Some(if neg {
        (un as i64).wrapping_neg()
    } else {
        un as i64
    })
}

/// Go's `strconv.ParseFloat(s, 64)`: `None` on a syntax error or an overflow.
pub fn parse_float(s: &str) -> Option<f64> {
    if s.is_empty() {
        return None;
    }
    // Special values: [+-]inf, [+-]infinity, nan (case-insensitive).
    let (sign, rest) = match s.as_bytes()[0] {
        b'+' => (1.0, &s[1..]),
        b'-' => (-1.0, &s[1..]),
        _ => (1.0, s),
    };
    let lower = rest.to_ascii_lowercase();
    if lower == "inf" || lower == "infinity" {
        return Some(sign * f64::INFINITY);
    }
    if s.eq_ignore_ascii_case("nan") {
        return Some(f64::NAN);
    }
    if s.contains('_') && !underscore_ok(s) {
        return None;
    }
    let cleaned: String = s.chars().filter(|&c| c != '_').collect();
    let (sign, body) = match cleaned.as_bytes().first() {
        Some(b'+') => (1.0, &cleaned[1..]),
        Some(b'-') => (-1.0, &cleaned[1..]),
        _ => (1.0, &cleaned[..]),
    };
    let bb = body.as_bytes();
    let v = if bb.len() > 2 && bb[0] == b'0' && bb[1].eq_ignore_ascii_case(&b'x') {
        parse_hex_float(&body[2..])?
    } else {
        // Go's decimal grammar: digits [. digits] | . digits, then [eE [+-] digits].
        let mut i = 0;
        let mut mant = 0;
        while i < bb.len() && bb[i].is_ascii_digit() {
            i += 1;
            mant += 1;
        }
        if i < bb.len() && bb[i] == b'.' {
            i += 1;
            while i < bb.len() && bb[i].is_ascii_digit() {
                i += 1;
                mant += 1;
            }
        }
        if mant == 0 {
            return None;
        }
        if i < bb.len() && (bb[i] == b'e' || bb[i] == b'E') {
            i += 1;
            if i < bb.len() && (bb[i] == b'+' || bb[i] == b'-') {
                i += 1;
            }
            let start = i;
            while i < bb.len() && bb[i].is_ascii_digit() {
                i += 1;
            }
            if i == start {
                return None;
            }
        }
        if i != bb.len() {
            return None;
        }
        body.parse::<f64>().ok()?
    };
    if v.is_infinite() {
        return None;
    }
    Some(sign * v)
}

/// A hexadecimal float mantissa and its mandatory `p` exponent (after `0x`).
fn parse_hex_float(s: &str) -> Option<f64> {
    let b = s.as_bytes();
    let mut i = 0;
    let mut mant: f64 = 0.0;
    let mut digits = 0;
    let mut frac_digits: i32 = 0;
    let mut seen_dot = false;
    while i < b.len() {
        let c = b[i];
        if c == b'.' && !seen_dot {
            seen_dot = true;
        } else if c.is_ascii_hexdigit() {
            let d = f64::from((c as char).to_digit(16)?);
            mant = mant * 16.0 + d;
            digits += 1;
            if seen_dot {
                frac_digits += 1;
            }
        } else {
            break;
        }
        i += 1;
    }
    if digits == 0 || i >= b.len() || (b[i] != b'p' && b[i] != b'P') {
        return None;
    }
    i += 1;
    let mut esign = 1i32;
    if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
        if b[i] == b'-' {
            esign = -1;
        }
        i += 1;
    }
    let start = i;
    let mut e: i32 = 0;
    while i < b.len() && b[i].is_ascii_digit() {
        e = e.saturating_mul(10).saturating_add(i32::from(b[i] - b'0'));
        i += 1;
    }
    if i == start || i != b.len() {
        return None;
    }
    let exp = esign
        .saturating_mul(e)
        .saturating_sub(frac_digits.saturating_mul(4));
    Some(mant * 2f64.powi(exp))
}
