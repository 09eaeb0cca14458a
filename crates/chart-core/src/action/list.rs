//! `helm list` (Helm's `pkg/action/list.go` and `cmd/helm/list.go`): the latest revision
//! of every release in a namespace (or all of them), filtered by status, name and labels,
//! sorted and paged.

use std::collections::BTreeMap;

use gotmpl::Value;

use super::get::ReadError;
use super::history::{format_app_version, format_chart_name};
use super::output::{self, OutputFormat, Table};
use crate::release::{Release, Status};
use crate::storage::Storage;

/// Which statuses `list` shows (Helm's `ListStates` bit mask).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StateMask(u32);

impl StateMask {
    /// `deployed`.
    pub const DEPLOYED: StateMask = StateMask(1);
    /// `uninstalled`.
    pub const UNINSTALLED: StateMask = StateMask(1 << 1);
    /// `uninstalling`.
    pub const UNINSTALLING: StateMask = StateMask(1 << 2);
    /// `pending-install`.
    pub const PENDING_INSTALL: StateMask = StateMask(1 << 3);
    /// `pending-upgrade`.
    pub const PENDING_UPGRADE: StateMask = StateMask(1 << 4);
    /// `pending-rollback`.
    pub const PENDING_ROLLBACK: StateMask = StateMask(1 << 5);
    /// `superseded`.
    pub const SUPERSEDED: StateMask = StateMask(1 << 6);
    /// `failed`.
    pub const FAILED: StateMask = StateMask(1 << 7);
    /// Any other status.
    pub const UNKNOWN: StateMask = StateMask(1 << 8);
    /// Every named status (not `UNKNOWN`: Helm's `ListAll`).
    pub const ALL: StateMask = StateMask(0xff);

    /// The bit of a status.
    pub fn of(s: &Status) -> StateMask {
        match s {
            Status::Deployed => Self::DEPLOYED,
            Status::Uninstalled => Self::UNINSTALLED,
            Status::Superseded => Self::SUPERSEDED,
            Status::Failed => Self::FAILED,
            Status::Uninstalling => Self::UNINSTALLING,
            Status::PendingInstall => Self::PENDING_INSTALL,
            Status::PendingUpgrade => Self::PENDING_UPGRADE,
            Status::PendingRollback => Self::PENDING_ROLLBACK,
            _ => Self::UNKNOWN,
        }
    }

    /// Both masks' bits.
    pub fn union(self, o: StateMask) -> StateMask {
        StateMask(self.0 | o.0)
    }

    /// Whether any bit is shared.
    pub fn intersects(self, o: StateMask) -> bool {
        self.0 & o.0 != 0
    }
}

/// What `list` shows and how (Helm's `action.List` fields).
#[derive(Clone, Debug)]
pub struct ListOptions {
    /// `-a`: every status.
    pub all: bool,
    /// `--deployed`.
    pub deployed: bool,
    /// `--failed`.
    pub failed: bool,
    /// `--pending`.
    pub pending: bool,
    /// `--superseded`.
    pub superseded: bool,
    /// `--uninstalled`.
    pub uninstalled: bool,
    /// `--uninstalling`.
    pub uninstalling: bool,
    /// `--filter`: a regular expression the name must match.
    pub filter: String,
    /// `-l`: a label selector over the record's labels.
    pub selector: String,
    /// `-d/--date`: newest first.
    pub by_date: bool,
    /// `-r`: reverse order.
    pub reverse: bool,
    /// `-m/--max` (0: no limit).
    pub limit: i64,
    /// `--offset`.
    pub offset: i64,
}

impl Default for ListOptions {
    fn default() -> Self {
        ListOptions {
            all: false,
            deployed: false,
            failed: false,
            pending: false,
            superseded: false,
            uninstalled: false,
            uninstalling: false,
            filter: String::new(),
            selector: String::new(),
            by_date: false,
            reverse: false,
            limit: 256,
            offset: 0,
        }
    }
}

