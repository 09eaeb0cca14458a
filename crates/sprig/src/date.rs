//! Sprig functions: dates and durations, with Go's `time` package semantics: layout-string
//! formatting and parsing, `time.Time` printing, `time.Duration` printing and parsing,
//! and IANA zones (through `jiff`'s time zone database).

use gotime::*;
use gotmpl::func::{FuncError, FuncMap, Ty};
#[cfg(test)]
use gotmpl::value::Object;
use gotmpl::value::{IntKind, Value};

// ---------------------------------------------------------------------------------------
// Template functions
// ---------------------------------------------------------------------------------------

/// The time a `date`-family argument denotes: `time.Time`, or unix seconds as `int`,
/// `int64`, `int32`; anything else means now.
fn time_arg(v: &Value, allow_int32: bool) -> GoTime {
    match v {
        Value::Object(_) => time_of(v).cloned().unwrap_or_else(GoTime::now),
        Value::Int(n, IntKind::Int | IntKind::Int64) => GoTime::unix(*n),
        Value::Int(n, IntKind::Int32) if allow_int32 => GoTime::unix(*n),
        _ => GoTime::now(),
    }
}

fn date_in_zone(layout: &str, t: &Value, zone: &str) -> Value {
    let t = time_arg(t, true);
    let loc = Location::load(zone).unwrap_or(Location::Utc);
    Value::str(t.in_loc(loc).format(layout))
}

fn arg_str(args: &[Value], i: usize) -> &str {
    args.get(i).and_then(Value::as_str).unwrap_or("")
}

fn time_param(args: &[Value], i: usize) -> Result<GoTime, FuncError> {
    args.get(i)
        .and_then(time_of)
        .cloned()
        .ok_or_else(|| FuncError::msg("wrong type for value; expected time.Time"))
}

/// Go's `time.Since(t)` in nanoseconds (saturating).
fn since(t: &GoTime) -> i64 {
    let now = GoTime::now();
    let d = now.total_nanos() - t.total_nanos();
    i64::try_from(d).unwrap_or(if d < 0 { i64::MIN } else { i64::MAX })
}

fn duration_round(d: i64) -> String {
    let u = d.unsigned_abs();
    const SEC: u64 = 1_000_000_000;
    let units: [(u64, &str); 6] = [
        (SEC * 3600 * 24 * 365, "y"),
        (SEC * 3600 * 24 * 30, "mo"),
        (SEC * 3600 * 24, "d"),
        (SEC * 3600, "h"),
        (SEC * 60, "m"),
        (SEC, "s"),
    ];
    for (size, name) in units {
        if u > size {
            return format!("{}{name}", u / size);
        }
    }
    "0s".to_string()
}

/// Go's `Duration.Round(time.Second)`.
fn round_to_second(d: i64) -> i64 {
    const S: i64 = 1_000_000_000;
    let r = d % S;
    if d < 0 {
        let r = -r;
        if r + r < S {
            d + r
        } else {
            d.checked_sub(S - r).unwrap_or(i64::MIN)
        }
    } else if r + r < S {
        d - r
    } else {
        d.checked_add(S - r).unwrap_or(i64::MAX)
    }
}

