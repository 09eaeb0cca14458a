//! Go byte strings inside Rust `str`s.
//!
//! A Go string may hold any bytes; a [`Value::Str`](crate::Value::Str) holds UTF-8. The
//! bridge: every byte of a Go string that is not part of valid UTF-8 is kept as one
//! *escape character*, byte `b` (`0x80..=0xFF`) as the char `U+10FF00 + b`
//! (`U+10FF80..=U+10FFFF`, the top of plane 16, private use). Valid UTF-8 is kept as it
//! is, so an ordinary string never changes and costs nothing extra: the checks below
//! first look for the lead byte `0xF4` that every escape character starts with.
//!
//! The one deviation: a real input that holds one of those 128 code points reads back as
//! the single byte it stands for.
//!
//! Invalid bytes are escaped one at a time, exactly as Go's UTF-8 decoder consumes them
//! (`for range`, `utf8.DecodeRuneInString`): each yields `U+FFFD` with width 1.

use std::borrow::Cow;

/// First escape character: the byte `0x80`.
const ESC_MIN: u32 = 0x10FF80;
/// Offset from a byte to its escape character.
const ESC_BASE: u32 = 0x10FF00;

/// The escape character for a byte that is not part of valid UTF-8 (`0x80..=0xFF`).
pub fn escape_byte(b: u8) -> char {
    // 0x10FF00 + b is at most 0x10FFFF, always a valid scalar value.
    char::from_u32(ESC_BASE + u32::from(b)).unwrap_or(char::REPLACEMENT_CHARACTER)
}

/// The byte an escape character stands for, or `None` for any other char.
#[inline]
pub fn escaped_byte(c: char) -> Option<u8> {
    let v = c as u32;
    if v >= ESC_MIN {
        u8::try_from(v - ESC_BASE).ok()
    } else {
        None
    }
}

/// Whether `s` may hold an escape character (cheap: one byte search). `false` means
/// `s` is exactly its Go bytes.
#[inline]
pub fn has_escapes(s: &str) -> bool {
    // Escape chars are F4 8F BE 80 ..= F4 8F BF BF in UTF-8.
    let b = s.as_bytes();
    if !b.contains(&0xF4) {
        return false;
    }
    b.windows(3)
        .any(|w| w[0] == 0xF4 && w[1] == 0x8F && (w[2] == 0xBE || w[2] == 0xBF))
}

/// A Go string's bytes as a `str`: valid UTF-8 is borrowed as it is, each byte that is
/// not part of valid UTF-8 becomes its escape character.
pub fn from_go_bytes(b: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(b) {
        Ok(s) => Cow::Borrowed(s),
        Err(_) => Cow::Owned(escape_invalid(b)),
    }
}

/// [`from_go_bytes`] for an owned buffer (no copy when it is valid UTF-8).
pub fn from_go_vec(b: Vec<u8>) -> String {
    match String::from_utf8(b) {
        Ok(s) => s,
        Err(e) => escape_invalid(e.as_bytes()),
    }
}

fn escape_invalid(mut b: &[u8]) -> String {
    let mut out = String::with_capacity(b.len() + 8);
    loop {
        match std::str::from_utf8(b) {
            Ok(s) => {
                out.push_str(s);
                return out;
            }
            Err(e) => {
                let (good, rest) = b.split_at(e.valid_up_to());
                // `good` is valid UTF-8 by construction.
                out.push_str(std::str::from_utf8(good).unwrap_or_default());
                // The bytes of one invalid sequence are each invalid on their own (the
                // ones after the first are continuation bytes), so escape them one by one.
                let n = e.error_len().unwrap_or(rest.len()).max(1).min(rest.len());
                for &x in rest.iter().take(n) {
                    out.push(escape_byte(x));
                }
                b = rest.get(n..).unwrap_or_default();
            }
        }
    }
}

/// The Go bytes a `str` stands for (borrowed when it holds no escape character).
pub fn to_go_bytes(s: &str) -> Cow<'_, [u8]> {
    if !has_escapes(s) {
        return Cow::Borrowed(s.as_bytes());
    }
    let mut out = Vec::with_capacity(s.len());
    let mut buf = [0u8; 4];
    for c in s.chars() {
        match escaped_byte(c) {
            Some(b) => out.push(b),
            None => out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes()),
        }
    }
    Cow::Owned(out)
}

/// [`to_go_bytes`] for an owned string (no copy when it holds no escape character).
pub fn into_go_bytes(s: String) -> Vec<u8> {
    match to_go_bytes(&s) {
        Cow::Borrowed(_) => s.into_bytes(),
        Cow::Owned(v) => v,
    }
}

/// Go's `len` of the string: its byte count.
pub fn go_len(s: &str) -> usize {
    if !has_escapes(s) {
        return s.len();
    }
    // Each escape char is 4 UTF-8 bytes for 1 Go byte.
    s.len() - 3 * s.chars().filter(|c| escaped_byte(*c).is_some()).count()
}

/// The canonical form of a string: escape characters that together spell valid UTF-8
/// (after concatenating pieces of a multi-byte character) become that character.
pub fn normalize(s: &str) -> Cow<'_, str> {
    if !has_escapes(s) {
        return Cow::Borrowed(s);
    }
    match to_go_bytes(s) {
        Cow::Borrowed(_) => Cow::Borrowed(s),
        Cow::Owned(b) => {
            let t = from_go_vec(b);
            if t == s {
                Cow::Borrowed(s)
            } else {
                Cow::Owned(t)
            }
        }
    }
}

