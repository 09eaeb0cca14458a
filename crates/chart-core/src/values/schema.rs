//! `values.schema.json` validation as Helm 3.17.3 does it (`chartutil.ValidateAgainstSchema`
//! with xeipuuv/gojsonschema v1.2): JSON Schema draft-04/06/07 keywords, gojsonschema's
//! error texts (`Invalid type. Expected: string, given: integer`, `port is required`, …)
//! and its evaluation order.
//!
//! Values are seen as Helm sees them after its YAML → JSON round trip: a whole float64 is
//! a JSON integer, an `int64` an integer, everything else keeps its JSON type.
//!
//! Not implemented: `format` checks (always pass), remote `$ref`s (error), `$id`-based
//! reference resolution (only `#`-pointers into the same document).

use std::collections::HashMap;

use gotmpl::Value;
use serde_json::Value as J;

use super::coalesce::ChartNode;
use super::{go_json_float, json_string};

/// The head line Helm prints before the per-chart schema errors.
pub const SCHEMA_ERROR_HEAD: &str =
    "values don't meet the specifications of the schema(s) in the following chart(s):\n";

/// A schema validation failure; `Display` is Helm's complete message.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{SCHEMA_ERROR_HEAD}{0}")]
pub struct SchemaError(pub String);

/// Validates a chart tree's coalesced values: each chart with a schema against its own
/// section (root: everything; subchart S: `values[S]`), recursively. On failure the error
/// text is Helm's (`values don't meet the specifications…:\nNAME:\n- field: msg\n…`).
pub fn validate_against_schema<C: ChartNode>(chart: &C, values: &Value) -> Result<(), SchemaError> {
    let s = collect(chart, values);
    if s.is_empty() {
        Ok(())
    } else {
        Err(SchemaError(s))
    }
}

/// Helm's `ValidateAgainstSchema` body without the head line ("" when valid).
fn collect<C: ChartNode>(chart: &C, values: &Value) -> String {
    let mut sb = String::new();
    if let Some(schema) = chart.schema() {
        if let Err(e) = validate_single_schema(values, schema) {
            sb.push_str(chart.name());
            sb.push_str(":\n");
            sb.push_str(&e);
        }
    }
    for sub in chart.dependencies() {
        let sv = match values {
            Value::Map(m) => m.get(sub.name()).unwrap_or(Value::Nil),
            _ => Value::Nil,
        };
        sb.push_str(&collect(sub, &sv));
    }
    sb
}

/// Helm's `ValidateAgainstSingleSchema`: `Ok` when valid, else the `- field: message\n`
/// lines (or the schema's own error when it cannot be loaded).
pub fn validate_single_schema(values: &Value, schema: &[u8]) -> Result<(), String> {
    let text = crate::chart::loader::utf8_fast(schema);
    let doc: J = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    let draft = detect_draft(&doc);
    let inst = match to_instance(values) {
        J::Null => J::Object(Default::default()),
        other => other,
    };
    let mut v = Validator {
        root: &doc,
        draft,
        regexes: HashMap::new(),
        depth: 0,
    };
    let mut res = Res::default();
    v.recurse(&doc, &inst, &mut Vec::new(), &mut res)?;
    if res.errors.is_empty() {
        return Ok(());
    }
    let mut sb = String::new();
    for (field, desc) in res.errors {
        sb.push_str(&format!("- {field}: {desc}\n"));
    }
    Err(sb)
}

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Draft {
    D4,
    D6,
    D7,
    Hybrid,
}

fn detect_draft(doc: &J) -> Draft {
    let s = doc.get("$schema").and_then(J::as_str).unwrap_or("");
    let s = s.trim_end_matches('#');
    let s = s
        .strip_prefix("http://")
        .or_else(|| s.strip_prefix("https://"))
        .unwrap_or(s);
    match s {
        "json-schema.org/draft-04/schema" => Draft::D4,
        "json-schema.org/draft-06/schema" => Draft::D6,
        "json-schema.org/draft-07/schema" => Draft::D7,
        _ => Draft::Hybrid,
    }
}

