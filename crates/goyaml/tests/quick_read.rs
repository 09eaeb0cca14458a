//! The quick scanner of block-style YAML (`from_yaml_quick`) against the node-tree read
//! (`from_yaml_full`): whenever the quick scanner reads a document, the full read must
//! succeed with the same value. Checked on every YAML text of the repository, of the
//! shared corpus (charts, values and helm's rendered goldens) when it is there, and on
//! many small edits of those texts (where the quick scanner must give up on everything
//! libyaml refuses).

mod common;

use std::path::Path;

use proptest::prelude::*;

/// Every document of every YAML file found (split as Helm splits rendered output).
fn documents() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut files = Vec::new();
    for d in ["charts", "testdata", "../shared/corpus"] {
        common::yaml_files(&root.join(d), &["out", "golden"], &mut files);
    }
    let mut docs = Vec::new();
    for f in &files {
        let Ok(text) = std::fs::read_to_string(f) else {
            continue;
        };
        for doc in text.split("\n---") {
            // What follows a separator up to its line's end belongs to the separator.
            let doc = match doc.find('\n') {
                Some(i) if doc.starts_with(' ') || doc.starts_with('\n') || i == 0 => &doc[i..],
                _ => doc,
            };
            docs.push((f.display().to_string(), doc.to_string()));
        }
    }
    docs
}

fn agree(doc: &str) -> Result<bool, String> {
    let Some(quick) = goyaml::from_yaml_quick(doc) else {
        return Ok(false);
    };
    match goyaml::from_yaml_full(doc) {
        Ok(full) if full.deep_eq(&quick) => Ok(true),
        Ok(full) => Err(format!("quick {quick:?}\nfull  {full:?}")),
        Err(e) => Err(format!(
            "quick read {quick:?} where the full read fails: {e}"
        )),
    }
}

#[test]
fn quick_read_agrees_with_full_read_on_real_yaml() {
    let docs = documents();
    assert!(docs.len() > 1000, "found only {} documents", docs.len());
    let (mut quick, mut maps) = (0, 0);
    for (file, doc) in &docs {
        match agree(doc) {
            Ok(q) => quick += usize::from(q),
            Err(e) => panic!("{file}:\n{e}\n--- document:\n{doc}"),
        }
        if matches!(
            goyaml::from_yaml_full(doc),
            Ok(gotmpl::value::Value::Map(_))
        ) {
            maps += 1;
        }
    }
    // The scanner is only worth having if it reads nearly all real mappings.
    assert!(
        quick * 100 > maps * 95,
        "quick scanner read only {quick} of {maps} mapping documents"
    );
}

/// 4,000 cases per property, or `QUICK_CASES` (for longer runs by hand).
fn config() -> ProptestConfig {
    ProptestConfig {
        cases: std::env::var("QUICK_CASES")
            .ok()
            .and_then(|c| c.parse().ok())
            .unwrap_or(4000),
        ..ProptestConfig::default()
    }
}

/// Single edits around the characters YAML's structure hangs on.
const EDIT_BYTES: &[u8] = b" \n:-#'\"|>[]{},&*!?%@`\\a0.+";

fn edited(doc: &str, at: usize, op: u8, byte: u8) -> Option<String> {
    let mut b = doc.as_bytes().to_vec();
    if b.is_empty() {
        return None;
    }
    let at = at % b.len();
    match op % 4 {
        0 => {
            b.insert(at, byte);
        }
        1 => {
            b.remove(at);
        }
        2 => b[at] = byte,
        _ => {
            // Duplicate a line, indented one more or one less.
            let s = b
                .iter()
                .take(at)
                .rposition(|&c| c == b'\n')
                .map_or(0, |i| i + 1);
            let e = b[at..]
                .iter()
                .position(|&c| c == b'\n')
                .map_or(b.len(), |i| at + i);
            let mut line = b[s..e].to_vec();
            if byte.is_multiple_of(2) {
                line.insert(0, b' ');
            } else if line.first() == Some(&b' ') {
                line.remove(0);
            }
            line.push(b'\n');
            b.splice(s..s, line);
        }
    }
    String::from_utf8(b).ok()
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn quick_read_never_reads_what_the_full_read_refuses_or_reads_otherwise(
        pick in any::<usize>(),
        edits in proptest::collection::vec((any::<usize>(), any::<u8>(), 0..EDIT_BYTES.len()), 1..4),
    ) {
        // Small documents of the repository (a stable, cheap set to mutate).
        static DOCS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
        let docs = DOCS.get_or_init(|| {
            documents()
                .into_iter()
                .map(|(_, d)| d)
                .filter(|d| d.len() < 1500 && goyaml::from_yaml_quick(d).is_some())
                .collect()
        });
        prop_assume!(!docs.is_empty());
        let mut doc = docs[pick % docs.len()].clone();
        for (at, op, byte) in edits {
            if let Some(d) = edited(&doc, at, op, EDIT_BYTES[byte]) {
                doc = d;
            }
        }
        if let Err(e) = agree(&doc) {
            prop_assert!(false, "{e}\n--- document:\n{doc}");
        }
    }
}

/// Line fragments of block-style YAML: random documents of them exercise indentation,
/// block scalars (literal, folded, chomping, more-indented and empty lines), multi-line
/// plain and quoted scalars, flow collections and comments.
const FRAGMENTS: &[&str] = &[
    "k: v",
    "k:",
    "a b: c d",
    "k2: 1",
    "k3: true",
    "k4: ~",
    "- v",
    "- k: v",
    "-",
    "- -",
    "k: |",
    "k: |-",
    "k: |+",
    "k: >",
    "k: >-",
    "k: >+",
    "- |",
    "- >",
    "text words",
    "more text",
    " lead",
    "# comment",
    "",
    "x # c",
    "k: 'one",
    "two'",
    "k: \"one",
    "two\"",
    "k: [a, b]",
    "k: {a: 1}",
    "'q': v",
    "\"q\": v",
    "k: 'it''s'",
    "k: \"a\\tb\"",
    "k: -1",
    "k: :x",
    "k: a:b",
    "k: a#b",
    "k: v # c",
    "[a]",
    "k: [",
    "k: ]",
    "k: &a",
    "k: !t x",
    "k: *a",
    "? x",
    ": y",
    "k: \"\"",
];

proptest! {
    #![proptest_config(config())]

    #[test]
    fn quick_read_agrees_on_generated_documents(
        lines in proptest::collection::vec((0usize..7, 0..FRAGMENTS.len()), 1..12),
        end_newline in any::<bool>(),
    ) {
        let mut doc = String::from("root:\n");
        for (indent, f) in &lines {
            doc.push_str(&" ".repeat(*indent));
            doc.push_str(FRAGMENTS[*f]);
            doc.push('\n');
        }
        if !end_newline {
            doc.pop();
        }
        if let Err(e) = agree(&doc) {
            prop_assert!(false, "{e}\n--- document:\n{doc}");
        }
    }
}
