//! Robustness properties of the template engine: whatever the template text and data,
//! `parse` and `execute` return (a value or an error) within a time bound, and never
//! panic.
//!
//! Each case runs on its own thread with an 8 MiB stack (a main thread's size) and is
//! joined with a timeout. Before a case runs, its input is written to
//! `$CARGO_TARGET_TMPDIR/proptest_robust_last_case.txt`, so that when a case kills the
//! process (a stack overflow aborts, it cannot be caught) the reproducer is on disk.
//! A case that does not finish in time is printed and the process aborts, since a hung
//! thread cannot be stopped and proptest's shrinking would only pile up more of them.

use std::sync::mpsc;
use std::time::Duration;

use chart_core::engine::funcs::helm_funcs;
use gotmpl::{Map, MissingKey, Options, Template, Value};
use proptest::prelude::*;

/// How long one parse + execution may take (debug build). This catches hangs, not
/// slowness: a case recursing to the template depth limit (100000 levels) legitimately
/// takes seconds in a debug build, and more than 30 s was seen on a 2-core machine with a
/// load average of 6 (other builds running beside the tests).
const TIME_BOUND: Duration = Duration::from_secs(180);
/// Stack of the thread a case runs on.
const STACK: usize = 8 << 20;
/// Output limit of one execution.
const MAX_OUTPUT: usize = 1 << 20;

/// A data tree, built into a `gotmpl::Value` on the worker thread.
#[derive(Clone, Debug)]
enum Data {
    Nil,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    List(Vec<Data>),
    Map(Vec<(String, Data)>),
}

impl Data {
    fn to_value(&self) -> Value {
        match self {
            Data::Nil => Value::Nil,
            Data::Bool(b) => Value::Bool(*b),
            Data::Int(i) => Value::int64(*i),
            Data::Float(f) => Value::Float(*f),
            Data::Str(s) => Value::str(s),
            Data::List(l) => Value::list(l.iter().map(Data::to_value).collect()),
            Data::Map(m) => {
                let mut out = Map::new();
                for (k, v) in m {
                    out.insert(k.clone(), v.to_value());
                }
                Value::map(out)
            }
        }
    }
}

/// Keys the templates use, so that field chains often hit.
const KEYS: &[&str] = &["a", "b", "c", "s", "l", "x", "name", "Values"];

/// Template sources that data strings may hold (for `tpl .s .`).
const DATA_TEMPLATES: &[&str] = &[
    "{{ .a }}",
    "{{ tpl .s . }}",
    "{{ include \"a\" . }}",
    "{{ template \"a\" . }}",
    "{{ range . }}{{ . }}{{ end }}",
    "{{ define \"a\" }}{{ tpl .s . }}{{ end }}{{ include \"a\" . }}",
    "{{ printf \"%v%v\" . . }}",
    "{{",
    "}}",
    "{{ end }}",
    "{{ .a.b.c }}",
];

fn data_strategy() -> impl Strategy<Value = Data> {
    let leaf = prop_oneof![
        Just(Data::Nil),
        any::<bool>().prop_map(Data::Bool),
        any::<i64>().prop_map(Data::Int),
        (-3i64..300).prop_map(Data::Int),
        any::<f64>().prop_map(Data::Float),
        "\\PC{0,8}".prop_map(Data::Str),
        prop::sample::select(DATA_TEMPLATES).prop_map(|s| Data::Str(s.to_string())),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Data::List),
            prop::collection::vec((prop::sample::select(KEYS), inner), 0..6).prop_map(|kv| {
                Data::Map(kv.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
            }),
        ]
    })
}

/// Functions the fragments name (some may be missing from the table: then parsing
/// reports an undefined function, which is fine too).
const FUNCS: &[&str] = &[
    "printf",
    "print",
    "println",
    "len",
    "index",
    "slice",
    "include",
    "tpl",
    "dict",
    "list",
    "default",
    "toYaml",
    "fromYaml",
    "toJson",
    "fromJson",
    "required",
    "fail",
    "eq",
    "ne",
    "lt",
    "le",
    "gt",
    "ge",
    "and",
    "or",
    "not",
    "html",
    "js",
    "urlquery",
    "call",
    "nindent",
    "indent",
    "quote",
    "upper",
    "lookup",
    "nosuchfunc",
];