/// Values after Helm's YAML → JSON round trip, as gojsonschema sees them.
fn to_instance(v: &Value) -> J {
    match v {
        Value::Nil => J::Null,
        Value::Bool(b) => J::Bool(*b),
        Value::Int(i, k) if k.is_unsigned() => J::from(*i as u64),
        Value::Int(i, _) => J::from(*i),
        Value::Float(f) => serde_json::Number::from_f64(*f).map_or(J::Null, J::Number),
        Value::Str(s) => J::String(s.to_string()),
        Value::Bytes(b) => J::String(String::from_utf8_lossy(b).into_owned()),
        Value::List(l) => J::Array(l.iter().map(to_instance).collect()),
        Value::Map(m) => J::Object(
            m.snapshot()
                .iter()
                .map(|(k, x)| (k.clone(), to_instance(x)))
                .collect(),
        ),
        Value::Object(o) => J::String(o.format()),
    }
}

#[derive(Default)]
struct Res {
    errors: Vec<(String, String)>,
    score: i64,
}

impl Res {
    fn add(&mut self, ctx: &[String], desc: String) {
        self.errors.push((field(ctx), desc));
        self.score -= 2;
    }
    fn merge(&mut self, other: Res) {
        self.errors.extend(other.errors);
        self.score += other.score;
    }
    fn valid(&self) -> bool {
        self.errors.is_empty()
    }
}

fn field(ctx: &[String]) -> String {
    if ctx.is_empty() {
        "(root)".into()
    } else {
        ctx.join(".")
    }
}

/// Go's `json.Marshal` of a value decoded without `UseNumber` (gojsonschema's
/// `marshalWithoutNumber`): numbers normalised through float64, keys sorted.
fn marshal(j: &J) -> String {
    let mut out = String::new();
    marshal_into(j, &mut out);
    out
}

fn marshal_into(j: &J, out: &mut String) {
    match j {
        J::Null => out.push_str("null"),
        J::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        J::Number(n) => out.push_str(&go_json_float(n.as_f64().unwrap_or(0.0))),
        J::String(s) => json_string(s, out),
        J::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                marshal_into(x, out);
            }
            out.push(']');
        }
        J::Object(o) => {
            let mut keys: Vec<&String> = o.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                json_string(k, out);
                out.push(':');
                if let Some(x) = o.get(k) {
                    marshal_into(x, out);
                }
            }
            out.push('}');
        }
    }
}

/// A number's decimal text as gojsonschema holds it (for exact `multipleOf`).
fn num_text(n: &serde_json::Number) -> String {
    if n.is_i64() || n.is_u64() {
        n.to_string()
    } else {
        go_json_float(n.as_f64().unwrap_or(0.0))
    }
}

/// `big.Float.String()` of a schema bound: `%g` with 10 significant digits.
fn fmt_g10(f: f64) -> String {
    if f == 0.0 {
        return "0".into();
    }
    let e = format!("{:.9e}", f.abs());
    let (mant, exp) = match e.split_once('e') {
        Some((m, x)) => (m.replace('.', ""), x.parse::<i32>().unwrap_or(0)),
        None => return f.to_string(),
    };
    let digits = mant.trim_end_matches('0');
    let digits = if digits.is_empty() { "0" } else { digits };
    let nd = digits.len() as i32;
    let dp = exp + 1;
    let mut eprec = 10;
    if eprec > nd && nd >= dp {
        eprec = nd;
    }
    let sign = if f < 0.0 { "-" } else { "" };
    if exp < -4 || exp >= eprec {
        let (first, rest) = digits.split_at(1);
        let frac = if rest.is_empty() {
            String::new()
        } else {
            format!(".{rest}")
        };
        let es = if exp < 0 { '-' } else { '+' };
        format!("{sign}{first}{frac}e{es}{:02}", exp.abs())
    } else if dp <= 0 {
        format!("{sign}0.{}{digits}", "0".repeat((-dp) as usize))
    } else if dp >= nd {
        format!("{sign}{digits}{}", "0".repeat((dp - nd) as usize))
    } else {
        let (a, b) = digits.split_at(dp as usize);
        format!("{sign}{a}.{b}")
    }
}