/// Registers this module's functions.
pub fn register(m: &mut FuncMap) {
    const TIME: Ty = Ty::Object("time.Time");
    // {{ now | date "2006" }}
    m.add("now", &[], None, |_, _| {
        Ok(TimeObject::value(GoTime::now()))
    });
    // {{ date "2006-01-02" 1700000000 }}
    m.add("date", &[Ty::Str, Ty::Any], None, |_, a| {
        Ok(date_in_zone(
            arg_str(a, 0),
            a.get(1).unwrap_or(&Value::Nil),
            "Local",
        ))
    });
    // {{ dateInZone "2006-01-02 15:04 MST" 1700000000 "UTC" }}
    m.add("dateInZone", &[Ty::Str, Ty::Any, Ty::Str], None, |_, a| {
        Ok(date_in_zone(
            arg_str(a, 0),
            a.get(1).unwrap_or(&Value::Nil),
            arg_str(a, 2),
        ))
    });
    m.alias("date_in_zone", "dateInZone");
    // {{ htmlDate 1700000000 }}
    m.add("htmlDate", &[Ty::Any], None, |_, a| {
        Ok(date_in_zone(
            "2006-01-02",
            a.first().unwrap_or(&Value::Nil),
            "Local",
        ))
    });
    // {{ htmlDateInZone 1700000000 "Asia/Tokyo" }}
    m.add("htmlDateInZone", &[Ty::Any, Ty::Str], None, |_, a| {
        Ok(date_in_zone(
            "2006-01-02",
            a.first().unwrap_or(&Value::Nil),
            arg_str(a, 1),
        ))
    });
    // {{ now | dateModify "-1.5h" }}
    m.add("dateModify", &[Ty::Str, TIME], None, |_, a| {
        let t = time_param(a, 1)?;
        Ok(TimeObject::value(match parse_duration(arg_str(a, 0)) {
            Ok(d) => t.add(d),
            Err(_) => t,
        }))
    });
    m.alias("date_modify", "dateModify");
    // {{ now | mustDateModify "1h" }}
    m.add("mustDateModify", &[Ty::Str, TIME], None, |_, a| {
        let t = time_param(a, 1)?;
        parse_duration(arg_str(a, 0))
            .map(|d| TimeObject::value(t.add(d)))
            .map_err(FuncError::msg)
    });
    m.alias("must_date_modify", "mustDateModify");
    // {{ ago (toDate "2006-01-02" "2020-01-01") }}
    m.add("ago", &[Ty::Any], None, |_, a| {
        let t = time_arg(a.first().unwrap_or(&Value::Nil), false);
        Ok(Value::str(format_duration(round_to_second(since(&t)))))
    });
    // {{ toDate "2006-01-02" "2024-03-05" }}
    m.add("toDate", &[Ty::Str, Ty::Str], None, |_, a| {
        Ok(TimeObject::value(
            parse_in_location(arg_str(a, 0), arg_str(a, 1), &Location::Local)
                .unwrap_or_else(|_| GoTime::zero()),
        ))
    });
    // {{ mustToDate "2006-01-02" "2024-03-05" }}
    m.add("mustToDate", &[Ty::Str, Ty::Str], None, |_, a| {
        parse_in_location(arg_str(a, 0), arg_str(a, 1), &Location::Local)
            .map(TimeObject::value)
            .map_err(FuncError::msg)
    });
    // {{ unixEpoch (toDate "2006-01-02" "2024-03-05") }}
    m.add("unixEpoch", &[TIME], None, |_, a| {
        Ok(Value::str(time_param(a, 0)?.unix.to_string()))
    });
    // {{ duration "3700" }} → 1h1m40s
    m.add("duration", &[Ty::Any], None, |_, a| {
        let n: i64 = match a.first() {
            Some(Value::Str(s)) => s.parse().unwrap_or(0),
            Some(Value::Int(n, IntKind::Int64)) => *n,
            _ => 0,
        };
        Ok(Value::str(format_duration(n.wrapping_mul(1_000_000_000))))
    });
    // {{ durationRound "2h10m" }} → 2h
    m.add("durationRound", &[Ty::Any], None, |_, a| {
        let v = a.first().unwrap_or(&Value::Nil);
        let d: i64 = match v {
            Value::Str(s) => parse_duration(s).unwrap_or(0),
            Value::Int(n, IntKind::Int64) => *n,
            Value::Object(_) => time_of(v).map(since).unwrap_or(0),
            _ => 0,
        };
        Ok(Value::str(duration_round(d)))
    });
}

#[cfg(test)]
pub(crate) mod replay {
    use gotmpl::fmt::format_v;
    use gotmpl::func::{FuncError, FuncMap};
    use gotmpl::value::Value;

    enum Tok {
        Str(String),
        Num(String),
        Ident(String),
        Open,
        Close,
        Pipe,
    }

