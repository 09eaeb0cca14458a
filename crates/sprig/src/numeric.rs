//! Sprig functions: numeric (integer arithmetic over cast.ToInt64, float arithmetic
//! through shopspring/decimal, rounding, `until`/`seq`, and the `int`/`float64`
//! conversions).

use gotmpl::func::{FuncError, FuncMap, FuncResult, Ty};
use gotmpl::value::Value;

use super::conv::{arg, arg_int, arg_str, atoi_lenient, parse_int, to_float64, to_int, to_int64};

/// An exact decimal: `(-1)^neg × digits × 10^exp` (shopspring/decimal's model).
#[derive(Clone, Debug)]
struct Dec {
    neg: bool,
    /// Decimal digits, most significant first, without leading zeros (empty = 0).
    digits: Vec<u8>,
    exp: i64,
}

fn trim_leading(mut d: Vec<u8>) -> Vec<u8> {
    let nz = d.iter().position(|&x| x != 0).unwrap_or(d.len());
    d.drain(..nz);
    d
}

fn cmp_mag(a: &[u8], b: &[u8]) -> std::cmp::Ordering {
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

fn add_mag(a: &[u8], b: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(a.len().max(b.len()) + 1);
    let (mut i, mut j, mut carry) = (a.len(), b.len(), 0u8);
    while i > 0 || j > 0 || carry > 0 {
        let x = if i > 0 { a[i - 1] } else { 0 };
        let y = if j > 0 { b[j - 1] } else { 0 };
        let s = x + y + carry;
        out.push(s % 10);
        carry = s / 10;
        i = i.saturating_sub(1);
        j = j.saturating_sub(1);
    }
    out.reverse();
    trim_leading(out)
}

/// `a - b` for `a >= b`.
fn sub_mag(a: &[u8], b: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(a.len());
    let (mut i, mut j, mut borrow) = (a.len(), b.len(), 0i8);
    while i > 0 {
        let x = a[i - 1] as i8;
        let y = if j > 0 { b[j - 1] as i8 } else { 0 };
        let mut d = x - y - borrow;
        borrow = 0;
        if d < 0 {
            d += 10;
            borrow = 1;
        }
        out.push(d as u8);
        i -= 1;
        j = j.saturating_sub(1);
    }
    out.reverse();
    trim_leading(out)
}

fn mul_mag(a: &[u8], b: &[u8]) -> Vec<u8> {
    if a.is_empty() || b.is_empty() {
        return Vec::new();
    }
    let mut acc = vec![0u32; a.len() + b.len()];
    for (i, &x) in a.iter().enumerate().rev() {
        for (j, &y) in b.iter().enumerate().rev() {
            acc[i + j + 1] += u32::from(x) * u32::from(y);
        }
    }
    for k in (1..acc.len()).rev() {
        let c = acc[k] / 10;
        acc[k] %= 10;
        acc[k - 1] += c;
    }
    trim_leading(acc.into_iter().map(|d| d as u8).collect())
}

/// Long division of magnitudes: (quotient, remainder).
fn divmod_mag(n: &[u8], d: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let mut q = Vec::with_capacity(n.len());
    let mut r: Vec<u8> = Vec::new();
    for &digit in n {
        r.push(digit);
        r = trim_leading(r);
        let mut count = 0u8;
        while cmp_mag(&r, d) != std::cmp::Ordering::Less {
            r = sub_mag(&r, d);
            count += 1;
        }
        q.push(count);
    }
    (trim_leading(q), r)
}

fn shift(d: &[u8], zeros: i64) -> Vec<u8> {
    let mut v = d.to_vec();
    if !v.is_empty() {
        v.extend(std::iter::repeat_n(0u8, zeros.max(0) as usize));
    }
    v
}

impl Dec {
    fn zero() -> Dec {
        Dec {
            neg: false,
            digits: Vec::new(),
            exp: 0,
        }
    }

    /// shopspring `NewFromFloat`: the shortest decimal that reads back as `f`.
    fn from_f64(f: f64) -> Result<Dec, FuncError> {
        if f.is_nan() || f.is_infinite() {
            return Err(FuncError::msg(format!(
                "Cannot create a Decimal from {}",
                gotmpl::fmt::format_v(&Value::Float(f))
            )));
        }
        if f == 0.0 {
            return Ok(Dec::zero());
        }
        let s = format!("{:e}", f.abs());
        let (mant, e) = s.split_once('e').unwrap_or((&s, "0"));
        let e: i64 = e.parse().unwrap_or(0);
        let (int, frac) = mant.split_once('.').unwrap_or((mant, ""));
        let digits: Vec<u8> = int.bytes().chain(frac.bytes()).map(|c| c - b'0').collect();
        Ok(Dec {
            neg: f < 0.0,
            digits: trim_leading(digits),
            exp: e - frac.len() as i64,
        })
    }

    fn to_f64(&self) -> f64 {
        if self.digits.is_empty() {
            return 0.0;
        }
        let s: String = self.digits.iter().map(|d| char::from(b'0' + d)).collect();
        let v: f64 = format!("{s}e{}", self.exp).parse().unwrap_or(0.0);
        if self.neg {
            -v
        } else {
            v
        }
    }

    fn add(&self, o: &Dec) -> Dec {
        let exp = self.exp.min(o.exp);
        let a = shift(&self.digits, self.exp - exp);
        let b = shift(&o.digits, o.exp - exp);
        let (neg, digits) = if self.neg == o.neg {
            (self.neg, add_mag(&a, &b))
        } else if cmp_mag(&a, &b) != std::cmp::Ordering::Less {
            (self.neg, sub_mag(&a, &b))
        } else {
            (o.neg, sub_mag(&b, &a))
        };
        Dec {
            neg: neg && !digits.is_empty(),
            digits,
            exp,
        }
    }

    fn neg(&self) -> Dec {
        Dec {
            neg: !self.neg && !self.digits.is_empty(),
            ..self.clone()
        }
    }

    fn mul(&self, o: &Dec) -> Dec {
        let digits = mul_mag(&self.digits, &o.digits);
        Dec {
            neg: (self.neg != o.neg) && !digits.is_empty(),
            digits,
            exp: self.exp + o.exp,
        }
    }

    /// shopspring `Div`: `DivRound` to 16 decimal places, half away from zero.
    fn div(&self, o: &Dec) -> Result<Dec, FuncError> {
        const PREC: i64 = 16;
        if o.digits.is_empty() {
            return Err(FuncError::msg("decimal division by 0"));
        }
        // quotient = self / o, scaled by 10^PREC, as integers n / d.
        let scale = self.exp - o.exp + PREC;
        let (n, d) = if scale >= 0 {
            (shift(&self.digits, scale), o.digits.clone())
        } else {
            (self.digits.clone(), shift(&o.digits, -scale))
        };
        let (mut q, r) = divmod_mag(&n, &d);
        let twice_r = add_mag(&r, &r);
        if cmp_mag(&twice_r, &d) != std::cmp::Ordering::Less {
            q = add_mag(&q, &[1]);
        }
        Ok(Dec {
            neg: (self.neg != o.neg) && !q.is_empty(),
            digits: q,
            exp: -PREC,
        })
    }
}

/// Sprig's `execDecimalOp`: fold the operands through `op` in decimal arithmetic.
fn decimal_op(
    first: &Value,
    rest: &[Value],
    op: fn(&Dec, &Dec) -> Result<Dec, FuncError>,
) -> FuncResult {
    let mut acc = Dec::from_f64(to_float64(first))?;
    for x in rest {
        let d = Dec::from_f64(to_float64(x))?;
        acc = op(&acc, &d)?;
    }
    Ok(Value::Float(acc.to_f64()))
}

/// Go's `math.Max`.
fn go_max(x: f64, y: f64) -> f64 {
    if x.is_infinite() && x > 0.0 || y.is_infinite() && y > 0.0 {
        return f64::INFINITY;
    }
    if x.is_nan() || y.is_nan() {
        return f64::NAN;
    }
    if x == 0.0 && x == y {
        return if x.is_sign_negative() { y } else { x };
    }
    if x > y {
        x
    } else {
        y
    }
}

/// Go's `math.Min`.
fn go_min(x: f64, y: f64) -> f64 {
    if x.is_infinite() && x < 0.0 || y.is_infinite() && y < 0.0 {
        return f64::NEG_INFINITY;
    }
    if x.is_nan() || y.is_nan() {
        return f64::NAN;
    }
    if x == 0.0 && x == y {
        return if x.is_sign_negative() { x } else { y };
    }
    if x < y {
        x
    } else {
        y
    }
}

/// Go's `math.Pow(10, p)` for an integer `p`.
fn pow10(p: i64) -> f64 {
    const EXACT: [f64; 23] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
        1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ];
    match EXACT.get(p.unsigned_abs() as usize) {
        Some(&v) if p >= 0 => v,
        Some(&v) => 1.0 / v,
        None => format!("1e{p}").parse().unwrap_or(0.0),
    }
}

