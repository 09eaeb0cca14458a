//! Go's `time` package, as Go templates see it: `time.Time` values (printing, methods
//! callable from templates), `*time.Location` (UTC, Local, IANA zones through `jiff`'s
//! time zone database), layout-string formatting and parsing, and `time.Duration`
//! printing and parsing.
//!
//! It sits beside `gotmpl` as Go's `time` sits beside `text/template`: Sprig's date
//! functions and the TOML decoder both build on it.
//!
//! ```
//! use gotime::{parse_in_location, Location};
//! let t = parse_in_location("2006-01-02 15:04", "2024-02-29 13:45", &Location::Utc).unwrap();
//! assert_eq!(t.format("Jan 2, 2006 at 3:04pm (MST)"), "Feb 29, 2024 at 1:45pm (UTC)");
//! assert_eq!(gotime::format_duration(90_000_000_000), "1m30s");
//! ```
#![deny(missing_docs)]

use std::any::Any;
use std::borrow::Cow;
use std::sync::{Arc, OnceLock};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use jiff::tz::TimeZone;
use jiff::Timestamp;

use gotmpl::fmt::go_quote;

use gotmpl::value::{Object, Value};

// ---------------------------------------------------------------------------------------
// Locations
// ---------------------------------------------------------------------------------------

/// A Go `*time.Location`.
#[derive(Clone, Debug)]
pub enum Location {
    /// `time.UTC`.
    Utc,
    /// `time.Local`: the process's zone (`TZ`, else `/etc/localtime`).
    Local,
    /// A zone loaded by IANA name.
    Zone(String, TimeZone),
    /// `time.FixedZone(name, offset)`.
    Fixed(String, i32),
}

static LOCAL: OnceLock<TimeZone> = OnceLock::new();

/// Go's `time.Local`, decided once per process at its first use: from `TZ` when it is set,
/// else the system's zone (`/etc/localtime`).
fn local_tz() -> &'static TimeZone {
    LOCAL.get_or_init(|| {
        // This crate's own unit tests compare with goldens recorded under TZ=UTC and run on
        // parallel threads, so no single test could pin the zone before every other test
        // reads it: under `cfg(test)` the process zone is UTC whatever the host's is.
        if cfg!(test) {
            return zone_from_tz("UTC");
        }
        match std::env::var("TZ") {
            Ok(tz) => zone_from_tz(&tz),
            Err(_) => TimeZone::try_system().unwrap_or(TimeZone::UTC),
        }
    })
}

/// The zone Go picks for a set `TZ`: empty is UTC, `:NAME` is `NAME`, an absolute path is
/// a TZif file, anything else an IANA name (UTC when it cannot be loaded).
fn zone_from_tz(tz: &str) -> TimeZone {
    if tz.is_empty() {
        return TimeZone::UTC;
    }
    let name = tz.strip_prefix(':').unwrap_or(tz);
    if name.starts_with('/') {
        std::fs::read(name)
            .ok()
            .and_then(|b| TimeZone::tzif(name, &b).ok())
            .unwrap_or(TimeZone::UTC)
    } else {
        load_named(name).unwrap_or(TimeZone::UTC)
    }
}

/// Fixes Go's `time.Local` for the rest of the process to the zone `TZ=tz` would select,
/// whatever the environment says. Meant for test harnesses whose goldens were recorded
/// under one zone: unlike setting `TZ` (a process-wide environment write that races with
/// any thread reading the environment, and that is too late once a date function has run),
/// this writes no environment and cannot be undone by later code. Fails when `time.Local`
/// was already decided (by an earlier date function or pin) as another zone, so a harness
/// that pins too late finds out instead of silently using the host's zone.
pub fn pin_local_zone(tz: &str) -> Result<(), String> {
    let want = zone_from_tz(tz);
    let got = LOCAL.get_or_init(|| want.clone());
    if *got == want {
        Ok(())
    } else {
        Err(format!(
            "time.Local was already set to {:?} before it could be pinned to {tz:?}",
            got.iana_name().unwrap_or("?")
        ))
    }
}

/// An IANA zone by exact (case-sensitive, as on Linux) name.
fn load_named(name: &str) -> Option<TimeZone> {
    if name.contains("..") || name.starts_with('/') || name.starts_with('\\') {
        return None;
    }
    let tz = TimeZone::get(name).ok()?;
    match tz.iana_name() {
        Some(n) if n != name => None,
        _ => Some(tz),
    }
}

impl Location {
    /// Go's `time.LoadLocation`.
    pub fn load(name: &str) -> Option<Location> {
        match name {
            "" | "UTC" => Some(Location::Utc),
            "Local" => Some(Location::Local),
            _ => load_named(name).map(|tz| Location::Zone(name.to_string(), tz)),
        }
    }

    /// Offset east of UTC in seconds, and the zone abbreviation, at a unix instant.
    pub fn lookup(&self, unix: i64) -> (i32, String) {
        let info = |tz: &TimeZone| match Timestamp::new(unix, 0) {
            Ok(ts) => {
                let i = tz.to_offset_info(ts);
                (i.offset().seconds(), i.abbreviation().to_string())
            }
            Err(_) => (0, "UTC".to_string()),
        };
        match self {
            Location::Utc => (0, "UTC".to_string()),
            Location::Local => info(local_tz()),
            Location::Zone(_, tz) => info(tz),
            Location::Fixed(n, o) => (*o, n.clone()),
        }
    }

    /// Go's `Location.String()`.
    pub fn name(&self) -> &str {
        match self {
            Location::Utc => "UTC",
            Location::Local => "Local",
            Location::Zone(n, _) | Location::Fixed(n, _) => n,
        }
    }
}

// ---------------------------------------------------------------------------------------
// Civil calendar
// ---------------------------------------------------------------------------------------

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    // Wrapping arithmetic: absurd inputs (`AddDate` with huge counts) wrap as in Go
    // instead of panicking.
    let y = if m <= 2 { y.wrapping_sub(1) } else { y };
    let era = y.div_euclid(400);
    let yoe = y.wrapping_sub(era.wrapping_mul(400));
    let mp = (m + 9) % 12;
    let doy = ((153 * mp + 2) / 5).wrapping_add(d).wrapping_sub(1);
    let doe = (yoe * 365 + yoe / 4 - yoe / 100).wrapping_add(doy);
    era.wrapping_mul(146_097)
        .wrapping_add(doe)
        .wrapping_sub(719_468)
}

/// The date of a day count since 1970-01-01.
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

fn is_leap(y: i64) -> bool {
    y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)
}

fn days_in(m: i64, y: i64) -> i64 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const DAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];