/// The string as Go's rune decoding sees it: each invalid byte is `U+FFFD`. For
/// functions that rebuild a string rune by rune (`strings.Map`, `encoding/json`).
pub fn lossy(s: &str) -> Cow<'_, str> {
    if !has_escapes(s) {
        return Cow::Borrowed(s);
    }
    Cow::Owned(
        s.chars()
            .map(|c| match escaped_byte(c) {
                Some(_) => char::REPLACEMENT_CHARACTER,
                None => c,
            })
            .collect(),
    )
}

/// The Go byte at index `i`, or `None` when out of range.
pub fn byte_at(s: &str, i: usize) -> Option<u8> {
    if !has_escapes(s) {
        return s.as_bytes().get(i).copied();
    }
    to_go_bytes(s).get(i).copied()
}

/// Go's `s[from:to]` (byte offsets), or `None` when out of range. Cutting through a
/// multi-byte character leaves its pieces as escape characters, as Go leaves the bytes.
pub fn slice(s: &str, from: usize, to: usize) -> Option<Cow<'_, str>> {
    if from > to {
        return None;
    }
    if !has_escapes(s) {
        if let Some(t) = s.get(from..to) {
            return Some(Cow::Borrowed(t));
        }
        let b = s.as_bytes().get(from..to)?;
        return Some(Cow::Owned(escape_invalid(b)));
    }
    let b = to_go_bytes(s);
    let part = b.get(from..to)?;
    Some(Cow::Owned(from_go_bytes(part).into_owned()))
}

/// What go-yaml's reader reports for the first byte sequence of `s` that is not valid
/// UTF-8 (`"invalid leading UTF-8 octet"`, …), or `None` when the Go bytes are valid.
pub fn yaml_utf8_error(s: &str) -> Option<&'static str> {
    if !has_escapes(s) {
        return None;
    }
    let b = to_go_bytes(s);
    let at = std::str::from_utf8(&b).err()?.valid_up_to();
    let raw = b.get(at..)?;
    let lead = *raw.first()?;
    let width = match lead {
        x if x & 0x80 == 0 => 1,
        x if x & 0xE0 == 0xC0 => 2,
        x if x & 0xF0 == 0xE0 => 3,
        x if x & 0xF8 == 0xF0 => 4,
        _ => return Some("invalid leading UTF-8 octet"),
    };
    if raw.len() < width {
        return Some("incomplete UTF-8 octet sequence");
    }
    let mut value = u32::from(lead) & [0x7F, 0x1F, 0x0F, 0x07][width - 1];
    for &t in raw.get(1..width).unwrap_or_default() {
        if t & 0xC0 != 0x80 {
            return Some("invalid trailing UTF-8 octet");
        }
        value = (value << 6) | u32::from(t & 0x3F);
    }
    let min = [0, 0x80, 0x800, 0x10000][width - 1];
    if value < min {
        return Some("invalid length of a UTF-8 sequence");
    }
    Some("invalid Unicode character")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_utf8_is_unchanged_and_borrowed() {
        for s in ["", "abc", "日本😀", "\u{10FF7F}"] {
            assert!(matches!(from_go_bytes(s.as_bytes()), Cow::Borrowed(t) if t == s));
            assert!(matches!(to_go_bytes(s), Cow::Borrowed(b) if b == s.as_bytes()));
            assert_eq!(go_len(s), s.len());
        }
    }

    #[test]
    fn invalid_bytes_round_trip_one_escape_each() {
        let all: Vec<u8> = (0..=255u8).collect();
        let s = from_go_bytes(&all);
        assert_eq!(s.chars().count(), 256);
        assert_eq!(to_go_bytes(&s).as_ref(), &all[..]);
        assert_eq!(go_len(&s), 256);
        // A truncated multi-byte character: two invalid bytes, then a valid one.
        let b = b"\xe6\x97x\xe6\x97\xa5";
        let s = from_go_bytes(b);
        assert_eq!(s.chars().count(), 4);
        assert!(s.ends_with("x\u{65e5}"));
        assert_eq!(to_go_bytes(&s).as_ref(), b);
    }

    #[test]
    fn byte_slicing_and_normalize() {
        let s = "a日b";
        let cut = slice(s, 0, 2).unwrap_or_default();
        assert_eq!(go_len(&cut), 2);
        assert_eq!(to_go_bytes(&cut).as_ref(), b"a\xe6");
        let rest = slice(s, 2, 5).unwrap_or_default();
        let joined = format!("{cut}{rest}");
        assert_eq!(normalize(&joined), s);
        assert_eq!(byte_at(&joined, 1), Some(0xe6));
        assert_eq!(lossy(&cut), "a\u{fffd}");
        assert!(slice(s, 3, 2).is_none());
        assert!(slice(s, 0, 6).is_none());
    }

    #[test]
    fn yaml_reader_messages() {
        let msg = |b: &[u8]| yaml_utf8_error(&from_go_bytes(b));
        assert_eq!(msg(b"a: 1"), None);
        assert_eq!(msg(b"a: x\xffy"), Some("invalid leading UTF-8 octet"));
        assert_eq!(msg(b"a: \xe6\x97"), Some("incomplete UTF-8 octet sequence"));
        assert_eq!(msg(b"a: \xe6\x97x"), Some("invalid trailing UTF-8 octet"));
        assert_eq!(
            msg(b"a: \xc0\x80"),
            Some("invalid length of a UTF-8 sequence")
        );
        assert_eq!(msg(b"a: \xed\xa0\x80"), Some("invalid Unicode character"));
    }
}