impl ListOptions {
    /// The statuses to show (Helm's `SetStateMask`): `deployed` and `failed` unless a
    /// status flag or `-a` says otherwise.
    pub fn state_mask(&self) -> StateMask {
        if self.all {
            return StateMask::ALL;
        }
        let mut m = StateMask(0);
        let flags = [
            (self.deployed, StateMask::DEPLOYED),
            (self.uninstalled, StateMask::UNINSTALLED),
            (self.uninstalling, StateMask::UNINSTALLING),
            (
                self.pending,
                StateMask::PENDING_INSTALL
                    .union(StateMask::PENDING_ROLLBACK)
                    .union(StateMask::PENDING_UPGRADE),
            ),
            (self.failed, StateMask::FAILED),
            (self.superseded, StateMask::SUPERSEDED),
        ];
        for (on, bit) in flags {
            if on {
                m = m.union(bit);
            }
        }
        if m.0 == 0 {
            StateMask::DEPLOYED.union(StateMask::FAILED)
        } else {
            m
        }
    }
}

/// The releases `list` shows, from every record the storage holds.
pub async fn list(storage: &Storage, opts: &ListOptions) -> Result<Vec<Release>, ReadError> {
    let filter = if opts.filter.is_empty() {
        None
    } else {
        Some(regex::Regex::new(&opts.filter).map_err(|e| ReadError::Filter(e.to_string()))?)
    };
    let all = storage
        .driver()
        .list(&|r: &Release| filter.as_ref().is_none_or(|f| f.is_match(&r.name)))
        .await?;
    select(all, opts)
}

/// `list`'s selection over records already filtered by name: the latest revision per
/// (namespace, name) (skipped when only `--superseded` is asked for), then statuses,
/// labels, order, offset and limit.
pub fn select(records: Vec<Release>, opts: &ListOptions) -> Result<Vec<Release>, ReadError> {
    let selector = Selector::parse(&opts.selector)?;
    let mask = opts.state_mask();
    let mut results = if mask == StateMask::SUPERSEDED {
        records
    } else {
        latest(records)
    };
    results.retain(|r| mask.intersects(StateMask::of(&r.status())));
    results.retain(|r| selector.matches(&r.labels));
    sort(&mut results, opts);
    let offset = usize::try_from(opts.offset.max(0)).unwrap_or(usize::MAX);
    if offset >= results.len() {
        return Ok(Vec::new());
    }
    let mut limit = results.len();
    if opts.limit > 0 {
        limit = limit.min(usize::try_from(opts.limit).unwrap_or(usize::MAX));
    }
    let last = (offset + limit).min(results.len());
    Ok(results.drain(offset..last).collect())
}

/// The highest revision per namespace and name. Helm keeps them in a Go map, so the
/// order before sorting is random there; here it is the storage order of the kept record.
fn latest(records: Vec<Release>) -> Vec<Release> {
    let mut best: BTreeMap<(String, String), usize> = BTreeMap::new();
    for (i, r) in records.iter().enumerate() {
        let key = (r.namespace.clone(), r.name.clone());
        match best.get(&key) {
            Some(&j) if records[j].version > r.version => {}
            _ => {
                best.insert(key, i);
            }
        }
    }
    let mut keep: Vec<usize> = best.into_values().collect();
    keep.sort_unstable();
    let mut out = Vec::with_capacity(keep.len());
    let mut it = keep.into_iter().peekable();
    for (i, r) in records.into_iter().enumerate() {
        if it.peek() == Some(&i) {
            it.next();
            out.push(r);
        }
    }
    out
}

/// Helm's sort: by name (`-r`: descending), or with `--date` by deploy time, whole
/// seconds, oldest first (`-r`: newest first). Helm's help says `--date` puts the latest
/// first; its code (ByDateDesc = ascending sort) does not, and this follows the code.
fn sort(rels: &mut [Release], opts: &ListOptions) {
    let secs = |r: &Release| r.info.as_ref().map(|i| i.last_deployed.unix()).unwrap_or(0);
    if opts.by_date {
        rels.sort_by_key(secs);
        if opts.reverse {
            rels.reverse();
        }
    } else {
        rels.sort_by(|a, b| a.name.cmp(&b.name));
        if opts.reverse {
            rels.reverse();
        }
    }
}