/// Parses a decimal literal into (mantissa, base-10 exponent), when it fits i128.
fn decimal(s: &str) -> Option<(i128, i32)> {
    let (mant, exp) = match s.split_once(['e', 'E']) {
        Some((m, e)) => (m, e.parse::<i32>().ok()?),
        None => (s, 0),
    };
    let (int, frac) = mant.split_once('.').unwrap_or((mant, ""));
    let digits = format!("{int}{frac}");
    let m = digits.parse::<i128>().ok()?;
    Some((m, exp - frac.len() as i32))
}

/// Whether `value / divisor` is an integer, computed exactly on the decimal texts.
fn is_multiple(value: &str, divisor: &str) -> bool {
    if let (Some((a, ea)), Some((b, eb))) = (decimal(value), decimal(divisor)) {
        if b == 0 {
            return false;
        }
        let e = ea.min(eb);
        let scale = |m: i128, d: i32| -> Option<i128> {
            let p = 10i128.checked_pow(u32::try_from(d - e).ok()?)?;
            m.checked_mul(p)
        };
        if let (Some(a), Some(b)) = (scale(a, ea), scale(b, eb)) {
            return a % b == 0;
        }
    }
    let (a, b) = (
        value.parse::<f64>().unwrap_or(f64::NAN),
        divisor.parse::<f64>().unwrap_or(f64::NAN),
    );
    (a / b).fract() == 0.0
}

/// Percent-decoding of a URI fragment (`%25` → `%`); invalid escapes stay as they are.
pub(crate) fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        if c == b'%' {
            let hex = b
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok());
            if let Some(x) = hex {
                out.push(x);
                i += 3;
                continue;
            }
        }
        out.push(c);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

struct Validator<'a> {
    root: &'a J,
    draft: Draft,
    regexes: HashMap<String, Option<regex::Regex>>,
    depth: usize,
}

const MAX_SCHEMA_DEPTH: usize = 128;

fn type_of(inst: &J) -> &'static str {
    match inst {
        J::Null => "null",
        J::Bool(_) => "boolean",
        J::Number(_) => "number",
        J::String(_) => "string",
        J::Array(_) => "array",
        J::Object(_) => "object",
    }
}

fn is_int(n: &serde_json::Number) -> bool {
    n.is_i64() || n.is_u64() || n.as_f64().is_some_and(|f| f.fract() == 0.0)
}

impl<'a> Validator<'a> {
    fn regex(&mut self, pat: &str) -> Option<regex::Regex> {
        self.regexes
            .entry(pat.to_string())
            .or_insert_with(|| regex::Regex::new(pat).ok())
            .clone()
    }

