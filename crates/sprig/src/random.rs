//! Sprig functions: random strings (`randAlphaNum`, `randAlpha`, `randNumeric`,
//! `randAscii`), drawn from the operating system's secure generator as Sprig does.

use rand::rngs::OsRng;
use rand::Rng;

use super::strings::{too_long, MAX_STRING_LEN};
use gotmpl::func::{FuncMap, Ty};
use gotmpl::value::Value;

const UPPER: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const LOWER: &str = "abcdefghijklmnopqrstuvwxyz";
const DIGITS: &str = "0123456789";

/// `n` characters drawn uniformly from `alphabet`; a negative `n` gives `""` (Sprig
/// ignores the generator's error).
pub fn random_string(n: i64, alphabet: &[u8]) -> String {
    if n <= 0 || alphabet.is_empty() {
        return String::new();
    }
    let mut rng = OsRng;
    (0..n)
        .map(|_| char::from(alphabet[rng.gen_range(0..alphabet.len())]))
        .collect()
}

fn count(args: &[Value]) -> i64 {
    args.first().and_then(Value::as_i64).unwrap_or(0)
}

fn add(m: &mut FuncMap, name: &'static str, alphabet: String) {
    m.add(name, &[Ty::Int], None, move |_, a| {
        let n = count(a);
        if n > 0 && n as u64 > MAX_STRING_LEN {
            return Err(too_long(name, n as u64));
        }
        Ok(Value::str(random_string(n, alphabet.as_bytes())))
    });
}

/// Registers this module's functions.
pub fn register(m: &mut FuncMap) {
    // {{ randAlphaNum 10 }}
    add(m, "randAlphaNum", format!("{UPPER}{LOWER}{DIGITS}"));
    // {{ randAlpha 10 }}
    add(m, "randAlpha", format!("{UPPER}{LOWER}"));
    // {{ randNumeric 6 }}
    add(m, "randNumeric", DIGITS.to_string());
    // {{ randAscii 12 }} (printable ASCII, space to `~`)
    add(m, "randAscii", (b' '..=b'~').map(char::from).collect());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(name: &str, n: i64) -> String {
        let mut m = FuncMap::new();
        register(&mut m);
        match m.call(name, &[Value::int(n)]) {
            Ok(Value::Str(s)) => s.to_string(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn lengths_and_alphabets() {
        let s = call("randAlphaNum", 200);
        assert_eq!(s.len(), 200);
        assert!(s.bytes().all(|c| c.is_ascii_alphanumeric()));
        let s = call("randAlpha", 200);
        assert!(s.len() == 200 && s.bytes().all(|c| c.is_ascii_alphabetic()));
        let s = call("randNumeric", 200);
        assert!(s.len() == 200 && s.bytes().all(|c| c.is_ascii_digit()));
        let s = call("randAscii", 500);
        assert!(s.len() == 500 && s.bytes().all(|c| (b' '..=b'~').contains(&c)));
        // 500 draws from 95 symbols: more than one distinct character.
        assert!(s.bytes().any(|c| c != s.as_bytes()[0]));
        assert_eq!(call("randAlpha", 0), "");
        assert_eq!(call("randAlpha", -3), "");
    }
}
