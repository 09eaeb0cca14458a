//! Masterminds/semver v3.3 versions and constraints, as far as chart loading needs them:
//! `Chart.yaml` version validation and matching a dependency's `version` range against a
//! loaded subchart (`chartutil.IsCompatibleRange`).

use std::cmp::Ordering;
use std::sync::OnceLock;

use regex::Regex;

/// A parsed (non-strict) semantic version: `1`, `1.2`, `v1.2.3-rc.1+meta` are all accepted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Version {
    major: u64,
    minor: u64,
    patch: u64,
    pre: String,
}

const CV: &str = r"v?([0-9|x|X|\*]+)(\.[0-9|x|X|\*]+)?(\.[0-9|x|X|\*]+)?(-([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?(\+([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?";
const OPS: &str = r"=||!=|>|<|>=|=>|<=|=<|~|~>|\^";
const WS: &str = r"[\t\n\f\r ]";

fn version_re() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    R.get_or_init(|| {
        Regex::new(r"^v?([0-9]+)(\.[0-9]+)?(\.[0-9]+)?(-([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?(\+([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?$")
            .unwrap_or_else(|_| unreachable!("constant regex"))
    })
}

fn re(slot: &'static OnceLock<Regex>, src: impl FnOnce() -> String) -> &'static Regex {
    slot.get_or_init(|| Regex::new(&src()).unwrap_or_else(|_| unreachable!("constant regex")))
}

fn constraint_re() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    re(&R, || format!(r"^{WS}*({OPS}){WS}*({CV}){WS}*$"))
}
fn range_re() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    re(&R, || format!(r"{WS}*({CV}){WS}+-{WS}+({CV}){WS}*"))
}
fn find_re() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    re(&R, || format!(r"({OPS}){WS}*({CV})"))
}
fn valid_re() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    re(&R, || {
        format!(r"^({WS}*({OPS}){WS}*({CV}){WS}*)((?:{WS}+|,{WS}*)({OPS}){WS}*({CV}){WS}*)*$")
    })
}

fn only(s: &str, f: impl Fn(u8) -> bool) -> bool {
    s.bytes().all(f)
}
fn allowed(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-'
}

impl std::fmt::Display for Version {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)?;
        if !self.pre.is_empty() {
            write!(f, "-{}", self.pre)?;
        }
        Ok(())
    }
}

impl Version {
    /// The major number.
    pub fn major(&self) -> u64 {
        self.major
    }
    /// The minor number.
    pub fn minor(&self) -> u64 {
        self.minor
    }
    /// `semver.NewVersion`: `None` when the text is not a version.
    pub fn parse(v: &str) -> Option<Version> {
        let m = version_re().captures(v)?;
        let seg = |i: usize| -> Option<u64> {
            match m.get(i) {
                None => Some(0),
                Some(s) => s.as_str().trim_start_matches('.').parse().ok(),
            }
        };
        let pre = m.get(5).map_or("", |x| x.as_str()).to_owned();
        for p in pre.split('.').filter(|_| !pre.is_empty()) {
            if only(p, |b| b.is_ascii_digit()) {
                if p.len() > 1 && p.starts_with('0') {
                    return None;
                }
            } else if !only(p, allowed) {
                return None;
            }
        }
        Some(Version {
            major: seg(1)?,
            minor: seg(2)?,
            patch: seg(3)?,
            pre,
        })
    }

    fn compare(&self, o: &Version) -> Ordering {
        self.major
            .cmp(&o.major)
            .then(self.minor.cmp(&o.minor))
            .then(self.patch.cmp(&o.patch))
            .then_with(|| match (self.pre.is_empty(), o.pre.is_empty()) {
                (true, true) => Ordering::Equal,
                (true, false) => Ordering::Greater,
                (false, true) => Ordering::Less,
                (false, false) => compare_pre(&self.pre, &o.pre),
            })
    }
}

fn compare_pre(a: &str, b: &str) -> Ordering {
    let sa: Vec<&str> = a.split('.').collect();
    let sb: Vec<&str> = b.split('.').collect();
    for i in 0..sa.len().max(sb.len()) {
        let x = sa.get(i).copied().unwrap_or("");
        let y = sb.get(i).copied().unwrap_or("");
        let d = compare_pre_part(x, y);
        if d != Ordering::Equal {
            return d;
        }
    }
    Ordering::Equal
}

