//! Go's `time.Time` as Helm stores it in release records: an instant with nanoseconds and
//! the UTC offset it was written with, in RFC 3339 form (`2026-11-25T17:08:48.546075874Z`,
//! trailing zeros of the fraction removed, `+02:00` for other offsets).

use std::fmt;

/// Seconds from 0001-01-01T00:00:00Z (Go's zero time) to the Unix epoch.
const ZERO_UNIX: i64 = -62_135_596_800;

/// An instant as Go's `time.Time` holds it for JSON: seconds since the Unix epoch,
/// nanoseconds, and the UTC offset it is shown in. The default is Go's zero time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Time {
    unix: i64,
    nanos: u32,
    offset: i32,
}

impl Default for Time {
    fn default() -> Self {
        Time::ZERO
    }
}

/// Why a time string could not be read (Go's `parsing time "…" as "…": cannot parse …`,
/// shortened).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("parsing time {text:?}: not an RFC 3339 time")]
pub struct TimeError {
    /// The text that was read.
    pub text: String,
}

impl Time {
    /// Go's zero time (`0001-01-01T00:00:00Z`), which Helm's time type writes as `""`.
    pub const ZERO: Time = Time {
        unix: ZERO_UNIX,
        nanos: 0,
        offset: 0,
    };

    /// The current time in the local time zone (as Go's `time.Now()`).
    pub fn now() -> Time {
        let ts = jiff::Timestamp::now();
        let offset = jiff::tz::TimeZone::system().to_offset(ts).seconds();
        Time {
            unix: ts.as_second(),
            nanos: u32::try_from(ts.subsec_nanosecond()).unwrap_or(0),
            offset,
        }
    }

    /// An instant from Unix seconds and nanoseconds, shown with `offset` seconds east of
    /// UTC. Nanoseconds of a second or more are carried into the seconds.
    pub fn from_unix(secs: i64, nanos: u32, offset: i32) -> Time {
        Time {
            unix: secs.saturating_add(i64::from(nanos / 1_000_000_000)),
            nanos: nanos % 1_000_000_000,
            offset,
        }
    }

    /// Seconds since the Unix epoch (Go's `Unix()`).
    pub fn unix(&self) -> i64 {
        self.unix
    }

    /// Nanoseconds within the second.
    pub fn subsec_nanos(&self) -> u32 {
        self.nanos
    }

    /// Seconds east of UTC this time is shown in.
    pub fn offset(&self) -> i32 {
        self.offset
    }

    /// Go's `IsZero`: the instant is 0001-01-01T00:00:00Z, whatever the offset.
    pub fn is_zero(&self) -> bool {
        self.unix == ZERO_UNIX && self.nanos == 0
    }

    /// Go's `time.Time` JSON text without quotes (`RFC3339Nano`). `None` when the year
    /// (in its offset) is outside 0..=9999, which Go refuses to encode.
    pub fn rfc3339(&self) -> Option<String> {
        let local = self.unix.checked_add(i64::from(self.offset))?;
        let days = local.div_euclid(86_400);
        let secs = local.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        if !(0..=9999).contains(&y) {
            return None;
        }
        let mut s = format!(
            "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}",
            secs / 3600,
            secs / 60 % 60,
            secs % 60
        );
        if self.nanos != 0 {
            let frac = format!("{:09}", self.nanos);
            s.push('.');
            s.push_str(frac.trim_end_matches('0'));
        }
        if self.offset == 0 {
            s.push('Z');
        } else {
            let sign = if self.offset < 0 { '-' } else { '+' };
            let off = self.offset.unsigned_abs() / 60;
            s.push_str(&format!("{sign}{:02}:{:02}", off / 60, off % 60));
        }
        Some(s)
    }

    /// Reads an RFC 3339 time as Go's `time.Time.UnmarshalJSON` does (fraction of any
    /// length up to nanoseconds, `Z` or `±hh:mm`).
    pub fn parse_rfc3339(text: &str) -> Result<Time, TimeError> {
        parse(text).ok_or_else(|| TimeError {
            text: text.to_owned(),
        })
    }
}

impl fmt::Display for Time {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.rfc3339() {
            Some(s) => f.write_str(&s),
            None => write!(f, "{}s", self.unix),
        }
    }
}

fn digits(b: &[u8], at: usize, n: usize) -> Option<i64> {
    let part = b.get(at..at + n)?;
    let mut v = 0i64;
    for &c in part {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + i64::from(c - b'0');
    }
    Some(v)
}