/// Broken-down local time.
struct Civil {
    year: i64,
    month: i64,
    day: i64,
    hour: i64,
    min: i64,
    sec: i64,
    nsec: i64,
    /// 0 = Sunday.
    wday: i64,
    /// 1-based.
    yday: i64,
    offset: i32,
    abbr: String,
}

// ---------------------------------------------------------------------------------------
// time.Time
// ---------------------------------------------------------------------------------------

/// A Go `time.Time`: an instant, a location, and (for `now`) a monotonic reading.
#[derive(Clone, Debug)]
pub struct GoTime {
    /// Seconds since the unix epoch.
    pub unix: i64,
    /// Nanoseconds within the second.
    pub nsec: u32,
    /// The location used for display.
    pub loc: Location,
    /// Monotonic clock reading in nanoseconds (printed as `m=+…`), if any.
    pub mono: Option<i128>,
}

fn process_start() -> Instant {
    static START: OnceLock<Instant> = OnceLock::new();
    *START.get_or_init(Instant::now)
}

impl GoTime {
    /// Go's `time.Now()` (local zone, with a monotonic reading).
    pub fn now() -> GoTime {
        let start = process_start();
        let d = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        GoTime {
            unix: i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
            nsec: d.subsec_nanos(),
            loc: Location::Local,
            mono: Some(start.elapsed().as_nanos() as i128 + 1),
        }
    }

    /// Go's `time.Unix(sec, 0)` (local zone).
    pub fn unix(sec: i64) -> GoTime {
        GoTime {
            unix: sec,
            nsec: 0,
            loc: Location::Local,
            mono: None,
        }
    }

    /// Go's zero `time.Time{}` (`0001-01-01 00:00:00 +0000 UTC`).
    pub fn zero() -> GoTime {
        GoTime {
            unix: days_from_civil(1, 1, 1) * 86_400,
            nsec: 0,
            loc: Location::Utc,
            mono: None,
        }
    }

    /// The same instant in another location (drops the monotonic reading, as Go does).
    pub fn in_loc(&self, loc: Location) -> GoTime {
        GoTime {
            unix: self.unix,
            nsec: self.nsec,
            loc,
            mono: None,
        }
    }

    /// Nanoseconds since the epoch (saturating).
    pub fn total_nanos(&self) -> i128 {
        i128::from(self.unix) * 1_000_000_000 + i128::from(self.nsec)
    }

    fn from_nanos(n: i128, loc: Location, mono: Option<i128>) -> GoTime {
        GoTime {
            unix: i64::try_from(n.div_euclid(1_000_000_000)).unwrap_or(i64::MAX),
            nsec: n.rem_euclid(1_000_000_000) as u32,
            loc,
            mono,
        }
    }

    /// Go's `t.Add(d)`.
    pub fn add(&self, d: i64) -> GoTime {
        GoTime::from_nanos(
            self.total_nanos() + i128::from(d),
            self.loc.clone(),
            self.mono.map(|m| m + i128::from(d)),
        )
    }

    fn civil(&self) -> Civil {
        let (offset, abbr) = self.loc.lookup(self.unix);
        let local = self.unix.saturating_add(i64::from(offset));
        let days = local.div_euclid(86_400);
        let secs = local.rem_euclid(86_400);
        let (year, month, day) = civil_from_days(days);
        Civil {
            year,
            month,
            day,
            hour: secs / 3600,
            min: secs / 60 % 60,
            sec: secs % 60,
            nsec: i64::from(self.nsec),
            wday: (days + 4).rem_euclid(7),
            yday: days - days_from_civil(year, 1, 1) + 1,
            offset,
            abbr,
        }
    }

    /// Go's `t.Format(layout)`.
    pub fn format(&self, layout: &str) -> String {
        format_time(&self.civil(), layout)
    }

    /// Go's `t.String()`.
    pub fn go_string(&self) -> String {
        let mut s = self.format("2006-01-02 15:04:05.999999999 -0700 MST");
        if let Some(m) = self.mono {
            let (sign, m) = if m < 0 { ('-', -m) } else { ('+', m) };
            s.push_str(&format!(
                " m={sign}{}.{:09}",
                m / 1_000_000_000,
                m % 1_000_000_000
            ));
        }
        s
    }

    fn is_zero(&self) -> bool {
        self.unix == days_from_civil(1, 1, 1) * 86_400 && self.nsec == 0
    }
}

/// A `time.Time` template object.
#[derive(Debug, Clone)]
pub struct TimeObject(pub GoTime);

impl TimeObject {
    /// Wraps a time as a template value.
    pub fn value(t: GoTime) -> Value {
        Value::Object(Arc::new(TimeObject(t)))
    }
}

/// The time a template value holds, when it is a `time.Time` object.
pub fn time_of(v: &Value) -> Option<&GoTime> {
    match v {
        Value::Object(o) => o.as_any().downcast_ref::<TimeObject>().map(|t| &t.0),
        _ => None,
    }
}

fn int_arg(args: &[Value], i: usize) -> Result<i64, String> {
    match args.get(i) {
        Some(Value::Int(n, _)) => Ok(*n),
        Some(v) => Err(format!(
            "wrong type for value; expected int; got {}",
            v.type_name()
        )),
        None => Err("missing argument".to_string()),
    }
}

const TIME_ARG_METHODS: &[&str] = &[
    "Format", "Add", "AddDate", "Before", "After", "Equal", "Sub", "In", "Truncate", "Round",
];