    fn lex(s: &str) -> Option<Vec<Tok>> {
        let mut out = Vec::new();
        let mut it = s.chars().peekable();
        while let Some(&c) = it.peek() {
            match c {
                ' ' => {
                    it.next();
                }
                '(' => {
                    it.next();
                    out.push(Tok::Open);
                }
                ')' => {
                    it.next();
                    out.push(Tok::Close);
                }
                '|' => {
                    it.next();
                    out.push(Tok::Pipe);
                }
                '"' => {
                    it.next();
                    let mut v = String::new();
                    loop {
                        match it.next()? {
                            '"' => break,
                            '\\' => match it.next()? {
                                't' => v.push('\t'),
                                'n' => v.push('\n'),
                                'u' => {
                                    let hex: String = (0..4).filter_map(|_| it.next()).collect();
                                    v.push(char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?);
                                }
                                c => v.push(c),
                            },
                            c => v.push(c),
                        }
                    }
                    out.push(Tok::Str(v));
                }
                c if c.is_ascii_digit() || c == '-' => {
                    let mut v = String::new();
                    while let Some(&c) = it.peek() {
                        if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                            v.push(c);
                            it.next();
                        } else {
                            break;
                        }
                    }
                    out.push(Tok::Num(v));
                }
                c if c.is_ascii_alphabetic() || c == '_' => {
                    let mut v = String::new();
                    while let Some(&c) = it.peek() {
                        if c.is_ascii_alphanumeric() || c == '_' {
                            v.push(c);
                            it.next();
                        } else {
                            break;
                        }
                    }
                    out.push(Tok::Ident(v));
                }
                _ => return None,
            }
        }
        Some(out)
    }

    /// `None`: not replayable. `Some(Err)`: a function failed (name, message).
    type Eval = Option<Result<Value, (String, String)>>;

    fn pipeline(m: &FuncMap, toks: &[Tok], i: &mut usize) -> Eval {
        let mut prev: Option<Value> = None;
        loop {
            let Some(Tok::Ident(name)) = toks.get(*i) else {
                return None;
            };
            *i += 1;
            let mut args = Vec::new();
            while let Some(t) = toks.get(*i) {
                match t {
                    Tok::Str(s) => args.push(Value::str(s)),
                    Tok::Num(n) => args.push(if let Ok(x) = n.parse::<i64>() {
                        Value::int(x)
                    } else {
                        Value::Float(n.parse().ok()?)
                    }),
                    Tok::Ident(w) if w == "nil" => args.push(Value::Nil),
                    Tok::Ident(w) if w == "true" || w == "false" => {
                        args.push(Value::Bool(w == "true"))
                    }
                    Tok::Open => {
                        *i += 1;
                        match pipeline(m, toks, i)? {
                            Ok(v) => args.push(v),
                            e => return Some(e),
                        }
                        if !matches!(toks.get(*i), Some(Tok::Close)) {
                            return None;
                        }
                    }
                    _ => break,
                }
                *i += 1;
            }
            if let Some(p) = prev.take() {
                args.push(p);
            }
            m.get(name)?;
            match m.call(name, &args) {
                Ok(v) => prev = Some(v),
                Err(FuncError::Msg(e)) => return Some(Err((name.clone(), e))),
                Err(_) => return None,
            }
            if matches!(toks.get(*i), Some(Tok::Pipe)) {
                *i += 1;
                continue;
            }
            return prev.map(Ok);
        }
    }

    fn render(m: &FuncMap, text: &str) -> Eval {
        let mut out = String::new();
        let mut rest = text;
        while let Some(start) = rest.find("{{") {
            out.push_str(&rest[..start]);
            let end = rest[start..].find("}}")? + start;
            let toks = lex(rest[start + 2..end].trim())?;
            let mut i = 0;
            match pipeline(m, &toks, &mut i)? {
                Ok(v) => out.push_str(&format_v(&v)),
                Err(e) => return Some(Err(e)),
            }
            if i != toks.len() {
                return None;
            }
            rest = &rest[end + 2..];
        }
        out.push_str(rest);
        Some(Ok(Value::str(out)))
    }

    /// Replays every replayable single-file case of `testdata/funcs/NAME.cases`; returns
    /// how many were checked. Panics on the first mismatch.
    pub(crate) fn replay(m: &FuncMap, name: &str, skip: &[&str]) -> usize {
        let root = format!("{}/../../testdata/funcs/{name}", env!("CARGO_MANIFEST_DIR"));
        // Goldens were recorded under TZ=UTC; time.Local must be UTC whatever the host's
        // zone (every replaying test calls this before any date function runs in it).
        gotime::pin_local_zone("UTC").unwrap_or_else(|e| panic!("{e}"));
        let read = |p: String| std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{p}: {e}"));
        let cases = read(format!("{root}.cases"));
        let golden: serde_json::Value =
            serde_json::from_str(&read(format!("{root}.golden.json"))).expect("golden JSON");
        let mut blocks: Vec<(String, Vec<&str>)> = Vec::new();
        for line in cases.lines() {
            if let Some(n) = line.strip_prefix("=== ") {
                blocks.push((n.trim().to_string(), Vec::new()));
            } else if let Some((_, b)) = blocks.last_mut() {
                b.push(line);
            }
        }
        let mut checked = 0;
        for (cname, lines) in blocks {
            if skip.contains(&cname.as_str()) || lines.iter().any(|l| l.starts_with("--- ")) {
                continue;
            }
            let text = lines.join("\n");
            let want = &golden[cname.as_str()];
            let Some(got) = render(m, &text) else {
                continue;
            };
            match (got, want.get("out"), want.get("err")) {
                (Ok(v), Some(w), _) => {
                    assert_eq!(Some(format_v(&v).as_str()), w.as_str(), "case {cname}")
                }
                (Err(_), _, Some(w)) if !w.as_str().unwrap_or("").contains("error calling") => {
                    // An executor-level error (argument type checks) is not ours to replay.
                    continue;
                }
                (Err((f, e)), _, Some(w)) => {
                    let w = w.as_str().unwrap_or("");
                    let tail = format!("error calling {f}: {e}");
                    assert!(w.ends_with(&tail), "case {cname}: got {tail:?}, want {w:?}");
                }
                (Err(_), _, None) | (Ok(_), None, _) => {
                    let tail = want.get("err").and_then(|e| e.as_str()).unwrap_or("");
                    // An executor-level error (argument type checks) is not ours to replay.
                    if tail.contains("error calling") || want.get("out").is_some() {
                        panic!("case {cname}: mismatch, want {want}");
                    }
                    continue;
                }
            }
            checked += 1;
        }
        checked
    }
}