/// How `list` prints times: `--time-format` (a Go layout) or Go's `Time.String()`.
#[derive(Clone, Debug, Default)]
pub struct ListPrint {
    /// `--time-format`.
    pub time_format: String,
    /// `--no-headers`.
    pub no_headers: bool,
    /// `-q/--short`: names only.
    pub short: bool,
}

/// The releases as `helm list -o FORMAT` prints them.
pub fn write_list(
    rels: &[Release],
    format: OutputFormat,
    p: &ListPrint,
) -> Result<String, ReadError> {
    if p.short {
        return Ok(match format {
            OutputFormat::Table => rels.iter().map(|r| format!("{}\n", r.name)).collect(),
            OutputFormat::Json => output::encode_json(&names(rels))?,
            OutputFormat::Yaml => output::encode_yaml(&names(rels))?,
        });
    }
    let rows: Vec<[String; 7]> = rels
        .iter()
        .map(|r| {
            let info = r.info.clone().unwrap_or_default();
            let updated = if info.last_deployed.is_zero() {
                "-".to_owned()
            } else if !p.time_format.is_empty() {
                output::format_time(&info.last_deployed, &p.time_format)
            } else {
                output::time_string(&info.last_deployed)
            };
            [
                r.name.clone(),
                r.namespace.clone(),
                r.version.to_string(),
                updated,
                info.status.to_string(),
                format_chart_name(r.chart.as_ref()),
                format_app_version(r.chart.as_ref()),
            ]
        })
        .collect();
    if format == OutputFormat::Table {
        let mut t = Table::new();
        if !p.no_headers {
            t.add_row([
                "NAME",
                "NAMESPACE",
                "REVISION",
                "UPDATED",
                "STATUS",
                "CHART",
                "APP VERSION",
            ]);
        }
        for row in rows {
            t.add_row(row);
        }
        return Ok(t.render());
    }
    let q = |s: &str| goyaml::to_json(&Value::str(s)).unwrap_or_default();
    let items: Vec<String> = rows
        .iter()
        .map(|r| {
            format!(
                "{{\"name\":{},\"namespace\":{},\"revision\":{},\"updated\":{},\"status\":{},\"chart\":{},\"app_version\":{}}}",
                q(&r[0]), q(&r[1]), q(&r[2]), q(&r[3]), q(&r[4]), q(&r[5]), q(&r[6])
            )
        })
        .collect();
    let json = format!("[{}]", items.join(","));
    Ok(match format {
        OutputFormat::Json => json + "\n",
        _ => output::json_text_to_yaml(&json)?,
    })
}

fn names(rels: &[Release]) -> Value {
    Value::list(rels.iter().map(|r| Value::str(&r.name)).collect())
}

/// A Kubernetes label selector (`k8s.io/apimachinery/pkg/labels.Parse`): comma-separated
/// requirements `k=v`, `k==v`, `k!=v`, `k in (a,b)`, `k notin (a,b)`, `k`, `!k`,
/// `k>n`, `k<n`.
#[derive(Clone, Debug, Default)]
pub struct Selector {
    reqs: Vec<Requirement>,
}

#[derive(Clone, Debug)]
enum Requirement {
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
    Exists(String),
    NotExists(String),
    Gt(String, i64),
    Lt(String, i64),
}

impl Selector {
    /// Parses a selector; the empty selector matches everything.
    pub fn parse(s: &str) -> Result<Selector, ReadError> {
        let mut reqs = Vec::new();
        for part in split_top(s) {
            let part = part.trim();
            if part.is_empty() {
                if s.trim().is_empty() {
                    continue;
                }
                return Err(ReadError::Selector(format!(
                    "found '', expected: identifier"
                )));
            }
            reqs.push(parse_requirement(part)?);
        }
        Ok(Selector { reqs })
    }

