//! Go's `fmt` printing of template values: `%v` and every `printf` verb, flag, width and
//! precision, with Go's inline error forms (`%!d(string=x)`, `%!s(MISSING)`, …).
//!
//! This follows Go 1.23's `fmt` (`print.go`, `format.go`) and `strconv` (`ftoa.go`,
//! `quote.go`) as `text/template` uses them, over [`Value`]:
//!
//! * operands are Go `interface{}` values: `Value::Nil` is a nil interface, list and map
//!   elements are interface values too (so a nil element prints `<nil>` whatever the verb);
//! * map keys are strings and are formatted with the same verb as the values;
//! * [`Value::Object`]s that describe a Go struct ([`Object::go_struct`]) or a named slice
//!   or map type ([`Object::underlying`]) print as Go prints those, field by field with
//!   every verb and `%+v`/`%#v` (a pointer nested in a value prints as an address of Go's
//!   shape, not reproducible, as in Go); other objects behave like Go types with a
//!   `String()` method: `%v %s %q %x %X` format [`Object::format`]; other verbs report a
//!   bad verb.
//!
//! Known approximations: `%#v` of an object that is not a struct prints its `format()`,
//! and `%p` prints an address that, like Go's, is not stable from run to run.
//!
//! [`Object::go_struct`]: crate::value::Object::go_struct
//! [`Object::underlying`]: crate::value::Object::underlying
//! [`Object::format`]: crate::value::Object::format

mod isprint;

use crate::value::Value;

const LDIGITS: &[u8; 17] = b"0123456789abcdefx";
const UDIGITS: &[u8; 17] = b"0123456789ABCDEFX";
const MAX_RUNE: u64 = 0x10FFFF;

/// Go's `fmt.Sprintf(format, args...)`.
pub fn sprintf(format: &str, args: &[Value]) -> String {
    let mut p = Printer::default();
    p.do_printf(format, args);
    p.finish()
}

/// Go's `fmt.Sprint(args...)`: a space between two operands when neither is a string.
pub fn sprint(args: &[Value]) -> String {
    let mut p = Printer::default();
    let mut prev_string = false;
    for (i, a) in args.iter().enumerate() {
        let is_string = is_string_kind(a);
        if i > 0 && !is_string && !prev_string {
            p.buf.push(b' ');
        }
        p.print_arg(a, 'v');
        prev_string = is_string;
    }
    p.finish()
}

/// Go's `fmt.Sprintln(args...)`: spaces between all operands and a trailing newline.
pub fn sprintln(args: &[Value]) -> String {
    let mut p = Printer::default();
    for (i, a) in args.iter().enumerate() {
        if i > 0 {
            p.buf.push(b' ');
        }
        p.print_arg(a, 'v');
    }
    p.buf.push(b'\n');
    p.finish()
}

/// `%v` of a value (nil prints `<nil>`): Go's `fmt.Sprint(v)`.
pub fn format_v(v: &Value) -> String {
    let mut p = Printer::default();
    p.print_arg(v, 'v');
    p.finish()
}

/// `%v` of a host object that is a Go struct or a pointer to one ([`Object::go_struct`]):
/// `{…}` field by field; with `deref`, a pointer prints as the struct it points to (as the
/// template engine prints a pointer result), else as `&{…}` (as fmt does).
///
/// [`Object::go_struct`]: crate::value::Object::go_struct
pub fn format_struct(o: &dyn crate::value::Object, deref: bool) -> String {
    let mut p = Printer::default();
    // Only a nested pointer needs the value itself (for its address); this one is on top.
    let v = Value::Nil;
    if let Some(fields) = o.go_struct() {
        let start = p.buf.len();
        p.print_struct(&v, o, &fields, 'v', 0);
        if deref && p.buf.get(start) == Some(&b'&') {
            p.buf.remove(start);
        }
    }
    p.finish()
}

/// The address Go would print for a pointer nested in a value. Go's heap addresses are
/// not reproducible from run to run; this one has their shape (`0xc000…`, as on amd64)
/// and differs between distinct objects.
fn pointer_address(v: &Value) -> u64 {
    let raw = match v {
        Value::Object(o) => std::sync::Arc::as_ptr(o) as *const u8 as usize as u64,
        _ => 0,
    };
    0xc000_000000 | (raw & 0x0fff_fff8)
}

/// `%v` of a float64: Go's `strconv.FormatFloat(f, 'g', -1, 64)`: the shortest digits
/// that round-trip, in exponent form iff the decimal exponent is < -4 or >= 6
/// (`1e+06`, `123456`, `0.0001`, `1e-05`, `-0`, `+Inf`, `NaN`).
pub fn format_float_v(f: f64) -> String {
    format_float(f, 'g', -1)
}

/// Go's `strconv.FormatFloat(f, fmt, prec, 64)` for `fmt` in `b e E f g G x X`;
/// `prec < 0` asks for the shortest representation that round-trips. Rounding is
/// exact (the decimal value of the binary float, ties to even), as in Go.
pub fn format_float(f: f64, fmt: char, prec: i32) -> String {
    let bits = f.to_bits();
    let neg = bits >> 63 != 0;
    let raw_exp = ((bits >> 52) & 0x7FF) as i32;
    let mut mant = bits & ((1u64 << 52) - 1);
    if raw_exp == 0x7FF {
        return if mant != 0 {
            "NaN".into()
        } else if neg {
            "-Inf".into()
        } else {
            "+Inf".into()
        };
    }
    let mut exp = if raw_exp == 0 {
        1
    } else {
        mant |= 1u64 << 52;
        raw_exp
    };
    exp -= 1023;
    match fmt {
        'b' => return fmt_b(neg, mant, exp),
        'x' | 'X' => return fmt_x(prec, fmt, neg, mant, exp),
        _ => {}
    }
    let abs = f.abs();
    let shortest = prec < 0;
    let mut prec = prec;
    let digs = if shortest {
        let d = Digits::shortest(abs);
        prec = match fmt {
            'e' | 'E' => (d.nd() - 1).max(0),
            'f' => (d.nd() - d.dp).max(0),
            _ => d.nd(),
        };
        d
    } else {
        match fmt {
            'e' | 'E' => Digits::significant(abs, prec as usize + 1),
            'f' => Digits::fixed(abs, prec as usize),
            'g' | 'G' => {
                if prec == 0 {
                    prec = 1;
                }
                Digits::significant(abs, prec as usize)
            }
            _ => return format!("%{fmt}"),
        }
    };
    let mut out = String::new();
    match fmt {
        'e' | 'E' => fmt_e(&mut out, neg, &digs, prec, fmt),
        'f' => fmt_f(&mut out, neg, &digs, prec),
        'g' | 'G' => {
            let nd = digs.nd();
            let mut eprec = prec;
            if eprec > nd && nd >= digs.dp {
                eprec = nd;
            }
            if shortest {
                eprec = 6;
            }
            let x = digs.dp - 1;
            if x < -4 || x >= eprec {
                if prec > nd {
                    prec = nd;
                }
                let efmt = if fmt == 'g' { 'e' } else { 'E' };
                fmt_e(&mut out, neg, &digs, prec - 1, efmt);
            } else {
                if prec > digs.dp {
                    prec = nd;
                }
                fmt_f(&mut out, neg, &digs, (prec - digs.dp).max(0));
            }
        }
        _ => return format!("%{fmt}"),
    }
    out
}

/// Go's `strconv.Quote`: a double-quoted Go string literal; non-printable runes are
/// escaped (`\n`, `\x01`, `\u00a0`, `\U0001f600`), printable Unicode is kept.
pub fn go_quote(s: &str) -> String {
    quote_with(&crate::bytestr::to_go_bytes(s), '"', false)
}

/// Go's `strconv.QuoteToASCII` (used by `%+q`): like [`go_quote`], but every non-ASCII
/// rune is escaped.
pub fn go_quote_ascii(s: &str) -> String {
    quote_with(&crate::bytestr::to_go_bytes(s), '"', true)
}

