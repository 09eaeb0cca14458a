//! Sprig functions: list (`list`, `append`, `prepend`, `first`, `rest`, `last`,
//! `initial`, `reverse`, `uniq`, `without`, `has`, `slice`, `concat`, `chunk`,
//! `compact`, and their `must*` variants).
//!
//! Sprig's non-`must` variants panic where the `must` ones return an error; the template
//! engine turns both into the same `error calling NAME: …`, so both share one body here.

use gotmpl::func::{FuncError, FuncMap, FuncResult, Ty};
use gotmpl::value::{ListRef, Value};

use super::conv::{arg, is_empty, list_items, to_int};

/// What Go reports when Sprig asks `reflect.TypeOf(nil).Kind()`.
const NIL_KIND_PANIC: &str = "runtime error: invalid memory address or nil pointer dereference";

/// The elements of a slice argument, or the error Sprig raises (`Cannot {what} on type
/// KIND`; `what` is formatted into `template`).
fn items(v: &Value, template: &str) -> Result<ListRef, FuncError> {
    if v.is_nil() {
        return Err(FuncError::msg(NIL_KIND_PANIC));
    }
    list_items(v).ok_or_else(|| FuncError::msg(template.replace("{}", v.kind_name())))
}

fn push(a: &[Value]) -> FuncResult {
    let l = items(&arg(a, 0), "Cannot push on type {}")?;
    let mut out = Vec::with_capacity(l.len() + 1);
    out.extend(l.iter().cloned());
    out.push(arg(a, 1));
    Ok(Value::list(out))
}

fn prepend(a: &[Value]) -> FuncResult {
    let l = items(&arg(a, 0), "Cannot prepend on type {}")?;
    let mut out = Vec::with_capacity(l.len() + 1);
    out.push(arg(a, 1));
    out.extend(l.iter().cloned());
    Ok(Value::list(out))
}

fn first(a: &[Value]) -> FuncResult {
    let l = items(&arg(a, 0), "Cannot find first on type {}")?;
    Ok(l.first().cloned().unwrap_or(Value::Nil))
}

fn last(a: &[Value]) -> FuncResult {
    let l = items(&arg(a, 0), "Cannot find last on type {}")?;
    Ok(l.last().cloned().unwrap_or(Value::Nil))
}

fn rest(a: &[Value]) -> FuncResult {
    let l = items(&arg(a, 0), "Cannot find rest on type {}")?;
    if l.is_empty() {
        // Sprig returns a nil `[]interface{}` for an empty list.
        return Ok(Value::List(ListRef::nil_list()));
    }
    Ok(Value::list(l.iter().skip(1).cloned().collect()))
}

fn initial(a: &[Value]) -> FuncResult {
    let l = items(&arg(a, 0), "Cannot find initial on type {}")?;
    if l.is_empty() {
        return Ok(Value::List(ListRef::nil_list()));
    }
    let n = l.len().saturating_sub(1);
    Ok(Value::list(l.iter().take(n).cloned().collect()))
}

fn reverse(a: &[Value]) -> FuncResult {
    let l = items(&arg(a, 0), "Cannot find reverse on type {}")?;
    Ok(Value::list(l.iter().rev().cloned().collect()))
}

fn compact(a: &[Value]) -> FuncResult {
    let l = items(&arg(a, 0), "Cannot compact on type {}")?;
    Ok(Value::list(
        l.iter().filter(|v| !is_empty(v)).cloned().collect(),
    ))
}

fn uniq(a: &[Value]) -> FuncResult {
    let l = items(&arg(a, 0), "Cannot find uniq on type {}")?;
    let mut out: Vec<Value> = Vec::new();
    for v in l.iter() {
        if !out.iter().any(|x| v.deep_eq(x)) {
            out.push(v.clone());
        }
    }
    Ok(Value::list(out))
}

fn without(a: &[Value]) -> FuncResult {
    let l = items(&arg(a, 0), "Cannot find without on type {}")?;
    let omit = a.get(1..).unwrap_or(&[]);
    Ok(Value::list(
        l.iter()
            .filter(|v| !omit.iter().any(|o| v.deep_eq(o)))
            .cloned()
            .collect(),
    ))
}

fn has(a: &[Value]) -> FuncResult {
    let needle = arg(a, 0);
    let hay = arg(a, 1);
    if hay.is_nil() {
        return Ok(Value::Bool(false));
    }
    let l = items(&hay, "Cannot find has on type {}")?;
    Ok(Value::Bool(l.iter().any(|v| needle.deep_eq(v))))
}