#[cfg(test)]
mod golden_tests {
    use super::*;

    #[test]
    fn recorded_date_goldens() {
        let mut m = FuncMap::new();
        register(&mut m);
        let n = replay::replay(&m, "date", &[]);
        assert!(n >= 200, "only {n} cases replayed");
    }

    #[test]
    fn the_local_zone_can_be_pinned_once() {
        // The replays pin time.Local to UTC: pinning it to UTC holds, to another zone fails.
        assert_eq!(pin_local_zone("UTC"), Ok(()));
        let err = pin_local_zone("America/New_York").expect_err("already UTC");
        assert!(err.contains("America/New_York"), "{err}");
        assert_eq!(
            GoTime::unix(1_700_000_000)
                .in_loc(Location::Local)
                .go_string(),
            GoTime::unix(1_700_000_000)
                .in_loc(Location::Utc)
                .go_string()
        );
    }

    proptest::proptest! {
        #[test]
        fn parsing_and_formatting_never_panic(layout in "\\PC{0,24}", value in "\\PC{0,24}", unix in proptest::num::i64::ANY) {
            let _ = parse_in_location(&layout, &value, &Location::Utc);
            let _ = parse_in_location("2006-01-02T15:04:05Z07:00:00 MST .000", &value, &Location::Local);
            let t = GoTime::unix(unix);
            let _ = t.format(&layout);
            let _ = t.go_string();
            let _ = TimeObject(t).get("AddDate", &[Value::int(unix), Value::int(unix), Value::int(unix)]);
            let _ = parse_duration(&value);
            let _ = format_duration(unix);
        }
    }

    #[test]
    fn functions_via_funcmap() {
        assert_eq!(duration_round(7_800_000_000_000), "2h");
        let mut m = FuncMap::new();
        register(&mut m);
        let r = m.call(
            "dateInZone",
            &[
                "2006-01-02 15:04 MST".into(),
                Value::int(1_700_000_000),
                "UTC".into(),
            ],
        );
        assert!(matches!(r, Ok(Value::Str(s)) if &*s == "2023-11-14 22:13 UTC"));
        let r = m.call("duration", &[Value::int(3700)]);
        assert!(matches!(r, Ok(Value::Str(s)) if &*s == "0s"));
        let r = m.call("duration", &["3700".into()]);
        assert!(matches!(r, Ok(Value::Str(s)) if &*s == "1h1m40s"));
        let now = m.call("now", &[]);
        assert!(matches!(&now, Ok(Value::Object(o)) if o.format().contains(" m=+")));
    }
}