impl Object for TimeObject {
    fn type_name(&self) -> Cow<'_, str> {
        Cow::Borrowed("time.Time")
    }
    fn get(&self, name: &str, args: &[Value]) -> Option<Result<Value, String>> {
        let t = &self.0;
        let c = || t.civil();
        let int = |n: i64| Ok(Value::int(n));
        let r = match name {
            "Year" => int(c().year),
            "Month" => Ok(NamedInt::value("time.Month", c().month, &MONTHS, 1)),
            "Day" => int(c().day),
            "Hour" => int(c().hour),
            "Minute" => int(c().min),
            "Second" => int(c().sec),
            "Nanosecond" => int(c().nsec),
            "YearDay" => int(c().yday),
            "Weekday" => Ok(NamedInt::value("time.Weekday", c().wday, &DAYS, 0)),
            "Unix" => Ok(Value::int64(t.unix)),
            "UnixMilli" => Ok(Value::int64(
                i64::try_from(t.total_nanos() / 1_000_000).unwrap_or(i64::MAX),
            )),
            "UnixMicro" => Ok(Value::int64(
                i64::try_from(t.total_nanos() / 1_000).unwrap_or(i64::MAX),
            )),
            "UnixNano" => Ok(Value::int64(t.total_nanos() as i64)),
            "IsZero" => Ok(Value::Bool(t.is_zero())),
            "String" => Ok(Value::str(t.go_string())),
            "UTC" => Ok(TimeObject::value(t.in_loc(Location::Utc))),
            "Local" => Ok(TimeObject::value(t.in_loc(Location::Local))),
            "Format" => match args.first() {
                Some(Value::Str(l)) => Ok(Value::str(t.format(l))),
                _ => Err("wrong type for value; expected string".to_string()),
            },
            "Add" => int_arg(args, 0).map(|d| TimeObject::value(t.add(d))),
            "AddDate" => (|| {
                let (y, m, d) = (int_arg(args, 0)?, int_arg(args, 1)?, int_arg(args, 2)?);
                let cv = c();
                let (ny, nm) = {
                    let months = (cv.year * 12 + (cv.month - 1))
                        .wrapping_add(y.wrapping_mul(12))
                        .wrapping_add(m);
                    (months.div_euclid(12), months.rem_euclid(12) + 1)
                };
                let days = days_from_civil(ny, nm, 1)
                    .wrapping_add(cv.day - 1)
                    .wrapping_add(d);
                let local = days
                    .wrapping_mul(86_400)
                    .wrapping_add(cv.hour * 3600 + cv.min * 60 + cv.sec);
                Ok(TimeObject::value(from_local(local, t.nsec, t.loc.clone())))
            })(),
            "Before" | "After" | "Equal" => match args.first().and_then(time_of) {
                Some(o) => {
                    let (a, b) = (t.total_nanos(), o.total_nanos());
                    Ok(Value::Bool(match name {
                        "Before" => a < b,
                        "After" => a > b,
                        _ => a == b,
                    }))
                }
                None => Err("wrong type for value; expected time.Time".to_string()),
            },
            _ => return None,
        };
        Some(r)
    }
    fn is_method(&self, name: &str) -> bool {
        TIME_ARG_METHODS.contains(&name)
    }
    fn format(&self) -> String {
        self.0.go_string()
    }
    fn json_text(&self) -> Option<Result<String, String>> {
        let t = &self.0;
        let c = t.civil();
        let err = |why: &str| {
            Some(Err(format!(
                "json: error calling MarshalJSON for type time.Time: Time.MarshalJSON: {why}"
            )))
        };
        if !(0..=9999).contains(&c.year) {
            return err("year outside of range [0,9999]");
        }
        if c.offset.unsigned_abs() >= 24 * 3600 {
            return err("timezone hour outside of range [0,23]");
        }
        Some(Ok(t.format("2006-01-02T15:04:05.999999999Z07:00")))
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// A `time.Month` or `time.Weekday`: an integer that prints as its name.
#[derive(Debug)]
struct NamedInt {
    type_name: &'static str,
    n: i64,
    name: &'static str,
}

impl NamedInt {
    fn value(type_name: &'static str, n: i64, names: &[&'static str], base: i64) -> Value {
        let name = usize::try_from(n - base)
            .ok()
            .and_then(|i| names.get(i).copied())
            .unwrap_or("");
        Value::Object(Arc::new(NamedInt { type_name, n, name }))
    }
}

impl Object for NamedInt {
    fn type_name(&self) -> Cow<'_, str> {
        Cow::Borrowed(self.type_name)
    }
    fn kind_name(&self) -> &'static str {
        "int"
    }
    fn get(&self, name: &str, _args: &[Value]) -> Option<Result<Value, String>> {
        (name == "String").then(|| Ok(Value::str(self.name)))
    }
    fn format(&self) -> String {
        if self.name.is_empty() {
            format!(
                "%!{}({})",
                self.type_name.trim_start_matches("time."),
                self.n
            )
        } else {
            self.name.to_string()
        }
    }
    fn truthy(&self) -> bool {
        self.n != 0
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// The instant whose wall clock in `loc` reads `local` seconds (Go's `time.Date`).
fn from_local(local: i64, nsec: u32, loc: Location) -> GoTime {
    let (off1, _) = loc.lookup(local);
    let mut unix = local.saturating_sub(i64::from(off1));
    if off1 != 0 {
        let (off2, _) = loc.lookup(unix);
        if off2 != off1 {
            unix = local.saturating_sub(i64::from(off2));
        }
    }
    GoTime {
        unix,
        nsec,
        loc,
        mono: None,
    }
}

// ---------------------------------------------------------------------------------------
// Layouts
// ---------------------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Std {
    LongMonth,
    Month,
    NumMonth,
    ZeroMonth,
    LongWeekDay,
    WeekDay,
    Day,
    UnderDay,
    ZeroDay,
    UnderYearDay,
    ZeroYearDay,
    Hour,
    Hour12,
    ZeroHour12,
    Minute,
    ZeroMinute,
    Second,
    ZeroSecond,
    LongYear,
    Year,
    Pm,
    PmLower,
    Tz,
    Iso8601Tz,
    Iso8601SecondsTz,
    Iso8601ShortTz,
    Iso8601ColonTz,
    Iso8601ColonSecondsTz,
    NumTz,
    NumSecondsTz,
    NumShortTz,
    NumColonTz,
    NumColonSecondsTz,
    /// Fractional seconds, fixed digits (`.000`), with separator.
    Frac0(usize, u8),
    /// Fractional seconds, trailing zeros trimmed (`.999`), with separator.
    Frac9(usize, u8),
}

fn starts_lower(s: &[u8]) -> bool {
    s.first().is_some_and(|c| c.is_ascii_lowercase())
}