fn slice(a: &[Value]) -> FuncResult {
    let l = items(&arg(a, 0), "list should be type of slice or array but {}")?;
    if l.is_empty() {
        return Ok(Value::Nil);
    }
    let len = l.len() as i64;
    let start = a.get(1).map(to_int).unwrap_or(0);
    let end = if a.len() < 3 {
        len
    } else {
        a.get(2).map(to_int).unwrap_or(len)
    };
    if start < 0 || end < start || end > len {
        return Err(FuncError::msg(
            "reflect.Value.Slice: slice index out of bounds",
        ));
    }
    Ok(Value::list(
        l.get(start as usize..end as usize)
            .map(<[Value]>::to_vec)
            .unwrap_or_default(),
    ))
}

fn concat(a: &[Value]) -> FuncResult {
    let mut out = Vec::new();
    for v in a {
        let l = items(v, "Cannot concat type {} as list")?;
        out.extend(l.iter().cloned());
    }
    if out.is_empty() {
        // Sprig appends to a nil slice: nothing appended leaves it nil.
        return Ok(Value::List(ListRef::nil_list()));
    }
    Ok(Value::list(out))
}

fn chunk(a: &[Value]) -> FuncResult {
    let size = a.first().and_then(Value::as_i64).unwrap_or(0);
    let l = items(&arg(a, 1), "Cannot chunk type {}")?;
    let len = l.len() as i64;
    let makeslice = || FuncError::msg("runtime error: makeslice: len out of range");
    let cs = super::conv::float_to_i64(((len - 1) as f64 / size as f64).floor() + 1.0);
    if cs < 0 {
        return Err(makeslice());
    }
    let mut out = Vec::with_capacity(cs.min(len.max(0)) as usize);
    for i in 0..cs {
        let mut clen = size;
        if i == cs - 1 {
            clen = super::conv::float_to_i64((len as f64 % size as f64).floor());
            if clen == 0 {
                clen = size;
            }
        }
        if clen < 0 {
            return Err(makeslice());
        }
        let mut part = Vec::with_capacity(clen.min(len) as usize);
        for j in 0..clen {
            let ix = i.wrapping_mul(size).wrapping_add(j);
            let v = usize::try_from(ix)
                .ok()
                .and_then(|ix| l.get(ix))
                .ok_or_else(|| FuncError::msg("reflect: slice index out of range"))?;
            part.push(v.clone());
        }
        out.push(Value::list(part));
    }
    Ok(Value::list(out))
}