/// Go's builtin functions (always defined).
const BUILTINS: &[&str] = &[
    "and", "call", "html", "index", "slice", "js", "len", "not", "or", "print", "printf",
    "println", "urlquery", "eq", "ge", "gt", "le", "lt", "ne",
];

/// The names in `FUNCS` that the function table (or Go's builtins) defines today.
fn defined_funcs() -> Vec<&'static str> {
    let table = helm_funcs();
    FUNCS
        .iter()
        .copied()
        .filter(|f| BUILTINS.contains(f) || table.contains(f))
        .collect()
}

/// Fixed fragments of template syntax.
const FRAGMENTS: &[&str] = &[
    "{{",
    "}}",
    "{{-",
    " -}}",
    "{{- ",
    "-}}",
    "{{/*",
    "*/}}",
    "/*",
    "*/",
    " ",
    "  ",
    "\n",
    "\t",
    "if",
    "else",
    "else if",
    "end",
    "range",
    "with",
    "define",
    "template",
    "block",
    "break",
    "continue",
    "$x :=",
    "$x =",
    "$i, $v :=",
    "$",
    "$x",
    "$i",
    "$v",
    "$.a",
    ".",
    ".a",
    ".a.b",
    ".b.c",
    ".l",
    ".s",
    ".Values.x",
    "(",
    ")",
    "|",
    ",",
    ":=",
    "=",
    "nil",
    "true",
    "false",
    "\"a\"",
    "\"b\"",
    "\"t\"",
    "{{end}}",
    "{{else}}",
    "{{if .a}}",
    "{{range .l}}",
    "{{range .}}",
    "{{with .b}}",
    "{{define \"a\"}}",
    "{{define \"b\"}}",
    "{{template \"a\" .}}",
    "{{template \"t\" .}}",
    "{{block \"b\" .}}",
    "{{break}}",
    "{{continue}}",
    "{{ include \"a\" . }}",
    "{{ include \"t\" . }}",
    "{{ tpl .s . }}",
    "{{ . }}",
    "{{ $ }}",
];

fn literal_strategy() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z{}()|.$\\\\ ]{0,6}".prop_map(|s| format!("\"{s}\"")),
        "[a-z{}\n ]{0,6}".prop_map(|s| format!("`{s}`")),
        any::<i64>().prop_map(|i| i.to_string()),
        any::<u64>().prop_map(|i| i.to_string()),
        any::<f64>().prop_map(|f| format!("{f:?}")),
        prop::sample::select(
            &[
                "0x1F",
                "0x1p-2",
                "1e308",
                "1e309",
                "-0",
                "1_000",
                "0b101",
                "0o17",
                "017",
                "1i",
                "2.5i",
                "'a'",
                "'\\n'",
                "'\\u00e9'",
                "'\\x41'",
                "''",
                "'ab'",
                "9223372036854775808",
                "-9223372036854775809",
                ".5",
                "+1",
                "0x",
                "1e",
                "\"\\q\"",
                "\"unterminated",
            ][..]
        )
        .prop_map(str::to_string),
    ]
}

fn fragment_strategy() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => prop::sample::select(FRAGMENTS).prop_map(str::to_string),
        2 => prop::sample::select(FUNCS).prop_map(|f| format!(" {f} ")),
        2 => literal_strategy().prop_map(|l| format!(" {l} ")),
        1 => "\\PC{0,6}",
    ]
}

/// Token soup: fragments concatenated at random.
fn soup_strategy() -> impl Strategy<Value = String> {
    prop::collection::vec(fragment_strategy(), 0..40).prop_map(|v| v.concat())
}