/// Longest list `until`, `untilStep` and `seq` build (our own bound; Sprig has none): a
/// huge count would otherwise exhaust memory before anything is rendered.
pub const MAX_SEQUENCE_LEN: u64 = 1_000_000;

/// Number of elements `until_step(start, stop, step)` yields, computed without building it.
pub fn until_step_len(start: i64, stop: i64, step: i64) -> u64 {
    let (span, step) = if stop < start {
        if step >= 0 {
            return 0;
        }
        (start.abs_diff(stop), step.unsigned_abs())
    } else {
        if step <= 0 {
            return 0;
        }
        (stop.abs_diff(start), step.unsigned_abs())
    };
    span.div_ceil(step)
}

/// `until_step`, refused with an error when the list would be longer than
/// [`MAX_SEQUENCE_LEN`].
fn bounded_until_step(start: i64, stop: i64, step: i64) -> Result<Vec<i64>, FuncError> {
    let n = until_step_len(start, stop, step);
    if n > MAX_SEQUENCE_LEN {
        return Err(FuncError::msg(format!(
            "the sequence would have {n} elements, more than the limit of {MAX_SEQUENCE_LEN}"
        )));
    }
    Ok(until_step(start, stop, step))
}

/// Sprig's `untilStep`: the integers from `start` towards `stop` (exclusive) by `step`.
pub fn until_step(start: i64, stop: i64, step: i64) -> Vec<i64> {
    let mut v = Vec::new();
    if stop < start {
        if step >= 0 {
            return v;
        }
        let mut i = start;
        while i > stop {
            v.push(i);
            match i.checked_add(step) {
                Some(n) => i = n,
                None => break,
            }
        }
        return v;
    }
    if step <= 0 {
        return v;
    }
    let mut i = start;
    while i < stop {
        v.push(i);
        match i.checked_add(step) {
            Some(n) => i = n,
            None => break,
        }
    }
    v
}