/// Registers this module's functions.
pub fn register(m: &mut FuncMap) {
    use Ty::{Any, Int};

    // {{ list 1 2 3 }}
    m.add("list", &[], Some(Any), |_, a| Ok(Value::list(a.to_vec())));
    // {{ tuple 1 2 3 }}
    m.add("tuple", &[], Some(Any), |_, a| Ok(Value::list(a.to_vec())));
    // {{ append $list 4 }}
    m.add("append", &[Any, Any], None, |_, a| push(a));
    // {{ push $list 4 }}
    m.add("push", &[Any, Any], None, |_, a| push(a));
    // {{ mustAppend $list 4 }}
    m.add("mustAppend", &[Any, Any], None, |_, a| push(a));
    // {{ mustPush $list 4 }}
    m.add("mustPush", &[Any, Any], None, |_, a| push(a));
    // {{ prepend $list 0 }}
    m.add("prepend", &[Any, Any], None, |_, a| prepend(a));
    // {{ mustPrepend $list 0 }}
    m.add("mustPrepend", &[Any, Any], None, |_, a| prepend(a));
    // {{ first $list }}
    m.add("first", &[Any], None, |_, a| first(a));
    // {{ mustFirst $list }}
    m.add("mustFirst", &[Any], None, |_, a| first(a));
    // {{ rest $list }}
    m.add("rest", &[Any], None, |_, a| rest(a));
    // {{ mustRest $list }}
    m.add("mustRest", &[Any], None, |_, a| rest(a));
    // {{ last $list }}
    m.add("last", &[Any], None, |_, a| last(a));
    // {{ mustLast $list }}
    m.add("mustLast", &[Any], None, |_, a| last(a));
    // {{ initial $list }}
    m.add("initial", &[Any], None, |_, a| initial(a));
    // {{ mustInitial $list }}
    m.add("mustInitial", &[Any], None, |_, a| initial(a));
    // {{ reverse $list }}
    m.add("reverse", &[Any], None, |_, a| reverse(a));
    // {{ mustReverse $list }}
    m.add("mustReverse", &[Any], None, |_, a| reverse(a));
    // {{ uniq $list }}
    m.add("uniq", &[Any], None, |_, a| uniq(a));
    // {{ mustUniq $list }}
    m.add("mustUniq", &[Any], None, |_, a| uniq(a));
    // {{ without $list 1 3 }}
    m.add("without", &[Any], Some(Any), |_, a| without(a));
    // {{ mustWithout $list 1 3 }}
    m.add("mustWithout", &[Any], Some(Any), |_, a| without(a));
    // {{ has 4 $list }}
    m.add("has", &[Any, Any], None, |_, a| has(a));
    // {{ mustHas 4 $list }}
    m.add("mustHas", &[Any, Any], None, |_, a| has(a));
    // {{ slice $list 1 3 }}
    m.add("slice", &[Any], Some(Any), |_, a| slice(a));
    // {{ mustSlice $list 1 3 }}
    m.add("mustSlice", &[Any], Some(Any), |_, a| slice(a));
    // {{ concat $list1 $list2 }}
    m.add("concat", &[], Some(Any), |_, a| concat(a));
    // {{ chunk 2 $list }}
    m.add("chunk", &[Int, Any], None, |_, a| chunk(a));
    // {{ mustChunk 2 $list }}
    m.add("mustChunk", &[Int, Any], None, |_, a| chunk(a));
    // {{ compact $list }}
    m.add("compact", &[Any], None, |_, a| compact(a));
    // {{ mustCompact $list }}
    m.add("mustCompact", &[Any], None, |_, a| compact(a));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(name: &str, args: &[Value]) -> FuncResult {
        let mut m = FuncMap::new();
        register(&mut m);
        m.call(name, args)
    }
    fn ints(v: &[i64]) -> Value {
        Value::list(v.iter().map(|&i| Value::int(i)).collect())
    }
    fn show(r: FuncResult) -> String {
        match r {
            Ok(v) => gotmpl::fmt::format_v(&v),
            Err(FuncError::Msg(m)) => format!("ERR {m}"),
            Err(e) => format!("ERR {e:?}"),
        }
    }

    #[test]
    fn chunks_like_sprig() {
        assert_eq!(
            show(call("chunk", &[Value::int(2), ints(&[1, 2, 3, 4, 5])])),
            "[[1 2] [3 4] [5]]"
        );
        assert_eq!(show(call("chunk", &[Value::int(2), ints(&[])])), "[]");
        assert_eq!(
            show(call("chunk", &[Value::int(0), ints(&[1])])),
            "ERR runtime error: makeslice: len out of range"
        );
    }

    #[test]
    fn errors_name_the_kind() {
        assert_eq!(
            show(call("first", &[Value::str("abc")])),
            "ERR Cannot find first on type string"
        );
        assert_eq!(
            show(call("mustPush", &[Value::empty_map(), Value::int(1)])),
            "ERR Cannot push on type map"
        );
        assert_eq!(show(call("has", &[Value::int(1), Value::Nil])), "false");
    }

    #[test]
    fn equality_distinguishes_types() {
        let l = Value::list(vec![
            Value::int(1),
            Value::int(1),
            Value::str("1"),
            Value::Float(1.0),
        ]);
        assert_eq!(show(call("uniq", std::slice::from_ref(&l))), "[1 1 1]");
        assert_eq!(show(call("has", &[Value::Float(1.0), l.clone()])), "true");
        assert_eq!(show(call("without", &[l, Value::int(1)])), "[1 1]");
    }

    #[test]
    fn slicing() {
        let l = ints(&[1, 2, 3, 4, 5]);
        assert_eq!(
            show(call("slice", &[l.clone(), Value::int(1), Value::int(3)])),
            "[2 3]"
        );
        assert_eq!(show(call("slice", &[l.clone(), Value::str("3")])), "[4 5]");
        assert_eq!(
            show(call("slice", &[l, Value::int(4), Value::int(2)])),
            "ERR reflect.Value.Slice: slice index out of bounds"
        );
    }
}