    /// Whether `labels` satisfy every requirement.
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        self.reqs.iter().all(|r| match r {
            Requirement::In(k, vs) => labels.get(k).is_some_and(|v| vs.contains(v)),
            Requirement::NotIn(k, vs) => labels.get(k).is_none_or(|v| !vs.contains(v)),
            Requirement::Exists(k) => labels.contains_key(k),
            Requirement::NotExists(k) => !labels.contains_key(k),
            Requirement::Gt(k, n) => labels
                .get(k)
                .and_then(|v| v.parse::<i64>().ok())
                .is_some_and(|v| v > *n),
            Requirement::Lt(k, n) => labels
                .get(k)
                .and_then(|v| v.parse::<i64>().ok())
                .is_some_and(|v| v < *n),
        })
    }
}

/// Splits on commas outside parentheses.
fn split_top(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut depth = 0;
    let mut start = 0;
    for (i, c) in s.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                out.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&s[start..]);
    out
}

fn parse_requirement(p: &str) -> Result<Requirement, ReadError> {
    let bad = |msg: String| ReadError::Selector(msg);
    if let Some(k) = p.strip_prefix('!') {
        return Ok(Requirement::NotExists(k.trim().to_owned()));
    }
    for (op, ne) in [("!=", true), ("==", false), ("=", false)] {
        if let Some((k, v)) = p.split_once(op) {
            let (k, v) = (k.trim().to_owned(), v.trim().to_owned());
            return Ok(if ne {
                Requirement::NotIn(k, vec![v])
            } else {
                Requirement::In(k, vec![v])
            });
        }
    }
    for (op, gt) in [(">", true), ("<", false)] {
        if let Some((k, v)) = p.split_once(op) {
            let n = v.trim().parse::<i64>().map_err(|_| {
                bad(format!(
                    "for 'Gt', 'Lt' operators, the value must be an integer"
                ))
            })?;
            let k = k.trim().to_owned();
            return Ok(if gt {
                Requirement::Gt(k, n)
            } else {
                Requirement::Lt(k, n)
            });
        }
    }
    let words: Vec<&str> = p.splitn(2, char::is_whitespace).collect();
    if let [k, rest] = words.as_slice() {
        let rest = rest.trim();
        let (not, list) = if let Some(l) = rest.strip_prefix("notin") {
            (true, l)
        } else if let Some(l) = rest.strip_prefix("in") {
            (false, l)
        } else {
            return Err(bad(format!(
                "found '{rest}', expected: in, notin, =, ==, !=, gt, lt"
            )));
        };
        let list = list.trim();
        let inner = list
            .strip_prefix('(')
            .and_then(|l| l.strip_suffix(')'))
            .ok_or_else(|| bad(format!("found '{list}', expected: '('")))?;
        let vals: Vec<String> = inner.split(',').map(|v| v.trim().to_owned()).collect();
        let k = (*k).to_owned();
        return Ok(if not {
            Requirement::NotIn(k, vals)
        } else {
            Requirement::In(k, vals)
        });
    }
    Ok(Requirement::Exists(p.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(kv: &[(&str, &str)]) -> BTreeMap<String, String> {
        kv.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn selectors() {
        let l = labels(&[("team", "blue"), ("version", "3")]);
        for (sel, want) in [
            ("", true),
            ("team=blue", true),
            ("team==blue", true),
            ("team!=blue", false),
            ("team in (red, blue)", true),
            ("team notin (red,blue)", false),
            ("team", true),
            ("!team", false),
            ("tier", false),
            ("!tier", true),
            ("version>2", true),
            ("version<3", false),
            ("team=blue,tier!=db", true),
        ] {
            let s = Selector::parse(sel).expect(sel);
            assert_eq!(s.matches(&l), want, "{sel}");
        }
    }

    #[test]
    fn state_masks() {
        let o = ListOptions::default();
        assert_eq!(o.state_mask(), StateMask::DEPLOYED.union(StateMask::FAILED));
        let o = ListOptions {
            superseded: true,
            ..ListOptions::default()
        };
        assert_eq!(o.state_mask(), StateMask::SUPERSEDED);
        assert!(!StateMask::ALL.intersects(StateMask::of(&Status::Unknown)));
    }
}