fn compare_pre_part(s: &str, o: &str) -> Ordering {
    if s == o {
        return Ordering::Equal;
    }
    if s.is_empty() {
        return Ordering::Less;
    }
    if o.is_empty() {
        return Ordering::Greater;
    }
    match (s.parse::<u64>(), o.parse::<u64>()) {
        (Err(_), Err(_)) => {
            if s > o {
                Ordering::Greater
            } else {
                Ordering::Less
            }
        }
        (Ok(_), Err(_)) => Ordering::Less,
        (Err(_), Ok(_)) => Ordering::Greater,
        (Ok(x), Ok(y)) => {
            if x > y {
                Ordering::Greater
            } else {
                Ordering::Less
            }
        }
    }
}

#[derive(Clone, Debug)]
struct Constraint {
    op: String,
    con: Version,
    minor_dirty: bool,
    patch_dirty: bool,
    dirty: bool,
}

/// A parsed constraint (`>=1.2 <2`, `^1.0 || ~2.3`, `1.2.x`, `1 - 2`).
#[derive(Clone, Debug)]
pub struct Constraints(Vec<Vec<Constraint>>);

fn is_x(s: &str) -> bool {
    matches!(s, "x" | "*" | "X")
}

impl Constraints {
    /// `semver.NewConstraint`: `None` when the text is not a valid constraint (an empty
    /// string is not).
    pub fn parse(c: &str) -> Option<Constraints> {
        let c = rewrite_range(c);
        let mut ors = Vec::new();
        for part in c.split("||") {
            if !valid_re().is_match(part) {
                return None;
            }
            let mut found: Vec<&str> = find_re().find_iter(part).map(|m| m.as_str()).collect();
            if found.is_empty() {
                found.push(part);
            }
            let mut and = Vec::new();
            for s in found {
                and.push(parse_one(s)?);
            }
            ors.push(and);
        }
        Some(Constraints(ors))
    }

    /// Whether `v` satisfies the constraint.
    pub fn check(&self, v: &Version) -> bool {
        self.0.iter().any(|and| and.iter().all(|c| c.check(v)))
    }
}

fn rewrite_range(i: &str) -> String {
    let mut o = i.to_owned();
    for m in range_re().captures_iter(i) {
        let (Some(all), Some(a), Some(b)) = (m.get(0), m.get(1), m.get(11)) else {
            continue;
        };
        let t = format!(">= {}, <= {} ", a.as_str(), b.as_str());
        o = o.replacen(all.as_str(), &t, 1);
    }
    o
}

fn parse_one(c: &str) -> Option<Constraint> {
    if c.is_empty() {
        return Some(Constraint {
            op: String::new(),
            con: Version {
                major: 0,
                minor: 0,
                patch: 0,
                pre: String::new(),
            },
            minor_dirty: false,
            patch_dirty: false,
            dirty: true,
        });
    }
    let m = constraint_re().captures(c)?;
    let g = |i: usize| m.get(i).map_or("", |x| x.as_str());
    let (op, whole, major, minor, patch, pre) = (g(1), g(2), g(3), g(4), g(5), g(6));
    let (mut minor_dirty, mut patch_dirty, mut dirty) = (false, false, false);
    let ver = if is_x(major) || major.is_empty() {
        dirty = true;
        format!("0.0.0{pre}")
    } else if is_x(minor.trim_start_matches('.')) || minor.is_empty() {
        minor_dirty = true;
        dirty = true;
        format!("{major}.0.0{pre}")
    } else if is_x(patch.trim_start_matches('.')) || patch.is_empty() {
        dirty = true;
        patch_dirty = true;
        format!("{major}{minor}.0{pre}")
    } else {
        whole.to_owned()
    };
    Some(Constraint {
        op: op.to_owned(),
        con: Version::parse(&ver)?,
        minor_dirty,
        patch_dirty,
        dirty,
    })
}