/// A Go `[]int`.
fn ints(v: Vec<i64>) -> Value {
    Value::List(gotmpl::value::ListRef::typed(
        v.into_iter().map(Value::int).collect(),
        gotmpl::value::ElemKind::Int,
    ))
}

fn join_ints(v: Vec<i64>) -> Value {
    Value::from(v.iter().map(i64::to_string).collect::<Vec<_>>().join(" "))
}

/// Sprig's `seq`.
fn seq(p: &[i64]) -> FuncResult {
    Ok(match *p {
        [end] => {
            let start = 1;
            let inc = if end < start { -1 } else { 1 };
            join_ints(bounded_until_step(start, end.wrapping_add(inc), inc)?)
        }
        [start, end] => {
            let step = if end < start { -1 } else { 1 };
            join_ints(bounded_until_step(start, end.wrapping_add(step), step)?)
        }
        [start, step, end] => {
            let mut inc = 1;
            if end < start {
                inc = -1;
                if step > 0 {
                    return Ok(Value::str(""));
                }
            }
            join_ints(bounded_until_step(start, end.wrapping_add(inc), step)?)
        }
        _ => Value::str(""),
    })
}

fn divide(a: i64, b: i64, rem: bool) -> FuncResult {
    if b == 0 {
        return Err(FuncError::msg("runtime error: integer divide by zero"));
    }
    Ok(Value::int64(if rem {
        a.wrapping_rem(b)
    } else {
        a.wrapping_div(b)
    }))
}

