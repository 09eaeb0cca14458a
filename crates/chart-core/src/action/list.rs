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
        if let Some(nested) = nested_repetition(&opts.filter) {
            return Err(ReadError::Filter(format!(
                "error parsing regexp: invalid nested repetition operator: `{nested}`"
            )));
        }
        Some(
            regex::Regex::new(&opts.filter)
                .map_err(|e| ReadError::Filter(go_regexp_error(&opts.filter, &e)))?,
        )
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

/// Go's `regexp.Compile` error text for a pattern our regex engine refused
/// (`error parsing regexp: missing closing ): \`(\``), for the common syntax errors; other
/// errors keep the engine's words after Go's prefix.
fn go_regexp_error(pattern: &str, err: &regex::Error) -> String {
    use regex_syntax::ast::ErrorKind as K;
    let prefix = "error parsing regexp: ";
    let Err(e) = regex_syntax::ast::parse::Parser::new().parse(pattern) else {
        return format!("{prefix}{err}");
    };
    let span = e.span();
    let at = |a: usize, b: usize| pattern.get(a..b).unwrap_or(pattern);
    let (what, text) = match e.kind() {
        K::GroupUnclosed => ("missing closing )", pattern),
        K::GroupUnopened => ("unexpected )", pattern),
        K::ClassUnclosed => ("missing closing ]", at(span.start.offset, pattern.len())),
        K::RepetitionMissing => {
            // The operator: one character, or a whole `{…}`.
            let rest = at(span.start.offset, pattern.len());
            let len = match rest.chars().next() {
                Some('{') => rest.find('}').map_or(rest.len(), |i| i + 1),
                Some(c) => c.len_utf8(),
                None => 0,
            };
            ("missing argument to repetition operator", &rest[..len])
        }
        K::EscapeUnrecognized => (
            "invalid escape sequence",
            at(span.start.offset, span.end.offset),
        ),
        K::ClassRangeInvalid => (
            "invalid character class range",
            at(span.start.offset, span.end.offset),
        ),
        K::RepetitionCountInvalid => (
            "invalid repeat count",
            at(span.start.offset, span.end.offset),
        ),
        _ => return format!("{prefix}{err}"),
    };
    format!("{prefix}{what}: `{text}`")
}

/// Go refuses a repetition of a repetition (`a**`, `a+{2}`) that Rust's engine accepts:
/// the two operators, as Go's error shows them.
fn nested_repetition(pattern: &str) -> Option<String> {
    use regex_syntax::ast::Ast;
    fn walk(ast: &Ast, pattern: &str) -> Option<String> {
        match ast {
            Ast::Repetition(r) => {
                if let Ast::Repetition(inner) = r.ast.as_ref() {
                    let text = pattern.get(inner.op.span.start.offset..r.op.span.end.offset)?;
                    return Some(text.to_owned());
                }
                walk(&r.ast, pattern)
            }
            Ast::Group(g) => walk(&g.ast, pattern),
            Ast::Alternation(a) => a.asts.iter().find_map(|x| walk(x, pattern)),
            Ast::Concat(c) => c.asts.iter().find_map(|x| walk(x, pattern)),
            _ => None,
        }
    }
    let ast = regex_syntax::ast::parse::Parser::new()
        .parse(pattern)
        .ok()?;
    walk(&ast, pattern)
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
/// `k>n`, `k<n`, read by the same lexer and parser rules, validations and error texts as
/// apimachinery's.
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

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tok {
    Error,
    End,
    ClosedPar,
    Comma,
    DoesNotExist,
    DoubleEquals,
    Equals,
    Greater,
    Ident,
    In,
    Less,
    NotEquals,
    NotIn,
    OpenPar,
}

fn keyword(s: &str) -> Option<Tok> {
    Some(match s {
        ")" => Tok::ClosedPar,
        "," => Tok::Comma,
        "!" => Tok::DoesNotExist,
        "==" => Tok::DoubleEquals,
        "=" => Tok::Equals,
        ">" => Tok::Greater,
        "in" => Tok::In,
        "<" => Tok::Less,
        "!=" => Tok::NotEquals,
        "notin" => Tok::NotIn,
        "(" => Tok::OpenPar,
        _ => return None,
    })
}

fn is_special(c: u8) -> bool {
    matches!(c, b'=' | b'!' | b'(' | b')' | b',' | b'>' | b'<')
}

fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\r' | b'\n')
}