/// Splits a layout into (literal prefix, element, rest), as Go's `nextStdChunk`.
fn next_chunk(layout: &str) -> (&str, Option<(Std, &str)>, &str) {
    let b = layout.as_bytes();
    let at = |i: usize, s: &str| b.get(i..i + s.len()) == Some(s.as_bytes());
    let mut i = 0;
    while i < b.len() {
        let found: Option<(Std, usize)> = match b[i] {
            b'J' if at(i, "Jan") => {
                if at(i, "January") {
                    Some((Std::LongMonth, 7))
                } else if !starts_lower(&b[i + 3..]) {
                    Some((Std::Month, 3))
                } else {
                    None
                }
            }
            b'M' if at(i, "Mon") => {
                if at(i, "Monday") {
                    Some((Std::LongWeekDay, 6))
                } else if !starts_lower(&b[i + 3..]) {
                    Some((Std::WeekDay, 3))
                } else {
                    None
                }
            }
            b'M' if at(i, "MST") => Some((Std::Tz, 3)),
            b'0' => match b.get(i + 1) {
                Some(b'1') => Some((Std::ZeroMonth, 2)),
                Some(b'2') => Some((Std::ZeroDay, 2)),
                Some(b'3') => Some((Std::ZeroHour12, 2)),
                Some(b'4') => Some((Std::ZeroMinute, 2)),
                Some(b'5') => Some((Std::ZeroSecond, 2)),
                Some(b'6') => Some((Std::Year, 2)),
                Some(b'0') if b.get(i + 2) == Some(&b'2') => Some((Std::ZeroYearDay, 3)),
                _ => None,
            },
            b'1' => {
                if b.get(i + 1) == Some(&b'5') {
                    Some((Std::Hour, 2))
                } else {
                    Some((Std::NumMonth, 1))
                }
            }
            b'2' => {
                if at(i, "2006") {
                    Some((Std::LongYear, 4))
                } else {
                    Some((Std::Day, 1))
                }
            }
            b'_' if b.get(i + 1) == Some(&b'2') => {
                if at(i + 1, "2006") {
                    // "_2006" is a literal underscore and a year.
                    return (
                        &layout[..i + 1],
                        Some((Std::LongYear, "2006")),
                        &layout[i + 5..],
                    );
                }
                Some((Std::UnderDay, 2))
            }
            b'_' if at(i, "__2") => Some((Std::UnderYearDay, 3)),
            b'3' => Some((Std::Hour12, 1)),
            b'4' => Some((Std::Minute, 1)),
            b'5' => Some((Std::Second, 1)),
            b'P' if b.get(i + 1) == Some(&b'M') => Some((Std::Pm, 2)),
            b'p' if b.get(i + 1) == Some(&b'm') => Some((Std::PmLower, 2)),
            b'-' => {
                if at(i, "-070000") {
                    Some((Std::NumSecondsTz, 7))
                } else if at(i, "-07:00:00") {
                    Some((Std::NumColonSecondsTz, 9))
                } else if at(i, "-0700") {
                    Some((Std::NumTz, 5))
                } else if at(i, "-07:00") {
                    Some((Std::NumColonTz, 6))
                } else if at(i, "-07") {
                    Some((Std::NumShortTz, 3))
                } else {
                    None
                }
            }
            b'Z' => {
                if at(i, "Z070000") {
                    Some((Std::Iso8601SecondsTz, 7))
                } else if at(i, "Z07:00:00") {
                    Some((Std::Iso8601ColonSecondsTz, 9))
                } else if at(i, "Z0700") {
                    Some((Std::Iso8601Tz, 5))
                } else if at(i, "Z07:00") {
                    Some((Std::Iso8601ColonTz, 6))
                } else if at(i, "Z07") {
                    Some((Std::Iso8601ShortTz, 3))
                } else {
                    None
                }
            }
            c @ (b'.' | b',') => match b.get(i + 1) {
                Some(&d @ (b'0' | b'9')) => {
                    let mut j = i + 1;
                    while b.get(j) == Some(&d) {
                        j += 1;
                    }
                    if b.get(j).is_some_and(u8::is_ascii_digit) {
                        None
                    } else {
                        let n = j - (i + 1);
                        let std = if d == b'0' {
                            Std::Frac0(n, c)
                        } else {
                            Std::Frac9(n, c)
                        };
                        Some((std, j - i))
                    }
                }
                _ => None,
            },
            _ => None,
        };
        if let Some((std, len)) = found {
            return (
                &layout[..i],
                Some((std, &layout[i..i + len])),
                &layout[i + len..],
            );
        }
        i += 1;
    }
    (layout, None, "")
}

fn pad(out: &mut String, n: i64, width: usize) {
    if n < 0 {
        out.push('-');
        out.push_str(&format!("{:0width$}", n.unsigned_abs()));
    } else {
        out.push_str(&format!("{n:0width$}"));
    }
}

fn format_time(c: &Civil, layout: &str) -> String {
    let mut out = String::with_capacity(layout.len() + 10);
    let mut rest = layout;
    loop {
        let (prefix, std, r) = next_chunk(rest);
        out.push_str(prefix);
        let Some((std, _)) = std else { break };
        rest = r;
        let month_name = MONTHS
            .get(usize::try_from(c.month - 1).unwrap_or(0))
            .copied()
            .unwrap_or("");
        let day_name = DAYS
            .get(usize::try_from(c.wday).unwrap_or(0))
            .copied()
            .unwrap_or("");
        match std {
            Std::Year => pad(&mut out, c.year.rem_euclid(100), 2),
            Std::LongYear => pad(&mut out, c.year, 4),
            Std::Month => out.push_str(month_name.get(..3).unwrap_or("")),
            Std::LongMonth => out.push_str(month_name),
            Std::NumMonth => pad(&mut out, c.month, 0),
            Std::ZeroMonth => pad(&mut out, c.month, 2),
            Std::WeekDay => out.push_str(day_name.get(..3).unwrap_or("")),
            Std::LongWeekDay => out.push_str(day_name),
            Std::Day => pad(&mut out, c.day, 0),
            Std::UnderDay => {
                if c.day < 10 {
                    out.push(' ');
                }
                pad(&mut out, c.day, 0)
            }
            Std::ZeroDay => pad(&mut out, c.day, 2),
            Std::UnderYearDay => out.push_str(&format!("{:>3}", c.yday)),
            Std::ZeroYearDay => pad(&mut out, c.yday, 3),
            Std::Hour => pad(&mut out, c.hour, 2),
            Std::Hour12 | Std::ZeroHour12 => {
                let h = match c.hour % 12 {
                    0 => 12,
                    h => h,
                };
                pad(&mut out, h, if std == Std::Hour12 { 0 } else { 2 })
            }
            Std::Minute => pad(&mut out, c.min, 0),
            Std::ZeroMinute => pad(&mut out, c.min, 2),
            Std::Second => pad(&mut out, c.sec, 0),
            Std::ZeroSecond => pad(&mut out, c.sec, 2),
            Std::Pm => out.push_str(if c.hour >= 12 { "PM" } else { "AM" }),
            Std::PmLower => out.push_str(if c.hour >= 12 { "pm" } else { "am" }),
            Std::Iso8601Tz
            | Std::Iso8601SecondsTz
            | Std::Iso8601ShortTz
            | Std::Iso8601ColonTz
            | Std::Iso8601ColonSecondsTz
            | Std::NumTz
            | Std::NumSecondsTz
            | Std::NumShortTz
            | Std::NumColonTz
            | Std::NumColonSecondsTz => {
                let iso = matches!(
                    std,
                    Std::Iso8601Tz
                        | Std::Iso8601SecondsTz
                        | Std::Iso8601ShortTz
                        | Std::Iso8601ColonTz
                        | Std::Iso8601ColonSecondsTz
                );
                if iso && c.offset == 0 {
                    out.push('Z');
                    continue;
                }
                let colon = matches!(
                    std,
                    Std::Iso8601ColonTz
                        | Std::Iso8601ColonSecondsTz
                        | Std::NumColonTz
                        | Std::NumColonSecondsTz
                );
                let abs = i64::from(c.offset).abs();
                out.push(if c.offset < 0 { '-' } else { '+' });
                pad(&mut out, abs / 3600, 2);
                if !matches!(std, Std::Iso8601ShortTz | Std::NumShortTz) {
                    if colon {
                        out.push(':');
                    }
                    pad(&mut out, abs / 60 % 60, 2);
                }
                if matches!(
                    std,
                    Std::Iso8601SecondsTz
                        | Std::NumSecondsTz
                        | Std::NumColonSecondsTz
                        | Std::Iso8601ColonSecondsTz
                ) {
                    if colon {
                        out.push(':');
                    }
                    pad(&mut out, abs % 60, 2);
                }
            }
            Std::Tz => {
                if !c.abbr.is_empty() {
                    out.push_str(&c.abbr);
                } else {
                    let z = i64::from(c.offset) / 60;
                    out.push(if z < 0 { '-' } else { '+' });
                    pad(&mut out, z.abs() / 60, 2);
                    pad(&mut out, z.abs() % 60, 2);
                }
            }
            Std::Frac0(n, sep) | Std::Frac9(n, sep) => {
                let digits = format!("{:09}", c.nsec);
                let mut d = digits.get(..n.min(9)).unwrap_or("").to_string();
                if matches!(std, Std::Frac9(..)) {
                    d = d.trim_end_matches('0').to_string();
                    if d.is_empty() {
                        continue;
                    }
                }
                out.push(char::from(sep));
                out.push_str(&d);
            }
        }
    }
    out
}