fn parse(text: &str) -> Option<Time> {
    let b = text.as_bytes();
    let year = digits(b, 0, 4)?;
    let month = digits(b, 5, 2)?;
    let day = digits(b, 8, 2)?;
    let hour = digits(b, 11, 2)?;
    let min = digits(b, 14, 2)?;
    let sec = digits(b, 17, 2)?;
    if b.get(4) != Some(&b'-')
        || b.get(7) != Some(&b'-')
        || !matches!(b.get(10), Some(b'T') | Some(b't'))
        || b.get(13) != Some(&b':')
        || b.get(16) != Some(&b':')
    {
        return None;
    }
    if !(1..=12).contains(&month)
        || day < 1
        || day > days_in_month(year, month)
        || hour > 23
        || min > 59
        || sec > 59
    {
        return None;
    }
    let mut i = 19;
    let mut nanos = 0u32;
    if matches!(b.get(i), Some(b'.') | Some(b',')) {
        i += 1;
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        let frac = &text[start..i];
        if frac.is_empty() {
            return None;
        }
        let mut n = 0u32;
        for (k, c) in frac.bytes().enumerate() {
            if k < 9 {
                n = n * 10 + u32::from(c - b'0');
            }
        }
        for _ in frac.len()..9 {
            n *= 10;
        }
        nanos = n;
    }
    let offset = match b.get(i) {
        Some(b'Z') | Some(b'z') if i + 1 == b.len() => 0,
        Some(&c @ (b'+' | b'-')) if i + 6 == b.len() && b[i + 3] == b':' => {
            let oh = digits(b, i + 1, 2)?;
            let om = digits(b, i + 4, 2)?;
            if oh > 23 || om > 59 {
                return None;
            }
            let o = i32::try_from(oh * 3600 + om * 60).ok()?;
            if c == b'-' {
                -o
            } else {
                o
            }
        }
        _ => return None,
    };
    let days = days_from_civil(year, month, day);
    let local = days * 86_400 + hour * 3600 + min * 60 + sec;
    Some(Time {
        unix: local - i64::from(offset),
        nanos,
        offset,
    })
}

fn is_leap(y: i64) -> bool {
    y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The proleptic Gregorian date of a day count since 1970-01-01.
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #[test]
        fn format_parse_round_trip(
            secs in -62_135_596_800i64..253_402_300_799,
            nanos in 0u32..1_000_000_000,
            off_min in -1439i32..1440,
        ) {
            let t = Time::from_unix(secs, nanos, off_min * 60);
            if let Some(s) = t.rfc3339() {
                let back = Time::parse_rfc3339(&s).expect("parses");
                proptest::prop_assert_eq!(back, t);
                proptest::prop_assert_eq!(back.rfc3339(), Some(s));
            }
        }
    }

    #[test]
    fn now_is_formattable() {
        let now = Time::now();
        assert!(!now.is_zero());
        let s = now.rfc3339().expect("formats");
        assert_eq!(Time::parse_rfc3339(&s).expect("parses"), now);
    }

    #[test]
    fn round_trips_go_forms() {
        for s in [
            "2026-11-25T17:08:48.546075874Z",
            "2026-11-25T17:08:48.5Z",
            "2026-11-25T17:08:48Z",
            "2024-02-29T23:59:59.000000001+02:00",
            "1999-12-31T00:00:00-05:30",
            "0001-01-01T00:00:00Z",
            "9999-12-31T23:59:59.999999999Z",
        ] {
            let t = Time::parse_rfc3339(s).expect("parses");
            assert_eq!(t.rfc3339().as_deref(), Some(s));
        }
        let t = Time::parse_rfc3339("2026-11-25T17:08:48.120Z").expect("parses");
        assert_eq!(t.rfc3339().as_deref(), Some("2026-11-25T17:08:48.12Z"));
        assert!(Time::parse_rfc3339("0001-01-01T00:00:00Z")
            .expect("parses")
            .is_zero());
        assert_eq!(
            Time::parse_rfc3339("1970-01-01T00:00:00Z")
                .expect("parses")
                .unix(),
            0
        );
        for bad in [
            "",
            "2026-13-01T00:00:00Z",
            "2026-02-30T00:00:00Z",
            "2026-01-01",
        ] {
            assert!(Time::parse_rfc3339(bad).is_err(), "{bad}");
        }
    }
}