/// apimachinery's selector lexer: every token up to the end-of-string token.
fn lex(s: &str) -> Vec<(Tok, String)> {
    let b = s.as_bytes();
    let mut pos = 0;
    let mut out = Vec::new();
    loop {
        while pos < b.len() && is_space(b[pos]) {
            pos += 1;
        }
        if pos >= b.len() || b[pos] == 0 {
            out.push((Tok::End, String::new()));
            return out;
        }
        if is_special(b[pos]) {
            let start = pos;
            let mut last: Option<(Tok, usize)> = None;
            while pos < b.len() && is_special(b[pos]) {
                pos += 1;
                match keyword(&s[start..pos]) {
                    Some(t) => last = Some((t, pos)),
                    None if last.is_some() => {
                        pos -= 1;
                        break;
                    }
                    None => {}
                }
            }
            match last {
                Some((t, end)) => {
                    pos = end;
                    out.push((t, s[start..end].to_owned()));
                }
                None => out.push((
                    Tok::Error,
                    format!("error expected: keyword found '{}'", &s[start..pos]),
                )),
            }
        } else {
            let start = pos;
            while pos < b.len() && b[pos] != 0 && !is_special(b[pos]) && !is_space(b[pos]) {
                pos += 1;
            }
            let lit = &s[start..pos];
            out.push((keyword(lit).unwrap_or(Tok::Ident), lit.to_owned()));
        }
    }
}

struct SelParser {
    items: Vec<(Tok, String)>,
    pos: usize,
}

impl SelParser {
    /// The next token; `in`/`notin` are identifiers where values are expected.
    fn peek(&self, values: bool) -> (Tok, String) {
        let (t, l) = self.items[self.pos.min(self.items.len() - 1)].clone();
        (Self::ctx(t, values), l)
    }

    fn next(&mut self, values: bool) -> (Tok, String) {
        let r = self.peek(values);
        self.pos += 1;
        r
    }

    fn ctx(t: Tok, values: bool) -> Tok {
        if values && matches!(t, Tok::In | Tok::NotIn) {
            Tok::Ident
        } else {
            t
        }
    }

    fn parse(&mut self) -> Result<Vec<Requirement>, String> {
        let mut reqs = Vec::new();
        loop {
            let (t, lit) = self.peek(true);
            match t {
                Tok::Ident | Tok::DoesNotExist => {
                    let r = self
                        .requirement()
                        .map_err(|e| format!("unable to parse requirement: {e}"))?;
                    reqs.push(r);
                    let (t, l) = self.next(true);
                    match t {
                        Tok::End => return Ok(reqs),
                        Tok::Comma => {
                            let (t2, l2) = self.peek(true);
                            if t2 != Tok::Ident && t2 != Tok::DoesNotExist {
                                return Err(format!(
                                    "found '{l2}', expected: identifier after ','"
                                ));
                            }
                        }
                        _ => return Err(format!("found '{l}', expected: ',' or 'end of string'")),
                    }
                }
                Tok::End => return Ok(reqs),
                _ => {
                    return Err(format!(
                        "found '{lit}', expected: !, identifier, or 'end of string'"
                    ))
                }
            }
        }
    }