// ---------------------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------------------

fn time_quote(s: &str) -> String {
    go_quote(s)
}

fn parse_err(layout: &str, value: &str, velem: &str, lelem: &str) -> String {
    format!(
        "parsing time {} as {}: cannot parse {} as {}",
        time_quote(value),
        time_quote(layout),
        time_quote(velem),
        time_quote(lelem)
    )
}

fn is_digit(s: &[u8], i: usize) -> bool {
    s.get(i).is_some_and(u8::is_ascii_digit)
}

/// Go's `getnum`: one or two digits (exactly two when `fixed`).
fn getnum(s: &str, fixed: bool) -> Option<(i64, &str)> {
    let b = s.as_bytes();
    if !is_digit(b, 0) {
        return None;
    }
    if !is_digit(b, 1) {
        if fixed {
            return None;
        }
        return Some((i64::from(b[0] - b'0'), &s[1..]));
    }
    Some((
        i64::from(b[0] - b'0') * 10 + i64::from(b[1] - b'0'),
        &s[2..],
    ))
}

fn getnum3(s: &str, fixed: bool) -> Option<(i64, &str)> {
    let b = s.as_bytes();
    let mut n = 0i64;
    let mut i = 0;
    while i < 3 && is_digit(b, i) {
        n = n * 10 + i64::from(b[i] - b'0');
        i += 1;
    }
    if i == 0 || (fixed && i != 3) {
        return None;
    }
    Some((n, &s[i..]))
}

fn lookup_name<'a>(names: &[&str], val: &'a str, len: Option<usize>) -> Option<(usize, &'a str)> {
    for (i, full) in names.iter().enumerate() {
        let name = match len {
            Some(n) => full.get(..n).unwrap_or(full),
            None => full,
        };
        if val.len() >= name.len()
            && val.is_char_boundary(name.len())
            && val[..name.len()].eq_ignore_ascii_case(name)
        {
            return Some((i, &val[name.len()..]));
        }
    }
    None
}

fn parse_nanos(value: &str, n: usize) -> Result<i64, Option<&'static str>> {
    let b = value.as_bytes();
    if !matches!(b.first(), Some(b'.' | b',')) {
        return Err(None);
    }
    let digits = value.get(1..n).ok_or(None)?;
    if !digits.bytes().all(|c| c.is_ascii_digit()) || digits.is_empty() {
        return Err(None);
    }
    let take = digits.len().min(9);
    let mut ns: i64 = digits[..take].parse().map_err(|_| None)?;
    for _ in take..9 {
        ns *= 10;
    }
    Ok(ns)
}

/// Length of a zone abbreviation at the start of `value` (Go's `parseTimeZone`).
fn parse_tz_name(value: &str) -> Option<usize> {
    let b = value.as_bytes();
    if b.len() < 3 {
        return None;
    }
    if b.len() >= 4 && (&b[..4] == b"ChST" || &b[..4] == b"MeST") {
        return Some(4);
    }
    if &b[..3] == b"GMT" {
        return Some(3 + parse_signed_offset(&value[3..]));
    }
    if b[0] == b'+' || b[0] == b'-' {
        let n = parse_signed_offset(value);
        return if n > 0 { Some(n) } else { None };
    }
    let upper = b
        .iter()
        .take(6)
        .take_while(|c| c.is_ascii_uppercase())
        .count();
    match upper {
        3 => Some(3),
        4 if b[3] == b'T' || &b[..4] == b"WITA" => Some(4),
        5 if b[4] == b'T' => Some(5),
        _ => None,
    }
}

/// Length of a `+hh`/`-hh` (hours within ±23... Go allows -23..+23) suffix, or 0.
fn parse_signed_offset(value: &str) -> usize {
    let b = value.as_bytes();
    if !matches!(b.first(), Some(b'+' | b'-')) {
        return 0;
    }
    let n = b[1..].iter().take_while(|c| c.is_ascii_digit()).count();
    if n == 0 {
        return 0;
    }
    match value[1..1 + n].parse::<i64>() {
        Ok(x) if x <= 23 => 1 + n,
        _ => 0,
    }
}