/// A pipeline built from operands, calls and `|`, well formed or nearly so.
fn pipeline_strategy() -> impl Strategy<Value = String> {
    let operand = prop_oneof![
        prop::sample::select(
            &[
                ".",
                ".a",
                ".a.b",
                ".l",
                ".s",
                ".b.c",
                "$",
                "$.a",
                "$x",
                "$v",
                "nil",
                "true",
                "\"a\"",
                "\"t\"",
                "\"%v-%s\"",
                "3",
                "-1",
                "1.5",
                "'x'",
            ][..]
        )
        .prop_map(str::to_string),
        literal_strategy(),
    ];
    let funcs = defined_funcs();
    operand.prop_recursive(3, 24, 4, move |inner| {
        prop_oneof![
            (
                prop::sample::select(funcs.clone()),
                prop::collection::vec(inner.clone(), 0..4)
            )
                .prop_map(|(f, args)| format!("{f} {}", args.join(" "))),
            inner.clone().prop_map(|p| format!("({p})")),
            (inner.clone(), prop::sample::select(funcs.clone()))
                .prop_map(|(p, f)| format!("{p} | {f}")),
            (inner.clone(), inner).prop_map(|(a, b)| format!("{a} | printf \"%v%v\" {b}")),
        ]
    })
}

/// Nested control structures with pipelines; mostly balanced.
fn structured_strategy() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        4 => pipeline_strategy().prop_map(|p| format!("{{{{ {p} }}}}")),
        2 => pipeline_strategy().prop_map(|p| format!("{{{{ $x := {p} }}}}")),
        1 => pipeline_strategy().prop_map(|p| format!("{{{{- $x = {p} -}}}}")),
        2 => "[a-z \n]{0,5}",
        1 => prop::sample::select(&[
            "{{break}}",
            "{{continue}}",
            "{{template \"a\" .}}",
            "{{template \"t\" .}}",
            "{{template \"b\" .a}}",
            "{{end}}",
            "{{else}}",
        ][..])
        .prop_map(str::to_string),
    ];
    let body = leaf.prop_recursive(4, 32, 4, |inner| {
        let block = prop::collection::vec(inner.clone(), 0..4).prop_map(|v| v.concat());
        prop_oneof![
            (
                pipeline_strategy(),
                block.clone(),
                prop::option::of(block.clone())
            )
                .prop_map(|(p, b, e)| match e {
                    Some(e) => format!("{{{{if {p}}}}}{b}{{{{else}}}}{e}{{{{end}}}}"),
                    None => format!("{{{{if {p}}}}}{b}{{{{end}}}}"),
                }),
            (pipeline_strategy(), block.clone())
                .prop_map(|(p, b)| format!("{{{{range $i, $v := {p}}}}}{b}{{{{end}}}}")),
            (pipeline_strategy(), block.clone())
                .prop_map(|(p, b)| format!("{{{{range {p}}}}}{b}{{{{else}}}}-{{{{end}}}}")),
            (pipeline_strategy(), block.clone())
                .prop_map(|(p, b)| format!("{{{{with $x := {p}}}}}{b}{{{{end}}}}")),
            (pipeline_strategy(), block.clone())
                .prop_map(|(p, b)| format!("{{{{block \"b\" {p}}}}}{b}{{{{end}}}}")),
            prop::collection::vec(inner, 2..5).prop_map(|v| v.concat()),
        ]
    });
    (
        prop::collection::vec(body.clone(), 0..3),
        prop::option::of(body.clone()),
        prop::option::of(body),
    )
        .prop_map(|(main, a, b)| {
            let mut s = main.concat();
            if let Some(a) = a {
                s.push_str(&format!("{{{{define \"a\"}}}}{a}{{{{end}}}}"));
            }
            if let Some(b) = b {
                s.push_str(&format!("{{{{define \"b\"}}}}{b}{{{{end}}}}"));
            }
            s
        })
}

fn options(missing: u8) -> Options {
    Options {
        missing_key: match missing % 3 {
            0 => MissingKey::Default,
            1 => MissingKey::Zero,
            _ => MissingKey::Error,
        },
        max_depth: 200,
        max_include_depth: 50,
        max_output: MAX_OUTPUT,
    }
}

/// Records the case on disk (see the module comment).
fn record(what: &str) {
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "proptest_robust_last_case.{:?}.txt",
        std::thread::current().id()
    ));
    let _ = std::fs::write(path, what);
}