    fn resolve(&self, r: &str) -> Result<&'a J, String> {
        let ptr = r
            .strip_prefix('#')
            .ok_or_else(|| format!("unsupported (non-local) $ref {r:?}"))?;
        if ptr.is_empty() {
            return Ok(self.root);
        }
        let decoded = percent_decode(ptr);
        self.root
            .pointer(&decoded)
            .ok_or_else(|| format!("Object has no key '{}'", decoded.trim_start_matches('/')))
    }

    fn sub(&mut self, schema: &J, inst: &J, ctx: &mut Vec<String>) -> Result<Res, String> {
        let mut r = Res::default();
        self.recurse(schema, inst, ctx, &mut r)?;
        Ok(r)
    }

    fn recurse(
        &mut self,
        s: &J,
        inst: &J,
        ctx: &mut Vec<String>,
        res: &mut Res,
    ) -> Result<(), String> {
        self.depth += 1;
        if self.depth > MAX_SCHEMA_DEPTH {
            self.depth -= 1;
            return Err("schema recursion is too deep".into());
        }
        let r = self.recurse_inner(s, inst, ctx, res);
        self.depth -= 1;
        r
    }

    fn recurse_inner(
        &mut self,
        s: &J,
        inst: &J,
        ctx: &mut Vec<String>,
        res: &mut Res,
    ) -> Result<(), String> {
        let m = match s {
            J::Bool(b) if self.draft >= Draft::D6 => {
                if !b {
                    res.add(ctx, "False always fails validation".into());
                }
                return Ok(());
            }
            J::Object(m) => m,
            _ => return Err("Invalid JSON, expected: valid schema".into()),
        };
        if let Some(r) = m.get("$ref").and_then(J::as_str) {
            let target = self.resolve(r)?;
            return self.recurse(target, inst, ctx, res);
        }
        let types: Vec<&str> = match m.get("type") {
            Some(J::String(t)) => vec![t.as_str()],
            Some(J::Array(a)) => a.iter().filter_map(J::as_str).collect(),
            _ => vec![],
        };
        let given = match inst {
            J::Number(n) if is_int(n) => "integer",
            other => type_of(other),
        };
        if !types.is_empty() {
            let ok = types.contains(&type_of(inst))
                || (given == "integer" && types.contains(&"integer"));
            if !ok {
                let expected = match types.as_slice() {
                    [one] => one.to_string(),
                    many => format!("[{}]", many.join(",")),
                };
                res.add(
                    ctx,
                    format!("Invalid type. Expected: {expected}, given: {given}"),
                );
                return Ok(());
            }
        }
        self.validate_schema(m, inst, ctx, res)?;
        match inst {
            J::Number(n) => {
                self.validate_number(m, n, ctx, res);
                self.validate_common(m, inst, ctx, res);
            }
            J::Array(a) => {
                self.validate_array(m, a, ctx, res)?;
                self.validate_common(m, inst, ctx, res);
            }
            J::Object(o) => {
                self.validate_object(m, o, ctx, res)?;
                self.validate_common(m, inst, ctx, res);
                if let Some(J::Object(props)) = m.get("properties") {
                    for (k, ps) in props {
                        if let Some(x) = o.get(k) {
                            ctx.push(k.clone());
                            let r = self.recurse(ps, x, ctx, res);
                            ctx.pop();
                            r?;
                        }
                    }
                }
            }
            J::String(st) => {
                self.validate_common(m, inst, ctx, res);
                self.validate_string(m, st, ctx, res);
            }
            J::Null | J::Bool(_) => self.validate_common(m, inst, ctx, res),
        }
        res.score += 1;
        Ok(())
    }

    fn validate_schema(
        &mut self,
        m: &serde_json::Map<String, J>,
        inst: &J,
        ctx: &mut Vec<String>,
        res: &mut Res,
    ) -> Result<(), String> {
        if let Some(J::Array(any)) = m.get("anyOf") {
            if !any.is_empty() {
                let mut ok = false;
                let mut best: Option<Res> = None;
                for s in any {
                    let r = self.sub(s, inst, ctx)?;
                    if r.valid() {
                        ok = true;
                        break;
                    }
                    if best.as_ref().is_none_or(|b| r.score > b.score) {
                        best = Some(r);
                    }
                }
                if !ok {
                    res.add(ctx, "Must validate at least one schema (anyOf)".into());
                    if let Some(b) = best {
                        res.merge(b);
                    }
                }
            }
        }
        if let Some(J::Array(one)) = m.get("oneOf") {
            if !one.is_empty() {
                let mut n = 0;
                let mut best: Option<Res> = None;
                for s in one {
                    let r = self.sub(s, inst, ctx)?;
                    if r.valid() {
                        n += 1;
                    } else if n == 0 && best.as_ref().is_none_or(|b| r.score > b.score) {
                        best = Some(r);
                    }
                }
                if n != 1 {
                    res.add(ctx, "Must validate one and only one schema (oneOf)".into());
                    if n == 0 {
                        if let Some(b) = best {
                            res.merge(b);
                        }
                    }
                }
            }
        }
        if let Some(J::Array(all)) = m.get("allOf") {
            if !all.is_empty() {
                let mut n = 0;
                for s in all {
                    let r = self.sub(s, inst, ctx)?;
                    if r.valid() {
                        n += 1;
                    }
                    res.merge(r);
                }
                if n != all.len() {
                    res.add(ctx, "Must validate all the schemas (allOf)".into());
                }
            }
        }
        if let Some(not) = m.get("not") {
            if self.sub(not, inst, ctx)?.valid() {
                res.add(ctx, "Must not validate the schema (not)".into());
            }
        }
        if let (Some(J::Object(deps)), J::Object(o)) = (m.get("dependencies"), inst) {
            for k in o.keys() {
                match deps.get(k) {
                    Some(J::Array(names)) => {
                        for d in names.iter().filter_map(J::as_str) {
                            if !o.contains_key(d) {
                                res.add(ctx, format!("Has a dependency on {d}"));
                            }
                        }
                    }
                    Some(d @ (J::Object(_) | J::Bool(_))) => self.recurse(d, inst, ctx, res)?,
                    _ => {}
                }
            }
        }
        if self.draft >= Draft::D7 {
            if let Some(iff) = m.get("if") {
                let ok = self.sub(iff, inst, ctx)?.valid();
                if let (Some(then), true) = (m.get("then"), ok) {
                    let r = self.sub(then, inst, ctx)?;
                    if !r.valid() {
                        res.add(ctx, "Must validate \"then\" as \"if\" was valid".into());
                        res.merge(r);
                    }
                }
                if let (Some(els), false) = (m.get("else"), ok) {
                    let r = self.sub(els, inst, ctx)?;
                    if !r.valid() {
                        res.add(ctx, "Must validate \"else\" as \"if\" was not valid".into());
                        res.merge(r);
                    }
                }
            }
        }
        res.score += 1;
        Ok(())
    }

    fn validate_common(
        &mut self,
        m: &serde_json::Map<String, J>,
        inst: &J,
        ctx: &[String],
        res: &mut Res,
    ) {
        let f = field(ctx);
        if self.draft >= Draft::D6 {
            if let Some(c) = m.get("const") {
                let allowed = marshal(c);
                if marshal(inst) != allowed {
                    res.add(ctx, format!("{f} does not match: {allowed}"));
                }
            }
        }
        if let Some(J::Array(e)) = m.get("enum") {
            if !e.is_empty() {
                let allowed: Vec<String> = e.iter().map(marshal).collect();
                if !allowed.contains(&marshal(inst)) {
                    res.add(
                        ctx,
                        format!("{f} must be one of the following: {}", allowed.join(", ")),
                    );
                }
            }
        }
        res.score += 1;
    }

    fn validate_number(
        &mut self,
        m: &serde_json::Map<String, J>,
        n: &serde_json::Number,
        ctx: &[String],
        res: &mut Res,
    ) {
        let v = n.as_f64().unwrap_or(0.0);
        let text = num_text(n);
        let num = |k: &str| m.get(k).and_then(J::as_number).cloned();
        if let Some(d) = num("multipleOf") {
            if !is_multiple(&text, &num_text(&d)) {
                res.add(
                    ctx,
                    format!(
                        "Must be a multiple of {}",
                        fmt_g10(d.as_f64().unwrap_or(0.0))
                    ),
                );
            }
        }
        let excl_bool = |k: &str| m.get(k).and_then(J::as_bool).unwrap_or(false);
        let (mut max, mut xmax) = (num("maximum"), num("exclusiveMaximum"));
        if excl_bool("exclusiveMaximum") {
            xmax = max.take();
        }
        let (mut min, mut xmin) = (num("minimum"), num("exclusiveMinimum"));
        if excl_bool("exclusiveMinimum") {
            xmin = min.take();
        }
        let f = |x: &serde_json::Number| x.as_f64().unwrap_or(0.0);
        if let Some(x) = max {
            if v > f(&x) {
                res.add(
                    ctx,
                    format!("Must be less than or equal to {}", fmt_g10(f(&x))),
                );
            }
        }
        if let Some(x) = xmax {
            if v >= f(&x) {
                res.add(ctx, format!("Must be less than {}", fmt_g10(f(&x))));
            }
        }
        if let Some(x) = min {
            if v < f(&x) {
                res.add(
                    ctx,
                    format!("Must be greater than or equal to {}", fmt_g10(f(&x))),
                );
            }
        }
        if let Some(x) = xmin {
            if v <= f(&x) {
                res.add(ctx, format!("Must be greater than {}", fmt_g10(f(&x))));
            }
        }
        res.score += 1;
    }

    fn validate_string(
        &mut self,
        m: &serde_json::Map<String, J>,
        s: &str,
        ctx: &[String],
        res: &mut Res,
    ) {
        let n = s.chars().count() as u64;
        if let Some(min) = m.get("minLength").and_then(J::as_u64) {
            if n < min {
                res.add(
                    ctx,
                    format!("String length must be greater than or equal to {min}"),
                );
            }
        }
        if let Some(max) = m.get("maxLength").and_then(J::as_u64) {
            if n > max {
                res.add(
                    ctx,
                    format!("String length must be less than or equal to {max}"),
                );
            }
        }
        if let Some(p) = m.get("pattern").and_then(J::as_str) {
            if let Some(re) = self.regex(p) {
                if !re.is_match(s) {
                    res.add(ctx, format!("Does not match pattern '{p}'"));
                }
            }
        }
        res.score += 1;
    }

    fn validate_array(
        &mut self,
        m: &serde_json::Map<String, J>,
        a: &[J],
        ctx: &mut Vec<String>,
        res: &mut Res,
    ) -> Result<(), String> {
        match m.get("items") {
            Some(items @ (J::Object(_) | J::Bool(_))) => {
                for (i, x) in a.iter().enumerate() {
                    ctx.push(i.to_string());
                    let r = self.sub(items, x, ctx);
                    ctx.pop();
                    res.merge(r?);
                }
            }
            Some(J::Array(items)) if !items.is_empty() => {
                for (i, (s, x)) in items.iter().zip(a.iter()).enumerate() {
                    ctx.push(i.to_string());
                    let r = self.sub(s, x, ctx);
                    ctx.pop();
                    res.merge(r?);
                }
                if items.len() < a.len() {
                    match m.get("additionalItems") {
                        Some(J::Bool(false)) => {
                            res.add(ctx, "No additional items allowed on array".into())
                        }
                        Some(s @ J::Object(_)) => {
                            for (i, x) in a.iter().enumerate().skip(items.len()) {
                                ctx.push(i.to_string());
                                let r = self.sub(s, x, ctx);
                                ctx.pop();
                                res.merge(r?);
                            }
                        }
                        _ => {}
                    }
                }
            }
            _ => {}
        }
        let len = a.len() as u64;
        if let Some(min) = m.get("minItems").and_then(J::as_u64) {
            if len < min {
                res.add(ctx, format!("Array must have at least {min} items"));
            }
        }
        if let Some(max) = m.get("maxItems").and_then(J::as_u64) {
            if len > max {
                res.add(ctx, format!("Array must have at most {max} items"));
            }
        }
        if m.get("uniqueItems").and_then(J::as_bool) == Some(true) {
            let mut seen: HashMap<String, usize> = HashMap::new();
            for (j, x) in a.iter().enumerate() {
                let k = marshal(x);
                if let Some(i) = seen.get(&k) {
                    res.add(ctx, format!("array items[{i},{j}] must be unique"));
                }
                seen.insert(k, j);
            }
        }
        if self.draft >= Draft::D6 {
            if let Some(c) = m.get("contains") {
                let mut ok = false;
                let mut best: Option<Res> = None;
                for (i, x) in a.iter().enumerate() {
                    ctx.push(i.to_string());
                    let r = self.sub(c, x, ctx);
                    ctx.pop();
                    let r = r?;
                    if r.valid() {
                        ok = true;
                        break;
                    }
                    if best.as_ref().is_none_or(|b| r.score > b.score) {
                        best = Some(r);
                    }
                }
                if !ok {
                    res.add(ctx, "At least one of the items must match".into());
                    if let Some(b) = best {
                        res.merge(b);
                    }
                }
            }
        }
        res.score += 1;
        Ok(())
    }

    fn validate_object(
        &mut self,
        m: &serde_json::Map<String, J>,
        o: &serde_json::Map<String, J>,
        ctx: &mut Vec<String>,
        res: &mut Res,
    ) -> Result<(), String> {
        let n = o.len() as u64;
        if let Some(min) = m.get("minProperties").and_then(J::as_u64) {
            if n < min {
                res.add(ctx, format!("Must have at least {min} properties"));
            }
        }
        if let Some(max) = m.get("maxProperties").and_then(J::as_u64) {
            if n > max {
                res.add(ctx, format!("Must have at most {max} properties"));
            }
        }
        if let Some(J::Array(req)) = m.get("required") {
            for r in req.iter().filter_map(J::as_str) {
                if o.contains_key(r) {
                    res.score += 1;
                } else {
                    res.add(ctx, format!("{r} is required"));
                }
            }
        }
        let props = m.get("properties").and_then(J::as_object);
        let pattern_props = m.get("patternProperties").and_then(J::as_object);
        for (k, x) in o {
            let found = props.is_some_and(|p| p.contains_key(k));
            let mut pp_match = false;
            if let Some(pp) = pattern_props {
                for (pat, ps) in pp {
                    if self.regex(pat).is_some_and(|re| re.is_match(k)) {
                        pp_match = true;
                        ctx.push(k.clone());
                        let r = self.sub(ps, x, ctx);
                        ctx.pop();
                        res.merge(r?);
                    }
                }
                if pp_match {
                    res.score += 1;
                }
            }
            if !found && !pp_match {
                match m.get("additionalProperties") {
                    Some(J::Bool(false)) => {
                        res.add(ctx, format!("Additional property {k} is not allowed"))
                    }
                    Some(s @ J::Object(_)) => {
                        ctx.push(k.clone());
                        let r = self.sub(s, x, ctx);
                        ctx.pop();
                        res.merge(r?);
                    }
                    _ => {}
                }
            }
        }
        if self.draft >= Draft::D6 {
            if let Some(pn) = m.get("propertyNames") {
                for k in o.keys() {
                    let r = self.sub(pn, &J::String(k.clone()), ctx)?;
                    if !r.valid() {
                        res.add(ctx, format!("Property name of \"{k}\" does not match"));
                        res.merge(r);
                    }
                }
            }
        }
        res.score += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::values::read_values;

    fn check(values: &str, schema: &str) -> String {
        let v = read_values(values).unwrap_or_default();
        match validate_single_schema(&v, schema.as_bytes()) {
            Ok(()) => "ok".into(),
            Err(e) => e,
        }
    }

    #[test]
    fn common_messages() {
        let s = r#"{"type":"object","required":["port"],"properties":{"name":{"type":"string"},"x":{"enum":["a","b"]},"p":{"minimum":1}}}"#;
        assert_eq!(
            check(r#"{"name":1}"#, s),
            "- (root): port is required\n- name: Invalid type. Expected: string, given: integer\n"
        );
        assert_eq!(check(r#"{"port":1,"x":"c","p":0}"#, s), "- p: Must be greater than or equal to 1\n- x: x must be one of the following: \"a\", \"b\"\n");
        assert_eq!(
            check(
                r#"{"port":8080.0}"#,
                r#"{"properties":{"port":{"type":"integer"}}}"#
            ),
            "ok"
        );
    }

    #[test]
    fn self_referencing_schema_is_an_error_not_a_crash() {
        let e = check("{}", r##"{"$ref":"#"}"##);
        assert_eq!(e, "schema recursion is too deep");
    }

    #[test]
    fn number_formatting() {
        assert_eq!(fmt_g10(1.0), "1");
        assert_eq!(fmt_g10(1.5), "1.5");
        assert_eq!(fmt_g10(1e10), "1e+10");
        assert_eq!(fmt_g10(0.0001), "0.0001");
        assert!(is_multiple("0.3", "0.1"));
        assert!(!is_multiple("0.35", "0.1"));
    }
}