/// Go's `time.ParseInLocation(layout, value, loc)`.
pub fn parse_in_location(layout: &str, value: &str, loc: &Location) -> Result<GoTime, String> {
    let (alayout, avalue) = (layout, value);
    let mut layout = layout;
    let mut value = value;
    let (mut year, mut month, mut day, mut yday) = (0i64, -1i64, -1i64, -1i64);
    let (mut hour, mut min, mut sec, mut nsec) = (0i64, 0i64, 0i64, 0i64);
    let (mut pm_set, mut am_set) = (false, false);
    let mut utc = false;
    let mut zone_offset: Option<i64> = None;
    let mut zone_name = String::new();
    let mut range_err: Option<&'static str> = None;
    loop {
        let (prefix, std, rest) = next_chunk(layout);
        let Some(vrest) = value.strip_prefix(prefix) else {
            return Err(parse_err(alayout, avalue, value, prefix));
        };
        value = vrest;
        let Some((std, stdstr)) = std else {
            if !value.is_empty() {
                return Err(format!(
                    "parsing time {}: extra text: {}",
                    time_quote(avalue),
                    time_quote(value)
                ));
            }
            break;
        };
        layout = rest;
        let hold = value;
        let bad = || parse_err(alayout, avalue, hold, stdstr);
        let vb = value.as_bytes();
        match std {
            Std::Year => {
                let Some(p) = value.get(..2) else {
                    return Err(bad());
                };
                let Ok(y) = p.parse::<i64>() else {
                    return Err(bad());
                };
                if !p.bytes().all(|c| c.is_ascii_digit()) {
                    return Err(bad());
                }
                year = if y >= 69 { y + 1900 } else { y + 2000 };
                value = &value[2..];
            }
            Std::LongYear => {
                if vb.len() < 4 || !is_digit(vb, 0) {
                    return Err(bad());
                }
                let p = value.get(..4).ok_or_else(bad)?;
                year = p.parse::<i64>().map_err(|_| bad())?;
                value = &value[4..];
            }
            Std::Month | Std::LongMonth => {
                let len = if std == Std::Month { Some(3) } else { None };
                let (i, r) = lookup_name(&MONTHS, value, len).ok_or_else(bad)?;
                month = i as i64 + 1;
                value = r;
            }
            Std::NumMonth | Std::ZeroMonth => {
                let (m, r) = getnum(value, std == Std::ZeroMonth).ok_or_else(bad)?;
                if !(1..=12).contains(&m) {
                    range_err = Some("month");
                }
                month = m;
                value = r;
            }
            Std::WeekDay | Std::LongWeekDay => {
                let len = if std == Std::WeekDay { Some(3) } else { None };
                let (_, r) = lookup_name(&DAYS, value, len).ok_or_else(bad)?;
                value = r;
            }
            Std::Day | Std::UnderDay | Std::ZeroDay => {
                if std == Std::UnderDay && vb.first() == Some(&b' ') {
                    value = &value[1..];
                }
                let (d, r) = getnum(value, std == Std::ZeroDay).ok_or_else(bad)?;
                day = d;
                value = r;
            }
            Std::UnderYearDay | Std::ZeroYearDay => {
                for _ in 0..2 {
                    if std == Std::UnderYearDay && value.as_bytes().first() == Some(&b' ') {
                        value = &value[1..];
                    }
                }
                let (d, r) = getnum3(value, std == Std::ZeroYearDay).ok_or_else(bad)?;
                yday = d;
                value = r;
            }
            Std::Hour => {
                let (h, r) = getnum(value, false).ok_or_else(bad)?;
                if !(0..24).contains(&h) {
                    range_err = Some("hour");
                }
                hour = h;
                value = r;
            }
            Std::Hour12 | Std::ZeroHour12 => {
                let (h, r) = getnum(value, std == Std::ZeroHour12).ok_or_else(bad)?;
                if !(0..=12).contains(&h) {
                    range_err = Some("hour");
                }
                hour = h;
                value = r;
            }
            Std::Minute | Std::ZeroMinute => {
                let (m, r) = getnum(value, std == Std::ZeroMinute).ok_or_else(bad)?;
                if !(0..60).contains(&m) {
                    range_err = Some("minute");
                }
                min = m;
                value = r;
            }
            Std::Second | Std::ZeroSecond => {
                let (s, r) = getnum(value, std == Std::ZeroSecond).ok_or_else(bad)?;
                if !(0..60).contains(&s) {
                    range_err = Some("second");
                }
                sec = s;
                value = r;
                // A fractional second in the value that the layout does not spell out.
                let rb = value.as_bytes();
                if rb.len() >= 2 && matches!(rb[0], b'.' | b',') && is_digit(rb, 1) {
                    let (_, next, _) = next_chunk(layout);
                    if !matches!(next, Some((Std::Frac0(..) | Std::Frac9(..), _))) {
                        let mut n = 2;
                        while is_digit(rb, n) {
                            n += 1;
                        }
                        nsec = parse_nanos(value, n).map_err(|_| bad())?;
                        value = &value[n..];
                    }
                }
            }
            Std::Pm | Std::PmLower => {
                let p = value.get(..2).ok_or_else(bad)?;
                let (pm, am) = if std == Std::Pm {
                    ("PM", "AM")
                } else {
                    ("pm", "am")
                };
                if p == pm {
                    pm_set = true;
                } else if p == am {
                    am_set = true;
                } else {
                    return Err(bad());
                }
                value = &value[2..];
            }
            Std::Iso8601Tz
            | Std::Iso8601SecondsTz
            | Std::Iso8601ShortTz
            | Std::Iso8601ColonTz
            | Std::Iso8601ColonSecondsTz
            | Std::NumTz
            | Std::NumSecondsTz
            | Std::NumShortTz
            | Std::NumColonTz
            | Std::NumColonSecondsTz => {
                let iso = matches!(
                    std,
                    Std::Iso8601Tz
                        | Std::Iso8601SecondsTz
                        | Std::Iso8601ShortTz
                        | Std::Iso8601ColonTz
                        | Std::Iso8601ColonSecondsTz
                );
                if iso && vb.first() == Some(&b'Z') {
                    value = &value[1..];
                    utc = true;
                    continue;
                }
                // Byte ranges; a range that splits a character cannot hold digits anyway.
                let g = |a: usize, b: usize| value.get(a..b).unwrap_or("?");
                let (sign, hh, mm, ss, len) = match std {
                    Std::Iso8601ColonTz | Std::NumColonTz => {
                        if vb.len() < 6 || vb[3] != b':' {
                            return Err(bad());
                        }
                        (g(0, 1), g(1, 3), g(4, 6), "00", 6)
                    }
                    Std::NumShortTz | Std::Iso8601ShortTz => {
                        if vb.len() < 3 {
                            return Err(bad());
                        }
                        (g(0, 1), g(1, 3), "00", "00", 3)
                    }
                    Std::Iso8601ColonSecondsTz | Std::NumColonSecondsTz => {
                        if vb.len() < 9 || vb[3] != b':' || vb[6] != b':' {
                            return Err(bad());
                        }
                        (g(0, 1), g(1, 3), g(4, 6), g(7, 9), 9)
                    }
                    Std::Iso8601SecondsTz | Std::NumSecondsTz => {
                        if vb.len() < 7 {
                            return Err(bad());
                        }
                        (g(0, 1), g(1, 3), g(3, 5), g(5, 7), 7)
                    }
                    _ => {
                        if vb.len() < 5 {
                            return Err(bad());
                        }
                        (g(0, 1), g(1, 3), g(3, 5), "00", 5)
                    }
                };
                let (Some((h, _)), Some((m, _)), Some((s, _))) =
                    (getnum(hh, true), getnum(mm, true), getnum(ss, true))
                else {
                    return Err(bad());
                };
                if h > 24 {
                    range_err = Some("time zone offset hour");
                }
                if m > 60 {
                    range_err = Some("time zone offset minute");
                }
                if s > 60 {
                    range_err = Some("time zone offset second");
                }
                let off = (h * 60 + m) * 60 + s;
                zone_offset = Some(match sign {
                    "+" => off,
                    "-" => -off,
                    _ => return Err(bad()),
                });
                value = &value[len..];
            }
            Std::Tz => {
                if value.starts_with("UTC") {
                    utc = true;
                    value = &value[3..];
                    continue;
                }
                let n = parse_tz_name(value).ok_or_else(bad)?;
                zone_name = value[..n].to_string();
                value = &value[n..];
            }
            Std::Frac0(n, _) => {
                let ndigit = 1 + n;
                if value.len() < ndigit {
                    return Err(bad());
                }
                nsec = parse_nanos(value, ndigit).map_err(|_| bad())?;
                value = &value[ndigit..];
            }
            Std::Frac9(..) => {
                if vb.len() < 2 || !matches!(vb[0], b'.' | b',') || !is_digit(vb, 1) {
                    continue;
                }
                let mut i = 0;
                while is_digit(vb, i + 1) {
                    i += 1;
                }
                nsec = parse_nanos(value, 1 + i).map_err(|_| bad())?;
                value = &value[1 + i..];
            }
        }
        if let Some(what) = range_err {
            return Err(format!(
                "parsing time {}: {what} out of range",
                time_quote(avalue)
            ));
        }
    }
    if pm_set && hour < 12 {
        hour += 12;
    } else if am_set && hour == 12 {
        hour = 0;
    }
    let day_range = || format!("parsing time {}: day out of range", time_quote(avalue));
    if yday >= 0 {
        let leap = is_leap(year);
        if yday < 1 || yday > if leap { 366 } else { 365 } {
            return Err(format!(
                "parsing time {}: day-of-year out of range",
                time_quote(avalue)
            ));
        }
        let mut m = 1;
        let mut d = yday;
        while m <= 12 && d > days_in(m, year) {
            d -= days_in(m, year);
            m += 1;
        }
        if (month >= 0 && month != m) || (day >= 0 && day != d) {
            return Err(format!(
                "parsing time {}: day-of-year does not match {}",
                time_quote(avalue),
                if month >= 0 && month != m {
                    "month"
                } else {
                    "day"
                }
            ));
        }
        month = m;
        day = d;
    } else {
        if month < 0 {
            month = 1;
        }
        if day < 0 {
            day = 1;
        }
    }
    if day < 1 || day > days_in(month, year) {
        return Err(day_range());
    }
    let local = days_from_civil(year, month, day) * 86_400 + hour * 3600 + min * 60 + sec;
    let nsec = nsec as u32;
    if utc {
        return Ok(GoTime {
            unix: local,
            nsec,
            loc: Location::Utc,
            mono: None,
        });
    }
    if let Some(off) = zone_offset {
        let unix = local - off;
        let (loc_off, _) = loc.lookup(unix);
        let loc = if i64::from(loc_off) == off {
            loc.clone()
        } else {
            Location::Fixed(String::new(), off as i32)
        };
        return Ok(GoTime {
            unix,
            nsec,
            loc,
            mono: None,
        });
    }
    if !zone_name.is_empty() {
        // Does the location know this abbreviation around that time?
        let (off_guess, _) = loc.lookup(local);
        let unix = local - i64::from(off_guess);
        let (o, name) = loc.lookup(unix);
        if name == zone_name && o == off_guess {
            return Ok(GoTime {
                unix,
                nsec,
                loc: loc.clone(),
                mono: None,
            });
        }
        let mut off = 0i64;
        if zone_name.len() > 3 && zone_name.starts_with("GMT") {
            off = zone_name[3..].parse::<i64>().unwrap_or(0) * 3600;
        }
        // Go keeps the wall clock as if it were UTC and only labels it with the offset.
        return Ok(GoTime {
            unix: local,
            nsec,
            loc: Location::Fixed(zone_name, off as i32),
            mono: None,
        });
    }
    Ok(from_local(local, nsec, loc.clone()))
}