    fn requirement(&mut self) -> Result<Requirement, String> {
        let r = self.requirement_unchecked()?;
        let (key, mut vals, gt_lt) = match &r {
            Requirement::In(k, v) | Requirement::NotIn(k, v) => (k, v.clone(), false),
            Requirement::Gt(k, _) | Requirement::Lt(k, _) => (k, Vec::new(), true),
            _ => return Ok(r),
        };
        if gt_lt {
            return Ok(r);
        }
        // apimachinery validates the values in sorted order.
        vals.sort();
        vals.dedup();
        let mut errs: Vec<String> = Vec::new();
        for (i, v) in vals.iter().enumerate() {
            let e = label_value_errors(v);
            if !e.is_empty() {
                let msg = format!(
                    "values[{i}][{key}]: Invalid value: {}: {}",
                    gotmpl::fmt::go_quote(v),
                    e.join("; ")
                );
                if !errs.contains(&msg) {
                    errs.push(msg);
                }
            }
        }
        match errs.len() {
            0 => Ok(r),
            1 => Err(errs.remove(0)),
            _ => Err(format!("[{}]", errs.join(", "))),
        }
    }

    fn requirement_unchecked(&mut self) -> Result<Requirement, String> {
        let (mut t, mut key) = self.next(true);
        let not = t == Tok::DoesNotExist;
        if not {
            (t, key) = self.next(true);
        }
        if t != Tok::Ident {
            return Err(format!("found '{key}', expected: identifier"));
        }
        let key_errs = qualified_name_errors(&key);
        if !key_errs.is_empty() {
            return Err(format!(
                "<nil>: Invalid value: {}: {}",
                gotmpl::fmt::go_quote(&key),
                key_errs.join("; ")
            ));
        }
        // `!k` is complete whatever follows (a following operator is then an error of
        // the selector, not of the requirement).
        if not {
            return Ok(Requirement::NotExists(key));
        }
        let (la, _) = self.peek(true);
        if la == Tok::End || la == Tok::Comma {
            return Ok(Requirement::Exists(key));
        }
        let (op, lit) = self.next(false);
        match op {
            Tok::In | Tok::NotIn => {
                let vals = self.values()?;
                if vals.is_empty() {
                    return Err(
                        "values: Invalid value: []string{}: for 'in', 'notin' operators, values set can't be empty".into(),
                    );
                }
                Ok(if op == Tok::In {
                    Requirement::In(key, vals)
                } else {
                    Requirement::NotIn(key, vals)
                })
            }
            Tok::Equals | Tok::DoubleEquals | Tok::NotEquals | Tok::Greater | Tok::Less => {
                let v = self.exact_value()?;
                match op {
                    Tok::NotEquals => Ok(Requirement::NotIn(key, vec![v])),
                    Tok::Greater | Tok::Less => {
                        let n = v.parse::<i64>().map_err(|_| {
                            format!(
                                "values[0]: Invalid value: {v:?}: for 'Gt', 'Lt' operators, the value must be an integer"
                            )
                        })?;
                        Ok(if op == Tok::Greater {
                            Requirement::Gt(key, n)
                        } else {
                            Requirement::Lt(key, n)
                        })
                    }
                    _ => Ok(Requirement::In(key, vec![v])),
                }
            }
            _ => Err(format!(
                "found '{lit}', expected: in, notin, =, ==, !=, gt, lt"
            )),
        }
    }

    fn values(&mut self) -> Result<Vec<String>, String> {
        let (t, lit) = self.next(true);
        if t != Tok::OpenPar {
            return Err(format!("found '{lit}' expected: '('"));
        }
        let (t, lit) = self.peek(true);
        match t {
            Tok::Ident | Tok::Comma => {
                let s = self.identifiers()?;
                if self.next(true).0 != Tok::ClosedPar {
                    return Err(format!("found '{lit}', expected: ')'"));
                }
                Ok(s)
            }
            Tok::ClosedPar => {
                self.next(true);
                Ok(vec![String::new()])
            }
            _ => Err(format!("found '{lit}', expected: ',', ')' or identifier")),
        }
    }