impl Constraint {
    fn check(&self, v: &Version) -> bool {
        let c = &self.con;
        let pre_block = !v.pre.is_empty() && c.pre.is_empty();
        match self.op.as_str() {
            "" | "=" => {
                if pre_block {
                    false
                } else if self.dirty {
                    self.tilde(v)
                } else {
                    v.compare(c) == Ordering::Equal
                }
            }
            "!=" => self.not_equal(v),
            ">" => {
                if pre_block {
                    return false;
                }
                if !self.dirty {
                    return v.compare(c) == Ordering::Greater;
                }
                if v.major != c.major {
                    return v.major > c.major;
                }
                if self.minor_dirty {
                    return false;
                }
                if self.patch_dirty {
                    return v.minor > c.minor;
                }
                v.compare(c) == Ordering::Greater
            }
            "<" => !pre_block && v.compare(c) == Ordering::Less,
            ">=" | "=>" => !pre_block && v.compare(c) != Ordering::Less,
            "<=" | "=<" => {
                if pre_block {
                    return false;
                }
                if !self.dirty {
                    return v.compare(c) != Ordering::Greater;
                }
                !(v.major > c.major
                    || (v.major == c.major && v.minor > c.minor && !self.minor_dirty))
            }
            "~" | "~>" => !pre_block && self.tilde(v),
            "^" => {
                if pre_block || v.compare(c) == Ordering::Less {
                    return false;
                }
                if c.major > 0 || self.minor_dirty {
                    return v.major == c.major;
                }
                if v.major > 0 {
                    return false;
                }
                if c.minor > 0 || self.patch_dirty {
                    return v.minor == c.minor;
                }
                if v.minor > 0 {
                    return false;
                }
                c.patch == v.patch
            }
            _ => false,
        }
    }

    fn tilde(&self, v: &Version) -> bool {
        let c = &self.con;
        if !v.pre.is_empty() && c.pre.is_empty() {
            return false;
        }
        if v.compare(c) == Ordering::Less {
            return false;
        }
        if c.major == 0 && c.minor == 0 && c.patch == 0 && !self.minor_dirty && !self.patch_dirty {
            return true;
        }
        if v.major != c.major {
            return false;
        }
        v.minor == c.minor || self.minor_dirty
    }

    fn not_equal(&self, v: &Version) -> bool {
        let c = &self.con;
        if self.dirty {
            if !v.pre.is_empty() && c.pre.is_empty() {
                return false;
            }
            if c.major != v.major {
                return true;
            }
            if c.minor != v.minor && !self.minor_dirty {
                return true;
            } else if self.minor_dirty {
                return false;
            } else if c.patch != v.patch && !self.patch_dirty {
                return true;
            } else if self.patch_dirty {
                if !v.pre.is_empty() || !c.pre.is_empty() {
                    return compare_pre(&v.pre, &c.pre) != Ordering::Equal;
                }
                return false;
            }
        }
        v.compare(c) != Ordering::Equal
    }
}

/// `chartutil.IsCompatibleRange`: whether version `ver` satisfies constraint `range`
/// (false when either does not parse).
pub fn is_compatible_range(range: &str, ver: &str) -> bool {
    match (Constraints::parse(range), Version::parse(ver)) {
        (Some(c), Some(v)) => c.check(&v),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions() {
        for ok in ["1", "1.2", "v1.2.3", "1.2.3-rc.1+b.5", "0.0.0"] {
            assert!(Version::parse(ok).is_some(), "{ok}");
        }
        for bad in ["", "abc", "1.2.3.4", "1.2.3-01", "1.2.3-", " 1.2.3"] {
            assert!(Version::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn ranges() {
        let cases = [
            (">=1.0.0", "1.2.3", true),
            ("^1.2", "1.9.0", true),
            ("^1.2", "2.0.0", false),
            ("~1.2.0", "1.2.9", true),
            ("~1.2.0", "1.3.0", false),
            ("1.2.x", "1.2.7", true),
            ("1.2.x", "1.3.0", false),
            ("*", "3.0.0", true),
            ("*", "3.0.0-rc1", false),
            (">=1.0.0-0", "3.0.0-rc1", true),
            ("1.0.0 - 2.0.0", "1.5.0", true),
            ("1.0.0 - 2.0.0", "2.0.1", false),
            (">1, <2 || >=3", "3.1.0", true),
            (">1, <2 || >=3", "2.5.0", false),
            ("", "1.0.0", false),
            ("0.1.0", "0.1.0", true),
            ("0.1.0", "0.1.1", false),
            ("!=1.2.3", "1.2.4", true),
            ("<=1.2", "1.2.9", true),
            ("<=1.2", "1.3.0", false),
        ];
        for (c, v, want) in cases {
            assert_eq!(is_compatible_range(c, v), want, "{c} {v}");
        }
    }
}