// ---------------------------------------------------------------------------------------
// Durations
// ---------------------------------------------------------------------------------------

/// Go's `time.Duration.String()` for a nanosecond count.
pub fn format_duration(d: i64) -> String {
    if d == 0 {
        return "0s".to_string();
    }
    let neg = d < 0;
    let u = d.unsigned_abs();
    let mut out = String::new();
    if u < 1_000_000_000 {
        // Sub-second: ns, µs or ms with a fraction.
        let (unit, scale) = if u < 1_000 {
            ("ns", 1u64)
        } else if u < 1_000_000 {
            ("µs", 1_000)
        } else {
            ("ms", 1_000_000)
        };
        out.push_str(&frac(u, scale));
        out.push_str(unit);
    } else {
        let secs_total = u / 1_000_000_000;
        let nanos = u % 1_000_000_000;
        let h = secs_total / 3600;
        let m = secs_total / 60 % 60;
        let s = secs_total % 60;
        if h > 0 {
            out.push_str(&format!("{h}h"));
        }
        if h > 0 || m > 0 {
            out.push_str(&format!("{m}m"));
        }
        out.push_str(&frac(s * 1_000_000_000 + nanos, 1_000_000_000));
        out.push('s');
    }
    if neg {
        out.insert(0, '-');
    }
    out
}

/// `v / scale` with the fraction's trailing zeros trimmed.
fn frac(v: u64, scale: u64) -> String {
    let whole = v / scale;
    let rem = v % scale;
    if rem == 0 {
        return whole.to_string();
    }
    let width = scale.to_string().len() - 1;
    let f = format!("{rem:0width$}");
    format!("{whole}.{}", f.trim_end_matches('0'))
}