/// Runs `f` on a fresh thread; fails the case when it panics, aborts the process when
/// it does not finish within the time bound.
fn bounded<F>(what: String, f: F) -> Result<(), TestCaseError>
where
    F: FnOnce() + Send + 'static,
{
    record(&what);
    let (tx, rx) = mpsc::channel();
    let handle = std::thread::Builder::new()
        .stack_size(STACK)
        .spawn(move || {
            f();
            let _ = tx.send(());
        })
        .map_err(|e| TestCaseError::fail(format!("spawn: {e}")))?;
    match rx.recv_timeout(TIME_BOUND) {
        Ok(()) => {
            let _ = handle.join();
            Ok(())
        }
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            // The closure did not finish: it panicked.
            let msg = match handle.join() {
                Err(p) => p
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default(),
                Ok(()) => String::new(),
            };
            Err(TestCaseError::fail(format!("panicked: {msg}\n{what}")))
        }
        Err(mpsc::RecvTimeoutError::Timeout) => {
            eprintln!("case did not finish within {TIME_BOUND:?}:\n{what}");
            std::process::abort();
        }
    }
}

/// Parses `src`; when it parses, executes every template it defined with `data`.
fn parse_and_run(src: String, data: Data, missing: u8) -> Result<(), TestCaseError> {
    let what = format!("template: {src:?}\ndata: {data:?}\nmissing: {missing}");
    bounded(what, move || {
        let mut t = Template::new(helm_funcs());
        t.set_options(options(missing));
        if t.parse("t", &src).is_err() {
            return;
        }
        let value = data.to_value();
        for name in t.names() {
            match t.execute(&name, &value) {
                Ok(out) => assert!(out.len() <= MAX_OUTPUT, "output over the limit"),
                Err(e) => {
                    // Formatting the error must not panic either.
                    let _ = e.to_string();
                }
            }
        }
    })
}

fn parse_only(
    src: String,
    delims: Option<(&'static str, &'static str)>,
) -> Result<(), TestCaseError> {
    let what = format!("parse only: {src:?} delims {delims:?}");
    bounded(what, move || {
        let mut t = Template::new(helm_funcs());
        if let Some((l, r)) = delims {
            t.set_delims(l, r);
        }
        if let Err(e) = t.parse("t", &src) {
            let _ = e.to_string();
        }
    })
}

const DELIMS: &[Option<(&str, &str)>] = &[
    None,
    Some(("[[", "]]")),
    Some(("<", ">")),
    Some(("{{", "}}")),
    Some(("{", "}")),
    Some(("", "")),
];

/// The case count: `PROPTEST_CASES` when set, else `n` (chosen to keep each property
/// well under 20 s in a debug build).
fn config(n: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(n);
    ProptestConfig {
        cases,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config(1000))]

    /// (a) Token soup: whatever parses executes without panic or hang.
    #[test]
    fn token_soup_parses_and_runs(src in soup_strategy(), data in data_strategy(), missing in any::<u8>()) {
        parse_and_run(src, data, missing)?;
    }

    /// (a) Mostly well-formed nested templates with pipelines: more of them parse, so
    /// execution gets more exercise.
    #[test]
    fn structured_templates_run(src in structured_strategy(), data in data_strategy(), missing in any::<u8>()) {
        parse_and_run(src, data, missing)?;
    }
}

proptest! {
    #![proptest_config(config(2000))]

    /// (b) Arbitrary bytes (lossily decoded) never make the parser panic.
    #[test]
    fn arbitrary_bytes_parse(bytes in prop::collection::vec(any::<u8>(), 0..200), d in prop::sample::select(DELIMS)) {
        parse_only(String::from_utf8_lossy(&bytes).into_owned(), d)?;
    }

    /// (b) Arbitrary strings, and strings over the template syntax's own alphabet.
    #[test]
    fn arbitrary_strings_parse(
        s in prop_oneof!["\\PC{0,120}", "[{}()|$.\"`'\\\\/*\\- \nifelsndrgwthpa:=,0-9]{0,120}"],
        d in prop::sample::select(DELIMS),
    ) {
        parse_only(s, d)?;
    }
}