/// Registers this module's functions.
pub fn register(m: &mut FuncMap) {
    use Ty::{Any, Float64, Int, Str};

    // {{ add1 5 }}
    m.add("add1", &[Any], None, |_, a| {
        Ok(Value::int64(to_int64(&arg(a, 0)).wrapping_add(1)))
    });
    // {{ add 1 2 3 }}
    m.add("add", &[], Some(Any), |_, a| {
        Ok(Value::int64(
            a.iter().fold(0i64, |acc, v| acc.wrapping_add(to_int64(v))),
        ))
    });
    // {{ sub 5 3 }}
    m.add("sub", &[Any, Any], None, |_, a| {
        Ok(Value::int64(
            to_int64(&arg(a, 0)).wrapping_sub(to_int64(&arg(a, 1))),
        ))
    });
    // {{ div 10 3 }}
    m.add("div", &[Any, Any], None, |_, a| {
        divide(to_int64(&arg(a, 0)), to_int64(&arg(a, 1)), false)
    });
    // {{ mod 10 3 }}
    m.add("mod", &[Any, Any], None, |_, a| {
        divide(to_int64(&arg(a, 0)), to_int64(&arg(a, 1)), true)
    });
    // {{ mul 2 3 4 }}
    m.add("mul", &[Any], Some(Any), |_, a| {
        Ok(Value::int64(
            a.iter()
                .skip(1)
                .fold(to_int64(&arg(a, 0)), |acc, v| acc.wrapping_mul(to_int64(v))),
        ))
    });
    // {{ randInt 1 10 }}
    m.add("randInt", &[Int, Int], None, |_, a| {
        let (lo, hi) = (arg_int(a, 0), arg_int(a, 1));
        let n = hi.wrapping_sub(lo);
        if n <= 0 {
            return Err(FuncError::msg("invalid argument to Intn"));
        }
        let r = super::strings::random_below(n as u64) as i64;
        Ok(Value::int(r.wrapping_add(lo)))
    });
    // {{ add1f 1.5 }}
    m.add("add1f", &[Any], None, |_, a| {
        decimal_op(&arg(a, 0), &[Value::int(1)], |x, y| Ok(x.add(y)))
    });
    // {{ addf 1.1 2.2 }}
    m.add("addf", &[], Some(Any), |_, a| {
        decimal_op(&Value::Float(0.0), a, |x, y| Ok(x.add(y)))
    });
    // {{ subf 5.5 1.1 }}
    m.add("subf", &[Any], Some(Any), |_, a| {
        decimal_op(&arg(a, 0), a.get(1..).unwrap_or(&[]), |x, y| {
            Ok(x.add(&y.neg()))
        })
    });
    // {{ divf 1 3 }}
    m.add("divf", &[Any], Some(Any), |_, a| {
        decimal_op(&arg(a, 0), a.get(1..).unwrap_or(&[]), Dec::div)
    });
    // {{ mulf 1.5 2 }}
    m.add("mulf", &[Any], Some(Any), |_, a| {
        decimal_op(&arg(a, 0), a.get(1..).unwrap_or(&[]), |x, y| Ok(x.mul(y)))
    });
    // {{ max 1 5 3 }}
    m.add("max", &[Any], Some(Any), |_, a| {
        Ok(Value::int64(
            a.iter()
                .skip(1)
                .fold(to_int64(&arg(a, 0)), |acc, v| acc.max(to_int64(v))),
        ))
    });
    m.alias("biggest", "max");
    // {{ min 1 5 3 }}
    m.add("min", &[Any], Some(Any), |_, a| {
        Ok(Value::int64(
            a.iter()
                .skip(1)
                .fold(to_int64(&arg(a, 0)), |acc, v| acc.min(to_int64(v))),
        ))
    });
    // {{ maxf 1.5 2.5 }}
    m.add("maxf", &[Any], Some(Any), |_, a| {
        Ok(Value::Float(
            a.iter()
                .skip(1)
                .fold(to_float64(&arg(a, 0)), |acc, v| go_max(acc, to_float64(v))),
        ))
    });
    // {{ minf 1.5 2.5 }}
    m.add("minf", &[Any], Some(Any), |_, a| {
        Ok(Value::Float(
            a.iter()
                .skip(1)
                .fold(to_float64(&arg(a, 0)), |acc, v| go_min(acc, to_float64(v))),
        ))
    });
    // {{ ceil 1.2 }}
    m.add("ceil", &[Any], None, |_, a| {
        Ok(Value::Float(to_float64(&arg(a, 0)).ceil()))
    });
    // {{ floor 1.8 }}
    m.add("floor", &[Any], None, |_, a| {
        Ok(Value::Float(to_float64(&arg(a, 0)).floor()))
    });
    // {{ round 3.14159 2 }}
    m.add("round", &[Any, Int], Some(Float64), |_, a| {
        let round_on = match a.get(2) {
            Some(Value::Float(f)) => *f,
            Some(v) => to_float64(v),
            None => 0.5,
        };
        let val = to_float64(&arg(a, 0));
        let pow = pow10(arg_int(a, 1));
        let digit = pow * val;
        let r = if digit.fract() >= round_on {
            digit.ceil()
        } else {
            digit.floor()
        };
        Ok(Value::Float(r / pow))
    });
    // {{ atoi "42" }}
    m.add("atoi", &[Str], None, |_, a| {
        Ok(Value::int(atoi_lenient(arg_str(a, 0))))
    });
    // {{ int64 "42" }}
    m.add("int64", &[Any], None, |_, a| {
        Ok(Value::int64(to_int64(&arg(a, 0))))
    });
    // {{ int "42" }}
    m.add("int", &[Any], None, |_, a| {
        Ok(Value::int(to_int(&arg(a, 0))))
    });
    // {{ float64 "1.5" }}
    m.add("float64", &[Any], None, |_, a| {
        Ok(Value::Float(to_float64(&arg(a, 0))))
    });
    // {{ seq 1 5 }}
    m.add("seq", &[], Some(Int), |_, a| {
        let p: Vec<i64> = a.iter().map(|v| v.as_i64().unwrap_or(0)).collect();
        seq(&p)
    });
    // {{ toDecimal "0777" }}
    m.add("toDecimal", &[Any], None, |_, a| {
        let s = gotmpl::fmt::format_v(&arg(a, 0));
        Ok(Value::int64(parse_int(&s, 8).unwrap_or(0)))
    });
    // {{ until 5 }}
    m.add("until", &[Int], None, |_, a| {
        let n = arg_int(a, 0);
        let step = if n < 0 { -1 } else { 1 };
        Ok(ints(bounded_until_step(0, n, step)?))
    });
    // {{ untilStep 0 10 2 }}
    m.add("untilStep", &[Int, Int, Int], None, |_, a| {
        Ok(ints(bounded_until_step(
            arg_int(a, 0),
            arg_int(a, 1),
            arg_int(a, 2),
        )?))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(name: &str, args: &[Value]) -> FuncResult {
        let mut m = FuncMap::new();
        register(&mut m);
        m.call(name, args)
    }
    fn float(r: FuncResult) -> f64 {
        match r {
            Ok(Value::Float(f)) => f,
            other => panic!("not a float: {other:?}"),
        }
    }

    #[test]
    fn decimal_arithmetic() {
        assert_eq!(
            float(call("addf", &[Value::Float(1.1), Value::Float(2.2)])),
            3.3
        );
        assert_eq!(
            float(call("divf", &[Value::int(1), Value::int(3)])),
            0.3333333333333333
        );
        assert_eq!(
            float(call("divf", &[Value::int(2), Value::int(3)])),
            0.6666666666666667
        );
        assert_eq!(
            float(call("subf", &[Value::Float(0.3), Value::Float(0.1)])),
            0.2
        );
        assert_eq!(
            float(call("mulf", &[Value::Float(1.1), Value::Float(1.1)])),
            1.21
        );
        assert_eq!(float(call("add1f", &[Value::Float(-1.5)])), -0.5);
        assert!(matches!(
            call("divf", &[Value::int(1), Value::int(0)]),
            Err(FuncError::Msg(m)) if m == "decimal division by 0"
        ));
    }

    #[test]
    fn integer_arithmetic() {
        let r = call("add", &[Value::int(1), Value::Float(2.9), Value::str("3")]);
        assert!(matches!(r, Ok(Value::Int(6, gotmpl::IntKind::Int64))));
        assert!(matches!(
            call("div", &[Value::int(1), Value::int(0)]),
            Err(FuncError::Msg(m)) if m == "runtime error: integer divide by zero"
        ));
        let r = call("div", &[Value::int64(i64::MIN), Value::int(-1)]);
        assert!(matches!(r, Ok(Value::Int(i64::MIN, _))));
    }

    #[test]
    fn rounding_and_ranges() {
        assert_eq!(
            float(call("round", &[Value::Float(-1.5), Value::int(0)])),
            -2.0
        );
        assert_eq!(
            float(call("round", &[Value::Float(2.5), Value::int(0)])),
            3.0
        );
        assert_eq!(
            float(call("round", &[Value::Float(1.23456), Value::int(2)])),
            1.23
        );
        assert_eq!(until_step(0, 10, 3), vec![0, 3, 6, 9]);
        assert_eq!(until_step(0, -3, -1), vec![0, -1, -2]);
        assert!(until_step(0, 10, -1).is_empty());
        assert!(matches!(seq(&[0]), Ok(Value::Str(s)) if &*s == "1 0"));
        assert!(matches!(seq(&[0, 2, 10]), Ok(Value::Str(s)) if &*s == "0 2 4 6 8 10"));
        assert!(matches!(seq(&[5, 2]), Ok(Value::Str(s)) if &*s == "5 4 3 2"));
    }

    #[test]
    fn sequence_length_is_bounded() {
        for (a, b, c) in [
            (0, 10, 3),
            (10, 0, -3),
            (0, 0, 1),
            (5, 0, 1),
            (0, 5, -1),
            (-7, 7, 2),
        ] {
            assert_eq!(until_step_len(a, b, c), until_step(a, b, c).len() as u64);
        }
        assert_eq!(until_step_len(i64::MIN, i64::MAX, 1), u64::MAX);
        let limit = MAX_SEQUENCE_LEN as i64;
        assert!(call("until", &[Value::int(limit)]).is_ok());
        assert!(call("until", &[Value::int(limit + 1)]).is_err());
        assert!(call(
            "untilStep",
            &[Value::int(0), Value::int(i64::MAX), Value::int(1)]
        )
        .is_err());
        assert!(seq(&[limit + 1]).is_err());
    }
}