/// Go's `time.ParseDuration`, with Go's error texts.
pub fn parse_duration(s: &str) -> Result<i64, String> {
    let orig = s;
    let invalid = || format!("time: invalid duration {}", go_quote(orig));
    let mut s = s;
    let mut neg = false;
    if let Some(c) = s.chars().next() {
        if c == '-' || c == '+' {
            neg = c == '-';
            s = &s[1..];
        }
    }
    if s == "0" {
        return Ok(0);
    }
    if s.is_empty() {
        return Err(invalid());
    }
    let mut total: u64 = 0;
    while !s.is_empty() {
        let b = s.as_bytes();
        if !(b[0] == b'.' || b[0].is_ascii_digit()) {
            return Err(invalid());
        }
        // Integer part.
        let n = b.iter().take_while(|c| c.is_ascii_digit()).count();
        let pre = n > 0;
        let mut v: u64 = 0;
        for &c in &b[..n] {
            v = v
                .checked_mul(10)
                .and_then(|v| v.checked_add(u64::from(c - b'0')))
                .filter(|v| *v <= 1 << 63)
                .ok_or_else(invalid)?;
        }
        s = &s[n..];
        // Fraction.
        let mut f: u64 = 0;
        let mut scale: f64 = 1.0;
        let mut post = false;
        if s.starts_with('.') {
            s = &s[1..];
            let b = s.as_bytes();
            let n = b.iter().take_while(|c| c.is_ascii_digit()).count();
            post = n > 0;
            let mut overflow = false;
            for &c in &b[..n] {
                if overflow {
                    continue;
                }
                if f > (u64::MAX >> 1) / 10 {
                    overflow = true;
                    continue;
                }
                f = f * 10 + u64::from(c - b'0');
                scale *= 10.0;
            }
            s = &s[n..];
        }
        if !pre && !post {
            return Err(invalid());
        }
        // Unit.
        let un = s
            .char_indices()
            .find(|(_, c)| *c == '.' || c.is_ascii_digit())
            .map(|(i, _)| i)
            .unwrap_or(s.len());
        if un == 0 {
            return Err(format!("time: missing unit in duration {}", go_quote(orig)));
        }
        let u = &s[..un];
        s = &s[un..];
        let unit: u64 = match u {
            "ns" => 1,
            "us" | "µs" | "μs" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            _ => {
                return Err(format!(
                    "time: unknown unit {} in duration {}",
                    go_quote(u),
                    go_quote(orig)
                ))
            }
        };
        if v > (1u64 << 63) / unit {
            return Err(invalid());
        }
        v *= unit;
        if f > 0 {
            v = v
                .checked_add((f as f64 * (unit as f64 / scale)) as u64)
                .filter(|v| *v <= 1 << 63)
                .ok_or_else(invalid)?;
        }
        total = total
            .checked_add(v)
            .filter(|t| *t <= 1 << 63)
            .ok_or_else(invalid)?;
    }
    if neg {
        return Ok((total as i64).wrapping_neg());
    }
    if total > i64::MAX as u64 {
        return Err(invalid());
    }
    Ok(total as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(unix: i64) -> GoTime {
        GoTime::unix(unix).in_loc(Location::Utc)
    }

    #[test]
    fn civil_round_trip() {
        for d in [-719_162, -1, 0, 1, 11_016, 19_782, 2_932_896] {
            let (y, m, dd) = civil_from_days(d);
            assert_eq!(days_from_civil(y, m, dd), d);
        }
        assert_eq!(civil_from_days(0), (1970, 1, 1));
    }

    #[test]
    fn formats_go_layouts() {
        let t = utc(1_700_000_000);
        assert_eq!(
            t.format("2006-01-02T15:04:05Z07:00"),
            "2023-11-14T22:13:20Z"
        );
        assert_eq!(
            t.format("Mon Jan _2 3:4:5 PM MST 06 -0700 002 __2"),
            "Tue Nov 14 10:13:20 PM UTC 23 +0000 318 318"
        );
        assert_eq!(t.go_string(), "2023-11-14 22:13:20 +0000 UTC");
        let t = GoTime {
            nsec: 120_000_000,
            ..utc(0)
        };
        assert_eq!(t.format("05.000 05.999 05,9"), "00.120 00.12 00,1");
        assert_eq!(GoTime::zero().go_string(), "0001-01-01 00:00:00 +0000 UTC");
    }

    #[test]
    fn zones() {
        let loc = Location::load("America/New_York").unwrap_or(Location::Utc);
        let t = utc(1_700_000_000).in_loc(loc);
        assert_eq!(t.format("15:04 MST -07:00"), "17:13 EST -05:00");
        assert!(Location::load("america/new_york").is_none());
        assert!(Location::load("../etc").is_none());
    }

    #[test]
    fn parses_go_layouts() {
        let t = parse_in_location("2006-01-02", "2024-03-05", &Location::Utc)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(t.unix, 1_709_596_800);
        let t = parse_in_location(
            "2006-01-02T15:04:05Z07:00",
            "2024-03-05T10:00:00.5+02:00",
            &Location::Utc,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(t.go_string(), "2024-03-05 10:00:00.5 +0200 +0200");
        assert_eq!(
            parse_in_location("2006-01-02", "x", &Location::Utc).map(|_| ()),
            Err(r#"parsing time "x" as "2006-01-02": cannot parse "x" as "2006""#.into())
        );
        assert_eq!(
            parse_in_location("2006-01-02", "2024-13-01", &Location::Utc).map(|_| ()),
            Err(r#"parsing time "2024-13-01": month out of range"#.into())
        );
        assert_eq!(
            parse_in_location("2006-01-02", "2024-02-30", &Location::Utc).map(|_| ()),
            Err(r#"parsing time "2024-02-30": day out of range"#.into())
        );
        assert_eq!(
            parse_in_location("2006", "2024x", &Location::Utc).map(|_| ()),
            Err(r#"parsing time "2024x": extra text: "x""#.into())
        );
    }

    #[test]
    fn durations() {
        for (n, s) in [
            (0, "0s"),
            (1, "1ns"),
            (1_500, "1.5µs"),
            (2_000_000, "2ms"),
            (1_500_000_000, "1.5s"),
            (3_723_000_000_000, "1h2m3s"),
            (-60_000_000_000, "-1m0s"),
            (i64::MIN, "-2562047h47m16.854775808s"),
        ] {
            assert_eq!(format_duration(n), s);
        }
        assert_eq!(parse_duration("-1.5h"), Ok(-5_400_000_000_000));
        assert_eq!(parse_duration("1h30m"), Ok(5_400_000_000_000));
        assert_eq!(parse_duration("1.5µs"), Ok(1_500));
        assert_eq!(
            parse_duration("1"),
            Err(r#"time: missing unit in duration "1""#.into())
        );
        assert_eq!(
            parse_duration("1d"),
            Err(r#"time: unknown unit "d" in duration "1d""#.into())
        );
        assert_eq!(
            parse_duration(""),
            Err(r#"time: invalid duration """#.into())
        );
    }
}

/// The README's examples, run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