    fn identifiers(&mut self) -> Result<Vec<String>, String> {
        let mut s: Vec<String> = Vec::new();
        let insert = |s: &mut Vec<String>, v: String| {
            if !s.contains(&v) {
                s.push(v);
            }
        };
        loop {
            let (t, lit) = self.next(true);
            match t {
                Tok::Ident => {
                    insert(&mut s, lit);
                    let (t2, l2) = self.peek(true);
                    match t2 {
                        Tok::Comma => continue,
                        Tok::ClosedPar => return Ok(s),
                        _ => return Err(format!("found '{l2}', expected: ',' or ')'")),
                    }
                }
                Tok::Comma => {
                    if s.is_empty() {
                        insert(&mut s, String::new());
                    }
                    let (t2, _) = self.peek(true);
                    if t2 == Tok::ClosedPar {
                        insert(&mut s, String::new());
                        return Ok(s);
                    }
                    if t2 == Tok::Comma {
                        self.next(true);
                        insert(&mut s, String::new());
                    }
                }
                _ => return Err(format!("found '{lit}', expected: ',', or identifier")),
            }
        }
    }

    fn exact_value(&mut self) -> Result<String, String> {
        let (t, _) = self.peek(true);
        if t == Tok::End || t == Tok::Comma {
            return Ok(String::new());
        }
        let (t, lit) = self.next(true);
        if t == Tok::Ident {
            Ok(lit)
        } else {
            Err(format!("found '{lit}', expected: identifier"))
        }
    }
}

/// apimachinery's `RegexError` text.
fn regex_error(msg: &str, fmt: &str, examples: &[&str]) -> String {
    let ex: Vec<String> = examples.iter().map(|e| format!("'{e}'")).collect();
    format!(
        "{msg} (e.g. {}, regex used for validation is '{fmt}')",
        ex.join(",  or ")
    )
}

const QUALIFIED_NAME_MSG: &str = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const QUALIFIED_NAME_FMT: &str = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";

fn full_match(re: &'static std::sync::OnceLock<regex::Regex>, pat: &str, s: &str) -> bool {
    re.get_or_init(|| regex::Regex::new(pat).unwrap_or_else(|_| unreachable!()))
        .is_match(s)
}

/// apimachinery's `IsQualifiedName` (label keys).
fn qualified_name_errors(value: &str) -> Vec<String> {
    static NAME: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    static DNS: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let name_msg = || {
        regex_error(
            QUALIFIED_NAME_MSG,
            QUALIFIED_NAME_FMT,
            &["MyName", "my.name", "123-abc"],
        )
    };
    let mut errs = Vec::new();
    let parts: Vec<&str> = value.split('/').collect();
    let name = match parts.as_slice() {
        [n] => *n,
        [prefix, n] => {
            if prefix.is_empty() {
                errs.push("prefix part must be non-empty".to_owned());
            } else {
                if prefix.len() > 253 {
                    errs.push("prefix part must be no more than 253 characters".to_owned());
                }
                let dns = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$";
                if !full_match(&DNS, dns, prefix) {
                    errs.push(format!(
                        "prefix part {}",
                        regex_error(
                            "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character",
                            r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*",
                            &["example.com"],
                        )
                    ));
                }
            }
            *n
        }
        _ => {
            return vec![format!(
                "a qualified name {} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
                name_msg()
            )]
        }
    };
    if name.is_empty() {
        errs.push("name part must be non-empty".to_owned());
    } else if name.len() > 63 {
        errs.push("name part must be no more than 63 characters".to_owned());
    }
    if !full_match(&NAME, &format!("^{QUALIFIED_NAME_FMT}$"), name) {
        errs.push(format!("name part {}", name_msg()));
    }
    errs
}

/// apimachinery's `IsValidLabelValue`.
fn label_value_errors(value: &str) -> Vec<String> {
    static VALUE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    const FMT: &str = "(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?";
    let mut errs = Vec::new();
    if value.len() > 63 {
        errs.push("must be no more than 63 characters".to_owned());
    }
    if !full_match(&VALUE, &format!("^{FMT}$"), value) {
        errs.push(regex_error(
            "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
            FMT,
            &["MyValue", "my_value", "12345"],
        ));
    }
    errs
}

impl Selector {
    /// Parses a selector; the empty selector matches everything.
    pub fn parse(s: &str) -> Result<Selector, ReadError> {
        let mut p = SelParser {
            items: lex(s),
            pos: 0,
        };
        let reqs = p.parse().map_err(ReadError::Selector)?;
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