/// Go's `unicode.IsPrint` / `strconv.IsPrint` (Unicode 15.0, as in Go 1.23): letters,
/// marks, numbers, punctuation, symbols and the ASCII space.
pub fn is_print(r: char) -> bool {
    is_print_u32(r as u32)
}

fn is_print_u32(c: u32) -> bool {
    if c < 0x80 {
        return (0x20..0x7F).contains(&c);
    }
    isprint::PRINT_RANGES
        .binary_search_by(|&(lo, hi)| {
            if hi < c {
                std::cmp::Ordering::Less
            } else if lo > c {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        })
        .is_ok()
}

// ---------------------------------------------------------------------------------------
// strconv: quoting

/// Splits bytes into Go's rune sequence: each valid UTF-8 sequence is one rune; each byte
/// of an invalid sequence is `Err(byte)` (Go decodes it as RuneError of width 1).
fn for_each_rune(mut b: &[u8], mut f: impl FnMut(Result<char, u8>)) {
    while !b.is_empty() {
        match std::str::from_utf8(b) {
            Ok(s) => {
                s.chars().for_each(|c| f(Ok(c)));
                return;
            }
            Err(e) => {
                let (good, rest) = b.split_at(e.valid_up_to());
                // `good` is valid UTF-8 by construction.
                String::from_utf8_lossy(good).chars().for_each(|c| f(Ok(c)));
                if let Some((&bad, tail)) = rest.split_first() {
                    f(Err(bad));
                    b = tail;
                } else {
                    return;
                }
            }
        }
    }
}

/// Number of runes as Go's `utf8.RuneCount` counts them.
fn rune_count(b: &[u8]) -> usize {
    let mut n = 0;
    for_each_rune(b, |_| n += 1);
    n
}

fn push_hex(out: &mut String, v: u32, width: usize) {
    for i in (0..width).rev() {
        let d = ((v >> (4 * i)) & 0xF) as usize;
        out.push(LDIGITS.get(d).map_or('0', |&c| c as char));
    }
}

fn escape_rune(out: &mut String, r: char, quote: char, ascii_only: bool) {
    if r == quote || r == '\\' {
        out.push('\\');
        out.push(r);
        return;
    }
    if ascii_only {
        if r.is_ascii() && is_print(r) {
            out.push(r);
            return;
        }
    } else if is_print(r) {
        out.push(r);
        return;
    }
    match r {
        '\x07' => out.push_str("\\a"),
        '\x08' => out.push_str("\\b"),
        '\x0C' => out.push_str("\\f"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        '\x0B' => out.push_str("\\v"),
        _ => {
            let c = r as u32;
            if c < 0x20 || c == 0x7F {
                out.push_str("\\x");
                push_hex(out, c, 2);
            } else if c < 0x10000 {
                out.push_str("\\u");
                push_hex(out, c, 4);
            } else {
                out.push_str("\\U");
                push_hex(out, c, 8);
            }
        }
    }
}

fn quote_with(s: &[u8], quote: char, ascii_only: bool) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for_each_rune(s, |r| match r {
        Ok(c) => escape_rune(&mut out, c, quote, ascii_only),
        Err(b) => {
            out.push_str("\\x");
            push_hex(&mut out, u32::from(b), 2);
        }
    });
    out.push(quote);
    out
}

/// Go's `strconv.QuoteRune` / `QuoteRuneToASCII` of a code point given as Go's `rune(c)`
/// after `fmt` mapped values above U+10FFFF to U+FFFD.
fn quote_rune(c: u64, ascii_only: bool) -> String {
    let r = rune_or_error(c);
    let mut out = String::from("'");
    escape_rune(&mut out, r, '\'', ascii_only);
    out.push('\'');
    out
}

/// `rune(c)` as `fmt` uses it for `%c`/`%q`: invalid code points become U+FFFD.
fn rune_or_error(c: u64) -> char {
    if c > MAX_RUNE {
        return '\u{FFFD}';
    }
    u32::try_from(c)
        .ok()
        .and_then(char::from_u32)
        .unwrap_or('\u{FFFD}')
}

/// Go's `strconv.CanBackquote`.
fn can_backquote(s: &[u8]) -> bool {
    let mut ok = true;
    for_each_rune(s, |r| match r {
        Err(_) => ok = false,
        Ok(c) => {
            let bad = if c.len_utf8() > 1 {
                c == '\u{FEFF}'
            } else {
                (c < ' ' && c != '\t') || c == '`' || c == '\x7F'
            };
            if bad {
                ok = false;
            }
        }
    });
    ok
}

// ---------------------------------------------------------------------------------------
// strconv: floats

/// Decimal digits of |f|: value = 0.d1d2d3… × 10^dp, no trailing zeros; zero has no digits.
struct Digits {
    d: Vec<u8>,
    dp: i32,
}

impl Digits {
    fn nd(&self) -> i32 {
        self.d.len() as i32
    }

    /// Parses Rust's `{:e}` output `d.ddde±x` of a non-negative finite float.
    fn from_exp_form(s: &str) -> Digits {
        let (m, e) = s.split_once('e').unwrap_or((s, "0"));
        let x: i32 = e.parse().unwrap_or(0);
        let d: Vec<u8> = m.bytes().filter(u8::is_ascii_digit).collect();
        Digits { d, dp: x + 1 }.trimmed()
    }

    fn trimmed(mut self) -> Digits {
        let lead = self.d.iter().take_while(|&&c| c == b'0').count();
        if lead > 0 {
            self.d.drain(..lead);
            self.dp -= lead as i32;
        }
        while self.d.last() == Some(&b'0') {
            self.d.pop();
        }
        if self.d.is_empty() {
            self.dp = 0;
        }
        self
    }

    /// The shortest digits that read back as `abs` (Rust's and Go's shortest algorithms
    /// both pick the shortest digit string closest to the exact value).
    fn shortest(abs: f64) -> Digits {
        Digits::from_exp_form(&format!("{abs:e}"))
    }

    /// `n >= 1` significant digits, correctly rounded (ties to even on the exact value).
    fn significant(abs: f64, n: usize) -> Digits {
        Digits::from_exp_form(&format!("{:.*e}", n.saturating_sub(1), abs))
    }

    /// Rounded to `prec` digits after the decimal point.
    fn fixed(abs: f64, prec: usize) -> Digits {
        let s = format!("{abs:.prec$}");
        let (int, frac) = s.split_once('.').unwrap_or((&s, ""));
        let mut d: Vec<u8> = int.bytes().collect();
        d.extend(frac.bytes());
        Digits {
            d,
            dp: int.len() as i32,
        }
        .trimmed()
    }

    fn get(&self, i: i32) -> u8 {
        if i < 0 {
            return b'0';
        }
        self.d.get(i as usize).copied().unwrap_or(b'0')
    }
}

/// `%e`: -d.ddddde±dd
fn fmt_e(out: &mut String, neg: bool, d: &Digits, prec: i32, fmt: char) {
    if neg {
        out.push('-');
    }
    out.push(d.get(0) as char);
    if prec > 0 {
        out.push('.');
        for i in 1..=prec {
            out.push(d.get(i) as char);
        }
    }
    out.push(fmt);
    let mut x = if d.d.is_empty() { 0 } else { d.dp - 1 };
    if x < 0 {
        out.push('-');
        x = -x;
    } else {
        out.push('+');
    }
    if x < 10 {
        out.push('0');
    }
    out.push_str(&x.to_string());
}

/// `%f`: -ddddddd.ddddd
fn fmt_f(out: &mut String, neg: bool, d: &Digits, prec: i32) {
    if neg {
        out.push('-');
    }
    if d.dp > 0 {
        for i in 0..d.dp {
            out.push(d.get(i) as char);
        }
    } else {
        out.push('0');
    }
    if prec > 0 {
        out.push('.');
        for i in 0..prec {
            out.push(d.get(d.dp + i) as char);
        }
    }
}

/// `%b`: -ddddddddp±ddd (mantissa and binary exponent).
fn fmt_b(neg: bool, mant: u64, exp: i32) -> String {
    let e = exp - 52;
    format!(
        "{}{}p{}{}",
        if neg { "-" } else { "" },
        mant,
        if e >= 0 { "+" } else { "" },
        e
    )
}

/// `%x`: -0x1.yyyyyyyyp±ddd (hexadecimal mantissa, binary exponent).
fn fmt_x(prec: i32, fmt: char, neg: bool, mant: u64, exp: i32) -> String {
    let mut mant = mant;
    let mut exp = if mant == 0 { 0 } else { exp };
    mant <<= 60 - 52;
    while mant != 0 && mant & (1 << 60) == 0 {
        mant <<= 1;
        exp -= 1;
    }
    if (0..15).contains(&prec) {
        let shift = (prec * 4) as u32;
        let extra = mant.wrapping_shl(shift) & ((1u64 << 60) - 1);
        mant >>= 60 - shift;
        if extra | (mant & 1) > 1 << 59 {
            mant += 1;
        }
        mant <<= 60 - shift;
        if mant & (1 << 61) != 0 {
            mant >>= 1;
            exp += 1;
        }
    }
    let hex = if fmt == 'X' { UDIGITS } else { LDIGITS };
    let digit = |m: u64| {
        hex.get(((m >> 60) & 15) as usize)
            .map_or('0', |&c| c as char)
    };
    let mut out = String::new();
    if neg {
        out.push('-');
    }
    out.push('0');
    out.push(fmt);
    out.push(if (mant >> 60) & 1 == 1 { '1' } else { '0' });
    mant <<= 4;
    if prec < 0 && mant != 0 {
        out.push('.');
        while mant != 0 {
            out.push(digit(mant));
            mant <<= 4;
        }
    } else if prec > 0 {
        out.push('.');
        for _ in 0..prec {
            out.push(digit(mant));
            mant <<= 4;
        }
    }
    out.push(if fmt == 'X' { 'P' } else { 'p' });
    if exp < 0 {
        out.push('-');
        exp = -exp;
    } else {
        out.push('+');
    }
    if exp < 10 {
        out.push('0');
    }
    out.push_str(&exp.to_string());
    out
}

// ---------------------------------------------------------------------------------------
// fmt: the printer

#[derive(Clone, Copy, Default)]
struct Flags {
    wid: usize,
    prec: usize,
    wid_present: bool,
    prec_present: bool,
    minus: bool,
    plus: bool,
    sharp: bool,
    space: bool,
    zero: bool,
    plus_v: bool,
    sharp_v: bool,
}

#[derive(Default)]
struct Printer {
    buf: Vec<u8>,
    f: Flags,
    erroring: bool,
    reordered: bool,
    good_arg_num: bool,
}

fn is_string_kind(v: &Value) -> bool {
    match v {
        Value::Str(_) => true,
        Value::Object(o) => o.kind_name() == "string",
        _ => false,
    }
}

/// Go's `tooLarge`: widths and precisions are limited to ±1e6.
fn too_large(x: i64) -> bool {
    !(-1_000_000..=1_000_000).contains(&x)
}

/// Go's `parsenum`: a decimal number at `s[start..end]`; on overflow the rest is consumed.
fn parse_num(s: &[u8], start: usize, end: usize) -> (usize, bool, usize) {
    if start >= end {
        return (0, false, end);
    }
    let mut num: i64 = 0;
    let mut isnum = false;
    let mut i = start;
    while i < end {
        let Some(&c) = s.get(i) else { break };
        if !c.is_ascii_digit() {
            break;
        }
        if too_large(num) {
            return (0, false, end);
        }
        num = num * 10 + i64::from(c - b'0');
        isnum = true;
        i += 1;
    }
    (num as usize, isnum, i)
}

/// Go's `parseArgNumber` on `s` starting at `[`: (index, bytes consumed, ok).
fn parse_arg_number(s: &[u8]) -> (i64, usize, bool) {
    if s.len() < 3 {
        return (0, 1, false);
    }
    for i in 1..s.len() {
        if s.get(i) == Some(&b']') {
            let (width, ok, newi) = parse_num(s, 1, i);
            if !ok || newi != i {
                return (0, i + 1, false);
            }
            return (width as i64 - 1, i + 1, true);
        }
    }
    (0, 1, false)
}

/// Go's `intFromArg`: an integer operand for `*` (value, is-int, next argument number).
fn int_from_arg(args: &[Value], arg_num: usize) -> (i64, bool, usize) {
    let Some(a) = args.get(arg_num) else {
        return (0, false, arg_num);
    };
    let (mut num, mut is_int) = match a {
        Value::Int(i, k) if !k.is_unsigned() => (*i, true),
        Value::Int(i, _) if *i >= 0 => (*i, true),
        _ => (0, false),
    };
    if too_large(num) {
        num = 0;
        is_int = false;
    }
    (num, is_int, arg_num + 1)
}

impl Printer {
    fn finish(self) -> String {
        crate::bytestr::from_go_vec(self.buf)
    }

    fn write_str(&mut self, s: &str) {
        self.buf.extend_from_slice(s.as_bytes());
    }

    fn write_char(&mut self, c: char) {
        let mut b = [0u8; 4];
        self.buf.extend_from_slice(c.encode_utf8(&mut b).as_bytes());
    }

    fn clear_flags(&mut self) {
        self.f = Flags::default();
    }

    // ---- format.go ----

    fn write_padding(&mut self, n: usize) {
        let pad = if self.f.zero && !self.f.minus {
            b'0'
        } else {
            b' '
        };
        self.buf.extend(std::iter::repeat_n(pad, n));
    }

    fn pad(&mut self, b: &[u8]) {
        if !self.f.wid_present || self.f.wid == 0 {
            self.buf.extend_from_slice(b);
            return;
        }
        let width = self.f.wid.saturating_sub(rune_count(b));
        if !self.f.minus {
            self.write_padding(width);
            self.buf.extend_from_slice(b);
        } else {
            self.buf.extend_from_slice(b);
            self.write_padding(width);
        }
    }

    fn pad_string(&mut self, s: &str) {
        self.pad(s.as_bytes());
    }

    fn fmt_boolean(&mut self, v: bool) {
        self.pad_string(if v { "true" } else { "false" });
    }

    fn fmt_unicode(&mut self, u: u64) {
        let mut prec = 4usize;
        if self.f.prec_present && self.f.prec > 4 {
            prec = self.f.prec;
        }
        let hex = format!("{u:X}");
        let mut s = String::from("U+");
        for _ in hex.len()..prec {
            s.push('0');
        }
        s.push_str(&hex);
        if self.f.sharp && u <= MAX_RUNE && is_print_u32(u as u32) {
            if let Some(c) = char::from_u32(u as u32) {
                s.push_str(" '");
                s.push(c);
                s.push('\'');
            }
        }
        let old_zero = self.f.zero;
        self.f.zero = false;
        self.pad_string(&s);
        self.f.zero = old_zero;
    }

    fn fmt_integer(&mut self, u: u64, base: u64, is_signed: bool, verb: char, digits: &[u8; 17]) {
        let negative = is_signed && (u as i64) < 0;
        let mut u = if negative { u.wrapping_neg() } else { u };
        let mut prec = 0usize;
        if self.f.prec_present {
            prec = self.f.prec;
            if prec == 0 && u == 0 {
                let old_zero = self.f.zero;
                self.f.zero = false;
                self.write_padding(self.f.wid);
                self.f.zero = old_zero;
                return;
            }
        } else if self.f.zero && !self.f.minus && self.f.wid_present {
            prec = self.f.wid;
            if negative || self.f.plus || self.f.space {
                prec = prec.saturating_sub(1);
            }
        }
        // Digits, least significant first.
        let mut rev: Vec<u8> = Vec::with_capacity(24);
        let digit = |d: u64| digits.get(d as usize).copied().unwrap_or(b'0');
        while u >= base {
            rev.push(digit(u % base));
            u /= base;
        }
        rev.push(digit(u));
        while prec > rev.len() {
            rev.push(b'0');
        }
        if self.f.sharp {
            match base {
                2 => rev.extend_from_slice(b"b0"),
                8 if rev.last() != Some(&b'0') => rev.push(b'0'),
                16 => {
                    rev.push(digits[16]);
                    rev.push(b'0');
                }
                _ => {}
            }
        }
        if verb == 'O' {
            rev.extend_from_slice(b"o0");
        }
        if negative {
            rev.push(b'-');
        } else if self.f.plus {
            rev.push(b'+');
        } else if self.f.space {
            rev.push(b' ');
        }
        rev.reverse();
        let old_zero = self.f.zero;
        self.f.zero = false;
        self.pad(&rev);
        self.f.zero = old_zero;
    }

    /// Go's `truncate`: at most `prec` runes when a precision is given.
    fn truncate<'a>(&self, b: &'a [u8]) -> &'a [u8] {
        if !self.f.prec_present {
            return b;
        }
        let mut n = self.f.prec;
        let mut i = 0usize;
        let mut cut = None;
        for_each_rune(b, |r| {
            if cut.is_some() {
                return;
            }
            if n == 0 {
                cut = Some(i);
                return;
            }
            n -= 1;
            i += match r {
                Ok(c) => c.len_utf8(),
                Err(_) => 1,
            };
        });
        match cut {
            Some(c) => b.get(..c).unwrap_or(b),
            None => b,
        }
    }

    fn fmt_s(&mut self, b: &[u8]) {
        let t = self.truncate(b).to_vec();
        self.pad(&t);
    }

    fn fmt_sbx(&mut self, b: &[u8], digits: &[u8; 17]) {
        let mut length = b.len();
        if self.f.prec_present && self.f.prec < length {
            length = self.f.prec;
        }
        let mut width = 2 * length;
        if width > 0 {
            if self.f.space {
                if self.f.sharp {
                    width *= 2;
                }
                width += length - 1;
            } else if self.f.sharp {
                width += 2;
            }
        } else {
            if self.f.wid_present {
                self.write_padding(self.f.wid);
            }
            return;
        }
        if self.f.wid_present && self.f.wid > width && !self.f.minus {
            self.write_padding(self.f.wid - width);
        }
        if self.f.sharp {
            self.buf.push(b'0');
            self.buf.push(digits[16]);
        }
        for (i, &c) in b.iter().take(length).enumerate() {
            if self.f.space && i > 0 {
                self.buf.push(b' ');
                if self.f.sharp {
                    self.buf.push(b'0');
                    self.buf.push(digits[16]);
                }
            }
            self.buf.push(digits[usize::from(c >> 4)]);
            self.buf.push(digits[usize::from(c & 0xF)]);
        }
        if self.f.wid_present && self.f.wid > width && self.f.minus {
            self.write_padding(self.f.wid - width);
        }
    }

    fn fmt_q(&mut self, b: &[u8]) {
        let s = self.truncate(b).to_vec();
        if self.f.sharp && can_backquote(&s) {
            let mut q = Vec::with_capacity(s.len() + 2);
            q.push(b'`');
            q.extend_from_slice(&s);
            q.push(b'`');
            self.pad(&q);
            return;
        }
        let q = quote_with(&s, '"', self.f.plus);
        self.pad_string(&q);
    }

    fn fmt_c(&mut self, c: u64) {
        let r = rune_or_error(c);
        let mut b = [0u8; 4];
        let s = r.encode_utf8(&mut b).to_owned();
        self.pad_string(&s);
    }

    fn fmt_qc(&mut self, c: u64) {
        let q = quote_rune(c, self.f.plus);
        self.pad_string(&q);
    }

    fn fmt_float(&mut self, v: f64, verb: char, prec: i32) {
        let prec = if self.f.prec_present {
            i32::try_from(self.f.prec).unwrap_or(i32::MAX)
        } else {
            prec
        };
        let s = format_float(v, verb, prec);
        let mut num: Vec<u8> = Vec::with_capacity(s.len() + 1);
        if s.starts_with('-') || s.starts_with('+') {
            num.extend_from_slice(s.as_bytes());
        } else {
            num.push(b'+');
            num.extend_from_slice(s.as_bytes());
        }
        if self.f.space && num.first() == Some(&b'+') && !self.f.plus {
            num[0] = b' ';
        }
        let second = num.get(1).copied();
        if second == Some(b'I') || second == Some(b'N') {
            let old_zero = self.f.zero;
            self.f.zero = false;
            if second == Some(b'N') && !self.f.space && !self.f.plus {
                num.remove(0);
            }
            self.pad(&num);
            self.f.zero = old_zero;
            return;
        }
        if self.f.sharp && verb != 'b' {
            let mut digits: i64 = match verb {
                'v' | 'g' | 'G' | 'x' => {
                    if prec == -1 {
                        6
                    } else {
                        i64::from(prec)
                    }
                }
                _ => 0,
            };
            let mut tail: Vec<u8> = Vec::new();
            let mut has_point = false;
            let mut saw_nonzero = false;
            let mut i = 1;
            while i < num.len() {
                let c = num[i];
                match c {
                    b'.' => has_point = true,
                    b'p' | b'P' => {
                        tail.extend_from_slice(&num[i..]);
                        num.truncate(i);
                    }
                    b'e' | b'E' if verb != 'x' && verb != 'X' => {
                        tail.extend_from_slice(&num[i..]);
                        num.truncate(i);
                    }
                    _ => {
                        if c != b'0' {
                            saw_nonzero = true;
                        }
                        if saw_nonzero {
                            digits -= 1;
                        }
                    }
                }
                i += 1;
            }
            if !has_point {
                if num.len() == 2 && num[1] == b'0' {
                    digits -= 1;
                }
                num.push(b'.');
            }
            while digits > 0 {
                num.push(b'0');
                digits -= 1;
            }
            num.extend_from_slice(&tail);
        }
        if self.f.plus || num.first() != Some(&b'+') {
            if self.f.zero && !self.f.minus && self.f.wid_present && self.f.wid > num.len() {
                self.buf.push(num[0]);
                self.write_padding(self.f.wid - num.len());
                self.buf.extend_from_slice(&num[1..]);
                return;
            }
            self.pad(&num);
            return;
        }
        self.pad(&num[1..]);
    }

    // ---- print.go ----

    fn bad_verb(&mut self, verb: char, arg: Option<&Value>) {
        self.erroring = true;
        self.write_str("%!");
        self.write_char(verb);
        self.buf.push(b'(');
        match arg {
            Some(a) if !a.is_nil() => {
                let t = a.type_name().into_owned();
                self.write_str(&t);
                self.buf.push(b'=');
                self.print_arg(a, 'v');
            }
            _ => self.write_str("<nil>"),
        }
        self.buf.push(b')');
        self.erroring = false;
    }

    fn fmt_bool(&mut self, v: bool, verb: char, arg: &Value) {
        match verb {
            't' | 'v' => self.fmt_boolean(v),
            _ => self.bad_verb(verb, Some(arg)),
        }
    }

    fn fmt_0x64(&mut self, v: u64, leading0x: bool) {
        let sharp = self.f.sharp;
        self.f.sharp = leading0x;
        self.fmt_integer(v, 16, false, 'v', LDIGITS);
        self.f.sharp = sharp;
    }

    fn fmt_int_verb(&mut self, v: u64, is_signed: bool, verb: char, arg: &Value) {
        match verb {
            'v' => {
                if self.f.sharp_v && !is_signed {
                    self.fmt_0x64(v, true);
                } else {
                    self.fmt_integer(v, 10, is_signed, verb, LDIGITS);
                }
            }
            'd' => self.fmt_integer(v, 10, is_signed, verb, LDIGITS),
            'b' => self.fmt_integer(v, 2, is_signed, verb, LDIGITS),
            'o' | 'O' => self.fmt_integer(v, 8, is_signed, verb, LDIGITS),
            'x' => self.fmt_integer(v, 16, is_signed, verb, LDIGITS),
            'X' => self.fmt_integer(v, 16, is_signed, verb, UDIGITS),
            'c' => self.fmt_c(v),
            'q' => self.fmt_qc(v),
            'U' => self.fmt_unicode(v),
            _ => self.bad_verb(verb, Some(arg)),
        }
    }

    fn fmt_float_verb(&mut self, v: f64, verb: char, arg: &Value) {
        match verb {
            'v' => self.fmt_float(v, 'g', -1),
            'b' | 'g' | 'G' | 'x' | 'X' => self.fmt_float(v, verb, -1),
            'f' | 'e' | 'E' => self.fmt_float(v, verb, 6),
            'F' => self.fmt_float(v, 'f', 6),
            _ => self.bad_verb(verb, Some(arg)),
        }
    }

    fn fmt_string(&mut self, s: &[u8], verb: char, arg: &Value) {
        match verb {
            'v' => {
                if self.f.sharp_v {
                    self.fmt_q(s);
                } else {
                    self.fmt_s(s);
                }
            }
            's' => self.fmt_s(s),
            'x' => self.fmt_sbx(s, LDIGITS),
            'X' => self.fmt_sbx(s, UDIGITS),
            'q' => self.fmt_q(s),
            _ => self.bad_verb(verb, Some(arg)),
        }
    }

    fn fmt_bytes(&mut self, b: &[u8], verb: char, type_string: &str) {
        match verb {
            'v' | 'd' => {
                if self.f.sharp_v {
                    self.write_str(type_string);
                    self.buf.push(b'{');
                    for (i, &c) in b.iter().enumerate() {
                        if i > 0 {
                            self.write_str(", ");
                        }
                        self.fmt_0x64(u64::from(c), true);
                    }
                    self.buf.push(b'}');
                } else {
                    self.buf.push(b'[');
                    for (i, &c) in b.iter().enumerate() {
                        if i > 0 {
                            self.buf.push(b' ');
                        }
                        self.fmt_integer(u64::from(c), 10, false, verb, LDIGITS);
                    }
                    self.buf.push(b']');
                }
            }
            's' => self.fmt_s(b),
            'x' => self.fmt_sbx(b, LDIGITS),
            'X' => self.fmt_sbx(b, UDIGITS),
            'q' => self.fmt_q(b),
            _ => self.print_slice_of_bytes(b, verb),
        }
    }

    /// A `[]uint8` printed element by element (verbs that `fmtBytes` does not handle).
    fn print_slice_of_bytes(&mut self, b: &[u8], verb: char) {
        if self.f.sharp_v {
            self.write_str("[]uint8{");
        } else {
            self.buf.push(b'[');
        }
        for (i, &c) in b.iter().enumerate() {
            if i > 0 {
                if self.f.sharp_v {
                    self.write_str(", ");
                } else {
                    self.buf.push(b' ');
                }
            }
            let elem = Value::Int(i64::from(c), crate::value::IntKind::Uint8);
            self.fmt_int_verb(u64::from(c), false, verb, &elem);
        }
        self.buf.push(if self.f.sharp_v { b'}' } else { b']' });
    }

    fn fmt_pointer(&mut self, arg: &Value, verb: char) {
        let addr = match arg {
            Value::List(l) => l.as_ptr() as *const u8 as usize,
            Value::Bytes(b) => b.as_ptr() as usize,
            Value::Map(m) => m as *const _ as usize,
            Value::Object(o) => std::sync::Arc::as_ptr(o) as *const u8 as usize,
            _ => {
                self.bad_verb(verb, Some(arg));
                return;
            }
        };
        let sharp = self.f.sharp;
        self.fmt_0x64(addr as u64, !sharp);
    }

    /// Go's `handleMethods` for objects: a `String()` for the string-accepting verbs.
    fn handle_methods(&mut self, arg: &Value, verb: char) -> bool {
        if self.erroring || self.f.sharp_v {
            return false;
        }
        let Value::Object(o) = arg else {
            return false;
        };
        // Structs and named slices and maps the engine models have no String method
        // fmt can see.
        if o.go_struct().is_some() || o.underlying().is_some() {
            return false;
        }
        match verb {
            'v' | 's' | 'x' | 'X' | 'q' => {
                // fmt sees a copy: a String method on the pointer type is not found.
                let s = o.format_raw();
                self.fmt_string(s.as_bytes(), verb, arg);
                true
            }
            _ => false,
        }
    }

    fn print_arg(&mut self, arg: &Value, verb: char) {
        if arg.is_nil() {
            match verb {
                'T' | 'v' => self.pad_string("<nil>"),
                _ => self.bad_verb(verb, None),
            }
            return;
        }
        match verb {
            'T' => {
                let t = arg.type_name().into_owned();
                self.fmt_s(t.as_bytes());
                return;
            }
            'p' => {
                self.fmt_pointer(arg, 'p');
                return;
            }
            _ => {}
        }
        match arg {
            Value::Bytes(b) => self.fmt_bytes(b, verb, "[]byte"),
            Value::List(_) | Value::Map(_) | Value::Object(_) => {
                if !self.handle_methods(arg, verb) {
                    self.print_value(arg, verb, 0);
                }
            }
            _ => self.print_value(arg, verb, 0),
        }
    }

    /// Go's `printValue`: `depth > 0` inside containers.
    fn print_value(&mut self, v: &Value, verb: char, depth: usize) {
        // Values nest as deep as templates make them; grow the stack instead of
        // overflowing it.
        stacker::maybe_grow(64 * 1024, 4 * 1024 * 1024, || {
            self.print_value_inner(v, verb, depth)
        })
    }

    fn print_value_inner(&mut self, v: &Value, verb: char, depth: usize) {
        if depth > 0 && self.handle_methods(v, verb) {
            return;
        }
        match v {
            Value::Nil => {
                // A nil interface inside a container prints the same for every verb.
                if self.f.sharp_v {
                    self.write_str("interface {}(nil)");
                } else {
                    self.write_str("<nil>");
                }
            }
            Value::Bool(b) => self.fmt_bool(*b, verb, v),
            Value::Int(i, k) => self.fmt_int_verb(*i as u64, !k.is_unsigned(), verb, v),
            Value::Float(f) => self.fmt_float_verb(*f, verb, v),
            Value::Str(s) => self.fmt_string(&crate::bytestr::to_go_bytes(s), verb, v),
            Value::Bytes(b) => {
                if depth == 0 {
                    self.print_slice_of_bytes(b, verb);
                } else {
                    match verb {
                        's' | 'q' | 'x' | 'X' => self.fmt_bytes(b, verb, "[]uint8"),
                        _ => self.print_slice_of_bytes(b, verb),
                    }
                }
            }
            Value::List(l) if l.is_nil() && self.f.sharp_v => {
                self.write_str(l.type_name());
                self.write_str("(nil)");
            }
            Value::Map(m) if m.is_nil() && self.f.sharp_v => {
                self.write_str(m.type_name());
                self.write_str("(nil)");
            }
            Value::List(l) => {
                if self.f.sharp_v {
                    self.write_str(l.type_name());
                    self.buf.push(b'{');
                } else {
                    self.buf.push(b'[');
                }
                for (i, e) in l.iter().enumerate() {
                    if i > 0 {
                        if self.f.sharp_v {
                            self.write_str(", ");
                        } else {
                            self.buf.push(b' ');
                        }
                    }
                    self.print_value(e, verb, depth + 1);
                }
                self.buf.push(if self.f.sharp_v { b'}' } else { b']' });
            }
            Value::Map(m) => {
                if self.f.sharp_v {
                    self.write_str(m.type_name());
                    self.buf.push(b'{');
                } else {
                    self.write_str("map[");
                }
                let entries = m.snapshot();
                for (i, (k, e)) in entries.iter().enumerate() {
                    if i > 0 {
                        if self.f.sharp_v {
                            self.write_str(", ");
                        } else {
                            self.buf.push(b' ');
                        }
                    }
                    let key = Value::str(k);
                    self.fmt_string(&crate::bytestr::to_go_bytes(k), verb, &key);
                    self.buf.push(b':');
                    self.print_value(e, verb, depth + 1);
                }
                self.buf.push(if self.f.sharp_v { b'}' } else { b']' });
            }
            Value::Object(o) => {
                if let Some(fields) = o.go_struct() {
                    self.print_struct(v, o.as_ref(), &fields, verb, depth);
                    return;
                }
                if let Some(u) = o.underlying() {
                    let tn = o.type_name();
                    self.print_container(&u, &tn, verb, depth);
                    return;
                }
                match verb {
                    'v' | 's' | 'x' | 'X' | 'q' => {
                        let s = o.format_raw();
                        self.write_str(&s);
                    }
                    _ => self.bad_verb(verb, Some(v)),
                }
            }
        }
    }

    /// A Go struct (or a pointer to one: `&{…}` at the top, its address inside a value).
    fn print_struct(
        &mut self,
        v: &Value,
        o: &dyn crate::value::Object,
        fields: &[crate::value::Field],
        verb: char,
        depth: usize,
    ) {
        let tn = o.type_name();
        if o.kind_name() == "ptr" {
            if depth > 0 {
                let addr = pointer_address(v);
                match verb {
                    'v' if self.f.sharp_v => {
                        self.buf.push(b'(');
                        self.write_str(&tn);
                        self.write_str(")(");
                        self.fmt_0x64(addr, true);
                        self.buf.push(b')');
                    }
                    'v' => {
                        let sharp = self.f.sharp;
                        self.fmt_0x64(addr, !sharp);
                    }
                    'p' => {
                        let sharp = self.f.sharp;
                        self.fmt_0x64(addr, !sharp);
                    }
                    'b' | 'o' | 'd' | 'x' | 'X' => {
                        let base = match verb {
                            'b' => 2,
                            'o' => 8,
                            'd' => 10,
                            _ => 16,
                        };
                        let digits = if verb == 'X' { UDIGITS } else { LDIGITS };
                        self.fmt_integer(addr, base, false, verb, digits);
                    }
                    _ => self.bad_verb(verb, Some(v)),
                }
                return;
            }
            self.buf.push(b'&');
        }
        if self.f.sharp_v {
            self.write_str(tn.strip_prefix('*').unwrap_or(&tn));
        }
        self.buf.push(b'{');
        for (i, f) in fields.iter().enumerate() {
            if i > 0 {
                if self.f.sharp_v {
                    self.write_str(", ");
                } else {
                    self.buf.push(b' ');
                }
            }
            if self.f.plus_v || self.f.sharp_v {
                self.write_str(f.name);
                self.buf.push(b':');
            }
            self.print_value(&f.value, verb, depth + 1);
        }
        self.buf.push(b'}');
    }

    /// A named slice or map type: printed as its underlying value, named in `%#v`.
    fn print_container(&mut self, u: &Value, type_name: &str, verb: char, depth: usize) {
        match u {
            Value::List(l) => {
                if self.f.sharp_v {
                    if l.is_nil() {
                        self.write_str(type_name);
                        self.write_str("(nil)");
                        return;
                    }
                    self.write_str(type_name);
                    self.buf.push(b'{');
                } else {
                    self.buf.push(b'[');
                }
                for (i, e) in l.iter().enumerate() {
                    if i > 0 {
                        if self.f.sharp_v {
                            self.write_str(", ");
                        } else {
                            self.buf.push(b' ');
                        }
                    }
                    self.print_value(e, verb, depth + 1);
                }
                self.buf.push(if self.f.sharp_v { b'}' } else { b']' });
            }
            Value::Map(m) => {
                if self.f.sharp_v {
                    if m.is_nil() {
                        self.write_str(type_name);
                        self.write_str("(nil)");
                        return;
                    }
                    self.write_str(type_name);
                    self.buf.push(b'{');
                } else {
                    self.write_str("map[");
                }
                let entries = m.snapshot();
                for (i, (k, e)) in entries.iter().enumerate() {
                    if i > 0 {
                        if self.f.sharp_v {
                            self.write_str(", ");
                        } else {
                            self.buf.push(b' ');
                        }
                    }
                    let key = Value::str(k);
                    self.fmt_string(&crate::bytestr::to_go_bytes(k), verb, &key);
                    self.buf.push(b':');
                    self.print_value(e, verb, depth + 1);
                }
                self.buf.push(if self.f.sharp_v { b'}' } else { b']' });
            }
            other => self.print_value(other, verb, depth),
        }
    }

    fn arg_number(
        &mut self,
        arg_num: usize,
        format: &[u8],
        i: usize,
        num_args: usize,
    ) -> (usize, usize, bool) {
        if format.get(i) != Some(&b'[') {
            return (arg_num, i, false);
        }
        self.reordered = true;
        let (index, wid, ok) = parse_arg_number(format.get(i..).unwrap_or_default());
        if ok && index >= 0 && (index as usize) < num_args {
            return (index as usize, i + wid, true);
        }
        self.good_arg_num = false;
        (arg_num, i + wid, ok)
    }

    fn do_printf(&mut self, format: &str, args: &[Value]) {
        let gfb = crate::bytestr::to_go_bytes(format);
        let fb: &[u8] = &gfb;
        let end = fb.len();
        let mut arg_num = 0usize;
        let mut after_index;
        self.reordered = false;
        let mut i = 0usize;
        'format_loop: while i < end {
            self.good_arg_num = true;
            let lasti = i;
            while i < end && fb[i] != b'%' {
                i += 1;
            }
            if i > lasti {
                self.buf.extend_from_slice(&fb[lasti..i]);
            }
            if i >= end {
                break;
            }
            i += 1; // the '%'
            self.clear_flags();
            while i < end {
                let c = fb[i];
                match c {
                    b'#' => self.f.sharp = true,
                    b'0' => self.f.zero = true,
                    b'+' => self.f.plus = true,
                    b'-' => self.f.minus = true,
                    b' ' => self.f.space = true,
                    _ => {
                        if c.is_ascii_lowercase() && arg_num < args.len() {
                            if c == b'v' || c == b'w' {
                                self.f.sharp_v = self.f.sharp;
                                self.f.sharp = false;
                                self.f.plus_v = self.f.plus;
                                self.f.plus = false;
                            }
                            self.print_arg(&args[arg_num], c as char);
                            arg_num += 1;
                            i += 1;
                            continue 'format_loop;
                        }
                        break;
                    }
                }
                i += 1;
            }

            // Explicit argument index?
            (arg_num, i, after_index) = self.arg_number(arg_num, fb, i, args.len());

            // Width.
            if i < end && fb[i] == b'*' {
                i += 1;
                let (w, ok, n) = int_from_arg(args, arg_num);
                arg_num = n;
                self.f.wid_present = ok;
                if !ok {
                    self.write_str("%!(BADWIDTH)");
                }
                if w < 0 {
                    self.f.wid = w.unsigned_abs() as usize;
                    self.f.minus = true;
                    self.f.zero = false;
                } else {
                    self.f.wid = w as usize;
                }
                after_index = false;
            } else {
                let (w, ok, ni) = parse_num(fb, i, end);
                self.f.wid = w;
                self.f.wid_present = ok;
                i = ni;
                if after_index && ok {
                    self.good_arg_num = false;
                }
            }

            // Precision.
            if i + 1 < end && fb[i] == b'.' {
                i += 1;
                if after_index {
                    self.good_arg_num = false;
                }
                (arg_num, i, after_index) = self.arg_number(arg_num, fb, i, args.len());
                if i < end && fb[i] == b'*' {
                    i += 1;
                    let (p, ok, n) = int_from_arg(args, arg_num);
                    arg_num = n;
                    if p < 0 {
                        self.f.prec = 0;
                        self.f.prec_present = false;
                    } else {
                        self.f.prec = p as usize;
                        self.f.prec_present = ok;
                    }
                    if !self.f.prec_present {
                        self.write_str("%!(BADPREC)");
                    }
                    after_index = false;
                } else {
                    let (p, ok, ni) = parse_num(fb, i, end);
                    i = ni;
                    self.f.prec = p;
                    self.f.prec_present = ok;
                    if !ok {
                        self.f.prec = 0;
                        self.f.prec_present = true;
                    }
                }
            }

            if !after_index {
                (arg_num, i, _) = self.arg_number(arg_num, fb, i, args.len());
            }

            if i >= end {
                self.write_str("%!(NOVERB)");
                break;
            }

            let verb = format
                .get(i..)
                .and_then(|s| s.chars().next())
                .unwrap_or('\u{FFFD}');
            i += verb.len_utf8();

            if verb == '%' {
                self.buf.push(b'%');
            } else if !self.good_arg_num {
                self.write_str("%!");
                self.write_char(verb);
                self.write_str("(BADINDEX)");
            } else if arg_num >= args.len() {
                self.write_str("%!");
                self.write_char(verb);
                self.write_str("(MISSING)");
            } else {
                if verb == 'v' || verb == 'w' {
                    self.f.sharp_v = self.f.sharp;
                    self.f.sharp = false;
                    self.f.plus_v = self.f.plus;
                    self.f.plus = false;
                }
                self.print_arg(&args[arg_num], verb);
                arg_num += 1;
            }
        }

        if !self.reordered && arg_num < args.len() {
            self.clear_flags();
            self.write_str("%!(EXTRA ");
            for (k, a) in args.iter().skip(arg_num).enumerate() {
                if k > 0 {
                    self.write_str(", ");
                }
                if a.is_nil() {
                    self.write_str("<nil>");
                } else {
                    let t = a.type_name().into_owned();
                    self.write_str(&t);
                    self.buf.push(b'=');
                    self.print_arg(a, 'v');
                }
            }
            self.buf.push(b')');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::{IntKind, Map};

    fn ff(f: f64, c: char, p: i32) -> String {
        format_float(f, c, p)
    }

    #[test]
    fn float_v_thresholds() {
        let cases: &[(f64, &str)] = &[
            (3.0, "3"),
            (1.5, "1.5"),
            (100000.0, "100000"),
            (123456.0, "123456"),
            (999999.0, "999999"),
            (1e6, "1e+06"),
            (1234567.0, "1.234567e+06"),
            (123456789.0, "1.23456789e+08"),
            (0.0001, "0.0001"),
            (0.00012, "0.00012"),
            (0.00001, "1e-05"),
            (1e20, "1e+20"),
            (1e21, "1e+21"),
            (1e100, "1e+100"),
            (-0.0, "-0"),
            (0.0, "0"),
            (f64::INFINITY, "+Inf"),
            (f64::NEG_INFINITY, "-Inf"),
            (f64::NAN, "NaN"),
            (5e-324, "5e-324"),
            (1.7976931348623157e308, "1.7976931348623157e+308"),
            (0.1 + 0.2, "0.30000000000000004"),
            (-2.5, "-2.5"),
        ];
        for (f, want) in cases {
            assert_eq!(format_float_v(*f), *want, "{f:e}");
        }
    }

    #[test]
    fn fixed_precision_rounds_half_even_on_exact_value() {
        assert_eq!(ff(2.5, 'f', 0), "2");
        assert_eq!(ff(3.5, 'f', 0), "4");
        assert_eq!(ff(0.5, 'f', 0), "0");
        assert_eq!(ff(1.005, 'f', 2), "1.00");
        assert_eq!(ff(0.125, 'f', 2), "0.12");
        assert_eq!(ff(0.375, 'f', 2), "0.38");
        assert_eq!(ff(2.675, 'f', 2), "2.67");
        assert_eq!(ff(0.001, 'f', 2), "0.00");
        assert_eq!(ff(-0.001, 'f', 2), "-0.00");
        assert_eq!(ff(1e21, 'f', -1), "1000000000000000000000");
        assert_eq!(ff(1.23456, 'f', 6), "1.234560");
        assert_eq!(ff(123.456, 'f', -1), "123.456");
    }

    #[test]
    fn exponent_and_general_forms() {
        assert_eq!(ff(1234.5678, 'e', 6), "1.234568e+03");
        assert_eq!(ff(1234.5678, 'E', 2), "1.23E+03");
        assert_eq!(ff(0.0, 'e', 3), "0.000e+00");
        assert_eq!(ff(2.5, 'e', 0), "2e+00");
        assert_eq!(ff(1e-300, 'e', -1), "1e-300");
        assert_eq!(ff(1e6, 'e', -1), "1e+06");
        assert_eq!(ff(100.0, 'g', 3), "100");
        assert_eq!(ff(1000.0, 'g', 3), "1e+03");
        assert_eq!(ff(1.0, 'g', 5), "1");
        assert_eq!(ff(123456.0, 'g', 3), "1.23e+05");
        assert_eq!(ff(0.0001234, 'g', 2), "0.00012");
        assert_eq!(ff(0.00001234, 'G', 2), "1.2E-05");
        assert_eq!(ff(3.0, 'g', 0), "3");
    }

    #[test]
    fn binary_and_hex_forms() {
        assert_eq!(ff(1.0, 'b', -1), "4503599627370496p-52");
        assert_eq!(ff(0.0, 'b', -1), "0p-1074");
        assert_eq!(ff(3.5, 'x', -1), "0x1.cp+01");
        assert_eq!(ff(1.0, 'x', -1), "0x1p+00");
        assert_eq!(ff(0.0, 'x', -1), "0x0p+00");
        assert_eq!(ff(-1.0, 'X', -1), "-0X1P+00");
        assert_eq!(ff(1e300, 'x', -1), "0x1.7e43c8800759cp+996");
        assert_eq!(ff(1.5, 'x', 0), "0x1p+01");
        assert_eq!(ff(1.0, 'x', 3), "0x1.000p+00");
        assert_eq!(ff(5e-324, 'x', -1), "0x1p-1074");
    }

    #[test]
    fn quoting() {
        assert_eq!(go_quote("a\"b\n"), r#""a\"b\n""#);
        assert_eq!(go_quote("\x07\x08\x0c\r\t\x0b\\"), r#""\a\b\f\r\t\v\\""#);
        assert_eq!(go_quote("\x01\x7f"), r#""\x01\x7f""#);
        assert_eq!(go_quote("héllo ☺"), "\"héllo ☺\"");
        assert_eq!(
            go_quote("\u{a0}\u{200b}\u{feff}"),
            r#""\u00a0\u200b\ufeff""#
        );
        assert_eq!(go_quote("\u{e000}"), r#""\ue000""#);
        assert_eq!(go_quote("😀\u{10ff7f}"), "\"😀\\U0010ff7f\"");
        // U+10FFFF stands for the Go byte 0xFF (crate::bytestr).
        assert_eq!(go_quote("a\u{10ffff}"), r#""a\xff""#);
        assert_eq!(go_quote("'"), "\"'\"");
        assert_eq!(go_quote_ascii("é☺😀"), r#""\u00e9\u263a\U0001f600""#);
        assert_eq!(quote_with(b"a\xffb", '"', false), r#""a\xffb""#);
        assert_eq!(quote_rune(u64::from(b'\''), false), r"'\''");
        assert_eq!(quote_rune(0x263a, true), r"'\u263a'");
        assert_eq!(quote_rune(0xD800, false), "'\u{fffd}'");
        assert_eq!(quote_rune(u64::MAX, false), "'\u{fffd}'");
    }

    #[test]
    fn is_print_follows_go() {
        assert!(is_print(' '));
        assert!(!is_print('\t'));
        assert!(!is_print('\u{85}'));
        assert!(!is_print('\u{a0}'));
        assert!(is_print('\u{a1}'));
        assert!(!is_print('\u{ad}'));
        assert!(is_print('é'));
        assert!(is_print('\u{301}'));
        assert!(!is_print('\u{2028}'));
        assert!(!is_print('\u{3000}'));
        assert!(is_print('中'));
        assert!(!is_print('\u{378}'));
        assert!(is_print('\u{1f600}'));
        // Assigned in Unicode 15.0 (Go 1.23 knows it), not in 15.1.
        assert!(is_print('\u{31350}'));
        assert!(!is_print('\u{2ebf0}'));
    }

    #[test]
    fn printf_basics() {
        let i = Value::int;
        let s = Value::str;
        assert_eq!(
            sprintf("%d|%5d|%-5d|%05d", &[i(1), i(2), i(3), i(-4)]),
            "1|    2|3    |-0004"
        );
        assert_eq!(
            sprintf(
                "%x %X %o %O %b %#x %#o %#b",
                &[i(255), i(255), i(8), i(8), i(5), i(255), i(8), i(5)]
            ),
            "ff FF 10 0o10 101 0xff 010 0b101"
        );
        assert_eq!(sprintf("%d", &[s("x")]), "%!d(string=x)");
        assert_eq!(sprintf("%s", &[]), "%!s(MISSING)");
        assert_eq!(
            sprintf("%d", &[i(1), i(2), s("a")]),
            "1%!(EXTRA int=2, string=a)"
        );
        assert_eq!(sprintf("%z", &[i(1)]), "%!z(int=1)");
        assert_eq!(sprintf("%", &[]), "%!(NOVERB)");
        assert_eq!(sprintf("%!", &[]), "%!!(MISSING)");
        assert_eq!(
            sprintf("%s|%d|%v", &[Value::Nil, Value::Nil, Value::Nil]),
            "%!s(<nil>)|%!d(<nil>)|<nil>"
        );
        assert_eq!(sprintf("%[2]d %[1]d", &[i(1), i(2)]), "2 1");
        assert_eq!(sprintf("%[3]d", &[i(1)]), "%!d(BADINDEX)");
        assert_eq!(
            sprintf(
                "%*d|%-*d|%.*f",
                &[i(4), i(7), i(3), i(8), i(2), Value::Float(1.23456)]
            ),
            "   7|8  |1.23"
        );
        assert_eq!(sprintf("%*d", &[s("x"), i(7)]), "%!(BADWIDTH)7");
        assert_eq!(sprintf("%.*d", &[s("x"), i(7)]), "%!(BADPREC)7");
        assert_eq!(
            sprintf(
                "%5.1f|%-8.3e|%+.2f|% d|%+d",
                &[
                    Value::Float(1.23456),
                    Value::Float(1234.5),
                    Value::Float(2.0),
                    i(5),
                    i(5)
                ]
            ),
            "  1.2|1.234e+03|+2.00| 5|+5"
        );
        assert_eq!(
            sprintf(
                "%c%c %q %U %#U",
                &[i(72), i(0x263a), i(65), i(0x263a), i(0x263a)]
            ),
            "H☺ 'A' U+263A U+263A '☺'"
        );
        assert_eq!(
            sprintf(
                "%x % x %#x %X",
                &[
                    s("hi"),
                    s("hi"),
                    s("hi"),
                    Value::Bytes(b"\x01\xab".as_slice().into())
                ]
            ),
            "6869 68 69 0x6869 01AB"
        );
        assert_eq!(
            sprintf("%q %+q %#q", &[s("a\"☺"), s("☺"), s("a`b")]),
            r#""a\"☺" "\u263a" "a`b""#
        );
        assert_eq!(sprintf("%#q", &[s("ab")]), "`ab`");
        assert_eq!(
            sprintf("%t %t", &[Value::Bool(true), i(1)]),
            "true %!t(int=1)"
        );
        assert_eq!(
            sprintf(
                "%T %T %T %T",
                &[i(1), Value::Float(1.0), Value::Nil, Value::int64(2)]
            ),
            "int float64 <nil> int64"
        );
        assert_eq!(
            sprintf("%.2s|%5.1s|%-4s|", &[s("héllo"), s("abc"), s("ab")]),
            "hé|    a|ab  |"
        );
        assert_eq!(sprintf("%d", &[Value::Float(1e6)]), "%!d(float64=1e+06)");
        assert_eq!(
            sprintf(
                "%v %d",
                &[
                    Value::Int(-1, IntKind::Uint64),
                    Value::Int(255, IntKind::Uint8)
                ]
            ),
            "18446744073709551615 255"
        );
        assert_eq!(
            sprintf(
                "%#v %#v %#v",
                &[i(1), s("a"), Value::Int(10, IntKind::Uint)]
            ),
            "1 \"a\" 0xa"
        );
        assert_eq!(sprintf("%5%|%-%", &[]), "%|%");
        assert_eq!(
            sprintf(
                "%x %X %#.2x",
                &[Value::Float(3.5), Value::Float(1.0), Value::Float(1.0)]
            ),
            "0x1.cp+01 0X1P+00 0x1.00p+00"
        );
    }

    #[test]
    fn containers_apply_verbs_per_element() {
        let l = Value::list(vec![Value::int(1), Value::str("a"), Value::Nil]);
        assert_eq!(
            sprintf("%s", std::slice::from_ref(&l)),
            "[%!s(int=1) a <nil>]"
        );
        assert_eq!(sprintf("%v", std::slice::from_ref(&l)), "[1 a <nil>]");
        assert_eq!(
            sprintf("%#v", std::slice::from_ref(&l)),
            "[]interface {}{1, \"a\", interface {}(nil)}"
        );
        let mut m = Map::new();
        m.insert("b".into(), Value::Float(1e6));
        m.insert("a".into(), Value::list(vec![Value::int(1), Value::int(2)]));
        let m = Value::map(m);
        assert_eq!(format_v(&m), "map[a:[1 2] b:1e+06]");
        assert_eq!(
            sprintf("%d", std::slice::from_ref(&m)),
            "map[%!d(string=a):[1 2] %!d(string=b):%!d(float64=1e+06)]"
        );
        assert_eq!(
            sprintf("%#v", std::slice::from_ref(&m)),
            "map[string]interface {}{\"a\":[]interface {}{1, 2}, \"b\":1e+06}"
        );
        assert_eq!(format_v(&Value::empty_map()), "map[]");
        assert_eq!(format_v(&Value::Bytes(b"b\n".as_slice().into())), "[98 10]");
        assert_eq!(
            sprintf("%s", &[Value::Bytes(b"hi".as_slice().into())]),
            "hi"
        );
    }

    #[derive(Debug)]
    struct Ver;
    impl crate::value::Object for Ver {
        fn type_name(&self) -> std::borrow::Cow<'_, str> {
            "*semver.Version".into()
        }
        fn get(&self, _: &str, _: &[Value]) -> Option<Result<Value, String>> {
            None
        }
        fn format(&self) -> String {
            "1.2.3".into()
        }
        fn as_any(&self) -> &dyn std::any::Any {
            self
        }
    }

    #[test]
    fn objects_print_like_stringers() {
        let o = Value::Object(std::sync::Arc::new(Ver));
        let args = [o.clone(), o.clone(), o.clone(), o.clone(), o.clone()];
        assert_eq!(
            sprintf("%v|%7s|%q|%x|%T", &args),
            "1.2.3|  1.2.3|\"1.2.3\"|312e322e33|*semver.Version"
        );
        assert_eq!(
            sprintf("%d", std::slice::from_ref(&o)),
            "%!d(*semver.Version=1.2.3)"
        );
        assert_eq!(
            format_v(&Value::list(vec![o.clone(), Value::int(1)])),
            "[1.2.3 1]"
        );
        assert_eq!(sprint(&[o.clone(), o]), "1.2.3 1.2.3");
    }

    #[test]
    fn bytes_verbs() {
        let b = Value::Bytes(b"a\xff".as_slice().into());
        let args = [
            b.clone(),
            b.clone(),
            b.clone(),
            b.clone(),
            b.clone(),
            b.clone(),
        ];
        assert_eq!(
            sprintf("%v|%d|%x|% X|%q|%#v", &args),
            "[97 255]|[97 255]|61ff|61 FF|\"a\\xff\"|[]byte{0x61, 0xff}"
        );
        assert_eq!(
            sprintf("%c|%t", &[b.clone(), b]),
            "[a ÿ]|[%!t(uint8=97) %!t(uint8=255)]"
        );
    }

    #[test]
    fn print_and_println_spacing() {
        let i = Value::int;
        let s = Value::str;
        assert_eq!(
            sprint(&[i(1), i(2), s("a"), i(3), s("b"), s("c")]),
            "1 2a3bc"
        );
        assert_eq!(sprint(&[Value::Nil, Value::Nil]), "<nil> <nil>");
        assert_eq!(sprintln(&[i(1), s("a"), s("b")]), "1 a b\n");
        assert_eq!(sprintln(&[]), "\n");
    }
}
